//! `double_range` bounds of documents: each leaf a number (or a string Java reads as one), and
//! the half-open `[from, to)` range `RangeType.DOUBLE` makes of an object's bounds.

use crate::document::double_range;
use crate::document::value::Value;
use crate::document::walk::Scalar;

/// A bound leaf as a double. A `NaN` bound (`"NaN"`), a string that is no Java double, a
/// boolean or an object fails the document, naming the bound: dropping it would silently open
/// that end. An infinite bound (`"Infinity"`) is an open end, as ES|QL holds open ends.
pub(super) fn bound_leaf(leaf: &Scalar) -> Result<Value, String> {
    let number = match leaf {
        Scalar::I64(i) => *i as f64,
        Scalar::U64(u) => *u as f64,
        Scalar::F64(f) => *f,
        Scalar::Str(t) => double_range::parse_java_double(t)
            .map_err(|_| format!("a range bound [{t}] is not a number"))?,
        Scalar::Bool(b) => return Err(format!("a range bound must be a number, found [{b}]")),
        Scalar::Object => return Err("a range bound must be a number, found an object".into()),
    };
    if number.is_nan() {
        return Err("a range bound [NaN] is not a number".into());
    }
    Ok(Value::Double(number))
}

/// The doubles of one bound list (each already read by [`bound_leaf`]); `next` moves a bound
/// to the next double up (`gt` and `lte`: the half-open range's ends).
fn bounds(values: &[Value], next: bool) -> Vec<f64> {
    (values.iter())
        .filter_map(Value::as_f64)
        .map(|d| if next { next_up(d) } else { d })
        .collect()
}

/// Java's `Math.nextUp` (`f64::next_up` is newer than the crate's minimum Rust version).
fn next_up(d: f64) -> f64 {
    if d.is_nan() || d == f64::INFINITY {
        return d;
    }
    if d == 0.0 {
        return f64::from_bits(1);
    }
    let bits = d.to_bits();
    f64::from_bits(if d > 0.0 { bits + 1 } else { bits - 1 })
}

/// The ranges of one field from its bound leaves (`gte`, `gt`, `lte`, `lt`, source order), as
/// the date ranges' (`super::ranges`): `gt x` starts at the double after `x`, `lte x` ends
/// after `x`; a missing end is infinite; objects of an array pair up by position.
pub(super) fn ranges(bounds_by_key: [Vec<Value>; 4]) -> Result<Vec<Value>, String> {
    let [gte, gt, lte, lt] = bounds_by_key;
    if !gte.is_empty() && !gt.is_empty() || !lte.is_empty() && !lt.is_empty() {
        return Err(
            "a double_range object gives each end once: [gte] or [gt], [lte] or [lt]".into(),
        );
    }
    let lows = if gt.is_empty() {
        bounds(&gte, false)
    } else {
        bounds(&gt, true)
    };
    let highs = if lte.is_empty() {
        bounds(&lt, false)
    } else {
        bounds(&lte, true)
    };
    let count = lows.len().max(highs.len());
    let aligned = |n: usize| n == count || n == 0;
    if !aligned(lows.len()) || !aligned(highs.len()) {
        return Err("the double_range objects of an array must all give the same bounds".into());
    }
    (0..count)
        .map(|i| {
            let from = lows.get(i).copied().unwrap_or(f64::NEG_INFINITY);
            let to = highs.get(i).copied().unwrap_or(f64::INFINITY);
            double_range::checked(from, to)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: f64) -> Vec<Value> {
        vec![Value::Double(v)]
    }

    #[test]
    fn bounds_become_half_open_ranges() {
        let r = ranges([d(1.5), vec![], vec![], d(1.6)]).unwrap();
        assert_eq!(r[0].to_text(), "1.5..1.6");
        // `lte`: the end is the next double, so 2.0 itself is in.
        let r = ranges([d(1.0), vec![], d(2.0), vec![]]).unwrap();
        assert_eq!(
            r[0],
            Value::DoubleRange {
                from: 1.0,
                to: 2.000_000_000_000_000_4
            }
        );
        let r = ranges([vec![], vec![], vec![], d(0.0)]).unwrap();
        assert_eq!(r[0].to_text(), "-Infinity..0.0");
        assert_eq!(next_up(-0.0), f64::from_bits(1));
        assert_eq!(next_up(-1.0), -0.999_999_999_999_999_9);
        assert!(ranges([d(2.0), vec![], vec![], d(1.0)]).is_err());
        assert!(ranges([d(1.0), d(1.0), vec![], vec![]]).is_err());
    }

    #[test]
    fn bad_bounds_fail_naming_the_bound() {
        let nan = bound_leaf(&Scalar::Str("NaN".into())).unwrap_err();
        assert_eq!(nan, "a range bound [NaN] is not a number");
        let word = bound_leaf(&Scalar::Str("tall".into())).unwrap_err();
        assert_eq!(word, "a range bound [tall] is not a number");
        assert!(bound_leaf(&Scalar::Bool(true)).is_err());
        assert_eq!(
            bound_leaf(&Scalar::Str("Infinity".into())).unwrap(),
            Value::Double(f64::INFINITY)
        );
    }
}
