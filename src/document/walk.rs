//! The reference reading of one JSON document: a serde walk that collects the wanted fields'
//! leaves, and whose errors are the ones users see (the fast scanner falls back to it).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A JSON leaf value; strings borrow the document text unless they had escapes.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Scalar<'a> {
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(Cow<'a, str>),
    /// An object found where the mapping expects a leaf.
    Object,
}

/// A word-at-a-time multiply-rotate hash (FxHash's step, with a final fold so the low bits
/// that pick a bucket see every byte) for the path look-ups and the string interner: short
/// keys, no adversary (paths are ours, interned strings are bounded). FNV-1a or SipHash take
/// a serial step per byte; this takes one per eight.
#[derive(Clone, Copy, Default)]
pub(super) struct WordHash(u64);

const WORD_HASH_K: u64 = 0xf135_7aea_2e62_a9c5;

impl WordHash {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(WORD_HASH_K);
    }
}

impl std::hash::Hasher for WordHash {
    fn finish(&self) -> u64 {
        (self.0 ^ (self.0 >> 32)).wrapping_mul(WORD_HASH_K)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(word.try_into().unwrap_or([0; 8])));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }
}

pub(super) type WordHashBuild = std::hash::BuildHasherDefault<WordHash>;

/// Field ids for the paths being collected.
pub(super) struct Fields {
    pub(super) all: bool,
    ids: HashMap<String, u32, WordHashBuild>,
    /// Field name per id.
    pub(super) names: Vec<String>,
    /// Paths worth descending into: wanted names and their dotted prefixes (`a`, `a.b`,
    /// `a.b.c` for `a.b.c`). One set, so most keys of a document (the unwanted ones) cost a
    /// single look-up.
    descend: HashSet<String, WordHashBuild>,
}

impl Fields {
    /// Ids in the order of `names` (repeats keep their first id); `all` adds every path found.
    pub(super) fn new(names: impl IntoIterator<Item = String>, all: bool) -> Fields {
        let mut fields = Fields {
            all,
            ids: HashMap::default(),
            names: Vec::new(),
            descend: HashSet::default(),
        };
        for name in names {
            if fields.ids.contains_key(&name) {
                continue;
            }
            let mut at = 0;
            while let Some(dot) = name[at..].find('.') {
                fields.descend.insert(name[..at + dot].to_string());
                at += dot + 1;
            }
            fields.descend.insert(name.clone());
            let id = fields.names.len() as u32;
            fields.ids.insert(name.clone(), id);
            fields.names.push(name);
        }
        fields
    }

    pub(super) fn get(&self, path: &str) -> Option<u32> {
        self.ids.get(path).copied()
    }

    /// The id of `path`, made when every field is wanted.
    pub(super) fn id(&mut self, path: &str) -> Option<u32> {
        if let Some(&id) = self.ids.get(path) {
            return Some(id);
        }
        if self.all {
            let id = self.names.len() as u32;
            self.names.push(path.to_string());
            self.ids.insert(path.to_string(), id);
            return Some(id);
        }
        None
    }

    fn descend(&self, path: &str) -> bool {
        self.all || self.descend.contains(path)
    }
}

/// Reads one document with serde: its wanted leaves in document order into `out`, or the
/// error message (depth limit, JSON syntax, not an object) without the line.
pub(super) fn walk<'a>(
    text: &'a [u8],
    fields: &mut Fields,
    path: &mut String,
    out: &mut Vec<(u32, Scalar<'a>)>,
) -> Result<(), String> {
    let depth = nesting_depth(text);
    if depth > MAX_OBJECT_DEPTH {
        return Err(format!(
            "the document nests {depth} levels deep; Elasticsearch refuses more than {MAX_OBJECT_DEPTH} (index.mapping.depth.limit)"
        ));
    }
    path.clear();
    let mut de = serde_json::Deserializer::from_slice(text);
    let walk = Walk { fields, path, out };
    walk.deserialize(&mut de).map_err(json_error)?;
    de.end().map_err(json_error)?;
    if !text.trim_ascii_start().starts_with(b"{") {
        return Err("a document must be a JSON object".into());
    }
    Ok(())
}

struct Walk<'w, 'de> {
    fields: &'w mut Fields,
    path: &'w mut String,
    out: &'w mut Vec<(u32, Scalar<'de>)>,
}

impl<'de> Walk<'_, 'de> {
    fn leaf(self, s: Scalar<'de>) {
        if let Some(id) = self.fields.id(self.path) {
            self.out.push((id, s));
        }
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_, 'de> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

struct Key<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for Key<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        if !self.0.is_empty() {
            self.0.push('.');
        }
        self.0.push_str(v);
        Ok(())
    }
}

impl<'de> Visitor<'de> for Walk<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.leaf(Scalar::Bool(v));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.leaf(Scalar::I64(v));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.leaf(Scalar::U64(v));
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.leaf(Scalar::F64(v));
        Ok(())
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        self.leaf(Scalar::Str(Cow::Borrowed(v)));
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.leaf(Scalar::Str(Cow::Owned(v.to_string())));
        Ok(())
    }
    fn visit_string<E>(self, v: String) -> Result<(), E> {
        self.leaf(Scalar::Str(Cow::Owned(v)));
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(Walk {
                fields: self.fields,
                path: self.path,
                out: self.out,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if !self.path.is_empty() && !self.fields.all {
            if let Some(&id) = self.fields.ids.get(self.path.as_str()) {
                // An object where a leaf field is wanted.
                self.out.push((id, Scalar::Object));
            }
        }
        let len = self.path.len();
        while map.next_key_seed(Key(self.path))?.is_some() {
            if self.fields.descend(self.path) {
                map.next_value_seed(Walk {
                    fields: self.fields,
                    path: self.path,
                    out: self.out,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
            self.path.truncate(len);
        }
        Ok(())
    }
}

/// A JSON number as serde reads it where a value is wanted (`u64` if non-negative and it fits,
/// `i64` if negative and it fits, else `f64`; `None` when serde refuses it, e.g. `1e400`).
pub(super) fn serde_number(text: &[u8]) -> Option<Scalar<'static>> {
    struct Number;
    impl Visitor<'_> for Number {
        type Value = Scalar<'static>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number")
        }
        fn visit_i64<E>(self, v: i64) -> Result<Scalar<'static>, E> {
            Ok(Scalar::I64(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Scalar<'static>, E> {
            Ok(Scalar::U64(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Scalar<'static>, E> {
            Ok(Scalar::F64(v))
        }
    }
    let mut de = serde_json::Deserializer::from_slice(text);
    let n = serde::Deserializer::deserialize_any(&mut de, Number).ok()?;
    de.end().ok()?;
    Some(n)
}

/// serde_json counts lines within the document; the caller names the input line.
fn json_error(e: serde_json::Error) -> String {
    format!("invalid JSON: {e}").replace(" at line 1 column ", " at column ")
}

/// Elasticsearch's `index.mapping.depth.limit` default.
pub(super) const MAX_OBJECT_DEPTH: usize = 20;

/// The deepest nesting of objects and arrays in JSON text (strings skipped). Runs on every
/// document and most of an audit event's bytes are inside strings, so a string is crossed with
/// `memchr2` (quote or backslash) instead of byte by byte.
fn nesting_depth(text: &[u8]) -> usize {
    let (mut depth, mut max, mut at) = (0usize, 0usize, 0usize);
    while at < text.len() {
        match text[at] {
            b'"' => {
                // Skip to the closing quote; a backslash escapes the byte after it.
                at += 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', &text[at..]) {
                        Some(p) if text[at + p] == b'\\' => at += p + 2,
                        Some(p) => {
                            at += p + 1;
                            break;
                        }
                        None => return max,
                    }
                    if at >= text.len() {
                        return max;
                    }
                }
                continue;
            }
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        at += 1;
    }
    max
}
