//! Running `INLINE STATS`: the aggregation on the grouping keys, joined back onto every input row.

use super::*;

/// Aggregates `table` by `stats`, then appends to each row (its `kept` columns) the aggregates
/// `appended` of the groups its keys fall in, and the key cells last.
///
/// Elasticsearch joins the aggregation back with a hash lookup on the keys
/// (`HashLookupOperator` over a `PackedValuesBlockHash`): a multivalued key looks up each of
/// its distinct values, several keys every combination of them (the last key varying
/// fastest), and the matched groups' aggregates come out as one multivalue, in that order
/// (inlinestats.csv-spec `inlinestatsWithFalseFiltersAndGroups`,
/// `inlinestatsWithMixedFiltersAndGroup`). Null aggregates add no value; none at all is null.
pub(super) fn run_inline_stats(
    stats: &StatsPlan,
    kept: &[usize],
    appended: &[usize],
    table: Vec<Vec<Cell>>,
    ctx: &mut Ctx,
) -> Vec<Vec<Cell>> {
    let mut state = StatsState::new(stats);
    for row in &table {
        state.add(stats, row, ctx);
    }
    let aggs = stats.columns.len() - stats.groups.len();
    // Output rows: [aggregates..., keys...]; index them by their keys.
    let mut by_key: HashMap<Vec<KeyCell>, Vec<Cell>> = HashMap::new();
    for r in state.finish(stats, ctx) {
        let key = r[aggs..].iter().map(KeyCell::of).collect();
        by_key.insert(key, r);
    }
    let mut out = Vec::with_capacity(table.len());
    for row in table {
        let key_cells = stats.key_cells(&row, ctx);
        let mut next: Vec<Cell> = kept.iter().map(|&i| row[i].clone()).collect();
        if key_cells.iter().any(|c| matches!(c, Cell::Many(_))) {
            let matched = multivalued_matches(stats, &key_cells, &by_key, ctx);
            next.extend(appended.iter().map(|&i| gather(&matched, i)));
        } else {
            let key: Vec<KeyCell> = key_cells.iter().map(KeyCell::of).collect();
            match by_key.get(&key) {
                Some(r) => next.extend(appended.iter().map(|&i| r[i].clone())),
                None => next.extend(appended.iter().map(|_| Cell::Null)),
            }
        }
        // The keys come last, from the row itself (each row keeps its own values).
        next.extend(key_cells);
        out.push(next);
    }
    out
}

/// The groups a row with multivalued keys falls in, in the order of [`stats::combinations`]
/// (each key's distinct values, a null key the one value null, the first key varying slowest;
/// a key that copies an earlier one follows it): the combinations `STATS` fed the row to, so
/// their number is within `--max-groups`. None once a cap has failed the query.
fn multivalued_matches<'a>(
    stats: &StatsPlan,
    key_cells: &[Cell],
    by_key: &'a HashMap<Vec<KeyCell>, Vec<Cell>>,
    ctx: &Ctx,
) -> Vec<&'a Vec<Cell>> {
    if ctx.failed() {
        return Vec::new();
    }
    super::stats::combinations(stats, key_cells)
        .iter()
        .filter_map(|combo| by_key.get(&combo.iter().map(KeyCell::of).collect::<Vec<_>>()))
        .collect()
}

/// Column `i` of the matched groups as one cell: their values end to end.
fn gather(matched: &[&Vec<Cell>], i: usize) -> Cell {
    let mut values = Vec::new();
    for r in matched {
        match &r[i] {
            Cell::Null => {}
            Cell::One(v) => values.push(v.clone()),
            Cell::Many(vs) => values.extend(vs.iter().cloned()),
        }
    }
    Cell::from_values(values)
}
