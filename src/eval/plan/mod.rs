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
mod fill;
mod fork;
mod lookup;
mod sample;
mod sorted_aggs;
mod stats;
mod topn;

pub use lookup::{registered as registered_lookups, set_registered as set_lookups, Lookups};
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
    /// The stats, the input columns kept, and the stats output columns appended.
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
            Some(Step::Stats(stats)) => Some(stats),
            _ => None,
        }
    }

    /// Where rows go after the prefix: the first blocking step's input.
    pub(crate) fn sink(&self) -> Sink<'_> {
        let at = self.prefix().len();
        let state = match self.steps.get(at) {
            Some(Step::Stats(stats)) => SinkState::Stats(StatsState::new(stats)),
            other => SinkState::Rows {
                rows: Vec::new(),
                cap: match other {
                    Some(Step::Limit(n)) => Some(*n),
                    None => Some(self.final_limit),
                    _ => None,
                },
            },
        };
        Sink {
            plan: self,
            at,
            state,
        }
    }
}

/// The first blocking step's input, fed in input order: a `STATS` folds rows into its groups as
/// they come (memory grows with the groups), anything else keeps them (up to a `LIMIT` that
/// directly follows the prefix, or the default limit when nothing follows).
pub(crate) struct Sink<'p> {
    plan: &'p Plan,
    /// The position of the first blocking step.
    at: usize,
    state: SinkState,
}

enum SinkState {
    Stats(StatsState),
    Rows {
        rows: Vec<Vec<Cell>>,
        cap: Option<usize>,
    },
}

impl Sink<'_> {
    /// How many more rows it takes (`usize::MAX`: unbounded).
    pub(crate) fn room(&self) -> usize {
        match &self.state {
            SinkState::Stats(_) => usize::MAX,
            SinkState::Rows { rows, cap } => {
                cap.map_or(usize::MAX, |n| n.saturating_sub(rows.len()))
            }
        }
    }

    /// Runs source rows through the plan's row-local prefix into the sink, one at a time in
    /// order, stopping (before evaluating another row) once the sink is full.
    pub(crate) fn feed(&mut self, rows: impl Iterator<Item = Vec<Cell>>, ctx: &mut Ctx) {
        let mut buf = Vec::new();
        for row in rows {
            let room = self.room();
            if room == 0 || ctx.failed() {
                break;
            }
            self.plan.push_prefix(row, ctx, &mut buf, room);
            self.extend(buf.drain(..), ctx);
        }
    }

    /// Merges a partial of the sink's `STATS` over rows that come after every row it has taken.
    pub(crate) fn merge(&mut self, partial: StatsState, ctx: &mut Ctx) {
        if let (SinkState::Stats(state), Some(Step::Stats(stats))) =
            (&mut self.state, self.plan.steps.get(self.at))
        {
            state.merge(stats, partial, ctx);
        }
    }

    /// Takes rows that have passed the prefix; rows beyond [`Sink::room`] are ignored.
    pub(crate) fn extend(&mut self, rows: impl Iterator<Item = Vec<Cell>>, ctx: &mut Ctx) {
        match &mut self.state {
            SinkState::Stats(state) => {
                let Some(Step::Stats(stats)) = self.plan.steps.get(self.at) else {
                    unreachable!("a stats sink sits on a STATS step")
                };
                for row in rows {
                    state.add(stats, &row, ctx);
                }
            }
            SinkState::Rows { rows: kept, cap } => {
                let room = cap.map_or(usize::MAX, |n| n.saturating_sub(kept.len()));
                kept.extend(rows.take(room));
            }
        }
    }

    /// Runs the blocking step and every step after it; returns the output rows.
    pub(crate) fn finish(self, ctx: &mut Ctx) -> Vec<Vec<Cell>> {
        let steps = &self.plan.steps;
        let (mut table, next) = match self.state {
            SinkState::Stats(state) => {
                let Some(Step::Stats(stats)) = steps.get(self.at) else {
                    unreachable!("a stats sink sits on a STATS step")
                };
                (state.finish(stats, ctx), self.at + 1)
            }
            SinkState::Rows { rows, .. } => (rows, self.at),
        };
        let mut at = next;
        while let Some(step) = steps.get(at) {
            // `STATS … | SORT … | LIMIT n`: when the top rows are decided whatever the order
            // the groups come in, select them instead of sorting every group twice.
            if let (Step::SortAll, Some(Step::Sort(keys, Some(limit)))) = (step, steps.get(at + 1))
            {
                match decided_top(table, keys, *limit) {
                    Ok(top) => {
                        table = top;
                        at += 2;
                        continue;
                    }
                    Err(all) => table = all,
                }
            }
            table = run_step(step, table, ctx);
            at += 1;
        }
        table.truncate(self.plan.final_limit);
        table
    }
}

/// The rows `SORT keys | LIMIT limit` keeps of `table`, in order, when no two of them (nor the
/// best row left out) tie on the keys: then the Lucene heap's result does not depend on the
/// order rows come in, so [`Step::SortAll`] before it changes nothing. Only keys that are
/// columns (which evaluate without warnings); otherwise, or on a tie, the table back.
fn decided_top(
    table: Vec<Vec<Cell>>,
    keys: &[SortKey],
    limit: usize,
) -> Result<Vec<Vec<Cell>>, Vec<Vec<Cell>>> {
    let columns: Option<Vec<usize>> = keys
        .iter()
        .map(|k| match k.expr.kind {
            Kind::Column(c) => Some(c),
            _ => None,
        })
        .collect();
    let Some(columns) = columns else {
        return Err(table);
    };
    let sort_keys: Vec<Vec<Cell>> = table
        .iter()
        .map(|row| {
            keys.iter()
                .zip(&columns)
                .map(|(k, &c)| sort_key(row.get(c).cloned().unwrap_or(Cell::Null), k.desc))
                .collect()
        })
        .collect();
    let top = topn::decided_top(&sort_keys, limit, |a, b| compare_sort_keys(keys, a, b));
    let Some(top) = top else {
        return Err(table);
    };
    let mut table: Vec<Option<Vec<Cell>>> = table.into_iter().map(Some).collect();
    Ok(top.into_iter().filter_map(|i| table[i].take()).collect())
}

/// `SORT`'s order of two rows' key cells.
fn compare_sort_keys(keys: &[SortKey], a: &[Cell], b: &[Cell]) -> Ordering {
    for (i, k) in keys.iter().enumerate() {
        let o = order_cells(&a[i], &b[i], k.desc, k.nulls_first);
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// `EVAL` (and `ROW`, which is an `EVAL` over one empty row): each field is compiled against the
/// schema as left by the fields before it; a name that exists already moves to the end.
/// Compiles one processing command onto the pipeline's schema and steps.
#[allow(clippy::too_many_arguments)]
fn compile_command(
    c: &mut Compiler,
    command: &ast::Command,
    text: &str,
    schema: &mut Vec<Column>,
    steps: &mut Vec<Step>,
    notes: &mut Vec<String>,
    has_limit: &mut bool,
) -> Result<(), Diagnostic> {
    match &command.kind {
        CommandKind::Where(e) => {
            if let Some(Step::LookupJoin(join)) = steps.last() {
                let (pushed, rest) = lookup::split_pushable(e, join);
                if !pushed.is_empty() {
                    let input = join.input.clone();
                    let join_step = steps.pop();
                    for conjunct in pushed {
                        let cond = c.boolean(conjunct, &input)?;
                        push_where(steps, cond);
                    }
                    steps.extend(join_step);
                    for conjunct in rest {
                        let cond = c.boolean(conjunct, schema)?;
                        push_where(steps, cond);
                    }
                    return Ok(());
                }
            }
            let cond = c.boolean(e, schema)?;
            push_where(steps, cond);
        }
        CommandKind::Eval(fields) => {
            steps.push(compile_eval(c, fields, schema, text)?);
        }
        CommandKind::Keep(patterns) => {
            let order = keep_order(schema, patterns)?;
            let kept: Vec<Column> = order.iter().map(|&i| schema[i].clone()).collect();
            c.constants.project(schema, &order, &kept);
            *schema = kept;
            steps.push(Step::Project(order));
        }
        CommandKind::Drop(patterns) => {
            let mut keep = Vec::new();
            for p in patterns {
                resolve_pattern(schema, p)?;
            }
            for (i, col) in schema.iter().enumerate() {
                if !patterns.iter().any(|p| name_matches(&p.pattern, &col.name)) {
                    keep.push(i);
                }
            }
            let kept: Vec<Column> = keep.iter().map(|&i| schema[i].clone()).collect();
            c.constants.project(schema, &keep, &kept);
            *schema = kept;
            steps.push(Step::Project(keep));
        }
        CommandKind::Rename(renames) => {
            // Applied left to right; a rename onto an existing name replaces it.
            let mut names: Vec<(usize, String)> = schema
                .iter()
                .enumerate()
                .map(|(i, c)| (i, c.name.clone()))
                .collect();
            for r in renames {
                let Some(pos) = names.iter().rposition(|(_, n)| *n == r.old.name) else {
                    return Err(error(
                        "E301",
                        r.old.span,
                        format!("Unknown column [{}]", r.old.name),
                    ));
                };
                if r.old.name == r.new.name {
                    continue;
                }
                names[pos].1 = r.new.name.clone();
                // The renamed column keeps its place; one it overwrites goes away.
                if let Some(other) = names
                    .iter()
                    .enumerate()
                    .position(|(o, (_, n))| o != pos && *n == r.new.name)
                {
                    names.remove(other);
                }
            }
            let order: Vec<usize> = names.iter().map(|(i, _)| *i).collect();
            let renamed: Vec<Column> = names
                .iter()
                .map(|(i, n)| Column {
                    name: n.clone(),
                    ty: schema[*i].ty,
                })
                .collect();
            c.constants.project(schema, &order, &renamed);
            *schema = renamed;
            steps.push(Step::Project(order));
        }
        CommandKind::Sort(keys) => {
            let mut compiled = Vec::new();
            for k in keys {
                let e = c.expr(&k.expr, schema)?;
                let desc = k.order == Some(SortOrder::Desc);
                let nulls_first = match k.nulls {
                    Some(NullsOrder::First) => true,
                    Some(NullsOrder::Last) => false,
                    None => desc,
                };
                compiled.push(SortKey {
                    expr: e,
                    desc,
                    nulls_first,
                });
            }
            steps.push(Step::Sort(compiled, None));
        }
        CommandKind::Limit(l) => {
            *has_limit = true;
            let n = l.count.min(usize::MAX as u64) as usize;
            bind_top_n(steps, n);
            steps.push(Step::Limit(n));
        }
        CommandKind::MvExpand(name) => {
            let i = find(schema, &name.name).ok_or_else(|| {
                error("E301", name.span, format!("Unknown column [{}]", name.name))
            })?;
            // Each expanded row holds one value of the list: no longer one constant.
            c.constants.forget(&name.name);
            steps.push(Step::MvExpand(i));
        }
        CommandKind::Dissect(d) => {
            let input = string_input(c, &d.input, schema)?;
            let sep = d.append_separator.as_ref().map_or("", |s| s.value.as_str());
            let dissect = Dissect::new(&d.pattern.value, sep)
                .map_err(|m| error("E305", d.pattern.span, m))?;
            let new: Vec<Column> = dissect
                .columns
                .iter()
                .map(|n| Column {
                    name: n.clone(),
                    ty: Type::Keyword,
                })
                .collect();
            let removed = add_columns(schema, c, new);
            steps.push(Step::Dissect {
                input,
                dissect,
                removed,
            });
        }
        CommandKind::Grok(g) => {
            let input = string_input(c, &g.input, schema)?;
            let grok =
                Grok::new_multi(&g.patterns()).map_err(|m| error("E305", g.pattern.span, m))?;
            let new: Vec<Column> = grok
                .columns
                .iter()
                .map(|(n, t)| Column {
                    name: n.clone(),
                    ty: *t,
                })
                .collect();
            let removed = add_columns(schema, c, new);
            steps.push(Step::Grok {
                input,
                grok,
                removed,
            });
        }
        CommandKind::Stats(stats) => {
            let plan = compile_stats(c, stats, schema, notes)?;
            *schema = plan.columns.clone();
            c.computed.extend(schema.iter().map(|col| col.name.clone()));
            c.constants = Constants::new();
            steps.push(Step::Stats(Box::new(plan)));
            // Group order is unspecified until a SORT.
            steps.push(Step::SortAll);
        }
        CommandKind::FillNull(f) => {
            let fill = fill::compile_fill(c, f, schema, command.span)?;
            fill.retype(schema);
            notes.extend(fill.notes);
            steps.push(Step::Fill(fill.fills));
        }
        CommandKind::Dedup | CommandKind::Distinct => steps.push(Step::Dedup),
        CommandKind::Sample(s) => steps.push(Step::Sample(s.probability)),
        CommandKind::InlineStats(stats) => {
            let plan = compile_stats(c, stats, schema, notes)?;
            // Input columns stay (minus those the aggregates shadow); aggregates and
            // computed keys are appended.
            let new_names: Vec<&str> = plan.columns.iter().map(|c| c.name.as_str()).collect();
            let kept: Vec<usize> = (0..schema.len())
                .filter(|&i| {
                    let name = schema[i].name.as_str();
                    !new_names.contains(&name)
                        || stats.by.iter().any(|b| {
                            b.name.is_none()
                                && matches!(&b.expr.kind, ExprKind::Column(n) if n.name == name)
                        })
                })
                .collect();
            let mut next: Vec<Column> = kept.iter().map(|&i| schema[i].clone()).collect();
            let mut appended = Vec::new();
            for (i, col) in plan.columns.iter().enumerate() {
                if find(&next, &col.name).is_none() {
                    c.constants.forget(&col.name);
                    c.computed.insert(col.name.clone());
                    next.push(col.clone());
                    appended.push(i);
                }
            }
            *schema = next;
            steps.push(Step::InlineStats(Box::new(plan), kept, appended));
        }
        CommandKind::Fork(branches) => {
            let (columns, fork) = fork::compile_fork(c, branches, text, schema, notes)?;
            *schema = columns;
            steps.push(Step::Fork(fork));
        }
        CommandKind::ChangePoint(cp) => {
            let plan = change_point::compile_change_point(c, cp, command.span, schema)?;
            steps.push(Step::ChangePoint(Box::new(plan)));
        }
        CommandKind::LookupJoin(join) => {
            let plan = lookup::compile_lookup_join(c, join, command.span, schema)?;
            steps.push(Step::LookupJoin(Box::new(plan)));
        }
    }
    Ok(())
}

/// Appends a filter. Elasticsearch merges consecutive filters into one conjunction and
/// evaluates every operand, so each reports its warnings.
fn push_where(steps: &mut Vec<Step>, cond: CExpr) {
    match steps.last_mut() {
        Some(Step::Where(prev)) => {
            let site = prev.site;
            let placeholder = CExpr {
                kind: Kind::Literal(Cell::Null),
                ty: Type::Boolean,
                site,
            };
            let left = std::mem::replace(prev, placeholder);
            *prev = CExpr {
                kind: Kind::And(Box::new(left), Box::new(cond)),
                ty: Type::Boolean,
                site,
            };
        }
        _ => steps.push(Step::Where(cond)),
    }
}

fn compile_eval(
    c: &mut Compiler,
    fields: &[ast::Field],
    schema: &mut Vec<Column>,
    text: &str,
) -> Result<Step, Diagnostic> {
    let mut assignments = Vec::new();
    for field in fields {
        let e = c.expr(&field.expr, schema)?;
        let name = field.column_name(text);
        c.constants.assign(&name, &e, schema);
        let replaced = find(schema, &name);
        if let Some(i) = replaced {
            schema.remove(i);
        }
        c.computed.insert(name.clone());
        schema.push(Column { name, ty: e.ty });
        assignments.push((e, replaced));
    }
    Ok(Step::Eval(assignments))
}

fn string_input(c: &mut Compiler, e: &ast::Expr, schema: &[Column]) -> Result<CExpr, Diagnostic> {
    let input = c.expr(e, schema)?;
    if !matches!(input.ty, Type::Keyword | Type::Text | Type::Null) {
        return Err(error(
            "E302",
            e.span,
            format!(
                "input for DISSECT/GROK must be a string, found [{}]",
                input.ty.name()
            ),
        ));
    }
    Ok(input)
}

/// Appends new columns, removing existing ones of the same names; returns removed indices.
fn add_columns(schema: &mut Vec<Column>, c: &mut Compiler, new: Vec<Column>) -> Vec<usize> {
    for column in &new {
        c.constants.forget(&column.name);
        c.computed.insert(column.name.clone());
    }
    let removed: Vec<usize> = (0..schema.len())
        .filter(|&i| new.iter().any(|n| n.name == schema[i].name))
        .collect();
    for &i in removed.iter().rev() {
        schema.remove(i);
    }
    schema.extend(new);
    removed
}

/// A `KEEP`/`DROP` name must be a column and a pattern must match one, as Elasticsearch's
/// analyzer requires (`UnresolvedNamePattern.errorMessage`: a pattern that matches nothing is a
/// verification error, not an empty selection).
fn resolve_pattern(schema: &[Column], p: &ast::NamePattern) -> Result<(), Diagnostic> {
    if !p.has_wildcard() && find(schema, &p.pattern).is_none() {
        return Err(error(
            "E301",
            p.span,
            format!("Unknown column [{}]", p.pattern),
        ));
    }
    if p.has_wildcard() && !schema.iter().any(|col| name_matches(&p.pattern, &col.name)) {
        return Err(error(
            "E301",
            p.span,
            format!("No matches found for pattern [{}]", p.pattern),
        ));
    }
    Ok(())
}

/// KEEP's column order: each column is placed by its highest-precedence pattern (exact name >
/// partial wildcard > `*`), the rightmost among equals.
fn keep_order(schema: &[Column], patterns: &[ast::NamePattern]) -> Result<Vec<usize>, Diagnostic> {
    let precedence = |p: &str| {
        if !p.contains('*') {
            2
        } else if p == "*" {
            0
        } else {
            1
        }
    };
    for p in patterns {
        resolve_pattern(schema, p)?;
    }
    // For each column: (pattern position, column index).
    let mut placed: Vec<(usize, usize)> = Vec::new();
    for (i, col) in schema.iter().enumerate() {
        let mut best: Option<(u8, usize)> = None;
        for (pi, p) in patterns.iter().enumerate() {
            if name_matches(&p.pattern, &col.name) {
                let prec = precedence(&p.pattern);
                if best.is_none_or(|(bp, _)| prec >= bp) {
                    best = Some((prec, pi));
                }
            }
        }
        if let Some((_, pi)) = best {
            placed.push((pi, i));
        }
    }
    placed.sort();
    Ok(placed.into_iter().map(|(_, i)| i).collect())
}

/// `SORT … | LIMIT n` is one top-n in Elasticsearch, and which of equal rows survive depends
/// on it: the `LIMIT` is pushed down past commands that keep every row as it is (`EVAL`,
/// `KEEP`/`DROP`/`RENAME`, `DISSECT`, `GROK`, other `LIMIT`s, combined to the smallest) into
/// the nearest `SORT`.
fn bind_top_n(steps: &mut [Step], n: usize) {
    for step in steps.iter_mut().rev() {
        match step {
            Step::Sort(_, top) => {
                *top = Some(top.map_or(n, |m| m.min(n)));
                return;
            }
            Step::Eval(_)
            | Step::Project(_)
            | Step::Dissect { .. }
            | Step::Grok { .. }
            | Step::Fill(_)
            | Step::Limit(_) => {}
            // A left join keeps every row at least once, so the first `n` rows after it come
            // from the first `n` before it: Elasticsearch copies the limit below the join
            // (`join_lookup_fix_limit_pushdown`), and keeps it above.
            Step::LookupJoin(_) => {}
            _ => return,
        }
    }
}

fn is_row_local(step: &Step) -> bool {
    matches!(
        step,
        Step::Where(_)
            | Step::Eval(_)
            | Step::Project(_)
            | Step::MvExpand(_)
            | Step::Dissect { .. }
            | Step::Grok { .. }
            | Step::Fill(_)
            | Step::LookupJoin(_)
    )
}

/// Runs row-local steps over one row, appending the rows it becomes to `out`.
fn push_through(
    steps: &[Step],
    row: Vec<Cell>,
    ctx: &mut Ctx,
    out: &mut Vec<Vec<Cell>>,
    cap: usize,
) {
    if out.len() >= cap || ctx.failed() {
        return;
    }
    let Some((step, rest)) = steps.split_first() else {
        out.push(row);
        return;
    };
    match step {
        Step::Where(cond) => {
            if cond.test(&row, ctx) == Some(true) {
                push_through(rest, row, ctx, out, cap);
            }
        }
        Step::Eval(assignments) => {
            let mut row = row;
            for (e, replaced) in assignments {
                let v = e.eval(&row, ctx);
                if let Some(i) = replaced {
                    row.remove(*i);
                }
                row.push(v);
            }
            push_through(rest, row, ctx, out, cap);
        }
        Step::Project(order) => {
            let mut row = row;
            let next = order.iter().map(|&i| std::mem::take(&mut row[i])).collect();
            push_through(rest, next, ctx, out, cap);
        }
        Step::MvExpand(i) => match &row[*i] {
            Cell::Many(values) => {
                if !count_expanded(ctx, values.len()) {
                    return;
                }
                for v in values.clone() {
                    let mut r = row.clone();
                    r[*i] = Cell::One(v);
                    push_through(rest, r, ctx, out, cap);
                }
            }
            _ => push_through(rest, row, ctx, out, cap),
        },
        Step::Dissect {
            input,
            dissect,
            removed,
        } => {
            let row = with_extracted(row, input, removed, dissect.columns.len(), ctx, |text| {
                dissect.extract(text).map(|values| {
                    values
                        .into_iter()
                        .map(|v| v.map_or(Cell::Null, |s| Cell::One(Value::str(&s))))
                        .collect()
                })
            });
            push_through(rest, row, ctx, out, cap);
        }
        Step::Grok {
            input,
            grok,
            removed,
        } => {
            let row = with_extracted(row, input, removed, grok.columns.len(), ctx, |text| {
                grok.extract(text)
                    .map(|values| values.into_iter().map(Cell::from_values).collect())
            });
            push_through(rest, row, ctx, out, cap);
        }
        Step::Fill(fills) => {
            let mut row = row;
            for (i, cell) in fills {
                if row[*i].is_null() {
                    row[*i] = cell.clone();
                }
            }
            push_through(rest, row, ctx, out, cap);
        }
        Step::LookupJoin(join) => {
            for joined in join.join(row, ctx) {
                push_through(rest, joined, ctx, out, cap);
            }
        }
        _ => out.push(row),
    }
}

/// Counts rows `MV_EXPAND` makes from one source row against `--max-rows` (they are all held
/// at once); past it, fails the query (`E013`) and returns `false`. The count is per row, so
/// the outcome is the same whatever the thread count.
fn count_expanded(ctx: &mut Ctx, rows: usize) -> bool {
    let max = crate::limits::get().max_rows;
    ctx.warnings.expanded = ctx.warnings.expanded.saturating_add(rows as u64);
    if ctx.warnings.expanded > max {
        let failure = too_many_rows(max);
        ctx.fail(failure.code, failure.message, failure.help);
        return false;
    }
    true
}

fn too_many_rows(max: u64) -> crate::eval::Failure {
    crate::eval::Failure {
        code: "E013",
        message: format!("MV_EXPAND would make more than {max} rows from one row"),
        help: Some("raise the limit with --max-rows N".into()),
    }
}

/// `DISSECT`/`GROK`: drops the columns the new ones shadow and appends the extracted values, or
/// nulls when the input is null or does not match. A multivalued input is matched value by
/// value, as Elasticsearch's `ColumnExtractOperator` does: each column gathers what the
/// matching values extract, in order, and is null when none match (`grok/multivalueInput`).
fn with_extracted(
    mut row: Vec<Cell>,
    input: &CExpr,
    removed: &[usize],
    width: usize,
    ctx: &mut Ctx,
    extract: impl Fn(&str) -> Option<Vec<Cell>>,
) -> Vec<Cell> {
    let values = match input.eval(&row, ctx) {
        Cell::One(v) => extract(v.as_str().unwrap_or("")),
        Cell::Many(many) => {
            let mut gathered: Vec<Vec<Value>> = vec![Vec::new(); width];
            let mut matched = false;
            for v in many.iter() {
                if let Some(cells) = extract(v.as_str().unwrap_or("")) {
                    matched = true;
                    for (column, cell) in gathered.iter_mut().zip(cells) {
                        column.extend(cell.into_values());
                    }
                }
            }
            matched.then(|| gathered.into_iter().map(Cell::from_values).collect())
        }
        Cell::Null => None,
    };
    for &i in removed.iter().rev() {
        row.remove(i);
    }
    match values {
        Some(cells) => row.extend(cells),
        None => row.extend((0..width).map(|_| Cell::Null)),
    }
    row
}

fn run_step(step: &Step, table: Vec<Vec<Cell>>, ctx: &mut Ctx) -> Vec<Vec<Cell>> {
    match step {
        Step::Sort(keys, limit) => {
            let keyed: Vec<(Vec<Cell>, Vec<Cell>)> = table
                .into_iter()
                .map(|row| {
                    let k = keys
                        .iter()
                        .map(|k| sort_key(k.expr.eval(&row, ctx), k.desc))
                        .collect();
                    (k, row)
                })
                .collect();
            let keyed = topn::top_n(keyed, *limit, |(a, _), (b, _)| {
                compare_sort_keys(keys, a, b)
            });
            keyed.into_iter().map(|(_, r)| r).collect()
        }
        Step::SortAll => {
            let mut table = table;
            table.sort_by(|a, b| {
                a.iter()
                    .zip(b)
                    .map(|(x, y)| compare_cells(x, y))
                    .find(|o| *o != Ordering::Equal)
                    .unwrap_or(Ordering::Equal)
            });
            table
        }
        Step::Limit(n) => {
            let mut table = table;
            table.truncate(*n);
            table
        }
        Step::Dedup => {
            let mut seen = std::collections::HashSet::new();
            table
                .into_iter()
                .filter(|row| seen.insert(row_key(row)))
                .collect()
        }
        Step::Sample(p) => sample::sample(table, *p),
        Step::ChangePoint(plan) => change_point::run_change_point(plan, table, ctx),
        Step::Fork(branches) => fork::run_fork(branches, table, ctx),
        Step::Stats(stats) => {
            let mut state = StatsState::new(stats);
            for row in &table {
                state.add(stats, row, ctx);
            }
            state.finish(stats, ctx)
        }
        Step::InlineStats(stats, kept, appended) => {
            let mut state = StatsState::new(stats);
            for row in &table {
                state.add(stats, row, ctx);
            }
            let groups = stats.groups.len();
            let aggs = stats.columns.len() - groups;
            let finished = state.finish(stats, ctx);
            // Output rows: [aggregates..., keys...]; join them back on the keys.
            let mut by_key: HashMap<Vec<KeyCell>, Vec<Cell>> = HashMap::new();
            for r in finished {
                let key = r[aggs..].iter().map(KeyCell::of).collect();
                by_key.insert(key, r);
            }
            let mut out = Vec::with_capacity(table.len());
            for row in table {
                let key_cells = stats.key_cells(&row, ctx);
                let found = if key_cells.iter().any(|c| matches!(c, Cell::Many(_))) {
                    None
                } else {
                    by_key.get(&key_cells.iter().map(KeyCell::of).collect::<Vec<_>>())
                };
                let mut next: Vec<Cell> = kept.iter().map(|&i| row[i].clone()).collect();
                match found {
                    Some(r) => next.extend(appended.iter().map(|&i| r[i].clone())),
                    None => next.extend(appended.iter().map(|_| Cell::Null)),
                }
                out.push(next);
            }
            out
        }
        other => {
            let mut out = Vec::with_capacity(table.len());
            for row in table {
                ctx.warnings.expanded = 0;
                push_through(std::slice::from_ref(other), row, ctx, &mut out, usize::MAX);
            }
            out
        }
    }
}

/// A row as a hashable key: every value of every cell, in order (a multivalue is one key).
fn row_key(row: &[Cell]) -> Vec<Option<Vec<crate::eval::aggregate::Key>>> {
    row.iter()
        .map(|c| match c {
            Cell::Null => None,
            c => Some(
                c.values()
                    .iter()
                    .map(|v| crate::eval::aggregate::Key(v.clone()))
                    .collect(),
            ),
        })
        .collect()
}

/// A multivalued sort key sorts by its minimum ascending and its maximum descending.
fn sort_key(c: Cell, desc: bool) -> Cell {
    match c {
        Cell::Many(vs) => {
            let pick = if desc {
                vs.into_iter().max_by(|a, b| a.compare(b))
            } else {
                vs.into_iter().min_by(|a, b| a.compare(b))
            };
            pick.map_or(Cell::Null, Cell::One)
        }
        other => other,
    }
}

fn order_cells(a: &Cell, b: &Cell, desc: bool, nulls_first: bool) -> Ordering {
    match (a, b) {
        (Cell::Null, Cell::Null) => Ordering::Equal,
        (Cell::Null, _) => {
            if nulls_first {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (_, Cell::Null) => {
            if nulls_first {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Cell::One(x), Cell::One(y)) => {
            let o = x.compare(y);
            if desc {
                o.reverse()
            } else {
                o
            }
        }
        _ => Ordering::Equal,
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
