//! What the edge generator reads from a rule's syntax tree: the post-`STATS` thresholds with the
//! aggregate each one tests, the `BY` keys, the exclusions of the pre-`STATS` `WHERE`s and the
//! request the positive conjuncts ask for.

use crate::syntax::ast::{BinaryOp, CommandKind, Expr, ExprKind, Literal, PatternKind, Query};

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
            BinaryOp::Gt => Some(self.value + 1),
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
    pub fn from_query(query: &Query, text: &str) -> EdgeModel {
        let mut model = EdgeModel::default();
        let mut aggregates: Vec<(String, String, Option<String>)> = Vec::new();
        let mut after_stats = false;
        for command in &query.commands {
            match &command.kind {
                CommandKind::Where(condition) if !after_stats => {
                    for conjunct in conjuncts(condition) {
                        model.read_conjunct(conjunct, text);
                    }
                }
                CommandKind::Where(condition) => {
                    for conjunct in conjuncts(condition) {
                        if let Some(threshold) = threshold(conjunct, &aggregates) {
                            model.thresholds.push(threshold);
                        }
                    }
                }
                CommandKind::Stats(stats) if !after_stats => {
                    after_stats = true;
                    model.group_by = stats
                        .by
                        .iter()
                        .map(|field| field.column_name(text))
                        .collect();
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
                _ => {}
            }
        }
        model
    }

    fn read_conjunct(&mut self, conjunct: &Expr, text: &str) {
        let source = conjunct.span.slice(text).trim().to_string();
        match &conjunct.kind {
            ExprKind::Not(inner) => {
                if let Some(mut exclusion) = exclusion(inner) {
                    exclusion.text = source;
                    self.exclusions.push(exclusion);
                }
            }
            ExprKind::In { negated: true, .. } | ExprKind::Like { negated: true, .. } => {
                let positive = match &conjunct.kind {
                    ExprKind::In { value, list, .. } => ExprKind::In {
                        value: value.clone(),
                        list: list.clone(),
                        negated: false,
                    },
                    ExprKind::Like {
                        value,
                        patterns,
                        kind,
                        ..
                    } => ExprKind::Like {
                        value: value.clone(),
                        patterns: patterns.clone(),
                        kind: *kind,
                        negated: false,
                    },
                    _ => unreachable!("matched above"),
                };
                if let Some(mut exclusion) = exclusion(&Expr {
                    kind: positive,
                    span: conjunct.span,
                }) {
                    exclusion.text = source;
                    self.exclusions.push(exclusion);
                }
            }
            ExprKind::Binary {
                op: BinaryOp::Eq,
                left,
                right,
            } => {
                if let (Some((field, None)), Some(value)) = (field_of(left), string_of(right)) {
                    self.equalities.push((field, value));
                }
            }
            _ => {}
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

/// The top-level `AND` operands of a condition, left to right.
pub fn conjuncts(expr: &Expr) -> Vec<&Expr> {
    match &expr.kind {
        ExprKind::And(left, right) => {
            let mut all = conjuncts(left);
            all.extend(conjuncts(right));
            all
        }
        _ => vec![expr],
    }
}

fn exclusion(inner: &Expr) -> Option<Exclusion> {
    let (field, function, kind, values) = match &inner.kind {
        ExprKind::In {
            value,
            list,
            negated: false,
        } => {
            let (field, function) = field_of(value)?;
            (
                field,
                function,
                ExclusionKind::In,
                list.iter().filter_map(string_of).collect(),
            )
        }
        ExprKind::Binary {
            op: BinaryOp::Eq,
            left,
            right,
        } => {
            let (field, function) = field_of(left)?;
            (field, function, ExclusionKind::In, vec![string_of(right)?])
        }
        ExprKind::Like {
            value,
            patterns,
            kind,
            negated: false,
        } => {
            let (field, function) = field_of(value)?;
            let prefixes: Option<Vec<String>> = patterns
                .iter()
                .map(|pattern| like_prefix(&pattern.value))
                .collect();
            match (kind, prefixes) {
                (PatternKind::Like, Some(prefixes)) => {
                    (field, function, ExclusionKind::StartsWith, prefixes)
                }
                _ => (
                    field,
                    function,
                    ExclusionKind::Pattern,
                    patterns.iter().map(|p| p.value.clone()).collect(),
                ),
            }
        }
        _ => return None,
    };
    Some(Exclusion {
        field,
        kind,
        values,
        function,
        text: String::new(),
    })
}

/// `prefix*` with no other wildcard or escape: the prefix.
fn like_prefix(pattern: &str) -> Option<String> {
    let prefix = pattern.strip_suffix('*')?;
    (!prefix.contains(['*', '?', '\\'])).then(|| prefix.to_string())
}

/// A column, or a one-argument function of a column: `(field, function)`.
fn field_of(expr: &Expr) -> Option<(String, Option<String>)> {
    match &expr.kind {
        ExprKind::Column(name) => Some((name.name.clone(), None)),
        ExprKind::Call(call) if call.args.len() == 1 => match &call.args[0].kind {
            ExprKind::Column(name) => Some((name.name.clone(), Some(call.name.clone()))),
            _ => None,
        },
        _ => None,
    }
}

fn string_of(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Literal(Literal::String(text)) => Some(text.clone()),
        _ => None,
    }
}

fn integer_of(expr: &Expr) -> Option<i64> {
    match &expr.kind {
        ExprKind::Literal(Literal::Integer(value)) => i64::try_from(*value).ok(),
        _ => None,
    }
}

fn threshold(
    conjunct: &Expr,
    aggregates: &[(String, String, Option<String>)],
) -> Option<Threshold> {
    let ExprKind::Binary { op, left, right } = &conjunct.kind else {
        return None;
    };
    // `3 <= c` reads as `c >= 3`.
    let (column, op, value) = match (&left.kind, integer_of(right), integer_of(left)) {
        (ExprKind::Column(name), Some(value), _) => (name.name.clone(), *op, value),
        (_, _, Some(value)) => {
            let ExprKind::Column(name) = &right.kind else {
                return None;
            };
            let flipped = match op {
                BinaryOp::Lt => BinaryOp::Gt,
                BinaryOp::Lte => BinaryOp::Gte,
                BinaryOp::Gt => BinaryOp::Lt,
                BinaryOp::Gte => BinaryOp::Lte,
                other => *other,
            };
            (name.name.clone(), flipped, value)
        }
        _ => return None,
    };
    if !op.is_comparison() {
        return None;
    }
    let (_, function, counted_field) = aggregates.iter().find(|(name, _, _)| *name == column)?;
    Some(Threshold {
        column,
        op,
        value,
        function: function.clone(),
        counted_field: counted_field.clone(),
    })
}
