//! Isolation of the parsers that can misbehave on hostile files (PDF always, DOCX on
//! request). Two ways, chosen by [`ExtractOptions::worker_exe`](super::ExtractOptions):
//!
//! - **Child process** (the CLI): the binary re-runs itself as
//!   `clausegap extract-worker <pdf|docx> [--memory-mb N]`, writes the document to the
//!   child's stdin and reads one JSON reply from its stdout. The child caps its own address
//!   space (`RLIMIT_AS`) and the parent kills it at the wall-clock timeout, so a stack
//!   overflow, an abort on allocation failure or an endless loop costs one file, not the run.
//! - **Thread** (library use, unit tests): a thread with a 256 MiB stack under
//!   `catch_unwind`. Deep nesting fits in the stack and panics are caught, but an abort
//!   would still take the process down, and a timed-out thread can only be abandoned.
//!
//! Wire format of the reply (one JSON object on stdout, exit code 0):
//! `{"status":"ok","text":"…","page_starts":[0,42]}` or
//! `{"status":"error","kind":"no-text|malformed|decode|empty|unknown-format","message":"…","pages":3}`.

use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{extract_parsed, ExtractError, ExtractOptions, Format};

/// Big enough for the 200,000-deep nesting that overflows pdf_oxide's recursive parser on
/// an 8 MiB stack. Only reserved address space: untouched pages cost no memory.
const EXTRACT_STACK: usize = 256 * 1024 * 1024;

/// Keep at most this much of the child's stderr (for the error message).
const STDERR_KEEP: usize = 16 * 1024;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
enum Reply {
    Ok {
        text: String,
        page_starts: Vec<usize>,
    },
    Error {
        kind: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pages: Option<usize>,
    },
}

impl Reply {
    fn from_result(result: Result<(String, Vec<usize>), ExtractError>) -> Reply {
        match result {
            Ok((text, page_starts)) => Reply::Ok { text, page_starts },
            Err(err) => {
                let (kind, message, pages) = match err {
                    ExtractError::NoText { pages } => ("no-text", String::new(), Some(pages)),
                    ExtractError::Empty => ("empty", String::new(), None),
                    ExtractError::Decode(m) => ("decode", m, None),
                    ExtractError::UnknownFormat(m) => ("unknown-format", m, None),
                    ExtractError::Malformed { message, .. } => ("malformed", message, None),
                    other => ("malformed", other.to_string(), None),
                };
                Reply::Error { kind: kind.to_owned(), message, pages }
            }
        }
    }

    fn into_result(self, format: Format) -> Result<(String, Vec<usize>), ExtractError> {
        match self {
            Reply::Ok { text, page_starts } => Ok((text, page_starts)),
            Reply::Error { kind, message, pages } => Err(match kind.as_str() {
                "no-text" => ExtractError::NoText { pages: pages.unwrap_or(0) },
                "empty" => ExtractError::Empty,
                "decode" => ExtractError::Decode(message),
                "unknown-format" => ExtractError::UnknownFormat(message),
                _ => ExtractError::Malformed { format: format.as_str(), message },
            }),
        }
    }
}

/// Entry point of the hidden `clausegap extract-worker <pdf|docx> [--memory-mb N]`
/// subcommand: reads the document from stdin, writes one JSON [`Reply`] to stdout.
/// Returns the process exit code: 0 when a reply was written (also for a per-file error),
/// 2 for bad arguments, 3 when stdin/stdout failed.
pub fn run_worker(args: &[String]) -> i32 {
    let mut format = None;
    let mut memory_mb: u64 = 0;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "pdf" => format = Some(Format::Pdf),
            "docx" => format = Some(Format::Docx),
            "--memory-mb" => match it.next().and_then(|v| v.parse().ok()) {
                Some(v) => memory_mb = v,
                None => return usage("--memory-mb needs a number of MiB"),
            },
            other => return usage(&format!("unexpected argument {other:?}")),
        }
    }
    let Some(format) = format else { return usage("missing format (pdf or docx)") };
    if memory_mb > 0 {
        limit_address_space(memory_mb);
    }
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut bytes) {
        let _ = writeln!(std::io::stderr(), "extract-worker: cannot read stdin: {e}");
        return 3;
    }
    let result = run_guarded(format, bytes, None);
    let reply = Reply::from_result(result);
    let mut out = std::io::stdout().lock();
    // The reply is the protocol with the parent, not user-facing output.
    match serde_json::to_writer(&mut out, &reply).map_err(std::io::Error::from).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "extract-worker: cannot write reply: {e}");
            3
        }
    }
}

fn usage(problem: &str) -> i32 {
    let _ = writeln!(
        std::io::stderr(),
        "extract-worker: {problem}\nusage: clausegap extract-worker <pdf|docx> [--memory-mb N] < document"
    );
    2
}

/// Caps the worker's address space so a decompression bomb or runaway allocation ends in
/// an allocation failure (abort) of the child instead of swapping the machine.
fn limit_address_space(memory_mb: u64) {
    #[cfg(unix)]
    {
        let bytes = memory_mb.saturating_mul(1024 * 1024) as libc::rlim_t;
        let limit = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
        // SAFETY: setrlimit only reads the struct we pass; failure leaves the old limit.
        unsafe {
            libc::setrlimit(libc::RLIMIT_AS, &limit);
        }
    }
    #[cfg(not(unix))]
    let _ = memory_mb;
}

/// Runs the extraction in-process on a big-stack thread under `catch_unwind`, giving up
/// (and leaving the thread behind) after `timeout`.
pub(super) fn extract_on_thread(
    format: Format,
    bytes: Vec<u8>,
    timeout: Duration,
) -> Result<(String, Vec<usize>), ExtractError> {
    run_guarded(format, bytes, Some(timeout))
}

fn run_guarded(
    format: Format,
    bytes: Vec<u8>,
    timeout: Option<Duration>,
) -> Result<(String, Vec<usize>), ExtractError> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("clausegap-extract".into())
        .stack_size(EXTRACT_STACK)
        .spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| extract_parsed(format, &bytes)));
            let _ = tx.send(result);
        });
    let handle = spawned.map_err(|e| ExtractError::Io(std::io::Error::other(format!("cannot start extraction thread: {e}"))))?;
    let received = match timeout {
        Some(t) => rx.recv_timeout(t).map_err(|e| matches!(e, mpsc::RecvTimeoutError::Timeout)),
        None => rx.recv().map_err(|_| false),
    };
    match received {
        Ok(result) => {
            let _ = handle.join();
            result.unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Err(ExtractError::Malformed { format: format.as_str(), message: format!("extractor panicked: {what}") })
            })
        }
        // The thread cannot be killed; it is detached and finishes (or not) on its own.
        Err(true) => Err(ExtractError::Timeout(timeout_secs(timeout.unwrap_or_default()))),
        Err(false) => Err(ExtractError::Malformed { format: format.as_str(), message: "extractor thread died".into() }),
    }
}

fn timeout_secs(t: Duration) -> u64 {
    t.as_secs() + u64::from(t.subsec_nanos() > 0)
}

/// Runs `exe extract-worker` on `bytes` with the timeout and memory cap of `opts`.
pub(super) fn extract_in_child(
    exe: &Path,
    format: Format,
    bytes: &[u8],
    opts: &ExtractOptions,
) -> Result<(String, Vec<usize>), ExtractError> {
    let mut cmd = Command::new(exe);
    cmd.arg("extract-worker").arg(format.as_str());
    if opts.worker_memory_mb > 0 {
        cmd.arg("--memory-mb").arg(opts.worker_memory_mb.to_string());
    }
    // pdf_oxide inflates up to 256 MB per stream before its ratio check; contract text
    // never needs more than a few MB per stream, and a smaller cap makes bombs fail fast.
    cmd.env("PDF_OXIDE_MAX_DECOMPRESS_MB", "32");
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        ExtractError::Io(std::io::Error::new(e.kind(), format!("cannot start extraction worker {}: {e}", exe.display())))
    })?;

    let started = Instant::now();
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let mut stdout = child.stdout.take().expect("stdout was piped");
    let mut stderr = child.stderr.take().expect("stderr was piped");
    let input = bytes.to_vec();
    // Separate threads for the pipes: a child that stops reading stdin or fills stderr
    // must not block the parent's timeout loop.
    let writer = std::thread::spawn(move || {
        // A child that dies early closes the pipe; the exit status tells the story.
        let _ = stdin.write_all(&input);
    });
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut chunk) {
            if n == 0 {
                break;
            }
            if kept.len() < STDERR_KEEP {
                kept.extend_from_slice(&chunk[..n]);
            }
        }
        kept
    });

    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= opts.timeout => {
                let _ = child.kill();
                let _ = child.wait();
                // Pipes close with the child; the threads end.
                let _ = (writer.join(), out_reader.join(), err_reader.join());
                return Err(ExtractError::Timeout(timeout_secs(opts.timeout)));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(ExtractError::Io(e)),
        }
    };
    let _ = writer.join();
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    let err = String::from_utf8_lossy(&err);

    if status.success() {
        let reply: Reply = serde_json::from_slice(&out).map_err(|e| ExtractError::Malformed {
            format: format.as_str(),
            message: format!("extraction worker sent an unreadable reply: {e}"),
        })?;
        return reply.into_result(format);
    }
    Err(ExtractError::Malformed { format: format.as_str(), message: describe_failure(status, &err, opts) })
}

/// Turns a dead child into a sentence a user can act on.
fn describe_failure(status: std::process::ExitStatus, stderr: &str, opts: &ExtractOptions) -> String {
    let how = {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            match status.signal() {
                Some(sig) => format!("signal {sig}"),
                None => format!("exit code {}", status.code().unwrap_or(-1)),
            }
        }
        #[cfg(not(unix))]
        {
            format!("exit code {}", status.code().unwrap_or(-1))
        }
    };
    if stderr.contains("overflowed its stack") {
        format!("extractor crashed ({how}): stack overflow, the file is nested too deeply")
    } else if stderr.contains("memory allocation of") {
        format!("extractor crashed ({how}): over the memory limit of {} MiB", opts.worker_memory_mb)
    } else if status.code() == Some(2) && stderr.contains("usage: clausegap extract-worker") {
        // The executable does not know the worker protocol (e.g. an old binary).
        format!("extraction worker refused its arguments: {}", stderr.lines().next().unwrap_or_default())
    } else {
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
        if last.is_empty() {
            format!("extractor crashed ({how})")
        } else {
            format!("extractor crashed ({how}): {}", truncate(last, 200))
        }
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_round_trip() {
        let ok = Reply::from_result(Ok(("第1条\n".into(), vec![0])));
        let json = serde_json::to_string(&ok).unwrap();
        let back: Reply = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_result(Format::Pdf).unwrap(), ("第1条\n".to_owned(), vec![0]));

        let no_text = Reply::from_result(Err(ExtractError::NoText { pages: 3 }));
        let json = serde_json::to_string(&no_text).unwrap();
        let back: Reply = serde_json::from_str(&json).unwrap();
        assert!(matches!(back.into_result(Format::Pdf), Err(ExtractError::NoText { pages: 3 })));
    }

    #[test]
    fn bad_worker_args() {
        assert_eq!(run_worker(&["xls".into()]), 2);
        assert_eq!(run_worker(&[]), 2);
        assert_eq!(run_worker(&["pdf".into(), "--memory-mb".into()]), 2);
    }
}
