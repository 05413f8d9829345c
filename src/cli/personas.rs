//! `rulegate personas [--file PERSONAS.toml]`: the persona library, one `name<TAB>description` a line.

use std::path::PathBuf;

use rulegate::diagnostic::Diagnostic;
use rulegate::scenario::builtin_personas;

use super::{out, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Extra personas (default: scenarios/personas.toml when it exists).
    #[arg(long)]
    pub file: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<Outcome, Vec<Diagnostic>> {
    let mut library = builtin_personas();
    let default = PathBuf::from("scenarios/personas.toml");
    match args.file {
        Some(path) => library.extend_from_file(&path)?,
        None if default.is_file() => library.extend_from_file(&default)?,
        None => {}
    }
    out::print(&library.listing())?;
    Ok(Outcome::Success)
}
