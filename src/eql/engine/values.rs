//! How a document value compares with a query constant, per the field's type, as a term or
//! range query compares them (a keyword with a string, an `ip` with an address string, a date
//! with an ISO string or epoch milliseconds, a number with a number).

use std::cmp::Ordering;

use crate::document::value::Value;
use crate::document::{datetime, ip};
use crate::eql::ast::Literal;

/// `None` when the two cannot be compared (the query leaf then does not match).
pub fn value_cmp(v: &Value, lit: &Literal, insensitive: bool) -> Option<Ordering> {
    match lit {
        Literal::Null => None,
        Literal::String(s) => match v {
            Value::String(t) | Value::Version(t) => Some(text_cmp(t, s, insensitive)),
            Value::Ip(bytes) => ip::parse(s).map(|b| bytes.cmp(&b)),
            Value::Datetime(ms) => datetime::parse_iso(s).map(|t| ms.cmp(&t)),
            Value::Boolean(b) => match s.as_str() {
                "true" => Some(b.cmp(&true)),
                "false" => Some(b.cmp(&false)),
                _ => None,
            },
            other => {
                let x = number(other)?;
                let y: f64 = s.parse().ok()?;
                x.partial_cmp(&y)
            }
        },
        Literal::Bool(b) => match v {
            Value::Boolean(x) => Some(x.cmp(b)),
            Value::String(t) => Some(t.as_ref().cmp(if *b { "true" } else { "false" })),
            _ => None,
        },
        Literal::Integer(n) => match v {
            Value::Datetime(ms) => Some(ms.cmp(n)),
            Value::Integer(_) | Value::Long(_) => v.as_i64().map(|x| x.cmp(n)),
            Value::String(t) => t.parse::<f64>().ok()?.partial_cmp(&(*n as f64)),
            other => number(other)?.partial_cmp(&(*n as f64)),
        },
        Literal::Decimal(d) => match v {
            Value::String(t) => t.parse::<f64>().ok()?.partial_cmp(d),
            other => number(other)?.partial_cmp(d),
        },
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(_) | Value::Long(_) | Value::UnsignedLong(_) | Value::Double(_) => {
            v.as_f64()
        }
        Value::Datetime(ms) => Some(*ms as f64),
        _ => None,
    }
}

/// String order; case-insensitive forms compare lower-cased text (Java's `equalsIgnoreCase`
/// is close to this for the ASCII and Latin text rules use).
pub fn text_cmp(a: &str, b: &str, insensitive: bool) -> Ordering {
    if insensitive {
        a.to_lowercase().cmp(&b.to_lowercase())
    } else {
        a.cmp(b)
    }
}
