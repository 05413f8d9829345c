//! The rules repository rulegate works in: `rulegate.toml` (found by walking up from the working
//! directory, or named with `--config`), defaults that match `elastic/detection-rules`, where each
//! effective value came from, and the rule selection, scenario binding and per-rule gate built on it.
//!
//! Diagnostic codes of this stage:
//!
//! | code | meaning |
//! |---|---|
//! | `E020` | a rule folder too deep to walk (a symlink loop) |
//! | `E021` | a rule glob that matches no file in a folder that exists |
//! | `E022` | the rule selection is empty |
//! | `E023` | `rulegate.toml` cannot be read |
//! | `E024` | `rulegate.toml` is not valid TOML, or a value has the wrong type |
//! | `E025` | an unknown key in `rulegate.toml` (the nearest known key is suggested) |
//! | `E026` | a value outside its allowed range or set |
//! | `E027` | `--config` names a file that does not exist, or `-` |
//! | `E028` | two rule files share one `rule_id` |
//! | `E712` | `init` cannot derive scenarios for the rule (no ES\|QL query, or data the generator does not write) |

mod binding;
pub mod data_views;
mod file;
mod gate;
pub mod init;
mod render;
mod select;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::document::Mapping;

pub use binding::{normalize, Binding, BoundScenario, RuleEntry, RuleIndex, Runnable};
pub use gate::{evaluate_gate, GateFinding, GateVerdict, RuleFacts};
pub use select::{glob_match, is_glob, relative_text, select_rules};

/// The configuration file's name, looked for in the working directory and each parent.
pub const CONFIG_FILE: &str = "rulegate.toml";

/// Default rule globs: every rule file of an `elastic/detection-rules` checkout.
pub const DEFAULT_RULES: [&str; 2] = ["rules/**/*.toml", "rules_building_block/**/*.toml"];
/// detection-rules keeps retired rules under `rules/_deprecated/`; its loader does not load them
/// as rules, so neither does rulegate by default.
pub const DEFAULT_EXCLUDE: [&str; 1] = ["**/_deprecated/**"];

/// Where an effective value came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "from", content = "at")]
pub enum Source {
    Default,
    /// `rulegate.toml:LINE`.
    File(String),
    /// A command-line option.
    Flag(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(at) => f.write_str(at),
            Source::Flag(flag) => write!(f, "{flag}"),
        }
    }
}

/// A value and where it came from.
#[derive(Clone, Debug, Serialize)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    fn default(value: T) -> Setting<T> {
        Setting {
            value,
            source: Source::Default,
        }
    }
}

/// What to do with a rule the engine cannot run yet (KQL and EQL today).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotRunnablePolicy {
    /// Reported as "not runnable: reason"; the gate does not fail on it.
    Report,
    /// Reported, and the gate fails.
    Fail,
}

/// What each rule needs to pass the gate (item 4 of the repository issue). Zero means no
/// requirement; without a config file nothing is required, as before.
#[derive(Clone, Debug, Serialize)]
pub struct Requirements {
    /// At least this many `attack` scenarios in which the rule alerts.
    pub attack_alerting: Setting<u64>,
    /// At least this many `benign` or `false-positive` scenarios in which it raises no alert.
    pub benign_quiet: Setting<u64>,
    /// A minimum mutation score, in percent (mutation runs only when set).
    pub min_mutation_score: Setting<Option<f64>>,
    /// No clause that is never false over the suite (coverage runs only when set).
    pub no_never_false_clauses: Setting<bool>,
}

/// A group of rules exempt from the gate, with the reason recorded in the config.
#[derive(Clone, Debug, Serialize)]
pub struct Exemption {
    /// Globs of rule paths (relative to the config's folder) or rule ids.
    pub rules: Vec<String>,
    pub reason: String,
    pub source: Source,
}

/// Requirements that differ for some rules.
#[derive(Clone, Debug, Serialize)]
pub struct Override {
    pub rules: Vec<String>,
    pub attack_alerting: Option<u64>,
    pub benign_quiet: Option<u64>,
    pub min_mutation_score: Option<f64>,
    pub no_never_false_clauses: Option<bool>,
    pub source: Source,
}

/// The effective configuration.
#[derive(Clone, Debug, Serialize)]
pub struct Config {
    /// The folder paths in the config are relative to (the config file's, or the working one).
    pub root: PathBuf,
    /// The config file, when one was found or named.
    pub file: Option<PathBuf>,
    pub rules: Setting<Vec<String>>,
    pub exclude: Setting<Vec<String>>,
    pub scenarios: Setting<PathBuf>,
    pub snapshots: Setting<PathBuf>,
    /// Elasticsearch mapping files (JSON) whose fields every index declares, over the shipped
    /// data streams of `mappings/` (later files win a conflict).
    pub mappings: Setting<Vec<PathBuf>>,
    /// Lookup indices `LOOKUP JOIN` may name: index name to NDJSON file (relative to the
    /// config's folder).
    pub lookups: Setting<BTreeMap<String, PathBuf>>,
    /// `[data_views]`: Kibana data view id → its index patterns (`data_views`).
    pub data_views: Setting<data_views::DataViews>,
    pub requirements: Requirements,
    pub not_runnable: Setting<NotRunnablePolicy>,
    pub exemptions: Vec<Exemption>,
    pub overrides: Vec<Override>,
}

impl Config {
    /// The configuration without a file: today's defaults, paths relative to `root`.
    pub fn defaults(root: &Path) -> Config {
        Config {
            root: root.to_path_buf(),
            file: None,
            rules: Setting::default(DEFAULT_RULES.iter().map(|s| s.to_string()).collect()),
            exclude: Setting::default(DEFAULT_EXCLUDE.iter().map(|s| s.to_string()).collect()),
            scenarios: Setting::default(PathBuf::from("scenarios")),
            snapshots: Setting::default(PathBuf::from("snapshots/runs")),
            mappings: Setting::default(Vec::new()),
            lookups: Setting::default(BTreeMap::new()),
            data_views: Setting::default(Default::default()),
            requirements: Requirements {
                attack_alerting: Setting::default(0),
                benign_quiet: Setting::default(0),
                min_mutation_score: Setting::default(None),
                no_never_false_clauses: Setting::default(false),
            },
            not_runnable: Setting::default(NotRunnablePolicy::Report),
            exemptions: Vec::new(),
            overrides: Vec::new(),
        }
    }

    /// `--config FILE` when given, else the first `rulegate.toml` in `start` or a parent, else
    /// the defaults relative to `start`.
    pub fn discover(start: &Path, named: Option<&Path>) -> Result<Config, Vec<Diagnostic>> {
        if let Some(file) = named {
            if file.as_os_str() == "-" {
                // Its paths (rules, scenarios, snapshots) are relative to its folder, which
                // standard input does not have.
                return Err(vec![Diagnostic::error(
                    "E027",
                    "--config takes a file, not standard input: the paths in it are relative to its folder",
                )]);
            }
            if !file.is_file() {
                return Err(vec![Diagnostic::error(
                    "E027",
                    "the configuration file named with --config does not exist",
                )
                .at_path(file)]);
            }
            return Config::load(file);
        }
        let absolute = if start.as_os_str().is_empty() {
            std::env::current_dir().unwrap_or_default()
        } else {
            std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf())
        };
        for dir in absolute.ancestors() {
            let candidate = dir.join(CONFIG_FILE);
            if candidate.is_file() {
                // Keep paths short when the file is in the working directory itself.
                let shown = if dir == absolute {
                    start.join(CONFIG_FILE)
                } else {
                    candidate
                };
                return Config::load(&shown);
            }
        }
        Ok(Config::defaults(start))
    }

    /// Loads a config file; paths in it are relative to its folder.
    pub fn load(path: &Path) -> Result<Config, Vec<Diagnostic>> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            vec![
                Diagnostic::error("E023", format!("cannot read configuration: {error}"))
                    .at_path(path),
            ]
        })?;
        let root = match path.parent() {
            Some(parent) if parent.as_os_str().is_empty() => PathBuf::new(),
            Some(parent) => parent.to_path_buf(),
            None => PathBuf::new(),
        };
        Config::parse(path, &text, &root)
    }

    /// The user's mappings: the config's `mappings` files (relative to its folder), then `flags`
    /// (`--mapping`, relative to the working directory), merged with later files winning.
    pub fn user_mapping(&self, flags: &[PathBuf]) -> Result<Mapping, Vec<Diagnostic>> {
        let files = (self.mappings.value.iter().map(|p| self.path(p))).chain(flags.iter().cloned());
        let mut merged = Mapping::default();
        for path in files {
            let text = crate::input::read_to_string(&path).map_err(|e| {
                vec![Diagnostic::error("E402", format!("cannot read mapping: {e}")).at_path(&path)]
            })?;
            let mapping = Mapping::from_json(&text)
                .map_err(|m| vec![Diagnostic::error("E402", m).at_path(&path)])?;
            merged.overlay(mapping);
        }
        Ok(merged)
    }

    /// The lookup indices: the config's `[lookups]` (files relative to its folder), then
    /// `flags` (`NAME=FILE`, relative to the working directory), which win a name they share.
    pub fn lookup_files(
        &self,
        flags: &[String],
    ) -> Result<Vec<(String, PathBuf)>, Vec<Diagnostic>> {
        let mut files: BTreeMap<String, PathBuf> = (self.lookups.value.iter())
            .map(|(name, p)| (name.clone(), self.path(p)))
            .collect();
        for flag in flags {
            match flag.split_once('=') {
                Some((name, file)) if !name.trim().is_empty() && !file.trim().is_empty() => {
                    files.insert(name.trim().to_string(), PathBuf::from(file.trim()));
                }
                _ => {
                    return Err(vec![Diagnostic::error(
                        "E313",
                        format!("--lookup takes NAME=FILE, not `{flag}`"),
                    )])
                }
            }
        }
        let max = crate::limits::MAX_LOOKUP_INDICES;
        if files.len() > max {
            return Err(vec![Diagnostic::error(
                "E313",
                format!(
                    "{} lookup indices given (`--lookup` and `[lookups]`), over the cap of {max}",
                    files.len()
                ),
            )]);
        }
        Ok(files.into_iter().collect())
    }

    /// A path from the config, joined to the config's folder.
    pub fn path(&self, relative: &Path) -> PathBuf {
        if self.root.as_os_str().is_empty() {
            relative.to_path_buf()
        } else {
            self.root.join(relative)
        }
    }

    pub fn scenarios_dir(&self) -> PathBuf {
        match self.scenarios.source {
            Source::Flag(_) => self.scenarios.value.clone(),
            _ => self.path(&self.scenarios.value),
        }
    }

    pub fn snapshots_dir(&self) -> PathBuf {
        match self.snapshots.source {
            Source::Flag(_) => self.snapshots.value.clone(),
            _ => self.path(&self.snapshots.value),
        }
    }

    /// The rule files selected: `--rules` arguments (relative to the working directory) when
    /// given, else the config's globs (relative to its folder), minus `exclude`.
    pub fn rule_files(&self) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
        let base = self.rule_base();
        select::select_rules(&base, &self.rules.value, &self.exclude.value)
    }

    /// Whether a path (from the working directory; it need not exist) is one the rule selection
    /// would take: under a selected folder, matching a glob, or a named file, and not excluded.
    pub fn selects(&self, path: &Path) -> bool {
        let absolute = |p: &Path| {
            let cwd = std::env::current_dir().unwrap_or_default();
            normalize(&cwd.join(p))
        };
        let relative = match absolute(path).strip_prefix(absolute(&self.rule_base())) {
            Ok(relative) => relative_text(Path::new(""), relative),
            Err(_) => return false,
        };
        if !relative.ends_with(".toml")
            || self.exclude.value.iter().any(|g| glob_match(g, &relative))
        {
            return false;
        }
        self.rules.value.iter().any(|pattern| {
            let pattern = relative_text(Path::new(""), Path::new(pattern));
            glob_match(&pattern, &relative)
                || relative == pattern
                || relative.starts_with(&format!("{pattern}/"))
        })
    }

    /// The folder rule paths are relative to: the working one for `--rules`, else the config's.
    pub fn rule_base(&self) -> PathBuf {
        match self.rules.source {
            Source::Flag(_) => PathBuf::new(),
            _ => self.root.clone(),
        }
    }

    /// Replaces the rule selection with command-line arguments (files, folders or globs).
    pub fn with_rules(mut self, rules: &[PathBuf]) -> Config {
        if !rules.is_empty() {
            self.rules = Setting {
                value: rules.iter().map(|p| p.display().to_string()).collect(),
                source: Source::Flag("--rules".into()),
            };
        }
        self
    }

    pub fn with_scenarios(mut self, dir: Option<&Path>) -> Config {
        if let Some(dir) = dir {
            self.scenarios = Setting {
                value: dir.to_path_buf(),
                source: Source::Flag("--scenarios".into()),
            };
        }
        self
    }

    pub fn with_snapshots(mut self, dir: Option<&Path>) -> Config {
        if let Some(dir) = dir {
            self.snapshots = Setting {
                value: dir.to_path_buf(),
                source: Source::Flag("--snapshots".into()),
            };
        }
        self
    }

    /// The exemption that covers a rule (by path relative to the config's folder, or id).
    pub fn exemption(&self, relative_path: &str, rule_id: &str) -> Option<&Exemption> {
        self.exemptions
            .iter()
            .find(|e| names_rule(&e.rules, relative_path, rule_id))
    }

    /// The requirements for one rule: the gate's, with every matching override applied in order.
    pub fn requirements_for(&self, relative_path: &str, rule_id: &str) -> RuleRequirements {
        let r = &self.requirements;
        let mut out = RuleRequirements {
            attack_alerting: r.attack_alerting.value,
            benign_quiet: r.benign_quiet.value,
            min_mutation_score: r.min_mutation_score.value,
            no_never_false_clauses: r.no_never_false_clauses.value,
        };
        for o in self
            .overrides
            .iter()
            .filter(|o| names_rule(&o.rules, relative_path, rule_id))
        {
            out.attack_alerting = o.attack_alerting.unwrap_or(out.attack_alerting);
            out.benign_quiet = o.benign_quiet.unwrap_or(out.benign_quiet);
            out.min_mutation_score = o.min_mutation_score.or(out.min_mutation_score);
            out.no_never_false_clauses = o
                .no_never_false_clauses
                .unwrap_or(out.no_never_false_clauses);
        }
        out
    }
}

/// Requirements resolved for one rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleRequirements {
    pub attack_alerting: u64,
    pub benign_quiet: u64,
    pub min_mutation_score: Option<f64>,
    pub no_never_false_clauses: bool,
}

impl RuleRequirements {
    pub fn any(&self) -> bool {
        self.attack_alerting > 0
            || self.benign_quiet > 0
            || self.min_mutation_score.is_some()
            || self.no_never_false_clauses
    }
}

/// Whether a list of globs and rule ids names a rule.
fn names_rule(patterns: &[String], relative_path: &str, rule_id: &str) -> bool {
    patterns
        .iter()
        .any(|p| p == rule_id || glob_match(p, relative_path))
}
