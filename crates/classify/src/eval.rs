//! Quality against gold codings: grouped k-fold cross-validation (or a
//! train/test split), per-code precision/recall/F1/kappa, macro-F1, ECE with
//! a reliability table, the review-band count, and the human annotators' own
//! pairwise kappa where the gold carries per-annotator labels.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::calibrate::{ece, reliability, ReliabilityBin};
use crate::codebook::Codebook;
use crate::features::tokenize;
use crate::metrics::{binary_scores, cohen_kappa};
use crate::model::{
    group_folds, ClassifierParams, ClassifyError, Context, Label, SplitMix, TrainingSet,
};

/// Each item's fold group, checked to fill `folds` folds: shared by the
/// cross-validation and the simulated review. Its document (else its own
/// id), so that no document is in both train and test; where the items lie
/// in fewer documents than folds and each names its speaker, the speaker
/// within the document: a survey export is one document of many
/// respondents, and its folds then hold no respondent on both sides (the
/// answers of one person are alike, as a document's sentences are).
/// Returns the groups and what they are, for the report.
pub fn fold_groups(
    items: &[&GoldItem],
    folds: usize,
    by_item: bool,
) -> Result<(Vec<String>, &'static str), ClassifyError> {
    if items.len() < folds {
        return Err(ClassifyError::Input(format!(
            "{} items cannot fill {folds} folds (each fold tests on at least one); \
             give more gold items or fewer --folds",
            items.len()
        )));
    }
    // Each item alone (`--group-by id`), whatever document or speaker it
    // names: only the folds change, not what the learner reads (each
    // item's document still gives its neighbours and its question).
    // Before, the documents were erased to get here, and the learner lost
    // them too (h15/03).
    if by_item {
        let by_id: Vec<String> = items.iter().map(|it| it.id.clone()).collect();
        let distinct = by_id.iter().collect::<BTreeSet<_>>().len();
        if distinct < folds {
            return Err(ClassifyError::Input(format!(
                "{distinct} distinct item ids cannot fill {folds} folds"
            )));
        }
        return Ok((by_id, "item"));
    }
    let by_document: Vec<String> = items
        .iter()
        .map(|it| it.doc.clone().unwrap_or_else(|| it.id.clone()))
        .collect();
    let documents = by_document.iter().collect::<BTreeSet<_>>().len();
    // Items that name speakers but no documents (a coder's sheet of survey
    // answers): a respondent's answers stay together, as in one document.
    let speakers: BTreeSet<&str> = items
        .iter()
        .filter_map(|it| it.speaker.as_deref())
        .collect();
    if items
        .iter()
        .all(|it| it.doc.is_none() && it.speaker.is_some())
        && speakers.len() >= folds
    {
        let by_speaker = items
            .iter()
            .map(|it| format!("\u{1f}{}", it.speaker.as_deref().unwrap_or_default()))
            .collect();
        return Ok((by_speaker, "speaker"));
    }
    if documents >= folds {
        let unit = if items.iter().all(|it| it.doc.is_none()) {
            "item"
        } else {
            "document"
        };
        return Ok((by_document, unit));
    }
    let speakers: Option<Vec<String>> = items
        .iter()
        .zip(&by_document)
        .map(|(it, d)| it.speaker.as_ref().map(|s| format!("{d}\u{1f}{s}")))
        .collect();
    if let Some(by_speaker) = speakers {
        let distinct = by_speaker.iter().collect::<BTreeSet<_>>().len();
        if distinct >= folds {
            return Ok((by_speaker, "speaker"));
        }
        return Err(ClassifyError::Input(format!(
            "{documents} documents and {distinct} speakers in them cannot fill {folds} folds"
        )));
    }
    Err(ClassifyError::Input(format!(
        "{documents} groups (documents) cannot fill {folds} folds; \
         a file of one document whose items name no `speaker` can only be split by item (--group-by id)"
    )))
}

/// One gold item (the JSONL form of `../shared/eval`: id, doc, text, labels,
/// optional annotator_labels).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GoldItem {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub speaker: Option<String>,
    pub text: String,
    #[serde(default)]
    pub labels: BTreeSet<String>,
    #[serde(default)]
    pub annotator_labels: Option<BTreeMap<String, BTreeSet<String>>>,
    /// The question the item answers, where the file gives it (a survey's
    /// question, an interview's prompt): read as an interviewer's turn
    /// before the item's (docs/classify.md, "The question a turn answers").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// The item's turn where its id is not autocode's
    /// (`<doc>:<turn>:<sentence>`): set by the file's reader, a run of one
    /// speaker's rows in a document counting the rows that are not items
    /// (an interviewer's). `None`: [`crate::context::gold_neighbours`]
    /// counts the runs among the items.
    #[serde(skip)]
    pub turn: Option<u64>,
}

/// What produces the predictions being scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Predictor {
    Classifier(ClassifierParams),
    /// Baseline: a code is assigned when the text contains a content word of its name.
    Keyword,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalOptions {
    pub folds: usize,
    pub seed: u64,
    /// Probabilities in [lo, hi) count as "for review".
    pub review_band: (f64, f64),
    /// Learning curve: train on at most this many positives per code.
    pub per_code_limit: Option<usize>,
    /// Each item its own group in the folds (`eval code --group-by id`),
    /// even where the items name their speakers.
    #[serde(default)]
    pub by_item: bool,
}

impl EvalOptions {
    /// Every value in range, or an error naming the first field that is not:
    /// `folds` ≥ 2, `review_band` 0 ≤ lo < hi ≤ 1, `per_code_limit` ≥ 1 when set.
    pub fn check(&self) -> Result<(), ClassifyError> {
        let bad = |field: &'static str, reason: String| Err(ClassifyError::Param { field, reason });
        if self.folds < 2 {
            return bad("folds", format!("must be at least 2, got {}", self.folds));
        }
        let (lo, hi) = self.review_band;
        if !(0.0 <= lo && lo < hi && hi <= 1.0) {
            return bad(
                "review_band",
                format!("must satisfy 0 <= lo < hi <= 1, got ({lo}, {hi})"),
            );
        }
        if self.per_code_limit == Some(0) {
            return bad("per_code_limit", "must be at least 1 when set".into());
        }
        Ok(())
    }
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            folds: 5,
            seed: 42,
            review_band: (0.35, 0.75),
            per_code_limit: None,
            by_item: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeReport {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// `None` (JSON null) when undefined: predictions and gold both constant
    /// (see [`crate::metrics::cohen_kappa`]).
    pub kappa: Option<f64>,
    pub support: usize,
    pub predicted: usize,
    /// Mean pairwise Cohen's kappa of the human annotators, when known.
    pub human_kappa: Option<f64>,
    /// How the code was modelled, per fold (e.g. "supervised" ×5).
    pub models: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub items: usize,
    pub folds: usize,
    /// What the cross-validation's folds keep apart: "document", "speaker"
    /// (within a document: a survey's respondents) or "item"; empty for a
    /// train/test split ([`fold_groups`]).
    #[serde(default)]
    pub grouped_by: String,
    pub predictor: String,
    pub macro_f1: f64,
    /// Mean of the per-code kappas that are defined; `None` when none is.
    pub mean_kappa: Option<f64>,
    /// Codes left out of `mean_kappa` because their kappa is undefined.
    pub kappa_undefined: usize,
    pub micro_f1: f64,
    /// ECE (10 bins) over every (item, code) probability.
    pub ece: f64,
    /// ECE (10 bins) over the pairs a coding row would be stored for (p ≥ 0.05).
    pub ece_stored: f64,
    pub reliability: Vec<ReliabilityBin>,
    pub review_band: (f64, f64),
    /// (item, code) pairs with probability in the review band.
    pub in_review_band: usize,
    /// Mean of the codes' human kappas (codes whose annotators' kappa is
    /// undefined left out); `None` without per-annotator labels.
    pub human_mean_kappa: Option<f64>,
    pub per_code: BTreeMap<String, CodeReport>,
    /// Each scored item's probabilities (items × codes), out of fold: what
    /// `eval code --predictions` writes for the audit simulation.
    #[serde(skip)]
    pub item_probabilities: Vec<Vec<f32>>,
}

const STOP: &[&str] = &[
    "and", "the", "for", "with", "between", "from", "into", "about", "their", "other", "data",
];

/// Short words that say nothing of a topic, never keywords even in a name
/// of short words alone.
const SHORT_STOP: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "do", "for", "he", "i", "if", "in",
    "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "she", "so", "the", "to",
    "up", "us", "was", "we", "who", "you",
];

/// The keyword baseline's decision for each code: a code is assigned when
/// the text has a word of its name (or id) of four letters or more, by its
/// first five letters (a crude stem: "trusted" for "Trust"). A name whose
/// words are all shorter ("Law", "Pay", "HR") has no such word: its short
/// words then match as whole words, else the code could never be assigned
/// (h15/06). A category (not codable) is never assigned; a child's
/// assignment brings its codable ancestors, as the classifier's and the
/// gold's labels are closed upward.
fn keyword_predict(cb: &Codebook, text: &str) -> Vec<bool> {
    let toks: BTreeSet<String> = tokenize(text).into_iter().collect();
    let mut assigned: Vec<bool> = cb
        .codes
        .iter()
        .map(|c| {
            if !c.codable {
                return false;
            }
            let words: Vec<String> = tokenize(&format!("{} {}", c.name, c.id.replace('_', " ")))
                .into_iter()
                .filter(|w| !STOP.contains(&w.as_str()))
                .collect();
            let long: Vec<&String> = words.iter().filter(|w| w.chars().count() >= 4).collect();
            if long.is_empty() {
                return words
                    .iter()
                    .filter(|w| w.chars().count() >= 2 && !SHORT_STOP.contains(&w.as_str()))
                    .any(|w| toks.contains(w));
            }
            long.iter().any(|w| {
                let stem: String = w.chars().take(5).collect();
                toks.iter().any(|t| t.starts_with(&stem))
            })
        })
        .collect();
    for (c, ancestors) in cb.all_ancestors().iter().enumerate() {
        if assigned[c] {
            for &a in ancestors {
                assigned[a] |= cb.codes[a].codable;
            }
        }
    }
    assigned
}

/// Mean pairwise kappa of the annotators per code (each pair of annotator
/// ids over the items both coded, weighted by that count). Pairs whose kappa
/// is undefined are left out; a code with no defined pair has no entry.
/// Each annotator's codes (code ids) are closed upward, as the gold's are:
/// a parent's human kappa stands beside its model kappa on the same labels
/// (h15/04; before, a parent no annotator named had none, and one coder's
/// parent against another's child counted as a disagreement).
pub fn human_pairwise_kappa(cb: &Codebook, items: &[GoldItem]) -> BTreeMap<String, f64> {
    let ancestors = cb.all_ancestors();
    // An annotator's codes as code indices, with their ancestors.
    let closed = |labels: &BTreeSet<String>| -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        for i in labels.iter().filter_map(|l| cb.index_of(l)) {
            out.insert(i);
            out.extend(ancestors[i].iter().copied());
        }
        out
    };
    // (code, a, b) → [both, a only, b only, neither]
    let mut tables: BTreeMap<(usize, String, String), [f64; 4]> = BTreeMap::new();
    for it in items {
        let Some(ann) = &it.annotator_labels else {
            continue;
        };
        let ids: Vec<&String> = ann.keys().collect();
        let codes: Vec<BTreeSet<usize>> = ids.iter().map(|a| closed(&ann[*a])).collect();
        for i in 0..ids.len() {
            for j in i + 1..ids.len() {
                for c in 0..cb.codes.len() {
                    let a = codes[i].contains(&c);
                    let b = codes[j].contains(&c);
                    let t = tables
                        .entry((c, ids[i].clone(), ids[j].clone()))
                        .or_insert([0.0; 4]);
                    t[match (a, b) {
                        (true, true) => 0,
                        (true, false) => 1,
                        (false, true) => 2,
                        (false, false) => 3,
                    }] += 1.0;
                }
            }
        }
    }
    let mut acc: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
    for ((c, _, _), t) in tables {
        let Some(kappa) = cohen_kappa(t[0], t[1], t[2], t[3]) else {
            continue;
        };
        let n: f64 = t.iter().sum();
        let e = acc.entry(c).or_insert((0.0, 0.0));
        e.0 += n * kappa;
        e.1 += n;
    }
    acc.into_iter()
        .filter(|(_, (_, n))| *n > 0.0)
        .map(|(c, (s, n))| (cb.codes[c].id.clone(), s / n))
        .collect()
}

pub(crate) fn labels_of(cb: &Codebook, it: &GoldItem) -> Vec<Label> {
    cb.codes
        .iter()
        .map(|c| {
            if it.labels.contains(&c.id) {
                Label::Yes
            } else {
                Label::No
            }
        })
        .collect()
}

/// A learning curve's training part (`--per-code N`): a seeded random
/// sample of N items per code, N × k of the training items `idx` where k
/// is the number of codable codes the training part has a positive of,
/// each item whole whatever its labels: what a coder codes in N items'
/// time per code, and the budget of the simulated review's random order
/// at N per code (`--simulate-review`), so the two curves are read alike.
/// A random sample is a fair one: the uncoded items and each code's
/// negatives keep their share. Before 2026-12-07 only each code's first N
/// positives were kept and no uncoded item at all, so every learning-curve
/// point was a learner that had never seen a sentence without a code
/// (h15/01); a walk "until every code has N positives" was measured and
/// not kept: the rarest code then holds the walk to the end, and the demo's
/// curve was the full run from N = 9. In `idx`'s order; a budget at or
/// above the training part is no limit.
fn limit_per_code(
    cb: &Codebook,
    items: &[&GoldItem],
    idx: &[usize],
    limit: usize,
    seed: u64,
) -> Vec<usize> {
    let codes_present = cb
        .codes
        .iter()
        .filter(|c| c.codable && idx.iter().any(|&i| items[i].labels.contains(&c.id)))
        .count();
    let budget = limit.saturating_mul(codes_present.max(1));
    if budget >= idx.len() {
        return idx.to_vec();
    }
    let mut rng = SplitMix(seed ^ 0xC0DE);
    let mut order: Vec<(u64, usize)> = idx.iter().map(|&i| (rng.next_u64(), i)).collect();
    order.sort();
    let keep: BTreeSet<usize> = order[..budget].iter().map(|&(_, i)| i).collect();
    idx.iter().copied().filter(|i| keep.contains(i)).collect()
}

/// Probabilities and decisions of one fold's test items.
type FoldOutput = (Vec<Vec<f32>>, Vec<Vec<bool>>);

/// Scores `predictor` on `test` after training on `train` (indices into `items`).
#[allow(clippy::too_many_arguments)]
fn run_fold(
    cb: &Codebook,
    prototypes: &[Vec<Vec<f32>>],
    written: &TrainingSet<'_>,
    items: &[&GoldItem],
    embeddings: &[&[f32]],
    context: &[Context<'_>],
    train: &[usize],
    corpus: &[usize],
    test: &[usize],
    predictor: &Predictor,
    models: &mut [BTreeMap<String, usize>],
) -> Result<FoldOutput, ClassifyError> {
    match predictor {
        Predictor::Keyword => Ok(test
            .iter()
            .map(|&i| {
                let a = keyword_predict(cb, &items[i].text);
                (a.iter().map(|&b| b as u8 as f32).collect(), a)
            })
            .unzip()),
        Predictor::Classifier(params) => {
            // The codebook's own rows first, as `autocode code` trains.
            let mut set = written.clone();
            set.context = (0..written.embeddings.len())
                .map(|i| written.context_of(i))
                .collect();
            for &i in train {
                set.context.push(context[i]);
                set.embeddings.push(embeddings[i]);
                set.texts.push(items[i].text.as_str());
                set.labels.push(labels_of(cb, items[i]));
                set.groups
                    .push(items[i].doc.clone().unwrap_or_else(|| items[i].id.clone()));
            }
            // The training documents' texts, labels unread, are the corpus
            // the zero-shot fallback draws its pseudo-labels from.
            let group = |i: usize| items[i].doc.clone().unwrap_or_else(|| items[i].id.clone());
            let corpus_context: Vec<Context> = corpus.iter().map(|&i| context[i]).collect();
            let unlabelled = crate::zeroshot::pseudo_labelled(
                cb,
                prototypes,
                &corpus.iter().map(|&i| embeddings[i]).collect::<Vec<_>>(),
                &corpus
                    .iter()
                    .map(|&i| items[i].text.as_str())
                    .collect::<Vec<_>>(),
                &corpus.iter().map(|&i| group(i)).collect::<Vec<_>>(),
                &corpus_context,
                &crate::zeroshot::PseudoLabelParams::default(),
            );
            let clf = crate::zeroshot::fit_with_corpus(
                &params.clone().check()?,
                cb,
                prototypes,
                &set,
                &unlabelled,
            )?;
            for (m, c) in models.iter_mut().zip(&clf.codes) {
                let kind = if c.pseudo_labelled {
                    "zero-shot (pseudo-labels)"
                } else if c.is_supervised() {
                    "supervised"
                } else {
                    "zero-shot"
                };
                *m.entry(kind.to_string()).or_default() += 1;
            }
            let emb: Vec<&[f32]> = test.iter().map(|&i| embeddings[i]).collect();
            let texts: Vec<&str> = test.iter().map(|&i| items[i].text.as_str()).collect();
            let ctx: Vec<Context> = test.iter().map(|&i| context[i]).collect();
            let p = clf.predict_in_context(&emb, Some(&texts), &ctx)?;
            Ok((p.probabilities, p.assigned))
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn report(
    cb: &Codebook,
    items: &[&GoldItem],
    probs: &[Vec<f32>],
    assigned: &[Vec<bool>],
    human: BTreeMap<String, f64>,
    models: Vec<BTreeMap<String, usize>>,
    predictor: String,
    folds: usize,
    opts: &EvalOptions,
) -> EvalReport {
    // A category (a code not codable) is never coded: nothing to score.
    let k = cb.codes.iter().filter(|c| c.codable).count();
    let mut per_code = BTreeMap::new();
    let (mut all_p, mut all_y, mut stored_p, mut stored_y) = (vec![], vec![], vec![], vec![]);
    let mut all_pred = vec![];
    let mut in_band = 0;
    for (c, models) in (0..cb.codes.len())
        .zip(models)
        .filter(|(c, _)| cb.codes[*c].codable)
    {
        let gold: Vec<bool> = items
            .iter()
            .map(|it| it.labels.contains(&cb.codes[c].id))
            .collect();
        let pred: Vec<bool> = assigned.iter().map(|a| a[c]).collect();
        for (i, &g) in gold.iter().enumerate() {
            let p = probs[i][c] as f64;
            all_p.push(p);
            all_y.push(g);
            all_pred.push(pred[i]);
            if p >= 0.05 {
                stored_p.push(p);
                stored_y.push(g);
            }
            if p >= opts.review_band.0 && p < opts.review_band.1 {
                in_band += 1;
            }
        }
        let s = binary_scores(&pred, &gold);
        per_code.insert(
            cb.codes[c].id.clone(),
            CodeReport {
                precision: s.precision,
                recall: s.recall,
                f1: s.f1,
                kappa: s.kappa,
                support: s.support,
                predicted: s.predicted,
                human_kappa: human.get(&cb.codes[c].id).copied(),
                models,
            },
        );
    }
    let macro_f1 = per_code.values().map(|r| r.f1).sum::<f64>() / k.max(1) as f64;
    let defined: Vec<f64> = per_code.values().filter_map(|r| r.kappa).collect();
    let mean_kappa = mean(&defined);
    let kappa_undefined = k - defined.len();
    let micro = binary_scores(&all_pred, &all_y);
    // The codes scored: a category's annotators' kappa is in no row.
    let human_mean_kappa = mean(
        &per_code
            .values()
            .filter_map(|r| r.human_kappa)
            .collect::<Vec<_>>(),
    );
    EvalReport {
        item_probabilities: probs.to_vec(),
        items: items.len(),
        folds,
        grouped_by: String::new(),
        predictor,
        macro_f1,
        mean_kappa,
        kappa_undefined,
        micro_f1: micro.f1,
        ece: ece(&all_p, &all_y, 10),
        ece_stored: ece(&stored_p, &stored_y, 10),
        reliability: reliability(&all_p, &all_y, 10),
        review_band: opts.review_band,
        in_review_band: in_band,
        human_mean_kappa,
        per_code,
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn predictor_name(p: &Predictor) -> String {
    match p {
        Predictor::Keyword => "keyword".into(),
        Predictor::Classifier(c) => c.mode.to_string(),
    }
}

/// Checks the options and the predictor's parameters before any work.
fn check_inputs(predictor: &Predictor, opts: &EvalOptions) -> Result<(), ClassifyError> {
    opts.check()?;
    if let Predictor::Classifier(params) = predictor {
        params.clone().check()?;
    }
    Ok(())
}

/// Grouped k-fold cross-validation on `items` (grouped by `doc`, else by id):
/// no group is in both the training and the test part of a fold. Every
/// fold's classifier also trains on `written`, the codebook's own rows
/// ([`crate::codebook_rows`], embedded, group [`crate::CODEBOOK_GROUP`]),
/// as `autocode code` does. `questions[i]` is the question item i's turn
/// answers ([`crate::context::gold_contexts`]; empty: none known).
#[allow(clippy::too_many_arguments)]
pub fn cross_validate(
    cb: &Codebook,
    prototypes: &[Vec<Vec<f32>>],
    written: &TrainingSet<'_>,
    items: &[&GoldItem],
    embeddings: &[&[f32]],
    questions: &[Option<&[f32]>],
    predictor: &Predictor,
    opts: &EvalOptions,
) -> Result<EvalReport, ClassifyError> {
    check_inputs(predictor, opts)?;
    let n = items.len();
    let (groups, grouped_by) = fold_groups(items, opts.folds, opts.by_item)?;
    let fold = group_folds(&groups, opts.folds, opts.seed);
    let k = cb.codes.len();
    let mut probs = vec![vec![0f32; k]; n];
    let mut assigned = vec![vec![false; k]; n];
    let mut models = vec![BTreeMap::new(); k];
    let context = crate::context::gold_contexts(items, embeddings, questions);
    for f in 0..opts.folds {
        let corpus: Vec<usize> = (0..n).filter(|&i| fold[i] != f).collect();
        let mut train = corpus.clone();
        let test: Vec<usize> = (0..n).filter(|&i| fold[i] == f).collect();
        if let Some(limit) = opts.per_code_limit {
            train = limit_per_code(cb, items, &train, limit, opts.seed + f as u64);
        }
        let (p, a) = run_fold(
            cb,
            prototypes,
            written,
            items,
            embeddings,
            &context,
            &train,
            &corpus,
            &test,
            predictor,
            &mut models,
        )?;
        for (j, &i) in test.iter().enumerate() {
            probs[i] = p[j].clone();
            assigned[i] = a[j].clone();
        }
    }
    let owned: Vec<GoldItem> = items.iter().map(|i| (*i).clone()).collect();
    let human = human_pairwise_kappa(cb, &owned);
    let mut r = report(
        cb,
        items,
        &probs,
        &assigned,
        human,
        models,
        predictor_name(predictor),
        opts.folds,
        opts,
    );
    r.grouped_by = grouped_by.to_string();
    Ok(r)
}

/// Trains on `train` and scores on `test` (no cross-validation); the
/// questions as in [`cross_validate`], each file's own.
#[allow(clippy::too_many_arguments)]
pub fn train_test(
    cb: &Codebook,
    prototypes: &[Vec<Vec<f32>>],
    written: &TrainingSet<'_>,
    train: &[&GoldItem],
    train_emb: &[&[f32]],
    train_questions: &[Option<&[f32]>],
    test: &[&GoldItem],
    test_emb: &[&[f32]],
    test_questions: &[Option<&[f32]>],
    predictor: &Predictor,
    opts: &EvalOptions,
) -> Result<EvalReport, ClassifyError> {
    check_inputs(predictor, opts)?;
    let items: Vec<&GoldItem> = train.iter().chain(test.iter()).copied().collect();
    let emb: Vec<&[f32]> = train_emb.iter().chain(test_emb.iter()).copied().collect();
    let corpus: Vec<usize> = (0..train.len()).collect();
    let mut tr = corpus.clone();
    if let Some(limit) = opts.per_code_limit {
        tr = limit_per_code(cb, &items, &tr, limit, opts.seed);
    }
    let te: Vec<usize> = (train.len()..items.len()).collect();
    // Each file's own neighbours: a training and a test document of one
    // name are not one document.
    let mut context = crate::context::gold_contexts(train, train_emb, train_questions);
    context.extend(crate::context::gold_contexts(
        test,
        test_emb,
        test_questions,
    ));
    let mut models = vec![BTreeMap::new(); cb.codes.len()];
    let (p, a) = run_fold(
        cb,
        prototypes,
        written,
        &items,
        &emb,
        &context,
        &tr,
        &corpus,
        &te,
        predictor,
        &mut models,
    )?;
    let owned: Vec<GoldItem> = test.iter().map(|i| (*i).clone()).collect();
    let human = human_pairwise_kappa(cb, &owned);
    Ok(report(
        cb,
        test,
        &p,
        &a,
        human,
        models,
        predictor_name(predictor),
        1,
        opts,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{parse_codebook, CodebookFormat};

    #[test]
    fn folds_keep_documents_apart_and_a_surveys_respondents_when_it_is_one_document() {
        let item = |id: &str, doc: Option<&str>, speaker: Option<&str>| GoldItem {
            id: id.into(),
            doc: doc.map(str::to_string),
            speaker: speaker.map(str::to_string),
            text: String::new(),
            labels: BTreeSet::new(),
            turn: None,
            question: None,
            annotator_labels: None,
        };
        // Interviews: one group per document, whoever speaks.
        let interviews: Vec<GoldItem> = (0..6)
            .map(|i| item(&i.to_string(), Some(["a", "b", "c"][i % 3]), Some("R1")))
            .collect();
        let refs: Vec<&GoldItem> = interviews.iter().collect();
        let (groups, unit) = fold_groups(&refs, 3, false).unwrap();
        assert_eq!(unit, "document");
        assert_eq!(groups[0], groups[3]);
        assert_ne!(groups[0], groups[1]);
        // A survey export: one document, five respondents, two answers each.
        let survey: Vec<GoldItem> = (0..10)
            .map(|i| {
                item(
                    &i.to_string(),
                    Some("survey.csv"),
                    Some(&format!("R{}", i / 2)),
                )
            })
            .collect();
        let refs: Vec<&GoldItem> = survey.iter().collect();
        let (groups, unit) = fold_groups(&refs, 5, false).unwrap();
        assert_eq!(unit, "speaker");
        assert_eq!(groups[0], groups[1]);
        assert_ne!(groups[1], groups[2]);
        assert_eq!(groups.iter().collect::<BTreeSet<_>>().len(), 5);
        // Too few respondents, or none named: an error that says so.
        let e = fold_groups(&refs, 6, false).unwrap_err().to_string();
        assert!(
            e.contains("1 documents and 5 speakers in them cannot fill 6 folds"),
            "{e}"
        );
        let anonymous: Vec<GoldItem> = (0..10)
            .map(|i| item(&i.to_string(), Some("survey.csv"), None))
            .collect();
        let refs: Vec<&GoldItem> = anonymous.iter().collect();
        let e = fold_groups(&refs, 5, false).unwrap_err().to_string();
        assert!(e.contains("--group-by id"), "{e}");
        // No documents at all: each item is its own group.
        let loose: Vec<GoldItem> = (0..5).map(|i| item(&i.to_string(), None, None)).collect();
        let refs: Vec<&GoldItem> = loose.iter().collect();
        assert_eq!(fold_groups(&refs, 5, false).unwrap().1, "item");
        // Fewer items than folds, however grouped: said of the items.
        for by_item in [false, true] {
            let e = fold_groups(&refs[..1], 2, by_item).unwrap_err().to_string();
            assert!(e.contains("1 items cannot fill 2 folds"), "{e}");
        }
        // No documents but respondents (a coder's sheet of answers): each
        // respondent's answers together, unless each item is asked to be
        // its own group.
        let sheet: Vec<GoldItem> = (0..10)
            .map(|i| item(&i.to_string(), None, Some(&format!("R{}", i / 2))))
            .collect();
        let refs: Vec<&GoldItem> = sheet.iter().collect();
        let (groups, unit) = fold_groups(&refs, 5, false).unwrap();
        assert_eq!(unit, "speaker");
        assert_eq!(groups[0], groups[1]);
        assert_ne!(groups[1], groups[2]);
        assert_eq!(fold_groups(&refs, 5, true).unwrap().1, "item");
        // Each item alone splits documents too, which the items keep
        // (the learner reads its neighbours and question from them, h15/03).
        let refs: Vec<&GoldItem> = interviews.iter().collect();
        let (groups, unit) = fold_groups(&refs, 3, true).unwrap();
        assert_eq!(unit, "item");
        assert_eq!(groups, ["0", "1", "2", "3", "4", "5"]);
    }

    #[test]
    fn human_kappa_of_known_annotations() {
        let cb = parse_codebook(
            "codes:\n- id: A\n  definition: a\n",
            "t",
            CodebookFormat::Yaml,
        )
        .unwrap();
        let item = |a: bool, b: bool| GoldItem {
            id: String::new(),
            doc: None,
            speaker: None,
            text: String::new(),
            labels: BTreeSet::new(),
            turn: None,
            question: None,
            annotator_labels: Some(BTreeMap::from([
                (
                    "1".to_string(),
                    if a {
                        BTreeSet::from(["A".to_string()])
                    } else {
                        BTreeSet::new()
                    },
                ),
                (
                    "2".to_string(),
                    if b {
                        BTreeSet::from(["A".to_string()])
                    } else {
                        BTreeSet::new()
                    },
                ),
            ])),
        };
        // 3 both, 1 first only, 2 second only, 4 neither → kappa 0.4.
        let mut items = vec![];
        items.extend((0..3).map(|_| item(true, true)));
        items.push(item(true, false));
        items.extend((0..2).map(|_| item(false, true)));
        items.extend((0..4).map(|_| item(false, false)));
        let k = human_pairwise_kappa(&cb, &items);
        assert!((k["A"] - 0.4).abs() < 1e-12);
    }

    #[test]
    fn keyword_baseline_matches_name_words() {
        let cb = parse_codebook("codes:\n- id: privacy\n  name: Privacy\n  definition: a\n- id: trust\n  name: Trust\n  definition: b\n", "t", CodebookFormat::Yaml).unwrap();
        assert_eq!(
            keyword_predict(&cb, "My privacy matters"),
            vec![true, false]
        );
        assert_eq!(keyword_predict(&cb, "I trusted them"), vec![false, true]);
    }

    /// h15/06: a child predicted brings its parent, as the gold's labels
    /// are closed upward; a name of short words alone ("Law") matches them
    /// as whole words, where words under four letters were dropped and the
    /// code could never be assigned; a long name keeps ignoring its short
    /// words ("Key elements" is not assigned for "key").
    #[test]
    fn keyword_baseline_closes_upward_and_reads_short_names() {
        let cb = parse_codebook(
            "codes:\n\
             - id: obstacles\n  name: Obstacles for public servants\n  definition: o\n\
             - id: law\n  name: Law\n  parent: obstacles\n  definition: l\n\
             - id: people\n  name: People\n  parent: obstacles\n  definition: p\n\
             - id: key_elements\n  name: Key elements\n  definition: k\n",
            "t",
            CodebookFormat::Yaml,
        )
        .unwrap();
        assert_eq!(
            keyword_predict(&cb, "Most people never asked."),
            [true, false, true, false]
        );
        assert_eq!(
            keyword_predict(&cb, "The law forbids it."),
            [true, true, false, false]
        );
        // Whole words: "lawn" and "flaw" are no law.
        assert_eq!(
            keyword_predict(&cb, "A flaw in the lawn."),
            [false, false, false, false]
        );
        assert_eq!(
            keyword_predict(&cb, "The key question."),
            [false, false, false, false]
        );
        // A category above a child is not assigned (it is never coded).
        let mut category = cb.clone();
        category.codes[0].codable = false;
        assert_eq!(
            keyword_predict(&category, "The law forbids it."),
            [false, true, false, false]
        );
    }

    /// h15/04: the annotators' codes are closed upward before their kappa,
    /// as the gold's: a parent's human kappa is on the labels its model
    /// kappa is scored on. Annotator 1 codes the children A and B, 2 codes
    /// the parent P directly or a child: they agree on P on every item.
    #[test]
    fn human_kappa_of_a_parent_reads_its_childrens_codings() {
        let cb = parse_codebook(
            "codes:\n- id: P\n  definition: p\n- id: A\n  parent: P\n  definition: a\n\
             - id: B\n  parent: P\n  definition: b\n",
            "t",
            CodebookFormat::Yaml,
        )
        .unwrap();
        let item = |one: &[&str], two: &[&str]| GoldItem {
            annotator_labels: Some(BTreeMap::from([
                ("1".to_string(), one.iter().map(|l| l.to_string()).collect()),
                ("2".to_string(), two.iter().map(|l| l.to_string()).collect()),
            ])),
            ..GoldItem::default()
        };
        let items = vec![
            item(&["A"], &["P"]),
            item(&["B"], &["A"]),
            item(&["A"], &["A"]),
            item(&[], &[]),
            item(&[], &[]),
        ];
        let k = human_pairwise_kappa(&cb, &items);
        assert_eq!(k["P"], 1.0);
        // A: both on item 3, 1 only on item 1, 2 only on item 2, neither
        // on 4 and 5: p_o = 3/5, p_e = (2/5)² + (3/5)² = 13/25; κ = 1/6.
        assert!((k["A"] - 1.0 / 6.0).abs() < 1e-12, "{}", k["A"]);
    }

    /// h15/01: `--per-code N` trains on a fair sample of the training
    /// side, a seeded prefix of it, not on the codes' positives alone: a
    /// limit no code reaches is no limit, and the uncoded items keep
    /// their share (here 12 of 20; none were kept before).
    #[test]
    fn per_code_limit_keeps_the_uncoded_items_share() {
        let cb = parse_codebook(
            "codes:\n- id: A\n  definition: a\n- id: B\n  definition: b\n",
            "t",
            CodebookFormat::Yaml,
        )
        .unwrap();
        let items: Vec<GoldItem> = (0..20)
            .map(|i| GoldItem {
                id: i.to_string(),
                labels: match i % 5 {
                    0 => BTreeSet::from(["A".to_string()]),
                    1 => BTreeSet::from(["B".to_string()]),
                    _ => BTreeSet::new(),
                },
                ..GoldItem::default()
            })
            .collect();
        let refs: Vec<&GoldItem> = items.iter().collect();
        let idx: Vec<usize> = (0..20).collect();
        // Two codes: 10 per code is the whole part, and so is more.
        assert_eq!(limit_per_code(&cb, &refs, &idx, 10, 7), idx);
        assert_eq!(limit_per_code(&cb, &refs, &idx, 100, 7), idx);
        let (mut kept, mut uncoded) = (0, 0);
        for seed in 0..400 {
            let train = limit_per_code(&cb, &refs, &idx, 3, seed);
            // 3 per code, 2 codes: 6 items, rising, each once.
            assert_eq!(train.len(), 6, "seed {seed}");
            assert!(train.windows(2).all(|w| w[0] < w[1]), "seed {seed}");
            kept += train.len();
            uncoded += train
                .iter()
                .filter(|&&i| items[i].labels.is_empty())
                .count();
        }
        let share = uncoded as f64 / kept as f64;
        // A random sample: 0.6 of the items are uncoded, as in the part.
        assert!((0.55..0.65).contains(&share), "uncoded share {share}");
        // Seeded: the same seed, the same sample; another, another.
        assert_eq!(
            limit_per_code(&cb, &refs, &idx, 3, 1),
            limit_per_code(&cb, &refs, &idx, 3, 1)
        );
        assert_ne!(
            limit_per_code(&cb, &refs, &idx, 3, 1),
            limit_per_code(&cb, &refs, &idx, 3, 2)
        );
    }

    fn keyword_items() -> (Codebook, Vec<GoldItem>) {
        let cb = parse_codebook("codes:\n- id: privacy\n  name: Privacy\n  definition: a\n- id: trust\n  name: Trust\n  definition: b\n- id: weather\n  name: Weather\n  definition: c\n", "t", CodebookFormat::Yaml).unwrap();
        let item = |i: usize, text: &str, labels: &[&str]| GoldItem {
            id: format!("i{i}"),
            doc: Some(format!("d{}", i % 4)),
            speaker: None,
            text: text.to_string(),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            annotator_labels: None,
            turn: None,
            question: None,
        };
        let items = (0..8)
            .map(|i| match i % 4 {
                0 => item(i, "my privacy matters", &["privacy"]),
                1 => item(i, "I trust the council", &["trust"]),
                2 => item(i, "privacy and trust both", &["privacy"]),
                _ => item(i, "nothing to say", &[]),
            })
            .collect();
        (cb, items)
    }

    /// The keyword baseline cross-validated on [`keyword_items`] in `folds`.
    fn keyword_cv(folds: usize) -> Result<EvalReport, ClassifyError> {
        let (cb, items) = keyword_items();
        let refs: Vec<&GoldItem> = items.iter().collect();
        let protos = vec![Vec::new(); cb.codes.len()];
        let emb: Vec<&[f32]> = vec![&[]; items.len()];
        let opts = EvalOptions {
            folds,
            ..EvalOptions::default()
        };
        let none = TrainingSet::default();
        cross_validate(
            &cb,
            &protos,
            &none,
            &refs,
            &emb,
            &[],
            &Predictor::Keyword,
            &opts,
        )
    }

    /// A category (a code not codable, hw/01) is never coded, and so not
    /// scored: the report is the one of the codebook without it.
    #[test]
    fn a_category_is_not_scored() {
        let (cb, items) = keyword_items();
        let refs: Vec<&GoldItem> = items.iter().collect();
        let emb: Vec<&[f32]> = vec![&[]; items.len()];
        let opts = EvalOptions {
            folds: 2,
            ..EvalOptions::default()
        };
        let cv = |cb: &Codebook| {
            let protos = vec![Vec::new(); cb.codes.len()];
            let none = TrainingSet::default();
            cross_validate(
                cb,
                &protos,
                &none,
                &refs,
                &emb,
                &[],
                &Predictor::Keyword,
                &opts,
            )
            .unwrap()
        };
        let mut category = cb.clone();
        category.codes[2].codable = false;
        let mut without = cb.clone();
        without.codes.pop();
        let (a, b) = (cv(&category), cv(&without));
        assert_eq!(a.per_code.keys().collect::<Vec<_>>(), ["privacy", "trust"]);
        assert_eq!(a.per_code, b.per_code);
        assert_eq!(a.macro_f1, b.macro_f1);
        assert_eq!(a.kappa_undefined, b.kappa_undefined);
        assert!(a.item_probabilities.iter().all(|p| p[2] == 0.0));
        assert!(keyword_predict(&category, "the weather was fine") == [false, false, false]);
        assert_eq!(
            keyword_predict(&cb, "the weather was fine"),
            [false, false, true]
        );
    }

    /// Issue #13 bug 3: `--folds 0` panicked (index out of bounds) in
    /// `group_folds`; the options are refused first, naming the field.
    #[test]
    fn zero_folds_is_an_error_not_a_panic() {
        for folds in [0, 1] {
            let err = keyword_cv(folds).unwrap_err();
            assert!(
                matches!(err, ClassifyError::Param { field: "folds", .. }),
                "{err}"
            );
            assert!(err.to_string().contains("folds"), "{err}");
        }
        assert!(keyword_cv(2).is_ok());
    }

    #[test]
    fn options_check_names_the_field() {
        let field = |o: EvalOptions| match o.check() {
            Err(ClassifyError::Param { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let d = EvalOptions::default;
        for band in [
            (0.5, 0.5),
            (0.7, 0.3),
            (-0.1, 0.5),
            (0.2, 1.5),
            (f64::NAN, 0.5),
        ] {
            assert_eq!(
                field(EvalOptions {
                    review_band: band,
                    ..d()
                }),
                "review_band"
            );
        }
        assert_eq!(
            field(EvalOptions {
                per_code_limit: Some(0),
                ..d()
            }),
            "per_code_limit"
        );
        assert!(d().check().is_ok());
        assert!(EvalOptions {
            review_band: (0.0, 1.0),
            per_code_limit: Some(1),
            folds: 2,
            ..d()
        }
        .check()
        .is_ok());
        // The classifier's parameters are checked before any fold runs.
        let (cb, items) = keyword_items();
        let refs: Vec<&GoldItem> = items.iter().collect();
        let bad = Predictor::Classifier(ClassifierParams {
            min_positives: 0,
            ..ClassifierParams::default()
        });
        let err = cross_validate(
            &cb,
            &[],
            &TrainingSet::default(),
            &refs,
            &[],
            &[],
            &bad,
            &d(),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                ClassifyError::Param {
                    field: "min_positives",
                    ..
                }
            ),
            "{err}"
        );
    }

    /// A code neither the gold nor the predictions ever use has no kappa:
    /// it is null in its row and left out of the mean, and counted.
    #[test]
    fn undefined_kappa_is_skipped_and_counted() {
        let r = keyword_cv(2).unwrap();
        assert_eq!(r.per_code["weather"].kappa, None);
        assert_eq!(r.kappa_undefined, 1);
        let defined = [
            r.per_code["privacy"].kappa.unwrap(),
            r.per_code["trust"].kappa.unwrap(),
        ];
        let mean = r.mean_kappa.unwrap();
        assert!(
            (mean - (defined[0] + defined[1]) / 2.0).abs() < 1e-12,
            "{mean}"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert!(json["per_code"]["weather"]["kappa"].is_null());
    }
}
