//! `ingest`'s direct path on every core: this thread reads the log in chunks of whole lines,
//! workers write the ECS document of each line that is one native audit event, GKE entry
//! or AKS envelope, or an AKS `records` batch, straight from its bytes (`audit::ecs_direct`),
//! and this thread takes the chunks back in the log's order,
//! reading every other line (envelopes, documents over several lines, CRI prefixes, lines
//! that do not parse) through the `Value` path as one thread would. The output, the warnings
//! and the first error are those of the `Value` path at any number of threads and any chunk
//! size.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use rulegate::audit::ecs_direct::{self, Batch, DirectOptions, Taken};
use rulegate::audit::import::{ImportSummary, LineReader};
use rulegate::audit::json_tree::Tree;
use rulegate::audit::shapes::Shape;
use rulegate::diagnostic::Diagnostic;

use super::{Mapping, Ordered};

/// Bytes per chunk (then read on to the end of the line): a few hundred events, so that a
/// hand-off is cheap next to mapping them and memory stays small.
pub(super) const CHUNK: usize = 256 * 1024;

/// Chunks handed to workers and not yet written, per worker.
const IN_FLIGHT_PER_WORKER: usize = 4;

/// Marks a line left to the `Value` path.
const NOT_MAPPED: usize = usize::MAX;

/// Whole lines of the log, and the read error that ended it, if one did (after these lines).
#[derive(Default)]
struct Chunk {
    bytes: Vec<u8>,
    error: Option<io::Error>,
    /// Per line: the end of its bytes (its newline or the end of the chunk), the end of its
    /// document in `out` (or [`NOT_MAPPED`]), and what the line was.
    lines: Vec<(usize, usize, Shape)>,
    /// The documents of the mapped lines, back to back.
    out: Vec<u8>,
    /// What each mapped AKS `records` batch ([`Shape::AksRecords`] in `lines`) held, in order.
    batches: Vec<Batch>,
}

/// A worker's trees: one for the line, one for the events of a batch's records.
#[derive(Default)]
struct Trees {
    line: Tree,
    records: Tree,
}

/// Reads the next chunk into `chunk` (its buffers reused); `false` at the end of the log.
fn read_chunk(reader: &mut dyn BufRead, size: usize, chunk: &mut Chunk) -> bool {
    chunk.bytes.clear();
    chunk.lines.clear();
    chunk.out.clear();
    chunk.batches.clear();
    chunk.error = None;
    let mut full = false;
    match (&mut *reader)
        .take(size as u64)
        .read_to_end(&mut chunk.bytes)
    {
        Ok(_) => full = chunk.bytes.len() == size,
        Err(error) => chunk.error = Some(error),
    }
    if full && chunk.bytes.last() != Some(&b'\n') {
        if let Err(error) = reader.read_until(b'\n', &mut chunk.bytes) {
            chunk.error = Some(error);
        }
    }
    if chunk.error.is_some() {
        // The line the read stopped in is the error's; the lines before it are read.
        let whole = chunk
            .bytes
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        chunk.bytes.truncate(whole);
    }
    !chunk.bytes.is_empty() || chunk.error.is_some()
}

/// Maps every line of a chunk that the direct path takes.
fn map_chunk(chunk: &mut Chunk, options: &DirectOptions, trees: &mut Trees) {
    let bytes = &chunk.bytes;
    // One UTF-8 check for the whole chunk (lines end at a newline, an ASCII byte, so each
    // line of valid text is valid text); line by line only in a chunk that is not.
    let whole = std::str::from_utf8(bytes).ok();
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let line = match whole {
            Some(text) => text.get(start..end),
            None => std::str::from_utf8(&bytes[start..end]).ok(),
        };
        let (tree, records) = (&mut trees.line, Some(&mut trees.records));
        let mapped = line.and_then(|line| {
            ecs_direct::write_any_line(tree, records, line, options, &mut chunk.out).ok()
        });
        let (out_end, shape) = match mapped {
            Some(Taken::One(shape)) => (chunk.out.len(), shape),
            Some(Taken::Batch(batch)) => {
                chunk.batches.push(batch);
                (chunk.out.len(), Shape::AksRecords)
            }
            None => (NOT_MAPPED, Shape::Event),
        };
        chunk.lines.push((end, out_end, shape));
        start = end + 1;
    }
}

/// This thread's reading of the mapped chunks, in order.
struct Consumer<'s, 'o> {
    name: &'s str,
    mapping: &'s Mapping,
    state: &'s mut Ordered<'o>,
    lines: LineReader<'s>,
}

impl Consumer<'_, '_> {
    /// Writes a chunk's documents and reads its other lines through the `Value` path. When
    /// the chunk's last run of documents is the whole of `chunk.out` (every line mapped), the
    /// buffer itself goes to the output, which gives an empty one back.
    fn take(&mut self, chunk: &mut Chunk) -> Result<(), Box<Diagnostic>> {
        let (mut start, mut run_from, mut run_to) = (0, 0, 0);
        let mut batches = chunk.batches.iter();
        for &(end, out_end, shape) in &chunk.lines {
            // A batch's counts, taken in order whether or not its documents are used.
            let batch = (shape == Shape::AksRecords)
                .then(|| batches.next())
                .flatten();
            if out_end != NOT_MAPPED && self.lines.is_clean() {
                match batch {
                    Some(batch) => self.lines.plain_batch(batch.events, &batch.skipped),
                    None => self.lines.plain_event(shape),
                }
                run_to = out_end;
            } else {
                self.state.write_documents(&chunk.out[run_from..run_to])?;
                run_to = if out_end == NOT_MAPPED {
                    run_to
                } else {
                    out_end
                };
                run_from = run_to;
                let with_newline = (end + 1).min(chunk.bytes.len());
                self.line(&chunk.bytes[start..with_newline])?;
            }
            start = end + 1;
        }
        if run_from == 0 && run_to == chunk.out.len() {
            self.state.write_documents_vec(&mut chunk.out)?;
        } else {
            self.state.write_documents(&chunk.out[run_from..run_to])?;
        }
        match &chunk.error {
            Some(error) => Err(self.lines.read_error(error)),
            None => Ok(()),
        }
    }

    /// One line through the `Value` path.
    fn line(&mut self, bytes: &[u8]) -> Result<(), Box<Diagnostic>> {
        let Ok(text) = std::str::from_utf8(bytes) else {
            // What `read_line` says of such a line.
            let error = io::Error::new(
                io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            );
            return Err(self.lines.read_error(&error));
        };
        let (name, mapping, state) = (self.name, self.mapping, &mut *self.state);
        self.lines.line(text, &mut |item| {
            state.take(name, item, |e| mapping.map(&e))
        })
    }

    fn finish(self) -> Result<ImportSummary, Box<Diagnostic>> {
        let (name, mapping, state) = (self.name, self.mapping, self.state);
        self.lines
            .finish(&mut |item| state.take(name, item, |e| mapping.map(&e)))
    }
}

/// Reads one log through the direct path, with `threads` mapping workers (one: on this thread).
pub(super) fn ingest(
    name: &str,
    mut reader: Box<dyn BufRead>,
    mapping: &Mapping,
    options: &DirectOptions,
    threads: usize,
    chunk_size: usize,
    state: &mut Ordered<'_>,
) -> Result<ImportSummary, Box<Diagnostic>> {
    let skip_invalid = state.args.skip_invalid;
    let mut consumer = Consumer {
        name,
        mapping,
        state,
        lines: LineReader::new(name, skip_invalid),
    };
    if threads <= 1 {
        let (mut chunk, mut trees) = (Chunk::default(), Trees::default());
        while read_chunk(&mut reader, chunk_size, &mut chunk) {
            map_chunk(&mut chunk, options, &mut trees);
            consumer.take(&mut chunk)?;
        }
    } else {
        in_parallel(&mut *reader, options, threads, chunk_size, &mut consumer)?;
    }
    consumer.finish()
}

type Numbered = (usize, Chunk);

/// `threads` workers map the chunks this thread reads; this thread takes them back in order.
fn in_parallel(
    reader: &mut dyn BufRead,
    options: &DirectOptions,
    threads: usize,
    chunk_size: usize,
    consumer: &mut Consumer<'_, '_>,
) -> Result<(), Box<Diagnostic>> {
    let (work, queue) = channel::<Numbered>();
    let queue = Arc::new(Mutex::new(queue));
    let (done, results) = channel::<Option<Numbered>>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (queue, done) = (Arc::clone(&queue), done.clone());
            scope.spawn(move || map_chunks(&queue, &done, options));
        }
        drop(done);
        let mut order = InOrder {
            results,
            pending: BTreeMap::new(),
            spare: Vec::new(),
            next: 0,
            sent: 0,
        };
        let limit = threads * IN_FLIGHT_PER_WORKER;
        let taken = (|| loop {
            order.take_until(limit - 1, consumer)?;
            let mut chunk = order.spare.pop().unwrap_or_default();
            if !read_chunk(reader, chunk_size, &mut chunk) {
                return order.take_until(0, consumer);
            }
            let last = chunk.error.is_some();
            if work.send((order.sent, chunk)).is_err() {
                return Err(stopped());
            }
            order.sent += 1;
            if last {
                return order.take_until(0, consumer);
            }
        })();
        // Workers end when the queue is empty and closed.
        drop(work);
        taken
    })
}

fn stopped() -> Box<Diagnostic> {
    Box::new(Diagnostic::error("E004", "a mapping thread stopped"))
}

/// A worker: maps chunks until the queue closes; `None` back when mapping panicked (a bug), so
/// that the reader stops with an error instead of waiting for a chunk that never comes.
fn map_chunks(
    queue: &Mutex<Receiver<Numbered>>,
    done: &Sender<Option<Numbered>>,
    options: &DirectOptions,
) {
    let mut trees = Trees::default();
    loop {
        // The lock is held only while waiting for the next chunk.
        let next = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok((seq, mut chunk)) = next else { return };
        let mapped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            map_chunk(&mut chunk, options, &mut trees)
        }));
        let failed = mapped.is_err();
        if done.send((!failed).then_some((seq, chunk))).is_err() || failed {
            return;
        }
    }
}

/// Mapped chunks taken back in the order they were read; their buffers reused.
struct InOrder {
    results: Receiver<Option<Numbered>>,
    pending: BTreeMap<usize, Chunk>,
    spare: Vec<Chunk>,
    next: usize,
    sent: usize,
}

impl InOrder {
    /// Takes chunks in order until at most `in_flight` are outstanding.
    fn take_until(
        &mut self,
        in_flight: usize,
        consumer: &mut Consumer<'_, '_>,
    ) -> Result<(), Box<Diagnostic>> {
        while self.sent - self.next > in_flight {
            let Some(mut chunk) = self.pending.remove(&self.next) else {
                let Ok(Some((seq, chunk))) = self.results.recv() else {
                    return Err(stopped());
                };
                self.pending.insert(seq, chunk);
                continue;
            };
            self.next += 1;
            consumer.take(&mut chunk)?;
            self.spare.push(chunk);
        }
        Ok(())
    }
}
