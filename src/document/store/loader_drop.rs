//! The loader's side of the pre-filter: whether a scanned document is dropped before its row
//! is built (see `store::prefilter`), and the `_index` a document is counted under.

use std::sync::Arc;

use super::{is_joined, to_value, Loader};
use crate::document::store::prefilter;
use crate::document::value::Type;
use crate::document::walk::Scalar;

/// `_index` from the `data_stream.*` texts, or the default: the last one built when it is the
/// same (consecutive documents mostly share it).
pub(super) fn joined_index(
    last: &mut Option<Arc<str>>,
    default: &Option<Arc<str>>,
    parts: [Option<&str>; 3],
) -> Option<Arc<str>> {
    match parts {
        [Some(t), Some(d), Some(n)] => match last {
            Some(last) if is_joined(last, [t, d, n]) => Some(Arc::clone(last)),
            _ => {
                let index: Arc<str> = Arc::from(format!("{t}-{d}-{n}"));
                *last = Some(Arc::clone(&index));
                Some(index)
            }
        },
        _ => default.clone(),
    }
}

impl Loader {
    /// Whether the pre-filter drops this document (then counted, with its `_index`, and
    /// nothing else done): a test fails, the filter's fields are single-valued, and every
    /// leaf converts, so the row would load and give no row and no warning.
    pub(super) fn drops(&mut self, leaves: &[(u32, Scalar)]) -> bool {
        let Some(filter) = self.prefilter.take() else {
            return false;
        };
        let mut tally = std::mem::take(&mut self.tally);
        tally.count(leaves);
        let drops = filter.fails(&tally, leaves, |id, leaf| self.type_of(id, leaf))
            && filter.single_valued(&tally, leaves)
            && self.all_convert(leaves)
            && self.count_dropped(&tally, leaves);
        self.prefilter = Some(filter);
        self.tally = tally;
        drops
    }

    /// Whether every leaf converts to its field's type (checked as `fill_cells` converts,
    /// without building values of string types, which always convert).
    fn all_convert(&mut self, leaves: &[(u32, Scalar)]) -> bool {
        leaves.iter().all(|(id, leaf)| match leaf {
            Scalar::Object => false,
            _ => match self.type_of(*id, leaf) {
                None | Some(Type::Keyword | Type::Text | Type::Version) => true,
                Some(Type::GeoPoint | Type::DateRange | Type::DoubleRange) => false,
                Some(ty) => to_value(leaf, ty, *id, &mut self.interner).is_ok(),
            },
        })
    }

    /// Counts a dropped document under its `_index`; `false` (not dropped) when its
    /// `data_stream.*` leaves are not plain strings.
    fn count_dropped(&mut self, tally: &prefilter::Tally, leaves: &[(u32, Scalar)]) -> bool {
        let ids = [self.internal[1], self.internal[2], self.internal[3]];
        let Ok(parts) =
            prefilter::data_stream_parts(tally, leaves, ids, |id, leaf| self.type_of(id, leaf))
        else {
            return false;
        };
        let index = joined_index(&mut self.last_index, &self.default_index, parts);
        prefilter::count_dropped(&mut self.docs.dropped, index);
        true
    }
}
