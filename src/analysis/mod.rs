//! What a rule's query does, read from its syntax tree: pipeline stages, exclusions,
//! indicators, group-by fields and output fields. `inspect` renders it; `explain`, `edges`,
//! `mutate`, `diff` and `coverage` reuse the conjuncts it locates.
//!
//! Choices (see also docs/esql-semantics.md):
//! * Every `WHERE` is split into its top-level `AND` conjuncts (parentheses do not matter:
//!   `AND` is associative). A conjunct that is negated — `NOT (…)`, `x NOT IN (…)`,
//!   `x NOT LIKE …` — is an **exclusion**; any other is an **indicator**. `x != v` is an
//!   indicator of kind `neq`: it is a comparison, not a negation, in the syntax.
//! * Exclusions and indicators come from every `WHERE`, before and after `STATS`
//!   (`after_stats` tells them apart), in query order.
//! * `values` keep the order written in the query (the seed page's tables sort them).
//! * `group_by` is the `BY` list of the last `STATS` (later `STATS` regroup earlier ones);
//!   `output_fields` is the last `KEEP` list.

mod predicate;

pub use predicate::{classify, first_column, prefix_pattern, value_text, PredicateKind, Test};

use crate::esql::ast::{CommandKind, Expr, ExprKind, Query, SourceCommand};
use crate::span::Span;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analysis {
    pub stages: Vec<Stage>,
    pub exclusions: Vec<Predicate>,
    pub indicators: Vec<Predicate>,
    pub group_by: Vec<String>,
    pub output_fields: Vec<OutputField>,
}

/// One pipeline stage: the source command (number 1) or a processing command.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    /// 1-based position in the pipeline, as the seed page numbers stages.
    pub number: usize,
    /// The command keyword in lower case (`from`, `where`, `inline stats`).
    pub command: String,
    /// The command's text as written in the query (without the leading `|`).
    pub text: String,
    pub span: Span,
}

/// Where a conjunct sits: `command` indexes `Query::commands`, `conjunct` the flattened `AND`
/// list of that command's `WHERE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConjunctLocation {
    pub command: usize,
    pub conjunct: usize,
}

/// One exclusion or indicator.
#[derive(Clone, Debug, PartialEq)]
pub struct Predicate {
    pub field: String,
    pub kind: PredicateKind,
    pub values: Vec<String>,
    /// The function the field sits in, e.g. `to_string` for `to_string(source.ip) IN (…)`.
    pub function: Option<String>,
    pub location: ConjunctLocation,
    /// Whether the conjunct's `WHERE` comes after a `STATS` (a threshold on aggregates).
    pub after_stats: bool,
    /// The conjunct's span in the query text (including any `NOT`).
    pub span: Span,
    /// The conjunct itself, for evaluating or mutating it alone.
    pub expr: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OutputField {
    pub field: String,
    /// Where it comes from, e.g. `KEEP user.name`.
    pub source: String,
}

/// Analyses a parsed query; `text` is the query text the spans index into.
pub fn analyze(query: &Query, text: &str) -> Analysis {
    let mut analysis = Analysis {
        stages: Vec::new(),
        exclusions: Vec::new(),
        indicators: Vec::new(),
        group_by: Vec::new(),
        output_fields: Vec::new(),
    };
    let (source_keyword, source_span) = match &query.source {
        SourceCommand::From(from) => ("from", from.span),
        SourceCommand::Row(row) => ("row", row.span),
    };
    analysis.stages.push(Stage {
        number: 1,
        command: source_keyword.to_string(),
        text: source_span.slice(text).to_string(),
        span: source_span,
    });
    let mut after_stats = false;
    for (index, command) in query.commands.iter().enumerate() {
        analysis.stages.push(Stage {
            number: index + 2,
            command: command.kind.keyword().to_ascii_lowercase(),
            text: command.span.slice(text).to_string(),
            span: command.span,
        });
        match &command.kind {
            CommandKind::Where(condition) => {
                for (conjunct, expr) in conjuncts(condition).into_iter().enumerate() {
                    let test = classify(expr);
                    let predicate = Predicate {
                        field: test.field,
                        kind: test.kind,
                        values: test.values,
                        function: test.function,
                        location: ConjunctLocation {
                            command: index,
                            conjunct,
                        },
                        after_stats,
                        span: expr.span,
                        expr: expr.clone(),
                    };
                    if test.negated {
                        analysis.exclusions.push(predicate);
                    } else {
                        analysis.indicators.push(predicate);
                    }
                }
            }
            CommandKind::Stats(stats) => {
                after_stats = true;
                analysis.group_by = stats.by.iter().map(|f| f.column_name(text)).collect();
            }
            CommandKind::Keep(patterns) => {
                analysis.output_fields = patterns
                    .iter()
                    .map(|p| OutputField {
                        field: p.pattern.clone(),
                        source: format!("KEEP {}", p.span.slice(text)),
                    })
                    .collect();
            }
            _ => {}
        }
    }
    analysis
}

/// The top-level `AND` conjuncts of a condition, left to right.
pub fn conjuncts(condition: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![condition];
    while let Some(expr) = stack.pop() {
        match &expr.kind {
            ExprKind::And(left, right) => {
                stack.push(right);
                stack.push(left);
            }
            _ => out.push(expr),
        }
    }
    out
}
