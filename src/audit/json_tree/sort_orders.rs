//! Sort orders remembered per object shape, so that recurring objects are not sorted again.

use super::Member;

/// Objects of at most this many members have their sort order remembered.
const MAX_REMEMBERED: usize = 32;

/// Remembered slots (direct-mapped by the shape's hash).
const ORDER_SLOTS: usize = 64;

/// The sort orders of recent object shapes: per slot, the hash of a run's renamed key
/// prefixes and lengths, and where each member of the run in its first order goes.
#[derive(Default)]
pub(super) struct SortOrders {
    pub(super) slots: Vec<RememberedOrder>,
    /// A run in its first order, while [`SortOrders::apply`] reorders it.
    first: Vec<Member>,
}

#[derive(Clone, Copy)]
pub(super) struct RememberedOrder {
    shape: u64,
    pub(super) len: u8,
    /// `from[i]`: the index in the first order of the member sorted to place `i`.
    pub(super) from: [u8; MAX_REMEMBERED],
}

impl SortOrders {
    pub(super) fn mix(hash: u64, value: u64) -> u64 {
        (hash.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
    }

    fn slot(shape: u64) -> usize {
        (shape >> 58) as usize % ORDER_SLOTS
    }

    /// The key ids of a run that may be remembered, in their first order.
    pub(super) fn keys_of(run: &[Member]) -> Option<[u32; MAX_REMEMBERED]> {
        let mut keys = [0; MAX_REMEMBERED];
        for (key, member) in keys.iter_mut().zip(run) {
            *key = member.key;
        }
        (run.len() <= MAX_REMEMBERED).then_some(keys)
    }

    /// Puts `run` in the order remembered for `shape`; false (and `run` untouched) when there
    /// is none. The order is only a guess: the caller checks it.
    pub(super) fn apply(&mut self, shape: u64, run: &mut [Member]) -> bool {
        let Some(order) = self.slots.get(Self::slot(shape)) else {
            return false;
        };
        if order.shape != shape || usize::from(order.len) != run.len() {
            return false;
        }
        self.first.clear();
        self.first.extend_from_slice(run);
        for (member, &from) in run.iter_mut().zip(&order.from) {
            *member = self.first[usize::from(from)];
        }
        true
    }

    /// Remembers the order of the sorted `run`, whose keys were `first_keys` before the sort.
    pub(super) fn remember(
        &mut self,
        shape: u64,
        first_keys: Option<[u32; MAX_REMEMBERED]>,
        run: &[Member],
    ) {
        let Some(first_keys) = first_keys else {
            return;
        };
        let first_keys = &first_keys[..run.len()];
        let mut from = [0u8; MAX_REMEMBERED];
        for (place, member) in run.iter().enumerate() {
            // Keys are distinct nodes (the run has no duplicate), so the position is unique.
            let Some(at) = first_keys.iter().position(|&k| k == member.key) else {
                return;
            };
            from[place] = at as u8;
        }
        if self.slots.is_empty() {
            self.slots = vec![
                RememberedOrder {
                    shape: 0,
                    len: u8::MAX,
                    from: [0; MAX_REMEMBERED],
                };
                ORDER_SLOTS
            ];
        }
        self.slots[Self::slot(shape)] = RememberedOrder {
            shape,
            len: run.len() as u8,
            from,
        };
    }
}
