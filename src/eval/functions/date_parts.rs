//! `YEAR`, `MONTH`, `DAY`, `HOUR` (sugar over `DATE_EXTRACT`), `DATE_UNIT_COUNT`, and the
//! escaping of `ASCII`/`TO_ASCII`.

use crate::calendar::{civil_from_days, days_from_civil};
pub use crate::document::date_unit::Part;
use crate::document::datetime::MS_PER_DAY;

/// The `java.time.temporal.ChronoField` a unary date-part function extracts
/// (`DatePartFunction.chronoFor`): `YEAR(d)` is `DATE_EXTRACT("year", d)`, and so on.
pub fn chrono_field(name: &str) -> Option<&'static str> {
    Some(match name {
        "year" => "year",
        "month" => "month_of_year",
        "day" => "day_of_month",
        "hour" => "hour_of_day",
        _ => return None,
    })
}

/// `DateDiff.Part.resolve`'s error, without its exception class.
pub fn unknown_unit(unit: &str) -> String {
    format!(
        "A value of [YEAR, QUARTER, MONTH, DAYOFYEAR, DAY, WEEK, WEEKDAY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND, NANOSECOND] or their aliases is required; received [{unit}]"
    )
}

/// How many `to` fit in any `from`, when that does not depend on the date
/// (`DateUnitCount.constCount`): 1 for the same unit, fixed lengths divided (`"day"` in
/// `"hour"` is 0: integer division), 7 days in a week, 12 months or 4 quarters in a year.
pub fn const_count(to: Part, from: Part) -> Option<i64> {
    if to == from {
        return Some(1);
    }
    if let (Some(f), Some(t)) = (from.nanos(), to.nanos()) {
        return Some(f / t);
    }
    match (from, to) {
        (Part::Week, Part::Day | Part::DayOfYear | Part::Weekday) => Some(7),
        (Part::Year, Part::Month) => Some(12),
        (Part::Year, Part::Quarter) => Some(4),
        _ => None,
    }
}

/// `DATE_UNIT_COUNT(to, from, date)` for a UTC date in milliseconds: how many `to` the `from`
/// period holding `date` spans (a day, the Monday-to-Monday week, the calendar month or
/// year), counted as `DATE_DIFF(to, start, end)` would. `Err` is Elasticsearch's exception text:
/// `Unsupported unit [QUARTER]` for a `from` unit of no fixed length other than those four.
pub fn unit_count(to: Part, from: Part, ms: i64) -> Result<i64, String> {
    if let Some(n) = const_count(to, from) {
        return Ok(n);
    }
    let days = ms.div_euclid(MS_PER_DAY);
    let (year, month, _) = civil_from_days(days);
    let (start, end) = match from {
        Part::Day => (days, days + 1),
        Part::Week => {
            // 1970-01-01 was a Thursday: Monday is 3 days before.
            let monday = days - (days + 3).rem_euclid(7);
            (monday, monday + 7)
        }
        Part::Month => {
            let first = days_from_civil(year, month, 1);
            let next = if month == 12 {
                days_from_civil(year + 1, 1, 1)
            } else {
                days_from_civil(year, month + 1, 1)
            };
            (first, next)
        }
        Part::Year => (days_from_civil(year, 1, 1), days_from_civil(year + 1, 1, 1)),
        other => {
            return Err(format!(
                "java.lang.IllegalArgumentException: Unsupported unit [{}]",
                other.java_name()
            ))
        }
    };
    // Whole days and whole calendar months in the period, as `DATE_DIFF` counts them; in days,
    // so the extreme dates (whose next year starts past a `long` of milliseconds) still count.
    let span_days = i128::from(end - start);
    let months: i128 = match from {
        Part::Month => 1,
        Part::Year => 12,
        _ => 0,
    };
    let per_day = |unit_nanos: i64| span_days * 86_400_000_000_000 / i128::from(unit_nanos);
    let n = match to {
        Part::Year => months / 12,
        Part::Quarter => months / 3,
        Part::Month => months,
        Part::Day | Part::DayOfYear | Part::Weekday => span_days,
        Part::Week => span_days / 7,
        fixed => per_day(fixed.nanos().unwrap_or(1)),
    };
    i64::try_from(n).map_err(|_| "java.lang.ArithmeticException: long overflow".to_string())
}

/// `TO_ASCII`'s (and `ASCII`'s) escaping: printable ASCII (32–126) stays, except `\`, `'` and
/// `"`; newline, carriage return, tab, backspace, form feed, `\`, `'` and `"` become two
/// backslashes and `n`, `r`, `t`, `b`, `f`, `\`, `'`, `"` (`\` becomes `\\`); any other code
/// point two backslashes and `x` with 2 hex digits (below 256), `u` with 4 (below 65,536) or
/// `U` with 8, lower case. Elasticsearch's escape strings start with two backslashes
/// (`ToAsciiTests`: `"Café"` is `Caf\\xe9`), except the one for `\` itself.
pub fn escape_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        let code = ch as u32;
        let named = match ch {
            '\n' => Some('n'),
            '\r' => Some('r'),
            '\t' => Some('t'),
            '\u{8}' => Some('b'),
            '\u{c}' => Some('f'),
            '\'' => Some('\''),
            '"' => Some('"'),
            _ => None,
        };
        if let Some(c) = named {
            out.push_str("\\\\");
            out.push(c);
        } else if ch == '\\' {
            out.push_str("\\\\");
        } else if (32..=126).contains(&code) {
            out.push(ch);
        } else if code <= 0xFF {
            out.push_str(&format!("\\\\x{code:02x}"));
        } else if code <= 0xFFFF {
            out.push_str(&format!("\\\\u{code:04x}"));
        } else {
            out.push_str(&format!("\\\\U{code:08x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_to_ascii_tests() {
        assert_eq!(escape_ascii("Café naïve"), r"Caf\\xe9 na\\xefve");
        assert_eq!(
            escape_ascii("hello\nworld\r\t\"tab"),
            r#"hello\\nworld\\r\\t\\"tab"#
        );
        assert_eq!(escape_ascii("你好"), r"\\u4f60\\u597d");
        assert_eq!(escape_ascii("🚀"), r"\\U0001f680");
        assert_eq!(escape_ascii("a\\n"), r"a\\n");
        assert_eq!(escape_ascii("\u{7f}\u{1}"), r"\\x7f\\x01");
    }

    #[test]
    fn unit_counts() {
        let feb_2024 = 1_707_955_200_000; // 2024-02-15
        let count = |to: &str, from: &str, ms: i64| {
            unit_count(Part::resolve(to).unwrap(), Part::resolve(from).unwrap(), ms)
        };
        assert_eq!(count("day", "month", feb_2024), Ok(29));
        assert_eq!(count("day", "month", feb_2024 - 365 * 86_400_000), Ok(28));
        assert_eq!(count("day", "year", feb_2024), Ok(366));
        assert_eq!(count("hour", "day", feb_2024), Ok(24));
        assert_eq!(count("week", "year", feb_2024), Ok(52));
        assert_eq!(count("second", "hour", feb_2024), Ok(3600));
        assert_eq!(count("hour", "minute", feb_2024), Ok(0));
        assert_eq!(
            count("day", "hour", feb_2024),
            Err("java.lang.IllegalArgumentException: Unsupported unit [HOUR]".into())
        );
        assert_eq!(count("minute", "week", 0), Ok(10_080));
        assert_eq!(count("day", "year", i64::MAX), Ok(365));
        assert_eq!(count("day", "month", i64::MIN), Ok(31));
        assert_eq!(count("ns", "year", i64::MAX), Ok(31_536_000_000_000_000));
        assert_eq!(
            count("day", "quarter", 0),
            Err("java.lang.IllegalArgumentException: Unsupported unit [QUARTER]".into())
        );
    }
}
