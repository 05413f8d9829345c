//! Crossing JSON strings with SIMD, and checking input for ASCII: short strings 16 bytes a
//! step up to the first quote, backslash or control byte; long ones and those with escapes
//! 64 bytes at a time (quote, backslash and control-byte masks of a block, simdjson's
//! carry-propagating escape arithmetic, a check per escape rather than per byte). SSE2 on x86_64, where it is part
//! of the baseline (no run-time detection); a portable byte loop on other targets, which the
//! tests compare with the SSE2 path on every build.
//!
//! The crate's only `unsafe`: the unaligned 16-byte loads, calling the SSE2 functions
//! (`#[target_feature]`) from code compiled with SSE2 enabled anyway, and [`ascii_str`].

/// `bytes` as text when they are all ASCII (so UTF-8): a batch of input lines is checked
/// this way first, about three times faster than `std::str::from_utf8`, which checks it
/// otherwise.
pub(super) fn ascii_str(bytes: &[u8]) -> Option<&str> {
    if is_ascii(bytes) {
        // SAFETY: ASCII bytes are valid UTF-8 (every byte below 0x80 is a character).
        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        None
    }
}

/// Whether every byte is below 0x80, 64 bytes a step with SSE2 (std's check, word by word,
/// took about 5 % of the seed rule's time on whole batches).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
pub(super) fn is_ascii(bytes: &[u8]) -> bool {
    // SAFETY: SSE2 is enabled at compile time (the `cfg` above).
    unsafe { sse2_is_ascii(bytes) }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
fn sse2_is_ascii(bytes: &[u8]) -> bool {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128};
    let mut blocks = bytes.chunks_exact(64);
    for block in &mut blocks {
        // SAFETY: each load reads 16 of the block's 64 initialised bytes, unaligned.
        let load = |at: usize| unsafe { _mm_loadu_si128(block[at..].as_ptr().cast::<__m128i>()) };
        let high = _mm_or_si128(
            _mm_or_si128(load(0), load(16)),
            _mm_or_si128(load(32), load(48)),
        );
        if _mm_movemask_epi8(high) != 0 {
            return false;
        }
    }
    blocks.remainder().is_ascii()
}

/// [`is_ascii`] on targets without the SSE2 path.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline]
pub(super) fn is_ascii(bytes: &[u8]) -> bool {
    bytes.is_ascii()
}

/// Per-byte bits (bit `i` for byte `i`) of one 64-byte block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Masks {
    pub(super) quote: u64,
    pub(super) backslash: u64,
    /// Bytes below 0x20, which JSON strings may not hold raw.
    pub(super) control: u64,
}

/// The masks of `block` with SSE2, part of every x86_64 target's baseline.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
pub(super) fn masks(block: &[u8; 64]) -> Masks {
    // SAFETY: SSE2 is enabled at compile time (the `cfg` above), so the CPU running this
    // build has it.
    unsafe { sse2_masks(block) }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
#[inline]
fn sse2_masks(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let quote = _mm_set1_epi8(b'"' as i8);
    let backslash = _mm_set1_epi8(b'\\' as i8);
    let last_control = _mm_set1_epi8(0x1f);
    let mut masks = Masks {
        quote: 0,
        backslash: 0,
        control: 0,
    };
    for (lane, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: `chunk` is 16 initialised bytes (`chunks_exact(16)` of a 64-byte array),
        // exactly what the load reads, and `_mm_loadu_si128` has no alignment requirement.
        let bytes = unsafe { _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>()) };
        let bits = |m| u64::from(_mm_movemask_epi8(m) as u16) << (16 * lane);
        masks.quote |= bits(_mm_cmpeq_epi8(bytes, quote));
        masks.backslash |= bits(_mm_cmpeq_epi8(bytes, backslash));
        // Unsigned `byte <= 0x1f` as `max(byte, 0x1f) == 0x1f` (SSE2 compares are signed).
        masks.control |= bits(_mm_cmpeq_epi8(
            _mm_max_epu8(bytes, last_control),
            last_control,
        ));
    }
    masks
}

/// Bits of one 16-byte chunk: the bytes that stop a plain run in a string (quotes,
/// backslashes, control bytes), and its dots (for the keys of walked objects).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Chunk {
    pub(super) stops: u32,
    pub(super) dots: u32,
}

/// The [`Chunk`] bits of 16 bytes with SSE2.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
pub(super) fn chunk16(chunk: &[u8; 16]) -> Chunk {
    // SAFETY: SSE2 is enabled at compile time (the `cfg` above).
    unsafe { sse2_chunk16(chunk) }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
#[inline]
fn sse2_chunk16(chunk: &[u8; 16]) -> Chunk {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: `chunk` is 16 initialised bytes, exactly what the unaligned load reads.
    let bytes = unsafe { _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>()) };
    let last_control = _mm_set1_epi8(0x1f);
    let quote = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'"' as i8));
    let backslash = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\\' as i8));
    let control = _mm_cmpeq_epi8(_mm_max_epu8(bytes, last_control), last_control);
    let stops = _mm_or_si128(_mm_or_si128(quote, backslash), control);
    let dots = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'.' as i8));
    Chunk {
        stops: _mm_movemask_epi8(stops) as u32,
        dots: _mm_movemask_epi8(dots) as u32,
    }
}

/// [`chunk16`] on targets without the SSE2 path.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
pub(super) fn chunk16(chunk: &[u8; 16]) -> Chunk {
    portable_chunk16(chunk)
}

/// [`chunk16`] byte by byte: the other targets' path, and the tests' reference.
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
pub(super) fn portable_chunk16(chunk: &[u8; 16]) -> Chunk {
    let mut bits = Chunk { stops: 0, dots: 0 };
    for (i, &b) in chunk.iter().enumerate() {
        bits.stops |= u32::from(b == b'"' || b == b'\\' || b < 0x20) << i;
        bits.dots |= u32::from(b == b'.') << i;
    }
    bits
}

/// A key's end when it closes plainly within the 16 bytes from `at` (just after its opening
/// quote): the index after its closing quote and whether it holds a dot. `None`: read it
/// some other way (escapes, longer, or near the end of the text).
#[inline(always)]
pub(super) fn short_key_end(text: &[u8], at: usize) -> Option<(usize, bool)> {
    let bits = chunk16(text.get(at..)?.first_chunk::<16>()?);
    let stop = bits.stops.trailing_zeros() as usize;
    if stop < 16 && text[at + stop] == b'"' {
        Some((at + stop + 1, bits.dots & ((1 << stop) - 1) != 0))
    } else {
        None
    }
}

/// The masks of `block` on targets without the SSE2 path.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
pub(super) fn masks(block: &[u8; 64]) -> Masks {
    portable_masks(block)
}

/// The masks of `block` byte by byte: the other targets' path, and the tests' reference.
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
pub(super) fn portable_masks(block: &[u8; 64]) -> Masks {
    let mut masks = Masks {
        quote: 0,
        backslash: 0,
        control: 0,
    };
    for (i, &byte) in block.iter().enumerate() {
        masks.quote |= u64::from(byte == b'"') << i;
        masks.backslash |= u64::from(byte == b'\\') << i;
        masks.control |= u64::from(byte < 0x20) << i;
    }
    masks
}

/// Which bytes backslashes escape, block after block (simdjson's `json_escape_scanner`):
/// a backslash escapes the byte after it unless it is itself escaped, so in a run of
/// backslashes every other one escapes, and a run's parity decides the byte after it.
#[derive(Default)]
pub(super) struct Escapes {
    /// The first byte of the next block is escaped (the last one of this block escaped it).
    carry: u64,
}

/// Odd bit positions.
const ODD_BITS: u64 = 0xaaaa_aaaa_aaaa_aaaa;

impl Escapes {
    /// The bits of the bytes escaped in a block with these backslashes (the escape codes:
    /// `n` of `\n`, the second `\` of `\\`, the `u` of `\u0041`).
    #[inline(always)]
    pub(super) fn escaped(&mut self, backslash: u64) -> u64 {
        if backslash == 0 {
            return std::mem::take(&mut self.carry);
        }
        // A backslash escaped by the previous block's last one starts nothing.
        let potential = backslash & !self.carry;
        // Runs starting on an even bit: subtraction clears them and sets the byte after;
        // the odd-bit XOR then marks every other backslash and the code after an odd run.
        let maybe_escaped = potential << 1;
        let escape_and_code = (maybe_escaped | ODD_BITS).wrapping_sub(potential) ^ ODD_BITS;
        let escaped = escape_and_code ^ (backslash | self.carry);
        let escape = escape_and_code & backslash;
        self.carry = escape >> 63;
        escaped
    }
}

/// Bytes that may follow a backslash in a JSON string (`u` also needs four hex digits).
const ESCAPE_CODES: [bool; 256] = {
    let mut codes = [false; 256];
    let valid = *b"\"\\/bfnrtu";
    let mut i = 0;
    while i < valid.len() {
        codes[valid[i] as usize] = true;
        i += 1;
    }
    codes
};

/// A string's end, read from `at` (just after its opening quote) 64 bytes at a time: the
/// index after its closing quote and whether it had escapes. `None` where the scanner falls
/// back: a raw control byte, an escape serde refuses (unknown code, `\u` without four hex
/// digits; surrogates pair up only where a string is decoded), or no closing quote.
#[inline(always)]
pub(super) fn string_end(text: &[u8], mut at: usize) -> Option<(usize, bool)> {
    // Most strings are short and plain: 16 bytes a step up to their quote. The first stop
    // that is not the closing quote (or a 64-byte run) hands over to the blocks.
    for _ in 0..4 {
        let Some(chunk) = text.get(at..).and_then(<[u8]>::first_chunk::<16>) else {
            break;
        };
        let stops = chunk16(chunk).stops;
        if stops != 0 {
            let stop = at + stops.trailing_zeros() as usize;
            if text[stop] == b'"' {
                return Some((stop + 1, false));
            }
            break;
        }
        at += 16;
    }
    string_end_by_blocks(text, at)
}

/// [`string_end`] 64 bytes at a time, from a byte that no backslash escapes.
#[inline(never)]
fn string_end_by_blocks(text: &[u8], mut at: usize) -> Option<(usize, bool)> {
    let mut escapes = Escapes::default();
    let mut had_escapes = false;
    loop {
        let block = block_at(text, at);
        let masks = masks(&block);
        let escaped = escapes.escaped(masks.backslash);
        let quote = masks.quote & !escaped;
        // The bytes before the closing quote (all of them when it is further on).
        let before = quote.wrapping_sub(1) & !quote;
        if masks.control & before != 0 {
            return None;
        }
        let mut codes = escaped & before;
        had_escapes |= codes != 0;
        // Escaped quotes and backslashes (most escapes) are valid codes as they stand.
        codes &= !(masks.quote | masks.backslash);
        while codes != 0 {
            let i = codes.trailing_zeros() as usize;
            let code = block[i];
            if !ESCAPE_CODES[usize::from(code)] || code == b'u' && !hex4(text, at + i + 1) {
                return None;
            }
            codes &= codes - 1;
        }
        if quote != 0 {
            return Some((at + quote.trailing_zeros() as usize + 1, had_escapes));
        }
        at += 64;
        // The padding's control byte already refused an unterminated string; this bounds
        // the loop by the text whatever the masks say.
        if at >= text.len() {
            return None;
        }
    }
}

/// The 64 bytes from `at`, padded with zero bytes past the end: a control byte, so a string
/// that reaches the padding is refused as unterminated.
#[inline(always)]
fn block_at(text: &[u8], at: usize) -> [u8; 64] {
    let rest = text.get(at..).unwrap_or_default();
    match rest.first_chunk::<64>() {
        Some(block) => *block,
        None => {
            let mut block = [0u8; 64];
            block[..rest.len()].copy_from_slice(rest);
            block
        }
    }
}

/// Four hex digits from `at`.
fn hex4(text: &[u8], at: usize) -> bool {
    text.get(at..at + 4)
        .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
}

#[cfg(test)]
#[path = "scan_blocks_tests.rs"]
mod tests;
