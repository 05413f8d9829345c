//! `TOP`, `TOP` with an output field and `SAMPLE`, cut back as they grow, give exactly what
//! keeping every value and sorting (or drawing) at the end gives: over ties of values that
//! compare equal but print differently, multivalued and null cells, and partials merged in
//! order at random batch boundaries; and their state stays within twice the limit.

use super::finish::sample_values;
use super::top::cut_at;
use super::*;
use crate::document::value::Cell;
use crate::eval::expr::Ctx;
use crate::eval::warnings::Warnings;

/// SplitMix64, for reproducible test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A value of a few kinds with many ties: versions whose texts differ but compare equal
/// (`1.2`, `01.2`, `1.002`), longs of a small range, doubles with both zeros, infinities and NaN.
fn value(rng: &mut Rng, kind: u64) -> Value {
    match kind {
        0 => {
            let zeros = |rng: &mut Rng| "0".repeat(rng.below(3) as usize);
            let (major, minor) = (rng.below(3), rng.below(3));
            Value::Version(format!("{}{major}.{}{minor}", zeros(rng), zeros(rng)).into())
        }
        1 => Value::Long(rng.below(7) as i64 - 3),
        _ => Value::Double(
            [0.0, -0.0, 1.5, -1.5, f64::NAN, f64::INFINITY, 2.0][rng.below(7) as usize],
        ),
    }
}

/// A row's cell: mostly one value, sometimes null or two to four values.
fn cell(rng: &mut Rng, kind: u64) -> Cell {
    match rng.below(10) {
        0 => Cell::Null,
        1 | 2 => Cell::Many((0..2 + rng.below(3)).map(|_| value(rng, kind)).collect()),
        _ => Cell::One(value(rng, kind)),
    }
}

/// Feeds `rows` (argument, second input) to a whole accumulator, the first batch directly and
/// each later one through a partial merged in order; batches end at `cuts` (row indices).
fn fed(kind: AggKind, rows: &[(Cell, Cell)], cuts: &[usize], two_inputs: bool) -> Acc {
    let mut whole = Acc::new(kind, Type::Long);
    let mut start = 0;
    for (batch, &end) in cuts.iter().chain([&rows.len()]).enumerate() {
        let mut acc = if batch == 0 {
            None
        } else {
            Some(Acc::partial(kind, Type::Long))
        };
        let target = acc.as_mut().unwrap_or(&mut whole);
        for (arg, by) in &rows[start..end.max(start)] {
            if two_inputs {
                target.add_by(kind, arg, by);
            } else {
                target.add(kind, arg);
            }
        }
        if let Some(partial) = acc {
            whole.merge(kind, partial);
        }
        start = end.max(start);
    }
    whole
}

fn finished(acc: Acc, kind: AggKind) -> String {
    let mut warnings = Warnings::default();
    let mut ctx = Ctx {
        now: 0,
        warnings: &mut warnings,
    };
    format!("{:?}", acc.finish(kind, Type::Long, &mut ctx, 0))
}

/// What keeping every value gives: `TOP`'s stable sort of all of them, as before the cut.
fn top_of_everything(rows: &[(Cell, Cell)], limit: usize, desc: bool) -> String {
    let mut list: Vec<Value> = rows.iter().flat_map(|(a, _)| a.values().to_vec()).collect();
    list.sort_by(|a, b| if desc { b.compare(a) } else { a.compare(b) });
    list.truncate(limit);
    format!("{:?}", Cell::from_values(list))
}

/// The same for pairs: every pair of the two inputs' values, ordered on both.
fn top_pairs_of_everything(rows: &[(Cell, Cell)], limit: usize, desc: bool) -> String {
    let mut pairs: Vec<(Value, Value)> = Vec::new();
    for (a, b) in rows {
        for v in a.values() {
            for out in b.values() {
                pairs.push((v.clone(), out.clone()));
            }
        }
    }
    pairs.sort_by(|a, b| {
        let o = a.0.compare(&b.0).then_with(|| a.1.compare(&b.1));
        if desc {
            o.reverse()
        } else {
            o
        }
    });
    pairs.truncate(limit);
    format!(
        "{:?}",
        Cell::from_values(pairs.into_iter().map(|(_, out)| out).collect())
    )
}

/// Rows of two inputs, each of one value kind, and batch boundaries: none, or a few at random rows.
fn case(rng: &mut Rng) -> (Vec<(Cell, Cell)>, Vec<usize>) {
    let n = rng.below(700) as usize;
    // One type per input, as in a column.
    let (kind, out_kind) = (rng.below(3), rng.below(3));
    let rows = (0..n)
        .map(|_| {
            let arg = cell(rng, kind);
            (arg, cell(rng, out_kind))
        })
        .collect();
    let mut cuts: Vec<usize> = (0..rng.below(6))
        .map(|_| rng.below(n as u64 + 1) as usize)
        .collect();
    cuts.sort_unstable();
    (rows, cuts)
}

const LIMITS: [usize; 8] = [0, 1, 2, 3, 31, 32, 33, 100];

#[test]
fn a_cut_top_equals_sorting_every_value() {
    let mut rng = Rng(7);
    for round in 0..400 {
        let (rows, cuts) = case(&mut rng);
        let (limit, desc) = (LIMITS[round % LIMITS.len()], round % 2 == 0);
        let kind = AggKind::Top { limit, desc };
        let acc = fed(kind, &rows, &cuts, false);
        let Acc::List(list) = &acc else {
            panic!("TOP keeps a list")
        };
        assert!(list.len() < cut_at(limit), "{} values kept", list.len());
        assert_eq!(
            finished(acc, kind),
            top_of_everything(&rows, limit, desc),
            "round {round}: limit {limit}, desc {desc}, batches at {cuts:?}"
        );
    }
}

#[test]
fn a_cut_top_with_an_output_field_equals_sorting_every_pair() {
    let mut rng = Rng(11);
    for round in 0..400 {
        let (rows, cuts) = case(&mut rng);
        let (limit, desc) = (LIMITS[round % LIMITS.len()], round % 3 == 0);
        let kind = AggKind::TopBy { limit, desc };
        let acc = fed(kind, &rows, &cuts, true);
        let Acc::Pairs(pairs) = &acc else {
            panic!("TOP with an output field keeps pairs")
        };
        // A row adds at most 4 × 4 pairs after the last cut.
        assert!(
            pairs.len() < cut_at(limit) + 16,
            "{} pairs kept",
            pairs.len()
        );
        assert_eq!(
            finished(acc, kind),
            top_pairs_of_everything(&rows, limit, desc),
            "round {round}: limit {limit}, desc {desc}, batches at {cuts:?}"
        );
    }
}

#[test]
fn a_cut_sample_equals_drawing_over_every_value() {
    let mut rng = Rng(13);
    for round in 0..400 {
        let (rows, cuts) = case(&mut rng);
        let limit = LIMITS[round % LIMITS.len()];
        let kind = AggKind::Sample {
            limit,
            seed: rng.next(),
        };
        let acc = fed(kind, &rows, &cuts, false);
        let Acc::Sampled { kept, seen } = &acc else {
            panic!("SAMPLE keeps its draws")
        };
        let every: Vec<Value> = rows.iter().flat_map(|(a, _)| a.values().to_vec()).collect();
        assert_eq!(*seen, every.len());
        assert!(kept.len() < cut_at(limit), "{} values kept", kept.len());
        assert_eq!(
            finished(acc, kind),
            format!("{:?}", sample_values(kind, every)),
            "round {round}: limit {limit}, batches at {cuts:?}"
        );
    }
}

#[test]
fn a_top_over_a_million_values_holds_at_most_twice_its_limit() {
    // 7919 is prime to 10^6: the values are 0 to 999,999, each once, in a scattered order.
    let kind = AggKind::Top {
        limit: 3,
        desc: true,
    };
    let mut acc = Acc::new(kind, Type::Long);
    for i in 0..1_000_000i64 {
        acc.add(kind, &Cell::One(Value::Long(i * 7919 % 1_000_000)));
        if let Acc::List(list) = &acc {
            assert!(list.len() < cut_at(3));
        }
    }
    assert_eq!(
        finished(acc, kind),
        format!(
            "{:?}",
            Cell::from_values([999_999, 999_998, 999_997].map(Value::Long).to_vec())
        )
    );
}
