//! `rulegate config`: the effective configuration and where each value came from.

use clap::Args;

use rulegate::diagnostic::Diagnostic;

use super::{formats, load_config, out, Format, Outcome};

/// Prints the effective configuration, each value with its source (default, file:line, flag).
#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[arg(long, default_value = "human", value_parser = formats(&["human", "json"]))]
    pub format: Format,
}

pub fn run(args: ConfigArgs, named: Option<&std::path::Path>) -> Result<Outcome, Vec<Diagnostic>> {
    let config = load_config(named)?;
    out::print(&match args.format {
        Format::Json => {
            serde_json::to_string_pretty(&config).expect("JSON values serialise") + "\n"
        }
        _ => config.render_human(),
    })?;
    Ok(Outcome::Success)
}
