//! The demo corpus in data/demo: it ingests to 7 documents and 47
//! participants, its gold coding covers exactly the participant sentences the
//! ingester produces, and the number of participants per code in the gold
//! coding equals the figures of the study the corpus is modelled on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Participants mentioning each code, as the study reports them.
const STUDY_COUNTS: &[(&str, usize)] = &[
    ("technology", 24),
    ("collaboration", 17),
    ("urban_planning", 10),
    ("efficiency", 23),
    ("access_to_information", 17),
    ("safety", 17),
    ("quality_of_service", 4),
    ("privacy", 34),
    ("surveillance", 17),
    ("dependence", 6),
    ("law", 17),
    ("people", 15),
    ("resources", 13),
    ("implementation", 11),
    ("trust", 8),
    ("knowledge", 8),
    ("incentive", 6),
    ("resistance_to_change", 6),
    ("profit", 7),
    ("conflicting_goals", 5),
];

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo")
}

struct GoldLine {
    id: String,
    doc: String,
    speaker: String,
    text: String,
    labels: Vec<String>,
}

fn gold() -> Vec<GoldLine> {
    let path = demo_dir().join("gold.jsonl");
    let body = std::fs::read_to_string(&path).expect("read gold.jsonl");
    body.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("gold.jsonl line {}: {e}", i + 1));
            let field = |k: &str| {
                v[k].as_str()
                    .unwrap_or_else(|| panic!("gold.jsonl line {}: no string `{k}`", i + 1))
                    .to_string()
            };
            let labels = v["labels"]
                .as_array()
                .unwrap_or_else(|| panic!("gold.jsonl line {}: no `labels` array", i + 1))
                .iter()
                .map(|l| l.as_str().expect("label is a string").to_string())
                .collect();
            GoldLine {
                id: field("id"),
                doc: field("doc"),
                speaker: field("speaker"),
                text: field("text"),
                labels,
            }
        })
        .collect()
}

/// name -> (id, group) from participants.csv (no quoted fields in it).
fn participants() -> BTreeMap<String, (String, String)> {
    let body = std::fs::read_to_string(demo_dir().join("participants.csv"))
        .expect("read participants.csv");
    let mut lines = body.lines();
    assert_eq!(lines.next(), Some("id,name,group,role"));
    lines
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            assert_eq!(cols.len(), 4, "participants.csv row {line:?}");
            (
                cols[1].to_string(),
                (cols[0].to_string(), cols[2].to_string()),
            )
        })
        .collect()
}

/// Child code ids of codebook.yaml, read and validated by the project's
/// own codebook loader; every child has a definition and two examples.
fn child_codes() -> BTreeSet<String> {
    let path = demo_dir().join("codebook.yaml");
    let codebook =
        classify::load_codebook(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(codebook.name, "Smart city safety (demo)");
    let parents: BTreeSet<&str> = codebook
        .codes
        .iter()
        .filter(|c| c.parent.is_none())
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(
        parents,
        BTreeSet::from([
            "key_elements",
            "benefits",
            "risks",
            "obstacles_public_servants",
            "obstacles_citizens",
            "obstacles_companies",
        ])
    );
    let transcripts: String = (1..=7)
        .map(|n| {
            std::fs::read_to_string(demo_dir().join(format!("transcripts/group-{n}.txt")))
                .expect("read transcript")
        })
        .collect();
    let children: Vec<_> = codebook
        .codes
        .iter()
        .filter(|c| c.parent.is_some())
        .collect();
    for c in &children {
        assert!(!c.definition.trim().is_empty(), "{} has a definition", c.id);
        assert_eq!(c.examples.len(), 2, "{} has two examples", c.id);
        for example in &c.examples {
            assert!(
                !transcripts.contains(example.as_str()),
                "{}: example {example:?} is copied from a transcript",
                c.id
            );
        }
    }
    children.into_iter().map(|c| c.id.clone()).collect()
}

fn autocode(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_autocode"))
        .args(args)
        .output()
        .expect("run autocode");
    assert!(
        out.status.success(),
        "autocode {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn gold_counts_participants_per_code_as_the_study_reports() {
    let people = participants();
    assert_eq!(people.len(), 47);
    let ids: BTreeSet<&String> = people.values().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), 47, "participant ids are unique");

    let children = child_codes();
    assert_eq!(children.len(), 20);
    let expected: BTreeMap<&str, usize> = STUDY_COUNTS.iter().copied().collect();
    assert_eq!(
        children.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        expected.keys().copied().collect::<BTreeSet<_>>(),
        "codebook child codes are the study's codes"
    );

    let gold = gold();
    let mut mentioned: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for g in &gold {
        let (pid, group) = people
            .get(&g.speaker)
            .unwrap_or_else(|| panic!("{}: speaker {} not in participants.csv", g.id, g.speaker));
        let number = group.trim_start_matches("Group ");
        assert_eq!(
            g.doc,
            format!("transcripts/group-{number}.txt"),
            "{}: {} speaks in their own group",
            g.id,
            g.speaker
        );
        assert!(g.id.starts_with(&format!("{}:", g.doc)), "{}", g.id);
        for label in &g.labels {
            assert!(children.contains(label), "{}: unknown code {label}", g.id);
            mentioned.entry(label).or_default().insert(pid);
        }
    }
    let counts: BTreeMap<&str, usize> = expected
        .keys()
        .map(|code| (*code, mentioned.get(code).map_or(0, BTreeSet::len)))
        .collect();
    assert_eq!(counts, expected);
}

#[test]
fn every_group_has_a_moderator_asking_four_questions() {
    for n in 1..=7 {
        let path = demo_dir().join(format!("transcripts/group-{n}.txt"));
        let body = std::fs::read_to_string(&path).expect("read transcript");
        // The moderator asks nothing else, so the four questions are the
        // moderator's sentences that end in a question mark.
        let questions: Vec<&str> = body
            .lines()
            .filter_map(|l| l.strip_prefix("Moderator: "))
            .flat_map(|t| t.split_inclusive(['.', '?', '!']))
            .map(str::trim)
            .filter(|s| s.ends_with('?'))
            .collect();
        assert_eq!(questions.len(), 4, "group {n}: {questions:?}");
        let topics = [
            &["cities", "safe"][..],
            &["benefits", "risks"][..],
            &["citizens", "policy makers"][..],
            &["safe smart city"][..],
        ];
        for (q, words) in questions.iter().zip(topics) {
            for w in words {
                assert!(q.contains(w), "group {n}: {q:?} should mention {w:?}");
            }
        }
    }
}

#[test]
fn ingested_demo_matches_gold_sentence_for_sentence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().to_str().expect("utf-8 path");
    let demo = demo_dir();
    autocode(&["init", project]);
    autocode(&[
        "--project",
        project,
        "ingest",
        demo.to_str().expect("utf-8"),
    ]);

    let stats: Value =
        serde_json::from_slice(&autocode(&["--project", project, "stats", "--json"]).stdout)
            .expect("stats --json is JSON");
    assert_eq!(stats["documents"], 7, "{stats}");
    assert_eq!(stats["participants"], 47, "{stats}");

    let store = store::Store::open(dir.path()).expect("open the project store");
    let segments = store.segments(true).expect("segments");
    // Offsets are code points into the stored document text.
    let mut documents: BTreeMap<String, Vec<char>> = BTreeMap::new();
    for s in &segments {
        let chars = documents.entry(s.document.clone()).or_insert_with(|| {
            store
                .document_text(&s.document)
                .expect("document_text")
                .expect("document stored")
                .chars()
                .collect()
        });
        let slice: String = chars[s.start_char as usize..s.end_char as usize]
            .iter()
            .collect();
        assert_eq!(slice, s.text, "offsets of {}:{}", s.document, s.turn_index);
    }
    assert_eq!(documents.len(), 7);
    let people = participants();
    let ingested: BTreeMap<String, (String, Option<String>, Option<String>)> = segments
        .iter()
        .map(|s| {
            (
                format!("{}:{}:{}", s.document, s.turn_index, s.sentence_index),
                (s.text.clone(), s.speaker.clone(), s.participant_id.clone()),
            )
        })
        .collect();
    assert_eq!(ingested.len(), segments.len(), "segment ids are unique");

    let gold = gold();
    let gold_ids: BTreeSet<&str> = gold.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(gold_ids.len(), gold.len(), "gold ids are unique");
    for g in &gold {
        let (text, speaker, pid) = ingested
            .get(&g.id)
            .unwrap_or_else(|| panic!("gold {} ({:?}) is not an ingested segment", g.id, g.text));
        assert_eq!(text, &g.text, "{}", g.id);
        assert_eq!(speaker.as_deref(), Some(g.speaker.as_str()), "{}", g.id);
        assert_eq!(
            pid.as_deref(),
            Some(people[&g.speaker].0.as_str()),
            "{}",
            g.id
        );
    }
    let speaking: BTreeSet<&str> = segments
        .iter()
        .filter_map(|s| s.participant_id.as_deref())
        .collect();
    assert_eq!(speaking.len(), 47, "every participant speaks: {speaking:?}");
    let uncoded: Vec<&String> = ingested
        .keys()
        .filter(|id| !gold_ids.contains(id.as_str()))
        .collect();
    assert!(
        uncoded.is_empty(),
        "participant sentences without a gold line: {uncoded:?}"
    );
}
