//! Output that can fail, and files left behind: a full disk is exit 2 with a message, a closed
//! pipe ends quietly with 0, a failed or interrupted command leaves no temporary file, `-o`
//! keeps an existing file's permissions, `-o -` is standard output.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::{repo_path, rulegate, shared_path, small_project, success_stdout};

const RULE: &str = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";
const SCENARIO: &str = "scenarios/attack_forbidden_spray.toml";
const DOCUMENTS: &str = "tests/data/seed_rule/burst_fires.ndjson";

/// One invocation of every subcommand that succeeds and writes to standard output, run in the
/// project `small_project` writes (the commands that read every rule and scenario read its two
/// scenarios and one rule: what is under test is how output fails, not the bundled suite).
fn every_command(scratch: &Path) -> Vec<Vec<String>> {
    let raw = shared_path("reference/raw-k8s-audit/falco/create_secret.json");
    let documents = repo_path(DOCUMENTS);
    let documents = documents.display();
    let doc_dir = scratch.join("doc");
    let lines: Vec<String> = vec![
        format!("inspect {RULE}"),
        format!("query {RULE} --input {documents} --now 2026-05-15T10:00:00Z"),
        format!("ingest {}", raw.display()),
        format!("gen {SCENARIO}"),
        "personas".into(),
        format!("replay {RULE} --input {documents}"),
        format!("run {SCENARIO}"),
        format!("explain {SCENARIO}"),
        format!("edges {RULE}"),
        "check".into(),
        format!("diff {RULE} {RULE}"),
        "coverage".into(),
        format!("doc -o {}", doc_dir.display()),
        format!("mutate {RULE}"),
        "--help".into(),
    ];
    lines
        .iter()
        .map(|line| line.split(' ').map(String::from).collect())
        .collect()
}

/// A fresh, empty directory for one test.
pub fn scratch(name: &str) -> crate::support::Scratch {
    crate::support::scratch(&format!("outputs-{name}"))
}

/// The names in a directory, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_full_disk_on_stdout_is_exit_2_with_a_message_for_every_command() {
    let dir = scratch("full");
    let project = small_project(&dir);
    for args in every_command(&dir) {
        let output = rulegate()
            .current_dir(&project)
            .args(&args)
            .stdout(File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output: No space left on device"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_every_command_quietly_with_0() {
    let dir = scratch("pipe");
    let project = small_project(&dir);
    for args in every_command(&dir) {
        let mut child = rulegate()
            .current_dir(&project)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before the command writes, as `| head -0` would.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
    }
}

#[test]
fn edges_into_a_closed_pipe_does_not_panic() {
    // `edges | head`: its `println!` panicked (exit 101) once the reader had gone. The pipe
    // is closed before `edges` writes, so that the case is met on every run.
    let mut child = rulegate()
        .args(["edges", RULE])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

/// A scenario that generates for many seconds: long enough to be interrupted.
fn long_scenario(dir: &Path) -> PathBuf {
    let path = dir.join("long.toml");
    std::fs::write(
        &path,
        r#"name = "long"
description = "Enough documents to be interrupted while they are written."
kind = "benign"
rules = []
start = "2026-05-01T10:00:00Z"
seed = 1

[actors.a]
persona = "forbidden-spray"

[[steps]]
actor = "a"
name = "many"
at = "+1m"
spacing = "1ms"
verb = "get"
resource = "secrets"
count = 500000
"#,
    )
    .unwrap();
    path
}

/// Starts `gen -o` into `out/`, waits until its temporary file has data, sends `signal`, and
/// returns the status and what is left in `out/`.
fn interrupt_gen(name: &str, signal: &str) -> (std::process::ExitStatus, Vec<String>) {
    let dir = scratch(name);
    let scenario = long_scenario(&dir);
    let out = dir.join("out");
    std::fs::create_dir(&out).unwrap();
    let mut child = rulegate()
        .arg("gen")
        .arg(&scenario)
        .arg("-o")
        .arg(out.join("docs.ndjson"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        let written = std::fs::read_dir(&out)
            .unwrap()
            .any(|e| e.unwrap().metadata().unwrap().len() > 0);
        if written {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "gen ended early");
        assert!(started.elapsed().as_secs() < 60, "gen wrote nothing");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    (status, entries(&out))
}

#[test]
fn sigterm_removes_the_temporary_file_and_ends_by_the_signal() {
    use std::os::unix::process::ExitStatusExt;
    let (status, left) = interrupt_gen("sigterm", "-TERM");
    assert_eq!(status.signal(), Some(15), "{status:?}");
    assert_eq!(left, Vec::<String>::new());
}

#[test]
fn sigint_removes_the_temporary_file_and_ends_by_the_signal() {
    use std::os::unix::process::ExitStatusExt;
    let (status, left) = interrupt_gen("sigint", "-INT");
    assert_eq!(status.signal(), Some(2), "{status:?}");
    assert_eq!(left, Vec::<String>::new());
}

#[test]
fn output_onto_an_existing_directory_is_exit_2_and_leaves_nothing() {
    let dir = scratch("onto-dir");
    std::fs::create_dir(dir.join("target")).unwrap();
    for command in [&["gen", SCENARIO][..], &["ingest", DOCUMENTS]] {
        let output = rulegate()
            .args(command)
            .arg("-o")
            .arg(dir.join("target"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(stderr.contains("is a directory"), "{stderr}");
        assert_eq!(entries(&dir), vec!["target".to_string()]);
        assert_eq!(entries(&dir.join("target")), Vec::<String>::new());
    }
}

/// Sets the immutable attribute on a file and clears it when dropped (even when a test fails),
/// so the scratch directory can be removed.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Immutable {
        let set = Command::new("chattr").arg("+i").arg(path).status().unwrap();
        assert!(
            set.success(),
            "chattr +i needs root on a file system with attributes"
        );
        Immutable(path.to_path_buf())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn a_failed_rename_onto_an_immutable_target_leaves_no_temporary_file() {
    let dir = scratch("immutable");
    let target = dir.join("docs.ndjson");
    std::fs::write(&target, "old\n").unwrap();
    let _guard = Immutable::set(&target);
    let output = rulegate()
        .args(["gen", SCENARIO, "-o"])
        .arg(&target)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write output"), "{stderr}");
    assert_eq!(entries(&dir), vec!["docs.ndjson".to_string()]);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "old\n");
}

#[test]
fn check_update_with_an_unwritable_snapshot_is_exit_2_and_leaves_no_temporary_file() {
    let dir = scratch("check-update");
    let scenarios = dir.join("scenarios");
    let snapshots = dir.join("snapshots");
    std::fs::create_dir_all(&scenarios).unwrap();
    std::fs::create_dir_all(&snapshots).unwrap();
    std::fs::copy(SCENARIO, scenarios.join("spray.toml")).unwrap();
    let snapshot = snapshots.join("spray.snap");
    std::fs::write(&snapshot, "---\nsource: tests/runs.rs\n---\nstale: true\n").unwrap();
    let _guard = Immutable::set(&snapshot);
    let output = rulegate()
        .args(["check", "--update", "--rules", "rules", "--scenarios"])
        .arg(&scenarios)
        .arg("--snapshots")
        .arg(&snapshots)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("spray.snap"), "{stderr}");
    assert_eq!(entries(&snapshots), vec!["spray.snap".to_string()]);
}

#[test]
fn check_update_writes_no_snapshot_when_any_scenario_fails() {
    // The snapshots are written as one set after every scenario ran: a broken scenario sorted
    // after a good one must not leave the good one's new snapshot behind.
    let dir = scratch("check-update-set");
    let scenarios = dir.join("scenarios");
    let snapshots = dir.join("snapshots");
    std::fs::create_dir_all(&scenarios).unwrap();
    std::fs::copy(SCENARIO, scenarios.join("a_spray.toml")).unwrap();
    std::fs::write(
        scenarios.join("b_broken.toml"),
        "name = \"broken\"\nsteps = 3\n",
    )
    .unwrap();
    let output = rulegate()
        .args(["check", "--update", "--rules", "rules", "--scenarios"])
        .arg(&scenarios)
        .arg("--snapshots")
        .arg(&snapshots)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("b_broken.toml"), "{stderr}");
    assert!(
        !snapshots.exists() || entries(&snapshots).is_empty(),
        "{:?}",
        entries(&snapshots)
    );
}

#[test]
fn output_onto_an_existing_file_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("permissions");
    let target = dir.join("docs.ndjson");
    std::fs::write(&target, "old\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    success_stdout(rulegate().args(["gen", SCENARIO, "-o"]).arg(&target));
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert_ne!(std::fs::read_to_string(&target).unwrap(), "old\n");
}

#[test]
fn output_onto_a_fifo_or_a_link_writes_through_and_keeps_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = scratch("o-special");
    let expected = success_stdout(rulegate().args(["gen", SCENARIO]));
    // A FIFO (as `/dev/null` or a terminal: not a regular file) is written in place; renaming
    // over it would turn it into a regular file.
    let fifo = dir.join("pipe");
    let reader = crate::support::FifoReader::new(&fifo);
    success_stdout(rulegate().args(["gen", SCENARIO, "-o"]).arg(&fifo));
    assert_eq!(reader.read(), expected);
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    // A link keeps being a link; the file it names gets the output.
    let real = dir.join("real.ndjson");
    std::fs::write(&real, "old\n").unwrap();
    let link = dir.join("link.ndjson");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    success_stdout(rulegate().args(["gen", SCENARIO, "-o"]).arg(&link));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&real).unwrap(), expected);
    assert_eq!(entries(&dir), vec!["link.ndjson", "pipe", "real.ndjson"]);
}

#[test]
fn output_into_a_missing_directory_is_an_error_and_creates_nothing() {
    let dir = scratch("o-missing");
    let raw = shared_path("reference/raw-k8s-audit/falco/create_secret.json");
    let target = dir.join("missing/out.ndjson");
    for args in [
        vec!["gen".to_string(), SCENARIO.into()],
        vec!["ingest".to_string(), raw.display().to_string()],
    ] {
        let output = rulegate()
            .args(&args)
            .arg("-o")
            .arg(&target)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("does not exist"), "{stderr}");
        assert_eq!(entries(&dir), Vec::<String>::new(), "{args:?}");
    }
}

#[test]
fn junit_into_a_missing_directory_is_an_error_and_creates_nothing() {
    let dir = scratch("junit");
    let project_dir = scratch("junit-project");
    let project = small_project(&project_dir);
    let output = rulegate()
        .current_dir(project)
        .args(["check", "--junit"])
        .arg(dir.join("missing/report.xml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert_eq!(entries(&dir), Vec::<String>::new());
}

#[test]
fn output_dash_is_standard_output() {
    let expected = success_stdout(rulegate().args(["gen", SCENARIO]));
    let dashed = success_stdout(rulegate().args(["gen", SCENARIO, "-o", "-"]));
    assert_eq!(dashed, expected);
    let raw = shared_path("reference/raw-k8s-audit/falco/create_secret.json");
    let ingested = success_stdout(rulegate().arg("ingest").arg(&raw));
    let dashed = success_stdout(rulegate().arg("ingest").arg(&raw).args(["-o", "-"]));
    assert_eq!(dashed, ingested);
    assert!(!ingested.is_empty());
    assert!(!crate::support::repo_path("-").exists());
}

/// `doc` writes its pages as a set: every page into a temporary file first, then each renamed
/// over its page. A failure while staging (a page that is a directory) leaves every page as it
/// was; a rename that fails part-way (an immutable page) leaves each page whole, old or new,
/// lists the replaced ones, and leaves no temporary file.
#[test]
fn doc_never_leaves_a_partial_page_or_a_temporary_file() {
    // Three rules, so that a page fails after another was replaced: the small project and two
    // rules without scenarios (their pages say so).
    let project_dir = scratch("doc-pages-project");
    let project = small_project(&project_dir);
    for rule in [
        "rules/credential_access_get_secrets_access.toml",
        "rules/eql/execution_user_exec_to_pod.toml",
    ] {
        let name = Path::new(rule).file_name().unwrap();
        std::fs::copy(repo_path(rule), project.join("rules").join(name)).unwrap();
    }
    let doc = || {
        let mut command = rulegate();
        command.current_dir(&project).args(["doc", "-o"]);
        command
    };
    let fresh = scratch("doc-pages-fresh");
    success_stdout(doc().arg(&fresh));
    let pages = entries(&fresh);
    assert_eq!(pages.len(), 3, "{pages:?}");
    let old = |dir: &Path| {
        std::fs::create_dir_all(dir).unwrap();
        for page in &pages {
            std::fs::write(dir.join(page), "old page\n").unwrap();
        }
    };

    // The last page is a directory: refused while staging, before any page is replaced.
    let staging = scratch("doc-pages-staging");
    old(&staging);
    let last = pages.last().unwrap();
    std::fs::remove_file(staging.join(last)).unwrap();
    std::fs::create_dir(staging.join(last)).unwrap();
    let output = doc().arg(&staging).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(last.as_str()), "{stderr}");
    assert_eq!(entries(&staging), pages);
    for page in &pages[..pages.len() - 1] {
        assert_eq!(
            std::fs::read_to_string(staging.join(page)).unwrap(),
            "old page\n"
        );
    }

    // The second page is immutable: its rename fails after the first page's succeeded.
    let renaming = scratch("doc-pages-renaming");
    old(&renaming);
    let _guard = Immutable::set(&renaming.join(&pages[1]));
    let output = doc().arg(&renaming).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(pages[1].as_str()), "{stderr}");
    assert!(
        stderr.contains("1 page(s) were already replaced"),
        "{stderr}"
    );
    assert_eq!(entries(&renaming), pages, "no temporary file is left");
    let whole = |page: &String| std::fs::read_to_string(fresh.join(page)).unwrap();
    assert_eq!(
        std::fs::read_to_string(renaming.join(&pages[0])).unwrap(),
        whole(&pages[0])
    );
    for page in &pages[1..] {
        assert_eq!(
            std::fs::read_to_string(renaming.join(page)).unwrap(),
            "old page\n"
        );
    }
}

/// `edges --write` writes its scenarios as a set too: one target that cannot be written (a
/// directory in its place) and no scenario file is written at all.
#[test]
fn edges_write_is_all_or_nothing() {
    let listing = success_stdout(rulegate().args(["edges", RULE]));
    let names: Vec<String> = String::from_utf8(listing)
        .unwrap()
        .lines()
        .map(|line| line.split('\t').next().unwrap().to_string())
        .collect();
    assert!(names.len() >= 3, "{names:?}");
    let dir = scratch("edges-set");
    let last = names.last().unwrap();
    std::fs::create_dir(dir.join(last)).unwrap();
    let output = rulegate()
        .args(["edges", RULE, "--write"])
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(last.as_str()), "{stderr}");
    assert_eq!(
        entries(&dir),
        vec![last.clone()],
        "nothing written, no temporary file"
    );
    // Without the obstacle every scenario is written.
    std::fs::remove_dir(dir.join(last)).unwrap();
    success_stdout(rulegate().args(["edges", RULE, "--write"]).arg(&dir));
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(entries(&dir), sorted);
}

/// Tests make their temporary directories through `support::scratch` (removed when the test
/// ends), never by joining names onto the system's temporary folder, which left thousands of
/// directories behind.
#[test]
fn tests_take_temporary_folders_only_from_scratch() {
    let mut offenders = Vec::new();
    for dir in ["tests", "tests/esql_spec", "src"] {
        let mut stack = vec![repo_path(dir)];
        while let Some(path) = stack.pop() {
            if path.is_dir() && (dir == "src" || path == repo_path(dir)) {
                for entry in std::fs::read_dir(&path).unwrap() {
                    stack.push(entry.unwrap().path());
                }
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("tests/scratch.rs")
                && std::fs::read_to_string(&path)
                    .unwrap()
                    .contains(concat!("temp_", "dir()"))
            {
                offenders.push(path.display().to_string());
            }
        }
    }
    assert_eq!(offenders, Vec::<String>::new());
}
