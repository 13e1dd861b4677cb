//! Extraction: turns the bytes of one contract file into the text the rest of the
//! pipeline reads, with page boundaries where the format has pages. The format is sniffed
//! from the content (a PDF named `.txt` is a PDF); the extension only breaks ties between
//! plain-text flavours. Every failure is an [`ExtractError`] for that one file: nothing here
//! may panic or abort the process on hostile input.
//!
//! The extracted text is the reference for evidence: `line` in a report is the 1-based line
//! of [`Extracted::text`], which `clausegap extract` prints (for `.txt`/`.md` it is the line
//! of the file itself).

mod docx;
mod html;
mod pdf;
mod sniff;
mod text;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

/// The source format of a document, as reported in the JSON `format` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Txt,
    Md,
    Pdf,
    Docx,
    Html,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Md => "md",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Html => "html",
        }
    }
}

/// Text of one document as read from its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    pub format: Format,
    /// The text, lines separated by `\n` (no `\r`). Line N of this text is line N of the
    /// evidence.
    pub text: String,
    /// For paged formats: the 0-based line index at which each page starts
    /// (`page_starts[0] == 0`). Empty when the format has no pages.
    pub page_starts: Vec<usize>,
    /// Name of the detected character encoding for text formats (e.g. "Shift_JIS").
    pub encoding: Option<&'static str>,
}

impl Extracted {
    /// Number of pages, or `None` for formats without pages.
    pub fn pages(&self) -> Option<usize> {
        (!self.page_starts.is_empty()).then_some(self.page_starts.len())
    }

    /// 1-based page of a 0-based line index, or `None` for formats without pages.
    pub fn page_of_line(&self, line: usize) -> Option<usize> {
        if self.page_starts.is_empty() {
            return None;
        }
        Some(self.page_starts.partition_point(|&start| start <= line).max(1))
    }
}

/// Why one file could not be read. The message names what is wrong; the caller adds the
/// file name.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("cannot read file: {0}")]
    Io(#[from] std::io::Error),
    #[error("file is empty")]
    Empty,
    #[error("file is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error("not a contract format: {0}")]
    UnknownFormat(String),
    #[error("cannot decode text: {0}")]
    Decode(String),
    #[error("malformed {format} file: {message}")]
    Malformed { format: &'static str, message: String },
    /// A PDF without a text layer: it needs OCR. Reported as `status: "no-text"`.
    #[error("the PDF has no text layer ({pages} pages): it is probably scanned and needs OCR")]
    NoText { pages: usize },
    #[error("extraction timed out after {0} s")]
    Timeout(u64),
}

/// Limits and switches of extraction.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Files larger than this are refused with [`ExtractError::TooLarge`].
    pub max_file_size: u64,
    /// The `clausegap` executable to run as `clausegap extract-worker` for PDFs (and DOCX
    /// when [`isolate_docx`](Self::isolate_docx)): a parser crash or stack overflow then
    /// kills only the child. `None` extracts in-process on a big-stack thread under
    /// `catch_unwind` (library use, unit tests), which survives panics but not a stack
    /// overflow or an abort.
    pub worker_exe: Option<PathBuf>,
    /// Wall-clock limit for one PDF/DOCX. With a worker the child is killed; in-process the
    /// extraction thread is abandoned (it cannot be killed) and the file reported as timed out.
    pub timeout: Duration,
    /// Address-space limit of the worker child in MiB (`RLIMIT_AS`); 0 = no limit.
    pub worker_memory_mb: u64,
    /// Also extract DOCX in the worker (zip and XML parsing are memory-safe and checked for
    /// bombs, so the default is in-process).
    pub isolate_docx: bool,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions {
            max_file_size: 256 * 1024 * 1024,
            worker_exe: None,
            timeout: Duration::from_secs(20),
            worker_memory_mb: 2048,
            isolate_docx: false,
        }
    }
}

/// Reads and extracts one file.
pub fn extract_file(path: &Path, opts: &ExtractOptions) -> Result<Extracted, ExtractError> {
    let size = std::fs::metadata(path)?.len();
    if size > opts.max_file_size {
        return Err(ExtractError::TooLarge { size, limit: opts.max_file_size });
    }
    let bytes = std::fs::read(path)?;
    extract_bytes(&bytes, path, opts)
}

/// Extracts text from bytes; `name` is used only as a tie-breaker hint (extension).
pub fn extract_bytes(bytes: &[u8], name: &Path, opts: &ExtractOptions) -> Result<Extracted, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    if bytes.len() as u64 > opts.max_file_size {
        return Err(ExtractError::TooLarge { size: bytes.len() as u64, limit: opts.max_file_size });
    }
    let ext = name
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    let format = sniff::sniff(bytes, &ext)?;
    let extracted = match format {
        Format::Txt | Format::Md => {
            let (text, encoding) = text::decode(bytes)?;
            Extracted { format, text, page_starts: Vec::new(), encoding: Some(encoding) }
        }
        Format::Html => {
            let (text, encoding) = html::extract(bytes)?;
            Extracted { format, text, page_starts: Vec::new(), encoding: Some(encoding) }
        }
        Format::Pdf | Format::Docx => {
            let isolate = format == Format::Pdf || opts.isolate_docx;
            let (text, page_starts) = match (&opts.worker_exe, isolate) {
                (Some(exe), true) => worker::extract_in_child(exe, format, bytes, opts)?,
                _ => worker::extract_on_thread(format, bytes.to_vec(), opts.timeout)?,
            };
            Extracted { format, text, page_starts, encoding: None }
        }
    };
    if extracted.text.trim().is_empty() && extracted.page_starts.is_empty() {
        return Err(ExtractError::Empty);
    }
    Ok(extracted)
}

/// Extraction of the formats that run isolated (PDF, DOCX), as the worker child and the
/// in-process thread both call it: text and page starts.
fn extract_parsed(format: Format, bytes: &[u8]) -> Result<(String, Vec<usize>), ExtractError> {
    match format {
        Format::Pdf => pdf::extract(bytes),
        Format::Docx => docx::extract(bytes).map(|text| (text, Vec::new())),
        other => Err(ExtractError::UnknownFormat(format!("{} is not extracted in a worker", other.as_str()))),
    }
}

/// File extensions a folder walk picks up as contracts.
pub const CONTRACT_EXTENSIONS: &[&str] = &["txt", "md", "markdown", "text", "pdf", "docx", "html", "htm"];

pub mod worker;
