//! Aggregate functions of `STATS`: accumulators per group, fed every value of every row.

use std::hash::{Hash, Hasher};

use crate::document::value::{Type, Value};

/// One aggregate's state per group: fed rows, merged from partials.
mod acc;
/// The aggregates' values from their states.
mod finish;
/// `SAMPLE`'s draws, its running sample cut back to about twice its limit as it grows.
mod sample;
/// `TOP`'s lists cut back to about twice their limit as they grow.
mod top;

pub use acc::Acc;

pub fn is_aggregate(name: &str) -> bool {
    matches!(
        name,
        "count"
            | "count_distinct"
            | "values"
            | "min"
            | "max"
            | "sum"
            | "avg"
            | "top"
            | "median"
            | "median_absolute_deviation"
            | "std_dev"
            | "variance"
            | "std_var"
            | "present"
            | "absent"
            | "percentile"
            | "first"
            | "last"
            | "all_first"
            | "all_last"
            | "earliest"
            | "latest"
            | "sample"
            | "weighted_avg"
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggKind {
    /// `COUNT(*)`: rows.
    CountRows,
    Count,
    CountDistinct,
    Values,
    Min,
    Max,
    Sum,
    Avg,
    Top {
        limit: usize,
        desc: bool,
    },
    Median,
    /// `PERCENTILE(x, p)`: the bits of `p` (0 to 100), so the kind stays `Eq`.
    Percentile(u64),
    /// `MEDIAN_ABSOLUTE_DEVIATION`: the median of the distances to the median.
    MedianAbsoluteDeviation,
    /// Population variance (`VARIANCE`, `STD_VAR`).
    Variance,
    /// Population standard deviation.
    StdDev,
    /// Whether any value was seen (`PRESENT`), or none (`ABSENT`).
    Present,
    Absent,
    /// `FIRST(value, sort)` / `LAST(value, sort)`: the whole value of the row with the lowest
    /// (highest) sort key; see [`Acc::add_by`].
    First,
    Last,
    /// `FIRST`/`LAST` whose sort key is a constant: the value of the first row, as
    /// Elasticsearch's "any value" aggregator.
    AnyValue,
    /// `TOP(field, limit, order, outputField)`: the output values of the top field values.
    TopBy {
        limit: usize,
        desc: bool,
    },
    /// `SAMPLE(field, limit)`: at most `limit` of the values, drawn with `seed` (see
    /// [`sample_values`]).
    Sample {
        limit: usize,
        seed: u64,
    },
}

impl AggKind {
    /// The result type for an input of type `input`.
    pub fn result_type(self, input: Type) -> Type {
        match self {
            AggKind::CountRows | AggKind::Count | AggKind::CountDistinct => Type::Long,
            AggKind::Avg
            | AggKind::Median
            | AggKind::Percentile(_)
            | AggKind::MedianAbsoluteDeviation
            | AggKind::Variance
            | AggKind::StdDev => Type::Double,
            AggKind::Present | AggKind::Absent => Type::Boolean,
            AggKind::Sum => match input {
                Type::Double => Type::Double,
                Type::UnsignedLong => Type::UnsignedLong,
                Type::Null => Type::Null,
                _ => Type::Long,
            },
            _ => input,
        }
    }
}

/// A value usable as a hash key: numbers of one column share a type, so per-type hashing is
/// consistent with [`Value::compare`] equality.
#[derive(Clone, Debug)]
pub struct Key(pub Value);

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        key_eq(&self.0, &other.0)
    }
}
impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_key(&self.0, state)
    }
}

/// Equality of grouping keys: doubles by their bits, everything else as [`Value::compare`].
pub fn key_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Double(a), Value::Double(b)) => a.to_bits() == b.to_bits(),
        (a, b) => a.compare(b).is_eq(),
    }
}

/// The hash of a grouping key, consistent with [`key_eq`] for values of one column.
pub fn hash_key<H: Hasher>(value: &Value, state: &mut H) {
    match value {
        Value::Boolean(b) => b.hash(state),
        Value::Integer(v) => (*v as i128).hash(state),
        Value::Long(v) | Value::Datetime(v) | Value::Duration(v) | Value::DateNanos(v) => {
            (*v as i128).hash(state)
        }
        Value::UnsignedLong(v) => (*v as i128).hash(state),
        Value::Double(v) => v.to_bits().hash(state),
        Value::String(s) | Value::Version(s) => s.hash(state),
        Value::Ip(b) => b.hash(state),
        Value::Period { months, days } => (months, days).hash(state),
        Value::GeoPoint { x, y } => (x.to_bits(), y.to_bits()).hash(state),
        Value::DateRange { from, to } => (from, to).hash(state),
        Value::DoubleRange { from, to } => (from.to_bits(), to.to_bits()).hash(state),
    }
}

#[cfg(test)]
mod bounded_tests;
#[cfg(test)]
mod tests;
