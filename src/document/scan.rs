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

use super::scan_blocks;
use super::walk::{serde_number, Fields, Scalar, MAX_OBJECT_DEPTH};

/// The scanner cannot vouch for this document: read it with serde.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Fallback;

type Scanned = Result<(), Fallback>;

/// The wanted field paths as a trie over dotted key segments, so that `{"a.b":1}`,
/// `{"a":{"b":1}}` and mixtures reach the same node `a.b`, as the serde walk's joined path
/// does. Every node is a wanted name or a dotted prefix of one (what the walk descends into).
#[derive(Debug)]
pub(super) struct Paths {
    nodes: Vec<Node>,
}

#[derive(Debug, Default)]
struct Node {
    /// Field id when this path is a wanted name.
    id: Option<u32>,
    /// (key segment, node); a handful per node, so a scan beats hashing.
    children: Vec<(Box<[u8]>, u32)>,
}

const ROOT: u32 = 0;

impl Paths {
    /// The trie over `(id, name)`; `None` when a name has an empty segment (`""`, `.a`, `a.`,
    /// `a..b`): how empty keys join into paths is left to the serde walk. Without such names,
    /// a key with an empty segment simply leads nowhere, as in the walk.
    pub(super) fn new<'n>(names: impl IntoIterator<Item = (u32, &'n str)>) -> Option<Paths> {
        let mut paths = Paths {
            nodes: vec![Node::default()],
        };
        for (id, name) in names {
            let mut at = ROOT;
            for segment in name.split('.') {
                if segment.is_empty() {
                    return None;
                }
                at = match paths.step(at, segment.as_bytes()) {
                    Some(next) => next,
                    None => {
                        let next = paths.nodes.len() as u32;
                        paths.nodes.push(Node::default());
                        paths.nodes[at as usize]
                            .children
                            .push((segment.as_bytes().into(), next));
                        next
                    }
                };
            }
            // Names repeat only with the id they first had.
            paths.nodes[at as usize].id.get_or_insert(id);
        }
        Some(paths)
    }

    #[inline(always)]
    fn step(&self, node: u32, segment: &[u8]) -> Option<u32> {
        let children = &self.nodes[node as usize].children;
        // The first byte tells most keys of the same length apart without a compare call.
        let first = segment.first();
        children
            .iter()
            .find(|(s, _)| s.len() == segment.len() && s.first() == first && same(s, segment))
            .map(|(_, n)| *n)
    }

    /// The node of `node`'s path joined with `key`, which may itself hold dots (`dotted`).
    fn child(&self, node: u32, key: &[u8], dotted: bool) -> Option<u32> {
        if !dotted {
            return self.step(node, key);
        }
        let (mut at, mut rest) = (node, key);
        while let Some(dot) = rest.iter().position(|&b| b == b'.') {
            at = self.step(at, &rest[..dot])?;
            rest = &rest[dot + 1..];
        }
        self.step(at, rest)
    }

    fn id(&self, node: u32) -> Option<u32> {
        self.nodes[node as usize].id
    }
}

/// Whether `a` and `b`, of the same length, hold the same bytes: up to 16 bytes (most keys
/// and values) by two overlapping word compares, inline, rather than a `memcmp` call.
#[inline(always)]
pub(super) fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    debug_assert_eq!(n, b.len());
    fn word(t: &[u8], at: usize) -> Option<u64> {
        Some(u64::from_le_bytes(*t.get(at..)?.first_chunk::<8>()?))
    }
    fn half(t: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_le_bytes(*t.get(at..)?.first_chunk::<4>()?))
    }
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..8 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

/// What the scanner collects. A node is a trie node, or for every field the length of the
/// path so far (0, the root, in both).
pub(super) enum Wanted<'w> {
    Paths(&'w Paths),
    /// Every leaf, with ids made as the serde walk makes them (in document order, so a
    /// partial scan before a fall back only makes ids the walk then finds).
    All {
        fields: &'w mut Fields,
        path: &'w mut String,
    },
}

impl Wanted<'_> {
    /// The node of `node`'s path joined with `key` (`dotted` if it holds a `.`).
    #[inline(always)]
    fn child(&mut self, node: u32, key: &str, dotted: bool) -> Option<u32> {
        match self {
            Wanted::Paths(paths) => paths.child(node, key.as_bytes(), dotted),
            Wanted::All { path, .. } => {
                path.truncate(node as usize);
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                u32::try_from(path.len()).ok()
            }
        }
    }

    /// The field id of a leaf at `node`.
    #[inline(always)]
    fn leaf(&mut self, node: u32) -> Option<u32> {
        match self {
            Wanted::Paths(paths) => paths.id(node),
            Wanted::All { fields, path } => {
                path.truncate(node as usize);
                fields.id(path)
            }
        }
    }

    /// The field id to report an object at `node` under (the walk does not for every field).
    #[inline(always)]
    fn object(&self, node: u32) -> Option<u32> {
        match self {
            Wanted::Paths(paths) => paths.id(node),
            Wanted::All { .. } => None,
        }
    }
}

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
                        let key = self.source.get(start..self.at - 1).ok_or(Fallback)?;
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

    /// The rest of a string after its opening quote, through the closing one; whether it had
    /// escapes. Escapes are checked as serde checks strings it skips (`\uXXXX` needs four hex
    /// digits; surrogates pair up only where the string is decoded).
    /// With `DOTS`, also whether it has a `.` (keys of walked objects, for the trie).
    #[inline(always)]
    fn string<const DOTS: bool>(&mut self) -> Result<(bool, bool), Fallback> {
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

    fn literal(&mut self, word: &[u8]) -> Scanned {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(())
        } else {
            Err(Fallback)
        }
    }

    /// A number by JSON's grammar, `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; whether
    /// it is an integer (no fraction or exponent).
    fn number(&mut self) -> Result<bool, Fallback> {
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
pub(super) fn string_end_by_words(text: &[u8], at: usize) -> Option<(usize, bool)> {
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
fn plain_integer(text: &[u8]) -> Option<Scalar<'static>> {
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

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
