//! The labels `code` trains on from what people stored
//! ([`pipeline::code::stored_labels`]): reviewers' latest judgements, and
//! only the codes a judgement could have seen.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use classify::{Codebook, Label};
use pipeline::code::stored_labels;
use store::{Store, StoredSegment};

/// A store of Ann's three sentences ("Cameras everywhere.", "I trust
/// nobody.", "We need rules.") and their stored rows.
fn three_sentences(dir: &Path) -> (Store, Vec<StoredSegment>) {
    let path = dir.join("a.txt");
    std::fs::write(
        &path,
        "Ann: Cameras everywhere. I trust nobody. We need rules.\n",
    )
    .unwrap();
    let people = corpus::Participants::default();
    let docs = corpus::read_file(&path, "a.txt", &Default::default(), &people.index()).unwrap();
    let mut store = Store::create(dir).unwrap();
    store.put_document(&docs[0]).unwrap();
    let segs = store.segments(false).unwrap();
    (store, segs)
}

fn surveillance_and_trust() -> Codebook {
    Codebook {
        name: "t".into(),
        codes: ["surveillance", "trust"]
            .iter()
            .map(|id| classify::Code {
                id: id.to_string(),
                name: id.to_string(),
                ..Default::default()
            })
            .collect(),
    }
}

/// Records a reviewer's decision on a sentence, at its current version.
fn decide(
    store: &mut Store,
    segment_id: i64,
    code: Option<&str>,
    decision: store::Decision,
    who: &str,
) {
    let version = store.review_version(segment_id, None).unwrap();
    store
        .record_review(
            &store::ReviewInput {
                segment_id,
                code_id: code.map(String::from),
                decision,
                new_code_id: None,
                reviewer: who.into(),
                memo: None,
            },
            version,
            None,
        )
        .unwrap();
}

/// Two reviewers on one sentence: the later judgement is the label
/// `code` trains on, whichever name sorts first, as the report counts
/// it; and a later "no code" takes back an earlier reviewer's accept.
#[test]
fn the_latest_judgement_of_any_reviewer_is_the_training_label() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, segs) = three_sentences(dir.path());
    let cb = surveillance_and_trust();
    let mut decide = |seg: usize, code: Option<&str>, decision: store::Decision, who: &str| {
        decide(&mut store, segs[seg].id, code, decision, who)
    };
    use store::Decision::{Accept, None as NoCode, Reject};
    // Sentence 0: "zoe" rejects, then "ann" accepts (ann sorts first).
    decide(0, Some("surveillance"), Reject, "zoe");
    decide(0, Some("surveillance"), Accept, "ann");
    // Sentence 1: "ann" rejects, then "zoe" accepts (zoe sorts last).
    decide(1, Some("trust"), Reject, "ann");
    decide(1, Some("trust"), Accept, "zoe");
    // Sentence 2: "zoe" accepts, then "ann" marks it "no code".
    decide(2, Some("trust"), Accept, "zoe");
    decide(2, None, NoCode, "ann");
    let labels = stored_labels(&store, &cb).unwrap();
    assert_eq!(labels[&segs[0].id], vec![Label::Yes, Label::Unknown]);
    assert_eq!(labels[&segs[1].id], vec![Label::Unknown, Label::Yes]);
    assert_eq!(labels[&segs[2].id], vec![Label::No, Label::No]);
}

/// Blind double coders (`review --blind`) see only their own decisions:
/// neither overrules the other, and a code one of them gives is a Yes
/// whichever saved last (their union, as the report counts them). A
/// decision made seeing theirs, without `--blind`, still stands over both.
#[test]
fn blind_reviewers_are_trained_on_as_their_union() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, segs) = three_sentences(dir.path());
    let cb = surveillance_and_trust();
    use store::Decision::{Accept, None as NoCode, Reject};
    let mut blind = |seg: usize, code: Option<&str>, decision: store::Decision, who: &str| {
        let id = segs[seg].id;
        let version = store.review_version(id, Some(who)).unwrap();
        let input = store::ReviewInput {
            segment_id: id,
            code_id: code.map(String::from),
            decision,
            new_code_id: None,
            reviewer: who.into(),
            memo: None,
        };
        store.record_review(&input, version, Some(who)).unwrap();
    };
    // Sentence 0: ann accepts, then zoe rejects; sentence 1 the other way
    // round; sentence 2: zoe accepts trust, ann says "no code".
    blind(0, Some("surveillance"), Accept, "ann");
    blind(0, Some("surveillance"), Reject, "zoe");
    blind(1, Some("trust"), Reject, "zoe");
    blind(1, Some("trust"), Accept, "ann");
    blind(2, Some("trust"), Accept, "zoe");
    blind(2, None, NoCode, "ann");
    let labels = stored_labels(&store, &cb).unwrap();
    assert_eq!(labels[&segs[0].id], vec![Label::Yes, Label::Unknown]);
    assert_eq!(labels[&segs[1].id], vec![Label::Unknown, Label::Yes]);
    assert_eq!(labels[&segs[2].id], vec![Label::No, Label::Yes]);
    // Rita, reviewing with both in view, turns surveillance down.
    decide(&mut store, segs[0].id, Some("surveillance"), Reject, "rita");
    let labels = stored_labels(&store, &cb).unwrap();
    assert_eq!(labels[&segs[0].id], vec![Label::No, Label::Unknown]);
}

/// Gold coded under a codebook that had no "trust" says nothing about
/// trust: the sentence is a No of surveillance only. Gold whose
/// version is not recorded judges every code, as before. A reviewer's
/// "no code" made before trust was in any codebook does not judge it
/// either.
#[test]
fn a_judgement_made_before_a_code_existed_is_no_label_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, segs) = three_sentences(dir.path());
    // Version 1 of the codebook, with surveillance alone.
    let version = |store: &Store, v: i64, codes: &[&str], at: &str| {
        let body = serde_json::json!({
            "name": "t",
            "codes": codes.iter().map(|c| serde_json::json!({"id": c, "name": c})).collect::<Vec<_>>(),
        });
        store
            .conn()
            .execute(
                "INSERT INTO codebooks(version, name, content_hash, body, created_at) VALUES (?1, 't', ?1, ?2, ?3)",
                (v, body.to_string(), at),
            )
            .unwrap();
    };
    version(&store, 1, &["surveillance"], "2000-01-01T00:00:00Z");
    let cb = surveillance_and_trust();
    let none = BTreeMap::from([(segs[0].id, BTreeSet::new())]);
    store.put_gold_codings("g", Some(1), &none).unwrap();
    let unversioned = BTreeMap::from([(segs[1].id, BTreeSet::new())]);
    store.put_gold_codings("g", None, &unversioned).unwrap();
    let labels = stored_labels(&store, &cb).unwrap();
    assert_eq!(labels[&segs[0].id], vec![Label::No, Label::Unknown]);
    assert_eq!(labels[&segs[1].id], vec![Label::No, Label::No]);

    // A reviewer's "no code" now, and "trust" first in a codebook made
    // after it (a future date stands for "later"): no label of trust.
    decide(&mut store, segs[2].id, None, store::Decision::None, "ann");
    version(
        &store,
        2,
        &["surveillance", "trust"],
        "2999-01-01T00:00:00Z",
    );
    let labels = stored_labels(&store, &cb).unwrap();
    assert_eq!(labels[&segs[2].id], vec![Label::No, Label::Unknown]);
}

/// A code judged absent is absent below it, as the report counts it: a
/// rejected parent makes its children No (hr/04: a code split into
/// children after its rejection had them learnt as unknown, and the
/// machine gave them back); a recode from a parent to its own child gives
/// the child (the "absent" of a decision before its "given").
#[test]
fn a_rejected_code_is_a_no_for_the_codes_below_it() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, segs) = three_sentences(dir.path());
    let cb = Codebook {
        name: "t".into(),
        codes: [
            ("support", None),
            ("peer", Some("support")),
            ("family", Some("support")),
        ]
        .iter()
        .map(|(id, parent)| classify::Code {
            id: id.to_string(),
            name: id.to_string(),
            parent: parent.map(String::from),
            ..Default::default()
        })
        .collect(),
    };
    decide(
        &mut store,
        segs[0].id,
        Some("support"),
        store::Decision::Reject,
        "ann",
    );
    let version = store.review_version(segs[1].id, None).unwrap();
    store
        .record_review(
            &store::ReviewInput {
                segment_id: segs[1].id,
                code_id: Some("support".into()),
                decision: store::Decision::Recode,
                new_code_id: Some("peer".into()),
                reviewer: "ann".into(),
                memo: None,
            },
            version,
            None,
        )
        .unwrap();
    let labels = stored_labels(&store, &cb).unwrap();
    assert_eq!(labels[&segs[0].id], vec![Label::No, Label::No, Label::No]);
    assert_eq!(labels[&segs[1].id][1..], [Label::Yes, Label::No]);
}
