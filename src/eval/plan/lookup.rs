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
//! - keys must have the same type (`text` counts as `keyword`), and the lookup side may not be
//!   `text`, `version`, `unsigned_long`, `date_nanos` or `null`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, RwLock};

use crate::diagnostic::Diagnostic;
use crate::document::value::{Cell, Type};
use crate::document::{Column, Documents, FieldSelection, LoadOptions};
use crate::esql::ast;
use crate::eval::expr::{error, find, Compiler, Ctx};

/// `Unknown index [name]`: no lookup index of that name was given.
pub const E_UNKNOWN_LOOKUP: &str = "E310";
/// `Unknown column [f] in right/left side of join`.
pub const E_JOIN_COLUMN: &str = "E311";
/// Join keys of incompatible types, or a lookup key of a type Elasticsearch cannot join on.
pub const E_JOIN_TYPE: &str = "E312";
/// A lookup file that cannot be read, is not NDJSON, or is over its caps.
pub const E_LOOKUP_FILE: &str = "E313";

/// The detail line of the multivalued-key warning, as Elasticsearch words it.
const MULTI_VALUE: &str = "java.lang.IllegalArgumentException: LOOKUP JOIN encountered multi-value";

/// Lookup indices a query may join with, by name.
#[derive(Clone, Debug, Default)]
pub struct Lookups {
    indices: BTreeMap<String, Arc<Documents>>,
}

impl Lookups {
    /// Adds (or replaces) the lookup index `name`.
    pub fn insert(&mut self, name: impl Into<String>, docs: Documents) {
        self.indices.insert(name.into(), Arc::new(docs));
    }

    pub fn get(&self, name: &str) -> Option<&Arc<Documents>> {
        self.indices.get(name)
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
        let file = std::fs::File::open(path)
            .map_err(|e| fail(format!("cannot read lookup index [{name}]: {e}")))?;
        let selection = FieldSelection {
            all: true,
            ..FieldSelection::default()
        };
        let docs = Documents::from_ndjson(
            std::io::BufReader::new(file),
            &selection,
            LoadOptions {
                want_ids: false,
                ..LoadOptions::default()
            },
        )
        .map_err(|e| {
            fail(format!(
                "lookup index [{name}], line {}: {}",
                e.line, e.message
            ))
        })?;
        let max_rows = crate::limits::MAX_LOOKUP_ROWS;
        if docs.len() > max_rows {
            return Err(fail(format!(
                "lookup index [{name}] has {} documents, over the cap of {max_rows}",
                docs.len()
            )));
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

/// A compiled `LOOKUP JOIN`: which input columns stay, the key columns, and the lookup rows
/// that can match, by key.
#[derive(Clone, Debug)]
pub(crate) struct JoinPlan {
    /// The input schema (a `WHERE` pushed below the join compiles against it).
    pub(super) input: Vec<Column>,
    /// Names of the lookup fields appended (a `WHERE` that reads one stays above the join).
    added_names: Vec<String>,
    /// Input columns kept, in order.
    kept: Vec<usize>,
    /// The input's key columns.
    keys: Vec<usize>,
    /// The lookup fields appended: columns of `docs`.
    added: Vec<usize>,
    /// Lookup documents with single-valued keys, by key text, in file order.
    single: HashMap<Vec<String>, Vec<usize>>,
    /// Lookup documents with a multivalued key: each key's value texts.
    multi: MultiIndex,
    docs: Arc<Documents>,
    /// The warning site: the command's text and position.
    site: u32,
}

/// Compiles `LOOKUP JOIN` over `schema` (which becomes the output schema).
pub(super) fn compile_lookup_join(
    c: &mut Compiler,
    join: &ast::LookupJoin,
    command_span: crate::span::Span,
    schema: &mut Vec<Column>,
) -> Result<JoinPlan, Diagnostic> {
    let docs = c.lookups.get(&join.index.pattern).cloned().ok_or_else(|| {
        error(
            E_UNKNOWN_LOOKUP,
            join.index.span,
            format!("Unknown index [{}]", join.index.pattern),
        )
        .with_help(
            "give the lookup index with `--lookup NAME=FILE` or under `[lookups]` in rulegate.toml",
        )
    })?;
    let mut keys = Vec::new();
    let mut right_keys = Vec::new();
    for name in &join.on {
        let right = docs.column(&name.name);
        let left = find(schema, &name.name);
        let (left, right) = match (left, right) {
            (Some(l), Some(r)) => (l, r),
            (l, r) => {
                let mut sides = Vec::new();
                if r.is_none() {
                    sides.push(format!(
                        "Unknown column [{}] in right side of join",
                        name.name
                    ));
                }
                if l.is_none() {
                    sides.push(format!(
                        "Unknown column [{}] in left side of join",
                        name.name
                    ));
                }
                return Err(error(E_JOIN_COLUMN, name.span, sides.join(", ")));
            }
        };
        check_key_types(name, &schema[left], &docs.columns[right])?;
        keys.push(left);
        right_keys.push(right);
    }
    let added: Vec<usize> = (0..docs.columns.len())
        .filter(|i| !right_keys.contains(i))
        .collect();
    let added_names: Vec<&str> = added
        .iter()
        .map(|&i| docs.columns[i].name.as_str())
        .collect();
    let kept: Vec<usize> = (0..schema.len())
        .filter(|&i| !added_names.contains(&schema[i].name.as_str()))
        .collect();
    let input = schema.clone();
    let added_names: Vec<String> = added_names.iter().map(|n| n.to_string()).collect();
    let mut next: Vec<Column> = kept.iter().map(|&i| schema[i].clone()).collect();
    c.constants.project(schema, &kept, &next);
    for &i in &added {
        let column = docs.columns[i].clone();
        c.constants.forget(&column.name);
        c.computed.insert(column.name.clone());
        next.push(column);
    }
    *schema = next;
    let (single, multi) = index_documents(&docs, &right_keys);
    Ok(JoinPlan {
        input,
        added_names,
        kept,
        keys,
        added,
        single,
        multi,
        docs,
        site: c.site(command_span),
    })
}

/// Elasticsearch's `comparableTypes` (`text` and `keyword` are one) and `UNSUPPORTED_TYPES`.
fn check_key_types(name: &ast::Name, left: &Column, right: &Column) -> Result<(), Diagnostic> {
    let no_text = |t: Type| if t == Type::Text { Type::Keyword } else { t };
    let upper = |t: Type| t.name().to_ascii_uppercase();
    if no_text(left.ty) != no_text(right.ty) {
        return Err(error(
            E_JOIN_TYPE,
            name.span,
            format!(
                "JOIN left field [{}] of type [{}] is incompatible with right field [{}] of type [{}]",
                left.name,
                upper(left.ty),
                right.name,
                upper(right.ty)
            ),
        ));
    }
    if matches!(
        right.ty,
        Type::Text | Type::Version | Type::UnsignedLong | Type::Null
    ) {
        return Err(error(
            E_JOIN_TYPE,
            name.span,
            format!(
                "JOIN with right field [{}] of type [{}] is not supported",
                right.name,
                upper(right.ty)
            ),
        ));
    }
    Ok(())
}

type SingleIndex = HashMap<Vec<String>, Vec<usize>>;
/// Lookup documents with a multivalued key: the document and each key's value texts.
type MultiIndex = Vec<(usize, Vec<Vec<String>>)>;

/// Lookup documents by key: those whose keys are all single values in a hash map, those with a
/// multivalued key apart; documents with a null key can never match and are left out.
fn index_documents(
    docs: &Documents,
    right_keys: &[usize],
) -> (SingleIndex, MultiIndex) {
    let mut single: SingleIndex = HashMap::new();
    let mut multi = Vec::new();
    for doc in 0..docs.len() {
        let row = docs.row(doc);
        let cells: Vec<&Cell> = right_keys.iter().map(|&k| &row[k]).collect();
        if cells.iter().any(|c| c.is_null()) {
            continue;
        }
        if cells.iter().all(|c| matches!(c, Cell::One(_))) {
            let key = cells.iter().map(|c| key_text(c.values())).collect();
            single.entry(key).or_default().push(doc);
        } else {
            let values = cells
                .iter()
                .map(|c| c.values().iter().map(|v| v.to_text()).collect())
                .collect();
            multi.push((doc, values));
        }
    }
    (single, multi)
}

fn key_text(values: &[crate::document::value::Value]) -> String {
    values.first().map(|v| v.to_text()).unwrap_or_default()
}

impl JoinPlan {
    /// The rows one input row becomes: one per matching lookup document, or itself with nulls.
    pub(super) fn join(&self, row: Vec<Cell>, ctx: &mut Ctx) -> Vec<Vec<Cell>> {
        let mut matches: Vec<usize> = Vec::new();
        let key_cells: Vec<&Cell> = self.keys.iter().map(|&k| &row[k]).collect();
        if key_cells.iter().any(|c| matches!(c, Cell::Many(_))) {
            ctx.warn(self.site, MULTI_VALUE);
        } else if key_cells.iter().all(|c| matches!(c, Cell::One(_))) {
            let key: Vec<String> = key_cells.iter().map(|c| key_text(c.values())).collect();
            if let Some(found) = self.single.get(&key) {
                matches.extend(found);
            }
            // A lookup document with a multivalued key that would match is not joined.
            let hits_multi = self
                .multi
                .iter()
                .any(|(_, values)| values.iter().zip(&key).all(|(vs, k)| vs.contains(k)));
            if hits_multi {
                ctx.warn(self.site, MULTI_VALUE);
            }
        }
        let kept: Vec<Cell> = self.kept.iter().map(|&i| row[i].clone()).collect();
        if matches.is_empty() {
            let mut out = kept;
            out.extend(self.added.iter().map(|_| Cell::Null));
            return vec![out];
        }
        matches
            .into_iter()
            .map(|doc| {
                let lookup = self.docs.row(doc);
                let mut out = kept.clone();
                out.extend(self.added.iter().map(|&i| lookup[i].clone()));
                out
            })
            .collect()
    }
}

/// Elasticsearch's `WarnLostSortOrder`: the nearest `SORT` below a `LOOKUP JOIN` (reading the
/// pipeline from its end) draws a warning, since the join does not promise to keep the order;
/// a `SORT` after the join settles it. rulegate's join keeps the order, so only the warning is
/// Elasticsearch's. A `STATS` in between ends the search: Elasticsearch prunes a `SORT` an
/// aggregation consumes before this rule sees the plan.
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
            ast::CommandKind::LookupJoin(_) => seen_join = true,
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

fn flatten_and<'e>(e: &'e ast::Expr, out: &mut Vec<&'e ast::Expr>) {
    match &e.kind {
        ast::ExprKind::And(a, b) => {
            flatten_and(a, out);
            flatten_and(b, out);
        }
        _ => out.push(e),
    }
}

/// Every column an expression names.
fn column_names<'e>(e: &'e ast::Expr, out: &mut Vec<&'e str>) {
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
