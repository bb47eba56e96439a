//! The nightly batch: `autocode run` resumes after SIGKILL to the same store
//! as an uninterrupted run, a second run does nothing, two runs cannot
//! interleave, and 4 shards merged equal one unsharded run.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_autocode")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the demo project (transcripts, participants, codebook) with its
/// own store and output folder.
fn project(dir: &Path, name: &str) -> PathBuf {
    let demo = root().join("data/demo");
    let p = dir.join(name);
    std::fs::create_dir_all(p.join("corpus/transcripts")).unwrap();
    for f in std::fs::read_dir(demo.join("transcripts")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(
            &f,
            p.join("corpus/transcripts").join(f.file_name().unwrap()),
        )
        .unwrap();
    }
    for f in [
        "participants.csv",
        "codebook.yaml",
        "codebook.study-counts.csv",
    ] {
        std::fs::copy(demo.join(f), p.join("corpus").join(f)).unwrap();
    }
    let cfg = format!(
        r#"[project]
store = "store/autocode.db"
[inputs]
paths = ["corpus"]
participants = "corpus/participants.csv"
[model]
path = "{model}"
[codebook]
path = "corpus/codebook.yaml"
[themes]
seed = 7
[report]
out = "out"
compare = "corpus/codebook.study-counts.csv"
"#,
        model = root().join("models/all-MiniLM-L6-v2").display()
    );
    std::fs::write(p.join("autocode.toml"), cfg).unwrap();
    p
}

fn run(project: &Path, extra: &[&str]) -> std::process::Output {
    let out = Command::new(bin())
        .arg("run")
        .arg("--config")
        .arg(project.join("autocode.toml"))
        .args(extra)
        .output()
        .unwrap();
    out
}

fn ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Everything a run decides, independent of row ids and timestamps:
/// segments, embeddings (rounded), codings (rounded), themes' labels.
fn fingerprint(store: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(store).unwrap();
    let mut out = Vec::new();
    let mut q = |sql: &str| {
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let mut cells = Vec::new();
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    cells.push(match v {
                        rusqlite::types::Value::Real(f) => format!("{f:.4}"),
                        rusqlite::types::Value::Blob(b) => format!("blob{}", b.len()),
                        other => format!("{other:?}"),
                    });
                }
                Ok(cells.join("|"))
            })
            .unwrap();
        let mut rows: Vec<String> = rows.map(|r| r.unwrap()).collect();
        rows.sort();
        out.push(format!("{sql}: {} rows", rows.len()));
        out.extend(rows);
    };
    q("SELECT d.name, s.turn_index, s.sentence_index, s.start_char, s.end_char, s.participant_id, s.text_hash
       FROM segments s JOIN documents d ON d.id = s.document_id");
    q("SELECT model_key, text_hash, truncated FROM embeddings");
    q("SELECT d.name, s.turn_index, s.sentence_index, c.code_id, c.source, c.assigned, c.confidence, c.classifier
       FROM codings c JOIN segments s ON s.id = c.segment_id JOIN documents d ON d.id = s.document_id");
    out
}

/// `merge --config` of `shards` into the project, which must succeed.
fn merge_into<P: AsRef<std::ffi::OsStr>>(project: &Path, shards: impl IntoIterator<Item = P>) {
    let merged = Command::new(bin())
        .args(["merge", "--config"])
        .arg(project.join("autocode.toml"))
        .args(shards)
        .output()
        .unwrap();
    ok(&merged);
}

fn store_of(project: &Path) -> PathBuf {
    project.join("store/autocode.db")
}

#[test]
fn second_run_does_nothing_and_a_concurrent_run_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "p");
    let first = run(&p, &["--json"]);
    ok(&first);
    let summary: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(summary["status"], "ok");
    assert_eq!(summary["counts"]["totals"]["documents"], 7);
    for f in ["report.html", "report.csv", "report.json"] {
        assert!(p.join("out").join(f).exists(), "missing {f}");
    }
    let before = fingerprint(&store_of(&p));

    let second = run(&p, &["--json"]);
    ok(&second);
    let summary: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    for table in ["documents", "segments", "embeddings", "codings"] {
        assert_eq!(
            summary["counts"]["changed"][table], 0,
            "{table} changed: {summary}"
        );
    }
    assert_eq!(fingerprint(&store_of(&p)), before);

    // Hold the project lock as a run would; a second run must refuse.
    let lock = std::fs::File::options()
        .write(true)
        .open(store_of(&p).with_extension("lock"))
        .unwrap();
    lock.lock().unwrap();
    let refused = run(&p, &[]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("holds the lock on"), "{err}");
    // Issue #17 item 10: every command that writes the store takes the same
    // lock; a reader does not need it.
    for cmd in [
        &["embed"][..],
        &["themes"],
        &["code"],
        &["ingest", "corpus"],
    ] {
        let out = Command::new(bin())
            .arg("--project")
            .arg(store_of(&p))
            .args(cmd)
            .current_dir(&p)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{cmd:?} was not refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("holds the lock on"), "{cmd:?}: {err}");
    }
    let stats = Command::new(bin())
        .arg("--project")
        .arg(store_of(&p))
        .arg("stats")
        .output()
        .unwrap();
    ok(&stats);
    drop(lock);

    let runs = Command::new(bin())
        .args(["runs", "--json", "--project"])
        .arg(store_of(&p))
        .output()
        .unwrap();
    ok(&runs);
    let runs: serde_json::Value = serde_json::from_slice(&runs.stdout).unwrap();
    let statuses: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["ok", "ok"]);

    // The nightly case: a small new transcript. Its sentences join the
    // existing themes; every earlier sentence keeps its theme.
    let before_runs = leaf_positions(&store_of(&p));
    let group1 = std::fs::read_to_string(p.join("corpus/transcripts/group-1.txt")).unwrap();
    let extra: String = group1
        .lines()
        .skip(1)
        .take(6)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(p.join("corpus/transcripts/group-8.txt"), extra).unwrap();
    let third = run(&p, &["--json"]);
    assert_ne!(
        third.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&third.stdout).unwrap();
    assert_eq!(summary["counts"]["changed"]["documents"], 1, "{summary}");
    let after_runs = leaf_positions(&store_of(&p));
    let (prior_run, prior) = before_runs.last().unwrap();
    let (new_run, updated_from, now) = {
        let (id, leaves) = after_runs.last().unwrap();
        let conn = rusqlite::Connection::open(store_of(&p)).unwrap();
        let from: Option<i64> = conn
            .query_row(
                "SELECT updated_from FROM theme_runs WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        (*id, from, leaves.clone())
    };
    assert!(new_run > *prior_run);
    assert_eq!(
        updated_from,
        Some(*prior_run),
        "themes carried forward, not re-clustered"
    );
    for (seg, leaf) in prior {
        assert_eq!(now.get(seg), Some(leaf), "segment {seg} kept its theme");
    }
    assert!(
        now.len() > prior.len(),
        "the new sentences are among the run's inputs"
    );
    assert!(
        now.iter()
            .any(|(s, l)| !prior.contains_key(s) && l.is_some()),
        "some new sentence joined a theme"
    );
}

/// Per theme run still holding its inputs (the latest): segment → leaf
/// position within the run (themes in id order), `None` for outliers.
fn leaf_positions(store: &Path) -> Vec<(i64, std::collections::BTreeMap<i64, Option<usize>>)> {
    let conn = rusqlite::Connection::open(store).unwrap();
    let mut runs = conn
        .prepare("SELECT DISTINCT theme_run_id FROM theme_run_inputs ORDER BY 1")
        .unwrap();
    let runs: Vec<i64> = runs
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    runs.into_iter()
        .map(|run| {
            let mut ids = conn
                .prepare("SELECT id FROM theme_suggestions WHERE theme_run_id = ?1 ORDER BY id")
                .unwrap();
            let ids: Vec<i64> = ids
                .query_map([run], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            let mut stmt = conn
                .prepare("SELECT segment_id, leaf_theme_id FROM theme_run_inputs WHERE theme_run_id = ?1")
                .unwrap();
            let leaves = stmt
                .query_map([run], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?)))
                .unwrap()
                .map(|r| {
                    let (seg, leaf) = r.unwrap();
                    (seg, leaf.map(|l| ids.iter().position(|&i| i == l).unwrap()))
                })
                .collect();
            (run, leaves)
        })
        .collect()
}

/// Starts a run with -v, waits for the log line that starts `stage`, then
/// SIGKILLs it.
fn kill_during(project: &Path, stage: &str) {
    let mut child = Command::new(bin())
        .args(["-v", "run", "--config"])
        .arg(project.join("autocode.toml"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let needle = format!("stage=\"{stage}\"");
    let mut seen = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        let hit = line.contains("starting") && line.contains(&needle);
        seen.push(line);
        if hit {
            // Let the stage get some work done before the kill.
            std::thread::sleep(std::time::Duration::from_millis(700));
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "run finished before it could be killed during {stage}:\n{}",
        seen.join("\n")
    );
}

#[test]
fn a_killed_run_resumes_to_the_same_store() {
    let dir = tempfile::tempdir().unwrap();
    let reference = project(dir.path(), "reference");
    ok(&run(&reference, &[]));
    let expected = fingerprint(&store_of(&reference));

    let p = project(dir.path(), "killed");
    kill_during(&p, "embed");
    kill_during(&p, "code");
    let resumed = run(&p, &["--json"]);
    ok(&resumed);
    assert_eq!(fingerprint(&store_of(&p)), expected);

    let conn = rusqlite::Connection::open(store_of(&p)).unwrap();
    let statuses: Vec<String> = conn
        .prepare("SELECT status FROM runs ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(statuses, ["interrupted", "interrupted", "ok"]);
}

/// A run that coded the night's new transcripts and was killed before it
/// clustered (here: ingest, embed and code run by hand, as a killed run
/// leaves them) is clustered by the next run. Before, the next run compared
/// the tables with their counts at its own start, found nothing changed and
/// kept the last night's themes, without the new transcript's sentences.
#[test]
fn a_run_after_one_killed_before_clustering_clusters_the_new_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "p");
    let held = dir.path().join("held.txt");
    let late = std::fs::read_dir(p.join("corpus/transcripts"))
        .unwrap()
        .map(|f| f.unwrap().path())
        .max()
        .unwrap();
    std::fs::rename(&late, &held).unwrap();
    ok(&run(&p, &[]));
    std::fs::rename(&held, &late).unwrap();
    let by_hand = |args: &[&str]| {
        let out = Command::new(bin())
            .arg("--project")
            .arg(store_of(&p))
            .args(args)
            .current_dir(&p)
            .output()
            .unwrap();
        ok(&out);
    };
    by_hand(&[
        "ingest",
        "corpus",
        "--participants",
        "corpus/participants.csv",
    ]);
    by_hand(&[
        "embed",
        "--model",
        root().join("models/all-MiniLM-L6-v2").to_str().unwrap(),
    ]);
    by_hand(&["code"]);
    let out = Command::new(bin())
        .args(["-v", "run", "--config"])
        .arg(p.join("autocode.toml"))
        .output()
        .unwrap();
    ok(&out);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!log.contains("themes skipped"), "{log}");
    let conn = rusqlite::Connection::open(store_of(&p)).unwrap();
    let name = late.file_name().unwrap().to_str().unwrap();
    let themed: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM theme_run_inputs i JOIN segments s ON s.id = i.segment_id
             JOIN documents d ON d.id = s.document_id
             WHERE i.theme_run_id = (SELECT MAX(id) FROM theme_runs) AND d.name LIKE '%' || ?1",
            [name],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        themed > 0,
        "the late transcript's sentences are in the latest theme run"
    );
    // And a run with nothing new skips clustering.
    let out = Command::new(bin())
        .args(["-v", "run", "--config"])
        .arg(p.join("autocode.toml"))
        .output()
        .unwrap();
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("themes skipped"));
}

#[test]
fn four_shards_merged_equal_one_unsharded_run() {
    let dir = tempfile::tempdir().unwrap();
    let whole = project(dir.path(), "whole");
    ok(&run(&whole, &[]));

    let sharded = project(dir.path(), "sharded");
    let children: Vec<_> = (0..4)
        .map(|i| {
            Command::new(bin())
                .args(["--quiet", "run", "--config"])
                .arg(sharded.join("autocode.toml"))
                .args(["--shard", &format!("{i}/4")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut shard_docs = 0;
    for child in children {
        ok(&child.wait_with_output().unwrap());
    }
    let mut shards = Vec::new();
    for i in 0..4 {
        let s = sharded.join(format!("store/autocode.shard-{i}-of-4.db"));
        let conn = rusqlite::Connection::open(&s).unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM documents", [], |r| r.get(0))
            .unwrap();
        shard_docs += n;
        shards.push(s);
    }
    assert_eq!(shard_docs, 7, "each document in exactly one shard");

    // Three of the four are refused before anything is merged, naming the
    // one missing; so is a shard given as another run's.
    let partial = Command::new(bin())
        .args(["merge", "--config"])
        .arg(sharded.join("autocode.toml"))
        .args([&shards[0], &shards[2], &shards[3]])
        .output()
        .unwrap();
    assert!(!partial.status.success());
    let err = String::from_utf8_lossy(&partial.stderr);
    assert!(err.contains("shard 1/4 of this run is missing"), "{err}");
    assert!(
        !store_of(&sharded).exists() || {
            let conn = rusqlite::Connection::open(store_of(&sharded)).unwrap();
            conn.query_row("SELECT COUNT(*) FROM documents", [], |r| r.get::<_, i64>(0))
                .unwrap()
                == 0
        }
    );
    // A shard whose run was killed (its run record still `running`) is
    // refused by name: merged, its sentences not embedded or coded yet
    // counted for no code (hd/02).
    let set_status = |status: &str| {
        let conn = rusqlite::Connection::open(&shards[2]).unwrap();
        conn.execute(
            "UPDATE runs SET status = ?1 WHERE id = (SELECT MAX(id) FROM runs)",
            [status],
        )
        .unwrap();
    };
    set_status("running");
    let killed = Command::new(bin())
        .args(["merge", "--config"])
        .arg(sharded.join("autocode.toml"))
        .args(&shards)
        .output()
        .unwrap();
    assert!(!killed.status.success());
    let err = String::from_utf8_lossy(&killed.stderr);
    assert!(
        err.contains(&format!("shard {} did not finish", shards[2].display())),
        "{err}"
    );
    set_status("ok");
    merge_into(&sharded, shards.iter().rev());
    assert_eq!(
        fingerprint(&store_of(&sharded)),
        fingerprint(&store_of(&whole))
    );
    let report = |p: &Path| -> serde_json::Value {
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(p.join("out/report.json")).unwrap()).unwrap();
        // Where and when the report was made, and row ids, differ by construction.
        if let Some(o) = v.as_object_mut() {
            o.remove("generated_at");
            o.remove("project");
        }
        strip_ids(&mut v);
        v
    };
    // The merged project is complete: a plain run finds nothing to embed,
    // code or cluster (the merge records the inputs its themes clustered).
    let rerun = run(&sharded, &["--json"]);
    ok(&rerun);
    let summary: serde_json::Value = serde_json::from_slice(&rerun.stdout).unwrap();
    for table in [
        "documents",
        "segments",
        "embeddings",
        "codings",
        "theme_suggestions",
    ] {
        assert_eq!(summary["counts"]["changed"][table], 0, "{table}: {summary}");
    }
    let (a, b) = (report(&sharded), report(&whole));
    if a != b {
        let dump = std::env::temp_dir().join("autocode-shard-report");
        std::fs::create_dir_all(&dump).unwrap();
        std::fs::write(
            dump.join("sharded.json"),
            serde_json::to_string_pretty(&a).unwrap(),
        )
        .unwrap();
        std::fs::write(
            dump.join("whole.json"),
            serde_json::to_string_pretty(&b).unwrap(),
        )
        .unwrap();
        panic!("reports differ; see {}", dump.display());
    }
}

fn strip_ids(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(o) => {
            o.remove("segment_id");
            o.remove("id");
            o.remove("children");
            for x in o.values_mut() {
                strip_ids(x);
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_ids),
        _ => {}
    }
}

/// Issue #17 item 19: merging the project store into itself is refused by
/// name (it used to fail with "database is locked").
#[test]
fn merging_a_store_into_itself_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("autocode.db");
    let init = Command::new(bin())
        .args(["--project"])
        .arg(&db)
        .arg("init")
        .arg(dir.path())
        .output()
        .unwrap();
    ok(&init);
    let out = Command::new(bin())
        .arg("--project")
        .arg(&db)
        .arg("merge")
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is the project store itself"), "{err}");
    // Named by its folder, as `--project` takes it: refused at once, not
    // after 30 s on SQLite's lock.
    let out = Command::new(bin())
        .arg("--project")
        .arg(&db)
        .arg("merge")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is the project store itself"), "{err}");

    // Not autocode stores: an empty file and someone else's SQLite file are
    // refused by name and left as they were, by merge and by a read-only
    // command alike.
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let foreign = dir.path().join("other.db");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE foo(x); INSERT INTO foo VALUES (1);")
            .unwrap();
    }
    let before = std::fs::read(&foreign).unwrap();
    for (project, args) in [
        (&db, vec!["merge", empty.to_str().unwrap()]),
        (&db, vec!["merge", foreign.to_str().unwrap()]),
        (&foreign, vec!["stats"]),
        (&empty, vec!["stats"]),
    ] {
        let out = Command::new(bin())
            .arg("--project")
            .arg(project)
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("is not an autocode project"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(std::fs::read(&foreign).unwrap(), before);
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
}

/// A config with an `[audit]` section, as the demo's own has, sharded: a
/// shard draws no sample and imports no audit gold, `merge --config` draws
/// on the merged store and imports there, and the result is the unsharded
/// run's (codings to 4 decimals, report.csv byte for byte; the estimates'
/// JSON differs in the ninth digit, the learner seeing its rows in another
/// order). Before, every shard failed with "--audit-only: no audit sample
/// drawn yet" and so did the merge.
#[test]
fn shards_of_a_config_with_an_audit_merge_to_the_unsharded_run() {
    let dir = tempfile::tempdir().unwrap();
    let with_audit = |p: PathBuf| -> PathBuf {
        std::fs::copy(root().join("data/demo/gold.jsonl"), p.join("gold.jsonl")).unwrap();
        let mut cfg = std::fs::read_to_string(p.join("autocode.toml")).unwrap();
        cfg.push_str(
            "[audit]\nunit = \"participant\"\nfraction = 0.25\nseed = 7\ngold = \"gold.jsonl\"\n",
        );
        std::fs::write(p.join("autocode.toml"), cfg).unwrap();
        p
    };
    let whole = with_audit(project(dir.path(), "whole"));
    ok(&run(&whole, &[]));
    let sharded = with_audit(project(dir.path(), "sharded"));
    for i in 0..2 {
        ok(&run(&sharded, &["--shard", &format!("{i}/2")]));
    }
    merge_into(
        &sharded,
        (0..2).map(|i| sharded.join(format!("store/autocode.shard-{i}-of-2.db"))),
    );
    assert_eq!(
        fingerprint(&store_of(&sharded)),
        fingerprint(&store_of(&whole))
    );
    let csv = |p: &Path| std::fs::read_to_string(p.join("out/report.csv")).unwrap();
    assert!(
        csv(&whole).contains(",prediction-powered,12,47,"),
        "{}",
        csv(&whole)
    );
    assert_eq!(csv(&sharded), csv(&whole));
}

/// A transcript deleted from a run's input folder stays in the project
/// (nothing stored is deleted by a run) and the run says so, naming it.
#[test]
fn a_transcript_gone_from_the_inputs_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "gone");
    ok(&run(&p, &[]));
    std::fs::remove_file(p.join("corpus/transcripts/group-5.txt")).unwrap();
    let again = run(&p, &[]);
    ok(&again);
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains(
            "warning: 1 stored documents are no longer in the inputs (`transcripts/group-5.txt`)"
        ),
        "{err}"
    );
}

/// A run's documents file may describe interviews whose transcripts have
/// not arrived: the run names them and goes on (before, its ingest failed
/// and nothing was embedded, coded or reported that night); when the
/// transcript arrives, the next run gives it its attributes.
#[test]
fn a_documents_file_ahead_of_its_transcripts_does_not_stop_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "ahead");
    let later = dir.path().join("group-7.txt");
    std::fs::rename(p.join("corpus/transcripts/group-7.txt"), &later).unwrap();
    std::fs::write(
        p.join("documents.csv"),
        "document,site\ntranscripts/group-1.txt,Leeds\ntranscripts/group-7.txt,York\n",
    )
    .unwrap();
    let cfg = std::fs::read_to_string(p.join("autocode.toml"))
        .unwrap()
        .replace(
            "participants = \"corpus/participants.csv\"",
            "participants = \"corpus/participants.csv\"\ndocuments = \"documents.csv\"",
        );
    std::fs::write(p.join("autocode.toml"), cfg).unwrap();
    let first = run(&p, &[]);
    ok(&first);
    let err = String::from_utf8_lossy(&first.stderr);
    assert!(
        err.contains("the documents file describes 1 document(s) no input holds yet (`transcripts/group-7.txt`)"),
        "{err}"
    );
    std::fs::rename(&later, p.join("corpus/transcripts/group-7.txt")).unwrap();
    ok(&run(&p, &[]));
    let conn = rusqlite::Connection::open(store_of(&p)).unwrap();
    let site: String = conn
        .query_row(
            "SELECT value FROM document_attributes WHERE document = 'transcripts/group-7.txt' AND key = 'site'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(site, "York");
}

/// A codebook file the config names but that is missing or broken stops the
/// run before it ingests or embeds anything, naming the file (before, the
/// error came at the code stage, after a night's embedding).
#[test]
fn a_missing_or_broken_codebook_stops_the_run_before_any_stage() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "nocodebook");
    std::fs::remove_file(p.join("corpus/codebook.yaml")).unwrap();
    let out = run(&p, &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[codebook] path"), "{err}");
    assert!(err.contains("codebook.yaml"), "{err}");
    assert!(!err.contains("embed"), "no stage ran: {err}");
    assert!(
        !store_of(&p).exists(),
        "nothing was ingested: the store was not even created"
    );

    std::fs::write(p.join("corpus/codebook.yaml"), "codes: [unclosed\n").unwrap();
    let out = run(&p, &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("codebook.yaml"), "{err}");
    assert!(!store_of(&p).exists());
}

/// hd/01: a transcript renamed between two sharded nights, its new name in
/// the other shard, is one document after the second night's merge, with
/// its sentences counted once (before, the merge added the new name and
/// kept the old one, whose shard store still held it).
#[test]
fn a_transcript_renamed_between_sharded_nights_is_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "renamed");
    let shard_of = |name: &str| {
        (0..2)
            .find(|&i| pipeline::run::Shard { index: i, count: 2 }.contains(name))
            .unwrap()
    };
    let night = |p: &Path| {
        for i in 0..2 {
            ok(&run(p, &["--shard", &format!("{i}/2")]));
        }
        merge_into(
            p,
            (0..2).map(|i| p.join(format!("store/autocode.shard-{i}-of-2.db"))),
        );
    };
    let counts = |p: &Path| -> (i64, i64, Vec<String>) {
        let conn = rusqlite::Connection::open(store_of(p)).unwrap();
        let n = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        let names = conn
            .prepare("SELECT name FROM documents ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        (
            n("SELECT COUNT(*) FROM documents"),
            n("SELECT COUNT(*) FROM segments"),
            names,
        )
    };
    night(&p);
    let (docs, sentences, _) = counts(&p);
    let old = "transcripts/group-5.txt";
    let new = (1..)
        .map(|k| format!("transcripts/group-5 (corrected {k}).txt"))
        .find(|n| shard_of(n) != shard_of(old))
        .unwrap();
    std::fs::rename(p.join("corpus").join(old), p.join("corpus").join(&new)).unwrap();
    night(&p);
    let (docs2, sentences2, names) = counts(&p);
    assert_eq!((docs2, sentences2), (docs, sentences), "{names:?}");
    assert!(
        names.contains(&new) && !names.iter().any(|n| n == old),
        "{names:?}"
    );
}

/// hz/01: a shard store left from the night before (its task did not run
/// tonight) is refused by `merge`, naming it, though tonight brought a
/// transcript of its shard; before, the merge exited 0 and the report
/// lacked that transcript. Run again, the set merges with every document.
#[test]
fn a_shard_store_from_an_earlier_night_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), "stale");
    let shard_of = |name: &str| {
        (0..2)
            .find(|&i| pipeline::run::Shard { index: i, count: 2 }.contains(name))
            .unwrap()
    };
    let shards: Vec<PathBuf> = (0..2)
        .map(|i| p.join(format!("store/autocode.shard-{i}-of-2.db")))
        .collect();
    let documents = || -> Vec<String> {
        let conn = rusqlite::Connection::open(store_of(&p)).unwrap();
        let names = conn
            .prepare("SELECT name FROM documents ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        names
    };
    for i in 0..2 {
        ok(&run(&p, &["--shard", &format!("{i}/2")]));
    }
    merge_into(&p, &shards);
    assert_eq!(documents().len(), 7);

    // Night 2: a transcript of shard 1 arrives; only shard 0's task runs.
    let new = (8..)
        .map(|k| format!("transcripts/group-{k}.txt"))
        .find(|n| shard_of(n) == 1)
        .unwrap();
    std::fs::write(
        p.join("corpus").join(&new),
        "Moderator: What would make the city feel safer at night?\n\
         Anna: More light on the cycle paths along the river, honestly.\n\
         Anna: And a night bus that still runs after midnight.\n",
    )
    .unwrap();
    ok(&run(&p, &["--shard", "0/2"]));
    let merged = Command::new(bin())
        .args(["merge", "--config"])
        .arg(p.join("autocode.toml"))
        .args(&shards)
        .output()
        .unwrap();
    assert_eq!(merged.status.code(), Some(1));
    let err = String::from_utf8_lossy(&merged.stderr);
    assert!(
        err.contains(&format!(
            "{} (its last `run --shard 1/2`",
            shards[1].display()
        )) && err
            .contains("saw 7 input files) read other inputs than the config's list now (8 files;")
            && err.contains("run `autocode run --shard 1/2` again"),
        "{err}"
    );
    assert!(!err.contains("shard-0-of-2"), "{err}");
    assert_eq!(documents().len(), 7, "nothing merged");

    ok(&run(&p, &["--shard", "1/2"]));
    merge_into(&p, &shards);
    let names = documents();
    assert_eq!(names.len(), 8, "{names:?}");
    assert!(names.contains(&new), "{names:?}");
}
