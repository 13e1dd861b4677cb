//! The rule library: loads `clauses/*.toml`, validates every file up front (schema, ids,
//! cue-set references, regexes) and compiles all literal cues into one Aho-Corasick
//! automaton. A bad rule is fatal with `file: what is wrong`; it is never skipped.

pub mod schema;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;

use crate::taxonomy::{id_kind, IdKind, Lang, CLAUSE_IDS, RISK_IDS, SENSITIVITY_IDS};
use crate::text::normalize_str;
pub use schema::*;

/// The rule library compiled into the bundled binary, so `clausegap` works from anywhere.
pub const BUNDLED: &[(&str, &str)] = &include!(concat!(env!("OUT_DIR"), "/bundled_rules.rs"));

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{0}: cannot read: {1}")]
    Io(String, std::io::Error),
}

fn invalid(file: &str, message: impl Into<String>) -> RuleError {
    RuleError::Invalid { file: file.to_string(), message: message.into() }
}

/// A cue set after compilation.
#[derive(Debug, Clone, Default)]
pub struct CueSet {
    pub name: String,
    /// Regex cues (evaluated on candidate sentences only).
    pub regexes: Vec<CueRegex>,
}

/// A regex cue and its gate: literals that every match starts (or ends) with. The gate
/// literals ride in the document's one automaton pass, so a regex runs only on sentences
/// where it can match at all.
#[derive(Debug, Clone)]
pub struct CueRegex {
    /// Shared by every cue written with the same pattern: a clone of a regex would get a
    /// cache pool, and so a lazy DFA, of its own.
    re: Arc<Matcher>,
    /// `Owner::Gate` index, or `None` when no useful literal could be derived (the regex
    /// then runs on every sentence it is asked about).
    pub gate: Option<usize>,
    /// Where every match holds a gate literal: the search can skip what lies before the
    /// first one (`Start`) or after the last one (`End`).
    pub gate_at: GateAt,
    /// The gates of the pattern's other literal sets (a required piece's, its suffix's
    /// when the gate is its prefix, …): every match holds one literal of each too, so a
    /// sentence missing any of them is not searched.
    pub also: Vec<usize>,
    /// The longest match in bytes, when the pattern bounds it: with the gate's places it
    /// bounds where a match can lie ([`CueRegex::window`]).
    pub max_len: Option<usize>,
    /// The same pattern with its long bounded gaps made unbounded (`[^.;]{0,80}` →
    /// `[^.;]*`): it matches a superset, and its small DFA rejects most sentences at a
    /// fraction of the cost of the counted one.
    loose: Option<Arc<Loose>>,
}

/// Where the gate literal sits in every match of a regex cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateAt {
    /// Every match starts with one (a prefix literal).
    Start,
    /// Every match ends with one (a suffix literal).
    End,
    /// Somewhere inside (a required piece), or the regex has no gate.
    Inside,
}

/// The loose form of a cue with long counted gaps. Each gap is a capture group, so when
/// the loose regex matches, the gaps its match took can be measured: if every one is
/// within its bound, that match is exactly the counted regex's match (see
/// [`Loose::check`]) and the counted regex — whose lazy DFA is huge and slow — never runs.
#[derive(Debug, Clone)]
struct Loose {
    re: regex_automata::meta::Regex,
    /// Upper bound of each gap (capture group `i + 1`); `None` when some gap sits inside a
    /// repetition, whose capture would only tell its last round: then a loose match only
    /// says "maybe".
    bounds: Option<Vec<usize>>,
    /// Gaps count characters (Unicode mode), not bytes.
    chars: bool,
}

/// What the loose form says about a sentence.
#[derive(Debug, PartialEq, Eq)]
enum Loosely {
    NoMatch,
    /// The counted regex's own match.
    Match(usize, usize),
    /// The loose form matches; only the counted regex can tell.
    Unsure,
}

impl Loose {
    /// `pattern` compiled with `syntax`, every `{0,N}` / `{1,N}` (N ≥ 10) of a single
    /// class or character made unbounded and captured; `None` when it has none.
    fn new(syntax: &Syntax) -> Option<Loose> {
        use regex_syntax::hir::{Capture, Hir, HirKind, Repetition};
        fn walk(h: &Hir, in_rep: bool, bounds: &mut Vec<usize>, nested: &mut bool) -> Hir {
            match h.kind() {
                HirKind::Repetition(r) => {
                    let atom = matches!(r.sub.kind(), HirKind::Class(_) | HirKind::Literal(_));
                    match r.max {
                        Some(max) if atom && r.min <= 1 && max >= 10 => {
                            *nested |= in_rep;
                            bounds.push(max as usize);
                            let open = Hir::repetition(Repetition { min: r.min, max: None, greedy: r.greedy, sub: r.sub.clone() });
                            Hir::capture(Capture { index: bounds.len() as u32, name: None, sub: Box::new(open) })
                        }
                        _ => {
                            let sub = walk(&r.sub, in_rep || r.max != Some(1), bounds, nested);
                            Hir::repetition(Repetition { min: r.min, max: r.max, greedy: r.greedy, sub: Box::new(sub) })
                        }
                    }
                }
                // The pattern's own groups are dropped (matching is the same): the gaps
                // are then groups 1, 2, … in order.
                HirKind::Capture(c) => walk(&c.sub, in_rep, bounds, nested),
                HirKind::Concat(parts) => Hir::concat(parts.iter().map(|p| walk(p, in_rep, bounds, nested)).collect()),
                HirKind::Alternation(alts) => Hir::alternation(alts.iter().map(|p| walk(p, in_rep, bounds, nested)).collect()),
                _ => h.clone(),
            }
        }
        let hir = syntax.parse()?;
        let (mut bounds, mut nested) = (Vec::new(), false);
        let loose = walk(&hir, false, &mut bounds, &mut nested);
        if bounds.is_empty() {
            return None;
        }
        let re = meta_regex(syntax, &loose)?;
        Some(Loose { re, bounds: (!nested).then_some(bounds), chars: syntax.unicode })
    }

    /// A match no longer than the smallest bound cannot have a gap beyond its own: it is
    /// the counted regex's match without looking at its gaps.
    fn too_short_for_a_long_gap(&self, text: &str, m: &regex_automata::Match, bounds: &[usize]) -> bool {
        let len = if self.chars { count_chars(&text.as_bytes()[m.range()]) } else { m.len() };
        bounds.iter().all(|&max| len <= max)
    }

    /// The loose match, and whether it is the counted regex's. Every match of the counted
    /// regex is a match of the loose one taking the same choices, and among the choices
    /// both prefer the same (more rounds of a greedy gap, fewer of a lazy one). So when
    /// the loose regex's leftmost-first match took no gap beyond its bound, it is a
    /// counted match; none starts earlier (it would be a loose match too), and none at
    /// that start is preferred to it: it is the counted regex's match.
    ///
    /// When a gap went beyond its bound, `counted` is tried at the loose match's start
    /// alone (no counted match starts earlier): a match there is the counted regex's.
    fn check(&self, text: &str, span: Range<usize>, counted: &Matcher) -> Loosely {
        let input = regex_automata::Input::new(text.as_bytes()).span(span.clone());
        let Some(bounds) = &self.bounds else {
            return if self.re.is_match(input) { Loosely::Unsure } else { Loosely::NoMatch };
        };
        let Some(m) = self.re.find(input.clone()) else { return Loosely::NoMatch };
        if self.too_short_for_a_long_gap(text, &m, bounds) {
            return Loosely::Match(m.start(), m.end());
        }
        if let Matcher::Meta { re, .. } = counted {
            return anchored_find(re, text, m.start(), span.end).map_or(Loosely::Unsure, |c| Loosely::Match(c.start(), c.end()));
        }
        let mut caps = self.re.create_captures();
        // Only the match's own span is searched for the groups (its look-arounds still see
        // the text around it): the same match, found without rescanning the sentence.
        self.re.search_captures(&input.span(m.range()), &mut caps);
        if caps.get_match() != Some(m) {
            return Loosely::Unsure;
        }
        for (i, &max) in bounds.iter().enumerate() {
            if let Some(span) = caps.get_group(i + 1) {
                let gap = &text.as_bytes()[span.range()];
                let rounds = if self.chars { count_chars(gap) } else { gap.len() };
                if rounds > max {
                    return Loosely::Unsure;
                }
            }
        }
        Loosely::Match(m.start(), m.end())
    }
}

/// The match of `re` that starts exactly at `at` and ends by `end` (look-arounds still
/// see the whole text).
fn anchored_find(re: &regex_automata::meta::Regex, text: &str, at: usize, end: usize) -> Option<regex_automata::Match> {
    re.find(regex_automata::Input::new(text.as_bytes()).span(at..end).anchored(regex_automata::Anchored::Yes))
}

/// Characters in valid UTF-8: the bytes that are not continuation bytes.
fn count_chars(b: &[u8]) -> usize {
    b.iter().filter(|&&x| (x as i8) >= -0x40).count()
}

/// The pattern text and syntax options a cue regex was compiled with.
#[derive(Debug, Clone)]
struct Syntax {
    pattern: String,
    unicode: bool,
    /// Matches only valid UTF-8 (`&str` regexes).
    utf8: bool,
}

/// How a cue regex is compiled. The mode is the first that compiles of: Unicode off on
/// `&str`; for a pattern written in ASCII only (an English cue) whose classes need Unicode
/// mode on `&str` (`[^.;]`), a byte regex with Unicode off — its lazy DFA is many times
/// smaller, so a batch does not spend its time building it, and a gap then counts bytes,
/// not characters, which only differs beside non-ASCII letters; else Unicode mode, with
/// `\b` made ASCII where possible ([`crate::text::unicode_spellings`]).
#[derive(Debug, Clone)]
enum Matcher {
    /// A `regex` crate regex, for the cues whose groups are read (sensitivity counts).
    Str(Regex),
    /// Every other cue, built without a prefilter ([`meta_regex`]): the cue's gate already
    /// put one of its literals in the sentence, so a literal prefilter mostly restarts the
    /// DFA at every false start of a common word. `widen`: a byte regex on UTF-8 text.
    Meta { re: regex_automata::meta::Regex, pattern: String, widen: bool },
}

/// A regex over `syntax`'s HIR without a prefilter, with the lazy-DFA cache of
/// [`crate::text`]'s regexes.
fn meta_regex(syntax: &Syntax, hir: &regex_syntax::hir::Hir) -> Option<regex_automata::meta::Regex> {
    let config = regex_automata::meta::Config::new().utf8_empty(syntax.utf8).auto_prefilter(false).hybrid_cache_capacity(32 << 20);
    regex_automata::meta::Builder::new().configure(config).build_from_hir(hir).ok()
}

impl Syntax {
    fn parse(&self) -> Option<regex_syntax::hir::Hir> {
        regex_syntax::ParserBuilder::new().unicode(self.unicode).utf8(self.utf8).build().parse(&self.pattern).ok()
    }
}

impl Matcher {
    /// `pattern` compiled once, in the first mode that takes it; `groups`: the cue's
    /// capture groups are read, so it must be a `regex` crate regex.
    fn new(pattern: &str, groups: bool) -> Result<(Matcher, Syntax), regex::Error> {
        let syntax = |unicode: bool, utf8: bool, p: &str| Syntax { pattern: p.to_string(), unicode, utf8 };
        if groups {
            if let Ok(re) = crate::text::regex_ascii(pattern) {
                return Ok((Matcher::Str(re), syntax(false, true, pattern)));
            }
            // regex_unicode may have rewritten `\b`: the syntax is that of what it built.
            return crate::text::regex_unicode(pattern).map(|re| {
                let s = syntax(true, true, re.as_str());
                (Matcher::Str(re), s)
            });
        }
        let mut modes = vec![syntax(false, true, pattern)];
        if pattern.is_ascii() {
            modes.push(syntax(false, false, pattern));
        }
        modes.extend(crate::text::unicode_spellings(pattern).iter().map(|p| syntax(true, true, p)));
        for s in modes {
            if let Some(re) = s.parse().and_then(|hir| meta_regex(&s, &hir)) {
                return Ok((Matcher::Meta { re, pattern: s.pattern.clone(), widen: !s.utf8 }, s));
            }
        }
        // No mode compiles: the `regex` crate says why.
        crate::text::regex_unicode(pattern).map(|re| {
            let s = syntax(true, true, re.as_str());
            (Matcher::Str(re), s)
        })
    }

    /// Whether a match lies in `span` of `text` (the text around it still seen by
    /// look-arounds). The `regex` crate takes no end: it searches to the end of the text,
    /// which finds the same first match when no match can end beyond `span`.
    fn is_match(&self, text: &str, span: Range<usize>) -> bool {
        match self {
            Matcher::Str(re) => re.find_at(text, span.start).is_some(),
            Matcher::Meta { re, .. } => re.is_match(regex_automata::Input::new(text.as_bytes()).span(span)),
        }
    }

    fn find(&self, text: &str, span: Range<usize>) -> Option<(usize, usize)> {
        match self {
            Matcher::Str(re) => re.find_at(text, span.start).map(|m| (m.start(), m.end())),
            Matcher::Meta { re, widen: w, .. } => {
                re.find(regex_automata::Input::new(text.as_bytes()).span(span)).map(|m| if *w { widen(text, m.start(), m.end()) } else { (m.start(), m.end()) })
            }
        }
    }
}

/// A byte range widened to whole characters.
fn widen(text: &str, mut s: usize, mut e: usize) -> (usize, usize) {
    while !text.is_char_boundary(s) {
        s -= 1;
    }
    while !text.is_char_boundary(e) {
        e += 1;
    }
    (s, e)
}

impl CueRegex {
    /// Byte range of the first match (on character boundaries).
    pub fn find(&self, text: &str) -> Option<(usize, usize)> {
        self.find_in(text, 0..text.len())
    }

    /// [`CueRegex::find`] when no match can start before `span.start` or end after
    /// `span.end` (the gate literal's first and last places, see [`GateAt`]): only that
    /// part is searched, and the match is the same.
    pub fn find_in(&self, text: &str, span: Range<usize>) -> Option<(usize, usize)> {
        match self.loose.as_ref().map(|l| l.check(text, span.clone(), &self.re)) {
            Some(Loosely::NoMatch) => None,
            Some(Loosely::Match(s, e)) => Some(widen(text, s, e)),
            Some(Loosely::Unsure) | None => self.re.find(text, span),
        }
    }

    /// The part of a text of `len` bytes where a match can lie, given the places of the
    /// gate literal (`(start, end)`, none when it is absent: then there is no match): after
    /// the first place for a prefix gate, before the last for a suffix gate, and within
    /// the longest match of some place when the pattern bounds its length.
    pub fn window(&self, len: usize, places: impl Iterator<Item = (usize, usize)>) -> Option<Range<usize>> {
        if self.gate.is_none() {
            return Some(0..len);
        }
        let (mut first_start, mut last_start, mut first_end, mut last_end) = (usize::MAX, 0, usize::MAX, 0);
        for (s, e) in places {
            (first_start, last_start, first_end, last_end) = (first_start.min(s), last_start.max(s), first_end.min(e), last_end.max(e));
        }
        if first_start == usize::MAX {
            return None;
        }
        let (lo, hi) = match self.gate_at {
            GateAt::Start => (first_start, self.max_len.map_or(len, |m| last_start + m)),
            GateAt::End => (self.max_len.map_or(0, |m| first_end.saturating_sub(m)), last_end),
            GateAt::Inside => match self.max_len {
                Some(m) => (first_end.saturating_sub(m), last_start + m),
                None => (0, len),
            },
        };
        let hi = hi.min(len);
        Some(lo.min(hi)..hi)
    }

    /// [`CueRegex::find`] for a cue whose every match starts at one of `starts` (its
    /// gate literal's places, ascending; [`GateAt::Start`]) and ends by `end`: the first
    /// start where the cue matches anchored is the leftmost match, so each start is tried
    /// alone instead of scanning the sentence for one.
    pub fn find_from_starts(&self, text: &str, starts: &[usize], end: usize) -> Option<(usize, usize)> {
        let Matcher::Meta { re, widen: w, .. } = &*self.re else {
            return starts.first().and_then(|&p| self.find_in(text, p..end));
        };

        for &p in starts {
            if let Some(loose) = &self.loose {
                // The loose form matches wherever the counted one does.
                let Some(m) = anchored_find(&loose.re, text, p, end) else { continue };
                if loose.bounds.as_ref().is_some_and(|b| loose.too_short_for_a_long_gap(text, &m, b)) {
                    return Some(widen(text, m.start(), m.end()));
                }
            }
            if let Some(m) = anchored_find(re, text, p, end) {
                return Some(if *w { widen(text, m.start(), m.end()) } else { (m.start(), m.end()) });
            }
        }
        None
    }

    /// Capture groups of the first match; cues compiled with `groups` only.
    pub fn captures<'t>(&self, text: &'t str) -> Option<regex::Captures<'t>> {
        match &*self.re {
            Matcher::Str(re) if self.loose.as_ref().is_none_or(|l| l.check(text, 0..text.len(), &self.re) != Loosely::NoMatch) => re.captures(text),
            _ => None,
        }
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.is_match_in(text, 0..text.len())
    }

    /// [`CueRegex::is_match`] over `span` only, as for [`CueRegex::find_in`].
    pub fn is_match_in(&self, text: &str, span: Range<usize>) -> bool {
        match self.loose.as_ref().map(|l| l.check(text, span.clone(), &self.re)) {
            Some(Loosely::NoMatch) => false,
            Some(Loosely::Match(..)) => true,
            Some(Loosely::Unsure) | None => self.re.is_match(text, span),
        }
    }

    /// The counted regex alone, without the loose form (to test that both agree).
    #[cfg(test)]
    fn find_exact(&self, text: &str) -> Option<(usize, usize)> {
        self.re.find(text, 0..text.len())
    }

    pub fn as_str(&self) -> &str {
        match &*self.re {
            Matcher::Str(re) => re.as_str(),
            Matcher::Meta { pattern, .. } => pattern,
        }
    }
}

/// The first (`head`) or last `k` bytes of `t`, widened to whole characters.
fn cut_literal(t: &str, k: usize, head: bool) -> &str {
    if k >= t.len() {
        return t;
    }
    if head {
        let mut e = k;
        while !t.is_char_boundary(e) {
            e += 1;
        }
        &t[..e]
    } else {
        let mut s = t.len() - k;
        while !t.is_char_boundary(s) {
            s -= 1;
        }
        &t[s..]
    }
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub file: RuleFile,
    pub kind: IdKind,
    /// Cue sets by name: index into `sets`.
    pub set_index: BTreeMap<String, usize>,
    pub sets: Vec<CueSet>,
    /// The `topic` set.
    pub topic: usize,
    /// Per pattern: the sets it names, resolved.
    pub refs: Vec<PatternRefs>,
}

/// A cue set a pattern names, resolved when the rules compile (the engine asks about sets
/// for every candidate sentence; it should not look names up each time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetRef {
    /// One of the rule's own sets.
    Local(usize),
    /// A `@shared` set.
    Shared(usize),
}

/// A pattern's `all`, `any`, `none` and `none_in_article` sets, resolved.
#[derive(Debug, Clone, Default)]
pub struct PatternRefs {
    pub all: Vec<SetRef>,
    pub any: Vec<SetRef>,
    pub none: Vec<SetRef>,
    pub none_in_article: Vec<SetRef>,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.file.id
    }
}

/// Who owns a literal cue in the automaton.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Owner {
    /// Rule index, set index.
    Rule(usize, usize),
    /// Shared set index.
    Shared(usize),
    /// Sensitivity id index; `true` for an exclusion cue.
    Sensitivity(usize, bool),
    /// Gate literal of a regex cue (`CueRegex::gate`).
    Gate(usize),
    /// A context cue of a sensitivity id (matched anywhere, not only at a word start).
    Context(usize),
}

/// Dense numbering of every [`Owner`] of a rule set, so the engine can keep one hit list
/// per owner in a plain vector.
#[derive(Debug, Clone, Default)]
pub struct OwnerSpace {
    /// First index of each rule's sets.
    rule_base: Vec<usize>,
    shared_base: usize,
    sensitivity_base: usize,
    gate_base: usize,
    context_base: usize,
    /// Number of owners.
    pub len: usize,
}

impl OwnerSpace {
    fn new(sets_per_rule: &[usize], shared: usize, sensitivity: usize, gates: usize) -> OwnerSpace {
        let mut rule_base = Vec::with_capacity(sets_per_rule.len());
        let mut n = 0;
        for &k in sets_per_rule {
            rule_base.push(n);
            n += k;
        }
        let shared_base = n;
        let sensitivity_base = shared_base + shared;
        let gate_base = sensitivity_base + 2 * sensitivity;
        let context_base = gate_base + gates;
        OwnerSpace { rule_base, shared_base, sensitivity_base, gate_base, context_base, len: context_base + sensitivity }
    }

    /// The dense index of an owner of this rule set.
    pub fn index(&self, o: Owner) -> usize {
        match o {
            Owner::Rule(ri, set) => self.rule_base[ri] + set,
            Owner::Shared(i) => self.shared_base + i,
            Owner::Sensitivity(i, excl) => self.sensitivity_base + 2 * i + excl as usize,
            Owner::Gate(g) => self.gate_base + g,
            Owner::Context(i) => self.context_base + i,
        }
    }
}

/// One pattern of the automaton: a distinct literal text, and the constraints and owners
/// of each cue spelled with it (a cue with `\b` and one without share the text but not
/// the constraint). The automaton reports the text once; each variant is checked on its
/// own, in the order the cues were loaded.
#[derive(Debug, Clone)]
pub struct AcPattern {
    pub variants: Vec<LitVariant>,
    /// The party term the text is, by language ([`AcPattern::term_slot`]): its id in
    /// [`crate::engine::parties::base_keys`].
    pub terms: [Option<u32>; 2],
}

impl AcPattern {
    /// Where `terms` keeps `lang`'s term.
    pub fn term_slot(lang: Lang) -> usize {
        match lang {
            Lang::Ja => 0,
            Lang::En => 1,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LitVariant {
    pub word_start: bool,
    pub word_end: bool,
    /// The cue in [`RuleSet::literals`].
    pub literal: usize,
    /// [`OwnerSpace::index`] of each of the literal's owners, in load order.
    pub owners: Vec<u32>,
    /// The presence-only gates ([`RuleSet::presence`]) the literal belongs to.
    pub presence: Vec<u32>,
}

/// A literal of the automaton with its matching constraints.
#[derive(Debug, Clone)]
pub struct Literal {
    pub text: String,
    /// Latin cue: must start at a word start.
    pub word_start: bool,
    /// Cue ended with `\b`: must end at a word end.
    pub word_end: bool,
    pub owners: Vec<Owner>,
}

/// The whole compiled library.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub shared_names: Vec<String>,
    pub shared_regexes: Vec<Vec<CueRegex>>,
    pub sensitivity: Vec<(String, SensitivityDef)>,
    pub sensitivity_regexes: Vec<Vec<CueRegex>>,
    pub literals: Vec<Literal>,
    /// The automaton over the distinct texts of `literals`; pattern `i` is `patterns[i]`.
    pub automaton: AhoCorasick,
    pub patterns: Vec<AcPattern>,
    pub owners: OwnerSpace,
    /// Per gate: its bit when the gate is only ever asked whether it is open (a regex's
    /// [`CueRegex::also`], never its main gate). Such a gate keeps no hits: the engine
    /// records one bit per sentence instead ([`RuleSet::presence_len`] bits).
    pub presence: Vec<Option<u32>>,
    pub presence_len: usize,
    /// A hash of every rule file's text, for cache keys.
    pub fingerprint: String,
}

impl RuleSet {
    /// Loads the bundled rule library.
    pub fn bundled() -> Result<RuleSet, RuleError> {
        let files: Vec<(String, String)> = BUNDLED.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        RuleSet::from_sources(&files)
    }

    /// Loads every `*.toml` of a folder.
    pub fn load_dir(dir: &Path) -> Result<RuleSet, RuleError> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| RuleError::Io(dir.display().to_string(), e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        let mut files = Vec::new();
        for p in paths {
            let text = std::fs::read_to_string(&p).map_err(|e| RuleError::Io(p.display().to_string(), e))?;
            files.push((p.display().to_string(), text));
        }
        RuleSet::from_sources(&files)
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id() == id)
    }

    pub fn shared_index(&self, name: &str) -> Option<usize> {
        self.shared_names.iter().position(|n| n == name)
    }

    /// Compiles rule sources given as (file name, TOML text).
    pub fn from_sources(files: &[(String, String)]) -> Result<RuleSet, RuleError> {
        Self::compile(files, true)
    }

    /// Like [`RuleSet::from_sources`] but accepts a library that lacks some ids (for
    /// testing a rule in isolation).
    pub fn from_sources_partial(files: &[(String, String)]) -> Result<RuleSet, RuleError> {
        Self::compile(files, false)
    }

    fn compile(files: &[(String, String)], require_all: bool) -> Result<RuleSet, RuleError> {
        let mut shared: Option<(String, SharedFile)> = None;
        let mut sens: Option<(String, SensitivityFile)> = None;
        let mut rule_files: Vec<(String, RuleFile)> = Vec::new();
        let mut hasher = blake_lite::Hasher::default();
        for (name, text) in files {
            hasher.update(name.as_bytes());
            hasher.update(text.as_bytes());
            let stem = Path::new(name).file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            let de = |e: toml::de::Error| invalid(name, format_toml_error(text, &e));
            match stem {
                "_shared" => shared = Some((name.clone(), toml::from_str(text).map_err(de)?)),
                "_sensitivity" => sens = Some((name.clone(), toml::from_str(text).map_err(de)?)),
                _ => {
                    let rf: RuleFile = toml::from_str(text).map_err(de)?;
                    if rf.id != stem {
                        return Err(invalid(name, format!("id \"{}\" does not match the file name \"{stem}\"", rf.id)));
                    }
                    match id_kind(&rf.id) {
                        None => return Err(invalid(name, format!("\"{}\" is not a TAXONOMY id", rf.id))),
                        Some(k) if k != rf.kind => {
                            return Err(invalid(name, format!("\"{}\" is a {:?} id, not {:?}", rf.id, k, rf.kind)))
                        }
                        _ => {}
                    }
                    rule_files.push((name.clone(), rf));
                }
            }
        }
        let (shared_name, shared) = shared.ok_or_else(|| invalid("clauses/_shared.toml", "missing"))?;
        let (sens_name, sens) = sens.ok_or_else(|| invalid("clauses/_sensitivity.toml", "missing"))?;
        for id in CLAUSE_IDS.iter().chain(RISK_IDS.iter()).filter(|_| require_all) {
            if !rule_files.iter().any(|(_, r)| r.id == *id) {
                return Err(invalid(&format!("clauses/{id}.toml"), "missing: every TAXONOMY id needs a rule file"));
            }
        }
        // Rules in taxonomy order.
        let order = |id: &str| CLAUSE_IDS.iter().chain(RISK_IDS.iter()).position(|x| *x == id).unwrap_or(usize::MAX);
        rule_files.sort_by_key(|(_, r)| order(&r.id));

        let mut lits: Vec<Literal> = Vec::new();
        let mut lit_index: HashMap<(String, bool, bool), usize> = HashMap::new();
        let mut gates = CueTable::default();

        // Shared sets.
        let shared_names: Vec<String> = shared.cues.keys().cloned().collect();
        let mut shared_regexes = Vec::new();
        for (si, (set, cues)) in shared.cues.iter().enumerate() {
            let mut res = Vec::new();
            for cue in cues {
                if cue.starts_with('@') {
                    return Err(invalid(&shared_name, format!("set \"{set}\": shared sets cannot include other sets ({cue})")));
                }
                match cue.strip_prefix("re:") {
                    Some(re) => res.push(compile_regex(re, &shared_name, set, &mut lits, &mut lit_index, &mut gates, false)?),
                    None => add_literal(&mut lits, &mut lit_index, cue, Owner::Shared(si), &shared_name)?,
                }
            }
            shared_regexes.push(res);
        }
        for required in ENGINE_SHARED_SETS {
            if !shared_names.iter().any(|n| n == required) {
                return Err(invalid(&shared_name, format!("the engine needs the shared cue set \"{required}\"")));
            }
        }

        // Sensitivity.
        let mut sensitivity = Vec::new();
        let mut sensitivity_regexes = Vec::new();
        for id in SENSITIVITY_IDS {
            let def = sens
                .sensitivity
                .get(id)
                .cloned()
                .ok_or_else(|| invalid(&sens_name, format!("no entry for sensitivity id \"{id}\"")))?;
            let mut def = def;
            for c in &mut def.context {
                *c = normalize_str(c).to_lowercase();
            }
            sensitivity.push((id.to_string(), def));
        }
        if let Some(extra) = sens.sensitivity.keys().find(|k| !SENSITIVITY_IDS.contains(&k.as_str())) {
            return Err(invalid(&sens_name, format!("\"{extra}\" is not a TAXONOMY §3 sensitivity id")));
        }
        for (i, (id, def)) in sensitivity.iter().enumerate() {
            for c in &def.context {
                add_plain_literal(&mut lits, &mut lit_index, c.clone(), Owner::Context(i));
            }
            let mut res = Vec::new();
            for (cues, excl) in [(&def.cues, false), (&def.exclude, true)] {
                for cue in cues {
                    match cue.strip_prefix("re:") {
                        Some(re) if !excl => res.push(compile_regex(re, &sens_name, id, &mut lits, &mut lit_index, &mut gates, true)?),
                        Some(_) => return Err(invalid(&sens_name, format!("{id}: exclusion cues must be literals"))),
                        None => add_literal(&mut lits, &mut lit_index, cue, Owner::Sensitivity(i, excl), &sens_name)?,
                    }
                }
            }
            sensitivity_regexes.push(res);
        }

        // Rules.
        let mut rules = Vec::new();
        for (ri, (name, rf)) in rule_files.into_iter().enumerate() {
            if !rf.cues.contains_key("topic") {
                return Err(invalid(&name, "cues.topic is required"));
            }
            let mut set_index = BTreeMap::new();
            let mut sets = Vec::new();
            for (si, (set, cues)) in rf.cues.iter().enumerate() {
                set_index.insert(set.clone(), si);
                let mut cs = CueSet { name: set.clone(), regexes: Vec::new() };
                for cue in cues {
                    if let Some(sh) = cue.strip_prefix('@') {
                        let Some(shi) = shared_names.iter().position(|n| n == sh) else {
                            return Err(invalid(&name, format!("cues.{set}: unknown shared set \"@{sh}\"")));
                        };
                        // Re-own every literal of the shared set, and copy its regexes.
                        for lit in lits.iter_mut() {
                            if lit.owners.contains(&Owner::Shared(shi)) && !lit.owners.contains(&Owner::Rule(ri, si)) {
                                lit.owners.push(Owner::Rule(ri, si));
                            }
                        }
                        cs.regexes.extend(shared_regexes[shi].iter().cloned());
                    } else if let Some(re) = cue.strip_prefix("re:") {
                        cs.regexes.push(compile_regex(re, &name, set, &mut lits, &mut lit_index, &mut gates, false)?);
                    } else {
                        add_literal(&mut lits, &mut lit_index, cue, Owner::Rule(ri, si), &name)?;
                    }
                }
                sets.push(cs);
            }
            for (pi, p) in rf.patterns.iter().enumerate() {
                for s in p.all.iter().chain(&p.any).chain(&p.none).chain(&p.none_in_article) {
                    let known = set_index.contains_key(s) || s.strip_prefix('@').is_some_and(|sh| shared_names.iter().any(|n| n == sh));
                    if !known {
                        return Err(invalid(&name, format!("pattern {}: unknown cue set \"{s}\"", pi + 1)));
                    }
                }
                let ok = match rf.kind {
                    IdKind::Clause => matches!(p.status, PatternStatus::Present | PatternStatus::Weak | PatternStatus::None),
                    IdKind::Risk => matches!(p.status, PatternStatus::Flagged | PatternStatus::None),
                };
                if !ok {
                    return Err(invalid(&name, format!("pattern {}: status {:?} does not fit a {:?} rule", pi + 1, p.status, rf.kind)));
                }
                if p.all.is_empty() && p.any.is_empty() {
                    return Err(invalid(&name, format!("pattern {}: needs `all` or `any`", pi + 1)));
                }
            }
            if rf.patterns.is_empty() {
                return Err(invalid(&name, "at least one [[pattern]] is required"));
            }
            for (ei, ex) in rf.examples.iter().enumerate() {
                let valid = match rf.kind {
                    IdKind::Clause => matches!(ex.expect.as_str(), "present" | "weak" | "missing"),
                    IdKind::Risk => matches!(ex.expect.as_str(), "flagged" | "clear"),
                };
                if !valid {
                    return Err(invalid(&name, format!("example {}: expect \"{}\" is not a status of a {:?}", ei + 1, ex.expect, rf.kind)));
                }
            }
            let kind = rf.kind;
            let resolve = |names: &[String]| -> Vec<SetRef> {
                names
                    .iter()
                    .filter_map(|n| match n.strip_prefix('@') {
                        Some(sh) => shared_names.iter().position(|x| x == sh).map(SetRef::Shared),
                        None => set_index.get(n).copied().map(SetRef::Local),
                    })
                    .collect()
            };
            let refs = rf
                .patterns
                .iter()
                .map(|p| PatternRefs { all: resolve(&p.all), any: resolve(&p.any), none: resolve(&p.none), none_in_article: resolve(&p.none_in_article) })
                .collect();
            let topic = set_index["topic"];
            rules.push(Rule { file: rf, kind, set_index, sets, topic, refs });
        }

        let sets_per_rule: Vec<usize> = rules.iter().map(|r| r.sets.len()).collect();
        let owners = OwnerSpace::new(&sets_per_rule, shared_names.len(), sensitivity.len(), gates.len());
        // A gate some regex takes its places from keeps hits; the others are bits.
        let all_regexes = || rules.iter().flat_map(|r| r.sets.iter().flat_map(|s| &s.regexes)).chain(shared_regexes.iter().flatten()).chain(sensitivity_regexes.iter().flatten());
        let mut presence: Vec<Option<u32>> = vec![None; gates.len()];
        let main: std::collections::HashSet<usize> = all_regexes().filter_map(|r| r.gate).collect();
        let mut presence_len = 0;
        for g in all_regexes().flat_map(|r| r.also.iter().copied()) {
            if !main.contains(&g) && presence[g].is_none() {
                presence[g] = Some(presence_len as u32);
                presence_len += 1;
            }
        }
        // One automaton pattern per distinct text, its variants in literal order.
        let mut texts: Vec<&str> = Vec::new();
        let mut patterns: Vec<AcPattern> = Vec::new();
        let mut by_text: HashMap<&str, usize> = HashMap::new();
        for (li, l) in lits.iter().enumerate() {
            let pi = *by_text.entry(l.text.as_str()).or_insert_with(|| {
                texts.push(l.text.as_str());
                patterns.push(AcPattern { variants: Vec::new(), terms: [None; 2] });
                patterns.len() - 1
            });
            let bit = |o: &Owner| match *o {
                Owner::Gate(g) => presence[g],
                _ => None,
            };
            let ids = l.owners.iter().filter(|o| bit(o).is_none()).map(|&o| owners.index(o) as u32).collect();
            let bits = l.owners.iter().filter_map(bit).collect();
            patterns[pi].variants.push(LitVariant { word_start: l.word_start, word_end: l.word_end, literal: li, owners: ids, presence: bits });
        }
        // The party terms of both languages: the document's one pass finds them too.
        let term_texts: Vec<(usize, u32, String)> = [Lang::Ja, Lang::En]
            .into_iter()
            .flat_map(|lang| crate::engine::parties::base_keys(lang).iter().enumerate().map(move |(id, key)| (AcPattern::term_slot(lang), id as u32, key.to_ascii_lowercase())))
            .collect();
        for (k, id, text) in &term_texts {
            let pi = *by_text.entry(text.as_str()).or_insert_with(|| {
                texts.push(text.as_str());
                patterns.push(AcPattern { variants: Vec::new(), terms: [None; 2] });
                patterns.len() - 1
            });
            patterns[pi].terms[*k] = Some(*id);
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&texts)
            .map_err(|e| invalid("clauses/", format!("cannot build the cue automaton: {e}")))?;
        Ok(RuleSet {
            rules,
            shared_names,
            shared_regexes,
            sensitivity,
            sensitivity_regexes,
            automaton,
            patterns,
            owners,
            presence,
            presence_len,
            literals: lits,
            fingerprint: hasher.finish_hex(),
        })
    }
}

/// Shared cue sets the engine itself reads to compute modality and conditions.
pub const ENGINE_SHARED_SETS: &[&str] = &["consent", "no-consent", "exception", "restrictive"];

fn add_literal(
    lits: &mut Vec<Literal>,
    lit_index: &mut HashMap<(String, bool, bool), usize>,
    raw: &str,
    owner: Owner,
    file: &str,
) -> Result<(), RuleError> {
    let (body, word_end) = match raw.strip_suffix("\\b") {
        Some(b) => (b, true),
        None => (raw, false),
    };
    let norm = normalize_str(body).to_ascii_lowercase();
    if norm.is_empty() {
        return Err(invalid(file, format!("empty cue \"{raw}\"")));
    }
    let word_start = norm.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    let key = (norm.clone(), word_start, word_end);
    let idx = *lit_index.entry(key).or_insert_with(|| {
        lits.push(Literal { text: norm, word_start, word_end, owners: Vec::new() });
        lits.len() - 1
    });
    if !lits[idx].owners.contains(&owner) {
        lits[idx].owners.push(owner);
    }
    Ok(())
}

/// Adds a literal matched anywhere (no word-boundary rule), already normalized.
fn add_plain_literal(lits: &mut Vec<Literal>, lit_index: &mut HashMap<(String, bool, bool), usize>, text: String, owner: Owner) {
    let idx = *lit_index.entry((text.clone(), false, false)).or_insert_with(|| {
        lits.push(Literal { text, word_start: false, word_end: false, owners: Vec::new() });
        lits.len() - 1
    });
    if !lits[idx].owners.contains(&owner) {
        lits[idx].owners.push(owner);
    }
}

/// Regex cue `re` of `set` in `file`, its gates' literals added to `lits`. A pattern
/// written again (in another set or rule) is the same compiled regex, sharing its lazy
/// DFA's states.
fn compile_regex(re: &str, file: &str, set: &str, lits: &mut Vec<Literal>, lit_index: &mut HashMap<(String, bool, bool), usize>, gates: &mut CueTable, groups: bool) -> Result<CueRegex, RuleError> {
    let key = (re.to_string(), groups);
    if let Some(done) = gates.compiled.get(&key) {
        return Ok(done.clone());
    }
    let cue = compile_new_regex(re, file, set, lits, lit_index, gates, groups)?;
    gates.compiled.insert(key, cue.clone());
    Ok(cue)
}

fn compile_new_regex(re: &str, file: &str, set: &str, lits: &mut Vec<Literal>, lit_index: &mut HashMap<(String, bool, bool), usize>, gates: &mut CueTable, groups: bool) -> Result<CueRegex, RuleError> {
    let (compiled, syntax) = Matcher::new(re, groups).map_err(|e| invalid(file, format!("cues.{set}: bad regex {re:?}: {e}")))?;
    let mut sets = literal_sets(re);
    let Some(k) = best_gate(&sets) else {
        return Ok(cue_regex(compiled, &syntax));
    };
    let (main, gate_at) = sets.remove(k);
    // A set every main literal contains a literal of is open whenever the gate is.
    let mut kept: Vec<Vec<String>> = vec![main];
    for (texts, _) in sets {
        let implied = kept.iter().any(|by| by.iter().all(|t| texts.iter().any(|l| t.contains(l.as_str()))));
        if !implied && texts.iter().all(|t| t.len() >= ALSO_MIN_LEN) {
            kept.push(texts);
        }
    }
    let mut gate_ids = kept.into_iter().map(|texts| gates.gate(texts, lits, lit_index));
    let gate = gate_ids.next();
    Ok(CueRegex { gate, gate_at, also: gate_ids.collect(), ..cue_regex(compiled, &syntax) })
}

/// A cue regex without gates.
fn cue_regex(re: Matcher, syntax: &Syntax) -> CueRegex {
    let loose = Loose::new(syntax);
    let max_len = syntax.parse().and_then(|h| h.properties().maximum_len());
    CueRegex { re: Arc::new(re), gate: None, gate_at: GateAt::Inside, also: Vec::new(), max_len, loose: loose.map(Arc::new) }
}

/// The shortest literal of a set a regex's other literal sets ([`CueRegex::also`]) may
/// hold, in bytes. Shorter ones ("use", "data", "any") are in most sentences of a contract:
/// their hits cost more than the searches they spare. In instructions on 50 CUAD texts:
/// 5 to 8 bytes are within 0.4 % of each other, 4 bytes costs 2 % more and no extra sets
/// 0.6 % more; in time the spared searches weigh more, being cache misses mostly.
const ALSO_MIN_LEN: usize = 6;

/// The gates of the cue regexes — one `Owner::Gate` per distinct literal set, however many
/// regexes need it — and each distinct regex, compiled once.
#[derive(Debug, Default)]
struct CueTable {
    by_texts: HashMap<Vec<String>, usize>,
    /// By pattern and whether its groups are read.
    compiled: HashMap<(String, bool), CueRegex>,
}

impl CueTable {
    fn len(&self) -> usize {
        self.by_texts.len()
    }

    /// The gate of literal set `texts`, its literals added to the automaton the first time.
    fn gate(&mut self, texts: Vec<String>, lits: &mut Vec<Literal>, lit_index: &mut HashMap<(String, bool, bool), usize>) -> usize {
        if let Some(&g) = self.by_texts.get(&texts) {
            return g;
        }
        let next = self.by_texts.len();
        for text in &texts {
            add_plain_literal(lits, lit_index, text.clone(), Owner::Gate(next));
        }
        self.by_texts.insert(texts, next);
        next
    }
}

/// Which of `sets` ([`literal_sets`]) gates its regex: the one whose shortest literal is
/// longest, the first of equals.
fn best_gate(sets: &[(Vec<String>, GateAt)]) -> Option<usize> {
    let shortest = |v: &[String]| v.iter().map(String::len).min().unwrap_or(0);
    let mut best: Option<usize> = None;
    for (k, (texts, _)) in sets.iter().enumerate() {
        if best.is_none_or(|b| shortest(texts) > shortest(&sets[b].0)) {
            best = Some(k);
        }
    }
    best
}

/// Literals one of which every match of `pattern` contains — at its start, at its end, or
/// where a required piece of it starts ("releas" in `(?:you|i)\s+releas\w*[^.]{0,80}from`)
/// — lowercased for the case-insensitive automaton; `None` when there is no short, finite
/// set of them long enough to be selective (a gate of single digits would hit everywhere).
/// Of the candidate sets, the one whose shortest literal is longest wins.
#[cfg(test)]
fn gate_literals(pattern: &str) -> Option<(Vec<String>, GateAt)> {
    let mut sets = literal_sets(pattern);
    best_gate(&sets).map(|k| sets.remove(k))
}

/// Every selective literal set of `pattern` ([`gate_literals`] takes the best): its prefix
/// set, its suffix set and the prefix set of each required piece, in that order, each
/// once.
fn literal_sets(pattern: &str) -> Vec<(Vec<String>, GateAt)> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    // Case folding is left to the automaton: extracting from the case-sensitive pattern
    // gives one literal per spelling instead of every upper/lower combination.
    let body = pattern.strip_prefix("(?i)").unwrap_or(pattern);
    let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(body) else { return Vec::new() };
    let mut sets: Vec<(Vec<String>, GateAt)> = Vec::new();
    let mut add = |texts: Option<Vec<String>>, at: GateAt| {
        if let Some(texts) = texts {
            if !sets.iter().any(|(t, _)| *t == texts) {
                sets.push((texts, at));
            }
        }
    };
    for (kind, head, at) in [(ExtractKind::Prefix, true, GateAt::Start), (ExtractKind::Suffix, false, GateAt::End)] {
        let mut ex = Extractor::new();
        ex.kind(kind);
        add(selective(ex.extract(&hir), head), at);
    }
    for piece in required_pieces(&hir) {
        add(selective(Extractor::new().extract(piece), true), GateAt::Inside);
    }
    sets
}

/// The sub-expressions every match of `hir` must match somewhere: the parts of its top-level
/// concatenation, looking through groups.
fn required_pieces(hir: &regex_syntax::hir::Hir) -> Vec<&regex_syntax::hir::Hir> {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(c) => required_pieces(&c.sub),
        HirKind::Concat(parts) => parts.iter().flat_map(|p| std::iter::once(p).chain(required_pieces(p))).collect(),
        _ => Vec::new(),
    }
}

/// The literals of an extracted prefix (`head`) or suffix set, lowercased, when they are
/// few, finite and at least 3 bytes long; cut to a common length when there are too many.
fn selective(seq: regex_syntax::hir::literal::Seq, head: bool) -> Option<Vec<String>> {
    let found = seq.literals()?;
    let mut texts = Vec::new();
    for lit in found {
        // The automaton folds ASCII case only.
        let text = std::str::from_utf8(lit.as_bytes()).ok()?;
        // Two letters are selective only as an acronym written in capitals (EU, UK): as
        // a lowercase pair ("in", "we") they are everywhere.
        let acronym = text.len() == 2 && text.bytes().all(|b| b.is_ascii_uppercase());
        if (text.len() < 3 && !acronym) || text.chars().any(|c| !c.is_ascii() && (c.is_lowercase() || c.is_uppercase())) {
            return None;
        }
        texts.push(text.to_ascii_lowercase());
    }
    texts.sort();
    texts.dedup();
    if texts.len() > 64 {
        // Too many spellings (digit ranges): cut every literal to its first (last) k bytes
        // — still a prefix (suffix) of every match — with the largest k that leaves at
        // most 64.
        let longest = texts.iter().map(String::len).max().unwrap_or(0);
        texts = (3..longest)
            .rev()
            .map(|k| {
                let mut cut: Vec<String> = texts.iter().map(|t| cut_literal(t, k, head).to_string()).collect();
                cut.sort();
                cut.dedup();
                cut
            })
            .find(|cut| cut.len() <= 64 && cut.iter().all(|t| t.len() >= 3))
            .unwrap_or_default();
    }
    (!texts.is_empty()).then_some(texts)
}

fn format_toml_error(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {}", e.message())
        }
        None => e.message().to_string(),
    }
}

/// A small dependency-free 64-bit FNV-1a hasher: the fingerprint only has to change when
/// any rule text changes.
mod blake_lite {
    #[derive(Default)]
    pub struct Hasher {
        state: u64,
        started: bool,
    }

    impl Hasher {
        pub fn update(&mut self, bytes: &[u8]) {
            if !self.started {
                self.state = 0xcbf29ce484222325;
                self.started = true;
            }
            for b in bytes {
                self.state ^= *b as u64;
                self.state = self.state.wrapping_mul(0x100000001b3);
            }
        }
        pub fn finish_hex(&self) -> String {
            format!("{:016x}", self.state)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_owner_has_its_own_dense_index() {
        let rs = RuleSet::bundled().unwrap();
        let mut all: Vec<Owner> = Vec::new();
        for (ri, r) in rs.rules.iter().enumerate() {
            all.extend((0..r.sets.len()).map(|s| Owner::Rule(ri, s)));
        }
        all.extend((0..rs.shared_names.len()).map(Owner::Shared));
        for i in 0..rs.sensitivity.len() {
            all.extend([Owner::Sensitivity(i, false), Owner::Sensitivity(i, true), Owner::Context(i)]);
        }
        let gates = rs.literals.iter().flat_map(|l| &l.owners).filter_map(|o| if let Owner::Gate(g) = o { Some(*g) } else { None }).max().unwrap();
        all.extend((0..=gates).map(Owner::Gate));
        let mut seen = vec![false; rs.owners.len];
        for o in &all {
            let i = rs.owners.index(*o);
            assert!(!seen[i], "{o:?} shares index {i}");
            seen[i] = true;
        }
        assert_eq!(all.len(), rs.owners.len);
    }

    #[test]
    fn one_automaton_pattern_per_distinct_text_keeps_every_cue() {
        let rs = RuleSet::bundled().unwrap();
        let mut texts: Vec<&str> = rs.literals.iter().map(|l| l.text.as_str()).collect();
        texts.sort();
        texts.dedup();
        // The party terms either share a cue's pattern or have one of their own.
        let keys = |lang| crate::engine::parties::base_keys(lang).iter().map(|k| k.to_ascii_lowercase());
        let mut with_terms: Vec<String> = texts.iter().map(|t| t.to_string()).chain(keys(Lang::Ja)).chain(keys(Lang::En)).collect();
        with_terms.sort();
        with_terms.dedup();
        assert_eq!(rs.patterns.len(), with_terms.len());
        for lang in [Lang::Ja, Lang::En] {
            let mut ids: Vec<u32> = rs.patterns.iter().filter_map(|p| p.terms[AcPattern::term_slot(lang)]).collect();
            ids.sort();
            assert_eq!(ids, (0..crate::engine::parties::base_keys(lang).len() as u32).collect::<Vec<_>>(), "each {lang:?} term in one pattern");
        }
        assert!(rs.patterns.len() < rs.literals.len(), "some cues share a text with and without \\b");
        let mut used: Vec<usize> = rs.patterns.iter().flat_map(|p| p.variants.iter().map(|v| v.literal)).collect();
        used.sort();
        assert_eq!(used, (0..rs.literals.len()).collect::<Vec<_>>());
        for p in rs.patterns.iter().filter(|p| !p.variants.is_empty()) {
            let first = &rs.literals[p.variants[0].literal].text;
            assert!(p.variants.iter().all(|v| &rs.literals[v.literal].text == first));
            assert!(p.variants.windows(2).all(|w| w[0].literal < w[1].literal), "variants keep load order");
        }
    }

    #[test]
    fn gates_are_selective_literals_every_match_contains() {
        // Case-insensitive English: one lowercase literal per spelling.
        let g = gate_literals(r"(?i)\b(?:terminat|suspend)\w*[^.;]{0,80}\baccounts?\b").unwrap();
        assert_eq!(g, (vec!["suspend".to_string(), "terminat".to_string()], GateAt::Start));
        // A prefix of single digits is useless; the Japanese suffix is taken instead.
        let g = gate_literals(r"(?:^|[^0-9])(?:[1-9]|[1-6][0-9]|7[0-2])時間(?:以内|を超えない)").unwrap();
        assert!(g.0.iter().all(|l| l.ends_with("以内") || l.ends_with("を超えない")), "{g:?}");
        assert_eq!(g.1, GateAt::End);
        // Nothing finite and long enough: no gate, the regex always runs.
        assert_eq!(gate_literals(r"(?i)\b(?:in|on)\s+\w+"), None);
        // No selective prefix or suffix, but a required piece in the middle.
        let g = gate_literals(r"(?i)\b(?:you|i)\s+(?:\S+\s+){0,2}?releas(?:e|es)\b[^.;]{0,120}\bfrom\s+(?:any|all)\b").unwrap();
        assert_eq!(g, (vec!["releas".to_string()], GateAt::Inside));
        // A piece inside an optional group is not required.
        assert_eq!(gate_literals(r"(?i)\b(?:in|on)\s+(?:the\s+territory\s+)?\w+"), None);
        assert_eq!(gate_literals(r"[0-9]+"), None);
        // Two letters only as an acronym written in capitals.
        assert_eq!(gate_literals(r"(?i)\b(?:in|within)\s+(?:the\s+)?(?:EEA|EU|UK)\b").unwrap(), (vec!["eea".to_string(), "eu".to_string(), "uk".to_string()], GateAt::End));
        assert_eq!(gate_literals(r"(?i)\b(?:we|us)\s+(?:in|on)\b"), None);
    }

    #[test]
    fn a_cue_also_needs_its_other_long_literal_sets() {
        let (mut lits, mut index, mut gates) = (Vec::new(), HashMap::new(), CueTable::default());
        let mut cue = |re: &str| compile_regex(re, "t", "s", &mut lits, &mut index, &mut gates, false).unwrap();
        let a = cue(r"(?i)\b(?:terminat|suspend)\w*[^.;]{0,80}\b(?:accounts?|memberships?)\b");
        let b = cue(r"(?i)\b(?:close|delete)\w*[^.;]{0,40}\b(?:accounts?|memberships?)\b");
        let c = cue(r"(?i)\b(?:disclos|transfer)\w*[^.;]{0,80}\b(?:use|uses)\b");
        let d = cue(r"(?i)\bsubprocessors?\b[^.;]{0,40}\bprocessor");
        let texts = |g: usize| -> Vec<&str> {
            let mut v: Vec<&str> = lits.iter().filter(|l| l.owners.contains(&Owner::Gate(g))).map(|l| l.text.as_str()).collect();
            v.sort();
            v
        };
        // The prefix gates it (7 bytes against 7); the suffix set is needed as well.
        assert_eq!(a.gate_at, GateAt::Start);
        assert_eq!(a.also.len(), 1);
        assert_eq!(texts(a.also[0]), ["account", "accounts", "membership", "memberships"]);
        // A second cue with the same suffix set shares its gate.
        assert_eq!(b.gate_at, GateAt::End);
        assert_eq!(Some(a.also[0]), b.gate);
        // A set with a literal under six bytes ("use") is no second gate.
        assert_eq!(c.gate_at, GateAt::Start);
        assert!(c.also.is_empty());
        // Nor is one that every gate literal already holds.
        assert_eq!(texts(d.gate.unwrap()), ["subprocessor", "subprocessors"]);
        assert!(d.also.is_empty(), "{:?}", d.also);
    }

    #[test]
    fn a_pattern_written_twice_is_compiled_once() {
        let rs = RuleSet::bundled().unwrap();
        let cues: Vec<&CueRegex> = rs.rules.iter().flat_map(|r| r.sets.iter().flat_map(|s| &s.regexes)).chain(rs.shared_regexes.iter().flatten()).collect();
        let mut by_pattern: HashMap<&str, &CueRegex> = HashMap::new();
        let mut repeats = 0;
        for cue in &cues {
            match by_pattern.get(cue.as_str()) {
                Some(first) => {
                    assert!(Arc::ptr_eq(&first.re, &cue.re), "{}", cue.as_str());
                    assert_eq!((first.gate, &first.also), (cue.gate, &cue.also));
                    repeats += 1;
                }
                None => {
                    by_pattern.insert(cue.as_str(), cue);
                }
            }
        }
        assert!(repeats >= 20, "{repeats} repeated patterns");
        // Distinct patterns do not share.
        let mut ptrs: Vec<*const Matcher> = by_pattern.values().map(|c| Arc::as_ptr(&c.re)).collect();
        ptrs.sort();
        ptrs.dedup();
        assert_eq!(ptrs.len(), by_pattern.len());
    }

    #[test]
    fn a_search_from_the_first_gate_literal_finds_the_same_match() {
        let mut lits = Vec::new();
        let mut index = HashMap::new();
        let mut gates = CueTable::default();
        let mut cue = |re: &str| compile_regex(re, "t", "s", &mut lits, &mut index, &mut gates, false).unwrap();
        let start = cue(r"(?i)\b(?:terminat|suspend)\w*[^.;]{0,80}\baccounts?\b");
        assert_eq!(start.gate_at, GateAt::Start);
        let text = "We may, in our discretion, suspend or terminate all user accounts.";
        let first = text.find("suspend").unwrap();
        assert_eq!(start.find_in(text, first..text.len()), start.find(text));
        assert_eq!(start.find(text), Some((first, text.len() - 1)));
        // Each place of the gate tried anchored, in order: the first fails at the period,
        // the second is the leftmost match.
        let two = "We suspend nothing. Then we terminate the accounts.";
        let places: Vec<usize> = ["suspend", "terminat"].iter().map(|g| two.find(g).unwrap()).collect();
        assert_eq!(start.find_from_starts(two, &places, two.len()), start.find(two));
        assert_eq!(start.find(two), Some((places[1], two.len() - 1)));
        assert_eq!(start.find_from_starts(two, &places[..1], two.len()), None);
        assert_eq!(start.find_from_starts(text, &[first], text.len()), start.find(text));
        // Look-behind still sees the text before the span: "xsuspend" is no word start.
        let glued = "xsuspend accounts";
        assert_eq!(start.find_in(glued, 1..glued.len()), None);
        assert_eq!(start.find_from_starts(glued, &[1], glued.len()), None);
        assert!(!start.is_match_in(glued, 1..glued.len()));
        let end = cue(r"(?:^|[^0-9])(?:[1-9]|[1-6][0-9]|7[0-2])時間(?:以内|を超えない)");
        assert_eq!(end.gate_at, GateAt::End);
        let ja = "乙は、発覚から72時間以内に報告し、その後24時間を超えない間隔で続報する。";
        let last = ja.rfind("を超えない").unwrap() + "を超えない".len();
        assert_eq!(end.find_in(ja, 0..last), end.find(ja));
        assert!(end.find(ja).is_some());
    }

    #[test]
    fn loose_form_captures_each_long_gap_of_a_class() {
        let loose = |p: &str| Loose::new(&Matcher::new(p, false).unwrap().1);
        let counted = |p: &str| Matcher::new(p, false).unwrap().0;
        let check = |p: &str, t: &str| loose(p).unwrap().check(t, 0..t.len(), &counted(p));
        assert_eq!(loose(r"a[^.;]{0,80}b[^.]{1,20}c").unwrap().bounds, Some(vec![80, 20]));
        assert!(loose(r"a\s{0,3}b").is_none());
        assert!(loose(r"\{0,10\}").is_none());
        // A gap inside a repetition: its capture would tell only the last round.
        assert_eq!(loose(r"(?:a[^.]{0,20}b)+c").unwrap().bounds, None);
        // The pattern's own groups do not shift the gaps' groups.
        let p = r"(x)(?:y|(z))[^.]{0,12}(w)";
        assert_eq!(loose(p).unwrap().bounds, Some(vec![12]));
        assert_eq!(check(p, "xz 1234 w"), Loosely::Match(0, 9));
        assert_eq!(check(p, "xz 1234567890123 w"), Loosely::Unsure);
        assert_eq!(check(p, "xz. w"), Loosely::NoMatch);
        // The loose match went beyond the bound, the counted regex matches at its start
        // with a shorter gap: that is the counted match.
        assert_eq!(check(r"a[^.]{0,10}b", "a1234b 123456789b"), Loosely::Match(0, 6));
        // Unicode mode counts characters: twelve kana are 36 bytes.
        let ja = r"甲[^。]{0,12}乙";
        assert!(loose(ja).unwrap().chars);
        assert_eq!(check(ja, "甲あいうえおかきくけこさし乙"), Loosely::Match(0, 42));
        assert_eq!(check(ja, "甲あいうえおかきくけこさしす乙"), Loosely::Unsure);
    }

    #[test]
    fn loose_match_beyond_a_bound_falls_back_to_the_counted_regex() {
        let (mut lits, mut index, mut gates) = (Vec::new(), HashMap::new(), CueTable::default());
        let cue = compile_regex(r"(?i)alpha[^.]{0,10}omega", "t.toml", "topic", &mut lits, &mut index, &mut gates, false).unwrap();
        // The loose form's leftmost match spans a gap of 17; the counted one starts later.
        let text = "alpha 1234567890 alpha 12 omega";
        assert_eq!(cue.find(text), Some((17, 31)));
        assert_eq!(cue.find(text), cue.find_exact(text));
        assert!(cue.is_match(text));
        assert_eq!(cue.find("alpha 1234567890 omega"), None);
        assert!(!cue.is_match("alpha 1234567890 omega"));
    }

    #[test]
    fn every_bundled_cue_regex_finds_what_the_regex_crate_finds() {
        let rs = RuleSet::bundled().unwrap();
        let mut texts: Vec<String> = Vec::new();
        for r in &rs.rules {
            for ex in &r.file.examples {
                let n = crate::text::normalize(&ex.text).text;
                texts.extend(n.split(['\n', '。']).map(str::to_string));
                texts.push(n);
            }
        }
        let cues = rs.rules.iter().flat_map(|r| r.sets.iter().flat_map(|s| &s.regexes)).chain(rs.shared_regexes.iter().flatten()).chain(rs.sensitivity_regexes.iter().flatten());
        let (mut checked, mut matched, mut also_checked) = (0, 0, 0);
        for cue in cues {
            // The regex crate on the same pattern, in the mode Matcher::new picks.
            let p = cue.as_str();
            let plain: Box<dyn Fn(&str) -> Option<(usize, usize)>> = if let Ok(re) = regex::RegexBuilder::new(p).unicode(false).build() {
                Box::new(move |t: &str| re.find(t).map(|m| (m.start(), m.end())))
            } else if let Some(re) = p.is_ascii().then(|| regex::bytes::RegexBuilder::new(p).unicode(false).build().ok()).flatten() {
                Box::new(move |t: &str| re.find(t.as_bytes()).map(|m| widen(t, m.start(), m.end())))
            } else {
                let re = regex::Regex::new(p).unwrap();
                Box::new(move |t: &str| re.find(t).map(|m| (m.start(), m.end())))
            };
            let gate_texts: Vec<&str> = match cue.gate {
                Some(g) => rs.literals.iter().filter(|l| l.owners.contains(&Owner::Gate(g))).map(|l| l.text.as_str()).collect(),
                None => Vec::new(),
            };
            let also_texts: Vec<Vec<&str>> = cue.also.iter().map(|&g| rs.literals.iter().filter(|l| l.owners.contains(&Owner::Gate(g))).map(|l| l.text.as_str()).collect()).collect();
            for t in &texts {
                let want = plain(t);
                if want.is_some() {
                    let folded = t.to_ascii_lowercase();
                    for set in &also_texts {
                        assert!(set.iter().any(|l| folded.contains(l)), "{} matches {t:?} without any of {set:?}", cue.as_str());
                        also_checked += 1;
                    }
                }
                assert_eq!(cue.find_exact(t), want, "{} on {t:?}", cue.as_str());
                assert_eq!(cue.find(t), want, "{} on {t:?}", cue.as_str());
                assert_eq!(cue.is_match(t), want.is_some(), "{} on {t:?}", cue.as_str());
                checked += 1;
                matched += want.is_some() as usize;
                if cue.gate.is_some() {
                    // The gate's places, as the case-folding automaton finds them.
                    let folded = t.to_ascii_lowercase();
                    let mut places: Vec<(usize, usize)> = gate_texts.iter().flat_map(|g| folded.match_indices(g).map(|(i, m)| (i, i + m.len())).collect::<Vec<_>>()).collect();
                    places.sort_unstable();
                    if places.is_empty() {
                        assert_eq!(want, None, "gate of {} closed on {t:?}", cue.as_str());
                        continue;
                    }
                    let mut starts: Vec<usize> = places.iter().map(|p| p.0).collect();
                    starts.dedup();
                    let last_end = places.iter().map(|p| p.1).max().unwrap();
                    let window = cue.window(t.len(), places.iter().copied()).unwrap();
                    assert_eq!(cue.find_in(t, window.clone()), want, "{} in {window:?} of {t:?}", cue.as_str());
                    match cue.gate_at {
                        GateAt::Start => {
                            assert_eq!(cue.find_from_starts(t, &starts, window.end), want, "{} from its gates on {t:?}", cue.as_str());
                            assert_eq!(cue.find_in(t, starts[0]..t.len()), want, "{} on {t:?}", cue.as_str());
                        }
                        GateAt::End => assert_eq!(cue.find_in(t, 0..last_end), want, "{} up to its last gate on {t:?}", cue.as_str()),
                        GateAt::Inside => {}
                    }
                }
            }
        }
        assert!(checked > 50_000 && matched > 500, "{checked} checks, {matched} matches");
        assert!(also_checked > 100, "{also_checked} second sets checked");
    }

    #[test]
    fn cue_regex_matches_like_the_plain_regex() {
        let mut lits = Vec::new();
        let mut index = HashMap::new();
        let mut gates = CueTable::default();
        let pat = r"(?i)\b(?:modif|chang)\w*[^.;]{0,20}\bservices?\b";
        let cue = compile_regex(pat, "t.toml", "topic", &mut lits, &mut index, &mut gates, false).unwrap();
        let plain = Regex::new(pat).unwrap();
        for text in [
            "We may modify the Services at any time.",
            "We may CHANGE these Services.",
            "We may change the fees; the services stay.",
            "We may change the fees, prices and every feature of the services.",
            "当社は本サービスを変更できる。We may modify the services.",
            "Nothing here.",
        ] {
            let want = plain.find(text).map(|m| (m.start(), m.end()));
            assert_eq!(cue.find(text), want, "{text}");
            assert_eq!(cue.is_match(text), want.is_some(), "{text}");
        }
        // The suffix gates it; "service" at the start of the last piece is in both of the
        // gate's literals, and the prefix literals are too short to be worth a second set.
        assert_eq!(gates.len(), 1);
        assert!(cue.also.is_empty());
        assert!(lits.iter().any(|l| l.text == "service" && l.owners == vec![Owner::Gate(0)]));
    }
}
