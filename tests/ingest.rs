//! `autocode ingest` end to end: every input format from
//! tests/fixtures/ingest/corpus, offsets checked against the stored text,
//! idempotent re-ingest, replacement of changed files, and bad input that is
//! reported per file without stopping the others.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest/corpus")
}

fn autocode(project: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_autocode"))
        .arg("--project")
        .arg(project)
        .args(args)
        .output()
        .expect("run autocode")
}

fn new_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = autocode(dir.path(), &["init"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn ingest_json(project: &Path, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["ingest", "--json"];
    all.extend_from_slice(args);
    let out = autocode(project, &all);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "ingest --json printed no JSON ({e}):\n{}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().expect("exit code"), json, stderr)
}

/// Every stored sentence as (speaker, is a moderator's, text), in
/// document and transcript order.
fn speakers_and_sentences(project: &Path) -> Vec<(String, bool, String)> {
    let db = rusqlite::Connection::open(project.join("autocode.db")).unwrap();
    let mut stmt = db
        .prepare(
            "SELECT speaker, is_moderator, text FROM segments ORDER BY document_id, turn_index, sentence_index",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows
}

fn stats(project: &Path) -> Value {
    let out = autocode(project, &["stats", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stats --json")
}

/// Every stored segment is exactly its document's text sliced by its code
/// point offsets.
fn assert_offsets_round_trip(store: &store::Store) -> usize {
    let segments = store.segments(false).expect("segments");
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for s in &segments {
        let text = texts.entry(s.document.clone()).or_insert_with(|| {
            store
                .document_text(&s.document)
                .expect("document_text")
                .expect("document stored")
        });
        let slice: String = text
            .chars()
            .skip(s.start_char as usize)
            .take((s.end_char - s.start_char) as usize)
            .collect();
        assert_eq!(
            slice, s.text,
            "{}:{}:{}",
            s.document, s.turn_index, s.sentence_index
        );
        assert_eq!(s.text.trim(), s.text);
    }
    segments.len()
}

#[test]
fn every_format_is_ingested_with_exact_offsets() {
    let project = new_project();
    let corpus = fixtures();
    let (code, summary, stderr) = ingest_json(project.path(), &[corpus.to_str().unwrap()]);
    assert_eq!(code, 0, "{summary}\n{stderr}");

    let statuses: Vec<(String, String)> = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let rel = Path::new(path).strip_prefix(&corpus).unwrap();
            (
                rel.display().to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let ok = |name: &str| (name.to_string(), "ok".to_string());
    // Sorted walk; codebook, gold, README, toml, hidden files and the
    // participants file are not transcripts; the mp3 is reported as skipped.
    assert_eq!(
        statuses,
        vec![
            ok("group-a.txt"),
            ok("harbour.docx"),
            ok("interview-b.md"),
            ok("panel-c.vtt"),
            ok("panel-d.srt"),
            ok("rows.csv"),
            ok("rows.jsonl"),
            ok("sub/cafe-1252.txt"),
            ok("sub/utf16.txt"),
        ]
    );
    assert_eq!(summary["skipped"].as_array().unwrap().len(), 1);
    assert_eq!(summary["inserted"], 10);
    assert_eq!(summary["registered_participants"], 14);
    assert_eq!(
        summary["unregistered_speakers"],
        serde_json::json!({"Carl": ["group-a.txt"]})
    );
    // Issue #16: `A` beside `Q` is the document's own interviewee, not a name.
    assert_eq!(
        summary["per_document_speakers"],
        serde_json::json!({"A": ["group-a.txt"]})
    );

    let st = stats(project.path());
    assert_eq!(st["documents"], 10, "{st}");
    assert_eq!(st["turns"], 28, "{st}");
    assert_eq!(st["segments"], 45, "{st}");
    assert_eq!(st["participant_segments"], 31, "{st}");
    // 13 listed participants speak, plus Carl and A who are not listed;
    // Moderator, Interviewer and Q are moderators.
    assert_eq!(st["participants"], 15, "{st}");
    assert_eq!(st["moderators"], 3, "{st}");
    assert_eq!(st["participants_by"]["role"]["police"], 3, "{st}");

    let store = store::Store::open(project.path()).expect("open store");
    assert_eq!(assert_offsets_round_trip(&store), 45);

    let segments = store.segments(false).unwrap();
    let find = |doc: &str, text: &str| {
        segments
            .iter()
            .find(|s| s.document == doc && s.text == text)
            .unwrap_or_else(|| panic!("no segment {text:?} in {doc}"))
    };
    // Plain text: role label, timestamp, abbreviations, a colon sentence kept
    // inside the turn, emoji, CRLF.
    let anna = find("group-a.txt", "We need lighting, e.g. Around the station.");
    assert_eq!(
        (
            anna.participant_id.as_deref(),
            anna.start_ms,
            anna.turn_index
        ),
        (Some("P1"), Some(15_000), 1)
    );
    find(
        "group-a.txt",
        "Mr. Jansen from the council asked us the same.",
    );
    find("group-a.txt", "Note: the recorder was moved here.");
    let bob = find(
        "group-a.txt",
        "Costs rose by 3.5 percent, so… money matters.",
    );
    assert_eq!(
        bob.participant_id.as_deref(),
        Some("P2"),
        "BOB maps to Bob, scoped to group-a"
    );
    let carl = find("group-a.txt", "The point is: we need trust first.");
    assert_eq!(carl.participant_id.as_deref(), Some("Carl"));
    find("group-a.txt", "Naïve optimism won't do 🙂.");
    assert!(find("group-a.txt", "And the others?").is_moderator);
    assert!(find("group-a.txt", "Welcome, everyone.").is_moderator);
    assert!(!find("group-a.txt", "Prof. Smith would say it depends.").is_moderator);
    // DOCX: bold labels, entities, a table row with time and speaker.
    let jonas = find("harbour.docx", "It costs approx. 3.5 million a year.");
    assert_eq!(
        (jonas.participant_id.as_deref(), jonas.start_ms),
        (Some("P11"), Some(750_000))
    );
    find("harbour.docx", "The new lights & cameras helped.");
    find(
        "harbour.docx",
        "We still lack staff, i.e. People on the street.",
    );
    assert!(find("harbour.docx", "How safe does the harbour feel at night?").is_moderator);
    // Markdown: bold labels; headings are not text of any turn.
    find(
        "interview-b.md",
        "Data breaches happen, cf. The incident last year.",
    );
    assert!(!segments.iter().any(|s| s.text.contains("Part 2")));
    // WebVTT: cues of one voice merged, a sentence spanning two cues gets
    // the start of the first and the end of the second.
    let erik = find(
        "panel-c.vtt",
        "I mean the feeling of being watched all the time.",
    );
    assert_eq!((erik.start_ms, erik.end_ms), (Some(4_500), Some(9_000)));
    let fatima = find("panel-c.vtt", "And data leaks & hacks.");
    assert_eq!(fatima.participant_id.as_deref(), Some("P5"));
    // SRT: a cue without a label continues the speaker before it.
    let greta = find("panel-d.srt", "Mostly trust, honestly.");
    assert_eq!(
        (greta.speaker.as_deref(), greta.start_ms),
        (Some("GRETA"), Some(6_000))
    );
    // CSV and JSONL: rows grouped into documents by `doc`, times kept.
    let hanna = find("interview-e", "We lack people, staff and budget.");
    assert_eq!((hanna.start_ms, hanna.end_ms), (Some(2_500), Some(9_000)));
    find("interview-f", "Profit comes first, sadly.");
    let jana = find("interview-g", "If the system fails, nothing works.");
    assert_eq!(
        (jana.participant_id.as_deref(), jana.end_ms),
        (Some("P9"), Some(8_500))
    );
    // Windows-1252 and UTF-16 transcoded.
    find("sub/cafe-1252.txt", "Près de la gare – à côté.");
    find("sub/utf16.txt", "Gut 😀.");
    assert_eq!(
        store.document_text("sub/utf16.txt").unwrap().unwrap(),
        "Moderator: Wie geht’s?\r\nJürgen: Gut 😀. Danke!\r\n"
    );

    // Participant attributes come from the participants file.
    let attrs = store.participant_attributes().unwrap();
    assert_eq!(attrs["P12"]["age_band"], "60-69");
    assert_eq!(attrs["P12"]["group"], "I");
}

fn write(dir: &Path, name: &str, body: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path
}

#[test]
fn reingest_is_idempotent_and_a_changed_file_replaces_its_segments() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    let a = write(
        input.path(),
        "a.txt",
        b"Moderator: Hello.\nAnna: First point. Second point.\n",
    );
    write(input.path(), "b.txt", b"Moderator: Hi.\nBob: Fine.\n");
    let dir = input.path().to_str().unwrap();

    let (code, first, _) = ingest_json(project.path(), &[dir]);
    assert_eq!((code, &first["inserted"]), (0, &Value::from(2)), "{first}");
    let ids_before: Vec<i64> = store::Store::open(project.path())
        .unwrap()
        .segments(false)
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();

    let (code, again, _) = ingest_json(project.path(), &[dir]);
    assert_eq!(code, 0);
    assert_eq!(
        (&again["inserted"], &again["replaced"], &again["unchanged"]),
        (&Value::from(0), &Value::from(0), &Value::from(2)),
        "{again}"
    );
    assert_eq!(again["files"][0]["status"], "unchanged");
    let store = store::Store::open(project.path()).unwrap();
    let ids_again: Vec<i64> = store
        .segments(false)
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids_before, ids_again, "nothing rewritten");
    drop(store);

    std::fs::write(&a, "Moderator: Hello.\nAnna: Only one point now!\n").unwrap();
    let (code, changed, _) = ingest_json(project.path(), &[dir]);
    assert_eq!(code, 0);
    assert_eq!(
        (&changed["replaced"], &changed["unchanged"]),
        (&Value::from(1), &Value::from(1)),
        "{changed}"
    );
    let store = store::Store::open(project.path()).unwrap();
    let texts: Vec<String> = store
        .segments(false)
        .unwrap()
        .into_iter()
        .filter(|s| s.document == "a.txt")
        .map(|s| s.text)
        .collect();
    assert_eq!(texts, ["Hello.", "Only one point now!"]);
    assert_eq!(stats(project.path())["segments"], 4);
    assert_offsets_round_trip(&store);
}

#[test]
fn a_new_participants_file_remaps_speakers_on_reingest() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    write(input.path(), "a.txt", b"Moderator: Hello.\nAnna: Yes.\n");
    let dir = input.path().to_str().unwrap();
    let (_, first, _) = ingest_json(project.path(), &[dir]);
    assert_eq!(first["unregistered_speakers"]["Anna"][0], "a.txt");
    write(
        input.path(),
        "participants.csv",
        b"id,name,group\nP1,Anna,G1\n",
    );
    let (code, second, _) = ingest_json(project.path(), &[dir]);
    assert_eq!(
        (code, &second["replaced"]),
        (0, &Value::from(1)),
        "{second}"
    );
    let store = store::Store::open(project.path()).unwrap();
    let anna = store.segments(true).unwrap();
    assert_eq!(anna[0].participant_id.as_deref(), Some("P1"));
    assert_eq!(stats(project.path())["participants_by"]["group"]["G1"], 1);
}

#[test]
fn bad_files_are_reported_by_name_and_the_rest_is_stored() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    let dir = input.path();
    write(dir, "good.txt", b"Anna: All fine here.\n");
    let mut long = b"Anna: ok\nBob: ".to_vec();
    long.extend(vec![b'x'; (1 << 20) + 10]);
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        ("empty.txt", vec![], "file is empty".into()),
        ("binary.txt", b"Anna\x00\x01\x02 hi".to_vec(), "binary file (NUL byte at byte 4)".into()),
        (
            "broken.txt",
            b"Anna: caf\xc3\xa9\nBob: \xff\n".to_vec(),
            "invalid UTF-8 at byte 17 (line 2)".into(),
        ),
        ("long.txt", long, "line 2 is longer than 1 MB".into()),
        (
            "nocol.csv",
            b"speaker,utterance\nAnna,hi\n".to_vec(),
            "no column `text` for the utterance text (--text-column); columns found: `speaker`, `utterance`".into(),
        ),
        (
            "bad.jsonl",
            b"{\"text\": \"ok\"}\n{\"text\": nope}\n".to_vec(),
            "line 2: bad JSON".into(),
        ),
        (
            "notzip.docx",
            b"Anna: I am plain text.".to_vec(),
            "not a DOCX file (not a zip archive".into(),
        ),
        ("nocues.vtt", b"Anna: no header\n".to_vec(), "line 1: missing the `WEBVTT` header line".into()),
    ];
    for (name, body, _) in &cases {
        write(dir, name, body);
    }
    let (code, summary, stderr) = ingest_json(project.path(), &[dir.to_str().unwrap()]);
    assert_eq!(code, 2, "partial success exits 2: {summary}");
    let files = summary["files"].as_array().unwrap();
    for (name, _, expected) in &cases {
        let path = dir.join(name).display().to_string();
        let f = files
            .iter()
            .find(|f| f["path"] == path.as_str())
            .unwrap_or_else(|| panic!("{name} not in summary"));
        assert_eq!(f["status"], "error", "{name}");
        let message = f["error"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{path}: ")) && message.contains(expected.as_str()),
            "{name}: {message:?} should name the file and say {expected:?}"
        );
    }
    assert_eq!(summary["failed"], cases.len());
    assert_eq!(summary["succeeded"], 1);
    assert_eq!(stats(project.path())["documents"], 1);
    assert!(!stderr.contains("panicked"), "{stderr}");

    // The plain summary names every failed file too.
    let out = autocode(project.path(), &["ingest", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    for (name, _, _) in &cases {
        assert!(
            text.contains(&format!("error      {}", dir.join(name).display())),
            "{text}"
        );
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: 8 of 9 files failed"));

    // Nothing stored at all: exit 1.
    let out = autocode(
        project.path(),
        &[
            "ingest",
            dir.join("empty.txt").to_str().unwrap(),
            dir.join("notzip.docx").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn explicit_files_unknown_types_and_missing_files_are_errors() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    let pages = write(input.path(), "notes.pages", b"PK");
    let good = write(input.path(), "g.txt", b"Anna: Hi.\n");
    let missing = input.path().join("missing.txt");
    let (code, summary, _) = ingest_json(
        project.path(),
        &[
            pages.to_str().unwrap(),
            good.to_str().unwrap(),
            missing.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{summary}");
    assert_eq!(
        summary["files"][0]["error"],
        format!(
            "{}: unknown file type `.pages`; expected .txt, .md, .vtt, .srt, .doc, .docx, .odt, .pdf, .rtf, .csv, .jsonl, .xlsx, .xls or .ods",
            pages.display()
        )
    );
    let err = summary["files"][2]["error"].as_str().unwrap();
    assert!(
        err.starts_with(&format!("{}: cannot read", missing.display())),
        "{err}"
    );
}

#[test]
fn csv_columns_are_configurable() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    let csv = write(
        input.path(),
        "export.csv",
        b"session;who;utterance\ns1;Moderator;Why?\ns1;Anna;Because it works. Mostly.\ns2;Bob;Other session.\n",
    );
    let path = csv.to_str().unwrap();
    let (code, summary, _) = ingest_json(
        project.path(),
        &[
            path,
            "--text-column",
            "utterance",
            "--speaker-column",
            "who",
            "--doc-column",
            "session",
        ],
    );
    assert_eq!(code, 0, "{summary}");
    let docs: Vec<&str> = summary["files"][0]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(docs, ["s1", "s2"]);
    let st = stats(project.path());
    assert_eq!(
        (&st["documents"], &st["segments"], &st["moderators"]),
        (&Value::from(2), &Value::from(4), &Value::from(1))
    );

    // A column asked for by name must exist.
    let (code, summary, _) = ingest_json(
        project.path(),
        &[
            path,
            "--text-column",
            "utterance",
            "--speaker-column",
            "speaker",
        ],
    );
    assert_eq!(code, 1);
    let err = summary["files"][0]["error"].as_str().unwrap();
    assert_eq!(
        err,
        format!(
            "{}: no column `speaker` for the speaker (--speaker-column); columns found: `session`, `who`, `utterance`",
            csv.display()
        )
    );
}

#[test]
fn a_bad_participants_file_stops_before_anything_is_stored() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    write(input.path(), "a.txt", b"Anna: Hi.\n");
    let people = write(input.path(), "people.csv", b"id,name\nP1,Anna\nP1,Bob\n");
    let out = autocode(
        project.path(),
        &[
            "ingest",
            input.path().to_str().unwrap(),
            "--participants",
            people.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: row 2 (line 3): participant id `P1` is already used in row 1",
            people.display()
        )),
        "{stderr}"
    );
    assert_eq!(stats(project.path())["documents"], 0);
}

/// A wide survey export's respondent columns (`--attribute-column`) are the
/// participants' attributes, as a participants file's columns are: the
/// report's crosstabs can use them, a re-ingest of a corrected sheet updates
/// them, and a participants file listing a respondent wins.
#[test]
fn a_surveys_attribute_columns_are_its_respondents_attributes() {
    let input = tempfile::tempdir().unwrap();
    let sheet = |r2_team: &str| {
        format!(
            "respondent,team_size,country,Is it lonely?\n\
             R001,4,NL,Some weeks.\n\
             R002,{r2_team},NL,Never.\n\
             R003,4,,Often.\n"
        )
    };
    let csv = write(input.path(), "survey.csv", sheet("12").as_bytes());
    let path = csv.to_str().unwrap();
    let args = [
        path,
        "--speaker-column",
        "respondent",
        "--question-column",
        "Is it lonely?",
        "--attribute-column",
        "team_size",
        "--attribute-column",
        "country",
    ];
    let project = new_project();
    let out = autocode(project.path(), &[&["ingest"][..], &args].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The sheet lists its respondents: no unlisted-speaker warning.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("kept with their names"), "{stderr}");
    let st = stats(project.path());
    assert_eq!(st["participants"], 3);
    assert_eq!(st["participants_by"]["team_size"]["4"], 2);
    assert_eq!(st["participants_by"]["team_size"]["12"], 1);
    assert_eq!(st["participants_by"]["country"]["NL"], 2);
    // A corrected sheet updates the attribute.
    write(input.path(), "survey.csv", sheet("13").as_bytes());
    let (code, summary, _) = ingest_json(project.path(), &args);
    assert_eq!(code, 0, "{summary}");
    let st = stats(project.path());
    assert_eq!(st["participants_by"]["team_size"]["13"], 1);
    assert!(
        st["participants_by"]["team_size"].get("12").is_none(),
        "{st}"
    );
    // A participants file listing a respondent wins over the sheet.
    let people = write(
        input.path(),
        "people.csv",
        b"id,name,team_size\nR001,R001,5\n",
    );
    let project = new_project();
    let (code, summary, _) = ingest_json(
        project.path(),
        &[&args[..], &["--participants", people.to_str().unwrap()]].concat(),
    );
    assert_eq!(code, 0, "{summary}");
    let st = stats(project.path());
    assert_eq!(st["participants_by"]["team_size"]["5"], 1);
    assert_eq!(st["participants_by"]["team_size"]["4"], 1);
    // It wins only where it gives the attribute: R001 keeps the sheet's
    // country beside the file's department (before, a listed respondent
    // lost every sheet attribute and fell into "(missing)" in each
    // crosstab), and the file's `Country` (read in lower case) is the
    // sheet's `country`, one attribute.
    let people = write(
        input.path(),
        "people.csv",
        b"id,name,Department,Country\nR001,R001,Sales,\nR002,R002,IT,BE\n",
    );
    let project = new_project();
    let sheet_caps = sheet("12").replace("country", "Country");
    write(input.path(), "survey.csv", sheet_caps.as_bytes());
    let caps_args: Vec<&str> = args
        .iter()
        .map(|a| if *a == "country" { "Country" } else { a })
        .collect();
    let (code, summary, _) = ingest_json(
        project.path(),
        &[
            &caps_args[..],
            &["--participants", people.to_str().unwrap()],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{summary}");
    let st = stats(project.path());
    let by = &st["participants_by"];
    assert_eq!(by["department"]["Sales"], 1, "{st}");
    assert_eq!(
        by["team_size"]["4"], 2,
        "R001 keeps the sheet's team size: {st}"
    );
    assert_eq!(by["country"]["NL"], 1, "R001's from the sheet: {st}");
    assert_eq!(by["country"]["BE"], 1, "R002's from the file: {st}");
    assert!(by.get("Country").is_none(), "one attribute: {st}");
}

/// A panel's waves are separate exports with their own attribute columns,
/// each ingested with the same participants file: the file read again
/// replaces its own columns' attributes, not the first wave's sheet's
/// (before, wave 2 took `dept` out of every crosstab).
#[test]
fn a_second_waves_sheet_keeps_the_first_waves_attributes() {
    let input = tempfile::tempdir().unwrap();
    let people = write(
        input.path(),
        "participants.csv",
        b"id,region\nR1,North\nR2,South\n",
    );
    let wave1 = write(
        input.path(),
        "wave1.csv",
        b"id,dept,q1\nR1,Finance,Nobody to talk to at lunch.\nR2,IT,The VPN drops every hour.\n",
    );
    let wave2 = write(
        input.path(),
        "wave2.csv",
        b"id,site,q2\nR1,Leeds,Fewer meetings please.\nR2,York,Fix the VPN.\n",
    );
    let project = new_project();
    for (file, question, attribute) in [(&wave1, "q1", "dept"), (&wave2, "q2", "site")] {
        let (code, summary, _) = ingest_json(
            project.path(),
            &[
                file.to_str().unwrap(),
                "--speaker-column",
                "id",
                "--question-column",
                question,
                "--attribute-column",
                attribute,
                "--participants",
                people.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{summary}");
    }
    let st = stats(project.path());
    let by = &st["participants_by"];
    assert_eq!(by["dept"]["Finance"], 1, "{st}");
    assert_eq!(by["site"]["York"], 1, "{st}");
    assert_eq!(by["region"]["North"], 1, "{st}");
    // The file's own column is the file's: changed there, changed here.
    write(
        input.path(),
        "participants.csv",
        b"id,region\nR1,East\nR2,South\n",
    );
    let (code, summary, _) = ingest_json(
        project.path(),
        &[
            wave2.to_str().unwrap(),
            "--speaker-column",
            "id",
            "--question-column",
            "q2",
            "--attribute-column",
            "site",
            "--participants",
            people.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{summary}");
    let st = stats(project.path());
    let by = &st["participants_by"];
    assert_eq!(by["region"]["East"], 1, "{st}");
    assert!(by["region"].get("North").is_none(), "{st}");
    assert_eq!(by["dept"]["IT"], 1, "{st}");
}

/// Two surveys exported separately number their respondents 1, 2, …: the
/// same id in both with different attributes is named (before, staff 1
/// and student 1 were one participant without a word, the second file's
/// department overwriting the first's).
#[test]
fn one_respondent_id_in_two_exports_with_other_attributes_is_warned_about() {
    let input = tempfile::tempdir().unwrap();
    let staff = write(
        input.path(),
        "staff.csv",
        b"id,dept,q\n1,Finance,Too many meetings.\n2,IT,The VPN drops.\n",
    );
    let students = write(
        input.path(),
        "students.csv",
        b"id,dept,q\n1,Physics,The library closes early.\n2,History,No quiet rooms.\n",
    );
    let panel = write(
        input.path(),
        "staff-wave2.csv",
        b"id,dept,q2\n1,Finance,Fewer meetings now.\n",
    );
    let run_in = |project: &Path, file: &Path, question: &str| {
        ingest_json(
            project,
            &[
                file.to_str().unwrap(),
                "--speaker-column",
                "id",
                "--question-column",
                question,
                "--attribute-column",
                "dept",
            ],
        )
    };
    let project = new_project();
    let run = |file: &Path, question: &str| run_in(project.path(), file, question);
    let (code, summary, stderr) = run(&staff, "q");
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("warning: respondent"), "{stderr}");
    assert_eq!(summary["respondents_across_exports"], serde_json::json!([]));
    // A panel's second wave, the same people with the same attributes: nothing.
    let (_, summary, stderr) = run(&panel, "q2");
    assert!(!stderr.contains("warning: respondent"), "{stderr}");
    assert_eq!(summary["respondents_across_exports"], serde_json::json!([]));
    let (code, summary, stderr) = run(&students, "q");
    assert_eq!(code, 0, "{stderr}");
    let found = summary["respondents_across_exports"].as_array().unwrap();
    assert_eq!(found.len(), 2, "{summary}");
    assert_eq!(found[0]["id"], "1");
    assert_eq!(found[0]["attribute"], "dept");
    assert_eq!(found[0]["earlier_value"], "Finance");
    assert_eq!(found[0]["value"], "Physics");
    assert_eq!(found[0]["document"], "students.csv");
    // A panel's waves, each export with its own `wave` for everyone: an
    // attribute of the export, no sign of other people.
    let project_w = new_project();
    for (name, body) in [
        (
            "w1.csv",
            "id,wave,q\n1,1,Too many meetings.\n2,1,The VPN drops.\n",
        ),
        (
            "w2.csv",
            "id,wave,q3\n1,2,Fewer meetings.\n2,2,VPN fixed.\n",
        ),
    ] {
        let f = write(input.path(), name, body.as_bytes());
        let (code, summary, _) = ingest_json(
            project_w.path(),
            &[
                f.to_str().unwrap(),
                "--speaker-column",
                "id",
                "--question-column",
                if name == "w1.csv" { "q" } else { "q3" },
                "--attribute-column",
                "wave",
            ],
        );
        assert_eq!(code, 0, "{summary}");
        assert_eq!(
            summary["respondents_across_exports"],
            serde_json::json!([]),
            "{name}"
        );
    }
    // Said in words where the run is read by a person.
    let project = new_project();
    let (code, _, stderr) = run_in(project.path(), &staff, "q");
    assert_eq!(code, 0, "{stderr}");
    let out = autocode(
        project.path(),
        &[
            "ingest",
            students.to_str().unwrap(),
            "--speaker-column",
            "id",
            "--question-column",
            "q",
            "--attribute-column",
            "dept",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: respondent `1` has dept `Finance` in `staff")
            && stderr.contains("and `Physics` in `students.csv` (and 1 more respondent id(s) like it): one participant in both"),
        "{stderr}"
    );
}

/// Answers in another language than English are named at ingest: the
/// default model codes them unreliably (a German "I feel lonely" got
/// another code than its English original, or none), without a word.
#[test]
fn answers_in_another_language_are_warned_about() {
    let input = tempfile::tempdir().unwrap();
    let survey = write(
        input.path(),
        "s.csv",
        "rid,q1\nE1,I feel lonely and cut off from my colleagues.\nE2,The VPN keeps dropping and my laptop is too slow.\n\
         G1,Ich fühle mich einsam und von meinen Kollegen abgeschnitten.\nG2,Das VPN bricht ständig ab und mein Laptop ist zu langsam.\n\
         S1,Me siento solo y aislado de mis compañeros de trabajo.\nS2,La VPN se cae constantemente y mi portátil es demasiado lento.\n"
            .as_bytes(),
    );
    let args = [
        survey.to_str().unwrap(),
        "--speaker-column",
        "rid",
        "--question-column",
        "q1",
    ];
    let project = new_project();
    let (code, summary, _) = ingest_json(project.path(), &args);
    assert_eq!(code, 0, "{summary}");
    assert_eq!(summary["language_checked"], 6);
    assert_eq!(
        summary["other_languages"],
        serde_json::json!({"German": 2, "Spanish": 2})
    );
    let out = autocode(project.path(), &[&["ingest"][..], &args].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: 4 of 6 participant sentences read as another language than English (German 2, Spanish 2)"),
        "{stderr}"
    );
    // The demo's English focus groups: no warning.
    let project = new_project();
    let out = autocode(project.path(), &["ingest", "data/demo"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("another language"), "{stderr}");
}

/// A series of interviews with a named host: the one speaker in every
/// document who asks (a question in more of their turns than the others)
/// is taken as the interviewer, and a later run of one new interview
/// remembers them; a participants file that lists them decides instead;
/// one who is in every document but answers (a panel's interviewee) is
/// only named in a hint.
#[test]
fn a_named_host_who_asks_in_every_interview_is_taken_as_the_interviewer() {
    let input = tempfile::tempdir().unwrap();
    for (file, guest) in [
        ("a.txt", "Ann Lee"),
        ("b.txt", "Bo Kim"),
        ("c.txt", "Cy Ng"),
    ] {
        let body = format!(
            "Pat Host: Why did you start?\n{guest}: Money, mostly.\nPat Host: And then?\n{guest}: Then it grew.\n"
        );
        write(input.path(), file, body.as_bytes());
    }
    let project = new_project();
    let dir = input.path().to_str().unwrap();
    let out = autocode(project.path(), &["ingest", dir]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("interviewer: Pat Host speaks in 3 of 3 documents and asks in 100% of their turns (the others 0%): taken as the interviewer"),
        "{stderr}"
    );
    assert!(!stderr.contains("hint:"), "{stderr}");
    let st = stats(project.path());
    assert_eq!(
        (&st["participants"], &st["moderators"]),
        (&Value::from(3), &Value::from(1))
    );
    assert!(speakers_and_sentences(project.path())
        .iter()
        .all(|(speaker, moderator, _)| (speaker == "Pat Host") == *moderator));
    // The nightly run of one new interview: too few documents to tell, but
    // the store remembers.
    let later = tempfile::tempdir().unwrap();
    write(
        later.path(),
        "d.txt",
        b"Pat Host: What was hard?\nDi Wu: Hiring.\n",
    );
    let out = autocode(project.path(), &["ingest", later.path().to_str().unwrap()]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("interviewer: Pat Host (found by an earlier run)"),
        "{stderr}"
    );
    let st = stats(project.path());
    assert_eq!(
        (&st["participants"], &st["moderators"]),
        (&Value::from(4), &Value::from(1))
    );

    // A participants file that lists the host decides: a participant.
    write(
        input.path(),
        "participants.csv",
        b"id,name,role\nH,Pat Host,guest host\n",
    );
    let project = new_project();
    let out = autocode(project.path(), &["ingest", dir]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("interviewer:"), "{stderr}");
    assert_eq!(stats(project.path())["participants"], 4);
    std::fs::remove_file(input.path().join("participants.csv")).unwrap();
    // `--interviewer NAME` says so without a file.
    let project = new_project();
    let out = autocode(
        project.path(),
        &["ingest", dir, "--interviewer", "Pat Host"],
    );
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("hint:") && !stderr.contains("interviewer:"),
        "{stderr}"
    );
    let st = stats(project.path());
    assert_eq!(
        (&st["participants"], &st["moderators"]),
        (&Value::from(3), &Value::from(1))
    );

    // A panel: the same interviewee in every document, answering.
    let panel = tempfile::tempdir().unwrap();
    for file in ["w1.txt", "w2.txt", "w3.txt"] {
        write(
            panel.path(),
            file,
            b"Interviewer: How is it going?\nAnn Lee: Better than last time.\n",
        );
    }
    let project = new_project();
    let out = autocode(project.path(), &["ingest", panel.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("interviewer: Ann Lee"), "{stderr}");
    assert!(
        stderr.contains("hint: speaking in nearly every document: Ann Lee (3 of 3)."),
        "{stderr}"
    );
    assert_eq!(stats(project.path())["participants"], 1);
}

/// hp/04, hW/05: interviews ingested one per command, as fieldwork brings
/// them, are weighed together: at the third, the host who asks in every
/// one is taken as the interviewer, and the two stored before are read
/// again from their files, so her questions leave every count, as when the
/// folder is ingested at once.
#[test]
fn a_host_is_found_across_interviews_ingested_one_at_a_time() {
    let input = tempfile::tempdir().unwrap();
    let project = new_project();
    for (i, (file, guest)) in [
        ("a.txt", "Ann Lee"),
        ("b.txt", "Bo Kim"),
        ("c.txt", "Cy Ng"),
    ]
    .into_iter()
    .enumerate()
    {
        let body = format!(
            "Pat Host: Why did you start?\n{guest}: Money, mostly.\nPat Host: And then?\n{guest}: Then it grew.\n"
        );
        let path = write(input.path(), file, body.as_bytes());
        let out = autocode(project.path(), &["ingest", path.to_str().unwrap()]);
        assert!(out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        if i < 2 {
            assert!(!stderr.contains("interviewer: Pat Host"), "{stderr}");
        } else {
            assert!(
                stderr.contains("interviewer: Pat Host speaks in 3 of 3 documents"),
                "{stderr}"
            );
        }
    }
    let st = stats(project.path());
    assert_eq!(
        (&st["documents"], &st["participants"], &st["moderators"]),
        (&Value::from(3), &Value::from(3), &Value::from(1))
    );
    assert!(speakers_and_sentences(project.path())
        .iter()
        .all(|(speaker, moderator, _)| (speaker == "Pat Host") == *moderator));
}

#[test]
fn unlisted_speakers_are_kept_with_a_warning() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    write(
        input.path(),
        "a.txt",
        b"Interviewer: Why?\nCarl (Police): Because.\n",
    );
    write(input.path(), "participants.csv", b"id,name\nP1,Anna\n");
    let out = autocode(project.path(), &["ingest", input.path().to_str().unwrap()]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: 1 speakers kept with their names as participant ids (not in the participants file): Carl (a.txt)"),
        "{stderr}"
    );
    let store = store::Store::open(project.path()).unwrap();
    assert_eq!(
        store.participant_attributes().unwrap()["Carl"]["role"],
        "Police"
    );
    let st = stats(project.path());
    assert_eq!(
        (&st["participants"], &st["moderators"]),
        (&Value::from(1), &Value::from(1))
    );
}

/// A transcript without speaker labels: its sentences are one unnamed
/// participant's, the questions among them. The ingest says so, and
/// `stats` counts that person as the report does (it said one participant
/// where the report's N was two).
#[test]
fn a_transcript_without_speaker_labels_is_warned_about_and_counted_as_the_report_does() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    write(
        input.path(),
        "a.txt",
        b"Interviewer: How did you start?\nParticipant: After my old job ended.\n",
    );
    write(
        input.path(),
        "b.txt",
        b"How did you start?\n\nAfter my old job ended. We had no money.\n",
    );
    let out = autocode(project.path(), &["ingest", input.path().to_str().unwrap()]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "warning: 1 document(s) have sentences no speaker label names (`b.txt`): \
             each document's are counted as one unnamed participant's"
        ),
        "{stderr}"
    );
    let st = stats(project.path());
    assert_eq!(
        (&st["participants"], &st["unlabelled_participants"]),
        (&Value::from(2), &Value::from(1))
    );
    let out = autocode(project.path(), &["report", "--format", "table"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("2 participants"), "{table}");
}

/// A participants file whose ids are not the export's (`R0001` for
/// `R_0001`) matches no respondent, and its attributes reach no crosstab:
/// the ingest says so, naming the rows; one that matches says nothing.
#[test]
fn a_participants_file_that_matches_no_speaker_is_warned_about() {
    let input = tempfile::tempdir().unwrap();
    write(
        input.path(),
        "s.csv",
        b"ResponseId,What would help?\nR_0001,More staff.\nR_0002,A quiet room.\n",
    );
    let run = |participants: &[u8], extra: &[&str]| {
        let project = new_project();
        let file = write(project.path(), "participants.csv", participants);
        let csv = input.path().join("s.csv");
        let mut args = vec![
            "ingest",
            csv.to_str().unwrap(),
            "--participants",
            file.to_str().unwrap(),
            "--speaker-column",
            "ResponseId",
            "--question-column",
            "What would help?",
        ];
        args.extend(extra);
        let out = autocode(project.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "{stderr}");
        stderr
    };
    let stderr = run(
        b"id,name,dept\nResp-1,Resp-1,Nursing\nResp-2,Resp-2,Admin\n",
        &[],
    );
    assert!(
        stderr.contains(
            "warning: the participants file's 2 people speak in no document (`Resp-1`, `Resp-2`)"
        ),
        "{stderr}"
    );
    // Ids spelled loosely are the export's: `R0001` is `R_0001`.
    let stderr = run(
        b"id,name,dept\nR0001,R0001,Nursing\nR0002,R0002,Admin\n",
        &[],
    );
    assert!(!stderr.contains("speak in no document"), "{stderr}");
    let stderr = run(b"id,name,dept\nR_0001,R_0001,Nursing\nR9,R9,Admin\n", &[]);
    assert!(
        stderr
            .contains("warning: 1 of the participants file's 2 people speak in no document (`R9`)"),
        "{stderr}"
    );
    let matching = b"id,name,dept\nR_0001,R_0001,Nursing\nR_0002,R_0002,Admin\n";
    let stderr = run(matching, &[]);
    assert!(!stderr.contains("speak in no document"), "{stderr}");
    // A shard holds some documents alone: the others' speakers are not
    // silent, so no shard warns.
    for shard in ["0/2", "1/2"] {
        let stderr = run(matching, &["--shard", shard]);
        assert!(
            !stderr.contains("speak in no document"),
            "{shard}: {stderr}"
        );
    }
}

/// A participants-file row whose `document` names no transcript (a typo,
/// `ft-91` for `ft91.txt`) matches no speaker, so its attributes are lost
/// to the crosstabs: the ingest names the row and the nearest document. A
/// row for a transcript still to come is named too, without a guess.
#[test]
fn a_participants_row_naming_no_document_is_warned_about() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    write(
        input.path(),
        "ft91.txt",
        b"Interviewer: How did you start?\nParticipant: After my old job ended.\n",
    );
    write(
        input.path(),
        "participants.csv",
        b"id,name,document,sector\nP01,Participant,ft-91,fintech\nP02,Participant,zz-later,retail\n",
    );
    let out = autocode(project.path(), &["ingest", input.path().to_str().unwrap()]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "warning: the participants file names 2 document(s) no input holds: \
             `ft-91` (row P01; did you mean `ft91.txt`?); `zz-later` (row P02); \
             those rows match no speaker"
        ),
        "{stderr}"
    );
    // Named as it should be, the row matches and nothing is warned about.
    write(
        input.path(),
        "participants.csv",
        b"id,name,document,sector\nP01,Participant,ft91,fintech\n",
    );
    let project = new_project();
    let out = autocode(project.path(), &["ingest", input.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("no input holds"), "{stderr}");
    let store = store::Store::open(project.path()).unwrap();
    assert_eq!(
        store.participant_attributes().unwrap()["P01"]["sector"],
        "fintech"
    );
}

/// Issue #17 (1, 5, 14): an unterminated CSV quote, times out of range or
/// reversed, and a missing path without an extension are errors naming the
/// file and where; nothing of those files is stored.
#[test]
fn careless_csv_and_missing_paths_are_refused_by_name() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    let dir = input.path();
    let unclosed = write(
        dir,
        "u.csv",
        b"speaker,text\nAnna,\"never closed\nBen,I disagree.\nCara,Me too.\n",
    );
    let huge = write(dir, "t.csv", b"speaker,text,start\nAnna,Hi.,1e300\n");
    let reversed = write(
        dir,
        "r.jsonl",
        b"{\"text\": \"Hi.\", \"start\": 5, \"end\": 2}\n",
    );
    let missing = dir.join("nonexistent");
    let paths: Vec<&str> = [&unclosed, &huge, &reversed, &missing]
        .iter()
        .map(|p| p.to_str().unwrap())
        .collect();
    let (code, summary, stderr) = ingest_json(project.path(), &paths);
    assert_eq!(code, 1, "{summary}");
    let expected = [
        format!(
            "{}: line 2: a quoted field opens here and is never closed (a `\"` is missing), so every row below it would be read as this one field",
            unclosed.display()
        ),
        format!(
            "{}: row 1 (line 2): field `start`: `1e300` is out of range (at most 9007199254740 seconds)",
            huge.display()
        ),
        format!(
            "{}: line 1: field `end`: ends at 2 s, before its start at 5 s",
            reversed.display()
        ),
        format!("{}: cannot read: does not exist", missing.display()),
    ];
    for (i, message) in expected.iter().enumerate() {
        assert_eq!(summary["files"][i]["error"], message.as_str(), "{summary}");
    }
    assert_eq!(stats(project.path())["documents"], 0);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `ingest --json ARGS`, killed and failed with `stuck` if it runs past a
/// minute (what a blocking read would do).
#[cfg(unix)]
fn ingest_within_a_minute(project: &Path, args: &[&std::ffi::OsStr], stuck: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_autocode"))
        .arg("--project")
        .arg(project)
        .args(["ingest", "--json"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run autocode");
    let began = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if began.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("{stuck}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// Issue #17 (7): a FIFO in an input folder used to block ingest forever;
/// it is listed as skipped and never opened.
#[cfg(unix)]
#[test]
fn a_fifo_in_a_folder_is_skipped_not_waited_on() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    write(input.path(), "a.txt", b"Anna: Fine.\n");
    let fifo = input.path().join("pipe.txt");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    let out = ingest_within_a_minute(
        project.path(),
        &[input.path().as_os_str()],
        "ingest blocked on the FIFO",
    );
    assert_eq!(out.status.code(), Some(0));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["succeeded"], 1, "{summary}");
    assert_eq!(
        summary["skipped"][0]["path"],
        fifo.display().to_string().as_str()
    );
    assert_eq!(
        summary["skipped"][0]["reason"],
        "not a regular file (a FIFO, socket or device)"
    );

    // Named directly, a FIFO and a link to an endless device are errors by
    // name: the one blocked forever, the other read 20 GB before it was
    // killed.
    let zero = input.path().join("zero.txt");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let out = ingest_within_a_minute(
        project.path(),
        &[fifo.as_os_str(), zero.as_os_str()],
        "ingest blocked on the FIFO or read the device",
    );
    assert_eq!(out.status.code(), Some(1), "every file failed");
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (i, path) in [&fifo, &zero].iter().enumerate() {
        assert_eq!(
            summary["files"][i]["error"],
            format!(
                "{}: not a regular file (a FIFO, socket or device); give a file",
                path.display()
            )
            .as_str(),
            "{summary}"
        );
    }
}

/// Issue #17 item 12: a file name with an escape sequence or a newline is
/// printed escaped, so it cannot recolour the terminal or forge a line.
#[test]
fn file_names_with_control_characters_are_printed_escaped() {
    let dir = new_project();
    let name = "red\x1b[31m\nfake line.txt";
    let file = dir.path().join(name);
    std::fs::write(&file, "Anna: We need more light.\n").unwrap();
    let out = autocode(dir.path(), &["ingest", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stdout.contains('\x1b') && !stderr.contains('\x1b'),
        "{stdout}{stderr}"
    );
    assert!(
        stdout.contains("red\\u{1b}[31m\\nfake line.txt"),
        "{stdout}{stderr}"
    );
    assert!(
        !stdout.lines().any(|l| l.starts_with("fake line")),
        "{stdout}"
    );
}

/// A spreadsheet export (Microsoft Forms writes only .xlsx) is read as a
/// CSV table is: the wide survey's question columns, the respondent and
/// attribute columns by name; date and number cells as they show; blank
/// rows and answers skipped. A file that is no workbook is an error naming it.
#[test]
fn a_spreadsheet_survey_is_read_as_its_csv_would_be() {
    let xlsx =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest/forms-survey.xlsx");
    let project = new_project();
    let (code, summary, stderr) = ingest_json(
        project.path(),
        &[
            xlsx.to_str().unwrap(),
            "--speaker-column",
            "ID",
            "--question-column",
            "What is the hardest part of working from home?",
            "--question-column",
            "What would help most?",
            "--attribute-column",
            "Team size",
        ],
    );
    assert_eq!(code, 0, "{summary}\n{stderr}");
    let st = stats(project.path());
    assert_eq!(st["participants"], 3, "{st}");
    assert_eq!(st["participants_by"]["Team size"]["4"], 2, "{st}");
    assert_eq!(st["participants_by"]["Team size"]["12"], 1, "{st}");
    let segments = speakers_and_sentences(project.path());
    let expect = |s: &str, m: bool, t: &str| (s.to_string(), m, t.to_string());
    // Microsoft Forms' `ID` numbers the form's responses: each is the
    // form's `Respondent <ID>` (since 2026-12-06; was the bare number).
    assert_eq!(
        segments,
        vec![
            expect("Q", true, "What is the hardest part of working from home?"),
            expect("Respondent 1", false, "Nobody to talk to at lunch."),
            expect("Respondent 1", false, "Some weeks I only see the courier."),
            expect(
                "Respondent 2",
                false,
                "The internet in the village drops every call."
            ),
            expect("Q", true, "What would help most?"),
            expect("Respondent 1", false, "A shared office one day a week."),
            expect("Respondent 3", false, "Better broadband."),
        ]
    );

    let input = tempfile::tempdir().unwrap();
    let bad = write(input.path(), "bad.xlsx", b"ID,answer\n1,not a workbook\n");
    let out = autocode(project.path(), &["ingest", bad.to_str().unwrap()]);
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{printed}");
    assert!(printed.contains("bad.xlsx: not a spreadsheet"), "{printed}");
}

/// Participants and documents files may be spreadsheets (NVivo's
/// classification sheets are often Excel): in a folder, `participants.xlsx`
/// and `documents.xlsx` are read as the CSVs would be, and errors name the
/// sheet's rows.
#[test]
fn participants_and_documents_files_may_be_spreadsheets() {
    let sheets = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest");
    let input = tempfile::tempdir().unwrap();
    for name in ["participants.xlsx", "documents.xlsx"] {
        std::fs::copy(sheets.join(name), input.path().join(name)).unwrap();
    }
    write(
        input.path(),
        "ward.txt",
        b"Interviewer: How are nights?\nAnna: Long and quiet.\nBram: Busy for me.\n",
    );
    let project = new_project();
    let (code, summary, stderr) = ingest_json(project.path(), &[input.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{summary}\n{stderr}");
    let st = stats(project.path());
    assert_eq!(st["participants"], 2, "{st}");
    assert_eq!(st["participants_by"]["group"]["night shift"], 1, "{st}");
    assert_eq!(st["participants_by"]["age"]["34"], 1, "{st}");
    assert_eq!(st["documents_by"]["site"]["North"], 1, "{st}");

    let twice = sheets.join("participants-twice.xlsx");
    let out = autocode(
        new_project().path(),
        &[
            "ingest",
            input.path().join("ward.txt").to_str().unwrap(),
            "--participants",
            twice.to_str().unwrap(),
        ],
    );
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{printed}");
    assert!(
        printed.contains("participants-twice.xlsx: sheet Sheet, row 3: participant id `P1` is already used in row 2"),
        "{printed}"
    );
}

/// An RTF transcript (as Word saves one, and as archives hold them) is
/// read for its body text: speakers from its paragraphs, accents from its
/// code page, no font table or document info.
#[test]
fn an_rtf_transcript_is_read_for_its_body_text() {
    let input = tempfile::tempdir().unwrap();
    let rtf = write(
        input.path(),
        "interview-07.rtf",
        br"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Calibri;}}{\info{\title Interview 7}}
\pard\b Interviewer:\b0  How was the caf\'e9 at night?\par
\b Participant:\b0  Quiet. We\rquote re used to it.\par
}",
    );
    let project = new_project();
    let (code, summary, stderr) = ingest_json(project.path(), &[rtf.to_str().unwrap()]);
    assert_eq!(code, 0, "{summary}\n{stderr}");
    let segments = speakers_and_sentences(project.path());
    let expect = |s: &str, m: bool, t: &str| (s.to_string(), m, t.to_string());
    assert_eq!(
        segments,
        vec![
            expect("Interviewer", true, "How was the café at night?"),
            expect("Participant", false, "Quiet."),
            expect("Participant", false, "We’re used to it."),
        ]
    );
}

/// An ODT that LibreOffice 7 wrote from the corpus's harbour.docx
/// (LibreOffice 7.4, `soffice --headless --convert-to odt`: styled spans for the bold
/// labels, a sequence-declarations block, the table) reads as that DOCX:
/// the same sentences, speakers, moderators and times.
/// A file's sentences as `ingest` stores them (speaker, moderator, start,
/// text, in reading order) and its document's format.
#[allow(clippy::type_complexity)]
fn sentences_of(file: &Path) -> (Vec<(Option<String>, bool, Option<i64>, String)>, String) {
    let project = new_project();
    let (code, summary, stderr) = ingest_json(project.path(), &[file.to_str().unwrap()]);
    assert_eq!(code, 0, "{summary}\n{stderr}");
    let db = rusqlite::Connection::open(project.path().join("autocode.db")).unwrap();
    let mut stmt = db
        .prepare(
            "SELECT speaker, is_moderator, start_ms, text FROM segments
             ORDER BY turn_index, sentence_index",
        )
        .unwrap();
    let rows: Vec<(Option<String>, bool, Option<i64>, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let format: String = db
        .query_row("SELECT format FROM documents", [], |r| r.get(0))
        .unwrap();
    (rows, format)
}

/// The sentences of `file`, the corpus's harbour.docx saved as `format`,
/// after checking that they are the DOCX's, its table row included.
#[allow(clippy::type_complexity)]
fn reads_as_harbour_docx(
    file: &Path,
    format: &str,
) -> Vec<(Option<String>, bool, Option<i64>, String)> {
    let (rows, read_as) = sentences_of(file);
    assert_eq!(read_as, format);
    let (docx, _) = sentences_of(&fixtures().join("harbour.docx"));
    assert_eq!(rows, docx);
    assert!(rows.contains(&(
        Some("Jonas".into()),
        false,
        Some(750_000),
        "It costs approx. 3.5 million a year.".into()
    )));
    rows
}

#[test]
fn an_odt_written_by_libreoffice_reads_as_the_docx_it_came_from() {
    let odt = reads_as_harbour_docx(&fixtures().join("../harbour.odt"), "odt");
    assert!(odt
        .iter()
        .any(|(s, m, _, t)| s.as_deref() == Some("Interviewer")
            && *m
            && t == "How safe does the harbour feel at night?"));
}

/// A PDF transcript (a real one: LibreOffice 7.4.7.2's export of
/// tests/fixtures/ingest/pdf/remote-p07.fodt, five pages with a running
/// header and "Page N" in the footer, every turn wrapped over two or more
/// lines, one answer longer than a page so that a page break cuts a
/// sentence) reads as the plain text it was written from, sentence for
/// sentence; a damaged PDF and one without text are refused naming the file.
#[test]
fn a_pdf_written_by_libreoffice_reads_as_the_text_it_came_from() {
    let dir = fixtures().join("../pdf");
    let (pdf, format) = sentences_of(&dir.join("remote-p07.pdf"));
    assert_eq!(format, "pdf");
    let (text, _) = sentences_of(&dir.join("remote-p07.txt"));
    assert_eq!(pdf, text);
    assert_eq!(pdf.len(), 208);
    assert!(pdf
        .iter()
        .all(|(_, _, _, t)| !t.contains("confidential") && !t.starts_with("Page")));
    assert!(pdf.contains(&(
        Some("Maria".into()),
        false,
        None,
        "The internet in the village is the weak point.".into()
    )));
    // The sentence the break between pages 2 and 3 cuts.
    assert!(pdf
        .iter()
        .any(|(_, _, _, t)| t.starts_with("Last winter one of the lads was struggling")));

    let input = tempfile::tempdir().unwrap();
    let whole = std::fs::read(dir.join("remote-p07.pdf")).unwrap();
    let cut = write(input.path(), "cut.pdf", &whole[..whole.len() / 2]);
    let blank = dir.join("blank.pdf");
    let project = new_project();
    let (code, summary, _) = ingest_json(
        project.path(),
        &[cut.to_str().unwrap(), blank.to_str().unwrap()],
    );
    assert_eq!(code, 1, "every file failed: {summary}");
    let error = |i: usize| summary["files"][i]["error"].as_str().unwrap().to_string();
    assert!(
        error(0).starts_with(&format!("{}: cannot read this PDF (", cut.display())),
        "{}",
        error(0)
    );
    assert_eq!(
        error(1),
        format!(
            "{}: the PDF has 1 page(s) but no text on them (a scanned document?); run OCR on it or export the transcript as text",
            blank.display()
        )
    );
}

/// A Word 97-2003 `.doc` (a real one: LibreOffice 7.4.7.2's "MS Word 97"
/// export of the corpus's harbour.docx, its table row included) reads as
/// the DOCX it came from; a damaged one is refused naming the file.
#[test]
fn a_doc_written_by_libreoffice_reads_as_the_docx_it_came_from() {
    reads_as_harbour_docx(&fixtures().join("../harbour.doc"), "doc");

    let input = tempfile::tempdir().unwrap();
    let whole = std::fs::read(fixtures().join("../harbour.doc")).unwrap();
    let cut = write(input.path(), "cut.doc", &whole[..whole.len() / 2]);
    let text = write(input.path(), "notes.doc", b"Anna: not a Word file.\n");
    let project = new_project();
    let (code, summary, _) = ingest_json(
        project.path(),
        &[cut.to_str().unwrap(), text.to_str().unwrap()],
    );
    assert_eq!(code, 1, "every file failed: {summary}");
    for (i, f) in [cut, text].iter().enumerate() {
        let e = summary["files"][i]["error"].as_str().unwrap();
        assert!(
            e.starts_with(&format!("{}: cannot read this .doc (", f.display())),
            "{e}"
        );
    }
}

/// A transcript typed as a time / speaker / words table, some time cells
/// and one row's words left empty (table-gaps.docx, and LibreOffice's Word
/// 97 save of it; make_fixtures.py): a row with no time is its speaker's
/// turn all the same, and in the .doc an empty cell does not end its row.
#[test]
fn a_transcript_table_with_empty_cells_reads_its_speakers_in_docx_and_doc() {
    let (docx, format) = sentences_of(&fixtures().join("../table-gaps.docx"));
    assert_eq!(format, "docx");
    let view: Vec<(Option<&str>, bool, Option<i64>, &str)> = docx
        .iter()
        .map(|(s, m, t, x)| (s.as_deref(), *m, *t, x.as_str()))
        .collect();
    assert_eq!(
        view,
        [
            (
                Some("Interviewer"),
                true,
                Some(5000),
                "How did the move go?"
            ),
            (Some("Mara"), false, None, "Slowly."),
            (Some("Mara"), false, None, "The boxes took weeks."),
            (
                Some("Interviewer"),
                true,
                Some(70000),
                "And the neighbours?"
            ),
            (Some("Mara"), false, None, "Kind, mostly."),
            (Some("Mara"), false, None, "One of them lent us a van."),
            // The table's last line, "End of interview.", is the
            // transcript's end line, no one's speech (it was Mara's).
        ]
    );
    let (doc, format) = sentences_of(&fixtures().join("../table-gaps.doc"));
    assert_eq!(format, "doc");
    assert_eq!(doc, docx);
}

/// A Word transcript whose speakers are name paragraphs above their turns,
/// no colon (a real DOCX, LibreOffice's; make_fixtures.py says from what):
/// the names are read as labels, the interviewer as the moderator, and no
/// name is part of a sentence.
#[test]
fn a_docx_with_a_name_paragraph_above_each_turn_reads_its_speakers() {
    let (rows, format) = sentences_of(&fixtures().join("../name-paragraphs.docx"));
    assert_eq!(format, "docx");
    let view: Vec<(Option<&str>, bool, &str)> = rows
        .iter()
        .map(|(s, m, _, t)| (s.as_deref(), *m, t.as_str()))
        .collect();
    assert_eq!(
        view,
        [
            (Some("Interviewer"), true, "How did you start?"),
            (
                Some("Participant 4"),
                false,
                "I was nineteen and needed money."
            ),
            (Some("Participant 4"), false, "The depot was hiring."),
            (Some("Interviewer"), true, "And then?"),
            (Some("Participant 4"), false, "Then they hired me."),
            (Some("Interviewer"), true, "Thanks."),
        ]
    );
}

/// A second wave's file given on its own, with the first wave's name
/// (`Sheet_1.csv`), replaces the first wave's document: documents are
/// known by name. The run says so, naming both files; re-reading the same
/// file, or a file moved since, is no cause.
#[test]
fn a_document_replaced_by_another_file_of_its_name_is_warned_about() {
    let project = new_project();
    let dir = tempfile::tempdir().unwrap();
    let (w1, w2) = (dir.path().join("wave1"), dir.path().join("wave2"));
    std::fs::create_dir_all(&w1).unwrap();
    std::fs::create_dir_all(&w2).unwrap();
    std::fs::write(w1.join("a.txt"), "Anna: The first wave.\n").unwrap();
    std::fs::write(w2.join("a.txt"), "Anna: The second wave.\n").unwrap();
    let (code, first, _) = ingest_json(project.path(), &[w1.join("a.txt").to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(first["replaced_from_other_files"], serde_json::json!([]));
    let (code, second, _) = ingest_json(project.path(), &[w2.join("a.txt").to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(second["replaced"], 1);
    let replaced = &second["replaced_from_other_files"][0];
    assert_eq!(replaced["document"], "a.txt");
    assert_eq!(replaced["earlier_file"], w1.join("a.txt").to_str().unwrap());
    assert_eq!(replaced["file"], w2.join("a.txt").to_str().unwrap());
    let out = autocode(
        project.path(),
        &["ingest", w1.join("a.txt").to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "warning: {} replaced document `a.txt`, which was read from {}",
            w1.join("a.txt").display(),
            w2.join("a.txt").display()
        )),
        "{stderr}"
    );
    // The same file again: unchanged, and no warning.
    let (_, again, _) = ingest_json(project.path(), &[w1.join("a.txt").to_str().unwrap()]);
    assert_eq!(again["unchanged"], 1);
    assert_eq!(again["replaced_from_other_files"], serde_json::json!([]));
}

/// A wide survey export names its respondents by its rows: no warning
/// listing each of them as a speaker no participants file lists.
#[test]
fn a_wide_exports_respondents_are_no_unlisted_speakers() {
    let input = tempfile::tempdir().unwrap();
    let csv = input.path().join("survey.csv");
    std::fs::write(
        &csv,
        "respondent,Is it lonely?\nR001,Some weeks.\nR002,Never.\n",
    )
    .unwrap();
    let project = new_project();
    let (code, summary, stderr) = ingest_json(
        project.path(),
        &[
            csv.to_str().unwrap(),
            "--speaker-column",
            "respondent",
            "--question-column",
            "Is it lonely?",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["unregistered_speakers"], serde_json::json!({}));
    assert_eq!(stats(project.path())["participants"], 2);
}

/// A transcript and a caption file whose lines end in a lone carriage
/// return (classic Mac OS, some transcription tools; WebVTT allows it) read
/// as their line-feed versions do, sentence for sentence. Before, the
/// demo's first focus group became one moderator turn and nothing in it
/// was coded, and the WebVTT file lost its header line.
#[test]
fn lone_carriage_returns_end_lines() {
    let dir = tempfile::tempdir().unwrap();
    let lf = std::fs::read_to_string("data/demo/transcripts/group-1.txt").unwrap();
    let vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>How do you get to work?\n\n00:00:05.000 --> 00:00:09.000\n<v Ana>By bike, most days.\n";
    let read = |name: &str, body: &str, sub: &str| {
        let folder = dir.path().join(sub);
        std::fs::create_dir_all(&folder).unwrap();
        let file = write(&folder, name, body.as_bytes());
        let project = new_project();
        let (code, _, stderr) = ingest_json(project.path(), &[file.to_str().unwrap()]);
        assert_eq!(code, 0, "{stderr}");
        speakers_and_sentences(project.path())
    };
    for (name, body) in [("group-1.txt", lf.as_str()), ("talk.vtt", vtt)] {
        let cr = body.replace("\r\n", "\n").replace('\n', "\r");
        let with_lf = read(name, body, "lf");
        assert!(with_lf.iter().any(|(_, moderator, _)| !moderator));
        assert_eq!(read(name, &cr, "cr"), with_lf, "{name}");
    }
}

/// A question column named twice is refused before anything is stored
/// (before, every answer to it was stored twice).
#[test]
fn a_question_column_named_twice_is_refused() {
    let project = new_project();
    let csv = write(
        project.path(),
        "survey.csv",
        b"respondent,What helps?\nR1,A quiet room.\nR2,Good wifi.\n",
    );
    let out = autocode(
        project.path(),
        &[
            "ingest",
            csv.to_str().unwrap(),
            "--speaker-column",
            "respondent",
            "--question-column",
            "What helps?",
            "--question-column",
            "what helps?",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--question-column \"what helps?\" is given twice"),
        "{err}"
    );
    assert_eq!(stats(project.path())["segments"], 0, "nothing stored");
    // An empty name names no column (it matched a blank header and read a
    // survey tool's header row as answers).
    let out = autocode(
        project.path(),
        &["ingest", csv.to_str().unwrap(), "--question-column", " "],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--question-column \"\" names no column"),
        "{err}"
    );
    // Nor may a question be an attribute or the respondent column too.
    for flag in ["--attribute-column", "--speaker-column"] {
        let mut args = vec![
            "ingest",
            csv.to_str().unwrap(),
            "--question-column",
            "What helps?",
        ];
        if flag == "--attribute-column" {
            args.extend(["--speaker-column", "respondent"]);
        }
        args.extend([flag, "What helps?"]);
        let out = autocode(project.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{flag}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!(
                "--question-column \"What helps?\" is also the {flag}"
            )),
            "{err}"
        );
    }
}

/// An `--interviewer` that names no speaker of the documents read (a typo)
/// is warned about; the right name is not.
#[test]
fn an_interviewer_who_never_speaks_is_warned_about() {
    for (name, warned) in [("Moderater", true), ("moderator", false)] {
        let project = new_project();
        let (code, json, stderr) = ingest_json(
            project.path(),
            &["data/demo/transcripts/group-1.txt", "--interviewer", name],
        );
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(
            json["interviewers_not_speaking"],
            if warned {
                serde_json::json!([name])
            } else {
                serde_json::json!([])
            }
        );
        let out = autocode(
            new_project().path(),
            &[
                "ingest",
                "data/demo/transcripts/group-1.txt",
                "--interviewer",
                name,
            ],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.contains(&format!(
                "warning: --interviewer \"{name}\" names no speaker of the documents read"
            )),
            warned,
            "{stderr}"
        );
    }
}

/// A respondent deleted from a re-exported survey takes their answers,
/// and a reviewer's decision on one, out of the project's counts: the
/// ingest says what was left behind and whose it was.
#[test]
fn a_respondent_deleted_from_a_survey_export_is_named_with_the_review_left_behind() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    let survey = |rows: &str| {
        write(
            input.path(),
            "s.csv",
            format!("respondent_id,answer\n{rows}").as_bytes(),
        )
    };
    let args = |path: &Path| {
        vec![
            "ingest".to_string(),
            path.to_str().unwrap().to_string(),
            "--speaker-column".into(),
            "respondent_id".into(),
            "--question-column".into(),
            "answer".into(),
        ]
    };
    let path = survey("R_1,More staff please.\nR_2,Fix the hoists.\nR_3,Less noise.\n");
    let run = |path: &Path| {
        let a = args(path);
        autocode(
            project.path(),
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };
    assert!(run(&path).status.success());
    let db = rusqlite::Connection::open(project.path().join("autocode.db")).unwrap();
    db.execute(
        "INSERT INTO reviews(segment_id, document, text_hash, new_code_id, decision, reviewer, created_at)
         SELECT id, 's.csv', text_hash, 'safety', 'add', 'ann', 'now' FROM segments WHERE text = 'Fix the hoists.'",
        [],
    )
    .unwrap();
    drop(db);
    // An answer edited by someone who left no decision: nothing to say.
    let path = survey("R_1,\"More staff, please.\"\nR_2,Fix the hoists.\nR_3,Less noise.\n");
    let out = run(&path);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("people decided"), "{stderr}");
    let path = survey("R_1,\"More staff, please.\"\nR_3,Less noise.\n");
    let out = run(&path);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "warning: `s.csv` changed and sentences people decided are gone: 1 review(s) kept \
             detached (they return if their sentences do)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("participants no longer in it: `R_2`"),
        "{stderr}"
    );
}

/// A speaker label written with a combining accent (as macOS may write
/// "Zoé") is a label, and the same speaker as one written composed.
#[test]
fn a_label_with_a_combining_accent_is_the_same_speaker_as_the_composed_one() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    write(
        input.path(),
        "a.txt",
        "Moderator: Hello there?\nZoe\u{301}: I like cake.\nBob: Me too.\n".as_bytes(),
    );
    write(
        input.path(),
        "b.txt",
        "Moderator: Hello there?\rZo\u{e9}: I like pie.\rBob: Me too.\r".as_bytes(),
    );
    let out = autocode(project.path(), &["ingest", input.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = speakers_and_sentences(project.path());
    let zoe: Vec<_> = said.iter().filter(|(s, _, _)| s == "Zo\u{e9}").collect();
    assert_eq!(zoe.len(), 2, "{said:?}");
    assert_eq!(zoe[0].2, "I like cake.");
    assert_eq!(stats(project.path())["participants"], Value::from(2));
    // A table's attribute of a decomposed id reaches the speaker.
    let table = write(
        input.path(),
        "t.csv",
        "speaker,age,text\nZoe\u{301},30,I like tea.\nBob,40,Me too.\n".as_bytes(),
    );
    let fresh = new_project();
    let out = autocode(
        fresh.path(),
        &[
            "ingest",
            table.to_str().unwrap(),
            "--attribute-column",
            "age",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = rusqlite::Connection::open(fresh.path().join("autocode.db")).unwrap();
    let ages: Vec<(String, String)> = db
        .prepare("SELECT participant_id, value FROM participant_attributes WHERE key = 'age' ORDER BY value")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        ages,
        [
            ("Zo\u{e9}".to_string(), "30".to_string()),
            ("Bob".into(), "40".into())
        ]
    );
}

/// A wide survey export read with a column that repeats (a department)
/// as the respondent id pools its rows: the ingest says so.
#[test]
fn a_survey_id_column_that_repeats_within_a_question_is_warned_about() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    let rows: String = (0..8)
        .map(|i| {
            format!(
                "R{i},{},Answer number {i}.,More {i}.\n",
                if i % 2 == 0 { "Sales" } else { "Ops" }
            )
        })
        .collect();
    let path = write(
        input.path(),
        "s.csv",
        format!("id,dept,answer,other\n{rows}").as_bytes(),
    );
    let run = |speaker: &str| {
        autocode(
            project.path(),
            &[
                "ingest",
                path.to_str().unwrap(),
                "--speaker-column",
                speaker,
                "--question-column",
                "answer",
                "--question-column",
                "other",
            ],
        )
    };
    let out = run("dept");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`s.csv`: 12 of its 16 answers are by a respondent id that already answered the same question (`Ops` 4 times, `Sales` 4 times)"),
        "{stderr}"
    );
    let out = run("id");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("already answered"), "{stderr}");
    // A long table, one row per answer, two per respondent: no warning.
    let long = write(
        input.path(),
        "long.csv",
        b"speaker,question,text\nR1,Name two things.,Quiet.\nR1,Name two things.,Light.\nR2,Name two things.,Pay.\nR2,Name two things.,Time.\nR3,Name two things.,Desk.\nR3,Name two things.,Chair.\n",
    );
    let out = autocode(
        project.path(),
        &[
            "ingest",
            long.to_str().unwrap(),
            "--question-column",
            "question",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("already answered"), "{stderr}");
}

/// An audit sample drawn before documents were added covers the corpus as
/// it was: the report says so, and how to extend it.
#[test]
fn a_report_names_an_audit_sample_drawn_from_fewer_units() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    let g1 = write(
        input.path(),
        "g1.txt",
        b"Moderator: Why?\nAnn: Because.\nBob: Fine.\nCai: Sure.\n",
    );
    assert!(autocode(project.path(), &["ingest", g1.to_str().unwrap()])
        .status
        .success());
    let drawn = autocode(
        project.path(),
        &["audit", "draw", "--size", "2", "--seed", "3"],
    );
    assert!(
        drawn.status.success(),
        "{}",
        String::from_utf8_lossy(&drawn.stderr)
    );
    let out_dir = tempfile::tempdir().unwrap();
    let report = || {
        autocode(
            project.path(),
            &[
                "report",
                "--format",
                "table",
                "--out",
                out_dir.path().to_str().unwrap(),
            ],
        )
    };
    let before = report();
    assert!(!String::from_utf8_lossy(&before.stderr).contains("audit sample was drawn"));
    let g2 = write(input.path(), "g2.txt", b"Moderator: Why?\nDee: Because.\n");
    assert!(autocode(project.path(), &["ingest", g2.to_str().unwrap()])
        .status
        .success());
    let after = report();
    let stderr = String::from_utf8_lossy(&after.stderr);
    assert!(
        stderr
            .contains("warning: the audit sample was drawn from 3 units and the project has 4 now"),
        "{stderr}"
    );
    // Drawn again as the warning says (the same seed keeps its units):
    // drawn from today's units, so no warning.
    let again = autocode(
        project.path(),
        &["audit", "draw", "--size", "2", "--seed", "3"],
    );
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let after = report();
    let stderr = String::from_utf8_lossy(&after.stderr);
    assert!(!stderr.contains("audit sample was drawn"), "{stderr}");
}

/// A survey downloaded again under another file name (Qualtrics names each
/// download by its date) is a second document whose answers count twice:
/// the ingest names the earlier one.
#[test]
fn a_survey_downloaded_again_under_another_name_is_warned_about() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    let rows = "respondent_id,answer\nR_1,More staff please.\nR_2,Fix the hoists.\nR_3,Less noise.\nR_4,Better pay.\n";
    let first = write(input.path(), "Survey_March 9.csv", rows.as_bytes());
    let second = write(
        input.path(),
        "Survey_March 10.csv",
        format!("{rows}R_5,Fewer meetings.\n").as_bytes(),
    );
    let ingest = |path: &Path| {
        autocode(
            project.path(),
            &[
                "ingest",
                path.to_str().unwrap(),
                "--speaker-column",
                "respondent_id",
                "--question-column",
                "answer",
            ],
        )
    };
    let out = ingest(&first);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("another download"));
    let out = ingest(&second);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "warning: `Survey_March 10.csv` holds 4 of its 5 respondents answering the same questions \
             as `Survey_March 9.csv`, a document stored already (another download of the same survey?)"
        ),
        "{stderr}"
    );
    // Re-ingested unchanged: nothing new to say.
    let out = ingest(&second);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("another download"), "{stderr}");
    // A survey split into a file per question, the same respondents and a
    // sentence the two questions share: no re-export.
    let per_question = |name: &str, question: &str| {
        let column = format!("{question} Please explain your answer.");
        let path = write(
            input.path(),
            name,
            format!("id,\"{column}\"\nR1,Fine.\nR2,Good.\nR3,Bad.\nR4,Okay then.\n").as_bytes(),
        );
        autocode(
            project.path(),
            &[
                "ingest",
                path.to_str().unwrap(),
                "--speaker-column",
                "id",
                "--question-column",
                &column,
            ],
        )
    };
    per_question("q1.csv", "How do you rate working from home?");
    let out = per_question("q2.csv", "How do you rate the office?");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("another download"), "{stderr}");
}

/// A focus group's group voices (`All:`, `Everyone:`) are nobody: the
/// stats and the report count the two people who speak, not four (each
/// voice was an "unlabelled participant" and one more in the report's N).
/// And research transcripts' conventions are read as their participants:
/// the header block is no one's, `Interviewer:`/`R:` is each interview's own
/// respondent, `Service user:` a label.
#[test]
fn group_voices_and_research_transcript_conventions_count_the_right_people() {
    let input = tempfile::tempdir().unwrap();
    let fg = write(
        input.path(),
        "fg.txt",
        b"Moderator: Welcome. What has been hardest?\nAnna: The nights.\nBram: The paperwork.\n\
          Moderator: Does everyone agree?\nAll: Yes.\nEveryone: (laughs)\n",
    );
    let project = new_project();
    let (code, summary, _) = ingest_json(project.path(), &[fg.to_str().unwrap()]);
    assert_eq!(code, 0, "{summary}");
    let st = stats(project.path());
    assert_eq!(
        (
            st["participants"].as_i64(),
            st["unlabelled_participants"].as_i64()
        ),
        (Some(2), Some(0)),
        "{st}"
    );
    let out = project.path().join("out");
    let r = autocode(
        project.path(),
        &["report", "--format", "json", "--out", out.to_str().unwrap()],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let report: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["totals"]["participants"], 2, "{}", report["totals"]);

    let interviews = tempfile::tempdir().unwrap();
    for i in 1..=3 {
        write(
            interviews.path(),
            &format!("int0{i}.txt"),
            format!(
                "Interview 0{i}, 12 March 2023\nParticipant: P0{i}\nGender: Female\nAge: 5{i}\n\
                 Interviewer: Dr. Smith\n\nInterviewer: Welcome. What is hardest?\n\
                 R: The nights. We are short of staff.\nInterviewer: And at home?\n\
                 Service user: My son helps.\n"
            )
            .as_bytes(),
        );
    }
    let project = new_project();
    let (code, summary, _) = ingest_json(project.path(), &[interviews.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{summary}");
    let people: Vec<(String, bool, String)> = speakers_and_sentences(project.path());
    assert!(
        people
            .iter()
            .all(|(_, _, t)| !["Female", "51", "P01", "Dr. Smith"].contains(&t.as_str())),
        "the header block is no one's speech: {people:?}"
    );
    let st = stats(project.path());
    // Each interview's R and its service user: six people, no `Gender`.
    assert_eq!(st["participants"], 6, "{st}");
    assert_eq!(st["moderators"], 1, "{st}");
}

/// A wide survey export where one respondent id answers twice (a double
/// submission) is named in a warning; a respondent id with slashes (Google
/// Forms' timestamp, the only id it exports) is a respondent with its
/// attributes; and without a participants file no participant is "listed".
#[test]
fn a_double_submission_is_named_and_a_slashed_id_is_a_respondent() {
    let input = tempfile::tempdir().unwrap();
    let csv = write(
        input.path(),
        "form.csv",
        b"Timestamp,Age group,What is the problem?,What would help?\n\
          2025/03/01 9:00:00 AM GMT,18-24,Buses are late.,More buses.\n\
          2025/03/01 9:05:00 AM GMT,25-34,Too expensive.,Cheaper tickets.\n\
          2025/03/01 9:05:00 AM GMT,25-34,Too dear.,Cheaper.\n\
          2025/03/02 10:15:00 AM GMT,25-34,Dirty seats.,Clean them.\n",
    );
    let project = new_project();
    let (code, summary, _) = ingest_json(
        project.path(),
        &[
            csv.to_str().unwrap(),
            "--speaker-column",
            "Timestamp",
            "--question-column",
            "What is the problem?",
            "--question-column",
            "What would help?",
            "--attribute-column",
            "Age group",
            "--interviewer",
            "Dr Smith",
        ],
    );
    assert_eq!(code, 0, "{summary}");
    assert_eq!(summary["registered_participants"], 0, "{summary}");
    assert_eq!(
        summary["duplicate_respondents"],
        serde_json::json!([["form.csv", ["2025/03/01 9:05:00 AM GMT"]]]),
        "{summary}"
    );
    // Without --json, the warning names it.
    let again = new_project();
    let out = autocode(
        again.path(),
        &[
            "ingest",
            csv.to_str().unwrap(),
            "--speaker-column",
            "Timestamp",
            "--question-column",
            "What is the problem?",
            "--question-column",
            "What would help?",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "warning: `form.csv`: 1 respondent id(s) answer a question more than once \
             (`2025/03/01 9:05:00 AM GMT`): a double submission or a copied row?"
        ),
        "{stderr}"
    );
    let st = stats(project.path());
    assert_eq!(st["participants"], 3, "{st}");
    assert_eq!(st["unlabelled_participants"], 0, "{st}");
    assert_eq!(st["participants_by"]["Age group"]["25-34"], 2, "{st}");
}

/// One person whose name two files spell in other cases (a typed `Tom
/// Reid:`, Otter's lower-case `tom reid  0:00`), and a survey respondent
/// whose e-mail id a second wave capitalises, are one participant, in the
/// spelling stored first; and the interviewer team is found with them.
/// Before, each spelling was a participant: N 6 for 4 interviewees, and
/// the second wave's respondent counted twice.
#[test]
fn an_ids_case_variants_are_one_participant() {
    let p = new_project();
    let dir = tempfile::tempdir().unwrap();
    let q = "How did you first get involved with the clinic?";
    let answer = "I started going after my GP referred me. It took three months.";
    for (file, asker, who) in [
        ("interview-01.txt", "Sarah Khan", "Maria Lopez"),
        ("interview-02.txt", "Tom Reid", "John Okafor"),
        ("interview-03.txt", "Sarah Khan", "Priya Shah"),
    ] {
        let body =
            format!("{asker}: {q}\n\n{who}: {answer}\n\n{asker}: And then?\n\n{who}: {answer}\n");
        write(dir.path(), file, body.as_bytes());
    }
    write(
        dir.path(),
        "interview-04.txt",
        format!("tom reid  0:00\n{q}\n\nElla Byrne  0:07\n{answer}\n\ntom reid  0:20\nAnd then?\n\nElla Byrne  0:25\n{answer}\n\ntom reid  0:40\nWhy?\n\nElla Byrne  0:45\n{answer}\n").as_bytes(),
    );
    let (code, _, stderr) = ingest_json(p.path(), &[dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let st = stats(p.path());
    assert_eq!(
        (st["participants"].as_u64(), st["moderators"].as_u64()),
        (Some(4), Some(2)),
        "{st}"
    );
    let db = rusqlite::Connection::open(p.path().join("autocode.db")).unwrap();
    let ids: Vec<String> = db
        .prepare(
            "SELECT DISTINCT participant_id FROM segments WHERE speaker LIKE '%reid' ORDER BY 1",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ids, vec!["Tom Reid".to_string()]);

    // Two waves of a form keyed by e-mail.
    let p = new_project();
    let wave1 = write(
        dir.path(),
        "wave1.csv",
        b"Email,What would help?\nr01@x.org,Free parking on site.\nr04@x.org,More flexible hours please.\n",
    );
    let wave2 = write(
        dir.path(),
        "wave2.csv",
        b"Email,What would help?\nR04@x.org,\"Still the hours, honestly.\"\nr05@x.org,A quieter office.\n",
    );
    for wave in [&wave1, &wave2] {
        let (code, _, stderr) = ingest_json(
            p.path(),
            &[
                wave.to_str().unwrap(),
                "--speaker-column",
                "Email",
                "--question-column",
                "What would help?",
            ],
        );
        assert_eq!(code, 0, "{stderr}");
    }
    assert_eq!(stats(p.path())["participants"].as_u64(), Some(3));
}

/// A REDCap export's events, split by `--doc-column`, share their
/// respondents and questions by design: no "another download" warning
/// (before, the second event was warned about as a second download).
#[test]
fn events_of_one_export_are_no_second_download() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    let mut rows = String::from("record_id,event,What helps you most?\n");
    for event in ["Baseline", "6 months"] {
        for r in 1..=5 {
            rows.push_str(&format!(
                "{r},{event},Talking to the other parents in the group every week helps me {r}.\n"
            ));
        }
    }
    let path = write(input.path(), "redcap.csv", rows.as_bytes());
    let out = autocode(
        project.path(),
        &[
            "ingest",
            path.to_str().unwrap(),
            "--speaker-column",
            "record_id",
            "--doc-column",
            "event",
            "--question-column",
            "What helps you most?",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("another download"), "{stderr}");
    assert_eq!(stats(project.path())["documents"].as_u64(), Some(2));
}

/// A role word or a researcher's numbered letter that asks in every
/// interview is the interviewer, as a name is: `Teacher:` interviewing
/// `Pupil:` in three classes, and `R1:`/`R2:` running three groups. Before
/// the role words became each document's own, the names rule found them;
/// after, they were interviewees of each document until this rule.
#[test]
fn a_role_word_that_asks_in_every_interview_is_the_interviewer() {
    let dir = tempfile::tempdir().unwrap();
    for n in 1..=3 {
        write(
            dir.path(),
            &format!("class{n}.txt"),
            format!(
                "Teacher: What do you like about school?\nPupil: Playtime with my friends {n}.\n\
                 Teacher: And what is hard?\nPupil: Spelling tests on Fridays.\n\
                 Teacher: Why is that?\nPupil: I get nervous.\n"
            )
            .as_bytes(),
        );
        write(
            dir.path(),
            &format!("group{n}.txt"),
            format!(
                "R1: How do you care for your mother?\nP{a}: I visit every day after work.\n\
                 R2: Who helps you?\nP{b}: My brother, sometimes, at weekends.\n\
                 R1: What would make it easier?\nP{a}: Respite care once a month.\n",
                a = 2 * n - 1,
                b = 2 * n
            )
            .as_bytes(),
        );
    }
    let p = new_project();
    let (code, json, stderr) = ingest_json(p.path(), &[dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let mut found: Vec<&str> = json["detected_interviewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    found.sort();
    assert_eq!(found, ["R1", "R2", "Teacher"], "{json}");
    // Three pupils, one per class, and P1…P6.
    assert_eq!(stats(p.path())["participants"].as_u64(), Some(9));

    // Beside a labelled interviewer, a mother asking her child is family.
    let dir = tempfile::tempdir().unwrap();
    for n in 1..=3 {
        write(
            dir.path(),
            &format!("family{n}.txt"),
            format!(
                "Interviewer: How are mealtimes at home?
Mother: What did you have today?
                 Child: Pasta with peas {n}.
Mother: And did you like it?
Child: Yes.
                 Interviewer: Who cooks?
Mother: Mostly me, after work.
"
            )
            .as_bytes(),
        );
    }
    let p = new_project();
    let (code, json, stderr) = ingest_json(p.path(), &[dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        json["detected_interviewers"],
        serde_json::json!([]),
        "{json}"
    );
    assert_eq!(stats(p.path())["participants"].as_u64(), Some(6));
}

/// Automatic transcripts write no "?": the `Speaker 1` who asks in every
/// interview ("how long have you been doing that") is the interviewer, as
/// with question marks (hi/07; before, each interview's interviewer was
/// counted and coded).
#[test]
fn an_unpunctuated_interviewer_who_asks_in_every_interview_is_found() {
    let dir = tempfile::tempdir().unwrap();
    for n in 1..=3 {
        write(
            dir.path(),
            &format!("interview{n}.txt"),
            format!(
                "Speaker 1  0:00\nso thanks for joining me can you tell me about your role\n\n\
                 Speaker 2  0:07\nyeah so i am a nurse {n} i do home visits mostly\n\n\
                 Speaker 1  0:28\nhow long have you been doing that\n\n\
                 Speaker 2  0:35\nabout eleven years now i started after uni\n\n\
                 Speaker 1  0:41\nand what is the hardest part at the moment\n\n\
                 Speaker 2  0:47\nthe staffing we are always short\n"
            )
            .as_bytes(),
        );
    }
    let p = new_project();
    let (code, json, stderr) = ingest_json(p.path(), &[dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let found: Vec<&str> = json["detected_interviewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["Speaker 1"], "{json}");
    assert_eq!(stats(p.path())["participants"].as_u64(), Some(3));
}

/// hV/01: a transcript filed into a subfolder after a first ingest (its
/// text unchanged, its old file gone) is the same document under its new
/// name, with its people's codings and reviews; a copy whose original is
/// still there is a second document, as before.
#[test]
fn a_moved_transcript_is_the_same_document_a_copy_is_another() {
    let project = new_project();
    let inputs = tempfile::tempdir().unwrap();
    let root = inputs.path().join("transcripts");
    std::fs::create_dir_all(&root).unwrap();
    let text = "Interviewer: How is telehealth for you?\nInterviewee: The video calls save me a long drive.\n";
    std::fs::write(root.join("interview_01.txt"), text).unwrap();
    std::fs::write(
        root.join("interview_02.txt"),
        "Interviewer: And for you?\nInterviewee: I miss seeing the nurse in person.\n",
    )
    .unwrap();
    let (code, _, err) = ingest_json(project.path(), &[root.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    // A person's coding and a review of the first interview's answer.
    let db = rusqlite::Connection::open(project.path().join("autocode.db")).unwrap();
    let (seg, doc, hash): (i64, String, String) = db
        .query_row(
            "SELECT s.id, d.name, s.text_hash FROM segments s JOIN documents d ON d.id = s.document_id
             WHERE s.text LIKE 'The video calls%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    db.execute(
        "INSERT INTO codings(segment_id, code_id, codebook_version, source, coder, confidence, assigned, created_at)
         VALUES (?1, 'access', NULL, 'gold', 'g', 1.0, 1, '2026-01-01T00:00:00Z')",
        [seg],
    )
    .unwrap();
    db.execute(
        "INSERT INTO reviews(segment_id, document, text_hash, code_id, decision, reviewer, created_at)
         VALUES (?1, ?2, ?3, 'access', 'accept', 'rev', '2026-01-01T00:00:00Z')",
        rusqlite::params![seg, doc, hash],
    )
    .unwrap();
    drop(db);

    std::fs::create_dir_all(root.join("anonymised")).unwrap();
    std::fs::rename(
        root.join("interview_01.txt"),
        root.join("anonymised/interview_01.txt"),
    )
    .unwrap();
    let (code, json, err) = ingest_json(project.path(), &[root.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        json["moved_documents"][0]["from"].as_str(),
        Some(doc.as_str()),
        "{json}"
    );
    let db = rusqlite::Connection::open(project.path().join("autocode.db")).unwrap();
    let names: Vec<String> = db
        .prepare("SELECT name FROM documents ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(names, ["anonymised/interview_01.txt", "interview_02.txt"]);
    let kept: (i64, i64) = db
        .query_row(
            "SELECT (SELECT COUNT(*) FROM codings c JOIN segments s ON s.id = c.segment_id
                     WHERE c.source = 'gold' AND s.text LIKE 'The video calls%'),
                    (SELECT COUNT(*) FROM reviews r JOIN segments s ON s.id = r.segment_id
                     WHERE s.text LIKE 'The video calls%' AND r.document = 'anonymised/interview_01.txt')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(kept, (1, 1));
    drop(db);

    // A copy beside its original is another document.
    std::fs::copy(
        root.join("interview_02.txt"),
        root.join("interview_02_copy.txt"),
    )
    .unwrap();
    let (code, json, err) = ingest_json(project.path(), &[root.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json["moved_documents"].as_array().map(Vec::len), Some(0));
    assert_eq!(json["inserted"].as_u64(), Some(1), "{json}");
}

/// hj/03: the same files read one night through the study folder and the
/// next through its `transcripts` subfolder (or from another working
/// folder) are the same documents under their first names, not a second
/// copy of every interview; the run says which name each keeps.
#[test]
fn a_file_read_through_another_folder_keeps_its_stored_name() {
    let project = new_project();
    let inputs = tempfile::tempdir().unwrap();
    let study = inputs.path().join("study");
    let root = study.join("transcripts");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("interview_01.txt"),
        "Interviewer: How is telehealth for you?\nMaria: The video calls save me a long drive.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("interview_02.txt"),
        "Interviewer: And for you?\nTom: I miss seeing the nurse in person.\n",
    )
    .unwrap();
    let names = |p: &Path| -> Vec<String> {
        let db = rusqlite::Connection::open(p.join("autocode.db")).unwrap();
        let mut stmt = db
            .prepare("SELECT name FROM documents ORDER BY name")
            .unwrap();
        let names = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        names
    };
    let (code, _, err) = ingest_json(project.path(), &[study.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let first = [
        "transcripts/interview_01.txt",
        "transcripts/interview_02.txt",
    ];
    assert_eq!(names(project.path()), first);

    let (code, json, err) = ingest_json(project.path(), &[root.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(names(project.path()), first, "{json}");
    assert_eq!(json["unchanged"].as_u64(), Some(2), "{json}");
    assert_eq!(json["inserted"].as_u64(), Some(0), "{json}");
    assert_eq!(
        json["kept_names"][0]["read_as"].as_str(),
        Some("interview_01.txt"),
        "{json}"
    );
    assert_eq!(
        json["kept_names"][0]["document"].as_str(),
        Some("transcripts/interview_01.txt"),
        "{json}"
    );
    let out = autocode(project.path(), &["ingest", root.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(" and 1 other file keep the names the project stored them by, from the folder read before (`transcripts/interview_01.txt`, not `interview_01.txt`)"),
        "{err}"
    );
    assert_eq!(stats(project.path())["participants"].as_u64(), Some(2));

    // A relative path typed in another working folder is the same file,
    // not a moved one.
    let out = Command::new(env!("CARGO_BIN_EXE_autocode"))
        .arg("--project")
        .arg(project.path())
        .args(["ingest", "--json", "interview_02.txt"])
        .current_dir(&root)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["moved_documents"], serde_json::json!([]), "{json}");
    assert_eq!(json["unchanged"].as_u64(), Some(1), "{json}");
    assert_eq!(names(project.path()), first);
}

/// hY/02: two Microsoft Forms exports read by their `ID` column: each
/// form's response 1 is its own respondent, 4 participants, not 2.
#[test]
fn two_microsoft_forms_response_numbers_are_four_respondents() {
    let project = new_project();
    let inputs = tempfile::tempdir().unwrap();
    let header = "ID,Start time,Completion time,Email,Name,What would help?\n";
    for (file, answers) in [
        ("staff.csv", ["A team day.", "A proper desk."]),
        ("students.csv", ["Quiet rooms.", "Longer library hours."]),
    ] {
        let mut csv = header.to_string();
        for (i, a) in answers.iter().enumerate() {
            csv.push_str(&format!(
                "{},3/4/25 9:00,3/4/25 9:05,anonymous,,{a}\n",
                i + 1
            ));
        }
        std::fs::write(inputs.path().join(file), csv).unwrap();
    }
    let (code, _, err) = ingest_json(
        project.path(),
        &[
            inputs.path().to_str().unwrap(),
            "--speaker-column",
            "ID",
            "--question-column",
            "What would help?",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let db = rusqlite::Connection::open(project.path().join("autocode.db")).unwrap();
    let people: i64 = db
        .query_row(
            "SELECT COUNT(DISTINCT participant_id) FROM segments WHERE is_moderator = 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(people, 4);
}

/// Every stored participant sentence's document and participant id, in
/// document and transcript order.
fn participant_of_each_sentence(project: &Path) -> Vec<(String, String)> {
    let db = rusqlite::Connection::open(project.join("autocode.db")).unwrap();
    let mut stmt = db
        .prepare(
            "SELECT d.name, s.participant_id FROM segments s JOIN documents d ON d.id = s.document_id
             WHERE s.is_moderator = 0 ORDER BY d.name, s.turn_index, s.sentence_index",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows
}

/// A longitudinal study's second wave, ingested months later without the
/// participants file the first was ingested with: `Maria:` is the `P01`
/// the project lists, with her attributes (before, a second participant
/// `Maria`: 3 participants for 2 people, her wave-2 sentences `(missing)`
/// in every crosstab). Read again, with or without the file, nothing
/// changes; a file given again still replaces what the project lists.
#[test]
fn a_later_ingest_without_the_participants_file_resolves_to_the_listed_people() {
    let input = tempfile::tempdir().unwrap();
    let wave1 = input.path().join("wave1");
    let wave2 = input.path().join("wave2");
    std::fs::create_dir_all(&wave1).unwrap();
    std::fs::create_dir_all(&wave2).unwrap();
    write(
        &wave1,
        "maria-w1.txt",
        b"Interviewer: How have you been managing?\nMaria: It has been hard. I stopped driving.\n",
    );
    write(
        &wave1,
        "john-w1.txt",
        b"Interviewer: How have you been managing?\nJohn: I keep busy with the allotment.\n",
    );
    write(
        &wave2,
        "maria-w2.txt",
        b"Interviewer: What has changed?\nMaria: I moved in with my daughter. The nurse still calls.\n",
    );
    let people = write(
        input.path(),
        "participants.csv",
        b"id,name,gender,site\nP01,Maria,female,Leeds\nP02,John,male,York\n",
    );
    let (w1, w2, file) = (
        wave1.to_str().unwrap(),
        wave2.to_str().unwrap(),
        people.to_str().unwrap(),
    );
    let project = new_project();
    let (code, first, err) = ingest_json(project.path(), &[w1, "--participants", file]);
    assert_eq!(
        (code, &first["registered_participants"]),
        (0, &Value::from(2)),
        "{err}"
    );

    let (code, second, err) = ingest_json(project.path(), &[w2]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        second["unregistered_speakers"],
        serde_json::json!({}),
        "{second}"
    );
    assert_eq!(second["participants_from_project"], 2, "{second}");
    assert_eq!(second["registered_participants"], 0, "{second}");
    // Said of the file when it was read, not again of the project's list.
    assert_eq!(second["participants_not_speaking"], serde_json::json!([]));
    let expected = [
        ("john-w1.txt", "P02"),
        ("maria-w1.txt", "P01"),
        ("maria-w1.txt", "P01"),
        ("maria-w2.txt", "P01"),
        ("maria-w2.txt", "P01"),
    ]
    .map(|(d, p)| (d.to_string(), p.to_string()));
    assert_eq!(participant_of_each_sentence(project.path()), expected);
    let st = stats(project.path());
    assert_eq!(st["participants"], 2, "{st}");
    assert_eq!(st["participants_by"]["gender"]["female"], 1, "{st}");
    assert_eq!(st["participants_by"]["site"]["Leeds"], 1, "{st}");
    let store = store::Store::open(project.path()).unwrap();
    assert_eq!(
        store.participant_attributes().unwrap()["P01"],
        BTreeMap::from([
            ("gender".to_string(), "female".to_string()),
            ("site".to_string(), "Leeds".to_string())
        ])
    );
    drop(store);

    // Read again, with the file and without it: nothing changes.
    for args in [vec![w1, w2], vec![w1, w2, "--participants", file]] {
        let (code, again, err) = ingest_json(project.path(), &args);
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            (&again["inserted"], &again["replaced"], &again["unchanged"]),
            (&Value::from(0), &Value::from(0), &Value::from(3)),
            "{again}"
        );
        assert_eq!(again["unregistered_speakers"], serde_json::json!({}));
        assert_eq!(participant_of_each_sentence(project.path()), expected);
        assert_eq!(stats(project.path())["participants"], 2);
    }

    // A corrected file given again replaces the file's attributes as before.
    write(
        input.path(),
        "participants.csv",
        b"id,name,gender,site\nP01,Maria,female,Bristol\nP02,John,male,York\n",
    );
    let (code, _, err) = ingest_json(project.path(), &[w2, "--participants", file]);
    assert_eq!(code, 0, "{err}");
    let st = stats(project.path());
    assert_eq!(st["participants_by"]["site"]["Bristol"], 1, "{st}");
    assert!(st["participants_by"]["site"].get("Leeds").is_none(), "{st}");
}

/// A `document` cell naming two sessions, one of them not ingested yet:
/// the warning names the missing one alone (before, the whole cell, as
/// if neither were there), and suggests no session the cell names itself.
#[test]
fn a_participants_row_of_two_sessions_names_only_the_missing_one() {
    let project = new_project();
    let input = tempfile::tempdir().unwrap();
    write(
        input.path(),
        "P03_part1.txt",
        b"Interviewer: How did you start?\nRespondent: After my old job ended.\n",
    );
    write(
        input.path(),
        "participants.csv",
        b"id,name,document,sector\nP03,Respondent,P03_part1.txt; P03_part2.txt,fintech\n",
    );
    let (code, summary, err) = ingest_json(project.path(), &[input.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        summary["participants_unknown_documents"],
        serde_json::json!([{"id": "P03", "document": "P03_part2.txt", "nearest": null}]),
        "{summary}"
    );
    assert_eq!(
        participant_of_each_sentence(project.path()),
        [("P03_part1.txt".to_string(), "P03".to_string())]
    );
}

/// h11/02 and h11/03: what a Qualtrics export leaves out is said. Given as
/// the participants file, its own columns (IP address, GPS coordinates,
/// timestamps) are no attributes and a warning names them, its questions
/// staying attributes; read as a survey, its `Survey Preview` and `Spam`
/// rows are no respondents and a warning counts them, once (interviewer
/// detection reads the file first), `--quiet` or not; `--json` has both.
#[test]
fn what_a_qualtrics_export_leaves_out_is_said() {
    let input = tempfile::tempdir().unwrap();
    let dir = input.path();
    let header = "StartDate,Status,IPAddress,RecordedDate,ResponseId,ExternalReference,LocationLatitude,LocationLongitude,Q1,Q4\n\
        Start Date,Response Type,IP Address,Recorded Date,Response ID,External Data Reference,Location Latitude,Location Longitude,\
        Which department do you work in?,What is the hardest part of working from home?\n\
        \"{\"\"ImportId\"\":\"\"startDate\"\"}\",\"{\"\"ImportId\"\":\"\"status\"\"}\",\"{\"\"ImportId\"\":\"\"ipAddress\"\"}\",\
        \"{\"\"ImportId\"\":\"\"recordedDate\"\"}\",\"{\"\"ImportId\"\":\"\"_recordId\"\"}\",\"{\"\"ImportId\"\":\"\"externalDataReference\"\"}\",\
        \"{\"\"ImportId\"\":\"\"locationLatitude\"\"}\",\"{\"\"ImportId\"\":\"\"locationLongitude\"\"}\",\"{\"\"ImportId\"\":\"\"QID1\"\"}\",\
        \"{\"\"ImportId\"\":\"\"QID4_TEXT\"\"}\"\n";
    let rows = "2025-03-10 09:00,Survey Preview,,2025-03-10 09:10,R_0,P03,51.5000,-0.1200,Finance,\"Testing the survey, ignore this.\"\n\
        2025-03-11 09:01,IP Address,81.2.69.141,2025-03-11 09:11,R_1,P01,51.5001,-0.1201,Finance,Nobody to talk to at lunch.\n\
        2025-03-12 09:02,IP Address,81.2.69.142,2025-03-12 09:12,R_2,P02,51.5002,-0.1202,Marketing,The noise from the street.\n\
        2025-03-13 09:03,Spam,10.0.0.1,2025-03-13 09:13,R_3,P04,0,0,Finance,Buy cheap watches.\n";
    let export = write(dir, "screening.csv", format!("{header}{rows}").as_bytes());
    let export = export.to_str().unwrap();
    let p01 = write(
        dir,
        "P01.txt",
        b"Interviewer: How is working from home?\nP01: Lonely, I miss the chat at lunch.\n",
    );
    let p02 = write(
        dir,
        "P02.txt",
        b"Interviewer: How is working from home?\nP02: Loud, the street is noisy all day.\n",
    );
    let (p01, p02) = (p01.to_str().unwrap(), p02.to_str().unwrap());

    // The export as the participants file of two interviews.
    let project = new_project();
    let (code, summary, err) = ingest_json(project.path(), &[p01, p02, "--participants", export]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        summary["participants_columns_left_out"],
        serde_json::json!([{
            "file": export,
            "tool": "Qualtrics",
            "columns": ["startdate", "status", "ipaddress", "recordeddate", "responseid",
                        "locationlatitude", "locationlongitude"],
        }]),
        "{summary}"
    );
    let by = &stats(project.path())["participants_by"];
    assert!(by.get("ipaddress").is_none(), "{by}");
    assert!(by.get("locationlatitude").is_none(), "{by}");
    assert_eq!(by["q1"]["Finance"], 1, "{by}");
    assert_eq!(by["q4"]["Nobody to talk to at lunch."], 1, "{by}");
    let project = new_project();
    let out = autocode(
        project.path(),
        &["ingest", p01, p02, "--participants", export, "-q"],
    );
    assert!(out.status.success());
    let printed = String::from_utf8_lossy(&out.stderr);
    assert!(
        printed.contains(&format!(
            "warning: `{export}` is a Qualtrics export: its own columns `startdate`, `status`, \
             `ipaddress`, `recordeddate`, `responseid`, `locationlatitude`, `locationlongitude` \
             are not participant attributes and were left out"
        )),
        "{printed}"
    );

    // The export as a survey: its preview and its spam are no respondents.
    let survey = [
        "--speaker-column",
        "ResponseId",
        "--question-column",
        "Q4",
        "--attribute-column",
        "Q1",
    ];
    let project = new_project();
    let mut args = vec![export];
    args.extend(survey);
    let (code, summary, err) = ingest_json(project.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        summary["responses_left_out"],
        serde_json::json!([{"file": export, "by_status": {"Spam": 1, "Survey Preview": 1}}]),
        "{summary}"
    );
    assert_eq!(stats(project.path())["participants"], 2);
    let project = new_project();
    let mut args = vec!["ingest", export, "-q"];
    args.extend(survey);
    let out = autocode(project.path(), &args);
    assert!(out.status.success());
    let printed = String::from_utf8_lossy(&out.stderr);
    let warning = format!(
        "warning: `{export}`: 2 responses left out by its Qualtrics `Status` (`Spam` 1, `Survey Preview` 1): \
         previews, test responses and spam are not respondents\n"
    );
    assert_eq!(printed.matches(&warning).count(), 1, "{printed}");
}
