//! Nanosecond dates (`date_nanos`): nanoseconds since the epoch in a Java `long`, so from
//! 1970-01-01T00:00:00Z to 2262-04-11T23:47:16.854775807Z; their parsing, printing, conversions
//! from other types and calendar math, with Elasticsearch's failure messages (`DateUtils`,
//! `ToDateNanos`, `Add`/`Sub.processDateNanos`).
//!
//! Calendar work is done on the milliseconds (`datetime`) and the nanoseconds below them are
//! carried along, so the millisecond paths stay the only calendar code.

use std::cmp::Ordering;

use super::datetime;
use crate::calendar::{civil_from_days, parse_timestamp, Syntax};

const NANOS_PER_MILLI: i64 = 1_000_000;
const NANOS_PER_SECOND: i64 = 1_000_000_000;
/// `DateUtils.MAX_NANOSECOND_IN_MILLIS`: the last millisecond a nanosecond date holds.
const MAX_MILLIS: i64 = i64::MAX / NANOS_PER_MILLI;
const ILLEGAL_ARGUMENT: &str = "java.lang.IllegalArgumentException";
/// `Add`/`Sub.processDateNanos`' message for a result outside the range (two spaces included).
pub const OUT_OF_RANGE: &str = "java.time.DateTimeException: Date nanos out of range.  Must be between 1970-01-01T00:00:00Z and 2262-04-11T23:47:16.854775807";

/// Milliseconds of a nanosecond date (`DateUtils.toMilliSeconds`: truncated; never negative).
pub fn to_millis(nanos: i64) -> i64 {
    nanos.div_euclid(NANOS_PER_MILLI)
}

/// `DateUtils.toNanoSeconds`: a millisecond date as nanoseconds, when it is in range.
pub fn from_millis(ms: i64) -> Result<i64, String> {
    if ms < 0 {
        Err(format!(
            "{ILLEGAL_ARGUMENT}: milliSeconds [{ms}] are before the epoch in 1970 and cannot be converted to nanoseconds"
        ))
    } else if ms > MAX_MILLIS {
        Err(format!(
            "{ILLEGAL_ARGUMENT}: milliSeconds [{ms}] are after 2262-04-11T23:47:16.854775807 and cannot be converted to nanoseconds"
        ))
    } else {
        Ok(ms * NANOS_PER_MILLI)
    }
}

/// `ToDateNanos.fromLong`: a long is nanoseconds, negative ones refused.
pub fn from_long(v: i64) -> Result<i64, String> {
    if v < 0 {
        Err(format!(
            "{ILLEGAL_ARGUMENT}: Nanosecond dates before 1970-01-01T00:00:00.000Z are not supported."
        ))
    } else {
        Ok(v)
    }
}

/// Compares a nanosecond date with a millisecond one as instants (`DateUtils.compareNanosToMillis`).
pub fn compare_to_millis(nanos: i64, ms: i64) -> Ordering {
    i128::from(nanos).cmp(&(i128::from(ms) * i128::from(NANOS_PER_MILLI)))
}

/// Parses as `strict_date_optional_time_nanos` and checks the range as `DateUtils.toLong`
/// does; the error is the warning's detail line.
pub fn parse(text: &str) -> Result<i64, String> {
    let instant = parse_timestamp(text, Syntax::DateOptionalTime { space: false }).ok_or_else(
        || {
            format!(
                "{ILLEGAL_ARGUMENT}: failed to parse date field [{text}] with format [strict_date_optional_time_nanos]"
            )
        },
    )?;
    let (seconds, nanos) = (instant.seconds, instant.nanos);
    if seconds < 0 {
        return Err(format!(
            "{ILLEGAL_ARGUMENT}: date[{}] is before the epoch in 1970 and cannot be stored in nanosecond resolution",
            format_instant(seconds, nanos)
        ));
    }
    instant.to_nanos().ok_or_else(|| {
        format!(
            "{ILLEGAL_ARGUMENT}: date[{}] is after 2262-04-11T23:47:16.854775807 and cannot be stored in nanosecond resolution",
            format_instant(seconds, nanos)
        )
    })
}

/// `2023-10-23T13:55:01.543123456Z`: `strict_date_optional_time_nanos`' printer, whose fraction
/// has at least three digits and drops trailing zeros beyond them (`.937193`, `.948`, `.000`).
pub fn format_iso(nanos: i64) -> String {
    let sub = nanos.rem_euclid(NANOS_PER_MILLI);
    let millis_text = datetime::format_iso(to_millis(nanos));
    if sub == 0 {
        return millis_text;
    }
    // `….fffZ` + the sub-millisecond digits, trailing zeros dropped.
    let base = &millis_text[..millis_text.len() - 1];
    let extra = format!("{sub:06}");
    format!("{base}{}Z", extra.trim_end_matches('0'))
}

/// Java's `Instant.toString` (`ISO_INSTANT`): the fraction in groups of three digits, none
/// when zero, as `DateUtils.toLong`'s messages print the instant.
pub fn format_instant(seconds: i64, nanos: u32) -> String {
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let rem = seconds.rem_euclid(86_400);
    let year = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else if year > 9999 {
        format!("+{year}")
    } else {
        format!("-{:04}", -year)
    };
    let fraction = if nanos == 0 {
        String::new()
    } else if nanos % 1_000_000 == 0 {
        format!(".{:03}", nanos / 1_000_000)
    } else if nanos % 1000 == 0 {
        format!(".{:06}", nanos / 1000)
    } else {
        format!(".{nanos:09}")
    };
    format!(
        "{year}-{month:02}-{day:02}T{:02}:{:02}:{:02}{fraction}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// A result of date math back in range, or [`OUT_OF_RANGE`].
fn in_range(nanos: i128) -> Result<i64, String> {
    i64::try_from(nanos)
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| OUT_OF_RANGE.to_string())
}

/// `date_nanos + period` (`ZonedDateTime.plus(Period)`: months, then days): a year beyond
/// `java.time`'s range keeps its `DateTimeException`; any other result out of range is
/// [`OUT_OF_RANGE`].
pub fn add_period(nanos: i64, months: i64, days: i64) -> Result<i64, String> {
    let sub = nanos.rem_euclid(NANOS_PER_MILLI);
    let ms = datetime::add_period(to_millis(nanos), months, days).map_err(|m| {
        if m.starts_with("java.time.DateTimeException") {
            m
        } else {
            OUT_OF_RANGE.to_string()
        }
    })?;
    in_range(i128::from(ms) * i128::from(NANOS_PER_MILLI) + i128::from(sub))
}

/// `date_nanos + duration` (a duration is whole milliseconds).
pub fn add_duration(nanos: i64, ms: i64) -> Result<i64, String> {
    in_range(i128::from(nanos) + i128::from(ms) * i128::from(NANOS_PER_MILLI))
}

/// `DATE_TRUNC` of a nanosecond date: the milliseconds truncated, back to nanoseconds
/// (`DateTrunc.processDateNanos`); a result before 1970 is `toNanoSeconds`' failure.
pub fn trunc(nanos: i64, months: i64, days: i64, duration_ms: i64) -> Option<Result<i64, String>> {
    datetime::trunc(to_millis(nanos), months, days, duration_ms).map(from_millis)
}

/// `DATE_DIFF` between two instants given as nanoseconds since the epoch (either side may be
/// a millisecond date, widened): `ChronoUnit.between`, truncated towards zero. `None` for an
/// unknown unit, `Err` for a difference a long does not hold.
pub fn diff(unit: &str, start: i128, end: i128) -> Option<Result<i64, ()>> {
    use super::date_unit::Part;
    let part = Part::resolve(unit)?;
    let long = |value: i128| i64::try_from(value).map_err(|_| ());
    let ns = end - start;
    let per = |n: i64| long(ns / i128::from(n));
    Some(match part {
        Part::Year | Part::Quarter | Part::Month => {
            let months = whole_months(start, end);
            Ok(match part {
                Part::Year => months / 12,
                Part::Quarter => months / 3,
                _ => months,
            })
        }
        Part::DayOfYear | Part::Day | Part::Weekday => per(86_400 * NANOS_PER_SECOND),
        Part::Week => per(7 * 86_400 * NANOS_PER_SECOND),
        Part::Hour => per(3600 * NANOS_PER_SECOND),
        Part::Minute => per(60 * NANOS_PER_SECOND),
        Part::Second => per(NANOS_PER_SECOND),
        Part::Millisecond => per(NANOS_PER_MILLI),
        Part::Microsecond => per(1000),
        Part::Nanosecond => long(ns),
    })
}

/// Complete calendar months from `start` to `end`, nanoseconds since the epoch: the months of
/// the millisecond dates, less one when the remaining nanoseconds fall short.
fn whole_months(start: i128, end: i128) -> i64 {
    if end < start {
        return -whole_months(end, start);
    }
    let split = |n: i128| {
        let ms = n.div_euclid(i128::from(NANOS_PER_MILLI));
        (ms as i64, n.rem_euclid(i128::from(NANOS_PER_MILLI)))
    };
    let ((a, a_sub), (b, b_sub)) = (split(start), split(end));
    let months = match datetime::diff("month", a, b) {
        Some(Ok(m)) => m,
        _ => 0,
    };
    // The months counted reach `b`'s millisecond; they overshoot when its nanoseconds are
    // fewer than `a`'s at the same point of the month.
    if months > 0 {
        if let Some(at) = datetime::add_months(a, months) {
            if at == b && b_sub < a_sub {
                return months - 1;
            }
        }
    }
    months
}

/// `DATE_FORMAT` of a nanosecond date: [`datetime::format_pattern_with`] its milliseconds and
/// the nanoseconds below them.
pub fn format_pattern(pattern: &str, nanos: i64) -> Option<String> {
    datetime::format_pattern_with(pattern, to_millis(nanos), nanos.rem_euclid(NANOS_PER_MILLI))
}

/// `DATE_EXTRACT` of a nanosecond date: the fields below the millisecond read the nanoseconds.
pub fn extract(field: &str, nanos: i64) -> Option<i64> {
    let ms = to_millis(nanos);
    let of_second = nanos.rem_euclid(NANOS_PER_SECOND);
    let of_day = nanos.rem_euclid(86_400 * NANOS_PER_SECOND);
    Some(match field.to_ascii_uppercase().as_str() {
        "MICRO_OF_SECOND" => of_second / 1000,
        "NANO_OF_SECOND" => of_second,
        "MICRO_OF_DAY" => of_day / 1000,
        "NANO_OF_DAY" => of_day,
        _ => datetime::extract(field, ms)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_three_to_nine_fraction_digits() {
        assert_eq!(
            format_iso(1_698_069_301_543_123_456),
            "2023-10-23T13:55:01.543123456Z"
        );
        assert_eq!(
            format_iso(1_698_068_014_937_193_000),
            "2023-10-23T13:33:34.937193Z"
        );
        assert_eq!(
            format_iso(1_698_064_048_948_000_000),
            "2023-10-23T12:27:28.948Z"
        );
        assert_eq!(format_iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_iso(i64::MAX), "2262-04-11T23:47:16.854775807Z");
        assert_eq!(format_iso(1_000), "1970-01-01T00:00:00.000001Z");
    }

    #[test]
    fn parses_with_the_range_messages() {
        assert_eq!(
            parse("2023-03-23T12:15:03.360103847"),
            Ok(1_679_573_703_360_103_847)
        );
        assert!(parse("2262-04-12T00:00:00.000").unwrap_err().ends_with(
            "date[2262-04-12T00:00:00Z] is after 2262-04-11T23:47:16.854775807 and cannot be stored in nanosecond resolution"
        ));
        assert!(parse("1969-04-12T00:00:00.000").unwrap_err().ends_with(
            "date[1969-04-12T00:00:00Z] is before the epoch in 1970 and cannot be stored in nanosecond resolution"
        ));
        assert_eq!(parse("2262-04-11T23:47:16.854775807Z"), Ok(i64::MAX));
        assert!(parse("2023-01-01 00:00:00").is_err());
    }

    #[test]
    fn instants_print_as_java() {
        assert_eq!(format_instant(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(format_instant(-1, 500_000_000), "1969-12-31T23:59:59.500Z");
        assert_eq!(format_instant(0, 1_000), "1970-01-01T00:00:00.000001Z");
        assert_eq!(format_instant(0, 1), "1970-01-01T00:00:00.000000001Z");
    }

    #[test]
    fn month_differences_count_the_nanoseconds() {
        let a = 1_000_000_i128 * 86_400_000 * 31 + 5; // 1970-02-01T00:00:00.000000005
        let b = a + 28 * 86_400_000_000_000 - 1; // 1970-03-01T00:00:00.000000004
        assert_eq!(diff("month", a, b), Some(Ok(0)));
        assert_eq!(diff("month", a, b + 1), Some(Ok(1)));
        assert_eq!(diff("month", b + 1, a), Some(Ok(-1)));
    }
}
