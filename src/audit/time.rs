//! RFC 3339 timestamps as nanoseconds since the Unix epoch: parsing and the three output forms
//! the audit pipeline uses (apiserver microseconds, Elasticsearch milliseconds, Fleet seconds).
//!
//! The calendar arithmetic is `crate::calendar`'s.

/// Nanoseconds since 1970-01-01T00:00:00Z.
pub type Nanos = i64;

pub const NANOS_PER_SECOND: i64 = 1_000_000_000;

pub use crate::calendar::civil_from_days;

/// Why a time did not parse: not RFC 3339 at all, or a valid instant that nanoseconds since
/// the epoch cannot hold (before 1677-09-21T00:12:43.145224192Z or after
/// 2262-04-11T23:47:16.854775807Z).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeError {
    NotRfc3339,
    OutOfRange,
}

/// The range of [`Nanos`], for messages.
pub const NANOS_RANGE: &str = "1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z";

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (a space may stand for `T`) with the
/// crate's one parser, `calendar::parse_timestamp`; an instant outside [`NANOS_RANGE`] is an
/// error, never a wrapped number.
pub fn parse_rfc3339_checked(text: &str) -> Result<Nanos, TimeError> {
    crate::calendar::parse_timestamp(text, crate::calendar::Syntax::Rfc3339)
        .ok_or(TimeError::NotRfc3339)?
        .to_nanos()
        .ok_or(TimeError::OutOfRange)
}

/// [`parse_rfc3339_checked`], for callers that treat both failures alike.
pub fn parse_rfc3339(text: &str) -> Option<Nanos> {
    parse_rfc3339_checked(text).ok()
}

fn write_date_time(out: &mut String, nanos: Nanos) {
    use std::fmt::Write as _;
    let seconds = nanos.div_euclid(NANOS_PER_SECOND);
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    );
}

/// `2025-03-04T06:22:18.819232Z`: the apiserver's form (always six fraction digits).
pub fn format_micros(nanos: Nanos) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(27);
    write_date_time(&mut out, nanos);
    let _ = write!(out, ".{:06}Z", nanos.rem_euclid(NANOS_PER_SECOND) / 1000);
    out
}

/// `2022-08-31T08:09:57.520Z`: Elasticsearch's `strict_date_optional_time` with milliseconds.
pub fn format_millis(nanos: Nanos) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(24);
    write_date_time(&mut out, nanos);
    let _ = write!(
        out,
        ".{:03}Z",
        nanos.rem_euclid(NANOS_PER_SECOND) / 1_000_000
    );
    out
}

/// `2022-08-31T08:09:58Z`: Fleet's `event.ingested`, nanoseconds dropped (truncated, not rounded).
pub fn format_seconds(nanos: Nanos) -> String {
    let mut out = String::with_capacity(20);
    write_date_time(&mut out, nanos);
    out.push('Z');
    out
}

/// Truncates to whole seconds (towards the past), as Fleet's final pipeline does.
pub fn truncate_to_seconds(nanos: Nanos) -> Nanos {
    nanos.div_euclid(NANOS_PER_SECOND) * NANOS_PER_SECOND
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_three_forms() {
        let t = parse_rfc3339("2025-10-07T16:19:19.647880072Z").unwrap();
        assert_eq!(format_millis(t), "2025-10-07T16:19:19.647Z");
        assert_eq!(format_micros(t), "2025-10-07T16:19:19.647880Z");
        assert_eq!(format_seconds(t), "2025-10-07T16:19:19Z");
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2024-02-29T01:00:00+01:00"),
            parse_rfc3339("2024-02-29T00:00:00Z")
        );
        assert_eq!(
            format_seconds(parse_rfc3339("2024-02-29T23:59:59.999Z").unwrap()),
            "2024-02-29T23:59:59Z"
        );
    }

    #[test]
    fn rejects_malformed_times() {
        for bad in [
            "2025-13-01T00:00:00Z",
            "2025-01-01",
            "2025-01-01T00:00:00",
            "yesterday",
            "2025-01-01T00:00:00.Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
