//! Instants and durations of the scheduler: UTC milliseconds, RFC 3339 in and out.
//!
//! Elasticsearch `date` fields have millisecond precision, so an instant is a count of
//! milliseconds since the Unix epoch; finer digits in the input are truncated, as Elasticsearch
//! truncates them when it indexes a `date` (not `date_nanos`) field.

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
        let bytes = text.as_bytes();
        let mut cursor = Cursor { bytes, at: 0 };
        let year = cursor.digits(4)?;
        cursor.expect(b'-')?;
        let month = cursor.digits(2)?;
        cursor.expect(b'-')?;
        let day = cursor.digits(2)?;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0);
        if cursor.at < bytes.len() && matches!(bytes[cursor.at], b'T' | b't' | b' ') {
            cursor.at += 1;
            hour = cursor.digits(2)?;
            cursor.expect(b':')?;
            minute = cursor.digits(2)?;
            if cursor.peek() == Some(b':') {
                cursor.at += 1;
                second = cursor.digits(2)?;
                if matches!(cursor.peek(), Some(b'.') | Some(b',')) {
                    cursor.at += 1;
                    let start = cursor.at;
                    while cursor.peek().is_some_and(|b| b.is_ascii_digit()) {
                        cursor.at += 1;
                    }
                    let fraction = &bytes[start..cursor.at];
                    if fraction.is_empty() {
                        return None;
                    }
                    millis = fraction
                        .iter()
                        .chain(std::iter::repeat(&b'0'))
                        .take(3)
                        .fold(0, |acc, digit| acc * 10 + i64::from(digit - b'0'));
                }
            }
            if hour > 23 || minute > 59 || second > 59 {
                return None;
            }
        }
        let offset_minutes = match cursor.peek() {
            None => 0,
            Some(b'Z') | Some(b'z') => {
                cursor.at += 1;
                0
            }
            Some(sign @ (b'+' | b'-')) => {
                cursor.at += 1;
                let hours = cursor.digits(2)?;
                if cursor.peek() == Some(b':') {
                    cursor.at += 1;
                }
                let minutes = cursor.digits(2)?;
                let total = hours * 60 + minutes;
                if sign == b'-' {
                    -total
                } else {
                    total
                }
            }
            Some(_) => return None,
        };
        if cursor.at != bytes.len() {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let local = days * DAY + hour * HOUR + minute * MINUTE + second * SECOND + millis;
        Some(Timestamp(local - offset_minutes * MINUTE))
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

    /// The smallest instant `>= self` that is a whole multiple of `step` since the epoch.
    pub fn round_up(self, step: i64) -> Timestamp {
        assert!(step > 0, "a rounding step is positive");
        let remainder = self.0.rem_euclid(step);
        if remainder == 0 {
            self
        } else {
            Timestamp(self.0 - remainder + step)
        }
    }
}

/// `2026-05-15T10:00:00.000Z`, the form Elasticsearch returns for `date` values.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(DAY);
        let in_day = self.0.rem_euclid(DAY);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
            in_day / HOUR,
            in_day % HOUR / MINUTE,
            in_day % MINUTE / SECOND,
            in_day % SECOND
        )
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

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn digits(&mut self, count: usize) -> Option<i64> {
        let digits = self.bytes.get(self.at..self.at + count)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.at += count;
        Some(
            digits
                .iter()
                .fold(0, |acc, digit| acc * 10 + i64::from(digit - b'0')),
        )
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
            Timestamp::from_json(&serde_json::json!("1000")),
            Some(Timestamp(1000))
        );
        assert_eq!(Timestamp::from_json(&serde_json::json!(true)), None);
    }

    #[test]
    fn rounds_up_to_whole_intervals_since_the_epoch() {
        assert_eq!(Timestamp(0).round_up(5 * MINUTE), Timestamp(0));
        assert_eq!(Timestamp(1).round_up(5 * MINUTE), Timestamp(5 * MINUTE));
        assert_eq!(Timestamp(-1).round_up(5 * MINUTE), Timestamp(0));
        assert_eq!(
            Timestamp(5 * MINUTE).round_up(5 * MINUTE),
            Timestamp(5 * MINUTE)
        );
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
