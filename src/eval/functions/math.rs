//! Math functions over doubles (trigonometric, hyperbolic, logarithms, `HYPOT`, `COPY_SIGN`,
//! `SCALB`) and the numeric multivalue reductions `MV_PERCENTILE`, `MV_PSERIES_WEIGHTED_SUM`,
//! `MV_MEDIAN_ABSOLUTE_DEVIATION`, with Elasticsearch's warnings for out-of-range input.

use crate::document::value::{Type, Value};

/// A one-argument function from a number to a double.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unary {
    Acos,
    Acosh,
    Asin,
    Asinh,
    Atan,
    Atanh,
    Cbrt,
    Cos,
    Cosh,
    Exp,
    Sin,
    Sinh,
    Tan,
    Tanh,
    ToDegrees,
    ToRadians,
}

impl Unary {
    pub fn from_name(name: &str) -> Option<Unary> {
        Some(match name {
            "acos" => Unary::Acos,
            "acosh" => Unary::Acosh,
            "asin" => Unary::Asin,
            "asinh" => Unary::Asinh,
            "atan" => Unary::Atan,
            "atanh" => Unary::Atanh,
            "cbrt" => Unary::Cbrt,
            "cos" => Unary::Cos,
            "cosh" => Unary::Cosh,
            "exp" => Unary::Exp,
            "sin" => Unary::Sin,
            "sinh" => Unary::Sinh,
            "tan" => Unary::Tan,
            "tanh" => Unary::Tanh,
            "to_degrees" => Unary::ToDegrees,
            "to_radians" => Unary::ToRadians,
            _ => return None,
        })
    }

    /// Elasticsearch's evaluator: out-of-range input and overflow are `ArithmeticException`s
    /// (a warning and null), as in its `Acos`, `Asin`, `Atanh`, `Cosh` and `Sinh`.
    pub fn apply(self, x: f64) -> Result<f64, String> {
        let arith = |m: &str| Err(format!("java.lang.ArithmeticException: {m}"));
        let overflow_checked = |r: f64, m: &str| if r.is_finite() { Ok(r) } else { arith(m) };
        match self {
            Unary::Acos if x.abs() > 1.0 => arith("Acos input out of range"),
            Unary::Acos => Ok(x.acos()),
            Unary::Acosh if x < 1.0 => arith("Acosh input out of range"),
            Unary::Acosh => Ok(x.acosh()),
            Unary::Asin if x.abs() > 1.0 => arith("Asin input out of range"),
            Unary::Asin => Ok(x.asin()),
            Unary::Asinh => Ok(x.asinh()),
            Unary::Atan => Ok(x.atan()),
            Unary::Atanh if x <= -1.0 || x >= 1.0 => arith("Atanh input out of range"),
            Unary::Atanh => Ok(x.atanh()),
            Unary::Cbrt => Ok(x.cbrt()),
            Unary::Cos => Ok(x.cos()),
            Unary::Cosh => overflow_checked(x.cosh(), "cosh overflow"),
            Unary::Exp => overflow_checked(x.exp(), "exp overflow"),
            Unary::Sin => Ok(x.sin()),
            Unary::Sinh => overflow_checked(x.sinh(), "sinh overflow"),
            Unary::Tan => Ok(x.tan()),
            Unary::Tanh => Ok(x.tanh()),
            Unary::ToDegrees => overflow_checked(x.to_degrees(), "to_degrees overflow"),
            Unary::ToRadians => Ok(x.to_radians()),
        }
    }
}

/// `LOG(value)` (natural) or `LOG(base, value)`: `Math.log10(value) / Math.log10(base)` as
/// Elasticsearch's `Log`, with Java's correctly rounded `log10` (`LOG(2, 8)` is `3.0`,
/// `LOG(10^12, 10)` is `0.08333333333333333`, `LOG(5, 56371)` is `6.797224072039991`).
pub fn log(base: Option<f64>, value: f64) -> Result<f64, String> {
    let non_positive = || Err("java.lang.ArithmeticException: Log of non-positive number".into());
    if value <= 0.0 || base.is_some_and(|b| b <= 0.0) {
        return non_positive();
    }
    match base {
        None => Ok(value.ln()),
        Some(1.0) => Err("java.lang.ArithmeticException: Log of base 1".into()),
        Some(b) => Ok(super::java_math::log10(value) / super::java_math::log10(b)),
    }
}

/// `HYPOT(a, b)` with Java's `Math.hypot` (fdlibm); infinite results are an overflow.
pub fn hypot(a: f64, b: f64) -> Result<f64, String> {
    let r = super::java_math::hypot(a, b);
    if r.is_finite() {
        Ok(r)
    } else {
        Err("java.lang.ArithmeticException: hypot overflow".into())
    }
}

/// `SCALB(d, n)`: `d · 2ⁿ`; a result that is not finite is an overflow.
pub fn scalb(d: f64, n: i64) -> Result<f64, String> {
    let n = n.clamp(-2200, 2200) as i32;
    let r = d * 2f64.powi(n.clamp(-1074, 1023)) * 2f64.powi(n - n.clamp(-1074, 1023));
    if r.is_finite() {
        Ok(r)
    } else {
        Err(crate::eval::arith::not_finite(r))
    }
}

/// `COPY_SIGN(magnitude, sign)`: the magnitude's absolute value with the sign's sign, in the
/// magnitude's type. `-0.0` counts as negative for a double sign, as in Java's `Math.copySign`.
pub fn copy_sign(magnitude: &Value, sign: &Value, ty: Type) -> Result<Value, String> {
    let negative = match sign {
        Value::Double(d) => d.is_sign_negative(),
        other => other.as_i64().is_some_and(|i| i < 0),
    };
    Ok(match (magnitude, ty) {
        (Value::Integer(i), _) => {
            let abs = i.checked_abs();
            let r = if negative {
                i.checked_abs().map(|a| -a)
            } else {
                abs
            };
            // `-|MIN|` is MIN itself; only `+|MIN|` overflows.
            let r = if negative && *i == i32::MIN {
                Some(i32::MIN)
            } else {
                r
            };
            Value::Integer(r.ok_or("java.lang.ArithmeticException: integer overflow")?)
        }
        (Value::Long(i), _) => {
            let r = if negative && *i == i64::MIN {
                Some(i64::MIN)
            } else {
                i.checked_abs().map(|a| if negative { -a } else { a })
            };
            Value::Long(r.ok_or("java.lang.ArithmeticException: long overflow")?)
        }
        (other, _) => {
            let m = other.as_f64().unwrap_or(0.0).abs();
            Value::Double(if negative { -m } else { m })
        }
    })
}

/// `MV_PERCENTILE(values, p)`: linear interpolation between the two closest ranks of the
/// sorted values, in the values' type (whole types truncate the interpolated part toward
/// zero, as Elasticsearch's `(long) (fraction * difference)`).
pub fn mv_percentile(values: &[Value], p: f64, ty: Type) -> Result<Option<Value>, String> {
    if !(0.0..=100.0).contains(&p) {
        return Err(format!(
            "java.lang.IllegalArgumentException: Percentile parameter must be a number between 0 and 100, found [{}]",
            crate::document::value::java_double(p)
        ));
    }
    if values.is_empty() {
        return Ok(None);
    }
    let mut sorted: Vec<&Value> = values.iter().collect();
    sorted.sort_by(|a, b| a.compare(b));
    let index = p / 100.0 * (sorted.len() - 1) as f64;
    let lower = index.floor() as usize;
    let fraction = index - lower as f64;
    let lo = sorted[lower];
    let hi = sorted.get(lower + 1).copied().unwrap_or(lo);
    Ok(Some(match ty {
        Type::Double => {
            let (l, h) = (lo.as_f64().unwrap_or(0.0), hi.as_f64().unwrap_or(0.0));
            Value::Double(l + fraction * (h - l))
        }
        Type::UnsignedLong => {
            let (Value::UnsignedLong(l), Value::UnsignedLong(h)) = (lo, hi) else {
                return Ok(Some(lo.clone()));
            };
            Value::UnsignedLong(l + (fraction * (h - l) as f64) as u64)
        }
        _ => {
            let (l, h) = (lo.as_i64().unwrap_or(0), hi.as_i64().unwrap_or(0));
            let step = (fraction * (h as i128 - l as i128) as f64) as i64;
            let r = l.saturating_add(step);
            if ty == Type::Integer {
                Value::Integer(r as i32)
            } else {
                Value::Long(r)
            }
        }
    }))
}

/// `MV_PSERIES_WEIGHTED_SUM(values, p)`: `Σ vᵢ / iᵖ` over the values in order (i from 1), with
/// compensated (Kahan) summation as Elasticsearch's `CompensatedSum`.
pub fn pseries_weighted_sum(values: &[f64], p: f64) -> Result<f64, String> {
    let (mut sum, mut c) = (0.0f64, 0.0f64);
    for (i, v) in values.iter().enumerate() {
        let term = v / ((i + 1) as f64).powf(p);
        let y = term - c;
        let t = sum + y;
        c = (t - sum) - y;
        sum = t;
    }
    if sum.is_finite() {
        Ok(sum)
    } else {
        Err(crate::eval::arith::not_finite(sum))
    }
}

/// The median of sorted numbers; whole types round the mean of the two middle values down, as
/// `MV_MEDIAN` does.
fn median(sorted: &[f64], whole: bool) -> f64 {
    let m = sorted.len() / 2;
    let mid = if sorted.len() % 2 == 1 {
        sorted[m]
    } else {
        (sorted[m - 1] + sorted[m]) / 2.0
    };
    if whole {
        mid.floor()
    } else {
        mid
    }
}

/// `MV_MEDIAN_ABSOLUTE_DEVIATION(values)`: the median of the deviations from the median, in the
/// values' type.
pub fn mv_median_absolute_deviation(values: &[Value], ty: Type) -> Option<Value> {
    let mut xs: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
    if xs.is_empty() {
        return None;
    }
    let whole = ty != Type::Double;
    xs.sort_by(f64::total_cmp);
    let m = median(&xs, whole);
    let mut dev: Vec<f64> = xs.iter().map(|x| (x - m).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = median(&dev, whole);
    Some(match ty {
        Type::Double => Value::Double(mad),
        Type::Integer => Value::Integer(mad as i32),
        Type::UnsignedLong => Value::UnsignedLong(mad as u64),
        _ => Value::Long(mad as i64),
    })
}
