//! Compiling a function call: its arguments checked and typed, and the [`Func`] it evaluates.

use crate::diagnostic::Diagnostic;
use crate::esql::ast;
use crate::span::Span;

use super::checks::{
    arity, date_ty, every_arg, expect, implicit_time_span, keywordise, numeric_ty, same_type,
    string_ty, type_mismatch,
};
use super::date_unit_count::date_unit_count;
use super::{
    bucket, catalog, categorize, date_parts, eval, fulltext, implicit, range, Func, MvSetOp, Unary,
};
use crate::document::flattened;
use crate::document::value::{Cell, Type, Value};
use crate::document::Column;
use crate::eval::aggregate::is_aggregate;
use crate::eval::expr::{error, CExpr, Compiler, Kind};

/// Compiles a function call (aggregates are rejected here: `STATS` handles them).
pub fn compile(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
    schema: &[Column],
) -> Result<CExpr, Diagnostic> {
    let name = call.name.as_str();
    if is_aggregate(name) {
        return Err(error(
            "E302",
            span,
            format!(
                "aggregate function [{}] is only allowed in STATS",
                span.slice(c.text)
            ),
        ));
    }
    if let Some(refused) = catalog::refusal(name, span) {
        return Err(refused);
    }
    if name == "categorize" {
        // `STATS … BY` compiles its `CATEGORIZE` key itself; any other place is an error.
        return Err(categorize::grouping::outside_stats(c, span));
    }
    if catalog::FULL_TEXT_EVALUATED.contains(&name) {
        return fulltext::compile(c, call, span, schema);
    }
    let mut args = Vec::new();
    for a in &call.args {
        args.push(c.expr(a, schema)?);
    }
    if name == "date_trunc" {
        implicit_time_span(&mut args, span)?;
    }
    let arg_spans: Vec<Span> = call.args.iter().map(|a| a.span).collect();
    implicit::cast_string_literals(name, &mut args, &arg_spans)?;
    if name == "bucket" || name == "bin" {
        return bucket::compile(c, args, span, schema);
    }
    let n = args.len();
    let t = |i: usize| args[i].ty;
    let text = span.slice(c.text).to_string();
    let type_error = |i: usize, want: &str| -> String {
        format!(
            "argument {} of [{}] must be [{}], found value of type [{}]",
            i + 1,
            text,
            want,
            args[i].ty.name()
        )
    };
    if range::NAMES.contains(&name) {
        let typed: Vec<_> = args
            .iter()
            .zip(&arg_spans)
            .map(|(a, s)| (a.ty, *s))
            .collect();
        let compiled = range::compile(name, c.text, span, &typed)?;
        if compiled.swapped {
            args.swap(0, 1);
        }
        let site = c.site(span);
        return Ok(CExpr {
            kind: Kind::Call(compiled.func, args),
            ty: compiled.ty,
            site,
        });
    }
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
            return Ok(CExpr {
                kind: Kind::Case(args),
                // `text` arms come out as `keyword`, as from every function.
                ty: keywordise(ty),
                site,
            });
        }
        "coalesce" | "greatest" | "least" => {
            arity(name, n, 1, usize::MAX, span)?;
            let ty = same_type(&args, span, &text)?;
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
        "to_dateperiod" => (Func::ToType(Type::DatePeriod), Type::DatePeriod),
        "to_timeduration" => (Func::ToType(Type::TimeDuration), Type::TimeDuration),
        "to_lower" | "to_upper" => {
            arity(name, n, 1, 1, span)?;
            expect(string_ty(t(0)), span, || type_error(0, "string"))?;
            let f = if name == "to_lower" {
                Func::ToLower
            } else {
                Func::ToUpper
            };
            (f, Type::Keyword)
        }
        "concat" => {
            arity(name, n, 2, usize::MAX, span)?;
            every_arg(n, |i| string_ty(t(i)), span, |i| type_error(i, "string"))?;
            (Func::Concat, Type::Keyword)
        }
        "length" => {
            arity(name, n, 1, 1, span)?;
            expect(string_ty(t(0)), span, || type_error(0, "string"))?;
            (Func::Length, Type::Integer)
        }
        "substring" => {
            arity(name, n, 2, 3, span)?;
            expect(string_ty(t(0)), span, || type_error(0, "string"))?;
            (Func::Substring, Type::Keyword)
        }
        "starts_with" | "ends_with" => {
            arity(name, n, 2, 2, span)?;
            let f = if name == "starts_with" {
                Func::StartsWith
            } else {
                Func::EndsWith
            };
            (f, Type::Boolean)
        }
        "trim" | "ltrim" | "rtrim" => {
            arity(name, n, 1, 1, span)?;
            let f = match name {
                "trim" => Func::Trim,
                "ltrim" => Func::Ltrim,
                _ => Func::Rtrim,
            };
            (f, Type::Keyword)
        }
        "replace" => {
            arity(name, n, 3, 3, span)?;
            // A constant pattern compiles once, with Java's look-around and back-references
            // (`eval::java_regex`).
            let compiled = match &args[1].kind {
                Kind::Literal(Cell::One(Value::String(p))) => {
                    Some(Box::new(eval::java_regex(p).map_err(|e| {
                        error(
                            "E305",
                            call.args[1].span,
                            format!("invalid regex [{p}]: {e}"),
                        )
                    })?))
                }
                _ => None,
            };
            (Func::Replace(compiled), Type::Keyword)
        }
        "split" => {
            arity(name, n, 2, 2, span)?;
            (Func::Split, Type::Keyword)
        }
        "locate" => {
            arity(name, n, 2, 3, span)?;
            (Func::Locate, Type::Integer)
        }
        "left" | "right" => {
            arity(name, n, 2, 2, span)?;
            (
                if name == "left" {
                    Func::Left
                } else {
                    Func::Right
                },
                Type::Keyword,
            )
        }
        "reverse" => (Func::Reverse, Type::Keyword),
        "repeat" => (Func::Repeat, Type::Keyword),
        "mv_count" => {
            arity(name, n, 1, 1, span)?;
            (Func::MvCount, Type::Integer)
        }
        "mv_first" | "mv_last" | "mv_min" | "mv_max" | "mv_dedupe" => {
            arity(name, n, 1, 1, span)?;
            let f = match name {
                "mv_first" => Func::MvFirst,
                "mv_last" => Func::MvLast,
                "mv_min" => Func::MvMin,
                "mv_max" => Func::MvMax,
                _ => Func::MvDedupe,
            };
            (f, keywordise(t(0)))
        }
        "mv_sum" => {
            arity(name, n, 1, 1, span)?;
            expect(numeric_ty(t(0)), span, || type_error(0, "numeric"))?;
            (Func::MvSum, t(0))
        }
        "mv_avg" | "mv_median" => {
            arity(name, n, 1, 1, span)?;
            expect(numeric_ty(t(0)), span, || type_error(0, "numeric"))?;
            let ty = if name == "mv_median" && t(0) != Type::Double {
                t(0)
            } else {
                Type::Double
            };
            (
                if name == "mv_avg" {
                    Func::MvAvg
                } else {
                    Func::MvMedian
                },
                ty,
            )
        }
        "mv_concat" => {
            arity(name, n, 2, 2, span)?;
            (Func::MvConcat, Type::Keyword)
        }
        "mv_sort" => {
            arity(name, n, 1, 2, span)?;
            (Func::MvSort, keywordise(t(0)))
        }
        "mv_slice" => {
            arity(name, n, 2, 3, span)?;
            (Func::MvSlice, keywordise(t(0)))
        }
        "mv_contains" => {
            arity(name, n, 2, 2, span)?;
            (Func::MvContains, Type::Boolean)
        }
        "date_trunc" => {
            arity(name, n, 2, 2, span)?;
            expect(
                matches!(t(0), Type::DatePeriod | Type::TimeDuration),
                span,
                || type_error(0, "date_period or time_duration"),
            )?;
            expect(date_ty(t(1)), span, || {
                type_error(1, "date_nanos or datetime")
            })?;
            // `DateTrunc.dataType`: the date's own type, `datetime` for a null.
            let ty = if t(1) == Type::DateNanos {
                Type::DateNanos
            } else {
                Type::Datetime
            };
            (Func::DateTrunc, ty)
        }
        "date_diff" => {
            arity(name, n, 3, 3, span)?;
            every_arg(
                n,
                |i| i == 0 || date_ty(t(i)),
                span,
                |i| type_error(i, "datetime"),
            )?;
            (Func::DateDiff, Type::Integer)
        }
        "date_format" => {
            arity(name, n, 1, 2, span)?;
            expect(date_ty(t(n - 1)), span, || type_error(n - 1, "datetime"))?;
            (Func::DateFormat, Type::Keyword)
        }
        "date_parse" => {
            arity(name, n, 1, 2, span)?;
            (Func::DateParse, Type::Datetime)
        }
        "date_extract" => {
            arity(name, n, 2, 2, span)?;
            expect(date_ty(t(1)), span, || type_error(1, "datetime"))?;
            (Func::DateExtract, Type::Long)
        }
        "now" => {
            arity(name, n, 0, 0, span)?;
            (Func::Now, Type::Datetime)
        }
        "round" => {
            arity(name, n, 1, 2, span)?;
            expect(numeric_ty(t(0)), span, || type_error(0, "numeric"))?;
            (Func::Round, t(0))
        }
        "abs" => {
            arity(name, n, 1, 1, span)?;
            expect(numeric_ty(t(0)), span, || type_error(0, "numeric"))?;
            (Func::Abs, t(0))
        }
        "ceil" | "floor" => {
            arity(name, n, 1, 1, span)?;
            expect(numeric_ty(t(0)), span, || type_error(0, "numeric"))?;
            (
                if name == "ceil" {
                    Func::Ceil
                } else {
                    Func::Floor
                },
                t(0),
            )
        }
        "sqrt" | "log10" | "signum" => {
            arity(name, n, 1, 1, span)?;
            expect(numeric_ty(t(0)), span, || type_error(0, "numeric"))?;
            let f = match name {
                "sqrt" => Func::Sqrt,
                "log10" => Func::Log10,
                _ => Func::Signum,
            };
            (f, Type::Double)
        }
        "pow" => {
            arity(name, n, 2, 2, span)?;
            (Func::Pow, Type::Double)
        }
        _ if Unary::from_name(name).is_some() => {
            arity(name, n, 1, 1, span)?;
            expect(numeric_ty(t(0)), span, || type_error(0, "numeric"))?;
            (
                Func::Math(Unary::from_name(name).expect("checked")),
                Type::Double,
            )
        }
        "atan2" | "hypot" | "scalb" => {
            arity(name, n, 2, 2, span)?;
            every_arg(n, |i| numeric_ty(t(i)), span, |i| type_error(i, "numeric"))?;
            let f = match name {
                "atan2" => Func::Atan2,
                "hypot" => Func::Hypot,
                _ => Func::Scalb,
            };
            (f, Type::Double)
        }
        "log" => {
            arity(name, n, 1, 2, span)?;
            every_arg(n, |i| numeric_ty(t(i)), span, |i| type_error(i, "numeric"))?;
            (Func::Log, Type::Double)
        }
        "copy_sign" => {
            arity(name, n, 2, 2, span)?;
            every_arg(n, |i| numeric_ty(t(i)), span, |i| type_error(i, "numeric"))?;
            expect(t(0) != Type::UnsignedLong, span, || {
                type_error(0, "double, integer or long")
            })?;
            (Func::CopySign, t(0))
        }
        "url_encode"
        | "url_encode_component"
        | "url_decode"
        | "to_base64"
        | "from_base64"
        | "md5"
        | "sha1"
        | "sha256" => {
            arity(name, n, 1, 1, span)?;
            expect(string_ty(t(0)), span, || type_error(0, "string"))?;
            let f = match name {
                "url_encode" => Func::UrlEncode,
                "url_encode_component" => Func::UrlEncodeComponent,
                "url_decode" => Func::UrlDecode,
                "to_base64" => Func::ToBase64,
                "from_base64" => Func::FromBase64,
                "md5" => Func::Digest("MD5"),
                "sha1" => Func::Digest("SHA-1"),
                _ => Func::Digest("SHA-256"),
            };
            (f, Type::Keyword)
        }
        "hash" => {
            arity(name, n, 2, 2, span)?;
            every_arg(n, |i| string_ty(t(i)), span, |i| type_error(i, "string"))?;
            (Func::Hash, Type::Keyword)
        }
        "space" => {
            arity(name, n, 1, 1, span)?;
            expect(matches!(t(0), Type::Integer | Type::Null), span, || {
                type_error(0, "integer")
            })?;
            (Func::Space, Type::Keyword)
        }
        "bit_length" | "byte_length" => {
            arity(name, n, 1, 1, span)?;
            expect(string_ty(t(0)), span, || type_error(0, "string"))?;
            let f = if name == "bit_length" {
                Func::BitLength
            } else {
                Func::ByteLength
            };
            (f, Type::Integer)
        }
        "fmt_bytes" | "fmt_bytes_si" | "fmt_duration" => {
            arity(name, n, 1, 2, span)?;
            expect(
                matches!(t(0), Type::Integer | Type::Long | Type::Null),
                span,
                || type_error(0, "integer or long"),
            )?;
            if n == 2 {
                expect(matches!(t(1), Type::Keyword | Type::Null), span, || {
                    type_error(1, "keyword")
                })?;
            }
            let f = match name {
                "fmt_bytes" => Func::FmtBytes,
                "fmt_bytes_si" => Func::FmtBytesSi,
                _ => Func::FmtDuration,
            };
            (f, Type::Keyword)
        }
        "fmt_percent" => {
            arity(name, n, 1, 1, span)?;
            expect(numeric_ty(t(0)), span, || type_error(0, "numeric"))?;
            (Func::FmtPercent, Type::Keyword)
        }
        "contains" => {
            arity(name, n, 2, 2, span)?;
            every_arg(n, |i| string_ty(t(i)), span, |i| type_error(i, "string"))?;
            (Func::Contains, Type::Boolean)
        }
        "mv_percentile" => {
            arity(name, n, 2, 2, span)?;
            every_arg(n, |i| numeric_ty(t(i)), span, |i| type_error(i, "numeric"))?;
            expect(t(0) != Type::UnsignedLong, span, || {
                type_error(0, "double, integer or long")
            })?;
            (Func::MvPercentile, t(0))
        }
        "mv_pseries_weighted_sum" => {
            arity(name, n, 2, 2, span)?;
            expect(matches!(t(0), Type::Double | Type::Null), span, || {
                type_error(0, "double")
            })?;
            expect(matches!(t(1), Type::Double | Type::Null), span, || {
                type_error(1, "double")
            })?;
            (Func::MvPseriesWeightedSum, Type::Double)
        }
        "mv_median_absolute_deviation" => {
            arity(name, n, 1, 1, span)?;
            expect(numeric_ty(t(0)), span, || type_error(0, "numeric"))?;
            (Func::MvMedianAbsoluteDeviation, t(0))
        }
        "day_name" | "month_name" => {
            arity(name, n, 1, 1, span)?;
            expect(date_ty(t(0)), span, || type_error(0, "datetime"))?;
            let f = if name == "day_name" {
                Func::DayName
            } else {
                Func::MonthName
            };
            (f, Type::Keyword)
        }
        "year" | "month" | "day" | "hour" => {
            arity(name, n, 1, 1, span)?;
            if !date_ty(t(0)) {
                let arg = call.args[0].span;
                let want = "datetime or date_nanos";
                return Err(type_mismatch(c.text, span, "first ", arg, t(0), want));
            }
            let field = date_parts::chrono_field(name).unwrap_or("year");
            let site = c.site(span);
            let literal = CExpr {
                kind: Kind::Literal(Cell::One(Value::str(field))),
                ty: Type::Keyword,
                site,
            };
            args.insert(0, literal);
            (Func::DateExtract, Type::Long)
        }
        "date_unit_count" => return date_unit_count(c, call, args, span),
        "ascii" | "to_ascii" => {
            arity(name, n, 1, 1, span)?;
            if !string_ty(t(0)) {
                let arg = call.args[0].span;
                return Err(type_mismatch(c.text, span, "", arg, t(0), "string"));
            }
            let f = if name == "ascii" {
                Func::Ascii
            } else {
                Func::ToAscii
            };
            (f, Type::Keyword)
        }
        "days_in_month" => {
            arity(name, n, 1, 1, span)?;
            expect(date_ty(t(0)), span, || type_error(0, "datetime"))?;
            (Func::DaysInMonth, Type::Long)
        }
        "mv_contains_all" => {
            arity(name, n, 2, 2, span)?;
            same_type(&args, span, &text)?;
            (Func::MvContainsAll, Type::Boolean)
        }
        "mv_intersection" | "mv_union" | "mv_difference" | "mv_intersects" => {
            arity(name, n, 2, 2, span)?;
            let ty = same_type(&args, span, &text)?;
            match name {
                "mv_intersects" => (Func::MvIntersects, Type::Boolean),
                "mv_intersection" => (Func::MvSet(MvSetOp::Intersection), keywordise(ty)),
                "mv_union" => (Func::MvSet(MvSetOp::Union), keywordise(ty)),
                _ => (Func::MvSet(MvSetOp::Difference), keywordise(ty)),
            }
        }
        "round_to" => {
            arity(name, n, 2, usize::MAX, span)?;
            let ty = same_type(&args, span, &text)?;
            expect(
                ty.is_numeric() && ty != Type::UnsignedLong
                    || matches!(ty, Type::Datetime | Type::Null),
                span,
                || type_error(0, "date, double, integer or long"),
            )?;
            for (i, a) in args.iter().enumerate().skip(1) {
                let constant = c.constants.fold(a, schema).is_some();
                expect(constant, call.args[i].span, || {
                    format!("rounding points of [{text}] must be constants")
                })?;
            }
            (Func::RoundTo, ty)
        }
        "pi" | "e" | "tau" => {
            arity(name, n, 0, 0, span)?;
            let v = match name {
                "pi" => std::f64::consts::PI,
                "e" => std::f64::consts::E,
                _ => std::f64::consts::TAU,
            };
            (Func::Constant(v), Type::Double)
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
        "clamp" | "clamp_min" | "clamp_max" => {
            let want = if name == "clamp" { 3 } else { 2 };
            arity(name, n, want, want, span)?;
            let ty = same_type(&args, span, &text)?;
            let f = match name {
                "clamp" => Func::Clamp,
                "clamp_min" => Func::ClampMin,
                _ => Func::ClampMax,
            };
            (f, keywordise(ty))
        }
        "mv_zip" => {
            arity(name, n, 2, 3, span)?;
            every_arg(n, |i| string_ty(t(i)), span, |i| type_error(i, "string"))?;
            (Func::MvZip, Type::Keyword)
        }
        "mv_append" => {
            arity(name, n, 2, 2, span)?;
            let ty = same_type(&args, span, &text)?;
            (Func::MvAppend, keywordise(ty))
        }
        other => return Err(catalog::unsupported(other, span)),
    };
    if let Func::ToType(target) = func {
        arity(name, n, 1, 1, span)?;
        let a = args.pop().expect("one argument");
        return c.cast_folded(a, target, span, schema).map(|mut e| {
            // A conversion function reports warnings under its call text, like a cast.
            e.ty = target;
            e
        });
    }
    let site = c.site(span);
    Ok(CExpr {
        kind: Kind::Call(func, args),
        ty,
        site,
    })
}
