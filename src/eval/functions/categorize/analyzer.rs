//! The analyzers `CATEGORIZE`'s `analyzer` option can name: Elasticsearch's built-in `standard`,
//! `simple`, `stop`, `whitespace` and `keyword` analyzers (Lucene's `StandardAnalyzer`,
//! `SimpleAnalyzer`, `StopAnalyzer`, `WhitespaceAnalyzer`, `KeywordAnalyzer`), next to ES|QL's
//! default categorization analyzer (`tokenizer::analyze_esql`). A named analyzer replaces the whole default
//! chain (no first-line char filter, no date-word stop filter), as
//! `CategorizationAnalyzer(globalAnalyzer, false)` does.

/// Lucene's `CharTokenizer.DEFAULT_MAX_WORD_LEN`: a longer run is cut into tokens of this many
/// UTF-16 code units (a surrogate pair may take it one past).
const MAX_TOKEN_LENGTH: usize = 255;

/// `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`, the `stop` analyzer's default `_english_` list.
const ENGLISH_STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];

/// Built-in analyzers of Elasticsearch that rulegate does not model: naming one is refused
/// with a clear error rather than run with another analyzer's tokens.
const NOT_MODELLED: &[&str] = &[
    "pattern",
    "fingerprint",
    "snowball",
    "arabic",
    "armenian",
    "basque",
    "bengali",
    "brazilian",
    "bulgarian",
    "catalan",
    "cjk",
    "czech",
    "danish",
    "dutch",
    "english",
    "estonian",
    "finnish",
    "french",
    "galician",
    "german",
    "greek",
    "hindi",
    "hungarian",
    "indonesian",
    "irish",
    "italian",
    "latvian",
    "lithuanian",
    "norwegian",
    "persian",
    "portuguese",
    "romanian",
    "russian",
    "serbian",
    "sorani",
    "spanish",
    "swedish",
    "turkish",
    "thai",
];

/// How `CATEGORIZE` turns a string into tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Analyzer {
    /// The default: `first_line_with_letters`, the `standard` tokenizer (case kept), date
    /// words dropped, 100 tokens at most.
    Categorization,
    /// The standard tokenizer (Unicode word boundaries), lower-cased.
    Standard,
    /// Runs of letters, lower-cased.
    Simple,
    /// Runs of letters, lower-cased, English stop words dropped.
    Stop,
    /// Runs of non-whitespace, as written.
    Whitespace,
    /// The whole string as one token.
    Keyword,
}

impl Analyzer {
    /// The analyzer an `analyzer` option names; the error is Elasticsearch's for a name it does
    /// not know, or says that rulegate does not model a built-in one.
    pub fn named(name: &str) -> Result<Analyzer, String> {
        Ok(match name {
            "standard" | "default" => Analyzer::Standard,
            "simple" => Analyzer::Simple,
            "stop" => Analyzer::Stop,
            "whitespace" => Analyzer::Whitespace,
            "keyword" => Analyzer::Keyword,
            other if NOT_MODELLED.contains(&other) => {
                return Err(format!(
                    "the [{other}] analyzer is not supported by rulegate; CATEGORIZE supports the \
                     default analyzer and [keyword, simple, standard, stop, whitespace]"
                ))
            }
            other => return Err(format!("Failed to find global analyzer [{other}]")),
        })
    }

    /// The tokens of `text`, in order.
    pub fn tokens(self, text: &str) -> Vec<String> {
        match self {
            Analyzer::Categorization => super::tokenizer::analyze_esql(text),
            Analyzer::Standard => crate::kql::analyzer::tokens(text),
            Analyzer::Simple => char_tokens(text, |c| c.is_alphabetic(), true),
            Analyzer::Stop => char_tokens(text, |c| c.is_alphabetic(), true)
                .into_iter()
                .filter(|t| !ENGLISH_STOP_WORDS.contains(&t.as_str()))
                .collect(),
            Analyzer::Whitespace => char_tokens(text, |c| !c.is_whitespace(), false),
            // `KeywordTokenizer` emits the whole input, even when empty (an empty token is
            // then skipped by the categorizer, and the string gets the null key).
            Analyzer::Keyword => vec![text.to_string()],
        }
    }
}

/// Lucene's `CharTokenizer`: maximal runs of code points `in_token` accepts, cut at
/// [`MAX_TOKEN_LENGTH`] code units, lower-cased per code point when `lower` (`LowerCaseFilter`).
fn char_tokens(text: &str, in_token: impl Fn(char) -> bool, lower: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut units = 0;
    for c in text.chars() {
        if !in_token(c) {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
                units = 0;
            }
            continue;
        }
        if lower {
            current.extend(c.to_lowercase());
        } else {
            current.push(c);
        }
        units += c.len_utf16();
        if units >= MAX_TOKEN_LENGTH {
            out.push(std::mem::take(&mut current));
            units = 0;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_analyzers_tokenize_as_lucene() {
        let text = "Connected to 10.1.0.1, The END";
        assert_eq!(
            Analyzer::Stop.tokens(text),
            ["connected", "end"],
            "letters only, lower-cased, `to` and `the` dropped"
        );
        assert_eq!(
            Analyzer::Simple.tokens(text),
            ["connected", "to", "the", "end"]
        );
        assert_eq!(
            Analyzer::Whitespace.tokens(text),
            ["Connected", "to", "10.1.0.1,", "The", "END"]
        );
        assert_eq!(Analyzer::Keyword.tokens(text), [text]);
        assert_eq!(
            Analyzer::Standard.tokens(text),
            ["connected", "to", "10.1.0.1", "the", "end"]
        );
    }

    #[test]
    fn long_runs_are_cut_at_255_code_units() {
        let long = "a".repeat(600);
        let tokens = Analyzer::Whitespace.tokens(&long);
        let lengths: Vec<usize> = tokens.iter().map(String::len).collect();
        assert_eq!(lengths, [255, 255, 90]);
    }

    #[test]
    fn unknown_and_unmodelled_analyzers_are_refused() {
        assert_eq!(
            Analyzer::named("nope").unwrap_err(),
            "Failed to find global analyzer [nope]"
        );
        assert!(Analyzer::named("english")
            .unwrap_err()
            .contains("not supported by rulegate"));
        assert_eq!(Analyzer::named("stop"), Ok(Analyzer::Stop));
    }
}
