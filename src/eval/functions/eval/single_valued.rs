//! Scalar functions whose every argument is a single non-null value: one `match` over the
//! function, value in, value (or error text) out.

use super::*;
use crate::document::date_nanos;

/// Functions whose every argument is a single non-null value.
pub(super) fn single_valued(
    func: &Func,
    a: &[&Value],
    ty: Type,
    _now: i64,
) -> Result<Cell, String> {
    let arg_i64 = |i: usize| a.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
    Ok(match func {
        Func::ToLower => ascii_case(a[0], false).unwrap_or_else(|| kw(s(a[0]).to_lowercase())),
        Func::BucketRounding => super::bucket::rounding_at_run(a).map_or(Cell::Null, Cell::One),
        Func::Clamp | Func::ClampMin | Func::ClampMax => {
            let mut x = a[0];
            let (min, max) = match func {
                Func::Clamp => (Some(a[1]), Some(a[2])),
                Func::ClampMin => (Some(a[1]), None),
                _ => (None, Some(a[1])),
            };
            if let Some(m) = min.filter(|m| x.compare(m).is_lt()) {
                x = m;
            }
            if let Some(m) = max.filter(|m| x.compare(m).is_gt()) {
                x = m;
            }
            // Mixed numeric arguments take the result type (`CLAMP(int, 1.5, 2)` is a double).
            Cell::One(crate::document::convert::convert(x, ty).unwrap_or_else(|_| x.clone()))
        }
        Func::ToUpper => ascii_case(a[0], true).unwrap_or_else(|| kw(s(a[0]).to_uppercase())),
        Func::Concat => {
            let mut out = String::new();
            for v in a {
                out.push_str(s(v));
            }
            kw(out)
        }
        Func::Length => int(s(a[0]).chars().count() as i64),
        Func::Substring => {
            let chars: Vec<char> = s(a[0]).chars().collect();
            let len = chars.len() as i64;
            let start = arg_i64(1);
            // 1-based; negative counts from the end; 0 behaves like 1.
            let from = if start < 0 {
                (len + start).max(0)
            } else {
                (start - 1).max(0)
            };
            let count = if a.len() > 2 { arg_i64(2).max(0) } else { len };
            let from = from.min(len) as usize;
            let to = (from as i64 + count).min(len) as usize;
            kw(chars[from..to].iter().collect::<String>())
        }
        Func::StartsWith => Cell::boolean(Some(s(a[0]).starts_with(s(a[1])))),
        Func::EndsWith => Cell::boolean(Some(s(a[0]).ends_with(s(a[1])))),
        Func::Trim => kw(s(a[0]).trim()),
        Func::Ltrim => kw(s(a[0]).trim_start()),
        Func::Rtrim => kw(s(a[0]).trim_end()),
        Func::Replace(compiled) => {
            let re = match compiled {
                Some(re) => (**re).clone(),
                None => java_regex(s(a[1]))
                    .map_err(|e| format!("java.util.regex.PatternSyntaxException: {e}"))?,
            };
            // Java's `$1` group references read as Rust's `${1}`.
            let replacement = java_replacement(s(a[2]));
            kw(replace_bounded(&re, s(a[0]), &replacement)?)
        }
        Func::Split => {
            let delim = s(a[1]);
            if delim.is_empty() {
                return Ok(Cell::from_values(
                    s(a[0])
                        .chars()
                        .map(|c| Value::str(&c.to_string()))
                        .collect(),
                ));
            }
            Cell::from_values(s(a[0]).split(delim).map(Value::str).collect())
        }
        Func::Locate => {
            // Linear in the haystack for any needle: `str::find` is a two-way search, and the
            // character positions are counted once, not by comparing at every start.
            let (hay, needle) = (s(a[0]), s(a[1]));
            let start = if a.len() > 2 {
                arg_i64(2).saturating_sub(1).max(0) as usize
            } else {
                0
            };
            if needle.is_empty() {
                return Ok(int(start as i64 + 1));
            }
            let Some((from, _)) = hay.char_indices().nth(start) else {
                return Ok(int(0));
            };
            let found = hay[from..].find(needle).map_or(0, |at| {
                (start + hay[from..from + at].chars().count()) as i64 + 1
            });
            int(found)
        }
        Func::Left | Func::Right => {
            let chars: Vec<char> = s(a[0]).chars().collect();
            let n = (arg_i64(1).max(0) as usize).min(chars.len());
            let part: String = if matches!(func, Func::Left) {
                chars[..n].iter().collect()
            } else {
                chars[chars.len() - n..].iter().collect()
            };
            kw(part)
        }
        Func::Reverse => kw(reverse_graphemes(s(a[0]))),
        Func::Repeat => {
            let count = arg_i64(1).max(0) as u64;
            if (s(a[0]).len() as u64).saturating_mul(count) > MAX_BYTES_REF_RESULT_SIZE as u64 {
                return Err(format!(
                    "java.lang.IllegalArgumentException: Creating repeated strings with more than [{MAX_BYTES_REF_RESULT_SIZE}] bytes is not supported"
                ));
            }
            kw(s(a[0]).repeat(count as usize))
        }
        Func::Math(f) => Cell::One(Value::Double(f.apply(a[0].as_f64().unwrap_or(0.0))?)),
        Func::Atan2 => {
            let (y, x) = (a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0));
            Cell::One(Value::Double(y.atan2(x)))
        }
        Func::Hypot => {
            let (x, y) = (a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0));
            Cell::One(Value::Double(math::hypot(x, y)?))
        }
        Func::Scalb => {
            let d = a[0].as_f64().unwrap_or(0.0);
            let n = match a[1] {
                Value::UnsignedLong(u) => i64::try_from(*u).unwrap_or(i64::MAX),
                other => other
                    .as_i64()
                    .unwrap_or_else(|| other.as_f64().unwrap_or(0.0) as i64),
            };
            Cell::One(Value::Double(math::scalb(d, n)?))
        }
        Func::Log => {
            let (base, value) = match a {
                [v] => (None, v.as_f64().unwrap_or(0.0)),
                _ => (a[0].as_f64(), a[1].as_f64().unwrap_or(0.0)),
            };
            Cell::One(Value::Double(math::log(base, value)?))
        }
        Func::CopySign => Cell::One(math::copy_sign(a[0], a[1], ty)?),
        Func::UrlEncode => kw(codec::url_encode(s(a[0]))),
        Func::UrlEncodeComponent => kw(codec::url_encode_component(s(a[0]))),
        Func::UrlDecode => kw(codec::url_decode(s(a[0]))?),
        Func::ToBase64 => kw(codec::to_base64(s(a[0]))),
        Func::FromBase64 => kw(codec::from_base64(s(a[0]))?),
        Func::Digest(algorithm) => kw(codec::digest(algorithm, s(a[0]))?),
        Func::Hash => kw(codec::digest(s(a[0]), s(a[1]))?),
        Func::Space => {
            let n = arg_i64(0);
            if n < 0 {
                return Err(format!(
                    "java.lang.IllegalArgumentException: Number parameter cannot be negative, found [{n}]"
                ));
            }
            if n > MAX_BYTES_REF_RESULT_SIZE as i64 {
                return Err(format!(
                    "java.lang.IllegalArgumentException: Creating strings longer than [{MAX_BYTES_REF_RESULT_SIZE}] bytes is not supported"
                ));
            }
            kw(" ".repeat(n as usize))
        }
        Func::FmtBytes | Func::FmtBytesSi | Func::FmtDuration => {
            let unit = a.get(1).map(|u| s(u));
            let n = arg_i64(0);
            kw(match func {
                Func::FmtBytes => human::fmt_bytes(n, unit)?,
                Func::FmtBytesSi => human::fmt_bytes_si(n, unit)?,
                _ => human::fmt_duration(n, unit)?,
            })
        }
        Func::FmtPercent => kw(human::fmt_percent(a[0].as_f64().unwrap_or(0.0))),
        Func::BitLength => int(s(a[0]).len() as i64 * 8),
        Func::ByteLength => int(s(a[0]).len() as i64),
        Func::Contains => Cell::boolean(Some(s(a[1]).is_empty() || s(a[0]).contains(s(a[1])))),
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
        Func::Ascii => kw(date_parts::escape_ascii(s(a[0]))),
        Func::DaysInMonth => {
            let Some(ms) = millis_of(a[0]) else {
                return Ok(Cell::Null);
            };
            let (year, month, _) = crate::calendar::civil_from_days(ms.div_euclid(86_400_000));
            Cell::One(Value::Long(crate::calendar::days_in_month(year, month)))
        }
        Func::RoundTo => {
            // The greatest point not above the value; below every point, the least point.
            let convert =
                |v: &Value| crate::document::convert::convert(v, ty).unwrap_or_else(|_| v.clone());
            let x = convert(a[0]);
            let points: Vec<Value> = a[1..].iter().map(|p| convert(p)).collect();
            let below = points
                .iter()
                .filter(|p| p.compare(&x).is_le())
                .max_by(|p, q| p.compare(q));
            let least = points.iter().min_by(|p, q| p.compare(q));
            below.or(least).map_or(Cell::Null, |p| Cell::One(p.clone()))
        }
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
        Func::Round => {
            // Beyond ±400 digits every double and long rounds the same as at ±400: clamping keeps
            // the casts below exact.
            let digits = if a.len() > 1 { arg_i64(1) } else { 0 }.clamp(-400, 400);
            match a[0] {
                Value::Double(d) => {
                    let f = 10f64.powi(digits as i32);
                    // Java's Math.round semantics: half up.
                    let r = if digits >= 0 {
                        (d * f).abs().add_half_floor() * d.signum() / f
                    } else {
                        (d / 10f64.powi(-digits as i32)).abs().add_half_floor()
                            * d.signum()
                            * 10f64.powi(-digits as i32)
                    };
                    Cell::One(Value::Double(if r == 0.0 { 0.0 } else { r }))
                }
                Value::UnsignedLong(u) if digits < 0 => {
                    // `Maths.round(BigInteger, decimals)`: half up, exact; past 2^64-1 overflows.
                    let p = 10u128.checked_pow((-digits) as u32).unwrap_or(u128::MAX);
                    let x = u128::from(*u);
                    let down = x - x % p;
                    let r = if x % p >= p.div_ceil(2) {
                        down.saturating_add(p)
                    } else {
                        down
                    };
                    let Ok(r) = u64::try_from(r) else {
                        return Err("java.lang.ArithmeticException: unsigned_long overflow".into());
                    };
                    Cell::One(Value::UnsignedLong(r))
                }
                whole if digits < 0 => {
                    let x = whole.as_i64().unwrap_or(0);
                    let p = 10i128.checked_pow((-digits) as u32).unwrap_or(i128::MAX);
                    let x128 = i128::from(x);
                    let r = (x128.abs() + p / 2) / p * p * x128.signum();
                    let Ok(r) = i64::try_from(r) else {
                        return Err(crate::document::value::LONG_OVERFLOW_MESSAGE.into());
                    };
                    Cell::One(match ty {
                        Type::Integer => Value::Integer(r as i32),
                        _ => Value::Long(r),
                    })
                }
                whole => Cell::One(whole.clone()),
            }
        }
        Func::Abs => Cell::One(match a[0] {
            Value::Integer(x) => Value::Integer(x.wrapping_abs()),
            Value::Long(x) => Value::Long(x.wrapping_abs()),
            Value::Double(x) => Value::Double(x.abs()),
            other => other.clone(),
        }),
        Func::Ceil | Func::Floor => Cell::One(match a[0] {
            Value::Double(x) => Value::Double(if matches!(func, Func::Ceil) {
                x.ceil()
            } else {
                x.floor()
            }),
            other => other.clone(),
        }),
        Func::Sqrt | Func::Log10 | Func::Signum => {
            let x = a[0].as_f64().unwrap_or(0.0);
            let r = match func {
                Func::Sqrt if x < 0.0 => {
                    return Err("java.lang.ArithmeticException: Square root of negative".into())
                }
                Func::Sqrt => x.sqrt(),
                Func::Log10 if x <= 0.0 => {
                    return Err("java.lang.ArithmeticException: Log of non-positive number".into())
                }
                Func::Log10 => crate::eval::functions::java_math::log10(x),
                _ => {
                    if x == 0.0 {
                        0.0
                    } else {
                        x.signum()
                    }
                }
            };
            Cell::One(Value::Double(r))
        }
        Func::Pow => {
            let r = a[0]
                .as_f64()
                .unwrap_or(0.0)
                .powf(a[1].as_f64().unwrap_or(0.0));
            if !r.is_finite() {
                return Err(crate::eval::arith::not_finite(r));
            }
            Cell::One(Value::Double(r))
        }
        Func::IpPrefix => {
            let Value::Ip(bytes) = a[0] else {
                return Ok(Cell::Null);
            };
            let v4 = ip::format(bytes).contains('.');
            // Both lengths are checked, whichever family the address is.
            for (i, max, name) in [(1, 32, "v4"), (2, 128, "v6")] {
                let bits = arg_i64(i);
                if !(0..=max).contains(&bits) {
                    return Err(format!(
                        "java.lang.IllegalArgumentException: Prefix length {name} must be in range [0, {max}], found {bits}"
                    ));
                }
            }
            let bits = if v4 { arg_i64(1) } else { arg_i64(2) };
            let total = if v4 { bits + 96 } else { bits } as u32;
            let mask = if total == 0 {
                0
            } else {
                u128::MAX << (128 - total)
            };
            let masked = u128::from_be_bytes(*bytes) & mask;
            let mut out = masked.to_be_bytes();
            if v4 {
                out[10] = 0xff;
                out[11] = 0xff;
            }
            Cell::One(Value::Ip(out))
        }
        Func::FieldExtract => {
            let path = s(a[1]);
            crate::document::flattened::check_extract_path(path)
                .map_err(|m| format!("java.lang.IllegalArgumentException: {m}"))?;
            kw(crate::document::flattened::extract(s(a[0]), path)?)
        }
        Func::JsonExtract => {
            let doc: serde_json::Value = serde_json::from_str(s(a[0])).map_err(|e| {
                format!("java.lang.IllegalArgumentException: invalid JSON input: {e}")
            })?;
            let path = s(a[1]);
            match json_path(&doc, path) {
                Some(serde_json::Value::String(t)) => kw(t),
                Some(serde_json::Value::Null) | None => {
                    return Err(format!(
                        "java.lang.IllegalArgumentException: path [{path}] does not exist"
                    ))
                }
                Some(other) => kw(other.to_string()),
            }
        }
        Func::RangeBound(_) | Func::RangeRelation(_) | Func::ToRange => {
            super::range::eval(func, a)?
        }
        _ => Cell::Null,
    })
}

trait HalfUp {
    fn add_half_floor(self) -> f64;
}

impl HalfUp for f64 {
    fn add_half_floor(self) -> f64 {
        (self + 0.5).floor()
    }
}

/// `TO_LOWER`/`TO_UPPER` of an ASCII string, as the Unicode mapping gives it (ASCII letters map
/// to ASCII letters, nothing else changes): the value itself (a reference count, no copy) when
/// it is already in that case, which is most keywords; `None` for non-ASCII text.
fn ascii_case(v: &Value, upper: bool) -> Option<Cell> {
    let Value::String(text) = v else {
        return None;
    };
    if !text.is_ascii() {
        return None;
    }
    let changes = |b: &u8| {
        if upper {
            b.is_ascii_lowercase()
        } else {
            b.is_ascii_uppercase()
        }
    };
    if !text.as_bytes().iter().any(changes) {
        return Some(Cell::One(v.clone()));
    }
    Some(kw(if upper {
        text.to_ascii_uppercase()
    } else {
        text.to_ascii_lowercase()
    }))
}

/// `REVERSE` by grapheme clusters, as Elasticsearch's `BreakIterator.getCharacterInstance`
/// (`fn_reverse_grapheme_clusters`): a combining mark, variation selector, emoji skin-tone
/// modifier or zero-width-joined character stays after the character it extends, and a
/// `\r\n` and a pair of regional indicators stay whole.
fn reverse_graphemes(text: &str) -> String {
    let extends = |c: char| {
        matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}'
            | '\u{20d0}'..='\u{20ff}' | '\u{fe00}'..='\u{fe0f}' | '\u{fe20}'..='\u{fe2f}'
            | '\u{1f3fb}'..='\u{1f3ff}' | '\u{200d}' | '\u{e0020}'..='\u{e007f}')
    };
    let regional = |c: char| ('\u{1f1e6}'..='\u{1f1ff}').contains(&c);
    let chars: Vec<char> = text.chars().collect();
    let mut clusters: Vec<&[char]> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        let pair = (c == '\r' && chars.get(i) == Some(&'\n'))
            || (regional(c) && chars.get(i).is_some_and(|&n| regional(n)));
        if pair {
            i += 1;
        }
        while i < chars.len() && extends(chars[i]) {
            // A joiner takes the character after it into the cluster.
            i += if chars[i] == '\u{200d}' && i + 1 < chars.len() {
                2
            } else {
                1
            };
        }
        clusters.push(&chars[start..i]);
        start = i;
    }
    clusters.iter().rev().flat_map(|c| c.iter()).collect()
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

#[cfg(test)]
mod reverse_tests {
    #[test]
    fn reverse_keeps_grapheme_clusters_whole() {
        use super::reverse_graphemes as r;
        assert_eq!(r("Disconnected 👍🏽😊"), "😊👍🏽 detcennocsiD");
        assert_eq!(r("ae\u{301}b"), "be\u{301}a");
        assert_eq!(r("a👨\u{200d}👩b"), "b👨\u{200d}👩a");
        assert_eq!(r("🇫🇷x"), "x🇫🇷");
        assert_eq!(r(""), "");
    }
}
