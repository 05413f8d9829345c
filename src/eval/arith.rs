//! Arithmetic on values (negation, `+ - * / %`, date math) with Java's failure messages.

use crate::document::value::LONG_OVERFLOW_MESSAGE;
use crate::esql::ast::BinaryOp;

use crate::document::value::{Type, Value};

pub(super) fn negate(v: &Value) -> Result<Value, String> {
    Ok(match v {
        Value::Integer(x) => Value::Integer(
            x.checked_neg()
                .ok_or("java.lang.ArithmeticException: integer overflow")?,
        ),
        Value::Long(x) => Value::Long(x.checked_neg().ok_or(LONG_OVERFLOW_MESSAGE)?),
        Value::Double(x) => Value::Double(-x),
        Value::Duration(x) => Value::Duration(x.checked_neg().ok_or(LONG_OVERFLOW_MESSAGE)?),
        Value::Period { months, days } => Value::Period {
            months: -months,
            days: -days,
        },
        other => other.clone(),
    })
}

const INT_OVERFLOW: &str = "java.lang.ArithmeticException: integer overflow";
const DIV_ZERO: &str = "java.lang.ArithmeticException: / by zero";

/// Whole-number `+ - * / %` with Java's overflow and division-by-zero failures, for one integer
/// width (`i32`, `i64`, `u64`): `None` is an overflow, division by zero returns the error.
macro_rules! checked_arithmetic {
    ($op:expr, $x:expr, $y:expr) => {
        match $op {
            BinaryOp::Add => $x.checked_add($y),
            BinaryOp::Sub => $x.checked_sub($y),
            BinaryOp::Mul => $x.checked_mul($y),
            BinaryOp::Div | BinaryOp::Mod if $y == 0 => return Err(DIV_ZERO.into()),
            BinaryOp::Div => $x.checked_div($y),
            _ => $x.checked_rem($y),
        }
    };
}

/// Elasticsearch's `NumericUtils.asFiniteNumber` failure: the message ends with Java's text of
/// the value (`NaN`, `Infinity`, `-Infinity`), as math.csv-spec `powSqrtNeg` asserts.
pub fn not_finite(r: f64) -> String {
    let text = if r.is_nan() {
        "NaN"
    } else if r > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    };
    format!("java.lang.ArithmeticException: not a finite double number: {text}")
}

/// Binary arithmetic in the result type `ty`, with Java's overflow and division errors.
pub fn arith(op: BinaryOp, a: &Value, b: &Value, ty: Type) -> Result<Value, String> {
    match ty {
        Type::Datetime => datetime_arith(op, a, b),
        Type::DateNanos => date_nanos_arith(op, a, b),
        Type::Integer => {
            let (x, y) = (
                a.as_i64().unwrap_or(0) as i32,
                b.as_i64().unwrap_or(0) as i32,
            );
            let r = checked_arithmetic!(op, x, y);
            r.map(Value::Integer).ok_or_else(|| INT_OVERFLOW.into())
        }
        Type::Long => {
            let (x, y) = (a.as_i64().unwrap_or(0), b.as_i64().unwrap_or(0));
            let r = checked_arithmetic!(op, x, y);
            r.map(Value::Long)
                .ok_or_else(|| LONG_OVERFLOW_MESSAGE.into())
        }
        Type::UnsignedLong => {
            let to_u = |v: &Value| match v {
                Value::UnsignedLong(u) => *u,
                other => other.as_i64().unwrap_or(0) as u64,
            };
            let (x, y) = (to_u(a), to_u(b));
            let r = checked_arithmetic!(op, x, y);
            r.map(Value::UnsignedLong)
                .ok_or_else(|| "java.lang.ArithmeticException: unsigned_long overflow".into())
        }
        Type::Double => double_arith(op, a, b),
        Type::TimeDuration => match (a, b) {
            (Value::Duration(x), Value::Duration(y)) => if op == BinaryOp::Sub {
                x.checked_sub(*y)
            } else {
                x.checked_add(*y)
            }
            .map(Value::Duration)
            .ok_or_else(|| LONG_OVERFLOW_MESSAGE.into()),
            _ => Err(LONG_OVERFLOW_MESSAGE.into()),
        },
        Type::DatePeriod => match (a, b) {
            (
                Value::Period {
                    months: m1,
                    days: d1,
                },
                Value::Period {
                    months: m2,
                    days: d2,
                },
            ) => {
                let s = if op == BinaryOp::Sub { -1 } else { 1 };
                Ok(Value::Period {
                    months: m1 + s * m2,
                    days: d1 + s * d2,
                })
            }
            _ => Err(LONG_OVERFLOW_MESSAGE.into()),
        },
        _ => Err(LONG_OVERFLOW_MESSAGE.into()),
    }
}

/// A date plus or minus a duration or period (either side for `+`).
fn datetime_arith(op: BinaryOp, a: &Value, b: &Value) -> Result<Value, String> {
    let (date, span, sign) = match (a, b) {
        (Value::Datetime(d), s) => (*d, s, if op == BinaryOp::Sub { -1 } else { 1 }),
        (s, Value::Datetime(d)) => (*d, s, 1),
        _ => return Err(LONG_OVERFLOW_MESSAGE.into()),
    };
    let result = match span {
        Value::Duration(ms) => ms
            .checked_mul(sign)
            .and_then(|ms| date.checked_add(ms))
            .ok_or_else(|| LONG_OVERFLOW_MESSAGE.to_string()),
        Value::Period { months, days } => {
            crate::document::datetime::add_period(date, sign * months, sign * days)
        }
        _ => Err(LONG_OVERFLOW_MESSAGE.to_string()),
    };
    result.map(Value::Datetime)
}

/// A `date_nanos` plus or minus a duration or period (either side for `+`).
fn date_nanos_arith(op: BinaryOp, a: &Value, b: &Value) -> Result<Value, String> {
    use crate::document::date_nanos;
    let (date, span, sign) = match (a, b) {
        (Value::DateNanos(d), s) => (*d, s, if op == BinaryOp::Sub { -1 } else { 1 }),
        (s, Value::DateNanos(d)) => (*d, s, 1),
        _ => return Err(date_nanos::OUT_OF_RANGE.into()),
    };
    let result = match span {
        Value::Duration(ms) => ms
            .checked_mul(sign)
            .ok_or_else(|| date_nanos::OUT_OF_RANGE.to_string())
            .and_then(|ms| date_nanos::add_duration(date, ms)),
        Value::Period { months, days } => date_nanos::add_period(date, sign * months, sign * days),
        _ => Err(date_nanos::OUT_OF_RANGE.to_string()),
    };
    result.map(Value::DateNanos)
}

/// Double arithmetic: a division by zero or a result that is not finite is an error.
fn double_arith(op: BinaryOp, a: &Value, b: &Value) -> Result<Value, String> {
    let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
    let r = match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        BinaryOp::Div if y == 0.0 => return Err(DIV_ZERO.into()),
        BinaryOp::Div => x / y,
        _ if y == 0.0 => return Err(DIV_ZERO.into()),
        _ => x % y,
    };
    if r.is_finite() {
        Ok(Value::Double(r))
    } else {
        Err(not_finite(r))
    }
}
