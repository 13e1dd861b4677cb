//! Normalization with an offset map. Matching runs on a normalized copy of the text (NFKC,
//! our own folding of dashes, tildes and whitespace, circled numbering made explicit), but
//! evidence is always quoted from the original: every normalized byte maps back to the
//! original byte it came from, and lines are kept one-to-one so a normalized line number is
//! an original line number.

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::UnicodeNormalization;

/// Normalized text plus the map back to the original.
#[derive(Debug, Clone)]
pub struct NormText {
    /// The normalized text; `\n` at exactly the same line breaks as the original.
    pub text: String,
    /// For every byte of `text`, the byte offset in the original it came from.
    map: Vec<u32>,
    /// Length of the original, the image of `text.len()`.
    raw_len: usize,
    /// Byte offset in `text` at which each line starts.
    line_starts: Vec<usize>,
}

impl NormText {
    /// Original byte offset of a normalized byte offset (`text.len()` maps to the end).
    pub fn raw_offset(&self, norm: usize) -> usize {
        if norm >= self.map.len() {
            self.raw_len
        } else {
            self.map[norm] as usize
        }
    }

    /// Original byte range of a normalized range.
    pub fn raw_range(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.raw_offset(start);
        // The end maps to the start of the first byte after the range, so that a range
        // ending inside an expanded character (① → "(1)") still covers it.
        let e = if end == 0 { 0 } else { self.raw_offset(end).max(self.raw_offset(end - 1) + 1) };
        (s, e.max(s).min(self.raw_len))
    }

    /// 0-based line of a normalized byte offset.
    pub fn line_of(&self, norm: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= norm).saturating_sub(1)
    }

    /// Normalized byte range of a 0-based line (without its `\n`).
    pub fn line_range(&self, line: usize) -> (usize, usize) {
        let start = self.line_starts[line];
        let end = self.line_starts.get(line + 1).map(|&e| e - 1).unwrap_or(self.text.len());
        (start, end)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// Normalizes a whole document.
pub fn normalize(raw: &str) -> NormText {
    let mut out = String::with_capacity(raw.len() + raw.len() / 8);
    let mut map: Vec<u32> = Vec::with_capacity(raw.len() + raw.len() / 8);
    let bytes = raw.as_bytes();
    let mut chunk = String::new();
    let mut i = 0;
    while i < bytes.len() {
        // Plain ASCII (most of an English contract) needs no normalization: copy the run
        // at once. Its last character stays for the slow path when a non-ASCII character
        // follows, which may be a combining mark that composes with it.
        let run = plain_run(&bytes[i..]);
        let end = if i + run < bytes.len() && bytes[i + run] >= 0x80 { i + run.saturating_sub(1) } else { i + run };
        if end > i {
            out.push_str(&raw[i..end]);
            map.extend((i..end).map(|p| p as u32));
            i = end;
            continue;
        }
        let c = raw[i..].chars().next().expect("in bounds");
        let pos = i;
        i += c.len_utf8();
        // A character with its following combining marks is normalized as one unit, so that
        // か + U+3099 composes to が.
        chunk.clear();
        chunk.push(c);
        while let Some(next) = raw[i..].chars().next() {
            if canonical_combining_class(next) != 0 || next == '\u{3099}' || next == '\u{309A}' {
                chunk.push(next);
                i += next.len_utf8();
            } else {
                break;
            }
        }
        let before = out.len();
        push_normalized(&chunk, c, &mut out);
        map.resize(out.len(), pos as u32);
        debug_assert!(out.len() >= before);
    }
    let (text, map) = fold_spaces(&out, &map);
    let mut line_starts = vec![0];
    line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    NormText { text, map, raw_len: raw.len(), line_starts }
}

/// Length of the leading bytes that normalization copies as they are: ASCII but `\r` and
/// `\t`. Whole 16-byte blocks are tested at once (branch-free, vectorized).
fn plain_run(b: &[u8]) -> usize {
    let special = |x: u8| x >= 0x80 || x == b'\r' || x == b'\t';
    let mut k = 0;
    while k + 16 <= b.len() && !b[k..k + 16].iter().fold(false, |a, &x| a | special(x)) {
        k += 16;
    }
    k + b[k..].iter().position(|&x| special(x)).unwrap_or(b.len() - k)
}

/// Normalizes a short string (a rule cue) the same way as documents, without the map.
pub fn normalize_str(s: &str) -> String {
    normalize(s).text
}

fn push_normalized(chunk: &str, first: char, out: &mut String) {
    if chunk.len() == first.len_utf8() {
        if let Some(n) = numbering_value(first) {
            // Circled and parenthesised numbers are numbering: NFKC would turn ① into "1"
            // and glue it to the next word, so they become "(1)" explicitly.
            match n {
                Numbering::Paren(v) => {
                    out.push('(');
                    out.push_str(&v.to_string());
                    out.push(')');
                }
                Numbering::Period(v) => {
                    out.push_str(&v.to_string());
                    out.push('.');
                }
                Numbering::ParenKanji(k) => {
                    out.push('(');
                    out.push(k);
                    out.push(')');
                }
            }
            return;
        }
        match first {
            // Dashes and minus signs that NFKC leaves alone.
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FF0D}' | '\u{FE58}' | '\u{FE63}' => {
                out.push('-');
                return;
            }
            '\u{301C}' | '\u{FF5E}' | '\u{223C}' | '\u{2053}' => {
                out.push('~');
                return;
            }
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' => {
                out.push('"');
                return;
            }
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' => {
                out.push('\'');
                return;
            }
            '\r' => return,
            '\t' | '\u{A0}' | '\u{3000}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' => {
                out.push(' ');
                return;
            }
            '\u{200B}'..='\u{200D}' | '\u{FEFF}' | '\u{00AD}' => return,
            c if c.is_ascii() => {
                out.push(c);
                return;
            }
            _ => {}
        }
    }
    for c in chunk.nfkc() {
        match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
            '\u{301C}' | '\u{223C}' => out.push('~'),
            '\u{3000}' | '\u{A0}' => out.push(' '),
            c => out.push(c),
        }
    }
}

enum Numbering {
    Paren(u32),
    Period(u32),
    ParenKanji(char),
}

fn numbering_value(c: char) -> Option<Numbering> {
    let cp = c as u32;
    Some(match cp {
        0x2460..=0x2473 => Numbering::Paren(cp - 0x2460 + 1), // ①..⑳
        0x2474..=0x2487 => Numbering::Paren(cp - 0x2474 + 1), // ⑴..⒇
        0x2488..=0x249B => Numbering::Period(cp - 0x2488 + 1), // ⒈..⒛
        0x24EA => Numbering::Paren(0),                        // ⓪
        0x24F5..=0x24FE => Numbering::Paren(cp - 0x24F5 + 1), // ⓵..⓾
        0x2776..=0x277F => Numbering::Paren(cp - 0x2776 + 1), // ❶..❿
        0x3251..=0x325F => Numbering::Paren(cp - 0x3251 + 21), // ㉑..㉟
        0x32B1..=0x32BF => Numbering::Paren(cp - 0x32B1 + 36), // ㊱..㊿
        0x3220..=0x3229 => {
            // ㈠..㈩
            Numbering::ParenKanji(['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'][(cp - 0x3220) as usize])
        }
        _ => return None,
    })
}

/// True for characters of Japanese running text (kana, kanji, CJK punctuation).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F | 0x3040..=0x30FF | 0x31F0..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF | 0xFF01..=0xFF60 | 0xFF61..=0xFF9F | 0x20000..=0x2FFFF)
}

/// Folds runs of spaces to one, drops spaces between Japanese characters (and between a
/// Japanese character and a digit: 「第 1 条」), and trims spaces at line ends. Keeps the map
/// aligned.
fn fold_spaces(text: &str, map: &[u32]) -> (String, Vec<u32>) {
    fold_spaces_by::<true>(text, map)
}

/// [`fold_spaces`]; `BLOCKS = false` steps one byte at a time (the reference the block
/// steps are tested against).
fn fold_spaces_by<const BLOCKS: bool>(text: &str, map: &[u32]) -> (String, Vec<u32>) {
    let mut out = String::with_capacity(text.len());
    let mut out_map = Vec::with_capacity(map.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut prev: Option<char> = None;
    let mut line_start = 0usize;
    while i < bytes.len() {
        if bytes[i] == b' ' {
            let start = i;
            while i < bytes.len() && bytes[i] == b' ' {
                i += 1;
            }
            let next = text[i..].chars().next();
            let keep = match (prev, next) {
                (None, _) | (Some('\n'), _) => false, // leading spaces of a line
                (_, None) | (_, Some('\n')) => false,  // trailing spaces
                (Some(p), Some(n)) => {
                    let pj = is_cjk(p);
                    let nj = is_cjk(n);
                    // Only a short line start can be a numbering token; never rescan a long line.
                    let short = out.len() - line_start <= 16;
                    if short && is_numbering_token(&out[line_start..]) && !matches!(n, '条' | '項' | '号' | '章' | '節' | '款' | '編') {
                        // 「２　乙は」「一　個人情報」「第1　目的」: the space separates numbering
                        // from text and segmentation needs it.
                        true
                    } else {
                        !((pj && nj) || (pj && n.is_ascii_digit()) || (p.is_ascii_digit() && nj))
                    }
                }
            };
            if keep {
                out.push(' ');
                out_map.push(map[start]);
            }
            continue;
        }
        // A run is copied at once, through single spaces between two ASCII characters of
        // the same line (always kept as they are: neither side is Japanese).
        let mut end = i;
        while end < bytes.len() {
            // Sixteen bytes at once when every space among them stays: all ASCII from the
            // byte before to the byte after, no newline, no two spaces in a row.
            if BLOCKS && end > i && end + 17 <= bytes.len() {
                let w = &bytes[end - 1..end + 17];
                let stop = w.iter().fold(false, |a, &x| a | (x >= 0x80) | (x == b'\n'));
                let double = w[1..].windows(2).fold(false, |a, p| a | ((p[0] == b' ') & (p[1] == b' ')));
                if !stop && !double {
                    end += 16;
                    continue;
                }
            }
            if bytes[end] == b' ' {
                let prev_ok = end > i && bytes[end - 1] < 0x80 && bytes[end - 1] != b'\n';
                let next_ok = bytes.get(end + 1).is_some_and(|&n| n < 0x80 && n != b' ' && n != b'\n');
                if !(prev_ok && next_ok) {
                    break;
                }
            }
            end += 1;
        }
        let run = &text[i..end];
        out.push_str(run);
        out_map.extend_from_slice(&map[i..end]);
        if let Some(nl) = run.rfind('\n') {
            line_start = out.len() - (run.len() - nl - 1);
        }
        prev = run.chars().next_back();
        i = end;
    }
    (out, out_map)
}

/// True when a line so far is only a numbering token: `2`, `一`, `ア`, `(1)`, `1.`, `第1`.
fn is_numbering_token(s: &str) -> bool {
    let s = s.strip_prefix('第').unwrap_or(s);
    let count = s.chars().count();
    if count == 0 || count > 6 {
        return false;
    }
    let inner = s.trim_start_matches('(').trim_end_matches([')', '.']);
    !inner.is_empty()
        && (inner.chars().all(|c| c.is_ascii_digit())
            || inner.chars().all(|c| "一二三四五六七八九十".contains(c))
            || (inner.chars().count() == 1 && matches!(inner.chars().next(), Some('ア'..='ン'))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfkc_and_own_mappings() {
        let n = normalize("第１条（秘密保持）\u{3000}乙は〜する―ＡＢＣ");
        assert_eq!(n.text, "第1条(秘密保持) 乙は~する-ABC");
    }

    #[test]
    fn circled_numbers_become_numbering() {
        assert_eq!(normalize("①甲は").text, "(1)甲は");
        assert_eq!(normalize("⑴ 乙は").text, "(1) 乙は");
        assert_eq!(normalize("⑫").text, "(12)");
        assert_eq!(normalize("㈠").text, "(一)");
    }

    #[test]
    fn spaces_between_japanese_and_digits_are_dropped() {
        assert_eq!(normalize("第 1 条 秘密 保持").text, "第1条秘密保持");
        assert_eq!(normalize("Article  5   Confidentiality ").text, "Article 5 Confidentiality");
        assert_eq!(normalize("  indented").text, "indented");
        assert_eq!(normalize("２　乙は").text, "2 乙は");
        assert_eq!(normalize("一　氏名").text, "一 氏名");
        assert_eq!(normalize("第１　目的").text, "第1 目的");
        assert_eq!(normalize("（１）　氏名").text, "(1) 氏名");
    }

    #[test]
    fn block_steps_fold_and_copy_like_byte_steps() {
        // Every mix of words, runs of spaces, newlines, tabs and Japanese, cut at every length.
        let parts = ["The Provider", " ", "  ", "\n", " \n ", "shall", "\t", "第1条", "　", "データ", "x", "2", "(a)", "   ", ".", "é"];
        let mut seed = 7u32;
        for _ in 0..400 {
            let mut t = String::new();
            for _ in 0..24 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                t.push_str(parts[(seed >> 16) as usize % parts.len()]);
            }
            let map: Vec<u32> = (0..t.len() as u32).collect();
            assert_eq!(fold_spaces_by::<true>(&t, &map), fold_spaces_by::<false>(&t, &map), "{t:?}");
            let b = t.as_bytes();
            for k in 0..b.len() {
                let want = b[k..].iter().position(|&x| x >= 0x80 || x == b'\r' || x == b'\t').unwrap_or(b.len() - k);
                assert_eq!(plain_run(&b[k..]), want, "{t:?} at {k}");
            }
        }
    }

    #[test]
    fn lines_stay_one_to_one() {
        let raw = "一行目\r\n  二行目　です\n\n四行目";
        let n = normalize(raw);
        assert_eq!(n.line_count(), raw.replace("\r\n", "\n").lines().count());
        let (s, e) = n.line_range(1);
        assert_eq!(&n.text[s..e], "二行目です");
        assert_eq!(n.line_of(s), 1);
    }

    #[test]
    fn offsets_map_back_to_original() {
        let raw = "前文\n第１２条　乙は、①を守る。";
        let n = normalize(raw);
        let pos = n.text.find("乙は").unwrap();
        let (rs, re) = n.raw_range(pos, pos + "乙は".len());
        assert_eq!(&raw[rs..re], "乙は");
        let pos = n.text.find("(1)").unwrap();
        let (rs, re) = n.raw_range(pos, pos + 3);
        assert_eq!(&raw[rs..re], "①");
        let pos = n.text.find("12").unwrap();
        let (rs, re) = n.raw_range(pos, pos + 2);
        assert_eq!(&raw[rs..re], "１２");
    }

    #[test]
    fn combining_marks_compose() {
        assert_eq!(normalize("か\u{3099}").text, "が");
    }
}

/// Compiles a regex meant for normalized text.
///
/// Normalized text has only ASCII whitespace and ASCII-folded Latin letters that matter,
/// so a pattern is first compiled with Unicode mode off: `\b`, `\s`, `\w` and `(?i)` are
/// then ASCII, which keeps the lazy DFA small and — for `\b` — usable on Japanese text
/// at all (a Unicode word boundary makes it give up on the first non-ASCII byte). Literal
/// Japanese in the pattern still matches its UTF-8 bytes. A pattern that needs Unicode
/// (a negated class such as `[^。]`, or `.`, which could match half a character
/// otherwise) keeps Unicode mode, with its `\b` made ASCII.
/// Lazy-DFA cache per regex and thread. Cues with bounded gaps (`[^.;]{0,80}`) build
/// many states; with the 2 MB default the cache is cleared over and over and the DFA
/// rebuilt on every sentence.
pub(crate) const DFA_CACHE: usize = 32 << 20;

pub fn regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex_ascii(pattern).or_else(|_| regex_unicode(pattern))
}

fn build_regex(pattern: &str, unicode: bool) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern).unicode(unicode).dfa_size_limit(DFA_CACHE).build()
}

/// The first step of [`regex`]: Unicode mode off (fails when the pattern needs it).
pub fn regex_ascii(pattern: &str) -> Result<regex::Regex, regex::Error> {
    build_regex(pattern, false)
}

/// The second step of [`regex`]: Unicode mode, with `\b` made ASCII where possible.
pub fn regex_unicode(pattern: &str) -> Result<regex::Regex, regex::Error> {
    let mut last = None;
    for p in unicode_spellings(pattern) {
        match build_regex(&p, true) {
            Ok(re) => return Ok(re),
            Err(e) => last = Some(e),
        }
    }
    Err(last.expect("the pattern itself is always tried"))
}

/// What [`regex_unicode`] tries to compile, in order: the pattern with `\b` made ASCII,
/// then the pattern as written. A pattern with an escaped backslash is taken only as
/// written (the rewrite could touch a `\\b` that is no word boundary).
pub fn unicode_spellings(pattern: &str) -> Vec<String> {
    if pattern.contains("\\\\") {
        return vec![pattern.to_string()];
    }
    vec![pattern.replace("\\b", "(?-u:\\b)"), pattern.to_string()]
}
