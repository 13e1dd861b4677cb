//! The analysis (normalize → segment → match → assess) of arbitrary text, with and
//! without pages, under every profile.
#![no_main]

use std::sync::OnceLock;

use clausegap::engine::{AnalyzeOptions, Analyzer};
use clausegap::extract::{Extracted, Format};
use clausegap::rules::RuleSet;
use clausegap::taxonomy::{Lang, Profile};

fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(|| Analyzer::new(RuleSet::bundled().expect("the bundled rule library loads")))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest).replace("\r\n", "\n").replace('\r', "\n");
    let lines = text.split('\n').count();
    // Bit 0: paged (a page every few lines, as a PDF gives); bits 1-3: profile; bit 4: lang.
    let page_starts = if ctl & 1 == 1 { (0..lines).step_by(1 + (ctl as usize >> 5)).collect() } else { Vec::new() };
    let profile = [Profile::Auto, Profile::Mynumber, Profile::Appi, Profile::Gdpr, Profile::Cloud][((ctl >> 1) & 7) as usize % 5];
    let report_lang = match (ctl >> 4) & 1 {
        0 => None,
        _ => Some(if ctl & 0x40 == 0 { Lang::Ja } else { Lang::En }),
    };
    let ex = Extracted { format: if page_starts.is_empty() { Format::Txt } else { Format::Pdf }, text, page_starts, encoding: None };
    let report = analyzer().analyze("fuzz.txt", &ex, &AnalyzeOptions { profile, report_lang });
    // Evidence must point inside the document.
    for e in report.clauses.iter().flat_map(|c| &c.evidence).chain(report.risks.iter().flat_map(|r| &r.evidence)) {
        assert!(e.line >= 1 && e.line <= lines, "evidence line {} of {lines}", e.line);
    }
});
