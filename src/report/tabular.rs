//! `--format csv`: one row per document × id, for spreadsheets and scripts. RFC 4180
//! quoting by the `csv` crate, UTF-8 with a BOM so Excel opens Japanese text correctly.
//! Status values are the JSON words (present / weak / missing / flagged / clear); a
//! document that could not be analysed is one row with its status (error / no-text) and
//! its message in `reason`.

use super::model::{Evidence, Report};
use super::RenderError;

/// Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula; a contract
/// quote must stay text, so free-text cells that start so get a leading apostrophe (the
/// OWASP CSV-injection advice). Ids and status words never start so and are untouched.
pub(crate) fn text_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(crate) const HEADER: [&str; 11] = [
    "path",
    "id",
    "kind",
    "status",
    "requirement",
    "title",
    "article",
    "page",
    "line",
    "evidence",
    "reason",
];

/// Article, page and line of the primary evidence (see `view::primary_evidence`), and the
/// text of every evidence joined with " / ".
fn evidence_cells(status: &str, evidence: &[Evidence]) -> [String; 4] {
    let first = super::view::primary_evidence(status, evidence);
    let joined = evidence
        .iter()
        .map(|e| e.text.trim())
        .collect::<Vec<_>>()
        .join(" / ");
    [
        first.and_then(|e| e.article.clone()).unwrap_or_default(),
        first
            .and_then(|e| e.page)
            .map(|p| p.to_string())
            .unwrap_or_default(),
        first.map(|e| e.line.to_string()).unwrap_or_default(),
        text_cell(&joined),
    ]
}

pub(crate) fn findings_csv(report: &Report) -> Result<Vec<u8>, RenderError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(BOM.to_vec());
    w.write_record(HEADER)?;
    for doc in &report.documents {
        if doc.status != "ok" {
            let msg = doc.error.clone().unwrap_or_default();
            let cells = [
                text_cell(&doc.path),
                String::new(),
                String::new(),
                doc.status.clone(),
            ];
            let blank = std::iter::repeat_n(String::new(), 6);
            w.write_record(cells.into_iter().chain(blank).chain([text_cell(&msg)]))?;
            continue;
        }
        for c in &doc.clauses {
            let [article, page, line, ev] = evidence_cells(&c.status, &c.evidence);
            w.write_record([
                &text_cell(&doc.path),
                &c.id,
                "clause",
                &c.status,
                &c.requirement,
                &text_cell(&c.title),
                &article,
                &page,
                &line,
                &ev,
                &text_cell(&c.reason),
            ])?;
        }
        for r in &doc.risks {
            let [article, page, line, ev] = evidence_cells(&r.status, &r.evidence);
            w.write_record([
                &text_cell(&doc.path),
                &r.id,
                "risk",
                &r.status,
                "",
                &text_cell(&r.title),
                &article,
                &page,
                &line,
                &ev,
                &text_cell(&r.reason),
            ])?;
        }
    }
    w.into_inner()
        .map_err(|e| RenderError::Csv(e.into_error().into()))
}

/// `scan --summary FILE.csv`: the repository summary in long form, one measure per row
/// (`section,name,measure,value`), easy to filter or pivot in a spreadsheet.
pub fn summary_csv(s: &super::summary::BatchSummary) -> Result<Vec<u8>, RenderError> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(BOM.to_vec());
    w.write_record(["section", "name", "measure", "value"])?;
    for (name, v) in [
        ("documents", s.documents),
        ("ok", s.ok),
        ("errors", s.errors),
        ("no_text", s.no_text),
        ("with_required_gaps", s.with_required_gaps),
    ] {
        w.write_record(["total", name, "documents", &v.to_string()])?;
    }
    for (g, n) in &s.grades {
        w.write_record(["grade", g, "documents", &n.to_string()])?;
    }
    for c in &s.ids {
        let measures: &[(&str, usize)] = if c.kind == "risk" {
            &[("flagged", c.flagged)]
        } else {
            &[("missing", c.missing), ("weak", c.weak), ("required_gaps", c.required_gaps), ("recommended_gaps", c.recommended_gaps)]
        };
        for (m, v) in measures {
            w.write_record([c.kind, &c.id, m, &v.to_string()])?;
        }
    }
    for e in &s.error_kinds {
        w.write_record([e.status.as_str(), &text_cell(&e.kind), "documents", &e.count.to_string()])?;
    }
    for d in &s.worst {
        let path = text_cell(&d.path);
        w.write_record(["worst", &path, "grade", &d.grade])?;
        for (m, v) in [("required_missing", d.required_missing), ("required_weak", d.required_weak), ("flagged", d.flagged)] {
            w.write_record(["worst", &path, m, &v.to_string()])?;
        }
    }
    w.into_inner().map_err(|e| RenderError::Csv(e.into_error().into()))
}
