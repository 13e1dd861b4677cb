//! The binary as users run it: folders, broken files, JSON contract, exit codes, output
//! files, `extract`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clausegap"))
}

fn scan_json(args: &[&str]) -> (Value, i32) {
    let out = bin().arg("scan").args(args).args(["--format", "json"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}); stderr: {stderr}"));
    (v, out.status.code().unwrap())
}

const CONTRACT: &str = "業務委託契約書\n\n第1条（秘密保持）\n乙は、本業務に関して知り得た甲の秘密を第三者に漏えいしてはならない。\n\n第2条（再委託）\n乙は、本業務の全部又は一部を第三者に再委託することができる。\n";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn broken_files_are_errors_and_the_others_are_analysed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a-good.txt", CONTRACT.as_bytes());
    write(dir.path(), "b-empty.txt", b"");
    write(dir.path(), "c-binary.txt", &[0u8, 159, 146, 150, 0, 0, 1, 2, 3, 255, 254, 0, 7, 8]);
    write(dir.path(), "d-invalid.md", b"\xff\xfe\xfd\x80\x81 invalid \x00\x00 bytes \xc3\x28");
    let (v, code) = scan_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    let docs = v["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 4);
    let by_name = |n: &str| docs.iter().find(|d| d["path"].as_str().unwrap().ends_with(n)).unwrap();
    assert_eq!(by_name("a-good.txt")["status"], "ok");
    for n in ["b-empty.txt", "c-binary.txt", "d-invalid.md"] {
        let d = by_name(n);
        assert_eq!(d["status"], "error", "{n}");
        let msg = d["error"].as_str().unwrap();
        assert!(!msg.is_empty(), "{n} has no message");
    }
    assert!(by_name("b-empty.txt")["error"].as_str().unwrap().contains("empty"));
}

#[test]
fn json_has_every_id_and_evidence_points_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "contract.txt", CONTRACT.as_bytes());
    let (v, _) = scan_json(&[p.to_str().unwrap()]);
    assert_eq!(v["tool"]["name"], "clausegap");
    let doc = &v["documents"][0];
    for key in ["path", "status", "error", "format", "lang", "kind", "pages", "profile", "sensitivity", "cloud_exception", "grade", "clauses", "risks"] {
        assert!(doc.get(key).is_some(), "missing field {key}");
    }
    assert_eq!(doc["lang"], "ja");
    assert_eq!(doc["format"], "txt");
    let clauses = doc["clauses"].as_array().unwrap();
    let risks = doc["risks"].as_array().unwrap();
    assert_eq!(clauses.len(), 17);
    assert_eq!(risks.len(), 11);
    let lines: Vec<&str> = CONTRACT.lines().collect();
    let mut checked = 0;
    for f in clauses.iter().chain(risks) {
        for e in f["evidence"].as_array().unwrap() {
            let line = e["line"].as_u64().unwrap() as usize;
            let text = e["text"].as_str().unwrap();
            assert!(lines[line - 1].contains(text), "line {line} does not contain {text:?}");
            checked += 1;
        }
    }
    assert!(checked >= 2);
    let status = |arr: &Vec<Value>, id: &str| arr.iter().find(|c| c["id"] == id).unwrap()["status"].as_str().unwrap().to_string();
    assert_eq!(status(clauses, "confidentiality"), "present");
    assert_eq!(status(clauses, "subcontracting"), "weak");
    assert_eq!(status(risks, "free-subcontracting"), "flagged");
    let conf = clauses.iter().find(|c| c["id"] == "confidentiality").unwrap();
    assert_eq!(conf["evidence"][0]["article"], "第1条");
    assert_eq!(conf["evidence"][0]["line"], 4);
}

#[test]
fn hidden_folders_are_skipped_but_gitignore_is_not_honoured() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".git/config.txt", b"not a contract");
    write(dir.path(), ".hidden/x.txt", CONTRACT.as_bytes());
    write(dir.path(), ".gitignore", b"ignored/\n*.md\n");
    write(dir.path(), "ignored/b.txt", CONTRACT.as_bytes());
    write(dir.path(), "z/a.md", CONTRACT.as_bytes());
    write(dir.path(), "notes.csv", b"a,b");
    let (v, _) = scan_json(&[dir.path().to_str().unwrap()]);
    let paths: Vec<String> = v["documents"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap().to_string()).collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(paths[0].ends_with("ignored/b.txt") && paths[1].ends_with("z/a.md"), "order: {paths:?}");
}

#[test]
fn fail_on_sets_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "c.txt", CONTRACT.as_bytes());
    let p = p.to_str().unwrap();
    let (_, code) = scan_json(&[p]);
    assert_eq!(code, 0);
    let (_, code) = scan_json(&[p, "--fail-on", "missing"]);
    assert_eq!(code, 1, "required clauses are missing");
    let out = bin().args(["scan", p, "--profile", "nonsense"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let missing = dir.path().join("nope.txt");
    let (v, code) = scan_json(&[missing.to_str().unwrap(), "--fail-on-error"]);
    assert_eq!(code, 1);
    assert_eq!(v["documents"][0]["status"], "error");
}

#[test]
fn output_file_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "c.txt", CONTRACT.as_bytes());
    let out = dir.path().join("report.json");
    let st = bin().args(["scan", p.to_str().unwrap(), "--format", "json", "-o", out.to_str().unwrap()]).status().unwrap();
    assert!(st.success());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["documents"].as_array().unwrap().len(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().ends_with(".tmp")).collect();
    assert!(leftovers.is_empty());
}

#[test]
fn jsonl_writes_one_document_per_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", CONTRACT.as_bytes());
    write(dir.path(), "b.txt", b"");
    let out = bin().args(["scan", dir.path().to_str().unwrap(), "--format", "jsonl"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    for l in lines {
        let v: Value = serde_json::from_str(l).unwrap();
        assert!(v["path"].is_string());
    }
}

#[test]
fn extract_prints_numbered_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "c.txt", CONTRACT.as_bytes());
    let out = bin().args(["extract", p.to_str().unwrap()]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("4 | 乙は、本業務に関して知り得た甲の秘密を第三者に漏えいしてはならない。"), "{text}");
}

#[test]
fn markdown_report_shows_gaps_with_basis_and_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "c.txt", CONTRACT.as_bytes());
    let out = bin().args(["scan", p.to_str().unwrap(), "--format", "md"]).output().unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("第1条"), "{md}");
    assert!(md.contains("個人情報保護法"), "legal basis missing");
    assert!(md.contains("再委託"), "{md}");
}
