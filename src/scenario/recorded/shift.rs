//! The times of recorded documents: a table's `at`, a document's `@timestamp`, and shifting
//! every time in a document by whole seconds, each written back with its own precision.

use serde_json::Value;

use crate::audit::time::{self, Nanos, NANOS_PER_SECOND};

/// `+5m` (from the scenario start) or an RFC 3339 time.
pub(super) fn at_time(start: Nanos, text: &str) -> Option<Nanos> {
    if let Some(offset) = text.strip_prefix('+') {
        return super::parse_duration(offset).and_then(|d| start.checked_add(d));
    }
    if let Some(offset) = text.strip_prefix('-') {
        return super::parse_duration(offset).and_then(|d| start.checked_sub(d));
    }
    time::parse_rfc3339(text)
}

/// The instant of a document: its `@timestamp`, RFC 3339 or epoch milliseconds.
pub fn document_time(doc: &Value) -> Option<Nanos> {
    match doc.get("@timestamp")? {
        Value::String(text) => time::parse_rfc3339(text),
        Value::Number(n) => n.as_i64()?.checked_mul(NANOS_PER_SECOND / 1000),
        _ => None,
    }
}

pub(super) fn shift_all(
    kept: &mut [(Nanos, Value)],
    target: Nanos,
    first: Nanos,
    name: &str,
) -> Result<(), String> {
    // Whole seconds: fields written in seconds (Fleet's `event.ingested`) then keep their
    // relation to `@timestamp`; the first document lands at `at` plus its own fraction.
    let delta = time::truncate_to_seconds(target)
        .checked_sub(time::truncate_to_seconds(first))
        .ok_or_else(|| format!("{name}: the shift to `at` is out of range"))?;
    for (at, doc) in kept.iter_mut() {
        *at = at
            .checked_add(delta)
            .ok_or_else(|| format!("{name}: a shifted time is out of range"))?;
        shift_value(doc, delta)?;
    }
    Ok(())
}

/// Shifts every time in a document by `delta`: each string that is a whole RFC 3339 time
/// (`@timestamp`, `event.ingested`, `kubernetes.audit.stageTimestamp`, …; written back in UTC with
/// as many fraction digits as it had) and a numeric `@timestamp` (epoch milliseconds). Text
/// that merely contains a time (`event.original`, messages) is left as it was.
pub fn shift_value(value: &mut Value, delta: Nanos) -> Result<(), String> {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                if key == "@timestamp" {
                    if let Some(ms) = child.as_i64() {
                        let shifted = ms
                            .checked_add(delta / (NANOS_PER_SECOND / 1000))
                            .ok_or("a shifted `@timestamp` is out of range")?;
                        *child = Value::from(shifted);
                        continue;
                    }
                }
                shift_value(child, delta)?;
            }
        }
        Value::Array(items) => {
            for item in items {
                shift_value(item, delta)?;
            }
        }
        Value::String(text) => {
            if let Some(at) = time::parse_rfc3339(text) {
                let shifted = at
                    .checked_add(delta)
                    .ok_or_else(|| format!("`{text}` shifted is out of range"))?;
                *text = format_like(text, shifted);
            }
        }
        _ => {}
    }
    Ok(())
}

/// `at` in UTC with the number of fraction digits `original` has.
fn format_like(original: &str, at: Nanos) -> String {
    let digits = original
        .split_once('.')
        .map(|(_, rest)| rest.chars().take_while(char::is_ascii_digit).count())
        .unwrap_or(0)
        .min(9);
    let micros = time::format_micros(at);
    let whole = &micros[..19];
    if digits == 0 {
        return format!("{whole}Z");
    }
    let fraction = format!("{:09}", at.rem_euclid(NANOS_PER_SECOND));
    format!("{whole}.{}Z", &fraction[..digits])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shifting_keeps_each_time_precision_and_leaves_other_text() {
        let mut doc = json!({"@timestamp":"2020-04-21T17:57:05.548Z",
            "event":{"ingested":"2020-04-21T17:57:06Z","original":"at 2020-04-21T17:57:05Z"},
            "kubernetes":{"audit":{"stageTimestamp":"2020-04-21T17:57:05.548299Z"}}});
        shift_value(&mut doc, 60 * NANOS_PER_SECOND + 1_000).unwrap();
        assert_eq!(doc["@timestamp"], "2020-04-21T17:58:05.548Z");
        assert_eq!(doc["event"]["ingested"], "2020-04-21T17:58:06Z");
        assert_eq!(doc["event"]["original"], "at 2020-04-21T17:57:05Z");
        assert_eq!(
            doc["kubernetes"]["audit"]["stageTimestamp"],
            "2020-04-21T17:58:05.548300Z"
        );
    }

    #[test]
    fn a_shift_past_the_nanosecond_range_is_an_error_not_a_wrapped_time() {
        let mut doc = json!({"@timestamp":"2262-04-01T00:00:00Z"});
        let year = 366 * 86_400 * NANOS_PER_SECOND;
        assert!(shift_value(&mut doc, year)
            .unwrap_err()
            .contains("out of range"));
        let mut millis = json!({"@timestamp": i64::MAX - 5});
        assert!(shift_value(&mut millis, NANOS_PER_SECOND).is_err());
    }
}
