//! Generated documents (plain, escaped, odd and corrupted) read by the scanner and by serde.

use quickcheck::{Arbitrary, Gen, QuickCheck};

use super::*;

/// A JSON document as text pieces: string contents and numbers are kept as written.
#[derive(Clone, Debug)]
enum Json {
    Null,
    Bool(bool),
    Number(String),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// Key pieces: dotted and unicode keys, so nested and dotted paths mix, and keys longer than a
/// word, dotted in either word, so the scanner's word-wise dot test counts.
const PLAIN_KEYS: [&str; 11] = [
    "a",
    "b",
    "c",
    "a.b",
    "b.c",
    "c.a",
    "é",
    "a.é",
    "segment",
    "long_key.segment",
    "long_key.segment.a",
];
/// Keys with empty segments: they lead nowhere in the trie.
const EMPTY_SEGMENT_KEYS: [&str; 4] = ["", ".", "a.", ".b"];
/// Wanted names (none with an empty segment: those leave every document to serde).
const NAMES: [&str; 14] = [
    "a",
    "b",
    "c",
    "a.b",
    "a.b.c",
    "b.c",
    "c.a",
    "é",
    "a.é",
    "b.a.b",
    "a.c",
    "x",
    "long_key.segment.a",
    "long_key.segment.segment",
];
const WORDS: [&str; 8] = [
    "",
    "x",
    "get",
    "a b",
    "é",
    "日本",
    "😀",
    "sh.helm.release.v1",
];
const ESCAPES: [&str; 11] = [
    "\\n",
    "\\\"",
    "\\\\",
    "\\/",
    "\\b\\f\\r\\t",
    "\\u00e9",
    "\\u00E9",
    "\\ud83d\\ude00",
    "\\u0000",
    "\\ud800",
    "\\udc00x",
];
const NUMBERS: [&str; 24] = [
    "0",
    "-0",
    "7",
    "-7",
    "1.5",
    "-0.0",
    "1e10",
    "1E-5",
    "2.5e+3",
    "1e400",
    "-1e400",
    "1e-400",
    "0.1",
    "123456789012345678",
    "-123456789012345678",
    "1234567890123456789",
    "-1234567890123456789",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "4.35",
    "9007199254740993",
];

struct Style {
    /// Escapes in strings and keys, empty key segments, numbers serde may refuse.
    odd: bool,
    /// Valid escapes (no lone surrogate) and backslash runs in string values only.
    escaped: bool,
}

impl Style {
    /// The escapes strings may hold.
    fn escapes(&self) -> &'static [&'static str] {
        if self.odd {
            &ESCAPES
        } else if self.escaped {
            &ESCAPES[..9]
        } else {
            &[]
        }
    }
}

fn pick<'s>(g: &mut Gen, from: &[&'s str]) -> &'s str {
    g.choose(from).copied().unwrap_or_default()
}

fn string(g: &mut Gen, style: &Style, words: &[&str]) -> String {
    if u8::arbitrary(g) % 4 == 0 {
        return long_string(g, style, words);
    }
    let mut s = String::new();
    for _ in 0..usize::arbitrary(g) % 3 {
        if !style.escapes().is_empty() && u8::arbitrary(g) % 4 == 0 {
            s.push_str(pick(g, style.escapes()));
        } else {
            s.push_str(pick(g, words));
        }
    }
    s
}

/// Runs of backslashes before a quote or a letter: odd and even runs, so that which quote
/// ends a string depends on counting them, across word and block boundaries.
const BACKSLASH_RUNS: [&str; 4] = ["\\\\", "\\\"", "\\\\\\\"", "\\\\n"];

/// A string of up to a few hundred bytes: ASCII padding of any length (up to more than one
/// 64-byte block) between pieces, so escapes, backslash runs, multi-byte characters and the
/// closing quote fall on every offset of an eight-byte word and of a 64-byte block.
fn long_string(g: &mut Gen, style: &Style, words: &[&str]) -> String {
    let mut s = String::new();
    for _ in 0..1 + usize::arbitrary(g) % 8 {
        let pad = usize::arbitrary(g) % 80;
        s.extend((0..pad).map(|i| ['x', '.', 'Q', ' '][i % 4]));
        match u8::arbitrary(g) % 4 {
            0 if !style.escapes().is_empty() => s.push_str(pick(g, style.escapes())),
            1 if !style.escapes().is_empty() => s.push_str(pick(g, &BACKSLASH_RUNS)),
            _ => s.push_str(pick(g, words)),
        }
    }
    s
}

fn number(g: &mut Gen, style: &Style) -> String {
    match u8::arbitrary(g) % 4 {
        0 => u64::arbitrary(g).to_string(),
        1 => i64::arbitrary(g).to_string(),
        2 => {
            let f = f64::arbitrary(g);
            if f.is_finite() {
                format!("{f:?}")
            } else {
                "2.0".into()
            }
        }
        _ if style.odd => pick(g, &NUMBERS).to_string(),
        _ => pick(g, &NUMBERS[..9]).replace("1e400", "1e40"),
    }
}

fn value(g: &mut Gen, style: &Style, depth: usize) -> Json {
    let container = depth < 5 && u8::arbitrary(g) % 3 == 0;
    match u8::arbitrary(g) % 6 {
        0 if container => Json::Array(
            (0..usize::arbitrary(g) % 4)
                .map(|_| value(g, style, depth + 1))
                .collect(),
        ),
        1 | 2 if container => object(g, style, depth + 1),
        0 => Json::Null,
        1 => Json::Bool(bool::arbitrary(g)),
        2 | 3 => Json::Number(number(g, style)),
        _ => Json::Str(string(g, style, &WORDS)),
    }
}

fn object(g: &mut Gen, style: &Style, depth: usize) -> Json {
    let n = usize::arbitrary(g) % 5;
    Json::Object(
        (0..n)
            .map(|_| {
                let key = match style.odd.then(|| u8::arbitrary(g) % 8) {
                    Some(0) => string(g, style, &PLAIN_KEYS),
                    Some(1) => pick(g, &EMPTY_SEGMENT_KEYS).to_string(),
                    _ => pick(g, &PLAIN_KEYS).to_string(),
                };
                (key, value(g, style, depth))
            })
            .collect(),
    )
}

/// Compact text, or with spaces around every token.
fn render(json: &Json, spaced: bool, out: &mut String) {
    let space = if spaced { " " } else { "" };
    match json {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(n),
        Json::Str(s) => {
            out.push('"');
            out.push_str(s);
            out.push('"');
        }
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(space);
                render(item, spaced, out);
                out.push_str(space);
            }
            out.push(']');
        }
        Json::Object(members) => {
            out.push('{');
            for (i, (key, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(space);
                out.push('"');
                out.push_str(key);
                out.push('"');
                out.push_str(space);
                out.push(':');
                out.push_str(space);
                render(item, spaced, out);
                out.push_str(space);
            }
            out.push('}');
        }
    }
}

/// A generated document (the top level is an object) and a set of wanted names.
#[derive(Clone, Debug)]
struct Case {
    text: String,
    names: Vec<&'static str>,
}

fn case(g: &mut Gen, odd: bool) -> Case {
    styled_case(
        g,
        Style {
            odd,
            escaped: false,
        },
    )
}

fn styled_case(g: &mut Gen, style: Style) -> Case {
    let odd = style.odd;
    let mut text = String::new();
    render(&object(g, &style, 1), odd && bool::arbitrary(g), &mut text);
    let names = NAMES
        .iter()
        .copied()
        .filter(|_| bool::arbitrary(g))
        .collect();
    Case { text, names }
}

#[derive(Clone, Debug)]
struct OddCase(Case);

impl Arbitrary for OddCase {
    fn arbitrary(g: &mut Gen) -> OddCase {
        OddCase(case(g, true))
    }
}

#[derive(Clone, Debug)]
struct PlainCase(Case);

impl Arbitrary for PlainCase {
    fn arbitrary(g: &mut Gen) -> PlainCase {
        PlainCase(case(g, false))
    }
}

/// Ordinary keys and numbers, string values with valid escapes and backslash runs anywhere
/// in a long string: what `event.original` looks like, which the scanner must read itself.
#[derive(Clone, Debug)]
struct EscapedCase(Case);

impl Arbitrary for EscapedCase {
    fn arbitrary(g: &mut Gen) -> EscapedCase {
        let style = Style {
            odd: false,
            escaped: true,
        };
        EscapedCase(styled_case(g, style))
    }
}

/// A generated document with one corruption: truncated, or an ASCII byte replaced, inserted
/// or removed.
#[derive(Clone, Debug)]
struct Corrupted(Case);

impl Arbitrary for Corrupted {
    fn arbitrary(g: &mut Gen) -> Corrupted {
        let odd = bool::arbitrary(g);
        let Case { text, names } = case(g, odd);
        let mut bytes = text.into_bytes();
        let at = usize::arbitrary(g) % (bytes.len() + 1);
        let with = *g.choose(b"{}[]:,\"\\ x0-.eEtn/u\t\x01").unwrap_or(&b'x');
        match u8::arbitrary(g) % 4 {
            0 => bytes.truncate(at),
            1 if at < bytes.len() && bytes[at].is_ascii() => bytes[at] = with,
            2 if at < bytes.len() && bytes[at].is_ascii() => {
                bytes.remove(at);
            }
            _ => bytes.insert(at, with),
        }
        // Truncation may split a character: such a line never reaches the loader.
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Corrupted(Case { text, names })
    }
}

fn tests() -> QuickCheck {
    QuickCheck::new().tests(3000).rng(Gen::new(12))
}

#[test]
fn the_scanner_reads_what_serde_reads_or_falls_back() {
    fn property(case: OddCase) -> bool {
        compare(&case.0.text, &case.0.names);
        true
    }
    tests().quickcheck(property as fn(OddCase) -> bool);
}

#[test]
fn the_scanner_reads_ordinary_documents_itself() {
    fn property(case: PlainCase) -> bool {
        compare(&case.0.text, &case.0.names) == Read::Fast
    }
    tests().quickcheck(property as fn(PlainCase) -> bool);
}

#[test]
fn escaped_long_strings_are_read_by_the_scanner_itself() {
    fn property(case: EscapedCase) -> bool {
        compare(&case.0.text, &case.0.names) == Read::Fast
    }
    tests().quickcheck(property as fn(EscapedCase) -> bool);
}

#[test]
fn every_field_is_read_as_serde_reads_it() {
    fn property(odd: OddCase, plain: PlainCase, corrupted: Corrupted) -> bool {
        compare_all(&odd.0.text);
        compare_all(&corrupted.0.text);
        compare_all(&plain.0.text) == Read::Fast
    }
    tests().quickcheck(property as fn(OddCase, PlainCase, Corrupted) -> bool);
    let (text, _) = sample();
    assert_eq!(compare_all(&text), Read::Fast);
    for text in [
        r#"{"":{"a":1},"a.":{"":[2]},".":3}"#,
        r#"{"a":{"b":[{"c":1},2]}}"#,
    ] {
        assert_eq!(compare_all(text), Read::Fast, "{text}");
    }
}

#[test]
fn corrupted_documents_are_never_read_as_valid() {
    fn property(case: Corrupted) -> bool {
        compare(&case.0.text, &case.0.names);
        true
    }
    tests().quickcheck(property as fn(Corrupted) -> bool);
}
