//! The batch reader: recycled buffers hold stale bytes past their batch, and reads come back
//! short or interrupted; neither may change the lines a batch carries.

use super::*;
use std::io::BufReader;

/// A reader that returns at most `step` bytes a call and is interrupted every third call.
struct Trickle<'a> {
    text: &'a [u8],
    step: usize,
    calls: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.calls += 1;
        if self.calls % 3 == 0 {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = self.step.min(buf.len()).min(self.text.len());
        buf[..n].copy_from_slice(&self.text[..n]);
        self.text = &self.text[n..];
        Ok(n)
    }
}

/// The concatenated text of every job of `text` cut into batches of `batch_bytes`, each
/// batch's buffer given back (as the workers do) before the next is read.
fn batches_of(text: &[u8], batch_bytes: usize, step: usize) -> (Vec<u8>, usize) {
    let spare = Spare::default();
    // Stale bytes in a recycled buffer: a batch that showed any would show an `X`.
    spare.give(vec![b'X'; 3 * batch_bytes]);
    let input = BufReader::with_capacity(
        7,
        Trickle {
            text,
            step,
            calls: 0,
        },
    );
    let mut reader = Batches::new(input, batch_bytes, 1 << 20, spare.clone());
    let (mut all, mut jobs) = (Vec::new(), 0);
    while let Some(job) = reader.next().unwrap() {
        jobs += 1;
        let Job::Lines(lines) = job else {
            panic!("no line is overlong here")
        };
        assert!(
            lines.ends_with(b"\n") || reader.eof,
            "a batch ends at a line end"
        );
        all.extend_from_slice(&lines);
        spare.give(lines.into_owned());
    }
    (all, jobs)
}

#[test]
fn recycled_buffers_and_short_reads_keep_every_line_exactly() {
    let text: Vec<u8> = (0..500)
        .map(|i| format!("{{\"n\":{i},\"pad\":\"{}\"}}\n", "y".repeat(i % 37)))
        .collect::<String>()
        .into_bytes();
    for (batch_bytes, step) in [
        (64, 1),
        (64, 5),
        (100, 64),
        (4096, 1000),
        (1 << 16, 1 << 16),
    ] {
        let (all, jobs) = batches_of(&text, batch_bytes, step);
        assert_eq!(all, text, "batches of {batch_bytes}, reads of {step}");
        assert!(jobs >= text.len() / (2 * batch_bytes).max(1));
    }
    // A last line without its line end is a batch of its own at the end of input.
    let (all, _) = batches_of(b"{\"a\":1}\n{\"b\":2}", 8, 3);
    assert_eq!(all, b"{\"a\":1}\n{\"b\":2}");
}

#[test]
fn read_up_to_fills_the_buffer_or_stops_at_the_end() {
    let mut input = Trickle {
        text: b"abcdefghij",
        step: 3,
        calls: 0,
    };
    let mut buf = [0u8; 8];
    assert_eq!(read_up_to(&mut input, &mut buf).unwrap(), 8);
    assert_eq!(&buf, b"abcdefgh");
    assert_eq!(read_up_to(&mut input, &mut buf).unwrap(), 2);
    assert_eq!(&buf[..2], b"ij");
    assert_eq!(read_up_to(&mut input, &mut buf).unwrap(), 0);
}
