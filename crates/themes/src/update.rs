//! Carrying an earlier fit forward to a corpus that changed a little: the
//! nightly case, where re-clustering 100,000 sentences for 1,000 new ones
//! would cost most of the run and reshuffle every theme a reviewer has seen.
//!
//! Sentences of the earlier fit keep their theme (or stay outliers); new
//! sentences join the nearest leaf the way [`ValidThemeParams::fit`] assigns
//! sentences outside its sample: when they are as similar to the centroid as
//! the theme's own members typically are (5th percentile), or, with
//! `reassign_outliers`, above that threshold. Removed sentences simply drop
//! out. Centroids, cohesion and the merge tree's parents are recomputed from
//! the new members; stability is the earlier fit's, since nothing was
//! re-clustered. Callers decide when a change is too large for this and refit
//! (see `autocode themes --incremental`).

use rayon::prelude::*;

use crate::{
    centroid, cohesion, member_bar, nearest_centroid, Dataset, FittedThemes, Result, Theme,
};
use crate::{ThemeError, ValidThemeParams};

/// One theme of the earlier fit, in that fit's order: leaves (level 0)
/// first, every parent after its children.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorTheme {
    pub level: usize,
    /// Index of the parent in the same list.
    pub parent: Option<usize>,
    pub stability: f64,
}

/// What an update needs from the earlier fit.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorFit {
    pub themes: Vec<PriorTheme>,
    /// Per row of the new dataset: `None` when the row is new since the
    /// earlier fit, `Some(None)` when it was an outlier then, `Some(Some(t))`
    /// when it was in leaf `t`.
    pub assignment: Vec<Option<Option<usize>>>,
    /// The earlier fit's share of outliers before any reassignment.
    pub outlier_share_clustered: f64,
}

impl PriorFit {
    /// Rows that are new since the earlier fit.
    pub fn new_rows(&self) -> usize {
        self.assignment.iter().filter(|a| a.is_none()).count()
    }
}

impl ValidThemeParams {
    /// Extends `prior` to `ds`. Fails with [`ThemeError::Data`] when the
    /// prior does not fit the dataset, and with [`ThemeError::LeafEmptied`]
    /// when every member of a leaf is gone (a refit is then due).
    pub fn update<K: Ord>(&self, ds: &Dataset<K>, prior: &PriorFit) -> Result<FittedThemes> {
        let n = ds.len();
        let dim = ds.dim();
        if prior.assignment.len() != n {
            return Err(ThemeError::Data(format!(
                "the earlier fit describes {} rows, the dataset has {n}",
                prior.assignment.len()
            )));
        }
        let n_leaves = prior.themes.iter().take_while(|t| t.level == 0).count();
        for (i, t) in prior.themes.iter().enumerate() {
            if i >= n_leaves && t.level == 0 {
                return Err(ThemeError::Data(format!(
                    "theme {i} is a leaf listed after a parent"
                )));
            }
            if let Some(p) = t.parent {
                if p <= i || p >= prior.themes.len() || prior.themes[p].level <= t.level {
                    return Err(ThemeError::Data(format!(
                        "theme {i} has parent {p}, which is not a broader theme after it"
                    )));
                }
            }
        }
        if let Some(t) = prior
            .assignment
            .iter()
            .flatten()
            .flatten()
            .find(|&&t| t >= n_leaves)
        {
            return Err(ThemeError::Data(format!(
                "a row is assigned to theme {t}, which is not a leaf"
            )));
        }

        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| ds.keys()[a].cmp(&ds.keys()[b]));
        let mut rank = vec![0usize; n];
        for (pos, &r) in order.iter().enumerate() {
            rank[r] = pos;
        }

        let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_leaves];
        for &r in &order {
            if let Some(Some(t)) = prior.assignment[r] {
                members[t].push(r);
            }
        }
        if let Some(t) = members.iter().position(Vec::is_empty) {
            return Err(ThemeError::LeafEmptied(t));
        }
        let centroids: Vec<Vec<f32>> = members
            .iter()
            .map(|rows| centroid(rows.iter().map(|&r| ds.row(r)), dim))
            .collect();
        let join_threshold: Vec<f32> = members
            .iter()
            .zip(&centroids)
            .map(|(rows, c)| member_bar(c, rows.iter().map(|&r| ds.row(r))))
            .collect();

        let mut labels: Vec<Option<usize>> = prior.assignment.iter().map(|a| a.flatten()).collect();
        // (row, leaf, joined by the leaf's own threshold rather than by reassignment)
        let data: &[f32] = &ds.data;
        let joined: Vec<(usize, usize, bool)> = (0..n)
            .into_par_iter()
            .filter(|&r| prior.assignment[r].is_none())
            .filter_map(|r| {
                let (t, s) = nearest_centroid(&centroids, &data[r * dim..(r + 1) * dim]);
                if s >= join_threshold[t] {
                    Some((r, t, true))
                } else {
                    self.reassign_outliers
                        .is_some_and(|x| s >= x)
                        .then_some((r, t, false))
                }
            })
            .collect();
        let new_total = prior.new_rows();
        let new_clustered = joined.iter().filter(|j| j.2).count();
        for &(r, t, _) in &joined {
            labels[r] = Some(t);
            members[t].push(r);
        }
        for m in members.iter_mut() {
            m.sort_unstable_by_key(|&r| rank[r]);
        }

        let mut themes: Vec<Theme> = Vec::with_capacity(prior.themes.len());
        for (i, p) in prior.themes.iter().enumerate() {
            let rows = if i < n_leaves {
                std::mem::take(&mut members[i])
            } else {
                let mut rows: Vec<usize> = (0..n_leaves)
                    .filter(|&leaf| ancestor_of(&prior.themes, leaf, i))
                    .flat_map(|leaf| themes[leaf].members.iter().copied())
                    .collect();
                rows.sort_unstable_by_key(|&r| rank[r]);
                rows
            };
            let c = centroid(rows.iter().map(|&r| ds.row(r)), dim);
            themes.push(Theme {
                level: p.level,
                children: (0..prior.themes.len())
                    .filter(|&c| prior.themes[c].parent == Some(i))
                    .collect(),
                parent: p.parent,
                cohesion: cohesion(&rows, &c, ds),
                centroid: c,
                members: rows,
                stability: p.stability,
            });
        }

        let outliers = labels.iter().filter(|l| l.is_none()).count();
        let known = n - new_total;
        let outliers_clustered =
            prior.outlier_share_clustered * known as f64 + (new_total - new_clustered) as f64;
        Ok(FittedThemes {
            labels,
            themes,
            n_leaves,
            outlier_share_clustered: outliers_clustered / n.max(1) as f64,
            outlier_share: outliers as f64 / n.max(1) as f64,
            sample_size: 0,
            join_threshold,
        })
    }
}

/// Whether theme `a` lies under theme `b` in the merge tree.
fn ancestor_of(themes: &[PriorTheme], mut a: usize, b: usize) -> bool {
    while let Some(p) = themes[a].parent {
        if p == b {
            return true;
        }
        a = p;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ThemeParams;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// `k` tight blobs of `per` unit vectors each in 16 dimensions.
    fn blobs(k: usize, per: usize, seed: u64) -> (Vec<usize>, Vec<f32>) {
        let dim = 16;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut data = Vec::new();
        let mut keys = Vec::new();
        for c in 0..k {
            for i in 0..per {
                for d in 0..dim {
                    let base = if d == c { 1.0 } else { 0.0 };
                    data.push(base + rng.gen_range(-0.08..0.08));
                }
                keys.push(c * 10_000 + i);
            }
        }
        (keys, data)
    }

    #[test]
    fn new_rows_join_their_blob_and_old_rows_keep_their_theme() {
        let (keys, data) = blobs(3, 60, 1);
        let params = ThemeParams::new().stability_runs(0).check().unwrap();
        let ds = Dataset::new(keys.clone(), data.clone(), 16).unwrap();
        let fit = params.fit(&ds).unwrap();
        assert_eq!(fit.n_leaves, 3, "three blobs, three themes");

        // Five new rows close to blob 1's direction, one far from every blob.
        let mut keys2 = keys.clone();
        let mut data2 = data.clone();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for i in 0..5 {
            keys2.push(50_000 + i);
            data2.extend((0..16).map(|d| {
                if d == 1 {
                    1.0
                } else {
                    rng.gen_range(-0.02..0.02)
                }
            }));
        }
        keys2.push(999_999);
        let mut far = vec![0f32; 16];
        far[15] = 1.0;
        data2.extend_from_slice(&far);
        let ds2 = Dataset::new(keys2, data2, 16).unwrap();

        let mut assignment: Vec<Option<Option<usize>>> =
            fit.labels.iter().map(|&l| Some(l)).collect();
        assignment.extend(std::iter::repeat_n(None, 6));
        let prior = PriorFit {
            themes: fit
                .themes
                .iter()
                .map(|t| PriorTheme {
                    level: t.level,
                    parent: t.parent,
                    stability: t.stability,
                })
                .collect(),
            assignment,
            outlier_share_clustered: fit.outlier_share_clustered,
        };
        let up = params.update(&ds2, &prior).unwrap();
        assert_eq!(
            &up.labels[..180],
            &fit.labels[..],
            "earlier rows keep their theme"
        );
        let blob1 = fit.labels[60].expect("blob 1 clustered");
        for r in 180..185 {
            assert_eq!(up.labels[r], Some(blob1), "new row {r} joins blob 1");
        }
        assert_eq!(
            up.labels[185], None,
            "a vector far from every theme stays out"
        );
        assert_eq!(
            up.themes[blob1].members.len(),
            fit.themes[blob1].members.len() + 5
        );
        assert!((up.outlier_share - 1.0 / 186.0).abs() < 1e-12);
        for (a, b) in up.themes.iter().zip(&fit.themes) {
            assert_eq!(
                (a.level, a.parent, &a.children),
                (b.level, b.parent, &b.children)
            );
        }

        // The same update twice gives the same result.
        let again = params.update(&ds2, &prior).unwrap();
        assert_eq!(again.labels, up.labels);
    }

    #[test]
    fn an_emptied_leaf_or_a_malformed_prior_is_refused() {
        let (keys, data) = blobs(2, 40, 3);
        let params = ThemeParams::new().stability_runs(0).check().unwrap();
        let ds = Dataset::new(keys, data, 16).unwrap();
        let two_leaves = vec![
            PriorTheme {
                level: 0,
                parent: None,
                stability: 1.0,
            };
            2
        ];
        let only_first: Vec<Option<Option<usize>>> = vec![Some(Some(0)); 80];
        let prior = PriorFit {
            themes: two_leaves.clone(),
            assignment: only_first,
            outlier_share_clustered: 0.0,
        };
        assert!(matches!(
            params.update(&ds, &prior),
            Err(ThemeError::LeafEmptied(1))
        ));
        let short = PriorFit {
            themes: two_leaves,
            assignment: vec![Some(Some(0)); 79],
            outlier_share_clustered: 0.0,
        };
        assert!(matches!(
            params.update(&ds, &short),
            Err(ThemeError::Data(_))
        ));
    }
}
