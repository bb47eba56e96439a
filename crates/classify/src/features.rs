//! Feature rows for the linear models: a dense block (the sentence embedding)
//! followed by a sparse block (TF-IDF word uni- and bigrams).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// One sample: its dense part (length `dense_dim`) and sorted sparse (index, value) pairs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeatureRow {
    pub dense: Vec<f32>,
    pub sparse: Vec<(u32, f32)>,
}

impl FeatureRow {
    /// w·x where `w` holds the dense weights first, then the sparse ones.
    ///
    /// This product and [`FeatureRow::axpy`] are nearly all of a logistic
    /// fit's time, and so of `code`'s when it fits. The dense part is
    /// summed in eight running sums rather than one: a single f64
    /// accumulator is a chain of dependent additions the compiler may not
    /// reorder (floating-point addition is not associative), one per four
    /// cycles. The result differs from the sequential sum in the last bits
    /// only ([`FeatureRow::dot_sequential`], tested below). With AVX2 the
    /// same code is compiled for 256-bit registers: the same operations in
    /// the same order per sum, no fused multiply-add, so the same bits on
    /// every x86-64 CPU (tested below).
    #[inline]
    pub fn dot(&self, w: &[f64]) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { self.dot_avx2(w) };
        }
        self.dot_lanes(w)
    }

    /// [`FeatureRow::dot_lanes`] in AVX2 intrinsics: sums 0–3 in one
    /// register and 4–7 in another, each lane multiplied then added as
    /// there (no fused multiply-add), so the bits are the same.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn dot_avx2(&self, w: &[f64]) -> f64 {
        use std::arch::x86_64::*;
        let d = self.dense.len();
        let (wd, ws) = w.split_at(d);
        let full = d / 8 * 8;
        let (mut lo, mut hi) = (_mm256_setzero_pd(), _mm256_setzero_pd());
        let (x, wp) = (self.dense.as_ptr(), wd.as_ptr());
        let mut i = 0;
        while i < full {
            // SAFETY: i + 8 <= full <= d, the length of both slices.
            let x8 = _mm256_loadu_ps(x.add(i));
            let x_lo = _mm256_cvtps_pd(_mm256_castps256_ps128(x8));
            let x_hi = _mm256_cvtps_pd(_mm256_extractf128_ps(x8, 1));
            lo = _mm256_add_pd(lo, _mm256_mul_pd(x_lo, _mm256_loadu_pd(wp.add(i))));
            hi = _mm256_add_pd(hi, _mm256_mul_pd(x_hi, _mm256_loadu_pd(wp.add(i + 4))));
            i += 8;
        }
        let mut acc = [0f64; 8];
        _mm256_storeu_pd(acc.as_mut_ptr(), lo);
        _mm256_storeu_pd(acc.as_mut_ptr().add(4), hi);
        self.finish_dot(acc, &self.dense[full..], &wd[full..], ws)
    }

    #[inline(always)]
    fn dot_lanes(&self, w: &[f64]) -> f64 {
        let d = self.dense.len();
        let (wd, ws) = w.split_at(d);
        let mut acc = [0f64; 8];
        let xs = self.dense.chunks_exact(8);
        let ws8 = wd.chunks_exact(8);
        let (x_rest, w_rest) = (xs.remainder(), ws8.remainder());
        for (x8, w8) in xs.zip(ws8) {
            for k in 0..8 {
                acc[k] += x8[k] as f64 * w8[k];
            }
        }
        self.finish_dot(acc, x_rest, w_rest, ws)
    }

    /// The end both dense paths share, so that they stay the same bits:
    /// the last `x_rest.len()` (< 8) dense terms into sums 0.., the eight
    /// sums added pairwise in a fixed order, then the sparse terms.
    #[inline(always)]
    fn finish_dot(&self, mut acc: [f64; 8], x_rest: &[f32], w_rest: &[f64], ws: &[f64]) -> f64 {
        for (k, (x, wi)) in x_rest.iter().zip(w_rest).enumerate() {
            acc[k] += *x as f64 * wi;
        }
        let mut sum =
            ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
        for &(j, v) in &self.sparse {
            sum += v as f64 * ws[j as usize];
        }
        sum
    }

    /// [`FeatureRow::dot`] summed in order, one term at a time: the
    /// reference it is tested against.
    pub fn dot_sequential(&self, w: &[f64]) -> f64 {
        let d = self.dense.len();
        let mut acc = 0.0f64;
        for (x, wi) in self.dense.iter().zip(&w[..d]) {
            acc += *x as f64 * wi;
        }
        for &(j, v) in &self.sparse {
            acc += v as f64 * w[d + j as usize];
        }
        acc
    }

    /// g += a·x. Each element on its own, so any vector width gives the
    /// same bits; with AVX2, 256-bit registers ([`FeatureRow::dot`]).
    #[inline]
    pub fn axpy(&self, a: f64, g: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { self.axpy_avx2(a, g) };
        }
        self.axpy_lanes(a, g)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn axpy_avx2(&self, a: f64, g: &mut [f64]) {
        self.axpy_lanes(a, g)
    }

    #[inline(always)]
    fn axpy_lanes(&self, a: f64, g: &mut [f64]) {
        let d = self.dense.len();
        for (x, gi) in self.dense.iter().zip(&mut g[..d]) {
            *gi += a * *x as f64;
        }
        for &(j, v) in &self.sparse {
            g[d + j as usize] += a * v as f64;
        }
    }
}

/// Lower-cased alphanumeric word tokens (apostrophes kept inside words).
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        if ch.is_alphanumeric() || (ch == '\'' && !cur.is_empty()) {
            cur.extend(ch.to_lowercase());
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur).trim_end_matches('\'').to_string());
        }
    }
    if !cur.is_empty() {
        out.push(cur.trim_end_matches('\'').to_string());
    }
    out
}

fn terms(text: &str) -> Vec<String> {
    let toks = tokenize(text);
    let mut t: Vec<String> = toks.clone();
    t.extend(toks.windows(2).map(|w| format!("{} {}", w[0], w[1])));
    t
}

/// Parameters of the TF-IDF vectoriser (scikit-learn's TfidfVectorizer with
/// `ngram_range=(1,2)`, `sublinear_tf=True`, `smooth_idf=True`, L2 norm).
/// Written here rather than taken from a crate because it must fit on each
/// training fold and emit sparse rows in the exact layout the logistic
/// regression below consumes; the job is forty lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfidfParams {
    /// Terms in fewer training texts are dropped.
    pub min_df: usize,
    /// Vocabulary cap: the most frequent terms (ties by term) are kept.
    pub max_features: usize,
}

impl Default for TfidfParams {
    fn default() -> Self {
        TfidfParams {
            min_df: 2,
            max_features: 50_000,
        }
    }
}

/// A fitted vocabulary with inverse document frequencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tfidf {
    vocab: HashMap<String, u32>,
    idf: Vec<f32>,
}

impl TfidfParams {
    pub fn fit<S: AsRef<str>>(&self, texts: &[S]) -> Tfidf {
        let mut df: BTreeMap<String, usize> = BTreeMap::new();
        for t in texts {
            let mut ts = terms(t.as_ref());
            ts.sort();
            ts.dedup();
            for term in ts {
                *df.entry(term).or_default() += 1;
            }
        }
        let mut kept: Vec<(String, usize)> =
            df.into_iter().filter(|(_, n)| *n >= self.min_df).collect();
        if kept.len() > self.max_features {
            kept.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            kept.truncate(self.max_features);
            kept.sort();
        }
        let n = texts.len() as f32;
        let mut vocab = HashMap::with_capacity(kept.len());
        let mut idf = Vec::with_capacity(kept.len());
        for (i, (term, d)) in kept.into_iter().enumerate() {
            vocab.insert(term, i as u32);
            idf.push(((1.0 + n) / (1.0 + d as f32)).ln() + 1.0);
        }
        Tfidf { vocab, idf }
    }
}

impl Tfidf {
    pub fn dim(&self) -> usize {
        self.idf.len()
    }

    /// Sorted (term index, weight) pairs, L2-normalised.
    pub fn transform(&self, text: &str) -> Vec<(u32, f32)> {
        let mut tf: BTreeMap<u32, f32> = BTreeMap::new();
        for term in terms(text) {
            if let Some(&j) = self.vocab.get(&term) {
                *tf.entry(j).or_default() += 1.0;
            }
        }
        let mut row: Vec<(u32, f32)> = tf
            .into_iter()
            .map(|(j, c)| (j, (1.0 + c.ln()) * self.idf[j as usize]))
            .collect();
        let norm = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, v) in &mut row {
                *v /= norm;
            }
        }
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row and weights of awkward values (mixed signs and magnitudes, a
    /// dense length that is not a multiple of eight, sparse terms), seeded.
    fn awkward_row(dense: usize, seed: u64) -> (FeatureRow, Vec<f64>) {
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 10f64.powi((state % 7) as i32 - 3)
        };
        let row = FeatureRow {
            dense: (0..dense).map(|_| next() as f32).collect(),
            sparse: (0..9).map(|j| (j * 3, next() as f32)).collect(),
        };
        let w = (0..dense + 30).map(|_| next()).collect();
        (row, w)
    }

    #[test]
    fn the_fast_dot_product_is_the_sequential_sum_to_rounding() {
        for (dense, seed) in [(1536, 1), (389, 2), (7, 3), (0, 4), (8, 5)] {
            let (row, w) = awkward_row(dense, seed);
            let fast = row.dot(&w);
            let slow = row.dot_sequential(&w);
            let scale: f64 = row
                .dense
                .iter()
                .zip(&w)
                .map(|(x, wi)| (*x as f64 * wi).abs())
                .sum::<f64>()
                + 1.0;
            assert!(
                (fast - slow).abs() <= 1e-13 * scale,
                "{dense}: {fast} vs {slow}"
            );
            // The portable lanes give the same bits as whatever `dot` ran.
            assert_eq!(fast.to_bits(), row.dot_lanes(&w).to_bits(), "{dense}");
        }
    }

    #[test]
    fn the_fast_axpy_is_the_plain_loop_bit_for_bit() {
        let (row, w) = awkward_row(389, 9);
        let mut fast = w.clone();
        row.axpy(-0.37, &mut fast);
        let mut plain = w.clone();
        for (x, g) in row.dense.iter().zip(&mut plain) {
            *g += -0.37 * *x as f64;
        }
        for &(j, v) in &row.sparse {
            plain[389 + j as usize] += -0.37 * v as f64;
        }
        assert_eq!(fast, plain);
    }

    #[test]
    fn tokenizes_words_and_keeps_inner_apostrophes() {
        assert_eq!(
            tokenize("We don't SELL data, ever."),
            vec!["we", "don't", "sell", "data", "ever"]
        );
    }

    #[test]
    fn tfidf_matches_sklearn_formula() {
        let texts = ["a b", "a c", "a b b"];
        let tf = TfidfParams {
            min_df: 1,
            max_features: 100,
        }
        .fit(&texts);
        // terms: a, a b, a c, b, b b, c
        assert_eq!(tf.dim(), 6);
        let row = tf.transform("a b b");
        // idf(a) = ln(4/4)+1 = 1; idf(b) = ln(4/3)+1; tf(b) = 1+ln 2
        let a = 1.0f32;
        let b = ((4.0f32 / 3.0).ln() + 1.0) * (1.0 + 2f32.ln());
        let ab = (4.0f32 / 3.0).ln() + 1.0;
        let bb = (4.0f32 / 2.0).ln() + 1.0;
        let norm = (a * a + b * b + ab * ab + bb * bb).sqrt();
        let got: BTreeMap<u32, f32> = row.into_iter().collect();
        assert!((got[&0] - a / norm).abs() < 1e-6);
        assert!((got[&3] - b / norm).abs() < 1e-6);
        assert!(tf.transform("zzz").is_empty());
    }
}
