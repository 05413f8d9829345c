//! The `date_range` functions: `RANGE_MIN`, `RANGE_MAX`, `RANGE_WITHIN`, `RANGE_CONTAINS`,
//! `RANGE_INTERSECTS`, `IN_RANGE` and `TO_RANGE` (`TO_DATE_RANGE` is a conversion,
//! `Func::ToType`). Each takes single values: a multivalued argument is a warning and null, as
//! for every evaluator Elasticsearch generates with `@Evaluator`.

use crate::diagnostic::Diagnostic;
use crate::document::date_range;
use crate::document::value::{Cell, Type, Value};
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
    use Type::{DateRange as R, Datetime as D};
    let relation = |r: Relation| (Func::RangeRelation(r), Type::Boolean);
    let (func, ty) = match name {
        "range_min" | "range_max" => {
            arity(name, n, 1, 1, span)?;
            check(0, &[R], "date_range")?;
            (Func::RangeBound(name == "range_max"), D)
        }
        "range_within" => {
            arity(name, n, 2, 2, span)?;
            check(0, &[D, R], "date or date_range")?;
            check(1, &[R], "date_range")?;
            relation(Relation::Within)
        }
        "range_contains" => {
            arity(name, n, 2, 2, span)?;
            check(0, &[R], "date_range")?;
            check(1, &[D, R], "date or date_range")?;
            relation(Relation::Within)
        }
        "range_intersects" => {
            arity(name, n, 2, 2, span)?;
            check(0, &[D, R], "date or date_range")?;
            check(1, &[D, R], "date or date_range")?;
            relation(Relation::Intersects)
        }
        "in_range" => {
            arity(name, n, 2, 2, span)?;
            check(0, &[D], "date or date_nanos")?;
            check(1, &[R], "date_range")?;
            relation(Relation::InRange)
        }
        _ => {
            arity(name, n, 2, 2, span)?;
            check(0, &[D], "date")?;
            check(1, &[D], "date")?;
            (Func::ToRange, R)
        }
    };
    Ok(Compiled {
        func,
        ty,
        swapped: name == "range_contains",
    })
}

/// A value as a range: a date is the one-point range `[d, d]` (closed; only `Intersects` and
/// `Within` with a date on the left see it, and both test the point itself).
fn bounds(v: &Value) -> Option<(i64, i64, bool)> {
    match v {
        Value::DateRange { from, to } => Some((*from, *to, true)),
        Value::Datetime(d) => Some((*d, *d, false)),
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
            _ => Cell::Null,
        },
        Func::RangeRelation(relation) => {
            let (Some(l), Some(r)) = (bounds(a[0]), bounds(a[1])) else {
                return Ok(Cell::Null);
            };
            Cell::boolean(Some(relate(*relation, l, r)))
        }
        Func::ToRange => match (a[0], a[1]) {
            (Value::Datetime(from), Value::Datetime(to)) => {
                Cell::One(date_range::to_range(*from, *to)?)
            }
            _ => Cell::Null,
        },
        _ => Cell::Null,
    })
}

fn relate(relation: Relation, l: (i64, i64, bool), r: (i64, i64, bool)) -> bool {
    let (l_range, r_range) = ((l.0, l.1), (r.0, r.1));
    match (relation, l.2, r.2) {
        (Relation::InRange, _, _) => l.0 >= r.0 && l.0 <= r.1,
        (Relation::Within, false, _) => date_range::contains_point(r_range, l.0),
        (Relation::Within, true, _) => date_range::within(l_range, r_range),
        (Relation::Intersects, true, true) => date_range::intersects(l_range, r_range),
        (Relation::Intersects, false, true) => date_range::contains_point(r_range, l.0),
        (Relation::Intersects, true, false) => date_range::contains_point(l_range, r.0),
        // Two dates: `RangeIntersects.surrogate` is `a == b`.
        (Relation::Intersects, false, false) => l.0 == r.0,
    }
}
