//! Single-valued date functions: names and counts, truncation, differences, formatting,
//! parsing and extraction.

use super::*;

/// The date function `func` names on its arguments, or `None` when it is not one.
pub(super) fn eval(func: &Func, a: &[&Value]) -> Option<Result<Cell, String>> {
    Some(match func {
        Func::DayName | Func::MonthName | Func::DateUnitCount | Func::DaysInMonth => {
            names_and_counts(func, a)
        }
        Func::DateTrunc | Func::DateDiff => trunc_and_diff(func, a),
        Func::DateFormat | Func::DateParse | Func::DateExtract => format_parse_and_extract(func, a),
        _ => return None,
    })
}

/// Day and month names, counts of units and days in a month.
fn names_and_counts(func: &Func, a: &[&Value]) -> Result<Cell, String> {
    Ok(match func {
        Func::DayName | Func::MonthName => {
            let Some(ms) = millis_of(a[0]) else {
                return Ok(Cell::Null);
            };
            let ms = &ms;
            if matches!(func, Func::DayName) {
                kw(crate::document::datetime::day_name(*ms))
            } else {
                let (_, month, _) = crate::calendar::civil_from_days(ms.div_euclid(86_400_000));
                kw(crate::document::datetime::month_name(month as u32))
            }
        }
        Func::DateUnitCount => {
            let Some(ms) = millis_of(a[2]) else {
                return Ok(Cell::Null);
            };
            let ms = &ms;
            let part = |v: &Value| {
                date_parts::Part::resolve(s(v)).ok_or_else(|| {
                    format!(
                        "java.lang.IllegalArgumentException: {}",
                        date_parts::unknown_unit(s(v))
                    )
                })
            };
            let n = date_parts::unit_count(part(a[0])?, part(a[1])?, *ms)?;
            Cell::One(Value::Long(n))
        }
        Func::DaysInMonth => {
            let Some(ms) = millis_of(a[0]) else {
                return Ok(Cell::Null);
            };
            let (year, month, _) = crate::calendar::civil_from_days(ms.div_euclid(86_400_000));
            Cell::One(Value::Long(crate::calendar::days_in_month(year, month)))
        }
        _ => Cell::Null,
    })
}

/// `DATE_TRUNC` and `DATE_DIFF`, for millisecond and nanosecond dates.
fn trunc_and_diff(func: &Func, a: &[&Value]) -> Result<Cell, String> {
    Ok(match func {
        Func::DateTrunc => {
            let (months, days, duration) = match a[0] {
                Value::Period { months, days } => (*months, *days, 0),
                Value::Duration(d) => (0, 0, *d),
                _ => return Ok(Cell::Null),
            };
            let ms = match a[1] {
                Value::Datetime(ms) => ms,
                Value::DateNanos(ns) => {
                    return match date_nanos::trunc(*ns, months, days, duration) {
                        Some(r) => r.map(|n| Cell::One(Value::DateNanos(n))),
                        None => Ok(Cell::Null),
                    }
                }
                _ => return Ok(Cell::Null),
            };
            let r = match a[0] {
                Value::Period { months, days } => datetime::trunc(*ms, *months, *days, 0),
                Value::Duration(d) => datetime::trunc(*ms, 0, 0, *d),
                _ => None,
            };
            r.map_or(Cell::Null, |v| Cell::One(Value::Datetime(v)))
        }
        Func::DateDiff => {
            let unit = s(a[0]);
            let difference = match (a[1], a[2]) {
                (Value::Datetime(start), Value::Datetime(end)) => {
                    datetime::diff(unit, *start, *end)
                }
                // Either side a nanosecond date: the instants compared in nanoseconds
                // (`DateDiff.processNanosMillis` and its siblings).
                (start, end) => match (nanos_of(start), nanos_of(end)) {
                    (Some(start), Some(end)) => date_nanos::diff(unit, start, end),
                    _ => return Ok(Cell::Null),
                },
            };
            match difference {
                None => {
                    return Err(format!(
                        "java.lang.IllegalArgumentException: A value of [YEAR, QUARTER, MONTH, DAYOFYEAR, DAY, WEEK, WEEKDAY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND, NANOSECOND] or their aliases is required; received [{unit}]"
                    ))
                }
                Some(Err(())) => return Err("java.lang.ArithmeticException: long overflow".into()),
                Some(Ok(v)) => match i32::try_from(v) {
                    Ok(i) => Cell::One(Value::Integer(i)),
                    Err(_) => {
                        return Err(format!(
                            "org.elasticsearch.xpack.esql.core.InvalidArgumentException: [{v}] out of [integer] range"
                        ))
                    }
                },
            }
        }
        _ => Cell::Null,
    })
}

/// `DATE_FORMAT`, `DATE_PARSE` and `DATE_EXTRACT`.
fn format_parse_and_extract(func: &Func, a: &[&Value]) -> Result<Cell, String> {
    Ok(match func {
        Func::DateFormat => {
            let (pattern, date) = if a.len() == 2 {
                (s(a[0]), a[1])
            } else {
                ("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", a[0])
            };
            let formatted = match date {
                Value::DateNanos(ns) => date_nanos::format_pattern(pattern, *ns),
                other => datetime::format_pattern(pattern, other.as_i64().unwrap_or(0)),
            };
            match formatted {
                Some(t) => kw(t),
                None => {
                    return Err(format!(
                        "java.lang.IllegalArgumentException: Unsupported date format [{pattern}]"
                    ))
                }
            }
        }
        Func::DateParse => {
            let (pattern, text) = if a.len() == 2 {
                (Some(s(a[0])), s(a[1]))
            } else {
                (None, s(a[0]))
            };
            let parsed = match pattern {
                Some(p) => datetime::parse_pattern(p, text),
                None => datetime::parse_iso(text),
            };
            match parsed {
                Some(ms) => Cell::One(Value::Datetime(ms)),
                None => {
                    return Err(format!(
                        "java.lang.IllegalArgumentException: failed to parse date field [{text}] with format [{}]",
                        pattern.unwrap_or("strict_date_optional_time")
                    ))
                }
            }
        }
        Func::DateExtract => {
            let extracted = match a[1] {
                Value::DateNanos(ns) => date_nanos::extract(s(a[0]), *ns),
                other => datetime::extract(s(a[0]), other.as_i64().unwrap_or(0)),
            };
            match extracted {
                Some(v) => Cell::One(Value::Long(v)),
                None => {
                    return Err(format!(
                        "java.lang.IllegalArgumentException: No enum constant java.time.temporal.ChronoField.{}",
                        s(a[0])
                    ))
                }
            }
        }
        _ => Cell::Null,
    })
}

/// The milliseconds of a date of either resolution.
fn millis_of(v: &Value) -> Option<i64> {
    match v {
        Value::Datetime(ms) => Some(*ms),
        Value::DateNanos(ns) => Some(date_nanos::to_millis(*ns)),
        _ => None,
    }
}

/// The nanoseconds since the epoch of a date of either resolution, widened.
fn nanos_of(v: &Value) -> Option<i128> {
    match v {
        Value::Datetime(ms) => Some(i128::from(*ms) * 1_000_000),
        Value::DateNanos(ns) => Some(i128::from(*ns)),
        _ => None,
    }
}
