//! DOCX extraction: reads the Word XML parts straight from the ZIP container and writes the
//! body as lines — one per paragraph, one per table row (cells separated by a tab), in
//! document order — with automatic list numbers computed from `numbering.xml`, so a heading
//! numbered by Word as 「第%1条」 keeps its 「第1条」 label in the text.
//!
//! Choices, and why:
//! - The XML is streamed with quick-xml rather than read through docx-rs's object model:
//!   numbering inherited through paragraph styles, text boxes (`mc:AlternateContent`
//!   duplicates) and tracked changes need the raw element structure anyway, and streaming
//!   lets every part be checked before parsing.
//! - Headers and footers are dropped: they repeat on every page (company name, 「機密」,
//!   page numbers) and are never contract clauses, but they could satisfy a cue by accident.
//! - Footnotes and endnotes are kept, after the body under a marker line
//!   ([`NOTES_MARKER`]), because contracts put definitions and exceptions in them.
//! - Hostile containers: the declared uncompressed size and compression ratio are checked
//!   before anything is inflated, every part is read through a hard size cap (declared sizes
//!   can lie), and a part with a DOCTYPE is refused — Word never writes one, and it is the
//!   only way to define entities (billion-laughs expansion).

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::ExtractError;

/// Sum of the declared uncompressed sizes above which the container is refused.
const MAX_TOTAL_UNCOMPRESSED: u64 = 200 * 1024 * 1024;
/// One XML part may not inflate to more than this (checked while reading).
const MAX_PART: u64 = 64 * 1024 * 1024;
/// Deflated XML is rarely above 30:1; a ratio this high on a big entry is a bomb.
const MAX_RATIO: u64 = 200;
const MAX_ENTRIES: usize = 20_000;

/// Line placed between the body and the footnotes/endnotes.
pub const NOTES_MARKER: &str = "【脚注・文末脚注 / Notes】";

fn malformed(message: impl Into<String>) -> ExtractError {
    ExtractError::Malformed { format: "docx", message: message.into() }
}

/// Extracts the text of a DOCX file.
pub fn extract(bytes: &[u8]) -> Result<String, ExtractError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| malformed(format!("broken ZIP container: {e}")))?;
    check_container(&mut archive)?;

    let document = read_part(&mut archive, "word/document.xml")?
        .ok_or_else(|| malformed("no word/document.xml in the container"))?;
    let styles = match read_part(&mut archive, "word/styles.xml")? {
        Some(xml) => parse_styles(&xml)?,
        None => StyleNumbering::default(),
    };
    let numbering = match read_part(&mut archive, "word/numbering.xml")? {
        Some(xml) => parse_numbering(&xml)?,
        None => Numbering::default(),
    };

    let mut walker = BodyWalker::new(&styles, &numbering);
    walker.walk(&document, "word/document.xml")?;
    let mut lines = walker.lines;

    let mut notes = Vec::new();
    for part in ["word/footnotes.xml", "word/endnotes.xml"] {
        if let Some(xml) = read_part(&mut archive, part)? {
            let mut w = BodyWalker::new(&styles, &numbering);
            w.walk(&xml, part)?;
            notes.extend(w.lines);
        }
    }
    if !notes.is_empty() {
        lines.push(NOTES_MARKER.to_owned());
        lines.extend(notes);
    }
    let mut text = lines.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    Ok(text)
}

/// Zip-bomb checks on the central directory, before inflating anything.
fn check_container<R: Read + std::io::Seek>(archive: &mut zip::ZipArchive<R>) -> Result<(), ExtractError> {
    if archive.len() > MAX_ENTRIES {
        return Err(malformed(format!("the container has {} entries (limit {MAX_ENTRIES})", archive.len())));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| malformed(format!("broken ZIP entry {i}: {e}")))?;
        let size = entry.size();
        total = total.saturating_add(size);
        let ratio = size / entry.compressed_size().max(1);
        if size > 1024 * 1024 && ratio > MAX_RATIO {
            return Err(malformed(format!(
                "entry {} inflates {ratio}:1 to {} MB: refused as a probable zip bomb",
                entry.name(),
                size / (1024 * 1024)
            )));
        }
    }
    if total > MAX_TOTAL_UNCOMPRESSED {
        return Err(malformed(format!(
            "the container inflates to {} MB (limit {} MB): refused as a probable zip bomb",
            total / (1024 * 1024),
            MAX_TOTAL_UNCOMPRESSED / (1024 * 1024)
        )));
    }
    Ok(())
}

/// Reads one XML part as text, through a hard size cap; `None` when the part is absent.
fn read_part<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Option<String>, ExtractError> {
    let entry = match archive.by_name(name) {
        Ok(e) => e,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(malformed(format!("cannot open {name}: {e}"))),
    };
    let mut bytes = Vec::new();
    entry
        .take(MAX_PART + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| malformed(format!("cannot inflate {name}: {e}")))?;
    if bytes.len() as u64 > MAX_PART {
        return Err(malformed(format!(
            "{name} inflates to more than {} MB: refused as a probable zip bomb",
            MAX_PART / (1024 * 1024)
        )));
    }
    // XML parts are UTF-8 or (rarely) UTF-16 with a BOM; `decode` sniffs the BOM.
    let (text, _, had_errors) = encoding_rs::UTF_8.decode(&bytes);
    if had_errors {
        return Err(malformed(format!("{name} is not valid UTF-8/UTF-16 XML")));
    }
    let head = text.as_bytes()[..text.len().min(4096)].to_ascii_uppercase();
    if find_bytes(&head, b"<!DOCTYPE") || find_bytes(&head, b"<!ENTITY") {
        return Err(malformed(format!(
            "{name} contains a DOCTYPE/ENTITY declaration, which Word never writes: \
             refused (possible entity-expansion attack)"
        )));
    }
    Ok(Some(text.into_owned()))
}

fn find_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The `w:val` (or any `*:val`-like) attribute by local name.
fn attr(e: &BytesStart, local: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.local_name().as_ref() == local).and_then(|a| {
        a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned())
    })
}

fn local(e: &BytesStart) -> String {
    e.local_name().as_ref().to_owned()
}

fn xml_error(part: &str, reader_pos: u64, e: impl std::fmt::Display) -> ExtractError {
    malformed(format!("{part}: XML error at byte {reader_pos}: {e}"))
}

// ---------------------------------------------------------------------------------------
// styles.xml: which paragraph styles carry numbering (Word's "Heading 1" linked to a list).

#[derive(Default)]
struct StyleNumbering {
    /// styleId → (numId, ilvl) declared directly on the style.
    num: HashMap<String, (Option<String>, Option<usize>)>,
    based_on: HashMap<String, String>,
}

impl StyleNumbering {
    /// numId and level of a style, following `basedOn` (bounded, styles can loop).
    fn resolve(&self, style: &str) -> (Option<String>, Option<usize>) {
        let (mut num_id, mut ilvl) = (None, None);
        let mut current = style.to_owned();
        for _ in 0..16 {
            if let Some((n, l)) = self.num.get(&current) {
                num_id = num_id.or_else(|| n.clone());
                ilvl = ilvl.or(*l);
            }
            match self.based_on.get(&current) {
                Some(parent) if num_id.is_none() || ilvl.is_none() => current = parent.clone(),
                _ => break,
            }
        }
        (num_id, ilvl)
    }
}

fn parse_styles(xml: &str) -> Result<StyleNumbering, ExtractError> {
    let mut out = StyleNumbering::default();
    let mut reader = Reader::from_str(xml);
    let mut style: Option<String> = None;
    loop {
        let event = reader.read_event().map_err(|e| xml_error("word/styles.xml", reader.buffer_position(), e))?;
        match event {
            Event::Start(e) | Event::Empty(e) => match local(&e).as_str() {
                "style" => style = attr(&e, "styleId"),
                "basedOn" => {
                    if let (Some(s), Some(v)) = (&style, attr(&e, "val")) {
                        out.based_on.insert(s.clone(), v);
                    }
                }
                "numId" => {
                    if let Some(s) = &style {
                        out.num.entry(s.clone()).or_default().0 = attr(&e, "val");
                    }
                }
                "ilvl" => {
                    if let Some(s) = &style {
                        out.num.entry(s.clone()).or_default().1 = attr(&e, "val").and_then(|v| v.parse().ok());
                    }
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "style" => style = None,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// numbering.xml: list definitions and the running counters.

#[derive(Clone, Default, Debug)]
struct Level {
    start: u32,
    format: String,
    text: String,
    suffix: String,
}

#[derive(Default)]
struct Numbering {
    abstracts: HashMap<String, Vec<Level>>,
    /// numId → (abstractNumId, level overrides of the start value)
    nums: HashMap<String, (String, HashMap<usize, u32>)>,
}

fn parse_numbering(xml: &str) -> Result<Numbering, ExtractError> {
    let mut out = Numbering::default();
    let mut reader = Reader::from_str(xml);
    let mut abstract_id: Option<String> = None;
    let mut levels: Vec<Level> = Vec::new();
    let mut level: Option<(usize, Level)> = None;
    let mut num: Option<(String, String, HashMap<usize, u32>)> = None;
    let mut override_lvl: Option<usize> = None;
    loop {
        let event = reader.read_event().map_err(|e| xml_error("word/numbering.xml", reader.buffer_position(), e))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = local(e);
                match name.as_str() {
                    "abstractNum" => {
                        abstract_id = attr(e, "abstractNumId");
                        levels = Vec::new();
                    }
                    "lvl" if abstract_id.is_some() && matches!(event, Event::Start(_)) => {
                        let ilvl = attr(e, "ilvl").and_then(|v| v.parse().ok()).unwrap_or(0usize).min(8);
                        level = Some((ilvl, Level { start: 1, format: "decimal".into(), suffix: "tab".into(), ..Level::default() }));
                    }
                    "start" => {
                        if let (Some((_, l)), Some(v)) = (&mut level, attr(e, "val").and_then(|v| v.parse().ok())) {
                            l.start = v;
                        }
                    }
                    "numFmt" => {
                        if let (Some((_, l)), Some(v)) = (&mut level, attr(e, "val")) {
                            l.format = v;
                        }
                    }
                    "lvlText" => {
                        if let (Some((_, l)), Some(v)) = (&mut level, attr(e, "val")) {
                            l.text = v;
                        }
                    }
                    "suff" => {
                        if let (Some((_, l)), Some(v)) = (&mut level, attr(e, "val")) {
                            l.suffix = v;
                        }
                    }
                    "num" if matches!(event, Event::Start(_)) => {
                        if let Some(id) = attr(e, "numId") {
                            num = Some((id, String::new(), HashMap::new()));
                        }
                    }
                    "abstractNumId" => {
                        if let (Some(n), Some(v)) = (&mut num, attr(e, "val")) {
                            n.1 = v;
                        }
                    }
                    "lvlOverride" => override_lvl = attr(e, "ilvl").and_then(|v| v.parse().ok()),
                    "startOverride" => {
                        if let (Some(n), Some(l), Some(v)) = (&mut num, override_lvl, attr(e, "val").and_then(|v| v.parse().ok())) {
                            n.2.insert(l, v);
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "lvl" => {
                    if let Some((ilvl, l)) = level.take() {
                        if levels.len() <= ilvl {
                            levels.resize(ilvl + 1, Level { start: 1, format: "decimal".into(), ..Level::default() });
                        }
                        levels[ilvl] = l;
                    }
                }
                "abstractNum" => {
                    if let Some(id) = abstract_id.take() {
                        out.abstracts.insert(id, std::mem::take(&mut levels));
                    }
                }
                "num" => {
                    if let Some((id, abs, overrides)) = num.take() {
                        out.nums.insert(id, (abs, overrides));
                    }
                }
                "lvlOverride" => override_lvl = None,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// Running list counters while walking a part.
struct Counters<'a> {
    numbering: &'a Numbering,
    /// abstractNumId → counter per level (None = not started since the parent advanced).
    values: HashMap<String, [Option<u32>; 9]>,
    /// numIds whose start overrides were applied already.
    started: std::collections::HashSet<String>,
}

impl<'a> Counters<'a> {
    /// Advances the list `num_id` at `ilvl` and returns the label with its suffix.
    fn next_label(&mut self, num_id: &str, ilvl: usize) -> Option<String> {
        // numId 0 means "numbering removed" in Word.
        if num_id == "0" {
            return None;
        }
        let (abs_id, overrides) = self.numbering.nums.get(num_id)?;
        let levels = self.numbering.abstracts.get(abs_id)?;
        let ilvl = ilvl.min(8);
        let level = levels.get(ilvl)?;
        let counters = self.values.entry(abs_id.clone()).or_insert([None; 9]);
        // A list instance with start overrides restarts the shared abstract list.
        if !overrides.is_empty() && self.started.insert(num_id.to_owned()) {
            for (l, v) in overrides {
                if *l < 9 {
                    counters[*l] = Some(v.saturating_sub(1));
                }
            }
        }
        let value = counters[ilvl].map_or(level.start, |v| v.saturating_add(1));
        counters[ilvl] = Some(value);
        for deeper in counters.iter_mut().skip(ilvl + 1) {
            *deeper = None;
        }
        if level.format == "none" {
            return None;
        }
        let mut label = String::new();
        if level.format == "bullet" {
            label.push_str(&bullet(&level.text));
        } else {
            let mut chars = level.text.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '%' {
                    if let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                        chars.next();
                        let l = (d as usize).saturating_sub(1).min(8);
                        let fmt = levels.get(l).map_or("decimal", |x| x.format.as_str());
                        let v = counters[l].unwrap_or_else(|| levels.get(l).map_or(1, |x| x.start));
                        label.push_str(&format_number(v, fmt));
                        continue;
                    }
                }
                label.push(c);
            }
        }
        if label.is_empty() {
            return None;
        }
        match level.suffix.as_str() {
            "nothing" => {}
            _ => label.push(' '),
        }
        Some(label)
    }
}

/// Bullets are usually Symbol/Wingdings private-use characters; show them as 「・」.
fn bullet(text: &str) -> String {
    let c = text.chars().next().unwrap_or('・');
    if ('\u{E000}'..='\u{F8FF}').contains(&c) || c.is_control() {
        "・".into()
    } else {
        text.to_owned()
    }
}

/// Formats one list counter the way Word displays it.
fn format_number(n: u32, format: &str) -> String {
    match format {
        "decimalZero" if n < 10 => format!("0{n}"),
        "decimalFullWidth" | "decimalFullWidth2" => {
            n.to_string().chars().map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c)).collect()
        }
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" => match n {
            1..=20 => char::from_u32(0x2460 + n - 1).map(String::from).unwrap_or_default(),
            21..=35 => char::from_u32(0x3251 + n - 21).map(String::from).unwrap_or_default(),
            36..=50 => char::from_u32(0x32B1 + n - 36).map(String::from).unwrap_or_default(),
            _ => n.to_string(),
        },
        "decimalEnclosedParen" if (1..=20).contains(&n) => char::from_u32(0x2474 + n - 1).map(String::from).unwrap_or_default(),
        "decimalEnclosedFullstop" if (1..=20).contains(&n) => {
            char::from_u32(0x2488 + n - 1).map(String::from).unwrap_or_default()
        }
        "japaneseCounting" | "chineseCounting" | "chineseCountingThousand" | "japaneseLegal" | "ideographTraditional" => {
            kanji_counting(n)
        }
        "ideographDigital" | "japaneseDigitalTenThousand" | "taiwaneseDigital" | "chineseLegalSimplified" => {
            const D: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
            n.to_string().chars().map(|c| D[c.to_digit(10).unwrap_or(0) as usize]).collect()
        }
        "aiueo" | "aiueoFullWidth" => kana_sequence(n, AIUEO, format == "aiueo"),
        "iroha" | "irohaFullWidth" => kana_sequence(n, IROHA, format == "iroha"),
        "lowerLetter" => letters(n, b'a'),
        "upperLetter" => letters(n, b'A'),
        "lowerRoman" => roman(n).to_lowercase(),
        "upperRoman" => roman(n),
        "ordinal" => {
            let suffix = match (n % 10, n % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            format!("{n}{suffix}")
        }
        _ => n.to_string(),
    }
}

const AIUEO: &str = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン";
const IROHA: &str = "イロハニホヘトチリヌルヲワカヨタレソツネナラムウヰノオクヤマケフコエテアサキユメミシヱヒモセスン";

/// 1 → ア, 2 → イ …; past the end Word doubles the character (アア).
fn kana_sequence(n: u32, table: &str, half_width: bool) -> String {
    let chars: Vec<char> = table.chars().collect();
    if n == 0 {
        return "0".into();
    }
    let idx = ((n - 1) as usize) % chars.len();
    let reps = ((n - 1) as usize) / chars.len() + 1;
    let c = chars[idx];
    let s: String = std::iter::repeat_n(c, reps.min(4)).collect();
    if half_width {
        // Half-width katakana through the compatibility block.
        s.chars().map(half_width_katakana).collect()
    } else {
        s
    }
}

fn half_width_katakana(c: char) -> char {
    const FULL: &str = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン";
    const HALF: &str = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝ";
    FULL.chars().position(|f| f == c).and_then(|i| HALF.chars().nth(i)).unwrap_or(c)
}

fn kanji_counting(n: u32) -> String {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    if n == 0 {
        return "〇".into();
    }
    if n >= 10_000 {
        return n.to_string();
    }
    let mut out = String::new();
    for (unit, name) in [(1000, "千"), (100, "百"), (10, "十")] {
        let d = (n / unit) % 10;
        if d > 0 {
            if d > 1 {
                out.push_str(D[d as usize]);
            }
            out.push_str(name);
        }
    }
    out.push_str(D[(n % 10) as usize]);
    out
}

fn letters(n: u32, base: u8) -> String {
    if n == 0 {
        return "0".into();
    }
    // Word: a..z, then aa..zz, aaa..
    let c = (base + ((n - 1) % 26) as u8) as char;
    std::iter::repeat_n(c, ((n - 1) / 26 + 1).min(8) as usize).collect()
}

fn roman(mut n: u32) -> String {
    if n == 0 || n >= 4000 {
        return n.to_string();
    }
    const T: [(u32, &str); 13] = [
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
        (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ];
    let mut out = String::new();
    for (v, s) in T {
        while n >= v {
            out.push_str(s);
            n -= v;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// document.xml / footnotes.xml: the walk.

enum Frame {
    Paragraph { text: String, style: Option<String>, num_id: Option<String>, ilvl: Option<usize> },
    Row(Vec<String>),
    Cell(Vec<String>),
}

struct BodyWalker<'a> {
    styles: &'a StyleNumbering,
    counters: Counters<'a>,
    lines: Vec<String>,
    stack: Vec<Frame>,
}

impl<'a> BodyWalker<'a> {
    fn new(styles: &'a StyleNumbering, numbering: &'a Numbering) -> Self {
        BodyWalker {
            styles,
            counters: Counters { numbering, values: HashMap::new(), started: Default::default() },
            lines: Vec::new(),
            stack: Vec::new(),
        }
    }

    /// Sends a finished paragraph or row to the nearest enclosing cell, or to the output.
    fn emit(&mut self, text: String) {
        for frame in self.stack.iter_mut().rev() {
            if let Frame::Cell(parts) = frame {
                parts.push(text);
                return;
            }
        }
        // A line break inside a paragraph (<w:br/>) gives several lines.
        for line in text.split('\n') {
            let line = line.trim_end();
            if !line.trim().is_empty() {
                self.lines.push(line.to_owned());
            }
        }
    }

    fn paragraph_text(&mut self) -> Option<&mut String> {
        self.stack.iter_mut().rev().find_map(|f| match f {
            Frame::Paragraph { text, .. } => Some(text),
            _ => None,
        })
    }

    fn push_text(&mut self, s: &str) {
        if let Some(t) = self.paragraph_text() {
            t.push_str(s);
        }
    }

    fn walk(&mut self, xml: &str, part: &str) -> Result<(), ExtractError> {
        let mut reader = Reader::from_str(xml);
        // Depth of elements whose content is skipped (deleted/moved text, fallbacks).
        let mut skip_depth = 0usize;
        let mut in_text = false;
        let mut in_ppr = false;
        let mut in_ppr_change = 0usize;
        // Open elements: quick-xml reports end of input inside an element as plain Eof.
        let mut depth = 0usize;
        loop {
            let event = reader.read_event().map_err(|e| xml_error(part, reader.buffer_position(), e))?;
            match event {
                Event::Start(e) => {
                    depth += 1;
                    let name = local(&e);
                    if skip_depth > 0 {
                        skip_depth += 1;
                        continue;
                    }
                    match name.as_str() {
                        // Old text of tracked moves, duplicate VML of text boxes, field codes.
                        "Fallback" | "moveFrom" | "del" | "instrText" | "delText" | "delInstrText" => skip_depth = 1,
                        "p" => self.stack.push(Frame::Paragraph { text: String::new(), style: None, num_id: None, ilvl: None }),
                        "tr" => self.stack.push(Frame::Row(Vec::new())),
                        "tc" => self.stack.push(Frame::Cell(Vec::new())),
                        "t" => in_text = true,
                        "pPr" => in_ppr = true,
                        "pPrChange" => in_ppr_change += 1,
                        _ => {}
                    }
                }
                Event::Empty(e) => {
                    if skip_depth > 0 {
                        continue;
                    }
                    let name = local(&e);
                    match name.as_str() {
                        "tab" if !in_ppr => self.push_text("\t"),
                        "br" | "cr" if !in_ppr => {
                            let kind = attr(&e, "type");
                            if kind.as_deref().is_none_or(|k| k == "textWrapping") {
                                self.push_text("\n");
                            }
                        }
                        "noBreakHyphen" => self.push_text("-"),
                        "p" => self.emit(String::new()),
                        "pStyle" | "numId" | "ilvl" if in_ppr && in_ppr_change == 0 => {
                            let val = attr(&e, "val");
                            if let Some(Frame::Paragraph { style, num_id, ilvl, .. }) = self.stack.last_mut() {
                                match name.as_str() {
                                    "pStyle" => *style = val,
                                    "numId" => *num_id = val,
                                    _ => *ilvl = val.and_then(|v| v.parse().ok()),
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Event::Text(t) if in_text && skip_depth == 0 => {
                    let s = t.xml10_content();
                    self.push_text(&s);
                }
                Event::CData(t) if in_text && skip_depth == 0 => {
                    let s = t.xml10_content().into_owned();
                    self.push_text(&s);
                }
                Event::GeneralRef(r) if in_text && skip_depth == 0 => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => match &*r {
                            "lt" => "<".into(),
                            "gt" => ">".into(),
                            "amp" => "&".into(),
                            "quot" => "\"".into(),
                            "apos" => "'".into(),
                            other => return Err(malformed(format!("{part}: undefined entity &{other};"))),
                        },
                    };
                    self.push_text(&resolved);
                }
                Event::End(e) => {
                    depth = depth.saturating_sub(1);
                    if skip_depth > 0 {
                        skip_depth -= 1;
                        continue;
                    }
                    match e.local_name().as_ref() {
                        "t" => in_text = false,
                        "pPr" => in_ppr = false,
                        "pPrChange" => in_ppr_change = in_ppr_change.saturating_sub(1),
                        "p" => {
                            if let Some(Frame::Paragraph { text, style, num_id, ilvl }) = self.stack.pop() {
                                let line = self.finish_paragraph(text, style, num_id, ilvl);
                                self.emit(line);
                            }
                        }
                        "tc" => {
                            if let Some(Frame::Cell(parts)) = self.stack.pop() {
                                let cell = parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ");
                                if let Some(Frame::Row(cells)) = self.stack.last_mut() {
                                    cells.push(cell.replace(['\n', '\t'], " "));
                                }
                            }
                        }
                        "tr" => {
                            if let Some(Frame::Row(cells)) = self.stack.pop() {
                                let row = cells.join("\t");
                                if !row.trim().is_empty() {
                                    self.emit(row);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Event::DocType(_) => {
                    return Err(malformed(format!("{part}: DOCTYPE declarations are refused")));
                }
                Event::Eof if depth > 0 => {
                    return Err(malformed(format!(
                        "{part}: the XML ends inside {depth} unclosed elements (truncated part)"
                    )));
                }
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(())
    }

    /// Prepends the computed list label (direct numbering first, then the style's).
    fn finish_paragraph(&mut self, text: String, style: Option<String>, num_id: Option<String>, ilvl: Option<usize>) -> String {
        let (style_num, style_lvl) = style.as_deref().map(|s| self.styles.resolve(s)).unwrap_or((None, None));
        let num_id = num_id.or(style_num);
        // An empty numbered paragraph still advances nothing in Word's display if it has no
        // text? It does advance; mirror Word and count it, but emit nothing for it.
        let label = match num_id {
            Some(id) => self.counters.next_label(&id, ilvl.or(style_lvl).unwrap_or(0)),
            None => None,
        };
        match label {
            Some(label) if !text.trim().is_empty() => format!("{label}{}", text.trim_start_matches([' ', '\t'])),
            _ => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(format_number(3, "decimal"), "3");
        assert_eq!(format_number(12, "decimalFullWidth"), "１２");
        assert_eq!(format_number(1, "decimalEnclosedCircle"), "①");
        assert_eq!(format_number(21, "decimalEnclosedCircle"), "㉑");
        assert_eq!(format_number(23, "japaneseCounting"), "二十三");
        assert_eq!(format_number(10, "japaneseCounting"), "十");
        assert_eq!(format_number(105, "ideographDigital"), "一〇五");
        assert_eq!(format_number(2, "aiueoFullWidth"), "イ");
        assert_eq!(format_number(3, "irohaFullWidth"), "ハ");
        assert_eq!(format_number(1, "aiueo"), "ｱ");
        assert_eq!(format_number(28, "lowerLetter"), "bb");
        assert_eq!(format_number(14, "lowerRoman"), "xiv");
        assert_eq!(format_number(9, "upperRoman"), "IX");
    }

    const NUMBERING: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:abstractNum w:abstractNumId="0">
 <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="第%1条"/><w:suff w:val="space"/></w:lvl>
 <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimalEnclosedCircle"/><w:lvlText w:val="%2"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="1">
 <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="(%1)"/><w:suff w:val="nothing"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
</w:numbering>"#;

    fn para(num: Option<(u32, u32)>, text: &str) -> String {
        let ppr = match num {
            Some((id, lvl)) => format!("<w:pPr><w:numPr><w:ilvl w:val=\"{lvl}\"/><w:numId w:val=\"{id}\"/></w:numPr></w:pPr>"),
            None => String::new(),
        };
        format!("<w:p>{ppr}<w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
    }

    #[test]
    fn numbered_paragraphs_and_tables() {
        let body = [
            para(Some((1, 0)), "（秘密保持）"),
            para(None, "乙は、甲の秘密を第三者に漏えいしてはならない。"),
            para(Some((1, 1)), "個人情報"),
            para(Some((1, 1)), "営業秘密"),
            para(Some((1, 0)), "（再委託）"),
            para(Some((1, 1)), "事前承諾"),
            para(Some((2, 0)), "甲&amp;乙"),
            "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>項目</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>内容</w:t></w:r></w:p></w:tc></w:tr></w:tbl>".to_owned(),
            "<w:p><w:r><w:t>削除</w:t></w:r><w:del><w:r><w:delText>旧</w:delText></w:r></w:del><w:r><w:br/><w:t>改行</w:t></w:r></w:p>".to_owned(),
        ]
        .concat();
        let doc = format!(
            "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
        );
        let numbering = parse_numbering(NUMBERING).unwrap();
        let styles = StyleNumbering::default();
        let mut w = BodyWalker::new(&styles, &numbering);
        w.walk(&doc, "word/document.xml").unwrap();
        assert_eq!(
            w.lines,
            [
                "第1条 （秘密保持）",
                "乙は、甲の秘密を第三者に漏えいしてはならない。",
                "① 個人情報",
                "② 営業秘密",
                "第2条 （再委託）",
                "① 事前承諾",
                "(1)甲&乙",
                "項目\t内容",
                "削除",
                "改行",
            ]
        );
    }

    #[test]
    fn doctype_is_refused() {
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><w:document><w:body><w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:body></w:document>";
        let numbering = Numbering::default();
        let styles = StyleNumbering::default();
        let mut w = BodyWalker::new(&styles, &numbering);
        assert!(w.walk(xml, "word/document.xml").is_err());
    }
}
