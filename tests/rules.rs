//! The rule library's own tests: every rule file parses with the strict schema, every
//! TAXONOMY id has a file, and every example inside every rule holds — with at least one
//! positive and one negative example per language, or the rule is not done.

use std::path::Path;

use clausegap::engine::{AnalyzeOptions, Analyzer};
use clausegap::extract::{Extracted, Format};
use clausegap::rules::RuleSet;
use clausegap::taxonomy::{Lang, CLAUSE_IDS, RISK_IDS};

fn sources() -> Vec<(String, String)> {
    let mut paths: Vec<_> = std::fs::read_dir("clauses").unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "toml")).collect();
    paths.sort();
    paths.into_iter().map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap())).collect()
}

#[test]
fn every_taxonomy_id_has_a_valid_rule_file() {
    let rules = RuleSet::load_dir(Path::new("clauses")).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = rules.rules.iter().map(|r| r.id()).collect();
    for id in CLAUSE_IDS.iter().chain(RISK_IDS.iter()) {
        assert!(ids.contains(id), "no rule for {id}");
    }
}

#[test]
fn bundled_rules_equal_the_folder() {
    let bundled = RuleSet::bundled().unwrap_or_else(|e| panic!("{e}"));
    let folder = RuleSet::load_dir(Path::new("clauses")).unwrap();
    assert_eq!(bundled.rules.len(), folder.rules.len());
}

#[test]
fn every_example_of_every_rule_holds() {
    let rules = RuleSet::from_sources_partial(&sources()).unwrap_or_else(|e| panic!("{e}"));
    let meta: Vec<_> = rules.rules.iter().map(|r| (r.id().to_string(), r.file.examples.clone())).collect();
    let analyzer = Analyzer::new(rules);
    let mut failures = Vec::new();
    for (id, examples) in &meta {
        for lang in [Lang::Ja, Lang::En] {
            let of_lang: Vec<_> = examples.iter().filter(|e| e.lang == lang).collect();
            let positive = of_lang.iter().any(|e| matches!(e.expect.as_str(), "present" | "weak" | "flagged"));
            let negative = of_lang.iter().any(|e| matches!(e.expect.as_str(), "missing" | "clear"));
            if !positive || !negative {
                failures.push(format!("{id}: needs at least one positive and one negative {} example", lang.as_str()));
            }
        }
        for (i, ex) in examples.iter().enumerate() {
            let doc = Extracted { format: Format::Txt, text: ex.text.clone(), page_starts: vec![], encoding: None };
            let report = analyzer.analyze("example", &doc, &AnalyzeOptions::default());
            let got = report
                .clauses
                .iter()
                .map(|c| (&c.id, &c.status, &c.reason))
                .chain(report.risks.iter().map(|r| (&r.id, &r.status, &r.reason)))
                .find(|(cid, _, _)| *cid == id)
                .map(|(_, s, r)| (s.clone(), r.clone()))
                .unwrap();
            if got.0 != ex.expect {
                failures.push(format!(
                    "{id} example {} ({}): expected {}, got {} — {}\n    text: {}",
                    i + 1,
                    ex.lang.as_str(),
                    ex.expect,
                    got.0,
                    got.1,
                    ex.text.replace('\n', " ⏎ ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} failing rule examples:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn a_misspelt_key_is_an_error_naming_the_file() {
    let mut files = sources();
    let (name, text) = files.iter_mut().find(|(n, _)| n.ends_with("confidentiality.toml")).unwrap();
    *text = text.replacen("[[pattern]]", "[[pattern]]\nstatu = \"present\"", 1);
    let name = name.clone();
    let err = RuleSet::from_sources_partial(&files).unwrap_err().to_string();
    assert!(err.contains(&name) && err.contains("statu"), "{err}");
}

#[test]
fn an_unknown_cue_set_is_an_error() {
    let mut files = sources();
    let (_, text) = files.iter_mut().find(|(n, _)| n.ends_with("confidentiality.toml")).unwrap();
    *text = text.replacen("all = [\"topic\", \"keep\"]", "all = [\"topic\", \"kep\"]", 1);
    let err = RuleSet::from_sources_partial(&files).unwrap_err().to_string();
    assert!(err.contains("unknown cue set \"kep\""), "{err}");
}

/// Evidence lines of one risk id for a text analysed as a whole document.
fn risk_lines(text: &str, id: &str) -> Vec<usize> {
    let report = analyze_whole(text);
    report.risks.iter().find(|r| r.id == id).unwrap().evidence.iter().map(|e| e.line).collect()
}

/// The report of a text analysed as a whole plain-text document with the bundled rules.
fn analyze_whole(text: &str) -> clausegap::report::model::DocumentReport {
    let rules = RuleSet::from_sources_partial(&sources()).unwrap_or_else(|e| panic!("{e}"));
    let doc = Extracted { format: Format::Txt, text: text.to_string(), page_starts: vec![], encoding: None };
    Analyzer::new(rules).analyze("example", &doc, &AnalyzeOptions::default())
}

#[test]
fn list_items_share_a_flagged_lead_in() {
    let text = "8. Ending the service\n\
                8.1 Northwind may close your account at any time and without notice:\n\
                (a) if you breach these Terms;\n\
                (b) if we suspect fraud on your account;\n\
                (c) after ninety (90) days' notice, if we stop offering the app in your country.\n\
                8.2 You may close your account from the settings page.\n";
    // (c) is after notice and keeps its own reading; 8.2 is no item.
    assert_eq!(risk_lines(text, "unilateral-suspension"), vec![2, 3, 4]);
    let text = "9. Liability\n\
                9.1 We will not be liable to you for:\n\
                (a) loss of profits or revenue;\n\
                (b) any corruption of stored files.\n\
                9.2 Our parcels are sent by post:\n\
                (a) within three days of payment;\n";
    assert_eq!(risk_lines(text, "liability-exclusion"), vec![2, 3, 4]);
}

/// Evidence lines of one clause id (and its status) for a text analysed as a whole document.
fn clause_lines(text: &str, id: &str) -> (String, Vec<usize>) {
    let report = analyze_whole(text);
    let c = report.clauses.iter().find(|c| c.id == id).unwrap();
    (c.status.to_string(), c.evidence.iter().map(|e| e.line).collect())
}

#[test]
fn numbered_sub_clauses_complete_their_parent_lead_in() {
    // 4.2.1 has no predicate of its own: the duty comes from 4.2's "shall:".
    let text = "4. Confidentiality\n\
                4.1 This clause applies to the Customer Data.\n\
                4.2 In performing the Services, the Supplier shall:\n\
                4.2.1 keep the Customer Data strictly confidential and not disclose it to any third party;\n\
                4.2.2 keep a record of the persons who handle it.\n";
    let (status, lines) = clause_lines(text, "confidentiality");
    assert_eq!((status.as_str(), lines), ("present", vec![4]));
    // A parent that does not announce a list gives nothing to the sub-clause.
    let text = "4. Confidentiality\n\
                4.2 The Supplier provides the Services described in the order.\n\
                4.2.1 keep the Customer Data strictly confidential and not disclose it to any third party;\n";
    assert_eq!(clause_lines(text, "confidentiality").0, "missing");
}
