//! Compiling the aggregates that order one input by another: `FIRST(value, sort)`,
//! `LAST(value, sort)` and `TOP(field, limit, order, outputField)`.

use super::stats::top_limit_order;
use super::*;
use crate::eval::functions::type_mismatch;

/// `FIRST`/`LAST` accept these value types (Elasticsearch's `First.resolveType`; a `null`
/// literal too, as every `isType` check).
const VALUE_TYPES: &str =
    "boolean, date, ip, string or numeric except unsigned_long or counter types";
/// ... and these sort key types (`int or long or date_nanos or datetime`, as its error says).
const SORT_TYPES: &str = "int or long or date_nanos or datetime";
/// `TOP` with an output field takes dates and numbers in both the field and the output field.
const TOP_BY_TYPES: &str = "date or numeric except unsigned_long or counter types";

/// Compiles `FIRST`/`LAST` (`name`), whose arguments were checked not to hold aggregates.
pub(super) fn compile_first_last(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
    schema: &[Column],
    filter: Option<&CExpr>,
) -> Result<AggSlot, Diagnostic> {
    let [value, sort] = call.args.as_slice() else {
        return Err(error(
            "E302",
            span,
            format!(
                "function [{}] expects 2 arguments, got {}",
                call.name,
                call.args.len()
            ),
        ));
    };
    let value_expr = c.expr(value, schema)?;
    let sort_expr = c.expr(sort, schema)?;
    let value_ok = matches!(
        value_expr.ty,
        Type::Null
            | Type::Boolean
            | Type::Datetime
            | Type::Ip
            | Type::Keyword
            | Type::Text
            | Type::Integer
            | Type::Long
            | Type::Double
    );
    if !value_ok {
        return Err(type_error(
            c,
            span,
            "first ",
            value,
            &value_expr,
            VALUE_TYPES,
        ));
    }
    let sort_ok = matches!(
        sort_expr.ty,
        Type::Null | Type::Integer | Type::Long | Type::Datetime
    );
    if !sort_ok {
        return Err(type_error(c, span, "second ", sort, &sort_expr, SORT_TYPES));
    }
    // A sort key the optimizer folds (a literal, a function of literals, a column an `EVAL`
    // bound to a constant, `null` included) picks Elasticsearch's "any value" aggregator: the
    // first row it meets wins, whatever the key (`FIRST(emp_no, null)` is 10001 in
    // `null/nullLiteralArgInMultiInputAggs`). Ours meets rows in input order.
    let constant_sort = c.constants.fold_nulls(&sort_expr, schema).is_some();
    let kind = if constant_sort {
        AggKind::AnyValue
    } else if call.name == "last" {
        AggKind::Last
    } else {
        AggKind::First
    };
    let input = value_expr.ty;
    Ok(AggSlot {
        kind,
        arg: Some(value_expr),
        by: (!constant_sort).then_some(sort_expr),
        filter: filter.cloned(),
        input,
        ty: if input == Type::Text {
            Type::Keyword
        } else {
            input
        },
        site: c.site(span),
    })
}

/// Compiles `TOP(field, limit, order, outputField)`: the output field's values of the rows
/// with the top field values; the plain `TOP` when both fields are the same expression (as
/// Elasticsearch's surrogate).
pub(super) fn compile_top_by(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
    schema: &[Column],
    filter: Option<&CExpr>,
) -> Result<Option<AggSlot>, Diagnostic> {
    let [field, _, _, output] = call.args.as_slice() else {
        return Ok(None);
    };
    if field == output {
        return Ok(None);
    }
    let field_expr = c.expr(field, schema)?;
    let output_expr = c.expr(output, schema)?;
    let (limit, desc) = top_limit_order(c, call, span)?;
    let takes = |ty: Type| {
        matches!(
            ty,
            Type::Null | Type::Datetime | Type::Integer | Type::Long | Type::Double
        )
    };
    if !takes(output_expr.ty) {
        return Err(type_error(
            c,
            span,
            "fourth ",
            output,
            &output_expr,
            TOP_BY_TYPES,
        ));
    }
    if !takes(field_expr.ty) {
        let prefix = "when fourth argument is set, first ";
        return Err(type_error(
            c,
            span,
            prefix,
            field,
            &field_expr,
            TOP_BY_TYPES,
        ));
    }
    let input = field_expr.ty;
    let ty = output_expr.ty;
    Ok(Some(AggSlot {
        kind: AggKind::TopBy { limit, desc },
        arg: Some(field_expr),
        by: Some(output_expr),
        filter: filter.cloned(),
        input,
        ty,
        site: c.site(span),
    }))
}

/// [`type_mismatch`] for argument `arg` of the call at `call`.
fn type_error(
    c: &Compiler,
    call: Span,
    ordinal: &str,
    arg: &ast::Expr,
    compiled: &CExpr,
    accepted: &str,
) -> Diagnostic {
    type_mismatch(c.text, call, ordinal, arg.span, compiled.ty, accepted)
}
