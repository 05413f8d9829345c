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

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{BufRead, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use crate::diagnostic::Diagnostic;
use crate::esql::ast::{self, SourceCommand};

use super::expr::Ctx;
use super::plan::{metadata_type, StatsState};
use super::warnings::Warnings;
use super::{Plan, Table, Window};
use crate::document::{Cell, Column, Documents, FieldSelection, InputError, LoadOptions};

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

/// [`run_query`] over text already in memory (a mapped file): batches are cut where they lie,
/// without copying. `release(end)` is called as batches are cut, with an offset well behind
/// the batches in flight: the text before it is not needed any more (a mapped file drops those
/// pages, so that memory stays flat over a file of any size).
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
    let feed: Feed<'_, std::io::Empty> = Feed::Text {
        text: input,
        at: 0,
        batch_bytes: streaming.batch_bytes.max(1),
        size: FIRST_BATCH.min(streaming.batch_bytes.max(1)),
        release,
        released: 0,
        // Several times the batches in flight (two per thread, and one in each thread).
        lag: streaming.batch_bytes.max(1) * streaming.threads.max(1) * 8,
    };
    let spare = Spare::default();
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

/// Runs `plan` over the batches `next_job` gives.
fn run_plan<'a>(
    plan: &Plan,
    selection: &FieldSelection,
    mut next_job: impl FnMut() -> std::io::Result<Option<Job<'a>>>,
    options: &LoadOptions,
    streaming: Streaming,
    spare: &Spare,
    now: i64,
) -> Result<Streamed, InputError> {
    let threads = streaming.threads.max(1);
    // Only a sink that can fill needs a batch's text back (to re-run the one that fills it).
    let bounded = plan.sink().room() != usize::MAX;
    // Set once the limit is filled: workers drop the jobs still queued.
    let stop = AtomicBool::new(false);
    // Workers drop documents the first `WHERE` rejects on their leaves; the consumer's
    // re-runs of a batch (a filled `LIMIT`) read every document, to count them one by one.
    let worker_options = LoadOptions {
        prefilter: plan.prefilter().map(Arc::new),
        ..options.clone()
    };
    let worker_options = &worker_options;
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::sync_channel::<(usize, Job<'a>)>(threads * 2);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = mpsc::channel::<(usize, Done<'a>)>();
        for _ in 0..threads {
            let (job_rx, done_tx, stop) = (Arc::clone(&job_rx), done_tx.clone(), &stop);
            scope.spawn(move || loop {
                // The lock is held only to take the next job, not while working on it.
                let job = job_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((seq, job))) = job else { break };
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let mut done = work(plan, selection, worker_options, job, now);
                if !bounded {
                    if let Cow::Owned(text) = std::mem::take(&mut done.text) {
                        spare.give(text);
                    }
                }
                if done_tx.send((seq, done)).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        let mut consumer = Consumer::new(plan, selection, options, now);
        consumer.stop_early = bounded && !streaming.read_all;
        let mut seq = 0;
        // At most this many batches are read ahead of the oldest one not yet consumed: a slow
        // batch (a worker descheduled, an expensive document) holds the reading back, instead
        // of the reader and the other workers running on, past a filled `LIMIT` and with every
        // later result waiting in memory for its turn.
        let window = threads * 4;
        while !consumer.filled {
            while seq >= consumer.next + window && !consumer.filled {
                let Ok((k, done)) = done_rx.recv() else { break };
                consumer.take(k, done)?;
            }
            if consumer.filled {
                break;
            }
            let job = match next_job() {
                Ok(Some(job)) => job,
                Ok(None) => break,
                Err(e) => {
                    // Batches before the failed read may hold an earlier input error.
                    drop(job_tx);
                    for (k, done) in done_rx.iter() {
                        consumer.take(k, done)?;
                    }
                    if consumer.filled {
                        return Ok(consumer.finish());
                    }
                    return Err(consumer.read_failed(&e));
                }
            };
            if job_tx.send((seq, job)).is_err() {
                break;
            }
            seq += 1;
            while let Ok((k, done)) = done_rx.try_recv() {
                consumer.take(k, done)?;
            }
        }
        if consumer.filled {
            stop.store(true, Ordering::Relaxed);
        }
        drop(job_tx);
        for (k, done) in done_rx.iter() {
            consumer.take(k, done)?;
            if consumer.filled {
                stop.store(true, Ordering::Relaxed);
            }
        }
        Ok(consumer.finish())
    })
}

/// A unit of work: whole lines, or a line longer than the limit (already skipped over).
enum Job<'a> {
    /// Read into a buffer, or borrowed from text in memory.
    Lines(Cow<'a, [u8]>),
    Overlong,
}

impl Job<'_> {
    fn is_blank(&self) -> bool {
        matches!(self, Job::Lines(text) if text.trim_ascii().is_empty())
    }
}

/// A worker's result for one job.
struct Done<'a> {
    /// Lines the job spans.
    lines: usize,
    /// The job's rows after the plan's row-local steps, or the first bad document (its line
    /// relative to the job). Empty when they went into [`Done::partial`].
    rows: Result<Vec<Vec<Cell>>, InputError>,
    /// The job's rows aggregated, when the first blocking step is a `STATS`.
    partial: Option<StatsState>,
    warnings: Warnings,
    documents: usize,
    /// Documents of an index the plan's `FROM` matches.
    matched: usize,
    skipped: Vec<InputError>,
    /// The job's text, for the one batch that fills a `LIMIT` (re-run in order).
    text: Cow<'a, [u8]>,
}

fn work<'a>(
    plan: &Plan,
    selection: &FieldSelection,
    options: &LoadOptions,
    job: Job<'a>,
    now: i64,
) -> Done<'a> {
    let text = match job {
        Job::Lines(text) => text,
        Job::Overlong => {
            let error = InputError::overlong(1, options.max_line_bytes);
            let (rows, skipped) = if options.skip_invalid {
                (Ok(Vec::new()), vec![error])
            } else {
                (Err(error), Vec::new())
            };
            return Done {
                lines: 1,
                rows,
                warnings: Warnings::default(),
                documents: 0,
                matched: 0,
                skipped,
                partial: None,
                text: Cow::Borrowed(&[]),
            };
        }
    };
    let mut warnings = Warnings::default();
    let stats = plan.sink_stats();
    let mut partial = stats.map(StatsState::new_partial);
    // An error ends the run: the lines after it are never counted.
    let (rows, lines, (documents, matched), skipped) =
        match Documents::from_ndjson_text(&text, selection, options.clone()) {
            Err(e) => (Err(e), 0, (0, 0), Vec::new()),
            Ok((mut docs, lines)) => {
                let mut ctx = Ctx {
                    now,
                    warnings: &mut warnings,
                };
                let mut rows = Vec::new();
                let (mut documents, skipped) = (docs.len(), std::mem::take(&mut docs.skipped));
                let mut matched = (0..documents).filter(|&d| plan.reads(&docs, d)).count();
                // Documents the pre-filter dropped are read and matched all the same.
                for (index, n) in docs.take_dropped() {
                    documents += n;
                    matched += if plan.reads_index(index.as_deref()) {
                        n
                    } else {
                        0
                    };
                }
                for row in plan.take_source_rows(docs) {
                    plan.push_prefix(row, &mut ctx, &mut rows, usize::MAX);
                    // Aggregated here, on this thread, as the rows come.
                    if let (Some(stats), Some(partial)) = (stats, &mut partial) {
                        for row in rows.drain(..) {
                            partial.add(stats, &row, &mut ctx);
                        }
                    }
                }
                (Ok(rows), lines, (documents, matched), skipped)
            }
        };
    Done {
        lines,
        rows,
        warnings,
        documents,
        matched,
        skipped,
        partial,
        text,
    }
}

/// Takes workers' results in input order and feeds the plan's sink.
struct Consumer<'p> {
    plan: &'p Plan,
    selection: &'p FieldSelection,
    options: &'p LoadOptions,
    now: i64,
    sink: super::plan::Sink<'p>,
    warnings: Warnings,
    /// Results that arrived ahead of their turn.
    waiting: BTreeMap<usize, Done<'p>>,
    next: usize,
    /// Lines before the next job.
    line_offset: usize,
    documents: usize,
    matched: usize,
    skipped: Vec<InputError>,
    /// Whether reading stops once the sink is full (a bounded sink, not `--strict`).
    stop_early: bool,
    /// The sink was filled with reading stopping early: nothing after it is read.
    filled: bool,
}

impl<'p> Consumer<'p> {
    fn new(
        plan: &'p Plan,
        selection: &'p FieldSelection,
        options: &'p LoadOptions,
        now: i64,
    ) -> Consumer<'p> {
        Consumer {
            plan,
            selection,
            options,
            now,
            sink: plan.sink(),
            warnings: plan.warnings(),
            waiting: BTreeMap::new(),
            next: 0,
            line_offset: 0,
            documents: 0,
            matched: 0,
            skipped: Vec::new(),
            stop_early: false,
            filled: false,
        }
    }

    /// Takes job `seq`'s result, and every waiting one whose turn has come.
    fn take(&mut self, seq: usize, done: Done<'p>) -> Result<(), InputError> {
        self.waiting.insert(seq, done);
        while let Some(done) = self.waiting.remove(&self.next) {
            self.next += 1;
            self.consume(done)?;
        }
        Ok(())
    }

    fn consume(&mut self, done: Done<'p>) -> Result<(), InputError> {
        if self.filled {
            // The lines after the limit are not read: not validated, not counted.
            return Ok(());
        }
        let offset = self.line_offset;
        self.line_offset += done.lines;
        let shift = |e: InputError| InputError {
            line: e.line + offset,
            message: e.message,
        };
        let room = self.sink.room();
        let rows = match done.rows {
            Ok(rows) => rows,
            // The limit may fill before the bad line, which is then never read.
            Err(e) if self.stop_early && room > 0 => {
                let before = lines_before(&done.text, e.line);
                self.refill(before, offset)?;
                return if self.filled { Ok(()) } else { Err(shift(e)) };
            }
            Err(e) => return Err(shift(e)),
        };
        if room == 0 {
            // Past the limit: as in a run over all documents, later rows are never evaluated.
            self.count(done.documents, done.matched, done.skipped, offset);
            return Ok(());
        }
        if let Some(partial) = done.partial {
            self.count(done.documents, done.matched, done.skipped, offset);
            self.warnings.merge(done.warnings);
            let mut ctx = Ctx {
                now: self.now,
                warnings: &mut self.warnings,
            };
            self.sink.merge(partial, &mut ctx);
            return Ok(());
        }
        if rows.len() < room {
            self.count(done.documents, done.matched, done.skipped, offset);
            self.warnings.merge(done.warnings);
            let mut ctx = Ctx {
                now: self.now,
                warnings: &mut self.warnings,
            };
            self.sink.extend(rows.into_iter(), &mut ctx);
            return Ok(());
        }
        // This batch fills the limit: evaluate it again in order, stopping where a run over
        // all documents stops, so that rows after the limit leave no warnings.
        if !self.stop_early {
            self.count(done.documents, done.matched, done.skipped, offset);
        }
        self.refill(&done.text, offset)
    }

    fn count(&mut self, documents: usize, matched: usize, skipped: Vec<InputError>, offset: usize) {
        self.documents += documents;
        self.matched += matched;
        self.skipped.extend(skipped.into_iter().map(|e| InputError {
            line: e.line + offset,
            message: e.message,
        }));
    }

    /// Feeds the documents of `text` (lines after `offset`) to the sink one by one, in order,
    /// until it is full. Stopping early, the documents up to the one that filled it are
    /// counted (and marked [`Consumer::filled`]); otherwise the caller counted the batch.
    fn refill(&mut self, text: &[u8], offset: usize) -> Result<(), InputError> {
        let shift = |e: InputError| InputError {
            line: e.line + offset,
            message: e.message,
        };
        let (mut docs, _) = Documents::from_ndjson_text(text, self.selection, self.options.clone())
            .map_err(shift)?;
        let mut ctx = Ctx {
            now: self.now,
            warnings: &mut self.warnings,
        };
        let (mut read, mut matched) = (0, 0);
        for doc in 0..docs.len() {
            if self.sink.room() == 0 || ctx.failed() {
                break;
            }
            read = doc + 1;
            if self.plan.reads(&docs, doc) {
                matched += 1;
                let one = [doc];
                let rows = self.plan.source_rows(&docs, Window::Indices(&one));
                self.sink.feed(rows, &mut ctx);
            }
        }
        if !self.stop_early {
            return Ok(());
        }
        // Invalid lines skipped after the last document read were never read either.
        let last_line = read.checked_sub(1).map_or(0, |d| docs.line_of(d));
        let full = self.sink.room() == 0;
        let skipped: Vec<InputError> = std::mem::take(&mut docs.skipped)
            .into_iter()
            .filter(|e| !full || e.line <= last_line)
            .collect();
        self.count(read, matched, skipped, offset);
        self.filled = full;
        Ok(())
    }

    /// A failed read, after every job before it was consumed: at the next line.
    fn read_failed(&self, error: &std::io::Error) -> InputError {
        InputError {
            line: self.line_offset + 1,
            message: format!("cannot read input: {error}"),
        }
    }

    fn finish(self) -> Streamed {
        let mut warnings = self.warnings;
        let mut ctx = Ctx {
            now: self.now,
            warnings: &mut warnings,
        };
        let rows = self.sink.finish(&mut ctx);
        Streamed {
            table: self.plan.table(rows, &warnings),
            documents: self.documents,
            matched: self.matched,
            skipped: self.skipped,
        }
    }
}

/// The text of `text`'s lines before line `line` (1-based).
fn lines_before(text: &[u8], line: usize) -> &[u8] {
    match line.checked_sub(2) {
        None => &[],
        Some(ends) => memchr::memchr_iter(b'\n', text)
            .nth(ends)
            .map_or(text, |end| &text[..=end]),
    }
}

/// Batch buffers handed back by the workers for the reader to fill again: a fresh 4 MiB
/// buffer per batch costs the kernel a mapping, page faults and zeroing every time.
#[derive(Clone, Default)]
struct Spare(Arc<Mutex<Vec<Vec<u8>>>>);

impl Spare {
    /// Buffers kept at most (more are freed).
    const KEEP: usize = 8;

    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .ok()
            .and_then(|mut v| v.pop())
            .unwrap_or_default()
    }

    /// Takes a buffer back at its full capacity: its bytes past the batch (the cut line's
    /// start) are zeroed once here, so that the reader can read into the whole buffer again
    /// without zeroing it first, as `Read::read_to_end` does on a reader without `read_buf`.
    fn give(&self, mut buffer: Vec<u8>) {
        buffer.resize(buffer.capacity(), 0);
        if let Ok(mut spare) = self.0.lock() {
            if spare.len() < Spare::KEEP {
                spare.push(buffer);
            }
        }
    }
}

/// Where batches come from.
enum Feed<'a, R> {
    /// A reader, copied into (recycled) buffers.
    Reader(Batches<R>),
    /// Text in memory, cut at the first line end after every `batch_bytes` (a line longer
    /// than the limit is refused when its batch is read).
    Text {
        text: &'a [u8],
        at: usize,
        batch_bytes: usize,
        /// The next batch's size.
        size: usize,
        release: &'a dyn Fn(usize),
        /// Where the text was last released up to.
        released: usize,
        /// How far behind the cursor released text stays.
        lag: usize,
    },
}

/// The first batch's size at most; each next one is twice the last, up to
/// [`Streaming::batch_bytes`].
pub const FIRST_BATCH: usize = 64 << 10;

/// The size of the next batch, and the one after it.
/// Lengthens `buffer` to `len` bytes if it is shorter, to exactly that capacity (a doubled
/// capacity would be zeroed again by every `Spare::give`).
fn grow_to(buffer: &mut Vec<u8>, len: usize) {
    if buffer.len() < len {
        buffer.reserve_exact(len - buffer.len());
        buffer.resize(len, 0);
    }
}

/// Reads until `buf` is full or the input ends; the bytes read. A `BufReader` with nothing
/// buffered hands a read this large straight to the file, into `buf`.
fn read_up_to(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

fn ramp(size: &mut usize, full: usize) -> usize {
    let now = *size;
    *size = now.saturating_mul(2).min(full);
    now
}

/// Text is released in steps of this (a multiple of every page size).
pub const RELEASE_STEP: usize = 2 << 20;

impl<'a, R: BufRead> Feed<'a, R> {
    fn next(&mut self) -> std::io::Result<Option<Job<'a>>> {
        match self {
            Feed::Reader(reader) => reader.next(),
            Feed::Text {
                text,
                at,
                batch_bytes,
                size,
                release,
                released,
                lag,
            } => {
                if *at >= text.len() {
                    return Ok(None);
                }
                let behind = at.saturating_sub(*lag) / RELEASE_STEP * RELEASE_STEP;
                if behind > *released {
                    release(behind);
                    *released = behind;
                }
                let cut = at.saturating_add(ramp(size, *batch_bytes)).min(text.len());
                let end = memchr::memchr(b'\n', &text[cut..]).map_or(text.len(), |p| cut + p + 1);
                let batch = &text[*at..end];
                *at = end;
                Ok(Some(Job::Lines(Cow::Borrowed(batch))))
            }
        }
    }

    fn at_end(&self) -> bool {
        match self {
            Feed::Reader(reader) => reader.eof && reader.pending.is_empty(),
            Feed::Text { text, at, .. } => *at >= text.len(),
        }
    }
}

/// Cuts input into jobs of whole lines; a line longer than the limit is skipped over without
/// being held and becomes an [`Job::Overlong`] of its own.
struct Batches<R> {
    input: R,
    /// The start of a line the previous batch cut.
    pending: Vec<u8>,
    batch_bytes: usize,
    /// The next batch's size.
    size: usize,
    max_line: usize,
    eof: bool,
    spare: Spare,
}

impl<R: BufRead> Batches<R> {
    fn new(input: R, batch_bytes: usize, max_line: usize, spare: Spare) -> Batches<R> {
        Batches {
            input,
            pending: Vec::new(),
            batch_bytes,
            size: FIRST_BATCH.min(batch_bytes),
            max_line,
            eof: false,
            spare,
        }
    }

    fn next(&mut self) -> std::io::Result<Option<Job<'static>>> {
        let size = ramp(&mut self.size, self.batch_bytes);
        // A recycled buffer comes back at full length (`Spare::give`): `used` is how much of
        // it this batch holds; the rest is initialised room that reads overwrite.
        let mut batch = self.spare.take();
        let mut used = self.pending.len();
        grow_to(&mut batch, used);
        batch[..used].copy_from_slice(&self.pending);
        self.pending.clear();
        loop {
            if self.eof {
                batch.truncate(used);
                return Ok((used > 0).then_some(Job::Lines(Cow::Owned(batch))));
            }
            let before = used;
            grow_to(&mut batch, before + size);
            used += read_up_to(&mut self.input, &mut batch[before..before + size])?;
            self.eof = used - before < size;
            if self.eof {
                continue;
            }
            // Only the bytes just read can hold a line end: what came before is one
            // unfinished line.
            if let Some(cut) = memchr::memrchr(b'\n', &batch[before..used]) {
                self.pending
                    .extend_from_slice(&batch[before + cut + 1..used]);
                batch.truncate(before + cut + 1);
                return Ok(Some(Job::Lines(Cow::Owned(batch))));
            }
            // No line end yet: one line spans the whole batch.
            if used > self.max_line {
                self.skip_line()?;
                return Ok(Some(Job::Overlong));
            }
        }
    }

    /// Reads past the end of the current line.
    fn skip_line(&mut self) -> std::io::Result<()> {
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                self.eof = true;
                return Ok(());
            }
            if let Some(p) = memchr::memchr(b'\n', buf) {
                self.input.consume(p + 1);
                return Ok(());
            }
            let n = buf.len();
            self.input.consume(n);
        }
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
