//! Modality: whether a sentence obliges, forbids, permits, only asks for effort, or just
//! states — judged at the predicate that governs a cue. Japanese is head-final, so the
//! governing predicate is the first predicate ending after the cue; in English it is the
//! nearest modal before the cue (or, in a passive sentence, the first after it).

use std::sync::OnceLock;

use regex::Regex;

use crate::taxonomy::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Modality {
    Obligation,
    Prohibition,
    Permission,
    Effort,
    /// "shall not be required to", 「義務を負わない」: explicitly no duty.
    NegatedObligation,
    Statement,
}

impl Modality {
    pub fn as_str(self) -> &'static str {
        match self {
            Modality::Obligation => "obligation",
            Modality::Prohibition => "prohibition",
            Modality::Permission => "permission",
            Modality::Effort => "effort",
            Modality::NegatedObligation => "negated-obligation",
            Modality::Statement => "statement",
        }
    }
}

/// The alternatives of a predicate or modal, in the order they are tried at one position
/// (the first that matches wins, so negated forms come before their positive prefixes:
/// ことができない before ことができ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    NegObl,
    /// 「なければならない」: an obligation, but not the 「もの」 form of [`Group::Obl`].
    Obl2,
    Pro,
    Eff,
    Perm,
    Obl,
}

impl Group {
    fn modality(self) -> Modality {
        match self {
            Group::NegObl => Modality::NegatedObligation,
            Group::Pro => Modality::Prohibition,
            Group::Eff => Modality::Effort,
            Group::Perm => Modality::Permission,
            Group::Obl | Group::Obl2 => Modality::Obligation,
        }
    }
}

const JA_PREDICATES: [(Group, &str); 6] = [
    (Group::NegObl, "義務を負わない|義務を負いません|必要はない|必要はありません|要しない|要しません|責任を負わない|責任を負いません|責を負わない|一切責任を負わ|賠償しない|賠償しません|保証しない|保証しません|保証するものではありません|保証するものではない"),
    (Group::Obl2, "なければならない|なければならず|ねばならない|なければなりません"),
    (Group::Pro, "てはならない|てはならず|てはなりません|ではならない|てはいけない|ないものとする|ないものとし|ないものとします|ないこととする|ないこととします|ないこと[。とに]|ことはできない|ことはできず|ことはできません|ことができない|ことができず|ことができません|できないものと|できない|できず|できません|禁止する|禁止します|禁止され|禁じ|認めない|認めません|許されない|行わない|行いません|しない[。、]|しません|いたしません|せず|しないものと|しないよう|ないよう[にし]|[さしわかがたまられけめせえべいこぜ]ない。|ません。"),
    (Group::Eff, "努める|努めるもの|努めます|努力する|努力します|努力義務|努めなければ"),
    (Group::Perm, "ことができ|ことが可能|ことがあ|場合があ|できるものと|できる|できます|妨げない|妨げません|差し支えない|差し支えありません|自由に|権利を有する|権利を有します|権利を留保|裁量により|裁量で"),
    (Group::Obl, "ものとする|ものとし|ものとします|こととする|こととします|義務を負う|義務を負います|責任を負う|責任を負います|責を負う|負うものと|しなければ|しなくてはならない|遵守する|遵守します|講じる|講ずる|講じます|従う|従います|報告する|報告します|通知する|通知します|返還する|返却する|廃棄する|削除する|消去する|する。|します。|いたします|行う。|行います|とする。|こと。"),
];

const EN_MODALS: [(Group, &str); 5] = [
    (Group::NegObl, r"(?:shall|will|does|do|is|are)\s+not\s+(?:be\s+)?(?:required|obliged|obligated|responsible|liable)|(?:has|have|shall have|will have|bears?)\s+no\s+(?:obligation|duty|responsibility|liability)|is\s+under\s+no\s+obligation|need\s+not|not\s+(?:be\s+)?(?:obliged|obligated|required)\s+to|makes?\s+no\s+(?:representations?|warrant)"),
    (Group::Pro, r"(?:shall|will|does|do|did)\s+not\s+have\s+(?:the|any)\s+right|(?:has|have)\s+no\s+right|(?:is|are|shall\s+not\s+be|will\s+not\s+be)\s+not\s+entitled|shall\s+not|shall\s+in\s+no\s+(?:event|case)|will\s+not|won't|must\s+not|may\s+not|cannot|can\s+not|can't|(?:is|are)\s+not\s+(?:permitted|allowed|entitled|authori[sz]ed)\s+to|(?:is|are)\s+(?:prohibited|forbidden|restricted)\s+from|agrees?\s+not\s+to|undertakes?\s+not\s+to|will\s+never|shall\s+never|(?:shall|will)\s+refrain\s+from|in\s+no\s+event\s+(?:shall|will|may)|do\s+not|does\s+not|never"),
    (Group::Eff, r"commercially\s+reasonable\s+efforts|reasonable\s+(?:commercial\s+)?efforts|best\s+efforts|good\s+faith\s+efforts|reasonable\s+endeavou?rs|best\s+endeavou?rs|all\s+reasonable\s+endeavou?rs|endeavou?r\s+to|endeavou?rs\s+to|strive\s+to|strives\s+to|aims?\s+to|attempt\s+to|attempts\s+to|try\s+to|tries\s+to|seeks?\s+to|efforts\s+to"),
    (Group::Perm, r"(?:may|might|could)\s+(?:also\s+|still\s+)?(?:have|need)\s+to|may|might|(?:is|are|shall\s+be|will\s+be)\s+entitled\s+to|(?:shall|will)\s+be\s+free\s+to|reserves?\s+the\s+right|(?:has|have|shall\s+have|will\s+have|retains?)\s+the\s+right|(?:is|are)\s+(?:permitted|allowed|free|authori[sz]ed)\s+to|can|could|at\s+(?:its|our|their|his|her)\s+(?:sole\s+|absolute\s+|reasonable\s+)?discretion"),
    (Group::Obl, r"shall|must|will|agrees?\s+to|undertakes?\s+to|(?:further|hereby)\s+(?:agrees?|undertakes?|covenants?)|(?:agrees?|undertakes?|covenants?)\s+as\s+follows|(?:is|are)\s+(?:required|obliged|obligated|responsible|liable)|commits?\s+to|warrants?|ensures?|covenants?|is\s+to|are\s+to|has\s+to|have\s+to"),
];

/// One regex per alternative, searched together: a match tells which alternative it is
/// without a capture search (what a single regex of named groups would need).
struct Alternatives {
    re: regex_automata::meta::Regex,
    groups: Vec<Group>,
}

/// A match of [`Alternatives`]: its byte range and alternative.
#[derive(Debug, Clone, Copy)]
struct Found {
    start: usize,
    end: usize,
    group: Group,
}

impl Alternatives {
    /// `around` wraps each alternative (`{}` is where it goes); compiled as
    /// [`crate::text::regex`] would compile the whole alternation: ASCII mode when every
    /// alternative takes it, else Unicode mode with `\b` made ASCII.
    fn new(around: &str, alts: &[(Group, &str)]) -> Alternatives {
        let patterns: Vec<String> = alts.iter().map(|(_, p)| around.replace("{}", &format!("(?:{p})"))).collect();
        let build = |unicode: bool, patterns: &[String]| {
            regex_automata::meta::Builder::new()
                .syntax(regex_automata::util::syntax::Config::new().unicode(unicode))
                .configure(regex_automata::meta::Config::new().hybrid_cache_capacity(crate::text::DFA_CACHE))
                .build_many(patterns)
                .ok()
        };
        let re = build(false, &patterns)
            .or_else(|| build(true, &patterns.iter().map(|p| crate::text::unicode_spellings(p).remove(0)).collect::<Vec<_>>()))
            .or_else(|| build(true, &patterns))
            .expect("modality regex");
        Alternatives { re, groups: alts.iter().map(|(g, _)| *g).collect() }
    }

    /// The first match starting at or after `at` and ending by `end` (the text around
    /// still seen by `\b`).
    fn find(&self, s: &str, at: usize, end: usize) -> Option<Found> {
        let input = regex_automata::Input::new(s).span(at..end);
        self.re.find(input).map(|m| Found { start: m.start(), end: m.end(), group: self.groups[m.pattern().as_usize()] })
    }
}

struct JaPatterns {
    predicate: Alternatives,
    effort: Regex,
}

fn ja() -> &'static JaPatterns {
    static P: OnceLock<JaPatterns> = OnceLock::new();
    P.get_or_init(|| JaPatterns {
        predicate: Alternatives::new("{}", &JA_PREDICATES),
        effort: crate::text::regex("努め|努力|よう配慮|ように配慮|よう留意|ように留意|可能な限り|できる限り|最善を尽く|合理的な範囲で|商業上合理的").expect("ja effort regex"),
    })
}

struct EnPatterns {
    modal: Alternatives,
    effort: Regex,
}

fn en() -> &'static EnPatterns {
    static P: OnceLock<EnPatterns> = OnceLock::new();
    P.get_or_init(|| EnPatterns {
        modal: Alternatives::new(r"(?i)\b{}\b", &EN_MODALS),
        effort: crate::text::regex(r"(?i)\b(?:commercially\s+reasonable|reasonable\s+(?:commercial\s+)?efforts|best\s+efforts|good\s+faith\s+efforts|endeavou?r|strive|aims?\s+to|attempts?\s+to|tries?\s+to|try\s+to|seeks?\s+to)\b").expect("en effort regex"),
    })
}

/// Classifies the modality governing the cue at byte `anchor` of a normalized sentence.
/// `anchor == None` means the topic came from the article title: the main predicate of the
/// sentence governs.
pub fn classify(sentence: &str, anchor: Option<usize>, lang: Lang) -> Modality {
    match lang {
        Lang::Ja => classify_ja(sentence, anchor),
        Lang::En => classify_en(sentence, anchor),
    }
}

fn classify_ja(s: &str, anchor: Option<usize>) -> Modality {
    let p = ja();
    // The predicate after the cue; with no cue, the last predicate of the main clause
    // (before a ただし proviso).
    let main_end = s.find("ただし").or_else(|| s.find("但し")).unwrap_or(s.len());
    let found = match anchor {
        Some(a) => p.predicate.find(s, a.min(s.len()), s.len()),
        None => {
            let mut last = None;
            let mut at = 0;
            while let Some(f) = p.predicate.find(s, at, main_end) {
                at = f.end;
                last = Some(f);
            }
            last
        }
    };
    let Some(f) = found else {
        return if p.effort.is_match(s) { Modality::Effort } else { Modality::Statement };
    };
    let m = f.group.modality();
    let start = anchor.unwrap_or(0).min(s.len());
    let end = f.end;
    // 「開示しないよう努める」: the effort word right after the predicate governs it.
    let tail_end = crate::engine::parties::floor_char_boundary(s, end + 15);
    if matches!(m, Modality::Prohibition | Modality::Obligation) && p.effort.is_match(&s[end..tail_end.max(end)]) {
        return Modality::Effort;
    }
    // 「講じるよう努めるものとする」: effort wording anywhere up to the predicate wins.
    if matches!(m, Modality::Obligation) && p.effort.is_match(&s[start..end.max(start)]) {
        return Modality::Effort;
    }
    if matches!(m, Modality::Obligation | Modality::Statement) && p.effort.is_match(&s[start..]) && f.group == Group::Obl && s[f.start..f.end].starts_with("もの") {
        return Modality::Effort;
    }
    m
}

fn classify_en(s: &str, anchor: Option<usize>) -> Modality {
    let p = en();
    let anchor = anchor.unwrap_or(s.len()).min(s.len());
    // Nearest modal before the cue, within the same clause (not across a semicolon).
    let clause_start = s[..anchor].rfind([';']).map_or(0, |i| i + 1);
    let mut best: Option<Found> = None;
    let mut at = clause_start;
    while let Some(f) = p.modal.find(s, at, s.len()) {
        if f.start >= anchor {
            break;
        }
        at = f.end;
        best = Some(f);
    }
    let found = best.or_else(|| {
        // Passive or cue-first: "Sub-processors may only be engaged …".
        let clause_end = s[anchor..].find(';').map_or(s.len(), |i| anchor + i);
        p.modal.find(s, anchor, clause_end)
    });
    let Some(f) = found else {
        return if p.effort.is_match(s) { Modality::Effort } else { Modality::Statement };
    };
    let mut m = f.group.modality();
    // "Neither party may assign …", "No Sub-processor shall …", "nor shall": negated subject.
    let modal_at = f.start;
    if matches!(m, Modality::Permission | Modality::Obligation) && negated_subject().is_match(&s[clause_start..modal_at]) {
        // "Nothing in this Agreement shall prevent either party from …" permits.
        let after = s[f.end..].trim_start().to_ascii_lowercase();
        m = if ["prevent", "restrict", "limit", "prohibit", "preclude", "be construed", "be deemed to", "affect"].iter().any(|w| after.starts_with(w)) {
            Modality::Permission
        } else {
            Modality::Prohibition
        };
    }
    // Effort wording counts only within the governing predicate: from the clause start up
    // to the next modal after the governing one ("X shall permit …, and Y shall use
    // reasonable efforts to …" is no effort of X).
    let mut scope_end = s.len();
    let mut at = f.end;
    while let Some(n) = p.modal.find(s, at, s.len()) {
        if n.group != Group::Eff {
            scope_end = n.start;
            break;
        }
        at = n.end;
    }
    if matches!(m, Modality::Obligation | Modality::Permission) && p.effort.is_match(&s[clause_start.min(modal_at)..scope_end]) {
        return Modality::Effort;
    }
    m
}

fn negated_subject() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| crate::text::regex(r"(?i)(?:^|[\s,(])(?:neither|nor|no|nothing|none\s+of)\s+(?:[\w'-]+\s+){0,8}$").expect("negated subject"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ja_at(s: &str, cue: &str) -> Modality {
        classify(s, Some(s.find(cue).unwrap()), Lang::Ja)
    }
    fn en_at(s: &str, cue: &str) -> Modality {
        classify(s, Some(s.find(cue).unwrap()), Lang::En)
    }

    #[test]
    fn japanese() {
        assert_eq!(ja_at("乙は、本業務を第三者に再委託してはならない。", "再委託"), Modality::Prohibition);
        assert_eq!(ja_at("乙は、本業務を第三者に再委託することができる。", "再委託"), Modality::Permission);
        assert_eq!(ja_at("乙は、再委託することはできない。", "再委託"), Modality::Prohibition);
        assert_eq!(ja_at("乙は、安全管理措置を講じるよう努めるものとする。", "安全管理措置"), Modality::Effort);
        assert_eq!(ja_at("乙は、安全管理措置を講じなければならない。", "安全管理措置"), Modality::Obligation);
        assert_eq!(ja_at("乙は、秘密を第三者に開示しないものとする。", "秘密"), Modality::Prohibition);
        assert_eq!(ja_at("乙は、直ちに甲に報告するものとする。", "報告"), Modality::Obligation);
        assert_eq!(ja_at("当社は、データの消失について一切責任を負わないものとします。", "消失"), Modality::NegatedObligation);
        assert_eq!(ja_at("当社は、お客様データを閲覧することがあります。", "閲覧"), Modality::Permission);
        assert_eq!(ja_at("乙は、甲の承諾を得た場合に限り、再委託することができる。", "再委託"), Modality::Permission);
        assert_eq!(classify("乙は、個人情報を適切に管理するよう努める。", None, Lang::Ja), Modality::Effort);
        assert_eq!(ja_at("乙は、甲の秘密情報を第三者に開示しないよう努めるものとする。", "開示"), Modality::Effort);
        assert_eq!(ja_at("乙は、秘密を漏らしてはならない。", "秘密"), Modality::Prohibition);
        assert_eq!(ja_at("乙は、委託データを事業所の外に持ち出さない。", "持ち出"), Modality::Prohibition);
        assert_eq!(ja_at("当社は、お客様データを取り扱いません。", "お客様データ"), Modality::Prohibition);
        assert_eq!(classify("乙は、個人情報を漏えいしてはならない。ただし、法令に基づく場合はこの限りでない。", None, Lang::Ja), Modality::Prohibition);
    }

    #[test]
    fn english() {
        assert_eq!(en_at("Provider shall not engage a sub-processor without consent.", "sub-processor"), Modality::Prohibition);
        assert_eq!(en_at("Provider may engage sub-processors.", "sub-processors"), Modality::Permission);
        assert_eq!(en_at("The recipient shall be free to use Residuals for any purpose.", "use"), Modality::Permission);
        assert_eq!(classify("The parties undertake as follows:", None, Lang::En), Modality::Obligation);
        assert_eq!(en_at("Provider shall notify Customer of a breach.", "notify"), Modality::Obligation);
        assert_eq!(en_at("Provider will use commercially reasonable efforts to secure the data.", "secure"), Modality::Effort);
        assert_eq!(en_at("Supplier shall permit its records to be examined by Client, and Client shall use reasonable efforts to minimise disruption.", "examined"), Modality::Obligation);
        assert_eq!(en_at("Recipient shall hold the information in confidence and shall use reasonable efforts to protect it.", "confidence"), Modality::Obligation);
        assert_eq!(en_at("Supplier shall not be required to assist with data subject requests.", "assist"), Modality::NegatedObligation);
        assert_eq!(en_at("Sub-processors may only be engaged with prior written consent.", "Sub-processors"), Modality::Permission);
        assert_eq!(en_at("We reserve the right to modify these Terms.", "modify"), Modality::Permission);
        assert_eq!(en_at("Customer Data will be deleted within 30 days.", "deleted"), Modality::Obligation);
        assert_eq!(en_at("The Receiving Party will not disclose Confidential Information.", "disclose"), Modality::Prohibition);
        assert_eq!(en_at("Consultant shall not have the right to subcontract any obligations without consent.", "subcontract"), Modality::Prohibition);
        assert_eq!(en_at("Neither party may assign or delegate this Agreement without consent.", "assign"), Modality::Prohibition);
        assert_eq!(en_at("No Sub-processor shall be engaged without authorisation.", "engaged"), Modality::Prohibition);
        assert_eq!(en_at("Nothing in this Agreement shall prevent either party from disclosing information required by law.", "disclosing"), Modality::Permission);
        assert_eq!(en_at("We may also have to pause the service for repairs.", "pause"), Modality::Permission);
        assert_eq!(en_at("You have to keep your password secret.", "keep"), Modality::Obligation);
    }
}
