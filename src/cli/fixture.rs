//! `rulegate fixture LOG --rule RULE -o SCENARIO.toml [--reference] [--kind KIND]`: a real log
//! made a scenario with expectations from what the rule did (`rulegate::fixture`). Never
//! overwrites; every file is written atomically.

use std::io::Write;
use std::path::PathBuf;

use rulegate::diagnostic::Diagnostic;
use rulegate::fixture::{plan, FixtureRequest};
use rulegate::output::AtomicFile;

use super::{out, Outcome};

#[derive(Debug, clap::Args)]
pub struct FixtureArgs {
    /// The log: raw audit events in any shape `ingest` reads, ECS NDJSON or a _bulk body (.gz too).
    #[arg(value_name = "LOG")]
    pub log: PathBuf,
    /// The rule the fixture is for.
    #[arg(long, value_name = "RULE.toml")]
    pub rule: PathBuf,
    /// The scenario to write (its folder is created; an existing file is never overwritten).
    #[arg(short, long, value_name = "SCENARIO.toml")]
    pub output: PathBuf,
    /// Refer to the log where it is instead of copying it next to the scenario.
    #[arg(long)]
    pub reference: bool,
    /// The scenario kind (default: attack when the rule alerts, else benign).
    #[arg(long, value_parser = ["attack", "benign", "false-positive", "evasion", "edge"])]
    pub kind: Option<String>,
}

pub fn run(args: FixtureArgs) -> Result<Outcome, Vec<Diagnostic>> {
    if let Some(dir) = args.output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|error| {
            vec![
                Diagnostic::error("E003", format!("cannot create directory: {error}")).at_path(dir),
            ]
        })?;
    }
    let plan = plan(&FixtureRequest {
        log: &args.log,
        rule: &args.rule,
        output: &args.output,
        reference: args.reference,
        kind: args.kind.clone(),
    })?;
    let mut report = String::new();
    if let Some((path, bytes)) = &plan.data {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|error| {
                vec![
                    Diagnostic::error("E003", format!("cannot create directory: {error}"))
                        .at_path(dir),
                ]
            })?;
        }
        write_bytes(path, bytes)?;
        report.push_str(&format!(
            "wrote {} ({} bytes)\n",
            path.display(),
            bytes.len()
        ));
    }
    let (path, text) = &plan.scenario;
    if let Err(error) = write_bytes(path, text.as_bytes()) {
        // No data file without the scenario that names it.
        if let Some((data, _)) = &plan.data {
            let _ = std::fs::remove_file(data);
        }
        return Err(error);
    }
    report.push_str(&format!(
        "wrote {}: {} document(s), {} alert(s); review its expectations, then `rulegate check --update`\n",
        path.display(),
        plan.documents,
        plan.alerts
    ));
    out::print(&report)?;
    Ok(Outcome::Success)
}

fn write_bytes(path: &std::path::Path, bytes: &[u8]) -> Result<(), Vec<Diagnostic>> {
    let error = |e: std::io::Error| {
        vec![Diagnostic::error("E004", format!("cannot write: {e}")).at_path(path)]
    };
    let mut file = AtomicFile::create(path).map_err(error)?;
    file.write_all(bytes).map_err(error)?;
    file.commit().map_err(error)
}
