//! `CATEGORIZE`'s engine, ported from Elasticsearch's ML categorization: the standard
//! categorization analyzer (`tokenizer`), the part-of-speech dictionary format (`dictionary`),
//! categories (`category`) and the token-list categorizer (`categorizer`).
//!
//! Not wired into `STATS … BY` yet: Elasticsearch weights tokens with its 93,000-word
//! `ml-en.dict`, which is not bundled, and categories built without it would differ from
//! Elasticsearch's. `CATEGORIZE` stays `E303` until the file is added (see
//! docs/esql-semantics.md, "CATEGORIZE").

pub mod categorizer;
pub mod category;
pub mod dictionary;
pub mod tokenizer;

#[cfg(test)]
mod tests;

pub use categorizer::Categorizer;
pub use dictionary::PosDictionary;

/// Categorizes one string as `CategorizeBlockHash` does: analyze, weight, match or create;
/// `None` when the analyzer leaves no token (empty, blank, only numbers or date words), which
/// Elasticsearch groups under a `null` key.
pub fn categorize_text(categorizer: &mut Categorizer<'_>, text: &str) -> Option<usize> {
    let tokens = tokenizer::analyze(text);
    categorizer.categorize(&tokens, text.encode_utf16().count())
}
