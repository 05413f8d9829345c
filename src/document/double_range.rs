//! `double_range` values: half-open intervals of doubles `[from, to)`, parsed from `from..to`
//! strings (`TO_DOUBLE_RANGE`, csv-spec datasets) and from a document's `{"gte": …, "lt": …}`
//! object, and printed as ES|QL prints them (each bound as Java's `Double.toString`).

use super::value::{java_double, Value};

/// `from..to`, each bound as `TO_STRING` prints a double (`1.5..2.5`, `-Infinity..0.0`).
pub fn format(from: f64, to: f64) -> String {
    format!("{}..{}", java_double(from), java_double(to))
}

/// The `java.lang.IllegalArgumentException` text of a failed conversion.
fn failure(message: String) -> String {
    format!("java.lang.IllegalArgumentException: {message}")
}

/// Java's `Double.parseDouble`: surrounding whitespace ignored, `Infinity` and `NaN` spelled
/// as Java spells them (Rust's `inf` is refused), a trailing `d`/`f` type suffix accepted.
pub fn parse_java_double(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let digits = t.trim_start_matches(['+', '-']);
    let refused = || format!("java.lang.NumberFormatException: For input string: \"{text}\"");
    let word = digits
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic());
    if word && digits != "Infinity" && digits != "NaN" {
        return Err(refused());
    }
    let t = t.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(t);
    t.parse::<f64>().map_err(|_| refused())
}

/// A range from two bounds with `from < to`, as `TO_RANGE` and `TO_DOUBLE_RANGE` require
/// (`from == to` and a `NaN` bound are refused too: the comparison is false). `prefix` is
/// `"double range "` for `TO_DOUBLE_RANGE`'s message, empty for `TO_RANGE`'s.
fn ordered(from: f64, to: f64, prefix: &str) -> Result<Value, String> {
    if from < to {
        return Ok(Value::DoubleRange { from, to });
    }
    Err(failure(format!(
        "{prefix}'from' [{}] must be less than 'to' [{}]",
        java_double(from),
        java_double(to)
    )))
}

/// Parses `from..to` as `TO_DOUBLE_RANGE` does (`EsqlDataTypeConverter.parseDoubleRange`):
/// exactly one `..`, each bound a Java double. The error is the full warning text.
pub fn parse(text: &str) -> Result<Value, String> {
    let mut parts = text.split("..");
    let (Some(from), Some(to), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(failure(format!(
            "expected double range in the form 'from..to', got [{text}]"
        )));
    };
    let (from, to) = (parse_java_double(from)?, parse_java_double(to)?);
    ordered(from, to, "double range ")
}

/// `TO_RANGE(from, to)` over doubles (`ToRange.processDouble`).
pub fn to_range(from: f64, to: f64) -> Result<Value, String> {
    ordered(from, to, "")
}

/// A range read from a document's bounds: `from > to` is refused as Lucene's `DoubleRange`
/// refuses a minimum above its maximum; an empty range (`from == to`) is kept.
pub fn checked(from: f64, to: f64) -> Result<Value, String> {
    if from > to {
        return Err(format!(
            "min value [{}] is greater than max value [{}]",
            java_double(from),
            java_double(to)
        ));
    }
    Ok(Value::DoubleRange { from, to })
}

/// Whether `point` lies in `[from, to)` (`RangeWithin`'s double point evaluator).
pub fn contains_point(range: (f64, f64), point: f64) -> bool {
    point >= range.0 && point < range.1
}

/// Whether `inner` lies wholly inside `outer`.
pub fn within(inner: (f64, f64), outer: (f64, f64)) -> bool {
    inner.0 >= outer.0 && inner.1 <= outer.1
}

/// Whether two half-open ranges overlap.
pub fn intersects(a: (f64, f64), b: (f64, f64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values from `ToDoubleRangeTests` and `double_range.csv-spec`.
    #[test]
    fn parses_as_to_double_range() {
        let text = |s: &str| parse(s).unwrap().to_text();
        assert_eq!(text("1.5..2.5"), "1.5..2.5");
        assert_eq!(text("1..2"), "1.0..2.0");
        assert_eq!(text("1.5e2..2.5e2"), "150.0..250.0");
        assert_eq!(text("-Infinity..0.0"), "-Infinity..0.0");
        assert_eq!(text("-Infinity..Infinity"), "-Infinity..Infinity");
        let err = |s: &str| parse(s).unwrap_err();
        let iae = "java.lang.IllegalArgumentException: ";
        assert_eq!(
            err("2.5..1.5"),
            format!("{iae}double range 'from' [2.5] must be less than 'to' [1.5]")
        );
        assert_eq!(
            err("1.5..1.5"),
            format!("{iae}double range 'from' [1.5] must be less than 'to' [1.5]")
        );
        assert_eq!(
            err("NaN..1.5"),
            format!("{iae}double range 'from' [NaN] must be less than 'to' [1.5]")
        );
        assert_eq!(
            err("not-a-double..1.5"),
            "java.lang.NumberFormatException: For input string: \"not-a-double\""
        );
        assert_eq!(
            err("1.5..2.5..3.5"),
            format!("{iae}expected double range in the form 'from..to', got [1.5..2.5..3.5]")
        );
        assert!(parse("inf..1.0").is_err());
    }

    #[test]
    fn relations_are_half_open() {
        // `RangeWithinTests`: the start is in, the end is out.
        assert!(contains_point((0.5, 1.5), 1.0));
        assert!(contains_point((0.5, 1.5), 0.5));
        assert!(!contains_point((0.5, 1.5), 1.5));
        assert!(!contains_point((0.5, 1.5), 2.0));
        assert!(within((0.5, 1.5), (0.0, 2.0)));
        assert!(!within((0.0, 1.0), (0.5, 1.5)));
        assert!(within((0.5, 1.5), (0.5, 1.5)));
        assert!(intersects((1.5, 1.6), (1.55, 1.85)));
        assert!(!intersects((1.5, 1.6), (1.6, 1.8)));
        assert!(checked(2.0, 1.0).is_err());
        assert_eq!(
            to_range(2.5, 1.5).unwrap_err(),
            "java.lang.IllegalArgumentException: 'from' [2.5] must be less than 'to' [1.5]"
        );
    }
}
