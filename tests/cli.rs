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
