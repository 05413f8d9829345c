//! Rendering of results for people and machines (text, JSON, Markdown); no computation here.

pub mod inspect;
