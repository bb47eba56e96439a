//! Themes: cluster the embedded participant sentences, describe each theme,
//! and store the run. With `incremental`, the latest run is carried forward
//! when little changed ([`plan`] holds the rule).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use store::{NewTheme, NewThemeRun, Store, StoredSegment};
use themes::{
    CodeVector, Dataset, SegmentInfo, SpokenParams, ThemeParams, ThemeSuggestion, ValidThemeParams,
};

use crate::text_vectors::{StageEncoder, CODEBOOK_KIND, PHRASE_KIND};
use crate::Project;

/// Options of the themes stage; unset clustering parameters come from
/// `ThemeParams::default()`.
#[derive(Debug, Clone)]
pub struct ThemesOptions {
    pub params: ThemeParams,
    /// Which sentences are minimal responses, left out of the themes.
    pub spoken: SpokenParams,
    /// A theme "matches" a code when their cosine similarity is at least this.
    pub match_threshold: f32,
    /// Model folder used to embed the codebook; `None`: see [`crate::model_dir`].
    pub model: Option<PathBuf>,
    /// Carry the latest theme run forward when few sentences changed since it.
    pub incremental: bool,
    /// With `incremental`: cluster from scratch when more than this share of
    /// the sentences the last clustering saw is new or gone since it, summed
    /// over the runs carried forward from it ([`plan`]).
    pub refit_share: f64,
}

impl Default for ThemesOptions {
    fn default() -> Self {
        ThemesOptions {
            params: ThemeParams::default(),
            spoken: SpokenParams::default(),
            match_threshold: 0.5,
            model: None,
            incremental: false,
            refit_share: 0.1,
        }
    }
}

/// [`ThemesOptions`] that passed [`ThemesOptions::check`].
#[derive(Debug, Clone)]
pub struct ValidThemesOptions {
    pub params: ValidThemeParams,
    pub spoken: SpokenParams,
    pub match_threshold: f32,
    pub model: Option<PathBuf>,
    pub incremental: bool,
    pub refit_share: f64,
}

impl ThemesOptions {
    pub fn check(&self) -> anyhow::Result<ValidThemesOptions> {
        if !(0.0..=1.0).contains(&self.refit_share) {
            bail!(
                "--refit-share must be a share in [0, 1], got {}",
                self.refit_share
            );
        }
        if !(-1.0..=1.0).contains(&self.match_threshold) {
            bail!(
                "--match-threshold must be a cosine similarity in [-1, 1], got {}",
                self.match_threshold
            );
        }
        self.spoken.check()?;
        Ok(ValidThemesOptions {
            params: self.params.clone().check()?,
            spoken: self.spoken.clone(),
            match_threshold: self.match_threshold,
            model: self.model.clone(),
            incremental: self.incremental,
            refit_share: self.refit_share,
        })
    }
}

impl ValidThemesOptions {
    /// The settings a theme run records (`params_json`): the clustering
    /// parameters, the match threshold and, when it differs from the
    /// default, the minimal-response rule (which decides the sentences
    /// clustered: a run with another rule is not carried forward).
    pub fn params_json(&self) -> anyhow::Result<String> {
        let mut v = serde_json::to_value(&*self.params)?;
        v["match_threshold"] = serde_json::json!(self.match_threshold);
        if self.spoken != SpokenParams::default() {
            v["spoken"] = serde_json::to_value(&self.spoken)?;
        }
        Ok(v.to_string())
    }

    /// Everything that changes what a run of the stage produces: with
    /// unchanged data and the same key, a batch run skips the stage.
    pub fn settings_key(&self) -> anyhow::Result<String> {
        Ok(serde_json::json!({
            "params": self.params_json()?,
            "model": self.model,
            "incremental": self.incremental,
            "refit_share": self.refit_share,
        })
        .to_string())
    }
}

/// What the themes stage does.
#[derive(Debug, Clone, PartialEq)]
pub enum ThemesPlan {
    /// Nothing to do (batch runs only, decided by [`up_to_date`] before the
    /// sentences are loaded): no sentence, vector or coding changed since
    /// the batch began, a theme run exists and the last batch clustered
    /// with the same settings.
    Skip,
    /// Carry the latest run forward: its sentences keep their themes, new
    /// ones join the nearest theme.
    Update {
        from_run: i64,
        prior: themes::PriorFit,
        /// What has changed since the last clustering, this update included
        /// ([`SinceClustering`]): recorded with the run this update stores.
        since: SinceClustering,
    },
    /// Cluster from scratch; why.
    Refit { reason: String },
}

/// Store meta key of the settings the last batch clustered with.
pub const LAST_SETTINGS_META: &str = "last_themes_settings";

/// Store meta key of the inputs the last batch clustered
/// ([`Store::themes_inputs_fingerprint`]).
pub const LAST_INPUTS_META: &str = "last_themes_inputs";

/// Store meta key of [`SinceClustering`] as of the latest theme run.
pub const SINCE_CLUSTERING_META: &str = "themes_since_clustering";

/// How far the latest theme run has drifted from the last run that really
/// clustered (the root of its `updated_from` chain): `refit_share` bounds
/// `changed / clustered_sentences`. Kept in the store's meta
/// ([`SINCE_CLUSTERING_META`]) for `theme_run`, the run it describes.
/// Before 2026-12-07 each carried run was compared with the run before it,
/// itself carried: a corpus growing by under a tenth a night was carried
/// forward for ever, and after six nights 23% of its sentences had never
/// been clustered, only put in the nearest old theme (hz/02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinceClustering {
    /// The theme run this describes (the latest when it was recorded).
    pub theme_run: i64,
    /// The last run that clustered from scratch (`theme_run` itself when it did).
    pub clustered_run: i64,
    /// How many sentences that clustering had.
    pub clustered_sentences: usize,
    /// Sentences new or gone since it, summed over the runs carried forward
    /// from it (a sentence whose text changed counts as gone and new).
    pub changed: usize,
}

impl SinceClustering {
    /// Share of the clustered sentences new or gone since.
    pub fn share(&self) -> f64 {
        self.changed as f64 / self.clustered_sentences.max(1) as f64
    }

    /// As recorded for the latest theme run `last` (which clustered
    /// `clustered` sentences when it was no update). A carried run without
    /// a record (stored before 2026-12-07, or by a command killed between
    /// storing the run and recording this) is counted from itself, as the
    /// rule was before.
    pub fn of_latest(
        store: &Store,
        last: &store::ThemeRunRecord,
        clustered: usize,
    ) -> anyhow::Result<SinceClustering> {
        let fresh = SinceClustering {
            theme_run: last.id,
            clustered_run: last.id,
            clustered_sentences: clustered,
            changed: 0,
        };
        if last.updated_from.is_none() {
            return Ok(fresh);
        }
        let recorded = store
            .meta(SINCE_CLUSTERING_META)?
            .and_then(|v| serde_json::from_str::<SinceClustering>(&v).ok())
            .filter(|r| r.theme_run == last.id && r.clustered_sentences > 0);
        if recorded.is_none() {
            tracing::info!(
                "theme run {} was carried forward from an earlier clustering this store did not \
                 record: sentences new or gone are counted from it",
                last.id
            );
        }
        Ok(recorded.unwrap_or(fresh))
    }

    /// Records what stored theme run `run_id` is: a clustering of
    /// `sentences` (`updated` `None`), or an update with `updated`.
    pub fn record(
        store: &Store,
        run_id: i64,
        sentences: usize,
        updated: Option<SinceClustering>,
    ) -> anyhow::Result<SinceClustering> {
        let since = match updated {
            Some(u) => SinceClustering {
                theme_run: run_id,
                ..u
            },
            None => SinceClustering {
                theme_run: run_id,
                clustered_run: run_id,
                clustered_sentences: sentences,
                changed: 0,
            },
        };
        store.set_meta(SINCE_CLUSTERING_META, &serde_json::to_string(&since)?)?;
        Ok(since)
    }
}

/// Clustering redoes the whole corpus, so a batch run skips it when the
/// sentences, embeddings and codings it reads are those the last batch
/// clustered (`fingerprint`), a theme run exists and that batch used the
/// same settings. Before, it compared the table counts at the batch's own
/// start: a run killed after coding but before clustering left the next
/// run nothing to compare, and the last night's themes stayed.
pub fn up_to_date(store: &Store, fingerprint: &str, settings_key: &str) -> anyhow::Result<bool> {
    let unchanged = store.meta(LAST_INPUTS_META)?.as_deref() == Some(fingerprint);
    let has_run = store.latest_theme_run()?.is_some();
    let same = store.meta(LAST_SETTINGS_META)?.as_deref() == Some(settings_key);
    Ok(unchanged && has_run && same)
}

/// The re-cluster rule for `segments` (the embedded participant sentences):
/// [`ThemesPlan::Update`] from the latest theme run when `incremental`, it
/// used the same model and settings, recorded its sentences, and the
/// sentences new or gone since the last run that clustered from scratch —
/// those since the latest run added to those each run carried forward from
/// that clustering counted ([`SinceClustering`]) — are at most
/// `refit_share` of that clustering's sentences (a sentence whose text
/// changed counts as gone and new; one that kept its text under another
/// id, as a re-ingest renumbers, is known); else [`ThemesPlan::Refit`].
pub fn plan(
    store: &Store,
    opts: &ValidThemesOptions,
    model_key: &str,
    segments: &[StoredSegment],
) -> anyhow::Result<ThemesPlan> {
    let refit = |reason: String| Ok(ThemesPlan::Refit { reason });
    if !opts.incremental {
        return refit("not incremental".into());
    }
    let Some(last) = store.latest_theme_run()? else {
        return refit("no earlier theme run".into());
    };
    if last.model_key != model_key || last.params_json != opts.params_json()? {
        return refit(format!(
            "model or settings changed since theme run {}",
            last.id
        ));
    }
    let inputs = store.theme_run_inputs(last.id)?;
    if inputs.is_empty() {
        return refit(format!(
            "theme run {} did not record its sentences",
            last.id
        ));
    }
    let stored = store.theme_suggestions(last.id)?;
    let position: BTreeMap<i64, usize> =
        stored.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    let before: BTreeMap<i64, (&str, Option<i64>)> = inputs
        .iter()
        .map(|i| (i.segment_id, (i.text_hash.as_str(), i.leaf_theme_id)))
        .collect();
    let mut assignment: Vec<Option<Option<usize>>> = segments
        .iter()
        .map(|s| match before.get(&s.id) {
            Some(&(hash, leaf)) if hash == s.text_hash => Some(leaf.map(|id| position[&id])),
            _ => None,
        })
        .collect();
    // A re-ingest numbers a document's sentences anew: a survey export
    // grown by a row, or reordered, moves every later answer's id (wide
    // exports are read question by question). A sentence the run clustered
    // under another id is still known by its text, one for one, so a
    // growing survey is carried forward instead of re-clustered each night.
    let exact: std::collections::BTreeSet<i64> = segments
        .iter()
        .zip(&assignment)
        .filter(|(_, a)| a.is_some())
        .map(|(s, _)| s.id)
        .collect();
    let mut by_text: BTreeMap<&str, std::collections::VecDeque<Option<i64>>> = BTreeMap::new();
    for i in inputs.iter().filter(|i| !exact.contains(&i.segment_id)) {
        by_text
            .entry(i.text_hash.as_str())
            .or_default()
            .push_back(i.leaf_theme_id);
    }
    for (s, a) in segments.iter().zip(assignment.iter_mut()) {
        if a.is_none() {
            if let Some(leaf) = by_text
                .get_mut(s.text_hash.as_str())
                .and_then(|q| q.pop_front())
            {
                *a = Some(leaf.map(|id| position[&id]));
            }
        }
    }
    let known = assignment.iter().filter(|a| a.is_some()).count();
    let changed = (inputs.len() - known) + (segments.len() - known);
    let before = SinceClustering::of_latest(store, &last, inputs.len())?;
    let since = SinceClustering {
        changed: before.changed + changed,
        ..before
    };
    let share = since.share();
    if share > opts.refit_share {
        return refit(if since.clustered_run == last.id {
            format!(
                "{changed} sentences new or gone since theme run {} ({:.1}% > {:.1}%)",
                last.id,
                100.0 * share,
                100.0 * opts.refit_share
            )
        } else {
            format!(
                "{} sentences new or gone since theme run {} clustered {} ({changed} since theme \
                 run {}, carried forward from it; {:.1}% > {:.1}%)",
                since.changed,
                since.clustered_run,
                since.clustered_sentences,
                last.id,
                100.0 * share,
                100.0 * opts.refit_share
            )
        });
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
    Ok(ThemesPlan::Update {
        from_run: last.id,
        prior: themes::PriorFit {
            themes,
            assignment,
            outlier_share_clustered: last.outlier_share_clustered.unwrap_or(last.outlier_share),
        },
        since,
    })
}

/// One stored theme: its id, its parent's id, what reviewers decided on it,
/// and its description with `children` as theme ids and `label` the stored
/// label.
#[derive(Debug, Clone, Serialize)]
pub struct StoredThemeSummary {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// The review status stored with the theme: open | accepted | merged |
    /// dismissed (a run carried forward takes over its predecessor's).
    pub status: String,
    /// The code a reviewer accepted the theme as or merged it into (the
    /// latest such decision); `None` while no one did.
    pub code_id: Option<String>,
    /// Its description; `label` is the stored label, a reviewer's rename
    /// where there is one (the body in the store keeps the machine's).
    #[serde(flatten)]
    pub body: ThemeSuggestion,
}

impl StoredThemeSummary {
    /// Whether the report lists the theme: open or accepted, not dismissed
    /// or merged into a code (docs/formats.md, `report::data::load_themes`).
    pub fn in_report(&self) -> bool {
        matches!(self.status.as_str(), "open" | "accepted")
    }
}

/// Stored run `run_id`'s themes as the report and the review page show
/// them: each `(id, parent id, body)` of `described` under the theme's
/// stored label, with its review status and the code it was accepted as
/// or merged into. A run carried forward has taken over what reviewers
/// decided on its predecessor's themes as it was stored
/// (`store::put_theme_run`); before, `autocode themes` printed such a run
/// from the bodies alone, so a renamed theme showed its machine label and a
/// dismissed one looked open, while the report and the review page showed
/// the rename and the status (h7/01).
fn stored_summaries(
    store: &Store,
    run_id: i64,
    described: impl IntoIterator<Item = (i64, Option<i64>, ThemeSuggestion)>,
) -> anyhow::Result<Vec<StoredThemeSummary>> {
    let mut stored: BTreeMap<i64, store::StoredTheme> = store
        .theme_suggestions(run_id)?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let mut out = Vec::new();
    for (id, parent_id, mut body) in described {
        let row = stored
            .remove(&id)
            .with_context(|| format!("theme {id} of run {run_id} is not in the store"))?;
        if !row.label.is_empty() {
            body.label = row.label;
        }
        let code_id = if matches!(row.status.as_str(), "accepted" | "merged") {
            store::theme_decisions(store.conn(), id)?
                .into_iter()
                .rev()
                .filter(|d| matches!(d.action.as_str(), "accept" | "merge"))
                .find_map(|d| d.code_id)
        } else {
            None
        };
        out.push(StoredThemeSummary {
            id,
            parent_id,
            status: row.status,
            code_id,
            body,
        });
    }
    Ok(out)
}

/// The stored theme run (serialises as `autocode themes --json` prints it).
#[derive(Debug, Clone, Serialize)]
pub struct ThemesSummary {
    pub theme_run_id: i64,
    pub updated_from: Option<i64>,
    pub model_key: String,
    pub sentences: usize,
    /// Embedded participant sentences left out as minimal responses or
    /// non-answers ([`SpokenParams::skips_in_themes`]); not in `sentences`.
    pub skipped_minimal: usize,
    pub outlier_share: f64,
    pub outlier_share_before_reassignment: f64,
    /// Leaves first (`n_leaves` of them), then the broader themes of the merge tree.
    pub themes: Vec<StoredThemeSummary>,
    #[serde(skip)]
    pub n_leaves: usize,
    /// Whether outliers were reassigned to the nearest theme.
    #[serde(skip)]
    pub reassigned_outliers: bool,
}

/// Clusters the embedded participant sentences and stores the run.
pub fn themes(project: &mut Project, opts: &ThemesOptions) -> anyhow::Result<ThemesSummary> {
    themes_unless_up_to_date(project, opts, false)?
        .context("the themes stage skipped without being asked to")
}

/// As [`themes`], but for a batch (`run`, or `merge --config`; `batch`):
/// returns `None` ([`ThemesPlan::Skip`]) when [`up_to_date`] says there is
/// nothing to do, and records the inputs and settings after clustering.
/// A merge records them too: before, it did not, so the next unchanged
/// `run` clustered again and gave every theme a new id, and a merge killed
/// after its themes and run again clustered a second time.
pub fn themes_unless_up_to_date(
    project: &mut Project,
    opts: &ThemesOptions,
    batch: bool,
) -> anyhow::Result<Option<ThemesSummary>> {
    let opts = opts.check()?;
    let settings_key = opts.settings_key()?;
    let fingerprint = if batch {
        Some(project.store().themes_inputs_fingerprint()?)
    } else {
        None
    };
    if let Some(fingerprint) = &fingerprint {
        if up_to_date(project.store(), fingerprint, &settings_key)? {
            tracing::info!("themes skipped: corpus, embeddings and settings unchanged");
            return Ok(None);
        }
    }
    let params = &opts.params;
    let params_json = opts.params_json()?;
    let ready_model = project.loaded_model();
    let store = project.store_mut();
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
    // Minimal responses ("Yeah.", "Okay.") are decided from the text here,
    // not stored: a word count per sentence costs nothing beside clustering.
    let embedded = segments.len();
    let labels = store.moderator_labels()?;
    let participants: Vec<&store::StoredSegment> = segments.iter().collect();
    let names = crate::code::speaker_names(labels.iter().map(String::as_str), &participants);
    let spoken = opts.spoken.beside(&names);
    let segments: Vec<_> = segments
        .into_iter()
        .filter(|s| !spoken.skips_in_themes(&s.text))
        .collect();
    let skipped_minimal = embedded - segments.len();
    if segments.is_empty() && skipped_minimal > 0 {
        bail!(
            "all {skipped_minimal} embedded participant sentences are minimal responses (\"Yeah.\", \"Okay.\") \
             and make no theme; `--keep-minimal` clusters them too"
        );
    }
    if segments.is_empty() {
        bail!(
            "no embedded participant sentences for model {model_key}: run `autocode embed` first \
             (a project of moderators' lines alone has none)"
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
    // `since`: with an update, what changed since the last clustering.
    let (fit, updated_from, since) = match plan(store, &opts, &model_key, &segments)? {
        ThemesPlan::Update {
            from_run,
            prior,
            since,
        } => match params.update(&ds, &prior) {
            Ok(fit) => {
                tracing::info!(
                    new = prior.new_rows(),
                    from_run,
                    clustered_run = since.clustered_run,
                    "carried the latest theme run forward ({:.1}% of the sentences new or gone \
                     since theme run {} clustered)",
                    100.0 * since.share(),
                    since.clustered_run
                );
                (fit, Some(from_run), Some(since))
            }
            Err(themes::ThemeError::LeafEmptied(t)) => {
                tracing::info!(
                    "theme {t} of run {from_run} lost all its sentences: clustering from scratch"
                );
                (params.fit(&ds)?, None, None)
            }
            Err(e) => return Err(e.into()),
        },
        ThemesPlan::Refit { reason } => {
            if opts.incremental {
                tracing::info!("{reason}: clustering from scratch");
            }
            (params.fit(&ds)?, None, None)
        }
        ThemesPlan::Skip => return Ok(None),
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
    // The codebook's texts and the phrase candidates are embedded once and
    // kept; the model is loaded (once) only for texts not seen before
    // (crate::text_vectors).
    let dir = crate::model_dir(opts.model.as_deref(), Some(store))?;
    let code_encoder = StageEncoder::lazy(dir.clone(), model_key.clone(), CODEBOOK_KIND)
        .with_ready(ready_model.clone());
    let codes = codebook_vectors(store, &code_encoder)?;
    code_encoder.keep(store)?;
    let attributes = store.participant_attributes()?;
    let mut suggestions = themes::describe(
        &fit,
        &ds,
        &infos,
        &attributes,
        &codes,
        opts.match_threshold,
        &names,
    );
    let texts: Vec<&str> = infos.iter().map(|i| i.text.as_str()).collect();
    let phrase_encoder =
        StageEncoder::lazy(dir, model_key.clone(), PHRASE_KIND).with_ready(ready_model);
    let (phrases, candidates) = phrase_labels(store, &phrase_encoder, &fit, &ds, &texts, &names)?;
    for (s, phrase) in suggestions.iter_mut().zip(phrases) {
        s.phrase = phrase;
    }
    if phrase_encoder.keep(store)? > 0 {
        // Only this run's candidates stay: a nightly's carried themes ask
        // for nearly the same ones again, and the rest would pile up.
        let keep: BTreeSet<&str> = candidates.iter().map(String::as_str).collect();
        store.prune_text_vectors(PHRASE_KIND, &keep)?;
    }

    // A theme's members are the inputs whose leaf is it or one below it
    // (store::theme_members), so they are not written twice.
    let new: Vec<NewTheme> = fit
        .themes
        .iter()
        .zip(&suggestions)
        .map(|(t, s)| NewTheme {
            label: &s.label,
            level: t.level,
            parent: t.parent,
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
    SinceClustering::record(store, run_id, segments.len(), since)?;
    if let Some(fingerprint) = &fingerprint {
        store.set_meta(LAST_SETTINGS_META, &settings_key)?;
        store.set_meta(LAST_INPUTS_META, fingerprint)?;
    }
    Ok(Some(ThemesSummary {
        theme_run_id: run_id,
        updated_from,
        model_key: model_key.clone(),
        sentences: segments.len(),
        skipped_minimal,
        outlier_share: fit.outlier_share,
        outlier_share_before_reassignment: fit.outlier_share_clustered,
        themes: stored_summaries(
            store,
            run_id,
            (0..suggestions.len()).map(|i| {
                (
                    ids[i],
                    fit.themes[i].parent.map(|p| ids[p]),
                    with_ids(i, &ids),
                )
            }),
        )?,
        n_leaves: fit.n_leaves,
        reassigned_outliers: params.reassign_outliers.is_some(),
    }))
}

/// The phrase label of every theme ([`themes::phrases`]), embedded with the
/// model the sentences were embedded with, and the text hashes of the
/// candidates asked for. When that model cannot be loaded (moved, or a
/// different one at `--model`) and some candidate has no kept vector,
/// themes keep their keywords and get no phrase, with a warning: the
/// phrase is a reading aid, not worth failing a run for.
fn phrase_labels(
    store: &Store,
    encoder: &StageEncoder,
    fit: &themes::FittedThemes,
    ds: &Dataset<(String, String, i64, i64)>,
    texts: &[&str],
    names: &BTreeSet<String>,
) -> anyhow::Result<(Vec<Option<String>>, BTreeSet<String>)> {
    let mut asked = BTreeSet::new();
    let labels = themes::phrases::phrase_labels(fit, ds, texts, names, |phrases| {
        asked.extend(phrases.iter().map(|p| classify::text_hash(p)));
        encoder.vectors(store, phrases)
    });
    match labels {
        Ok(labels) => Ok((labels, asked)),
        Err(e) => {
            tracing::warn!("no phrase labels: {e:#}");
            Ok((vec![None; fit.themes.len()], asked))
        }
    }
}

/// Unit vectors of the codes of the codebook in use (name: definition,
/// inclusions and examples averaged), or none when there is no codebook.
fn codebook_vectors(store: &Store, encoder: &StageEncoder) -> anyhow::Result<Vec<CodeVector>> {
    let Some((version, body)) = store.codebook_in_use()? else {
        return Ok(Vec::new());
    };
    let cb: classify::Codebook = serde_json::from_str(&body)
        .with_context(|| format!("codebook version {version} in the store"))?;
    let texts = classify::prototype_texts(&cb);
    let mut out = Vec::new();
    for (code, t) in cb.codes.iter().zip(texts) {
        let refs: Vec<&str> = t.iter().map(String::as_str).collect();
        let vectors = encoder
            .vectors(store, &refs)
            .context("embedding the codebook")?;
        let dim = vectors.first().map_or(0, Vec::len);
        let mut v = vec![0f32; dim];
        for e in &vectors {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(id: i64) -> StoredSegment {
        StoredSegment {
            id,
            document: "d.txt".into(),
            speaker: Some("P".into()),
            participant_id: Some("P".into()),
            is_moderator: false,
            turn_index: id,
            sentence_index: 0,
            start_char: 0,
            end_char: 1,
            start_ms: None,
            end_ms: None,
            text: format!("sentence {id}"),
            text_hash: format!("h{id}"),
        }
    }

    /// Stores a theme run of sentences `1..=n` (one theme) as the stage
    /// does, recording what it is; returns its id.
    fn store_run(
        store: &mut Store,
        opts: &ValidThemesOptions,
        n: i64,
        updated: Option<(i64, SinceClustering)>,
    ) -> i64 {
        let hashes: Vec<String> = (1..=n).map(|i| format!("h{i}")).collect();
        let inputs: Vec<store::ThemeInput> = hashes
            .iter()
            .enumerate()
            .map(|(i, h)| store::ThemeInput {
                segment_id: i as i64 + 1,
                text_hash: h,
                leaf: Some(0),
            })
            .collect();
        let (id, _) = store
            .put_theme_run(
                &NewThemeRun {
                    model_key: "m",
                    params_json: &opts.params_json().unwrap(),
                    outlier_share: 0.0,
                    outlier_share_clustered: 0.0,
                    n_segments: n as usize,
                    updated_from: updated.map(|(from, _)| from),
                },
                &[NewTheme {
                    label: "t",
                    level: 0,
                    parent: None,
                }],
                &inputs,
                |_, _| "{}".into(),
            )
            .unwrap();
        SinceClustering::record(store, id, n as usize, updated.map(|(_, s)| s)).unwrap();
        id
    }

    fn plan_for(store: &Store, opts: &ValidThemesOptions, n: i64) -> ThemesPlan {
        let segments: Vec<StoredSegment> = (1..=n).map(segment).collect();
        plan(store, opts, "m", &segments).unwrap()
    }

    /// hz/02: nights that each add 6% of the sentences are carried forward
    /// until the sentences new since the last clustering pass `refit_share`
    /// of it (here the second night: 12 of 100), then cluster again; before,
    /// each night was measured against the night before (6/106) and the
    /// themes were carried forward for ever.
    #[test]
    fn refit_share_counts_from_the_last_clustering_not_the_last_carried_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(dir.path()).unwrap();
        let opts = ThemesOptions {
            incremental: true,
            ..Default::default()
        }
        .check()
        .unwrap();
        let first = store_run(&mut store, &opts, 100, None);

        let ThemesPlan::Update {
            from_run, since, ..
        } = plan_for(&store, &opts, 106)
        else {
            panic!("6 of 100 new: carried forward");
        };
        assert_eq!(from_run, first);
        assert_eq!(
            since,
            SinceClustering {
                theme_run: first,
                clustered_run: first,
                clustered_sentences: 100,
                changed: 6,
            }
        );
        let carried = store_run(&mut store, &opts, 106, Some((first, since)));
        let recorded: SinceClustering =
            serde_json::from_str(&store.meta(SINCE_CLUSTERING_META).unwrap().unwrap()).unwrap();
        assert_eq!(
            (recorded.theme_run, recorded.clustered_run, recorded.changed),
            (carried, first, 6)
        );

        // 6 more: 6/106 of the carried run, but 12/100 since the clustering.
        match plan_for(&store, &opts, 112) {
            ThemesPlan::Refit { reason } => assert_eq!(
                reason,
                format!(
                    "12 sentences new or gone since theme run {first} clustered 100 (6 since \
                     theme run {carried}, carried forward from it; 12.0% > 10.0%)"
                )
            ),
            other => panic!("expected a refit, got {other:?}"),
        }

        // Clustered again: the count starts over from that run.
        let third = store_run(&mut store, &opts, 112, None);
        let ThemesPlan::Update { since, .. } = plan_for(&store, &opts, 118) else {
            panic!("6 of 112 new: carried forward");
        };
        assert_eq!(
            (
                since.clustered_run,
                since.clustered_sentences,
                since.changed
            ),
            (third, 112, 6)
        );

        // A carried run with no record (a store from before 2026-12-07) is
        // counted from itself.
        let legacy = store_run(&mut store, &opts, 118, Some((third, since)));
        store.set_meta(SINCE_CLUSTERING_META, "").unwrap();
        let ThemesPlan::Update { since, .. } = plan_for(&store, &opts, 124) else {
            panic!("6 of 118 new: carried forward");
        };
        assert_eq!(
            (
                since.clustered_run,
                since.clustered_sentences,
                since.changed
            ),
            (legacy, 118, 6)
        );
    }

    fn suggestion(label: &str) -> ThemeSuggestion {
        ThemeSuggestion {
            label: label.into(),
            phrase: None,
            keywords: Vec::new(),
            size: 6,
            participants: 1,
            by_attribute: BTreeMap::new(),
            quotes: Vec::new(),
            cohesion: 0.7,
            stability: 0.9,
            nearest_code: None,
            verdict: "new".into(),
            level: 0,
            children: Vec::new(),
        }
    }

    /// h7/01: a run carried forward is summarised (what `autocode themes`
    /// prints, text and `--json`) as stored: a renamed theme under the
    /// reviewer's label, and each theme with its status and the code it was
    /// accepted as. Before, the summary was the bodies alone: machine labels,
    /// and a dismissed theme indistinguishable from an open one.
    #[test]
    fn a_carried_run_is_summarised_with_the_reviewers_labels_and_statuses() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(dir.path()).unwrap();
        let labels = [
            "days, childcare, pay",
            "nursery, fees, meant",
            "parking, costs, day",
        ];
        let put = |store: &mut Store, updated_from: Option<i64>| {
            let new: Vec<NewTheme> = labels
                .iter()
                .map(|label| NewTheme {
                    label,
                    level: 0,
                    parent: None,
                })
                .collect();
            store
                .put_theme_run(
                    &NewThemeRun {
                        model_key: "m",
                        params_json: "{}",
                        outlier_share: 0.0,
                        outlier_share_clustered: 0.0,
                        n_segments: 0,
                        updated_from,
                    },
                    &new,
                    &[],
                    |i, _| serde_json::to_string(&suggestion(labels[i])).unwrap(),
                )
                .unwrap()
        };
        let (first, ids) = put(&mut store, None);
        // What the review page does: rename the first, dismiss the second,
        // accept the third as a code.
        let conn = store.conn();
        let decide = |theme_id: i64, action: &str, code_id: Option<&str>, label: Option<&str>| {
            store::record_theme_decision(
                conn,
                &store::NewThemeDecision {
                    theme_id,
                    action,
                    code_id,
                    label,
                    codebook_version: None,
                    reviewer: "ann",
                },
            )
            .unwrap();
        };
        decide(ids[0], "rename", None, Some("Paying for care"));
        store::set_theme_label(conn, ids[0], "Paying for care").unwrap();
        decide(ids[1], "dismiss", None, None);
        store::set_theme_status(conn, ids[1], "dismissed").unwrap();
        decide(ids[2], "accept", Some("parking"), None);
        store::set_theme_status(conn, ids[2], "accepted").unwrap();

        let (second, ids) = put(&mut store, Some(first));
        let described = ids
            .iter()
            .zip(labels)
            .map(|(&id, label)| (id, None, suggestion(label)));
        let summaries = stored_summaries(&store, second, described).unwrap();
        let seen: Vec<(&str, &str, Option<&str>, bool)> = summaries
            .iter()
            .map(|t| {
                (
                    t.body.label.as_str(),
                    t.status.as_str(),
                    t.code_id.as_deref(),
                    t.in_report(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("Paying for care", "open", None, true),
                ("nursery, fees, meant", "dismissed", None, false),
                ("parking, costs, day", "accepted", Some("parking"), true),
            ]
        );
        // `--json` prints the stored label once, and the status beside it.
        let json = serde_json::to_value(&summaries[0]).unwrap();
        assert_eq!(json["label"], "Paying for care");
        assert_eq!(json["status"], "open");
        assert_eq!(json["code_id"], serde_json::Value::Null);
        assert_eq!(
            serde_json::to_value(&summaries[2]).unwrap()["code_id"],
            "parking"
        );
    }
}
