//! The document layer every query language reads: scanning JSON documents into rows, index
//! mappings and their resolution, and typed values (with dates, IPs and conversions).
//!
//! ES|QL (`crate::eval`), KQL (`crate::kql`) and EQL (`crate::eql`) each evaluate over the same
//! [`Documents`] with the same [`Mapping`]: a field's type, a missing field and a multivalue mean
//! the same thing to all three, and where their semantics differ the language's engine says so.

pub mod catalog;
pub mod convert;
pub mod date_nanos;
pub mod date_range;
pub mod date_unit;
pub mod datetime;
pub mod double_range;
pub mod flattened;
pub mod geo;
mod ids;
pub mod ip;
pub mod mapping;
mod scan;
mod scan_blocks;
pub mod store;
pub mod value;
mod walk;

pub use catalog::Catalog;
pub use mapping::Mapping;
pub use store::{Documents, FieldSelection, InputError, LeafTest, LoadOptions, PreFilter};
pub use value::{Cell, Type, Value};

/// A named, typed column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: Type,
}

/// Whether a data-stream name matches a `FROM` pattern (`*` wildcards; `cluster:` prefixes are
/// ignored, as every document is local).
pub fn index_matches(pattern: &str, name: &str) -> bool {
    let pattern = pattern.rsplit(':').next().unwrap_or(pattern);
    name_matches(pattern, name)
}

/// `*` matches any run of characters (dots included).
pub fn name_matches(pattern: &str, name: &str) -> bool {
    // Checked for every document a query reads: the parts between stars are walked in place.
    let Some((first, mut tail)) = pattern.split_once('*') else {
        return pattern == name;
    };
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    // Middle parts are found in turn; the part after the last star must end the name.
    while let Some((part, more)) = tail.split_once('*') {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
        tail = more;
    }
    rest.len() >= tail.len() && rest.ends_with(tail)
}
