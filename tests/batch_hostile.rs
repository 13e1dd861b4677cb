//! Hostile repositories: everything a contract folder can contain that breaks parsers or
//! walkers. Each such file ends as a per-file error, `no-text`, or is skipped with a
//! reason; nothing crashes, nothing hangs, and the good contracts beside them are reported.
//!
//! PDFs and DOCX go through the real worker child (the test binary's `extract-worker`), as
//! the CLI runs them.

#![cfg(unix)]

mod batch_support;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clausegap::extract::ExtractOptions;
use clausegap::report::model::DocumentReport;
use clausegap::rules::RuleSet;
use clausegap::scan::{self, collect, Found, RunOptions, ScanConfig};

const GOOD: &str = "業務委託契約書\n\n第1条（秘密保持）\n乙は、本業務に関して知り得た甲の秘密を第三者に漏えいしてはならない。\n\n第2条（再委託）\n乙は、本業務の全部又は一部を第三者に再委託することができる。\n";

use batch_support::analyzer;

fn config() -> ScanConfig {
    ScanConfig {
        extract: ExtractOptions { worker_exe: Some(PathBuf::from(env!("CARGO_BIN_EXE_clausegap"))), timeout: Duration::from_secs(20), ..ExtractOptions::default() },
        ..ScanConfig::default()
    }
}

/// Deterministic junk.
fn junk(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

fn running_as_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// Builds the hostile repository; returns it and the path of the non-UTF-8 file.
fn hostile_repository() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for e in std::fs::read_dir("fixtures/hostile").unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, root.join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(root.join("good.txt"), GOOD).unwrap();
    // A 2 GB sparse file: refused by its size before a byte is read.
    let huge = std::fs::File::create(root.join("huge.txt")).unwrap();
    huge.set_len(2 * 1024 * 1024 * 1024).unwrap();
    // Binary junk under contract extensions.
    std::fs::write(root.join("junk.pdf"), junk(1, 50_000)).unwrap();
    std::fs::write(root.join("junk.docx"), junk(2, 50_000)).unwrap();
    std::fs::write(root.join("junk.txt"), junk(3, 50_000)).unwrap();
    let mut fake_zip = b"PK\x03\x04".to_vec();
    fake_zip.extend(junk(4, 5_000));
    std::fs::write(root.join("fake-zip.docx"), fake_zip).unwrap();
    std::fs::write(root.join("zeros.txt"), vec![0u8; 100_000]).unwrap();
    // Unreadable.
    let locked = root.join("locked.txt");
    std::fs::write(&locked, GOOD).unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    // Symbolic link loop and a dangling link.
    std::fs::create_dir(root.join("sub")).unwrap();
    std::os::unix::fs::symlink("..", root.join("sub").join("loop")).unwrap();
    std::os::unix::fs::symlink("nowhere.txt", root.join("dangling.txt")).unwrap();
    // A FIFO named like a contract: reading it would block forever.
    let fifo = std::ffi::CString::new(root.join("pipe.txt").as_os_str().as_bytes()).unwrap();
    unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) };
    // Non-UTF-8 file name (Latin-1 "café").
    let odd = root.join(OsStr::from_bytes(b"caf\xe9-contract.txt"));
    std::fs::write(&odd, GOOD).unwrap();
    // Empty folders.
    std::fs::create_dir_all(root.join("empty").join("nested")).unwrap();
    (dir, odd)
}

fn by_name(docs: &[DocumentReport]) -> BTreeMap<String, &DocumentReport> {
    docs.iter().map(|d| (Path::new(&d.path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), d)).collect()
}

#[test]
fn a_hostile_repository_ends_in_per_file_results() {
    let an = analyzer();
    let (repo, _odd) = hostile_repository();
    let found = collect(&[repo.path().to_path_buf()]);
    let start = Instant::now();
    let mut docs = Vec::new();
    let stats = scan::run(&an, &found, &config(), &RunOptions { jobs: 2, ..Default::default() }, |_, d| -> Result<(), ()> {
        docs.push(d);
        Ok(())
    })
    .unwrap();
    let took = start.elapsed();
    assert_eq!(stats.emitted, found.len());
    for d in &docs {
        assert!(matches!(d.status.as_str(), "ok" | "error" | "no-text"), "{}: {}", d.path, d.status);
        if d.status != "ok" {
            assert!(d.error.as_deref().is_some_and(|e| !e.is_empty()), "{} has a reason", d.path);
        }
    }
    let m = by_name(&docs);
    let show = || docs.iter().map(|d| format!("{} {} {:?}", d.path, d.status, d.error)).collect::<Vec<_>>().join("\n");
    assert_eq!(m["good.txt"].status, "ok", "{}", show());
    assert_eq!(m["caf\u{fffd}-contract.txt"].status, "ok", "non-UTF-8 names are read and shown lossily\n{}", show());
    let huge = m["huge.txt"];
    assert_eq!(huge.status, "error");
    assert!(huge.error.as_deref().unwrap().contains("over the limit"), "{:?}", huge.error);
    for name in ["junk.pdf", "junk.docx", "fake-zip.docx", "zip-bomb.docx", "random-bytes.pdf", "truncated.pdf"] {
        assert_eq!(m[name].status, "error", "{name}: {:?}", m[name].error);
    }
    assert_eq!(m["scanned-image-only.pdf"].status, "no-text");
    for name in ["entity-expansion.docx", "malformed-xml.docx", "deep-nesting.pdf", "decompression-bomb.pdf", "self-referencing-kids.pdf", "junk.txt", "zeros.txt"] {
        assert!(m.contains_key(name), "{name} is reported\n{}", show());
    }
    assert!(docs.iter().any(|d| d.error.as_deref().is_some_and(|e| e.contains("symbolic link loop"))), "the loop is reported\n{}", show());
    assert!(m.contains_key("dangling.txt"), "the dangling link is reported");
    assert!(!m.contains_key("pipe.txt"), "a FIFO is not a contract file and is not opened");
    if running_as_root() {
        eprintln!("note: running as root, chmod 000 does not stop reading; the unreadable-file assertion is skipped");
    } else {
        assert_eq!(m["locked.txt"].status, "error");
        assert!(m["locked.txt"].error.as_deref().unwrap().contains("ermission"), "{:?}", m["locked.txt"].error);
    }
    assert!(took < Duration::from_secs(120), "the hostile repository took {took:?}");
}

#[test]
fn a_sparse_2gb_file_is_refused_by_size_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.pdf");
    std::fs::File::create(&p).unwrap().set_len(2 * 1024 * 1024 * 1024).unwrap();
    let an = analyzer();
    let start = Instant::now();
    let d = scan::scan_one(&an, &Found::File(p), &config());
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(d.status, "error");
    assert!(d.error.unwrap().contains("over the limit"));
}

#[test]
fn empty_folders_give_an_empty_batch() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a/b/c")).unwrap();
    assert!(collect(&[dir.path().to_path_buf()]).is_empty());
}

#[test]
fn the_binary_survives_the_hostile_repository() {
    if let Err(e) = RuleSet::bundled() {
        eprintln!("skipped: the bundled rule library does not load yet ({e})");
        return;
    }
    let (repo, _) = hostile_repository();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clausegap")).args(["scan", "--format", "json"]).arg(repo.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let docs = v["documents"].as_array().unwrap();
    assert!(docs.len() >= 20, "{}", docs.len());
    assert!(docs.iter().all(|d| matches!(d["status"].as_str(), Some("ok" | "error" | "no-text"))));
    assert!(docs.iter().any(|d| d["path"].as_str().unwrap().ends_with("good.txt") && d["status"] == "ok"));
}
