//! `QSTR(query)` and `TERM(field, term)`: compiling the calls. The query string is read by
//! [`parse`] into a KQL tree that the KQL engine matches; `TERM` is a term query on the indexed
//! values. Semantics: docs/esql-semantics.md, "Full-text functions".

mod lex;
mod parse;

use super::fulltext::{
    call_of, constant_query, constant_string_query, field_arg, kql_over_every_column, option_error,
    FullText, KqlQuery,
};
use crate::diagnostic::Diagnostic;
use crate::document::value::Value;
use crate::document::Column;
use crate::esql::ast;
use crate::eval::expr::{error, CExpr, Compiler};
use crate::span::Span;

/// `E320`: query-string syntax or a `QSTR` option rulegate does not evaluate.
pub const E_QSTR: &str = "E320";

/// `QSTR(query [, options])`: the query string read by `qstr.rs` into a KQL tree and matched by
/// the KQL engine over every column (the default field `*`).
pub(super) fn compile_qstr(
    c: &mut Compiler,
    arg: &ast::Expr,
    options: &[(String, String)],
    span: Span,
    schema: &[Column],
    text: &str,
) -> Result<CExpr, Diagnostic> {
    let mut and_default = false;
    for (k, v) in options {
        match k.as_str() {
            "default_operator" if v.eq_ignore_ascii_case("and") => and_default = true,
            "default_operator" if v.eq_ignore_ascii_case("or") => and_default = false,
            "default_operator" => return Err(option_error(span, k, v, text)),
            "time_zone" if matches!(v.as_str(), "UTC" | "Z" | "+00:00" | "Etc/UTC") => {}
            // Scoring, or only read by syntax rulegate refuses (`~`, regexes).
            "boost"
            | "rewrite"
            | "analyze_wildcard"
            | "allow_leading_wildcard"
            | "lenient"
            | "fuzziness"
            | "fuzzy_max_expansions"
            | "fuzzy_prefix_length"
            | "fuzzy_transpositions"
            | "max_determinized_states"
            | "phrase_slop"
            | "auto_generate_synonyms_phrase_query"
            | "enable_position_increments" => {}
            _ => {
                return Err(error(
                    E_QSTR,
                    span,
                    format!("QSTR option [{k}] with value [{v}] is not supported by rulegate"),
                ))
            }
        }
    }
    let q = &constant_string_query(c, arg, schema, text)?;
    let strings: Vec<String> = (schema.iter())
        .filter(|col| col.ty.is_string())
        .map(|col| col.name.clone())
        .collect();
    let tree = parse::parse(q, and_default, &strings).map_err(|m| {
        let code = if m.contains("not supported by rulegate") {
            E_QSTR
        } else {
            "E302"
        };
        error(code, arg.span, format!("Invalid query string [{q}]: {m}"))
    })?;
    let kql = KqlQuery::from_tree(tree, schema).map_err(|d| {
        error(
            d.code,
            arg.span,
            format!("Invalid query string [{q}]: {}", d.message),
        )
    })?;
    Ok(kql_over_every_column(c, kql, schema, span))
}

/// `TERM(field, term)`: a keyword or text field of the index and a constant term.
pub(super) fn compile_term(
    c: &mut Compiler,
    args: &[ast::Expr],
    options: &[(String, String)],
    span: Span,
    schema: &[Column],
    text: &str,
) -> Result<CExpr, Diagnostic> {
    let upper = "TERM";
    if !options.is_empty() {
        return Err(error(
            "E302",
            span,
            format!("function [{upper}] takes no options"),
        ));
    }
    let (col, ty) = field_arg(c, &args[0], schema, upper, text, 1)?;
    if !ty.is_string() {
        return Err(error(
            "E302",
            args[0].span,
            format!(
                "first argument of [{text}] must be [keyword or text], found value [{}] type [{}]",
                args[0].span.slice(c.text),
                ty.name()
            ),
        ));
    }
    let Value::String(term) = constant_query(c, &args[1], schema, text, "second")? else {
        return Err(error(
            "E302",
            args[1].span,
            format!(
                "second argument of [{text}] must be [keyword or text], received [{}]",
                args[1].span.slice(c.text)
            ),
        ));
    };
    let f = FullText::Term {
        term: term.to_string(),
        field: ty,
    };
    Ok(call_of(c, f, vec![col], span))
}
