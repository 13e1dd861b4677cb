//! A stable-toolchain stand-in for the `cargo fuzz` targets in fuzz/: the same calls (the
//! readers through `extract_bytes`, the analysis of arbitrary text) on a few hundred
//! deterministic mutations of the seeds (fuzz/corpus plus fixtures/formats). It finds nothing a
//! real fuzzing run would not; it keeps the targets' contract checked on every `cargo
//! test`. Set FUZZ_SMOKE_ITERS to run longer.

mod batch_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use clausegap::engine::AnalyzeOptions;
use clausegap::extract::{extract_bytes, ExtractOptions, Extracted, Format};
use clausegap::taxonomy::Profile;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// libFuzzer-like mutations: flip, insert, delete, duplicate a chunk, splice interesting
/// bytes.
fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(8) {
        let len = v.len();
        match rng.below(6) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(len + 1);
                let b = [0u8, 0xff, b'<', b'>', b'&', b'(', b')', 0x82, 0xa0, 0xe3, b'\n', b'\r'][rng.below(12)];
                v.insert(i, b);
            }
            2 if len > 1 => {
                let i = rng.below(len);
                let n = rng.below((len - i).min(64)) + 1;
                v.drain(i..i + n);
            }
            3 if len > 1 => {
                let i = rng.below(len);
                let n = rng.below((len - i).min(256)) + 1;
                let chunk = v[i..i + n].to_vec();
                let at = rng.below(len);
                v.splice(at..at, chunk);
            }
            4 if len > 0 => {
                let i = rng.below(len);
                v.truncate(i);
            }
            _ => {
                let i = rng.below(len + 1);
                let s: &[u8] = [&b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>"[..], b"%PDF-1.7\n", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", "第1条（秘密保持）\n".as_bytes(), b"Section 5.2 "][rng.below(7)];
                v.splice(i..i, s.iter().copied());
            }
        }
    }
    v
}

/// The target's own seeds in fuzz/corpus/<target> (where it has any) plus the format
/// fixtures of its kind, which serve as seeds without being copied there.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let exts: &[&str] = match target {
        "extract_text" => &["txt"],
        "extract_html" => &["html"],
        "extract_pdf" => &["pdf"],
        "extract_docx" => &["docx"],
        _ => &[],
    };
    let own = std::fs::read_dir(Path::new("fuzz/corpus").join(target)).into_iter().flatten();
    let fixtures = std::fs::read_dir("fixtures/formats").expect("fixtures/formats").filter(|e| {
        e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| exts.iter().any(|w| x == *w)))
    });
    let mut paths: Vec<PathBuf> = own.chain(fixtures).map(|e| e.unwrap().path()).collect();
    paths.sort();
    assert!(!paths.is_empty(), "no seeds for {target}");
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn iters() -> usize {
    std::env::var("FUZZ_SMOKE_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(150)
}

fn extract_smoke(target: &str, name: &str, seed: u64) {
    let opts = ExtractOptions { timeout: Duration::from_secs(20), max_file_size: 16 * 1024 * 1024, ..ExtractOptions::default() };
    let seeds = seeds(target);
    let mut rng = Rng(seed);
    for i in 0..iters() {
        let input = mutate(&mut rng, &seeds[i % seeds.len()]);
        if let Ok(ex) = extract_bytes(&input, Path::new(name), &opts) {
            assert!(!ex.text.contains('\r'), "{target} #{i}: carriage return in the text");
            if let Some(&first) = ex.page_starts.first() {
                assert_eq!(first, 0, "{target} #{i}");
                assert!(ex.page_starts.windows(2).all(|w| w[0] <= w[1]), "{target} #{i}");
            }
        }
    }
}

#[test]
fn text_reader() {
    extract_smoke("extract_text", "contract.txt", 0x9e3779b97f4a7c15);
}

#[test]
fn html_reader() {
    extract_smoke("extract_html", "contract.html", 0xbf58476d1ce4e5b9);
}

#[test]
fn docx_reader() {
    extract_smoke("extract_docx", "contract.docx", 0x94d049bb133111eb);
}

#[test]
fn pdf_reader() {
    extract_smoke("extract_pdf", "contract.pdf", 0x2545f4914f6cdd1d);
}

#[test]
fn analysis_of_arbitrary_text() {
    let analyzer = batch_support::analyzer();
    let seeds = seeds("analyze");
    let mut rng = Rng(0x853c49e6748fea9b);
    for i in 0..iters() {
        let input = mutate(&mut rng, &seeds[i % seeds.len()]);
        let Some((&ctl, rest)) = input.split_first() else { continue };
        let text = String::from_utf8_lossy(rest).replace("\r\n", "\n").replace('\r', "\n");
        let lines = text.split('\n').count();
        let page_starts: Vec<usize> = if ctl & 1 == 1 { (0..lines).step_by(1 + (ctl as usize >> 5)).collect() } else { Vec::new() };
        let profile = [Profile::Auto, Profile::Mynumber, Profile::Appi, Profile::Gdpr, Profile::Cloud][((ctl >> 1) & 7) as usize % 5];
        let ex = Extracted { format: if page_starts.is_empty() { Format::Txt } else { Format::Pdf }, text, page_starts, encoding: None };
        let report = analyzer.analyze("fuzz.txt", &ex, &AnalyzeOptions { profile, report_lang: None });
        for e in report.clauses.iter().flat_map(|c| &c.evidence).chain(report.risks.iter().flat_map(|r| &r.evidence)) {
            assert!(e.line >= 1 && e.line <= lines, "#{i}: evidence line {} of {lines}", e.line);
        }
    }
}
