//! `autocode themes` (suggest themes by clustering) and `autocode eval themes`
//! (adjusted Rand index / NMI of the clustering against single-label gold).
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use embed::Encoder;
use serde::Serialize;
use store::{NewTheme, NewThemeRun, Store};
use themes::metrics::{adjusted_rand_index, normalized_mutual_info};
use themes::{CodeVector, Dataset, SegmentInfo, ThemeParams, ThemeSuggestion};

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
    #[arg(long, default_value_t = 0.5)]
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
    /// the latest run's sentences is new or gone.
    #[arg(long, default_value_t = 0.1, value_name = "SHARE")]
    pub refit_share: f64,
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
    /// Embedding cache: a store file (default: the project store if it exists, else ~/.cache/autocode/eval.db).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    #[command(flatten)]
    pub cluster: ClusterOpts,
    /// Also write the used sentences' embeddings (.npy) and labels (.labels.txt) here, for baselines.
    #[arg(long, hide = true)]
    pub dump: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct RunOutput<'a> {
    theme_run_id: i64,
    updated_from: Option<i64>,
    model_key: &'a str,
    sentences: usize,
    outlier_share: f64,
    outlier_share_before_reassignment: f64,
    themes: Vec<StoredOutput>,
}

#[derive(Serialize)]
struct StoredOutput {
    id: i64,
    parent_id: Option<i64>,
    #[serde(flatten)]
    body: ThemeSuggestion,
}

pub fn run(g: &Global, a: ThemesArgs) -> Outcome {
    let params = a.cluster.params().check()?;
    if !(0.0..=1.0).contains(&a.refit_share) {
        bail!(
            "--refit-share must be a share in [0, 1], got {}",
            a.refit_share
        );
    }
    let mut params_json = serde_json::to_value(&*params)?;
    params_json["match_threshold"] = serde_json::json!(a.match_threshold);
    let params_json = params_json.to_string();
    let mut store = Store::open(&g.project)?;
    let model_key = store
        .meta("model_key")?
        .context("no embeddings in this project: run `autocode embed` first")?;
    let segments = store.segments(true)?;
    let vectors: BTreeMap<i64, Vec<f32>> = store
        .segment_embeddings(&model_key, true)?
        .into_iter()
        .collect();
    let segments: Vec<_> = segments
        .into_iter()
        .filter(|s| vectors.contains_key(&s.id))
        .collect();
    if segments.is_empty() {
        bail!(
            "no embedded participant sentences for model {model_key}: run `autocode embed` first"
        );
    }
    let dim = vectors.values().next().map_or(0, Vec::len);
    // Keys independent of ingest order (segment ids are not).
    let keys: Vec<(String, String, i64, i64)> = segments
        .iter()
        .map(|s| {
            (
                s.text_hash.clone(),
                s.document.clone(),
                s.turn_index,
                s.sentence_index,
            )
        })
        .collect();
    let mut flat = Vec::with_capacity(segments.len() * dim);
    for s in &segments {
        let v = &vectors[&s.id];
        if v.len() != dim {
            bail!(
                "segment {} has a {}-d vector, others {dim}-d",
                s.id,
                v.len()
            );
        }
        flat.extend_from_slice(v);
    }
    drop(vectors);
    let ds = Dataset::new(keys, flat, dim)?;
    let prior = if a.incremental {
        prior_fit(&store, &model_key, &params_json, &segments, a.refit_share)?
    } else {
        None
    };
    let (fit, updated_from) = match prior {
        Some((prior_run, prior)) => match params.update(&ds, &prior) {
            Ok(fit) => {
                tracing::info!(
                    new = prior.new_rows(),
                    from_run = prior_run,
                    "carried the latest theme run forward"
                );
                (fit, Some(prior_run))
            }
            Err(themes::ThemeError::LeafEmptied(t)) => {
                tracing::info!(
                    "theme {t} of run {prior_run} lost all its sentences: clustering from scratch"
                );
                (params.fit(&ds)?, None)
            }
            Err(e) => return Err(e.into()),
        },
        None => (params.fit(&ds)?, None),
    };

    let infos: Vec<SegmentInfo> = segments
        .iter()
        .map(|s| SegmentInfo {
            segment_id: s.id,
            text: s.text.clone(),
            speaker: s.speaker.clone(),
            participant_id: s.participant_id.clone(),
            document: s.document.clone(),
            turn_index: s.turn_index,
            sentence_index: s.sentence_index,
        })
        .collect();
    let codes = codebook_vectors(&store, &model_key, a.model.as_deref())?;
    let attributes = store.participant_attributes()?;
    let suggestions = themes::describe(&fit, &ds, &infos, &attributes, &codes, a.match_threshold);

    let member_ids: Vec<Vec<i64>> = fit
        .themes
        .iter()
        .map(|t| {
            let mut ids: Vec<i64> = t.members.iter().map(|&r| segments[r].id).collect();
            ids.sort_unstable();
            ids
        })
        .collect();
    let new: Vec<NewTheme> = fit
        .themes
        .iter()
        .zip(&suggestions)
        .zip(&member_ids)
        .map(|((t, s), m)| NewTheme {
            label: &s.label,
            level: t.level,
            parent: t.parent,
            members: m,
        })
        .collect();
    let inputs: Vec<store::ThemeInput> = segments
        .iter()
        .zip(&fit.labels)
        .map(|(s, &leaf)| store::ThemeInput {
            segment_id: s.id,
            text_hash: &s.text_hash,
            leaf,
        })
        .collect();
    let with_ids = |i: usize, ids: &[i64]| {
        let mut body = suggestions[i].clone();
        body.children = body.children.iter().map(|&c| ids[c] as usize).collect();
        body
    };
    let (run_id, ids) = store.put_theme_run(
        &NewThemeRun {
            model_key: &model_key,
            params_json: &params_json,
            outlier_share: fit.outlier_share,
            outlier_share_clustered: fit.outlier_share_clustered,
            n_segments: segments.len(),
            updated_from,
        },
        &new,
        &inputs,
        |i, ids| serde_json::to_string(&with_ids(i, ids)).expect("suggestion serialises"),
    )?;

    if a.json {
        let out = RunOutput {
            theme_run_id: run_id,
            updated_from,
            model_key: &model_key,
            sentences: segments.len(),
            outlier_share: fit.outlier_share,
            outlier_share_before_reassignment: fit.outlier_share_clustered,
            themes: (0..suggestions.len())
                .map(|i| StoredOutput {
                    id: ids[i],
                    parent_id: fit.themes[i].parent.map(|p| ids[p]),
                    body: with_ids(i, &ids),
                })
                .collect(),
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(prior) = updated_from {
        println!(
            "themes of run {prior} carried forward: new sentences joined the nearest theme (`autocode themes` without --incremental clusters afresh)"
        );
    }
    println!(
        "{} themes from {} participant sentences (run {run_id}); {:.1}% of sentences in no theme{}",
        fit.n_leaves,
        segments.len(),
        100.0 * fit.outlier_share,
        if params.reassign_outliers.is_some() {
            format!(
                " ({:.1}% before reassignment)",
                100.0 * fit.outlier_share_clustered
            )
        } else {
            String::new()
        }
    );
    for (i, s) in suggestions.iter().enumerate().take(fit.n_leaves) {
        let parent = fit.themes[i]
            .parent
            .map(|p| format!(", under #{}", ids[p]))
            .unwrap_or_default();
        println!(
            "\n#{} {}  [{} sentences, {} participants; cohesion {:.2}, stability {:.2}; {}{}]",
            ids[i], s.label, s.size, s.participants, s.cohesion, s.stability, s.verdict, parent
        );
        for q in s.quotes.iter().take(2) {
            println!(
                "    \"{}\" — {}, {}",
                q.text,
                q.speaker.as_deref().unwrap_or("?"),
                q.document
            );
        }
    }
    let parents: Vec<usize> = (fit.n_leaves..suggestions.len()).collect();
    if !parents.is_empty() {
        println!("\nBroader themes (merge tree):");
        for i in parents {
            let s = &suggestions[i];
            let kids: Vec<String> = fit.themes[i]
                .children
                .iter()
                .map(|&c| format!("#{}", ids[c]))
                .collect();
            println!(
                "  #{} level {} {}  [{} sentences, {} participants] = {}",
                ids[i],
                s.level,
                s.label,
                s.size,
                s.participants,
                kids.join(" + ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The latest theme run as a [`themes::PriorFit`] of `segments`, when it used
/// the same model and settings and at most `refit_share` of its sentences
/// are new or gone (a sentence whose text changed counts as gone and new).
fn prior_fit(
    store: &Store,
    model_key: &str,
    params_json: &str,
    segments: &[store::StoredSegment],
    refit_share: f64,
) -> anyhow::Result<Option<(i64, themes::PriorFit)>> {
    let Some(last) = store.latest_theme_run()? else {
        tracing::info!("no earlier theme run: clustering from scratch");
        return Ok(None);
    };
    if last.model_key != model_key || last.params_json != params_json {
        tracing::info!(
            "model or settings changed since theme run {}: clustering from scratch",
            last.id
        );
        return Ok(None);
    }
    let inputs = store.theme_run_inputs(last.id)?;
    if inputs.is_empty() {
        tracing::info!(
            "theme run {} did not record its sentences: clustering from scratch",
            last.id
        );
        return Ok(None);
    }
    let stored = store.theme_suggestions(last.id)?;
    let position: BTreeMap<i64, usize> =
        stored.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    let before: BTreeMap<i64, (&str, Option<i64>)> = inputs
        .iter()
        .map(|i| (i.segment_id, (i.text_hash.as_str(), i.leaf_theme_id)))
        .collect();
    let assignment: Vec<Option<Option<usize>>> = segments
        .iter()
        .map(|s| match before.get(&s.id) {
            Some(&(hash, leaf)) if hash == s.text_hash => Some(leaf.map(|id| position[&id])),
            _ => None,
        })
        .collect();
    let known = assignment.iter().filter(|a| a.is_some()).count();
    let changed = (inputs.len() - known) + (segments.len() - known);
    let share = changed as f64 / inputs.len() as f64;
    if share > refit_share {
        tracing::info!(
            "{changed} sentences new or gone since theme run {} ({:.1}% > {:.1}%): clustering from scratch",
            last.id,
            100.0 * share,
            100.0 * refit_share
        );
        return Ok(None);
    }
    let mut themes = Vec::with_capacity(stored.len());
    for t in &stored {
        let body: serde_json::Value = serde_json::from_str(&t.body_json)
            .with_context(|| format!("theme {} of run {}", t.id, last.id))?;
        themes.push(themes::PriorTheme {
            level: usize::try_from(t.level).context("negative theme level")?,
            parent: t.parent_id.map(|p| position[&p]),
            stability: body["stability"].as_f64().unwrap_or(f64::NAN),
        });
    }
    Ok(Some((
        last.id,
        themes::PriorFit {
            themes,
            assignment,
            outlier_share_clustered: last.outlier_share_clustered.unwrap_or(last.outlier_share),
        },
    )))
}

/// Unit vectors of the latest codebook's codes (name: definition, inclusions
/// and examples averaged), or none when there is no codebook or no model.
fn codebook_vectors(
    store: &Store,
    model_key: &str,
    model: Option<&Path>,
) -> anyhow::Result<Vec<CodeVector>> {
    let Some((version, body)) = store.latest_codebook()? else {
        return Ok(Vec::new());
    };
    let cb: classify::Codebook = serde_json::from_str(&body)
        .with_context(|| format!("codebook version {version} in the store"))?;
    let dir = match model {
        Some(d) => d.to_path_buf(),
        None => store
            .meta("model_path")?
            .map(PathBuf::from)
            .unwrap_or_else(embed::default_model_dir),
    };
    let encoder = embed::SentenceTransformer::load(&dir).with_context(|| {
        format!(
            "loading the model at {} to embed the codebook",
            dir.display()
        )
    })?;
    if encoder.model_key() != model_key {
        bail!(
            "the model at {} ({}) is not the one the sentences were embedded with ({model_key}); pass --model",
            dir.display(),
            encoder.model_key()
        );
    }
    let texts = classify::prototype_texts(&cb);
    let mut out = Vec::new();
    for (code, t) in cb.codes.iter().zip(texts) {
        let refs: Vec<&str> = t.iter().map(String::as_str).collect();
        let emb = encoder.encode(&refs)?;
        let dim = encoder.dim();
        let mut v = vec![0f32; dim];
        for e in &emb.vectors {
            v.iter_mut().zip(e).for_each(|(a, b)| *a += b);
        }
        themes::normalise_rows(&mut v, dim);
        out.push(CodeVector {
            code_id: code.id.clone(),
            name: code.name.clone(),
            vector: v,
        });
    }
    Ok(out)
}

#[derive(Serialize)]
struct EvalOutput {
    gold: String,
    model_key: String,
    sentences_in_gold: usize,
    single_label_used: usize,
    gold_labels: usize,
    themes: usize,
    outlier_share: f64,
    adjusted_rand_index: f64,
    nmi: f64,
    note: &'static str,
}

pub fn eval(g: &Global, a: EvalThemesArgs) -> Outcome {
    let params = a.cluster.params().check()?;
    let (total, items) = read_gold(&a.gold)?;
    if items.len() < 2 {
        bail!(
            "{}: fewer than 2 sentences with exactly one label",
            a.gold.display()
        );
    }
    let dir = a.model.clone().unwrap_or_else(embed::default_model_dir);
    let encoder = embed::SentenceTransformer::load(&dir)
        .with_context(|| format!("loading the model at {}", dir.display()))?;
    let cache_path = match &a.cache {
        Some(p) => p.clone(),
        None if store::resolve(&g.project).exists() => g.project.clone(),
        None => {
            let home = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .unwrap_or_else(|| PathBuf::from("."));
            home.join("autocode").join("eval.db")
        }
    };
    let mut cache = Store::open_or_create(&cache_path)
        .with_context(|| format!("opening the embedding cache {}", cache_path.display()))?;
    let hashes: Vec<String> = items
        .iter()
        .map(|(t, _)| corpus::content_hash(t.as_bytes()))
        .collect();
    let mut have = cache.embeddings_by_hash(encoder.model_key(), &hashes)?;
    let mut missing: Vec<(String, &str)> = Vec::new();
    let mut queued = std::collections::BTreeSet::new();
    for (h, (t, _)) in hashes.iter().zip(&items) {
        if !have.contains_key(h) && queued.insert(h.clone()) {
            missing.push((h.clone(), t.as_str()));
        }
    }
    for chunk in missing.chunks(256) {
        let texts: Vec<&str> = chunk.iter().map(|(_, t)| *t).collect();
        let emb = encoder.encode(&texts)?;
        let rows: Vec<store::EmbeddingRow> = chunk
            .iter()
            .zip(emb.vectors.iter().zip(&emb.truncated))
            .map(|((h, _), (v, &tr))| store::EmbeddingRow {
                text_hash: h,
                vector: v,
                truncated: tr,
            })
            .collect();
        cache.put_embeddings(encoder.model_key(), &rows)?;
        for ((h, _), v) in chunk.iter().zip(emb.vectors) {
            have.insert(h.clone(), v);
        }
    }
    let dim = encoder.dim();
    let flat: Vec<f32> = hashes
        .iter()
        .flat_map(|h| have[h].iter().copied())
        .collect();
    if let Some(out) = &a.dump {
        let mut w = embed::npy::NpyWriter::create(out, items.len(), dim)?;
        for v in flat.chunks_exact(dim) {
            w.write_row(v)?;
        }
        w.finish()?;
        let labels: String = items.iter().map(|(_, l)| format!("{l}\n")).collect();
        std::fs::write(out.with_extension("labels.txt"), labels)?;
    }
    // Keys: line number, as the gold file fixes the sentences.
    let ds = Dataset::new((0..items.len()).collect(), flat, dim)?;
    let fit = params.fit(&ds)?;
    let gold: Vec<&str> = items.iter().map(|(_, l)| l.as_str()).collect();
    let pred: Vec<i64> = fit
        .labels
        .iter()
        .map(|l| l.map_or(-1, |t| t as i64))
        .collect();
    let out = EvalOutput {
        gold: a.gold.display().to_string(),
        model_key: encoder.model_key().to_string(),
        sentences_in_gold: total,
        single_label_used: items.len(),
        gold_labels: gold.iter().collect::<std::collections::BTreeSet<_>>().len(),
        themes: fit.n_leaves,
        outlier_share: fit.outlier_share,
        adjusted_rand_index: adjusted_rand_index(&gold, &pred),
        nmi: normalized_mutual_info(&gold, &pred),
        note: "unclustered sentences count as one cluster (as BERTopic's topic -1)",
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "{}: {} of {} sentences have exactly one label ({} labels)\n{} themes, {:.1}% outliers (scored as one cluster)\nadjusted Rand index {:.4}\nNMI                 {:.4}",
            out.gold,
            out.single_label_used,
            out.sentences_in_gold,
            out.gold_labels,
            out.themes,
            100.0 * out.outlier_share,
            out.adjusted_rand_index,
            out.nmi
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// (sentences in the file, [(text, label)] of those with exactly one label).
fn read_gold(path: &Path) -> anyhow::Result<(usize, Vec<(String, String)>)> {
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut total = 0;
    let mut items = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.with_context(|| format!("{}:{}", path.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not JSON", path.display(), i + 1))?;
        let text = v["text"]
            .as_str()
            .with_context(|| format!("{}:{}: no \"text\" string", path.display(), i + 1))?;
        let labels = v["labels"]
            .as_array()
            .with_context(|| format!("{}:{}: no \"labels\" list", path.display(), i + 1))?;
        total += 1;
        if let [only] = labels.as_slice() {
            let l = only
                .as_str()
                .with_context(|| format!("{}:{}: labels must be strings", path.display(), i + 1))?;
            items.push((text.to_string(), l.to_string()));
        }
    }
    Ok((total, items))
}
