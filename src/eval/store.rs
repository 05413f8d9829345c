//! Documents as rows: NDJSON or JSON values are read once into a compact row store holding
//! only the selected fields, typed by the mapping, with each document's data-stream name.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::io::{BufRead, Read};
use std::sync::Arc;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::mapping::Mapping;
use super::value::{Cell, Type, Value};
use super::{convert, datetime, ip, Column};

/// Which fields to keep from each document.
#[derive(Clone, Debug, Default)]
pub struct FieldSelection {
    /// Keep every field (a query whose output is `FROM`'s whole column set).
    pub all: bool,
    pub names: BTreeSet<String>,
}

impl FieldSelection {
    pub fn names(names: impl IntoIterator<Item = impl Into<String>>) -> FieldSelection {
        FieldSelection {
            all: false,
            names: names.into_iter().map(Into::into).collect(),
        }
    }
}

/// How documents are read.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub mapping: Mapping,
    /// `_index` of documents without `data_stream.*` fields (`--index`); `None` leaves them
    /// unassigned: they match every `FROM` pattern.
    pub default_index: Option<String>,
    /// Skip (and count) documents that fail instead of stopping at the first.
    pub skip_invalid: bool,
    /// Longest accepted line in bytes.
    pub max_line_bytes: usize,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            mapping: Mapping::built_in(),
            default_index: None,
            skip_invalid: false,
            max_line_bytes: 64 << 20,
        }
    }
}

/// A bad input document: its 1-based line number and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Loaded documents: one row per document over [`Documents::columns`].
#[derive(Clone, Debug, Default)]
pub struct Documents {
    /// Selected fields that exist in the mapping or in some document, sorted by name.
    pub columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
    /// Data-stream name per document (`None`: unassigned).
    index: Vec<Option<Arc<str>>>,
    ids: Vec<Arc<str>>,
    /// Input line of each document (1-based).
    lines: Vec<usize>,
    /// Documents skipped under `skip_invalid`.
    pub skipped: Vec<InputError>,
}

const INTERNAL: [&str; 4] = [
    "_id",
    "data_stream.type",
    "data_stream.dataset",
    "data_stream.namespace",
];

/// A JSON leaf value.
#[derive(Clone, Debug)]
enum Scalar {
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
    /// An object found where the mapping expects a leaf.
    Object,
}

/// FNV-1a for the per-key path look-ups: short keys, no adversary (paths are ours to choose),
/// several times cheaper than SipHash here.
#[derive(Clone, Copy, Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvBuild = std::hash::BuildHasherDefault<Fnv>;

/// Field ids for the paths being collected.
struct Fields {
    all: bool,
    ids: HashMap<String, u32, FnvBuild>,
    names: Vec<String>,
    /// Paths worth descending into: wanted names and their dotted prefixes (`a`, `a.b`,
    /// `a.b.c` for `a.b.c`). One set, so most keys of a document (the unwanted ones) cost a
    /// single look-up.
    descend: HashSet<String, FnvBuild>,
}

impl Fields {
    fn id(&mut self, path: &str) -> Option<u32> {
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

struct Walk<'a> {
    fields: &'a mut Fields,
    path: &'a mut String,
    out: &'a mut Vec<(u32, Scalar)>,
}

impl Walk<'_> {
    fn leaf(self, s: Scalar) {
        if let Some(id) = self.fields.id(self.path) {
            self.out.push((id, s));
        }
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
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

impl<'de> Visitor<'de> for Walk<'_> {
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
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.leaf(Scalar::Str(v.to_string()));
        Ok(())
    }
    fn visit_string<E>(self, v: String) -> Result<(), E> {
        self.leaf(Scalar::Str(v));
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

/// serde_json counts lines within the document; the caller names the input line.
fn json_error(e: serde_json::Error) -> String {
    format!("invalid JSON: {e}").replace(" at line 1 column ", " at column ")
}

/// Elasticsearch's `index.mapping.depth.limit` default.
const MAX_OBJECT_DEPTH: usize = 20;

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

/// FNV-1a: a stable id for documents without `_id`.
fn stable_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Converts a JSON leaf to a value of the mapped type, with Elasticsearch's coercion; the error
/// is what indexing would reject the document for.
fn to_value(s: &Scalar, ty: Type, interner: &mut Interner) -> Result<Value, String> {
    let fail = |what: &str| Err(format!("cannot index {what} as [{}]", ty.name()));
    if let Scalar::Object = s {
        return fail("an object");
    }
    match ty {
        Type::Keyword | Type::Text | Type::Version => {
            // Strings go to the interner as they are: no copy per value.
            let shared = match s {
                Scalar::Str(t) => interner.get(t),
                Scalar::Bool(b) => interner.get(&b.to_string()),
                Scalar::I64(i) => interner.get(&i.to_string()),
                Scalar::U64(u) => interner.get(&u.to_string()),
                Scalar::F64(f) => interner.get(&f.to_string()),
                Scalar::Object => unreachable!("handled above"),
            };
            Ok(if ty == Type::Version {
                Value::Version(shared)
            } else {
                Value::String(shared)
            })
        }
        Type::Boolean => match s {
            Scalar::Bool(b) => Ok(Value::Boolean(*b)),
            Scalar::Str(t) if t == "true" => Ok(Value::Boolean(true)),
            Scalar::Str(t) if t == "false" || t.is_empty() => Ok(Value::Boolean(false)),
            Scalar::Str(t) => fail(&format!("\"{t}\"")),
            _ => fail("a number"),
        },
        Type::Integer | Type::Long | Type::UnsignedLong | Type::Double => {
            let v = match s {
                Scalar::I64(i) => Value::Long(*i),
                Scalar::U64(u) => Value::UnsignedLong(*u),
                Scalar::F64(f) => Value::Double(*f),
                Scalar::Str(t) => Value::str(t),
                Scalar::Bool(_) => return fail("a boolean"),
                Scalar::Object => unreachable!("handled above"),
            };
            convert::convert(&v, ty).or_else(|_| fail(&format!("[{}]", v.to_text())))
        }
        Type::Datetime => match s {
            Scalar::Str(t) => datetime::parse_iso(t)
                .or_else(|| t.parse::<i64>().ok())
                .map(Value::Datetime)
                .ok_or(())
                .or_else(|_| fail(&format!("\"{t}\""))),
            Scalar::I64(i) => Ok(Value::Datetime(*i)),
            Scalar::U64(u) => i64::try_from(*u)
                .map(Value::Datetime)
                .or_else(|_| fail("a number")),
            Scalar::F64(f) => Ok(Value::Datetime(*f as i64)),
            _ => fail("a boolean"),
        },
        Type::Ip => match s {
            Scalar::Str(t) => ip::parse(t)
                .map(Value::Ip)
                .ok_or(())
                .or_else(|_| fail(&format!("'{t}' (not an IP string literal)"))),
            _ => fail("a non-string"),
        },
        Type::Null | Type::DatePeriod | Type::TimeDuration => fail("a value"),
    }
}

fn dynamic_type(s: &Scalar) -> Option<Type> {
    Some(match s {
        Scalar::Bool(_) => Type::Boolean,
        Scalar::I64(_) | Scalar::U64(_) => Type::Long,
        Scalar::F64(_) => Type::Double,
        Scalar::Str(_) => Type::Keyword,
        Scalar::Object => return None,
    })
}

/// Shares repeated strings (user names, verbs, resources) between documents; bounded, so
/// unique values (audit ids) do not grow it without limit.
#[derive(Default)]
struct Interner {
    strings: HashSet<Arc<str>>,
}

const MAX_INTERNED: usize = 1 << 16;

impl Interner {
    fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(s) = self.strings.get(text) {
            return Arc::clone(s);
        }
        let s: Arc<str> = Arc::from(text);
        if self.strings.len() < MAX_INTERNED {
            self.strings.insert(Arc::clone(&s));
        }
        s
    }
}

/// Incremental loader shared by the NDJSON and JSON-value entry points.
struct Loader {
    options: LoadOptions,
    fields: Fields,
    /// Type per field id (`None` until decided).
    types: Vec<Option<Type>>,
    internal: [Option<u32>; 4],
    docs: Documents,
    /// Per document: (field id, cell).
    rows: Vec<Vec<(u32, Cell)>>,
    scratch: Vec<(u32, Scalar)>,
    path: String,
    interner: Interner,
}

impl Loader {
    fn new(selection: &FieldSelection, options: LoadOptions) -> Loader {
        let mut fields = Fields {
            all: selection.all,
            ids: HashMap::default(),
            names: Vec::new(),
            descend: HashSet::default(),
        };
        let mut wanted: Vec<String> = selection.names.iter().cloned().collect();
        wanted.extend(INTERNAL.iter().map(|s| s.to_string()));
        for name in wanted {
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
        let internal = INTERNAL.map(|n| fields.ids.get(n).copied());
        Loader {
            options,
            fields,
            types: Vec::new(),
            internal,
            docs: Documents::default(),
            rows: Vec::new(),
            scratch: Vec::new(),
            path: String::new(),
            interner: Interner::default(),
        }
    }

    fn type_of(&mut self, id: u32, sample: &Scalar) -> Option<Type> {
        let i = id as usize;
        if self.types.len() <= i {
            self.types.resize(i + 1, None);
        }
        if self.types[i].is_none() {
            let name = &self.fields.names[i];
            self.types[i] = self
                .options
                .mapping
                .get(name)
                .or_else(|| dynamic_type(sample));
        }
        self.types[i]
    }

    /// Reads one document's text; errors name the reason (the caller adds the line).
    fn add_json(&mut self, text: &[u8], line: usize) -> Result<(), String> {
        let depth = nesting_depth(text);
        if depth > MAX_OBJECT_DEPTH {
            return Err(format!(
                "the document nests {depth} levels deep; Elasticsearch refuses more than {MAX_OBJECT_DEPTH} (index.mapping.depth.limit)"
            ));
        }
        self.scratch.clear();
        self.path.clear();
        let mut de = serde_json::Deserializer::from_slice(text);
        let walk = Walk {
            fields: &mut self.fields,
            path: &mut self.path,
            out: &mut self.scratch,
        };
        walk.deserialize(&mut de).map_err(json_error)?;
        de.end().map_err(json_error)?;
        if !text.trim_ascii_start().starts_with(b"{") {
            return Err("a document must be a JSON object".into());
        }
        self.finish_doc(text, line)
    }

    fn finish_doc(&mut self, text: &[u8], line: usize) -> Result<(), String> {
        let mut scalars = std::mem::take(&mut self.scratch);
        scalars.sort_by_key(|(id, _)| *id);
        let mut cells: Vec<(u32, Cell)> = Vec::new();
        let mut i = 0;
        while i < scalars.len() {
            let id = scalars[i].0;
            let mut j = i;
            let mut values = Vec::new();
            while j < scalars.len() && scalars[j].0 == id {
                if let Some(ty) = self.type_of(id, &scalars[j].1) {
                    let v = to_value(&scalars[j].1, ty, &mut self.interner)
                        .map_err(|m| format!("field [{}]: {m}", self.fields.names[id as usize]))?;
                    values.push(v);
                }
                j += 1;
            }
            let ty = self.types.get(id as usize).copied().flatten();
            let cell = Cell::from_values(values);
            cells.push((id, ty.map_or(cell.clone(), |t| cell.into_doc_values(t))));
            i = j;
        }
        self.scratch = scalars;
        let get = |cells: &[(u32, Cell)], id: Option<u32>| -> Option<String> {
            let id = id?;
            cells
                .iter()
                .find(|(i, _)| *i == id)
                .and_then(|(_, c)| c.values().first().map(Value::to_text))
        };
        let ds = (
            get(&cells, self.internal[1]),
            get(&cells, self.internal[2]),
            get(&cells, self.internal[3]),
        );
        let index = match ds {
            (Some(t), Some(d), Some(n)) => Some(Arc::from(format!("{t}-{d}-{n}").as_str())),
            _ => self.options.default_index.as_deref().map(Arc::from),
        };
        let id = get(&cells, self.internal[0]).unwrap_or_else(|| stable_hash(text));
        self.docs.index.push(index);
        self.docs.ids.push(Arc::from(id.as_str()));
        self.docs.lines.push(line);
        self.rows.push(cells);
        Ok(())
    }

    fn fail(&mut self, error: InputError) -> Result<(), InputError> {
        if self.options.skip_invalid {
            self.docs.skipped.push(error);
            Ok(())
        } else {
            Err(error)
        }
    }

    fn finish(mut self, selection: &FieldSelection) -> Documents {
        // Columns: selected fields known to the mapping or seen in a document.
        let mut columns: Vec<(String, u32, Type)> = Vec::new();
        for (id, name) in self.fields.names.iter().enumerate() {
            let public = selection.all || selection.names.contains(name);
            if !public {
                continue;
            }
            // Selected by name: mapped fields exist even when no document has them. Selected
            // as "all": only fields some document has.
            let seen = self.types.get(id).copied().flatten();
            let ty = if selection.all {
                seen
            } else {
                seen.or_else(|| self.options.mapping.get(name))
            };
            if let Some(ty) = ty {
                columns.push((name.clone(), id as u32, ty));
            }
        }
        columns.sort_by(|a, b| a.0.cmp(&b.0));
        let mut slot = vec![usize::MAX; self.fields.names.len()];
        for (i, (_, id, _)) in columns.iter().enumerate() {
            slot[*id as usize] = i;
        }
        self.docs.rows = self
            .rows
            .into_iter()
            .map(|cells| {
                let mut row = vec![Cell::Null; columns.len()];
                for (id, cell) in cells {
                    if let Some(&s) = slot.get(id as usize).filter(|s| **s != usize::MAX) {
                        row[s] = cell;
                    }
                }
                row
            })
            .collect();
        self.docs.columns = columns
            .into_iter()
            .map(|(name, _, ty)| Column { name, ty })
            .collect();
        self.docs
    }
}

impl Documents {
    /// Reads NDJSON: one document per line; blank lines are ignored. Stops at the first bad
    /// document unless `options.skip_invalid`.
    pub fn from_ndjson(
        mut input: impl BufRead,
        selection: &FieldSelection,
        options: LoadOptions,
    ) -> Result<Documents, InputError> {
        let max = options.max_line_bytes;
        let mut loader = Loader::new(selection, options);
        let mut buf = Vec::new();
        let mut line = 0;
        loop {
            buf.clear();
            line += 1;
            let n = Read::take(&mut input, max as u64 + 1)
                .read_until(b'\n', &mut buf)
                .map_err(|e| InputError {
                    line,
                    message: format!("cannot read input: {e}"),
                })?;
            if n == 0 {
                break;
            }
            if buf.len() > max && buf.last() != Some(&b'\n') {
                // Skip the rest of the overlong line without holding it.
                let mut rest = Vec::new();
                loop {
                    rest.clear();
                    let m = Read::take(&mut input, 1 << 20)
                        .read_until(b'\n', &mut rest)
                        .unwrap_or(0);
                    if m == 0 || rest.last() == Some(&b'\n') {
                        break;
                    }
                }
                loader.fail(InputError {
                    line,
                    message: format!("line is longer than {} MiB", max >> 20),
                })?;
                continue;
            }
            let text = buf.trim_ascii();
            if text.is_empty() {
                continue;
            }
            if std::str::from_utf8(text).is_err() {
                loader.fail(InputError {
                    line,
                    message: "line is not valid UTF-8".into(),
                })?;
                continue;
            }
            if let Err(message) = loader.add_json(text, line) {
                loader.docs_rollback();
                loader.fail(InputError { line, message })?;
            }
        }
        Ok(loader.finish(selection))
    }

    /// Loads already parsed documents (`line` numbers count from 1 in order).
    pub fn from_values(
        docs: &[serde_json::Value],
        selection: &FieldSelection,
        options: LoadOptions,
    ) -> Result<Documents, InputError> {
        let mut loader = Loader::new(selection, options);
        for (i, doc) in docs.iter().enumerate() {
            let text = serde_json::to_vec(doc).unwrap_or_default();
            if let Err(message) = loader.add_json(&text, i + 1) {
                loader.docs_rollback();
                loader.fail(InputError {
                    line: i + 1,
                    message,
                })?;
            }
        }
        Ok(loader.finish(selection))
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn row(&self, doc: usize) -> &[Cell] {
        &self.rows[doc]
    }

    /// The data-stream name of a document (`None`: unassigned).
    pub fn index_of(&self, doc: usize) -> Option<&str> {
        self.index[doc].as_deref()
    }

    pub fn id_of(&self, doc: usize) -> &str {
        &self.ids[doc]
    }

    /// The input line a document came from.
    pub fn line_of(&self, doc: usize) -> usize {
        self.lines[doc]
    }

    /// A column's position by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Builds a store from typed rows (the conformance runner's CSV datasets).
    pub fn from_rows(columns: Vec<Column>, rows: Vec<Vec<Cell>>, index: &str) -> Documents {
        let n = rows.len();
        Documents {
            columns,
            rows,
            index: vec![Some(Arc::from(index)); n],
            ids: (0..n).map(|i| Arc::from(i.to_string().as_str())).collect(),
            lines: (1..=n).collect(),
            skipped: Vec::new(),
        }
    }

    /// Appends another store's documents (same columns required; used for several datasets).
    pub fn concat(self, other: Documents) -> Documents {
        Documents::concat_all(vec![self, other])
    }

    /// Joins stores in order over the union of their columns (sorted by name; a column's type
    /// is the first store's that has it). Joining once at the end, rather than pairwise per
    /// batch, keeps the parallel reader linear: a pairwise join re-maps every earlier row each
    /// time. Rows of a store that already has the union's columns are moved, not rebuilt.
    pub fn concat_all(parts: Vec<Documents>) -> Documents {
        let mut names: Vec<Column> = Vec::new();
        for part in &parts {
            for c in &part.columns {
                if !names.iter().any(|n| n.name == c.name) {
                    names.push(c.clone());
                }
            }
        }
        names.sort_by(|a, b| a.name.cmp(&b.name));
        let mut joined = Documents {
            columns: Vec::new(),
            rows: Vec::with_capacity(parts.iter().map(Documents::len).sum()),
            ..Documents::default()
        };
        for part in parts {
            let same = part.columns.len() == names.len()
                && part
                    .columns
                    .iter()
                    .zip(&names)
                    .all(|(a, b)| a.name == b.name);
            if same {
                joined.rows.extend(part.rows);
            } else {
                let from: Vec<Option<usize>> = names
                    .iter()
                    .map(|n| part.columns.iter().position(|c| c.name == n.name))
                    .collect();
                joined.rows.extend(part.rows.into_iter().map(|mut row| {
                    from.iter()
                        .map(|i| i.map_or(Cell::Null, |i| std::mem::take(&mut row[i])))
                        .collect()
                }));
            }
            joined.index.extend(part.index);
            joined.skipped.extend(part.skipped);
            joined.ids.extend(part.ids);
            joined.lines.extend(part.lines);
        }
        joined.columns = names;
        joined
    }
}

impl Loader {
    /// Nothing to undo: a failed document is only recorded by `finish_doc` on success.
    fn docs_rollback(&mut self) {
        self.scratch.clear();
    }
}

/// Bytes of input read per parallel round.
const BATCH_BYTES: usize = 32 << 20;

/// One round of input for the parallel reader.
enum Batch {
    /// Whole lines (the partial last line is kept for the next batch); `true` at end of input.
    Lines(Vec<u8>, bool),
    /// A full batch without a line end within `max_line_bytes` of its end.
    Overlong(Vec<u8>),
}

/// Reads up to [`BATCH_BYTES`] after the `pending` bytes left by the previous batch.
fn read_batch(
    input: &mut impl BufRead,
    pending: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Batch> {
    let mut batch = std::mem::take(pending);
    // Room for the whole batch up front: growing by doubling would copy it about twice more.
    batch.reserve(BATCH_BYTES);
    Read::take(input, BATCH_BYTES as u64).read_to_end(&mut batch)?;
    let eof = batch.len() < BATCH_BYTES;
    if !eof {
        match memchr::memrchr(b'\n', &batch) {
            Some(cut) if batch.len() - cut <= max => *pending = batch.split_off(cut + 1),
            _ => return Ok(Batch::Overlong(batch)),
        }
    }
    Ok(Batch::Lines(batch, eof))
}

impl Documents {
    /// Like [`Documents::from_ndjson`], using `threads` threads: the input is read in batches
    /// of whole lines, each batch split among the threads, and the parts joined in input order.
    /// Results are identical to the sequential reader for mapped fields; a dynamic (unmapped)
    /// field takes its type from the first part that has it.
    pub fn from_ndjson_parallel(
        mut input: impl BufRead,
        selection: &FieldSelection,
        options: LoadOptions,
        threads: usize,
    ) -> Result<Documents, InputError> {
        if threads <= 1 || selection.all {
            return Documents::from_ndjson(input, selection, options);
        }
        let max = options.max_line_bytes;
        let mut done: Vec<Documents> = Vec::new();
        let mut first_line = 1;
        let mut pending: Vec<u8> = Vec::new();
        let read_error = |line: usize| {
            move |e: std::io::Error| InputError {
                line,
                message: format!("cannot read input: {e}"),
            }
        };
        let mut next = read_batch(&mut input, &mut pending, max).map_err(read_error(first_line))?;
        loop {
            let (batch, eof) = match next {
                Batch::Lines(batch, eof) => (batch, eof),
                Batch::Overlong(batch) => {
                    // A line longer than a batch: fall back to the sequential reader for the
                    // rest, which bounds and reports it.
                    let rest = std::io::Cursor::new(batch).chain(input);
                    let tail = Documents::from_ndjson(
                        std::io::BufReader::new(rest),
                        selection,
                        options.clone(),
                    )
                    .map_err(|e| InputError {
                        line: e.line + first_line - 1,
                        message: e.message,
                    })?;
                    done.push(tail.shift_lines(first_line - 1));
                    return Ok(Documents::concat_all(done));
                }
            };
            if batch.is_empty() {
                break;
            }
            // Split into `threads` parts at line boundaries.
            let mut parts: Vec<(&[u8], usize)> = Vec::new();
            let mut start = 0;
            let mut line = first_line;
            for t in 0..threads {
                let target = if t + 1 == threads {
                    batch.len()
                } else {
                    (batch.len() * (t + 1) / threads).max(start)
                };
                let end = match batch[target.min(batch.len())..]
                    .iter()
                    .position(|&b| b == b'\n')
                {
                    Some(p) if t + 1 < threads => target + p + 1,
                    _ => batch.len(),
                };
                let part = &batch[start..end];
                parts.push((part, line));
                // Sequential (the next part's first line depends on it), so counted with SIMD.
                line += memchr::memchr_iter(b'\n', part).count();
                start = end;
                if start >= batch.len() {
                    break;
                }
            }
            first_line = line;
            let (loaded, read): (Vec<Result<Documents, InputError>>, _) =
                std::thread::scope(|scope| {
                    let handles: Vec<_> = parts
                        .iter()
                        .map(|&(part, line)| {
                            let options = options.clone();
                            scope.spawn(move || {
                                Documents::from_ndjson(part, selection, options)
                                    .map(|d| d.shift_lines(line - 1))
                                    .map_err(|e| InputError {
                                        line: e.line + line - 1,
                                        message: e.message,
                                    })
                            })
                        })
                        .collect();
                    // Read the next batch while this one is parsed, so reading is not a
                    // sequential step between rounds. Its error, if any, is reported after
                    // this batch's, as the sequential reader would.
                    let read = if eof {
                        Ok(Batch::Lines(Vec::new(), true))
                    } else {
                        read_batch(&mut input, &mut pending, max)
                    };
                    let loaded = handles
                        .into_iter()
                        .map(|h| {
                            h.join().unwrap_or_else(|_| {
                                Err(InputError {
                                    line: 0,
                                    message: "a reader thread failed".into(),
                                })
                            })
                        })
                        .collect();
                    (loaded, read)
                });
            for part in loaded {
                done.push(part?);
            }
            next = read.map_err(read_error(first_line))?;
            if eof {
                break;
            }
        }
        Ok(Documents::concat_all(done))
    }

    fn shift_lines(mut self, by: usize) -> Documents {
        for l in &mut self.lines {
            *l += by;
        }
        for e in &mut self.skipped {
            e.line += by;
        }
        self
    }
}
