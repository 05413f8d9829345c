//! The fast reading of one JSON document: a validating scanner that picks the wanted fields'
//! leaves out of the text and steps over everything else without building it.
//!
//! It yields exactly what the serde walk (`walk.rs`) yields for a valid document, or says
//! [`Fallback`] when it is not sure, and the caller reruns the serde walk for that document,
//! whose error messages are the ones users see. It falls back on any JSON syntax error,
//! trailing bytes, any byte below 0x20 (raw control characters in strings; whitespace other
//! than spaces between tokens), escapes inside keys of wanted objects, nesting deeper than
//! the depth limit, a top level other than an object, and numbers or escaped strings that
//! serde itself refuses where it reads them (`1e400`, a lone surrogate).
//!
//! Most of a document's bytes are inside strings. Values and the keys of objects nobody
//! walks are crossed with SSE2 ([`scan_blocks`]): 16 bytes a step while a string is plain,
//! 64-byte blocks with simdjson's escape arithmetic once it has escapes or runs long. Keys of
//! walked objects, which also need their dots, are read in one 16-byte step when they close
//! plainly within it, else eight bytes at a time by word compares. (`memchr2` per string was slower: most strings are short, where its per-call
//! setup dominates. simdjson's block masks built eight bytes at a time in safe Rust without
//! SIMD were slower too: 597 M instructions against 337 M word by word over 10,000
//! documents; with SSE2 the masks cost a few instructions per 16 bytes.)

use std::borrow::Cow;

use super::walk::{serde_number, Scalar, MAX_OBJECT_DEPTH};

/// The wanted field paths: a trie of dotted key segments, or every field.
mod paths;
/// Strings, escapes, literals and numbers.
mod tokens;

use paths::ROOT;
pub(super) use paths::{same, Paths, Wanted};
use tokens::plain_integer;
#[cfg(test)]
pub(super) use tokens::string_end_by_words;

/// The scanner cannot vouch for this document: read it with serde.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Fallback;

type Scanned = Result<(), Fallback>;

/// Appends the wanted leaves of one document to `out` in document order, as the serde walk
/// would; on [`Fallback`] `out` holds partial results the caller discards.
pub(super) fn scan<'a>(
    text: &'a str,
    wanted: Wanted<'_>,
    out: &mut Vec<(u32, Scalar<'a>)>,
) -> Scanned {
    let start = text.bytes().take_while(|&b| b == b' ').count();
    let end = scan_object(text, start, wanted, out)?;
    let trailing = &text.as_bytes()[end..];
    if trailing.iter().all(|&b| b == b' ') {
        Ok(())
    } else {
        Err(Fallback)
    }
}

/// [`scan`] of the object that starts at `start` in `text` (a whole batch of lines, say):
/// the offset after its closing brace. What follows is the caller's to check. The scanner
/// never reads past a line end: a newline is a control byte, refused in strings and between
/// tokens alike.
pub(super) fn scan_object<'a>(
    text: &'a str,
    start: usize,
    wanted: Wanted<'_>,
    out: &mut Vec<(u32, Scalar<'a>)>,
) -> Result<usize, Fallback> {
    let mut scanner = Scanner {
        text: text.as_bytes(),
        source: text,
        at: start,
        wanted,
        out,
    };
    if scanner.peek() != Some(b'{') {
        return Err(Fallback);
    }
    scanner.object(Some(ROOT), 1)?;
    Ok(scanner.at)
}

struct Scanner<'a, 'o> {
    /// The document; bytes outside strings are all checked, so a control byte there (even
    /// whitespace other than a space) is refused as unexpected.
    text: &'a [u8],
    source: &'a str,
    at: usize,
    wanted: Wanted<'o>,
    out: &'o mut Vec<(u32, Scalar<'a>)>,
}

impl<'a> Scanner<'a, '_> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    #[inline(always)]
    fn next(&mut self) -> Result<u8, Fallback> {
        let b = self.peek().ok_or(Fallback)?;
        self.at += 1;
        Ok(b)
    }

    #[inline(always)]
    fn expect(&mut self, byte: u8) -> Scanned {
        if self.next()? == byte {
            Ok(())
        } else {
            Err(Fallback)
        }
    }

    /// Spaces between tokens (other whitespace is a control byte: already refused).
    #[inline(always)]
    fn space(&mut self) {
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
    }

    #[inline(always)]
    fn push(&mut self, node: Option<u32>, scalar: Scalar<'a>) {
        if let Some(id) = node.and_then(|n| self.wanted.leaf(n)) {
            self.out.push((id, scalar));
        }
    }

    /// One value at `node` (`None`: not wanted, only validated) inside a container at `depth`.
    fn value(&mut self, node: Option<u32>, depth: usize) -> Scanned {
        match self.peek().ok_or(Fallback)? {
            b'{' => {
                // An object where a leaf field is wanted.
                if let Some(id) = node.and_then(|n| self.wanted.object(n)) {
                    self.out.push((id, Scalar::Object));
                }
                self.object(node, depth + 1)
            }
            b'[' => self.array(node, depth + 1),
            b'"' => {
                let start = self.at;
                self.at += 1;
                let (escaped, _) = self.string::<false>()?;
                if let Some(node) = node {
                    let text = if escaped {
                        // serde decodes (and checks surrogates in) strings it reads.
                        let quoted = &self.text[start..self.at];
                        Cow::Owned(serde_json::from_slice::<String>(quoted).map_err(|_| Fallback)?)
                    } else {
                        // Quotes are ASCII, so both ends are character boundaries.
                        Cow::Borrowed(self.source.get(start + 1..self.at - 1).ok_or(Fallback)?)
                    };
                    self.push(Some(node), Scalar::Str(text));
                }
                Ok(())
            }
            b't' => {
                self.literal(b"true")?;
                self.push(node, Scalar::Bool(true));
                Ok(())
            }
            b'f' => {
                self.literal(b"false")?;
                self.push(node, Scalar::Bool(false));
                Ok(())
            }
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => {
                let start = self.at;
                let integer = self.number()?;
                if node.is_some() {
                    let number = &self.text[start..self.at];
                    let scalar = match integer.then(|| plain_integer(number)).flatten() {
                        Some(n) => n,
                        // Fractions, exponents and long integers exactly as serde reads them
                        // (and refuses them: `1e400` is out of range where a value is read).
                        None => serde_number(number).ok_or(Fallback)?,
                    };
                    self.push(node, scalar);
                }
                Ok(())
            }
            _ => Err(Fallback),
        }
    }

    /// A value inside a container: an unwanted string, the most common value, is stepped over
    /// here rather than through a call.
    #[inline(always)]
    fn member(&mut self, node: Option<u32>, depth: usize) -> Scanned {
        match node {
            None if self.peek() == Some(b'"') => {
                self.at += 1;
                self.string::<false>().map(|_| ())
            }
            _ => self.value(node, depth),
        }
    }

    /// An object at `depth` (the top level is 1), from its `{`.
    fn object(&mut self, node: Option<u32>, depth: usize) -> Scanned {
        if self.open(depth, b'}')? {
            return Ok(());
        }
        loop {
            self.expect(b'"')?;
            let start = self.at;
            let child = match node {
                Some(node) => match self.string::<true>()? {
                    // serde decodes keys of objects it walks: leave escapes there to it.
                    (true, _) => return Err(Fallback),
                    (false, dotted) => {
                        let key = self.text.get(start..self.at - 1).ok_or(Fallback)?;
                        self.wanted.child(node, key, dotted)
                    }
                },
                None => {
                    self.string::<false>()?;
                    None
                }
            };
            self.space();
            self.expect(b':')?;
            self.space();
            self.member(child, depth)?;
            if !self.separator(b'}')? {
                return Ok(());
            }
        }
    }

    /// An array at `depth`, from its `[`; its elements are values of the same path.
    fn array(&mut self, node: Option<u32>, depth: usize) -> Scanned {
        if self.open(depth, b']')? {
            return Ok(());
        }
        loop {
            self.member(node, depth)?;
            if !self.separator(b']')? {
                return Ok(());
            }
        }
    }

    /// Enters a container at `depth` from its opening bracket; whether it is empty (and so
    /// already left).
    #[inline(always)]
    fn open(&mut self, depth: usize, close: u8) -> Result<bool, Fallback> {
        if depth > MAX_OBJECT_DEPTH {
            return Err(Fallback);
        }
        self.at += 1;
        self.space();
        let empty = self.peek() == Some(close);
        if empty {
            self.at += 1;
        }
        Ok(empty)
    }

    /// After a member: a comma (another member follows) or the closing bracket (`false`).
    #[inline(always)]
    fn separator(&mut self, close: u8) -> Result<bool, Fallback> {
        self.space();
        match self.next()? {
            b',' => {
                self.space();
                Ok(true)
            }
            b if b == close => Ok(false),
            _ => Err(Fallback),
        }
    }
}

#[cfg(test)]
mod tests;
