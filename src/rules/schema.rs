//! The rule-file schema. A rule is data: one TOML file per clause or risk id in `clauses/`,
//! checked with `deny_unknown_fields` so that a misspelt key is an error, never a silently
//! disabled check. `clauses/_shared.toml` holds cue sets every rule may reference, and
//! `clauses/_sensitivity.toml` the cues of TAXONOMY §3.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::taxonomy::IdKind;

/// Text in both report languages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    pub ja: String,
    pub en: String,
}

impl Texts {
    pub fn get(&self, lang: crate::taxonomy::Lang) -> &str {
        match lang {
            crate::taxonomy::Lang::Ja => &self.ja,
            crate::taxonomy::Lang::En => &self.en,
        }
    }
}

/// One `clauses/<id>.toml` file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// A TAXONOMY §1 or §2 id; must equal the file stem.
    pub id: String,
    /// `clause` (§1) or `risk` (§2).
    pub kind: IdKind,
    pub title: Texts,
    /// Legal basis, e.g. 「個人情報保護法 第25条」, "GDPR Art. 28(3)(b)".
    pub basis: Texts,
    /// What the check looks for and why it matters.
    pub explanation: Texts,
    /// Wording to propose when the clause is missing or weak (risk: the safer wording).
    pub suggestion: Texts,
    /// Named cue sets. `topic` is required: a sentence is a candidate for this rule when a
    /// topic cue is in it or in its article title. A cue is a literal (matched on
    /// normalized text: NFKC, case-insensitive for ASCII, at a word start for Latin cues;
    /// end it with `\b` to require a word end) or, prefixed with `re:`, a regex evaluated
    /// only on candidate sentences. A set may include a shared set with `@name`.
    pub cues: BTreeMap<String, Vec<String>>,
    /// Patterns in order; the first that matches a sentence decides what the sentence
    /// contributes.
    #[serde(rename = "pattern")]
    pub patterns: Vec<PatternDef>,
    /// Examples run by the test suite: at least one positive and one negative per language.
    #[serde(rename = "example", default)]
    pub examples: Vec<Example>,
}

/// What a matching sentence contributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PatternStatus {
    /// Clause: the sentence satisfies the clause.
    Present,
    /// Clause: the sentence addresses the clause, but only weakly.
    Weak,
    /// Risk: the sentence raises the flag.
    Flagged,
    /// The sentence is consumed and contributes nothing (definitions, carve-outs).
    None,
}

/// Who the sentence binds or empowers, as resolved by the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Provider,
    Customer,
    Both,
    ThirdParty,
    Unknown,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Provider => "provider",
            Role::Customer => "customer",
            Role::Both => "both",
            Role::ThirdParty => "third-party",
            Role::Unknown => "unknown",
        }
    }
}

/// Modality tags a pattern may ask for. A sentence carries its base modality plus derived
/// tags: `condition` (a prohibition or permission tied to the customer's consent),
/// `restriction` (a permission limited by "only"/「のみ」), `binding` (obligation,
/// prohibition, condition or restriction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModalityTag {
    Obligation,
    Prohibition,
    Permission,
    Effort,
    Statement,
    Condition,
    Restriction,
    Binding,
    NegatedObligation,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternDef {
    pub status: PatternStatus,
    /// Every named set must match the sentence (`topic` may match the article title).
    #[serde(default)]
    pub all: Vec<String>,
    /// At least one of these sets must match the sentence.
    #[serde(default)]
    pub any: Vec<String>,
    /// None of these sets may match the sentence.
    #[serde(default)]
    pub none: Vec<String>,
    /// None of these sets may match any sentence of the same article.
    #[serde(default)]
    pub none_in_article: Vec<String>,
    /// Roles the sentence must bind. Default: clause patterns provider, both, unknown;
    /// risk patterns provider, unknown.
    #[serde(default)]
    pub party: Option<Vec<Role>>,
    /// Modality tags of which the sentence must carry one. Default: clause patterns
    /// `binding` (and effort, which turns `present` into `weak`); risk patterns any.
    #[serde(default)]
    pub modality: Option<Vec<ModalityTag>>,
    /// Effort-only wording downgrades a `present` match to `weak` (default true).
    #[serde(default = "yes")]
    pub effort_weakens: bool,
    /// A match caps the document status of the clause at this pattern's status (an
    /// exception that hands the provider its own purposes weakens the whole clause).
    #[serde(default)]
    pub cap: bool,
    /// Only in documents of this language.
    #[serde(default)]
    pub lang: Option<crate::taxonomy::Lang>,
    pub reason: Texts,
}

fn yes() -> bool {
    true
}

/// An example inside a rule file, run by the test suite.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub lang: crate::taxonomy::Lang,
    /// A document excerpt; may hold several lines, headings and sentences.
    pub text: String,
    /// The expected status of this rule's id: present | weak | missing | flagged | clear.
    pub expect: String,
    /// Why this example matters.
    #[serde(default)]
    pub note: Option<String>,
}

/// `clauses/_shared.toml`: cue sets any rule may use as `@name`, plus the engine's own
/// vocabulary (consent, exception, effort … used to compute modality tags).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedFile {
    pub cues: BTreeMap<String, Vec<String>>,
}

/// `clauses/_sensitivity.toml`: cues for each TAXONOMY §3 sensitivity id.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitivityFile {
    pub sensitivity: BTreeMap<String, SensitivityDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitivityDef {
    pub title: Texts,
    pub cues: Vec<String>,
    /// Cues that, in the same sentence, mean the data is NOT handled (「含まない」,
    /// "must not upload").
    #[serde(default)]
    pub exclude: Vec<String>,
    /// When given, the sentence must also hold one of these (literal, case-insensitive)
    /// words: data being handled, not an incidental mention ("credit card" in a billing
    /// clause, 「知的財産」).
    #[serde(default)]
    pub context: Vec<String>,
}
