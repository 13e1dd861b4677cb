//! The view model the templates read: the report model plus what a reader needs and the
//! model does not spell out — fixed words in the document's report language, findings
//! grouped by requirement, gaps in the order a reviewer acts on them, counts, locations
//! ("第8条 3頁 41行") and evidence split into plain and highlighted segments. The split is
//! done here on raw text, so templates escape every piece and never emit document HTML.

use std::collections::BTreeMap;

use serde::Serialize;

use super::i18n::{self, Lang};
use super::model::{ClauseFinding, DocumentReport, Evidence, Report, RiskFinding};
use super::summary::{self, BatchSummary};

/// Language of one document's fixed words: `report_lang`, else `lang`, else English.
pub(crate) fn doc_lang(doc: &DocumentReport) -> Lang {
    Lang::parse(doc.report_lang.as_deref())
        .or_else(|| Lang::parse(doc.lang.as_deref()))
        .unwrap_or(Lang::En)
}

/// Language of batch-level words (summary, matrix): the first document that has one.
pub(crate) fn report_lang(report: &Report) -> Lang {
    report
        .documents
        .iter()
        .find_map(|d| {
            Lang::parse(d.report_lang.as_deref()).or_else(|| Lang::parse(d.lang.as_deref()))
        })
        .unwrap_or(Lang::En)
}

#[derive(Debug, Serialize)]
pub(crate) struct ReportView {
    pub tool: String,
    pub lang: &'static str,
    pub t: BTreeMap<&'static str, &'static str>,
    pub batch: bool,
    /// JSON status word → localized word, for the filter bar.
    pub status_words: BTreeMap<&'static str, String>,
    pub summary: SummaryView,
    pub documents: Vec<DocView>,
    pub color: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct SummaryView {
    #[serde(flatten)]
    pub data: BatchSummary,
    /// Grade distribution as an ordered list (A … E) for tables.
    pub grade_rows: Vec<(String, usize)>,
    /// Per-id rows with a localized title, only ids that some document has as a gap.
    pub id_rows: Vec<IdRow>,
}

#[derive(Debug, Serialize)]
pub(crate) struct IdRow {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub missing: usize,
    pub weak: usize,
    pub flagged: usize,
    pub required_gaps: usize,
    pub recommended_gaps: usize,
    pub gaps: usize,
}

#[derive(Debug, Serialize)]
pub(crate) struct DocView {
    pub index: usize,
    pub anchor: String,
    pub path: String,
    pub status: String,
    pub status_word: String,
    pub ok: bool,
    pub error: Option<String>,
    pub lang: &'static str,
    pub t: BTreeMap<&'static str, &'static str>,
    pub format: Option<String>,
    pub doc_lang: Option<String>,
    pub kind: Option<String>,
    pub kind_word: Option<String>,
    pub pages: Option<usize>,
    pub profile: Option<String>,
    pub profile_word: Option<String>,
    pub profile_reason: Option<String>,
    pub profile_basis: Option<String>,
    pub sensitivity: Vec<SensitivityView>,
    pub high_confidentiality: bool,
    pub cloud_exception: Option<String>,
    pub cloud_word: Option<String>,
    pub cloud_reasons: Vec<String>,
    pub grade: Option<String>,
    pub grade_reason: Option<String>,
    pub counts: Counts,
    pub required: Vec<FindingView>,
    pub recommended: Vec<FindingView>,
    pub other: Vec<FindingView>,
    pub risks: Vec<FindingView>,
    /// Missing/weak required, flagged risks, missing/weak recommended — in that order.
    pub gaps: Vec<FindingView>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub(crate) struct Counts {
    pub required_missing: usize,
    pub required_weak: usize,
    pub recommended_missing: usize,
    pub recommended_weak: usize,
    pub flagged: usize,
    pub missing: usize,
    pub weak: usize,
    pub gaps: usize,
}

#[derive(Debug, Serialize)]
pub(crate) struct SensitivityView {
    pub id: String,
    pub word: String,
    pub evidence: Vec<EvidenceView>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct FindingView {
    pub id: String,
    pub anchor: String,
    /// "clause" | "risk"
    pub kind: &'static str,
    pub status: String,
    pub status_word: String,
    /// "required" | "recommended" | "not-required" | "risk"
    pub requirement: String,
    pub requirement_word: String,
    pub title: String,
    pub reason: String,
    pub basis: String,
    pub suggestion: String,
    pub is_gap: bool,
    /// Location of the first evidence, "" when there is none.
    pub location: String,
    /// The same with the line: "第8条 41行" / "Section 5 p.2 line 40".
    pub location_line: String,
    pub article: Option<String>,
    pub page: Option<usize>,
    pub line: Option<usize>,
    pub evidence: Vec<EvidenceView>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct EvidenceView {
    pub text: String,
    /// The quote to show: the whole sentence when known, else `text`.
    pub quote: String,
    pub segments: Vec<Segment>,
    pub article: Option<String>,
    pub article_title: Option<String>,
    pub paragraph: Option<String>,
    pub page: Option<usize>,
    pub line: usize,
    pub line_end: usize,
    pub location: String,
    pub cue: Option<String>,
    pub effect: Option<String>,
    /// The effect in words ("不十分", "参考" …), for a tag beside the quote.
    pub effect_word: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Segment {
    pub text: String,
    pub hl: bool,
}

/// Splits `text` around every occurrence of `cue` (exact, then ASCII case-insensitive).
pub(crate) fn highlight(text: &str, cue: Option<&str>) -> Vec<Segment> {
    let plain = || {
        vec![Segment {
            text: text.to_string(),
            hl: false,
        }]
    };
    let Some(cue) = cue.map(str::trim).filter(|c| !c.is_empty()) else {
        return plain();
    };
    // ASCII lowercasing keeps byte offsets identical, so indices map back to `text`.
    let hay = text.to_ascii_lowercase();
    let needle = cue.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(found) = hay[pos..].find(&needle) {
        let start = pos + found;
        let end = start + needle.len();
        if start > pos {
            out.push(Segment {
                text: text[pos..start].to_string(),
                hl: false,
            });
        }
        out.push(Segment {
            text: text[start..end].to_string(),
            hl: true,
        });
        pos = end;
    }
    if out.is_empty() {
        return plain();
    }
    if pos < text.len() {
        out.push(Segment {
            text: text[pos..].to_string(),
            hl: false,
        });
    }
    out
}

/// The evidence that best locates a finding: the first sentence whose effect matches the
/// status (the engine lists context sentences too, in document order), else the first
/// that is not mere context, else the first.
pub(crate) fn primary_evidence<'a>(status: &str, evidence: &'a [Evidence]) -> Option<&'a Evidence> {
    evidence
        .iter()
        .find(|e| e.effect.as_deref() == Some(status))
        .or_else(|| {
            evidence
                .iter()
                .find(|e| e.effect.as_deref() != Some("context"))
        })
        .or_else(|| evidence.first())
}

/// "2" → 第2項 / para. 2; item labels ("(1)", "(a)", "ア") stay as written.
fn paragraph_label(lang: Lang, p: &str) -> String {
    if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) {
        match lang {
            Lang::Ja => format!("第{p}項"),
            Lang::En => format!("para. {p}"),
        }
    } else {
        p.to_string()
    }
}

fn evidence_view(lang: Lang, e: &Evidence) -> EvidenceView {
    let quote = if e.sentence.trim().is_empty() {
        e.text.clone()
    } else {
        e.sentence.clone()
    };
    EvidenceView {
        segments: highlight(&quote, e.cue.as_deref()),
        quote,
        text: e.text.clone(),
        article: e.article.clone(),
        article_title: e.article_title.clone().filter(|t| !t.is_empty()),
        paragraph: e.paragraph.as_deref().map(|p| paragraph_label(lang, p)),
        page: e.page,
        line: e.line,
        line_end: e.line_end.max(e.line),
        location: i18n::location(lang, e.article.as_deref(), e.page, Some(e.line)),
        cue: e.cue.clone(),
        effect: e.effect.clone(),
        effect_word: e.effect.as_deref().map(|x| match (x, lang) {
            ("context", Lang::Ja) => "参考".to_string(),
            ("context", Lang::En) => "context".to_string(),
            (other, _) => i18n::status_word(lang, other),
        }),
    }
}

#[allow(clippy::too_many_arguments)]
fn finding_view(
    lang: Lang,
    doc_index: usize,
    kind: &'static str,
    id: &str,
    status: &str,
    requirement: &str,
    title: &str,
    reason: &str,
    basis: &str,
    suggestion: &str,
    evidence: &[Evidence],
) -> FindingView {
    let is_gap = match kind {
        "risk" => status == "flagged",
        _ => {
            matches!(status, "missing" | "weak")
                && matches!(requirement, "required" | "recommended")
        }
    };
    let first = primary_evidence(status, evidence);
    FindingView {
        id: id.to_string(),
        anchor: format!("d{doc_index}-{id}"),
        kind,
        status: status.to_string(),
        status_word: i18n::status_word(lang, status),
        requirement: requirement.to_string(),
        requirement_word: i18n::requirement_word(lang, requirement),
        title: if title.trim().is_empty() {
            i18n::id_title(lang, id)
        } else {
            title.to_string()
        },
        reason: reason.to_string(),
        basis: basis.to_string(),
        suggestion: suggestion.to_string(),
        is_gap,
        location: first
            .map(|e| i18n::location(lang, e.article.as_deref(), e.page, None))
            .unwrap_or_default(),
        location_line: first
            .map(|e| i18n::location(lang, e.article.as_deref(), e.page, Some(e.line)))
            .unwrap_or_default(),
        article: first.and_then(|e| e.article.clone()),
        page: first.and_then(|e| e.page),
        line: first.map(|e| e.line),
        evidence: evidence.iter().map(|e| evidence_view(lang, e)).collect(),
    }
}

pub(crate) fn clause_view(lang: Lang, doc_index: usize, c: &ClauseFinding) -> FindingView {
    finding_view(
        lang,
        doc_index,
        "clause",
        &c.id,
        &c.status,
        &c.requirement,
        &c.title,
        &c.reason,
        &c.basis,
        &c.suggestion,
        &c.evidence,
    )
}

pub(crate) fn risk_view(lang: Lang, doc_index: usize, r: &RiskFinding) -> FindingView {
    finding_view(
        lang,
        doc_index,
        "risk",
        &r.id,
        &r.status,
        "risk",
        &r.title,
        &r.reason,
        &r.basis,
        &r.suggestion,
        &r.evidence,
    )
}

/// Counts of one document, computed from its findings (not from the optional
/// `DocSummary`, so every renderer agrees with the findings it shows).
pub(crate) fn counts(doc: &DocumentReport) -> Counts {
    let mut c = Counts::default();
    for f in &doc.clauses {
        match (f.requirement.as_str(), f.status.as_str()) {
            ("required", "missing") => c.required_missing += 1,
            ("required", "weak") => c.required_weak += 1,
            ("recommended", "missing") => c.recommended_missing += 1,
            ("recommended", "weak") => c.recommended_weak += 1,
            _ => {}
        }
    }
    c.flagged = doc.risks.iter().filter(|r| r.status == "flagged").count();
    c.missing = c.required_missing + c.recommended_missing;
    c.weak = c.required_weak + c.recommended_weak;
    c.gaps = c.missing + c.weak + c.flagged;
    c
}

/// Gaps in the order a reviewer acts on them.
fn gap_rank(f: &FindingView) -> u8 {
    match (f.requirement.as_str(), f.status.as_str()) {
        ("required", "missing") => 0,
        ("required", "weak") => 1,
        ("risk", _) => 2,
        ("recommended", "missing") => 3,
        _ => 4,
    }
}

pub(crate) fn doc_view(index: usize, doc: &DocumentReport) -> DocView {
    let lang = doc_lang(doc);
    let mut required = Vec::new();
    let mut recommended = Vec::new();
    let mut other = Vec::new();
    for c in &doc.clauses {
        let v = clause_view(lang, index, c);
        match c.requirement.as_str() {
            "required" => required.push(v),
            "recommended" => recommended.push(v),
            _ => other.push(v),
        }
    }
    let risks: Vec<FindingView> = doc
        .risks
        .iter()
        .map(|r| risk_view(lang, index, r))
        .collect();
    let mut gaps: Vec<FindingView> = required
        .iter()
        .chain(&recommended)
        .chain(&risks)
        .filter(|f| f.is_gap)
        .cloned()
        .collect();
    gaps.sort_by_key(gap_rank); // stable: keeps model order within a rank
    let sensitivity = doc
        .sensitivity
        .iter()
        .map(|id| SensitivityView {
            id: id.clone(),
            word: i18n::sensitivity_name(lang, id),
            evidence: doc
                .sensitivity_evidence
                .iter()
                .filter(|s| &s.id == id)
                .flat_map(|s| s.evidence.iter().take(2))
                .map(|e| evidence_view(lang, e))
                .collect(),
        })
        .collect();
    let profile_basis = doc
        .profile
        .as_deref()
        .and_then(crate::taxonomy::Profile::parse)
        .map(|p| p.basis().to_string())
        .filter(|b| !b.is_empty());
    DocView {
        index,
        anchor: format!("d{index}"),
        path: doc.path.clone(),
        status: doc.status.clone(),
        status_word: i18n::status_word(lang, &doc.status),
        ok: doc.status == "ok",
        error: doc.error.clone(),
        lang: lang.as_str(),
        t: i18n::words(lang),
        format: doc.format.clone(),
        doc_lang: doc.lang.clone(),
        kind: doc.kind.clone(),
        kind_word: doc.kind.as_deref().map(|k| i18n::kind_name(lang, k)),
        pages: doc.pages,
        profile: doc.profile.clone(),
        profile_word: doc.profile.as_deref().map(|p| i18n::profile_name(lang, p)),
        profile_reason: doc.profile_reason.clone().filter(|r| !r.is_empty()),
        profile_basis,
        sensitivity,
        high_confidentiality: doc.high_confidentiality,
        cloud_exception: doc.cloud_exception.clone(),
        cloud_word: doc
            .cloud_exception
            .as_deref()
            .map(|v| i18n::verdict_name(lang, v)),
        cloud_reasons: doc.cloud_exception_reasons.clone(),
        grade: doc.grade.clone(),
        grade_reason: doc.grade_reason.clone().filter(|r| !r.is_empty()),
        counts: counts(doc),
        required,
        recommended,
        other,
        risks,
        gaps,
    }
}

pub(crate) fn summary_view(lang: Lang, report: &Report) -> SummaryView {
    let data = summary::summarize(report);
    let grade_rows = data.grades.iter().map(|(g, n)| (g.clone(), *n)).collect();
    let mut id_rows: Vec<IdRow> = data
        .ids
        .iter()
        .filter(|c| c.required_gaps + c.recommended_gaps + c.flagged > 0)
        .map(|c| IdRow {
            id: c.id.clone(),
            title: i18n::id_title(lang, &c.id),
            kind: c.kind,
            missing: c.missing,
            weak: c.weak,
            flagged: c.flagged,
            required_gaps: c.required_gaps,
            recommended_gaps: c.recommended_gaps,
            gaps: c.required_gaps + c.recommended_gaps + c.flagged,
        })
        .collect();
    // Most common gaps first: required gaps, then flags, then recommended gaps.
    id_rows.sort_by(|a, b| {
        (b.required_gaps, b.flagged, b.recommended_gaps).cmp(&(
            a.required_gaps,
            a.flagged,
            a.recommended_gaps,
        ))
    });
    SummaryView {
        data,
        grade_rows,
        id_rows,
    }
}

pub(crate) fn report_view(report: &Report, color: bool) -> ReportView {
    let lang = report_lang(report);
    ReportView {
        tool: format!("{} {}", report.tool.name, report.tool.version),
        lang: lang.as_str(),
        t: i18n::words(lang),
        batch: report.documents.len() > 1,
        status_words: ["present", "weak", "missing", "flagged", "clear"]
            .into_iter()
            .map(|s| (s, i18n::status_word(lang, s)))
            .collect(),
        summary: summary_view(lang, report),
        documents: report
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| doc_view(i + 1, d))
            .collect(),
        color,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlight_splits_every_occurrence() {
        let s = highlight("乙は再委託できる。再委託先", Some("再委託"));
        let parts: Vec<(&str, bool)> = s.iter().map(|x| (x.text.as_str(), x.hl)).collect();
        assert_eq!(
            parts,
            vec![
                ("乙は", false),
                ("再委託", true),
                ("できる。", false),
                ("再委託", true),
                ("先", false)
            ]
        );
        let s = highlight("The Processor MAY engage", Some("may"));
        assert_eq!(s[1].text, "MAY");
        assert_eq!(highlight("abc", Some("zz")).len(), 1);
        assert_eq!(highlight("abc", None)[0].text, "abc");
    }
}
