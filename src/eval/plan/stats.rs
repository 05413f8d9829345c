//! `STATS` and `INLINE STATS`: compiling aggregates and grouping keys, and accumulating groups.

use std::hash::Hash;

use super::*;

mod aggregates;
mod compile;
mod state;
mod top;

pub(super) use aggregates::top_limit_order;
pub(super) use compile::compile_stats;
pub(super) use state::combinations;
use state::distinct_columns;
pub(crate) use state::StatsState;

/// A grouping key component: null or one value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum KeyCell {
    Null,
    Value(crate::eval::aggregate::Key),
}

impl KeyCell {
    pub(super) fn of(c: &Cell) -> KeyCell {
        match c {
            Cell::One(v) => KeyCell::Value(crate::eval::aggregate::Key(v.clone())),
            _ => KeyCell::Null,
        }
    }
}
