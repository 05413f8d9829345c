//! Typing a document's leaves: coercion to the mapped type (as Elasticsearch indexes a value),
//! dynamic types, `geo_point` leaves, and the interner that shares repeated strings.

use std::collections::HashSet;
use std::sync::Arc;

use crate::document::scan;
use crate::document::value::{Type, Value};
use crate::document::walk::{Scalar, WordHashBuild};
use crate::document::{convert, date_nanos, datetime, geo, ip};

/// A `geo_point` field's leaves: strings are points (`"lat,lon"` or WKT), numbers pair up as
/// `[lon, lat]` arrays, objects are read from their `lat` and `lon` leaves elsewhere.
pub(super) fn geo_leaves(group: &[(u32, Scalar)]) -> Result<Vec<Value>, String> {
    let mut points = Vec::new();
    let mut pending: Option<f64> = None;
    for (_, leaf) in group {
        match leaf {
            Scalar::Object => {}
            Scalar::Str(t) => points.push(geo::parse_source_string(t)?),
            Scalar::Bool(_) => return Err("cannot index a boolean as [geo_point]".into()),
            number => {
                let v = geo::coordinate(number)
                    .and_then(|v| v.as_f64())
                    .unwrap_or(f64::NAN);
                match pending.take() {
                    None => pending = Some(v),
                    Some(x) => points.push(geo::validate(x, v)?),
                }
            }
        }
    }
    if pending.is_some() {
        return Err("a [lon, lat] array needs two numbers".into());
    }
    Ok(points)
}

/// Converts a JSON leaf to a value of the mapped type, with Elasticsearch's coercion; the error
/// is what indexing would reject the document for.
pub(super) fn to_value(
    s: &Scalar,
    ty: Type,
    field: u32,
    interner: &mut Interner,
) -> Result<Value, String> {
    let fail = |what: &str| Err(format!("cannot index {what} as [{}]", ty.name()));
    if let Scalar::Object = s {
        return fail("an object");
    }
    match ty {
        Type::Keyword | Type::Text | Type::Version => Ok(string_leaf(s, ty, field, interner)),
        Type::Boolean => match s {
            Scalar::Bool(b) => Ok(Value::Boolean(*b)),
            Scalar::Str(t) if t.as_ref() == "true" => Ok(Value::Boolean(true)),
            Scalar::Str(t) if t == "false" || t.is_empty() => Ok(Value::Boolean(false)),
            Scalar::Str(t) => fail(&format!("\"{t}\"")),
            _ => fail("a number"),
        },
        Type::Integer | Type::Long | Type::UnsignedLong | Type::Double => {
            let v = match s {
                Scalar::I64(i) => Value::Long(*i),
                Scalar::U64(u) => Value::UnsignedLong(*u),
                Scalar::F64(f) => Value::Double(*f),
                Scalar::Str(t) => Value::str(t),
                Scalar::Bool(_) => return fail("a boolean"),
                Scalar::Object => unreachable!("handled above"),
            };
            convert::convert(&v, ty).or_else(|_| fail(&format!("[{}]", v.to_text())))
        }
        Type::Datetime => datetime_leaf(s, fail),
        Type::DateNanos => date_nanos_leaf(s, fail),
        Type::Ip => match s {
            Scalar::Str(t) => ip::parse(t)
                .map(Value::Ip)
                .ok_or(())
                .or_else(|_| fail(&format!("'{t}' (not an IP string literal)"))),
            _ => fail("a non-string"),
        },
        Type::GeoPoint => match s {
            Scalar::Str(t) => geo::parse_source_string(t),
            // `[lon, lat]` arrays are paired up by the loader before they get here.
            _ => fail("a lone number"),
        },
        // A range is an object of bounds (`{"gte": …, "lt": …}`), read from its leaves by the
        // loader (`date_range_values`); a bare value is what `RangeFieldMapper` rejects.
        Type::DateRange | Type::DoubleRange => fail("a value that is not an object of bounds"),
        // Read whole from the document by `Loader::fill_flattened`, never leaf by leaf.
        Type::Null | Type::DatePeriod | Type::TimeDuration | Type::Flattened => fail("a value"),
    }
}

/// A string-typed leaf (`keyword`, `text`, `version`), interned.
fn string_leaf(s: &Scalar, ty: Type, field: u32, interner: &mut Interner) -> Value {
    // Strings go to the interner as they are: no copy per value.
    let shared = match s {
        Scalar::Str(t) => interner.get(field, t),
        Scalar::Bool(b) => interner.get(field, &b.to_string()),
        Scalar::I64(i) => interner.get(field, &i.to_string()),
        Scalar::U64(u) => interner.get(field, &u.to_string()),
        Scalar::F64(f) => interner.get(field, &f.to_string()),
        Scalar::Object => unreachable!("refused by to_value"),
    };
    if ty == Type::Version {
        Value::Version(shared)
    } else {
        Value::String(shared)
    }
}

/// A `date` leaf: an ISO time or epoch milliseconds.
fn datetime_leaf(
    s: &Scalar,
    fail: impl Fn(&str) -> Result<Value, String>,
) -> Result<Value, String> {
    match s {
        Scalar::Str(t) => datetime::parse_iso(t)
            .or_else(|| t.parse::<i64>().ok())
            .map(Value::Datetime)
            .ok_or(())
            .or_else(|_| fail(&format!("\"{t}\""))),
        Scalar::I64(i) => Ok(Value::Datetime(*i)),
        Scalar::U64(u) => i64::try_from(*u)
            .map(Value::Datetime)
            .or_else(|_| fail("a number")),
        Scalar::F64(f) => Ok(Value::Datetime(*f as i64)),
        _ => fail("a boolean"),
    }
}

/// A `date_nanos` leaf, in its default format, `strict_date_optional_time_nanos||epoch_millis`:
/// a number is milliseconds; a value outside 1970 to 2262 is refused, as the mapper does.
fn date_nanos_leaf(
    s: &Scalar,
    fail: impl Fn(&str) -> Result<Value, String>,
) -> Result<Value, String> {
    let nanos = match s {
        Scalar::Str(t) => date_nanos::parse(t).or_else(|e| {
            t.parse::<i64>()
                .map_err(|_| e)
                .and_then(date_nanos::from_millis)
        }),
        Scalar::I64(i) => date_nanos::from_millis(*i),
        Scalar::U64(u) => i64::try_from(*u)
            .map_err(|_| String::new())
            .and_then(date_nanos::from_millis),
        Scalar::F64(f) if f.is_finite() && *f >= 0.0 && *f < 9.2e15 => Ok((*f * 1e6) as i64),
        Scalar::F64(_) => Err(String::new()),
        _ => return fail("a boolean"),
    };
    nanos.map(Value::DateNanos).or_else(|_| {
        fail(&match s {
            Scalar::Str(t) => format!("\"{t}\""),
            _ => "a number outside 1970 to 2262".to_string(),
        })
    })
}

pub(super) fn dynamic_type(s: &Scalar) -> Option<Type> {
    Some(match s {
        Scalar::Bool(_) => Type::Boolean,
        Scalar::I64(_) | Scalar::U64(_) => Type::Long,
        Scalar::F64(_) => Type::Double,
        Scalar::Str(_) => Type::Keyword,
        Scalar::Object => return None,
    })
}

/// Shares repeated strings (user names, verbs, resources) between documents; bounded, so
/// unique values (audit ids) do not grow it without limit.
#[derive(Default)]
pub(super) struct Interner {
    strings: HashSet<Arc<str>, WordHashBuild>,
    /// Per field id, the string it last gave: consecutive documents often repeat a field's
    /// value (data stream, dataset, verb), and a compare costs less than a hash and probe.
    last: Vec<Option<Arc<str>>>,
}

const MAX_INTERNED: usize = 1 << 16;

impl Interner {
    /// The shared string for `text`, a value of field `field`.
    pub(super) fn get(&mut self, field: u32, text: &str) -> Arc<str> {
        let field = field as usize;
        if let Some(Some(last)) = self.last.get(field) {
            if last.len() == text.len() && scan::same(last.as_bytes(), text.as_bytes()) {
                return Arc::clone(last);
            }
        }
        let shared = match self.strings.get(text) {
            Some(s) => Arc::clone(s),
            None => {
                let s: Arc<str> = Arc::from(text);
                if self.strings.len() < MAX_INTERNED {
                    self.strings.insert(Arc::clone(&s));
                }
                s
            }
        };
        if self.last.len() <= field {
            self.last.resize(field + 1, None);
        }
        self.last[field] = Some(Arc::clone(&shared));
        shared
    }
}
