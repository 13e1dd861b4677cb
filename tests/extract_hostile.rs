//! Hostile files (fixtures/hostile, made by scripts/make-hostile.py) end as a per-file
//! error — or text — within seconds, and never take the process down.

mod extract_support;

use std::time::{Duration, Instant};

use clausegap::extract::{extract_bytes, extract_file, ExtractError, ExtractOptions};
use extract_support::{fixture, in_process, with_worker};

fn run(name: &str, opts: &ExtractOptions) -> (Result<clausegap::extract::Extracted, ExtractError>, Duration) {
    let start = Instant::now();
    let result = extract_file(&fixture(&format!("hostile/{name}")), opts);
    (result, start.elapsed())
}

/// Files safe to parse in the test process itself (no stack overflow, fast).
#[test]
fn hostile_files_in_process() {
    let opts = in_process();
    let cases: &[(&str, fn(&ExtractError) -> bool)] = &[
        ("truncated.pdf", |e| matches!(e, ExtractError::Malformed { format: "pdf", .. })),
        ("random-bytes.pdf", |e| matches!(e, ExtractError::Malformed { format: "pdf", .. })),
        ("scanned-image-only.pdf", |e| matches!(e, ExtractError::NoText { pages: 2 })),
        ("zip-bomb.docx", |e| e.to_string().contains("zip bomb")),
        ("entity-expansion.docx", |e| e.to_string().contains("entity")),
        ("malformed-xml.docx", |e| matches!(e, ExtractError::Malformed { format: "docx", .. })),
    ];
    for (name, expected) in cases {
        let (result, took) = run(name, &opts);
        let err = result.expect_err(name);
        assert!(expected(&err), "{name}: unexpected error {err}");
        assert!(took < Duration::from_secs(10), "{name} took {took:?}");
    }
    // A page tree that contains itself: text or an error, but it must terminate.
    let (result, took) = run("self-referencing-kids.pdf", &opts);
    assert!(took < Duration::from_secs(10), "self-referencing-kids.pdf took {took:?}");
    if let Ok(got) = result {
        assert!(got.text.contains("Article 1 Confidentiality"));
    }
}

#[test]
fn decompression_bomb_is_bounded() {
    // In-process the thread cannot be killed, only abandoned at the timeout.
    let opts = ExtractOptions { timeout: Duration::from_secs(5), ..in_process() };
    let (result, took) = run("decompression-bomb.pdf", &opts);
    assert!(result.is_err(), "a bomb has no text");
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

/// The stack-overflow file runs only in a worker child: in-process it would abort the
/// test binary (that is the point of the worker).
#[test]
fn hostile_files_in_worker() {
    let Some(opts) = with_worker() else { return };
    let opts = ExtractOptions { timeout: Duration::from_secs(20), isolate_docx: true, ..opts };
    for name in [
        "deep-nesting.pdf",
        "decompression-bomb.pdf",
        "truncated.pdf",
        "self-referencing-kids.pdf",
        "scanned-image-only.pdf",
        "zip-bomb.docx",
        "entity-expansion.docx",
    ] {
        let (result, took) = run(name, &opts);
        assert!(took < Duration::from_secs(25), "{name} took {took:?}");
        if name == "deep-nesting.pdf" {
            // Whether the parser's recursion reaches the 200,000-deep object depends on the
            // stack it gets (ulimit -s differs between machines): either the page's text
            // comes out, or the worker dies and that is a per-file error — never more.
            match result {
                Ok(ex) => assert_eq!(ex.text.trim(), "Deep", "{name}"),
                Err(err) => assert!(matches!(err, ExtractError::Malformed { .. } | ExtractError::NoText { .. }), "{name}: {err}"),
            }
        }
    }
}

#[test]
fn worker_timeout_kills_the_child() {
    let Some(opts) = with_worker() else { return };
    let opts = ExtractOptions { timeout: Duration::from_millis(1), ..opts };
    let bytes = std::fs::read(fixture("formats/contract-ja-embedded.pdf")).unwrap();
    let err = extract_bytes(&bytes, std::path::Path::new("x.pdf"), &opts).expect_err("1 ms is too short");
    assert!(matches!(err, ExtractError::Timeout(1)), "{err}");
}

#[test]
fn missing_worker_is_a_per_file_error() {
    let opts = ExtractOptions { worker_exe: Some("/nonexistent/clausegap".into()), ..in_process() };
    let err = extract_file(&fixture("formats/contract-en.pdf"), &opts).expect_err("no such worker");
    assert!(err.to_string().contains("cannot start extraction worker"), "{err}");
}

#[test]
fn other_containers_are_named() {
    let err = extract_bytes(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 legacy", std::path::Path::new("a.doc"), &in_process()).unwrap_err();
    assert!(matches!(err, ExtractError::UnknownFormat(_)), "{err}");
    let err = extract_bytes(b"", std::path::Path::new("a.txt"), &in_process()).unwrap_err();
    assert!(matches!(err, ExtractError::Empty));
}
