//! Which documents a plan's first `WHERE` rejects without a row: the tests the loader may run
//! on scanned leaves ([`PreFilter`]), and the proof that skipping the row changes nothing.
//!
//! A streamed batch evaluates the whole condition on every row that `FROM` reads, every
//! conjunct included (Elasticsearch evaluates blocks, so a conjunct after a false one still
//! reports its warnings). Dropping a document early is therefore safe only when evaluating the
//! condition on it would give no warning and no failure, and not `true`. Here that is shown
//! per plan, not per rule:
//! - the condition is *quiet*: built only from columns, single-valued literals, comparisons,
//!   `AND`/`OR`/`NOT`, `IN`, `IS [NOT] NULL`, `LIKE` and conversions to strings, none of
//!   which warns or fails on single values or nulls (arithmetic may overflow, other
//!   conversions and function calls may fail: a condition with them gets no pre-filter);
//! - the loader checks per document that every document field the condition reads has at
//!   most one value (`PreFilter::single`): then no operand is a multivalue;
//! - a top-level conjunct `keyword_field == "literal"` or `field IS NOT NULL` that is not
//!   true on the document's leaves makes the conjunction not true: no row.
//!
//! Metadata columns (`_id`, `_index`, `_version`, …) are single-valued and are not tested.

use std::collections::BTreeSet;

use super::{Plan, Step};
use crate::document::value::{Cell, Type, Value};
use crate::document::{LeafTest, PreFilter};
use crate::esql::ast::BinaryOp;
use crate::eval::expr::{CExpr, Kind};

impl Plan {
    /// The pre-filter of the plan's first step, when it is a quiet `WHERE` with at least one
    /// conjunct the loader can test (see the module's description).
    pub(crate) fn prefilter(&self) -> Option<PreFilter> {
        if self.row.is_some() {
            return None;
        }
        // The pushed-down gate drops rows silently; the filter after it decides the rest.
        let first = self
            .steps
            .iter()
            .find(|s| !matches!(s, Step::LuceneGate(_)));
        let Some(Step::Where(condition)) = first else {
            return None;
        };
        let mut read = BTreeSet::new();
        if !quiet(condition, &mut read) {
            return None;
        }
        let mut tests = Vec::new();
        for conjunct in conjuncts(condition) {
            if let Some(test) = self.leaf_test(conjunct) {
                tests.push(test);
            }
        }
        if tests.is_empty() {
            return None;
        }
        let single = (read.into_iter())
            .filter_map(|i| self.field_name(i))
            .map(str::to_string)
            .collect();
        Some(PreFilter { tests, single })
    }

    /// The name of source column `i` when it is a document field (not a metadata column).
    fn field_name(&self, i: usize) -> Option<&str> {
        let name = self.source.get(i)?.name.as_str();
        (!self.metadata.iter().any(|m| m == name)).then_some(name)
    }

    fn leaf_test(&self, conjunct: &CExpr) -> Option<LeafTest> {
        match &conjunct.kind {
            Kind::IsNull(inner, true) => match inner.kind {
                Kind::Column(i) => Some(LeafTest::Present {
                    field: self.field_name(i)?.to_string(),
                }),
                _ => None,
            },
            Kind::Compare(BinaryOp::Eq, l, r) => {
                let (column, literal) = match (&l.kind, &r.kind) {
                    (Kind::Column(i), Kind::Literal(c)) | (Kind::Literal(c), Kind::Column(i)) => {
                        (*i, c)
                    }
                    _ => return None,
                };
                let Cell::One(Value::String(value)) = literal else {
                    return None;
                };
                if !matches!(self.source.get(column)?.ty, Type::Keyword | Type::Text) {
                    return None;
                }
                Some(LeafTest::Equals {
                    field: self.field_name(column)?.to_string(),
                    value: value.to_string(),
                })
            }
            _ => None,
        }
    }
}

/// The top-level conjuncts of a condition (`a AND b AND c` gives `a`, `b`, `c`).
pub(super) fn conjuncts(e: &CExpr) -> Vec<&CExpr> {
    match &e.kind {
        Kind::And(l, r) => {
            let mut all = conjuncts(l);
            all.extend(conjuncts(r));
            all
        }
        _ => vec![e],
    }
}

/// Whether `e` can neither warn nor fail when every column it reads is null or one value;
/// collects the columns it reads into `read`.
fn quiet(e: &CExpr, read: &mut BTreeSet<usize>) -> bool {
    match &e.kind {
        Kind::Column(i) => {
            read.insert(*i);
            true
        }
        Kind::Literal(c) => !matches!(c, Cell::Many(_)),
        Kind::Compare(_, l, r) | Kind::And(l, r) | Kind::Or(l, r) => {
            quiet(l, read) && quiet(r, read)
        }
        Kind::Not(inner) | Kind::IsNull(inner, _) | Kind::Like(inner, _) => quiet(inner, read),
        Kind::In(value, items) => quiet(value, read) && items.iter().all(|i| quiet(i, read)),
        // Every value has a text form: a conversion to a string never fails.
        Kind::Cast(inner, Type::Keyword | Type::Text) => quiet(inner, read),
        Kind::Neg(_) | Kind::Arith(..) | Kind::Cast(..) | Kind::Case(_) | Kind::Call(..) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Column;

    fn prefilter(query: &str) -> Option<PreFilter> {
        let columns = [
            ("event.action", Type::Keyword),
            ("n", Type::Long),
            ("source.ip", Type::Ip),
            ("user.name", Type::Keyword),
        ]
        .map(|(name, ty)| Column {
            name: name.into(),
            ty,
        });
        let parsed = crate::esql::parse(query).unwrap();
        Plan::compile(&parsed, query, &columns).unwrap().prefilter()
    }

    fn equals(field: &str, value: &str) -> LeafTest {
        LeafTest::Equals {
            field: field.into(),
            value: value.into(),
        }
    }

    #[test]
    fn equalities_and_presence_of_a_quiet_first_where_are_tested() {
        let filter = prefilter(
            "FROM logs-* METADATA _index | WHERE \"get\" == event.action AND source.ip IS NOT NULL \
             AND NOT TO_STRING(source.ip) IN (\"::1\") AND user.name LIKE \"a*\" \
             AND _index == \"x\" | STATS c = COUNT(*) BY user.name",
        )
        .expect("a pre-filter");
        assert_eq!(
            filter.tests,
            [
                equals("event.action", "get"),
                LeafTest::Present {
                    field: "source.ip".into()
                }
            ]
        );
        // Every document field the condition reads; not the metadata column.
        assert_eq!(filter.single, ["event.action", "source.ip", "user.name"]);
    }

    #[test]
    fn conditions_that_may_warn_or_test_nothing_get_none() {
        for query in [
            // Arithmetic may overflow; calls and other conversions may fail.
            "FROM logs-* | WHERE event.action == \"get\" AND n + 1 > 2",
            "FROM logs-* | WHERE event.action == \"get\" AND LENGTH(user.name) > 2",
            "FROM logs-* | WHERE event.action == \"get\" AND TO_IP(user.name) IS NOT NULL",
            // No conjunct the loader can test.
            "FROM logs-* | WHERE event.action == \"get\" OR user.name == \"a\"",
            "FROM logs-* | WHERE user.name LIKE \"a*\"",
            "FROM logs-* | WHERE n == 3",
            "FROM logs-* | WHERE event.action != \"get\"",
            // The first step is not the filter.
            "FROM logs-* | EVAL m = n | WHERE event.action == \"get\"",
            "FROM logs-* | SORT n | WHERE event.action == \"get\"",
            "ROW a = 1 | WHERE a == 1",
        ] {
            assert_eq!(prefilter(query), None, "{query}");
        }
    }

    #[test]
    fn conjuncts_nest_through_and_only() {
        let filter = prefilter(
            "FROM logs-* | WHERE (event.action == \"get\" AND (user.name IS NOT NULL)) \
             AND NOT (user.name == \"b\")",
        )
        .expect("a pre-filter");
        assert_eq!(
            filter.tests,
            [
                equals("event.action", "get"),
                LeafTest::Present {
                    field: "user.name".into()
                }
            ]
        );
    }
}
