//! The units around a unit: which item comes just before and just after
//! each one in its document, so that a code model can read a sentence in
//! its place ([`crate::Context`], [`crate::ClassifierParams::context_weight`]).
//! `autocode code` orders the stored sentences by turn and sentence;
//! `autocode eval code` orders gold items the same way, so the learner
//! measured is the learner used.
//!
//! Only spoken units (those with a speaker: transcripts of interviews and
//! focus groups) have neighbours. A sentence of talk is often about what
//! the sentence before it was about ("It's not the same but it's, it's
//! something."), and a coder reads it there; a paragraph of a written
//! document, or a survey answer, stands alone. Measured by grouped
//! cross-validation (docs/classify.md, "The sentences around a unit"):
//! context lifts supervised κ on the demo's focus groups and on
//! data/interviews, and costs it on OPP-115's policy paragraphs.

use crate::eval::GoldItem;
use crate::model::Context;

/// For each item, the index of the item just before it and just after it
/// in the same document, the items of a document ordered by `keys[i].1`
/// (ties by index). `None` at a document's edge, and for every item whose
/// document is `None` (a unit alone, such as a survey answer).
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

/// Where a gold item stands in its document: the turn and sentence of
/// autocode's own ids (`<doc>:<turn>:<sentence>`, as `autocode code`
/// orders stored sentences), else its line in the file; a file whose ids
/// are not all of that form keeps file order for all its items. Items
/// without a speaker (written text) have no neighbours and are no one's.
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
    let keys: Vec<(Option<&str>, (u64, u64))> = items
        .iter()
        .zip(&parsed)
        .enumerate()
        .map(|(i, (it, p))| {
            let pos = match (all, p) {
                (true, Some(p)) => *p,
                _ => (i as u64, 0),
            };
            (it.doc.as_deref().filter(|_| it.speaker.is_some()), pos)
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
        // Turn 10 comes after turn 9 (numbers, not text); another document
        // does not interleave.
        let its = [
            item("t.txt:10:0", Some("t.txt")),
            item("t.txt:9:1", Some("t.txt")),
            item("u.txt:1:0", Some("u.txt")),
            item("t.txt:9:0", Some("t.txt")),
        ];
        let refs: Vec<&GoldItem> = its.iter().collect();
        assert_eq!(
            gold_neighbours(&refs),
            vec![
                (Some(1), None),
                (Some(3), Some(0)),
                (None, None),
                (None, Some(1))
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
