//! `CATEGORIZE` as a `STATS` grouping: Elasticsearch's verifier checks (`Aggregate.
//! checkCategorizeGrouping`, `Categorize.resolveType` and its options), and the categorizer one
//! `STATS` keeps while it reads its rows in input order (`CategorizeBlockHash`).

use super::analyzer::Analyzer;
use super::{dictionary, Categorizer};
use crate::diagnostic::Diagnostic;
use crate::document::value::{Cell, Type, Value};
use crate::esql::ast::{self, ExprKind};
use crate::eval::aggregate::is_aggregate;
use crate::eval::expr::{error, CExpr, Compiler, Ctx};
use crate::span::Span;

/// How the category keys are written (`output_format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// `.*?Connected.+?to.*?`, the default.
    Regex,
    /// `Connected to`.
    Tokens,
}

/// One `CATEGORIZE(field[, options])` grouping, its options resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategorizeSpec {
    pub analyzer: Analyzer,
    pub format: OutputFormat,
    /// `similarity_threshold`, a percentage from 1 to 100 (70 by default).
    pub threshold: u8,
}

/// The call, when `e` is a `CATEGORIZE(…)` call.
pub fn as_categorize(e: &ast::Expr) -> Option<&ast::Call> {
    match &e.kind {
        ExprKind::Call(call) if call.name == "categorize" => Some(call),
        _ => None,
    }
}

/// Every `CATEGORIZE` call in `e` (itself included), outermost first.
fn calls_in(e: &ast::Expr) -> Vec<&ast::Expr> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        if as_categorize(e).is_some() {
            out.push(e);
        }
        stack.extend(e.children().into_iter().rev());
    }
    out
}

/// `cannot use grouping function [X] outside of a STATS command`, for a call anywhere else.
pub fn outside_stats(c: &Compiler, span: Span) -> Diagnostic {
    error(
        "E302",
        span,
        format!(
            "cannot use grouping function [{}] outside of a STATS command",
            span.slice(c.text)
        ),
    )
}

/// `INLINE STATS … BY CATEGORIZE(x)`: Elasticsearch does not support it yet.
pub fn refuse_inline(c: &Compiler, stats: &ast::Stats, command: Span) -> Result<(), Diagnostic> {
    match stats.by.iter().find(|b| as_categorize(&b.expr).is_some()) {
        Some(b) => Err(error(
            "E302",
            b.expr.span,
            format!(
                "CATEGORIZE [{}] is not yet supported with INLINE STATS [{}]",
                b.expr.span.slice(c.text),
                command.slice(c.text)
            ),
        )),
        None => Ok(()),
    }
}

/// Elasticsearch's checks of `CATEGORIZE` in one `STATS`, in its order: only the first
/// grouping, never inside another expression, never inside (or referenced by) an aggregate
/// or its filter, and elsewhere in the aggregates only as a copy of the grouping.
pub fn verify(c: &Compiler, stats: &ast::Stats) -> Result<(), Diagnostic> {
    let fail = |span: Span, message: String| Err(error("E302", span, message));
    for b in stats.by.iter().skip(1) {
        if let Some(call) = calls_in(&b.expr).first() {
            let text = call.span.slice(c.text);
            return fail(
                call.span,
                format!(
                    "CATEGORIZE grouping function [{text}] can only be in the first grouping expression"
                ),
            );
        }
    }
    for b in &stats.by {
        for child in b.expr.children() {
            if let Some(call) = calls_in(child).first() {
                let text = call.span.slice(c.text);
                return fail(
                    call.span,
                    format!(
                        "CATEGORIZE grouping function [{text}] can't be used within other expressions"
                    ),
                );
            }
        }
    }
    let Some(key) = stats
        .by
        .first()
        .filter(|b| as_categorize(&b.expr).is_some())
    else {
        return verify_no_calls(c, stats);
    };
    let name = key.column_name(c.text);
    for a in &stats.aggregates {
        for agg in aggregate_calls(&a.field.expr) {
            for arg in agg.children() {
                if let Some(call) = calls_in(arg).first() {
                    let text = call.span.slice(c.text);
                    return fail(
                        call.span,
                        format!("cannot use CATEGORIZE grouping function [{text}] within an aggregation"),
                    );
                }
                if let Some(span) = reference_to(arg, &name) {
                    let text = span.slice(c.text);
                    return fail(
                        span,
                        format!("cannot reference CATEGORIZE grouping function [{text}] within an aggregation"),
                    );
                }
            }
        }
        if let Some(filter) = &a.filter {
            if let Some(span) = reference_to(filter, &name) {
                let text = span.slice(c.text);
                return fail(
                    span,
                    format!("cannot reference CATEGORIZE grouping function [{text}] within an aggregation filter"),
                );
            }
        }
    }
    verify_copies(c, stats, &key.expr)
}

/// Without a `CATEGORIZE` grouping, any call in the aggregates is not part of the BY clause.
fn verify_no_calls(c: &Compiler, stats: &ast::Stats) -> Result<(), Diagnostic> {
    for a in &stats.aggregates {
        let exprs = std::iter::once(&a.field.expr).chain(a.filter.iter());
        if let Some(call) = exprs.flat_map(calls_in).next() {
            return Err(not_in_by(c, call.span));
        }
    }
    Ok(())
}

/// In the aggregates, a `CATEGORIZE` call must be the grouping's own expression (it then reads
/// the key); in a filter, none is allowed.
fn verify_copies(c: &Compiler, stats: &ast::Stats, key: &ast::Expr) -> Result<(), Diagnostic> {
    let printed = crate::esql::print::expr(key);
    for a in &stats.aggregates {
        if let Some(call) = calls_in(&a.field.expr)
            .into_iter()
            .find(|e| crate::esql::print::expr(e) != printed)
        {
            return Err(not_in_by(c, call.span));
        }
        if let Some(call) = a.filter.iter().flat_map(calls_in).next() {
            return Err(not_in_by(c, call.span));
        }
    }
    Ok(())
}

fn not_in_by(c: &Compiler, span: Span) -> Diagnostic {
    error(
        "E302",
        span,
        format!(
            "can only use grouping function [{}] as part of the BY clause",
            span.slice(c.text)
        ),
    )
}

/// The aggregate function calls in `e`, outermost first.
fn aggregate_calls(e: &ast::Expr) -> Vec<&ast::Expr> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Call(call) if is_aggregate(&call.name) => out.push(e),
            _ => stack.extend(e.children()),
        }
    }
    out
}

/// The span of the first reference to column `name` in `e`.
fn reference_to(e: &ast::Expr, name: &str) -> Option<Span> {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        if let ExprKind::Column(n) = &e.kind {
            if n.name == name {
                return Some(e.span);
            }
        }
        stack.extend(e.children().into_iter().rev());
    }
    None
}

/// The field argument, compiled by `compile` and type-checked, and the options of a
/// `CATEGORIZE` call.
pub fn resolve(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
    compile: impl FnOnce(&mut Compiler, &ast::Expr) -> Result<CExpr, Diagnostic>,
) -> Result<(CExpr, CategorizeSpec), Diagnostic> {
    let text = span.slice(c.text).to_string();
    let (field, options) = match call.args.as_slice() {
        [field] => (field, None),
        [field, options] => (field, Some(options)),
        _ => {
            return Err(error(
                "E302",
                span,
                format!(
                    "function [CATEGORIZE] takes 1 or 2 arguments, received {}",
                    call.args.len()
                ),
            ))
        }
    };
    let compiled = compile(c, field)?;
    let ty = compiled.ty;
    if !matches!(ty, Type::Keyword | Type::Text | Type::Null) {
        return Err(error(
            "E302",
            field.span,
            format!(
                "argument of [{text}] must be [string], found value [{}] type [{}]",
                field.span.slice(c.text),
                ty.name()
            ),
        ));
    }
    let spec = match options {
        Some(options) => options_of(c, options, &text, span)?,
        None => CategorizeSpec {
            analyzer: Analyzer::Categorization,
            format: OutputFormat::Regex,
            threshold: 70,
        },
    };
    Ok((compiled, spec))
}

/// The options map (`Options.resolve` with `ALLOWED_OPTIONS`, then `verifyOptions`).
fn options_of(
    c: &mut Compiler,
    options: &ast::Expr,
    text: &str,
    span: Span,
) -> Result<CategorizeSpec, Diagnostic> {
    let fail = |message: String| error("E302", span, message);
    let ExprKind::Map(entries) = &options.kind else {
        return Err(fail(format!(
            "second argument of [{text}] must be a map expression, received [{}]",
            options.span.slice(c.text)
        )));
    };
    let mut spec = CategorizeSpec {
        analyzer: Analyzer::Categorization,
        format: OutputFormat::Regex,
        threshold: 70,
    };
    for entry in entries {
        let key = entry.key.value.as_str();
        let value = match constant(c, &entry.value)? {
            Cell::One(v) => v,
            _ => {
                return Err(fail(format!(
                    "Invalid option [{key}] in [{text}], null is not valid"
                )))
            }
        };
        let shown = Cell::One(value.clone()).to_display();
        let cannot_cast = |ty: &str| {
            fail(format!(
                "Invalid option [{key}] in [{text}], cannot cast [{shown}] to [{ty}]"
            ))
        };
        match key {
            "analyzer" => {
                let name = value.as_str().ok_or_else(|| cannot_cast("keyword"))?;
                spec.analyzer = Analyzer::named(name).map_err(fail)?;
            }
            "output_format" => {
                let name = value.as_str().ok_or_else(|| cannot_cast("keyword"))?;
                spec.format = match name.to_uppercase().as_str() {
                    "REGEX" => OutputFormat::Regex,
                    "TOKENS" => OutputFormat::Tokens,
                    _ => {
                        return Err(fail(format!(
                            "invalid output format [{name}], expecting one of [REGEX, TOKENS]"
                        )))
                    }
                }
            }
            "similarity_threshold" => {
                let n = integer_option(&value).ok_or_else(|| cannot_cast("integer"))?;
                if !(1..=100).contains(&n) {
                    return Err(fail(format!(
                        "invalid similarity threshold [{n}], expecting a number between 1 and 100, inclusive"
                    )));
                }
                spec.threshold = n as u8;
            }
            _ => {
                return Err(fail(format!(
                    "Invalid option [{key}] in [{text}], expected one of [analyzer, output_format, similarity_threshold]"
                )))
            }
        }
    }
    Ok(spec)
}

/// The value of an option's constant expression.
fn constant(c: &mut Compiler, e: &ast::Expr) -> Result<Cell, Diagnostic> {
    Ok(c.expr(e, &[])?.eval_alone())
}

/// An `integer` option's value: an integral number in `int` range, or a string of one.
fn integer_option(value: &Value) -> Option<i64> {
    let n = match value {
        Value::Integer(n) => i64::from(*n),
        Value::Long(n) => *n,
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        _ => return None,
    };
    i32::try_from(n).ok().map(i64::from)
}

/// The categories of one `STATS`: the categorizer, fed every string in input order, and how its
/// keys are written.
pub struct Categories {
    spec: CategorizeSpec,
    categorizer: Categorizer<'static>,
}

impl Categories {
    pub fn new(spec: &CategorizeSpec) -> Categories {
        let threshold = f32::from(spec.threshold) / 100.0;
        let categorizer = Categorizer::new(dictionary::bundled(), threshold)
            .unwrap_or_else(|e| unreachable!("the threshold was checked when compiling: {e}"));
        Categories {
            spec: spec.clone(),
            categorizer,
        }
    }

    /// The key cells of one row's field cell, one per value in order, duplicates kept: the
    /// category id (a `long`), or null for a null value and a string without tokens. Past the
    /// cap on categories, the query fails (`E015`) and what remains is not categorized.
    pub fn keys_of(&mut self, cell: &Cell, ctx: &mut Ctx) -> Vec<Cell> {
        let values: &[Value] = match cell {
            Cell::Null => return vec![Cell::Null],
            Cell::One(v) => std::slice::from_ref(v),
            Cell::Many(vs) => vs,
        };
        let mut keys = Vec::with_capacity(values.len());
        for value in values {
            let Some(text) = value.as_str() else {
                keys.push(Cell::Null);
                continue;
            };
            let tokens = self.spec.analyzer.tokens(text);
            let length = text.encode_utf16().count();
            match self.categorizer.categorize(&tokens, length) {
                Some(id) => keys.push(Cell::One(Value::Long(id as i64))),
                None => keys.push(Cell::Null),
            }
            if !room_for_categories(ctx, self.categorizer.category_count() as u64) {
                break;
            }
        }
        keys
    }

    /// The key a category id is written as at emit time (a `keyword`); null stays null.
    pub fn render(&self, key: &Cell) -> Cell {
        let Cell::One(Value::Long(id)) = key else {
            return Cell::Null;
        };
        let id = *id as usize;
        let text = match self.spec.format {
            OutputFormat::Regex => self.categorizer.regex(id),
            OutputFormat::Tokens => self.categorizer.tokens(id),
        };
        text.map_or(Cell::Null, |t| Cell::One(Value::str(&t)))
    }
}

/// Whether a `STATS` may hold `categories` categories: `--max-groups`, and at most
/// [`crate::limits::MAX_CATEGORIES`] (each string is compared with every category).
fn room_for_categories(ctx: &mut Ctx, categories: u64) -> bool {
    let max = crate::limits::get()
        .max_groups
        .min(crate::limits::MAX_CATEGORIES);
    if categories <= max {
        return true;
    }
    let help = if max < crate::limits::MAX_CATEGORIES {
        "raise the limit with --max-groups N".to_string()
    } else {
        format!(
            "CATEGORIZE makes at most {max} categories whatever --max-groups says: each string \
             is compared with every category"
        )
    };
    ctx.fail(
        "E015",
        format!("CATEGORIZE would make more than {max} categories"),
        Some(help),
    );
    false
}
