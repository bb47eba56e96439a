//! `autocode themes` and `autocode eval themes` on the demo corpus, with the
//! real model and a real store: ingest → embed → approve codebook → themes.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_autocode"))
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo")
}

fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("autocode runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Themes JSON without run-specific ids, for comparing two runs.
fn without_ids(v: &Value) -> Vec<Value> {
    v["themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let mut t = t.clone();
            let o = t.as_object_mut().unwrap();
            o.remove("id");
            o.remove("parent_id");
            o.remove("children");
            t
        })
        .collect()
}

#[test]
fn themes_on_the_demo_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    ok(bin().arg("init").arg(p));
    let proj = ["--project", p.to_str().unwrap()];
    ok(bin()
        .args(proj)
        .arg("ingest")
        .arg(demo().join("transcripts"))
        .arg(demo().join("participants.csv")));
    ok(bin().args(proj).arg("embed"));
    ok(bin()
        .args(proj)
        .args(["codebook", "approve"])
        .arg(demo().join("codebook.yaml")));

    let run = |seed: &str| -> Value {
        serde_json::from_str(&ok(bin()
            .args(proj)
            .args(["themes", "--json", "--seed", seed])))
        .unwrap()
    };
    let a = run("7");
    let themes = a["themes"].as_array().unwrap();
    let leaves: Vec<&Value> = themes.iter().filter(|t| t["level"] == 0).collect();
    assert!(leaves.len() >= 5, "{} leaf themes", leaves.len());
    let share = a["outlier_share"].as_f64().unwrap();
    assert!((0.0..0.6).contains(&share), "outlier share {share}");
    let mut matched = 0;
    for t in &leaves {
        assert!(t["size"].as_u64().unwrap() >= 10);
        assert!(t["participants"].as_u64().unwrap() >= 1);
        assert!(!t["label"].as_str().unwrap().is_empty());
        let kw = t["keywords"].as_array().unwrap();
        assert!(!kw.is_empty() && kw.len() <= 10);
        let quotes = t["quotes"].as_array().unwrap();
        assert!(!quotes.is_empty() && quotes.len() <= 5);
        assert!(quotes
            .iter()
            .all(|q| q["speaker"].is_string() && q["document"].is_string()));
        // Group and role counts come from participants.csv.
        assert!(
            t["by_attribute"]["role"].is_object(),
            "{}",
            t["by_attribute"]
        );
        let c = t["cohesion"].as_f64().unwrap();
        assert!(c > 0.2 && c <= 1.0);
        let s = t["stability"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&s));
        assert!(t["nearest_code"]["code_id"].is_string());
        if t["verdict"].as_str().unwrap().starts_with("matches ") {
            matched += 1;
        }
    }
    assert!(matched >= 1, "no theme matches a codebook code");
    // Parents list children that exist and hold their members.
    for t in themes.iter().filter(|t| t["level"].as_u64().unwrap() > 0) {
        let kids = t["children"].as_array().unwrap();
        assert!(kids.len() >= 2);
        let sum: u64 = kids
            .iter()
            .map(|k| {
                themes.iter().find(|x| x["id"] == *k).expect("child stored")["size"]
                    .as_u64()
                    .unwrap()
            })
            .sum();
        assert_eq!(sum, t["size"].as_u64().unwrap());
    }
    // Same seed, same themes (a new run, so only ids differ).
    let b = run("7");
    assert_eq!(without_ids(&a), without_ids(&b));

    // Text output: label, participants and two quotes per theme.
    let text = ok(bin().args(proj).args(["themes", "--seed", "7"]));
    assert!(text.contains("participants"), "{text}");
    assert!(text.matches('"').count() >= 2 * 2 * leaves.len());

    // A run writes no member rows: a theme's members are its run's inputs
    // whose leaf is the theme or one below it, as many as its size, for a
    // run from scratch and for one carried forward.
    for args in [
        &["themes", "--json", "--seed", "7"][..],
        &["themes", "--json", "--seed", "7", "--incremental"][..],
    ] {
        let r: Value = serde_json::from_str(&ok(bin().args(proj).args(args))).unwrap();
        let conn = rusqlite::Connection::open(p.join("autocode.db")).unwrap();
        let rows: i64 = conn
            .query_row("SELECT COUNT(*) FROM theme_members", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0, "{args:?}");
        let leaf_of: Vec<Option<i64>> = conn
            .prepare(
                "SELECT leaf_theme_id FROM theme_run_inputs
                 WHERE theme_run_id = (SELECT MAX(id) FROM theme_runs)",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let themes = r["themes"].as_array().unwrap();
        let parent = |id: i64| -> Option<i64> {
            themes.iter().find(|t| t["id"] == id).unwrap()["parent_id"].as_i64()
        };
        for t in themes {
            let id = t["id"].as_i64().unwrap();
            let members = leaf_of
                .iter()
                .filter(|l| {
                    let mut at = **l;
                    while let Some(x) = at {
                        if x == id {
                            return true;
                        }
                        at = parent(x);
                    }
                    false
                })
                .count();
            assert_eq!(members as u64, t["size"].as_u64().unwrap(), "{args:?}: {t}");
        }
    }
}

#[test]
fn eval_themes_reports_ari_and_nmi_of_single_label_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let gold = dir.path().join("gold.jsonl");
    let mut lines = Vec::new();
    let topics = [
        (
            "parking",
            [
                "The car park is always full.",
                "There is never a parking space near the office.",
                "Parking costs too much downtown.",
            ],
        ),
        (
            "food",
            [
                "The canteen food is cold.",
                "Lunch options at the canteen are poor.",
                "I bring my own lunch because the canteen is bad.",
            ],
        ),
    ];
    for (label, texts) in topics {
        for (i, t) in texts.iter().enumerate() {
            for v in 0..6 {
                lines.push(format!(
                    "{{\"text\": \"{t} ({v})\", \"labels\": [\"{label}\"]}}"
                ));
                let _ = i;
            }
        }
    }
    lines.push("{\"text\": \"Two labels here.\", \"labels\": [\"parking\", \"food\"]}".into());
    std::fs::write(&gold, lines.join("\n")).unwrap();
    let cache = dir.path().join("cache.db");
    let out = ok(bin()
        .args([
            "eval",
            "themes",
            "--json",
            "--min-size",
            "5",
            "--max-themes",
            "2",
            "--gold",
        ])
        .arg(&gold)
        .arg("--cache")
        .arg(&cache));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sentences_in_gold"], 37);
    assert_eq!(v["single_label_used"], 36);
    assert_eq!(v["gold_labels"], 2);
    let ari = v["adjusted_rand_index"].as_f64().unwrap();
    let nmi = v["nmi"].as_f64().unwrap();
    assert!(ari > 0.5 && nmi > 0.5, "ARI {ari} NMI {nmi}");

    // Bad input names the file and line.
    std::fs::write(&gold, "{\"text\": \"a\", \"labels\": [\"x\"]}\nnot json\n").unwrap();
    let bad = bin()
        .args(["eval", "themes", "--gold"])
        .arg(&gold)
        .arg("--cache")
        .arg(&cache)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("gold.jsonl:2"), "{err}");
}

/// A transcript of minimal responses alone, embedded: `themes` says so and
/// names `--keep-minimal`, instead of asking for `autocode embed` again.
#[test]
fn themes_of_minimal_responses_alone_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let transcript = dir.path().join("short.txt");
    let lines: String = (0..20)
        .map(|i| {
            format!(
                "P{i}: {}\n",
                ["Yeah.", "Okay.", "Mm-hm.", "Right, right."][i % 4]
            )
        })
        .collect();
    std::fs::write(&transcript, lines).unwrap();
    let project = dir.path().join("p");
    ok(bin().arg("init").arg(&project));
    ok(bin()
        .arg("--project")
        .arg(&project)
        .arg("ingest")
        .arg(&transcript));
    ok(bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--project")
        .arg(&project)
        .arg("embed"));
    let out = bin()
        .arg("--project")
        .arg(&project)
        .arg("themes")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("embedded participant sentences are minimal responses")
            && err.contains("--keep-minimal"),
        "{err}"
    );
}

/// A gold table whose codes are columns is read by `eval themes` with the
/// codebook that names them, as `eval code` reads it (before, the error
/// asked for a `--codebook` that `eval themes` did not take).
#[test]
fn eval_themes_reads_a_gold_table_of_code_columns_with_its_codebook() {
    let dir = tempfile::tempdir().unwrap();
    let gold = dir.path().join("cols.csv");
    std::fs::write(
        &gold,
        "text,cost,tools\n\"The rent went up again.\",1,0\n\"Our office lease costs too much.\",1,0\n\
         \"We moved every job onto a shared board.\",0,1\n\"The video calls freeze all the time.\",0,1\n",
    )
    .unwrap();
    let cb = dir.path().join("cb.yaml");
    std::fs::write(
        &cb,
        "codes:\n- id: cost\n  name: Costs\n  definition: money\n- id: tools\n  name: Tools\n  definition: software\n",
    )
    .unwrap();
    let out = ok(bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["eval", "themes", "--json", "--gold"])
        .arg(&gold)
        .arg("--codebook")
        .arg(&cb)
        .arg("--cache")
        .arg(dir.path().join("cache.db")));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sentences_in_gold"], 4);
    assert_eq!(v["single_label_used"], 4);
    assert_eq!(v["gold_labels"], 2);
}

/// A survey export grown by a respondent and with one removed, near its
/// top: every later answer's sentence id moves (a wide export is read
/// question by question), yet almost every sentence is the same text. The
/// incremental themes carry the run forward. Before, sentences were known
/// by id alone, and a growing survey re-clustered every night.
#[test]
fn a_reingested_survey_carries_its_themes_forward() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let src = std::fs::read_to_string(demo().join("../survey/survey.csv")).unwrap();
    let mut lines: Vec<&str> = src.lines().collect();
    let csv = p.join("survey.csv");
    let ingest = |csv: &std::path::Path| {
        ok(bin()
            .args(["--project", p.to_str().unwrap()])
            .arg("ingest")
            .arg(csv)
            .args([
                "--speaker-column",
                "respondent_id",
                "--question-column",
                "What is the hardest part of working from home?",
                "--question-column",
                "What would make remote work better for you?",
                "--question-column",
                "Is there anything else you would like to tell us?",
            ]));
    };
    ok(bin().arg("init").arg(p));
    std::fs::write(&csv, lines.join("\n") + "\n").unwrap();
    ingest(&csv);
    ok(bin().args(["--project", p.to_str().unwrap(), "embed"]));
    let themes = || -> Value {
        serde_json::from_str(&ok(bin().args([
            "--project",
            p.to_str().unwrap(),
            "themes",
            "--json",
            "--seed",
            "7",
            "--incremental",
        ])))
        .unwrap()
    };
    let first = themes();
    assert!(first["updated_from"].is_null());
    // The third respondent leaves; a new one answers at the end.
    assert!(lines[3].starts_with("R003,"), "{}", lines[3]);
    lines.remove(3);
    lines.push("R161,25-34,employee,The quiet is nice.,More meetings.,No.");
    std::fs::write(&csv, lines.join("\n") + "\n").unwrap();
    ingest(&csv);
    ok(bin().args(["--project", p.to_str().unwrap(), "embed"]));
    let second = themes();
    assert_eq!(
        second["updated_from"], first["theme_run_id"],
        "carried forward: {}",
        second["theme_run_id"]
    );
}

/// h7/01: `autocode themes` shows a run carried forward as the store, the
/// report and the review page do: a renamed theme under the reviewer's
/// label, an accepted one with its code, and the dismissed and merged ones
/// not listed among the suggestions (the report leaves them out) but named
/// with what was decided; `--json` gives every theme's stored label,
/// `status` and `code_id`. Before, the printout took the label from the
/// body (the machine's) and had no status, so a nightly's summary looked
/// as if the reviewers' work was lost.
#[test]
fn a_carried_run_prints_the_reviewers_labels_and_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    ok(bin().arg("init").arg(p));
    let proj = ["--project", p.to_str().unwrap()];
    ok(bin()
        .args(proj)
        .arg("ingest")
        .arg(demo().join("transcripts"))
        .arg(demo().join("participants.csv")));
    ok(bin().args(proj).arg("embed"));
    let themes_json = |extra: &[&str]| -> Value {
        serde_json::from_str(&ok(bin()
            .args(proj)
            .args(["themes", "--json", "--seed", "7"])
            .args(extra)))
        .unwrap()
    };
    let first = themes_json(&[]);
    let leaves: Vec<(i64, String)> = first["themes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["level"] == 0)
        .map(|t| {
            (
                t["id"].as_i64().unwrap(),
                t["label"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(leaves.len() >= 4, "{} leaf themes", leaves.len());
    for t in first["themes"].as_array().unwrap() {
        assert_eq!(t["status"], "open", "{t}");
        assert!(t["code_id"].is_null(), "{t}");
    }

    // What the review page writes: rename the first leaf, dismiss the
    // second, accept the third as a code, merge the fourth into one.
    let conn = rusqlite::Connection::open(p.join("autocode.db")).unwrap();
    let decide = |theme: i64, action: &str, code: Option<&str>, label: Option<&str>| {
        conn.execute(
            "INSERT INTO theme_decisions(theme_id, action, code_id, label, reviewer, created_at)
             VALUES (?1, ?2, ?3, ?4, 'ann', '2026-12-07T10:00:00Z')",
            rusqlite::params![theme, action, code, label],
        )
        .unwrap();
    };
    let set = |theme: i64, column: &str, value: &str| {
        conn.execute(
            &format!("UPDATE theme_suggestions SET {column} = ?1 WHERE id = ?2"),
            rusqlite::params![value, theme],
        )
        .unwrap();
    };
    decide(leaves[0].0, "rename", None, Some("Paying for care"));
    set(leaves[0].0, "label", "Paying for care");
    decide(leaves[1].0, "dismiss", None, None);
    set(leaves[1].0, "status", "dismissed");
    decide(leaves[2].0, "accept", Some("surveillance_worries"), None);
    set(leaves[2].0, "status", "accepted");
    decide(leaves[3].0, "merge", Some("technology"), None);
    set(leaves[3].0, "status", "merged");

    // Nothing changed: the run is carried forward with the decisions.
    let text = ok(bin()
        .args(proj)
        .args(["themes", "--seed", "7", "--incremental"]));
    assert!(text.contains("carried forward"), "{text}");
    let carried: Vec<i64> = conn
        .prepare(
            "SELECT id FROM theme_suggestions
             WHERE theme_run_id = (SELECT MAX(id) FROM theme_runs) ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let line = |id: i64| {
        text.lines()
            .find(|l| l.starts_with(&format!("#{id} ")))
            .map(str::to_string)
    };
    let renamed = line(carried[0]).expect("the renamed theme is listed");
    assert!(
        renamed.starts_with(&format!("#{} Paying for care", carried[0])),
        "{renamed}"
    );
    assert_eq!(
        line(carried[1]),
        None,
        "a dismissed theme is not listed:\n{text}"
    );
    let accepted = line(carried[2]).expect("the accepted theme is listed");
    assert!(
        accepted.contains("; accepted as surveillance_worries; "),
        "{accepted}"
    );
    assert_eq!(
        line(carried[3]),
        None,
        "a merged theme is not listed:\n{text}"
    );
    let not_listed = text
        .lines()
        .find(|l| l.starts_with("Not listed, as reviewers decided"))
        .unwrap_or_else(|| panic!("no line for the decided themes:\n{text}"));
    assert!(
        not_listed.contains(&format!("#{} {} (dismissed)", carried[1], leaves[1].1))
            && not_listed.contains(&format!(
                "#{} {} (merged into technology)",
                carried[3], leaves[3].1
            )),
        "{not_listed}"
    );
    assert!(!text.contains(" 1 participants"), "{text}");

    let json = themes_json(&["--incremental"]);
    let by_position: Vec<(&str, &str, Option<&str>)> = json["themes"].as_array().unwrap()[..4]
        .iter()
        .map(|t| {
            (
                t["label"].as_str().unwrap(),
                t["status"].as_str().unwrap(),
                t["code_id"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        by_position,
        [
            ("Paying for care", "open", None),
            (leaves[1].1.as_str(), "dismissed", None),
            (
                leaves[2].1.as_str(),
                "accepted",
                Some("surveillance_worries")
            ),
            (leaves[3].1.as_str(), "merged", Some("technology")),
        ]
    );
}
