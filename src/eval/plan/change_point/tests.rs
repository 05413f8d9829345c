//! Unit tests of the statistics against commons-math's and Elasticsearch's own test values.

use super::java::{binary_search, ks_exact_p, ks_integral_statistic, sample_variance, JavaRandom};
use super::special::{erfc, gamma_p, log_beta, log_gamma, regularized_beta};
use super::*;

fn close(actual: f64, expected: f64, relative: f64) {
    let tolerance = relative * expected.abs().max(f64::MIN_POSITIVE);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {relative} of {expected}"
    );
}

/// `change_point.csv-spec` "detect dip (double)": `AVG(salary) BY height` of `employees`, the
/// last bucket set to 0.
const DIP_SERIES: [f64; 54] = [
    40031.0,
    34142.5,
    40266.0,
    49095.0,
    39878.0,
    60408.0,
    44307.0,
    31120.0,
    28035.0,
    41243.5,
    60079.333333333336,
    61358.0,
    36876.5,
    60335.0,
    38486.0,
    41701.5,
    36575.666666666664,
    55299.5,
    70011.0,
    38992.0,
    28946.0,
    42155.5,
    45656.0,
    65092.25,
    53178.0,
    43429.0,
    54184.25,
    44147.5,
    55360.0,
    52833.0,
    56475.666666666664,
    56039.333333333336,
    54195.333333333336,
    66174.0,
    47411.0,
    58121.0,
    37112.0,
    39638.0,
    67492.0,
    33956.0,
    48193.333333333336,
    43026.0,
    52851.0,
    56068.0,
    36314.666666666664,
    35742.0,
    51130.5,
    49281.0,
    63528.0,
    56722.5,
    39984.0,
    60523.0,
    38645.0,
    0.0,
];

#[test]
fn spec_detect_dip_double() {
    let change = change_type(&DIP_SERIES);
    assert_eq!(change.kind, ChangeKind::Dip);
    assert_eq!(change.change_point, Some(53));
    assert_eq!(change.p_value, 9.590143836835097E-6);
}

/// "where before change point": the first 24 salaries of `employees`, 10022's set to 100000.
#[test]
fn spec_spike_in_a_short_series() {
    let values = [
        57305.0, 56371.0, 61805.0, 36174.0, 63528.0, 60335.0, 74572.0, 43906.0, 66174.0, 45797.0,
        31120.0, 48942.0, 48735.0, 37137.0, 25324.0, 61358.0, 58715.0, 56760.0, 73717.0, 40031.0,
        60408.0, 100000.0, 47896.0, 64675.0,
    ];
    let change = change_type(&values);
    assert_eq!(change.kind, ChangeKind::Spike);
    assert_eq!(change.change_point, Some(21));
    assert_eq!(change.p_value, 0.0019710754505321004);
}

/// "same key and value column": the per-minute counts of `k8s`, sorted.
#[test]
fn spec_trend_change_of_sorted_counts() {
    let values = [
        4.0, 4.0, 4.0, 5.0, 5.0, 5.0, 5.0, 7.0, 7.0, 8.0, 8.0, 8.0, 8.0, 9.0, 9.0, 9.0, 10.0, 10.0,
        11.0, 12.0, 15.0, 17.0, 20.0,
    ];
    let change = change_type(&values);
    assert_eq!(change.kind, ChangeKind::TrendChange);
    assert_eq!(change.change_point, Some(12));
    assert_eq!(change.p_value, 3.793633808495355E-12);
}

/// "detect trend_change (using row)": `ABS(15 - time)` for time 1..=25. Two lines fit it
/// exactly, so the alternative's residual variance is rounding noise of the moment solve: the
/// p-value matches Elasticsearch's only because the SVD is ported operation by operation.
#[test]
fn spec_trend_change_of_a_v() {
    let values: Vec<f64> = (1..=25).map(|t: i32| (15 - t).abs() as f64).collect();
    let change = change_type(&values);
    assert_eq!(change.kind, ChangeKind::TrendChange);
    assert_eq!(change.change_point, Some(14));
    assert_eq!(change.p_value, 1.2352704486638883E-112);
}

/// "row with integer key and value": 0 below 13, 1 from 13: a step change with p-value 0.
#[test]
fn spec_exact_step_has_p_value_zero() {
    let values: Vec<f64> = (1..=25).map(|k| if k < 13 { 0.0 } else { 1.0 }).collect();
    let change = change_type(&values);
    assert_eq!(change.kind, ChangeKind::StepChange);
    assert_eq!(change.change_point, Some(12));
    assert_eq!(change.p_value, 0.0);
}

#[test]
fn fewer_than_22_values_are_indeterminable_with_elasticsearchs_reason() {
    let change = change_type(&[1.0; 21]);
    assert_eq!(change.kind, ChangeKind::Indeterminable);
    assert_eq!(change.change_point, None);
    assert_eq!(
        change.reason.as_deref(),
        Some("not enough buckets to calculate change_point. Requires at least [22]; found [21]")
    );
}

/// Closed forms: `erfc(0) = 1`, and commons-math `ErfTest.testErfc` reference values
/// (`erfc(1)`, `erfc(2)` from Abramowitz and Stegun's tables).
#[test]
fn erfc_matches_its_tables() {
    assert_eq!(erfc(0.0), 1.0);
    close(erfc(1.0), 0.157_299_207_050_285_13, 1e-14);
    close(erfc(2.0), 0.004_677_734_981_047_266, 1e-13);
    close(erfc(-1.0), 2.0 - 0.157_299_207_050_285_13, 1e-15);
    assert_eq!(erfc(41.0), 0.0);
    assert_eq!(erfc(-41.0), 2.0);
}

/// `GammaTest`: `logGamma(1/2) = log √π`, `logGamma(10) = log 9!`, `P(1, x) = 1 - e^-x`.
#[test]
fn gamma_functions_match_closed_forms() {
    close(log_gamma(0.5), 0.5 * std::f64::consts::PI.ln(), 1e-15);
    close(log_gamma(10.0), 362_880f64.ln(), 1e-15);
    close(log_gamma(3.5), (3.323_350_970_447_842_6f64).ln(), 1e-14);
    close(gamma_p(1.0, 1.0), 1.0 - (-1.0f64).exp(), 1e-14);
    assert!(log_gamma(0.0).is_nan() && log_gamma(-1.0).is_nan());
}

/// `BetaTest`: `I_x(1, 1) = x`, `I_x(a, 1) = x^a`, `log B(2, 3) = log 1/12`, `log B(1, 1) = 0`;
/// and the F survival function at the 5% critical value of F(1, 10), 4.9646027437307145.
#[test]
fn beta_functions_match_closed_forms() {
    close(regularized_beta(0.5, 1.0, 1.0), 0.5, 1e-15);
    close(regularized_beta(0.3, 2.0, 1.0), 0.09, 1e-14);
    close(regularized_beta(0.9, 3.0, 1.0), 0.729, 1e-14);
    assert_eq!(log_beta(1.0, 1.0), 0.0);
    close(log_beta(2.0, 3.0), (1.0f64 / 12.0).ln(), 1e-14);
    close(
        log_beta(20.0, 30.0),
        log_gamma(20.0) + log_gamma(30.0) - log_gamma(50.0),
        1e-12,
    );
    assert!(regularized_beta(1.5, 1.0, 1.0).is_nan());
    close(
        super::detector::f_distribution_sf(1.0, 10.0, 4.964_602_743_730_714_5),
        0.05,
        1e-9,
    );
}

/// The two-sample KS test on samples small enough to count by hand: of the 6 ways to split
/// {1, 2, 3, 4} into pairs, 2 put one pair wholly below the other (`D = 1`).
#[test]
fn kolmogorov_smirnov_counts_lattice_paths() {
    let (x, y) = ([1.0, 2.0], [3.0, 4.0]);
    assert_eq!(ks_integral_statistic(&x, &y), 4);
    close(ks_exact_p(1.0, 2, 2, false), 1.0 / 3.0, 1e-15);
    assert_eq!(ks_exact_p(1.0, 2, 2, true), 0.0);
    // Interleaved samples: D = 1/2, and every split reaches at least that.
    assert_eq!(ks_integral_statistic(&[1.0, 3.0], &[2.0, 4.0]), 2);
    close(ks_exact_p(0.5, 2, 2, false), 1.0, 1e-15);
}

/// `new java.util.Random(42).nextDouble()` is 0.7275636800328681 on every JVM; commons-math
/// `StatUtils.variance` is the n−1 variance; `Arrays.binarySearch` finds the middle of a run.
#[test]
fn java_library_behaviours() {
    let mut rng = JavaRandom::new(42);
    assert_eq!(rng.next_double(), 0.727_563_680_032_868_1);
    close(sample_variance(&[1.0, 2.0, 3.0, 4.0]), 5.0 / 3.0, 1e-15);
    assert_eq!(sample_variance(&[7.0]), 0.0);
    assert!(sample_variance(&[]).is_nan());
    assert_eq!(binary_search(&[1.0, 2.0, 2.0, 2.0, 3.0], 2.0), 2);
    assert_eq!(binary_search(&[1.0, 2.0, 3.0], 2.5), -3);
}
