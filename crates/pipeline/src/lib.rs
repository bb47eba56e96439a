//! Orchestration of the stages: open a project, ingest, embed, code, themes,
//! report, and the batch `run` that chains them. Every stage is a plain
//! function taking the project and a typed options value and returning a
//! serialisable summary; nothing here prints to stdout (the `autocode`
//! binary prints the summaries, the review server calls stages in-process).
//! Progress notes go through `tracing`.

pub mod audit;
pub mod code;
pub mod embed;
pub mod eval;
pub mod ingest;
pub mod report;
pub mod run;
pub mod text_vectors;
pub mod themes;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use store::Store;

pub use self::code::{code, CodeOptions, CodeSummary};
pub use self::embed::{embed, EmbedOptions, EmbedSummary};
pub use self::ingest::{ingest, IngestOptions, IngestSummary};
pub use self::report::{report, ReportOptions, ReportSummary};
pub use self::run::{merge, run, MergeSummary, RunConfig, RunOptions, RunSummary, Shard};
pub use self::themes::{themes, ThemesOptions, ThemesPlan, ThemesSummary};

/// Reads a codebook file: YAML, JSON, REFI-QDA `.qdc` or a REFI-QDA
/// project's `project.qde` (`classify::load_codebook`), or a table with
/// one code per row, a CSV or a spreadsheet workbook (`.xlsx`, `.xlsm`, `.xls`, `.ods`), as teams keep
/// codebooks and NVivo and ATLAS.ti export code lists
/// (`classify::codebook_from_table`, docs/classify.md "Codebook files").
/// The table is read by `corpus`, which reads every other table a user
/// gives; classify stays free of file formats other than its own.
pub fn load_codebook(path: &Path) -> anyhow::Result<classify::Codebook> {
    let cb = read_codebook(path)?;
    warn_of_names_alone(path, &cb);
    Ok(cb)
}

/// [`load_codebook`] without its warnings: for checking a file before a run.
pub fn read_codebook(path: &Path) -> anyhow::Result<classify::Codebook> {
    // The first table (sheet) that says what its codes are, else the first
    // that names a code column: a Word codebook's history or team table,
    // or a workbook's sheet of coders' names, comes before the codebook.
    let describes =
        |t: &corpus::formats::Table| classify::table_describes_codes(&t.headers, &t.rows);
    let table = match corpus::formats::read_table_where(path, &describes) {
        Some(Ok(t)) if !describes(&t) => Some(corpus::formats::read_table_where(path, &|t| {
            classify::table_names_codes(&t.headers, &t.rows)
        }))
        .flatten(),
        other => other,
    };
    let cb = match table {
        // Decoded as a transcript is: a byte-order mark, UTF-16 and
        // Windows-1252 (Notepad's and Excel's encodings) are read, and a bad
        // byte is named with its line. Before, each of these was "stream
        // did not contain valid UTF-8", with no line.
        // A REFI-QDA project's codebook is its project XML's `<CodeBook>`,
        // as in the `project.qde` inside it, named after the project file.
        None if is_qdpx(path) => {
            let xml = ::report::qdpx::project_xml(path)?;
            let mut cb = classify::parse_codebook(
                &xml,
                &path.display().to_string(),
                classify::CodebookFormat::Qdc,
            )?;
            if cb.name.is_empty() {
                cb.name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
            }
            cb
        }
        None => {
            let bytes = corpus::read_input(path)?;
            // A REFI-QDA project (.qdpx), a QDA tool's project file or
            // another zip is named as such, with what to give instead;
            // before, "binary file (NUL byte at byte 5)".
            if let Some(e) = classify::not_a_codebook_file(path, &bytes) {
                return Err(e.into());
            }
            let text = corpus::decode_structured_text(path, &bytes)?.text;
            classify::codebook_of_file_text(path, &text)?
        }
        Some(table) => {
            let table = table?;
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            classify::codebook_from_table(
                &path.display().to_string(),
                &name,
                &table.headers,
                &table.rows,
            )?
        }
    };
    Ok(cb)
}

fn is_qdpx(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("qdpx"))
}

/// A codebook of names alone is valid (NVivo and ATLAS.ti export many), but
/// its codes are found by their names only: the analyst is told which, and
/// what would code them better.
fn warn_of_names_alone(path: &Path, cb: &classify::Codebook) {
    let alone = cb.name_only();
    if alone.is_empty() {
        return;
    }
    const SHOWN: usize = 8;
    let mut list = alone
        .iter()
        .take(SHOWN)
        .map(|id| format!("{id:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if alone.len() > SHOWN {
        list.push_str(&format!(" and {} more", alone.len() - SHOWN));
    }
    tracing::warn!(
        "{}: {} of {} codes have a name alone, no definition, examples or inclusion criteria ({list}); \
         they are coded from their names, which finds less than a definition and two examples do",
        path.display(),
        alone.len(),
        cb.codes.len(),
    );
}

/// Exit status of a stage that stored the good part of its input and
/// rejected the rest (documented in the README: 0 ok, 1 failed, 2 partial).
pub const EXIT_PARTIAL: u8 = 2;

/// An open project store, and the model its `embed` stage loaded in this
/// process (so that `code` and `themes` in the same `autocode run` reuse
/// it rather than load it again for their own texts).
pub struct Project {
    store: Store,
    model: Option<Arc<::embed::SentenceTransformer>>,
}

impl Project {
    /// Opens an existing project: an `autocode.db` file or a folder holding one.
    pub fn open(path: &Path) -> anyhow::Result<Project> {
        Ok(Project::from_store(Store::open(path)?))
    }

    /// Opens the project, creating an empty store when there is none.
    pub fn open_or_create(path: &Path) -> anyhow::Result<Project> {
        Ok(Project::from_store(Store::open_or_create(path)?))
    }

    pub fn from_store(store: Store) -> Project {
        Project { store, model: None }
    }

    /// The model this process's `embed` stage loaded for the project, if it ran.
    pub fn loaded_model(&self) -> Option<Arc<::embed::SentenceTransformer>> {
        self.model.clone()
    }

    pub(crate) fn keep_model(&mut self, model: Arc<::embed::SentenceTransformer>) {
        self.model = Some(model);
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// The model folder for this project; see [`model_dir`].
    pub fn model_dir(&self, explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
        model_dir(explicit, Some(&self.store))
    }
}

/// The one model lookup: the explicit folder (a `--model` flag or the
/// config's `[model] path`) when given; else the folder the project last
/// embedded with (store meta `model_path`) when it still is a folder; else
/// [`::embed::default_model_dir`]. The explicit folder is used as given, so a
/// wrong one fails in [`load_model`] with its name.
pub fn model_dir(explicit: Option<&Path>, store: Option<&Store>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    if let Some(store) = store {
        if let Some(p) = store.meta("model_path")? {
            if Path::new(&p).is_dir() {
                return Ok(PathBuf::from(p));
            }
        }
    }
    Ok(::embed::default_model_dir())
}

/// Loads the sentence-transformers model in `dir` with its projections in
/// `precision` (see [`store_precision`] for a project's); the error names the
/// folder.
///
/// On the CPU it runs one forward pass per thread of rayon's global pool,
/// side by side (see `embed::BatchOptions::workers`). Each pass stays on one
/// thread only when candle's own kernels do, which candle reads from
/// `RAYON_NUM_THREADS`: a process that embeds much should set it to 1 before
/// any thread starts and size rayon's global pool explicitly, as the
/// `autocode` binary's `main` does. Without that, results are the same and
/// only slower.
/// How the model reads a project's texts: without the transcriber's notes
/// (`[laughs]`, `[inaudible 00:12:01]`; [`corpus::notes`]), which say what
/// happened in the room, not what was said. Read with them, a podcast's
/// 983 sentences with `\[laughs\]` or `\[unintelligible …\]` made a
/// theme of their own (docs/embed.md, "What the model reads").
pub const READING: ::embed::Reading = ::embed::Reading {
    name: "notes-out",
    read: corpus::notes::without_transcriber_notes,
};

pub fn load_model(
    dir: &Path,
    precision: ::embed::Precision,
) -> anyhow::Result<::embed::SentenceTransformer> {
    let batch = ::embed::BatchOptions {
        workers: rayon::current_num_threads(),
        ..Default::default()
    };
    let device = ::embed::DeviceSpec::Cpu.open()?;
    Ok(
        ::embed::SentenceTransformer::load_with(dir, &device, precision)
            .with_context(|| format!("loading the model in {}", dir.display()))?
            .with_batch_options(batch)
            .with_reading(READING),
    )
}

/// The precision the project's sentences were embedded in (the suffix of
/// store meta `model_key`), so that what later stages embed (codebook
/// prototypes, theme phrases) lands beside them; the default precision for
/// a project not embedded yet.
pub fn store_precision(store: &Store) -> anyhow::Result<::embed::Precision> {
    Ok(match store.meta("model_key")? {
        Some(key) => ::embed::Precision::of_model_key(&key),
        None => ::embed::Precision::default(),
    })
}

/// Where a stage's result leaves the process: 0 ok, [`EXIT_PARTIAL`], 1 failed.
pub trait ExitStatus {
    fn exit_code(&self) -> u8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_dir_prefers_the_flag_then_the_store_then_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path()).unwrap();
        let flag = Path::new("/nowhere/model");
        assert_eq!(model_dir(Some(flag), Some(&store)).unwrap(), flag);
        assert_eq!(
            model_dir(None, Some(&store)).unwrap(),
            ::embed::default_model_dir()
        );
        // A stored folder that no longer exists falls back to the default.
        store.set_meta("model_path", "/nowhere/gone").unwrap();
        assert_eq!(
            model_dir(None, Some(&store)).unwrap(),
            ::embed::default_model_dir()
        );
        let model = dir.path().join("m");
        std::fs::create_dir(&model).unwrap();
        store
            .set_meta("model_path", model.to_str().unwrap())
            .unwrap();
        assert_eq!(model_dir(None, Some(&store)).unwrap(), model);
        assert_eq!(model_dir(None, None).unwrap(), ::embed::default_model_dir());
    }

    /// A minified JSON codebook is one line longer than a transcript's
    /// limit, and valid: read. Before, it was refused as "longer than 1
    /// MB; is this really a transcript?".
    #[test]
    fn a_codebook_on_one_long_line_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let codes: Vec<String> = (0..900)
            .map(|i| {
                format!(
                    r#"{{"id":"c{i}","name":"Code {i}","definition":"{}"}}"#,
                    "words of a long definition ".repeat(50)
                )
            })
            .collect();
        let json = format!(r#"{{"name":"big","codes":[{}]}}"#, codes.join(","));
        assert!(json.len() > corpus::MAX_LINE_BYTES);
        let path = dir.path().join("big.json");
        std::fs::write(&path, json).unwrap();
        assert_eq!(load_codebook(&path).unwrap().codes.len(), 900);
    }
}
