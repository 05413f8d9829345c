//! `rulegate config`'s table: each effective value and where it came from.

use super::{Config, NotRunnablePolicy, Source, CONFIG_FILE};

/// One line of the table: key, value, where the value came from.
type Row = (String, String, String);

impl Config {
    /// `rulegate config`: each effective value and where it came from.
    pub fn render_human(&self) -> String {
        let mut rows = self.setting_rows();
        rows.extend(self.gate_rows());
        let width = rows.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0);
        let value_width = (rows.iter())
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

    /// Where rules, scenarios, snapshots, mappings, lookups and data views are.
    fn setting_rows(&self) -> Vec<Row> {
        let paths = |paths: Vec<String>| listed(&paths);
        vec![
            row("rules", self.rules.value.join(", "), &self.rules.source),
            row(
                "exclude",
                self.exclude.value.join(", "),
                &self.exclude.source,
            ),
            row(
                "scenarios",
                self.scenarios.value.display().to_string(),
                &self.scenarios.source,
            ),
            row(
                "snapshots",
                self.snapshots.value.display().to_string(),
                &self.snapshots.source,
            ),
            row(
                "mappings",
                paths(
                    (self.mappings.value.iter())
                        .map(|p| p.display().to_string())
                        .collect(),
                ),
                &self.mappings.source,
            ),
            row(
                "lookups",
                paths(
                    (self.lookups.value.iter())
                        .map(|(name, p)| format!("{name} = {}", p.display()))
                        .collect(),
                ),
                &self.lookups.source,
            ),
            row(
                "data_views",
                paths(
                    (self.data_views.value.iter())
                        .map(|(id, patterns)| format!("{id} = {}", patterns.join(" ")))
                        .collect(),
                ),
                &self.data_views.source,
            ),
        ]
    }

    /// The gate's requirements, its policy for rules that cannot run, exemptions, overrides.
    fn gate_rows(&self) -> Vec<Row> {
        let r = &self.requirements;
        let policy = match self.not_runnable.value {
            NotRunnablePolicy::Report => "report",
            NotRunnablePolicy::Fail => "fail",
        };
        let mut rows = vec![
            row(
                "gate.attack_alerting",
                r.attack_alerting.value.to_string(),
                &r.attack_alerting.source,
            ),
            row(
                "gate.benign_quiet",
                r.benign_quiet.value.to_string(),
                &r.benign_quiet.source,
            ),
            row(
                "gate.min_mutation_score",
                (r.min_mutation_score.value).map_or("none".into(), |s| s.to_string()),
                &r.min_mutation_score.source,
            ),
            row(
                "gate.no_never_false_clauses",
                r.no_never_false_clauses.value.to_string(),
                &r.no_never_false_clauses.source,
            ),
            row(
                "gate.not_runnable",
                policy.into(),
                &self.not_runnable.source,
            ),
        ];
        for e in &self.exemptions {
            let value = format!("{} ({})", e.rules.join(", "), e.reason);
            rows.push(row("gate.exempt", value, &e.source));
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
            let value = format!("{}: {}", o.rules.join(", "), set.join(", "));
            rows.push(row("overrides", value, &o.source));
        }
        rows
    }
}

fn row(key: &str, value: String, source: &Source) -> Row {
    (key.to_string(), value, source.to_string())
}

/// A list of values, or `none`.
fn listed(values: &[String]) -> String {
    if values.is_empty() {
        "none".to_string()
    } else {
        values.join(", ")
    }
}
