//! Clause coverage of EQL rules: each top-level conjunct of each query (a sequence's steps and
//! its `until`) counted true, false or null over every document some execution read from the
//! rule's indices, once per document. A document of another event category counts for no
//! conjunct of that query. True is the engine's own match; a conjunct that does not match is
//! null when the first field it reads is missing from the document (Elasticsearch's query for it
//! matches nothing there, as a null comparison would) and false otherwise — the same split
//! `explain` uses.

use super::coverage::{ConjunctCoverage, Gap, Outcomes, Stream};
use crate::diagnostic::Diagnostic;
use crate::eql::ast::{Body, Category, Expr};
use crate::eql::engine::Engine;
use crate::runner::{EqlSearch, PreparedRule};

/// Coverage of every conjunct of every query of the rule's EQL search over `streams`.
pub fn eql_coverage(
    rule: &PreparedRule,
    search: &EqlSearch,
    streams: &[Stream],
) -> Result<Vec<ConjunctCoverage>, Diagnostic> {
    let text = rule.loaded.query.eql().map_or("", |(_, text)| text);
    let filters = search.query.filters();
    let sequence = matches!(search.query.body, Body::Sequence(_));
    let parts: Vec<Vec<&Expr>> = filters.iter().map(|f| f.condition.conjuncts()).collect();
    let mut totals: Vec<Vec<Outcomes>> = parts
        .iter()
        .map(|p| vec![Outcomes::default(); p.len()])
        .collect();
    for stream in streams {
        let store = stream.docs;
        let engine = Engine::compile(&search.query, search.settings.clone(), &store.columns)
            .map_err(|error| rule.loaded.query_diagnostic(error))?;
        let mut seen = std::collections::BTreeSet::new();
        for (documents, _) in &stream.executions {
            for &doc in documents {
                if !seen.insert(doc) || !in_index(search, store.index_of(doc)) {
                    continue;
                }
                for (f, filter) in filters.iter().enumerate() {
                    if !of_category(&engine, store, doc, &filter.category) {
                        continue;
                    }
                    for (c, conjunct) in parts[f].iter().enumerate() {
                        let outcome = &mut totals[f][c];
                        if engine.matches_expr(store, doc, conjunct) {
                            outcome.true_ += 1;
                        } else if first_field_missing(store, doc, conjunct) {
                            outcome.null += 1;
                        } else {
                            outcome.false_ += 1;
                        }
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    for (f, conjuncts) in parts.iter().enumerate() {
        let label = match (&search.query.body, sequence) {
            (Body::Sequence(seq), _) if f == seq.terms.len() => "until: ".to_string(),
            (_, true) => format!("step {}: ", f + 1),
            _ => String::new(),
        };
        for (c, conjunct) in conjuncts.iter().enumerate() {
            let outcomes = totals[f][c];
            let mut gaps = Vec::new();
            if outcomes.false_ == 0 && outcomes.null == 0 {
                gaps.push(Gap::NeverFalse);
            }
            if outcomes.true_ == 0 {
                gaps.push(Gap::NeverTrue);
            }
            out.push(ConjunctCoverage {
                command: f,
                conjunct: c,
                text: format!("{label}{}", conjunct.span.slice(text).trim()),
                span: conjunct.span,
                after_stats: false,
                outcomes,
                threshold: None,
                gaps,
            });
        }
    }
    Ok(out)
}

fn in_index(search: &EqlSearch, index: Option<&str>) -> bool {
    match index {
        Some(name) if !search.index.is_empty() => search
            .index
            .iter()
            .any(|pattern| crate::document::index_matches(pattern, name)),
        _ => true,
    }
}

fn of_category(
    engine: &Engine,
    store: &crate::document::Documents,
    doc: usize,
    category: &Category,
) -> bool {
    match category {
        Category::Any => true,
        Category::Named(name) => store
            .column(&engine.settings().event_category_field)
            .is_some_and(|c| {
                store.row(doc)[c]
                    .values()
                    .iter()
                    .any(|v| v.as_str() == Some(name))
            }),
    }
}

fn first_field_missing(store: &crate::document::Documents, doc: usize, conjunct: &Expr) -> bool {
    let mut fields = Vec::new();
    conjunct.fields(&mut fields);
    fields.first().is_some_and(|field| {
        store
            .column(&field.name)
            .is_none_or(|c| store.row(doc)[c].is_null())
    })
}
