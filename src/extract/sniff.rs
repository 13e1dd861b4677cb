//! Format sniffing: decides from the first bytes what a file really is. Content beats the
//! extension (a PDF saved as `.txt` is a PDF; a `.pdf` full of random bytes is not); the
//! extension only picks between `txt` and `md` and lets a `.md` file with inline HTML stay
//! Markdown. Formats we cannot read are named in the error so the user knows what to
//! convert (a legacy `.doc`, a spreadsheet, an image that needs OCR).

use std::io::Cursor;

use super::{ExtractError, Format};

/// How far into the file the markers are looked for. `%PDF-` may follow some junk (mail
/// headers, a BOM) — readers accept it within the first 1 KB, and so do we.
const SNIFF_WINDOW: usize = 1024;

/// Decides the format of `bytes`; `ext` is the lower-case extension without the dot.
pub fn sniff(bytes: &[u8], ext: &str) -> Result<Format, ExtractError> {
    let head = &bytes[..bytes.len().min(SNIFF_WINDOW)];
    if find(head, b"%PDF-").is_some() {
        return Ok(Format::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return sniff_zip(bytes);
    }
    if let Some(what) = known_binary(bytes) {
        return Err(ExtractError::UnknownFormat(what.to_owned()));
    }
    if ext == "pdf" {
        // Named .pdf but no header: do not fall back to text decoding of a damaged or
        // fake PDF, which would only produce a confusing "cannot decode" message.
        return Err(ExtractError::Malformed {
            format: "pdf",
            message: "no %PDF- header in the first 1 KB: the file is not a PDF or is damaged".into(),
        });
    }
    if ext == "docx" {
        return Err(ExtractError::Malformed {
            format: "docx",
            message: "not a ZIP container: the file is not a DOCX or is damaged".into(),
        });
    }
    let markdown = matches!(ext, "md" | "markdown");
    if matches!(ext, "html" | "htm" | "xhtml") || looks_like_html(head, markdown) {
        return Ok(Format::Html);
    }
    Ok(if markdown { Format::Md } else { Format::Txt })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Looks inside a ZIP container: only a Word document (`word/document.xml`) is ours.
fn sniff_zip(bytes: &[u8]) -> Result<Format, ExtractError> {
    let archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => {
            return Err(ExtractError::Malformed { format: "docx", message: format!("broken ZIP container: {e}") })
        }
    };
    let names: Vec<&str> = archive.file_names().collect();
    let has = |n: &str| names.iter().any(|x| x.eq_ignore_ascii_case(n));
    if has("word/document.xml") {
        return Ok(Format::Docx);
    }
    let what = if has("xl/workbook.xml") {
        "an Excel workbook (XLSX); save the contract as DOCX or PDF"
    } else if has("ppt/presentation.xml") {
        "a PowerPoint presentation (PPTX)"
    } else if has("content.xml") && has("mimetype") {
        "an OpenDocument file (ODT/ODS); save it as DOCX or PDF"
    } else if has("META-INF/container.xml") {
        "an EPUB book"
    } else {
        "a ZIP archive without a Word document inside; unpack it and scan the folder"
    };
    Err(ExtractError::UnknownFormat(what.to_owned()))
}

/// Binary formats recognised by their magic numbers, for a helpful message.
fn known_binary(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "a legacy Microsoft Office file (.doc/.xls, OLE2); save it as DOCX or PDF"),
        (b"{\\rtf", "an RTF document; save it as DOCX or PDF"),
        (b"\x89PNG\r\n\x1a\n", "a PNG image (needs OCR)"),
        (b"\xFF\xD8\xFF", "a JPEG image (needs OCR)"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"II*\0", "a TIFF image (needs OCR)"),
        (b"MM\0*", "a TIFF image (needs OCR)"),
        (b"\x1F\x8B", "a gzip-compressed file"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
        (b"Rar!\x1A\x07", "a RAR archive"),
        (b"\x7FELF", "an executable (ELF)"),
        (b"MZ", "a Windows executable"),
    ];
    MAGIC.iter().find(|(m, _)| bytes.starts_with(m)).map(|(_, what)| *what)
}

/// HTML by content. A page that *starts* with a doctype or `<html>` is HTML whatever its
/// name; HTML tags elsewhere in the first KB count only outside Markdown, which may
/// legitimately embed `<body>`-like snippets.
fn looks_like_html(head: &[u8], markdown: bool) -> bool {
    // UTF-16 pages: look at the ASCII bytes only.
    let ascii: Vec<u8> = head.iter().filter(|&&b| b != 0).map(|b| b.to_ascii_lowercase()).collect();
    let mut start = &ascii[..];
    for bom in [&b"\xef\xbb\xbf"[..], b"\xff\xfe", b"\xfe\xff"] {
        if let Some(rest) = start.strip_prefix(bom) {
            start = rest;
        }
    }
    let start = skip_prolog(start);
    if start.starts_with(b"<!doctype html") || start.starts_with(b"<html") {
        return true;
    }
    if markdown {
        return false;
    }
    start.starts_with(b"<head")
        || start.starts_with(b"<body")
        || start.starts_with(b"<meta")
        || find(&ascii, b"<html").is_some()
        || find(&ascii, b"<!doctype html").is_some()
        || find(&ascii, b"<body").is_some()
}

/// Skips whitespace, an XML declaration and comments before the first tag.
fn skip_prolog(mut s: &[u8]) -> &[u8] {
    loop {
        let trimmed = s.trim_ascii_start();
        if trimmed.starts_with(b"<?xml") || trimmed.starts_with(b"<!--") {
            let end: &[u8] = if trimmed.starts_with(b"<?") { b"?>" } else { b"-->" };
            match find(trimmed, end) {
                Some(i) => s = &trimmed[i + end.len()..],
                None => return trimmed,
            }
        } else {
            return trimmed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_by_content_whatever_the_name() {
        assert_eq!(sniff(b"%PDF-1.7\n...", "txt").unwrap(), Format::Pdf);
        assert_eq!(sniff(b"junk before\n%PDF-1.4\n", "").unwrap(), Format::Pdf);
    }

    #[test]
    fn fake_pdf_is_malformed() {
        assert!(matches!(sniff(b"hello", "pdf"), Err(ExtractError::Malformed { format: "pdf", .. })));
    }

    #[test]
    fn html_by_content() {
        assert_eq!(sniff(b"\xef\xbb\xbf  <!DOCTYPE html><html>", "txt").unwrap(), Format::Html);
        assert_eq!(sniff(b"<?xml version=\"1.0\"?>\n<html xmlns=\"x\">", "").unwrap(), Format::Html);
        assert_eq!(sniff(b"<div>x</div><body>", "txt").unwrap(), Format::Html);
        // Markdown with inline HTML stays Markdown.
        assert_eq!(sniff(b"# Title\n<body> in a code sample\n", "md").unwrap(), Format::Md);
        assert_eq!(sniff(b"plain text", "md").unwrap(), Format::Md);
        assert_eq!(sniff(b"plain text", "txt").unwrap(), Format::Txt);
    }

    #[test]
    fn binary_formats_are_named() {
        let err = sniff(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", "doc").unwrap_err();
        assert!(err.to_string().contains("legacy Microsoft Office"), "{err}");
        let err = sniff(b"\x89PNG\r\n\x1a\nrest", "txt").unwrap_err();
        assert!(err.to_string().contains("PNG"), "{err}");
    }
}
