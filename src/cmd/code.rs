//! `autocode code` (code participant sentences against the approved codebook)
//! and `autocode eval code` (quality against gold codings): arguments and
//! printing; the stages are `pipeline::code` and `pipeline::eval::eval_code`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use classify::active::QueueStrategy;
use classify::eval::EvalReport;
use classify::simulate::SimulationOptions;
use pipeline::eval::{EvalCodeOptions, EvalMode, Features, GroupBy};
use pipeline::{CodeOptions, CodeSummary, ExitStatus, Project};

use super::{Global, Outcome};

/// `--mode` of `autocode code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CodeMode {
    /// Supervised where a code has enough human codings, else zero-shot.
    Auto,
    /// As auto, but fail when no code has enough human codings.
    Supervised,
    /// Codebook prototypes only.
    #[value(alias = "zeroshot")]
    ZeroShot,
}

impl From<CodeMode> for classify::Mode {
    fn from(m: CodeMode) -> classify::Mode {
        match m {
            CodeMode::Auto => classify::Mode::Auto,
            CodeMode::Supervised => classify::Mode::Supervised,
            CodeMode::ZeroShot => classify::Mode::ZeroShot,
        }
    }
}

impl From<classify::Mode> for CodeMode {
    fn from(m: classify::Mode) -> CodeMode {
        match m {
            classify::Mode::Auto => CodeMode::Auto,
            classify::Mode::Supervised => CodeMode::Supervised,
            classify::Mode::ZeroShot => CodeMode::ZeroShot,
        }
    }
}

/// `--mode` of `autocode eval code`: the classifier's modes and a baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalModeArg {
    Auto,
    Supervised,
    #[value(alias = "zeroshot")]
    ZeroShot,
    /// Baseline: a code is assigned when the text contains a word of its name.
    Keyword,
}

impl From<EvalModeArg> for EvalMode {
    fn from(m: EvalModeArg) -> EvalMode {
        match m {
            EvalModeArg::Auto => EvalMode::Auto,
            EvalModeArg::Supervised => EvalMode::Supervised,
            EvalModeArg::ZeroShot => EvalMode::ZeroShot,
            EvalModeArg::Keyword => EvalMode::Keyword,
        }
    }
}

impl From<EvalMode> for EvalModeArg {
    fn from(m: EvalMode) -> EvalModeArg {
        match m {
            EvalMode::Auto => EvalModeArg::Auto,
            EvalMode::Supervised => EvalModeArg::Supervised,
            EvalMode::ZeroShot => EvalModeArg::ZeroShot,
            EvalMode::Keyword => EvalModeArg::Keyword,
        }
    }
}

/// `--features`: feature blocks of supervised codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FeaturesArg {
    /// Embedding + TF-IDF.
    Both,
    Embedding,
    Tfidf,
}

impl From<FeaturesArg> for Features {
    fn from(f: FeaturesArg) -> Features {
        match f {
            FeaturesArg::Both => Features::Both,
            FeaturesArg::Embedding => Features::Embedding,
            FeaturesArg::Tfidf => Features::Tfidf,
        }
    }
}

impl From<Features> for FeaturesArg {
    fn from(f: Features) -> FeaturesArg {
        match f {
            Features::Both => FeaturesArg::Both,
            Features::Embedding => FeaturesArg::Embedding,
            Features::Tfidf => FeaturesArg::Tfidf,
        }
    }
}

/// `--group-by`: fold groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupByArg {
    /// No document in both train and test.
    Doc,
    /// Each item on its own.
    Id,
}

impl From<GroupByArg> for GroupBy {
    fn from(g: GroupByArg) -> GroupBy {
        match g {
            GroupByArg::Doc => GroupBy::Doc,
            GroupByArg::Id => GroupBy::Id,
        }
    }
}

impl From<GroupBy> for GroupByArg {
    fn from(g: GroupBy) -> GroupByArg {
        match g {
            GroupBy::Doc => GroupByArg::Doc,
            GroupBy::Id => GroupByArg::Id,
        }
    }
}

#[derive(Args, Debug)]
pub struct CodeArgs {
    /// Model folder (default: the one the last `autocode embed` used, else the default model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Codebook file to approve and use (default: the project's latest approved codebook).
    #[arg(long)]
    pub codebook: Option<PathBuf>,
    /// auto: supervised where a code has enough human codings, else zero-shot.
    #[arg(long, value_enum, default_value_t = CodeOptions::default().mode.into())]
    pub mode: CodeMode,
    /// A code needs this many human-coded positives (and negatives) to be supervised.
    #[arg(long, default_value_t = CodeOptions::default().min_positives)]
    pub min_positives: usize,
    /// First import gold codings (JSONL: doc, text, labels; or a table, as eval code --gold) as source='gold', matched by document and text.
    #[arg(long)]
    pub import_gold: Option<PathBuf>,
    /// CSV with columns `code,expected` (code id or name): print the expected participant counts beside ours.
    #[arg(long)]
    pub expected: Option<PathBuf>,
    /// The --import-gold file covers a random sample of these units: the units it
    /// codes completely become the audit sample the report's estimates use.
    #[arg(long, value_enum, requires = "import_gold")]
    pub random_sample: Option<super::audit::UnitArg>,
    /// Import --import-gold only for the units of the drawn audit sample (`autocode audit draw`).
    #[arg(long, requires = "import_gold", conflicts_with = "random_sample")]
    pub audit_only: bool,
    /// Code minimal responses too ("Yeah.", "Okay.", sentences without a content word; docs/themes.md).
    #[arg(long)]
    pub keep_minimal: bool,
    /// Print the per-code table as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct EvalCodeArgs {
    /// Gold codings, JSONL with id, text, labels (and doc, annotator_labels), or a table
    /// (.csv/.xlsx/.xls/.ods) with a text column and a labels column or one column per code.
    #[arg(long)]
    pub gold: PathBuf,
    /// Train on this file and test on --gold (default: grouped k-fold CV on --gold).
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// Codebook (autocode YAML/JSON, the shared codebook.json, or .qdc); default: the labels seen.
    #[arg(long)]
    pub codebook: Option<PathBuf>,
    /// Folds of the cross-validation (at least 2).
    #[arg(long, default_value_t = EvalCodeOptions::default().folds)]
    pub folds: usize,
    /// Fold groups: doc (no document in both train and test) or id.
    #[arg(long, value_enum, default_value_t = EvalCodeOptions::default().group_by.into())]
    pub group_by: GroupByArg,
    /// Use only the first N gold items.
    #[arg(long)]
    pub limit: Option<usize>,
    #[arg(long)]
    pub json: bool,
    /// Probabilities in [lo, hi) count as needing review [default: 0.35,0.75].
    #[arg(long)]
    pub review_band: Option<String>,
    /// auto | supervised | zero-shot | keyword (baseline).
    #[arg(long, value_enum, default_value_t = EvalCodeOptions::default().mode.into())]
    pub mode: EvalModeArg,
    /// Features of supervised codes: both (embedding + TF-IDF), embedding, tfidf.
    #[arg(long, value_enum, default_value_t = EvalCodeOptions::default().features.into())]
    pub features: FeaturesArg,
    /// Learning curve: train on at most N positives per code.
    #[arg(long)]
    pub per_code: Option<usize>,
    #[arg(long, default_value_t = EvalCodeOptions::default().min_positives)]
    pub min_positives: usize,
    /// Inverse regularisation strength of the logistic regressions.
    #[arg(long, default_value_t = EvalCodeOptions::default().c)]
    pub c: f64,
    /// Weight of the sentences before and after a spoken sentence in
    /// supervised codes' features (0: each sentence alone).
    #[arg(long, default_value_t = EvalCodeOptions::default().context_weight)]
    pub context_weight: f32,
    /// Weight of the question a spoken sentence's turn answers (the
    /// moderator's last turn before it) in supervised codes' features (0:
    /// not read). Read from the transcripts the gold's `doc` names.
    #[arg(long, default_value_t = EvalCodeOptions::default().question_weight)]
    pub question_weight: f32,
    /// A unit no top-level code takes gets its most probable code learnt
    /// from human codings when that probability reaches this, in a codebook
    /// without a top-level catch-all code (1: off).
    #[arg(long, default_value_t = EvalCodeOptions::default().best_code_floor)]
    pub best_code_floor: f64,
    /// Folder the gold's `doc` paths are relative to, for the questions
    /// (default: the gold file's folder; where a file is missing, its
    /// items are read without their question).
    #[arg(long)]
    pub transcripts: Option<PathBuf>,
    #[arg(long, default_value_t = EvalCodeOptions::default().seed)]
    pub seed: u64,
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Number format of the encoder's matrix products (see `embed --precision`).
    #[arg(long, default_value_t = EvalCodeOptions::default().precision)]
    pub precision: embed::Precision,
    /// Embedding cache: a store file (default: the project store if it exists, else ~/.cache/autocode/eval.db).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Also write the item embeddings (gold order) and fold ids here, as JSON, for baselines.
    #[arg(long)]
    pub dump: Option<PathBuf>,
    /// Also write each item's out-of-fold probabilities here (JSONL), the input of `eval audit`.
    #[arg(long)]
    pub predictions: Option<PathBuf>,
    /// Simulated review instead of the CV: from the codebook alone, review the
    /// queue's next items (answered from gold), retrain, repeat; against random
    /// items. Scored on the held-out 1/--folds of the documents (of the
    /// speakers or items, as `--group-by` groups the folds).
    #[arg(long)]
    pub simulate_review: bool,
    /// --simulate-review checkpoints: reviewed items per code.
    #[arg(long, value_delimiter = ',', default_values_t = SimulationOptions::default().per_code_steps, requires = "simulate_review")]
    pub per_code_steps: Vec<usize>,
    /// --simulate-review repetitions (document split and random order per seed).
    #[arg(long, default_value_t = SimulationOptions::default().seeds, requires = "simulate_review")]
    pub seeds: usize,
    /// --simulate-review: items reviewed between retrainings.
    #[arg(long, default_value_t = SimulationOptions::default().batch, requires = "simulate_review")]
    pub batch: usize,
    /// --simulate-review: the queue order measured (representative, balanced, balanced-uncertain, uncertain).
    #[arg(long, default_value_t = SimulationOptions::default().queue.strategy, requires = "simulate_review")]
    pub queue_order: QueueStrategy,
    /// --simulate-review: also write each order's reviewed items (gold ids) per seed and
    /// checkpoint here, with the held-out ids, as JSON lines: to train another learner on the same reviews.
    #[arg(long, requires = "simulate_review")]
    pub picks: Option<PathBuf>,
}

// ---------------------------------------------------------------- code

pub fn run(g: &Global, a: CodeArgs) -> Outcome {
    let _lock = super::lock_project(g)?;
    let opts = CodeOptions {
        model: a.model,
        codebook: a.codebook,
        mode: a.mode.into(),
        min_positives: a.min_positives,
        import_gold: a.import_gold,
        expected: a.expected,
        random_sample: a.random_sample.map(Into::into),
        audit_only: a.audit_only,
        spoken: themes::SpokenParams {
            skip_minimal: !a.keep_minimal,
            ..Default::default()
        },
    };
    let mut project = Project::open(&g.project)?;
    let summary = pipeline::code(&mut project, &opts)?;
    print(g, &summary, a.json, &mut std::io::stdout().lock())?;
    Ok(ExitCode::from(summary.exit_code()))
}

/// Notes to stderr; the table (or, with `json`, the JSON object) to `out`.
pub fn print(g: &Global, s: &CodeSummary, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    if let Some(note) = &s.codebook_note {
        if !g.quiet {
            eprintln!("{note}");
        }
    }
    if let Some(gold) = &s.gold {
        if !g.quiet {
            eprintln!(
                "gold: {} sentences, {} codings imported from {}",
                gold.sentences,
                gold.codings,
                gold.path.display()
            );
        }
        if let Some(a) = &s.audit {
            if !g.quiet {
                eprintln!(
                    "audit sample {}: the gold codes {} of {} {}s completely (declared a random sample)",
                    a.sample_id,
                    a.coded,
                    a.population,
                    a.unit.as_str()
                );
            }
        }
        if gold.unmatched > 0 {
            eprintln!(
                "gold: {} items of {} match no stored sentence or turn (document + text; without a document, in one document only){}",
                gold.unmatched,
                gold.path.display(),
                if gold.unmatched > gold.unmatched_items.len() { ", the first:" } else { ":" }
            );
            for item in &gold.unmatched_items {
                eprintln!("  {item}");
            }
        }
    }
    if !g.quiet {
        for c in &s.models {
            eprintln!(
                "  {:<28} {} (threshold {:.2})",
                c.code_id, c.note, c.threshold
            );
        }
    }
    if let (Some(c), false) = (&s.crossfit, g.quiet) {
        eprintln!(
            "cross-fitted: the {} {}s with human codes are coded by {} models that did not see them",
            c.units,
            c.unit.as_str(),
            c.folds
        );
    }
    if s.with_question > 0 && !g.quiet {
        eprintln!(
            "{} participant sentences answer a moderator's question, which the codes learnt from human labels or from the corpus read with them",
            s.with_question
        );
    }
    if (s.memo_reasons > 0 || s.memo_held > 0) && !g.quiet {
        eprintln!(
            "reviewers' memos: {} trained on as the reasons of their decisions; {} sentences with a memo alone held out of the corpus's pseudo-labels",
            s.memo_reasons, s.memo_held
        );
    }
    if s.classifier_loaded && !g.quiet {
        eprintln!(
            "classifier: loaded as last fitted (same training data{}, parameters)",
            if s.sample_kept {
                ", the corpus sample of the last run"
            } else {
                ", corpus sample"
            }
        );
    }
    if s.missing_embeddings > 0 {
        eprintln!(
            "{} participant sentences have no embedding yet and were not coded (run `autocode embed`)",
            s.missing_embeddings
        );
    }
    if json {
        let v = serde_json::json!({
            "codebook_version": s.codebook_version,
            "model_key": s.model_key,
            "classifier": s.classifier,
            "coded": s.coded,
            "skipped_minimal": s.skipped_minimal,
            "with_question": s.with_question,
            "memo_reasons": s.memo_reasons,
            "memo_held": s.memo_held,
            "sample_kept": s.sample_kept,
            "classifier_loaded": s.classifier_loaded,
            "gold": s.gold,
            "audit": s.audit,
            "codes": s.codes,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    if g.quiet {
        return Ok(());
    }
    writeln!(
        out,
        "coded {} sentences (codebook v{}, {}); {} already coded{}",
        s.coded,
        s.codebook_version,
        s.classifier,
        s.already_coded,
        skipped_note(s.skipped_minimal)
    )?;
    let show_expected = s.expected_given;
    writeln!(
        out,
        "{:<28} {:>10} {:>12}{}  model",
        "code",
        "sentences",
        "participants",
        if show_expected { "     study" } else { "" }
    )?;
    for row in &s.codes {
        let exp = if show_expected {
            format!(
                "{:>10}",
                row.expected.map_or("-".to_string(), |v| v.to_string())
            )
        } else {
            String::new()
        };
        let depth = row.parent.is_some() as usize;
        // The counts are unpadded (they were JSON values, whose Display
        // ignores widths); aligning them would change `make demo` output,
        // so that is left to a change of its own.
        writeln!(
            out,
            "{:<28} {} {}{exp}  {}",
            format!("{}{}", "  ".repeat(depth), row.code),
            row.sentences,
            row.participants,
            // A category has no model to calibrate.
            if row.calibrated || row.model.starts_with("category") {
                row.model.to_string()
            } else {
                format!("{} (uncalibrated)", row.model)
            }
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------- eval code

fn parse_review_band(s: &str) -> anyhow::Result<(f64, f64)> {
    s.split_once(',')
        .and_then(|(l, h)| Some((l.trim().parse::<f64>().ok()?, h.trim().parse::<f64>().ok()?)))
        .filter(|(l, h)| l < h)
        .ok_or_else(|| anyhow::anyhow!("--review-band {s:?}: expected LO,HI with LO < HI"))
}

pub fn eval(g: &Global, a: EvalCodeArgs) -> Outcome {
    let d = EvalCodeOptions::default();
    let opts = EvalCodeOptions {
        gold: a.gold,
        train: a.train,
        codebook: a.codebook,
        folds: a.folds,
        group_by: a.group_by.into(),
        limit: a.limit,
        review_band: match &a.review_band {
            Some(s) => parse_review_band(s)?,
            None => d.review_band,
        },
        mode: a.mode.into(),
        features: a.features.into(),
        per_code: a.per_code,
        min_positives: a.min_positives,
        c: a.c,
        context_weight: a.context_weight,
        question_weight: a.question_weight,
        best_code_floor: a.best_code_floor,
        transcripts: a.transcripts,
        seed: a.seed,
        model: a.model,
        precision: a.precision,
        cache: a.cache,
        dump: a.dump,
        predictions: a.predictions,
        simulate_review: a.simulate_review.then(|| SimulationOptions {
            per_code_steps: a.per_code_steps.clone(),
            seeds: a.seeds,
            batch: a.batch,
            queue: classify::active::QueueParams {
                strategy: a.queue_order,
                ..Default::default()
            },
            record_picks: a.picks.is_some(),
            ..Default::default()
        }),
    };
    if opts.simulate_review.is_some() {
        let mut r = pipeline::eval::eval_simulated_review(&opts, &g.project)?;
        if let Some(path) = &a.picks {
            let mut lines = String::new();
            for p in std::mem::take(&mut r.picks) {
                lines.push_str(&serde_json::to_string(&p)?);
                lines.push('\n');
            }
            std::fs::write(path, lines)
                .map_err(|e| anyhow::anyhow!("--picks {}: {e}", path.display()))?;
        }
        if a.json {
            println!("{}", serde_json::to_string(&r)?);
        } else {
            print_simulation(&r);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let s = pipeline::eval::eval_code(&opts, &g.project)?;
    if a.json {
        println!("{}", serde_json::to_string(&serde_json::to_value(&s)?)?);
    } else {
        print_report(&s.report, s.seconds);
    }
    Ok(ExitCode::SUCCESS)
}

/// The simulation's table: one row per checkpoint, queue and random side
/// by side, mean (min–max) over seeds, and the lead ± its standard error.
fn print_simulation(r: &classify::simulate::SimulationReport) {
    use classify::simulate::{paired_difference, spread};
    println!(
        "simulated review: {} items, {} codes, held-out 1/{} of the {}s per seed, {} seeds, batch {}, queue order {}",
        r.items, r.codes, r.folds, r.grouped_by, r.seeds, r.batch, r.queue
    );
    println!(
        "{:>8} {:>9}  {:<22} {:<22} {:>15}  {:<22} {:<22}",
        "per code",
        "reviewed",
        "kappa queue",
        "kappa random",
        "Δκ (± s.e.)",
        "macro-F1 queue",
        "macro-F1 random"
    );
    let cell = |v: &[f64]| {
        let (m, lo, hi) = spread(v);
        format!("{m:.3} ({lo:.3}–{hi:.3})")
    };
    for q in r.rows.iter().filter(|x| x.order == "queue") {
        let Some(rnd) = r
            .rows
            .iter()
            .find(|x| x.order == "random" && x.per_code == q.per_code)
        else {
            continue;
        };
        let reviewed = q.reviewed.iter().sum::<usize>() / q.reviewed.len().max(1);
        // The lead with its standard error over the seeds (paired: both
        // orders review the same split).
        let lead = match paired_difference(&q.kappa, &rnd.kappa) {
            Some((d, se)) => format!("{d:+.3} ± {se:.3}"),
            None => format!("{:+.3}", spread(&q.kappa).0 - spread(&rnd.kappa).0),
        };
        println!(
            "{:>8} {:>9}  {:<22} {:<22} {:>15}  {:<22} {:<22}",
            q.per_code,
            reviewed,
            cell(&q.kappa),
            cell(&rnd.kappa),
            lead,
            cell(&q.macro_f1),
            cell(&rnd.macro_f1)
        );
    }
    print_simulation_codes(r);
}

/// Per code and checkpoint: the queue's kappa minus random review's (mean
/// over the seeds where both are defined), and the positives each found.
fn print_simulation_codes(r: &classify::simulate::SimulationReport) {
    let pairs: Vec<_> = r
        .rows
        .iter()
        .filter(|q| q.order == "queue" && q.per_code > 0)
        .filter_map(|q| {
            r.rows
                .iter()
                .find(|x| x.order == "random" && x.per_code == q.per_code)
                .map(|rnd| (q, rnd))
        })
        .collect();
    let Some((first, _)) = pairs.first() else {
        return;
    };
    println!("per code: Δκ queue − random (positives found, queue / random), mean over seeds");
    let mut head = format!("{:<40}", "code");
    for (q, _) in &pairs {
        head += &format!(" {:>20}", format!("at {}", q.per_code));
    }
    println!("{head}");
    let mean = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
    for code in first.code_kappa.keys() {
        let mut line = format!("{code:<40}");
        for (q, rnd) in &pairs {
            let (Some(qk), Some(rk)) = (q.code_kappa.get(code), rnd.code_kappa.get(code)) else {
                continue;
            };
            let both: Vec<f64> = qk
                .iter()
                .zip(rk)
                .filter_map(|(a, b)| Some((*a)? - (*b)?))
                .collect();
            let delta = if both.is_empty() {
                "–".to_string()
            } else {
                format!("{:+.3}", both.iter().sum::<f64>() / both.len() as f64)
            };
            let found = |row: &classify::simulate::SimulationRow| {
                mean(row.code_positives.get(code).map_or(&[][..], |v| v))
            };
            line += &format!(
                " {:>20}",
                format!("{delta} ({:.1}/{:.1})", found(q), found(rnd))
            );
        }
        println!("{line}");
    }
}

fn print_report(r: &EvalReport, secs: f64) {
    let fold_note = if r.folds > 1 {
        match r.grouped_by.as_str() {
            // A survey of one document: its respondents are the groups.
            "speaker" => format!("{}-fold CV grouped by speaker", r.folds),
            _ => format!("{}-fold grouped CV", r.folds),
        }
    } else {
        "train/test".into()
    };
    println!(
        "{} items, {fold_note}, predictor {} ({secs:.1} s)",
        r.items, r.predictor
    );
    println!(
        "{:<40} {:>6} {:>6} {:>6} {:>6} {:>7} {:>7} {:>7}  model",
        "code", "P", "R", "F1", "kappa", "human", "support", "pred"
    );
    for (code, c) in &r.per_code {
        let models: Vec<String> = c.models.iter().map(|(k, n)| format!("{k}×{n}")).collect();
        println!(
            "{:<40} {:>6.3} {:>6.3} {:>6.3} {:>6} {:>7} {:>7} {:>7}  {}",
            code,
            c.precision,
            c.recall,
            c.f1,
            c.kappa.map_or("–".into(), |k| format!("{k:.3}")),
            c.human_kappa.map_or("-".into(), |k| format!("{k:.3}")),
            c.support,
            c.predicted,
            models.join(" ")
        );
    }
    println!(
        "macro-F1 {:.3}  mean kappa {}{}{}  micro-F1 {:.3}",
        r.macro_f1,
        r.mean_kappa.map_or("–".into(), |k| format!("{k:.3}")),
        match r.kappa_undefined {
            0 => String::new(),
            n => format!(" ({n} code(s) without a kappa left out)"),
        },
        r.human_mean_kappa
            .map_or(String::new(), |h| format!(" (humans {h:.3})")),
        r.micro_f1
    );
    println!(
        "ECE (10 bins) {:.4} over all (item, code) pairs; {:.4} over pairs with p >= 0.05",
        r.ece, r.ece_stored
    );
    println!(
        "review band [{:.2}, {:.2}): {} (item, code) pairs",
        r.review_band.0, r.review_band.1, r.in_review_band
    );
    println!("reliability:   bin        n   mean p   observed");
    for b in &r.reliability {
        println!(
            "           {:.1}-{:.1} {:>8} {:>8.3} {:>10.3}",
            b.lower, b.upper, b.count, b.confidence, b.frequency
        );
    }
}

/// "; skipped N minimal responses" when there were any (`--keep-minimal` codes them).
pub fn skipped_note(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("; skipped {} minimal responses", thousands(n))
    }
}

/// 1234567 → "1,234,567".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
