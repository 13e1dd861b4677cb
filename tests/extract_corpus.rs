//! Real-world PDFs from the shared corpus (outside the repository; skipped when absent):
//! each extracts to non-empty text, and Japanese ones keep their headings and words
//! intact (no letter-spacing, no spaces inside 「第N条」). Prints ms/page.

mod extract_support;

use std::path::Path;
use std::time::Instant;

use clausegap::extract::extract_file;
use extract_support::{in_process, with_worker};

fn pdfs(lang: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/docs").join(lang).join("pdf");
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut files: Vec<_> = entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "pdf")).collect();
    files.sort();
    files
}

fn is_kana_or_kanji(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x4E00..=0x9FFF)
}

#[test]
fn corpus_pdfs_extract() {
    let opts = with_worker().unwrap_or_else(in_process);
    for lang in ["en", "ja"] {
        let mut files = pdfs(lang);
        // Unoptimised pdf_oxide is ~10x slower; a debug run checks a sample.
        if cfg!(debug_assertions) {
            files.truncate(6);
        }
        if files.is_empty() {
            eprintln!("note: no corpus PDFs for {lang}; skipped");
            continue;
        }
        let (mut pages, start) = (0usize, Instant::now());
        for path in &files {
            let got = extract_file(path, &opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(got.text.trim().len() > 200, "{}: almost no text", path.display());
            pages += got.pages().unwrap_or(1);
            if lang == "ja" {
                let chars: Vec<char> = got.text.chars().collect();
                let ja = chars.iter().filter(|c| is_kana_or_kanji(**c)).count();
                assert!(ja * 5 > chars.len(), "{}: little Japanese text", path.display());
                assert!(!got.text.contains('\u{FFFD}'), "{}: replacement characters", path.display());
                for line in got.text.lines() {
                    // 「秘 密 保 持」-style letter spacing would break cue matching.
                    let spaced = line.chars().collect::<Vec<_>>().windows(5).any(|w| {
                            is_kana_or_kanji(w[0]) && w[1] == ' ' && is_kana_or_kanji(w[2]) && w[3] == ' ' && is_kana_or_kanji(w[4])
                        });
                    assert!(!spaced, "{}: letter-spaced line {line:?}", path.display());
                    assert!(!line.contains("第 "), "{}: broken heading {line:?}", path.display());
                }
            }
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        eprintln!("corpus {lang}: {} files, {pages} pages, {:.1} ms/page", files.len(), ms / pages.max(1) as f64);
    }
}
