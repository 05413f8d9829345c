//! Which rule files a `--rules` argument or a `rules = […]` glob names: a file, a folder
//! (searched recursively for `*.toml`) or a glob (`*`, `?` within a path component, `**` for any
//! number of components), with `exclude` globs applied after.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// At most this many folders are entered while selecting rules: a symlink loop or a glob rooted
/// at `/` ends with an error instead of a hang.
const MAX_DIRECTORIES: usize = 100_000;

/// Whether a pattern has glob characters (otherwise it is a file or a folder).
pub fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// Whether `path` (components separated by `/`) matches `pattern`.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let path: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    match_components(&pattern, &path)
}

fn match_components(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| match_components(rest, &path[skip..])),
        Some((first, rest)) => match path.split_first() {
            Some((name, tail)) => {
                match_name(first.as_bytes(), name.as_bytes()) && match_components(rest, tail)
            }
            None => false,
        },
    }
}

/// `*` and `?` within one path component (iterative, so no pattern backtracks exponentially).
fn match_name(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((star_p, star_n)) = star {
            p = star_p + 1;
            n = star_n + 1;
            star = Some((star_p, star_n + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// The rule files that `patterns` name, relative to `base` (a pattern that is an absolute path
/// stays absolute), minus those matching an `exclude` glob; sorted and without duplicates.
/// A file or folder that does not exist is an error, as is a glob that matches nothing.
pub fn select_rules(
    base: &Path,
    patterns: &[String],
    exclude: &[String],
) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let mut found = BTreeSet::new();
    let mut errors = Vec::new();
    for pattern in patterns {
        let before = found.len();
        let result = if is_glob(pattern) {
            expand_glob(base, pattern, &mut found)
        } else {
            let path = base.join(pattern);
            if path.is_dir() {
                let mut any = false;
                walk(&path, &mut |file| {
                    any = true;
                    found.insert(file);
                })
                .and_then(|()| {
                    if any {
                        Ok(())
                    } else {
                        // A folder named on purpose that holds no rule is a misconfigured path.
                        Err(
                            Diagnostic::error("E006", "no rule files (`*.toml`) in this directory")
                                .at_path(&path),
                        )
                    }
                })
            } else if path.is_file() {
                found.insert(path);
                Ok(())
            } else {
                Err(Diagnostic::error("E001", "no such rule file or folder").at_path(&path))
            }
        };
        match result {
            Err(error) => errors.push(error),
            // A glob that matches nothing in a folder that exists is likely a typo; one whose
            // folder does not exist (`rules_building_block/` in a repository without one) is not.
            Ok(())
                if found.len() == before
                    && is_glob(pattern)
                    && !glob_root_missing(base, pattern) =>
            {
                errors.push(
                    Diagnostic::error("E021", format!("`{pattern}` matches no rule file"))
                        .at_path(base.join(literal_prefix(pattern)))
                        .with_help("rule files end in `.toml`; `**` matches any number of folders"),
                )
            }
            Ok(()) => {}
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if found.is_empty() {
        // A gate that a misconfigured path turns green is worse than none.
        return Err(vec![Diagnostic::error(
            "E022",
            format!("no rule files: {} select nothing", patterns.join(", ")),
        )
        .at_path(if base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            base
        })
        .with_help(
            "set `rules = [\"…\"]` in rulegate.toml or pass --rules FILE|FOLDER|GLOB",
        )]);
    }
    Ok(found
        .into_iter()
        .filter(|path| {
            let relative = relative_text(base, path);
            !exclude.iter().any(|glob| glob_match(glob, &relative))
        })
        .collect())
}

fn glob_root_missing(base: &Path, pattern: &str) -> bool {
    !base.join(literal_prefix(pattern)).is_dir()
}

/// The folder part of a glob before its first wildcard component (`rules/**/*.toml` → `rules`).
fn literal_prefix(pattern: &str) -> PathBuf {
    pattern
        .split('/')
        .take_while(|part| !is_glob(part))
        .collect::<Vec<_>>()
        .join("/")
        .into()
}

fn expand_glob(
    base: &Path,
    pattern: &str,
    found: &mut BTreeSet<PathBuf>,
) -> Result<(), Diagnostic> {
    let root = base.join(literal_prefix(pattern));
    if !root.is_dir() {
        // A default such as `rules_building_block/**/*.toml` in a repository without that
        // folder selects nothing; that is not an error.
        return Ok(());
    }
    let full = relative_text(Path::new(""), &base.join(pattern));
    walk(&root, &mut |file| {
        if glob_match(&full, &relative_text(Path::new(""), &file)) {
            found.insert(file);
        }
    })
}

/// Every `*.toml` file under `dir`, recursively, skipping hidden entries.
pub fn walk(dir: &Path, found: &mut dyn FnMut(PathBuf)) -> Result<(), Diagnostic> {
    let mut pending = vec![dir.to_path_buf()];
    let mut entered = 0;
    while let Some(dir) = pending.pop() {
        entered += 1;
        if entered > MAX_DIRECTORIES {
            return Err(Diagnostic::error(
                "E020",
                format!(
                    "more than {MAX_DIRECTORIES} folders under the rule path (a symlink loop?)"
                ),
            )
            .at_path(&dir));
        }
        let entries = std::fs::read_dir(&dir).map_err(|error| {
            Diagnostic::error("E001", format!("cannot read directory: {error}")).at_path(&dir)
        })?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let hidden = path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with('.'));
            if hidden {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "toml") {
                found(path);
            }
        }
    }
    Ok(())
}

/// `path` relative to `base` with `/` separators (the form globs match).
pub fn relative_text(base: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(base).unwrap_or(path);
    super::normalize(relative).to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_components_and_double_stars() {
        assert!(glob_match("rules/**/*.toml", "rules/a.toml"));
        assert!(glob_match(
            "rules/**/*.toml",
            "rules/integrations/kubernetes/a.toml"
        ));
        assert!(!glob_match(
            "rules/**/*.toml",
            "rules_building_block/a.toml"
        ));
        assert!(!glob_match("rules/*.toml", "rules/x/a.toml"));
        assert!(glob_match("**/_deprecated/**", "rules/_deprecated/a.toml"));
        assert!(!glob_match("**/_deprecated/**", "rules/deprecated/a.toml"));
        assert!(glob_match(
            "rules/cred?ntial_*",
            "rules/credential_access.toml"
        ));
        assert!(glob_match("./rules/*.toml", "rules/a.toml"));
        // No exponential backtracking on many stars.
        assert!(!glob_match(&"*a".repeat(30), &"a".repeat(29)));
    }
}
