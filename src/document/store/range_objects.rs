//! `date_range` and `double_range` fields of documents: `{"gte": …, "lt": …}` objects (any of
//! `gt`/`gte` and `lt`/`lte`), read from their bound leaves and turned into half-open ranges as
//! `RangeFieldMapper` with `RangeType.DATE` or `RangeType.DOUBLE` indexes them and ES|QL reads
//! them back.

use crate::document::value::{Cell, Type, Value};
use crate::document::walk::{Fields, Scalar};
use crate::document::{date_range, datetime};

#[path = "range_doubles.rs"]
mod doubles;

use super::Loader;

/// The bound keys of a range object, in the order [`Bounds`] keeps them.
const KEYS: [&str; 4] = ["gte", "gt", "lte", "lt"];

/// One range field: its id, the ids of its `gte`, `gt`, `lte` and `lt` leaves, and its type.
#[derive(Clone, Debug)]
pub(super) struct RangeField {
    pub field: u32,
    pub parts: [u32; 4],
    pub ty: Type,
}

/// The range fields of `names` with their bound leaves' ids, once `fields` holds them.
pub(super) fn resolve(names: &[(&String, Type)], fields: &Fields) -> Vec<RangeField> {
    (names.iter())
        .filter_map(|&(n, ty)| {
            let mut ids = part_names(n).map(|p| fields.get(&p));
            let mut part = || ids.next().flatten();
            let parts = [part()?, part()?, part()?, part()?];
            Some(RangeField {
                field: fields.get(n)?,
                parts,
                ty,
            })
        })
        .collect()
}

impl Loader {
    /// Fills the cell of a bound leaf (its values kept in source order for pairing) or checks
    /// a `date_range` field's own leaves (objects only: a bare value fails the document);
    /// `false` for any other field.
    pub(super) fn fill_range_group(
        &mut self,
        id: u32,
        group: &[(u32, Scalar)],
    ) -> Result<bool, String> {
        let cell = id as usize;
        if let Some(r) = (self.range_parts.iter()).find(|r| r.parts.contains(&id)) {
            let read = if r.ty == Type::DoubleRange {
                doubles::bound_leaf
            } else {
                bound_leaf
            };
            let values = (group.iter())
                .map(|(_, leaf)| read(leaf))
                .collect::<Result<_, _>>()
                .map_err(|m| format!("field [{}]: {m}", self.fields.names[cell]))?;
            self.cells[cell] = Cell::from_values(values);
            return Ok(true);
        }
        let ty = match self.type_of(id, &group[0].1) {
            Some(ty @ (Type::DateRange | Type::DoubleRange)) => ty,
            _ => return Ok(false),
        };
        if let Some((_, leaf)) = group.iter().find(|(_, l)| !matches!(l, Scalar::Object)) {
            let m = super::to_value(leaf, ty, id, &mut self.interner).err();
            let name = &self.fields.names[cell];
            return Err(format!("field [{name}]: {}", m.unwrap_or_default()));
        }
        Ok(true)
    }

    /// Ranges from each `date_range` field's bound leaves ([`ranges`]), after the document.
    pub(super) fn pair_range_objects(&mut self) -> Result<(), String> {
        for r in &self.range_parts {
            let bounds = take_bounds(&mut self.cells, r.parts);
            if bounds.iter().all(Vec::is_empty) {
                continue;
            }
            let name = &self.fields.names[r.field as usize];
            let ranges = if r.ty == Type::DoubleRange {
                doubles::ranges(bounds)
            } else {
                ranges(bounds)
            };
            let ranges = ranges.map_err(|m| format!("field [{name}]: {m}"))?;
            let cell = Cell::from_values(ranges).into_doc_values(r.ty);
            self.cells[r.field as usize] = cell;
        }
        Ok(())
    }
}

/// The leaf names to read for a range field `name`.
pub(super) fn part_names(name: &str) -> impl Iterator<Item = String> + '_ {
    KEYS.iter().map(move |k| format!("{name}.{k}"))
}

/// A bound leaf as a value, in source order: strings stay strings (parsed with the bound's
/// rounding later), numbers are epoch milliseconds. A number outside a long's milliseconds, a
/// boolean or an object fails the document: dropping it would silently open that end.
pub(super) fn bound_leaf(leaf: &Scalar) -> Result<Value, String> {
    const LONG_RANGE: std::ops::Range<f64> = -9.223_372_036_854_776e18..9.223_372_036_854_776e18;
    let out_of_range = |n: &dyn std::fmt::Display| {
        format!("a range bound [{n}] is outside the epoch milliseconds a long holds")
    };
    match leaf {
        Scalar::Str(t) => Ok(Value::str(t)),
        Scalar::I64(i) => Ok(Value::Long(*i)),
        Scalar::U64(u) => i64::try_from(*u)
            .map(Value::Long)
            .map_err(|_| out_of_range(u)),
        // `epoch_millis` keeps the whole milliseconds of a fraction.
        Scalar::F64(f) if f.is_finite() && LONG_RANGE.contains(&f.trunc()) => {
            Ok(Value::Long(f.trunc() as i64))
        }
        Scalar::F64(f) => Err(out_of_range(f)),
        Scalar::Bool(b) => Err(format!(
            "a range bound must be a date string or a number, found [{b}]"
        )),
        Scalar::Object => {
            Err("a range bound must be a date string or a number, found an object".into())
        }
    }
}

/// Milliseconds in a day less one: what `roundUp` adds to a date without a time.
const END_OF_DAY: i64 = 86_399_999;

/// A bound value in milliseconds, parsed as the default `date` format
/// (`strict_date_optional_time||epoch_millis`). `round_up` is the date-math parser's
/// `roundUp`, used for `gt` and `lte`: a date without a time stands for its last millisecond.
fn bound_millis(v: &Value, round_up: bool) -> Result<i64, String> {
    match v {
        Value::Long(ms) => Ok(*ms),
        Value::String(s) => {
            let ms = datetime::parse_iso(s)
                .or_else(|| s.trim().parse::<i64>().ok())
                .ok_or_else(|| {
                    format!(
                        "failed to parse date field [{s}] with format [strict_date_optional_time||epoch_millis]"
                    )
                })?;
            let date_only = s.len() == 10 && s.as_bytes().get(4) == Some(&b'-');
            Ok(if round_up && date_only {
                ms.saturating_add(END_OF_DAY)
            } else {
                ms
            })
        }
        _ => Err("a range bound must be a date string or a number".into()),
    }
}

/// The ranges of one field from its bound leaves (one list per key of [`KEYS`], source order).
/// Each object gives a lower bound (`gte`, or `gt` plus one millisecond; none is the earliest
/// millisecond) and an upper one (`lt`, or `lte` plus one; none is the latest): objects of an
/// array pair up by position, so every object of one array must name the same keys.
pub(super) fn ranges(bounds: [Vec<Value>; 4]) -> Result<Vec<Value>, String> {
    let [gte, gt, lte, lt] = bounds;
    if !gte.is_empty() && !gt.is_empty() || !lte.is_empty() && !lt.is_empty() {
        return Err("a date_range object gives each end once: [gte] or [gt], [lte] or [lt]".into());
    }
    let lows: Vec<i64> = if gt.is_empty() {
        (gte.iter().map(|v| bound_millis(v, false))).collect::<Result<_, _>>()?
    } else {
        (gt.iter()
            .map(|v| Ok(bound_millis(v, true)?.saturating_add(1))))
        .collect::<Result<_, String>>()?
    };
    let highs: Vec<i64> = if lte.is_empty() {
        (lt.iter().map(|v| bound_millis(v, false))).collect::<Result<_, _>>()?
    } else {
        (lte.iter()
            .map(|v| Ok(bound_millis(v, true)?.saturating_add(1))))
        .collect::<Result<_, String>>()?
    };
    let count = lows.len().max(highs.len());
    let aligned = |n: usize| n == count || n == 0;
    if !aligned(lows.len()) || !aligned(highs.len()) {
        return Err("the date_range objects of an array must all give the same bounds".into());
    }
    (0..count)
        .map(|i| {
            let from = lows.get(i).copied().unwrap_or(i64::MIN);
            let to = highs.get(i).copied().unwrap_or(i64::MAX);
            date_range::checked(from, to)
        })
        .collect()
}

/// The bound leaves' cells of a field, emptied (they are no columns).
fn take_bounds(cells: &mut [Cell], parts: [u32; 4]) -> [Vec<Value>; 4] {
    parts.map(|id| std::mem::take(&mut cells[id as usize]).into_values())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> Vec<Value> {
        vec![Value::str(t)]
    }

    #[test]
    fn bounds_become_half_open_ranges() {
        let r = ranges([s("2020-01-01"), vec![], vec![], s("2021-01-01")]).unwrap();
        assert_eq!(
            r[0].to_text(),
            "2020-01-01T00:00:00.000Z..2021-01-01T00:00:00.000Z"
        );
        // `lte` a date: up to the end of that day, included.
        let r = ranges([s("2020-01-01"), vec![], s("2020-12-31"), vec![]]).unwrap();
        assert_eq!(
            r[0].to_text(),
            "2020-01-01T00:00:00.000Z..2021-01-01T00:00:00.000Z"
        );
        // `gt` a number: the next millisecond.
        let r = ranges([vec![], vec![Value::Long(0)], vec![], vec![Value::Long(10)]]).unwrap();
        assert_eq!(r[0], Value::DateRange { from: 1, to: 10 });
        // Open ends.
        let r = ranges([vec![Value::Long(5)], vec![], vec![], vec![]]).unwrap();
        assert_eq!(
            r[0],
            Value::DateRange {
                from: 5,
                to: i64::MAX
            }
        );
    }

    #[test]
    fn bad_objects_are_refused() {
        assert!(ranges([s("x"), vec![], vec![], vec![]]).is_err());
        assert!(ranges([s("2021-01-01"), vec![], vec![], s("2020-01-01")]).is_err());
        assert!(ranges([s("2020-01-01"), s("2020-01-01"), vec![], vec![]]).is_err());
        let two = vec![Value::Long(1), Value::Long(2)];
        assert!(ranges([two, vec![], vec![], vec![Value::Long(9)]]).is_err());
    }
}
