//! The workers: batches parsed and filtered on every core, their results sent back in any
//! order for the consumer to take in input order.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use super::consumer::Consumer;
use super::feed::{Job, Spare};
use super::{Streamed, Streaming};
use crate::document::{Cell, Documents, FieldSelection, InputError, LoadOptions};
use crate::eval::expr::Ctx;
use crate::eval::plan::StatsState;
use crate::eval::warnings::Warnings;
use crate::eval::Plan;

/// Runs `plan` over the batches `next_job` gives.
pub(super) fn run_plan<'a>(
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
    let worker = Worker {
        plan,
        selection,
        options: &worker_options,
        stop: &stop,
        spare,
        bounded,
        now,
    };
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::sync_channel::<(usize, Job<'a>)>(threads * 2);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = mpsc::channel::<(usize, Done<'a>)>();
        for _ in 0..threads {
            let (job_rx, done_tx) = (Arc::clone(&job_rx), done_tx.clone());
            scope.spawn(move || worker.run(&job_rx, &done_tx));
        }
        drop(done_tx);
        let mut consumer = Consumer::new(plan, selection, options, now);
        consumer.stop_early = bounded && !streaming.read_all;
        if let Some(e) = hand_out(&mut next_job, &job_tx, &done_rx, &mut consumer, threads)? {
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

/// Reads jobs and hands them to the workers, taking their results as they come, until the
/// input ends, a `LIMIT` is filled, or a read fails (its error, returned for the caller to
/// report once the jobs before it are consumed).
fn hand_out<'a: 'p, 'p>(
    next_job: &mut impl FnMut() -> std::io::Result<Option<Job<'a>>>,
    job_tx: &mpsc::SyncSender<(usize, Job<'a>)>,
    done_rx: &mpsc::Receiver<(usize, Done<'a>)>,
    consumer: &mut Consumer<'p>,
    threads: usize,
) -> Result<Option<std::io::Error>, InputError> {
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
            Err(e) => return Ok(Some(e)),
        };
        if job_tx.send((seq, job)).is_err() {
            break;
        }
        seq += 1;
        while let Ok((k, done)) = done_rx.try_recv() {
            consumer.take(k, done)?;
        }
    }
    Ok(None)
}

/// What every worker thread shares: the plan, the options its loaders read with, and the
/// flag that tells it to drop the jobs still queued.
#[derive(Clone, Copy)]
struct Worker<'w> {
    plan: &'w Plan,
    selection: &'w FieldSelection,
    options: &'w LoadOptions,
    stop: &'w AtomicBool,
    spare: &'w Spare,
    /// Whether the sink can fill (then each batch's text goes back with its result).
    bounded: bool,
    now: i64,
}

impl Worker<'_> {
    /// Works on jobs until there are none, the limit is filled or the consumer is gone.
    fn run<'a>(
        self,
        job_rx: &Mutex<mpsc::Receiver<(usize, Job<'a>)>>,
        done_tx: &mpsc::Sender<(usize, Done<'a>)>,
    ) {
        loop {
            // The lock is held only to take the next job, not while working on it.
            let job = job_rx.lock().map(|rx| rx.recv());
            let Ok(Ok((seq, job))) = job else { break };
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
            let mut done = work(self.plan, self.selection, self.options, job, self.now);
            if !self.bounded {
                if let Cow::Owned(text) = std::mem::take(&mut done.text) {
                    self.spare.give(text);
                }
            }
            if done_tx.send((seq, done)).is_err() {
                break;
            }
        }
    }
}

/// A worker's result for one job.
pub(super) struct Done<'a> {
    /// Lines the job spans.
    pub(super) lines: usize,
    /// The job's rows after the plan's row-local steps, or the first bad document (its line
    /// relative to the job). Empty when they went into [`Done::partial`].
    pub(super) rows: Result<Vec<Vec<Cell>>, InputError>,
    /// The job's rows aggregated, when the first blocking step is a `STATS`.
    pub(super) partial: Option<StatsState>,
    pub(super) warnings: Warnings,
    pub(super) documents: usize,
    /// Documents of an index the plan's `FROM` matches.
    pub(super) matched: usize,
    pub(super) skipped: Vec<InputError>,
    /// The job's text, for the one batch that fills a `LIMIT` (re-run in order).
    pub(super) text: Cow<'a, [u8]>,
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
