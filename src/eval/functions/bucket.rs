//! `BUCKET` (alias `BIN`): compiled to the expression Elasticsearch evaluates for it, a
//! `DATE_TRUNC` by a span for dates and `FLOOR(x / span) * span` for numbers.
//!
//! Elasticsearch's `Bucket.toEvaluator` does the same rewrite: with a span (two arguments) the
//! span is used as is; with a target count and a range (four arguments) a span is picked when the
//! query is planned: for numbers the next power of ten of `(to - from) / count`, or its half
//! when that is enough; for dates the longest of Elasticsearch's date-histogram roundings that
//! cuts the range into at most `count` buckets (`DateRoundingPicker`). The count and the range
//! must fold to constants (`postOptimizationVerification`).

use crate::diagnostic::Diagnostic;
use crate::esql::ast::BinaryOp;
use crate::span::Span;

use crate::document::datetime;
use crate::document::value::{Cell, Type, Value};
use crate::eval::expr::{error, CExpr, Compiler, Kind};
use crate::eval::fold::Constant;
use crate::eval::Column;

use super::Func;

const MS_PER_DAY: i64 = 86_400_000;

/// One rounding of Elasticsearch's date picker: calendar months, days (7 is a week starting on
/// Monday), or an exact duration in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Rounding {
    months: i64,
    days: i64,
    millis: i64,
}

const fn millis(ms: i64) -> Rounding {
    Rounding {
        months: 0,
        days: 0,
        millis: ms,
    }
}

/// `DateRoundingPicker.PRIMARY_UNITS`, longest first: the picker takes the finest that fits.
const PRIMARY: [Rounding; 16] = [
    Rounding {
        months: 0,
        days: 1,
        millis: 0,
    },
    millis(12 * 3_600_000),
    millis(3 * 3_600_000),
    millis(3_600_000),
    millis(30 * 60_000),
    millis(10 * 60_000),
    millis(5 * 60_000),
    millis(60_000),
    millis(30_000),
    millis(10_000),
    millis(5_000),
    millis(1_000),
    millis(100),
    millis(50),
    millis(10),
    millis(1),
];

/// `DateRoundingPicker.SECONDARY_UNITS`: week, month, year, tried in that order.
const SECONDARY: [Rounding; 3] = [
    Rounding {
        months: 0,
        days: 7,
        millis: 0,
    },
    Rounding {
        months: 1,
        days: 0,
        millis: 0,
    },
    Rounding {
        months: 12,
        days: 0,
        millis: 0,
    },
];

/// Compiles `BUCKET(field, buckets[, from, to])` from its compiled arguments.
pub fn compile(
    c: &mut Compiler,
    mut args: Vec<CExpr>,
    span: Span,
    schema: &[Column],
) -> Result<CExpr, Diagnostic> {
    let text = span.slice(c.text).to_string();
    if !(args.len() == 2 || args.len() == 4) {
        return Err(error(
            "E302",
            span,
            format!(
                "error building [bucket]: expects exactly two or four arguments, found {} in [{text}]",
                args.len()
            ),
        ));
    }
    let field_ty = args[0].ty;
    let buckets_ty = args[1].ty;
    if field_ty == Type::Null || buckets_ty == Type::Null {
        let site = c.site(span);
        return Ok(CExpr {
            kind: Kind::Literal(Cell::Null),
            ty: if field_ty.is_numeric() {
                Type::Double
            } else {
                field_ty
            },
            site,
        });
    }
    if field_ty.is_date() {
        return date_bucket(c, args, span, schema, &text);
    }
    if !field_ty.is_numeric() {
        return Err(error(
            "E302",
            span,
            format!(
                "first argument of [{text}] must be [datetime or numeric], found value of type [{}]",
                field_ty.name()
            ),
        ));
    }
    if !buckets_ty.is_numeric() {
        return Err(type_error(span, &text, "second", "numeric", buckets_ty));
    }
    let span_value = if args.len() == 2 {
        fold_number(c, &args[1], schema, span, &text, "second")?
    } else {
        if !buckets_ty.is_whole() {
            return Err(count_error(span, &text, "two", field_ty, buckets_ty));
        }
        for (i, ordinal) in [(2, "third"), (3, "fourth")] {
            if !args[i].ty.is_numeric() {
                return Err(type_error(span, &text, ordinal, "numeric", args[i].ty));
            }
        }
        let count = fold_count(c, &args[1], schema, span, &text)? as f64;
        let from = fold_number(c, &args[2], schema, span, &text, "third")?;
        let to = fold_number(c, &args[3], schema, span, &text, "fourth")?;
        numeric_span(count, from, to)
    };
    let field = args.swap_remove(0);
    Ok(numeric_floor(c, field, span_value, span))
}

/// `Bucket.getNumberRoundTo` with a range: the next power of ten of the precise width, or its
/// half when the precise width is below that half.
fn numeric_span(count: f64, from: f64, to: f64) -> f64 {
    let precise = (to - from) / count;
    if precise.is_nan() {
        // A count of 0 over an empty range: Elasticsearch reports "/ by zero" for it
        // (bucket.csv-spec zeroBuckets), as for a zero span; 0.0 gives that warning here.
        return 0.0;
    }
    let next_power = 10f64.powf(precise.log10().ceil());
    let half = next_power / 2.0;
    if precise < half {
        half
    } else {
        next_power
    }
}

/// `FLOOR(field / span) * span` in doubles, as `Bucket.toEvaluator` builds it.
fn numeric_floor(c: &mut Compiler, field: CExpr, width: f64, span: Span) -> CExpr {
    let site = c.site(span);
    let node = |kind, ty| CExpr { kind, ty, site };
    let width = node(Kind::Literal(Cell::One(Value::Double(width))), Type::Double);
    let field = node(Kind::Cast(Box::new(field), Type::Double), Type::Double);
    let ratio = node(
        Kind::Arith(BinaryOp::Div, Box::new(field), Box::new(width.clone())),
        Type::Double,
    );
    let floor = node(Kind::Call(Func::Floor, vec![ratio]), Type::Double);
    node(
        Kind::Arith(BinaryOp::Mul, Box::new(floor), Box::new(width)),
        Type::Double,
    )
}

fn date_bucket(
    c: &mut Compiler,
    mut args: Vec<CExpr>,
    span: Span,
    schema: &[Column],
    text: &str,
) -> Result<CExpr, Diagnostic> {
    let buckets_ty = args[1].ty;
    if matches!(args[1].kind, Kind::Literal(Cell::One(Value::String(_)))) {
        super::implicit_time_span(&mut args[1..2], span)?;
    }
    let rounding = match args[1].ty {
        Type::DatePeriod | Type::TimeDuration => {
            if args.len() != 2 {
                return Err(count_error(span, text, "two", Type::Datetime, args[1].ty));
            }
            None
        }
        ty if ty.is_whole() => {
            if args.len() != 4 {
                return Err(count_error(span, text, "four", Type::Datetime, ty));
            }
            let per_run = [2, 3]
                .iter()
                .any(|&i| matches!(c.constants.fold(&args[i], schema), Some(Constant::PerRun)));
            if per_run {
                // Elasticsearch folds `NOW()` when the query starts; so does the run here.
                let count = fold_count(c, &args[1], schema, span, text)?;
                return Ok(per_run_bucket(c, args, count, span));
            }
            let count = fold_count(c, &args[1], schema, span, text)?;
            let from = fold_date(c, &args[2], schema, span, text, "third")?;
            let to = fold_date(c, &args[3], schema, span, text, "fourth")?;
            Some(pick_rounding(count, from, to))
        }
        _ => {
            return Err(type_error(
                span,
                text,
                "second",
                "integral or date_period or time_duration",
                buckets_ty,
            ))
        }
    };
    let field = args.swap_remove(0);
    let ty = field.ty;
    let site = c.site(span);
    let interval = match rounding {
        None => args.swap_remove(0),
        Some(r) => {
            let (value, ty) = if r.millis > 0 {
                (Value::Duration(r.millis), Type::TimeDuration)
            } else {
                (
                    Value::Period {
                        months: r.months,
                        days: r.days,
                    },
                    Type::DatePeriod,
                )
            };
            CExpr {
                kind: Kind::Literal(Cell::One(value)),
                ty,
                site,
            }
        }
    };
    Ok(CExpr {
        kind: Kind::Call(Func::DateTrunc, vec![interval, field]),
        ty,
        site,
    })
}

/// `DATE_TRUNC(BucketRounding(count, from, to), field)`: the rounding is picked when the query
/// runs, from a range that reads `NOW()`.
fn per_run_bucket(c: &mut Compiler, mut args: Vec<CExpr>, count: i64, span: Span) -> CExpr {
    let site = c.site(span);
    let to = args.swap_remove(3);
    let from = args.swap_remove(2);
    let field = args.swap_remove(0);
    let count = CExpr {
        kind: Kind::Literal(Cell::One(Value::Long(count))),
        ty: Type::Long,
        site,
    };
    let rounding = CExpr {
        kind: Kind::Call(Func::BucketRounding, vec![count, from, to]),
        ty: Type::TimeDuration,
        site,
    };
    let ty = field.ty;
    CExpr {
        kind: Kind::Call(Func::DateTrunc, vec![rounding, field]),
        ty,
        site,
    }
}

/// [`Func::BucketRounding`]: the rounding for `[count, from, to]` as a period or a duration;
/// `None` (null) when a bound is not a date.
pub fn rounding_at_run(a: &[&Value]) -> Option<Value> {
    let date = |v: &Value| match v {
        Value::Datetime(ms) => Some(*ms),
        Value::DateNanos(ns) => Some(crate::document::date_nanos::to_millis(*ns)),
        Value::String(s) => datetime::parse_iso(s),
        _ => None,
    };
    let r = pick_rounding(a[0].as_i64()?, date(a[1])?, date(a[2])?);
    Some(if r.millis > 0 {
        Value::Duration(r.millis)
    } else {
        Value::Period {
            months: r.months,
            days: r.days,
        }
    })
}

/// `DateRoundingPicker.pickRounding`: the finest primary rounding that fits (a binary search
/// over them, as Elasticsearch does), else the first secondary that fits, else a year.
fn pick_rounding(count: i64, from: i64, to: i64) -> Rounding {
    let (mut low, mut high, mut best) = (0i64, PRIMARY.len() as i64 - 1, None);
    while low <= high {
        let mid = (low + high) / 2;
        if fits(PRIMARY[mid as usize], count, from, to) {
            best = Some(PRIMARY[mid as usize]);
            low = mid + 1;
        } else {
            high = mid - 1;
        }
    }
    best.or_else(|| {
        SECONDARY
            .iter()
            .copied()
            .find(|r| fits(*r, count, from, to))
    })
    .unwrap_or(SECONDARY[2])
}

/// `roundingIsOk`: stepping from the bucket of `from`, `to` is reached within `count` steps.
/// The steps are counted arithmetically rather than walked, so a huge count costs nothing.
fn fits(r: Rounding, count: i64, from: i64, to: i64) -> bool {
    if count <= 0 {
        return false;
    }
    let Some(start) = datetime::trunc(from, r.months, r.days, r.millis) else {
        return false;
    };
    let steps = if r.months > 0 {
        let month_index = |ms: i64| {
            let c = datetime::to_civil(ms);
            c.year * 12 + c.month - 1
        };
        let end_start = datetime::trunc(to, 1, 0, 0).unwrap_or(to);
        let months = month_index(to) - month_index(start) + i64::from(to > end_start);
        (months + r.months - 1).div_euclid(r.months)
    } else {
        let unit = if r.days > 0 {
            r.days * MS_PER_DAY
        } else {
            r.millis
        };
        let distance = i128::from(to) - i128::from(start);
        let steps = (distance + i128::from(unit) - 1).div_euclid(i128::from(unit));
        i64::try_from(steps).unwrap_or(i64::MAX)
    };
    steps.max(1) <= count
}

fn folded(c: &Compiler, e: &CExpr, schema: &[Column]) -> Option<Cell> {
    match c.constants.fold(e, schema) {
        Some(Constant::Value(cell)) => Some(cell),
        _ => None,
    }
}

fn not_constant(span: Span, text: &str, ordinal: &str) -> Diagnostic {
    error(
        "E302",
        span,
        format!("{ordinal} argument of [{text}] must be a constant, received [{text}]"),
    )
    .with_note("rulegate folds BUCKET's range when the query compiles; a range that reads NOW() is not supported offline")
}

fn fold_number(
    c: &Compiler,
    e: &CExpr,
    schema: &[Column],
    span: Span,
    text: &str,
    ordinal: &str,
) -> Result<f64, Diagnostic> {
    match folded(c, e, schema) {
        // Elasticsearch holds an `unsigned_long` as its encoded long (`NumericUtils
        // .asLongUnsigned`: the value minus 2^63), and `getNumberRoundTo` reads the folded
        // constant with `Number.doubleValue()`: so 17764691215469285192 counts as
        // 8541319178614509384 (bucket.csv-spec `bucketWithUnsignedLong`).
        Some(Cell::One(Value::UnsignedLong(v))) => Ok(((v ^ (1 << 63)) as i64) as f64),
        Some(Cell::One(value)) => value
            .as_f64()
            .ok_or_else(|| type_error(span, text, ordinal, "numeric", e.ty)),
        _ => Err(not_constant(span, text, ordinal)),
    }
}

/// The target count as Java's `Number.intValue()` reads it: a long wraps to its low 32 bits
/// (`100000000000` is `1215752192`), a double saturates.
fn fold_count(
    c: &Compiler,
    e: &CExpr,
    schema: &[Column],
    span: Span,
    text: &str,
) -> Result<i64, Diagnostic> {
    match folded(c, e, schema) {
        Some(Cell::One(Value::Long(v))) => Ok(i64::from(v as i32)),
        Some(Cell::One(Value::UnsignedLong(v))) => Ok(i64::from(v as i32)),
        Some(Cell::One(value)) => value
            .as_f64()
            .map(|v| v as i32 as i64)
            .ok_or_else(|| type_error(span, text, "second", "numeric", e.ty)),
        _ => Err(not_constant(span, text, "second")),
    }
}

fn fold_date(
    c: &Compiler,
    e: &CExpr,
    schema: &[Column],
    span: Span,
    text: &str,
    ordinal: &str,
) -> Result<i64, Diagnostic> {
    match folded(c, e, schema) {
        Some(Cell::One(Value::Datetime(ms))) => Ok(ms),
        Some(Cell::One(Value::DateNanos(ns))) => Ok(crate::document::date_nanos::to_millis(ns)),
        Some(Cell::One(Value::String(s))) => datetime::parse_iso(&s).ok_or_else(|| {
            error(
                "E302",
                span,
                format!("{ordinal} argument of [{text}]: cannot parse date [{s}]"),
            )
        }),
        Some(_) => Err(type_error(
            span,
            text,
            ordinal,
            "datetime or date_nanos or string",
            e.ty,
        )),
        None => Err(not_constant(span, text, ordinal)),
    }
}

fn type_error(span: Span, text: &str, ordinal: &str, want: &str, found: Type) -> Diagnostic {
    error(
        "E302",
        span,
        format!(
            "{ordinal} argument of [{text}] must be [{want}], found value of type [{}]",
            found.name()
        ),
    )
}

/// A type as Elasticsearch's `DataType` constant names it (`DATETIME`, not `date`).
fn upper_name(ty: Type) -> String {
    match ty {
        Type::Datetime => "DATETIME".to_string(),
        other => other.name().to_ascii_uppercase(),
    }
}

/// `Bucket.checkArgsCount`'s message.
fn count_error(span: Span, text: &str, expected: &str, field: Type, buckets: Type) -> Diagnostic {
    error(
        "E302",
        span,
        format!(
            "function expects exactly {expected} arguments when the first one is of type [{}] and the second of type [{}] in [{text}]",
            upper_name(field),
            upper_name(buckets)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> i64 {
        datetime::parse_iso(text).unwrap()
    }

    #[test]
    fn numeric_span_is_a_power_of_ten_or_its_half() {
        // bucket.csv-spec docsBucketNumeric: 20 buckets over 25324..74999 are 5000 wide.
        assert_eq!(numeric_span(20.0, 25324.0, 74999.0), 5000.0);
        // bucketWithFloats: 20 over 1.41..2.10 is 0.05 wide.
        assert!((numeric_span(20.0, 1.41, 2.10) - 0.05).abs() < 1e-12);
        assert_eq!(numeric_span(10.0, 0.0, 1000.0), 100.0);
    }

    #[test]
    fn date_picker_matches_the_documented_examples() {
        let (y85, y86) = (ms("1985-01-01T00:00:00Z"), ms("1986-01-01T00:00:00Z"));
        // At most 20 buckets over a year: months; at most 100: weeks.
        assert_eq!(pick_rounding(20, y85, y86), SECONDARY[1]);
        assert_eq!(pick_rounding(100, y85, y86), SECONDARY[0]);
        // 24 buckets over a day: hours (docsGettingStartedBucketStatsBy).
        let day = ms("2023-10-23T00:00:00Z");
        let end = ms("2023-10-23T23:59:59Z");
        assert_eq!(pick_rounding(24, day, end), millis(3_600_000));
        // No count fits: a year, as Elasticsearch falls back to.
        assert_eq!(pick_rounding(0, y85, y86), SECONDARY[2]);
        assert_eq!(
            pick_rounding(5, y85, ms("2026-01-01T00:00:00Z")),
            SECONDARY[2]
        );
    }
}
