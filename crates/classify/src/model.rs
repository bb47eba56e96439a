//! Multi-label classifiers over sentence embeddings (and, for supervised
//! codes, TF-IDF features of the text): params → fit → [`Classifier`] → predict.
//!
//! Per code, one of two models:
//! - **supervised**: L2 logistic regression on [embedding ‖ TF-IDF], its
//!   scores calibrated by Platt scaling fitted on out-of-fold predictions of
//!   an inner, group-aware cross-validation, and a decision threshold chosen
//!   on the same out-of-fold probabilities (best Cohen's κ,
//!   [`crate::threshold`]), drawn towards the corpus's own where the caller
//!   gives an unlabelled corpus ([`Classifier::fit_thresholds_to_corpus`]);
//! - **zero-shot**: cosine similarity to the code's prototype (the mean of the
//!   embedded "name: definition", inclusion criteria and examples), mapped to
//!   a probability by Platt scaling where labelled sentences exist, else by a
//!   fixed, documented logistic mapping ([`ZeroShotMapping`]).
//!
//! A code with fewer than `min_positives` labelled positives falls back to
//! zero-shot and says so in [`CodeModel::note`]. After prediction the
//! hierarchy is made consistent: a parent's probability is the max of its own
//! and its children's, and a child that is assigned assigns its parent. A
//! category (a code not codable, [`CodeKind::Category`]) has no model, is
//! never assigned and has probability 0; the codable codes are fitted as if
//! it were not there, and pass their codings up through it.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::calibrate::Platt;
use crate::codebook::Codebook;
use crate::features::{FeatureRow, Tfidf, TfidfParams};
use crate::logistic::{sigmoid, FitError, Logistic, LogisticParams};
use crate::threshold::best_kappa_threshold;

/// How codes are modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Supervised where a code has enough labelled positives, else zero-shot.
    #[default]
    Auto,
    ZeroShot,
    /// Like `auto`; the caller insists that training data exists.
    Supervised,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Mode, String> {
        match s {
            "auto" => Ok(Mode::Auto),
            "zero-shot" | "zeroshot" => Ok(Mode::ZeroShot),
            "supervised" => Ok(Mode::Supervised),
            _ => Err(format!("unknown mode {s:?} (auto, zero-shot, supervised)")),
        }
    }
}

impl std::fmt::Display for Mode {
    /// The name `FromStr` reads and classifier fingerprints start with.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Auto => "auto",
            Mode::ZeroShot => "zero-shot",
            Mode::Supervised => "supervised",
        })
    }
}

/// Which features a supervised code model sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Features {
    /// The embedding and a TF-IDF block of the text (the default).
    #[default]
    Both,
    /// The embedding only.
    Embedding,
    /// TF-IDF only (the embedding block weighted 0).
    Tfidf,
}

impl std::str::FromStr for Features {
    type Err = String;
    fn from_str(s: &str) -> Result<Features, String> {
        match s {
            "both" => Ok(Features::Both),
            "embedding" => Ok(Features::Embedding),
            "tfidf" => Ok(Features::Tfidf),
            _ => Err(format!("unknown features {s:?} (both, embedding, tfidf)")),
        }
    }
}

impl std::fmt::Display for Features {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Features::Both => "both",
            Features::Embedding => "embedding",
            Features::Tfidf => "tfidf",
        })
    }
}

/// Cosine similarity → probability when no human codings exist to calibrate
/// on: p = σ(slope · (cos − center)). The defaults put p = 0.5 at cosine 0.45
/// and p ≈ 0.05/0.95 at 0.30/0.60, which is where all-MiniLM-L6-v2 places
/// unrelated and paraphrased sentence pairs; it is a prior, not a calibration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZeroShotMapping {
    pub center: f64,
    pub slope: f64,
}

impl Default for ZeroShotMapping {
    fn default() -> Self {
        ZeroShotMapping {
            center: 0.45,
            slope: 20.0,
        }
    }
}

/// The largest weight of the neighbours' or the question's block beside a
/// sentence's own features (weight 1): [`ClassifierParams::check`].
pub const MAX_BLOCK_WEIGHT: f32 = 1000.0;

/// Parameters of a [`Classifier`]; [`ClassifierParams::check`] validates
/// them into the [`ValidClassifierParams`] that fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifierParams {
    pub mode: Mode,
    pub logistic: LogisticParams,
    /// TF-IDF block beside the embedding; `None` = embeddings only.
    pub tfidf: Option<TfidfParams>,
    /// Scale of the (unit-length) embedding block relative to the (unit-length) TF-IDF block.
    pub embedding_weight: f32,
    /// A code with fewer labelled positives falls back to zero-shot.
    pub min_positives: usize,
    /// Folds of the inner cross-validation that calibrates and picks thresholds.
    pub inner_folds: usize,
    pub zero_shot: ZeroShotMapping,
    /// Subtract the mean similarity over all codes before mapping (zero-shot).
    pub zero_shot_centered: bool,
    pub seed: u64,
    /// How codes that learn from the corpus's pseudo-labels relabel it with
    /// their own model and learn again (`crate::zeroshot`).
    #[serde(default)]
    pub self_training: SelfTraining,
    /// While a catch-all code is decided by the rule of
    /// [`Classifier::predict`], a unit whose parent is coded gets its most
    /// probable sibling of the catch-all when that probability is at least
    /// this, even below the sibling's own threshold: a codebook with a
    /// catch-all codes every unit, with its best code or else the catch-all.
    /// 1 turns it off.
    #[serde(default = "default_catch_all_floor")]
    pub catch_all_floor: f64,
    /// In a codebook without a top-level catch-all code, a unit that no
    /// top-level code takes (children's codings counted) gets its most
    /// probable top-level code whose probability is calibrated (learnt from
    /// human codings, [`CodeModel::is_calibrated`]) when that probability is
    /// at least this, as [`ClassifierParams::catch_all_floor`] does for a
    /// codebook with one. Each code's threshold is fitted for that code
    /// alone, and together they leave blank units that a coder, reading one
    /// code as fitting them better than any other, would code. A
    /// pseudo-labelled code's probability is not one (on founderstalk's
    /// interviews most sentences such a floor added were wrong), so it is
    /// left to its threshold. 1 turns it off.
    #[serde(default = "default_best_code_floor")]
    pub best_code_floor: f64,
    /// Where an unlabelled corpus is given (`crate::zeroshot::fit_with_corpus`),
    /// a human-trained code's threshold is its labelled sample's κ-best
    /// threshold drawn towards the corpus's expected one, this weight
    /// against the sample's positives ([`crate::threshold::blend`]). 0: the
    /// sample's alone.
    #[serde(default = "default_corpus_threshold_weight")]
    pub corpus_threshold_weight: f64,
    /// Where an unlabelled corpus is given (`crate::zeroshot::fit_with_corpus`),
    /// a code the corpus gives no pseudo-labels (none of its sentences fits
    /// the code's prototypes well enough) keeps its prototype model, its
    /// human labels set aside, until it has this many human positives; a
    /// catch-all code (whose prototype names no topic) does not wait.
    /// Values up to 2 change nothing: a pseudo-labelled code needs 2.
    #[serde(default = "default_min_positives_without_pseudo_labels")]
    pub min_positives_without_pseudo_labels: usize,
    /// Where an unlabelled corpus is given (`crate::zeroshot::fit_with_corpus`),
    /// a code whose prototype is its definition alone (a leaf with no
    /// examples and no inclusion criteria) takes at least this many
    /// pseudo-positives, its best-fitting sentences, until it has a human
    /// positive: on a small corpus the pseudo-labeller's share of 10% gives
    /// it fewer than the 3 it needs, and a definition's prototype alone
    /// codes poorly. 0: no floor.
    #[serde(default = "default_definition_floor")]
    pub definition_floor: usize,
    /// Scale of each of the two context blocks, the (unit-length)
    /// embeddings of the sentence before and the sentence after in the
    /// same turn ([`Context`]), beside the unit's own embedding in a
    /// supervised code model's features. 0: no context blocks.
    #[serde(default = "default_context_weight")]
    pub context_weight: f32,
    /// A zero-shot code compares its prototype with the unit's embedding
    /// plus this times each neighbour's ([`in_context`]); 0: the unit alone.
    #[serde(default = "default_zero_shot_context")]
    pub zero_shot_context: f32,
    /// Scale of the question block: the (unit-length) embedding of the
    /// interviewer's or moderator's question the unit's turn answers
    /// ([`Context::question`]), beside the unit's own embedding in a
    /// supervised code model's features. 0: no question block.
    #[serde(default = "default_question_weight")]
    pub question_weight: f32,
}

/// In a semi-structured interview or a focus group the moderator's
/// question frames the answer ("And has it been lonely?" before "Some
/// weeks, yes."). Measured by transcript-grouped cross-validation
/// (docs/classify.md, "The question a turn answers").
fn default_question_weight() -> f32 {
    0.7
}

/// Measured on the demo's focus groups (docs/classify.md, "The sentences
/// around a unit"): zero-shot κ over CV seeds 42 / 1 / 2, 0.374 / 0.362 /
/// 0.351 alone, 0.401 / 0.383 / 0.395 at 0.2, 0.410 / 0.402 / 0.400 at
/// 0.3, 0.411 / 0.418 / 0.409 at 0.4, 0.401 (seed 42) at 0.5. 0.3 with
/// [`default_context_weight`]'s 0.7: 0.4 with 1.0 cost the pipeline's
/// agreement on the demo's audit sample (12 participants' sentences)
/// 0.013 over audit seeds 1–6; 0.3 with 0.7 does not.
fn default_zero_shot_context() -> f32 {
    0.3
}

/// In interviews and focus groups a coder reads a sentence in its place:
/// "It's not the same but it's, it's something." is about isolation only
/// after the sentence before it. Measured by transcript-grouped
/// cross-validation over CV seeds 42 / 1 / 2 (docs/classify.md, "The
/// sentences around a unit"): supervised κ on data/interviews 0.161 /
/// 0.155 / 0.154 alone, 0.251 at 0.5 (seed 42), 0.266 / 0.272 / 0.310 at
/// 0.7, 0.274 / 0.278 / 0.353 at 1.0, 0.249 at 1.5; on the demo 0.711 /
/// 0.697 / 0.694 alone, 0.755 / 0.739 / 0.742 at 0.7, 0.747 / 0.739 /
/// 0.741 at 1.0. 0.7 rather than 1.0 for the pipeline's agreement with
/// few labels (see [`default_zero_shot_context`]).
fn default_context_weight() -> f32 {
    0.7
}

/// Measured on OPP-115 dev (docs/classify.md, "Thresholds"): supervised CV
/// κ 0.7389 / 0.7407 / 0.7392 / 0.7421 / 0.7416 / 0.7415 / 0.7298 at
/// weight 0 / 5 / 10 / 20 / 50 / 100 / the corpus's alone; simulated review
/// at 10 / 25 per code (ten splits), queue 0.646 / 0.676 at 20, 0.643 /
/// 0.683 at 50, random 0.576 / 0.644 and 0.577 / 0.645.
fn default_corpus_threshold_weight() -> f64 {
    50.0
}

/// Measured on the demo's focus groups (docs/classify.md, "Codes the
/// corpus gives no pseudo-labels"): simulated review over sixty splits,
/// κ gained at 1 / 2 / 5 / 10 reviewed items per code against no floor,
/// queue +0.041 / +0.046 / +0.008 / +0.004 and random +0.041 / +0.040 /
/// +0.015 / +0.003 at 3; queue +0.043 / +0.063 / +0.009 / +0.006 and
/// random +0.048 / +0.054 / +0.020 / +0.006 at 4. OPP-115 is unchanged:
/// its only such code is the catch-all.
fn default_min_positives_without_pseudo_labels() -> usize {
    4
}

/// Measured on OPP-115 dev, whose codebook gives definitions only
/// (docs/classify.md, "Codes with a definition alone"): zero-shot κ by
/// policy-grouped CV on its first 300 / 600 / 900 / 1,200 / 2,000 / all
/// 2,983 segments, 0.229 / 0.241 / 0.315 / 0.320 / 0.375 / 0.453 without,
/// 0.315 / 0.361 / 0.394 / 0.412 / 0.400 / 0.461 at 4, 0.322 / 0.303 /
/// 0.391 / 0.422 / 0.391 / 0.458 at 6, 0.310 / 0.307 / 0.410 / 0.422 /
/// 0.375 / 0.457 at 8. Codes with examples keep the share alone: a floor
/// of 4 for them too cost the demo's zero-shot 0.436 → 0.316.
fn default_definition_floor() -> usize {
    4
}

/// Measured on OPP-115 dev (docs/classify.md, "Catch-all codes"): mean κ
/// over four seeds 0.453 / 0.460 / 0.460 / 0.455 / 0.449 at 0.1 / 0.15 /
/// 0.2 / 0.25 / 0.3, 0.437 without.
fn default_catch_all_floor() -> f64 {
    0.2
}

/// The catch-all floor's value, measured again without a catch-all
/// (docs/classify.md, "A unit no code takes"): supervised 5-fold CV mean κ
/// on data/survey 0.616 → 0.635, data/interviews 0.403 → 0.462, the demo
/// 0.789 → 0.787 (0.1: 0.623 / 0.419 / 0.785; 0.3: 0.631 / 0.441 /
/// 0.788); OPP-115 has a catch-all and is unchanged.
fn default_best_code_floor() -> f64 {
    0.2
}

/// Self-training of pseudo-labelled codes. Measured on OPP-115 dev
/// (docs/classify.md, "Self-training"): one round with 3% of each code's
/// best-fitting sentences as positives lifts mean κ from 0.34 to 0.42; a
/// second round or a larger share loses part of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SelfTraining {
    /// Rounds of relabel-and-refit; 0 trains on the prototype pseudo-labels only.
    pub rounds: usize,
    /// Rounds in a corpus of answers to questions (interviews, focus
    /// groups, surveys; [`crate::zeroshot::answers_questions`]). None: there
    /// a round relabels each code's 3% best-fitting sentences, two or three
    /// of a study's few hundred, and the codes drift from their prototypes
    /// (docs/classify.md, "Zero-shot in a corpus of answers").
    #[serde(default)]
    pub rounds_for_answers: usize,
    /// A code's positives number this share of the sentences it fits best
    /// (its logit above every other code's).
    pub positive_share: f64,
    /// Which sentences those positives are.
    #[serde(default)]
    pub positives: SelfTrainingPositives,
}

/// How a self-training round picks a code's positives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SelfTrainingPositives {
    /// Among the sentences the code fits best, the widest margins over the
    /// runner-up: one positive code per sentence at most.
    Margin,
    /// The code's highest logits over all sentences, so a sentence can be a
    /// positive of several codes, as units of a multi-label codebook are.
    /// With the catch-all rule it measured better than `Margin` (OPP-115 dev,
    /// mean κ over four seeds 0.460 against 0.447).
    #[default]
    Rank,
}

impl Default for SelfTraining {
    fn default() -> Self {
        SelfTraining {
            rounds: 1,
            rounds_for_answers: 0,
            positive_share: 0.03,
            positives: SelfTrainingPositives::default(),
        }
    }
}

impl Default for ClassifierParams {
    fn default() -> Self {
        ClassifierParams {
            mode: Mode::Auto,
            logistic: LogisticParams::default(),
            tfidf: Some(TfidfParams::default()),
            embedding_weight: 1.0,
            min_positives: 8,
            inner_folds: 3,
            zero_shot: ZeroShotMapping::default(),
            zero_shot_centered: false,
            seed: 42,
            self_training: SelfTraining::default(),
            catch_all_floor: default_catch_all_floor(),
            best_code_floor: default_best_code_floor(),
            corpus_threshold_weight: default_corpus_threshold_weight(),
            min_positives_without_pseudo_labels: default_min_positives_without_pseudo_labels(),
            definition_floor: default_definition_floor(),
            context_weight: default_context_weight(),
            zero_shot_context: default_zero_shot_context(),
            question_weight: default_question_weight(),
        }
    }
}

/// Parameters that passed [`ClassifierParams::check`]; the only ones that fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidClassifierParams(ClassifierParams);

impl std::ops::Deref for ValidClassifierParams {
    type Target = ClassifierParams;
    fn deref(&self) -> &ClassifierParams {
        &self.0
    }
}

impl ClassifierParams {
    /// Identity of a classifier: these parameters plus the caller's hash of
    /// its training data (what `autocode code` records on each coding).
    pub fn fingerprint(&self, training_hash: &str) -> String {
        let body = serde_json::to_string(self).expect("params serialise");
        let h = Sha256::digest(format!("{body}\n{training_hash}").as_bytes());
        format!("{}-{}", self.mode, &hex::encode(h)[..16])
    }

    /// These parameters with supervised models seeing `features`: `Embedding`
    /// drops the TF-IDF block, `Tfidf` weights the embedding block 0.
    pub fn with_features(mut self, features: Features) -> ClassifierParams {
        match features {
            Features::Both => {}
            Features::Embedding => self.tfidf = None,
            Features::Tfidf => {
                self.embedding_weight = 0.0;
                self.context_weight = 0.0;
                self.question_weight = 0.0;
            }
        }
        self
    }

    /// Every value in range, or an error naming the first field that is not.
    pub fn check(self) -> Result<ValidClassifierParams, ClassifyError> {
        let bad = |field: &'static str, reason: String| Err(ClassifyError::Param { field, reason });
        let l = &self.logistic;
        if !(l.c > 0.0 && l.c.is_finite()) {
            return bad(
                "logistic.c",
                format!("must be a finite number > 0, got {}", l.c),
            );
        }
        if l.max_iter == 0 {
            return bad("logistic.max_iter", "must be at least 1".into());
        }
        if !(l.tol >= 0.0 && l.tol.is_finite()) {
            return bad(
                "logistic.tol",
                format!("must be a finite number >= 0, got {}", l.tol),
            );
        }
        if let Some(t) = &self.tfidf {
            if t.max_features == 0 {
                return bad("tfidf.max_features", "must be at least 1".into());
            }
        }
        if !(0.0..=1.0).contains(&self.embedding_weight) {
            return bad(
                "embedding_weight",
                format!("must be in [0, 1], got {}", self.embedding_weight),
            );
        }
        if self.embedding_weight == 0.0 && self.tfidf.is_none() {
            return bad(
                "embedding_weight",
                "is 0 and there is no TF-IDF block: supervised models would see no features".into(),
            );
        }
        // The neighbours' and the question's weights beside the sentence's
        // own (1): up to MAX_BLOCK_WEIGHT, where the sentence itself has long
        // stopped counting; from about 1e18 their squares overflow f32 and
        // every code predicted nothing, with no word.
        let block_weight = |w: f32| w.is_finite() && (0.0..=MAX_BLOCK_WEIGHT).contains(&w);
        if let Some((field, value)) = [
            ("context_weight", self.context_weight),
            ("question_weight", self.question_weight),
            ("zero_shot_context", self.zero_shot_context),
        ]
        .into_iter()
        .find(|(_, w)| !block_weight(*w))
        {
            return bad(
                field,
                format!("must be a number in [0, {MAX_BLOCK_WEIGHT}], got {value}"),
            );
        }
        // Weights: each a finite number >= 0 (the value as given in the message).
        let weights = [(
            "corpus_threshold_weight",
            self.corpus_threshold_weight.is_finite() && self.corpus_threshold_weight >= 0.0,
            self.corpus_threshold_weight.to_string(),
        )];
        if let Some((field, _, value)) = weights.into_iter().find(|w| !w.1) {
            return bad(field, format!("must be a finite number >= 0, got {value}"));
        }
        if self.min_positives == 0 {
            return bad("min_positives", "must be at least 1".into());
        }
        if self.inner_folds < 2 {
            return bad(
                "inner_folds",
                format!("must be at least 2, got {}", self.inner_folds),
            );
        }
        let st = self.self_training;
        if !(st.positive_share > 0.0 && st.positive_share <= 1.0) {
            return bad(
                "self_training.positive_share",
                format!("must be in (0, 1], got {}", st.positive_share),
            );
        }
        if !(0.0..=1.0).contains(&self.catch_all_floor) {
            return bad(
                "catch_all_floor",
                format!("must be in [0, 1], got {}", self.catch_all_floor),
            );
        }
        if !(0.0..=1.0).contains(&self.best_code_floor) {
            return bad(
                "best_code_floor",
                format!("must be in [0, 1], got {}", self.best_code_floor),
            );
        }
        let z = &self.zero_shot;
        if !z.center.is_finite() {
            return bad(
                "zero_shot.center",
                format!("must be finite, got {}", z.center),
            );
        }
        if !(z.slope > 0.0 && z.slope.is_finite()) {
            return bad(
                "zero_shot.slope",
                format!("must be a finite number > 0, got {}", z.slope),
            );
        }
        Ok(ValidClassifierParams(self))
    }
}

/// A label of one training item for one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Yes,
    No,
    /// Not judged for this code: left out of its training.
    Unknown,
}

/// The units around an item: the L2-normalised embeddings of the
/// sentence just before it and just after it in its turn
/// ([`crate::context`]; `None` at a turn's edge, for written text, for a
/// codebook example, or where the order is not known), and of the
/// question its turn answers (the moderator's last turn before it,
/// [`crate::context::questions`]). A supervised code model sees them
/// beside the item's own embedding ([`ClassifierParams::context_weight`],
/// [`ClassifierParams::question_weight`]); a prototype is compared with
/// the item read with its neighbours
/// ([`ClassifierParams::zero_shot_context`]; the question did not help
/// there); pseudo-labels are drawn from the item alone.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Context<'a> {
    pub before: Option<&'a [f32]>,
    pub after: Option<&'a [f32]>,
    pub question: Option<&'a [f32]>,
}

/// Labelled items to train on. `embeddings` are L2-normalised, one per item.
#[derive(Debug, Clone, Default)]
pub struct TrainingSet<'a> {
    pub embeddings: Vec<&'a [f32]>,
    pub texts: Vec<&'a str>,
    /// items × codes (codebook order).
    pub labels: Vec<Vec<Label>>,
    /// Group of each item (e.g. document): inner folds never split a group.
    /// [`CODEBOOK_GROUP`] marks rows written from the codebook.
    pub groups: Vec<String>,
    /// Each item's [`Context`]; empty: none known for any item.
    pub context: Vec<Context<'a>>,
}

impl<'a> TrainingSet<'a> {
    /// Item `i`'s context (none when the set has no context column).
    pub fn context_of(&self, i: usize) -> Context<'a> {
        self.context.get(i).copied().unwrap_or_default()
    }
}

/// What a prototype is compared with: the unit's embedding plus `weight`
/// times each neighbour's ([`Context`]), normalised; the unit's own where
/// it has no neighbours or `weight` is 0. The question is not read: on
/// the demo's zero-shot it cost κ (docs/classify.md, "The question a turn
/// answers").
pub fn in_context<'e>(
    emb: &'e [f32],
    ctx: Context<'_>,
    weight: f32,
) -> std::borrow::Cow<'e, [f32]> {
    let sides: Vec<&[f32]> = [ctx.before, ctx.after]
        .into_iter()
        .flatten()
        .filter(|v| v.len() == emb.len())
        .collect();
    if weight == 0.0 || sides.is_empty() {
        return std::borrow::Cow::Borrowed(emb);
    }
    let mut v = emb.to_vec();
    for side in sides {
        for (a, b) in v.iter_mut().zip(side) {
            *a += weight * b;
        }
    }
    normalise(&mut v);
    std::borrow::Cow::Owned(v)
}

/// The dense block of a feature row: the item's embedding scaled by
/// `embedding_weight`, then (where `context_weight` > 0) the embeddings
/// before and after it scaled by `context_weight`, then (where
/// `question_weight` > 0) the question's scaled by `question_weight`,
/// zeros where absent.
fn dense_features(emb: &[f32], ctx: Context<'_>, params: &ClassifierParams) -> Vec<f32> {
    let we = params.embedding_weight;
    let wc = params.context_weight;
    let wq = params.question_weight;
    let mut blocks: Vec<(f32, Option<&[f32]>)> = Vec::with_capacity(3);
    if wc > 0.0 {
        blocks.push((wc, ctx.before));
        blocks.push((wc, ctx.after));
    }
    if wq > 0.0 {
        blocks.push((wq, ctx.question));
    }
    let mut out = Vec::with_capacity(emb.len() * (1 + blocks.len()));
    out.extend(emb.iter().map(|x| x * we));
    for (w, block) in blocks {
        match block.filter(|v| v.len() == emb.len()) {
            Some(v) => out.extend(v.iter().map(|x| x * w)),
            None => out.extend(std::iter::repeat_n(0f32, emb.len())),
        }
    }
    out
}

/// The group of training rows written from the codebook (a code's examples
/// as positives, its counter-examples as negatives), not read from a
/// document: no document name holds a NUL. Such rows train a code's model
/// but do not count towards the human positives and negatives that decide
/// whether a code learns from its human labels or waits
/// ([`crate::zeroshot::fit_with_corpus`]): two written examples would make
/// two reviewed positives enough, and a model on two reviewed sentences
/// and two written ones cost the demo's first reviews κ (docs/classify.md,
/// "Codes the corpus gives no pseudo-labels").
pub const CODEBOOK_GROUP: &str = "\0codebook";

/// The training rows a codebook writes: each code's examples (Yes for that
/// code), counter-examples and exclusion criteria (No), every other code
/// unknown, codebook order. `autocode code` and `eval code` both train on
/// them, under [`CODEBOOK_GROUP`]. An exclusion criterion ("prices charged
/// to clients") names what the code is not, as a counter-example shows it:
/// as a negative row it turns the code's model away from the sentences
/// near it, as inclusion criteria draw its prototype towards theirs
/// ([`prototype_texts`]).
pub fn codebook_rows(cb: &Codebook) -> Vec<(String, Vec<Label>)> {
    let k = cb.codes.len();
    let mut out = Vec::new();
    for (c, code) in cb.codes.iter().enumerate() {
        for (texts, l) in [
            (&code.examples, Label::Yes),
            (&code.counter_examples, Label::No),
            (&code.exclusion, Label::No),
        ] {
            for t in texts {
                let mut row = vec![Label::Unknown; k];
                row[c] = l;
                out.push((t.clone(), row));
            }
        }
    }
    out
}

/// The texts whose embeddings form each code's zero-shot prototype, codebook order.
pub fn prototype_texts(cb: &Codebook) -> Vec<Vec<String>> {
    cb.codes
        .iter()
        .map(|c| {
            let mut t = Vec::new();
            if !c.definition.trim().is_empty() {
                t.push(format!("{}: {}", c.name, c.definition.trim()));
            } else {
                t.push(c.name.clone());
            }
            t.extend(c.inclusion.iter().cloned());
            t.extend(c.examples.iter().cloned());
            t
        })
        .collect()
}

/// How one code is modelled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CodeKind {
    Supervised {
        model: Logistic,
        platt: Platt,
    },
    ZeroShot {
        prototype: Vec<f32>,
        platt: Option<Platt>,
    },
    /// A code that is not codable ([`crate::Code::codable`] `false`, a
    /// REFI-QDA category, a MAXQDA or NVivo folder): no model. It is never
    /// assigned nor given a probability (0): it is coded only through the
    /// codes below it, which reports count for it.
    Category,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeModel {
    pub code_id: String,
    pub kind: CodeKind,
    /// Assigned when the calibrated probability is at least this.
    pub threshold: f64,
    pub positives: usize,
    pub negatives: usize,
    /// Why this kind was chosen, e.g. "zero-shot: 3 positives < 8".
    pub note: String,
    /// Trained on corpus pseudo-labels (`crate::zeroshot`), not human ones:
    /// a zero-shot model whatever its kind, its probabilities uncalibrated.
    #[serde(default)]
    pub pseudo_labelled: bool,
    /// A supervised model whose features hold the context blocks
    /// ([`ClassifierParams::context_weight`]).
    #[serde(default)]
    pub reads_context: bool,
}

impl CodeModel {
    pub fn is_supervised(&self) -> bool {
        matches!(self.kind, CodeKind::Supervised { .. })
    }

    /// Whether the code is a category, with no model ([`CodeKind::Category`]).
    pub fn is_category(&self) -> bool {
        matches!(self.kind, CodeKind::Category)
    }

    /// The place of a category (a code not codable) among the models.
    fn category(code_id: &str) -> CodeModel {
        CodeModel {
            code_id: code_id.to_string(),
            kind: CodeKind::Category,
            threshold: 1.0,
            positives: 0,
            negatives: 0,
            note: "not codable (a category): no model; coded only through the codes below it"
                .into(),
            pseudo_labelled: false,
            reads_context: false,
        }
    }

    /// Whether its probabilities were calibrated on labelled sentences
    /// (Platt scaling); otherwise they come from the fixed zero-shot mapping
    /// σ(a·(cos − b)), a prior, not a calibration.
    pub fn is_calibrated(&self) -> bool {
        if self.pseudo_labelled {
            return false;
        }
        match &self.kind {
            CodeKind::Supervised { .. } => true,
            CodeKind::ZeroShot { platt, .. } => platt.is_some(),
            CodeKind::Category => false,
        }
    }
}

/// A fitted multi-label classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classifier {
    /// The parameters it was fitted with.
    pub params: ClassifierParams,
    pub codes: Vec<CodeModel>,
    /// Children before parents: the order hierarchy is propagated in.
    bottom_up: Vec<usize>,
    parents: Vec<Option<usize>>,
    /// Catch-all codes ([`Codebook::residual_codes`]).
    #[serde(default)]
    residual: Vec<bool>,
    tfidf: Option<Tfidf>,
    dim: usize,
}

/// Probabilities and decisions, items × codes (codebook order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Predictions {
    pub probabilities: Vec<Vec<f32>>,
    pub assigned: Vec<Vec<bool>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    #[error(transparent)]
    Fit(#[from] FitError),
    /// A parameter out of range; `field` is its name (`logistic.c`, `folds`, …).
    #[error("invalid parameter {field}: {reason}")]
    Param { field: &'static str, reason: String },
    #[error("{0}")]
    Input(String),
}

/// Deterministic pseudo-random stream (splitmix64), for fold assignment:
/// a hand-written generator keeps folds identical across dependency updates.
pub struct SplitMix(pub u64);
impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Assigns each item to one of `k` folds so that no group is split: groups
/// are shuffled by `seed`, then each goes to the currently smallest fold.
pub fn group_folds(groups: &[String], k: usize, seed: u64) -> Vec<usize> {
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for g in groups {
        *sizes.entry(g).or_default() += 1;
    }
    let mut rng = SplitMix(seed);
    let mut order: Vec<(u64, &str, usize)> = sizes
        .iter()
        .map(|(g, &n)| (rng.next_u64(), *g, n))
        .collect();
    order.sort();
    let mut load = vec![0usize; k];
    let mut fold_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, g, n) in order {
        let f = (0..k).min_by_key(|&f| (load[f], f)).unwrap_or(0);
        load[f] += n;
        fold_of.insert(g, f);
    }
    groups.iter().map(|g| fold_of[g.as_str()]).collect()
}

pub(crate) fn normalise(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

fn dot32(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl ValidClassifierParams {
    /// Fits one model per code. `prototypes[c]` are the embedded
    /// [`prototype_texts`] of code c (L2-normalised).
    pub fn fit(
        &self,
        codebook: &Codebook,
        prototypes: &[Vec<Vec<f32>>],
        train: &TrainingSet<'_>,
    ) -> Result<Classifier, ClassifyError> {
        self.fit_reading_context(codebook, prototypes, train, &[])
    }

    /// [`ValidClassifierParams::fit`] where only the codes `reads[c]` (all,
    /// when `reads` is empty) see the context blocks: a code trained on
    /// the corpus's pseudo-labels, drawn from each sentence alone (a
    /// written document's), learns nothing from the sentences around it
    /// but noise (on the demo's zero-shot κ, 0.374 without context blocks,
    /// 0.365 with them, when its pseudo-labels were drawn so); in a corpus
    /// of answers they are drawn in context and read it
    /// ([`crate::zeroshot::answers_questions`]).
    pub(crate) fn fit_reading_context(
        &self,
        codebook: &Codebook,
        prototypes: &[Vec<Vec<f32>>],
        train: &TrainingSet<'_>,
        reads: &[bool],
    ) -> Result<Classifier, ClassifyError> {
        let k = codebook.codes.len();
        if prototypes.len() != k {
            return Err(ClassifyError::Input(format!(
                "{} prototype sets for {k} codes",
                prototypes.len()
            )));
        }
        // Categories (codes not codable) get no model: the codable codes
        // are fitted as a codebook of their own, and the categories put
        // back, model-less, in their places.
        if let Some((codable, keep)) = codebook.codable_view() {
            let sub_reads: Vec<bool> = if reads.is_empty() {
                Vec::new()
            } else {
                keep.iter()
                    .map(|&c| reads.get(c).copied().unwrap_or(true))
                    .collect()
            };
            let sub = self.fit_reading_context(
                &codable,
                &project_columns(prototypes, &keep),
                &codable_rows(train, &keep, k)?,
                &sub_reads,
            )?;
            return Ok(with_categories(sub, codebook));
        }
        let n = train.embeddings.len();
        if train.labels.len() != n
            || train.texts.len() != n
            || train.groups.len() != n
            || !(train.context.is_empty() || train.context.len() == n)
        {
            return Err(ClassifyError::Input(
                "training set columns differ in length".into(),
            ));
        }
        let dim = prototypes
            .iter()
            .flatten()
            .map(|v| v.len())
            .chain(train.embeddings.iter().map(|v| v.len()))
            .next()
            .unwrap_or(0);
        if train.embeddings.iter().any(|v| v.len() != dim)
            || prototypes.iter().flatten().any(|v| v.len() != dim)
        {
            return Err(ClassifyError::Input(
                "embeddings of different dimensions".into(),
            ));
        }
        // A child implies its parent: propagate positives upward.
        let ancestors: Vec<Vec<usize>> = codebook.all_ancestors();
        let mut labels = train.labels.clone();
        for row in &mut labels {
            if row.len() != k {
                return Err(ClassifyError::Input(format!(
                    "a label row has {} codes, expected {k}",
                    row.len()
                )));
            }
            for c in 0..k {
                if row[c] == Label::Yes {
                    for &a in &ancestors[c] {
                        row[a] = Label::Yes;
                    }
                }
            }
        }
        let supervised_possible = self.mode != Mode::ZeroShot;
        let tfidf = match (&self.tfidf, supervised_possible && n > 0) {
            (Some(p), true) => Some(p.fit(&train.texts)),
            _ => None,
        };
        // Without a neighbour anywhere in the training set (written text,
        // survey answers) the neighbours' blocks would be zeros, and
        // without a question anywhere (no moderator) the question's: leave
        // them out. The classifier keeps the blocks it was fitted with.
        let has_sides = train
            .context
            .iter()
            .any(|c| c.before.is_some() || c.after.is_some());
        let has_question = train.context.iter().any(|c| c.question.is_some());
        let fitted = ClassifierParams {
            context_weight: if has_sides { self.context_weight } else { 0.0 },
            question_weight: if has_question {
                self.question_weight
            } else {
                0.0
            },
            ..self.0.clone()
        };
        let with_context = fitted.context_weight > 0.0 || fitted.question_weight > 0.0;
        let reads_context = |c: usize| with_context && reads.get(c).copied().unwrap_or(true);
        let plain = ClassifierParams {
            context_weight: 0.0,
            question_weight: 0.0,
            ..self.0.clone()
        };
        let feature_rows = |params: &ClassifierParams| -> Vec<FeatureRow> {
            (0..n)
                .into_par_iter()
                .map(|i| FeatureRow {
                    dense: dense_features(train.embeddings[i], train.context_of(i), params),
                    sparse: tfidf
                        .as_ref()
                        .map(|t| t.transform(train.texts[i]))
                        .unwrap_or_default(),
                })
                .collect()
        };
        let rows_context: Vec<FeatureRow> = if (0..k).any(reads_context) {
            feature_rows(&fitted)
        } else {
            Vec::new()
        };
        let rows_plain: Vec<FeatureRow> = if (0..k).any(|c| !reads_context(c)) {
            feature_rows(&plain)
        } else {
            Vec::new()
        };
        let sparse_dim = tfidf.as_ref().map_or(0, |t| t.dim());
        // Rows written from the codebook train in every inner fold and are
        // never scored out of fold: a written example is no sample of the
        // corpus (clean, typical, chosen to be in the code), so its score
        // says nothing of where the corpus's sentences fall, and Platt and
        // the threshold fitted with it over-code (the demo's codebook alone:
        // Trust predicted on 55 sentences for 17). Measured (docs/classify.md,
        // "Codebook examples never calibrate"): zero-shot κ with the examples
        // as training rows, demo 0.443 → 0.462 and data/interviews 0.239 →
        // 0.253 over five CV seeds; the demo's simulated reviewer +0.016 at
        // the start and +0.023 / +0.028 / +0.038 / +0.024 (queue) at 1 / 2 /
        // 5 / 10 per code.
        let written: Vec<bool> = train.groups.iter().map(|g| g == CODEBOOK_GROUP).collect();
        let folds = {
            let distinct: std::collections::BTreeSet<&String> = train.groups.iter().collect();
            if distinct.len() >= self.inner_folds {
                group_folds(&train.groups, self.inner_folds, self.seed)
            } else {
                // Too few documents to fold by (a survey export is one):
                // each row is its own group, keyed by its text and the
                // text's occurrence, not its position, so that the same
                // answers in another row order fall in the same folds
                // (keyed by position, a reordered export gave other
                // thresholds and counts).
                let mut seen: std::collections::HashMap<&str, usize> =
                    std::collections::HashMap::new();
                let ids: Vec<String> = (0..n)
                    .map(|i| {
                        let text = train.texts.get(i).copied().unwrap_or("");
                        let k = seen.entry(text).or_default();
                        *k += 1;
                        format!("{text}\u{1f}{k}")
                    })
                    .collect();
                group_folds(&ids, self.inner_folds, self.seed)
            }
        };
        let centroids: Vec<Vec<f32>> = prototypes
            .iter()
            .map(|ps| {
                let mut c = vec![0f32; dim];
                for p in ps {
                    for (a, b) in c.iter_mut().zip(p) {
                        *a += b;
                    }
                }
                normalise(&mut c);
                c
            })
            .collect();
        let zero_shot_scores = |emb: &[f32]| -> Vec<f64> {
            let s: Vec<f64> = centroids.iter().map(|c| dot32(emb, c) as f64).collect();
            if self.zero_shot_centered && k > 1 {
                let m = s.iter().sum::<f64>() / k as f64;
                s.iter().map(|v| v - m + self.zero_shot.center).collect()
            } else {
                s
            }
        };
        let zs_train: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                zero_shot_scores(&in_context(
                    train.embeddings[i],
                    train.context_of(i),
                    self.zero_shot_context,
                ))
            })
            .collect();

        let codes: Vec<Result<CodeModel, ClassifyError>> = (0..k)
            .into_par_iter()
            .map(|c| {
                let idx: Vec<usize> = (0..n).filter(|&i| labels[i][c] != Label::Unknown).collect();
                let y: Vec<bool> = idx.iter().map(|&i| labels[i][c] == Label::Yes).collect();
                let positives = y.iter().filter(|&&v| v).count();
                let negatives = y.len() - positives;
                let code_id = codebook.codes[c].id.clone();
                let reads_context = reads_context(c);
                let rows: &[FeatureRow] = if reads_context {
                    &rows_context
                } else {
                    &rows_plain
                };
                let zero_shot = |note: String| {
                    let scores: Vec<f64> = idx.iter().map(|&i| zs_train[i][c]).collect();
                    let (platt, threshold) = if positives >= 2 && negatives >= 2 {
                        let p = Platt::fit(&scores, &y);
                        let probs: Vec<f64> = scores.iter().map(|&s| p.apply(s)).collect();
                        (Some(p), best_kappa_threshold(&probs, &y))
                    } else {
                        (None, 0.5)
                    };
                    CodeModel {
                        code_id: code_id.clone(),
                        kind: CodeKind::ZeroShot {
                            prototype: centroids[c].clone(),
                            platt,
                        },
                        threshold,
                        positives,
                        negatives,
                        pseudo_labelled: false,
                        reads_context: false,
                        note: note
                            + if platt.is_some() {
                                ", calibrated on labelled sentences"
                            } else {
                                ", fixed mapping"
                            },
                    }
                };
                if self.mode == Mode::ZeroShot {
                    return Ok(zero_shot("zero-shot (mode)".into()));
                }
                if positives < self.min_positives || negatives < self.min_positives {
                    return Ok(zero_shot(format!(
                        "zero-shot: {positives} positives / {negatives} negatives < {}",
                        self.min_positives
                    )));
                }
                // Out-of-fold decision scores for calibration and the threshold.
                let mut oof = vec![0.0; idx.len()];
                let mut filled = vec![false; idx.len()];
                for f in 0..self.inner_folds {
                    let tr: Vec<usize> = (0..idx.len())
                        .filter(|&j| folds[idx[j]] != f || written[idx[j]])
                        .collect();
                    let te: Vec<usize> = (0..idx.len())
                        .filter(|&j| folds[idx[j]] == f && !written[idx[j]])
                        .collect();
                    let ytr: Vec<bool> = tr.iter().map(|&j| y[j]).collect();
                    if te.is_empty() || ytr.iter().all(|&v| v) || ytr.iter().all(|&v| !v) {
                        continue;
                    }
                    let xtr: Vec<&FeatureRow> = tr.iter().map(|&j| &rows[idx[j]]).collect();
                    let m = self.logistic.fit(&xtr, &ytr, sparse_dim)?;
                    for &j in &te {
                        oof[j] = m.decision(&rows[idx[j]]);
                        filled[j] = true;
                    }
                }
                let (s_cal, y_cal): (Vec<f64>, Vec<bool>) = (0..idx.len())
                    .filter(|&j| filled[j])
                    .map(|j| (oof[j], y[j]))
                    .unzip();
                let platt = Platt::fit(&s_cal, &y_cal);
                let probs: Vec<f64> = s_cal.iter().map(|&s| platt.apply(s)).collect();
                let threshold = best_kappa_threshold(&probs, &y_cal);
                let xall: Vec<&FeatureRow> = idx.iter().map(|&i| &rows[i]).collect();
                let model = self.logistic.fit(&xall, &y, sparse_dim)?;
                Ok(CodeModel {
                    code_id,
                    kind: CodeKind::Supervised { model, platt },
                    threshold,
                    positives,
                    negatives,
                    note: format!("supervised on {positives} positives / {negatives} negatives"),
                    pseudo_labelled: false,
                    reads_context,
                })
            })
            .collect();
        let codes = codes.into_iter().collect::<Result<Vec<_>, _>>()?;
        let mut clf = Classifier {
            params: fitted,
            codes,
            bottom_up: codebook.bottom_up_order(),
            parents: codebook.parent_indices(),
            residual: codebook.residual_codes(),
            tfidf,
            dim,
        };
        clf.note_residual_codes();
        Ok(clf)
    }
}

/// `columns`' entries at `keep`, in that order (the default past its end).
pub(crate) fn project_columns<T: Clone + Default>(columns: &[T], keep: &[usize]) -> Vec<T> {
    keep.iter()
        .map(|&c| columns.get(c).cloned().unwrap_or_default())
        .collect()
}

/// `set` with each label row cut to the columns `keep` (the codable codes
/// of a codebook of `k` codes, [`Codebook::codable_view`]).
pub(crate) fn codable_rows<'a>(
    set: &TrainingSet<'a>,
    keep: &[usize],
    k: usize,
) -> Result<TrainingSet<'a>, ClassifyError> {
    let labels = set
        .labels
        .iter()
        .map(|row| {
            if row.len() != k {
                return Err(ClassifyError::Input(format!(
                    "a label row has {} codes, expected {k}",
                    row.len()
                )));
            }
            Ok(keep.iter().map(|&c| row[c]).collect())
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TrainingSet {
        labels,
        ..set.clone()
    })
}

/// The classifier `sub`, fitted on the codable codes of `codebook`
/// ([`Codebook::codable_view`]), with `codebook`'s categories put back in
/// their places ([`CodeModel::category`]) and its hierarchy: predictions
/// have a column for every code, a category's always 0 and unassigned.
pub(crate) fn with_categories(sub: Classifier, codebook: &Codebook) -> Classifier {
    let mut models = sub.codes.into_iter();
    let codes = codebook
        .codes
        .iter()
        .map(|c| match c.codable {
            true => models.next().expect("one model per codable code"),
            false => CodeModel::category(&c.id),
        })
        .collect();
    let mut clf = Classifier {
        params: sub.params,
        codes,
        bottom_up: codebook.bottom_up_order(),
        parents: codebook.parent_indices(),
        residual: codebook.residual_codes(),
        tfidf: sub.tfidf,
        dim: sub.dim,
    };
    // The catch-all notes as this codebook's rule has them, not as the
    // codable codes' alone (where a catch-all below a category is one at
    // the top level).
    for m in &mut clf.codes {
        for note in [RESIDUAL_NOTE, RESIDUAL_UNDER_CATEGORY_NOTE] {
            if let Some(kept) = m.note.strip_suffix(note) {
                m.note = kept.to_string();
            }
        }
    }
    clf.note_residual_codes();
    clf
}

/// What [`Classifier::note_residual_codes`] adds to a catch-all's note.
const RESIDUAL_NOTE: &str = "; catch-all: assigned when none of its sibling codes is";
/// … to a catch-all's below a category, which the rule cannot code.
const RESIDUAL_UNDER_CATEGORY_NOTE: &str =
    "; catch-all below a category: not assigned until it has human codings to learn from (the rule needs its parent coded, and a category never is)";

/// How far [`Classifier::predict_with`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decide {
    /// Hierarchy and residual rule: [`Classifier::predict`].
    Full,
    /// Hierarchy, every code by its own model: self-training's relabelling.
    OwnModels,
    /// Each code's own probability and threshold, nothing after.
    OwnProbabilities,
}

impl Classifier {
    /// Whether predictions need the items' texts (a TF-IDF block is in use).
    pub fn needs_texts(&self) -> bool {
        self.tfidf.is_some() && self.codes.iter().any(|c| c.is_supervised())
    }

    /// Which codes the residual rule decides: catch-all codes whose model
    /// did not learn from human codings (zero-shot or pseudo-labelled). A
    /// catch-all with enough human examples is learnt like any other code.
    pub fn residual_rule(&self) -> Vec<bool> {
        self.codes
            .iter()
            .enumerate()
            .map(|(c, m)| {
                self.residual.get(c).copied().unwrap_or(false)
                    && (!m.is_supervised() || m.pseudo_labelled)
            })
            .collect()
    }

    /// Says on each code the residual rule decides that it does.
    pub(crate) fn note_residual_codes(&mut self) {
        let rule = self.residual_rule();
        let under_category: Vec<bool> = self
            .parents
            .iter()
            .map(|p| p.is_some_and(|p| self.codes[p].is_category()))
            .collect();
        for ((m, r), below) in self.codes.iter_mut().zip(rule).zip(under_category) {
            let note = if below {
                RESIDUAL_UNDER_CATEGORY_NOTE
            } else {
                RESIDUAL_NOTE
            };
            if r && !m.note.ends_with(note) {
                m.note.push_str(note);
            }
        }
    }

    /// Probabilities and decisions for each item. `texts` is required when
    /// [`Classifier::needs_texts`].
    ///
    /// A catch-all code without human examples ([`Classifier::residual_rule`])
    /// is not decided by its own model, which has no topic to find. Where its
    /// parent is coded (always, at the top level), the unit first gets the
    /// catch-all's most probable sibling if that probability reaches
    /// [`ClassifierParams::catch_all_floor`]; the catch-all is then assigned
    /// when none of its siblings is, with probability min(parent's, 1 − the
    /// siblings' largest). In a codebook without a top-level catch-all, a
    /// unit no top-level code takes gets its most probable calibrated one
    /// if that reaches [`ClassifierParams::best_code_floor`].
    pub fn predict(
        &self,
        embeddings: &[&[f32]],
        texts: Option<&[&str]>,
    ) -> Result<Predictions, ClassifyError> {
        self.predict_with(embeddings, texts, &[], Decide::Full)
    }

    /// [`Classifier::predict`] for items whose [`Context`] is known, one
    /// per item (empty: none known).
    /// The mean of `models`' probabilities for each item (cross-prediction,
    /// Zrnic & Candès 2024: what the fold models of a cross-fit predict
    /// for units none of them held out), summed in the models' order so the
    /// result is the same bits on every run. `None` for no model.
    pub fn mean_probabilities(
        models: &[Classifier],
        embeddings: &[&[f32]],
        texts: Option<&[&str]>,
        context: &[Context<'_>],
    ) -> Result<Option<Vec<Vec<f32>>>, ClassifyError> {
        let mut sum: Option<Vec<Vec<f64>>> = None;
        for model in models {
            let p = model.predict_in_context(embeddings, texts, context)?;
            let acc = sum.get_or_insert_with(|| {
                p.probabilities
                    .iter()
                    .map(|row| vec![0.0; row.len()])
                    .collect()
            });
            for (a_row, p_row) in acc.iter_mut().zip(&p.probabilities) {
                for (a, v) in a_row.iter_mut().zip(p_row) {
                    *a += f64::from(*v);
                }
            }
        }
        let k = models.len() as f64;
        Ok(sum.map(|rows| {
            rows.into_iter()
                .map(|row| row.into_iter().map(|a| (a / k) as f32).collect())
                .collect()
        }))
    }

    pub fn predict_in_context(
        &self,
        embeddings: &[&[f32]],
        texts: Option<&[&str]>,
        context: &[Context<'_>],
    ) -> Result<Predictions, ClassifyError> {
        self.predict_with(embeddings, texts, context, Decide::Full)
    }

    /// [`Classifier::predict`] with every code decided by its own model (no
    /// residual rule): what self-training relabels the corpus from.
    pub(crate) fn predict_by_own_models(
        &self,
        embeddings: &[&[f32]],
        texts: Option<&[&str]>,
        context: &[Context<'_>],
    ) -> Result<Predictions, ClassifyError> {
        self.predict_with(embeddings, texts, context, Decide::OwnModels)
    }

    /// Each code's own model's calibrated probability, before the
    /// hierarchy and the residual rule: what its threshold applies to.
    fn own_probabilities(&self, items: &TrainingSet<'_>) -> Result<Vec<Vec<f32>>, ClassifyError> {
        Ok(self
            .predict_with(
                &items.embeddings,
                Some(&items.texts),
                &items.context,
                Decide::OwnProbabilities,
            )?
            .probabilities)
    }

    /// Draws each human-trained code's threshold (supervised, not on
    /// pseudo-labels) towards the κ-best threshold its calibrated
    /// probabilities expect on `corpus`, unlabelled sentences of the project
    /// being coded, with `params.corpus_threshold_weight`
    /// ([`crate::threshold`]). The labelled sample's threshold fits the
    /// sample, and a review queue's sample holds far more of a code's likely
    /// positives than the corpus does. Other codes, and an empty corpus,
    /// are left as they are.
    pub fn fit_thresholds_to_corpus(
        &mut self,
        corpus: &TrainingSet<'_>,
    ) -> Result<(), ClassifyError> {
        let weight = self.params.corpus_threshold_weight;
        let human = |m: &CodeModel| m.is_supervised() && !m.pseudo_labelled;
        if weight == 0.0 || corpus.embeddings.is_empty() || !self.codes.iter().any(human) {
            return Ok(());
        }
        let p = self.own_probabilities(corpus)?;
        for (c, m) in self.codes.iter_mut().enumerate() {
            if !human(m) {
                continue;
            }
            let probs: Vec<f64> = p.iter().map(|row| row[c] as f64).collect();
            let expected = crate::threshold::expected_kappa_threshold(&probs);
            m.threshold = crate::threshold::blend(m.threshold, m.positives, Some(expected), weight);
        }
        Ok(())
    }

    fn predict_with(
        &self,
        embeddings: &[&[f32]],
        texts: Option<&[&str]>,
        context: &[Context<'_>],
        decide: Decide,
    ) -> Result<Predictions, ClassifyError> {
        if !(context.is_empty() || context.len() == embeddings.len()) {
            return Err(ClassifyError::Input(format!(
                "{} contexts for {} items",
                context.len(),
                embeddings.len()
            )));
        }
        if self.needs_texts() && texts.is_none_or(|t| t.len() != embeddings.len()) {
            return Err(ClassifyError::Input(
                "this classifier needs the texts of the items".into(),
            ));
        }
        if let Some(e) = embeddings
            .iter()
            .find(|e| e.len() != self.dim && self.dim > 0)
        {
            return Err(ClassifyError::Input(format!(
                "embedding of dimension {} given to a classifier of dimension {}",
                e.len(),
                self.dim
            )));
        }
        let k = self.codes.len();
        let rule = if decide == Decide::Full {
            self.residual_rule()
        } else {
            vec![false; k]
        };
        // Each ruled code's siblings (same parent, not ruled themselves).
        let siblings: Vec<Vec<usize>> = (0..k)
            .map(|r| {
                (0..k)
                    .filter(|&j| {
                        rule[r] && j != r && !rule[j] && self.parents[j] == self.parents[r]
                    })
                    .collect()
            })
            .collect();
        // A top-level catch-all says "none of the others" itself: by its rule
        // while it has no human examples, by its model once it has.
        let top_catch_all =
            (0..k).any(|c| self.parents[c].is_none() && self.residual.get(c) == Some(&true));
        // Categories (codes not codable) have no model and are never
        // assigned: the codes right below a top-level category are the
        // top level the best-code floor picks among.
        let category: Vec<bool> = self.codes.iter().map(CodeModel::is_category).collect();
        let top: Vec<bool> = (0..k)
            .map(|c| {
                let mut up = self.parents[c];
                // Bounded: a cycle cannot pass validation.
                for _ in 0..k {
                    match up {
                        Some(p) if category[p] => up = self.parents[p],
                        _ => break,
                    }
                }
                !category[c] && up.is_none()
            })
            .collect();
        let codable = category.iter().filter(|&&c| !c).count();
        let centered = self.params.zero_shot_centered && codable > 1;
        let map = self.params.zero_shot;
        let plain = ClassifierParams {
            context_weight: 0.0,
            question_weight: 0.0,
            ..self.params.clone()
        };
        // Which feature rows and prototype inputs the codes need, once for
        // all items rather than per item.
        let supervised = |ctx: bool| {
            self.codes
                .iter()
                .any(|c| c.is_supervised() && c.reads_context == ctx)
        };
        let (needs_context_row, needs_plain_row) = (supervised(true), supervised(false));
        let has_prototype = self.codes.iter().any(|c| !c.is_supervised());
        let out: Vec<(Vec<f32>, Vec<bool>)> = embeddings
            .par_iter()
            .enumerate()
            .map(|(i, emb)| {
                let sparse = || match (&self.tfidf, texts) {
                    (Some(t), Some(ts)) => t.transform(ts[i]),
                    _ => Vec::new(),
                };
                let row_context = needs_context_row.then(|| FeatureRow {
                    dense: dense_features(
                        emb,
                        context.get(i).copied().unwrap_or_default(),
                        &self.params,
                    ),
                    sparse: sparse(),
                });
                let row_plain = needs_plain_row.then(|| FeatureRow {
                    dense: dense_features(emb, Context::default(), &plain),
                    sparse: sparse(),
                });
                let read = if has_prototype {
                    in_context(
                        emb,
                        context.get(i).copied().unwrap_or_default(),
                        self.params.zero_shot_context,
                    )
                } else {
                    std::borrow::Cow::Borrowed(*emb)
                };
                let mut zs: Vec<f64> = self
                    .codes
                    .iter()
                    .map(|c| match &c.kind {
                        CodeKind::ZeroShot { prototype, .. } => dot32(&read, prototype) as f64,
                        _ => 0.0,
                    })
                    .collect();
                if centered {
                    // Centring uses every code's similarity, supervised ones included.
                    let all: Vec<f64> = self
                        .codes
                        .iter()
                        .zip(&zs)
                        .map(|(c, &s)| match &c.kind {
                            CodeKind::ZeroShot { .. } => s,
                            CodeKind::Supervised { .. } | CodeKind::Category => 0.0,
                        })
                        .collect();
                    let n_zs = self
                        .codes
                        .iter()
                        .filter(|c| matches!(c.kind, CodeKind::ZeroShot { .. }))
                        .count()
                        .max(1);
                    let m = all.iter().sum::<f64>() / n_zs as f64;
                    zs.iter_mut().for_each(|v| *v = *v - m + map.center);
                }
                let mut p: Vec<f64> = self
                    .codes
                    .iter()
                    .zip(&zs)
                    .map(|(c, &s)| match &c.kind {
                        CodeKind::Supervised { model, platt } => {
                            let row = if c.reads_context {
                                &row_context
                            } else {
                                &row_plain
                            };
                            platt.apply(model.decision(row.as_ref().expect("feature row")))
                        }
                        CodeKind::ZeroShot {
                            platt: Some(pl), ..
                        } => pl.apply(s),
                        CodeKind::ZeroShot { platt: None, .. } => {
                            sigmoid(map.slope * (s - map.center))
                        }
                        CodeKind::Category => 0.0,
                    })
                    .collect();
                let mut a: Vec<bool> = p
                    .iter()
                    .zip(&self.codes)
                    .map(|(&pi, c)| !c.is_category() && pi >= c.threshold)
                    .collect();
                if decide == Decide::OwnProbabilities {
                    return (p.into_iter().map(|v| v as f32).collect(), a);
                }
                for r in (0..k).filter(|&r| rule[r]) {
                    p[r] = 0.0;
                    a[r] = false;
                }
                for &c in &self.bottom_up {
                    if let Some(par) = self.parents[c] {
                        p[par] = p[par].max(p[c]);
                        a[par] |= a[c];
                    }
                }
                // A category passes its codes' codings up to the codes
                // above it, and holds none itself.
                for c in (0..k).filter(|&c| category[c]) {
                    p[c] = 0.0;
                    a[c] = false;
                }
                if decide == Decide::Full && !top_catch_all {
                    let top = |c: &usize| top[*c];
                    if !(0..k).filter(top).any(|c| a[c]) {
                        // Ties go to the code listed first, as in the rule below.
                        let best = (0..k)
                            .filter(top)
                            .filter(|&c| self.codes[c].is_calibrated())
                            .max_by(|&x, &y| p[x].total_cmp(&p[y]).then(y.cmp(&x)));
                        if let Some(j) = best.filter(|&j| p[j] >= self.params.best_code_floor) {
                            a[j] = true;
                        }
                    }
                }
                // After propagation, so a sibling counts with its children's
                // codings; parents before children, so a catch-all below a
                // parent the floor just coded is decided too. A ruled code
                // needs no propagation of its own: its parent is already
                // assigned, at no less probability.
                for &r in self.bottom_up.iter().rev().filter(|&&r| rule[r]) {
                    let (parent_p, parent_a) =
                        self.parents[r].map_or((1.0, true), |q| (p[q], a[q]));
                    let best = siblings[r]
                        .iter()
                        .copied()
                        .max_by(|&x, &y| p[x].total_cmp(&p[y]).then(y.cmp(&x)));
                    if let Some(j) =
                        best.filter(|&j| parent_a && p[j] >= self.params.catch_all_floor)
                    {
                        a[j] = true;
                    }
                    let most = best.map_or(0.0, |j| p[j]);
                    p[r] = parent_p.min(1.0 - most);
                    a[r] = parent_a && !siblings[r].iter().any(|&j| a[j]);
                }
                (p.into_iter().map(|v| v as f32).collect(), a)
            })
            .collect();
        let (probabilities, assigned) = out.into_iter().unzip();
        Ok(Predictions {
            probabilities,
            assigned,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{parse_codebook, CodebookFormat};

    fn codebook() -> Codebook {
        parse_codebook(
            "codes:\n- id: x\n  definition: the x axis\n- id: xpos\n  parent: x\n  definition: far right\n- id: y\n  definition: the y axis\n",
            "t",
            CodebookFormat::Yaml,
        )
        .unwrap()
    }

    #[test]
    fn a_codebook_trains_on_its_examples_counter_examples_and_exclusions() {
        let cb = parse_codebook(
            "codes:\n- id: costs\n  definition: money\n  examples: [Rent doubled.]\n  counter_examples: [Our prices went up.]\n  exclusion: [prices charged to clients]\n  inclusion: [rent and wages]\n- id: tools\n  definition: software\n",
            "t",
            CodebookFormat::Yaml,
        )
        .unwrap();
        let rows = codebook_rows(&cb);
        let want = |t: &str, l: Label| (t.to_string(), vec![l, Label::Unknown]);
        assert_eq!(
            rows,
            vec![
                want("Rent doubled.", Label::Yes),
                want("Our prices went up.", Label::No),
                want("prices charged to clients", Label::No),
            ]
        );
    }

    fn unit(v: [f32; 3]) -> Vec<f32> {
        let mut v = v.to_vec();
        normalise(&mut v);
        v
    }

    /// `n` seeded points (x, y) uniform in [−1, 1)², each with its unit
    /// vector (x, y, 0.3 + a little noise): the synthetic sentences of the
    /// fitting tests.
    fn points(seed: u64, n: usize) -> Vec<(f32, f32, Vec<f32>)> {
        let mut rng = SplitMix(seed);
        let mut u = || (rng.next_u64() >> 11) as f32 / (1u64 << 53) as f32 - 0.5;
        (0..n)
            .map(|_| {
                let (xv, yv) = (u() * 2.0, u() * 2.0);
                (xv, yv, unit([xv, yv, 0.3 + u() * 0.1]))
            })
            .collect()
    }

    #[test]
    fn group_folds_never_split_a_group() {
        let groups: Vec<String> = (0..50).map(|i| format!("g{}", i % 7)).collect();
        let f = group_folds(&groups, 3, 1);
        for (g, fo) in groups.iter().zip(&f) {
            for (h, fp) in groups.iter().zip(&f) {
                if g == h {
                    assert_eq!(fo, fp);
                }
            }
        }
        assert_eq!(f, group_folds(&groups, 3, 1));
        assert!((0..3).all(|k| f.contains(&k)));
    }

    /// The three test codes' classifier on embeddings alone (no TF-IDF),
    /// prototypes along the first two axes.
    fn fit_on_embeddings(cb: &Codebook, train: &TrainingSet<'_>) -> Classifier {
        let protos = vec![
            vec![unit([1.0, 0.0, 0.0])],
            vec![unit([1.0, 0.0, 0.0])],
            vec![unit([0.0, 1.0, 0.0])],
        ];
        let params = ClassifierParams {
            tfidf: None,
            ..Default::default()
        };
        params.check().unwrap().fit(cb, &protos, train).unwrap()
    }

    /// One document (a survey export): rows fall in folds by their text,
    /// so the same answers in another order give the same classifier.
    /// Keyed by position, a reordered export got other folds, thresholds
    /// and counts.
    /// Cross-prediction's mean: each item's probability is the mean of the
    /// models' (two models fitted on different halves here).
    #[test]
    fn mean_probabilities_average_the_models() {
        let cb = codebook();
        let rows: Vec<(Vec<f32>, Vec<Label>)> = points(5, 80)
            .into_iter()
            .map(|(xv, yv, v)| {
                let yes = |b: bool| if b { Label::Yes } else { Label::No };
                (v, vec![yes(xv > 0.0), yes(xv > 0.5), yes(yv > 0.1)])
            })
            .collect();
        let fit = |keep: &dyn Fn(usize) -> bool| {
            let idx: Vec<usize> = (0..rows.len()).filter(|&i| keep(i)).collect();
            let train = TrainingSet {
                embeddings: idx.iter().map(|&i| rows[i].0.as_slice()).collect(),
                texts: idx.iter().map(|_| "").collect(),
                labels: idx.iter().map(|&i| rows[i].1.clone()).collect(),
                groups: idx.iter().map(|&i| format!("g{i}")).collect(),
                context: Vec::new(),
            };
            fit_on_embeddings(&cb, &train)
        };
        let models = [fit(&|i| i % 2 == 0), fit(&|i| i % 2 == 1)];
        let probe: Vec<&[f32]> = rows.iter().take(10).map(|r| r.0.as_slice()).collect();
        let ctx = vec![Context::default(); probe.len()];
        let mean = Classifier::mean_probabilities(&models, &probe, None, &ctx)
            .unwrap()
            .unwrap();
        let (a, b) = (
            models[0].predict_in_context(&probe, None, &ctx).unwrap(),
            models[1].predict_in_context(&probe, None, &ctx).unwrap(),
        );
        let mut differ = false;
        for ((m_row, a_row), b_row) in mean.iter().zip(&a.probabilities).zip(&b.probabilities) {
            for ((m, x), y) in m_row.iter().zip(a_row).zip(b_row) {
                differ |= (x - y).abs() > 1e-3;
                assert!((m - (x + y) / 2.0).abs() < 1e-6);
            }
        }
        assert!(differ, "the two halves' models differ somewhere");
        assert!(Classifier::mean_probabilities(&[], &probe, None, &ctx)
            .unwrap()
            .is_none());
    }

    #[test]
    fn one_documents_rows_fold_by_text_not_position() {
        let cb = codebook();
        let rows: Vec<(Vec<f32>, Vec<Label>, String)> = points(3, 120)
            .into_iter()
            .enumerate()
            .map(|(i, (xv, yv, v))| {
                let yes = |b: bool| if b { Label::Yes } else { Label::No };
                (
                    v,
                    vec![yes(xv > 0.0), yes(xv > 0.5), yes(yv > 0.1)],
                    format!("answer {i}"),
                )
            })
            .collect();
        let fit = |order: &[usize]| {
            let train = TrainingSet {
                embeddings: order.iter().map(|&i| rows[i].0.as_slice()).collect(),
                texts: order.iter().map(|&i| rows[i].2.as_str()).collect(),
                labels: order.iter().map(|&i| rows[i].1.clone()).collect(),
                groups: vec!["survey.csv".to_string(); order.len()],
                context: Vec::new(),
            };
            fit_on_embeddings(&cb, &train)
        };
        let forward: Vec<usize> = (0..rows.len()).collect();
        let mut shuffled = forward.clone();
        shuffled.reverse();
        shuffled.rotate_left(17);
        let (a, b) = (fit(&forward), fit(&shuffled));
        let probe: Vec<&[f32]> = rows.iter().map(|r| r.0.as_slice()).collect();
        let (pa, pb) = (
            a.predict(&probe, None).unwrap(),
            b.predict(&probe, None).unwrap(),
        );
        assert_eq!(pa.assigned, pb.assigned);
        for (x, y) in pa
            .probabilities
            .iter()
            .flatten()
            .zip(pb.probabilities.iter().flatten())
        {
            assert!((x - y).abs() < 1e-6, "{x} vs {y}");
        }
    }

    #[test]
    fn supervised_learns_and_hierarchy_is_consistent() {
        let cb = codebook();
        let mut embs = Vec::new();
        let mut labels = Vec::new();
        for (i, (xv, yv, v)) in points(3, 300).into_iter().enumerate() {
            embs.push(v);
            let lx = if xv > 0.0 { Label::Yes } else { Label::No };
            let lxp = if xv > 0.5 { Label::Yes } else { Label::No };
            let ly = if yv > 0.1 { Label::Yes } else { Label::No };
            // The child alone is labelled on some items: the parent must follow.
            labels.push(vec![if i % 5 == 0 { Label::Unknown } else { lx }, lxp, ly]);
        }
        let texts: Vec<&str> = vec![""; 300];
        let groups: Vec<String> = (0..300).map(|i| format!("d{}", i % 10)).collect();
        let train = TrainingSet {
            embeddings: embs.iter().map(|v| v.as_slice()).collect(),
            texts: texts.clone(),
            labels,
            groups,
            context: Vec::new(),
        };
        let clf = fit_on_embeddings(&cb, &train);
        assert!(
            clf.codes.iter().all(|c| c.is_supervised()),
            "{:?}",
            clf.codes.iter().map(|c| &c.note).collect::<Vec<_>>()
        );
        let probe = [unit([0.9, -0.4, 0.3]), unit([-0.9, 0.8, 0.3])];
        let refs: Vec<&[f32]> = probe.iter().map(|v| v.as_slice()).collect();
        let p = clf.predict(&refs, None).unwrap();
        assert!(
            p.assigned[0][1] && p.assigned[0][0] && !p.assigned[0][2],
            "{:?}",
            p.probabilities
        );
        assert!(
            !p.assigned[1][0] && p.assigned[1][2],
            "{:?}",
            p.probabilities
        );
        for row in &p.probabilities {
            assert!(row[0] >= row[1]);
        }
    }

    /// Written examples train but never calibrate: sixty written positives
    /// of code y just short of where the sentences' positives are (written
    /// examples are not the corpus's sentences) beside 300 labelled
    /// sentences with 10% positives leave the calibrated probabilities of
    /// fresh sentences at their rate.
    #[test]
    fn codebook_examples_train_but_never_calibrate() {
        let cb = codebook();
        let pts = points(7, 300);
        let written = unit([0.0, 0.75, 0.3]);
        let mut embs: Vec<&[f32]> = pts.iter().map(|p| p.2.as_slice()).collect();
        let mut labels: Vec<Vec<Label>> = pts
            .iter()
            .map(|p| {
                let l = if p.1 > 0.8 { Label::Yes } else { Label::No };
                vec![Label::Unknown, Label::Unknown, l]
            })
            .collect();
        let mut groups: Vec<String> = (0..300).map(|i| format!("d{}", i % 10)).collect();
        for _ in 0..60 {
            embs.push(written.as_slice());
            labels.push(vec![Label::Unknown, Label::Unknown, Label::Yes]);
            groups.push(CODEBOOK_GROUP.to_string());
        }
        let train = TrainingSet {
            texts: vec![""; embs.len()],
            embeddings: embs,
            labels,
            groups,
            context: Vec::new(),
        };
        let protos = vec![vec![unit([1.0, 0.0, 0.0])]; 3];
        let params = ClassifierParams {
            tfidf: None,
            ..Default::default()
        };
        let clf = params.check().unwrap().fit(&cb, &protos, &train).unwrap();
        let fresh = points(8, 2000);
        let rate = fresh.iter().filter(|p| p.1 > 0.8).count() as f64 / 2000.0;
        let emb: Vec<&[f32]> = fresh.iter().map(|p| p.2.as_slice()).collect();
        let p = clf.predict(&emb, None).unwrap();
        let mean = p.probabilities.iter().map(|r| r[2] as f64).sum::<f64>() / 2000.0;
        // Before (the written rows scored out of fold too): 0.142.
        assert!(
            (mean - rate).abs() < 0.02,
            "mean p {mean:.3} against rate {rate:.3}"
        );
    }

    /// A code that is about what the sentence before said (as "It's not
    /// the same but it's, it's something." is about isolation after a
    /// sentence on missing colleagues) is learnt from the context blocks,
    /// and cannot be without them; items without context still predict.
    #[test]
    fn context_blocks_teach_what_the_sentence_before_was_about() {
        let cb = codebook();
        let pts = points(5, 400);
        // Item i's neighbours are items i − 1 and i + 1 of its document
        // (20 items each); code x is on where the item before has x > 0.
        let labels: Vec<Vec<Label>> = (0..400)
            .map(|i| {
                let yes = i % 20 > 0 && pts[i - 1].0 > 0.0;
                let l = if yes { Label::Yes } else { Label::No };
                vec![l, Label::Unknown, Label::Unknown]
            })
            .collect();
        let context: Vec<Context> = (0..400)
            .map(|i| Context {
                before: (i % 20 > 0).then(|| pts[i - 1].2.as_slice()),
                after: (i % 20 < 19).then(|| pts[i + 1].2.as_slice()),
                question: None,
            })
            .collect();
        let train = TrainingSet {
            embeddings: pts.iter().map(|p| p.2.as_slice()).collect(),
            texts: vec![""; 400],
            labels: labels.clone(),
            groups: (0..400).map(|i| format!("d{}", i / 20)).collect(),
            context: context.clone(),
        };
        let protos = vec![vec![unit([1.0, 0.0, 0.0])]; 3];
        let kappa_at = |weight: f32| {
            let params = ClassifierParams {
                tfidf: None,
                context_weight: weight,
                ..Default::default()
            };
            let clf = params.check().unwrap().fit(&cb, &protos, &train).unwrap();
            assert_eq!(clf.codes[0].reads_context, weight > 0.0);
            // Fresh items, the same rule.
            let test = points(6, 200);
            let emb: Vec<&[f32]> = test.iter().map(|p| p.2.as_slice()).collect();
            let ctx: Vec<Context> = (0..200)
                .map(|i| Context {
                    before: (i % 20 > 0).then(|| test[i - 1].2.as_slice()),
                    after: (i % 20 < 19).then(|| test[i + 1].2.as_slice()),
                    question: None,
                })
                .collect();
            let p = clf.predict_in_context(&emb, None, &ctx).unwrap();
            let pred: Vec<bool> = p.assigned.iter().map(|a| a[0]).collect();
            let gold: Vec<bool> = (0..200)
                .map(|i| i % 20 > 0 && test[i - 1].0 > 0.0)
                .collect();
            // Without context the same classifier still codes.
            assert_eq!(clf.predict(&emb, None).unwrap().assigned.len(), 200);
            assert!(clf.predict_in_context(&emb, None, &ctx[1..]).is_err());
            crate::metrics::binary_scores(&pred, &gold)
                .kappa
                .unwrap_or(0.0)
        };
        let (alone, read) = (kappa_at(0.0), kappa_at(1.0));
        assert!(read > 0.5, "with context κ {read} (alone {alone})");
        assert!(read > alone + 0.3, "κ {read} with context, {alone} without");
    }

    /// A code that is about the question a turn answers ("Has it been
    /// lonely?" before "Some weeks, yes.") is learnt from the question
    /// block and cannot be without it; the block is left out, and the
    /// classifier fitted as before, where no training item has a question.
    #[test]
    fn the_question_block_teaches_what_the_turn_answers() {
        let cb = codebook();
        // Turns of 10 items; each turn answers a question, a point of its own.
        let fitted = |seed: u64, n: usize| {
            let pts = points(seed, n);
            let questions = points(seed + 100, n / 10);
            let labels: Vec<Vec<Label>> = (0..n)
                .map(|i| {
                    let l = if questions[i / 10].0 > 0.0 {
                        Label::Yes
                    } else {
                        Label::No
                    };
                    vec![l, Label::Unknown, Label::Unknown]
                })
                .collect();
            (pts, questions, labels)
        };
        let (pts, questions, labels) = fitted(7, 400);
        let context: Vec<Context> = (0..400)
            .map(|i| Context {
                question: Some(questions[i / 10].2.as_slice()),
                ..Default::default()
            })
            .collect();
        let train = TrainingSet {
            embeddings: pts.iter().map(|p| p.2.as_slice()).collect(),
            texts: vec![""; 400],
            labels,
            groups: (0..400).map(|i| format!("d{}", i / 40)).collect(),
            context,
        };
        let protos = vec![vec![unit([1.0, 0.0, 0.0])]; 3];
        let (test, test_questions, test_labels) = fitted(8, 200);
        let emb: Vec<&[f32]> = test.iter().map(|p| p.2.as_slice()).collect();
        let ctx: Vec<Context> = (0..200)
            .map(|i| Context {
                question: Some(test_questions[i / 10].2.as_slice()),
                ..Default::default()
            })
            .collect();
        let gold: Vec<bool> = test_labels.iter().map(|l| l[0] == Label::Yes).collect();
        let kappa_at = |weight: f32| {
            let params = ClassifierParams {
                tfidf: None,
                question_weight: weight,
                ..Default::default()
            };
            let clf = params.check().unwrap().fit(&cb, &protos, &train).unwrap();
            assert_eq!(clf.codes[0].reads_context, weight > 0.0);
            let p = clf.predict_in_context(&emb, None, &ctx).unwrap();
            let pred: Vec<bool> = p.assigned.iter().map(|a| a[0]).collect();
            crate::metrics::binary_scores(&pred, &gold)
                .kappa
                .unwrap_or(0.0)
        };
        let (alone, read) = (kappa_at(0.0), kappa_at(1.0));
        assert!(read > 0.5, "with the question κ {read} (alone {alone})");
        assert!(
            read > alone + 0.3,
            "κ {read} with the question, {alone} without"
        );
        // No question anywhere in training: no block, the same model as with weight 0.
        let mut plain = train.clone();
        plain.context = Vec::new();
        let params = ClassifierParams {
            tfidf: None,
            ..Default::default()
        };
        let clf = params.check().unwrap().fit(&cb, &protos, &plain).unwrap();
        assert_eq!(clf.params.question_weight, 0.0);
        assert!(!clf.codes[0].reads_context);
        let off = ClassifierParams {
            tfidf: None,
            question_weight: 0.0,
            context_weight: 0.0,
            ..Default::default()
        };
        let base = off.check().unwrap().fit(&cb, &protos, &plain).unwrap();
        assert_eq!(
            clf.predict(&emb, None).unwrap().probabilities,
            base.predict(&emb, None).unwrap().probabilities
        );
    }

    /// A human-trained code's threshold moves to the blend of its sample's
    /// and the corpus's; a code on pseudo-labels, weight 0 and an empty
    /// corpus leave it.
    #[test]
    fn thresholds_are_drawn_towards_the_corpus() {
        let cb = parse_codebook(
            "codes:\n- id: x\n  definition: the x axis\n- id: y\n  definition: the y axis\n",
            "t",
            CodebookFormat::Yaml,
        )
        .unwrap();
        let mut embs = Vec::new();
        let mut labels = Vec::new();
        let yes = |b: bool| if b { Label::Yes } else { Label::No };
        for (xv, yv, v) in points(11, 200) {
            embs.push(v);
            labels.push(vec![yes(xv > 0.2), yes(yv > 0.0)]);
        }
        let texts: Vec<&str> = vec![""; 200];
        let train = TrainingSet {
            embeddings: embs.iter().map(|v| v.as_slice()).collect(),
            texts: texts.clone(),
            labels,
            groups: (0..200).map(|i| format!("d{}", i % 10)).collect(),
            context: Vec::new(),
        };
        let protos = vec![vec![unit([1.0, 0.0, 0.0])], vec![unit([0.0, 1.0, 0.0])]];
        let params = ClassifierParams {
            tfidf: None,
            ..Default::default()
        };
        let fitted = params.check().unwrap().fit(&cb, &protos, &train).unwrap();
        // The corpus: sentences far on the negative side of x, so x's
        // expected table favours a higher threshold than its sample's.
        let corpus_embs: Vec<Vec<f32>> = (0..300)
            .map(|i| {
                let t = i as f32 / 300.0;
                unit([-0.8 + 1.2 * t * t, 0.5 - t, 0.3])
            })
            .collect();
        let corpus = TrainingSet {
            embeddings: corpus_embs.iter().map(|v| v.as_slice()).collect(),
            texts: vec![""; 300],
            labels: vec![vec![Label::Unknown; 2]; 300],
            groups: vec!["c".into(); 300],
            context: Vec::new(),
        };
        let own = fitted.own_probabilities(&corpus).unwrap();
        let mut clf = fitted.clone();
        clf.codes[1].pseudo_labelled = true;
        clf.fit_thresholds_to_corpus(&corpus).unwrap();
        let m = &fitted.codes[0];
        let probs: Vec<f64> = own.iter().map(|r| r[0] as f64).collect();
        let expected = crate::threshold::expected_kappa_threshold(&probs);
        let want =
            (m.positives as f64 * m.threshold + 50.0 * expected) / (m.positives as f64 + 50.0);
        assert!((clf.codes[0].threshold - want).abs() < 1e-12);
        assert_ne!(clf.codes[0].threshold, m.threshold, "{expected}");
        assert_eq!(clf.codes[1].threshold, fitted.codes[1].threshold);
        let mut off = fitted.clone();
        off.params.corpus_threshold_weight = 0.0;
        off.fit_thresholds_to_corpus(&corpus).unwrap();
        assert_eq!(off.codes, fitted.codes);
        let mut empty = fitted.clone();
        empty
            .fit_thresholds_to_corpus(&TrainingSet::default())
            .unwrap();
        assert_eq!(empty.codes, fitted.codes);
    }

    /// x, its children xpos and the catch-all xother, y, and the top-level
    /// catch-all "Other"; 300 items labelled for x, xpos and y (and for the
    /// catch-alls when `label_catch_alls`).
    fn catch_all_fit(label_catch_alls: bool, catch_all_floor: f64) -> Classifier {
        let cb = parse_codebook(
            "codes:\n- id: x\n  definition: the x axis\n- id: xpos\n  parent: x\n  definition: far right\n- id: xother\n  parent: x\n  definition: x but not far right\n  residual: true\n- id: y\n  definition: the y axis\n- id: other\n  name: Other\n  definition: anything else\n",
            "t",
            CodebookFormat::Yaml,
        )
        .unwrap();
        let mut embs = Vec::new();
        let mut labels = Vec::new();
        let yes = |b: bool| if b { Label::Yes } else { Label::No };
        for (xv, yv, v) in points(5, 300) {
            embs.push(v);
            let (x, xpos, y) = (xv > 0.0, xv > 0.5, yv > 0.1);
            let unknown = Label::Unknown;
            labels.push(vec![
                yes(x),
                yes(xpos),
                if label_catch_alls {
                    yes(x && !xpos)
                } else {
                    unknown
                },
                yes(y),
                if label_catch_alls {
                    yes(!x && !y)
                } else {
                    unknown
                },
            ]);
        }
        let protos = [
            [1.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
        ];
        let params = ClassifierParams {
            tfidf: None,
            catch_all_floor,
            ..Default::default()
        };
        fit_on(&cb, &protos, &embs, labels, params)
    }

    /// `params` fitted on `embs` labelled `labels` (ten documents, taking
    /// turns), code c's prototype the unit vector `protos[c]`.
    fn fit_on(
        cb: &Codebook,
        protos: &[[f32; 3]],
        embs: &[Vec<f32>],
        labels: Vec<Vec<Label>>,
        params: ClassifierParams,
    ) -> Classifier {
        let n = embs.len();
        let train = TrainingSet {
            embeddings: embs.iter().map(|v| v.as_slice()).collect(),
            texts: vec![""; n],
            labels,
            groups: (0..n).map(|i| format!("d{}", i % 10)).collect(),
            context: Vec::new(),
        };
        let protos: Vec<Vec<Vec<f32>>> = protos.iter().map(|&v| vec![unit(v)]).collect();
        params.check().unwrap().fit(cb, &protos, &train).unwrap()
    }

    #[test]
    fn a_catch_all_without_examples_is_assigned_when_no_sibling_is() {
        // The floor off: the catch-all alone.
        let clf = catch_all_fit(false, 1.0);
        assert_eq!(clf.residual_rule(), vec![false, false, true, false, true]);
        assert!(
            clf.codes[4]
                .note
                .ends_with("catch-all: assigned when none of its sibling codes is"),
            "{}",
            clf.codes[4].note
        );
        assert!(!clf.codes[3].note.contains("catch-all"));
        let probe = [
            unit([0.9, -0.4, 0.3]),  // x and xpos
            unit([0.2, -0.8, 0.3]),  // x, not xpos: xother
            unit([-0.9, -0.8, 0.3]), // nothing: Other
            unit([-0.9, 0.8, 0.3]),  // y
        ];
        let refs: Vec<&[f32]> = probe.iter().map(|v| v.as_slice()).collect();
        let p = clf.predict(&refs, None).unwrap();
        let expected = [
            [true, true, false, false, false],
            [true, false, true, false, false],
            [false, false, false, false, true],
            [false, false, false, true, false],
        ];
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(
                p.assigned[i],
                want.to_vec(),
                "item {i}: {:?}",
                p.probabilities[i]
            );
            let q = &p.probabilities[i];
            // Other: 1 − the largest top-level sibling; xother: also at most x.
            assert!((q[4] - (1.0 - q[0].max(q[3]))).abs() < 1e-6, "{q:?}");
            assert!((q[2] - q[0].min(1.0 - q[1])).abs() < 1e-6, "{q:?}");
        }
        // Self-training reads the catch-alls' own models instead.
        let own = clf.predict_by_own_models(&refs, None, &[]).unwrap();
        assert_ne!(own.probabilities, p.probabilities);
        assert_eq!(own.probabilities[0][..2], p.probabilities[0][..2]);
    }

    /// Unit vectors on a 21 × 21 grid over [−1, 1]², the third coordinate 0.3.
    fn grid() -> Vec<Vec<f32>> {
        (0..21)
            .flat_map(|i| (0..21).map(move |j| (i, j)))
            .map(|(i, j)| unit([i as f32 / 10.0 - 1.0, j as f32 / 10.0 - 1.0, 0.3]))
            .collect()
    }

    #[test]
    fn the_floor_gives_a_unit_its_best_code_before_the_catch_all() {
        let floor = ClassifierParams::default().catch_all_floor;
        let grid = grid();
        let refs: Vec<&[f32]> = grid.iter().map(|v| v.as_slice()).collect();
        let off = catch_all_fit(false, 1.0).predict(&refs, None).unwrap();
        let clf = catch_all_fit(false, floor);
        let on = clf.predict(&refs, None).unwrap();
        let mut lifted = 0;
        for (i, (a, q)) in on.assigned.iter().zip(&on.probabilities).enumerate() {
            // Probabilities do not change; decisions only gain the best sibling.
            assert_eq!(q, &off.probabilities[i]);
            let best_top = if q[0] >= q[3] { 0 } else { 3 };
            if q[best_top] as f64 >= floor {
                assert!(a[best_top] && !a[4], "item {i}: {a:?} {q:?}");
            } else {
                assert_eq!(a, &off.assigned[i], "item {i}");
            }
            // Exactly one of: some sibling, or the catch-all; below x, xpos
            // when it reaches the floor, else xother.
            assert_ne!(a[4], a[0] || a[3], "item {i}: {a:?}");
            if a[0] {
                assert_ne!(a[1], a[2], "item {i}: {a:?} {q:?}");
                assert!(a[1] || (q[1] as f64) < floor, "item {i}: {a:?} {q:?}");
            } else {
                assert!(!a[1] && !a[2], "item {i}: {a:?}");
            }
            lifted += (a[best_top] && !off.assigned[i][best_top]) as usize;
            lifted += (a[1] && !off.assigned[i][1]) as usize;
        }
        // These models are sharp: few probabilities lie between the floor
        // and a threshold (measured: 4 of 441 at the top level).
        assert!(lifted > 0, "the floor changed no decision");
        // Floor 0: every unit gets its best code, the catch-all never.
        let all = catch_all_fit(false, 0.0).predict(&refs, None).unwrap();
        assert!(all
            .assigned
            .iter()
            .all(|a| !a[4] && !a[2] && (a[0] || a[3])));
    }

    /// x with its child xpos, and y, no catch-all; 300 items labelled x
    /// right of 0.3 and y above 0.3, one in six of x's labels flipped so that
    /// probabilities between 0.2 and a threshold exist.
    fn best_code_fit(best_code_floor: f64) -> Classifier {
        let cb = parse_codebook(
            "codes:\n- id: x\n  definition: the x axis\n- id: xpos\n  parent: x\n  definition: far right\n- id: y\n  definition: the y axis\n",
            "t",
            CodebookFormat::Yaml,
        )
        .unwrap();
        let yes = |b: bool| if b { Label::Yes } else { Label::No };
        let (embs, labels): (Vec<Vec<f32>>, Vec<Vec<Label>>) = points(11, 300)
            .into_iter()
            .enumerate()
            .map(|(i, (xv, yv, v))| {
                let x = (xv > 0.3) != (i % 6 == 0);
                (v, vec![yes(x), yes(x && xv > 0.6), yes(yv > 0.3)])
            })
            .unzip();
        let protos = [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
        let params = ClassifierParams {
            tfidf: None,
            best_code_floor,
            ..Default::default()
        };
        fit_on(&cb, &protos, &embs, labels, params)
    }

    #[test]
    fn a_unit_no_code_takes_gets_its_best_calibrated_code_above_the_floor() {
        let floor = ClassifierParams::default().best_code_floor;
        let grid = grid();
        let refs: Vec<&[f32]> = grid.iter().map(|v| v.as_slice()).collect();
        let off = best_code_fit(1.0).predict(&refs, None).unwrap();
        let clf = best_code_fit(floor);
        assert!(clf.codes.iter().all(|c| c.is_calibrated()));
        let on = clf.predict(&refs, None).unwrap();
        let mut lifted = 0;
        for (i, (a, q)) in on.assigned.iter().zip(&on.probabilities).enumerate() {
            assert_eq!(q, &off.probabilities[i]);
            let was = &off.assigned[i];
            if was[0] || was[2] {
                assert_eq!(a, was, "item {i}: a unit some code takes is left as it was");
                continue;
            }
            // x's probability is x's or xpos's, whichever is larger.
            let best = if q[0] >= q[2] { 0 } else { 2 };
            let want: Vec<bool> = (0..3)
                .map(|c| c == best && q[best] as f64 >= floor)
                .collect();
            assert_eq!(a, &want, "item {i}: {q:?}");
            lifted += want.iter().any(|&b| b) as usize;
        }
        assert!(lifted > 0, "the floor changed no decision");

        // Only a calibrated code is a unit's best code: with y's probability
        // read as uncalibrated, no unit is lifted to y.
        let mut pseudo = clf.clone();
        pseudo.codes[2].pseudo_labelled = true;
        let p = pseudo.predict(&refs, None).unwrap();
        for (i, a) in p.assigned.iter().enumerate() {
            assert_eq!(a[2], off.assigned[i][2], "item {i}");
        }

        // A codebook with a top-level catch-all has the catch-all's rule (or,
        // with examples, its model) instead: the floor changes nothing there.
        for labelled in [false, true] {
            let with = catch_all_fit(labelled, ClassifierParams::default().catch_all_floor);
            let mut without = with.clone();
            without.params.best_code_floor = 1.0;
            assert_eq!(
                with.predict(&refs, None).unwrap(),
                without.predict(&refs, None).unwrap()
            );
        }
        let bad = ClassifierParams {
            best_code_floor: 1.5,
            ..Default::default()
        };
        assert!(matches!(
            bad.check(),
            Err(ClassifyError::Param {
                field: "best_code_floor",
                ..
            })
        ));
    }

    #[test]
    fn a_catch_all_with_human_examples_is_learnt_like_any_code() {
        let clf = catch_all_fit(true, ClassifierParams::default().catch_all_floor);
        assert!(clf.codes.iter().all(|c| c.is_supervised()));
        assert_eq!(clf.residual_rule(), vec![false; 5]);
        assert!(clf.codes.iter().all(|c| !c.note.contains("catch-all")));
        let probe = [unit([-0.9, -0.8, 0.3])];
        let refs: Vec<&[f32]> = probe.iter().map(|v| v.as_slice()).collect();
        let p = clf.predict(&refs, None).unwrap();
        let own = clf.predict_by_own_models(&refs, None, &[]).unwrap();
        assert_eq!(p, own);
        assert!(p.assigned[0][4], "{:?}", p.probabilities);
    }

    #[test]
    fn too_few_positives_fall_back_to_zero_shot_and_say_so() {
        let cb = codebook();
        let embs = [unit([1.0, 0.0, 0.0]), unit([0.0, 1.0, 0.0])];
        let train = TrainingSet {
            embeddings: embs.iter().map(|v| v.as_slice()).collect(),
            texts: vec!["a", "b"],
            labels: vec![
                vec![Label::Yes, Label::No, Label::No],
                vec![Label::No, Label::No, Label::Yes],
            ],
            groups: vec!["a".into(), "b".into()],
            context: Vec::new(),
        };
        let protos = vec![
            vec![unit([1.0, 0.0, 0.0])],
            vec![unit([1.0, 0.2, 0.0])],
            vec![unit([0.0, 1.0, 0.0])],
        ];
        let clf = ClassifierParams::default()
            .check()
            .unwrap()
            .fit(&cb, &protos, &train)
            .unwrap();
        assert!(clf.codes.iter().all(|c| !c.is_supervised()));
        assert!(
            clf.codes[0].note.starts_with("zero-shot: 1 positives"),
            "{}",
            clf.codes[0].note
        );
        let p = clf.predict(&[embs[0].as_slice()], Some(&["a"])).unwrap();
        // Fixed mapping: cosine 1.0 → p ≈ 1; cosine 0 → p ≈ 0.
        assert!(
            p.probabilities[0][0] > 0.99 && p.probabilities[0][2] < 0.01,
            "{:?}",
            p.probabilities
        );
    }

    #[test]
    fn fingerprint_depends_on_params_and_data() {
        let p = ClassifierParams::default();
        assert_eq!(p.fingerprint("a"), p.fingerprint("a"));
        assert_ne!(p.fingerprint("a"), p.fingerprint("b"));
        let q = ClassifierParams {
            mode: Mode::ZeroShot,
            ..Default::default()
        };
        assert!(q.fingerprint("a").starts_with("zero-shot-"));
    }

    #[test]
    fn check_names_the_field_at_fault() {
        let field = |p: ClassifierParams| match p.check() {
            Err(ClassifyError::Param { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let d = ClassifierParams::default;
        let mut p = d();
        p.logistic.c = 0.0;
        assert_eq!(field(p), "logistic.c");
        let mut p = d();
        p.logistic.c = f64::INFINITY;
        assert_eq!(field(p), "logistic.c");
        let mut p = d();
        p.logistic.max_iter = 0;
        assert_eq!(field(p), "logistic.max_iter");
        let mut p = d();
        p.logistic.tol = f64::NAN;
        assert_eq!(field(p), "logistic.tol");
        for w in [f32::NAN, -0.1, 1.5] {
            assert_eq!(
                field(ClassifierParams {
                    embedding_weight: w,
                    ..d()
                }),
                "embedding_weight"
            );
        }
        let no_features = d()
            .with_features(Features::Embedding)
            .with_features(Features::Tfidf);
        assert_eq!(field(no_features), "embedding_weight");
        assert_eq!(
            field(ClassifierParams {
                min_positives: 0,
                ..d()
            }),
            "min_positives"
        );
        assert_eq!(
            field(ClassifierParams {
                inner_folds: 1,
                ..d()
            }),
            "inner_folds"
        );
        let mut p = d();
        p.zero_shot.slope = 0.0;
        assert_eq!(field(p), "zero_shot.slope");
        // Past MAX_BLOCK_WEIGHT (1e30 overflowed the features silently).
        for w in [f32::NAN, -1.0, 1e30, MAX_BLOCK_WEIGHT * 2.0] {
            let mut p = d();
            p.question_weight = w;
            assert_eq!(field(p), "question_weight");
            let mut p = d();
            p.context_weight = w;
            assert_eq!(field(p), "context_weight");
        }
        let mut p = d();
        p.context_weight = MAX_BLOCK_WEIGHT;
        assert!(p.check().is_ok());
        for floor in [f64::NAN, -0.1, 1.5] {
            assert_eq!(
                field(ClassifierParams {
                    catch_all_floor: floor,
                    ..d()
                }),
                "catch_all_floor"
            );
        }
        for weight in [f64::NAN, -1.0, f64::INFINITY] {
            assert_eq!(
                field(ClassifierParams {
                    corpus_threshold_weight: weight,
                    ..d()
                }),
                "corpus_threshold_weight"
            );
        }
        // Parameters stored before the fields existed read back with their defaults.
        let mut old = serde_json::to_value(d()).unwrap();
        old.as_object_mut().unwrap().remove("catch_all_floor");
        old.as_object_mut()
            .unwrap()
            .remove("corpus_threshold_weight");
        old["self_training"]
            .as_object_mut()
            .unwrap()
            .remove("positives");
        let back: ClassifierParams = serde_json::from_value(old).unwrap();
        assert_eq!(back, d());
        let err = ClassifierParams {
            min_positives: 0,
            ..d()
        }
        .check()
        .unwrap_err();
        assert!(err.to_string().contains("min_positives"), "{err}");
        assert!(d().check().is_ok());
        for f in [Features::Both, Features::Embedding, Features::Tfidf] {
            assert!(d().with_features(f).check().is_ok());
        }
    }

    #[test]
    fn mode_and_features_read_back_what_they_print() {
        for m in [Mode::Auto, Mode::ZeroShot, Mode::Supervised] {
            assert_eq!(m.to_string().parse::<Mode>(), Ok(m));
        }
        assert_eq!("zero-shot".parse::<Mode>(), Ok(Mode::ZeroShot));
        for f in [Features::Both, Features::Embedding, Features::Tfidf] {
            assert_eq!(f.to_string().parse::<Features>(), Ok(f));
        }
        assert_eq!(Features::Tfidf.to_string(), "tfidf");
        assert!("tf-idf".parse::<Features>().is_err());
        assert!("keyword".parse::<Mode>().is_err());
    }
}
