//! The shared vocabulary of TAXONOMY.md: clause and risk ids, statuses, profiles,
//! sensitivity ids and the cloud-exception verdict. Ids are stable strings used by rule
//! files, reports, gold labels and the evaluation, so they live in one place.

use serde::{Deserialize, Serialize};

/// The §1 required-clause ids, in the order of the taxonomy table.
pub const CLAUSE_IDS: [&str; 17] = [
    "confidentiality",
    "purpose-limitation",
    "no-takeout",
    "copy-restriction",
    "subcontracting",
    "breach-notification",
    "breach-liability",
    "return-deletion",
    "staff-supervision",
    "compliance-reporting",
    "audit-rights",
    "security-measures",
    "handler-designation",
    "data-location",
    "processing-instructions",
    "data-subject-assistance",
    "no-access-commitment",
];

/// The §2 risk-flag ids, in the order of the taxonomy table.
pub const RISK_IDS: [&str; 11] = [
    "provider-access",
    "provider-data-use",
    "free-subcontracting",
    "unilateral-change",
    "liability-exclusion",
    "data-loss-disclaimer",
    "deletion-without-return",
    "overseas-transfer",
    "foreign-law",
    "unilateral-suspension",
    "government-disclosure",
];

/// The §3 sensitivity ids.
pub const SENSITIVITY_IDS: [&str; 6] =
    ["mynumber", "special-care", "credit", "financial", "credentials", "bulk-personal"];

/// Whether an id names a required clause (§1) or a risk flag (§2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdKind {
    Clause,
    Risk,
}

pub fn id_kind(id: &str) -> Option<IdKind> {
    if CLAUSE_IDS.contains(&id) {
        Some(IdKind::Clause)
    } else if RISK_IDS.contains(&id) {
        Some(IdKind::Risk)
    } else {
        None
    }
}

/// Status of a §1 clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClauseStatus {
    Present,
    Weak,
    Missing,
}

impl ClauseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClauseStatus::Present => "present",
            ClauseStatus::Weak => "weak",
            ClauseStatus::Missing => "missing",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "present" => Some(Self::Present),
            "weak" => Some(Self::Weak),
            "missing" => Some(Self::Missing),
            _ => None,
        }
    }
}

/// Status of a §2 risk flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiskStatus {
    Flagged,
    Clear,
}

impl RiskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskStatus::Flagged => "flagged",
            RiskStatus::Clear => "clear",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "flagged" => Some(Self::Flagged),
            "clear" => Some(Self::Clear),
            _ => None,
        }
    }
}

/// How much a profile demands a clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Requirement {
    Required,
    Recommended,
    NotRequired,
}

impl Requirement {
    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::Required => "required",
            Requirement::Recommended => "recommended",
            Requirement::NotRequired => "not-required",
        }
    }
}

/// A profile of TAXONOMY §5. `Auto` is resolved per document before assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    Mynumber,
    Appi,
    Gdpr,
    Cloud,
    Auto,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Mynumber => "mynumber",
            Profile::Appi => "appi",
            Profile::Gdpr => "gdpr",
            Profile::Cloud => "cloud",
            Profile::Auto => "auto",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "mynumber" => Some(Self::Mynumber),
            "appi" => Some(Self::Appi),
            "gdpr" => Some(Self::Gdpr),
            "cloud" => Some(Self::Cloud),
            "auto" => Some(Self::Auto),
            _ => None,
        }
    }

    /// (required, recommended) clause ids of the profile.
    pub fn clauses(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Profile::Mynumber => (
                &[
                    "confidentiality",
                    "no-takeout",
                    "purpose-limitation",
                    "subcontracting",
                    "breach-liability",
                    "breach-notification",
                    "return-deletion",
                    "staff-supervision",
                    "compliance-reporting",
                ],
                &["handler-designation", "audit-rights", "security-measures"],
            ),
            Profile::Appi => (
                &[
                    "security-measures",
                    "confidentiality",
                    "purpose-limitation",
                    "subcontracting",
                    "breach-notification",
                    "return-deletion",
                    "compliance-reporting",
                ],
                &[
                    "staff-supervision",
                    "audit-rights",
                    "copy-restriction",
                    "no-takeout",
                    "data-location",
                    "breach-liability",
                ],
            ),
            Profile::Gdpr => (
                &[
                    "processing-instructions",
                    "staff-supervision",
                    "security-measures",
                    "subcontracting",
                    "data-subject-assistance",
                    "breach-notification",
                    "return-deletion",
                    "audit-rights",
                ],
                &["confidentiality", "data-location"],
            ),
            Profile::Cloud => (
                &["security-measures", "breach-notification", "return-deletion", "confidentiality"],
                &["no-access-commitment", "data-location", "audit-rights"],
            ),
            Profile::Auto => (&[], &[]),
        }
    }

    pub fn requirement(self, id: &str) -> Requirement {
        let (req, rec) = self.clauses();
        if req.contains(&id) {
            Requirement::Required
        } else if rec.contains(&id) {
            Requirement::Recommended
        } else {
            Requirement::NotRequired
        }
    }

    /// The legal basis of the profile, as TAXONOMY §5 names it.
    pub fn basis(self) -> &'static str {
        match self {
            Profile::Mynumber => "特定個人情報の適正な取扱いに関するガイドライン(事業者編) 第4-2-(1) 委託の取扱い; 番号法 第10条・第11条",
            Profile::Appi => "個人情報保護法 第23条・第24条・第25条; 通則ガイドライン 3-4-4",
            Profile::Gdpr => "GDPR Art. 28(3) (a)–(h), Art. 28(2), Art. 33(2)",
            Profile::Cloud => "PPC 注意喚起 (2024-03-25) on cloud providers; Q&A 7-53",
            Profile::Auto => "",
        }
    }
}

/// Cloud-exception verdict of TAXONOMY §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CloudVerdict {
    Entrustment,
    CloudExceptionPossible,
    Undetermined,
}

impl CloudVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            CloudVerdict::Entrustment => "entrustment",
            CloudVerdict::CloudExceptionPossible => "cloud-exception-possible",
            CloudVerdict::Undetermined => "undetermined",
        }
    }
}

/// Document language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

/// Document kind of TAXONOMY §6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocKind {
    Entrustment,
    Dpa,
    Tos,
    Nda,
    SpecialTerms,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Entrustment => "entrustment",
            DocKind::Dpa => "dpa",
            DocKind::Tos => "tos",
            DocKind::Nda => "nda",
            DocKind::SpecialTerms => "special-terms",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_disjoint() {
        let mut all: Vec<&str> = CLAUSE_IDS.iter().chain(RISK_IDS.iter()).copied().collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 28);
    }

    #[test]
    fn profiles_only_name_clause_ids() {
        for p in [Profile::Mynumber, Profile::Appi, Profile::Gdpr, Profile::Cloud] {
            let (req, rec) = p.clauses();
            for id in req.iter().chain(rec) {
                assert_eq!(id_kind(id), Some(IdKind::Clause), "{id} in {}", p.as_str());
            }
            assert!(req.iter().all(|id| !rec.contains(id)));
        }
        assert_eq!(Profile::Mynumber.requirement("no-takeout"), Requirement::Required);
        assert_eq!(Profile::Appi.requirement("no-takeout"), Requirement::Recommended);
        assert_eq!(Profile::Cloud.requirement("no-takeout"), Requirement::NotRequired);
    }
}
