//! Full-text search offline: `MATCH`, the `:` operator, `MATCH_PHRASE`, `MULTI_MATCH` and `KQL`,
//! with the analyzers Elasticsearch applies by default to the mapped field type.
//!
//! A `text` field is analyzed with the `standard` analyzer (`crate::kql::analyzer`); a `keyword`
//! field matches the whole query string exactly; numbers, dates, IPs, versions and booleans match
//! the query converted to their type. A full-text call is a Lucene query in Elasticsearch, so it
//! is never null: a document without the field (or whose value does not match) is `false`.
//! The values of a multivalued `text` field form one token stream (Lucene puts a position gap of
//! 100 between them, so a phrase never spans two values). `KQL(q)` runs the KQL engine of
//! `src/kql/` over the row; `QSTR` and `TERM` are compiled in `qstr/`. Semantics and what is not modelled: docs/esql-semantics.md,
//! "Full-text functions".

use std::sync::{Arc, Mutex};

use crate::diagnostic::Diagnostic;
use crate::document::value::{Cell, Type, Value};
use crate::document::Column;
use crate::esql::ast;
use crate::eval::expr::{error, CExpr, Compiler, Kind};
use crate::kql;
use crate::span::Span;

use super::Func;

/// How many of the query's terms must match.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Required {
    /// `operator: OR` (the default): at least one, or `minimum_should_match`.
    AtLeast(usize),
    /// `operator: AND`: all of them.
    All,
}

/// A compiled full-text predicate over the evaluated arguments of its call.
#[derive(Clone, Debug)]
pub enum FullText {
    /// `MATCH(field, query)`, `field : query`, and each field of `MULTI_MATCH` (any field
    /// matching is a match).
    Match {
        query: Value,
        required: Required,
        /// Edits allowed per term (`fuzziness`), on `text` fields.
        fuzziness: Fuzziness,
        /// `zero_terms_query: all`: a query that analyzes to no terms matches every document.
        zero_terms_all: bool,
        fields: Vec<Type>,
    },
    /// `MATCH_PHRASE(field, phrase)`: the phrase's terms in order within `slop` moves.
    Phrase {
        query: Value,
        slop: usize,
        zero_terms_all: bool,
        field: Type,
    },
    /// `KQL(query)` and `QSTR(query)`: over every column of the row.
    Kql(Arc<KqlQuery>),
    /// `TERM(field, term)`: the term unanalyzed, equal to a `keyword` value or to one of a
    /// `text` value's indexed tokens.
    Term { term: String, field: Type },
}

/// `fuzziness`: a fixed number of edits, or `AUTO` (0, 1 or 2 by term length).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fuzziness {
    Edits(usize),
    Auto(usize, usize),
}

/// A KQL query parsed when the plan compiles, and compiled against the schema once per `NOW()`
/// (date math in ranges reads it).
#[derive(Debug)]
pub struct KqlQuery {
    pub query: kql::ast::Query,
    pub columns: Vec<Column>,
    cache: Mutex<Option<(i64, Arc<kql::eval::Compiled>)>>,
}

impl KqlQuery {
    /// Parses `text` and checks it compiles against `columns`; the diagnostic's spans index
    /// into `text`.
    pub fn new(text: &str, columns: &[Column]) -> Result<KqlQuery, crate::diagnostic::Diagnostic> {
        KqlQuery::from_tree(kql::parse(text)?, columns)
    }

    /// A query already read into a KQL tree (`QSTR`'s query string), checked against `columns`.
    pub fn from_tree(
        query: kql::ast::Query,
        columns: &[Column],
    ) -> Result<KqlQuery, crate::diagnostic::Diagnostic> {
        let schema = kql::eval::Schema { columns, now: 0 };
        let compiled = kql::eval::Compiled::compile(&query, &schema)?;
        Ok(KqlQuery {
            query,
            columns: columns.to_vec(),
            cache: Mutex::new(Some((0, Arc::new(compiled)))),
        })
    }

    fn compiled(&self, now: i64) -> Option<Arc<kql::eval::Compiled>> {
        let mut cache = self.cache.lock().ok()?;
        if let Some((at, c)) = &*cache {
            if *at == now {
                return Some(Arc::clone(c));
            }
        }
        let schema = kql::eval::Schema {
            columns: &self.columns,
            now,
        };
        let c = Arc::new(kql::eval::Compiled::compile(&self.query, &schema).ok()?);
        *cache = Some((now, Arc::clone(&c)));
        Some(c)
    }
}

impl FullText {
    /// Whether the row matches, given the call's evaluated arguments (the fields, or every
    /// column for `KQL`).
    pub fn matches(&self, args: &[Cell], now: i64) -> bool {
        match self {
            FullText::Match {
                query,
                required,
                fuzziness,
                zero_terms_all,
                fields,
            } => fields.iter().zip(args).any(|(ty, cell)| {
                match_field(query, *required, *fuzziness, *zero_terms_all, *ty, cell)
            }),
            FullText::Phrase {
                query,
                slop,
                zero_terms_all,
                field,
            } => args
                .first()
                .is_some_and(|cell| phrase_field(query, *slop, *zero_terms_all, *field, cell)),
            FullText::Kql(q) => q.compiled(now).is_some_and(|c| c.matches(args)),
            FullText::Term { term, field } => args.first().is_some_and(|cell| {
                cell.values().iter().any(|v| {
                    let text = v.as_str().unwrap_or("");
                    if analyzed(*field) {
                        kql::analyzer::tokens(text).iter().any(|t| t == term)
                    } else {
                        text == term
                    }
                })
            }),
        }
    }
}

fn analyzed(ty: Type) -> bool {
    ty == Type::Text
}

/// The query as the text a string field sees.
fn query_text(query: &Value) -> String {
    match query {
        Value::String(s) => s.to_string(),
        other => other.to_text(),
    }
}

fn match_field(
    query: &Value,
    required: Required,
    fuzziness: Fuzziness,
    zero_terms_all: bool,
    ty: Type,
    cell: &Cell,
) -> bool {
    if analyzed(ty) {
        let terms = dedup(kql::analyzer::tokens(&query_text(query)));
        if terms.is_empty() {
            return zero_terms_all;
        }
        let values = cell.values();
        if values.is_empty() {
            return false;
        }
        let tokens: Vec<String> = values
            .iter()
            .flat_map(|v| kql::analyzer::tokens(v.as_str().unwrap_or("")))
            .collect();
        let hits = terms
            .iter()
            .filter(|t| tokens.iter().any(|tok| term_matches(t, tok, fuzziness)))
            .count();
        return match required {
            Required::All => hits == terms.len(),
            Required::AtLeast(n) => hits >= n.clamp(1, terms.len()),
        };
    }
    exact(query, ty, cell)
}

/// A term query on a field that is not analyzed: the query converted to the field's type.
fn exact(query: &Value, ty: Type, cell: &Cell) -> bool {
    let wanted = match ty {
        Type::Keyword => Value::str(&query_text(query)),
        _ => match crate::document::convert::convert(query, ty) {
            Ok(v) => v,
            Err(_) => return false,
        },
    };
    cell.values().iter().any(|v| v.compare(&wanted).is_eq())
}

fn phrase_field(query: &Value, slop: usize, zero_terms_all: bool, ty: Type, cell: &Cell) -> bool {
    if !analyzed(ty) {
        return exact(query, ty, cell);
    }
    let terms = kql::analyzer::tokens(&query_text(query));
    if terms.is_empty() {
        return zero_terms_all;
    }
    cell.values().iter().any(|v| {
        let tokens = kql::analyzer::tokens(v.as_str().unwrap_or(""));
        phrase_at(&terms, &tokens, slop)
    })
}

/// Whether `terms` occur in `tokens` in order, each after the previous, with at most `slop`
/// extra positions in all (Lucene's sloppy phrase, in-order case).
fn phrase_at(terms: &[String], tokens: &[String], slop: usize) -> bool {
    (0..tokens.len()).any(|start| {
        if tokens[start] != terms[0] {
            return false;
        }
        let mut pos = start;
        let mut spent = 0;
        for term in &terms[1..] {
            let Some(next) = tokens[pos + 1..].iter().position(|t| t == term) else {
                return false;
            };
            spent += next;
            if spent > slop {
                return false;
            }
            pos += next + 1;
        }
        true
    })
}

fn dedup(mut terms: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    terms.retain(|t| seen.insert(t.clone()));
    terms
}

fn term_matches(term: &str, token: &str, fuzziness: Fuzziness) -> bool {
    let edits = match fuzziness {
        Fuzziness::Edits(n) => n,
        Fuzziness::Auto(low, high) => {
            let len = term.chars().count();
            if len < low {
                0
            } else if len < high {
                1
            } else {
                2
            }
        }
    };
    if edits == 0 {
        return term == token;
    }
    within_edits(term, token, edits.min(2))
}

/// Damerau-Levenshtein distance (adjacent transpositions count one, as Lucene's default
/// `fuzzy_transpositions`) at most `max`.
fn within_edits(a: &str, b: &str, max: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()] <= max
}

/// `minimum_should_match` of `n` terms: a count, a negative count, or a percentage (rounded
/// down), as Elasticsearch's `Queries.calculateMinShouldMatch`.
pub fn minimum_should_match(spec: &str, n: usize) -> Option<usize> {
    let spec = spec.trim();
    let (number, percent) = match spec.strip_suffix('%') {
        Some(p) => (p, true),
        None => (spec, false),
    };
    let value: i64 = number.trim().parse().ok()?;
    let n = n as i64;
    let count = if percent { value * n / 100 } else { value };
    let count = if count < 0 { n + count } else { count };
    Some(count.clamp(0, n) as usize)
}

/// `fuzziness`: `0`, `1`, `2`, `AUTO` or `AUTO:low,high`.
pub fn fuzziness(spec: &str) -> Option<Fuzziness> {
    let s = spec.trim();
    if s.eq_ignore_ascii_case("auto") {
        return Some(Fuzziness::Auto(3, 6));
    }
    if let Some(rest) = s.get(..5).filter(|p| p.eq_ignore_ascii_case("auto:")) {
        let _ = rest;
        let (low, high) = s[5..].split_once(',')?;
        return Some(Fuzziness::Auto(
            low.trim().parse().ok()?,
            high.trim().parse().ok()?,
        ));
    }
    let n: f64 = s.parse().ok()?;
    ((0.0..=2.0).contains(&n) && n.fract() == 0.0).then_some(Fuzziness::Edits(n as usize))
}

// ---- Compiling the calls -------------------------------------------------------------------

/// Field types `MATCH` and `MULTI_MATCH` accept (Elasticsearch's list).
const MATCH_TYPES: &str =
    "keyword, text, boolean, date, date_nanos, double, integer, ip, long, unsigned_long, version";

fn match_type(ty: Type) -> bool {
    matches!(
        ty,
        Type::Keyword
            | Type::Text
            | Type::Boolean
            | Type::Datetime
            | Type::DateNanos
            | Type::Double
            | Type::Integer
            | Type::Ip
            | Type::Long
            | Type::UnsignedLong
            | Type::Version
            | Type::Null
    )
}

/// Compiles `MATCH`, `MATCH_PHRASE`, `MULTI_MATCH` or `KQL`.
pub(super) fn compile(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
    schema: &[Column],
) -> Result<CExpr, Diagnostic> {
    let name = call.name.as_str();
    let upper = name.to_uppercase();
    let text = span.slice(c.text).to_string();
    let (options, args) = match call.args.split_last() {
        Some((last, rest)) if matches!(last.kind, ast::ExprKind::Map(_)) && name != "kql" => {
            (Some(last), rest)
        }
        _ => (None, &call.args[..]),
    };
    let min = if matches!(name, "kql" | "qstr") { 1 } else { 2 };
    let max = match name {
        "kql" | "qstr" => 1,
        "term" => 2,
        "multi_match" => usize::MAX,
        _ => 2,
    };
    if args.len() < min || args.len() > max {
        return Err(error(
            "E302",
            span,
            format!(
                "function [{upper}] takes {min}{} arguments, received {}",
                if max > min { " or more" } else { "" },
                call.args.len()
            ),
        ));
    }
    let options = match options {
        Some(o) => parse_options(c, o, schema, &text)?,
        None => Vec::new(),
    };
    match name {
        "kql" => compile_kql(c, &args[0], span, schema, &text),
        "qstr" => super::qstr::compile_qstr(c, &args[0], &options, span, schema, &text),
        "term" => super::qstr::compile_term(c, args, &options, span, schema, &text),
        "multi_match" => {
            let query = constant_query(c, &args[0], schema, &text, "first")?;
            let mut fields = Vec::new();
            let mut cols = Vec::new();
            for (i, f) in args[1..].iter().enumerate() {
                let (col, ty) = field_arg(c, f, schema, &upper, &text, i + 2)?;
                fields.push(ty);
                cols.push(col);
            }
            let f = match_options(&options, query, fields, &upper, &text, span)?;
            Ok(call_of(c, f, cols, span))
        }
        "match_phrase" => {
            let (col, ty) = field_arg(c, &args[0], schema, &upper, &text, 1)?;
            let query = constant_query(c, &args[1], schema, &text, "second")?;
            let mut slop = 0;
            let mut zero_terms_all = false;
            for (k, v) in &options {
                match k.as_str() {
                    "slop" => slop = v.parse().map_err(|_| option_error(span, k, v, &text))?,
                    "zero_terms_query" => zero_terms_all = v.eq_ignore_ascii_case("all"),
                    "analyzer" | "boost" => {}
                    _ => {
                        return Err(unknown_option(
                            span,
                            k,
                            &text,
                            "[analyzer, boost, slop, zero_terms_query]",
                        ))
                    }
                }
            }
            let f = FullText::Phrase {
                query,
                slop,
                zero_terms_all,
                field: ty,
            };
            Ok(call_of(c, f, vec![col], span))
        }
        _ => compile_match(c, &args[0], &args[1], options, span, schema, &upper, &text),
    }
}

/// `MATCH(field, query, options)` and `field : query`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn compile_match(
    c: &mut Compiler,
    field: &ast::Expr,
    query: &ast::Expr,
    options: Vec<(String, String)>,
    span: Span,
    schema: &[Column],
    upper: &str,
    text: &str,
) -> Result<CExpr, Diagnostic> {
    let (col, ty) = field_arg(c, field, schema, upper, text, 1)?;
    let query = constant_query(c, query, schema, text, "second")?;
    let f = match_options(&options, query, vec![ty], upper, text, span)?;
    Ok(call_of(c, f, vec![col], span))
}

pub(super) fn call_of(c: &mut Compiler, f: FullText, args: Vec<CExpr>, span: Span) -> CExpr {
    let site = c.site(span);
    CExpr {
        kind: Kind::Call(Func::FullText(Box::new(f)), args),
        ty: Type::Boolean,
        site,
    }
}

fn match_options(
    options: &[(String, String)],
    query: Value,
    fields: Vec<Type>,
    _upper: &str,
    text: &str,
    span: Span,
) -> Result<FullText, Diagnostic> {
    let mut operator_and = false;
    let mut minimum = None;
    let mut fuzz = Fuzziness::Edits(0);
    let mut zero_terms_all = false;
    for (k, v) in options {
        match k.as_str() {
            "operator" => operator_and = v.eq_ignore_ascii_case("and"),
            "minimum_should_match" => minimum = Some(v.clone()),
            "fuzziness" => fuzz = fuzziness(v).ok_or_else(|| option_error(span, k, v, text))?,
            "zero_terms_query" => zero_terms_all = v.eq_ignore_ascii_case("all"),
            "analyzer" | "boost" | "lenient" | "fuzzy_transpositions" | "max_expansions"
            | "prefix_length" | "auto_generate_synonyms_phrase_query" | "fuzzy_rewrite"
            | "type" | "slop" | "tie_breaker" => {}
            _ => return Err(unknown_option(span, k, text, "[analyzer, auto_generate_synonyms_phrase_query, boost, fuzziness, fuzzy_transpositions, lenient, max_expansions, minimum_should_match, operator, prefix_length, zero_terms_query]")),
        }
    }
    let terms = dedup(kql::analyzer::tokens(&query_text(&query))).len();
    let required = match (operator_and, minimum) {
        (_, Some(m)) => Required::AtLeast(
            minimum_should_match(&m, terms)
                .ok_or_else(|| option_error(span, "minimum_should_match", &m, text))?,
        ),
        (true, None) => Required::All,
        (false, None) => Required::AtLeast(1),
    };
    Ok(FullText::Match {
        query,
        required,
        fuzziness: fuzz,
        zero_terms_all,
        fields,
    })
}

pub(super) fn option_error(span: Span, key: &str, value: &str, text: &str) -> Diagnostic {
    error(
        "E302",
        span,
        format!("Invalid option [{key}] in [{text}], value [{value}] is not valid"),
    )
}

fn unknown_option(span: Span, key: &str, text: &str, expected: &str) -> Diagnostic {
    error(
        "E302",
        span,
        format!("Invalid option [{key}] in [{text}], expected one of {expected}"),
    )
}

/// The options map, as `key=value;` pairs of its compiled constant.
fn parse_options(
    c: &mut Compiler,
    map: &ast::Expr,
    schema: &[Column],
    _text: &str,
) -> Result<Vec<(String, String)>, Diagnostic> {
    let compiled = c.expr(map, schema)?;
    let Kind::Literal(Cell::One(Value::String(s))) = &compiled.kind else {
        return Ok(Vec::new());
    };
    Ok(s.split(';')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect())
}

/// A field argument: a column of the index (Elasticsearch refuses computed values).
pub(super) fn field_arg(
    c: &mut Compiler,
    e: &ast::Expr,
    schema: &[Column],
    upper: &str,
    text: &str,
    ordinal: usize,
) -> Result<(CExpr, Type), Diagnostic> {
    let compiled = c.expr(e, schema)?;
    let computed = matches!(&e.kind, ast::ExprKind::Column(n) if c.computed.contains(&n.name));
    if computed || !matches!(compiled.kind, Kind::Column(_)) {
        return Err(error(
            "E302",
            e.span,
            format!(
                "[{upper}] function cannot operate on [{}], which is not a field from an index mapping",
                e.span.slice(c.text)
            ),
        ));
    }
    if !match_type(compiled.ty) {
        return Err(error(
            "E302",
            e.span,
            format!(
                "{} argument of [{text}] must be [{MATCH_TYPES}], found value [{}] type [{}]",
                ordinal_word(ordinal),
                e.span.slice(c.text),
                compiled.ty.name()
            ),
        ));
    }
    let ty = compiled.ty;
    Ok((compiled, ty))
}

fn ordinal_word(n: usize) -> &'static str {
    match n {
        1 => "first",
        2 => "second",
        3 => "third",
        4 => "fourth",
        _ => "an",
    }
}

/// The query argument: a constant (Elasticsearch folds it before pushing the query down).
pub(super) fn constant_query(
    c: &mut Compiler,
    e: &ast::Expr,
    schema: &[Column],
    text: &str,
    ordinal: &str,
) -> Result<Value, Diagnostic> {
    let compiled = c.expr(e, schema)?;
    // Elasticsearch folds the query (`CONCAT("a", "b")`, `"2.1"::version`) before pushing it.
    let folded = match c.constants.fold(&compiled, schema) {
        Some(crate::eval::fold::Constant::Value(cell)) => Some(cell),
        _ => None,
    };
    match &folded {
        Some(Cell::One(v)) => Ok(v.clone()),
        Some(Cell::Null) => Err(error(
            "E302",
            e.span,
            format!(
                "{ordinal} argument of [{text}] cannot be null, received [{}]",
                e.span.slice(c.text)
            ),
        )),
        _ => Err(error(
            "E302",
            e.span,
            format!(
                "{ordinal} argument of [{text}] must be a constant, received [{}]",
                e.span.slice(c.text)
            ),
        )),
    }
}

fn compile_kql(
    c: &mut Compiler,
    arg: &ast::Expr,
    span: Span,
    schema: &[Column],
    text: &str,
) -> Result<CExpr, Diagnostic> {
    let q = &constant_string_query(c, arg, schema, text)?;
    let kql = KqlQuery::new(q, schema).map_err(|d| {
        error(
            d.code,
            arg.span,
            format!("Invalid KQL query [{q}]: {}", d.message),
        )
    })?;
    Ok(kql_over_every_column(c, kql, schema, span))
}

/// The first argument of `KQL()` or `QSTR()`: a constant string, as Elasticsearch requires.
pub(super) fn constant_string_query(
    c: &mut Compiler,
    arg: &ast::Expr,
    schema: &[Column],
    text: &str,
) -> Result<std::sync::Arc<str>, Diagnostic> {
    let query = constant_query(c, arg, schema, text, "first")?;
    let Value::String(q) = query else {
        return Err(error(
            "E302",
            arg.span,
            format!(
                "first argument of [{text}] must be [string], found value [{}]",
                arg.span.slice(c.text)
            ),
        ));
    };
    Ok(q)
}

/// A query the KQL engine evaluates over the whole document (`KQL()`, `QSTR()`): every column of
/// the index is its argument, so the engine can read any field the query names.
pub(super) fn kql_over_every_column(
    c: &mut Compiler,
    kql: KqlQuery,
    schema: &[Column],
    span: Span,
) -> CExpr {
    let columns: Vec<CExpr> = (0..schema.len())
        .map(|i| CExpr {
            kind: Kind::Column(i),
            ty: schema[i].ty,
            site: 0,
        })
        .collect();
    call_of(c, FullText::Kql(Arc::new(kql)), columns, span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Cell {
        Cell::One(Value::str(s))
    }

    #[test]
    fn match_on_text_is_any_analyzed_term_and_on_keyword_the_whole_string() {
        let q = Value::str("the Faulkner");
        let any = Required::AtLeast(1);
        let none = Fuzziness::Edits(0);
        assert!(match_field(
            &q,
            any,
            none,
            false,
            Type::Text,
            &text("William Faulkner")
        ));
        assert!(!match_field(
            &q,
            Required::All,
            none,
            false,
            Type::Text,
            &text("William Faulkner")
        ));
        assert!(!match_field(
            &q,
            any,
            none,
            false,
            Type::Keyword,
            &text("William Faulkner")
        ));
        assert!(match_field(
            &q,
            any,
            none,
            false,
            Type::Keyword,
            &text("the Faulkner")
        ));
        assert!(!match_field(&q, any, none, false, Type::Text, &Cell::Null));
        assert!(match_field(
            &Value::Integer(5),
            any,
            none,
            false,
            Type::Long,
            &Cell::Many(vec![Value::Long(4), Value::Long(5)])
        ));
    }

    #[test]
    fn phrases_keep_order_and_slop() {
        let t = |s: &str| kql::analyzer::tokens(s);
        assert!(phrase_at(
            &t("lord of the rings"),
            &t("The Lord of the Rings"),
            0
        ));
        assert!(!phrase_at(&t("rings lord"), &t("The Lord of the Rings"), 0));
        assert!(phrase_at(&t("lord rings"), &t("The Lord of the Rings"), 2));
        assert!(!phrase_at(&t("lord rings"), &t("The Lord of the Rings"), 1));
    }

    #[test]
    fn option_values() {
        assert_eq!(minimum_should_match("2", 3), Some(2));
        assert_eq!(minimum_should_match("-1", 3), Some(2));
        assert_eq!(minimum_should_match("75%", 3), Some(2));
        assert_eq!(fuzziness("AUTO"), Some(Fuzziness::Auto(3, 6)));
        assert_eq!(fuzziness("1"), Some(Fuzziness::Edits(1)));
        assert!(within_edits("faulkner", "faulknre", 1));
        assert!(!within_edits("faulkner", "falkenr", 1));
    }
}
