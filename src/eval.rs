//! Evaluation against gold labels (TAXONOMY §6): runs the analysis over every labelled
//! document and scores, per id, missing-clause detection, weak-clause detection and risk
//! flags, with confusion matrices and the list of disagreements — so a legal team that
//! tunes rules can see what changed. Label lines marked `# unsure` are not scored.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::{AnalyzeOptions, Analyzer};
use crate::extract::{extract_file, ExtractOptions};
use crate::report::model::DocumentReport;
use crate::taxonomy::{id_kind, IdKind, CLAUSE_IDS, RISK_IDS};

/// One gold-label file.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelFile {
    pub document: String,
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub sensitivity: Vec<String>,
    #[serde(default)]
    pub clauses: BTreeMap<String, String>,
    #[serde(default)]
    pub risks: BTreeMap<String, String>,
    #[serde(default)]
    pub evidence: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{0}: {1}")]
    Label(String, String),
    #[error("{0}: cannot read: {1}")]
    Io(String, std::io::Error),
}

/// A label file with the ids the labeller marked unsure removed.
#[derive(Debug, Clone)]
pub struct Gold {
    pub file: PathBuf,
    pub label: LabelFile,
    pub unsure: BTreeSet<String>,
}

/// Reads every `*.toml` label file of a folder (sorted).
pub fn load_labels(dir: &Path) -> Result<Vec<Gold>, EvalError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| EvalError::Io(dir.display().to_string(), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(&p).map_err(|e| EvalError::Io(p.display().to_string(), e))?;
        out.push(parse_label(&p, &text)?);
    }
    Ok(out)
}

pub fn parse_label(path: &Path, text: &str) -> Result<Gold, EvalError> {
    let label: LabelFile = toml::from_str(text).map_err(|e| EvalError::Label(path.display().to_string(), e.message().to_string()))?;
    for (id, status) in label.clauses.iter().chain(label.risks.iter()) {
        let ok = match id_kind(id) {
            Some(IdKind::Clause) => matches!(status.as_str(), "present" | "weak" | "missing"),
            Some(IdKind::Risk) => matches!(status.as_str(), "flagged" | "clear"),
            None => false,
        };
        if !ok {
            return Err(EvalError::Label(path.display().to_string(), format!("\"{id}\" = \"{status}\" is not a TAXONOMY id and status")));
        }
    }
    // Comments are gone after parsing; find the unsure ids in the raw lines.
    let mut unsure = BTreeSet::new();
    let mut section = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            section = t.trim_matches(['[', ']']).to_string();
            continue;
        }
        if section != "clauses" && section != "risks" {
            continue;
        }
        if let Some((key, rest)) = t.split_once('=') {
            if let Some((_, comment)) = rest.split_once('#') {
                if comment.trim_start().to_lowercase().starts_with("unsure") {
                    unsure.insert(key.trim().trim_matches('"').to_string());
                }
            }
        }
    }
    Ok(Gold { file: path.to_path_buf(), label, unsure })
}

/// Counts for one binary detection task.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    pub tn: usize,
}

impl Counts {
    pub fn add(&mut self, gold: bool, pred: bool) {
        match (gold, pred) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }
    pub fn precision(&self) -> Option<f64> {
        let d = self.tp + self.fp;
        (d > 0).then(|| self.tp as f64 / d as f64)
    }
    pub fn recall(&self) -> Option<f64> {
        let d = self.tp + self.fn_;
        (d > 0).then(|| self.tp as f64 / d as f64)
    }
    /// F1; `None` when the id never occurs on either side (nothing to score).
    pub fn f1(&self) -> Option<f64> {
        if self.tp + self.fp + self.fn_ == 0 {
            return None;
        }
        Some(2.0 * self.tp as f64 / (2 * self.tp + self.fp + self.fn_) as f64)
    }
    fn merge(&mut self, o: &Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
        self.tn += o.tn;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    pub document: String,
    pub id: String,
    pub gold: String,
    pub predicted: String,
    pub reason: String,
    /// Where the tool found it (article, line), if anywhere.
    pub at: Option<String>,
    /// Where the labeller found it.
    pub gold_evidence: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct EvalReport {
    pub documents: usize,
    pub errors: Vec<(String, String)>,
    /// Per id: missing detection (gold missing vs predicted missing).
    pub missing: BTreeMap<String, Counts>,
    /// Per id: weak detection.
    pub weak: BTreeMap<String, Counts>,
    /// Per id: risk flags.
    pub risks: BTreeMap<String, Counts>,
    /// Clause confusion: gold → predicted → count.
    pub clause_confusion: BTreeMap<String, BTreeMap<String, usize>>,
    pub risk_confusion: BTreeMap<String, BTreeMap<String, usize>>,
    pub sensitivity: Counts,
    pub disagreements: Vec<Disagreement>,
    pub scored_clause_labels: usize,
    pub scored_risk_labels: usize,
    pub skipped_unsure: usize,
}

impl EvalReport {
    pub fn missing_micro(&self) -> Counts {
        micro(&self.missing)
    }
    pub fn weak_micro(&self) -> Counts {
        micro(&self.weak)
    }
    pub fn risk_micro(&self) -> Counts {
        micro(&self.risks)
    }
    /// Macro F1 over the ids that occur.
    pub fn risk_macro_f1(&self) -> Option<f64> {
        macro_f1(&self.risks)
    }
    pub fn missing_macro_f1(&self) -> Option<f64> {
        macro_f1(&self.missing)
    }
}

fn micro(m: &BTreeMap<String, Counts>) -> Counts {
    let mut c = Counts::default();
    for v in m.values() {
        c.merge(v);
    }
    c
}

fn macro_f1(m: &BTreeMap<String, Counts>) -> Option<f64> {
    let f: Vec<f64> = m.values().filter_map(Counts::f1).collect();
    (!f.is_empty()).then(|| f.iter().sum::<f64>() / f.len() as f64)
}

/// Runs the analysis over labelled documents. `root` is the folder document paths are
/// relative to.
pub fn evaluate(analyzer: &Analyzer, golds: &[Gold], root: &Path, opts: &AnalyzeOptions, extract: &ExtractOptions) -> EvalReport {
    let mut rep = EvalReport::default();
    for id in CLAUSE_IDS {
        rep.missing.insert(id.to_string(), Counts::default());
        rep.weak.insert(id.to_string(), Counts::default());
    }
    for id in RISK_IDS {
        rep.risks.insert(id.to_string(), Counts::default());
    }
    for gold in golds {
        let path = root.join(&gold.label.document);
        let doc = match extract_file(&path, extract) {
            Ok(ex) => analyzer.analyze(&gold.label.document, &ex, opts),
            Err(e) => {
                rep.errors.push((gold.label.document.clone(), e.to_string()));
                continue;
            }
        };
        rep.documents += 1;
        score_document(&mut rep, gold, &doc);
    }
    rep
}

fn score_document(rep: &mut EvalReport, gold: &Gold, doc: &DocumentReport) {
    let at = |ev: &[crate::report::model::Evidence]| ev.first().map(|e| format!("{} L{}", e.article.clone().unwrap_or_default(), e.line));
    for (id, g) in &gold.label.clauses {
        if gold.unsure.contains(id) {
            rep.skipped_unsure += 1;
            continue;
        }
        let Some(c) = doc.clauses.iter().find(|c| &c.id == id) else { continue };
        rep.scored_clause_labels += 1;
        rep.missing.entry(id.clone()).or_default().add(g == "missing", c.status == "missing");
        rep.weak.entry(id.clone()).or_default().add(g == "weak", c.status == "weak");
        *rep.clause_confusion.entry(g.clone()).or_default().entry(c.status.clone()).or_default() += 1;
        if *g != c.status {
            rep.disagreements.push(Disagreement {
                document: gold.label.document.clone(),
                id: id.clone(),
                gold: g.clone(),
                predicted: c.status.clone(),
                reason: c.reason.clone(),
                at: at(&c.evidence),
                gold_evidence: gold.label.evidence.get(id).cloned(),
            });
        }
    }
    for (id, g) in &gold.label.risks {
        if gold.unsure.contains(id) {
            rep.skipped_unsure += 1;
            continue;
        }
        let Some(r) = doc.risks.iter().find(|r| &r.id == id) else { continue };
        rep.scored_risk_labels += 1;
        rep.risks.entry(id.clone()).or_default().add(g == "flagged", r.status == "flagged");
        *rep.risk_confusion.entry(g.clone()).or_default().entry(r.status.clone()).or_default() += 1;
        if *g != r.status {
            rep.disagreements.push(Disagreement {
                document: gold.label.document.clone(),
                id: id.clone(),
                gold: g.clone(),
                predicted: r.status.clone(),
                reason: r.reason.clone(),
                at: at(&r.evidence),
                gold_evidence: gold.label.evidence.get(id).cloned(),
            });
        }
    }
    for s in crate::taxonomy::SENSITIVITY_IDS {
        rep.sensitivity.add(gold.label.sensitivity.iter().any(|x| x == s), doc.sensitivity.iter().any(|x| x == s));
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.3}", x)).unwrap_or_else(|| "  -  ".into())
}

/// The plain-text report `clausegap eval` prints.
pub fn render_text(rep: &EvalReport) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "documents: {}   scored labels: {} clause + {} risk   skipped (# unsure): {}   errors: {}",
        rep.documents,
        rep.scored_clause_labels,
        rep.scored_risk_labels,
        rep.skipped_unsure,
        rep.errors.len()
    );
    for (d, e) in &rep.errors {
        let _ = writeln!(s, "  error: {d}: {e}");
    }
    let _ = writeln!(s, "\n{:<26} {:>18}   {:>18}", "clause", "missing  P / R / F1", "weak  P / R / F1");
    for id in CLAUSE_IDS {
        let m = &rep.missing[id];
        let w = &rep.weak[id];
        let _ = writeln!(
            s,
            "{:<26} {} {} {}   {} {} {}",
            id,
            pct(m.precision()),
            pct(m.recall()),
            pct(m.f1()),
            pct(w.precision()),
            pct(w.recall()),
            pct(w.f1())
        );
    }
    let mm = rep.missing_micro();
    let wm = rep.weak_micro();
    let _ = writeln!(s, "{:<26} {} {} {}   {} {} {}", "micro", pct(mm.precision()), pct(mm.recall()), pct(mm.f1()), pct(wm.precision()), pct(wm.recall()), pct(wm.f1()));
    let _ = writeln!(s, "\n{:<26} {:>18}", "risk", "flagged  P / R / F1");
    for id in RISK_IDS {
        let r = &rep.risks[id];
        let _ = writeln!(s, "{:<26} {} {} {}", id, pct(r.precision()), pct(r.recall()), pct(r.f1()));
    }
    let rm = rep.risk_micro();
    let _ = writeln!(s, "{:<26} {} {} {}", "micro", pct(rm.precision()), pct(rm.recall()), pct(rm.f1()));
    let _ = writeln!(s, "{:<26} {:>18}", "macro F1", pct(rep.risk_macro_f1()));
    let _ = writeln!(s, "\nsensitivity (all ids)      {} {} {}", pct(rep.sensitivity.precision()), pct(rep.sensitivity.recall()), pct(rep.sensitivity.f1()));
    let _ = writeln!(s, "\nclause confusion (rows gold, columns predicted)");
    let _ = writeln!(s, "{:<10} {:>8} {:>8} {:>8}", "", "present", "weak", "missing");
    for g in ["present", "weak", "missing"] {
        let row = rep.clause_confusion.get(g);
        let get = |p: &str| row.and_then(|r| r.get(p)).copied().unwrap_or(0);
        let _ = writeln!(s, "{:<10} {:>8} {:>8} {:>8}", g, get("present"), get("weak"), get("missing"));
    }
    let _ = writeln!(s, "\nrisk confusion (rows gold, columns predicted)");
    let _ = writeln!(s, "{:<10} {:>8} {:>8}", "", "flagged", "clear");
    for g in ["flagged", "clear"] {
        let row = rep.risk_confusion.get(g);
        let get = |p: &str| row.and_then(|r| r.get(p)).copied().unwrap_or(0);
        let _ = writeln!(s, "{:<10} {:>8} {:>8}", g, get("flagged"), get("clear"));
    }
    let _ = writeln!(s, "\ndisagreements ({}):", rep.disagreements.len());
    for d in &rep.disagreements {
        let _ = writeln!(
            s,
            "  {}  {}: gold {} / tool {}{}{}\n      {}",
            d.document,
            d.id,
            d.gold,
            d.predicted,
            d.at.as_ref().map(|a| format!("  tool@ {a}")).unwrap_or_default(),
            d.gold_evidence.as_ref().map(|a| format!("  gold@ {a}")).unwrap_or_default(),
            d.reason
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsure_lines_are_skipped() {
        let text = "document = \"a.md\"\n[clauses]\nconfidentiality = \"present\"  # unsure: mutual\naudit-rights = \"missing\" # fine\n[risks]\nforeign-law = \"flagged\" # Unsure\n";
        let g = parse_label(Path::new("x.toml"), text).unwrap();
        assert!(g.unsure.contains("confidentiality"));
        assert!(g.unsure.contains("foreign-law"));
        assert!(!g.unsure.contains("audit-rights"));
    }

    #[test]
    fn a_bad_status_is_an_error() {
        let text = "document = \"a.md\"\n[clauses]\nconfidentiality = \"flagged\"\n";
        assert!(parse_label(Path::new("x.toml"), text).is_err());
    }

    #[test]
    fn f1_counts() {
        let mut c = Counts::default();
        c.add(true, true);
        c.add(true, false);
        c.add(false, true);
        c.add(false, false);
        assert_eq!(c.f1(), Some(0.5));
        assert_eq!(Counts::default().f1(), None);
    }
}
