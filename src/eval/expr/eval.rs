//! Evaluating a compiled expression on one row: the run's context, three-valued logic and
//! the multivalue rules.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::esql::ast::BinaryOp;

use super::{CExpr, Kind};
use crate::document::convert::convert;
use crate::document::value::{Cell, Type, Value};
use crate::eval::arith::{arith, negate};
use crate::eval::functions::{self, Func};
use crate::eval::warnings::{Warnings, MULTI_VALUE};

/// Evaluation context of one run: the query's `NOW()` and the warnings collected so far.
pub struct Ctx<'w> {
    pub now: i64,
    pub warnings: &'w mut Warnings,
}

impl Ctx<'_> {
    pub fn warn(&mut self, site: u32, detail: &str) {
        self.warnings.add(site, false, detail);
    }

    /// Ends the query with an error (the first one stays); evaluation returns null meanwhile.
    pub fn fail(&mut self, code: &'static str, message: String, help: Option<String>) -> Cell {
        if self.warnings.failure.is_none() {
            self.warnings.failure = Some(crate::eval::warnings::Failure {
                code,
                message,
                help,
            });
        }
        Cell::Null
    }

    pub fn failed(&self) -> bool {
        self.warnings.failure.is_some()
    }

    /// A result, or null with the failure's warning at `site`.
    pub fn or_warn(&mut self, site: u32, result: Result<Cell, String>) -> Cell {
        result.unwrap_or_else(|m| {
            self.warn(site, &m);
            Cell::Null
        })
    }
}

/// The most arguments a [`functions::plain_single_valued`] call is evaluated with in place.
const MAX_PLAIN_ARGS: usize = 3;
/// Fills the unused places of [`CExpr::call_single_valued`]'s argument array.
static NO_VALUE: Value = Value::Boolean(false);

/// The single value of each argument, or `None` after a null (silently) or a multivalue
/// (with the warning), checked left to right as Elasticsearch's evaluators do.
pub fn singles<'a>(cells: &'a [Cell], ctx: &mut Ctx, site: u32) -> Option<Vec<&'a Value>> {
    let mut out = Vec::with_capacity(cells.len());
    for cell in cells {
        match cell {
            Cell::Null => return None,
            Cell::One(v) => out.push(v),
            Cell::Many(_) => {
                ctx.warn(site, MULTI_VALUE);
                return None;
            }
        }
    }
    Some(out)
}

impl CExpr {
    /// The value of an expression that reads no column (a constant argument or option), its
    /// warnings dropped: they belong to no row.
    pub fn eval_alone(&self) -> Cell {
        let mut warnings = crate::eval::warnings::Warnings::default();
        let mut ctx = Ctx {
            now: 0,
            warnings: &mut warnings,
        };
        self.eval(&[], &mut ctx)
    }

    pub fn eval(&self, row: &[Cell], ctx: &mut Ctx) -> Cell {
        match &self.kind {
            Kind::Literal(c) => c.clone(),
            Kind::Column(i) => row[*i].clone(),
            Kind::Neg(inner) => {
                let c = inner.eval(row, ctx);
                let Some(v) = single(&c, ctx, self.site) else {
                    return Cell::Null;
                };
                ctx.or_warn(self.site, negate(v).map(Cell::One))
            }
            Kind::Arith(op, l, r) => {
                let (a, b) = (l.eval_ref(row, ctx), r.eval_ref(row, ctx));
                let Some((x, y)) = two_singles(&a, &b, ctx, self.site) else {
                    return Cell::Null;
                };
                ctx.or_warn(self.site, arith(*op, x, y, self.ty).map(Cell::One))
            }
            Kind::Compare(op, l, r) => {
                let (a, b) = (l.eval_ref(row, ctx), r.eval_ref(row, ctx));
                let Some((x, y)) = two_singles(&a, &b, ctx, self.site) else {
                    return Cell::Null;
                };
                Cell::boolean(Some(compare_op(*op, x, y)))
            }
            // Both operands are always evaluated, as Elasticsearch's block evaluation does,
            // so each reports its warnings.
            Kind::And(l, r) => self.and(l, r, row, ctx),
            Kind::Or(l, r) => self.or(l, r, row, ctx),
            Kind::Not(inner) => Cell::boolean(self.truth(inner, row, ctx).map(|b| !b)),
            Kind::In(value, items) => self.is_in(value, items, row, ctx),
            Kind::IsNull(value, negated) => {
                let is_null = value.eval_ref(row, ctx).is_null();
                Cell::boolean(Some(is_null != *negated))
            }
            Kind::Like(value, matchers) => {
                let v = value.eval_ref(row, ctx);
                let Some(v) = single(&v, ctx, self.site) else {
                    return Cell::Null;
                };
                let s = v.as_str().unwrap_or("");
                Cell::boolean(Some(matchers.iter().any(|m| m.matches(s))))
            }
            Kind::Cast(inner, ty) => {
                let c = inner.eval(row, ctx);
                convert_cell(c, *ty, ctx, self.site)
            }
            Kind::Case(args) => self.case(args, row, ctx),
            Kind::Call(func, args)
                if args.len() <= MAX_PLAIN_ARGS && functions::plain_single_valued(func) =>
            {
                self.call_single_valued(func, args, row, ctx)
            }
            Kind::Call(func, args) => {
                let cells: Vec<Cell> = args.iter().map(|a| a.eval(row, ctx)).collect();
                functions::eval(func, cells, self, ctx)
            }
        }
    }

    /// `l AND r`: three-valued, a full-text operand first.
    fn and(&self, l: &CExpr, r: &CExpr, row: &[Cell], ctx: &mut Ctx) -> Cell {
        // A full-text call is a Lucene query: a conjunction leads with it and advances
        // the other clauses (and their per-document warnings) only on its matches.
        let (first, second) = if r.leads_with_full_text() && !l.leads_with_full_text() {
            (r, l)
        } else {
            (l, r)
        };
        let a = self.truth(first, row, ctx);
        if a == Some(false) && first.leads_with_full_text() {
            return Cell::boolean(Some(false));
        }
        let b = self.truth(second, row, ctx);
        Cell::boolean(match (a, b) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        })
    }

    /// `l OR r`: three-valued, both operands evaluated.
    fn or(&self, l: &CExpr, r: &CExpr, row: &[Cell], ctx: &mut Ctx) -> Cell {
        let a = self.truth(l, row, ctx);
        let b = self.truth(r, row, ctx);
        Cell::boolean(match (a, b) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        })
    }

    /// `value IN (items)`: null when no item equals the value and some item is null.
    fn is_in(&self, value: &CExpr, items: &[CExpr], row: &[Cell], ctx: &mut Ctx) -> Cell {
        let v = value.eval_ref(row, ctx);
        let Some(v) = single(&v, ctx, self.site) else {
            return Cell::Null;
        };
        let mut saw_null = false;
        for item in items {
            match item.eval_ref(row, ctx).as_ref() {
                Cell::Null => saw_null = true,
                Cell::One(x) => {
                    if compare_op(BinaryOp::Eq, v, x) {
                        return Cell::boolean(Some(true));
                    }
                }
                Cell::Many(_) => {
                    ctx.warn(self.site, MULTI_VALUE);
                    saw_null = true;
                }
            }
        }
        Cell::boolean(if saw_null { None } else { Some(false) })
    }

    /// `CASE(cond, value, …, else)`: the value of the first true condition.
    fn case(&self, args: &[CExpr], row: &[Cell], ctx: &mut Ctx) -> Cell {
        let mut i = 0;
        while i + 1 < args.len() {
            match args[i].eval(row, ctx) {
                Cell::One(Value::Boolean(true)) => return args[i + 1].eval(row, ctx),
                Cell::Many(_) => ctx.warnings.add(self.site, true, MULTI_VALUE),
                _ => {}
            }
            i += 2;
        }
        if i < args.len() {
            args[i].eval(row, ctx)
        } else {
            Cell::Null
        }
    }

    /// A [`functions::plain_single_valued`] call, as [`functions::eval`] evaluates it (every
    /// argument evaluated, then [`singles`]' checks left to right, then the function), with
    /// column and literal arguments borrowed where they lie and no vector per row.
    fn call_single_valued(&self, func: &Func, args: &[CExpr], row: &[Cell], ctx: &mut Ctx) -> Cell {
        let mut cells: [Cow<Cell>; MAX_PLAIN_ARGS] = Default::default();
        for (cell, a) in cells.iter_mut().zip(args) {
            *cell = a.eval_ref(row, ctx);
        }
        let mut values: [&Value; MAX_PLAIN_ARGS] = [&NO_VALUE; MAX_PLAIN_ARGS];
        for (value, cell) in values.iter_mut().zip(&cells[..args.len()]) {
            match cell.as_ref() {
                Cell::Null => return Cell::Null,
                Cell::One(v) => *value = v,
                Cell::Many(_) => {
                    ctx.warn(self.site, MULTI_VALUE);
                    return Cell::Null;
                }
            }
        }
        functions::eval_single_valued(func, &values[..args.len()], self, ctx)
    }

    /// A column or literal operand borrowed where it lies, anything else evaluated: most
    /// operands of comparisons are columns and literals, and copying them costs reference
    /// counting on every row.
    fn eval_ref<'a>(&'a self, row: &'a [Cell], ctx: &mut Ctx) -> Cow<'a, Cell> {
        match &self.kind {
            Kind::Column(i) => Cow::Borrowed(&row[*i]),
            Kind::Literal(c) => Cow::Borrowed(c),
            _ => Cow::Owned(self.eval(row, ctx)),
        }
    }

    /// Truth value of a boolean operand; a multivalue is null with a warning.
    fn truth(&self, e: &CExpr, row: &[Cell], ctx: &mut Ctx) -> Option<bool> {
        match e.eval_ref(row, ctx).as_ref() {
            Cell::One(Value::Boolean(b)) => Some(*b),
            Cell::Many(_) => {
                ctx.warn(self.site, MULTI_VALUE);
                None
            }
            _ => None,
        }
    }

    /// Evaluates a condition: `Some(true)` keeps a row in `WHERE`.
    pub fn test(&self, row: &[Cell], ctx: &mut Ctx) -> Option<bool> {
        match self.eval(row, ctx) {
            Cell::One(Value::Boolean(b)) => Some(b),
            _ => None,
        }
    }

    /// Whether the expression needs no row (a constant).
    /// A full-text call, or a conjunction with one: what Lucene evaluates first.
    fn leads_with_full_text(&self) -> bool {
        match &self.kind {
            Kind::Call(functions::Func::FullText(_), _) => true,
            Kind::And(l, r) => l.leads_with_full_text() || r.leads_with_full_text(),
            _ => false,
        }
    }

    pub fn is_constant(&self) -> bool {
        !matches!(self.kind, Kind::Column(_)) && self.children().into_iter().all(CExpr::is_constant)
    }

    /// The direct operands, in evaluation order.
    pub fn children(&self) -> Vec<&CExpr> {
        match &self.kind {
            Kind::Literal(_) | Kind::Column(_) => Vec::new(),
            Kind::Neg(a)
            | Kind::Not(a)
            | Kind::Cast(a, _)
            | Kind::IsNull(a, _)
            | Kind::Like(a, _) => vec![a],
            Kind::Arith(_, a, b) | Kind::Compare(_, a, b) | Kind::And(a, b) | Kind::Or(a, b) => {
                vec![a, b]
            }
            Kind::In(a, xs) => std::iter::once(&**a).chain(xs).collect(),
            Kind::Case(xs) | Kind::Call(_, xs) => xs.iter().collect(),
        }
    }
}

/// [`singles`] of two operands, without gathering them.
fn two_singles<'a>(
    a: &'a Cell,
    b: &'a Cell,
    ctx: &mut Ctx,
    site: u32,
) -> Option<(&'a Value, &'a Value)> {
    let x = single(a, ctx, site)?;
    Some((x, single(b, ctx, site)?))
}

pub fn single<'a>(c: &'a Cell, ctx: &mut Ctx, site: u32) -> Option<&'a Value> {
    match c {
        Cell::Null => None,
        Cell::One(v) => Some(v),
        Cell::Many(_) => {
            ctx.warn(site, MULTI_VALUE);
            None
        }
    }
}

/// Converts every value of a cell; failed values are dropped with a warning each.
pub fn convert_cell(c: Cell, ty: Type, ctx: &mut Ctx, site: u32) -> Cell {
    let mut out = Vec::new();
    for v in c.into_values() {
        match convert(&v, ty) {
            Ok(x) => out.push(x),
            Err(m) => ctx.warn(site, &m),
        }
    }
    Cell::from_values(out)
}

pub fn compare_op(op: BinaryOp, a: &Value, b: &Value) -> bool {
    if op == BinaryOp::EqIgnoreCase {
        return match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => x.to_lowercase() == y.to_lowercase(),
            _ => a.compare(b) == Ordering::Equal,
        };
    }
    // NaN compares unequal to everything, as in Java.
    if matches!(a, Value::Double(x) if x.is_nan()) || matches!(b, Value::Double(x) if x.is_nan()) {
        return op == BinaryOp::Neq;
    }
    let o = a.compare(b);
    match op {
        BinaryOp::Eq => o == Ordering::Equal,
        BinaryOp::Neq => o != Ordering::Equal,
        BinaryOp::Lt => o == Ordering::Less,
        BinaryOp::Lte => o != Ordering::Greater,
        BinaryOp::Gt => o == Ordering::Greater,
        BinaryOp::Gte => o != Ordering::Less,
        _ => false,
    }
}
