//! The part-of-speech dictionary that weights `CATEGORIZE`'s tokens: the `word@codes` line format
//! of Elasticsearch's `ml-en.dict`, read as `CategorizationPartOfSpeechDictionary.java` reads it
//! (keys lower-cased, the first code letter decides, a later line for the same word wins), kept
//! as a sorted table searched by binary search.

use std::sync::OnceLock;

/// Elasticsearch's `ml-en.dict`, bundled unchanged under the Elastic License 2.0 (see
/// `data/NOTICE.md`).
const BUNDLED: &str = include_str!("../../../../data/ml-en.dict");

/// The bundled dictionary, parsed once on first use.
pub fn bundled() -> &'static PosDictionary {
    static DICTIONARY: OnceLock<PosDictionary> = OnceLock::new();
    DICTIONARY.get_or_init(|| {
        // The file is fixed at build time and a unit test parses it whole
        // (`the_bundled_dictionary_is_elasticsearchs`): a failure here is a build defect.
        PosDictionary::parse(BUNDLED)
            .unwrap_or_else(|e| panic!("the bundled ml-en.dict is malformed: {e}"))
    })
}

/// The text of the bundled dictionary file, for tests that check it against its source.
pub fn bundled_text() -> &'static str {
    BUNDLED
}

/// The part of speech of a dictionary word (`PartOfSpeech` in Java). Only `Verb` changes a
/// token's weight; the rest are kept so a lookup says what the file says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartOfSpeech {
    Unknown,
    Noun,
    Plural,
    Verb,
    Adjective,
    Adverb,
    Conjunction,
    Preposition,
    Interjection,
    Pronoun,
    DefiniteArticle,
    IndefiniteArticle,
}

impl PartOfSpeech {
    /// The code letter's part of speech; `h`, `o` (nouns) and `t`, `i` (verbs) are specialist
    /// codes Elasticsearch folds into their general kind.
    fn from_code(code: char) -> Option<Self> {
        Some(match code {
            '?' => PartOfSpeech::Unknown,
            'N' | 'h' | 'o' => PartOfSpeech::Noun,
            'p' => PartOfSpeech::Plural,
            'V' | 't' | 'i' => PartOfSpeech::Verb,
            'A' => PartOfSpeech::Adjective,
            'v' => PartOfSpeech::Adverb,
            'C' => PartOfSpeech::Conjunction,
            'P' => PartOfSpeech::Preposition,
            '!' => PartOfSpeech::Interjection,
            'r' => PartOfSpeech::Pronoun,
            'D' => PartOfSpeech::DefiniteArticle,
            'I' => PartOfSpeech::IndefiniteArticle,
            _ => return None,
        })
    }
}

/// Lower-cased words with their part of speech, sorted by word.
#[derive(Debug)]
pub struct PosDictionary {
    words: Vec<(Box<str>, PartOfSpeech)>,
    /// The longest word in UTF-16 code units: a longer token is not looked up.
    max_word_length: usize,
}

impl PosDictionary {
    /// Reads the `word@codes` lines of `text` (blank lines skipped); a malformed line is an
    /// error naming its 1-based line number, as Java refuses the whole file.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut words: Vec<(Box<str>, PartOfSpeech)> = Vec::new();
        for (number, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let (word, pos) = parse_line(line).map_err(|e| format!("line {}: {e}", number + 1))?;
            words.push((word.to_lowercase().into_boxed_str(), pos));
        }
        // Stable sort, then keep the last of equal words: Java's map keeps the last `put`.
        words.sort_by(|a, b| a.0.cmp(&b.0));
        let mut deduped: Vec<(Box<str>, PartOfSpeech)> = Vec::with_capacity(words.len());
        for entry in words {
            match deduped.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => deduped.push(entry),
            }
        }
        let max_word_length = deduped
            .iter()
            .map(|(w, _)| w.encode_utf16().count())
            .max()
            .unwrap_or(0);
        Ok(PosDictionary {
            words: deduped,
            max_word_length,
        })
    }

    /// The part of speech of `word` (case-insensitive), `None` when it is not in the dictionary.
    pub fn part_of_speech(&self, word: &str) -> Option<PartOfSpeech> {
        if word.encode_utf16().count() > self.max_word_length {
            return None;
        }
        let lower = word.to_lowercase();
        self.words
            .binary_search_by(|(w, _)| (**w).cmp(lower.as_str()))
            .ok()
            .map(|i| self.words[i].1)
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// One `word@codes` line: exactly one `@`, something on each side, a known first code.
fn parse_line(line: &str) -> Result<(&str, PartOfSpeech), String> {
    // Java's `split("@")` drops trailing empty parts, so `word@` has one part, not two.
    let parts: Vec<&str> = line.trim_end_matches('@').split('@').collect();
    if parts.len() != 2 {
        return Err(format!(
            "unexpected format in [{line}]: expected one [@] separator"
        ));
    }
    let (word, codes) = (parts[0], parts[1]);
    if word.is_empty() {
        return Err(format!(
            "unexpected format in [{line}]: nothing preceding [@] separator"
        ));
    }
    let code = codes.chars().next().unwrap_or('\0');
    let pos = PartOfSpeech::from_code(code)
        .ok_or_else(|| format!("unknown part-of-speech code [{code}]"))?;
    Ok((word, pos))
}
