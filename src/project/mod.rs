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
//! | `E027` | `--config` names a file that does not exist |
//! | `E028` | two rule files share one `rule_id` |
//! | `E712` | `init` cannot derive scenarios for the rule (no ES\|QL query, or data the generator does not write) |

mod binding;
pub mod data_views;
mod gate;
pub mod init;
mod select;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{suggest, Diagnostic, SourceFile};
use crate::document::Mapping;
use crate::span::Span;

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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    rules: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    scenarios: Option<String>,
    snapshots: Option<String>,
    mappings: Option<Vec<String>>,
    lookups: Option<BTreeMap<String, String>>,
    data_views: Option<data_views::DataViews>,
    #[serde(default)]
    gate: FileGate,
    #[serde(default)]
    overrides: Vec<FileOverride>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileGate {
    attack_alerting: Option<u64>,
    benign_quiet: Option<u64>,
    min_mutation_score: Option<f64>,
    no_never_false_clauses: Option<bool>,
    not_runnable: Option<NotRunnablePolicy>,
    #[serde(default)]
    exempt: Vec<FileExemption>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileExemption {
    rules: Vec<String>,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOverride {
    rules: Vec<String>,
    attack_alerting: Option<u64>,
    benign_quiet: Option<u64>,
    min_mutation_score: Option<f64>,
    no_never_false_clauses: Option<bool>,
}

/// Known keys per table, for "unknown key, did you mean" (`[]` marks an array of tables).
const SCHEMA: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "rules",
            "exclude",
            "scenarios",
            "snapshots",
            "mappings",
            "lookups",
            "data_views",
            "gate",
            "overrides",
        ],
    ),
    (
        "gate",
        &[
            "attack_alerting",
            "benign_quiet",
            "min_mutation_score",
            "no_never_false_clauses",
            "not_runnable",
            "exempt",
        ],
    ),
    ("gate.exempt[]", &["rules", "reason"]),
    (
        "overrides[]",
        &[
            "rules",
            "attack_alerting",
            "benign_quiet",
            "min_mutation_score",
            "no_never_false_clauses",
        ],
    ),
];

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

    /// Parses config text; `path` names the file in diagnostics and provenance.
    pub fn parse(path: &Path, text: &str, root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let file = SourceFile::new(path.display().to_string(), text);
        let document = DeTable::parse(text).map_err(|error| vec![toml_error(&file, &error)])?;
        let mut unknown = Vec::new();
        walk_keys(document.get_ref(), "", &file, &mut unknown);
        unknown.sort_by_key(|error| error.labels.first().map(|label| label.span.start));
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let parsed: FileConfig =
            toml::from_str(text).map_err(|error| vec![toml_error(&file, &error)])?;
        let line_of = |keys: &[&str]| -> Source {
            let mut table = document.get_ref();
            let mut span = None;
            for (i, key) in keys.iter().enumerate() {
                let Some((k, value)) = table.get_key_value(*key) else {
                    break;
                };
                span = Some(k.span());
                match value.get_ref() {
                    DeValue::Table(inner) if i + 1 < keys.len() => table = inner,
                    _ => break,
                }
            }
            let offset = span.map(|s| s.start).unwrap_or(0);
            let line = text[..offset.min(text.len())].matches('\n').count() + 1;
            Source::File(format!("{}:{line}", path.display()))
        };
        let mut config = Config::defaults(root);
        config.file = Some(path.to_path_buf());
        set_vec(&mut config.rules, parsed.rules, line_of(&["rules"]));
        set_vec(&mut config.exclude, parsed.exclude, line_of(&["exclude"]));
        if let Some(dir) = parsed.scenarios {
            config.scenarios = Setting {
                value: PathBuf::from(dir),
                source: line_of(&["scenarios"]),
            };
        }
        if let Some(dir) = parsed.snapshots {
            config.snapshots = Setting {
                value: PathBuf::from(dir),
                source: line_of(&["snapshots"]),
            };
        }
        if let Some(files) = parsed.mappings {
            config.mappings = Setting {
                value: files.into_iter().map(PathBuf::from).collect(),
                source: line_of(&["mappings"]),
            };
        }
        if let Some(lookups) = parsed.lookups {
            config.lookups = Setting {
                value: lookups
                    .into_iter()
                    .map(|(name, file)| (name, PathBuf::from(file)))
                    .collect(),
                source: line_of(&["lookups"]),
            };
        }
        let gate = parsed.gate;
        let mut errors = Vec::new();
        if let Some(views) = parsed.data_views {
            let source = line_of(&["data_views"]);
            errors.extend(
                data_views::validate(&views)
                    .into_iter()
                    .map(|error| error.in_file(&file)),
            );
            config.data_views = Setting {
                value: views,
                source,
            };
        }
        if let Some(score) = gate
            .min_mutation_score
            .filter(|s| !(0.0..=100.0).contains(s))
        {
            errors.push(
                Diagnostic::error(
                    "E026",
                    format!("min_mutation_score {score} is not a percentage"),
                )
                .in_file(&file)
                .with_help("write a number from 0 to 100"),
            );
        }
        let requirements = &mut config.requirements;
        assign(
            &mut requirements.attack_alerting,
            gate.attack_alerting,
            line_of(&["gate", "attack_alerting"]),
        );
        assign(
            &mut requirements.benign_quiet,
            gate.benign_quiet,
            line_of(&["gate", "benign_quiet"]),
        );
        assign(
            &mut requirements.min_mutation_score,
            gate.min_mutation_score.map(Some),
            line_of(&["gate", "min_mutation_score"]),
        );
        assign(
            &mut requirements.no_never_false_clauses,
            gate.no_never_false_clauses,
            line_of(&["gate", "no_never_false_clauses"]),
        );
        assign(
            &mut config.not_runnable,
            gate.not_runnable,
            line_of(&["gate", "not_runnable"]),
        );
        for exemption in gate.exempt {
            if exemption.reason.trim().is_empty() {
                errors.push(
                    Diagnostic::error("E026", "an exemption without a reason")
                        .in_file(&file)
                        .with_help("say why these rules need no scenarios: `reason = \"…\"`"),
                );
            }
            config.exemptions.push(Exemption {
                rules: exemption.rules,
                reason: exemption.reason,
                source: line_of(&["gate", "exempt"]),
            });
        }
        for o in parsed.overrides {
            config.overrides.push(Override {
                rules: o.rules,
                attack_alerting: o.attack_alerting,
                benign_quiet: o.benign_quiet,
                min_mutation_score: o.min_mutation_score,
                no_never_false_clauses: o.no_never_false_clauses,
                source: line_of(&["overrides"]),
            });
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
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
            merged.fields.extend(mapping.fields);
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

    /// `rulegate config`: each effective value and where it came from.
    pub fn render_human(&self) -> String {
        let mut rows: Vec<(String, String, String)> = Vec::new();
        let mut row = |key: &str, value: String, source: &Source| {
            rows.push((key.to_string(), value, source.to_string()));
        };
        row("rules", self.rules.value.join(", "), &self.rules.source);
        row(
            "exclude",
            self.exclude.value.join(", "),
            &self.exclude.source,
        );
        row(
            "scenarios",
            self.scenarios.value.display().to_string(),
            &self.scenarios.source,
        );
        row(
            "snapshots",
            self.snapshots.value.display().to_string(),
            &self.snapshots.source,
        );
        let mappings: Vec<String> = (self.mappings.value.iter())
            .map(|p| p.display().to_string())
            .collect();
        row(
            "mappings",
            if mappings.is_empty() {
                "none".to_string()
            } else {
                mappings.join(", ")
            },
            &self.mappings.source,
        );
        let lookups: Vec<String> = (self.lookups.value.iter())
            .map(|(name, p)| format!("{name} = {}", p.display()))
            .collect();
        row(
            "lookups",
            if lookups.is_empty() {
                "none".to_string()
            } else {
                lookups.join(", ")
            },
            &self.lookups.source,
        );
        let views: Vec<String> = (self.data_views.value.iter())
            .map(|(id, patterns)| format!("{id} = {}", patterns.join(" ")))
            .collect();
        row(
            "data_views",
            if views.is_empty() {
                "none".to_string()
            } else {
                views.join(", ")
            },
            &self.data_views.source,
        );
        let r = &self.requirements;
        row(
            "gate.attack_alerting",
            r.attack_alerting.value.to_string(),
            &r.attack_alerting.source,
        );
        row(
            "gate.benign_quiet",
            r.benign_quiet.value.to_string(),
            &r.benign_quiet.source,
        );
        row(
            "gate.min_mutation_score",
            r.min_mutation_score
                .value
                .map_or("none".into(), |s| s.to_string()),
            &r.min_mutation_score.source,
        );
        row(
            "gate.no_never_false_clauses",
            r.no_never_false_clauses.value.to_string(),
            &r.no_never_false_clauses.source,
        );
        let policy = match self.not_runnable.value {
            NotRunnablePolicy::Report => "report",
            NotRunnablePolicy::Fail => "fail",
        };
        row(
            "gate.not_runnable",
            policy.into(),
            &self.not_runnable.source,
        );
        for e in &self.exemptions {
            row(
                "gate.exempt",
                format!("{} ({})", e.rules.join(", "), e.reason),
                &e.source,
            );
        }
        for o in &self.overrides {
            let mut set = Vec::new();
            if let Some(n) = o.attack_alerting {
                set.push(format!("attack_alerting = {n}"));
            }
            if let Some(n) = o.benign_quiet {
                set.push(format!("benign_quiet = {n}"));
            }
            if let Some(score) = o.min_mutation_score {
                set.push(format!("min_mutation_score = {score}"));
            }
            if let Some(flag) = o.no_never_false_clauses {
                set.push(format!("no_never_false_clauses = {flag}"));
            }
            row(
                "overrides",
                format!("{}: {}", o.rules.join(", "), set.join(", ")),
                &o.source,
            );
        }
        let width = rows.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0);
        let value_width = rows
            .iter()
            .map(|(_, v, _)| v.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = match &self.file {
            Some(file) => format!("config file: {}\n", file.display()),
            None => format!("config file: none ({CONFIG_FILE} not found here or in a parent folder; defaults apply)\n"),
        };
        for (key, value, source) in rows {
            let pad = value_width.saturating_sub(value.chars().count());
            out.push_str(&format!(
                "{key:width$}  {value}{}  ({source})\n",
                " ".repeat(pad)
            ));
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

fn assign<T>(setting: &mut Setting<T>, value: Option<T>, source: Source) {
    if let Some(value) = value {
        *setting = Setting { value, source };
    }
}

fn set_vec(setting: &mut Setting<Vec<String>>, value: Option<Vec<String>>, source: Source) {
    if let Some(value) = value {
        *setting = Setting { value, source };
    }
}

fn toml_error(file: &Arc<SourceFile>, error: &toml::de::Error) -> Diagnostic {
    let mut diagnostic = Diagnostic::error(
        "E024",
        format!("invalid configuration: {}", error.message().trim()),
    )
    .in_file(file);
    if let Some(span) = error.span() {
        diagnostic = diagnostic.with_label(Span::new(span.start, span.end), "here");
    }
    diagnostic
}

/// The known key sharing the longest prefix (at least six characters) with `name`:
/// `attack_alerts` → `attack_alerting`, beyond the two edits `suggest` allows.
fn shared_prefix<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| {
            (
                k.chars()
                    .zip(name.chars())
                    .take_while(|(a, b)| a == b)
                    .count(),
                *k,
            )
        })
        .filter(|(common, _)| *common >= 6)
        .max_by_key(|(common, _)| *common)
        .map(|(_, k)| k)
}

fn walk_keys(table: &DeTable<'_>, path: &str, file: &Arc<SourceFile>, out: &mut Vec<Diagnostic>) {
    let Some((_, known)) = SCHEMA.iter().find(|(p, _)| *p == path) else {
        return;
    };
    for (key, value) in table.iter() {
        let name: &str = key.get_ref();
        if !known.contains(&name) {
            let span = key.span();
            let place = if path.is_empty() {
                "at the top level".to_string()
            } else {
                format!("in [{}]", path.replace("[]", ""))
            };
            let mut error = Diagnostic::error("E025", format!("unknown key `{name}` {place}"))
                .in_file(file)
                .with_label(
                    Span::new(span.start, span.end),
                    "rulegate does not know this key",
                );
            error = match suggest(name, known).or_else(|| shared_prefix(name, known)) {
                Some(near) => error.with_help(format!("did you mean `{near}`?")),
                None => error.with_help(format!("known keys here: {}", known.join(", "))),
            };
            out.push(error);
            continue;
        }
        let child = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        match value.get_ref() {
            DeValue::Table(inner) => walk_keys(inner, &child, file, out),
            DeValue::Array(items) => {
                for item in items.iter() {
                    if let DeValue::Table(inner) = item.get_ref() {
                        walk_keys(inner, &format!("{child}[]"), file, out);
                    }
                }
            }
            _ => {}
        }
    }
}
