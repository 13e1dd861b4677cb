//! The analysis: one Aho-Corasick pass over the normalized document finds every cue; each
//! candidate sentence then gets its party (who is bound) and modality (obligation,
//! prohibition, permission, effort), and the patterns of each rule decide what it
//! contributes. The result is the report model for one document: every §1 clause as
//! present / weak / missing and every §2 risk as flagged / clear, with all supporting
//! sentences quoted from the original text.

pub mod modality;
pub mod parties;

use std::collections::{BTreeSet, HashMap};

use crate::extract::Extracted;
use crate::report::model::{ClauseFinding, DocSummary, DocumentReport, Evidence, PartyInfo, RiskFinding, SensitivityFinding};
use crate::rules::{AcPattern, CueRegex, GateAt, ModalityTag, Owner, PatternDef, PatternStatus, Role, Rule, RuleSet, SetRef};
use crate::segment::{segment, Segmented};
use crate::taxonomy::{ClauseStatus, CloudVerdict, DocKind, IdKind, Lang, Profile, Requirement, RiskStatus};
use crate::text::{is_cjk, normalize, NormText};
use modality::Modality;
use parties::Parties;

/// Options of one analysis.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    pub profile: Profile,
    /// Language of the report's own words; `None` = the document's language.
    pub report_lang: Option<Lang>,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions { profile: Profile::Auto, report_lang: None }
    }
}

/// The analyzer: a compiled rule set.
pub struct Analyzer {
    pub rules: RuleSet,
    /// Rules with an ungated `topic` regex: every sentence is a candidate.
    topic_ungated: Vec<usize>,
    /// Per owner: the rules a hit of it makes the sentence a candidate for (its own rule,
    /// or the rules whose topic regex it gates).
    owner_rules: Vec<Vec<usize>>,
    /// The shared sets `consent`, `no-consent`, `restrictive` that modality tags read.
    engine_sets: [usize; 3],
}

/// What [`Analyzer::set_matches`] says of a set in a sentence: `None` no match,
/// `Some(None)` a match without a place (a shared set's regex), `Some(Some(range))` a
/// match there.
type SetMatch = Option<Option<(usize, usize)>>;

/// A cue hit inside a sentence.
#[derive(Debug, Clone, Copy)]
struct Hit {
    /// The sentence.
    si: u32,
    /// Byte offset in the normalized text.
    start: usize,
    end: usize,
}

/// Everything known about one document while it is analysed.
struct Doc<'a> {
    raw: &'a Extracted,
    norm: NormText,
    seg: Segmented,
    lang: Lang,
    parties: Parties,
    /// Every hit, grouped by owner ([`crate::rules::OwnerSpace::index`]), by sentence
    /// within an owner, and in automaton order within a sentence.
    hits: Vec<Hit>,
    /// Where each owner's hits start in `hits` (one more entry than owners).
    hit_start: Vec<u32>,
    /// Per sentence, [`RuleSet::presence_len`] bits rounded up to words: which
    /// presence-only gates have a literal in it.
    presence: Vec<u64>,
    /// Per sentence, once asked: the last sentence up to it whose main predicate names a
    /// party, and that party's role (`None`: there is none), for [`Doc::main_role`].
    last_named: std::cell::RefCell<Vec<Option<LastNamed>>>,
    /// Per rule: its candidate sentences, in order, and whether the rule's topic is in
    /// the title of the sentence's article (or an enclosing one).
    candidates: Vec<Vec<(usize, bool)>>,
    /// Party and modality judged at (sentence, anchor): many patterns and rules ask about
    /// the same predicate.
    judged: std::cell::RefCell<HashMap<(usize, Option<usize>), (Role, Modality)>>,
    /// Per sentence × engine shared set: whether it matches, once asked.
    shared_memo: std::cell::RefCell<Vec<Option<bool>>>,
    /// The non-heading sentences of each article (`None`: outside any), once asked.
    by_article: std::cell::OnceCell<HashMap<Option<usize>, Vec<usize>>>,
    /// Per sentence, once asked: its party mentions ([`Parties::sentence`]).
    sentence_parties: Vec<std::cell::OnceCell<parties::SentenceParties>>,
    /// The party terms of the whole text ([`Parties::scan`]).
    term_hits: Vec<parties::TermHit>,
}

impl<'a> Doc<'a> {
    /// A document before its cues are found; `shared_sets` engine sets are memoized.
    fn new(raw: &'a Extracted, norm: NormText, seg: Segmented, lang: Lang, parties: Parties, shared_sets: usize) -> Doc<'a> {
        let n = seg.sentences.len();
        Doc {
            // Found with the cues (Analyzer::find_hits).
            term_hits: Vec::new(),
            raw,
            norm,
            seg,
            lang,
            parties,
            hits: Vec::new(),
            hit_start: Vec::new(),
            presence: Vec::new(),
            last_named: std::cell::RefCell::new(vec![None; n]),
            candidates: Vec::new(),
            judged: Default::default(),
            shared_memo: std::cell::RefCell::new(vec![None; n * shared_sets]),
            by_article: Default::default(),
            sentence_parties: vec![Default::default(); n],
        }
    }

    fn sentence_text(&self, si: usize) -> &str {
        let s = &self.seg.sentences[si];
        &self.norm.text[s.start..s.end]
    }

    /// [`Parties::role_at`] for sentence `si`, its party mentions read once however many
    /// anchors are asked about.
    fn role_at(&self, si: usize, anchor: usize) -> Option<Role> {
        let text = self.sentence_text(si);
        let s = &self.seg.sentences[si];
        let read = self.sentence_parties[si].get_or_init(|| self.parties.sentence_in(&self.norm.text, s.start..s.end, &self.term_hits));
        self.parties.role_in(text, anchor, read)
    }

    /// Role of sentence `si`'s main predicate; a sentence that names no party inherits
    /// the last one that does, within the same article. Found on demand, walking back
    /// over sentences not asked about before, since only candidates ask.
    fn main_role(&self, si: usize) -> Role {
        let mut memo = self.last_named.borrow_mut();
        let mut walked = Vec::new();
        let mut j = si;
        let found = loop {
            if let Some(known) = memo[j] {
                break known;
            }
            let s = &self.seg.sentences[j];
            let own = if s.heading { None } else { self.role_at(j, s.end - s.start) };
            if let Some(r) = own {
                memo[j] = Some(Some((j, r)));
                break Some((j, r));
            }
            walked.push(j);
            if j == 0 {
                break None;
            }
            j -= 1;
        };
        for k in walked {
            memo[k] = Some(found);
        }
        match found {
            Some((j, r)) if self.seg.sentences[j].article == self.seg.sentences[si].article => r,
            _ => Role::Unknown,
        }
    }

    /// The non-heading sentences whose innermost article is `art`, in order.
    fn article_sentences(&self, art: Option<usize>) -> &[usize] {
        let map = self.by_article.get_or_init(|| {
            let mut m: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
            for (j, s) in self.seg.sentences.iter().enumerate().filter(|(_, s)| !s.heading) {
                m.entry(s.article).or_default().push(j);
            }
            m
        });
        map.get(&art).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// The last sentence (up to some sentence) whose main predicate names a party, and the
/// party's role; `None` when there is none.
type LastNamed = Option<(usize, Role)>;

/// What one sentence contributes to one rule.
#[derive(Debug, Clone)]
struct Contribution {
    sentence: usize,
    status: PatternStatus,
    pattern: usize,
    cap: bool,
    role: Role,
    modality: Modality,
    cue: Option<(usize, usize)>,
}

/// A candidate that failed only on party or modality: explains a "missing".
#[derive(Debug, Clone)]
struct NearMiss {
    sentence: usize,
    role: Role,
    modality: Modality,
}

impl Analyzer {
    pub fn new(rules: RuleSet) -> Self {
        let mut topic_gates: Vec<Vec<usize>> = Vec::new();
        let mut topic_ungated = Vec::new();
        for (ri, rule) in rules.rules.iter().enumerate() {
            for re in &rule.sets[rule.topic].regexes {
                match re.gate {
                    Some(g) => {
                        if topic_gates.len() <= g {
                            topic_gates.resize(g + 1, Vec::new());
                        }
                        if !topic_gates[g].contains(&ri) {
                            topic_gates[g].push(ri);
                        }
                    }
                    None if !topic_ungated.contains(&ri) => topic_ungated.push(ri),
                    None => {}
                }
            }
        }
        let space = &rules.owners;
        let mut owner_rules = vec![Vec::new(); space.len];
        for (ri, rule) in rules.rules.iter().enumerate() {
            for set in 0..rule.sets.len() {
                owner_rules[space.index(Owner::Rule(ri, set))].push(ri);
            }
        }
        for (g, rs) in topic_gates.iter().enumerate() {
            owner_rules[space.index(Owner::Gate(g))].extend(rs.iter().copied());
        }
        // The loader refuses a library without them (ENGINE_SHARED_SETS).
        let engine_sets = ["consent", "no-consent", "restrictive"].map(|n| rules.shared_index(n).expect("engine shared set"));
        Analyzer { rules, topic_ungated, owner_rules, engine_sets }
    }

    /// A document through the steps before its rules are evaluated: normalized,
    /// segmented, its parties resolved and its cues found.
    fn prepare<'a>(&self, ex: &'a Extracted) -> Doc<'a> {
        let norm = normalize(&ex.text);
        let lang = detect_lang(&norm.text);
        let seg = segment(&norm, lang);
        let parties = Parties::resolve(&norm.text, lang);
        let mut doc = Doc::new(ex, norm, seg, lang, parties, self.engine_sets.len());
        self.find_hits(&mut doc);
        doc
    }

    /// Analyses one extracted document.
    pub fn analyze(&self, path: &str, ex: &Extracted, opts: &AnalyzeOptions) -> DocumentReport {
        let doc = self.prepare(ex);
        let lang = doc.lang;

        let report_lang = opts.report_lang.unwrap_or(lang);
        let kind = detect_kind(&doc.norm.text, lang);
        let (sensitivity, sensitivity_evidence) = self.sensitivity(&doc);
        let (profile, profile_reason) = resolve_profile(opts.profile, lang, &sensitivity, report_lang);

        let mut clauses = Vec::new();
        let mut risks = Vec::new();
        for (ri, rule) in self.rules.rules.iter().enumerate() {
            let (contribs, near) = self.evaluate(&doc, ri, rule);
            match rule.kind {
                IdKind::Clause => clauses.push(self.clause_finding(&doc, rule, &contribs, &near, profile, report_lang)),
                IdKind::Risk => risks.push(self.risk_finding(&doc, rule, &contribs, report_lang)),
            }
        }

        let high_confidentiality = !sensitivity.is_empty();
        let (verdict, verdict_reasons) = cloud_verdict(kind, &clauses, &risks, report_lang);
        let summary = summarize(&clauses, &risks);
        // The PPC concern — operators of a cloud service reading high-confidentiality data —
        // caps the grade of terms of service; in an entrustment contract or DPA the provider
        // handles the data by design and the clauses decide.
        let cap_applies = high_confidentiality && kind == DocKind::Tos;
        let (grade, grade_reason) = grade(&summary, profile, &risks, cap_applies, report_lang);
        let parties = doc
            .parties
            .summary(&doc.norm.text, &doc.term_hits)
            .into_iter()
            .map(|(term, role)| PartyInfo { term, role: role.as_str().to_string() })
            .collect();

        DocumentReport {
            path: path.to_string(),
            status: "ok".into(),
            error: None,
            format: Some(ex.format.as_str().to_string()),
            lang: Some(lang.as_str().to_string()),
            report_lang: Some(report_lang.as_str().to_string()),
            kind: Some(kind.as_str().to_string()),
            pages: ex.pages(),
            profile: Some(profile.as_str().to_string()),
            profile_reason: Some(profile_reason),
            sensitivity: sensitivity.clone(),
            high_confidentiality,
            sensitivity_evidence,
            cloud_exception: verdict.map(|v| v.as_str().to_string()),
            cloud_exception_reasons: verdict_reasons,
            grade: Some(grade.to_string()),
            grade_reason: Some(grade_reason),
            parties,
            clauses,
            risks,
            summary: Some(summary),
        }
    }

    /// One pass of the automaton; hits are attached to sentences and article titles.
    fn find_hits(&self, doc: &mut Doc) {
        let text = &doc.norm.text;
        let sentences = &doc.seg.sentences;
        // (owner, hit) in automaton order, then grouped by owner below.
        let mut found: Vec<(u32, Hit)> = Vec::with_capacity(text.len() / 8);
        // The sentence holding a match start: a cursor, since the automaton reports
        // matches by their end and a start is never far behind the previous one.
        let mut si = 0usize;
        let words = self.presence_words();
        let mut presence = vec![0u64; sentences.len() * words];
        // Every match of a party term of the document's language, for Parties::scan_from.
        let slot = AcPattern::term_slot(doc.lang);
        let mut terms: Vec<(u32, u32, u32)> = Vec::with_capacity(text.len() / 64);
        for m in self.rules.automaton.find_overlapping_iter(text) {
            let (start, end) = (m.start(), m.end());
            let pattern = &self.rules.patterns[m.pattern().as_usize()];
            if let Some(id) = pattern.terms[slot] {
                terms.push((start as u32, end as u32, id));
            }
            while si + 1 < sentences.len() && sentences[si + 1].start <= start {
                si += 1;
            }
            while si > 0 && sentences[si].start > start {
                si -= 1;
            }
            let Some(s) = sentences.get(si) else { continue };
            if s.start > start || end > s.end {
                continue;
            }
            for v in &pattern.variants {
                if boundary_ok(text, start, end, v.word_start, v.word_end) {
                    found.extend(v.owners.iter().map(|&o| (o, Hit { si: si as u32, start, end })));
                    for &b in &v.presence {
                        presence[si * words + b as usize / 64] |= 1 << (b % 64);
                    }
                }
            }
        }
        // A stable counting sort by owner.
        let n_owners = self.rules.owners.len;
        let mut hit_start = vec![0u32; n_owners + 1];
        for (o, _) in &found {
            hit_start[*o as usize + 1] += 1;
        }
        for o in 0..n_owners {
            hit_start[o + 1] += hit_start[o];
        }
        let mut next: Vec<u32> = hit_start[..n_owners].to_vec();
        let mut hits = vec![Hit { si: 0, start: 0, end: 0 }; found.len()];
        for (o, h) in found {
            hits[next[o as usize] as usize] = h;
            next[o as usize] += 1;
        }
        // A match reported after a later one can start in an earlier sentence: restore
        // sentence order, keeping the automaton's order within a sentence.
        for o in 0..n_owners {
            let v = &mut hits[hit_start[o] as usize..hit_start[o + 1] as usize];
            if !v.is_sorted_by_key(|h| h.si) {
                v.sort_by_key(|h| h.si);
            }
        }
        let mut title_hits = Vec::with_capacity(doc.seg.articles.len());
        for a in &doc.seg.articles {
            let mut owners = Vec::new();
            if let Some(t) = &a.title {
                for m in self.rules.automaton.find_overlapping_iter(t.as_str()) {
                    for v in &self.rules.patterns[m.pattern().as_usize()].variants {
                        if boundary_ok(t, m.start(), m.end(), v.word_start, v.word_end) {
                            owners.extend(self.rules.literals[v.literal].owners.iter().copied());
                        }
                    }
                }
            }
            title_hits.push(owners);
        }
        // By start, the longest first at one start (the automaton reports by end).
        terms.sort_unstable_by_key(|&(st, en, _)| (st, std::cmp::Reverse(en)));
        doc.term_hits = doc.parties.scan_from(text, &terms);
        doc.hits = hits;
        doc.hit_start = hit_start;
        doc.presence = presence;
        doc.candidates = self.candidates(doc, &title_hits);
    }

    /// Candidate sentences of every rule: a sentence with a literal cue of the rule, under
    /// an article whose title holds the rule's topic, or where a topic regex can match (its
    /// gate literal is there, or it has no gate). Headings are never candidates.
    fn candidates(&self, doc: &Doc, title_hits: &[Vec<Owner>]) -> Vec<Vec<(usize, bool)>> {
        const LITERAL: u8 = 1;
        const TITLE: u8 = 2;
        let n_rules = self.rules.rules.len();
        let sentences = &doc.seg.sentences;
        let mut marks: Vec<Vec<u8>> = vec![vec![0; sentences.len()]; n_rules];
        let title_rules: Vec<Vec<usize>> = title_hits
            .iter()
            .map(|owners| {
                let mut v: Vec<usize> = owners
                    .iter()
                    .filter_map(|o| match *o {
                        Owner::Rule(ri, set) if set == self.rules.rules[ri].topic => Some(ri),
                        _ => None,
                    })
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        for (si, s) in sentences.iter().enumerate() {
            if s.heading {
                continue;
            }
            let mut cur = s.article;
            while let Some(a) = cur {
                for &ri in &title_rules[a] {
                    marks[ri][si] = TITLE;
                }
                cur = doc.seg.articles[a].parent;
            }
            for &ri in &self.topic_ungated {
                marks[ri][si] |= LITERAL;
            }
        }
        for (o, rules) in self.owner_rules.iter().enumerate() {
            if rules.is_empty() {
                continue;
            }
            for h in self.owner_hits(doc, o) {
                let si = h.si as usize;
                if !sentences[si].heading {
                    for &ri in rules {
                        marks[ri][si] |= LITERAL;
                    }
                }
            }
        }
        marks
            .iter()
            .map(|m| m.iter().enumerate().filter(|(_, &k)| k != 0).map(|(si, &k)| (si, k & TITLE != 0)).collect())
            .collect()
    }

    /// All hits of owner index `o`.
    fn owner_hits<'d>(&self, doc: &'d Doc, o: usize) -> &'d [Hit] {
        &doc.hits[doc.hit_start[o] as usize..doc.hit_start[o + 1] as usize]
    }

    /// The hits of `owner` in sentence `si`, in automaton order.
    fn hits_in<'d>(&self, doc: &'d Doc, si: usize, owner: Owner) -> &'d [Hit] {
        let v = self.owner_hits(doc, self.rules.owners.index(owner));
        let si = si as u32;
        let a = v.partition_point(|h| h.si < si);
        let n = v[a..].iter().take_while(|h| h.si == si).count();
        &v[a..a + n]
    }

    /// The first hit (in automaton order) of `owner` in sentence `si`.
    fn first_hit<'d>(&self, doc: &'d Doc, si: usize, owner: Owner) -> Option<&'d Hit> {
        let v = self.owner_hits(doc, self.rules.owners.index(owner));
        let si = si as u32;
        v.get(v.partition_point(|h| h.si < si)).filter(|h| h.si == si)
    }

    /// Whether a set (the rule's own or `@shared`) matches sentence `si`; returns the
    /// first hit range when it is a literal.
    fn set_matches(&self, doc: &Doc, ri: usize, rule: &Rule, set: SetRef, si: usize) -> SetMatch {
        let text = doc.sentence_text(si);
        let set = match set {
            SetRef::Shared(shi) => {
                if let Some(h) = self.first_hit(doc, si, Owner::Shared(shi)) {
                    return Some(Some((h.start, h.end)));
                }
                return self.rules.shared_regexes[shi].iter().any(|r| self.gate_span(doc, si, r).is_some_and(|span| r.is_match_in(text, span))).then_some(None);
            }
            SetRef::Local(set) => set,
        };
        if let Some(h) = self.first_hit(doc, si, Owner::Rule(ri, set)) {
            return Some(Some((h.start, h.end)));
        }
        let start = doc.seg.sentences[si].start;
        for r in &rule.sets[set].regexes {
            let Some(window) = self.gate_span(doc, si, r) else { continue };
            let found = match (r.gate, r.gate_at) {
                (Some(g), GateAt::Start) => {
                    let mut starts: Vec<usize> = self.hits_in(doc, si, Owner::Gate(g)).iter().map(|h| h.start - start).collect();
                    starts.sort_unstable();
                    starts.dedup();
                    r.find_from_starts(text, &starts, window.end)
                }
                _ => r.find_in(text, window),
            };
            if let Some((ms, me)) = found {
                return Some(Some((start + ms, start + me)));
            }
        }
        None
    }

    /// Whether shared set `shi` matches sentence `si` (memoized per sentence for the
    /// engine's own sets).
    fn shared_matches(&self, doc: &Doc, si: usize, shi: usize) -> bool {
        let slot = self.engine_sets.iter().position(|&x| x == shi).map(|k| si * self.engine_sets.len() + k);
        if let Some(known) = slot.and_then(|i| doc.shared_memo.borrow()[i]) {
            return known;
        }
        let found = self.first_hit(doc, si, Owner::Shared(shi)).is_some()
            || self.rules.shared_regexes[shi].iter().any(|r| self.gate_span(doc, si, r).is_some_and(|span| r.is_match_in(doc.sentence_text(si), span)));
        if let Some(i) = slot {
            doc.shared_memo.borrow_mut()[i] = Some(found);
        }
        found
    }

    /// Whether a regex cue can match sentence `si`: its gate literal is in the sentence, and
    /// a literal of each of its other gated sets ([`Analyzer::also_open`]).
    fn gate_open(&self, doc: &Doc, si: usize, r: &CueRegex) -> bool {
        r.gate.is_none_or(|g| self.first_hit(doc, si, Owner::Gate(g)).is_some()) && self.also_open(doc, si, r)
    }

    /// Whether sentence `si` holds a literal of each of `r`'s other literal sets.
    fn also_open(&self, doc: &Doc, si: usize, r: &CueRegex) -> bool {
        let words = self.presence_words();
        r.also.iter().all(|&g| match self.rules.presence[g] {
            Some(b) => doc.presence[si * words + b as usize / 64] >> (b % 64) & 1 == 1,
            None => self.first_hit(doc, si, Owner::Gate(g)).is_some(),
        })
    }

    /// Words of presence bits per sentence.
    fn presence_words(&self) -> usize {
        self.rules.presence_len.div_ceil(64)
    }

    /// The part of sentence `si` (its own offsets) where a match of `r` can lie, `None`
    /// when its gate is closed: every match starts at a gate literal (or ends at one), so
    /// nothing before the first (after the last) needs searching.
    fn gate_span(&self, doc: &Doc, si: usize, r: &CueRegex) -> Option<std::ops::Range<usize>> {
        let s = &doc.seg.sentences[si];
        if !self.also_open(doc, si, r) {
            return None;
        }
        let Some(g) = r.gate else { return Some(0..s.end - s.start) };
        r.window(s.end - s.start, self.hits_in(doc, si, Owner::Gate(g)).iter().map(|h| (h.start - s.start, h.end - s.start)))
    }

    /// Runs the rule's patterns over its candidate sentences.
    fn evaluate(&self, doc: &Doc, ri: usize, rule: &Rule) -> (Vec<Contribution>, Vec<NearMiss>) {
        let mut out = Vec::new();
        let mut near = Vec::new();
        // Sentences a `none` pattern consumed (carve-outs, after-notice wording).
        let mut consumed = Vec::new();
        // Each set is evaluated at most once per sentence, however many patterns use it
        // (one buffer for every sentence).
        let mut memo: Vec<(SetRef, SetMatch)> = Vec::new();
        for &(si, in_title) in &doc.candidates[ri] {
            memo.clear();
            let mut set_matches = |set: SetRef| -> SetMatch {
                if let Some((_, r)) = memo.iter().find(|(n, _)| *n == set) {
                    return *r;
                }
                let r = self.set_matches(doc, ri, rule, set, si);
                memo.push((set, r));
                r
            };
            let topic = SetRef::Local(rule.topic);
            let topic_here = set_matches(topic);
            if topic_here.is_none() && !in_title {
                continue;
            }
            let anchor = topic_here.flatten();
            for (pi, (p, refs)) in rule.file.patterns.iter().zip(&rule.refs).enumerate() {
                if let Some(lang) = p.lang {
                    if lang != doc.lang {
                        continue;
                    }
                }
                // Cue sets.
                let mut first_cue = anchor;
                // The first cue of a set other than the topic: the risk wording itself.
                let mut any_cue = None;
                let mut ok = true;
                for &set in &refs.all {
                    let m = if set == topic {
                        if topic_here.is_some() || in_title {
                            Some(anchor)
                        } else {
                            None
                        }
                    } else {
                        set_matches(set)
                    };
                    if set != topic && any_cue.is_none() {
                        any_cue = m.flatten();
                    }
                    match m {
                        Some(c) => {
                            if first_cue.is_none() {
                                first_cue = c;
                            }
                        }
                        None => {
                            ok = false;
                            break;
                        }
                    }
                }
                if !ok {
                    continue;
                }
                if !refs.any.is_empty() {
                    match refs.any.iter().find_map(|&set| if set == topic { topic_here } else { set_matches(set) }) {
                        Some(c) => {
                            if any_cue.is_none() {
                                any_cue = c;
                            }
                            if first_cue.is_none() {
                                first_cue = c;
                            }
                        }
                        None => continue,
                    }
                }
                if refs.none.iter().any(|&set| set_matches(set).is_some()) {
                    continue;
                }
                if !refs.none_in_article.is_empty() {
                    let art = doc.seg.sentences[si].article;
                    let blocked = doc.article_sentences(art).iter().any(|&j| refs.none_in_article.iter().any(|&set| self.set_matches(doc, ri, rule, set, j).is_some()));
                    if blocked {
                        continue;
                    }
                }
                if p.status == PatternStatus::None && p.party.is_none() && p.modality.is_none() {
                    consumed.push(si);
                    break;
                }
                // Party and modality at the governing predicate of the first cue.
                let sent_start = doc.seg.sentences[si].start;
                let text = doc.sentence_text(si);
                let rel_anchor = first_cue.map(|(s, _)| s - sent_start);
                let anchor = rel_anchor.unwrap_or(text.len());
                let key = (si, rel_anchor);
                let known = doc.judged.borrow().get(&key).copied();
                let (role, modality) = known.unwrap_or_else(|| {
                    let role = match doc.role_at(si, anchor) {
                        Some(r) => r,
                        // A sentence whose subject is an unknown company name ("Garmin may
                        // …") does not inherit the previous sentence's party.
                        None if doc.parties.names_subject(text, anchor, None) => Role::Unknown,
                        None => doc.main_role(si),
                    };
                    let mut modality = modality::classify(text, rel_anchor, doc.lang);
                    if modality == Modality::Statement {
                        // "Receiving Party shall: … (d) use it only for the Purpose;" /
                        // 「乙は、次の各号に掲げる行為をしてはならない。（1）目的外利用」: an item
                        // without its own predicate takes the lead-in's.
                        if let Some(lead) = lead_in(doc, si) {
                            modality = modality::classify(doc.sentence_text(lead), None, doc.lang);
                        }
                    }
                    doc.judged.borrow_mut().insert(key, (role, modality));
                    (role, modality)
                });
                // "You are solely responsible for … and the Provider has no responsibility
                // for …": when the topic cue binds the customer but the risk wording itself
                // comes later, judge the party at that wording's own predicate.
                let (role, modality) = match (rule.kind, role, any_cue, rel_anchor) {
                    (IdKind::Risk, Role::Customer, Some((cs, _)), Some(ra)) if cs - sent_start > ra => {
                        let at = cs - sent_start;
                        match doc.role_at(si, at) {
                            Some(Role::Provider) => (Role::Provider, modality::classify(text, Some(at), doc.lang)),
                            None if doc.parties.names_subject(text, at, None) => (Role::Unknown, modality::classify(text, Some(at), doc.lang)),
                            _ => (role, modality),
                        }
                    }
                    _ => (role, modality),
                };
                let tags = self.tags(doc, si, modality);
                let party_ok = match &p.party {
                    Some(allowed) => allowed.contains(&role),
                    None => match rule.kind {
                        IdKind::Clause => matches!(role, Role::Provider | Role::Both | Role::Unknown),
                        IdKind::Risk => matches!(role, Role::Provider | Role::Unknown | Role::Both),
                    },
                };
                let (mod_ok, weakened) = match &p.modality {
                    Some(allowed) => {
                        if allowed.iter().any(|t| tags.contains(t)) {
                            (true, false)
                        } else if modality == Modality::Effort
                            && p.effort_weakens
                            && allowed.iter().any(|t| matches!(t, ModalityTag::Binding | ModalityTag::Obligation))
                        {
                            (true, true)
                        } else {
                            (false, false)
                        }
                    }
                    None => match rule.kind {
                        IdKind::Clause => {
                            if tags.contains(&ModalityTag::Binding) {
                                (true, false)
                            } else if modality == Modality::Effort && p.effort_weakens {
                                (true, true)
                            } else {
                                (false, false)
                            }
                        }
                        IdKind::Risk => (true, false),
                    },
                };
                if p.status == PatternStatus::None {
                    // A carve-out with party/modality filters consumes only what it names.
                    if party_ok && mod_ok {
                        consumed.push(si);
                        break;
                    }
                    continue;
                }
                if !(party_ok && mod_ok) {
                    if rule.kind == IdKind::Clause && p.status == PatternStatus::Present {
                        near.push(NearMiss { sentence: si, role, modality });
                    }
                    continue;
                }
                let status = if weakened && p.status == PatternStatus::Present { PatternStatus::Weak } else { p.status };
                out.push(Contribution { sentence: si, status, pattern: pi, cap: p.cap, role, modality, cue: first_cue });
                break;
            }
        }
        if rule.kind == IdKind::Risk {
            inherit_lead_in_flags(doc, &mut out, &consumed);
        }
        (out, near)
    }

    fn tags(&self, doc: &Doc, si: usize, m: Modality) -> Vec<ModalityTag> {
        let mut tags = vec![match m {
            Modality::Obligation => ModalityTag::Obligation,
            Modality::Prohibition => ModalityTag::Prohibition,
            Modality::Permission => ModalityTag::Permission,
            Modality::Effort => ModalityTag::Effort,
            Modality::NegatedObligation => ModalityTag::NegatedObligation,
            Modality::Statement => ModalityTag::Statement,
        }];
        let [consent_set, no_consent_set, restrictive_set] = self.engine_sets;
        let consent = self.shared_matches(doc, si, consent_set);
        let no_consent = self.shared_matches(doc, si, no_consent_set);
        let condition = consent
            && match m {
                Modality::Prohibition | Modality::Obligation => true,
                Modality::Permission => !no_consent,
                _ => false,
            };
        if condition {
            tags.push(ModalityTag::Condition);
        }
        if m == Modality::Permission && self.shared_matches(doc, si, restrictive_set) {
            tags.push(ModalityTag::Restriction);
        }
        // A restricted permission ("may use … only for") binds only where a rule asks for
        // `restriction`: for confidentiality, a permission to disclose is no safeguard.
        if matches!(m, Modality::Obligation | Modality::Prohibition) || tags.contains(&ModalityTag::Condition) {
            tags.push(ModalityTag::Binding);
        }
        tags
    }

    fn evidence(&self, doc: &Doc, si: usize, cue: Option<(usize, usize)>, role: Option<Role>, modality: Option<Modality>, effect: &str) -> Evidence {
        make_evidence(doc, si, cue, role, modality, effect)
    }

    fn clause_finding(&self, doc: &Doc, rule: &Rule, contribs: &[Contribution], near: &[NearMiss], profile: Profile, lang: Lang) -> ClauseFinding {
        let best = if contribs.iter().any(|c| c.status == PatternStatus::Present) {
            ClauseStatus::Present
        } else if contribs.iter().any(|c| c.status == PatternStatus::Weak) {
            ClauseStatus::Weak
        } else {
            ClauseStatus::Missing
        };
        let capped = contribs.iter().find(|c| c.cap && c.status == PatternStatus::Weak);
        let status = if best == ClauseStatus::Present && capped.is_some() { ClauseStatus::Weak } else { best };
        let deciding = match status {
            ClauseStatus::Present => contribs.iter().find(|c| c.status == PatternStatus::Present),
            ClauseStatus::Weak => capped.or_else(|| contribs.iter().find(|c| c.status == PatternStatus::Weak)),
            ClauseStatus::Missing => None,
        };
        let reason = match deciding {
            Some(c) => {
                let p: &PatternDef = &rule.file.patterns[c.pattern];
                let mut r = p.reason.get(lang).to_string();
                if c.status == PatternStatus::Weak && p.status == PatternStatus::Present {
                    r = match lang {
                        Lang::Ja => format!("努力義務にとどまる（{}）", r),
                        Lang::En => format!("effort-only wording ({})", r),
                    };
                }
                format!("{}{}", r, locate(doc, c.sentence, c.role, c.modality, lang))
            }
            None => missing_reason(doc, near, lang),
        };
        let evidence = contribs
            .iter()
            .filter(|c| matches!(c.status, PatternStatus::Present | PatternStatus::Weak))
            .map(|c| {
                let effect = match c.status {
                    PatternStatus::Present => "present",
                    _ => "weak",
                };
                self.evidence(doc, c.sentence, c.cue, Some(c.role), Some(c.modality), effect)
            })
            .collect();
        ClauseFinding {
            id: rule.id().to_string(),
            status: status.as_str().to_string(),
            requirement: profile.requirement(rule.id()).as_str().to_string(),
            reason,
            evidence,
            title: rule.file.title.get(lang).to_string(),
            basis: rule.file.basis.get(lang).to_string(),
            suggestion: rule.file.suggestion.get(lang).to_string(),
        }
    }

    fn risk_finding(&self, doc: &Doc, rule: &Rule, contribs: &[Contribution], lang: Lang) -> RiskFinding {
        let flagged: Vec<&Contribution> = contribs.iter().filter(|c| c.status == PatternStatus::Flagged).collect();
        let status = if flagged.is_empty() { RiskStatus::Clear } else { RiskStatus::Flagged };
        let reason = match flagged.first() {
            Some(c) => format!("{}{}", rule.file.patterns[c.pattern].reason.get(lang), locate(doc, c.sentence, c.role, c.modality, lang)),
            None => match lang {
                Lang::Ja => "該当する定めは見当たらない".to_string(),
                Lang::En => "no such term found".to_string(),
            },
        };
        RiskFinding {
            id: rule.id().to_string(),
            status: status.as_str().to_string(),
            reason,
            evidence: flagged.iter().map(|c| self.evidence(doc, c.sentence, c.cue, Some(c.role), Some(c.modality), "flagged")).collect(),
            title: rule.file.title.get(lang).to_string(),
            basis: rule.file.basis.get(lang).to_string(),
            suggestion: rule.file.suggestion.get(lang).to_string(),
        }
    }

    /// §3: what the document says will be handled.
    fn sensitivity(&self, doc: &Doc) -> (Vec<String>, Vec<SensitivityFinding>) {
        let mut found: Vec<SensitivityFinding> = Vec::new();
        // The regex cues are counts ("10,000件"): only sentences with a digit are asked.
        let has_digit: Vec<bool> = if self.rules.sensitivity_regexes.iter().any(|r| !r.is_empty()) {
            (0..doc.seg.sentences.len()).map(|si| doc.sentence_text(si).bytes().any(|b| b.is_ascii_digit())).collect()
        } else {
            Vec::new()
        };
        for (i, (id, def)) in self.rules.sensitivity.iter().enumerate() {
            let mut ev = Vec::new();
            // Only a sentence with a literal cue, or a digit for the count cues, can name
            // the data: those, in order.
            let mut asked: Vec<usize> = self.owner_hits(doc, self.rules.owners.index(Owner::Sensitivity(i, false))).iter().map(|h| h.si as usize).collect();
            if !self.rules.sensitivity_regexes[i].is_empty() {
                asked.extend(has_digit.iter().enumerate().filter(|(_, &d)| d).map(|(si, _)| si));
                asked.sort_unstable();
            }
            asked.dedup();
            for si in asked {
                if doc.seg.sentences[si].heading {
                    continue;
                }
                let text = doc.sentence_text(si);
                if !def.context.is_empty() && self.first_hit(doc, si, Owner::Context(i)).is_none() {
                    continue;
                }
                let mut cue = self.first_hit(doc, si, Owner::Sensitivity(i, false)).map(|h| (h.start, h.end));
                if cue.is_none() && !self.rules.sensitivity_regexes[i].is_empty() && has_digit[si] {
                    let start = doc.seg.sentences[si].start;
                    for r in &self.rules.sensitivity_regexes[i] {
                        if !self.gate_open(doc, si, r) {
                            continue;
                        }
                        if let Some(c) = r.captures(text) {
                            if id == "bulk-personal" && !bulk_count_ok(&c) {
                                continue;
                            }
                            let m = c.get(0).unwrap();
                            cue = Some((start + m.start(), start + m.end()));
                            break;
                        }
                    }
                }
                let Some(cue) = cue else { continue };
                let role = doc.role_at(si, text.len()).unwrap_or_else(|| doc.main_role(si));
                let excluded = self.hits_in(doc, si, Owner::Sensitivity(i, true)).iter().any(|h| {
                    let lit = &doc.norm.text[h.start..h.end];
                    // A prohibition on the provider ("must not disclose health data") means
                    // the data is handled; only the customer's "must not upload" or a plain
                    // exclusion means it is not.
                    neutral_exclusion(lit) || matches!(role, Role::Customer | Role::Unknown)
                });
                if excluded {
                    continue;
                }
                ev.push(make_evidence(doc, si, Some(cue), None, None, "sensitivity"));
                if ev.len() >= 5 {
                    break;
                }
            }
            if !ev.is_empty() {
                found.push(SensitivityFinding { id: id.clone(), evidence: ev });
            }
        }
        (found.iter().map(|f| f.id.clone()).collect(), found)
    }
}

/// The lead-in sentence an item belongs to: the nearest earlier non-item sentence of the
/// same article, if it announces a list ("shall:", 「次の各号」「以下の」).
fn lead_in(doc: &Doc, si: usize) -> Option<usize> {
    let s = &doc.seg.sentences[si];
    if s.item.is_none() {
        return numbered_lead_in(doc, si);
    }
    let article = s.article;
    let mut j = si;
    while j > 0 {
        j -= 1;
        let c = &doc.seg.sentences[j];
        if c.article != article || c.heading {
            return None;
        }
        if c.item.is_none() {
            let t = doc.norm.text[c.start..c.end].trim_end();
            let announces = t.ends_with(':') || t.ends_with('：') || ["次の", "次に掲げる", "以下の", "各号", "the following", "as follows"].iter().any(|w| t.contains(w));
            return announces.then_some(j);
        }
    }
    None
}

/// Sub-clauses numbered like articles that complete their parent's announcing sentence:
/// "5.1 On receipt of a return notice, the Receiving Party shall:" then "5.1.1 destroy or
/// return …", "5.1.2 …". Only the first sentence of each sub-clause, and only when the
/// parent's last sentence ends with a colon.
fn numbered_lead_in(doc: &Doc, si: usize) -> Option<usize> {
    let sentences = &doc.seg.sentences;
    let s = &sentences[si];
    if s.heading {
        return None;
    }
    let a = s.article?;
    let parent = doc.seg.articles[a].parent?;
    let mut j = si;
    let mut first = true;
    while j > 0 {
        j -= 1;
        let c = &sentences[j];
        if c.heading {
            continue;
        }
        match c.article {
            Some(x) if x == a => {
                if first {
                    return None;
                }
            }
            Some(x) if x == parent => {
                let t = doc.norm.text[c.start..c.end].trim_end();
                return (t.ends_with(':') || t.ends_with('：')).then_some(j);
            }
            // An earlier sub-clause of the same list.
            Some(x) if doc.seg.articles[x].parent == Some(parent) => {}
            _ => return None,
        }
        first = false;
    }
    None
}

/// Items of a list whose lead-in is flagged share the lead-in's flag: each item completes
/// the lead-in's sentence ("We are not liable for: (a) loss of data; (b) …", "We may close
/// your account: (a) if you breach these Terms; (b) …"), though it rarely repeats its cue
/// words. An item a `none` pattern consumed (after notice, a carve-out) keeps its own
/// reading; so does an item that contributes by itself.
fn inherit_lead_in_flags(doc: &Doc, out: &mut Vec<Contribution>, consumed: &[usize]) {
    let mut added = Vec::new();
    for c in out.iter().filter(|c| c.status == PatternStatus::Flagged) {
        let lead = c.sentence;
        for si in lead + 1..doc.seg.sentences.len() {
            if lead_in(doc, si) != Some(lead) {
                break;
            }
            if consumed.contains(&si) || out.iter().any(|o| o.sentence == si) {
                continue;
            }
            added.push(Contribution { sentence: si, cue: None, ..c.clone() });
        }
    }
    if !added.is_empty() {
        out.extend(added);
        out.sort_by_key(|c| c.sentence);
    }
}

fn neutral_exclusion(lit: &str) -> bool {
    let l = lit.to_ascii_lowercase();
    [
        "含まない", "含みません", "含まれない", "含まれません", "除く", "除きます", "取り扱わない", "取扱わない", "取り扱いません", "取扱いません",
        "exclud", "does not include", "do not include", "no special", "will not process", "does not process", "not be processed",
    ]
    .iter()
    .any(|n| l.contains(n))
}

fn bulk_count_ok(c: &regex::Captures) -> bool {
    let Some(n) = c.get(1) else { return true };
    let Ok(mut v) = n.as_str().replace(',', "").parse::<f64>() else { return false };
    let whole = c.get(0).unwrap().as_str().to_ascii_lowercase();
    if c.get(2).is_some_and(|m| m.as_str() == "万") {
        v *= 10_000.0;
    } else if c.get(2).is_some_and(|m| m.as_str() == "千") {
        v *= 1_000.0;
    } else if whole.contains("million") {
        v *= 1_000_000.0;
    } else if whole.contains("thousand") {
        v *= 1_000.0;
    }
    v >= 1000.0
}

fn boundary_ok(text: &str, start: usize, end: usize, word_start: bool, word_end: bool) -> bool {
    if word_start && text[..start].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    if word_end && text[end..].chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    true
}

/// Builds an evidence item quoting the original text.
fn make_evidence(doc: &Doc, si: usize, cue: Option<(usize, usize)>, role: Option<Role>, modality: Option<Modality>, effect: &str) -> Evidence {
    let s = &doc.seg.sentences[si];
    let raw = &doc.raw.text;
    let (rs, re) = doc.norm.raw_range(s.start, s.end);
    let first_line = doc.norm.line_of(s.start);
    let last_line = doc.norm.line_of(s.end.saturating_sub(1).max(s.start));
    let cue_line = cue.map(|(c, _)| doc.norm.line_of(c)).filter(|l| (first_line..=last_line).contains(l)).unwrap_or(first_line);
    // The part of the sentence on the cue's line, so `text` is always inside line `line`.
    let (lrs, lre) = {
        let (ls, le) = doc.norm.line_range(cue_line);
        let (a, _) = doc.norm.raw_range(ls, ls);
        let b = doc.norm.raw_offset(le);
        (a, b)
    };
    let part_start = rs.max(lrs);
    let part_end = re.min(lre).max(part_start);
    let text = raw.get(part_start..part_end).unwrap_or("").trim().to_string();
    let sentence_raw = raw.get(rs..re).unwrap_or("");
    let joiner = if doc.lang == Lang::Ja { "" } else { " " };
    let sentence = sentence_raw.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(joiner);
    let (article, article_title) = match s.article {
        Some(a) => {
            let art = &doc.seg.articles[a];
            let (ls, le) = art.label_range;
            let label = if le > ls {
                let (a, b) = doc.norm.raw_range(ls, le);
                raw.get(a..b).unwrap_or(&art.label).trim().trim_start_matches('#').trim().trim_start_matches("**").trim().to_string()
            } else {
                art.label.clone()
            };
            let title = doc.seg.titles(Some(a)).first().map(|t| t.to_string());
            (Some(label).filter(|l| !l.is_empty()), title)
        }
        None => (None, None),
    };
    let paragraph = match (&s.paragraph, &s.item) {
        (Some(p), Some(i)) => Some(format!("{p} {i}")),
        (Some(p), None) => Some(p.clone()),
        (None, Some(i)) => Some(i.clone()),
        (None, None) => None,
    };
    let cue_text = cue.and_then(|(a, b)| {
        let (ra, rb) = doc.norm.raw_range(a, b);
        raw.get(ra..rb).map(str::to_string)
    });
    Evidence {
        text,
        article,
        page: doc.raw.page_of_line(cue_line),
        line: cue_line + 1,
        sentence,
        line_end: last_line + 1,
        article_title,
        paragraph,
        cue: cue_text,
        party: role.map(|r| r.as_str().to_string()),
        modality: modality.map(|m| m.as_str().to_string()),
        effect: Some(effect.to_string()),
    }
}

/// " (第5条: 乙・禁止)" — where the deciding sentence is and how it binds.
fn locate(doc: &Doc, si: usize, role: Role, m: Modality, lang: Lang) -> String {
    let s = &doc.seg.sentences[si];
    let art = s.article.map(|a| doc.seg.articles[a].label.clone()).unwrap_or_default();
    let line = doc.norm.line_of(s.start) + 1;
    let place = if art.is_empty() { format!("L{line}") } else { format!("{art}, L{line}") };
    match lang {
        Lang::Ja => format!("（{place}・{}・{}）", role_ja(role), modality_ja(m)),
        Lang::En => format!(" ({place}; binds {}; {})", role.as_str(), m.as_str()),
    }
}

fn role_ja(r: Role) -> &'static str {
    match r {
        Role::Provider => "受託者側を拘束",
        Role::Customer => "委託者側のみ",
        Role::Both => "双方を拘束",
        Role::ThirdParty => "第三者",
        Role::Unknown => "主語なし",
    }
}

fn modality_ja(m: Modality) -> &'static str {
    match m {
        Modality::Obligation => "義務",
        Modality::Prohibition => "禁止",
        Modality::Permission => "許可",
        Modality::Effort => "努力義務",
        Modality::NegatedObligation => "義務の否定",
        Modality::Statement => "記述",
    }
}

fn missing_reason(doc: &Doc, near: &[NearMiss], lang: Lang) -> String {
    if let Some(n) = near.iter().find(|n| n.role == Role::Customer) {
        let art = doc.seg.sentences[n.sentence].article.map(|a| doc.seg.articles[a].label.clone()).unwrap_or_default();
        return match lang {
            Lang::Ja => format!("関連する定め（{art}）は委託者側のみを拘束し、受託者の義務になっていない"),
            Lang::En => format!("the related term ({art}) binds only the customer, not the provider"),
        };
    }
    if let Some(n) = near.first() {
        let art = doc.seg.sentences[n.sentence].article.map(|a| doc.seg.articles[a].label.clone()).unwrap_or_default();
        return match lang {
            Lang::Ja => format!("関連する記載（{art}）はあるが{}であり、受託者の義務として定められていない", modality_ja(n.modality)),
            Lang::En => format!("a related term ({art}) is a {} rather than a duty of the provider", n.modality.as_str()),
        };
    }
    match lang {
        Lang::Ja => "該当する定めが見当たらない".to_string(),
        Lang::En => "no such term found".to_string(),
    }
}

/// Language by script: Japanese text has far more CJK characters per word than English.
pub fn detect_lang(text: &str) -> Lang {
    const LIMIT: usize = 200_000;
    let (mut cjk, mut latin, mut chars) = (0usize, 0usize, 0usize);
    let b = text.as_bytes();
    let mut i = 0;
    while chars < LIMIT && i < b.len() {
        // An ASCII run, counted a block at a time (letters: `x | 0x20` in a..=z); the
        // other characters are decoded one at a time.
        let end = b.len().min(i + (LIMIT - chars));
        // Whole 32-byte blocks first (branch-free, vectorized), then byte by byte.
        let mut j = i;
        while j + 32 <= end && b[j..j + 32].iter().fold(0u8, |a, &x| a | x) < 0x80 {
            latin += b[j..j + 32].iter().map(|&x| ((x | 0x20).wrapping_sub(b'a') < 26) as u8).sum::<u8>() as usize;
            j += 32;
        }
        let run = j - i + b[j..end].iter().position(|x| !x.is_ascii()).unwrap_or(end - j);
        latin += b[j..i + run].iter().map(|&x| ((x | 0x20).wrapping_sub(b'a') < 26) as usize).sum::<usize>();
        chars += run;
        i += run;
        if chars < LIMIT {
            if let Some(c) = text[i..].chars().next() {
                if is_cjk(c) {
                    cjk += 1;
                }
                chars += 1;
                i += c.len_utf8();
            }
        }
    }
    if cjk * 5 > latin {
        Lang::Ja
    } else {
        Lang::En
    }
}

/// Document kind from the title lines, then from who speaks.
pub fn detect_kind(text: &str, lang: Lang) -> DocKind {
    let head: String = text.lines().filter(|l| !l.trim().is_empty()).take(8).collect::<Vec<_>>().join("\n").to_lowercase();
    // Every title word in one pass; a Latin word counts only as a whole word ("nda" is
    // not in "standard"). No word overlaps itself at a word start, so every occurrence
    // the automaton reports is one a left-to-right substring search would see.
    let (ac, words) = kind_words();
    let mut found = [false; KIND_WORDS.len()];
    for m in ac.find_overlapping_iter(&head) {
        let (k, latin) = words[m.pattern().as_usize()];
        if !found[k] && (!latin || boundary_ok(&head, m.start(), m.end(), true, true)) {
            found[k] = true;
        }
    }
    if let Some(k) = found.iter().position(|&f| f) {
        return KIND_WORDS[k].0;
    }
    let count = |w: &str| text.matches(w).count();
    match lang {
        Lang::Ja => {
            if count("当社") > count("乙") && (count("お客様") + count("利用者") + count("契約者") + count("ユーザー")) > 0 {
                DocKind::Tos
            } else {
                DocKind::Entrustment
            }
        }
        Lang::En => {
            // ASCII folding is enough: no other character lowercases to "you".
            let you = count_ascii_ci(text.as_bytes(), b" you ") + count_ascii_ci(text.as_bytes(), b" your ");
            if you > 10 {
                DocKind::Tos
            } else {
                DocKind::Entrustment
            }
        }
    }
}

/// Non-overlapping occurrences of the lowercase ASCII `needle` in `hay`, ignoring ASCII
/// case (what `hay.to_lowercase().matches(needle).count()` gives, without the copy).
fn count_ascii_ci(hay: &[u8], needle: &[u8]) -> usize {
    // Candidates are the places of the needle's first letter (a space is too common).
    let Some(k) = needle.iter().position(u8::is_ascii_alphabetic) else { return 0 };
    let (lo, up) = (needle[k].to_ascii_lowercase(), needle[k].to_ascii_uppercase());
    let (mut n, mut next) = (0, 0);
    for i in memchr::memchr2_iter(lo, up, hay) {
        let Some(start) = i.checked_sub(k).filter(|s| *s >= next) else { continue };
        if hay.get(start..start + needle.len()).is_some_and(|w| w.eq_ignore_ascii_case(needle)) {
            n += 1;
            next = start + needle.len();
        }
    }
    n
}

/// Words of the title lines that tell a document's kind, the kinds in the order they are
/// tried.
const KIND_WORDS: [(DocKind, &[&str]); 5] = [
    (DocKind::Dpa, &["data processing", "data protection agreement", "data protection addendum", "dpa", "データ処理", "データ保護", "個人データの取扱いに関する", "個人情報の取扱いに関する覚書", "個人情報の取扱いに関する契約"]),
    (DocKind::Nda, &["non-disclosure", "nondisclosure", "confidentiality agreement", "nda", "秘密保持契約", "機密保持契約", "秘密保持に関する"]),
    (DocKind::SpecialTerms, &["特記事項", "特約", "覚書", "special terms", "supplemental terms", "addendum"]),
    (DocKind::Tos, &["利用規約", "サービス規約", "約款", "terms of service", "terms of use", "terms and conditions", "user agreement", "subscription agreement", "customer agreement", "service terms"]),
    (DocKind::Entrustment, &["委託契約", "業務委託", "outsourcing", "services agreement", "service agreement", "consulting", "contractor agreement", "hosting agreement", "master agreement"]),
];

/// One automaton over [`KIND_WORDS`]: per pattern, its kind's index and whether it is a
/// Latin word (matched as a whole word only).
fn kind_words() -> &'static (aho_corasick::AhoCorasick, Vec<(usize, bool)>) {
    static A: std::sync::OnceLock<(aho_corasick::AhoCorasick, Vec<(usize, bool)>)> = std::sync::OnceLock::new();
    A.get_or_init(|| {
        let words: Vec<(usize, &str)> = KIND_WORDS.iter().enumerate().flat_map(|(k, (_, ws))| ws.iter().map(move |w| (k, *w))).collect();
        let ac = aho_corasick::AhoCorasick::new(words.iter().map(|(_, w)| w)).expect("kind words");
        (ac, words.iter().map(|(k, w)| (*k, w.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))).collect())
    })
}

fn resolve_profile(requested: Profile, lang: Lang, sensitivity: &[String], rl: Lang) -> (Profile, String) {
    if requested != Profile::Auto {
        return (
            requested,
            match rl {
                Lang::Ja => format!("指定されたプロファイル {}", requested.as_str()),
                Lang::En => format!("profile {} as requested", requested.as_str()),
            },
        );
    }
    if sensitivity.iter().any(|s| s == "mynumber") {
        return (
            Profile::Mynumber,
            match rl {
                Lang::Ja => "自動: 個人番号（特定個人情報）の取扱いが記載されているため番号法ガイドラインを適用".into(),
                Lang::En => "auto: the document mentions My Number (individual numbers), so the My Number guideline applies".into(),
            },
        );
    }
    match lang {
        Lang::Ja => (
            Profile::Appi,
            match rl {
                Lang::Ja => "自動: 日本語の文書のため個人情報保護法（委託先の監督）を適用".into(),
                Lang::En => "auto: Japanese document, so APPI (supervision of entrusted parties) applies".into(),
            },
        ),
        Lang::En => (
            Profile::Gdpr,
            match rl {
                Lang::Ja => "自動: 英語の文書のため GDPR 第28条を適用".into(),
                Lang::En => "auto: English document, so GDPR Art. 28 applies".into(),
            },
        ),
    }
}

fn summarize(clauses: &[ClauseFinding], risks: &[RiskFinding]) -> DocSummary {
    let mut s = DocSummary::default();
    for c in clauses {
        match (c.requirement.as_str(), c.status.as_str()) {
            ("required", "missing") => s.required_missing += 1,
            ("required", "weak") => s.required_weak += 1,
            ("recommended", "missing") => s.recommended_missing += 1,
            ("recommended", "weak") => s.recommended_weak += 1,
            _ => {}
        }
    }
    s.risks_flagged = risks.iter().filter(|r| r.status == "flagged").count();
    s
}

/// Risks that mean the provider handles the data beyond the customer's control.
pub const CRITICAL_RISKS: &[&str] = &["provider-access", "provider-data-use", "free-subcontracting", "deletion-without-return", "overseas-transfer"];

/// Grade A–E (README "Grades"): required gaps weigh most, then risks.
fn grade(s: &DocSummary, profile: Profile, risks: &[RiskFinding], high: bool, lang: Lang) -> (char, String) {
    let required = profile.clauses().0.len().max(1);
    let mut points = s.required_missing * 3 + s.required_weak;
    for r in risks.iter().filter(|r| r.status == "flagged") {
        points += if CRITICAL_RISKS.contains(&r.id.as_str()) { 2 } else { 1 };
    }
    let critical_flagged = risks.iter().any(|r| r.status == "flagged" && (r.id == "provider-access" || r.id == "provider-data-use"));
    let mut g = if s.required_missing * 2 >= required {
        'E'
    } else if points == 0 {
        'A'
    } else if points <= 3 {
        'B'
    } else if points <= 7 {
        'C'
    } else if points <= 12 {
        'D'
    } else {
        'E'
    };
    if high && critical_flagged && g < 'D' {
        g = 'D';
    }
    let why = match lang {
        Lang::Ja => format!(
            "必須条項の欠落 {}件・不十分 {}件、要注意条項 {}件（{}点）{}",
            s.required_missing,
            s.required_weak,
            s.risks_flagged,
            points,
            if high && critical_flagged { "。高い機密性を要するデータを事業者が取り扱い得るため D 以下" } else { "" }
        ),
        Lang::En => format!(
            "{} required clauses missing, {} weak, {} risks flagged ({} points){}",
            s.required_missing,
            s.required_weak,
            s.risks_flagged,
            points,
            if high && critical_flagged { "; high-confidentiality data the provider may handle caps the grade at D" } else { "" }
        ),
    };
    (g, why)
}

/// §4: entrustment vs the cloud exception.
fn cloud_verdict(kind: DocKind, clauses: &[ClauseFinding], risks: &[RiskFinding], lang: Lang) -> (Option<CloudVerdict>, Vec<String>) {
    let flagged = |id: &str| risks.iter().find(|r| r.id == id).filter(|r| r.status == "flagged");
    let mut reasons = Vec::new();
    for id in ["provider-access", "provider-data-use"] {
        if let Some(r) = flagged(id) {
            let at = r.evidence.first().map(|e| format!("{} L{}", e.article.clone().unwrap_or_default(), e.line)).unwrap_or_default();
            reasons.push(match (lang, id) {
                (Lang::Ja, "provider-access") => format!("事業者（保守・運用担当者を含む）が顧客データにアクセスし得る（{at}）"),
                (Lang::Ja, _) => format!("事業者が顧客データを自らの目的に利用し得る（{at}）"),
                (Lang::En, "provider-access") => format!("the provider or its operations staff may access customer data ({at})"),
                (Lang::En, _) => format!("the provider may use customer data for its own purposes ({at})"),
            });
        }
    }
    if !reasons.is_empty() {
        reasons.push(match lang {
            Lang::Ja => "個人データの取扱いの委託に当たり、委託先の監督（個人情報保護法第25条）が必要".into(),
            Lang::En => "this is entrustment: the customer must supervise the provider (APPI Art. 25) and needs the entrustment clauses".into(),
        });
        return (Some(CloudVerdict::Entrustment), reasons);
    }
    let nac = clauses.iter().find(|c| c.id == "no-access-commitment");
    if nac.is_some_and(|c| c.status == "present") {
        let at = nac.and_then(|c| c.evidence.first()).map(|e| format!("{} L{}", e.article.clone().unwrap_or_default(), e.line)).unwrap_or_default();
        return (
            Some(CloudVerdict::CloudExceptionPossible),
            vec![match lang {
                Lang::Ja => format!("事業者が保存データを取り扱わない旨とアクセス制御が定められ（{at}）、アクセス・利用のリスクは検出されない（PPC Q&A 7-53）"),
                Lang::En => format!("the provider commits not to handle stored personal data, with access control ({at}), and no access or data-use risk was found (PPC Q&A 7-53)"),
            }],
        );
    }
    match kind {
        DocKind::Entrustment | DocKind::Dpa | DocKind::SpecialTerms => (
            Some(CloudVerdict::Entrustment),
            vec![match lang {
                Lang::Ja => "委託契約（受託者が個人データを取り扱う）であり、委託先の監督が必要".into(),
                Lang::En => "an entrustment / processing contract: the provider handles the data on the customer's behalf".into(),
            }],
        ),
        _ => (
            Some(CloudVerdict::Undetermined),
            vec![match lang {
                Lang::Ja => "事業者がデータを取り扱わない旨の定めも、アクセス・利用を認める定めも見当たらない".into(),
                Lang::En => "neither a no-access commitment nor a term letting the provider access or use the data was found".into(),
            }],
        ),
    }
}

impl Requirement {
    pub fn is_gap_relevant(self) -> bool {
        !matches!(self, Requirement::NotRequired)
    }
}

/// Ids of §1 that a status set holds, for tests and evaluation.
pub fn statuses(report: &DocumentReport) -> BTreeSet<(String, String)> {
    report.clauses.iter().map(|c| (c.id.clone(), c.status.clone())).chain(report.risks.iter().map(|r| (r.id.clone(), r.status.clone()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture documents, extracted, and the bundled rules' analyzer.
    fn fixture_docs() -> (Analyzer, Vec<(String, Extracted)>) {
        let analyzer = Analyzer::new(RuleSet::bundled().unwrap());
        let mut docs = Vec::new();
        for lang in ["en", "ja"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(lang);
            let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
            paths.sort();
            for p in paths {
                let ex = crate::extract::extract_file(&p, &crate::extract::ExtractOptions::default()).unwrap();
                docs.push((p.display().to_string(), ex));
            }
        }
        assert!(docs.len() >= 10);
        (analyzer, docs)
    }

    #[test]
    fn party_terms_from_the_cue_pass_are_those_the_term_finder_scans() {
        let (analyzer, docs) = fixture_docs();
        let mut terms = 0;
        for (name, ex) in &docs {
            let doc = analyzer.prepare(ex);
            let scanned = doc.parties.scan(&doc.norm.text);
            assert_eq!(doc.term_hits, scanned, "{name}");
            terms += scanned.len();
        }
        // Cut and glued, so that terms overlap and run into each other.
        let glued = "the service provider's subprocessor and the data controller, each party and either party; sub-processorsthird parties";
        let ex = Extracted { format: crate::extract::Format::Txt, text: glued.into(), page_starts: Vec::new(), encoding: None };
        let doc = analyzer.prepare(&ex);
        assert_eq!(doc.term_hits, doc.parties.scan(&doc.norm.text));
        assert!(doc.term_hits.len() >= 7 && terms > 1000, "{} {terms}", doc.term_hits.len());
    }

    #[test]
    fn a_second_literal_set_is_open_where_one_of_its_literals_is() {
        let (analyzer, docs) = fixture_docs();
        let rules = &analyzer.rules;
        let cues: Vec<&CueRegex> = rules.rules.iter().flat_map(|r| r.sets.iter().flat_map(|s| &s.regexes)).chain(rules.shared_regexes.iter().flatten()).filter(|c| !c.also.is_empty()).collect();
        assert!(cues.len() > 20 && rules.presence_len > 10, "{} cues, {} bits", cues.len(), rules.presence_len);
        let set_texts = |g: usize| -> Vec<&str> { rules.literals.iter().filter(|l| l.owners.contains(&Owner::Gate(g))).map(|l| l.text.as_str()).collect() };
        let (mut open, mut closed) = (0, 0);
        for (_, ex) in docs.iter().filter(|(n, _)| n.contains("/en/")) {
            let doc = analyzer.prepare(ex);
            for si in 0..doc.seg.sentences.len() {
                let folded = doc.sentence_text(si).to_ascii_lowercase();
                for cue in &cues {
                    let want = cue.also.iter().all(|&g| set_texts(g).iter().any(|t| folded.contains(t)));
                    assert_eq!(analyzer.also_open(&doc, si, cue), want, "{:?} in {folded:?}", cue.as_str());
                    if want {
                        open += 1;
                    } else {
                        closed += 1;
                    }
                }
            }
        }
        assert!(open > 100 && closed > 10 * open, "{open} open, {closed} closed");
    }

    #[test]
    fn a_sentence_naming_no_party_inherits_the_last_named_one_within_its_article() {
        let ex = Extracted { format: crate::extract::Format::Txt, text: "Article 1 Hosting\nThe Provider shall host the data in Japan. Backups are kept for 30 days. Copies are encrypted.\n\nArticle 2 Fees\nInvoices are due in 30 days.\n".into(), page_starts: Vec::new(), encoding: None };
        let norm = normalize(&ex.text);
        let lang = detect_lang(&norm.text);
        let seg = segment(&norm, lang);
        let parties = Parties::resolve(&norm.text, lang);
        let n = seg.sentences.len();
        let mut doc = Doc::new(&ex, norm, seg, lang, parties, 3);
        doc.term_hits = doc.parties.scan(&doc.norm.text);
        let at = |needle: &str| (0..n).find(|&i| doc.sentence_text(i).starts_with(needle)).unwrap_or_else(|| panic!("no sentence {needle}"));
        let (host, backups, copies, invoices) = (at("The Provider"), at("Backups"), at("Copies"), at("Invoices"));
        // Asked out of order, so the walk back meets answers it left on the way.
        assert_eq!(doc.main_role(copies), Role::Provider);
        assert_eq!(doc.main_role(backups), Role::Provider);
        assert_eq!(doc.main_role(host), Role::Provider);
        // Another article: nothing to inherit.
        assert_eq!(doc.main_role(invoices), Role::Unknown);
        assert_eq!(doc.main_role(0), Role::Unknown);
    }

    #[test]
    fn kind_comes_from_whole_title_words_in_kind_order() {
        assert_eq!(detect_kind("Mutual NDA\nThe parties agree.", Lang::En), DocKind::Nda);
        // "nda" inside "standard", "dpa" inside "sdpay": no whole word, so who speaks decides.
        assert_eq!(detect_kind("Standard Contractual Clauses\nsdpay\nThe supplier shall act.", Lang::En), DocKind::Entrustment);
        // Both a DPA and a ToS word: the DPA comes first in the order.
        assert_eq!(detect_kind("Terms of Service\nData Processing Addendum", Lang::En), DocKind::Dpa);
        assert_eq!(detect_kind("Hosting Agreement", Lang::En), DocKind::Entrustment);
        assert_eq!(detect_kind("クラウドサービス利用規約\n第1条（目的）", Lang::Ja), DocKind::Tos);
        assert_eq!(detect_kind("個人情報の取扱いに関する覚書", Lang::Ja), DocKind::Dpa);
        // Only the first eight non-blank lines are the head.
        let late = format!("{}Data Processing Agreement", "x\n\n".repeat(8));
        assert_eq!(detect_kind(&late, Lang::En), DocKind::Entrustment);
    }

    #[test]
    fn ascii_count_agrees_with_lowercase_matches() {
        for hay in ["", " you ", " You  YOU your you ", " you you you ", "x yourself you\u{212A} you ", "日本 you 語 your "] {
            for needle in [" you ", " your "] {
                assert_eq!(count_ascii_ci(hay.as_bytes(), needle.as_bytes()), hay.to_lowercase().matches(needle).count(), "{hay:?} {needle:?}");
            }
        }
    }

    #[test]
    fn language_counts_letters_and_kanji_like_a_char_by_char_count() {
        let slow = |t: &str| {
            let head: Vec<char> = t.chars().take(200_000).collect();
            let cjk = head.iter().filter(|c| is_cjk(**c)).count();
            let latin = head.iter().filter(|c| c.is_ascii_alphabetic()).count();
            if cjk * 5 > latin { Lang::Ja } else { Lang::En }
        };
        for t in ["", "abc", "[`@{~ 123", "本契約は、甲と乙の間で締結される。Provider", "ab日", "abcde日", "abcdef日", "Ünïcödé text with é and ß", "日本語 ABCDE fghij 漢字"] {
            assert_eq!(detect_lang(t), slow(t), "{t}");
        }
        // Long ASCII runs go a block at a time: blocks cut by a CJK character at every offset.
        let block = "The Provider [shall] keep @data` {secret} ~ 123 _Zz_ ".repeat(3);
        // 96 letters: 19 CJK characters are English (95 < 96), 20 Japanese.
        for cut in 0..block.len() {
            for tail in ["日本語日本語日本語日本語日本語日", "日本語日本語日本語日本語日本語日本"] {
                let t = format!("{}日本語{}{tail}", &block[..cut], &block[cut..]);
                assert_eq!(detect_lang(&t), slow(&t), "{t}");
            }
        }
        let edge = format!("{}{}", "a".repeat(199_999), "日本語日本語");
        assert_eq!(detect_lang(&edge), slow(&edge));
    }

    #[test]
    fn language_is_decided_on_the_first_200000_characters() {
        assert_eq!(detect_lang("本契約は秘密保持について定める。"), Lang::Ja);
        assert_eq!(detect_lang("This agreement governs confidentiality."), Lang::En);
        // Mostly English with a Japanese title: Latin letters outnumber five times the CJK.
        assert_eq!(detect_lang("利用規約 These terms apply to every user of the service."), Lang::En);
        // Only the head counts: Japanese after 200,000 English characters is not seen.
        let long = format!("{}{}", "a".repeat(200_000), "日".repeat(100_000));
        assert_eq!(detect_lang(&long), Lang::En);
        let long = format!("{}{}", "日".repeat(1000), "a".repeat(4000));
        assert_eq!(detect_lang(&long), Lang::Ja);
    }
}
