//! Proleptic Gregorian calendar arithmetic in UTC, shared by every module that handles dates, and
//! the crate's one parser of RFC 3339 / ISO 8601 timestamps ([`parse_timestamp`]).
//!
//! Howard Hinnant's `days_from_civil`/`civil_from_days` algorithms: a dozen lines that cover every
//! date rules and audit logs use, so no date crate is needed. A parsed [`Instant`] is whole
//! seconds and nanoseconds, which hold any year the syntax allows; converting it to the
//! milliseconds of Elasticsearch dates or the nanoseconds of audit times is checked.

/// An instant: whole seconds since 1970-01-01T00:00:00Z (floor) and nanoseconds past them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant {
    pub seconds: i64,
    pub nanos: u32,
}

impl Instant {
    /// Milliseconds since the epoch (finer digits truncated towards the past, as Elasticsearch
    /// truncates them in a `date` field); `None` outside a Java `long`.
    pub fn to_millis(self) -> Option<i64> {
        i64::try_from(i128::from(self.seconds) * 1000 + i128::from(self.nanos / 1_000_000)).ok()
    }

    /// Nanoseconds since the epoch; `None` outside 1677-09-21T00:12:43.145224192Z to
    /// 2262-04-11T23:47:16.854775807Z, the instants an `i64` of nanoseconds holds.
    pub fn to_nanos(self) -> Option<i64> {
        i64::try_from(i128::from(self.seconds) * 1_000_000_000 + i128::from(self.nanos)).ok()
    }
}

/// Which timestamps [`parse_timestamp`] accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// RFC 3339 as API servers write it: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, a space for
    /// `T` allowed, any number of fraction digits (beyond nine truncated), leap second `:60`.
    Rfc3339,
    /// Elasticsearch's `strict_date_optional_time`: a signed year of 4 to 9 digits, then
    /// optionally month, day, time (`T`, or a space when `space` is set), up to nine fraction
    /// digits (`.` or `,`), and `Z` or an offset `±HH[:MM]`; no zone means UTC.
    DateOptionalTime { space: bool },
}

/// The one timestamp parser of the crate: `None` when `text` is not in the syntax.
pub fn parse_timestamp(text: &str, syntax: Syntax) -> Option<Instant> {
    let s = match syntax {
        Syntax::Rfc3339 => text.as_bytes(),
        Syntax::DateOptionalTime { .. } => text.trim().as_bytes(),
    };
    let mut p = 0;
    let digits = |p: &mut usize, min: usize, max: usize| -> Option<i64> {
        let start = *p;
        while *p < s.len() && s[*p].is_ascii_digit() && *p - start < max {
            *p += 1;
        }
        if *p - start < min {
            return None;
        }
        // At most nine digits (the longest run any caller allows): no overflow.
        Some(
            s[start..*p]
                .iter()
                .fold(0i64, |n, &d| n * 10 + i64::from(d - b'0')),
        )
    };
    let eat = |p: &mut usize, b: u8| -> bool {
        let hit = s.get(*p) == Some(&b);
        *p += usize::from(hit);
        hit
    };
    let full = syntax == Syntax::Rfc3339;
    let year = if full {
        digits(&mut p, 4, 4)?
    } else {
        let negative = eat(&mut p, b'-');
        if !negative {
            eat(&mut p, b'+');
        }
        let year = digits(&mut p, 4, 9)?;
        if negative {
            -year
        } else {
            year
        }
    };
    let (mut month, mut day, mut hour, mut minute, mut second, mut nanos) = (1, 1, 0, 0, 0, 0);
    if eat(&mut p, b'-') {
        month = digits(&mut p, 2, 2)?;
        if eat(&mut p, b'-') {
            day = digits(&mut p, 2, 2)?;
        } else if full {
            return None;
        }
    } else if full {
        return None;
    }
    let space = matches!(
        syntax,
        Syntax::Rfc3339 | Syntax::DateOptionalTime { space: true }
    );
    let separator = s
        .get(p)
        .is_some_and(|&b| b == b'T' || b == b't' || (space && b == b' '));
    if separator {
        p += 1;
        hour = digits(&mut p, 2, 2)?;
        let has_minutes = eat(&mut p, b':');
        if has_minutes {
            minute = digits(&mut p, 2, 2)?;
        }
        let has_seconds = has_minutes && eat(&mut p, b':');
        if has_seconds {
            second = digits(&mut p, 2, 2)?;
            if eat(&mut p, b'.') || (!full && eat(&mut p, b',')) {
                let start = p;
                while p < s.len() && s[p].is_ascii_digit() {
                    p += 1;
                }
                let fraction = &s[start..p];
                if fraction.is_empty() || (!full && fraction.len() > 9) {
                    return None;
                }
                for i in 0..9 {
                    nanos = nanos * 10 + fraction.get(i).map_or(0, |d| u32::from(d - b'0'));
                }
            }
        } else if full {
            return None;
        }
    } else if full {
        return None;
    }
    let offset = match s.get(p) {
        None if !full => 0,
        Some(b'Z' | b'z') => {
            p += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            p += 1;
            let h = digits(&mut p, 2, 2)?;
            let colon = eat(&mut p, b':');
            let m = if colon || (!full && p < s.len()) {
                digits(&mut p, 2, 2)?
            } else if full {
                return None;
            } else {
                0
            };
            // RFC 3339's time-numoffset is 00:00-23:59; java.time's ZoneOffset (what
            // `strict_date_optional_time` parses into) stops at ±18:00.
            let limit = if full { 23 * 60 + 59 } else { 18 * 60 };
            if m > 59 || h * 60 + m > limit {
                return None;
            }
            let total = h * 3600 + m * 60;
            if sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };
    let max_second = if full { 60 } else { 59 };
    if p != s.len()
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > max_second
    {
        return None;
    }
    // Years of at most nine digits: every term fits an `i64` with room to spare.
    let seconds =
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(Instant { seconds, nanos })
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month 1-12, day 1-31)` of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_parser_for_both_syntaxes() {
        let es = Syntax::DateOptionalTime { space: true };
        let t = parse_timestamp("2025-10-07T16:19:19.647880072Z", Syntax::Rfc3339).unwrap();
        assert_eq!(
            parse_timestamp("2025-10-07T16:19:19.647880072Z", es),
            Some(t)
        );
        assert_eq!(t.nanos, 647_880_072);
        assert_eq!(
            parse_timestamp("2024-02-29T01:00:00+01:00", Syntax::Rfc3339),
            parse_timestamp("2024-02-29", es)
        );
        assert_eq!(
            parse_timestamp("2024-02-29T01:00", es).unwrap().seconds % 86_400,
            3600
        );
        assert!(parse_timestamp("2024-02-29", Syntax::Rfc3339).is_none());
        assert!(parse_timestamp("2026-02-30T00:00:00Z", Syntax::Rfc3339).is_none());
        assert!(parse_timestamp(
            "2026-05-15 10:00:00Z",
            Syntax::DateOptionalTime { space: false }
        )
        .is_none());
        assert!(parse_timestamp("2026-05-15T10:00:00.1234567891Z", es).is_none());
        assert!(parse_timestamp("2026-05-15T10:00:00.1234567891Z", Syntax::Rfc3339).is_some());
        assert!(parse_timestamp("2026-05-15T10:00:00+25:00", Syntax::Rfc3339).is_none());
        assert!(parse_timestamp("2026-05-15T10:00:00+23:59", Syntax::Rfc3339).is_some());
        assert!(parse_timestamp("2026-05-15T10:00:00+18:01", es).is_none());
        assert!(parse_timestamp("2026-05-15T10:00:00-18:00", es).is_some());
    }

    #[test]
    fn conversions_are_checked() {
        let es = Syntax::DateOptionalTime { space: true };
        let late = parse_timestamp("9999-12-31T23:59:59Z", Syntax::Rfc3339).unwrap();
        assert_eq!(late.to_nanos(), None, "year 9999 is beyond i64 nanoseconds");
        assert_eq!(late.to_millis(), Some(253_402_300_799_000));
        let early = parse_timestamp("1602-01-01T00:00:00Z", Syntax::Rfc3339).unwrap();
        assert_eq!(early.to_nanos(), None);
        let far = parse_timestamp("+999999999-12-31", es).unwrap();
        assert_eq!(far.to_millis(), None, "beyond a Java long of milliseconds");
        let least = parse_timestamp("-292275055-05-16T16:47:04.192Z", es).unwrap();
        assert_eq!(least.to_millis(), Some(i64::MIN));
        let most = parse_timestamp("+292278994-08-17T07:12:55.807Z", es).unwrap();
        assert_eq!(most.to_millis(), Some(i64::MAX));
        let before = parse_timestamp("1969-12-31T23:59:59.9999Z", es).unwrap();
        assert_eq!(before.to_millis(), Some(-1));
    }

    #[test]
    fn round_trips_across_leap_years_and_the_epoch() {
        for days in [-719_468, -1, 0, 59, 60, 11_016, 20_574, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
    }
}
