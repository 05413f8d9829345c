//! Rules and scenarios bound to each other: every selected rule file with its `rule_id`, and every
//! scenario with the rules it names by path or by `rule_id`; what no scenario names and what names
//! nothing are findings of `check`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::relative_text;
use crate::check::discover_scenarios;
use crate::diagnostic::Diagnostic;
use crate::rule;
use crate::runner;
use crate::scenario;

/// Whether the engine can run a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "runnable", content = "reason", rename_all = "snake_case")]
pub enum Runnable {
    Yes,
    /// "not runnable: reason" (KQL and EQL today).
    No(String),
}

/// One selected rule file.
#[derive(Clone, Debug, Serialize)]
pub struct RuleEntry {
    pub path: PathBuf,
    /// The path relative to the config's folder, as globs and reports name it.
    pub relative: String,
    pub rule_id: String,
    pub name: String,
    pub building_block: bool,
    pub runnable: Runnable,
}

/// The selected rules, by id and by file.
#[derive(Clone, Debug, Default)]
pub struct RuleIndex {
    pub rules: Vec<RuleEntry>,
    by_id: BTreeMap<String, usize>,
    by_file: BTreeMap<PathBuf, usize>,
}

impl RuleIndex {
    /// Loads every rule file (bad ones are errors: the gate must not shrink silently). Two files
    /// with one `rule_id` are an error, as detection-rules' own tests make them.
    pub fn build(root: &Path, files: &[PathBuf]) -> Result<RuleIndex, Vec<Diagnostic>> {
        let mut index = RuleIndex::default();
        let mut errors = Vec::new();
        for path in files {
            let loaded = match rule::load(path) {
                Ok(loaded) => loaded,
                Err(mut e) => {
                    errors.append(&mut e);
                    continue;
                }
            };
            let data = &loaded.rule.data;
            let runnable = match runner::prepare(path) {
                Ok(Ok(_)) => Runnable::Yes,
                Ok(Err(gap)) => Runnable::No(gap.reason),
                Err(mut e) => {
                    errors.append(&mut e);
                    continue;
                }
            };
            let entry = RuleEntry {
                path: path.clone(),
                relative: relative_text(root, path),
                rule_id: data.rule_id.clone(),
                name: data.name.clone(),
                building_block: data.building_block_type.is_some(),
                runnable,
            };
            if let Some(&other) = index.by_id.get(&entry.rule_id) {
                errors.push(
                    Diagnostic::error(
                        "E028",
                        format!(
                            "rule_id {} is also the id of {}",
                            entry.rule_id,
                            index.rules[other].path.display()
                        ),
                    )
                    .at_path(path)
                    .with_help("every rule needs its own rule_id"),
                );
                continue;
            }
            index.by_id.insert(entry.rule_id.clone(), index.rules.len());
            index.by_file.insert(canonical(path), index.rules.len());
            index.rules.push(entry);
        }
        if errors.is_empty() {
            Ok(index)
        } else {
            Err(errors)
        }
    }

    pub fn by_id(&self, rule_id: &str) -> Option<&RuleEntry> {
        self.by_id.get(rule_id).map(|&i| &self.rules[i])
    }

    /// The one selected rule with the same file name as `path`, if exactly one has it.
    fn by_file_name(&self, path: &Path) -> Option<usize> {
        let name = path.file_name()?;
        let mut found = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, rule)| rule.path.file_name() == Some(name));
        match (found.next(), found.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    }

    pub fn by_file(&self, path: &Path) -> Option<&RuleEntry> {
        self.by_file.get(&canonical(path)).map(|&i| &self.rules[i])
    }
}

/// One scenario and the rule files it runs.
#[derive(Clone, Debug, Serialize)]
pub struct BoundScenario {
    /// The snapshot name (`kubernetes__secret_burst__attack`).
    pub name: String,
    pub path: PathBuf,
    pub kind: String,
    /// Rule files, by path as written or resolved from a `rule_id`.
    pub rules: Vec<PathBuf>,
}

/// Scenarios bound to rules, and the loose ends.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Binding {
    pub scenarios: Vec<BoundScenario>,
    /// Selected rules no scenario names (by index into the rule index).
    pub unreferenced: Vec<String>,
    /// `(scenario, reference)`: a rule file that does not exist or a `rule_id` no selected rule has.
    pub dangling: Vec<(String, String)>,
}

impl Binding {
    /// Binds every scenario under `dir` to the rules it names.
    pub fn build(dir: &Path, index: &RuleIndex) -> Result<Binding, Vec<Diagnostic>> {
        let mut binding = Binding::default();
        let mut named = vec![false; index.rules.len()];
        let mut errors = Vec::new();
        let mut ids: BTreeMap<PathBuf, Option<String>> = BTreeMap::new();
        for (name, path) in discover_scenarios(dir).map_err(|error| vec![error])? {
            let definition = match scenario::load(&path) {
                Ok(definition) => definition,
                Err(mut e) => {
                    errors.append(&mut e);
                    continue;
                }
            };
            let mut rules = Vec::new();
            for file in &definition.rules {
                if !file.is_file() {
                    // A changed copy of the rules elsewhere (`--rules DIR`): the selected rule of
                    // the same file name stands in for one the scenario names but that is absent.
                    match index.by_file_name(file) {
                        Some(i) => {
                            named[i] = true;
                            rules.push(index.rules[i].path.clone());
                        }
                        None => binding
                            .dangling
                            .push((name.clone(), normalize(file).display().to_string())),
                    }
                    continue;
                }
                // The selected rule with the same file, else with the same `rule_id` (a changed
                // copy of the rules runs against the same scenarios), else the file as written.
                let found = match index.by_file.get(&canonical(file)) {
                    Some(&i) => Some(i),
                    None => {
                        if !ids.contains_key(file) {
                            let id = rule::load(file).map(|r| r.rule.data.rule_id).ok();
                            ids.insert(file.clone(), id);
                        }
                        ids[file]
                            .as_ref()
                            .and_then(|id| index.by_id.get(id).copied())
                    }
                };
                match found {
                    Some(i) => {
                        named[i] = true;
                        rules.push(index.rules[i].path.clone());
                    }
                    None => rules.push(normalize(file)),
                }
            }
            for id in &definition.rule_ids {
                match index.by_id.get(id) {
                    Some(&i) => {
                        named[i] = true;
                        rules.push(index.rules[i].path.clone());
                    }
                    None => binding
                        .dangling
                        .push((name.clone(), format!("rule_id {id}"))),
                }
            }
            binding.scenarios.push(BoundScenario {
                name,
                path,
                kind: definition.kind.as_str().to_string(),
                rules,
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        binding.unreferenced = index
            .rules
            .iter()
            .zip(&named)
            .filter(|(_, named)| !**named)
            .map(|(rule, _)| rule.relative.clone())
            .collect();
        Ok(binding)
    }

    /// The scenarios that run a rule file.
    pub fn scenarios_for<'a>(&'a self, rule: &'a Path) -> impl Iterator<Item = &'a BoundScenario> {
        let wanted = canonical(rule);
        self.scenarios
            .iter()
            .filter(move |s| s.rules.iter().any(|r| canonical(r) == wanted))
    }
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path))
}

/// `scenarios/x/../../rules/a.toml` → `rules/a.toml`, lexically (no file system access), so a
/// rule is named one way in every message.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_resolves_parent_components_lexically() {
        assert_eq!(
            normalize(Path::new("tests/scenarios/x/../../../rules/a.toml")),
            PathBuf::from("rules/a.toml")
        );
        assert_eq!(normalize(Path::new("../a/./b")), PathBuf::from("../a/b"));
        assert_eq!(normalize(Path::new("/../a")), PathBuf::from("/a"));
    }
}
