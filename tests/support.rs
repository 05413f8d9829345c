//! Helpers shared by the integration tests: snapshot placement, repository paths, the binary.

#![allow(dead_code, unused_macros)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "scratch.rs"]
mod scratch_dirs;
pub use scratch_dirs::{scratch, scratch_file, FifoReader, Scratch, ScratchFile};

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

/// A project of the seed rule, an attack and a benign scenario (the personas beside them) and
/// their snapshots, under `scratch/project`: `check`, `coverage` and `doc` find it from the
/// working directory as they find the repository's.
pub fn small_project(scratch: &Path) -> PathBuf {
    let project = scratch.join("project");
    for dir in ["rules", "scenarios"] {
        std::fs::create_dir_all(project.join(dir)).unwrap();
    }
    let files = [
        "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml",
        "scenarios/attack_forbidden_spray.toml",
        "scenarios/benign_flux_helm_controller.toml",
        "scenarios/personas.toml",
    ];
    for file in files {
        std::fs::copy(repo_path(file), project.join(file)).unwrap();
    }
    let update = rulegate()
        .current_dir(&project)
        .args(["check", "--update"])
        .output()
        .unwrap();
    assert_eq!(update.status.code(), Some(0), "{update:?}");
    project
}

/// Runs the ES|QL `query` over NDJSON `docs` through the public engine API (parse, load the
/// fields it reads, compile, run over every document, `NOW()` at the epoch).
pub fn esql_table(query: &str, docs: &str) -> rulegate::eval::Table {
    use rulegate::document::{Documents, LoadOptions};
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let selection = rulegate::eval::fields_for(&parsed, &[]);
    let store = Documents::from_ndjson(docs.as_bytes(), &selection, LoadOptions::default())
        .expect("docs load");
    let plan =
        rulegate::eval::Plan::compile(&parsed, query, &store.columns).expect("query compiles");
    plan.run(&store, rulegate::eval::Window::All, 0)
}

/// The diagnostic the ES|QL `query` fails to parse or compile with: `code: message`.
pub fn esql_refusal(query: &str) -> String {
    let parsed = match rulegate::esql::parse(query) {
        Ok(p) => p,
        Err(d) => return format!("{}: {}", d.code, d.message),
    };
    let d = rulegate::eval::Plan::compile(&parsed, query, &[]).expect_err("compile fails");
    format!("{}: {}", d.code, d.message)
}

/// Four documents with a keyword `x` (single, single, missing, multivalued) and a long `n`.
pub const X_N_DOCS: &str = r#"{"x":"a","n":1}
{"x":"b","n":2}
{"n":3}
{"x":["a","c"],"n":4}
"#;

/// Runs `query` over NDJSON documents loaded with `mapping` (index `logs-test-default`): a
/// parse, load or compile error comes back as its message.
pub fn esql_on_docs(
    query: &str,
    ndjson: &str,
    mapping: rulegate::document::Mapping,
) -> Result<rulegate::eval::Table, String> {
    let parsed = rulegate::esql::parse(query).map_err(|d| d.message)?;
    let selection = rulegate::eval::fields_for(&parsed, &[]);
    let options = rulegate::document::LoadOptions {
        default_index: Some("logs-test-default".into()),
        mapping,
        ..Default::default()
    };
    let store = rulegate::document::Documents::from_ndjson(ndjson.as_bytes(), &selection, options)
        .map_err(|e| e.to_string())?;
    let plan =
        rulegate::eval::Plan::compile(&parsed, query, &store.columns).map_err(|d| d.message)?;
    Ok(plan.run(&store, rulegate::eval::Window::All, 0))
}

/// Every cell of a table as `col=value`, row by row, then each warning as `warning: …`.
pub fn table_cells(t: &rulegate::eval::Table) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for row in &t.rows {
        for (c, col) in row.iter().zip(&t.columns) {
            out.push(format!("{}={}", col.name, c.to_display()));
        }
    }
    out.extend(t.warnings.iter().map(|w| format!("warning: {w}")));
    out
}

/// The cells (`col=value`) and warnings of a query over no documents (a `ROW` query) that must
/// compile.
pub fn row_cells(query: &str) -> Vec<String> {
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let plan = rulegate::eval::Plan::compile(&parsed, query, &[]).expect("query compiles");
    let t = plan.run(
        &rulegate::document::Documents::default(),
        rulegate::eval::Window::All,
        0,
    );
    table_cells(&t)
}

/// A table's rows as `a | b` lines.
pub fn table_rows(t: &rulegate::eval::Table) -> Vec<String> {
    t.rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| c.to_display())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

/// Runs `command` with `stdin` as its standard input.
pub fn with_stdin(command: &mut Command, stdin: &[u8]) -> std::process::Output {
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // The command may stop reading early (an error): a closed pipe here is its business.
    let _ = std::io::Write::write_all(&mut input, stdin);
    drop(input);
    child.wait_with_output().unwrap()
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

/// `rulegate [--max-groups CAP] query --esql QUERY --format csv --input FILE`, with a two-minute
/// limit: a query that should stop at a cap fails the test if it hangs or blows up instead.
pub fn query_csv(cap: Option<&str>, query: &str, input: &Path) -> std::process::Output {
    let mut command = rulegate();
    if let Some(cap) = cap {
        command.args(["--max-groups", cap]);
    }
    command.args(["query", "--esql", query, "--format", "csv", "--input"]);
    command.arg(input);
    output_within(&mut command, std::time::Duration::from_secs(120))
}
