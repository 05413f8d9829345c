//! The consumer: workers' results taken in input order into the plan's sink, with the lines,
//! documents and warnings they count, and the batch that fills a `LIMIT` re-run in order.

use std::collections::BTreeMap;

use super::workers::Done;
use super::Streamed;
use crate::document::{Documents, FieldSelection, InputError, LoadOptions};
use crate::eval::expr::Ctx;
use crate::eval::warnings::Warnings;
use crate::eval::{Plan, Window};

/// Takes workers' results in input order and feeds the plan's sink.
pub(super) struct Consumer<'p> {
    plan: &'p Plan,
    selection: &'p FieldSelection,
    options: &'p LoadOptions,
    now: i64,
    sink: crate::eval::plan::Sink<'p>,
    warnings: Warnings,
    /// Results that arrived ahead of their turn.
    waiting: BTreeMap<usize, Done<'p>>,
    pub(super) next: usize,
    /// Lines before the next job.
    line_offset: usize,
    documents: usize,
    matched: usize,
    skipped: Vec<InputError>,
    /// Whether reading stops once the sink is full (a bounded sink, not `--strict`).
    pub(super) stop_early: bool,
    /// The sink was filled with reading stopping early: nothing after it is read.
    pub(super) filled: bool,
}

impl<'p> Consumer<'p> {
    pub(super) fn new(
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
    pub(super) fn take(&mut self, seq: usize, done: Done<'p>) -> Result<(), InputError> {
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
    pub(super) fn read_failed(&self, error: &std::io::Error) -> InputError {
        InputError {
            line: self.line_offset + 1,
            message: format!("cannot read input: {error}"),
        }
    }

    pub(super) fn finish(self) -> Streamed {
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
