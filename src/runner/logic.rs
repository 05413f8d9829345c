//! What a rule computes, whatever its language: the one enum the runner, scheduler and gate
//! take. ES|QL rules run their pipeline; KQL rules of Kibana's `query`, `threshold` and
//! `new_terms` types run the KQL engine (`crate::kql::eval`) with each type's alerting logic.
//! An EQL variant joins here the same way: a tree, and an engine that turns an execution's
//! documents into result rows.
//!
//! Each logic turns one execution's documents into the scheduler's [`ResultTable`]: the ES|QL
//! result, or for KQL one row per matching document (`query`, `new_terms`) or per bucket
//! (`threshold`). Kibana's semantics of each type: `docs/kql-semantics.md` §Rule types.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::DocumentSet;
use crate::diagnostic::Diagnostic;
use crate::document::{Cell, Value};
use crate::esql::ast::Query as EsqlQuery;
use crate::kql::{self, eval::Compiled, eval::Schema, E_RULE_TYPE};
use crate::rule::{DateMath, LoadedRule, RuleData};
use crate::schedule::{DocumentTime, ResultTable, Timestamp, NEW_TERMS_FIELD};

/// A rule's logic. ES|QL keeps its tree; KQL rules their tree, filters, index patterns and
/// their type's settings.
#[derive(Clone, Debug)]
pub enum RuleLogic {
    Esql(EsqlQuery),
    /// Kibana's `query` type: every matching document is an alert.
    Query(KqlSearch),
    /// Kibana's `threshold` type: one alert per bucket of documents meeting the threshold.
    Threshold(KqlSearch, ThresholdSpec),
    /// Kibana's `new_terms` type: one alert per term combination new in the window.
    NewTerms(KqlSearch, NewTermsSpec),
    /// Kibana's `eql` type: an alert per event, or per sequence a shell alert and its building
    /// blocks (`crate::eql::rule_type`).
    Eql(EqlSearch),
}

/// An EQL search: the query, the EQL request's settings (`size` is filled from
/// `max_signals` when the rule runs) and the `index` patterns documents must belong to.
#[derive(Clone, Debug)]
pub struct EqlSearch {
    pub query: crate::eql::ast::Query,
    pub settings: crate::eql::engine::Settings,
    pub index: Vec<String>,
}

/// A KQL search: the query, the rule's `filters` (each a KQL query ANDed with it) and the
/// `index` patterns documents must belong to (empty: every document, as a data view would).
#[derive(Clone, Debug)]
pub struct KqlSearch {
    pub query: kql::ast::Query,
    pub filters: Vec<kql::ast::Query>,
    pub index: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdSpec {
    /// Zero to three group-by fields.
    pub fields: Vec<String>,
    pub value: i64,
    /// `(field, at least this many distinct values)`.
    pub cardinality: Option<(String, i64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewTermsSpec {
    /// One to three fields.
    pub fields: Vec<String>,
    /// `history_window_start`, e.g. `now-7d`.
    pub history: DateMath,
}

/// Most group-by or new-terms fields Kibana allows.
const MAX_FIELDS: usize = 3;

impl RuleLogic {
    /// The logic of a loaded rule with a parsed query (ES|QL or KQL).
    pub fn from_loaded(loaded: &LoadedRule) -> Result<RuleLogic, Diagnostic> {
        if let Some((query, _)) = loaded.query.parsed() {
            return Ok(RuleLogic::Esql(query.clone()));
        }
        if let Some((query, _)) = loaded.query.eql() {
            return Ok(RuleLogic::Eql(EqlSearch {
                query: query.clone(),
                settings: crate::eql::settings_for_rule(loaded),
                index: loaded.rule.data.index.clone().unwrap_or_default(),
            }));
        }
        let Some((query, _)) = loaded.query.kql() else {
            return Err(
                Diagnostic::error("E703", "not evaluated: the query does not parse")
                    .in_file(&loaded.file),
            );
        };
        let data = &loaded.rule.data;
        let bad = |message: String| {
            Diagnostic::error(E_RULE_TYPE, format!("not evaluated: {message}"))
                .in_file(&loaded.file)
        };
        let filters = crate::rule::filters::translate(data.filters.as_deref().unwrap_or(&[]))
            .map_err(|error| error.in_file(&loaded.file))?;
        let search = KqlSearch {
            query: query.clone(),
            filters: filters.into_iter().map(|f| f.query).collect(),
            index: data.index.clone().unwrap_or_default(),
        };
        match data.rule_type.as_str() {
            "query" => Ok(RuleLogic::Query(search)),
            "threshold" => Ok(RuleLogic::Threshold(search, threshold_spec(data, &bad)?)),
            "new_terms" => Ok(RuleLogic::NewTerms(search, new_terms_spec(data, &bad)?)),
            other => Err(bad(format!("KQL rules of type `{other}` are not run"))),
        }
    }

    pub fn esql(&self) -> Option<&EsqlQuery> {
        match self {
            RuleLogic::Esql(query) => Some(query),
            _ => None,
        }
    }

    pub fn eql(&self) -> Option<&EqlSearch> {
        match self {
            RuleLogic::Eql(search) => Some(search),
            _ => None,
        }
    }

    pub fn kql(&self) -> Option<&KqlSearch> {
        match self {
            RuleLogic::Esql(_) | RuleLogic::Eql(_) => None,
            RuleLogic::Query(search)
            | RuleLogic::Threshold(search, _)
            | RuleLogic::NewTerms(search, _) => Some(search),
        }
    }

    /// Kibana's rule type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            RuleLogic::Esql(_) => "esql",
            RuleLogic::Query(_) => "query",
            RuleLogic::Threshold(..) => "threshold",
            RuleLogic::NewTerms(..) => "new_terms",
            RuleLogic::Eql(_) => "eql",
        }
    }

    /// The fields a KQL rule names (query, filters, thresholds, new terms).
    pub fn kql_fields(&self) -> Vec<String> {
        let mut out = BTreeSet::new();
        if let Some(search) = self.kql() {
            for query in std::iter::once(&search.query).chain(&search.filters) {
                if let Some(root) = &query.root {
                    root.walk(&mut |node| {
                        use kql::ast::NodeKind;
                        match &node.kind {
                            NodeKind::Match { field, .. }
                            | NodeKind::Range { field, .. }
                            | NodeKind::Nested { field, .. } => {
                                out.insert(field.text());
                            }
                            _ => {}
                        }
                    });
                }
            }
        }
        match self {
            RuleLogic::Threshold(_, spec) => {
                out.extend(spec.fields.iter().cloned());
                out.extend(spec.cardinality.iter().map(|(f, _)| f.clone()));
            }
            RuleLogic::NewTerms(_, spec) => out.extend(spec.fields.iter().cloned()),
            _ => {}
        }
        out.into_iter().collect()
    }
}

/// The group-by fields, count and cardinality of a threshold rule (`bad` makes the error).
fn threshold_spec(
    data: &RuleData,
    bad: &impl Fn(String) -> Diagnostic,
) -> Result<ThresholdSpec, Diagnostic> {
    let threshold = data
        .threshold
        .as_ref()
        .ok_or_else(|| bad("a threshold rule without `[rule.threshold]`".into()))?;
    let fields: Vec<String> = match &threshold.field {
        crate::rule::OneOrMany::One(field) if field.is_empty() => Vec::new(),
        crate::rule::OneOrMany::One(field) => vec![field.clone()],
        crate::rule::OneOrMany::Many(fields) => fields.clone(),
    };
    if fields.len() > MAX_FIELDS || threshold.value < 1 {
        return Err(bad(format!(
            "threshold needs at most {MAX_FIELDS} fields and a value of at least 1"
        )));
    }
    let cardinality = threshold
        .cardinality
        .first()
        .map(|c| (c.field.clone(), c.value));
    Ok(ThresholdSpec {
        fields,
        value: threshold.value,
        cardinality,
    })
}

/// The fields and history window of a new_terms rule (`bad` makes the error).
fn new_terms_spec(
    data: &RuleData,
    bad: &impl Fn(String) -> Diagnostic,
) -> Result<NewTermsSpec, Diagnostic> {
    let new_terms = data
        .new_terms
        .as_ref()
        .ok_or_else(|| bad("a new_terms rule without `[rule.new_terms]`".into()))?;
    if new_terms.value.is_empty() || new_terms.value.len() > MAX_FIELDS {
        return Err(bad(format!("new_terms needs one to {MAX_FIELDS} fields")));
    }
    let start = new_terms
        .history_window_start
        .first()
        .map(|h| h.value.as_str())
        .unwrap_or("now-7d");
    let history = DateMath::parse(start).ok_or_else(|| {
        bad(format!(
            "history_window_start `{start}` is not date math rulegate understands"
        ))
    })?;
    Ok(NewTermsSpec {
        fields: new_terms.value.clone(),
        history,
    })
}

/// A KQL rule compiled against one document set.
pub struct KqlEngine<'a> {
    docs: &'a DocumentSet,
    logic: &'a RuleLogic,
    search: &'a KqlSearch,
    times: Vec<DocumentTime>,
    /// Threshold: bucket key → the latest document time already alerted on (Kibana's signal
    /// history: later executions do not count those documents again).
    signal_history: BTreeMap<String, Timestamp>,
}

impl<'a> KqlEngine<'a> {
    pub fn new(
        logic: &'a RuleLogic,
        docs: &'a DocumentSet,
        times: Vec<DocumentTime>,
    ) -> Option<KqlEngine<'a>> {
        Some(KqlEngine {
            docs,
            logic,
            search: logic.kql()?,
            times,
            signal_history: BTreeMap::new(),
        })
    }

    fn compile(&self, now: Timestamp) -> Result<Vec<Compiled>, Diagnostic> {
        let schema = Schema {
            columns: &self.docs.documents.columns,
            now: now.millis(),
        };
        let mut compiled = vec![Compiled::compile(&self.search.query, &schema)?];
        for (n, filter) in self.search.filters.iter().enumerate() {
            // A filter's spans index its translated KQL, not the rule file: keep the message.
            compiled.push(Compiled::compile(filter, &schema).map_err(|error| {
                Diagnostic::error(
                    error.code,
                    format!("enabled filter {}: {}", n + 1, error.message),
                )
                .with_note(format!(
                    "the filter reads as the KQL `{}`",
                    kql::print(filter)
                ))
            })?);
        }
        Ok(compiled)
    }

    /// Documents of the rule's indices that match the query and every filter.
    fn matching(&self, compiled: &[Compiled], documents: &[usize]) -> Vec<usize> {
        let store = &self.docs.documents;
        documents
            .iter()
            .copied()
            .filter(|&doc| match store.index_of(doc) {
                Some(name) if !self.search.index.is_empty() => self
                    .search
                    .index
                    .iter()
                    .any(|pattern| crate::document::index_matches(pattern, name)),
                _ => true,
            })
            .filter(|&doc| compiled.iter().all(|c| c.matches(store.row(doc))))
            .collect()
    }

    /// One execution: the rows the scheduler turns into alerts.
    pub fn run(
        &mut self,
        documents: &[usize],
        now: Timestamp,
        window_from: Timestamp,
    ) -> Result<ResultTable, Diagnostic> {
        let compiled = self.compile(now)?;
        let matching = self.matching(&compiled, documents);
        match self.logic {
            RuleLogic::Threshold(_, spec) => Ok(self.threshold(spec, &matching)),
            RuleLogic::NewTerms(_, spec) => {
                let start = spec
                    .history
                    .resolve(now.millis())
                    .map(Timestamp)
                    .unwrap_or(Timestamp(i64::MIN));
                let history: Vec<usize> = (0..self.docs.documents.len())
                    .filter(|&doc| {
                        self.time_of(doc)
                            .is_some_and(|t| t >= start && t < window_from)
                    })
                    .collect();
                let history = self.matching(&compiled, &history);
                Ok(self.new_terms(spec, &matching, &history))
            }
            _ => Ok(self.document_rows(&matching, None)),
        }
    }

    /// The time the range filter sees for a document (the primary field, else the fallback).
    fn time_of(&self, doc: usize) -> Option<Timestamp> {
        let time = self.times.get(doc)?;
        time.primary.iter().chain(&time.fallback).min().copied()
    }

    /// One row per document: `_id`, `_index`, then every field the document has.
    fn document_rows(&self, docs: &[usize], extra: Option<&[Json]>) -> ResultTable {
        let store = &self.docs.documents;
        let mut columns = vec!["_id".to_string(), "_index".to_string()];
        columns.extend(store.columns.iter().map(|c| c.name.clone()));
        if extra.is_some() {
            columns.push(NEW_TERMS_FIELD.to_string());
        }
        let rows = docs
            .iter()
            .enumerate()
            .map(|(i, &doc)| {
                let mut row = vec![
                    Json::from(store.id_of(doc)),
                    store.index_of(doc).map_or(Json::Null, Json::from),
                ];
                row.extend(store.row(doc).iter().map(Cell::to_json));
                if let Some(extra) = extra {
                    row.push(extra[i].clone());
                }
                row
            })
            .collect();
        ResultTable { columns, rows }
    }

    /// A document's values of a field (none when missing).
    fn values(&self, doc: usize, field: &str) -> Vec<Value> {
        let store = &self.docs.documents;
        match store.column(field).map(|c| &store.row(doc)[c]) {
            Some(Cell::One(v)) => vec![v.clone()],
            Some(Cell::Many(vs)) => vs.clone(),
            _ => Vec::new(),
        }
    }

    /// Every combination of the fields' values in a document (none when a field is missing):
    /// a multivalued field puts the document in one bucket per value, as a terms aggregation does.
    fn combinations(&self, doc: usize, fields: &[String]) -> Vec<Vec<Value>> {
        bucket_combinations(fields.iter().map(|field| self.values(doc, field)))
    }

    fn threshold(&mut self, spec: &ThresholdSpec, matching: &[usize]) -> ResultTable {
        let mut buckets: BTreeMap<String, (Vec<Value>, Vec<usize>)> = BTreeMap::new();
        for &doc in matching {
            for combo in self.combinations(doc, &spec.fields) {
                let key =
                    serde_json::to_string(&combo.iter().map(Value::to_json).collect::<Vec<_>>())
                        .unwrap_or_default();
                let time = self.time_of(doc);
                // Documents at or before the bucket's last alerted time were counted already.
                if let (Some(last), Some(time)) = (self.signal_history.get(&key), time) {
                    if time <= *last {
                        continue;
                    }
                }
                buckets
                    .entry(key)
                    .or_insert_with(|| (combo, Vec::new()))
                    .1
                    .push(doc);
            }
        }
        let mut columns: Vec<String> = spec.fields.clone();
        columns.push("kibana.alert.threshold_result.count".into());
        if let Some((field, _)) = &spec.cardinality {
            columns.push(format!("kibana.alert.threshold_result.cardinality.{field}"));
        }
        columns.push("kibana.alert.threshold_result.from".into());
        let mut rows = Vec::new();
        for (key, (combo, docs)) in buckets {
            let count = docs.len() as i64;
            if count < spec.value {
                continue;
            }
            let mut row: Vec<Json> = combo.iter().map(Value::to_json).collect();
            row.push(Json::from(count));
            if let Some((field, needed)) = &spec.cardinality {
                let distinct: BTreeSet<String> = docs
                    .iter()
                    .flat_map(|&d| self.values(d, field))
                    .map(|v| v.to_json().to_string())
                    .collect();
                if (distinct.len() as i64) < *needed {
                    continue;
                }
                row.push(Json::from(distinct.len() as i64));
            }
            let times: Vec<Timestamp> = docs.iter().filter_map(|&d| self.time_of(d)).collect();
            row.push(
                times
                    .iter()
                    .min()
                    .map_or(Json::Null, |t| Json::from(t.to_string())),
            );
            if let Some(last) = times.iter().max() {
                self.signal_history.insert(key, *last);
            }
            rows.push(row);
        }
        ResultTable { columns, rows }
    }

    fn new_terms(&self, spec: &NewTermsSpec, matching: &[usize], history: &[usize]) -> ResultTable {
        let key = |combo: &[Value]| {
            serde_json::to_string(&combo.iter().map(Value::to_json).collect::<Vec<_>>())
                .unwrap_or_default()
        };
        let seen: BTreeSet<String> = history
            .iter()
            .flat_map(|&doc| self.combinations(doc, &spec.fields))
            .map(|c| key(&c))
            .collect();
        // Each new combination once, on the first document (by time, then input order) that has it.
        let mut ordered: Vec<usize> = matching.to_vec();
        ordered.sort_by_key(|&doc| (self.time_of(doc), doc));
        let mut alerted = BTreeSet::new();
        let (mut docs, mut terms) = (Vec::new(), Vec::new());
        for doc in ordered {
            for combo in self.combinations(doc, &spec.fields) {
                let k = key(&combo);
                if seen.contains(&k) || !alerted.insert(k) {
                    continue;
                }
                docs.push(doc);
                terms.push(Json::Array(combo.iter().map(Value::to_json).collect()));
            }
        }
        self.document_rows(&docs, Some(&terms))
    }
}

/// Every combination of one value per field, in field order (none when a field has no value): a
/// multivalued field puts a document in one bucket per value, as a terms aggregation does. Shared
/// by the threshold and new_terms rule types and the edges derived for them.
pub(crate) fn bucket_combinations<T: Clone>(
    per_field: impl IntoIterator<Item = Vec<T>>,
) -> Vec<Vec<T>> {
    let mut combos: Vec<Vec<T>> = vec![Vec::new()];
    for values in per_field {
        combos = combos
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect();
    }
    combos
}
