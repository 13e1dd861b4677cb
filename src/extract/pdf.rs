//! PDF extraction: text page by page, then clean-up of the layout artefacts a PDF leaves
//! in text, with `page_starts` recording where each page begins.
//!
//! Engines: pdf_oxide first — it reads Japanese non-embedded CID fonts (UniJIS-UCS2-H,
//! Identity-H) on which pdf-extract panics, and recovers most damaged files. lopdf is the
//! fallback for pages pdf_oxide fails on or finds empty, and is used only where it
//! recovers more text. Both cap stream decompression (bombs); the caller runs this in a
//! worker process or a big-stack thread because parsers recurse on nested objects.
//!
//! Clean-up, in order (all per page, so page boundaries stay exact):
//! 1. Running headers/footers: a line in the top or bottom two lines of at least half the
//!    pages (digits ignored, so 「- 3 -」 and 「Page 3 of 12」 match across pages) is dropped,
//!    as are bare page numbers at a page edge.
//! 2. Visual spaces in Japanese: 「第 1 条」→「第1条」, letter-spaced 「秘 密 保 持」→「秘密保持」.
//! 3. Lines wrapped inside a paragraph are joined — no space between Japanese characters,
//!    one space between Latin words — but never across a blank line, onto a heading
//!    (第N条, Article N, numbered items, ①, (1)…), after a sentence end, or after a line
//!    clearly shorter than the page's full line width (a paragraph's last line).

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::ExtractError;

/// Decompressed content per page that lopdf may produce (pdf_oxide has its own caps).
const LOPDF_PAGE_LIMIT: usize = 16 * 1024 * 1024;

/// Text of each page and page starts; `NoText` when no page has any text.
pub fn extract(bytes: &[u8]) -> Result<(String, Vec<usize>), ExtractError> {
    let pages = extract_pages(bytes)?;
    if pages.iter().all(|p| p.trim().is_empty()) {
        // A cut-off download loses its content streams; do not send it to OCR.
        let tail = &bytes[bytes.len().saturating_sub(1024)..];
        if !tail.windows(5).any(|w| w == b"%%EOF") {
            return Err(ExtractError::Malformed {
                format: "pdf",
                message: format!(
                    "the file is truncated (no %%EOF at the end) and none of its {} pages has readable text",
                    pages.len()
                ),
            });
        }
        return Err(ExtractError::NoText { pages: pages.len() });
    }
    Ok(assemble(&pages))
}

/// Raw text of each page from the best engine.
fn extract_pages(bytes: &[u8]) -> Result<Vec<String>, ExtractError> {
    match oxide_pages(bytes) {
        Ok(mut pages) => {
            let weak: Vec<usize> = pages
                .iter()
                .enumerate()
                .filter(|(_, p)| p.as_ref().is_none_or(|t| t.trim().is_empty()))
                .map(|(i, _)| i)
                .collect();
            if !weak.is_empty() {
                if let Ok(doc) = lopdf::Document::load_mem(bytes) {
                    let numbers: Vec<u32> = doc.get_pages().keys().copied().collect();
                    for i in weak {
                        let Some(&number) = numbers.get(i) else { continue };
                        if let Ok(t) = doc.extract_text_with_limit(&[number], LOPDF_PAGE_LIMIT) {
                            if content_chars(&t) > pages[i].as_deref().map_or(0, content_chars) {
                                pages[i] = Some(t);
                            }
                        }
                    }
                }
            }
            Ok(pages.into_iter().map(Option::unwrap_or_default).collect())
        }
        Err(oxide_err) => match lopdf_pages(bytes) {
            Ok(pages) => Ok(pages),
            Err(lopdf_err) => Err(ExtractError::Malformed {
                format: "pdf",
                message: describe(&oxide_err, &lopdf_err),
            }),
        },
    }
}

/// A short message from both engines' errors; encryption gets its own wording because
/// the user can do something about it.
fn describe(oxide: &str, lopdf: &str) -> String {
    let both = format!("{oxide} {lopdf}").to_lowercase();
    if both.contains("encrypt") || both.contains("password") {
        return format!("the PDF is encrypted and cannot be read without its password ({oxide})");
    }
    format!("cannot parse the PDF: {oxide}; fallback parser: {lopdf}")
}

fn content_chars(s: &str) -> usize {
    s.chars().filter(|c| !c.is_whitespace()).count()
}

/// pdf_oxide, page by page; `None` for a page that failed.
fn oxide_pages(bytes: &[u8]) -> Result<Vec<Option<String>>, String> {
    let doc = pdf_oxide::PdfDocument::from_bytes(bytes.to_vec()).map_err(|e| e.to_string())?;
    let count = doc.page_count().map_err(|e| e.to_string())?;
    Ok((0..count).map(|i| doc.extract_text(i).ok()).collect())
}

fn lopdf_pages(bytes: &[u8]) -> Result<Vec<String>, String> {
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| e.to_string())?;
    let numbers: Vec<u32> = doc.get_pages().keys().copied().collect();
    if numbers.is_empty() {
        return Err("no pages".into());
    }
    Ok(numbers
        .iter()
        .map(|&n| doc.extract_text_with_limit(&[n], LOPDF_PAGE_LIMIT).unwrap_or_default())
        .collect())
}

/// Cleans every page and concatenates them, recording where each page starts.
fn assemble(raw_pages: &[String]) -> (String, Vec<usize>) {
    let mut pages: Vec<Vec<String>> = raw_pages.iter().map(|p| split_lines(p)).collect();
    drop_running_lines(&mut pages);
    let mut text = String::new();
    let mut page_starts = Vec::with_capacity(pages.len());
    let mut line_count = 0usize;
    for page in pages {
        let lines: Vec<String> = page.iter().map(|l| fix_japanese_spacing(l)).collect();
        let lines = join_wrapped(&lines);
        page_starts.push(line_count);
        for line in lines {
            text.push_str(&line);
            text.push('\n');
            line_count += 1;
        }
    }
    (text, page_starts)
}

/// Lines without trailing space, control characters removed, runs of blank lines folded
/// to one and no blank lines at the page edges.
fn split_lines(page: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in page.split(['\n', '\r', '\u{0C}']) {
        let clean: String = line.chars().filter(|c| !c.is_control() || *c == '\t').collect();
        let clean = clean.trim_end().to_owned();
        if clean.trim().is_empty() {
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(String::new());
            }
        } else {
            out.push(clean);
        }
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:[-‐－–—]\s*[0-9０-９]{1,4}\s*[-‐－–—]|[0-9０-９]{1,4}\s*[/／]\s*[0-9０-９]{1,4}|page\s+[0-9]{1,4}(?:\s*(?:of|/)\s*[0-9]{1,4})?|[0-9０-９]{1,4}|[(（]\s*[0-9０-９]{1,4}\s*[)）]|[0-9０-９]{1,4}\s*(?:頁|ページ)|[0-9０-９]{1,4}\s*[/／]\s*[0-9０-９]{1,4}\s*(?:頁|ページ))\s*$",
    )
    .expect("page-number pattern")
});

/// How many lines at the top and bottom of a page are looked at for running text.
const EDGE_LINES: usize = 2;

/// Removes running headers/footers and bare page numbers at page edges.
fn drop_running_lines(pages: &mut [Vec<String>]) {
    let key = |l: &str| -> String {
        l.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c.is_ascii_digit() || ('０'..='９').contains(&c) { '#' } else { c })
            .collect()
    };
    let edge_indices = |page: &[String]| -> Vec<usize> {
        let filled: Vec<usize> = (0..page.len()).filter(|&i| !page[i].is_empty()).collect();
        let mut idx: Vec<usize> = filled.iter().take(EDGE_LINES).copied().collect();
        idx.extend(filled.iter().rev().take(EDGE_LINES).copied());
        idx.sort_unstable();
        idx.dedup();
        idx
    };
    let mut counts: HashMap<String, usize> = HashMap::new();
    if pages.len() >= 2 {
        for page in pages.iter() {
            let mut seen: Vec<String> = edge_indices(page).into_iter().map(|i| key(&page[i])).collect();
            seen.sort();
            seen.dedup();
            for k in seen {
                *counts.entry(k).or_default() += 1;
            }
        }
    }
    let threshold = pages.len().div_ceil(2).max(2);
    for page in pages.iter_mut() {
        let edges = edge_indices(page);
        let mut remove = Vec::new();
        for i in edges {
            let line = &page[i];
            let k = key(line);
            // Article headings without titles (「第#条」) can open many pages; never drop them.
            let running =
                !k.is_empty() && counts.get(&k).copied().unwrap_or(0) >= threshold && !HEADING.is_match(line);
            if running || PAGE_NUMBER.is_match(line) {
                remove.push(i);
            }
        }
        for i in remove.into_iter().rev() {
            page.remove(i);
        }
        // Removing edge lines can leave blank lines at the edges.
        while page.first().is_some_and(|l| l.is_empty()) {
            page.remove(0);
        }
        while page.last().is_some_and(|l| l.is_empty()) {
            page.pop();
        }
    }
}

const CJK_CLASS: &str = r"\p{Han}\p{Hiragana}\p{Katakana}ー々〆〇";

/// Three or more CJK characters separated by single spaces (letter-spaced titles).
static LETTER_SPACED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?:[{CJK_CLASS}] ){{2,}}[{CJK_CLASS}]")).expect("letter-spaced pattern")
});

/// Removes the spaces a PDF's glyph positioning puts into Japanese text.
fn fix_japanese_spacing(line: &str) -> String {
    if line.is_ascii() {
        return line.to_owned();
    }
    let s = remove_spaces_around_digits(line);
    LETTER_SPACED.replace_all(&s, |c: &regex::Captures| c[0].replace(' ', "")).into_owned()
}

fn is_cjk_letter(c: char) -> bool {
    let u = c as u32;
    (0x3040..=0x30FF).contains(&u) || (0x3400..=0x9FFF).contains(&u) || (0xF900..=0xFAFF).contains(&u) || matches!(c, '々' | '〆' | '〇')
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// In 「CJK␣digits␣CJK」 (either space optional) the spaces go: 「第 1 条」→「第1条」,
/// 「後も 5 年間」→「後も5年間」. A paragraph number at the start of a line (「2 前項」) has no
/// CJK before it and keeps its space.
fn remove_spaces_around_digits(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut keep = vec![true; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        if !is_cjk_letter(chars[i]) {
            i += 1;
            continue;
        }
        // CJK at i; look for [spaces] digits [spaces] CJK-or-bracket.
        let mut j = i + 1;
        let sp1 = j;
        while j < chars.len() && chars[j] == ' ' {
            j += 1;
        }
        let d_start = j;
        while j < chars.len() && is_digit(chars[j]) {
            j += 1;
        }
        if j == d_start {
            i += 1;
            continue;
        }
        let d_end = j;
        while j < chars.len() && chars[j] == ' ' {
            j += 1;
        }
        let closes = j < chars.len() && (is_cjk_letter(chars[j]) || matches!(chars[j], '（' | '('));
        if closes && (d_start > sp1 || j > d_end) {
            for k in (sp1..d_start).chain(d_end..j) {
                keep[k] = false;
            }
        }
        // The closing CJK may open the next 「CJK␣digits」 group (「第 2 条 3 項」).
        i = if closes { j } else { d_end };
    }
    chars.iter().zip(keep).filter(|(_, k)| *k).map(|(c, _)| *c).collect()
}

/// Width of a line in half-width units (CJK and full-width characters count 2).
fn display_width(line: &str) -> usize {
    line.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    let u = c as u32;
    (0x1100..=0x115F).contains(&u)
        || (0x2E80..=0xA4CF).contains(&u)
        || (0xAC00..=0xD7A3).contains(&u)
        || (0xF900..=0xFAFF).contains(&u)
        || (0xFF00..=0xFF60).contains(&u)
        || (0xFFE0..=0xFFE6).contains(&u)
        || (0x20000..=0x3FFFD).contains(&u)
}

/// Lines that start a new unit: a wrapped line is never joined onto them.
static STARTS_UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^\s*(?:",
        r"第[0-9０-９一二三四五六七八九十百]+[条章節款項]",
        r"|(?i:article|section|clause|schedule|annex|exhibit|appendix)\s+[0-9ivx]",
        r"|[0-9０-９]+(?:[.．][0-9０-９]+)*[.．)）、]?[\s　]",
        r"|[(（][0-9０-９a-zA-Zア-ン一二三四五六七八九十]{1,4}[)）]",
        r"|[①-⑳㉑-㉟⑴-⒇⒈-⒛]",
        r"|[ア-ン一二三四五六七八九十]{1,3}[.．、　]",
        r"|[a-zA-Z][.)]\s",
        r"|[•・●■□◆◇○◎※\-–—*]\s?",
        r"|別紙|別表|附則|付則|以上$|記$",
        r")",
    ))
    .expect("unit-start pattern")
});

/// Headings stand on their own line even when the next line is a continuation.
static HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:第[0-9０-９一二三四五六七八九十百]+[条章節款]\s*(?:[（(][^）)]*[)）])?\s*$|(?i:article|section)\s+[0-9.]+\b[^.。]{0,60}$)")
        .expect("heading pattern")
});

/// Joins lines wrapped inside a paragraph (see the module doc for the rules).
fn join_wrapped(lines: &[String]) -> Vec<String> {
    let widths: Vec<usize> = lines.iter().filter(|l| !l.is_empty()).map(|l| display_width(l)).collect();
    let full = full_line_width(&widths);
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    for line in lines {
        let joinable = match out.last() {
            Some(prev) => !prev.is_empty() && !line.is_empty() && wraps_into(prev, line, full),
            None => false,
        };
        if joinable {
            let prev = out.last_mut().expect("checked above");
            let next = line.trim_start();
            let a = prev.chars().next_back().unwrap_or(' ');
            let b = next.chars().next().unwrap_or(' ');
            if !(is_wide(a) || is_wide(b) || a == '-' || a == '/') {
                prev.push(' ');
            }
            prev.push_str(next);
        } else {
            out.push(line.clone());
        }
    }
    out
}

/// The width of a full line on this page: the 90th percentile of line widths, so one
/// overlong table row does not make every wrapped line look short.
fn full_line_width(widths: &[usize]) -> usize {
    if widths.is_empty() {
        return 0;
    }
    let mut sorted = widths.to_vec();
    sorted.sort_unstable();
    sorted[(sorted.len() * 9 / 10).min(sorted.len() - 1)]
}

fn wraps_into(prev: &str, next: &str, full: usize) -> bool {
    // A paragraph's last line is clearly shorter than a full line.
    if full < 20 || display_width(prev) * 100 < full * 80 {
        return false;
    }
    if HEADING.is_match(prev) || STARTS_UNIT.is_match(next) || prev.contains('\t') || next.contains('\t') {
        return false;
    }
    match prev.trim_end().chars().next_back() {
        Some('。' | '！' | '？' | '!' | '?' | '：' | ':' | ';' | '；') => false,
        // A full line ending with a period is a sentence end unless the next line goes on
        // in lower case ("Inc." / "e.g." at the margin).
        Some('.') => next.trim_start().chars().next().is_some_and(|c| c.is_lowercase()),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn japanese_spacing() {
        assert_eq!(fix_japanese_spacing("第 1 条（秘密保持）"), "第1条（秘密保持）");
        assert_eq!(fix_japanese_spacing("終了後も 5 年間存続する。第 2 条 3 項"), "終了後も5年間存続する。第2条3項");
        assert_eq!(fix_japanese_spacing("秘 密 保 持 契 約 書"), "秘密保持契約書");
        assert_eq!(fix_japanese_spacing("2 前項の義務"), "2 前項の義務");
        assert_eq!(fix_japanese_spacing("Article 1 Confidentiality"), "Article 1 Confidentiality");
    }

    #[test]
    fn wrapped_lines_join_but_not_headings() {
        let page = v(&[
            "第2条（秘密保持）",
            "乙は、本業務に関して知り得た甲の秘密を第三者に漏えいしてはなら",
            "ない。",
            "2 前項の義務は、本契約の終了後も5年間存続するものとし、乙はこ",
            "れを遵守する。",
            "第3条（再委託）",
        ]);
        assert_eq!(
            join_wrapped(&page),
            v(&[
                "第2条（秘密保持）",
                "乙は、本業務に関して知り得た甲の秘密を第三者に漏えいしてはならない。",
                "2 前項の義務は、本契約の終了後も5年間存続するものとし、乙はこれを遵守する。",
                "第3条（再委託）",
            ])
        );
        let en = v(&[
            "Article 2 Confidentiality",
            "The Processor shall ensure that persons authorised to process the",
            "personal data have committed themselves to confidentiality.",
            "(a) first item",
        ]);
        assert_eq!(
            join_wrapped(&en),
            v(&[
                "Article 2 Confidentiality",
                "The Processor shall ensure that persons authorised to process the personal data have committed themselves to confidentiality.",
                "(a) first item",
            ])
        );
    }

    #[test]
    fn running_headers_and_page_numbers_dropped() {
        let mut pages = vec![
            v(&["サンプル契約（テスト用）", "第1条（目的）", "本文一", "- 1 -"]),
            v(&["サンプル契約（テスト用）", "第2条（秘密保持）", "本文二", "- 2 -"]),
            v(&["サンプル契約（テスト用）", "第3条", "本文三", "Page 3 of 3"]),
        ];
        drop_running_lines(&mut pages);
        assert_eq!(pages[0], v(&["第1条（目的）", "本文一"]));
        assert_eq!(pages[2], v(&["第3条", "本文三"]));
        for n in ["3/12", "- 3 -", "Page 3 of 12", "－３－", "3", "（3）", "3頁"] {
            assert!(PAGE_NUMBER.is_match(n), "{n}");
        }
        assert!(!PAGE_NUMBER.is_match("第3条"));
    }

    #[test]
    fn page_starts_follow_pages() {
        let (text, starts) = assemble(&["第1条\n本文\n".into(), "\n".into(), "第2条\n".into()]);
        assert_eq!(text, "第1条\n本文\n第2条\n");
        assert_eq!(starts, vec![0, 2, 2]);
    }
}
