//! Shared by the batch tests: an analyzer from the rule files present in clauses/, so the
//! batch tests do not depend on the whole library being there (or every file in it being
//! valid at this moment): a file that does not compile is left out, with a note.

use std::path::PathBuf;

use clausegap::engine::Analyzer;
use clausegap::rules::RuleSet;

pub fn analyzer() -> Analyzer {
    let mut paths: Vec<PathBuf> = std::fs::read_dir("clauses").unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "toml")).collect();
    paths.sort();
    let mut files: Vec<(String, String)> = paths.iter().map(|p| (format!("clauses/{}", p.file_name().unwrap().to_string_lossy()), std::fs::read_to_string(p).unwrap())).collect();
    loop {
        match RuleSet::from_sources_partial(&files) {
            Ok(rules) => return Analyzer::new(rules),
            Err(e) => {
                let msg = e.to_string();
                let bad = files.iter().position(|(name, _)| !name.contains("/_") && msg.contains(name.as_str())).unwrap_or_else(|| panic!("rule library: {msg}"));
                eprintln!("note: leaving out {}: {msg}", files[bad].0);
                files.remove(bad);
            }
        }
    }
}
