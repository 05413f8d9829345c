//! A borrowed JSON tree over one input line, for `ingest`'s direct ECS writer: nodes in a reused
//! arena point into the line, and [`Tree::write_clean`] writes a value back as the canonical
//! `serde_json::Value` path would after the pipeline's cleanup (keys sorted, every `null`, `""`,
//! `{}` and `[]` removed at any depth, `serde_json`'s escapes and number forms).
//!
//! The parser is conservative, not complete: anything it is not sure `serde_json` reads to the
//! same value (a duplicate key, an escaped key, a lone surrogate, deep nesting, any syntax error)
//! is a [`Bail`], and the caller takes the `Value` path, which gives the result or the error.

use std::borrow::Cow;

mod parse;
mod sort_orders;
#[cfg(test)]
mod tests;

use sort_orders::SortOrders;

use super::json_text::{unescape, write_number};
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

/// The index of a node.
pub type Id = u32;

impl Tree {
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
