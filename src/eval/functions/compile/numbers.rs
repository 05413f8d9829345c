//! Compiling the math functions.

use crate::diagnostic::Diagnostic;

use super::super::checks::{arity, every_arg, expect, keywordise, numeric_ty, same_type};
use super::super::{Func, Unary};
use super::{type_error_text, Args, Found};
use crate::document::value::Type;

/// `ROUND` to `COPY_SIGN`: rounding, roots, logarithms, the unary math functions.
pub(super) fn rounding_and_math(cx: &mut Args) -> Result<Option<Found>, Diagnostic> {
    let (call, span, text) = (cx.call, cx.span, &cx.text);
    let args = &mut cx.args;
    let name = call.name.as_str();
    let n = args.len();
    let t = |i: usize| args[i].ty;
    let type_error = |i: usize, want: &str| type_error_text(text, args, i, want);
    let (func, ty) = match name {
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
        _ => return Ok(None),
    };
    Ok(Some(Found::Call(func, ty)))
}

/// `ROUND_TO`, `PI`, `E`, `TAU`, `CLAMP`, `CLAMP_MIN`, `CLAMP_MAX`.
pub(super) fn points_and_bounds(cx: &mut Args) -> Result<Option<Found>, Diagnostic> {
    let (c, call, span, schema, text) = (&mut *cx.c, cx.call, cx.span, cx.schema, &cx.text);
    let args = &mut cx.args;
    let name = call.name.as_str();
    let n = args.len();
    let _t = |i: usize| args[i].ty;
    let type_error = |i: usize, want: &str| type_error_text(text, args, i, want);
    let (func, ty) = match name {
        "round_to" => {
            arity(name, n, 2, usize::MAX, span)?;
            let ty = same_type(args, span, text)?;
            expect(
                ty.is_numeric() && ty != Type::UnsignedLong
                    || matches!(ty, Type::Datetime | Type::DateNanos | Type::Null),
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
        "clamp" | "clamp_min" | "clamp_max" => {
            let want = if name == "clamp" { 3 } else { 2 };
            arity(name, n, want, want, span)?;
            let ty = same_type(args, span, text)?;
            let f = match name {
                "clamp" => Func::Clamp,
                "clamp_min" => Func::ClampMin,
                _ => Func::ClampMax,
            };
            (f, keywordise(ty))
        }
        _ => return Ok(None),
    };
    Ok(Some(Found::Call(func, ty)))
}
