//! The scanner against the serde walk: same leaves for every document it reads, a fall back
//! for every document serde refuses, and no fall back on ordinary documents.

use quickcheck::{Arbitrary, Gen, QuickCheck};

use super::super::walk::{walk, Fields};
use super::*;

/// What reading `text` for `names` did.
#[derive(Debug, PartialEq)]
enum Read {
    Fast,
    Fallback,
}

/// Runs both readers; panics if the scanner accepted what serde refuses or yielded other
/// leaves. Leaves are compared by their debug text, so `-0.0` and `0.0` differ.
fn compare(text: &str, names: &[&str]) -> Read {
    let mut fields = Fields::new(names.iter().map(|s| s.to_string()), false);
    let paths = Paths::new((0u32..).zip(fields.names.iter().map(String::as_str)))
        .expect("names without empty segments");
    let mut fast = Vec::new();
    let scanned = scan(text, Wanted::Paths(&paths), &mut fast);
    let mut slow = Vec::new();
    let walked = walk(text.as_bytes(), &mut fields, &mut String::new(), &mut slow);
    match scanned {
        Ok(()) => {
            assert!(
                walked.is_ok(),
                "scanner accepted what serde refuses ({walked:?}): {text}"
            );
            assert_eq!(
                format!("{fast:?}"),
                format!("{slow:?}"),
                "different leaves for {names:?} in {text}"
            );
            Read::Fast
        }
        Err(Fallback) => Read::Fallback,
    }
}

/// As [`compare`], with every field wanted: leaves are compared by field name, as both
/// sides make their own ids.
fn compare_all(text: &str) -> Read {
    let read = |scanner: bool| {
        let mut fields = Fields::new(["_id".to_string()], true);
        let mut path = String::new();
        let mut leaves = Vec::new();
        let result = if scanner {
            let wanted = Wanted::All {
                fields: &mut fields,
                path: &mut path,
            };
            scan(text, wanted, &mut leaves).map_err(|Fallback| String::new())
        } else {
            walk(text.as_bytes(), &mut fields, &mut path, &mut leaves)
        };
        let named: Vec<(String, Scalar)> = (leaves.into_iter())
            .map(|(id, leaf)| (fields.names[id as usize].clone(), leaf))
            .collect();
        result.map(|()| format!("{named:?}"))
    };
    match read(true) {
        Ok(fast) => {
            let slow = read(false);
            assert_eq!(Ok(fast), slow, "every field of {text}");
            Read::Fast
        }
        Err(_) => Read::Fallback,
    }
}

/// The serde walk's verdict on `text` for `names`.
fn serde_reads(text: &str, names: &[&str]) -> Result<(), String> {
    let mut fields = Fields::new(names.iter().map(|s| s.to_string()), false);
    walk(
        text.as_bytes(),
        &mut fields,
        &mut String::new(),
        &mut Vec::new(),
    )
}

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

/// Elastic's sample audit event, minified, and the fields the seed rule reads (plus the
/// loader's internal ones).
fn sample() -> (String, Vec<&'static str>) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/elastic-k8s-audit/sample_event.json"
    );
    let text = std::fs::read_to_string(path).expect("sample event");
    let value: serde_json::Value = serde_json::from_str(&text).expect("sample is JSON");
    let names = vec![
        "_id",
        "data_stream.type",
        "data_stream.dataset",
        "data_stream.namespace",
        "event.dataset",
        "event.action",
        "kubernetes.audit.objectRef.resource",
        "kubernetes.audit.objectRef.name",
        "kubernetes.audit.objectRef.namespace",
        "kubernetes.audit.user.username",
        "kubernetes.audit.annotations.authorization_k8s_io/decision",
        "source.ip",
        "user.name",
        "user_agent.original",
        "event.ingested",
    ];
    (value.to_string(), names)
}

#[test]
fn the_sample_audit_event_is_read_fast_with_its_fields() {
    let (text, names) = sample();
    assert_eq!(compare(&text, &names), Read::Fast);
    let fields = Fields::new(names.iter().map(|s| s.to_string()), false);
    let paths = Paths::new((0u32..).zip(fields.names.iter().map(String::as_str))).unwrap();
    let mut leaves = Vec::new();
    scan(&text, Wanted::Paths(&paths), &mut leaves).unwrap();
    let username = fields.get("kubernetes.audit.user.username").unwrap();
    assert!(leaves.iter().any(|(id, _)| *id == username), "{leaves:?}");
}

#[test]
fn every_truncation_of_the_sample_falls_back() {
    let (text, names) = sample();
    for end in (0..text.len()).filter(|&end| text.is_char_boundary(end)) {
        assert_eq!(compare(&text[..end], &names), Read::Fallback, "{end}");
    }
}

#[test]
fn every_structural_flip_in_the_sample_is_caught() {
    let (text, names) = sample();
    let structural = b"{}[]:,\"";
    for (at, byte) in text.bytes().enumerate() {
        if !structural.contains(&byte) {
            continue;
        }
        for &with in structural.iter().chain(b" x") {
            if with != byte {
                let mut bytes = text.clone().into_bytes();
                bytes[at] = with;
                compare(std::str::from_utf8(&bytes).unwrap(), &names);
            }
        }
    }
}

#[test]
fn invalid_documents_fall_back() {
    let names = ["a", "b.c"];
    let deep = format!("{}1{}", "{\"a\":".repeat(21), "}".repeat(21));
    let invalid = [
        r#"{"a":tru}"#,
        r#"{"a":nul}"#,
        r#"{"z":falsy}"#,
        r#"{"a":01}"#,
        r#"{"z":01}"#,
        r#"{"a":1.}"#,
        r#"{"z":-}"#,
        r#"{"a":1e}"#,
        r#"{"z":+1}"#,
        r#"{"z":.5}"#,
        r#"{"a":"\x"}"#,
        r#"{"z":"\u12G4"}"#,
        r#"{"z":"\u12"}"#,
        r#"{"a":1}x"#,
        r#"{"a":1}}"#,
        r#"{"a" 1}"#,
        r#"{"a":1,}"#,
        r#"{"z":[1,]}"#,
        r#"{"z":[1 2]}"#,
        r#"{"b":{"c":1}"#,
        r#"{a:1}"#,
        "{\"z\":\"a\u{1}b\"}",
        "{\"a\":\"a\tb\"}",
        r#"{"a":1e400}"#,
        r#"{"b":[-1e400]}"#,
        r#"{"a":"\ud800"}"#,
        r#"{"b":{"\ud800":1}}"#,
        "[1]",
        "\"a\"",
        "1",
        "null",
        "",
        "{",
        &deep,
    ];
    for text in invalid {
        assert!(serde_reads(text, &names).is_err(), "serde reads {text}");
        assert_eq!(compare(text, &names), Read::Fallback, "{text}");
    }
}

#[test]
fn serde_reads_some_odd_documents_the_scanner_leaves_to_it() {
    // Valid, but with escapes in a walked key, whitespace other than spaces, or a lone
    // surrogate where serde only skips the string.
    let names = ["a", "b.c"];
    for (text, read) in [
        (r#"{"\u0061":1}"#, Read::Fallback),
        ("{\"a\":\t1}", Read::Fallback),
        (r#"{"z":"\ud800","a":2}"#, Read::Fast),
        (r#"{"z":{"\ud800":1},"a":2}"#, Read::Fast),
        (r#"{"z":1e400,"a":-0}"#, Read::Fast),
    ] {
        let read_by_serde = serde_reads(text, &names);
        assert!(read_by_serde.is_ok(), "{text}: {read_by_serde:?}");
        assert_eq!(compare(text, &names), read, "{text}");
    }
}

#[test]
fn dotted_nested_and_mixed_keys_are_one_path() {
    let names = ["a.b.c"];
    for text in [
        r#"{"a.b.c":1}"#,
        r#"{"a":{"b":{"c":1}}}"#,
        r#"{"a.b":{"c":1}}"#,
        r#"{"a":{"b.c":1}}"#,
        r#"{"a":[{"b":[{"c":[1]}]}]}"#,
    ] {
        assert_eq!(compare(text, &names), Read::Fast, "{text}");
    }
    // Empty segments lead nowhere unless a name has one, and then serde reads everything.
    assert_eq!(
        compare(r#"{"a.":{"b.c":1},"":{"a":2}}"#, &names),
        Read::Fast
    );
    assert!(Paths::new([(0, "a..b")]).is_none());
    assert!(Paths::new([(0, ".a")]).is_none());
    assert!(Paths::new([(0, "")]).is_none());
}

#[test]
fn numbers_take_serde_types() {
    let (mut fields, paths) = {
        let fields = Fields::new(["n".to_string()], false);
        let paths = Paths::new([(0, "n")]).unwrap();
        (fields, paths)
    };
    let text = r#"{"n":[0,-0,5,-5,18446744073709551615,18446744073709551616,-9223372036854775808,-9223372036854775809,1.5,1e2,-0.0]}"#;
    let mut leaves = Vec::new();
    scan(text, Wanted::Paths(&paths), &mut leaves).unwrap();
    let mut slow = Vec::new();
    walk(text.as_bytes(), &mut fields, &mut String::new(), &mut slow).unwrap();
    assert_eq!(format!("{leaves:?}"), format!("{slow:?}"));
    let kinds: Vec<&str> = leaves
        .iter()
        .map(|(_, s)| match s {
            Scalar::U64(_) => "u",
            Scalar::I64(_) => "i",
            Scalar::F64(_) => "f",
            _ => "?",
        })
        .collect();
    assert_eq!(
        kinds,
        ["u", "f", "u", "i", "u", "f", "i", "f", "f", "f", "f"]
    );
}

/// `levels` containers, arrays and objects in turn, around `true`.
fn nested(levels: usize) -> String {
    let mut text = String::new();
    for i in 0..levels {
        text.push_str(if i % 2 == 0 { "[0, " } else { "{\"k\": " });
    }
    text.push_str("true");
    for i in (0..levels).rev() {
        text.push(if i % 2 == 0 { ']' } else { '}' });
    }
    text
}

#[test]
fn unwanted_values_nest_up_to_the_limit_and_fall_back_past_it() {
    for levels in 0..=MAX_OBJECT_DEPTH + 2 {
        let inner = nested(levels);
        for text in [
            format!(r#"{{"z": {inner}, "a": 1}}"#),
            format!(r#"{{"b": {{"y": [{inner}], "c": 2}}}}"#),
        ] {
            // The document's own object, and `b`'s and the array's in the second.
            let depth = 1 + levels + if text.starts_with(r#"{"b""#) { 2 } else { 0 };
            let expected = if depth <= MAX_OBJECT_DEPTH {
                Read::Fast
            } else {
                Read::Fallback
            };
            assert_eq!(compare(&text, &["a", "b.c"]), expected, "{text}");
        }
    }
}

#[test]
fn unwanted_values_with_every_separator_error_fall_back() {
    let names = ["a"];
    for text in [
        r#"{"z":[1,{"k":2}}],"a":1}"#,
        r#"{"z":{"k":[1}],"a":1}"#,
        r#"{"z":{"k":1,},"a":1}"#,
        r#"{"z":{"k" 1},"a":1}"#,
        r#"{"z":{k:1},"a":1}"#,
        r#"{"z":[true false],"a":1}"#,
        r#"{"z":[nul],"a":1}"#,
        r#"{"z":{"k":01},"a":1}"#,
        r#"{"z":[[[]],"a":1}"#,
        r#"{"z":["\q"],"a":1}"#,
    ] {
        assert!(serde_reads(text, &names).is_err(), "serde reads {text}");
        assert_eq!(compare(text, &names), Read::Fallback, "{text}");
    }
    for text in [
        r#"{"z":[ ],"a":1}"#,
        r#"{"z":{ },"a":1}"#,
        r#"{"z":[[], {}, [{}], {"k": [ ]}],"a":1}"#,
        r#"{"z":[-0.5e+3, "s", null, false],"a":1}"#,
    ] {
        assert_eq!(compare(text, &names), Read::Fast, "{text}");
    }
}

#[test]
fn word_compares_equal_byte_compares() {
    let base: Vec<u8> = (0u8..40).map(|i| b'a' + i % 26).collect();
    for n in 0..=24 {
        let a = &base[..n];
        assert!(same(a, a), "{n}");
        for i in 0..n {
            let mut b = a.to_vec();
            b[i] ^= 0x20;
            assert!(!same(a, &b), "length {n}, byte {i}");
        }
    }
}

#[test]
fn colons_and_commas_with_and_without_spaces() {
    // Spaces on either side of each separator, none, and at the text's end; wanted and
    // unwanted members, objects and arrays alike.
    let names = ["a", "b", "o.k"];
    for text in [
        r#"{"a":1}"#,
        r#"{"a" :1}"#,
        r#"{"a": 1}"#,
        r#"{"a" : 1 }"#,
        r#"{"a":1,"b":"x"}"#,
        r#"{"a":1 ,"b":"x"}"#,
        r#"{"a":1, "b":"x"}"#,
        r#"{"a":1 , "b":"x" }"#,
        r#"{"z":{"y":1,"x":[1,2]},"o":{"k":[1 ,2 ],"j":{}},"a":[ 3,4]}"#,
        r#"{"a":[],"b":{},"z":[[],{}]}"#,
        r#"{"a":1} "#,
    ] {
        assert_eq!(compare(text, &names), Read::Fast, "{text}");
    }
    for text in [
        r#"{"a"::1}"#,
        r#"{"a":1,,"b":2}"#,
        r#"{"a":1,}"#,
        r#"{"a":1 ,}"#,
        r#"{"a":[1,]}"#,
        r#"{"z":[1,],"a":1}"#,
        r#"{"a":1]"#,
        r#"{"a":[1}"#,
        r#"{"a":1}}"#,
        r#"{"a":1,"#,
        r#"{"a":1"#,
        r#"{"a":"#,
        r#"{"a""#,
        r#"{"a":1;"b":2}"#,
    ] {
        assert!(serde_reads(text, &names).is_err(), "serde reads {text}");
        assert_eq!(compare(text, &names), Read::Fallback, "{text}");
    }
    // Whitespace other than spaces beside a separator: serde's to read.
    for text in ["{\"a\":1,\n\"b\":2}", "{\"a\":\t1}", "{\"a\"\r:1}"] {
        assert_eq!(serde_reads(text, &names), Ok(()), "{text}");
        assert_eq!(compare(text, &names), Read::Fallback, "{text}");
    }
}
