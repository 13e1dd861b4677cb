//! Helpers shared by the extraction integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use clausegap::extract::ExtractOptions;

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
}

/// The real binary, if it already dispatches `clausegap extract-worker` to
/// `extract::worker::run_worker` (the worker prints its own usage line on bad arguments).
pub fn worker_exe() -> Option<PathBuf> {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_clausegap"));
    let out = Command::new(&exe).arg("extract-worker").output().ok()?;
    let err = String::from_utf8_lossy(&out.stderr);
    (out.status.code() == Some(2) && err.contains("usage: clausegap extract-worker")).then_some(exe)
}

/// Options for the in-process path (no worker).
pub fn in_process() -> ExtractOptions {
    ExtractOptions::default()
}

/// Options for the child-process path, or `None` while the binary lacks the subcommand.
pub fn with_worker() -> Option<ExtractOptions> {
    let exe = worker_exe();
    if exe.is_none() {
        eprintln!("note: `clausegap extract-worker` is not wired into main.rs yet; worker-path checks skipped");
    }
    exe.map(|exe| ExtractOptions { worker_exe: Some(exe), ..ExtractOptions::default() })
}

pub fn strip_ws(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}
