//! Bundles the rule library (`clauses/*.toml`) into the binary, so `clausegap` needs no
//! files beside it. The library is still validated at start-up like any rule folder.

use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=clauses");
    let mut paths: Vec<_> = std::fs::read_dir("clauses")
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "toml"));
    paths.sort();
    let mut out = String::from("[\n");
    for p in &paths {
        println!("cargo:rerun-if-changed={}", p.display());
        let abs = std::fs::canonicalize(p).expect("rule file path");
        writeln!(out, "    ({:?}, include_str!({:?})),", format!("clauses/{}", p.file_name().unwrap().to_string_lossy()), abs.display().to_string()).unwrap();
    }
    out.push(']');
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("bundled_rules.rs");
    std::fs::write(dest, out).unwrap();
}
