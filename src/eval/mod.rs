//! The reference ES|QL engine: runs a parsed query over JSON documents as Elasticsearch would.
//!
//! # Using it (the scheduler's view)
//!
//! ```text
//! let query = syntax::parse(text)?;                                   // ast::Query
//! let selection = eval::fields_for(&query, &["event.ingested"]);     // (a) what to load
//! let docs = Documents::from_ndjson(reader, &selection, LoadOptions::default())?;  // once
//! let plan = Plan::compile(&query, text, &docs.columns)?;            // (b) compile once
//! let table = plan.run(&docs, Window::Indices(&ids), now_ms);        //     run per window
//! let p = Predicate::compile(&where_expr, text, &docs.columns)?;     // (c) one conjunct
//! p.eval(&docs, doc) -> Option<bool>                                  //     true/false/null
//! docs.index_of(doc), docs.id_of(doc)                                 // (d) _index, _id
//! ```
//!
//! * **Documents** ([`Documents`]): each NDJSON line (or `serde_json::Value`) becomes one row
//!   over the selected fields only; the rest of the line is skipped without being built.
//!   Nested and dotted keys are the same field; arrays are multivalues (keyword/ip/version
//!   sorted and de-duplicated, numbers and dates sorted, text in source order, as doc values);
//!   types come from the [`Mapping`]. A document's `_index` is
//!   `data_stream.type-data_stream.dataset-data_stream.namespace`, else
//!   [`LoadOptions::default_index`]; unassigned documents match every `FROM` pattern.
//! * **Plans** ([`Plan`]): compiled once against `docs.columns`; [`Plan::run`] evaluates over
//!   any window of documents with a given `NOW()` and returns a [`Table`] (typed columns, rows
//!   of [`Cell`]s, warnings in Elasticsearch's text). Rows after `STATS` without a `SORT` are
//!   sorted by all columns, so results are deterministic.
//! * **Predicates** ([`Predicate`]): one boolean expression evaluated on one document, for
//!   explaining which `WHERE` conjunct dropped it and whether through `false` or `null`.

pub mod aggregate;
mod arith;
pub mod convert;
pub mod datetime;
mod disjunction;
pub mod expr;
pub mod fold;
pub mod functions;
pub mod grok;
mod ids;
pub mod ip;
mod lineage;
pub mod mapping;
pub mod output;
pub mod pattern;
pub mod plan;
mod scan;
pub mod store;
pub mod value;
mod walk;
pub mod warnings;

use std::collections::BTreeSet;

use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{self, CommandKind, ExprKind, SourceCommand};

pub use mapping::Mapping;
pub use plan::Plan;
pub use store::{Documents, FieldSelection, InputError, LoadOptions};
pub use value::{Cell, Type, Value};

/// A named, typed column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: Type,
}

/// A query result: columns, rows in the query's order, and the response warnings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub warnings: Vec<String>,
}

/// Which documents a run reads.
#[derive(Clone, Copy, Debug)]
pub enum Window<'a> {
    All,
    /// A contiguous range of document positions.
    Range(usize, usize),
    /// Document positions, in the order to read them.
    Indices(&'a [usize]),
}

/// Whether a data-stream name matches a `FROM` pattern (`*` wildcards; `cluster:` prefixes are
/// ignored, as every document is local).
pub fn index_matches(pattern: &str, name: &str) -> bool {
    let pattern = pattern.rsplit(':').next().unwrap_or(pattern);
    plan::name_matches(pattern, name)
}

impl Plan {
    /// Runs the plan over a window of `docs`; `now` is `NOW()` in epoch milliseconds.
    pub fn run(&self, docs: &Documents, window: Window, now: i64) -> Table {
        let positions: Box<dyn Iterator<Item = usize>> = match window {
            Window::All => Box::new(0..docs.len()),
            Window::Range(a, b) => Box::new(a.min(docs.len())..b.min(docs.len())),
            Window::Indices(ix) => Box::new(ix.iter().copied().filter(|&i| i < docs.len())),
        };
        // Map the plan's source columns onto the store's.
        let sources: Vec<Source> = self
            .source
            .iter()
            .map(|c| match c.name.as_str() {
                "_index" if self.metadata.iter().any(|m| m == "_index") => Source::Index,
                "_id" if self.metadata.iter().any(|m| m == "_id") => Source::Id,
                "_version" if self.metadata.iter().any(|m| m == "_version") => Source::Version,
                name => docs.column(name).map_or(Source::Null, Source::Field),
            })
            .collect();
        let fallback = self
            .indices
            .first()
            .map(|p| p.rsplit(':').next().unwrap_or(p).replace('*', "default"))
            .unwrap_or_default();
        let rows = positions
            .filter(|&doc| match docs.index_of(doc) {
                Some(name) => self.indices.iter().any(|p| index_matches(p, name)),
                None => true,
            })
            .map(|doc| {
                let row = docs.row(doc);
                sources
                    .iter()
                    .map(|s| match s {
                        Source::Field(i) => row[*i].clone(),
                        Source::Null => Cell::Null,
                        Source::Index => {
                            Cell::One(Value::str(docs.index_of(doc).unwrap_or(&fallback)))
                        }
                        Source::Id => Cell::One(Value::str(docs.id_of(doc))),
                        Source::Version => Cell::One(Value::Long(1)),
                    })
                    .collect()
            });
        self.run_rows(rows, now)
    }
}

enum Source {
    Field(usize),
    Null,
    Index,
    Id,
    Version,
}

/// The fields a query reads from documents, plus `extra` ones the caller needs (e.g.
/// `event.ingested`). When the output is `FROM`'s whole column set (no `KEEP` or `STATS`
/// bounds it), every field is selected.
pub fn fields_for(query: &ast::Query, extra: &[&str]) -> FieldSelection {
    let mut names = BTreeSet::new();
    for e in extra {
        names.insert(e.to_string());
    }
    let SourceCommand::From(_) = &query.source else {
        return FieldSelection { all: false, names };
    };
    let mut bounded = false;
    for command in &query.commands {
        match &command.kind {
            CommandKind::Where(e) => collect(e, &mut names),
            CommandKind::Eval(fields) => fields.iter().for_each(|f| collect(&f.expr, &mut names)),
            CommandKind::Stats(s) | CommandKind::InlineStats(s) => {
                for a in &s.aggregates {
                    collect(&a.field.expr, &mut names);
                    if let Some(f) = &a.filter {
                        collect(f, &mut names);
                    }
                }
                s.by.iter().for_each(|f| collect(&f.expr, &mut names));
                if matches!(command.kind, CommandKind::Stats(_)) {
                    bounded = true;
                    break;
                }
            }
            CommandKind::Keep(patterns) => {
                for p in patterns {
                    if p.has_wildcard() {
                        // A wildcard KEEP needs every field it could match.
                        return FieldSelection { all: true, names };
                    }
                    names.insert(p.pattern.clone());
                }
                bounded = true;
                break;
            }
            CommandKind::Drop(_) => {}
            CommandKind::Rename(rs) => rs.iter().for_each(|r| {
                names.insert(r.old.name.clone());
            }),
            CommandKind::Sort(keys) => keys.iter().for_each(|k| collect(&k.expr, &mut names)),
            CommandKind::Limit(_) => {}
            CommandKind::MvExpand(n) => {
                names.insert(n.name.clone());
            }
            CommandKind::Dissect(d) => collect(&d.input, &mut names),
            CommandKind::Grok(g) => collect(&g.input, &mut names),
        }
    }
    FieldSelection {
        all: !bounded,
        names,
    }
}

fn collect(e: &ast::Expr, out: &mut BTreeSet<String>) {
    if let ExprKind::Column(n) = &e.kind {
        out.insert(n.name.clone());
    }
    e.children()
        .into_iter()
        .for_each(|child| collect(child, out));
}

/// One boolean expression over a document's fields (e.g. a `WHERE` conjunct).
pub struct Predicate {
    expr: expr::CExpr,
    /// Store column of each schema column.
    columns: Vec<Option<usize>>,
}

impl Predicate {
    /// Compiles `e` (a sub-expression of `text`) against the store's columns.
    pub fn compile(e: &ast::Expr, text: &str, columns: &[Column]) -> Result<Predicate, Diagnostic> {
        let mut c = expr::Compiler::new(text);
        let compiled = c.boolean(e, columns)?;
        Ok(Predicate {
            expr: compiled,
            columns: (0..columns.len()).map(Some).collect(),
        })
    }

    /// `Some(true)`, `Some(false)` or `None` (null) for one document; `now` is `NOW()`.
    pub fn eval(&self, docs: &Documents, doc: usize, now: i64) -> Option<bool> {
        let row = docs.row(doc);
        let cells: Vec<Cell> = self
            .columns
            .iter()
            .map(|c| c.and_then(|i| row.get(i).cloned()).unwrap_or_default())
            .collect();
        let mut w = warnings::Warnings::default();
        let mut ctx = expr::Ctx {
            now,
            warnings: &mut w,
        };
        self.expr.test(&cells, &mut ctx)
    }
}

/// Splits a `WHERE` condition into its top-level `AND` conjuncts, left to right.
pub fn conjuncts(e: &ast::Expr) -> Vec<&ast::Expr> {
    match &e.kind {
        ExprKind::And(a, b) => {
            let mut out = conjuncts(a);
            out.extend(conjuncts(b));
            out
        }
        _ => vec![e],
    }
}
