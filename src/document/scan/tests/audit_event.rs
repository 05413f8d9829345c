//! Elastic's sample audit event: read fast with the seed rule's fields, and every truncation
//! or structural flip caught.

use super::*;

#[test]
fn the_sample_audit_event_is_read_fast_with_its_fields() {
    let (text, names) = sample();
    assert_eq!(compare(&text, &names), Read::Fast);
    let fields = Fields::new(names.iter().map(|s| s.to_string()), false);
    let paths = Paths::new((0u32..).zip(fields.names.iter().map(String::as_str))).unwrap();
    let mut leaves = Vec::new();
    scan(&text, Wanted::Paths(&paths), &mut leaves).unwrap();
    let username = fields.get("kubernetes.audit.user.username").unwrap();
    assert!(leaves.iter().any(|(id, _)| *id == username), "{leaves:?}");
}

#[test]
fn every_truncation_of_the_sample_falls_back() {
    let (text, names) = sample();
    for end in (0..text.len()).filter(|&end| text.is_char_boundary(end)) {
        assert_eq!(compare(&text[..end], &names), Read::Fallback, "{end}");
    }
}

#[test]
fn every_structural_flip_in_the_sample_is_caught() {
    let (text, names) = sample();
    let structural = b"{}[]:,\"";
    for (at, byte) in text.bytes().enumerate() {
        if !structural.contains(&byte) {
            continue;
        }
        for &with in structural.iter().chain(b" x") {
            if with != byte {
                let mut bytes = text.clone().into_bytes();
                bytes[at] = with;
                compare(std::str::from_utf8(&bytes).unwrap(), &names);
            }
        }
    }
}
