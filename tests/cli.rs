//! The binary as a Unix tool: output into a pipe whose reader has gone.

use std::process::Command;

#[test]
fn a_closed_pipe_ends_the_command_without_a_panic() {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    // The reader is gone before the command writes a byte.
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_autocode"))
        .args(["codebook", "validate", "data/demo/codebook.yaml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(writer)
        .output()
        .expect("run autocode");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
    // Killed by SIGPIPE, as `head`'s writers are.
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        out.status.signal(),
        Some(libc_sigpipe()),
        "{:?}",
        out.status
    );
}

/// SIGPIPE is 13 on Linux and the BSDs.
fn libc_sigpipe() -> i32 {
    13
}

/// Options that only change something with another one, or name a folder
/// that is not there, are refused rather than ignored.
#[test]
fn options_that_would_be_ignored_are_refused() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_autocode"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run autocode")
    };
    for flag in [
        ["--seeds", "3"],
        ["--per-code-steps", "5"],
        ["--batch", "10"],
        ["--queue-order", "balanced"],
    ] {
        let mut args = vec!["eval", "code", "--gold", "data/demo/gold.jsonl"];
        args.extend(flag);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{flag:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--simulate-review"), "{flag:?}: {stderr}");
    }
    let dir = tempfile::tempdir().unwrap();
    let gold = dir.path().join("gold.jsonl");
    std::fs::write(
        &gold,
        "{\"doc\": \"a.txt\", \"text\": \"The cameras watch us.\", \"labels\": [\"privacy\"]}\n\
         {\"doc\": \"b.txt\", \"text\": \"The park is nice.\", \"labels\": []}\n",
    )
    .unwrap();
    let missing = dir.path().join("nowhere");
    let out = run(&[
        "eval",
        "code",
        "--gold",
        gold.to_str().unwrap(),
        "--codebook",
        "data/demo/codebook.yaml",
        "--folds",
        "2",
        "--transcripts",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "--transcripts {}: no such folder",
            missing.display()
        )),
        "{stderr}"
    );
}

/// A mistyped `--project` is refused by every writing command before it
/// leaves a lock file (and its folder) behind.
#[test]
fn a_missing_project_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("studyy").join("autocode.db");
    for args in [
        &["ingest", "data/demo"][..],
        &["embed"],
        &["code"],
        &["themes"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_autocode"))
            .arg("--project")
            .arg(&missing)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no autocode project at"), "{args:?}: {err}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{args:?} left files"
        );
    }
}

/// A job array's variables out of range are named as the variables they
/// are, not as a `--shard` flag the user never gave.
#[test]
fn a_bad_slurm_array_index_is_named_as_slurms() {
    let out = Command::new(env!("CARGO_BIN_EXE_autocode"))
        .args(["run", "--config", "data/demo/autocode.toml"])
        .env("SLURM_ARRAY_TASK_ID", "5")
        .env("SLURM_ARRAY_TASK_COUNT", "2")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_COUNT=2: the shard comes from Slurm's job array")
            && !err.contains("--shard"),
        "{err}"
    );
}

/// The project store the user names is the one used (h5/01, h5/05): a
/// `--project autocode.db` (or `AUTOCODE_PROJECT=autocode.db`), though it
/// spells the default, overrides the config's `[project] store`, as any
/// other name does; and a set but empty `AUTOCODE_PROJECT` is named in the
/// error, not taken for a `--project` the user never typed, while a typed
/// `--project` still overrides it.
#[test]
fn the_project_named_is_the_one_used_and_an_empty_variable_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("study");
    std::fs::create_dir_all(study.join("transcripts")).unwrap();
    std::fs::write(
        study.join("transcripts/group-1.txt"),
        "Moderator: What makes a street feel safe?\n\
         Anna: Good lighting, and people I can talk to.\n\
         Bram: Cameras help a little. Neighbours help more.\n",
    )
    .unwrap();
    std::fs::write(
        study.join("autocode.toml"),
        format!(
            "[project]\nstore = \"nightly/autocode.db\"\n\
             [inputs]\npaths = [\"transcripts\"]\n\
             [model]\npath = \"{}\"\n\
             [themes]\nenabled = false\n[report]\nenabled = false\n",
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("models/all-MiniLM-L6-v2")
                .display()
        ),
    )
    .unwrap();
    let autocode = |cwd: &std::path::Path, args: &[&str], project_env: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_autocode"));
        cmd.args(args)
            .current_dir(cwd)
            .env_remove("AUTOCODE_PROJECT");
        if let Some(value) = project_env {
            cmd.env("AUTOCODE_PROJECT", value);
        }
        cmd.output().expect("run autocode")
    };
    let documents = |cwd: &std::path::Path, store: &str| -> u64 {
        let out = autocode(cwd, &["--project", store, "stats", "--json"], None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        stats["documents"].as_u64().unwrap()
    };
    let config = "../study/autocode.toml";
    for (name, args, project_env) in [
        (
            "flag",
            &["-q", "--project", "autocode.db", "run", "--config", config][..],
            None,
        ),
        (
            "variable",
            &["-q", "run", "--config", config][..],
            Some("autocode.db"),
        ),
    ] {
        let mine = dir.path().join(name);
        std::fs::create_dir(&mine).unwrap();
        assert!(autocode(&mine, &["-q", "init", "."], None).status.success());
        let out = autocode(&mine, args, project_env);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(documents(&mine, "autocode.db"), 1, "{name}");
        assert!(
            !study.join("nightly").exists(),
            "{name}: the run wrote the config's store"
        );
    }

    let mine = dir.path().join("flag");
    let out = autocode(&mine, &["stats"], Some(""));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: AUTOCODE_PROJECT is set but empty: "),
        "{err}"
    );
    let out = autocode(&mine, &["stats", "--project", "autocode.db"], Some(""));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = autocode(&mine, &["--project=", "stats"], Some(""));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("AUTOCODE_PROJECT"), "{err}");
}
