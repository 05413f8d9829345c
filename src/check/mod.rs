//! The CI gate: run every scenario, compare each run report with its committed insta snapshot,
//! check the scenario's expectations, and say what passed; `--update` rewrites snapshots.
//!
//! The snapshot of `scenarios/<dir>/<name>.toml` is `snapshots/runs/<dir>__<name>.snap`: the same
//! file the `runs` integration test asserts with insta, written from the test file
//! [`SNAPSHOT_SOURCE`], so `cargo test` and `rulegate check` read and write one set of files.

use std::path::{Path, PathBuf};

use serde::Serialize;

mod render;
mod repo;

pub use render::junit_for_errors;
pub use repo::check_repository;

use crate::diagnostic::Diagnostic;
use crate::output::write_set;
use crate::project::GateFinding;
use crate::report::snap::{normalize, SnapFile};

/// The test file that asserts the run snapshots (the `source:` line of every `.snap`).
pub const SNAPSHOT_SOURCE: &str = "tests/runs.rs";

/// Files under the scenarios directory that are not scenarios.
pub const NOT_SCENARIOS: [&str; 1] = ["personas.toml"];

/// What running one scenario produced, as the gate needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioOutcome {
    /// The run report as snapshot text.
    pub snapshot: String,
    /// One line per expectation that did not hold.
    pub failed_expectations: Vec<String>,
    /// The scenario's kind (`attack`, `benign`, …) and how many alerts its run created, for the
    /// summary.
    pub kind: String,
    pub alerts: usize,
    /// Alerts per rule (`rule_id`, count), for the per-rule gate.
    pub rule_alerts: Vec<(String, usize)>,
    /// Rules of the scenario the engine cannot run: "path: reason". When no rule of the scenario
    /// can run, the scenario is reported as not runnable and its snapshot is left as it is.
    pub not_runnable: Vec<String>,
    /// Whether any rule ran.
    pub ran: bool,
}

/// The gate's verdict on one scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    /// No committed snapshot (written when updating).
    NewSnapshot,
    /// The run report differs from the snapshot: a unified diff, old → new.
    Changed {
        diff: String,
    },
    /// Expectations failed (the snapshot may match or not).
    ExpectationsFailed {
        failures: Vec<String>,
        diff: Option<String>,
    },
    /// None of the scenario's rules can run yet (KQL, EQL): reported, not compared.
    NotRunnable {
        reasons: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaseResult {
    /// The snapshot name, e.g. `edges__threshold-at`.
    pub name: String,
    pub scenario: String,
    pub snapshot: String,
    pub kind: String,
    pub alerts: usize,
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Whether `--update` rewrote the snapshot.
    pub updated: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CheckReport {
    pub cases: Vec<CaseResult>,
    /// Snapshot files with no scenario (deleted when updating).
    pub orphans: Vec<String>,
    /// The per-rule gate: one finding per selected rule.
    pub rules: Vec<GateFinding>,
    /// Selected rule files that no scenario names.
    pub unreferenced: Vec<String>,
    /// Scenarios naming a rule that does not exist: (scenario, reference).
    pub dangling: Vec<(String, String)>,
    /// Orphaned snapshots deleted by `--update`.
    pub deleted: Vec<String>,
}

impl CheckReport {
    /// The gate passes when every scenario matches its snapshot, every expectation holds and
    /// no snapshot is orphaned. After `--update`, only expectations can still fail it.
    pub fn passed(&self) -> bool {
        self.orphans.is_empty()
            && self.dangling.is_empty()
            && self.rules.iter().all(|rule| !rule.fails())
            && self.cases.iter().all(|case| match &case.verdict {
                Verdict::Passed | Verdict::NotRunnable { .. } => true,
                Verdict::NewSnapshot | Verdict::Changed { .. } => case.updated,
                Verdict::ExpectationsFailed { .. } => false,
            })
    }
}

/// Every scenario file under `dir`, sorted, as (snapshot name, path).
pub fn discover_scenarios(dir: &Path) -> Result<Vec<(String, PathBuf)>, Diagnostic> {
    let mut found = Vec::new();
    walk(dir, dir, &mut found)?;
    found.sort();
    Ok(found)
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<(String, PathBuf)>) -> Result<(), Diagnostic> {
    let entries = std::fs::read_dir(dir).map_err(|error| {
        Diagnostic::error("E001", format!("cannot read directory: {error}")).at_path(dir)
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    paths.sort();
    for path in paths {
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if file_name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, found)?;
        } else if file_name.ends_with(".toml") && !NOT_SCENARIOS.contains(&file_name.as_str()) {
            found.push((snapshot_name(root, &path), path));
        }
    }
    Ok(())
}

/// `scenarios/edges/threshold-at.toml` → `edges__threshold-at`.
pub fn snapshot_name(scenarios_dir: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(scenarios_dir).unwrap_or(path);
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.last_mut() {
        *last = last.trim_end_matches(".toml").to_string();
    }
    parts.join("__")
}

/// Options of `rulegate check`.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub scenarios: PathBuf,
    pub snapshots: PathBuf,
    pub update: bool,
}

/// Runs the gate. `run` produces one scenario's outcome; an `Err` is bad input and stops the gate.
pub fn check(
    options: &CheckOptions,
    run: &mut dyn FnMut(&Path) -> Result<ScenarioOutcome, Vec<Diagnostic>>,
) -> Result<CheckReport, Vec<Diagnostic>> {
    let scenarios = discover_scenarios(&options.scenarios).map_err(|error| vec![error])?;
    if scenarios.is_empty() {
        // "check passed: 0 scenarios" would turn a CI job pointed at the wrong folder green.
        return Err(vec![Diagnostic::error(
            "E007",
            "no scenarios (`*.toml`) under this directory: nothing to check",
        )
        .at_path(&options.scenarios)]);
    }
    let mut report = CheckReport::default();
    let mut errors = Vec::new();
    // `--update` writes every changed snapshot as one set once every scenario has run, so a bad
    // scenario (or a full disk) leaves the snapshot folder as it was, never half updated.
    let mut pending: Vec<(PathBuf, String)> = Vec::new();
    for (name, path) in &scenarios {
        let outcome = match run(path) {
            Ok(outcome) => outcome,
            Err(mut diagnostics) => {
                errors.append(&mut diagnostics);
                continue;
            }
        };
        match check_case(options, name, path, &outcome) {
            Ok((case, write)) => {
                report.cases.push(case);
                pending.extend(write);
            }
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        return Err(dedup(errors));
    }
    write_snapshots(&options.snapshots, &pending)?;
    if options.snapshots.is_dir() {
        orphan_snapshots(options, &scenarios, &mut report)?;
    }
    Ok(report)
}

/// One scenario's case against its committed snapshot, with the snapshot to write when
/// updating; an error for a snapshot that cannot be read.
fn check_case(
    options: &CheckOptions,
    name: &str,
    path: &Path,
    outcome: &ScenarioOutcome,
) -> Result<(CaseResult, Option<(PathBuf, String)>), Diagnostic> {
    let snapshot_path = options.snapshots.join(format!("{name}.snap"));
    if !outcome.ran {
        let case = CaseResult {
            name: name.to_string(),
            scenario: path.display().to_string(),
            snapshot: snapshot_path.display().to_string(),
            kind: outcome.kind.clone(),
            alerts: 0,
            verdict: Verdict::NotRunnable {
                reasons: outcome.not_runnable.clone(),
            },
            updated: false,
        };
        return Ok((case, None));
    }
    let current = normalize(&outcome.snapshot);
    let committed = if snapshot_path.exists() {
        Some(SnapFile::read(&snapshot_path)?)
    } else {
        None
    };
    let diff = committed
        .as_ref()
        .filter(|snap| snap.contents != current)
        .map(|snap| unified_diff(&snap.contents, &current, &snapshot_path));
    let verdict = if !outcome.failed_expectations.is_empty() {
        Verdict::ExpectationsFailed {
            failures: outcome.failed_expectations.clone(),
            diff: diff.clone(),
        }
    } else if committed.is_none() {
        Verdict::NewSnapshot
    } else if let Some(diff) = diff.clone() {
        Verdict::Changed { diff }
    } else {
        Verdict::Passed
    };
    let needs_write = committed.is_none() || diff.is_some();
    let updated = options.update && needs_write;
    let write = updated.then(|| {
        let text = SnapFile::new(SNAPSHOT_SOURCE, &current).render();
        (snapshot_path.clone(), text)
    });
    let case = CaseResult {
        name: name.to_string(),
        scenario: path.display().to_string(),
        snapshot: snapshot_path.display().to_string(),
        kind: outcome.kind.clone(),
        alerts: outcome.alerts,
        verdict,
        updated,
    };
    Ok((case, write))
}

/// Snapshot files no scenario names: deleted when updating, else reported.
fn orphan_snapshots(
    options: &CheckOptions,
    scenarios: &[(String, PathBuf)],
    report: &mut CheckReport,
) -> Result<(), Vec<Diagnostic>> {
    let names: std::collections::BTreeSet<&str> =
        scenarios.iter().map(|(name, _)| name.as_str()).collect();
    let entries = std::fs::read_dir(&options.snapshots).map_err(|error| {
        vec![
            Diagnostic::error("E001", format!("cannot read directory: {error}"))
                .at_path(&options.snapshots),
        ]
    })?;
    let mut orphans: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            let file_name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            file_name
                .strip_suffix(".snap")
                .is_some_and(|stem| !names.contains(stem))
        })
        .collect();
    orphans.sort();
    for orphan in orphans {
        if options.update {
            report.deleted.push(orphan.display().to_string());
            std::fs::remove_file(&orphan).map_err(|error| {
                vec![
                    Diagnostic::error("E003", format!("cannot remove orphaned snapshot: {error}"))
                        .at_path(&orphan),
                ]
            })?;
        } else {
            report.orphans.push(orphan.display().to_string());
        }
    }
    Ok(())
}

/// Writes the updated snapshots as one set ([`write_set`]), creating their folder first.
fn write_snapshots(folder: &Path, pending: &[(PathBuf, String)]) -> Result<(), Vec<Diagnostic>> {
    if pending.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(folder).map_err(|error| {
        vec![Diagnostic::error("E003", format!("cannot create directory: {error}")).at_path(folder)]
    })?;
    write_set(pending).map_err(|failure| vec![failure.into_diagnostic("snapshot")])
}

/// The same error (a broken rule named by many scenarios) once, in first-seen order.
pub fn dedup(errors: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = std::collections::BTreeSet::new();
    errors
        .into_iter()
        .filter(|error| seen.insert(error.render(false)))
        .collect()
}

/// A unified line diff, old snapshot → new report.
pub fn unified_diff(old: &str, new: &str, path: &Path) -> String {
    let old = format!("{old}\n");
    let new = format!("{new}\n");
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{} (committed)", path.display()), "current run")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> crate::test_scratch::Scratch {
        let dir = crate::test_scratch::scratch(&format!("check-{name}"));
        std::fs::create_dir_all(dir.join("scenarios/edges")).unwrap();
        std::fs::write(dir.join("scenarios/a.toml"), "").unwrap();
        std::fs::write(dir.join("scenarios/edges/b.toml"), "").unwrap();
        std::fs::write(dir.join("scenarios/personas.toml"), "").unwrap();
        dir
    }

    fn fake(path: &Path) -> Result<ScenarioOutcome, Vec<Diagnostic>> {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        Ok(ScenarioOutcome {
            snapshot: format!("alerts: {name}\n"),
            failed_expectations: Vec::new(),
            kind: "edge".into(),
            alerts: 0,
            rule_alerts: Vec::new(),
            not_runnable: Vec::new(),
            ran: true,
        })
    }

    #[test]
    fn update_writes_snapshots_that_then_pass_and_changes_are_diffed() {
        let dir = scratch("update");
        let options = CheckOptions {
            scenarios: dir.join("scenarios"),
            snapshots: dir.join("snapshots"),
            update: false,
        };
        let first = check(&options, &mut fake).unwrap();
        assert_eq!(
            first
                .cases
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["a", "edges__b"]
        );
        assert!(!first.passed());
        assert!(first
            .cases
            .iter()
            .all(|c| c.verdict == Verdict::NewSnapshot));

        let updated = check(
            &CheckOptions {
                update: true,
                ..options.clone()
            },
            &mut fake,
        )
        .unwrap();
        assert!(updated.passed());
        assert_eq!(
            std::fs::read_to_string(dir.join("snapshots/a.snap")).unwrap(),
            "---\nsource: tests/runs.rs\n---\nalerts: a\n"
        );
        assert!(check(&options, &mut fake).unwrap().passed());

        let mut changed = |path: &Path| {
            let mut outcome = fake(path)?;
            if path.ends_with("a.toml") {
                outcome.snapshot = "alerts: none\n".into();
            }
            Ok(outcome)
        };
        let report = check(&options, &mut changed).unwrap();
        assert!(!report.passed());
        let Verdict::Changed { diff } = &report.cases[0].verdict else {
            panic!("{:?}", report.cases[0])
        };
        assert!(diff.contains("-alerts: a\n+alerts: none\n"), "{diff}");
        assert!(report.render_human().contains("CHANGED"));
        assert!(report
            .render_junit()
            .contains("<failure message=\"alerts or report changed\">"));
    }

    #[test]
    fn orphaned_and_invalid_snapshots_are_reported() {
        let dir = scratch("orphans");
        let options = CheckOptions {
            scenarios: dir.join("scenarios"),
            snapshots: dir.join("snapshots"),
            update: true,
        };
        check(&options, &mut fake).unwrap();
        std::fs::write(
            dir.join("snapshots/gone.snap"),
            "---\nsource: tests/runs.rs\n---\nx\n",
        )
        .unwrap();
        let report = check(
            &CheckOptions {
                update: false,
                ..options.clone()
            },
            &mut fake,
        )
        .unwrap();
        assert_eq!(report.orphans.len(), 1);
        assert!(!report.passed());

        std::fs::write(dir.join("snapshots/a.snap"), "not a snapshot").unwrap();
        let errors = check(
            &CheckOptions {
                update: false,
                ..options
            },
            &mut fake,
        )
        .unwrap_err();
        assert_eq!(errors[0].code, "E710");
    }

    #[test]
    fn failed_expectations_fail_even_after_update() {
        let dir = scratch("expect");
        let options = CheckOptions {
            scenarios: dir.join("scenarios"),
            snapshots: dir.join("snapshots"),
            update: true,
        };
        let mut failing = |path: &Path| {
            let mut outcome = fake(path)?;
            outcome
                .failed_expectations
                .push("expected 1 alert, got 0".into());
            Ok(outcome)
        };
        let report = check(&options, &mut failing).unwrap();
        assert!(!report.passed());
        assert!(report.render_human().contains("✗ expected 1 alert, got 0"));
    }
}
