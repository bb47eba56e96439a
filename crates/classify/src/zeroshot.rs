//! Zero-shot coding that uses the corpus: the codebook's prototypes pick
//! pseudo-labels among the project's own (unlabelled) sentences, and the
//! usual embedding + TF-IDF classifier is trained on them, so the corpus's
//! vocabulary (the TF-IDF block) carries what the definitions alone cannot.
//!
//! The probabilities of such a model are calibrated on pseudo-labels, not on
//! human ones: [`crate::CodeModel::pseudo_labelled`] marks it and
//! [`crate::CodeModel::is_calibrated`] says false.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::codebook::Codebook;
use crate::features::tokenize;
use crate::model::{
    Classifier, ClassifierParams, ClassifyError, Context, Label, Mode, SelfTraining,
    SelfTrainingPositives, TrainingSet, ValidClassifierParams,
};

/// How pseudo-labels are drawn from the corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PseudoLabelParams {
    /// Of the sentences whose best-matching code is c, the share (largest
    /// margin over the runner-up first) taken as c's positives.
    pub positive_share: f64,
    /// A sentence is a negative of c when its score for c is below this
    /// quantile of all sentences' scores for c (and c is not its best code).
    pub negative_quantile: f64,
    /// Added to a code's cosine when the sentence holds a content word of
    /// the code's name (5-letter stem): the label-name signal of
    /// keyword-seeded classifiers.
    pub name_bonus: f64,
    /// Fewer pseudo-positives than this: the code keeps the prototype model.
    pub min_positives: usize,
    /// In a corpus of answers to questions ([`answers_questions`]: an
    /// interview's, a focus group's, a survey's), a sentence is scored with
    /// the sentences before and after it in its turn added at this weight
    /// and the question its turn answers at `question_weight` (then
    /// normalised), as a coder reads it. Other corpora score each sentence
    /// alone.
    #[serde(default = "default_reading_weight")]
    pub neighbour_weight: f32,
    #[serde(default = "default_reading_weight")]
    pub question_weight: f32,
    /// In a corpus of answers, the share of sentences, those whose best
    /// code fits them least, taken as negatives of every code but the
    /// catch-all ones ([`off_topic_negatives`]). Measured (zero-shot κ,
    /// docs/classify.md, "Off-topic talk in real interviews"): 0.2 lifts
    /// founderstalk's sample 0.359 → 0.426 and leaves data/interviews
    /// and the demo as they were; 0.4 and more cost data/interviews
    /// 0.03–0.05.
    #[serde(default = "default_off_topic_quantile")]
    pub off_topic_quantile: f64,
}

fn default_off_topic_quantile() -> f64 {
    0.2
}

/// The weight at which a zero-shot code's prototype model reads a unit's
/// neighbours (`ClassifierParams::zero_shot_context`): the pseudo-labels
/// come from the same prototypes. The learner's heavier 0.7 codes better
/// from the codebook alone (data/interviews 0.201 against 0.176, the demo
/// 0.476 against 0.469) but leaves less for the first reviews to teach:
/// on the demo's ten splits 52 random reviews lift κ +0.012 over the
/// codebook alone with 0.7, +0.039 with 0.3, and the queue's +0.022
/// against +0.072 (docs/classify.md, "Zero-shot in a corpus of answers").
fn default_reading_weight() -> f32 {
    0.3
}

impl Default for PseudoLabelParams {
    /// Tuned on OPP-115 dev (docs/classify.md, "Zero-shot that uses the corpus").
    fn default() -> Self {
        PseudoLabelParams {
            positive_share: 0.1,
            negative_quantile: 0.5,
            name_bonus: 0.15,
            min_positives: 3,
            neighbour_weight: default_reading_weight(),
            question_weight: default_reading_weight(),
            off_topic_quantile: default_off_topic_quantile(),
        }
    }
}

impl PseudoLabelParams {
    /// Every value in range, or an error naming the first field that is not.
    pub fn check(&self) -> Result<(), ClassifyError> {
        let bad = |field: &'static str, reason: String| Err(ClassifyError::Param { field, reason });
        if !(self.positive_share > 0.0 && self.positive_share <= 1.0) {
            return bad(
                "pseudo.positive_share",
                format!("must be in (0, 1], got {}", self.positive_share),
            );
        }
        if !(self.negative_quantile > 0.0 && self.negative_quantile <= 1.0) {
            return bad(
                "pseudo.negative_quantile",
                format!("must be in (0, 1], got {}", self.negative_quantile),
            );
        }
        if !self.name_bonus.is_finite() {
            return bad(
                "pseudo.name_bonus",
                format!("must be finite, got {}", self.name_bonus),
            );
        }
        if self.min_positives == 0 {
            return bad("pseudo.min_positives", "must be at least 1".into());
        }
        if !(0.0..1.0).contains(&self.off_topic_quantile) {
            return bad(
                "pseudo.off_topic_quantile",
                format!("must be in [0, 1), got {}", self.off_topic_quantile),
            );
        }
        for (field, w) in [
            ("pseudo.neighbour_weight", self.neighbour_weight),
            ("pseudo.question_weight", self.question_weight),
        ] {
            if !(w.is_finite() && w >= 0.0) {
                return bad(field, format!("must be finite and at least 0, got {w}"));
            }
        }
        Ok(())
    }
}

const NAME_STOP: &[&str] = &[
    "and", "the", "for", "with", "between", "from", "into", "about", "their", "other", "data",
    "user", "users", "specific",
];

/// The stem [`name_stems`] keeps of a word: its first 5 letters, a plural's
/// without its "s" ("tools" matches "tool").
fn name_stem(w: &str) -> String {
    let w = match w.strip_suffix('s') {
        Some(stem) if !stem.ends_with('s') && stem.len() >= 4 => stem,
        _ => w,
    };
    w.chars().take(5).collect()
}

/// Content-word stems ([`name_stem`] of words of ≥ 4 letters) of each
/// code's name, without the words of the codebook's own name: those name
/// the study's topic, which every code shares ("Remote work in small
/// businesses" made "Managing a remote team" the best code of every
/// sentence that says "remote").
fn name_stems(cb: &Codebook) -> Vec<Vec<String>> {
    let stems = |text: &str| -> Vec<String> {
        tokenize(text)
            .into_iter()
            .filter(|w| w.len() >= 4 && !NAME_STOP.contains(&w.as_str()))
            .map(|w| name_stem(&w))
            .collect()
    };
    let topic: BTreeSet<String> = stems(&cb.name).into_iter().collect();
    cb.codes
        .iter()
        .map(|c| {
            let mut s = stems(&format!("{} {}", c.name, c.id.replace('_', " ")));
            s.retain(|w| !topic.contains(w));
            s.sort();
            s.dedup();
            s
        })
        .collect()
}

fn centroid(protos: &[Vec<f32>], dim: usize) -> Vec<f32> {
    let mut c = vec![0f32; dim];
    for p in protos {
        for (a, b) in c.iter_mut().zip(p) {
            *a += b;
        }
    }
    let n = c.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        c.iter_mut().for_each(|x| *x /= n);
    }
    c
}

/// Whether the corpus is one of answers to questions: some sentence's
/// turn answers an interviewer's or moderator's question (or a survey
/// row's). There, a sentence is read with its question and neighbours when
/// pseudo-labelled, codes learn from those blocks, and no self-training
/// round relabels the corpus (docs/classify.md, "Zero-shot in a corpus of
/// answers").
pub fn answers_questions(context: &[Context<'_>]) -> bool {
    context.iter().any(|c| c.question.is_some())
}

/// The vectors [`code_scores`] compares with the prototypes: in a corpus
/// of answers ([`answers_questions`]) each sentence plus its neighbours
/// and question at `params`' weights, normalised; `None` (each sentence
/// alone) elsewhere.
fn read_as_answers(
    embeddings: &[&[f32]],
    context: &[Context<'_>],
    params: &PseudoLabelParams,
) -> Option<Vec<Vec<f32>>> {
    if !answers_questions(context) {
        return None;
    }
    Some(
        embeddings
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let ctx = context.get(i).copied().unwrap_or_default();
                let mut v = e.to_vec();
                let sides = [
                    (params.neighbour_weight, ctx.before),
                    (params.neighbour_weight, ctx.after),
                    (params.question_weight, ctx.question),
                ];
                for (w, side) in sides {
                    if let Some(side) = side.filter(|s| s.len() == v.len() && w > 0.0) {
                        v.iter_mut().zip(side).for_each(|(a, b)| *a += w * b);
                    }
                }
                crate::model::normalise(&mut v);
                v
            })
            .collect(),
    )
}

/// [`uncentred_scores`] of the corpus's sentences, each read as
/// [`read_as_answers`] says.
fn corpus_raw_scores(
    cb: &Codebook,
    prototypes: &[Vec<Vec<f32>>],
    embeddings: &[&[f32]],
    texts: &[&str],
    context: &[Context<'_>],
    params: &PseudoLabelParams,
) -> Vec<Vec<f64>> {
    match read_as_answers(embeddings, context, params) {
        Some(read) => {
            let views: Vec<&[f32]> = read.iter().map(Vec::as_slice).collect();
            uncentred_scores(cb, prototypes, &views, texts, params)
        }
        None => uncentred_scores(cb, prototypes, embeddings, texts, params),
    }
}

/// [`code_scores`] of the corpus's sentences, each read as
/// [`read_as_answers`] says.
fn corpus_scores(
    cb: &Codebook,
    prototypes: &[Vec<Vec<f32>>],
    embeddings: &[&[f32]],
    texts: &[&str],
    context: &[Context<'_>],
    params: &PseudoLabelParams,
) -> Vec<Vec<f64>> {
    centred(corpus_raw_scores(
        cb, prototypes, embeddings, texts, context, params,
    ))
}

/// Each sentence's score for each code: cosine to the code's prototype
/// centroid, plus the name bonus, minus the sentence's mean over codes (a
/// sentence close to everything is evidence for nothing in particular).
pub fn code_scores(
    cb: &Codebook,
    prototypes: &[Vec<Vec<f32>>],
    embeddings: &[&[f32]],
    texts: &[&str],
    params: &PseudoLabelParams,
) -> Vec<Vec<f64>> {
    centred(uncentred_scores(cb, prototypes, embeddings, texts, params))
}

/// Each row less its mean.
fn centred(mut scores: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    for s in &mut scores {
        let m = s.iter().sum::<f64>() / s.len().max(1) as f64;
        s.iter_mut().for_each(|v| *v -= m);
    }
    scores
}

/// [`code_scores`] before centring: cosine to each code's prototype
/// centroid plus the name bonus.
fn uncentred_scores(
    cb: &Codebook,
    prototypes: &[Vec<Vec<f32>>],
    embeddings: &[&[f32]],
    texts: &[&str],
    params: &PseudoLabelParams,
) -> Vec<Vec<f64>> {
    let dim = embeddings.first().map_or(0, |e| e.len());
    let cents: Vec<Vec<f32>> = prototypes.iter().map(|p| centroid(p, dim)).collect();
    let stems = name_stems(cb);
    embeddings
        .iter()
        .zip(texts)
        .map(|(e, t)| {
            let toks: BTreeSet<String> = tokenize(t).into_iter().collect();
            cents
                .iter()
                .zip(&stems)
                .map(|(c, st)| {
                    let cos = e.iter().zip(c).map(|(a, b)| a * b).sum::<f32>() as f64;
                    let named = st.iter().any(|w| toks.iter().any(|t| t.starts_with(w)));
                    cos + if named { params.name_bonus } else { 0.0 }
                })
                .collect()
        })
        .collect()
}

/// In a corpus of answers, the sentences whose best code fits them worst
/// (their highest [`uncentred_scores`] below the `quantile` of the
/// corpus's) become negatives of every code they are not yet labelled for,
/// the catch-all codes ([`Codebook::residual_codes`]) excepted. Centred
/// scores rank a sentence among the codes, so a sentence about none of
/// them (small talk, the interview's other topics) still has a best code,
/// falls between that code's positives and negatives, and is coded
/// freely: in ../shared's founderstalk interviews a five-code codebook
/// coded 71% of a sample of 250 founders' sentences that a careful coder
/// coded 36% of (docs/classify.md, "Off-topic talk in real interviews").
fn off_topic_negatives(cb: &Codebook, raw: &[Vec<f64>], quantile: f64, labels: &mut [Vec<Label>]) {
    let best: Vec<f64> = raw
        .iter()
        .map(|r| r.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        .collect();
    let mut sorted = best.clone();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 || quantile <= 0.0 {
        return;
    }
    let cut = sorted[((n as f64 * quantile) as usize).min(n - 1)];
    let residual = cb.residual_codes();
    for (row, &b) in labels.iter_mut().zip(&best) {
        if b < cut {
            for (l, &r) in row.iter_mut().zip(&residual) {
                if *l == Label::Unknown && !r {
                    *l = Label::No;
                }
            }
        }
    }
}

/// Pseudo-labels (sentences × codes) from [`code_scores`]: a sentence is a
/// positive of its best-scoring code when its margin over the runner-up is
/// in the top `positive_share` of that code's sentences; a negative of every
/// code it scores below that code's `negative_quantile`; else unknown.
pub fn pseudo_labels(scores: &[Vec<f64>], params: &PseudoLabelParams) -> Vec<Vec<Label>> {
    let k = scores.first().map_or(0, |s| s.len());
    pseudo_labels_with_floor(scores, params, &vec![0; k])
}

/// [`pseudo_labels`], code c taking at least `floor[c]` positives (of the
/// sentences it scores best, largest margin first) where its share gives
/// fewer.
pub fn pseudo_labels_with_floor(
    scores: &[Vec<f64>],
    params: &PseudoLabelParams,
    floor: &[usize],
) -> Vec<Vec<Label>> {
    let n = scores.len();
    let k = scores.first().map_or(0, |s| s.len());
    let mut labels = vec![vec![Label::Unknown; k]; n];
    // (margin, item) of the sentences whose best code is c.
    let mut best: Vec<Vec<(f64, usize)>> = vec![Vec::new(); k];
    for (i, s) in scores.iter().enumerate() {
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| s[b].total_cmp(&s[a]).then(a.cmp(&b)));
        if let Some(&top) = order.first() {
            let second = order.get(1).map_or(0.0, |&j| s[j]);
            best[top].push((s[top] - second, i));
        }
    }
    for c in 0..k {
        let mut col: Vec<f64> = scores.iter().map(|s| s[c]).collect();
        col.sort_by(f64::total_cmp);
        let cut = col
            .get(((n as f64 * params.negative_quantile) as usize).min(n.saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NEG_INFINITY);
        for (i, s) in scores.iter().enumerate() {
            if s[c] < cut {
                labels[i][c] = Label::No;
            }
        }
        let mut b = best[c].clone();
        b.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        let take = ((b.len() as f64 * params.positive_share).ceil() as usize)
            .max(floor.get(c).copied().unwrap_or(0))
            .min(b.len());
        for &(_, i) in &b[..take] {
            labels[i][c] = Label::Yes;
        }
    }
    labels
}

/// How many of `human`'s rows label code `c` with `label`, the rows written
/// from the codebook ([`crate::model::CODEBOOK_GROUP`]) left out.
fn human_count(human: &TrainingSet<'_>, c: usize, label: Label) -> usize {
    human
        .labels
        .iter()
        .zip(&human.groups)
        .filter(|(r, g)| r.get(c) == Some(&label) && g.as_str() != crate::model::CODEBOOK_GROUP)
        .count()
}

/// The training set of a code model, human labels first: codes with at
/// least `min_positives` human positives and negatives (rows written from
/// the codebook train but do not count) train on the human
/// labels alone; the others on the human labels plus the corpus's
/// pseudo-labels (a sentence both reviewed and in the corpus keeps its human
/// label: the corpus row is left out). Returns the set and, per code,
/// whether pseudo-labels were used.
pub fn with_pseudo_labels<'a>(
    human: &TrainingSet<'a>,
    corpus: &TrainingSet<'a>,
    min_positives: usize,
) -> (TrainingSet<'a>, Vec<bool>) {
    let k = human
        .labels
        .first()
        .or(corpus.labels.first())
        .map_or(0, |r| r.len());
    let uses_pseudo: Vec<bool> = (0..k)
        .map(|c| {
            let pos = human_count(human, c, Label::Yes);
            let neg = human_count(human, c, Label::No);
            pos < min_positives || neg < min_positives
        })
        .collect();
    let mut out = human.clone();
    if !uses_pseudo.iter().any(|&p| p) {
        return (out, uses_pseudo);
    }
    let reviewed: BTreeSet<&str> = human.texts.iter().copied().collect();
    out.context = (0..human.embeddings.len())
        .map(|i| human.context_of(i))
        .collect();
    for i in 0..corpus.embeddings.len() {
        if reviewed.contains(corpus.texts[i]) {
            continue;
        }
        out.embeddings.push(corpus.embeddings[i]);
        out.texts.push(corpus.texts[i]);
        out.groups.push(corpus.groups[i].clone());
        out.context.push(corpus.context_of(i));
        out.labels.push(
            (0..k)
                .map(|c| {
                    if uses_pseudo[c] {
                        corpus.labels[i][c]
                    } else {
                        Label::Unknown
                    }
                })
                .collect(),
        );
    }
    (out, uses_pseudo)
}

/// The rows of `set` written from the codebook ([`crate::model::CODEBOOK_GROUP`]):
/// its examples, counter-examples and exclusion criteria. `Mode::ZeroShot`
/// trains on these and on nothing else of `set`, as `--mode auto` does before
/// any review, so that `eval code --mode zero-shot` measures what a project
/// codes from its codebook alone. Measured (docs/classify.md, "Codebook
/// examples never calibrate"): zero-shot κ over five CV seeds, demo 0.469 →
/// 0.462, data/interviews 0.182 → 0.253, with the written rows kept out of
/// calibration (model.rs, the inner cross-validation of a code's fit).
fn written_rows<'a>(set: &TrainingSet<'a>) -> TrainingSet<'a> {
    let keep: Vec<usize> = (0..set.labels.len())
        .filter(|&i| set.groups.get(i).map(String::as_str) == Some(crate::model::CODEBOOK_GROUP))
        .collect();
    TrainingSet {
        embeddings: keep.iter().map(|&i| set.embeddings[i]).collect(),
        texts: keep.iter().map(|&i| set.texts[i]).collect(),
        labels: keep.iter().map(|&i| set.labels[i].clone()).collect(),
        groups: keep.iter().map(|&i| set.groups[i].clone()).collect(),
        context: if set.context.is_empty() {
            Vec::new()
        } else {
            keep.iter().map(|&i| set.context[i]).collect()
        },
    }
}

/// Fits `params` on the human labels, codes short of human examples falling
/// back to the corpus's pseudo-labels (`corpus.labels`) instead of the
/// prototype prior; those codes are marked [`crate::CodeModel::pseudo_labelled`].
/// `Mode::ZeroShot` ignores the human labels: every code learns from the
/// corpus and from the rows written from the codebook ([`written_rows`]).
/// Codes trained on human labels then take thresholds drawn towards what
/// the corpus expects ([`Classifier::fit_thresholds_to_corpus`]).
pub fn fit_with_corpus(
    params: &ValidClassifierParams,
    cb: &Codebook,
    prototypes: &[Vec<Vec<f32>>],
    human: &TrainingSet<'_>,
    corpus: &TrainingSet<'_>,
) -> Result<Classifier, ClassifyError> {
    // Categories (codes not codable) get no model, no pseudo-labels and no
    // self-training: the codable codes are fitted as a codebook of their
    // own, and the categories put back, model-less, in their places.
    if let Some((codable, keep)) = cb.codable_view() {
        let k = cb.codes.len();
        if prototypes.len() != k {
            return Err(ClassifyError::Input(format!(
                "{} prototype sets for {k} codes",
                prototypes.len()
            )));
        }
        let sub = fit_with_corpus(
            params,
            &codable,
            &crate::model::project_columns(prototypes, &keep),
            &crate::model::codable_rows(human, &keep, k)?,
            &crate::model::codable_rows(corpus, &keep, k)?,
        )?;
        return Ok(crate::model::with_categories(sub, cb));
    }
    let written_only;
    let human = if params.mode == Mode::ZeroShot {
        written_only = written_rows(human);
        &written_only
    } else {
        human
    };
    // A child's positive is its parent's too (as `fit` propagates them):
    // a parent whose examples are all in its children has enough of them.
    let ancestors = cb.all_ancestors();
    let mut human = human.clone();
    for row in &mut human.labels {
        for c in 0..row.len().min(ancestors.len()) {
            if row[c] == Label::Yes {
                for &a in &ancestors[c] {
                    row[a] = Label::Yes;
                }
            }
        }
    }
    let floored = with_definition_floor(cb, prototypes, &human, corpus, params.definition_floor);
    let corpus = floored.as_ref().unwrap_or(corpus);
    let waiting = waiting_for_positives(
        cb,
        &human,
        corpus,
        params.min_positives_without_pseudo_labels,
    );
    for row in &mut human.labels {
        for (l, &w) in row.iter_mut().zip(&waiting) {
            if w {
                *l = Label::Unknown;
            }
        }
    }
    let (set, pseudo) = with_pseudo_labels(&human, corpus, params.min_positives);
    if !pseudo.iter().any(|&p| p) {
        let mut clf = params.fit(cb, prototypes, &set)?;
        clf.fit_thresholds_to_corpus(corpus)?;
        return Ok(clf);
    }
    // Pseudo-labelled codes are trained like supervised ones; the floor on
    // examples is the pseudo-labeller's, applied before.
    let inner = ClassifierParams {
        mode: Mode::Auto,
        min_positives: 2,
        ..(**params).clone()
    }
    .check()?;
    // A written document's pseudo-labels are drawn from each sentence
    // alone: their codes do not read the sentences around it. An answer's
    // are drawn from it read with its question and neighbours, and so are
    // its codes learnt; and no round relabels them: on interviews and focus
    // groups a round costs zero-shot κ on every codebook measured
    // (`SelfTraining::rounds_for_answers`).
    let answers = answers_questions(&corpus.context);
    let reads_context: Vec<bool> = pseudo.iter().map(|&p| !p || answers).collect();
    let rounds = if answers {
        params.self_training.rounds_for_answers
    } else {
        params.self_training.rounds
    };
    let mut clf = inner.fit_reading_context(cb, prototypes, &set, &reads_context)?;
    for _ in 0..rounds {
        let relabelled = self_trained_labels(&clf, corpus, &pseudo, params.self_training)?;
        let (set, _) = with_pseudo_labels(&human, &relabelled, params.min_positives);
        clf = inner.fit_reading_context(cb, prototypes, &set, &reads_context)?;
    }
    // The caller's parameters, with the context blocks the fit found data for.
    clf.params = ClassifierParams {
        context_weight: clf.params.context_weight,
        question_weight: clf.params.question_weight,
        ..(**params).clone()
    };
    for ((m, &p), &w) in clf.codes.iter_mut().zip(&pseudo).zip(&waiting) {
        if p && m.is_supervised() {
            m.pseudo_labelled = true;
            m.note = format!(
                "zero-shot: trained on corpus pseudo-labels ({} positives / {} negatives), uncalibrated",
                m.positives, m.negatives
            );
        } else if w {
            m.note = format!(
                "zero-shot: no corpus pseudo-labels and fewer than {} human positives, fixed mapping",
                params.min_positives_without_pseudo_labels
            );
        }
    }
    clf.note_residual_codes();
    clf.fit_thresholds_to_corpus(corpus)?;
    Ok(clf)
}

/// Per code, whether its prototype is its definition alone: a leaf (no
/// code names it as parent; a parent's positives come from its children)
/// with no examples and no inclusion criteria ([`crate::prototype_texts`]).
pub fn definition_only(cb: &Codebook) -> Vec<bool> {
    cb.codes
        .iter()
        .map(|code| {
            let parent = cb
                .codes
                .iter()
                .any(|o| o.parent.as_deref() == Some(code.id.as_str()));
            code.examples.is_empty() && code.inclusion.is_empty() && !parent
        })
        .collect()
}

/// The corpus with the pseudo-labels of [`ClassifierParams::definition_floor`]:
/// codes whose prototype is their definition alone ([`definition_only`])
/// and that have no human positive yet take at least `floor`
/// pseudo-positives, drawn as [`pseudo_labelled`] draws them with the
/// default [`PseudoLabelParams`] (every caller's), the pseudo-labeller's
/// own minimum still applying. `None`: no code needs it (the corpus is
/// used as given). Once a code has a human positive it goes back to the
/// share alone: on the first 900 segments of OPP-115 dev, keeping the
/// floor's positives beside its first reviews cost the review queue κ at
/// 5 per code against no floor, −0.029 ± 0.022 (ten splits); going back
/// gives −0.003 ± 0.013 (thirty splits; docs/classify.md, "Codes with a
/// definition alone").
fn with_definition_floor<'a>(
    cb: &Codebook,
    prototypes: &[Vec<Vec<f32>>],
    human: &TrainingSet<'_>,
    corpus: &TrainingSet<'a>,
    floor: usize,
) -> Option<TrainingSet<'a>> {
    let pp = PseudoLabelParams::default();
    let floors: Vec<usize> = definition_only(cb)
        .iter()
        .enumerate()
        .map(|(c, &only)| {
            if only && human_count(human, c, Label::Yes) == 0 {
                floor
            } else {
                0
            }
        })
        .collect();
    let binds = |c: usize| {
        floors[c] > 0
            && corpus
                .labels
                .iter()
                .filter(|r| r.get(c) == Some(&Label::Yes))
                .count()
                < floors[c]
    };
    if corpus.embeddings.is_empty() || !(0..floors.len()).any(binds) {
        return None;
    }
    let scores = corpus_scores(
        cb,
        prototypes,
        &corpus.embeddings,
        &corpus.texts,
        &corpus.context,
        &pp,
    );
    let drawn = pseudo_labels_with_floor(&scores, &pp, &floors);
    let mut labels = corpus.labels.clone();
    for c in (0..floors.len()).filter(|&c| binds(c)) {
        let positives = drawn.iter().filter(|r| r[c] == Label::Yes).count();
        for (row, d) in labels.iter_mut().zip(&drawn) {
            row[c] = if positives < pp.min_positives {
                Label::Unknown
            } else {
                d[c]
            };
        }
    }
    Some(TrainingSet {
        labels,
        ..corpus.clone()
    })
}

/// Per code, whether [`fit_with_corpus`] sets its human labels aside: the
/// corpus gives it no pseudo-labels, it is not a catch-all, and it has
/// fewer than `floor` human positives. Such a code would otherwise train a
/// model on its human labels alone, with the pseudo-labelled codes' floor
/// of 2 positives, and pick its threshold from the out-of-fold scores of
/// those 2 or 3: on the demo's small corpus, where most codes' prototypes
/// win too few sentences for pseudo-labels, the first 26 or 52 reviews then
/// cost κ (0.353 before any review, 0.339 / 0.321 after 52 in queue /
/// random order, over-coding most: collaboration's precision 0.88 → 0.31).
/// Its prototype model does better until a few more positives arrive. A
/// catch-all's prototype names no topic; it learns from its first
/// positives (on OPP-115, setting aside "Other"'s cost 0.05 κ at 1–2
/// reviewed items per code).
fn waiting_for_positives(
    cb: &Codebook,
    human: &TrainingSet<'_>,
    corpus: &TrainingSet<'_>,
    floor: usize,
) -> Vec<bool> {
    let residual = cb.residual_codes();
    (0..cb.codes.len())
        .map(|c| {
            let seeded = corpus
                .labels
                .iter()
                .any(|r| r.get(c).is_some_and(|&l| l != Label::Unknown));
            !seeded && !residual[c] && human_count(human, c, Label::Yes) < floor
        })
        .collect()
}

/// One self-training round: the corpus relabelled by the model trained on
/// its pseudo-labels. The model's logits (minus each sentence's mean over
/// codes) replace the prototype scores in [`pseudo_labels`], with a smaller
/// positive share (`SelfTraining::positive_share`); the positives are then
/// those of `SelfTraining::positives` ([`positives_by_rank`] by default).
/// Codes that did not learn from pseudo-labels keep their labels; see
/// [`keep_round_floor`] for codes the round leaves short of positives.
fn self_trained_labels<'a>(
    clf: &Classifier,
    corpus: &TrainingSet<'a>,
    relabel: &[bool],
    st: SelfTraining,
) -> Result<TrainingSet<'a>, ClassifyError> {
    let p = clf.predict_by_own_models(&corpus.embeddings, Some(&corpus.texts), &corpus.context)?;
    let scores: Vec<Vec<f64>> = p
        .probabilities
        .iter()
        .map(|row| {
            let mut s: Vec<f64> = row
                .iter()
                .map(|&q| {
                    let q = (q as f64).clamp(1e-6, 1.0 - 1e-6);
                    (q / (1.0 - q)).ln()
                })
                .collect();
            let m = s.iter().sum::<f64>() / s.len().max(1) as f64;
            s.iter_mut().for_each(|v| *v -= m);
            s
        })
        .collect();
    let lp = PseudoLabelParams {
        positive_share: st.positive_share,
        ..PseudoLabelParams::default()
    };
    let mut labels = pseudo_labels(&scores, &lp);
    if st.positives == SelfTrainingPositives::Rank {
        positives_by_rank(&scores, st.positive_share, &mut labels);
    }
    keep_round_floor(
        &scores,
        &mut labels,
        &corpus.labels,
        relabel,
        lp.min_positives,
    );
    Ok(TrainingSet {
        labels,
        ..corpus.clone()
    })
}

/// After a self-training round: codes not relabelled (`relabel[c]` false)
/// get their `prior` labels back; a relabelled code the round leaves with
/// fewer than `min` positives takes its `min` highest-scoring sentences as
/// positives, unless its prior labels had no positive either (then it keeps
/// those). Falling back to the prior (prototype) positives instead, as
/// before, undid the round exactly where it mattered: once reviews made
/// other codes supervised, a rare code's share of best-fitting sentences
/// dropped under 3 and it went back to its 23 prototype positives, mostly
/// wrong (Do Not Track on OPP-115 dev: κ 0.854 before any review, 0.354
/// after 100 random ones; docs/classify.md, "Review queue order").
fn keep_round_floor(
    scores: &[Vec<f64>],
    labels: &mut [Vec<Label>],
    prior: &[Vec<Label>],
    relabel: &[bool],
    min: usize,
) {
    for (c, &relabelled) in relabel.iter().enumerate() {
        let positives = |l: &[Vec<Label>]| l.iter().filter(|r| r[c] == Label::Yes).count();
        if relabelled && positives(labels) >= min {
            continue;
        }
        if relabelled && positives(prior) > 0 {
            for i in highest_scoring(scores, c, min) {
                labels[i][c] = Label::Yes;
            }
            continue;
        }
        for (row, old) in labels.iter_mut().zip(prior) {
            row[c] = old[c];
        }
    }
}

/// The `k` sentences with code `c`'s highest scores, best first; ties go
/// to the earlier sentence.
fn highest_scoring(scores: &[Vec<f64>], c: usize, k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b][c].total_cmp(&scores[a][c]).then(a.cmp(&b)));
    order.truncate(k);
    order
}

/// Replaces each code's positives in `labels` by its `share` × n_c
/// highest-scoring sentences over the whole corpus, where n_c is the number
/// of sentences the code scores highest (as [`pseudo_labels`] counts them):
/// the same number of positives as the margin rule, but a sentence may be a
/// positive of several codes. Negatives stay unless taken (they are below
/// the code's median score, so only a share near 1 reaches them).
pub fn positives_by_rank(scores: &[Vec<f64>], share: f64, labels: &mut [Vec<Label>]) {
    let n = scores.len();
    let k = scores.first().map_or(0, |s| s.len());
    let mut best_count = vec![0usize; k];
    for s in scores {
        let top = (0..k).max_by(|&a, &b| s[a].total_cmp(&s[b]).then(b.cmp(&a)));
        if let Some(top) = top {
            best_count[top] += 1;
        }
    }
    for c in 0..k {
        for row in labels.iter_mut() {
            if row[c] == Label::Yes {
                row[c] = Label::Unknown;
            }
        }
        let take = ((best_count[c] as f64 * share).ceil() as usize).min(n);
        for i in highest_scoring(scores, c, take) {
            labels[i][c] = Label::Yes;
        }
    }
}

/// The corpus as a pseudo-labelled training set: [`code_scores`] then
/// [`pseudo_labels`]; a code with fewer than `min_positives` pseudo-positives
/// gets none (it keeps the prototype model).
pub fn pseudo_labelled<'a>(
    cb: &Codebook,
    prototypes: &[Vec<Vec<f32>>],
    embeddings: &[&'a [f32]],
    texts: &[&'a str],
    groups: &[String],
    context: &[Context<'a>],
    params: &PseudoLabelParams,
) -> TrainingSet<'a> {
    // A category (a code not codable) competes for no sentence: the codable
    // codes are scored as a codebook of their own, and a category is no
    // sentence's label.
    if let Some((codable, keep)) = cb.codable_view() {
        let mut set = pseudo_labelled(
            &codable,
            &crate::model::project_columns(prototypes, &keep),
            embeddings,
            texts,
            groups,
            context,
            params,
        );
        let k = cb.codes.len();
        for row in &mut set.labels {
            let mut full = vec![Label::Unknown; k];
            for (&c, &l) in keep.iter().zip(row.iter()) {
                full[c] = l;
            }
            *row = full;
        }
        return set;
    }
    // A written document's sentence is scored alone; read with its
    // neighbours, OPP-115's segments lose (0.461 → 0.343 zero-shot κ with
    // each segment's neighbours in its policy). An answer is scored with its
    // question and neighbours: docs/classify.md, "Zero-shot in a corpus of
    // answers".
    let raw = corpus_raw_scores(cb, prototypes, embeddings, texts, context, params);
    let scores = centred(raw.clone());
    let mut labels = pseudo_labels(&scores, params);
    if answers_questions(context) {
        off_topic_negatives(cb, &raw, params.off_topic_quantile, &mut labels);
    }
    for c in 0..cb.codes.len() {
        let pos = labels.iter().filter(|r| r[c] == Label::Yes).count();
        if pos < params.min_positives {
            labels.iter_mut().for_each(|r| r[c] = Label::Unknown);
        }
    }
    TrainingSet {
        embeddings: embeddings.to_vec(),
        texts: texts.to_vec(),
        labels,
        groups: groups.to_vec(),
        context: context.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{parse_codebook, CodebookFormat};

    fn cb() -> Codebook {
        parse_codebook(
            "codes:\n- id: cost\n  name: Cost\n  definition: money\n- id: access\n  name: Access\n  definition: getting there\n",
            "t",
            CodebookFormat::Yaml,
        )
        .unwrap()
    }

    /// `v` scaled to unit length.
    fn unit(v: [f32; 3]) -> Vec<f32> {
        let n = v.iter().map(|a| a * a).sum::<f32>().sqrt();
        v.iter().map(|a| a / n).collect()
    }

    /// The fits of the floor tests: no TF-IDF block, and no self-training
    /// round (a round could give a code pseudo-labels of its own).
    fn without_tfidf_or_rounds() -> ClassifierParams {
        ClassifierParams {
            tfidf: None,
            self_training: SelfTraining {
                rounds: 0,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    /// The sentences whose best code fits them worst are negatives of every
    /// code they have no label for, a catch-all code excepted.
    #[test]
    fn sentences_that_fit_no_code_are_negatives_but_not_of_the_catch_all() {
        let cb = parse_codebook(
            "codes:\n- id: cost\n  name: Cost\n  definition: money\n- id: other\n  name: Other\n  definition: anything else\n  residual: true\n",
            "t",
            CodebookFormat::Yaml,
        )
        .unwrap();
        assert_eq!(cb.residual_codes(), vec![false, true]);
        // Best fits 0.9, 0.8, 0.1, 0.7, 0.05: at 0.2 the cut is the second
        // lowest, 0.1, and only the last sentence is below it; at 0.5 it is
        // 0.7, and the third is below it too.
        let raw = vec![
            vec![0.9, 0.1],
            vec![0.8, 0.2],
            vec![0.1, 0.05],
            vec![0.3, 0.7],
            vec![0.05, 0.0],
        ];
        let mut labels = vec![vec![Label::Unknown; 2]; 5];
        labels[4][0] = Label::Yes;
        let mut half = labels.clone();
        off_topic_negatives(&cb, &raw, 0.2, &mut labels);
        assert_eq!(labels[4], vec![Label::Yes, Label::Unknown], "a label stays");
        assert!(labels[..4].iter().all(|r| r == &vec![Label::Unknown; 2]));
        off_topic_negatives(&cb, &raw, 0.5, &mut half);
        assert_eq!(half[2], vec![Label::No, Label::Unknown]);
        assert_eq!(half[4], vec![Label::Yes, Label::Unknown]);
        assert_eq!(half[0], vec![Label::Unknown; 2]);
        // Nothing at 0.
        let mut none = vec![vec![Label::Unknown; 2]; 5];
        off_topic_negatives(&cb, &raw, 0.0, &mut none);
        assert!(none.iter().flatten().all(|&l| l == Label::Unknown));
    }

    #[test]
    fn best_code_with_a_clear_margin_is_positive_and_far_ones_negative() {
        let scores = vec![
            vec![0.4, -0.4],
            vec![0.1, -0.1],
            vec![-0.3, 0.3],
            vec![-0.05, 0.05],
        ];
        let p = PseudoLabelParams {
            positive_share: 0.5,
            negative_quantile: 0.5,
            ..Default::default()
        };
        let l = pseudo_labels(&scores, &p);
        // Item 0 has the larger margin of code 0's two items; item 2 of code 1's.
        assert_eq!(l[0], vec![Label::Yes, Label::No]);
        assert_eq!(l[2], vec![Label::No, Label::Yes]);
        // Smaller margins stay unknown for their own code.
        assert_eq!(l[1][0], Label::Unknown);
        assert_eq!(l[3][1], Label::Unknown);
        // Deterministic.
        assert_eq!(l, pseudo_labels(&scores, &p));
    }

    #[test]
    fn a_round_that_leaves_a_code_short_keeps_its_best_sentences_not_the_prior() {
        use Label::{No, Unknown as U, Yes};
        // 5 sentences × 3 codes; scores of code 0 rank sentences 3, 1, 4, 0, 2.
        let scores = vec![
            vec![0.1, 0.0, 0.0],
            vec![0.8, 0.0, 0.0],
            vec![-0.5, 0.0, 0.0],
            vec![0.9, 0.0, 0.0],
            vec![0.3, 0.0, 0.0],
        ];
        // The round: code 0 one positive (under 3), code 1 one, code 2 three.
        let mut labels = vec![
            vec![U, U, Yes],
            vec![Yes, U, Yes],
            vec![No, Yes, Yes],
            vec![U, U, No],
            vec![U, U, No],
        ];
        // The prior (prototype) labels: code 0 had positives elsewhere,
        // code 1 none at all.
        let prior = vec![
            vec![Yes, U, U],
            vec![U, U, U],
            vec![Yes, No, U],
            vec![U, U, U],
            vec![Yes, U, Yes],
        ];
        keep_round_floor(&scores, &mut labels, &prior, &[true, true, false], 3);
        let col = |c: usize| labels.iter().map(|r| r[c]).collect::<Vec<_>>();
        // Code 0: its 3 best sentences (3, 1, 4), the round's negative kept.
        assert_eq!(col(0), vec![U, Yes, No, Yes, Yes]);
        // Code 1: no prior positive, so the prior labels as before.
        assert_eq!(col(1), vec![U, U, No, U, U]);
        // Code 2 was not relabelled: its prior labels.
        assert_eq!(col(2), vec![U, U, U, U, Yes]);
    }

    #[test]
    fn rank_positives_may_share_a_sentence_where_margins_cannot() {
        // Sentence 0 fits both codes well; codes 0 and 1 are each the best of two.
        let scores = vec![
            vec![0.5, 0.45],
            vec![0.3, -0.3],
            vec![-0.2, 0.2],
            vec![-0.4, 0.4],
        ];
        let p = PseudoLabelParams {
            positive_share: 0.5,
            negative_quantile: 0.5,
            ..Default::default()
        };
        let margin = pseudo_labels(&scores, &p);
        assert_eq!(margin[1][0], Label::Yes);
        assert_eq!(margin[3][1], Label::Yes);
        let mut rank = margin.clone();
        positives_by_rank(&scores, 0.5, &mut rank);
        use Label::*;
        assert_eq!(
            rank,
            vec![
                vec![Yes, Yes],
                vec![Unknown, No],
                vec![No, No],
                vec![No, Unknown],
            ]
        );
        // As many positives per code as the margin rule.
        for c in 0..2 {
            let count = |l: &[Vec<Label>]| l.iter().filter(|r| r[c] == Yes).count();
            assert_eq!(count(&rank), count(&margin));
        }
    }

    #[test]
    fn name_words_add_to_the_score_and_scores_are_centred() {
        let cb = cb();
        let protos = vec![vec![vec![1.0, 0.0]], vec![vec![0.0, 1.0]]];
        let e = [0.6f32, 0.8];
        let p = PseudoLabelParams::default();
        let plain = code_scores(&cb, &protos, &[&e], &["nothing here"], &p);
        let named = code_scores(&cb, &protos, &[&e], &["the costs were high"], &p);
        assert!((plain[0][0] + plain[0][1]).abs() < 1e-9);
        assert!(named[0][0] - plain[0][0] > 0.02, "{named:?} {plain:?}");
    }

    /// A code's name words are its stems, a plural's without the "s"; the
    /// words of the codebook's own name (the study's topic) are no code's.
    #[test]
    fn name_stems_leave_out_the_studys_topic_and_match_singulars() {
        let cb = crate::parse_codebook(
            "name: Remote work in small businesses\ncodes:\n- id: team\n  name: Managing a remote team\n  definition: staff\n- id: tools\n  name: Digital tools\n  definition: software\n- id: boundaries\n  name: Work-life boundaries\n  definition: home\n",
            "t",
            crate::CodebookFormat::Yaml,
        )
        .unwrap();
        assert_eq!(
            name_stems(&cb),
            vec![
                vec!["manag".to_string(), "team".into()],
                vec!["digit".into(), "tool".into()],
                vec!["bound".into(), "life".into()],
            ]
        );
        let protos = vec![
            vec![vec![1.0, 0.0]],
            vec![vec![0.0, 1.0]],
            vec![vec![0.6, 0.8]],
        ];
        let e = [0.6f32, 0.8];
        let p = PseudoLabelParams::default();
        let score = |text: &str| code_scores(&cb, &protos, &[&e], &[text], &p)[0].clone();
        // "remote" is every code's topic here: no bonus for "team".
        assert_eq!(score("we are all remote now"), score("we are all here now"));
        assert!(score("the tool crashed")[1] - score("the van crashed")[1] > 0.05);
    }

    #[test]
    fn self_training_relabels_only_pseudo_labelled_codes_with_the_models_surest() {
        let cb = cb();
        let unit = |a: f32| -> Vec<f32> { vec![a.cos(), a.sin()] };
        // 200 sentences on the quarter circle: cost near angle 0, access near π/2.
        let embs: Vec<Vec<f32>> = (0..200)
            .map(|i| unit(i as f32 / 199.0 * std::f32::consts::FRAC_PI_2))
            .collect();
        let protos = vec![vec![unit(0.0)], vec![unit(std::f32::consts::FRAC_PI_2)]];
        let texts: Vec<String> = (0..200).map(|i| format!("s{i}")).collect();
        let corpus = pseudo_labelled(
            &cb,
            &protos,
            &embs.iter().map(Vec::as_slice).collect::<Vec<_>>(),
            &texts.iter().map(String::as_str).collect::<Vec<_>>(),
            &(0..200).map(|i| format!("d{}", i % 5)).collect::<Vec<_>>(),
            &[],
            &PseudoLabelParams::default(),
        );
        let params = ClassifierParams {
            tfidf: None,
            mode: Mode::ZeroShot,
            self_training: SelfTraining {
                rounds: 0,
                positive_share: 0.05,
                ..SelfTraining::default()
            },
            ..Default::default()
        }
        .check()
        .unwrap();
        let clf = fit_with_corpus(&params, &cb, &protos, &TrainingSet::default(), &corpus).unwrap();
        // Pseudo-labels come from each sentence alone: no code trained on
        // them reads the sentences around it.
        assert!(clf.codes.iter().any(|m| m.pseudo_labelled));
        assert!(
            clf.codes.iter().all(|m| !m.reads_context),
            "{:?}",
            clf.codes
        );
        let st = params.self_training;
        let out = self_trained_labels(&clf, &corpus, &[true, false], st).unwrap();
        // Code 1 was not to be relabelled: its column is the corpus's.
        for (a, b) in out.labels.iter().zip(&corpus.labels) {
            assert_eq!(a[1], b[1]);
        }
        // Code 0: 5% of the sentences it fits best, fewer than before, and
        // all of them at the cost end of the arc.
        let pos: Vec<usize> = (0..200)
            .filter(|&i| out.labels[i][0] == Label::Yes)
            .collect();
        let before = corpus.labels.iter().filter(|r| r[0] == Label::Yes).count();
        assert!(
            pos.len() >= 3 && pos.len() < before,
            "{} vs {before}",
            pos.len()
        );
        assert!(pos.iter().all(|&i| i < 50), "{pos:?}");
        // Deterministic.
        assert_eq!(
            out.labels,
            self_trained_labels(&clf, &corpus, &[true, false], st)
                .unwrap()
                .labels
        );
        let bad = ClassifierParams {
            self_training: SelfTraining {
                rounds: 1,
                positive_share: 0.0,
                ..SelfTraining::default()
            },
            ..Default::default()
        };
        assert!(bad.check().is_err());
    }

    /// In a corpus of answers, an answer that says little alone ("Yes, a
    /// lot.") is pseudo-labelled by the question it answers, the codes
    /// trained on those labels read the question too, and no self-training
    /// round relabels them; a corpus without questions is as before.
    #[test]
    fn an_answer_is_pseudo_labelled_with_its_question_and_not_self_trained() {
        let cb = cb();
        let unit = |a: f32| -> Vec<f32> { vec![a.cos(), a.sin()] };
        let quarter = std::f32::consts::FRAC_PI_2;
        // 200 answers halfway between cost (angle 0) and access (π/2), a
        // little jitter either way; the first 100 answer a question about
        // cost, the others one about access.
        let embs: Vec<Vec<f32>> = (0..200)
            .map(|i| unit(quarter / 2.0 + 0.02 * ((i * 7919 % 13) as f32 / 6.0 - 1.0)))
            .collect();
        let (about_cost, about_access) = (unit(0.0), unit(quarter));
        let context: Vec<Context<'_>> = (0..200)
            .map(|i| Context {
                question: Some(if i < 100 { &about_cost } else { &about_access }),
                ..Context::default()
            })
            .collect();
        let protos = vec![vec![unit(0.0)], vec![unit(quarter)]];
        let texts: Vec<String> = (0..200).map(|i| format!("s{i}")).collect();
        let groups: Vec<String> = (0..200).map(|i| format!("d{}", i % 5)).collect();
        let emb_refs: Vec<&[f32]> = embs.iter().map(Vec::as_slice).collect();
        let text_refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let label = |context: &[Context<'_>]| -> Vec<Vec<Label>> {
            pseudo_labelled(
                &cb,
                &protos,
                &emb_refs,
                &text_refs,
                &groups,
                context,
                &PseudoLabelParams::default(),
            )
            .labels
        };
        let positives = |labels: &[Vec<Label>], c: usize| -> Vec<usize> {
            (0..200).filter(|&i| labels[i][c] == Label::Yes).collect()
        };
        assert!(answers_questions(&context) && !answers_questions(&[]));
        let read = label(&context);
        let (cost, access) = (positives(&read, 0), positives(&read, 1));
        assert!(cost.len() >= 3 && cost.iter().all(|&i| i < 100), "{cost:?}");
        assert!(
            access.len() >= 3 && access.iter().all(|&i| i >= 100),
            "{access:?}"
        );
        // Alone, the same sentences are labelled by their jitter: both
        // halves give each code positives.
        let cost_alone = positives(&label(&[]), 0);
        assert!(cost_alone.iter().any(|&i| i < 100) && cost_alone.iter().any(|&i| i >= 100));

        let fit = |rounds: usize, corpus: &TrainingSet<'_>| {
            let params = ClassifierParams {
                tfidf: None,
                mode: Mode::ZeroShot,
                self_training: SelfTraining {
                    rounds,
                    ..SelfTraining::default()
                },
                ..Default::default()
            }
            .check()
            .unwrap();
            fit_with_corpus(&params, &cb, &protos, &TrainingSet::default(), corpus).unwrap()
        };
        let answers = TrainingSet {
            embeddings: emb_refs.clone(),
            texts: text_refs.clone(),
            labels: read,
            groups: groups.clone(),
            context: context.clone(),
        };
        let clf = fit(1, &answers);
        assert!(clf
            .codes
            .iter()
            .all(|m| m.pseudo_labelled && m.reads_context));
        // No round in a corpus of answers: one round or none fit the same.
        assert_eq!(clf.codes, fit(0, &answers).codes);
        // Without questions the round runs, and the codes read no context.
        let written = TrainingSet {
            labels: label(&[]),
            context: Vec::new(),
            ..answers.clone()
        };
        let clf = fit(1, &written);
        assert!(clf.codes.iter().all(|m| !m.reads_context));
        assert_ne!(clf.codes, fit(0, &written).codes);
    }

    /// In zero-shot mode the codebook's rows still train (its
    /// counter-examples and exclusion criteria have no other way in);
    /// reviewed labels do not.
    #[test]
    fn zero_shot_learns_what_a_code_is_not_from_the_codebook_alone() {
        let cb = cb();
        let unit = |a: f32| -> Vec<f32> { vec![a.cos(), a.sin()] };
        let quarter = std::f32::consts::FRAC_PI_2;
        let embs: Vec<Vec<f32>> = (0..200).map(|i| unit(i as f32 / 199.0 * quarter)).collect();
        let protos = vec![vec![unit(0.0)], vec![unit(quarter)]];
        let texts: Vec<String> = (0..200).map(|i| format!("s{i}")).collect();
        let emb_refs: Vec<&[f32]> = embs.iter().map(Vec::as_slice).collect();
        let text_refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let corpus = pseudo_labelled(
            &cb,
            &protos,
            &emb_refs,
            &text_refs,
            &(0..200).map(|i| format!("d{}", i % 5)).collect::<Vec<_>>(),
            &[],
            &PseudoLabelParams::default(),
        );
        let params = ClassifierParams {
            mode: Mode::ZeroShot,
            ..without_tfidf_or_rounds()
        }
        .check()
        .unwrap();
        // An exclusion of cost at 0.35 rad, inside what its pseudo-labels
        // cover; a reviewed "cost" and a written example at π/2. (Since the
        // codebook's rows no longer calibrate, one written row moves a
        // pseudo-labelled model only as one training row.)
        let (excluded, far) = (unit(0.35), unit(quarter));
        let rows = |written: bool, label: Label, e: &[f32]| -> (String, Vec<Label>, Vec<f32>) {
            let group = if written {
                crate::model::CODEBOOK_GROUP.to_string()
            } else {
                "doc".into()
            };
            (group, vec![label, Label::Unknown], e.to_vec())
        };
        let set = |rs: &[(String, Vec<Label>, Vec<f32>)]| -> Classifier {
            let human = TrainingSet {
                embeddings: rs.iter().map(|r| r.2.as_slice()).collect(),
                texts: rs.iter().map(|_| "row").collect(),
                labels: rs.iter().map(|r| r.1.clone()).collect(),
                groups: rs.iter().map(|r| r.0.clone()).collect(),
                context: Vec::new(),
            };
            fit_with_corpus(&params, &cb, &protos, &human, &corpus).unwrap()
        };
        let none = set(&[]);
        let with_exclusion = set(&[rows(true, Label::No, &excluded)]);
        assert_ne!(with_exclusion.codes, none.codes);
        let ignored = set(&[rows(false, Label::Yes, &far)]);
        assert_eq!(ignored.codes, none.codes);
        let written = set(&[rows(true, Label::Yes, &far)]);
        assert_ne!(written.codes, none.codes);
    }

    #[test]
    fn human_labels_win_where_a_code_has_enough() {
        let e = [1.0f32, 0.0];
        let human = TrainingSet {
            embeddings: vec![&e; 3],
            texts: vec!["a"; 3],
            labels: vec![vec![Label::Yes, Label::No]; 3],
            groups: vec!["h".into(); 3],
            context: Vec::new(),
        };
        let corpus = TrainingSet {
            embeddings: vec![&e; 2],
            texts: vec!["b"; 2],
            labels: vec![vec![Label::No, Label::Yes]; 2],
            groups: vec!["c".into(); 2],
            context: Vec::new(),
        };
        // Code 0 has 3 human positives but no negatives: both codes fall back.
        let (set, pseudo) = with_pseudo_labels(&human, &corpus, 2);
        assert_eq!(pseudo, vec![true, true]);
        assert_eq!(set.labels[3], vec![Label::No, Label::Yes]);
        let (set, pseudo) = with_pseudo_labels(&human, &corpus, 4);
        assert_eq!(pseudo, vec![true, true]);
        assert_eq!(set.labels.len(), 5);
        let human2 = TrainingSet {
            labels: vec![
                vec![Label::Yes, Label::No],
                vec![Label::No, Label::No],
                vec![Label::Yes, Label::No],
            ],
            ..human
        };
        let (set, pseudo) = with_pseudo_labels(&human2, &corpus, 1);
        assert_eq!(pseudo, vec![false, true]);
        assert_eq!(set.labels[4], vec![Label::Unknown, Label::Yes]);
        // Enough human labels everywhere: the corpus is not added.
        let human3 = TrainingSet {
            labels: vec![
                vec![Label::Yes, Label::No],
                vec![Label::No, Label::Yes],
                vec![Label::Yes, Label::No],
            ],
            ..human2.clone()
        };
        let (set, pseudo) = with_pseudo_labels(&human3, &corpus, 1);
        assert_eq!(pseudo, vec![false, false]);
        assert_eq!(set.labels.len(), 3);
        // A corpus sentence that was reviewed keeps only its human row.
        let same = TrainingSet {
            texts: vec!["a"; 2],
            ..corpus.clone()
        };
        let (set, _) = with_pseudo_labels(&human2, &same, 1);
        assert_eq!(set.labels.len(), 3);
        // Rows written from the codebook train, but do not count: with
        // human3's rows as codebook examples both codes fall back.
        let written = TrainingSet {
            groups: vec![crate::model::CODEBOOK_GROUP.into(); 3],
            ..human3.clone()
        };
        let (set, pseudo) = with_pseudo_labels(&written, &corpus, 1);
        assert_eq!(pseudo, vec![true, true]);
        assert_eq!(set.labels.len(), 5);
        assert_eq!(set.labels[..3], human3.labels[..]);
    }

    #[test]
    fn a_parent_counts_its_childrens_human_positives_before_falling_back() {
        // The parent `x` is never labelled Yes itself, only through its
        // child `xpos`; with the child's positives counted it has enough
        // human examples and must not learn from pseudo-labels.
        let cb = parse_codebook(
            "codes:\n- id: x\n  definition: the x axis\n- id: xpos\n  parent: x\n  definition: far right\n- id: y\n  definition: the y axis\n",
            "t",
            CodebookFormat::Yaml,
        )
        .unwrap();
        let mut embs = Vec::new();
        let mut labels = Vec::new();
        for i in 0..120 {
            let xv = (i % 12) as f32 / 6.0 - 1.0;
            let yv = ((i * 7) % 11) as f32 / 5.5 - 1.0;
            embs.push(unit([xv, yv, 0.4]));
            let parent = if xv < 0.0 { Label::No } else { Label::Unknown };
            let child = if xv > 0.3 { Label::Yes } else { Label::No };
            let y = if yv > 0.0 { Label::Yes } else { Label::No };
            labels.push(vec![parent, child, y]);
        }
        let human = TrainingSet {
            embeddings: embs.iter().map(Vec::as_slice).collect(),
            texts: vec!["h"; 120],
            labels,
            groups: (0..120).map(|i| format!("d{}", i % 6)).collect(),
            context: Vec::new(),
        };
        let far = unit([-1.0, -1.0, 0.4]);
        let corpus = TrainingSet {
            embeddings: vec![far.as_slice(); 4],
            texts: vec!["c"; 4],
            labels: vec![vec![Label::Yes, Label::No, Label::No]; 4],
            groups: vec!["c".into(); 4],
            context: Vec::new(),
        };
        let protos = vec![
            vec![unit([1.0, 0.0, 0.0])],
            vec![unit([1.0, 0.0, 0.0])],
            vec![unit([0.0, 1.0, 0.0])],
        ];
        let params = ClassifierParams {
            tfidf: None,
            min_positives: 5,
            ..Default::default()
        }
        .check()
        .unwrap();
        let clf = fit_with_corpus(&params, &cb, &protos, &human, &corpus).unwrap();
        for m in &clf.codes {
            assert!(
                m.is_supervised() && !m.pseudo_labelled,
                "{}: {}",
                m.code_id,
                m.note
            );
        }
    }

    /// A code the corpus gives no pseudo-labels keeps its prototype until
    /// it has `min_positives_without_pseudo_labels` human positives; a
    /// catch-all and a code with pseudo-labels learn from fewer.
    #[test]
    fn a_code_without_pseudo_labels_waits_for_enough_human_positives() {
        let cb = parse_codebook(
            "codes:\n- id: a\n  definition: the a axis\n- id: b\n  definition: the b axis\n- id: other\n  name: Other\n  definition: anything else\n",
            "t",
            CodebookFormat::Yaml,
        )
        .unwrap();
        assert_eq!(cb.residual_codes(), vec![false, false, true]);
        let protos = vec![
            vec![unit([1.0, 0.0, 0.0])],
            vec![unit([0.0, 1.0, 0.0])],
            vec![unit([0.0, 0.0, 1.0])],
        ];
        // The corpus: pseudo-labels for `a` only.
        let corpus_embs: Vec<Vec<f32>> = (0..40)
            .map(|i| unit([if i < 10 { 1.0 } else { -0.5 }, (i % 7) as f32 / 7.0, 0.3]))
            .collect();
        let corpus = TrainingSet {
            embeddings: corpus_embs.iter().map(Vec::as_slice).collect(),
            texts: vec!["c"; 40],
            labels: (0..40)
                .map(|i| {
                    let a = if i < 10 { Label::Yes } else { Label::No };
                    vec![a, Label::Unknown, Label::Unknown]
                })
                .collect(),
            groups: (0..40).map(|i| format!("c{}", i % 4)).collect(),
            context: Vec::new(),
        };
        // `positives` reviewed sentences have `b` and `other`, 20 neither.
        let human_embs: Vec<Vec<f32>> = (0..30)
            .map(|i| unit([(i % 5) as f32 / 5.0, if i < 5 { 1.0 } else { -0.5 }, 0.2]))
            .collect();
        let human = |positives: usize| TrainingSet {
            embeddings: human_embs.iter().map(Vec::as_slice).collect(),
            texts: vec!["h"; 30],
            labels: (0..30)
                .map(|i| {
                    let yes = if i < positives { Label::Yes } else { Label::No };
                    vec![Label::No, yes, yes]
                })
                .collect(),
            groups: (0..30).map(|i| format!("d{}", i % 6)).collect(),
            context: Vec::new(),
        };
        let params = |floor: usize| {
            ClassifierParams {
                min_positives_without_pseudo_labels: floor,
                ..without_tfidf_or_rounds()
            }
            .check()
            .unwrap()
        };
        let fit = |positives: usize, floor: usize| {
            fit_with_corpus(&params(floor), &cb, &protos, &human(positives), &corpus).unwrap()
        };
        let clf = fit(3, 4);
        let [a, b, other] = &clf.codes[..] else {
            panic!("three codes")
        };
        assert!(a.is_supervised() && a.pseudo_labelled, "{}", a.note);
        assert!(!b.is_supervised() && !b.is_calibrated(), "{}", b.note);
        assert_eq!((b.positives, b.negatives), (0, 0), "{}", b.note);
        assert!(b.note.contains("no corpus pseudo-labels"), "{}", b.note);
        assert!(other.is_supervised(), "{}", other.note);
        assert_eq!(other.positives, 3, "{}", other.note);
        // Two codebook examples of `b` beside its 3 reviewed positives do not
        // make 4.
        let mut with_examples = human(3);
        for e in &human_embs[..2] {
            with_examples.embeddings.push(e.as_slice());
            with_examples.texts.push("an example");
            with_examples
                .labels
                .push(vec![Label::Unknown, Label::Yes, Label::Unknown]);
            with_examples
                .groups
                .push(crate::model::CODEBOOK_GROUP.into());
        }
        let clf = fit_with_corpus(&params(4), &cb, &protos, &with_examples, &corpus).unwrap();
        assert!(!clf.codes[1].is_supervised(), "{}", clf.codes[1].note);
        // A fourth positive, or a floor of 3: `b` learns from its own.
        for clf in [fit(4, 4), fit(3, 3)] {
            let b = &clf.codes[1];
            assert!(b.is_supervised(), "{}", b.note);
            assert_eq!(b.negatives, 30 - b.positives, "{}", b.note);
        }
    }

    #[test]
    fn a_code_with_a_definition_alone_takes_the_floor_until_its_first_human_positive() {
        let cb = parse_codebook(
            "codes:\n- id: a\n  definition: the a axis\n- id: b\n  definition: the b axis\n  examples: [a b sentence]\n",
            "t",
            CodebookFormat::Yaml,
        )
        .unwrap();
        assert_eq!(definition_only(&cb), vec![true, false]);
        let protos = vec![vec![unit([1.0, 0.0, 0.0])], vec![unit([0.0, 1.0, 0.0])]];
        // Ten sentences near `a`, ten near `b`, ten near neither: the share
        // of 10% gives each code one positive, short of the 3 it needs, so
        // the corpus as drawn has no pseudo-labels for either.
        let embs: Vec<Vec<f32>> = (0..30)
            .map(|i| {
                let j = (i % 10) as f32 / 10.0;
                match i / 10 {
                    0 => unit([1.0, j, 0.2]),
                    1 => unit([j, 1.0, 0.2]),
                    _ => unit([0.1, 0.1, 1.0 + j]),
                }
            })
            .collect();
        let emb_refs: Vec<&[f32]> = embs.iter().map(Vec::as_slice).collect();
        let texts = vec!["c"; 30];
        let groups: Vec<String> = (0..30).map(|i| format!("g{}", i % 5)).collect();
        let corpus = pseudo_labelled(
            &cb,
            &protos,
            &emb_refs,
            &texts,
            &groups,
            &[],
            &PseudoLabelParams::default(),
        );
        assert!(corpus.labels.iter().all(|r| r[0] == Label::Unknown));
        assert!(corpus.labels.iter().all(|r| r[1] == Label::Unknown));
        let params = |floor: usize| {
            ClassifierParams {
                definition_floor: floor,
                ..without_tfidf_or_rounds()
            }
            .check()
            .unwrap()
        };
        let fit = |human: &TrainingSet, floor: usize| {
            fit_with_corpus(&params(floor), &cb, &protos, human, &corpus).unwrap()
        };
        // From the codebook alone `a` learns from its 4 best-fitting
        // sentences; `b`, whose examples make its prototype, does not.
        let clf = fit(&TrainingSet::default(), 4);
        let [a, b] = &clf.codes[..] else {
            panic!("two codes")
        };
        assert!(a.is_supervised() && a.pseudo_labelled, "{}", a.note);
        assert_eq!(a.positives, 4, "{}", a.note);
        assert!(!b.is_supervised(), "{}", b.note);
        // No floor: `a` keeps its prototype too.
        let clf = fit(&TrainingSet::default(), 0);
        assert!(!clf.codes[0].is_supervised(), "{}", clf.codes[0].note);
        // One reviewed positive of `a`: the share alone again, so `a` waits
        // for more human positives on its prototype.
        let reviewed: Vec<Vec<f32>> = (0..6).map(|i| unit([1.0, 0.1 * i as f32, 0.3])).collect();
        let human = TrainingSet {
            embeddings: reviewed.iter().map(Vec::as_slice).collect(),
            texts: vec!["h"; 6],
            labels: (0..6)
                .map(|i| {
                    let a = if i == 0 { Label::Yes } else { Label::No };
                    vec![a, Label::No]
                })
                .collect(),
            groups: (0..6).map(|i| format!("d{i}")).collect(),
            context: Vec::new(),
        };
        let clf = fit(&human, 4);
        assert!(!clf.codes[0].is_supervised(), "{}", clf.codes[0].note);
        assert!(
            clf.codes[0].note.contains("no corpus pseudo-labels"),
            "{}",
            clf.codes[0].note
        );
    }

    #[test]
    fn params_check_names_the_field() {
        let bad = PseudoLabelParams {
            positive_share: 0.0,
            ..Default::default()
        };
        assert!(bad
            .check()
            .unwrap_err()
            .to_string()
            .contains("positive_share"));
        assert!(PseudoLabelParams::default().check().is_ok());
    }
}
