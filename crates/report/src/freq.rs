//! Frequencies per code and hierarchy level, crosstabs, expected counts with
//! intervals, and co-occurrence.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use store::StoredSegment;

use crate::data::{Cell, CodeNode, ProjectData};
use crate::prob::{CountInterval, PoissonBinomial};

/// Attribute value for participants the participants file does not describe.
pub const MISSING: &str = "(missing)";

/// Who said a sentence: the participant id, else the speaker in that
/// document, so unmapped speakers still count once each.
/// A group's voice (`All:`, `Everyone:`) or a joint label (`P2/P5:`):
/// labelled, but no participant's (docs/corpus.md, rule 2). Nobody is
/// counted for it: before, each was a participant `All @ fg.txt` in N.
pub fn is_group_voice(s: &StoredSegment) -> bool {
    s.participant_id.is_none() && s.speaker.is_some() && !s.is_moderator
}

pub fn speaker_key(s: &StoredSegment) -> String {
    match (&s.participant_id, &s.speaker) {
        (Some(p), _) => p.clone(),
        (None, Some(sp)) => format!("{sp} @ {}", s.document),
        (None, None) => format!("(unknown) @ {}", s.document),
    }
}

/// A sentence quoted as evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    pub segment_id: i64,
    pub document: String,
    pub speaker: Option<String>,
    pub participant_id: Option<String>,
    pub text: String,
    /// Probability that the code applies (1 when a human confirmed it).
    pub confidence: f64,
    /// Whether `confidence` is a calibrated probability (otherwise a
    /// zero-shot score on the probability scale).
    pub calibrated: bool,
    pub reviewed: bool,
}

/// Everything counted for one code, its descendants included.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeFrequency {
    pub code_id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub depth: usize,
    pub in_codebook: bool,
    /// `#RRGGBB` from the codebook, if it gives one.
    pub color: Option<String>,
    pub participants: u64,
    /// participants / totals.participants
    pub participant_share: f64,
    pub sentences: u64,
    pub documents: u64,
    /// (sentence, code) pairs counted: machine-assigned and not rejected, or human-given.
    pub codings: u64,
    /// Of `codings`, those a human confirmed or gave.
    pub reviewed: u64,
    /// Of `codings`, machine codings no human has decided on.
    pub unreviewed: u64,
    /// Machine-assigned codings a human rejected (not in `codings`).
    pub rejected: u64,
    /// Mean calibrated probability of the machine's assigned codings.
    pub mean_confidence: Option<f64>,
    /// The model's own spread of the participant count (Poisson-binomial over
    /// its probabilities): only when those are calibrated, and even then it
    /// assumes the calibration holds; the valid interval is `estimate`'s.
    pub expected: Option<CountInterval>,
    /// The participant count estimated from the audit sample and the
    /// machine (prediction-powered), with its interval and method.
    pub estimate: crate::ppi::CountEstimate,
    /// The same for sentences, per attribute value, and the calibration state.
    pub estimates: crate::estimates::CodeEstimates,
    /// attribute → value → participants mentioning the code.
    pub by_attribute: BTreeMap<String, BTreeMap<String, u64>>,
    /// Per question of [`Totals::participants_by_question`], in its order:
    /// the participants who mention the code in their answers to it.
    pub by_question: Vec<QuestionCount>,
    /// Per document with a sentence that has the code: its sentences and
    /// the participants who mention it there (ATLAS.ti's code-document
    /// table; the documents without are in [`Totals::by_document`]).
    pub by_document: BTreeMap<String, DocumentCount>,
    /// The figure from `--compare`, when given.
    pub compare: Option<f64>,
    pub examples: Vec<Quote>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    pub participants: u64,
    pub sentences: u64,
    pub documents: u64,
    /// attribute → value → participants.
    pub participants_by: BTreeMap<String, BTreeMap<String, u64>>,
    /// A survey's questions ([`questions_answered`]), in the order first
    /// asked, each with the participants who answered it.
    pub participants_by_question: Vec<QuestionCount>,
    /// Per document: its counted sentences and the participants who say them.
    pub by_document: BTreeMap<String, DocumentCount>,
}

/// Sentences and participants in one document: all counted ones (in
/// [`Totals`]) or those with a code (in [`CodeFrequency`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct DocumentCount {
    pub sentences: u64,
    pub participants: u64,
}

/// Participants for one question: who answered it (in [`Totals`]) or who
/// mention a code in their answers to it (in [`CodeFrequency`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionCount {
    pub question: String,
    pub participants: u64,
}

/// Sentences and distinct people per document, from (document, person)
/// per sentence.
fn document_counts<'a>(
    sentences: impl Iterator<Item = (&'a str, usize)>,
) -> BTreeMap<String, DocumentCount> {
    let mut people: BTreeMap<&str, (u64, BTreeSet<usize>)> = BTreeMap::new();
    for (document, person) in sentences {
        let e = people.entry(document).or_default();
        e.0 += 1;
        e.1.insert(person);
    }
    people
        .into_iter()
        .map(|(d, (sentences, who))| {
            (
                d.to_string(),
                DocumentCount {
                    sentences,
                    participants: who.len() as u64,
                },
            )
        })
        .collect()
}

/// Whether a sentence declines to answer its question ("N/A", "-", "No
/// comment.", "Prefer not to say", "Don't know", "See above", "👍",
/// "keine Angabe"): such a respondent did not answer the question, and is
/// not counted among those who did (the "of N who answered" of
/// [`Totals::participants_by_question`]). The one rule the themes and the
/// code stage read too ([`corpus::non_answer::is_non_answer`]); "Nothing"
/// and "No" answer.
pub use corpus::non_answer::is_non_answer;

/// Each question with how many people are in its set.
fn question_counts<P>(questions: &[String], people: &[BTreeSet<P>]) -> Vec<QuestionCount> {
    questions
        .iter()
        .zip(people)
        .map(|(q, who)| QuestionCount {
            question: q.clone(),
            participants: who.len() as u64,
        })
        .collect()
}

/// The questions a report is broken down by, and the one each counted
/// segment answers: the turns by [`corpus::formats::QUESTION_SPEAKER`] (a
/// survey's questions as ingest writes them, and `Q:` in a transcript)
/// that at least two counted people answer, in transcript order. A
/// segment answers the last such turn before its own in its document.
/// Other moderator turns ("Mm-hmm.", a focus group's follow-ups) are not
/// questions here; a Q/A interview's questions, each answered once, list
/// nothing.
fn questions_answered(
    data: &ProjectData,
    counted: &[&StoredSegment],
) -> (Vec<String>, HashMap<i64, usize>) {
    let mut order: Vec<&StoredSegment> = data.segments.iter().collect();
    order.sort_by(|a, b| {
        (&a.document, a.turn_index, a.sentence_index).cmp(&(
            &b.document,
            b.turn_index,
            b.sentence_index,
        ))
    });
    // Each question turn's text, and the question each segment answers.
    let mut asked: Vec<(String, (String, i64))> = Vec::new();
    let mut answers: HashMap<i64, usize> = HashMap::new();
    let mut current: Option<usize> = None;
    let mut doc: Option<&str> = None;
    for s in order {
        if doc != Some(s.document.as_str()) {
            doc = Some(s.document.as_str());
            current = None;
        }
        let key = (s.document.clone(), s.turn_index);
        if s.is_moderator && s.speaker.as_deref() == Some(corpus::formats::QUESTION_SPEAKER) {
            match asked.last_mut() {
                Some((text, k)) if *k == key => {
                    text.push(' ');
                    text.push_str(s.text.trim());
                }
                _ => asked.push((s.text.trim().to_string(), key)),
            }
            current = Some(asked.len() - 1);
        } else if let Some(q) = current {
            answers.insert(s.id, q);
        }
    }
    let counted_ids: HashMap<i64, &StoredSegment> = counted.iter().map(|s| (s.id, *s)).collect();
    // Who answered each question text (the same text asked in several
    // documents is one question).
    let mut people: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (text, _) in &asked {
        people.entry(text).or_default();
    }
    let first_asked = questionnaire_order(&asked);
    // A question is listed when two people answered it: a non-answer
    // ("N/A", "-") is no answer here either (before, a question only one
    // respondent answered was listed as "n = 1" beside the N/As).
    for (id, &q) in &answers {
        if let Some(s) = counted_ids.get(id).filter(|s| !is_non_answer(&s.text)) {
            people
                .get_mut(asked[q].0.as_str())
                .expect("every asked text has an entry")
                .insert(speaker_key(s));
        }
    }
    let listed: Vec<String> = first_asked
        .into_iter()
        .filter(|t| people[t].len() >= 2)
        .map(str::to_string)
        .collect();
    let index: HashMap<&str, usize> = listed
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let of_segment = answers
        .into_iter()
        .filter(|(id, _)| counted_ids.contains_key(id))
        .filter_map(|(id, q)| index.get(asked[q].0.as_str()).map(|&i| (id, i)))
        .collect();
    (listed, of_segment)
}

/// The distinct question texts of `asked` (each with its document and turn,
/// documents in name order) in the questionnaire's order: a question asked
/// before another in any document comes first (a topological order of the
/// documents' sequences), ties in order of first appearance. Walking the
/// documents by name listed them Q2, Q3, Q1 where the first document by
/// name (a site split off by `--doc-column`) had no answer to Q1; where
/// documents disagree (a cycle), the earliest first appearance goes first.
fn questionnaire_order(asked: &[(String, (String, i64))]) -> Vec<&str> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut texts: Vec<&str> = Vec::new();
    for (text, _) in asked {
        index.entry(text.as_str()).or_insert_with(|| {
            texts.push(text.as_str());
            texts.len() - 1
        });
    }
    let n = texts.len();
    let mut after: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    let mut before_count = vec![0usize; n];
    let mut last: Option<(&str, usize)> = None;
    for (text, (doc, _)) in asked {
        let q = index[text.as_str()];
        if let Some((d, p)) = last {
            if d == doc.as_str() && p != q && after[p].insert(q) {
                before_count[q] += 1;
            }
        }
        last = Some((doc.as_str(), q));
    }
    // Two documents asking two questions in opposite orders (or one asking
    // a question again): the order of first appearance holds.
    for p in 0..n {
        let back: Vec<usize> = after[p]
            .iter()
            .copied()
            .filter(|&q| q < p && after[q].contains(&p))
            .collect();
        for q in back {
            after[p].remove(&q);
            before_count[q] -= 1;
        }
    }
    let mut done = vec![false; n];
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let next = (0..n)
            .find(|&q| !done[q] && before_count[q] == 0)
            .or_else(|| (0..n).find(|&q| !done[q]))
            .expect("a question not yet placed");
        done[next] = true;
        for &q in &after[next] {
            before_count[q] = before_count[q].saturating_sub(1);
        }
        out.push(texts[next]);
    }
    out
}

/// A sentence as the report quotes it: each run of white space that holds a
/// line break becomes one space. A hard-wrapped transcript keeps its break
/// inside a sentence (the stored text is the source's own characters, which
/// the `.qdpx` selections must select), and docs/corpus.md reads such a
/// break as a space; quoted as stored, report.csv's `example` was a
/// two-line cell and a quote copied into a paper a broken line (hh/03).
/// Other white space is left as it is.
pub fn quote_text(text: &str) -> String {
    let is_break = |c: char| {
        matches!(
            c,
            '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        )
    };
    if !text.contains(is_break) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |out: &mut String, run: &mut String| {
        if run.contains(is_break) {
            out.push(' ');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() {
            run.push(c);
        } else {
            flush(&mut out, &mut run);
            out.push(c);
        }
    }
    flush(&mut out, &mut run);
    out
}

/// How often codes occur together, counted in units of three sizes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cooccurrence {
    /// Row/column order: codes given at least once, in hierarchy order.
    pub codes: Vec<String>,
    /// `sentence[i][j]`: sentences with both codes i and j (diagonal: with code i).
    pub sentence: Vec<Vec<u64>>,
    pub turn: Vec<Vec<u64>>,
    pub participant: Vec<Vec<u64>>,
}

pub struct Frequencies {
    pub totals: Totals,
    pub codes: Vec<CodeFrequency>,
    pub cooccurrence: Cooccurrence,
}

/// What every code's counts read of each counted sentence, worked out once
/// per report rather than once per code (at 100k sentences and 26 codes,
/// per-code speaker strings and code-name lookups were most of the
/// report's time): its cells with codes as indices into `codes`, and its
/// speaker as an index into `persons`, the sorted speaker keys
/// ([`speaker_key`]), so that maps keyed by the index keep the keys' order.
pub(crate) struct Counted<'a> {
    /// Per sentence, in the order of the sentences given.
    pub cells: Vec<Vec<(usize, Cell)>>,
    pub person: Vec<usize>,
    pub persons: Vec<&'a String>,
    /// Position of each sentence id in that order.
    pub position: HashMap<i64, usize>,
    /// The code ids the cells name.
    pub codes: Vec<&'a str>,
}

impl<'a> Counted<'a> {
    fn new(
        segments: &[&StoredSegment],
        by_segment: &BTreeMap<i64, Vec<(&'a str, Cell)>>,
        people: &'a BTreeSet<String>,
    ) -> Self {
        let codes: Vec<&str> = by_segment
            .values()
            .flatten()
            .map(|(c, _)| *c)
            .collect::<BTreeSet<&str>>()
            .into_iter()
            .collect();
        let code_index: HashMap<&str, usize> =
            codes.iter().enumerate().map(|(i, &c)| (c, i)).collect();
        let persons: Vec<&String> = people.iter().collect();
        let person_index: HashMap<&str, usize> = persons
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_str(), i))
            .collect();
        Counted {
            cells: segments
                .iter()
                .map(|s| {
                    by_segment.get(&s.id).map_or_else(Vec::new, |cells| {
                        cells
                            .iter()
                            .map(|(c, cell)| (code_index[c], *cell))
                            .collect()
                    })
                })
                .collect(),
            person: segments
                .iter()
                .map(|s| person_index[speaker_key(s).as_str()])
                .collect(),
            persons,
            position: segments
                .iter()
                .enumerate()
                .map(|(i, s)| (s.id, i))
                .collect(),
            codes,
        }
    }

    /// The index of the node's own code in `codes`, where it has cells.
    pub fn own(&self, node: &CodeNode) -> Option<usize> {
        self.codes.iter().position(|c| *c == node.id)
    }

    /// Which of `codes` are the node or below it.
    pub fn mask(&self, node: &CodeNode) -> Vec<bool> {
        self.codes
            .iter()
            .map(|c| node.descendants.contains(*c))
            .collect()
    }
}

pub fn frequencies(
    data: &ProjectData,
    include_moderators: bool,
    level: f64,
    examples_per_code: usize,
) -> Frequencies {
    let segments: Vec<&StoredSegment> = data
        .segments
        .iter()
        .filter(|s| (include_moderators || !s.is_moderator) && !is_group_voice(s))
        .collect();
    let mut by_segment: BTreeMap<i64, Vec<(&str, Cell)>> = BTreeMap::new();
    for ((seg, code), cell) in &data.cells {
        by_segment
            .entry(*seg)
            .or_default()
            .push((code.as_str(), *cell));
    }

    let people: BTreeSet<String> = segments.iter().map(|s| speaker_key(s)).collect();
    let counted = Counted::new(&segments, &by_segment, &people);
    // Participant attributes and, through the documents they speak in, document attributes.
    let attributes = data.crosstab_attributes();
    // The attributes of the people counted: a key only moderators have (the
    // `role` of a survey's question turns, "interviewer") crosstabs nobody.
    let attribute_keys: BTreeSet<&String> = people
        .iter()
        .filter_map(|p| attributes.get(p))
        .flat_map(|a| a.keys())
        .collect();
    let attribute_of = |person: &str, key: &str| -> String {
        attributes
            .get(person)
            .and_then(|a| a.get(key))
            .cloned()
            .unwrap_or_else(|| MISSING.to_string())
    };
    let mut participants_by: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for key in &attribute_keys {
        let row = participants_by.entry((*key).clone()).or_default();
        for p in &people {
            *row.entry(attribute_of(p, key)).or_default() += 1;
        }
    }
    let (questions, question_of) = questions_answered(data, &segments);
    let mut answered: Vec<BTreeSet<String>> = vec![BTreeSet::new(); questions.len()];
    for s in &segments {
        if let Some(&q) = question_of.get(&s.id) {
            if !is_non_answer(&s.text) {
                answered[q].insert(speaker_key(s));
            }
        }
    }
    let audit = crate::estimates::AuditView::new(data, &segments);
    let totals = Totals {
        participants: people.len() as u64,
        sentences: segments.len() as u64,
        documents: segments
            .iter()
            .map(|s| &s.document)
            .collect::<BTreeSet<_>>()
            .len() as u64,
        participants_by,
        participants_by_question: question_counts(&questions, &answered),
        by_document: document_counts(
            segments
                .iter()
                .enumerate()
                .map(|(pos, s)| (s.document.as_str(), counted.person[pos])),
        ),
    };

    // Transcript order by document name and position, not by row id: ids
    // depend on the order documents were stored in (a merge of shards stores
    // them in another order than one run), and the report must not.
    let transcript_order: HashMap<i64, (&str, i64, i64)> = segments
        .iter()
        .map(|s| (s.id, (s.document.as_str(), s.turn_index, s.sentence_index)))
        .collect();
    let mut codes = Vec::with_capacity(data.codes.len());
    for node in &data.codes {
        let mask = counted.mask(node);
        let own = counted.own(node);
        // People as their index in `counted.persons` (sorted like the keys).
        let mut mentions: BTreeSet<usize> = BTreeSet::new();
        let mut mentions_by_question: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); questions.len()];
        let mut documents: BTreeSet<&str> = BTreeSet::new();
        // (document, person) of each sentence with the code.
        let mut coded_in: Vec<(&str, usize)> = Vec::new();
        let mut none_prob: BTreeMap<usize, f64> = BTreeMap::new();
        let (mut sentences, mut codings, mut reviewed, mut unreviewed, mut rejected) =
            (0, 0, 0, 0, 0);
        let (mut conf_sum, mut conf_n) = (0.0, 0u64);
        // (reviewed, confidence, position in `segments`): the quotes are
        // made for the examples kept, not for every coded sentence.
        let mut candidates: Vec<(bool, f64, usize)> = Vec::new();
        for (pos, s) in segments.iter().enumerate() {
            let cells = &counted.cells[pos];
            if cells.is_empty() {
                continue;
            }
            let mine: Vec<&Cell> = cells
                .iter()
                .filter(|(c, _)| mask[*c])
                .map(|(_, cell)| cell)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let person = counted.person[pos];
            // The code or one below it, people's decisions included.
            let p_sentence = crate::estimates::known_p(cells, &mask, own);
            *none_prob.entry(person).or_insert(1.0) *= 1.0 - p_sentence;
            let mut any_present = false;
            let mut best: Option<(bool, f64)> = None;
            for cell in &mine {
                if cell.machine_assigned {
                    conf_sum += cell.machine_p;
                    conf_n += 1;
                    if cell.settled == Some(false) {
                        rejected += 1;
                    }
                }
                if cell.present() {
                    any_present = true;
                    // A parent a person's coding of its child settles is
                    // counted through the child: no pair of its own (hT/04:
                    // 3 Staffing codings and 1 Workload were 7 Workload
                    // codings "a human gave"); nor the machine's own
                    // coding of it, which that person's child coding
                    // settles (hb/03: gold giving children on 4 sentences
                    // where the machine gave the parent too was 8 parent
                    // codings, 8 reviewed).
                    if cell.applied() {
                        codings += 1;
                        if cell.settled.is_some() {
                            reviewed += 1;
                        } else {
                            unreviewed += 1;
                        }
                    }
                    let key = (cell.settled.is_some(), cell.probability());
                    if best.is_none_or(|b| {
                        (key.0, key.1).partial_cmp(&b) == Some(std::cmp::Ordering::Greater)
                    }) {
                        best = Some(key);
                    }
                }
            }
            if any_present {
                sentences += 1;
                // A missing answer's mark answers nothing, coded or not,
                // so a question's mentions stay among those who answered it.
                if let Some(&q) = question_of.get(&s.id).filter(|_| !is_non_answer(&s.text)) {
                    mentions_by_question[q].insert(person);
                }
                mentions.insert(person);
                documents.insert(&s.document);
                coded_in.push((&s.document, person));
                let (reviewed, confidence) = best.expect("a present cell was seen");
                candidates.push((reviewed, confidence, pos));
            }
        }
        // Human-confirmed first, then the machine's surest, then transcript order.
        candidates.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(b.1.total_cmp(&a.1))
                .then(transcript_order[&segments[a.2].id].cmp(&transcript_order[&segments[b.2].id]))
        });
        candidates.truncate(examples_per_code);
        let mut candidates: Vec<Quote> = candidates
            .into_iter()
            .map(|(reviewed, confidence, pos)| {
                let s = segments[pos];
                Quote {
                    segment_id: s.id,
                    document: s.document.clone(),
                    speaker: s.speaker.clone(),
                    participant_id: s.participant_id.clone(),
                    text: quote_text(&s.text),
                    confidence,
                    calibrated: true,
                    reviewed,
                }
            })
            .collect();
        let probs: Vec<f64> = none_prob.values().map(|none| 1.0 - none).collect();
        let estimates = crate::estimates::estimate(
            data,
            node,
            &counted,
            &mask,
            audit.as_ref(),
            &attribute_of,
            &attribute_keys,
            level,
        );
        let expected = estimates
            .calibrated
            .then(|| PoissonBinomial::new(&probs).interval(level));
        for q in &mut candidates {
            q.calibrated = q.reviewed || estimates.calibrated;
        }
        let mut by_attribute: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for key in &attribute_keys {
            let row = by_attribute.entry((*key).clone()).or_default();
            for value in totals.participants_by[*key].keys() {
                row.insert(value.clone(), 0);
            }
            for &p in &mentions {
                *row.entry(attribute_of(counted.persons[p], key))
                    .or_default() += 1;
            }
        }
        codes.push(CodeFrequency {
            code_id: node.id.clone(),
            name: node.name.clone(),
            parent_id: node.parent.clone(),
            depth: node.depth,
            in_codebook: node.in_codebook,
            color: node.color.clone(),
            participants: mentions.len() as u64,
            participant_share: if totals.participants > 0 {
                mentions.len() as f64 / totals.participants as f64
            } else {
                0.0
            },
            sentences,
            documents: documents.len() as u64,
            codings,
            reviewed,
            unreviewed,
            rejected,
            mean_confidence: (conf_n > 0).then(|| conf_sum / conf_n as f64),
            expected,
            estimate: estimates.participants,
            estimates,
            by_attribute,
            by_question: question_counts(&questions, &mentions_by_question),
            by_document: document_counts(coded_in.into_iter()),
            compare: None,
            examples: candidates,
        });
    }

    parents_at_least_their_children(&mut codes);
    let cooccurrence = cooccurrence(data, &segments, &by_segment);
    Frequencies {
        totals,
        codes,
        cooccurrence,
    }
}

/// A parent counts every participant (and sentence) any of its children
/// counts, so its true count is at least each child's; each code's
/// estimate is computed on its own (its own λ), and on the demo with an
/// audit of 10 participants "Risks" was estimated at 33.4 beside its child
/// "Data breach and privacy" at 35.7 (hh/02). Where a parent's estimate,
/// by the same method, falls below a child's, it is raised to the child's,
/// and its interval's upper end to the child's: the interval only widens,
/// so its coverage does not fall; its lower end stays. Deepest codes
/// first, so a grandchild's count reaches the grandparent.
fn parents_at_least_their_children(codes: &mut [CodeFrequency]) {
    let index: BTreeMap<String, usize> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code_id.clone(), i))
        .collect();
    let mut order: Vec<usize> = (0..codes.len()).collect();
    order.sort_by(|&a, &b| codes[b].depth.cmp(&codes[a].depth).then(a.cmp(&b)));
    for child in order {
        let Some(parent) = codes[child]
            .parent_id
            .as_ref()
            .and_then(|p| index.get(p))
            .copied()
        else {
            continue;
        };
        if parent == child {
            continue;
        }
        let from = codes[child].estimates.clone();
        let to = &mut codes[parent].estimates;
        at_least(&mut to.participants, &from.participants);
        at_least(&mut to.sentences, &from.sentences);
        for (key, values) in &from.by_attribute {
            if let Some(row) = to.by_attribute.get_mut(key) {
                for (value, e) in values {
                    if let Some(p) = row.get_mut(value) {
                        at_least(p, e);
                    }
                }
            }
        }
        codes[parent].estimate = codes[parent].estimates.participants;
    }
}

/// `parent` raised to `child` where both are estimates of one method and
/// the child's is larger ([`parents_at_least_their_children`]).
fn at_least(parent: &mut crate::ppi::CountEstimate, child: &crate::ppi::CountEstimate) {
    if parent.method != child.method {
        return;
    }
    if child.estimate > parent.estimate {
        parent.estimate = child.estimate;
    }
    if let (Some(high), Some(child_high)) = (parent.high, child.high) {
        parent.high = Some(high.max(child_high).max(parent.estimate));
    }
}

fn cooccurrence(
    data: &ProjectData,
    segments: &[&StoredSegment],
    by_segment: &BTreeMap<i64, Vec<(&str, Cell)>>,
) -> Cooccurrence {
    let mut sentence_units: Vec<BTreeSet<&str>> = Vec::new();
    let mut turn_units: BTreeMap<(&str, i64), BTreeSet<&str>> = BTreeMap::new();
    let mut person_units: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for s in segments {
        // Codes as given (`Cell::applied`), not rolled up: a person's
        // coding of a child settles its parents present, and counting those
        // filled the matrix with each theme "co-occurring" with its own
        // subthemes (hh/04), against docs/formats.md.
        let present: BTreeSet<&str> = by_segment
            .get(&s.id)
            .map(|cells| {
                cells
                    .iter()
                    .filter(|(_, c)| c.applied())
                    .map(|(code, _)| *code)
                    .collect()
            })
            .unwrap_or_default();
        if present.is_empty() {
            continue;
        }
        turn_units
            .entry((&s.document, s.turn_index))
            .or_default()
            .extend(present.iter().copied());
        person_units
            .entry(speaker_key(s))
            .or_default()
            .extend(present.iter().copied());
        sentence_units.push(present);
    }
    let used: BTreeSet<&str> = sentence_units.iter().flatten().copied().collect();
    let codes: Vec<String> = data
        .codes
        .iter()
        .filter(|c| used.contains(c.id.as_str()))
        .map(|c| c.id.clone())
        .collect();
    let matrix = |units: &mut dyn Iterator<Item = &BTreeSet<&str>>| -> Vec<Vec<u64>> {
        let mut m = vec![vec![0u64; codes.len()]; codes.len()];
        for unit in units {
            let idx: Vec<usize> = codes
                .iter()
                .enumerate()
                .filter(|(_, c)| unit.contains(c.as_str()))
                .map(|(i, _)| i)
                .collect();
            for &i in &idx {
                for &j in &idx {
                    m[i][j] += 1;
                }
            }
        }
        m
    };
    Cooccurrence {
        sentence: matrix(&mut sentence_units.iter()),
        turn: matrix(&mut turn_units.values()),
        participant: matrix(&mut person_units.values()),
        codes,
    }
}

#[cfg(test)]
mod tests {
    use super::{is_non_answer, questionnaire_order, quote_text};

    /// hh/03: a line break inside a sentence, with the white space around
    /// it, is quoted as one space; other white space is kept.
    #[test]
    fn quotes_read_a_line_break_as_one_space() {
        assert_eq!(
            quote_text("late more often than\nit is on time"),
            "late more often than it is on time"
        );
        assert_eq!(quote_text("far  \r\n  too much"), "far too much");
        assert_eq!(quote_text("a\u{2028}b\r\rc"), "a b c");
        assert_eq!(
            quote_text("two  spaces\tand a tab"),
            "two  spaces\tand a tab"
        );
        assert_eq!(quote_text("ends\n"), "ends ");
    }

    /// hY/05: the first document by name skips Q1; the questionnaire's
    /// order is kept. Documents that disagree keep first appearance.
    #[test]
    fn questions_keep_the_questionnaires_order_across_documents() {
        let asked = |rows: &[(&str, &str)]| -> Vec<(String, (String, i64))> {
            rows.iter()
                .enumerate()
                .map(|(i, (doc, q))| (q.to_string(), (doc.to_string(), i as i64)))
                .collect()
        };
        let split = asked(&[
            ("Hull", "Q2"),
            ("Hull", "Q3"),
            ("Leeds", "Q1"),
            ("Leeds", "Q2"),
            ("Leeds", "Q3"),
        ]);
        assert_eq!(questionnaire_order(&split), ["Q1", "Q2", "Q3"]);
        let disagree = asked(&[
            ("a", "Q1"),
            ("a", "Q2"),
            ("b", "Q2"),
            ("b", "Q1"),
            ("b", "Q3"),
        ]);
        assert_eq!(questionnaire_order(&disagree), ["Q1", "Q2", "Q3"]);
        let repeated = asked(&[("a", "Q1"), ("a", "Q2"), ("a", "Q1"), ("b", "Q3")]);
        assert_eq!(questionnaire_order(&repeated), ["Q1", "Q2", "Q3"]);
    }

    /// h23/02–07: the answers of the hunt's surveys that say nothing to
    /// "What could we improve?" are not among those who answered it; the
    /// real answers beside them are.
    #[test]
    fn symbols_fillers_dont_know_references_and_other_languages_do_not_answer() {
        for t in [
            // h23/02: symbols and emoji alone.
            "👍",
            "✔",
            "……",
            "🙂",
            "••",
            // h23/03: the x placeholder.
            "xxx",
            "XXX",
            "xx",
            // h23/04: don't know.
            "Don't know",
            "idk",
            "No idea",
            "Not sure",
            "Unsure",
            "dunno",
            // h23/06: a pointer to another answer.
            "See above",
            "As above",
            "Same as previous answer",
            "Ditto",
            "See Q1",
            "As per Q2",
            // h23/07: other languages' marks.
            "keine Angabe",
            "Keine Angaben",
            "k.A.",
            "sin comentarios",
            "sin respuesta",
            "RAS",
            "pas de commentaire",
            "n.v.t.",
        ] {
            assert!(is_non_answer(t), "{t:?} answers nothing");
        }
        for t in [
            "Shorter waiting times.",
            "idk, probably money",
            "See above re parking",
            "Nada.",
            "👍 great staff",
        ] {
            assert!(!is_non_answer(t), "{t:?} answers");
        }
    }
}
