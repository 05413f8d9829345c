//! Compiling one KQL leaf into its test for a field's type: match and phrase values, wildcards,
//! ranges, with the query text converted to the field's type (numbers, dates, IPs).

use super::{Bound, Pattern, Test};
use crate::diagnostic::Diagnostic;
use crate::document::{ip, Type, Value as DocValue};
use crate::kql::analyzer;
use crate::kql::ast::{Literal, LiteralKind, RangeOp, Segment, Special};
use crate::kql::date_math;
use crate::kql::{E_DATE, E_VALUE, E_WILDCARD_TYPE};

fn value_error(value: &Literal, ty: Type, why: &str) -> Diagnostic {
    Diagnostic::error(
        E_VALUE,
        format!(
            "`{}` is not a value of a `{}` field: {why}",
            value.text(),
            ty.name()
        ),
    )
    .with_label(value.span, "Elasticsearch fails the search on this value")
}

/// `match` / `match_phrase` on a field of type `ty` (`None`: unmapped, never matches).
pub(super) fn match_test(ty: Option<Type>, value: &Literal) -> Result<Test, Diagnostic> {
    let Some(ty) = ty else { return Ok(Test::Never) };
    if value.special() == Some(Special::Null) {
        return Err(value_error(
            value,
            ty,
            "Elasticsearch's match query refuses null",
        ));
    }
    let text = value.text();
    Ok(match ty {
        Type::Text => {
            let tokens = analyzer::tokens(&text);
            if value.is_quoted() {
                Test::Phrase(tokens)
            } else {
                Test::AnyToken(tokens)
            }
        }
        Type::Keyword | Type::Version => Test::Equals(DocValue::str(&text)),
        Type::Boolean => match text.as_str() {
            "true" => Test::Equals(DocValue::Boolean(true)),
            "false" | "" => Test::Equals(DocValue::Boolean(false)),
            _ => {
                return Err(value_error(
                    value,
                    ty,
                    "only `true` and `false` are booleans",
                ))
            }
        },
        Type::Ip => {
            if text.contains('/') {
                if ip::cidr_contains(&[0; 16], &text).is_none() {
                    return Err(value_error(value, ty, "not an IP address or CIDR block"));
                }
                Test::Cidr(text)
            } else {
                let bytes =
                    ip::parse(&text).ok_or_else(|| value_error(value, ty, "not an IP address"))?;
                Test::Equals(DocValue::Ip(bytes))
            }
        }
        Type::Integer | Type::Long | Type::UnsignedLong | Type::Double => {
            let number = number(&text, ty)
                .ok_or_else(|| value_error(value, ty, "not a number of this type"))?;
            within_type(&number, &text, ty).map_err(|why| value_error(value, ty, &why))?;
            Test::Range {
                lower: Some(Bound {
                    value: number.clone(),
                    inclusive: true,
                }),
                upper: Some(Bound {
                    value: number,
                    inclusive: true,
                }),
            }
        }
        _ => Test::Never,
    })
}

/// Numbers as the number field types parse them; whole-number types refuse a fraction.
fn number(text: &str, ty: Type) -> Option<DocValue> {
    let parsed: f64 = text.trim().parse().ok().filter(|f: &f64| f.is_finite())?;
    match ty {
        Type::Double => Some(DocValue::Double(parsed)),
        _ if parsed.fract() != 0.0 => None,
        _ => Some(DocValue::Double(parsed)),
    }
}

/// A number bound for an `integer` or `long` field lies within the type, as
/// `NumberFieldMapper.NumberType.parse` requires of match and range values alike (beyond it
/// Elasticsearch fails the search with this text).
fn within_type(number: &DocValue, text: &str, ty: Type) -> Result<(), String> {
    let DocValue::Double(d) = number else {
        return Ok(());
    };
    let (low, high, name) = match ty {
        Type::Integer => (f64::from(i32::MIN), f64::from(i32::MAX), "an integer"),
        Type::Long => (i64::MIN as f64, i64::MAX as f64, "a long"),
        _ => return Ok(()),
    };
    if *d < low || *d > high {
        return Err(format!(
            "Value [{}] is out of range for {name}",
            text.trim()
        ));
    }
    Ok(())
}

pub(super) fn date_value(
    value: &Literal,
    now: i64,
    round_up: bool,
) -> Result<DocValue, Diagnostic> {
    let text = value.text();
    date_math::resolve(&text, now, round_up)
        .map(DocValue::Datetime)
        .map_err(|refused| match refused {
            date_math::DateRefused::Unparsable => Diagnostic::error(
                E_DATE,
                format!("`{text}` is not a date Elasticsearch can parse"),
            )
            .with_label(
                value.span,
                "expected an ISO date, epoch milliseconds or date math (`now-1d/d`)",
            ),
            date_math::DateRefused::OutOfRange => Diagnostic::error(
                E_DATE,
                format!(
                    "`{text}` falls outside the range of dates (epoch milliseconds in a long, \
                     about ±292 million years): long overflow"
                ),
            )
            .with_label(value.span, "outside the range of dates"),
        })
}

/// A wildcard value: Kibana sends `query_string` with the value's special characters escaped
/// and its `*` kept. `query_string` splits on whitespace into ORed terms.
pub(super) fn wildcard_test(ty: Option<Type>, value: &Literal) -> Result<Test, Diagnostic> {
    let Some(ty) = ty else { return Ok(Test::Never) };
    let text = match ty {
        Type::Keyword | Type::Version => false,
        Type::Text => true,
        _ => {
            return Err(Diagnostic::error(
                E_WILDCARD_TYPE,
                format!("a wildcard cannot match a `{}` field", ty.name()),
            )
            .with_label(
                value.span,
                "Elasticsearch: can only use wildcard queries on keyword and text fields",
            ))
        }
    };
    let LiteralKind::Unquoted(segments) = &value.kind else {
        unreachable!("wildcards are unquoted")
    };
    let terms = split_whitespace(segments)
        .into_iter()
        .map(|term| {
            if text {
                Pattern(lower(term))
            } else {
                Pattern(term)
            }
        })
        .collect();
    Ok(Test::Wildcards { terms, text })
}

fn lower(segments: Vec<Segment>) -> Vec<Segment> {
    segments
        .into_iter()
        .map(|s| match s {
            Segment::Text(t) => Segment::Text(t.to_lowercase()),
            star => star,
        })
        .collect()
}

/// Splits pattern segments at whitespace (the `query_string` parser's term boundary).
fn split_whitespace(segments: &[Segment]) -> Vec<Vec<Segment>> {
    let mut terms: Vec<Vec<Segment>> = vec![Vec::new()];
    for segment in segments {
        match segment {
            Segment::Star => terms.last_mut().expect("one term").push(Segment::Star),
            Segment::Text(text) => {
                for (i, piece) in text.split(char::is_whitespace).enumerate() {
                    if i > 0 {
                        terms.push(Vec::new());
                    }
                    if !piece.is_empty() {
                        terms
                            .last_mut()
                            .expect("one term")
                            .push(Segment::Text(piece.to_string()));
                    }
                }
            }
        }
    }
    terms.retain(|term| !term.is_empty());
    terms
}

/// Kibana's `range` function on one field.
pub(super) fn range_test(
    ty: Option<Type>,
    op: RangeOp,
    value: &Literal,
    now: i64,
) -> Result<Test, Diagnostic> {
    let Some(ty) = ty else { return Ok(Test::Never) };
    let text = value.text();
    let bound_value = |round_up: bool| -> Result<DocValue, Diagnostic> {
        Ok(match ty {
            // A nanosecond date compares with the millisecond bound as an instant.
            Type::Datetime | Type::DateNanos => date_value(value, now, round_up)?,
            Type::Integer | Type::Long | Type::UnsignedLong | Type::Double => {
                // Range bounds on whole-number fields accept fractions (rounded by the bound's side).
                let parsed: f64 = text
                    .trim()
                    .parse()
                    .ok()
                    .filter(|f: &f64| f.is_finite())
                    .ok_or_else(|| value_error(value, ty, "not a number"))?;
                let bound = DocValue::Double(parsed);
                within_type(&bound, &text, ty).map_err(|why| value_error(value, ty, &why))?;
                bound
            }
            Type::Ip => DocValue::Ip(
                ip::parse(&text).ok_or_else(|| value_error(value, ty, "not an IP address"))?,
            ),
            Type::Boolean => match text.as_str() {
                "true" => DocValue::Boolean(true),
                "false" => DocValue::Boolean(false),
                _ => {
                    return Err(value_error(
                        value,
                        ty,
                        "only `true` and `false` are booleans",
                    ))
                }
            },
            _ => DocValue::str(&text),
        })
    };
    Ok(match op {
        RangeOp::Gt => Test::Range {
            lower: Some(Bound {
                value: bound_value(true)?,
                inclusive: false,
            }),
            upper: None,
        },
        RangeOp::Gte => Test::Range {
            lower: Some(Bound {
                value: bound_value(false)?,
                inclusive: true,
            }),
            upper: None,
        },
        RangeOp::Lt => Test::Range {
            lower: None,
            upper: Some(Bound {
                value: bound_value(false)?,
                inclusive: false,
            }),
        },
        RangeOp::Lte => Test::Range {
            lower: None,
            upper: Some(Bound {
                value: bound_value(true)?,
                inclusive: true,
            }),
        },
    })
}
