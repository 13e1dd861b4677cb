//! Parties and roles: who is the customer (hands data over) and who is the provider
//! (receives or hosts it), resolved from the preamble and definitions, and which party a
//! given sentence binds. A required clause only counts when it binds the provider.

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;

use crate::rules::Role;
use crate::taxonomy::Lang;

/// A party mention that can be a sentence's subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    start: usize,
    role: Role,
    /// Japanese: 'w' (は/も/において) or 'g' (が); English: ' '.
    particle: char,
}

/// The anchor-independent reading of one sentence's parties ([`Parties::sentence`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentenceParties {
    subjects: Vec<Subject>,
    framing: Option<Role>,
}

/// One match of the party terms in a whole document ([`Parties::scan`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermHit {
    start: u32,
    end: u32,
    key: u32,
}

/// The document's party vocabulary: term → role.
#[derive(Debug, Clone)]
pub struct Parties {
    pub terms: BTreeMap<String, Role>,
    finder: TermFinder,
    /// The role of each term by its [`TermFinder`] id.
    roles: Vec<Role>,
    lang: Lang,
    /// Every space-separated word of every term ("service provider" gives "service" and
    /// "provider"), for [`Parties::is_party_word`], asked for each word of each capitalised
    /// name in a sentence. Built on first use: most documents never ask.
    party_words: OnceLock<HashSet<String>>,
}

const JA_PROVIDER: &[&str] = &[
    "乙", "受託者", "受託事業者", "業務受託者", "受注者", "委託先", "当社", "弊社", "提供者", "サービス提供者", "提供事業者", "本サービス提供者",
    "処理者", "受領者", "受領当事者", "情報受領者", "事業者", "ベンダー", "クラウド事業者", "当サービス",
];
const JA_CUSTOMER: &[&str] = &[
    "甲", "委託者", "委託元", "発注者", "お客様", "お客さま", "利用者", "契約者", "本契約者", "ユーザー", "ユーザ", "会員", "加入者", "申込者", "利用企業",
    "開示者", "開示当事者", "情報開示者", "導入企業", "顧客", "登録ユーザー", "本利用者", "あなた", "貴社", "加盟店", "購入者",
];
const JA_BOTH: &[&str] = &[
    "甲及び乙", "甲および乙", "甲乙", "甲又は乙", "甲または乙", "乙及び甲", "乙又は甲", "両当事者", "各当事者", "当事者双方", "甲乙双方", "甲乙いずれ", "双方",
    "いずれの当事者", "本契約の当事者", "各当事者は", "当事者", "相手方", "いずれも",
];
const JA_THIRD: &[&str] = &["丙", "再委託先", "第三者", "下請", "再受託者"];

const EN_PROVIDER: &[&str] = &[
    "provider", "service provider", "processor", "data processor", "supplier", "vendor", "contractor", "consultant", "recipient",
    "receiving party", "we", "us", "data importer", "host", "hosting provider", "licensor", "company",
];
const EN_CUSTOMER: &[&str] = &[
    "customer", "client", "controller", "data controller", "subscriber", "user", "you", "licensee", "disclosing party", "data exporter",
    "purchaser", "buyer", "member", "account holder", "end user",
];
const EN_BOTH: &[&str] = &[
    "each party", "either party", "both parties", "the parties", "neither party", "each of the parties", "a party", "party", "parties",
    "each of provider and customer", "the receiving party and the disclosing party",
];
const EN_THIRD: &[&str] = &["sub-processor", "subprocessor", "subcontractor", "third party", "third parties", "affiliate"];

/// Finds a document's party terms, leftmost-longest and ASCII case-insensitively, with two
/// automata: the default vocabulary of the language, built once, and the few terms the
/// document defines, built per document (building one automaton over all of them cost as
/// much as analysing a short contract).
#[derive(Debug, Clone)]
struct TermFinder {
    base: &'static (AhoCorasick, Vec<String>),
    extra: Option<(AhoCorasick, Vec<String>)>,
}

fn term_automaton(keys: &[String]) -> AhoCorasick {
    AhoCorasickBuilder::new().ascii_case_insensitive(true).match_kind(MatchKind::LeftmostLongest).build(keys).expect("party automaton")
}

fn default_terms(lang: Lang) -> &'static [&'static [&'static str]; 4] {
    match lang {
        Lang::Ja => &[JA_PROVIDER, JA_CUSTOMER, JA_BOTH, JA_THIRD],
        Lang::En => &[EN_PROVIDER, EN_CUSTOMER, EN_BOTH, EN_THIRD],
    }
}

/// The default vocabulary of `lang`, sorted and without repeats: the base automaton's
/// keys, whose index is a term's id. The rule set's automaton holds them too, so that its
/// pass over a document finds them ([`Parties::scan_from`]).
pub fn base_keys(lang: Lang) -> &'static [String] {
    static JA: OnceLock<Vec<String>> = OnceLock::new();
    static EN: OnceLock<Vec<String>> = OnceLock::new();
    match lang {
        Lang::Ja => &JA,
        Lang::En => &EN,
    }
    .get_or_init(|| {
        let mut keys: Vec<String> = default_terms(lang).iter().flat_map(|l| l.iter().map(|t| t.to_string())).collect();
        keys.sort();
        keys.dedup();
        keys
    })
}

impl TermFinder {
    fn new(lang: Lang, terms: &BTreeMap<String, Role>) -> TermFinder {
        static JA: OnceLock<(AhoCorasick, Vec<String>)> = OnceLock::new();
        static EN: OnceLock<(AhoCorasick, Vec<String>)> = OnceLock::new();
        let base = match lang {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
        .get_or_init(|| {
            let keys = base_keys(lang).to_vec();
            (term_automaton(&keys), keys)
        });
        let extra: Vec<String> = terms.keys().filter(|k| base.1.binary_search(k).is_err()).cloned().collect();
        let extra = (!extra.is_empty()).then(|| (term_automaton(&extra), extra));
        TermFinder { base, extra }
    }

    /// [`TermFinder::find_ids`] with the keys themselves.
    #[cfg(test)]
    fn find_iter<'a>(&'a self, hay: &'a str) -> impl Iterator<Item = (usize, usize, &'a str)> + 'a {
        self.find_ids(hay).map(|(st, en, id)| (st, en, self.key(id)))
    }

    /// How many keys there are (ids `0..len`).
    fn len(&self) -> usize {
        self.base.1.len() + self.extra.as_ref().map_or(0, |(_, k)| k.len())
    }

    /// A key by its id: the base automaton's keys, then the extra one's.
    fn key(&self, id: u32) -> &str {
        let id = id as usize;
        match self.base.1.get(id) {
            Some(k) => k,
            None => &self.extra.as_ref().expect("an id past the base keys is an extra key").1[id - self.base.1.len()],
        }
    }

    /// `(start, end, key id)` of each term ([`TermFinder::key`]), left to right without
    /// overlap: at each position the leftmost match of either automaton, the longer one on
    /// a tie — what one automaton over all the terms would give.
    fn find_ids<'a>(&'a self, hay: &'a str) -> impl Iterator<Item = (usize, usize, u32)> + 'a {
        let base = &self.base.0;
        self.merge_ids(hay, move |pos| base.find(aho_corasick::Input::new(hay).span(pos..hay.len())).map(|m| (m.start(), m.end(), m.pattern().as_usize() as u32)))
    }

    /// [`TermFinder::find_ids`] with the base terms' matches already known: `base` holds
    /// every match of every base term in `hay` (`(start, end, id)`, overlapping), sorted
    /// by start and, at one start, longest first. The first one at or after a position is
    /// then the base automaton's leftmost-longest match from there.
    fn find_ids_from<'a>(&'a self, hay: &'a str, base: &'a [(u32, u32, u32)]) -> impl Iterator<Item = (usize, usize, u32)> + 'a {
        let mut k = 0;
        self.merge_ids(hay, move |pos| {
            while base.get(k).is_some_and(|m| (m.0 as usize) < pos) {
                k += 1;
            }
            base.get(k).map(|&(st, en, id)| (st as usize, en as usize, id))
        })
    }

    /// The leftmost-longest merge of the base matches (`base_from(pos)`: the base terms'
    /// leftmost-longest match starting at or after `pos`, asked at positions that never
    /// go back) with the extra automaton's.
    fn merge_ids<'a>(&'a self, hay: &'a str, mut base_from: impl FnMut(usize) -> Option<(usize, usize, u32)> + 'a) -> impl Iterator<Item = (usize, usize, u32)> + 'a {
        let mut pos = 0;
        // The next match of each from an earlier position stays the next one as long as
        // it starts at or after the current position.
        let mut next_base: Option<Option<(usize, usize, u32)>> = None;
        let mut next_extra: Option<Option<(usize, usize, u32)>> = None;
        let first_extra = self.base.1.len() as u32;
        std::iter::from_fn(move || {
            if pos > hay.len() {
                return None;
            }
            if next_base.is_none_or(|n| n.is_some_and(|m| m.0 < pos)) {
                next_base = Some(base_from(pos));
            }
            let b = next_base.flatten();
            let e = match &self.extra {
                Some((ac, _)) => {
                    if next_extra.is_none_or(|n| n.is_some_and(|m| m.0 < pos)) {
                        next_extra = Some(ac.find(aho_corasick::Input::new(hay).span(pos..hay.len())).map(|m| (m.start(), m.end(), first_extra + m.pattern().as_usize() as u32)));
                    }
                    next_extra.flatten()
                }
                None => None,
            };
            let m = match (b, e) {
                (None, None) => return None,
                (Some(b), None) => b,
                (None, Some(e)) => e,
                (Some(b), Some(e)) => {
                    if (e.0, std::cmp::Reverse(e.1)) < (b.0, std::cmp::Reverse(b.1)) {
                        e
                    } else {
                        b
                    }
                }
            };
            pos = m.1.max(m.0 + 1);
            Some(m)
        })
    }
}

impl Parties {
    /// Resolves the party vocabulary of a document from its (normalized) text.
    pub fn resolve(text: &str, lang: Lang) -> Parties {
        let mut terms: BTreeMap<String, Role> = BTreeMap::new();
        let [p, c, b, t] = default_terms(lang);
        for (list, role) in [(p, Role::Provider), (c, Role::Customer), (b, Role::Both), (t, Role::ThirdParty)] {
            for term in list.iter() {
                terms.insert(term.to_string(), role);
            }
        }
        match lang {
            Lang::Ja => resolve_ja(text, &mut terms),
            Lang::En => {
                resolve_en(text, &mut terms);
                if signed_in_first_person(text) {
                    terms.insert("i".into(), Role::Provider);
                }
                non_parties_en(text, &mut terms);
                if you_receive_information(text) {
                    terms.insert("you".into(), Role::Provider);
                    terms.insert("we".into(), Role::Customer);
                    terms.insert("us".into(), Role::Customer);
                }
            }
        }
        let finder = TermFinder::new(lang, &terms);
        let roles = (0..finder.len() as u32).map(|id| terms[finder.key(id)]).collect();
        Parties { terms, finder, roles, lang, party_words: OnceLock::new() }
    }

    /// Terms of the preamble and definitions whose role differs from the defaults, or that
    /// the document defines, for the report.
    pub fn summary(&self, text: &str, hits: &[TermHit]) -> Vec<(String, Role)> {
        let mut seen: Vec<(String, Role)> = Vec::new();
        for (st, en, id) in hits.iter().map(|h| (h.start as usize, h.end as usize, h.key)) {
            let (key, role) = (self.finder.key(id), self.roles[id as usize]);
            if matches!(role, Role::Provider | Role::Customer) && !seen.iter().any(|(k, _)| k == key) {
                if self.lang == Lang::En && (!is_word_at(text, st, en) || !first_person_at(text, st, en, key)) {
                    continue;
                }
                let surface = &text[st..en];
                if self.lang == Lang::En && surface.chars().next().is_some_and(|c| c.is_lowercase()) && !matches!(key, "we" | "you" | "us") {
                    continue;
                }
                seen.push((key.to_string(), role));
            }
            if seen.len() >= 6 {
                break;
            }
        }
        seen
    }

    /// The role bound by the predicate that governs a cue at byte `anchor` of `sentence`
    /// (`None` when the sentence names no party).
    pub fn role_at(&self, sentence: &str, anchor: usize) -> Option<Role> {
        self.role_in(sentence, anchor, &self.sentence(sentence))
    }

    /// What [`Parties::role_at`] reads from `sentence` whatever the anchor — the party
    /// mentions that can be subjects, and (English) the framing party — to be kept and
    /// reused for every anchor asked about in the same sentence.
    pub fn sentence(&self, s: &str) -> SentenceParties {
        self.sentence_with(s, self.finder.find_ids(s))
    }

    /// The term matches of `text`, left to right without overlap, for [`Parties::summary`]
    /// and [`Parties::sentence_in`]: one scan of the document instead of one per sentence.
    pub fn scan(&self, text: &str) -> Vec<TermHit> {
        self.finder.find_ids(text).map(|(st, en, key)| TermHit { start: st as u32, end: en as u32, key }).collect()
    }

    /// [`Parties::scan`] from every match of the base terms in `text` (`(start, end,
    /// id)` by [`base_keys`] of the document's language, sorted by start and longest
    /// first), as the rule set's automaton pass finds them: only the document's own terms
    /// are searched for.
    pub fn scan_from(&self, text: &str, base: &[(u32, u32, u32)]) -> Vec<TermHit> {
        self.finder.find_ids_from(text, base).map(|(st, en, key)| TermHit { start: st as u32, end: en as u32, key }).collect()
    }

    /// [`Parties::sentence`] of `text[range]`, read from the document's `hits`
    /// ([`Parties::scan`]). A scan that restarts at the sentence finds what the document
    /// scan found there unless a document match crosses one of the sentence's ends; then
    /// the sentence is scanned on its own.
    pub fn sentence_in(&self, text: &str, range: std::ops::Range<usize>, hits: &[TermHit]) -> SentenceParties {
        let s = &text[range.clone()];
        let (from, to) = (range.start as u32, range.end as u32);
        let i = hits.partition_point(|h| h.start < from);
        let n = hits[i..].partition_point(|h| h.start < to);
        let inside = &hits[i..i + n];
        let crosses_start = i > 0 && hits[i - 1].end > from;
        let crosses_end = inside.last().is_some_and(|h| h.end > to);
        if crosses_start || crosses_end {
            return self.sentence(s);
        }
        self.sentence_with(s, inside.iter().map(|h| ((h.start - from) as usize, (h.end - from) as usize, h.key)))
    }

    fn sentence_with<'a>(&'a self, s: &'a str, raw: impl Iterator<Item = (usize, usize, u32)> + 'a) -> SentenceParties {
        match self.lang {
            Lang::Ja => SentenceParties { subjects: self.subjects_ja(s, raw), framing: None },
            Lang::En => self.subjects_en(s, raw),
        }
    }

    /// [`Parties::role_at`] with the sentence's [`Parties::sentence`] already read.
    pub fn role_in(&self, sentence: &str, anchor: usize, sp: &SentenceParties) -> Option<Role> {
        let anchor = floor_char_boundary(sentence, anchor);
        match self.lang {
            Lang::Ja => self.role_ja(sentence, anchor, sp),
            Lang::En => self.role_en(sentence, anchor, sp),
        }
    }

    fn mentions<'a>(&'a self, sentence: &'a str, raw: impl Iterator<Item = (usize, usize, u32)> + 'a) -> impl Iterator<Item = (usize, usize, Role)> + 'a {
        raw.filter_map(move |(st, en, id)| {
            let key = self.finder.key(id);
            // "third-party", "non-party": the second half of a hyphenated word is no party.
            if self.lang == Lang::En && (!is_word_at(sentence, st, en) || sentence[..st].ends_with('-') || !first_person_at(sentence, st, en, key)) {
                return None;
            }
            Some((st, en, self.roles[id as usize]))
        })
    }

    /// Japanese subjects: a party term followed by は/が/も (optionally through 「の従業者」
    /// etc.: 「乙の従業者は」 binds 乙), with the particle.
    fn subjects_ja<'a>(&'a self, s: &'a str, raw: impl Iterator<Item = (usize, usize, u32)> + 'a) -> Vec<Subject> {
        let mut out = Vec::new();
        for (st, en, role) in self.mentions(s, raw) {
            let rest = s[en..].trim_start();
            let rest = strip_staff_suffix(rest);
            let particle = if rest.starts_with("は") || rest.starts_with("も") || rest.starts_with("において") {
                'w'
            } else if rest.starts_with("が") {
                'g'
            } else {
                continue;
            };
            out.push(Subject { start: st, role, particle });
        }
        out
    }

    fn role_ja(&self, s: &str, anchor: usize, sp: &SentenceParties) -> Option<Role> {
        let mut topic: Option<(usize, Role)> = None; // last は-subject before the anchor
        let mut first_topic: Option<Role> = None;
        let mut ga: Option<(usize, Role)> = None; // last が-subject before the anchor
        for &Subject { start: st, role, particle } in &sp.subjects {
            if particle == 'w' && first_topic.is_none() {
                first_topic = Some(role);
            }
            if st >= anchor {
                continue;
            }
            match particle {
                'w' => topic = Some((st, role)),
                _ => ga = Some((st, role)),
            }
        }
        // 「お客様は、当社がお客様データを統計に利用することに同意する」: the cue's verb is
        // in a complement clause whose subject is the nearest が-party.
        let after = &s[anchor.min(s.len())..];
        let complement = complement_re().is_match(after.get(..after.len().min(60)).unwrap_or(after));
        if let Some((gpos, grole)) = ga {
            let conditional = s.get(gpos..anchor).is_some_and(|between| conditional_re().is_match(between));
            if complement && !conditional {
                return Some(grole);
            }
            if topic.is_none() && !conditional {
                return Some(grole);
            }
        }
        topic.map(|(_, r)| r).or(first_topic)
    }

    /// English subjects: the party mentions followed by their verb (not objects, not
    /// data, not inside a relative clause), and the framing party.
    fn subjects_en<'a>(&'a self, s: &'a str, raw: impl Iterator<Item = (usize, usize, u32)> + 'a) -> SentenceParties {
        let mut subjects = Vec::new();
        // "You acknowledge and agree that X …": the framing party binds nothing itself when
        // another subject follows; it is only the fallback.
        let mut framing: Option<Role> = None;
        for (st, en, role) in self.mentions(s, raw) {
            if framing_re().is_match(&s[en..]) {
                if framing.is_none() && !object_position_re().is_match(&s[..st]) {
                    framing = Some(role);
                }
                continue;
            }
            // Possessive: "Provider's personnel shall" binds the Provider.
            let mut rest = &s[en..];
            // "We're not responsible", "we'll close your account": a subject and its verb.
            let contracted = is_contracted_verb(rest);
            let possessive = if contracted { None } else { rest.strip_prefix("'s").or_else(|| rest.strip_prefix("'")) };
            if let Some(r) = possessive {
                // "… are BOMI's property and will be surrendered": after a copula the
                // possessive is the predicate, not the subject.
                let head = s[..st].trim_end().trim_end_matches("the").trim_end();
                let last = head.rsplit(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or("");
                if ["is", "are", "was", "were", "be", "been", "remain", "remains", "become", "becomes"].iter().any(|w| last.eq_ignore_ascii_case(w)) {
                    continue;
                }
                // Only "X's personnel shall …" (a short noun phrase, then a modal) binds X;
                // "upon the Disclosing Party's written request, …" does not.
                match possessive_subject(r) {
                    Some(after) => rest = after,
                    None => continue,
                }
            }
            let rest = rest.trim_start().trim_start_matches(',').trim_start();
            if !contracted && !subject_verb_re().is_match(rest) {
                continue;
            }
            // "notify the Disclosing Party promptly", "inform us immediately": an object.
            if object_position_re().is_match(&s[..st]) {
                continue;
            }
            // "the materials that BOMI furnishes … will be surrendered": the subject of a
            // relative clause on the data is not the one the sentence binds.
            if data_relative_re().is_match(&s[..st]) {
                continue;
            }
            subjects.push(Subject { start: st, role, particle: ' ' });
        }
        SentenceParties { subjects, framing }
    }

    fn role_en(&self, s: &str, anchor: usize, sp: &SentenceParties) -> Option<Role> {
        // The last subject before the anchor binds; else the first after it.
        let mut best: Option<(usize, Role)> = None;
        let mut first_after: Option<Role> = None;
        for sub in &sp.subjects {
            if sub.start < anchor {
                best = Some((sub.start, sub.role));
            } else if first_after.is_none() {
                first_after = Some(sub.role);
            }
        }
        let framing = sp.framing;
        // A subject the vocabulary does not know ("Garmin may …", "THE ACME ENTITIES ARE NOT
        // LIABLE", "Booking.com reserves the right …") is a party of unknown role: the
        // sentence must not inherit the previous sentence's party.
        // A company name the vocabulary does not know, as the subject ("Garmin may …", "THE
        // ACME ENTITIES ARE NOT LIABLE"), binds instead of a customer named later or only in a
        // framing clause ("… losses you may suffer").
        let reading = best.map(|(_, r)| r).or(first_after).or(framing);
        if reading == Some(Role::Customer) && self.names_subject(s, anchor, best.map(|(p, _)| p)) {
            return Some(Role::Unknown);
        }
        // "Acme may terminate your access if Acme finds that a third party is …": a party
        // named only after the cue does not displace the unknown company before it.
        if best.is_none() && matches!(reading, Some(Role::ThirdParty | Role::Both)) && self.names_subject(s, anchor, None) {
            return Some(Role::Unknown);
        }
        reading
    }

    /// Whether a name the vocabulary does not know is the subject of a verb before `anchor`
    /// (and after the party mention at `after`, if any): "Garmin may modify these Terms",
    /// "Booking.com reserves the right …". Such a sentence has a party of unknown role; it
    /// must not inherit the previous sentence's party.
    pub fn names_subject(&self, s: &str, anchor: usize, after: Option<usize>) -> bool {
        if self.lang != Lang::En {
            return false;
        }
        let anchor = floor_char_boundary(s, anchor);
        named_subject_before(s, anchor, |w| self.is_party_word(w)).is_some_and(|pos| after.is_none_or(|a| pos > a))
    }

    /// Whether a word is (part of) a term of the party vocabulary.
    ///
    /// A word has no spaces, so it equals a whole term only if that term is one word, its
    /// own only part: one set lookup answers both questions.
    fn is_party_word(&self, w: &str) -> bool {
        let words = self.party_words.get_or_init(|| self.terms.keys().flat_map(|k| k.split(' ')).map(str::to_string).collect());
        words.contains(&w.to_lowercase())
    }
}

fn framing_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        crate::text::regex(r"(?i)^,?\s+(?:(?:hereby|expressly|further|also|specifically|fully)\s+)?(?:acknowledges?|agrees?|understands?|accepts?|confirms?|recogni[sz]es?|represents?|warrants?)(?:,?\s+(?:and|&)\s+(?:acknowledges?|agrees?|understands?|accepts?|confirms?|recogni[sz]es?))?,?\s+that\b")
            .expect("framing regex")
    })
}

/// Capitalized words that open a sentence or clause but name no party.
const NOT_A_NAME: &[&str] = &[
    "the", "this", "these", "that", "those", "it", "its", "such", "any", "all", "each", "every", "no", "nothing", "none", "if", "when", "where", "whether",
    "your", "our", "their", "his", "her", "in", "on", "at", "for", "to", "of", "by", "as", "upon", "unless", "except", "some", "certain", "other",
    "please", "notwithstanding", "subject", "neither", "either", "both", "you", "we", "they", "he", "she", "i", "also", "however", "accordingly",
    "therefore", "thus", "further", "furthermore", "moreover", "additionally", "and", "or", "but", "nor", "so", "then", "there", "here", "which", "who",
    "what", "while", "although", "because", "since", "after", "before", "until", "once", "with", "without", "from", "into", "under", "within", "only",
    "note", "section", "article", "clause", "paragraph", "schedule", "annex", "exhibit", "appendix", "agreement", "terms", "policy", "a", "an", "one",
    "many", "most", "several", "users", "user", "member", "members", "people", "anyone", "everyone", "someone", "nobody", "account", "accounts",
    "information", "content", "data", "fees", "prices", "payment", "payments", "including", "yes", "my", "me", "us", "them", "term", "service", "services",
];

/// The start of the last capitalized name (not a party term) that is the subject of a
/// verb and starts before `anchor`: "Garmin may", "Snap Group Limited will", "EA reserves".
fn named_subject_before(s: &str, anchor: usize, is_party_word: impl Fn(&str) -> bool) -> Option<usize> {
    static R: OnceLock<Regex> = OnceLock::new();
    let re = R.get_or_init(|| {
        crate::text::regex(
            r"\b((?:[A-Z]|[a-z]{1,3}[A-Z])[A-Za-z0-9&.'’-]*(?:\s+(?:[A-Z][A-Za-z0-9&.'’-]*|of|and|&))*?)(?:'s|’s)?(?:,\s*[A-Z][A-Za-z0-9&.'’-]*(?:\s+[A-Z][A-Za-z0-9&.'’-]*)*)*(?i:,?\s+(?:and|or)\s+(?:its|their)(?:,?\s+[a-z-]+){1,4}?)?,?\s+(?i:(?:(?:also|further|hereby|expressly|explicitly|specifically|only|not|then|itself|alone|solely|never|nonetheless|nevertheless|therefore)\s+){0,2}(?:may|will|shall|must|can|cannot|can't|won't|might|could|would|should|reserves?|retains?|is|are|does|do|has|have|accepts?|assumes?|takes?|disclaims?|excludes?|makes?)\b)",
        )
        .expect("named subject regex")
    });
    let mut found = None;
    let mut at = 0;
    // The name starts where the match does: a match at or after the anchor ends the
    // search before its groups are read.
    while let Some(m) = re.find_at(s, at).filter(|m| m.start() < anchor) {
        let Some(c) = re.captures_at(s, m.start()) else { break };
        let name = c.get(1).unwrap();
        at = name.end();
        // Drop leading words that are no name ("The Yelp Entities" -> "Yelp Entities").
        let words: Vec<&str> = name.as_str().split_whitespace().collect();
        let skip = words.iter().take_while(|w| NOT_A_NAME.contains(&w.to_lowercase().trim_end_matches(['.', ',']))).count();
        let rest = &words[skip..];
        let bare = |w: &str| -> String {
            let w = w.trim_end_matches(['.', ',']);
            w.strip_suffix("'s").or_else(|| w.strip_suffix("’s")).or_else(|| w.strip_suffix("'S")).or_else(|| w.strip_suffix("’S")).unwrap_or(w).to_string()
        };
        if rest.is_empty() || rest.iter().any(|w| is_party_word(&bare(w))) {
            continue;
        }
        if NOT_A_NAME.contains(&rest.last().unwrap().to_lowercase().as_str()) {
            continue;
        }
        // A possessive ("Provider's") was stripped by the regex; an object position is no subject.
        if object_position_re().is_match(&s[..name.start()]) {
            continue;
        }
        found = Some(name.start());
    }
    found
}

fn strip_staff_suffix(rest: &str) -> &str {
    for suffix in ["の従業者", "の従業員", "の役員", "の社員", "の担当者", "の作業員", "の役職員", "の再委託先", "の委託先", "自身", "自ら", "側"] {
        if let Some(r) = rest.strip_prefix(suffix) {
            let r = r.strip_prefix("等").unwrap_or(r);
            return r;
        }
    }
    rest
}

/// An undertaking signed by one person in the first person ("I understand that I may use
/// the Confidential Information only …", "I agree to return …"): "I" receives the
/// information and is bound — the provider. Twice at least, with a capital I.
fn signed_in_first_person(text: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    let re = R.get_or_init(|| {
        crate::text::regex(r"\bI\s+(?:(?:further|also|hereby)\s+)?(?:agree|understand|acknowledge|certify|accept|undertake|will|shall|must|am|have\s+read)\b").expect("first person regex")
    });
    re.find_iter(text).take(2).count() == 2 && text.contains("onfidential")
}

/// The term "i" counts only as the pronoun: a capital I, not the item label "(i)".
fn first_person_at(s: &str, start: usize, end: usize, key: &str) -> bool {
    key != "i" || (&s[start..end] == "I" && !s[..start].ends_with('(') && !s[end..].starts_with([')', '.']))
}

fn is_word_at(s: &str, start: usize, end: usize) -> bool {
    let before_ok = s[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
    let after_ok = s[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
    before_ok && after_ok
}

/// "'re", "'ll", "'ve", "'d" right after a party word: a contracted verb ("we're", "you'll"),
/// not a possessive.
fn is_contracted_verb(rest: &str) -> bool {
    let Some(r) = rest.strip_prefix('\'') else { return false };
    ["re", "ll", "ve", "d"].iter().any(|c| {
        r.len() >= c.len()
            && r[..c.len()].eq_ignore_ascii_case(c)
            && r[c.len()..].chars().next().is_none_or(|ch| !ch.is_alphanumeric())
    })
}

fn subject_verb_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        crate::text::regex(
            r"(?i)^(?:\([^)]{0,40}\)\s*)?(?:(?:and|or)\s+(?:its|their|our|his|her)\s+(?:[\w-]+,?\s+){1,4}?)?(?:(?:hereby|also|promptly|immediately|only|further|itself|themselves|then|not|each|alone|solely|expressly|explicitly|specifically|nonetheless|nevertheless|therefore|furthermore|irrevocably)\s+){0,2}(?:(?:will|shall|may|might|must|can|could|should|would|agrees?|acknowledges?|is|are|was|has|have|had|does|do|did|reserves?|retains?|undertakes?|warrants?|represents?|commits?|covenants?|cannot|won't|needs?|uses?|processes|stores?|accesses|collects?|discloses?|provides?|performs?|maintains?|implements?|notif(?:y|ies)|keeps?|makes?|ensures?|bears?|remains?|engages?|appoints?|permits?|allows?|grants?|requests?|instructs?|owns?|retain|obtains?|deletes?|returns?|destroys?|assumes?|accepts?|understands?|consents?|authori[sz]es?|elects?|receives?|hosts?|handles?|takes?|limits?|excludes?|disclaims?|treats?|protects?|complies|comply|responds?|cooperates?|assists?|informs?)\b)",
        )
        .expect("subject verb regex")
    })
}

/// After "X's": a noun phrase of one to three words followed by a modal ("personnel
/// shall", "employees and agents will"); returns the text from the modal on.
fn possessive_subject(r: &str) -> Option<&str> {
    static MODAL: OnceLock<Regex> = OnceLock::new();
    let modal = MODAL.get_or_init(|| crate::text::regex(r"(?i)^(?:shall|will|must|may|agrees?|is|are|has|have|cannot|undertakes?)\b").expect("modal"));
    let mut rest = r.trim_start();
    for _ in 0..6 {
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '-'))?;
        if end == 0 {
            return None;
        }
        rest = rest[end..].trim_start();
        if modal.is_match(rest) {
            return Some(rest);
        }
    }
    None
}

fn object_position_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        crate::text::regex(r"(?i)\b(?:to|by|with|of|for|from|than|against|upon|notify|notifies|inform|informs|provide|provides|give|gives|tell|assist|assists|allow|allows|permit|permits|request|requests|contact|advise|advises)\s+(?:the\s+|a\s+|an\s+|any\s+|such\s+|each\s+)?$")
            .expect("object position regex")
    })
}

fn data_relative_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        crate::text::regex(r"(?i)\b(?:information|materials?|documents?|data|records?|copies|content|property|items?|media|notes|files|reports?|software|samples?)\s*,?\s*(?:that|which)\s+(?:the\s+)?$")
            .expect("data relative regex")
    })
}

fn complement_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        crate::text::regex(r"^[^。、]{0,25}?(?:ことに(?:予め|あらかじめ)?(?:同意|承諾|了承|異議)|ことを(?:予め|あらかじめ)?(?:承諾|了承|承認|許諾|認め)|ことについて(?:同意|承諾|了承)|ことがあ|場合があ|ことを妨げ)")
            .expect("complement regex")
    })
}

fn conditional_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| crate::text::regex(r"場合|とき|際|限り|ならば|たら|ため|ところ|により|による|指定|定め|承諾|同意|求め|請求|申し出|申出").expect("conditional regex"))
}

/// 「株式会社A（以下「甲」という。）」, 「委託者 株式会社A（以下「甲」）」, 「甲は、乙に…を委託し」.
fn resolve_ja(text: &str, terms: &mut BTreeMap<String, Role>) {
    static DEF: OnceLock<Regex> = OnceLock::new();
    let def = DEF.get_or_init(|| {
        crate::text::regex(r#"([^\s、。()「」]{1,40})\s*\(\s*以下\s*[、,]?\s*[「『"]([^」』"]{1,12})[」』"]\s*(?:という|といい|と称|とする|と略)"#).expect("ja def regex")
    });
    static ENTRUST: OnceLock<Regex> = OnceLock::new();
    let entrust = ENTRUST.get_or_init(|| {
        crate::text::regex(r"(甲|乙)\s*(?:は|が)\s*[、,]?\s*(甲|乙)\s*(?:に対し(?:て)?|に)\s*[、,]?[^。]{0,60}?(?:を)?委託(?:し|する)").expect("ja entrust regex")
    });
    let head = &text[..floor_char_boundary(text, 6000)];
    for c in def.captures_iter(head) {
        let name = &c[1];
        let alias = c[2].trim().to_string();
        let role_of_name = role_word_ja(name);
        let existing = terms.get(&alias).copied();
        let role = role_of_name.or(existing);
        if let Some(role) = role {
            terms.insert(alias.clone(), role);
        } else {
            // A company name alias with no role word yet: decide later from how it acts.
            terms.entry(alias.clone()).or_insert(Role::Unknown);
        }
        // The words right before the name may carry the role: 「委託者　株式会社A（以下「甲」）」 —
        // but not an earlier definition on the same line (「開示者」という。）が他方の当事者…).
        if role_of_name.is_none() && matches!(alias.as_str(), "甲" | "乙" | "丙") {
            let start = c.get(0).unwrap().start();
            let line_start = head[..start].rfind(['\n', ')', '」', '、', '。']).map_or(0, |i| i + head[i..].chars().next().map_or(1, char::len_utf8));
            let prefix = &head[line_start..start];
            if let Some(r) = role_word_ja(prefix) {
                terms.insert(alias, r);
            }
        }
    }
    let preamble = &head[..floor_char_boundary(head, 2500)];
    let entrusting = entrust.captures_iter(preamble).find(|c| {
        // 「乙は、甲に通知の上、第三者に再委託する」 is subcontracting, not who entrusts whom.
        let m = c.get(0).unwrap().as_str();
        !m.contains("再委託") && !m.contains("第三者")
    });
    if let Some(c) = entrusting {
        if c[1] != c[2] {
            let customer = c[1].to_string();
            let provider = c[2].to_string();
            terms.insert(customer.clone(), Role::Customer);
            terms.insert(provider.clone(), Role::Provider);
            if customer == "乙" {
                // Swapped letters: the 「甲乙」 compounds stay mutual.
                terms.insert("委託者".into(), Role::Customer);
            }
        }
    }
    // Unresolved aliases: 「当社」-like provider words inside the alias.
    let unresolved: Vec<String> = terms.iter().filter(|(_, r)| **r == Role::Unknown).map(|(k, _)| k.clone()).collect();
    for alias in unresolved {
        let role = if text.contains(&format!("{alias}は、本サービス")) || text.contains(&format!("{alias}が提供")) {
            Role::Provider
        } else {
            Role::Unknown
        };
        if role == Role::Unknown {
            terms.remove(&alias);
        } else {
            terms.insert(alias, role);
        }
    }
}

fn role_word_ja(s: &str) -> Option<Role> {
    last_role_word(
        s,
        &["受託者", "受注者", "委託先", "受託", "処理者", "受領者", "サービス提供者", "提供者"],
        &["委託者", "発注者", "委託元", "開示者", "利用者", "契約者"],
    )
}

/// The role of whichever role word occurs last in `s` (「委託者」 right before the name
/// wins over an earlier 「受託者」).
fn last_role_word(s: &str, provider: &[&str], customer: &[&str]) -> Option<Role> {
    let mut best: Option<(usize, Role)> = None;
    for (words, role) in [(provider, Role::Provider), (customer, Role::Customer)] {
        for w in words {
            if let Some(pos) = s.rfind(w) {
                if best.is_none_or(|(p, _)| pos > p) {
                    best = Some((pos, role));
                }
            }
        }
    }
    best.map(|(_, r)| r)
}

/// `Acme Cloud Ltd ("Provider")`, `Zoom Video Communications, Inc. ("Zoom," "we," "us")`,
/// `(hereinafter "Supplier")`.
fn resolve_en(text: &str, terms: &mut BTreeMap<String, Role>) {
    static DEF: OnceLock<Regex> = OnceLock::new();
    let def = DEF.get_or_init(|| {
        crate::text::regex(r#"^\((?:[^()"]{0,40}?)?(?:hereinafter|hereafter|together|collectively|each|jointly)?[^()"]{0,30}?((?:"[A-Za-z][A-Za-z0-9&.,\- ]{0,30}"[\s,;]*(?:or|and)?[\s,;]*(?:the\s+)?)+)\)"#).expect("en def regex")
    });
    static QUOTED: OnceLock<Regex> = OnceLock::new();
    let quoted = QUOTED.get_or_init(|| crate::text::regex(r#""([A-Za-z][A-Za-z0-9&.\- ]{0,30}?)[,.]?""#).expect("quoted"));
    let head = &text[..floor_char_boundary(text, 12000)];
    // The entities defined, with whether "you" names them (`and you, the test taker ("Attendee")`).
    let mut groups: Vec<(Vec<String>, bool)> = Vec::new();
    for (m0, group) in definitions(def, head) {
        let names: Vec<String> = quoted.captures_iter(group).map(|q| q[1].trim().to_string()).collect();
        if names.is_empty() {
            continue;
        }
        // A role word among the aliases gives its role to all of them; otherwise how the
        // entity acts in the text ("OpenAI will notify Customer") decides.
        let role = names
            .iter()
            .find_map(|n| terms.get(&n.to_lowercase()).copied().filter(|r| matches!(r, Role::Provider | Role::Customer)))
            .or_else(|| names.iter().find_map(|n| infer_en_role(text, n)));
        // Otherwise the words just before the parenthesis: `Acme Inc., a provider of … ("Acme")`.
        // Only an entity (a company form or a person) is a party; "Customer Instructions"
        // or "Purchase Order" defined after the word Customer are not.
        let before = &head[head[..m0].rfind(['\n', ';']).map_or(0, |i| i + 1)..m0];
        let entity = entity_re().is_match(before);
        let near = &before[floor_char_boundary(before, before.len().saturating_sub(60))..];
        // `and you, the registered user ("Member")`: "you" names a party too.
        let you_near = you_names(near);
        if role.is_none() && !entity && !you_near {
            continue;
        }
        let role = role.or_else(|| role_word_en(near));
        groups.push((names.clone(), you_near));
        for n in names {
            let key = n.to_lowercase();
            if defines_no_party(&key) {
                continue;
            }
            // Without a role, the alias stays unknown: how it acts in the text was already
            // asked of every alias of the group above.
            if let Some(r) = role {
                // Never turn a generic role word into the opposite role.
                match terms.get(&key) {
                    Some(existing) if matches!(existing, Role::Provider | Role::Customer) && *existing != r => {}
                    _ => {
                        terms.insert(key, r);
                    }
                }
            }
        }
    }
    if groups.len() == 2 && crate::engine::detect_kind(text, Lang::En) == crate::taxonomy::DocKind::Nda {
        nda_receiver(text, terms, &groups);
    }
}

/// Whether the words before a definition's parenthesis end with "you" or "you, the …":
/// `and you, the registered user ("Member")` (not `content you upload ("Content")`).
fn you_names(before: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| crate::text::regex(r"(?i)\byou(?:\s*,\s*(?:the|an?)\s+[a-z -]{1,30})?\s*,?\s*$").expect("you names regex")).is_match(before)
}

/// Defined terms that name a thing, not a party, even when an entity's definition lists them.
fn defines_no_party(key: &str) -> bool {
    matches!(key, "agreement" | "terms" | "services" | "service" | "effective date" | "dpa" | "data" | "confidential information")
}

/// A one-way NDA between two defined parties: the one information flows from ("furnished
/// by BOMI", "the information that BOMI furnishes") is the disclosing party — the customer,
/// whose data it is — and the one it flows to ("furnished to Attendee") receives and keeps
/// it: the provider. "You" goes with the entity it names. This overrides role words: in
/// `you, the test taker ("Attendee")`, you receive BOMI's test material. Decided only on a
/// clear balance (two mentions or more); mutual NDAs stay as they are.
fn nda_receiver(text: &str, terms: &mut BTreeMap<String, Role>, groups: &[(Vec<String>, bool)]) {
    let net: Vec<i64> = groups.iter().map(|(names, _)| names.iter().map(|n| information_flow(text, n)).sum()).collect();
    let (discloser, receiver) = if net[0] >= net[1] + 2 { (0, 1) } else if net[1] >= net[0] + 2 { (1, 0) } else { return };
    for (gi, role) in [(discloser, Role::Customer), (receiver, Role::Provider)] {
        let (names, you) = &groups[gi];
        for n in names {
            let key = n.to_lowercase();
            if !defines_no_party(&key) {
                terms.insert(key, role);
            }
        }
        if *you {
            terms.insert("you".into(), role);
        }
    }
}

/// How often information is said to flow from `name` ("furnished by X", "X furnishes") minus
/// how often to it ("disclosed to X"). "be disclosed by X" (a duty not to disclose) and
/// "delivered/returned to X" (the return at the end) say nothing about the flow.
fn information_flow(text: &str, name: &str) -> i64 {
    const VERBS: &[&str] = &["furnish", "disclos", "provid", "suppl", "made available", "make available", "makes available", "transmit", "communicat"];
    let verb_at_end = |s: &str| {
        let s = s.trim_end().to_ascii_lowercase();
        let word_start = s.rfind(|c: char| !c.is_ascii_alphabetic()).map_or(0, |i| i + 1);
        let (head, word) = s.split_at(word_start);
        let two = format!("{} {word}", head.trim_end().rsplit(' ').next().unwrap_or(""));
        let passive_duty = head.trim_end().ends_with(" be") || head.trim_end().ends_with(" been");
        (VERBS.iter().any(|v| word.starts_with(v) || two.trim_start().starts_with(v)), passive_duty)
    };
    let mut flow = 0i64;
    for i in memchr::memmem::find_iter(text.as_bytes(), name.as_bytes()) {
        let before = text[..i].trim_end();
        if let Some(rest) = before.strip_suffix("by").filter(|r| r.ends_with(' ')) {
            if let (true, false) = verb_at_end(rest) {
                flow += 1;
            }
        } else if let Some(rest) = before.strip_suffix("to").filter(|r| r.ends_with(' ')) {
            if verb_at_end(rest).0 {
                flow -= 1;
            }
        }
        // "BOMI furnishes to", "Big Sky has and will furnish to"
        let after = text[i + name.len()..].trim_start();
        let after = &after[..floor_char_boundary(after, 40)];
        if let Some(to) = after.find(" to ") {
            let verb = &after[..to];
            if verb.split_whitespace().count() <= 4 && verb_at_end(verb).0 && !verb.to_ascii_lowercase().contains("not") {
                flow += 1;
            }
        }
    }
    flow
}

/// The matches of the anchored definition regex `def` (it starts with `\(`), left to right
/// without overlap: the start of each and its group 1. The regex runs only at a "(" whose
/// next quote, parenthesis or end comes as a quote; a scan from every position builds
/// lazy-DFA states for its bounded gaps all over the preamble.
fn definitions<'t>(def: &Regex, head: &'t str) -> Vec<(usize, &'t str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'(', &head.as_bytes()[from..]) {
        let pos = from + i;
        from = pos + 1;
        if head.as_bytes()[pos + 1..].iter().find(|b| matches!(b, b'"' | b'(' | b')')) != Some(&b'"') {
            continue;
        }
        if let Some(c) = def.captures(&head[pos..]) {
            let whole = c.get(0).unwrap();
            out.push((pos, c.get(1).map_or("", |g| g.as_str())));
            from = pos + whole.end().max(1);
        }
    }
    out
}

/// A letter NDA addressed to the recipient ("the Evaluation Material furnished to you … you
/// shall keep it confidential"): "you" is the receiving party, i.e. the provider.
fn you_receive_information(text: &str) -> bool {
    // Both regexes below scan the whole text; most documents never say "to you".
    static TO_YOU: OnceLock<Regex> = OnceLock::new();
    if !TO_YOU.get_or_init(|| crate::text::regex(r"(?i)\bto\s+you\b").expect("to you")).is_match(text) {
        return false;
    }
    static R: OnceLock<Regex> = OnceLock::new();
    let r = R.get_or_init(|| {
        crate::text::regex(r"(?i)\b(?:confidential information|evaluation material|proprietary information|information)\b[^.;]{0,80}?\b(?:furnished|disclosed|delivered|made available|provided|supplied|given)\s+(?:by\s+(?:us|the company|[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,3})\s+)?to\s+you\b")
            .expect("you receive regex")
    });
    static K: OnceLock<Regex> = OnceLock::new();
    let keeps = K.get_or_init(|| {
        crate::text::regex(r"(?i)\byou\b[^.;]{0,80}?\b(?:keep|hold|treat|maintain)\b[^.;]{0,80}?\b(?:confiden|secret)|\b(?:kept|held|treated|maintained)\s+(?:\w+\s+){0,2}?(?:confidential|in\s+confidence|secret)\s+by\s+you\b")
            .expect("you keep regex")
    });
    r.find_iter(text).take(2).count() >= 2 && keeps.is_match(text)
}

/// App-store terms: "These Terms are between you and Northwind only, not with Apple": the
/// store named after "not (with)" is a third party, and its disclaimers ("Apple is not
/// responsible for …") are not the provider's.
fn non_parties_en(text: &str, terms: &mut BTreeMap<String, Role>) {
    static R: OnceLock<Regex> = OnceLock::new();
    let re = R.get_or_init(|| {
        crate::text::regex(r"\b(?i:between\s+you\s+and\s+[^.;]{1,60}?\s+only,?\s+(?:and\s+)?not\s+(?:with\s+)?)([A-Z][A-Za-z0-9&-]+)").expect("non-party regex")
    });
    for c in re.captures_iter(text).take(4) {
        let name = c[1].to_lowercase();
        if !terms.get(&name).is_some_and(|r| matches!(r, Role::Provider | Role::Customer | Role::Both)) {
            terms.insert(name, Role::ThirdParty);
        }
    }
}

fn entity_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        crate::text::regex(r"(?i)\b(?:inc|incorporated|ltd|limited|llc|l\.l\.c|llp|plc|corp|corporation|company|co|gmbh|ag|s\.a|sa|sas|sarl|b\.v|bv|n\.v|k\.k|pty|pte|oy|ab|as|spa|s\.p\.a|srl|organized|incorporated under|having its|with its principal|an individual|a [a-z ]{0,20}(?:corporation|company|entity))\b[.,]?[^()]{0,80}$")
            .expect("entity regex")
    })
}

fn role_word_en(s: &str) -> Option<Role> {
    last_role_word(
        &s.to_lowercase(),
        &["provider", "processor", "supplier", "vendor", "contractor", "consultant", "service"],
        &["customer", "controller", "client", "subscriber", "licensee"],
    )
}

fn infer_en_role(text: &str, name: &str) -> Option<Role> {
    const PROVIDES: &[&str] = &[
        " will provide", " shall provide", " provides the", " shall perform", " will perform", " hosts", " will host", " shall host", " processes",
        " will process", " shall process", " will notify", " shall notify", " will implement", " shall implement", " will maintain", " shall maintain",
        " will assist", " shall assist", " will delete", " shall delete", " acts as", " is the processor", " as processor", "'s services", "'s platform",
    ];
    const PAYS: &[&str] = &[" shall pay", " will pay", " agrees to pay", " is the controller", " as controller"];
    debug_assert!(PROVIDES.iter().chain(PAYS).all(|v| v.len() >= 2 && (v.starts_with(' ') || v.starts_with('\''))));
    if name.is_empty() {
        return None;
    }
    // One pass over the occurrences of the name, looking at what follows each.
    let (mut p, mut c) = (0usize, 0usize);
    for i in memchr::memmem::find_iter(text.as_bytes(), name.as_bytes()) {
        let after = &text[i + name.len()..];
        let after = &after[..floor_char_boundary(after, 24)];
        // Every phrase starts with a space or an apostrophe and is two bytes or more: the
        // first two bytes rule out most phrases before a full comparison.
        let b = after.as_bytes();
        if b.len() < 2 || !matches!(b[0], b' ' | b'\'') {
            continue;
        }
        let maybe = |v: &&&str| v.as_bytes()[..2] == b[..2] && after.starts_with(**v);
        p += PROVIDES.iter().filter(maybe).count();
        c += PAYS.iter().filter(maybe).count();
    }
    match p.cmp(&c) {
        std::cmp::Ordering::Greater => Some(Role::Provider),
        std::cmp::Ordering::Less => Some(Role::Customer),
        std::cmp::Ordering::Equal => None,
    }
}

pub(crate) fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(text: &str, lang: Lang, sentence: &str, cue: &str) -> Option<Role> {
        let p = Parties::resolve(text, lang);
        p.role_at(sentence, sentence.find(cue).unwrap())
    }

    #[test]
    fn party_words_answer_like_a_scan_of_the_terms() {
        let doc = "Between Acme Cloud Ltd (\"Acme Cloud\") and Osprey Labs LLC (\"Customer\").";
        let p = Parties::resolve(doc, Lang::En);
        let scan = |w: &str| {
            let w = w.to_lowercase();
            p.terms.contains_key(&w) || p.terms.keys().any(|k| k.split(' ').any(|part| part == w))
        };
        for w in ["Acme", "CLOUD", "Service", "provider", "Party", "parties", "Osprey", "prov", "", "Ltd", "each", "user"] {
            assert_eq!(p.is_party_word(w), scan(w), "{w}");
        }
        assert!(p.is_party_word("Provider") && p.is_party_word("SERVICE") && !p.is_party_word("prov"));
    }

    #[test]
    fn japanese_subjects() {
        let doc = "株式会社A(以下「甲」という。)と株式会社B(以下「乙」という。)は、次のとおり契約する。";
        assert_eq!(role(doc, Lang::Ja, "乙は、甲の承諾なく再委託してはならない。", "再委託"), Some(Role::Provider));
        assert_eq!(role(doc, Lang::Ja, "甲は、乙の秘密を保持しなければならない。", "秘密"), Some(Role::Customer));
        assert_eq!(role(doc, Lang::Ja, "甲及び乙は、相手方の秘密を保持する。", "秘密"), Some(Role::Both));
        assert_eq!(role(doc, Lang::Ja, "乙の従業者は、秘密を漏らしてはならない。", "秘密"), Some(Role::Provider));
        assert_eq!(
            role(doc, Lang::Ja, "お客様は、当社がお客様データを統計に利用することに同意する。", "利用"),
            Some(Role::Provider)
        );
        assert_eq!(
            role(doc, Lang::Ja, "当社は、お客様が料金を滞納した場合、本サービスを停止できる。", "停止"),
            Some(Role::Provider)
        );
        assert_eq!(role(doc, Lang::Ja, "前項の規定は適用しない。", "適用"), None);
    }

    #[test]
    fn nda_definitions_keep_their_roles() {
        let doc = "一方の当事者(以下「開示者」という。)が他方の当事者(以下「受領者」という。)に対し開示する情報について定める。";
        let p = Parties::resolve(doc, Lang::Ja);
        assert_eq!(p.terms["受領者"], Role::Provider);
        assert_eq!(p.terms["開示者"], Role::Customer);
        assert_eq!(p.role_at("GitHub は、データを保護します。", 0), None);
        let s = "受領者 は、秘密を保持する。";
        assert_eq!(p.role_at(s, s.find("秘密").unwrap()), Some(Role::Provider));
    }

    #[test]
    fn split_term_automata_find_what_one_automaton_finds() {
        let mut terms: BTreeMap<String, Role> = BTreeMap::new();
        for t in default_terms(Lang::En).iter().flat_map(|l| l.iter()) {
            terms.insert(t.to_string(), Role::Both);
        }
        for t in ["acme", "acme service provider", "provider portal", "us"] {
            terms.insert(t.to_string(), Role::Provider);
        }
        let finder = TermFinder::new(Lang::En, &terms);
        let keys: Vec<String> = terms.keys().cloned().collect();
        let one = term_automaton(&keys);
        for hay in [
            "Acme Service Provider shall notify the Customer; the service provider portal and the Provider Portal.",
            "ACME and Acme's processor, a sub-processor of us and the Data Processor, each party.",
            "",
            "no terms here at all",
        ] {
            let split: Vec<(usize, usize, &str)> = finder.find_iter(hay).collect();
            let whole: Vec<(usize, usize, &str)> = one.find_iter(hay).map(|m| (m.start(), m.end(), keys[m.pattern().as_usize()].as_str())).collect();
            assert_eq!(split, whole, "{hay}");
        }
    }

    #[test]
    fn a_sentence_read_from_the_document_scan_is_the_sentence_scanned_alone() {
        let en = "Between Acme Service Provider (\"Provider\") and you. The Service Provider shall notify you; we may host it. Provider's staff will assist.";
        let ja = "甲及び乙は協議する。乙は、甲の承諾を得て再委託先に委託できる。当社はお客様データを閲覧しない。";
        for (text, lang) in [(en, Lang::En), (ja, Lang::Ja)] {
            let p = Parties::resolve(text, lang);
            let hits = p.scan(text);
            let cuts: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            // Every range, including those that cut a term in two.
            for (k, &a) in cuts.iter().enumerate() {
                for &b in &cuts[k..] {
                    assert_eq!(p.sentence_in(text, a..b, &hits), p.sentence(&text[a..b]), "{:?}", &text[a..b]);
                }
            }
        }
    }

    #[test]
    fn a_name_takes_the_role_its_verbs_tell() {
        let t = "Kestrel shall provide the service. Kestrel will host it. Osprey shall pay. Kestrel's platform runs.";
        assert_eq!(infer_en_role(t, "Kestrel"), Some(Role::Provider));
        assert_eq!(infer_en_role(t, "Osprey"), Some(Role::Customer));
        // As many of each, none, a name at the very end, and no name.
        assert_eq!(infer_en_role("Wren will pay. Wren will host.", "Wren"), None);
        assert_eq!(infer_en_role("Wren, Wren. Wren", "Wren"), None);
        assert_eq!(infer_en_role("anything", ""), None);
    }

    #[test]
    fn a_possessive_after_a_copula_is_no_subject() {
        let doc = "Between Kestrel Exams, Inc. (\"Customer\") and Osprey Labs LLC (\"Supplier\").";
        let p = Parties::resolve(doc, Lang::En);
        let s = "The Supplier agrees that all binders are the Customer's property and will be handed back at the end of the project.";
        assert_eq!(p.role_at(s, s.find("handed").unwrap()), Some(Role::Provider));
        // "The Customer's staff shall …" still binds the Customer.
        let s = "The Customer's staff shall hand back the binders.";
        assert_eq!(p.role_at(s, s.find("hand back").unwrap()), Some(Role::Customer));
    }

    #[test]
    fn the_subject_of_a_relative_clause_on_the_data_is_not_bound() {
        let doc = "Between Kestrel Exams, Inc. (\"Customer\") and Osprey Labs LLC (\"Supplier\").";
        let p = Parties::resolve(doc, Lang::En);
        let s = "The Supplier shall keep all records that the Customer provides strictly confidential.";
        assert_eq!(p.role_at(s, s.find("confidential").unwrap()), Some(Role::Provider));
        // A complement clause is not a relative clause: "agrees that the Customer shall".
        let s = "The Supplier agrees that the Customer shall return the samples.";
        assert_eq!(p.role_at(s, s.find("return").unwrap()), Some(Role::Customer));
    }

    #[test]
    fn one_way_nda_roles_follow_the_information() {
        // "you" is defined as the entity that receives the material: the provider.
        let doc = "NON-DISCLOSURE AGREEMENT\nThis agreement is made between Kestrel Exams, Inc. (\"Kestrel\") and you, the registered user (\"Candidate\").\n1. Confidential Information means all material furnished by Kestrel during the exam.\n2. Candidate shall keep confidential all material that Kestrel furnishes to Candidate.\n3. Candidate shall return all material provided by Kestrel.";
        let p = Parties::resolve(doc, Lang::En);
        let s = "Candidate shall return all material provided by Kestrel.";
        assert_eq!(p.role_at(s, s.find("return").unwrap()), Some(Role::Provider));
        assert_eq!(p.terms.get("you"), Some(&Role::Provider));
        assert_eq!(p.terms.get("kestrel"), Some(&Role::Customer));
        // A mutual NDA, information flowing both ways: nothing is overridden.
        let mutual = "MUTUAL NON-DISCLOSURE AGREEMENT\nBetween Kestrel Exams, Inc. (\"Kestrel\") and Osprey Labs LLC (\"Osprey\").\n1. Information furnished by Kestrel or furnished by Osprey is confidential.\n2. Osprey will furnish to Kestrel its designs and Kestrel will furnish to Osprey its plans.";
        let p = Parties::resolve(mutual, Lang::En);
        assert_ne!(p.terms.get("osprey"), Some(&Role::Provider));
        assert_ne!(p.terms.get("kestrel"), Some(&Role::Customer));
        // Not an NDA: the same words leave the defaults alone.
        let tos = "TERMS OF SERVICE\nThese terms are between Kestrel Exams, Inc. (\"Kestrel\") and you, the registered user (\"Candidate\"). Content furnished by Kestrel is licensed to you. Kestrel furnishes to Candidate practice tests.";
        let p = Parties::resolve(tos, Lang::En);
        assert_eq!(p.terms.get("you"), Some(&Role::Customer));
    }

    #[test]
    fn an_undertaking_signed_in_the_first_person_binds_i() {
        let doc = "CONFIDENTIALITY UNDERTAKING\nI understand that I will have access to confidential records of the clinic. I agree that I shall use them only for my assigned duties.";
        let p = Parties::resolve(doc, Lang::En);
        let s = "I agree that I shall use them only for my assigned duties.";
        assert_eq!(p.role_at(s, s.find("use").unwrap()), Some(Role::Provider));
        // The item label (i) is no party.
        let s = "The Supplier shall, (i) keep the records confidential.";
        assert_eq!(p.role_at(s, s.find("keep").unwrap()), Some(Role::Provider));
        // One "I" in a quoted example is not a signatory.
        let tos = "Terms of use. Posting \"I agree\" in a forum is not a contract. Confidential tips are welcome.";
        assert!(!Parties::resolve(tos, Lang::En).terms.contains_key("i"));
    }

    #[test]
    fn letter_nda_you_is_the_recipient() {
        let doc = "In connection with your evaluation, the Company will furnish to you certain information. All Evaluation Material furnished to you by the Company is confidential, and any information disclosed to you shall be used only for the evaluation. You will keep the Evaluation Material strictly confidential.";
        let p = Parties::resolve(doc, Lang::En);
        let s = "You shall return all Evaluation Material.";
        assert_eq!(p.role_at(s, s.find("return").unwrap()), Some(Role::Provider));
        // The duty in the passive: "will be kept confidential by you".
        let doc = "You asked for information about the Company. Any information furnished to you for the evaluation is confidential. You agree that the information disclosed to you will be used only for the evaluation and will be kept confidential by you.";
        let p = Parties::resolve(doc, Lang::En);
        assert_eq!(p.terms.get("you"), Some(&Role::Provider));
        // Information given to you, with no duty of yours to keep it: a plain ToS.
        let tos = "Information provided to you by the app is for guidance. Content furnished to you through the Services may change. You may cancel at any time.";
        let p = Parties::resolve(tos, Lang::En);
        assert_eq!(p.terms.get("you"), Some(&Role::Customer));
        let tos = "We provide the Services to you. You may cancel at any time.";
        let p = Parties::resolve(tos, Lang::En);
        assert_eq!(p.role_at("You may cancel at any time.", 8), Some(Role::Customer));
    }

    #[test]
    fn japanese_swapped_letters() {
        let doc = "委託者 株式会社A(以下「乙」という。)と受託者 株式会社B(以下「甲」という。)は契約する。";
        let p = Parties::resolve(doc, Lang::Ja);
        assert_eq!(p.terms["乙"], Role::Customer);
        assert_eq!(p.terms["甲"], Role::Provider);
    }

    #[test]
    fn a_named_subject_before_the_cue_beats_a_third_party_after_it() {
        let p = Parties::resolve("", Lang::En);
        let s = "Northwind may close your account if Northwind finds that a third party is using it.";
        assert_eq!(p.role_at(s, s.find("close").unwrap()), Some(Role::Unknown));
        let s = "Northwind may close your account if it finds that a third-party is using it.";
        assert_ne!(p.role_at(s, s.find("close").unwrap()), Some(Role::Both));
    }

    #[test]
    fn a_camel_case_brand_is_a_named_subject() {
        let p = Parties::resolve("", Lang::En);
        let s = "The user acknowledges that eWidget is not responsible for lost files.";
        assert_eq!(p.role_at(s, s.find("responsible").unwrap()), Some(Role::Unknown));
    }

    #[test]
    fn contracted_verbs_bind_their_subject() {
        let p = Parties::resolve("", Lang::En);
        let s = "You agree that we're not responsible if the payment fails.";
        assert_eq!(p.role_at(s, s.find("responsible").unwrap()), Some(Role::Provider));
        let s = "If you're late, we'll close the account.";
        assert_eq!(p.role_at(s, s.find("close").unwrap()), Some(Role::Provider));
        let s = "You agree that the Provider's staff may help.";
        assert_eq!(p.role_at(s, s.find("help").unwrap()), Some(Role::Provider));
    }

    #[test]
    fn english_subjects_and_definitions() {
        let doc = "This agreement is between Acme Cloud Ltd (\"Acme\", \"we\") and the customer (\"Customer\").";
        let p = Parties::resolve(doc, Lang::En);
        assert_eq!(p.terms["acme"], Role::Provider);
        let s = "Acme shall not engage any sub-processor without consent.";
        assert_eq!(p.role_at(s, s.find("sub-processor").unwrap()), Some(Role::Provider));
        let s = "Customer may audit Acme's compliance.";
        assert_eq!(p.role_at(s, s.find("audit").unwrap()), Some(Role::Customer));
        let s = "You agree that we may use your content to improve the services.";
        assert_eq!(p.role_at(s, s.find("use your").unwrap()), Some(Role::Provider));
        let s = "Each party shall keep the other party's Confidential Information confidential.";
        assert_eq!(p.role_at(s, s.find("confidential.").unwrap()), Some(Role::Both));
        let s = "Customer Data will be deleted within 30 days.";
        assert_eq!(p.role_at(s, s.find("deleted").unwrap()), None);
        let s = "The Receiving Party shall notify the Disclosing Party promptly of any unauthorised disclosure.";
        assert_eq!(p.role_at(s, s.find("unauthorised").unwrap()), Some(Role::Provider));
        let s = "You must notify us immediately of any unauthorized use of your account.";
        assert_eq!(p.role_at(s, s.find("unauthorized").unwrap()), Some(Role::Customer));
        let s = "Upon the Disclosing Party's written request, the Receiving Party will destroy all copies.";
        assert_eq!(p.role_at(s, s.find("destroy").unwrap()), Some(Role::Provider));
        let s = "Provider's personnel shall keep Customer Data confidential.";
        assert_eq!(p.role_at(s, s.find("confidential").unwrap()), Some(Role::Provider));
        // A framing "you agree that" gives way to the subject of the clause.
        let s = "You acknowledge and agree that we are not liable for any losses you may suffer.";
        assert_eq!(p.role_at(s, s.find("liable").unwrap()), Some(Role::Provider));
        // A company name the vocabulary does not know is a subject of unknown role, not the
        // customer named later in the sentence.
        let s = "Northwind is not liable for any losses you may suffer.";
        assert_eq!(p.role_at(s, s.find("liable").unwrap()), Some(Role::Unknown));
        let s = "THE NORTHWIND ENTITIES ARE NOT LIABLE TO YOU.";
        assert!(p.names_subject(s, s.find("LIABLE").unwrap(), None));
        let s = "If you breach these Terms, Northwind may close your account.";
        assert!(p.names_subject(s, s.find("close").unwrap(), None));
        // An adverb or a coordinated "and its licensors" between subject and verb.
        let s = "We expressly disclaim any liability for content you post.";
        assert_eq!(p.role_at(s, s.find("liability").unwrap()), Some(Role::Provider));
        let s = "The Provider and its licensors are not responsible for messages you send.";
        assert_eq!(p.role_at(s, s.find("responsible").unwrap()), Some(Role::Provider));
        let s = "Northwind Labs Limited, Northwind Inc., and their affiliates take no responsibility for content you upload.";
        assert!(p.names_subject(s, s.find("responsibility").unwrap(), None));
        let doc = "These Terms are between you and Northwind only, not with Apple. Apple is not responsible for the app.";
        let q = Parties::resolve(doc, Lang::En);
        let s = "Apple is not responsible for the app.";
        assert_eq!(q.role_at(s, s.find("responsible").unwrap()), Some(Role::ThirdParty));
        let s = "Customer and its affiliates' data will be stored in the EU.";
        assert_eq!(p.role_at(s, s.find("stored").unwrap()), None);
        let s = "Customer Data will be deleted within 30 days.";
        assert!(!p.names_subject(s, s.find("deleted").unwrap(), None));
        let s = "The Service may be changed at any time.";
        assert!(!p.names_subject(s, s.find("changed").unwrap(), None));
    }
}
