//! Compiling `DATE_UNIT_COUNT`: its units checked, and the call folded to a constant where
//! the count does not depend on the date.

use crate::diagnostic::Diagnostic;
use crate::esql::ast;
use crate::span::Span;

use super::checks::{arity, date_ty, string_ty, type_mismatch};
use super::{date_parts, Func};
use crate::document::value::{Cell, Type, Value};
use crate::eval::expr::{error, CExpr, Compiler, Kind};

/// `DATE_UNIT_COUNT(to_unit, from_unit, date)`. With both units constant the count is checked
/// when the query compiles (an unknown unit, or a `from_unit` the function cannot count in, is
/// the error Elasticsearch fails the query with), and a count that does not depend on the date
/// is a constant, whatever the date: Elasticsearch's `foldable()` folds the whole call then,
/// so `DATE_UNIT_COUNT("minute", "hour", null)` is 60 (but `"hour", "day"` depends on the day: null).
pub(super) fn date_unit_count(
    c: &mut Compiler,
    call: &ast::Call,
    args: Vec<CExpr>,
    span: Span,
) -> Result<CExpr, Diagnostic> {
    arity("date_unit_count", args.len(), 3, 3, span)?;
    let ordinals = ["first ", "second ", "third "];
    for (i, a) in args.iter().enumerate() {
        let ok = if i == 2 {
            date_ty(a.ty)
        } else {
            string_ty(a.ty)
        };
        if !ok {
            let want = if i == 2 {
                "datetime or date_nanos"
            } else {
                "string"
            };
            return Err(type_mismatch(
                c.text,
                span,
                ordinals[i],
                call.args[i].span,
                a.ty,
                want,
            ));
        }
    }
    let unit = |e: &CExpr| match &e.kind {
        Kind::Literal(Cell::One(v)) => v.as_str().map(str::to_string),
        _ => None,
    };
    let site = c.site(span);
    if let (Some(to), Some(from)) = (unit(&args[0]), unit(&args[1])) {
        let part = |u: &str| {
            date_parts::Part::resolve(u)
                .ok_or_else(|| error("E302", span, date_parts::unknown_unit(u)))
        };
        let (to, from) = (part(&to)?, part(&from)?);
        if let Some(n) = date_parts::const_count(to, from) {
            return Ok(CExpr {
                kind: Kind::Literal(Cell::One(Value::Long(n))),
                ty: Type::Long,
                site,
            });
        }
        // A date-dependent count: only from a day, week, month or year.
        if let Err(message) = date_parts::unit_count(to, from, 0) {
            let message = message.trim_start_matches("java.lang.IllegalArgumentException: ");
            return Err(error("E302", span, message.to_string()));
        }
    }
    Ok(CExpr {
        kind: Kind::Call(Func::DateUnitCount, args),
        ty: Type::Long,
        site,
    })
}
