//! Where batches come from: a reader copied into recycled buffers, or text in memory cut where
//! it lies, both in whole lines, with batches growing from [`FIRST_BATCH`] to the full size.

use std::borrow::Cow;
use std::io::{BufRead, Read};
use std::sync::{Arc, Mutex};

/// A unit of work: whole lines, or a line longer than the limit (already skipped over).
pub(super) enum Job<'a> {
    /// Read into a buffer, or borrowed from text in memory.
    Lines(Cow<'a, [u8]>),
    Overlong,
}

impl Job<'_> {
    pub(super) fn is_blank(&self) -> bool {
        matches!(self, Job::Lines(text) if text.trim_ascii().is_empty())
    }
}

/// Batch buffers handed back by the workers for the reader to fill again: a fresh 4 MiB
/// buffer per batch costs the kernel a mapping, page faults and zeroing every time.
#[derive(Clone, Default)]
pub(super) struct Spare(Arc<Mutex<Vec<Vec<u8>>>>);

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
    pub(super) fn give(&self, mut buffer: Vec<u8>) {
        buffer.resize(buffer.capacity(), 0);
        if let Ok(mut spare) = self.0.lock() {
            if spare.len() < Spare::KEEP {
                spare.push(buffer);
            }
        }
    }
}

/// Where batches come from.
pub(super) enum Feed<'a, R> {
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
        /// What follows the text (a mapped file's unfinished last line and what is appended
        /// to it meanwhile), read once the text is done.
        then: Option<Batches<R>>,
    },
}

/// The first batch's size at most; each next one is twice the last, up to
/// [`super::Streaming::batch_bytes`].
pub const FIRST_BATCH: usize = 64 << 10;

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

/// The size of the next batch, and the one after it.
fn ramp(size: &mut usize, full: usize) -> usize {
    let now = *size;
    *size = now.saturating_mul(2).min(full);
    now
}

/// Text is released in steps of this (a multiple of every page size).
pub const RELEASE_STEP: usize = 2 << 20;

impl<'a, R: BufRead> Feed<'a, R> {
    pub(super) fn next(&mut self) -> std::io::Result<Option<Job<'a>>> {
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
                then,
            } => {
                if *at >= text.len() {
                    return match then {
                        Some(rest) => rest.next(),
                        None => Ok(None),
                    };
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

    pub(super) fn at_end(&self) -> bool {
        match self {
            Feed::Reader(reader) => reader.eof && reader.pending.is_empty(),
            Feed::Text { text, at, then, .. } => {
                *at >= text.len() && then.as_ref().is_none_or(|r| r.eof && r.pending.is_empty())
            }
        }
    }
}

/// Cuts input into jobs of whole lines; a line longer than the limit is skipped over without
/// being held and becomes an [`Job::Overlong`] of its own.
pub(super) struct Batches<R> {
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
    pub(super) fn new(input: R, batch_bytes: usize, max_line: usize, spare: Spare) -> Batches<R> {
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

    pub(super) fn next(&mut self) -> std::io::Result<Option<Job<'static>>> {
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
#[path = "feed_tests.rs"]
mod tests;
