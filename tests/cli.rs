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
