//! Elasticsearch date values in KQL: `strict_date_optional_time||epoch_millis` and date math
//! (`now-7d/d`, `2024-01-01||+1M`), with the rounding a range bound gets: an upper bound that
//! is inclusive (`lte`) or a lower bound that is exclusive (`gt`) rounds up to the last
//! millisecond of the unit, as `DateMathParser` does with `roundUp`.

use crate::calendar::{civil_from_days, days_from_civil, days_in_month};
use crate::eval::datetime;

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Parses a date value at `now`; `None` when Elasticsearch would reject it.
pub fn resolve(text: &str, now: i64, round_up: bool) -> Option<i64> {
    let (anchor, math) = if let Some(rest) = text.strip_prefix("now") {
        (now, rest)
    } else if let Some((date, math)) = text.split_once("||") {
        (parse_date(date, false)?, math)
    } else {
        return parse_date(text, round_up);
    };
    apply_math(anchor, math, round_up)
}

/// An ISO date (missing parts filled with their first value, or with their last when rounding
/// up) or epoch milliseconds.
fn parse_date(text: &str, round_up: bool) -> Option<i64> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && text.len() > 4 {
        return text.parse().ok();
    }
    let start = datetime::parse_iso(text).or_else(|| year_or_month(text))?;
    if !round_up {
        return Some(start);
    }
    // The unit the text stops at: what a round-up fills to its end.
    let date_part = text.split(['T', ' ']).next().unwrap_or("");
    let time_part = text.get(date_part.len() + 1..).unwrap_or("");
    let time_digits = time_part
        .split(['Z', '+', '-'])
        .next()
        .unwrap_or("")
        .to_string();
    let end = match (date_part.matches('-').count(), time_part.is_empty()) {
        (0, true) => add_unit(start, 'y', 1)?,
        (1, true) => add_unit(start, 'M', 1)?,
        (_, true) => start + DAY,
        _ if time_digits.contains('.') => return Some(start),
        _ => match time_digits.matches(':').count() {
            0 => start + HOUR,
            1 => start + MINUTE,
            _ => start + SECOND,
        },
    };
    Some(end - 1)
}

/// `yyyy` and `yyyy-MM`, which `strict_date_optional_time` accepts.
fn year_or_month(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let year: i64 = parts.next().filter(|y| y.len() == 4)?.parse().ok()?;
    let month: i64 = match parts.next() {
        None => 1,
        Some(m) if m.len() == 2 => m.parse().ok().filter(|m| (1..=12).contains(m))?,
        Some(_) => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(days_from_civil(year, month, 1) * DAY)
}

fn apply_math(mut at: i64, math: &str, round_up: bool) -> Option<i64> {
    let bytes = math.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let op = bytes[i];
        i += 1;
        match op {
            b'/' => {
                let unit = *bytes.get(i)? as char;
                i += 1;
                at = round(at, unit, round_up)?;
            }
            b'+' | b'-' => {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                let amount: i64 = if start == i {
                    1
                } else {
                    math[start..i].parse().ok()?
                };
                let unit = *bytes.get(i)? as char;
                i += 1;
                let signed = if op == b'-' { -amount } else { amount };
                at = add_unit(at, unit, signed)?;
            }
            _ => return None,
        }
    }
    Some(at)
}

fn add_unit(at: i64, unit: char, amount: i64) -> Option<i64> {
    let fixed = |ms: i64| amount.checked_mul(ms).and_then(|d| at.checked_add(d));
    match unit {
        'y' => datetime::add_months(at, amount.checked_mul(12)?),
        'M' => datetime::add_months(at, amount),
        'w' => fixed(7 * DAY),
        'd' => fixed(DAY),
        'h' | 'H' => fixed(HOUR),
        'm' => fixed(MINUTE),
        's' => fixed(SECOND),
        _ => None,
    }
}

/// `/unit`: the unit's first millisecond, or its last when rounding up.
fn round(at: i64, unit: char, round_up: bool) -> Option<i64> {
    let days = at.div_euclid(DAY);
    let (year, month, _) = civil_from_days(days);
    let (start, length_end) = match unit {
        'y' => {
            let start = days_from_civil(year, 1, 1) * DAY;
            (start, days_from_civil(year + 1, 1, 1) * DAY)
        }
        'M' => {
            let start = days_from_civil(year, month, 1) * DAY;
            (start, start + days_in_month(year, month) * DAY)
        }
        'w' => {
            let monday = days - (days + 3).rem_euclid(7);
            (monday * DAY, (monday + 7) * DAY)
        }
        'd' => (days * DAY, (days + 1) * DAY),
        'h' | 'H' => (at - at.rem_euclid(HOUR), at - at.rem_euclid(HOUR) + HOUR),
        'm' => (
            at - at.rem_euclid(MINUTE),
            at - at.rem_euclid(MINUTE) + MINUTE,
        ),
        's' => (
            at - at.rem_euclid(SECOND),
            at - at.rem_euclid(SECOND) + SECOND,
        ),
        _ => return None,
    };
    Some(if round_up { length_end - 1 } else { start })
}

#[cfg(test)]
mod tests {
    use super::resolve;

    const NOW: i64 = 1_700_000_000_000; // 2023-11-14T22:13:20Z

    #[test]
    fn now_math_and_rounding() {
        assert_eq!(resolve("now", NOW, false), Some(NOW));
        assert_eq!(resolve("now-1h", NOW, false), Some(NOW - 3_600_000));
        assert_eq!(resolve("now/d", NOW, false), Some(1_699_920_000_000));
        assert_eq!(resolve("now/d", NOW, true), Some(1_700_006_399_999));
        assert_eq!(resolve("now-1d/d", NOW, false), Some(1_699_833_600_000));
        assert_eq!(resolve("now-1x", NOW, false), None);
    }

    #[test]
    fn dates_round_up_to_their_precision() {
        let day = resolve("2023-11-14", NOW, false).unwrap();
        assert_eq!(day, 1_699_920_000_000);
        assert_eq!(resolve("2023-11-14", NOW, true), Some(day + 86_399_999));
        assert_eq!(
            resolve("2023-11-14T22:13", NOW, true),
            Some(1_700_000_039_999)
        );
        assert_eq!(resolve("2023-11", NOW, false), Some(1_698_796_800_000));
        assert_eq!(resolve("1700000000000", NOW, false), Some(NOW));
        assert_eq!(
            resolve("2023-11-14||+1d", NOW, false),
            Some(day + 86_400_000)
        );
        assert_eq!(resolve("yesterday", NOW, false), None);
    }
}
