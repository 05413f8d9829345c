//! Compiling the multivalue functions (`MV_*`).

use crate::diagnostic::Diagnostic;

use super::super::checks::{
    arity, every_arg, expect, keywordise, numeric_ty, same_type, string_ty,
};
use super::super::{Func, MvSetOp};
use super::{type_error_text, Args, Found};
use crate::document::value::Type;

/// `MV_COUNT` to `MV_CONTAINS`, `MV_ZIP` and `MV_APPEND`.
pub(super) fn picks_and_reductions(cx: &mut Args) -> Result<Option<Found>, Diagnostic> {
    let (call, span, text) = (cx.call, cx.span, &cx.text);
    let args = &mut cx.args;
    let name = call.name.as_str();
    let n = args.len();
    let t = |i: usize| args[i].ty;
    let type_error = |i: usize, want: &str| type_error_text(text, args, i, want);
    let (func, ty) = match name {
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
        "mv_zip" => {
            arity(name, n, 2, 3, span)?;
            every_arg(n, |i| string_ty(t(i)), span, |i| type_error(i, "string"))?;
            (Func::MvZip, Type::Keyword)
        }
        "mv_append" => {
            arity(name, n, 2, 2, span)?;
            let ty = same_type(args, span, text)?;
            (Func::MvAppend, keywordise(ty))
        }
        _ => return Ok(None),
    };
    Ok(Some(Found::Call(func, ty)))
}

/// `MV_PERCENTILE`, `MV_PSERIES_WEIGHTED_SUM`, `MV_MEDIAN_ABSOLUTE_DEVIATION` and the set functions.
pub(super) fn statistics_and_sets(cx: &mut Args) -> Result<Option<Found>, Diagnostic> {
    let (call, span, text) = (cx.call, cx.span, &cx.text);
    let args = &mut cx.args;
    let name = call.name.as_str();
    let n = args.len();
    let t = |i: usize| args[i].ty;
    let type_error = |i: usize, want: &str| type_error_text(text, args, i, want);
    let (func, ty) = match name {
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
        "mv_contains_all" => {
            arity(name, n, 2, 2, span)?;
            same_type(args, span, text)?;
            (Func::MvContainsAll, Type::Boolean)
        }
        "mv_intersection" | "mv_union" | "mv_difference" | "mv_intersects" => {
            arity(name, n, 2, 2, span)?;
            let ty = same_type(args, span, text)?;
            match name {
                "mv_intersects" => (Func::MvIntersects, Type::Boolean),
                "mv_intersection" => (Func::MvSet(MvSetOp::Intersection), keywordise(ty)),
                "mv_union" => (Func::MvSet(MvSetOp::Union), keywordise(ty)),
                _ => (Func::MvSet(MvSetOp::Difference), keywordise(ty)),
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(Found::Call(func, ty)))
}
