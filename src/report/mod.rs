//! Rendering: turns the [`model::Report`] into every output format. The analysis never
//! formats anything; this module is the only place that does.
//!
//! - JSON / JSON Lines: the model serialized as is (TAXONOMY §7), by serde.
//! - Markdown, HTML, terminal text and the HTML comparison matrix: minijinja templates in
//!   `templates/`, all compiled by [`Renderer::new`] before the first document is read.
//!   `.html` templates auto-escape, so document text can never become markup.
//! - CSV and XLSX: built from the same view data with the `csv` and `rust_xlsxwriter` crates.
//!
//! Fixed words follow each document's `report_lang` (then `lang`, then English); batch-level
//! words (summary, matrix) follow the first document that has a language.

pub mod model;
pub mod summary;

mod compare;
mod i18n;
pub mod tabular;
mod view;

use minijinja::value::Serde;
use minijinja::{Environment, State, Value};
use unicode_width::UnicodeWidthStr;

use model::{DocumentReport, Report};

/// `scan --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Json,
    Jsonl,
    Md,
    Html,
    Csv,
    Text,
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "json" => Ok(OutputFormat::Json),
            "jsonl" => Ok(OutputFormat::Jsonl),
            "md" | "markdown" => Ok(OutputFormat::Md),
            "html" => Ok(OutputFormat::Html),
            "csv" => Ok(OutputFormat::Csv),
            "text" => Ok(OutputFormat::Text),
            other => Err(format!(
                "unknown format {other:?} (json, jsonl, md, html, csv, text)"
            )),
        }
    }
}

/// `compare --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareFormat {
    Html,
    Csv,
    Xlsx,
}

impl std::str::FromStr for CompareFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "html" => Ok(CompareFormat::Html),
            "csv" => Ok(CompareFormat::Csv),
            "xlsx" => Ok(CompareFormat::Xlsx),
            other => Err(format!(
                "unknown compare format {other:?} (html, csv, xlsx)"
            )),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Terminal colours for [`OutputFormat::Text`]; the binary decides (isatty, NO_COLOR).
    pub color: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template {name}: {source}")]
    Template {
        name: &'static str,
        #[source]
        source: minijinja::Error,
    },
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// Template names; the extension decides auto-escaping (`.html` escapes).
const TEMPLATES: [(&str, &str); 4] = [
    ("report.html", include_str!("templates/report.html")),
    ("compare.html", include_str!("templates/compare.html")),
    ("report.md", include_str!("templates/report.md")),
    ("report.txt", include_str!("templates/report.txt")),
];

/// Shared by the HTML report and matrix; inlined so the file is self-contained.
const CSS: &str = include_str!("templates/style.css");
/// The report's only script (open a linked finding, expand/collapse, open gaps for print).
const SCRIPT: &str = include_str!("templates/report.js");

/// CSP source for [`SCRIPT`]: with it the page runs its own script and nothing else, so
/// even a failure of escaping could not execute injected code.
pub(crate) fn script_hash() -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(SCRIPT.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Holds every template compiled; build once, render many.
pub struct Renderer {
    env: Environment<'static>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").finish_non_exhaustive()
    }
}

impl Renderer {
    /// Compiles every template; fails on the first template error.
    pub fn new() -> Result<Renderer, RenderError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|source| RenderError::Template {
                name: "syntax",
                source,
            })?;
        env.set_syntax(syntax);
        env.add_filter("md", md_escape);
        env.add_filter("pad", pad);
        env.add_filter("clip", clip);
        env.add_function("paint", paint);
        env.add_global("css", Value::from_safe_string(CSS.to_string()));
        env.add_global("script", Value::from_safe_string(SCRIPT.to_string()));
        env.add_global("script_hash", Value::from_safe_string(script_hash()));
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|source| RenderError::Template { name, source })?;
        }
        Ok(Renderer { env })
    }

    /// Renders the whole report in one format.
    pub fn render(
        &self,
        report: &Report,
        format: OutputFormat,
        opts: &RenderOptions,
    ) -> Result<Vec<u8>, RenderError> {
        match format {
            OutputFormat::Json => {
                let mut out = serde_json::to_vec_pretty(report)?;
                out.push(b'\n');
                Ok(out)
            }
            OutputFormat::Jsonl => {
                let mut out = Vec::new();
                for doc in &report.documents {
                    out.extend(self.render_jsonl_line(doc)?);
                }
                Ok(out)
            }
            OutputFormat::Md => self.template("report.md", Serde(view::report_view(report, false))),
            OutputFormat::Html => {
                self.template("report.html", Serde(view::report_view(report, false)))
            }
            OutputFormat::Text => {
                self.template("report.txt", Serde(view::report_view(report, opts.color)))
            }
            OutputFormat::Csv => tabular::findings_csv(report),
        }
    }

    /// The JSON report streamed: [`Self::json_head`], then every document through
    /// [`Self::json_document`], then [`Self::json_tail`] with the batch summary — the same
    /// document as `render(Json)`, plus `summary`, without holding the batch.
    pub fn json_head(&self) -> Result<Vec<u8>, RenderError> {
        let tool = indent(&serde_json::to_string_pretty(&model::Tool::default())?, "  ");
        Ok(format!("{{\n  \"tool\": {tool},\n  \"documents\": [").into_bytes())
    }

    pub fn json_document(&self, doc: &DocumentReport, first: bool) -> Result<Vec<u8>, RenderError> {
        let body = indent(&serde_json::to_string_pretty(doc)?, "    ");
        Ok(format!("{}\n    {body}", if first { "" } else { "," }).into_bytes())
    }

    pub fn json_tail(&self, summary: &summary::BatchSummary) -> Result<Vec<u8>, RenderError> {
        let body = indent(&serde_json::to_string_pretty(summary)?, "  ");
        Ok(format!("\n  ],\n  \"summary\": {body}\n}}\n").into_bytes())
    }

    /// One `documents[]` element as one line, newline included, for streaming.
    pub fn render_jsonl_line(&self, doc: &DocumentReport) -> Result<Vec<u8>, RenderError> {
        let mut out = serde_json::to_vec(doc)?;
        out.push(b'\n');
        Ok(out)
    }

    /// The comparison matrix: documents as columns, ids as rows.
    pub fn compare(
        &self,
        report: &Report,
        format: CompareFormat,
        _opts: &RenderOptions,
    ) -> Result<Vec<u8>, RenderError> {
        let matrix = compare::Matrix::build(report);
        match format {
            CompareFormat::Html => self.template("compare.html", Serde(&matrix)),
            CompareFormat::Csv => compare::to_csv(&matrix),
            CompareFormat::Xlsx => compare::to_xlsx(&matrix),
        }
    }

    fn template<V: Into<Value>>(&self, name: &'static str, ctx: V) -> Result<Vec<u8>, RenderError> {
        let tmpl = self
            .env
            .get_template(name)
            .map_err(|source| RenderError::Template { name, source })?;
        let out = tmpl
            .render(ctx)
            .map_err(|source| RenderError::Template { name, source })?;
        Ok(out.into_bytes())
    }
}

/// Markdown inline escaping: every character CommonMark could read as markup is
/// backslash-escaped, so `<script>` in a contract shows as text, and a line break inside
/// a quote cannot end a table cell or a block quote.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '&' | '!' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            '\r' | '\n' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

/// Pads to a display width (CJK counts 2), for aligned terminal columns.
fn pad(s: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(s);
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

/// Clips to a display width with an ellipsis.
fn clip(s: &str, width: usize) -> String {
    if UnicodeWidthStr::width(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for ch in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(ch);
        w += cw;
    }
    out.push('…');
    out
}

/// `paint("red", text)`: ANSI colour when the context's `color` is true, plain otherwise.
fn paint(state: &State, style: &str, text: Value) -> String {
    let text = text.to_string();
    let on = state.lookup("color").is_some_and(|v| v.is_true());
    if !on {
        return text;
    }
    let code = match style {
        "red" => "31",
        "green" => "32",
        "yellow" => "33",
        "blue" => "34",
        "magenta" => "35",
        "cyan" => "36",
        "bold" => "1",
        "dim" => "2",
        "bold-red" => "1;31",
        "bold-green" => "1;32",
        "bold-yellow" => "1;33",
        _ => return text,
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        Renderer::new().unwrap();
    }

    #[test]
    fn markdown_escape_neutralises_html() {
        assert_eq!(
            md_escape("<script>a|b</script>"),
            "\\<script\\>a\\|b\\</script\\>"
        );
        assert_eq!(md_escape("乙は、甲の承諾"), "乙は、甲の承諾");
    }

    #[test]
    fn pad_and_clip_use_display_width() {
        assert_eq!(pad("欠落", 6), "欠落  ");
        assert_eq!(clip("再委託の条件について", 8), "再委託…");
    }
}

/// Indents every line but the first (a pretty JSON value placed after a key).
fn indent(json: &str, pad: &str) -> String {
    json.replace('\n', &format!("\n{pad}"))
}
