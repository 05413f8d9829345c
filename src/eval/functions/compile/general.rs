//! Compiling the conditional, conversion, spatial, IP and structured-field functions.

use crate::diagnostic::Diagnostic;

use super::super::checks::{arity, every_arg, expect, keywordise, same_type, string_ty};
use super::super::Func;
use super::{type_error_text, Args, Found};
use crate::document::flattened;
use crate::document::value::{Cell, Type, Value};
use crate::eval::expr::{error, CExpr, Kind};

/// `CASE`, `COALESCE`, `GREATEST`, `LEAST` and the `TO_*` conversions.
pub(super) fn conditional_and_conversion(cx: &mut Args) -> Result<Option<Found>, Diagnostic> {
    let (c, call, span, text) = (&mut *cx.c, cx.call, cx.span, &cx.text);
    let args = &mut cx.args;
    let name = call.name.as_str();
    let n = args.len();
    let _t = |i: usize| args[i].ty;
    let _type_error = |i: usize, want: &str| type_error_text(text, args, i, want);
    let (func, ty) = match name {
        "case" => {
            arity(name, n, 2, usize::MAX, span)?;
            let mut ty = Type::Null;
            for (i, a) in args.iter().enumerate() {
                let is_cond = i % 2 == 0 && i + 1 < n;
                if is_cond {
                    expect(matches!(a.ty, Type::Boolean | Type::Null), span, || {
                        format!(
                            "condition {} of [{}] must be [boolean]",
                            i / 2 + 1,
                            span.slice(c.text)
                        )
                    })?;
                } else {
                    ty = Type::common(ty, a.ty).ok_or_else(|| {
                        error("E302", span, "all values of CASE must have the same type")
                    })?;
                }
            }
            let site = c.site(span);
            return Ok(Some(Found::Done(CExpr {
                kind: Kind::Case(std::mem::take(args)),
                // `text` arms come out as `keyword`, as from every function.
                ty: keywordise(ty),
                site,
            })));
        }
        "coalesce" | "greatest" | "least" => {
            arity(name, n, 1, usize::MAX, span)?;
            let ty = same_type(args, span, text)?;
            let f = match name {
                "coalesce" => Func::Coalesce,
                "greatest" => Func::Greatest,
                _ => Func::Least,
            };
            (f, ty)
        }
        "to_string" | "to_str" | "to_keyword" => (Func::ToType(Type::Keyword), Type::Keyword),
        "to_ip" => {
            arity(name, n, 1, 2, span)?;
            if n == 2 {
                let octal = match &args[1].kind {
                    Kind::Literal(Cell::One(Value::String(s))) => s.contains("octal"),
                    _ => false,
                };
                args.truncate(1);
                (Func::ToIpWithOptions { octal }, Type::Ip)
            } else {
                (Func::ToType(Type::Ip), Type::Ip)
            }
        }
        "to_long" => (Func::ToType(Type::Long), Type::Long),
        "to_integer" | "to_int" => (Func::ToType(Type::Integer), Type::Integer),
        "to_unsigned_long" | "to_ul" | "to_ulong" => {
            (Func::ToType(Type::UnsignedLong), Type::UnsignedLong)
        }
        "to_double" | "to_dbl" => (Func::ToType(Type::Double), Type::Double),
        "to_boolean" | "to_bool" => (Func::ToType(Type::Boolean), Type::Boolean),
        "to_datetime" | "to_dt" => (Func::ToType(Type::Datetime), Type::Datetime),
        "to_date_nanos" | "to_datenanos" => (Func::ToType(Type::DateNanos), Type::DateNanos),
        "to_version" | "to_ver" => (Func::ToType(Type::Version), Type::Version),
        "to_text" => (Func::ToType(Type::Text), Type::Text),
        "to_geopoint" => (Func::ToType(Type::GeoPoint), Type::GeoPoint),
        "to_date_range" | "to_daterange" => (Func::ToType(Type::DateRange), Type::DateRange),
        "to_double_range" => (Func::ToType(Type::DoubleRange), Type::DoubleRange),
        "to_dateperiod" => (Func::ToType(Type::DatePeriod), Type::DatePeriod),
        "to_timeduration" => (Func::ToType(Type::TimeDuration), Type::TimeDuration),
        _ => return Ok(None),
    };
    Ok(Some(Found::Call(func, ty)))
}

/// `ST_X`, `ST_Y`, `ST_DISTANCE`, `CIDR_MATCH`, `IP_PREFIX`, `FIELD_EXTRACT`, `JSON_EXTRACT`.
pub(super) fn spatial_ip_and_fields(cx: &mut Args) -> Result<Option<Found>, Diagnostic> {
    let (call, span, text) = (cx.call, cx.span, &cx.text);
    let args = &mut cx.args;
    let name = call.name.as_str();
    let n = args.len();
    let t = |i: usize| args[i].ty;
    let type_error = |i: usize, want: &str| type_error_text(text, args, i, want);
    let (func, ty) = match name {
        "st_x" | "st_y" => {
            arity(name, n, 1, 1, span)?;
            expect(matches!(t(0), Type::GeoPoint | Type::Null), span, || {
                type_error(0, "geo_point")
            })?;
            (Func::StCoordinate(name == "st_x"), Type::Double)
        }
        "st_distance" => {
            arity(name, n, 2, 2, span)?;
            every_arg(
                n,
                |i| matches!(t(i), Type::GeoPoint | Type::Null),
                span,
                |i| type_error(i, "geo_point"),
            )?;
            (Func::StDistance, Type::Double)
        }
        "cidr_match" => {
            arity(name, n, 2, usize::MAX, span)?;
            expect(matches!(t(0), Type::Ip | Type::Null), span, || {
                type_error(0, "ip")
            })?;
            (Func::CidrMatch, Type::Boolean)
        }
        "ip_prefix" => {
            arity(name, n, 3, 3, span)?;
            (Func::IpPrefix, Type::Ip)
        }
        "field_extract" => {
            arity(name, n, 2, 2, span)?;
            expect(matches!(t(0), Type::Flattened | Type::Null), span, || {
                type_error(0, "flattened")
            })?;
            expect(string_ty(t(1)), span, || type_error(1, "keyword or text"))?;
            // A constant path is checked once, as Elasticsearch's `resolveType` does.
            if let Kind::Literal(Cell::One(Value::String(path))) = &args[1].kind {
                flattened::check_extract_path(path).map_err(|m| error("E302", span, m))?;
            }
            (Func::FieldExtract, Type::Keyword)
        }
        "json_extract" => {
            arity(name, n, 2, 2, span)?;
            (Func::JsonExtract, Type::Keyword)
        }
        _ => return Ok(None),
    };
    Ok(Some(Found::Call(func, ty)))
}
