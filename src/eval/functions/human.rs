//! Human-readable formatting: `FMT_BYTES`, `FMT_BYTES_SI`, `FMT_DURATION`, `FMT_PERCENT`, as
//! Elasticsearch's `ByteSizeValue.toString`, `TimeValue.toHumanReadableString(1)` and
//! `String.format("%.1f")` write them.
//!
//! `-1` is the "unbounded" sentinel of `ByteSizeValue` and `TimeValue`: it prints as `-1b`,
//! `-1B` or `-1` whatever unit is asked for; anything below it is an error (a warning and
//! null in the query).

use crate::document::value::java_double;

const BINARY_UNITS: [(&str, u64); 5] = [
    ("pb", 1 << 50),
    ("tb", 1 << 40),
    ("gb", 1 << 30),
    ("mb", 1 << 20),
    ("kb", 1 << 10),
];

const SI_UNITS: [(&str, u64); 5] = [
    ("PB", 1_000_000_000_000_000),
    ("TB", 1_000_000_000_000),
    ("GB", 1_000_000_000),
    ("MB", 1_000_000),
    ("KB", 1_000),
];

/// Nanoseconds per unit of `TimeValue`, largest first.
const DURATION_UNITS: [(&str, u64); 6] = [
    ("d", 86_400_000_000_000),
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("micros", 1_000),
];

/// `Strings.format1Decimals`: Java's `Double.toString`, cut (not rounded) after one fractional
/// digit, which is dropped when it is `0`.
pub fn format1_decimals(value: f64, suffix: &str) -> String {
    let p = java_double(value);
    let dot = p.find('.').unwrap_or(p.len());
    let exponent = p.find('E').map_or("", |e| &p[e..]);
    match p[dot + 1..].chars().next() {
        Some(f) if f != '0' => format!("{}{f}{exponent}{suffix}", &p[..=dot]),
        _ => format!("{}{exponent}{suffix}", &p[..dot]),
    }
}

/// `FMT_BYTES(bytes [, unit])`: base-1024 units `b`..`pb`, lower case.
pub fn fmt_bytes(bytes: i64, unit: Option<&str>) -> Result<String, String> {
    if bytes < -1 {
        return Err(match unit {
            None => format!(
                "java.lang.IllegalArgumentException: Values less than -1 bytes are not supported: {bytes}b"
            ),
            Some(_) => format!(
                "java.lang.IllegalArgumentException: Values less than [-1] bytes are not supported: [{bytes}]"
            ),
        });
    }
    let divisor = match unit {
        None => pick(bytes, &BINARY_UNITS, "b"),
        Some(u) => pinned(u, &BINARY_UNITS, "b", "[b, kb, mb, gb, tb, pb]")?,
    };
    if bytes == -1 {
        return Ok("-1b".into());
    }
    Ok(format1_decimals(
        bytes as f64 / divisor.1 as f64,
        &divisor.0.to_ascii_lowercase(),
    ))
}

/// `FMT_BYTES_SI(bytes [, unit])`: base-1000 units `B`..`PB`, upper case.
pub fn fmt_bytes_si(bytes: i64, unit: Option<&str>) -> Result<String, String> {
    if bytes < -1 {
        return Err(format!(
            "java.lang.IllegalArgumentException: Values less than [-1] bytes are not supported: [{bytes}]"
        ));
    }
    let divisor = match unit {
        None => pick(bytes, &SI_UNITS, "B"),
        Some(u) => pinned(u, &SI_UNITS, "B", "[B, KB, MB, GB, TB, PB]")?,
    };
    if bytes == -1 {
        return Ok("-1B".into());
    }
    Ok(format1_decimals(
        bytes as f64 / divisor.1 as f64,
        &divisor.0.to_ascii_uppercase(),
    ))
}

/// `FMT_DURATION(nanoseconds [, unit])`: `TimeValue`'s units `nanos`..`d`.
pub fn fmt_duration(nanos: i64, unit: Option<&str>) -> Result<String, String> {
    if nanos < -1 {
        return Err(format!(
            "java.lang.IllegalArgumentException: duration cannot be negative, was given [{nanos}]"
        ));
    }
    match unit {
        Some(u) => {
            let (name, divisor) = pinned(
                u,
                &DURATION_UNITS,
                "nanos",
                "[nanos, micros, ms, s, m, h, d]",
            )?;
            if nanos == -1 {
                return Ok("-1".into());
            }
            Ok(format1_decimals(
                nanos as f64 / divisor as f64,
                &name.to_ascii_lowercase(),
            ))
        }
        None => {
            if nanos == -1 {
                return Ok("-1".into());
            }
            if nanos == 0 {
                return Ok("0s".into());
            }
            let (name, divisor) = pick(nanos, &DURATION_UNITS, "nanos");
            Ok(format!(
                "{}{name}",
                format_decimal(nanos as f64 / divisor as f64)
            ))
        }
    }
}

/// `FMT_PERCENT(ratio)`: the ratio times 100 with one decimal (`%.1f`, half up on Java's
/// shortest digits), a trailing `.0` dropped.
pub fn fmt_percent(ratio: f64) -> String {
    let pct = ratio * 100.0;
    if !pct.is_finite() {
        return format!("{}%", java_double(pct));
    }
    let s = round_half_up_1(pct);
    match s.strip_suffix(".0") {
        Some(whole) => format!("{whole}%"),
        None => format!("{s}%"),
    }
}

/// Rounds to one decimal, half up, on the shortest decimal digits that name the double (as
/// Java's `Formatter` does), without exponent.
fn round_half_up_1(v: f64) -> String {
    let negative = v.is_sign_negative() && v != 0.0;
    // `{}` on f64 gives the shortest round-trip digits in plain notation.
    let plain = format!("{}", v.abs());
    let (int_part, frac) = plain.split_once('.').unwrap_or((&plain, ""));
    let mut digits: Vec<u8> = int_part.bytes().map(|b| b - b'0').collect();
    let frac: Vec<u8> = frac.bytes().map(|b| b - b'0').collect();
    digits.push(frac.first().copied().unwrap_or(0));
    if frac.get(1).copied().unwrap_or(0) >= 5 {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, 1);
                break;
            }
            i -= 1;
            if digits[i] == 9 {
                digits[i] = 0;
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let last = digits.pop().unwrap_or(0);
    let whole: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    let sign = if negative { "-" } else { "" };
    format!("{sign}{whole}.{last}")
}

/// The largest unit not above the value (the base unit below them all).
fn pick(value: i64, units: &[(&'static str, u64)], base: &'static str) -> (&'static str, u64) {
    units
        .iter()
        .find(|(_, size)| value >= *size as i64)
        .copied()
        .unwrap_or((base, 1))
}

/// A unit named by the caller, case-insensitively.
fn pinned(
    unit: &str,
    units: &[(&'static str, u64)],
    base: &'static str,
    expected: &str,
) -> Result<(&'static str, u64), String> {
    if unit.eq_ignore_ascii_case(base) {
        return Ok((base, 1));
    }
    units
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(unit))
        .copied()
        .ok_or_else(|| {
            format!(
                "java.lang.IllegalArgumentException: Unsupported unit [{unit}], expected one of {expected}"
            )
        })
}

/// `TimeValue.formatDecimal(value, 1)`: one fractional digit, cut, elided when it is `0`.
fn format_decimal(value: f64) -> String {
    let p = java_double(value);
    let dot = p.find('.').unwrap_or(p.len());
    let exponent_at = p.find('E');
    let end = exponent_at.unwrap_or_else(|| (dot + 2).min(p.len()));
    let exponent = exponent_at.map_or("", |e| &p[e..]);
    let fraction = &p[(dot + 1).min(end)..end];
    if fraction.bytes().all(|b| b == b'0') {
        format!("{}{exponent}", &p[..dot])
    } else {
        format!("{}{exponent}", &p[..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_examples() {
        assert_eq!(fmt_bytes(1536, None).unwrap(), "1.5kb");
        assert_eq!(fmt_bytes(1_610_612_736, Some("mb")).unwrap(), "1536mb");
        assert_eq!(fmt_bytes(2048, Some("KB")).unwrap(), "2kb");
        assert_eq!(fmt_bytes(-1, Some("kb")).unwrap(), "-1b");
        assert_eq!(fmt_bytes(1023, None).unwrap(), "1023b");
        assert_eq!(fmt_bytes_si(1500, None).unwrap(), "1.5KB");
        assert_eq!(fmt_bytes_si(1_500_000_000, Some("MB")).unwrap(), "1500MB");
        assert_eq!(fmt_bytes_si(-1, Some("KB")).unwrap(), "-1B");
        assert_eq!(fmt_duration(1_500_000_000, None).unwrap(), "1.5s");
        assert_eq!(fmt_duration(1_500_000_000, Some("ms")).unwrap(), "1500ms");
        assert_eq!(fmt_duration(-1, Some("s")).unwrap(), "-1");
        assert_eq!(fmt_duration(0, None).unwrap(), "0s");
        assert_eq!(fmt_duration(999, None).unwrap(), "999nanos");
        assert_eq!(fmt_duration(90_000_000_000, None).unwrap(), "1.5m");
        assert_eq!(fmt_percent(0.75), "75%");
        assert_eq!(fmt_percent(0.123), "12.3%");
        assert_eq!(fmt_percent(0.00125), "0.1%");
        assert_eq!(fmt_percent(-0.5), "-50%");
    }

    #[test]
    fn errors_are_elasticsearchs() {
        assert!(fmt_bytes(-2, None).unwrap_err().ends_with("supported: -2b"));
        assert!(fmt_bytes(1, Some("eb"))
            .unwrap_err()
            .ends_with("Unsupported unit [eb], expected one of [b, kb, mb, gb, tb, pb]"));
        assert!(fmt_bytes_si(-2, None).unwrap_err().ends_with(": [-2]"));
        assert!(fmt_duration(-2, None)
            .unwrap_err()
            .ends_with("duration cannot be negative, was given [-2]"));
    }

    #[test]
    fn one_decimal_is_cut_not_rounded() {
        assert_eq!(format1_decimals(1.99, "kb"), "1.9kb");
        assert_eq!(format1_decimals(2.0, "kb"), "2kb");
        assert_eq!(format1_decimals(1.0e10, "b"), "1E10b");
    }
}
