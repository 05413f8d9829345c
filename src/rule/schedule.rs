//! A rule's schedule as Kibana runs it: `interval`, the `from` look-back in Elastic date math,
//! `max_signals` and `timestamp_override`, with Kibana's defaults filled in (notes §6.1).

use crate::calendar::{civil_from_days, days_from_civil, days_in_month};

use super::model::Rule;

/// Kibana's defaults when a rule leaves the field out.
pub const DEFAULT_INTERVAL: &str = "5m";
pub const DEFAULT_FROM: &str = "now-6m";
pub const DEFAULT_MAX_SIGNALS: u32 = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Time between executions, in milliseconds.
    pub interval_ms: i64,
    /// The interval as written (or the default), e.g. `5m`.
    pub interval: String,
    /// Start of each execution's window, relative to the execution time.
    pub from: DateMath,
    pub max_signals: u32,
    /// The field Kibana filters the time range on instead of `@timestamp`.
    pub timestamp_override: Option<String>,
}

impl Schedule {
    /// How far back each execution looks, in milliseconds, for a fixed-length `from` (every unit
    /// but months and years); for those, resolve [`Schedule::from`] against the execution time.
    pub fn lookback_ms(&self) -> Option<i64> {
        self.from.fixed_ms()
    }
}

impl Rule {
    /// The schedule with defaults filled in. Values were validated on load, so the fallbacks
    /// to the defaults below are never taken for a loaded rule.
    pub fn schedule(&self) -> Schedule {
        let data = &self.data;
        let interval = data
            .interval
            .clone()
            .unwrap_or_else(|| DEFAULT_INTERVAL.into());
        let from_text = data.from.as_deref().unwrap_or(DEFAULT_FROM);
        Schedule {
            interval_ms: parse_interval(&interval).unwrap_or(5 * MINUTE),
            interval,
            from: DateMath::parse(from_text)
                .unwrap_or_else(|| DateMath::parse(DEFAULT_FROM).expect("the default parses")),
            max_signals: data
                .max_signals
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(DEFAULT_MAX_SIGNALS),
            timestamp_override: data.timestamp_override.clone(),
        }
    }
}

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// `interval` as detection-rules accepts it: `^\d+[mshd]$`, in milliseconds.
pub fn parse_interval(text: &str) -> Option<i64> {
    let (digits, unit) = split_amount(text)?;
    let unit_ms = match unit {
        "s" => SECOND,
        "m" => MINUTE,
        "h" => HOUR,
        "d" => DAY,
        _ => return None,
    };
    digits.checked_mul(unit_ms).filter(|ms| *ms > 0)
}

fn split_amount(text: &str) -> Option<(i64, &str)> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(split);
    if digits.is_empty() {
        return None;
    }
    Some((digits.parse().ok()?, unit))
}

/// Elastic date math of the one form detection-rules allows for `from`: `now-<n><unit>`,
/// units `y M w d h H m s` (`^now-\d+[yMwdhHms]$`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateMath {
    pub text: String,
    pub amount: i64,
    pub unit: DateUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateUnit {
    Year,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
}

impl DateMath {
    pub fn parse(text: &str) -> Option<DateMath> {
        let (amount, unit) = split_amount(text.strip_prefix("now-")?)?;
        let unit = match unit {
            "y" => DateUnit::Year,
            "M" => DateUnit::Month,
            "w" => DateUnit::Week,
            "d" => DateUnit::Day,
            "h" | "H" => DateUnit::Hour,
            "m" => DateUnit::Minute,
            "s" => DateUnit::Second,
            _ => return None,
        };
        let math = DateMath {
            text: text.to_string(),
            amount,
            unit,
        };
        // Reject amounts whose window would overflow when resolved.
        math.resolve(0).map(|_| math)
    }

    /// The look-back length for fixed-length units; `None` for months and years.
    pub fn fixed_ms(&self) -> Option<i64> {
        let unit_ms = match self.unit {
            DateUnit::Week => 7 * DAY,
            DateUnit::Day => DAY,
            DateUnit::Hour => HOUR,
            DateUnit::Minute => MINUTE,
            DateUnit::Second => SECOND,
            DateUnit::Year | DateUnit::Month => return None,
        };
        self.amount.checked_mul(unit_ms)
    }

    /// The instant `now - amount unit` in epoch milliseconds (UTC). Months and years move the
    /// calendar date and clamp the day to the target month's length, as Elastic date math does.
    pub fn resolve(&self, now_ms: i64) -> Option<i64> {
        if let Some(ms) = self.fixed_ms() {
            return now_ms.checked_sub(ms);
        }
        let months = match self.unit {
            DateUnit::Year => self.amount.checked_mul(12)?,
            _ => self.amount,
        };
        let days = now_ms.div_euclid(DAY);
        let time = now_ms.rem_euclid(DAY);
        let (y, m, d) = civil_from_days(days);
        let total = (y.checked_mul(12)? + (m - 1)).checked_sub(months)?;
        let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        let nd = d.min(days_in_month(ny, nm));
        days_from_civil(ny, nm, nd)
            .checked_mul(DAY)?
            .checked_add(time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_follow_the_detection_rules_pattern() {
        assert_eq!(parse_interval("5m"), Some(300_000));
        assert_eq!(parse_interval("1h"), Some(3_600_000));
        assert_eq!(parse_interval("30s"), Some(30_000));
        assert_eq!(parse_interval("2d"), Some(172_800_000));
        for bad in ["5", "m", "5M", "5 m", "-5m", "1w", "0m", ""] {
            assert_eq!(parse_interval(bad), None, "{bad}");
        }
    }

    #[test]
    fn from_is_now_minus_an_amount() {
        let six = DateMath::parse("now-6m").unwrap();
        assert_eq!(six.fixed_ms(), Some(360_000));
        assert_eq!(
            DateMath::parse("now-2H").unwrap().fixed_ms(),
            Some(7_200_000)
        );
        for bad in [
            "now", "now-6", "now+6m", "now-6m/m", "now-6x", "6m", "now- 6m",
        ] {
            assert_eq!(DateMath::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn months_move_the_calendar_and_clamp_the_day() {
        // 2024-03-31T12:00:00Z minus one month is 2024-02-29T12:00:00Z (leap year).
        let march_31 = days_from_civil(2024, 3, 31) * DAY + 12 * HOUR;
        let feb_29 = days_from_civil(2024, 2, 29) * DAY + 12 * HOUR;
        assert_eq!(
            DateMath::parse("now-1M").unwrap().resolve(march_31),
            Some(feb_29)
        );
        let year_before = days_from_civil(2023, 3, 31) * DAY + 12 * HOUR;
        assert_eq!(
            DateMath::parse("now-1y").unwrap().resolve(march_31),
            Some(year_before)
        );
        assert_eq!(
            civil_from_days(days_from_civil(1999, 12, 31)),
            (1999, 12, 31)
        );
    }
}
