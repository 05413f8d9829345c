//! The fixed pieces of `gen`'s fast documents, kept per kind of document: every byte of a
//! document but its five varying values (`@timestamp`, `event.ingested`, `auditID`,
//! `requestReceivedTimestamp`, `stageTimestamp`) follows from its step, activity, object,
//! source, user agent and stage, which repeat from request to request; so a document of a kind
//! already written is six copies and the five values (`fast::write_ecs`).
//!
//! The pieces are cut from the first document of each kind as the template writer wrote it, so
//! a document made from them is that writer's bytes by construction. At most [`MOST`] kinds
//! are kept (about 2 KB each); documents of other kinds are written piece by piece as before.

use rustc_hash::FxHashMap;

use super::generate::Generated;

/// Kinds of document kept (a scenario with more, e.g. thousands of object names taken in turn,
/// keeps the first ones it meets).
pub const MOST: usize = 2048;

/// What a document's fixed bytes depend on (see [`super::fast::write_ecs`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kind {
    step: usize,
    activity: usize,
    name: Option<usize>,
    namespace: Option<usize>,
    source_ips: usize,
    user_agent: usize,
    stage: u8,
}

impl Kind {
    pub fn of(g: &Generated) -> Kind {
        Kind {
            step: g.step,
            activity: g.activity,
            name: g.name,
            namespace: g.namespace,
            source_ips: g.source_ips,
            user_agent: g.user_agent,
            stage: g.stage as u8,
        }
    }
}

/// Where a document's five varying values lie in the bytes it was written to: `(start, end)`.
pub type Marks = [(usize, usize); 5];

/// One kind's six fixed pieces, end to end.
pub struct Pieces {
    bytes: Vec<u8>,
    /// Where each piece ends in `bytes`.
    ends: [usize; 6],
}

impl Pieces {
    /// The `i`th piece (0 to 5): before the first value, between two values, after the last.
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// All six pieces' length.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }
}

/// The pieces of the kinds met so far.
#[derive(Default)]
pub struct Cache {
    kinds: FxHashMap<Kind, Pieces>,
}

impl Cache {
    pub fn get(&self, kind: &Kind) -> Option<&Pieces> {
        self.kinds.get(kind)
    }

    /// Keeps the pieces of `document` (one document's bytes, with its values at `marks`,
    /// relative to its start) unless [`MOST`] kinds are kept already.
    pub fn keep(&mut self, kind: Kind, document: &[u8], marks: &Marks) {
        if self.kinds.len() >= MOST {
            return;
        }
        let mut bytes = Vec::with_capacity(document.len());
        let mut ends = [0; 6];
        let mut from = 0;
        for (i, &(start, end)) in marks.iter().enumerate() {
            bytes.extend_from_slice(&document[from..start]);
            ends[i] = bytes.len();
            from = end;
        }
        bytes.extend_from_slice(&document[from..]);
        ends[5] = bytes.len();
        self.kinds.insert(kind, Pieces { bytes, ends });
    }
}
