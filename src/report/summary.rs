//! The repository summary of a batch: how many documents have each gap, the grade
//! distribution, the documents that could not be analysed grouped by kind of error, and
//! the worst documents. Every report format shows it for a batch; it is serde so the
//! binary can also emit it as data.

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{DocumentReport, Report};
use crate::taxonomy::{CLAUSE_IDS, RISK_IDS};

/// Grades from best to worst.
pub const GRADES: [&str; 5] = ["A", "B", "C", "D", "E"];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BatchSummary {
    pub documents: usize,
    pub ok: usize,
    pub errors: usize,
    pub no_text: usize,
    /// Documents with at least one required clause missing or weak.
    pub with_required_gaps: usize,
    /// "A" … "E" → number of documents; every grade is present, possibly with 0.
    pub grades: BTreeMap<String, usize>,
    /// One entry per §1 and §2 id, in taxonomy order (clauses, then risks).
    pub ids: Vec<IdCount>,
    /// Unanalysable documents grouped by status and message prefix, largest group first.
    pub error_kinds: Vec<ErrorKind>,
    /// Up to ten analysed documents, worst first (grade, then required gaps).
    pub worst: Vec<WorstDocument>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IdCount {
    pub id: String,
    /// "clause" | "risk"
    pub kind: &'static str,
    /// Documents where the clause is missing / weak (whatever the requirement).
    pub missing: usize,
    pub weak: usize,
    /// Documents where the risk is flagged.
    pub flagged: usize,
    /// Documents where the clause is required and missing or weak.
    pub required_gaps: usize,
    /// Documents where the clause is recommended and missing or weak.
    pub recommended_gaps: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ErrorKind {
    /// "error" | "no-text"
    pub status: String,
    /// The message up to its first ": " (the path removed), e.g. "invalid UTF-8".
    pub kind: String,
    pub count: usize,
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WorstDocument {
    pub path: String,
    pub grade: String,
    pub required_missing: usize,
    pub required_weak: usize,
    pub flagged: usize,
}

/// The message prefix that names the kind of failure.
fn error_prefix(doc: &DocumentReport) -> String {
    let msg = doc.error.as_deref().unwrap_or("").trim();
    let msg = msg
        .strip_prefix(doc.path.as_str())
        .map(|m| m.trim_start_matches([':', ' ']))
        .unwrap_or(msg);
    let head = msg.split(": ").next().unwrap_or("").trim();
    let head: String = head.chars().take(80).collect();
    if head.is_empty() {
        doc.status.clone()
    } else {
        head
    }
}

fn grade_rank(g: &str) -> usize {
    // An ungraded document sorts with the best, never as the worst.
    GRADES.iter().position(|x| *x == g).unwrap_or(0)
}

pub fn summarize(report: &Report) -> BatchSummary {
    let mut b = SummaryBuilder::new();
    for doc in &report.documents {
        b.add(doc);
    }
    b.finish()
}

/// Builds a [`BatchSummary`] one document at a time, in memory that does not grow with
/// the number of documents beyond the paths of failed ones: a streamed batch keeps it
/// instead of the reports.
pub struct SummaryBuilder {
    documents: usize,
    ok: usize,
    errors: usize,
    no_text: usize,
    with_required_gaps: usize,
    grades: BTreeMap<String, usize>,
    ids: Vec<IdCount>,
    failed: BTreeMap<(String, String), Vec<String>>,
    worst: Vec<WorstDocument>,
}

impl Default for SummaryBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl SummaryBuilder {
    pub fn new() -> Self {
        let ids = CLAUSE_IDS
            .iter()
            .map(|id| (id, "clause"))
            .chain(RISK_IDS.iter().map(|id| (id, "risk")))
            .map(|(id, kind)| IdCount {
                id: id.to_string(),
                kind,
                missing: 0,
                weak: 0,
                flagged: 0,
                required_gaps: 0,
                recommended_gaps: 0,
            })
            .collect();
        SummaryBuilder {
            documents: 0,
            ok: 0,
            errors: 0,
            no_text: 0,
            with_required_gaps: 0,
            grades: GRADES.iter().map(|g| (g.to_string(), 0)).collect(),
            ids,
            failed: BTreeMap::new(),
            worst: Vec::new(),
        }
    }

    pub fn add(&mut self, doc: &DocumentReport) {
        self.documents += 1;
        match doc.status.as_str() {
            "ok" => self.ok += 1,
            "no-text" => self.no_text += 1,
            _ => self.errors += 1,
        }
        if doc.status != "ok" {
            self.failed.entry((doc.status.clone(), error_prefix(doc))).or_default().push(doc.path.clone());
            return;
        }
        if let Some(g) = &doc.grade {
            *self.grades.entry(g.clone()).or_insert(0) += 1;
        }
        for c in &doc.clauses {
            let Some(slot) = self.ids.iter_mut().find(|x| x.id == c.id) else {
                continue;
            };
            let gap = matches!(c.status.as_str(), "missing" | "weak");
            match c.status.as_str() {
                "missing" => slot.missing += 1,
                "weak" => slot.weak += 1,
                _ => {}
            }
            if gap && c.requirement == "required" {
                slot.required_gaps += 1;
            }
            if gap && c.requirement == "recommended" {
                slot.recommended_gaps += 1;
            }
        }
        for r in &doc.risks {
            if r.status == "flagged" {
                if let Some(slot) = self.ids.iter_mut().find(|x| x.id == r.id) {
                    slot.flagged += 1;
                }
            }
        }
        let c = super::view::counts(doc);
        if c.required_missing + c.required_weak > 0 {
            self.with_required_gaps += 1;
        }
        self.worst.push(WorstDocument {
            path: doc.path.clone(),
            grade: doc.grade.clone().unwrap_or_else(|| "-".into()),
            required_missing: c.required_missing,
            required_weak: c.required_weak,
            flagged: c.flagged,
        });
        if self.worst.len() > 200 {
            rank_worst(&mut self.worst);
        }
    }

    pub fn finish(mut self) -> BatchSummary {
        rank_worst(&mut self.worst);
        let mut error_kinds: Vec<ErrorKind> = self
            .failed
            .into_iter()
            .map(|((status, kind), paths)| ErrorKind { status, kind, count: paths.len(), paths })
            .collect();
        error_kinds.sort_by(|a, b| b.count.cmp(&a.count).then(a.kind.cmp(&b.kind)));
        BatchSummary {
            documents: self.documents,
            ok: self.ok,
            errors: self.errors,
            no_text: self.no_text,
            with_required_gaps: self.with_required_gaps,
            grades: self.grades,
            ids: self.ids,
            error_kinds,
            worst: self.worst,
        }
    }
}

/// Worst grade first, then more required gaps, then more missing, then flags, then path;
/// only documents with something wrong, at most ten.
fn rank_worst(worst: &mut Vec<WorstDocument>) {
    worst.sort_by(|a, b| {
        grade_rank(&b.grade)
            .cmp(&grade_rank(&a.grade))
            .then((b.required_missing + b.required_weak).cmp(&(a.required_missing + a.required_weak)))
            .then(b.required_missing.cmp(&a.required_missing))
            .then(b.flagged.cmp(&a.flagged))
            .then(a.path.cmp(&b.path))
    });
    worst.retain(|w| w.required_missing + w.required_weak + w.flagged > 0 || w.grade != "A");
    worst.truncate(10);
}
