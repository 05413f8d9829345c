//! One aggregate's running state for one group: fed every value of every row, and merged from
//! partials in input order.

use rustc_hash::FxHashSet;

use super::{sample, top, AggKind, Key};
use crate::document::value::{Cell, Type, Value};

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
    /// `SAMPLE`: the values kept so far with their draws and positions in the group, cut
    /// back to the `limit` least draws as they grow (see [`sample::add_drawn`]), and how many
    /// values the group had. A partial keeps an [`Acc::List`] instead: its positions are known
    /// only when it is merged.
    Sampled {
        kept: Vec<(u64, usize, Value)>,
        seen: usize,
    },
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
            AggKind::Sample { .. } => Acc::Sampled {
                kept: Vec::new(),
                seen: 0,
            },
            AggKind::Top { .. }
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
            Acc::Sampled { .. } => Acc::List(Vec::new()),
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
            (Acc::List(list), Acc::List(more)) => {
                list.extend(more);
                top::bound_values(list, kind);
            }
            (Acc::Pairs(pairs), Acc::Pairs(more)) => {
                pairs.extend(more);
                top::bound_pairs(pairs, kind);
            }
            // A partial's values come after every value we have seen, in order.
            (Acc::Sampled { kept, seen }, Acc::List(more)) => {
                for v in more {
                    sample::add_drawn(kept, seen, kind, v);
                }
            }
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
                top::bound_pairs(pairs, kind);
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
                Acc::List(list) => {
                    list.push(v.clone());
                    top::bound_values(list, kind);
                }
                Acc::Sampled { kept, seen } => sample::add_drawn(kept, seen, kind, v.clone()),
                // Two-input aggregates are fed by `add_by`; their first row arrives above.
                Acc::Earliest { .. } | Acc::Any(_) | Acc::Pairs(_) => {}
            }
        }
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
