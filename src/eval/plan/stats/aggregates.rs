//! Compiling a `STATS` output's aggregate calls into accumulator slots, with Elasticsearch's
//! surrogates and the grouping functions an output may reuse.

use super::*;
use crate::eval::fold::{Constant, Constants};

/// Replaces aggregate calls in `e` by references to slot columns `$agg<i>`, compiling each
/// aggregate's arguments against the input schema.
pub(super) fn extract_aggregates(
    c: &mut Compiler,
    e: &ast::Expr,
    schema: &[Column],
    filter: Option<&CExpr>,
    slots: &mut Vec<AggSlot>,
) -> Result<ast::Expr, Diagnostic> {
    let mut e = e.clone();
    rewrite(c, &mut e, schema, filter, slots)?;
    Ok(e)
}

pub(super) fn rewrite(
    c: &mut Compiler,
    e: &mut ast::Expr,
    schema: &[Column],
    filter: Option<&CExpr>,
    slots: &mut Vec<AggSlot>,
) -> Result<(), Diagnostic> {
    let span = e.span;
    if let ExprKind::Call(call) = &e.kind {
        if call.name == "weighted_avg" && call.args.len() == 2 {
            *e = weighted_avg_surrogate(c, call, span, schema)?;
        }
    }
    // `EARLIEST(x)` and `LATEST(x)` are `FIRST(x, @timestamp)` and `LAST(x, @timestamp)`.
    if let ExprKind::Call(call) = &mut e.kind {
        if matches!(call.name.as_str(), "earliest" | "latest") && call.args.len() == 1 {
            call.name = if call.name == "earliest" {
                "first"
            } else {
                "last"
            }
            .into();
            call.args.push(ast::Expr {
                kind: ExprKind::Column(ast::Name {
                    name: "@timestamp".into(),
                    span,
                }),
                span,
            });
        }
    }
    match &mut e.kind {
        ExprKind::Call(call) if is_aggregate(&call.name) => {
            let slot = compile_aggregate(c, call, span, schema, filter)?;
            slots.push(slot);
            e.kind = ExprKind::Column(ast::Name {
                name: format!("$agg{}", slots.len() - 1),
                span,
            });
        }
        ExprKind::Call(call) => {
            for a in &mut call.args {
                rewrite(c, a, schema, filter, slots)?;
            }
        }
        ExprKind::Unary { operand, .. } => rewrite(c, operand, schema, filter, slots)?,
        ExprKind::Binary { left, right, .. }
        | ExprKind::And(left, right)
        | ExprKind::Or(left, right) => {
            rewrite(c, left, schema, filter, slots)?;
            rewrite(c, right, schema, filter, slots)?;
        }
        ExprKind::Not(a) | ExprKind::IsNull { value: a, .. } | ExprKind::Cast { value: a, .. } => {
            rewrite(c, a, schema, filter, slots)?
        }
        ExprKind::Like { value, .. } => rewrite(c, value, schema, filter, slots)?,
        ExprKind::In { value, list, .. } => {
            rewrite(c, value, schema, filter, slots)?;
            for item in list {
                rewrite(c, item, schema, filter, slots)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `WEIGHTED_AVG(x, w)` as Elasticsearch's surrogate: `MV_AVG(x)` for a literal `x`,
/// `SUM(x) / COUNT(x)` for a literal `w`, otherwise `SUM(x * w) / SUM(w)`, divided as
/// doubles. Every synthesized node carries the call's position and text, so multivalue and
/// `/ by zero` warnings name the call.
fn weighted_avg_surrogate(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
    schema: &[Column],
) -> Result<ast::Expr, Diagnostic> {
    let (field, weight) = (&call.args[0], &call.args[1]);
    let node = |kind: ExprKind| ast::Expr { kind, span };
    let func = |name: &str, args: Vec<ast::Expr>| {
        node(ExprKind::Call(ast::Call {
            name: name.into(),
            args,
            star: false,
            span,
        }))
    };
    // Foldable as the surrogate sees it: literals only, before any EVAL constant is propagated
    // (`EVAL w = 0 | … WEIGHTED_AVG(x, w)` divides by zero in `weightedAvgWeightZero`).
    let mut foldable = |e: &ast::Expr| -> Result<bool, Diagnostic> {
        let compiled = c.expr(e, schema)?;
        Ok(matches!(
            Constants::new().fold(&compiled, schema),
            Some(Constant::Value(_))
        ))
    };
    if foldable(field)? {
        return Ok(func("mv_avg", vec![field.clone()]));
    }
    let constant_weight = foldable(weight)?;
    let (numerator, denominator) = if constant_weight {
        // Unlike `AVG`, a `long` sum here can overflow (`stats/weightedAvgWithOverflow`).
        (
            func("sum", vec![field.clone()]),
            func("count", vec![field.clone()]),
        )
    } else {
        let product = node(ExprKind::Binary {
            op: ast::BinaryOp::Mul,
            left: Box::new(field.clone()),
            right: Box::new(weight.clone()),
        });
        (
            func("sum", vec![product]),
            func("sum", vec![weight.clone()]),
        )
    };
    let numerator = func("to_double", vec![numerator]);
    let denominator = func("to_double", vec![denominator]);
    Ok(node(ExprKind::Binary {
        op: ast::BinaryOp::Div,
        left: Box::new(numerator),
        right: Box::new(denominator),
    }))
}

pub(super) fn constant_arg(c: &mut Compiler, e: &ast::Expr) -> Result<Cell, Diagnostic> {
    Ok(c.expr(e, &[])?.eval_alone())
}

pub(super) fn compile_aggregate(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
    schema: &[Column],
    filter: Option<&CExpr>,
) -> Result<AggSlot, Diagnostic> {
    let name = call.name.as_str();
    let site = c.site(span);
    if name == "count" && (call.star || call.args.is_empty()) {
        return Ok(AggSlot {
            kind: AggKind::CountRows,
            arg: None,
            by: None,
            filter: filter.cloned(),
            input: Type::Null,
            ty: Type::Long,
            site,
        });
    }
    let Some(first) = call.args.first() else {
        return Err(error(
            "E302",
            span,
            format!("function [{name}] needs an argument"),
        ));
    };
    refuse_nested_aggregates(c, call, span)?;
    if matches!(name, "first" | "last" | "all_first" | "all_last") {
        return super::sorted_aggs::compile_first_last(c, call, span, schema, filter);
    }
    if name == "sample" {
        return super::sorted_aggs::compile_sample(c, call, span, schema, filter);
    }
    if name == "top" {
        if let Some(slot) = super::sorted_aggs::compile_top_by(c, call, span, schema, filter)? {
            return Ok(slot);
        }
    }
    let arg = c.expr(first, schema)?;
    let input = arg.ty;
    let kind = aggregate_kind(c, call, span, first, input)?;
    check_numeric_input(c, &kind, span, first, input)?;
    let mut ty = kind.result_type(input);
    if ty == Type::Text && matches!(kind, AggKind::Min | AggKind::Max | AggKind::Top { .. }) {
        ty = Type::Keyword;
    }
    Ok(AggSlot {
        kind,
        arg: Some(arg),
        by: None,
        filter: filter.cloned(),
        input,
        ty,
        site,
    })
}

/// An aggregate's arguments cannot themselves hold aggregates.
fn refuse_nested_aggregates(c: &Compiler, call: &ast::Call, span: Span) -> Result<(), Diagnostic> {
    for a in &call.args {
        if contains_aggregate(a) {
            return Err(error(
                "E302",
                a.span,
                format!(
                    "The field names in [{}] cannot be aggregations",
                    span.slice(c.text)
                ),
            ));
        }
    }
    Ok(())
}

/// The accumulator kind of the aggregate `call`, whose first argument `first` is of type
/// `input`.
fn aggregate_kind(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
    first: &ast::Expr,
    input: Type,
) -> Result<AggKind, Diagnostic> {
    let name = call.name.as_str();
    Ok(match name {
        "count" => AggKind::Count,
        "count_distinct" => AggKind::CountDistinct,
        "values" => AggKind::Values,
        "min" => AggKind::Min,
        "max" => AggKind::Max,
        "sum" => AggKind::Sum,
        "avg" => AggKind::Avg,
        "median" => AggKind::Median,
        "median_absolute_deviation" => AggKind::MedianAbsoluteDeviation,
        "percentile" => {
            // A constant number is required; one outside 0–100 (or NaN) is accepted and makes
            // the aggregate null, as `QuantileStates.percentileParam` does.
            // A column is no constant (`isFoldable`): the same refusal, not `Unknown column`.
            let p = match call.args.get(1).map(|a| constant_arg(c, a)) {
                Some(Ok(Cell::One(v))) if !matches!(v, Value::UnsignedLong(_)) => v.as_f64(),
                _ => None,
            };
            let p = p.ok_or_else(|| {
                error(
                    "E302",
                    span,
                    "PERCENTILE needs a constant, non-null percentile of a numeric type other than unsigned_long",
                )
            })?;
            AggKind::Percentile(p.to_bits())
        }
        "variance" | "std_var" => AggKind::Variance,
        "std_dev" => AggKind::StdDev,
        "present" => AggKind::Present,
        "absent" => AggKind::Absent,
        "top" => {
            super::sorted_aggs::check_top_field(c, span, first, input)?;
            let (limit, desc) = top_limit_order(c, call, span)?;
            AggKind::Top { limit, desc }
        }
        other => return Err(crate::eval::functions::catalog::unsupported(other, span)),
    })
}

/// The aggregates that compute on numbers refuse any other input.
fn check_numeric_input(
    c: &Compiler,
    kind: &AggKind,
    span: Span,
    first: &ast::Expr,
    input: Type,
) -> Result<(), Diagnostic> {
    if matches!(
        kind,
        AggKind::Sum
            | AggKind::Avg
            | AggKind::Median
            | AggKind::Percentile(_)
            | AggKind::MedianAbsoluteDeviation
            | AggKind::Variance
            | AggKind::StdDev
    ) && !(input.is_numeric() || input == Type::Null)
    {
        return Err(error(
            "E302",
            first.span,
            format!(
                "argument of [{}] must be [numeric except unsigned_long or counter types], found value [{}] type [{}]",
                span.slice(c.text),
                first.span.slice(c.text),
                input.name()
            ),
        ));
    }
    Ok(())
}

/// `TOP`'s limit and order, checked as `Top.resolveType` and `Foldables.resolveTypeLimit` check
/// them: a non-null `integer` limit that is a constant above 0, and a non-null constant string
/// order that is `asc` or `desc` in any case; an omitted order is ascending (the order has been
/// optional since `TOP` took an output field). Returns the limit and whether it is `desc`.
pub(in crate::eval::plan) fn top_limit_order(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
) -> Result<(usize, bool), Diagnostic> {
    let text = span.slice(c.text).to_string();
    let Some(limit) = call.args.get(1) else {
        return Err(error("E302", span, "TOP needs a constant limit"));
    };
    let limit_text = limit.span.slice(c.text);
    let limit_expr = c.expr(limit, &[])?;
    if limit_expr.ty == Type::Null {
        let msg = format!("second argument of [{text}] cannot be null, received [{limit_text}]");
        return Err(error("E302", limit.span, msg));
    }
    if limit_expr.ty != Type::Integer {
        let found = limit_expr.ty;
        let accepted = "integer";
        return Err(crate::eval::functions::type_mismatch(
            c.text, span, "second ", limit.span, found, accepted,
        ));
    }
    let limit_value = match limit_expr.eval_alone() {
        Cell::One(Value::Integer(n)) => n,
        _ => {
            let msg = format!("Limit must be a constant integer in [{text}], found [{limit_text}]");
            return Err(error("E302", limit.span, msg));
        }
    };
    if limit_value <= 0 {
        let msg = format!("Limit must be greater than 0 in [{text}], found [{limit_value}]");
        return Err(error("E302", limit.span, msg));
    }
    let desc = match call.args.get(2) {
        None => false,
        Some(order) => top_order_is_desc(c, order, span)?,
    };
    Ok((limit_value as usize, desc))
}

/// Whether `TOP`'s order argument `order` (of the call at `span`) says `desc`, or the error
/// `Top.resolveType` gives for it.
fn top_order_is_desc(c: &mut Compiler, order: &ast::Expr, span: Span) -> Result<bool, Diagnostic> {
    let text = span.slice(c.text).to_string();
    let order_text = order.span.slice(c.text);
    let order_expr = c.expr(order, &[])?;
    if order_expr.ty == Type::Null {
        let msg = format!("third argument of [{text}] cannot be null, received [{order_text}]");
        return Err(error("E302", order.span, msg));
    }
    if !order_expr.ty.is_string() {
        let found = order_expr.ty;
        return Err(crate::eval::functions::type_mismatch(
            c.text, span, "third ", order.span, found, "string",
        ));
    }
    let value = match order_expr.eval_alone() {
        Cell::One(v) => v.as_str().map(str::to_string),
        _ => None,
    };
    match value {
        Some(v) if v.eq_ignore_ascii_case("asc") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("desc") => Ok(true),
        Some(v) => Err(error(
            "E302",
            order.span,
            format!("Invalid order value in [{text}], expected [ASC, DESC] but got [{v}]"),
        )),
        None => Err(error(
            "E302",
            order.span,
            format!("Order must be a valid string in [{text}], found [{order_text}]"),
        )),
    }
}

/// Outside aggregate functions, a grouping function (`BUCKET`, `BIN`, `CATEGORIZE`) written exactly as a
/// grouping key's expression reads that key: Elasticsearch allows "the exact same expression"
/// as the key's alias (`STATS 1 + BUCKET(salary, 1000.) BY b = BUCKET(salary, 1000.)`).
/// Expressions are compared in their canonical printed form.
pub(super) fn reuse_grouping_functions(
    e: &mut ast::Expr,
    stats: &ast::Stats,
    keys: &[(Column, CExpr, Span, bool)],
) {
    if let ExprKind::Call(call) = &e.kind {
        if matches!(call.name.as_str(), "bucket" | "bin" | "categorize") {
            let printed = crate::esql::print::expr(e);
            let key = stats.by.iter().find(|b| {
                keys.iter().any(|k| k.2 == b.span) && crate::esql::print::expr(&b.expr) == printed
            });
            if let Some(key) = key {
                let name = keys
                    .iter()
                    .find(|k| k.2 == key.span)
                    .map(|k| k.0.name.clone())
                    .unwrap_or_default();
                e.kind = ExprKind::Column(ast::Name { name, span: e.span });
            }
            return;
        }
    }
    for child in e.children_mut() {
        reuse_grouping_functions(child, stats, keys);
    }
}

pub(super) fn contains_aggregate(e: &ast::Expr) -> bool {
    matches!(&e.kind, ExprKind::Call(call) if is_aggregate(&call.name))
        || e.children().into_iter().any(contains_aggregate)
}
