//! Class-based TF-IDF keywords (BERTopic's c-TF-IDF): per theme, the L1-
//! normalised term frequency times ln(1 + A / f_t), where A is the mean number
//! of terms per class and f_t the term's frequency over all classes.
//!
//! Terms are unigrams and bigrams of the words left after English stop words
//! (NLTK's list plus spoken fillers) are removed, as scikit-learn's
//! CountVectorizer builds them; words are Porter2-stemmed so "camera" and
//! "cameras" count as one term, and each term is shown in its most frequent
//! surface form.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use rayon::prelude::*;
use rust_stemmers::{Algorithm, Stemmer};

/// Filler words of transcribed speech that carry no topic.
const SPOKEN_FILLERS: &[&str] = &[
    "um",
    "uh",
    "erm",
    "hmm",
    "mm",
    "yeah",
    "yes",
    "ok",
    "okay",
    "like",
    "just",
    "really",
    "know",
    "think",
    "mean",
    "kind",
    "sort",
    "gonna",
    "wanna",
    "got",
    "get",
    "well",
    "actually",
    "basically",
    "lot",
    "thing",
    "things",
    "stuff",
    "also",
    "would",
    "could",
    "one",
    "maybe",
    "something",
    "oh",
    "right",
    "go",
    "going",
    "say",
    "said",
    "much",
    "even",
    "guess",
    "pretty",
    "bit",
    "us",
    "may",
    "might",
    "shall",
    "must",
    "can",
    "will",
    "im",
    "dont",
    "its",
    "thats",
    "ive",
    "youre",
    "cant",
];

fn stop_words() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut s: HashSet<String> = stop_words::get("en")
            .iter()
            .map(|w| w.to_string())
            .collect();
        s.extend(SPOKEN_FILLERS.iter().map(|w| w.to_string()));
        // Contractions written without the apostrophe ("dont") are stop words too.
        let bare: Vec<String> = s.iter().map(|w| w.replace('\'', "")).collect();
        s.extend(bare);
        s
    })
}

/// Content words of a text: (stem, lower-case surface), stop words removed.
pub fn content_words(text: &str, stemmer: &Stemmer) -> Vec<(String, String)> {
    let stops = stop_words();
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|t| t.replace('’', "'").trim_matches('\'').to_lowercase())
        .filter(|t| t.chars().count() >= 2 && !t.chars().all(|c| c.is_numeric()))
        .filter(|t| !stops.contains(t) && !stops.contains(&t.replace('\'', "")))
        .map(|t| (stemmer.stem(&t).into_owned(), t))
        .collect()
}

#[derive(Default)]
struct ClassCounts {
    /// term → (count, number of texts containing it)
    terms: HashMap<String, (u64, u64)>,
    /// term → surface form → count
    surfaces: HashMap<String, HashMap<String, u64>>,
    texts: usize,
}

fn count_class(texts: &[&str]) -> ClassCounts {
    let stemmer = Stemmer::create(Algorithm::English);
    let mut c = ClassCounts {
        texts: texts.len(),
        ..Default::default()
    };
    for text in texts {
        let words = content_words(text, &stemmer);
        let mut seen: HashSet<String> = HashSet::new();
        let mut add = |term: String, surface: String, c: &mut ClassCounts| {
            let e = c.terms.entry(term.clone()).or_default();
            e.0 += 1;
            if seen.insert(term.clone()) {
                e.1 += 1;
            }
            *c.surfaces
                .entry(term)
                .or_default()
                .entry(surface)
                .or_default() += 1;
        };
        for (stem, surface) in &words {
            add(stem.clone(), surface.clone(), &mut c);
        }
        for pair in words.windows(2) {
            if pair[0].0 != pair[1].0 {
                add(
                    format!("{} {}", pair[0].0, pair[1].0),
                    format!("{} {}", pair[0].1, pair[1].1),
                    &mut c,
                );
            }
        }
    }
    c
}

/// Top `top` keywords (surface form, c-TF-IDF weight) of each class, best
/// first. `background` texts (e.g. outliers) count towards term frequencies
/// across classes but get no keywords of their own.
pub fn ctfidf(classes: &[Vec<&str>], background: &[&str], top: usize) -> Vec<Vec<(String, f64)>> {
    let mut counts: Vec<ClassCounts> = classes.par_iter().map(|t| count_class(t)).collect();
    counts.push(count_class(background));
    let mut freq: HashMap<&str, u64> = HashMap::new();
    let mut total = 0u64;
    for c in &counts {
        for (t, &(n, _)) in &c.terms {
            *freq.entry(t.as_str()).or_default() += n;
            total += n;
        }
    }
    let n_classes = counts.len() - usize::from(background.is_empty());
    let avg = (total as f64 / n_classes.max(1) as f64).floor().max(1.0);
    counts[..classes.len()]
        .iter()
        .map(|c| {
            let class_total: u64 = c.terms.values().map(|v| v.0).sum();
            let mut scored: Vec<(f64, &String)> = c
                .terms
                .iter()
                // A word from a single sentence of a large theme says little about it.
                .filter(|(_, &(_, df))| c.texts < 10 || df >= 2)
                .map(|(t, &(n, _))| {
                    let tf = n as f64 / class_total.max(1) as f64;
                    (tf * (1.0 + avg / freq[t.as_str()] as f64).ln(), t)
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            scored
                .into_iter()
                .take(top)
                .map(|(w, t)| (surface(&c.surfaces[t]), round4(w)))
                .collect()
        })
        .collect()
}

fn surface(forms: &HashMap<String, u64>) -> String {
    let sorted: BTreeMap<&String, &u64> = forms.iter().collect();
    sorted
        .into_iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(s, _)| s.clone())
        .unwrap_or_default()
}

pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A short label from the best keywords: up to three, skipping a word
/// already inside a chosen bigram and a bigram whose words are both chosen.
pub fn label(keywords: &[(String, f64)]) -> String {
    let mut chosen: Vec<&str> = Vec::new();
    let mut words: HashSet<&str> = HashSet::new();
    for (k, _) in keywords {
        let parts: Vec<&str> = k.split(' ').collect();
        if parts.iter().all(|p| words.contains(p)) {
            continue;
        }
        chosen.retain(|c| !parts.contains(c));
        chosen.push(k);
        words.extend(parts);
        if chosen.len() == 3 {
            break;
        }
    }
    if chosen.is_empty() {
        "(no keywords)".to_string()
    } else {
        chosen.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_and_singular_merge_into_one_keyword() {
        let cameras = vec![
            "The camera is great.",
            "I love these cameras.",
            "My camera broke again.",
            "Cameras in the office bother me.",
        ];
        let food = vec![
            "Lunch was cold.",
            "The lunch menu is small.",
            "Cold lunch again.",
        ];
        let kw = ctfidf(&[cameras, food], &[], 10);
        let camera_terms: Vec<&String> = kw[0]
            .iter()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with("camera") && !k.contains(' '))
            .collect();
        assert_eq!(camera_terms.len(), 1, "{:?}", kw[0]);
        // Four uses of camera/cameras: the most frequent surface form wins the tie-break.
        assert_eq!(kw[0][0].0, "camera");
        assert_eq!(kw[1][0].0, "lunch");
    }

    #[test]
    fn stop_words_and_fillers_are_dropped_bigrams_kept() {
        let stemmer = Stemmer::create(Algorithm::English);
        let w = content_words("Um, I think the parking lot is really full", &stemmer);
        let surf: Vec<&str> = w.iter().map(|(_, s)| s.as_str()).collect();
        // "lot" is a filler ("a lot"), so only the topical words remain.
        assert_eq!(surf, ["parking", "full"]);
        let kw = ctfidf(
            &[vec!["night shift rota", "the night shift rota again"]],
            &[],
            10,
        );
        assert!(kw[0].iter().any(|(k, _)| k == "night shift"), "{:?}", kw[0]);
    }

    #[test]
    fn label_avoids_repeating_words() {
        let kw = vec![
            ("night shift".to_string(), 0.5),
            ("night".to_string(), 0.4),
            ("shift".to_string(), 0.3),
            ("pay".to_string(), 0.2),
            ("rota".to_string(), 0.1),
        ];
        assert_eq!(label(&kw), "night shift, pay, rota");
    }
}
