//! Single-valued functions on encoded and structured values: URL, base64 and digests, human
//! formats, IP prefixes, JSON and flattened paths, ranges and bucket rounding.

use super::*;

/// The function `func` names on its arguments, or `None` when it is not one of these.
pub(super) fn eval(func: &Func, a: &[&Value]) -> Option<Result<Cell, String>> {
    Some(match func {
        Func::UrlEncode
        | Func::UrlEncodeComponent
        | Func::UrlDecode
        | Func::ToBase64
        | Func::FromBase64
        | Func::Digest(_)
        | Func::Hash
        | Func::FmtBytes
        | Func::FmtBytesSi
        | Func::FmtDuration
        | Func::FmtPercent => codecs_and_formats(func, a),
        Func::BucketRounding
        | Func::IpPrefix
        | Func::FieldExtract
        | Func::JsonExtract
        | Func::RangeBound(_)
        | Func::RangeRelation(_)
        | Func::ToRange => structured(func, a),
        _ => return None,
    })
}

/// URL and base64 codecs, digests and the human-readable byte, duration and percent formats.
fn codecs_and_formats(func: &Func, a: &[&Value]) -> Result<Cell, String> {
    let arg_i64 = |i: usize| a.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
    Ok(match func {
        Func::UrlEncode => kw(codec::url_encode(s(a[0]))),
        Func::UrlEncodeComponent => kw(codec::url_encode_component(s(a[0]))),
        Func::UrlDecode => kw(codec::url_decode(s(a[0]))?),
        Func::ToBase64 => kw(codec::to_base64(s(a[0]))),
        Func::FromBase64 => kw(codec::from_base64(s(a[0]))?),
        Func::Digest(algorithm) => kw(codec::digest(algorithm, s(a[0]))?),
        Func::Hash => kw(codec::digest(s(a[0]), s(a[1]))?),
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
        _ => Cell::Null,
    })
}

/// IP prefixes, JSON and flattened-field paths, range functions and bucket rounding at run time.
fn structured(func: &Func, a: &[&Value]) -> Result<Cell, String> {
    let arg_i64 = |i: usize| a.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
    Ok(match func {
        Func::BucketRounding => super::bucket::rounding_at_run(a).map_or(Cell::Null, Cell::One),
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
