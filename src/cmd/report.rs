//! `autocode report`: frequencies with intervals, agreement, and the
//! table/CSV/JSON/HTML/REFI-QDA outputs; `--import-qdpx` reads human codings
//! from another QDA tool.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use report::data::Source;
use report::qdpx::{ExportOptions, ImportOptions};
use report::{AgreementUnit, ReportOptions};

use super::{Global, Outcome, EXIT_PARTIAL};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Print the table only.
    Table,
    Csv,
    Json,
    Html,
    Qdpx,
    /// Every file, and print the table.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Unit {
    Sentence,
    Participant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportAs {
    Human,
    Gold,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Folder for report.html, report.csv, report.json and <project>.qdpx (default: the project folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "all")]
    pub format: Format,
    /// QDPX: only codings a human gave or confirmed.
    #[arg(long)]
    pub accepted_only: bool,
    /// Agreement on sentences, or on presence per participant.
    #[arg(long, value_enum, default_value = "sentence")]
    pub agreement_unit: Unit,
    /// CSV with columns `code,expected` (code id or name): figures shown beside the counts.
    #[arg(long)]
    pub compare: Option<PathBuf>,
    /// Count moderator sentences too.
    #[arg(long)]
    pub include_moderators: bool,
    /// Project name in titles and the .qdpx file name (default: the project folder's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Import the human codings of a REFI-QDA project (.qdpx) instead of reporting.
    #[arg(long, value_name = "FILE")]
    pub import_qdpx: Option<PathBuf>,
    /// Store imported codings as `human` (training data) or `gold` (evaluation standard).
    #[arg(long, value_enum, default_value = "human", requires = "import_qdpx")]
    pub import_as: ImportAs,
    /// Coder name for imported codings (default: the QDPX user who made each).
    #[arg(long, requires = "import_qdpx")]
    pub coder: Option<String>,
}

fn project_name(store_path: &Path) -> String {
    store_path
        .parent()
        .and_then(|p| p.canonicalize().ok())
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "autocode".to_string())
}

pub fn run(g: &Global, a: ReportArgs) -> Outcome {
    let mut store = super::open_store(g)?;
    if let Some(path) = &a.import_qdpx {
        let opts = ImportOptions {
            source: match a.import_as {
                ImportAs::Human => Source::Human,
                ImportAs::Gold => Source::Gold,
            },
            coder: a.coder.clone(),
        };
        let s = report::qdpx::import_qdpx(&mut store, path, &opts)
            .with_context(|| format!("importing {}", path.display()))?;
        println!(
            "{}: {} of {} sources matched; {} codings added, {} already present",
            path.display(),
            s.matched_sources,
            s.sources,
            s.codings_added,
            s.already_present
        );
        if s.skipped_machine > 0 {
            println!(
                "skipped {} codings made by autocode's machine user",
                s.skipped_machine
            );
        }
        for why in &s.unmatched_sources {
            eprintln!("warning: source {why}");
        }
        for (code, n) in &s.unknown_codes {
            eprintln!("warning: code {code:?} is not in the codebook: {n} codings skipped");
        }
        if s.unplaced_selections > 0 {
            eprintln!(
                "warning: {} selections cover no stored sentence",
                s.unplaced_selections
            );
        }
        return Ok(if s.partial() {
            ExitCode::from(EXIT_PARTIAL)
        } else {
            ExitCode::SUCCESS
        });
    }

    let name = a.name.clone().unwrap_or_else(|| project_name(store.path()));
    let compare = match &a.compare {
        Some(p) => report::read_compare(p)?,
        None => Default::default(),
    };
    let opts = ReportOptions {
        project: name.clone(),
        include_moderators: a.include_moderators,
        agreement_unit: match a.agreement_unit {
            Unit::Sentence => AgreementUnit::Sentence,
            Unit::Participant => AgreementUnit::Participant,
        },
        compare,
        ..Default::default()
    };
    let data = report::ProjectData::load(&store)?;
    let r = report::build_from(&data, &opts);
    let out = a.out.clone().unwrap_or_else(|| {
        store
            .path()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    });
    let wants = |f: Format| a.format == f || a.format == Format::All;
    if a.format != Format::Table {
        std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    }
    let mut written: Vec<PathBuf> = Vec::new();
    if wants(Format::Csv) {
        written.extend(report::output::write_csv(&r, &out)?);
    }
    if wants(Format::Json) {
        let p = out.join("report.json");
        std::fs::write(&p, report::output::render_json(&r))
            .with_context(|| format!("writing {}", p.display()))?;
        written.push(p);
    }
    if wants(Format::Html) {
        let p = out.join("report.html");
        std::fs::write(&p, report::html::render_html(&r))
            .with_context(|| format!("writing {}", p.display()))?;
        written.push(p);
    }
    if wants(Format::Qdpx) {
        let file: String = name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let p = out.join(format!("{file}.qdpx"));
        let s = report::qdpx::export_qdpx(
            &store,
            &data,
            &ExportOptions {
                project: name.clone(),
                accepted_only: a.accepted_only,
            },
            &p,
        )?;
        tracing::info!("qdpx: {} sources, {} selections", s.sources, s.selections);
        written.push(p);
    }
    if (a.format == Format::Table || a.format == Format::All) && !g.quiet {
        print!("{}", report::output::render_table(&r));
    }
    for p in &written {
        if !g.quiet {
            println!("wrote {}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
