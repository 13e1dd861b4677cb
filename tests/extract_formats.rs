//! Every format of the same contract extracts the same headings and sentences as its text
//! version (compared with all whitespace removed, since layout differs by format), without
//! running headers, footers, page numbers, scripts or hidden markup.

mod extract_support;

use clausegap::extract::{extract_file, Extracted, Format};
use extract_support::{fixture, in_process, strip_ws, with_worker};

fn text_version(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("formats/{name}"))).unwrap()
}

fn assert_same_contract(got: &Extracted, reference: &str, what: &str) {
    let flat = strip_ws(&got.text);
    for line in reference.lines().filter(|l| !l.trim().is_empty()) {
        assert!(flat.contains(&strip_ws(line)), "{what}: missing line {line:?}\n--- extracted:\n{}", got.text);
    }
}

fn extract(rel: &str) -> Extracted {
    extract_file(&fixture(rel), &in_process()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn japanese_pdfs_match_text_version() {
    let reference = text_version("contract-ja.txt");
    for name in ["contract-ja-cid.pdf", "contract-ja-embedded.pdf"] {
        let got = extract(&format!("formats/{name}"));
        assert_eq!(got.format, Format::Pdf);
        assert_same_contract(&got, &reference, name);
        assert!(!got.text.contains("サンプル契約（テスト用）"), "{name}: running header kept");
        assert!(!got.text.lines().any(|l| l.trim() == "- 1 -" || l.trim() == "1/2"), "{name}: page number kept");
        // Wrapped lines are joined into whole sentences.
        assert!(got.text.lines().any(|l| l == "乙は、本業務に関して知り得た甲の秘密を第三者に漏えいしてはならない。"), "{name}:\n{}", got.text);
        assert_eq!(got.page_starts.len(), 2, "{name}");
        let lines: Vec<&str> = got.text.lines().collect();
        assert!(lines[got.page_starts[1]].starts_with("第5条"), "{name}: page 2 starts with {:?}", lines[got.page_starts[1]]);
        assert_eq!(got.page_of_line(got.page_starts[1]), Some(2));
    }
}

#[test]
fn english_pdf_matches_text_version() {
    let got = extract("formats/contract-en.pdf");
    assert_same_contract(&got, &text_version("contract-en.txt"), "contract-en.pdf");
    assert!(!got.text.contains("Page 1 of 2"));
    assert!(got.text.lines().any(|l| l
        == "The Processor shall ensure that persons authorised to process the personal data have committed themselves to confidentiality."));
}

#[test]
fn docx_with_computed_numbering_and_table() {
    let got = extract("formats/contract-ja.docx");
    assert_eq!(got.format, Format::Docx);
    assert_same_contract(&got, &text_version("contract-ja.txt"), "contract-ja.docx");
    let lines: Vec<&str> = got.text.lines().collect();
    for expected in ["第1条（目的）", "第7条（監査）", "(1) 個人情報の漏えい、滅失又は毀損が発生したとき", "② 従業者に対する教育の実施状況", "運用\tシステムの稼働監視\t毎日"] {
        assert!(lines.contains(&expected), "missing {expected:?} in\n{}", got.text);
    }
    assert!(!got.text.contains("ヘッダー") && !got.text.contains("社外秘"), "header/footer leaked");
}

#[test]
fn html_utf8_and_shift_jis() {
    let reference = text_version("contract-ja.txt");
    for (name, enc) in [("contract-ja-utf8.html", "UTF-8"), ("contract-ja-sjis.html", "Shift_JIS")] {
        let got = extract(&format!("formats/{name}"));
        assert_eq!((got.format, got.encoding), (Format::Html, Some(enc)), "{name}");
        assert_same_contract(&got, &reference, name);
        // Exact lines: no space where the source broke a line inside a sentence.
        let want = text_version("contract-ja.txt").lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect::<Vec<_>>();
        let have: Vec<String> = got.text.lines().map(str::to_owned).collect();
        assert_eq!(have, want, "{name}");
        assert!(!got.text.contains("script text") && !got.text.contains("JavaScript"));
    }
    let en = extract("formats/contract-en.html");
    assert_same_contract(&en, &text_version("contract-en.txt"), "contract-en.html");
}

#[test]
fn legacy_encodings_keep_lines() {
    let reference = text_version("contract-ja.txt");
    for (name, enc) in [
        ("contract-ja-sjis.txt", "Shift_JIS"),
        ("contract-ja-eucjp.txt", "EUC-JP"),
        ("contract-ja-utf16le-bom.txt", "UTF-16LE"),
    ] {
        let got = extract(&format!("formats/{name}"));
        assert_eq!(got.encoding, Some(enc), "{name}");
        assert_eq!(got.text, reference, "{name}");
        assert!(got.page_starts.is_empty());
    }
}

#[test]
fn pdf_named_txt_is_a_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("contract.txt");
    std::fs::copy(fixture("formats/contract-en.pdf"), &path).unwrap();
    let got = extract_file(&path, &in_process()).unwrap();
    assert_eq!(got.format, Format::Pdf);
}

#[test]
fn worker_path_gives_the_same_text() {
    let Some(opts) = with_worker() else { return };
    for name in ["contract-ja-cid.pdf", "contract-en.pdf", "contract-ja.docx"] {
        let a = extract(&format!("formats/{name}"));
        let b = extract_file(&fixture(&format!("formats/{name}")), &clausegap::extract::ExtractOptions { isolate_docx: true, ..opts.clone() })
            .unwrap_or_else(|e| panic!("{name} via worker: {e}"));
        assert_eq!(a, b, "{name}");
    }
}
