//! Class-based TF-IDF keywords (BERTopic's c-TF-IDF): per theme, the L1-
//! normalised term frequency times ln(1 + A / f_t), where A is the mean number
//! of terms per class and f_t the term's frequency over all classes.
//!
//! Terms are unigrams and bigrams of the words left after English stop words
//! (NLTK's list plus spoken fillers, [`crate::spoken::stop_words`]) are
//! removed from the cleaned text ([`crate::spoken::clean`]), as scikit-learn's
//! CountVectorizer builds them, except that a bigram does not span clause
//! punctuation ([`crate::spoken::clauses`]); words are Porter2-stemmed so "camera" and
//! "cameras" count as one term, and each term is shown in its most frequent
//! surface form.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use rust_stemmers::{Algorithm, Stemmer};

// Term counting hashes millions of short strings; SipHash (std's default,
// DoS-resistant) was most of `TermIndex::build`'s serial part. foldhash is
// hashbrown's own default hasher; the fixed state keeps it the same on every
// run (no iteration order here reaches the output unsorted anyway).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::FixedState>;

/// Content words of a text: (stem, lower-case surface), stop words and
/// `names` (lower-case words: the speakers' names) removed.
pub fn content_words(
    text: &str,
    stemmer: &Stemmer,
    names: &BTreeSet<String>,
) -> Vec<(String, String)> {
    let stops = crate::spoken::stop_words();
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|t| t.replace('’', "'").trim_matches('\'').to_lowercase())
        .filter(|t| t.chars().count() >= 2 && !t.chars().all(|c| c.is_numeric()))
        .filter(|t| !stops.contains(t) && !stops.contains(&t.replace('\'', "")))
        .filter(|t| !names.contains(t))
        .filter(|t| crate::spoken::is_content_word(t))
        .map(|t| (stemmer.stem(&t).into_owned(), t))
        .collect()
}

/// A text's terms: unigram stems and bigrams of content words adjacent
/// inside a clause ([`crate::spoken::clauses`]), each with its surface
/// form. Not across a comma or a sentence's end, as scikit-learn's
/// CountVectorizer makes them: hp/05 (2026-12-07), a theme was labelled
/// "dearly sixty" from "I love them dearly, but I'm sixty-eight" and "hear
/// dear" from "I can hear you, dear."; the label is what a researcher
/// reads, and a phrase label's candidates were already made so.
fn text_terms(text: &str, stemmer: &Stemmer, names: &BTreeSet<String>) -> Vec<(String, String)> {
    let mut unigrams: Vec<(String, String)> = Vec::new();
    let mut bigrams: Vec<(String, String)> = Vec::new();
    for clause in crate::spoken::clauses(text) {
        let words = content_words(clause, stemmer, names);
        for pair in words.windows(2) {
            if pair[0].0 != pair[1].0 {
                bigrams.push((
                    format!("{} {}", pair[0].0, pair[1].0),
                    format!("{} {}", pair[0].1, pair[1].1),
                ));
            }
        }
        unigrams.extend(words);
    }
    // Unigrams, then bigrams: the order of a row's terms sets id order.
    unigrams.extend(bigrams);
    unigrams
}

/// Terms numbered in order of first occurrence, with how often each was
/// seen in each surface form.
#[derive(Default)]
struct Vocabulary {
    ids: HashMap<String, u32>,
    forms: Vec<HashMap<String, u64>>,
}

impl Vocabulary {
    fn id(&mut self, term: String) -> u32 {
        let next = self.ids.len() as u32;
        let id = *self.ids.entry(term).or_insert(next);
        if id == next {
            self.forms.push(HashMap::default());
        }
        id
    }

    fn count(&mut self, id: u32, surface: String, times: u64) {
        *self.forms[id as usize].entry(surface).or_default() += times;
    }

    /// Terms in id order, each with its surface-form counts.
    /// Porter2 stems "buses" to "buse" beside "bus" (and "gases" to "gase"
    /// beside "gas"): a unigram stem ending in "e" whose every surface form
    /// ends in "es", where the stem without its "e" is a term of the corpus
    /// too, is that term, its forms counted there. Keyed on the corpus, not
    /// the spelling: "cases" stays "case", since no "cas" is said. Returns
    /// each id's term after the merge. Before, a transport theme was
    /// labelled "bus, buses, past" (hZ/03). Written here: the stemmer crate
    /// implements Porter2 as specified, and the rule needs the vocabulary.
    fn merge_es_plurals(&mut self) -> Vec<u32> {
        let mut canonical: Vec<u32> = (0..self.forms.len() as u32).collect();
        for (term, &id) in &self.ids {
            let Some(base) = term.strip_suffix('e') else {
                continue;
            };
            if term.contains(' ') {
                continue;
            }
            let Some(&to) = self.ids.get(base) else {
                continue;
            };
            let forms = &self.forms[id as usize];
            if !forms.is_empty() && forms.keys().all(|f| f.ends_with("es")) {
                canonical[id as usize] = to;
            }
        }
        // A merged term's target merged too ("xee" → "xe" → "x"): the last.
        for id in 0..canonical.len() {
            let mut to = canonical[id];
            while canonical[to as usize] != to {
                to = canonical[to as usize];
            }
            canonical[id] = to;
        }
        for (id, &to) in canonical.iter().enumerate() {
            let to = to as usize;
            if to != id {
                let forms = std::mem::take(&mut self.forms[id]);
                for (surface, times) in forms {
                    *self.forms[to].entry(surface).or_default() += times;
                }
            }
        }
        canonical
    }

    fn into_terms(self) -> impl Iterator<Item = (String, HashMap<String, u64>)> {
        let mut terms = vec![String::new(); self.ids.len()];
        for (term, id) in self.ids {
            terms[id as usize] = term;
        }
        terms.into_iter().zip(self.forms)
    }
}

/// Every text's terms (unigram stems and bigrams of adjacent content words)
/// as ids, tokenised once and shared by all levels of the merge tree.
pub struct TermIndex {
    rows: Vec<Vec<u32>>,
    /// Display form of each term: its most frequent surface form.
    surfaces: Vec<String>,
}

impl TermIndex {
    pub fn build(texts: &[&str]) -> TermIndex {
        TermIndex::build_without(texts, &BTreeSet::new())
    }

    /// [`TermIndex::build`] where `names` (lower-case words) are no terms:
    /// the speakers' names, which self-introductions and "I agree with
    /// Chloe" would otherwise make a theme's keywords (hZ/01).
    pub fn build_without(texts: &[&str], names: &BTreeSet<String>) -> TermIndex {
        // Tokenised and given term ids chunk by chunk in parallel, then the
        // chunks' ids are merged in chunk order, which keeps ids in order of
        // first occurrence (a term new in a chunk was in no earlier one).
        // Hashing every token in one thread was most of this function at 1M
        // sentences; strings move into the maps, so only one copy of each
        // distinct term and surface form per chunk is kept.
        let chunk_rows = texts
            .len()
            .div_ceil(4 * rayon::current_num_threads())
            .max(1);
        let chunks: Vec<(Vocabulary, Vec<Vec<u32>>)> = texts
            .par_chunks(chunk_rows)
            .map(|texts| {
                let stemmer = Stemmer::create(Algorithm::English);
                let mut vocab = Vocabulary::default();
                let rows = texts
                    .iter()
                    .map(|text| {
                        // Weighed on the cleaned text: a word said twice
                        // in a restart ("the pricing, uh, pricing") counts once.
                        text_terms(&crate::spoken::clean(text), &stemmer, names)
                            .into_iter()
                            .map(|(term, surface)| {
                                let id = vocab.id(term);
                                vocab.count(id, surface, 1);
                                id
                            })
                            .collect()
                    })
                    .collect();
                (vocab, rows)
            })
            .collect();
        let mut vocab = Vocabulary::default();
        let chunks: Vec<(Vec<Vec<u32>>, Vec<u32>)> = chunks
            .into_iter()
            .map(|(local, rows)| {
                let to_global = local
                    .into_terms()
                    .map(|(term, forms)| {
                        let id = vocab.id(term);
                        for (surface, times) in forms {
                            vocab.count(id, surface, times);
                        }
                        id
                    })
                    .collect();
                (rows, to_global)
            })
            .collect();
        let canonical = vocab.merge_es_plurals();
        let canonical = &canonical;
        let rows = chunks
            .into_par_iter()
            .flat_map_iter(|(rows, to_global)| {
                rows.into_iter().map(move |row: Vec<u32>| {
                    row.into_iter()
                        .map(|t| canonical[to_global[t as usize] as usize])
                        .collect()
                })
            })
            .collect();
        TermIndex {
            rows,
            surfaces: vocab.forms.par_iter().map(surface).collect(),
        }
    }

    /// Top `top` keywords of each class (rows of the index), best first.
    /// `background` rows (e.g. outliers) count towards term frequencies
    /// across classes but get no keywords of their own.
    pub fn ctfidf(
        &self,
        classes: &[Vec<usize>],
        background: &[usize],
        top: usize,
    ) -> Vec<Vec<(String, f64)>> {
        let count = |rows: &[usize]| {
            let mut c: HashMap<u32, (u64, u64)> = HashMap::default();
            let mut seen: HashSet<u32> = HashSet::default();
            for &r in rows {
                seen.clear();
                for &t in &self.rows[r] {
                    let e = c.entry(t).or_default();
                    e.0 += 1;
                    if seen.insert(t) {
                        e.1 += 1;
                    }
                }
            }
            c
        };
        let mut counts: Vec<HashMap<u32, (u64, u64)>> =
            classes.par_iter().map(|rows| count(rows)).collect();
        counts.push(count(background));
        let mut freq: HashMap<u32, u64> = HashMap::default();
        let mut total = 0u64;
        for c in &counts {
            for (&t, &(n, _)) in c {
                *freq.entry(t).or_default() += n;
                total += n;
            }
        }
        let n_classes = counts.len() - usize::from(background.is_empty());
        let avg = (total as f64 / n_classes.max(1) as f64).floor().max(1.0);
        counts[..classes.len()]
            .iter()
            .zip(classes)
            .map(|(c, rows)| {
                let class_total: u64 = c.values().map(|v| v.0).sum();
                let mut scored: Vec<(f64, &String)> = c
                    .iter()
                    // A word from a single sentence of a large theme says little about it.
                    .filter(|(_, &(_, df))| rows.len() < 10 || df >= 2)
                    .map(|(&t, &(n, _))| {
                        let tf = n as f64 / class_total.max(1) as f64;
                        (
                            tf * (1.0 + avg / freq[&t] as f64).ln(),
                            &self.surfaces[t as usize],
                        )
                    })
                    .collect();
                scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
                scored
                    .into_iter()
                    .take(top)
                    .map(|(w, s)| (s.clone(), round4(w)))
                    .collect()
            })
            .collect()
    }
}

/// c-TF-IDF keywords of classes given as texts (see [`TermIndex::ctfidf`]).
pub fn ctfidf(classes: &[Vec<&str>], background: &[&str], top: usize) -> Vec<Vec<(String, f64)>> {
    let mut texts: Vec<&str> = Vec::new();
    let mut class_rows = Vec::new();
    for class in classes {
        class_rows.push((texts.len()..texts.len() + class.len()).collect::<Vec<_>>());
        texts.extend(class);
    }
    let bg: Vec<usize> = (texts.len()..texts.len() + background.len()).collect();
    texts.extend(background);
    TermIndex::build(&texts).ctfidf(&class_rows, &bg, top)
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
    let mut words: HashSet<&str> = HashSet::default();
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

    /// "buses" is "bus" where "bus" is said ("gases" with "gas"); "cases"
    /// stays "case" (hZ/03: a label "bus, buses, past").
    #[test]
    fn an_es_plural_porter_leaves_apart_joins_its_singular() {
        let classes = vec![vec![
            "The bus was late.",
            "Two buses never came.",
            "The buses are full.",
            "In most cases the case is closed.",
            "More cases.",
        ]];
        let kw = ctfidf(&classes, &[], 10);
        let words: Vec<&str> = kw[0].iter().map(|(w, _)| w.as_str()).collect();
        assert!(words.contains(&"buses"), "{words:?}");
        assert!(
            !words.contains(&"bus"),
            "one term, its most frequent form: {words:?}"
        );
        assert!(words.contains(&"cases"), "{words:?}");
        let kw = ctfidf(&[vec!["Gases leak.", "The gas smells."]], &[], 10);
        let words: Vec<&str> = kw[0].iter().map(|(w, _)| w.as_str()).collect();
        let unigrams: Vec<&&str> = words.iter().filter(|w| !w.contains(' ')).collect();
        assert!(
            unigrams.contains(&&"gas") && !unigrams.contains(&&"gases"),
            "{words:?}"
        );
    }

    #[test]
    fn stop_words_and_fillers_are_dropped_bigrams_kept() {
        let stemmer = Stemmer::create(Algorithm::English);
        let none = BTreeSet::new();
        let w = content_words(
            "Um, I think the parking lot is really full",
            &stemmer,
            &none,
        );
        let surf: Vec<&str> = w.iter().map(|(_, s)| s.as_str()).collect();
        // "lot" is a filler ("a lot"), so only the topical words remain.
        assert_eq!(surf, ["parking", "full"]);
        let w = content_words(
            "There's the office, and what's left of it.",
            &stemmer,
            &none,
        );
        let surf: Vec<&str> = w.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(surf, ["office", "left"]);
        let kw = ctfidf(
            &[vec!["night shift rota", "the night shift rota again"]],
            &[],
            10,
        );
        assert!(kw[0].iter().any(|(k, _)| k == "night shift"), "{:?}", kw[0]);
    }

    /// hp/05: a bigram is two words said inside one clause.
    #[test]
    fn bigrams_do_not_span_clause_punctuation() {
        let stemmer = Stemmer::create(Algorithm::English);
        let none = BTreeSet::new();
        let terms: Vec<String> = text_terms(
            "I love them dearly, but I'm sixty-eight and it's exhausting.",
            &stemmer,
            &none,
        )
        .into_iter()
        .map(|(_, surface)| surface)
        .collect();
        assert_eq!(
            terms,
            [
                "love",
                "dearly",
                "sixty",
                "eight",
                "exhausting",
                "love dearly",
                "sixty eight",
                "eight exhausting"
            ]
        );
        let terms: Vec<String> = text_terms(
            "The ring road. Parking costs six pounds a day, fuel too.",
            &stemmer,
            &none,
        )
        .into_iter()
        .map(|(_, surface)| surface)
        .filter(|s| s.contains(' '))
        .collect();
        assert_eq!(
            terms,
            [
                "ring road",
                "parking costs",
                "costs six",
                "six pounds",
                "pounds day"
            ]
        );
        let kw = ctfidf(
            &[vec!["We pay rent, fees on top.", "The rent, fees."]],
            &[],
            10,
        );
        let words: Vec<&str> = kw[0].iter().map(|(k, _)| k.as_str()).collect();
        assert!(
            words.contains(&"rent") && words.contains(&"fees"),
            "{words:?}"
        );
        assert!(!words.contains(&"rent fees"), "{words:?}");
    }

    #[test]
    fn speakers_names_are_no_terms() {
        let texts = [
            "I agree with Chloe about the buses.",
            "Same as Chloe, the buses are late.",
        ];
        let names: BTreeSet<String> = ["chloe".to_string()].into();
        let index = TermIndex::build_without(&texts, &names);
        let kw = index.ctfidf(&[vec![0, 1]], &[], 10);
        let words: Vec<&str> = kw[0].iter().map(|(k, _)| k.as_str()).collect();
        assert!(words.contains(&"buses"), "{words:?}");
        assert!(!words.iter().any(|k| k.contains("chloe")), "{words:?}");
        // Without names the name is a keyword like any word.
        let kw = TermIndex::build(&texts).ctfidf(&[vec![0, 1]], &[], 10);
        assert!(kw[0].iter().any(|(k, _)| k == "chloe"), "{:?}", kw[0]);
    }

    #[test]
    fn term_ids_follow_first_occurrence_whatever_the_chunking() {
        let words = [
            "camera", "cameras", "privacy", "parking", "night", "shift", "data",
        ];
        let texts: Vec<String> = (0..500)
            .map(|i| {
                (0..4)
                    .map(|w| words[(i * 7 + w * 3 + i / 13) % words.len()])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(|t| t.as_str()).collect();
        // 1 thread makes 4 chunks, 3 threads 12: the index must not change.
        let build = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| TermIndex::build(&refs))
        };
        let (a, b) = (build(1), build(3));
        assert_eq!(a.rows, b.rows);
        assert_eq!(a.surfaces, b.surfaces);
        // Ids are handed out in order of first occurrence.
        let mut next = 0;
        for &t in a.rows.iter().flatten() {
            assert!(t <= next, "term {t} before {next}");
            if t == next {
                next += 1;
            }
        }
        assert_eq!(next as usize, a.surfaces.len());
        // "camera" and "cameras" are one term shown in its most frequent form.
        assert!(
            a.surfaces.contains(&"camera".to_string())
                != a.surfaces.contains(&"cameras".to_string())
        );
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
