//! `date_range` values: half-open intervals of dates `[from, to)` in milliseconds, parsed from
//! `from..to` strings (`TO_DATE_RANGE`, csv-spec datasets) and from a document's
//! `{"gte": …, "lt": …}` object, and printed as ES|QL prints them.

use super::datetime;
use super::value::Value;

/// `from..to`, each bound as `TO_STRING` prints a date (`2020-01-01T00:00:00.000Z`).
pub fn format(from: i64, to: i64) -> String {
    format!(
        "{}..{}",
        datetime::format_iso(from),
        datetime::format_iso(to)
    )
}

/// The `java.lang.IllegalArgumentException` text of a failed `TO_DATE_RANGE`.
fn failure(message: String) -> String {
    format!("java.lang.IllegalArgumentException: {message}")
}

/// A range from its two bounds: `from` inclusive, `to` exclusive. `from > to` is refused as
/// Lucene's `LongRange` refuses a minimum above its maximum; `from == to` (an empty range) is
/// kept, as `TO_DATE_RANGE` has no check of its own.
pub fn checked(from: i64, to: i64) -> Result<Value, String> {
    if from > to {
        return Err(format!(
            "min value [{}] is greater than max value [{}]",
            datetime::format_iso(from),
            datetime::format_iso(to)
        ));
    }
    Ok(Value::DateRange { from, to })
}

/// Parses `from..to` as `TO_DATE_RANGE` does (`EsqlDataTypeConverter.parseDateRange`): split at
/// the first `..`, each bound a `strict_date_optional_time` date (UTC without a zone). The error
/// is the full warning text of the failure.
pub fn parse(text: &str) -> Result<Value, String> {
    let Some((from, to)) = text.split_once("..") else {
        return Err(failure(format!(
            "invalid date range [{text}]: expected [from..to]"
        )));
    };
    let bound = |b: &str| {
        datetime::parse_iso_strict(b).ok_or_else(|| {
            failure(format!(
                "failed to parse date field [{b}] with format [strict_date_optional_time]"
            ))
        })
    };
    let (from, to) = (bound(from)?, bound(to)?);
    checked(from, to).map_err(failure)
}

/// `TO_RANGE(from, to)`: `from` must be below `to` (`ToRange.process`); the error is the
/// warning text of the failure, with the bounds in milliseconds as Elasticsearch prints them.
pub fn to_range(from: i64, to: i64) -> Result<Value, String> {
    if from >= to {
        return Err(failure(format!(
            "'from' [{from}] must be less than 'to' [{to}]"
        )));
    }
    Ok(Value::DateRange { from, to })
}

/// Whether `point` lies in `[from, to)` (`RangeWithin.processPoint`).
pub fn contains_point(range: (i64, i64), point: i64) -> bool {
    point >= range.0 && point < range.1
}

/// Whether `inner` lies wholly inside `outer` (`RangeWithin.processRange`).
pub fn within(inner: (i64, i64), outer: (i64, i64)) -> bool {
    inner.0 >= outer.0 && inner.1 <= outer.1
}

/// Whether two half-open ranges overlap (`RangeIntersects.processRange`).
pub fn intersects(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_as_es() {
        let r = parse("2024-06-01..2024-06-30").unwrap();
        assert_eq!(
            r.to_text(),
            "2024-06-01T00:00:00.000Z..2024-06-30T00:00:00.000Z"
        );
        assert_eq!(
            parse("2020-01-01T00:00:00.000Z..2021-01-01T00:00:00.000Z")
                .unwrap()
                .to_text(),
            "2020-01-01T00:00:00.000Z..2021-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn malformed_strings_fail_with_the_warning_text() {
        assert_eq!(
            parse("2024-06-01").unwrap_err(),
            "java.lang.IllegalArgumentException: invalid date range [2024-06-01]: expected [from..to]"
        );
        assert_eq!(
            parse("x..2024-06-01").unwrap_err(),
            "java.lang.IllegalArgumentException: failed to parse date field [x] with format [strict_date_optional_time]"
        );
        assert!(parse("2024-06-02..2024-06-01").is_err());
        assert!(parse("2024-06-01..2024-06-01").is_ok());
    }

    #[test]
    fn relations_are_half_open() {
        let decade = (0, 10);
        assert!(contains_point(decade, 0));
        assert!(!contains_point(decade, 10));
        assert!(within((2, 10), decade));
        assert!(!within((2, 11), decade));
        assert!(intersects((9, 20), decade));
        assert!(!intersects((10, 20), decade));
        assert_eq!(
            to_range(5, 5).unwrap_err(),
            "java.lang.IllegalArgumentException: 'from' [5] must be less than 'to' [5]"
        );
    }
}
