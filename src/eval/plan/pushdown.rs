//! Which documents reach a plan's first filters at all: Elasticsearch runs the comparisons of
//! an index field with a constant as a Lucene query, and only the documents that query matches
//! are read, checked and warned about.
//!
//! `PushFiltersToSource` moves each conjunct of a filter that sits on the index (through
//! `EVAL`, `RENAME`, `KEEP`/`DROP` and other filters, which the logical optimizer pushes it
//! below) to the source query when it compares a field with a foldable value; `>`/`>=` and
//! `<`/`<=` on one field become one `Range` (`combineEligiblePushableToRange`). Each pushed
//! conjunct is a `SingleValueQuery`: its inner term or range query matches a document when
//! *any* of the field's values matches, and only then does the single-value check run, warn
//! for a multivalued field and drop the document. A document the inner queries do not match is
//! dropped silently, and the filter's other conjuncts (and the `EVAL`s below it) never see it.
//!
//! [`Gate`] models that: the pushed equalities, bounds and ranges, `IN`s, tested on the source
//! row before the row-local steps. A row the gate admits runs the steps as before (with their
//! warnings); one it refuses is dropped without a warning. Only comparisons of a column that
//! still holds a document field (renamed or copied, not computed) with a literal are modelled;
//! other conjuncts Elasticsearch would push too (`!=`, `LIKE`, `IS NULL`, `OR`, full-text
//! functions) stay with the filter, evaluated as before.

use crate::document::value::{Cell, Type, Value};
use crate::esql::ast::BinaryOp;
use crate::eval::expr::{compare_op, CExpr, Kind};

use super::prefilter::conjuncts;
use super::Step;

/// One pushed conjunct, over a source column.
#[derive(Clone, Debug)]
enum Test {
    /// `field op value` (`==`, `<`, `<=`, `>`, `>=`), the field on the left.
    Compare(usize, BinaryOp, Value),
    /// A lower and an upper bound on one field: one `Range` query, met by a single value.
    Range(usize, (BinaryOp, Value), (BinaryOp, Value)),
    /// `field IN (values)`: a terms query.
    In(usize, Vec<Value>),
}

impl Test {
    fn column(&self) -> usize {
        match self {
            Test::Compare(c, ..) | Test::Range(c, ..) | Test::In(c, _) => *c,
        }
    }

    /// Whether the query matches one value of the field.
    fn matches(&self, v: &Value) -> bool {
        match self {
            Test::Compare(_, op, x) => compare_op(*op, v, x),
            Test::Range(_, (lo, x), (hi, y)) => compare_op(*lo, v, x) && compare_op(*hi, v, y),
            Test::In(_, xs) => xs.iter().any(|x| compare_op(BinaryOp::Eq, v, x)),
        }
    }
}

/// The pushed conjuncts of a plan's leading filters, over its source schema.
#[derive(Clone, Debug)]
pub(crate) struct Gate {
    tests: Vec<Test>,
}

impl Gate {
    /// Whether the source query matches the document: every test matches some value of its
    /// field (a missing field matches nothing).
    pub(crate) fn admits(&self, row: &[Cell]) -> bool {
        self.tests.iter().all(|t| match row.get(t.column()) {
            Some(Cell::One(v)) => t.matches(v),
            Some(Cell::Many(vs)) => vs.iter().any(|v| t.matches(v)),
            _ => false,
        })
    }
}

/// The gate of a `FROM` plan's steps: the filters among its leading `WHERE`, `EVAL` and
/// projection steps, their pushable conjuncts taken back to the `fields` columns of the
/// source (the first `fields` of `source`; metadata columns after them are not modelled).
pub(super) fn gate(source: &[super::Column], fields: usize, steps: &[Step]) -> Option<Gate> {
    // For each column of the current schema, the source field it still holds unchanged.
    let mut origin: Vec<Option<usize>> = (0..source.len())
        .map(|i| (i < fields && pushable_type(source[i].ty)).then_some(i))
        .collect();
    let mut bounds = Vec::new();
    let mut tests = Vec::new();
    for step in steps {
        match step {
            Step::Where(cond) => {
                for conjunct in conjuncts(cond) {
                    match pushed(conjunct, &origin) {
                        Some(Test::Compare(c, op, v)) if op != BinaryOp::Eq => {
                            bounds.push((c, op, v))
                        }
                        Some(t) => tests.push(t),
                        None => {}
                    }
                }
            }
            Step::Eval(assignments) => {
                for (e, replaced) in assignments {
                    let copied = match e.kind {
                        Kind::Column(j) => origin.get(j).copied().flatten(),
                        _ => None,
                    };
                    if let Some(i) = replaced {
                        origin.remove(*i);
                    }
                    origin.push(copied);
                }
            }
            Step::Project(order) => {
                origin = order
                    .iter()
                    .map(|&i| origin.get(i).copied().flatten())
                    .collect();
            }
            _ => break,
        }
    }
    tests.extend(combine_ranges(bounds));
    (!tests.is_empty()).then_some(Gate { tests })
}

/// Field types whose comparisons Lucene answers as the compute engine does (an exact,
/// aggregatable field); `text` has no exact value of its own.
fn pushable_type(ty: Type) -> bool {
    matches!(
        ty,
        Type::Keyword
            | Type::Integer
            | Type::Long
            | Type::Double
            | Type::Datetime
            | Type::Ip
            | Type::Boolean
            | Type::UnsignedLong
            | Type::Version
    )
}

/// The source field a column operand holds.
fn field(e: &CExpr, origin: &[Option<usize>]) -> Option<usize> {
    match e.kind {
        Kind::Column(i) => origin.get(i).copied().flatten(),
        _ => None,
    }
}

/// A single, non-null literal.
fn literal(e: &CExpr) -> Option<&Value> {
    match &e.kind {
        Kind::Literal(Cell::One(v)) => Some(v),
        _ => None,
    }
}

/// The conjunct as a pushed query, when it is one of the modelled forms (a literal on the
/// left is moved to the right, as `LiteralsOnTheRight` does).
fn pushed(e: &CExpr, origin: &[Option<usize>]) -> Option<Test> {
    match &e.kind {
        Kind::Compare(op, l, r) => {
            let (c, op, v) = match (field(l, origin), literal(r)) {
                (Some(c), Some(v)) => (c, *op, v),
                _ => (field(r, origin)?, flip(*op)?, literal(l)?),
            };
            matches!(
                op,
                BinaryOp::Eq | BinaryOp::Lt | BinaryOp::Lte | BinaryOp::Gt | BinaryOp::Gte
            )
            .then(|| Test::Compare(c, op, v.clone()))
        }
        Kind::In(value, items) => {
            let c = field(value, origin)?;
            let values: Option<Vec<Value>> = items.iter().map(|i| literal(i).cloned()).collect();
            Some(Test::In(c, values?))
        }
        _ => None,
    }
}

/// `a op b` as `b op' a`.
fn flip(op: BinaryOp) -> Option<BinaryOp> {
    Some(match op {
        BinaryOp::Eq => BinaryOp::Eq,
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::Lte => BinaryOp::Gte,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::Gte => BinaryOp::Lte,
        _ => return None,
    })
}

fn is_lower(op: BinaryOp) -> bool {
    matches!(op, BinaryOp::Gt | BinaryOp::Gte)
}

/// `combineEligiblePushableToRange`: in order, each bound pairs with the first later bound of
/// the other direction on the same field; the pair is one range (met by one value), the bounds
/// left unpaired stay single comparisons.
fn combine_ranges(mut bounds: Vec<(usize, BinaryOp, Value)>) -> Vec<Test> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bounds.len() {
        let (c, op) = (bounds[i].0, bounds[i].1);
        let partner = (i + 1..bounds.len())
            .find(|&j| bounds[j].0 == c && is_lower(bounds[j].1) != is_lower(op));
        match partner {
            Some(j) => {
                let other = bounds.remove(j);
                let main = bounds.remove(i);
                let (lo, hi) = if is_lower(main.1) {
                    (main, other)
                } else {
                    (other, main)
                };
                out.push(Test::Range(c, (lo.1, lo.2), (hi.1, hi.2)));
            }
            None => i += 1,
        }
    }
    out.extend(bounds.into_iter().map(|(c, op, v)| Test::Compare(c, op, v)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(i: i32) -> Value {
        Value::Integer(i)
    }

    #[test]
    fn a_range_of_two_bounds_needs_one_value_between_them() {
        let tests = combine_ranges(vec![(0, BinaryOp::Gt, int(1)), (0, BinaryOp::Lt, int(10))]);
        let gate = Gate { tests };
        let many = |vs: &[i32]| Cell::Many(vs.iter().map(|&v| int(v)).collect());
        // `[1, 19, 20]` meets `> 1` (19) and `< 10` (1), but no one value meets both.
        assert!(!gate.admits(&[many(&[1, 19, 20])]));
        assert!(gate.admits(&[many(&[1, 5])]));
        assert!(!gate.admits(&[Cell::Null]));
    }

    #[test]
    fn bounds_on_other_fields_or_the_same_side_stay_apart() {
        let tests = combine_ranges(vec![
            (0, BinaryOp::Gt, int(1)),
            (1, BinaryOp::Lt, int(10)),
            (0, BinaryOp::Gte, int(3)),
        ]);
        assert_eq!(tests.len(), 3);
        assert!(tests.iter().all(|t| matches!(t, Test::Compare(..))));
    }
}
