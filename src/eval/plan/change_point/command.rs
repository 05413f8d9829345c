//! The `CHANGE_POINT` command: its verification and output schema (`ChangePoint.java`) and its
//! evaluation (`ChangePointOperator.java`).
//!
//! Elasticsearch plans the command as a top-n (ascending by the key, nulls last, per `BY`
//! group) of `INPUT_VALUE_COUNT_LIMIT + 1` rows, then buffers them: each group's first
//! `INPUT_VALUE_COUNT_LIMIT` rows give the series (null and multivalued values are skipped with
//! a warning, but keep their place), the detector marks the change point's row with the change
//! type and p-value, and every other row gets nulls.

use std::cmp::Ordering;

use crate::diagnostic::Diagnostic;
use crate::document::value::{Cell, Type, Value};
use crate::document::Column;
use crate::esql::ast;
use crate::eval::expr::{error, find, CExpr, Compiler, Ctx};
use crate::span::Span;

use super::super::{order_cells, sort_key};
use super::{change_type, ChangeKind};

/// `ChangePointOperator.INPUT_VALUE_COUNT_LIMIT`: the values of one series (rows past it are
/// dropped with a warning).
pub const INPUT_VALUE_COUNT_LIMIT: usize = 1000;

/// A compiled `CHANGE_POINT`.
#[derive(Clone, Debug)]
pub(crate) struct ChangePointPlan {
    value: usize,
    key: usize,
    groups: Vec<CExpr>,
    /// The input columns the output keeps (those the new columns do not shadow), in order.
    kept: Vec<usize>,
    /// Whether the output has a type column (not when both new columns share a name: the
    /// p-value wins).
    type_column: bool,
    /// The warning site: the whole command.
    site: u32,
}

/// Verifies `CHANGE_POINT` against the schema (the value numeric, the key sortable) and
/// replaces the schema with its output: the input columns, then the type (`keyword`) and
/// p-value (`double`) columns, which shadow input columns of the same names.
pub(crate) fn compile_change_point(
    c: &mut Compiler,
    cp: &ast::ChangePoint,
    span: Span,
    schema: &mut Vec<Column>,
) -> Result<ChangePointPlan, Diagnostic> {
    let column = |name: &str, at: Span| {
        find(schema, name).ok_or_else(|| error("E301", at, format!("Unknown column [{name}]")))
    };
    let value = column(&cp.value.name, cp.value.span)?;
    let (key_name, key_span) = cp
        .key
        .as_ref()
        .map_or(("@timestamp", cp.value.span), |k| (k.name.as_str(), k.span));
    let key = column(key_name, key_span)?;
    if !(schema[value].ty.is_numeric() || schema[value].ty == Type::Null) {
        return Err(error(
            "E302",
            cp.value.span,
            format!("change point value [{}] must be numeric", cp.value.name),
        ));
    }
    if schema[key].ty == Type::GeoPoint {
        return Err(error(
            "E302",
            key_span,
            format!("change point key [{key_name}] must be sortable"),
        ));
    }
    let mut groups = Vec::new();
    for field in &cp.by {
        groups.push(c.expr(&field.expr, schema)?);
    }
    let (type_name, pvalue_name) = match &cp.names {
        Some((t, p)) => (t.name.clone(), p.name.clone()),
        None => ("type".to_string(), "pvalue".to_string()),
    };
    let kept: Vec<usize> = (0..schema.len())
        .filter(|&i| schema[i].name != type_name && schema[i].name != pvalue_name)
        .collect();
    let mut output: Vec<Column> = kept.iter().map(|&i| schema[i].clone()).collect();
    c.constants.project(schema, &kept, &output);
    let type_column = type_name != pvalue_name;
    if type_column {
        output.push(Column {
            name: type_name.clone(),
            ty: Type::Keyword,
        });
    }
    output.push(Column {
        name: pvalue_name.clone(),
        ty: Type::Double,
    });
    for name in [type_name, pvalue_name] {
        c.constants.forget(&name);
        c.computed.insert(name);
    }
    *schema = output;
    Ok(ChangePointPlan {
        value,
        key,
        groups,
        kept,
        type_column,
        site: c.site(span),
    })
}

/// What the series of a run saw, for the warnings Elasticsearch emits after the detection.
#[derive(Default)]
struct Observed {
    too_many_values: bool,
    nulls: bool,
    multivalued: bool,
    /// The reason of the last indeterminable series.
    indeterminable: Option<String>,
}

/// Runs `CHANGE_POINT` over its input rows.
pub(crate) fn run_change_point(
    plan: &ChangePointPlan,
    table: Vec<Vec<Cell>>,
    ctx: &mut Ctx,
) -> Vec<Vec<Cell>> {
    let group_keys: Vec<Vec<Cell>> = table
        .iter()
        .map(|row| plan.groups.iter().map(|g| g.eval(row, ctx)).collect())
        .collect();
    let mut order: Vec<usize> = (0..table.len()).collect();
    order.sort_by(|&a, &b| {
        let by_group = group_keys[a]
            .iter()
            .zip(&group_keys[b])
            .map(|(x, y)| ascending(x, y))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal);
        by_group.then_with(|| ascending(&table[a][plan.key], &table[b][plan.key]))
    });
    let mut table: Vec<Option<Vec<Cell>>> = table.into_iter().map(Some).collect();
    let mut observed = Observed::default();
    let mut out = Vec::new();
    let mut start = 0;
    // Without `BY` there is one series, even of no rows (its "not enough buckets" warning).
    while start < order.len() || (start == 0 && plan.groups.is_empty()) {
        let end = (start..order.len())
            .find(|&i| group_keys[order[i]] != group_keys[order[start]])
            .unwrap_or(order.len());
        let rows: Vec<Vec<Cell>> = order[start..end]
            .iter()
            .filter_map(|&i| table[i].take())
            .collect();
        out.extend(mark_series(plan, rows, &mut observed));
        start = end.max(start + 1);
    }
    warn(plan.site, &observed, ctx);
    out
}

/// The key's (or a group's) ascending order, nulls last, a multivalue by its minimum.
fn ascending(a: &Cell, b: &Cell) -> Ordering {
    order_cells(
        &sort_key(a.clone(), false),
        &sort_key(b.clone(), false),
        false,
        false,
    )
}

/// One series: its first [`INPUT_VALUE_COUNT_LIMIT`] rows, with the change point marked.
fn mark_series(
    plan: &ChangePointPlan,
    mut rows: Vec<Vec<Cell>>,
    observed: &mut Observed,
) -> Vec<Vec<Cell>> {
    if rows.len() > INPUT_VALUE_COUNT_LIMIT {
        observed.too_many_values = true;
        rows.truncate(INPUT_VALUE_COUNT_LIMIT);
    }
    let mut values = Vec::with_capacity(rows.len());
    let mut buckets = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        match &row[plan.value] {
            Cell::Null => observed.nulls = true,
            Cell::Many(_) => observed.multivalued = true,
            Cell::One(v) => match v.as_f64() {
                Some(x) => {
                    values.push(x);
                    buckets.push(i);
                }
                None => observed.nulls = true,
            },
        }
    }
    let change = change_type(&values);
    if change.kind == ChangeKind::Indeterminable {
        observed.indeterminable = change.reason.clone();
    }
    let marked = change.change_point.and_then(|cp| buckets.get(cp).copied());
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let mut next: Vec<Cell> = plan.kept.iter().map(|&k| row[k].clone()).collect();
            let (kind, p) = match marked {
                Some(m) if m == i => (
                    Cell::One(Value::str(change.kind.name())),
                    Cell::One(Value::Double(change.p_value)),
                ),
                _ => (Cell::Null, Cell::Null),
            };
            if plan.type_column {
                next.push(kind);
            }
            next.push(p);
            next
        })
        .collect()
}

/// The warnings, in the order (and so with the header) Elasticsearch registers them.
fn warn(site: u32, observed: &Observed, ctx: &mut Ctx) {
    if observed.too_many_values {
        let detail = format!(
            "java.lang.IllegalArgumentException: too many values; keeping only first {INPUT_VALUE_COUNT_LIMIT} values"
        );
        ctx.warnings.add_command_warning(site, true, &detail);
    }
    if let Some(reason) = &observed.indeterminable {
        let detail = format!("java.lang.IllegalArgumentException: {reason}");
        ctx.warnings.add_command_warning(site, false, &detail);
    }
    if observed.nulls {
        ctx.warnings.add_command_warning(
            site,
            true,
            "java.lang.IllegalArgumentException: values contain nulls; skipping them",
        );
    }
    if observed.multivalued {
        ctx.warnings.add_command_warning(
            site,
            true,
            "java.lang.IllegalArgumentException: values contains multivalued entries; skipping them (please consider reducing them with e.g. MV_AVG or MV_SUM)",
        );
    }
}
