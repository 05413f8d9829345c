//! The parser: one line's JSON into the tree's arena, bailing on whatever it is not sure
//! `serde_json` reads alike.

use super::super::json_text::{find_stop, is_short_integer, unescape};
use super::{Bail, Id, Kind, Node, Tree, MAX_DEPTH};

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
