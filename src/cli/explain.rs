//! `rulegate explain (SCENARIO.toml | --input FILE) [--rule RULE.toml] [--format table|json]`.

use std::path::PathBuf;

use clap::Args;

use rulegate::diagnostic::Diagnostic;
use rulegate::runner::{self, DocumentSet, PreparedRule};

use super::{out, Outcome};

/// Says, for every document, what the rule did with it and why.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A scenario file (its documents are generated); or use --input.
    #[arg(required_unless_present = "input", conflicts_with = "input")]
    pub scenario: Option<PathBuf>,
    /// NDJSON of ECS documents (or raw audit with --raw) instead of a scenario.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// The input is raw Kubernetes audit, mapped to ECS as Elastic's integration does.
    #[arg(long)]
    pub raw: bool,
    /// The rule (default: the scenario's first rule).
    #[arg(long, value_name = "RULE.toml", required_unless_present = "scenario")]
    pub rule: Option<PathBuf>,
    /// One line per document, or a JSON array of fates.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

pub fn run(args: ExplainArgs) -> Result<Outcome, Vec<Diagnostic>> {
    let (rule, docs) = match (&args.scenario, &args.input) {
        (Some(path), _) => {
            let scenario = rulegate::scenario::load(path)?;
            let rule_path = match (&args.rule, scenario.rules.first()) {
                (Some(rule), _) => rule.clone(),
                (None, Some(rule)) => rule.clone(),
                (None, None) => {
                    return Err(vec![Diagnostic::error(
                        "E704",
                        "the scenario names no rule; pass --rule",
                    )
                    .at_path(path)])
                }
            };
            let values: Vec<serde_json::Value> =
                rulegate::scenario::generate(&scenario, None).collect();
            let docs = DocumentSet::from_values(&values).map_err(|error| vec![error])?;
            (PreparedRule::load(&rule_path)?, docs)
        }
        (None, Some(input)) => {
            let rule = PreparedRule::load(
                args.rule
                    .as_ref()
                    .expect("clap requires --rule with --input"),
            )?;
            let docs = DocumentSet::from_input(input, args.raw, &rule)?;
            (rule, docs)
        }
        (None, None) => unreachable!("clap requires a scenario or --input"),
    };
    let run =
        runner::run_rule(&rule, &docs, None, &mut |_, _, _| {}).map_err(|error| vec![error])?;
    let fates = runner::explain(&rule, &docs, &run);
    let text = match args.format.as_str() {
        "json" => format!(
            "{}\n",
            serde_json::to_string_pretty(&fates).expect("JSON values serialise")
        ),
        _ => runner::render_explain_table(&fates),
    };
    out::print(&text)?;
    Ok(Outcome::Success)
}
