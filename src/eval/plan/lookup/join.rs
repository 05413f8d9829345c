//! The join itself: `ON` resolved to comparisons of input columns with lookup fields, the
//! lookup documents indexed by their equality keys, and each row's matches.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use hashbrown::{Equivalent, HashMap};
use rustc_hash::FxBuildHasher;

use crate::diagnostic::Diagnostic;
use crate::document::value::{Cell, Type, Value};
use crate::document::{Column, Documents};
use crate::esql::ast::{self, BinaryOp, ExprKind};
use crate::eval::expr::{error, find, CExpr, Compiler, Ctx};
use crate::eval::fold::Constant;
use crate::span::Span;

use super::term::Term;
use super::{IndexedNumeric, E_JOIN_COLUMN, E_JOIN_TYPE, E_UNKNOWN_LOOKUP};

/// The detail line of the multivalued-key warning, as Elasticsearch words it.
const MULTI_VALUE: &str = "java.lang.IllegalArgumentException: LOOKUP JOIN encountered multi-value";

/// One comparison of the join: input column `left` `op` lookup field `right`, an equality
/// keyed as the lookup field's term query when its indexed numeric type is known.
#[derive(Clone, Copy, Debug)]
struct Predicate {
    left: usize,
    op: BinaryOp,
    right: usize,
    indexed: Option<IndexedNumeric>,
}

impl Predicate {
    /// The equality key of a value on either side; `None` when it can match nothing.
    fn key<'v>(&self, v: &'v Value) -> Option<Key<'v>> {
        match self.indexed {
            Some(kind) => kind.term(v).map(Key::Term),
            None => Some(key_of(v)),
        }
    }

    /// Whether `left op right` holds.
    fn holds(&self, left: &Value, right: &Value) -> bool {
        match (self.op, self.indexed) {
            (BinaryOp::Eq, Some(kind)) => {
                kind.term(left).is_some_and(|l| kind.term(right) == Some(l))
            }
            _ => holds(left, self.op, right),
        }
    }
}

/// A compiled `LOOKUP JOIN`: which input columns stay, the comparisons, and the lookup
/// documents that can match, indexed by the equality comparisons' values.
#[derive(Clone, Debug)]
pub(crate) struct JoinPlan {
    /// The input schema (a `WHERE` pushed below the join compiles against it).
    pub(in crate::eval::plan) input: Vec<Column>,
    /// Names of the lookup fields appended (a `WHERE` that reads one stays above the join).
    pub(in crate::eval::plan) added_names: Vec<String>,
    /// Input columns kept, in order.
    kept: Vec<usize>,
    /// The equality comparisons (they key `single`), then the others.
    predicates: Vec<Predicate>,
    /// The lookup fields appended: columns of `docs`.
    added: Vec<usize>,
    /// Documents whose compared fields are all single values, by their equality fields'
    /// texts, in file order.
    single: SingleIndex,
    /// Documents with a multivalued compared field: they never join, and warn when they would.
    multi: Vec<usize>,
    /// Conditions on lookup fields alone (`ON id == id_left AND other2 > 10000`), compiled
    /// against the lookup's columns.
    filter: Vec<CExpr>,
    /// Which documents pass `filter`: computed once, at the first row (it needs `NOW()`).
    passing: OnceLock<Vec<bool>>,
    docs: Arc<Documents>,
    /// The warning site: the command's text and position.
    site: u32,
}

/// Compiles `LOOKUP JOIN` over `schema` (which becomes the output schema).
pub(in crate::eval::plan) fn compile_lookup_join(
    c: &mut Compiler,
    join: &ast::LookupJoin,
    command_span: Span,
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
    let mut filter = Vec::new();
    let (mut predicates, right_keys) = match &join.condition {
        None => {
            // A key column that is the constant null joins nothing: Elasticsearch prunes the
            // join (`PruneLeftJoinOnNullMatchingField`), which the lost-`SORT` warning sees.
            let null_key = join
                .on
                .iter()
                .any(|name| c.constants.get(&name.name) == Some(&Constant::Value(Cell::Null)));
            if null_key {
                c.purged_joins.push(command_span);
            }
            field_predicates(&join.on, schema, &docs)?
        }
        Some(condition) => {
            let (predicates, lookup_only) = expression_predicates(condition, schema, &docs)?;
            filter = lookup_filter(c, &lookup_only, &docs)?;
            (predicates, Vec::new())
        }
    };
    for p in &mut predicates {
        p.indexed = c
            .lookups
            .indexed_numeric(&join.index.pattern, &docs.columns[p.right].name);
    }
    // Equality comparisons first: they key the index.
    predicates.sort_by_key(|p| p.op != BinaryOp::Eq);
    let input = schema.clone();
    let (added, added_names, kept) = join_output(c, schema, &docs, &right_keys);
    let (single, multi) = index_documents(&docs, &predicates);
    Ok(JoinPlan {
        input,
        added_names,
        kept,
        predicates,
        added,
        single,
        multi,
        filter,
        passing: OnceLock::new(),
        docs,
        site: c.site(command_span),
    })
}

/// The conjuncts that read lookup fields alone, compiled against the lookup's columns; each
/// must be boolean.
fn lookup_filter(
    c: &mut Compiler,
    lookup_only: &[&ast::Expr],
    docs: &Documents,
) -> Result<Vec<CExpr>, Diagnostic> {
    let mut filter = Vec::new();
    for conjunct in lookup_only {
        let compiled = c.expr(conjunct, &docs.columns)?;
        if !matches!(compiled.ty, Type::Boolean | Type::Null) {
            return Err(error(
                E_JOIN_COLUMN,
                conjunct.span,
                format!(
                    "Condition expression needs to be boolean, found [{}]",
                    compiled.ty.name().to_ascii_uppercase()
                ),
            ));
        }
        filter.push(compiled);
    }
    Ok(filter)
}

/// Makes `schema` the join's output: the input columns the lookup fields do not replace, then
/// the lookup fields other than `right_keys`. Returns the lookup columns added, their names,
/// and the input columns kept.
fn join_output(
    c: &mut Compiler,
    schema: &mut Vec<Column>,
    docs: &Documents,
    right_keys: &[usize],
) -> (Vec<usize>, Vec<String>, Vec<usize>) {
    // The field-list form drops the lookup's keys (the input's stay); the expression form
    // keeps every lookup field.
    let added: Vec<usize> = (0..docs.columns.len())
        .filter(|i| !right_keys.contains(i))
        .collect();
    let added_names: Vec<String> = added
        .iter()
        .map(|&i| docs.columns[i].name.clone())
        .collect();
    let kept: Vec<usize> = (0..schema.len())
        .filter(|&i| !added_names.contains(&schema[i].name))
        .collect();
    let mut next: Vec<Column> = kept.iter().map(|&i| schema[i].clone()).collect();
    c.constants.project(schema, &kept, &next);
    for &i in &added {
        let column = docs.columns[i].clone();
        c.constants.forget(&column.name);
        c.computed.insert(column.name.clone());
        next.push(column);
    }
    *schema = next;
    (added, added_names, kept)
}

/// `ON a, b`: each name is an input column and a lookup field, compared for equality. Returns
/// the comparisons and the lookup key fields (left out of the output).
fn field_predicates(
    on: &[ast::Name],
    schema: &[Column],
    docs: &Documents,
) -> Result<(Vec<Predicate>, Vec<usize>), Diagnostic> {
    let mut predicates = Vec::new();
    let mut right_keys = Vec::new();
    for name in on {
        let right = docs.column(&name.name);
        let left = find(schema, &name.name);
        let (Some(left), Some(right)) = (left, right) else {
            // Elasticsearch checks the right side first and reports both when both miss.
            let mut sides = Vec::new();
            if right.is_none() {
                sides.push(format!(
                    "Unknown column [{}] in right side of join",
                    name.name
                ));
            }
            if left.is_none() {
                sides.push(format!(
                    "Unknown column [{}] in left side of join",
                    name.name
                ));
            }
            return Err(error(E_JOIN_COLUMN, name.span, sides.join(", ")));
        };
        check_key_types(name.span, &schema[left], &docs.columns[right])?;
        predicates.push(Predicate {
            left,
            op: BinaryOp::Eq,
            right,
            indexed: None,
        });
        right_keys.push(right);
    }
    Ok((predicates, right_keys))
}

/// `ON a == b AND c >= d`: each comparison names an input column on one side and a lookup
/// field on the other; a name may exist in only one of them (Elasticsearch's rule; `RENAME`
/// resolves a clash). A conjunct that reads lookup fields alone (`other2 > 10000`, `other1
/// LIKE "*ta"`, `MATCH(other1, "beta")`, an `OR` of such) is returned apart: Elasticsearch
/// runs it as a query on the lookup index (`lookup_join_with_full_text_function`).
fn expression_predicates<'e>(
    condition: &'e ast::Expr,
    schema: &[Column],
    docs: &Documents,
) -> Result<(Vec<Predicate>, Vec<&'e ast::Expr>), Diagnostic> {
    let mut conjuncts = Vec::new();
    super::flatten_and(condition, &mut conjuncts);
    let mut predicates = Vec::new();
    let mut lookup_only = Vec::new();
    for conjunct in conjuncts {
        let mut names = Vec::new();
        super::column_names(conjunct, &mut names);
        if names
            .iter()
            .all(|n| docs.column(n).is_some() && find(schema, n).is_none())
        {
            lookup_only.push(conjunct);
            continue;
        }
        let unsupported = || {
            error(
                E_JOIN_COLUMN,
                conjunct.span,
                "unsupported LOOKUP JOIN condition: rulegate joins on comparisons of an input column with a lookup field (`==`, `!=`, `<`, `<=`, `>`, `>=`) joined by AND",
            )
        };
        let ExprKind::Binary { op, left, right } = &conjunct.kind else {
            return Err(unsupported());
        };
        if !matches!(
            op,
            BinaryOp::Eq
                | BinaryOp::Neq
                | BinaryOp::Lt
                | BinaryOp::Lte
                | BinaryOp::Gt
                | BinaryOp::Gte
        ) {
            return Err(unsupported());
        }
        let (ExprKind::Column(a), ExprKind::Column(b)) = (&left.kind, &right.kind) else {
            return Err(unsupported());
        };
        let side = |n: &ast::Name| -> Result<(Option<usize>, Option<usize>), Diagnostic> {
            let l = find(schema, &n.name);
            let r = docs.column(&n.name);
            match (l, r) {
                (None, None) => Err(error(
                    E_JOIN_COLUMN,
                    n.span,
                    format!("Unknown column [{}]", n.name),
                )),
                (Some(_), Some(_)) => Err(error(
                    E_JOIN_COLUMN,
                    n.span,
                    format!(
                        "Ambiguous field [{}] in LOOKUP JOIN condition: it exists in the input and in the lookup index; RENAME it",
                        n.name
                    ),
                )),
                other => Ok(other),
            }
        };
        let predicate = match (side(a)?, side(b)?) {
            ((Some(l), None), (None, Some(r))) => Predicate {
                left: l,
                op: *op,
                right: r,
                indexed: None,
            },
            // `lookup_field op input_column`: the same comparison seen from the input side.
            ((None, Some(r)), (Some(l), None)) => Predicate {
                left: l,
                op: op.swapped(),
                right: r,
                indexed: None,
            },
            _ => return Err(unsupported()),
        };
        check_key_types(
            conjunct.span,
            &schema[predicate.left],
            &docs.columns[predicate.right],
        )?;
        predicates.push(predicate);
    }
    Ok((predicates, lookup_only))
}

/// Elasticsearch's `comparableTypes`: numeric types join each other when they have a common
/// type (`integer`, `long`, `double`; not `unsigned_long` with a signed one), any other type
/// only itself (`text` counting as `keyword`); and its `UNSUPPORTED_TYPES` on the lookup side.
fn check_key_types(span: Span, left: &Column, right: &Column) -> Result<(), Diagnostic> {
    let no_text = |t: Type| if t == Type::Text { Type::Keyword } else { t };
    let upper = |t: Type| t.name().to_ascii_uppercase();
    let comparable = if left.ty.is_numeric() && right.ty.is_numeric() {
        (left.ty == Type::UnsignedLong) == (right.ty == Type::UnsignedLong)
    } else {
        no_text(left.ty) == no_text(right.ty)
    };
    if !comparable {
        return Err(error(
            E_JOIN_TYPE,
            span,
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
            span,
            format!(
                "JOIN with right field [{}] of type [{}] is not supported",
                right.name,
                upper(right.ty)
            ),
        ));
    }
    Ok(())
}

/// An equality key: what two values must share to be equal on a join field. Keys are values,
/// not texts, and strings are borrowed, so that keying an input row allocates nothing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key<'v> {
    /// The term of a lookup field whose indexed numeric type is known.
    Term(Term),
    /// An `integer`, a `long`, or a whole `double` below 9e15: by its value, so that 1, 1 and
    /// 1.0 are one key. No other value's text reads as a whole number (a `double`'s has a
    /// point or an exponent), so no such key equals a `Text` one, as with texts before.
    Whole(i64),
    /// Any other value, by its text (the key types were checked to be comparable).
    Text(Cow<'v, str>),
}

impl Key<'_> {
    fn into_owned(self) -> Key<'static> {
        match self {
            Key::Term(t) => Key::Term(t),
            Key::Whole(n) => Key::Whole(n),
            Key::Text(t) => Key::Text(Cow::Owned(t.into_owned())),
        }
    }
}

/// An input row's keys, looked up in the index without being copied into a key vector of
/// its own: it hashes and compares as that vector would.
struct Probe<'k, 'v>(&'k [Key<'v>]);

impl Hash for Probe<'_, '_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // `Vec<T>` hashes as its slice.
        self.0.hash(state)
    }
}

impl Equivalent<Vec<Key<'static>>> for Probe<'_, '_> {
    fn equivalent(&self, key: &Vec<Key<'static>>) -> bool {
        self.0 == key.as_slice()
    }
}

/// Lookup documents by their equality keys. Which document comes first is decided by file
/// order (the lists), never by the map's order, so a fast hasher changes no output.
type SingleIndex = HashMap<Vec<Key<'static>>, Vec<usize>, FxBuildHasher>;

/// Lookup documents by the values of their equality fields; those with a multivalued compared
/// field apart; those with a null compared field left out (they can never match).
fn index_documents(docs: &Documents, predicates: &[Predicate]) -> (SingleIndex, Vec<usize>) {
    let mut single = SingleIndex::default();
    let mut multi = Vec::new();
    for doc in 0..docs.len() {
        let row = docs.row(doc);
        let cells: Vec<&Cell> = predicates.iter().map(|p| &row[p.right]).collect();
        if cells.iter().any(|c| c.is_null()) {
            continue;
        }
        if cells.iter().all(|c| matches!(c, Cell::One(_))) {
            // A value the field's term query can never produce (a float beyond the half-float
            // range) keys nothing.
            let key: Option<Vec<Key<'static>>> = predicates
                .iter()
                .zip(&cells)
                .filter(|(p, _)| p.op == BinaryOp::Eq)
                .map(|(p, c)| {
                    c.values()
                        .first()
                        .and_then(|v| p.key(v))
                        .map(Key::into_owned)
                })
                .collect();
            if let Some(key) = key {
                single.entry(key).or_default().push(doc);
            }
        } else {
            multi.push(doc);
        }
    }
    (single, multi)
}

/// A value's equality key: numbers by their numeric value, so that an `integer` 1, a `long` 1
/// and a `double` 1.0 are one key (the key types were checked to be comparable).
fn key_of(v: &Value) -> Key<'_> {
    match v {
        Value::Integer(i) => Key::Whole((*i).into()),
        Value::Long(i) => Key::Whole(*i),
        Value::Double(d) if d.fract() == 0.0 && d.abs() < 9.0e15 => Key::Whole(*d as i64),
        Value::String(s) | Value::Version(s) => Key::Text(Cow::Borrowed(&**s)),
        other => Key::Text(Cow::Owned(other.to_text())),
    }
}

/// Whether `left op right` holds (same-typed values: the key types were checked).
fn holds(left: &Value, op: BinaryOp, right: &Value) -> bool {
    let order = left.compare(right);
    match op {
        BinaryOp::Eq => key_of(left) == key_of(right),
        BinaryOp::Neq => key_of(left) != key_of(right),
        BinaryOp::Lt => order.is_lt(),
        BinaryOp::Lte => order.is_le(),
        BinaryOp::Gt => order.is_gt(),
        BinaryOp::Gte => order.is_ge(),
        _ => false,
    }
}

impl JoinPlan {
    /// The rows one input row becomes: one per matching lookup document, or itself with nulls.
    pub(in crate::eval::plan) fn join(&self, row: Vec<Cell>, ctx: &mut Ctx) -> Vec<Vec<Cell>> {
        let matches = self.matches(&row, ctx);
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

    /// Which lookup documents pass the lookup-only conditions (empty when there are none).
    /// Their warnings are dropped: Elasticsearch evaluates them as a query on the lookup index,
    /// which reports none in the spec files (`lookupJoinWithLikeCondition`).
    fn passing_documents(&self, now: i64) -> Vec<bool> {
        if self.filter.is_empty() {
            return Vec::new();
        }
        let mut warnings = crate::eval::warnings::Warnings::default();
        let mut ctx = Ctx {
            now,
            warnings: &mut warnings,
        };
        (0..self.docs.len())
            .map(|doc| {
                let row = self.docs.row(doc);
                self.filter
                    .iter()
                    .all(|f| matches!(f.eval(row, &mut ctx), Cell::One(Value::Boolean(true))))
            })
            .collect()
    }

    /// The lookup documents a row joins with, in file order. A multivalued input key, or a
    /// lookup document with a multivalued field that would match, warns and joins nothing.
    fn matches(&self, row: &[Cell], ctx: &mut Ctx) -> Vec<usize> {
        let mut left = Vec::with_capacity(self.predicates.len());
        for p in &self.predicates {
            match &row[p.left] {
                Cell::Null => return Vec::new(),
                Cell::Many(_) => {
                    ctx.warn(self.site, MULTI_VALUE);
                    return Vec::new();
                }
                Cell::One(v) => left.push(v),
            }
        }
        let key: Option<Vec<Key>> = self
            .predicates
            .iter()
            .zip(&left)
            .filter(|(p, _)| p.op == BinaryOp::Eq)
            .map(|(p, v)| p.key(v))
            .collect();
        // A key the lookup field's term query refuses (out of range, a decimal part on an
        // integral field) matches nothing.
        let Some(key) = key else {
            return Vec::new();
        };
        let candidates: Cow<[usize]> = if key.is_empty() {
            let mut all: Vec<usize> = self.single.values().flatten().copied().collect();
            all.sort_unstable();
            Cow::Owned(all)
        } else {
            let found = self.single.get(&Probe(&key));
            Cow::Borrowed(found.map_or(&[][..], Vec::as_slice))
        };
        let passing = self.passing.get_or_init(|| self.passing_documents(ctx.now));
        let satisfies = |doc: usize, any_value: bool| {
            if !passing.is_empty() && !passing[doc] {
                return false;
            }
            let lookup = self.docs.row(doc);
            self.predicates.iter().zip(&left).all(|(p, l)| {
                let values = lookup[p.right].values();
                if any_value {
                    values.iter().any(|r| p.holds(l, r))
                } else {
                    values.first().is_some_and(|r| p.holds(l, r))
                }
            })
        };
        if self.multi.iter().any(|&doc| satisfies(doc, true)) {
            ctx.warn(self.site, MULTI_VALUE);
        }
        candidates
            .iter()
            .copied()
            .filter(|&doc| satisfies(doc, false))
            .collect()
    }
}
