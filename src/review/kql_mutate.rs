//! Mutation operators on KQL rules: drop a top-level clause, remove a value of an `or` list,
//! narrow a wildcard to its literal text or widen a value with a trailing `*`, move a numeric
//! range bound, drop a threshold or new-terms field and move the threshold value. Each mutant is
//! a changed [`RuleLogic`] run through the same runner as the rule. Mutants that static facts
//! show cannot change any alert carry the proof ([`super::kql_equivalence`]).

use super::kql_equivalence::Facts;
use crate::kql::ast::{Literal, LiteralKind, Node, NodeKind, Segment, Value, ValueKind};
use crate::kql::print;
use crate::runner::{KqlSearch, RuleLogic};
use crate::span::Span;

/// Values of one `or` list tried for removal (longer lists keep their tail).
const MAX_LIST_VALUES: usize = 64;

#[derive(Clone, Debug)]
pub struct KqlMutant {
    pub operator: &'static str,
    pub description: String,
    pub span: Span,
    pub logic: RuleLogic,
    pub hint: String,
    /// Why no document can tell this mutant from the rule, when that follows from static facts.
    pub equivalent: Option<String>,
}

/// A site mutant: its description, place and equivalence proof.
type Found = Option<(String, Span, Option<String>)>;

/// Every mutant of a KQL rule's logic, in a fixed order (operator, then position).
pub fn kql_mutants(logic: &RuleLogic) -> Vec<KqlMutant> {
    let Some(search) = logic.kql() else {
        return Vec::new();
    };
    let Some(root) = &search.query.root else {
        return Vec::new();
    };
    let facts = Facts::of(&search.index);
    let mut out = Vec::new();
    let with_root = |root: Option<Node>| -> RuleLogic {
        let mut search: KqlSearch = search.clone();
        search.query.root = root;
        replace_search(logic, search)
    };
    drop_clause_mutants(root, &facts, &with_root, &mut out);
    site_mutants(root, &facts, &with_root, &mut out);
    rule_type_mutants(logic, &mut out);
    out
}

/// Drops each top-level clause of an `and` in turn; `with_root` makes the mutated logic.
fn drop_clause_mutants(
    root: &Node,
    facts: &Facts,
    with_root: &impl Fn(Option<Node>) -> RuleLogic,
    out: &mut Vec<KqlMutant>,
) {
    if let NodeKind::And(items) = &root.kind {
        for (i, item) in items.iter().enumerate() {
            let mut rest = items.clone();
            rest.remove(i);
            let node = if rest.len() == 1 {
                rest.pop().expect("one")
            } else {
                Node {
                    kind: NodeKind::And(rest),
                    span: root.span,
                }
            };
            out.push(KqlMutant {
                operator: "drop-clause",
                description: format!("drop `{}`", shown(item)),
                span: item.span,
                logic: with_root(Some(node)),
                hint: format!(
                    "a scenario where `{}` alone decides whether the rule alerts",
                    shown(item)
                ),
                equivalent: facts.always_true(item),
            });
        }
    }
}

/// The value-list and literal mutants, by pre-order index of the site over a clone of `root`.
fn site_mutants(
    root: &Node,
    facts: &Facts,
    with_root: &impl Fn(Option<Node>) -> RuleLogic,
    out: &mut Vec<KqlMutant>,
) {
    let count = count_sites(root);
    for site in 0..count {
        let operators = [
            "remove-or-value",
            "narrow-wildcard",
            "widen-wildcard",
            "range-bound-up",
            "range-bound-down",
        ];
        // `which` picks the removed value of an `or` list; other operators take the first site.
        let jobs = operators.into_iter().flat_map(|operator| {
            let n = if operator == "remove-or-value" {
                MAX_LIST_VALUES
            } else {
                1
            };
            (0..n).map(move |which| (operator, which))
        });
        for (operator, which) in jobs {
            let mut mutated = root.clone();
            let mut seen = 0;
            let mut found: Found = None;
            let mut at = Site {
                site,
                seen: &mut seen,
                operator,
                which,
                facts,
                frozen: None,
            };
            mutate_site(&mut mutated, &mut at, &mut found);
            if let Some((description, span, equivalent)) = found {
                out.push(KqlMutant {
                    operator,
                    hint: format!("a scenario on the edge of {description}"),
                    description,
                    span,
                    logic: with_root(Some(mutated)),
                    equivalent,
                });
            }
        }
    }
}

fn rule_type_mutants(logic: &RuleLogic, out: &mut Vec<KqlMutant>) {
    match logic {
        RuleLogic::Threshold(search, spec) => {
            for (i, field) in spec.fields.iter().enumerate() {
                let mut changed = spec.clone();
                changed.fields.remove(i);
                out.push(KqlMutant {
                    operator: "drop-threshold-field",
                    description: format!("drop threshold field `{field}`"),
                    span: Span::default(),
                    logic: RuleLogic::Threshold(search.clone(), changed),
                    hint: format!(
                        "documents that share every other threshold field but differ in `{field}`"
                    ),
                    equivalent: None,
                });
            }
            for delta in [-1, 1] {
                let mut changed = spec.clone();
                changed.value += delta;
                if changed.value < 1 {
                    continue;
                }
                let new_value = changed.value;
                out.push(KqlMutant {
                    operator: "threshold-value",
                    description: format!("threshold value {} → {new_value}", spec.value),
                    span: Span::default(),
                    logic: RuleLogic::Threshold(search.clone(), changed),
                    hint: if delta > 0 {
                        format!("a bucket of exactly {} documents", spec.value)
                    } else {
                        format!("a bucket of {} documents, one short", spec.value - 1)
                    },
                    equivalent: None,
                });
            }
        }
        RuleLogic::NewTerms(search, spec) if spec.fields.len() > 1 => {
            for (i, field) in spec.fields.iter().enumerate() {
                let mut changed = spec.clone();
                changed.fields.remove(i);
                out.push(KqlMutant {
                    operator: "drop-new-terms-field",
                    description: format!("drop new-terms field `{field}`"),
                    span: Span::default(),
                    logic: RuleLogic::NewTerms(search.clone(), changed),
                    hint: format!("a known combination where only `{field}` is new"),
                    equivalent: None,
                });
            }
        }
        _ => {}
    }
}

fn replace_search(logic: &RuleLogic, search: KqlSearch) -> RuleLogic {
    match logic {
        RuleLogic::Threshold(_, spec) => RuleLogic::Threshold(search, spec.clone()),
        RuleLogic::NewTerms(_, spec) => RuleLogic::NewTerms(search, spec.clone()),
        _ => RuleLogic::Query(search),
    }
}

fn shown(node: &Node) -> String {
    let mut text = String::new();
    print::node(node, &mut text);
    if text.chars().count() > 80 {
        text = text.chars().take(77).collect::<String>() + "…";
    }
    text
}

/// Sites are `Match` and `Range` nodes, counted in pre-order.
fn count_sites(node: &Node) -> usize {
    let mut n = 0;
    node.walk(&mut |node| {
        if matches!(node.kind, NodeKind::Match { .. } | NodeKind::Range { .. }) {
            n += 1;
        }
    });
    n
}

/// Where a site mutant is looked for: the site's pre-order index, the sites passed so far, the
/// operator (and which `or` value it removes), and the facts equivalence proofs rest on.
struct Site<'a> {
    site: usize,
    seen: &'a mut usize,
    operator: &'a str,
    which: usize,
    facts: &'a Facts,
    /// Why the site cannot change the value of the list around it, when a sibling decides it.
    frozen: Option<String>,
}

fn mutate_site(node: &mut Node, at: &mut Site, found: &mut Found) {
    match &mut node.kind {
        NodeKind::Or(_) | NodeKind::And(_) => {
            let frozen: Vec<Option<String>> = match &node.kind {
                NodeKind::Or(items) | NodeKind::And(items) => (0..items.len())
                    .map(|i| at.facts.operand_is_frozen(node, i))
                    .collect(),
                _ => Vec::new(),
            };
            let (NodeKind::Or(items) | NodeKind::And(items)) = &mut node.kind else {
                return;
            };
            for (item, frozen) in items.iter_mut().zip(frozen) {
                let outer = at.frozen.clone();
                if at.frozen.is_none() {
                    at.frozen = frozen;
                }
                mutate_site(item, at, found);
                at.frozen = outer;
            }
        }
        NodeKind::Not(item) | NodeKind::Nested { query: item, .. } => mutate_site(item, at, found),
        NodeKind::Match { field, value } => {
            if *at.seen == at.site {
                *found = mutate_value(field, value, at).map(|(description, span, proof)| {
                    (description, span, at.frozen.clone().or(proof))
                });
            }
            *at.seen += 1;
        }
        NodeKind::Range { field, op, value } => {
            if *at.seen == at.site {
                *found = mutate_bound(&field.text(), op.symbol(), value, at.operator)
                    .map(|(description, span)| (description, span, at.frozen.clone()));
            }
            *at.seen += 1;
        }
        NodeKind::FreeText(_) => {}
    }
}

/// The first applicable change of `operator` in a value list.
fn mutate_value(field_literal: &Literal, value: &mut Value, at: &Site) -> Found {
    let field = field_literal.text();
    match (&mut value.kind, at.operator) {
        (ValueKind::Or(items), "remove-or-value") => {
            if at.which >= items.len() {
                return None;
            }
            let removed = items.remove(at.which);
            let equivalent = at
                .facts
                .removal_is_equivalent(field_literal, &removed, items);
            let term = removed
                .terms()
                .first()
                .map(|t| t.text())
                .unwrap_or_default();
            let span = removed.span;
            if items.len() == 1 {
                *value = items.pop().expect("one");
            }
            Some((
                format!("remove `{term}` from `{field}`'s list"),
                span,
                equivalent,
            ))
        }
        (ValueKind::Or(items) | ValueKind::And(items), _) => items
            .iter_mut()
            .find_map(|item| mutate_value(field_literal, item, at)),
        (ValueKind::Not(item), _) => mutate_value(field_literal, item, at),
        (ValueKind::Term(literal), "narrow-wildcard")
            if literal.has_wildcard() && !literal.is_lone_star() =>
        {
            let before = literal.text();
            let LiteralKind::Unquoted(segments) = &mut literal.kind else {
                return None;
            };
            segments.retain(|s| *s != Segment::Star);
            merge_text(segments);
            if segments.is_empty() {
                return None;
            }
            Some((
                format!("narrow `{field}:{before}` to `{}`", literal.text()),
                literal.span,
                None,
            ))
        }
        (ValueKind::Term(literal), "widen-wildcard")
            if !literal.is_quoted() && !literal.has_wildcard() && literal.special().is_none() =>
        {
            let before = literal.text();
            let equivalent = at.facts.widen_is_equivalent(field_literal, literal);
            let LiteralKind::Unquoted(segments) = &mut literal.kind else {
                return None;
            };
            segments.push(Segment::Star);
            Some((
                format!("widen `{field}:{before}` to `{before}*`"),
                literal.span,
                equivalent,
            ))
        }
        _ => None,
    }
}

fn merge_text(segments: &mut Vec<Segment>) {
    let text: String = segments
        .iter()
        .map(|s| match s {
            Segment::Text(t) => t.as_str(),
            Segment::Star => "",
        })
        .collect();
    segments.clear();
    let text = text.trim().to_string();
    if !text.is_empty() {
        segments.push(Segment::Text(text));
    }
}

fn mutate_bound(
    field: &str,
    op: &str,
    value: &mut Literal,
    operator: &str,
) -> Option<(String, Span)> {
    let delta = match operator {
        "range-bound-up" => 1.0,
        "range-bound-down" => -1.0,
        _ => return None,
    };
    let number: f64 = value.text().parse().ok()?;
    let moved = number + delta;
    let text = if moved.fract() == 0.0 {
        format!("{moved:.0}")
    } else {
        moved.to_string()
    };
    let before = value.text();
    value.kind = LiteralKind::Unquoted(vec![Segment::Text(text.clone())]);
    Some((
        format!("move `{field} {op} {before}` to `{text}`"),
        value.span,
    ))
}
