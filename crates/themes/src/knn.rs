//! Exact k-nearest-neighbour graph by cosine distance on unit vectors.
//!
//! Why exact rather than an HNSW crate: the HNSW crates insert points from
//! several threads, so the graph (and every theme after it) would change from
//! run to run, and the project promises byte-identical output for a seed. The
//! graph is only built on the clustering sample (at most `sample_cap` points),
//! where blocked single-precision GEMM (`matrixmultiply`, SIMD) computes all
//! pairwise similarities in a few seconds on 2 cores.

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

const BLOCK_ROWS: usize = 256;

/// `data` is row-major n × dim, rows L2-normalised. `k` counts the point itself.
pub fn exact_knn(data: &[f32], dim: usize, k: usize) -> KnnGraph {
    let n = data.len() / dim;
    let k = k.min(n).max(1);
    let mut indices = vec![0u32; n * k];
    let mut distances = vec![0f32; n * k];
    indices
        .par_chunks_mut(BLOCK_ROWS * k)
        .zip(distances.par_chunks_mut(BLOCK_ROWS * k))
        .enumerate()
        .for_each(|(block, (idx_out, dist_out))| {
            let row0 = block * BLOCK_ROWS;
            let rows = (n - row0).min(BLOCK_ROWS);
            let mut sims = vec![0f32; rows * n];
            let a = &data[row0 * dim..(row0 + rows) * dim];
            // sims = A (rows × dim) · Bᵀ (dim × n)
            unsafe {
                matrixmultiply::sgemm(
                    rows,
                    dim,
                    n,
                    1.0,
                    a.as_ptr(),
                    dim as isize,
                    1,
                    data.as_ptr(),
                    1,
                    dim as isize,
                    0.0,
                    sims.as_mut_ptr(),
                    n as isize,
                    1,
                );
            }
            let mut best: Vec<(f32, u32)> = Vec::with_capacity(k);
            for r in 0..rows {
                let i = row0 + r;
                best.clear();
                best.push((0.0, i as u32));
                let row = &sims[r * n..(r + 1) * n];
                for (j, &s) in row.iter().enumerate() {
                    if j == i {
                        continue;
                    }
                    let d = (1.0 - s).max(0.0);
                    if best.len() < k {
                        insert_sorted(&mut best, (d, j as u32));
                    } else if d < best[k - 1].0 {
                        best.pop();
                        insert_sorted(&mut best, (d, j as u32));
                    }
                }
                for (slot, &(d, j)) in best.iter().enumerate() {
                    idx_out[r * k + slot] = j;
                    dist_out[r * k + slot] = d;
                }
            }
        });
    KnnGraph {
        k,
        indices,
        distances,
    }
}

/// Keeps `best` sorted by (distance, index); the self entry stays first.
fn insert_sorted(best: &mut Vec<(f32, u32)>, item: (f32, u32)) {
    let mut pos = best.len();
    while pos > 1
        && (best[pos - 1].0 > item.0 || (best[pos - 1].0 == item.0 && best[pos - 1].1 > item.1))
    {
        pos -= 1;
    }
    best.insert(pos, item);
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
}
