//! A witness document for a KQL query: field values that make the whole query true, built from
//! the tree (each positive leaf sets its field, `not` leaves its fields unset, an `or` takes one
//! branch) and then confirmed by the engine.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::document::Type;
use crate::kql::ast::{
    Literal, LiteralKind, Node, NodeKind, RangeOp, Segment, Special, Value, ValueKind,
};

/// Dotted field name → value; a field that is not a key is missing from the document.
pub type Doc = BTreeMap<String, Json>;

/// The filler a `*` takes when a witness needs a value for it (and the value of `field:*`).
pub const FILLER: &str = "edge";

/// What the witness needs to know of the rule's world: field types and the execution time
/// date math resolves against.
pub struct Context<'a> {
    pub types: &'a dyn Fn(&str) -> Option<Type>,
    pub now: i64,
}

/// Builds a candidate witness; `pick` chooses the branch of the n-th `or` met (attempt 0 takes
/// every first branch, later attempts vary them). `None` when a leaf cannot be satisfied here.
pub fn build(root: &Node, context: &Context, attempt: u64) -> Option<Doc> {
    let mut builder = Builder {
        context,
        attempt,
        ors: 0,
    };
    let mut doc = Doc::new();
    builder.node(root, &mut doc).then_some(doc)
}

struct Builder<'a> {
    context: &'a Context<'a>,
    attempt: u64,
    ors: u64,
}

impl Builder<'_> {
    /// The branch the next `or` of `len` operands takes.
    fn pick(&mut self, len: usize) -> usize {
        self.ors += 1;
        if self.attempt == 0 {
            return 0;
        }
        // A small deterministic mix of the attempt and the `or`'s position.
        let mixed = (self.attempt.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ self.ors.wrapping_mul(0xBF58_476D_1CE4_E5B9))
            >> 17;
        (mixed % len as u64) as usize
    }

    fn node(&mut self, node: &Node, doc: &mut Doc) -> bool {
        match &node.kind {
            NodeKind::And(items) => items.iter().all(|item| self.node(item, doc)),
            NodeKind::Or(items) => {
                let first = self.pick(items.len());
                (0..items.len()).any(|offset| {
                    let mut trial = doc.clone();
                    let ok = self.node(&items[(first + offset) % items.len()], &mut trial);
                    if ok {
                        *doc = trial;
                    }
                    ok
                })
            }
            // A `not` holds when its fields are missing: leave them unset.
            NodeKind::Not(_) => true,
            NodeKind::Match { field, value } => {
                if field.has_wildcard() {
                    return false;
                }
                self.value(&field.text(), value, doc)
            }
            NodeKind::Range { field, op, value } => {
                let name = field.text();
                match range_inside(&name, *op, value, self.context) {
                    Some(json) => set(doc, &name, json),
                    None => false,
                }
            }
            NodeKind::Nested { .. } | NodeKind::FreeText(_) => false,
        }
    }

    fn value(&mut self, field: &str, value: &Value, doc: &mut Doc) -> bool {
        match &value.kind {
            ValueKind::Term(literal) => match concrete(field, literal, self.context) {
                Some(json) => set(doc, field, json),
                None => false,
            },
            ValueKind::Or(items) => {
                let first = self.pick(items.len());
                (0..items.len()).any(|offset| {
                    let mut trial = doc.clone();
                    let ok = self.value(field, &items[(first + offset) % items.len()], &mut trial);
                    if ok {
                        *doc = trial;
                    }
                    ok
                })
            }
            // `field:(a and b)`: a multivalued field holding both.
            ValueKind::And(items) => items.iter().all(|item| self.value(field, item, doc)),
            ValueKind::Not(_) => true,
        }
    }
}

/// Sets a field, adding to its values when another leaf set it already (multivalued).
fn set(doc: &mut Doc, field: &str, json: Json) -> bool {
    match doc.get_mut(field) {
        None => {
            doc.insert(field.to_string(), json);
        }
        Some(existing) if *existing == json => {}
        Some(Json::Array(values)) => {
            if !values.contains(&json) {
                values.push(json);
            }
        }
        Some(existing) => {
            let old = existing.take();
            *existing = Json::Array(vec![old, json]);
        }
    }
    true
}

/// The pattern's literal text with every `*` replaced by `fill`.
pub fn filled(literal: &Literal, fill: &str) -> String {
    match &literal.kind {
        LiteralKind::Quoted(text) => text.clone(),
        LiteralKind::Unquoted(segments) => segments
            .iter()
            .map(|segment| match segment {
                Segment::Text(text) => text.as_str(),
                Segment::Star => fill,
            })
            .collect(),
    }
}

pub fn is_numeric(ty: Option<Type>) -> bool {
    matches!(
        ty,
        Some(Type::Integer | Type::Long | Type::UnsignedLong | Type::Double)
    )
}

/// A document value that `field:literal` matches, typed as the field is.
pub fn concrete(field: &str, literal: &Literal, context: &Context) -> Option<Json> {
    let ty = (context.types)(field);
    if literal.is_lone_star() {
        return Some(filler(ty, FILLER, 0));
    }
    match literal.special() {
        Some(Special::Bool(b)) => return Some(Json::Bool(b)),
        Some(Special::Null) => return None,
        None => {}
    }
    let text = filled(literal, "");
    let text = if text.is_empty() {
        FILLER.to_string()
    } else {
        text
    };
    match ty {
        _ if is_numeric(ty) => number(&text),
        Some(Type::Ip) => Some(Json::from(text.split('/').next().unwrap_or(&text))),
        _ => Some(Json::from(text)),
    }
}

/// A JSON number from query text (whole numbers stay whole).
pub fn number(text: &str) -> Option<Json> {
    if let Ok(whole) = text.trim().parse::<i64>() {
        return Some(Json::from(whole));
    }
    let float: f64 = text.trim().parse().ok()?;
    serde_json::Number::from_f64(float).map(Json::Number)
}

/// A bound of a range as a number (numeric fields) or epoch milliseconds (dates), with the
/// step one unit is: 1 for numbers, 1 ms for dates.
pub fn bound(field: &str, value: &Literal, context: &Context) -> Option<(f64, bool)> {
    let ty = (context.types)(field);
    if is_numeric(ty) {
        let parsed: f64 = value.text().trim().parse().ok()?;
        return parsed.is_finite().then_some((parsed, false));
    }
    if ty == Some(Type::Datetime) {
        let millis = crate::kql::date_math::resolve(&value.text(), context.now, false).ok()?;
        return Some((millis as f64, true));
    }
    None
}

/// A bound (or a bound moved by whole steps) as a document value.
pub fn bound_json(value: f64, date: bool) -> Option<Json> {
    if date {
        let stamp = crate::schedule::Timestamp(value as i64);
        return Some(Json::from(stamp.to_string()));
    }
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        return Some(Json::from(value as i64));
    }
    serde_json::Number::from_f64(value).map(Json::Number)
}

/// A value one step inside the range.
fn range_inside(field: &str, op: RangeOp, value: &Literal, context: &Context) -> Option<Json> {
    let (at, date) = bound(field, value, context)?;
    let inside = match op {
        RangeOp::Gt => at + 1.0,
        RangeOp::Lt => at - 1.0,
        RangeOp::Gte | RangeOp::Lte => at,
    };
    bound_json(inside, date)
}

/// A value of the field's type that no query leaf names: `label` (strings, `label-n` for
/// `n > 0`), an address of 10.0.0.0/8 (IPs), `n + 1` (numbers), `true`, or a 2026 time.
pub fn filler(ty: Option<Type>, label: &str, n: u32) -> Json {
    match ty {
        Some(Type::Ip) => Json::from(format!(
            "10.{}.{}.{}",
            (n >> 16) & 255,
            (n >> 8) & 255,
            (n & 255).max(1)
        )),
        _ if is_numeric(ty) => Json::from(i64::from(n) + 1),
        Some(Type::Boolean) => Json::Bool(true),
        Some(Type::Datetime) => Json::from(
            crate::schedule::Timestamp(1_778_803_200_000 + i64::from(n) * 1000).to_string(),
        ),
        _ if n == 0 => Json::from(label),
        _ => Json::from(format!("{label}-{n}")),
    }
}
