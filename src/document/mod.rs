//! The document layer every query language reads: scanning JSON documents into rows, index
//! mappings and their resolution, and typed values (with dates, IPs and conversions).
//!
//! ES|QL (`crate::eval`), KQL (`crate::kql`) and EQL (`crate::eql`) each evaluate over the same
//! [`Documents`] with the same [`Mapping`]: a field's type, a missing field and a multivalue mean
//! the same thing to all three, and where their semantics differ the language's engine says so.

pub mod catalog;
pub mod convert;
pub mod datetime;
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
pub use store::{Documents, FieldSelection, InputError, LoadOptions};
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
    if !pattern.contains('*') {
        return pattern == name;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.len() >= part.len() && rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}
