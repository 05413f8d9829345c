//! A rule's scenario suite, generated once and run under any number of versions of the rule.
//!
//! `diff`, `mutate`, `coverage` and `doc` share it: the scenarios under a directory that target
//! a rule (one of their `rules` is the rule's `rule_id` or a file with it), each generated once, then run through
//! the one runner (`runner::run_generated`) for the base, the head or each mutant.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::check::discover_scenarios;
use crate::diagnostic::Diagnostic;
use crate::rule;
use crate::runner::{run_generated, GeneratedScenario, PreparedRule, ScenarioRun};
use crate::scenario;

/// The generated scenarios that target one rule, by snapshot name (`edges__schedule-burst-split`).
pub struct Suite {
    pub scenarios: Vec<(String, GeneratedScenario)>,
}

impl Suite {
    /// Loads every scenario under `dir` whose rules include one with `rule_id`. A scenario that
    /// names a rule file that cannot be loaded is an error: the suite would silently shrink.
    pub fn for_rule(dir: &Path, rule_id: &str) -> Result<Suite, Vec<Diagnostic>> {
        Suite::for_rule_known(dir, rule_id, &[])
    }

    /// The same, with rule files whose id is known without reading them (a rule deleted from
    /// the work tree, read from git, that scenarios still name by path).
    pub fn for_rule_known(
        dir: &Path,
        rule_id: &str,
        known: &[(PathBuf, String)],
    ) -> Result<Suite, Vec<Diagnostic>> {
        let mut ids: BTreeMap<PathBuf, String> = known.iter().cloned().collect();
        let mut scenarios = Vec::new();
        for (name, path) in discover_scenarios(dir).map_err(|error| vec![error])? {
            let definition = scenario::load(&path)?;
            let mut targets = definition.rule_ids.iter().any(|id| id == rule_id);
            for rule_path in &definition.rules {
                let rule_path = &crate::project::normalize(rule_path);
                if !ids.contains_key(rule_path) {
                    let loaded = rule::load(rule_path).map_err(|mut errors| {
                        errors.insert(
                            0,
                            Diagnostic::error(
                                "E801",
                                format!("scenario `{name}` names a rule that cannot be loaded"),
                            )
                            .at_path(&path),
                        );
                        errors
                    })?;
                    ids.insert(rule_path.clone(), loaded.rule.data.rule_id.clone());
                }
                targets |= ids[rule_path] == rule_id;
            }
            if targets {
                scenarios.push((name, GeneratedScenario::load(&path)?));
            }
        }
        Ok(Suite { scenarios })
    }

    /// Runs one version of the rule over every scenario, in suite order.
    pub fn run(&self, rule: &PreparedRule) -> Result<Vec<ScenarioRun>, Vec<Diagnostic>> {
        self.scenarios
            .iter()
            .map(|(_, generated)| run_generated(generated, std::slice::from_ref(rule)))
            .collect()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.scenarios.iter().map(|(name, _)| name.as_str())
    }
}
