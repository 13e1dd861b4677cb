//! Segmentation: splits normalized text into articles (with their titles), paragraphs,
//! items and sentences, for the ways real contracts number them — 第1条 / 第十二条 / 第1 /
//! （秘密保持） titles / ２ paragraphs / (1) 一 ① ア items / 別紙 annexes in Japanese;
//! Article 5 / ARTICLE V / Section 5.2 / 5.2.1 / (a) (i) / Schedule, Annex in English; and
//! Markdown headings in both. Works on [`NormText`] and returns byte ranges in it, so every
//! sentence can be mapped back to its original line.

use std::sync::OnceLock;

use regex::Regex;

use crate::taxonomy::Lang;
use crate::text::NormText;

/// What kind of heading opened an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleKind {
    /// 第1章, PART I: a container of articles.
    Chapter,
    /// 第1条, 第1, Article 5, Section 5.2, 5.2, a Markdown heading.
    Article,
    /// 別紙, 別表, Schedule, Annex, Appendix, Exhibit.
    Annex,
}

/// A numbered or titled unit of the document.
#[derive(Debug, Clone)]
pub struct Article {
    pub kind: ArticleKind,
    /// The label as normalized text: 「第12条」「第1」「別紙1」「Section 5.2」「5.2」. For an
    /// unnumbered heading, its title.
    pub label: String,
    /// Normalized byte range of the label in the text (to quote it in original form).
    pub label_range: (usize, usize),
    /// Title: 「秘密保持」, "Confidentiality".
    pub title: Option<String>,
    /// 0-based line of the heading.
    pub line: usize,
    /// Enclosing article (a chapter, or Section 5 for 5.2).
    pub parent: Option<usize>,
}

/// A sentence with its place in the document.
#[derive(Debug, Clone)]
pub struct Sentence {
    /// Normalized byte range.
    pub start: usize,
    pub end: usize,
    /// Innermost article containing the sentence.
    pub article: Option<usize>,
    /// Paragraph label within the article: "2" for 「２」, "5.2.1".
    pub paragraph: Option<String>,
    /// Item label: "(1)", "一", "ア", "(a)", "(i)", "-".
    pub item: Option<String>,
    /// The sentence is a heading line (article title), kept for context only.
    pub heading: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Segmented {
    pub articles: Vec<Article>,
    pub sentences: Vec<Sentence>,
}

impl Segmented {
    /// Titles of the article and its parents, innermost first.
    pub fn titles(&self, article: Option<usize>) -> Vec<&str> {
        let mut out = Vec::new();
        let mut cur = article;
        while let Some(i) = cur {
            if let Some(t) = &self.articles[i].title {
                out.push(t.as_str());
            }
            cur = self.articles[i].parent;
        }
        out
    }

    /// The article that gives the evidence label: the innermost numbered one.
    pub fn label_article(&self, article: Option<usize>) -> Option<usize> {
        article
    }
}

struct Patterns {
    md_heading: Regex,
    md_bullet_numbered: Regex,
    ja_article: Regex,
    ja_chapter: Regex,
    ja_dai: Regex,
    ja_annex: Regex,
    ja_title_only: Regex,
    ja_bracket_heading: Regex,
    ja_paragraph: Regex,
    ja_item: Regex,
    en_article: Regex,
    en_section: Regex,
    en_annex: Regex,
    en_numbered: Regex,
    en_item: Regex,
    bullet: Regex,
    title_paren: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let kn = "[0-9]+|[一二三四五六七八九十百〇零]+";
        let re = |s: &str| crate::text::regex(s).expect("segment regex");
        Patterns {
            md_heading: re(r"^#{1,6}\s*"),
            md_bullet_numbered: re(r"^[-*+]\s+"),
            ja_article: re(&format!(r"^第\s*({kn})\s*条(?:\s*の\s*({kn}))?")),
            ja_chapter: re(&format!(r"^第\s*({kn})\s*(章|節|編|款|部)")),
            ja_dai: re(&format!(r"^第({kn})(?:\s+|\(|$|[.、:])")),
            ja_annex: re(r"^[\[(【]?(別紙|別表|別添|別記|付属書|附属書|付録|添付資料|附則|付則)\s*([0-9一二三四五六七八九十A-Za-z]*)[\])】]?"),
            ja_title_only: re(r"^[(【\[]([^()【】\[\]。]{1,30})[)】\]]$"),
            ja_bracket_heading: re(r"^【([^【】]{1,30})】"),
            ja_paragraph: re(r"^([0-9]{1,2})(?:\s+|[.、](?:\s*|$))"),
            ja_item: re(r"^(\(([0-9]{1,2}|[一二三四五六七八九十]+|[ア-ン]|[イロハニホヘト]|[a-z])\)|[一二三四五六七八九十]{1,3}\s|[ア-ン](?:\s|[.、])|[0-9]{1,2}\)\s*)"),
            en_article: re(r"^(?i:article)\s+([0-9]+|[IVXLCivxlc]+)\b\.?"),
            en_section: re(r"^(?:(?i:section)|§|Sec\.)\s*([0-9]+(?:\.[0-9]+)*[a-z]?)\b\.?"),
            en_annex: re(r"^(?i:(schedule|annex|appendix|exhibit|attachment|addendum))(?:\s+([0-9]+|[A-Z]|[IVX]+))?\b\.?(?:\s*[-:.]|\s|$)"),
            en_numbered: re(r"^([0-9]{1,2}(?:\\?\.[0-9]{1,2}){0,3})(?:\\?\.|\))?(?:\s+|$)"),
            en_item: re(r"^(\(([a-z]{1,2}|[ivxlc]{1,6}|[0-9]{1,2}|[A-Z])\)|([a-z]|[ivx]{1,4})\)\s)"),
            bullet: re(r"^([-*+・●○■□◆◇▪•])\s*"),
            title_paren: re(r"^\s*[(【]([^()【】。]{1,30})[)】]\s*"),
        }
    })
}

/// A classified line.
enum LineKind {
    Blank,
    Heading { kind: ArticleKind, label: Option<(String, usize, usize)>, title: Option<String>, level: u8, body: usize },
    TitleOnly(String),
    Paragraph { label: String, body: usize },
    Item { label: String, body: usize },
    Text,
}

/// Splits a document into articles and sentences.
pub fn segment(norm: &NormText, lang: Lang) -> Segmented {
    let p = patterns();
    let mut seg = Segmented::default();
    let mut current_article: Option<usize> = None;
    let mut current_chapter: Option<usize> = None;
    // Section number path of the current English article, to nest 5.2 under 5.
    let mut pending_title: Option<String> = None;
    let mut paragraph: Option<String> = None;
    let mut item: Option<String> = None;
    // The block being accumulated: normalized range start, end.
    let mut block: Option<(usize, usize)> = None;

    let flush = |seg: &mut Segmented, block: &mut Option<(usize, usize)>, article, paragraph: &Option<String>, item: &Option<String>| {
        if let Some((s, e)) = block.take() {
            split_sentences(&norm.text, s, e, lang, |ss, se| {
                seg.sentences.push(Sentence {
                    start: ss,
                    end: se,
                    article,
                    paragraph: paragraph.clone(),
                    item: item.clone(),
                    heading: false,
                })
            });
        }
    };

    let is_underline = |line: usize| -> bool {
        if line >= norm.line_count() {
            return false;
        }
        let (s, e) = norm.line_range(line);
        let t = norm.text[s..e].trim();
        t.len() >= 3 && (t.chars().all(|c| c == '=') || t.chars().all(|c| c == '-'))
    };
    // YAML front matter (--- … --- at the top of a Markdown file) is metadata, not text.
    let front_matter_end = {
        let first = norm.line_range(0);
        if norm.text[first.0..first.1].trim() == "---" {
            (1..norm.line_count().min(60)).find(|&l| {
                let (s, e) = norm.line_range(l);
                norm.text[s..e].trim() == "---"
            })
        } else {
            None
        }
    };
    for line in 0..norm.line_count() {
        if front_matter_end.is_some_and(|end| line <= end) {
            continue;
        }
        let (ls, le) = norm.line_range(line);
        let raw_line = &norm.text[ls..le];
        // A Markdown setext heading: the line is underlined by === or ---.
        let setext = !raw_line.trim().is_empty() && is_underline(line + 1);
        let mut kind = classify(raw_line, lang, p, setext);
        // An English sentence-case heading line ("Limitation of liability", "Changes to these
        // Terms") after a finished sentence, followed by a capitalised line, opens a section
        // instead of being glued to the next sentence.
        if lang == Lang::En && matches!(kind, LineKind::Text) {
            let closed = block.is_none_or(|(bs, be)| {
                let t = norm.text[bs..be].trim_end();
                t.is_empty() || t.ends_with(['.', '!', '?', ':', ';', '"', '”', ')'])
            });
            let next_capital = line + 1 < norm.line_count() && {
                let (ns, ne) = norm.line_range(line + 1);
                norm.text[ns..ne].trim_start().chars().next().is_some_and(|c| c.is_uppercase() || c == '"' || c == '“')
            };
            if closed && next_capital && short_heading_line(raw_line) {
                kind = LineKind::Heading { kind: ArticleKind::Article, label: None, title: Some(raw_line.trim().to_string()), level: 0, body: raw_line.len() };
            }
        }
        match kind {
            LineKind::Blank => {
                // Hard-wrapped text with blank lines between lines ("… employees authorised\n\n
                // are subject to …"): keep the block open when the sentence has not ended and
                // the next text line continues it in lower case.
                let open = block.is_some_and(|(bs, be)| {
                    let t = norm.text[bs..be].trim_end();
                    !t.is_empty() && !t.ends_with(['.', '。', ':', ';', '!', '?', ')', '"'])
                });
                let continues = open && next_text_line(norm, line).is_some_and(|t| t.chars().next().is_some_and(|c| c.is_ascii_lowercase()));
                if !continues {
                    flush(&mut seg, &mut block, current_article, &paragraph, &item);
                }
            }
            LineKind::TitleOnly(title) => {
                flush(&mut seg, &mut block, current_article, &paragraph, &item);
                // A title line before an untitled article heading belongs to it; otherwise
                // it titles what follows inside the current article.
                pending_title = Some(title.clone());
                seg.sentences.push(Sentence {
                    start: ls,
                    end: le,
                    article: current_article,
                    paragraph: None,
                    item: None,
                    heading: true,
                });
            }
            LineKind::Heading { kind, label, title, level, body } => {
                flush(&mut seg, &mut block, current_article, &paragraph, &item);
                let title = title.or_else(|| pending_title.take());
                pending_title = None;
                let (label_text, label_range) = match &label {
                    Some((l, s, e)) => (l.clone(), (ls + s, ls + e)),
                    None => (title.clone().unwrap_or_default(), (ls, ls)),
                };
                let parent = match kind {
                    ArticleKind::Chapter => None,
                    ArticleKind::Annex => None,
                    ArticleKind::Article => {
                        // 5.2 nests under 5; a 第N条 nests under the current chapter.
                        let dotted_parent = label.as_ref().and_then(|(l, _, _)| {
                            let num = l.trim_start_matches(|c: char| !c.is_ascii_digit());
                            let (head, _) = num.rsplit_once('.')?;
                            seg.articles.iter().rposition(|a| {
                                a.kind == ArticleKind::Article
                                    && a.label.trim_start_matches(|c: char| !c.is_ascii_digit()).trim_end_matches('.') == head
                            })
                        });
                        dotted_parent.or(current_chapter)
                    }
                };
                let _ = level;
                let idx = seg.articles.len();
                seg.articles.push(Article { kind, label: label_text, label_range, title, line, parent });
                if kind == ArticleKind::Chapter {
                    current_chapter = Some(idx);
                } else if kind == ArticleKind::Annex {
                    current_chapter = None;
                }
                current_article = Some(idx);
                paragraph = None;
                item = None;
                // The heading line itself is context (its title), and any body text after
                // the label and title is the article's first sentence(s).
                seg.sentences.push(Sentence {
                    start: ls,
                    end: ls + body,
                    article: current_article,
                    paragraph: None,
                    item: None,
                    heading: true,
                });
                if body < raw_line.len() {
                    block = Some((ls + body, le));
                }
            }
            LineKind::Paragraph { label, body } => {
                flush(&mut seg, &mut block, current_article, &paragraph, &item);
                paragraph = Some(label);
                item = None;
                block = Some((ls + body, le));
            }
            LineKind::Item { label, body } => {
                flush(&mut seg, &mut block, current_article, &paragraph, &item);
                item = Some(label);
                block = Some((ls + body, le));
            }
            LineKind::Text => {
                pending_title = None;
                block = Some(match block {
                    Some((s, _)) => (s, le),
                    None => (ls, le),
                });
            }
        }
    }
    flush(&mut seg, &mut block, current_article, &paragraph, &item);
    seg
}

/// The next non-blank line after `line`, trimmed.
fn next_text_line(norm: &NormText, line: usize) -> Option<&str> {
    (line + 1..norm.line_count().min(line + 4)).map(|l| {
        let (s, e) = norm.line_range(l);
        norm.text[s..e].trim()
    }).find(|t| !t.is_empty())
}

fn classify(line: &str, lang: Lang, p: &Patterns, setext: bool) -> LineKind {
    let trimmed_start = line.len() - line.trim_start().len();
    let mut off = trimmed_start;
    let mut text = line[off..].trim_end();
    if text.is_empty() || text.chars().all(|c| matches!(c, '-' | '=' | '_' | '*' | '#' | '|' | ':' | ' ')) {
        return LineKind::Blank;
    }
    let mut md = setext;
    if starts_with_byte(text, b"#") {
        if let Some(m) = p.md_heading.find(text) {
            md = true;
            off += m.end();
            text = &text[m.end()..];
        }
    }
    // "*   1.1 Scope and Roles. …": a numbered section written as a Markdown bullet.
    if let Some(m) = starts_with_byte(text, b"-*+").then(|| p.md_bullet_numbered.find(text)).flatten() {
        if p.en_numbered.is_match(&text[m.end()..]) && text[m.end()..].contains('.') {
            off += m.end();
            text = &text[m.end()..];
        }
    }
    // Bold headings: **Article 5** / **第5条（秘密保持）**
    let stripped_bold = text.strip_prefix("**").map(|t| t.trim_start());
    let bold_off = stripped_bold.map_or(0, |s| text.len() - s.len());
    let t = stripped_bold.unwrap_or(text);
    let base = off + bold_off;

    let heading = |kind: ArticleKind, label: Option<(String, usize, usize)>, rest_at: usize| {
        let rest = &line[rest_at..];
        let (title, body) = split_title(rest, rest_at, p, md);
        LineKind::Heading { kind, label, title, level: 0, body }
    };

    let dai = t.starts_with('第');
    if let Some(c) = dai.then(|| p.ja_chapter.captures(t)).flatten() {
        let m = c.get(0).unwrap();
        return heading(ArticleKind::Chapter, Some((m.as_str().replace(' ', ""), base, base + m.end())), base + m.end());
    }
    if let Some(c) = dai.then(|| p.ja_article.captures(t)).flatten() {
        let m = c.get(0).unwrap();
        return heading(ArticleKind::Article, Some((m.as_str().replace(' ', ""), base, base + m.end())), base + m.end());
    }
    if let Some(c) = t.starts_with(['[', '(', '【', '別', '付', '附', '添']).then(|| p.ja_annex.captures(t)).flatten() {
        let m = c.get(0).unwrap();
        let after = &t[m.end()..];
        // 「別紙のとおり」 in running text is a reference, not a heading.
        let is_ref = after.starts_with('の') || after.starts_with('に') || after.starts_with('を') || after.starts_with('で');
        if !is_ref {
            let label = format!("{}{}", &c[1], &c[2]);
            return heading(ArticleKind::Annex, Some((label, base, base + m.end())), base + m.end());
        }
    }
    if let Some(c) = dai.then(|| p.ja_dai.captures(t)).flatten() {
        let num = c.get(1).unwrap();
        let label_end = num.end();
        let after = &t[label_end..];
        let rest_ok = !after.trim_start().starts_with(['項', '号', '条', '章', '節', '者', '回']);
        if rest_ok {
            return heading(ArticleKind::Article, Some((t[..label_end].to_string(), base, base + label_end)), base + label_end);
        }
    }
    if let Some(c) = starts_with_byte(t, b"aA").then(|| p.en_article.captures(t)).flatten() {
        let m = c.get(0).unwrap();
        return heading(ArticleKind::Chapter, Some((m.as_str().trim_end_matches('.').to_string(), base, base + m.end())), base + m.end());
    }
    if let Some(c) = (starts_with_byte(t, b"sS") || starts_non_ascii(t)).then(|| p.en_section.captures(t)).flatten() {
        let m = c.get(0).unwrap();
        return heading(ArticleKind::Article, Some((m.as_str().trim_end_matches('.').to_string(), base, base + m.end())), base + m.end());
    }
    if let Some(c) = (starts_with_byte(t, b"sSaAeE") || starts_non_ascii(t)).then(|| p.en_annex.captures(t)).flatten() {
        let m = c.get(0).unwrap();
        let rest = t[m.end()..].trim();
        // "Schedule 1" / "ANNEX II - Security" are headings; "Schedule A lists..." is text.
        let is_heading = c.get(2).is_some() && (rest.is_empty() || rest.len() < 80 && !rest.ends_with('.'))
            || (c.get(2).is_none() && rest.is_empty())
            || md;
        if is_heading {
            let word = c.get(1).unwrap().as_str();
            let label = match c.get(2) {
                Some(n) => format!("{} {}", word, n.as_str()),
                None => word.to_string(),
            };
            return heading(ArticleKind::Annex, Some((label, base, base + m.end())), base + m.end());
        }
    }
    if lang == Lang::En || md {
        if let Some(c) = starts_with_byte(t, DIGITS).then(|| p.en_numbered.captures(t)).flatten() {
            let num_owned = c.get(1).unwrap().as_str().replace('\\', "");
            let num = num_owned.as_str();
            let m = c.get(0).unwrap();
            let rest = t[m.end()..].trim();
            let dotted = num.contains('.');
            // "3. Confidentiality" or "5.2 The Provider shall…" are numbered sections;
            // a bare "3" followed by text in a Japanese Markdown file is a paragraph.
            if lang == Lang::En || dotted || looks_like_title(rest) {
                return heading(ArticleKind::Article, Some((num.to_string(), base, base + c.get(1).unwrap().end())), base + m.end());
            }
        }
    }
    if md {
        // An unnumbered Markdown heading: its text is the title.
        let title = strip_md(t.trim_end_matches("**").trim().trim_end_matches(['.', ':']));
        if !title.is_empty() && title.chars().count() <= 80 {
            return LineKind::Heading { kind: ArticleKind::Article, label: None, title: Some(title), level: 0, body: line.len() };
        }
    }
    if stripped_bold.is_some() && t.trim_end().ends_with("**") {
        let title = t.trim_end().trim_end_matches("**").trim();
        if !title.is_empty() && title.chars().count() <= 60 {
            return LineKind::Heading { kind: ArticleKind::Article, label: None, title: Some(title.to_string()), level: 0, body: line.len() };
        }
    }
    if let Some(c) = t.starts_with(['(', '【', '[']).then(|| p.ja_title_only.captures(t)).flatten() {
        return LineKind::TitleOnly(c[1].trim().to_string());
    }
    if let Some(c) = t.starts_with('【').then(|| p.ja_bracket_heading.captures(t)).flatten() {
        if c.get(0).unwrap().end() == t.len() {
            return LineKind::Heading { kind: ArticleKind::Article, label: None, title: Some(c[1].to_string()), level: 0, body: line.len() };
        }
    }
    // English all-caps heading: "CONFIDENTIALITY", "LIMITATION OF LIABILITY".
    if lang == Lang::En
        && t.len() <= 60
        && t.chars().any(|c| c.is_ascii_uppercase())
        && !t.chars().any(|c| c.is_ascii_lowercase())
        && !t.ends_with('.')
        && t.split_whitespace().count() <= 8
        && !t.chars().any(|c| c.is_ascii_digit())
        && t.chars().filter(|c| c.is_alphabetic()).count() >= 4
    {
        return LineKind::Heading { kind: ArticleKind::Article, label: None, title: Some(t.trim().to_string()), level: 0, body: line.len() };
    }
    if lang == Lang::Ja {
        if let Some(c) = starts_with_byte(t, DIGITS).then(|| p.ja_paragraph.captures(t)).flatten() {
            let m = c.get(0).unwrap();
            return LineKind::Paragraph { label: c[1].to_string(), body: base + m.end() };
        }
        // 「2前項の場合」: PDF extraction can drop the space after a paragraph number. A
        // number glued to Japanese text is a paragraph unless it reads as a quantity.
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        if (1..=2).contains(&digits) {
            if let Some(next) = t[digits..].chars().next() {
                let quantity = "年月日時分秒条項号名人件円万千百億か箇ヶ週回個部社台枚倍割歳期次条";
                if crate::text::is_cjk(next) && !quantity.contains(next) && !matches!(next, '.' | '、' | ')' | '%') {
                    return LineKind::Paragraph { label: t[..digits].to_string(), body: base + digits };
                }
            }
        }
        if let Some(c) = (starts_with_byte(t, b"(0123456789") || starts_non_ascii(t)).then(|| p.ja_item.captures(t)).flatten() {
            let m = c.get(0).unwrap();
            return LineKind::Item { label: c[1].trim().to_string(), body: base + m.end() };
        }
    }
    if let Some(c) = starts_with_byte(t, b"(abcdefghijklmnopqrstuvwxyz").then(|| p.en_item.captures(t)).flatten() {
        let m = c.get(0).unwrap();
        return LineKind::Item { label: c[1].trim().to_string(), body: base + m.end() };
    }
    if let Some(c) = t.starts_with('(').then(|| p.ja_item.captures(t)).flatten() {
        let m = c.get(0).unwrap();
        return LineKind::Item { label: c[1].trim().to_string(), body: base + m.end() };
    }
    if let Some(c) = (starts_with_byte(t, b"-*+") || starts_non_ascii(t)).then(|| p.bullet.captures(t)).flatten() {
        let m = c.get(0).unwrap();
        if m.end() < t.len() {
            return LineKind::Item { label: c[1].to_string(), body: base + m.end() };
        }
    }
    LineKind::Text
}

const DIGITS: &[u8] = b"0123456789";

/// Whether `t` starts with one of the ASCII bytes in `set`. [`classify`] asks this before
/// running an anchored pattern that can only match there: most lines are running text,
/// and a dozen regex calls per line cost more than the rest of segmentation.
fn starts_with_byte(t: &str, set: &[u8]) -> bool {
    t.as_bytes().first().is_some_and(|b| set.contains(b))
}

/// Whether `t` starts with a non-ASCII character: the gate for patterns that may begin
/// with one (a Japanese bullet, or a letter that `(?i)` folds onto an ASCII one: ſ → s).
fn starts_non_ascii(t: &str) -> bool {
    t.as_bytes().first().is_some_and(|&b| b >= 0x80)
}

/// A short unpunctuated line that reads as a title, not as the start of a wrapped sentence:
/// capitalised, at most eight words, no finite verb, not ending in a function word.
fn short_heading_line(line: &str) -> bool {
    const VERBS: &[&str] = &[
        "shall", "will", "may", "must", "should", "would", "could", "is", "are", "was", "were", "has", "have", "can", "cannot", "do", "does", "agree",
        "agrees", "means", "include", "includes", "be", "been", "we", "you", "i",
    ];
    const TRAILING: &[&str] = &[
        "the", "a", "an", "of", "to", "and", "or", "by", "for", "with", "in", "on", "at", "from", "that", "which", "any", "all", "its", "their", "our",
        "your", "this", "these", "such", "as", "per", "not", "no", "under", "into", "than", "if", "whether", "including", "between", "each", "other",
    ];
    let t = line.trim();
    let words: Vec<&str> = t.split_whitespace().collect();
    // A question-style heading ("When we might close your account", "How you can reach
    // us") may hold a pronoun and a modal and run a little longer.
    let question = words.first().is_some_and(|w| {
        ["When", "How", "What", "Why", "Where", "Who"].contains(w)
            || (w.len() > 5 && w.ends_with("ing") && w.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && w.chars().skip(1).all(|c| c.is_ascii_lowercase()))
    });
    if t.chars().count() < 3 || t.chars().count() > 60 || words.is_empty() || words.len() > if question { 10 } else { 8 } {
        return false;
    }
    if !t.chars().next().is_some_and(|c| c.is_uppercase()) || t.ends_with(['.', ';', ',', ':', '?', '!', '"', '”', ')', '-']) {
        return false;
    }
    if t.chars().filter(|c| c.is_alphabetic()).count() < 4 {
        return false;
    }
    let lower: Vec<String> = words.iter().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase()).collect();
    const STRONG: &[&str] = &["shall", "must", "means", "agree", "agrees", "include", "includes"];
    let verb_list = if question { STRONG } else { VERBS };
    if lower.iter().any(|w| verb_list.contains(&w.as_str())) || TRAILING.contains(&lower.last().unwrap().as_str()) {
        return false;
    }
    true
}

fn strip_md(s: &str) -> String {
    // Drop inline HTML (<a name="x"></a>) and emphasis marks.
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            '*' | '`' if !in_tag => {}
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// A short heading-like rest of a numbered line: "Confidentiality", "Sub-processing".
fn looks_like_title(rest: &str) -> bool {
    let rest = rest.trim_end_matches("**").trim();
    !rest.is_empty()
        && rest.chars().count() <= 60
        && !rest.ends_with(['.', '。', ';', ','])
        && rest.split_whitespace().count() <= 8
        && !lead_in_clause(rest)
}

/// "9.1 We will not be liable to you for:" / "We may close your account if:": a short
/// clause with a modal or finite verb that announces a list is the list's lead-in
/// sentence, not a title ("Limitation of Liability:").
fn lead_in_clause(rest: &str) -> bool {
    const VERBS: &[&str] = &["shall", "will", "may", "must", "can", "cannot", "is", "are", "agree", "agrees", "won't", "not"];
    rest.ends_with([':', '：'])
        && rest.split_whitespace().any(|w| VERBS.contains(&w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'').to_lowercase().as_str()))
}

/// Splits what follows a heading label into a title and the start of the body.
/// Returns (title, body offset within the line).
fn split_title(rest: &str, rest_at: usize, p: &Patterns, md: bool) -> (Option<String>, usize) {
    let rest_trim = rest.trim_start().trim_start_matches(['.', ':', '-', '—', '–', '、']).trim_start();
    let lead = rest.len() - rest_trim.len();
    if rest_trim.is_empty() {
        return (None, rest_at + rest.len());
    }
    if let Some(c) = p.title_paren.captures(rest_trim) {
        let m = c.get(0).unwrap();
        return (Some(c[1].trim().to_string()), rest_at + lead + m.end());
    }
    let clean = rest_trim.trim_end_matches("**").trim();
    // A Markdown heading line is a title even with a final period ("1\. Details.").
    if md && clean.chars().count() <= 80 && !clean.contains('。') {
        let t = strip_md(clean.trim_end_matches(['.', ':']));
        return ((!t.is_empty()).then_some(t), rest_at + rest.len());
    }
    // "Article 5 Confidentiality" / "第1 目的" / "5.2 Sub-processing": a short rest without
    // sentence punctuation is a title.
    if looks_like_title(clean) && !clean.contains('。') {
        return (Some(strip_md(clean)), rest_at + rest.len());
    }
    // "5.2 Sub-processing. The Provider shall…" / "Confidentiality: Provider shall…"
    if let Some(dot) = clean.find(['.', ':']) {
        let head = &clean[..dot];
        if head.split_whitespace().count() <= 5
            && head.chars().next().is_some_and(|c| c.is_uppercase())
            && head.split_whitespace().all(|w| w.chars().next().is_some_and(|c| c.is_uppercase() || !c.is_alphabetic()) || w.len() <= 3)
            && clean[dot + 1..].starts_with(' ')
        {
            return (Some(strip_md(head)), rest_at + lead + dot + 1);
        }
    }
    (None, rest_at + lead)
}

/// Splits a block into sentences, calling `emit` with normalized ranges. A sentence that
/// begins with ただし / 但し / "Provided, however" is joined to the previous one: the
/// proviso is part of the rule it qualifies.
fn split_sentences(text: &str, start: usize, end: usize, lang: Lang, emit: impl FnMut(usize, usize)) {
    let block = &text[start..end];
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    let mut s = 0;
    let bytes = block.as_bytes();
    let mut depth: i32 = 0;
    let mut opened_at = 0usize;
    // Whether a Japanese character occurs before `cjk_upto`, advanced only when a period
    // asks (the question used to rescan the block from its start at every period).
    let mut cjk_seen = false;
    let mut cjk_upto = 0usize;
    // Only brackets, sentence punctuation and line breaks matter; every other character
    // is stepped over without decoding it.
    let mut i = 0;
    while i < bytes.len() {
        // Sixteen bytes at a time while none of them matters (no branch per byte).
        while i + 16 <= bytes.len() && !bytes[i..i + 16].iter().fold(false, |a, &x| a | SENTENCE_BYTE[x as usize]) {
            i += 16;
        }
        if i >= bytes.len() {
            break;
        }
        if !SENTENCE_BYTE[bytes[i] as usize] {
            i += 1;
            continue;
        }
        let c = block[i..].chars().next().expect("char boundary");
        let len = c.len_utf8();
        let next = block[i + len..].chars().next();
        match c {
            '(' | '「' | '『' | '【' => {
                if depth == 0 {
                    opened_at = i;
                }
                depth += 1
            }
            ')' | '」' | '』' | '】' => depth = (depth - 1).max(0),
            _ => {}
        }
        // An English bracket still open 300 bytes later was never closed ("(ATTN: … Finance.
        // e. Audit. Licensee shall …"): its periods end sentences again.
        if depth > 0 && c == '.' && i - opened_at > 300 && !block[..i].chars().next_back().is_some_and(crate::text::is_cjk) {
            depth = 0;
        }
        // 「秘密情報（その複製物を含む。）を返還する」: a period inside brackets ends nothing.
        if depth > 0 && matches!(c, '。' | '.' | '!' | '?') {
            i += len;
            continue;
        }
        // A bracket left open by a line that ends a sentence ("(see Section 4." then a new
        // line) does not swallow the rest of the block.
        if c == '\n' && depth > 0 && block[..i].trim_end_matches([' ', '\t']).ends_with(['.', '!', '?', '。']) {
            depth = 0;
            if s < i {
                pieces.push((s, i));
            }
            s = i;
            i += len;
            continue;
        }
        let boundary = match c {
            '。' => true,
            '!' | '?' | '！' | '？' => next.is_none_or(|n| n == ' ' || n == '\n' || crate::text::is_cjk(n)),
            '.' => {
                let prev = block[..i].chars().next_back();
                if prev.is_some_and(crate::text::is_cjk) {
                    true
                } else {
                    if lang != Lang::En && !cjk_seen {
                        cjk_seen = block[cjk_upto..i].chars().any(crate::text::is_cjk);
                        cjk_upto = i;
                    }
                    (lang == Lang::En || !cjk_seen) && english_period_ends(block, i, bytes)
                }
            }
            _ => false,
        };
        if boundary {
            let e = i + len;
            // Include closing quotes/brackets right after the period.
            let mut e2 = e;
            for ch in block[e..].chars() {
                if matches!(ch, ')' | '」' | '』' | '"' | '\'' | '】') {
                    e2 += ch.len_utf8();
                } else {
                    break;
                }
            }
            pieces.push((s, e2));
            s = e2;
            // The closing marks taken into the sentence are not looked at again.
            i = e2;
            continue;
        }
        i += len;
    }
    if s < block.len() {
        pieces.push((s, block.len()));
    }
    emit_pieces(block, start, pieces, emit);
}

/// Emits the pieces of a block, trimmed, with a proviso (ただし, "Provided that") merged
/// into the sentence before it.
fn emit_pieces(block: &str, start: usize, pieces: Vec<(usize, usize)>, mut emit: impl FnMut(usize, usize)) {
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in pieces {
        let piece = &block[a..b];
        let lead = piece.len() - piece.trim_start().len();
        let a = a + lead;
        let b = a + block[a..b].trim_end().len();
        if a >= b {
            continue;
        }
        let t = &block[a..b];
        let proviso = t.starts_with("ただし") || t.starts_with("但し") || t.starts_with("但書")
            || t.starts_with("Provided, however") || t.starts_with("Provided however") || t.starts_with("Provided that")
            || t.starts_with("provided, however") || t.starts_with("provided that");
        if proviso {
            if let Some(last) = merged.last_mut() {
                last.1 = b;
                continue;
            }
        }
        merged.push((a, b));
    }
    for (a, b) in merged {
        emit(start + a, start + b);
    }
}

/// The bytes at which [`split_sentences`] has to look at a character: ASCII brackets,
/// punctuation and line breaks, and the lead byte 0xE3 of 「」『』【】。 and 0xEF of ！？.
const SENTENCE_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut k = 0;
    let ascii = b"().!?\n";
    while k < ascii.len() {
        t[ascii[k] as usize] = true;
        k += 1;
    }
    t[0xE3] = true;
    t[0xEF] = true;
    t
};

/// Whether a period at byte `i` ends an English sentence (not "e.g.", "Inc.", "5.2").
fn english_period_ends(block: &str, i: usize, bytes: &[u8]) -> bool {
    let after = &block[i + 1..];
    if after.is_empty() {
        return true;
    }
    let next = after.chars().next().unwrap();
    if !(next == ' ' || next == '\n' || next == '"' || next == ')' || crate::text::is_cjk(next)) {
        return false;
    }
    // Next word must start with an uppercase letter, a digit-less opening or a quote.
    let next_word = after.trim_start_matches([' ', '\n', '"', ')']);
    // A lettered list item on its own ("… offline.\nc. The information …") starts a new
    // sentence even though its first letter is lower case.
    let nb = next_word.as_bytes();
    if nb.len() >= 3 && nb[0].is_ascii_lowercase() && matches!(nb[1], b'.' | b')') && nb[2] == b' ' {
        return true;
    }
    // A camel-case brand ("… backed up. eWidget accepts …") starts a sentence.
    let first_word = || next_word.chars().take_while(|c| c.is_alphanumeric());
    if first_word().next().is_some_and(|c| c.is_ascii_lowercase())
        && first_word().skip(1).any(|c| c.is_ascii_uppercase())
        && first_word().all(|c| c.is_ascii_alphanumeric())
    {
        return true;
    }
    let nc = next_word.chars().next();
    if let Some(nc) = nc {
        if nc.is_lowercase() || nc.is_ascii_digit() {
            return false;
        }
    }
    // The word before the period.
    let before = &block[..i];
    let word_start = before.rfind([' ', '(', '\n']).map_or(0, |p| p + 1);
    let word = &before[word_start..];
    let _ = bytes;
    const ABBREV: &[&str] = &[
        "e.g", "i.e", "etc", "Inc", "Ltd", "Co", "Corp", "No", "Nos", "Sec", "Art", "Mr", "Ms", "Mrs", "Dr", "vs", "v", "U.S",
        "U.K", "S.A", "B.V", "N.V", "GmbH", "Pty", "LLC", "L.L.C", "St", "cf", "Cl", "para", "approx", "al", "Jr", "Sr", "p", "pp",
    ];
    if ABBREV.iter().any(|a| word.eq_ignore_ascii_case(a)) {
        return false;
    }
    // Single capital letters ("A. Smith") and section numbers ("Section 5.")
    !(word.len() == 1 && word.chars().all(|c| c.is_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn seg(raw: &str, lang: Lang) -> (NormText, Segmented) {
        let n = normalize(raw);
        let s = segment(&n, lang);
        (n, s)
    }

    fn body<'a>(n: &'a NormText, s: &Segmented) -> Vec<&'a str> {
        s.sentences.iter().filter(|x| !x.heading).map(|x| &n.text[x.start..x.end]).collect()
    }

    /// The character-by-character loop that [`split_sentences`] replaced, kept as the
    /// reference its byte loop must agree with.
    fn split_sentences_by_char(text: &str, start: usize, end: usize, lang: Lang, emit: impl FnMut(usize, usize)) {
        let block = &text[start..end];
        let mut pieces: Vec<(usize, usize)> = Vec::new();
        let mut s = 0;
        let bytes = block.as_bytes();
        let mut iter = block.char_indices().peekable();
        let mut depth: i32 = 0;
        let mut opened_at = 0usize;
        while let Some((i, c)) = iter.next() {
            let next = iter.peek().map(|&(_, n)| n);
            match c {
                '(' | '「' | '『' | '【' => {
                    if depth == 0 {
                        opened_at = i;
                    }
                    depth += 1
                }
                ')' | '」' | '』' | '】' => depth = (depth - 1).max(0),
                _ => {}
            }
            // An English bracket still open 300 bytes later was never closed ("(ATTN: … Finance.
            // e. Audit. Licensee shall …"): its periods end sentences again.
            if depth > 0 && c == '.' && i - opened_at > 300 && !block[..i].chars().next_back().is_some_and(crate::text::is_cjk) {
                depth = 0;
            }
            // 「秘密情報（その複製物を含む。）を返還する」: a period inside brackets ends nothing.
            if depth > 0 && matches!(c, '。' | '.' | '!' | '?') {
                continue;
            }
            // A bracket left open by a line that ends a sentence ("(see Section 4." then a new
            // line) does not swallow the rest of the block.
            if c == '\n' && depth > 0 && block[..i].trim_end_matches([' ', '\t']).ends_with(['.', '!', '?', '。']) {
                depth = 0;
                if s < i {
                    pieces.push((s, i));
                }
                s = i;
                continue;
            }
            let boundary = match c {
                '。' => true,
                '!' | '?' | '！' | '？' => next.is_none_or(|n| n == ' ' || n == '\n' || crate::text::is_cjk(n)),
                '.' => {
                    let prev = block[..i].chars().next_back();
                    if prev.is_some_and(crate::text::is_cjk) {
                        true
                    } else {
                        (lang == Lang::En || !block[..i].chars().any(crate::text::is_cjk))
                            && english_period_ends(block, i, bytes)
                    }
                }
                _ => false,
            };
            if boundary {
                let e = i + c.len_utf8();
                // Include closing quotes/brackets right after the period.
                let mut e2 = e;
                for ch in block[e..].chars() {
                    if matches!(ch, ')' | '」' | '』' | '"' | '\'' | '】') {
                        e2 += ch.len_utf8();
                    } else {
                        break;
                    }
                }
                pieces.push((s, e2));
                s = e2;
                while iter.peek().is_some_and(|&(j, _)| j < e2) {
                    iter.next();
                }
            }
        }
        if s < block.len() {
            pieces.push((s, block.len()));
        }
        emit_pieces(block, start, pieces, emit);
    }

    #[test]
    fn the_byte_loop_splits_like_the_character_loop() {
        let long_open = format!("See (ATTN: {} Finance. Reports go out monthly. Done.", "x".repeat(320));
        let blocks = [
            "乙は、秘密を保持する。ただし、甲の承諾を得た場合はこの限りでない。",
            "受領者は、秘密情報(その複製物を含む。)を返還する。「引用です。」と述べた。",
            "【注意】本サービスは有料です！詳細は別途？確認してください。",
            "Provider shall keep it, e.g. in a safe. Inc. is a word. See Section 5. It applies.",
            "It ends here (see Section 4.\nThe next sentence starts. Really!  Yes? no.",
            "He said \"stop.\" Then left. eWidget accepts it. c. The item. A. Smith went.",
            "第1条 乙は、ABC Inc. の規定に従う。次の文. Next one. 終わり。",
            "Mixed 日本語. text. Provided, however, that it works. provided that it does.",
            "Unclosed 「bracket. Still open。 Now closed」 here. Fine.",
            long_open.as_str(),
            "",
            "   ",
            "No terminator at all",
        ];
        for block in blocks {
            for lang in [Lang::En, Lang::Ja] {
                for start in [0, block.char_indices().nth(3).map_or(0, |(i, _)| i)] {
                    let (mut new, mut old) = (Vec::new(), Vec::new());
                    split_sentences(block, start, block.len(), lang, |a, b| new.push((a, b)));
                    split_sentences_by_char(block, start, block.len(), lang, |a, b| old.push((a, b)));
                    assert_eq!(new, old, "{lang:?} {block:?}");
                }
            }
        }
    }

    #[test]
    fn japanese_articles_titles_paragraphs_items() {
        let raw = "業務委託契約書\n\n（秘密保持）\n第１条　乙は、秘密を保持する。\n２　乙は、第三者に開示してはならない。ただし、甲の承諾を得た場合はこの限りでない。\n（１）　氏名\n① 住所\n第十二条（再委託）乙は再委託しない。\n第3条の2 追加条項\n本文です。\n";
        let (n, s) = seg(raw, Lang::Ja);
        let labels: Vec<_> = s.articles.iter().map(|a| (a.label.as_str(), a.title.as_deref())).collect();
        assert_eq!(labels, vec![("第1条", Some("秘密保持")), ("第十二条", Some("再委託")), ("第3条の2", Some("追加条項"))]);
        let b = body(&n, &s);
        assert_eq!(b[0], "業務委託契約書");
        assert_eq!(b[1], "乙は、秘密を保持する。");
        assert_eq!(b[2], "乙は、第三者に開示してはならない。ただし、甲の承諾を得た場合はこの限りでない。");
        let second = s.sentences.iter().find(|x| n.text[x.start..x.end].starts_with("乙は、第三者")).unwrap();
        assert_eq!(second.paragraph.as_deref(), Some("2"));
        assert_eq!(s.articles[second.article.unwrap()].label, "第1条");
        let item = s.sentences.iter().find(|x| &n.text[x.start..x.end] == "住所").unwrap();
        assert_eq!(item.item.as_deref(), Some("(1)"));
        let last = s.sentences.iter().find(|x| &n.text[x.start..x.end] == "乙は再委託しない。").unwrap();
        assert_eq!(s.articles[last.article.unwrap()].label, "第十二条");
    }

    #[test]
    fn unclosed_english_bracket_ends_at_a_later_period() {
        let raw = "Payments go to the address below (ATTN: Finance Department, Accounts Payable, Second Floor, Main Building, Example Street, Example City. Reports shall be sent monthly to the same address and copied to the account manager named in the order form. Invoices shall state the order number, the period and the amount due in the currency of the order. The Licensee shall keep complete books of account for three years. The Licensee shall permit those books to be examined by the Licensor.\n";
        let (n, s) = seg(raw, Lang::En);
        let b = body(&n, &s);
        assert!(b.iter().any(|x| x.starts_with("The Licensee shall permit")), "{b:?}");
    }

    #[test]
    fn iso_style_dai_and_annex() {
        let raw = "第1 目的\n本覚書は定める。\n第2（秘密保持）\n乙は秘密を守る。\n別紙1 安全管理措置\n(ア) 入退室管理を行う。\n第2項の規定は除く。\n";
        let (n, s) = seg(raw, Lang::Ja);
        let labels: Vec<_> = s.articles.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(labels, vec!["第1", "第2", "別紙1"]);
        assert_eq!(s.articles[0].title.as_deref(), Some("目的"));
        let ann = s.sentences.iter().find(|x| n.text[x.start..x.end].contains("入退室")).unwrap();
        assert_eq!(s.articles[ann.article.unwrap()].kind, ArticleKind::Annex);
        assert_eq!(ann.item.as_deref(), Some("(ア)"));
        // 「第2項の規定」 at a line start is text, not an article.
        assert_eq!(s.articles.len(), 3);
    }

    #[test]
    fn a_lettered_item_after_a_full_stop_starts_a_sentence() {
        let raw = "Disclaimers\nWe are not liable for what other members do offline.\nb. Listings may contain errors, i.e. typos.\n";
        let (n, s) = seg(raw, Lang::En);
        let b = body(&n, &s);
        assert!(b.contains(&"We are not liable for what other members do offline."), "{b:?}");
        assert!(b.iter().any(|t| t.starts_with("b. Listings") || t.starts_with("Listings")), "{b:?}");
        let (n, s) = seg("Keep your own backups.\neWidget accepts no liability for lost files.\n", Lang::En);
        assert!(body(&n, &s).contains(&"eWidget accepts no liability for lost files."));
    }

    #[test]
    fn a_question_style_heading_is_not_glued_to_the_next_sentence() {
        let raw = "Your account\nYou may close it at any time.\nWhen we might close your account\nWe value our members.\nTelling you about new terms\nWe send an email first.\nWhen we close it we will tell you\nbefore doing so.\n";
        let (n, s) = seg(raw, Lang::En);
        let b = body(&n, &s);
        assert!(b.contains(&"We value our members."), "{b:?}");
        assert!(b.contains(&"We send an email first."), "{b:?}");
        // A lower-case continuation still joins the line before it.
        assert!(b.iter().any(|t| t.contains("we will tell you") && t.contains("before doing so.")), "{b:?}");
    }

    #[test]
    fn english_numbering() {
        let raw = "ARTICLE V CONFIDENTIALITY\nSection 5.1 Provider shall keep Customer Data confidential. It shall not disclose it, e.g. to affiliates.\n5.2 Sub-processing. Provider shall not engage a sub-processor.\n(a) without consent;\n(i) in writing.\nSchedule 1\nSecurity measures apply.\n";
        let (n, s) = seg(raw, Lang::En);
        let labels: Vec<_> = s.articles.iter().map(|a| (a.label.as_str(), a.title.as_deref())).collect();
        assert_eq!(
            labels,
            vec![("ARTICLE V", Some("CONFIDENTIALITY")), ("Section 5.1", None), ("5.2", Some("Sub-processing")), ("Schedule 1", None)]
        );
        let b = body(&n, &s);
        assert!(b.contains(&"Provider shall keep Customer Data confidential."));
        assert!(b.contains(&"It shall not disclose it, e.g. to affiliates."));
        assert!(b.contains(&"Provider shall not engage a sub-processor."));
        let item = s.sentences.iter().find(|x| n.text[x.start..x.end].starts_with("without")).unwrap();
        assert_eq!(item.item.as_deref(), Some("(a)"));
        assert_eq!(s.articles[item.article.unwrap()].label, "5.2");
    }

    #[test]
    fn a_numbered_lead_in_is_a_sentence_not_a_title() {
        let raw = "9.1 We will not be liable to you for:\n(a) loss of profits;\n9.2 Limitation of Liability:\n(a) indirect loss;\n";
        let (n, s) = seg(raw, Lang::En);
        let labels: Vec<_> = s.articles.iter().map(|a| (a.label.as_str(), a.title.as_deref())).collect();
        assert_eq!(labels, vec![("9.1", None), ("9.2", Some("Limitation of Liability:"))]);
        assert!(body(&n, &s).contains(&"We will not be liable to you for:"));
    }

    #[test]
    fn markdown_headings() {
        let raw = "# Terms of Service\n\n## 1. Acceptance\n\nBy using the service you agree.\n\n## Changes to these Terms\n\nWe may change these terms at any time.\n";
        let (n, s) = seg(raw, Lang::En);
        let ch = s.sentences.iter().find(|x| n.text[x.start..x.end].starts_with("We may")).unwrap();
        assert_eq!(s.articles[ch.article.unwrap()].title.as_deref(), Some("Changes to these Terms"));
        let acc = s.sentences.iter().find(|x| n.text[x.start..x.end].starts_with("By using")).unwrap();
        assert_eq!(s.articles[acc.article.unwrap()].label, "1");
    }

    #[test]
    fn markdown_setext_front_matter_and_bulleted_sections() {
        let raw = "---\ntags: [a]\n---\n\nAddendum\n========\n\n1\\. Details.\n------------\n\n*   1.1 Scope and Roles. Provider may process data.\n\n## <a name=\"x\"></a>はじめに\n";
        let (n, s) = seg(raw, Lang::En);
        let labels: Vec<_> = s.articles.iter().map(|a| (a.label.as_str(), a.title.as_deref())).collect();
        assert_eq!(labels, vec![("Addendum", None), ("1", Some("Details")), ("1.1", Some("Scope and Roles")), ("はじめに", Some("はじめに"))]);
        assert!(body(&n, &s).contains(&"Provider may process data."));
    }

    #[test]
    fn wrapped_japanese_lines_join_into_one_sentence() {
        let raw = "第5条（漏えい）\n乙は、個人情報の漏えいが発生した場合、\n直ちに甲に報告しなければならない。\n";
        let (n, s) = seg(raw, Lang::Ja);
        let b = body(&n, &s);
        assert_eq!(b, vec!["乙は、個人情報の漏えいが発生した場合、\n直ちに甲に報告しなければならない。"]);
        let (n, s) = seg("第3条(再委託)\n乙は再委託してはならない。\n2前項の規定にかかわらず、乙は承諾を得て再委託できる。\n30日以内に通知する。\n", Lang::Ja);
        let p = s.sentences.iter().find(|x| n.text[x.start..x.end].starts_with("前項")).unwrap();
        assert_eq!(p.paragraph.as_deref(), Some("2"));
        assert!(body(&n, &s).iter().any(|b| b.starts_with("30日以内")));
        let (n, s) = seg("受領者は、秘密情報(その複製物を含む。)を速やかに返還する。\n", Lang::Ja);
        assert_eq!(body(&n, &s), vec!["受領者は、秘密情報(その複製物を含む。)を速やかに返還する。"]);
        let (n, s) = seg("d) ensure that employees authorised to process data\n\nare subject to confidentiality.\n", Lang::En);
        assert_eq!(body(&n, &s), vec!["ensure that employees authorised to process data\n\nare subject to confidentiality."]);
    }
}
