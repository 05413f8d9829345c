//! Elasticsearch date values in KQL: `strict_date_optional_time||epoch_millis` and date math
//! (`now-7d/d`, `2024-01-01||+1M`), with the rounding a range bound gets: an upper bound that
//! is inclusive (`lte`) or a lower bound that is exclusive (`gt`) rounds up to the last
//! millisecond of the unit, as `DateMathParser` does with `roundUp`.
//!
//! Every step is checked: an amount or a rounding that leaves the range of epoch milliseconds
//! (a `long`, about ±292 million years) is [`DateRefused::OutOfRange`], never a wrapped date;
//! Elasticsearch fails the search there too (`java.time` throws, or `Math.multiplyExact` /
//! `addExact` report a long overflow).

use crate::calendar::{civil_from_days, days_from_civil, days_in_month};
use crate::document::datetime;

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Why a date value gives no instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateRefused {
    /// Not a date, epoch milliseconds or date math Elasticsearch parses.
    Unparsable,
    /// Well formed, but it (or a step of its math) falls outside the range of epoch
    /// milliseconds.
    OutOfRange,
}

use DateRefused::{OutOfRange, Unparsable};

/// Parses a date value at `now`.
pub fn resolve(text: &str, now: i64, round_up: bool) -> Result<i64, DateRefused> {
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
fn parse_date(text: &str, round_up: bool) -> Result<i64, DateRefused> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && text.len() > 4 {
        // All digits: a number past a long is out of range, not another format.
        return text.parse().map_err(|_| OutOfRange);
    }
    let start = datetime::parse_iso(text)
        .or_else(|| year_or_month(text))
        .ok_or(Unparsable)?;
    if !round_up {
        return Ok(start);
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
        (_, true) => add_unit(start, 'd', 1)?,
        _ if time_digits.contains('.') => return Ok(start),
        _ => match time_digits.matches(':').count() {
            0 => add_unit(start, 'h', 1)?,
            1 => add_unit(start, 'm', 1)?,
            _ => add_unit(start, 's', 1)?,
        },
    };
    end.checked_sub(1).ok_or(OutOfRange)
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

fn apply_math(mut at: i64, math: &str, round_up: bool) -> Result<i64, DateRefused> {
    let bytes = math.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let op = bytes[i];
        i += 1;
        match op {
            b'/' => {
                let unit = *bytes.get(i).ok_or(Unparsable)? as char;
                i += 1;
                at = round(at, unit, round_up)?;
            }
            b'+' | b'-' => {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                // Digits past an int are Elasticsearch's `Integer.parseInt` failure, but no
                // amount of any unit past a long's range lands inside it either.
                let amount: i64 = if start == i {
                    1
                } else {
                    math[start..i].parse().map_err(|_| OutOfRange)?
                };
                let unit = *bytes.get(i).ok_or(Unparsable)? as char;
                i += 1;
                let signed = if op == b'-' { -amount } else { amount };
                at = add_unit(at, unit, signed)?;
            }
            _ => return Err(Unparsable),
        }
    }
    Ok(at)
}

fn add_unit(at: i64, unit: char, amount: i64) -> Result<i64, DateRefused> {
    let fixed = |ms: i64| {
        amount
            .checked_mul(ms)
            .and_then(|d| at.checked_add(d))
            .ok_or(OutOfRange)
    };
    match unit {
        'y' => {
            datetime::add_months(at, amount.checked_mul(12).ok_or(OutOfRange)?).ok_or(OutOfRange)
        }
        'M' => datetime::add_months(at, amount).ok_or(OutOfRange),
        'w' => fixed(7 * DAY),
        'd' => fixed(DAY),
        'h' | 'H' => fixed(HOUR),
        'm' => fixed(MINUTE),
        's' => fixed(SECOND),
        _ => Err(Unparsable),
    }
}

/// `/unit`: the unit's first millisecond, or its last when rounding up.
fn round(at: i64, unit: char, round_up: bool) -> Result<i64, DateRefused> {
    let days = at.div_euclid(DAY);
    let (year, month, _) = civil_from_days(days);
    // Day counts and lengths in `i128`: the unit's end may lie past a long's milliseconds.
    let ms = |days: i64| i128::from(days) * i128::from(DAY);
    let within = |at: i64, unit: i64| {
        let start = i128::from(at) - i128::from(at.rem_euclid(unit));
        (start, start + i128::from(unit))
    };
    let (start, end) = match unit {
        'y' => (
            ms(days_from_civil(year, 1, 1)),
            ms(days_from_civil(year + 1, 1, 1)),
        ),
        'M' => {
            let first = days_from_civil(year, month, 1);
            (ms(first), ms(first + days_in_month(year, month)))
        }
        'w' => {
            let monday = days - (days + 3).rem_euclid(7);
            (ms(monday), ms(monday + 7))
        }
        'd' => (ms(days), ms(days + 1)),
        'h' | 'H' => within(at, HOUR),
        'm' => within(at, MINUTE),
        's' => within(at, SECOND),
        _ => return Err(Unparsable),
    };
    let chosen = if round_up { end - 1 } else { start };
    i64::try_from(chosen).map_err(|_| OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::{resolve, DateRefused};

    const NOW: i64 = 1_700_000_000_000; // 2023-11-14T22:13:20Z

    #[test]
    fn now_math_and_rounding() {
        assert_eq!(resolve("now", NOW, false), Ok(NOW));
        assert_eq!(resolve("now-1h", NOW, false), Ok(NOW - 3_600_000));
        assert_eq!(resolve("now/d", NOW, false), Ok(1_699_920_000_000));
        assert_eq!(resolve("now/d", NOW, true), Ok(1_700_006_399_999));
        assert_eq!(resolve("now-1d/d", NOW, false), Ok(1_699_833_600_000));
        assert_eq!(resolve("now-1x", NOW, false), Err(DateRefused::Unparsable));
    }

    #[test]
    fn dates_round_up_to_their_precision() {
        let day = resolve("2023-11-14", NOW, false).unwrap();
        assert_eq!(day, 1_699_920_000_000);
        assert_eq!(resolve("2023-11-14", NOW, true), Ok(day + 86_399_999));
        assert_eq!(
            resolve("2023-11-14T22:13", NOW, true),
            Ok(1_700_000_039_999)
        );
        assert_eq!(resolve("2023-11", NOW, false), Ok(1_698_796_800_000));
        assert_eq!(resolve("1700000000000", NOW, false), Ok(NOW));
        assert_eq!(resolve("2023-11-14||+1d", NOW, false), Ok(day + 86_400_000));
        assert_eq!(
            resolve("yesterday", NOW, false),
            Err(DateRefused::Unparsable)
        );
    }

    #[test]
    fn math_outside_the_range_of_longs_is_out_of_range_not_wrapped() {
        let out = Err(DateRefused::OutOfRange);
        assert_eq!(resolve("now+9999999999999d", NOW, false), out);
        assert_eq!(resolve("now-9223372036854775807s", NOW, false), out);
        assert_eq!(resolve("now+99999999999999999999h", NOW, false), out);
        assert_eq!(resolve("now+999999999y", NOW, false), out);
        assert_eq!(resolve("9223372036854775807||+1s", NOW, false), out);
        assert_eq!(resolve("99999999999999999999", NOW, false), out);
        // The last millisecond a long holds rounds down within range; its second ends past it.
        let last = "9223372036854775807";
        assert_eq!(
            resolve(&format!("{last}||/s"), NOW, false),
            Ok(i64::MAX - 807)
        );
        assert_eq!(resolve(&format!("{last}||/s"), NOW, true), out);
        assert_eq!(resolve(&format!("{last}||/d"), NOW, true), out);
        assert_eq!(resolve(&format!("{last}||/y"), NOW, true), out);
        assert_eq!(
            resolve("-9223372036854775808", NOW, false),
            Err(DateRefused::Unparsable)
        );
        // Within range, the checked steps give what the unchecked ones did.
        assert_eq!(
            resolve("now+1000000d", NOW, false),
            Ok(NOW + 1_000_000 * 86_400_000)
        );
    }
}
