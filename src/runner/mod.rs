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
mod explain_eql;
mod insight;
mod logic;
pub(crate) use logic::bucket_combinations;
mod raw;
mod scenario;

pub use logic::{EqlSearch, KqlEngine, KqlSearch, NewTermsSpec, RuleLogic, ThresholdSpec};
pub use raw::InputNotes;

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
use crate::audit::dataset::RawDataset;
use crate::diagnostic::Diagnostic;
use crate::document::{Cell, Documents, FieldSelection, LoadOptions, Value};
use crate::esql::ast::Query;
use crate::eval::{self, Plan};
use crate::rule::{self, LoadedRule};
use crate::schedule::{
    self, DocumentTime, PlannedExecution, Replay, ResultTable, ScheduledRule, Timestamp,
};

/// A rule ready to run: its schedule, identity, logic and analysis.
#[derive(Clone, Debug)]
pub struct PreparedRule {
    pub path: PathBuf,
    pub loaded: LoadedRule,
    pub scheduled: ScheduledRule,
    /// What the rule computes. Spans index into `text` (a changed tree keeps the original spans).
    pub logic: RuleLogic,
    pub text: String,
    /// The ES|QL analysis (exclusions, indicators, group-by); empty for KQL rules.
    pub analysis: Analysis,
    /// The rule's enabled `filters` as KQL, ANDed with the query of every language (Kibana
    /// sends them as the request's filter for query, EQL and ES|QL rules alike).
    pub filters: Vec<rule::filters::RuleFilter>,
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
        let mut logic = RuleLogic::from_loaded(&loaded)?;
        if let Some(id) = &loaded.rule.data.data_view_id {
            resolve_data_view(&mut logic, id).map_err(|error| error.in_file(&loaded.file))?;
        }
        let filters = rule::filters::translate(loaded.rule.data.filters.as_deref().unwrap_or(&[]))
            .map_err(|error| error.in_file(&loaded.file))?;
        let text = match (
            loaded.query.parsed(),
            loaded.query.kql(),
            loaded.query.eql(),
        ) {
            (Some((_, text)), _, _)
            | (None, Some((_, text)), _)
            | (None, None, Some((_, text))) => text.to_string(),
            (None, None, None) => String::new(),
        };
        let analysis = match &logic {
            RuleLogic::Esql(query) => analysis::analyze(query, &text),
            _ => Analysis::default(),
        };
        Ok(PreparedRule {
            path: path.to_path_buf(),
            analysis,
            scheduled,
            loaded,
            logic,
            text,
            filters,
        })
    }

    /// The ES|QL query, or an error naming what is not available for a rule of another language.
    pub fn esql(&self, what: &str) -> Result<&Query, Diagnostic> {
        self.logic.esql().ok_or_else(|| {
            Diagnostic::error(
                "E703",
                format!(
                    "not evaluated: {what} is not available for `{}` rules yet",
                    self.logic.type_name()
                ),
            )
            .in_file(&self.loaded.file)
        })
    }

    /// The same rule with another ES|QL syntax tree (a mutant, say); spans still index `self.text`.
    pub fn with_query(&self, query: Query) -> PreparedRule {
        let mut rule = self.clone();
        rule.scheduled.aggregating = schedule::is_aggregating(&query);
        rule.scheduled.expanded_fields = schedule::expanded_fields(&query);
        rule.analysis = analysis::analyze(&query, &self.text);
        rule.logic = RuleLogic::Esql(query);
        rule
    }

    /// The same rule with another logic (a KQL mutant, say).
    pub fn with_logic(&self, logic: RuleLogic) -> PreparedRule {
        let mut rule = self.clone();
        rule.logic = logic;
        rule
    }

    /// Compiles the ES|QL query against the loaded documents' columns; an error here means the
    /// engine cannot run it offline (full-text functions, say): "not evaluated".
    pub fn compile(&self, docs: &DocumentSet) -> Result<Plan, Diagnostic> {
        let query = self.esql("the ES|QL engine")?;
        let catalog = crate::document::Catalog::current();
        crate::document::catalog::source_columns(query, &docs.documents, &catalog)
            .and_then(|columns| Plan::compile(query, &self.text, &columns))
            .map_err(|error| self.loaded.query_diagnostic(not_evaluated(error)))
    }

    /// The fields the rule's executions read: what the query needs and the range filter's.
    pub fn fields(&self) -> Vec<String> {
        let mut names: Vec<String> = match &self.logic {
            RuleLogic::Esql(query) => eval::fields_for(query, &["@timestamp", "event.ingested"])
                .names
                .into_iter()
                .collect(),
            RuleLogic::Eql(search) => {
                let mut names = crate::eql::engine::fields_to_load(&search.query, &search.settings);
                names.extend(["@timestamp".to_string(), "event.ingested".to_string()]);
                names
            }
            logic => {
                let mut names = logic.kql_fields();
                names.extend(["@timestamp".to_string(), "event.ingested".to_string()]);
                names
            }
        };
        if let Some(field) = &self.scheduled.schedule.timestamp_override {
            names.push(field.clone());
        }
        names
    }
}

/// Why rulegate cannot run a rule yet: the one place that decides it. Check, report, coverage,
/// mutate and doc report such a rule as "not runnable: reason" instead of failing or skipping it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NotRunnable {
    pub path: PathBuf,
    pub rule_id: String,
    pub name: String,
    pub reason: String,
}

/// The engine for a query language, or why there is none yet. The EQL front end switches its
/// language on here (KQL's is on). A rule of a language with an engine can still be not runnable
/// for its rule type (`RuleLogic::from_loaded` says why, as an `E703`).
pub fn engine_gap(language: &str) -> Option<String> {
    match language {
        "esql" => None,
        "kuery" => None,
        "lucene" => Some("Lucene query rules have no engine in rulegate".into()),
        "eql" => None,
        other => Some(format!("language `{other}` has no engine in rulegate")),
    }
}

impl NotRunnable {
    /// The errors of running a rule, as "not runnable" when every one is a "not evaluated"
    /// limit of the engine (a rule type without mutation or coverage support, a full-text
    /// function) rather than bad input.
    pub fn from_errors(rule: &PreparedRule, errors: &[Diagnostic]) -> Option<NotRunnable> {
        let limits = !errors.is_empty()
            && errors
                .iter()
                .all(|e| e.message.starts_with("not evaluated"));
        limits.then(|| NotRunnable {
            path: rule.path.clone(),
            rule_id: rule.scheduled.info.rule_id.clone(),
            name: rule.scheduled.info.name.clone(),
            reason: errors
                .iter()
                .map(|e| e.message.trim_start_matches("not evaluated: ").to_string())
                .collect::<Vec<_>>()
                .join("; "),
        })
    }
}

/// Loads a rule to run it, or says why it cannot run. Errors are bad input (a file that does not
/// load or an ES|QL query that does not parse).
pub fn prepare(path: &Path) -> Result<Result<PreparedRule, NotRunnable>, Vec<Diagnostic>> {
    let loaded = rule::load(path)?;
    let not_runnable = |reason: String| NotRunnable {
        path: path.to_path_buf(),
        rule_id: loaded.rule.data.rule_id.clone(),
        name: loaded.rule.data.name.clone(),
        reason,
    };
    match &loaded.query {
        // A call the engine does not evaluate (`E303`/`E304`, refused at load): not runnable.
        rule::QueryStatus::Invalid(diagnostics)
            if diagnostics
                .iter()
                .all(|d| matches!(d.code, "E303" | "E304")) =>
        {
            return Ok(Err(not_runnable(diagnostics[0].message.clone())));
        }
        rule::QueryStatus::Invalid(diagnostics) => return Err(diagnostics.clone()),
        rule::QueryStatus::NotEsql { language } => {
            let reason = engine_gap(language)
                .unwrap_or_else(|| format!("language `{language}` is not loaded as a query"));
            return Ok(Err(not_runnable(reason)));
        }
        rule::QueryStatus::Parsed { .. }
        | rule::QueryStatus::Kql { .. }
        | rule::QueryStatus::Eql { .. } => {}
    }
    match PreparedRule::from_loaded(path, loaded.clone()) {
        Ok(rule) => Ok(Ok(rule)),
        Err(error) if error.code == "E703" => {
            let reason = error
                .message
                .trim_start_matches("not evaluated: ")
                .to_string();
            Ok(Err(not_runnable(reason)))
        }
        Err(error) => Err(vec![error]),
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
        let mut names: std::collections::BTreeSet<String> = crate::document::Mapping::built_in()
            .fields
            .into_keys()
            .collect();
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
    /// mapped to ECS with `raw` ([`DocumentSet::read_input`] with the Kubernetes data stream,
    /// its warnings left out).
    pub fn from_input(
        input: &Path,
        raw: bool,
        rule: &PreparedRule,
    ) -> Result<DocumentSet, Vec<Diagnostic>> {
        let raw = raw.then_some(RawDataset::KubernetesAuditLogs);
        DocumentSet::read_input(input, raw, rule).map(|(set, _)| set)
    }
}

/// Whether the first non-blank line in `reader`'s buffer is a raw audit event (the buffer is
/// only looked at, not consumed).
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
    let total = plan.len();
    let mut done = 0;
    let mut observe = |_: &schedule::Execution, alerts: usize| {
        done += 1;
        on_execution(done, total, alerts);
    };
    if let RuleLogic::Eql(search) = &rule.logic {
        let replay = run_eql(rule, search, docs, &plan, &mut observe)?;
        return Ok(RuleRun { plan, replay });
    }
    let replay = match KqlEngine::new(&rule.logic, docs, docs.times(&rule.scheduled)) {
        Some(mut kql) => {
            let from = rule.scheduled.schedule.from;
            let mut engine = |indices: &[usize], now: Timestamp| {
                kql.run(indices, now, now.plus(from))
                    .map_err(|error| rule.loaded.query_diagnostic(not_evaluated(error)))
            };
            schedule::replay_observed(&rule.scheduled, &plan, &mut engine, &mut observe)?
        }
        None => {
            let compiled = rule.compile(docs)?;
            let mut engine = |indices: &[usize], now: Timestamp| {
                let indices = filtered(rule, docs, indices, now)?;
                let table = compiled.run(
                    &docs.documents,
                    eval::Window::Indices(&indices),
                    now.millis(),
                );
                match table.failure_diagnostic() {
                    Some(failure) => Err(failure.at_path(&rule.path)),
                    None => Ok(result_table(&table)),
                }
            };
            schedule::replay_observed(&rule.scheduled, &plan, &mut engine, &mut observe)?
        }
    };
    Ok(RuleRun { plan, replay })
}

/// An EQL rule's executions: the EQL search over each window's documents of the rule's
/// indices, its result as rows (`eql::rule_type`), the rows as alerts (the one scheduler).
fn run_eql(
    rule: &PreparedRule,
    search: &EqlSearch,
    docs: &DocumentSet,
    plan: &[PlannedExecution],
    observe: &mut dyn FnMut(&schedule::Execution, usize),
) -> Result<Replay, Diagnostic> {
    let settings = crate::eql::engine::Settings {
        size: rule.scheduled.schedule.max_signals,
        ..search.settings.clone()
    };
    let store = &docs.documents;
    let engine = crate::eql::engine::Engine::compile(&search.query, settings, &store.columns)
        .map_err(|error| rule.loaded.query_diagnostic(not_evaluated(error)))?;
    let rule_id = rule.scheduled.info.rule_id.clone();
    let mut run = |indices: &[usize], now: Timestamp| {
        let indices = filtered(rule, docs, indices, now)?;
        let in_index: Vec<usize> = indices
            .iter()
            .copied()
            .filter(|&doc| match store.index_of(doc) {
                Some(name) if !search.index.is_empty() => search
                    .index
                    .iter()
                    .any(|pattern| crate::document::index_matches(pattern, name)),
                _ => true,
            })
            .collect();
        let outcome = engine
            .run(store, &in_index)
            .map_err(|error| rule.loaded.query_diagnostic(error))?;
        crate::eql::rule_type::result_table(store, &outcome, &rule_id)
            .map_err(|error| rule.loaded.query_diagnostic(error))
    };
    schedule::replay_observed(&rule.scheduled, plan, &mut run, observe)
}

/// Kibana searches a data view's patterns (and ignores `index`) when a rule names one: the
/// patterns come from `rulegate.toml`'s `[data_views]`; an id it does not declare is `E346`
/// (guessing the patterns would change what the rule sees).
pub fn resolve_data_view(logic: &mut RuleLogic, id: &str) -> Result<(), Diagnostic> {
    let Some(patterns) = crate::project::data_views::resolve(id) else {
        return Err(Diagnostic::error(
            rule::filters::E_DATA_VIEW,
            format!("not evaluated: the rule searches data view `{id}`, which `[data_views]` in rulegate.toml does not declare"),
        )
        .with_help(format!("add `[data_views]` with `\"{id}\" = [\"logs-…-*\"]` (the view's index patterns) to rulegate.toml, or give the rule `index` patterns instead of `data_view_id`")));
    };
    match logic {
        RuleLogic::Query(search)
        | RuleLogic::Threshold(search, _)
        | RuleLogic::NewTerms(search, _) => search.index = patterns,
        RuleLogic::Eql(search) => search.index = patterns,
        // An ES|QL query names its indices in `FROM`; Kibana's ES|QL rules take no data view.
        RuleLogic::Esql(_) => {}
    }
    Ok(())
}

/// The documents of an execution that every enabled rule filter matches (EQL and ES|QL rules;
/// KQL rules AND their filters in `KqlEngine`). Filters compile per execution: date math in a
/// range bound resolves against the execution's `now`, as Kibana's request does.
fn filtered(
    rule: &PreparedRule,
    docs: &DocumentSet,
    indices: &[usize],
    now: Timestamp,
) -> Result<Vec<usize>, Diagnostic> {
    if rule.filters.is_empty() {
        return Ok(indices.to_vec());
    }
    let schema = crate::kql::eval::Schema {
        columns: &docs.documents.columns,
        now: now.millis(),
    };
    let compiled = rule
        .filters
        .iter()
        .map(|filter| {
            crate::kql::eval::Compiled::compile(&filter.query, &schema)
                .map_err(|error| filter_error(rule, filter, error))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(indices
        .iter()
        .copied()
        .filter(|&doc| compiled.iter().all(|c| c.matches(docs.documents.row(doc))))
        .collect())
}

/// A filter's evaluation error, located at the rule file and naming the filter (its spans
/// index the translated KQL, not the file, so they are dropped).
pub fn filter_error(
    rule: &PreparedRule,
    filter: &rule::filters::RuleFilter,
    error: Diagnostic,
) -> Diagnostic {
    Diagnostic::error(
        error.code,
        format!("`filters[{}]`: {}", filter.position, error.message),
    )
    .with_note(format!("the filter reads as the KQL `{}`", filter.kql))
    .at_path(&rule.path)
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
