//! Compiling a query's commands into steps over a typed schema, and running them.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::esql::ast::{self, CommandKind, ExprKind, NullsOrder, SortOrder, SourceCommand};
use crate::span::Span;

use crate::document::value::{compare_cells, Cell, Type, Value};
use crate::document::{name_matches, Column};
use crate::eval::aggregate::{is_aggregate, Acc, AggKind};
use crate::eval::expr::{error, find, CExpr, Compiler, Ctx, Kind, Site};
use crate::eval::fold::Constants;
use crate::eval::grok::{Dissect, Grok};
use crate::eval::warnings::Warnings;
use crate::eval::Table;

mod change_point;
mod compile;
mod fill;
mod fork;
mod inline_stats;
mod lookup;
mod prefilter;
mod pushdown;
mod run;
mod sample;
mod sink;
mod sorted_aggs;
mod stats;
mod topn;

use compile::{bind_top_n, compile_command, compile_eval, is_row_local, resolve_pattern};
pub use lookup::{
    registered as registered_lookups, set_registered as set_lookups, IndexedNumeric, Lookups,
};
use run::{compare_sort_keys, decided_top, order_cells, push_through, run_step, sort_key};
pub(crate) use sample::mix as sample_mix;
pub(crate) use sink::Sink;
pub(crate) use stats::StatsState;
use stats::{compile_stats, KeyCell};

/// Rows returned when a query has no `LIMIT` (`esql.query.result_truncation_default_size`).
pub const DEFAULT_LIMIT: usize = 1000;
/// Rows returned at most, whatever `LIMIT` says (`esql.query.result_truncation_max_size`).
pub const MAX_LIMIT: usize = 10_000;

#[derive(Clone, Debug)]
pub(crate) enum Step {
    Where(CExpr),
    /// Each assignment: the value, and the index of the column it replaces (removed first).
    Eval(Vec<(CExpr, Option<usize>)>),
    /// New row = these columns of the old row.
    Project(Vec<usize>),
    /// The keys, and the `LIMIT` that directly follows (Elasticsearch's top-n).
    Sort(Vec<SortKey>, Option<usize>),
    Limit(usize),
    /// `LIMIT n BY keys`: the first `n` rows of each distinct key tuple, in input order.
    LimitBy(usize, Vec<CExpr>),
    MvExpand(usize),
    Dissect {
        input: CExpr,
        dissect: Dissect,
        removed: Vec<usize>,
    },
    Grok {
        input: CExpr,
        grok: Grok,
        removed: Vec<usize>,
    },
    Stats(Box<StatsPlan>),
    /// The stats, the input columns kept, and the aggregate columns appended (the grouping
    /// keys follow them, from each row).
    InlineStats(Box<StatsPlan>, Vec<usize>, Vec<usize>),
    /// Sorts by every column: makes unspecified orders deterministic.
    SortAll,
    /// `FILLNULL`: each column's constant, put in place of a null.
    Fill(Vec<(usize, Cell)>),
    /// `DEDUP`/`DISTINCT`: the first of equal rows stays, in input order.
    Dedup,
    /// `SAMPLE p`: each row stays with probability `p`, drawn from a fixed seed.
    Sample(f64),
    /// `FORK`: each branch's steps over a copy of the input, then its rows in the union schema.
    Fork(Vec<fork::ForkPlan>),
    /// `LOOKUP JOIN`: each row becomes one row per matching lookup document (or itself).
    LookupJoin(Box<lookup::JoinPlan>),
    /// `CHANGE_POINT`: the rows sorted by the key, the change point's row marked.
    ChangePoint(Box<change_point::ChangePointPlan>),
    /// The source query of the leading filters' pushed conjuncts: a row it does not match is
    /// dropped before any step sees it (`pushdown`).
    LuceneGate(pushdown::Gate),
}

#[derive(Clone, Debug)]
pub(crate) struct SortKey {
    expr: CExpr,
    desc: bool,
    nulls_first: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct AggSlot {
    kind: AggKind,
    arg: Option<CExpr>,
    /// The second input of a two-input aggregate: `FIRST`/`LAST`'s sort key, `TOP`'s output
    /// field.
    by: Option<CExpr>,
    filter: Option<CExpr>,
    input: Type,
    ty: Type,
    site: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct StatsPlan {
    groups: Vec<CExpr>,
    /// Per group: the earlier group it copies (the same column), which it follows when
    /// multivalues unroll.
    follows: Vec<Option<usize>>,
    /// The groups that aggregates see as extra columns after the input row (computed keys).
    aliased: Vec<usize>,
    slots: Vec<AggSlot>,
    /// The first key is `CATEGORIZE(field)`: `groups[0]` evaluates the field.
    categorize: Option<crate::eval::functions::categorize::CategorizeSpec>,
    /// Output expressions over `[slot values..., group keys...]`.
    outputs: Vec<CExpr>,
    columns: Vec<Column>,
}

/// A compiled query: run it over any set of rows of its source schema.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The schema `FROM` (or `ROW`) produces.
    pub source: Vec<Column>,
    /// `ROW`'s single row; `None` for `FROM`.
    pub(crate) row: Option<Vec<Cell>>,
    /// `FROM` index patterns.
    pub indices: Vec<String>,
    /// `METADATA` fields requested, in order.
    pub metadata: Vec<String>,
    pub(crate) steps: Vec<Step>,
    /// The output schema.
    pub columns: Vec<Column>,
    pub(crate) sites: Vec<Site>,
    pub(crate) notes: Vec<String>,
    pub(crate) final_limit: usize,
}

/// Metadata columns `FROM … METADATA` can request, with their types.
pub fn metadata_type(name: &str) -> Option<Type> {
    Some(match name {
        "_id" | "_index" | "_ignored" | "_index_mode" => Type::Keyword,
        // Elasticsearch's `_source` type; rulegate holds the document's JSON text.
        "_source" => Type::Keyword,
        "_version" => Type::Long,
        "_score" => Type::Double,
        _ => return None,
    })
}

impl Plan {
    /// Compiles `query` (parsed from `text`); `fields` are the columns `FROM` reads, sorted by
    /// name (metadata columns are added from the query's `METADATA`).
    pub fn compile(query: &ast::Query, text: &str, fields: &[Column]) -> Result<Plan, Diagnostic> {
        Plan::compile_with_lookups(query, text, fields, &lookup::registered())
    }

    /// [`Plan::compile`] with the lookup indices `LOOKUP JOIN` may name.
    pub fn compile_with_lookups(
        query: &ast::Query,
        text: &str,
        fields: &[Column],
        lookups: &Lookups,
    ) -> Result<Plan, Diagnostic> {
        let mut c = Compiler::new(text);
        c.lookups = lookups.clone();
        let mut notes = Vec::new();
        let (mut schema, row, indices, metadata) = match &query.source {
            SourceCommand::From(from) => {
                let mut schema = fields.to_vec();
                let mut metadata = Vec::new();
                for m in &from.metadata {
                    let ty = metadata_type(&m.name).ok_or_else(|| {
                        error(
                            "E301",
                            m.span,
                            format!("unsupported metadata field [{}]", m.name),
                        )
                    })?;
                    if !metadata.contains(&m.name) {
                        schema.push(Column {
                            name: m.name.clone(),
                            ty,
                        });
                        metadata.push(m.name.clone());
                    }
                }
                let indices = from.indices.iter().map(|i| i.pattern.clone()).collect();
                (schema, None, indices, metadata)
            }
            SourceCommand::Row(_) => (Vec::new(), Some(Vec::new()), Vec::new(), Vec::new()),
        };
        let source = schema.clone();
        let mut steps = Vec::new();
        if let SourceCommand::Row(r) = &query.source {
            // `ROW` is one empty row plus an `EVAL`, evaluated at run time so that its
            // warnings (and `NOW()`) belong to the run.
            steps.push(compile_eval(&mut c, &r.fields, &mut schema, text)?);
        }
        let mut has_limit = false;
        for command in &query.commands {
            compile_command(
                &mut c,
                command,
                text,
                &mut schema,
                &mut steps,
                &mut notes,
                &mut has_limit,
            )?;
        }
        lookup::lost_sort_notes(&c, &query.commands, &mut notes);
        if !has_limit {
            // The implicit `LIMIT` is pushed down into a trailing `SORT` like an explicit one.
            bind_top_n(&mut steps, DEFAULT_LIMIT);
        }
        let final_limit = if has_limit { MAX_LIMIT } else { DEFAULT_LIMIT };
        if row.is_none() {
            if let Some(gate) = pushdown::gate(&source, fields.len(), &steps) {
                steps.insert(0, Step::LuceneGate(gate));
            }
        }
        Ok(Plan {
            source,
            row,
            indices,
            metadata,
            steps,
            columns: schema,
            sites: c.sites,
            notes,
            final_limit,
        })
    }

    /// Runs the plan over rows of [`Plan::source`]'s schema (ignored for `ROW`).
    pub fn run_rows(&self, rows: impl Iterator<Item = Vec<Cell>>, now: i64) -> Table {
        let mut warnings = self.warnings();
        let mut ctx = Ctx {
            now,
            warnings: &mut warnings,
        };
        let rows: Box<dyn Iterator<Item = Vec<Cell>>> = match &self.row {
            Some(r) => Box::new(std::iter::once(r.clone())),
            None => Box::new(rows),
        };
        let mut sink = self.sink();
        sink.feed(rows, &mut ctx);
        let rows = sink.finish(&mut ctx);
        self.table(rows, &warnings)
    }

    /// A run's warnings before any row: the plan's compile-time notes.
    pub(crate) fn warnings(&self) -> Warnings {
        let mut warnings = Warnings::default();
        warnings.notes = self.notes.clone();
        warnings
    }

    /// The output table of finished rows.
    pub(crate) fn table(&self, rows: Vec<Vec<Cell>>, warnings: &Warnings) -> Table {
        match &warnings.failure {
            Some(failure) => Table {
                columns: self.columns.clone(),
                rows: Vec::new(),
                warnings: Vec::new(),
                failure: Some(failure.clone()),
            },
            None => Table {
                columns: self.columns.clone(),
                rows,
                warnings: warnings.render(&self.sites),
                failure: None,
            },
        }
    }

    /// The leading row-local steps (`WHERE`, `EVAL`, projections, `MV_EXPAND`, `DISSECT`,
    /// `GROK`): they run on each row as it arrives, anywhere, in any thread.
    fn prefix(&self) -> &[Step] {
        let first_blocking = self
            .steps
            .iter()
            .position(|s| !is_row_local(s))
            .unwrap_or(self.steps.len());
        &self.steps[..first_blocking]
    }

    /// Runs the row-local prefix over one source row, appending the rows it becomes to `out`
    /// (at most `room` of them).
    pub(crate) fn push_prefix(
        &self,
        row: Vec<Cell>,
        ctx: &mut Ctx,
        out: &mut Vec<Vec<Cell>>,
        room: usize,
    ) {
        let cap = out.len().saturating_add(room);
        ctx.warnings.expanded = 0;
        push_through(self.prefix(), row, ctx, out, cap);
    }

    /// The `STATS` rows go to after the prefix, if that is the first blocking step: a batch's
    /// rows can then be aggregated where they are made ([`StatsState::new_partial`]) and the
    /// partials merged into the sink in input order ([`Sink::merge`]).
    pub(crate) fn sink_stats(&self) -> Option<&StatsPlan> {
        match self.steps.get(self.prefix().len()) {
            // `CATEGORIZE` categorizes in input order with one categorizer: per-batch
            // partials would categorize differently, so its rows reach the sink in order.
            Some(Step::Stats(stats)) if stats.categorize.is_none() => Some(stats),
            _ => None,
        }
    }
}

impl Plan {
    /// The output column names and types.
    pub fn output_columns(&self) -> &[Column] {
        &self.columns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_names() {
        assert!(name_matches("Esql.*", "Esql.a_values"));
        assert!(name_matches("*", "x"));
        assert!(name_matches("last*name", "last_name"));
        assert!(!name_matches("last*name", "last_names"));
        assert!(name_matches("a*b*c", "abc"));
    }
}
