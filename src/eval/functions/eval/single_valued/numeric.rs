//! Single-valued numeric functions: elementary math, rounding and clamping.

use super::*;

/// The numeric function `func` names on its arguments, or `None` when it is not one.
pub(super) fn eval(func: &Func, a: &[&Value], ty: Type) -> Option<Result<Cell, String>> {
    Some(match func {
        Func::Math(_)
        | Func::Atan2
        | Func::Hypot
        | Func::Scalb
        | Func::Log
        | Func::CopySign
        | Func::Sqrt
        | Func::Log10
        | Func::Signum
        | Func::Pow => elementary(func, a, ty),
        Func::Clamp
        | Func::ClampMin
        | Func::ClampMax
        | Func::RoundTo
        | Func::Abs
        | Func::Ceil
        | Func::Floor
        | Func::Round => rounding_and_clamping(func, a, ty),
        _ => return None,
    })
}

/// Trigonometry, logarithms, roots, powers and signs, as `java.lang.Math` computes them.
fn elementary(func: &Func, a: &[&Value], ty: Type) -> Result<Cell, String> {
    Ok(match func {
        Func::Math(f) => Cell::One(Value::Double(f.apply(a[0].as_f64().unwrap_or(0.0))?)),
        Func::Atan2 => {
            let (y, x) = (a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0));
            Cell::One(Value::Double(y.atan2(x)))
        }
        Func::Hypot => {
            let (x, y) = (a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0));
            Cell::One(Value::Double(math::hypot(x, y)?))
        }
        Func::Scalb => {
            let d = a[0].as_f64().unwrap_or(0.0);
            let n = match a[1] {
                Value::UnsignedLong(u) => i64::try_from(*u).unwrap_or(i64::MAX),
                other => other
                    .as_i64()
                    .unwrap_or_else(|| other.as_f64().unwrap_or(0.0) as i64),
            };
            Cell::One(Value::Double(math::scalb(d, n)?))
        }
        Func::Log => {
            let (base, value) = match a {
                [v] => (None, v.as_f64().unwrap_or(0.0)),
                _ => (a[0].as_f64(), a[1].as_f64().unwrap_or(0.0)),
            };
            Cell::One(Value::Double(math::log(base, value)?))
        }
        Func::CopySign => Cell::One(math::copy_sign(a[0], a[1], ty)?),
        Func::Sqrt | Func::Log10 | Func::Signum => {
            let x = a[0].as_f64().unwrap_or(0.0);
            let r = match func {
                Func::Sqrt if x < 0.0 => {
                    return Err("java.lang.ArithmeticException: Square root of negative".into())
                }
                Func::Sqrt => x.sqrt(),
                Func::Log10 if x <= 0.0 => {
                    return Err("java.lang.ArithmeticException: Log of non-positive number".into())
                }
                Func::Log10 => crate::eval::functions::java_math::log10(x),
                _ => {
                    if x == 0.0 {
                        0.0
                    } else {
                        x.signum()
                    }
                }
            };
            Cell::One(Value::Double(r))
        }
        Func::Pow => {
            let r = a[0]
                .as_f64()
                .unwrap_or(0.0)
                .powf(a[1].as_f64().unwrap_or(0.0));
            if !r.is_finite() {
                return Err(crate::eval::arith::not_finite(r));
            }
            Cell::One(Value::Double(r))
        }
        _ => Cell::Null,
    })
}

/// Clamping, rounding to points or digits, absolute values, ceilings and floors.
fn rounding_and_clamping(func: &Func, a: &[&Value], ty: Type) -> Result<Cell, String> {
    Ok(match func {
        Func::Clamp | Func::ClampMin | Func::ClampMax => {
            let mut x = a[0];
            let (min, max) = match func {
                Func::Clamp => (Some(a[1]), Some(a[2])),
                Func::ClampMin => (Some(a[1]), None),
                _ => (None, Some(a[1])),
            };
            if let Some(m) = min.filter(|m| x.compare(m).is_lt()) {
                x = m;
            }
            if let Some(m) = max.filter(|m| x.compare(m).is_gt()) {
                x = m;
            }
            // Mixed numeric arguments take the result type (`CLAMP(int, 1.5, 2)` is a double).
            Cell::One(crate::document::convert::convert(x, ty).unwrap_or_else(|_| x.clone()))
        }
        Func::RoundTo => {
            // The greatest point not above the value; below every point, the least point.
            let convert =
                |v: &Value| crate::document::convert::convert(v, ty).unwrap_or_else(|_| v.clone());
            let x = convert(a[0]);
            let points: Vec<Value> = a[1..].iter().map(|p| convert(p)).collect();
            let below = points
                .iter()
                .filter(|p| p.compare(&x).is_le())
                .max_by(|p, q| p.compare(q));
            let least = points.iter().min_by(|p, q| p.compare(q));
            below.or(least).map_or(Cell::Null, |p| Cell::One(p.clone()))
        }
        Func::Abs => Cell::One(match a[0] {
            Value::Integer(x) => Value::Integer(x.wrapping_abs()),
            Value::Long(x) => Value::Long(x.wrapping_abs()),
            Value::Double(x) => Value::Double(x.abs()),
            other => other.clone(),
        }),
        Func::Ceil | Func::Floor => Cell::One(match a[0] {
            Value::Double(x) => Value::Double(if matches!(func, Func::Ceil) {
                x.ceil()
            } else {
                x.floor()
            }),
            other => other.clone(),
        }),
        Func::Round => round_half_up(a, ty)?,
        _ => Cell::Null,
    })
}

/// `ROUND(x, digits)`: Java's half-up rounding, exact for whole numbers.
fn round_half_up(a: &[&Value], ty: Type) -> Result<Cell, String> {
    let arg_i64 = |i: usize| a.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
    // Beyond ±400 digits every double and long rounds the same as at ±400: clamping keeps
    // the casts below exact.
    let digits = if a.len() > 1 { arg_i64(1) } else { 0 }.clamp(-400, 400);
    Ok(match a[0] {
        Value::Double(d) => {
            let f = 10f64.powi(digits as i32);
            // Java's Math.round semantics: half up.
            let r = if digits >= 0 {
                (d * f).abs().add_half_floor() * d.signum() / f
            } else {
                (d / 10f64.powi(-digits as i32)).abs().add_half_floor()
                    * d.signum()
                    * 10f64.powi(-digits as i32)
            };
            Cell::One(Value::Double(if r == 0.0 { 0.0 } else { r }))
        }
        Value::UnsignedLong(u) if digits < 0 => {
            // `Maths.round(BigInteger, decimals)`: half up, exact; past 2^64-1 overflows.
            let p = 10u128.checked_pow((-digits) as u32).unwrap_or(u128::MAX);
            let x = u128::from(*u);
            let down = x - x % p;
            let r = if x % p >= p.div_ceil(2) {
                down.saturating_add(p)
            } else {
                down
            };
            let Ok(r) = u64::try_from(r) else {
                return Err("java.lang.ArithmeticException: unsigned_long overflow".into());
            };
            Cell::One(Value::UnsignedLong(r))
        }
        whole if digits < 0 => {
            let x = whole.as_i64().unwrap_or(0);
            let p = 10i128.checked_pow((-digits) as u32).unwrap_or(i128::MAX);
            let x128 = i128::from(x);
            let r = (x128.abs() + p / 2) / p * p * x128.signum();
            let Ok(r) = i64::try_from(r) else {
                return Err(crate::document::value::LONG_OVERFLOW_MESSAGE.into());
            };
            Cell::One(match ty {
                Type::Integer => Value::Integer(r as i32),
                _ => Value::Long(r),
            })
        }
        whole => Cell::One(whole.clone()),
    })
}

trait HalfUp {
    fn add_half_floor(self) -> f64;
}

impl HalfUp for f64 {
    fn add_half_floor(self) -> f64 {
        (self + 0.5).floor()
    }
}
