//! The incremental loader behind every entry point: each document's leaves are typed by the
//! mapping (or dynamically), coerced as Elasticsearch indexes them, and appended as a row.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use super::prefilter::Resolved;
use super::{Documents, FieldSelection, InputError, LoadOptions};
use crate::document::ids::LineIds;
use crate::document::scan::{self, Paths, Wanted};
use crate::document::value::{Cell, Type, Value};
use crate::document::walk::{self, Fields, Scalar, WordHashBuild};
use crate::document::{convert, date_nanos, datetime, geo, ip, Column};

#[path = "loader_drop.rs"]
mod dropping;
#[path = "loader_flat.rs"]
mod flat;
#[path = "range_objects.rs"]
mod range_objects;

use dropping::joined_index;

/// Spare cells per row for metadata columns (`_id`, `_index`, `_version`, `_score`).
const METADATA_ROOM: usize = 4;

pub(super) const INTERNAL: [&str; 4] = [
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
fn to_value(s: &Scalar, ty: Type, field: u32, interner: &mut Interner) -> Result<Value, String> {
    let fail = |what: &str| Err(format!("cannot index {what} as [{}]", ty.name()));
    if let Scalar::Object = s {
        return fail("an object");
    }
    match ty {
        Type::Keyword | Type::Text | Type::Version => {
            // Strings go to the interner as they are: no copy per value.
            let shared = match s {
                Scalar::Str(t) => interner.get(field, t),
                Scalar::Bool(b) => interner.get(field, &b.to_string()),
                Scalar::I64(i) => interner.get(field, &i.to_string()),
                Scalar::U64(u) => interner.get(field, &u.to_string()),
                Scalar::F64(f) => interner.get(field, &f.to_string()),
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
        // `date_nanos`' default format, `strict_date_optional_time_nanos||epoch_millis`: a
        // number is milliseconds; a value outside 1970 to 2262 is refused, as the mapper does.
        Type::DateNanos => {
            let nanos = match s {
                Scalar::Str(t) => date_nanos::parse(t).or_else(|e| {
                    t.parse::<i64>()
                        .map_err(|_| e)
                        .and_then(date_nanos::from_millis)
                }),
                Scalar::I64(i) => date_nanos::from_millis(*i),
                Scalar::U64(u) => i64::try_from(*u)
                    .map_err(|_| String::new())
                    .and_then(date_nanos::from_millis),
                Scalar::F64(f) if f.is_finite() && *f >= 0.0 && *f < 9.2e15 => {
                    Ok((*f * 1e6) as i64)
                }
                Scalar::F64(_) => Err(String::new()),
                _ => return fail("a boolean"),
            };
            nanos.map(Value::DateNanos).or_else(|_| {
                fail(&match s {
                    Scalar::Str(t) => format!("\"{t}\""),
                    _ => "a number outside 1970 to 2262".to_string(),
                })
            })
        }
        Type::Ip => match s {
            Scalar::Str(t) => ip::parse(t)
                .map(Value::Ip)
                .ok_or(())
                .or_else(|_| fail(&format!("'{t}' (not an IP string literal)"))),
            _ => fail("a non-string"),
        },
        Type::GeoPoint => match s {
            Scalar::Str(t) => geo::parse_source_string(t),
            // `[lon, lat]` arrays are paired up by the loader before they get here.
            _ => fail("a lone number"),
        },
        // A range is an object of bounds (`{"gte": …, "lt": …}`), read from its leaves by the
        // loader (`date_range_values`); a bare value is what `RangeFieldMapper` rejects.
        Type::DateRange => fail("a value that is not an object of bounds"),
        // Read whole from the document by `Loader::fill_flattened`, never leaf by leaf.
        Type::Null | Type::DatePeriod | Type::TimeDuration | Type::Flattened => fail("a value"),
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
    /// Per field id, the string it last gave: consecutive documents often repeat a field's
    /// value (data stream, dataset, verb), and a compare costs less than a hash and probe.
    last: Vec<Option<Arc<str>>>,
}

const MAX_INTERNED: usize = 1 << 16;

impl Interner {
    /// The shared string for `text`, a value of field `field`.
    fn get(&mut self, field: u32, text: &str) -> Arc<str> {
        let field = field as usize;
        if let Some(Some(last)) = self.last.get(field) {
            if last.len() == text.len() && scan::same(last.as_bytes(), text.as_bytes()) {
                return Arc::clone(last);
            }
        }
        let shared = match self.strings.get(text) {
            Some(s) => Arc::clone(s),
            None => {
                let s: Arc<str> = Arc::from(text);
                if self.strings.len() < MAX_INTERNED {
                    self.strings.insert(Arc::clone(&s));
                }
                s
            }
        };
        if self.last.len() <= field {
            self.last.resize(field + 1, None);
        }
        self.last[field] = Some(Arc::clone(&shared));
        shared
    }
}

/// Incremental loader shared by the NDJSON and JSON-value entry points.
pub(super) struct Loader {
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
    /// Per `date_range` field: its id and its bound leaves' (`range_objects`).
    range_parts: Vec<range_objects::RangeField>,
    /// [`LoadOptions::prefilter`] over field ids; `None` with geo points (their values come
    /// from other leaves) or every field selected.
    prefilter: Option<Resolved>,
    /// `flattened` roots: read whole from the document (`loader_flat.rs`).
    flat: flat::FlatRoots,
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

/// Where the line holding `end` ends (its newline, or the end of `text`) when only ASCII
/// whitespace lies between (what a line's trimming drops); `None` otherwise.
fn line_end(text: &[u8], end: usize) -> Option<usize> {
    let rest = &text[end..];
    let newline = rest
        .iter()
        .position(|&b| !matches!(b, b' ' | b'\t' | b'\r' | b'\x0c'));
    match newline {
        None => Some(text.len()),
        Some(n) if rest[n] == b'\n' => Some(end + n),
        Some(_) => None,
    }
}

/// The text of a cell's first value, borrowed when it is a string.
fn first_text(cell: &Cell) -> Option<Cow<'_, str>> {
    cell.values().first().map(|v| match v {
        Value::String(s) | Value::Version(s) => Cow::Borrowed(&**s),
        other => Cow::Owned(other.to_text()),
    })
}

impl Loader {
    pub(super) fn new(selection: &FieldSelection, options: LoadOptions) -> Loader {
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
        let ranges: Vec<&String> = (selection.names.iter())
            .filter(|n| options.mapping.get(n) == Some(Type::DateRange))
            .collect();
        for name in &ranges {
            wanted.extend(range_objects::part_names(name));
        }
        let fields = Fields::new(wanted, selection.all);
        let range_parts = range_objects::resolve(&ranges, &fields);
        let geo_parts: Vec<(u32, u32, u32)> = (geo.iter())
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
        let flat = flat::FlatRoots::new(selection, &options.mapping, &fields);
        // A flattened root's value is built after the leaves: the pre-filter cannot see it.
        let prefilter = (options.prefilter.as_deref())
            .filter(|_| {
                !selection.all
                    && geo_parts.is_empty()
                    && range_parts.is_empty()
                    && flat.selected.is_empty()
            })
            .and_then(|filter| Resolved::new(filter, &fields));
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
            range_parts,
            prefilter,
            flat,
        }
    }

    /// One input line (within the length limit): blank lines are ignored, others must be
    /// UTF-8 JSON documents.
    pub(super) fn add_line(&mut self, raw: &[u8], line: usize) -> Result<(), InputError> {
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

    /// The line of `text` (a whole batch of lines) that starts at `at`, when the scanner
    /// reads its document whole and the line ends right after it (ASCII whitespace, then a
    /// newline or the end of `text`), within `max` bytes: the offset of the next line. This
    /// finds line ends without a separate pass over the text. `None` (nothing added): read
    /// the line the usual way ([`Loader::add_line`]), which also gives every error message.
    pub(super) fn add_scanned_line(
        &mut self,
        text: &str,
        at: usize,
        line: usize,
        max: usize,
    ) -> Option<Result<usize, InputError>> {
        let paths = self.paths.as_ref()?;
        let mut leaves = reuse(std::mem::take(&mut self.scratch));
        let ends = scan::scan_object(text, at, Wanted::Paths(paths), &mut leaves)
            .ok()
            .and_then(|end| line_end(text.as_bytes(), end).map(|newline| (end, newline)))
            .filter(|&(_, newline)| newline - at <= max);
        let Some((end, newline)) = ends else {
            self.scratch = reuse(leaves);
            return None;
        };
        let added = self.finish_doc(&text.as_bytes()[at..end], &mut leaves, line);
        self.scratch = reuse(leaves);
        let next = (newline + 1).min(text.len());
        Some(match added {
            Ok(()) => Ok(next),
            Err(message) => self.fail(InputError { line, message }).map(|()| next),
        })
    }

    #[inline]
    fn type_of(&mut self, id: u32, sample: &Scalar) -> Option<Type> {
        let i = id as usize;
        // Decided after a field's first value: the usual case, kept short.
        if let Some(Some(ty)) = self.types.get(i) {
            return Some(*ty);
        }
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
    pub(super) fn add_json(&mut self, text: &str, line: usize) -> Result<(), String> {
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
        if self.drops(leaves) {
            return Ok(());
        }
        let width = self.fields.names.len();
        if self.cells.len() < width {
            self.cells.resize(width, Cell::Null);
        }
        if let Err(message) = self
            .fill_cells(leaves)
            .and_then(|()| self.fill_flattened(text, leaves))
        {
            self.cells.fill(Cell::Null);
            return Err(message);
        }
        // Every field may have made a flattened root's id.
        let width = self.fields.names.len();
        let cells = &self.cells;
        let text_of = |id: Option<u32>| id.and_then(|id| first_text(&cells[id as usize]));
        let parts = [1, 2, 3].map(|i| text_of(self.internal[i]));
        let index = joined_index(
            &mut self.last_index,
            &self.default_index,
            parts.each_ref().map(Option::as_deref),
        );
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
        // Room for the metadata columns a query appends (`_id`, `_index`, …), which would
        // otherwise move the row to a bigger allocation.
        let mut row: Vec<Cell> = Vec::with_capacity(row_width + METADATA_ROOM);
        row.extend(self.cells[..row_width].iter_mut().map(std::mem::take));
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
            if self.fill_range_group(id, group)? {
                continue;
            }
            if self.type_of(id, &group[0].1) == Some(Type::GeoPoint) {
                let points = geo_leaves(group)
                    .map_err(|m| format!("field [{}]: {m}", self.fields.names[cell]))?;
                self.cells[cell] = Cell::from_values(points);
                continue;
            }
            if self.is_flat_root(id) {
                continue;
            }
            for (_, leaf) in group {
                if let Some(ty) = self.type_of(id, leaf) {
                    let v = to_value(leaf, ty, id, &mut self.interner)
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
        self.pair_geo_objects()?;
        self.pair_range_objects()
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

    pub(super) fn fail(&mut self, error: InputError) -> Result<(), InputError> {
        if self.options.skip_invalid {
            self.docs.skipped.push(error);
            Ok(())
        } else {
            Err(error)
        }
    }

    pub(super) fn finish(mut self, selection: &FieldSelection) -> Documents {
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
