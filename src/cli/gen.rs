//! `rulegate gen SCENARIO.toml [--format ecs|raw|bulk] [-o FILE] [--seed N]`.

use std::path::PathBuf;

use rulegate::diagnostic::Diagnostic;
use rulegate::scenario::{self, Format};

use super::{out, DocumentFormat, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file.
    pub scenario: PathBuf,
    /// ecs: documents as indexed; raw: audit.k8s.io/v1 lines; bulk: an Elasticsearch _bulk body.
    #[arg(long, value_enum, default_value_t = DocumentFormat::Ecs)]
    pub format: DocumentFormat,
    /// Write here (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
}

pub fn run(args: Args) -> Result<Outcome, Vec<Diagnostic>> {
    let scenario = scenario::load(&args.scenario)?;
    let format = match args.format {
        DocumentFormat::Raw => Format::Raw,
        DocumentFormat::Bulk => Format::Bulk,
        DocumentFormat::Ecs => Format::Ecs,
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
    // The documents are built in the buffers the output file is written from.
    scenario::write_vec(&scenario, args.seed, format, &mut output)
        .map_err(|error| vec![output.error(error)])?;
    output.finish()?;
    Ok(Outcome::Success)
}
