//! `rulegate gen SCENARIO.toml [--format ecs|raw|bulk] [-o FILE] [--seed N]`.

use std::io::Write;
use std::path::PathBuf;

use rulegate::diagnostic::Diagnostic;
use rulegate::output::AtomicFile;
use rulegate::scenario::{self, Format};

use super::Outcome;

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
    let io_error = |error: std::io::Error| {
        vec![Diagnostic::error(
            "E002",
            format!("cannot write output: {error}"),
        )]
    };
    match &args.output {
        Some(path) => {
            let mut file = AtomicFile::create(path).map_err(|e| {
                io_error(e)
                    .into_iter()
                    .map(|d| d.at_path(path))
                    .collect::<Vec<_>>()
            })?;
            scenario::write(&scenario, args.seed, format, &mut file).map_err(io_error)?;
            file.commit().map_err(io_error)?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            match scenario::write(&scenario, args.seed, format, &mut out).and_then(|_| out.flush())
            {
                Ok(()) => {}
                // A closed pipe (`| head`) is the reader's choice, not an error.
                Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(error) => return Err(io_error(error)),
            }
        }
    }
    Ok(Outcome::Success)
}
