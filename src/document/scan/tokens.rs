//! The scanner's tokens: strings (by SSE2 blocks, or by words where keys need their dots),
//! escapes, literals and numbers.

use super::super::scan_blocks;
use super::super::walk::Scalar;
use super::{Fallback, Scanned, Scanner};
#[cfg(test)]
use super::{Paths, Wanted};

/// Flags (high bit of the byte) where a string's plain run ends in eight bytes: a quote, a
/// backslash or a control byte. Each test flags its first match exactly (a borrow can only
/// flag bytes after a true match), so the lowest flag of all three is the first stop.
#[inline(always)]
fn string_stops(word: u64) -> u64 {
    flags(word, b'"') | flags(word, b'\\') | below(word, 0x20)
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// High bits of the bytes of `word` below `n`; exact up to the first such byte.
#[inline(always)]
fn below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(n)) & !word & (ONES << 7)
}

/// High bits of the bytes of `word` equal to `byte`; exact up to the first.
#[inline(always)]
fn flags(word: u64, byte: u8) -> u64 {
    below(word ^ (ONES * u64::from(byte)), 1)
}

impl Scanner<'_, '_> {
    /// The rest of a string after its opening quote, through the closing one; whether it had
    /// escapes. Escapes are checked as serde checks strings it skips (`\uXXXX` needs four hex
    /// digits; surrogates pair up only where the string is decoded).
    /// With `DOTS`, also whether it has a `.` (keys of walked objects, for the trie).
    #[inline(always)]
    pub(super) fn string<const DOTS: bool>(&mut self) -> Result<(bool, bool), Fallback> {
        if !DOTS {
            return self.plain_string().map(|escaped| (escaped, false));
        }
        if let Some((end, dotted)) = scan_blocks::short_key_end(self.text, self.at) {
            self.at = end;
            return Ok((false, dotted));
        }
        self.string_by_words::<DOTS>()
    }

    /// [`Self::string`] without dots: by SSE2 chunks and blocks ([`scan_blocks`]).
    #[inline(always)]
    fn plain_string(&mut self) -> Result<bool, Fallback> {
        let (end, escaped) = scan_blocks::string_end(self.text, self.at).ok_or(Fallback)?;
        self.at = end;
        Ok(escaped)
    }

    /// [`Self::string`] eight bytes at a time (the keys of walked objects, for their dots).
    fn string_by_words<const DOTS: bool>(&mut self) -> Result<(bool, bool), Fallback> {
        let text = self.text;
        let mut at = self.at;
        let (mut escaped, mut dotted) = (false, false);
        loop {
            while let Some(word) = text.get(at..).and_then(<[u8]>::first_chunk::<8>) {
                let word = u64::from_le_bytes(*word);
                let stops = string_stops(word);
                if DOTS {
                    // Dots before the first stop (the lowest flag of each test is exact).
                    let before = if stops == 0 {
                        u64::MAX
                    } else {
                        (stops & stops.wrapping_neg()) - 1
                    };
                    dotted |= flags(word, b'.') & before != 0;
                }
                if stops != 0 {
                    at += (stops.trailing_zeros() / 8) as usize;
                    break;
                }
                at += 8;
            }
            // At a stop, or within the last eight bytes.
            let byte = *text.get(at).ok_or(Fallback)?;
            at += 1;
            match byte {
                b'"' => {
                    self.at = at;
                    return Ok((escaped, dotted));
                }
                b'\\' => {
                    escaped = true;
                    self.at = at;
                    self.escape()?;
                    at = self.at;
                }
                // JSON strings hold no raw control characters.
                0..0x20 => return Err(Fallback),
                b'.' if DOTS => dotted = true,
                _ => {}
            }
        }
    }

    fn escape(&mut self) -> Scanned {
        match self.next()? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(()),
            b'u' => {
                let hex = self.text.get(self.at..self.at + 4).ok_or(Fallback)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return Err(Fallback);
                }
                self.at += 4;
                Ok(())
            }
            _ => Err(Fallback),
        }
    }

    pub(super) fn literal(&mut self, word: &[u8]) -> Scanned {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(())
        } else {
            Err(Fallback)
        }
    }

    /// A number by JSON's grammar, `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; whether
    /// it is an integer (no fraction or exponent).
    pub(super) fn number(&mut self) -> Result<bool, Fallback> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return Err(Fallback),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.some_digits()?;
            integer = false;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.some_digits()?;
            integer = false;
        }
        // A digit right after a leading zero (`01`) is no JSON; the caller refuses the next
        // byte unless it ends the value, and a digit never does.
        Ok(integer)
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Scanned {
        let start = self.at;
        self.digits();
        if self.at > start {
            Ok(())
        } else {
            Err(Fallback)
        }
    }
}

/// A string's end read eight bytes at a time from `at` (after its opening quote), as
/// [`scan_blocks::string_end`] reads it by blocks: the reference of its tests.
#[cfg(test)]
pub(in crate::document) fn string_end_by_words(text: &[u8], at: usize) -> Option<(usize, bool)> {
    let paths = Paths::new([])?;
    let mut out = Vec::new();
    let mut scanner = Scanner {
        text,
        source: "",
        at,
        wanted: Wanted::Paths(&paths),
        out: &mut out,
    };
    let (escaped, _) = scanner.string_by_words::<true>().ok()?;
    Some((scanner.at, escaped))
}

/// An integer that surely fits: up to 19 digits non-negative (`u64`), up to 18 negative and
/// not `-0` (`i64`); the rest (`-0` is `-0.0` to serde, long ones may overflow) go to serde.
pub(super) fn plain_integer(text: &[u8]) -> Option<Scalar<'static>> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.len() > if negative { 18 } else { 19 } {
        return None;
    }
    let value = digits
        .iter()
        .fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
    if !negative {
        Some(Scalar::U64(value))
    } else if value == 0 {
        None
    } else {
        Some(Scalar::I64(-(value as i64)))
    }
}
