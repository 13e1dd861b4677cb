//! The comparison matrix (`clausegap compare`): documents (vendors) as columns, ids as rows,
//! each cell the JSON status word, so the matrix can be filtered and checked against the
//! JSON output. One [`Matrix`] feeds the HTML template, the CSV and the XLSX writers, so
//! the three always agree.
//!
//! Rows are all 17 clause ids and all 11 risk ids. Documents may use different profiles,
//! so a clause row is grouped by the strongest requirement any analysed document gives it
//! (required if one document requires it, else recommended, else "other"); each cell also
//! carries its own document's requirement, and cells the document's profile does not
//! require are shown faded. Above the rows: each document's status, profile, grade and
//! cloud-exception verdict.

use serde::Serialize;

use super::i18n::{self, Lang};
use super::model::Report;
use super::tabular::BOM;
use super::view::report_lang;
use super::RenderError;
use crate::taxonomy::{CLAUSE_IDS, RISK_IDS};

#[derive(Debug, Serialize)]
pub(crate) struct Matrix {
    pub lang: &'static str,
    pub t: std::collections::BTreeMap<&'static str, &'static str>,
    pub tool: String,
    pub columns: Vec<Column>,
    pub groups: Vec<Group>,
    pub legend: Vec<LegendItem>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Column {
    pub index: usize,
    pub path: String,
    /// File name, for narrow headers.
    pub name: String,
    pub status: String,
    pub status_word: String,
    pub error: Option<String>,
    pub profile: Option<String>,
    pub profile_word: Option<String>,
    pub grade: Option<String>,
    pub cloud_exception: Option<String>,
    pub cloud_word: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Group {
    /// "required" | "recommended" | "other" | "risks"
    pub key: &'static str,
    pub word: String,
    pub rows: Vec<Row>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Row {
    pub id: String,
    pub title: String,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Cell {
    /// The JSON status word; "" for a document that was not analysed.
    pub status: String,
    pub word: String,
    /// The document's own requirement for this id ("risk" for risk rows).
    pub requirement: String,
    /// False when the document's profile does not ask for this clause.
    pub applies: bool,
    pub article: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct LegendItem {
    pub status: &'static str,
    pub word: String,
    pub meaning: &'static str,
}

fn legend(lang: Lang) -> Vec<LegendItem> {
    let items: [(&str, &str, &str); 5] = [
        (
            "present",
            "条項が記載され、受託者（事業者）を拘束している",
            "the clause is there and binds the provider",
        ),
        (
            "weak",
            "記載はあるが努力義務・事後報告のみ等で不十分",
            "the clause is there but weak (effort only, notice only …)",
        ),
        (
            "missing",
            "該当する条項が見当たらない",
            "no such clause was found",
        ),
        (
            "flagged",
            "データを危険にさらす条項がある",
            "a clause puts the customer's data at risk",
        ),
        (
            "clear",
            "該当するリスク条項は見当たらない",
            "no such risk clause was found",
        ),
    ];
    items
        .iter()
        .map(|(status, ja, en)| LegendItem {
            status,
            word: i18n::status_word(lang, status),
            meaning: if lang == Lang::Ja { ja } else { en },
        })
        .collect()
}

fn file_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
}

impl Matrix {
    pub(crate) fn build(report: &Report) -> Matrix {
        let lang = report_lang(report);
        let docs = &report.documents;
        let columns = docs
            .iter()
            .enumerate()
            .map(|(i, d)| Column {
                index: i + 1,
                path: d.path.clone(),
                name: file_name(&d.path),
                status: d.status.clone(),
                status_word: i18n::status_word(lang, &d.status),
                error: d.error.clone(),
                profile: d.profile.clone(),
                profile_word: d.profile.as_deref().map(|p| i18n::profile_name(lang, p)),
                grade: d.grade.clone(),
                cloud_exception: d.cloud_exception.clone(),
                cloud_word: d
                    .cloud_exception
                    .as_deref()
                    .map(|v| i18n::verdict_name(lang, v)),
            })
            .collect();

        let rank = |req: &str| match req {
            "required" => 0,
            "recommended" => 1,
            _ => 2,
        };
        let mut groups = vec![
            Group {
                key: "required",
                word: i18n::words(lang)["required"].into(),
                rows: vec![],
            },
            Group {
                key: "recommended",
                word: i18n::words(lang)["recommended"].into(),
                rows: vec![],
            },
            Group {
                key: "other",
                word: i18n::words(lang)["other_clauses_matrix"].into(),
                rows: vec![],
            },
            Group {
                key: "risks",
                word: i18n::words(lang)["risks"].into(),
                rows: vec![],
            },
        ];
        for id in CLAUSE_IDS {
            let mut best = 2;
            let cells = docs
                .iter()
                .map(|d| match d.clauses.iter().find(|c| c.id == id) {
                    Some(c) if d.status == "ok" => {
                        best = best.min(rank(&c.requirement));
                        Cell {
                            status: c.status.clone(),
                            word: i18n::status_word(lang, &c.status),
                            requirement: c.requirement.clone(),
                            applies: c.requirement != "not-required",
                            article: super::view::primary_evidence(&c.status, &c.evidence)
                                .and_then(|e| e.article.clone()),
                        }
                    }
                    _ => Cell::blank(),
                })
                .collect();
            groups[best].rows.push(Row {
                id: id.into(),
                title: i18n::id_title(lang, id),
                cells,
            });
        }
        for id in RISK_IDS {
            let cells = docs
                .iter()
                .map(|d| match d.risks.iter().find(|r| r.id == id) {
                    Some(r) if d.status == "ok" => Cell {
                        status: r.status.clone(),
                        word: i18n::status_word(lang, &r.status),
                        requirement: "risk".into(),
                        applies: true,
                        article: super::view::primary_evidence(&r.status, &r.evidence)
                            .and_then(|e| e.article.clone()),
                    },
                    _ => Cell::blank(),
                })
                .collect();
            groups[3].rows.push(Row {
                id: id.into(),
                title: i18n::id_title(lang, id),
                cells,
            });
        }
        groups.retain(|g| !g.rows.is_empty());
        Matrix {
            lang: lang.as_str(),
            t: i18n::words(lang),
            tool: format!("{} {}", report.tool.name, report.tool.version),
            columns,
            groups,
            legend: legend(lang),
        }
    }

    /// The rows above the ids: (label, value per column), values in JSON words.
    fn header_rows(&self) -> Vec<(&'static str, Vec<String>)> {
        let col = |f: fn(&Column) -> Option<String>| {
            self.columns
                .iter()
                .map(|c| f(c).unwrap_or_default())
                .collect()
        };
        vec![
            ("status", col(|c| Some(c.status.clone()))),
            ("profile", col(|c| c.profile.clone())),
            ("grade", col(|c| c.grade.clone())),
            ("cloud_exception", col(|c| c.cloud_exception.clone())),
        ]
    }
}

impl Cell {
    fn blank() -> Cell {
        Cell {
            status: String::new(),
            word: String::new(),
            requirement: String::new(),
            applies: false,
            article: None,
        }
    }
}

/// CSV: `group,id,title,<one column per document path>`; first the document rows
/// (status, profile, grade, cloud_exception) in group `document`, then one row per id.
pub(crate) fn to_csv(m: &Matrix) -> Result<Vec<u8>, RenderError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(BOM.to_vec());
    let mut header = vec!["group".to_string(), "id".into(), "title".into()];
    header.extend(m.columns.iter().map(|c| super::tabular::text_cell(&c.path)));
    w.write_record(&header)?;
    for (label, values) in m.header_rows() {
        let mut rec = vec![
            "document".to_string(),
            label.to_string(),
            m.t[label_key(label)].to_string(),
        ];
        rec.extend(values);
        w.write_record(&rec)?;
    }
    for g in &m.groups {
        for r in &g.rows {
            let mut rec = vec![g.key.to_string(), r.id.clone(), r.title.clone()];
            rec.extend(r.cells.iter().map(|c| c.status.clone()));
            w.write_record(&rec)?;
        }
    }
    w.into_inner()
        .map_err(|e| RenderError::Csv(e.into_error().into()))
}

fn label_key(label: &str) -> &'static str {
    match label {
        "status" => "status",
        "profile" => "profile",
        "grade" => "grade",
        _ => "cloud_exception",
    }
}

/// Cell colours (background, font) by status, as in the HTML matrix.
fn colours(status: &str) -> (u32, u32) {
    match status {
        "present" => (0xC6EFCE, 0x006100),
        "weak" => (0xFFEB9C, 0x7F4F00),
        "missing" => (0xFFC7CE, 0x9C0006),
        "flagged" => (0xF8CBAD, 0x7A2E0B),
        "clear" => (0xE2EFDA, 0x375623),
        _ => (0xFFFFFF, 0x000000),
    }
}

/// XLSX: sheet "Matrix" laid out like the CSV, with frozen header rows and label columns,
/// an autofilter, cells coloured by status; sheet "Legend" explains words and colours.
pub(crate) fn to_xlsx(m: &Matrix) -> Result<Vec<u8>, RenderError> {
    use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook};

    let mut book = Workbook::new();
    let border = |f: Format| {
        f.set_border(FormatBorder::Thin)
            .set_border_color(Color::RGB(0xBFBFBF))
    };
    let head = border(
        Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_background_color(Color::RGB(0xD9E1F2)),
    );
    let label = border(Format::new());
    let label_bold = border(Format::new().set_bold());
    let group_fmt = border(
        Format::new()
            .set_italic()
            .set_font_color(Color::RGB(0x595959)),
    );
    let status_fmt = |status: &str, applies: bool| {
        let (bg, fg) = if applies {
            colours(status)
        } else {
            (0xF2F2F2, 0x808080)
        };
        let f = border(
            Format::new()
                .set_background_color(Color::RGB(bg))
                .set_font_color(Color::RGB(fg))
                .set_align(FormatAlign::Center),
        );
        if applies {
            f
        } else {
            f.set_italic()
        }
    };
    let grade_fmt = |g: &str| {
        let bg = match g {
            "A" => 0xC6EFCE,
            "B" => 0xE2EFDA,
            "C" => 0xFFEB9C,
            "D" => 0xF8CBAD,
            "E" => 0xFFC7CE,
            _ => 0xFFFFFF,
        };
        border(
            Format::new()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_background_color(Color::RGB(bg)),
        )
    };

    let n = m.columns.len() as u16;
    let sheet = book.add_worksheet();
    sheet.set_name("Matrix")?;
    sheet.write_string_with_format(0, 0, "group", &head)?;
    sheet.write_string_with_format(0, 1, "id", &head)?;
    sheet.write_string_with_format(0, 2, "title", &head)?;
    for (i, c) in m.columns.iter().enumerate() {
        sheet.write_string_with_format(0, 3 + i as u16, &c.path, &head)?;
    }
    let mut row: u32 = 1;
    for (key, values) in m.header_rows() {
        sheet.write_string_with_format(row, 0, "document", &group_fmt)?;
        sheet.write_string_with_format(row, 1, key, &label_bold)?;
        sheet.write_string_with_format(row, 2, m.t[label_key(key)], &label_bold)?;
        for (i, v) in values.iter().enumerate() {
            let f = if key == "grade" {
                grade_fmt(v)
            } else {
                label.clone()
            };
            sheet.write_string_with_format(row, 3 + i as u16, v, &f)?;
        }
        row += 1;
    }
    let first_data_row = row;
    for g in &m.groups {
        for r in &g.rows {
            sheet.write_string_with_format(row, 0, g.key, &group_fmt)?;
            sheet.write_string_with_format(row, 1, &r.id, &label)?;
            sheet.write_string_with_format(row, 2, &r.title, &label)?;
            for (i, c) in r.cells.iter().enumerate() {
                sheet.write_string_with_format(
                    row,
                    3 + i as u16,
                    &c.status,
                    &status_fmt(&c.status, c.applies),
                )?;
            }
            row += 1;
        }
    }
    sheet.set_column_width(0, 12)?;
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(2, 30)?;
    for i in 0..n {
        sheet.set_column_width(3 + i, 20)?;
    }
    sheet.set_row_height(0, 45)?;
    sheet.set_freeze_panes(first_data_row, 3)?;
    sheet.autofilter(0, 0, row.saturating_sub(1).max(1), 2 + n.max(1))?;

    let legend = book.add_worksheet();
    legend.set_name("Legend")?;
    legend.write_string_with_format(0, 0, "status", &head)?;
    legend.write_string_with_format(0, 1, m.t["status"], &head)?;
    legend.write_string_with_format(0, 2, m.t["legend"], &head)?;
    let mut r: u32 = 1;
    for item in &m.legend {
        legend.write_string_with_format(r, 0, item.status, &status_fmt(item.status, true))?;
        legend.write_string_with_format(r, 1, &item.word, &label)?;
        legend.write_string_with_format(r, 2, item.meaning, &label)?;
        r += 1;
    }
    legend.write_string_with_format(r, 0, "(faded)", &status_fmt("missing", false))?;
    legend.write_string_with_format(r, 1, m.t["not_required_note"], &label)?;
    legend.write_string_with_format(r, 2, m.t["matrix_note"], &label)?;
    r += 2;
    for (g, text) in [
        ("A", "no gaps / 指摘なし"),
        ("B", "minor gaps / 軽微な指摘"),
        ("C", "some required gaps / 必須条項に一部不備"),
        ("D", "many required gaps / 必須条項に多くの不備"),
        ("E", "most required clauses missing / 必須条項の大半が欠落"),
    ] {
        legend.write_string_with_format(r, 0, g, &grade_fmt(g))?;
        legend.write_string_with_format(r, 1, m.t["grade"], &label)?;
        legend.write_string_with_format(r, 2, text, &label)?;
        r += 1;
    }
    r += 1;
    for v in ["entrustment", "cloud-exception-possible", "undetermined"] {
        let lang = Lang::parse(Some(m.lang)).unwrap_or(Lang::En);
        legend.write_string_with_format(r, 0, v, &label_bold)?;
        legend.write_string_with_format(r, 1, m.t["cloud_exception"], &label)?;
        legend.write_string_with_format(r, 2, i18n::verdict_name(lang, v), &label)?;
        r += 1;
    }
    legend.set_column_width(0, 26)?;
    legend.set_column_width(1, 22)?;
    legend.set_column_width(2, 90)?;
    Ok(book.save_to_buffer()?)
}
