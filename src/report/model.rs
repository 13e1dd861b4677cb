//! The report model: what the analysis hands to the renderers and what `--format json`
//! serializes. Field names and values follow TAXONOMY.md §7 exactly; extra fields are
//! additions, never renames. Renderers read this model and nothing else.

use serde::{Deserialize, Serialize};

/// The whole output of one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub tool: Tool,
    pub documents: Vec<DocumentReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: "clausegap".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// One document's result. For `status != "ok"` the analysis fields are empty or null.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentReport {
    pub path: String,
    /// "ok" | "error" | "no-text"
    pub status: String,
    pub error: Option<String>,
    pub format: Option<String>,
    pub lang: Option<String>,
    /// Language of the report's own words (titles, reasons, suggestions): "ja" | "en".
    #[serde(default)]
    pub report_lang: Option<String>,
    pub kind: Option<String>,
    pub pages: Option<usize>,
    pub profile: Option<String>,
    /// Why this profile was chosen (e.g. "auto: 個人番号 is mentioned").
    #[serde(default)]
    pub profile_reason: Option<String>,
    pub sensitivity: Vec<String>,
    /// True when any sensitivity id makes the document high-confidentiality (§3).
    #[serde(default)]
    pub high_confidentiality: bool,
    /// Evidence for each sensitivity id found.
    #[serde(default)]
    pub sensitivity_evidence: Vec<SensitivityFinding>,
    /// §4 verdict: "entrustment" | "cloud-exception-possible" | "undetermined"; null when
    /// the document is not terms of a cloud service and no data-handling signal was found.
    pub cloud_exception: Option<String>,
    #[serde(default)]
    pub cloud_exception_reasons: Vec<String>,
    /// "A" (no gaps) … "E"
    pub grade: Option<String>,
    #[serde(default)]
    pub grade_reason: Option<String>,
    /// Who is who, as resolved from the preamble and definitions.
    #[serde(default)]
    pub parties: Vec<PartyInfo>,
    pub clauses: Vec<ClauseFinding>,
    pub risks: Vec<RiskFinding>,
    /// Counts for summaries.
    #[serde(default)]
    pub summary: Option<DocSummary>,
}

impl DocumentReport {
    /// A document that could not be analysed.
    pub fn failed(path: String, status: &str, error: String, format: Option<String>) -> Self {
        DocumentReport {
            path,
            status: status.into(),
            error: Some(error),
            format,
            lang: None,
            report_lang: None,
            kind: None,
            pages: None,
            profile: None,
            profile_reason: None,
            sensitivity: Vec::new(),
            high_confidentiality: false,
            sensitivity_evidence: Vec::new(),
            cloud_exception: None,
            cloud_exception_reasons: Vec::new(),
            grade: None,
            grade_reason: None,
            parties: Vec::new(),
            clauses: Vec::new(),
            risks: Vec::new(),
            summary: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DocSummary {
    pub required_missing: usize,
    pub required_weak: usize,
    pub recommended_missing: usize,
    pub recommended_weak: usize,
    pub risks_flagged: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartyInfo {
    /// The term as the document uses it: 「乙」, "Processor", "we".
    pub term: String,
    /// "provider" | "customer" | "both" | "third-party"
    pub role: String,
}

/// A §1 clause result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClauseFinding {
    pub id: String,
    /// "present" | "weak" | "missing"
    pub status: String,
    /// "required" | "recommended" | "not-required"
    pub requirement: String,
    pub reason: String,
    pub evidence: Vec<Evidence>,
    /// Rule texts, in the report language, for renderers.
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub suggestion: String,
}

/// A §2 risk result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RiskFinding {
    pub id: String,
    /// "flagged" | "clear"
    pub status: String,
    pub reason: String,
    pub evidence: Vec<Evidence>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub suggestion: String,
}

/// One supporting sentence, quoted from the original text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evidence {
    /// Original text on `line` (the part of the sentence that stands on that line).
    pub text: String,
    /// Article label as written: "第8条", "Section 5.2", "別紙1"; null before the first one.
    pub article: Option<String>,
    /// 1-based page, null where the format has no pages.
    pub page: Option<usize>,
    /// 1-based line of the extracted text that contains `text`.
    pub line: usize,
    /// The whole sentence in original text (lines joined) when it spans several lines.
    #[serde(default)]
    pub sentence: String,
    /// Last line of the sentence.
    #[serde(default)]
    pub line_end: usize,
    /// Article title: 「再委託」, "Sub-processing".
    #[serde(default)]
    pub article_title: Option<String>,
    /// Paragraph / item label within the article: "2", "(1)", "(a)".
    #[serde(default)]
    pub paragraph: Option<String>,
    /// The cue that matched (original text), for highlighting.
    #[serde(default)]
    pub cue: Option<String>,
    /// How the sentence binds: "provider", "customer", "both", "unknown".
    #[serde(default)]
    pub party: Option<String>,
    /// "obligation" | "prohibition" | "permission" | "effort" | "statement"
    #[serde(default)]
    pub modality: Option<String>,
    /// What this sentence contributes: "present", "weak", "flagged", "context".
    #[serde(default)]
    pub effect: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SensitivityFinding {
    pub id: String,
    pub evidence: Vec<Evidence>,
}
