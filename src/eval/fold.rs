//! Compile-time constants: which columns `ROW`/`EVAL` bound to a constant, and folding the
//! expression pattern of `LIKE`/`RLIKE` to its text with them.
//!
//! Elasticsearch (`like_rlike_constant_expression`) accepts any expression as the pattern of a
//! single `LIKE`/`RLIKE` and lets its optimizer make it a literal: `ConstantFolding` evaluates
//! calls over literals, and `PropagateEvalFoldables` replaces a reference to a column an `EVAL`
//! bound to a foldable expression by its value. A pattern still not a literal afterwards fails
//! verification. The plan mirrors that: it tracks, command by command, which columns hold a
//! constant ([`Constants`]), and the compiler folds a pattern over them
//! ([`Compiler::constant_pattern`]).
//!
//! Elasticsearch keys the propagation on attribute ids, so a column stays constant through
//! every command that passes it on unchanged (`WHERE`, `SORT`, `LIMIT`, `KEEP`, `DROP`, `RENAME`
//! under its new name, `DISSECT`/`GROK` for the columns they do not write); a column any command
//! writes (`EVAL` of a non-constant, `MV_EXPAND`, `DISSECT`/`GROK` output, `STATS`) is not.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::esql::ast::{self, ExprKind, PatternKind};

use super::expr::{error, CExpr, Compiler, Ctx, Kind};
use super::functions::Func;
use super::lineage::Copies;
use super::warnings::Warnings;
use crate::document::value::{Cell, Type, Value};
use crate::document::Column;

/// What a constant column holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    /// Known when the query compiles.
    Value(Cell),
    /// The same in every row of one run, but it reads `NOW()`, known only when the query runs.
    PerRun,
}

/// The constant columns of one schema, by name (names are unique within a schema), and
/// which columns copy another ([`Copies`], kept up to date by the same calls).
#[derive(Clone, Debug, Default)]
pub struct Constants(BTreeMap<String, Constant>, pub Copies);

impl Constants {
    pub fn new() -> Constants {
        Constants::default()
    }

    pub fn get(&self, name: &str) -> Option<&Constant> {
        self.0.get(name)
    }

    /// Records column `name` as just written by `value`, compiled against `schema` (the schema
    /// before the column was added): constant if `value` folds, otherwise not.
    pub fn assign(&mut self, name: &str, value: &CExpr, schema: &[Column]) {
        self.1.assign(name, value, schema);
        match self.fold_nulls(value, schema) {
            Some(constant) => self.0.insert(name.to_string(), constant),
            None => self.0.remove(name),
        };
    }

    /// Forgets column `name`: a command wrote it with values that differ between rows.
    pub fn forget(&mut self, name: &str) {
        self.1.forget(name);
        self.0.remove(name);
    }

    /// After a projection (`KEEP`, `DROP`, `RENAME`): new column `k` is old column `order[k]`,
    /// now named `new[k].name`.
    pub fn project(&mut self, old: &[Column], order: &[usize], new: &[Column]) {
        self.1.project(old, order, new);
        let projected = order
            .iter()
            .zip(new)
            .filter_map(|(&i, column)| {
                let constant = self.0.get(&old[i].name)?;
                Some((column.name.clone(), constant.clone()))
            })
            .collect();
        self.0 = projected;
    }

    /// The value of `e`, compiled against `schema`, if it reads only literals and constant
    /// columns: `Constant::PerRun` if it reads `NOW()`, `None` if it reads any other column.
    pub fn fold(&self, e: &CExpr, schema: &[Column]) -> Option<Constant> {
        let mut per_run = false;
        if !self.reads_constants_only(e, schema, &mut per_run) {
            return None;
        }
        if per_run {
            return Some(Constant::PerRun);
        }
        // Only constant columns are read, so a row of their values (null elsewhere) is enough.
        let row: Vec<Cell> = schema
            .iter()
            .map(|column| match self.0.get(&column.name) {
                Some(Constant::Value(cell)) => cell.clone(),
                _ => Cell::Null,
            })
            .collect();
        // Folding warnings are the optimizer's, not the response's.
        let mut warnings = Warnings::default();
        let mut ctx = Ctx {
            now: 0,
            warnings: &mut warnings,
        };
        let value = e.eval(&row, &mut ctx);
        // A constant whose evaluation fails the query is left to fail it at run time.
        if warnings.failure.is_some() {
            return None;
        }
        Some(Constant::Value(value))
    }

    /// [`Constants::fold`] after Elasticsearch's `FoldNull` too: an operator (negation,
    /// arithmetic, comparison) with an operand that folds to null is null, whatever its other
    /// operand reads (`EVAL x = emp_no * null` binds `x` to null in
    /// `null/nullFieldArgInMultiInputAggs`). Surrogates that look at literals before the
    /// optimizer runs (`WEIGHTED_AVG`) use the plain `fold`.
    pub fn fold_nulls(&self, e: &CExpr, schema: &[Column]) -> Option<Constant> {
        if let Some(constant) = self.fold(e, schema) {
            return Some(constant);
        }
        let null_operand = matches!(e.kind, Kind::Neg(_) | Kind::Arith(..) | Kind::Compare(..))
            && e.children().into_iter().any(|operand| {
                matches!(
                    self.fold_nulls(operand, schema),
                    Some(Constant::Value(Cell::Null))
                )
            });
        null_operand.then_some(Constant::Value(Cell::Null))
    }

    fn reads_constants_only(&self, e: &CExpr, schema: &[Column], per_run: &mut bool) -> bool {
        match &e.kind {
            Kind::Column(i) => match self.0.get(&schema[*i].name) {
                Some(Constant::Value(_)) => true,
                Some(Constant::PerRun) => {
                    *per_run = true;
                    true
                }
                None => false,
            },
            Kind::Call(Func::Now, _) => {
                *per_run = true;
                true
            }
            _ => e
                .children()
                .into_iter()
                .all(|child| self.reads_constants_only(child, schema, per_run)),
        }
    }
}

impl Compiler<'_> {
    /// The text of an expression pattern of `LIKE`/`RLIKE`, folded now; errors are
    /// Elasticsearch's post-optimization verification failures, checked in its order (type,
    /// then constant, then null).
    pub fn constant_pattern(
        &mut self,
        pattern: &ast::Expr,
        kind: PatternKind,
        schema: &[Column],
    ) -> Result<String, Diagnostic> {
        let operator = kind.keyword();
        let compiled = self.expr(pattern, schema)?;
        if !matches!(compiled.ty, Type::Keyword | Type::Text) {
            return Err(error(
                "E302",
                pattern.span,
                format!(
                    "[{operator}] pattern must be a string, found [{}]",
                    compiled.ty.name()
                ),
            ));
        }
        let folded = self.constants.fold(&compiled, schema);
        match folded {
            Some(Constant::Value(Cell::One(Value::String(text)))) => Ok(text.to_string()),
            Some(Constant::Value(Cell::Null)) => Err(error(
                "E302",
                pattern.span,
                format!("[{operator}] pattern must not be null"),
            )),
            // Elasticsearch would print the folded list's Java text and match against that;
            // refusing is more useful than imitating an artefact.
            Some(Constant::Value(_)) => Err(error(
                "E302",
                pattern.span,
                format!("[{operator}] pattern must be a single value, found a multivalue"),
            )
            .with_help("a LIKE/RLIKE list form takes several literal patterns: `x LIKE (\"a*\", \"b*\")`")),
            Some(Constant::PerRun) => Err(error(
                "E304",
                pattern.span,
                format!(
                    "[{operator}] pattern depends on NOW(), which rulegate knows only when the query runs; it folds patterns when it compiles the query"
                ),
            )),
            None => {
                // Elasticsearch names a column by its name and anything else by its text.
                let received = match &pattern.kind {
                    ExprKind::Column(name) => name.name.clone(),
                    _ => pattern.span.slice(self.text).to_string(),
                };
                Err(error(
                    "E302",
                    pattern.span,
                    format!("[{operator}] pattern must be a constant, received [{received}]"),
                )
                .with_help("a pattern may be a literal, a function of literals, or a column an earlier EVAL or ROW bound to a constant"))
            }
        }
    }
}
