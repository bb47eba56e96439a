//! A short phrase label per theme, KeyBERT-style (Grootendorst 2020):
//! candidate phrases of one to three words from the theme's own sentences,
//! embedded with the sentence encoder, and the one closest to the theme's
//! centroid. Keywords say which words are typical of a theme against the
//! others; the phrase says what the theme is about in words a reviewer can
//! read as a name ("seed round", "hiring engineers").
//!
//! Candidates: n-grams (n = 1..3) inside a clause of the cleaned text
//! ([`crate::spoken::clean`]; clauses end at punctuation), whose first and
//! last words are content words ([`crate::spoken::is_content_word`]: no stop
//! word, filler or backchannel at the edges; "quality of life" is one).
//! Only the theme's most central members are read, and only the candidates
//! found in the most of those sentences are embedded, which bounds the cost
//! whatever the theme's size.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::knn::dot;
use crate::spoken::{clauses, clean, is_content_word, words};
use crate::{Dataset, FittedThemes};

/// Longest candidate, in words.
pub const MAX_WORDS: usize = 3;
/// Candidates embedded per theme (those in the most sentences).
pub const CANDIDATES: usize = 40;
/// Members read per theme: the ones most similar to its centroid.
pub const CENTRAL_MEMBERS: usize = 1000;

/// Candidate phrases of one text: distinct n-grams (lower case, single
/// spaces) with content words at both edges.
pub fn text_candidates(text: &str) -> BTreeSet<String> {
    text_candidates_without(text, &BTreeSet::new())
}

/// [`text_candidates`] where `names` (lower-case words, the speakers'
/// names) are no content words: no phrase starts or ends with one, so a
/// theme of agreements with another participant is not named "linda".
pub fn text_candidates_without(text: &str, names: &BTreeSet<String>) -> BTreeSet<String> {
    let content = |w: &str| is_content_word(w) && !names.contains(w);
    let mut out = BTreeSet::new();
    let cleaned = clean(text);
    for clause in clauses(&cleaned) {
        let w: Vec<String> = words(clause).collect();
        for start in 0..w.len() {
            if !content(&w[start]) {
                continue;
            }
            for end in start..(start + MAX_WORDS).min(w.len()) {
                if content(&w[end]) {
                    out.insert(w[start..=end].join(" "));
                }
            }
        }
    }
    out
}

/// Per theme of `fit`, the phrases to embed: the [`CANDIDATES`] found in
/// the most of its central members' texts (ties: longer, then
/// alphabetical), each in at least two sentences when the theme has ten
/// or more members. `names` as in [`text_candidates_without`].
pub fn candidates<K: Sync>(
    fit: &FittedThemes,
    ds: &Dataset<K>,
    texts: &[&str],
    names: &BTreeSet<String>,
) -> Vec<Vec<String>> {
    fit.themes
        .par_iter()
        .map(|theme| {
            let mut central: Vec<(f32, usize)> = theme
                .members
                .iter()
                .map(|&r| (dot(&theme.centroid, ds.row(r)), r))
                .collect();
            // Members are in key order: ties resolve the same way every run.
            central.sort_by(|a, b| b.0.total_cmp(&a.0));
            central.truncate(CENTRAL_MEMBERS);
            let mut df: BTreeMap<String, usize> = BTreeMap::new();
            for &(_, r) in &central {
                for c in text_candidates_without(texts[r], names) {
                    *df.entry(c).or_default() += 1;
                }
            }
            let min_df = if theme.members.len() >= 10 { 2 } else { 1 };
            let mut ranked: Vec<(usize, String)> = df
                .into_iter()
                .filter(|(_, n)| *n >= min_df)
                .map(|(c, n)| (n, c))
                .collect();
            ranked.sort_by(|a, b| {
                b.0.cmp(&a.0)
                    .then_with(|| b.1.split(' ').count().cmp(&a.1.split(' ').count()))
                    .then_with(|| a.1.cmp(&b.1))
            });
            ranked.truncate(CANDIDATES);
            ranked.into_iter().map(|(_, c)| c).collect()
        })
        .collect()
}

/// The phrase label of every theme of `fit`: of its [`candidates`], the one
/// whose embedding is closest (cosine) to the theme's centroid. `encode`
/// embeds phrases (the encoder the sentences were embedded with; vectors
/// need not be normalised); each distinct phrase is embedded once.
pub fn phrase_labels<K: Sync, E>(
    fit: &FittedThemes,
    ds: &Dataset<K>,
    texts: &[&str],
    names: &BTreeSet<String>,
    encode: impl FnOnce(&[&str]) -> Result<Vec<Vec<f32>>, E>,
) -> Result<Vec<Option<String>>, E> {
    let per_theme = candidates(fit, ds, texts, names);
    let distinct: BTreeSet<&str> = per_theme.iter().flatten().map(String::as_str).collect();
    let distinct: Vec<&str> = distinct.into_iter().collect();
    if distinct.is_empty() {
        return Ok(vec![None; fit.themes.len()]);
    }
    let mut vectors = encode(&distinct)?;
    for v in vectors.iter_mut() {
        let dim = v.len().max(1);
        crate::normalise_rows(v, dim);
    }
    let vector: BTreeMap<&str, &[f32]> = distinct
        .iter()
        .zip(&vectors)
        .map(|(p, v)| (*p, v.as_slice()))
        .collect();
    Ok(fit
        .themes
        .iter()
        .zip(&per_theme)
        .map(|(theme, cands)| {
            let mut best: Option<(f32, &String)> = None;
            for c in cands {
                let Some(v) = vector.get(c.as_str()) else {
                    continue;
                };
                if v.len() != theme.centroid.len() {
                    continue;
                }
                let s = dot(&theme.centroid, v);
                if best.is_none_or(|(b, _)| s > b) {
                    best = Some((s, c));
                }
            }
            best.map(|(_, c)| c.clone())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_have_content_words_at_the_edges() {
        let c = text_candidates("Um, you know, the quality of life in the city was, uh, great.");
        assert!(c.contains("quality"), "{c:?}");
        assert!(c.contains("quality of life"), "{c:?}");
        assert!(c.contains("city"), "{c:?}");
        assert!(c.contains("life"), "{c:?}");
        for bad in c.iter() {
            let w: Vec<&str> = bad.split(' ').collect();
            assert!(
                is_content_word(w[0]) && is_content_word(w[w.len() - 1]),
                "{bad}"
            );
            assert!(w.len() <= MAX_WORDS);
        }
        // "was great" ends in a backchannel word, "city was" in a stop word.
        assert!(
            !c.iter().any(|p| p.contains("great") || p.ends_with("was")),
            "{c:?}"
        );
        // Clauses end at commas: no phrase spans "life in the city was, uh".
        assert!(text_candidates("Hiring, engineers").len() == 2);
        assert!(text_candidates("Yeah. Okay, right.").is_empty());
    }

    #[test]
    fn speakers_names_are_no_phrase_edges() {
        let names: BTreeSet<String> = ["linda".to_string()].into();
        let c = text_candidates_without("I agree with Linda about the night buses.", &names);
        assert!(c.contains("night buses"), "{c:?}");
        assert!(!c.iter().any(|p| p.contains("linda")), "{c:?}");
        // Without names the name is a candidate, as any word.
        assert!(text_candidates("I agree with Linda.").contains("linda"));
    }
}
