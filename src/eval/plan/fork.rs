//! `FORK`: each branch's pipeline over the same input rows, outputs appended in branch order
//! with a `_fork` column (`fork1`, `fork2`, …) and the union of the branches' columns.
//!
//! As Elasticsearch's `Fork` (fork.csv-spec): a branch without a `LIMIT` gets the default one;
//! the output columns are those of the first branch, then each later branch's new ones, in
//! order of first appearance (`_fork` closes each branch's own list); a column a branch lacks
//! is null in its rows; a column two branches give different types is an error.

use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::document::value::{Cell, Type, Value};
use crate::esql::ast::ForkBranch;
use crate::eval::expr::{error, CExpr, Compiler, Ctx, Kind};
use crate::eval::fold::Constants;
use crate::eval::Column;

use super::{bind_top_n, compile_command, run_step, Step, DEFAULT_LIMIT};

/// One compiled branch: its steps, and for each output column the branch column it reads.
#[derive(Clone, Debug)]
pub(crate) struct ForkPlan {
    steps: Vec<Step>,
    columns: Vec<Option<usize>>,
}

/// Compiles the branches over `schema`; returns the output columns and the branch plans.
pub(super) fn compile_fork(
    c: &mut Compiler,
    branches: &[ForkBranch],
    text: &str,
    schema: &[Column],
    notes: &mut Vec<String>,
) -> Result<(Vec<Column>, Vec<ForkPlan>), Diagnostic> {
    let constants = c.constants.clone();
    let computed = c.computed.clone();
    let mut outputs: Vec<(Vec<Column>, Vec<Step>)> = Vec::new();
    for (n, branch) in branches.iter().enumerate() {
        c.constants = constants.clone();
        outputs.push(compile_branch(c, n, branch, text, schema, notes)?);
    }
    let union = union_columns(branches, &outputs)?;
    let plans = outputs
        .into_iter()
        .map(|(columns, steps)| ForkPlan {
            columns: union
                .iter()
                .map(|u| columns.iter().position(|c| c.name == u.name))
                .collect(),
            steps,
        })
        .collect();
    // After FORK every column is computed by it, and none is a known constant.
    c.constants = Constants::new();
    c.computed = computed;
    c.computed.extend(union.iter().map(|col| col.name.clone()));
    Ok((union, plans))
}

/// Compiles branch `n` (from 0) over `schema`: its columns and steps, a default `LIMIT` added
/// when it has none and its `_fork` label last.
fn compile_branch(
    c: &mut Compiler,
    n: usize,
    branch: &ForkBranch,
    text: &str,
    schema: &[Column],
    notes: &mut Vec<String>,
) -> Result<(Vec<Column>, Vec<Step>), Diagnostic> {
    let mut columns = schema.to_vec();
    let mut steps = Vec::new();
    let mut has_limit = false;
    for command in &branch.commands {
        if matches!(command.kind, crate::esql::ast::CommandKind::Fork(_)) {
            return Err(error(
                "E302",
                command.span,
                "Only a single FORK command is supported, but found multiple",
            ));
        }
        compile_command(
            c,
            command,
            text,
            &mut columns,
            &mut steps,
            notes,
            &mut has_limit,
        )?;
    }
    if !has_limit {
        bind_top_n(&mut steps, DEFAULT_LIMIT);
        steps.push(Step::Limit(DEFAULT_LIMIT));
    }
    let site = c.site(branch.span);
    let label = CExpr {
        kind: Kind::Literal(Cell::One(Value::String(Arc::from(format!(
            "fork{}",
            n + 1
        ))))),
        ty: Type::Keyword,
        site,
    };
    let existing = columns.iter().position(|col| col.name == "_fork");
    steps.push(Step::Eval(vec![(label, existing)]));
    if let Some(i) = existing {
        columns.remove(i);
    }
    columns.push(Column {
        name: "_fork".into(),
        ty: Type::Keyword,
    });
    Ok((columns, steps))
}

/// The output columns: the union of the branches' columns, in order of first appearance.
fn union_columns(
    branches: &[ForkBranch],
    outputs: &[(Vec<Column>, Vec<Step>)],
) -> Result<Vec<Column>, Diagnostic> {
    // The union, in order of first appearance; the same name must have one type.
    let mut union: Vec<Column> = Vec::new();
    for (columns, _) in outputs {
        for col in columns {
            match union.iter().find(|u| u.name == col.name) {
                Some(u) if u.ty != col.ty && u.ty != Type::Null && col.ty != Type::Null => {
                    return Err(error(
                        "E302",
                        branches[0].span.to(branches[branches.len() - 1].span),
                        format!(
                            "Column [{}] has conflicting data types in FORK branches: [{}] and [{}]",
                            col.name,
                            u.ty.name().to_ascii_uppercase(),
                            col.ty.name().to_ascii_uppercase()
                        ),
                    ))
                }
                Some(_) => {}
                None => union.push(col.clone()),
            }
        }
    }
    // A null-typed column takes the type another branch gives it.
    for u in &mut union {
        if u.ty == Type::Null {
            if let Some(t) = outputs
                .iter()
                .flat_map(|(cols, _)| cols.iter())
                .find(|c| c.name == u.name && c.ty != Type::Null)
            {
                u.ty = t.ty;
            }
        }
    }
    Ok(union)
}

/// Runs every branch over a copy of the rows and appends their outputs in branch order.
pub(super) fn run_fork(
    branches: &[ForkPlan],
    table: Vec<Vec<Cell>>,
    ctx: &mut Ctx,
) -> Vec<Vec<Cell>> {
    let mut out = Vec::new();
    for branch in branches {
        let mut rows = table.clone();
        for step in &branch.steps {
            rows = run_step(step, rows, ctx);
        }
        out.extend(rows.into_iter().map(|row| {
            branch
                .columns
                .iter()
                .map(|i| i.map_or(Cell::Null, |i| row[i].clone()))
                .collect::<Vec<_>>()
        }));
    }
    out
}
