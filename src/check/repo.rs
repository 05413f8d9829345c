//! `check` in a rules repository: the configured rules, every scenario bound to its rules (by
//! path or `rule_id`), snapshots and expectations, then the per-rule gate over what the suite
//! showed — with rules the engine cannot run reported as such.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{check, CheckOptions, CheckReport, ScenarioOutcome};
use crate::diagnostic::Diagnostic;
use crate::project::{evaluate_gate, Binding, Config, RuleFacts, RuleIndex, Runnable};
use crate::review::coverage::Gap;
use crate::review::coverage_report::rule_coverage;
use crate::review::mutation::mutate;
use crate::review::suite::Suite;
use crate::runner::{self, run_generated, GeneratedScenario, NotRunnable, PreparedRule};

type Prepared = Result<PreparedRule, NotRunnable>;

/// Runs the gate as the configuration says.
pub fn check_repository(config: &Config, update: bool) -> Result<CheckReport, Vec<Diagnostic>> {
    let scenarios = config.scenarios_dir();
    if !scenarios.is_dir() {
        return Err(vec![Diagnostic::error("E001", "no scenarios directory")
            .at_path(&scenarios)
            .with_help("set `scenarios = \"…\"` in rulegate.toml, pass --scenarios DIR, or run `rulegate init`")]);
    }
    let index = RuleIndex::build(&config.rule_base(), &config.rule_files()?)?;
    let binding = Binding::build(&scenarios, &index)?;
    let bound: BTreeMap<&Path, &crate::project::BoundScenario> = binding
        .scenarios
        .iter()
        .map(|s| (s.path.as_path(), s))
        .collect();
    let mut prepared: BTreeMap<PathBuf, Prepared> = BTreeMap::new();
    let mut facts: BTreeMap<String, RuleFacts> = BTreeMap::new();
    let options = CheckOptions {
        scenarios: scenarios.clone(),
        snapshots: config.snapshots_dir(),
        update,
    };
    let mut report = check(&options, &mut |path| {
        let Some(scenario) = bound.get(path) else {
            return Err(vec![
                Diagnostic::error("E704", "the scenario is not bound").at_path(path)
            ]);
        };
        let outcome = run_bound(scenario, &mut prepared)?;
        for (rule_id, alerts) in &outcome.rule_alerts {
            let entry = facts.entry(rule_id.clone()).or_default();
            entry.scenarios += 1;
            match outcome.kind.as_str() {
                "attack" if *alerts > 0 => entry.attack_alerting += 1,
                "benign" | "false-positive" if *alerts == 0 => entry.benign_quiet += 1,
                _ => {}
            }
        }
        Ok(outcome)
    })?;
    for rule in &index.rules {
        let mut rule_facts = facts.remove(&rule.rule_id).unwrap_or_default();
        let needs = config.requirements_for(&rule.relative, &rule.rule_id);
        let exempt = config.exemption(&rule.relative, &rule.rule_id).is_some();
        if rule.runnable == Runnable::Yes
            && !exempt
            && (needs.min_mutation_score.is_some() || needs.no_never_false_clauses)
        {
            if let Err(errors) = deep_facts(&rule.path, &scenarios, &needs, &mut rule_facts) {
                // A rule type without mutation or coverage support yet: the gate reports it
                // as not runnable rather than stopping.
                let prepared = PreparedRule::load(&rule.path)?;
                let gap = NotRunnable::from_errors(&prepared, &errors).ok_or(errors)?;
                let mut entry = rule.clone();
                entry.runnable = Runnable::No(gap.reason);
                report.rules.push(evaluate_gate(config, &entry, rule_facts));
                continue;
            }
        }
        report.rules.push(evaluate_gate(config, rule, rule_facts));
    }
    report.unreferenced = binding.unreferenced.clone();
    report.dangling = binding.dangling.clone();
    Ok(report)
}

/// Runs one scenario's runnable rules; rules that cannot run are listed, and a scenario with
/// none that can is reported as not runnable.
fn run_bound(
    scenario: &crate::project::BoundScenario,
    prepared: &mut BTreeMap<PathBuf, Prepared>,
) -> Result<ScenarioOutcome, Vec<Diagnostic>> {
    let mut rules = Vec::new();
    let mut gaps = Vec::new();
    for path in &scenario.rules {
        if !prepared.contains_key(path) {
            prepared.insert(path.clone(), runner::prepare(path)?);
        }
        match &prepared[path] {
            Ok(rule) => rules.push(rule.clone()),
            Err(gap) => gaps.push(format!("{}: {}", path.display(), gap.reason)),
        }
    }
    if rules.is_empty() {
        if scenario.rules.is_empty() {
            gaps.push("every rule it names is missing".into());
        }
        return Ok(ScenarioOutcome {
            snapshot: String::new(),
            failed_expectations: Vec::new(),
            kind: scenario.kind.clone(),
            alerts: 0,
            rule_alerts: Vec::new(),
            not_runnable: gaps,
            ran: false,
        });
    }
    let generated = GeneratedScenario::load(&scenario.path)?;
    let run = match run_generated(&generated, &rules) {
        Ok(run) => run,
        // The engine cannot run the query over these documents (a full-text function, say):
        // not runnable, as for a language without an engine.
        Err(errors)
            if errors
                .iter()
                .all(|e| e.message.starts_with("not evaluated")) =>
        {
            gaps.extend(
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.location().unwrap_or_default(), e.message)),
            );
            return Ok(ScenarioOutcome {
                snapshot: String::new(),
                failed_expectations: Vec::new(),
                kind: scenario.kind.clone(),
                alerts: 0,
                rule_alerts: Vec::new(),
                not_runnable: gaps,
                ran: false,
            });
        }
        Err(errors) => return Err(errors),
    };
    Ok(ScenarioOutcome {
        snapshot: run.to_snapshot(),
        failed_expectations: run.failed_expectations(),
        kind: run.kind.clone(),
        alerts: run.rules.iter().map(|rule| rule.alerts.len()).sum(),
        rule_alerts: run
            .rules
            .iter()
            .map(|rule| (rule.rule_id.clone(), rule.alerts.len()))
            .collect(),
        not_runnable: gaps,
        ran: true,
    })
}

/// The mutation score and the never-false clauses, computed only when the gate asks for them.
fn deep_facts(
    path: &Path,
    scenarios: &Path,
    needs: &crate::project::RuleRequirements,
    facts: &mut RuleFacts,
) -> Result<(), Vec<Diagnostic>> {
    let rule = PreparedRule::load(path)?;
    let suite = Suite::for_rule(scenarios, &rule.scheduled.info.rule_id)?;
    if needs.min_mutation_score.is_some() {
        facts.mutation_score = Some(if suite.scenarios.is_empty() {
            0.0
        } else {
            mutate(&rule, &suite)?.score
        });
    }
    if needs.no_never_false_clauses && !suite.scenarios.is_empty() {
        let coverage = rule_coverage(&rule, &suite)?;
        facts.never_false_clauses = coverage
            .conjuncts
            .iter()
            .filter(|c| c.gaps.contains(&Gap::NeverFalse))
            .map(|c| c.text.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
    }
    Ok(())
}
