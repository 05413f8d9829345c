//! `rulegate edges` for KQL rules: a witness document that the query matches, then one
//! scenario per leaf of the tree (each listed value hit and its near misses, wildcard
//! boundaries, range steps, `field:*` present or missing, `not` over a missing field), and the
//! edges of the rule's type: `threshold` counts N−1/N/N+1 and cardinality C−1/C/C+1,
//! `new_terms` a term seen in the history window, at its start, just before it, or never.
//!
//! Every expectation comes from the engine: each document is run through the compiled query
//! and filters (`judge`), and buckets and new terms are counted as `crate::runner::logic`
//! counts them. Times follow the ES|QL edges: `E` is the first execution after
//! 2026-05-15T10:00:00Z plus one interval, and the events lie in `E`'s window only.
//!
//! Diagnostic codes:
//!
//! | code | meaning |
//! |---|---|
//! | `E730` | no document the edges could vary satisfies the query (a witness was not found) |
//! | `E731` | the rule's type has no KQL edges (only `query`, `threshold`, `new_terms`) |
//! | `E732` | the rule's documents have no data stream dataset the generator can write them under |

mod judge;
mod render;
mod sites;
mod types;
mod witness;

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::EdgeScenario;
use crate::diagnostic::Diagnostic;
use crate::kql::ast::{Node, NodeKind, Query};
use crate::rule::LoadedRule;
use crate::runner::{KqlSearch, RuleLogic};
use crate::schedule::{time::SECOND, ScheduleSpec, Timestamp};
use judge::Judge;
use render::{KqlActor, KqlStep};
use witness::{Context, Doc};

pub const E_NO_WITNESS: &str = "E730";
pub const E_RULE_TYPE: &str = "E731";
pub const E_DATASET: &str = "E732";

/// Attempts at a witness, each taking other `or` branches.
const WITNESS_ATTEMPTS: u64 = 64;
/// The most events one scenario step writes (threshold and cardinality edges are sized by it).
pub const MAX_EVENTS: i64 = 10_000;

/// What the generator needs of the rule.
pub struct KqlEdgeInput<'a> {
    pub rule_reference: &'a str,
    pub rule_display: &'a str,
    pub schedule: &'a ScheduleSpec,
    pub loaded: &'a LoadedRule,
}

/// The rule's type with what its edges need.
enum Kind<'a> {
    Query,
    Threshold(&'a crate::runner::ThresholdSpec),
    NewTerms(&'a crate::runner::NewTermsSpec),
}

/// Generates every edge scenario of a KQL rule, in a stable order.
pub fn generate(input: &KqlEdgeInput) -> Result<Vec<EdgeScenario>, Diagnostic> {
    let mut logic = RuleLogic::from_loaded(input.loaded)?;
    if let Some(id) = &input.loaded.rule.data.data_view_id {
        crate::runner::resolve_data_view(&mut logic, id)
            .map_err(|error| error.in_file(&input.loaded.file))?;
    }
    let (search, kind) = match &logic {
        RuleLogic::Query(search) => (search, Kind::Query),
        RuleLogic::Threshold(search, spec) => (search, Kind::Threshold(spec)),
        RuleLogic::NewTerms(search, spec) => (search, Kind::NewTerms(spec)),
        _ => {
            return Err(Diagnostic::error(
                E_RULE_TYPE,
                "KQL edges exist for `query`, `threshold` and `new_terms` rules only",
            )
            .in_file(&input.loaded.file))
        }
    };
    let mapping = crate::document::Catalog::current().load_mapping();
    let types = |field: &str| mapping.get(field);
    let plan = Plan::new(input, search, kind, &types)?;
    let mut drafts = Vec::new();
    plan.type_edges(&mut drafts)?;
    plan.value_edges(&mut drafts)?;
    Ok(drafts
        .iter()
        .map(|draft| draft.render(input.rule_display, input.rule_reference))
        .collect())
}

/// The witness, the times and the judge every edge of a rule shares.
pub struct Plan<'a> {
    input: &'a KqlEdgeInput<'a>,
    search: &'a KqlSearch,
    kind: Kind<'a>,
    context: Context<'a>,
    dataset: String,
    witness: Doc,
    /// Fields the query reads (edges never vary a bucket or term field the query constrains).
    read: BTreeSet<String>,
    identity_field: &'static str,
    /// `E`, the aimed-at execution; events go in `[first, last]`, read by `E` only.
    execution: Timestamp,
    first: Timestamp,
    last: Timestamp,
}

impl<'a> Plan<'a> {
    fn new(
        input: &'a KqlEdgeInput<'a>,
        search: &'a KqlSearch,
        kind: Kind<'a>,
        types: &'a dyn Fn(&str) -> Option<crate::document::Type>,
    ) -> Result<Plan<'a>, Diagnostic> {
        let schedule = input.schedule;
        let anchor = Timestamp::parse("2026-05-15T10:00:00Z")
            .expect("a valid constant")
            .round_up(schedule.interval)
            .expect("a fixed 2026 instant rounds up within range");
        let execution = anchor.plus(schedule.interval);
        // After the previous window's end and in this window, before the next window starts.
        let first = execution.plus((schedule.to - schedule.interval).max(schedule.from) + SECOND);
        let last = execution.plus(schedule.to.min(schedule.interval + schedule.from) - SECOND);
        let context = Context {
            types,
            now: execution.millis(),
        };
        let mut read = BTreeSet::new();
        if let Some(root) = &search.query.root {
            root.walk(&mut |node: &Node| match &node.kind {
                NodeKind::Match { field, .. } | NodeKind::Range { field, .. } => {
                    read.insert(field.text());
                }
                _ => {}
            });
        }
        let identity_field = [
            "kubernetes.audit.auditID",
            "event.id",
            "labels.edge_variant",
        ]
        .into_iter()
        .find(|field| !read.contains(*field))
        .unwrap_or("labels.edge_variant");
        let mut plan = Plan {
            input,
            search,
            kind,
            context,
            dataset: String::new(),
            witness: Doc::new(),
            read,
            identity_field,
            execution,
            first,
            last,
        };
        plan.find_witness()?;
        Ok(plan)
    }

    fn judge(&self) -> Judge<'_> {
        Judge {
            query: &self.search.query,
            filters: &self.search.filters,
            now: self.execution.millis(),
        }
    }

    fn loaded_error(&self, code: &'static str, message: String) -> Diagnostic {
        Diagnostic::error(code, message).in_file(&self.input.loaded.file)
    }

    /// Fields a bucket or term needs that the query leaves free get a fixed value.
    fn type_fields(&self) -> Vec<&'a String> {
        match self.kind {
            Kind::Query => Vec::new(),
            Kind::Threshold(spec) => spec.fields.iter().collect(),
            Kind::NewTerms(spec) => spec.fields.iter().collect(),
        }
    }

    fn find_witness(&mut self) -> Result<(), Diagnostic> {
        let empty = Query {
            root: None,
            span: Default::default(),
        };
        for attempt in 0..WITNESS_ATTEMPTS {
            let candidate = match &self.search.query.root {
                Some(root) => witness::build(root, &self.context, attempt),
                None => Some(Doc::new()),
            };
            let Some(mut doc) = candidate else { continue };
            for field in self.type_fields() {
                let ty = (self.context.types)(field);
                doc.entry(field.clone())
                    .or_insert_with(|| witness::filler(ty, "edge-group", 0));
            }
            let dataset = self.dataset_of(&mut doc)?;
            self.dataset = dataset;
            if self.judge().matches(&self.full(&doc, "witness"))? == Some(true) {
                self.witness = doc;
                return Ok(());
            }
            if self.search.query.root.is_none() || self.search.query == empty {
                break;
            }
        }
        Err(self.loaded_error(
            E_NO_WITNESS,
            format!("cannot derive edge scenarios: no document rulegate builds from the query's leaves matches the query and its filters (tried {WITNESS_ATTEMPTS} choices of `or` branches)"),
        )
        .with_help("edges vary one field of a document the rule matches; a query over nested fields, free text or contradictory clauses has none"))
    }

    /// The dataset the events are written under: the witness's `data_stream.dataset` or
    /// `event.dataset` (the generator writes both), else the rule's `logs-<dataset>-*` index.
    fn dataset_of(&self, doc: &mut Doc) -> Result<String, Diagnostic> {
        let from_doc: BTreeSet<String> = ["data_stream.dataset", "event.dataset"]
            .iter()
            .filter_map(|field| doc.remove(*field))
            .map(|value| {
                value
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| value.to_string())
            })
            .collect();
        let index = &self.search.index;
        let from_index = index.iter().find_map(|pattern| {
            let inner = pattern.strip_prefix("logs-")?.strip_suffix("-*")?;
            (!inner.contains('*')).then(|| inner.to_string())
        });
        let dataset = match (from_doc.len(), from_doc.into_iter().next(), from_index) {
            (1, Some(dataset), _) => dataset,
            (0, _, Some(dataset)) => dataset,
            (0, _, None) if index.is_empty() => crate::audit::ecs::DATASET.to_string(),
            _ => {
                return Err(self.loaded_error(E_DATASET, "cannot derive edge scenarios: the rule's query and `index` name no single data stream dataset to write events under".into()))
            }
        };
        let stream = format!("logs-{dataset}-default");
        if !index.is_empty()
            && !index
                .iter()
                .any(|pattern| crate::document::index_matches(pattern, &stream))
        {
            return Err(self.loaded_error(
                E_DATASET,
                format!("cannot derive edge scenarios: events of dataset `{dataset}` land in `{stream}`, which the rule's `index` ({}) does not read", index.join(", ")),
            ));
        }
        Ok(dataset)
    }

    /// A document as the generator writes it: the fields, the dataset, the defaults it adds
    /// and the actor's identity.
    fn full(&self, doc: &Doc, identity: &str) -> Doc {
        let mut full = doc.clone();
        for (field, value) in [
            ("data_stream.dataset", self.dataset.as_str()),
            ("event.dataset", self.dataset.as_str()),
            ("data_stream.type", "logs"),
            ("data_stream.namespace", "default"),
            ("event.kind", "event"),
        ] {
            full.entry(field.to_string())
                .or_insert_with(|| Json::from(value));
        }
        full.insert(self.identity_field.to_string(), Json::from(identity));
        full
    }

    fn actor(&self, slug: &str, key: &str) -> KqlActor {
        KqlActor {
            key: key.to_string(),
            identity: (
                self.identity_field.to_string(),
                format!("edge-{slug}-{key}"),
            ),
        }
    }

    fn step(&self, actor: &str, at: Timestamp, count: i64, spacing: i64, fields: Doc) -> KqlStep {
        KqlStep {
            actor: actor.to_string(),
            at,
            dataset: self.dataset.clone(),
            count,
            spacing,
            history: false,
            fields,
            draw: None,
        }
    }

    /// Spacing that fits `events` into `[first, last]`: whole seconds when they fit, else
    /// milliseconds; `None` when not even one millisecond apart fits.
    fn spacing(&self, events: i64) -> Option<i64> {
        let span = self.last.millis() - self.first.millis();
        if events <= 1 {
            return (span >= 0).then_some(SECOND);
        }
        let gap = span / (events - 1);
        match gap {
            g if g >= SECOND => Some(SECOND),
            g if g >= 1 => Some(g),
            _ => None,
        }
    }

    /// `alerts = n` where the count is exact (no suppression), else at least one alert.
    fn expect_alerts(&self, expect: &mut crate::edges::DraftExpect, alerts: u64, exact: bool) {
        if !exact {
            return;
        }
        if self.input.schedule.suppression.is_some() && alerts > 0 {
            expect.min_alerts = Some(1);
        } else {
            expect.alerts = Some(alerts);
        }
    }
}

/// A file-name slug from a field name.
fn slug_of(field: &str) -> String {
    field
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}
