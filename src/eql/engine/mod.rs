//! The reference EQL engine: runs a parsed query over documents as Elasticsearch's EQL search
//! does, on the same document layer as the ES|QL engine ([`crate::document::store::Documents`]).
//!
//! ```text
//! let fields = engine::fields_to_load(&query, &settings);        // what to load
//! let docs = Documents::from_values(&json, &FieldSelection::names(fields), options)?;
//! let engine = Engine::compile(&query, settings, &docs.columns)?; // patterns checked once
//! let outcome = engine.run(&docs, &window)?;                       // events or sequences
//! ```
//!
//! Events are ordered by the timestamp field, then the tiebreaker field, then input order (in
//! place of Elasticsearch's implicit `_shard_doc`); documents without a timestamp are not
//! events. The event category is the category field's value (`any` matches every document).
//! Conditions follow [`condition`]; sequences follow [`sequence`]; results are cut by the
//! pipes and by `size` (Kibana passes `max_signals`). Every rule is listed with its source in
//! `docs/eql-semantics.md`.
//!
//! Diagnostic codes of this stage:
//!
//! | code | meaning |
//! |---|---|
//! | `E370` | a `like`/`regex`/`:` pattern that does not compile |
//! | `E371` | multivalued join keys give more than 256 key combinations for one event |
//! | `E372` | more than a million sequences in flight at once |
//! | `E373` | a `sample` query as a rule (Kibana's EQL executor fails on it; see [`crate::eql::rule_type`]) |

pub mod condition;
mod functions;
mod patterns;
pub mod script;
pub mod sequence;
mod values;

use std::collections::{BTreeMap, HashMap};

use crate::diagnostic::Diagnostic;
use crate::document::store::Documents;
use crate::document::value::{compare_cells, Cell, Value};
use crate::document::{datetime, Column};
use crate::eql::ast::*;
use patterns::Patterns;

pub const E_PATTERN_INVALID: &str = "E370";
pub const E_KEYS: &str = "E371";
pub const E_TOO_MANY: &str = "E372";

/// Most join-key combinations one event may produce (multivalued keys multiply).
pub const MAX_KEY_COMBINATIONS: usize = 256;

/// The EQL search request's settings, with Elasticsearch's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `timestamp_field`: orders events and measures `maxspan` (default `@timestamp`).
    pub timestamp_field: String,
    /// `tiebreaker_field`: orders events with equal timestamps (default none).
    pub tiebreaker_field: Option<String>,
    /// `event_category_field` (default `event.category`).
    pub event_category_field: String,
    /// `size`: most events, sequences or samples returned (API default 10).
    pub size: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            timestamp_field: "@timestamp".into(),
            tiebreaker_field: None,
            event_category_field: "event.category".into(),
            size: 10,
        }
    }
}

/// A sequence's or sample's join key: each key value as JSON text (`None`: null, allowed only
/// for optional `?fields`).
pub type JoinKey = Vec<Option<String>>;

/// A document taking part as an event: its row and its timestamp in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub doc: usize,
    pub time: i64,
}

/// One query of a sequence after `runs` expansion, with all its join keys (shared first).
#[derive(Clone, Debug)]
pub struct Stage {
    pub filter: EventFilter,
    pub keys: Vec<Expr>,
    pub missing: bool,
    /// Index of the written term it comes from (several stages share one under `runs`).
    pub term: usize,
}

/// What a query returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Matching documents in event order.
    Events(Vec<usize>),
    Sequences(Vec<Matched>),
    Samples(Vec<Matched>),
}

/// A sequence or sample: its join key and its documents, one per positive stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matched {
    pub key: JoinKey,
    pub docs: Vec<usize>,
}

/// One step of [`Engine::trace`]: a document, the positive stage it matched (0-based), its
/// join key there, and what the matcher did (positions in `what` are documents).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Traced {
    pub doc: usize,
    pub stage: usize,
    pub key: JoinKey,
    pub what: sequence::StepKind,
}

/// One document's fields as conditions read them.
pub struct Ctx<'a> {
    row: &'a [Cell],
    columns: &'a HashMap<String, usize>,
    pub(crate) patterns: &'a Patterns,
}

static NULL_CELL: Cell = Cell::Null;

impl Ctx<'_> {
    /// The field's cell; a field no document has and no mapping names reads as null.
    pub fn cell(&self, field: &Field) -> &Cell {
        self.columns
            .get(&field.name)
            .and_then(|&i| self.row.get(i))
            .unwrap_or(&NULL_CELL)
    }
}

/// Every field a run needs: the query's, the timestamp, tiebreaker and category fields.
pub fn fields_to_load(query: &Query, settings: &Settings) -> Vec<String> {
    let mut fields = query.fields();
    fields.push(settings.timestamp_field.clone());
    fields.push(settings.event_category_field.clone());
    fields.extend(settings.tiebreaker_field.iter().cloned());
    fields.sort();
    fields.dedup();
    fields
}

/// A query compiled against a document store's columns.
#[derive(Debug)]
pub struct Engine {
    query: Query,
    settings: Settings,
    columns: HashMap<String, usize>,
    patterns: Patterns,
    stages: Vec<Stage>,
    until: Option<Stage>,
    maxspan: Option<i64>,
}

impl Engine {
    pub fn compile(
        query: &Query,
        settings: Settings,
        columns: &[Column],
    ) -> Result<Engine, Diagnostic> {
        let mut patterns = Patterns::default();
        for filter in query.filters() {
            patterns.collect(&filter.condition)?;
        }
        let columns = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        let (stages, until, maxspan) = stages_of(query);
        Ok(Engine {
            query: query.clone(),
            settings,
            columns,
            patterns,
            stages,
            until,
            maxspan,
        })
    }

    pub fn query(&self) -> &Query {
        &self.query
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The stages of a sequence or sample (empty for an event query).
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    fn ctx<'a>(&'a self, docs: &'a Documents, doc: usize) -> Ctx<'a> {
        Ctx {
            row: docs.row(doc),
            columns: &self.columns,
            patterns: &self.patterns,
        }
    }

    fn cell<'a>(&self, docs: &'a Documents, doc: usize, name: &str) -> &'a Cell {
        self.columns
            .get(name)
            .and_then(|&i| docs.row(doc).get(i))
            .unwrap_or(&NULL_CELL)
    }

    /// The documents of `window` that are events, in event order.
    pub fn ordered(&self, docs: &Documents, window: &[usize]) -> Vec<Event> {
        let mut events: Vec<Event> = window
            .iter()
            .filter_map(|&doc| {
                let time = timestamp(self.cell(docs, doc, &self.settings.timestamp_field))?;
                Some(Event { doc, time })
            })
            .collect();
        let tiebreaker = self.settings.tiebreaker_field.as_deref();
        events.sort_by(|a, b| {
            a.time
                .cmp(&b.time)
                .then_with(|| match tiebreaker {
                    Some(t) => compare_cells(self.cell(docs, a.doc, t), self.cell(docs, b.doc, t)),
                    None => std::cmp::Ordering::Equal,
                })
                .then(a.doc.cmp(&b.doc))
        });
        events
    }

    /// Whether a document satisfies a condition (part of a filter's, for `explain`).
    pub fn matches_expr(&self, docs: &Documents, doc: usize, e: &Expr) -> bool {
        condition::matches(e, &self.ctx(docs, doc))
    }

    /// Whether a document is of the filter's category and satisfies its condition.
    pub fn matches_filter(&self, docs: &Documents, doc: usize, filter: &EventFilter) -> bool {
        let category_ok = match &filter.category {
            Category::Any => true,
            Category::Named(name) => self
                .cell(docs, doc, &self.settings.event_category_field)
                .values()
                .iter()
                .any(|v| v.as_str() == Some(name)),
        };
        category_ok && condition::matches(&filter.condition, &self.ctx(docs, doc))
    }

    /// Runs the query over the documents of `window`.
    pub fn run(&self, docs: &Documents, window: &[usize]) -> Result<Outcome, Diagnostic> {
        let events = self.ordered(docs, window);
        Ok(match &self.query.body {
            Body::Event(filter) => {
                let hits: Vec<usize> = events
                    .iter()
                    .filter(|e| self.matches_filter(docs, e.doc, filter))
                    .map(|e| e.doc)
                    .collect();
                Outcome::Events(self.limit(hits))
            }
            Body::Sequence(_) => Outcome::Sequences(self.limit(self.sequences(docs, &events)?)),
            Body::Sample(_) => Outcome::Samples(self.limit(self.samples(docs, &events)?)),
        })
    }

    /// The pipes in order, then `size` (from the end when the last pipe is `tail`).
    fn limit<T>(&self, mut items: Vec<T>) -> Vec<T> {
        let mut from_end = false;
        for pipe in &self.query.pipes {
            let n = usize::try_from(pipe.count).unwrap_or(usize::MAX);
            from_end = pipe.kind == PipeKind::Tail;
            if from_end {
                let cut = items.len().saturating_sub(n);
                items.drain(..cut);
            } else {
                items.truncate(n);
            }
        }
        if from_end {
            let cut = items.len().saturating_sub(self.settings.size);
            items.drain(..cut);
        } else {
            items.truncate(self.settings.size);
        }
        items
    }

    /// The join keys of `event` for stage `stage` (none when it does not match the stage).
    pub fn keys_for(
        &self,
        docs: &Documents,
        stage: &Stage,
        doc: usize,
    ) -> Result<Vec<JoinKey>, Diagnostic> {
        if !self.matches_filter(docs, doc, &stage.filter) {
            return Ok(Vec::new());
        }
        join_keys(&stage.keys, &self.ctx(docs, doc))
    }

    fn sequences(&self, docs: &Documents, events: &[Event]) -> Result<Vec<Matched>, Diagnostic> {
        self.sequences_observed(docs, events, &mut |_| {})
    }

    /// What the sequence matcher did with each event of `window` for each stage it matched, in
    /// matching order, with positions replaced by documents (for `explain`). Empty for a query
    /// that is not a sequence.
    pub fn trace(&self, docs: &Documents, window: &[usize]) -> Result<Vec<Traced>, Diagnostic> {
        if !matches!(self.query.body, Body::Sequence(_)) {
            return Ok(Vec::new());
        }
        let events = self.ordered(docs, window);
        let mut steps = Vec::new();
        self.sequences_observed(docs, &events, &mut |step| steps.push(step))?;
        Ok(steps
            .into_iter()
            .map(|step| Traced {
                doc: events[step.event].doc,
                stage: step.stage,
                key: step.key,
                what: step.what.map_positions(|p| events[p].doc),
            })
            .collect())
    }

    fn sequences_observed(
        &self,
        docs: &Documents,
        events: &[Event],
        observe: &mut dyn FnMut(sequence::Step),
    ) -> Result<Vec<Matched>, Diagnostic> {
        // Keys are computed once per (stage, event); errors surface before matching starts.
        let mut keys: Vec<Vec<Vec<JoinKey>>> = Vec::with_capacity(self.stages.len());
        for stage in &self.stages {
            let mut per_event = Vec::with_capacity(events.len());
            for e in events {
                per_event.push(self.keys_for(docs, stage, e.doc)?);
            }
            keys.push(per_event);
        }
        let mut until_keys = Vec::new();
        if let Some(until) = &self.until {
            for e in events {
                until_keys.push(self.keys_for(docs, until, e.doc)?);
            }
        }
        let index: HashMap<usize, usize> =
            events.iter().enumerate().map(|(i, e)| (e.doc, i)).collect();
        let keys_of = |stage: usize, e: &Event| keys[stage][index[&e.doc]].clone();
        let until_of = |e: &Event| until_keys.get(index[&e.doc]).cloned().unwrap_or_default();
        // Steps are held until the missing-event check, which turns the completion of a
        // dropped sequence into the reason it was dropped.
        let mut steps = Vec::new();
        let matched = sequence::run_observed(
            &self.stages,
            self.maxspan,
            events,
            &keys_of,
            &until_of,
            &mut |step| steps.push(step),
        )?;
        let has_missing = self.stages.iter().any(|s| s.missing);
        let mut out: Vec<Matched> = Vec::with_capacity(matched.len());
        for m in matched {
            let breaker = match self.maxspan {
                Some(span) if has_missing => {
                    sequence::missing_breaker(&self.stages, span, events, &m, &keys_of)
                }
                _ => None,
            };
            if let Some((query, missing)) = breaker {
                mark_dropped(&mut steps, &m, query, missing);
                continue;
            }
            out.push(Matched {
                key: m.key,
                docs: m.events.iter().map(|&p| events[p].doc).collect(),
            });
        }
        for step in steps {
            observe(step);
        }
        // Elasticsearch keeps completed sequences ordered by their first event.
        let order: HashMap<usize, usize> =
            events.iter().enumerate().map(|(i, e)| (e.doc, i)).collect();
        out.sort_by_key(|m| m.docs.iter().map(|d| order[d]).collect::<Vec<_>>());
        Ok(out)
    }

    /// One sample per join key: for each query in turn, the first event of that key matching it
    /// that no earlier query of the sample took; keys in ascending order.
    fn samples(&self, docs: &Documents, events: &[Event]) -> Result<Vec<Matched>, Diagnostic> {
        let mut by_key: BTreeMap<JoinKey, Vec<Option<usize>>> = BTreeMap::new();
        for (s, stage) in self.stages.iter().enumerate() {
            for e in events {
                for key in self.keys_for(docs, stage, e.doc)? {
                    let slots = by_key
                        .entry(key)
                        .or_insert_with(|| vec![None; self.stages.len()]);
                    if slots[s].is_none() && !slots.contains(&Some(e.doc)) {
                        slots[s] = Some(e.doc);
                    }
                }
            }
        }
        Ok(by_key
            .into_iter()
            .filter_map(|(key, slots)| {
                let docs: Option<Vec<usize>> = slots.into_iter().collect();
                docs.map(|docs| Matched { key, docs })
            })
            .collect())
    }
}

/// Turns the step that completed `m` into the missing event that dropped it.
fn mark_dropped(steps: &mut [sequence::Step], m: &sequence::Matched, query: usize, missing: usize) {
    let (first, last) = (m.events[0], m.events[m.events.len() - 1]);
    let completed = steps.iter_mut().find(|s| {
        s.event == last && s.key == m.key && s.what == sequence::StepKind::Completed { first }
    });
    if let Some(step) = completed {
        step.what = sequence::StepKind::MissingEvent {
            first,
            missing,
            query,
        };
    }
}

/// A timestamp cell's first value in milliseconds.
fn timestamp(cell: &Cell) -> Option<i64> {
    match cell.values().first()? {
        Value::Datetime(ms) => Some(*ms),
        Value::Long(n) => Some(*n),
        Value::Integer(n) => Some(i64::from(*n)),
        Value::String(s) => datetime::parse_iso(s),
        _ => None,
    }
}

/// Expands `runs` and joins shared and per-query keys.
fn stages_of(query: &Query) -> (Vec<Stage>, Option<Stage>, Option<i64>) {
    let stage = |t: &SequenceTerm, shared: &[Expr], term: usize| Stage {
        filter: t.filter.clone(),
        keys: shared.iter().chain(t.by.iter()).cloned().collect(),
        missing: t.missing,
        term,
    };
    match &query.body {
        Body::Event(_) => (Vec::new(), None, None),
        Body::Sequence(seq) => {
            let mut stages = Vec::new();
            for (i, t) in seq.terms.iter().enumerate() {
                for _ in 0..t.runs.unwrap_or(1) {
                    stages.push(stage(t, &seq.by, i));
                }
            }
            let until = seq
                .until
                .as_ref()
                .map(|t| stage(t, &seq.by, seq.terms.len()));
            (stages, until, seq.maxspan.as_ref().map(TimeSpan::millis))
        }
        Body::Sample(sample) => {
            let stages = sample
                .terms
                .iter()
                .enumerate()
                .map(|(i, t)| stage(t, &sample.by, i))
                .collect();
            (stages, None, None)
        }
    }
}

/// The join keys of one event: each key's values (a multivalued field gives one key per value,
/// several multivalued keys their cartesian product); an event with a null key value has no
/// key unless the key is an optional `?field`.
fn join_keys(keys: &[Expr], ctx: &Ctx) -> Result<Vec<JoinKey>, Diagnostic> {
    let mut combos: Vec<JoinKey> = vec![Vec::new()];
    for key in keys {
        let values: Vec<Option<String>> = match &key.kind {
            ExprKind::Field(f) => {
                let cell = ctx.cell(f);
                if cell.is_null() {
                    if f.optional {
                        vec![None]
                    } else {
                        return Ok(Vec::new());
                    }
                } else {
                    cell.values()
                        .iter()
                        .map(|v| Some(v.to_json().to_string()))
                        .collect()
                }
            }
            _ => match script::eval(key, ctx).to_text() {
                Some(text) => vec![Some(serde_json::Value::String(text).to_string())],
                None => return Ok(Vec::new()),
            },
        };
        let mut next = Vec::with_capacity(combos.len() * values.len());
        for combo in &combos {
            for v in &values {
                let mut c = combo.clone();
                c.push(v.clone());
                next.push(c);
            }
        }
        if next.len() > MAX_KEY_COMBINATIONS {
            return Err(Diagnostic::error(
                E_KEYS,
                format!("multivalued join keys give more than {MAX_KEY_COMBINATIONS} key combinations for one event"),
            )
            .with_label(key.span, "this key"));
        }
        combos = next;
    }
    Ok(combos)
}
