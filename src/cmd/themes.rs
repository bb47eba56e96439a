//! `autocode themes` (suggest themes by clustering) and `autocode eval themes`
//! (adjusted Rand index / NMI against single-label gold): arguments and
//! printing; the stages are `pipeline::themes` and `pipeline::eval::eval_themes`.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use pipeline::eval::EvalThemesOptions;
use pipeline::{Project, ThemesOptions, ThemesSummary};
use themes::ThemeParams;

use super::{Global, Outcome};

/// Clustering options shared by `themes` and `eval themes`. Unset options
/// take `ThemeParams::default()`, the one place the defaults live.
#[derive(Args, Debug, Clone)]
pub struct ClusterOpts {
    /// Seed of every randomised step; the same seed and input give the same themes [default: 42].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Smallest theme, in sentences [default: 10].
    #[arg(long)]
    pub min_size: Option<usize>,
    /// Merge the closest themes until at most this many remain [default: 40].
    #[arg(long)]
    pub max_themes: Option<usize>,
    /// Assign each unclustered sentence to the nearest theme when their cosine similarity is at least T.
    #[arg(long, value_name = "T")]
    pub reassign_outliers: Option<f32>,
    /// Sentences clustered directly; the rest join the nearest theme centroid.
    #[arg(long, hide = true)]
    pub sample_cap: Option<usize>,
    /// Re-runs used for the stability score.
    #[arg(long, hide = true)]
    pub stability_runs: Option<usize>,
}

impl ClusterOpts {
    fn params(&self) -> ThemeParams {
        let d = ThemeParams::default();
        ThemeParams {
            seed: self.seed.unwrap_or(d.seed),
            min_size: self.min_size.unwrap_or(d.min_size),
            max_themes: self.max_themes.unwrap_or(d.max_themes),
            reassign_outliers: self.reassign_outliers.or(d.reassign_outliers),
            sample_cap: self.sample_cap.unwrap_or(d.sample_cap),
            stability_runs: self.stability_runs.unwrap_or(d.stability_runs),
            ..d
        }
    }
}

#[derive(Args, Debug)]
pub struct ThemesArgs {
    #[command(flatten)]
    pub cluster: ClusterOpts,
    /// A theme "matches" a code when their cosine similarity is at least this.
    #[arg(long, default_value_t = ThemesOptions::default().match_threshold)]
    pub match_threshold: f32,
    /// Model folder used to embed the codebook (default: the one `autocode embed` used).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Carry the latest theme run forward when few sentences changed since it
    /// (same model and settings): its sentences keep their themes and new ones
    /// join the nearest theme; otherwise cluster from scratch.
    #[arg(long)]
    pub incremental: bool,
    /// With --incremental: cluster from scratch when more than this share of
    /// the last real clustering's sentences is new or gone since it (summed
    /// over the runs carried forward after it).
    #[arg(long, default_value_t = ThemesOptions::default().refit_share, value_name = "SHARE")]
    pub refit_share: f64,
    /// Cluster minimal responses too ("Yeah.", "Okay.", sentences without a content word) and a survey's non-answers ("Nothing really.", "idk"); docs/themes.md.
    #[arg(long)]
    pub keep_minimal: bool,
    /// Print the stored run as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct EvalThemesArgs {
    /// Gold JSONL: one object per line with "text" and "labels" (list); sentences with exactly one label are used.
    #[arg(long)]
    pub gold: PathBuf,
    /// Model folder (default: $AUTOCODE_MODEL or models/all-MiniLM-L6-v2).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Number format of the encoder's matrix products (see `embed --precision`).
    #[arg(long, default_value_t = embed::Precision::default())]
    pub precision: embed::Precision,
    /// Embedding cache: a store file (default: the project store if it exists, else ~/.cache/autocode/eval.db).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    #[command(flatten)]
    pub cluster: ClusterOpts,
    /// Also write the used sentences' embeddings (.npy) and labels (.labels.txt) here, for baselines.
    #[arg(long, hide = true)]
    pub dump: Option<PathBuf>,
    /// Use minimal responses too (skipped by default, as `autocode themes` does).
    #[arg(long)]
    pub keep_minimal: bool,
    /// Codebook whose codes name a gold table's code columns (as `eval code --codebook`).
    #[arg(long)]
    pub codebook: Option<PathBuf>,
    /// Embed the cleaned text (fillers and repeats dropped) instead of the text: a measurement (docs/themes.md).
    #[arg(long, hide = true)]
    pub embed_cleaned: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn run(g: &Global, a: ThemesArgs) -> Outcome {
    let _lock = super::lock_project(g)?;
    let opts = ThemesOptions {
        params: a.cluster.params(),
        spoken: themes::SpokenParams {
            skip_minimal: !a.keep_minimal,
            ..Default::default()
        },
        match_threshold: a.match_threshold,
        model: a.model,
        incremental: a.incremental,
        refit_share: a.refit_share,
    };
    let mut project = Project::open(&g.project)?;
    let summary = pipeline::themes(&mut project, &opts)?;
    print(&summary, a.json, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

/// The stored run as text (or JSON) to `out`. Themes are shown as the
/// store holds them: under their stored label (a reviewer's rename) and
/// with what reviewers decided; the text lists those the report lists (open
/// or accepted, docs/formats.md) and names the dismissed and merged ones at
/// the end, while `--json` gives every theme with its `status`.
pub fn print(s: &ThemesSummary, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(s)?)?;
        return Ok(());
    }
    if let Some(prior) = s.updated_from {
        writeln!(
            out,
            "themes of run {prior} carried forward: new sentences joined the nearest theme (`autocode themes` without --incremental clusters afresh)"
        )?;
    }
    writeln!(
        out,
        "{} from {} (run {}{}); {:.1}% of sentences in no theme{}",
        counted(s.n_leaves, "theme"),
        counted(s.sentences, "participant sentence"),
        s.theme_run_id,
        super::code::skipped_note(s.skipped_minimal),
        100.0 * s.outlier_share,
        if s.reassigned_outliers {
            format!(
                " ({:.1}% before reassignment)",
                100.0 * s.outlier_share_before_reassignment
            )
        } else {
            String::new()
        }
    )?;
    let (leaves, parents) = s.themes.split_at(s.n_leaves.min(s.themes.len()));
    for t in leaves.iter().filter(|t| t.in_report()) {
        let b = &t.body;
        let parent = t
            .parent_id
            .map(|p| format!(", under #{p}"))
            .unwrap_or_default();
        let phrase = b
            .phrase
            .as_deref()
            .map(|p| format!(" — \"{p}\""))
            .unwrap_or_default();
        let decided = if t.status == "open" {
            String::new()
        } else {
            format!("{}; ", decision(t))
        };
        writeln!(
            out,
            "\n#{} {}{phrase}  [{}, {}; cohesion {:.2}, stability {:.2}; {decided}{}{}]",
            t.id,
            b.label,
            counted(b.size, "sentence"),
            counted(b.participants, "participant"),
            b.cohesion,
            b.stability,
            b.verdict,
            parent
        )?;
        for q in b.quotes.iter().take(2) {
            writeln!(
                out,
                "    \"{}\" — {}, {}",
                q.text,
                q.speaker.as_deref().unwrap_or("?"),
                q.document
            )?;
        }
    }
    let listed_parents: Vec<_> = parents.iter().filter(|t| t.in_report()).collect();
    if !listed_parents.is_empty() {
        writeln!(out, "\nBroader themes (merge tree):")?;
        for t in listed_parents {
            let b = &t.body;
            let kids: Vec<String> = b.children.iter().map(|c| format!("#{c}")).collect();
            let decided = if t.status == "open" {
                String::new()
            } else {
                format!("; {}", decision(t))
            };
            writeln!(
                out,
                "  #{} level {} {}  [{}, {}{decided}] = {}",
                t.id,
                b.level,
                b.label,
                counted(b.size, "sentence"),
                counted(b.participants, "participant"),
                kids.join(" + ")
            )?;
        }
    }
    let left_out: Vec<String> = s
        .themes
        .iter()
        .filter(|t| !t.in_report())
        .map(|t| format!("#{} {} ({})", t.id, t.body.label, decision(t)))
        .collect();
    if !left_out.is_empty() {
        writeln!(
            out,
            "\nNot listed, as reviewers decided (the report leaves them out too; --json lists them): {}",
            left_out.join(", ")
        )?;
    }
    Ok(())
}

/// What reviewers decided on a theme, as its status reads: "accepted as
/// CODE", "merged into CODE", "dismissed".
fn decision(t: &pipeline::themes::StoredThemeSummary) -> String {
    match (t.status.as_str(), &t.code_id) {
        ("accepted", Some(code)) => format!("accepted as {code}"),
        ("merged", Some(code)) => format!("merged into {code}"),
        (status, _) => status.to_string(),
    }
}

/// "1 participant", "2 participants".
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

pub fn eval(g: &Global, a: EvalThemesArgs) -> Outcome {
    let opts = EvalThemesOptions {
        gold: a.gold,
        model: a.model,
        precision: a.precision,
        cache: a.cache,
        params: a.cluster.params(),
        dump: a.dump,
        spoken: themes::SpokenParams {
            skip_minimal: !a.keep_minimal,
            ..Default::default()
        },
        embed_cleaned: a.embed_cleaned,
        codebook: a.codebook,
    };
    let out = pipeline::eval::eval_themes(&opts, &g.project)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "{}: {} of {} sentences have exactly one label ({} labels; {} minimal responses left out)\n{} themes, {:.1}% outliers (scored as one cluster)\nadjusted Rand index {:.4}\nNMI                 {:.4}",
            out.gold,
            out.single_label_used,
            out.sentences_in_gold,
            out.gold_labels,
            out.skipped_minimal,
            out.themes,
            100.0 * out.outlier_share,
            out.adjusted_rand_index,
            out.nmi
        );
    }
    Ok(ExitCode::SUCCESS)
}
