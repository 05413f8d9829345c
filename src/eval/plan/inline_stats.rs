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
            let matched = multivalued_matches(&key_cells, &by_key);
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

/// The groups a row with multivalued keys falls in: every combination of each key's distinct
/// values (a null key is the one value null), the first key varying slowest.
fn multivalued_matches<'a>(
    key_cells: &[Cell],
    by_key: &'a HashMap<Vec<KeyCell>, Vec<Cell>>,
) -> Vec<&'a Vec<Cell>> {
    let choices: Vec<Vec<KeyCell>> = key_cells.iter().map(distinct_key_values).collect();
    let mut matched = Vec::new();
    let mut at = vec![0usize; choices.len()];
    loop {
        let key: Vec<KeyCell> = at
            .iter()
            .zip(&choices)
            .map(|(&i, c)| c[i].clone())
            .collect();
        if let Some(r) = by_key.get(&key) {
            matched.push(r);
        }
        // Advance the last key first; stop once the first one wraps.
        let mut g = choices.len();
        loop {
            if g == 0 {
                return matched;
            }
            g -= 1;
            at[g] += 1;
            if at[g] < choices[g].len() {
                break;
            }
            at[g] = 0;
        }
    }
}

/// A key cell's distinct values in first-seen order (Elasticsearch dedupes a position's
/// values before hashing them).
fn distinct_key_values(cell: &Cell) -> Vec<KeyCell> {
    match cell {
        Cell::Many(vs) => {
            let mut seen: Vec<KeyCell> = Vec::with_capacity(vs.len());
            for v in vs {
                let k = KeyCell::Value(crate::eval::aggregate::Key(v.clone()));
                if !seen.contains(&k) {
                    seen.push(k);
                }
            }
            seen
        }
        other => vec![KeyCell::of(other)],
    }
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
