//! Type conversions of `TO_*` functions and `::` casts, with Elasticsearch's failure messages.

use super::value::{Type, Value};
use super::{date_nanos, datetime, ip};

const INVALID_ARGUMENT: &str = "org.elasticsearch.xpack.esql.core.InvalidArgumentException";

fn out_of_range(text: &str, ty: &str) -> String {
    format!("{INVALID_ARGUMENT}: [{text}] out of [{ty}] range")
}

/// Parses a string as a whole number: an integer parse first, then a double parse whose value
/// must be whole and in range, as `EsqlDataTypeConverter.stringToLong` does.
fn string_to_long(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if let Ok(v) = t.parse::<i64>() {
        return Ok(v);
    }
    match t.parse::<f64>() {
        Ok(d) if d.is_finite() => double_to_long(d),
        _ => Err(format!("{INVALID_ARGUMENT}: Cannot parse number [{s}]")),
    }
}

/// `DataTypeConverter.safeDoubleToLong`: a range check, then Java's `Math.round` (half up, so
/// `2.5` is 3 and `-2.5` is -2). NaN passes Java's range check and rounds to 0.
fn double_to_long(d: f64) -> Result<i64, String> {
    if d.is_nan() {
        Ok(0)
    } else if (-9.223_372_036_854_776e18..=9.223_372_036_854_776e18).contains(&d) {
        let floor = d.floor();
        // `d - floor` is exact, so this is exact rounding half up.
        let rounded = if d - floor >= 0.5 { floor + 1.0 } else { floor };
        Ok(rounded as i64)
    } else {
        Err(out_of_range(&super::value::java_double(d), "long"))
    }
}

/// `EsqlDataTypeConverter.stringToInt`: `Integer.parseInt`, else a double within the integer
/// range rounded half up (`safeToInt`); any failure is `Cannot parse number [s]`, so
/// `"2147483647.2"` (above the range before rounding) fails.
fn string_to_int(s: &str) -> Result<i32, String> {
    let t = s.trim();
    if let Ok(v) = t.parse::<i32>() {
        return Ok(v);
    }
    match t.parse::<f64>() {
        Ok(d) if d.is_finite() && d >= f64::from(i32::MIN) && d <= f64::from(i32::MAX) => {
            let floor = d.floor();
            let rounded = if d - floor >= 0.5 { floor + 1.0 } else { floor };
            Ok(rounded as i32)
        }
        _ => Err(format!("{INVALID_ARGUMENT}: Cannot parse number [{s}]")),
    }
}

/// `EsqlDataTypeConverter.safeToUnsignedLong(String)`: `new BigDecimal(s).toBigInteger()`
/// (the fraction truncated), then a range check. The text is not trimmed, and a malformed one
/// fails with `BigDecimal`'s own `NumberFormatException` message (ints.csv-spec
/// `convertStringToUL`: `Character f is neither a decimal digit number, …`).
fn string_to_unsigned_long(s: &str) -> Result<u64, String> {
    let nfe = |m: &str| format!("java.lang.NumberFormatException: {m}");
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let negative = s.starts_with('-');
    let (mut digits, mut point, mut exponent) = (String::new(), None, 0i64);
    for (i, c) in body.char_indices() {
        match c {
            '0'..='9' => digits.push(c),
            '.' if point.is_some() => {
                return Err(nfe("Character array contains more than one decimal point."))
            }
            '.' => point = Some(digits.len()),
            'e' | 'E' => {
                exponent = big_decimal_exponent(&body[i + 1..]).map_err(&nfe)?;
                break;
            }
            other => {
                return Err(nfe(&format!(
                    "Character {other} is neither a decimal digit number, decimal point, nor \"e\" notation exponential mark."
                )))
            }
        }
    }
    if digits.is_empty() {
        return Err(nfe("No digits found."));
    }
    // Digits before the point, moved by the exponent: the integer part's length.
    let whole = point.unwrap_or(digits.len()) as i64 + exponent;
    let integer: String = match whole {
        w if w <= 0 => String::new(),
        w if w as usize <= digits.len() => digits[..w as usize].to_string(),
        // More than 20 digits is out of range whatever they are (unless all zeros).
        w if w > 40 => format!("{digits}{}", "0".repeat(21)),
        w => format!("{digits}{}", "0".repeat(w as usize - digits.len())),
    };
    let integer = integer.trim_start_matches('0');
    match integer.parse::<u64>() {
        Ok(u) if !(negative && u > 0) => Ok(u),
        _ if integer.is_empty() => Ok(0),
        _ => Err(out_of_range(s, "unsigned_long")),
    }
}

/// `BigDecimal`'s `parseExp` after the `e`: an optional sign and at most ten significant
/// digits, within `int`.
fn big_decimal_exponent(text: &str) -> Result<i64, &'static str> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() {
        return Err("No exponent digits.");
    }
    let significant = digits.trim_start_matches('0');
    let significant = if significant.is_empty() {
        "0"
    } else {
        significant
    };
    if significant.len() > 10 && digits.len() > 10 {
        return Err("Too many nonzero exponent digits.");
    }
    if !significant.bytes().all(|b| b.is_ascii_digit()) {
        return Err("Not a digit.");
    }
    let value: i64 = significant.parse().map_err(|_| "Not a digit.")?;
    if value > i64::from(i32::MAX) {
        return Err("Exponent overflow.");
    }
    Ok(if text.starts_with('-') { -value } else { value })
}

fn long_to_int(v: i64) -> Result<i32, String> {
    i32::try_from(v).map_err(|_| out_of_range(&v.to_string(), "integer"))
}

/// Converts one value of a known source type to `to`. The error is the detail line of the
/// evaluation warning (exception class and message).
pub fn convert(v: &Value, to: Type) -> Result<Value, String> {
    Ok(match to {
        Type::Keyword | Type::Text => Value::str(&v.to_text()),
        Type::Boolean => Value::Boolean(to_boolean(v)?),
        Type::Integer => Value::Integer(to_integer(v)?),
        Type::Long => Value::Long(to_long(v)?),
        Type::UnsignedLong => Value::UnsignedLong(to_unsigned_long(v)?),
        Type::Double => Value::Double(to_double(v)?),
        Type::Datetime => Value::Datetime(to_datetime(v)?),
        Type::Ip => match v {
            Value::Ip(b) => Value::Ip(*b),
            Value::String(s) => Value::Ip(ip::parse(s).ok_or_else(|| {
                format!("java.lang.IllegalArgumentException: '{s}' is not an IP string literal.")
            })?),
            _ => return Err(unsupported(v, to)),
        },
        Type::Version => match v {
            Value::String(s) | Value::Version(s) => Value::Version(s.clone()),
            _ => return Err(unsupported(v, to)),
        },
        Type::GeoPoint => match v {
            Value::GeoPoint { .. } => v.clone(),
            // `ToGeoPoint.fromKeyword`: `GEO.wktToWkb`, an `IllegalArgumentException` on failure.
            Value::String(s) => super::geo::parse_wkt(s)
                .map_err(|m| format!("java.lang.IllegalArgumentException: {m}"))?,
            _ => return Err(unsupported(v, to)),
        },
        Type::DateRange => match v {
            Value::DateRange { .. } => v.clone(),
            // `ToDateRange.fromKeyword`: `parseDateRange`, an `IllegalArgumentException` on failure.
            Value::String(s) => super::date_range::parse(s)?,
            _ => return Err(unsupported(v, to)),
        },
        Type::DateNanos => Value::DateNanos(to_date_nanos(v)?),
        Type::DoubleRange => match v {
            Value::DoubleRange { .. } => v.clone(),
            // `ToDoubleRange.fromKeyword`: `parseDoubleRange`.
            Value::String(s) => super::double_range::parse(s)?,
            _ => return Err(unsupported(v, to)),
        },
        Type::Null | Type::DatePeriod | Type::TimeDuration | Type::Flattened => {
            return Err(unsupported(v, to))
        }
    })
}

/// [`convert`] to `boolean`.
fn to_boolean(v: &Value) -> Result<bool, String> {
    Ok(match v {
        Value::Boolean(b) => *b,
        // Java's Boolean.parseBoolean: only "true" (any case) is true.
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        Value::Double(d) => *d != 0.0,
        Value::UnsignedLong(u) => *u != 0,
        other => other
            .as_i64()
            .map(|x| x != 0)
            .ok_or_else(|| unsupported(v, Type::Boolean))?,
    })
}

/// [`convert`] to `integer`.
fn to_integer(v: &Value) -> Result<i32, String> {
    Ok(match v {
        Value::Integer(x) => *x,
        Value::Boolean(b) => *b as i32,
        Value::Double(d) => long_to_int(
            double_to_long(*d)
                .map_err(|_| out_of_range(&super::value::java_double(*d), "integer"))?,
        )?,
        Value::String(s) => string_to_int(s)?,
        other => long_to_int(other.as_i64().ok_or_else(|| match other {
            Value::UnsignedLong(u) => out_of_range(&u.to_string(), "integer"),
            _ => unsupported(v, Type::Integer),
        })?)?,
    })
}

/// [`convert`] to `long`.
fn to_long(v: &Value) -> Result<i64, String> {
    Ok(match v {
        Value::Boolean(b) => *b as i64,
        Value::Double(d) => double_to_long(*d)?,
        Value::String(s) => string_to_long(s)?,
        Value::UnsignedLong(u) => {
            i64::try_from(*u).map_err(|_| out_of_range(&u.to_string(), "long"))?
        }
        other => other.as_i64().ok_or_else(|| unsupported(v, Type::Long))?,
    })
}

/// [`convert`] to `unsigned_long`.
fn to_unsigned_long(v: &Value) -> Result<u64, String> {
    Ok(match v {
        Value::Boolean(b) => *b as u64,
        Value::UnsignedLong(u) => *u,
        Value::Double(d) if *d >= 0.0 && *d < 1.8446744073709552e19 => *d as u64,
        // `safeToUnsignedLong(Double)`: out of range, NaN included.
        Value::Double(d) => {
            return Err(out_of_range(
                &super::value::java_double(*d),
                "unsigned_long",
            ))
        }
        Value::String(s) => string_to_unsigned_long(s)?,
        other => {
            let x = other
                .as_i64()
                .ok_or_else(|| unsupported(v, Type::UnsignedLong))?;
            u64::try_from(x).map_err(|_| out_of_range(&x.to_string(), "unsigned_long"))?
        }
    })
}

/// [`convert`] to `double`.
fn to_double(v: &Value) -> Result<f64, String> {
    Ok(match v {
        Value::Boolean(b) => *b as i64 as f64,
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("java.lang.NumberFormatException: For input string: \"{s}\""))?,
        Value::Datetime(ms) => *ms as f64,
        other => other.as_f64().ok_or_else(|| unsupported(v, Type::Double))?,
    })
}

/// [`convert`] to `datetime`.
fn to_datetime(v: &Value) -> Result<i64, String> {
    Ok(match v {
        Value::Datetime(ms) => *ms,
        // `ToDatetime.fromDatenanos`: `DateUtils.toMilliSeconds`, truncated.
        Value::DateNanos(ns) => date_nanos::to_millis(*ns),
        Value::String(s) => datetime::parse_iso_strict(s).ok_or_else(|| {
            format!(
                "java.lang.IllegalArgumentException: failed to parse date field [{s}] with format [strict_date_optional_time]"
            )
        })?,
        Value::Double(d) => double_to_long(*d)?,
        Value::UnsignedLong(u) => {
            i64::try_from(*u).map_err(|_| out_of_range(&u.to_string(), "long"))?
        }
        other => other.as_i64().ok_or_else(|| unsupported(v, Type::Datetime))?,
    })
}

/// `ToDateNanos`: a string parsed as `strict_date_optional_time_nanos`, a date widened, a long
/// (or an `unsigned_long` within a long) read as nanoseconds, a double rounded as
/// `safeDoubleToLong`; every result in the nanosecond range or a warning.
fn to_date_nanos(v: &Value) -> Result<i64, String> {
    match v {
        Value::DateNanos(ns) => Ok(*ns),
        Value::Datetime(ms) => date_nanos::from_millis(*ms),
        Value::String(s) => date_nanos::parse(s),
        Value::Long(l) => date_nanos::from_long(*l),
        // `ToLongFromUnsignedLongEvaluator`: out of a long's range is an invalid argument.
        Value::UnsignedLong(u) => {
            i64::try_from(*u).map_err(|_| out_of_range(&u.to_string(), "long"))
        }
        Value::Double(d) if *d < 0.0 => date_nanos::from_long(-1),
        Value::Double(d) => double_to_long(*d),
        _ => Err(unsupported(v, Type::DateNanos)),
    }
}

/// Whether a column of type `from` can be converted to `to` at all (a verification error
/// otherwise).
pub fn convertible(from: Type, to: Type) -> bool {
    if from == Type::Null || from == to || to.is_string() {
        return true;
    }
    match to {
        Type::Long => {
            from.is_numeric()
                || from.is_string()
                || matches!(from, Type::Boolean | Type::Datetime | Type::DateNanos)
        }
        Type::Boolean | Type::Integer | Type::UnsignedLong | Type::Double => {
            from.is_numeric() || from.is_string() || from == Type::Boolean || from == Type::Datetime
        }
        Type::Datetime => from.is_numeric() || from.is_string() || from == Type::DateNanos,
        // `ToDateNanos` takes no `integer` (its range is two seconds after the epoch) and no
        // `boolean`.
        Type::DateNanos => {
            from.is_string()
                || matches!(
                    from,
                    Type::Datetime | Type::Long | Type::UnsignedLong | Type::Double
                )
        }
        Type::Ip | Type::Version | Type::GeoPoint | Type::DateRange | Type::DoubleRange => {
            from.is_string()
        }
        Type::DatePeriod | Type::TimeDuration => from.is_string(),
        _ => false,
    }
}

fn unsupported(v: &Value, to: Type) -> String {
    format!(
        "java.lang.IllegalArgumentException: cannot convert [{}] to [{}]",
        v.to_text(),
        to.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_to_unsigned_long_is_big_decimal_truncated() {
        let ul = |s: &str| convert(&Value::str(s), Type::UnsignedLong);
        assert_eq!(ul("2147483648.2").unwrap(), Value::UnsignedLong(2147483648));
        assert_eq!(
            ul("18446744073709551615.9").unwrap(),
            Value::UnsignedLong(u64::MAX)
        );
        assert_eq!(ul("1.5e3").unwrap(), Value::UnsignedLong(1500));
        assert_eq!(ul("-0.5").unwrap(), Value::UnsignedLong(0));
        assert_eq!(ul("+7").unwrap(), Value::UnsignedLong(7));
        assert!(ul("18446744073709551616")
            .unwrap_err()
            .ends_with("[18446744073709551616] out of [unsigned_long] range"));
        assert!(ul("-1")
            .unwrap_err()
            .ends_with("[-1] out of [unsigned_long] range"));
        assert!(ul("1e999999")
            .unwrap_err()
            .ends_with("out of [unsigned_long] range"));
        assert_eq!(
            ul("foo").unwrap_err(),
            "java.lang.NumberFormatException: Character f is neither a decimal digit number, decimal point, nor \"e\" notation exponential mark."
        );
        assert_eq!(
            ul("").unwrap_err(),
            "java.lang.NumberFormatException: No digits found."
        );
        assert_eq!(
            ul("1e").unwrap_err(),
            "java.lang.NumberFormatException: No exponent digits."
        );
        assert_eq!(
            ul("1.2.3").unwrap_err(),
            "java.lang.NumberFormatException: Character array contains more than one decimal point."
        );
        assert!(ul(" 1").unwrap_err().contains("Character   is neither"));
    }

    #[test]
    fn double_out_of_unsigned_long_range_is_an_invalid_argument() {
        let ul = |d: f64| convert(&Value::Double(d), Type::UnsignedLong);
        assert_eq!(ul(123.4).unwrap(), Value::UnsignedLong(123));
        assert!(ul(1e20)
            .unwrap_err()
            .ends_with("[1.0E20] out of [unsigned_long] range"));
        assert!(ul(-1.0)
            .unwrap_err()
            .ends_with("[-1.0] out of [unsigned_long] range"));
    }

    #[test]
    fn string_to_boolean_is_java_parse_boolean() {
        assert_eq!(
            convert(&Value::str("TRUE"), Type::Boolean).unwrap(),
            Value::Boolean(true)
        );
        assert_eq!(
            convert(&Value::str("yes"), Type::Boolean).unwrap(),
            Value::Boolean(false),
            "any other string is false, not null"
        );
    }

    #[test]
    fn doubles_round_half_up_to_whole_numbers() {
        for (d, want) in [(2.5, 3), (-2.5, -2), (2.4999, 2), (-2.6, -3), (f64::NAN, 0)] {
            assert_eq!(
                convert(&Value::Double(d), Type::Long).unwrap(),
                Value::Long(want)
            );
        }
        assert_eq!(
            convert(&Value::Double(-0.5), Type::Integer).unwrap(),
            Value::Integer(0)
        );
        assert!(convert(&Value::Double(1e19), Type::Long).is_err());
    }

    #[test]
    fn numbers_from_strings() {
        assert_eq!(
            convert(&Value::str("12.7"), Type::Long).unwrap(),
            Value::Long(13),
            "stringToLong rounds through safeDoubleToLong"
        );
        assert_eq!(
            convert(&Value::str("1.1.1.1"), Type::Long).unwrap_err(),
            format!("{INVALID_ARGUMENT}: Cannot parse number [1.1.1.1]")
        );
        assert!(convert(&Value::Long(1 << 40), Type::Integer)
            .unwrap_err()
            .ends_with("[1099511627776] out of [integer] range"));
    }
}
