//! Crossing a container by blocks equals crossing it token by token: the same end or the
//! same refusal from every bracket of generated, escaped and corrupted documents and of
//! random bytes, at every nesting level; and whole documents scan to the same leaves (or
//! fall back alike) either way.

use quickcheck::{Arbitrary, Gen, QuickCheck};

use super::super::scan::tests::{Case, Corrupted, EscapedCase, OddCase};
use super::super::scan::{scan, scan_by_tokens, value_end_by_tokens, Paths, Wanted};
use super::super::scan_blocks::{classes, portable_classes};
use super::super::walk::Fields;
use super::*;

fn tests() -> QuickCheck {
    QuickCheck::new().tests(2000).rng(Gen::new(24))
}

/// Panics unless both paths agree from every `{` and `[` of `text` at every level; how many
/// starts the block path crossed (to check that the cases are not all refusals).
fn agree_everywhere(text: &[u8]) -> usize {
    let mut crossed = 0;
    for (at, _) in text.iter().enumerate().filter(|(_, b)| b"{[".contains(b)) {
        for enclosing in [0, 1, 4, MAX_OBJECT_DEPTH - 2, MAX_OBJECT_DEPTH] {
            let blocks = container_end(text, at, enclosing + 1);
            let tokens = value_end_by_tokens(text, at, enclosing);
            assert_eq!(
                blocks,
                tokens,
                "from byte {at} inside level {enclosing} of {:?}",
                String::from_utf8_lossy(text)
            );
            crossed += usize::from(blocks.is_some());
        }
    }
    crossed
}

/// The leaves (as debug text) or the fall back of scanning `case` each way.
fn scan_both(case: &Case) {
    let fields = Fields::new(case.names.iter().map(|s| s.to_string()), false);
    let paths = Paths::new((0u32..).zip(fields.names.iter().map(String::as_str)))
        .expect("names without empty segments");
    let mut by_blocks = Vec::new();
    let blocks = scan(&case.text, Wanted::Paths(&paths), &mut by_blocks);
    let mut by_tokens = Vec::new();
    let tokens = scan_by_tokens(&case.text, Wanted::Paths(&paths), &mut by_tokens);
    assert_eq!(blocks, tokens, "{case:?}");
    if blocks == Ok(()) {
        assert_eq!(
            format!("{by_blocks:?}"),
            format!("{by_tokens:?}"),
            "{case:?}"
        );
    }
}

#[test]
fn generated_documents_are_crossed_alike_from_every_bracket() {
    fn property(odd: OddCase, escaped: EscapedCase) -> bool {
        agree_everywhere(odd.0.text.as_bytes());
        agree_everywhere(escaped.0.text.as_bytes());
        scan_both(&odd.0);
        scan_both(&escaped.0);
        true
    }
    tests().quickcheck(property as fn(OddCase, EscapedCase) -> bool);
}

#[test]
fn corrupted_documents_are_refused_alike_from_every_bracket() {
    fn property(case: Corrupted) -> bool {
        agree_everywhere(case.0.text.as_bytes());
        scan_both(&case.0);
        true
    }
    tests().quickcheck(property as fn(Corrupted) -> bool);
}

#[test]
fn most_generated_containers_are_crossed() {
    // The agreement above would hold trivially if both paths refused everything.
    let mut g = Gen::new(40);
    let (mut crossed, mut escaped_crossed) = (0, 0);
    for _ in 0..200 {
        crossed += agree_everywhere(OddCase::arbitrary(&mut g).0.text.as_bytes());
        escaped_crossed += agree_everywhere(EscapedCase::arbitrary(&mut g).0.text.as_bytes());
    }
    assert!(crossed > 1000, "{crossed}");
    assert!(escaped_crossed > 1000, "{escaped_crossed}");
}

/// Bytes made of JSON's pieces in random order: mostly invalid, sometimes nested deeply,
/// with strings and escapes across block boundaries.
#[derive(Clone, Debug)]
struct Soup(Vec<u8>);

impl Arbitrary for Soup {
    fn arbitrary(g: &mut Gen) -> Soup {
        const PIECES: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            " ",
            "\"",
            "\"k\":",
            "\"v\"",
            "\\",
            "\\\"",
            "\\\\",
            "\\n",
            "\\u00e9",
            "\\u12",
            "\\q",
            "1",
            "-0.5e+3",
            "01",
            "true",
            "nul",
            "null",
            "x",
            "é",
            "\t",
            "\n",
            "\u{1}",
            "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
            "{\"a\":[1,2,{\"b\":null}]}",
            "[[[[[[[[",
            "]]]]]]]]",
            "{\"k\":{\"k\":{\"k\":",
        ];
        let n = usize::arbitrary(g) % 120;
        let mut bytes = Vec::new();
        for _ in 0..n {
            bytes.extend_from_slice(g.choose(PIECES).unwrap_or(&"x").as_bytes());
        }
        Soup(bytes)
    }
}

#[test]
fn random_bytes_are_crossed_or_refused_alike() {
    fn property(soup: Soup) -> bool {
        agree_everywhere(&soup.0);
        true
    }
    tests().quickcheck(property as fn(Soup) -> bool);
}

/// A random 64-byte block, biased to the bytes that matter.
#[derive(Clone, Debug)]
struct Block([u8; 64]);

impl Arbitrary for Block {
    fn arbitrary(g: &mut Gen) -> Block {
        let mut block = [0u8; 64];
        for byte in &mut block {
            *byte = if bool::arbitrary(g) {
                *g.choose(b"{}[]:,\"\\ \t\n\x00\x1f\x20\x7b\x7d\x5b\x5d\xfb\xfd\xdb\xdd\x80\xff")
                    .unwrap_or(&b'x')
            } else {
                u8::arbitrary(g)
            };
        }
        Block(block)
    }
}

#[test]
fn block_classes_equal_the_byte_by_byte_classes() {
    fn property(block: Block) -> bool {
        classes(&block.0) == portable_classes(&block.0)
    }
    tests().quickcheck(property as fn(Block) -> bool);
    // Every byte value in every lane position.
    for byte in 0..=255u8 {
        let block = [byte; 64];
        assert_eq!(classes(&block), portable_classes(&block), "{byte:#x}");
    }
}

#[test]
fn prefix_xor_marks_the_bytes_inside_quotes() {
    let naive = |bits: u64| {
        (0..64).fold((0u64, false), |(out, odd), i| {
            let odd = odd ^ (bits >> i & 1 == 1);
            (out | u64::from(odd) << i, odd)
        })
    };
    for bits in [
        0,
        1,
        1 << 63,
        0b1001,
        u64::MAX,
        0xdead_beef_0123_4567,
        0x8000_0000_0000_0001,
    ] {
        assert_eq!(prefix_xor(bits), naive(bits).0, "{bits:#x}");
    }
}

#[test]
fn ends_and_refusals_of_hand_written_containers() {
    let end = |text: &str| container_end(text.as_bytes(), 0, 2);
    for (text, expected) in [
        ("{}", Some(2)),
        ("[ ]", Some(3)),
        (r#"{"a":1} , "b""#, Some(7)),
        (
            r#"[1, -0.5e+3, true, false, null, "s", {"k": [{}]}]"#,
            Some(49),
        ),
        (r#"{"a\"b": "c\\", "d": "\u00e9"}"#, Some(30)),
        // Whatever follows the container is the caller's (a newline, another line).
        ("{\"a\":1}\n{\"b\":\u{1}", Some(7)),
        (r#"{"a":1,}"#, None),
        (r#"{"a" 1}"#, None),
        (r#"{a:1}"#, None),
        (r#"[true false]"#, None),
        (r#"[nul]"#, None),
        (r#"{"k":01}"#, None),
        (r#"[[[]]"#, None),
        (r#"["\q"]"#, None),
        (r#"["\u12"]"#, None),
        ("[\"a\tb\"]", None),
        ("[1,\n2]", None),
        (r#"[1}"#, None),
        (r#"{"a":1]"#, None),
        (r#"[1] \"#, Some(3)),
        (r#"[1 \ ]"#, None),
        (r#"["a"1]"#, None),
        (r#"{"a":1:2}"#, None),
        (r#"[1.]"#, None),
        (r#"[-]"#, None),
        (r#"[1e]"#, None),
        (r#"[truex]"#, None),
        ("[\"é\", é]", None),
    ] {
        assert_eq!(end(text), expected, "{text}");
        assert_eq!(
            value_end_by_tokens(text.as_bytes(), 0, 1),
            expected,
            "{text}"
        );
    }
}

#[test]
fn strings_and_escapes_across_block_boundaries() {
    // A string value whose quote, backslash run or `\u` digits fall on every offset of
    // the first block boundary.
    for pad in 0..70 {
        for inner in [
            r#"\""#,
            r#"\\"#,
            r#"\\\""#,
            r#"\u00e9"#,
            r#"\\\\"#,
            r#"\\\\\\\""#,
        ] {
            let text = format!(r#"{{"k": "{}{inner}x", "n": [1, 2]}}"#, "a".repeat(pad));
            let expected = Some(text.len());
            assert_eq!(container_end(text.as_bytes(), 0, 1), expected, "{text}");
            agree_everywhere(text.as_bytes());
            // A number or literal across the boundary.
            let text = format!("[{}12345678, true, null]", " ".repeat(pad));
            assert_eq!(
                container_end(text.as_bytes(), 0, 1),
                Some(text.len()),
                "{text}"
            );
        }
    }
}

#[test]
fn nesting_past_the_limit_is_refused_at_any_level() {
    for levels in 1..=MAX_OBJECT_DEPTH + 2 {
        let text = format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        for enclosing in 0..=MAX_OBJECT_DEPTH {
            let expected = (enclosing + levels <= MAX_OBJECT_DEPTH).then_some(text.len());
            assert_eq!(
                container_end(text.as_bytes(), 0, enclosing + 1),
                expected,
                "{levels} levels inside {enclosing}"
            );
        }
    }
}
