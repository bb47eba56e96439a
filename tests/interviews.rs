//! Issue #16: the interview corpus in data/interviews ingests without a
//! participants file with one participant per interviewee per document and
//! the interviewers as moderators, in every label style it holds; its
//! documents.csv gives case attributes that stats and the report's
//! crosstabs use.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/interviews")
}

fn autocode(project: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_autocode"))
        .arg("--project")
        .arg(project)
        .args(args)
        .output()
        .expect("run autocode")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: Output) -> Value {
    serde_json::from_str(&ok(out)).expect("JSON")
}

fn ingested() -> tempfile::TempDir {
    let project = tempfile::tempdir().unwrap();
    ok(autocode(project.path(), &["init"]));
    ok(autocode(
        project.path(),
        &["ingest", corpus().to_str().unwrap()],
    ));
    project
}

#[test]
fn one_participant_per_interviewee_per_document_in_every_label_style() {
    let project = ingested();
    let store = store::Store::open(project.path()).unwrap();
    // document → (participant ids, moderator labels)
    let mut seen: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for s in store.segments(false).unwrap() {
        let entry = seen.entry(s.document.clone()).or_default();
        if s.is_moderator {
            entry
                .1
                .insert(s.speaker.clone().expect("moderators have labels"));
        } else {
            entry
                .0
                .insert(s.participant_id.clone().expect("every turn has a speaker"));
        }
    }
    let set = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
    let expected = [
        ("interview-01.txt", "Interviewee", &["Interviewer 1"][..]),
        (
            "interview-02.txt",
            "Interviewee",
            &["Interviewer 1", "Interviewer2"],
        ),
        // `Interviewee:` and `interviewee:` are one person.
        ("interview-03.txt", "Interviewee", &["Interviewer"]),
        ("interview-04.txt", "A", &["Q"]),
        ("interview-05.txt", "Respondent", &["INT"]),
        ("interview-06.vtt", "Interviewee", &["Interviewer"]),
        ("interview-07.txt", "Interviewee", &["Interviewer 1"]),
        ("interview-08.txt", "IE", &["Int1"]),
        ("interview-09.txt", "R", &["I"]),
        ("interview-10.vtt", "Participant", &["Interviewer"]),
        ("interview-11.txt", "interviewee", &["Interviewer 1"]),
        ("interview-12.txt", "Interviewee", &["I1"]),
    ];
    assert_eq!(seen.len(), expected.len());
    for (doc, label, moderators) in expected {
        let (participants, mods) = &seen[doc];
        assert_eq!(participants, &set(&[&format!("{doc}/{label}")]), "{doc}");
        assert_eq!(mods, &set(moderators), "{doc}");
    }

    let st = json(autocode(project.path(), &["stats", "--json"]));
    assert_eq!(st["documents"], 12, "{st}");
    assert_eq!(st["participants"], 12, "{st}");
    assert_eq!(st["speakers"]["per_document_participants"], 12, "{st}");
    assert_eq!(st["speakers"]["named_participants"], 0, "{st}");
    assert_eq!(
        st["speakers"]["per_document_labels"]["Interviewee"], 6,
        "{st}"
    );
    assert_eq!(
        st["speakers"]["moderator_labels"],
        serde_json::json!([
            "I",
            "I1",
            "INT",
            "Int1",
            "Interviewer",
            "Interviewer 1",
            "Interviewer2",
            "Q"
        ]),
        "{st}"
    );
    // Backward compatible: the keys stats always had are still at the top.
    for key in [
        "moderators",
        "turns",
        "segments",
        "participant_segments",
        "participants_by",
    ] {
        assert!(st.get(key).is_some(), "{key} in {st}");
    }
    assert_eq!(st["documents_by"]["city"]["Leeds"], 4, "{st}");
    let table = ok(autocode(project.path(), &["stats"]));
    assert!(
        table.contains("12 per-document interviewees (labels 'A', 'IE', 'Interviewee', 'Participant', 'R', 'Respondent', 'interviewee')"),
        "{table}"
    );
}

#[test]
fn gold_covers_every_interviewee_sentence() {
    let project = ingested();
    let store = store::Store::open(project.path()).unwrap();
    let gold = std::fs::read_to_string(corpus().join("gold.jsonl")).unwrap();
    let mut ids = BTreeSet::new();
    for line in gold.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        ids.insert(v["id"].as_str().unwrap().to_string());
    }
    let stored: BTreeSet<String> = store
        .segments(true)
        .unwrap()
        .iter()
        .map(|s| format!("{}:{}:{}", s.document, s.turn_index, s.sentence_index))
        .collect();
    assert_eq!(ids, stored);
    // Imported, the gold covers those sentences and no interviewer's: an
    // interviewee's "Yeah." names its speaker, so the interviewer's "Yeah."
    // in the same interview is not covered (before: 504 covered, 14 of them
    // the interviewers').
    drop(store);
    let p = project.path();
    ok(Command::new(env!("CARGO_BIN_EXE_autocode"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--project", p.to_str().unwrap(), "embed"])
        .output()
        .unwrap());
    let gold_file = corpus().join("gold.jsonl");
    ok(autocode(
        p,
        &[
            "code",
            "--mode",
            "zero-shot",
            "--codebook",
            corpus().join("codebook.yaml").to_str().unwrap(),
            "--import-gold",
            gold_file.to_str().unwrap(),
        ],
    ));
    let store = store::Store::open(p).unwrap();
    let covered: Vec<bool> = store
        .conn()
        .prepare(
            "SELECT s.is_moderator FROM gold_coverage g JOIN segments s ON s.id = g.segment_id",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(covered.len(), 490);
    assert!(covered.iter().all(|moderator| !moderator));
}

#[test]
fn report_crosstabs_use_document_attributes() {
    let project = ingested();
    let out = project.path().join("report");
    ok(autocode(
        project.path(),
        &["report", "--out", out.to_str().unwrap()],
    ));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let by = &report["totals"]["participants_by"];
    // One interviewee per interview, counted by the interview's attributes.
    assert_eq!(by["city"]["Leeds"], 4, "{by}");
    assert_eq!(by["city"]["Glasgow"], 4, "{by}");
    assert_eq!(by["setup"]["remote"], 5, "{by}");
    assert_eq!(by["team_size"]["11-50"], 4, "{by}");
}

#[test]
fn an_unknown_document_in_documents_csv_is_named() {
    let project = tempfile::tempdir().unwrap();
    ok(autocode(project.path(), &["init"]));
    let input = tempfile::tempdir().unwrap();
    std::fs::write(input.path().join("a.txt"), "Q: Why?\nA: Because.\n").unwrap();
    // Outside the transcripts folder: a CSV there would be read as a transcript.
    let elsewhere = tempfile::tempdir().unwrap();
    let docs = elsewhere.path().join("cases.csv");
    std::fs::write(&docs, "document,site\na,Leeds\nb.txt,York\n").unwrap();
    let out = autocode(
        project.path(),
        &[
            "ingest",
            input.path().to_str().unwrap(),
            "--documents",
            docs.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: row 2 (line 3): field `document`: no ingested document is called `b.txt` (1 unknown)",
            docs.display()
        )),
        "{stderr}"
    );
    std::fs::write(&docs, "document,site\na,Leeds\n").unwrap();
    ok(autocode(
        project.path(),
        &[
            "ingest",
            input.path().to_str().unwrap(),
            "--documents",
            docs.to_str().unwrap(),
        ],
    ));
    let store = store::Store::open(project.path()).unwrap();
    assert_eq!(
        store.document_attributes().unwrap()["a.txt"]["site"],
        "Leeds"
    );
}
