//! Dates as milliseconds since the epoch (UTC): ISO-8601 parsing and printing, calendar math,
//! `DATE_TRUNC`, `DATE_DIFF`, `DATE_EXTRACT` and a Java `DateTimeFormatter` subset.

use crate::calendar::{civil_from_days, days_from_civil, days_in_month, parse_timestamp, Syntax};

pub const MS_PER_DAY: i64 = 86_400_000;

/// Broken-down UTC time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    pub milli: i64,
}

pub fn to_civil(ms: i64) -> Civil {
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: rem / 3_600_000,
        minute: rem / 60_000 % 60,
        second: rem / 1000 % 60,
        milli: rem % 1000,
    }
}

/// Milliseconds of a broken-down time; `None` when they do not fit a Java `long` (or the year is
/// beyond what the calendar arithmetic holds).
pub fn from_civil(c: &Civil) -> Option<i64> {
    if c.year.abs() > MAX_YEAR {
        return None;
    }
    let ms = i128::from(days_from_civil(c.year, c.month, c.day)) * i128::from(MS_PER_DAY)
        + i128::from(c.hour) * 3_600_000
        + i128::from(c.minute) * 60_000
        + i128::from(c.second) * 1000
        + i128::from(c.milli);
    i64::try_from(ms).ok()
}

/// `2024-01-02T03:04:05.678Z`, as Elasticsearch prints dates.
pub fn format_iso(ms: i64) -> String {
    let c = to_civil(ms);
    let year = if (0..=9999).contains(&c.year) {
        format!("{:04}", c.year)
    } else if c.year > 9999 {
        format!("+{}", c.year)
    } else {
        format!("-{:04}", -c.year)
    };
    format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.month, c.day, c.hour, c.minute, c.second, c.milli
    )
}

/// `TO_DATETIME` and casts: [`parse_iso`] without the space separator, which
/// `strict_date_optional_time` rejects (`date/convertFromString`: `"1964-06-02 00:00:00"` fails).
/// Documents and command-line times keep accepting the space.
pub fn parse_iso_strict(text: &str) -> Option<i64> {
    parse_timestamp(text, Syntax::DateOptionalTime { space: false })?.to_millis()
}

/// Parses ISO-8601 as Elasticsearch's `strict_date_optional_time` (the crate's one parser,
/// `calendar::parse_timestamp`): a date, optionally a time (`T` or a space), fractions of a
/// second, and `Z` or an offset. Without a zone it is UTC. An instant whose milliseconds do not
/// fit a Java `long` does not parse, as Elasticsearch cannot index it.
pub fn parse_iso(text: &str) -> Option<i64> {
    parse_timestamp(text, Syntax::DateOptionalTime { space: true })?.to_millis()
}

/// `date + months` with Java's clamping of the day of month (Jan 31 + 1 month is Feb 28/29).
pub fn add_months(ms: i64, months: i64) -> Option<i64> {
    add_months_checked(ms, months).ok()
}

/// `java.time`'s year range: beyond it `plusMonths`/`plusYears` throw.
const MAX_YEAR: i64 = 999_999_999;

/// [`add_months`], failing as Java does: a year outside ±999,999,999 is a
/// `DateTimeException`; a valid year whose milliseconds overflow a `long` is a long overflow.
fn add_months_checked(ms: i64, months: i64) -> Result<i64, String> {
    let overflow = || crate::document::value::LONG_OVERFLOW_MESSAGE.to_string();
    let mut c = to_civil(ms);
    let total = i128::from(c.year) * 12 + i128::from(c.month - 1) + i128::from(months);
    let year = total.div_euclid(12);
    if year.abs() > i128::from(MAX_YEAR) {
        return Err(format!(
            "java.time.DateTimeException: Invalid value for Year (valid values -{MAX_YEAR} - {MAX_YEAR}): {year}"
        ));
    }
    c.year = year as i64;
    c.month = total.rem_euclid(12) as i64 + 1;
    c.day = c.day.min(days_in_month(c.year, c.month));
    // Milliseconds overflow a long near year 292,278,994.
    from_civil(&c).ok_or_else(overflow)
}

/// `date + period` (months first, then days, as `java.time.Period.addTo`); the error is the
/// warning's detail line.
pub fn add_period(ms: i64, months: i64, days: i64) -> Result<i64, String> {
    let overflow = || crate::document::value::LONG_OVERFLOW_MESSAGE.to_string();
    let ms = if months != 0 {
        add_months_checked(ms, months)?
    } else {
        ms
    };
    days.checked_mul(MS_PER_DAY)
        .and_then(|d| ms.checked_add(d))
        .ok_or_else(overflow)
}

/// Truncates to a multiple of a calendar period or an exact duration, in UTC.
pub fn trunc(ms: i64, months: i64, days: i64, duration_ms: i64) -> Option<i64> {
    if months > 0 {
        // Intervals of months and years are aligned to January of year 1 CE, as
        // `DateUtils.roundIntervalMonthOfYear`/`roundYearInterval` do: 7 years on 1963 is 1961.
        let c = to_civil(ms);
        let total = (c.year - 1) * 12 + c.month - 1;
        let t = total - total.rem_euclid(months);
        return days_from_civil(t.div_euclid(12) + 1, t.rem_euclid(12) + 1, 1)
            .checked_mul(MS_PER_DAY);
    }
    if days == 7 {
        // Weeks start on Monday; 1970-01-01 was a Thursday.
        let d = ms.div_euclid(MS_PER_DAY);
        let monday = d - (d + 3).rem_euclid(7);
        return monday.checked_mul(MS_PER_DAY);
    }
    let unit = if days > 0 {
        days.checked_mul(MS_PER_DAY)?
    } else {
        duration_ms
    };
    if unit <= 0 {
        return None;
    }
    ms.checked_sub(ms.rem_euclid(unit))
}

/// The `DATE_DIFF` unit names; `None` for an unknown unit, `Err` for a difference a Java `long`
/// does not hold (`java.time`'s `until` then throws "long overflow"). The difference is exact
/// (128-bit), so between the extreme dates `day` is a count too big for an integer (the
/// caller's "out of [integer] range"), while `millisecond` overflows a long, as in Java.
pub fn diff(unit: &str, start: i64, end: i64) -> Option<Result<i64, ()>> {
    use super::date_unit::Part;
    let ms = i128::from(end) - i128::from(start);
    let long = |value: i128| i64::try_from(value).map_err(|_| ());
    Some(match Part::resolve(unit)? {
        Part::Year => Ok(whole_months(start, end) / 12),
        Part::Quarter => Ok(whole_months(start, end) / 3),
        Part::Month => Ok(whole_months(start, end)),
        Part::DayOfYear | Part::Day | Part::Weekday => long(ms / i128::from(MS_PER_DAY)),
        Part::Week => long(ms / i128::from(7 * MS_PER_DAY)),
        Part::Hour => long(ms / 3_600_000),
        Part::Minute => long(ms / 60_000),
        Part::Second => long(ms / 1000),
        Part::Millisecond => long(ms),
        Part::Microsecond => long(ms * 1000),
        Part::Nanosecond => long(ms * 1_000_000),
    })
}

/// Complete calendar months from `start` to `end` (negative when `end` is earlier).
fn whole_months(start: i64, end: i64) -> i64 {
    if end < start {
        return -whole_months(end, start);
    }
    let (a, b) = (to_civil(start), to_civil(end));
    let mut months = (b.year - a.year) * 12 + (b.month - a.month);
    // A sum beyond the last representable instant is past `end` too.
    if months > 0 && add_months(start, months).is_none_or(|t| t > end) {
        months -= 1;
    }
    months
}

/// `DATE_EXTRACT` with a `java.time.temporal.ChronoField` name.
pub fn extract(field: &str, ms: i64) -> Option<i64> {
    let c = to_civil(ms);
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    Some(match field.to_ascii_uppercase().as_str() {
        "YEAR" | "YEAR_OF_ERA" => c.year,
        "MONTH_OF_YEAR" => c.month,
        "DAY_OF_MONTH" => c.day,
        "HOUR_OF_DAY" => c.hour,
        "MINUTE_OF_HOUR" => c.minute,
        "SECOND_OF_MINUTE" => c.second,
        "MILLI_OF_SECOND" => c.milli,
        "MICRO_OF_SECOND" => c.milli * 1000,
        "NANO_OF_SECOND" => c.milli * 1_000_000,
        "MILLI_OF_DAY" => rem,
        "MICRO_OF_DAY" => rem * 1000,
        "NANO_OF_DAY" => rem * 1_000_000,
        "SECOND_OF_DAY" => rem / 1000,
        "MINUTE_OF_DAY" => rem / 60_000,
        "HOUR_OF_AMPM" => c.hour % 12,
        "CLOCK_HOUR_OF_AMPM" => (c.hour + 11) % 12 + 1,
        "CLOCK_HOUR_OF_DAY" => (c.hour + 23) % 24 + 1,
        "AMPM_OF_DAY" => c.hour / 12,
        "DAY_OF_WEEK" => (days + 3).rem_euclid(7) + 1,
        "DAY_OF_YEAR" => days - days_from_civil(c.year, 1, 1) + 1,
        "EPOCH_DAY" => days,
        "ALIGNED_WEEK_OF_YEAR" => (days - days_from_civil(c.year, 1, 1)) / 7 + 1,
        "ALIGNED_WEEK_OF_MONTH" => (c.day - 1) / 7 + 1,
        "PROLEPTIC_MONTH" => c.year * 12 + c.month - 1,
        "ERA" => i64::from(c.year > 0),
        "INSTANT_SECONDS" => ms.div_euclid(1000),
        _ => return None,
    })
}

/// Month names, January first (Java's English `MMMM`; the first three letters are `MMM`).
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// Weekday names, Monday first (Java's English `EEEE`; the first three letters are `EEE`).
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Formats with a Java `DateTimeFormatter` pattern (letters `yYuMLdDHhmsSaEe`, `'…'` quoting,
/// `X`/`Z` zones as UTC), or one of Elasticsearch's named formats `strict_date_optional_time`
/// and `strict_date_optional_time_nanos`. Unsupported letters give `None`.
pub fn format_pattern(pattern: &str, ms: i64) -> Option<String> {
    format_pattern_with(pattern, ms, 0)
}

/// [`format_pattern`] of an instant `sub_milli` nanoseconds past `ms` (a `date_nanos`): `S`
/// letters beyond the third print those digits.
pub fn format_pattern_with(pattern: &str, ms: i64, sub_milli: i64) -> Option<String> {
    match pattern {
        "strict_date_optional_time" => return Some(format_iso(ms)),
        "strict_date_optional_time_nanos" => {
            let nanos = i128::from(ms) * 1_000_000 + i128::from(sub_milli);
            return match i64::try_from(nanos) {
                Ok(n) if n >= 0 => Some(super::date_nanos::format_iso(n)),
                // Before 1970 a millisecond date prints as the millisecond format does.
                _ => Some(format_iso(ms)),
            };
        }
        _ => {}
    }
    let c = to_civil(ms);
    let days = ms.div_euclid(MS_PER_DAY);
    let weekday = (days + 3).rem_euclid(7) as usize;
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        if ch == '\'' {
            i = copy_quoted(&chars, i, &mut out);
            continue;
        }
        if !ch.is_ascii_alphabetic() {
            out.push(ch);
            i += 1;
            continue;
        }
        let n = letter_run(&chars, i);
        i += n;
        let pad = |v: i64, w: usize| format!("{v:0w$}");
        match ch {
            'y' | 'u' | 'Y' => {
                if n == 2 {
                    out += &pad(c.year.rem_euclid(100), 2)
                } else {
                    out += &pad(c.year, n)
                }
            }
            'M' | 'L' => match n {
                1 | 2 => out += &pad(c.month, n),
                3 => out += &MONTHS[(c.month - 1) as usize][..3],
                _ => out += MONTHS[(c.month - 1) as usize],
            },
            'd' => out += &pad(c.day, n),
            'D' => out += &pad(days - days_from_civil(c.year, 1, 1) + 1, n),
            'H' => out += &pad(c.hour, n),
            'k' => out += &pad((c.hour + 23) % 24 + 1, n),
            'h' => out += &pad((c.hour + 11) % 12 + 1, n),
            'K' => out += &pad(c.hour % 12, n),
            'm' => out += &pad(c.minute, n),
            's' => out += &pad(c.second, n),
            'S' => {
                let frac = format!("{:03}{sub_milli:06}", c.milli);
                out += &frac[..n.min(9)];
            }
            'a' => out += if c.hour < 12 { "AM" } else { "PM" },
            'E' | 'e' if ch == 'E' || n >= 3 => {
                if n >= 4 {
                    out += WEEKDAYS[weekday]
                } else {
                    out += &WEEKDAYS[weekday][..3]
                }
            }
            'e' => out += &pad(weekday as i64 + 1, n),
            'X' => out += "Z",
            'Z' => out += "+0000",
            'x' => out += "+00",
            _ => return None,
        }
    }
    Some(out)
}

/// Parses with a Java pattern (the numeric letters of [`format_pattern`]); UTC.
pub fn parse_pattern(pattern: &str, text: &str) -> Option<i64> {
    let chars: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut i, mut p) = (0, 0);
    let mut c = Civil {
        year: 1970,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        milli: 0,
    };
    let mut pm = None;
    while i < chars.len() {
        let ch = chars[i];
        if ch == '\'' {
            (i, p) = match_quoted(&chars, i, &t, p)?;
            continue;
        }
        if !ch.is_ascii_alphabetic() {
            if t.get(p) != Some(&ch) {
                return None;
            }
            i += 1;
            p += 1;
            continue;
        }
        let n = letter_run(&chars, i);
        i += n;
        if ch == 'a' {
            let s: String = t.get(p..p + 2)?.iter().collect();
            pm = Some(s.eq_ignore_ascii_case("PM"));
            p += 2;
            continue;
        }
        if ch == 'X' || ch == 'Z' {
            if t.get(p) == Some(&'Z') {
                p += 1;
                continue;
            }
            return None;
        }
        // Adjacent numeric fields take exactly `n` digits; a lone field takes all digits.
        let next_is_letter = chars.get(i).is_some_and(|c| c.is_ascii_alphabetic());
        let start = p;
        while p < t.len() && t[p].is_ascii_digit() && (!next_is_letter || p - start < n.max(2)) {
            p += 1;
        }
        if p == start {
            return None;
        }
        let v: i64 = t[start..p].iter().collect::<String>().parse().ok()?;
        set_field(&mut c, ch, n, v, p - start)?;
    }
    if p != t.len() {
        return None;
    }
    if pm == Some(true) {
        c.hour += 12;
    }
    if !(1..=12).contains(&c.month)
        || c.day < 1
        || c.day > days_in_month(c.year, c.month)
        || c.hour > 23
        || c.minute > 59
        || c.second > 59
    {
        return None;
    }
    from_civil(&c)
}

/// Copies the quoted literal that starts at the quote `chars[i]` (`''` is a quote) to `out`;
/// returns the index after it.
fn copy_quoted(chars: &[char], mut i: usize, out: &mut String) -> usize {
    i += 1;
    if chars.get(i) == Some(&'\'') {
        out.push('\'');
        i += 1;
        return i;
    }
    while i < chars.len() {
        if chars[i] == '\'' {
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            break;
        }
        out.push(chars[i]);
        i += 1;
    }
    i + 1
}

/// Matches the quoted literal that starts at the quote `chars[i]` against `t` from `p`;
/// returns the indices after both.
fn match_quoted(chars: &[char], mut i: usize, t: &[char], mut p: usize) -> Option<(usize, usize)> {
    i += 1;
    while i < chars.len() && chars[i] != '\'' {
        if t.get(p) != Some(&chars[i]) {
            return None;
        }
        i += 1;
        p += 1;
    }
    i += 1;
    Some((i, p))
}

/// Sets the field of the pattern letter `ch` (`n` of them) to `v`, read from `digits` digits.
fn set_field(c: &mut Civil, ch: char, n: usize, v: i64, digits: usize) -> Option<()> {
    match ch {
        'y' | 'u' | 'Y' => c.year = if n == 2 { 2000 + v } else { v },
        'M' => c.month = v,
        'd' => c.day = v,
        'H' | 'k' => c.hour = v,
        'h' | 'K' => c.hour = v % 12,
        'm' => c.minute = v,
        's' => c.second = v,
        'S' => {
            c.milli = match digits {
                1 => v * 100,
                2 => v * 10,
                3 => v,
                _ => v / 10_i64.pow(digits as u32 - 3),
            }
        }
        _ => return None,
    }
    Some(())
}

/// How many times the pattern letter at `at` repeats from there (`yyyy` is 4).
fn letter_run(chars: &[char], at: usize) -> usize {
    chars[at..].iter().take_while(|c| **c == chars[at]).count()
}

/// `DAY_NAME(date)`: the English name of the UTC day of the week.
pub fn day_name(ms: i64) -> &'static str {
    // 1970-01-01 was a Thursday (index 3 of WEEKDAYS, which starts on Monday).
    let days = ms.div_euclid(86_400_000);
    WEEKDAYS[(days + 3).rem_euclid(7) as usize]
}

/// `MONTH_NAME(date)`: the English name of the UTC month.
pub fn month_name(month: u32) -> &'static str {
    MONTHS[(month.clamp(1, 12) - 1) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip() {
        let ms = parse_iso("2024-01-02T03:04:05.678Z").unwrap();
        assert_eq!(format_iso(ms), "2024-01-02T03:04:05.678Z");
        assert_eq!(parse_iso("2024-01-02"), parse_iso("2024-01-02T00:00:00Z"));
        assert_eq!(
            parse_iso("2024-01-02T01:00:00+01:00"),
            parse_iso("2024-01-02T00:00:00Z")
        );
        assert_eq!(parse_iso("2024-02-30"), None);
        assert_eq!(format_iso(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn month_diff_counts_complete_months() {
        let a = parse_iso("2023-12-31T23:59:59.999Z").unwrap();
        let b = parse_iso("2024-01-01T00:00:00Z").unwrap();
        assert_eq!(diff("month", a, b), Some(Ok(0)));
        assert_eq!(diff("m", a, b), Some(Ok(0)), "`m` is month in DATE_DIFF");
        let c = parse_iso("2024-12-31T23:59:59.999Z").unwrap();
        assert_eq!(diff("year", a, c), Some(Ok(1)));
    }

    #[test]
    fn formats_java_patterns() {
        let ms = parse_iso("2024-03-05T14:07:09.012Z").unwrap();
        assert_eq!(
            format_pattern("yyyy-MM-dd HH:mm:ss.SSS", ms).unwrap(),
            "2024-03-05 14:07:09.012"
        );
        assert_eq!(format_pattern("MMM d, ''yy", ms).unwrap(), "Mar 5, '24");
        assert_eq!(
            parse_pattern("yyyy-MM-dd", "2024-03-05"),
            parse_iso("2024-03-05")
        );
    }
}
