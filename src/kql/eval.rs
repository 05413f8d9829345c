//! KQL over documents with Elasticsearch's semantics: a tree is compiled once against the
//! document store's typed columns (the mapping) into a predicate, which then runs per
//! document. What each leaf does, and where Kibana and Elasticsearch say so, is in
//! `docs/kql-semantics.md`.
//!
//! Compilation fails where Elasticsearch would fail the whole search (a number field matched
//! against `abc`, a wildcard on an `ip` field): Kibana's execution then errors, and so do we.

use super::analyzer;
use super::ast::{
    Literal, LiteralKind, Node, NodeKind, Query, RangeOp, Segment, Special, Value, ValueKind,
};
use super::date_math;
use super::{E_DATE, E_NOT_NESTED, E_VALUE, E_WILDCARD_TYPE};
use crate::diagnostic::Diagnostic;
use crate::document::{ip, Cell, Column, Type, Value as DocValue};

/// A compiled query: `None` matches every document (the empty query).
#[derive(Clone, Debug)]
pub struct Compiled {
    root: Option<Pred>,
}

#[derive(Clone, Debug)]
enum Pred {
    Or(Vec<Pred>),
    And(Vec<Pred>),
    Not(Box<Pred>),
    /// Elasticsearch's `match_all`.
    All,
    /// A test on one column (`None`: the field is in no mapping and no document: never true).
    Leaf(Option<usize>, Test),
}

#[derive(Clone, Debug)]
enum Test {
    Exists,
    /// Exact value: keyword terms, numbers, booleans, single IPs.
    Equals(DocValue),
    Cidr(String),
    /// `query_string` terms ORed; each a wildcard pattern or an exact term. `lower` normalises
    /// (text fields) and matches analysed tokens.
    Wildcards {
        terms: Vec<Pattern>,
        text: bool,
    },
    /// `match`: any analysed token of the value matches any token of the field.
    AnyToken(Vec<String>),
    /// `match_phrase`: the tokens consecutive within one value.
    Phrase(Vec<String>),
    Range {
        lower: Option<Bound>,
        upper: Option<Bound>,
    },
    Never,
}

#[derive(Clone, Debug)]
struct Bound {
    value: DocValue,
    inclusive: bool,
}

/// A Lucene wildcard pattern over literal pieces and `*`.
#[derive(Clone, Debug)]
struct Pattern(Vec<Segment>);

/// What compilation knows: the columns (name, type) of the document store and `NOW()`.
pub struct Schema<'a> {
    pub columns: &'a [Column],
    pub now: i64,
}

impl Compiled {
    pub fn compile(query: &Query, schema: &Schema) -> Result<Compiled, Diagnostic> {
        let root = match &query.root {
            None => None,
            Some(node) => Some(compile_node(node, schema)?),
        };
        Ok(Compiled { root })
    }

    /// Whether the document whose row is `row` (over `schema.columns`) matches.
    pub fn matches(&self, row: &[Cell]) -> bool {
        self.root.as_ref().is_none_or(|pred| pred.eval(row))
    }
}

impl Pred {
    fn eval(&self, row: &[Cell]) -> bool {
        match self {
            Pred::Or(items) => items.iter().any(|p| p.eval(row)),
            Pred::And(items) => items.iter().all(|p| p.eval(row)),
            Pred::Not(item) => !item.eval(row),
            Pred::All => true,
            Pred::Leaf(None, _) => false,
            Pred::Leaf(Some(column), test) => test.eval(&row[*column]),
        }
    }
}

/// Evaluates one node alone against a row (explain: which clause matched).
pub fn node_matches(node: &Node, schema: &Schema, row: &[Cell]) -> Result<bool, Diagnostic> {
    Ok(compile_node(node, schema)?.eval(row))
}

fn compile_node(node: &Node, schema: &Schema) -> Result<Pred, Diagnostic> {
    Ok(match &node.kind {
        NodeKind::Or(items) => Pred::Or(items.iter().map(|n| compile_node(n, schema)).collect::<Result<_, _>>()?),
        NodeKind::And(items) => Pred::And(items.iter().map(|n| compile_node(n, schema)).collect::<Result<_, _>>()?),
        NodeKind::Not(item) => Pred::Not(Box::new(compile_node(item, schema)?)),
        NodeKind::Match { field, value } => compile_value(field, value, schema)?,
        NodeKind::Range { field, op, value } => {
            let fields = resolve_fields(field, schema);
            let mut should = Vec::new();
            for (column, ty) in fields {
                should.push(Pred::Leaf(column, range_test(ty, *op, value, schema.now)?));
            }
            Pred::Or(should)
        }
        NodeKind::Nested { field, .. } => {
            return Err(Diagnostic::error(
                E_NOT_NESTED,
                format!("`{}` is not a nested field", field.text()),
            )
            .with_label(field.span, "not declared `nested` in the mapping")
            .with_note("Elasticsearch fails a `nested` query on an object field; the Kubernetes audit mapping declares no nested fields"))
        }
        NodeKind::FreeText(value) => free_text(value, schema),
    })
}

/// `field:value-list`: Kibana applies the field to every value of the list.
fn compile_value(field: &Literal, value: &Value, schema: &Schema) -> Result<Pred, Diagnostic> {
    Ok(match &value.kind {
        ValueKind::Or(items) => Pred::Or(
            items
                .iter()
                .map(|v| compile_value(field, v, schema))
                .collect::<Result<_, _>>()?,
        ),
        ValueKind::And(items) => Pred::And(
            items
                .iter()
                .map(|v| compile_value(field, v, schema))
                .collect::<Result<_, _>>()?,
        ),
        ValueKind::Not(item) => Pred::Not(Box::new(compile_value(field, item, schema)?)),
        ValueKind::Term(term) => is_query(field, term, schema)?,
    })
}

/// Kibana's `is` function (`functions/is.ts`).
fn is_query(field: &Literal, value: &Literal, schema: &Schema) -> Result<Pred, Diagnostic> {
    let exists = value.is_lone_star();
    if exists && field.is_lone_star() {
        return Ok(Pred::All);
    }
    let fields = resolve_fields(field, schema);
    // A field pattern that covers every field, or a missing field, with `*`: match_all.
    if exists && field.has_wildcard() && fields.len() == schema.columns.len() {
        return Ok(Pred::All);
    }
    let mut should = Vec::new();
    for (column, ty) in fields {
        let test = if exists {
            Test::Exists
        } else if value.has_wildcard() {
            wildcard_test(ty, value)?
        } else if ty.is_some_and(Type::is_date) {
            let bound = |round_up| date_value(value, schema.now, round_up);
            Test::Range {
                lower: Some(Bound {
                    value: bound(false)?,
                    inclusive: true,
                }),
                upper: Some(Bound {
                    value: bound(true)?,
                    inclusive: true,
                }),
            }
        } else {
            match_test(ty, value)?
        };
        should.push(Pred::Leaf(column, test));
    }
    Ok(if should.len() == 1 {
        should.pop().expect("one")
    } else {
        Pred::Or(should)
    })
}

/// The columns a field literal names: itself, or every column a wildcard name matches. A name
/// that is no column is kept (it never matches), as Kibana sends unknown names as they are.
fn resolve_fields(field: &Literal, schema: &Schema) -> Vec<(Option<usize>, Option<Type>)> {
    if field.has_wildcard() {
        let LiteralKind::Unquoted(segments) = &field.kind else {
            unreachable!("wildcards are unquoted")
        };
        let pattern = Pattern(segments.clone());
        let found: Vec<_> = schema
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| pattern.matches(&c.name))
            .map(|(i, c)| (Some(i), Some(c.ty)))
            .collect();
        if !found.is_empty() {
            return found;
        }
        return vec![(None, None)];
    }
    let name = field.text();
    match schema.columns.iter().position(|c| c.name == name) {
        Some(i) => vec![(Some(i), Some(schema.columns[i].ty))],
        None => vec![(None, None)],
    }
}

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
fn match_test(ty: Option<Type>, value: &Literal) -> Result<Test, Diagnostic> {
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

fn date_value(value: &Literal, now: i64, round_up: bool) -> Result<DocValue, Diagnostic> {
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
fn wildcard_test(ty: Option<Type>, value: &Literal) -> Result<Test, Diagnostic> {
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
fn range_test(
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

/// A value without a field: `multi_match` (lenient) or `query_string` over every field.
fn free_text(value: &Literal, schema: &Schema) -> Pred {
    let mut should = Vec::new();
    for (i, column) in schema.columns.iter().enumerate() {
        let test = if value.has_wildcard() {
            wildcard_test(Some(column.ty), value).ok()
        } else if column.ty.is_date() {
            None
        } else {
            match_test(Some(column.ty), value).ok()
        };
        if let Some(test) = test {
            should.push(Pred::Leaf(Some(i), test));
        }
    }
    Pred::Or(should)
}

impl Pattern {
    /// Lucene wildcard matching: `*` is any run of characters, everything else literal.
    fn matches(&self, text: &str) -> bool {
        glob(&self.0, text)
    }

    fn is_exact(&self) -> Option<&str> {
        match self.0.as_slice() {
            [Segment::Text(t)] => Some(t),
            _ => None,
        }
    }
}

/// `*`-only wildcard matching in linear passes (no backtracking blow-up on hostile patterns):
/// the text before the first star is a prefix, after the last a suffix, and the pieces between
/// are found leftmost in order, which is exact when `*` is the only wildcard.
fn glob(segments: &[Segment], text: &str) -> bool {
    let mut parts: Vec<String> = vec![String::new()];
    for segment in segments {
        match segment {
            Segment::Text(t) => parts.last_mut().expect("one part").push_str(t),
            Segment::Star => parts.push(String::new()),
        }
    }
    if parts.len() == 1 {
        return text == parts[0];
    }
    let (first, last) = (&parts[0], &parts[parts.len() - 1]);
    if text.len() < first.len() + last.len()
        || !text.starts_with(first.as_str())
        || !text.ends_with(last.as_str())
    {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle.as_str()) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

impl Test {
    fn eval(&self, cell: &Cell) -> bool {
        match cell {
            Cell::Null => false,
            Cell::One(v) => self.value(std::slice::from_ref(v)),
            Cell::Many(values) => self.value(values),
        }
    }

    /// Any value of a (multivalued) field matches; a phrase must sit within one value.
    fn value(&self, values: &[DocValue]) -> bool {
        match self {
            Test::Exists => !values.is_empty(),
            Test::Never => false,
            Test::Equals(expected) => values.iter().any(|v| equals(v, expected)),
            Test::Cidr(cidr) => values
                .iter()
                .any(|v| matches!(v, DocValue::Ip(b) if ip::cidr_contains(b, cidr) == Some(true))),
            Test::Wildcards { terms, text } => values.iter().any(|v| {
                let DocValue::String(s) = v else { return false };
                if *text {
                    let tokens = analyzer::tokens(s);
                    terms.iter().any(|p| match p.is_exact() {
                        // A term without a wildcard is analysed like a match query.
                        Some(exact) => analyzer::tokens(exact).iter().any(|t| tokens.contains(t)),
                        None => tokens.iter().any(|t| p.matches(t)),
                    })
                } else {
                    terms.iter().any(|p| p.matches(s))
                }
            }),
            Test::AnyToken(wanted) => values.iter().any(|v| {
                let DocValue::String(s) = v else { return false };
                let tokens = analyzer::tokens(s);
                wanted.iter().any(|w| tokens.contains(w))
            }),
            Test::Phrase(wanted) => values.iter().any(|v| {
                let DocValue::String(s) = v else { return false };
                let tokens = analyzer::tokens(s);
                !wanted.is_empty() && tokens.windows(wanted.len()).any(|w| w == wanted.as_slice())
            }),
            Test::Range { lower, upper } => values.iter().any(|v| {
                lower.as_ref().is_none_or(|b| {
                    compare(v, &b.value).is_some_and(|o| o.is_gt() || (b.inclusive && o.is_eq()))
                }) && upper.as_ref().is_none_or(|b| {
                    compare(v, &b.value).is_some_and(|o| o.is_lt() || (b.inclusive && o.is_eq()))
                })
            }),
        }
    }
}

/// Term equality as Elasticsearch's term queries see it (the ES|QL engine's `==` on the same
/// value types: the shared `PartialEq` of values).
fn equals(doc: &DocValue, expected: &DocValue) -> bool {
    doc == expected
}

fn compare(doc: &DocValue, bound: &DocValue) -> Option<std::cmp::Ordering> {
    use DocValue as V;
    let as_f64 = |v: &V| match v {
        V::Integer(i) => Some(f64::from(*i)),
        V::Long(l) => Some(*l as f64),
        V::UnsignedLong(u) => Some(*u as f64),
        V::Double(d) => Some(*d),
        _ => None,
    };
    match (doc, bound) {
        (V::String(a), V::String(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (V::Datetime(a), V::Datetime(b)) => Some(a.cmp(b)),
        // A `date_nanos` value against a date bound: the instants, exactly.
        (V::DateNanos(_), V::Datetime(_)) => Some(doc.compare(bound)),
        (V::Ip(a), V::Ip(b)) => Some(a.cmp(b)),
        (V::Boolean(a), V::Boolean(b)) => Some(a.cmp(b)),
        _ => as_f64(doc)?.partial_cmp(&as_f64(bound)?),
    }
}

#[cfg(test)]
mod glob_tests {
    use super::{glob, Segment};

    fn pattern(text: &str) -> Vec<Segment> {
        let mut out = Vec::new();
        for (i, piece) in text.split('*').enumerate() {
            if i > 0 {
                out.push(Segment::Star);
            }
            if !piece.is_empty() {
                out.push(Segment::Text(piece.to_string()));
            }
        }
        out
    }

    #[test]
    fn stars_match_any_run_and_nothing_else_is_special() {
        for (p, text, expected) in [
            ("curl*", "curl/8.5.0", true),
            ("*kubernetes/$Format", "kubectl/v1 kubernetes/$Format", true),
            ("*a*b*", "xxbxxa", false),
            ("*a*b*", "xaxxbx", true),
            ("ab*ba", "aba", false),
            ("ab*ba", "abba", true),
            ("a.c", "abc", false),
            ("*", "", true),
            ("", "", true),
        ] {
            assert_eq!(glob(&pattern(p), text), expected, "{p} ~ {text}");
        }
        // A hostile pattern over a long text answers at once.
        let text = "a".repeat(100_000);
        let hostile = format!("{}*b", "*a".repeat(50));
        assert!(!glob(&pattern(&hostile), &text));
    }
}
