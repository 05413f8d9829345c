//! `rulegate check`: every scenario against its snapshot and expectations, and every rule against
//! the per-rule gate of `rulegate.toml` — the CI gate for rules repositories, on the same `.snap`
//! files as the test suite.

use std::path::PathBuf;

use clap::Args;

use rulegate::check::{check_repository, junit_for_errors};
use rulegate::diagnostic::{render_all, Diagnostic};

use super::{formats, load_config, out, Format, Outcome};

/// Runs every scenario and compares alerts and reports with the committed snapshots.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The rules under the gate: files, folders (searched recursively) or globs (default: the
    /// config's `rules`, else every rule under `rules/` and `rules_building_block/`). A scenario
    /// naming a rule by a path outside them runs the selected rule with the same `rule_id`.
    #[arg(long, value_name = "FILE|FOLDER|GLOB", num_args = 1..)]
    pub rules: Vec<PathBuf>,
    /// The scenario library (searched recursively; `personas.toml` is not a scenario).
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    /// The run snapshots, insta `.snap` files shared with `cargo test`.
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// Rewrite changed and missing snapshots (atomically) and delete orphaned ones.
    #[arg(long)]
    pub update: bool,
    /// Also write a JUnit XML report: one test case per scenario and per rule under the gate.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    #[arg(long, default_value = "human", value_parser = formats(&["human", "json", "markdown", "junit"]))]
    pub format: Format,
}

pub fn run(
    args: CheckArgs,
    named_config: Option<&std::path::Path>,
) -> Result<Outcome, Vec<Diagnostic>> {
    let result = load_config(named_config).and_then(|config| {
        let config = config
            .with_rules(&args.rules)
            .with_scenarios(args.scenarios.as_deref())
            .with_snapshots(args.snapshots.as_deref());
        check_repository(&config, args.update)
    });
    let report = match result {
        Ok(report) => report,
        Err(errors) => {
            // CI shows the error where it shows test results.
            if let Some(junit) = &args.junit {
                let _ = out::write_file(junit, &junit_for_errors(&render_all(&errors, false)));
            }
            return Err(errors);
        }
    };
    if let Some(junit) = &args.junit {
        out::write_file(junit, &report.render_junit())?;
    }
    let text = match args.format {
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&report).expect("JSON values serialise")
        ),
        Format::Markdown => report.render_markdown(),
        Format::Junit => report.render_junit(),
        Format::Human | Format::Csv => report.render_human(),
    };
    out::print(&text)?;
    Ok(if report.passed() {
        Outcome::Success
    } else {
        Outcome::CheckFailed
    })
}
