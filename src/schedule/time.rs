//! Instants and durations of the scheduler: UTC milliseconds, RFC 3339 in and out.
//!
//! Elasticsearch `date` fields have millisecond precision, so an instant is a count of
//! milliseconds since the Unix epoch; finer digits in the input are truncated, as Elasticsearch
//! truncates them when it indexes a `date` (not `date_nanos`) field. Parsing and printing are
//! the engine's (`eval::datetime`), so the scheduler and `NOW()` agree on every instant.

use std::fmt;

use serde::{Serialize, Serializer};

pub const SECOND: i64 = 1_000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn plus(self, millis: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(millis))
    }

    /// Parses what Elasticsearch's default date format (`strict_date_optional_time||epoch_millis`)
    /// accepts in practice: `2026-05-15`, `2026-05-15T10:00`, `2026-05-15T10:00:00.123456Z`,
    /// `2026-05-15T12:00:00+02:00`; a missing zone means UTC.
    pub fn parse(text: &str) -> Option<Timestamp> {
        crate::document::datetime::parse_iso(text).map(Timestamp)
    }

    /// A date field's JSON value: an RFC 3339 string, or epoch milliseconds as a number or a
    /// string of digits (`epoch_millis`).
    pub fn from_json(value: &serde_json::Value) -> Option<Timestamp> {
        match value {
            serde_json::Value::String(text) => Timestamp::parse(text).or_else(|| {
                let trimmed = text.strip_prefix('-').unwrap_or(text);
                if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
                    text.parse().ok().map(Timestamp)
                } else {
                    None
                }
            }),
            serde_json::Value::Number(number) => number
                .as_i64()
                .or_else(|| number.as_f64().map(|float| float as i64))
                .map(Timestamp),
            _ => None,
        }
    }

    /// The smallest instant `>= self` that is a whole multiple of `step` since the epoch;
    /// `None` when that is beyond the last representable instant.
    pub fn round_up(self, step: i64) -> Option<Timestamp> {
        assert!(step > 0, "a rounding step is positive");
        let remainder = self.0.rem_euclid(step);
        if remainder == 0 {
            Some(self)
        } else {
            (self.0 - remainder).checked_add(step).map(Timestamp)
        }
    }
}

/// `2026-05-15T10:00:00.000Z`, the form Elasticsearch returns for `date` values.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::document::datetime::format_iso(self.0))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Parses a duration as Kibana writes schedule intervals and date-math offsets: a whole number
/// followed by `ms`, `s`, `m`, `h` or `d` (`5m`, `90s`, `1h`).
pub fn parse_duration(text: &str) -> Option<i64> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().ok()?;
    let unit_millis = match unit {
        "ms" => 1,
        "s" => SECOND,
        "m" => MINUTE,
        "h" => HOUR,
        "d" => DAY,
        _ => return None,
    };
    number.checked_mul(unit_millis)
}

/// Formats milliseconds as the shortest of `1h`, `6m`, `90s`, `250ms`.
pub fn format_duration(millis: i64) -> String {
    let sign = if millis < 0 { "-" } else { "" };
    let magnitude = millis.unsigned_abs();
    for (unit, size) in [("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", SECOND)] {
        let size = size as u64;
        if magnitude != 0 && magnitude % size == 0 {
            return format!("{sign}{}{unit}", magnitude / size);
        }
    }
    format!("{sign}{magnitude}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_rfc3339() {
        let instant = Timestamp::parse("2026-05-15T10:00:00Z").unwrap();
        assert_eq!(instant.to_string(), "2026-05-15T10:00:00.000Z");
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00Z"), Some(Timestamp(0)));
        assert_eq!(
            Timestamp::parse("2026-05-15T12:00:00.1239+02:00"),
            Some(instant.plus(123))
        );
        assert_eq!(
            Timestamp::parse("2026-05-15"),
            Timestamp::parse("2026-05-15T00:00:00Z")
        );
        assert_eq!(
            Timestamp::parse("1969-12-31T23:59:59.999Z"),
            Some(Timestamp(-1))
        );
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            Timestamp::parse("2024-02-29T00:00:00Z")
                .unwrap()
                .to_string(),
            "2024-02-29T00:00:00.000Z"
        );
    }

    #[test]
    fn rejects_malformed_dates() {
        for text in [
            "",
            "2026-13-01",
            "2026-02-30",
            "2026-05-15T25:00",
            "2026-05-15T10:00:00.Z",
            "2026-05-15X",
            "yesterday",
        ] {
            assert_eq!(Timestamp::parse(text), None, "{text}");
        }
    }

    #[test]
    fn reads_epoch_millis() {
        assert_eq!(
            Timestamp::from_json(&serde_json::json!(1000)),
            Some(Timestamp(1000))
        );
        assert_eq!(
            Timestamp::from_json(&serde_json::json!("1778839200000")),
            Some(Timestamp(1_778_839_200_000))
        );
        // `strict_date_optional_time` is tried first, as Elasticsearch does: four digits are a year.
        assert_eq!(
            Timestamp::from_json(&serde_json::json!("1000")),
            Timestamp::parse("1000-01-01")
        );
        assert_eq!(Timestamp::from_json(&serde_json::json!(true)), None);
    }

    #[test]
    fn rounds_up_to_whole_intervals_since_the_epoch() {
        assert_eq!(Timestamp(0).round_up(5 * MINUTE), Some(Timestamp(0)));
        assert_eq!(
            Timestamp(1).round_up(5 * MINUTE),
            Some(Timestamp(5 * MINUTE))
        );
        assert_eq!(Timestamp(-1).round_up(5 * MINUTE), Some(Timestamp(0)));
        assert_eq!(
            Timestamp(5 * MINUTE).round_up(5 * MINUTE),
            Some(Timestamp(5 * MINUTE))
        );
        assert_eq!(Timestamp(i64::MAX - 1).round_up(5 * MINUTE), None);
    }

    #[test]
    fn durations_round_trip() {
        assert_eq!(parse_duration("5m"), Some(5 * MINUTE));
        assert_eq!(parse_duration("90s"), Some(90 * SECOND));
        assert_eq!(parse_duration("1h"), Some(HOUR));
        assert_eq!(parse_duration("m"), None);
        assert_eq!(parse_duration("5w"), None);
        assert_eq!(format_duration(6 * MINUTE), "6m");
        assert_eq!(format_duration(-90 * SECOND), "-90s");
        assert_eq!(format_duration(250), "250ms");
    }
}
