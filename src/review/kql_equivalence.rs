//! Proofs, from static facts alone, that a KQL mutant cannot change any alert: a clause the
//! rule's indices make true for every document, and a `text`-field wildcard no token can match.
//!
//! Two facts are used, nothing from the scenarios:
//! - **The dataset of the indices read.** Data stream names are `type-dataset-namespace`, none of
//!   the three parts holding a `-` (Fleet refuses one in a namespace; datasets use `.` and `_`),
//!   and a data stream's `data_stream.dataset` is a `constant_keyword` with its dataset. When
//!   every index pattern of the rule names one literal type and one literal dataset
//!   (`logs-kubernetes.audit_logs-*`), every document the rule can read has that dataset, so
//!   `data_stream.dataset:<that dataset>` is true for all of them: dropping it, or widening it
//!   to `<dataset>*`, changes nothing. `logs-*` or `logs-kubernetes*` name no single dataset and
//!   prove nothing.
//! - **The standard analyzer.** A wildcard on a `text` field must match one analysed token
//!   (`docs/kql-semantics.md`); a token never holds a character the tokenizer always splits at
//!   (`/`, `-`, `@`, …, [`analyzer::never_in_token`]), so a pattern holding one matches no
//!   document. Removing it from an `or` list changes nothing, and a `not` of a clause made only of
//!   such patterns is true for every document. A pattern with whitespace is left alone
//!   (`query_string` splits it into terms, and a term without `*` is analysed, so it can match),
//!   and so is any pattern on a `keyword` field (matched against the whole value). A value that
//!   analyses to no token at all (`"/"`) matches nothing either. And a value of an `or` list on a
//!   `text` field whose match implies another value's (`"/var/run/docker.sock"`, the phrase
//!   `var run docker.sock`, holds `"/var"`'s token `var`) can be removed without changing which
//!   documents the list matches.
//!
//! The mutants so classed are still run: a scenario that kills one disproves the proof (`E803`).

use crate::document::catalog::Catalog;
use crate::document::{Mapping, Type};
use crate::kql::analyzer;
use crate::kql::ast::{Literal, LiteralKind, Node, NodeKind, Segment, Value, ValueKind};

/// The field whose value data streams fix.
const DATASET_FIELD: &str = "data_stream.dataset";

/// What the proofs may rely on for one rule: the field types documents are read with and the
/// one dataset its index patterns allow, if they allow only one.
pub struct Facts {
    mapping: Mapping,
    dataset: Option<(String, String)>,
}

impl Facts {
    /// The facts of a rule reading `index` (its `index` patterns), with the mapping in effect.
    pub fn of(index: &[String]) -> Facts {
        Facts::with_mapping(index, Catalog::current().load_mapping())
    }

    pub fn with_mapping(index: &[String], mapping: Mapping) -> Facts {
        Facts {
            mapping,
            dataset: fixed_dataset(index).map(|dataset| (dataset, index.join("`, `"))),
        }
    }

    /// Why dropping the top-level clause `node` changes no alert, if it provably does not.
    pub fn always_true(&self, node: &Node) -> Option<String> {
        match &node.kind {
            NodeKind::Match { field, value } => match &value.kind {
                ValueKind::Term(literal) => self.dataset_term(field, literal),
                _ => None,
            },
            NodeKind::Not(inner) => self
                .never_true(inner)
                .map(|why| format!("{why}; so `not` of it is true for every document")),
            NodeKind::Or(items) => items.iter().find_map(|item| self.always_true(item)),
            NodeKind::And(items) => all_of(items, |item| self.always_true(item)),
            _ => None,
        }
    }

    /// Why `node` matches no document, if it provably does not.
    pub fn never_true(&self, node: &Node) -> Option<String> {
        match &node.kind {
            NodeKind::Match { field, value } => self.never_matches(field, value),
            NodeKind::Not(inner) => self
                .always_true(inner)
                .map(|why| format!("{why}; so `not` of it is false for every document")),
            NodeKind::And(items) => items.iter().find_map(|item| self.never_true(item)),
            NodeKind::Or(items) => all_of(items, |item| self.never_true(item)),
            _ => None,
        }
    }

    /// Why changing operand `i` of an `and` (`or`) list cannot change the list's value: another
    /// operand is never (always) true.
    pub fn operand_is_frozen(&self, node: &Node, i: usize) -> Option<String> {
        let others =
            |items: &[Node]| -> Vec<usize> { (0..items.len()).filter(|&j| j != i).collect() };
        match &node.kind {
            NodeKind::And(items) => others(items).into_iter().find_map(|j| {
                self.never_true(&items[j]).map(|why| {
                    format!("{why}; the `and` holding this value is false whatever it is")
                })
            }),
            NodeKind::Or(items) => others(items).into_iter().find_map(|j| {
                self.always_true(&items[j])
                    .map(|why| format!("{why}; the `or` holding this value is true whatever it is"))
            }),
            _ => None,
        }
    }

    /// Why widening `field:literal` to `literal*` changes nothing, if it provably does not.
    pub fn widen_is_equivalent(&self, field: &Literal, literal: &Literal) -> Option<String> {
        self.dataset_term(field, literal)
            .map(|why| format!("{why}, and so is the widened pattern"))
    }

    /// Why removing `removed` from `field`'s `or` list (leaving `rest`) changes nothing, if it
    /// provably does not.
    pub fn removal_is_equivalent(
        &self,
        field: &Literal,
        removed: &Value,
        rest: &[Value],
    ) -> Option<String> {
        if let Some(why) = self.never_matches(field, removed) {
            return Some(format!("{why}, so removing it changes nothing"));
        }
        if field.has_wildcard() || self.mapping.get(&field.text()) != Some(Type::Text) {
            return None;
        }
        let ValueKind::Term(literal) = &removed.kind else {
            return None;
        };
        let matched = TextMatch::of(literal)?;
        let wider = rest.iter().find_map(|other| match &other.kind {
            ValueKind::Term(other) => TextMatch::of(other)
                .filter(|wider| matched.implies(wider))
                .map(|_| other.text()),
            _ => None,
        })?;
        Some(format!(
            "`{}` is `text`: every document `{}` matches ({}) is matched by `{wider}` in the \
             same list, so removing it changes nothing",
            field.text(),
            literal.text(),
            matched.describe()
        ))
    }

    /// `data_stream.dataset:<the one dataset the indices hold>`, an exact (non-wildcard) value.
    fn dataset_term(&self, field: &Literal, literal: &Literal) -> Option<String> {
        let (dataset, patterns) = self.dataset.as_ref()?;
        let exact = !field.has_wildcard() && !literal.has_wildcard();
        let keyword = self.mapping.get(DATASET_FIELD) == Some(Type::Keyword);
        (exact && keyword && field.text() == DATASET_FIELD && literal.text() == *dataset).then(
            || {
                format!(
                    "every index the rule reads (`{patterns}`) is a data stream of dataset \
                 `{dataset}` (names are `type-dataset-namespace`), whose `{DATASET_FIELD}` is a \
                 `constant_keyword` holding it: the clause is true for every document the rule \
                 can read"
                )
            },
        )
    }

    /// `field:value` on a `text` field where the value is made of dead wildcards only.
    fn never_matches(&self, field: &Literal, value: &Value) -> Option<String> {
        if field.has_wildcard() || self.mapping.get(&field.text()) != Some(Type::Text) {
            return None;
        }
        if let ValueKind::Term(literal) = &value.kind {
            if TextMatch::of(literal).is_some_and(|m| m.tokens().is_empty()) {
                return Some(format!(
                    "`{}` is `text` and `{}` analyses to no token: it matches no document",
                    field.text(),
                    literal.text()
                ));
            }
        }
        let (pattern, c) = dead_value(value)?;
        Some(format!(
            "`{}` is `text` and `{pattern}` must match one analysed token, which never holds \
             `{c}` (the standard analyzer splits at it): it matches no document",
            field.text()
        ))
    }
}

/// The first proof when every item has one.
fn all_of(items: &[Node], proof: impl Fn(&Node) -> Option<String>) -> Option<String> {
    let mut first = None;
    for item in items {
        let why = proof(item)?;
        first.get_or_insert(why);
    }
    first
}

/// The query a literal without wildcard makes on a `text` field: `match_phrase` when quoted,
/// `match` (any of the tokens) when not.
enum TextMatch {
    Phrase(Vec<String>),
    AnyToken(Vec<String>),
}

impl TextMatch {
    fn of(literal: &Literal) -> Option<TextMatch> {
        if literal.has_wildcard() || literal.special().is_some() {
            return None;
        }
        let tokens = analyzer::tokens(&literal.text());
        Some(if literal.is_quoted() {
            TextMatch::Phrase(tokens)
        } else {
            TextMatch::AnyToken(tokens)
        })
    }

    fn tokens(&self) -> &[String] {
        match self {
            TextMatch::Phrase(tokens) | TextMatch::AnyToken(tokens) => tokens,
        }
    }

    /// Whether every document this matches is matched by `wider` too (one value of a
    /// multivalued field holds the whole phrase).
    fn implies(&self, wider: &TextMatch) -> bool {
        match (self, wider) {
            (_, TextMatch::Phrase(q) | TextMatch::AnyToken(q)) if q.is_empty() => false,
            (TextMatch::Phrase(r), TextMatch::Phrase(q)) => r.windows(q.len()).any(|w| w == q),
            (TextMatch::Phrase(r), TextMatch::AnyToken(q)) => q.iter().any(|t| r.contains(t)),
            // A document holding any one token of `r` must match `wider`.
            (TextMatch::AnyToken(r), TextMatch::Phrase(q)) => {
                !r.is_empty() && q.len() == 1 && r.iter().all(|t| *t == q[0])
            }
            (TextMatch::AnyToken(r), TextMatch::AnyToken(q)) => {
                !r.is_empty() && r.iter().all(|t| q.contains(t))
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            TextMatch::Phrase(tokens) => format!("the phrase `{}`", tokens.join(" ")),
            TextMatch::AnyToken(tokens) => format!("any of the tokens `{}`", tokens.join("`, `")),
        }
    }
}

/// The dataset every pattern of `index` names, when each is `type-dataset-namespace` with a
/// literal type and dataset (an optional `cluster:` prefix allowed) and all name the same one.
pub fn fixed_dataset(index: &[String]) -> Option<String> {
    let mut found: Option<&str> = None;
    for pattern in index {
        let local = pattern.rsplit(':').next().unwrap_or(pattern);
        let parts: Vec<&str> = local.split('-').collect();
        let [kind, dataset, namespace] = parts.as_slice() else {
            return None;
        };
        let literal = |s: &str| !s.is_empty() && !s.contains(['*', '?', ',', ' ']);
        if !literal(kind) || !literal(dataset) || namespace.is_empty() {
            return None;
        }
        match found {
            Some(seen) if seen != *dataset => return None,
            _ => found = Some(dataset),
        }
    }
    found.map(str::to_string)
}

/// A value that never matches a token: one dead pattern, an `or` of dead values, or an `and`
/// holding one. Returns a dead pattern and the character that kills it.
fn dead_value(value: &Value) -> Option<(String, char)> {
    match &value.kind {
        ValueKind::Term(literal) => dead_pattern(literal),
        ValueKind::Or(items) => {
            let mut first = None;
            for item in items {
                let dead = dead_value(item)?;
                first.get_or_insert(dead);
            }
            first
        }
        ValueKind::And(items) => items.iter().find_map(dead_value),
        ValueKind::Not(_) => None,
    }
}

/// An unquoted wildcard without whitespace whose text holds a character no token holds.
fn dead_pattern(literal: &Literal) -> Option<(String, char)> {
    let LiteralKind::Unquoted(segments) = &literal.kind else {
        return None;
    };
    if !segments.contains(&Segment::Star) {
        return None;
    }
    let mut killer = None;
    for segment in segments {
        if let Segment::Text(text) = segment {
            if text.chars().any(char::is_whitespace) {
                return None;
            }
            killer = killer.or_else(|| text.chars().find(|&c| analyzer::never_in_token(c)));
        }
    }
    killer.map(|c| (literal.text(), c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::parse;
    use crate::span::Span;

    fn facts(index: &[&str]) -> Facts {
        let index: Vec<String> = index.iter().map(|s| s.to_string()).collect();
        let mapping = Catalog::shipped()
            .expect("shipped tables load")
            .load_mapping();
        Facts::with_mapping(&index, mapping)
    }

    fn root(query: &str) -> Node {
        parse(query).expect("parses").root.expect("a query")
    }

    fn match_parts(node: &Node) -> (&Literal, &Value) {
        match &node.kind {
            NodeKind::Match { field, value } => (field, value),
            NodeKind::Not(inner) => match_parts(inner),
            other => panic!("not a match: {other:?}"),
        }
    }

    #[test]
    fn the_dataset_is_fixed_only_by_literal_type_and_dataset() {
        let one = |p: &str| fixed_dataset(&[p.to_string()]);
        assert_eq!(
            one("logs-kubernetes.audit_logs-*").as_deref(),
            Some("kubernetes.audit_logs")
        );
        assert_eq!(
            one("remote:logs-kubernetes.audit_logs-default").as_deref(),
            Some("kubernetes.audit_logs")
        );
        for open in [
            "logs-*",
            "logs-kubernetes*",
            "logs-kubernetes.audit_logs*",
            "logs-*-default",
            "*-kubernetes.audit_logs-*",
            "-logs-kubernetes.audit_logs-*",
            "kubernetes-audit",
            "logs-a-b-c",
        ] {
            assert_eq!(one(open), None, "{open}");
        }
        let two = ["logs-a.b-*".to_string(), "logs-c.d-*".to_string()];
        assert_eq!(fixed_dataset(&two), None);
        assert_eq!(fixed_dataset(&[]), None);
    }

    #[test]
    fn the_dataset_clause_is_always_true_only_under_its_own_indices() {
        let clause = root("data_stream.dataset:\"kubernetes.audit_logs\"");
        let proof = facts(&["logs-kubernetes.audit_logs-*"]).always_true(&clause);
        assert!(proof.unwrap().contains("constant_keyword"));
        for index in [&["logs-*"][..], &["logs-kubernetes*"], &[]] {
            assert!(facts(index).always_true(&clause).is_none(), "{index:?}");
        }
        let other = root("data_stream.dataset:kubernetes.audit_logs_v2");
        assert!(facts(&["logs-kubernetes.audit_logs-*"])
            .always_true(&other)
            .is_none());
        let wildcard = root("data_stream.dataset:kubernetes.*");
        assert!(facts(&["logs-kubernetes.audit_logs-*"])
            .always_true(&wildcard)
            .is_none());
        let negated = root("not data_stream.dataset:kubernetes.audit_logs");
        assert!(facts(&["logs-kubernetes.audit_logs-*"])
            .always_true(&negated)
            .is_none());
    }

    #[test]
    fn a_wildcard_with_a_splitting_character_on_text_never_matches() {
        let f = facts(&["logs-*"]);
        let node =
            root("not kubernetes.audit.user.groups:(system\\:serviceaccounts\\:flux-* or other-*)");
        assert!(f.always_true(&node).unwrap().contains("`-`"));
        let (field, value) = match_parts(&node);
        let ValueKind::Or(items) = &value.kind else {
            panic!("a list")
        };
        assert!(f
            .removal_is_equivalent(field, &items[0], &items[1..])
            .is_some());
    }

    fn list(query: &str) -> (Literal, Vec<Value>) {
        let node = root(query);
        let (field, value) = match_parts(&node);
        let ValueKind::Or(items) = &value.kind else {
            panic!("a list")
        };
        (field.clone(), items.clone())
    }

    /// `removal_is_equivalent` for value `i` of the list, the others left.
    fn removal(f: &Facts, field: &Literal, items: &[Value], i: usize) -> Option<String> {
        let mut rest = items.to_vec();
        let removed = rest.remove(i);
        f.removal_is_equivalent(field, &removed, &rest)
    }

    #[test]
    fn a_phrase_holding_another_values_tokens_is_redundant_on_text_only() {
        let f = facts(&["logs-*"]);
        let path = "kubernetes.audit.requestObject.spec.volumes.hostPath.path";
        let (field, items) = list(&format!(
            "{path}:(\"/\" or \"/var\" or \"/var/run/docker.sock\" or \"/etc/kubernetes\" or \"/etcd/x\")"
        ));
        // `/` analyses to no token; `/var/run/docker.sock` holds `var`.
        assert!(removal(&f, &field, &items, 0).unwrap().contains("no token"));
        assert!(removal(&f, &field, &items, 2).unwrap().contains("`/var`"));
        // `/var` itself, `/etc/kubernetes` (no `etc` value) and `/etcd/x` are needed.
        for i in [1, 3, 4] {
            assert!(removal(&f, &field, &items, i).is_none(), "{i}");
        }
        // On a `keyword` field every value is an exact match: nothing is redundant.
        let (field, items) = list("user.name:(\"/var\" or \"/var/run\")");
        assert!(removal(&f, &field, &items, 1).is_none());
        // Unquoted `cluster-admin` is `cluster` or `admin`: the phrase `admin x` holds `admin`, so
        // it implies the unquoted value; the converse does not hold.
        let groups = "kubernetes.audit.impersonatedUser.groups";
        let (field, items) = list(&format!("{groups}:(cluster-admin or \"admin x\")"));
        assert!(removal(&f, &field, &items, 1).is_some());
        assert!(removal(&f, &field, &items, 0).is_none());
        // A wildcard never counts as the wider value.
        let (field, items) = list(&format!("{groups}:(\"system:masters\" or system\\:mas*)"));
        assert!(removal(&f, &field, &items, 0).is_none());
    }

    #[test]
    fn an_and_with_a_dead_operand_freezes_the_others_only() {
        let f = facts(&["logs-*"]);
        let image = "kubernetes.audit.requestObject.spec.containers.image";
        let node = root(&format!(
            "kubernetes.audit.objectRef.namespace:datadog and {image}:*datadog-agent*"
        ));
        assert!(f.operand_is_frozen(&node, 0).is_some());
        // The dead operand itself is not frozen by the live one.
        assert!(f.operand_is_frozen(&node, 1).is_none());
        let whole = root(&format!(
            "not (kubernetes.audit.objectRef.namespace:datadog and {image}:*datadog-agent*)"
        ));
        assert!(f.always_true(&whole).is_some());
        let live = root(&format!(
            "kubernetes.audit.objectRef.namespace:datadog and {image}:(*datadog-agent* or datadog*)"
        ));
        assert!(f.operand_is_frozen(&live, 0).is_none());
        assert!(f.never_true(&live).is_none());
        let or = root(&format!(
            "kubernetes.audit.objectRef.namespace:x or {image}:*a/b*"
        ));
        assert!(f.operand_is_frozen(&or, 0).is_none());
    }

    #[test]
    fn live_patterns_are_never_classed_dead() {
        let f = facts(&["logs-kubernetes.audit_logs-*"]);
        for query in [
            // `keyword`: the pattern is matched against the whole value.
            "not user_agent.original:*kubernetes/$Format",
            "not user.name:system\\:serviceaccount\\:kube-system\\:*",
            // `text`, but `:` and `.` join letters: `system:masters*` can match a token.
            "not kubernetes.audit.user.groups:system\\:masters*",
            "not kubernetes.audit.user.groups:v1.2*",
            // No wildcard: an analysed match query, which can match.
            "not kubernetes.audit.user.groups:cluster-admin",
            "not kubernetes.audit.user.groups:\"ghcr.io/x-*\"",
            // One live value keeps the list live.
            "not kubernetes.audit.user.groups:(a/b* or system\\:masters*)",
            // Unknown field: no type, no proof.
            "not custom.thing:a/b*",
            // A clause that is not negated is not always true.
            "kubernetes.audit.user.groups:a/b*",
        ] {
            assert!(f.always_true(&root(query)).is_none(), "{query}");
        }
        // Whitespace: `query_string` splits it, and `c` alone is analysed.
        let spaced = Literal {
            kind: LiteralKind::Unquoted(vec![Segment::Text("a/b c".into()), Segment::Star]),
            span: Span::default(),
        };
        assert!(dead_pattern(&spaced).is_none());
        // An `and` list with a dead value never matches.
        assert!(f
            .always_true(&root("not kubernetes.audit.user.groups:(a/b* and c)"))
            .is_some());
        let node = root("kubernetes.audit.user.groups:(a/b* or system\\:masters*)");
        let (field, value) = match_parts(&node);
        let ValueKind::Or(items) = &value.kind else {
            panic!("a list")
        };
        assert!(f
            .removal_is_equivalent(field, &items[0], &items[1..])
            .is_some());
        assert!(f
            .removal_is_equivalent(field, &items[1], &items[..1])
            .is_none());
        let keyword = root("user.name:(a/b* or c)");
        let (field, value) = match_parts(&keyword);
        let ValueKind::Or(items) = &value.kind else {
            panic!("a list")
        };
        assert!(f
            .removal_is_equivalent(field, &items[0], &items[1..])
            .is_none());
    }
}
