//! The `clausegap` binary: parses arguments, builds the configuration, calls the library,
//! picks a renderer and sets the exit code (0 no gap at or above --fail-on, 1 gaps, 2
//! usage or rule error). Everything else lives in the library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use clausegap::cache::{Cache, CacheSalt};
use clausegap::cli::{Cli, Command, CommonArgs, FailOn, ScanArgs};
use clausegap::engine::Analyzer;
use clausegap::report::model::{DocumentReport, Report, Tool};
use clausegap::report::summary::SummaryBuilder;
use clausegap::report::{OutputFormat, RenderOptions, Renderer};
use clausegap::rules::RuleSet;
use clausegap::scan::{self, collect, Progress, RunOptions};

fn main() -> ExitCode {
    // The hidden worker: PDFs are parsed in a child process so that a crash or stack
    // overflow kills only the child.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("extract-worker") {
        return ExitCode::from(clausegap::extract::worker::run_worker(&args[2..]) as u8);
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("clausegap: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(a) => scan(a),
        Command::Compare(a) => {
            let analyzer = analyzer(&a.common)?;
            let renderer = Renderer::new().context("compiling report templates")?;
            let cfg = a.common.scan_config(std::env::current_exe().ok());
            let found = collect(&a.paths);
            let bar = progress_bar(&a.common);
            let opts = RunOptions { jobs: a.common.jobs.unwrap_or(0), progress: bar.as_ref().map(|b| b as &dyn Progress), ..RunOptions::default() };
            let mut docs = Vec::with_capacity(found.len());
            let _ = scan::run(&analyzer, &found, &cfg, &opts, |_, doc| -> Result<()> {
                docs.push(doc);
                Ok(())
            })?;
            drop(bar);
            let report = Report { tool: Tool::default(), documents: docs };
            let bytes = renderer.compare(&report, a.format.into(), &RenderOptions::default())?;
            if a.output.is_none() && matches!(a.format, clausegap::cli::CompareFormatArg::Xlsx) && std::io::stdout().is_terminal() {
                anyhow::bail!("an XLSX matrix is binary: give -o FILE");
            }
            let mut out = Output::open(a.output.as_deref())?;
            out.write_all(&bytes)?;
            out.commit()?;
            Ok(0)
        }
        Command::Extract(a) => {
            let opts = clausegap::extract::ExtractOptions {
                worker_exe: std::env::current_exe().ok(),
                timeout: std::time::Duration::from_secs(a.timeout.max(1)),
                ..Default::default()
            };
            match clausegap::extract::extract_file(&a.file, &opts) {
                Ok(ex) => {
                    let mut out = std::io::stdout().lock();
                    if a.plain {
                        out.write_all(ex.text.as_bytes())?;
                    } else {
                        write!(out, "{}", with_markers(&ex))?;
                    }
                    Ok(0)
                }
                Err(e) => {
                    eprintln!("clausegap: {}: {e}", a.file.display());
                    Ok(1)
                }
            }
        }
        Command::Eval(a) => {
            let analyzer = analyzer(&a.common)?;
            let golds = clausegap::eval::load_labels(&a.labels)?;
            let root = a.root.clone().unwrap_or_else(|| a.labels.parent().map(Path::to_path_buf).unwrap_or_default());
            let cfg = a.common.scan_config(std::env::current_exe().ok());
            let rep = clausegap::eval::evaluate(&analyzer, &golds, &root, &cfg.analyze, &cfg.extract);
            if a.json {
                println!("{}", serde_json::to_string_pretty(&rep)?);
            } else {
                print!("{}", clausegap::eval::render_text(&rep));
            }
            Ok(0)
        }
        Command::Rules(a) => {
            let rules = match &a.rules {
                Some(dir) => RuleSet::load_dir(dir)?,
                None => RuleSet::bundled()?,
            };
            let lang = a.lang.map(Into::into).unwrap_or(clausegap::taxonomy::Lang::En);
            for r in &rules.rules {
                println!("{:<26} {:<7} {}  [{}]", r.id(), format!("{:?}", r.kind).to_lowercase(), r.file.title.get(lang), r.file.basis.get(lang));
            }
            Ok(0)
        }
    }
}

/// `clausegap extract` output: each line prefixed with its 1-based number (the `line` of
/// evidence), and a marker where each page starts.
fn with_markers(ex: &clausegap::extract::Extracted) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(ex.text.len() + ex.text.len() / 4);
    let width = ex.text.lines().count().max(1).to_string().len();
    let _ = writeln!(s, "# {} ({}{})", ex.format.as_str(), ex.encoding.unwrap_or("binary"), ex.pages().map(|p| format!(", {p} pages")).unwrap_or_default());
    for (i, line) in ex.text.split('\n').enumerate() {
        if let Some(p) = ex.page_starts.iter().position(|&st| st == i) {
            let _ = writeln!(s, "=== page {} ===", p + 1);
        }
        let _ = writeln!(s, "{:>width$} | {}", i + 1, line);
    }
    s
}

fn analyzer(common: &CommonArgs) -> Result<Analyzer> {
    let rules = match &common.rules {
        Some(dir) => RuleSet::load_dir(dir).with_context(|| format!("loading rules from {}", dir.display()))?,
        None => RuleSet::bundled().context("loading the bundled rules")?,
    };
    Ok(Analyzer::new(rules))
}

/// `scan`: runs the batch and writes the report. JSON Lines are streamed, one document
/// per line as soon as it and every earlier one are done; the other formats need the whole
/// batch (their reports are small: no document text is kept). Ctrl-C stops scheduling;
/// standard output gets what is done, an `-o` file is left untouched (never half-written);
/// the cache keeps every finished document, so a re-run resumes. Exit 130 when interrupted.
fn scan(a: ScanArgs) -> Result<u8> {
    let analyzer = analyzer(&a.common)?;
    let renderer = Renderer::new().context("compiling report templates")?;
    let cfg = a.common.scan_config(std::env::current_exe().ok());
    let format: OutputFormat = match a.format {
        Some(f) => f.into(),
        None if a.output.is_none() && std::io::stdout().is_terminal() => OutputFormat::Text,
        None => OutputFormat::Json,
    };
    let color = format == OutputFormat::Text && a.output.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let cache = match &a.cache {
        Some(dir) => Some(Cache::open(dir, &cache_salt(&analyzer, &cfg))?),
        None => None,
    };
    install_ctrlc();
    let found = collect(&a.paths);
    let mut out = Output::open(a.output.as_deref())?;
    let bar = progress_bar(&a.common);
    let opts = RunOptions {
        jobs: a.common.jobs.unwrap_or(0),
        cache: cache.as_ref(),
        progress: bar.as_ref().map(|b| b as &dyn Progress),
        cancel: Some(&CANCELLED),
        ..RunOptions::default()
    };
    // JSONL and JSON are written as the documents complete (in input order), so memory
    // does not grow with the batch; the other formats need every document to render.
    let streaming = matches!(format, OutputFormat::Jsonl | OutputFormat::Json);
    let mut failing = false;
    let mut docs = Vec::new();
    let mut summary = SummaryBuilder::new();
    if format == OutputFormat::Json {
        out.write_all(&renderer.json_head()?).or_else(ignore_broken_pipe)?;
    }
    let result = scan::run(&analyzer, &found, &cfg, &opts, |i, doc| -> Result<()> {
        failing |= fails(&doc, a.fail_on, a.fail_on_error);
        summary.add(&doc);
        if streaming {
            let bytes = match format {
                OutputFormat::Json => renderer.json_document(&doc, i == 0)?,
                _ => renderer.render_jsonl_line(&doc)?,
            };
            match &bar {
                Some(b) => b.0.suspend(|| out.write_all(&bytes))?,
                None => out.write_all(&bytes)?,
            }
        } else {
            docs.push(doc);
        }
        Ok(())
    });
    drop(bar);
    let stats = match result {
        Ok(s) => s,
        Err(e) if is_broken_pipe(&e) => return Ok(u8::from(failing)),
        Err(e) => return Err(e),
    };
    if stats.cache_write_errors > 0 {
        eprintln!("clausegap: warning: {} results could not be written to the cache", stats.cache_write_errors);
    }
    let summary = summary.finish();
    let finish = |out: &mut Output, docs: Vec<DocumentReport>| -> Result<()> {
        let bytes = match format {
            OutputFormat::Json => renderer.json_tail(&summary)?,
            OutputFormat::Jsonl => Vec::new(),
            _ => renderer.render(&Report { tool: Tool::default(), documents: docs }, format, &RenderOptions { color })?,
        };
        out.write_all(&bytes).or_else(ignore_broken_pipe)?;
        Ok(())
    };
    if stats.interrupted {
        let resume = if cache.is_some() { "; re-run to resume from the cache" } else { "" };
        if out.is_file() {
            drop(out);
            eprintln!("clausegap: interrupted after {} of {} documents: the output file was not written{resume}", stats.emitted, stats.total);
            return Ok(130);
        }
        finish(&mut out, docs)?;
        eprintln!("clausegap: interrupted: the report covers the first {} of {} documents{resume}", stats.emitted, stats.total);
        return Ok(130);
    }
    finish(&mut out, docs)?;
    out.commit()?;
    if let Some(path) = &a.summary {
        let bytes = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
            clausegap::report::tabular::summary_csv(&summary)?
        } else {
            let mut v = serde_json::to_vec_pretty(&summary)?;
            v.push(b'\n');
            v
        };
        let mut f = Output::open(Some(path))?;
        f.write_all(&bytes)?;
        f.commit().with_context(|| format!("writing the summary to {}", path.display()))?;
    }
    Ok(u8::from(failing))
}

/// Set by the first Ctrl-C; the second one exits at once.
static CANCELLED: AtomicBool = AtomicBool::new(false);
/// The output temp file, removed if a second Ctrl-C exits at once.
static TEMP_OUTPUT: Mutex<Option<PathBuf>> = Mutex::new(None);

fn install_ctrlc() {
    let _ = ctrlc::set_handler(|| {
        if CANCELLED.swap(true, Ordering::SeqCst) {
            if let Some(p) = TEMP_OUTPUT.lock().ok().and_then(|g| g.clone()) {
                let _ = std::fs::remove_file(p);
            }
            std::process::exit(130);
        }
        eprintln!("\nclausegap: interrupted: finishing the files in progress (Ctrl-C again to quit at once)");
    });
}

/// What, besides a file's bytes, decides its result: rule text, result-changing options,
/// and the engine build (version, and the binary's size and mtime so that a rebuilt
/// binary never trusts entries of an older engine).
fn cache_salt(analyzer: &Analyzer, cfg: &scan::ScanConfig) -> CacheSalt {
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos()).unwrap_or(0);
            format!("{}-{}", m.len(), mtime)
        })
        .unwrap_or_default();
    CacheSalt {
        rules_fingerprint: analyzer.rules.fingerprint.clone(),
        options: format!("profile={:?};report_lang={:?}", cfg.analyze.profile, cfg.analyze.report_lang),
        engine: format!("{}+{exe}", env!("CARGO_PKG_VERSION")),
    }
}

/// The progress bar: on standard error, only when it is a terminal.
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn start(&self, total: usize) {
        self.0.set_length(total as u64);
    }
    fn working_on(&self, path: &Path) {
        self.0.set_message(clausegap::scan::display_path(path));
    }
    fn finished(&self, _doc: &DocumentReport, _from_cache: bool) {
        self.0.inc(1);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

fn progress_bar(common: &CommonArgs) -> Option<Bar> {
    if common.no_progress || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    let style = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} files · {per_sec} · ETA {eta} · {wide_msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(Bar(bar))
}

/// Where the report goes: standard output, or a temp file beside the destination that
/// [`Output::commit`] renames into place (dropped uncommitted, it is removed).
enum Output {
    Stdout(std::io::StdoutLock<'static>),
    File { tmp: PathBuf, dest: PathBuf, file: std::io::BufWriter<std::fs::File>, committed: bool },
}

impl Output {
    fn open(output: Option<&Path>) -> Result<Output> {
        match output {
            None => Ok(Output::Stdout(std::io::stdout().lock())),
            Some(dest) => {
                let dir = dest.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
                let (tmp, file) = tempfile_in(&dir)?;
                if let Ok(mut g) = TEMP_OUTPUT.lock() {
                    *g = Some(tmp.clone());
                }
                Ok(Output::File { tmp, dest: dest.to_path_buf(), file: std::io::BufWriter::new(file), committed: false })
            }
        }
    }

    fn is_file(&self) -> bool {
        matches!(self, Output::File { .. })
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Output::Stdout(out) => out.write_all(bytes),
            Output::File { file, .. } => file.write_all(bytes),
        }
    }

    fn commit(mut self) -> Result<()> {
        match &mut self {
            Output::Stdout(out) => out.flush().or_else(ignore_broken_pipe)?,
            Output::File { tmp, dest, file, committed } => {
                file.flush().with_context(|| format!("writing {}", dest.display()))?;
                file.get_ref().sync_all().ok();
                std::fs::rename(&*tmp, &*dest).with_context(|| format!("writing {}", dest.display()))?;
                *committed = true;
            }
        }
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Output::File { tmp, committed: false, .. } = self {
            let _ = std::fs::remove_file(tmp);
        }
        if let Ok(mut g) = TEMP_OUTPUT.lock() {
            *g = None;
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

fn ignore_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}

fn tempfile_in(dir: &Path) -> Result<(PathBuf, std::fs::File)> {
    for i in 0..100u32 {
        let p = dir.join(format!(".clausegap-{}-{i}.tmp", std::process::id()));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("creating a file in {}", dir.display())),
        }
    }
    anyhow::bail!("cannot create a temporary file in {}", dir.display())
}

/// Whether this document makes the run exit 1.
fn fails(d: &DocumentReport, fail_on: FailOn, fail_on_error: bool) -> bool {
    if d.status != "ok" {
        return fail_on_error;
    }
    let required = |s: &str| d.clauses.iter().any(|c| c.requirement == "required" && c.status == s);
    match fail_on {
        FailOn::Never => false,
        FailOn::Missing => required("missing"),
        FailOn::Weak => required("missing") || required("weak"),
        FailOn::Risk => required("missing") || required("weak") || d.risks.iter().any(|r| r.status == "flagged"),
    }
}
