//! Streaming a query over NDJSON: batches of lines are parsed and filtered on every core, and
//! their rows reach the first blocking step in input order, so memory grows with the groups a
//! `STATS` keeps (or the rows a query returns), not with the documents read.
//!
//! The result is the one [`Plan::run`] gives over [`Documents::from_ndjson`] of the whole input,
//! byte for byte: batches are consumed in input order, warnings merge in that order (each keeps
//! its first 20 distinct details, so their union in order keeps the global first 20), and a batch
//! that fills a `LIMIT` is re-run in order so rows after the limit add no warnings.
//!
//! A `LIMIT` with nothing blocking ahead of it stops the reading once it is filled: the lines
//! after the one that gave its last row are never read, so are neither validated nor counted
//! (Elasticsearch never reads them either). [`Streaming::read_all`] (`--strict`) reads and
//! validates to the end instead. Which line fills the limit does not depend on batches or
//! threads, so neither does the outcome.

use std::io::BufRead;

use crate::diagnostic::Diagnostic;
use crate::esql::ast::{self, SourceCommand};

use super::plan::metadata_type;
use super::{Plan, Table};
use crate::document::{Column, Documents, FieldSelection, InputError, LoadOptions};

/// Takes workers' results in input order and feeds the plan's sink.
mod consumer;
/// Where batches come from: a reader cut into recycled buffers, or text in memory.
mod feed;
/// The workers that parse and filter batches, and the loop that hands them out.
mod workers;

use feed::{Batches, Feed, Job, Spare};
pub use feed::{FIRST_BATCH, RELEASE_STEP};
use workers::run_plan;

/// How a streamed run splits its work.
#[derive(Clone, Copy, Debug)]
pub struct Streaming {
    /// Threads parsing and filtering batches.
    pub threads: usize,
    /// Bytes of input per batch: big enough to amortise a batch's set-up, small enough that
    /// the batches in flight (two per thread) hold little memory. The first batches are
    /// smaller ([`FIRST_BATCH`], doubling), so a `LIMIT` filled early waits for little work.
    pub batch_bytes: usize,
    /// Read (and validate) every line even after a `LIMIT` is filled (`--strict`); otherwise
    /// the reading stops there.
    pub read_all: bool,
}

impl Default for Streaming {
    /// Every core, 4 MiB batches, stopping at a filled `LIMIT`.
    fn default() -> Streaming {
        Streaming {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            batch_bytes: 4 << 20,
            read_all: false,
        }
    }
}

/// What a streamed run read and returned.
#[derive(Debug)]
pub struct Streamed {
    pub table: Table,
    /// Documents read (skipped ones excluded).
    pub documents: usize,
    /// Documents of an index `FROM` matches (or of none): zero over documents is an unknown index.
    pub matched: usize,
    /// Documents skipped under [`LoadOptions::skip_invalid`], with their lines.
    pub skipped: Vec<InputError>,
}

/// Why a streamed query failed.
#[derive(Debug)]
pub enum StreamError {
    /// A bad input document (or a failed read), with its line.
    Input(InputError),
    /// The query does not compile over the documents' columns.
    Query(Diagnostic),
}

/// Whether `rulegate query` can stream `query`: it reads an index and its output is bounded by
/// a `KEEP` or `STATS`. A query whose output is every field has as many columns as there are
/// fields in all documents together, known only after the last one, so it is run over the
/// loaded documents instead.
pub fn streams(query: &ast::Query, selection: &FieldSelection) -> bool {
    matches!(query.source, SourceCommand::From(_)) && !selection.all
}

/// Runs `query` (parsed from `text`, [`streams`] true) over NDJSON `input`; `now` is `NOW()`
/// in epoch milliseconds.
///
/// A field the mapping does not type takes the type of the first document that has it, as
/// when every document is loaded first: batches are read (and kept) in order until every such
/// field the query reads has been seen, then the plan is compiled with those types added to
/// the mapping, and the kept batches and the rest stream through it. Memory grows with the
/// input only until the last unmapped field first appears (usually the first batch); a field
/// that never appears is an unknown column, as without streaming.
pub fn run_query(
    query: &ast::Query,
    text: &str,
    selection: &FieldSelection,
    input: impl BufRead,
    options: &LoadOptions,
    streaming: Streaming,
    now: i64,
) -> Result<Streamed, StreamError> {
    let spare = Spare::default();
    let batch_bytes = streaming.batch_bytes.max(1);
    let reader = Batches::new(input, batch_bytes, options.max_line_bytes, spare.clone());
    let feed = Feed::Reader(reader);
    run(
        query, text, selection, feed, options, streaming, &spare, now,
    )
}

/// [`run_query`] over text already in memory: batches are cut where they lie, without copying.
/// `release(end)` is called as batches are cut, with an offset well behind the batches in
/// flight: the text before it is not needed any more (a mapped file drops those pages, so that
/// memory stays flat over a file of any size).
#[allow(clippy::too_many_arguments)]
pub fn run_query_text(
    query: &ast::Query,
    text: &str,
    selection: &FieldSelection,
    input: &[u8],
    release: &dyn Fn(usize),
    options: &LoadOptions,
    streaming: Streaming,
    now: i64,
) -> Result<Streamed, StreamError> {
    let mapped = InMemory {
        lines: input,
        release,
        then: None::<std::io::Empty>,
    };
    run_query_mapped(query, text, selection, mapped, options, streaming, now)
}

/// Input held in memory (a mapped file), and what follows it.
pub struct InMemory<'a, R> {
    /// Whole lines (or text ending without a line end when nothing follows).
    pub lines: &'a [u8],
    /// Called with offsets of `lines` no batch reads before any more (see [`run_query_text`]).
    pub release: &'a dyn Fn(usize),
    /// Read after `lines`: the rest of a mapped file, from the start of a line.
    pub then: Option<R>,
}

/// [`run_query_text`] over `input.lines`, then on through `input.then`, lines counted across
/// both.
pub fn run_query_mapped<R: BufRead>(
    query: &ast::Query,
    text: &str,
    selection: &FieldSelection,
    input: InMemory<'_, R>,
    options: &LoadOptions,
    streaming: Streaming,
    now: i64,
) -> Result<Streamed, StreamError> {
    let batch_bytes = streaming.batch_bytes.max(1);
    let spare = Spare::default();
    let then =
        (input.then).map(|r| Batches::new(r, batch_bytes, options.max_line_bytes, spare.clone()));
    let feed = Feed::Text {
        text: input.lines,
        at: 0,
        batch_bytes,
        size: FIRST_BATCH.min(batch_bytes),
        release: input.release,
        released: 0,
        // Several times the batches in flight (two per thread, and one in each thread).
        lag: batch_bytes * streaming.threads.max(1) * 8,
        then,
    };
    run(
        query, text, selection, feed, options, streaming, &spare, now,
    )
}

#[allow(clippy::too_many_arguments)]
fn run<'a, R: BufRead>(
    query: &ast::Query,
    text: &str,
    selection: &FieldSelection,
    mut feed: Feed<'a, R>,
    options: &LoadOptions,
    streaming: Streaming,
    spare: &Spare,
    now: i64,
) -> Result<Streamed, StreamError> {
    // A document's `_id` (a hash of its line when it has none) only if the query reads it.
    // Each batch's loader takes a copy of the options: of the mapping, only what it consults.
    let options = LoadOptions {
        want_ids: selection.names.contains("_id"),
        ..options.for_selection(selection)
    };
    let (options, held) = resolve_types(query, selection, &mut feed, &options)?;
    let columns: Vec<Column> = selection
        .names
        .iter()
        // ES|QL sees a `flattened` field as its root only: its keys are no columns.
        .filter(|name| !crate::document::flattened::lies_below_root(&options.mapping, name))
        .filter_map(|name| {
            let ty = options.mapping.get(name)?;
            Some(Column {
                name: name.clone(),
                ty,
            })
        })
        .collect();
    // `selection.names` is a sorted set: the columns come sorted by name, as the store's do.
    let plan = match Plan::compile(query, text, &columns) {
        Ok(plan) => plan,
        // An input without documents is reported as such before the query is looked at (its
        // fields are unknown for want of documents), as when the documents are loaded first.
        Err(_) if feed.at_end() && held.iter().all(Job::is_blank) => {
            return Ok(Streamed {
                table: Table::default(),
                documents: 0,
                matched: 0,
                skipped: Vec::new(),
            })
        }
        Err(d) => return Err(StreamError::Query(d)),
    };
    let mut held = held.into_iter();
    let jobs = move || match held.next() {
        Some(job) => Ok(Some(job)),
        None => feed.next(),
    };
    run_plan(&plan, selection, jobs, &options, streaming, spare, now).map_err(StreamError::Input)
}

/// Reads batches until every field the query reads has a type (from the mapping, or from the
/// first document that has it), and returns the mapping with those types added and the
/// batches read so far.
fn resolve_types<'a>(
    query: &ast::Query,
    selection: &FieldSelection,
    feed: &mut Feed<'a, impl BufRead>,
    options: &LoadOptions,
) -> Result<(LoadOptions, Vec<Job<'a>>), StreamError> {
    let requested: &[ast::Name] = match &query.source {
        SourceCommand::From(from) => &from.metadata,
        SourceCommand::Row(_) => &[],
    };
    let mut unresolved: Vec<&String> = selection
        .names
        .iter()
        .filter(|name| options.mapping.get(name).is_none())
        .filter(|name| {
            !(metadata_type(name).is_some() && requested.iter().any(|m| m.name == **name))
        })
        .collect();
    let mut options = options.clone();
    let mut held = Vec::new();
    let mut lines = 0;
    // Bad documents are the run's to report, in order; here they only must not stop the
    // reading (a document that fails still types its fields, as in the loader).
    let probe = LoadOptions {
        skip_invalid: true,
        ..options.clone()
    };
    while !unresolved.is_empty() {
        let job = feed.next().map_err(|e| {
            StreamError::Input(InputError {
                line: lines + 1,
                message: format!("cannot read input: {e}"),
            })
        })?;
        let Some(job) = job else { break };
        if let Job::Lines(text) = &job {
            // Under `skip_invalid` a batch always loads.
            if let Ok((docs, read)) = Documents::from_ndjson_text(text, selection, probe.clone()) {
                lines += read;
                for column in &docs.columns {
                    if let Some(at) = unresolved.iter().position(|n| **n == column.name) {
                        options
                            .mapping
                            .fields
                            .insert(column.name.clone(), column.ty);
                        unresolved.remove(at);
                    }
                }
            }
        } else {
            lines += 1;
        }
        held.push(job);
    }
    Ok((options, held))
}
