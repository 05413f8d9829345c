//! `ingest` on every core: this thread reads and parses the log, workers map batches of its
//! events to documents, and this thread takes the documents back in the log's order, so the
//! output, warnings and the first error are those of the one-thread path.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use rulegate::audit::import::{self, ImportSummary, Imported, Item};
use rulegate::diagnostic::Diagnostic;

use super::{Mapped, Mapping, Ordered};

/// Items per batch: enough to make a channel hand-off cheap next to mapping them.
const BATCH: usize = 256;

type Batch<E> = (usize, Vec<Item<E>>);

/// A mapped event with the event it came from.
type Done = (Mapped, Imported);

/// A mapped batch, or `None` when mapping it panicked (a bug): the reader then stops with an
/// error instead of waiting forever for a batch that will never come.
type MappedBatch<E> = (usize, Option<Vec<Item<E>>>);

/// Batches handed to workers and not yet written, per worker: bounds memory (and keeps
/// every worker busy while this thread reads).
const IN_FLIGHT_PER_WORKER: usize = 4;

/// Reads one log with `threads - 1` mapping workers (at least one) besides this thread.
pub(super) fn ingest(
    name: &str,
    reader: impl Read,
    mapping: &Mapping,
    threads: usize,
    state: &mut Ordered<'_>,
) -> Result<ImportSummary, Box<Diagnostic>> {
    let workers = threads.saturating_sub(1).max(1);
    let (work, queue) = channel::<Batch<Imported>>();
    let queue = Arc::new(Mutex::new(queue));
    let (done, results) = channel::<MappedBatch<Done>>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (queue, done) = (Arc::clone(&queue), done.clone());
            scope.spawn(move || map_batches(&queue, &done, mapping));
        }
        drop(done);
        let mut taker = Taker {
            name,
            state,
            results,
            pending: BTreeMap::new(),
            next: 0,
            sent: 0,
            limit: workers * IN_FLIGHT_PER_WORKER,
            failed: false,
        };
        let mut batch = Vec::with_capacity(BATCH);
        let skip_invalid = taker.state.args.skip_invalid;
        let read = import::read_stream(name, reader, skip_invalid, &mut |item| {
            batch.push(item);
            if batch.len() == BATCH {
                taker.send(&work, std::mem::take(&mut batch))?;
            }
            Ok(())
        });
        if !batch.is_empty() && !taker.failed {
            if let Err(error) = taker.send(&work, batch) {
                drop(work);
                return Err(error);
            }
        }
        // Workers end when the queue is empty and closed.
        drop(work);
        if taker.failed {
            return read;
        }
        // What was read before the reader's own error (or the end) comes first.
        taker.take_until(0)?;
        read
    })
}

/// A worker: maps batches until the queue closes.
fn map_batches(
    queue: &Mutex<Receiver<Batch<Imported>>>,
    done: &Sender<MappedBatch<Done>>,
    mapping: &Mapping,
) {
    loop {
        // The lock is held only while waiting for the next batch.
        let next = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok((seq, items)) = next else { return };
        let mapped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            items
                .into_iter()
                .map(|item| match item {
                    // The event goes back with its document, to be freed on the thread that
                    // allocated it: a free into another thread's allocator arena contends
                    // with that thread's own allocations.
                    Item::Event(event) => Item::Event((mapping.map(&event), event)),
                    Item::Warning(warning) => Item::Warning(warning),
                })
                .collect()
        }));
        let failed = mapped.is_err();
        if done.send((seq, mapped.ok())).is_err() || failed {
            return;
        }
    }
}

/// This thread's side: sends batches and takes mapped ones back in order.
struct Taker<'s, 'o> {
    name: &'s str,
    state: &'s mut Ordered<'o>,
    results: Receiver<MappedBatch<Done>>,
    /// Mapped batches that came back ahead of their turn.
    pending: BTreeMap<usize, Vec<Item<Done>>>,
    /// The batch to write next.
    next: usize,
    /// Batches sent so far.
    sent: usize,
    limit: usize,
    /// Writing failed (its error is what `send` returned): nothing more is sent.
    failed: bool,
}

impl Taker<'_, '_> {
    fn send(
        &mut self,
        work: &Sender<Batch<Imported>>,
        items: Vec<Item<Imported>>,
    ) -> Result<(), Box<Diagnostic>> {
        let wrote = self.take_until(self.limit - 1);
        if wrote.is_err() {
            self.failed = true;
            return wrote;
        }
        // Workers hold the queue until it closes, so a send only fails after a worker died.
        if work.send((self.sent, items)).is_err() {
            self.failed = true;
            return Err(Box::new(Diagnostic::error(
                "E004",
                "a mapping thread stopped",
            )));
        }
        self.sent += 1;
        Ok(())
    }

    /// Writes mapped batches in order until at most `in_flight` are outstanding.
    fn take_until(&mut self, in_flight: usize) -> Result<(), Box<Diagnostic>> {
        while self.sent - self.next > in_flight {
            let items = match self.pending.remove(&self.next) {
                Some(items) => items,
                None => {
                    let Ok((seq, Some(items))) = self.results.recv() else {
                        return Err(Box::new(Diagnostic::error(
                            "E004",
                            "a mapping thread stopped",
                        )));
                    };
                    self.pending.insert(seq, items);
                    continue;
                }
            };
            self.next += 1;
            for item in items {
                self.state
                    .take(self.name, item, |(mapped, _event)| mapped)?;
            }
        }
        Ok(())
    }
}
