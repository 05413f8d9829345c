//! Compiling a `STATS` command: its grouping keys, aggregate slots and output expressions.

use super::aggregates::{contains_aggregate, extract_aggregates, reuse_grouping_functions};
use super::*;
use crate::eval::functions::categorize::grouping;
use crate::eval::functions::categorize::CategorizeSpec;

impl StatsPlan {
    /// The grouping key cells of one input row.
    pub(in crate::eval::plan) fn key_cells(&self, row: &[Cell], ctx: &mut Ctx) -> Vec<Cell> {
        self.groups.iter().map(|g| g.eval(row, ctx)).collect()
    }
}

pub(in crate::eval::plan) fn compile_stats(
    c: &mut Compiler,
    stats: &ast::Stats,
    schema: &[Column],
    notes: &mut Vec<String>,
) -> Result<StatsPlan, Diagnostic> {
    grouping::verify(c, stats)?;
    let (mut keys, categorize) = compile_keys(c, stats, schema)?;
    drop_shadowed_keys(c, &mut keys, notes);
    let follows = key_follows(c, stats, &keys);
    let mut agg_schema = schema.to_vec();
    let mut aliased = Vec::new();
    for (i, (col, _, _, is_alias)) in keys.iter().enumerate() {
        if *is_alias {
            agg_schema.push(col.clone());
            aliased.push(i);
        }
    }
    let mut slots = Vec::new();
    let mut rewritten = Vec::new();
    for agg in &stats.aggregates {
        let filter = match &agg.filter {
            Some(f) => Some(c.boolean(f, &agg_schema)?),
            None => None,
        };
        let mut e =
            extract_aggregates(c, &agg.field.expr, &agg_schema, filter.as_ref(), &mut slots)?;
        reuse_grouping_functions(&mut e, stats, &keys);
        rewritten.push((agg.field.column_name(c.text), e, agg.field.span));
    }
    // Rows are extended with the computed keys only if some aggregate or filter reads them.
    let reads_keys = |e: &CExpr| reads_column_from(e, schema.len());
    if !slots.iter().any(|s| {
        s.arg.as_ref().is_some_and(reads_keys) || s.filter.as_ref().is_some_and(reads_keys)
    }) {
        aliased.clear();
    }
    let candidates = output_candidates(c, stats, rewritten, &slots, &keys, &agg_schema)?;
    let (outputs, columns) = unshadowed_outputs(c, &candidates, notes);
    // A `CATEGORIZE` key shadowed by a later key of its name groups nothing.
    let categorize = categorize
        .filter(|(_, span)| keys.first().is_some_and(|k| k.2 == *span))
        .map(|(spec, _)| spec);
    Ok(StatsPlan {
        categorize,
        groups: keys.into_iter().map(|k| k.1).collect(),
        follows,
        aliased,
        slots,
        outputs,
        columns,
    })
}

/// A grouping key: its output column, its expression over the input, its span, and whether
/// it is computed (not just an input column of its name).
type GroupKey = (Column, CExpr, Span, bool);

/// Grouping keys, compiled against the input (a key does not see an earlier key's alias),
/// and the `CATEGORIZE` key's spec with its span if there is one.
#[allow(clippy::type_complexity)]
fn compile_keys(
    c: &mut Compiler,
    stats: &ast::Stats,
    schema: &[Column],
) -> Result<(Vec<GroupKey>, Option<(CategorizeSpec, Span)>), Diagnostic> {
    let mut keys: Vec<GroupKey> = Vec::new();
    let mut categorize = None;
    for b in &stats.by {
        if contains_aggregate(&b.expr) {
            return Err(error(
                "E302",
                b.expr.span,
                "grouping key cannot contain an aggregate function",
            ));
        }
        // `CATEGORIZE(field)` (first, as `verify` checked) groups by its field's category: the
        // key is evaluated as the field, categorized as the rows come, a `keyword` when emitted.
        let (e, ty) = match grouping::as_categorize(&b.expr) {
            Some(call) => {
                let (field, spec) =
                    grouping::resolve(c, call, b.expr.span, |c, f| c.expr(f, schema))?;
                categorize = Some((spec, b.span));
                (field, Type::Keyword)
            }
            None => {
                let e = c.expr(&b.expr, schema)?;
                let ty = e.ty;
                (e, ty)
            }
        };
        let name = b.column_name(c.text);
        // A key that is not just an input column is evaluated before aggregating, as if by
        // an EVAL: aggregates and their filters can use its name.
        let aliased = !matches!(&b.expr.kind, ExprKind::Column(n) if n.name == name);
        keys.push((Column { name, ty }, e, b.span, aliased));
    }
    Ok((keys, categorize))
}

/// A key shadowed by a later key of the same name does not group at all.
fn drop_shadowed_keys(c: &Compiler, keys: &mut Vec<GroupKey>, notes: &mut Vec<String>) {
    let mut i = 0;
    while i < keys.len() {
        if let Some(later) = keys[i + 1..]
            .iter()
            .rev()
            .find(|k| k.0.name == keys[i].0.name)
        {
            notes.push(shadow_note(c, &keys[i].0.name, keys[i].2, later.2));
            keys.remove(i);
        } else {
            i += 1;
        }
    }
}

/// For each key, the earlier key it follows, if any. Keys that read the same column (directly
/// or through `EVAL` copies and renames) are one attribute to Elasticsearch: a multivalue
/// unrolls once for all of them.
fn key_follows(c: &Compiler, stats: &ast::Stats, keys: &[GroupKey]) -> Vec<Option<usize>> {
    let roots: Vec<Option<String>> = stats
        .by
        .iter()
        .filter(|b| keys.iter().any(|k| k.2 == b.span))
        .map(|b| match &b.expr.kind {
            ExprKind::Column(n) => Some(c.constants.1.root(&n.name).to_string()),
            _ => None,
        })
        .collect();
    roots
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.as_ref()
                .and_then(|r| roots[..i].iter().position(|x| x.as_ref() == Some(r)))
        })
        .collect()
}

/// The outputs before shadowing is resolved. Output expressions see the slots, then the keys
/// by name.
fn output_candidates(
    c: &mut Compiler,
    stats: &ast::Stats,
    rewritten: Vec<(String, ast::Expr, Span)>,
    slots: &[AggSlot],
    keys: &[GroupKey],
    agg_schema: &[Column],
) -> Result<Vec<(String, CExpr, Span)>, Diagnostic> {
    let mut post: Vec<Column> = slots
        .iter()
        .enumerate()
        .map(|(i, s)| Column {
            name: format!("$agg{i}"),
            ty: s.ty,
        })
        .collect();
    let slot_count = post.len();
    post.extend(keys.iter().map(|k| k.0.clone()));
    // Candidates in output order: aggregates, then keys; the rightmost of equal names wins.
    // They read slots and keys, not the input's columns, so the input's constants are set
    // aside while they compile.
    let mut candidates: Vec<(String, CExpr, Span)> = Vec::new();
    for ((name, e, span), agg) in rewritten.into_iter().zip(&stats.aggregates) {
        // Outside aggregate functions, an output may only use the grouping keys.
        let constants = std::mem::take(&mut c.constants);
        let compiled = c.expr(&e, &post);
        c.constants = constants;
        let ce = match compiled {
            Ok(ce) => ce,
            Err(err) if contains_aggregate(&agg.field.expr) => return Err(err),
            // Report what is wrong with the expression itself first (an unknown function).
            Err(_) => {
                c.expr(&agg.field.expr, agg_schema)?;
                return Err(error(
                    "E302",
                    agg.field.expr.span,
                    format!(
                        "[{}] must be an aggregate function or use only grouping keys",
                        agg.field.expr.span.slice(c.text)
                    ),
                ));
            }
        };
        candidates.push((name, ce, span));
    }
    for (i, (col, _, span, _)) in keys.iter().enumerate() {
        let site = c.site(*span);
        candidates.push((
            col.name.clone(),
            CExpr {
                kind: Kind::Column(slot_count + i),
                ty: col.ty,
                site,
            },
            *span,
        ));
    }
    Ok(candidates)
}

/// The outputs and their columns: every shadowed field names the one that wins, the
/// rightmost of its name.
fn unshadowed_outputs(
    c: &Compiler,
    candidates: &[(String, CExpr, Span)],
    notes: &mut Vec<String>,
) -> (Vec<CExpr>, Vec<Column>) {
    let mut outputs = Vec::new();
    let mut columns = Vec::new();
    for (i, (name, e, span)) in candidates.iter().enumerate() {
        if let Some((_, _, later)) = candidates[i + 1..].iter().rev().find(|(n, _, _)| n == name) {
            notes.push(shadow_note(c, name, *span, *later));
            continue;
        }
        outputs.push(e.clone());
        columns.push(Column {
            name: name.clone(),
            ty: e.ty,
        });
    }
    (outputs, columns)
}

/// Whether `e` reads a column at index `first` or later.
fn reads_column_from(e: &CExpr, first: usize) -> bool {
    matches!(e.kind, Kind::Column(i) if i >= first)
        || e.children()
            .into_iter()
            .any(|child| reads_column_from(child, first))
}

/// `Line 2:9: Field 'x' shadowed by field at line 2:54`.
fn shadow_note(c: &Compiler, name: &str, here: Span, there: Span) -> String {
    let here = c.location(here);
    let there = c.location(there).replacen("Line", "line", 1);
    format!("{here}: Field '{name}' shadowed by field at {there}")
}
