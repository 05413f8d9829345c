//! Elasticsearch's optimizer rules `PropagateEquals` and `CombineBinaryComparisons`: in an
//! `AND`/`OR` chain, comparisons of one expression with constants that another comparison
//! implies or contradicts are dropped or merged (`x == 2 OR x > 1` is `x > 1`), so fewer of
//! them report multivalue warnings, and some chains become `true`/`false`.
//!
//! Both rules run before `CombineDisjunctions` (`LogicalPlanOptimizer.operators()`), each to a
//! fixpoint: a rewrite is compiled again, which applies them again until nothing changes.

use std::cmp::Ordering;

use crate::document::value::{Cell, Type, Value};
use crate::document::Column;
use crate::esql::ast::{self, BinaryOp, ExprKind, Literal};

use super::expr::{CExpr, Compiler, Kind};

/// One operand of the chain. A comparison is kept as `LiteralsOnTheRight` leaves it: the
/// other operand on the left, the constant (if either side is one) on the right.
#[derive(Clone)]
struct Part {
    expr: ast::Expr,
    cmp: Option<Comparison>,
}

#[derive(Clone)]
struct Comparison {
    op: BinaryOp,
    left: ast::Expr,
    right: ast::Expr,
    /// The folded right side; `None` when it is not a constant (or is null, which
    /// `BinaryComparison.compare` cannot order).
    value: Option<Value>,
    left_ty: Type,
}

impl Part {
    fn is(&self, ops: &[BinaryOp]) -> bool {
        self.cmp.as_ref().is_some_and(|c| ops.contains(&c.op))
    }

    /// The comparison with operator `op`, written back with the operand's source (the
    /// warnings it reports keep naming the original text, as Elasticsearch's rewrites keep
    /// `bc.source()`).
    fn with_op(&self, op: BinaryOp) -> Part {
        let mut cmp = self.cmp.clone().expect("a comparison");
        cmp.op = op;
        Part {
            expr: ast::Expr {
                kind: ExprKind::Binary {
                    op,
                    left: Box::new(cmp.left.clone()),
                    right: Box::new(cmp.right.clone()),
                },
                span: self.expr.span,
            },
            cmp: Some(cmp),
        }
    }
}

const GREATER: [BinaryOp; 2] = [BinaryOp::Gt, BinaryOp::Gte];
const LESS: [BinaryOp; 2] = [BinaryOp::Lt, BinaryOp::Lte];
const RANGE: [BinaryOp; 4] = [BinaryOp::Gt, BinaryOp::Gte, BinaryOp::Lt, BinaryOp::Lte];

/// The chain `e` (an `AND` or an `OR`) after one round of both rules, or `None` when neither
/// changes it. The operands are compiled to learn their types and constants; a failure is left
/// for the ordinary compile to report (Elasticsearch verifies before it optimizes).
pub(super) fn combine_comparisons(
    c: &mut Compiler,
    e: &ast::Expr,
    schema: &[Column],
) -> Option<ast::Expr> {
    let conjunction = matches!(e.kind, ExprKind::And(..));
    let mut operands = Vec::new();
    flatten(e, conjunction, &mut operands);
    let sites = c.sites.len();
    let parts: Option<Vec<Part>> = operands.iter().map(|o| part(c, o, schema)).collect();
    c.sites.truncate(sites);
    let parts = parts?;
    let outcome = if conjunction {
        propagate_and(&parts).or_else(|| combine_and(&parts))
    } else {
        propagate_or(&parts).or_else(|| combine_or(&parts))
    }?;
    Some(match outcome {
        Outcome::Constant(b) => ast::Expr {
            kind: ExprKind::Literal(Literal::Boolean(b)),
            span: e.span,
        },
        Outcome::Parts(parts) => rebuild(parts, conjunction, e.span),
    })
}

enum Outcome {
    Constant(bool),
    Parts(Vec<Part>),
}

fn flatten<'e>(e: &'e ast::Expr, conjunction: bool, out: &mut Vec<&'e ast::Expr>) {
    match &e.kind {
        ExprKind::And(a, b) if conjunction => {
            flatten(a, conjunction, out);
            flatten(b, conjunction, out);
        }
        ExprKind::Or(a, b) if !conjunction => {
            flatten(a, conjunction, out);
            flatten(b, conjunction, out);
        }
        _ => out.push(e),
    }
}

fn rebuild(parts: Vec<Part>, conjunction: bool, span: crate::span::Span) -> ast::Expr {
    parts
        .into_iter()
        .map(|p| p.expr)
        .reduce(|a, b| ast::Expr {
            kind: if conjunction {
                ExprKind::And(Box::new(a), Box::new(b))
            } else {
                ExprKind::Or(Box::new(a), Box::new(b))
            },
            span,
        })
        .expect("a chain has operands")
}

/// Classifies one operand; `None` when it does not compile.
fn part(c: &mut Compiler, e: &ast::Expr, schema: &[Column]) -> Option<Part> {
    let ExprKind::Binary { op, left, right } = &e.kind else {
        return Some(Part {
            expr: e.clone(),
            cmp: None,
        });
    };
    if !op.is_comparison() || *op == BinaryOp::EqIgnoreCase {
        return Some(Part {
            expr: e.clone(),
            cmp: None,
        });
    }
    let compiled = c.expr(e, schema).ok()?;
    let Kind::Compare(_, l, r) = &compiled.kind else {
        return Some(Part {
            expr: e.clone(),
            cmp: None,
        });
    };
    let cmp = match (folded(l), folded(r)) {
        // Both constant: `ConstantFolding` has made it a literal.
        (Some(_), Some(_)) => None,
        (Some(value), None) => Some(Comparison {
            op: op.swapped(),
            left: (**right).clone(),
            right: (**left).clone(),
            value,
            left_ty: r.ty,
        }),
        (None, value) => Some(Comparison {
            op: *op,
            left: (**left).clone(),
            right: (**right).clone(),
            value: value.flatten(),
            left_ty: l.ty,
        }),
    };
    Some(Part {
        expr: e.clone(),
        cmp,
    })
}

/// `Some(value)` for a constant operand (`None` inside for null), `None` for anything that
/// reads a row. Constants are literals and arithmetic or casts over them, as the analyzer's
/// implicit casts and `ConstantFolding` leave them.
fn folded(e: &CExpr) -> Option<Option<Value>> {
    fn constant(e: &CExpr) -> bool {
        match &e.kind {
            Kind::Literal(_) => true,
            Kind::Neg(a) | Kind::Cast(a, _) => constant(a),
            Kind::Arith(_, a, b) => constant(a) && constant(b),
            _ => false,
        }
    }
    if !constant(e) {
        return None;
    }
    Some(match e.eval_alone() {
        Cell::One(v) => Some(v),
        _ => None,
    })
}

/// `BinaryComparison.compare`: numbers by value, other values of one type by their order;
/// `None` when they cannot be ordered.
fn compare(a: &Option<Value>, b: &Option<Value>) -> Option<Ordering> {
    let (a, b) = (a.as_ref()?, b.as_ref()?);
    let numeric = |v: &Value| {
        matches!(
            v,
            Value::Integer(_) | Value::Long(_) | Value::UnsignedLong(_) | Value::Double(_)
        )
    };
    let same = std::mem::discriminant(a) == std::mem::discriminant(b);
    (same || (numeric(a) && numeric(b))).then(|| a.compare(b))
}

/// Both operands compare the same expression (`semanticEquals`).
fn same_left(a: &Part, b: &Part) -> bool {
    matches!((&a.cmp, &b.cmp), (Some(x), Some(y)) if x.left == y.left)
}

fn value(p: &Part) -> &Option<Value> {
    &p.cmp.as_ref().expect("a comparison").value
}

fn foldable(p: &Part) -> bool {
    p.cmp.as_ref().is_some_and(|c| c.value.is_some())
}

/// `PropagateEquals` on a disjunction: an equality another disjunct implies goes (`a == 2 OR
/// a > 1` is `a > 1`; `a == 2 OR a > 2` is `a >= 2`; `a == 2 OR a != 5` is `a != 5`), and
/// `a == 2 OR a != 2` is `true`.
fn propagate_or(parts: &[Part]) -> Option<Outcome> {
    let (mut exps, mut equals, mut not_equals, mut inequalities) = (vec![], vec![], vec![], vec![]);
    for p in parts {
        match p.cmp.as_ref().map(|c| c.op) {
            Some(BinaryOp::Eq) if foldable(p) => equals.push(p.clone()),
            Some(BinaryOp::Neq) if foldable(p) => not_equals.push(p.clone()),
            Some(op) if RANGE.contains(&op) && foldable(p) => inequalities.push(p.clone()),
            _ => exps.push(p.clone()),
        }
    }
    let mut updated = false;
    let mut kept = Vec::new();
    'equals: for eq in equals {
        for neq in &not_equals {
            if same_left(&eq, neq) {
                match compare(value(&eq), value(neq)) {
                    Some(Ordering::Equal) => return Some(Outcome::Constant(true)),
                    Some(_) => {
                        updated = true;
                        continue 'equals;
                    }
                    None => {}
                }
            }
        }
        for bc in inequalities.iter_mut() {
            if !same_left(&eq, bc) {
                continue;
            }
            let Some(order) = compare(value(&eq), value(bc)) else {
                continue;
            };
            if bc.is(&GREATER) {
                if order == Ordering::Less {
                    continue;
                }
                if order == Ordering::Equal && bc.is(&[BinaryOp::Gt]) {
                    *bc = bc.with_op(BinaryOp::Gte);
                }
            } else {
                if order == Ordering::Greater {
                    continue;
                }
                if order == Ordering::Equal && bc.is(&[BinaryOp::Lt]) {
                    *bc = bc.with_op(BinaryOp::Lte);
                }
            }
            updated = true;
            continue 'equals;
        }
        kept.push(eq);
    }
    updated.then(|| Outcome::Parts([exps, kept, not_equals, inequalities].concat()))
}

/// `PropagateEquals` on a conjunction: an equality decides the comparisons of the same
/// expression beside it (`a == 2 AND a > 1` is `a == 2`; `a == 2 AND a < 2`, `a == 1 AND
/// a == 2` and `a == 2 AND a != 2` are `false`). Equalities on dates take no part (one may be
/// a range check).
fn propagate_and(parts: &[Part]) -> Option<Outcome> {
    let (mut exps, mut equals, mut not_equals, mut inequalities) =
        (vec![], Vec::<Part>::new(), vec![], vec![]);
    for p in parts {
        match p.cmp.as_ref().map(|c| (c.op, c.left_ty)) {
            Some((BinaryOp::Eq, ty)) if foldable(p) && ty != Type::Datetime => {
                for eq in &equals {
                    if same_left(eq, p)
                        && compare(value(eq), value(p)).is_some_and(|o| o != Ordering::Equal)
                    {
                        return Some(Outcome::Constant(false));
                    }
                }
                equals.push(p.clone());
            }
            Some((op, _)) if RANGE.contains(&op) && foldable(p) => inequalities.push(p.clone()),
            Some((BinaryOp::Neq, _)) if foldable(p) => not_equals.push(p.clone()),
            _ => exps.push(p.clone()),
        }
    }
    let mut changed = false;
    for eq in &equals {
        let mut conflict = false;
        not_equals.retain(
            |neq| match same_left(eq, neq).then(|| compare(value(eq), value(neq))) {
                Some(Some(order)) => {
                    conflict |= order == Ordering::Equal;
                    changed = true;
                    false
                }
                _ => true,
            },
        );
        inequalities.retain(|bc| {
            let Some(Some(order)) = same_left(eq, bc).then(|| compare(value(eq), value(bc))) else {
                return true;
            };
            conflict |= if bc.is(&LESS) {
                (order == Ordering::Equal && bc.is(&[BinaryOp::Lt])) || order == Ordering::Greater
            } else {
                (order == Ordering::Equal && bc.is(&[BinaryOp::Gt])) || order == Ordering::Less
            };
            changed = true;
            false
        });
        if conflict {
            return Some(Outcome::Constant(false));
        }
    }
    changed.then(|| Outcome::Parts([exps, equals, not_equals, inequalities].concat()))
}

/// `CombineBinaryComparisons` on a disjunction: of two bounds on the same side of one
/// expression the wider stays (`a > 2 OR a > 3` is `a > 2`; `a >= 2 OR a > 2` is `a >= 2`).
fn combine_or(parts: &[Part]) -> Option<Outcome> {
    let (mut exps, mut bcs) = (Vec::new(), Vec::<Part>::new());
    let mut changed = false;
    for p in parts {
        if p.cmp.is_none() {
            exps.push(p.clone());
        } else if foldable(p) && merge_bound(p, &mut bcs, false) {
            changed = true;
        } else {
            bcs.push(p.clone());
        }
    }
    changed.then(|| Outcome::Parts([exps, bcs].concat()))
}

/// `CombineBinaryComparisons` on a conjunction: of two bounds on the same side the narrower
/// stays (`a > 3 AND a > 2` is `a > 3`), and a `!=` a bound makes redundant goes (`a != 2 AND
/// a > 3` is `a > 3`; `a != 2 AND a >= 2` is `a > 2`). The `!=`s are taken last.
fn combine_and(parts: &[Part]) -> Option<Outcome> {
    let (mut exps, mut bcs) = (Vec::new(), Vec::<Part>::new());
    let mut changed = false;
    let (not_equals, others): (Vec<&Part>, Vec<&Part>) =
        parts.iter().partition(|p| p.is(&[BinaryOp::Neq]));
    for p in others.into_iter().chain(not_equals) {
        if p.is(&RANGE) {
            if foldable(p) && merge_bound(p, &mut bcs, true) {
                changed = true;
            } else {
                bcs.push(p.clone());
            }
        } else if p.is(&[BinaryOp::Neq]) && foldable(p) && drop_not_equal(p, &mut bcs) {
            changed = true;
        } else {
            exps.push(p.clone());
        }
    }
    changed.then(|| Outcome::Parts([exps, bcs].concat()))
}

/// `findExistingComparison`: whether `main` meets a bound on the same side of the same
/// expression in `bcs` (then it is dropped, having replaced that bound if it is the one to keep).
fn merge_bound(main: &Part, bcs: &mut [Part], conjunctive: bool) -> bool {
    for other in bcs.iter_mut() {
        if !foldable(other) {
            continue;
        }
        let side = if main.is(&GREATER) && other.is(&GREATER) {
            Ordering::Greater
        } else if main.is(&LESS) && other.is(&LESS) {
            Ordering::Less
        } else {
            continue;
        };
        if !same_left(main, other) {
            continue;
        }
        let Some(order) = compare(value(main), value(other)) else {
            return false;
        };
        // Which of the two to keep: on `>` the higher bound in a conjunction and the lower in
        // a disjunction, and the strict one in a conjunction on a tie.
        let (strict, loose) = if side == Ordering::Greater {
            (BinaryOp::Gt, BinaryOp::Gte)
        } else {
            (BinaryOp::Lt, BinaryOp::Lte)
        };
        let tighter = if side == Ordering::Greater {
            Ordering::Greater
        } else {
            Ordering::Less
        };
        let replace = if conjunctive {
            order == tighter
                || (order == Ordering::Equal && main.is(&[strict]) && other.is(&[loose]))
        } else {
            order == tighter.reverse()
                || (order == Ordering::Equal && main.is(&[loose]) && other.is(&[strict]))
        };
        if replace {
            *other = main.clone();
        }
        return true;
    }
    false
}

/// `notEqualsIsRemovableFromConjunction`: `a != v` beside a bound that already excludes `v`
/// goes; beside `a <= v` (`a >= v`) it goes and the bound becomes strict.
fn drop_not_equal(neq: &Part, bcs: &mut [Part]) -> bool {
    for bc in bcs.iter_mut() {
        if !same_left(neq, bc) {
            continue;
        }
        let Some(order) = compare(value(neq), value(bc)) else {
            continue;
        };
        if bc.is(&LESS) && order != Ordering::Less {
            if order == Ordering::Equal && bc.is(&[BinaryOp::Lte]) {
                *bc = bc.with_op(BinaryOp::Lt);
            }
            return true;
        }
        if bc.is(&GREATER) && order != Ordering::Greater {
            if order == Ordering::Equal && bc.is(&[BinaryOp::Gte]) {
                *bc = bc.with_op(BinaryOp::Gt);
            }
            return true;
        }
    }
    false
}
