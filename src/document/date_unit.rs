//! The time units of `DATE_DIFF` (`DateDiff.Part`) by name and alias, shared by `DATE_DIFF`
//! and `DATE_UNIT_COUNT`.

/// A `DATE_DIFF` unit (`DateDiff.Part`), the units `DATE_UNIT_COUNT` counts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Year,
    Quarter,
    Month,
    DayOfYear,
    Day,
    Week,
    Weekday,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
}

impl Part {
    /// A unit by its name or alias, case-insensitive (`DateDiff.Part.resolve`).
    pub fn resolve(name: &str) -> Option<Part> {
        Some(match name.to_ascii_lowercase().as_str() {
            "year" | "years" | "yy" | "yyyy" => Part::Year,
            "quarter" | "quarters" | "qq" | "q" => Part::Quarter,
            "month" | "months" | "mm" | "m" => Part::Month,
            "dayofyear" | "dy" | "y" => Part::DayOfYear,
            "day" | "days" | "dd" | "d" => Part::Day,
            "week" | "weeks" | "wk" | "ww" => Part::Week,
            "weekday" | "weekdays" | "dw" => Part::Weekday,
            "hour" | "hours" | "hh" => Part::Hour,
            "minute" | "minutes" | "mi" | "n" => Part::Minute,
            "second" | "seconds" | "ss" | "s" => Part::Second,
            "millisecond" | "milliseconds" | "ms" => Part::Millisecond,
            "microsecond" | "microseconds" | "mcs" => Part::Microsecond,
            "nanosecond" | "nanoseconds" | "ns" => Part::Nanosecond,
            _ => return None,
        })
    }

    /// The enum constant's name, as Java's `toString` prints it.
    pub fn java_name(self) -> &'static str {
        match self {
            Part::Year => "YEAR",
            Part::Quarter => "QUARTER",
            Part::Month => "MONTH",
            Part::DayOfYear => "DAYOFYEAR",
            Part::Day => "DAY",
            Part::Week => "WEEK",
            Part::Weekday => "WEEKDAY",
            Part::Hour => "HOUR",
            Part::Minute => "MINUTE",
            Part::Second => "SECOND",
            Part::Millisecond => "MILLISECOND",
            Part::Microsecond => "MICROSECOND",
            Part::Nanosecond => "NANOSECOND",
        }
    }

    /// The unit's length in nanoseconds, when it is fixed.
    pub fn nanos(self) -> Option<i64> {
        Some(match self {
            Part::Nanosecond => 1,
            Part::Microsecond => 1_000,
            Part::Millisecond => 1_000_000,
            Part::Second => 1_000_000_000,
            Part::Minute => 60_000_000_000,
            Part::Hour => 3_600_000_000_000,
            _ => return None,
        })
    }
}
