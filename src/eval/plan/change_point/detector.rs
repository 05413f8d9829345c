//! ml's `ChangeDetector`: is the series stationary, trending, or does it change at one point
//! (a step, a change of trend, a change of distribution)? Nested models are compared with F
//! tests on outlier-weighted variances, corrected for the number of candidate split points; a
//! distribution change is tested with the two-sample Kolmogorov–Smirnov test.

use super::java::{
    binary_search_int, hash_set_order, ks_exact_p, ks_integral_statistic, ulp, JavaRandom,
};
use super::regression::{OnlineRegression, RunningStats};
use super::special::regularized_beta;
use super::{ChangeKind, ChangeType, MINIMUM_BUCKETS};

const MAXIMUM_SAMPLE_SIZE_FOR_KS_TEST: usize = 500;
const MAXIMUM_CANDIDATE_CHANGE_POINTS: usize = 1000;
/// The seed of `new Random(126832678)`: "just want repeatable random numbers".
const KS_SAMPLE_SEED: i64 = 126_832_678;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Stationary,
    NonStationary,
    StepChange,
    TrendChange,
    DistributionChange,
}

#[derive(Clone, Copy, Debug)]
struct DataStats {
    n: f64,
    mean: f64,
    var: f64,
    candidates: usize,
}

impl DataStats {
    /// The variance is accurate to `ulp(n·mean)^(1/2)`: anything below is zero.
    fn variance_zero_to_working_precision(&self) -> bool {
        self.var < ulp(2.0 * self.n * self.mean).sqrt()
    }
}

#[derive(Clone, Copy, Debug)]
struct TestStats {
    kind: Kind,
    p_value: f64,
    var: f64,
    params: f64,
    change_point: i64,
    data: DataStats,
}

impl TestStats {
    fn new(kind: Kind, p_value: f64, var: f64, params: f64, data: DataStats) -> TestStats {
        TestStats {
            kind,
            p_value,
            var,
            params,
            change_point: -1,
            data,
        }
    }

    /// Statistically significant, and explains at least half of the variance.
    fn accept(&self, threshold: f64) -> bool {
        self.p_value < threshold && self.r_squared() >= 0.5
    }

    fn r_squared(&self) -> f64 {
        1.0 - self.var / self.data.var
    }

    fn p_value_vs_stationary(&self) -> f64 {
        independent_trials_p_value(
            f_test_nested_p_value(self.data.n, self.data.var, 1.0, self.var, self.params),
            self.data.candidates,
        )
    }

    fn change_type(&self) -> ChangeType {
        let at = |kind, p| ChangeType::at(kind, p, self.change_point.max(0) as usize);
        match self.kind {
            Kind::Stationary => ChangeType::stationary(),
            Kind::NonStationary => ChangeType {
                kind: ChangeKind::NonStationary,
                p_value: self.p_value_vs_stationary(),
                change_point: None,
                reason: None,
            },
            Kind::StepChange => at(ChangeKind::StepChange, self.p_value_vs_stationary()),
            Kind::TrendChange => at(ChangeKind::TrendChange, self.p_value_vs_stationary()),
            Kind::DistributionChange => at(ChangeKind::DistributionChange, self.p_value),
        }
    }
}

/// `ChangeDetector.detect(minBucketsPValue)` over at least `2·MINIMUM_BUCKETS + 2` values.
pub fn detect(values: &[f64], min_buckets_p_value: f64) -> ChangeType {
    // The test's power for a fixed effect size grows with the count: so must its strictness.
    let excess = values.len() as f64 - 2.0 * (MINIMUM_BUCKETS as f64 + 1.0);
    let threshold = min_buckets_p_value * (-0.04 * excess).exp();
    test_for_change(values, threshold).change_type()
}

fn test_for_change(values: &[f64], threshold: f64) -> TestStats {
    let candidates = candidate_change_points(values.len());
    let weights = outlier_weights(values);
    let all = RunningStats::of(values, &weights, 0, values.len());
    let data = DataStats {
        n: all.count(),
        mean: all.mean(),
        var: all.variance(),
        candidates: candidates.len(),
    };
    let stationary = TestStats::new(Kind::Stationary, 1.0, data.var, 1.0, data);
    if data.variance_zero_to_working_precision() || candidates.is_empty() {
        return stationary;
    }
    let trend = test_trend(&stationary, values, &weights);
    let mut best = stationary;
    let mut discovered: Vec<i64> = Vec::new();
    if trend.accept(threshold) {
        let trend_change = test_trend_change(&trend, values, &weights, &candidates);
        discovered.push(trend_change.change_point);
        best = if trend_change.accept(threshold) {
            versus_step_change(&trend_change, values, &weights, &candidates, threshold)
        } else {
            trend
        };
    } else {
        let step = test_step_change(&stationary, values, &weights, &candidates);
        discovered.push(step.change_point);
        if step.accept(threshold) {
            let trend_change = test_trend_change(&step, values, &weights, &candidates);
            best = if trend_change.accept(threshold) {
                trend_change
            } else {
                step
            };
        } else {
            let trend_change = test_trend_change(&stationary, values, &weights, &candidates);
            if trend_change.accept(threshold) {
                best = trend_change;
            }
        }
    }
    // Not very confident in the change point: does a distribution change fit better?
    if best.p_value_vs_stationary() > 1e-5 {
        let dist = test_distribution_change(data, values, &weights, &candidates, discovered);
        if dist.p_value < threshold.min(0.1 * best.p_value_vs_stationary()) {
            best = dist;
        }
    }
    best
}

/// Split points at least a tenth of the series (and `MINIMUM_BUCKETS`) from either end, at
/// most `MAXIMUM_CANDIDATE_CHANGE_POINTS` of them.
fn candidate_change_points(n: usize) -> Vec<usize> {
    let min_values = ((0.1 * n as f64 + 0.5) as usize).max(MINIMUM_BUCKETS);
    if n <= 2 * min_values {
        return Vec::new();
    }
    let range = min_values..n - min_values;
    if n - 2 * min_values <= MAXIMUM_CANDIDATE_CHANGE_POINTS {
        range.collect()
    } else {
        let step = (n - 2 * min_values).div_ceil(MAXIMUM_CANDIDATE_CHANGE_POINTS);
        range.filter(|i| i % step == 0).collect()
    }
}

/// Weight 1 for values between the 2.5% and 97.5% order statistics (a run of duplicates at a
/// cut stays in), 0.01 for the outliers beyond.
fn outlier_weights(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    let i = (0.025 * n as f64).ceil() as usize;
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (a, b) = (sorted[i], sorted[n - i - 1]);
    values
        .iter()
        .map(|&v| if v <= b && v >= a { 1.0 } else { 0.01 })
        .collect()
}

/// The chance that one of `trials` independent tests is this significant (Šidák).
fn independent_trials_p_value(p: f64, trials: usize) -> f64 {
    if p > 1e-10 {
        1.0 - (1.0 - p).powf(trials as f64)
    } else {
        trials as f64 * p
    }
}

/// The F test of a nested model with `p_alt` parameters against one with `p_null`, two-sided.
fn f_test_nested_p_value(n: f64, v_null: f64, p_null: f64, v_alt: f64, p_alt: f64) -> f64 {
    if v_alt == v_null {
        return 1.0;
    }
    if v_alt == 0.0 {
        return 0.0;
    }
    let f = (v_null - v_alt) / (p_alt - p_null) * (n - p_alt) / v_alt;
    let sf = f_distribution_sf(p_alt - p_null, n - p_alt, f);
    (2.0 * sf).min(1.0)
}

/// The survival function of the F distribution, through the regularized incomplete beta.
pub(super) fn f_distribution_sf(numerator_df: f64, denominator_df: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() || x.is_nan() {
        return 0.0;
    }
    regularized_beta(
        denominator_df / (denominator_df + numerator_df * x),
        0.5 * denominator_df,
        0.5 * numerator_df,
    )
}

fn test_trend(h0: &TestStats, values: &[f64], weights: &[f64]) -> TestStats {
    let mut fit = OnlineRegression::default();
    for (i, (&v, &w)) in values.iter().zip(weights).enumerate() {
        fit.add(i as f64, v, w);
    }
    let v_trend = h0.data.var * (1.0 - fit.r_squared());
    let p = f_test_nested_p_value(h0.data.n, h0.var, h0.params, v_trend, 3.0);
    TestStats::new(Kind::NonStationary, p, v_trend, 3.0, h0.data)
}

fn test_step_change(
    h0: &TestStats,
    values: &[f64],
    weights: &[f64],
    candidates: &[usize],
) -> TestStats {
    let mut v_step = f64::MAX;
    let mut change_point = -1;
    let first = candidates[0];
    let mut lower = RunningStats::of(values, weights, 0, first);
    let mut upper = RunningStats::of(values, weights, first, values.len());
    let mut last = first;
    for &cp in candidates {
        lower.add_range(values, weights, last, cp);
        upper.remove_range(values, weights, last, cp);
        last = cp;
        let (nl, nu) = (lower.count(), upper.count());
        let v = (nl * lower.variance() + nu * upper.variance()) / (nl + nu);
        if v < v_step {
            v_step = v;
            change_point = cp as i64;
        }
    }
    let p = independent_trials_p_value(
        f_test_nested_p_value(h0.data.n, h0.var, h0.params, v_step, 2.0),
        candidates.len(),
    );
    TestStats {
        change_point,
        ..TestStats::new(Kind::StepChange, p, v_step, 2.0, h0.data)
    }
}

fn test_trend_change(
    h0: &TestStats,
    values: &[f64],
    weights: &[f64],
    candidates: &[usize],
) -> TestStats {
    let mut v_change = f64::MAX;
    let mut change_point = -1;
    let first = candidates[0];
    let mut lower = RunningStats::of(values, weights, 0, first);
    let mut upper = RunningStats::of(values, weights, first, values.len());
    let mut lower_fit = OnlineRegression::default();
    let mut upper_fit = OnlineRegression::default();
    for i in 0..first {
        lower_fit.add(i as f64, values[i], weights[i]);
    }
    for i in first..values.len() {
        upper_fit.add((i - first) as f64, values[i], weights[i]);
    }
    let mut last = first;
    for &cp in candidates {
        for i in last..cp {
            lower.add(values[i], weights[i]);
            upper.remove(values[i], weights[i]);
            lower_fit.add(i as f64, values[i], weights[i]);
            upper_fit.remove((i - first) as f64, values[i], weights[i]);
        }
        last = cp;
        let (nl, nu) = (lower.count(), upper.count());
        let vl = lower.variance() * (1.0 - lower_fit.r_squared());
        let vu = upper.variance() * (1.0 - upper_fit.r_squared());
        let v = (nl * vl + nu * vu) / (nl + nu);
        if v < v_change {
            v_change = v;
            change_point = cp as i64;
        }
    }
    let p = independent_trials_p_value(
        f_test_nested_p_value(h0.data.n, h0.var, h0.params, v_change, 6.0),
        candidates.len(),
    );
    TestStats {
        change_point,
        ..TestStats::new(Kind::TrendChange, p, v_change, 6.0, h0.data)
    }
}

/// Does the trend change model add much over the best step change? If not, the step.
fn versus_step_change(
    trend_change: &TestStats,
    values: &[f64],
    weights: &[f64],
    candidates: &[usize],
    threshold: f64,
) -> TestStats {
    let data = trend_change.data;
    let stationary = TestStats::new(Kind::Stationary, 1.0, data.var, 1.0, data);
    let step = test_step_change(&stationary, values, weights, candidates);
    let p = f_test_nested_p_value(data.n, step.var, 2.0, trend_change.var, 6.0);
    if p < threshold {
        *trend_change
    } else {
        step
    }
}

fn test_distribution_change(
    data: DataStats,
    values: &[f64],
    weights: &[f64],
    candidates: &[usize],
    mut discovered: Vec<i64>,
) -> TestStats {
    let mut max_diff = 0.0;
    let mut change_point = -1i64;
    let first = candidates[0];
    let mut lower = RunningStats::of(values, weights, 0, first);
    let mut upper = RunningStats::of(values, weights, first, values.len());
    let mut last = first;
    for &cp in candidates {
        lower.add_range(values, weights, last, cp);
        upper.remove_range(values, weights, last, cp);
        last = cp;
        let scale = cp.min(values.len() - cp) as f64;
        let mean_diff = (lower.mean() - upper.mean()).abs();
        let std_diff = (lower.std() - upper.std()).abs();
        let diff = scale * (mean_diff + std_diff);
        if diff >= max_diff {
            max_diff = diff;
            change_point = cp as i64;
        }
    }
    if !discovered.contains(&change_point) {
        discovered.push(change_point);
    }
    let (sample, change_points) = sample(values, &hash_set_order(&discovered));
    let mut p_value = 1.0;
    for cp in change_points {
        // commons-math refuses a sample of fewer than two values.
        if cp < 2 || cp as usize + 2 > sample.len() {
            continue;
        }
        let (x, y) = sample.split_at(cp as usize);
        let d = ks_integral_statistic(x, y) as f64 / (x.len() as f64 * y.len() as f64);
        let p = ks_exact_p(d, x.len(), y.len(), false);
        if p < p_value {
            change_point = cp;
            p_value = p;
        }
    }
    // Split positions are strongly correlated: about one in fifty counts as independent.
    let p_value = independent_trials_p_value(p_value, sample.len().div_ceil(50));
    TestStats {
        kind: Kind::DistributionChange,
        p_value,
        var: 0.0,
        params: 0.0,
        change_point,
        data,
    }
}

/// Long series are tested on a repeatable random sample of `MAXIMUM_SAMPLE_SIZE_FOR_KS_TEST`
/// values (a partial Fisher–Yates shuffle drawn from `java.util.Random(126832678)`), in their
/// order, with the change points moved to their place in the sample.
fn sample(values: &[f64], change_points: &[i64]) -> (Vec<f64>, Vec<i64>) {
    if values.len() <= MAXIMUM_SAMPLE_SIZE_FOR_KS_TEST {
        return (values.to_vec(), change_points.to_vec());
    }
    let mut rng = JavaRandom::new(KS_SAMPLE_SEED);
    let n = values.len();
    let mut choice: Vec<i64> = (0..n as i64).collect();
    for i in 0..MAXIMUM_SAMPLE_SIZE_FOR_KS_TEST {
        // `UniformRealDistribution(0, 0.99999).sample()`.
        let u = rng.next_double();
        let uniform = u * 0.99999 + (1.0 - u) * 0.0;
        let index = i + (uniform * (n - i) as f64).floor() as usize;
        choice.swap(i, index);
    }
    let chosen = &mut choice[..MAXIMUM_SAMPLE_SIZE_FOR_KS_TEST];
    chosen.sort_unstable();
    let sample = chosen.iter().map(|&i| values[i as usize]).collect();
    let moved = change_points
        .iter()
        .map(|&cp| {
            let r = binary_search_int(chosen, cp);
            if r < 0 {
                -1 - r as i64
            } else {
                r as i64
            }
        })
        .collect();
    (sample, moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_series_is_stationary() {
        let change = detect(&[5.0; 40], 0.01);
        assert_eq!(change.kind, ChangeKind::Stationary);
    }

    /// `ChangeDetectorTests.testStepChange`-style: a level shift halfway is a step change at
    /// the first value of the new level.
    #[test]
    fn a_level_shift_is_a_step_change_where_it_starts() {
        let values: Vec<f64> = (0..40)
            .map(|i| if i < 25 { 0.0 } else { 10.0 } + ((i * 3) % 4) as f64 * 0.1)
            .collect();
        let change = detect(&values, 0.01);
        assert_eq!(change.kind, ChangeKind::StepChange);
        assert_eq!(change.change_point, Some(25));
    }

    #[test]
    fn the_ks_sample_is_repeatable_and_in_order() {
        let values: Vec<f64> = (0..800).map(|i| i as f64).collect();
        let (a, cps) = sample(&values, &[400]);
        let (b, _) = sample(&values, &[400]);
        assert_eq!(a.len(), MAXIMUM_SAMPLE_SIZE_FOR_KS_TEST);
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        let at = cps[0] as usize;
        assert!(a[at] >= 400.0 && (at == 0 || a[at - 1] < 400.0));
    }
}
