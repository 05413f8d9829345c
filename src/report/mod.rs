//! Rendering of results for people and machines (text, JSON, Markdown, YAML, insta `.snap`
//! files, JUnit XML); no computation here.

pub mod inspect;
pub mod junit;
pub mod snap;
pub mod yaml;
