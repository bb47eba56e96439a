//! What a reviewer sees of each theme: label and keywords, sizes, quotes,
//! cohesion, stability and the nearest code of the codebook.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::keywords::{label, round4, TermIndex};
use crate::knn::dot;
use crate::{Dataset, FittedThemes};

/// Where a sentence comes from; one per dataset row, same order.
#[derive(Debug, Clone, Default)]
pub struct SegmentInfo {
    pub segment_id: i64,
    pub text: String,
    pub speaker: Option<String>,
    pub participant_id: Option<String>,
    pub document: String,
    pub turn_index: i64,
    pub sentence_index: i64,
}

/// A code of the codebook with its embedding (unit vector).
#[derive(Debug, Clone)]
pub struct CodeVector {
    pub code_id: String,
    pub name: String,
    pub vector: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub segment_id: i64,
    pub text: String,
    pub speaker: Option<String>,
    pub participant_id: Option<String>,
    pub document: String,
    pub turn_index: i64,
    pub sentence_index: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearestCode {
    pub code_id: String,
    pub name: String,
    pub similarity: f64,
}

/// The body JSON of a stored suggestion (schema in docs/INTERFACES / docs/themes.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeSuggestion {
    pub label: String,
    /// A short phrase from the theme's own sentences, the one closest to its
    /// centroid ([`crate::phrases::phrase_labels`]); `None` when not computed
    /// (runs stored before it existed, or no encoder at hand).
    #[serde(default)]
    pub phrase: Option<String>,
    pub keywords: Vec<(String, f64)>,
    pub size: usize,
    pub participants: usize,
    pub by_attribute: BTreeMap<String, BTreeMap<String, usize>>,
    pub quotes: Vec<Quote>,
    pub cohesion: f64,
    pub stability: f64,
    pub nearest_code: Option<NearestCode>,
    pub verdict: String,
    pub level: usize,
    /// Indices of child themes within the run; the store rewrites them to theme ids.
    pub children: Vec<usize>,
}

pub const QUOTES: usize = 5;
/// Quotes are drawn first from members with at least this many content
/// words ([`crate::spoken::content_word_count`]), so a theme is shown by
/// full sentences rather than "Yeah, exactly." or "That's about it."; other
/// members only fill up when there are too few of those.
pub const QUOTE_MIN_CONTENT_WORDS: usize = 4;
pub const KEYWORDS: usize = 10;
/// λ of maximal marginal relevance for quotes.
pub const MMR_RELEVANCE: f32 = 0.7;

/// One suggestion per theme of `fit` (same order). `infos` is row-aligned
/// with `ds`; `codes` may be empty (no codebook yet: every theme is "new").
/// `names` (lower-case words, the speakers' names) are no keywords.
pub fn describe<K: Ord + Sync>(
    fit: &FittedThemes,
    ds: &Dataset<K>,
    infos: &[SegmentInfo],
    attributes: &BTreeMap<String, BTreeMap<String, String>>,
    codes: &[CodeVector],
    match_threshold: f32,
    names: &BTreeSet<String>,
) -> Vec<ThemeSuggestion> {
    assert_eq!(infos.len(), ds.len(), "one SegmentInfo per row");
    // Keywords level by level: each level's themes are the classes, every
    // other sentence is background.
    let texts: Vec<&str> = infos.iter().map(|i| i.text.as_str()).collect();
    let index = TermIndex::build_without(&texts, names);
    let content: Vec<usize> = texts
        .par_iter()
        .map(|t| crate::spoken::content_word_count(t))
        .collect();
    let mut keywords: Vec<Vec<(String, f64)>> = vec![Vec::new(); fit.themes.len()];
    let levels: BTreeSet<usize> = fit.themes.iter().map(|t| t.level).collect();
    for level in levels {
        let ids: Vec<usize> = (0..fit.themes.len())
            .filter(|&t| fit.themes[t].level == level)
            .collect();
        let mut covered = vec![false; ds.len()];
        let classes: Vec<Vec<usize>> = ids
            .iter()
            .map(|&t| {
                fit.themes[t]
                    .members
                    .iter()
                    .for_each(|&r| covered[r] = true);
                fit.themes[t].members.clone()
            })
            .collect();
        let background: Vec<usize> = (0..ds.len()).filter(|&r| !covered[r]).collect();
        for (kw, &t) in index
            .ctfidf(&classes, &background, KEYWORDS)
            .into_iter()
            .zip(&ids)
        {
            keywords[t] = kw;
        }
    }

    fit.themes
        .par_iter()
        .zip(keywords)
        .map(|(theme, keywords)| {
            let mut participants: BTreeSet<&str> = BTreeSet::new();
            for &r in &theme.members {
                if let Some(p) = &infos[r].participant_id {
                    participants.insert(p);
                }
            }
            let mut by_attribute: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
            for p in &participants {
                if let Some(attrs) = attributes.get(*p) {
                    for (k, v) in attrs {
                        *by_attribute
                            .entry(k.clone())
                            .or_default()
                            .entry(v.clone())
                            .or_default() += 1;
                    }
                }
            }
            let (full, short): (Vec<usize>, Vec<usize>) = theme
                .members
                .iter()
                .partition(|&&r| content[r] >= QUOTE_MIN_CONTENT_WORDS);
            let mut picked = Vec::with_capacity(QUOTES);
            for pool in [full, short] {
                if picked.len() < QUOTES {
                    picked.extend(crate::quotes::mmr(
                        &pool,
                        |r| ds.row(r),
                        |r| infos[r].text.as_str(),
                        &theme.centroid,
                        QUOTES - picked.len(),
                        MMR_RELEVANCE,
                    ));
                }
            }
            let quotes = picked
                .into_iter()
                .map(|r| {
                    let i = &infos[r];
                    Quote {
                        segment_id: i.segment_id,
                        text: i.text.clone(),
                        speaker: i.speaker.clone(),
                        participant_id: i.participant_id.clone(),
                        document: i.document.clone(),
                        turn_index: i.turn_index,
                        sentence_index: i.sentence_index,
                    }
                })
                .collect();
            let nearest_code = codes
                .iter()
                .map(|c| (dot(&c.vector, &theme.centroid), c))
                .fold(None::<(f32, &CodeVector)>, |best, (s, c)| match best {
                    Some((b, _)) if b >= s => best,
                    _ => Some((s, c)),
                })
                .map(|(s, c)| NearestCode {
                    code_id: c.code_id.clone(),
                    name: c.name.clone(),
                    similarity: round4(s as f64),
                });
            let verdict = match &nearest_code {
                Some(n) if n.similarity >= match_threshold as f64 => {
                    format!("matches {}", n.code_id)
                }
                _ => "new".to_string(),
            };
            ThemeSuggestion {
                label: label(&keywords),
                phrase: None,
                keywords,
                size: theme.members.len(),
                participants: participants.len(),
                by_attribute,
                quotes,
                cohesion: round4(theme.cohesion),
                stability: round4(theme.stability),
                nearest_code,
                verdict,
                level: theme.level,
                children: theme.children.clone(),
            }
        })
        .collect()
}
