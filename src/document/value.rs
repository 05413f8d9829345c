//! ES|QL types, values and cells (null, one value, or a multivalue), with ordering and printing.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::sync::Arc;

pub const LONG_OVERFLOW_MESSAGE: &str = "java.lang.ArithmeticException: long overflow";

use super::{datetime, ip};

/// An ES|QL data type, as the `_query` API names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Type {
    Null,
    Boolean,
    Integer,
    Long,
    UnsignedLong,
    Double,
    Keyword,
    Text,
    Datetime,
    Ip,
    Version,
    DatePeriod,
    TimeDuration,
    /// A point on the globe (`geo_point`); the other spatial types stay out of scope.
    GeoPoint,
    /// A half-open interval of dates `[from, to)` (`date_range`, `super::date_range`).
    DateRange,
    /// The root of a `flattened` field: its leaves as one canonical JSON object of flat dotted
    /// keys (`document::flattened`), held as a string value.
    Flattened,
    /// Nanoseconds since the epoch (`date_nanos`), 1970-01-01 to 2262-04-11.
    DateNanos,
    /// A half-open interval of doubles `[from, to)` (`double_range`, `super::double_range`).
    DoubleRange,
}

impl Type {
    /// The name `_query` responses use.
    pub fn name(self) -> &'static str {
        match self {
            Type::Null => "null",
            Type::Boolean => "boolean",
            Type::Integer => "integer",
            Type::Long => "long",
            Type::UnsignedLong => "unsigned_long",
            Type::Double => "double",
            Type::Keyword => "keyword",
            Type::Text => "text",
            Type::Datetime => "date",
            Type::Ip => "ip",
            Type::Version => "version",
            Type::DatePeriod => "date_period",
            Type::TimeDuration => "time_duration",
            Type::GeoPoint => "geo_point",
            Type::DateRange => "date_range",
            Type::Flattened => "flattened",
            Type::DateNanos => "date_nanos",
            Type::DoubleRange => "double_range",
        }
    }

    /// Parses a type name of a mapping, a cast (`::long`) or a csv-spec header (with aliases).
    pub fn parse(name: &str) -> Option<Type> {
        Some(match name.to_ascii_lowercase().as_str() {
            "null" | "n" => Type::Null,
            "boolean" | "bool" => Type::Boolean,
            "integer" | "int" | "i" | "short" | "byte" => Type::Integer,
            "long" | "l" => Type::Long,
            "unsigned_long" | "ul" => Type::UnsignedLong,
            "double" | "d" | "float" | "half_float" | "scaled_float" => Type::Double,
            "keyword" | "k" | "s" | "string" | "constant_keyword" | "wildcard" => Type::Keyword,
            "text" | "txt" | "match_only_text" => Type::Text,
            "date" | "dt" | "datetime" => Type::Datetime,
            "ip" => Type::Ip,
            "version" | "v" => Type::Version,
            "date_period" => Type::DatePeriod,
            "time_duration" => Type::TimeDuration,
            "geo_point" => Type::GeoPoint,
            "date_range" => Type::DateRange,
            "flattened" => Type::Flattened,
            "date_nanos" => Type::DateNanos,
            "double_range" => Type::DoubleRange,
            _ => return None,
        })
    }

    pub fn is_string(self) -> bool {
        matches!(self, Type::Keyword | Type::Text)
    }

    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Type::Integer | Type::Long | Type::UnsignedLong | Type::Double
        )
    }

    /// A date of either resolution (`DataType.isDate`: `datetime` or `date_nanos`).
    pub fn is_date(self) -> bool {
        matches!(self, Type::Datetime | Type::DateNanos)
    }

    /// A type a string literal beside it is cast to when the query compiles (Elasticsearch's
    /// `ImplicitCasting` for comparisons, `IN` lists and `FILLNULL`): dates, `ip`, `version`,
    /// `boolean`.
    pub fn takes_string_literals(self) -> bool {
        self.is_date() || matches!(self, Type::Ip | Type::Version | Type::Boolean)
    }

    pub fn is_whole(self) -> bool {
        matches!(self, Type::Integer | Type::Long | Type::UnsignedLong)
    }

    /// The type two operands share after promotion (`integer` + `long` is `long`, `text` with
    /// `keyword` is `keyword`); `null` adopts the other side.
    pub fn common(a: Type, b: Type) -> Option<Type> {
        if a == b {
            return Some(if a == Type::Text { Type::Keyword } else { a });
        }
        match (a, b) {
            (Type::Null, t) | (t, Type::Null) => Some(t),
            (x, y) if x.is_string() && y.is_string() => Some(Type::Keyword),
            (Type::Double, y) | (y, Type::Double) if y.is_numeric() => Some(Type::Double),
            (Type::UnsignedLong, _) | (_, Type::UnsignedLong) => None,
            (Type::Long, y) | (y, Type::Long) if y.is_whole() => Some(Type::Long),
            _ => None,
        }
    }
}

/// One value. Strings are shared, so copying a row is cheap.
#[derive(Clone, Debug)]
pub enum Value {
    Boolean(bool),
    Integer(i32),
    Long(i64),
    UnsignedLong(u64),
    Double(f64),
    /// `keyword` and `text` alike; the column type tells them apart.
    String(Arc<str>),
    /// Milliseconds since the epoch, UTC.
    Datetime(i64),
    /// 16 bytes; IPv4 as IPv4-mapped IPv6, as Lucene stores it.
    Ip([u8; 16]),
    Version(Arc<str>),
    /// A calendar amount: months and days (years and quarters are months, weeks are days).
    Period {
        months: i64,
        days: i64,
    },
    /// An exact amount in milliseconds.
    Duration(i64),
    /// A `geo_point`: longitude `x` and latitude `y`, in degrees, as given (not quantized).
    GeoPoint {
        x: f64,
        y: f64,
    },
    /// A `date_range`: milliseconds since the epoch, `from` inclusive and `to` exclusive, as
    /// ES|QL's `LongRange` holds it (`from <= to`).
    DateRange {
        from: i64,
        to: i64,
    },
    /// Nanoseconds since the epoch, UTC (`date_nanos`); never negative.
    DateNanos(i64),
    /// A `double_range`: `from` inclusive and `to` exclusive, as ES|QL's `DoubleRange` holds
    /// it (`from <= to`; open ends are infinities).
    DoubleRange {
        from: f64,
        to: f64,
    },
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::String(Arc::from(s))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) | Value::Version(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        Some(match self {
            Value::Integer(v) => *v as f64,
            Value::Long(v) => *v as f64,
            Value::UnsignedLong(v) => *v as f64,
            Value::Double(v) => *v,
            _ => return None,
        })
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Integer(v) => Some(*v as i64),
            Value::Long(v) => Some(*v),
            Value::UnsignedLong(v) => i64::try_from(*v).ok(),
            Value::Datetime(v) | Value::DateNanos(v) => Some(*v),
            _ => None,
        }
    }

    /// Total order between values of one type (numbers across numeric types). Strings compare
    /// by UTF-8 bytes, IPs by their 16-byte form, versions semantically, false < true.
    pub fn compare(&self, other: &Value) -> Ordering {
        use Value::*;
        match (self, other) {
            (Boolean(a), Boolean(b)) => a.cmp(b),
            (Integer(a), Integer(b)) => a.cmp(b),
            (Long(a), Long(b)) => a.cmp(b),
            (UnsignedLong(a), UnsignedLong(b)) => a.cmp(b),
            (Datetime(a), Datetime(b)) | (DateNanos(a), DateNanos(b)) => a.cmp(b),
            // A date and a nanosecond date compare as instants, exactly.
            (DateNanos(n), Datetime(ms)) => super::date_nanos::compare_to_millis(*n, *ms),
            (Datetime(ms), DateNanos(n)) => super::date_nanos::compare_to_millis(*n, *ms).reverse(),
            (String(a), String(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Ip(a), Ip(b)) => a.cmp(b),
            (Version(a), Version(b)) => compare_versions(a, b),
            (Duration(a), Duration(b)) => a.cmp(b),
            (Period { months: a, days: c }, Period { months: b, days: d }) => (a, c).cmp(&(b, d)),
            (GeoPoint { x: a, y: c }, GeoPoint { x: b, y: d }) => {
                a.total_cmp(b).then_with(|| c.total_cmp(d))
            }
            (DateRange { from: a, to: c }, DateRange { from: b, to: d }) => (a, c).cmp(&(b, d)),
            // `Double.compare` on each bound, as the `DoubleRange` record's `equals`.
            (DoubleRange { from: a, to: c }, DoubleRange { from: b, to: d }) => {
                a.total_cmp(b).then_with(|| c.total_cmp(d))
            }
            (a, b) => match (a.as_whole(), b.as_whole()) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => {
                    let x = a.as_f64().unwrap_or(f64::NAN);
                    let y = b.as_f64().unwrap_or(f64::NAN);
                    x.total_cmp(&y)
                }
            },
        }
    }

    fn as_whole(&self) -> Option<i128> {
        match self {
            Value::Integer(v) => Some(*v as i128),
            Value::Long(v) => Some(*v as i128),
            Value::UnsignedLong(v) => Some(*v as i128),
            _ => None,
        }
    }

    /// The value as `TO_STRING` prints it.
    pub fn to_text(&self) -> String {
        match self {
            Value::Boolean(b) => b.to_string(),
            Value::Integer(v) => v.to_string(),
            Value::Long(v) => v.to_string(),
            Value::UnsignedLong(v) => v.to_string(),
            Value::Double(v) => java_double(*v),
            Value::String(s) | Value::Version(s) => s.to_string(),
            Value::Datetime(ms) => datetime::format_iso(*ms),
            Value::Ip(bytes) => ip::format(bytes),
            Value::Period { months, days } => format_period(*months, *days),
            Value::Duration(ms) => format_duration(*ms),
            Value::GeoPoint { x, y } => super::geo::format(*x, *y),
            Value::DateRange { from, to } => super::date_range::format(*from, *to),
            Value::DateNanos(ns) => super::date_nanos::format_iso(*ns),
            Value::DoubleRange { from, to } => super::double_range::format(*from, *to),
        }
    }

    /// The value in a `_query` JSON response.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Boolean(b) => serde_json::Value::Bool(*b),
            Value::Integer(v) => (*v).into(),
            Value::Long(v) => (*v).into(),
            Value::UnsignedLong(v) => (*v).into(),
            Value::Double(v) => serde_json::Number::from_f64(*v)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            other => serde_json::Value::String(other.to_text()),
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.compare(other) == Ordering::Equal
    }
}

/// Java's `Double.toString`: shortest round-trip digits, plain between 10^-3 and 10^7,
/// `1.0E10` notation outside, always with a fractional part.
pub fn java_double(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let abs = v.abs();
    if (1e-3..1e7).contains(&abs) {
        let s = format!("{v}");
        return if s.contains('.') { s } else { s + ".0" };
    }
    // `{:e}` gives `d.ddddde±x` with the shortest digits.
    let e = format!("{v:e}");
    let (mantissa, exponent) = e.split_once('e').unwrap_or((&e, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.to_string()
    } else {
        format!("{mantissa}.0")
    };
    format!("{mantissa}E{exponent}")
}

fn format_period(months: i64, days: i64) -> String {
    // Java's Period.toString: P1Y2M3D; ES prints e.g. `P1D`.
    let mut s = String::from("P");
    let (years, months) = (months / 12, months % 12);
    if years != 0 {
        let _ = write!(s, "{years}Y");
    }
    if months != 0 {
        let _ = write!(s, "{months}M");
    }
    if days != 0 || s.len() == 1 {
        let _ = write!(s, "{days}D");
    }
    s
}

fn format_duration(ms: i64) -> String {
    // Java's Duration.toString: PT1H, PT2M, PT0.5S.
    if ms == 0 {
        return "PT0S".into();
    }
    let mut s = String::from("PT");
    let hours = ms / 3_600_000;
    let minutes = (ms % 3_600_000) / 60_000;
    let millis = ms % 60_000;
    if hours != 0 {
        let _ = write!(s, "{hours}H");
    }
    if minutes != 0 {
        let _ = write!(s, "{minutes}M");
    }
    if millis != 0 {
        if millis % 1000 == 0 {
            let _ = write!(s, "{}S", millis / 1000);
        } else {
            let _ = write!(s, "{}.{:03}S", millis / 1000, (millis % 1000).abs());
        }
    }
    s
}

/// Orders versions as Elasticsearch's `version` type: numeric parts numerically, a pre-release
/// (`1.0.0-rc1`) before its release, invalid versions after all valid ones.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn split(v: &str) -> (Vec<&str>, Option<&str>) {
        let (main, pre) = match v.split_once('-') {
            Some((m, p)) => (m, Some(p)),
            None => (v, None),
        };
        let main = main.split('+').next().unwrap_or(main);
        (main.split('.').collect(), pre)
    }
    fn valid(parts: &[&str]) -> bool {
        parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    }
    fn part_cmp(x: &str, y: &str) -> Ordering {
        let xn = x.bytes().all(|b| b.is_ascii_digit()) && !x.is_empty();
        let yn = y.bytes().all(|b| b.is_ascii_digit()) && !y.is_empty();
        match (xn, yn) {
            (true, true) => {
                let x = x.trim_start_matches('0');
                let y = y.trim_start_matches('0');
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.cmp(y),
        }
    }
    let (pa, prea) = split(a);
    let (pb, preb) = split(b);
    match (valid(&pa), valid(&pb)) {
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        (false, false) => return a.cmp(b),
        _ => {}
    }
    for i in 0..pa.len().max(pb.len()) {
        let o = match (pa.get(i), pb.get(i)) {
            (Some(x), Some(y)) => part_cmp(x, y),
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    match (prea, preb) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => {
            let xs: Vec<&str> = x.split('.').collect();
            let ys: Vec<&str> = y.split('.').collect();
            for i in 0..xs.len().max(ys.len()) {
                let o = match (xs.get(i), ys.get(i)) {
                    (Some(p), Some(q)) => part_cmp(p, q),
                    (Some(_), None) => Ordering::Greater,
                    (None, Some(_)) => Ordering::Less,
                    (None, None) => Ordering::Equal,
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        }
    }
}

/// A table cell: null, one value, or a multivalue of at least two values.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Cell {
    #[default]
    Null,
    One(Value),
    Many(Vec<Value>),
}

impl Cell {
    /// A cell from any number of values: none is null, one is single.
    pub fn from_values(mut values: Vec<Value>) -> Cell {
        match values.len() {
            0 => Cell::Null,
            1 => Cell::One(values.pop().unwrap_or(Value::Boolean(false))),
            _ => Cell::Many(values),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }

    pub fn values(&self) -> &[Value] {
        match self {
            Cell::Null => &[],
            Cell::One(v) => std::slice::from_ref(v),
            Cell::Many(vs) => vs,
        }
    }

    pub fn into_values(self) -> Vec<Value> {
        match self {
            Cell::Null => Vec::new(),
            Cell::One(v) => vec![v],
            Cell::Many(vs) => vs,
        }
    }

    pub fn boolean(b: Option<bool>) -> Cell {
        b.map_or(Cell::Null, |b| Cell::One(Value::Boolean(b)))
    }

    /// The value of a single-valued boolean cell.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Cell::One(Value::Boolean(b)) => Some(*b),
            _ => None,
        }
    }

    /// Sorts (and for set-like types de-duplicates) the values as doc values return them.
    pub fn into_doc_values(self, ty: Type) -> Cell {
        match self {
            // Text and geo points keep their source order (`_source`, not doc values).
            Cell::Many(mut vs) if !matches!(ty, Type::Text | Type::GeoPoint) => {
                vs.sort_by(|a, b| a.compare(b));
                // Ranges too: `BinaryRangeUtil.encodeLongRanges` stores a sorted set.
                if matches!(
                    ty,
                    Type::Keyword | Type::Ip | Type::Version | Type::DateRange | Type::DoubleRange
                ) {
                    vs.dedup_by(|a, b| a.compare(b) == Ordering::Equal);
                }
                Cell::from_values(vs)
            }
            other => other,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Cell::Null => serde_json::Value::Null,
            Cell::One(v) => v.to_json(),
            Cell::Many(vs) => serde_json::Value::Array(vs.iter().map(Value::to_json).collect()),
        }
    }

    /// Human form: `null`, `x`, `[x, y]`.
    pub fn to_display(&self) -> String {
        match self {
            Cell::Null => "null".into(),
            Cell::One(v) => v.to_text(),
            Cell::Many(vs) => {
                let parts: Vec<String> = vs.iter().map(Value::to_text).collect();
                format!("[{}]", parts.join(", "))
            }
        }
    }
}

/// Orders cells for deterministic output: nulls last, multivalues element-wise.
pub fn compare_cells(a: &Cell, b: &Cell) -> Ordering {
    match (a, b) {
        (Cell::Null, Cell::Null) => Ordering::Equal,
        (Cell::Null, _) => Ordering::Greater,
        (_, Cell::Null) => Ordering::Less,
        _ => {
            let (x, y) = (a.values(), b.values());
            for (p, q) in x.iter().zip(y) {
                let o = p.compare(q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_double_forms() {
        assert_eq!(java_double(2.0), "2.0");
        assert_eq!(java_double(1e10), "1.0E10");
        assert_eq!(java_double(0.5), "0.5");
        assert_eq!(java_double(1.5e-5), "1.5E-5");
        assert_eq!(java_double(2.0299999713897705), "2.0299999713897705");
        assert_eq!(java_double(1234567.0), "1234567.0");
        assert_eq!(java_double(12345678.0), "1.2345678E7");
    }

    #[test]
    fn versions_order_semantically() {
        assert_eq!(compare_versions("1.10.0", "1.9.0"), Ordering::Greater);
        assert_eq!(compare_versions("1.0.0-rc1", "1.0.0"), Ordering::Less);
        assert_eq!(compare_versions("bad", "1.0"), Ordering::Greater);
    }

    #[test]
    fn doc_values_sort_and_dedupe_keywords_only() {
        let kw = Cell::Many(vec![Value::str("b"), Value::str("a"), Value::str("b")]);
        assert_eq!(
            kw.into_doc_values(Type::Keyword),
            Cell::Many(vec![Value::str("a"), Value::str("b")])
        );
        let ints = Cell::Many(vec![Value::Long(2), Value::Long(1), Value::Long(2)]);
        assert_eq!(
            ints.into_doc_values(Type::Long).values().len(),
            3,
            "numbers keep duplicates"
        );
        let text = Cell::Many(vec![Value::str("b"), Value::str("a")]);
        assert_eq!(
            text.clone().into_doc_values(Type::Text),
            text,
            "text keeps source order"
        );
    }
}
