//! Command-line definitions (clap) and their validation into one fully built
//! configuration before any document is read. A bad flag or rule folder is a usage error
//! (exit 2); nothing here reads contracts.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::AnalyzeOptions;
use crate::extract::ExtractOptions;
use crate::report::{CompareFormat, OutputFormat};
use crate::scan::ScanConfig;
use crate::taxonomy::{Lang, Profile};

#[derive(Debug, Parser)]
#[command(name = "clausegap", version, about = "Finds missing and risky data-protection clauses in contracts, DPAs and cloud terms (ja/en)")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan contract files or folders and report, per document, every required clause
    /// (present / weak / missing) and every risk (flagged / clear) with evidence.
    Scan(ScanArgs),
    /// Compare documents side by side (vendors as columns, clause and risk ids as rows).
    Compare(CompareArgs),
    /// Print the text a file is read as, with page and line markers: the lines evidence
    /// refers to.
    Extract(ExtractArgs),
    /// Score the analysis against gold-label files (TAXONOMY §6).
    Eval(EvalArgs),
    /// List the rule library: every id with its title and legal basis.
    Rules(RulesArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    Auto,
    Mynumber,
    Appi,
    Gdpr,
    Cloud,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Ja,
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Json,
    Jsonl,
    Md,
    Html,
    Csv,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormatArg {
    Html,
    Csv,
    Xlsx,
}

/// When gaps make the run exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    /// Never fail on gaps (default).
    Never,
    /// A required clause is missing.
    Missing,
    /// A required clause is missing or weak.
    Weak,
    /// A required clause is missing or weak, or a risk is flagged.
    Risk,
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Profile of required clauses: auto picks mynumber when 個人番号 is handled, else appi
    /// for Japanese and gdpr for English documents.
    #[arg(long, value_enum, default_value = "auto")]
    pub profile: ProfileArg,
    /// Language of the report's own words (default: each document's language).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Use the rule files of this folder instead of the bundled library.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Files larger than this many bytes are reported as errors.
    #[arg(long, default_value_t = 256 * 1024 * 1024, value_name = "BYTES")]
    pub max_file_size: u64,
    /// Seconds one PDF or DOCX may take to extract.
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    pub timeout: u64,
    /// Parallel jobs (default: all cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Never draw the progress bar (it is drawn on standard error only when that is a
    /// terminal).
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or folders (folders are scanned recursively; hidden folders are skipped,
    /// .gitignore is not honoured).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output format (default: text on a terminal, json otherwise).
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<FormatArg>,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a gap at or above this level is found.
    #[arg(long, value_enum, default_value = "never")]
    pub fail_on: FailOn,
    /// Exit 1 when a file could not be read (error or no-text).
    #[arg(long)]
    pub fail_on_error: bool,
    /// Cache results in this folder, keyed by file content, rule set, options and tool
    /// build: a re-run extracts and analyses only new or changed files.
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Also write the repository summary (gaps per id, grades, errors by kind, worst
    /// documents) to this file, atomically: JSON, or CSV when the name ends in `.csv`.
    /// Works with every format; the JSON report carries it anyway as `summary`.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[arg(required = true, value_name = "FILE_OR_DIR")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
    #[arg(long, short = 'f', value_enum, default_value = "html")]
    pub format: CompareFormatArg,
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print the text only, without page and line markers.
    #[arg(long)]
    pub plain: bool,
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Folder of gold-label TOML files.
    #[arg(long, value_name = "DIR")]
    pub labels: PathBuf,
    /// Folder the labels' document paths are relative to (default: the labels folder's
    /// parent).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Print the scores as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Self {
        match p {
            ProfileArg::Auto => Profile::Auto,
            ProfileArg::Mynumber => Profile::Mynumber,
            ProfileArg::Appi => Profile::Appi,
            ProfileArg::Gdpr => Profile::Gdpr,
            ProfileArg::Cloud => Profile::Cloud,
        }
    }
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Ja => Lang::Ja,
            LangArg::En => Lang::En,
        }
    }
}

impl From<FormatArg> for OutputFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Json => OutputFormat::Json,
            FormatArg::Jsonl => OutputFormat::Jsonl,
            FormatArg::Md => OutputFormat::Md,
            FormatArg::Html => OutputFormat::Html,
            FormatArg::Csv => OutputFormat::Csv,
            FormatArg::Text => OutputFormat::Text,
        }
    }
}

impl From<CompareFormatArg> for CompareFormat {
    fn from(f: CompareFormatArg) -> Self {
        match f {
            CompareFormatArg::Html => CompareFormat::Html,
            CompareFormatArg::Csv => CompareFormat::Csv,
            CompareFormatArg::Xlsx => CompareFormat::Xlsx,
        }
    }
}

impl CommonArgs {
    /// The scan configuration these flags describe. `worker` is the executable to run for
    /// isolated PDF extraction (the binary itself).
    pub fn scan_config(&self, worker: Option<PathBuf>) -> ScanConfig {
        ScanConfig {
            analyze: AnalyzeOptions { profile: self.profile.into(), report_lang: self.lang.map(Into::into) },
            extract: ExtractOptions {
                max_file_size: self.max_file_size,
                worker_exe: worker,
                timeout: Duration::from_secs(self.timeout.max(1)),
                ..ExtractOptions::default()
            },
        }
    }
}
