//! Compiling the full-text calls: arity, options, field and query arguments, and the `KQL()`
//! query over every column.

use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::document::value::{Cell, Type, Value};
use crate::document::Column;
use crate::esql::ast;
use crate::eval::expr::{error, CExpr, Compiler, Kind};
use crate::eval::functions::{qstr, Func};
use crate::kql;
use crate::span::Span;

use super::matching::{dedup, fuzziness, minimum_should_match, query_text};
use super::{FullText, Fuzziness, KqlQuery, Required};

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
pub(in crate::eval::functions) fn compile(
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
        "qstr" => qstr::compile_qstr(c, &args[0], &options, span, schema, &text),
        "term" => qstr::compile_term(c, args, &options, span, schema, &text),
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
            let (slop, zero_terms_all) = phrase_options(&options, span, &text)?;
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

/// `MATCH_PHRASE`'s options: `slop` and `zero_terms_query`.
fn phrase_options(
    options: &[(String, String)],
    span: Span,
    text: &str,
) -> Result<(usize, bool), Diagnostic> {
    let mut slop = 0;
    let mut zero_terms_all = false;
    for (k, v) in options {
        match k.as_str() {
            "slop" => slop = v.parse().map_err(|_| option_error(span, k, v, text))?,
            "zero_terms_query" => zero_terms_all = v.eq_ignore_ascii_case("all"),
            "analyzer" | "boost" => {}
            _ => {
                return Err(unknown_option(
                    span,
                    k,
                    text,
                    "[analyzer, boost, slop, zero_terms_query]",
                ))
            }
        }
    }
    Ok((slop, zero_terms_all))
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

pub(in crate::eval::functions) fn call_of(
    c: &mut Compiler,
    f: FullText,
    args: Vec<CExpr>,
    span: Span,
) -> CExpr {
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

pub(in crate::eval::functions) fn option_error(
    span: Span,
    key: &str,
    value: &str,
    text: &str,
) -> Diagnostic {
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
pub(in crate::eval::functions) fn field_arg(
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
pub(in crate::eval::functions) fn constant_query(
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
pub(in crate::eval::functions) fn constant_string_query(
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
pub(in crate::eval::functions) fn kql_over_every_column(
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
