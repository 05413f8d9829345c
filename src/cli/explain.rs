//! `rulegate explain (SCENARIO.toml | --input FILE) [--rule RULE|FOLDER|GLOB]… [--format human|json]`.

use std::path::PathBuf;

use clap::Args;

use rulegate::diagnostic::Diagnostic;
use rulegate::runner::{self, DocumentSet, PreparedRule};

use super::{for_each_rule, formats_or_old, rule_paths, Format, Outcome};

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
    /// The rules (default: the scenario's first rule): rule files, folders (searched
    /// recursively) or globs; repeatable, one explanation per rule.
    #[arg(
        long,
        alias = "rules",
        value_name = "RULE|FOLDER|GLOB",
        required_unless_present = "scenario"
    )]
    pub rule: Vec<PathBuf>,
    /// One line per document (`table` is its older name), or a JSON array of fates.
    #[arg(long, default_value = "human", value_parser = formats_or_old(&["human", "json"], &["table"]))]
    pub format: Format,
}

pub fn run(args: ExplainArgs) -> Result<Outcome, Vec<Diagnostic>> {
    let rules = match (&args.scenario, args.rule.is_empty()) {
        (Some(path), true) => {
            let scenario = rulegate::scenario::load(path)?;
            match scenario.rules.first() {
                Some(rule) => vec![rule.clone()],
                None => {
                    return Err(vec![Diagnostic::error(
                        "E704",
                        "the scenario names no rule; pass --rule",
                    )
                    .at_path(path)])
                }
            }
        }
        _ => rule_paths(&args.rule)?,
    };
    if args.input.as_deref() == Some(std::path::Path::new("-")) && rules.len() > 1 {
        return Err(vec![Diagnostic::error(
            "E001",
            "standard input can be read once: name a file with --input to explain several rules",
        )]);
    }
    for_each_rule(&rules, args.format == Format::Json, |rule| {
        explain_one(&args, rule)
    })
}

fn explain_one(
    args: &ExplainArgs,
    rule_path: &std::path::Path,
) -> Result<(String, Outcome), Vec<Diagnostic>> {
    let rule = PreparedRule::load(rule_path)?;
    let docs = match (&args.scenario, &args.input) {
        (Some(path), _) => {
            let scenario = rulegate::scenario::load(path)?;
            let values: Vec<serde_json::Value> =
                rulegate::scenario::generate(&scenario, None).collect();
            DocumentSet::from_values(&values).map_err(|error| vec![error])?
        }
        (None, Some(input)) => DocumentSet::from_input(input, args.raw, &rule)?,
        (None, None) => unreachable!("clap requires a scenario or --input"),
    };
    let run =
        runner::run_rule(&rule, &docs, None, &mut |_, _, _| {}).map_err(|error| vec![error])?;
    let fates = runner::explain(&rule, &docs, &run);
    let text = match args.format {
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&fates).expect("JSON values serialise")
        ),
        _ => runner::render_explain_table(&fates),
    };
    Ok((text, Outcome::Success))
}
