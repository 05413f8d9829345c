//! `CHANGE_POINT`: Elasticsearch's ML change-point detection over a column, ported from
//! `x-pack/plugin/ml` (`ChangePointDetector`, `ChangeDetector`, `SpikeAndDipDetector`, `KDE`,
//! `LeastSquaresOnlineRegression`) and the commons-math routines they call.

mod command;
mod detector;
mod java;
mod regression;
mod special;
mod spike;
mod svd;

pub(crate) use command::{compile_change_point, run_change_point, ChangePointPlan};

/// `ChangePointDetector.MINIMUM_BUCKETS`: each side of a split holds at least this many.
pub const MINIMUM_BUCKETS: usize = 10;
/// `ChangePointDetector.P_VALUE_THRESHOLD`.
const P_VALUE_THRESHOLD: f64 = 0.01;

/// The kinds of `ChangeType`, by the names `CHANGE_POINT` writes in its type column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Dip,
    Spike,
    StepChange,
    TrendChange,
    DistributionChange,
    NonStationary,
    Stationary,
    Indeterminable,
}

impl ChangeKind {
    /// `ChangeType.getWriteableName()`.
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Dip => "dip",
            ChangeKind::Spike => "spike",
            ChangeKind::StepChange => "step_change",
            ChangeKind::TrendChange => "trend_change",
            ChangeKind::DistributionChange => "distribution_change",
            ChangeKind::NonStationary => "non_stationary",
            ChangeKind::Stationary => "stationary",
            ChangeKind::Indeterminable => "indeterminable",
        }
    }
}

/// A detector's verdict: the kind, its p-value (1 when there is none, as `ChangeType`'s
/// default), and the index of the change point among the values, for the kinds that have one
/// (stationary, non-stationary and indeterminable series have none, so `CHANGE_POINT` marks no
/// row for them).
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeType {
    pub kind: ChangeKind,
    pub p_value: f64,
    pub change_point: Option<usize>,
    /// Why an indeterminable series is so.
    pub reason: Option<String>,
}

impl ChangeType {
    fn at(kind: ChangeKind, p_value: f64, change_point: usize) -> ChangeType {
        ChangeType {
            kind,
            p_value,
            change_point: Some(change_point),
            reason: None,
        }
    }

    fn stationary() -> ChangeType {
        ChangeType {
            kind: ChangeKind::Stationary,
            p_value: 1.0,
            change_point: None,
            reason: None,
        }
    }

    fn indeterminable(reason: String) -> ChangeType {
        ChangeType {
            kind: ChangeKind::Indeterminable,
            p_value: 1.0,
            change_point: None,
            reason: Some(reason),
        }
    }
}

/// `ChangePointDetector.getChangeType`: the more significant of the spike/dip test and the
/// change test, over at least `2·MINIMUM_BUCKETS + 2` values.
pub fn change_type(values: &[f64]) -> ChangeType {
    let required = 2 * MINIMUM_BUCKETS + 2;
    if values.len() < required {
        return ChangeType::indeterminable(format!(
            "not enough buckets to calculate change_point. Requires at least [{required}]; found [{}]",
            values.len()
        ));
    }
    let spike_or_dip = spike::detect(values, P_VALUE_THRESHOLD);
    let change = detector::detect(values, P_VALUE_THRESHOLD);
    if spike_or_dip.p_value < change.p_value {
        spike_or_dip
    } else {
        change
    }
}

#[cfg(test)]
mod tests;
