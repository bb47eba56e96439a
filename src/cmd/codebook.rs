use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct CodebookArgs {
    #[command(subcommand)]
    pub what: CodebookCmd,
}

#[derive(Subcommand, Debug)]
pub enum CodebookCmd {
    /// Check a codebook file (YAML, JSON, shared `codebook.json`, REFI-QDA .qdc, or a table of codes: .csv, .xlsx, .ods); errors name file, line and field.
    Validate { file: PathBuf },
    /// Convert a codebook file (any format `validate` reads) to YAML, JSON or .qdc (by OUT's extension).
    Import {
        file: PathBuf,
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Write the project's latest approved codebook (or a stored version) to a file (.yaml, .json, .qdc).
    Export {
        #[arg(long, short)]
        out: PathBuf,
        #[arg(long)]
        version: Option<i64>,
    },
    /// Store a codebook file as the project's current approved version (same content = same version).
    Approve { file: PathBuf },
}

pub fn run(g: &Global, a: CodebookArgs) -> Outcome {
    match a.what {
        CodebookCmd::Validate { file } => {
            let cb = pipeline::load_codebook(&file)?;
            let parents = cb.codes.iter().filter(|c| c.parent.is_none()).count();
            if !g.quiet {
                println!(
                    "{}: ok, {} codes ({} top-level), content hash {}",
                    file.display(),
                    cb.codes.len(),
                    parents,
                    &cb.content_hash()[..12]
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CodebookCmd::Import { file, out } => {
            refuse_table_output(&out)?;
            let cb = pipeline::load_codebook(&file)?;
            classify::save_codebook(&cb, &out)?;
            Ok(ExitCode::SUCCESS)
        }
        CodebookCmd::Export { out, version } => {
            refuse_table_output(&out)?;
            let store = super::open_store(g)?;
            let (version, body) = match version {
                Some(v) => store
                    .codebook_versions()?
                    .into_iter()
                    .find(|c| c.version == v)
                    .map(|c| (v, c.body))
                    .with_context(|| format!("no codebook version {v} in the project"))?,
                None => store.codebook_in_use()?.context(
                    "the project has no approved codebook (run `autocode codebook approve FILE`)",
                )?,
            };
            let cb = classify::Codebook::from_stored_json(
                &body,
                &format!("codebook version {version}"),
            )?;
            classify::save_codebook(&cb, &out)?;
            Ok(ExitCode::SUCCESS)
        }
        CodebookCmd::Approve { file } => {
            let cb = pipeline::load_codebook(&file)?;
            let mut store = super::open_store(g)?;
            let ids: Vec<String> = cb.codes.iter().map(|c| c.id.clone()).collect();
            let choice = store
                .approve_codebook_file(&cb.name, &cb.to_json(), &cb.content_hash(), &ids)
                .with_context(|| format!("approving {}", file.display()))?;
            let version = choice.root_version;
            if !g.quiet {
                println!(
                    "codebook \"{}\" ({} codes): version {version}{}",
                    cb.name,
                    cb.codes.len(),
                    if choice.newly_stored {
                        " (new)"
                    } else {
                        " (unchanged)"
                    }
                );
                if let Some(note) = &choice.note {
                    println!("runs with this file code with {note}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A codebook is written as YAML, JSON or `.qdc`; a table extension would
/// otherwise get YAML inside a file named `.csv`.
fn refuse_table_output(out: &std::path::Path) -> anyhow::Result<()> {
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if matches!(
        ext.as_str(),
        "csv" | "tsv" | "xlsx" | "xlsm" | "xls" | "ods" | "docx"
    ) {
        anyhow::bail!(
            "{}: a codebook is written as .yaml, .json or .qdc, not .{ext} (tables are read, not written)",
            out.display()
        );
    }
    Ok(())
}
