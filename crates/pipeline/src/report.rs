//! Report: frequencies with intervals, agreement, and the CSV/JSON/HTML/
//! REFI-QDA outputs; and the import of human codings from a `.qdpx`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ::report::qdpx::{ExportOptions, ImportOptions, ImportSummary};
use ::report::AgreementUnit;
use anyhow::Context;
use serde::Serialize;

use crate::Project;

/// Which outputs to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// The table only (no files).
    Table,
    Csv,
    Json,
    Html,
    Qdpx,
    /// Every file, and the table.
    #[default]
    All,
}

#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Folder for the files; `None`: the project folder.
    pub out: Option<PathBuf>,
    pub format: Format,
    /// QDPX: only codings a human gave or confirmed.
    pub accepted_only: bool,
    pub agreement_unit: AgreementUnit,
    /// CSV `code,expected` ([`::report::read_compare`]): figures shown beside the counts.
    pub compare: Option<PathBuf>,
    /// Count moderator sentences too.
    pub include_moderators: bool,
    /// Project name in titles and the .qdpx file name; `None`: the project folder's name.
    pub name: Option<String>,
    /// The code stage's minimal-response rule: machine codings on sentences
    /// it skips (stored by a run under another rule) are not counted.
    pub spoken: themes::SpokenParams,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportSummary {
    /// The text table, for `Table` and `All`.
    pub table: Option<String>,
    /// Files written, in order.
    pub written: Vec<PathBuf>,
    pub qdpx_sources: Option<usize>,
    pub qdpx_selections: Option<usize>,
    /// Participant sentences the current classifier has not coded (new
    /// since the last `code`, or never embedded), which count for no code:
    /// a report read without knowing it under-counts them.
    pub not_coded: usize,
    /// Participant sentences the coding model read cut off at its input
    /// limit (256 word pieces), coded from their beginning alone:
    /// (document, participant, text).
    pub cut_off: Vec<(String, Option<String>, String)>,
    /// A drawn audit sample whose units were drawn from a population of
    /// another size than today's (units drawn from, units now): the
    /// corpus grew or shrank since, and the units added could not be drawn.
    pub audit_population_changed: Option<(i64, usize)>,
    /// Codes people coded the audit sample without (added to the codebook
    /// since): their figures, and those of the codes above them, are the
    /// machine's, with no interval (`CodeEstimates::audit_predates`).
    pub audit_predates_codes: Vec<String>,
    /// Codes the codebook in use no longer has (dropped or renamed in a
    /// revision) that people coded, with their codings: listed in every
    /// file beside the codebook's codes, people's codings alone (hr/03:
    /// only report.json's `in_codebook` said so).
    pub codes_not_in_codebook: Vec<(String, u64)>,
}

/// The project folder's name, for titles.
pub fn project_name(store_path: &Path) -> String {
    // A bare `autocode.db` has the empty path as its parent, which does not
    // canonicalise: the report was named "autocode" inside the project
    // folder and after it from outside (hj/02). The folder it is in is `.`.
    let parent = match store_path.parent() {
        Some(p) if p.as_os_str().is_empty() => Path::new("."),
        Some(p) => p,
        None => Path::new("."),
    };
    Some(parent)
        .and_then(|p| p.canonicalize().ok())
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "autocode".to_string())
}

/// Builds the report from the store and writes the requested files.
pub fn report(project: &mut Project, opts: &ReportOptions) -> anyhow::Result<ReportSummary> {
    let store = project.store();
    let name = opts
        .name
        .clone()
        .unwrap_or_else(|| project_name(store.path()));
    let compare = match &opts.compare {
        Some(p) => ::report::read_compare(p)?,
        None => Default::default(),
    };
    let ropts = ::report::ReportOptions {
        project: name.clone(),
        include_moderators: opts.include_moderators,
        agreement_unit: opts.agreement_unit,
        compare,
        ..Default::default()
    };
    opts.spoken.check()?;
    let mut data = ::report::ProjectData::load(store)?;
    // The sentences `code` would skip now: what the machine said there before
    // does not count (human codings and reviews do).
    let names = crate::code::names_in(&data.segments);
    let spoken = opts.spoken.beside(&names);
    let answers = crate::code::whole_answers(&data.segments);
    let skipped: BTreeSet<i64> = data
        .segments
        .iter()
        .filter(|s| {
            (spoken.skips(&s.text) && !answers.contains(&s.id))
                // A sentence that declines to answer is never the
                // machine's to code (h23/01), in a store coded before too.
                || (!s.is_moderator && corpus::non_answer::is_non_answer(&s.text))
        })
        .map(|s| s.id)
        .collect();
    data.drop_machine_codings(&skipped);
    // Without coding marks and without a classifier's record no classifier
    // has run: a project of people's codings alone (a QDA import) is not
    // warned about, but one with an audit sample is, since its estimates
    // then rest on the sample alone. A classifier that ran before (its
    // calibration record) and whose marks a re-ingest took (a survey export
    // replaced whole) leaves every sentence not coded yet: warned, not a
    // report of zeros.
    let nothing = BTreeSet::new();
    let coded = match &data.machine_coded {
        Some(coded) => Some(coded),
        None => (data.audit.is_some() || data.uncalibrated.is_some()).then_some(&nothing),
    };
    let not_coded = match coded {
        Some(coded) => data
            .segments
            .iter()
            .filter(|s| !s.is_moderator && !skipped.contains(&s.id) && !coded.contains(&s.id))
            .filter(|s| !data.human_coded.contains(&s.id))
            .filter(|s| data.gold_coverage.as_ref().is_none_or(|g| !g.covers(s.id)))
            .count(),
        None => 0,
    };
    let out = opts.out.clone().unwrap_or_else(|| {
        store
            .path()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    });
    let wants = |f: Format| opts.format == f || opts.format == Format::All;
    if opts.format != Format::Table {
        if out.exists() && !out.is_dir() {
            anyhow::bail!(
                "--out {}: a file, not a folder; the report writes several files into a folder",
                out.display()
            );
        }
        std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    }
    let final_out = out;
    // Every file is written into a staging folder inside `--out` first and
    // moved into place only when all of them are written ([`Staging`]), so
    // a run that fails half-way (a full disk, a kill) leaves the last
    // complete report as it was. Before, a full disk left report.json
    // truncated, report.csv of tonight and report.html of last night.
    let staging = (opts.format != Format::Table)
        .then(|| Staging::create(&final_out))
        .transpose()?;
    let out = staging
        .as_ref()
        .map_or_else(|| final_out.clone(), |s| s.dir.clone());
    // The units today, as `audit draw` counts them.
    let audit_population_changed =
        data.audit
            .as_ref()
            .filter(|a| a.origin == "draw")
            .and_then(|a| {
                let now = crate::audit::population(&data.segments, a.unit).len();
                (a.population != now as i64).then_some((a.population, now))
            });
    let mut summary = ReportSummary {
        table: None,
        written: Vec::new(),
        qdpx_sources: None,
        qdpx_selections: None,
        not_coded,
        cut_off: store.truncated_participant_segments_coded()?,
        audit_population_changed,
        audit_predates_codes: Vec::new(),
        codes_not_in_codebook: Vec::new(),
    };
    // The report's tables and their files on one thread, the .qdpx (which
    // reads the store, so stays on this one) beside it: they share only
    // `data`, and at 100k sentences each takes about half a second.
    let (built, qdpx) = std::thread::scope(|scope| {
        let tables = scope.spawn(|| -> anyhow::Result<(::report::Report, Vec<PathBuf>)> {
            let r = ::report::build_from(&data, &ropts);
            let mut written = Vec::new();
            if wants(Format::Csv) {
                written.extend(::report::output::write_csv(&r, &out)?);
                written.push(::report::output::write_segments_csv(
                    &data,
                    opts.include_moderators,
                    &out,
                )?);
            }
            if wants(Format::Json) {
                let p = out.join("report.json");
                std::fs::write(&p, ::report::output::render_json(&r))
                    .with_context(|| format!("writing {}", p.display()))?;
                written.push(p);
            }
            if wants(Format::Html) {
                let p = out.join("report.html");
                std::fs::write(&p, ::report::html::render_html(&r))
                    .with_context(|| format!("writing {}", p.display()))?;
                written.push(p);
            }
            Ok((r, written))
        });
        let qdpx = if wants(Format::Qdpx) {
            Some(write_qdpx(store, &data, &name, &out, opts.accepted_only))
        } else {
            None
        };
        let built = tables
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (built, qdpx)
    });
    let (r, written) = built?;
    summary.written = written;
    // In codebook order, each code once (a parent lists its children's).
    let mut seen = BTreeSet::new();
    summary.audit_predates_codes = r
        .codes
        .iter()
        .filter(|c| c.estimates.audit_predates.contains(&c.code_id))
        .map(|c| c.code_id.clone())
        .filter(|c| seen.insert(c.clone()))
        .collect();
    summary.codes_not_in_codebook = r
        .codes
        .iter()
        .filter(|c| !c.in_codebook)
        .map(|c| (c.code_id.clone(), c.codings))
        .collect();
    if let Some(qdpx) = qdpx {
        let (p, s) = qdpx?;
        tracing::info!("qdpx: {} sources, {} selections", s.sources, s.selections);
        summary.qdpx_sources = Some(s.sources);
        summary.qdpx_selections = Some(s.selections);
        summary.written.push(p);
    }
    if let Some(staging) = staging {
        summary.written = staging.publish(&summary.written, &final_out)?;
    }
    if opts.format == Format::Table || opts.format == Format::All {
        summary.table = Some(::report::output::render_table(&r));
    }
    Ok(summary)
}

/// A hidden folder in the report's `--out` that a run writes its files
/// into; [`Staging::publish`] moves them into `--out` (a rename each, on
/// the same file system); dropping it removes it with whatever is left
/// (everything, when a run failed before publishing). Named by the process, so two reports written into
/// one folder at once do not share it; one a kill left behind stays
/// (`.autocode-report-<pid>`) and may be deleted.
struct Staging {
    dir: PathBuf,
}

impl Staging {
    fn create(out: &Path) -> anyhow::Result<Staging> {
        let dir = out.join(format!(".autocode-report-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
        }
        std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Staging { dir })
    }

    /// Moves `written` (files in the staging folder) into `out`; returns
    /// their new paths.
    fn publish(self, written: &[PathBuf], out: &Path) -> anyhow::Result<Vec<PathBuf>> {
        let mut moved = Vec::with_capacity(written.len());
        for p in written {
            let name = p
                .file_name()
                .with_context(|| format!("{}: no file name", p.display()))?;
            let to = out.join(name);
            std::fs::rename(p, &to)
                .with_context(|| format!("moving {} to {}", p.display(), to.display()))?;
            moved.push(to);
        }
        // Drop removes the folder, empty now.
        Ok(moved)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes the project's REFI-QDA file, `<name>.qdpx` in `out` (the name's
/// characters other than letters, digits, `-`, `_` and `.` as `_`, without
/// leading dots; `project.qdpx` for a name left empty).
fn write_qdpx(
    store: &store::Store,
    data: &::report::ProjectData,
    name: &str,
    out: &Path,
    accepted_only: bool,
) -> anyhow::Result<(PathBuf, ::report::qdpx::ExportSummary)> {
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
    // `--name ""`, `.` or `..` wrote `.qdpx` or `..qdpx`, a hidden file:
    // leading dots go, and a name left empty is `project`.
    let file = match file.trim_start_matches('.') {
        "" => "project",
        kept => kept,
    };
    let p = out.join(format!("{file}.qdpx"));
    let s = ::report::qdpx::export_qdpx(
        store,
        data,
        &ExportOptions {
            project: name.to_string(),
            accepted_only,
        },
        &p,
    )?;
    Ok((p, s))
}

/// Imports the human codings of a REFI-QDA project.
pub fn import_qdpx(
    project: &mut Project,
    path: &Path,
    opts: &ImportOptions,
) -> anyhow::Result<ImportSummary> {
    ::report::qdpx::import_qdpx(project.store_mut(), path, opts)
        .with_context(|| format!("importing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// hj/02: a store named bare (`autocode.db`, the default inside the
    /// project folder) names the report after the folder it is in, as its
    /// full path does.
    #[test]
    fn a_bare_store_name_is_named_after_its_folder() {
        let here = std::env::current_dir().unwrap();
        let folder = here.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(project_name(Path::new("autocode.db")), folder);
        assert_eq!(project_name(&here.join("autocode.db")), folder);
    }

    /// hd/03: a report that fails half-way leaves the last complete one as
    /// it was and no staging folder; one that finishes replaces it whole.
    #[test]
    fn report_files_are_replaced_only_when_all_are_written() {
        let out = tempfile::tempdir().unwrap();
        std::fs::write(out.path().join("report.json"), "{\"night\": 1}").unwrap();
        std::fs::write(out.path().join("report.csv"), "night,1\n").unwrap();
        let listing = |p: &Path| {
            let mut names: Vec<String> = std::fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        // Night 2 writes one file, then fails (dropped unpublished).
        {
            let staging = Staging::create(out.path()).unwrap();
            std::fs::write(staging.dir.join("report.json"), "{\"night\": 2").unwrap();
        }
        assert_eq!(listing(out.path()), ["report.csv", "report.json"]);
        assert_eq!(
            std::fs::read_to_string(out.path().join("report.json")).unwrap(),
            "{\"night\": 1}"
        );
        // Night 3 writes both and publishes.
        let staging = Staging::create(out.path()).unwrap();
        let written: Vec<PathBuf> = ["report.json", "report.csv"]
            .iter()
            .map(|n| {
                let p = staging.dir.join(n);
                std::fs::write(&p, "3").unwrap();
                p
            })
            .collect();
        let moved = staging.publish(&written, out.path()).unwrap();
        assert_eq!(
            moved,
            [
                out.path().join("report.json"),
                out.path().join("report.csv")
            ]
        );
        assert_eq!(listing(out.path()), ["report.csv", "report.json"]);
        assert_eq!(
            std::fs::read_to_string(out.path().join("report.csv")).unwrap(),
            "3"
        );
    }
}
