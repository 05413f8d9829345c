//! `SAMPLE p`: a Bernoulli sample of the rows, made reproducible.
//!
//! Elasticsearch draws each row with probability `p` from a random seed, so its own spec tests
//! only assert properties that hold for any sample (counts within wide bounds). rulegate draws
//! from a fixed seed instead: row `i` of the command's input stays when the SplitMix64 hash of
//! `(seed, i)`, as a fraction of 2^64, is below `p`. The same query over the same rows keeps
//! the same rows on any machine and thread count. The probability is part of the seed, so
//! `SAMPLE`s of different probabilities draw different rows. Aggregates after `SAMPLE` are not
//! rescaled (see docs/esql-semantics.md, "Commands added for #16").

use crate::document::value::Cell;

/// The seed every sample starts from.
const SEED: u64 = 0x5EED_0F5A_4D1E;

/// SplitMix64's output function (also `SAMPLE(field, limit)`'s draw).
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Whether row `index` stays in a sample of probability `p`.
pub(crate) fn keeps(p: f64, index: usize) -> bool {
    let stream = mix(SEED ^ p.to_bits());
    let draw = mix(stream ^ mix(index as u64));
    // 53 random bits as a fraction in [0, 1).
    ((draw >> 11) as f64 / (1u64 << 53) as f64) < p
}

/// The rows of `table` that stay.
pub(super) fn sample(table: Vec<Vec<Cell>>, p: f64) -> Vec<Vec<Cell>> {
    table
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keeps(p, *i))
        .map(|(_, row)| row)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_keeps_about_p_of_the_rows_and_always_the_same_ones() {
        let kept: Vec<usize> = (0..10_000).filter(|&i| keeps(0.25, i)).collect();
        assert!((2_300..2_700).contains(&kept.len()), "{}", kept.len());
        let again: Vec<usize> = (0..10_000).filter(|&i| keeps(0.25, i)).collect();
        assert_eq!(kept, again);
        assert!((0..1_000).all(|i| keeps(0.999_999_999, i)));
    }
}
