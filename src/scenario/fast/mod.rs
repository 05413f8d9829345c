//! The fast ECS writer behind `rulegate gen -o`: the JSON of each actor, activity and step is
//! escaped once into byte templates, and each document is assembled from them in the sorted key
//! order of the canonical `audit::ecs::raw_to_ecs` output, with empty values left out as the
//! pipeline's cleanup removes them. A test compares its bytes with the canonical path for every
//! scenario in the library and for random scenarios.

mod document;
mod templates;
mod time_text;

use super::generate::Generated;
use super::pieces::Kind;
use super::Scenario;
use document::write_document;
pub(super) use templates::Templates;
use time_text::push_time;

#[inline]
fn push_uuid(out: &mut Vec<u8>, id: u128) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    /// Where each byte's two digits go in `"8-4-4-4-12"`.
    const AT: [usize; 16] = [1, 3, 5, 7, 10, 12, 15, 17, 20, 22, 25, 27, 29, 31, 33, 35];
    let id = super::render::uuid_bits(id).to_be_bytes();
    let mut text = [b'-'; 38];
    text[0] = b'"';
    text[37] = b'"';
    for (byte, at) in id.iter().zip(AT) {
        text[at] = HEX[usize::from(byte >> 4)];
        text[at + 1] = HEX[usize::from(byte & 0xF)];
    }
    out.extend_from_slice(&text);
}

/// Appends one ECS document (no newline): from the fixed pieces of its kind when a document of
/// that kind was written before ([`super::pieces`]), else from the templates (and its pieces
/// are kept for the next one).
pub(super) fn write_ecs(t: &Templates, scenario: &Scenario, g: &Generated, out: &mut Vec<u8>) {
    let kind = Kind::of(g);
    if let Some(pieces) = t.pieces.borrow().get(&kind) {
        // The pieces and at most 40 bytes per value.
        out.reserve(pieces.len() + 5 * 40);
        out.extend_from_slice(pieces.get(0));
        push_time(t, out, g.timestamp, 3);
        out.extend_from_slice(pieces.get(1));
        push_time(t, out, g.ingested, 0);
        out.extend_from_slice(pieces.get(2));
        push_uuid(out, g.audit_id);
        out.extend_from_slice(pieces.get(3));
        push_time(t, out, g.request_received, 6);
        out.extend_from_slice(pieces.get(4));
        push_time(t, out, g.stage_timestamp, 6);
        out.extend_from_slice(pieces.get(5));
        return;
    }
    let start = out.len();
    let mut marks = write_document(t, scenario, g, out);
    for (from, to) in &mut marks {
        *from -= start;
        *to -= start;
    }
    t.pieces.borrow_mut().keep(kind, &out[start..], &marks);
}
