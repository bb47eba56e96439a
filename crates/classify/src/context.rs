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

/// Each item's [`Context`]: the embeddings of its [`neighbours`].
pub fn contexts<'a>(
    embeddings: &[&'a [f32]],
    neighbours: &[(Option<usize>, Option<usize>)],
) -> Vec<Context<'a>> {
    neighbours
        .iter()
        .map(|&(before, after)| Context {
            before: before.map(|j| embeddings[j]),
            after: after.map(|j| embeddings[j]),
        })
        .collect()
}

/// Each gold item's neighbours within its turn, by the turn and sentence
/// of autocode's own ids (`<doc>:<turn>:<sentence>`, as `autocode code`
/// groups and orders stored sentences). A file whose ids are not all of
/// that form has no turns: its items follow the file's order within each
/// document. Items without a speaker (written text) have no neighbours
/// and are no one's.
pub fn gold_neighbours(items: &[&GoldItem]) -> Vec<(Option<usize>, Option<usize>)> {
    let parsed: Vec<Option<(u64, u64)>> = items
        .iter()
        .map(|it| {
            let doc = it.doc.as_deref()?;
            let rest = it.id.strip_prefix(doc)?.strip_prefix(':')?;
            let (turn, sentence) = rest.split_once(':')?;
            Some((turn.parse().ok()?, sentence.parse().ok()?))
        })
        .collect();
    let all = parsed.iter().all(Option::is_some);
    // (document, turn) groups; the sentence, or the line, orders a group.
    let keys: Vec<(Option<(&str, u64)>, u64)> = items
        .iter()
        .zip(&parsed)
        .enumerate()
        .map(|(i, (it, p))| {
            let (turn, pos) = match (all, p) {
                (true, Some((turn, sentence))) => (*turn, *sentence),
                _ => (0, i as u64),
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
        }
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
        // Ids of another form: file order.
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
        let refs: Vec<&GoldItem> = its.iter().collect();
        let e = [[1f32].as_slice(), &[2.0], &[3.0], &[4.0]];
        let c = contexts(&e, &gold_neighbours(&refs));
        assert_eq!(c[1].before, Some([1f32].as_slice()));
        assert_eq!(c[1].after, Some([4f32].as_slice()));
        assert_eq!(c[2], Context::default());
    }
}
