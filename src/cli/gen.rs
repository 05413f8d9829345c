//! `rulegate gen SCENARIO.toml [--format ecs|raw|bulk] [-o FILE] [--seed N]`.

use std::path::PathBuf;

use rulegate::diagnostic::Diagnostic;
use rulegate::scenario::{self, Format};

use super::{out, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file.
    pub scenario: PathBuf,
    /// ecs: documents as indexed; raw: audit.k8s.io/v1 lines; bulk: an Elasticsearch _bulk body.
    #[arg(long, default_value = "ecs", value_parser = ["ecs", "raw", "bulk"])]
    pub format: String,
    /// Write here (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
}

pub fn run(args: Args) -> Result<Outcome, Vec<Diagnostic>> {
    let scenario = scenario::load(&args.scenario)?;
    let format = match args.format.as_str() {
        "raw" => Format::Raw,
        "bulk" => Format::Bulk,
        _ => Format::Ecs,
    };
    if format == Format::Raw && !scenario.recorded.is_empty() {
        return Err(vec![Diagnostic::error(
            "E646",
            "`--format raw` cannot write this scenario: its recorded documents are ECS documents",
        )
        .at_path(&args.scenario)
        .with_help("use `--format ecs` or `--format bulk`")]);
    }
    let mut output = out::Out::create(args.output.as_deref())?;
    scenario::write(&scenario, args.seed, format, &mut output)
        .map_err(|error| vec![output.error(error)])?;
    output.finish()?;
    Ok(Outcome::Success)
}
