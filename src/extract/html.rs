//! HTML extraction: decodes the page with its declared charset (falling back to detection),
//! parses it with html5ever (via scraper) and walks the node tree, emitting one line per
//! block (paragraph, heading, list item, table row, `<br>`).
//!
//! Why not `.text().join(" ")`: joining text nodes with spaces splits Japanese words
//! (「秘密 情報」), and html2text leaks `<noscript>` and turns U+3000 into an ASCII space.
//! Here whitespace is collapsed the way a browser shows it, except that a source line break
//! between two CJK characters disappears (as CSS Text 3 and Firefox do) instead of becoming
//! a space in the middle of a word. Table cells are separated by a tab.
//!
//! The walk is iterative (ego_tree's `traverse`), so deeply nested markup cannot overflow
//! the stack.

use ego_tree::iter::Edge;
use encoding_rs::Encoding;
use scraper::{Html, Node};

use super::text;
use super::ExtractError;

/// Returns the text and the name of the encoding the page was decoded with.
pub fn extract(bytes: &[u8]) -> Result<(String, &'static str), ExtractError> {
    let declared = declared_charset(bytes);
    let (source, encoding) = text::decode_with_hint(bytes, declared)?;
    Ok((html_to_text(&source), encoding))
}

/// The charset declared in `<meta charset>`, `<meta http-equiv=Content-Type>` or an XML
/// declaration within the first 4 KB (where browsers look for it too).
fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head: Vec<u8> = bytes[..bytes.len().min(4096)].to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = find(&head[from..], b"charset") {
        let at = from + pos;
        from = at + 7;
        // Only inside a <meta ...> tag, not in body text.
        let tag_start = head[..at].iter().rposition(|&b| b == b'<');
        let tag_end = head[..at].iter().rposition(|&b| b == b'>');
        let in_meta = match (tag_start, tag_end) {
            (Some(s), e) if e.is_none_or(|e| e < s) => head[s..].starts_with(b"<meta"),
            _ => false,
        };
        if in_meta {
            if let Some(enc) = label_after(&head[from..]) {
                return Some(enc);
            }
        }
    }
    if head.trim_ascii_start().starts_with(b"<?xml") {
        if let Some(pos) = find(&head, b"encoding") {
            return label_after(&head[pos + 8..]);
        }
    }
    None
}

/// Parses `= "label"` and maps the label with the WHATWG rules (so `shift_jis`, `sjis`,
/// `x-sjis`, `windows-31j` all work).
fn label_after(s: &[u8]) -> Option<&'static Encoding> {
    let s = s.trim_ascii_start().strip_prefix(b"=")?.trim_ascii_start();
    let s = s.strip_prefix(b"\"").or_else(|| s.strip_prefix(b"'")).unwrap_or(s);
    let end = s
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')))
        .unwrap_or(s.len());
    Encoding::for_label(&s[..end])
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Elements whose content is never document text.
fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "head" | "script" | "style" | "noscript" | "template" | "svg" | "math" | "iframe" | "object"
            | "embed" | "canvas" | "select" | "datalist" | "title"
    )
}

/// Elements that start and end a line.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address" | "article" | "aside" | "blockquote" | "body" | "caption" | "center" | "dd" | "details"
            | "dialog" | "dir" | "div" | "dl" | "dt" | "fieldset" | "figcaption" | "figure" | "footer"
            | "form" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "header" | "hgroup" | "hr" | "html"
            | "legend" | "li" | "main" | "menu" | "nav" | "ol" | "p" | "pre" | "section" | "summary"
            | "table" | "tbody" | "thead" | "tfoot" | "tr" | "ul" | "option" | "textarea"
    )
}

/// Characters between which a collapsed source line break is dropped, not turned into a
/// space: Japanese and Chinese script and full-width punctuation.
fn is_cjk(c: char) -> bool {
    let u = c as u32;
    (0x2E80..=0x9FFF).contains(&u) // radicals, CJK punctuation, kana, ideographs
        || (0xF900..=0xFAFF).contains(&u)
        || (0xFF00..=0xFFEF).contains(&u)
        || (0x20000..=0x3FFFF).contains(&u)
}

/// Accumulates lines while walking.
struct LineBuilder {
    lines: Vec<String>,
    line: String,
    /// Collapsible whitespace seen since the last character: `Some(true)` if it contained
    /// a line break.
    pending_space: Option<bool>,
    /// Inside `<pre>`: keep whitespace and line breaks as they are.
    pre_depth: usize,
    /// Cells already written in the current table row.
    cells_in_row: usize,
}

impl LineBuilder {
    fn new() -> Self {
        LineBuilder { lines: Vec::new(), line: String::new(), pending_space: None, pre_depth: 0, cells_in_row: 0 }
    }

    fn break_line(&mut self) {
        self.pending_space = None;
        let line = self.line.trim_end_matches([' ', '\t']);
        if !line.trim().is_empty() {
            self.lines.push(line.to_owned());
        }
        self.line.clear();
    }

    /// A `<br>`: an explicit break, which may leave an empty line inside `<pre>`.
    fn hard_break(&mut self) {
        self.pending_space = None;
        let line = self.line.trim_end_matches([' ', '\t']).to_owned();
        if !line.trim().is_empty() || self.pre_depth > 0 {
            self.lines.push(line);
        }
        self.line.clear();
    }

    fn push_text(&mut self, text: &str) {
        if self.pre_depth > 0 {
            for (i, part) in text.split('\n').enumerate() {
                if i > 0 {
                    self.hard_break();
                }
                self.line.push_str(&part.replace('\u{a0}', " ").replace('\r', ""));
            }
            return;
        }
        for c in text.chars() {
            if matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{0C}') {
                let newline = matches!(c, '\n' | '\r');
                self.pending_space = Some(self.pending_space.unwrap_or(false) || newline);
                continue;
            }
            if let Some(had_newline) = self.pending_space.take() {
                let prev = self.line.chars().next_back();
                let drop = match prev {
                    None => true,
                    Some(p) => (had_newline && is_cjk(p) && is_cjk(c)) || p == '\t' || p == ' ',
                };
                if !drop {
                    self.line.push(' ');
                }
            }
            // &nbsp; is a visible, non-collapsing space; plain space is what the rest of the
            // pipeline expects.
            self.line.push(if c == '\u{a0}' { ' ' } else { c });
        }
    }

    fn cell_start(&mut self) {
        self.pending_space = None;
        if self.cells_in_row > 0 {
            let trimmed = self.line.trim_end_matches(' ').len();
            self.line.truncate(trimmed);
            self.line.push('\t');
        }
        self.cells_in_row += 1;
    }

    fn finish(mut self) -> String {
        self.break_line();
        let mut out = self.lines.join("\n");
        if !out.is_empty() {
            out.push('\n');
        }
        out
    }
}

/// Walks the parsed document and returns its text, one block per line.
pub fn html_to_text(source: &str) -> String {
    let document = Html::parse_document(source);
    let mut out = LineBuilder::new();
    let mut skipping: Option<ego_tree::NodeId> = None;
    for edge in document.tree.root().traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) => out.push_text(t),
                    Node::Element(el) => {
                        let name = el.name();
                        if is_skipped(name) || el.attr("hidden").is_some() {
                            skipping = Some(node.id());
                            continue;
                        }
                        match name {
                            "br" => out.hard_break(),
                            "pre" => {
                                out.break_line();
                                out.pre_depth += 1;
                            }
                            "tr" => {
                                out.break_line();
                                out.cells_in_row = 0;
                            }
                            "td" | "th" => out.cell_start(),
                            "img" => {
                                if let Some(alt) = el.attr("alt").filter(|a| !a.trim().is_empty()) {
                                    out.push_text(alt);
                                }
                            }
                            _ if is_block(name) => out.break_line(),
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(id) = skipping {
                    if id == node.id() {
                        skipping = None;
                    }
                    continue;
                }
                if let Node::Element(el) = node.value() {
                    let name = el.name();
                    if name == "pre" {
                        out.pre_depth = out.pre_depth.saturating_sub(1);
                        out.break_line();
                    } else if name == "tr" {
                        out.break_line();
                        out.cells_in_row = 0;
                    } else if is_block(name) {
                        out.break_line();
                    }
                }
            }
        }
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_become_lines_without_spaces_inside_words() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body>\
            <h2>第１条（秘密保持）</h2>\n<p>乙は、本業務に関して知り得た<b>甲の</b>秘密を\n第三者に漏えいしてはならない。</p>\
            <ol><li>個人情報</li><li>営業秘密</li></ol>\
            <script>var x = '秘密';</script><noscript>JavaScriptを有効に</noscript>\
            <p>The&nbsp;Processor <i>shall</i>\n  notify.</p></body></html>";
        assert_eq!(
            html_to_text(html),
            "第１条（秘密保持）\n乙は、本業務に関して知り得た甲の秘密を第三者に漏えいしてはならない。\n\
             個人情報\n営業秘密\nThe Processor shall notify.\n"
        );
    }

    #[test]
    fn tables_rows_and_cells() {
        let html = "<table><tr><th>項目</th><th>内容</th></tr><tr><td> 再委託 </td><td>事前承諾</td></tr></table>";
        assert_eq!(html_to_text(html), "項目\t内容\n再委託\t事前承諾\n");
    }

    #[test]
    fn br_and_ideographic_space_kept() {
        let html = "<p>第２条　甲は<br>乙に委託する。</p>";
        assert_eq!(html_to_text(html), "第２条　甲は\n乙に委託する。\n");
    }

    #[test]
    fn shift_jis_page_with_meta_charset() {
        let body = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\"></head>\
                    <body><p>第１条（秘密保持）乙は、甲の秘密を第三者に漏えいしてはならない。</p></body></html>";
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(body);
        let (text, enc) = extract(&bytes).unwrap();
        assert_eq!(enc, "Shift_JIS");
        assert_eq!(text, "第１条（秘密保持）乙は、甲の秘密を第三者に漏えいしてはならない。\n");
        let short = "<meta charset=sjis><p>秘密</p>";
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(short);
        assert_eq!(extract(&bytes).unwrap(), ("秘密\n".to_owned(), "Shift_JIS"));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let html = format!("{}本文{}", "<div>".repeat(5_000), "</div>".repeat(5_000));
        assert_eq!(html_to_text(&html), "本文\n");
    }
}
