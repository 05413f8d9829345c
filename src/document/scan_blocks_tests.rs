//! The block path equals the byte-by-byte and word-at-a-time paths: masks on arbitrary
//! blocks, escapes across block boundaries and long backslash runs, string ends on
//! arbitrary bytes (UTF-8 or not) from every start.

use quickcheck::{Arbitrary, Gen, QuickCheck};

use super::super::scan::string_end_by_words;
use super::*;

fn tests() -> QuickCheck {
    QuickCheck::new().tests(2000)
}

/// Bytes made of the pieces that matter to a string's end, at arbitrary offsets from a
/// block boundary: quotes, runs of backslashes (up to 130, longer than a block), escape
/// codes good and bad, `\u` with good and bad digits, control bytes, multi-byte UTF-8,
/// stray bytes and plain runs of every length.
#[derive(Clone, Debug)]
struct Bytes(Vec<u8>);

impl Arbitrary for Bytes {
    fn arbitrary(g: &mut Gen) -> Bytes {
        let mut bytes = Vec::new();
        let pieces = usize::arbitrary(g) % 24;
        for _ in 0..pieces {
            match u8::arbitrary(g) % 12 {
                0 => bytes.push(b'"'),
                1 | 2 => {
                    let run = if bool::arbitrary(g) {
                        1 + usize::arbitrary(g) % 4
                    } else {
                        usize::arbitrary(g) % 131
                    };
                    bytes.extend(std::iter::repeat_n(b'\\', run));
                }
                3 => bytes.push(*g.choose(b"\"\\/bfnrtux0 ").unwrap_or(&b'n')),
                4 => {
                    bytes.extend_from_slice(b"\\u");
                    bytes.extend_from_slice(
                        g.choose(&[&b"00e9"[..], b"D83D", b"zz12", b"12", b"aBcD"])
                            .copied()
                            .unwrap_or_default(),
                    );
                }
                5 => bytes.push(u8::arbitrary(g) % 0x20),
                6 => bytes.extend_from_slice(
                    g.choose(&["é", "€", "𝄞", "\u{7f}"])
                        .unwrap_or(&"é")
                        .as_bytes(),
                ),
                7 => bytes.push(u8::arbitrary(g)),
                _ => {
                    let run = usize::arbitrary(g) % 140;
                    bytes.extend((0..run).map(|i| b'a' + (i % 26) as u8));
                }
            }
        }
        Bytes(bytes)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Bytes>> {
        Box::new(self.0.shrink().map(Bytes))
    }
}

/// The escaped bits of `bytes` one byte at a time: a backslash not itself escaped escapes
/// the byte after it.
fn escaped_by_bytes(bytes: &[u8]) -> Vec<bool> {
    let mut escaped = vec![false; bytes.len()];
    let mut pending = false;
    for (i, &byte) in bytes.iter().enumerate() {
        if pending {
            escaped[i] = true;
            pending = false;
        } else if byte == b'\\' {
            pending = true;
        }
    }
    escaped
}

#[test]
fn sse2_masks_equal_the_portable_masks() {
    fn property(bytes: Bytes, offset: u8) -> bool {
        let text = bytes.0;
        (0..text.len().max(1))
            .step_by(usize::from(offset % 7) + 1)
            .all(|at| {
                let block = block_at(&text, at);
                masks(&block) == portable_masks(&block)
            })
    }
    tests().quickcheck(property as fn(Bytes, u8) -> bool);
    // Every byte value, in every lane.
    let every: Vec<u8> = (0..=255).collect();
    for at in 0..every.len() {
        let block = block_at(&every, at);
        assert_eq!(masks(&block), portable_masks(&block), "block at {at}");
    }
}

#[test]
fn sse2_chunk_bits_equal_the_portable_bits() {
    fn property(bytes: Bytes) -> bool {
        let text = bytes.0;
        text.windows(16).all(|chunk| {
            let chunk = chunk.first_chunk::<16>().copied().unwrap_or_default();
            chunk16(&chunk) == portable_chunk16(&chunk)
        })
    }
    tests().quickcheck(property as fn(Bytes) -> bool);
    let every: Vec<u8> = (0..=255).collect();
    for chunk in every.windows(16) {
        let chunk = chunk.first_chunk::<16>().copied().unwrap_or_default();
        assert_eq!(chunk16(&chunk), portable_chunk16(&chunk));
    }
}

#[test]
fn block_escapes_equal_byte_by_byte_escapes() {
    fn property(bytes: Bytes) -> bool {
        let text = bytes.0;
        let expected = escaped_by_bytes(&text);
        let mut escapes = Escapes::default();
        (0..text.len()).step_by(64).all(|at| {
            let escaped = escapes.escaped(portable_masks(&block_at(&text, at)).backslash);
            (0..64.min(text.len() - at)).all(|i| (escaped >> i & 1 == 1) == expected[at + i])
        })
    }
    tests().quickcheck(property as fn(Bytes) -> bool);
}

#[test]
fn long_backslash_runs_escape_by_parity_across_blocks() {
    for run in [63, 64, 65, 127, 128, 129, 200] {
        for lead in 0..3 {
            let mut text = vec![b'a'; lead];
            text.extend(std::iter::repeat_n(b'\\', run));
            text.extend_from_slice(b"\"x\"");
            let end = string_end(&text, 0);
            assert_eq!(end, string_end_by_words(&text, 0), "run {run} after {lead}");
            // An even run escapes itself, so the first quote closes; an odd run escapes it.
            let first_quote = lead + run;
            let expected = if run % 2 == 0 {
                first_quote + 1
            } else {
                first_quote + 3
            };
            assert_eq!(end, Some((expected, true)), "run {run} after {lead}");
        }
    }
}

#[test]
fn block_string_ends_equal_word_string_ends() {
    fn property(bytes: Bytes) -> bool {
        let text = bytes.0;
        (0..=text.len()).all(|at| string_end(&text, at) == string_end_by_words(&text, at))
    }
    tests().quickcheck(property as fn(Bytes) -> bool);
}

#[test]
fn string_ends_at_block_boundaries() {
    // A closing quote, an escape and a refused byte at each offset around one and two blocks.
    for offset in 55..140 {
        let mut text = vec![b'x'; offset];
        text.push(b'"');
        assert_eq!(string_end(&text, 0), Some((offset + 1, false)));
        for tail in [
            &b"\\\"\"tail"[..],
            b"\\u00e9\"",
            b"\\q\"",
            b"\\u00\"",
            b"\x1f\"",
            b"\\",
        ] {
            let mut text = vec![b'x'; offset];
            text.extend_from_slice(tail);
            assert_eq!(
                string_end(&text, 0),
                string_end_by_words(&text, 0),
                "{offset} {:?}",
                String::from_utf8_lossy(tail)
            );
        }
    }
    assert_eq!(string_end(b"ab\\\"cd\"", 0), Some((7, true)));
    assert_eq!(string_end(b"ab\\u00E9\"", 0), Some((9, true)));
    assert_eq!(string_end(b"ab\\x\"", 0), None);
    assert_eq!(string_end(b"ab\ncd\"", 0), None);
    assert_eq!(string_end(b"abc", 0), None);
}

#[test]
fn short_keys_end_as_the_word_path_says() {
    fn property(bytes: Bytes) -> bool {
        let text = bytes.0;
        (0..=text.len()).all(|at| match short_key_end(&text, at) {
            // No dots and no escapes when it says so: the word path agrees on the end.
            Some((end, dotted)) => {
                string_end_by_words(&text, at) == Some((end, false))
                    && dotted == text[at..end].contains(&b'.')
            }
            None => true,
        })
    }
    tests().quickcheck(property as fn(Bytes) -> bool);
    assert_eq!(short_key_end(b"a.b\"0123456789abcdef", 0), Some((4, true)));
    assert_eq!(
        short_key_end(b"ab\"c.d0123456789abcdef", 0),
        Some((3, false))
    );
    assert_eq!(short_key_end(b"0123456789abcdef\"", 0), None);
    assert_eq!(short_key_end(b"a\\\"b\"0123456789abcdef", 0), None);
}

#[test]
fn ascii_text_is_text_and_the_rest_is_left_to_utf8() {
    let all: Vec<u8> = (0..=0x7f).collect();
    assert_eq!(ascii_str(&all).map(str::as_bytes), Some(&all[..]));
    assert_eq!(ascii_str(b""), Some(""));
    for text in ["é".as_bytes(), b"abc\x80", b"\xff", "a☃b".as_bytes()] {
        assert_eq!(ascii_str(text), None, "{text:?}");
    }
}

#[test]
fn the_block_ascii_check_equals_std() {
    fn property(bytes: Vec<u8>, high_at: usize) -> bool {
        let mut ascii: Vec<u8> = bytes.iter().map(|b| b & 0x7f).collect();
        let whole = is_ascii(&ascii) && ascii.is_ascii();
        // One high byte anywhere (in a block or the remainder) is found.
        let one_high = ascii.is_empty() || {
            let at = high_at % ascii.len();
            ascii[at] |= 0x80;
            !is_ascii(&ascii)
        };
        whole && one_high && is_ascii(&bytes) == bytes.is_ascii()
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(property as fn(Vec<u8>, usize) -> bool);
    let mut long = vec![b'a'; 200];
    for at in 0..200 {
        long[at] = 0xc3;
        assert!(!is_ascii(&long), "{at}");
        long[at] = b'a';
    }
    assert!(is_ascii(&long));
}
