//! Aggregates fed value by value: sums, variances, percentiles, presence.

use super::*;
use crate::document::value::Cell;
use crate::eval::expr::Ctx;
use crate::eval::warnings::Warnings;

fn run(kind: AggKind, input: Type, values: &[Value]) -> Cell {
    let mut acc = Acc::new(kind, input);
    for v in values {
        acc.add(kind, &Cell::One(v.clone()));
    }
    let mut w = Warnings::default();
    let mut ctx = Ctx {
        now: 0,
        warnings: &mut w,
    };
    acc.finish(kind, kind.result_type(input), &mut ctx, 0)
}

#[test]
fn double_sums_fold_the_compensation_in_once() {
    let xs: Vec<Value> = [-8.94, 1.92, 6.97, 14.74]
        .into_iter()
        .map(Value::Double)
        .collect();
    assert_eq!(
        run(AggKind::Sum, Type::Double, &xs),
        Cell::One(Value::Double(14.69))
    );
    let inf = [Value::Double(f64::INFINITY), Value::Double(1.0)];
    assert_eq!(
        run(AggKind::Sum, Type::Double, &inf),
        Cell::One(Value::Double(f64::INFINITY))
    );
}

#[test]
fn variance_is_the_population_variance() {
    let xs: Vec<Value> = [2, 4, 4, 4, 5, 5, 7, 9]
        .into_iter()
        .map(Value::Integer)
        .collect();
    assert_eq!(
        run(AggKind::Variance, Type::Integer, &xs),
        Cell::One(Value::Double(4.0))
    );
    assert_eq!(
        run(AggKind::StdDev, Type::Integer, &xs),
        Cell::One(Value::Double(2.0))
    );
    assert_eq!(
        run(AggKind::Variance, Type::Integer, &xs[..1]),
        Cell::One(Value::Double(0.0))
    );
    assert_eq!(run(AggKind::StdDev, Type::Integer, &[]), Cell::Null);
}

#[test]
fn percentiles_interpolate_between_ranks() {
    let xs: Vec<Value> = [4, 1, 3, 2].into_iter().map(Value::Integer).collect();
    let p = |q: f64| run(AggKind::Percentile(q.to_bits()), Type::Integer, &xs);
    assert_eq!(p(50.0), Cell::One(Value::Double(2.5)));
    assert_eq!(p(25.0), Cell::One(Value::Double(1.75)));
    assert_eq!(p(0.0), Cell::One(Value::Double(1.0)));
    assert_eq!(p(100.0), Cell::One(Value::Double(4.0)));
    // `QuantileStates.percentileParam`: outside 0–100 the aggregate is null, not an error.
    assert_eq!(p(110.0), Cell::Null);
    assert_eq!(p(-0.5), Cell::Null);
    assert_eq!(p(f64::NAN), Cell::Null);
    assert_eq!(
        run(AggKind::MedianAbsoluteDeviation, Type::Integer, &xs),
        Cell::One(Value::Double(1.0)),
        "deviations from 2.5 are 0.5, 0.5, 1.5, 1.5"
    );
    assert_eq!(
        run(AggKind::Percentile(50f64.to_bits()), Type::Integer, &[]),
        Cell::Null
    );
}

#[test]
fn present_and_absent_are_never_null() {
    assert_eq!(
        run(AggKind::Present, Type::Null, &[]),
        Cell::One(Value::Boolean(false))
    );
    assert_eq!(
        run(AggKind::Absent, Type::Null, &[]),
        Cell::One(Value::Boolean(true))
    );
    assert_eq!(
        run(AggKind::Present, Type::Long, &[Value::Long(3)]),
        Cell::One(Value::Boolean(true))
    );
}
