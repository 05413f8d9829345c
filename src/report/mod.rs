//! Run reports and their outputs: the YAML form, insta snapshot files, JUnit XML.

pub mod junit;
pub mod snap;
pub mod yaml;
