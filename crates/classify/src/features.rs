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
    #[inline]
    pub fn dot(&self, w: &[f64]) -> f64 {
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

    /// g += a·x
    #[inline]
    pub fn axpy(&self, a: f64, g: &mut [f64]) {
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
