//! The analysis `CATEGORIZE` applies before categorizing: Elasticsearch's standard
//! categorization analyzer (`first_line_with_letters` char filter, `ml_standard` tokenizer, a
//! stop filter of date words), ported from `FirstLineWithLettersCharFilter.java`,
//! `MlStandardTokenizer.java` and `CategorizationAnalyzerConfig.buildStandardCategorizationAnalyzer`
//! (the default analyzer Elasticsearch documents today; 7.x used `first_non_blank_line`).
//!
//! Java reads the text as UTF-16 code units, so this module does too: a surrogate half is neither
//! a letter nor a digit, and lengths are counted in code units as `String.length()` does.

/// A stop word of `addDateWordsTokenFilter` (a `stop` filter: case-sensitive): the English
/// weekday and month names, their three-letter forms, `GMT` and `UTC`.
fn is_date_word(token: &str) -> bool {
    use crate::document::datetime::{MONTHS, WEEKDAYS};
    MONTHS
        .iter()
        .chain(WEEKDAYS.iter())
        .any(|name| token == *name || token == &name[..3])
        || token == "GMT"
        || token == "UTC"
}

/// The tokens of `text` after the whole standard categorization analyzer, in order.
pub fn analyze(text: &str) -> Vec<String> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let line = first_line_with_letters(&units);
    MlStandardTokenizer::new(line)
        .map(|t| String::from_utf16_lossy(&t))
        .filter(|t| !is_date_word(t))
        .collect()
}

/// The tokens of `text` after ES|QL's default categorization analyzer
/// (`CategorizationAnalyzerConfig.buildStandardEsqlCategorizationAnalyzer`): the same chain
/// with Lucene's `standard` tokenizer in place of `ml_standard`, so numbers, hex words and
/// emoji are tokens (`categorize.csv-spec`: `.*?DB.+?servers.*?`, `10\.1\.0\.1` at threshold
/// 99, `👍🏽`), the case kept, date words dropped, at most 100 tokens (`limit`).
pub fn analyze_esql(text: &str) -> Vec<String> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let line = String::from_utf16_lossy(first_line_with_letters(&units));
    crate::kql::analyzer::words(&line)
        .into_iter()
        .filter(|t| !is_date_word(t))
        .take(super::categorizer::MAX_TOKENS)
        .collect()
}

/// `first_line_with_letters`: the first line holding a letter (without its `\n` or `\r\n`), or
/// nothing when no line has one.
pub fn first_line_with_letters(units: &[u16]) -> &[u16] {
    let mut seen_letter = false;
    let mut prev_newline: Option<usize> = None;
    let mut end = units.len();
    for (index, &unit) in units.iter().enumerate() {
        if unit == u16::from(b'\n') {
            if seen_letter {
                // A letter was seen on this line, so `index > 0`.
                end = if units[index - 1] == u16::from(b'\r') {
                    index - 1
                } else {
                    index
                };
                break;
            }
            prev_newline = Some(index);
        } else {
            seen_letter = seen_letter || java_is_letter(unit);
        }
    }
    if !seen_letter {
        return &[];
    }
    let start = prev_newline.map_or(0, |i| i + 1);
    &units[start..end]
}

/// The `ml_standard` tokenizer over UTF-16 code units: `[a-zA-Z0-9]+` runs that may also hold
/// `_ . - @` inside, one colon after letters when a slash follows (URLs, `C:\`), and slashes;
/// tokens that are hex numbers, begin with a digit or are all slashes are dropped.
pub struct MlStandardTokenizer<'a> {
    input: &'a [u16],
    next: usize,
    put_back: Option<u16>,
    ended: bool,
}

/// The state of one candidate token (the Java method's locals).
#[derive(Default)]
struct Candidate {
    term: Vec<u16>,
    length: usize,
    have_non_hex: bool,
    letters_before_colon: usize,
    have_colon: bool,
    first_backslash: Option<usize>,
    first_forward_slash: Option<usize>,
    slash_count: usize,
}

impl Candidate {
    fn accepts(&self, c: u16) -> bool {
        java_is_letter_or_digit(c)
            || (self.length > 0
                && (c == u16::from(b'_')
                    || c == u16::from(b'.')
                    || c == u16::from(b'-')
                    || c == u16::from(b'@')
                    || (c == u16::from(b':') && self.letters_before_colon == self.length)))
            || c == u16::from(b'/')
            || (c == u16::from(b'\\')
                && (self.length == 0
                    || (self.have_colon && self.letters_before_colon == 1)
                    || self.first_backslash == Some(0)))
    }

    /// Appends `c`; `false` when a colon turns out not to be followed by a slash, in which case
    /// the colon and `c` are dropped (the caller puts `c` back).
    fn push(&mut self, c: u16) -> bool {
        self.term.truncate(self.length);
        self.term.push(c);
        self.length += 1;
        if c == u16::from(b':') {
            self.have_colon = true;
        } else if c == u16::from(b'/') {
            self.slash_count += 1;
            self.first_forward_slash.get_or_insert(self.length - 1);
        } else if c == u16::from(b'\\') {
            self.slash_count += 1;
            self.first_backslash.get_or_insert(self.length - 1);
        } else if self.have_colon {
            let after_colon = Some(self.letters_before_colon + 1);
            if self.first_backslash != after_colon && self.first_forward_slash != after_colon {
                self.length -= 2;
                return false;
            }
        } else if java_is_letter(c) {
            self.letters_before_colon += 1;
        }
        // Dots, dashes, at signs and colons count as numeric.
        self.have_non_hex = self.have_non_hex
            || (!java_is_hex_digit(c)
                && c != u16::from(b'.')
                && c != u16::from(b'-')
                && c != u16::from(b'@')
                && c != u16::from(b':'));
        true
    }

    fn valid(&self) -> bool {
        self.have_non_hex && !java_is_digit(self.term[0]) && self.length > self.slash_count
    }
}

impl<'a> MlStandardTokenizer<'a> {
    pub fn new(input: &'a [u16]) -> Self {
        MlStandardTokenizer {
            input,
            next: 0,
            put_back: None,
            ended: false,
        }
    }

    fn next_unit(&mut self) -> Option<u16> {
        if let Some(c) = self.put_back.take() {
            return Some(c);
        }
        let c = self.input.get(self.next).copied();
        self.next += usize::from(c.is_some());
        c
    }
}

impl Iterator for MlStandardTokenizer<'_> {
    type Item = Vec<u16>;

    fn next(&mut self) -> Option<Vec<u16>> {
        if self.ended {
            return None;
        }
        let mut cand = Candidate::default();
        while let Some(c) = self.next_unit() {
            if cand.accepts(c) {
                if !cand.push(c) {
                    self.put_back = Some(c);
                    break;
                }
            } else if cand.length > 0 {
                if cand.valid() {
                    break;
                }
                cand = Candidate::default();
            }
        }
        // As in Java, a candidate that is not valid here ends the whole stream (the method
        // returns `false`), even after a dropped colon with more input left.
        if cand.length == 0 || !cand.valid() {
            self.ended = true;
            return None;
        }
        let trailing = [b'_', b'.', b'-', b'@', b':'].map(u16::from);
        while trailing.contains(&cand.term[cand.length - 1]) {
            cand.length -= 1;
        }
        cand.term.truncate(cand.length);
        Some(cand.term)
    }
}

fn as_char(unit: u16) -> Option<char> {
    char::from_u32(u32::from(unit))
}

/// Java's `Character.isLetter` on a UTF-16 unit (Unicode letters; a surrogate half is not one).
fn java_is_letter(unit: u16) -> bool {
    as_char(unit).is_some_and(|c| c.is_alphabetic() && !c.is_numeric())
}

/// Java's `Character.isDigit`: decimal digits.
fn java_is_digit(unit: u16) -> bool {
    as_char(unit).is_some_and(|c| c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric()))
}

fn java_is_letter_or_digit(unit: u16) -> bool {
    java_is_letter(unit) || java_is_digit(unit)
}

/// Java's `Character.digit(c, 16) != -1`: ASCII and fullwidth hex digits, and decimal digits.
fn java_is_hex_digit(unit: u16) -> bool {
    as_char(unit).is_some_and(|c| {
        c.is_ascii_hexdigit()
            || ('\u{FF21}'..='\u{FF26}').contains(&c)
            || ('\u{FF41}'..='\u{FF46}').contains(&c)
            || java_is_digit(unit)
    })
}
