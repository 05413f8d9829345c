//! Crossing a whole unwanted object or array 64 bytes a step, validated (simdjson's stage 1
//! with a stage 2 that builds nothing): the block's unescaped quotes give, by a prefix XOR,
//! which bytes are inside strings, and only the bytes that start a token outside strings
//! (brackets, colons, commas, opening quotes, the first byte of a number or literal) are
//! visited, each through JSON's grammar. Strings are crossed without visiting their bytes
//! beyond their escapes.
//!
//! It accepts exactly what the scanner's token-by-token path (`scan.rs`, `Scanner::value`
//! with nothing wanted) accepts, which the tests check on random and corrupted text: the
//! same nesting limit, no byte below 0x20 anywhere (whitespace is spaces), escapes as serde
//! checks the strings it skips, numbers by JSON's grammar. Anything else is `None`, and the
//! document falls back to the serde walk, whose errors users see. The text is already
//! UTF-8 (the loader checks a batch before scanning it).

use super::scan_blocks::{self, Escapes};
use super::walk::MAX_OBJECT_DEPTH;

/// What the grammar allows at the next token.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A value (after `:`, or `,` in an array).
    Value,
    /// A value or `]` (just after `[`).
    ValueOrClose,
    /// A key (after `,` in an object).
    Key,
    /// A key or `}` (just after `{`).
    KeyOrClose,
    /// The `:` after a key.
    Colon,
    /// `,` or the container's closing bracket, after a value.
    Separator,
}

/// The open containers, innermost in bit 0 (1: object); at most [`MAX_OBJECT_DEPTH`] deep.
struct Stack {
    objects: u32,
    len: usize,
}

/// The offset after the container (object or array) whose opening bracket is at `start`,
/// when it is valid JSON nesting at most to [`MAX_OBJECT_DEPTH`] with `depth` its own
/// level (the document's object is 1); `None` otherwise.
pub(super) fn container_end(text: &[u8], start: usize, depth: usize) -> Option<usize> {
    let mut escapes = Escapes::default();
    // All ones when the previous block ended inside a string.
    let mut in_string = 0u64;
    // 1 when the previous block ended on a number's or literal's byte.
    let mut in_scalar = 0u64;
    let mut stack = Stack { objects: 0, len: 0 };
    let mut expect = Expect::Value;
    let mut at = start;
    loop {
        let block = scan_blocks::block_at(text, at);
        let classes = scan_blocks::classes(&block);
        let escaped = escapes.escaped(classes.backslash);
        let quote = classes.quote & !escaped;
        // From each opening quote up to (not including) its closing one.
        let inside = prefix_xor(quote) ^ in_string;
        in_string = ((inside as i64) >> 63) as u64;
        let scalar = !(inside
            | quote
            | classes.structural
            | classes.space
            | classes.control
            | classes.backslash);
        let scalar_start = scalar & !((scalar << 1) | in_scalar);
        in_scalar = scalar >> 63;
        let mut tokens = (classes.structural & !inside) | (quote & inside) | scalar_start;
        // The block's bytes that belong to the container (all, unless it closes here).
        let mut own = u64::MAX;
        let mut end = None;
        while tokens != 0 {
            let i = tokens.trailing_zeros() as usize;
            tokens &= tokens - 1;
            let closed = token(text, at + i, block[i], depth, &mut stack, &mut expect)?;
            if closed {
                own = u64::MAX >> (63 - i);
                end = Some(at + i + 1);
                break;
            }
        }
        // Raw control bytes, backslashes outside strings, and each escape's code.
        if classes.control & own != 0 || classes.backslash & !inside & own != 0 {
            return None;
        }
        let mut codes = escaped & inside & own;
        while codes != 0 {
            let i = codes.trailing_zeros() as usize;
            let code = block[i];
            if !scan_blocks::ESCAPE_CODES[usize::from(code)]
                || code == b'u' && !scan_blocks::hex4(text, at + i + 1)
            {
                return None;
            }
            codes &= codes - 1;
        }
        if end.is_some() {
            return end;
        }
        at += 64;
        // The padding's control byte already refused an unclosed container; this bounds the
        // loop by the text whatever the masks say.
        if at >= text.len() {
            return None;
        }
    }
}

/// One token at `at` (its first byte `byte`) through the grammar; whether it closed the
/// outermost container.
#[inline(always)]
fn token(
    text: &[u8],
    at: usize,
    byte: u8,
    depth: usize,
    stack: &mut Stack,
    expect: &mut Expect,
) -> Option<bool> {
    use Expect::*;
    let value = matches!(*expect, Value | ValueOrClose);
    match byte {
        b'{' | b'[' if value => {
            if depth + stack.len > MAX_OBJECT_DEPTH {
                return None;
            }
            let object = byte == b'{';
            stack.objects = (stack.objects << 1) | u32::from(object);
            stack.len += 1;
            *expect = if object { KeyOrClose } else { ValueOrClose };
        }
        b'}' | b']' => {
            let object = byte == b'}';
            let innermost_object = stack.objects & 1 == 1;
            let allowed = match *expect {
                Separator => true,
                KeyOrClose => object,
                ValueOrClose => !object,
                _ => false,
            };
            if !allowed || stack.len == 0 || innermost_object != object {
                return None;
            }
            stack.objects >>= 1;
            stack.len -= 1;
            *expect = Separator;
            return Some(stack.len == 0);
        }
        b',' if *expect == Separator => {
            // Never at the outermost level: the container's close returned before.
            *expect = if stack.objects & 1 == 1 { Key } else { Value };
        }
        b':' if *expect == Colon => *expect = Value,
        b'"' => {
            *expect = match *expect {
                Key | KeyOrClose => Colon,
                Value | ValueOrClose => Separator,
                _ => return None,
            };
        }
        b'{' | b'[' | b',' | b':' => return None,
        _ if value => {
            let end = scalar_end(text, at)?;
            // The whole run of non-structural bytes must be the scalar (`01`, `truex`).
            if !matches!(text.get(end), Some(b' ' | b',' | b'}' | b']')) {
                return None;
            }
            *expect = Separator;
        }
        _ => return None,
    }
    Some(false)
}

/// The end of the number or literal (`true`, `false`, `null`) at `at`, by JSON's grammar.
fn scalar_end(text: &[u8], at: usize) -> Option<usize> {
    for literal in [&b"true"[..], b"false", b"null"] {
        if text[at..].starts_with(literal) {
            return Some(at + literal.len());
        }
    }
    number_end(text, at).map(|(end, _)| end)
}

/// The end of a number by JSON's grammar, `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`,
/// read from `at`, and whether it is an integer (no fraction or exponent). A digit right
/// after a leading zero (`01`) ends the number there: the caller refuses what follows unless
/// it ends the value, and a digit never does.
pub(super) fn number_end(text: &[u8], mut at: usize) -> Option<(usize, bool)> {
    let digits = |at: usize| at + text[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    let some_digits = |at: usize| Some(digits(at)).filter(|&end| end > at);
    if text.get(at) == Some(&b'-') {
        at += 1;
    }
    at = match text.get(at)? {
        b'0' => at + 1,
        b'1'..=b'9' => digits(at + 1),
        _ => return None,
    };
    let mut integer = true;
    if text.get(at) == Some(&b'.') {
        at = some_digits(at + 1)?;
        integer = false;
    }
    if let Some(b'e' | b'E') = text.get(at) {
        at += 1;
        if let Some(b'+' | b'-') = text.get(at) {
            at += 1;
        }
        at = some_digits(at)?;
        integer = false;
    }
    Some((at, integer))
}

/// Bit `i` set when an odd number of `bits` are at or below `i`: the bytes from an opening
/// quote up to its closing one (exclusive).
#[inline(always)]
fn prefix_xor(mut bits: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        bits ^= bits << shift;
    }
    bits
}

#[cfg(test)]
#[path = "scan_skip_tests.rs"]
mod tests;
