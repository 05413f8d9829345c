//! A borrowed JSON tree over one input line, for `ingest`'s direct ECS writer: nodes in a reused
//! arena point into the line, and [`Tree::write_clean`] writes a value back as the canonical
//! `serde_json::Value` path would after the pipeline's cleanup (keys sorted, every `null`, `""`,
//! `{}` and `[]` removed at any depth, `serde_json`'s escapes and number forms).
//!
//! The parser is conservative, not complete: anything it is not sure `serde_json` reads to the
//! same value (a duplicate key, an escaped key, a lone surrogate, deep nesting, any syntax error)
//! is a [`Bail`], and the caller takes the `Value` path, which gives the result or the error.

use std::borrow::Cow;

use super::json_text::{find_stop, is_short_integer, unescape, write_number};
pub use super::json_text::{write_plain, write_str};

/// Not for this path: the caller maps the line through `serde_json::Value` instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bail;

/// Nesting below `serde_json`'s recursion limit (128), so a bail never hides a difference.
const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    True,
    False,
    /// `start..end`: the number's text.
    Number,
    /// `start..end`: the characters between the quotes, without escapes.
    Plain,
    /// `start..end`: the characters between the quotes, with at least one escape.
    Escaped,
    /// `start..end`: child node indexes in `links`.
    Array,
    /// `start..end`: key and value node indexes in `links`, in pairs.
    Object,
}

#[derive(Debug, Clone, Copy)]
pub struct Node {
    pub kind: Kind,
    /// An [`Kind::Escaped`] string whose escapes are all ones `serde_json` writes the same way
    /// (`\"`, `\\`, `\n`, `\t`, `\r`, `\b`, `\f`): its text is written back as it is.
    same_escapes: bool,
    start: u32,
    end: u32,
}

/// An object member on the member stack, with the first eight bytes of its (renamed) key as
/// a big-endian number: comparing those orders most keys without comparing strings (keys hold
/// no byte below 0x20, so the zero padding sorts a prefix first, as string order does).
#[derive(Clone, Copy)]
struct Member {
    key: Id,
    value: Id,
    prefix: u64,
}

/// Writes `open`, then the items `0..count` that `write` keeps, comma-separated, then `close`.
/// `write` returns false for an item it leaves out, and whatever it wrote for that item is taken
/// back; when no item is kept, nothing is written and the result is false (an empty array or
/// object is dropped, as the pipelines' cleanup drops it).
pub fn write_kept(
    out: &mut Vec<u8>,
    open: u8,
    close: u8,
    count: usize,
    mut write: impl FnMut(usize, &mut Vec<u8>) -> Result<bool, Bail>,
) -> Result<bool, Bail> {
    let start = out.len();
    out.push(open);
    let mut first = true;
    for i in 0..count {
        let before = out.len();
        if !first {
            out.push(b',');
        }
        if write(i, out)? {
            first = false;
        } else {
            out.truncate(before);
        }
    }
    if first {
        out.truncate(start);
        return Ok(false);
    }
    out.push(close);
    Ok(true)
}

fn key_prefix(key: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = key.len().min(8);
    bytes[..n].copy_from_slice(&key.as_bytes()[..n]);
    u64::from_be_bytes(bytes)
}

/// The arena: reused line after line so that parsing allocates nothing once warm.
#[derive(Default)]
pub struct Tree {
    nodes: Vec<Node>,
    links: Vec<u32>,
    /// Children of the containers being parsed (moved to `links` when each closes).
    pending: Vec<u32>,
    /// Object members being written (sorted in place, per object).
    members: Vec<Member>,
    /// A decoded string.
    scratch: String,
    /// Sort orders of the object shapes seen last.
    orders: SortOrders,
}

/// Objects of at most this many members have their sort order remembered.
const MAX_REMEMBERED: usize = 32;

/// Remembered slots (direct-mapped by the shape's hash).
const ORDER_SLOTS: usize = 64;

/// The sort orders of recent object shapes: per slot, the hash of a run's renamed key
/// prefixes and lengths, and where each member of the run in its first order goes.
#[derive(Default)]
struct SortOrders {
    slots: Vec<RememberedOrder>,
    /// A run in its first order, while [`SortOrders::apply`] reorders it.
    first: Vec<Member>,
}

#[derive(Clone, Copy)]
struct RememberedOrder {
    shape: u64,
    len: u8,
    /// `from[i]`: the index in the first order of the member sorted to place `i`.
    from: [u8; MAX_REMEMBERED],
}

impl SortOrders {
    fn mix(hash: u64, value: u64) -> u64 {
        (hash.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
    }

    fn slot(shape: u64) -> usize {
        (shape >> 58) as usize % ORDER_SLOTS
    }

    /// The key ids of a run that may be remembered, in their first order.
    fn keys_of(run: &[Member]) -> Option<[u32; MAX_REMEMBERED]> {
        let mut keys = [0; MAX_REMEMBERED];
        for (key, member) in keys.iter_mut().zip(run) {
            *key = member.key;
        }
        (run.len() <= MAX_REMEMBERED).then_some(keys)
    }

    /// Puts `run` in the order remembered for `shape`; false (and `run` untouched) when there
    /// is none. The order is only a guess: the caller checks it.
    fn apply(&mut self, shape: u64, run: &mut [Member]) -> bool {
        let Some(order) = self.slots.get(Self::slot(shape)) else {
            return false;
        };
        if order.shape != shape || usize::from(order.len) != run.len() {
            return false;
        }
        self.first.clear();
        self.first.extend_from_slice(run);
        for (member, &from) in run.iter_mut().zip(&order.from) {
            *member = self.first[usize::from(from)];
        }
        true
    }

    /// Remembers the order of the sorted `run`, whose keys were `first_keys` before the sort.
    fn remember(&mut self, shape: u64, first_keys: Option<[u32; MAX_REMEMBERED]>, run: &[Member]) {
        let Some(first_keys) = first_keys else {
            return;
        };
        let first_keys = &first_keys[..run.len()];
        let mut from = [0u8; MAX_REMEMBERED];
        for (place, member) in run.iter().enumerate() {
            // Keys are distinct nodes (the run has no duplicate), so the position is unique.
            let Some(at) = first_keys.iter().position(|&k| k == member.key) else {
                return;
            };
            from[place] = at as u8;
        }
        if self.slots.is_empty() {
            self.slots = vec![
                RememberedOrder {
                    shape: 0,
                    len: u8::MAX,
                    from: [0; MAX_REMEMBERED],
                };
                ORDER_SLOTS
            ];
        }
        self.slots[Self::slot(shape)] = RememberedOrder {
            shape,
            len: run.len() as u8,
            from,
        };
    }
}

/// The index of a node.
pub type Id = u32;

impl Tree {
    /// Parses `text` (one JSON value, whitespace around it); the root is the returned node.
    pub fn parse(&mut self, text: &str) -> Result<Id, Bail> {
        self.nodes.clear();
        self.links.clear();
        self.pending.clear();
        if text.len() >= u32::MAX as usize {
            return Err(Bail);
        }
        let mut parser = Parser {
            bytes: text.as_bytes(),
            at: 0,
            tree: self,
        };
        parser.skip_space();
        let root = parser.value(0)?;
        parser.skip_space();
        if parser.at != parser.bytes.len() {
            return Err(Bail);
        }
        Ok(root)
    }

    pub fn node(&self, id: Id) -> Node {
        self.nodes[id as usize]
    }

    /// The `(key, value)` pairs of an object (empty for any other node).
    pub fn members(&self, id: Id) -> impl Iterator<Item = (Id, Id)> + '_ {
        let node = self.node(id);
        let links: &[u32] = match node.kind {
            Kind::Object => &self.links[node.start as usize..node.end as usize],
            _ => &[],
        };
        links.chunks_exact(2).map(|pair| (pair[0], pair[1]))
    }

    /// The items of an array (empty for any other node).
    pub fn items(&self, id: Id) -> &[u32] {
        let node = self.node(id);
        match node.kind {
            Kind::Array => &self.links[node.start as usize..node.end as usize],
            _ => &[],
        }
    }

    /// A key's text (keys are never escaped: the parser bails on those).
    pub fn key<'t>(&self, text: &'t str, id: Id) -> &'t str {
        self.text(text, id)
    }

    /// The member `name` of an object (the last one; keys repeat only in bailed lines).
    /// Searched from the end, so the search stops at that member instead of reading on.
    pub fn get(&self, text: &str, id: Id, name: &str) -> Option<Id> {
        let node = self.node(id);
        if node.kind != Kind::Object {
            return None;
        }
        self.links[node.start as usize..node.end as usize]
            .chunks_exact(2)
            .rev()
            .find(|pair| self.key(text, pair[0]) == name)
            .map(|pair| pair[1])
    }

    /// A string node's value, unescaped; `None` for other nodes.
    pub fn str<'t>(&self, text: &'t str, id: Id) -> Option<Cow<'t, str>> {
        let node = self.node(id);
        match node.kind {
            Kind::Plain => Some(Cow::Borrowed(self.text(text, id))),
            Kind::Escaped => {
                let raw = self.text(text, id);
                let mut out = String::with_capacity(raw.len());
                unescape(raw, &mut out).ok()?;
                Some(Cow::Owned(out))
            }
            _ => None,
        }
    }

    /// The text of a string (between its quotes) or a number; empty for any other node (whose
    /// range is one of `links`, not of the text).
    fn text<'t>(&self, text: &'t str, id: Id) -> &'t str {
        let node = self.node(id);
        match node.kind {
            Kind::Plain | Kind::Escaped | Kind::Number => {
                &text[node.start as usize..node.end as usize]
            }
            _ => "",
        }
    }

    /// Writes a value as `serde_json` writes the `Value` it parses to, after the pipeline's
    /// cleanup; `Ok(false)` (and nothing written) when the cleanup removes it.
    pub fn write_clean(&mut self, text: &str, id: Id, out: &mut Vec<u8>) -> Result<bool, Bail> {
        self.write_clean_except(text, id, &[], out)
    }

    /// As [`Tree::write_clean`], leaving out the member at the path `skip` of an object
    /// (`["metadata"]`: its member `metadata`; `["status", "code"]`: the member `code` of
    /// its member `status` when that is an object; `[]`: nothing).
    pub fn write_clean_except(
        &mut self,
        text: &str,
        id: Id,
        skip: &[&str],
        out: &mut Vec<u8>,
    ) -> Result<bool, Bail> {
        let node = self.node(id);
        let raw = self.text(text, id);
        match node.kind {
            Kind::Null => return Ok(false),
            Kind::True => out.extend_from_slice(b"true"),
            Kind::False => out.extend_from_slice(b"false"),
            Kind::Number => write_number(raw, out)?,
            Kind::Plain if raw.is_empty() => return Ok(false),
            Kind::Plain => write_plain(raw, out),
            // Never empty: an escape stands for a character.
            Kind::Escaped if node.same_escapes => write_plain(raw, out),
            Kind::Escaped => {
                let mut scratch = std::mem::take(&mut self.scratch);
                scratch.clear();
                unescape(raw, &mut scratch)?;
                if !scratch.is_empty() {
                    write_str(&scratch, out);
                }
                let empty = scratch.is_empty();
                self.scratch = scratch;
                return Ok(!empty);
            }
            Kind::Array => return self.write_array(text, id, out),
            Kind::Object => {
                let mark = self.stack_members(id);
                let written = self.write_members(text, mark, skip, Cow::Borrowed, out);
                self.release_members(mark);
                return written;
            }
        }
        Ok(true)
    }

    fn write_array(&mut self, text: &str, id: Id, out: &mut Vec<u8>) -> Result<bool, Bail> {
        let node = self.node(id);
        let (start, count) = (node.start as usize, (node.end - node.start) as usize);
        write_kept(out, b'[', b']', count, |i, out| {
            let item = self.links[start + i];
            self.write_clean(text, item, out)
        })
    }

    /// Writes the object whose members are `self.members[mark..]`, keys renamed by `rename`
    /// (the annotations' de-dotting), sorted as a `BTreeMap<String, _>` sorts them.
    pub fn write_members<'t>(
        &mut self,
        text: &'t str,
        mark: usize,
        skip: &[&str],
        rename: impl Fn(&'t str) -> Cow<'t, str>,
        out: &mut Vec<u8>,
    ) -> Result<bool, Bail> {
        let (skip_name, skip_inside) = match skip.split_first() {
            Some((name, inside)) => (Some(*name), inside),
            None => (None, skip),
        };
        let end = self.sort_members(text, mark, &rename)?;
        // By index: writing a value stacks its own members above ours, and releases them.
        write_kept(out, b'{', b'}', end - mark, |i, out| {
            let Member {
                key: k, value: v, ..
            } = self.members[mark + i];
            let name = rename(self.key(text, k));
            let inside: &[&str] = match skip_name == Some(&*name) {
                true if skip_inside.is_empty() => return Ok(false),
                true => skip_inside,
                false => &[],
            };
            write_plain(&name, out);
            out.push(b':');
            self.write_clean_except(text, v, inside, out)
        })
    }

    /// Sorts `self.members[mark..]` by their keys renamed by `rename`, as a
    /// `BTreeMap<String, _>` orders them; two equal keys are a [`Bail`] (`serde_json` keeps the
    /// last, which this path does not model). Returns the end of the run.
    ///
    /// Objects of one shape (the same keys in the same order) recur line after line, so the
    /// order a sort found is remembered ([`SortOrders`]) and tried first on the next object
    /// whose keys look the same; it is kept only when the keys it gives are strictly rising,
    /// which proves it is the sorted order with no two keys equal, whatever the cache held.
    pub fn sort_members<'t>(
        &mut self,
        text: &'t str,
        mark: usize,
        rename: impl Fn(&'t str) -> Cow<'t, str>,
    ) -> Result<usize, Bail> {
        let mut sorted = std::mem::take(&mut self.members);
        let mut orders = std::mem::take(&mut self.orders);
        let key = |id: u32| rename(self.text(text, id));
        let end = sorted.len();
        let run = &mut sorted[mark..];
        let mut shape = run.len() as u64;
        for member in run.iter_mut() {
            let name = key(member.key);
            member.prefix = key_prefix(&name);
            shape = SortOrders::mix(shape, member.prefix.wrapping_add(name.len() as u64));
        }
        let order_of = |a: &Member, b: &Member| {
            a.prefix
                .cmp(&b.prefix)
                .then_with(|| key(a.key).cmp(&key(b.key)))
        };
        let rising = |run: &[Member]| {
            run.windows(2)
                .all(|pair| order_of(&pair[0], &pair[1]) == std::cmp::Ordering::Less)
        };
        // Prefixes strictly rising: already sorted and no two keys equal (the usual case for
        // small objects), so neither the sort nor the duplicate check is needed.
        if run.windows(2).all(|pair| pair[0].prefix < pair[1].prefix) {
            (self.members, self.orders) = (sorted, orders);
            return Ok(end);
        }
        let first_keys = SortOrders::keys_of(run);
        if orders.apply(shape, run) && rising(run) {
            (self.members, self.orders) = (sorted, orders);
            return Ok(end);
        }
        run.sort_unstable_by(order_of);
        let duplicate = run
            .windows(2)
            .any(|pair| pair[0].prefix == pair[1].prefix && key(pair[0].key) == key(pair[1].key));
        if !duplicate {
            orders.remember(shape, first_keys, run);
        }
        (self.members, self.orders) = (sorted, orders);
        if duplicate {
            return Err(Bail);
        }
        Ok(end)
    }

    /// The member at `at` of the member stack.
    pub fn member(&self, at: usize) -> (Id, Id) {
        (self.members[at].key, self.members[at].value)
    }

    /// Puts the members of object `id` on the member stack; returns the mark to pass to
    /// [`Tree::write_members`] and [`Tree::release_members`].
    pub fn stack_members(&mut self, id: Id) -> usize {
        let mark = self.members.len();
        let node = self.node(id);
        if node.kind == Kind::Object {
            for at in (node.start..node.end).step_by(2) {
                self.members.push(Member {
                    key: self.links[at as usize],
                    value: self.links[at as usize + 1],
                    prefix: 0,
                });
            }
        }
        mark
    }

    /// Puts one member on the member stack (after a [`Tree::stack_members`] or at a mark of
    /// [`Tree::member_mark`]): members of several objects written as one.
    pub fn push_member(&mut self, key: Id, value: Id) {
        self.members.push(Member {
            key,
            value,
            prefix: 0,
        });
    }

    /// The mark of an empty run on the member stack, for [`Tree::push_member`].
    pub fn member_mark(&self) -> usize {
        self.members.len()
    }

    pub fn release_members(&mut self, mark: usize) {
        self.members.truncate(mark);
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
    tree: &'a mut Tree,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn push(&mut self, kind: Kind, start: usize, end: usize) -> Id {
        self.push_node(Node {
            kind,
            same_escapes: false,
            start: start as u32,
            end: end as u32,
        })
    }

    fn push_node(&mut self, node: Node) -> Id {
        self.tree.nodes.push(node);
        (self.tree.nodes.len() - 1) as u32
    }

    fn value(&mut self, depth: usize) -> Result<Id, Bail> {
        match self.bytes.get(self.at) {
            Some(b'{') => self.container(depth, true),
            Some(b'[') => self.container(depth, false),
            Some(b'"') => self.string(),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal(b"true", Kind::True),
            Some(b'f') => self.literal(b"false", Kind::False),
            Some(b'n') => self.literal(b"null", Kind::Null),
            _ => Err(Bail),
        }
    }

    fn literal(&mut self, word: &[u8], kind: Kind) -> Result<Id, Bail> {
        if !self.bytes[self.at..].starts_with(word) {
            return Err(Bail);
        }
        self.at += word.len();
        Ok(self.push(kind, self.at, self.at))
    }

    fn container(&mut self, depth: usize, object: bool) -> Result<Id, Bail> {
        if depth >= MAX_DEPTH {
            return Err(Bail);
        }
        let close = if object { b'}' } else { b']' };
        self.at += 1;
        let mark = self.tree.pending.len();
        self.skip_space();
        if self.bytes.get(self.at) == Some(&close) {
            self.at += 1;
        } else {
            loop {
                self.skip_space();
                if object {
                    if self.bytes.get(self.at) != Some(&b'"') {
                        return Err(Bail);
                    }
                    let key = self.key()?;
                    self.tree.pending.push(key);
                    self.skip_space();
                    if self.bytes.get(self.at) != Some(&b':') {
                        return Err(Bail);
                    }
                    self.at += 1;
                    self.skip_space();
                }
                // Strings, the usual value, without the dispatch.
                let value = match self.bytes.get(self.at) {
                    Some(b'"') => self.string()?,
                    _ => self.value(depth + 1)?,
                };
                self.tree.pending.push(value);
                self.skip_space();
                match self.bytes.get(self.at) {
                    Some(b',') => self.at += 1,
                    Some(&b) if b == close => {
                        self.at += 1;
                        break;
                    }
                    _ => return Err(Bail),
                }
            }
        }
        let start = self.tree.links.len();
        let children = self.tree.pending.drain(mark..);
        self.tree.links.extend(children);
        let end = self.tree.links.len();
        let kind = if object { Kind::Object } else { Kind::Array };
        Ok(self.push(kind, start, end))
    }

    /// A key: a string without escapes (an escaped key is left to the `Value` path).
    fn key(&mut self) -> Result<Id, Bail> {
        self.at += 1;
        let start = self.at;
        let offset = find_stop(&self.bytes[start..]).ok_or(Bail)?;
        self.at += offset;
        if self.bytes[self.at] != b'"' {
            return Err(Bail);
        }
        self.at += 1;
        Ok(self.push(Kind::Plain, start, start + offset))
    }

    fn string(&mut self) -> Result<Id, Bail> {
        self.at += 1;
        let start = self.at;
        let (mut escaped, mut same_escapes) = (false, true);
        loop {
            let rest = &self.bytes[self.at..];
            let Some(offset) = find_stop(rest) else {
                return Err(Bail);
            };
            self.at += offset;
            match self.bytes[self.at] {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    same_escapes &= matches!(
                        self.bytes.get(self.at + 1),
                        Some(b'"' | b'\\' | b'n' | b't' | b'r' | b'b' | b'f')
                    );
                    self.at += 2;
                    if self.at > self.bytes.len() {
                        return Err(Bail);
                    }
                }
                _ => return Err(Bail),
            }
        }
        let end = self.at;
        self.at += 1;
        let kind = if escaped { Kind::Escaped } else { Kind::Plain };
        if escaped && !same_escapes {
            // Checked now, so that a bad escape anywhere bails the whole line.
            let text = std::str::from_utf8(&self.bytes[start..end]).map_err(|_| Bail)?;
            unescape(text, &mut self.tree.scratch)?;
            self.tree.scratch.clear();
        }
        Ok(self.push_node(Node {
            kind,
            same_escapes: escaped && same_escapes,
            start: start as u32,
            end: end as u32,
        }))
    }

    /// JSON's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Result<Id, Bail> {
        let start = self.at;
        let bytes = self.bytes;
        let digits = |at: &mut usize| {
            let from = *at;
            while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
                *at += 1;
            }
            *at - from
        };
        let mut at = self.at;
        if bytes[at] == b'-' {
            at += 1;
        }
        let leading_zero = bytes.get(at) == Some(&b'0');
        let whole = digits(&mut at);
        if whole == 0 || (leading_zero && whole > 1) {
            return Err(Bail);
        }
        if bytes.get(at) == Some(&b'.') {
            at += 1;
            if digits(&mut at) == 0 {
                return Err(Bail);
            }
        }
        if let Some(b'e' | b'E') = bytes.get(at) {
            at += 1;
            if let Some(b'+' | b'-') = bytes.get(at) {
                at += 1;
            }
            if digits(&mut at) == 0 {
                return Err(Bail);
            }
        }
        self.at = at;
        let text = std::str::from_utf8(&bytes[start..at]).map_err(|_| Bail)?;
        if !is_short_integer(text) {
            // What `serde_json` refuses (`1e309`: out of range) is refused here too.
            serde_json::from_str::<serde_json::Number>(text).map_err(|_| Bail)?;
        }
        Ok(self.push(Kind::Number, start, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut all: String = (0u32..0x100).filter_map(char::from_u32).collect();
        all.push_str("\u{2028}😀é\"\\/");
        for s in [all.as_str(), "", "plain", "\u{0}", "a\"b"] {
            let mut out = Vec::new();
            write_str(s, &mut out);
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn the_word_scan_finds_the_first_stop_byte_as_a_byte_loop_does() {
        let naive = |b: &[u8]| b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
        // Every stop (and near-stop) at every place of every length up to three words, over
        // fillers that sit just above and below the bit tricks' thresholds.
        for filler in [b'a', 0x21, 0x23, 0x5d, 0x7f, 0x80, 0xa0, 0xff] {
            for len in 0..24 {
                let mut bytes = vec![filler; len];
                assert_eq!(
                    super::super::json_text::find_stop(&bytes),
                    None,
                    "{bytes:?}"
                );
                for at in 0..len {
                    for stop in [b'"', b'\\', 0, 0x1f, 0x01, 0x20, b'#', b']'] {
                        bytes[at] = stop;
                        for second in at + 1..len {
                            let keep = bytes[second];
                            bytes[second] = 0;
                            let found = super::super::json_text::find_stop(&bytes);
                            assert_eq!(found, naive(&bytes), "{bytes:?}");
                            bytes[second] = keep;
                        }
                        assert_eq!(
                            super::super::json_text::find_stop(&bytes),
                            naive(&bytes),
                            "{bytes:?}"
                        );
                        bytes[at] = filler;
                    }
                }
            }
        }
    }

    #[test]
    fn values_are_written_as_serde_json_writes_the_value_it_reads() {
        let mut tree = Tree::default();
        for text in [
            r#"{"b":1,"a":[null,"",{},[],{"x":""}],"c":"\u00e9\ud83d\ude00\/\n","d":-0}"#,
            "[1e3,1.5,-0.0,18446744073709551615,18446744073709551616,-9223372036854775809,2.5e-324]",
            r#"{"z":{"y":{"x":[0.1,true,false]}},"a":"<>&"}"#,
        ] {
            let root = tree.parse(text).unwrap();
            let mut out = Vec::new();
            tree.write_clean(text, root, &mut out).unwrap();
            let mut value: serde_json::Value = serde_json::from_str(text).unwrap();
            crate::audit::ecs::remove_empty_value(&mut value);
            assert_eq!(String::from_utf8(out).unwrap(), value.to_string(), "{text}");
        }
    }

    /// `text` written by `tree` as `serde_json` writes its value after the cleanup.
    fn written_as_serde_json(tree: &mut Tree, text: &str) {
        let root = tree.parse(text).unwrap();
        let mut out = Vec::new();
        tree.write_clean(text, root, &mut out).unwrap();
        let mut value: serde_json::Value = serde_json::from_str(text).unwrap();
        crate::audit::ecs::remove_empty_value(&mut value);
        assert_eq!(String::from_utf8(out).unwrap(), value.to_string(), "{text}");
    }

    #[test]
    fn one_tree_writes_object_after_object_of_recurring_shapes_in_sorted_order() {
        let wide: Vec<String> = (0..40).rev().map(|i| format!("\"k{i:02}\":{i}")).collect();
        let wide = format!("{{{}}}", wide.join(","));
        let shapes = [
            r#"{"b":1,"a":2,"c":{"z":1,"y":2}}"#,
            r#"{"b":3,"a":4,"c":{"z":5,"y":6}}"#,
            r#"{"a":1,"b":2,"c":{"y":1,"z":2}}"#,
            r#"{"responseStatus":1,"responseObject":{"b":1,"a":1},"requestURI":2}"#,
            r#"{"responseObject":{"a":1,"b":1},"responseStatus":1,"requestURI":2}"#,
            r#"{"responseStatus":1,"responseObject":{"b":1,"a":1},"requestURI":2}"#,
            r#"{"abcdefghZ":1,"abcdefghA":2,"abcdefgh":3}"#,
            r#"{"abcdefghA":1,"abcdefghZ":2,"abcdefgh":3}"#,
            r#"{"b":"x\"y\n\t\r\b\f\\z","a":"\/\u00e9\n"}"#,
            wide.as_str(),
            wide.as_str(),
        ];
        let mut tree = Tree::default();
        for _ in 0..3 {
            for text in shapes {
                written_as_serde_json(&mut tree, text);
            }
        }
    }

    #[test]
    fn a_remembered_order_is_used_only_when_the_keys_it_gives_rise() {
        let mut tree = Tree::default();
        let text = r#"{"c":1,"b":2,"a":3}"#;
        written_as_serde_json(&mut tree, text);
        assert!(
            tree.orders.slots.iter().any(|slot| slot.len == 3),
            "the order was remembered"
        );
        // Every remembered order wrong (as a hash collision of two shapes would make it):
        // the sort must notice and sort again.
        for slot in &mut tree.orders.slots {
            slot.from = std::array::from_fn(|i| i as u8);
        }
        written_as_serde_json(&mut tree, text);
        written_as_serde_json(&mut tree, r#"{"c":{"b":1,"a":2},"b":2,"a":3}"#);
    }

    #[test]
    fn escapes_serde_json_writes_alike_are_written_as_they_are_read() {
        let mut tree = Tree::default();
        let text = r#"{"a":"q\"b\\n\nt\tr\rb\bf\f","b":"\/","c":"\u0041","d":"\u001f\n"}"#;
        let root = tree.parse(text).unwrap();
        let same = |name| {
            let id = tree.get(text, root, name).unwrap();
            tree.node(id).same_escapes
        };
        assert!(same("a"));
        assert!(!same("b") && !same("c") && !same("d"));
        written_as_serde_json(&mut tree, text);
    }

    #[test]
    fn get_finds_the_last_member_of_a_name() {
        let mut tree = Tree::default();
        let text = r#"{"a":1,"b":{"a":5},"a":2,"c":3}"#;
        let root = tree.parse(text).unwrap();
        let value = |id: Option<Id>| id.map(|id| tree.text(text, id).to_string());
        assert_eq!(value(tree.get(text, root, "a")), Some("2".into()));
        assert_eq!(value(tree.get(text, root, "c")), Some("3".into()));
        assert_eq!(tree.get(text, root, "z"), None);
        let inner = tree.get(text, root, "b").unwrap();
        assert_eq!(value(tree.get(text, inner, "a")), Some("5".into()));
        // Not an object: no members.
        assert_eq!(
            tree.get(text, tree.get(text, root, "c").unwrap(), "a"),
            None
        );
    }

    #[test]
    fn what_serde_json_refuses_or_reads_otherwise_is_a_bail() {
        let mut tree = Tree::default();
        for text in [
            r#"{"a":1,"a":2}"#,
            r#"{"\u0061":1}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\udc00\ud800"}"#,
            r#"{"a":1e309}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":"tab	inside"}"#,
            r#"{"a":tru}"#,
            r#"{"a":1}{"b":2}"#,
            r#"{"a":1"#,
            r#"{"a":"\x"}"#,
        ] {
            let parsed = tree.parse(text).and_then(|root| {
                let mut out = Vec::new();
                tree.write_clean(text, root, &mut out)
            });
            assert_eq!(parsed, Err(Bail), "{text}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(tree.parse(&deep), Err(Bail));
    }
}
