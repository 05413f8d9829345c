//! RFC 3339 timestamps as nanoseconds since the Unix epoch: parsing and the three output forms
//! the audit pipeline uses (apiserver microseconds, Elasticsearch milliseconds, Fleet seconds).
//!
//! The calendar arithmetic is `crate::calendar`'s.

/// Nanoseconds since 1970-01-01T00:00:00Z.
pub type Nanos = i64;

pub const NANOS_PER_SECOND: i64 = 1_000_000_000;

pub use crate::calendar::{civil_from_days, days_from_civil};

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; a space may stand for `T`.
pub fn parse_rfc3339(text: &str) -> Option<Nanos> {
    let b = text.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(range)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut fraction = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                fraction = fraction * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        let digits = (i - start).min(9);
        if digits == 0 {
            return None;
        }
        fraction *= 10i64.pow(9 - digits as u32);
    }
    let offset_seconds = match &b[i..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let hours = num(i + 1..i + 3)?;
            let minutes = num(i + 4..i + 6)?;
            // RFC 3339's time-numoffset: hours 00-23, minutes 00-59.
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = hours * 3600 + minutes * 60;
            if *sign == b'+' {
                total
            } else {
                -total
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(seconds * NANOS_PER_SECOND + fraction)
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
