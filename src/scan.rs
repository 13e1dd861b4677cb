//! Scanning: turns the paths a user names into the list of contract files (recursive,
//! deterministic order, hidden and build folders skipped, `.gitignore` deliberately not
//! honoured) and runs extract → analyze on each, so that one broken file becomes one
//! `status: "error"` entry and never stops the batch.
//!
//! [`run`] is the batch: files are processed in parallel (a rayon pool of `jobs` threads),
//! and results are handed to a sink **in input order** as soon as a document and every
//! document before it are done. Between the workers and the sink sits a reorder buffer of
//! at most [`RunOptions::window`] documents: a worker does not start document *i* until
//! document *i − window* has been handed over, so memory stays flat however many files the
//! repository holds (no text outlives its own analysis; only small reports wait in the
//! buffer). A cancel flag (Ctrl-C) stops the scheduling of new files; what was handed over
//! stays handed over, and nothing after the flag is handed over.

use std::collections::BTreeMap;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};
use std::time::Duration;

use crate::cache::Cache;
use crate::engine::{AnalyzeOptions, Analyzer};
use crate::extract::{extract_bytes, ExtractError, ExtractOptions, CONTRACT_EXTENSIONS};
use crate::report::model::DocumentReport;

/// Everything a scan needs, validated before the first file is read.
#[derive(Debug, Clone, Default)]
pub struct ScanConfig {
    pub analyze: AnalyzeOptions,
    pub extract: ExtractOptions,
}

/// A path found by the walk, or a reason it was skipped.
#[derive(Debug, Clone)]
pub enum Found {
    File(PathBuf),
    /// A path that could not be walked (permission denied, symlink loop): reported as an
    /// error entry so the user sees it.
    Unreadable(PathBuf, String),
}

/// Folder names never descended into (besides hidden ones).
const SKIPPED_DIRS: &[&str] = &["target", "node_modules", "__pycache__"];

/// Expands the user's paths into files, in a stable order: each argument in order, the
/// contents of a folder sorted by file name. A file named explicitly is always scanned;
/// inside folders only contract extensions are picked up.
pub fn collect(inputs: &[PathBuf]) -> Vec<Found> {
    let mut out = Vec::new();
    for input in inputs {
        match std::fs::metadata(input) {
            Err(e) => out.push(Found::Unreadable(input.clone(), describe_io(&e))),
            Ok(meta) if meta.is_file() => out.push(Found::File(input.clone())),
            Ok(meta) if meta.is_dir() => walk(input, &mut out),
            Ok(_) => out.push(Found::Unreadable(input.clone(), "not a regular file or folder".into())),
        }
    }
    out
}

fn walk(root: &Path, out: &mut Vec<Found>) {
    let walker = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| {
        if e.depth() == 0 {
            return true;
        }
        let name = e.file_name().to_string_lossy();
        if e.file_type().is_dir() {
            !(name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref()))
        } else {
            !name.starts_with('.')
        }
    });
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let ext = e.path().extension().and_then(|x| x.to_str()).map(|x| x.to_ascii_lowercase()).unwrap_or_default();
                if CONTRACT_EXTENSIONS.contains(&ext.as_str()) {
                    out.push(Found::File(e.into_path()));
                }
            }
            Ok(_) => {}
            Err(err) => {
                let path = err.path().map(Path::to_path_buf).unwrap_or_else(|| root.to_path_buf());
                let why = if err.loop_ancestor().is_some() {
                    "symbolic link loop: skipped".to_string()
                } else if let Some(io) = err.io_error() {
                    describe_io(io)
                } else {
                    err.to_string()
                };
                // A dangling or looping link inside a folder is reported, not fatal.
                out.push(Found::Unreadable(path, why));
            }
        }
    }
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// The path as shown in reports: lossy UTF-8, so non-UTF-8 file names still appear.
pub fn display_path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Switches of one batch run besides the [`ScanConfig`].
#[derive(Default)]
pub struct RunOptions<'a> {
    /// Worker threads; 0 = one per core.
    pub jobs: usize,
    /// Documents that may be finished but not yet handed to the sink (the reorder buffer);
    /// 0 = 8 per job, at least 32.
    pub window: usize,
    /// Read and write results here.
    pub cache: Option<&'a Cache>,
    /// Told about each document as it starts and ends (a progress bar).
    pub progress: Option<&'a dyn Progress>,
    /// Set (by a Ctrl-C handler) to stop: no new file is started, no further result is
    /// handed over.
    pub cancel: Option<&'a AtomicBool>,
}

/// Observer of a batch, called from worker threads.
pub trait Progress: Sync {
    fn start(&self, _total: usize) {}
    fn working_on(&self, _path: &Path) {}
    fn finished(&self, _doc: &DocumentReport, _from_cache: bool) {}
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Files in the input list.
    pub total: usize,
    /// Documents handed to the sink (a prefix of the input when interrupted).
    pub emitted: usize,
    /// Documents whose result came from the cache.
    pub cache_hits: usize,
    /// Cache entries that could not be written (the run goes on without them).
    pub cache_write_errors: usize,
    /// The cancel flag stopped the run before every document was handed over.
    pub interrupted: bool,
}

/// The result of one document plus how it was obtained.
struct Outcome {
    doc: DocumentReport,
    from_cache: bool,
}

/// Scheduling state shared by the workers and the emitter.
struct Gate {
    /// (next index to start, number handed to the sink)
    state: Mutex<(usize, usize)>,
    moved: Condvar,
    /// The sink failed: everyone stops.
    stop: AtomicBool,
}

/// Runs the batch over `found` and hands each document to `sink` in input order, as soon
/// as it and all earlier ones are done. Returns the sink's first error, after which no
/// file is started.
pub fn run<E>(
    analyzer: &Analyzer,
    found: &[Found],
    cfg: &ScanConfig,
    opts: &RunOptions<'_>,
    mut sink: impl FnMut(usize, DocumentReport) -> Result<(), E>,
) -> Result<RunStats, E> {
    let total = found.len();
    let mut stats = RunStats { total, ..RunStats::default() };
    if let Some(p) = opts.progress {
        p.start(total);
    }
    if total == 0 {
        return Ok(stats);
    }
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let jobs = if opts.jobs == 0 { cores } else { opts.jobs }.clamp(1, total);
    let window = if opts.window == 0 { (jobs * 8).max(32) } else { opts.window.max(1) };
    let cancelled = || opts.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
    let gate = Gate { state: Mutex::new((0, 0)), moved: Condvar::new(), stop: AtomicBool::new(false) };
    let hits = AtomicUsize::new(0);
    let write_errors = AtomicUsize::new(0);

    // Analysis recursion and regexes want more than the 2 MiB default; the stack is only
    // reserved address space.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(16 * 1024 * 1024)
        .thread_name(|i| format!("clausegap-scan-{i}"))
        .build()
        .expect("cannot start the scan threads");
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    let mut sink_error = None;

    pool.in_place_scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (gate, hits, write_errors) = (&gate, &hits, &write_errors);
            scope.spawn(move |_| {
                while let Some(i) = next_index(gate, total, window, &cancelled) {
                    let f = &found[i];
                    if let (Some(p), Found::File(path)) = (opts.progress, f) {
                        p.working_on(path);
                    }
                    let out = process(analyzer, f, cfg, opts.cache, &cancelled, write_errors);
                    if out.from_cache {
                        hits.fetch_add(1, Ordering::Relaxed);
                    }
                    if let Some(p) = opts.progress {
                        p.finished(&out.doc, out.from_cache);
                    }
                    if tx.send((i, out)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);

        // The emitter, on the calling thread: the sink need not be Send.
        let mut pending: BTreeMap<usize, DocumentReport> = BTreeMap::new();
        let mut next_emit = 0;
        'recv: for (i, out) in rx.iter() {
            pending.insert(i, out.doc);
            while let Some(doc) = pending.remove(&next_emit) {
                if cancelled() {
                    break 'recv;
                }
                if let Err(e) = sink(next_emit, doc) {
                    sink_error = Some(e);
                    gate.stop.store(true, Ordering::Relaxed);
                    gate.moved.notify_all();
                    break 'recv;
                }
                next_emit += 1;
                gate.state.lock().unwrap().1 = next_emit;
                gate.moved.notify_all();
            }
        }
        // Wake workers waiting on the window so they see the stop or cancel flag. The
        // receiver is dropped at the end of this closure: a late worker's send fails and
        // it ends.
        gate.stop.store(true, Ordering::Relaxed);
        gate.moved.notify_all();
        stats.emitted = next_emit;
    });

    stats.cache_hits = hits.into_inner();
    stats.cache_write_errors = write_errors.into_inner();
    stats.interrupted = stats.emitted < total && sink_error.is_none();
    match sink_error {
        Some(e) => Err(e),
        None => Ok(stats),
    }
}

/// The next file a worker may start, waiting while it is further than `window` ahead of
/// the sink; `None` when there is nothing left or the run stops.
fn next_index(gate: &Gate, total: usize, window: usize, cancelled: &dyn Fn() -> bool) -> Option<usize> {
    let mut st = gate.state.lock().unwrap();
    loop {
        if gate.stop.load(Ordering::Relaxed) || cancelled() || st.0 >= total {
            return None;
        }
        if st.0 < st.1 + window {
            st.0 += 1;
            return Some(st.0 - 1);
        }
        // The timeout only bounds how late a Ctrl-C is noticed by a waiting worker.
        st = gate.moved.wait_timeout(st, Duration::from_millis(100)).unwrap().0;
    }
}

/// Extracts and analyses one file. Never panics: a panic inside a parser or the analysis
/// becomes an error entry for this file.
pub fn scan_one(analyzer: &Analyzer, found: &Found, cfg: &ScanConfig) -> DocumentReport {
    process(analyzer, found, cfg, None, &|| false, &AtomicUsize::new(0)).doc
}

fn process(
    analyzer: &Analyzer,
    found: &Found,
    cfg: &ScanConfig,
    cache: Option<&Cache>,
    cancelled: &dyn Fn() -> bool,
    write_errors: &AtomicUsize,
) -> Outcome {
    let path = match found {
        Found::File(p) => p,
        Found::Unreadable(p, why) => {
            return Outcome { doc: DocumentReport::failed(display_path(p), "error", why.clone(), None), from_cache: false }
        }
    };
    let shown = display_path(path);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let bytes = match read_limited(path, cfg.extract.max_file_size) {
            Ok(b) => b,
            Err(e) => return Outcome { doc: error_report(&shown, path, e), from_cache: false },
        };
        let ext = path.extension().and_then(|x| x.to_str()).map(|x| x.to_ascii_lowercase()).unwrap_or_default();
        let key = cache.map(|c| c.key(&bytes, &ext));
        if let (Some(c), Some(k)) = (cache, &key) {
            if let Some(doc) = c.get(k, &shown) {
                return Outcome { doc, from_cache: true };
            }
        }
        let extracted = extract_bytes(&bytes, path, &cfg.extract);
        drop(bytes);
        // Failures that depend on the moment are not remembered; nor is anything that
        // finished after Ctrl-C (the signal also reaches the PDF worker child).
        let (doc, cacheable) = match extracted {
            Ok(ex) => (analyzer.analyze(&shown, &ex, &cfg.analyze), true),
            Err(e) => {
                let durable = !matches!(e, ExtractError::Timeout(_) | ExtractError::Io(_) | ExtractError::TooLarge { .. });
                (error_report(&shown, path, e), durable)
            }
        };
        if let (Some(c), Some(k)) = (cache, &key) {
            if cacheable && !cancelled() && c.put(k, &doc).is_err() {
                write_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        Outcome { doc, from_cache: false }
    }));
    result.unwrap_or_else(|panic| {
        let msg = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown".into());
        Outcome {
            doc: DocumentReport::failed(shown, "error", format!("internal error while reading this file: {msg}"), None),
            from_cache: false,
        }
    })
}

fn error_report(shown: &str, path: &Path, e: ExtractError) -> DocumentReport {
    match e {
        ExtractError::NoText { pages } => {
            DocumentReport::failed(shown.to_string(), "no-text", ExtractError::NoText { pages }.to_string(), Some("pdf".into()))
        }
        e => DocumentReport::failed(shown.to_string(), "error", e.to_string(), sniff_format_name(path)),
    }
}

/// Reads a file, refusing it by its size before reading a byte (a 2 GB sparse file costs
/// one `stat`), and again while reading (a file that grows after the `stat`).
fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ExtractError> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ExtractError::UnknownFormat("not a regular file".into()));
    }
    if meta.len() > limit {
        return Err(ExtractError::TooLarge { size: meta.len(), limit });
    }
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ExtractError::TooLarge { size: bytes.len() as u64, limit });
    }
    Ok(bytes)
}

fn sniff_format_name(path: &Path) -> Option<String> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "htm" | "html" => "html".into(),
        "markdown" | "md" => "md".into(),
        "txt" | "text" => "txt".into(),
        other => other.to_string(),
    })
}
