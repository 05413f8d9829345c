//! The aggregates' values: an accumulator finished into its result cell, with the sorting,
//! sampling and quantiles that need every value at the end.

use super::top::{keep_top, keep_top_pairs};
use super::{sample, Acc, AggKind};
use crate::document::value::LONG_OVERFLOW_MESSAGE;
use crate::document::value::{Cell, Type, Value};
use crate::eval::expr::Ctx;

impl Acc {
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
            Acc::Pairs(pairs) => top_outputs(kind, pairs),
            Acc::Sampled { kept, .. } => sample::finish_drawn(kind, kept),
            Acc::SumWhole(None) => Cell::Null,
            Acc::SumWhole(Some(s)) => whole_sum(s, ty, ctx, site),
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
                    keep_top(&mut list, limit, desc);
                    Cell::from_values(list)
                }
                _ => quantile_of(kind, &list),
            },
        }
    }
}

/// `TOP(field, limit, order, outputField)`: the output values of the first `limit` pairs.
fn top_outputs(kind: AggKind, mut pairs: Vec<(Value, Value)>) -> Cell {
    let desc = matches!(kind, AggKind::TopBy { desc: true, .. });
    let limit = match kind {
        AggKind::TopBy { limit, .. } => limit,
        _ => pairs.len(),
    };
    keep_top_pairs(&mut pairs, limit, desc);
    Cell::from_values(pairs.into_iter().map(|(_, out)| out).collect())
}

/// A whole-number sum in its result type; past its range, null and a warning.
fn whole_sum(s: i128, ty: Type, ctx: &mut Ctx, site: u32) -> Cell {
    match ty {
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
    }
}

/// `MEDIAN`, `PERCENTILE` and `MEDIAN_ABSOLUTE_DEVIATION` of every value of `list`.
fn quantile_of(kind: AggKind, list: &[Value]) -> Cell {
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
            let mut deviations: Vec<f64> = xs.iter().map(|x| (x - median).abs()).collect();
            deviations.sort_by(f64::total_cmp);
            quantile(&deviations, 0.5)
        }
        _ => quantile(&xs, 0.5),
    };
    Cell::One(Value::Double(result))
}

/// `SAMPLE`'s values: all of them when there are at most `limit`, else the `limit` values whose
/// SplitMix64 draw of `(seed, position)` is lowest, in input order. Elasticsearch draws from a
/// random seed per call; rulegate's seed is fixed per call (its place in the query), so the same
/// query over the same rows gives the same sample on any machine and thread count, and two
/// `SAMPLE` calls of one `STATS` draw different samples, as upstream's
/// `stats_sample/multiple samples are different` requires. The list holds every value in
/// input order (partials merge in order), so positions do not depend on the thread count.
pub(super) fn sample_values(kind: AggKind, list: Vec<Value>) -> Cell {
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
