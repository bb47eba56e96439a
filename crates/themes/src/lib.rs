//! Inductive theme suggestion: cluster sentence embeddings into reviewable
//! themes, the BERTopic recipe (UMAP → HDBSCAN → c-TF-IDF) made to scale and
//! to repeat exactly.
//!
//! linfa-style: [`ThemeParams`] (validated by [`ThemeParams::check`]) →
//! [`ValidThemeParams::fit`] on a [`Dataset`] → [`FittedThemes`], which can
//! [`FittedThemes::predict`] new vectors. [`describe`] turns a fit into
//! [`ThemeSuggestion`]s (keywords, quotes, sizes, nearest code).
//!
//! Scaling: the expensive steps (exact k-NN graph, UMAP layout, HDBSCAN) run on
//! a seeded sample of at most `sample_cap` sentences; every sentence HDBSCAN
//! did not place (outside the sample, or sampled and called noise) is
//! assigned to the nearest theme centroid in the original embedding space when
//! it is at least as similar as the theme's own sampled members typically are
//! (its 5th-percentile member similarity), otherwise it stays an outlier. That
//! keeps time and memory linear in the corpus beyond the sample, and makes
//! membership one rule whether or not a sentence was sampled.
//!
//! Determinism: rows are put in key order before any randomised step, every
//! random choice comes from a ChaCha RNG seeded by `seed`, and the layout SGD
//! is single-threaded; so the same rows and seed give the same themes in any
//! input order.

mod gemm;
pub mod keywords;
pub mod knn;
pub mod metrics;
mod pca;
pub mod phrases;
pub mod quotes;
pub mod spoken;
pub mod suggest;
pub mod umap;
pub mod update;

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

pub use spoken::{SpokenParams, SpokenRule};
pub use suggest::{describe, CodeVector, Quote, SegmentInfo, ThemeSuggestion};
pub use update::{PriorFit, PriorTheme};

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("invalid theme parameter {name}: {reason}")]
    Param { name: &'static str, reason: String },
    #[error("row {row}: {reason}")]
    Row { row: usize, reason: String },
    #[error("{0}")]
    Data(String),
    #[error("clustering failed: {0}")]
    Hdbscan(String),
    #[error("theme {0} of the earlier fit has no sentences left; refit")]
    LeafEmptied(usize),
}

pub type Result<T> = std::result::Result<T, ThemeError>;

/// Clustering parameters; defaults follow BERTopic where it has one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeParams {
    pub seed: u64,
    /// Smallest theme, in sentences (BERTopic's `min_topic_size`, 10).
    pub min_size: usize,
    /// Closest themes are merged until at most this many remain.
    pub max_themes: usize,
    /// Assign outliers to the nearest theme when cosine similarity ≥ this.
    pub reassign_outliers: Option<f32>,
    /// k of the k-NN graph (UMAP `n_neighbors`, 15).
    pub n_neighbors: usize,
    /// UMAP output dimensions (5).
    pub n_components: usize,
    /// Sentences clustered directly; the rest are assigned to centroids.
    pub sample_cap: usize,
    /// Extra layout seeds used to score stability.
    pub stability_runs: usize,
    /// UMAP epochs; `None` = umap-learn's default (500 up to 10k points, else 200).
    pub epochs: Option<usize>,
}

impl Default for ThemeParams {
    fn default() -> Self {
        ThemeParams {
            seed: 42,
            min_size: 10,
            max_themes: 40,
            reassign_outliers: None,
            n_neighbors: 15,
            n_components: 5,
            sample_cap: 20_000,
            stability_runs: 2,
            epochs: None,
        }
    }
}

/// Parameters that passed [`ThemeParams::check`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidThemeParams(ThemeParams);

impl ThemeParams {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn seed(mut self, v: u64) -> Self {
        self.seed = v;
        self
    }
    pub fn min_size(mut self, v: usize) -> Self {
        self.min_size = v;
        self
    }
    pub fn max_themes(mut self, v: usize) -> Self {
        self.max_themes = v;
        self
    }
    pub fn reassign_outliers(mut self, v: Option<f32>) -> Self {
        self.reassign_outliers = v;
        self
    }
    pub fn n_neighbors(mut self, v: usize) -> Self {
        self.n_neighbors = v;
        self
    }
    pub fn n_components(mut self, v: usize) -> Self {
        self.n_components = v;
        self
    }
    pub fn sample_cap(mut self, v: usize) -> Self {
        self.sample_cap = v;
        self
    }
    pub fn stability_runs(mut self, v: usize) -> Self {
        self.stability_runs = v;
        self
    }
    pub fn epochs(mut self, v: Option<usize>) -> Self {
        self.epochs = v;
        self
    }

    pub fn check(self) -> Result<ValidThemeParams> {
        let bad = |name, reason: &str| {
            Err(ThemeError::Param {
                name,
                reason: reason.to_string(),
            })
        };
        if self.min_size < 2 {
            return bad("min_size", "must be at least 2");
        }
        if self.max_themes < 1 {
            return bad("max_themes", "must be at least 1");
        }
        if let Some(t) = self.reassign_outliers {
            if !(-1.0..=1.0).contains(&t) {
                return bad(
                    "reassign_outliers",
                    "a cosine similarity threshold in [-1, 1]",
                );
            }
        }
        if !(2..=200).contains(&self.n_neighbors) {
            return bad("n_neighbors", "must be in 2..=200");
        }
        if !(1..=10).contains(&self.n_components) {
            return bad("n_components", "must be in 1..=10");
        }
        if self.sample_cap < 100 {
            return bad("sample_cap", "must be at least 100");
        }
        if self.epochs == Some(0) {
            return bad("epochs", "must be at least 1");
        }
        Ok(ValidThemeParams(self))
    }

    pub fn fit<K: Ord>(self, data: &Dataset<K>) -> Result<FittedThemes> {
        self.check()?.fit(data)
    }
}

impl std::ops::Deref for ValidThemeParams {
    type Target = ThemeParams;
    fn deref(&self) -> &ThemeParams {
        &self.0
    }
}

/// Rows of unit vectors, each with a stable key (e.g. text hash + position)
/// that fixes the processing order whatever order the rows arrive in.
pub struct Dataset<K> {
    keys: Vec<K>,
    dim: usize,
    data: Vec<f32>,
}

impl<K: Ord> Dataset<K> {
    /// `data` is row-major, `keys.len()` rows of `dim`; rows are L2-normalised here.
    pub fn new(keys: Vec<K>, mut data: Vec<f32>, dim: usize) -> Result<Self> {
        if dim == 0 || data.len() != keys.len() * dim {
            return Err(ThemeError::Data(format!(
                "{} values do not make {} rows of dimension {dim}",
                data.len(),
                keys.len()
            )));
        }
        for (row, v) in data.chunks_exact(dim).enumerate() {
            if v.iter().any(|x| !x.is_finite()) {
                return Err(ThemeError::Row {
                    row,
                    reason: "vector has a NaN or infinite value".into(),
                });
            }
            if v.iter().all(|&x| x == 0.0) {
                return Err(ThemeError::Row {
                    row,
                    reason: "vector is all zeros".into(),
                });
            }
        }
        normalise_rows(&mut data, dim);
        Ok(Dataset { keys, dim, data })
    }
}

impl<K> Dataset<K> {
    pub fn len(&self) -> usize {
        self.keys.len()
    }
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
    pub fn dim(&self) -> usize {
        self.dim
    }
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
    pub fn keys(&self) -> &[K] {
        &self.keys
    }
}

pub fn normalise_rows(data: &mut [f32], dim: usize) {
    for v in data.chunks_exact_mut(dim) {
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|x| *x /= norm);
        }
    }
}

/// One theme of a fit: a leaf (level 0) or a broader parent in the merge tree.
#[derive(Debug, Clone, Serialize)]
pub struct Theme {
    pub level: usize,
    /// Child theme indices (empty for leaves).
    pub children: Vec<usize>,
    pub parent: Option<usize>,
    /// Unit mean of the members' vectors.
    pub centroid: Vec<f32>,
    /// Member rows (dataset row indices) in key order, outliers reassigned.
    pub members: Vec<usize>,
    /// Mean cosine similarity of the members to the centroid.
    pub cohesion: f64,
    /// Mean best Jaccard overlap with the themes of re-runs on other seeds
    /// (parents: size-weighted mean of their children).
    pub stability: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FittedThemes {
    /// Leaf theme of every input row (input order), after outlier reassignment.
    pub labels: Vec<Option<usize>>,
    /// Leaf themes first (indices 0..n_leaves), then parents level by level.
    pub themes: Vec<Theme>,
    pub n_leaves: usize,
    /// Share of rows left unclustered by the clustering itself.
    pub outlier_share_clustered: f64,
    /// Share of rows left unclustered after reassignment (same when off).
    pub outlier_share: f64,
    pub sample_size: usize,
    /// Per leaf: the similarity a new vector needs to join it in `predict`.
    pub join_threshold: Vec<f32>,
}

impl FittedThemes {
    /// The leaf theme a new vector falls in: the most similar centroid, if the
    /// vector is as close to it as the theme's own members typically are.
    pub fn predict(&self, vector: &[f32]) -> Option<usize> {
        let mut v = vector.to_vec();
        let dim = v.len().max(1);
        normalise_rows(&mut v, dim);
        let (best, sim) = nearest(&self.themes[..self.n_leaves], &v)?;
        (sim >= self.join_threshold[best]).then_some(best)
    }
}

fn nearest(themes: &[Theme], v: &[f32]) -> Option<(usize, f32)> {
    let mut best: Option<(usize, f32)> = None;
    for (t, th) in themes.iter().enumerate() {
        let s = knn::dot(&th.centroid, v);
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((t, s));
        }
    }
    best
}

/// Result of clustering the sample once: themes as lists of sample positions.
struct SampleClusters {
    groups: Vec<Vec<usize>>,
}

impl ValidThemeParams {
    pub fn fit<K: Ord>(&self, ds: &Dataset<K>) -> Result<FittedThemes> {
        let n = ds.len();
        let dim = ds.dim;
        let all: &[f32] = &ds.data;
        let row = |r: usize| &all[r * dim..(r + 1) * dim];
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| ds.keys[a].cmp(&ds.keys[b]));
        let mut rank = vec![0usize; n];
        for (pos, &row) in order.iter().enumerate() {
            rank[row] = pos;
        }

        // The sample, as rows in key order.
        let sample: Vec<usize> = if n <= self.sample_cap {
            order.clone()
        } else {
            let mut pos: Vec<usize> = (0..n).collect();
            pos.shuffle(&mut ChaCha8Rng::seed_from_u64(self.seed));
            pos.truncate(self.sample_cap);
            pos.sort_unstable();
            pos.into_iter().map(|p| order[p]).collect()
        };
        let m = sample.len();
        let sample_data: Vec<f32> = sample.iter().flat_map(|&r| ds.row(r).to_vec()).collect();
        // A theme of `min_size` sentences has this many sample members.
        let sample_min = if m == n {
            self.min_size
        } else {
            ((self.min_size as f64 * m as f64 / n as f64).round() as usize).max(5)
        };

        let mut leaves: Vec<Vec<usize>> = Vec::new(); // rows
        let mut sample_groups: Vec<Vec<usize>> = Vec::new(); // sample positions
        let mut reruns: Vec<SampleClusters> = Vec::new();
        let clustered = m > sample_min.max(self.n_neighbors);
        if clustered {
            let knn = knn::exact_knn(&sample_data, dim, self.n_neighbors);
            let g = umap::fuzzy_graph(&knn, m);
            let init = umap::spectral_init(&g, self.n_components.min(dim), self.seed);
            // Each layout is single-threaded and seeded, so running them side
            // by side changes nothing in the result, only the wall time. One
            // OS thread per layout rather than rayon tasks: three layouts on
            // two cores as tasks run two, then one while a core idles; as
            // threads the scheduler shares both cores among all three (100k
            // synthetic bench: fit 10.0 s → 8.4 s).
            let mut runs = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..=self.stability_runs)
                    .map(|run| {
                        let seed = self.seed.wrapping_add(run as u64 * 0x517c_c1b7_2722_0a95);
                        let (g, init, sample_data) = (&g, &init, &sample_data);
                        scope.spawn(move || {
                            self.cluster_sample(g, init, sample_data, dim, sample_min, seed)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect::<Result<Vec<SampleClusters>>>()
            })?;
            // The layout varies with the seed (as umap-learn's does); keep the
            // run that agrees best with the others (highest summed ARI), the
            // others score stability.
            let labelings: Vec<Vec<i64>> = runs
                .iter()
                .map(|r| {
                    let mut l = vec![-1i64; m];
                    for (c, grp) in r.groups.iter().enumerate() {
                        grp.iter().for_each(|&p| l[p] = c as i64);
                    }
                    l
                })
                .collect();
            let mut best = (f64::NEG_INFINITY, 0);
            for a in 0..runs.len() {
                let score: f64 = (0..runs.len())
                    .filter(|&b| b != a)
                    .map(|b| metrics::adjusted_rand_index(&labelings[a], &labelings[b]))
                    .sum();
                if score > best.0 {
                    best = (score, a);
                }
            }
            sample_groups = runs.remove(best.1).groups;
            reruns = runs;
        }

        // Membership: a theme's centroid and join threshold come from the
        // members HDBSCAN gave it in the sample; then every row it left out
        // (rows outside the sample and sampled rows HDBSCAN called noise
        // alike) joins its nearest centroid if it is at least as similar as
        // the theme's own members typically are (5th percentile). One rule
        // for every sentence, the same `predict` applies to new ones, so
        // whether a sentence was sampled does not decide whether it is an
        // outlier.
        let mut label: Vec<Option<usize>> = vec![None; n];
        let mut join_threshold = Vec::new();
        let mut centroids = Vec::new();
        for (t, g) in sample_groups.iter().enumerate() {
            let c = centroid(g.iter().map(|&p| &sample_data[p * dim..(p + 1) * dim]), dim);
            join_threshold.push(member_bar(
                &c,
                g.iter().map(|&p| &sample_data[p * dim..(p + 1) * dim]),
            ));
            centroids.push(c);
            for &p in g {
                label[sample[p]] = Some(t);
            }
        }
        // The group HDBSCAN itself gave each sampled row (before the join):
        // what the stability re-runs, which have no join, are compared on.
        let core_label: Vec<Option<usize>> = label.clone();
        if !centroids.is_empty() {
            let assigned: Vec<(usize, usize)> = (0..n)
                .into_par_iter()
                .filter(|&r| label[r].is_none())
                .filter_map(|r| {
                    let (t, s) = nearest_centroid(&centroids, row(r));
                    (s >= join_threshold[t]).then_some((r, t))
                })
                .collect();
            for (r, t) in assigned {
                label[r] = Some(t);
            }
        }

        // Themes too small over the whole corpus become outliers; leaves are
        // numbered by size (largest first), ties by first member in key order.
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); centroids.len()];
        for &r in &order {
            if let Some(t) = label[r] {
                members[t].push(r);
            }
        }
        let mut kept: Vec<usize> = (0..members.len())
            .filter(|&t| members[t].len() >= self.min_size)
            .collect();
        kept.sort_by_key(|&t| (std::cmp::Reverse(members[t].len()), rank[members[t][0]]));
        let mut renumber = vec![None; members.len()];
        for (new, &old) in kept.iter().enumerate() {
            renumber[old] = Some(new);
        }
        for l in label.iter_mut() {
            *l = l.and_then(|t| renumber[t]);
        }
        for &old in &kept {
            leaves.push(std::mem::take(&mut members[old]));
        }
        let core_label: Vec<Option<usize>> = core_label
            .iter()
            .map(|l| l.and_then(|t| renumber[t]))
            .collect();
        let thresholds: Vec<f32> = kept.iter().map(|&t| join_threshold[t]).collect();
        let mut leaf_centroids: Vec<Vec<f32>> = leaves
            .iter()
            .map(|rows| centroid(rows.iter().map(|&r| ds.row(r)), dim))
            .collect();
        let outliers_clustered = label.iter().filter(|l| l.is_none()).count();

        if let (Some(t), false) = (self.reassign_outliers, leaf_centroids.is_empty()) {
            let moved: Vec<(usize, usize)> = (0..n)
                .into_par_iter()
                .filter(|&r| label[r].is_none())
                .filter_map(|r| {
                    let (best, s) = nearest_centroid(&leaf_centroids, row(r));
                    (s >= t).then_some((r, best))
                })
                .collect();
            for (r, best) in moved {
                label[r] = Some(best);
            }
            for l in leaves.iter_mut() {
                l.clear();
            }
            for &r in &order {
                if let Some(t) = label[r] {
                    leaves[t].push(r);
                }
            }
            leaf_centroids = leaves
                .iter()
                .map(|rows| centroid(rows.iter().map(|&r| ds.row(r)), dim))
                .collect();
        }
        let outliers = label.iter().filter(|l| l.is_none()).count();

        // Stability: re-cluster the same sample graph from other seeds and
        // match each theme's sampled members to its best counterpart.
        let mut stability = vec![0f64; leaves.len()];
        if clustered {
            let runs = reruns.len();
            let sets: Vec<Vec<usize>> = (0..leaves.len())
                .map(|t| {
                    let mut s: Vec<usize> = sample
                        .iter()
                        .enumerate()
                        .filter(|(_, &r)| core_label[r] == Some(t))
                        .map(|(p, _)| p)
                        .collect();
                    s.sort_unstable();
                    s
                })
                .collect();
            for other in &reruns {
                let mut other_label = vec![usize::MAX; m];
                for (c, grp) in other.groups.iter().enumerate() {
                    grp.iter().for_each(|&p| other_label[p] = c);
                }
                for (t, set) in sets.iter().enumerate() {
                    stability[t] += best_jaccard(set, &other_label, &other.groups) / runs as f64;
                }
            }
            if runs == 0 {
                stability.iter_mut().for_each(|s| *s = f64::NAN);
            }
        }

        let mut themes: Vec<Theme> = leaves
            .into_iter()
            .zip(leaf_centroids)
            .zip(stability)
            .map(|((members, centroid), stability)| Theme {
                level: 0,
                children: Vec::new(),
                parent: None,
                cohesion: cohesion(&members, &centroid, ds),
                centroid,
                members,
                stability,
            })
            .collect();
        let n_leaves = themes.len();
        build_hierarchy(&mut themes, ds, &rank);

        Ok(FittedThemes {
            labels: label,
            themes,
            n_leaves,
            outlier_share_clustered: outliers_clustered as f64 / n.max(1) as f64,
            outlier_share: outliers as f64 / n.max(1) as f64,
            sample_size: m,
            join_threshold: thresholds,
        })
    }

    /// UMAP layout from `seed`, HDBSCAN, then merging the closest clusters
    /// (in the original space) until at most `max_themes` remain.
    fn cluster_sample(
        &self,
        graph: &umap::FuzzyGraph,
        init: &[f32],
        sample_data: &[f32],
        dim: usize,
        min_cluster: usize,
        seed: u64,
    ) -> Result<SampleClusters> {
        let m = graph.n;
        let nc = init.len() / m.max(1);
        let epochs = self.epochs.unwrap_or_else(|| umap::default_epochs(m));
        let y = umap::optimize_layout(graph, init.to_vec(), nc, epochs, seed);
        let arr = ndarray::Array2::from_shape_vec((m, nc), y.iter().map(|&v| v as f64).collect())
            .map_err(|e| ThemeError::Hdbscan(e.to_string()))?;
        // hdbscan-rs counts the point itself in min_samples (scikit-learn's
        // convention); +1 matches the `hdbscan` package BERTopic uses.
        let cluster = |method| -> Result<Vec<i32>> {
            let params = hdbscan_rs::HdbscanParams {
                min_cluster_size: min_cluster,
                min_samples: Some((min_cluster + 1).min(m)),
                cluster_selection_method: method,
                ..Default::default()
            };
            hdbscan_rs::Hdbscan::new(params)
                .fit_predict(&arr.view())
                .map_err(|e| ThemeError::Hdbscan(e.to_string()))
        };
        let mut labels = cluster(hdbscan_rs::ClusterSelectionMethod::Eom)?;
        let largest = {
            let mut sizes: BTreeMap<i32, usize> = BTreeMap::new();
            for &l in labels.iter().filter(|&&l| l >= 0) {
                *sizes.entry(l).or_default() += 1;
            }
            sizes.into_values().max().unwrap_or(0)
        };
        if largest as f64 > GIANT_CLUSTER_SHARE * m as f64 {
            tracing::debug!("hdbscan: one cluster holds {largest} of {m} points; leaf selection");
            labels = cluster(hdbscan_rs::ClusterSelectionMethod::Leaf)?;
        }
        tracing::debug!(
            "hdbscan: {m} points, {} noise, {} clusters",
            labels.iter().filter(|&&l| l < 0).count(),
            labels.iter().max().unwrap_or(&-1) + 1
        );
        let mut groups: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
        for (p, &l) in labels.iter().enumerate() {
            if l >= 0 {
                groups.entry(l).or_default().push(p);
            }
        }
        let groups: Vec<Vec<usize>> = groups.into_values().collect();
        Ok(SampleClusters {
            groups: merge_closest(groups, sample_data, dim, self.max_themes),
        })
    }
}

/// HDBSCAN's excess-of-mass selection (BERTopic's default) keeps a
/// cluster whole when it is more stable than its parts, and on a corpus of
/// short answers on one subject that can be nearly everything: a
/// 160-respondent survey (data/survey, 504 answer sentences) came out as
/// one theme of 452 sentences and one of non-answers (ARI against the gold
/// -0.001). When one cluster holds more than this share of the sample, the
/// leaves of the cluster tree are taken instead, as BERTopic users are
/// told to do when one topic swallows the rest (`cluster_selection_method
/// = "leaf"`): 13 themes, the largest 57 sentences, ARI 0.139. The demo's
/// and OPP-115's themes, whose largest cluster is far below it, do not
/// change (docs/themes.md, "A theme that swallows the corpus").
const GIANT_CLUSTER_SHARE: f64 = 0.5;

fn nearest_centroid(centroids: &[Vec<f32>], v: &[f32]) -> (usize, f32) {
    let mut best = (0, f32::NEG_INFINITY);
    for (t, c) in centroids.iter().enumerate() {
        let s = knn::dot(c, v);
        if s > best.1 {
            best = (t, s);
        }
    }
    best
}

/// The membership rule's bar: a sentence joins a theme when it is at least
/// as similar to the centroid `c` as 95% of the theme's own members are.
fn member_bar<'a>(c: &[f32], members: impl Iterator<Item = &'a [f32]>) -> f32 {
    let mut sims: Vec<f32> = members.map(|v| knn::dot(c, v)).collect();
    sims.sort_by(f32::total_cmp);
    sims[sims.len() / 20]
}

/// Unit mean of some unit vectors.
fn centroid<'a>(rows: impl Iterator<Item = &'a [f32]>, dim: usize) -> Vec<f32> {
    let mut c = vec![0f64; dim];
    for r in rows {
        for (a, &x) in c.iter_mut().zip(r) {
            *a += x as f64;
        }
    }
    let norm = c.iter().map(|x| x * x).sum::<f64>().sqrt();
    c.iter()
        .map(|x| if norm > 0.0 { (x / norm) as f32 } else { 0.0 })
        .collect()
}

fn cohesion<K>(members: &[usize], c: &[f32], ds: &Dataset<K>) -> f64 {
    if members.is_empty() {
        return 0.0;
    }
    members
        .iter()
        .map(|&r| knn::dot(c, &ds.data[r * ds.dim..(r + 1) * ds.dim]) as f64)
        .sum::<f64>()
        / members.len() as f64
}

fn best_jaccard(set: &[usize], other_label: &[usize], other: &[Vec<usize>]) -> f64 {
    if set.is_empty() {
        return 0.0;
    }
    let mut overlap: BTreeMap<usize, usize> = BTreeMap::new();
    for &p in set {
        if other_label[p] != usize::MAX {
            *overlap.entry(other_label[p]).or_default() += 1;
        }
    }
    overlap
        .iter()
        .map(|(&c, &inter)| inter as f64 / (set.len() + other[c].len() - inter) as f64)
        .fold(0.0, f64::max)
}

/// Agglomerates groups (of sample positions) with Ward's criterion on their
/// mean vectors in the original space until at most `max` remain. Why Ward
/// rather than centroid cosine: a merged centroid drifts towards the corpus
/// mean and then absorbs every other group (measured on OPP-115: 15 themes by
/// centroid cosine gave NMI 0.10); Ward's size factor keeps groups balanced.
fn merge_closest(
    mut groups: Vec<Vec<usize>>,
    data: &[f32],
    dim: usize,
    max: usize,
) -> Vec<Vec<usize>> {
    if groups.len() <= max {
        return groups;
    }
    let mut sums: Vec<Vec<f64>> = groups
        .iter()
        .map(|g| {
            let mut s = vec![0f64; dim];
            for &p in g {
                for (a, &x) in s.iter_mut().zip(&data[p * dim..(p + 1) * dim]) {
                    *a += x as f64;
                }
            }
            s
        })
        .collect();
    let counts: Vec<f64> = groups.iter().map(|g| g.len() as f64).collect();
    let merges = agglomerate(&mut sums, counts, groups.len() - max);
    for (keep, gone) in merges {
        let moved = std::mem::take(&mut groups[gone]);
        groups[keep].extend(moved);
        groups[keep].sort_unstable();
    }
    groups.retain(|g| !g.is_empty());
    groups
}

/// Performs `steps` Ward merges: each time the pair with the smallest
/// increase in within-group squared error, n_a·n_b/(n_a+n_b)·‖μ_a − μ_b‖².
/// `sums` are the groups' vector sums, `counts` their sizes. Returns
/// (kept, absorbed) index pairs; ties go to the lowest indices.
fn agglomerate(sums: &mut [Vec<f64>], mut counts: Vec<f64>, steps: usize) -> Vec<(usize, usize)> {
    let k = sums.len();
    let mean = |s: &Vec<f64>, n: f64| s.iter().map(|x| x / n.max(1e-12)).collect::<Vec<f64>>();
    let mut means: Vec<Vec<f64>> = sums.iter().zip(&counts).map(|(s, &n)| mean(s, n)).collect();
    let mut alive = vec![true; k];
    let ward = |a: &[f64], na: f64, b: &[f64], nb: f64| {
        na * nb / (na + nb) * a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>()
    };
    let mut cost = vec![f64::INFINITY; k * k];
    for i in 0..k {
        for j in i + 1..k {
            cost[i * k + j] = ward(&means[i], counts[i], &means[j], counts[j]);
        }
    }
    let mut merges = Vec::new();
    for _ in 0..steps {
        let mut best = (f64::INFINITY, 0, 0);
        for i in 0..k {
            if !alive[i] {
                continue;
            }
            for j in i + 1..k {
                if alive[j] && cost[i * k + j] < best.0 {
                    best = (cost[i * k + j], i, j);
                }
            }
        }
        let (_, i, j) = best;
        if i == j {
            break;
        }
        alive[j] = false;
        let absorbed = std::mem::take(&mut sums[j]);
        for (a, b) in sums[i].iter_mut().zip(&absorbed) {
            *a += b;
        }
        sums[j] = vec![0.0; absorbed.len()];
        counts[i] += counts[j];
        means[i] = mean(&sums[i], counts[i]);
        for o in 0..k {
            if o != i && alive[o] {
                let v = ward(&means[i], counts[i], &means[o], counts[o]);
                let (a, b) = if o < i { (o, i) } else { (i, o) };
                cost[a * k + b] = v;
            }
        }
        merges.push((i, j));
    }
    merges
}

/// Adds parent themes above the leaves: agglomerating leaf centroids and
/// cutting the merge sequence at about a third of the themes per level, so a
/// reviewer can zoom from a few broad themes down to the fine ones.
fn build_hierarchy<K>(themes: &mut Vec<Theme>, ds: &Dataset<K>, rank: &[usize]) {
    let k = themes.len();
    if k < 3 {
        return;
    }
    let mut sums: Vec<Vec<f64>> = themes
        .iter()
        .map(|t| {
            let mut s = vec![0f64; ds.dim];
            for &r in &t.members {
                s.iter_mut()
                    .zip(ds.row(r))
                    .for_each(|(a, &x)| *a += x as f64);
            }
            s
        })
        .collect();
    let counts: Vec<f64> = themes.iter().map(|t| t.members.len() as f64).collect();
    let merges = agglomerate(&mut sums, counts, k - 1);
    // Partition after each merge count: group id per leaf.
    let mut group: Vec<usize> = (0..k).collect();
    let mut cuts: Vec<usize> = Vec::new(); // number of groups at each level
    let mut c = k;
    loop {
        let next = c.div_ceil(3);
        if next < 2 || next >= c {
            break;
        }
        cuts.push(next);
        c = next;
    }
    // node id of each current group at the previous level
    let mut node_of_group: Vec<usize> = (0..k).collect();
    let mut applied = 0;
    for (level_idx, &target) in cuts.iter().enumerate() {
        let level = level_idx + 1;
        let prev_node = node_of_group.clone();
        let prev_group = group.clone();
        while k - applied > target {
            let (keep, gone) = merges[applied];
            for g in group.iter_mut() {
                if *g == gone {
                    *g = keep;
                }
            }
            applied += 1;
        }
        // Groups at this level, in order of their smallest leaf.
        let mut by_group: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (leaf, &g) in group.iter().enumerate() {
            by_group.entry(g).or_default().push(leaf);
        }
        let mut ordered: Vec<(usize, Vec<usize>)> = by_group.into_iter().collect();
        ordered.sort_by_key(|(_, leaves)| leaves[0]);
        for (g, leaves) in ordered {
            // Children: the previous level's nodes inside this group.
            let mut children: Vec<usize> =
                leaves.iter().map(|&l| prev_node[prev_group[l]]).collect();
            children.dedup();
            children.sort_unstable();
            children.dedup();
            if children.len() < 2 {
                node_of_group[g] = children[0];
                continue;
            }
            let mut members: Vec<usize> = leaves
                .iter()
                .flat_map(|&l| themes[l].members.iter().copied())
                .collect();
            members.sort_by_key(|&r| rank[r]);
            let centroid = centroid(members.iter().map(|&r| ds.row(r)), ds.dim);
            let total: f64 = children
                .iter()
                .map(|&c| themes[c].members.len() as f64)
                .sum();
            let stability = children
                .iter()
                .map(|&c| themes[c].stability * themes[c].members.len() as f64)
                .sum::<f64>()
                / total;
            let id = themes.len();
            for &c in &children {
                themes[c].parent = Some(id);
            }
            themes.push(Theme {
                level,
                children,
                parent: None,
                cohesion: cohesion(&members, &centroid, ds),
                centroid,
                members,
                stability,
            });
            node_of_group[g] = id;
        }
    }
}
