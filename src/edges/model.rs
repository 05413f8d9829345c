//! What the edge generator reads from a rule's syntax tree, through its analysis: the
//! post-`STATS` thresholds with the aggregate each one tests, the `BY` keys, the exclusions of
//! the pre-`STATS` `WHERE`s and the request the positive conjuncts ask for.

use crate::analysis::{self, Predicate, PredicateKind};
use crate::esql::ast::{BinaryOp, CommandKind, ExprKind, Query};

/// `Esql.unique_credentials >= 3`, with what `Esql.unique_credentials` aggregates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Threshold {
    pub column: String,
    /// `>=`, `>`, `==`, `<=`, `<`.
    pub op: BinaryOp,
    pub value: i64,
    /// The aggregate function (`count_distinct`, `count`, …), lower-case.
    pub function: String,
    /// Its argument, when that is a column.
    pub counted_field: Option<String>,
}

impl Threshold {
    /// The smallest count that satisfies the threshold (`>= 3` → 3, `> 3` → 4).
    pub fn lowest_alerting(&self) -> Option<i64> {
        match self.op {
            BinaryOp::Gte | BinaryOp::Eq => Some(self.value),
            BinaryOp::Gt => self.value.checked_add(1),
            _ => None,
        }
    }

    pub fn text(&self) -> String {
        format!("{} {} {}", self.column, self.op.symbol(), self.value)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExclusionKind {
    /// `NOT f IN (…)`, `f NOT IN (…)`, `NOT f == v`.
    In,
    /// `NOT f LIKE "prefix*"`.
    StartsWith,
    /// Any other `LIKE`/`RLIKE` pattern (not varied by the generator).
    Pattern,
}

/// One exclusion: a top-level negative conjunct of a `WHERE` before `STATS`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exclusion {
    pub field: String,
    pub kind: ExclusionKind,
    pub values: Vec<String>,
    /// The function the field is wrapped in (`to_string(source.ip)`), if any.
    pub function: Option<String>,
    /// The conjunct's source text.
    pub text: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EdgeModel {
    pub thresholds: Vec<Threshold>,
    pub group_by: Vec<String>,
    pub exclusions: Vec<Exclusion>,
    /// `field == "value"` conjuncts before `STATS` (`event.action == "get"`).
    pub equalities: Vec<(String, String)>,
}

impl EdgeModel {
    /// Reads the model from the rule's analysis (the exclusions and indicators `inspect`
    /// reports) and, for what each threshold aggregates, its `STATS` command.
    pub fn from_query(query: &Query, text: &str) -> EdgeModel {
        let analysis = analysis::analyze(query, text);
        let aggregates = stats_aggregates(query, text);
        let exclusions = analysis
            .exclusions
            .iter()
            .filter(|predicate| !predicate.after_stats)
            .filter_map(|predicate| exclusion_of(predicate, text))
            .collect();
        let equalities = analysis
            .indicators
            .iter()
            .filter(|predicate| {
                !predicate.after_stats
                    && predicate.kind == PredicateKind::Eq
                    && predicate.function.is_none()
            })
            .filter_map(|predicate| {
                Some((predicate.field.clone(), predicate.values.first()?.clone()))
            })
            .collect();
        let thresholds = analysis
            .indicators
            .iter()
            .filter(|predicate| predicate.after_stats)
            .filter_map(|predicate| threshold_of(predicate, &aggregates))
            .collect();
        EdgeModel {
            thresholds,
            group_by: analysis.group_by,
            exclusions,
            equalities,
        }
    }

    /// The value an equality conjunct requires of `field`, if any.
    pub fn required(&self, field: &str) -> Option<&str> {
        self.equalities
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, value)| value.as_str())
    }
}

/// Each `STATS` aggregate that is a call: its output column, its function and the column it
/// counts (its first argument, when that is a column).
fn stats_aggregates(query: &Query, text: &str) -> Vec<(String, String, Option<String>)> {
    let mut aggregates: Vec<(String, String, Option<String>)> = Vec::new();
    if let Some(stats) = query
        .commands
        .iter()
        .find_map(|command| match &command.kind {
            CommandKind::Stats(stats) => Some(stats),
            _ => None,
        })
    {
        for aggregate in &stats.aggregates {
            if let ExprKind::Call(call) = &aggregate.field.expr.kind {
                let counted = call.args.first().and_then(|arg| match &arg.kind {
                    ExprKind::Column(name) => Some(name.name.clone()),
                    _ => None,
                });
                aggregates.push((
                    aggregate.field.column_name(text),
                    call.name.clone(),
                    counted,
                ));
            }
        }
    }
    aggregates
}

/// A pre-`STATS` exclusion of a kind the edges vary (a list, a prefix, a pattern).
fn exclusion_of(predicate: &Predicate, text: &str) -> Option<Exclusion> {
    let kind = match predicate.kind {
        PredicateKind::In | PredicateKind::Eq => ExclusionKind::In,
        PredicateKind::StartsWith => ExclusionKind::StartsWith,
        PredicateKind::Like | PredicateKind::Rlike => ExclusionKind::Pattern,
        _ => return None,
    };
    Some(Exclusion {
        field: predicate.field.clone(),
        kind,
        values: predicate.values.clone(),
        function: predicate.function.clone(),
        text: predicate.span.slice(text).trim().to_string(),
    })
}

/// A post-`STATS` comparison of an aggregate with a number.
fn threshold_of(
    predicate: &Predicate,
    aggregates: &[(String, String, Option<String>)],
) -> Option<Threshold> {
    let op = match predicate.kind {
        PredicateKind::Ge => BinaryOp::Gte,
        PredicateKind::Gt => BinaryOp::Gt,
        PredicateKind::Eq => BinaryOp::Eq,
        PredicateKind::Le => BinaryOp::Lte,
        PredicateKind::Lt => BinaryOp::Lt,
        _ => return None,
    };
    let value = predicate.values.first()?.parse().ok()?;
    let (_, function, counted_field) = aggregates
        .iter()
        .find(|(name, _, _)| *name == predicate.field)?;
    Some(Threshold {
        column: predicate.field.clone(),
        op,
        value,
        function: function.clone(),
        counted_field: counted_field.clone(),
    })
}
