//! Running steps over rows: row-local steps one row at a time, blocking steps over the table,
//! and `SORT`'s key order with its decided top-n.

use std::borrow::{Borrow, Cow};

use super::*;

/// The rows `SORT keys | LIMIT limit` keeps of `table`, in order, when no two of them (nor the
/// best row left out) tie on the keys: then the Lucene heap's result does not depend on the
/// order rows come in, so [`Step::SortAll`] before it changes nothing. Only keys that are
/// columns (which evaluate without warnings); otherwise, or on a tie, the table back.
pub(super) fn decided_top(
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
    // Every row's key cells end to end, borrowed where they lie (a multivalue's pick is made):
    // one vector for the table, not one per row, and no reference counting.
    let width = keys.len();
    let flat: Vec<Cow<Cell>> = table
        .iter()
        .flat_map(|row| {
            keys.iter()
                .zip(&columns)
                .map(|(k, &c)| sort_key_ref(row.get(c), k.desc))
        })
        .collect();
    let sort_keys: Vec<&[Cow<Cell>]> = flat.chunks(width.max(1)).collect();
    let top = topn::decided_top(&sort_keys, limit, |a, b| compare_sort_keys(keys, a, b));
    let Some(top) = top else {
        drop(sort_keys);
        drop(flat);
        return Err(table);
    };
    drop(sort_keys);
    drop(flat);
    let mut table = table;
    Ok(top
        .into_iter()
        .map(|i| std::mem::take(&mut table[i]))
        .collect())
}

/// [`sort_key`] of a cell left where it lies, unless it is a multivalue.
fn sort_key_ref(c: Option<&Cell>, desc: bool) -> Cow<'_, Cell> {
    match c {
        Some(Cell::Many(vs)) => Cow::Owned(sort_key(Cell::Many(vs.clone()), desc)),
        Some(c) => Cow::Borrowed(c),
        None => Cow::Owned(Cell::Null),
    }
}

/// `SORT`'s order of two rows' key cells.
pub(super) fn compare_sort_keys<C: Borrow<Cell>>(keys: &[SortKey], a: &[C], b: &[C]) -> Ordering {
    for (i, k) in keys.iter().enumerate() {
        let o = order_cells(a[i].borrow(), b[i].borrow(), k.desc, k.nulls_first);
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Runs row-local steps over one row, appending the rows it becomes to `out`.
pub(super) fn push_through(
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
        Step::LuceneGate(gate) => {
            if gate.admits(&row) {
                push_through(rest, row, ctx, out, cap);
            }
        }
        Step::Eval(assignments) => {
            let row = eval_row(assignments, row, ctx);
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
            let row = dissect_row(row, input, dissect, removed, ctx);
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
        Step::Fill(fills) => push_through(rest, fill_row(fills, row), ctx, out, cap),
        Step::LookupJoin(join) => {
            for joined in join.join(row, ctx) {
                push_through(rest, joined, ctx, out, cap);
            }
        }
        _ => out.push(row),
    }
}

/// `EVAL`'s assignments over one row.
fn eval_row(
    assignments: &[(CExpr, Option<usize>)],
    mut row: Vec<Cell>,
    ctx: &mut Ctx,
) -> Vec<Cell> {
    // The new columns at once, not one reallocation of the row per column.
    row.reserve(assignments.len());
    for (e, replaced) in assignments {
        let v = e.eval(&row, ctx);
        if let Some(i) = replaced {
            row.remove(*i);
        }
        row.push(v);
    }
    row
}

/// `DISSECT` over one row: its keys' values (keywords) appended.
fn dissect_row(
    row: Vec<Cell>,
    input: &CExpr,
    dissect: &Dissect,
    removed: &[usize],
    ctx: &mut Ctx,
) -> Vec<Cell> {
    with_extracted(row, input, removed, dissect.columns.len(), ctx, |text| {
        dissect.extract(text).map(|values| {
            values
                .into_iter()
                .map(|v| v.map_or(Cell::Null, |s| Cell::One(Value::str(&s))))
                .collect()
        })
    })
}

/// `FILLNULL` over one row: each null column given its fill value.
fn fill_row(fills: &[(usize, Cell)], mut row: Vec<Cell>) -> Vec<Cell> {
    for (i, cell) in fills {
        if row[*i].is_null() {
            row[*i] = cell.clone();
        }
    }
    row
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

pub(super) fn run_step(step: &Step, table: Vec<Vec<Cell>>, ctx: &mut Ctx) -> Vec<Vec<Cell>> {
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
        Step::LimitBy(n, keys) => {
            // A key is each cell whole: a multivalue is one key, null another (see
            // docs/esql-semantics.md, `LIMIT … BY`).
            let mut seen: HashMap<_, usize> = HashMap::new();
            let mut out = Vec::new();
            for row in table {
                let cells: Vec<Cell> = keys.iter().map(|k| k.eval(&row, ctx)).collect();
                let count = seen.entry(row_key(&cells)).or_insert(0);
                if *count < *n {
                    *count += 1;
                    out.push(row);
                }
            }
            out
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
            inline_stats::run_inline_stats(stats, kept, appended, table, ctx)
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
pub(super) fn sort_key(c: Cell, desc: bool) -> Cell {
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

pub(super) fn order_cells(a: &Cell, b: &Cell, desc: bool, nulls_first: bool) -> Ordering {
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
