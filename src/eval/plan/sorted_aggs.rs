//! Compiling the aggregates that order one input by another: `FIRST(value, sort)`,
//! `LAST(value, sort)` and `TOP(field, limit, order, outputField)`.

use super::stats::top_limit_order;
use super::*;
use crate::eval::fold::Constant;
use crate::eval::functions::type_mismatch;

/// `FIRST`/`LAST` accept these value types (Elasticsearch's `First.resolveType`; a `null`
/// literal too, as every `isType` check). `FIRST`/`LAST` (not the `ALL_` pair) take `version`
/// and `unsigned_long` values too since `first_agg_extended_types`/`last_agg_extended_types`
/// (`stats_first_last.csv-spec`); the message of that version was not readable, so the
/// refusal keeps the older list.
const VALUE_TYPES: &str =
    "boolean, date, ip, string or numeric except unsigned_long or counter types";
/// ... and these sort key types (`int or long or date_nanos or datetime`, as its error says).
const SORT_TYPES: &str = "int or long or date_nanos or datetime";
/// `ALL_FIRST`/`ALL_LAST` take no `int` sort key (`AllFirst.resolveType`).
const ALL_SORT_TYPES: &str = "long or date_nanos or datetime";
/// `TOP` with an output field takes dates and numbers in both the field and the output field.
const TOP_BY_TYPES: &str = "date or numeric except unsigned_long or counter types";

/// The two arguments of `call`, or Elasticsearch's arity error.
fn two_args(call: &ast::Call, span: Span) -> Result<[&ast::Expr; 2], Diagnostic> {
    crate::eval::functions::arity(&call.name, call.args.len(), 2, 2, span)?;
    Ok([&call.args[0], &call.args[1]])
}

/// Compiles `FIRST`/`LAST` and `ALL_FIRST`/`ALL_LAST` (`name`), whose arguments were checked
/// not to hold aggregates. The `ALL_` pair keeps the value of the row with the best sort key
/// even when it is null, which rulegate's `FIRST`/`LAST` do too (both follow Elasticsearch's
/// `All*ByTimestamp` aggregators); they differ in the sort key types they accept.
pub(super) fn compile_first_last(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
    schema: &[Column],
    filter: Option<&CExpr>,
) -> Result<AggSlot, Diagnostic> {
    let [value, sort] = two_args(call, span)?;
    let value_expr = c.expr(value, schema)?;
    let sort_expr = c.expr(sort, schema)?;
    let value_ok = takes_value(value_expr.ty)
        || (!call.name.starts_with("all_")
            && matches!(
                value_expr.ty,
                // `stats_first_last.csv-spec`: "Test date types in the search field", "Test first
                // aggregation on flattened type".
                Type::Version | Type::UnsignedLong | Type::DateNanos | Type::Flattened
            ));
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
    let all = call.name.starts_with("all_");
    let sort_ok = match sort_expr.ty {
        Type::Null | Type::Long | Type::Datetime | Type::DateNanos => true,
        Type::Integer => !all,
        _ => false,
    };
    if !sort_ok {
        let accepted = if all { ALL_SORT_TYPES } else { SORT_TYPES };
        return Err(type_error(c, span, "second ", sort, &sort_expr, accepted));
    }
    // A sort key the optimizer folds (a literal, a function of literals, a column an `EVAL`
    // bound to a constant, `null` included) picks Elasticsearch's "any value" aggregator: the
    // first row it meets wins, whatever the key (`FIRST(emp_no, null)` is 10001 in
    // `null/nullLiteralArgInMultiInputAggs`). Ours meets rows in input order.
    let constant_sort = c.constants.fold_nulls(&sort_expr, schema).is_some();
    let kind = if constant_sort {
        AggKind::AnyValue
    } else if call.name.ends_with("last") {
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

/// The value types `TOP` and every one of `FIRST`/`LAST`/`ALL_FIRST`/`ALL_LAST` take
/// ([`VALUE_TYPES`]): boolean, date, ip, string and numbers other than `unsigned_long`, or a
/// `null` literal.
fn takes_value(ty: Type) -> bool {
    matches!(
        ty,
        Type::Null
            | Type::Boolean
            | Type::Datetime
            | Type::Ip
            | Type::Keyword
            | Type::Text
            | Type::Integer
            | Type::Long
            | Type::Double
    )
}

/// Checks the field of a plain `TOP(field, limit, order)` (`compile` is the compiled field): a
/// boolean, date, ip, string or number other than `unsigned_long` (or `null`), as
/// `Top.resolveType` checks it before any surrogate; `version`, `unsigned_long`, `date_nanos`
/// and the other types are refused (`TOP(d, 1, "desc")` is not read as `MAX(d)`).
pub(super) fn check_top_field(
    c: &Compiler,
    span: Span,
    field: &ast::Expr,
    ty: Type,
) -> Result<(), Diagnostic> {
    let takes = takes_value(ty);
    if takes {
        return Ok(());
    }
    Err(type_mismatch(
        c.text,
        span,
        "first ",
        field.span,
        ty,
        VALUE_TYPES,
    ))
}

/// Compiles `SAMPLE(field, limit)`: any value type (`text` comes out as `keyword`), a constant
/// positive `integer` limit, as `Sample.resolveType` and `FunctionUtils.resolveTypeLimit` check.
/// The seed is the call's offset in the query text, so each call draws its own sample.
pub(super) fn compile_sample(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
    schema: &[Column],
    filter: Option<&CExpr>,
) -> Result<AggSlot, Diagnostic> {
    let [field, limit] = two_args(call, span)?;
    let field_expr = c.expr(field, schema)?;
    let limit_expr = c.expr(limit, schema)?;
    let text = span.slice(c.text);
    let limit_text = limit.span.slice(c.text);
    if limit_expr.ty == Type::Null {
        return Err(error(
            "E302",
            limit.span,
            format!("second argument of [{text}] cannot be null, received [{limit_text}]"),
        ));
    }
    if limit_expr.ty != Type::Integer {
        return Err(type_error(
            c,
            span,
            "second ",
            limit,
            &limit_expr,
            "integer",
        ));
    }
    // Constant before optimization (`forPreOptimizationValidation`): literals, not columns an
    // `EVAL` bound.
    let value = match crate::eval::fold::Constants::new().fold(&limit_expr, schema) {
        Some(Constant::Value(Cell::One(Value::Integer(n)))) => n,
        _ => {
            return Err(error(
                "E302",
                limit.span,
                format!("Limit must be a constant integer in [{text}], found [{limit_text}]"),
            ))
        }
    };
    if value <= 0 {
        return Err(error(
            "E302",
            limit.span,
            format!("Limit must be greater than 0 in [{text}], found [{value}]"),
        ));
    }
    let input = field_expr.ty;
    Ok(AggSlot {
        kind: AggKind::Sample {
            limit: value as usize,
            seed: span.start as u64,
        },
        arg: Some(field_expr),
        by: None,
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
