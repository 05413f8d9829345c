//! The parallel NDJSON reader: input read in batches of whole lines, each batch split among
//! threads and loaded by the sequential reader, the parts joined in input order.

use std::io::{BufRead, Read};

use super::{Documents, FieldSelection, InputError, LoadOptions};

/// Bytes of input read per parallel round.
const BATCH_BYTES: usize = 32 << 20;

/// One round of input for the parallel reader.
enum Batch {
    /// Whole lines (the partial last line is kept for the next batch); `true` at end of input.
    Lines(Vec<u8>, bool),
    /// A full batch without a line end within `max_line_bytes` of its end.
    Overlong(Vec<u8>),
}

/// Reads up to [`BATCH_BYTES`] after the `pending` bytes left by the previous batch.
fn read_batch(
    input: &mut impl BufRead,
    pending: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Batch> {
    let mut batch = std::mem::take(pending);
    // Room for the whole batch up front: growing by doubling would copy it about twice more.
    batch.reserve(BATCH_BYTES);
    Read::take(input, BATCH_BYTES as u64).read_to_end(&mut batch)?;
    let eof = batch.len() < BATCH_BYTES;
    if !eof {
        match memchr::memrchr(b'\n', &batch) {
            Some(cut) if batch.len() - cut <= max => *pending = batch.split_off(cut + 1),
            _ => return Ok(Batch::Overlong(batch)),
        }
    }
    Ok(Batch::Lines(batch, eof))
}

impl Documents {
    /// Like [`Documents::from_ndjson`], using `threads` threads: the input is read in batches
    /// of whole lines, each batch split among the threads, and the parts joined in input order.
    /// Results are identical to the sequential reader for mapped fields; a dynamic (unmapped)
    /// field takes its type from the first part that has it.
    pub fn from_ndjson_parallel(
        mut input: impl BufRead,
        selection: &FieldSelection,
        options: LoadOptions,
        threads: usize,
    ) -> Result<Documents, InputError> {
        if threads <= 1 || selection.all {
            return Documents::from_ndjson(input, selection, options);
        }
        let max = options.max_line_bytes;
        let mut done: Vec<Documents> = Vec::new();
        let mut first_line = 1;
        let mut pending: Vec<u8> = Vec::new();
        let read_error = |line: usize| {
            move |e: std::io::Error| InputError {
                line,
                message: format!("cannot read input: {e}"),
            }
        };
        let mut next = read_batch(&mut input, &mut pending, max).map_err(read_error(first_line))?;
        loop {
            let (batch, eof) = match next {
                Batch::Lines(batch, eof) => (batch, eof),
                Batch::Overlong(batch) => {
                    // A line longer than a batch: fall back to the sequential reader for the
                    // rest, which bounds and reports it.
                    let rest = std::io::Cursor::new(batch).chain(input);
                    let tail = load_part(
                        std::io::BufReader::new(rest),
                        first_line,
                        selection,
                        options.clone(),
                    )?;
                    done.push(tail);
                    return Ok(Documents::concat_all(done));
                }
            };
            if batch.is_empty() {
                break;
            }
            let parts = split_at_lines(&batch, threads, &mut first_line);
            let (loaded, read): (Vec<Result<Documents, InputError>>, _) =
                std::thread::scope(|scope| {
                    let handles: Vec<_> = parts
                        .iter()
                        .map(|&(part, line)| {
                            let options = options.clone();
                            scope.spawn(move || load_part(part, line, selection, options))
                        })
                        .collect();
                    // Read the next batch while this one is parsed, so reading is not a
                    // sequential step between rounds. Its error, if any, is reported after
                    // this batch's, as the sequential reader would.
                    let read = if eof {
                        Ok(Batch::Lines(Vec::new(), true))
                    } else {
                        read_batch(&mut input, &mut pending, max)
                    };
                    let loaded = handles.into_iter().map(join_part).collect();
                    (loaded, read)
                });
            for part in loaded {
                done.push(part?);
            }
            next = read.map_err(read_error(first_line))?;
            if eof {
                break;
            }
        }
        Ok(Documents::concat_all(done))
    }

    fn shift_lines(mut self, by: usize) -> Documents {
        for l in &mut self.lines {
            *l += by;
        }
        for e in &mut self.skipped {
            e.line += by;
        }
        self
    }
}

/// Splits `batch` into up to `threads` parts at line boundaries, each with the input line it
/// starts on; `first_line` (the batch's) moves on to the line after the batch.
fn split_at_lines<'b>(
    batch: &'b [u8],
    threads: usize,
    first_line: &mut usize,
) -> Vec<(&'b [u8], usize)> {
    let mut parts: Vec<(&[u8], usize)> = Vec::new();
    let mut start = 0;
    let mut line = *first_line;
    for t in 0..threads {
        let target = if t + 1 == threads {
            batch.len()
        } else {
            (batch.len() * (t + 1) / threads).max(start)
        };
        let end = match batch[target.min(batch.len())..]
            .iter()
            .position(|&b| b == b'\n')
        {
            Some(p) if t + 1 < threads => target + p + 1,
            _ => batch.len(),
        };
        let part = &batch[start..end];
        parts.push((part, line));
        // Sequential (the next part's first line depends on it), so counted with SIMD.
        line += memchr::memchr_iter(b'\n', part).count();
        start = end;
        if start >= batch.len() {
            break;
        }
    }
    *first_line = line;
    parts
}

/// Loads one part of the input, which starts on input line `line`, with the sequential reader;
/// its documents' and errors' lines are the input's.
fn load_part(
    part: impl BufRead,
    line: usize,
    selection: &FieldSelection,
    options: LoadOptions,
) -> Result<Documents, InputError> {
    Documents::from_ndjson(part, selection, options)
        .map(|d| d.shift_lines(line - 1))
        .map_err(|e| InputError {
            line: e.line + line - 1,
            message: e.message,
        })
}

/// A part's documents once its thread ends; an error if the thread failed.
fn join_part(
    handle: std::thread::ScopedJoinHandle<'_, Result<Documents, InputError>>,
) -> Result<Documents, InputError> {
    handle.join().unwrap_or_else(|_| {
        Err(InputError {
            line: 0,
            message: "a reader thread failed".into(),
        })
    })
}
