//! `SAMPLE`'s draws, and its running sample kept bounded: a group holds about twice its `limit`
//! values with their draws, not every value it was fed, with exactly the result of drawing
//! over every value at the end ([`super::finish`]'s `sample_values`).
//!
//! The sample is the `limit` values whose draw of `(seed, position)` is least, positions
//! counted in the group's input order; (draw, position) pairs are distinct (positions are),
//! so "least" is a strict total order. A cut keeps the `limit` least of what it holds; a
//! dropped value has `limit` kept values before it, which stay, so it is never among the
//! `limit` least of the whole input. A partial (one batch's rows) cannot draw: its positions
//! are known only when it is merged, after every earlier batch, so it keeps its values whole
//! (memory of one batch) and [`add_drawn`] draws them as they are merged.

use super::top::cut_at;
use super::AggKind;
use crate::document::value::{Cell, Value};

/// The draw of the value at `position` in its group, for a `SAMPLE` seeded with `seed`.
fn draw(seed: u64, position: usize) -> u64 {
    let stream = crate::eval::plan::sample_mix(seed);
    crate::eval::plan::sample_mix(stream ^ position as u64)
}

/// Feeds `value`, the next of its group after the `seen` before it, to a running sample.
pub(super) fn add_drawn(
    kept: &mut Vec<(u64, usize, Value)>,
    seen: &mut usize,
    kind: AggKind,
    value: Value,
) {
    let AggKind::Sample { limit, seed } = kind else {
        return;
    };
    let position = *seen;
    *seen += 1;
    kept.push((draw(seed, position), position, value));
    if kept.len() >= cut_at(limit) {
        keep_least(kept, limit);
    }
}

/// Keeps the `limit` values of least (draw, position), in no particular order.
fn keep_least(kept: &mut Vec<(u64, usize, Value)>, limit: usize) {
    if limit == 0 {
        kept.clear();
        return;
    }
    kept.select_nth_unstable_by(limit - 1, |a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    kept.truncate(limit);
}

/// The sample: no value for a limit of 0, else the `limit` values of least draw (all of them
/// when there are at most `limit`), in input order.
pub(super) fn finish_drawn(kind: AggKind, mut kept: Vec<(u64, usize, Value)>) -> Cell {
    let AggKind::Sample { limit, .. } = kind else {
        return Cell::Null;
    };
    if limit == 0 {
        return Cell::Null;
    }
    if kept.len() > limit {
        keep_least(&mut kept, limit);
    }
    kept.sort_unstable_by_key(|&(_, position, _)| position);
    Cell::from_values(kept.into_iter().map(|(_, _, value)| value).collect())
}
