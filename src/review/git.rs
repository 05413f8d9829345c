//! The rule files a change touches: `git diff --name-status -M REF` against the work tree plus
//! untracked files, so a pull request that adds, deletes or renames rules is reviewed whole.
//!
//! Git runs with arguments, never through a shell. Paths come back relative to the repository's
//! top folder and are turned into paths from the working directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diagnostic::Diagnostic;
use crate::project::normalize;

/// One file's change between `REF` and the work tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileChange {
    Added(PathBuf),
    Deleted(PathBuf),
    Modified(PathBuf),
    /// Git's rename detection (`-M`): the old and the new path.
    Renamed(PathBuf, PathBuf),
}

impl FileChange {
    /// The path in the work tree (the old one for a deleted file).
    pub fn path(&self) -> &Path {
        match self {
            FileChange::Added(p) | FileChange::Deleted(p) | FileChange::Modified(p) => p,
            FileChange::Renamed(_, to) => to,
        }
    }
}

fn git(args: &[&str]) -> Result<String, Diagnostic> {
    let output = Command::new("git")
        .args(args)
        .output()
        .map_err(|error| Diagnostic::error("E802", format!("cannot run git: {error}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        let help = if stderr.contains("not a git repository") {
            "run rulegate inside the rule repository's work tree"
        } else {
            "name a commit, branch or tag that exists: `git rev-parse --verify REF` (in CI, fetch it first: `git fetch origin main`)"
        };
        return Err(
            Diagnostic::error("E802", format!("git {}: {stderr}", args.join(" "))).with_help(help),
        );
    }
    String::from_utf8(output.stdout).map_err(|_| {
        Diagnostic::error(
            "E802",
            format!("git {} printed text that is not UTF-8", args.join(" ")),
        )
    })
}

/// Every file changed between `reference` and the work tree (committed, staged, unstaged and
/// untracked), as paths from the working directory, in git's order.
pub fn changed_files(reference: &str) -> Result<Vec<FileChange>, Vec<Diagnostic>> {
    let run = |args: &[&str]| git(args).map_err(|error| vec![error]);
    verify(reference)?;
    let up = run(&["rev-parse", "--show-cdup"])?;
    let up = PathBuf::from(up.trim_end_matches('\n'));
    let here = |top_relative: &str| normalize(&up.join(top_relative));
    let listing = run(&[
        "diff",
        "--name-status",
        "-M",
        "-z",
        "--no-ext-diff",
        reference,
        "--",
    ])?;
    let mut changes = Vec::new();
    let mut fields = listing.split('\0').filter(|f| !f.is_empty());
    while let Some(status) = fields.next() {
        let mut next = || fields.next().map(here).unwrap_or_default();
        changes.push(match status.chars().next() {
            Some('A') => FileChange::Added(next()),
            Some('D') => FileChange::Deleted(next()),
            Some('R') => {
                let from = next();
                FileChange::Renamed(from, next())
            }
            // A copy leaves the source in place: the destination is new.
            Some('C') => {
                let _from = next();
                FileChange::Added(next())
            }
            _ => FileChange::Modified(next()),
        });
    }
    let untracked = run(&[
        "ls-files",
        "--others",
        "--exclude-standard",
        "-z",
        "--full-name",
        ":/",
    ])?;
    for path in untracked.split('\0').filter(|f| !f.is_empty()) {
        changes.push(FileChange::Added(here(path)));
    }
    Ok(changes)
}

/// Checks that `reference` names a commit.
pub fn verify(reference: &str) -> Result<(), Vec<Diagnostic>> {
    git(&["rev-parse", "--git-dir"]).map_err(|error| vec![error])?;
    git(&["rev-parse", "--verify", "--quiet", &format!("{reference}^{{commit}}")]).map_err(|_| {
        vec![Diagnostic::error("E802", format!("unknown git revision `{reference}`")).with_help(
            "name a commit, branch or tag that exists: `git rev-parse --verify REF` (in CI, fetch it first: `git fetch origin main`)",
        )]
    })?;
    Ok(())
}

/// Whether `path` (from the working directory) exists at `reference`.
pub fn exists_at(reference: &str, path: &Path) -> bool {
    git(&[
        "cat-file",
        "-e",
        &format!("{reference}:./{}", path.display()),
    ])
    .is_ok()
}

/// The text of `path` (a path from the working directory) at `reference`.
pub fn show(reference: &str, path: &Path) -> Result<String, Vec<Diagnostic>> {
    let spec = format!("{reference}:./{}", path.display());
    git(&["show", "--no-textconv", &spec]).map_err(|error| vec![error.at_path(path)])
}
