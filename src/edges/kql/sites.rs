//! Edge sites of a KQL tree — each value a `field:…` leaf lists, each range bound, each
//! `field:*` — and the near values around each: hits, case changes, analyzer tokens, wildcard
//! boundaries, range steps, a missing field.

use serde_json::Value as Json;

use super::witness::{self, Context, Doc, FILLER};
use crate::document::Type;
use crate::kql::ast::{Literal, LiteralKind, Node, NodeKind, RangeOp, Segment, Value, ValueKind};

/// Most sites one rule gets scenarios for (each site is one scenario file).
pub const MAX_SITES: usize = 40;

/// Fields the scenario generator writes itself: a template may not set them, so no edge varies them.
const GENERATED: [&str; 4] = [
    "@timestamp",
    "event.ingested",
    "event.dataset",
    "data_stream.dataset",
];

/// One leaf of the tree the edges are built around.
pub struct Site {
    pub field: String,
    /// The leaf as KQL (`kubernetes.audit.verb:"delete"`), for titles.
    pub text: String,
    /// Under an odd number of `not`s: the leaf is an exclusion.
    pub negated: bool,
    pub kind: SiteKind,
}

pub enum SiteKind {
    /// `field:value` for each listed value.
    Values(Vec<Literal>),
    /// `field:*`.
    Exists,
    Range(RangeOp, Literal),
}

impl Site {
    /// A short name for file names: `value`, `exclusion`, `range`, `exists`.
    pub fn label(&self) -> &'static str {
        match (&self.kind, self.negated) {
            (SiteKind::Values(_), false) => "value",
            (SiteKind::Values(_), true) => "exclusion",
            (SiteKind::Exists, false) => "exists",
            (SiteKind::Exists, true) => "not-exists",
            (SiteKind::Range(..), _) => "range",
        }
    }
}

/// One document the edge tries: the witness with `field` set to `value` (`None`: removed).
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub value: Option<Json>,
    pub why: String,
}

/// The sites of a tree, left to right, at most [`MAX_SITES`].
pub fn sites(root: &Node) -> Vec<Site> {
    let mut out = Vec::new();
    collect(root, false, &mut out);
    out.truncate(MAX_SITES);
    out
}

fn collect(node: &Node, negated: bool, out: &mut Vec<Site>) {
    match &node.kind {
        NodeKind::And(items) | NodeKind::Or(items) => {
            items.iter().for_each(|item| collect(item, negated, out))
        }
        NodeKind::Not(item) => collect(item, !negated, out),
        NodeKind::Match { field, value } => {
            let name = field.text();
            if field.has_wildcard() || GENERATED.contains(&name.as_str()) {
                return;
            }
            let mut text = String::new();
            crate::kql::print::node(node, &mut text);
            let mut positive = Vec::new();
            split_values(value, negated, &mut |literal, negated| {
                if literal.is_lone_star() {
                    out.push(Site {
                        field: name.clone(),
                        text: text.clone(),
                        negated,
                        kind: SiteKind::Exists,
                    });
                } else {
                    positive.push((literal.clone(), negated));
                }
            });
            // Values under the same polarity share one site (one scenario for the list).
            for polarity in [false, true] {
                let values: Vec<Literal> = positive
                    .iter()
                    .filter(|(_, n)| *n == polarity)
                    .map(|(l, _)| l.clone())
                    .collect();
                if !values.is_empty() && values.iter().all(|l| l.special().is_none()) {
                    out.push(Site {
                        field: name.clone(),
                        text: text.clone(),
                        negated: polarity,
                        kind: SiteKind::Values(values),
                    });
                }
            }
        }
        NodeKind::Range { field, op, value } => {
            let name = field.text();
            if field.has_wildcard() || GENERATED.contains(&name.as_str()) {
                return;
            }
            out.push(Site {
                field: name.clone(),
                text: {
                    let mut text = String::new();
                    crate::kql::print::node(node, &mut text);
                    text
                },
                negated,
                kind: SiteKind::Range(*op, value.clone()),
            });
        }
        NodeKind::Nested { .. } | NodeKind::FreeText(_) => {}
    }
}

fn split_values(value: &Value, negated: bool, each: &mut dyn FnMut(&Literal, bool)) {
    match &value.kind {
        ValueKind::Or(items) | ValueKind::And(items) => items
            .iter()
            .for_each(|item| split_values(item, negated, each)),
        ValueKind::Not(item) => split_values(item, !negated, each),
        ValueKind::Term(literal) => each(literal, negated),
    }
}

/// The near values of a site, in a stable order, duplicates dropped.
pub fn variants(site: &Site, base: &Doc, context: &Context) -> Vec<Variant> {
    let ty = (context.types)(&site.field);
    let mut out: Vec<Variant> = Vec::new();
    let mut push = |value: Option<Json>, why: String| {
        if !out.iter().any(|v| v.value == value) {
            out.push(Variant { value, why });
        }
    };
    match &site.kind {
        SiteKind::Values(values) => {
            for literal in values {
                for (value, why) in value_variants(&site.field, literal, ty, context) {
                    push(Some(value), why);
                }
            }
        }
        SiteKind::Exists => {
            let present = base
                .get(&site.field)
                .cloned()
                .unwrap_or_else(|| Json::from(FILLER));
            push(Some(present), "the field present".into());
        }
        SiteKind::Range(op, literal) => {
            if let Some((at, date)) = witness::bound(&site.field, literal, context) {
                let unit = if date { "1 ms" } else { "1" };
                for (step, place) in [(-1.0, "below"), (0.0, "at"), (1.0, "above")] {
                    if let Some(json) = witness::bound_json(at + step, date) {
                        let why = if step == 0.0 {
                            format!("at the bound of `{}`", op.symbol())
                        } else {
                            format!("{unit} {place} the bound")
                        };
                        push(Some(json), why);
                    }
                }
            }
        }
    }
    push(None, "the field missing".into());
    out
}

/// Near values of one `field:value` literal, each with why it is chosen.
fn value_variants(
    field: &str,
    literal: &Literal,
    ty: Option<Type>,
    context: &Context,
) -> Vec<(Json, String)> {
    let Some(exact) = witness::concrete(field, literal, context) else {
        return Vec::new();
    };
    if literal.has_wildcard()
        && !witness::is_numeric(ty)
        && !matches!(ty, Some(Type::Ip | Type::Boolean))
    {
        return wildcard_variants(literal, Vec::new());
    }
    let mut out = vec![(exact.clone(), format!("`{}` as listed", literal.text()))];
    if witness::is_numeric(ty) {
        if let Some(n) = exact
            .as_f64()
            .and_then(|n| witness::bound_json(n + 1.0, false))
        {
            out.push((n, "the number plus one".into()));
        }
        return out;
    }
    if matches!(ty, Some(Type::Ip | Type::Boolean)) {
        return out;
    }
    let text = literal.text();
    let case = other_case(&text);
    if case != text {
        let why = if ty == Some(Type::Text) {
            "other letter case (a `text` field lowercases its tokens)"
        } else {
            "other letter case (a keyword field matches exactly)"
        };
        out.push((Json::from(case), why.into()));
    }
    if ty == Some(Type::Text) {
        out.push((
            Json::from(format!("{FILLER} {text} {FILLER}")),
            "the value's tokens inside longer text".into(),
        ));
        out.push((
            Json::from(format!("{text}x")),
            "a token the analyzer does not produce from the value (one character appended)".into(),
        ));
    } else {
        out.push((
            Json::from(super::super::variants::one_character_variant(&text)),
            "one character changed".into(),
        ));
        out.push((
            Json::from(format!("{FILLER} {text}")),
            "the value inside longer text".into(),
        ));
    }
    out
}

/// Wildcard boundaries: the literal text alone, each `*` filled, one character outside an
/// anchored end, the last literal character dropped, other letter case.
fn wildcard_variants(literal: &Literal, mut out: Vec<(Json, String)>) -> Vec<(Json, String)> {
    let LiteralKind::Unquoted(segments) = &literal.kind else {
        return out;
    };
    let bare = witness::filled(literal, "");
    let fill = witness::filled(literal, FILLER);
    out.push((
        Json::from(bare.clone()),
        "the pattern's literal text, each `*` matching nothing".into(),
    ));
    out.push((Json::from(fill), format!("each `*` matching `{FILLER}`")));
    if matches!(segments.last(), Some(Segment::Text(_))) {
        out.push((
            Json::from(format!("{bare}x")),
            "one character past the pattern's anchored end".into(),
        ));
    }
    if matches!(segments.first(), Some(Segment::Text(_))) {
        out.push((
            Json::from(format!("x{bare}")),
            "one character before the pattern's anchored start".into(),
        ));
    }
    if let Some(last_text) = segments
        .iter()
        .rposition(|s| matches!(s, Segment::Text(t) if !t.is_empty()))
    {
        let shortened: String = segments
            .iter()
            .enumerate()
            .map(|(i, segment)| match segment {
                Segment::Text(text) if i == last_text => {
                    let mut text = text.clone();
                    text.pop();
                    text
                }
                Segment::Text(text) => text.clone(),
                Segment::Star => String::new(),
            })
            .collect();
        out.push((
            Json::from(shortened),
            "the pattern's last literal character dropped".into(),
        ));
    }
    let case = other_case(&bare);
    if case != bare {
        out.push((
            Json::from(case),
            "the literal text in other letter case".into(),
        ));
    }
    out
}

/// Upper case, or lower case when the text is upper case already.
fn other_case(text: &str) -> String {
    let upper = text.to_uppercase();
    if upper != text {
        upper
    } else {
        text.to_lowercase()
    }
}

/// The witness with the site's field set to the variant's value (or removed).
pub fn apply(base: &Doc, field: &str, variant: &Variant) -> Doc {
    let mut doc = base.clone();
    match &variant.value {
        Some(value) => {
            doc.insert(field.to_string(), value.clone());
        }
        None => {
            doc.remove(field);
        }
    }
    doc
}
