//! Places each request of a draft so its `@timestamp` falls exactly where the draft means it.
//! The DSL's `at` is when the API server receives a request; `@timestamp` is the stage
//! timestamp, 1–40 ms later (drawn from the scenario's seed). A sequence "exactly at `maxspan`"
//! must be exact, so each step is moved earlier by its own latency, read from the documents the
//! scenario generates. The draws depend only on the order of the requests, which moving them by
//! less than their spacing (≥ 100 ms) keeps. A generic event step's `@timestamp` is its `at`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::render::EqlDraft;
use crate::schedule::Timestamp;

/// A field of a generated document, nested or dotted.
fn field<'v>(doc: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(doc, |at, part| at.get(*part))
}

fn millis(value: Option<&Value>) -> Option<i64> {
    Timestamp::parse(value?.as_str()?).map(Timestamp::millis)
}

/// Each request's latency in milliseconds (`@timestamp` − receipt), by receipt time.
fn latencies(draft: &EqlDraft) -> Option<BTreeMap<i64, i64>> {
    let rendered = draft.render("latency", "rule.toml");
    let personas = crate::scenario::builtin_personas();
    let scenario =
        crate::scenario::load_str(Path::new("edge.toml"), &rendered.text, &personas).ok()?;
    let mut out = BTreeMap::new();
    for doc in crate::scenario::generate(&scenario, None) {
        let stamped = millis(doc.get("@timestamp"))?;
        // A generic event is stamped at its own time: no latency.
        let received = match field(&doc, &["kubernetes", "audit", "requestReceivedTimestamp"]) {
            Some(value) => millis(Some(value))?,
            None => stamped,
        };
        out.insert(received, stamped - received);
    }
    Some(out)
}

/// Moves each request earlier by its latency, so `@timestamp` lands on the intended time.
/// Returns whether every request now does (checked by generating the documents again).
pub fn pin(draft: &mut EqlDraft) -> bool {
    let Some(found) = latencies(draft) else {
        return false;
    };
    let intended: Vec<Timestamp> = draft.requests.iter().map(|r| r.at).collect();
    for request in &mut draft.requests {
        if let Some(latency) = found.get(&request.at.millis()) {
            request.at = request.at.plus(-latency);
        }
    }
    let Some(after) = latencies(draft) else {
        return false;
    };
    draft
        .requests
        .iter()
        .zip(intended)
        .all(|(r, want)| after.get(&r.at.millis()).map(|l| r.at.plus(*l)) == Some(want))
}
