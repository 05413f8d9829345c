//! JSON text for `ingest`'s direct path: string escapes read (as `serde_json` reads them,
//! refusing what it refuses) and written (as `serde_json` writes them), the scan for the end
//! of a string's plain run, and numbers written as `serde_json` writes the ones it reads.

use super::json_tree::Bail;

/// Decodes a string's escapes into `out`; a lone or reversed surrogate is a [`Bail`] (which
/// `serde_json` refuses).
pub(super) fn unescape(raw: &str, out: &mut String) -> Result<(), Bail> {
    let mut rest = raw;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let bytes = rest.as_bytes();
        let (c, used) = match bytes.get(at + 1).ok_or(Bail)? {
            b'"' => ('"', 2),
            b'\\' => ('\\', 2),
            b'/' => ('/', 2),
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => {
                let high = hex4(rest.get(at + 2..at + 6))?;
                match high {
                    0xD800..=0xDBFF => {
                        if rest.get(at + 6..at + 8) != Some("\\u") {
                            return Err(Bail);
                        }
                        let low = hex4(rest.get(at + 8..at + 12))?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(Bail);
                        }
                        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                        (char::from_u32(code).ok_or(Bail)?, 12)
                    }
                    0xDC00..=0xDFFF => return Err(Bail),
                    _ => (char::from_u32(high).ok_or(Bail)?, 6),
                }
            }
            _ => return Err(Bail),
        };
        out.push(c);
        rest = &rest[at + used..];
    }
    out.push_str(rest);
    Ok(())
}

fn hex4(text: Option<&str>) -> Result<u32, Bail> {
    let text = text.ok_or(Bail)?;
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Bail);
    }
    u32::from_str_radix(text, 16).map_err(|_| Bail)
}

/// The first byte in `bytes` that ends the plain run of a string: its quote, an escape, a
/// control character (which JSON does not allow unescaped, and `serde_json` writes escaped).
/// Eight bytes at a time (the last few in a
/// zero-padded word): the usual bit tricks for "has a zero byte" and "has a byte less than
/// n" flag a word's stop bytes, and the lowest flag is exact (a false flag only ever sits
/// above a true one), so its position is the stop's without a byte loop.
pub(super) fn find_stop(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let word = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
        let stops = stop_flags(word);
        if stops != 0 {
            return Some(at + (stops.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = &bytes[at..];
    let mut padded = [0u8; 8];
    padded[..rest.len()].copy_from_slice(rest);
    // The zero padding is a control byte: a flag at or past the end is no stop.
    let offset = (stop_flags(u64::from_le_bytes(padded)).trailing_zeros() / 8) as usize;
    (offset < rest.len()).then_some(at + offset)
}

/// The high bit of each byte of `word` (little-endian) that is a quote, a backslash or below
/// 0x20, exact up to the lowest such byte.
#[inline(always)]
fn stop_flags(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let quote = zero(word ^ (ONES * u64::from(b'"')));
    let backslash = zero(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    quote | backslash | control
}

/// A string read without escapes (a [`Kind::Plain`] string, a key, a de-dotted key): it holds
/// no quote, backslash or control character, so it is written as it is.
pub fn write_plain(s: &str, out: &mut Vec<u8>) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// A string literal as `serde_json` writes it: `"` and `\` escaped, control characters as
/// `\b \t \n \f \r` or `\u00xx`, everything else (all of Unicode) as is.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(offset) = find_stop(&bytes[from..]) {
        let at = from + offset;
        let b = bytes[at];
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0A => b"\\n",
            0x0C => b"\\f",
            0x0D => b"\\r",
            _ => b"",
        };
        out.extend_from_slice(&bytes[from..at]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(b >> 4) as usize]);
            out.push(HEX[(b & 0xF) as usize]);
        } else {
            out.extend_from_slice(escape);
        }
        from = at + 1;
    }
    out.extend_from_slice(&bytes[from..]);
    out.push(b'"');
}

/// An integer of at most 18 digits other than `-0`: `serde_json` reads it as an `i64` or
/// `u64` and writes it back as it is.
pub(super) fn is_short_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    digits.len() <= 18
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !(text.starts_with('-') && digits == "0")
}

/// A number as `serde_json` writes the one it parses: short integers as they are, anything
/// else (fractions, exponents, `-0`, twenty digits) through `serde_json` itself.
pub(super) fn write_number(text: &str, out: &mut Vec<u8>) -> Result<(), Bail> {
    if is_short_integer(text) {
        out.extend_from_slice(text.as_bytes());
        return Ok(());
    }
    let number: serde_json::Number = serde_json::from_str(text).map_err(|_| Bail)?;
    serde_json::to_writer(out, &number).map_err(|_| Bail)
}
