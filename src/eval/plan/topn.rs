//! `SORT`'s order of equal rows, as Elasticsearch's `TopNOperator` leaves it: rows go into a
//! Lucene `PriorityQueue` (a binary heap with the worst row on top), then are popped and
//! reversed. A heap is not stable, so rows with equal keys come out in the order this exact
//! sequence of sift-ups and sift-downs gives, which the spec tests pin
//! (`mv_expand/expandAfterSort1`).

use std::cmp::Ordering;

/// The first `limit` (all when `None`) of `items` sorted by `cmp` (ascending), equal items in
/// Lucene heap order. When the heap is full, a row that is not worse than the worst kept row
/// replaces it (`insertWithOverflow`): among equal rows beyond the limit, later ones win.
pub(super) fn top_n<T>(
    items: Vec<T>,
    limit: Option<usize>,
    cmp: impl Fn(&T, &T) -> Ordering,
) -> Vec<T> {
    // `less_than(a, b)`: `a` is the worse row, so it sits nearer the top of the heap.
    let less_than = |a: &T, b: &T| cmp(a, b) == Ordering::Greater;
    let max = limit.unwrap_or(usize::MAX);
    // 1-based heap as in Lucene; slot 0 is unused.
    let mut heap: Vec<Option<T>> = Vec::with_capacity(items.len().min(max) + 1);
    heap.push(None);
    for item in items {
        if heap.len() - 1 < max {
            heap.push(Some(item));
            let mut i = heap.len() - 1;
            // upHeap: move the new node up while it is worse than its parent.
            while i > 1 {
                let parent = i >> 1;
                if less_than(node(&heap, i), node(&heap, parent)) {
                    heap.swap(i, parent);
                    i = parent;
                } else {
                    break;
                }
            }
        } else if heap.len() > 1 && !less_than(&item, node(&heap, 1)) {
            heap[1] = Some(item);
            down_heap(&mut heap, &less_than);
        }
    }
    let mut out = Vec::with_capacity(heap.len() - 1);
    while heap.len() > 1 {
        // pop: take the top, move the last node to the top, then downHeap.
        let last = heap.len() - 1;
        heap.swap(1, last);
        out.push(heap.pop().flatten().expect("a node"));
        down_heap(&mut heap, &less_than);
    }
    out.reverse();
    out
}

/// The positions of [`top_n`]'s result over `keys` when it does not depend on their order:
/// when the first `limit` keys are all different and the next one is worse than all of them,
/// the heap keeps exactly those and returns them sorted, whatever order they came in. Found by
/// selection (linear) and a sort of `limit` keys; `None` when ties make the heap's order matter.
pub(super) fn decided_top<K>(
    keys: &[K],
    limit: usize,
    cmp: impl Fn(&K, &K) -> Ordering,
) -> Option<Vec<usize>> {
    let mut top: Vec<usize> = (0..keys.len()).collect();
    let by_key = |a: &usize, b: &usize| cmp(&keys[*a], &keys[*b]);
    if keys.len() > limit {
        top.select_nth_unstable_by(limit, by_key);
        let next = top[limit];
        top.truncate(limit);
        if top.iter().any(|i| by_key(i, &next) != Ordering::Less) {
            return None;
        }
    }
    top.sort_unstable_by(by_key);
    if top
        .windows(2)
        .any(|w| by_key(&w[0], &w[1]) != Ordering::Less)
    {
        return None;
    }
    Some(top)
}

/// Lucene's `downHeap` from the top: sift the top node down below every worse child.
fn down_heap<T>(heap: &mut [Option<T>], less_than: &impl Fn(&T, &T) -> bool) {
    let size = heap.len() - 1;
    let mut i = 1;
    loop {
        let mut j = i << 1;
        if j > size {
            break;
        }
        let k = j + 1;
        if k <= size && less_than(node(heap, k), node(heap, j)) {
            j = k;
        }
        if less_than(node(heap, j), node(heap, i)) {
            heap.swap(i, j);
            i = j;
        } else {
            break;
        }
    }
}

fn node<T>(heap: &[Option<T>], i: usize) -> &T {
    heap[i].as_ref().expect("heap slots 1..=size are filled")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_and_orders_ties_like_lucenes_heap() {
        let rows = [(0, 'a'), (2, 'b'), (1, 'c'), (2, 'd'), (0, 'e'), (1, 'f')];
        let out = top_n(rows.to_vec(), None, |a, b| a.0.cmp(&b.0));
        let keys: Vec<i32> = out.iter().map(|r| r.0).collect();
        assert_eq!(keys, [0, 0, 1, 1, 2, 2]);
        // Ties are not in input order: the heap reorders them.
        let tags: String = out.iter().map(|r| r.1).collect();
        assert_eq!(tags, "eacfdb");
    }

    #[test]
    fn distinct_top_keys_are_decided_whatever_their_order() {
        let keys = [5, 3, 9, 1, 7, 2, 8];
        for limit in [0, 1, 3, 7, 10] {
            let decided = decided_top(&keys, limit, |a, b| a.cmp(b)).unwrap();
            let expected: Vec<i32> = top_n(keys.to_vec(), Some(limit), |a, b| a.cmp(b));
            let got: Vec<i32> = decided.iter().map(|&i| keys[i]).collect();
            assert_eq!(got, expected, "limit {limit}");
        }
        // A tie inside the top or at its edge leaves the order to the heap.
        assert!(decided_top(&[1, 1, 5], 2, |a: &i32, b| a.cmp(b)).is_none());
        assert!(decided_top(&[1, 2, 2], 2, |a: &i32, b| a.cmp(b)).is_none());
        assert!(decided_top(&[1, 2, 3, 3], 2, |a: &i32, b| a.cmp(b)).is_some());
    }

    #[test]
    fn a_full_heap_lets_later_equal_rows_in() {
        let rows = [(1, 'a'), (1, 'b'), (0, 'c'), (1, 'd')];
        let out = top_n(rows.to_vec(), Some(2), |a, b| a.0.cmp(&b.0));
        assert_eq!(out, [(0, 'c'), (1, 'd')], "d replaces the equal worst row");
        assert!(top_n(rows.to_vec(), Some(0), |a, b| a.0.cmp(&b.0)).is_empty());
    }
}
