//! A small focus-group project built in a real store: two documents, three
//! participants and a moderator, a two-level codebook, machine codings with
//! calibrated probabilities and two review decisions. Shared by the report
//! crate's tests and the binary's tests (tests/report.rs).
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use corpus::{Document, Participant, Segment, SourceFormat, Turn};
use store::Store;

pub struct SpeakerTurn<'a> {
    pub speaker: &'a str,
    pub participant: Option<&'a str>,
    pub moderator: bool,
    pub sentences: &'a [&'a str],
}

/// Lays turns out as `Speaker: sentence sentence<newline>` with code-point offsets.
pub fn document(name: &str, turns: &[SpeakerTurn], newline: &str) -> Document {
    let mut text = String::new();
    let mut len = 0usize;
    let mut out_turns = Vec::new();
    let mut segments = Vec::new();
    let push = |text: &mut String, len: &mut usize, s: &str| {
        text.push_str(s);
        *len += s.chars().count();
    };
    for (ti, t) in turns.iter().enumerate() {
        let turn_start = len;
        push(&mut text, &mut len, &format!("{}: ", t.speaker));
        for (si, s) in t.sentences.iter().enumerate() {
            if si > 0 {
                push(&mut text, &mut len, " ");
            }
            let start = len;
            push(&mut text, &mut len, s);
            segments.push(Segment {
                speaker: Some(t.speaker.to_string()),
                participant_id: t.participant.map(str::to_string),
                is_moderator: t.moderator,
                turn_index: ti,
                sentence_index: si,
                start_char: start,
                end_char: len,
                start_ms: None,
                end_ms: None,
                text: s.to_string(),
            });
        }
        out_turns.push(Turn {
            index: ti,
            speaker: Some(t.speaker.to_string()),
            role: None,
            is_moderator: t.moderator,
            start_char: turn_start,
            end_char: len,
            start_ms: None,
            end_ms: None,
        });
        push(&mut text, &mut len, newline);
    }
    Document {
        name: name.to_string(),
        source_path: name.to_string(),
        format: SourceFormat::Text,
        content_hash: corpus::content_hash(text.as_bytes()),
        text,
        turns: out_turns,
        segments,
        speaker_attributes: Default::default(),
    }
}

pub const CODEBOOK: &str = r##"{"name": "Neighbourhood safety", "codes": [
  {"id": "safety", "name": "Safety", "definition": "Feeling safe or unsafe"},
  {"id": "police", "name": "Police presence", "parent": "safety", "definition": "Police visible"},
  {"id": "lighting", "name": "Street lighting", "parent": "safety"},
  {"id": "parks", "name": "Parks", "color": "#2e8b57", "definition": "Green & open spaces"}
]}"##;

pub fn documents(newline: &str) -> Vec<Document> {
    vec![
        document(
            "group1.txt",
            &[
                SpeakerTurn {
                    speaker: "Moderator",
                    participant: Some("M"),
                    moderator: true,
                    sentences: &["Welcome everyone.", "What makes you feel safe?"],
                },
                SpeakerTurn {
                    speaker: "Ana",
                    participant: Some("P1"),
                    moderator: false,
                    sentences: &["I like seeing police on patrol.", "The park is lovely."],
                },
                SpeakerTurn {
                    speaker: "Ben",
                    participant: Some("P2"),
                    moderator: false,
                    sentences: &["Street lights are broken on Elm Street."],
                },
                SpeakerTurn {
                    speaker: "Moderator",
                    participant: Some("M"),
                    moderator: true,
                    sentences: &["Thanks."],
                },
            ],
            newline,
        ),
        document(
            "group2.txt",
            &[SpeakerTurn {
                speaker: "Cai",
                participant: Some("P3"),
                moderator: false,
                sentences: &[
                    "Nothing much <script>alert(1)</script> to add.",
                    "The park feels unsafe at night — café closed.",
                ],
            }],
            newline,
        ),
    ]
}

pub fn participants() -> Vec<Participant> {
    let p = |id: &str, name: &str, moderator: bool, attrs: &[(&str, &str)]| Participant {
        id: id.into(),
        name: name.into(),
        document: None,
        is_moderator: moderator,
        registered: true,
        attributes: attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    };
    vec![
        p("P1", "Ana", false, &[("group", "A"), ("role", "resident")]),
        p("P2", "Ben", false, &[("group", "A"), ("role", "police")]),
        p("P3", "Cai", false, &[("group", "B"), ("role", "resident")]),
        p("M", "Moderator", true, &[]),
    ]
}

/// The segment id of the sentence with this text.
pub fn seg(store: &Store, text: &str) -> i64 {
    store
        .conn()
        .query_row("SELECT id FROM segments WHERE text = ?1", [text], |r| {
            r.get(0)
        })
        .unwrap_or_else(|e| panic!("no segment {text:?}: {e}"))
}

pub fn machine(store: &Store, text: &str, code: &str, p: f64, assigned: bool) {
    let s = seg(store, text);
    store
        .conn()
        .execute(
            "INSERT INTO codings(segment_id, code_id, codebook_version, source, coder, confidence, assigned, model_key, classifier, created_at)
             VALUES (?1, ?2, 1, 'machine', 'knn', ?3, ?4, 'm', 'knn:abc', '2026-01-01T00:00:00Z')",
            (s, code, p, assigned),
        )
        .unwrap();
}

pub fn human(store: &Store, text: &str, code: &str, source: &str, coder: &str) {
    let s = seg(store, text);
    store
        .conn()
        .execute(
            "INSERT INTO codings(segment_id, code_id, codebook_version, source, coder, confidence, assigned, created_at)
             VALUES (?1, ?2, 1, ?3, ?4, 1.0, 1, '2026-01-01T00:00:00Z')",
            (s, code, source, coder),
        )
        .unwrap();
}

pub fn review(store: &Store, text: &str, code: &str, decision: &str, reviewer: &str) {
    review_as(store, text, code, decision, reviewer, false)
}

/// [`review`], made in blind double coding (`review --blind`) when `blind`.
pub fn review_as(
    store: &Store,
    text: &str,
    code: &str,
    decision: &str,
    reviewer: &str,
    blind: bool,
) {
    let s = seg(store, text);
    let (doc, hash): (String, String) = store
        .conn()
        .query_row(
            "SELECT d.name, s.text_hash FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id = ?1",
            [s],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    store
        .conn()
        .execute(
            "INSERT INTO reviews(segment_id, document, text_hash, code_id, decision, reviewer, created_at, blind)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, '2026-01-01T00:00:00Z', ?7)",
            (s, doc, hash, code, decision, reviewer, blind),
        )
        .unwrap();
    if decision == "accept" {
        human(store, text, code, "human", reviewer);
    }
}

/// Documents, participants and the codebook, no codings.
pub fn empty_project(dir: &Path, newline: &str) -> Store {
    let mut store = Store::create(dir).unwrap();
    store.put_participants(&participants()).unwrap();
    for d in documents(newline) {
        store.put_document(&d).unwrap();
    }
    store
        .conn()
        .execute(
            "INSERT INTO codebooks(version, name, content_hash, body, created_at) VALUES (1, 'Neighbourhood safety', 'h1', ?1, '2026-01-01T00:00:00Z')",
            [CODEBOOK],
        )
        .unwrap();
    store
}

pub const ANA_POLICE: &str = "I like seeing police on patrol.";
pub const ANA_PARK: &str = "The park is lovely.";
pub const BEN_LIGHTS: &str = "Street lights are broken on Elm Street.";
pub const CAI_SCRIPT: &str = "Nothing much <script>alert(1)</script> to add.";
pub const CAI_PARK: &str = "The park feels unsafe at night — café closed.";
pub const MOD_Q: &str = "What makes you feel safe?";

/// The project with machine codings and two reviews (see the module docs).
pub fn project(dir: &Path, newline: &str) -> Store {
    let store = empty_project(dir, newline);
    machine(&store, ANA_POLICE, "police", 0.9, true);
    machine(&store, ANA_POLICE, "lighting", 0.1, false);
    machine(&store, ANA_PARK, "parks", 0.8, true);
    machine(&store, BEN_LIGHTS, "lighting", 0.7, true);
    machine(&store, BEN_LIGHTS, "police", 0.3, false);
    machine(&store, CAI_SCRIPT, "police", 0.2, false);
    machine(&store, CAI_PARK, "parks", 0.6, true);
    machine(&store, CAI_PARK, "police", 0.55, true);
    machine(&store, MOD_Q, "police", 0.9, true);
    review(&store, ANA_POLICE, "police", "accept", "rev");
    review(&store, CAI_PARK, "police", "reject", "rev");
    store
}

/// Gold for every sentence, audited by document (a census), coded under
/// codebook version 1, which had no "lighting"; version 2 (`CODEBOOK`)
/// added it, and the machine codes it on Ben's sentence. Returns the store
/// and the gold as people would code it under version 2 (Ben's broken
/// lights are lighting).
pub fn audited_before_lighting(dir: &Path) -> (Store, BTreeMap<i64, BTreeSet<String>>) {
    let mut store = empty_project(dir, "\n");
    add_lighting_later(&store);
    machine(&store, BEN_LIGHTS, "lighting", 0.7, true);
    machine(&store, ANA_PARK, "parks", 0.8, true);
    let everyone = [ANA_POLICE, ANA_PARK, BEN_LIGHTS, CAI_SCRIPT, CAI_PARK];
    let gold = |extra: Option<&str>| {
        everyone
            .iter()
            .map(|t| {
                let mut codes = BTreeSet::new();
                match *t {
                    ANA_POLICE => {
                        codes.insert("police".to_string());
                    }
                    ANA_PARK | CAI_PARK => {
                        codes.insert("parks".to_string());
                    }
                    BEN_LIGHTS => codes.extend(extra.map(String::from)),
                    _ => {}
                }
                (seg(&store, t), codes)
            })
            .collect::<BTreeMap<_, _>>()
    };
    let (labels_v1, labels_v2) = (gold(None), gold(Some("lighting")));
    store.put_gold_codings("g", Some(1), &labels_v1).unwrap();
    let docs: Vec<String> = ["group1.txt", "group2.txt"].map(String::from).to_vec();
    store
        .put_audit_sample("document", "draw", Some(1), 2, &docs)
        .unwrap();
    (store, labels_v2)
}

/// Codebook version 1 (2026-01-01) without "lighting", version 2
/// (2026-01-02, `CODEBOOK`) with it: a code added after people coded, as
/// the review page adds one (a child version of 1, so the machine's
/// codings under 1 still describe the project). Version 2 is in use (the
/// report reads that one, not the newest by number).
pub fn add_lighting_later(store: &Store) {
    let v1 = CODEBOOK.replace(
        "  {\"id\": \"lighting\", \"name\": \"Street lighting\", \"parent\": \"safety\"},\n",
        "",
    );
    assert_ne!(v1, CODEBOOK);
    store
        .conn()
        .execute("UPDATE codebooks SET body = ?1 WHERE version = 1", [&v1])
        .unwrap();
    put_version_in_use(store, 2, CODEBOOK, Some(1), "2026-01-02T00:00:00Z");
}

/// Stores codebook `version` (`body`; made on the review page from
/// `parent`, or a file's root without one) and makes it the codebook in use.
pub fn put_version_in_use(store: &Store, version: i64, body: &str, parent: Option<i64>, at: &str) {
    let origin = if parent.is_some() { "review" } else { "file" };
    store
        .conn()
        .execute(
            "INSERT INTO codebooks(version, name, content_hash, body, created_at, parent_version, origin)
             VALUES (?1, 'Neighbourhood safety', 'h' || ?1, ?2, ?3, ?4, ?5)",
            (version, body, at, parent, origin),
        )
        .unwrap();
    store
        .conn()
        .execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
            (store::CODEBOOK_IN_USE_META, version.to_string()),
        )
        .unwrap();
}
