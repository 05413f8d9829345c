//! `CATEGORIZE`, ported from Elasticsearch's ML categorization: the standard categorization
//! analyzer (`tokenizer`) and the named ones (`analyzer`), the part-of-speech dictionary
//! (`dictionary`, Elasticsearch's `ml-en.dict` bundled under `data/`), categories (`category`),
//! the token-list categorizer (`categorizer`), and the `STATS … BY` grouping (`grouping`: the
//! verifier's checks, options, and one categorizer per `STATS` fed in input order).

pub mod analyzer;
pub mod categorizer;
pub mod category;
pub mod dictionary;
pub mod grouping;
pub mod tokenizer;

#[cfg(test)]
mod bundled_tests;
#[cfg(test)]
mod tests;

pub use categorizer::Categorizer;
pub use dictionary::PosDictionary;
pub use grouping::{Categories, CategorizeSpec};

/// Categorizes one string as `CategorizeBlockHash` does: analyze, weight, match or create;
/// `None` when the analyzer leaves no token (empty, blank, only numbers or date words), which
/// Elasticsearch groups under a `null` key.
pub fn categorize_text(categorizer: &mut Categorizer<'_>, text: &str) -> Option<usize> {
    let tokens = tokenizer::analyze(text);
    categorizer.categorize(&tokens, text.encode_utf16().count())
}
