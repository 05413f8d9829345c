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
//!   types come from the [`Mapping`](crate::document::Mapping). A document's `_index` is
//!   `data_stream.type-data_stream.dataset-data_stream.namespace`, else
//!   [`LoadOptions::default_index`](crate::document::LoadOptions::default_index); unassigned documents match every `FROM` pattern.
//! * **Plans** ([`Plan`]): compiled once against `docs.columns`; [`Plan::run`] evaluates over
//!   any window of documents with a given `NOW()` and returns a [`Table`] (typed columns, rows
//!   of [`Cell`]s, warnings in Elasticsearch's text). Rows after `STATS` without a `SORT` are
//!   sorted by all columns, so results are deterministic.
//! * **Streaming** ([`stream`]): `rulegate query` does not load the documents. When every field
//!   the query reads is mapped, batches of lines are parsed and run through the plan's
//!   row-local steps on every core, and the rows reach the first blocking step (a `STATS`
//!   folds them into its groups) in input order: memory grows with the groups, and the result
//!   is byte for byte the one of [`Plan::run`] over all documents.
//! * **Predicates** ([`Predicate`]): one boolean expression evaluated on one document, for
//!   explaining which `WHERE` conjunct dropped it and whether through `false` or `null`.

pub mod aggregate;
mod arith;
mod combine;
mod comparable;
mod disjunction;
pub mod expr;
pub mod fold;
pub mod functions;
pub mod grok;
mod lineage;
pub mod output;
pub mod pattern;
pub mod plan;
mod site_text;
mod source_doc;
pub mod stream;
pub mod warnings;

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::esql::ast::{self, CommandKind, ExprKind, SourceCommand};

use crate::document::{index_matches, Cell, Column, Documents, FieldSelection, Value};

pub use plan::{registered_lookups, set_lookups, IndexedNumeric, Lookups, Plan};
pub use warnings::Failure;

/// A query result: columns, rows in the query's order, and the response warnings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub warnings: Vec<String>,
    /// Set when the query failed while running (then `rows` mean nothing): Elasticsearch's
    /// error for a result too large, or a rulegate cap such as `--max-rows`.
    pub failure: Option<Failure>,
}

impl Table {
    /// The failure as a diagnostic, if the query failed.
    pub fn failure_diagnostic(&self) -> Option<Diagnostic> {
        self.failure.as_ref().map(|failure| {
            let diagnostic = Diagnostic::error(failure.code, failure.message.clone());
            match &failure.help {
                Some(help) => diagnostic.with_help(help.clone()),
                None => diagnostic,
            }
        })
    }
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

impl Plan {
    /// Runs the plan over a window of `docs`; `now` is `NOW()` in epoch milliseconds.
    pub fn run(&self, docs: &Documents, window: Window, now: i64) -> Table {
        self.run_rows(self.source_rows(docs, window), now)
    }

    /// The rows `FROM` reads from a window of `docs`: documents whose data stream matches the
    /// index patterns, over the plan's source schema (metadata columns included).
    pub(crate) fn source_rows<'a>(
        &'a self,
        docs: &'a Documents,
        window: Window<'a>,
    ) -> impl Iterator<Item = Vec<Cell>> + 'a {
        let positions: Box<dyn Iterator<Item = usize>> = match window {
            Window::All => Box::new(0..docs.len()),
            Window::Range(a, b) => Box::new(a.min(docs.len())..b.min(docs.len())),
            Window::Indices(ix) => Box::new(ix.iter().copied().filter(|&i| i < docs.len())),
        };
        let sources = self.sources(docs);
        positions
            .filter(|&doc| self.reads(docs, doc))
            .map(move |doc| sources.row(docs, doc, |i| docs.row(doc)[i].clone()))
    }

    /// Like [`Plan::source_rows`] over every document, moving the cells out of `docs` (a
    /// streamed batch is read once).
    pub(crate) fn take_source_rows(&self, mut docs: Documents) -> Vec<Vec<Cell>> {
        let sources = self.sources(&docs);
        let mut rows = Vec::new();
        for doc in 0..docs.len() {
            if !self.reads(&docs, doc) {
                continue;
            }
            if sources
                .columns
                .iter()
                .any(|s| matches!(s, Source::Document))
            {
                // `_source` reads every field of the document: copy, do not move.
                rows.push(sources.row(&docs, doc, |i| docs.row(doc)[i].clone()));
                continue;
            }
            let mut cells = docs.take_row(doc);
            let row = if sources.in_store_order(cells.len()) {
                // The store's columns come first, in order: only metadata to append.
                let fields = cells.len();
                cells.extend(
                    sources.columns[fields..]
                        .iter()
                        .map(|s| sources.cell(s, &docs, doc, |_| Cell::Null)),
                );
                cells
            } else {
                sources.row(&docs, doc, |i| std::mem::take(&mut cells[i]))
            };
            rows.push(row);
        }
        rows
    }

    /// Whether `FROM` reads a document: its data stream matches an index pattern (documents
    /// without one match every pattern).
    pub(crate) fn reads(&self, docs: &Documents, doc: usize) -> bool {
        self.reads_index(docs.index_of(doc))
    }

    /// Whether `FROM` reads documents of data stream `index` (`None`: unassigned, read).
    pub(crate) fn reads_index(&self, index: Option<&str>) -> bool {
        match index {
            Some(name) => self.indices.iter().any(|p| index_matches(p, name)),
            None => true,
        }
    }

    /// Where each source column comes from in `docs`.
    fn sources(&self, docs: &Documents) -> Sources {
        let columns = self
            .source
            .iter()
            .map(|c| match c.name.as_str() {
                "_index" if self.metadata.iter().any(|m| m == "_index") => Source::Index,
                "_id" if self.metadata.iter().any(|m| m == "_id") => Source::Id,
                "_version" if self.metadata.iter().any(|m| m == "_version") => Source::Version,
                "_source" if self.metadata.iter().any(|m| m == "_source") => Source::Document,
                name => docs.column(name).map_or(Source::Null, Source::Field),
            })
            .collect();
        let fallback = self
            .indices
            .first()
            .map(|p| p.rsplit(':').next().unwrap_or(p).replace('*', "default"))
            .unwrap_or_default();
        let fallback = Arc::from(fallback);
        Sources { columns, fallback }
    }
}

/// The source columns of a plan, mapped onto a store.
struct Sources {
    columns: Vec<Source>,
    /// `_index` of documents without a data stream: the first pattern, `*` read as `default`.
    fallback: Arc<str>,
}

impl Sources {
    /// Whether the first `width` source columns are the store's columns `0..width`.
    fn in_store_order(&self, width: usize) -> bool {
        self.columns.len() >= width
            && (0..width).all(|i| matches!(self.columns[i], Source::Field(f) if f == i))
            && self.columns[width..]
                .iter()
                .all(|s| !matches!(s, Source::Field(_)))
    }

    fn row(&self, docs: &Documents, doc: usize, mut field: impl FnMut(usize) -> Cell) -> Vec<Cell> {
        self.columns
            .iter()
            .map(|s| self.cell(s, docs, doc, &mut field))
            .collect()
    }

    fn cell(
        &self,
        source: &Source,
        docs: &Documents,
        doc: usize,
        mut field: impl FnMut(usize) -> Cell,
    ) -> Cell {
        match source {
            Source::Field(i) => field(*i),
            Source::Null => Cell::Null,
            Source::Index => {
                let index = docs.shared_index_and_id(doc).0;
                Cell::One(Value::String(Arc::clone(index.unwrap_or(&self.fallback))))
            }
            Source::Id => Cell::One(Value::String(Arc::clone(docs.shared_index_and_id(doc).1))),
            Source::Version => Cell::One(Value::Long(1)),
            Source::Document => source_doc::document(&docs.columns, docs.row(doc)),
        }
    }
}

enum Source {
    Field(usize),
    Null,
    Index,
    Id,
    Version,
    /// `_source`: the document rebuilt as JSON.
    Document,
}

/// The fields a query reads from documents, plus `extra` ones the caller needs (e.g.
/// `event.ingested`). When the output is `FROM`'s whole column set (no `KEEP` or `STATS`
/// bounds it), every field is selected. A name an earlier `EVAL`, `RENAME`, `DISSECT` or `GROK`
/// defines is a computed column from there on, not a document field, so it is not selected.
pub fn fields_for(query: &ast::Query, extra: &[&str]) -> FieldSelection {
    let mut names = BTreeSet::new();
    for e in extra {
        names.insert(e.to_string());
    }
    let SourceCommand::From(from) = &query.source else {
        return FieldSelection { all: false, names };
    };
    if from.metadata.iter().any(|m| m.name == "_source") {
        // `_source` is the whole document.
        return FieldSelection { all: true, names };
    }
    let mut read = Reads {
        names,
        defined: BTreeSet::new(),
        every: false,
    };
    let mut bounded = false;
    for command in &query.commands {
        match read.command(&command.kind) {
            After::Next => {}
            After::Bounded => {
                bounded = true;
                break;
            }
            After::Everything => {
                return FieldSelection {
                    all: true,
                    names: read.names,
                }
            }
        }
    }
    FieldSelection {
        all: !bounded || read.every,
        names: read.names,
    }
}

/// What a command leaves of the field selection: the next command may read more, the output
/// is bounded (no later command reads another document field), or every field is needed.
enum After {
    Next,
    Bounded,
    Everything,
}

/// The document fields a query reads, and the computed names that shadow them so far.
struct Reads {
    names: BTreeSet<String>,
    defined: BTreeSet<String>,
    /// `KQL(…)` reads whichever fields its query names (patterns included): all of them.
    every: bool,
}

impl Reads {
    /// Adds what one command reads, and the names it defines.
    fn command(&mut self, kind: &CommandKind) -> After {
        match kind {
            CommandKind::Where(e) => self.expr(e),
            CommandKind::Eval(fields) => {
                for f in fields {
                    self.expr(&f.expr);
                    if let Some(name) = &f.name {
                        self.defined.insert(name.name.clone());
                    }
                }
            }
            CommandKind::Stats(s) => {
                self.stats(s);
                return After::Bounded;
            }
            CommandKind::InlineStats(s) => {
                self.stats(s);
                let outputs = s.aggregates.iter().map(|a| &a.field).chain(&s.by);
                self.defined
                    .extend(outputs.filter_map(|f| f.name.as_ref().map(|n| n.name.clone())));
            }
            CommandKind::Keep(patterns) => {
                for p in patterns {
                    if p.has_wildcard() {
                        // A wildcard KEEP needs every field it could match.
                        return After::Everything;
                    }
                    self.name(&p.pattern);
                }
                return After::Bounded;
            }
            CommandKind::Drop(_) => {}
            CommandKind::Rename(rs) => {
                for r in rs {
                    self.name(&r.old.name);
                    self.defined.insert(r.new.name.clone());
                }
            }
            CommandKind::Sort(keys) => keys.iter().for_each(|k| self.expr(&k.expr)),
            CommandKind::Limit(l) => l.by.iter().for_each(|e| self.expr(e)),
            CommandKind::MvExpand(n) => self.name(&n.name),
            CommandKind::Dissect(d) => {
                self.expr(&d.input);
                let sep = d.append_separator.as_ref().map_or("", |s| s.value.as_str());
                if let Ok(dissect) = grok::Dissect::new(&d.pattern.value, sep) {
                    self.defined.extend(dissect.columns);
                }
            }
            CommandKind::Grok(g) => {
                self.expr(&g.input);
                if let Ok(grok) = grok::Grok::new_multi(&g.patterns()) {
                    self.defined
                        .extend(grok.columns.into_iter().map(|(n, _)| n));
                }
            }
            CommandKind::FillNull(f) => {
                if f.targets.iter().any(|p| p.has_wildcard()) {
                    // `ON *` or a pattern fills (and so reads) every field it matches.
                    return After::Everything;
                }
                f.targets.iter().for_each(|p| self.name(&p.pattern));
            }
            // Equal rows are equal in every column: all of them count.
            CommandKind::Dedup | CommandKind::Distinct => return After::Everything,
            CommandKind::Sample(_) => {}
            CommandKind::ChangePoint(cp) => self.change_point(cp),
            // The join reads its keys; the lookup fields come from the lookup index.
            CommandKind::LookupJoin(join) => join.on.iter().for_each(|n| self.name(&n.name)),
            // Each branch reads what it reads; every field is the simple, safe answer.
            CommandKind::Fork(_) => return After::Everything,
        }
        After::Next
    }

    /// What a `STATS` or `INLINE STATS` reads: its aggregates, their filters and its keys.
    fn stats(&mut self, s: &ast::Stats) {
        for a in &s.aggregates {
            self.expr(&a.field.expr);
            if let Some(f) = &a.filter {
                self.expr(f);
            }
        }
        s.by.iter().for_each(|f| self.expr(&f.expr));
    }

    /// `CHANGE_POINT` reads its value, key and groups, and defines its two output columns.
    fn change_point(&mut self, cp: &ast::ChangePoint) {
        self.name(&cp.value.name);
        self.name(cp.key.as_ref().map_or("@timestamp", |k| k.name.as_str()));
        cp.by.iter().for_each(|f| self.expr(&f.expr));
        if let Some((t, p)) = &cp.names {
            self.defined.insert(t.name.clone());
            self.defined.insert(p.name.clone());
        } else {
            self.defined.insert("type".into());
            self.defined.insert("pvalue".into());
        }
    }

    fn name(&mut self, name: &str) {
        if !self.defined.contains(name) {
            self.names.insert(name.to_string());
        }
    }

    fn expr(&mut self, e: &ast::Expr) {
        match &e.kind {
            ExprKind::Column(n) => self.name(&n.name),
            // `EARLIEST`/`LATEST` sort by `@timestamp` without naming it.
            ExprKind::Call(c) if matches!(c.name.as_str(), "earliest" | "latest") => {
                self.name("@timestamp")
            }
            ExprKind::Call(c) if matches!(c.name.as_str(), "kql" | "qstr") => self.every = true,
            _ => {}
        }
        e.children().into_iter().for_each(|child| self.expr(child));
    }
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

    /// Compiles a value expression (a `BY` key such as `DATE_TRUNC(1 minute, @timestamp)`).
    pub fn compile_value(
        e: &ast::Expr,
        text: &str,
        columns: &[Column],
    ) -> Result<Predicate, Diagnostic> {
        let mut c = expr::Compiler::new(text);
        let compiled = c.expr(e, columns)?;
        Ok(Predicate {
            expr: compiled,
            columns: (0..columns.len()).map(Some).collect(),
        })
    }

    /// The value of a compiled value expression for one document.
    pub fn value(&self, docs: &Documents, doc: usize, now: i64) -> Cell {
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
        self.expr.eval(&cells, &mut ctx)
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
