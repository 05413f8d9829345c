//! Documents as rows: NDJSON or JSON values are read once into a compact row store holding
//! only the selected fields, typed by the mapping, with each document's data-stream name.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::io::{BufRead, Read};
use std::sync::Arc;

use super::ids::LineIds;
use super::mapping::Mapping;
use super::scan::{self, Paths, Wanted};
use super::value::{Cell, Type, Value};
use super::walk::{self, Fields, Scalar, WordHashBuild};
use super::{convert, datetime, geo, ip, Column};

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
    /// Give documents without an `_id` field a stable id (a hash of their line). Hashing costs
    /// a pass over every line; a query that never reads `_id` sets this to `false`, and such
    /// documents then get an empty id.
    pub want_ids: bool,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            mapping: super::catalog::Catalog::current().load_mapping(),
            default_index: None,
            skip_invalid: false,
            max_line_bytes: 64 << 20,
            want_ids: true,
        }
    }
}

/// A bad input document: its 1-based line number and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub line: usize,
    pub message: String,
}

impl InputError {
    /// A line longer than `max` bytes (`LoadOptions::max_line_bytes`).
    pub(crate) fn overlong(line: usize, max: usize) -> InputError {
        InputError {
            line,
            message: format!("line is longer than {} MiB", max >> 20),
        }
    }
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

/// A `geo_point` field's leaves: strings are points (`"lat,lon"` or WKT), numbers pair up as
/// `[lon, lat]` arrays, objects are read from their `lat` and `lon` leaves elsewhere.
fn geo_leaves(group: &[(u32, Scalar)]) -> Result<Vec<Value>, String> {
    let mut points = Vec::new();
    let mut pending: Option<f64> = None;
    for (_, leaf) in group {
        match leaf {
            Scalar::Object => {}
            Scalar::Str(t) => points.push(geo::parse_source_string(t)?),
            Scalar::Bool(_) => return Err("cannot index a boolean as [geo_point]".into()),
            number => {
                let v = geo::coordinate(number)
                    .and_then(|v| v.as_f64())
                    .unwrap_or(f64::NAN);
                match pending.take() {
                    None => pending = Some(v),
                    Some(x) => points.push(geo::validate(x, v)?),
                }
            }
        }
    }
    if pending.is_some() {
        return Err("a [lon, lat] array needs two numbers".into());
    }
    Ok(points)
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
            Scalar::Str(t) if t.as_ref() == "true" => Ok(Value::Boolean(true)),
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
        Type::GeoPoint => match s {
            Scalar::Str(t) => super::geo::parse_source_string(t),
            // `[lon, lat]` arrays are paired up by the loader before they get here.
            _ => fail("a lone number"),
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
    strings: HashSet<Arc<str>, WordHashBuild>,
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
    /// The fast scanner's view of `fields`; `None` when every field is wanted (the scanner
    /// then makes ids as it goes) or a name is one the trie cannot hold (serde reads all).
    paths: Option<Paths>,
    /// Field ids below this are the selected names, in name order; the internal fields
    /// (`_id`, `data_stream.*`) not selected come after them.
    selected: usize,
    /// Type per field id (`None` until decided).
    types: Vec<Option<Type>>,
    internal: [Option<u32>; 4],
    docs: Documents,
    /// Per document, reused: the leaves found (kept empty between documents).
    scratch: Vec<(u32, Scalar<'static>)>,
    /// Per document, reused: one cell per field id (all null between documents).
    cells: Vec<Cell>,
    path: String,
    interner: Interner,
    /// The last `_index` built from `data_stream.*`: consecutive documents mostly share it.
    last_index: Option<Arc<str>>,
    default_index: Option<Arc<str>>,
    /// The id of documents without `_id` when ids are not wanted (and until hashed).
    no_id: Arc<str>,
    line_ids: LineIds,
    /// Per `geo_point` field: its id and the ids of its `.lat` and `.lon` leaves.
    geo_parts: Vec<(u32, u32, u32)>,
}

/// The same (empty) buffer for leaves borrowing another document: vectors of one layout
/// collect in place, so the allocation is kept.
fn reuse<'b>(mut leaves: Vec<(u32, Scalar<'_>)>) -> Vec<(u32, Scalar<'b>)> {
    leaves.clear();
    leaves
        .into_iter()
        .map(|(id, _)| (id, Scalar::Object))
        .collect()
}

/// Whether `joined` is `t-d-n` for `parts` `[t, d, n]`.
fn is_joined(joined: &str, parts: [&str; 3]) -> bool {
    let mut rest = joined;
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            let Some(r) = rest.strip_prefix('-') else {
                return false;
            };
            rest = r;
        }
        let Some(r) = rest.strip_prefix(part) else {
            return false;
        };
        rest = r;
    }
    rest.is_empty()
}

/// The text of a cell's first value, borrowed when it is a string.
fn first_text(cell: &Cell) -> Option<Cow<'_, str>> {
    cell.values().first().map(|v| match v {
        Value::String(s) | Value::Version(s) => Cow::Borrowed(&**s),
        other => Cow::Owned(other.to_text()),
    })
}

impl Loader {
    fn new(selection: &FieldSelection, options: LoadOptions) -> Loader {
        let mut wanted: Vec<String> = selection.names.iter().cloned().collect();
        wanted.extend(INTERNAL.iter().map(|s| s.to_string()));
        // A `geo_point` given as `{"lat": …, "lon": …}`: its two leaves are read too, and
        // paired up into points after the document (`pair_geo_objects`).
        let geo: Vec<&String> = (selection.names.iter())
            .filter(|n| options.mapping.get(n) == Some(Type::GeoPoint))
            .collect();
        for name in &geo {
            wanted.push(format!("{name}.lat"));
            wanted.push(format!("{name}.lon"));
        }
        let fields = Fields::new(wanted, selection.all);
        let geo_parts = (geo.iter())
            .filter_map(|n| {
                let part = |p: &str| fields.get(&format!("{n}.{p}"));
                Some((fields.get(n)?, part("lat")?, part("lon")?))
            })
            .collect();
        let paths = if selection.all {
            None
        } else {
            let ids = (0u32..).zip(fields.names.iter().map(String::as_str));
            Paths::new(ids)
        };
        let internal = INTERNAL.map(|n| fields.get(n));
        let default_index = options.default_index.as_deref().map(Arc::from);
        Loader {
            options,
            fields,
            paths,
            selected: selection.names.len(),
            types: Vec::new(),
            internal,
            docs: Documents::default(),
            scratch: Vec::new(),
            cells: Vec::new(),
            path: String::new(),
            interner: Interner::default(),
            last_index: None,
            default_index,
            no_id: Arc::from(""),
            line_ids: LineIds::default(),
            geo_parts,
        }
    }

    /// One input line (within the length limit): blank lines are ignored, others must be
    /// UTF-8 JSON documents.
    fn add_line(&mut self, raw: &[u8], line: usize) -> Result<(), InputError> {
        let text = raw.trim_ascii();
        if text.is_empty() {
            return Ok(());
        }
        let Ok(text) = std::str::from_utf8(text) else {
            return self.fail(InputError {
                line,
                message: "line is not valid UTF-8".into(),
            });
        };
        match self.add_json(text, line) {
            Ok(()) => Ok(()),
            Err(message) => self.fail(InputError { line, message }),
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

    /// Reads one document's text; errors name the reason (the caller adds the line). The
    /// scanner reads it when it can vouch for it, serde otherwise (and for every error).
    fn add_json(&mut self, text: &str, line: usize) -> Result<(), String> {
        let mut leaves = reuse(std::mem::take(&mut self.scratch));
        let wanted = match &self.paths {
            Some(paths) => Some(Wanted::Paths(paths)),
            None if self.fields.all => Some(Wanted::All {
                fields: &mut self.fields,
                path: &mut self.path,
            }),
            None => None,
        };
        let scanned = wanted.is_some_and(|wanted| scan::scan(text, wanted, &mut leaves).is_ok());
        let read = if scanned {
            Ok(())
        } else {
            leaves.clear();
            walk::walk(
                text.as_bytes(),
                &mut self.fields,
                &mut self.path,
                &mut leaves,
            )
        };
        let added = read.and_then(|()| self.finish_doc(text.as_bytes(), &mut leaves, line));
        self.scratch = reuse(leaves);
        added
    }

    fn finish_doc(
        &mut self,
        text: &[u8],
        leaves: &mut [(u32, Scalar)],
        line: usize,
    ) -> Result<(), String> {
        let width = self.fields.names.len();
        if self.cells.len() < width {
            self.cells.resize(width, Cell::Null);
        }
        if let Err(message) = self.fill_cells(leaves) {
            self.cells.fill(Cell::Null);
            return Err(message);
        }
        let cells = &self.cells;
        let text_of = |id: Option<u32>| id.and_then(|id| first_text(&cells[id as usize]));
        let index = match [1, 2, 3].map(|i| text_of(self.internal[i])) {
            [Some(t), Some(d), Some(n)] => match &self.last_index {
                Some(last) if is_joined(last, [&t, &d, &n]) => Some(Arc::clone(last)),
                _ => {
                    let index: Arc<str> = Arc::from(format!("{t}-{d}-{n}"));
                    self.last_index = Some(Arc::clone(&index));
                    Some(index)
                }
            },
            _ => self.default_index.clone(),
        };
        let given = self.internal[0].and_then(|id| self.cells[id as usize].values().first());
        let (id, hash_line) = match given {
            Some(Value::String(s)) => (Arc::clone(s), false),
            Some(other) => (Arc::from(other.to_text()), false),
            // Without `_id`: the line's hash when wanted, filled in by `line_ids`.
            None => (Arc::clone(&self.no_id), self.options.want_ids),
        };
        // Selected fields make the row; internal ones only served `_index` and `_id` above.
        let row_width = if self.fields.all {
            width
        } else {
            self.selected
        };
        let row: Vec<Cell> = self.cells[..row_width]
            .iter_mut()
            .map(std::mem::take)
            .collect();
        self.cells[row_width..].fill(Cell::Null);
        self.docs.rows.push(row);
        self.docs.index.push(index);
        self.docs.ids.push(id);
        self.docs.lines.push(line);
        if hash_line {
            let doc = self.docs.ids.len() - 1;
            self.line_ids.add(doc, text, &mut self.docs.ids);
        }
        Ok(())
    }

    /// Typed cells from a document's leaves: a field's values in document order, then as
    /// doc values (sorted, de-duplicated by type).
    fn fill_cells(&mut self, leaves: &mut [(u32, Scalar)]) -> Result<(), String> {
        // Stable: values of one field keep their order.
        leaves.sort_by_key(|(id, _)| *id);
        for group in leaves.chunk_by(|a, b| a.0 == b.0) {
            let id = group[0].0;
            // Built in place: moving cells through locals cost more than building them.
            let cell = id as usize;
            if self.is_geo_part(id) {
                // Kept in source order for pairing: no doc-value sorting.
                let values = (group.iter())
                    .filter_map(|(_, leaf)| geo::coordinate(leaf))
                    .collect();
                self.cells[cell] = Cell::from_values(values);
                continue;
            }
            if self.type_of(id, &group[0].1) == Some(Type::GeoPoint) {
                let points = geo_leaves(group)
                    .map_err(|m| format!("field [{}]: {m}", self.fields.names[cell]))?;
                self.cells[cell] = Cell::from_values(points);
                continue;
            }
            for (_, leaf) in group {
                if let Some(ty) = self.type_of(id, leaf) {
                    let v = to_value(leaf, ty, &mut self.interner)
                        .map_err(|m| format!("field [{}]: {m}", self.fields.names[cell]))?;
                    match &mut self.cells[cell] {
                        slot @ Cell::Null => *slot = Cell::One(v),
                        Cell::Many(values) => values.push(v),
                        slot => {
                            if let Cell::One(first) = std::mem::take(slot) {
                                *slot = Cell::Many(vec![first, v]);
                            }
                        }
                    }
                }
            }
            // Doc-value order only matters for several values.
            let ty = self.types.get(cell).copied().flatten();
            if let (Cell::Many(_), Some(ty)) = (&self.cells[cell], ty) {
                let values = std::mem::take(&mut self.cells[cell]);
                self.cells[cell] = values.into_doc_values(ty);
            }
        }
        self.pair_geo_objects()
    }

    fn is_geo_part(&self, id: u32) -> bool {
        (self.geo_parts.iter()).any(|&(_, lat, lon)| id == lat || id == lon)
    }

    /// Points from `{"lat": …, "lon": …}` objects, after the field's other forms.
    fn pair_geo_objects(&mut self) -> Result<(), String> {
        for &(point, lat, lon) in &self.geo_parts {
            let lats = std::mem::take(&mut self.cells[lat as usize]).into_values();
            let lons = std::mem::take(&mut self.cells[lon as usize]).into_values();
            if lats.is_empty() && lons.is_empty() {
                continue;
            }
            let name = &self.fields.names[point as usize];
            if lats.len() != lons.len() {
                return Err(format!(
                    "field [{name}]: a geo_point object needs both [lat] and [lon]"
                ));
            }
            let mut values = std::mem::take(&mut self.cells[point as usize]).into_values();
            for (y, x) in lats.iter().zip(&lons) {
                let (Value::Double(y), Value::Double(x)) = (y, x) else {
                    continue;
                };
                values.push(geo::validate(*x, *y).map_err(|m| format!("field [{name}]: {m}"))?);
            }
            self.cells[point as usize] = Cell::from_values(values);
        }
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
        self.line_ids.flush(&mut self.docs.ids);
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
        // Rows are by field id; the selected names have the first ids in name order, so when
        // all of them are columns the rows are already right.
        let in_place = !selection.all
            && columns.len() == self.selected
            && (columns.iter().enumerate()).all(|(i, (_, id, _))| *id as usize == i);
        if !in_place {
            for row in &mut self.docs.rows {
                *row = (columns.iter())
                    .map(|(_, id, _)| row.get_mut(*id as usize).map(std::mem::take))
                    .map(Option::unwrap_or_default)
                    .collect();
            }
        }
        self.docs.columns = columns
            .into_iter()
            .map(|(name, _, ty)| Column { name, ty })
            .collect();
        self.docs
    }
}

/// Appends input through the next line end (included) to `buf`, at most `limit` bytes; the
/// number of bytes read (0 at the end of input). As `BufRead::read_until` over a `take`,
/// with `memchr`'s vector search: std's byte search took a tenth of the loading time.
fn read_line(input: &mut impl BufRead, limit: usize, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut read = 0;
    while read < limit {
        let available = match input.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        let window = &available[..available.len().min(limit - read)];
        let (used, line_end) = match memchr::memchr(b'\n', window) {
            Some(at) => (at + 1, true),
            None => (window.len(), false),
        };
        buf.extend_from_slice(&window[..used]);
        input.consume(used);
        read += used;
        if line_end {
            break;
        }
    }
    Ok(read)
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
            let n = read_line(&mut input, max + 1, &mut buf).map_err(|e| InputError {
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
                    let m = read_line(&mut input, 1 << 20, &mut rest).unwrap_or(0);
                    if m == 0 || rest.last() == Some(&b'\n') {
                        break;
                    }
                }
                loader.fail(InputError::overlong(line, max))?;
                continue;
            }
            loader.add_line(&buf, line)?;
        }
        Ok(loader.finish(selection))
    }

    /// [`Documents::from_ndjson`] over text in memory (a streamed batch): lines are cut where
    /// they lie, without copying them. Returns the documents and the number of lines.
    pub(crate) fn from_ndjson_text(
        text: &[u8],
        selection: &FieldSelection,
        options: LoadOptions,
    ) -> Result<(Documents, usize), InputError> {
        let max = options.max_line_bytes;
        let mut loader = Loader::new(selection, options);
        let mut line = 0;
        let mut rest = text;
        while !rest.is_empty() {
            let (raw, next) = match memchr::memchr(b'\n', rest) {
                Some(end) => rest.split_at(end + 1),
                None => (rest, &rest[rest.len()..]),
            };
            rest = next;
            line += 1;
            let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
            if raw.len() > max {
                loader.fail(InputError::overlong(line, max))?;
                continue;
            }
            loader.add_line(raw, line)?;
        }
        Ok((loader.finish(selection), line))
    }

    /// Loads already parsed documents (`line` numbers count from 1 in order).
    pub fn from_values(
        docs: &[serde_json::Value],
        selection: &FieldSelection,
        options: LoadOptions,
    ) -> Result<Documents, InputError> {
        let mut loader = Loader::new(selection, options);
        for (i, doc) in docs.iter().enumerate() {
            let text = serde_json::to_string(doc).unwrap_or_default();
            if let Err(message) = loader.add_json(&text, i + 1) {
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

    /// Moves a document's row out (leaving it empty), for a reader that visits each once.
    pub(crate) fn take_row(&mut self, doc: usize) -> Vec<Cell> {
        std::mem::take(&mut self.rows[doc])
    }

    /// The data-stream name of a document (`None`: unassigned).
    pub fn index_of(&self, doc: usize) -> Option<&str> {
        self.index[doc].as_deref()
    }

    pub fn id_of(&self, doc: usize) -> &str {
        &self.ids[doc]
    }

    /// A document's data-stream name and `_id` as shared strings (no copy per row).
    pub(crate) fn shared_index_and_id(&self, doc: usize) -> (Option<&Arc<str>>, &Arc<str>) {
        (self.index[doc].as_ref(), &self.ids[doc])
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

    /// The same documents with the given `_id`s, in document order (spec datasets carry
    /// theirs in an `_id` column); documents beyond the list keep their positional ids.
    pub fn with_ids(mut self, ids: Vec<String>) -> Documents {
        for (slot, id) in self.ids.iter_mut().zip(ids) {
            *slot = Arc::from(id.as_str());
        }
        self
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
