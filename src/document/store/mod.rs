//! Documents as rows: NDJSON or JSON values are read once into a compact row store holding
//! only the selected fields, typed by the mapping, with each document's data-stream name.

use std::collections::BTreeSet;
use std::fmt;
use std::io::BufRead;
use std::sync::Arc;

use super::mapping::Mapping;
use super::value::Cell;
use super::Column;

mod loader;
mod parallel;
mod prefilter;

pub use prefilter::{LeafTest, PreFilter};

use loader::Loader;

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
    /// Documents a query's first filter rejects on their scanned leaves, dropped before
    /// their row is built (see [`PreFilter`]); `None` keeps every document.
    pub prefilter: Option<Arc<PreFilter>>,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            mapping: super::catalog::Catalog::current().load_mapping(),
            default_index: None,
            skip_invalid: false,
            max_line_bytes: 64 << 20,
            want_ids: true,
            prefilter: None,
        }
    }
}

impl LoadOptions {
    /// These options with the mapping cut to what a loader of `selection` consults
    /// ([`Mapping::around`] its names and the loader's own `_id` and `data_stream.*`), for a
    /// reader that makes a loader, and so a copy of the options, per batch. Every field is
    /// consulted when `selection` is `all` (its fields come from the documents): the mapping
    /// then stays whole.
    pub fn for_selection(&self, selection: &FieldSelection) -> LoadOptions {
        if selection.all {
            return self.clone();
        }
        let names = selection.names.iter().map(String::as_str);
        LoadOptions {
            mapping: self.mapping.around(names.chain(loader::INTERNAL)),
            default_index: self.default_index.clone(),
            prefilter: self.prefilter.clone(),
            ..*self
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
    /// Documents dropped by [`LoadOptions::prefilter`]: runs of one `_index` and their length.
    dropped: Vec<(Option<Arc<str>>, usize)>,
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
        // Valid UTF-8 throughout (the usual case): the scanner finds each line's end as it
        // reads the line's document, and only lines it cannot vouch for are cut by search.
        // ASCII, the usual text, is checked first: about three times faster than UTF-8.
        let whole = super::scan_blocks::ascii_str(text).or_else(|| std::str::from_utf8(text).ok());
        let mut line = 0;
        let mut at = 0;
        while at < text.len() {
            line += 1;
            if let Some(next) =
                whole.and_then(|whole| loader.add_scanned_line(whole, at, line, max))
            {
                at = next?;
                continue;
            }
            let rest = &text[at..];
            let raw = match memchr::memchr(b'\n', rest) {
                Some(end) => &rest[..=end],
                None => rest,
            };
            at += raw.len();
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

    /// The documents [`LoadOptions::prefilter`] dropped, as runs of one `_index` in input
    /// order (they count as read, and as matched when `FROM` reads their index).
    pub(crate) fn take_dropped(&mut self) -> Vec<(Option<Arc<str>>, usize)> {
        std::mem::take(&mut self.dropped)
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
            dropped: Vec::new(),
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
            joined.dropped.extend(part.dropped);
        }
        joined.columns = names;
        joined
    }
}

#[cfg(test)]
#[path = "batch_tests.rs"]
mod batch_tests;

#[cfg(test)]
#[path = "prefilter_tests.rs"]
mod prefilter_tests;

#[cfg(test)]
#[path = "selection_tests.rs"]
mod selection_tests;
