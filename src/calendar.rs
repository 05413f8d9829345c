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
    let mut cursor = Cursor { s, p: 0 };
    let full = syntax == Syntax::Rfc3339;
    let year = parse_year(&mut cursor, full)?;
    let (month, day) = parse_month_day(&mut cursor, full)?;
    let space = matches!(
        syntax,
        Syntax::Rfc3339 | Syntax::DateOptionalTime { space: true }
    );
    let time = parse_time_of_day(&mut cursor, full, space)?;
    let offset = parse_zone_offset(&mut cursor, full)?;
    let TimeOfDay {
        hour,
        minute,
        second,
        nanos,
    } = time;
    let max_second = if full { 60 } else { 59 };
    if cursor.p != s.len()
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

/// The bytes of a timestamp being parsed and the position reached in them.
struct Cursor<'a> {
    s: &'a [u8],
    p: usize,
}

impl Cursor<'_> {
    /// The number written by the next `min` to `max` ASCII digits; `None` when fewer than `min`.
    #[inline]
    fn digits(&mut self, min: usize, max: usize) -> Option<i64> {
        let s = self.s;
        let start = self.p;
        while self.p < s.len() && s[self.p].is_ascii_digit() && self.p - start < max {
            self.p += 1;
        }
        if self.p - start < min {
            return None;
        }
        // At most nine digits (the longest run any caller allows): no overflow.
        Some(
            s[start..self.p]
                .iter()
                .fold(0i64, |n, &d| n * 10 + i64::from(d - b'0')),
        )
    }

    /// Steps over `b` when it is the next byte; whether it was.
    #[inline]
    fn eat(&mut self, b: u8) -> bool {
        let hit = self.s.get(self.p) == Some(&b);
        self.p += usize::from(hit);
        hit
    }
}

/// The time of day of a timestamp (all zero when it gives none).
struct TimeOfDay {
    hour: i64,
    minute: i64,
    second: i64,
    nanos: u32,
}

/// The year: four digits in RFC 3339 (`full`), else a signed year of 4 to 9 digits.
#[inline]
fn parse_year(c: &mut Cursor<'_>, full: bool) -> Option<i64> {
    if full {
        return c.digits(4, 4);
    }
    let negative = c.eat(b'-');
    if !negative {
        c.eat(b'+');
    }
    let year = c.digits(4, 9)?;
    Some(if negative { -year } else { year })
}

/// `-MM-DD` (both required in RFC 3339); January and the first when left out.
#[inline]
fn parse_month_day(c: &mut Cursor<'_>, full: bool) -> Option<(i64, i64)> {
    let (mut month, mut day) = (1, 1);
    if c.eat(b'-') {
        month = c.digits(2, 2)?;
        if c.eat(b'-') {
            day = c.digits(2, 2)?;
        } else if full {
            return None;
        }
    } else if full {
        return None;
    }
    Some((month, day))
}

/// `THH[:MM[:SS[.fraction]]]` (`T`, `t` or, when `space`, a space; RFC 3339 requires all up to
/// the seconds); midnight when no separator follows the date.
#[inline]
fn parse_time_of_day(c: &mut Cursor<'_>, full: bool, space: bool) -> Option<TimeOfDay> {
    let mut time = TimeOfDay {
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
    };
    let separator =
        c.s.get(c.p)
            .is_some_and(|&b| b == b'T' || b == b't' || (space && b == b' '));
    if separator {
        c.p += 1;
        time.hour = c.digits(2, 2)?;
        let has_minutes = c.eat(b':');
        if has_minutes {
            time.minute = c.digits(2, 2)?;
        }
        let has_seconds = has_minutes && c.eat(b':');
        if has_seconds {
            time.second = c.digits(2, 2)?;
            if c.eat(b'.') || (!full && c.eat(b',')) {
                time.nanos = parse_fraction(c, full)?;
            }
        } else if full {
            return None;
        }
    } else if full {
        return None;
    }
    Some(time)
}

/// The digits after the decimal mark as nanoseconds: at least one, at most nine outside RFC 3339
/// (which takes any number and truncates beyond nine).
#[inline]
fn parse_fraction(c: &mut Cursor<'_>, full: bool) -> Option<u32> {
    let s = c.s;
    let start = c.p;
    while c.p < s.len() && s[c.p].is_ascii_digit() {
        c.p += 1;
    }
    let fraction = &s[start..c.p];
    if fraction.is_empty() || (!full && fraction.len() > 9) {
        return None;
    }
    let mut nanos = 0;
    for i in 0..9 {
        nanos = nanos * 10 + fraction.get(i).map_or(0, |d| u32::from(d - b'0'));
    }
    Some(nanos)
}

/// The zone as seconds east of UTC: `Z`, or `±HH:MM` (`±HH[:MM]` outside RFC 3339, where no zone
/// at all means UTC).
#[inline]
fn parse_zone_offset(c: &mut Cursor<'_>, full: bool) -> Option<i64> {
    let offset = match c.s.get(c.p) {
        None if !full => 0,
        Some(b'Z' | b'z') => {
            c.p += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            c.p += 1;
            let h = c.digits(2, 2)?;
            let colon = c.eat(b':');
            let m = if colon || (!full && c.p < c.s.len()) {
                c.digits(2, 2)?
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
    Some(offset)
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
