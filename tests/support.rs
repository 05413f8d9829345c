//! Helpers shared by the integration tests: snapshot placement, repository paths, the binary.

#![allow(dead_code, unused_macros)]

use std::path::PathBuf;
use std::process::Command;

/// Asserts a snapshot under `snapshots/<area>/<name>.snap`, wherever the assertion is written.
macro_rules! snapshot {
    ($area:expr, $name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots").join($area),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}
pub(crate) use snapshot;

/// A path inside the repository.
pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A path inside the shared reference material next to the repository (`../shared`).
pub fn shared_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(relative)
}

/// The built `rulegate` binary with a clean, colourless environment.
pub fn rulegate() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rulegate"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LOG");
    command
}

/// Runs a command that must succeed (exit 0) and returns its standard output; on failure the
/// assertion shows its standard error.
pub fn success_stdout(command: &mut Command) -> Vec<u8> {
    let output = command.output().expect("the binary runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Runs a command with a time limit: its output, or a panic naming the command when it runs
/// past `limit` (it is then killed, so a hang fails the test instead of stalling it). The wait
/// happens on a thread of its own; the test waits on a channel with a timeout.
pub fn output_within(command: &mut Command, limit: std::time::Duration) -> std::process::Output {
    use std::process::Stdio;
    let shown = format!("{command:?}");
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let pid = child.id();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    match receiver.recv_timeout(limit) {
        Ok(output) => output.expect("the binary's output"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("{shown} ran past {limit:?}");
        }
    }
}
