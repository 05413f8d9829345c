//! `rulegate explain`: every document's fate under a rule — outside every window, not read by
//! `FROM`, dropped by a named conjunct (false or null, with the deciding value), or fed a group
//! that did or did not alert; for an EQL sequence, the steps it took ([`super::explain_eql`]).

use serde::Serialize;
use serde_json::Value;

use super::{conjunct_outcomes, DocumentSet, KqlSearch, PreparedRule, RuleRun};
use crate::document::Cell;
use crate::eval;
use crate::kql::ast::{Node, NodeKind};
use crate::kql::eval::{node_matches, Schema};
use crate::schedule::{Fields, Timestamp};

/// What happened to one document.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "fate", rename_all = "snake_case")]
pub enum Fate {
    /// No execution's time range included it.
    OutsideWindows,
    /// `FROM` does not read its data stream.
    NotRead { index: String },
    /// A `WHERE` conjunct was false or null.
    Dropped {
        /// `exclusion` or `indicator`, as `inspect` names them.
        role: &'static str,
        conjunct: String,
        field: String,
        /// The field's value in the document (`null` when missing).
        value: Value,
        /// `false` or `null`: a null drops the document as surely as false.
        result: &'static str,
        /// How many other conjuncts also failed.
        also_failed: usize,
    },
    /// Passed every conjunct before `STATS`: the group it fed, and whether that group alerted in
    /// an execution that read the document.
    Grouped {
        group: Fields,
        alerted: bool,
        alerts: Vec<String>,
    },
    /// EQL sequence: the document matches no step; each step's first failing conjunct.
    NoStep { steps: Vec<StepMiss> },
    /// EQL sequence: every step the document matched and what the matcher did with it there,
    /// and whether it is in an alerting sequence (its building-block alerts).
    Sequence {
        steps: Vec<StepFate>,
        alerted: bool,
        alerts: Vec<String>,
    },
}

/// Why a document does not match one step of an EQL sequence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepMiss {
    /// The written query of the sequence, from 1.
    pub step: usize,
    pub conjunct: String,
    pub field: String,
    pub value: Value,
    pub result: &'static str,
    /// How many other conjuncts of the step also failed.
    pub also_failed: usize,
}

/// One step of an EQL sequence a document matched.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepFate {
    /// The written query of the sequence, from 1.
    pub step: usize,
    /// `started`, `advanced`, `completed`, `outside_maxspan`, `until_reached`,
    /// `no_earlier_step`, `key_differs`, `out_of_order`, `no_shared_window`,
    /// `no_waiting_sequence`, `no_join_key`.
    pub outcome: &'static str,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocumentFate {
    /// 1-based position in the input.
    pub document: usize,
    pub timestamp: Option<Timestamp>,
    pub actor: Option<String>,
    #[serde(flatten)]
    pub fate: Fate,
}

/// How a document's value of one `BY` key is found.
enum GroupKey {
    /// A document field (`None`: no document has it).
    Column(Option<usize>),
    /// Built by the query: `BY k = DATE_TRUNC(…)`, or a column an earlier `EVAL` defines.
    Computed(eval::Predicate),
}

/// The `BY` keys of the last `STATS`, each with how to compute a document's value of it. A key
/// built by `EVAL` or by an expression in `BY` is evaluated per document, as `STATS` groups by
/// it; comparing the raw document field instead would find no alert for a group that alerted.
fn group_keys(rule: &PreparedRule, docs: &DocumentSet) -> Vec<(String, GroupKey)> {
    use crate::esql::ast::{CommandKind, ExprKind};
    let Some(query) = rule.logic.esql() else {
        return Vec::new();
    };
    let commands = &query.commands;
    let Some(stats_at) = commands
        .iter()
        .rposition(|c| matches!(c.kind, CommandKind::Stats(_)))
    else {
        return Vec::new();
    };
    let CommandKind::Stats(stats) = &commands[stats_at].kind else {
        return Vec::new();
    };
    // The expression an earlier EVAL gave a column, following `EVAL b = a` chains.
    let defined_by_eval = |name: &str| {
        commands[..stats_at]
            .iter()
            .rev()
            .find_map(|c| match &c.kind {
                CommandKind::Eval(fields) => fields
                    .iter()
                    .rev()
                    .find(|f| f.column_name(&rule.text) == name)
                    .map(|f| &f.expr),
                _ => None,
            })
    };
    let columns = &docs.documents.columns;
    stats
        .by
        .iter()
        .map(|field| {
            let name = field.column_name(&rule.text);
            let mut expr = &field.expr;
            if let ExprKind::Column(column) = &expr.kind {
                match defined_by_eval(&column.name) {
                    Some(defined) => expr = defined,
                    None => return (name, GroupKey::Column(docs.documents.column(&column.name))),
                }
            }
            match eval::Predicate::compile_value(expr, &rule.text, columns) {
                Ok(compiled) => (name, GroupKey::Computed(compiled)),
                Err(_) => (name.clone(), GroupKey::Column(docs.documents.column(&name))),
            }
        })
        .collect()
}

/// `NOW()` of the first execution that read a document (the one `conjunct_outcomes` uses).
fn first_read(run: &RuleRun, executions: &[usize]) -> i64 {
    executions
        .iter()
        .map(|&i| run.plan[i].time.millis())
        .min()
        .unwrap_or(0)
}

/// The fate of every document of `docs` under `rule`, given the rule's run over them.
pub fn explain(rule: &PreparedRule, docs: &DocumentSet, run: &RuleRun) -> Vec<DocumentFate> {
    let mut read_by: Vec<Vec<usize>> = vec![Vec::new(); docs.documents.len()];
    for (index, execution) in run.plan.iter().enumerate() {
        for &doc in &execution.documents {
            read_by[doc].push(index);
        }
    }
    if let Some(search) = rule.logic.kql() {
        return explain_kql(search, docs, run, &read_by);
    }
    if let super::RuleLogic::Eql(search) = &rule.logic {
        return super::explain_eql::explain_eql(rule, search, docs, run, &read_by);
    }
    let outcomes = conjunct_outcomes(rule, docs, &run.plan);
    let timestamp_column = docs.documents.column("@timestamp");
    let keys = group_keys(rule, docs);
    let mut evaluated = outcomes.documents.iter().peekable();
    (0..docs.documents.len())
        .map(|doc| {
            let row = docs.documents.row(doc);
            let timestamp = timestamp_column.and_then(|c| match &row[c] {
                Cell::One(crate::document::Value::Datetime(millis)) => Some(Timestamp(*millis)),
                _ => None,
            });
            let values = match evaluated.peek() {
                Some((evaluated_doc, _, values)) if *evaluated_doc == doc => {
                    let values = values.clone();
                    evaluated.next();
                    Some(values)
                }
                _ => None,
            };
            let fate = match values {
                None if read_by[doc].is_empty() => Fate::OutsideWindows,
                None => Fate::NotRead {
                    index: docs.documents.index_of(doc).unwrap_or("").to_string(),
                },
                Some(values) => match values.iter().position(|value| *value != Some(true)) {
                    Some(first) => {
                        dropped_fate(rule, docs, row, outcomes.conjuncts[first], &values, first)
                    }
                    None => grouped_fate(docs, run, &read_by[doc], &keys, doc),
                },
            };
            DocumentFate {
                document: doc + 1,
                timestamp,
                actor: docs.actors[doc].clone(),
                fate,
            }
        })
        .collect()
}

/// A document a conjunct dropped: the first whose value (`values`, one per conjunct) is not
/// true, at `first`.
fn dropped_fate(
    rule: &PreparedRule,
    docs: &DocumentSet,
    row: &[Cell],
    conjunct: &crate::analysis::Predicate,
    values: &[Option<bool>],
    first: usize,
) -> Fate {
    let is_exclusion = rule
        .analysis
        .exclusions
        .iter()
        .any(|e| e.location == conjunct.location);
    Fate::Dropped {
        role: if is_exclusion {
            "exclusion"
        } else {
            "indicator"
        },
        conjunct: conjunct.span.slice(&rule.text).trim().to_string(),
        field: conjunct.field.clone(),
        value: docs
            .documents
            .column(&conjunct.field)
            .map_or(Value::Null, |c| row[c].to_json()),
        result: if values[first].is_none() {
            "null"
        } else {
            "false"
        },
        also_failed: values.iter().filter(|v| **v != Some(true)).count() - 1,
    }
}

/// A document every conjunct kept: its group (the first execution that read it evaluates
/// computed keys) and the alerts of that group from the executions that read it (`read_by`).
fn grouped_fate(
    docs: &DocumentSet,
    run: &RuleRun,
    read_by: &[usize],
    keys: &[(String, GroupKey)],
    doc: usize,
) -> Fate {
    let row = docs.documents.row(doc);
    let now = first_read(run, read_by);
    let group: Vec<(String, Value)> = keys
        .iter()
        .map(|(key, value)| {
            let value = match value {
                GroupKey::Column(Some(c)) => row[*c].to_json(),
                GroupKey::Column(None) => Value::Null,
                GroupKey::Computed(expr) => expr.value(&docs.documents, doc, now).to_json(),
            };
            (key.clone(), value)
        })
        .collect();
    let alerts: Vec<String> = run
        .replay
        .alerts
        .iter()
        .filter(|alert| read_by.contains(&alert.execution))
        .filter(|alert| {
            group
                .iter()
                .all(|(key, value)| alert.fields.get(key).is_none_or(|v| v == value))
        })
        .map(|alert| alert.id.clone())
        .collect();
    Fate::Grouped {
        group: Fields(group),
        alerted: !alerts.is_empty(),
        alerts,
    }
}

/// A KQL rule: each top-level clause evaluated alone on every document read by some execution
/// (the first execution's `now`); the first clause that is false drops it.
fn explain_kql(
    search: &KqlSearch,
    docs: &DocumentSet,
    run: &RuleRun,
    read_by: &[Vec<usize>],
) -> Vec<DocumentFate> {
    let store = &docs.documents;
    let clauses: Vec<&Node> = match search.query.root.as_ref().map(|root| &root.kind) {
        None => Vec::new(),
        Some(NodeKind::And(items)) => items.iter().collect(),
        Some(_) => search.query.root.iter().collect(),
    };
    let timestamp_column = store.column("@timestamp");
    (0..store.len())
        .map(|doc| {
            let row = store.row(doc);
            let timestamp = timestamp_column.and_then(|c| match &row[c] {
                Cell::One(crate::document::Value::Datetime(millis)) => Some(Timestamp(*millis)),
                _ => None,
            });
            let index = store.index_of(doc);
            let fate = if read_by[doc].is_empty() {
                Fate::OutsideWindows
            } else if index.is_some_and(|name| {
                !search.index.is_empty()
                    && !search
                        .index
                        .iter()
                        .any(|p| crate::document::index_matches(p, name))
            }) {
                Fate::NotRead {
                    index: index.unwrap_or("").to_string(),
                }
            } else {
                let now = run.plan[read_by[doc][0]].time.millis();
                kql_fate(&clauses, store, doc, now, run, read_by)
            };
            DocumentFate {
                document: doc + 1,
                timestamp,
                actor: docs.actors[doc].clone(),
                fate,
            }
        })
        .collect()
}

fn kql_fate(
    clauses: &[&Node],
    store: &crate::document::Documents,
    doc: usize,
    now: i64,
    run: &RuleRun,
    read_by: &[Vec<usize>],
) -> Fate {
    let schema = Schema {
        columns: &store.columns,
        now,
    };
    let row = store.row(doc);
    // A clause the engine refuses fails the whole run before explain is reached.
    let failed: Vec<&&Node> = clauses
        .iter()
        .filter(|clause| !node_matches(clause, &schema, row).unwrap_or(false))
        .collect();
    if let Some(first) = failed.first() {
        let (role, inner) = match &first.kind {
            NodeKind::Not(inner) => ("exclusion", inner.as_ref()),
            _ => ("indicator", **first),
        };
        let field = deciding_field(inner, role == "indicator", &schema, row);
        let mut conjunct = String::new();
        crate::kql::print::node(first, &mut conjunct);
        return Fate::Dropped {
            role,
            conjunct,
            value: store
                .column(&field)
                .map_or(Value::Null, |c| row[c].to_json()),
            field,
            result: "false",
            also_failed: failed.len() - 1,
        };
    }
    let id = Value::from(store.id_of(doc));
    let alerts: Vec<String> = run
        .replay
        .alerts
        .iter()
        .filter(|alert| read_by[doc].contains(&alert.execution))
        .filter(|alert| alert.fields.get("_id") == Some(&id))
        .map(|alert| alert.id.clone())
        .collect();
    Fate::Grouped {
        group: Fields(vec![("_id".to_string(), id)]),
        alerted: !alerts.is_empty(),
        alerts,
    }
}

/// The field of the leaf clause that kept `node` from being `want`: for `not (a:x or b:y)` the
/// disjunct that matched, for `a:x and b:y` the first that failed. A compound clause named by no
/// field would read "the exclusion on ``" in the generated pages. Empty only for free text.
fn deciding_field(node: &Node, want: bool, schema: &Schema, row: &[Cell]) -> String {
    let holds = |child: &Node| node_matches(child, schema, row).unwrap_or(false);
    match &node.kind {
        NodeKind::Match { field, .. }
        | NodeKind::Range { field, .. }
        | NodeKind::Nested { field, .. } => field.text(),
        NodeKind::Not(inner) => deciding_field(inner, !want, schema, row),
        // `want` true: the list is false, so some operand is false (`and`) or all are (`or`);
        // `want` false: the list is true, so all operands are true (`and`) or some is (`or`).
        NodeKind::And(children) | NodeKind::Or(children) => {
            let is_and = matches!(node.kind, NodeKind::And(_));
            let decisive = if is_and == want {
                children.iter().find(|child| holds(child) != want)
            } else {
                children.first()
            };
            decisive.map_or_else(String::new, |child| {
                deciding_field(child, want, schema, row)
            })
        }
        NodeKind::FreeText(_) => String::new(),
    }
}

/// One line per document.
pub fn render_table(fates: &[DocumentFate]) -> String {
    let mut out = String::new();
    for fate in fates {
        let time = fate
            .timestamp
            .map(|t| t.to_string())
            .unwrap_or_else(|| "-".into());
        let actor = fate
            .actor
            .as_deref()
            .map(|a| format!(" [{a}]"))
            .unwrap_or_default();
        let what = describe(&fate.fate);
        out.push_str(&format!("#{:<5} {time}{actor}  {what}\n", fate.document));
    }
    out
}

/// One fate as the table's text.
fn describe(fate: &Fate) -> String {
    match fate {
        Fate::OutsideWindows => "outside every execution window".to_string(),
        Fate::NotRead { index } => format!("not read by FROM (data stream `{index}`)"),
        Fate::Dropped {
            role,
            conjunct,
            field,
            value,
            result,
            also_failed,
        } => format!(
            "dropped by {role} `{conjunct}`: {result} ({field} = {value}){}",
            if *also_failed > 0 {
                format!(", {also_failed} more conjunct(s) also failed")
            } else {
                String::new()
            }
        ),
        Fate::Grouped {
            group,
            alerted,
            alerts,
        } => {
            let keys: Vec<String> = group.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
            if *alerted {
                format!(
                    "fed group {} which alerted ({})",
                    keys.join(" "),
                    alerts.join(", ")
                )
            } else {
                format!("fed group {} which did not alert", keys.join(" "))
            }
        }
        Fate::NoStep { steps } => {
            let steps: Vec<String> = steps
                .iter()
                .map(|s| {
                    format!(
                        "step {} `{}` {} ({} = {}){}",
                        s.step,
                        s.conjunct,
                        s.result,
                        s.field,
                        s.value,
                        if s.also_failed > 0 {
                            format!(" and {} more", s.also_failed)
                        } else {
                            String::new()
                        }
                    )
                })
                .collect();
            format!("matches no step: {}", steps.join("; "))
        }
        Fate::Sequence {
            steps,
            alerted,
            alerts,
        } => {
            let steps: Vec<String> = steps
                .iter()
                .map(|s| format!("step {} {}: {}", s.step, s.outcome, s.detail))
                .collect();
            let verdict = if *alerted {
                format!("in an alerting sequence ({})", alerts.join(", "))
            } else {
                "in no alerting sequence".to_string()
            };
            format!("{}; {verdict}", steps.join("; "))
        }
    }
}
