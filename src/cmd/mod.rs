//! Subcommands. Exit codes (documented in README): 0 success, 1 failure,
//! 2 bad input with partial success (some files or rows were rejected, the
//! rest stored).

pub mod audit;
pub mod code;
pub mod codebook;
pub mod embed;
pub mod eval;
pub mod ingest;
pub mod init;
pub mod report;
pub mod review;
pub mod run;
pub mod stats;
pub mod themes;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

/// What a subcommand returns: an exit code, or an error printed with context.
pub type Outcome = anyhow::Result<ExitCode>;

/// Exit code for bad input with partial success.
pub const EXIT_PARTIAL: u8 = pipeline::EXIT_PARTIAL;

#[derive(Parser, Debug)]
#[command(
    name = "autocode",
    version,
    about = "Machine-assisted qualitative coding of interviews and focus groups. Nothing leaves your machine."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// The environment variable that names the project store when `--project`
/// is not given.
pub const PROJECT_ENV: &str = "AUTOCODE_PROJECT";

impl Cli {
    /// Parses the process's arguments (and [`PROJECT_ENV`]), noting whether
    /// the store was named ([`Global::project_given`]); bad arguments end
    /// the process with clap's usage error (status 2).
    pub fn parse_args() -> Cli {
        let matches = Cli::command()
            .try_get_matches()
            .or_else(without_an_empty_project_variable)
            .unwrap_or_else(|e| e.exit());
        Cli::from_matches(&matches).unwrap_or_else(|e| e.format(&mut Cli::command()).exit())
    }

    /// The parsed arguments, with where `--project`'s value came from.
    fn from_matches(matches: &ArgMatches) -> Result<Cli, clap::Error> {
        let mut cli = Cli::from_arg_matches(matches)?;
        cli.global.project_given = matches!(
            matches.value_source("project"),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        );
        Ok(cli)
    }
}

/// clap reads a set but empty [`PROJECT_ENV`] (`export
/// AUTOCODE_PROJECT=$STUDY_DIR` with `STUDY_DIR` unset) as an empty
/// `--project`, even where `--project` was typed, and every command said
/// "a value is required for '--project <PROJECT>' but none was supplied",
/// naming an option the user may never have typed (h5/05). When `err` is
/// that error, the arguments are parsed again without the variable: with
/// `--project` typed they stand (it overrides the variable, as it overrides
/// one that is not empty); without, the error names the variable. Any other
/// error is returned as it is.
fn without_an_empty_project_variable(err: clap::Error) -> Result<ArgMatches, clap::Error> {
    if err.kind() != ErrorKind::InvalidValue
        || !std::env::var_os(PROJECT_ENV).is_some_and(|v| v.is_empty())
    {
        return Err(err);
    }
    let Ok(matches) = Cli::command()
        .mut_arg("project", |a| a.env(None::<&'static str>))
        .try_get_matches()
    else {
        return Err(err);
    };
    if matches.value_source("project") == Some(ValueSource::CommandLine) {
        return Ok(matches);
    }
    Err(Cli::command().error(
        ErrorKind::InvalidValue,
        format!(
            "{PROJECT_ENV} is set but empty: set it to the project's store (an \
             `autocode.db` file, or the folder holding one), or unset it to use \
             ./autocode.db; `--project PATH` overrides it"
        ),
    ))
}

/// Options every subcommand takes.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Project store: an `autocode.db` file, or a folder holding one.
    #[arg(
        long,
        global = true,
        env = PROJECT_ENV,
        default_value = "autocode.db"
    )]
    pub project: PathBuf,
    /// Whether `--project` or AUTOCODE_PROJECT named the store, rather than
    /// the default applying (clap's value source; set by
    /// [`Cli::parse_args`]): only a store named so overrides a config's
    /// `[project] store`. Comparing the value with the default took
    /// `--project autocode.db` for no `--project` at all, and the run wrote
    /// the config's store instead (h5/01).
    #[arg(skip)]
    pub project_given: bool,
    /// More log output (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors and the command's result.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a project (an `autocode.db` store) in DIR.
    Init(init::InitArgs),
    /// Read transcripts (txt/md, vtt, srt, doc, docx, odt, pdf, rtf, csv, jsonl, xlsx/xls/ods) and a participants file into the store.
    Ingest(ingest::IngestArgs),
    /// Documents, participants by attribute, turns and sentences in the store.
    Stats(stats::StatsArgs),
    /// Embed every segment not yet embedded by the current model.
    Embed(embed::EmbedArgs),
    /// Embed arbitrary text lines to a .npy matrix (no project needed).
    Encode(embed::EncodeArgs),
    /// Validate, import, export and approve codebooks.
    Codebook(codebook::CodebookArgs),
    /// Code every participant sentence not yet coded by the current model and codebook.
    Code(code::CodeArgs),
    /// Draw the random audit sample people code blind (it makes the report's intervals valid).
    Audit(audit::AuditArgs),
    /// Suggest themes by clustering the embedded participant sentences.
    Themes(themes::ThemesArgs),
    /// Measure quality against human gold codings.
    Eval(eval::EvalArgs),
    /// Frequencies with intervals, agreement, and CSV/JSON/HTML/REFI-QDA exports.
    Report(report::ReportArgs),
    /// Serve the local review page (accept, reject, recode machine suggestions).
    Review(review::ReviewArgs),
    /// The nightly batch: ingest → embed → code → themes → report, incremental and resumable.
    Run(run::RunArgs),
    /// List the run records of a project.
    Runs(run::RunsArgs),
    /// Combine shard stores into the project.
    Merge(run::MergeArgs),
}

pub fn dispatch(cli: Cli) -> Outcome {
    let g = &cli.global;
    match cli.command {
        Command::Init(a) => init::run(g, a),
        Command::Ingest(a) => ingest::run(g, a),
        Command::Stats(a) => stats::run(g, a),
        Command::Embed(a) => embed::run(g, a),
        Command::Encode(a) => embed::encode(g, a),
        Command::Codebook(a) => codebook::run(g, a),
        Command::Code(a) => code::run(g, a),
        Command::Audit(a) => audit::run(g, a),
        Command::Themes(a) => themes::run(g, a),
        Command::Eval(a) => eval::run(g, a),
        Command::Report(a) => report::run(g, a),
        Command::Review(a) => review::run(g, a),
        Command::Run(a) => run::run(g, a),
        Command::Runs(a) => run::runs(g, a),
        Command::Merge(a) => run::merge(g, a),
    }
}

pub fn init_logging(g: &Global) {
    let level = if g.quiet {
        "error"
    } else {
        match g.verbose {
            0 => "warn",
            1 => "info",
            _ => "debug",
        }
    };
    // The PDF libraries log what they cannot parse; ingest reports the file
    // as damaged in its own words, so their lines show only at -vv.
    let quiet_libraries = if g.verbose >= 2 {
        ""
    } else {
        ",lopdf=off,pdf_extract=off"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("AUTOCODE_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("{level}{quiet_libraries}"))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

/// Takes the project lock for a command that writes the store (the lock
/// `autocode run` holds), so two writers never interleave; it is released
/// when the value is dropped or the process dies. Readers (`stats`,
/// `report` without an import, the review page's reads) do not take it.
pub fn lock_project(g: &Global) -> anyhow::Result<pipeline::run::ProjectLock> {
    let store = store::resolve(&g.project);
    // A mistyped `--project` is refused before the lock file is made: it
    // used to leave `studyy/autocode.lock` (and the folder) behind.
    if !store.is_file() {
        return Err(store::Error::NotFound(store).into());
    }
    pipeline::run::ProjectLock::acquire(&store)
}

/// Opens the project named by `--project`.
pub fn open_store(g: &Global) -> anyhow::Result<store::Store> {
    Ok(store::Store::open(&g.project)?)
}

/// User data (file names, speakers, messages that quote them) as it may be
/// printed to a terminal: control characters — an escape sequence that would
/// recolour or rewrite the screen, a newline that would forge a line — are
/// shown escaped (`\u{1b}`, `\n`), everything else as is.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// An error and its causes joined by `: ` (anyhow's `{:#}`), each cause
/// left out where the message so far already says it: an error whose text
/// quotes its source (`x.csv: cannot read: No such file`) would otherwise
/// print the source twice.
pub fn error_chain(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// The message for an error that SQLite raised because the project's
/// store cannot be written (a read-only file or folder: a project copied
/// from a read-only share or unpacked from an archive), naming the store.
/// Before, every writing command said `store: attempt to write a readonly
/// database` without naming it (hs/03).
pub fn read_only_store_message(err: &anyhow::Error, project: &Path) -> Option<String> {
    let read_only = err.chain().any(|cause| {
        cause
            .downcast_ref::<store::Error>()
            .is_some_and(store::Error::is_read_only)
    });
    read_only.then(|| {
        let store = store::resolve(project);
        format!(
            "the project's store {} cannot be written (the file or its folder is read-only): \
             autocode keeps every command's results there; make both writable (`chmod u+w`), \
             or copy the project folder where you can write",
            printable(&store.display().to_string())
        )
    })
}

/// An error message as it may be printed: its lines kept (a codebook's
/// problems come one per line), each one [`printable`], and every line
/// after the first indented, so a newline inside a quoted file name cannot
/// start a line that reads as autocode's own `error:`.
pub fn printable_message(s: &str) -> String {
    s.split('\n')
        .enumerate()
        .map(|(i, line)| {
            let line = printable(line);
            if i == 0 || line.starts_with(char::is_whitespace) {
                line.into_owned()
            } else {
                format!("  {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::{printable, printable_message, read_only_store_message};

    /// hs/03: SQLite's "attempt to write a readonly database", however
    /// deep in the chain, names the project's store; other errors do not.
    /// (A real read-only file cannot be made in a test that may run as
    /// root, whom permissions do not stop.)
    #[test]
    fn a_read_only_store_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let read_only = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
            Some("attempt to write a readonly database".into()),
        );
        let err = anyhow::Error::new(store::Error::Db(read_only)).context("storing a.txt");
        let message = read_only_store_message(&err, dir.path()).unwrap();
        assert!(
            message.starts_with(&format!(
                "the project's store {} cannot be written (the file or its folder is read-only)",
                dir.path().join("autocode.db").display()
            )),
            "{message}"
        );
        let other = anyhow::Error::new(store::Error::Invalid("x".into()));
        assert_eq!(read_only_store_message(&other, dir.path()), None);
    }

    /// h5/01: `--project autocode.db`, before or after the subcommand, is
    /// a store given, though it spells the default; no `--project` is not.
    /// (The variable is taken off the command: the tests' environment may
    /// set it.)
    #[test]
    fn a_project_spelled_as_the_default_is_still_given() {
        use clap::CommandFactory;
        let parse = |args: &[&str]| {
            let matches = super::Cli::command()
                .mut_arg("project", |a| a.env(None::<&'static str>))
                .try_get_matches_from(args)
                .unwrap();
            super::Cli::from_matches(&matches).unwrap().global
        };
        for args in [
            &["autocode", "--project", "autocode.db", "runs"][..],
            &["autocode", "runs", "--project", "autocode.db"],
        ] {
            let given = parse(args);
            assert!(given.project_given, "{args:?}");
            assert_eq!(given.project, std::path::Path::new("autocode.db"));
        }
        let default = parse(&["autocode", "runs"]);
        assert!(!default.project_given);
        assert_eq!(default.project, std::path::Path::new("autocode.db"));
    }

    #[test]
    fn an_errors_causes_are_printed_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let quoted = anyhow::Error::new(io).context("x.csv: cannot read: No such file");
        assert_eq!(
            super::error_chain(&quoted),
            "x.csv: cannot read: No such file"
        );
        let plain = anyhow::anyhow!("disk full").context("writing out.json");
        assert_eq!(super::error_chain(&plain), "writing out.json: disk full");
    }

    #[test]
    fn an_error_keeps_its_lines_and_indents_the_ones_after_the_first() {
        assert_eq!(
            printable_message("2 problem(s):\n  a.yaml:3: x\n  a.yaml:5: y"),
            "2 problem(s):\n  a.yaml:3: x\n  a.yaml:5: y"
        );
        assert_eq!(
            printable_message("cannot read x\nerror: forged\x1b[31m"),
            "cannot read x\n  error: forged\\u{1b}[31m"
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("plain name.txt"), "plain name.txt");
        assert_eq!(printable("red\x1b[31m.txt"), "red\\u{1b}[31m.txt");
        assert_eq!(printable("two\nlines"), "two\\nlines");
        assert_eq!(printable("Zoë – ok"), "Zoë – ok");
    }
}
