//! The per-rule test gate: what each rule's scenarios show, set against what the configuration
//! requires of it, with exemptions (and their reasons) and rules the engine cannot run yet.

use serde::Serialize;

use super::{Config, NotRunnablePolicy, RuleEntry, RuleRequirements, Runnable};

/// What the suite showed about one rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RuleFacts {
    /// `attack` scenarios that ran the rule and in which it alerted.
    pub attack_alerting: u64,
    /// `benign` and `false-positive` scenarios that ran it and in which it raised no alert.
    pub benign_quiet: u64,
    /// Scenarios that ran it, of any kind.
    pub scenarios: u64,
    /// The mutation score in percent, when the gate asks for one.
    pub mutation_score: Option<f64>,
    /// Clauses never false over the suite, when the gate asks.
    pub never_false_clauses: Vec<String>,
}

/// The gate's verdict on one rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum GateVerdict {
    Passed,
    /// What the rule lacks, one sentence each.
    Failed {
        lacks: Vec<String>,
    },
    Exempt {
        reason: String,
    },
    /// The engine cannot run it; `fails` when the config says not-runnable rules fail the gate.
    NotRunnable {
        reason: String,
        fails: bool,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GateFinding {
    pub rule: String,
    pub rule_id: String,
    pub name: String,
    pub requirements: RuleRequirements,
    pub facts: RuleFacts,
    #[serde(flatten)]
    pub verdict: GateVerdict,
}

impl GateFinding {
    pub fn fails(&self) -> bool {
        match &self.verdict {
            GateVerdict::Failed { .. } => true,
            GateVerdict::NotRunnable { fails, .. } => *fails,
            _ => false,
        }
    }
}

/// Sets one rule's facts against its requirements.
pub fn evaluate_gate(config: &Config, rule: &RuleEntry, facts: RuleFacts) -> GateFinding {
    let requirements = config.requirements_for(&rule.relative, &rule.rule_id);
    let verdict = if let Some(exemption) = config.exemption(&rule.relative, &rule.rule_id) {
        GateVerdict::Exempt {
            reason: exemption.reason.clone(),
        }
    } else if let Runnable::No(reason) = &rule.runnable {
        GateVerdict::NotRunnable {
            reason: reason.clone(),
            fails: config.not_runnable.value == NotRunnablePolicy::Fail,
        }
    } else {
        let lacks = lacks(&requirements, &facts);
        if lacks.is_empty() {
            GateVerdict::Passed
        } else {
            GateVerdict::Failed { lacks }
        }
    };
    GateFinding {
        rule: rule.relative.clone(),
        rule_id: rule.rule_id.clone(),
        name: rule.name.clone(),
        requirements,
        facts,
        verdict,
    }
}

fn lacks(needs: &RuleRequirements, facts: &RuleFacts) -> Vec<String> {
    let mut lacks = Vec::new();
    let scenarios = |n: u64| if n == 1 { "scenario" } else { "scenarios" };
    if facts.attack_alerting < needs.attack_alerting {
        lacks.push(format!(
            "needs {} attack {} that alert{}, has {}",
            needs.attack_alerting,
            scenarios(needs.attack_alerting),
            if needs.attack_alerting == 1 { "s" } else { "" },
            facts.attack_alerting
        ));
    }
    if facts.benign_quiet < needs.benign_quiet {
        lacks.push(format!(
            "needs {} benign or false-positive {} without alerts, has {}",
            needs.benign_quiet,
            scenarios(needs.benign_quiet),
            facts.benign_quiet
        ));
    }
    if let (Some(min), Some(score)) = (needs.min_mutation_score, facts.mutation_score) {
        if score < min {
            lacks.push(format!("needs a mutation score of {min}%, has {score:.1}%"));
        }
    }
    if needs.no_never_false_clauses && !facts.never_false_clauses.is_empty() {
        lacks.push(format!(
            "clauses never false over the suite: {}",
            facts.never_false_clauses.join("; ")
        ));
    }
    lacks
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn entry(relative: &str, runnable: Runnable) -> RuleEntry {
        RuleEntry {
            path: relative.into(),
            relative: relative.into(),
            rule_id: "id-1".into(),
            name: "A rule".into(),
            building_block: false,
            runnable,
        }
    }

    fn config(text: &str) -> Config {
        Config::parse(Path::new("rulegate.toml"), text, Path::new("")).unwrap()
    }

    #[test]
    fn a_rule_short_of_requirements_is_named_with_what_it_lacks() {
        let config = config("[gate]\nattack_alerting = 1\nbenign_quiet = 1\n");
        let rule = entry("rules/a.toml", Runnable::Yes);
        let finding = evaluate_gate(&config, &rule, RuleFacts::default());
        assert_eq!(
            finding.verdict,
            GateVerdict::Failed {
                lacks: vec![
                    "needs 1 attack scenario that alerts, has 0".into(),
                    "needs 1 benign or false-positive scenario without alerts, has 0".into()
                ]
            }
        );
        let facts = RuleFacts {
            attack_alerting: 2,
            benign_quiet: 1,
            scenarios: 3,
            ..RuleFacts::default()
        };
        assert_eq!(
            evaluate_gate(&config, &rule, facts).verdict,
            GateVerdict::Passed
        );
    }

    #[test]
    fn exemptions_overrides_and_not_runnable_rules() {
        let config = config(
            "[gate]\nattack_alerting = 1\n[[gate.exempt]]\nrules = [\"rules_building_block/**\"]\nreason = \"feeds other rules\"\n[[overrides]]\nrules = [\"id-1\"]\nattack_alerting = 0\n",
        );
        let exempt = evaluate_gate(
            &config,
            &entry("rules_building_block/b.toml", Runnable::Yes),
            RuleFacts::default(),
        );
        assert_eq!(
            exempt.verdict,
            GateVerdict::Exempt {
                reason: "feeds other rules".into()
            }
        );
        let overridden = evaluate_gate(
            &config,
            &entry("rules/a.toml", Runnable::Yes),
            RuleFacts::default(),
        );
        assert_eq!(overridden.verdict, GateVerdict::Passed);
        let kql = evaluate_gate(
            &config,
            &entry("rules/k.toml", Runnable::No("KQL".into())),
            RuleFacts::default(),
        );
        assert!(!kql.fails());
        let strict = Config::parse(
            Path::new("rulegate.toml"),
            "[gate]\nnot_runnable = \"fail\"\n",
            Path::new(""),
        )
        .unwrap();
        assert!(evaluate_gate(
            &strict,
            &entry("rules/k.toml", Runnable::No("KQL".into())),
            RuleFacts::default()
        )
        .fails());
    }
}
