//! `autocode run`, `runs`, `merge`: the nightly batch. Arguments and
//! printing; the batch itself is `pipeline::run` (which calls each stage as
//! a function) and `pipeline::merge`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use pipeline::run::{RunOptions, StageOutput};
use pipeline::{RunConfig, Shard};

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Project configuration (inputs, participants, model, codebook, thresholds, outputs).
    #[arg(long, default_value = "autocode.toml")]
    pub config: PathBuf,
    /// Process only shard I of N (0-based), writing a shard store
    /// `<store>.shard-I-of-N.db`; themes and report are left to `merge`.
    /// Also read from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT or
    /// JOB_COMPLETION_INDEX/AUTOCODE_SHARD_COUNT.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Print a machine-readable summary as one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct RunsArgs {
    /// Print the run records as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Shard stores written by `autocode run --shard I/N`.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// After merging, run the stages that need the whole corpus (themes,
    /// report) as configured in this file.
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

/// The store `--project` or AUTOCODE_PROJECT named, which overrides the
/// config's `[project] store`; `None` when the default applies. Given is
/// given, whatever the value: `--project autocode.db` is the store in this
/// folder, not "no `--project`" (h5/01).
fn explicit_project(g: &Global) -> Option<PathBuf> {
    g.project_given.then(|| g.project.clone())
}

/// Prints what a stage printed when run on its own: to stdout, or to
/// stderr under `--json` (stdout is then the one summary object).
fn stage_printer(g: &Global, json: bool) -> impl FnMut(&StageOutput) + '_ {
    move |out: &StageOutput| {
        let mut stdout = std::io::stdout().lock();
        let mut stderr = std::io::stderr().lock();
        let w: &mut dyn Write = if json { &mut stderr } else { &mut stdout };
        let printed = match out {
            StageOutput::Ingest(s) => super::ingest::print(g, s, w).map_err(Into::into),
            StageOutput::Embed(s) => super::embed::print(g, s, w).map_err(Into::into),
            StageOutput::Code(s) => super::code::print(g, s, false, w),
            StageOutput::Themes(Some(s)) => super::themes::print(s, false, w),
            StageOutput::Themes(_) => Ok(()),
            StageOutput::Report(s) => super::report::print(g, s, w).map_err(Into::into),
        };
        if let Err(e) = printed.and_then(|()| w.flush().map_err(Into::into)) {
            tracing::warn!("printing the {} stage: {e}", out.stage());
        }
    }
}

pub fn run(g: &Global, a: RunArgs) -> Outcome {
    let opts = RunOptions {
        config: RunConfig::load(&a.config)?,
        project: explicit_project(g),
        shard: Shard::from_env_or(a.shard.as_deref())?,
        progress: !g.quiet,
        autocode_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let mut printer = stage_printer(g, a.json);
    let mut on_stage = |out: &StageOutput| {
        printer(out);
        // The encoder's allocation pattern is the embed stage's alone: the
        // heap keeps large buffers from ingest's end to embed's end, then
        // gives the memory back for the stages after it.
        match out {
            StageOutput::Ingest(_) => crate::large_buffers_stay_in_the_heap(),
            StageOutput::Embed(_) => crate::heap_back_to_defaults(),
            _ => {}
        }
    };
    let summary = pipeline::run(&opts, &mut on_stage)?;
    if a.json {
        let v = serde_json::to_value(&summary)?;
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else if !g.quiet {
        println!(
            "run {} {} in {:.1}s{}",
            summary.run,
            summary.status,
            summary.seconds,
            if summary.nothing_changed() {
                " — nothing changed since the last run"
            } else {
                ""
            }
        );
        for (k, v) in &summary.counts.changed {
            println!("  {k:<18} {:>+8}  (now {})", v, summary.counts.totals[k]);
        }
    }
    if let Some(e) = summary.failure {
        return Err(e);
    }
    Ok(ExitCode::from(summary.exit_code))
}

pub fn runs(g: &Global, a: RunsArgs) -> Outcome {
    let store = super::open_store(g)?;
    let runs = pipeline::run::run_records(&store)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&runs)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:>4}  {:<20}  {:<20}  {:<11}  command",
        "id", "started", "ended", "status"
    );
    for r in runs {
        println!(
            "{:>4}  {:<20}  {:<20}  {:<11}  {}",
            r.id,
            r.started_at,
            r.ended_at.unwrap_or_default(),
            r.status,
            r.command
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn merge(g: &Global, a: MergeArgs) -> Outcome {
    let cfg = a.config.as_deref().map(RunConfig::load).transpose()?;
    let store_file = match &cfg {
        Some(cfg) => cfg.store_path(explicit_project(g).as_deref(), None),
        None => store::resolve(&g.project),
    };
    let mut printer = stage_printer(g, a.json);
    let summary = pipeline::merge(&store_file, &a.shards, cfg.as_ref(), &mut printer)?;
    if a.json {
        let v = serde_json::to_value(&summary)?;
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else if !g.quiet {
        for s in &summary.shards {
            println!(
                "merged {}: {}",
                s["shard"].as_str().unwrap_or(""),
                s["stats"]
            );
        }
    }
    Ok(ExitCode::from(summary.exit_code))
}
