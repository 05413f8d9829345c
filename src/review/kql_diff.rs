//! The static difference of two versions of a KQL rule, in words: the query's clauses (an `or`
//! list under one field reads as values added or removed, a wildcard as a pattern changed, a
//! range as its bound changed, a `not …` as an exclusion), recursing into a compound clause
//! changed on both sides; and the settings Kibana's rule types add (threshold, new_terms fields
//! and history window, `index`, `data_view_id`, `filters`).

use crate::kql::ast::{Node, NodeKind, Query, RangeOp, Value, ValueKind};
use crate::kql::print::{literal, node as print_node};
use crate::rule::{OneOrMany, RuleData};

/// Sentences saying what changed from `before` to `after` (none when they are equal).
pub fn kql_changes(before: &Query, after: &Query) -> Vec<String> {
    if before == after {
        return Vec::new();
    }
    let mut out = Vec::new();
    match (&before.root, &after.root) {
        (Some(a), Some(b)) => clauses("", Joint::And, &top(a), &top(b), &mut out),
        (None, Some(b)) => out.push(format!(
            "query was empty (every document); now `{}`",
            print(b)
        )),
        (Some(a), None) => out.push(format!(
            "query now empty (every document); was `{}`",
            print(a)
        )),
        (None, None) => {}
    }
    out
}

/// The top-level clauses: the operands of an `and`, or the query alone.
fn top(root: &Node) -> Vec<&Node> {
    match &root.kind {
        NodeKind::And(items) => items.iter().collect(),
        _ => vec![root],
    }
}

fn print(node: &Node) -> String {
    let mut out = String::new();
    print_node(node, &mut out);
    out
}

/// How the operands of a list join: they are clauses of an `and`, alternatives of an `or`.
#[derive(Clone, Copy)]
enum Joint {
    And,
    Or,
}

impl Joint {
    fn word(self) -> &'static str {
        match self {
            Joint::And => "clause",
            Joint::Or => "alternative",
        }
    }
}

/// What a clause is to a reader: a top-level `not …` is an exclusion, one inside a compound
/// clause a negated clause; the others are clauses or alternatives.
fn role(label: &str, node: &Node, joint: Joint) -> &'static str {
    match (&node.kind, joint, label.is_empty()) {
        (NodeKind::Not(_), Joint::And, true) => "exclusion",
        (NodeKind::Not(_), Joint::And, false) => "negated clause",
        (NodeKind::Not(_), Joint::Or, _) => "negated alternative",
        _ => joint.word(),
    }
}

/// A compound clause named by its first operand: `not (user_agent.original:kubelet* and …)`.
fn short_name(node: &Node) -> String {
    let (negated, inner) = strip_not(node);
    let (items, word) = match &inner.kind {
        NodeKind::And(items) => (items, "and"),
        NodeKind::Or(items) => (items, "or"),
        _ => return print(node),
    };
    let first = items.first().map(print).unwrap_or_default();
    let not = if negated { "not " } else { "" };
    format!("{not}({first} {word} …)")
}

/// The clause under a `not`, and whether there was one.
fn strip_not(node: &Node) -> (bool, &Node) {
    match &node.kind {
        NodeKind::Not(inner) => (true, inner.as_ref()),
        _ => (false, node),
    }
}

/// The fields a node tests, in query order.
fn fields(node: &Node) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    node.walk(&mut |n| {
        let field = match &n.kind {
            NodeKind::Match { field, .. }
            | NodeKind::Range { field, .. }
            | NodeKind::Nested { field, .. } => field.text(),
            _ => return,
        };
        if !out.contains(&field) {
            out.push(field);
        }
    });
    out
}

/// A clause's identity across versions: what it tests, without the values it tests for. Two
/// clauses with the same key read as one clause changed.
fn pair_key(node: &Node) -> Option<String> {
    let (negated, inner) = strip_not(node);
    let not = if negated { "not " } else { "" };
    let key = match &inner.kind {
        NodeKind::Match { field, .. } => format!("match {}", field.text()),
        NodeKind::Range { field, op, .. } => {
            let side = match op {
                RangeOp::Gt | RangeOp::Gte => "lower",
                RangeOp::Lt | RangeOp::Lte => "upper",
            };
            format!("range {} {side}", field.text())
        }
        NodeKind::Nested { field, .. } => format!("nested {}", field.text()),
        NodeKind::And(_) => format!("and {}", fields(inner).join(",")),
        NodeKind::Or(_) => format!("or {}", fields(inner).join(",")),
        NodeKind::Not(_) | NodeKind::FreeText(_) => return None,
    };
    Some(format!("{not}{key}"))
}

/// The key of a compound clause without its fields, for pairing the one compound clause left
/// on each side whose fields changed.
fn compound_key(node: &Node) -> Option<&'static str> {
    let (negated, inner) = strip_not(node);
    match (&inner.kind, negated) {
        (NodeKind::And(_), false) => Some("and"),
        (NodeKind::Or(_), false) => Some("or"),
        (NodeKind::And(_), true) => Some("not and"),
        (NodeKind::Or(_), true) => Some("not or"),
        _ => None,
    }
}

/// Clauses removed, added and changed between two operand lists of the same joint.
fn clauses(label: &str, joint: Joint, before: &[&Node], after: &[&Node], out: &mut Vec<String>) {
    let mut removed: Vec<&Node> = before
        .iter()
        .filter(|x| !after.contains(x))
        .copied()
        .collect();
    let mut added: Vec<&Node> = after
        .iter()
        .filter(|x| !before.contains(x))
        .copied()
        .collect();
    let mut pairs = take_pairs(&mut removed, &mut added, &pair_key);
    // One compound clause left on each side with the same operator: the same clause, whose
    // fields changed.
    pairs.extend(take_pairs(&mut removed, &mut added, &|n| {
        compound_key(n).map(str::to_string)
    }));
    for (a, b) in pairs {
        changed(label, joint, a, b, out);
    }
    for r in removed {
        out.push(format!(
            "{label}{} removed: `{}`",
            role(label, r, joint),
            print(r)
        ));
    }
    for x in added {
        out.push(format!(
            "{label}{} added: `{}`",
            role(label, x, joint),
            print(x)
        ));
    }
}

/// Takes out of `removed` and `added` the pairs with the same key, in query order; a key shared
/// by several clauses on one side pairs only when it is unique on both sides.
fn take_pairs<'a>(
    removed: &mut Vec<&'a Node>,
    added: &mut Vec<&'a Node>,
    key: &dyn Fn(&Node) -> Option<String>,
) -> Vec<(&'a Node, &'a Node)> {
    let count =
        |list: &[&Node], k: &str| list.iter().filter(|n| key(n).as_deref() == Some(k)).count();
    let mut pairs = Vec::new();
    let mut kept = Vec::new();
    for r in removed.drain(..) {
        let partner = key(r).filter(|k| count(added, k) == 1).and_then(|k| {
            added
                .iter()
                .position(|n| key(n).as_deref() == Some(k.as_str()))
        });
        match partner {
            Some(at) => pairs.push((r, added.remove(at))),
            None => kept.push(r),
        }
    }
    *removed = kept;
    pairs
}

/// One clause changed (its pair key matched): its values, its bound, or its operands.
fn changed(label: &str, joint: Joint, before: &Node, after: &Node, out: &mut Vec<String>) {
    let what = role(label, before, joint);
    let (_, a) = strip_not(before);
    let (_, b) = strip_not(after);
    match (&a.kind, &b.kind) {
        (NodeKind::Match { field, value: x }, NodeKind::Match { value: y, .. }) => {
            let field = field.text();
            match (list_values(x), list_values(y)) {
                (Some(xs), Some(ys)) => {
                    let sentence = value_changes(&xs, &ys);
                    out.push(format!("{label}{what} on `{field}` changed: {sentence}"));
                }
                _ => out.push(format!(
                    "{label}{what} on `{field}` changed: `{}` → `{}`",
                    print(before),
                    print(after)
                )),
            }
        }
        (
            NodeKind::Range { field, op, value },
            NodeKind::Range {
                op: op2, value: v2, ..
            },
        ) => {
            let (mut x, mut y) = (String::new(), String::new());
            literal(value, &mut x);
            literal(v2, &mut y);
            out.push(format!(
                "{label}{what} on `{}`: range bound `{} {x}` → `{} {y}`",
                field.text(),
                op.symbol(),
                op2.symbol()
            ));
        }
        (NodeKind::Nested { field, query: x }, NodeKind::Nested { query: y, .. }) => {
            let inner = format!("{label}{what} `{}:{{…}}`: ", field.text());
            clauses(&inner, Joint::And, &top(x), &top(y), out);
        }
        (NodeKind::And(x), NodeKind::And(y)) | (NodeKind::Or(x), NodeKind::Or(y)) => {
            let inner_joint = match a.kind {
                NodeKind::And(_) => Joint::And,
                _ => Joint::Or,
            };
            let inner = format!("{label}in {what} `{}`: ", short_name(before));
            let (x, y): (Vec<&Node>, Vec<&Node>) = (x.iter().collect(), y.iter().collect());
            clauses(&inner, inner_joint, &x, &y, out);
        }
        _ => out.push(format!(
            "{label}{what} changed: `{}` → `{}`",
            print(before),
            print(after)
        )),
    }
}

/// A value that is one literal or an `or` list of literals, printed as KQL writes them, each
/// with whether it is a wildcard pattern.
fn list_values(value: &Value) -> Option<Vec<(String, bool)>> {
    let item = |v: &Value| match &v.kind {
        ValueKind::Term(t) => {
            let mut text = String::new();
            literal(t, &mut text);
            Some((text, t.has_wildcard()))
        }
        _ => None,
    };
    match &value.kind {
        ValueKind::Term(_) => item(value).map(|v| vec![v]),
        ValueKind::Or(items) => items.iter().map(item).collect(),
        _ => None,
    }
}

/// `values added `a`, values removed `b``; one pattern swapped for another reads as the
/// wildcard pattern changed.
fn value_changes(before: &[(String, bool)], after: &[(String, bool)]) -> String {
    let plus: Vec<&(String, bool)> = after.iter().filter(|v| !before.contains(v)).collect();
    let minus: Vec<&(String, bool)> = before.iter().filter(|v| !after.contains(v)).collect();
    if let ([x], [y]) = (minus.as_slice(), plus.as_slice()) {
        if x.1 || y.1 {
            return format!("wildcard pattern `{}` → `{}`", x.0, y.0);
        }
        if before.len() == 1 && after.len() == 1 {
            return format!("value `{}` → `{}`", x.0, y.0);
        }
    }
    let mut parts = Vec::new();
    if !plus.is_empty() {
        parts.push(format!("values added {}", quote(&plus)));
    }
    if !minus.is_empty() {
        parts.push(format!("values removed {}", quote(&minus)));
    }
    if parts.is_empty() {
        parts.push("values reordered".into());
    }
    parts.join(", ")
}

fn quote(values: &[&(String, bool)]) -> String {
    values
        .iter()
        .map(|(v, _)| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A rule-type setting that changed: its name, both values, and for a list the items added and
/// removed.
pub struct TypeSetting {
    pub setting: &'static str,
    pub before: String,
    pub after: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// The settings of Kibana's rule types and data sources that differ: `type`, threshold fields,
/// value and cardinality, new_terms fields and history window, `index`, `data_view_id`.
pub fn type_settings(before: &RuleData, after: &RuleData) -> Vec<TypeSetting> {
    let mut out = Vec::new();
    let mut scalar = |setting, a: Option<String>, b: Option<String>| {
        if a != b {
            out.push(TypeSetting {
                setting,
                before: a.unwrap_or_else(|| "none".into()),
                after: b.unwrap_or_else(|| "none".into()),
                added: Vec::new(),
                removed: Vec::new(),
            });
        }
    };
    scalar(
        "type",
        Some(before.rule_type.clone()),
        Some(after.rule_type.clone()),
    );
    scalar(
        "threshold.value",
        threshold_value(before),
        threshold_value(after),
    );
    scalar("history_window_start", history(before), history(after));
    scalar(
        "data_view_id",
        before.data_view_id.clone(),
        after.data_view_id.clone(),
    );
    let lists = [
        (
            "threshold.field",
            Some(threshold_fields(before)),
            Some(threshold_fields(after)),
        ),
        (
            "threshold.cardinality",
            cardinality(before),
            cardinality(after),
        ),
        (
            "new_terms fields",
            new_terms_fields(before),
            new_terms_fields(after),
        ),
        ("index", before.index.clone(), after.index.clone()),
    ];
    for (setting, a, b) in lists {
        out.extend(list_setting(setting, a, b));
    }
    out
}

/// The change of a list setting (the entries added and removed), or `None` when it is the same.
fn list_setting(
    setting: &'static str,
    a: Option<Vec<String>>,
    b: Option<Vec<String>>,
) -> Option<TypeSetting> {
    let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
    if a == b {
        return None;
    }
    let shown = |l: &[String]| {
        if l.is_empty() {
            "none".to_string()
        } else {
            l.join(", ")
        }
    };
    Some(TypeSetting {
        setting,
        before: shown(&a),
        after: shown(&b),
        added: b.iter().filter(|x| !a.contains(x)).cloned().collect(),
        removed: a.iter().filter(|x| !b.contains(x)).cloned().collect(),
    })
}

/// `threshold.field` as a list (an empty single field is no field).
fn threshold_fields(d: &RuleData) -> Vec<String> {
    match d.threshold.as_ref().map(|t| &t.field) {
        Some(OneOrMany::One(f)) if f.is_empty() => Vec::new(),
        Some(OneOrMany::One(f)) => vec![f.clone()],
        Some(OneOrMany::Many(fs)) => fs.clone(),
        None => Vec::new(),
    }
}

fn threshold_value(d: &RuleData) -> Option<String> {
    d.threshold.as_ref().map(|t| t.value.to_string())
}

/// `threshold.cardinality` as `field >= value` entries.
fn cardinality(d: &RuleData) -> Option<Vec<String>> {
    d.threshold.as_ref().map(|t| {
        t.cardinality
            .iter()
            .map(|c| format!("{} >= {}", c.field, c.value))
            .collect::<Vec<_>>()
    })
}

fn new_terms_fields(d: &RuleData) -> Option<Vec<String>> {
    d.new_terms.as_ref().map(|n| n.value.clone())
}

/// The new_terms history window (its first entry).
fn history(d: &RuleData) -> Option<String> {
    d.new_terms
        .as_ref()
        .and_then(|n| n.history_window_start.first().map(|h| h.value.clone()))
}

/// The enabled filters of a rule as the KQL rulegate runs them (a negated one as `not (…)`), or
/// each filter's TOML when one cannot be translated (the rule would not run; the diff still
/// names the change).
pub fn filter_texts(data: &RuleData) -> Vec<String> {
    let Some(filters) = &data.filters else {
        return Vec::new();
    };
    match crate::rule::filters::translate(filters) {
        Ok(translated) => translated.into_iter().map(|f| f.kql).collect(),
        Err(_) => filters.iter().map(|f| f.to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(before: &str, after: &str) -> Vec<String> {
        let parse = |q: &str| crate::kql::parse(q).unwrap_or_else(|e| panic!("{q}: {e:?}"));
        kql_changes(&parse(before), &parse(after))
    }

    #[test]
    fn layout_alone_is_no_change() {
        assert!(changes("a:x and not b:(y or z)", "a : x  AND NOT b:( y OR z )").is_empty());
    }

    #[test]
    fn one_value_swapped_reads_as_the_value_changed() {
        assert_eq!(
            changes("a:x and b:1", "a:y and b:1"),
            ["clause on `a` changed: value `x` → `y`"]
        );
        assert_eq!(
            changes("a:(x or y)", "a:(y or x)"),
            ["clause on `a` changed: values reordered"]
        );
    }

    #[test]
    fn both_bounds_of_a_range_pair_with_their_own_side() {
        assert_eq!(
            changes("n >= 1 and n < 10", "n > 1 and n <= 20"),
            [
                "clause on `n`: range bound `>= 1` → `> 1`",
                "clause on `n`: range bound `< 10` → `<= 20`"
            ]
        );
    }

    #[test]
    fn two_clauses_on_one_field_do_not_pair_by_guess() {
        // Two `a` clauses changed at once: which became which is not knowable, so both read as
        // removed and added.
        assert_eq!(
            changes("a:x and a:y", "a:u and a:v"),
            [
                "clause removed: `a:x`",
                "clause removed: `a:y`",
                "clause added: `a:u`",
                "clause added: `a:v`"
            ]
        );
    }

    #[test]
    fn an_exclusion_removed_and_an_or_query_changed() {
        assert_eq!(
            changes("a:x and not b:y", "a:x"),
            ["exclusion removed: `not b:y`"]
        );
        assert_eq!(
            changes("a:x or b:y", "a:x or b:y or c:z"),
            ["in clause `(a:x or …)`: alternative added: `c:z`"]
        );
        assert_eq!(
            changes("", "a:x"),
            ["query was empty (every document); now `a:x`"]
        );
    }
}
