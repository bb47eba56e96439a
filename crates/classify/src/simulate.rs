//! The simulated reviewer of `autocode eval code --simulate-review`: start
//! from the codebook alone, review the queue's next items (answered from
//! gold), retrain, repeat; score on held-out documents after so many
//! reviewed items per code, against the same loop reviewing random items.
//!
//! Protocol, per seed: the documents (as the cross-validation's folds
//! group them: [`crate::eval::fold_groups`], by item with
//! [`SimulationOptions::by_item`]) are split into `folds` groups
//! ([`group_folds`], seeded); group 0 is the test set, never reviewed, never
//! in the corpus; the others are the pool the reviewer works through and the
//! unlabelled corpus the zero-shot fallback draws pseudo-labels from. A
//! reviewed item is answered completely (its gold codes: accept, reject and
//! add as a reviewer would), so it is a labelled row for every code.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::active::{items_in_order, queue_order, QueueEntry, QueueParams, QueueVectors};
use crate::codebook::Codebook;
use crate::eval::{labels_of, report, EvalOptions, GoldItem};
use crate::model::{
    group_folds, Classifier, ClassifyError, Context, Label, SplitMix, TrainingSet,
    ValidClassifierParams,
};
use crate::zeroshot::{fit_with_corpus, pseudo_labelled, PseudoLabelParams};

/// The most seeds (splits) one simulation runs: [`SimulationOptions`].
pub const MAX_SEEDS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationOptions {
    /// Checkpoints: reviewed items per code (total = step × codes).
    pub per_code_steps: Vec<usize>,
    /// Repetitions, each with its own document split and random order.
    pub seeds: usize,
    /// Items reviewed between two retrainings.
    pub batch: usize,
    /// 1/folds of the documents are held out for scoring.
    pub folds: usize,
    /// Held out item by item rather than by document (`eval code
    /// --group-by id`), as the cross-validation's folds are
    /// ([`crate::eval::fold_groups`]).
    #[serde(default)]
    pub by_item: bool,
    /// First seed; the others follow it.
    pub seed: u64,
    pub queue: QueueParams,
    pub pseudo: PseudoLabelParams,
    /// The queue lists suggestions with at least this probability (the
    /// review page's candidate floor) and, below it, nothing.
    pub candidate_floor: f64,
    /// Keep each order's reviewed items per checkpoint and seed in
    /// [`SimulationReport::picks`], so that another learner can be trained
    /// on the same reviews.
    #[serde(default)]
    pub record_picks: bool,
}

impl Default for SimulationOptions {
    fn default() -> Self {
        SimulationOptions {
            per_code_steps: vec![5, 10, 25, 50, 100],
            seeds: 5,
            batch: 50,
            folds: 5,
            by_item: false,
            seed: 42,
            queue: QueueParams::default(),
            pseudo: PseudoLabelParams::default(),
            candidate_floor: 0.2,
            record_picks: false,
        }
    }
}

impl SimulationOptions {
    /// Every value in range, or an error naming the first field that is not.
    pub fn check(&self) -> Result<(), ClassifyError> {
        let bad = |field: &'static str, reason: String| Err(ClassifyError::Param { field, reason });
        if self.per_code_steps.is_empty() || self.per_code_steps.contains(&0) {
            return bad(
                "per_code_steps",
                "give at least one step, each at least 1".into(),
            );
        }
        // The loop reviews up to each step in turn: a step below the one
        // before it was printed with the figures of the larger one.
        if self.per_code_steps.windows(2).any(|w| w[0] >= w[1]) {
            return bad(
                "per_code_steps",
                format!(
                    "steps go up, each once (e.g. 5,10,25), got {}",
                    self.per_code_steps
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            );
        }
        // Each seed is a whole simulation (minutes): a typo's u64::MAX ran
        // with no progress until killed.
        if !(1..=MAX_SEEDS).contains(&self.seeds) {
            return bad(
                "seeds",
                format!("must be in 1..={MAX_SEEDS}, got {}", self.seeds),
            );
        }
        if self.batch == 0 {
            return bad("batch", "must be at least 1".into());
        }
        if self.folds < 2 {
            return bad("folds", format!("must be at least 2, got {}", self.folds));
        }
        self.pseudo.check()
    }
}

/// One checkpoint of one order, over the seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationRow {
    /// "queue" or "random".
    pub order: String,
    /// Reviewed items per code (0: the codebook alone).
    pub per_code: usize,
    /// Reviewed items in all, per seed.
    pub reviewed: Vec<usize>,
    /// Mean kappa on the held-out documents, per seed.
    pub kappa: Vec<f64>,
    pub macro_f1: Vec<f64>,
    /// Codes trained on human labels (not the zero-shot fallback), per seed.
    pub supervised_codes: Vec<usize>,
    /// Per code id, its kappa on the held-out documents, per seed (`None`
    /// where undefined): where an order gains or loses.
    #[serde(default)]
    pub code_kappa: BTreeMap<String, Vec<Option<f64>>>,
    /// Per code id, the reviewed items that have it, per seed: the
    /// positives an order found.
    #[serde(default)]
    pub code_positives: BTreeMap<String, Vec<usize>>,
    /// Per code id, its precision and recall on the held-out documents,
    /// per seed: whether an order's trained model over- or under-codes.
    #[serde(default)]
    pub code_precision: BTreeMap<String, Vec<f64>>,
    #[serde(default)]
    pub code_recall: BTreeMap<String, Vec<f64>>,
}

/// One checkpoint of one seed.
struct Score {
    kappa: f64,
    macro_f1: f64,
    supervised: usize,
    code_kappa: Vec<Option<f64>>,
    code_precision: Vec<f64>,
    code_recall: Vec<f64>,
}

/// What one order had reviewed at one checkpoint of one seed, by gold id,
/// and the held-out items it was scored on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationPicks {
    pub seed: u64,
    /// "queue" or "random".
    pub order: String,
    pub per_code: usize,
    /// The held-out items, in gold order (the same for both orders).
    pub test: Vec<String>,
    /// The reviewed items, in the order they were reviewed.
    pub reviewed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationReport {
    pub items: usize,
    pub codes: usize,
    pub folds: usize,
    /// What the held-out part is drawn by: "document", "speaker" (within a
    /// document) or "item" ([`crate::eval::fold_groups`]).
    #[serde(default)]
    pub grouped_by: String,
    pub seeds: usize,
    pub batch: usize,
    pub queue: String,
    pub rows: Vec<SimulationRow>,
    /// Each order's reviewed items per checkpoint and seed, where
    /// [`SimulationOptions::record_picks`] asked for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub picks: Vec<SimulationPicks>,
}

/// Mean, min and max of `v` (0 when empty).
pub fn spread(v: &[f64]) -> (f64, f64, f64) {
    if v.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (mean, lo, hi)
}

/// Mean and standard error of the paired differences `a[i] − b[i]`: the
/// queue's lead over random review on the same splits, and how far the
/// seeds pin it down. The standard error is the sample standard deviation
/// (n − 1 denominator) over √n; `None` with fewer than two pairs. The
/// per-seed leads on OPP-115 dev vary by about ±0.05 κ, so ten seeds fix
/// a mean lead only to about ±0.017 (docs/benchmarks.md, "Thirty more
/// splits"): the error says whether a lead is more than the choice of splits.
pub fn paired_difference(a: &[f64], b: &[f64]) -> Option<(f64, f64)> {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    if d.len() < 2 {
        return None;
    }
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some((mean, (var / n).sqrt()))
}

struct Split<'a> {
    cb: &'a Codebook,
    prototypes: &'a [Vec<Vec<f32>>],
    written: &'a TrainingSet<'a>,
    items: &'a [&'a GoldItem],
    embeddings: &'a [&'a [f32]],
    /// Each item's neighbours in its document ([`crate::context`]).
    context: &'a [Context<'a>],
    params: &'a ValidClassifierParams,
    pool: Vec<usize>,
    test: Vec<usize>,
    corpus: TrainingSet<'a>,
}

impl Split<'_> {
    fn group(&self, i: usize) -> String {
        let it = self.items[i];
        it.doc.clone().unwrap_or_else(|| it.id.clone())
    }

    /// The classifier after reviewing `reviewed` (indices into `items`),
    /// trained on the codebook's own rows and the reviewed ones, as
    /// `autocode code` is.
    fn fit(&self, reviewed: &[usize]) -> Result<Classifier, ClassifyError> {
        let mut human = self.written.clone();
        human.context = (0..self.written.embeddings.len())
            .map(|i| self.written.context_of(i))
            .collect();
        for &i in reviewed {
            human.context.push(self.context[i]);
            human.embeddings.push(self.embeddings[i]);
            human.texts.push(self.items[i].text.as_str());
            human.labels.push(labels_of(self.cb, self.items[i]));
            human.groups.push(self.group(i));
        }
        fit_with_corpus(self.params, self.cb, self.prototypes, &human, &self.corpus)
    }

    fn predict(
        &self,
        clf: &Classifier,
        idx: &[usize],
    ) -> Result<crate::model::Predictions, ClassifyError> {
        let emb: Vec<&[f32]> = idx.iter().map(|&i| self.embeddings[i]).collect();
        let texts: Vec<&str> = idx.iter().map(|&i| self.items[i].text.as_str()).collect();
        let ctx: Vec<Context> = idx.iter().map(|&i| self.context[i]).collect();
        clf.predict_in_context(&emb, Some(&texts), &ctx)
    }

    /// Kappas, macro-F1 and supervised codes on the test documents.
    fn score(&self, clf: &Classifier) -> Result<Score, ClassifyError> {
        let p = self.predict(clf, &self.test)?;
        let test: Vec<&GoldItem> = self.test.iter().map(|&i| self.items[i]).collect();
        let models = vec![BTreeMap::new(); self.cb.codes.len()];
        let r = report(
            self.cb,
            &test,
            &p.probabilities,
            &p.assigned,
            BTreeMap::new(),
            models,
            String::new(),
            1,
            &EvalOptions::default(),
        );
        let supervised = clf
            .codes
            .iter()
            .filter(|c| c.is_supervised() && !c.pseudo_labelled)
            .count();
        Ok(Score {
            kappa: r.mean_kappa.unwrap_or(0.0),
            macro_f1: r.macro_f1,
            supervised,
            code_kappa: self
                .cb
                .codes
                .iter()
                .map(|c| r.per_code.get(&c.id).and_then(|x| x.kappa))
                .collect(),
            code_precision: self
                .cb
                .codes
                .iter()
                .map(|c| r.per_code.get(&c.id).map_or(0.0, |x| x.precision))
                .collect(),
            code_recall: self
                .cb
                .codes
                .iter()
                .map(|c| r.per_code.get(&c.id).map_or(0.0, |x| x.recall))
                .collect(),
        })
    }
}

/// Runs the simulation (see the module's protocol). `params` is the
/// classifier the review decisions train (`min_positives` decides the
/// fallback); `prototypes[c]` are code c's embedded prototype texts;
/// `written` the codebook's own rows ([`crate::codebook_rows`], embedded,
/// group [`crate::CODEBOOK_GROUP`]), trained on beside every review.
#[allow(clippy::too_many_arguments)]
pub fn simulate_review(
    cb: &Codebook,
    prototypes: &[Vec<Vec<f32>>],
    written: &TrainingSet<'_>,
    items: &[&GoldItem],
    embeddings: &[&[f32]],
    questions: &[Option<&[f32]>],
    params: &ValidClassifierParams,
    opts: &SimulationOptions,
) -> Result<SimulationReport, ClassifyError> {
    opts.check()?;
    let k = cb.codes.len();
    // Held out as the cross-validation's folds are: `--group-by id` was
    // ignored here and the split made by speaker (h15/07).
    let (groups, grouped_by) = crate::eval::fold_groups(items, opts.folds, opts.by_item)?;
    // The pseudo-labels' groups: the folds' (a document, a survey's
    // respondent), but each item's document where the folds split
    // documents, as the cross-validation's learner reads it.
    let learner_groups: Vec<String> = if opts.by_item {
        items
            .iter()
            .map(|it| it.doc.clone().unwrap_or_else(|| it.id.clone()))
            .collect()
    } else {
        groups.clone()
    };
    let context = crate::context::gold_contexts(items, embeddings, questions);
    let mut rows: Vec<SimulationRow> = Vec::new();
    let mut picks: Vec<SimulationPicks> = Vec::new();
    let mut row = |order: &str, per_code: usize, reviewed: &[usize], s: &Score| {
        let i = match rows
            .iter()
            .position(|r| r.order == order && r.per_code == per_code)
        {
            Some(i) => i,
            None => {
                rows.push(SimulationRow {
                    order: order.into(),
                    per_code,
                    reviewed: Vec::new(),
                    kappa: Vec::new(),
                    macro_f1: Vec::new(),
                    supervised_codes: Vec::new(),
                    code_kappa: BTreeMap::new(),
                    code_positives: BTreeMap::new(),
                    code_precision: BTreeMap::new(),
                    code_recall: BTreeMap::new(),
                });
                rows.len() - 1
            }
        };
        let r = &mut rows[i];
        r.reviewed.push(reviewed.len());
        r.kappa.push(s.kappa);
        r.macro_f1.push(s.macro_f1);
        r.supervised_codes.push(s.supervised);
        let mut found = vec![0usize; cb.codes.len()];
        for &i in reviewed {
            for (n, l) in found.iter_mut().zip(labels_of(cb, items[i])) {
                *n += usize::from(l == Label::Yes);
            }
        }
        for (c, (code, found)) in cb.codes.iter().zip(found).enumerate() {
            let id = &code.id;
            r.code_kappa
                .entry(id.clone())
                .or_default()
                .push(s.code_kappa[c]);
            r.code_positives.entry(id.clone()).or_default().push(found);
            r.code_precision
                .entry(id.clone())
                .or_default()
                .push(s.code_precision[c]);
            r.code_recall
                .entry(id.clone())
                .or_default()
                .push(s.code_recall[c]);
        }
    };
    for s in 0..opts.seeds as u64 {
        let seed = opts.seed.wrapping_add(s);
        let fold = group_folds(&groups, opts.folds, seed);
        let pool: Vec<usize> = (0..items.len()).filter(|&i| fold[i] != 0).collect();
        let test: Vec<usize> = (0..items.len()).filter(|&i| fold[i] == 0).collect();
        let pool_context: Vec<Context> = pool.iter().map(|&i| context[i]).collect();
        let corpus = pseudo_labelled(
            cb,
            prototypes,
            &pool.iter().map(|&i| embeddings[i]).collect::<Vec<_>>(),
            &pool
                .iter()
                .map(|&i| items[i].text.as_str())
                .collect::<Vec<_>>(),
            &pool
                .iter()
                .map(|&i| learner_groups[i].clone())
                .collect::<Vec<_>>(),
            &pool_context,
            &opts.pseudo,
        );
        let split = Split {
            cb,
            prototypes,
            written,
            items,
            embeddings,
            context: &context,
            params,
            pool,
            test,
            corpus,
        };
        // The page samples a code's suggestions with seed 0; each split
        // draws its own sample so that the splits do not share one.
        let queue = QueueParams {
            seed,
            ..opts.queue.clone()
        };
        let start = split.fit(&[])?;
        let zero = split.score(&start)?;
        let mut rng = SplitMix(seed ^ 0x005E_ED0F_AC71);
        let mut random: Vec<(u64, usize)> =
            split.pool.iter().map(|&i| (rng.next_u64(), i)).collect();
        random.sort();
        for order in ["queue", "random"] {
            row(order, 0, &[], &zero);
            let mut clf = start.clone();
            let mut reviewed: Vec<usize> = Vec::new();
            let mut done = vec![false; items.len()];
            for &step in &opts.per_code_steps {
                let target = (step * k).min(split.pool.len());
                while reviewed.len() < target {
                    let want = opts.batch.min(target - reviewed.len());
                    let mut next: Vec<usize> = if order == "random" {
                        random
                            .iter()
                            .map(|&(_, i)| i)
                            .filter(|&i| !done[i])
                            .take(want)
                            .collect()
                    } else {
                        let open: Vec<usize> =
                            split.pool.iter().copied().filter(|&i| !done[i]).collect();
                        let p = split.predict(&clf, &open)?;
                        let mut entries = Vec::new();
                        for (j, &i) in open.iter().enumerate() {
                            for (c, code) in cb.codes.iter().enumerate() {
                                let pr = p.probabilities[j][c] as f64;
                                if pr >= opts.candidate_floor || p.assigned[j][c] {
                                    entries.push(QueueEntry {
                                        item: i as i64,
                                        code: code.id.clone(),
                                        probability: pr,
                                    });
                                }
                            }
                        }
                        let mut positives: BTreeMap<String, usize> = BTreeMap::new();
                        for &i in &reviewed {
                            for l in &items[i].labels {
                                *positives.entry(l.clone()).or_default() += 1;
                            }
                        }
                        let vectors = QueueVectors {
                            items: open.iter().map(|&i| (i as i64, embeddings[i])).collect(),
                            reviewed: reviewed.iter().map(|&i| embeddings[i]).collect(),
                        };
                        let queue = QueueParams {
                            lead: Some(want),
                            ..queue.clone()
                        };
                        let order = queue_order(&entries, &positives, Some(&vectors), &queue);
                        items_in_order(&entries, &order)
                            .into_iter()
                            .map(|i| i as usize)
                            .take(want)
                            .collect()
                    };
                    // An empty queue: the reviewer reads on in document order.
                    if next.len() < want {
                        let have: BTreeSet<usize> = next.iter().copied().collect();
                        let more: Vec<usize> = split
                            .pool
                            .iter()
                            .copied()
                            .filter(|&i| !done[i] && !have.contains(&i))
                            .take(want - next.len())
                            .collect();
                        next.extend(more);
                    }
                    if next.is_empty() {
                        break;
                    }
                    for &i in &next {
                        done[i] = true;
                    }
                    reviewed.extend(next);
                    clf = split.fit(&reviewed)?;
                }
                if opts.record_picks {
                    let ids = |v: &[usize]| v.iter().map(|&i| items[i].id.clone()).collect();
                    picks.push(SimulationPicks {
                        seed,
                        order: order.into(),
                        per_code: step,
                        test: ids(&split.test),
                        reviewed: ids(&reviewed),
                    });
                }
                row(order, step, &reviewed, &split.score(&clf)?);
            }
        }
    }
    Ok(SimulationReport {
        items: items.len(),
        codes: k,
        folds: opts.folds,
        grouped_by: grouped_by.to_string(),
        seeds: opts.seeds,
        batch: opts.batch,
        queue: opts.queue.strategy.to_string(),
        rows,
        picks,
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn steps_must_go_up_each_once() {
        let with = |steps: &[usize]| SimulationOptions {
            per_code_steps: steps.to_vec(),
            ..SimulationOptions::default()
        };
        assert!(with(&[5, 10, 25]).check().is_ok());
        for bad in [&[][..], &[0, 5], &[10, 5], &[5, 5]] {
            let err = with(bad).check().unwrap_err().to_string();
            assert!(err.contains("per_code_steps"), "{bad:?}: {err}");
        }
    }
    use super::*;

    /// h15/07: `--group-by id` holds out items, not whole documents, as
    /// the cross-validation's folds do with it; the report says which.
    #[test]
    fn the_held_out_part_is_drawn_as_the_folds_are_grouped() {
        let cb = crate::codebook::parse_codebook(
            "codes:\n- id: A\n  definition: a\n- id: B\n  definition: b\n",
            "t",
            crate::codebook::CodebookFormat::Yaml,
        )
        .unwrap();
        let items: Vec<GoldItem> = (0..24)
            .map(|i| GoldItem {
                id: format!("i{i}"),
                doc: Some(format!("d{}", i % 4)),
                speaker: Some(format!("R{}", i % 4)),
                text: format!("sentence {i}"),
                labels: BTreeSet::from([if i % 2 == 0 { "A" } else { "B" }.to_string()]),
                ..GoldItem::default()
            })
            .collect();
        let refs: Vec<&GoldItem> = items.iter().collect();
        let vectors: Vec<Vec<f32>> = (0..24)
            .map(|i| {
                let a = i as f32 * 0.7;
                vec![a.cos(), a.sin(), if i % 2 == 0 { 1.0 } else { -1.0 }]
            })
            .collect();
        let emb: Vec<&[f32]> = vectors.iter().map(Vec::as_slice).collect();
        let prototypes = vec![vec![vec![0.0, 0.0, 1.0]], vec![vec![0.0, 0.0, -1.0]]];
        let params = crate::model::ClassifierParams::default().check().unwrap();
        let run = |by_item: bool| {
            let opts = SimulationOptions {
                per_code_steps: vec![2],
                seeds: 1,
                batch: 4,
                folds: 2,
                by_item,
                record_picks: true,
                ..SimulationOptions::default()
            };
            simulate_review(
                &cb,
                &prototypes,
                &TrainingSet::default(),
                &refs,
                &emb,
                &[],
                &params,
                &opts,
            )
            .unwrap()
        };
        // The documents held out: 2 of 4 documents, every item of them.
        let docs_held_out = |r: &SimulationReport| -> BTreeMap<String, usize> {
            let mut n = BTreeMap::new();
            for id in &r.picks[0].test {
                let it = items.iter().find(|it| &it.id == id).unwrap();
                *n.entry(it.doc.clone().unwrap()).or_default() += 1;
            }
            n
        };
        let by_document = run(false);
        assert_eq!(by_document.grouped_by, "document");
        assert!(docs_held_out(&by_document).values().all(|&n| n == 6));
        let by_item = run(true);
        assert_eq!(by_item.grouped_by, "item");
        let held = docs_held_out(&by_item);
        assert_eq!(held.values().sum::<usize>(), 12);
        assert!(held.values().any(|&n| n < 6), "{held:?}");
    }

    #[test]
    fn paired_difference_matches_pythons_statistics() {
        // Python: d = [0.1, 0, 0.2, 0.3]; statistics.mean(d) = 0.15,
        // statistics.stdev(d) / 2 = 0.06454972243679029.
        let a = [0.5, 0.6, 0.7, 0.9];
        let b = [0.4, 0.6, 0.5, 0.6];
        let (mean, se) = paired_difference(&a, &b).unwrap();
        assert!((mean - 0.15).abs() < 1e-12, "{mean}");
        assert!((se - 0.06454972243679029).abs() < 1e-12, "{se}");
        assert_eq!(paired_difference(&[0.5], &[0.4]), None);
        // Equal leads on every seed: no error.
        assert_eq!(
            paired_difference(&[1.5, 2.5], &[1.0, 2.0]).unwrap(),
            (0.5, 0.0)
        );
    }
}
