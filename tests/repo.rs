//! rulegate inside a rules repository: the examples of docs/configuration.md and docs/ci.md run
//! as written; a copy of detection-rules' Kubernetes rules with scenarios for a few of them runs
//! check, report, mutate, coverage, doc and explain from its root; and the three pull requests
//! of docs/ci.md (plus a rename and a delete) behave as documented in a temporary git repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{repo_path, rulegate, shared_path};

const SEED: &str = "credential_access_kubernetes_multiple_secret_retrieval_burst.toml";
const SEED_ID: &str = "b4c8e2a1-9f3d-4e7c-a2b1-0d5e6f7a8b9c";
const RECON: &str =
    "rules/integrations/kubernetes/discovery_kubernetes_multi_resource_setup_recon.toml";

fn scratch(name: &str) -> crate::support::Scratch {
    crate::support::scratch(&format!("repo-{name}"))
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Runs rulegate in `dir`: exit code, stdout, stderr.
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = rulegate().current_dir(dir).args(args).output().unwrap();
    decode(output)
}

fn decode(output: Output) -> (i32, String, String) {
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Runs rulegate in `dir` and asserts the exit code; returns stdout.
fn expect(dir: &Path, args: &[&str], code: i32) -> String {
    let (actual, stdout, stderr) = run_in(dir, args);
    assert_eq!(actual, code, "rulegate {args:?}\n{stdout}{stderr}");
    stdout
}

fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=rulegate",
            "-c",
            "user.email=rulegate@example.com",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The seed scenario `name` of this repository, bound to the seed rule by `rule_id`.
fn seed_scenario(name: &str) -> String {
    let text = std::fs::read_to_string(repo_path(&format!("scenarios/{name}.toml"))).unwrap();
    let bound = text.replace(
        &format!("rules = [\"../rules/{SEED}\"]"),
        &format!("rules = [\"{SEED_ID}\"]"),
    );
    assert_ne!(bound, text, "{name} names the seed rule");
    bound
}

/// Marked blocks of a Markdown file: (marker, code block text).
fn marked_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        let Some(marker) = line
            .strip_prefix("<!-- ")
            .and_then(|l| l.strip_suffix(" -->"))
        else {
            continue;
        };
        if marker.ends_with(":end") {
            continue;
        }
        let fence = lines.next().unwrap_or_default();
        assert!(
            fence.starts_with("```"),
            "marker `{marker}` is not followed by a code block"
        );
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        blocks.push((marker.to_string(), body.join("\n") + "\n"));
    }
    blocks
}

#[test]
fn the_configuration_examples_run_as_documented() {
    let dir = scratch("config-doc");
    std::fs::create_dir_all(dir.join("rules/integrations/kubernetes")).unwrap();
    std::fs::copy(
        repo_path(&format!("rules/{SEED}")),
        dir.join("rules/integrations/kubernetes").join(SEED),
    )
    .unwrap();
    let doc = std::fs::read_to_string(repo_path("docs/configuration.md")).unwrap();
    let mut ran = 0;
    for (marker, body) in marked_blocks(&doc) {
        if let Some(name) = marker.strip_prefix("file: ") {
            write(&dir.join(name), &body);
        } else if let Some(name) = marker.strip_prefix("excerpt: ") {
            // The excerpt is the start of the seed scenario bound by rule_id.
            let full = seed_scenario("attack_python_client");
            let shown: String = body
                .lines()
                .filter(|l| !l.starts_with("# …"))
                .map(|l| format!("{l}\n"))
                .collect();
            assert!(full.starts_with(&shown), "{shown}");
            write(&dir.join(name), &full);
        } else if marker == "run" {
            let (command, expected) = body.split_once('\n').unwrap();
            let args: Vec<&str> = command
                .strip_prefix("$ rulegate ")
                .unwrap()
                .split_whitespace()
                .collect();
            let (_, stdout, stderr) = run_in(&dir, &args);
            assert_eq!(
                format!("{stdout}{stderr}"),
                expected,
                "`{command}` in docs/configuration.md"
            );
            ran += 1;
        }
    }
    assert_eq!(ran, 3, "every console example ran");
}

#[test]
fn without_a_config_file_the_defaults_apply_and_say_so() {
    let dir = scratch("no-config");
    let stdout = expect(&dir, &["config"], 0);
    assert!(
        stdout.starts_with("config file: none (rulegate.toml not found"),
        "{stdout}"
    );
    assert!(
        stdout.contains("rules/**/*.toml, rules_building_block/**/*.toml")
            && stdout.contains("(default)"),
        "{stdout}"
    );
    // A configuration found in a parent folder applies to its subfolders.
    write(&dir.join("rulegate.toml"), "snapshots = \"snaps\"\n");
    std::fs::create_dir_all(dir.join("rules/x")).unwrap();
    let stdout = expect(&dir.join("rules/x"), &["config"], 0);
    assert!(
        stdout.contains("snaps") && stdout.contains("rulegate.toml:1)"),
        "{stdout}"
    );
    // --config names a file that does not exist: bad input.
    let (code, _, stderr) = run_in(&dir, &["config", "--config", "nope.toml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("error[E027]"), "{stderr}");
    // --config - : standard input has no folder for the file's relative paths.
    let (code, _, stderr) = run_in(&dir, &["config", "--config", "-"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("error[E027]") && stderr.contains("not standard input"),
        "{stderr}"
    );
}

/// A copy of the reference detection-rules tree (rules as they are) with rulegate.toml and the
/// scenarios of tests/data/repo-fit/k8s, committed in a fresh git repository.
fn reference_repository(name: &str) -> crate::support::Scratch {
    let dir = scratch(name);
    let reference = shared_path("reference/detection-rules-k8s");
    for tree in ["rules", "rules_building_block"] {
        std::fs::create_dir_all(dir.join(tree)).unwrap();
        copy_tree(&reference.join(tree), &dir.join(tree));
    }
    copy_tree(&repo_path("tests/data/repo-fit/k8s"), &dir);
    git(&dir, &["init", "-q"]);
    dir
}

#[test]
fn a_detection_rules_tree_runs_every_command_from_its_root() {
    let dir = reference_repository("k8s");
    expect(&dir, &["check", "--update"], 0);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "rulegate"]);
    let stdout = expect(&dir, &["check"], 0);
    assert!(stdout.contains("check passed: 7 scenarios"), "{stdout}");

    // Every rule is under the gate, found recursively; _deprecated is left out.
    let json: serde_json::Value =
        serde_json::from_str(&expect(&dir, &["check", "--format", "json"], 0)).unwrap();
    let rules = json["rules"].as_array().unwrap();
    let on_disk =
        walk_toml(&dir.join("rules")).len() + walk_toml(&dir.join("rules_building_block")).len();
    let deprecated = walk_toml(&dir.join("rules/_deprecated")).len();
    assert_eq!(rules.len(), on_disk - deprecated);
    // A rule whose language has no engine yet is reported as such, with the reason; nothing
    // else is.
    let mut not_runnable = 0;
    for finding in rules {
        let path = dir.join(finding["rule"].as_str().unwrap());
        let loaded = rulegate::rule::load(&path).unwrap();
        let language = loaded
            .rule
            .data
            .language
            .clone()
            .unwrap_or(loaded.rule.data.rule_type.clone());
        match rulegate::runner::engine_gap(&language) {
            // An exemption (with its reason) takes precedence.
            Some(_) if finding["status"] == "exempt" => {}
            Some(reason) => {
                not_runnable += 1;
                assert_eq!(finding["status"], "not_runnable", "{finding}");
                assert_eq!(finding["reason"], reason.as_str());
            }
            // A language with an engine can still have a rule type without one: then the
            // reason says so.
            None if finding["status"] == "not_runnable" => {
                not_runnable += 1;
                assert!(!finding["reason"].as_str().unwrap().is_empty(), "{finding}");
            }
            None => {}
        }
    }
    if not_runnable > 0 {
        assert!(stdout.contains("      not runnable  "), "{stdout}");
    }
    // The rules with scenarios pass their overrides; bound by rule_id from nested folders, with
    // the site persona of scenarios/personas.toml inherited two folders down.
    for id in [SEED_ID, "c2a91e88-4f4b-4e1d-9c7b-8fde112a9403"] {
        let finding = rules.iter().find(|r| r["rule_id"] == id).unwrap();
        assert_eq!(finding["status"], "passed", "{finding}");
        assert!(
            finding["facts"]["attack_alerting"].as_u64().unwrap() >= 1,
            "{finding}"
        );
    }
    let cases = json["cases"].as_array().unwrap();
    let vault = cases
        .iter()
        .find(|c| c["name"] == "kubernetes__secret_burst__fp_site_persona_vault_injector")
        .unwrap();
    assert_eq!(vault["status"], "passed", "{vault}");

    // explain agrees with run when a BY key is built by EVAL (Esql.time_interval = date_trunc).
    let explained = expect(
        &dir,
        &[
            "explain",
            "scenarios/kubernetes/recon/attack_setup_recon.toml",
            "--rule",
            RECON,
        ],
        0,
    );
    assert_eq!(explained.lines().count(), 4, "{explained}");
    assert!(
        explained
            .lines()
            .all(|l| l.contains("Esql.time_interval=\"2026-05-01T10:02:00.000Z\" which alerted")),
        "{explained}"
    );

    // mutate, coverage and doc over the whole kubernetes folder: ES|QL rules run, the others are
    // listed as not runnable.
    let mutated = expect(&dir, &["mutate", RECON], 0);
    assert!(mutated.starts_with("mutation score "), "{mutated}");
    let coverage = expect(
        &dir,
        &[
            "coverage",
            "--rules",
            "rules/integrations/kubernetes",
            "--format",
            "markdown",
        ],
        0,
    );
    assert!(coverage.contains("### Clause coverage of `rules/integrations/kubernetes/discovery_kubernetes_multi_resource_setup_recon.toml`"), "{coverage}");
    if not_runnable > 0 {
        assert!(
            coverage.contains("- not runnable: rules/integrations/kubernetes/"),
            "{coverage}"
        );
    }
    let doc = expect(
        &dir,
        &[
            "doc",
            "--rules",
            "rules/integrations/kubernetes",
            "-o",
            "pages",
        ],
        0,
    );
    assert!(
        doc.contains("wrote pages/discovery_kubernetes_multi_resource_setup_recon.md"),
        "{doc}"
    );
    let page = std::fs::read_to_string(
        dir.join("pages/discovery_kubernetes_multi_resource_setup_recon.md"),
    )
    .unwrap();
    assert!(
        page.contains("run `rulegate doc --rules rules/integrations/kubernetes` to refresh"),
        "{page}"
    );

    // A pull request tuning the burst rule: the report names it and its alerts.
    let rule = dir.join("rules/integrations/kubernetes").join(SEED);
    let text = std::fs::read_to_string(&rule).unwrap();
    std::fs::write(
        &rule,
        text.replace(
            "\"system:kube-scheduler\")",
            "\"system:kube-scheduler\", \"system:kube-proxy\")",
        ),
    )
    .unwrap();
    let report = expect(&dir, &["report", "--git-base", "HEAD"], 0);
    assert!(report.starts_with("## rulegate report\n"), "{report}");
    assert!(
        report.contains("### Kubernetes Rapid Secret GET Activity Against Multiple Objects"),
        "{report}"
    );
    assert!(
        report.contains("values added `system:kube-proxy`"),
        "{report}"
    );
    assert!(report.contains("- mutation score: "), "{report}");
}

fn walk_toml(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(walk_toml(&path));
            } else if path.extension().is_some_and(|e| e == "toml") {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn the_readme_init_example_runs_as_shown() {
    let dir = scratch("readme-init");
    std::fs::create_dir_all(dir.join("rules/integrations/kubernetes")).unwrap();
    std::fs::copy(
        repo_path(&format!("rules/{SEED}")),
        dir.join("rules/integrations/kubernetes").join(SEED),
    )
    .unwrap();
    let readme = std::fs::read_to_string(repo_path("README.md")).unwrap();
    let (_, body) = marked_blocks(&readme)
        .into_iter()
        .find(|(m, _)| m == "run-in-seed-repository")
        .unwrap();
    let (command, expected) = body.split_once('\n').unwrap();
    let args: Vec<&str> = command
        .strip_prefix("$ rulegate ")
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(expect(&dir, &args, 0), expected);
    // The starter scenarios pass the starter gate.
    let stdout = expect(&dir, &["check", "--update"], 0);
    assert!(
        stdout.contains("rules: 1 selected, 1 passed the gate"),
        "{stdout}"
    );
}

/// The commands of docs/ci.md, as (arguments, file their stdout is redirected to).
fn ci_commands() -> Vec<(Vec<String>, Option<String>)> {
    let doc = std::fs::read_to_string(repo_path("docs/ci.md")).unwrap();
    let (_, body) = marked_blocks(&doc)
        .into_iter()
        .find(|(m, _)| m == "ci-commands:start")
        .unwrap();
    // The workflows run the same commands, with the CI system's base branch.
    for (system, base) in [
        ("github", "origin/$GITHUB_BASE_REF"),
        ("gitlab", "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
    ] {
        let workflow = match system {
            "github" => rulegate::project::init::GITHUB_WORKFLOW,
            _ => rulegate::project::init::GITLAB_CI,
        };
        assert!(
            doc.contains(workflow.trim_end()),
            "docs/ci.md shows the {system} file init writes"
        );
        for line in body.lines() {
            let quoted = line.replace("origin/main", &format!("\"{base}\""));
            assert!(workflow.contains(&quoted), "{system} runs `{quoted}`");
        }
    }
    body.lines()
        .map(|line| {
            let (command, redirect) = match line.split_once(" > ") {
                Some((command, file)) => (command, Some(file.trim().to_string())),
                None => (line, None),
            };
            let args = command
                .strip_prefix("rulegate ")
                .unwrap()
                .split_whitespace()
                .map(str::to_string)
                .collect();
            (args, redirect)
        })
        .collect()
}

/// Runs the documented commands in `dir`: the report's text and the check's exit code and stdout.
fn run_ci(dir: &Path) -> (String, i32, String) {
    let mut report = String::new();
    let mut check = (0, String::new());
    for (args, redirect) in ci_commands() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = run_in(dir, &args);
        match redirect {
            Some(file) => {
                assert_eq!(code, 0, "{args:?}: {stderr}");
                std::fs::write(dir.join(file), &stdout).unwrap();
                report = stdout;
            }
            None => {
                assert_ne!(code, 2, "{args:?}: {stderr}");
                check = (code, stdout);
            }
        }
    }
    (report, check.0, check.1)
}

/// A repository laid out like detection-rules: the seed rule under rules/integrations/, the
/// starter files of `rulegate init`, three seed scenarios bound by rule_id, snapshots; `main`
/// pushed to an `origin` that is the repository itself.
fn pull_request_repository() -> crate::support::Scratch {
    let dir = scratch("pull-requests");
    let rules = dir.join("rules/integrations/kubernetes");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::copy(repo_path(&format!("rules/{SEED}")), rules.join(SEED)).unwrap();
    git(&dir, &["init", "-q"]);
    let rule = format!("rules/integrations/kubernetes/{SEED}");
    let first = expect(&dir, &["init", &rule], 0);
    assert_eq!(
        first.lines().filter(|l| l.starts_with("wrote ")).count(),
        4,
        "{first}"
    );
    let again = expect(&dir, &["init", &rule], 0);
    assert_eq!(
        again.lines().filter(|l| l.starts_with("kept ")).count(),
        4,
        "init never overwrites: {again}"
    );
    for name in [
        "attack_python_client",
        "benign_kube_scheduler",
        "benign_flux_helm_controller",
    ] {
        write(
            &dir.join(format!("scenarios/kubernetes/secret_burst/{name}.toml")),
            &seed_scenario(name),
        );
    }
    expect(&dir, &["check", "--update"], 0);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "rules and scenarios"]);
    git(&dir, &["remote", "add", "origin", dir.to_str().unwrap()]);
    git(&dir, &["fetch", "-q", "origin"]);
    dir
}

fn edit_seed(dir: &Path, from: &str, to: &str) {
    let path = dir.join("rules/integrations/kubernetes").join(SEED);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replace(from, to);
    assert_ne!(edited, text);
    std::fs::write(path, edited).unwrap();
}

#[test]
fn three_pull_requests_behave_as_docs_ci_md_says() {
    let dir = pull_request_repository();

    // 1. Tuning: an exclusion gains a value. The gate passes; the report shows the change.
    git(&dir, &["checkout", "-qb", "tune"]);
    edit_seed(
        &dir,
        "\"system:kube-scheduler\")",
        "\"system:kube-scheduler\", \"system:kube-proxy\")",
    );
    git(&dir, &["commit", "-qam", "tune"]);
    let (report, code, stdout) = run_ci(&dir);
    assert_eq!(code, 0, "{stdout}");
    assert!(report.contains("**✅ gate passed**"), "{report}");
    assert!(
        report.contains("exclusion on `user.name` changed: values added `system:kube-proxy`"),
        "{report}"
    );
    assert!(report.contains("still alert"), "{report}");

    // 2. A broken exclusion: the scheduler is no longer excluded, its benign scenario alerts.
    git(&dir, &["checkout", "-q", "main"]);
    git(&dir, &["checkout", "-qb", "broken"]);
    edit_seed(
        &dir,
        "\"system:kube-controller-manager\", \"system:kube-scheduler\"",
        "\"system:kube-controller-manager\"",
    );
    git(&dir, &["commit", "-qam", "broken"]);
    let (report, code, stdout) = run_ci(&dir);
    assert_eq!(code, 1, "{stdout}");
    assert!(report.contains("**❌ gate FAILED**"), "{report}");
    let junit = std::fs::read_to_string(dir.join("rulegate-junit.xml")).unwrap();
    assert!(junit.contains("<testcase name=\"scenarios/kubernetes/secret_burst/benign_kube_scheduler.toml\" classname=\"rulegate.check\">\n      <failure"), "{junit}");

    // 3. A rule added without scenarios: the gate names it and what it lacks.
    git(&dir, &["checkout", "-qf", "main"]);
    git(&dir, &["checkout", "-qb", "new-rule"]);
    let text =
        std::fs::read_to_string(dir.join("rules/integrations/kubernetes").join(SEED)).unwrap();
    write(
        &dir.join("rules/integrations/kubernetes/new_rule.toml"),
        &text
            .replace(SEED_ID, "0f0e0d0c-0b0a-4909-8807-060504030201")
            .replace(
                "name = \"Kubernetes Rapid",
                "name = \"Copy of Kubernetes Rapid",
            ),
    );
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "new rule"]);
    let (report, code, stdout) = run_ci(&dir);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("GATE  rules/integrations/kubernetes/new_rule.toml (Copy of Kubernetes Rapid Secret GET Activity Against Multiple Objects): needs 1 attack scenario that alerts, has 0"),
        "{stdout}"
    );
    assert!(
        report.contains("`rules/integrations/kubernetes/new_rule.toml` · added"),
        "{report}"
    );
    let junit = std::fs::read_to_string(dir.join("rulegate-junit.xml")).unwrap();
    assert!(
        junit.contains("<failure message=\"short of the per-rule gate\">"),
        "{junit}"
    );

    // Renames diff as modified; deletes lose their alerts. Neither is bad input.
    git(&dir, &["checkout", "-qf", "main"]);
    git(&dir, &["checkout", "-qb", "moves"]);
    git(
        &dir,
        &[
            "mv",
            &format!("rules/integrations/kubernetes/{SEED}"),
            "rules/integrations/kubernetes/secret_burst.toml",
        ],
    );
    git(&dir, &["commit", "-qm", "rename"]);
    let diff = expect(&dir, &["diff", "--git-base", "main"], 0);
    assert!(diff.contains(&format!("(rules/integrations/kubernetes/secret_burst.toml, renamed from rules/integrations/kubernetes/{SEED})")), "{diff}");
    assert!(
        diff.ends_with("1 rule renamed; no alert changes in 5 scenarios\n"),
        "{diff}"
    );
    git(
        &dir,
        &[
            "rm",
            "-q",
            "rules/integrations/kubernetes/secret_burst.toml",
        ],
    );
    let diff = expect(&dir, &["diff", "--git-base", "main", "--format", "json"], 0);
    let json: serde_json::Value = serde_json::from_str(&diff).unwrap();
    assert_eq!(json["rules"][0]["status"], "deleted", "{diff}");
    assert!(
        json["summary"]
            .as_str()
            .unwrap()
            .starts_with("1 rule deleted; \u{2212}"),
        "{diff}"
    );
    // With the rule gone (and another rule in its place), scenarios that name it are dangling:
    // the gate fails, exit 1, not 2.
    write(
        &dir.join("rules/integrations/kubernetes/other.toml"),
        &text.replace(SEED_ID, "0f0e0d0c-0b0a-4909-8807-060504030202"),
    );
    let stdout = expect(&dir, &["check"], 1);
    assert!(
        stdout.contains("DANGLING  kubernetes__secret_burst__attack_python_client names rule_id"),
        "{stdout}"
    );
}

#[test]
fn a_broken_rule_is_reported_once_with_a_normalized_path_and_in_junit() {
    let dir = scratch("broken-rule");
    let rules = dir.join("rules/integrations/kubernetes");
    std::fs::create_dir_all(&rules).unwrap();
    let text = std::fs::read_to_string(repo_path(&format!("rules/{SEED}"))).unwrap();
    std::fs::write(
        rules.join(SEED),
        text.replace(
            "| where Esql.unique_credentials >= 3",
            "| whre Esql.unique_credentials >= 3",
        ),
    )
    .unwrap();
    // Two scenarios in a nested folder name the rule by a path that climbs out and back in.
    for name in ["attack_python_client", "benign_kube_scheduler"] {
        let scenario = std::fs::read_to_string(repo_path(&format!("scenarios/{name}.toml")))
            .unwrap()
            .replace(
                &format!("rules = [\"../rules/{SEED}\"]"),
                &format!("rules = [\"../../scenarios/../rules/integrations/kubernetes/{SEED}\"]"),
            );
        write(&dir.join(format!("scenarios/burst/{name}.toml")), &scenario);
    }
    let (code, _, stderr) = run_in(&dir, &["check", "--rules", "rules", "--junit", "junit.xml"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.matches("error[E").count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("--> rules/integrations/kubernetes/{SEED}:")),
        "{stderr}"
    );
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(
        junit.contains("<failure message=\"the check could not run: bad input\">error[E"),
        "{junit}"
    );
}

#[test]
fn edges_refuse_a_rule_over_data_the_generator_does_not_write() {
    let rule = shared_path("reference/detection-rules-k8s/rules/integrations/gcp/discovery_gcp_gke_api_request_failure_burst.toml");
    let (code, _, stderr) = run_in(&repo_path(""), &["edges", rule.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "error[E711]: cannot derive edge scenarios: the rule reads `logs-gcp.audit-*`"
        ),
        "{stderr}"
    );
}
