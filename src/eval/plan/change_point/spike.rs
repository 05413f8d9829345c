//! ml's `SpikeAndDipDetector` and its `KDE`: the largest and smallest values are tested against
//! a Gaussian kernel density estimate of the other values (Silverman's bandwidth, deliberately
//! over-smoothed by 1.36), so that only visually significant spikes and dips surface.

use super::java::{lower_bound, sample_variance};
use super::special::erfc;
use super::{ChangeKind, ChangeType};

/// `KDE.ESTIMATOR_EPS`.
const ESTIMATOR_EPS: f64 = 1e-10;

/// A kernel density estimate over ordered values.
struct Kde {
    ordered: Vec<f64>,
    bandwidth: f64,
}

/// A tail probability and the distance from the tested value to the nearest kernel centre.
#[derive(Clone, Copy, Debug)]
struct ValueAndMagnitude {
    value: f64,
    magnitude: f64,
}

impl ValueAndMagnitude {
    fn is_more_significant(&self, other: &ValueAndMagnitude) -> bool {
        match self.value.total_cmp(&other.value) {
            std::cmp::Ordering::Equal => self.magnitude > other.magnitude,
            o => o.is_lt(),
        }
    }

    /// The chance that any of `tested` values is this far into the tail.
    fn p_value(&self, tested: usize) -> f64 {
        if self.value > ESTIMATOR_EPS {
            1.0 - (1.0 - self.value).powf(tested as f64)
        } else {
            tested as f64 * self.value
        }
    }
}

impl Kde {
    /// `ordered` must be sorted ascending.
    fn new(ordered: Vec<f64>, smoothing: f64) -> Kde {
        let bandwidth =
            smoothing * (ordered.len() as f64).powf(-0.2) * sample_variance(&ordered).sqrt();
        Kde { ordered, bandwidth }
    }

    fn evaluate(
        &self,
        x: f64,
        complement: impl Fn(usize, usize) -> f64,
        kernel: impl Fn(f64, f64) -> f64,
    ) -> ValueAndMagnitude {
        let len = self.ordered.len();
        if len == 0 {
            return ValueAndMagnitude {
                value: 1.0,
                magnitude: 0.0,
            };
        }
        let a = lower_bound(&self.ordered, x - 3.0 * self.bandwidth).min(len - 1);
        let b = lower_bound(&self.ordered, x + 3.0 * self.bandwidth).max(a + 1);
        let mut total = complement(a, b);
        let mut diff = f64::MAX;
        for &centre in &self.ordered[a..b.min(len)] {
            total += kernel(centre, x);
            diff = diff.min((centre - x).abs());
        }
        ValueAndMagnitude {
            value: total / len as f64,
            magnitude: diff,
        }
    }

    fn cdf(&self, x: f64) -> ValueAndMagnitude {
        self.evaluate(x, |a, _| a as f64, |centre, x| self.norm_cdf(centre, x))
    }

    fn sf(&self, x: f64) -> ValueAndMagnitude {
        let len = self.ordered.len();
        self.evaluate(
            x,
            |_, b| len as f64 - b as f64,
            |centre, x| self.norm_sf(centre, x),
        )
    }

    fn norm_cdf(&self, mean: f64, x: f64) -> f64 {
        let dev = x - mean;
        if dev.abs() > 40.0 * self.bandwidth {
            return if dev > 0.0 { 1.0 } else { 0.0 };
        }
        0.5 * erfc(-dev / (self.bandwidth * std::f64::consts::SQRT_2))
    }

    fn norm_sf(&self, mean: f64, x: f64) -> f64 {
        let dev = x - mean;
        if dev.abs() > 40.0 * self.bandwidth {
            return if dev > 0.0 { 0.0 } else { 1.0 };
        }
        0.5 * erfc(dev / (self.bandwidth * std::f64::consts::SQRT_2))
    }
}

/// The extreme value at `index` and the window of `extent` values around it excluded from the
/// density its significance is tested against.
struct Extreme {
    index: usize,
    start: usize,
    end: usize,
}

impl Extreme {
    fn includes(&self, i: usize) -> bool {
        i >= self.start && i < self.end
    }
}

/// `findSpikeOrDip`: the first maximum of `values` (of their negations for a dip) and the
/// window of `extent` values containing it with the largest sum.
fn find_extreme(values: &[f64], extent: usize, negate: bool) -> Extreme {
    let extent = extent.min(values.len() - 1);
    let signed = |i: usize| if negate { -values[i] } else { values[i] };
    let mut argmax = 0;
    let mut max = signed(0);
    for i in 1..values.len() {
        if signed(i) > max {
            argmax = i;
            max = signed(i);
        }
    }
    let sum = |start: usize, end: usize| {
        let s: f64 = values[start..end].iter().sum();
        if negate {
            -s
        } else {
            s
        }
    };
    let mut max_start = (argmax + 1).saturating_sub(extent);
    let max_end = (max_start + extent).min(values.len());
    let mut max_sum = sum(max_start, max_end);
    for start in max_start + 1..=argmax {
        if start + extent >= values.len() {
            break;
        }
        let total = sum(start, start + extent);
        if total > max_sum {
            max_start = start;
            max_sum = total;
        }
    }
    Extreme {
        index: argmax,
        start: max_start,
        end: max_start + extent,
    }
}

/// `SpikeAndDipDetector.detect(pValueThreshold)` over the values (at least 4 of them); change
/// points are indices into `values`.
pub fn detect(values: &[f64], p_value_threshold: f64) -> ChangeType {
    let n = values.len();
    if n < 4 {
        return ChangeType::indeterminable(format!(
            "not enough buckets to check for dip or spike. Requires at least [3]; found [{n}]"
        ));
    }
    // Usually roughly 10% of the values.
    let spike_length = ((0.1 * n as f64 + 0.5) as usize).max(2) - 1;
    let dip = find_extreme(values, spike_length, true);
    let spike = find_extreme(values, spike_length, false);
    let others = |excluded: &dyn Fn(usize) -> bool| {
        let mut kept: Vec<f64> = (0..n)
            .filter(|&i| !excluded(i))
            .map(|i| values[i])
            .collect();
        kept.sort_by(f64::total_cmp);
        kept
    };
    let dip_kde = Kde::new(others(&|i| dip.includes(i) || i == spike.index), 1.36);
    let spike_kde = Kde::new(others(&|i| spike.includes(i) || i == dip.index), 1.36);
    let dip_tail = dip_kde.cdf(values[dip.index]);
    let spike_tail = spike_kde.sf(values[spike.index]);
    let dip_p = dip_tail.p_value(n);
    let spike_p = spike_tail.p_value(n);
    let dip_change = ChangeType::at(ChangeKind::Dip, dip_p, dip.index);
    let spike_change = ChangeType::at(ChangeKind::Spike, spike_p, spike.index);
    if dip_p < p_value_threshold && spike_p < p_value_threshold {
        if dip_tail.is_more_significant(&spike_tail) {
            return dip_change;
        }
        return spike_change;
    }
    if dip_p < p_value_threshold {
        return dip_change;
    }
    if spike_p < p_value_threshold {
        return spike_change;
    }
    ChangeType::stationary()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `SpikeAndDipDetectorTests.testTooLittleData`: fewer than four values are indeterminable.
    #[test]
    fn too_little_data_is_indeterminable() {
        let change = detect(&[1.0, 2.0, 3.0], 0.01);
        assert_eq!(change.kind, ChangeKind::Indeterminable);
    }

    /// `SpikeAndDipDetectorTests.testSpikeAndDipValues`-style series: one high and one low
    /// outlier over small noise; the more significant (here the spike) wins.
    #[test]
    fn a_lone_outlier_is_found_where_it_is() {
        let mut values: Vec<f64> = (0..50).map(|i| ((i * 7) % 5) as f64).collect();
        values[20] = 100.0;
        let change = detect(&values, 0.01);
        assert_eq!(change.kind, ChangeKind::Spike);
        assert_eq!(change.change_point, Some(20));
        values[20] = -100.0;
        let change = detect(&values, 0.01);
        assert_eq!(change.kind, ChangeKind::Dip);
        assert_eq!(change.change_point, Some(20));
        assert!(change.p_value < 1e-6, "{}", change.p_value);
    }

    #[test]
    fn noise_alone_is_stationary() {
        let values: Vec<f64> = (0..50).map(|i| ((i * 7) % 5) as f64).collect();
        assert_eq!(detect(&values, 0.01).kind, ChangeKind::Stationary);
    }
}
