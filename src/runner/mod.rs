//! The one runner: a rule (as loaded, or with a changed syntax tree) over a set of documents,
//! scheduled as Kibana schedules it, evaluated by the reference engine. `replay`, `run`,
//! `explain`, `check` and the snapshot suite use it; so can `diff`, `mutate` and `coverage`.
//!
//! ```text
//! let rule = PreparedRule::load(path)?;                  // rule file → schedule + query
//! let docs = DocumentSet::from_values(&values, &[&rule])?; // load once
//! let run  = run_rule(&rule, &docs, None)?;                // executions + alerts
//! let mutant = rule.with_query(changed_ast);              // same text, other tree
//! let run2 = run_rule(&mutant, &docs, None)?;              // same documents
//! ```

mod explain;
mod insight;
mod scenario;

pub use explain::{explain, render_table as render_explain_table, DocumentFate, Fate};
pub use insight::{
    conjunct_outcomes, exclusion_counts, threshold_margins, ConjunctOutcomes, ExclusionCount,
    ThresholdMargin,
};
pub use scenario::{
    run_generated, run_scenario, ActorFacts, ExpectationResult, GeneratedScenario, RuleReport,
    RuleSource, ScenarioRun,
};

use std::path::{Path, PathBuf};

use crate::analysis::{self, Analysis};
use crate::audit::{self, import, EcsOptions};
use crate::diagnostic::Diagnostic;
use crate::esql::ast::Query;
use crate::eval::{self, Cell, Documents, FieldSelection, LoadOptions, Plan, Value};
use crate::rule::{self, LoadedRule};
use crate::schedule::{
    self, DocumentTime, PlannedExecution, Replay, ResultTable, ScheduledRule, Timestamp,
};

/// A rule ready to run: its schedule, identity, query and analysis.
#[derive(Clone, Debug)]
pub struct PreparedRule {
    pub path: PathBuf,
    pub loaded: LoadedRule,
    pub scheduled: ScheduledRule,
    /// The query to run. Spans index into `text` (a changed tree keeps the original spans).
    pub query: Query,
    pub text: String,
    pub analysis: Analysis,
}

impl PreparedRule {
    /// Loads a rule file. A rule rulegate cannot schedule (another language, a query that does
    /// not parse, a look-back in months) is an `E703` "not evaluated" diagnostic.
    pub fn load(path: &Path) -> Result<PreparedRule, Vec<Diagnostic>> {
        let loaded = rule::load(path)?;
        if let rule::QueryStatus::Invalid(diagnostics) = &loaded.query {
            return Err(diagnostics.clone());
        }
        PreparedRule::from_loaded(path, loaded).map_err(|error| vec![error])
    }

    pub fn from_loaded(path: &Path, loaded: LoadedRule) -> Result<PreparedRule, Diagnostic> {
        let scheduled = ScheduledRule::from_loaded(&loaded)?;
        let (query, text) = loaded
            .query
            .parsed()
            .expect("from_loaded accepts only parsed queries");
        let (query, text) = (query.clone(), text.to_string());
        Ok(PreparedRule {
            path: path.to_path_buf(),
            analysis: analysis::analyze(&query, &text),
            scheduled,
            loaded,
            query,
            text,
        })
    }

    /// The same rule with another syntax tree (a mutant, say); spans still index `self.text`.
    pub fn with_query(&self, query: Query) -> PreparedRule {
        let mut rule = self.clone();
        rule.scheduled.aggregating = schedule::is_aggregating(&query);
        rule.scheduled.expanded_fields = schedule::expanded_fields(&query);
        rule.analysis = analysis::analyze(&query, &self.text);
        rule.query = query;
        rule
    }

    /// Compiles the query against the loaded documents' columns; an error here means the engine
    /// cannot run it offline (full-text functions, say): "not evaluated".
    pub fn compile(&self, docs: &DocumentSet) -> Result<Plan, Diagnostic> {
        Plan::compile(&self.query, &self.text, &docs.documents.columns)
            .map_err(|error| self.loaded.query_diagnostic(not_evaluated(error)))
    }

    /// The fields the rule's executions read: what the query needs and the range filter's.
    pub fn fields(&self) -> Vec<String> {
        let selection = eval::fields_for(&self.query, &["@timestamp", "event.ingested"]);
        let mut names: Vec<String> = selection.names.into_iter().collect();
        if let Some(field) = &self.scheduled.schedule.timestamp_override {
            names.push(field.clone());
        }
        names
    }
}

fn not_evaluated(mut error: Diagnostic) -> Diagnostic {
    if !error.message.starts_with("not evaluated") {
        error.message = format!("not evaluated: {}", error.message);
    }
    error
}

/// Documents loaded once for any number of rules and runs.
#[derive(Debug, Default)]
pub struct DocumentSet {
    pub documents: Documents,
    /// The generating actor of each document (`labels.rulegate_actor`), for scenarios.
    pub actors: Vec<Option<String>>,
}

impl DocumentSet {
    /// Loads JSON documents with every field, and every mapped field as a column even where no
    /// document has it (as `FROM` exposes the index mapping). Scenario streams are small; any
    /// rule or mutant then finds the fields it reads.
    pub fn from_values(values: &[serde_json::Value]) -> Result<DocumentSet, Diagnostic> {
        // Named fields, not "all": the engine makes columns of named mapped fields even when
        // no document has them, but of "all" only the fields some document has.
        let mut names: std::collections::BTreeSet<String> =
            eval::Mapping::built_in().fields.into_keys().collect();
        for value in values {
            leaf_paths(value, "", &mut names);
        }
        // The generator's actor labels stay in `_source` only: the integration's mapping is not
        // dynamic, so Elasticsearch does not index them and ES|QL cannot see them.
        names.retain(|name| !name.starts_with("labels.rulegate_"));
        let selection = FieldSelection { all: false, names };
        let documents = Documents::from_values(values, &selection, LoadOptions::default())
            .map_err(|error| Diagnostic::error("E401", format!("generated document {error}")))?;
        let actors = values
            .iter()
            .map(|value| {
                let mut found = Vec::new();
                schedule::collect_field(value, "labels.rulegate_actor", &mut found);
                found.first().and_then(|v| v.as_str()).map(str::to_string)
            })
            .collect();
        Ok(DocumentSet { documents, actors })
    }

    /// Wraps documents loaded elsewhere (`replay` streams NDJSON with the rule's fields only).
    pub fn from_documents(documents: Documents) -> DocumentSet {
        let actors = vec![None; documents.len()];
        DocumentSet { documents, actors }
    }

    /// The range-filter timestamps of every document, from the store's date columns.
    pub fn times(&self, rule: &ScheduledRule) -> Vec<DocumentTime> {
        let spec = &rule.schedule;
        let primary = self.documents.column(spec.primary_timestamp_field());
        let fallback = spec
            .fallback_timestamp_field()
            .and_then(|field| self.documents.column(field));
        (0..self.documents.len())
            .map(|doc| {
                let row = self.documents.row(doc);
                let dates =
                    |column: Option<usize>| column.map(|c| cell_dates(&row[c])).unwrap_or_default();
                let primary = dates(primary);
                let fallback = if primary.is_empty() {
                    dates(fallback)
                } else {
                    Vec::new()
                };
                DocumentTime { primary, fallback }
            })
            .collect()
    }
}

impl DocumentSet {
    /// Reads documents from a file (`.gz` decompressed): ECS NDJSON, or raw Kubernetes audit
    /// mapped to ECS with `raw`. Loads the fields the rule reads, the range filter's timestamps
    /// and every mapped field (so a field no document has is a null column, not an unknown one).
    pub fn from_input(
        input: &Path,
        raw: bool,
        rule: &PreparedRule,
    ) -> Result<DocumentSet, Vec<Diagnostic>> {
        let mut selection = eval::fields_for(&rule.query, &[]);
        selection.names.extend(rule.fields());
        selection
            .names
            .extend(eval::Mapping::built_in().fields.into_keys());
        let input_error = |error: eval::InputError| {
            vec![
                Diagnostic::error("E401", format!("bad input document: {}", error.message))
                    .at_path(format!("{}:{}", input.display(), error.line)),
            ]
        };
        let reader = import::open(input).map_err(|error| vec![*error])?;
        if !raw {
            let documents = Documents::from_ndjson(reader, &selection, LoadOptions::default())
                .map_err(input_error)?;
            return Ok(DocumentSet::from_documents(documents));
        }
        let mut values = Vec::new();
        let mut warnings = Vec::new();
        let name = input.display().to_string();
        import::read_events(&name, reader, false, &mut warnings, &mut |imported| {
            values.push(audit::raw_to_ecs(&imported.raw, &EcsOptions::default()));
            Ok(())
        })
        .map_err(|error| vec![*error])?;
        let documents = Documents::from_values(&values, &selection, LoadOptions::default())
            .map_err(input_error)?;
        Ok(DocumentSet::from_documents(documents))
    }
}

/// Every dotted path to a non-object value in a document (`{"a":{"b":1}}` gives `a.b`).
fn leaf_paths(
    value: &serde_json::Value,
    prefix: &str,
    out: &mut std::collections::BTreeSet<String>,
) {
    match value {
        serde_json::Value::Object(object) => {
            for (key, child) in object {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                leaf_paths(child, &path, out);
            }
        }
        serde_json::Value::Array(items) if items.iter().any(|item| item.is_object()) => {
            for item in items {
                leaf_paths(item, prefix, out);
            }
        }
        _ if !prefix.is_empty() => {
            out.insert(prefix.to_string());
        }
        _ => {}
    }
}

fn cell_dates(cell: &Cell) -> Vec<Timestamp> {
    let date = |value: &Value| match value {
        Value::Datetime(millis) => Some(Timestamp(*millis)),
        _ => None,
    };
    match cell {
        Cell::Null => Vec::new(),
        Cell::One(value) => date(value).into_iter().collect(),
        Cell::Many(values) => values.iter().filter_map(date).collect(),
    }
}

/// One rule's schedule over one document set.
#[derive(Clone, Debug)]
pub struct RuleRun {
    pub plan: Vec<PlannedExecution>,
    pub replay: Replay,
}

/// Plans the executions and runs them. `on_execution(done, total, alerts so far)` is called
/// after each execution (progress bars); pass `&mut |_, _, _| {}` when not needed.
pub fn run_rule(
    rule: &PreparedRule,
    docs: &DocumentSet,
    first_run: Option<Timestamp>,
    on_execution: &mut dyn FnMut(usize, usize, usize),
) -> Result<RuleRun, Diagnostic> {
    let plan = schedule::plan(
        &rule.scheduled.schedule,
        &docs.times(&rule.scheduled),
        first_run,
    )
    .map_err(|error| error.at_path(&rule.path))?;
    let compiled = rule.compile(docs)?;
    let mut engine = |indices: &[usize], now: Timestamp| {
        let table = compiled.run(
            &docs.documents,
            eval::Window::Indices(indices),
            now.millis(),
        );
        match table.failure_diagnostic() {
            Some(failure) => Err(failure.at_path(&rule.path)),
            None => Ok(result_table(&table)),
        }
    };
    let total = plan.len();
    let mut done = 0;
    let replay =
        schedule::replay_observed(&rule.scheduled, &plan, &mut engine, &mut |_, alerts| {
            done += 1;
            on_execution(done, total, alerts);
        })?;
    Ok(RuleRun { plan, replay })
}

/// The engine's table as the scheduler's JSON rows.
pub fn result_table(table: &eval::Table) -> ResultTable {
    ResultTable {
        columns: table
            .columns
            .iter()
            .map(|column| column.name.clone())
            .collect(),
        rows: table
            .rows
            .iter()
            .map(|row| row.iter().map(Cell::to_json).collect())
            .collect(),
    }
}
