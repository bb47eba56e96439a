//! Exact k-nearest-neighbour graph by cosine distance on unit vectors.
//!
//! Why exact rather than an HNSW crate: the HNSW crates insert points from
//! several threads, so the graph (and every theme after it) would change from
//! run to run, and the project promises byte-identical output for a seed. The
//! graph is only built on the clustering sample (at most `sample_cap` points),
//! where tiled single-precision GEMM (`matrixmultiply`, SIMD) computes all
//! pairwise similarities in about a second on 2 cores at 20,000 points.

use rayon::prelude::*;

/// Neighbours of every point, nearest first; the point itself is always first
/// (distance 0), as umap-learn's graph construction expects.
#[derive(Debug, Clone)]
pub struct KnnGraph {
    pub k: usize,
    pub indices: Vec<u32>,
    pub distances: Vec<f32>,
}

impl KnnGraph {
    pub fn neighbours(&self, i: usize) -> (&[u32], &[f32]) {
        (
            &self.indices[i * self.k..(i + 1) * self.k],
            &self.distances[i * self.k..(i + 1) * self.k],
        )
    }
}

/// Side of the square tiles of the similarity matrix; one tile's GEMM is
/// TILE × TILE × dim and its buffer 4 MB.
const TILE: usize = 1024;

/// `data` is row-major n × dim, rows L2-normalised. `k` counts the point itself.
///
/// Similarity is symmetric, so only the tiles on and above the diagonal are
/// computed and each pair is offered to both of its points (half the GEMM
/// work of a full n × n product). Tiles run in parallel, each thread keeping
/// its own neighbour lists that are merged at the end; lists are ordered by
/// (distance, index), a total order, so the graph does not depend on which
/// thread saw which pair.
pub fn exact_knn(data: &[f32], dim: usize, k: usize) -> KnnGraph {
    let n = data.len() / dim;
    let k = k.min(n).max(1);
    let tiles = n.div_ceil(TILE);
    let pairs: Vec<(usize, usize)> = (0..tiles)
        .flat_map(|a| (a..tiles).map(move |b| (a, b)))
        .collect();
    let nearest = pairs
        .par_iter()
        .fold(
            || (Nearest::new(n, k), Vec::new()),
            |(mut nearest, mut sims), &(ta, tb)| {
                let (a0, b0) = (ta * TILE, tb * TILE);
                let (rows_a, rows_b) = ((n - a0).min(TILE), (n - b0).min(TILE));
                sims.resize(rows_a * rows_b, 0f32);
                // sims = A (rows_a × dim) · Bᵀ (dim × rows_b)
                crate::gemm::matmul_abt(
                    1.0,
                    &data[a0 * dim..(a0 + rows_a) * dim],
                    &data[b0 * dim..(b0 + rows_b) * dim],
                    rows_a,
                    dim,
                    rows_b,
                    &mut sims,
                );
                for r in 0..rows_a {
                    let i = a0 + r;
                    let row = &sims[r * rows_b..(r + 1) * rows_b];
                    // On the diagonal tile each pair appears twice; take it once.
                    let first = if ta == tb { r + 1 } else { 0 };
                    for (c, &s) in row.iter().enumerate().skip(first) {
                        let j = b0 + c;
                        let d = (1.0 - s).max(0.0);
                        nearest.offer(i, (d, j as u32));
                        nearest.offer(j, (d, i as u32));
                    }
                }
                (nearest, sims)
            },
        )
        .map(|(nearest, _)| nearest)
        .reduce_with(Nearest::merge)
        .unwrap_or_else(|| Nearest::new(n, k));
    KnnGraph {
        k,
        indices: nearest.items.iter().map(|&(_, j)| j).collect(),
        distances: nearest.items.iter().map(|&(d, _)| d).collect(),
    }
}

/// (distance, index) order: ties go to the lower index.
#[inline]
fn closer(a: (f32, u32), b: (f32, u32)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// The k nearest candidates seen so far for every point, each row sorted,
/// the point itself first.
struct Nearest {
    k: usize,
    items: Vec<(f32, u32)>,
    len: Vec<u32>,
}

impl Nearest {
    fn new(n: usize, k: usize) -> Self {
        let mut items = vec![(f32::INFINITY, u32::MAX); n * k];
        for i in 0..n {
            items[i * k] = (0.0, i as u32);
        }
        Nearest {
            k,
            items,
            len: vec![1; n],
        }
    }

    #[inline]
    fn offer(&mut self, i: usize, cand: (f32, u32)) {
        let k = self.k;
        let row = &mut self.items[i * k..(i + 1) * k];
        let len = self.len[i] as usize;
        let mut pos = if len < k {
            self.len[i] += 1;
            len
        } else if closer(cand, row[k - 1]) {
            k - 1
        } else {
            return;
        };
        while pos > 1 && closer(cand, row[pos - 1]) {
            row[pos] = row[pos - 1];
            pos -= 1;
        }
        row[pos] = cand;
    }

    /// The k nearest of both sets of candidates (each pair was offered to
    /// only one of them).
    fn merge(mut self, other: Nearest) -> Nearest {
        let k = self.k;
        let mut merged = Vec::with_capacity(k);
        for i in 0..self.len.len() {
            let a = &self.items[i * k + 1..i * k + self.len[i] as usize];
            let b = &other.items[i * k + 1..i * k + other.len[i] as usize];
            merged.clear();
            let (mut x, mut y) = (0, 0);
            while merged.len() < k - 1 && (x < a.len() || y < b.len()) {
                if y == b.len() || (x < a.len() && closer(a[x], b[y])) {
                    merged.push(a[x]);
                    x += 1;
                } else {
                    merged.push(b[y]);
                    y += 1;
                }
            }
            self.items[i * k + 1..i * k + 1 + merged.len()].copy_from_slice(&merged);
            self.len[i] = 1 + merged.len() as u32;
        }
        self
    }
}

/// Cosine similarity of two unit vectors.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_true_neighbours_with_self_first() {
        // Four unit vectors on a circle: 0° 10° 90° 100°.
        let ang = [0f32, 10.0, 90.0, 100.0];
        let data: Vec<f32> = ang
            .iter()
            .flat_map(|a| {
                let r = a.to_radians();
                [r.cos(), r.sin()]
            })
            .collect();
        let g = exact_knn(&data, 2, 2);
        assert_eq!(g.neighbours(0).0, &[0, 1]);
        assert_eq!(g.neighbours(1).0, &[1, 0]);
        assert_eq!(g.neighbours(2).0, &[2, 3]);
        assert_eq!(g.neighbours(3).0, &[3, 2]);
        let d = g.neighbours(0).1[1];
        assert!((d - (1.0 - 10f32.to_radians().cos())).abs() < 1e-5);
    }

    #[test]
    fn tiled_graph_matches_brute_force_across_tiles() {
        // More points than one tile, so pairs span tiles and threads; a
        // coarse grid of directions makes many exact distance ties.
        let dim = 3;
        let n = TILE + 300;
        let data: Vec<f32> = (0..n)
            .flat_map(|i| {
                let (a, b) = ((i % 37) as f32 * 0.17, (i % 11) as f32 * 0.29);
                let v = [a.cos() * b.cos(), a.sin() * b.cos(), b.sin()];
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                v.map(|x| x / norm)
            })
            .collect();
        let k = 6;
        let g = exact_knn(&data, dim, k);
        for i in [0, 1, 36, TILE - 1, TILE, n - 1] {
            let mut all: Vec<(f32, u32)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| {
                    let s: f32 = (0..dim)
                        .map(|c| data[i * dim + c] * data[j * dim + c])
                        .sum();
                    ((1.0 - s).max(0.0), j as u32)
                })
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let (idx, dist) = g.neighbours(i);
            assert_eq!(idx[0], i as u32);
            // Same distances as brute force, within GEMM rounding.
            for s in 1..k {
                assert!((dist[s] - all[s - 1].0).abs() < 1e-5, "row {i} slot {s}");
            }
            assert!(dist.windows(2).all(|w| w[0] <= w[1]));
        }
        // The same graph whatever the thread count.
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let other = pool.install(|| exact_knn(&data, dim, k));
            assert_eq!(other.indices, g.indices, "{threads} threads");
            assert_eq!(other.distances, g.distances, "{threads} threads");
        }
    }
}
