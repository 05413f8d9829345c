//! The scanner against the serde walk: same leaves for every document it reads, a fall back
//! for every document serde refuses, and no fall back on ordinary documents.

use super::super::walk::{walk, Fields};
use super::*;

/// Elastic's sample audit event, whole, truncated and with flipped structure.
mod audit_event;
/// Generated documents, valid, odd and corrupted, read both ways.
mod generated;
/// Hand-written documents: invalid ones, odd ones serde reads, paths, numbers, nesting.
mod grammar;

/// What reading `text` for `names` did.
#[derive(Debug, PartialEq)]
enum Read {
    Fast,
    Fallback,
}

/// Runs both readers; panics if the scanner accepted what serde refuses or yielded other
/// leaves. Leaves are compared by their debug text, so `-0.0` and `0.0` differ.
fn compare(text: &str, names: &[&str]) -> Read {
    let mut fields = Fields::new(names.iter().map(|s| s.to_string()), false);
    let paths = Paths::new((0u32..).zip(fields.names.iter().map(String::as_str)))
        .expect("names without empty segments");
    let mut fast = Vec::new();
    let scanned = scan(text, Wanted::Paths(&paths), &mut fast);
    let mut slow = Vec::new();
    let walked = walk(text.as_bytes(), &mut fields, &mut String::new(), &mut slow);
    match scanned {
        Ok(()) => {
            assert!(
                walked.is_ok(),
                "scanner accepted what serde refuses ({walked:?}): {text}"
            );
            assert_eq!(
                format!("{fast:?}"),
                format!("{slow:?}"),
                "different leaves for {names:?} in {text}"
            );
            Read::Fast
        }
        Err(Fallback) => Read::Fallback,
    }
}

/// As [`compare`], with every field wanted: leaves are compared by field name, as both
/// sides make their own ids.
fn compare_all(text: &str) -> Read {
    let read = |scanner: bool| {
        let mut fields = Fields::new(["_id".to_string()], true);
        let mut path = String::new();
        let mut leaves = Vec::new();
        let result = if scanner {
            let wanted = Wanted::All {
                fields: &mut fields,
                path: &mut path,
            };
            scan(text, wanted, &mut leaves).map_err(|Fallback| String::new())
        } else {
            walk(text.as_bytes(), &mut fields, &mut path, &mut leaves)
        };
        let named: Vec<(String, Scalar)> = (leaves.into_iter())
            .map(|(id, leaf)| (fields.names[id as usize].clone(), leaf))
            .collect();
        result.map(|()| format!("{named:?}"))
    };
    match read(true) {
        Ok(fast) => {
            let slow = read(false);
            assert_eq!(Ok(fast), slow, "every field of {text}");
            Read::Fast
        }
        Err(_) => Read::Fallback,
    }
}

/// The serde walk's verdict on `text` for `names`.
fn serde_reads(text: &str, names: &[&str]) -> Result<(), String> {
    let mut fields = Fields::new(names.iter().map(|s| s.to_string()), false);
    walk(
        text.as_bytes(),
        &mut fields,
        &mut String::new(),
        &mut Vec::new(),
    )
}

/// Elastic's sample audit event, minified, and the fields the seed rule reads (plus the
/// loader's internal ones).
fn sample() -> (String, Vec<&'static str>) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/elastic-k8s-audit/sample_event.json"
    );
    let text = std::fs::read_to_string(path).expect("sample event");
    let value: serde_json::Value = serde_json::from_str(&text).expect("sample is JSON");
    let names = vec![
        "_id",
        "data_stream.type",
        "data_stream.dataset",
        "data_stream.namespace",
        "event.dataset",
        "event.action",
        "kubernetes.audit.objectRef.resource",
        "kubernetes.audit.objectRef.name",
        "kubernetes.audit.objectRef.namespace",
        "kubernetes.audit.user.username",
        "kubernetes.audit.annotations.authorization_k8s_io/decision",
        "source.ip",
        "user.name",
        "user_agent.original",
        "event.ingested",
    ];
    (value.to_string(), names)
}
