//! Aggregate functions of `STATS`: accumulators per group, fed every value of every row.

use std::hash::{Hash, Hasher};

use rustc_hash::FxHashSet;

use super::expr::Ctx;
use crate::document::value::LONG_OVERFLOW_MESSAGE;
use crate::document::value::{Cell, Type, Value};

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

/// One aggregate's running state for one group.
#[derive(Clone, Debug)]
pub enum Acc {
    Count(i64),
    Distinct(FxHashSet<Key>),
    Values(Vec<Value>, FxHashSet<Key>),
    Extreme(Option<Value>),
    SumWhole(Option<i128>),
    SumDouble {
        sum: f64,
        compensation: f64,
        seen: bool,
    },
    Avg {
        sum: f64,
        compensation: f64,
        count: u64,
    },
    List(Vec<Value>),
    /// `FIRST`/`LAST`: the best sort key so far and the value cell of its row; `held` once
    /// any row was kept (a row with a null sort key is kept only while no row had a key).
    Earliest {
        key: Option<Value>,
        value: Cell,
        held: bool,
    },
    /// `FIRST`/`LAST` by a constant: the first row's value cell, once a row was seen.
    Any(Option<Cell>),
    /// `TOP` with an output field: (field value, output value) pairs.
    Pairs(Vec<(Value, Value)>),
    /// Welford's online mean and sum of squared deviations, as Elasticsearch's
    /// `WelfordAlgorithm`.
    Welford {
        mean: f64,
        m2: f64,
        count: u64,
    },
    /// A partial of an aggregate whose result depends on the order of its inputs (a double
    /// sum, `AVG`, `VARIANCE`): the inputs, replayed in order when merged (see [`Acc::merge`]).
    Replay(Vec<f64>),
}

impl Acc {
    pub fn new(kind: AggKind, input: Type) -> Acc {
        match kind {
            AggKind::CountRows | AggKind::Count | AggKind::Present | AggKind::Absent => {
                Acc::Count(0)
            }
            AggKind::Variance | AggKind::StdDev => Acc::Welford {
                mean: 0.0,
                m2: 0.0,
                count: 0,
            },
            AggKind::CountDistinct => Acc::Distinct(FxHashSet::default()),
            AggKind::Values => Acc::Values(Vec::new(), FxHashSet::default()),
            AggKind::Min | AggKind::Max => Acc::Extreme(None),
            AggKind::Sum if input == Type::Double => Acc::SumDouble {
                sum: 0.0,
                compensation: 0.0,
                seen: false,
            },
            AggKind::Sum => Acc::SumWhole(None),
            AggKind::Avg => Acc::Avg {
                sum: 0.0,
                compensation: 0.0,
                count: 0,
            },
            AggKind::Top { .. }
            | AggKind::Sample { .. }
            | AggKind::Median
            | AggKind::Percentile(_)
            | AggKind::MedianAbsoluteDeviation => Acc::List(Vec::new()),
            AggKind::First | AggKind::Last => Acc::Earliest {
                key: None,
                value: Cell::Null,
                held: false,
            },
            AggKind::AnyValue => Acc::Any(None),
            AggKind::TopBy { .. } => Acc::Pairs(Vec::new()),
        }
    }

    /// The state of a partial aggregate, merged later into one made by [`Acc::new`]: an
    /// order-dependent floating-point aggregate keeps its inputs instead of summing them, so the
    /// merged result is the one of feeding every row in order, bit for bit.
    pub fn partial(kind: AggKind, input: Type) -> Acc {
        match Acc::new(kind, input) {
            Acc::SumDouble { .. } | Acc::Avg { .. } | Acc::Welford { .. } => {
                Acc::Replay(Vec::new())
            }
            acc => acc,
        }
    }

    /// Merges `later`, the partial state of rows that come after every row `self` has seen, as
    /// if those rows had been fed to `self` in order.
    pub fn merge(&mut self, kind: AggKind, later: Acc) {
        match (self, later) {
            (Acc::Count(n), Acc::Count(m)) => *n += m,
            (Acc::Distinct(set), Acc::Distinct(more)) => set.extend(more),
            (Acc::Values(list, seen), Acc::Values(more, _)) => {
                for v in more {
                    if seen.insert(Key(v.clone())) {
                        list.push(v);
                    }
                }
            }
            // The first of the later extremes, if it beats ours: as feeding its values would.
            (acc @ Acc::Extreme(_), Acc::Extreme(Some(v))) => acc.add(kind, &Cell::One(v)),
            (Acc::SumWhole(sum), Acc::SumWhole(Some(more))) => {
                *sum = Some(sum.unwrap_or(0) + more);
            }
            (acc, Acc::Replay(xs)) => {
                for x in xs {
                    acc.add_f64(x);
                }
            }
            (Acc::List(list), Acc::List(more)) => list.extend(more),
            (Acc::Pairs(pairs), Acc::Pairs(more)) => pairs.extend(more),
            // Only a strictly better key replaces ours, as in `add_by`.
            (
                Acc::Earliest { key, value, held },
                Acc::Earliest {
                    key: Some(k),
                    value: v,
                    ..
                },
            ) => {
                let better = match key {
                    None => true,
                    Some(ours) if kind == AggKind::Last => k.compare(ours).is_gt(),
                    Some(ours) => k.compare(ours).is_lt(),
                };
                if better {
                    *key = Some(k);
                    *value = v;
                    *held = true;
                }
            }
            // The later rows only had null sort keys: their first is kept if ours had none.
            (
                Acc::Earliest {
                    value, held: false, ..
                },
                Acc::Earliest {
                    key: None,
                    value: v,
                    held: true,
                },
            ) => {
                *value = v;
            }
            (Acc::Any(first), Acc::Any(later)) if first.is_none() => *first = later,
            // The later partial saw no value.
            _ => {}
        }
    }

    /// Feeds one input of an order-dependent floating-point aggregate, as `add` does with
    /// the value's `as_f64`.
    fn add_f64(&mut self, x: f64) {
        match self {
            Acc::SumDouble {
                sum,
                compensation,
                seen,
            } => {
                kahan(sum, compensation, x);
                *seen = true;
            }
            Acc::Avg {
                sum,
                compensation,
                count,
            } => {
                kahan(sum, compensation, x);
                *count += 1;
            }
            Acc::Welford { mean, m2, count } => {
                *count += 1;
                let delta = x - *mean;
                *mean += delta / *count as f64;
                *m2 += delta * (x - *mean);
            }
            Acc::Replay(xs) => xs.push(x),
            _ => {}
        }
    }

    /// Feeds one row of a two-input aggregate: `cell` is the first argument, `by` the second
    /// (`FIRST`/`LAST`'s sort key, `TOP`'s output field).
    pub fn add_by(&mut self, kind: AggKind, cell: &Cell, by: &Cell) {
        match self {
            // A row whose sort key is null sorts last: it wins only a group where no row has
            // a key, and then the first such row does (`stats_first_last.csv-spec`: `FIRST(d,
            // @timestamp) BY status` gives the `yellow` group, whose one row has no timestamp,
            // that row's value). A multivalued key counts as its lowest value for `FIRST` and
            // its highest for `LAST`. Only a strictly better key replaces the value, so of
            // equal keys the earliest row wins (in Elasticsearch, whichever its data order met
            // first). The value is kept whole: null or multivalued as it is in that row
            // (`first_agg_with_null_and_mv_support`).
            Acc::Earliest { key, value, held } => {
                let last = kind == AggKind::Last;
                let candidate = by.values().iter().reduce(|a, b| {
                    let b_wins = if last {
                        b.compare(a).is_gt()
                    } else {
                        b.compare(a).is_lt()
                    };
                    if b_wins {
                        b
                    } else {
                        a
                    }
                });
                let Some(candidate) = candidate else {
                    if !*held {
                        *value = cell.clone();
                        *held = true;
                    }
                    return;
                };
                let better = match key {
                    None => true,
                    Some(k) if last => candidate.compare(k).is_gt(),
                    Some(k) => candidate.compare(k).is_lt(),
                };
                if better {
                    *key = Some(candidate.clone());
                    *value = cell.clone();
                    *held = true;
                }
            }
            // Every pair of the two multivalues, as Elasticsearch's generated two-input
            // aggregators; a row with either input null is skipped.
            Acc::Pairs(pairs) => {
                for v in cell.values() {
                    for out in by.values() {
                        pairs.push((v.clone(), out.clone()));
                    }
                }
            }
            _ => self.add(kind, cell),
        }
    }

    /// Feeds one row's argument cell (ignored for `COUNT(*)`).
    pub fn add(&mut self, kind: AggKind, cell: &Cell) {
        if kind == AggKind::CountRows {
            if let Acc::Count(n) = self {
                *n += 1;
            }
            return;
        }
        if let Acc::Any(first) = self {
            // The first row's value, null or multivalued as it is.
            first.get_or_insert_with(|| cell.clone());
            return;
        }
        for v in cell.values() {
            match self {
                Acc::Count(n) => *n += 1,
                Acc::Distinct(set) => {
                    set.insert(Key(v.clone()));
                }
                Acc::Values(list, seen) => {
                    if seen.insert(Key(v.clone())) {
                        list.push(v.clone());
                    }
                }
                Acc::Extreme(best) => {
                    let better = match best {
                        None => true,
                        Some(b) => {
                            let o = v.compare(b);
                            if kind == AggKind::Min {
                                o.is_lt()
                            } else {
                                o.is_gt()
                            }
                        }
                    };
                    if better {
                        *best = Some(v.clone());
                    }
                }
                Acc::SumWhole(sum) => {
                    let x = match v {
                        Value::Integer(x) => *x as i128,
                        Value::Long(x) => *x as i128,
                        Value::UnsignedLong(x) => *x as i128,
                        _ => 0,
                    };
                    *sum = Some(sum.unwrap_or(0) + x);
                }
                Acc::SumDouble { .. } | Acc::Avg { .. } | Acc::Welford { .. } | Acc::Replay(_) => {
                    self.add_f64(v.as_f64().unwrap_or(0.0))
                }
                Acc::List(list) => list.push(v.clone()),
                // Two-input aggregates are fed by `add_by`; their first row arrives above.
                Acc::Earliest { .. } | Acc::Any(_) | Acc::Pairs(_) => {}
            }
        }
    }

    /// The aggregate's value; `ty` is its result type. Overflow gives null and a warning.
    pub fn finish(self, kind: AggKind, ty: Type, ctx: &mut Ctx, site: u32) -> Cell {
        match self {
            Acc::Count(n) => match kind {
                AggKind::Present => Cell::One(Value::Boolean(n > 0)),
                AggKind::Absent => Cell::One(Value::Boolean(n == 0)),
                _ => Cell::One(Value::Long(n)),
            },
            // Partials are merged, never finished.
            Acc::Replay(_) => Cell::Null,
            Acc::Welford { count: 0, .. } => Cell::Null,
            Acc::Welford { m2, count, .. } => {
                // One value has no spread: 0, not NaN.
                let variance = if count < 2 { 0.0 } else { m2 / count as f64 };
                Cell::One(Value::Double(if kind == AggKind::StdDev {
                    variance.sqrt()
                } else {
                    variance
                }))
            }
            Acc::Distinct(set) => Cell::One(Value::Long(set.len() as i64)),
            Acc::Values(mut list, _) => {
                // Elasticsearch leaves the order unspecified; sorted output is deterministic.
                list.sort_by(|a, b| a.compare(b));
                Cell::from_values(list)
            }
            Acc::Extreme(v) => v.map_or(Cell::Null, Cell::One),
            Acc::Earliest { value, .. } => value,
            Acc::Any(first) => first.unwrap_or(Cell::Null),
            Acc::Pairs(mut pairs) => {
                let desc = matches!(kind, AggKind::TopBy { desc: true, .. });
                let limit = match kind {
                    AggKind::TopBy { limit, .. } => limit,
                    _ => pairs.len(),
                };
                // Pairs order by field value, then by output value, both in the requested
                // direction, as Elasticsearch's bucketed sort of tuples compares them.
                pairs.sort_by(|a, b| {
                    let o = a.0.compare(&b.0).then_with(|| a.1.compare(&b.1));
                    if desc {
                        o.reverse()
                    } else {
                        o
                    }
                });
                pairs.truncate(limit);
                Cell::from_values(pairs.into_iter().map(|(_, out)| out).collect())
            }
            Acc::SumWhole(None) => Cell::Null,
            Acc::SumWhole(Some(s)) => match ty {
                Type::UnsignedLong => match u64::try_from(s) {
                    Ok(u) => Cell::One(Value::UnsignedLong(u)),
                    Err(_) => {
                        ctx.warn(
                            site,
                            "java.lang.ArithmeticException: unsigned_long overflow",
                        );
                        Cell::Null
                    }
                },
                _ => match i64::try_from(s) {
                    Ok(l) => Cell::One(Value::Long(l)),
                    Err(_) => {
                        ctx.warn(site, LONG_OVERFLOW_MESSAGE);
                        Cell::Null
                    }
                },
            },
            Acc::SumDouble {
                sum,
                compensation,
                seen,
            } => {
                if seen {
                    Cell::One(Value::Double(two_phase_total(sum, compensation)))
                } else {
                    Cell::Null
                }
            }
            Acc::Avg {
                sum,
                compensation,
                count,
            } => {
                if count == 0 {
                    Cell::Null
                } else {
                    let total = two_phase_total(sum, compensation);
                    Cell::One(Value::Double(total / count as f64))
                }
            }
            Acc::List(list) if matches!(kind, AggKind::Sample { .. }) => sample_values(kind, list),
            Acc::List(mut list) => match kind {
                AggKind::Top { limit, desc } => {
                    list.sort_by(|a, b| if desc { b.compare(a) } else { a.compare(b) });
                    list.truncate(limit);
                    Cell::from_values(list)
                }
                _ => {
                    let mut xs: Vec<f64> = list.iter().filter_map(Value::as_f64).collect();
                    let out_of_range = matches!(kind, AggKind::Percentile(bits)
                        if !(0.0..=100.0).contains(&f64::from_bits(bits)));
                    if xs.is_empty() || out_of_range {
                        return Cell::Null;
                    }
                    xs.sort_by(f64::total_cmp);
                    let result = match kind {
                        AggKind::Percentile(bits) => quantile(&xs, f64::from_bits(bits) / 100.0),
                        AggKind::MedianAbsoluteDeviation => {
                            let median = quantile(&xs, 0.5);
                            let mut deviations: Vec<f64> =
                                xs.iter().map(|x| (x - median).abs()).collect();
                            deviations.sort_by(f64::total_cmp);
                            quantile(&deviations, 0.5)
                        }
                        _ => quantile(&xs, 0.5),
                    };
                    Cell::One(Value::Double(result))
                }
            },
        }
    }
}

/// `SAMPLE`'s values: all of them when there are at most `limit`, else the `limit` values whose
/// SplitMix64 draw of `(seed, position)` is lowest, in input order. Elasticsearch draws from a
/// random seed per call; rulegate's seed is fixed per call (its place in the query), so the same
/// query over the same rows gives the same sample on any machine and thread count, and two
/// `SAMPLE` calls of one `STATS` draw different samples, as upstream's
/// `stats_sample/multiple samples are different` requires. The list holds every value in
/// input order (partials merge in order), so positions do not depend on the thread count.
fn sample_values(kind: AggKind, list: Vec<Value>) -> Cell {
    let AggKind::Sample { limit, seed } = kind else {
        return Cell::from_values(list);
    };
    if limit == 0 {
        return Cell::Null;
    }
    if list.len() <= limit {
        return Cell::from_values(list);
    }
    let stream = crate::eval::plan::sample_mix(seed);
    let mut draws: Vec<(u64, usize)> = (0..list.len())
        .map(|i| (crate::eval::plan::sample_mix(stream ^ i as u64), i))
        .collect();
    draws.select_nth_unstable(limit - 1);
    let mut picked: Vec<usize> = draws[..limit].iter().map(|&(_, i)| i).collect();
    picked.sort_unstable();
    let mut values: Vec<Option<Value>> = list.into_iter().map(Some).collect();
    Cell::from_values(
        picked
            .into_iter()
            .filter_map(|i| values[i].take())
            .collect(),
    )
}

/// Quantile `q` (0 to 1) of sorted values, interpolating linearly between the two nearest
/// ranks: Elasticsearch's t-digest keeps every value while there are few (its sorting digest),
/// which gives these exact results; `MEDIAN` is `q = 0.5`.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let index = q * (sorted.len() - 1) as f64;
    let low = index.floor() as usize;
    let high = index.ceil() as usize;
    if low == high {
        sorted[low]
    } else {
        sorted[low] + (index - low as f64) * (sorted[high] - sorted[low])
    }
}

/// The total Elasticsearch reports for a compensated sum. Its aggregations run in two phases: a
/// partial one sums the rows (Kahan) and ships `(sum, delta)`; the final one starts from zero
/// and adds that pair as `sum + (0 + delta)`. So the result is the running sum with its
/// compensation folded in once: `sum - compensation` (our compensation is the negated delta).
/// `stats/statsByMvField*` pin this: `[-8.94, 1.92, 6.97, 14.74]` sums to 14.69, where the
/// plain Kahan running sum is 14.690000000000001.
fn two_phase_total(sum: f64, compensation: f64) -> f64 {
    if sum.is_finite() {
        sum - compensation
    } else {
        sum
    }
}

/// Kahan summation, as Elasticsearch's double sums use (`CompensatedSum`).
fn kahan(sum: &mut f64, compensation: &mut f64, x: f64) {
    if !x.is_finite() || !sum.is_finite() {
        *sum += x;
        return;
    }
    let y = x - *compensation;
    let t = *sum + y;
    *compensation = (t - *sum) - y;
    *sum = t;
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
