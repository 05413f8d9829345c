//! The DSL's small value languages: durations (`4m30s`, `+250ms`), ranges (`1s..5s`) and rates
//! (`30/m`). Parsers return `None` on bad input; the loader turns that into a diagnostic.

use crate::audit::time::{Nanos, NANOS_PER_SECOND};

/// `1h2m3s`, `250ms`, `1.5s`, `0`, with an optional leading `+` (offsets read naturally).
pub fn parse_duration(text: &str) -> Option<Nanos> {
    let text = text.trim();
    let text = text.strip_prefix('+').unwrap_or(text);
    if text == "0" {
        return Some(0);
    }
    if text.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return None;
        }
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "d" => 86_400e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * scale;
    }
    if !total.is_finite() || total > 1e18 {
        return None;
    }
    Some(total.round() as Nanos)
}

/// A fixed duration or a uniform range `low..high` (both inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurationRange {
    pub low: Nanos,
    pub high: Nanos,
}

impl DurationRange {
    pub fn fixed(value: Nanos) -> DurationRange {
        DurationRange {
            low: value,
            high: value,
        }
    }
}

pub fn parse_range(text: &str) -> Option<DurationRange> {
    match text.split_once("..") {
        Some((low, high)) => {
            let (low, high) = (parse_duration(low)?, parse_duration(high)?);
            (low <= high).then_some(DurationRange { low, high })
        }
        None => parse_duration(text).map(DurationRange::fixed),
    }
}

/// `30/m`, `2/s`, `100/h`, `0.5/s` → the spacing between requests.
pub fn parse_rate(text: &str) -> Option<Nanos> {
    let (count, unit) = text.trim().split_once('/')?;
    let count: f64 = count.trim().parse().ok()?;
    let per = match unit.trim() {
        "s" => NANOS_PER_SECOND,
        "m" | "min" => 60 * NANOS_PER_SECOND,
        "h" => 3600 * NANOS_PER_SECOND,
        "d" => 86_400 * NANOS_PER_SECOND,
        _ => return None,
    };
    if !(count > 0.0 && count.is_finite()) {
        return None;
    }
    // Above one request a nanosecond the spacing would be zero and time would stand still.
    let spacing = (per as f64 / count).round() as Nanos;
    (spacing > 0).then_some(spacing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_compound_durations_ranges_and_rates() {
        assert_eq!(parse_duration("+4m30s"), Some(270 * NANOS_PER_SECOND));
        assert_eq!(parse_duration("250ms"), Some(250_000_000));
        assert_eq!(parse_duration("1.5s"), Some(1_500_000_000));
        assert_eq!(parse_duration("0"), Some(0));
        assert_eq!(
            parse_range("1s..5s"),
            Some(DurationRange {
                low: NANOS_PER_SECOND,
                high: 5 * NANOS_PER_SECOND
            })
        );
        assert_eq!(parse_rate("30/m"), Some(2 * NANOS_PER_SECOND));
        for bad in ["", "5", "4 minutes", "-1s", "1x", "s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(parse_range("5s..1s"), None);
        assert_eq!(parse_rate("0/s"), None);
        assert_eq!(parse_rate("1e12/s"), None);
    }
}
