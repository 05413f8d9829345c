//! The `date_range` and `double_range` functions: `RANGE_MIN`, `RANGE_MAX`, `RANGE_WITHIN`,
//! `RANGE_CONTAINS`, `RANGE_INTERSECTS`, `IN_RANGE` and `TO_RANGE` (`TO_DATE_RANGE` and
//! `TO_DOUBLE_RANGE` are conversions, `Func::ToType`). Each takes single values: a multivalued argument is a warning and null, as
//! for every evaluator Elasticsearch generates with `@Evaluator`.

use crate::diagnostic::Diagnostic;
use crate::document::value::{Cell, Type, Value};
use crate::document::{date_range, double_range};
use crate::span::Span;

use super::checks::{arity, type_mismatch};
use super::Func;

/// The relation a two-argument range function tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// `RANGE_WITHIN(a, b)` (and `RANGE_CONTAINS(b, a)`): `a` (a date or range) lies in `b`.
    Within,
    /// `RANGE_INTERSECTS(a, b)`: the two overlap (a date is a one-point range).
    Intersects,
    /// `IN_RANGE(date, range)`: `from <= date <= to`, both ends inclusive, as `InRange.fold`.
    InRange,
}

/// The argument types a call accepts, as `isType` lists them.
fn accepts(t: Type, allowed: &[Type]) -> bool {
    t == Type::Null || allowed.contains(&t)
}

/// The functions [`compile`] compiles.
pub const NAMES: &[&str] = &[
    "range_min",
    "range_max",
    "range_within",
    "range_contains",
    "range_intersects",
    "in_range",
    "to_range",
];

/// A compiled range call: its [`Func`], its result type, and whether its two arguments are
/// evaluated swapped (`RANGE_CONTAINS(a, b)` is `RANGE_WITHIN(b, a)`, `RangeContains.surrogate`).
pub struct Compiled {
    pub func: Func,
    pub ty: Type,
    pub swapped: bool,
}

/// The point and range types of a call: `double`/`double_range` when an argument is one,
/// `date`/`date_range` otherwise (the signatures never mix the two families).
struct Family {
    point: Type,
    range: Type,
    point_name: &'static str,
    range_name: &'static str,
}

const DATES: Family = Family {
    point: Type::Datetime,
    range: Type::DateRange,
    point_name: "date",
    range_name: "date_range",
};

const DOUBLES: Family = Family {
    point: Type::Double,
    range: Type::DoubleRange,
    point_name: "double",
    range_name: "double_range",
};

/// Compiles a call to one of [`NAMES`] whose arguments have the types and spans `args`.
pub fn compile(
    name: &str,
    text: &str,
    span: Span,
    args: &[(Type, Span)],
) -> Result<Compiled, Diagnostic> {
    let n = args.len();
    let check = |i: usize, allowed: &[Type], want: &str| -> Result<(), Diagnostic> {
        let (t, at) = args[i];
        if accepts(t, allowed) {
            return Ok(());
        }
        let ordinal = match (n, i) {
            (1, _) => "",
            (_, 0) => "first ",
            _ => "second ",
        };
        Err(type_mismatch(text, span, ordinal, at, t, want))
    };
    let doubles = (args.iter()).any(|(t, _)| matches!(t, Type::Double | Type::DoubleRange));
    let f = if doubles { DOUBLES } else { DATES };
    let (p, r) = (f.point, f.range);
    let either = format!("{} or {}", f.point_name, f.range_name);
    let relation = |rel: Relation| (Func::RangeRelation(rel), Type::Boolean);
    let (func, ty) = match name {
        "range_min" | "range_max" => {
            arity(name, n, 1, 1, span)?;
            check(0, &[r], f.range_name)?;
            (Func::RangeBound(name == "range_max"), p)
        }
        "range_within" => {
            arity(name, n, 2, 2, span)?;
            check(0, &[p, r], &either)?;
            check(1, &[r], f.range_name)?;
            relation(Relation::Within)
        }
        "range_contains" => {
            arity(name, n, 2, 2, span)?;
            check(0, &[r], f.range_name)?;
            check(1, &[p, r], &either)?;
            relation(Relation::Within)
        }
        "range_intersects" => {
            arity(name, n, 2, 2, span)?;
            check(0, &[p, r], &either)?;
            check(1, &[p, r], &either)?;
            relation(Relation::Intersects)
        }
        "in_range" => {
            arity(name, n, 2, 2, span)?;
            // `date_nanos` too: the instant is compared with the range's milliseconds.
            check(0, &[Type::Datetime, Type::DateNanos], "date or date_nanos")?;
            check(1, &[Type::DateRange], "date_range")?;
            relation(Relation::InRange)
        }
        _ => {
            arity(name, n, 2, 2, span)?;
            check(0, &[p], f.point_name)?;
            check(1, &[p], f.point_name)?;
            (Func::ToRange, r)
        }
    };
    Ok(Compiled {
        func,
        ty,
        swapped: name == "range_contains",
    })
}

/// A value as a range of `T`: a point is the one-point range `[d, d]` (closed; only
/// `Intersects` and `Within` with a point on the left see it, and both test the point itself).
type Bounds<T> = (T, T, bool);

fn date_bounds(v: &Value) -> Option<Bounds<i64>> {
    match v {
        Value::DateRange { from, to } => Some((*from, *to, true)),
        Value::Datetime(d) => Some((*d, *d, false)),
        _ => None,
    }
}

fn double_bounds(v: &Value) -> Option<Bounds<f64>> {
    match v {
        Value::DoubleRange { from, to } => Some((*from, *to, true)),
        Value::Double(d) => Some((*d, *d, false)),
        _ => None,
    }
}

/// Evaluates a range function on single non-null values.
pub fn eval(func: &Func, a: &[&Value]) -> Result<Cell, String> {
    Ok(match func {
        Func::RangeBound(max) => match a[0] {
            Value::DateRange { from, to } => {
                Cell::One(Value::Datetime(if *max { *to } else { *from }))
            }
            Value::DoubleRange { from, to } => {
                Cell::One(Value::Double(if *max { *to } else { *from }))
            }
            _ => Cell::Null,
        },
        Func::RangeRelation(Relation::InRange) => match (a[0], a[1]) {
            (Value::DateNanos(ns), Value::DateRange { from, to }) => {
                let (ns, ms) = (*ns as i128, 1_000_000i128);
                Cell::boolean(Some(ns >= *from as i128 * ms && ns <= *to as i128 * ms))
            }
            (l, r) => related(Relation::InRange, date_bounds(l), date_bounds(r)),
        },
        Func::RangeRelation(relation) => match (date_bounds(a[0]), date_bounds(a[1])) {
            (Some(l), Some(r)) => Cell::boolean(Some(relate(*relation, l, r))),
            _ => related(*relation, double_bounds(a[0]), double_bounds(a[1])),
        },
        Func::ToRange => match (a[0], a[1]) {
            (Value::Datetime(from), Value::Datetime(to)) => {
                Cell::One(date_range::to_range(*from, *to)?)
            }
            (Value::Double(from), Value::Double(to)) => {
                Cell::One(double_range::to_range(*from, *to)?)
            }
            _ => Cell::Null,
        },
        _ => Cell::Null,
    })
}

/// The relation of two values of one family, null when either is of neither.
fn related<T: PartialOrd + Copy>(
    relation: Relation,
    l: Option<Bounds<T>>,
    r: Option<Bounds<T>>,
) -> Cell {
    match (l, r) {
        (Some(l), Some(r)) => Cell::boolean(Some(relate(relation, l, r))),
        _ => Cell::Null,
    }
}

/// `RangeWithin`, `RangeIntersects` and `InRange` on half-open ranges `[from, to)`, the same
/// for dates and doubles (`date_range::within` and friends spell out each case).
fn relate<T: PartialOrd + Copy>(relation: Relation, l: Bounds<T>, r: Bounds<T>) -> bool {
    let contains = |range: Bounds<T>, p: T| p >= range.0 && p < range.1;
    match (relation, l.2, r.2) {
        (Relation::InRange, _, _) => l.0 >= r.0 && l.0 <= r.1,
        (Relation::Within, false, _) => contains(r, l.0),
        (Relation::Within, true, _) => l.0 >= r.0 && l.1 <= r.1,
        (Relation::Intersects, true, true) => l.0 < r.1 && r.0 < l.1,
        (Relation::Intersects, false, true) => contains(r, l.0),
        (Relation::Intersects, true, false) => contains(l, r.0),
        // Two points: `RangeIntersects.surrogate` is `a == b`.
        (Relation::Intersects, false, false) => l.0 == r.0,
    }
}
