//! The nightly batch: ingest → embed → code → themes → report, each stage
//! called as a function with options built from `autocode.toml`. Every
//! stage is incremental on its own (content hashes, the embedding cache,
//! codings keyed by codebook and classifier, [`crate::themes::up_to_date`]),
//! so a run only does what changed, and a killed run resumes where the store
//! says it stopped. Also the project lock, shards and `merge`.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use crate::code::{CodeOptions, CodeSummary};
use crate::embed::{EmbedOptions, EmbedSummary, ModelOptions};
use crate::ingest::{IngestOptions, IngestSummary};
use crate::report::{Format, ReportOptions, ReportSummary};
use crate::themes::{ThemesOptions, ThemesSummary};
use crate::{ExitStatus, Project, EXIT_PARTIAL};

/// `autocode.toml`. Relative paths are relative to the file's folder.
#[derive(Debug, Deserialize, Default, Clone)]
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
    pub audit: Option<AuditConfig>,
    #[serde(default)]
    pub themes: ThemesConfig,
    #[serde(default)]
    pub report: ReportConfig,
    #[serde(default)]
    pub spoken: SpokenConfig,
    /// The file this was read from (for messages).
    #[serde(skip)]
    pub source: PathBuf,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    pub name: Option<String>,
    /// The store (a file or a folder holding autocode.db).
    pub store: Option<PathBuf>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct InputsConfig {
    /// Folders, files or glob patterns.
    pub paths: Vec<String>,
    pub participants: Option<PathBuf>,
    /// Named speakers who are the interviewer (`--interviewer`).
    #[serde(default)]
    pub interviewers: Vec<String>,
    /// Documents file (case attributes per document).
    pub documents: Option<PathBuf>,
    /// CSV/JSONL columns, as `autocode ingest`'s `--text-column` etc.
    pub text_column: Option<String>,
    pub speaker_column: Option<String>,
    pub doc_column: Option<String>,
    pub start_column: Option<String>,
    pub end_column: Option<String>,
    /// A wide survey export's open questions (`--question-column`).
    #[serde(default)]
    pub question_columns: Vec<String>,
    /// Columns holding the speaker's attributes (`--attribute-column`).
    #[serde(default)]
    pub attribute_columns: Vec<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    pub path: Option<PathBuf>,
    /// "f32" (default), "bf16" or "int8": see `embed::Precision`.
    pub precision: Option<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct CodebookConfig {
    pub path: Option<PathBuf>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct CodeConfig {
    /// auto | supervised | zero-shot
    pub mode: Option<String>,
    pub enabled: Option<bool>,
}

/// `[audit]`: draw a random audit sample before coding, and import a gold
/// file's codes for the drawn units only (people coded them elsewhere; the
/// demo plays them from its gold standard).
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// participant | sentence | document (default participant).
    pub unit: Option<String>,
    pub size: Option<usize>,
    pub fraction: Option<f64>,
    pub seed: Option<u64>,
    /// Gold JSONL whose lines for the drawn units are imported (`--audit-only`).
    pub gold: Option<PathBuf>,
}

#[derive(Debug, Deserialize, Default, Clone)]
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

/// `[spoken]`: the minimal-response rule of the code and themes stages
/// (`themes::SpokenParams`; unset keys take its defaults).
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct SpokenConfig {
    /// Leave minimal responses out of coding and themes (default true).
    pub skip_minimal: Option<bool>,
    /// Fewer content words than this make a minimal response (default 1).
    pub min_content_words: Option<usize>,
}

impl SpokenConfig {
    pub fn params(&self) -> themes::SpokenParams {
        let d = themes::SpokenParams::default();
        themes::SpokenParams {
            skip_minimal: self.skip_minimal.unwrap_or(d.skip_minimal),
            min_content_words: self.min_content_words.unwrap_or(d.min_content_words),
        }
    }
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    pub enabled: Option<bool>,
    pub out: Option<PathBuf>,
    /// CSV of `code,expected` figures shown beside the counts.
    pub compare: Option<PathBuf>,
}

/// A stage's message about its command-line options (`--refit-share`) as
/// the config file names them (`refit_share`).
fn as_config_fields(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("--") {
        out.push_str(&rest[..at]);
        let name = &rest[at + 2..];
        let end = name
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .unwrap_or(name.len());
        if end == 0 {
            out.push_str("--");
        } else {
            out.push_str(&name[..end].replace('-', "_"));
        }
        rest = &name[end..];
    }
    out.push_str(rest);
    out
}

impl RunConfig {
    /// Reads and checks the file: relative paths resolved against its
    /// folder, inputs not empty, every stage's options valid.
    pub fn load(path: &Path) -> anyhow::Result<RunConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        let mut cfg: RunConfig =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        cfg.source = path.to_path_buf();
        // An empty path would be joined onto the config's folder or read
        // as nothing ("opening lock : No such file or directory").
        for (key, value) in [
            ("[project] store", &cfg.project.store),
            ("[inputs] participants", &cfg.inputs.participants),
            ("[inputs] documents", &cfg.inputs.documents),
            ("[model] path", &cfg.model.path),
            ("[codebook] path", &cfg.codebook.path),
            ("[report] out", &cfg.report.out),
            ("[report] compare", &cfg.report.compare),
        ] {
            if value.as_ref().is_some_and(|v| v.as_os_str().is_empty()) {
                bail!(
                    "{}: {key} is empty: give a path, or leave the key out for its default",
                    path.display()
                );
            }
        }
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
        fix(&mut cfg.inputs.documents);
        fix(&mut cfg.model.path);
        fix(&mut cfg.codebook.path);
        fix(&mut cfg.report.out);
        fix(&mut cfg.report.compare);
        if let Some(a) = cfg.audit.as_mut() {
            fix(&mut a.gold);
        }
        for p in &mut cfg.inputs.paths {
            if Path::new(p).is_relative() {
                *p = base.join(&*p).to_string_lossy().into_owned();
            }
        }
        if cfg.inputs.paths.is_empty() {
            bail!("{}: [inputs] paths is empty", path.display());
        }
        cfg.model_precision()?;
        cfg.code_options()?;
        cfg.audit_options()?;
        // The themes stage speaks of its command-line options.
        cfg.themes_options().check().map_err(|e| {
            anyhow::anyhow!(
                "{}: [themes] {}",
                path.display(),
                as_config_fields(&e.to_string())
            )
        })?;
        Ok(cfg)
    }

    /// Inputs with globs expanded, in sorted order.
    pub fn input_paths(&self) -> anyhow::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for p in &self.inputs.paths {
            // A folder or file that exists is itself, whatever its name
            // holds: "Interviews [2024]" was read as a pattern matching
            // nothing, and "wave[1]" as one matching the folder `wave1`.
            if p.contains(['*', '?', '[']) && !Path::new(p).exists() {
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

    /// The listing of the transcripts the inputs hold now: every file's
    /// name and content hash ([`InputListing`]). Each `run --shard I/N`
    /// records it (all shards read the same listing, each keeping its own
    /// part), and `merge` compares them.
    pub fn input_listing(&self) -> anyhow::Result<InputListing> {
        use rayon::prelude::*;
        let inputs = corpus::collect_inputs(&self.input_paths()?)?;
        let mut lines: Vec<String> = inputs
            .files
            .par_iter()
            .map(|f| {
                // A file that cannot be read is listed as such: ingest
                // reports the error.
                let hash = std::fs::read(&f.path)
                    .map_or_else(|_| "unreadable".to_string(), |b| corpus::content_hash(&b));
                format!("{}\t{hash}\n", f.name)
            })
            .collect();
        lines.sort();
        Ok(InputListing {
            fingerprint: corpus::content_hash(lines.concat().as_bytes()),
            files: lines.len(),
        })
    }

    pub fn ingest_options(&self, shard: Option<Shard>) -> anyhow::Result<IngestOptions> {
        let d = IngestOptions::default();
        let i = &self.inputs;
        Ok(IngestOptions {
            paths: self.input_paths()?,
            participants: i.participants.clone(),
            interviewers: i.interviewers.clone(),
            documents: i.documents.clone(),
            text_column: i.text_column.clone().unwrap_or(d.text_column),
            speaker_column: i.speaker_column.clone(),
            doc_column: i.doc_column.clone(),
            start_column: i.start_column.clone().unwrap_or(d.start_column),
            end_column: i.end_column.clone().unwrap_or(d.end_column),
            question_columns: i.question_columns.clone(),
            attribute_columns: i.attribute_columns.clone(),
            shard,
            whole_corpus: true,
        })
    }

    /// `[model] precision`, `Precision::default()` when absent; an unknown value is an error
    /// naming the file, the value and the choices.
    pub fn model_precision(&self) -> anyhow::Result<embed::Precision> {
        match &self.model.precision {
            None => Ok(embed::Precision::default()),
            Some(p) => p
                .parse()
                .map_err(|e| anyhow::anyhow!("{}: [model] precision: {e}", self.source.display())),
        }
    }

    /// The embed stage's options (the precision as [`RunConfig::load`]
    /// checked it).
    pub fn embed_options(&self, progress: bool) -> EmbedOptions {
        EmbedOptions {
            model: ModelOptions {
                model: self.model.path.clone(),
                precision: self.model_precision().unwrap_or_default(),
                ..Default::default()
            },
            export: None,
            progress,
        }
    }

    /// The code stage's options, or `None` when it is disabled or no
    /// codebook file is configured.
    pub fn code_options(&self) -> anyhow::Result<Option<CodeOptions>> {
        if !self.code.enabled.unwrap_or(true) {
            return Ok(None);
        }
        let Some(codebook) = &self.codebook.path else {
            return Ok(None);
        };
        let mut opts = CodeOptions {
            codebook: Some(codebook.clone()),
            model: self.model.path.clone(),
            expected: self.report.compare.clone(),
            spoken: self.spoken.params(),
            ..Default::default()
        };
        if let Some(gold) = self.audit.as_ref().and_then(|a| a.gold.clone()) {
            opts.import_gold = Some(gold);
            opts.audit_only = true;
        }
        if let Some(mode) = &self.code.mode {
            opts.mode = mode.parse().map_err(|e: String| {
                anyhow::anyhow!("{}: [code] mode: {e}", self.source.display())
            })?;
        }
        Ok(Some(opts))
    }

    /// The audit draw to make before coding, when `[audit]` is configured.
    pub fn audit_options(&self) -> anyhow::Result<Option<crate::audit::AuditOptions>> {
        let Some(a) = &self.audit else {
            return Ok(None);
        };
        let src = self.source.display();
        let d = crate::audit::AuditOptions::default();
        let unit = match &a.unit {
            Some(u) => report::ppi::AuditUnit::parse(u).ok_or_else(|| {
                anyhow::anyhow!(
                    "{src}: [audit] unit {u:?}: expected participant, sentence or document"
                )
            })?,
            None => d.unit,
        };
        let size = match (a.size, a.fraction) {
            (Some(_), Some(_)) => bail!("{src}: [audit] give size or fraction, not both"),
            (Some(0), None) => {
                bail!("{src}: [audit] size 0: an audit sample needs at least one unit")
            }
            (Some(n), None) => crate::audit::AuditSize::Units(n),
            (None, Some(f)) if f > 0.0 && f <= 1.0 => crate::audit::AuditSize::Fraction(f),
            (None, Some(f)) => bail!("{src}: [audit] fraction {f}: expected a share in (0, 1]"),
            (None, None) => d.size,
        };
        Ok(Some(crate::audit::AuditOptions {
            unit,
            size,
            seed: a.seed.unwrap_or(d.seed),
            keep_extended: true,
        }))
    }

    pub fn themes_options(&self) -> ThemesOptions {
        let d = ThemesOptions::default();
        let mut params = d.params.clone();
        if let Some(s) = self.themes.seed {
            params.seed = s;
        }
        if let Some(n) = self.themes.min_size {
            params.min_size = n;
        }
        if let Some(n) = self.themes.max_themes {
            params.max_themes = n;
        }
        ThemesOptions {
            params,
            spoken: self.spoken.params(),
            incremental: self.themes.incremental.unwrap_or(true),
            refit_share: self.themes.refit_share.unwrap_or(d.refit_share),
            ..d
        }
    }

    pub fn report_options(&self) -> ReportOptions {
        ReportOptions {
            out: self.report.out.clone(),
            format: Format::All,
            name: self.project.name.clone(),
            compare: self.report.compare.clone(),
            spoken: self.spoken.params(),
            ..Default::default()
        }
    }

    /// The store a (possibly sharded) run writes: `explicit` (a `--project`
    /// given on the command line) over `[project] store`.
    pub fn store_path(&self, explicit: Option<&Path>, shard: Option<Shard>) -> PathBuf {
        let base = match (explicit, &self.project.store) {
            (Some(p), _) => p.to_path_buf(),
            (None, Some(p)) => p.clone(),
            (None, None) => PathBuf::from("autocode.db"),
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
}

/// The transcripts a run's inputs listed when it started: a fingerprint of
/// every file's name and content hash (sorted), and how many files. A
/// `run --shard I/N` records it in its run record (`versions.inputs`);
/// shards of one night's run saw one listing, so `merge` refuses stores
/// whose listings differ, and `merge --config` those whose listing is not
/// the inputs' now. Before 2026-12-07 a shard store left from an earlier
/// night (its task did not run tonight) merged without a word, and the
/// report lacked that shard's new documents (hz/01).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputListing {
    pub fingerprint: String,
    pub files: usize,
}

/// The key of [`InputListing`] in a run record's `versions`.
pub const INPUTS_KEY: &str = "inputs";

/// The store meta key of the shard a shard store holds (`I/N`), written by
/// `ingest --shard` (and so `run --shard`): `merge` checks the set.
pub const SHARD_META: &str = "shard";

/// Says that a run is a shard because of the job array's variables, not a
/// flag: a `run` inside a Slurm array task (several studies or seeds run
/// as one array) silently read part of the corpus into a shard store and
/// wrote no report (hj/04).
fn announce(shard: &Shard, from: &str) {
    tracing::warn!(
        "{from}: this run is shard {} of the job array, reading its part of the corpus into its shard store; \
         `autocode merge` makes the report (unset these variables to run the whole corpus)",
        shard.label()
    );
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
            // The error names the variables, not a flag the user never gave.
            let shard = Shard::parse(&format!("{i}/{n}")).map_err(|_| {
                anyhow::anyhow!(
                    "SLURM_ARRAY_TASK_ID={i} SLURM_ARRAY_TASK_COUNT={n}: the shard comes from Slurm's job array, \
                     whose task ids must be whole numbers 0..N-1 (--array=0-{})",
                    n.trim().parse::<u32>().map_or(0, |n| n.saturating_sub(1))
                )
            })?;
            announce(
                &shard,
                &format!("SLURM_ARRAY_TASK_ID={i} SLURM_ARRAY_TASK_COUNT={n}"),
            );
            return Ok(Some(shard));
        }
        if let Some(i) = var("JOB_COMPLETION_INDEX") {
            let n = var("AUTOCODE_SHARD_COUNT")
                .context("JOB_COMPLETION_INDEX is set but AUTOCODE_SHARD_COUNT is not (set it to the Job's completions)")?;
            let shard = Shard::parse(&format!("{i}/{n}")).map_err(|_| {
                anyhow::anyhow!(
                    "JOB_COMPLETION_INDEX={i} AUTOCODE_SHARD_COUNT={n}: the shard comes from these variables, \
                     whose index must be a whole number 0..N-1"
                )
            })?;
            announce(
                &shard,
                &format!("JOB_COMPLETION_INDEX={i} AUTOCODE_SHARD_COUNT={n}"),
            );
            return Ok(Some(shard));
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

/// The lock file of a store: `<store>.lock` beside the file the path leads
/// to, so that two paths to one store (a symlink to the file or to a folder
/// above it, `..` segments) take one lock. A store not created yet is
/// resolved through its folder, when that exists.
fn lock_path(store: &Path) -> PathBuf {
    let resolved = std::fs::canonicalize(store).ok().or_else(|| {
        let name = store.file_name()?;
        let dir = match store.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        Some(std::fs::canonicalize(dir).ok()?.join(name))
    });
    resolved
        .unwrap_or_else(|| store.to_path_buf())
        .with_extension("lock")
}

/// Holds an exclusive lock on `<store>.lock` while alive; the kernel drops
/// it when the process dies, so a killed run never blocks the next.
pub struct ProjectLock {
    _file: File,
}

impl ProjectLock {
    pub fn acquire(store: &Path) -> anyhow::Result<ProjectLock> {
        let path = lock_path(store);
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
                "another autocode run or command that writes the project holds the lock on {} (project {}); wait for it to finish",
                path.display(),
                store.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("locking {}", path.display()))
            }
        }
    }

    /// Whether a process holds the lock of `store` now. Reads only: a
    /// missing lock file (nothing ever took the lock) is not created, nor
    /// its folder. The probe takes a shared lock for as long as one system
    /// call (it is released when the file is closed here); shared, so two
    /// readers never stand in each other's way.
    pub fn is_held(store: &Path) -> std::io::Result<bool> {
        let path = lock_path(store);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        match file.try_lock_shared() {
            Ok(()) => Ok(false),
            Err(std::fs::TryLockError::WouldBlock) => Ok(true),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

/// The project's run records as `autocode runs` lists them. A run killed
/// (SIGKILL: the OOM killer, a scheduler's time limit) leaves its record
/// `running` until the next run marks it `interrupted`
/// ([`store::Store::start_run`]); listed in between, it read as a live run
/// for hours, and a script waiting for `status != running` waited for
/// nothing (h5/03). A run holds the project lock from before it records its
/// start until after it records its end, so a record `running` while
/// nothing holds the lock belongs to a process that is gone, and is listed
/// `interrupted`, as the next run will write it. Reads only: neither the
/// store nor the lock file is written.
pub fn run_records(store: &store::Store) -> anyhow::Result<Vec<store::RunRecord>> {
    let first = store.runs()?;
    let running: Vec<i64> = first
        .iter()
        .filter(|r| r.is_running())
        .map(|r| r.id)
        .collect();
    if running.is_empty() {
        return Ok(first);
    }
    match ProjectLock::is_held(store.path()) {
        Ok(false) => {}
        Ok(true) => return Ok(first),
        Err(e) => {
            tracing::warn!(
                "cannot tell whether a run holds the lock of {} ({e}); run records listed as stored",
                store.path().display()
            );
            return Ok(first);
        }
    }
    // Read again now that the lock was seen free: a run that finished
    // between the first read and the probe has its end recorded by now,
    // and one that started after the probe is not among `running` (its
    // record is new), so it is listed as it stands.
    let mut records = store.runs()?;
    for r in records.iter_mut().filter(|r| running.contains(&r.id)) {
        r.read_as_interrupted();
    }
    Ok(records)
}

/// What one stage of a batch produced.
// One value per stage of a run: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum StageOutput {
    Ingest(IngestSummary),
    Embed(EmbedSummary),
    Code(CodeSummary),
    /// `None`: skipped, nothing changed ([`crate::ThemesPlan::Skip`]).
    Themes(Option<ThemesSummary>),
    Report(ReportSummary),
}

impl StageOutput {
    pub fn stage(&self) -> &'static str {
        match self {
            StageOutput::Ingest(_) => "ingest",
            StageOutput::Embed(_) => "embed",
            StageOutput::Code(_) => "code",
            StageOutput::Themes(_) => "themes",
            StageOutput::Report(_) => "report",
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            StageOutput::Ingest(s) => s.exit_code(),
            StageOutput::Code(s) => s.exit_code(),
            _ => 0,
        }
    }
}

/// One stage's line in the run record.
#[derive(Debug, Clone, Serialize)]
pub struct StageSummary {
    pub stage: &'static str,
    pub exit_code: u8,
    pub seconds: f64,
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub config: RunConfig,
    /// A store given on the command line, over the config's `[project] store`.
    pub project: Option<PathBuf>,
    pub shard: Option<Shard>,
    /// Draw progress bars on a terminal's stderr.
    pub progress: bool,
    /// Version recorded in the run record.
    pub autocode_version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Versions {
    pub autocode: String,
    pub model_key: Option<String>,
    pub schema: i64,
    /// A shard run's input listing ([`InputListing`]), for `merge`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<InputListing>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunCounts {
    /// Rows per table after the run.
    pub totals: serde_json::Map<String, serde_json::Value>,
    /// Rows added (or removed, negative) per table.
    pub changed: serde_json::Map<String, serde_json::Value>,
    pub stages: Vec<StageSummary>,
}

/// The run as recorded (serialises as `autocode run --json` prints it).
#[derive(Debug, Serialize)]
pub struct RunSummary {
    pub run: i64,
    /// ok | partial | failed
    pub status: &'static str,
    pub store: PathBuf,
    pub shard: Option<String>,
    pub seconds: f64,
    pub versions: Versions,
    pub counts: RunCounts,
    /// The error that stopped the run, when it failed.
    #[serde(skip)]
    pub failure: Option<anyhow::Error>,
    /// The worst stage exit status (0, 2 partial, 1 failed).
    #[serde(skip)]
    pub exit_code: u8,
}

impl RunSummary {
    /// No table changed and nothing failed.
    pub fn nothing_changed(&self) -> bool {
        self.failure.is_none() && self.counts.changed.values().all(|v| v.as_i64() == Some(0))
    }
}

/// Runs one stage and reports it.
fn stage<F>(
    name: &'static str,
    summaries: &mut Vec<StageSummary>,
    on_stage: &mut dyn FnMut(&StageOutput),
    f: F,
) -> anyhow::Result<u8>
where
    F: FnOnce() -> anyhow::Result<StageOutput>,
{
    tracing::info!(stage = name, "starting");
    let t = Instant::now();
    match f().with_context(|| format!("stage `{name}`")) {
        Ok(out) => {
            let code = out.exit_code();
            let skipped = matches!(out, StageOutput::Themes(None));
            summaries.push(StageSummary {
                stage: name,
                exit_code: code,
                seconds: if skipped {
                    0.0
                } else {
                    t.elapsed().as_secs_f64()
                },
            });
            on_stage(&out);
            // Bad input (2) in ingest still lets the good documents go on.
            if code == 1 {
                bail!("stage `{name}` failed");
            }
            Ok(code)
        }
        Err(e) => {
            summaries.push(StageSummary {
                stage: name,
                exit_code: 1,
                seconds: t.elapsed().as_secs_f64(),
            });
            Err(e)
        }
    }
}

/// Themes and report need the whole corpus: after an unsharded run, or after
/// `merge`. Themes are skipped when their inputs are those the last batch
/// clustered ([`crate::themes::up_to_date`]).
fn whole_corpus_stages(
    project: &mut Project,
    cfg: &RunConfig,
    summaries: &mut Vec<StageSummary>,
    on_stage: &mut dyn FnMut(&StageOutput),
) -> anyhow::Result<u8> {
    let mut worst = 0;
    if cfg.themes.enabled.unwrap_or(true) {
        let opts = cfg.themes_options();
        let code = stage("themes", summaries, on_stage, || {
            crate::themes::themes_unless_up_to_date(project, &opts, true).map(StageOutput::Themes)
        })?;
        worst = worst.max(code);
    }
    if cfg.report.enabled.unwrap_or(true) {
        let opts = cfg.report_options();
        let code = stage("report", summaries, on_stage, || {
            crate::report::report(project, &opts).map(StageOutput::Report)
        })?;
        worst = worst.max(code);
    }
    Ok(worst)
}

/// Whether the code stage could approve the codebook file `path` against
/// the project ([`crate::code::choose_codebook`], the one rule): the
/// approval is made and then undone
/// ([`store::Store::restore_codebook_approval`]), so the project is as it
/// was whatever the outcome.
fn check_codebook_approvable(project: &mut Project, path: &Path) -> anyhow::Result<()> {
    let store = project.store_mut();
    let before = store.codebook_approval()?;
    let tried = crate::code::choose_codebook(store, Some(path)).map(|_| ());
    store.restore_codebook_approval(&before)?;
    tried
}

/// The batch: takes the project lock, records a run, calls the stages in
/// order (`on_stage` sees each one's output as it finishes), stops at the
/// first failure, and records the outcome. A shard run stops after `code`
/// (themes and report are left to [`merge`]). The run record is written
/// even when a stage fails; the error is then in [`RunSummary::failure`].
pub fn run(
    opts: &RunOptions,
    on_stage: &mut dyn FnMut(&StageOutput),
) -> anyhow::Result<RunSummary> {
    let cfg = &opts.config;
    let shard = opts.shard;
    // The codebook file is read before any stage: a missing or broken one
    // used to surface only at the code stage, after ingest and a long embed,
    // and is a mistake in the config, like a bad option.
    let codebook_file = cfg.code_options()?.and_then(|c| c.codebook);
    if let Some(path) = &codebook_file {
        crate::read_codebook(path)
            .with_context(|| format!("{}: [codebook] path", cfg.source.display()))?;
    }
    let store_file = cfg.store_path(opts.project.as_deref(), shard);
    let _lock = ProjectLock::acquire(&store_file)?;
    let mut project = Project::open_or_create(&store_file)?;
    let before = project.store().table_counts()?;
    let run_id = project.store().start_run(&match shard {
        Some(s) => format!("run --shard {}", s.label()),
        None => "run".to_string(),
    })?;
    // What the inputs list as the shard starts, for `merge` to tie the
    // shards of one night together. Unreadable inputs are left to ingest.
    let inputs = match shard {
        Some(_) => cfg
            .input_listing()
            .map_err(|e| tracing::debug!("listing the inputs: {e:#}"))
            .ok(),
        None => None,
    };

    let started = Instant::now();
    let mut summaries = Vec::new();
    let mut worst = 0u8;
    let mut failure = None;
    let mut stages = || -> anyhow::Result<()> {
        // The codebook file is approved against the store (the code
        // stage's own rule) before any stage, and the approval undone: a
        // file the project refuses (it lacks a code the review page added)
        // used to stop the run only at the code stage, after ingest and a
        // long embed (hz/03).
        if let Some(path) = &codebook_file {
            check_codebook_approvable(&mut project, path)
                .with_context(|| format!("{}: [codebook] path", cfg.source.display()))?;
        }
        let ingest = cfg.ingest_options(shard)?;
        worst = worst.max(stage("ingest", &mut summaries, on_stage, || {
            crate::ingest::ingest(&mut project, &ingest).map(StageOutput::Ingest)
        })?);
        let embed = cfg.embed_options(opts.progress);
        worst = worst.max(stage("embed", &mut summaries, on_stage, || {
            crate::embed::embed(&mut project, &embed).map(StageOutput::Embed)
        })?);
        if let (Some(audit), true) = (cfg.audit_options()?, shard.is_none()) {
            crate::audit::draw(project.store_mut(), &audit)?;
        }
        // A shard draws no audit sample (a sample of one shard's units is no
        // random sample of the whole), so it imports no audit gold either:
        // `merge --config` draws on the merged store and imports there.
        // Before, every shard of a config with `[audit]` failed with
        // "--audit-only: no audit sample drawn yet".
        let code_options = cfg.code_options()?.map(|mut c| {
            if shard.is_some() && c.audit_only {
                c.import_gold = None;
                c.audit_only = false;
            }
            c
        });
        if let Some(code) = code_options {
            worst = worst.max(stage("code", &mut summaries, on_stage, || {
                crate::code::code(&mut project, &code).map(StageOutput::Code)
            })?);
        }
        if shard.is_none() {
            let code = whole_corpus_stages(&mut project, cfg, &mut summaries, on_stage)?;
            worst = worst.max(code);
        }
        Ok(())
    };
    if let Err(e) = stages() {
        failure = Some(e);
    }

    let store = project.store();
    let after = store.table_counts()?;
    let mut changed = serde_json::Map::new();
    for (k, v) in &after {
        let delta = v.as_i64().unwrap_or(0) - before.get(k).and_then(|x| x.as_i64()).unwrap_or(0);
        changed.insert(k.clone(), delta.into());
    }
    let status = match (&failure, worst) {
        (Some(_), _) => "failed",
        (None, EXIT_PARTIAL) => "partial",
        _ => "ok",
    };
    let versions = Versions {
        autocode: opts.autocode_version.clone(),
        model_key: store.meta("model_key")?,
        schema: store::schema_version(),
        inputs,
    };
    let counts = RunCounts {
        totals: after,
        changed,
        stages: summaries,
    };
    store.finish_run(
        run_id,
        status,
        &serde_json::to_value(&versions)?,
        &serde_json::to_value(&counts)?,
    )?;
    Ok(RunSummary {
        run: run_id,
        status,
        store: store_file,
        shard: shard.map(|s| s.label()),
        seconds: started.elapsed().as_secs_f64(),
        versions,
        counts,
        failure,
        exit_code: worst,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct MergeSummary {
    /// Per shard (name order): `{shard, stats}`.
    pub shards: Vec<serde_json::Value>,
    pub totals: serde_json::Map<String, serde_json::Value>,
    /// The worst exit status of the stages run after merging.
    #[serde(skip)]
    pub exit_code: u8,
}

/// Combines shard stores into the project `store_file` (in name order, so
/// merged ids do not depend on argument order); with a config, then runs
/// the whole-corpus stages (themes, report) as configured.
/// Shards of one run must have embedded with one model and coded with one
/// codebook (docs/scale-out.md): merged, a shard on another model left its
/// sentences without the project's vectors and two classifiers' codings
/// side by side, and the report named one codebook. Refused before
/// anything is merged, naming the shards that differ and how.
fn check_shards_agree(shards: &[PathBuf], current: Option<&InputListing>) -> anyhow::Result<()> {
    let mut first: Option<(&PathBuf, store::ShardIdentity)> = None;
    // Which shard of which count each store says it is (`SHARD_META`).
    let mut placed: Vec<(&PathBuf, Shard)> = Vec::new();
    // The input listing each shard's last run saw, where it recorded one.
    let mut listed: Vec<ListedShard> = Vec::new();
    for shard in shards {
        let (id, place, last_run) = store::Store::open(shard)
            .and_then(|s| {
                let last_run = s
                    .runs()?
                    .into_iter()
                    .rev()
                    .find(|r| r.command.starts_with("run"));
                Ok((s.shard_identity()?, s.meta(SHARD_META)?, last_run))
            })
            .with_context(|| format!("reading shard {}", shard.display()))?;
        // A shard whose run did not finish (killed, or failed) holds
        // sentences not embedded or coded yet: merged, they counted for no
        // code, with one warning line (hd/02).
        if let Some(r) = last_run
            .as_ref()
            .filter(|r| matches!(r.status.as_str(), "running" | "interrupted" | "failed"))
        {
            anyhow::bail!(
                "shard {} did not finish: its last `{}` (started {}) is {}; run it again \
                 (`autocode run --shard I/N` resumes it) before merging, or its sentences not \
                 embedded and coded yet would count for no code",
                shard.display(),
                r.command,
                r.started_at,
                if r.status == "failed" {
                    "failed"
                } else {
                    "unfinished (killed?)"
                }
            );
        }
        if let Some(r) = &last_run {
            if let Some(listing) = r
                .versions
                .get(INPUTS_KEY)
                .and_then(|v| serde_json::from_value::<InputListing>(v.clone()).ok())
            {
                listed.push(ListedShard {
                    path: shard.clone(),
                    command: r.command.clone(),
                    started_at: r.started_at.clone(),
                    listing,
                });
            }
        }
        if let Some(place) = place.as_deref().and_then(|p| Shard::parse(p).ok()) {
            placed.push((shard, place));
        }
        let Some((first_shard, first_id)) = &first else {
            first = Some((shard, id));
            continue;
        };
        let differ = |a: &Option<String>, b: &Option<String>| a.is_some() && b.is_some() && a != b;
        if differ(&first_id.model_key, &id.model_key) {
            anyhow::bail!(
                "shards {} and {} were embedded with different models ({} and {}): \
                 shards of one run share the model and its precision; run the odd one again",
                first_shard.display(),
                shard.display(),
                first_id.model_key.as_deref().unwrap_or_default(),
                id.model_key.as_deref().unwrap_or_default()
            );
        }
        if differ(&first_id.codebook_hash, &id.codebook_hash) {
            anyhow::bail!(
                "shards {} and {} were coded with different codebooks ({:?} and {:?}, \
                 different content): shards of one run share the approved codebook; run the odd one again",
                first_shard.display(),
                shard.display(),
                first_id.codebook_name.as_deref().unwrap_or_default(),
                id.codebook_name.as_deref().unwrap_or_default()
            );
        }
    }
    // A store that does not say which shard it is (written before
    // 2026-12-06) may be any of them: the set is then not checked for one
    // missing.
    check_shard_set(&placed, placed.len() == shards.len())?;
    check_shard_inputs(&listed, current)
}

/// A shard store's last `run --shard` and the input listing it recorded.
#[derive(Debug, Clone)]
struct ListedShard {
    path: PathBuf,
    command: String,
    started_at: String,
    listing: InputListing,
}

/// The shards' runs saw one input listing, and with `current` (a `merge
/// --config`) the one the inputs hold now. Shards of one night read the
/// same inputs: a store whose run saw another listing is left from an
/// earlier night (its task did not run tonight, or ran before the night's
/// files were copied in), and what it holds for tonight is no better than a
/// missing shard. Named, with the fix; stores whose run recorded no listing
/// (written before 2026-12-07) are not checked.
fn check_shard_inputs(
    listed: &[ListedShard],
    current: Option<&InputListing>,
) -> anyhow::Result<()> {
    let describe = |s: &ListedShard| {
        format!(
            "{} (its last `{}`, started {}, saw {} input file{})",
            s.path.display(),
            s.command,
            s.started_at,
            s.listing.files,
            if s.listing.files == 1 { "" } else { "s" }
        )
    };
    let again = |stale: &[&ListedShard]| {
        let commands: Vec<String> = stale
            .iter()
            .map(|s| format!("`autocode {}`", s.command))
            .collect();
        format!(
            "run {} again on tonight's inputs (it only adds what changed), then merge",
            commands.join(", ")
        )
    };
    if let Some(now) = current {
        let stale: Vec<&ListedShard> = listed.iter().filter(|s| &s.listing != now).collect();
        if !stale.is_empty() {
            let all = stale.len() == listed.len();
            anyhow::bail!(
                "{} read other inputs than the config's list now ({} file{}; names or contents \
                 differ): {}; {}",
                stale
                    .iter()
                    .map(|s| describe(s))
                    .collect::<Vec<_>>()
                    .join("; "),
                now.files,
                if now.files == 1 { "" } else { "s" },
                if all {
                    "the inputs changed since the shards ran"
                } else {
                    "a shard store left from an earlier run would leave its new documents out of the report"
                },
                again(&stale)
            );
        }
        return Ok(());
    }
    // Without the inputs to compare with, the newest shard run's listing is
    // tonight's.
    let Some(newest) = listed
        .iter()
        .max_by(|a, b| (&a.started_at, &a.path).cmp(&(&b.started_at, &b.path)))
    else {
        return Ok(());
    };
    let stale: Vec<&ListedShard> = listed
        .iter()
        .filter(|s| s.listing != newest.listing)
        .collect();
    if !stale.is_empty() {
        anyhow::bail!(
            "{} read other inputs than {}: shards of one run read one listing of the inputs, and \
             a shard store left from an earlier run would leave its new documents out of the \
             report; {}",
            stale
                .iter()
                .map(|s| describe(s))
                .collect::<Vec<_>>()
                .join("; "),
            describe(newest),
            again(&stale)
        );
    }
    Ok(())
}

/// The shards given are one run's whole set: one count, each index once,
/// none missing. Before, a missing shard merged into a report of part of
/// the corpus without a word, shards of a 2-way and a 4-way run merged
/// together, and two different stores that were both shard 0 of 4 (runs
/// of different inputs) merged with one document replacing the other,
/// whichever sorted last. Stores that do not say which shard they are
/// (written before 2026-12-06) are not checked, and with one of them given
/// (`all_placed` false) no shard is called missing.
fn check_shard_set(placed: &[(&PathBuf, Shard)], all_placed: bool) -> anyhow::Result<()> {
    let Some((first, first_place)) = placed.first() else {
        return Ok(());
    };
    if let Some((other, place)) = placed.iter().find(|(_, p)| p.count != first_place.count) {
        anyhow::bail!(
            "{} is shard {} and {} is shard {}: shards of different runs (split {} and {} ways) \
             cannot be merged; merge one run's shards",
            first.display(),
            first_place.label(),
            other.display(),
            place.label(),
            first_place.count,
            place.count
        );
    }
    let mut by_index: BTreeMap<u32, &PathBuf> = BTreeMap::new();
    for (path, place) in placed {
        if let Some(before) = by_index.insert(place.index, path) {
            anyhow::bail!(
                "{} and {} are both shard {}: two runs of that shard (of different inputs, or \
                 copied) would replace each other's documents; merge one store per shard",
                before.display(),
                path.display(),
                place.label()
            );
        }
    }
    let missing: Vec<String> = (0..first_place.count)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| format!("{i}/{}", first_place.count))
        .collect();
    if all_placed && !missing.is_empty() {
        anyhow::bail!(
            "shard {} of this run {} missing: the merged project would hold part of the corpus; \
             run it (`autocode run --shard I/N`) and merge all {} shards",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
            first_place.count
        );
    }
    Ok(())
}

/// Documents moved or renamed since the shards were last merged
/// ([`moved_documents`]).
#[derive(Debug, Default)]
struct MovedDocuments {
    /// (old name, new name) of the project's documents whose file is gone
    /// and whose text a shard brings under a name the project lacks.
    in_project: Vec<(String, String)>,
    /// Per shard (index into the merge's shards), its stale copies: names
    /// whose file is gone and whose text another document, its file
    /// present, holds.
    stale: BTreeMap<usize, std::collections::BTreeSet<String>>,
}

/// The moves a sharded night made: an unsharded run's ingest finds a
/// document whose file is gone with the same text under a new name
/// (`ingest::moved_document`), but a shard only reads its own files, and
/// the new name may fall in another shard, whose run cannot see the old
/// one. Before, the merge added the new name and kept the old, and the
/// interview was counted twice (hd/01). Texts are read only where some
/// document's file is gone.
fn moved_documents(project: &store::Store, shards: &[PathBuf]) -> anyhow::Result<MovedDocuments> {
    let gone = |store: &store::Store, name: &str| -> anyhow::Result<bool> {
        Ok(store
            .document_source(name)?
            .is_some_and(|src| !Path::new(&src).exists()))
    };
    let stores: Vec<store::Store> = shards
        .iter()
        .map(|s| store::Store::open(s).with_context(|| format!("reading {}", s.display())))
        .collect::<anyhow::Result<_>>()?;
    // Gone documents: (store: None the project, Some(i) shard i, name) by text.
    let mut gone_by_text: BTreeMap<String, Vec<(Option<usize>, String)>> = BTreeMap::new();
    let mut present: Vec<(usize, String)> = Vec::new();
    let in_project: std::collections::BTreeSet<String> =
        project.documents()?.into_iter().map(|d| d.name).collect();
    for name in &in_project {
        if gone(project, name)? {
            if let Some(text) = project.document_text(name)? {
                gone_by_text
                    .entry(text)
                    .or_default()
                    .push((None, name.clone()));
            }
        }
    }
    for (i, store) in stores.iter().enumerate() {
        for d in store.documents()? {
            if gone(store, &d.name)? {
                if let Some(text) = store.document_text(&d.name)? {
                    gone_by_text
                        .entry(text)
                        .or_default()
                        .push((Some(i), d.name));
                }
            } else {
                present.push((i, d.name));
            }
        }
    }
    let mut moves = MovedDocuments::default();
    if gone_by_text.is_empty() {
        return Ok(moves);
    }
    for (i, name) in present {
        let Some(text) = stores[i].document_text(&name)? else {
            continue;
        };
        let Some(olds) = gone_by_text.remove(&text) else {
            continue;
        };
        for (from, old) in olds {
            match from {
                Some(shard) => {
                    moves.stale.entry(shard).or_default().insert(old);
                }
                None if !in_project.contains(&name) => moves.in_project.push((old, name.clone())),
                None => {}
            }
        }
    }
    Ok(moves)
}

pub fn merge(
    store_file: &Path,
    shards: &[PathBuf],
    config: Option<&RunConfig>,
    on_stage: &mut dyn FnMut(&StageOutput),
) -> anyhow::Result<MergeSummary> {
    // Merging a store into itself would deadlock on SQLite's lock ("database
    // is locked"); refuse it by name. Compared as canonical paths, so
    // `./x.db` and `x.db` (or a symlink) are the same file.
    // A folder names its autocode.db, as `--project` does.
    let same_file = |a: &Path, b: &Path| match (
        store::resolve(a).canonicalize(),
        store::resolve(b).canonicalize(),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some(shard) = shards.iter().find(|s| same_file(s, store_file)) {
        anyhow::bail!(
            "{} is the project store itself: merge takes shard stores written by `autocode run --shard I/N`",
            shard.display()
        );
    }
    let _lock = ProjectLock::acquire(store_file)?;
    let mut shards = shards.to_vec();
    shards.sort();
    // One file named twice (`x.db ./x.db`) is one shard.
    let mut seen = std::collections::BTreeSet::new();
    shards.retain(|s| {
        seen.insert(
            store::resolve(s)
                .canonicalize()
                .unwrap_or_else(|_| s.clone()),
        )
    });
    // The inputs as they are now, for the shards' listings to match.
    let current = config.and_then(|c| {
        c.input_listing()
            .map_err(|e| tracing::warn!("listing the inputs to compare with the shards': {e:#}"))
            .ok()
    });
    check_shards_agree(&shards, current.as_ref())?;
    let mut project = Project::open_or_create(store_file)?;
    // As a run does, before anything is merged: merged, the shards' copy of
    // the file's content let the code stage approve it unchecked.
    if let Some(path) = config
        .map(RunConfig::code_options)
        .transpose()?
        .flatten()
        .and_then(|c| c.codebook)
    {
        check_codebook_approvable(&mut project, &path).with_context(|| {
            format!(
                "{}: [codebook] path",
                config.map_or_else(String::new, |c| c.source.display().to_string())
            )
        })?;
    }
    let run_id = project.store().start_run("merge")?;
    let moves = moved_documents(project.store(), &shards)?;
    for (from, to) in &moves.in_project {
        tracing::info!("{from} moved to {to}: the project keeps it under its new name");
        project.store_mut().remove_moved_document(from, to)?;
    }
    let mut per_shard = Vec::new();
    let none = std::collections::BTreeSet::new();
    for (i, shard) in shards.iter().enumerate() {
        let stats = project
            .store_mut()
            .merge_shard_skipping(shard, moves.stale.get(&i).unwrap_or(&none))
            .with_context(|| format!("merging {}", shard.display()))?;
        per_shard.push(serde_json::json!({ "shard": shard, "stats": stats }));
    }
    // Later stages default to the model the shards embedded with.
    let store = project.store();
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
    let mut worst = 0;
    if let Some(cfg) = config {
        let mut stages = Vec::new();
        // Code again on the merged whole: a code short of human examples
        // learns from the corpus's pseudo-labels, and each shard saw only its
        // own part of the corpus. `code` is incremental, so sentences a
        // shard coded with the classifier the whole corpus gives are kept.
        // The audit sample is drawn on the merged whole, as an unsharded
        // run draws it, before the code stage imports its gold.
        if let Some(audit) = cfg.audit_options()? {
            crate::audit::draw(project.store_mut(), &audit).context("after merge")?;
        }
        if let Some(code) = cfg.code_options()? {
            worst = worst.max(
                stage("code", &mut stages, on_stage, || {
                    crate::code::code(&mut project, &code).map(StageOutput::Code)
                })
                .context("after merge")?,
            );
        }
        // The shards grew the corpus, so themes cluster again, unless a
        // merge killed after its themes stage already clustered these inputs.
        worst = worst.max(
            whole_corpus_stages(&mut project, cfg, &mut stages, on_stage).context("after merge")?,
        );
    }
    let store = project.store();
    let totals = store.table_counts()?;
    let summary = MergeSummary {
        shards: per_shard,
        totals,
        exit_code: worst,
    };
    store.finish_run(
        run_id,
        if worst == 0 { "ok" } else { "partial" },
        &serde_json::json!({}),
        &serde_json::to_value(&summary)?,
    )?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn two_paths_to_one_store_take_one_lock() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let store = real.join("autocode.db");
        std::fs::write(&store, b"").unwrap();
        std::os::unix::fs::symlink(&store, dir.path().join("link.db")).unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join("linked")).unwrap();

        let held = super::ProjectLock::acquire(&store).unwrap();
        for other in [
            dir.path().join("link.db"),
            dir.path().join("linked/autocode.db"),
            real.join("../real/autocode.db"),
        ] {
            let err = super::ProjectLock::acquire(&other)
                .err()
                .unwrap_or_else(|| panic!("{} took a second lock", other.display()));
            assert!(err.to_string().contains("holds the lock"), "{err}");
        }
        // A store not created yet, reached through the linked folder.
        let fresh = super::ProjectLock::acquire(&real.join("new.db")).unwrap();
        assert!(super::ProjectLock::acquire(&dir.path().join("linked/new.db")).is_err());
        drop((held, fresh));
        assert!(super::ProjectLock::acquire(&dir.path().join("link.db")).is_ok());
    }

    /// h5/03: a killed run's `running` record is listed `interrupted` when
    /// nothing holds the project lock (no lock file yet, or one left free),
    /// as it stands while a run holds it; the store is not written, nor a
    /// lock file made.
    #[test]
    fn a_running_record_is_listed_interrupted_when_nothing_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("autocode.db");
        let s = store::Store::create(&file).unwrap();
        let done = s.start_run("run").unwrap();
        s.finish_run(done, "ok", &serde_json::json!({}), &serde_json::json!({}))
            .unwrap();
        s.start_run("run").unwrap();
        let listed = |s: &store::Store| -> Vec<String> {
            super::run_records(s)
                .unwrap()
                .into_iter()
                .map(|r| r.status)
                .collect()
        };
        assert_eq!(listed(&s), ["ok", "interrupted"]);
        assert!(!super::lock_path(&file).exists());
        let held = super::ProjectLock::acquire(&file).unwrap();
        assert!(super::ProjectLock::is_held(&file).unwrap());
        assert_eq!(listed(&s), ["ok", "running"]);
        drop(held);
        assert!(!super::ProjectLock::is_held(&file).unwrap());
        assert_eq!(listed(&s), ["ok", "interrupted"]);
        assert_eq!(s.runs().unwrap()[1].status, "running");
        // The probe takes no lock that outlives it.
        assert!(super::ProjectLock::acquire(&file).is_ok());
    }

    /// One run's whole set merges; another count, an index twice or one
    /// missing is refused, naming the stores or the shard.
    #[test]
    fn a_shard_set_is_one_runs_whole_set() {
        let paths: Vec<PathBuf> = (0..5).map(|i| PathBuf::from(format!("s{i}.db"))).collect();
        let at = |i: u32, n: u32| Shard { index: i, count: n };
        let set = |v: &[(usize, Shard)]| -> Vec<(&PathBuf, Shard)> {
            v.iter().map(|&(p, s)| (&paths[p], s)).collect()
        };
        assert!(check_shard_set(&set(&[(0, at(0, 2)), (1, at(1, 2))]), true).is_ok());
        assert!(check_shard_set(&[], true).is_ok());
        // Shard 1/2 is a store from before shards said which they are.
        assert!(check_shard_set(&set(&[(0, at(0, 2))]), false).is_ok());
        let err = |v: &[(usize, Shard)]| check_shard_set(&set(v), true).unwrap_err().to_string();
        let e = err(&[(0, at(0, 4)), (1, at(2, 4)), (2, at(3, 4))]);
        assert!(e.contains("shard 1/4 of this run is missing"), "{e}");
        let e = err(&[(0, at(0, 4)), (1, at(0, 2))]);
        assert!(
            e.contains("s0.db is shard 0/4 and s1.db is shard 0/2"),
            "{e}"
        );
        let e = err(&[(0, at(0, 2)), (1, at(1, 2)), (2, at(0, 2))]);
        assert!(e.contains("s0.db and s2.db are both shard 0/2"), "{e}");
    }

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

    /// Shards embedded with two models are refused before anything is
    /// merged, naming both; shards that agree merge.
    #[test]
    fn shards_of_different_models_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let shard = |name: &str, key: &str| {
            let p = dir.path().join(name);
            std::fs::create_dir_all(&p).unwrap();
            let s = store::Store::create(&p).unwrap();
            s.set_meta("model_key", key).unwrap();
            p.join(store::STORE_FILE)
        };
        let a = shard("s0", "minilm+bf16");
        let b = shard("s1", "minilm+f32");
        let c = shard("s2", "minilm+bf16");
        let project = dir.path().join("project.db");
        let err = merge(&project, &[b.clone(), a.clone()], None, &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("different models (minilm+bf16 and minilm+f32)")
                && err.contains("s0")
                && err.contains("s1"),
            "{err}"
        );
        assert!(!project.exists(), "nothing merged");
        merge(&project, &[a, c], None, &mut |_| {}).unwrap();
    }

    /// A shard store with its last `run --shard I/N` record, which saw
    /// `listing` (`None`: recorded none, as before 2026-12-07).
    fn shard_store(dir: &Path, i: u32, n: u32, listing: Option<&InputListing>) -> PathBuf {
        let p = dir.join(format!("autocode.shard-{i}-of-{n}.db"));
        let s = store::Store::create(&p).unwrap();
        s.set_meta(SHARD_META, &format!("{i}/{n}")).unwrap();
        let id = s.start_run(&format!("run --shard {i}/{n}")).unwrap();
        let mut versions = serde_json::json!({ "autocode": "test" });
        if let Some(l) = listing {
            versions[INPUTS_KEY] = serde_json::to_value(l).unwrap();
        }
        s.finish_run(id, "ok", &versions, &serde_json::json!({}))
            .unwrap();
        p
    }

    /// hz/01: the input listing a config's inputs give is their files'
    /// names and contents, and shards whose runs saw different listings,
    /// or (with a config) another listing than the inputs hold now, are
    /// refused before anything is merged, naming the stale store and the
    /// run to do again.
    #[test]
    fn shards_that_saw_other_inputs_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("t");
        std::fs::create_dir_all(t.join("wave")).unwrap();
        std::fs::write(t.join("a.txt"), "P: one.\n").unwrap();
        std::fs::write(t.join("wave/b.txt"), "P: two.\n").unwrap();
        let p = dir.path().join("autocode.toml");
        // The stages after a merge need embeddings these stores lack.
        std::fs::write(
            &p,
            "[inputs]\npaths = [\"t\"]\n[themes]\nenabled = false\n[report]\nenabled = false\n",
        )
        .unwrap();
        let cfg = RunConfig::load(&p).unwrap();
        let night1 = cfg.input_listing().unwrap();
        assert_eq!(night1.files, 2);
        assert_eq!(night1.fingerprint.len(), 64);
        assert_eq!(
            cfg.input_listing().unwrap(),
            night1,
            "the same inputs, the same listing"
        );
        // A file's content counts, not only its name.
        std::fs::write(t.join("a.txt"), "P: one, corrected.\n").unwrap();
        let edited = cfg.input_listing().unwrap();
        assert_eq!(edited.files, 2);
        assert_ne!(edited, night1);
        std::fs::write(t.join("a.txt"), "P: one.\n").unwrap();
        assert_eq!(cfg.input_listing().unwrap(), night1);
        // Night 2: a transcript arrives; shards 0 and 2 run, shard 1 does not.
        std::fs::write(t.join("c.txt"), "P: three.\n").unwrap();
        let night2 = cfg.input_listing().unwrap();
        assert_eq!(night2.files, 3);

        let shards = dir.path().join("shards");
        let stale = shard_store(&shards, 1, 3, Some(&night1));
        let set = [
            shard_store(&shards, 0, 3, Some(&night2)),
            stale.clone(),
            shard_store(&shards, 2, 3, Some(&night2)),
        ];
        let project = dir.path().join("project.db");
        // `merge --config`: compared with the inputs now.
        let err = merge(&project, &set, Some(&cfg), &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!(
                "{} (its last `run --shard 1/3`, started ",
                stale.display()
            )) && err.contains(
                ", saw 2 input files) read other inputs than the config's list now (3 files;"
            ) && err.contains("run `autocode run --shard 1/3` again on tonight's inputs"),
            "{err}"
        );
        assert!(
            !err.contains("shard-0-of-3") && !err.contains("shard-2-of-3"),
            "{err}"
        );
        assert!(!project.exists(), "nothing merged");
        // Without a config: compared with the newest shard run's listing.
        let err = merge(&project, &set, None, &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("{} (its last `run --shard 1/3`", stale.display()))
                && err.contains("saw 2 input files) read other inputs than ")
                && err.contains("saw 3 input files): shards of one run read one listing"),
            "{err}"
        );
        assert!(!project.exists(), "nothing merged");
        // Every shard from before tonight's files came: all named.
        let old: Vec<PathBuf> = (0..3)
            .map(|i| shard_store(&dir.path().join("old"), i, 3, Some(&night1)))
            .collect();
        let err = merge(&project, &old, Some(&cfg), &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the inputs changed since the shards ran")
                && (0..3).all(|i| err.contains(&format!("`autocode run --shard {i}/3`"))),
            "{err}"
        );
        // Shard 1 run again tonight: the set merges. A store from before
        // listings were recorded is not checked.
        let again = shard_store(&dir.path().join("again"), 1, 3, Some(&night2));
        merge(
            &project,
            &[set[0].clone(), again, set[2].clone()],
            Some(&cfg),
            &mut |_| {},
        )
        .unwrap();
        let legacy = shard_store(&dir.path().join("legacy"), 1, 3, None);
        merge(
            &dir.path().join("p2.db"),
            &[set[0].clone(), legacy, set[2].clone()],
            None,
            &mut |_| {},
        )
        .unwrap();
    }

    /// hz/03: a codebook file the project cannot approve (it lacks a code
    /// the review page added) stops the run before ingest, with the code
    /// stage's own message; the run is recorded as failed, and the store's
    /// codebooks are as they were. A file the project accepts is checked
    /// and the approval undone, for the code stage to make.
    #[test]
    fn a_codebook_the_project_refuses_stops_the_run_before_ingest() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("t")).unwrap();
        std::fs::write(d.join("t/a.txt"), "Ana: We raised money from angels.\n").unwrap();
        let yaml = |defn: &str, extra: &str| {
            format!(
                "name: cb\ncodes:\n  - id: funding\n    name: Funding\n    definition: {defn}\n{extra}"
            )
        };
        let theme_code =
            "  - id: theme_code\n    name: Theme code\n    definition: From a theme.\n";
        std::fs::write(d.join("codebook.yaml"), yaml("Money.", "")).unwrap();
        std::fs::write(
            d.join("autocode.toml"),
            "[project]\nstore = \"store/autocode.db\"\n[inputs]\npaths = [\"t\"]\n[codebook]\npath = \"codebook.yaml\"\n",
        )
        .unwrap();
        let cfg = RunConfig::load(&d.join("autocode.toml")).unwrap();
        let store_file = cfg.store_path(None, None);
        {
            let mut s = store::Store::create(&store_file).unwrap();
            crate::code::choose_codebook(&mut s, Some(&d.join("codebook.yaml"))).unwrap();
            // The review page accepts a theme as a code: v2, a child of v1.
            std::fs::write(d.join("v2.yaml"), yaml("Money.", theme_code)).unwrap();
            let v2 = crate::read_codebook(&d.join("v2.yaml")).unwrap();
            store::put_codebook_child(s.conn(), 1, "cb", &v2.to_json(), &v2.content_hash())
                .unwrap();
        }
        // The file is edited without the review-made code.
        std::fs::write(d.join("codebook.yaml"), yaml("Money, investors.", "")).unwrap();
        let opts = RunOptions {
            config: cfg.clone(),
            project: None,
            shard: None,
            progress: false,
            autocode_version: "test".into(),
        };
        let mut seen = Vec::new();
        let summary = run(&opts, &mut |out| seen.push(out.stage())).unwrap();
        let err = format!("{:#}", summary.failure.as_ref().expect("the run failed"));
        assert!(
            err.contains("autocode.toml: [codebook] path: approving codebook")
                && err.contains("lacks code theme_code that the review page added"),
            "{err}"
        );
        assert_eq!(summary.status, "failed");
        assert!(
            seen.is_empty() && summary.counts.stages.is_empty(),
            "{seen:?}"
        );
        assert_eq!(summary.counts.totals["documents"], 0, "nothing ingested");
        let s = store::Store::open(&store_file).unwrap();
        assert_eq!(s.runs().unwrap().last().unwrap().status, "failed");
        let versions = |s: &store::Store| -> Vec<i64> {
            s.codebook_versions()
                .unwrap()
                .iter()
                .map(|v| v.version)
                .collect()
        };
        assert_eq!(versions(&s), [1, 2]);
        assert_eq!(s.codebook_in_use().unwrap().unwrap().0, 2);

        // With the review-made code merged in, the file is approvable; the
        // check leaves the store as it was.
        std::fs::write(
            d.join("codebook.yaml"),
            yaml("Money, investors.", theme_code),
        )
        .unwrap();
        let mut project = Project::open_or_create(&store_file).unwrap();
        check_codebook_approvable(&mut project, &d.join("codebook.yaml")).unwrap();
        assert_eq!(versions(project.store()), [1, 2]);
        assert_eq!(project.store().codebook_in_use().unwrap().unwrap().0, 2);
    }

    /// Input paths are patterns only where no such path exists.
    #[test]
    fn an_existing_input_folder_with_pattern_characters_is_read_as_named() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["Interviews [2024]", "wave[1]", "wave1", "w2", "w3"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        let p = dir.path().join("autocode.toml");
        std::fs::write(
            &p,
            "[inputs]\npaths = [\"Interviews [2024]\", \"wave[1]\", \"w[23]\"]\n",
        )
        .unwrap();
        let cfg = RunConfig::load(&p).unwrap();
        let names: Vec<String> = cfg
            .input_paths()
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["Interviews [2024]", "wave[1]", "w2", "w3"]);
    }

    #[test]
    fn config_builds_stage_options() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("autocode.toml");
        std::fs::write(
            &p,
            "[inputs]\npaths = [\"t\"]\n[codebook]\npath = \"cb.yaml\"\n[code]\nmode = \"zero-shot\"\n[themes]\nseed = 7\n",
        )
        .unwrap();
        let cfg = RunConfig::load(&p).unwrap();
        let code = cfg.code_options().unwrap().unwrap();
        assert_eq!(code.mode, classify::Mode::ZeroShot);
        assert_eq!(code.codebook.unwrap(), dir.path().join("cb.yaml"));
        let themes = cfg.themes_options();
        assert_eq!(themes.params.seed, 7);
        assert!(themes.incremental);
        std::fs::write(
            &p,
            "[inputs]\npaths = [\"t\"]\n[codebook]\npath = \"cb.yaml\"\n[code]\nmode = \"fast\"\n",
        )
        .unwrap();
        let err = RunConfig::load(&p).unwrap_err().to_string();
        assert!(err.contains("[code] mode"), "{err}");
        // Named as the file names them, not as the command-line flags.
        for (section, want) in [
            (
                "[themes]\nrefit_share = 5\n",
                "autocode.toml: [themes] refit_share must be a share in [0, 1], got 5",
            ),
            (
                "[audit]\nsize = 0\n",
                "autocode.toml: [audit] size 0: an audit sample needs at least one unit",
            ),
            (
                "[project]\nstore = \"\"\n",
                "autocode.toml: [project] store is empty: give a path, or leave the key out for its default",
            ),
        ] {
            std::fs::write(&p, format!("[inputs]\npaths = [\"t\"]\n{section}")).unwrap();
            let err = RunConfig::load(&p).unwrap_err().to_string();
            assert!(err.ends_with(want), "{err}");
        }
        assert_eq!(
            as_config_fields("--match-threshold must be in [-1, 1]; --x and -- alone"),
            "match_threshold must be in [-1, 1]; x and -- alone"
        );
    }

    #[test]
    fn config_names_a_tables_columns_as_ingest_does() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("autocode.toml");
        std::fs::write(&p, "[inputs]\npaths = [\"t\"]\n").unwrap();
        let plain = RunConfig::load(&p).unwrap().ingest_options(None).unwrap();
        let d = IngestOptions::default();
        assert_eq!(
            (
                plain.text_column,
                plain.speaker_column,
                plain.question_columns
            ),
            (d.text_column, d.speaker_column, d.question_columns)
        );
        std::fs::write(
            &p,
            "[inputs]\npaths = [\"t\"]\nspeaker_column = \"respondent\"\nquestion_columns = [\"Why?\", \"How?\"]\nattribute_columns = [\"age\"]\ninterviewers = [\"Pat Host\"]\n",
        )
        .unwrap();
        let survey = RunConfig::load(&p).unwrap().ingest_options(None).unwrap();
        assert_eq!(survey.speaker_column.as_deref(), Some("respondent"));
        assert_eq!(survey.question_columns, vec!["Why?", "How?"]);
        assert_eq!(survey.attribute_columns, vec!["age"]);
        assert_eq!(survey.interviewers, vec!["Pat Host"]);
        assert_eq!(survey.text_column, "text");
    }

    #[test]
    fn model_precision_from_config() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("autocode.toml");
        std::fs::write(&p, "[inputs]\npaths = [\"t\"]\n").unwrap();
        let cfg = RunConfig::load(&p).unwrap();
        // Absent: the measured default (bf16, issue #18).
        assert_eq!(
            cfg.embed_options(false).model.precision,
            embed::Precision::Bf16
        );
        for (value, want) in [
            ("f32", embed::Precision::F32),
            ("bf16", embed::Precision::Bf16),
            ("int8", embed::Precision::Int8),
        ] {
            std::fs::write(
                &p,
                format!("[inputs]\npaths = [\"t\"]\n[model]\nprecision = \"{value}\"\n"),
            )
            .unwrap();
            let cfg = RunConfig::load(&p).unwrap();
            assert_eq!(cfg.embed_options(false).model.precision, want);
        }
        std::fs::write(
            &p,
            "[inputs]\npaths = [\"t\"]\n[model]\nprecision = \"fp4\"\n",
        )
        .unwrap();
        let err = RunConfig::load(&p).unwrap_err().to_string();
        assert!(
            err.contains("autocode.toml")
                && err.contains("[model] precision")
                && err.contains("\"fp4\"")
                && err.contains("f32, bf16, int8"),
            "{err}"
        );
    }
}
