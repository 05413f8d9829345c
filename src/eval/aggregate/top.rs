//! `TOP`'s running lists kept bounded: a group holds about twice its `limit` values (or pairs),
//! not every value it was fed, with exactly the result of sorting every value at the end.
//!
//! Why cutting early changes nothing. `TOP` sorts its values stably and keeps the first
//! `limit`; a stable sort orders values by their comparison, then by their place in the list.
//! Say a list keeps the invariant *values that compare equal stand in input order* (true of a
//! list that is only appended to, rows in input order and the values of a multivalued cell in
//! their order). Then its stable sort is the order by (value, input position), a strict total
//! order (positions are distinct), and `TOP` is the `limit` least elements under it.
//! 1. A cut (stable sort, truncate to `limit`) keeps the invariant: what it keeps is sorted by
//!    (value, position), so equal values stay in input order, and every later value is
//!    appended after them with a later position.
//! 2. A cut drops nothing the result needs: a dropped element has `limit` kept elements
//!    before it in (value, position) order, all still there later (a cut keeps the least
//!    ones), so it is never among the `limit` least of the whole input.
//! 3. Partials merge in input order (`Acc::merge`): the later partial's list is cut by the
//!    same rule over its own rows, all after ours, so appending it keeps the invariant and
//!    by 2 its dropped elements were never needed.
//!
//! So the `limit` least elements of a cut list and of the uncut one are the same elements in
//! the same order, ties of values that compare equal (`1.2` and `1.02` as versions) included:
//! byte-identical output at any thread count and batch size. Nulls are never in the list
//! (a null cell has no values). Pairs (`TOP` with an output field) are compared on both
//! halves, and the same argument holds for them.

use std::cmp::Ordering;

use super::AggKind;
use crate::document::value::Value;

/// A list is cut back to its `limit` when it reaches twice that, and not below twice this, so
/// a small limit does not sort every few values (sorting 64 to keep 3 costs about 6 compares
/// a value).
const MIN_KEEP: usize = 32;

/// The length at which a `TOP` list of `limit` is cut back.
#[inline]
pub(super) fn cut_at(limit: usize) -> usize {
    limit.max(MIN_KEEP).saturating_mul(2)
}

/// `TOP`'s order of values: ascending, or descending with `desc`.
fn value_order(a: &Value, b: &Value, desc: bool) -> Ordering {
    if desc {
        b.compare(a)
    } else {
        a.compare(b)
    }
}

/// Sorts `list` stably in `TOP`'s order and keeps its first `limit` values: the cut, and the
/// result at the end.
pub(super) fn keep_top(list: &mut Vec<Value>, limit: usize, desc: bool) {
    list.sort_by(|a, b| value_order(a, b, desc));
    list.truncate(limit);
}

/// [`keep_top`] of (field value, output value) pairs. Pairs order by field value, then by
/// output value, both in the requested direction, as Elasticsearch's bucketed sort of tuples
/// compares them.
pub(super) fn keep_top_pairs(pairs: &mut Vec<(Value, Value)>, limit: usize, desc: bool) {
    pairs.sort_by(|a, b| {
        let o = a.0.compare(&b.0).then_with(|| a.1.compare(&b.1));
        if desc {
            o.reverse()
        } else {
            o
        }
    });
    pairs.truncate(limit);
}

/// Cuts a `TOP` list back to its limit once it reaches [`cut_at`] (other lists are left whole).
#[inline]
pub(super) fn bound_values(list: &mut Vec<Value>, kind: AggKind) {
    if let AggKind::Top { limit, desc } = kind {
        if list.len() >= cut_at(limit) {
            keep_top(list, limit, desc);
        }
    }
}

/// [`bound_values`] of a `TOP` with an output field.
#[inline]
pub(super) fn bound_pairs(pairs: &mut Vec<(Value, Value)>, kind: AggKind) {
    if let AggKind::TopBy { limit, desc } = kind {
        if pairs.len() >= cut_at(limit) {
            keep_top_pairs(pairs, limit, desc);
        }
    }
}
