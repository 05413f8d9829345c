//! `LOOKUP JOIN`: lookup indices given as files, and the left outer join of rows with them.
//!
//! Semantics follow Elasticsearch's `Join` (`computeOutput`, `postAnalysisVerification`) and
//! its lookup operator, as `lookup-join.csv-spec` pins them down:
//! - the output is the input's columns minus those a lookup field of the same name overrides,
//!   then the lookup index's fields minus the join keys (the key keeps the input's value);
//! - each input row is repeated once per matching lookup document, in the lookup file's order;
//!   a row that matches nothing stays once, with nulls in the lookup fields;
//! - a null key matches nothing; a multivalued key on either side matches nothing and warns
//!   `LOOKUP JOIN encountered multi-value` (the input row stays, with nulls);
//! - numeric keys join by value; a lookup field whose indexed numeric type is known
//!   (`byte` … `scaled_float`, [`Lookups::set_indexed_numeric`]) joins on the key converted as
//!   that field's term query converts it (`term.rs`); other keys must have the same type
//!   (`text` counts as `keyword`), and the lookup side may not be
//!   `text`, `version`, `unsigned_long` or `null`;
//! - `ON a == b AND c >= d` compares input columns with lookup fields and keeps every lookup
//!   field (the expression form, `join.rs`).
//!
//! This file owns the lookup indices (files, the process registry) and the plan rewrites around
//! the join (the lost-`SORT` warning, the `WHERE` pushed below it); `join.rs` the join.

mod join;
mod term;

pub(super) use join::compile_lookup_join;
pub(crate) use join::JoinPlan;
pub use term::IndexedNumeric;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use crate::diagnostic::Diagnostic;
use crate::document::{Documents, FieldSelection, LoadOptions};
use crate::esql::ast;
use crate::eval::expr::Compiler;

/// `Unknown index [name]`: no lookup index of that name was given.
pub const E_UNKNOWN_LOOKUP: &str = "E310";
/// `Unknown column [f] in right/left side of join`.
pub const E_JOIN_COLUMN: &str = "E311";
/// Join keys of incompatible types, or a lookup key of a type Elasticsearch cannot join on.
pub const E_JOIN_TYPE: &str = "E312";
/// A lookup file that cannot be read, is not NDJSON, or is over its caps.
pub const E_LOOKUP_FILE: &str = "E313";

/// Lookup indices a query may join with, by name.
#[derive(Clone, Debug, Default)]
pub struct Lookups {
    indices: BTreeMap<String, Arc<Documents>>,
    /// Per index, the numeric fields whose indexed type is known (a mapping's `half_float`,
    /// `scaled_float`, …): their join keys are converted as that type's term query does.
    numeric: BTreeMap<String, BTreeMap<String, IndexedNumeric>>,
}

impl Lookups {
    /// Adds (or replaces) the lookup index `name`.
    pub fn insert(&mut self, name: impl Into<String>, docs: Documents) {
        self.indices.insert(name.into(), Arc::new(docs));
    }

    pub fn get(&self, name: &str) -> Option<&Arc<Documents>> {
        self.indices.get(name)
    }

    /// Declares that `field` of the lookup index `index` is indexed as the numeric type `kind`.
    pub fn set_indexed_numeric(&mut self, index: &str, field: &str, kind: IndexedNumeric) {
        self.numeric
            .entry(index.to_string())
            .or_default()
            .insert(field.to_string(), kind);
    }

    /// The indexed numeric type of `field` in `index`, when declared.
    pub fn indexed_numeric(&self, index: &str, field: &str) -> Option<IndexedNumeric> {
        self.numeric.get(index)?.get(field).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.indices.keys().map(String::as_str)
    }

    /// Reads the lookup index `name` from an NDJSON file, typed by the load mapping (the
    /// shipped integration mappings and the user's), within the caps of `limits`.
    pub fn load_file(&mut self, name: &str, path: &Path) -> Result<(), Diagnostic> {
        let fail = |m: String| Diagnostic::error(E_LOOKUP_FILE, m).at_path(path);
        let max_bytes = crate::limits::MAX_LOOKUP_FILE_BYTES;
        let size = std::fs::metadata(path)
            .map_err(|e| fail(format!("cannot read lookup index [{name}]: {e}")))?
            .len();
        if size > max_bytes {
            return Err(fail(format!(
                "lookup index [{name}] is {size} bytes, over the cap of {max_bytes} bytes"
            )));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| fail(format!("cannot read lookup index [{name}]: {e}")))?;
        // Documents are counted (one a non-blank line) before any is parsed.
        let max_rows = crate::limits::MAX_LOOKUP_ROWS;
        let documents = bytes
            .split(|&b| b == b'\n')
            .filter(|line| !line.trim_ascii().is_empty())
            .count();
        if documents > max_rows {
            return Err(fail(format!(
                "lookup index [{name}] has {documents} documents, over the cap of {max_rows}"
            )));
        }
        let selection = FieldSelection {
            all: true,
            ..FieldSelection::default()
        };
        let options = LoadOptions {
            want_ids: false,
            ..LoadOptions::default()
        };
        let numeric = options.mapping.numeric.clone();
        let docs = Documents::from_ndjson(bytes.as_slice(), &selection, options).map_err(|e| {
            fail(format!(
                "lookup index [{name}], line {}: {}",
                e.line, e.message
            ))
        })?;
        // The mapping's numeric types key the join as the spec loader's mappings do: a
        // `half_float` field matches a key rounded to a half float, not the key's value.
        self.numeric.remove(name);
        for column in &docs.columns {
            let Some(field) = numeric.get(&column.name) else {
                continue;
            };
            if let Some(kind) = IndexedNumeric::from_mapping(&field.type_name, field.scaling_factor)
            {
                self.set_indexed_numeric(name, &column.name, kind);
            }
        }
        self.insert(name, docs);
        Ok(())
    }
}

/// The lookup indices the command line registered (`--lookup`, the config's `[lookups]`).
static REGISTERED: RwLock<Option<Lookups>> = RwLock::new(None);

/// Sets the lookup indices every query of this process may join with.
pub fn set_registered(lookups: Lookups) {
    let mut guard = REGISTERED
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *guard = Some(lookups);
}

/// The lookup indices registered for this process (none unless the command line set some).
pub fn registered() -> Lookups {
    let guard = REGISTERED
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    guard.clone().unwrap_or_default()
}

/// Elasticsearch's `WarnLostSortOrder`: the nearest `SORT` below a `LOOKUP JOIN` (reading the
/// pipeline from its end) draws a warning, since the join does not promise to keep the order;
/// a `SORT` after the join settles it. rulegate's join keeps the order, so only the warning is
/// Elasticsearch's. A `STATS` in between ends the search: Elasticsearch prunes a `SORT` an
/// aggregation consumes before this rule sees the plan; a join on a constant-null key
/// ([`Compiler::purged_joins`]) was pruned before it, and does not count.
pub(super) fn lost_sort_notes(c: &Compiler, commands: &[ast::Command], notes: &mut Vec<String>) {
    let mut seen_join = false;
    for command in commands.iter().rev() {
        match &command.kind {
            ast::CommandKind::Sort(_) => {
                if seen_join {
                    notes.push(format!(
                        "{}: SORT is followed by a LOOKUP JOIN which does not preserve order; \
                         add another SORT after the LOOKUP JOIN if order is required",
                        c.location(command.span)
                    ));
                }
                return;
            }
            ast::CommandKind::LookupJoin(_) if !c.purged_joins.contains(&command.span) => {
                seen_join = true
            }
            ast::CommandKind::Stats(_) => return,
            _ => {}
        }
    }
}

/// Splits the condition of a `WHERE` that directly follows a join into the conjuncts that read
/// only columns the join passes through from its input, which Elasticsearch's optimizer
/// (`PushDownAndCombineFilters`) evaluates below the join, and the rest. Which rows the join
/// sees decides which multivalued keys it warns about, so the split is observable.
pub(super) fn split_pushable<'e>(
    e: &'e ast::Expr,
    join: &JoinPlan,
) -> (Vec<&'e ast::Expr>, Vec<&'e ast::Expr>) {
    let mut conjuncts = Vec::new();
    flatten_and(e, &mut conjuncts);
    conjuncts.into_iter().partition(|conjunct| {
        let mut names = Vec::new();
        column_names(conjunct, &mut names);
        !names
            .iter()
            .any(|n| join.added_names.iter().any(|a| a == n))
    })
}

pub(super) fn flatten_and<'e>(e: &'e ast::Expr, out: &mut Vec<&'e ast::Expr>) {
    match &e.kind {
        ast::ExprKind::And(a, b) => {
            flatten_and(a, out);
            flatten_and(b, out);
        }
        _ => out.push(e),
    }
}

/// Every column an expression names.
pub(super) fn column_names<'e>(e: &'e ast::Expr, out: &mut Vec<&'e str>) {
    use ast::ExprKind as K;
    match &e.kind {
        K::Literal(_) => {}
        K::Column(n) => out.push(&n.name),
        K::Call(call) => call.args.iter().for_each(|a| column_names(a, out)),
        K::Unary { operand, .. } => column_names(operand, out),
        K::Binary { left, right, .. } | K::And(left, right) | K::Or(left, right) => {
            column_names(left, out);
            column_names(right, out);
        }
        K::Not(inner) => column_names(inner, out),
        K::In { value, list, .. } => {
            column_names(value, out);
            list.iter().for_each(|a| column_names(a, out));
        }
        K::IsNull { value, .. } | K::Cast { value, .. } => column_names(value, out),
        K::Like {
            value, patterns, ..
        } => {
            column_names(value, out);
            if let ast::LikePatterns::Expr(p) = patterns {
                column_names(p, out);
            }
        }
        K::Match { field, query } => {
            column_names(field, out);
            column_names(query, out);
        }
        K::Map(entries) => entries.iter().for_each(|m| column_names(&m.value, out)),
    }
}
