//! The numeric type a lookup field is indexed as, and the term a join key becomes in it.
//!
//! Elasticsearch's lookup operator queries the lookup index with the field's own term query
//! (`QueryList.rawTermQueryList`: `field.termQuery(value)` with the input block's Java value),
//! so a key is converted the way the lookup field's mapper parses a query value:
//! - `byte`, `short`, `integer`, `long`: a value with a decimal part, or out of the type's
//!   range, matches nothing; a `double` is read through its decimal text, as
//!   `Numbers.toLong` does, so `-9.223372036854776E18` is out of the `long` range;
//! - `double`: the value as a double (a `long` rounds to the nearest double);
//! - `float`: the value rounded to a float; an infinite one matches nothing;
//! - `half_float`: rounded to a float, then to a half float; beyond the half-float range
//!   matches nothing;
//! - `scaled_float`: `Math.round(value * scaling_factor)` as a long (saturating), compared with
//!   the document's stored long.
//!
//! Both sides of an equality go through the same conversion, so a lookup document's value
//! (already read at its indexed precision) keys as its stored term does.

use std::fmt::Write;

use crate::document::value::Value;

/// A numeric field type as the lookup index maps it. Fields the engine types as `integer`,
/// `long` or `double` without saying more join by value, as before (no entry).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum IndexedNumeric {
    Byte,
    Short,
    Integer,
    Long,
    HalfFloat,
    Float,
    Double,
    /// `scaled_float` with its `scaling_factor`.
    ScaledFloat(f64),
}

impl IndexedNumeric {
    /// The kind for a mapping type name (`scaled_float` takes its factor, Elasticsearch's
    /// required parameter); `None` for a non-numeric or unmodelled type.
    pub fn from_mapping(type_name: &str, scaling_factor: Option<f64>) -> Option<IndexedNumeric> {
        Some(match type_name {
            "byte" => IndexedNumeric::Byte,
            "short" => IndexedNumeric::Short,
            "integer" => IndexedNumeric::Integer,
            "long" => IndexedNumeric::Long,
            "half_float" => IndexedNumeric::HalfFloat,
            "float" => IndexedNumeric::Float,
            "double" => IndexedNumeric::Double,
            "scaled_float" => {
                let factor = scaling_factor?;
                if !(factor.is_finite() && factor > 0.0) {
                    return None;
                }
                IndexedNumeric::ScaledFloat(factor)
            }
            _ => return None,
        })
    }

    /// The term `v` queries this field with; `None` when the query matches nothing.
    pub fn term(self, v: &Value) -> Option<Term> {
        use IndexedNumeric as K;
        match self {
            K::Byte => integral(v, i8::MIN.into(), i8::MAX.into()),
            K::Short => integral(v, i16::MIN.into(), i16::MAX.into()),
            K::Integer => integral(v, i32::MIN.into(), i32::MAX.into()),
            K::Long => integral(v, i64::MIN.into(), i64::MAX.into()),
            K::Double => as_double(v).map(|d| Term::Double(d.to_bits())),
            K::Float => {
                let f = as_double(v)? as f32;
                f.is_finite().then(|| Term::Float(f.to_bits()))
            }
            K::HalfFloat => half_float(as_double(v)? as f32).map(|h| Term::HalfFloat(h.to_bits())),
            K::ScaledFloat(factor) => Some(Term::Scaled(java_round(as_double(v)? * factor))),
        }
    }
}

/// A term of an indexed numeric field, as the field stores it: a value, not its text, so that
/// keying a row costs no allocation. Two values key alike exactly when their terms are equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Term {
    /// `byte`, `short`, `integer`, `long`: the whole number.
    Integral(i128),
    /// `double`: the double's bits.
    Double(u64),
    /// `float`: the float's bits.
    Float(u32),
    /// `half_float`: the half float, as the float holding it.
    HalfFloat(u32),
    /// `scaled_float`: the stored long.
    Scaled(i64),
}

/// `Number.doubleValue()` of a key.
fn as_double(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(f64::from(*i)),
        Value::Long(i) => Some(*i as f64),
        Value::Double(d) => Some(*d),
        _ => None,
    }
}

/// The integer an integral field's term query looks for, within `[min, max]`.
fn integral(v: &Value, min: i128, max: i128) -> Option<Term> {
    let n: i128 = match v {
        Value::Integer(i) => (*i).into(),
        Value::Long(i) => (*i).into(),
        Value::Double(d) => double_as_integer(*d)?,
        _ => return None,
    };
    (min..=max).contains(&n).then_some(Term::Integral(n))
}

/// A whole double's value as Java reads it back from `Double.toString` (its shortest decimal
/// text, which Rust prints the same way); `None` for a decimal part, NaN or infinity, or a
/// magnitude no integer field can hold.
fn double_as_integer(d: f64) -> Option<i128> {
    if !d.is_finite() || d.fract() != 0.0 || d.abs() >= 1e30 {
        return None;
    }
    // Printed on the stack: a key is converted per row.
    let mut text = StackText::new();
    write!(text, "{:e}", d.abs()).ok()?;
    let (mantissa, exponent) = text.as_str().split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let shift = exponent - i32::try_from(fraction.len()).ok()?;
    if shift < 0 {
        // A whole number prints no more fraction digits than its exponent allows.
        return None;
    }
    let mut n: i128 = 0;
    for digit in whole.bytes().chain(fraction.bytes()) {
        n = n
            .checked_mul(10)?
            .checked_add(i128::from(digit.wrapping_sub(b'0')))?;
    }
    for _ in 0..shift {
        n = n.checked_mul(10)?;
    }
    Some(if d < 0.0 { -n } else { n })
}

/// Text written into a fixed buffer (a double below 1e30 in `{:e}` form is at most 24 bytes);
/// writing more fails.
struct StackText {
    bytes: [u8; 32],
    len: usize,
}

impl StackText {
    fn new() -> StackText {
        StackText {
            bytes: [0; 32],
            len: 0,
        }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let room = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// `Math.round(double)`: the closest long, ties towards positive infinity, saturating at the
/// long range, NaN as 0.
fn java_round(x: f64) -> i64 {
    if x.is_nan() {
        return 0;
    }
    let floor = x.floor();
    let rounded = if x - floor >= 0.5 { floor + 1.0 } else { floor };
    rounded as i64
}

/// A float rounded to the nearest half float (ties to even), as Lucene's `HalfFloatPoint`
/// encodes it, back as a float; `None` beyond the half-float range (it would be infinite).
fn half_float(f: f32) -> Option<f32> {
    if !f.is_finite() {
        return None;
    }
    let x = f64::from(f);
    if x == 0.0 {
        return Some(f);
    }
    // The spacing of half floats around `x`: 2^(e-10), e the binary exponent (at least -14,
    // the subnormal range).
    let exponent = ((x.abs().to_bits() >> 52) & 0x7ff) as i32 - 1023;
    let quantum = 2f64.powi(exponent.max(-14) - 10);
    let rounded = (x / quantum).round_ties_even() * quantum;
    // 65504 is the largest half float; 65520 and beyond round to infinity.
    (rounded.abs() <= 65504.0).then_some(rounded as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(k: IndexedNumeric, v: Value) -> Option<Term> {
        k.term(&v)
    }

    #[test]
    fn integral_fields_refuse_fractions_and_out_of_range_values() {
        use IndexedNumeric as K;
        assert_eq!(
            term(K::Byte, Value::Integer(127)),
            Some(Term::Integral(127))
        );
        assert_eq!(term(K::Byte, Value::Integer(128)), None);
        assert_eq!(
            term(K::Short, Value::Double(-32768.0)),
            Some(Term::Integral(-32768))
        );
        assert_eq!(term(K::Integer, Value::Double(2.5)), None);
        assert_eq!(term(K::Integer, Value::Double(2_147_483_648.0)), None);
        assert_eq!(
            term(K::Long, Value::Long(i64::MIN)),
            Some(Term::Integral(i64::MIN.into()))
        );
        // `-9.223372036854776E18` reads back as -9223372036854776000: below the long range.
        assert_eq!(term(K::Long, Value::Double(i64::MIN as f64)), None);
        assert_eq!(
            term(K::Long, Value::Double(-2_147_483_649.0)),
            Some(Term::Integral(-2_147_483_649))
        );
        assert_eq!(term(K::Long, Value::Double(f64::NAN)), None);
    }

    /// The text route `double_as_integer` took before it printed on the stack: the reference.
    fn by_heap_text(d: f64) -> Option<i128> {
        if !d.is_finite() || d.fract() != 0.0 || d.abs() >= 1e30 {
            return None;
        }
        let text = format!("{:e}", d.abs());
        let (mantissa, exponent) = text.split_once('e')?;
        let exponent: i32 = exponent.parse().ok()?;
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let shift = exponent - i32::try_from(fraction.len()).ok()?;
        let mut n: i128 = format!("{whole}{fraction}").parse().ok()?;
        if shift < 0 {
            return None;
        }
        for _ in 0..shift {
            n = n.checked_mul(10)?;
        }
        Some(if d < 0.0 { -n } else { n })
    }

    #[test]
    fn whole_doubles_read_back_as_their_text_says() {
        for d in [
            0.0,
            -0.0,
            1.0,
            -2_147_483_649.0,
            i64::MIN as f64,
            i64::MAX as f64,
            9.999_999_999_999_999e29,
            1e30,
            123_456_789_012_345_680.0,
            0.5,
            f64::MAX,
            f64::NAN,
        ] {
            assert_eq!(double_as_integer(d), by_heap_text(d), "{d:e}");
        }
        assert_eq!(
            double_as_integer(i64::MIN as f64),
            Some(-9_223_372_036_854_776_000)
        );
    }

    #[quickcheck_macros::quickcheck]
    fn whole_doubles_read_back_as_by_heap_text(bits: u64, whole: i64, exponent: u8) -> bool {
        let scaled = whole as f64 * 10f64.powi(i32::from(exponent % 32));
        let arbitrary = f64::from_bits(bits);
        [scaled, arbitrary, arbitrary.trunc()]
            .into_iter()
            .all(|d| double_as_integer(d) == by_heap_text(d))
    }

    #[test]
    fn float_fields_round_the_key_to_their_precision() {
        use IndexedNumeric as K;
        // 2147483646 and 2147483647 are both the float 2147483648.
        assert_eq!(
            term(K::Float, Value::Integer(2_147_483_646)),
            term(K::Float, Value::Long(2_147_483_648))
        );
        assert_eq!(term(K::Float, Value::Double(3.4028234663852886e39)), None);
        // -65505 is the half float -65504; 2147483646 is beyond the half-float range.
        assert_eq!(
            term(K::HalfFloat, Value::Integer(-65505)),
            term(K::HalfFloat, Value::Double(-65504.0))
        );
        assert_eq!(
            term(K::HalfFloat, Value::Integer(32767)),
            term(K::HalfFloat, Value::Integer(32768))
        );
        assert_ne!(
            term(K::HalfFloat, Value::Integer(2047)),
            term(K::HalfFloat, Value::Integer(2048))
        );
        assert_eq!(term(K::HalfFloat, Value::Integer(65520)), None);
        assert_eq!(term(K::HalfFloat, Value::Integer(2_147_483_646)), None);
        // A long rounds to the nearest double.
        assert_eq!(
            term(K::Double, Value::Long(i64::MAX - 1)),
            term(K::Double, Value::Double(9.223372036854776e18))
        );
    }

    #[test]
    fn scaled_floats_compare_their_saturated_scaled_longs() {
        let k = IndexedNumeric::from_mapping("scaled_float", Some(100.0)).unwrap();
        assert_eq!(
            term(k, Value::Double(1.005)),
            term(k, Value::Double(1.0049999))
        );
        assert_eq!(
            term(k, Value::Long(i64::MIN)),
            term(k, Value::Double(-3.4028234663852886e38))
        );
        assert_eq!(term(k, Value::Long(i64::MIN)), Some(Term::Scaled(i64::MIN)));
        assert_eq!(java_round(-2.5), -2);
        assert_eq!(java_round(2.5), 3);
        assert_eq!(IndexedNumeric::from_mapping("scaled_float", None), None);
        assert_eq!(IndexedNumeric::from_mapping("keyword", None), None);
    }
}
