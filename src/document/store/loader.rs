//! The incremental loader behind every entry point: each document's leaves are typed by the
//! mapping (or dynamically), coerced as Elasticsearch indexes them, and appended as a row.

use std::borrow::Cow;
use std::sync::Arc;

use super::prefilter::{Resolved, Tally};
use super::{Documents, FieldSelection, InputError, LoadOptions};
use crate::document::ids::LineIds;
use crate::document::scan::{self, Paths, Wanted};
use crate::document::value::{Cell, Type, Value};
use crate::document::walk::{self, Fields, Scalar};
use crate::document::Column;

#[path = "loader_cells.rs"]
mod cells;
#[path = "loader_drop.rs"]
mod dropping;
#[path = "loader_flat.rs"]
mod flat;
#[path = "loader_leaves.rs"]
mod leaves;
#[path = "range_objects.rs"]
mod range_objects;

use dropping::joined_index;
use leaves::to_value;
use leaves::{dynamic_type, Interner};

/// Spare cells per row for metadata columns (`_id`, `_index`, `_version`, `_score`).
const METADATA_ROOM: usize = 4;

pub(super) const INTERNAL: [&str; 4] = [
    "_id",
    "data_stream.type",
    "data_stream.dataset",
    "data_stream.namespace",
];

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
    /// Per `date_range` or `double_range` field: its id and its bound leaves' (`range_objects`).
    range_parts: Vec<range_objects::RangeField>,
    /// [`LoadOptions::prefilter`] over field ids; `None` with geo points (their values come
    /// from other leaves) or every field selected.
    prefilter: Option<Resolved>,
    /// The current document's leaves counted per field, for the pre-filter's lookups.
    tally: Tally,
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
        let ranges: Vec<(&String, Type)> = (selection.names.iter())
            .filter_map(|n| match options.mapping.get(n) {
                Some(ty @ (Type::DateRange | Type::DoubleRange)) => Some((n, ty)),
                _ => None,
            })
            .collect();
        for (name, _) in &ranges {
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
            tally: Tally::default(),
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
