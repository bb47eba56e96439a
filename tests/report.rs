//! `autocode report` end to end: the binary on a real store, the HTML in
//! headless Chromium, and a QDPX round trip between two projects.

#[path = "../crates/report/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

fn autocode(project: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_autocode"))
        .arg("--project")
        .arg(project)
        .args(args)
        .output()
        .expect("run autocode")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The demo-like project with one coded sentence that carries a `<script>` tag.
fn scripted_project(dir: &Path) -> PathBuf {
    let proj = dir.join("proj");
    let store = project(&proj, "\n");
    machine(&store, CAI_SCRIPT, "lighting", 0.5, true);
    proj
}

#[test]
fn writes_every_output_and_prints_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let proj = scripted_project(dir.path());
    let study = dir.path().join("study_counts.csv");
    std::fs::write(&study, "code,expected\nParks,2\nPolice presence,1\n").unwrap();
    let out = dir.path().join("out");
    let o = autocode(
        &proj,
        &[
            "report",
            "--out",
            out.to_str().unwrap(),
            "--compare",
            study.to_str().unwrap(),
            "--name",
            "demo",
        ],
    );
    let stdout = text(&o.stdout);
    assert!(o.status.success(), "{stdout}\n{}", text(&o.stderr));
    assert!(stdout.contains("Participants (N = 3)"), "{stdout}");
    assert!(stdout.contains("Study"), "{stdout}");
    assert!(stdout.contains("Police presence"), "{stdout}");
    for f in [
        "report.html",
        "report.csv",
        "report.json",
        "demo.qdpx",
        "report_crosstab.csv",
        "report_agreement.csv",
        "report_segments.csv",
        "report_by_document.csv",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // Every code in every document, zeros included.
    let by_doc = std::fs::read_to_string(out.join("report_by_document.csv")).unwrap();
    assert_eq!(
        by_doc.lines().next().unwrap(),
        report::output::BY_DOCUMENT_COLUMNS.join(",")
    );
    assert_eq!(by_doc.lines().count(), 1 + 4 * 2, "{by_doc}");
    assert!(
        by_doc.contains("\nparks,group2.txt,1,2,1,1,1.0000\n"),
        "{by_doc}"
    );
    // The coded segments: the scripted sentence's machine coding, its
    // `<script>` kept as text, and Ana's accepted police coding.
    let segments = std::fs::read_to_string(out.join("report_segments.csv")).unwrap();
    assert_eq!(
        segments.lines().next().unwrap(),
        report::output::SEGMENTS_COLUMNS.join(",")
    );
    assert!(
        segments.contains("lighting,Street lighting,safety,group2.txt,")
            && segments.contains(CAI_SCRIPT),
        "{segments}"
    );
    assert!(
        segments.contains(&format!("{ANA_POLICE},human,rev,0.9000,")),
        "{segments}"
    );
    let csv = std::fs::read_to_string(out.join("report.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert_eq!(header, report::output::CSV_COLUMNS.join(","));
    let parks = csv.lines().find(|l| l.starts_with("parks,")).unwrap();
    assert!(
        parks.starts_with("parks,Parks,,0,2,3,0.6667,2,2,"),
        "{parks}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["schema"], "autocode-report/2");
    assert_eq!(json["totals"]["participants"], 3);
    assert_eq!(json["codes"][3]["compare"], 2.0);

    // Same store, same bytes.
    let out2 = dir.path().join("out2");
    let o = autocode(
        &proj,
        &[
            "report",
            "--out",
            out2.to_str().unwrap(),
            "--compare",
            study.to_str().unwrap(),
            "--name",
            "demo",
        ],
    );
    assert!(o.status.success());
    for f in [
        "report.html",
        "report.csv",
        "report.json",
        "demo.qdpx",
        "report_segments.csv",
        "report_by_document.csv",
    ] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(out2.join(f)).unwrap(),
            "{f} differs"
        );
    }
}

fn chromium() -> PathBuf {
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::var("PATH").unwrap_or_default().split(':') {
            let p = Path::new(dir).join(c);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "headless Chromium is needed for this test: apt-get install chromium (.ci/run installs it)"
    );
}

#[test]
fn html_renders_the_chart_in_chromium_and_shows_script_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let proj = scripted_project(dir.path());
    let out = dir.path().join("out");
    let o = autocode(
        &proj,
        &["report", "--format", "html", "--out", out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let html = out.join("report.html");
    let profile = tempfile::tempdir().unwrap();
    let dom = Command::new("timeout")
        .arg("120")
        .arg(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    let dom_text = text(&dom.stdout);
    assert!(
        dom.status.success() && !dom_text.is_empty(),
        "chromium failed: {}",
        text(&dom.stderr)
    );
    // The page's script measured the laid-out bars: one per code.
    assert!(dom_text.contains("data-rendered-bars=\"4\""), "{dom_text}");
    assert_eq!(dom_text.matches("<rect class=\"bar\"").count(), 4);
    // The transcript's <script> is text, not an element: only the page's own script exists.
    assert!(
        dom_text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{dom_text}"
    );
    assert_eq!(dom_text.matches("<script").count(), 1, "{dom_text}");
    assert!(
        dom_text.contains("Cai — group2.txt"),
        "quotes show speaker and document"
    );
}

#[test]
fn qdpx_export_imports_into_another_project() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let store = project(&a, "\r\n");
    human(&store, CAI_PARK, "parks", "human", "Zoë");
    drop(store);
    let out = dir.path().join("out");
    let o = autocode(
        &a,
        &[
            "report",
            "--format",
            "qdpx",
            "--out",
            out.to_str().unwrap(),
            "--name",
            "study",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));

    let b = dir.path().join("b");
    drop(empty_project(&b, "\r\n"));
    let qdpx = out.join("study.qdpx");
    let o = autocode(
        &b,
        &[
            "report",
            "--import-qdpx",
            qdpx.to_str().unwrap(),
            "--import-as",
            "gold",
        ],
    );
    let stdout = text(&o.stdout);
    assert!(o.status.success(), "{stdout}{}", text(&o.stderr));
    assert!(
        stdout.contains("2 of 2 sources matched; 2 codings added"),
        "{stdout}"
    );
    let store = store::Store::open(&b).unwrap();
    let n: i64 = store
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM codings WHERE source = 'gold'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn bad_compare_file_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let proj = scripted_project(dir.path());
    let study = dir.path().join("study.csv");
    std::fs::write(&study, "code,expected\nParks,lots\n").unwrap();
    let o = autocode(
        &proj,
        &[
            "report",
            "--format",
            "table",
            "--compare",
            study.to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("study.csv") && err.contains("line 2"), "{err}");
    // Not a count: infinite (the HTML's chart scale never finished), not a
    // number, negative.
    for value in ["inf", "1e400", "NaN", "-5"] {
        std::fs::write(
            &study,
            format!("code,expected\nPolice presence,1\nParks,{value}\n"),
        )
        .unwrap();
        let o = autocode(
            &proj,
            &[
                "report",
                "--format",
                "html",
                "--out",
                dir.path().join("out").to_str().unwrap(),
                "--compare",
                study.to_str().unwrap(),
            ],
        );
        assert!(!o.status.success(), "{value} accepted");
        let err = text(&o.stderr);
        assert!(
            err.contains("study.csv") && err.contains("line 3") && err.contains("not a count"),
            "{value}: {err}"
        );
    }
}

/// Sentences the current classifier has not coded (ingested since the
/// last `code`) count for no code: the report says how many, rather than
/// showing their zeros as counts.
#[test]
fn sentences_not_coded_yet_are_named_not_counted_as_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let proj = scripted_project(dir.path());
    let store = store::Store::open(&proj).unwrap();
    let mark = |except: &str| {
        store
            .conn()
            .execute("DELETE FROM coding_marks", [])
            .unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO coding_marks(segment_id, codebook_version, model_key, classifier, coded_at)
                 SELECT id, 1, 'm', 'knn:abc', '2026-01-01T00:00:00Z' FROM segments WHERE text != ?1",
                [except],
            )
            .unwrap();
    };
    let stderr = || {
        let o = autocode(&proj, &["report", "--format", "table"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        text(&o.stderr)
    };
    mark(CAI_PARK);
    let err = stderr();
    assert!(
        err.contains("warning: 1 participant sentences are not coded by the current classifier"),
        "{err}"
    );
    // Every sentence coded (the moderator's question needs none): no warning.
    mark("");
    assert!(!stderr().contains("not coded"), "{}", stderr());
}

/// An audit coded before "lighting" was in the codebook is named in a
/// warning, and its figure is the machine's; coded again, no warning.
#[test]
fn an_audit_coded_before_a_code_existed_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("proj");
    let (mut store, labels_v2) = audited_before_lighting(&proj);
    let report = |proj: &Path| {
        let o = autocode(proj, &["report", "--format", "table"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        (text(&o.stdout), text(&o.stderr))
    };
    let (table, err) = report(&proj);
    assert!(
        err.contains(
            "warning: people coded the audit sample before lighting was in the codebook: the sample says \
             nothing about it, so its figures and those of the codes above it are the machine's"
        ),
        "{err}"
    );
    let lighting = table
        .lines()
        .find(|l| l.contains("Street lighting"))
        .unwrap();
    assert!(lighting.contains("model-only"), "{table}");
    store.put_gold_codings("g", Some(2), &labels_v2).unwrap();
    let (table, err) = report(&proj);
    assert!(!err.contains("audit sample before"), "{err}");
    let lighting = table
        .lines()
        .find(|l| l.contains("Street lighting"))
        .unwrap();
    assert!(lighting.contains("census"), "{table}");
}

/// `--out` naming an existing file is refused in words, not as
/// "File exists (os error 17)".
#[test]
fn out_naming_a_file_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let proj = scripted_project(dir.path());
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let o = autocode(&proj, &["report", "--out", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("--out {}: a file, not a folder", file.display())),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

/// A name of dots or nothing wrote a hidden `.qdpx` or `..qdpx`: leading
/// dots go, and a name left empty is `project`.
#[test]
fn a_name_of_dots_makes_no_hidden_qdpx() {
    let dir = tempfile::tempdir().unwrap();
    let proj = scripted_project(dir.path());
    for (name, file) in [
        ("", "project.qdpx"),
        ("..", "project.qdpx"),
        (".study", "study.qdpx"),
    ] {
        let out = dir.path().join(format!("out{}", file.len() + name.len()));
        let o = autocode(
            &proj,
            &[
                "report",
                "--format",
                "qdpx",
                "--out",
                out.to_str().unwrap(),
                "--name",
                name,
            ],
        );
        assert!(o.status.success(), "{name:?}: {}", text(&o.stderr));
        let written: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(written, [file], "{name:?}");
    }
}

/// The report and `codebook export` follow the codebook in use, as `code`
/// and the review page do: approving B and then A again made the report
/// B's (its codes at 0, A's codings loose rows labelled by id) and the
/// export B's.
#[test]
fn the_report_and_the_export_follow_the_codebook_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let proj = scripted_project(dir.path());
    let a = dir.path().join("a.yaml");
    let o = autocode(
        &proj,
        &[
            "codebook",
            "export",
            "--version",
            "1",
            "-o",
            a.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let b = dir.path().join("b.yaml");
    std::fs::write(
        &b,
        "name: Another study\ncodes:\n  - id: rent\n    name: Rent\n    definition: Housing costs.\n",
    )
    .unwrap();
    for file in [&a, &b, &a] {
        let o = autocode(&proj, &["codebook", "approve", file.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let out = dir.path().join("out");
    let o = autocode(&proj, &["report", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        json["codebook"]["name"], "Neighbourhood safety",
        "{}",
        json["codebook"]
    );
    let names: Vec<&str> = json["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap_or(""))
        .collect();
    assert!(
        names.contains(&"Parks") && !names.contains(&"Rent"),
        "{names:?}"
    );
    let exported = dir.path().join("now.yaml");
    let o = autocode(
        &proj,
        &["codebook", "export", "-o", exported.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let body = std::fs::read_to_string(&exported).unwrap();
    assert!(
        body.contains("Neighbourhood safety") && !body.contains("Rent"),
        "{body}"
    );
}

/// hr/03: a code people coded that the codebook in use no longer has (a
/// code merged into another in a revision) is named in a warning, with its
/// codings: its row is people's codings alone, and its former parent no
/// longer counts them. Before, only report.json's `in_codebook` said so.
#[test]
fn a_code_the_codebook_no_longer_has_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("proj");
    let store = project(&proj, "\n");
    machine(&store, CAI_SCRIPT, "lighting", 0.5, true);
    human(&store, ANA_PARK, "scheduling", "human", "rev");
    human(&store, CAI_PARK, "scheduling", "human", "rev");
    drop(store);
    let out = dir.path().join("out");
    let o = autocode(&proj, &["report", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains(
            "warning: people coded a code the codebook in use does not have (dropped or renamed in a revision): `scheduling` (2 codings)"
        ),
        "{stderr}"
    );
    assert!(
        text(&o.stdout).contains("people-coded: no classifier codes the code (none has coded the corpus, or the code is not in the codebook in use)"),
        "{}",
        text(&o.stdout)
    );
}

/// hh/03: a sentence of a hard-wrapped transcript keeps its line break in
/// the store (the `.qdpx` selects the source's own characters), but the
/// report quotes it with the break read as a space, as docs/corpus.md reads
/// it: report.csv's `example`, report_segments.csv's `text`, report.json's
/// examples and the HTML's quotes.
#[test]
fn quotes_read_a_hard_wrapped_line_break_as_a_space() {
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("proj");
    let mut store = empty_project(&proj, "\r\n");
    let wrapped = "The monthly ticket went up to ninety euros, which is far\r\ntoo much for me.";
    let flat = "The monthly ticket went up to ninety euros, which is far too much for me.";
    let doc = document(
        "email.txt",
        &[SpeakerTurn {
            speaker: "Dee",
            participant: Some("P4"),
            moderator: false,
            sentences: &[wrapped],
        }],
        "\r\n",
    );
    store.put_document(&doc).unwrap();
    human(&store, wrapped, "parks", "gold", "g");
    drop(store);
    let out = dir.path().join("out");
    let o = autocode(&proj, &["report", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));

    // The quote has commas, so CSV writes it in quotes.
    for file in ["report.csv", "report_segments.csv"] {
        let body = std::fs::read_to_string(out.join(file)).unwrap();
        let row = body.lines().find(|l| l.starts_with("parks,")).unwrap();
        assert!(row.contains(&format!("\"{flat}\"")), "{file}: {body:?}");
        assert!(!body.contains("far\r\ntoo"), "{file}: {body:?}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let parks = json["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code_id"] == "parks")
        .unwrap();
    assert_eq!(parks["examples"][0]["text"], flat);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains(flat) && !html.contains("far\r\ntoo"));
    // The store keeps the source's characters (`seg` finds a sentence by
    // its exact text).
    let store = store::Store::open(&proj).unwrap();
    seg(&store, wrapped);
}

/// A parent counts every participant its children count: with an audit,
/// each code's prediction-powered estimate is tuned on its own, and the
/// demo's "Risks" was estimated below its child "Data breach and privacy"
/// (hh/02). No parent's estimate or upper bound is below a child's.
#[test]
fn a_parents_estimate_is_never_below_its_childs() {
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("demo");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_autocode"))
            .current_dir(&demo)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    };
    let p = proj.to_str().unwrap();
    run(&["-q", "init", p]);
    run(&[
        "-q",
        "--project",
        p,
        "ingest",
        "transcripts",
        "--participants",
        "participants.csv",
    ]);
    run(&["-q", "--project", p, "embed"]);
    run(&["-q", "--project", p, "code", "--codebook", "codebook.yaml"]);
    run(&["-q", "--project", p, "audit", "draw", "--size", "10"]);
    run(&[
        "-q",
        "--project",
        p,
        "code",
        "--import-gold",
        "gold.jsonl",
        "--audit-only",
    ]);
    let out = dir.path().join("out");
    run(&[
        "-q",
        "--project",
        p,
        "report",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let codes = report["codes"].as_array().unwrap();
    let by_id: std::collections::BTreeMap<&str, &serde_json::Value> = codes
        .iter()
        .map(|c| (c["code_id"].as_str().unwrap(), c))
        .collect();
    let mut pairs = 0;
    for c in codes {
        let Some(parent) = c["parent_id"].as_str().and_then(|p| by_id.get(p)) else {
            continue;
        };
        let (pe, ce) = (&parent["estimate"], &c["estimate"]);
        assert_eq!(pe["method"], "prediction-powered", "{pe}");
        pairs += 1;
        let f = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap();
        assert!(
            f(pe, "estimate") >= f(ce, "estimate"),
            "{}: {pe} < {}: {ce}",
            parent["code_id"],
            c["code_id"]
        );
        assert!(f(pe, "high") >= f(ce, "high"), "{pe} < {ce}");
        assert!(
            f(pe, "low") <= f(pe, "estimate") && f(pe, "estimate") <= f(pe, "high"),
            "{pe}"
        );
    }
    assert!(pairs >= 20, "{pairs} parent-child pairs");
}
