//! Stable ids of documents without `_id`: FNV-1a 64 of the line as 16 hex digits, hashed
//! four lines at a time.
//!
//! FNV-1a is one serial chain of multiplies per line (about four cycles a byte, whatever the
//! instruction count), which made it a third of loading a 2 KB audit event. Four lines'
//! chains interleaved in one loop keep the multiplier busy, so four lines cost little more
//! than one. The ids are exactly those of hashing each line alone.

use std::sync::Arc;

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0100_0000_01b3;

fn fnv1a_from(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(PRIME);
    }
    h
}

/// FNV-1a 64 of one line.
pub(super) fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_from(OFFSET, bytes)
}

/// FNV-1a 64 of four lines, their chains interleaved over the bytes they all have.
fn fnv1a_4(lines: [&[u8]; 4]) -> [u64; 4] {
    let mut h = [OFFSET; 4];
    let common = lines.iter().map(|l| l.len()).min().unwrap_or(0);
    let [a, b, c, d] = lines.map(|l| &l[..common]);
    for (((a, b), c), d) in a.iter().zip(b).zip(c).zip(d) {
        h[0] = (h[0] ^ u64::from(*a)).wrapping_mul(PRIME);
        h[1] = (h[1] ^ u64::from(*b)).wrapping_mul(PRIME);
        h[2] = (h[2] ^ u64::from(*c)).wrapping_mul(PRIME);
        h[3] = (h[3] ^ u64::from(*d)).wrapping_mul(PRIME);
    }
    for (h, line) in h.iter_mut().zip(lines) {
        *h = fnv1a_from(*h, &line[common..]);
    }
    h
}

/// A hash as the id text: 16 lowercase hex digits.
pub(super) fn hex_id(h: u64) -> Arc<str> {
    let mut hex = [0u8; 16];
    for (i, digit) in hex.iter_mut().enumerate() {
        *digit = b"0123456789abcdef"[(h >> (60 - 4 * i)) as usize & 0xf];
    }
    Arc::from(std::str::from_utf8(&hex).unwrap_or_default())
}

/// Lines waiting for their hash, by document number; their ids are filled in four at a time
/// and by [`LineIds::flush`] at the end.
#[derive(Default)]
pub(super) struct LineIds {
    pending: Vec<(usize, Vec<u8>)>,
    /// Line buffers of hashed batches, reused.
    spare: Vec<Vec<u8>>,
}

impl LineIds {
    /// Queues the line of document `doc`, whose id slot in `ids` is filled once hashed.
    pub(super) fn add(&mut self, doc: usize, line: &[u8], ids: &mut [Arc<str>]) {
        let mut copy = self.spare.pop().unwrap_or_default();
        copy.clear();
        copy.extend_from_slice(line);
        self.pending.push((doc, copy));
        if let [(d0, l0), (d1, l1), (d2, l2), (d3, l3)] = self.pending.as_slice() {
            let hashes = fnv1a_4([l0, l1, l2, l3]);
            for (doc, h) in [*d0, *d1, *d2, *d3].into_iter().zip(hashes) {
                ids[doc] = hex_id(h);
            }
            self.spare
                .extend(self.pending.drain(..).map(|(_, line)| line));
        }
    }

    /// Hashes the lines still waiting.
    pub(super) fn flush(&mut self, ids: &mut [Arc<str>]) {
        for (doc, line) in self.pending.drain(..) {
            ids[doc] = hex_id(fnv1a(&line));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaved_hashes_are_the_single_line_hashes() {
        let lines: [&[u8]; 4] = [b"{\"n\":2}", b"", b"{\"a\":\"longer line\"}", b"x"];
        let four = fnv1a_4(lines);
        for (line, h) in lines.iter().zip(four) {
            assert_eq!(h, fnv1a(line));
        }
        // The published FNV-1a 64 test vectors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(&*hex_id(0x0123_4567_89ab_cdef), "0123456789abcdef");
    }

    #[test]
    fn queued_lines_get_their_own_ids() {
        let lines: Vec<String> = (0..7).map(|i| format!("{{\"i\":{i}}}")).collect();
        let mut ids: Vec<Arc<str>> = vec![Arc::from(""); lines.len()];
        let mut queue = LineIds::default();
        for (doc, line) in lines.iter().enumerate() {
            queue.add(doc, line.as_bytes(), &mut ids);
        }
        assert!(ids[..4].iter().all(|id| !id.is_empty()));
        assert!(ids[4..].iter().all(|id| id.is_empty()));
        queue.flush(&mut ids);
        for (line, id) in lines.iter().zip(&ids) {
            assert_eq!(**id, *hex_id(fnv1a(line.as_bytes())));
        }
    }
}
