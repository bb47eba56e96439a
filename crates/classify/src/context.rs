//! The units around a unit: which item comes just before and just after
//! each one in its turn, so that a code model can read a sentence in
//! its place ([`crate::Context`], [`crate::ClassifierParams::context_weight`]).
//! `autocode code` orders the stored sentences by turn and sentence;
//! `autocode eval code` orders gold items the same way, so the learner
//! measured is the learner used.
//!
//! Only spoken units (those with a speaker: transcripts of interviews and
//! focus groups) have neighbours, and only within their turn: what the
//! same person said in one go. A sentence of talk is often about what the
//! sentence before it was about ("It's not the same but it's, it's
//! something."), and a coder reads it there; a paragraph of a written
//! document stands alone, and the next turn answers another question (in
//! an interview) or comes from another respondent (a survey's rows).
//! Measured by grouped cross-validation (docs/classify.md, "The sentences
//! around a unit"): context lifts supervised κ on the demo's focus groups
//! and on data/interviews and costs it on OPP-115's policy paragraphs;
//! neighbours across turns did worse on data/interviews.

use crate::eval::GoldItem;
use crate::model::Context;

/// For each item, the index of the item just before it and just after it
/// in the same group (`keys[i].0`, a turn of a document), the items of a
/// group ordered by `keys[i].1` (ties by index). `None` at a group's edge,
/// and for every item whose group is `None` (a unit alone).
pub fn neighbours<D: Ord, P: Ord>(keys: &[(Option<D>, P)]) -> Vec<(Option<usize>, Option<usize>)> {
    let mut order: Vec<usize> = (0..keys.len()).filter(|&i| keys[i].0.is_some()).collect();
    order.sort_by(|&a, &b| (&keys[a].0, &keys[a].1, a).cmp(&(&keys[b].0, &keys[b].1, b)));
    let mut out = vec![(None, None); keys.len()];
    for w in order.windows(2) {
        let (a, b) = (w[0], w[1]);
        if keys[a].0 == keys[b].0 {
            out[a].1 = Some(b);
            out[b].0 = Some(a);
        }
    }
    out
}

/// Each item's [`Context`]: the embeddings of its [`neighbours`], no question.
pub fn contexts<'a>(
    embeddings: &[&'a [f32]],
    neighbours: &[(Option<usize>, Option<usize>)],
) -> Vec<Context<'a>> {
    neighbours
        .iter()
        .map(|&(before, after)| Context {
            before: before.map(|j| embeddings[j]),
            after: after.map(|j| embeddings[j]),
            question: None,
        })
        .collect()
}

/// Each gold item's [`Context`]: its [`gold_neighbours`] and `questions[i]`
/// (the question its turn answers, read from its transcript by the caller;
/// empty: none known).
pub fn gold_contexts<'a>(
    items: &[&GoldItem],
    embeddings: &[&'a [f32]],
    questions: &[Option<&'a [f32]>],
) -> Vec<Context<'a>> {
    let mut out = contexts(embeddings, &gold_neighbours(items));
    for (c, q) in out.iter_mut().zip(questions) {
        c.question = *q;
    }
    out
}

/// A sentence of a transcript as [`questions`] reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Spoken<D> {
    /// Its document; `None`: written text, no turns.
    pub doc: Option<D>,
    pub turn: i64,
    pub sentence: i64,
    /// Said by an interviewer or moderator.
    pub moderator: bool,
    /// Says something: not a minimal response ("Mm-hmm.", "Right.").
    pub substantive: bool,
}

/// For each sentence, the sentences of the question its turn answers: the
/// substantive sentences of the last moderator turn before its turn, in
/// its document, that has any (an interviewer's "Mm-hmm." mid-answer does
/// not replace the question asked). Empty for moderators' own sentences,
/// written text, and turns before the first question. A coder reads an
/// answer by its question: "Some weeks, yes." is about isolation after
/// "Has it been lonely?" (docs/classify.md, "The question a turn answers").
pub fn questions<D: Ord>(units: &[Spoken<D>]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..units.len())
        .filter(|&i| units[i].doc.is_some())
        .collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&units[a], &units[b]);
        (&x.doc, x.turn, x.sentence, a).cmp(&(&y.doc, y.turn, y.sentence, b))
    });
    let mut out = vec![Vec::new(); units.len()];
    // The question in force, and the moderator turn being read.
    let mut asked: Vec<usize> = Vec::new();
    let mut reading: Vec<usize> = Vec::new();
    let mut at: Option<(&D, i64)> = None;
    for &i in &order {
        let u = &units[i];
        let doc = u
            .doc
            .as_ref()
            .expect("only units with a document are ordered");
        if at.is_none_or(|(d, _)| d != doc) {
            asked.clear();
            reading.clear();
        } else if at.is_some_and(|(_, t)| t != u.turn) && !reading.is_empty() {
            asked = std::mem::take(&mut reading);
        }
        at = Some((doc, u.turn));
        if u.moderator {
            if u.substantive {
                reading.push(i);
            }
        } else {
            out[i] = asked.clone();
        }
    }
    out
}

/// The question each unit's turn answers as one vector: the normalised
/// mean of its sentences' embeddings ([`questions`]), each distinct
/// question stored once (a turn's sentences share theirs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Questions {
    vectors: Vec<Vec<f32>>,
    of: Vec<Option<usize>>,
}

impl Questions {
    /// `embedding(j)` is sentence `j`'s vector; a question none of whose
    /// sentences has one is none.
    pub fn new<'e>(
        questions: &[Vec<usize>],
        embedding: impl Fn(usize) -> Option<&'e [f32]>,
    ) -> Questions {
        let mut seen: std::collections::HashMap<&[usize], Option<usize>> = Default::default();
        let mut vectors: Vec<Vec<f32>> = Vec::new();
        let of = questions
            .iter()
            .map(|q| {
                if q.is_empty() {
                    return None;
                }
                *seen.entry(q.as_slice()).or_insert_with(|| {
                    let parts: Vec<&[f32]> = q.iter().filter_map(|&j| embedding(j)).collect();
                    let dim = parts.first()?.len();
                    let mut v = vec![0f32; dim];
                    for p in parts.iter().filter(|p| p.len() == dim) {
                        for (a, b) in v.iter_mut().zip(*p) {
                            *a += b;
                        }
                    }
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                    if norm == 0.0 {
                        return None;
                    }
                    v.iter_mut().for_each(|x| *x /= norm);
                    vectors.push(v);
                    Some(vectors.len() - 1)
                })
            })
            .collect();
        Questions { vectors, of }
    }

    /// Unit `i`'s question vector.
    pub fn get(&self, i: usize) -> Option<&[f32]> {
        self.of
            .get(i)
            .copied()
            .flatten()
            .map(|q| self.vectors[q].as_slice())
    }

    /// Units with a question.
    pub fn count(&self) -> usize {
        self.of.iter().filter(|q| q.is_some()).count()
    }
}

/// The turn and sentence an item's id gives, where the id is autocode's
/// own (`<doc>:<turn>:<sentence>`, its `doc` first).
pub fn turn_and_sentence(item: &GoldItem) -> Option<(u64, u64)> {
    let rest = item
        .id
        .strip_prefix(item.doc.as_deref()?)?
        .strip_prefix(':')?;
    let (turn, sentence) = rest.split_once(':')?;
    Some((turn.parse().ok()?, sentence.parse().ok()?))
}

/// Each item's turn in the file's order: the run of one speaker's items it
/// belongs to in its document, counted from 0 (`None` without a document
/// or a speaker); a row naming another `question` than the row before
/// starts a new run, as a survey's next question does at ingest. Where ids
/// do not say which turn an item is in (they are not autocode's), a
/// survey's respondents and a focus group's speakers are so kept apart,
/// and so are one respondent's answers to two questions; the gold reader
/// counts them over every row, interviewers' included ([`GoldItem::turn`]).
pub fn speaker_runs(items: &[&GoldItem]) -> Vec<Option<u64>> {
    type Run<'a> = ((&'a str, Option<&'a str>), u64);
    let mut runs: std::collections::HashMap<&str, Run<'_>> = Default::default();
    items
        .iter()
        .map(|it| {
            let (doc, speaker) = (it.doc.as_deref()?, it.speaker.as_deref()?);
            let who = (speaker, it.question.as_deref());
            let run = runs.entry(doc).or_insert((who, 0));
            if run.0 != who {
                *run = (who, run.1 + 1);
            }
            Some(run.1)
        })
        .collect()
}

/// Each gold item's neighbours within its turn, by the turn and sentence
/// of autocode's own ids (`<doc>:<turn>:<sentence>`, as `autocode code`
/// groups and orders stored sentences). In a file whose ids are not all
/// of that form, a turn is a run of one speaker's items in a document, in
/// the file's order. Items without a speaker (written text) have no
/// neighbours and are no one's.
pub fn gold_neighbours(items: &[&GoldItem]) -> Vec<(Option<usize>, Option<usize>)> {
    let parsed: Vec<Option<(u64, u64)>> = items.iter().map(|it| turn_and_sentence(it)).collect();
    let all = parsed.iter().all(Option::is_some);
    let run_of = speaker_runs(items);
    // (document, turn) groups; the sentence, or the line, orders a group.
    let keys: Vec<(Option<(&str, u64)>, u64)> = items
        .iter()
        .zip(&parsed)
        .enumerate()
        .map(|(i, (it, p))| {
            let (turn, pos) = match (all, p) {
                (true, Some((turn, sentence))) => (*turn, *sentence),
                _ => (it.turn.or(run_of[i]).unwrap_or(0), i as u64),
            };
            let doc = it.doc.as_deref().filter(|_| it.speaker.is_some());
            (doc.map(|d| (d, turn)), pos)
        })
        .collect();
    neighbours(&keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, doc: Option<&str>) -> GoldItem {
        GoldItem {
            id: id.into(),
            doc: doc.map(String::from),
            speaker: Some("R".into()),
            text: id.into(),
            labels: Default::default(),
            annotator_labels: None,
            turn: None,
            question: None,
        }
    }

    #[test]
    fn a_respondents_answers_to_two_questions_are_two_turns() {
        let answer = |id: &str, speaker: &str, question: &str| GoldItem {
            speaker: Some(speaker.into()),
            question: Some(question.into()),
            ..item(id, Some("survey"))
        };
        let rows = [
            answer("a", "R1", "Why remote?"),
            answer("b", "R1", "Why remote?"),
            answer("c", "R1", "What helps?"),
            answer("d", "R2", "What helps?"),
        ];
        let refs: Vec<&GoldItem> = rows.iter().collect();
        assert_eq!(
            speaker_runs(&refs),
            vec![Some(0), Some(0), Some(1), Some(2)]
        );
        // R1's two sentences answering one question read each other; their
        // answer to the next question is not their context.
        assert_eq!(
            gold_neighbours(&refs),
            vec![(None, Some(1)), (Some(0), None), (None, None), (None, None)]
        );
    }

    #[test]
    fn neighbours_stay_inside_a_document_in_its_order() {
        let keys = [
            (Some("b"), 2),
            (Some("a"), 1),
            (None, 0),
            (Some("a"), 0),
            (Some("b"), 1),
            (Some("a"), 5),
        ];
        assert_eq!(
            neighbours(&keys),
            vec![
                (Some(4), None),
                (Some(3), Some(5)),
                (None, None),
                (None, Some(1)),
                (None, Some(0)),
                (Some(1), None),
            ]
        );
    }

    #[test]
    fn gold_items_follow_autocodes_ids_else_the_file() {
        // Sentences 0, 1 and 10 of turn 9 (numbers, not text); turn 10 and
        // another document are not in it.
        let its = [
            item("t.txt:9:10", Some("t.txt")),
            item("t.txt:9:1", Some("t.txt")),
            item("u.txt:9:0", Some("u.txt")),
            item("t.txt:9:0", Some("t.txt")),
            item("t.txt:10:0", Some("t.txt")),
        ];
        let refs: Vec<&GoldItem> = its.iter().collect();
        assert_eq!(
            gold_neighbours(&refs),
            vec![
                (Some(1), None),
                (Some(3), Some(0)),
                (None, None),
                (None, Some(1)),
                (None, None)
            ]
        );
        // Ids of another form: file order (one speaker: one turn).
        let its = [
            item("p1-3", Some("p1")),
            item("p1-1", Some("p1")),
            item("x", None),
            item("p1-2", Some("p1")),
        ];
        let refs: Vec<&GoldItem> = its.iter().collect();
        assert_eq!(
            gold_neighbours(&refs),
            vec![
                (None, Some(1)),
                (Some(0), Some(3)),
                (None, None),
                (Some(1), None)
            ]
        );
        // Written text (no speaker) stands alone.
        let mut written = its.clone();
        written[1].speaker = None;
        let refs: Vec<&GoldItem> = written.iter().collect();
        assert_eq!(
            gold_neighbours(&refs),
            vec![(None, Some(3)), (None, None), (None, None), (Some(0), None)]
        );
        // In file order, a new speaker starts a new turn: a survey's
        // respondents, a focus group's speakers are not each other's context.
        let mut rows: Vec<GoldItem> = ["a", "a", "b", "a", "a"]
            .iter()
            .enumerate()
            .map(|(i, who)| GoldItem {
                speaker: Some(who.to_string()),
                ..item(&format!("r{i}"), Some("s"))
            })
            .collect();
        let refs: Vec<&GoldItem> = rows.iter().collect();
        assert_eq!(
            gold_neighbours(&refs),
            vec![
                (None, Some(1)),
                (Some(0), None),
                (None, None),
                (None, Some(4)),
                (Some(3), None)
            ]
        );
        // ... and autocode's ids, where all have them, decide instead.
        for (i, r) in rows.iter_mut().enumerate() {
            r.id = format!("s:0:{i}");
        }
        let refs: Vec<&GoldItem> = rows.iter().collect();
        assert_eq!(gold_neighbours(&refs)[2], (Some(1), Some(3)));
        let refs: Vec<&GoldItem> = its.iter().collect();
        let e = [[1f32].as_slice(), &[2.0], &[3.0], &[4.0]];
        let c = contexts(&e, &gold_neighbours(&refs));
        assert_eq!(c[1].before, Some([1f32].as_slice()));
        assert_eq!(c[1].after, Some([4f32].as_slice()));
        assert_eq!(c[2], Context::default());
    }

    fn said(
        doc: Option<&'static str>,
        turn: i64,
        sentence: i64,
        who: &str,
    ) -> Spoken<&'static str> {
        Spoken {
            doc,
            turn,
            sentence,
            moderator: who != "answer",
            substantive: who != "mm-hmm",
        }
    }

    #[test]
    fn a_turn_answers_the_last_question_asked_in_its_document() {
        let units = [
            said(Some("a"), 1, 0, "answer"),   // 0: before any question
            said(Some("a"), 2, 0, "question"), // 1
            said(Some("a"), 2, 1, "question"), // 2
            said(Some("a"), 3, 0, "answer"),   // 3
            said(Some("a"), 4, 0, "mm-hmm"),   // 4: not a question
            said(Some("a"), 5, 1, "answer"),   // 5: stored out of order
            said(Some("a"), 5, 0, "answer"),   // 6
            said(Some("a"), 6, 0, "mm-hmm"),   // 7: a mixed turn keeps
            said(Some("a"), 6, 1, "question"), // 8: what it says
            said(Some("a"), 7, 0, "answer"),   // 9
            said(Some("b"), 1, 0, "answer"),   // 10: another document
            said(None, 8, 0, "answer"),        // 11: written text
        ];
        let q = questions(&units);
        let none: Vec<usize> = Vec::new();
        assert_eq!(q[0], none);
        assert_eq!(q[1], none, "a moderator's own sentence");
        assert_eq!(q[3], vec![1, 2]);
        assert_eq!(q[5], vec![1, 2], "Mm-hmm does not replace the question");
        assert_eq!(q[6], vec![1, 2]);
        assert_eq!(q[9], vec![8]);
        assert_eq!(q[10], none);
        assert_eq!(q[11], none);
    }

    #[test]
    fn a_question_is_the_normalised_mean_of_its_sentences_stored_once() {
        let e = [vec![1f32, 0.0], vec![0.0, 1.0], vec![0.5, 0.0]];
        let asked = vec![vec![0, 1], vec![], vec![0, 1], vec![2, 9]];
        let q = Questions::new(&asked, |j| e.get(j).map(Vec::as_slice));
        let h = 0.5f32.sqrt();
        assert_eq!(q.get(0), Some([h, h].as_slice()));
        assert_eq!(q.get(1), None);
        assert_eq!(q.get(2), q.get(0));
        // A sentence without a vector is left out; one beyond the units is none.
        assert_eq!(q.get(3), Some([1f32, 0.0].as_slice()));
        assert_eq!(q.get(4), None);
        assert_eq!(q.count(), 3);
        assert_eq!(q.vectors.len(), 2);
    }
}
