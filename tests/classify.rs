//! `autocode codebook`, `autocode code` and `autocode eval code` as a process,
//! with the real model and a real SQLite store.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn autocode(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_autocode"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = autocode(args);
    assert!(
        out.status.success(),
        "autocode {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The stderr of a run that must fail with exit status 1.
fn failure(args: &[&str]) -> String {
    let out = autocode(args);
    assert_eq!(out.status.code(), Some(1), "autocode {args:?}");
    String::from_utf8(out.stderr).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn codebook_validate_names_file_line_and_field() {
    let out = autocode(&[
        "codebook",
        "validate",
        "tests/fixtures/classify/bad-codebook.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let f = "tests/fixtures/classify/bad-codebook.yaml";
    for want in [
        format!("{f}:8: codes[1].parent: code \"lighting\" has unknown parent \"safty\""),
        format!("{f}:10: codes[2].id: duplicate id \"safety\" (first used by codes[0])"),
    ] {
        assert!(err.contains(&want), "missing {want:?} in:\n{err}");
    }
    // A code with a name alone is no problem (NVivo codebooks often are).
    assert!(
        err.contains("error: 2 problem(s) in the codebook:"),
        "{err}"
    );
    let good = ok(&[
        "codebook",
        "validate",
        "tests/fixtures/classify/small-codebook.yaml",
    ]);
    assert!(good.contains("ok, 3 codes (2 top-level)"), "{good}");
}

/// A codebook saved by Notepad or Excel is read as a transcript is: UTF-16
/// with its byte-order mark, Windows-1252; a bad byte is named with its
/// line (before: "stream did not contain valid UTF-8", no line).
#[test]
fn a_codebooks_encoding_is_read_or_named_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let yaml =
        "name: x\ncodes:\n  - id: cam\n    name: Caméras\n    definition: Vidéo surveillance\n";
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(yaml.encode_utf16().flat_map(u16::to_le_bytes));
    let cp1252: Vec<u8> = yaml
        .chars()
        .map(|c| if c == 'é' { 0xE9 } else { c as u8 })
        .collect();
    for p in [write("utf16.yaml", &utf16), write("cp1252.yaml", &cp1252)] {
        let json = dir.path().join("out.json");
        ok(&["codebook", "import", s(&p), "-o", s(&json)]);
        let cb: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(cb["codes"][0]["name"], "Caméras", "{}", p.display());
    }
    let mut bad = yaml.as_bytes().to_vec();
    bad.extend_from_slice(b"  - id: b\n    definition: a bad \xff byte\n");
    let p = write("bad.yaml", &bad);
    let err = failure(&["codebook", "validate", s(&p)]);
    assert!(
        err.contains(&format!("{}: invalid UTF-8 at byte", s(&p))),
        "{err}"
    );
    assert!(err.contains("(line 7)"), "{err}");
}

/// A codebook kept as a spreadsheet (one code per row, the columns of a
/// codebook template) reads as the same codebook as its YAML; a CSV's
/// problems name the file and the row; a table is not a format to write.
#[test]
fn a_codebook_sheet_reads_as_its_yaml_does() {
    let dir = tempfile::tempdir().unwrap();
    let from_sheet = dir.path().join("sheet.json");
    let from_yaml = dir.path().join("yaml.json");
    ok(&[
        "codebook",
        "import",
        "tests/fixtures/classify/small-codebook.xlsx",
        "-o",
        s(&from_sheet),
    ]);
    ok(&[
        "codebook",
        "import",
        "tests/fixtures/classify/small-codebook.yaml",
        "-o",
        s(&from_yaml),
    ]);
    let mut a: Value = serde_json::from_str(&std::fs::read_to_string(&from_yaml).unwrap()).unwrap();
    let b: Value = serde_json::from_str(&std::fs::read_to_string(&from_sheet).unwrap()).unwrap();
    a["name"] = Value::String("small-codebook".into()); // a table has no codebook name: the file stem stands in
    assert_eq!(a, b);
    // The same sheet behind a sheet of instructions: the first sheet that
    // names a code column is the codebook.
    let behind = dir.path().join("behind.json");
    ok(&[
        "codebook",
        "import",
        "tests/fixtures/classify/small-codebook-readme.xlsx",
        "-o",
        s(&behind),
    ]);
    let mut c: Value = serde_json::from_str(&std::fs::read_to_string(&behind).unwrap()).unwrap();
    c["name"] = Value::String("small-codebook".into());
    assert_eq!(a, c);
    // The same codebook as a Word table, under a title and behind a table
    // that is no codebook: the first table naming a code column is read.
    let from_docx = dir.path().join("docx.json");
    ok(&[
        "codebook",
        "import",
        "tests/fixtures/classify/small-codebook.docx",
        "-o",
        s(&from_docx),
    ]);
    let mut d: Value = serde_json::from_str(&std::fs::read_to_string(&from_docx).unwrap()).unwrap();
    d["name"] = Value::String("small-codebook".into());
    assert_eq!(a, d);
    // A team table (`Name | Role`) before the codebook is passed over, and
    // a codebook split over two tables under one heading row is one.
    let split = dir.path().join("split.json");
    ok(&[
        "codebook",
        "import",
        "tests/fixtures/classify/split-codebook.docx",
        "-o",
        s(&split),
    ]);
    let e: Value = serde_json::from_str(&std::fs::read_to_string(&split).unwrap()).unwrap();
    let ids: Vec<&str> = e["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["Places", "Parks", "Trust"]);

    let csv = dir.path().join("codes.csv");
    std::fs::write(
        &csv,
        "Code;Description;Parent\nPrivacy;Personal data;\nCameras;;Privacy\nTrust;Belief;Privcy\n",
    )
    .unwrap();
    let err = failure(&["codebook", "validate", s(&csv)]);
    let f = s(&csv);
    for want in [
        "error: 1 problem(s) in the codebook:\n".to_string(),
        format!("\n  {f}: row 3 (line 4), parent: code \"Trust\" has unknown parent \"Privcy\""),
    ] {
        assert!(err.contains(&want), "missing {want:?} in:\n{err}");
    }
    // Saved by Excel, with CRLF line ends: the same lines.
    std::fs::write(
        &csv,
        "Code;Description;Parent\r\nPrivacy;Personal data;\r\nCameras;;Privacy\r\nTrust;Belief;Privcy\r\n",
    )
    .unwrap();
    let crlf = failure(&["codebook", "validate", s(&csv)]);
    assert_eq!(crlf, err);
    let err = failure(&[
        "codebook",
        "import",
        s(&csv),
        "-o",
        s(&dir.path().join("x.csv")),
    ]);
    assert!(
        err.contains("a codebook is written as .yaml, .json or .qdc, not .csv"),
        "{err}"
    );
    let docx_out = dir.path().join("x.docx");
    let err = failure(&["codebook", "import", s(&csv), "-o", s(&docx_out)]);
    assert!(err.contains("not .docx"), "{err}");
    assert!(!docx_out.exists());
}

/// Ten gold items in ten documents, costs and tools in turn, labelled with
/// `labels` (the costs item's label, the tools item's) or with none.
fn cost_and_tool_gold(labels: Option<(&str, &str)>) -> String {
    (0..10)
        .map(|i| {
            let text = if i % 2 == 0 {
                "The costs went up again."
            } else {
                "We moved to new tools."
            };
            let label = labels
                .map(|(cost, tool)| format!("\"{}\"", if i % 2 == 0 { cost } else { tool }))
                .unwrap_or_default();
            format!(
                "{{\"id\": \"{i}\", \"doc\": \"d{i}\", \"text\": \"{text}\", \"labels\": [{label}]}}\n"
            )
        })
        .collect()
}

/// An eval codebook whose entries have ids beside their labels may be
/// scored against gold written in either; a label that is neither is an
/// error naming the item.
#[test]
fn gold_labels_may_name_a_code_by_its_id_or_its_label() {
    let dir = tempfile::tempdir().unwrap();
    let cb = dir.path().join("codebook.json");
    std::fs::write(
        &cb,
        r#"{"labels": [{"id": "cost", "label": "Costs", "definition": "money"},
                      {"id": "tool", "label": "Tools", "definition": "software"}]}"#,
    )
    .unwrap();
    let gold = dir.path().join("gold.jsonl");
    let rows = cost_and_tool_gold(Some(("Costs", "tool")));
    // Each code's support in the keyword baseline's evaluation of `body`.
    let supports = |body: &str| -> (Value, Value) {
        std::fs::write(&gold, body).unwrap();
        let out = ok(&[
            "eval",
            "code",
            "--gold",
            s(&gold),
            "--codebook",
            s(&cb),
            "--mode",
            "keyword",
            "--json",
        ]);
        let r: Value = serde_json::from_str(&out).unwrap();
        (
            r["per_code"]["cost"]["support"].clone(),
            r["per_code"]["tool"]["support"].clone(),
        )
    };
    assert_eq!(supports(&rows), (5.into(), 5.into()));
    // Case aside, a label names its code too.
    assert_eq!(
        supports(&rows.replace("\"tool\"]", "\"TOOLS\"]")),
        (5.into(), 5.into())
    );
    std::fs::write(
        &gold,
        rows.replace("\"tool\"]", "\"Tool\"]")
            .replace("Costs", "Toolz"),
    )
    .unwrap();
    let err = failure(&[
        "eval",
        "code",
        "--gold",
        s(&gold),
        "--codebook",
        s(&cb),
        "--mode",
        "keyword",
    ]);
    // The file is named, and the code a typo most likely meant.
    assert!(
        err.contains(&format!(
            "{}: gold item 0: label \"Toolz\" is not a code of the codebook (did you mean ",
            s(&gold)
        )),
        "{err}"
    );
}

/// A gold or training file none of whose items carries a code (its labels
/// column misnamed, say) is read as uncoded items, each a valid "no code";
/// the run warns instead of scoring or training on nothing in silence.
#[test]
fn a_file_with_no_coded_item_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let cb = dir.path().join("codebook.yaml");
    std::fs::write(
        &cb,
        "codes:\n  - id: cost\n    definition: money spent\n  - id: tool\n    definition: software used\n",
    )
    .unwrap();
    let write = |name: &str, coded: bool| {
        let path = dir.path().join(name);
        std::fs::write(&path, cost_and_tool_gold(coded.then_some(("cost", "tool")))).unwrap();
        path
    };
    let (coded, uncoded) = (write("coded.jsonl", true), write("uncoded.jsonl", false));
    let stderr = |args: &[&str]| {
        let out = autocode(args);
        assert!(out.status.success(), "autocode {args:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    let err = stderr(&[
        "eval",
        "code",
        "--gold",
        s(&uncoded),
        "--codebook",
        s(&cb),
        "--mode",
        "keyword",
    ]);
    assert!(
        err.contains(&format!(
            "{}: none of its 10 items carries a code; nothing can be scored",
            uncoded.display()
        )),
        "{err}"
    );
    let cache = dir.path().join("cache.db");
    let train = |train: &Path, mode: &str| {
        stderr(&[
            "eval",
            "code",
            "--gold",
            s(&coded),
            "--train",
            s(train),
            "--codebook",
            s(&cb),
            "--mode",
            mode,
            "--cache",
            s(&cache),
        ])
    };
    let err = train(&uncoded, "supervised");
    assert!(
        err.contains(&format!(
            "{}: none of its 10 items carries a code; every code falls back to zero-shot",
            uncoded.display()
        )),
        "{err}"
    );
    // Zero-shot reads a training file as unlabelled text, and a coded file
    // is no cause for a warning.
    assert!(!train(&uncoded, "zero-shot").contains("carries a code"));
    assert!(!train(&coded, "supervised").contains("carries a code"));
}

#[test]
fn codebook_qdc_round_trip_and_store_versions() {
    let dir = tempfile::tempdir().unwrap();
    let qdc = dir.path().join("cb.qdc");
    let back = dir.path().join("back.json");
    let orig = dir.path().join("orig.json");
    ok(&[
        "codebook",
        "import",
        "tests/fixtures/classify/small-codebook.yaml",
        "-o",
        s(&qdc),
    ]);
    let xml = std::fs::read_to_string(&qdc).unwrap();
    assert!(
        xml.contains("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\""),
        "{xml}"
    );
    assert!(xml.contains("color=\"#336699\""));
    ok(&["codebook", "import", s(&qdc), "-o", s(&back)]);
    ok(&[
        "codebook",
        "import",
        "tests/fixtures/classify/small-codebook.yaml",
        "-o",
        s(&orig),
    ]);
    let a: Value = serde_json::from_str(&std::fs::read_to_string(&orig).unwrap()).unwrap();
    let b: Value = serde_json::from_str(&std::fs::read_to_string(&back).unwrap()).unwrap();
    // The codebook's name comes back too (autocode's .qdc names its one
    // set as the codebook; the file stem stood in before).
    assert_eq!(a, b);
    // Export is byte-stable.
    let qdc2 = dir.path().join("cb2.qdc");
    ok(&[
        "codebook",
        "import",
        "tests/fixtures/classify/small-codebook.yaml",
        "-o",
        s(&qdc2),
    ]);
    assert_eq!(xml, std::fs::read_to_string(&qdc2).unwrap());

    let project = dir.path().join("p");
    ok(&["init", s(&project)]);
    let v1 = ok(&[
        "--project",
        s(&project),
        "codebook",
        "approve",
        "tests/fixtures/classify/small-codebook.yaml",
    ]);
    assert!(v1.contains("version 1 (new)"), "{v1}");
    // The round trip is the same codebook, name and all: the same version.
    let again = ok(&["--project", s(&project), "codebook", "approve", s(&back)]);
    assert!(again.contains("version 1 (unchanged)"), "{again}");
    // Another name is other content: a new version.
    let renamed = dir.path().join("renamed.yaml");
    let mut c = b.clone();
    c["name"] = Value::String("Another study".into());
    std::fs::write(&renamed, serde_json::to_string(&c).unwrap()).unwrap();
    let other = ok(&["--project", s(&project), "codebook", "approve", s(&renamed)]);
    assert!(other.contains("version 2 (new)"), "{other}");
    let same = ok(&[
        "--project",
        s(&project),
        "codebook",
        "approve",
        "tests/fixtures/classify/small-codebook.yaml",
    ]);
    assert!(same.contains("version 1 (unchanged)"), "{same}");
    let exported = dir.path().join("exported.qdc");
    ok(&[
        "--project",
        s(&project),
        "codebook",
        "export",
        "--version",
        "1",
        "-o",
        s(&exported),
    ]);
    assert_eq!(xml, std::fs::read_to_string(&exported).unwrap());
}

fn eval_json(args: &[&str]) -> Value {
    let out = ok(args);
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// `../shared/eval/opp115-dev`, or `None` after a notice that `test` is
/// skipped (a user's clone has no `../shared`).
fn opp115_dev(test: &str) -> Option<PathBuf> {
    let shared = root().join("../shared/eval/opp115-dev");
    if shared.join("segments.jsonl").exists() {
        return Some(shared);
    }
    eprintln!("SKIP: {} not found; {test} not run", shared.display());
    None
}

/// `eval code --json` on OPP-115 dev (`shared`) with its codebook and
/// `extra` flags. The embedding cache is kept between runs: embedding the
/// 2,983 segments is most of the time.
fn eval_opp115_dev(shared: &Path, extra: &[&str]) -> Value {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("opp115-eval-cache.db");
    let (gold, codebook) = (shared.join("segments.jsonl"), shared.join("codebook.json"));
    let mut args = vec![
        "eval",
        "code",
        "--gold",
        s(&gold),
        "--codebook",
        s(&codebook),
        "--json",
        "--cache",
        s(&cache),
    ];
    args.extend(extra);
    eval_json(&args)
}

/// OPP-115 dev, first 250 segments (7 policies), 3 grouped folds.
#[test]
fn eval_code_on_an_opp115_subset() {
    let Some(shared) = opp115_dev("OPP-115 eval test") else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let gold = shared.join("segments.jsonl");
    let cb = shared.join("codebook.json");
    let common = [
        "eval",
        "code",
        "--gold",
        s(&gold),
        "--codebook",
        s(&cb),
        "--limit",
        "250",
        "--folds",
        "3",
        "--json",
        "--cache",
        s(cache.path()),
    ];
    let sup = eval_json(&[&common[..], &["--mode", "auto"]].concat());
    let kw = eval_json(&[&common[..], &["--mode", "keyword"]].concat());
    let zs = eval_json(&[&common[..], &["--mode", "zero-shot"]].concat());
    for r in [&sup, &kw, &zs] {
        assert_eq!(r["items"], 250);
        assert_eq!(r["per_code"].as_object().unwrap().len(), 10);
    }
    let f1 = |r: &Value| r["macro_f1"].as_f64().unwrap();
    // Measured 2026-11-28 on this subset: macro-F1 supervised 0.502, zero-shot 0.333, keyword 0.238.
    assert!(f1(&sup) > 0.45, "supervised macro-F1 {}", f1(&sup));
    assert!(f1(&sup) > f1(&kw) && f1(&sup) > f1(&zs));
    assert!(sup["ece"].as_f64().unwrap() < 0.1, "{}", sup["ece"]);
    // The annotators' own agreement is computed from annotator_labels.
    assert!(sup["human_mean_kappa"].as_f64().unwrap() > 0.5);
    // "Other" names no topic: zero-shot, it is the catch-all of the others
    // (never predicted before that rule). Its quality on a corpus this small
    // (about 170 sentences per fold) is poor; the whole of dev is checked in
    // `opp115_dev_zero_shot_reaches_045_supervised_keeps_0734`.
    let other = &zs["per_code"]["Other"];
    assert!(other["predicted"].as_u64().unwrap() > 0, "{other}");
    let fp = &sup["per_code"]["First Party Collection/Use"];
    assert!(
        fp["support"].as_u64().unwrap() > 50 && fp["kappa"].as_f64().unwrap() > 0.4,
        "{fp}"
    );
}

/// A small corpus and a codebook of definitions alone (OPP-115's): the
/// pseudo-labeller's share of 10% gives rare codes fewer than the 3
/// positives they need, and a definition's prototype alone codes poorly;
/// each such code takes its 4 best-fitting sentences instead
/// (`ClassifierParams::definition_floor`).
#[test]
fn a_small_corpus_of_a_definitions_only_codebook_is_coded_from_its_best_fits() {
    let Some(shared) = opp115_dev("OPP-115 small-corpus zero-shot test") else {
        return;
    };
    let zs = eval_opp115_dev(&shared, &["--mode", "zero-shot", "--limit", "900"]);
    assert_eq!(zs["items"], 900);
    // Measured 2026-12-04: 0.394 (0.315 without the floor).
    let kappa = zs["mean_kappa"].as_f64().unwrap();
    assert!(
        kappa >= 0.37,
        "zero-shot mean kappa on 900 segments {kappa}"
    );
    // User Choice/Control wins too few sentences for the share: without the
    // floor it kept its definition's prototype in every fold (κ 0.051).
    let choice = &zs["per_code"]["User Choice/Control"];
    assert_eq!(choice["models"]["zero-shot (pseudo-labels)"], 5, "{choice}");
    assert!(choice["kappa"].as_f64().unwrap() > 0.2, "{choice}");
}

/// Issue #15's targets: zero-shot from the codebook alone (no label read),
/// all of OPP-115 dev, policy-grouped 5-fold CV, the default seed; and
/// supervised on all labels no lower than before.
#[test]
fn opp115_dev_zero_shot_reaches_045_supervised_keeps_0734() {
    let Some(shared) = opp115_dev("OPP-115 zero-shot test") else {
        return;
    };
    let eval = |mode: &str| eval_opp115_dev(&shared, &["--mode", mode]);
    let zs = eval("zero-shot");
    assert_eq!(zs["items"], 2983);
    // Measured 2026-12-03 with a fresh cache: 0.453 (0.428 before the
    // catch-all rule and rank positives; 0.179 from prototypes alone; 0.460
    // with f32 embeddings); 0.461 since 2026-12-04 with the floor for codes
    // of a definition alone.
    let kappa = zs["mean_kappa"].as_f64().unwrap();
    assert!(kappa >= 0.45, "zero-shot mean kappa {kappa}");
    // The catch-all "Other" is predicted and agrees beyond chance
    // (measured F1 0.419, kappa 0.111; never predicted before).
    let other = &zs["per_code"]["Other"];
    assert!(
        other["f1"].as_f64().unwrap() > 0.35 && other["kappa"].as_f64().unwrap() > 0.05,
        "{other}"
    );
    // Rare codes are no longer flooded (Data Retention: 149 predicted for
    // 55 with margin positives, 49 with rank positives).
    let retention = &zs["per_code"]["Data Retention"];
    assert!(
        retention["predicted"].as_u64().unwrap() < 100
            && retention["kappa"].as_f64().unwrap() > 0.3,
        "{retention}"
    );
    // Issue #15's other bound: supervised on all labels (the same folds and
    // cache, so in this test rather than beside it) stays at or above its
    // figure before the issue, κ 0.734. Measured 2026-12-04: 0.7416 with
    // κ-best thresholds drawn towards the corpus's (0.7345 with best-F1
    // thresholds before).
    let sup = eval("auto");
    let kappa = sup["mean_kappa"].as_f64().unwrap();
    assert!(kappa >= 0.734, "supervised mean kappa {kappa}");
}

/// What `autocode embed` stores, done through the library so this test
/// depends only on the embed crate's API, not on its subcommand.
fn embed_project(project: &Path) {
    use embed::Encoder;
    // Read as the pipeline reads a project's texts, so that `code` finds
    // these vectors under its model key.
    let enc = embed::SentenceTransformer::load(&embed::default_model_dir())
        .unwrap()
        .with_reading(pipeline::READING);
    let mut store = store::Store::open(project).unwrap();
    let missing = store.texts_missing_embedding(enc.model_key()).unwrap();
    let texts: Vec<&str> = missing.iter().map(|(_, t)| t.as_str()).collect();
    let e = enc.encode(&texts).unwrap();
    let rows: Vec<store::EmbeddingRow> = missing
        .iter()
        .zip(&e.vectors)
        .zip(&e.truncated)
        .map(|(((h, _), v), &t)| store::EmbeddingRow {
            text_hash: h,
            vector: v,
            truncated: t,
        })
        .collect();
    store
        .register_model(&store::ModelRecord {
            model_key: enc.model_key().into(),
            path: embed::default_model_dir().display().to_string(),
            dim: enc.dim(),
        })
        .unwrap();
    store.put_embeddings(enc.model_key(), &rows).unwrap();
    store.set_meta("model_key", enc.model_key()).unwrap();
}

fn demo_project(dir: &Path) -> PathBuf {
    let project = dir.join("demo");
    ok(&["init", s(&project)]);
    ok(&[
        "--project",
        s(&project),
        "ingest",
        "data/demo",
        "--participants",
        "data/demo/participants.csv",
    ]);
    embed_project(&project);
    project
}

#[test]
fn code_the_demo_corpus_incrementally_and_with_gold() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path());
    let p = s(&project);
    let code = |extra: &[&str]| -> Value {
        let out = ok(&[
            &[
                "--project",
                p,
                "code",
                "--codebook",
                "data/demo/codebook.yaml",
                "--expected",
                "data/demo/codebook.study-counts.csv",
                "--json",
            ][..],
            extra,
        ]
        .concat());
        serde_json::from_str(&out).unwrap()
    };
    // Zero-shot from the codebook alone (two examples per code is below the supervised minimum).
    let first = code(&[]);
    let codes = first["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 26);
    // Codes the corpus gives enough pseudo-positives learn from them (8 of
    // 26 on the demo's 521 sentences); the others keep the prototype prior.
    let pseudo = codes
        .iter()
        .filter(|c| c["model"] == "zero-shot (pseudo-labels)")
        .count();
    assert!(pseudo >= 5, "{pseudo} codes learnt from the corpus");
    for c in codes {
        assert!(
            c["model"] == "zero-shot" || c["model"] == "zero-shot (pseudo-labels)",
            "{c}"
        );
    }
    assert!(codes
        .iter()
        .filter(|c| c["model"] == "zero-shot (pseudo-labels)")
        .all(|c| c["calibrated"] == false));
    let participant_sentences: i64 = {
        let st = store::Store::open(&project).unwrap();
        st.conn()
            .query_row(
                "SELECT COUNT(*) FROM segments WHERE is_moderator = 0",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    // Minimal responses ("Yeah.") are left out of coding and counted.
    let skipped = first["skipped_minimal"].as_i64().unwrap();
    assert!(skipped > 0);
    assert_eq!(
        first["coded"].as_i64().unwrap() + skipped,
        participant_sentences
    );
    // The moderator opens every group: each coded sentence answers a question.
    assert_eq!(first["with_question"], first["coded"]);
    let tech = codes.iter().find(|c| c["code"] == "technology").unwrap();
    assert_eq!(tech["expected"], 24);
    // Nothing new: nothing coded again.
    assert_eq!(code(&[])["coded"], 0);

    // Every stored machine row holds p >= 0.05; a child assigned implies its parent.
    let st = store::Store::open(&project).unwrap();
    let min_p: f64 = st
        .conn()
        .query_row(
            "SELECT MIN(confidence) FROM codings WHERE source = 'machine'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(min_p >= 0.05, "{min_p}");
    let orphans: i64 = st
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM codings c WHERE c.source = 'machine' AND c.assigned = 1 AND c.code_id = 'technology'
             AND NOT EXISTS (SELECT 1 FROM codings p WHERE p.segment_id = c.segment_id AND p.code_id = 'key_elements'
                             AND p.source = 'machine' AND p.assigned = 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    drop(st);

    // With the gold coding imported, codes with enough positives are supervised
    // and every sentence is coded again by the new classifier.
    let second = code(&["--import-gold", "data/demo/gold.jsonl"]);
    assert_eq!(
        second["coded"].as_i64().unwrap() + skipped,
        participant_sentences
    );
    let codes = second["codes"].as_array().unwrap();
    let supervised = codes.iter().filter(|c| c["model"] == "supervised").count();
    assert!(supervised >= 10, "{supervised} supervised codes");
    // Trained on the gold of these very sentences: participant counts land near the study's.
    let tech = codes.iter().find(|c| c["code"] == "technology").unwrap();
    let n = tech["participants"].as_i64().unwrap();
    assert!(
        (18..=34).contains(&n),
        "technology: {n} participants (study 24)"
    );
    let st = store::Store::open(&project).unwrap();
    let gold: i64 = st
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM codings WHERE source = 'gold'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(gold > 300, "{gold} gold codings");
    drop(st);

    // The same gold naming its documents as NVivo and ATLAS.ti list them
    // (no folder, no extension, another case: "Group-1" for
    // transcripts/group-1.txt) matches the same sentences.
    let renamed: String = std::fs::read_to_string("data/demo/gold.jsonl")
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            let doc = v["doc"].as_str().unwrap().to_string();
            let stem = doc
                .trim_start_matches("transcripts/")
                .trim_end_matches(".txt");
            v["doc"] = Value::from(format!("G{}", &stem[1..]));
            format!("{v}\n")
        })
        .collect();
    assert!(
        renamed.contains("\"doc\":\"Group-1\""),
        "{}",
        &renamed[..200]
    );
    let renamed_file = dir.path().join("gold-renamed.jsonl");
    std::fs::write(&renamed_file, renamed).unwrap();
    let third = code(&["--import-gold", renamed_file.to_str().unwrap()]);
    assert_eq!(third["gold"]["unmatched"], 0, "{}", third["gold"]);
    assert_eq!(third["gold"]["codings"], second["gold"]["codings"]);
    assert_eq!(third["gold"]["sentences"], second["gold"]["sentences"]);

    // Items that match nothing are named (the first five), with why: the
    // import goes on and exits 2.
    let stray = dir.path().join("gold-stray.jsonl");
    std::fs::write(
        &stray,
        concat!(
            "{\"id\": \"a\", \"doc\": \"Group-9\", \"text\": \"Hello.\", \"labels\": [\"privacy\"]}\n",
            "{\"doc\": \"Group-1\", \"text\": \"Nobody said this.\", \"labels\": []}\n",
        ),
    )
    .unwrap();
    let out = autocode(&[
        "--project",
        p,
        "code",
        "--codebook",
        "data/demo/codebook.yaml",
        "--json",
        "--import-gold",
        stray.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let fourth: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(fourth["gold"]["unmatched"], 2);
    assert_eq!(
        fourth["gold"]["unmatched_items"],
        serde_json::json!([
            "a (no stored document \"Group-9\"): \"Hello.\"",
            format!(
                "{}:2 (its document holds no sentence or turn of this text): \"Nobody said this.\"",
                stray.display()
            ),
        ])
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("  a (no stored document \"Group-9\")"),
        "{stderr}"
    );
}

/// A nightly run that adds a few documents and no review: the corpus
/// sample of the last run is kept, the classifier is loaded from the
/// store's cache rather than fitted again, and only the new sentences are
/// coded, exactly as a fresh fit of the same data codes them.
#[test]
fn new_documents_and_no_review_load_the_last_classifier_and_code_only_them() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path());
    let p = s(&project);
    let code = |project: &str| -> Value {
        let out = ok(&[
            "--project",
            project,
            "code",
            "--codebook",
            "data/demo/codebook.yaml",
            "--json",
        ]);
        serde_json::from_str(&out).unwrap()
    };
    let first = code(p);
    assert_eq!(first["sample_kept"], false);
    assert_eq!(first["classifier_loaded"], false);
    // Nothing new: the same classifier, loaded.
    let again = code(p);
    assert_eq!(again["classifier_loaded"], true);
    assert_eq!(again["sample_kept"], true);
    assert_eq!(again["classifier"], first["classifier"]);
    assert_eq!(again["coded"], 0);

    // One more group, a few sentences (well under a tenth of the corpus).
    let extra = dir.path().join("group-8.txt");
    std::fs::write(
        &extra,
        "Moderator: What would make the station square feel safer?\n\
         Eva: Better lighting at night, and cameras that someone actually watches.\n\
         Finn: I worry about who keeps the camera images and for how long.\n\
         Eva: The police should work with the neighbourhood, not only with sensors.\n",
    )
    .unwrap();
    ok(&["--project", p, "ingest", s(&extra)]);
    embed_project(&project);
    // A copy of the store without the cache fits the same data afresh.
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = fresh_dir.path().join("autocode.db");
    std::fs::copy(store::resolve(&project), &fresh).unwrap();
    store::Store::open(&fresh)
        .unwrap()
        .conn()
        .execute("DELETE FROM classifier_cache", [])
        .unwrap();

    let nightly = code(p);
    assert_eq!(nightly["sample_kept"], true);
    assert_eq!(nightly["classifier_loaded"], true);
    assert_eq!(nightly["classifier"], first["classifier"]);
    assert_eq!(nightly["coded"], 3, "{nightly}");
    let refit = code(s(&fresh));
    assert_eq!(refit["classifier_loaded"], false);
    assert_eq!(refit["classifier"], first["classifier"]);
    assert_eq!(refit["coded"], 3);
    let codings = |db: &Path| -> Vec<(String, String, f64, bool)> {
        let st = store::Store::open(db).unwrap();
        let mut stmt = st
            .conn()
            .prepare(
                "SELECT s.text, c.code_id, c.confidence, c.assigned FROM codings c
                 JOIN segments s ON s.id = c.segment_id
                 WHERE c.source = 'machine' ORDER BY s.text, c.code_id",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        rows
    };
    let loaded = codings(&store::resolve(&project));
    assert!(loaded.iter().any(|r| r.0.contains("camera images")));
    assert_eq!(loaded, codings(&fresh));
}

/// Memos reach training as evidence, not labels: a memo written with a
/// decision that still stands trains as its reason, a memo alone holds its
/// sentence out of the corpus's pseudo-labels, and either way the classifier
/// is fitted again (its fingerprint changes).
#[test]
fn reviewers_memos_reach_the_next_coding_run() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path());
    let p = s(&project);
    let code = || -> Value {
        let out = ok(&[
            "--project",
            p,
            "code",
            "--codebook",
            "data/demo/codebook.yaml",
            "--json",
        ]);
        serde_json::from_str(&out).unwrap()
    };
    let first = code();
    assert_eq!(
        (first["memo_reasons"].as_u64(), first["memo_held"].as_u64()),
        (Some(0), Some(0))
    );
    let mut st = store::Store::open(&project).unwrap();
    let ids: Vec<i64> = {
        let mut q = st
            .conn()
            .prepare("SELECT id FROM segments WHERE is_moderator = 0 AND length(text) > 40 ORDER BY id LIMIT 5")
            .unwrap();
        let rows = q.query_map([], |r| r.get(0)).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    };
    let mut decide = |seg: i64, code: &str, decision: store::Decision, memo: Option<&str>| {
        let version = st.review_version(seg, None).unwrap();
        let out = st
            .record_review(
                &store::ReviewInput {
                    segment_id: seg,
                    code_id: Some(code.into()),
                    decision,
                    new_code_id: None,
                    reviewer: "rita".into(),
                    memo: memo.map(String::from),
                },
                version,
                None,
            )
            .unwrap();
        assert!(matches!(out, store::ReviewOutcome::Saved { .. }), "{out:?}");
    };
    use store::Decision::{Accept, Memo, Reject};
    decide(
        ids[0],
        "surveillance",
        Accept,
        Some("cameras watching people on the street"),
    );
    decide(
        ids[1],
        "privacy",
        Reject,
        Some("this is about bus fares, not personal data"),
    );
    // Too short to say what the code is about.
    decide(ids[2], "technology", Accept, Some("yes"));
    // A reason taken back with its decision.
    decide(
        ids[3],
        "safety",
        Accept,
        Some("feeling safe walking home at night"),
    );
    decide(ids[3], "safety", Reject, None);
    // A memo alone on a sentence nobody decided.
    let held = ids[4];
    decide(
        held,
        "privacy",
        Memo,
        Some("ask the team whether this counts"),
    );
    drop(st);
    let second = code();
    assert_eq!(second["memo_reasons"], 2, "{}", second["memo_reasons"]);
    assert_eq!(second["memo_held"], 1, "{}", second["memo_held"]);
    assert_ne!(second["classifier"], first["classifier"]);
    // Retrained: every sentence coded again by the new classifier.
    assert_eq!(second["coded"], first["coded"]);
}

#[test]
fn eval_code_on_the_demo_gold() {
    let cache = tempfile::tempdir().unwrap();
    let r = eval_json(&[
        "eval",
        "code",
        "--gold",
        "data/demo/gold.jsonl",
        "--codebook",
        "data/demo/codebook.yaml",
        "--json",
        "--cache",
        s(cache.path()),
    ]);
    assert_eq!(r["items"], 547);
    assert_eq!(r["folds"], 5);
    let f1 = r["macro_f1"].as_f64().unwrap();
    // 2026-11-28, see docs/benchmarks.md ## Classification.
    // Measured 0.680 (mean kappa 0.658).
    assert!(f1 > 0.6, "demo macro-F1 {f1}");
    assert!(r["ece"].as_f64().unwrap() < 0.1);
    // The gold names child codes only; a child implies its parent.
    let parent = r["per_code"]["key_elements"]["support"].as_u64().unwrap();
    assert!(parent >= r["per_code"]["technology"]["support"].as_u64().unwrap() && parent > 0);
}

/// `eval code --json` of `gold` against data/interviews' codebook with
/// `extra` flags, embeddings cached in `cache`.
fn eval_interviews_codebook(gold: &Path, cache: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "eval",
        "code",
        "--gold",
        s(gold),
        "--codebook",
        "data/interviews/codebook.yaml",
        "--json",
        "--cache",
        s(cache),
    ];
    args.extend(extra);
    eval_json(&args)
}

/// Mean κ of supervised CV on data/interviews' gold (490 items) with
/// `extra` flags, embeddings cached in `cache`.
fn interviews_kappa(cache: &Path, extra: &[&str]) -> f64 {
    let r = eval_interviews_codebook(Path::new("data/interviews/gold.jsonl"), cache, extra);
    assert_eq!(r["items"], 490);
    r["mean_kappa"].as_f64().unwrap()
}

/// Transcribed speech is coded in its place: the sentences around a spoken
/// sentence lift supervised coding of data/interviews (5 folds by
/// interview). Measured 2026-12-04: mean κ 0.161 with each sentence alone,
/// 0.322 with its neighbours in the turn (docs/classify.md, "The sentences around a
/// unit").
#[test]
fn the_sentences_around_a_spoken_sentence_lift_interview_coding() {
    let cache = tempfile::tempdir().unwrap();
    let kappa = |extra: &[&str]| interviews_kappa(cache.path(), extra);
    // The default reads the context; the question is measured below.
    let alone = kappa(&["--context-weight", "0", "--question-weight", "0"]);
    let around = kappa(&["--question-weight", "0"]);
    assert!(around >= 0.25, "interviews κ with context {around}");
    assert!(
        around >= alone + 0.08,
        "κ {alone} alone, {around} with context"
    );
}

/// An answer is coded by its question: the interviewer's question each
/// turn answers, read from the transcripts beside the gold file, lifts
/// supervised coding of data/interviews (5 folds by interview).
/// Measured 2026-12-04: mean κ 0.322 with the sentences around each
/// sentence, 0.415 with the question too (docs/classify.md, "The question
/// a turn answers"). Without the transcripts there is no question.
#[test]
fn the_question_a_turn_answers_lifts_interview_coding() {
    let cache = tempfile::tempdir().unwrap();
    let kappa = |extra: &[&str]| interviews_kappa(cache.path(), extra);
    let (without, with) = (kappa(&["--question-weight", "0"]), kappa(&[]));
    assert!(with >= 0.38, "interviews κ with the question {with}");
    assert!(
        with >= without + 0.05,
        "κ {without} without the question, {with} with it"
    );
    // Transcripts elsewhere: no question is read, as with weight 0.
    let empty = tempfile::tempdir().unwrap();
    let elsewhere = kappa(&["--transcripts", s(empty.path())]);
    assert_eq!(elsewhere, without);
}

/// A sentence no code's threshold takes gets its best human-trained code at
/// p >= 0.2 (`best_code_floor`; the codebook has no catch-all): on
/// data/interviews, where thresholds fitted on about 20 positives a code
/// leave units blank, supervised CV by interview measured 2026-12-05 mean
/// κ 0.403 without the floor, 0.462 with it (docs/classify.md, "A unit no
/// code takes"). A floor out of range is refused by its flag's name.
#[test]
fn a_sentence_no_threshold_takes_gets_its_best_code_above_the_floor() {
    let cache = tempfile::tempdir().unwrap();
    let kappa = |extra: &[&str]| interviews_kappa(cache.path(), extra);
    let (off, on) = (kappa(&["--best-code-floor", "1"]), kappa(&[]));
    assert!(on >= 0.44, "interviews κ with the floor {on}");
    assert!(on >= off + 0.04, "κ {off} without the floor, {on} with it");
    let out = Command::new(env!("CARGO_BIN_EXE_autocode"))
        .args([
            "eval",
            "code",
            "--gold",
            "data/interviews/gold.jsonl",
            "--best-code-floor",
            "1.5",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--best-code-floor 1.5"), "{err}");
}

/// Zero-shot on interviews (the codebook alone, no label read): in a corpus
/// of answers each sentence is pseudo-labelled read with its question and
/// neighbours, and no self-training round relabels it. Measured 2026-12-04
/// (5 folds by interview, seed 42): mean κ 0.186 with the questions read,
/// 0.103 without (`--question-weight 0`: no question, so the written
/// documents' path, as before this change); docs/classify.md, "Zero-shot in
/// a corpus of answers".
#[test]
fn interviews_from_the_codebook_alone_are_read_as_answers_to_their_questions() {
    let cache = tempfile::tempdir().unwrap();
    let gold = Path::new("data/interviews/gold.jsonl");
    let kappa = |extra: &[&str]| {
        let r = eval_interviews_codebook(
            gold,
            cache.path(),
            &[&["--mode", "zero-shot"], extra].concat(),
        );
        assert_eq!(r["items"], 490);
        r["mean_kappa"].as_f64().unwrap()
    };
    let (answers, alone) = (kappa(&[]), kappa(&["--question-weight", "0"]));
    assert!(answers >= 0.16, "zero-shot κ read as answers {answers}");
    assert!(
        answers >= alone + 0.05,
        "zero-shot κ {alone} alone, {answers} as answers"
    );
}

/// A codebook of names alone, as NVivo and ATLAS.ti export code lists, is
/// valid with a warning naming the file and the codes, and codes from the
/// names: on data/interviews' gold (measured 2026-12-05, CV seed 42) κ 0.193
/// against 0.108 for keywords from the same names and 0.287 with the
/// definitions and examples (docs/classify.md, "Codes with a name alone").
#[test]
fn a_codebook_of_names_alone_codes_from_its_names() {
    let dir = tempfile::tempdir().unwrap();
    let names = dir.path().join("names.yaml");
    std::fs::write(
        &names,
        "name: Remote work\ncodes:\n- id: isolation\n  name: Isolation and loneliness\n\
         - id: boundaries\n  name: Work-life boundaries\n- id: tools\n  name: Digital tools and infrastructure\n\
         - id: team_trust\n  name: Managing a remote team\n- id: clients\n  name: Client relationships\n\
         - id: costs\n  name: Costs and premises\n- id: focus\n  name: Focus and productivity\n",
    )
    .unwrap();
    let out = autocode(&["codebook", "validate", s(&names)]);
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}: 7 of 7 codes have a name alone, no definition, examples or inclusion criteria \
             (\"isolation\", \"boundaries\", \"tools\", \"team_trust\", \"clients\", \"costs\", \"focus\")",
            names.display()
        )),
        "{err}"
    );
    let kappa = |mode: &str| {
        let r = eval_json(&[
            "eval",
            "code",
            "--gold",
            "data/interviews/gold.jsonl",
            "--codebook",
            s(&names),
            "--json",
            "--cache",
            s(&dir.path().join("cache")),
            "--mode",
            mode,
        ]);
        assert_eq!(r["items"], 490);
        r["mean_kappa"].as_f64().unwrap()
    };
    let (zero_shot, keyword) = (kappa("zero-shot"), kappa("keyword"));
    assert!(zero_shot >= 0.17, "zero-shot κ from names {zero_shot}");
    assert!(
        zero_shot >= keyword + 0.05,
        "zero-shot κ from names {zero_shot}, keywords {keyword}"
    );
}

/// A gold file may hold the interviewer's rows: `autocode code` never
/// codes a moderator's sentence, so `eval code` neither scores nor trains
/// on them, and reads them as the questions of the turns after them.
#[test]
fn an_interviewers_gold_rows_are_questions_not_items() {
    let dir = tempfile::tempdir().unwrap();
    let gold = std::fs::read_to_string("data/interviews/gold.jsonl").unwrap();
    let asked = "{\"id\": \"interview-01.txt:0:0\", \"doc\": \"interview-01.txt\", \"speaker\": \"Interviewer 1\", \"text\": \"Could you tell me about your business and how you work?\", \"labels\": []}\n";
    let path = dir.path().join("gold.jsonl");
    std::fs::write(&path, format!("{asked}{gold}")).unwrap();
    let r = eval_interviews_codebook(&path, dir.path(), &[]);
    assert_eq!(r["items"], 490);
    assert!(
        r["mean_kappa"].as_f64().unwrap() > 0.2,
        "{}",
        r["mean_kappa"]
    );
}

/// A survey export with a `question` column (one row per answer): each
/// answer is read after its question, which `ingest` makes an
/// interviewer's turn, as the long form's `Q` rows are; the questions are
/// not coded.
#[test]
fn a_surveys_question_column_gives_each_answer_its_question() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("answers.csv");
    std::fs::write(
        &csv,
        "doc,speaker,question,text\n\
         remote-survey,R001,What is the hardest part of working from home?,Nobody to talk to at lunch.\n\
         remote-survey,R002,What is the hardest part of working from home?,The wifi drops every afternoon.\n\
         remote-survey,R001,What would you change about your team's tools?,One chat app instead of three.\n",
    )
    .unwrap();
    let (coded, with_question) = coded_and_with_question(dir.path(), &csv, &[]);
    assert_eq!((coded, with_question), (3, 3));
}

/// A wide survey export, one row per respondent and one column per open
/// question (`--question-column`): each answer is read after its question
/// and coded; the questions and the other columns are not.
#[test]
fn a_wide_survey_export_is_read_question_by_question() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("survey.csv");
    std::fs::write(
        &csv,
        "respondent,team_size,What is the hardest part of working from home?,What would you change about your team's tools?\n\
         R001,4,Nobody to talk to at lunch.,One chat app instead of three.\n\
         R002,12,The wifi drops every afternoon.,\n",
    )
    .unwrap();
    let (coded, with_question) = coded_and_with_question(
        dir.path(),
        &csv,
        &[
            "--speaker-column",
            "respondent",
            "--question-column",
            "What is the hardest part of working from home?",
            "--question-column",
            "What would you change about your team's tools?",
        ],
    );
    assert_eq!((coded, with_question), (3, 3));
}

/// A gold file whose rows name their question (`"question"`, as a survey's
/// export gives it): the same short answer ("Yes, a lot.") is coded by the
/// question it answers. Thirty respondents, two questions, six answers.
#[test]
fn a_gold_rows_own_question_codes_the_same_answer_by_what_was_asked() {
    let dir = tempfile::tempdir().unwrap();
    let answers = [
        "Yes, a lot.",
        "Yes, most days.",
        "Sometimes, I suppose.",
        "Not really.",
        "No, never.",
        "Quite often, yes.",
    ];
    let asked = [
        ("Do you feel isolated when you work from home?", "isolation"),
        (
            "Do your digital tools and internet connection work well for you?",
            "tools",
        ),
    ];
    let mut gold = String::new();
    for r in 0..30 {
        for (q, (question, code)) in asked.iter().enumerate() {
            let answer = answers[(r * 7 + q * 3) % answers.len()];
            let labels = if answer.starts_with("No") {
                "[]".to_string()
            } else {
                format!("[\"{code}\"]")
            };
            gold.push_str(&format!(
                "{{\"id\": \"R{r:02}-Q{q}\", \"doc\": \"R{r:02}\", \"question\": \"{question}\", \"text\": \"{answer}\", \"labels\": {labels}}}\n"
            ));
        }
    }
    let path = dir.path().join("survey.jsonl");
    std::fs::write(&path, gold).unwrap();
    let kappa = |extra: &[&str]| {
        let r = eval_interviews_codebook(&path, dir.path(), extra);
        assert_eq!(r["items"], 60);
        r["mean_kappa"].as_f64().unwrap()
    };
    // Measured 2026-12-04: 1.000 with the question, 0.255 without.
    let with = kappa(&[]);
    let without = kappa(&["--question-weight", "0"]);
    assert!(with >= 0.9, "κ with the question {with}");
    assert!(without <= 0.5, "κ without the question {without}");
}

/// Ingests `file` (with `ingest_args`) into a new project in `dir`,
/// embeds it and codes it against data/interviews' codebook: how many
/// sentences were coded and how many of them with a question.
fn coded_and_with_question(dir: &Path, file: &Path, ingest_args: &[&str]) -> (u64, u64) {
    let project = dir.join("p");
    let p = s(&project);
    ok(&["init", p]);
    ok(&[&["--project", p, "ingest", s(file)], ingest_args].concat());
    ok(&["--project", p, "embed"]);
    let out = ok(&[
        "--project",
        p,
        "code",
        "--codebook",
        "data/interviews/codebook.yaml",
        "--json",
    ]);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    (
        v["coded"].as_u64().unwrap(),
        v["with_question"].as_u64().unwrap(),
    )
}

/// A survey's open answers, one row each with the respondent as speaker
/// and each question as a row by `Q` before its answers: every answer is
/// coded with its question, none with another respondent's words.
#[test]
fn a_surveys_answers_are_coded_with_their_questions() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("answers.csv");
    std::fs::write(
        &csv,
        "doc,speaker,text\n\
         remote-survey,Q,What is the hardest part of working from home?\n\
         remote-survey,R001,Nobody to talk to at lunch.\n\
         remote-survey,R002,The wifi drops every afternoon.\n\
         remote-survey,Q,What would you change about your team's tools?\n\
         remote-survey,R001,One chat app instead of three.\n",
    )
    .unwrap();
    let (coded, with_question) = coded_and_with_question(dir.path(), &csv, &[]);
    assert_eq!((coded, with_question), (3, 3));
}

/// Bug 3 of issue #13: `--folds 0` indexed an empty fold list and panicked.
#[test]
fn eval_code_refuses_fewer_than_two_folds() {
    for folds in ["0", "1"] {
        let out = autocode(&[
            "eval",
            "code",
            "--gold",
            "data/demo/gold.jsonl",
            "--codebook",
            "data/demo/codebook.yaml",
            "--folds",
            folds,
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "--folds {folds}: {err}");
        assert!(err.contains("--folds"), "--folds {folds}: {err}");
        assert!(!err.contains("panicked"), "--folds {folds}: {err}");
    }
}

/// Repetition counts past their caps are refused at once: a typo's
/// u64::MAX ran with no progress until killed.
#[test]
fn eval_refuses_repetition_counts_past_their_caps() {
    let huge = u64::MAX.to_string();
    for (args, flag) in [
        (
            vec![
                "eval",
                "code",
                "--gold",
                "data/demo/gold.jsonl",
                "--codebook",
                "data/demo/codebook.yaml",
                "--simulate-review",
                "--seeds",
                &huge,
            ],
            "seeds: must be in 1..=1000",
        ),
        (
            vec![
                "eval",
                "audit",
                "--predictions",
                "data/demo/gold.jsonl",
                "--draws",
                &huge,
            ],
            "--draws 18446744073709551615: at most 100000",
        ),
    ] {
        let out = autocode(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(flag), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

fn report_json(project: &str, out: &Path) -> Value {
    ok(&[
        "--project",
        project,
        "report",
        "--format",
        "json",
        "--out",
        s(out),
    ]);
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

#[test]
fn a_zero_shot_only_report_says_uncalibrated_and_gives_no_interval() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path());
    let p = s(&project);
    let table = ok(&[
        "--project",
        p,
        "code",
        "--codebook",
        "data/demo/codebook.yaml",
    ]);
    assert!(table.contains("zero-shot (uncalibrated)"), "{table}");
    let r = report_json(p, &dir.path().join("out"));
    for c in r["codes"].as_array().unwrap() {
        let e = &c["estimate"];
        assert_eq!(e["method"], "model-only (uncalibrated)", "{}", c["code_id"]);
        assert!(e["low"].is_null() && e["high"].is_null(), "{e}");
        assert!(
            c["expected"].is_null(),
            "no calibrated-looking interval: {c}"
        );
        assert_eq!(c["estimates"]["calibrated"], false);
        assert!(c["estimates"]["audit_advice"].as_u64().unwrap() >= 2);
        for q in c["examples"].as_array().unwrap() {
            assert_eq!(q["calibrated"], false, "{q}");
        }
    }
    let printed = ok(&["--project", p, "report", "--format", "table"]);
    assert!(printed.contains("model-only (uncalibrated)"), "{printed}");
    assert!(printed.contains("autocode audit draw --size"), "{printed}");
    let html_dir = dir.path().join("html");
    ok(&[
        "--project",
        p,
        "report",
        "--format",
        "html",
        "--out",
        s(&html_dir),
    ]);
    let html = std::fs::read_to_string(html_dir.join("report.html")).unwrap();
    assert!(html.contains("(uncalibrated)") && !html.contains(" · p = "));
}

/// An audit answered before any classifier has coded (no embeddings yet):
/// `code` says the gold is stored though it cannot code, and the report's
/// estimates are the sample's alone, `sample-only`, with a warning for the
/// sentences nothing has coded (before: labelled `prediction-powered`,
/// naming a machine that had not run, and no warning).
#[test]
fn an_audit_answered_before_any_coding_is_a_sample_only_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("demo");
    let p = s(&project);
    ok(&["init", p]);
    ok(&[
        "--project",
        p,
        "ingest",
        "data/demo",
        "--participants",
        "data/demo/participants.csv",
    ]);
    ok(&[
        "--project",
        p,
        "codebook",
        "approve",
        "data/demo/codebook.yaml",
    ]);
    ok(&[
        "--project",
        p,
        "audit",
        "draw",
        "--fraction",
        "0.25",
        "--seed",
        "7",
    ]);
    let err = failure(&[
        "--project",
        p,
        "code",
        "--import-gold",
        "data/demo/gold.jsonl",
        "--audit-only",
    ]);
    assert!(
        err.contains("run `autocode embed` first, then `autocode code`; the gold of data/demo/gold.jsonl is stored"),
        "{err}"
    );
    let out = dir.path().join("out");
    let report = autocode(&[
        "--project",
        p,
        "report",
        "--format",
        "json",
        "--out",
        s(&out),
    ]);
    assert!(report.status.success());
    let stderr = String::from_utf8_lossy(&report.stderr);
    assert!(
        stderr.contains("participant sentences are not coded by the current classifier"),
        "{stderr}"
    );
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    for c in r["codes"].as_array().unwrap() {
        let e = &c["estimate"];
        assert_eq!(e["method"], "sample-only", "{c}");
        assert_eq!(
            (e["audited"].as_u64(), e["units"].as_u64()),
            (Some(12), Some(47))
        );
        let (lo, hi) = (e["low"].as_f64().unwrap(), e["high"].as_f64().unwrap());
        assert!(
            e["audited_count"].as_f64().unwrap() <= lo && lo < hi && hi <= 47.0,
            "{c}"
        );
    }
    // A smaller sample of the same seed leaves out six of the twelve
    // audited participants: the draw names them (their gold stays as
    // people's coding, no longer as audit).
    let out = autocode(&[
        "--project",
        p,
        "audit",
        "draw",
        "--size",
        "6",
        "--seed",
        "7",
        "--json",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("leaves out 6 audited unit(s) people coded"),
        "{stderr}"
    );
    let drawn: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(drawn["dropped_coded"].as_array().map(Vec::len), Some(6));
}

#[test]
fn an_audit_sample_is_reproducible_persisted_and_gives_valid_counts() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path());
    let p = s(&project);
    let draw = |project: &str| -> Value {
        serde_json::from_str(&ok(&[
            "--project",
            project,
            "audit",
            "draw",
            "--fraction",
            "0.25",
            "--seed",
            "7",
            "--json",
        ]))
        .unwrap()
    };
    let first = draw(p);
    assert_eq!(
        (first["drawn"].as_u64(), first["population"].as_u64()),
        (Some(12), Some(47))
    );
    let again = draw(p);
    assert_eq!(again["unchanged"], true);
    assert_eq!(again["sample_id"], first["sample_id"]);
    let shown: Value =
        serde_json::from_str(&ok(&["--project", p, "audit", "show", "--json"])).unwrap();
    // A fresh project given the same seed draws the same participants.
    let other = dir.path().join("other");
    ok(&["init", s(&other)]);
    ok(&[
        "--project",
        s(&other),
        "ingest",
        "data/demo",
        "--participants",
        "data/demo/participants.csv",
    ]);
    draw(s(&other));
    let other_shown: Value =
        serde_json::from_str(&ok(&["--project", s(&other), "audit", "show", "--json"])).unwrap();
    assert_eq!(shown["units"], other_shown["units"]);
    assert_eq!(shown["units"].as_array().unwrap().len(), 12);

    // The drawn participants' gold, and nothing else, is imported; their
    // predictions come from models that did not see them.
    let out = autocode(&[
        "--project",
        p,
        "code",
        "--codebook",
        "data/demo/codebook.yaml",
        "--import-gold",
        "data/demo/gold.jsonl",
        "--audit-only",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cross-fitted: the 12 participants"),
        "{stderr}"
    );
    let r = report_json(p, &dir.path().join("out"));
    let study = report::read_compare(&root().join("data/demo/codebook.study-counts.csv")).unwrap();
    let mut inside = 0;
    for c in r["codes"].as_array().unwrap() {
        let e = &c["estimate"];
        assert_eq!(e["method"], "prediction-powered", "{}", c["code_id"]);
        assert_eq!(
            (e["audited"].as_u64(), e["units"].as_u64()),
            (Some(12), Some(47))
        );
        let (lo, hi) = (e["low"].as_f64().unwrap(), e["high"].as_f64().unwrap());
        assert!(lo <= e["estimate"].as_f64().unwrap() && e["estimate"].as_f64().unwrap() <= hi);
        if let Some(v) = study.get(c["code_id"].as_str().unwrap()) {
            inside += (lo <= *v && *v <= hi) as usize;
        }
    }
    assert!(
        inside >= 18,
        "the study's figure is inside {inside} of 20 intervals"
    );
}

/// A gold coding imported without an audit sample (a colleague's coding
/// of the transcripts) trains the classifier, and the machine-vs-gold
/// agreement is still agreement: each participant the gold covers is coded
/// by a model that did not see them (hn/02: κ 1.000 in-sample against
/// 0.740 held out). The in-sample figure, from the full model's own
/// decisions on those sentences, is far higher than the report's.
#[test]
fn agreement_with_a_gold_the_classifier_learnt_is_held_out() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path());
    let p = s(&project);
    let out = autocode(&[
        "--project",
        p,
        "code",
        "--codebook",
        "data/demo/codebook.yaml",
        "--import-gold",
        "data/demo/gold.jsonl",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cross-fitted: the 47 participants with human codes are coded by 5 models"),
        "{stderr}"
    );
    let r = report_json(p, &dir.path().join("out"));
    let pair = r["agreement"]["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|pair| {
            pair["coder_a"] == "machine"
                && pair["coder_b"].as_str().unwrap_or("").starts_with("gold")
        })
        .unwrap_or_else(|| panic!("{}", r["agreement"]));
    let kappa = pair["overall"]["cohen_kappa"].as_f64().unwrap();
    // Held out, the demo's supervised κ (5-fold CV by transcript) is
    // about 0.69; fitted on every label it was above 0.9.
    assert!((0.45..0.85).contains(&kappa), "{kappa}");
}

/// A `code --mode supervised` that fails (no code has enough human
/// positives) writes no classifier record: the report of people's codings
/// stays `people-coded`, not a machine's "model-only" zeros.
#[test]
fn a_failed_supervised_run_leaves_no_classifier_behind() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path());
    let p = s(&project);
    let gold: String = std::fs::read_to_string("data/demo/gold.jsonl")
        .unwrap()
        .lines()
        .take(20)
        .map(|l| format!("{l}\n"))
        .collect();
    let gold_path = dir.path().join("gold.jsonl");
    std::fs::write(&gold_path, gold).unwrap();
    let err = failure(&[
        "--project",
        p,
        "code",
        "--codebook",
        "data/demo/codebook.yaml",
        "--mode",
        "supervised",
        "--import-gold",
        s(&gold_path),
        "--min-positives",
        "1000",
    ]);
    assert!(err.contains("--mode supervised"), "{err}");
    let out = dir.path().join("out");
    let report = report_json(p, &out);
    let methods: std::collections::BTreeSet<&str> = report["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["estimate"]["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["people-coded"].into(), "{report}");
}

#[test]
fn a_failed_code_run_leaves_the_codebook_in_use_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    ok(&["init", s(&project)]);
    let transcript = dir.path().join("int01.txt");
    std::fs::write(
        &transcript,
        "Interviewer: Can you tell me about getting to the clinic?\n\
         P01: The bus is the hardest part. It comes every forty minutes.\n\
         Interviewer: And the staff?\n\
         P01: The nurses explain everything clearly. The front desk is rushed.\n",
    )
    .unwrap();
    ok(&["--project", s(&project), "ingest", s(&transcript)]);
    embed_project(&project);
    let first = dir.path().join("v1.yaml");
    std::fs::write(
        &first,
        "name: Clinic access\ncodes:\n  - id: transport\n    name: Transport barriers\n    definition: Buses or distance making it hard to reach the clinic.\n  - id: staff\n    name: Staff communication\n    definition: How nurses and front desk staff listen and explain.\n",
    )
    .unwrap();
    let second = dir.path().join("v2.yaml");
    std::fs::write(
        &second,
        "name: Clinic access\ncodes:\n  - id: transport\n    name: Transport barriers\n    definition: Buses or distance making it hard to reach the clinic.\n  - id: cost\n    name: Costs\n    definition: Money spent on fares or fees to attend the clinic.\n",
    )
    .unwrap();
    ok(&["--project", s(&project), "code", "--codebook", s(&first)]);
    let in_use = || {
        let store = store::Store::open(&project).unwrap();
        let (version, body) = store.codebook_in_use().unwrap().unwrap();
        let versions = store.codebook_versions().unwrap().len();
        (version, body.contains("\"staff\""), versions)
    };
    let before = in_use();
    assert_eq!(before, (1, true, 1));
    // A mistyped model folder: the run fails after approving the file.
    let missing_model = dir.path().join("no-such-model");
    let err = failure(&[
        "--project",
        s(&project),
        "code",
        "--codebook",
        s(&second),
        "--model",
        s(&missing_model),
    ]);
    assert!(err.contains("no-such-model"), "{err}");
    assert_eq!(in_use(), before, "the failed run left its codebook in use");
}

/// A category (`codable: false`, a MAXQDA or NVivo folder) has no model:
/// `code` never assigns it, and its row rolls up the sentences and
/// participants of the codes below it, each once (before, the summary
/// showed it "0 0 zero-shot (uncalibrated)" beside its busy children).
#[test]
fn a_category_rolls_up_the_codes_below_it_in_the_code_summary() {
    let dir = tempfile::tempdir().unwrap();
    let project = demo_project(dir.path());
    let p = s(&project);
    let yaml = std::fs::read_to_string(root().join("data/demo/codebook.yaml")).unwrap();
    let with_category = yaml.replacen(
        "  - id: key_elements\n    name: Key elements\n",
        "  - id: key_elements\n    name: Key elements\n    codable: false\n",
        1,
    );
    assert_ne!(with_category, yaml);
    let codebook = dir.path().join("codebook.yaml");
    std::fs::write(&codebook, with_category).unwrap();
    let out: Value = serde_json::from_str(&ok(&[
        "--project",
        p,
        "code",
        "--codebook",
        s(&codebook),
        "--json",
    ]))
    .unwrap();
    let codes = out["codes"].as_array().unwrap();
    let row = |id: &str| codes.iter().find(|c| c["code"] == id).unwrap();
    let category = row("key_elements");
    assert_eq!(category["model"], "category (codes below it)");
    let children: Vec<&Value> = codes
        .iter()
        .filter(|c| c["parent"] == "key_elements")
        .collect();
    assert_eq!(children.len(), 3);
    let n = |v: &Value, k: &str| v[k].as_u64().unwrap();
    let most = |k: &str| children.iter().map(|c| n(c, k)).max().unwrap();
    let sum: u64 = children.iter().map(|c| n(c, "sentences")).sum();
    assert!(most("sentences") > 0, "{children:?}");
    assert!(
        n(category, "sentences") >= most("sentences") && n(category, "sentences") <= sum,
        "{category} {children:?}"
    );
    assert!(n(category, "participants") >= most("participants"));
    // The store holds no machine coding of the category itself.
    let store = store::Store::open(&project.join("autocode.db")).unwrap();
    let assigned = store.machine_assignments().unwrap();
    assert!(!assigned.is_empty());
    assert!(!assigned.iter().any(|(_, c)| c == "key_elements"));
}

/// A REFI-QDA project (`.qdpx`, as NVivo, ATLAS.ti and MAXQDA export
/// one, and as `report --format qdpx` writes it) given as the codebook is
/// read from its project XML's `<CodeBook>` (before, it was refused:
/// "unzip it and give its project.qde").
#[test]
fn a_qdpx_project_is_read_as_its_codebook() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    let p = s(&project);
    ok(&["init", p]);
    ok(&["--project", p, "ingest", "data/demo"]);
    ok(&[
        "--project",
        p,
        "codebook",
        "approve",
        "data/demo/codebook.yaml",
    ]);
    let out = dir.path().join("r");
    ok(&[
        "--project",
        p,
        "report",
        "--format",
        "qdpx",
        "--out",
        s(&out),
    ]);
    let qdpx = out.join("p.qdpx");
    let read = ok(&["codebook", "validate", s(&qdpx)]);
    assert!(read.contains("ok, 26 codes (6 top-level)"), "{read}");
    // Every code, its place in the hierarchy and its texts come back as
    // the `.qdc` export gives them.
    let qdc = dir.path().join("cb.qdc");
    ok(&["--project", p, "codebook", "export", "-o", s(&qdc)]);
    let json = |f: &Path| -> Value {
        let j = dir
            .path()
            .join(format!("{}.json", f.file_name().unwrap().to_string_lossy()));
        let other = dir
            .path()
            .join(format!("x{}", f.file_name().unwrap().to_string_lossy()));
        ok(&["init", s(&other)]);
        ok(&["--project", s(&other), "codebook", "approve", s(f)]);
        ok(&["--project", s(&other), "codebook", "export", "-o", s(&j)]);
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&j).unwrap()).unwrap();
        v["codes"].clone()
    };
    assert_eq!(json(&qdpx), json(&qdc));
    // A file that is no zip is named as such.
    let bad = dir.path().join("bad.qdpx");
    std::fs::write(&bad, "not a zip").unwrap();
    let err = failure(&["codebook", "validate", s(&bad)]);
    assert!(err.contains("bad.qdpx: not a .qdpx (zip) file"), "{err}");
}
