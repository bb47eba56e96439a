//! `autocode run`, `runs`, `merge`: the nightly batch.
//!
//! A run is the pipeline's subcommands in order — ingest → embed → code →
//! themes → report — each invoked exactly as a user would type it, with flags
//! taken from `autocode.toml`. Every stage is incremental on its own (content
//! hashes, the embedding cache, codings keyed by codebook and classifier), so
//! the run only does what changed, and a killed run resumes where the store
//! says it stopped.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Args, Parser};
use serde::Deserialize;

use super::{Global, Outcome, EXIT_PARTIAL};

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

/// `autocode.toml`. Relative paths are relative to the file's folder.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    #[serde(default)]
    pub project: ProjectConfig,
    pub inputs: InputsConfig,
    #[serde(default)]
    pub model: ModelConfig,
    #[serde(default)]
    pub codebook: CodebookConfig,
    #[serde(default)]
    pub code: CodeConfig,
    #[serde(default)]
    pub themes: ThemesConfig,
    #[serde(default)]
    pub report: ReportConfig,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    pub name: Option<String>,
    /// The store (a file or a folder holding autocode.db).
    pub store: Option<PathBuf>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct InputsConfig {
    /// Folders, files or glob patterns.
    pub paths: Vec<String>,
    pub participants: Option<PathBuf>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    pub path: Option<PathBuf>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CodebookConfig {
    pub path: Option<PathBuf>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CodeConfig {
    pub mode: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ThemesConfig {
    pub enabled: Option<bool>,
    pub seed: Option<u64>,
    pub min_size: Option<usize>,
    pub max_themes: Option<usize>,
    /// Carry the latest themes forward on small changes (default true).
    pub incremental: Option<bool>,
    /// Share of new or gone sentences above which themes are re-clustered (default 0.1).
    pub refit_share: Option<f64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    pub enabled: Option<bool>,
    pub out: Option<PathBuf>,
    /// CSV of `code,expected` figures shown beside the counts.
    pub compare: Option<PathBuf>,
}

impl RunConfig {
    pub fn load(path: &Path) -> anyhow::Result<RunConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        let mut cfg: RunConfig =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
        let fix = |p: &mut Option<PathBuf>| {
            if let Some(v) = p.as_mut() {
                if v.is_relative() {
                    *v = base.join(&*v);
                }
            }
        };
        fix(&mut cfg.project.store);
        fix(&mut cfg.inputs.participants);
        fix(&mut cfg.model.path);
        fix(&mut cfg.codebook.path);
        fix(&mut cfg.report.out);
        fix(&mut cfg.report.compare);
        for p in &mut cfg.inputs.paths {
            if Path::new(p).is_relative() {
                *p = base.join(&*p).to_string_lossy().into_owned();
            }
        }
        if cfg.inputs.paths.is_empty() {
            bail!("{}: [inputs] paths is empty", path.display());
        }
        Ok(cfg)
    }

    /// Inputs with globs expanded, in sorted order.
    fn input_paths(&self) -> anyhow::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for p in &self.inputs.paths {
            if p.contains(['*', '?', '[']) {
                let mut hits: Vec<PathBuf> = glob::glob(p)
                    .with_context(|| format!("bad glob pattern {p}"))?
                    .collect::<Result<_, _>>()?;
                hits.sort();
                if hits.is_empty() {
                    bail!("input pattern {p} matches no file");
                }
                out.extend(hits);
            } else {
                out.push(PathBuf::from(p));
            }
        }
        Ok(out)
    }
}

/// A shard of a job array: this process handles shard `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn parse(s: &str) -> anyhow::Result<Shard> {
        let (i, n) = s
            .split_once('/')
            .with_context(|| format!("--shard {s}: expected I/N, e.g. 0/4"))?;
        let index: u32 = i
            .trim()
            .parse()
            .with_context(|| format!("--shard {s}: bad I"))?;
        let count: u32 = n
            .trim()
            .parse()
            .with_context(|| format!("--shard {s}: bad N"))?;
        if count == 0 || index >= count {
            bail!("--shard {s}: need 0 <= I < N");
        }
        Ok(Shard { index, count })
    }

    /// From the flag, or the job array variables of Slurm or Kubernetes.
    pub fn from_env_or(flag: Option<&str>) -> anyhow::Result<Option<Shard>> {
        if let Some(s) = flag {
            return Shard::parse(s).map(Some);
        }
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let (Some(i), Some(n)) = (var("SLURM_ARRAY_TASK_ID"), var("SLURM_ARRAY_TASK_COUNT")) {
            // Slurm arrays may start at any index; the documented scripts use --array=0-(N-1).
            return Shard::parse(&format!("{i}/{n}")).map(Some);
        }
        if let Some(i) = var("JOB_COMPLETION_INDEX") {
            let n = var("AUTOCODE_SHARD_COUNT")
                .context("JOB_COMPLETION_INDEX is set but AUTOCODE_SHARD_COUNT is not (set it to the Job's completions)")?;
            return Shard::parse(&format!("{i}/{n}")).map(Some);
        }
        Ok(None)
    }

    /// Whether the document belongs to this shard: the first 8 bytes of
    /// sha256(name), big-endian, modulo the shard count.
    pub fn contains(&self, document_name: &str) -> bool {
        use sha2::{Digest, Sha256};
        let h = Sha256::digest(document_name.as_bytes());
        let v = u64::from_be_bytes(h[..8].try_into().expect("sha256 has 32 bytes"));
        v % u64::from(self.count) == u64::from(self.index)
    }

    pub fn label(&self) -> String {
        format!("{}/{}", self.index, self.count)
    }
}

/// The store a (possibly sharded) run writes.
fn store_path(g: &Global, cfg: &RunConfig, shard: Option<Shard>) -> PathBuf {
    let explicit = g.project != Path::new("autocode.db");
    let base = match (&cfg.project.store, explicit) {
        (Some(p), false) => p.clone(),
        _ => g.project.clone(),
    };
    let base = store::resolve(&base);
    match shard {
        None => base,
        Some(s) => {
            let stem = base.file_stem().unwrap_or_default().to_string_lossy();
            base.with_file_name(format!("{stem}.shard-{}-of-{}.db", s.index, s.count))
        }
    }
}

/// Holds an exclusive lock on `<store>.lock` for the life of the run; the
/// kernel drops it when the process dies, so a killed run never blocks the next.
struct ProjectLock {
    _file: File,
}

impl ProjectLock {
    fn acquire(store: &Path) -> anyhow::Result<ProjectLock> {
        let path = store.with_extension("lock");
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)?;
            }
        }
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening lock {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(ProjectLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "another autocode run holds the lock on {} (project {}); wait for it to finish",
                path.display(),
                store.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("locking {}", path.display()))
            }
        }
    }
}

/// One stage's result in the summary.
#[derive(Debug, serde::Serialize)]
struct StageSummary {
    stage: &'static str,
    exit_code: u8,
    seconds: f64,
}

/// While alive, what the stages print to stdout goes to stderr, so that
/// `--json` leaves stdout to the one summary object.
struct StdoutToStderr {
    saved: i32,
}

impl StdoutToStderr {
    fn new() -> anyhow::Result<StdoutToStderr> {
        use std::io::Write;
        std::io::stdout().flush()?;
        // SAFETY: dup/dup2 on the process's own standard descriptors.
        let saved = unsafe { libc::dup(1) };
        if saved < 0 || unsafe { libc::dup2(2, 1) } < 0 {
            anyhow::bail!("redirecting stdout: {}", std::io::Error::last_os_error());
        }
        Ok(StdoutToStderr { saved })
    }
}

impl Drop for StdoutToStderr {
    fn drop(&mut self) {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        // SAFETY: restores the descriptor saved in `new`.
        unsafe {
            libc::dup2(self.saved, 1);
            libc::close(self.saved);
        }
    }
}

/// Runs one subcommand in-process, exactly as `autocode --project P <argv>`.
fn stage(g: &Global, store: &Path, argv: &[String]) -> anyhow::Result<u8> {
    let mut full: Vec<String> = vec!["autocode".into(), "--project".into()];
    full.push(store.to_string_lossy().into_owned());
    if g.quiet {
        full.push("--quiet".into());
    }
    full.extend(argv.iter().cloned());
    let cli = super::Cli::try_parse_from(&full)
        .with_context(|| format!("building the `{}` stage", argv[0]))?;
    let code = super::dispatch(cli).with_context(|| format!("stage `{}`", argv[0]))?;
    Ok(exit_code_value(code))
}

fn exit_code_value(code: ExitCode) -> u8 {
    if code == ExitCode::SUCCESS {
        0
    } else if code == ExitCode::from(EXIT_PARTIAL) {
        EXIT_PARTIAL
    } else {
        1
    }
}

fn path_arg(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

pub fn run(g: &Global, a: RunArgs) -> Outcome {
    let cfg = RunConfig::load(&a.config)?;
    let shard = Shard::from_env_or(a.shard.as_deref())?;
    let store_file = store_path(g, &cfg, shard);
    let _lock = ProjectLock::acquire(&store_file)?;
    let store = store::Store::open_or_create(&store_file)?;
    let before = store.table_counts()?;
    let run_id = store.start_run(&match shard {
        Some(s) => format!("run --shard {}", s.label()),
        None => "run".to_string(),
    })?;
    drop(store);

    let mut stages: Vec<(&'static str, Vec<String>)> = Vec::new();
    let mut ingest = vec!["ingest".to_string()];
    ingest.extend(cfg.input_paths()?.iter().map(|p| path_arg(p)));
    if let Some(p) = &cfg.inputs.participants {
        ingest.extend(["--participants".into(), path_arg(p)]);
    }
    if let Some(s) = shard {
        ingest.extend(["--shard".into(), s.label()]);
    }
    stages.push(("ingest", ingest));
    let mut embed = vec!["embed".to_string()];
    if let Some(m) = &cfg.model.path {
        embed.extend(["--model".into(), path_arg(m)]);
    }
    stages.push(("embed", embed));
    if cfg.code.enabled.unwrap_or(true) {
        if let Some(cb) = &cfg.codebook.path {
            let mut code = vec!["code".to_string(), "--codebook".into(), path_arg(cb)];
            if let Some(m) = &cfg.model.path {
                code.extend(["--model".into(), path_arg(m)]);
            }
            if let Some(c) = &cfg.report.compare {
                code.extend(["--expected".into(), path_arg(c)]);
            }
            if let Some(mode) = &cfg.code.mode {
                code.extend(["--mode".into(), mode.clone()]);
            }
            stages.push(("code", code));
        }
    }
    if shard.is_none() {
        stages.extend(whole_corpus_stages(&cfg));
    }

    let started = Instant::now();
    let quiet_stdout = if a.json {
        Some(StdoutToStderr::new()?)
    } else {
        None
    };
    let mut summaries = Vec::new();
    let mut worst = 0u8;
    let mut failure = None;
    for (name, argv) in &stages {
        if *name == "themes" && themes_up_to_date(&store_file, &before, argv)? {
            tracing::info!(
                stage = *name,
                "skipped: corpus, embeddings and settings unchanged"
            );
            summaries.push(StageSummary {
                stage: name,
                exit_code: 0,
                seconds: 0.0,
            });
            continue;
        }
        tracing::info!(stage = *name, "starting");
        let t = Instant::now();
        match stage(g, &store_file, argv) {
            Ok(code) => {
                worst = worst.max(code);
                if *name == "themes" && code == 0 {
                    store::Store::open(&store_file)?
                        .set_meta("last_themes_args", &argv.join(" "))?;
                }
                summaries.push(StageSummary {
                    stage: name,
                    exit_code: code,
                    seconds: t.elapsed().as_secs_f64(),
                });
                // Bad input (2) in ingest still lets the good documents go on.
                if code == 1 {
                    failure = Some(anyhow::anyhow!("stage `{name}` failed"));
                    break;
                }
            }
            Err(e) => {
                summaries.push(StageSummary {
                    stage: name,
                    exit_code: 1,
                    seconds: t.elapsed().as_secs_f64(),
                });
                failure = Some(e);
                break;
            }
        }
    }

    drop(quiet_stdout);
    let store = store::Store::open(&store_file)?;
    let after = store.table_counts()?;
    let mut changed = serde_json::Map::new();
    for (k, v) in &after {
        let delta = v.as_i64().unwrap_or(0) - before.get(k).and_then(|x| x.as_i64()).unwrap_or(0);
        changed.insert(k.clone(), delta.into());
    }
    let status = match (&failure, worst) {
        (Some(_), _) => "failed",
        (None, 2) => "partial",
        _ => "ok",
    };
    let versions = serde_json::json!({
        "autocode": env!("CARGO_PKG_VERSION"),
        "model_key": store.meta("model_key")?,
        "schema": store::schema_version(),
    });
    let counts = serde_json::json!({ "totals": after, "changed": changed, "stages": summaries });
    store.finish_run(run_id, status, &versions, &counts)?;
    let summary = serde_json::json!({
        "run": run_id,
        "status": status,
        "store": store_file,
        "shard": shard.map(|s| s.label()),
        "seconds": started.elapsed().as_secs_f64(),
        "versions": versions,
        "counts": counts,
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else if !g.quiet {
        let nothing = changed.values().all(|v| v.as_i64() == Some(0));
        println!(
            "run {run_id} {status} in {:.1}s{}",
            started.elapsed().as_secs_f64(),
            if nothing && failure.is_none() {
                " — nothing changed since the last run"
            } else {
                ""
            }
        );
        for (k, v) in &changed {
            println!("  {k:<18} {:>+8}  (now {})", v, after[k]);
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(ExitCode::from(worst))
}

/// Clustering is the one stage that is not incremental by itself: it redoes
/// the whole corpus. Skip it when no sentence, vector or coding changed since
/// the run began and the last clustering used the same flags.
fn themes_up_to_date(
    store_file: &Path,
    before: &serde_json::Map<String, serde_json::Value>,
    argv: &[String],
) -> anyhow::Result<bool> {
    let store = store::Store::open(store_file)?;
    let now = store.table_counts()?;
    let unchanged = ["documents", "segments", "embeddings", "codings"]
        .iter()
        .all(|t| now.get(*t) == before.get(*t));
    let has_run: bool =
        store
            .conn()
            .query_row("SELECT EXISTS(SELECT 1 FROM theme_runs)", [], |r| r.get(0))?;
    let args = argv.join(" ");
    let same_args = store.meta("last_themes_args")?.as_deref() == Some(args.as_str());
    Ok(unchanged && has_run && same_args)
}

/// Themes and report need the whole corpus: after an unsharded run, or after `merge`.
fn whole_corpus_stages(cfg: &RunConfig) -> Vec<(&'static str, Vec<String>)> {
    let mut stages = Vec::new();
    if cfg.themes.enabled.unwrap_or(true) {
        let mut themes = vec!["themes".to_string()];
        if let Some(s) = cfg.themes.seed {
            themes.extend(["--seed".into(), s.to_string()]);
        }
        if let Some(n) = cfg.themes.min_size {
            themes.extend(["--min-size".into(), n.to_string()]);
        }
        if let Some(n) = cfg.themes.max_themes {
            themes.extend(["--max-themes".into(), n.to_string()]);
        }
        if cfg.themes.incremental.unwrap_or(true) {
            themes.push("--incremental".into());
        }
        if let Some(s) = cfg.themes.refit_share {
            themes.extend(["--refit-share".into(), s.to_string()]);
        }
        stages.push(("themes", themes));
    }
    if cfg.report.enabled.unwrap_or(true) {
        let mut report = vec!["report".to_string()];
        if let Some(out) = &cfg.report.out {
            report.extend([
                "--out".into(),
                path_arg(out),
                "--format".into(),
                "all".into(),
            ]);
        }
        if let Some(name) = &cfg.project.name {
            report.extend(["--name".into(), name.clone()]);
        }
        if let Some(c) = &cfg.report.compare {
            report.extend(["--compare".into(), path_arg(c)]);
        }
        stages.push(("report", report));
    }
    stages
}

pub fn runs(g: &Global, a: RunsArgs) -> Outcome {
    let store = super::open_store(g)?;
    let runs = store.runs()?;
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
        Some(cfg) => store_path(g, cfg, None),
        None => store::resolve(&g.project),
    };
    let _lock = ProjectLock::acquire(&store_file)?;
    let mut store = store::Store::open_or_create(&store_file)?;
    let run_id = store.start_run("merge")?;
    let mut per_shard = Vec::new();
    // Merge in name order so the merged ids do not depend on argument order.
    let mut shards = a.shards.clone();
    shards.sort();
    for shard in &shards {
        let stats = store
            .merge_shard(shard)
            .with_context(|| format!("merging {}", shard.display()))?;
        per_shard.push(serde_json::json!({ "shard": shard, "stats": stats }));
    }
    // Later stages default to the model the shards embedded with.
    if store.meta("model_key")?.is_none() {
        for shard in &shards {
            let s = store::Store::open(shard)?;
            if let (Some(k), p) = (s.meta("model_key")?, s.meta("model_path")?) {
                store.set_meta("model_key", &k)?;
                if let Some(p) = p {
                    store.set_meta("model_path", &p)?;
                }
                break;
            }
        }
    }
    drop(store);
    let mut worst = 0;
    let quiet_stdout = if a.json {
        Some(StdoutToStderr::new()?)
    } else {
        None
    };
    if let Some(cfg) = &cfg {
        for (name, argv) in whole_corpus_stages(cfg) {
            let code =
                stage(g, &store_file, &argv).with_context(|| format!("after merge: {name}"))?;
            worst = worst.max(code);
        }
    }
    drop(quiet_stdout);
    let store = store::Store::open(&store_file)?;
    let counts = serde_json::json!({ "shards": per_shard, "totals": store.table_counts()? });
    store.finish_run(
        run_id,
        if worst == 0 { "ok" } else { "partial" },
        &serde_json::json!({}),
        &counts,
    )?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&counts)?);
    } else if !g.quiet {
        for s in &per_shard {
            println!(
                "merged {}: {}",
                s["shard"].as_str().unwrap_or(""),
                s["stats"]
            );
        }
    }
    Ok(ExitCode::from(worst))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parsing_rejects_out_of_range() {
        assert_eq!(Shard::parse("1/4").unwrap(), Shard { index: 1, count: 4 });
        assert!(Shard::parse("4/4").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("x").unwrap_err().to_string().contains("I/N"));
    }

    #[test]
    fn every_document_falls_in_exactly_one_shard() {
        let shards: Vec<Shard> = (0..4).map(|i| Shard { index: i, count: 4 }).collect();
        let mut sizes = [0; 4];
        for n in 0..400 {
            let name = format!("transcripts/group-{n}.txt");
            let hits: Vec<usize> = (0..4).filter(|&i| shards[i].contains(&name)).collect();
            assert_eq!(hits.len(), 1, "{name}");
            sizes[hits[0]] += 1;
        }
        assert!(sizes.iter().all(|&n| n > 60), "unbalanced: {sizes:?}");
    }
}
