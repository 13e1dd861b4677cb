//! Rendering tests: every output format of one hand-built analysis (a Japanese My Number
//! entrustment contract with mixed statuses and sensitive data, an English DPA, and a file
//! that could not be read), checked against committed snapshots in `tests/snapshots/`
//! (`CLAUSEGAP_UPDATE_SNAPSHOTS=1 cargo test --test report` rewrites them), plus escaping,
//! CSV quoting, the XLSX matrix against the JSON, and the HTML report in headless Chromium.

use std::path::PathBuf;

use clausegap::report::model::{
    ClauseFinding, DocumentReport, Evidence, Report, RiskFinding, SensitivityFinding, Tool,
};
use clausegap::report::summary::summarize;
use clausegap::report::{CompareFormat, OutputFormat, RenderOptions, Renderer};
use clausegap::taxonomy::{Profile, CLAUSE_IDS, RISK_IDS};

#[path = "browser/cdp.rs"]
mod cdp;

const SCRIPT_INJECTION: &str = "<script>alert(1)</script>";
const IMG_INJECTION: &str = "<img src=x onerror=alert(1)>";

fn ev(text: &str, article: &str, page: Option<usize>, line: usize, cue: Option<&str>) -> Evidence {
    Evidence {
        text: text.into(),
        article: Some(article.into()),
        page,
        line,
        sentence: String::new(),
        line_end: line,
        article_title: None,
        paragraph: None,
        cue: cue.map(Into::into),
        party: Some("provider".into()),
        modality: None,
        effect: None,
    }
}

/// A sentence the engine lists for context only (it does not decide the status).
fn context_ev() -> Evidence {
    let mut e = ev(
        "甲は、漏えい等の事案に備え、連絡窓口を定める。",
        "第3条",
        None,
        14,
        Some("漏えい"),
    );
    e.effect = Some("context".into());
    e
}

struct Spec {
    status: &'static str,
    reason: &'static str,
    evidence: Vec<Evidence>,
}

fn spec(status: &'static str, reason: &'static str, evidence: Vec<Evidence>) -> Spec {
    Spec {
        status,
        reason,
        evidence,
    }
}

fn title_ja(id: &str) -> &'static str {
    match id {
        "confidentiality" => "秘密保持義務",
        "purpose-limitation" => "目的外利用の禁止",
        "no-takeout" => "持出しの禁止",
        "copy-restriction" => "複写・複製の禁止",
        "subcontracting" => "再委託の条件",
        "breach-notification" => "漏えい等事案の報告",
        "breach-liability" => "漏えい時の責任",
        "return-deletion" => "返却・廃棄・削除",
        "staff-supervision" => "従業者の監督・教育",
        "compliance-reporting" => "遵守状況の報告",
        "audit-rights" => "実地調査・監査",
        "security-measures" => "安全管理措置",
        "handler-designation" => "取扱者の明確化",
        "data-location" => "保存場所・国外移転",
        "processing-instructions" => "指示に基づく取扱い",
        "data-subject-assistance" => "本人対応への協力",
        "no-access-commitment" => "データを取り扱わない旨",
        "provider-access" => "保守・運用担当者によるアクセス",
        "provider-data-use" => "事業者によるデータ利用",
        "free-subcontracting" => "無条件の再委託",
        "unilateral-change" => "一方的な規約変更",
        "liability-exclusion" => "免責・責任制限",
        "data-loss-disclaimer" => "データ消失の免責",
        "deletion-without-return" => "終了時の即時削除",
        "overseas-transfer" => "国外での取扱い",
        "foreign-law" => "外国法・外国裁判所",
        "unilateral-suspension" => "一方的な停止・解約",
        "government-disclosure" => "官公庁への開示",
        _ => "?",
    }
}

fn title_en(id: &str) -> String {
    let mut s = id.replace('-', " ");
    s[..1].make_ascii_uppercase();
    s
}

fn clauses(profile: Profile, ja: bool, mut specs: Vec<(&str, Spec)>) -> Vec<ClauseFinding> {
    CLAUSE_IDS
        .iter()
        .map(|id| {
            let s = specs
                .iter()
                .position(|(k, _)| k == id)
                .map(|i| specs.remove(i).1)
                .unwrap_or_else(|| {
                    spec("missing", if ja { "該当する定めが見当たらない" } else { "no such clause was found" }, vec![])
                });
            ClauseFinding {
                id: id.to_string(),
                status: s.status.into(),
                requirement: profile.requirement(id).as_str().into(),
                reason: s.reason.into(),
                evidence: s.evidence,
                title: if ja { title_ja(id).into() } else { title_en(id) },
                basis: if ja {
                    "特定個人情報の適正な取扱いに関するガイドライン(事業者編) 第4-2-(1); 個人情報保護法 第25条".into()
                } else {
                    "GDPR Art. 28(3)".into()
                },
                suggestion: if ja {
                    format!("乙は、{}について、甲の定める基準に従い適切に対応しなければならない。", title_ja(id))
                } else {
                    format!("The Processor shall ensure {} as instructed by the Controller.", id.replace('-', " "))
                },
            }
        })
        .collect()
}

fn risks(ja: bool, mut specs: Vec<(&str, Spec)>) -> Vec<RiskFinding> {
    RISK_IDS
        .iter()
        .map(|id| {
            let s = specs
                .iter()
                .position(|(k, _)| k == id)
                .map(|i| specs.remove(i).1)
                .unwrap_or_else(|| {
                    spec(
                        "clear",
                        if ja {
                            "該当する条項は見当たらない"
                        } else {
                            "no such clause"
                        },
                        vec![],
                    )
                });
            RiskFinding {
                id: id.to_string(),
                status: s.status.into(),
                reason: s.reason.into(),
                evidence: s.evidence,
                title: if ja {
                    title_ja(id).into()
                } else {
                    title_en(id)
                },
                basis: if ja {
                    "個人情報保護委員会 注意喚起（2024年3月25日）; Q&A 7-53".into()
                } else {
                    "GDPR Art. 28(2)".into()
                },
                suggestion: if ja {
                    "当該条項の削除又は甲の事前の書面による承諾を要する旨の追加を求める。".into()
                } else {
                    "Require the Controller's prior written authorisation.".into()
                },
            }
        })
        .collect()
}

/// The analysis every format is rendered from.
pub fn sample_report() -> Report {
    let mut takeout = ev(
        "乙は、甲の事前の書面による承諾なく、特定個人情報を甲の事業所外へ持ち出してはならない。",
        "第6条",
        None,
        31,
        Some("持ち出してはならない"),
    );
    takeout.article_title = Some("持出しの禁止".into());
    let mut multi = ev(
        "乙は、本業務の全部又は一部を第三者に再委託することができる。",
        "第8条",
        None,
        41,
        Some("再委託することができる"),
    );
    multi.sentence = "乙は、本業務の全部又は一部を第三者に再委託することができる。この場合、乙は甲に事後に報告するものとする。".into();
    multi.line_end = 42;
    multi.paragraph = Some("1".into());
    multi.article_title = Some("再委託".into());
    let injected = ev(
        &format!("乙は、委託業務に関して知り得た秘密を保持するよう努める。{SCRIPT_INJECTION}"),
        "第5条",
        None,
        25,
        Some("努める"),
    );
    let ja = DocumentReport {
        path: "contracts/ja/給与計算業務委託契約書.txt".into(),
        status: "ok".into(),
        error: None,
        format: Some("txt".into()),
        lang: Some("ja".into()),
        report_lang: Some("ja".into()),
        kind: Some("entrustment".into()),
        pages: None,
        profile: Some("mynumber".into()),
        profile_reason: Some("auto: 「個人番号」の記載があるため、番号法ガイドラインの基準を適用".into()),
        sensitivity: vec!["mynumber".into(), "bulk-personal".into()],
        high_confidentiality: true,
        sensitivity_evidence: vec![SensitivityFinding {
            id: "mynumber".into(),
            evidence: vec![ev("甲は、従業員の個人番号及び給与情報を乙に提供する。", "第2条", None, 9, Some("個人番号"))],
        }],
        cloud_exception: Some("entrustment".into()),
        cloud_exception_reasons: vec![
            "乙の保守担当者が甲の環境にログインしてデータを閲覧できる（第12条）".into(),
            format!("事業者がデータを利用できる旨の定め {IMG_INJECTION}"),
        ],
        grade: Some("D".into()),
        grade_reason: Some("必須条項9項目のうち欠落3・不十分2".into()),
        parties: vec![],
        clauses: clauses(
            Profile::Mynumber,
            true,
            vec![
                ("confidentiality", spec("weak", "秘密保持が努力義務（努める）にとどまる", vec![injected])),
                ("no-takeout", spec("present", "乙による持出しを甲の承諾なく禁止している", vec![takeout])),
                ("purpose-limitation", spec("present", "乙は本業務の目的以外に利用してはならない", vec![ev("乙は、特定個人情報を本業務の目的以外に利用してはならない。", "第7条", None, 35, Some("目的以外に利用してはならない"))])),
                ("subcontracting", spec("weak", "再委託は事後報告のみで、甲の承諾を要しない", vec![multi.clone()])),
                ("breach-notification", spec("present", "漏えい時に直ちに甲へ報告する義務がある", vec![context_ev(), ev("乙は、漏えい等の事案が発生したときは、直ちに甲に報告しなければならない。", "第10条", None, 52, Some("直ちに甲に報告"))])),
                ("return-deletion", spec("present", "契約終了時に返却又は廃棄する", vec![ev("乙は、本契約の終了時に、特定個人情報を甲に返却し、又は廃棄しなければならない。", "第11条", None, 58, Some("返却し、又は廃棄"))])),
                ("security-measures", spec("present", "乙に安全管理措置を義務付けている", vec![ev("乙は、特定個人情報の安全管理のために必要かつ適切な措置を講じなければならない。", "第9条", None, 47, Some("安全管理"))])),
                ("data-location", spec("missing", "保存場所の定めがない", vec![])),
            ],
        ),
        risks: risks(
            true,
            vec![
                ("provider-access", spec("flagged", "乙の保守担当者が甲の環境にログインしデータを閲覧できる", vec![ev(&format!("乙の保守担当者は、障害対応のため甲の環境にログインし、データを閲覧することができる。{IMG_INJECTION}"), "第12条", None, 63, Some("ログイン"))])),
                ("free-subcontracting", spec("flagged", "甲の承諾なく再委託できる", vec![multi])),
                ("liability-exclusion", spec("flagged", "乙の責任を委託料の1か月分に制限している", vec![ev("乙の損害賠償責任は、直近1か月分の委託料を上限とする。", "第15条", None, 77, Some("上限とする"))])),
            ],
        ),
        summary: None,
    };
    let en = DocumentReport {
        path: "contracts/en/acme-dpa.md".into(),
        status: "ok".into(),
        error: None,
        format: Some("md".into()),
        lang: Some("en".into()),
        report_lang: Some("en".into()),
        kind: Some("dpa".into()),
        pages: Some(4),
        profile: Some("gdpr".into()),
        profile_reason: Some("auto: English document".into()),
        sensitivity: vec![],
        high_confidentiality: false,
        sensitivity_evidence: vec![],
        cloud_exception: None,
        cloud_exception_reasons: vec![],
        grade: Some("B".into()),
        grade_reason: Some("1 required clause weak".into()),
        parties: vec![],
        clauses: clauses(
            Profile::Gdpr,
            false,
            vec![
                ("processing-instructions", spec("present", "Processor processes only on documented instructions", vec![ev("The Processor shall process Personal Data only on documented instructions from the Controller.", "Section 3.1", Some(1), 22, Some("only on documented instructions"))])),
                ("staff-supervision", spec("present", "staff bound to confidentiality", vec![ev("The Processor shall ensure that persons authorised to process the Personal Data have committed themselves to confidentiality.", "Section 3.2", Some(1), 25, None)])),
                ("security-measures", spec("present", "Art. 32 measures", vec![ev("The Processor shall implement appropriate technical and organisational measures.", "Section 4", Some(2), 31, Some("appropriate technical and organisational measures"))])),
                ("subcontracting", spec("present", "prior written authorisation", vec![ev("The Processor shall not engage another processor without prior specific or general written authorisation of the Controller.", "Section 5.1", Some(2), 40, Some("prior specific or general written authorisation"))])),
                ("data-subject-assistance", spec("present", "assists with data-subject requests", vec![ev("The Processor shall assist the Controller in responding to requests from data subjects.", "Section 6", Some(2), 48, None)])),
                ("breach-notification", spec("weak", "notice within 7 days is longer than 72 hours", vec![ev("The Processor shall notify the Controller of a Personal Data Breach within seven (7) days. \"Breach\", as defined", "Section 7", Some(3), 55, Some("within seven (7) days"))])),
                ("return-deletion", spec("present", "deletes or returns at the end", vec![ev("At the end of the services the Processor shall delete or return all Personal Data.", "Section 9", Some(3), 63, Some("delete or return"))])),
                ("audit-rights", spec("present", "audits including inspections", vec![ev("The Processor shall allow for and contribute to audits, including inspections.", "Section 10", Some(4), 70, Some("inspections"))])),
                ("confidentiality", spec("present", "confidentiality", vec![ev("The Processor shall keep Personal Data confidential.", "Section 3.2", Some(1), 26, None)])),
            ],
        ),
        risks: risks(
            false,
            vec![("foreign-law", spec("flagged", "governed by the laws of the State of New York", vec![ev("This DPA is governed by the laws of the State of New York, \"USA\", and the courts of New York County, N.Y.", "Section 12", Some(4), 80, Some("laws of the State of New York"))]))],
        ),
        summary: None,
    };
    let err = DocumentReport::failed(
        "contracts/broken.pdf".into(),
        "error",
        "PDF: invalid cross-reference table at offset 1234".into(),
        Some("pdf".into()),
    );
    Report {
        tool: Tool {
            name: "clausegap".into(),
            version: "0.1.0".into(),
        },
        documents: vec![ja, en, err],
    }
}

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// Compares with `tests/snapshots/<name>`; writes it when asked or when it does not exist
/// yet (and then fails, so a new snapshot is always looked at before it is committed).
fn assert_snapshot(name: &str, actual: &[u8]) {
    let path = snapshot_dir().join(name);
    let update = std::env::var_os("CLAUSEGAP_UPDATE_SNAPSHOTS").is_some();
    match std::fs::read(&path) {
        Ok(expected) if !update => {
            if expected != actual {
                let new = path.with_extension(format!(
                    "{}.new",
                    path.extension().and_then(|e| e.to_str()).unwrap_or("")
                ));
                std::fs::write(&new, actual).unwrap();
                panic!(
                    "snapshot {name} differs; actual output written to {} (diff it; set CLAUSEGAP_UPDATE_SNAPSHOTS=1 to accept)",
                    new.display()
                );
            }
        }
        _ => {
            std::fs::create_dir_all(snapshot_dir()).unwrap();
            std::fs::write(&path, actual).unwrap();
            if !update {
                panic!("new snapshot {name} written; check it and re-run");
            }
        }
    }
}

fn render(format: OutputFormat) -> Vec<u8> {
    Renderer::new()
        .unwrap()
        .render(&sample_report(), format, &RenderOptions::default())
        .unwrap()
}

fn text(format: OutputFormat) -> String {
    String::from_utf8(render(format)).unwrap()
}

#[test]
fn snapshot_json() {
    assert_snapshot("report.json", &render(OutputFormat::Json));
}

#[test]
fn snapshot_jsonl() {
    assert_snapshot("report.jsonl", &render(OutputFormat::Jsonl));
}

#[test]
fn snapshot_markdown() {
    assert_snapshot("report.md", &render(OutputFormat::Md));
}

#[test]
fn snapshot_html() {
    assert_snapshot("report.html", &render(OutputFormat::Html));
}

#[test]
fn snapshot_csv() {
    assert_snapshot("report.csv", &render(OutputFormat::Csv));
}

#[test]
fn snapshot_text_plain_and_coloured() {
    assert_snapshot("report.txt", &render(OutputFormat::Text));
    let coloured = Renderer::new()
        .unwrap()
        .render(
            &sample_report(),
            OutputFormat::Text,
            &RenderOptions { color: true },
        )
        .unwrap();
    assert_snapshot("report.ansi.txt", &coloured);
}

#[test]
fn snapshot_compare_html_and_csv() {
    let r = Renderer::new().unwrap();
    let report = sample_report();
    let opts = RenderOptions::default();
    assert_snapshot(
        "compare.html",
        &r.compare(&report, CompareFormat::Html, &opts).unwrap(),
    );
    assert_snapshot(
        "compare.csv",
        &r.compare(&report, CompareFormat::Csv, &opts).unwrap(),
    );
}

#[test]
fn single_document_reports_have_no_batch_summary() {
    let mut report = sample_report();
    report.documents.truncate(1);
    let r = Renderer::new().unwrap();
    let md = String::from_utf8(
        r.render(&report, OutputFormat::Md, &RenderOptions::default())
            .unwrap(),
    )
    .unwrap();
    assert!(!md.contains("全体サマリー"));
    assert!(md.contains("判定: D"));
    assert_snapshot("single.md", md.as_bytes());
    let html = String::from_utf8(
        r.render(&report, OutputFormat::Html, &RenderOptions::default())
            .unwrap(),
    )
    .unwrap();
    assert!(!html.contains("id=\"summary\""));
    assert_snapshot("single.html", html.as_bytes());
}

#[test]
fn json_is_the_model_and_jsonl_one_document_per_line() {
    let report = sample_report();
    let json: serde_json::Value = serde_json::from_slice(&render(OutputFormat::Json)).unwrap();
    assert_eq!(json, serde_json::to_value(&report).unwrap());
    let jsonl = text(OutputFormat::Jsonl);
    let lines: Vec<&str> = jsonl.lines().collect();
    assert_eq!(lines.len(), report.documents.len());
    for (line, doc) in lines.iter().zip(&report.documents) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v, serde_json::to_value(doc).unwrap());
    }
    let one = Renderer::new()
        .unwrap()
        .render_jsonl_line(&report.documents[0])
        .unwrap();
    assert_eq!(one.iter().filter(|b| **b == b'\n').count(), 1);
    assert!(one.ends_with(b"\n"));
}

#[test]
fn html_escapes_all_document_text() {
    for html in [
        text(OutputFormat::Html),
        String::from_utf8(
            Renderer::new()
                .unwrap()
                .compare(
                    &sample_report(),
                    CompareFormat::Html,
                    &RenderOptions::default(),
                )
                .unwrap(),
        )
        .unwrap(),
    ] {
        assert!(!html.contains(SCRIPT_INJECTION));
        assert!(!html.contains("<img"));
        assert!(!html.contains("onerror=alert(1)>"));
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script>(function").count()
        );
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "no external references"
        );
    }
    let html = text(OutputFormat::Html);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    // The cue is highlighted inside the escaped quote.
    assert!(html.contains("<mark>努める</mark>"));
    assert!(html.contains("Content-Security-Policy"));
}

#[test]
fn markdown_escapes_document_text() {
    let md = text(OutputFormat::Md);
    assert!(!md.contains(SCRIPT_INJECTION));
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"));
    // Every '<' is either our anchor or backslash-escaped document text.
    for (i, _) in md.match_indices('<') {
        assert!(
            md[..i].ends_with('\\') || md[i..].starts_with("<a id=") || md[i..].starts_with("</a>"),
            "unescaped '<' at {}",
            &md[i..(i + 20).min(md.len())]
        );
    }
    assert!(md.contains("\\<img src=x onerror=alert(1)\\>"));
    for heading in [
        "## 1. contracts/ja/給与計算業務委託契約書.txt",
        "### 必須条項",
        "### 要注意条項",
        "### 指摘事項",
        "修正文案",
        "根拠",
    ] {
        assert!(md.contains(heading), "{heading}");
    }
    assert!(md.contains("PDF: invalid cross-reference table at offset 1234"));
    // The location is the sentence that decides the status, not a context sentence.
    assert!(md.contains("| 漏えい等事案の報告 | `breach-notification` | 記載あり | 第10条 52行 |"));
}

#[test]
fn csv_has_bom_quoting_and_one_row_per_document_and_id() {
    let bytes = render(OutputFormat::Csv);
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut rdr = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    let header = rdr.headers().unwrap().clone();
    assert_eq!(&header[0], "path");
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 28 * 2 + 1);
    let report = sample_report();
    for doc in report.documents.iter().filter(|d| d.status == "ok") {
        for c in &doc.clauses {
            let row = rows
                .iter()
                .find(|r| r[0] == doc.path && r[1] == c.id)
                .unwrap();
            assert_eq!(&row[3], c.status);
            assert_eq!(&row[4], c.requirement);
        }
    }
    // A quote with a comma and double quotes survives RFC 4180 quoting.
    let breach = rows
        .iter()
        .find(|r| &r[0] == "contracts/en/acme-dpa.md" && &r[1] == "breach-notification")
        .unwrap();
    assert!(breach[9].contains("\"Breach\", as defined"));
    let raw = String::from_utf8(bytes).unwrap();
    assert!(raw.contains("\"\"Breach\"\", as defined"));
    let err = rows
        .iter()
        .find(|r| &r[0] == "contracts/broken.pdf")
        .unwrap();
    assert_eq!(&err[3], "error");
    assert!(err[10].contains("cross-reference"));
}

#[test]
fn xlsx_matrix_cells_equal_json_statuses() {
    use calamine::{Data, Reader, Xlsx};
    let report = sample_report();
    let bytes = Renderer::new()
        .unwrap()
        .compare(&report, CompareFormat::Xlsx, &RenderOptions::default())
        .unwrap();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec!["Matrix".to_string(), "Legend".to_string()]
    );
    let range = book.worksheet_range("Matrix").unwrap();
    let cell = |r: usize, c: usize| match range.get((r, c)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let height = range.height();
    let col_of = |path: &str| (3..range.width()).find(|c| cell(0, *c) == path).unwrap();
    let row_of = |id: &str| (1..height).find(|r| cell(*r, 1) == id).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&render(OutputFormat::Json)).unwrap();
    let mut checked = 0;
    for doc in json["documents"].as_array().unwrap() {
        let col = col_of(doc["path"].as_str().unwrap());
        assert_eq!(cell(row_of("status"), col), doc["status"].as_str().unwrap());
        assert_eq!(
            cell(row_of("grade"), col),
            doc["grade"].as_str().unwrap_or("")
        );
        assert_eq!(
            cell(row_of("cloud_exception"), col),
            doc["cloud_exception"].as_str().unwrap_or("")
        );
        for item in doc["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .chain(doc["risks"].as_array().unwrap())
        {
            assert_eq!(
                cell(row_of(item["id"].as_str().unwrap()), col),
                item["status"].as_str().unwrap()
            );
            checked += 1;
        }
        if doc["status"] != "ok" {
            assert_eq!(cell(row_of("confidentiality"), col), "");
        }
    }
    assert_eq!(checked, 56);
    // Every id has a row, grouped: required rows come before risks.
    for id in CLAUSE_IDS.iter().chain(RISK_IDS.iter()) {
        row_of(id);
    }
    assert!(row_of("confidentiality") < row_of("provider-access"));
    assert_eq!(cell(row_of("provider-access"), 0), "risks");
    // The legend explains every status word.
    let legend = book.worksheet_range("Legend").unwrap();
    let words: Vec<String> = (0..legend.height())
        .filter_map(|r| legend.get((r, 0)).map(|d| d.to_string()))
        .collect();
    for s in ["present", "weak", "missing", "flagged", "clear"] {
        assert!(words.iter().any(|w| w == s), "{s}");
    }
}

#[test]
fn xlsx_has_frozen_panes_and_autofilter() {
    // calamine does not read view settings; check the sheet XML directly.
    let bytes = Renderer::new()
        .unwrap()
        .compare(
            &sample_report(),
            CompareFormat::Xlsx,
            &RenderOptions::default(),
        )
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut xml,
    )
    .unwrap();
    assert!(xml.contains("state=\"frozen\""), "frozen panes");
    assert!(xml.contains("<autoFilter"), "autofilter");
}

#[test]
fn compare_csv_matches_json() {
    let report = sample_report();
    let bytes = Renderer::new()
        .unwrap()
        .compare(&report, CompareFormat::Csv, &RenderOptions::default())
        .unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut rdr = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    let header = rdr.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4 + 28);
    for (i, doc) in report.documents.iter().enumerate() {
        assert_eq!(&header[3 + i], doc.path);
        for c in &doc.clauses {
            let row = rows.iter().find(|r| r[1] == c.id).unwrap();
            assert_eq!(&row[3 + i], c.status);
        }
        for r in &doc.risks {
            let row = rows.iter().find(|row| row[1] == r.id).unwrap();
            assert_eq!(&row[3 + i], r.status);
        }
    }
}

#[test]
fn terminal_text_is_plain_unless_asked() {
    let plain = text(OutputFormat::Text);
    assert!(!plain.contains('\x1b'));
    assert!(plain.contains("contracts/ja/給与計算業務委託契約書.txt"));
    assert!(plain.contains("3 documents: 2 ok, 1 error"));
    // Required missing gaps come first.
    let ja_block = plain.split("contracts/en/").next().unwrap();
    let first_gap = ja_block.lines().nth(2).unwrap();
    assert!(
        first_gap.contains("欠落") && first_gap.contains("必須"),
        "{first_gap}"
    );
    let coloured = String::from_utf8(
        Renderer::new()
            .unwrap()
            .render(
                &sample_report(),
                OutputFormat::Text,
                &RenderOptions { color: true },
            )
            .unwrap(),
    )
    .unwrap();
    assert!(coloured.contains("\x1b[1;31m"));
}

#[test]
fn summary_counts_gaps_grades_errors_and_worst() {
    let mut report = sample_report();
    let mut no_text = DocumentReport::failed(
        "scans/a.pdf".into(),
        "no-text",
        "no text layer: scanned image".into(),
        Some("pdf".into()),
    );
    no_text.error = Some("no text layer: scanned image".into());
    report.documents.push(no_text);
    report.documents.push(DocumentReport::failed(
        "contracts/other.pdf".into(),
        "error",
        "PDF: invalid cross-reference table at offset 99".into(),
        Some("pdf".into()),
    ));
    let s = summarize(&report);
    assert_eq!((s.documents, s.ok, s.errors, s.no_text), (5, 2, 2, 1));
    assert_eq!(s.grades["D"], 1);
    assert_eq!(s.grades["B"], 1);
    assert_eq!(s.grades["A"], 0);
    assert_eq!(s.with_required_gaps, 2);
    let sub = s.ids.iter().find(|c| c.id == "subcontracting").unwrap();
    assert_eq!((sub.weak, sub.required_gaps), (1, 1));
    let fs = s
        .ids
        .iter()
        .find(|c| c.id == "free-subcontracting")
        .unwrap();
    assert_eq!(fs.flagged, 1);
    assert_eq!(s.error_kinds[0].kind, "PDF");
    assert_eq!(s.error_kinds[0].count, 2);
    assert_eq!(s.error_kinds[1].status, "no-text");
    assert_eq!(s.worst[0].path, "contracts/ja/給与計算業務委託契約書.txt");
    assert_eq!(s.worst.len(), 2);
}

#[test]
fn csv_cells_cannot_become_formulas() {
    let mut report = sample_report();
    report.documents[1].clauses[0].evidence[0].text = "=HYPERLINK(\"http://x\")".into();
    report.documents[1].clauses[0].reason = "+1".into();
    let csv = Renderer::new()
        .unwrap()
        .render(&report, OutputFormat::Csv, &RenderOptions::default())
        .unwrap();
    let mut rdr = csv::ReaderBuilder::new().from_reader(&csv[3..]);
    let row = rdr
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "contracts/en/acme-dpa.md")
        .unwrap();
    assert_eq!(&row[9], "'=HYPERLINK(\"http://x\")");
    assert_eq!(&row[10], "'+1");
    assert_eq!(&row[3], "present");
}

#[test]
fn renders_an_empty_report() {
    let report = Report {
        tool: Tool::default(),
        documents: vec![],
    };
    let r = Renderer::new().unwrap();
    for f in [
        OutputFormat::Json,
        OutputFormat::Jsonl,
        OutputFormat::Md,
        OutputFormat::Html,
        OutputFormat::Csv,
        OutputFormat::Text,
    ] {
        r.render(&report, f, &RenderOptions::default()).unwrap();
    }
    for f in [CompareFormat::Html, CompareFormat::Csv, CompareFormat::Xlsx] {
        r.compare(&report, f, &RenderOptions::default()).unwrap();
    }
}

/// Opens the HTML report in headless Chromium: no console errors, no network requests,
/// no injected script runs, a finding expands to its evidence; saves a screenshot.
#[test]
fn html_report_in_headless_chromium() {
    let Some(browser) = cdp::find_chromium() else {
        eprintln!("SKIPPED html_report_in_headless_chromium: no chromium found (apt-get install chromium, or set CHROMIUM=/path)");
        return;
    };
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let html_path = out.join("report-browser.html");
    std::fs::write(&html_path, render(OutputFormat::Html)).unwrap();
    let mut page = cdp::Page::launch(&browser, &out).unwrap();
    page.navigate(&format!("file://{}", html_path.display()))
        .unwrap();

    let eval = |page: &mut cdp::Page, js: &str| page.eval(js).unwrap();
    // Japanese text and the first-screen facts are there.
    let top = eval(&mut page, "document.querySelector('section.doc').innerText");
    let top = top.as_str().unwrap();
    assert!(
        top.contains("高い機密性を要するデータを取り扱います"),
        "{top}"
    );
    assert!(top.contains("委託に該当"));
    // Injected markup stayed text.
    assert_eq!(
        eval(&mut page, "document.querySelectorAll('script').length"),
        1
    );
    assert_eq!(
        eval(&mut page, "document.querySelectorAll('img').length"),
        0
    );
    assert_eq!(
        eval(
            &mut page,
            "document.body.textContent.includes('<script>alert(1)</script>')"
        ),
        true
    );

    // Expand a finding by clicking its summary; its evidence becomes visible.
    let anchor = "d1-subcontracting";
    assert_eq!(
        eval(
            &mut page,
            &format!("document.getElementById('{anchor}').open")
        ),
        false
    );
    eval(
        &mut page,
        &format!("document.querySelector('#{anchor} > summary').click()"),
    );
    assert_eq!(
        eval(
            &mut page,
            &format!("document.getElementById('{anchor}').open")
        ),
        true
    );
    let body = eval(
        &mut page,
        &format!("document.querySelector('#{anchor} .fbody').innerText"),
    );
    assert!(
        body.as_str()
            .unwrap()
            .contains("第三者に再委託することができる"),
        "{body}"
    );
    assert_eq!(
        eval(
            &mut page,
            &format!("document.querySelector('#{anchor} mark').textContent")
        ),
        "再委託することができる"
    );
    // A link in the gap list opens its finding.
    eval(
        &mut page,
        "document.querySelector('a[href=\"#d1-liability-exclusion\"]').click()",
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        eval(
            &mut page,
            "document.getElementById('d1-liability-exclusion').open"
        ),
        true
    );
    // The status filter hides present findings.
    eval(&mut page, "document.getElementById('f-present').click()");
    assert_eq!(
        eval(
            &mut page,
            "getComputedStyle(document.getElementById('d1-no-takeout')).display"
        ),
        "none"
    );
    eval(&mut page, "document.getElementById('f-present').click()");
    eval(
        &mut page,
        "document.querySelector('#d1-liability-exclusion').open=false; window.scrollTo(0,0)",
    );

    let shot = out.join("report-browser.png");
    page.screenshot(&shot).unwrap();
    eprintln!("screenshot: {}", shot.display());
    // The first document as a reviewer lands on it, one finding open.
    eval(&mut page, "document.getElementById('d1-subcontracting').open=true; document.getElementById('d1').scrollIntoView()");
    page.screenshot(&out.join("report-browser-doc.png"))
        .unwrap();
    eval(
        &mut page,
        "document.getElementById('d1-subcontracting').scrollIntoView()",
    );
    page.screenshot(&out.join("report-browser-finding.png"))
        .unwrap();
    for (anchor, name) in [
        ("d2", "report-browser-en.png"),
        ("d3", "report-browser-error.png"),
    ] {
        eval(
            &mut page,
            &format!("document.getElementById('{anchor}').scrollIntoView()"),
        );
        page.screenshot(&out.join(name)).unwrap();
    }
    // Print: A4 PDF renders, with the gaps expanded by the beforeprint handler.
    let pdf = page
        .call(
            "Page.printToPDF",
            serde_json::json!({ "preferCSSPageSize": true }),
        )
        .unwrap();
    assert!(pdf["data"].as_str().is_some_and(|d| d.len() > 1000));
    page.call(
        "Emulation.setEmulatedMedia",
        serde_json::json!({ "media": "print" }),
    )
    .unwrap();
    assert_eq!(
        eval(
            &mut page,
            "getComputedStyle(document.querySelector('.filters')).display"
        ),
        "none"
    );
    page.screenshot(&out.join("report-browser-print.png"))
        .unwrap();
    let problems = page.finish();
    assert!(
        problems.console_errors.is_empty(),
        "console errors: {:?}",
        problems.console_errors
    );
    assert!(
        problems.requests.is_empty(),
        "network requests: {:?}",
        problems.requests
    );
    assert!(
        problems.dialogs.is_empty(),
        "dialogs (injected script ran?): {:?}",
        problems.dialogs
    );
}
