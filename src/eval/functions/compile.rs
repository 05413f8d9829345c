//! Compiling a function call: its arguments checked and typed, and the [`Func`] it evaluates.

mod dates;
mod general;
mod multivalue;
mod numbers;
mod strings;

use crate::diagnostic::Diagnostic;
use crate::esql::ast;
use crate::span::Span;

use super::checks::{arity, implicit_time_span};
use super::{bucket, catalog, categorize, fulltext, implicit, range, Func};
use crate::document::Column;
use crate::eval::aggregate::is_aggregate;
use crate::eval::expr::{error, CExpr, Compiler, Kind};

/// A call being compiled, as the category functions see it: its arguments already compiled.
struct Args<'x, 'q> {
    c: &'x mut Compiler<'q>,
    call: &'x ast::Call,
    span: Span,
    schema: &'x [Column],
    args: Vec<CExpr>,
    /// The call's text, for messages.
    text: String,
}

/// What a category made of a call it knows.
enum Found {
    /// A function over the (possibly rewritten) arguments, and its type.
    Call(Func, crate::document::value::Type),
    /// A whole expression (`CASE`, `DATE_UNIT_COUNT`).
    Done(CExpr),
}

type Category = fn(&mut Args) -> Result<Option<Found>, Diagnostic>;

/// The categories, tried in turn; each answers `None` for a name it does not know.
const CATEGORIES: [Category; 11] = [
    general::conditional_and_conversion,
    general::spatial_ip_and_fields,
    strings::case_and_slices,
    strings::search_and_codecs,
    strings::formats_and_ascii,
    multivalue::picks_and_reductions,
    multivalue::statistics_and_sets,
    dates::date_arithmetic,
    dates::names_and_parts,
    numbers::rounding_and_math,
    numbers::points_and_bounds,
];

/// The message of an argument of the wrong type.
fn type_error_text(text: &str, args: &[CExpr], i: usize, want: &str) -> String {
    format!(
        "argument {} of [{}] must be [{}], found value of type [{}]",
        i + 1,
        text,
        want,
        args[i].ty.name()
    )
}

/// Compiles a function call (aggregates are rejected here: `STATS` handles them).
pub fn compile(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
    schema: &[Column],
) -> Result<CExpr, Diagnostic> {
    let name = call.name.as_str();
    refuse_outside_scalar(c, name, span)?;
    if catalog::FULL_TEXT_EVALUATED.contains(&name) {
        return fulltext::compile(c, call, span, schema);
    }
    let mut args = Vec::new();
    for a in &call.args {
        args.push(c.expr(a, schema)?);
    }
    if name == "date_trunc" {
        implicit_time_span(&mut args, span)?;
    }
    let arg_spans: Vec<Span> = call.args.iter().map(|a| a.span).collect();
    implicit::cast_string_literals(name, &mut args, &arg_spans)?;
    if name == "bucket" || name == "bin" {
        return bucket::compile(c, args, span, schema);
    }
    if range::NAMES.contains(&name) {
        return compile_range(c, name, span, args, &arg_spans);
    }
    let text = span.slice(c.text).to_string();
    let mut cx = Args {
        c,
        call,
        span,
        schema,
        args,
        text,
    };
    let mut found = None;
    for category in CATEGORIES {
        found = category(&mut cx)?;
        if found.is_some() {
            break;
        }
    }
    let Args { c, mut args, .. } = cx;
    let n = args.len();
    let (func, ty) = match found {
        Some(Found::Call(func, ty)) => (func, ty),
        Some(Found::Done(expr)) => return Ok(expr),
        None => return Err(catalog::unsupported(name, span)),
    };
    if let Func::ToType(target) = func {
        arity(name, n, 1, 1, span)?;
        let a = args.pop().expect("one argument");
        return c.cast_folded(a, target, span, schema).map(|mut e| {
            // A conversion function reports warnings under its call text, like a cast.
            e.ty = target;
            e
        });
    }
    let site = c.site(span);
    Ok(CExpr {
        kind: Kind::Call(func, args),
        ty,
        site,
    })
}

/// Refuses a call compiled outside its place or not evaluated at all: an aggregate outside
/// `STATS`, a [`catalog::refusal`], `CATEGORIZE` outside `STATS … BY`.
fn refuse_outside_scalar(c: &Compiler, name: &str, span: Span) -> Result<(), Diagnostic> {
    if is_aggregate(name) {
        return Err(error(
            "E302",
            span,
            format!(
                "aggregate function [{}] is only allowed in STATS",
                span.slice(c.text)
            ),
        ));
    }
    if let Some(refused) = catalog::refusal(name, span) {
        return Err(refused);
    }
    if name == "categorize" {
        // `STATS … BY` compiles its `CATEGORIZE` key itself; any other place is an error.
        return Err(categorize::grouping::outside_stats(c, span));
    }
    Ok(())
}

/// A range function (`range::NAMES`) over its compiled arguments.
fn compile_range(
    c: &mut Compiler,
    name: &str,
    span: Span,
    mut args: Vec<CExpr>,
    arg_spans: &[Span],
) -> Result<CExpr, Diagnostic> {
    let typed: Vec<_> = args
        .iter()
        .zip(arg_spans)
        .map(|(a, s)| (a.ty, *s))
        .collect();
    let compiled = range::compile(name, c.text, span, &typed)?;
    if compiled.swapped {
        args.swap(0, 1);
    }
    let site = c.site(span);
    Ok(CExpr {
        kind: Kind::Call(compiled.func, args),
        ty: compiled.ty,
        site,
    })
}
