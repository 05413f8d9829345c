//! Dropping documents before their row is built: tests a query's first filter decides on a
//! document's scanned leaves, and when a failed test may drop a document without changing
//! any result.
//!
//! The plan says what may be tested ([`PreFilter`], made by `Plan::prefilter`); the loader
//! drops a document only when, on top of a failed test, every field the filter reads has at
//! most one leaf (the filter cannot warn) and every leaf converts to its type (the document
//! would load without an error). A dropped document is still counted, with its `_index`, in
//! [`super::Documents`]' dropped runs.

use std::sync::Arc;

use crate::document::value::Type;
use crate::document::walk::{Fields, Scalar};

/// A test on one field's leaves, from one conjunct of a query's first `WHERE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeafTest {
    /// `field == "value"` over a keyword or text field: fails when the field has no value or
    /// one string value that differs; undecided otherwise (several values, a non-string leaf).
    Equals { field: String, value: String },
    /// `field IS NOT NULL`: fails when the field has no value.
    Present { field: String },
}

/// What a query's first filter lets the loader drop (see the module's description).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreFilter {
    /// A document failing any of these gives no row.
    pub tests: Vec<LeafTest>,
    /// The document fields the filter reads: a drop needs each to have at most one leaf,
    /// because a multivalue in the filter may warn.
    pub single: Vec<String>,
}

/// A [`PreFilter`] over the loader's field ids.
#[derive(Debug)]
pub(super) struct Resolved {
    tests: Vec<(u32, Option<Box<str>>)>,
    single: Vec<u32>,
}

/// One document's leaves counted per field id, so that each test and field looks its leaves
/// up at once instead of walking every leaf again (reused from document to document).
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// Per field id: (leaves, index of the first in the document's leaves).
    fields: Vec<(u32, u32)>,
}

impl Tally {
    /// Counts `leaves` (one document's), forgetting the previous document's.
    pub(super) fn count(&mut self, leaves: &[(u32, Scalar)]) {
        self.fields.clear();
        for (i, (id, _)) in leaves.iter().enumerate() {
            let id = *id as usize;
            if id >= self.fields.len() {
                self.fields.resize(id + 1, (0, 0));
            }
            let field = &mut self.fields[id];
            if field.0 == 0 {
                field.1 = i as u32;
            }
            field.0 += 1;
        }
    }

    /// How many leaves field `id` has, and its first, as [`leaves_of`] finds them.
    pub(super) fn of<'l, 'a>(
        &self,
        leaves: &'l [(u32, Scalar<'a>)],
        id: u32,
    ) -> (usize, Option<&'l Scalar<'a>>) {
        match self.fields.get(id as usize) {
            Some(&(n, first)) if n > 0 => (n as usize, leaves.get(first as usize).map(|(_, l)| l)),
            _ => (0, None),
        }
    }
}

impl Resolved {
    /// `None` when a field is not one the loader reads (nothing is then dropped).
    pub(super) fn new(filter: &PreFilter, fields: &Fields) -> Option<Resolved> {
        let tests = (filter.tests.iter())
            .map(|t| match t {
                LeafTest::Equals { field, value } => {
                    Some((fields.get(field)?, Some(Box::from(value.as_str()))))
                }
                LeafTest::Present { field } => Some((fields.get(field)?, None)),
            })
            .collect::<Option<Vec<_>>>()?;
        let single = (filter.single.iter())
            .map(|name| fields.get(name))
            .collect::<Option<Vec<_>>>()?;
        Some(Resolved { tests, single })
    }

    /// Whether some test fails on `leaves` (one document's, in document order, counted in
    /// `tally`); `type_of` gives a field's type (an equality is decided on keyword and text
    /// fields only).
    pub(super) fn fails(
        &self,
        tally: &Tally,
        leaves: &[(u32, Scalar)],
        mut type_of: impl FnMut(u32, &Scalar) -> Option<Type>,
    ) -> bool {
        self.tests.iter().any(|(id, value)| {
            let (count, first) = tally.of(leaves, *id);
            match (value, first) {
                // No value: null, so neither `==` nor `IS NOT NULL` is true.
                (_, None) => true,
                (None, Some(_)) => false,
                (Some(value), Some(leaf)) => {
                    count == 1
                        && matches!(leaf, Scalar::Str(t) if **t != **value)
                        && matches!(type_of(*id, leaf), Some(Type::Keyword | Type::Text))
                }
            }
        })
    }

    /// Whether every field the filter reads has at most one leaf (`tally` counts `leaves`).
    pub(super) fn single_valued(&self, tally: &Tally, leaves: &[(u32, Scalar)]) -> bool {
        (self.single.iter()).all(|&id| tally.of(leaves, id).0 <= 1)
    }
}

/// How many leaves field `id` has in `leaves`, and its first: what [`Tally`] answers at once,
/// kept as the tests' reference.
#[cfg(test)]
pub(super) fn leaves_of<'l, 'a>(
    leaves: &'l [(u32, Scalar<'a>)],
    id: u32,
) -> (usize, Option<&'l Scalar<'a>>) {
    let mut first = None;
    let mut count = 0;
    for (f, leaf) in leaves {
        if *f == id {
            count += 1;
            first = first.or(Some(leaf));
        }
    }
    (count, first)
}

/// A document's `_index` text from its three `data_stream.*` leaves: each absent, or one
/// string of a keyword-like type. `Err(())` otherwise (the loader then builds the row).
pub(super) fn data_stream_parts<'l>(
    tally: &Tally,
    leaves: &'l [(u32, Scalar)],
    ids: [Option<u32>; 3],
    mut type_of: impl FnMut(u32, &Scalar) -> Option<Type>,
) -> Result<[Option<&'l str>; 3], ()> {
    let mut parts = [None; 3];
    for (part, id) in parts.iter_mut().zip(ids) {
        let Some(id) = id else { continue };
        match tally.of(leaves, id) {
            (0, _) => {}
            (1, Some(leaf @ Scalar::Str(t))) => match type_of(id, leaf) {
                Some(Type::Keyword | Type::Text | Type::Version) => *part = Some(&**t),
                _ => return Err(()),
            },
            _ => return Err(()),
        }
    }
    Ok(parts)
}

/// Dropped documents of one `_index`, in a row (consecutive documents mostly share it).
pub(super) fn count_dropped(runs: &mut Vec<(Option<Arc<str>>, usize)>, index: Option<Arc<str>>) {
    match runs.last_mut() {
        Some((last, n)) if *last == index => *n += 1,
        _ => runs.push((index, 1)),
    }
}
