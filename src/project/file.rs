//! `rulegate.toml` read into a `Config`: its schema, unknown keys with a suggestion, the line
//! each value came from, and the checks on values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

use super::{data_views, Config, Exemption, NotRunnablePolicy, Override, Setting, Source};
use crate::diagnostic::{suggest, Diagnostic, SourceFile};
use crate::span::Span;

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
const SCHEMA: &crate::toml_keys::Schema = &[
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

/// Where each key of the file is written: a key's value is reported as `file:line`.
struct KeyLines<'a> {
    document: &'a DeTable<'a>,
    text: &'a str,
    path: &'a Path,
}

impl KeyLines<'_> {
    /// The line of the deepest key of `keys` present (the file's first line when none is).
    fn of(&self, keys: &[&str]) -> Source {
        let mut table = self.document;
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
        let line = self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1;
        Source::File(format!("{}:{line}", self.path.display()))
    }
}

impl Config {
    /// Parses config text; `path` names the file in diagnostics and provenance.
    pub fn parse(path: &Path, text: &str, root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let file = SourceFile::new(path.display().to_string(), text);
        let document = DeTable::parse(text).map_err(|error| vec![toml_error(&file, &error)])?;
        let mut unknown = Vec::new();
        crate::toml_keys::walk(document.get_ref(), SCHEMA, &mut |key| {
            unknown.push(unknown_key_error(&key, &file));
        });
        unknown.sort_by_key(|error| error.labels.first().map(|label| label.span.start));
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let parsed: FileConfig =
            toml::from_str(text).map_err(|error| vec![toml_error(&file, &error)])?;
        let lines = KeyLines {
            document: document.get_ref(),
            text,
            path,
        };
        let mut config = Config::defaults(root);
        config.file = Some(path.to_path_buf());
        let mut errors = Vec::new();
        let FileConfig {
            rules,
            exclude,
            scenarios,
            snapshots,
            mappings,
            lookups,
            data_views,
            gate,
            overrides,
        } = parsed;
        assign(&mut config.rules, rules, lines.of(&["rules"]));
        assign(&mut config.exclude, exclude, lines.of(&["exclude"]));
        let scenarios = scenarios.map(PathBuf::from);
        assign(&mut config.scenarios, scenarios, lines.of(&["scenarios"]));
        let snapshots = snapshots.map(PathBuf::from);
        assign(&mut config.snapshots, snapshots, lines.of(&["snapshots"]));
        let mappings = mappings.map(|files| files.into_iter().map(PathBuf::from).collect());
        assign(&mut config.mappings, mappings, lines.of(&["mappings"]));
        let lookups = lookups.map(|named| {
            (named.into_iter())
                .map(|(name, file)| (name, PathBuf::from(file)))
                .collect()
        });
        assign(&mut config.lookups, lookups, lines.of(&["lookups"]));
        if let Some(views) = data_views {
            errors.extend(
                data_views::validate(&views)
                    .into_iter()
                    .map(|error| error.in_file(&file)),
            );
            assign(
                &mut config.data_views,
                Some(views),
                lines.of(&["data_views"]),
            );
        }
        apply_gate(&mut config, gate, &lines, &file, &mut errors);
        config
            .overrides
            .extend(overrides.into_iter().map(|o| Override {
                rules: o.rules,
                attack_alerting: o.attack_alerting,
                benign_quiet: o.benign_quiet,
                min_mutation_score: o.min_mutation_score,
                no_never_false_clauses: o.no_never_false_clauses,
                source: lines.of(&["overrides"]),
            }));
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }
}

/// `[gate]`: the requirements, the policy for rules that cannot run, and the exemptions.
fn apply_gate(
    config: &mut Config,
    gate: FileGate,
    lines: &KeyLines<'_>,
    file: &Arc<SourceFile>,
    errors: &mut Vec<Diagnostic>,
) {
    if let Some(score) = gate
        .min_mutation_score
        .filter(|s| !(0.0..=100.0).contains(s))
    {
        errors.push(
            Diagnostic::error(
                "E026",
                format!("min_mutation_score {score} is not a percentage"),
            )
            .in_file(file)
            .with_help("write a number from 0 to 100"),
        );
    }
    let requirements = &mut config.requirements;
    assign(
        &mut requirements.attack_alerting,
        gate.attack_alerting,
        lines.of(&["gate", "attack_alerting"]),
    );
    assign(
        &mut requirements.benign_quiet,
        gate.benign_quiet,
        lines.of(&["gate", "benign_quiet"]),
    );
    assign(
        &mut requirements.min_mutation_score,
        gate.min_mutation_score.map(Some),
        lines.of(&["gate", "min_mutation_score"]),
    );
    assign(
        &mut requirements.no_never_false_clauses,
        gate.no_never_false_clauses,
        lines.of(&["gate", "no_never_false_clauses"]),
    );
    assign(
        &mut config.not_runnable,
        gate.not_runnable,
        lines.of(&["gate", "not_runnable"]),
    );
    for exemption in gate.exempt {
        if exemption.reason.trim().is_empty() {
            errors.push(
                Diagnostic::error("E026", "an exemption without a reason")
                    .in_file(file)
                    .with_help("say why these rules need no scenarios: `reason = \"…\"`"),
            );
        }
        config.exemptions.push(Exemption {
            rules: exemption.rules,
            reason: exemption.reason,
            source: lines.of(&["gate", "exempt"]),
        });
    }
}

fn assign<T>(setting: &mut Setting<T>, value: Option<T>, source: Source) {
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

/// `E025`, with the nearest known key (by spelling, else by a long shared prefix).
fn unknown_key_error(key: &crate::toml_keys::UnknownKey<'_>, file: &Arc<SourceFile>) -> Diagnostic {
    let (name, known) = (key.name, key.known);
    let error = Diagnostic::error("E025", format!("unknown key `{name}` {}", key.place))
        .in_file(file)
        .with_label(key.span, "rulegate does not know this key");
    match suggest(name, known).or_else(|| shared_prefix(name, known)) {
        Some(near) => error.with_help(format!("did you mean `{near}`?")),
        None => error.with_help(format!("known keys here: {}", known.join(", "))),
    }
}
