//! `rulegate doc`: the committed false-positive page of the seed rule is what the scenarios
//! generate today, it says what the runner found, and a bad `-o` writes nothing.

use std::path::PathBuf;

use crate::support::{repo_path, rulegate, small_project};

const SEED_PAGE: &str = "credential_access_kubernetes_multiple_secret_retrieval_burst.md";

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> crate::support::Scratch {
    crate::support::scratch(&format!("doc-{name}"))
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Generates the pages from the repository root with the default rules and scenarios (the
/// command the page prints) into a scratch directory.
/// Generated once per test run and shared by the tests that read the pages (each generation
/// runs every bundled rule over its scenarios).
fn generated() -> &'static (PathBuf, String) {
    static PAGES: std::sync::OnceLock<(PathBuf, String)> = std::sync::OnceLock::new();
    PAGES.get_or_init(|| generate("pages"))
}

/// The pages are shared by several tests, so they outlive any one: they go under Cargo's
/// scratch folder for integration tests (in `target/`), replaced on each run, not under `/tmp`.
fn generate(name: &str) -> (PathBuf, String) {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("doc-{name}"));
    let _ = std::fs::remove_dir_all(&out);
    let output = rulegate().args(["doc", "-o"]).arg(&out).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // One page per bundled rule, the KQL rules' included; the committed pages are these files
    // (besides the `parity_*` pages, which `rulegate parity` writes: `tests/gcp_audit.rs`).
    let committed: Vec<String> = files_in(&repo_path("docs/rules"))
        .into_iter()
        .filter(|name| !name.starts_with("parity_"))
        .collect();
    assert_eq!(files_in(&out), committed);
    assert!(files_in(&out).contains(&SEED_PAGE.to_string()));
    let page = std::fs::read_to_string(out.join(SEED_PAGE)).unwrap();
    (out, page)
}

#[test]
fn the_committed_page_is_current() {
    let (out, page) = generated();
    for name in files_in(out) {
        let fresh = std::fs::read_to_string(out.join(&name)).unwrap();
        let committed = std::fs::read_to_string(repo_path("docs/rules").join(&name)).unwrap();
        // A compound KQL exclusion (`not (a:x or b:y)`) is named by the field that decided it.
        assert!(
            !fresh.contains("on ``"),
            "docs/rules/{name} names a conjunct by an empty field"
        );
        assert!(
            fresh == committed,
            "docs/rules/{name} is out of date with the rule and its scenarios: run \
             `rulegate doc` (`cargo run -- doc`) to refresh it (freshly generated copy: {})",
            out.join(&name).display()
        );
    }
    // Neither the machine's paths nor the output directory leak into the page.
    let root = env!("CARGO_MANIFEST_DIR");
    assert!(!page.contains(root), "the page names an absolute path");
    assert!(!page.contains(&out.display().to_string()));
}

#[test]
fn the_page_says_what_the_runner_found() {
    let (_, page) = generated();
    let line = |start: &str| -> String {
        page.lines()
            .find(|line| line.starts_with(start))
            .unwrap_or_else(|| panic!("no line starting with {start:?}"))
            .to_string()
    };
    // An excluded controller: the exclusion by name, with the documents it dropped.
    let kcm = line("- `kcm`: ");
    assert!(
        kcm.contains("**no alert**: handled by the exclusion `not user.name in"),
        "{kcm}"
    );
    assert!(kcm.contains("documents, through false"), "{kcm}");
    // A known false positive alerts.
    let deployer = line("- `deployer`: ");
    assert!(
        deployer.contains("**alerts** (1 alert; up to `Esql.unique_credentials` = 4 per group and execution, the rule needs 3)"),
        "{deployer}"
    );
    // The XFF evasion: a multivalued source.ip drops events through null.
    let spoofer = line("- `spoofer`: ");
    assert!(
        spoofer.contains("**missed**: dropped by the exclusion `not to_string(source.ip)"),
        "{spoofer}"
    );
    assert!(
        spoofer.contains("through null: `source.ip` is multivalued"),
        "{spoofer}"
    );
    // The slow harvester stays below the threshold, with the best margin seen.
    let harvester = line("- `harvester`: ");
    assert!(
        harvester.contains(
            "at best `Esql.unique_credentials` = 2 per group and execution, the rule needs 3"
        ),
        "{harvester}"
    );
    // Sections in kind order, attack and edge scenarios left out.
    let benign = page.find("\n## Benign traffic").unwrap();
    let false_positives = page.find("\n## Known false positives").unwrap();
    let evasions = page.find("\n## Blind spots").unwrap();
    assert!(benign < false_positives && false_positives < evasions);
    assert!(!page.contains("attack_python_client.toml"));
    assert!(!page.contains("edge_repeated_bursts.toml"));
}

#[test]
fn an_unwritable_output_directory_is_bad_input_and_writes_nothing() {
    // A directory below a regular file can never be created.
    let dir = scratch("unwritable");
    let project_dir = scratch("unwritable-project");
    let project = small_project(&project_dir);
    let file = dir.join("file");
    std::fs::write(&file, "not a directory").unwrap();
    let output = rulegate()
        .current_dir(project)
        .args(["doc", "-o"])
        .arg(file.join("pages"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot create directory"), "{stderr}");
    assert_eq!(files_in(&dir), vec!["file".to_string()]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a directory");
}

#[test]
fn bad_input_writes_no_page() {
    let dir = scratch("bad-input");
    let out = dir.join("pages");
    let output = rulegate()
        .args(["doc", "--scenarios", "no-such-directory", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read directory"));
    assert!(!out.exists(), "no output directory on bad input");
}
