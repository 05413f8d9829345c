//! `STATS` and `INLINE STATS`: compiling aggregates and grouping keys, and accumulating groups.

use std::collections::HashMap;

use super::*;

/// A grouping key component: null or one value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum KeyCell {
    Null,
    Value(crate::eval::aggregate::Key),
}

impl KeyCell {
    pub(super) fn of(c: &Cell) -> KeyCell {
        match c {
            Cell::One(v) => KeyCell::Value(crate::eval::aggregate::Key(v.clone())),
            _ => KeyCell::Null,
        }
    }
}

pub(crate) struct StatsState {
    groups: HashMap<Vec<KeyCell>, usize>,
    keys: Vec<Vec<Cell>>,
    accs: Vec<Vec<Acc>>,
}

impl StatsState {
    pub(crate) fn new(plan: &StatsPlan) -> StatsState {
        let mut state = StatsState {
            groups: HashMap::new(),
            keys: Vec::new(),
            accs: Vec::new(),
        };
        if plan.groups.is_empty() {
            // Without BY there is exactly one group, even for empty input.
            state.groups.insert(Vec::new(), 0);
            state.keys.push(Vec::new());
            state.accs.push(new_accs(plan));
        }
        state
    }

    pub(super) fn add(&mut self, plan: &StatsPlan, row: &[Cell], ctx: &mut Ctx) {
        // Every combination of the values of multivalued keys is a group of its own.
        let key_cells: Vec<Cell> = plan.groups.iter().map(|g| g.eval(row, ctx)).collect();
        let mut combos: Vec<Vec<Cell>> = vec![Vec::new()];
        for cell in &key_cells {
            let options: Vec<Cell> = match cell {
                Cell::Many(vs) => {
                    let mut seen: Vec<&Value> = Vec::new();
                    let mut out = Vec::new();
                    for v in vs {
                        if !seen.iter().any(|s| s.compare(v).is_eq()) {
                            seen.push(v);
                            out.push(Cell::One(v.clone()));
                        }
                    }
                    out
                }
                other => vec![other.clone()],
            };
            combos = combos
                .into_iter()
                .flat_map(|prefix| {
                    options.iter().map(move |o| {
                        let mut p = prefix.clone();
                        p.push(o.clone());
                        p
                    })
                })
                .collect();
        }
        let args: Vec<(Cell, bool)> = plan
            .slots
            .iter()
            .map(|s| {
                let pass = s
                    .filter
                    .as_ref()
                    .is_none_or(|f| f.test(row, ctx) == Some(true));
                let arg = match (&s.arg, pass) {
                    (Some(a), true) => a.eval(row, ctx),
                    _ => Cell::Null,
                };
                (arg, pass)
            })
            .collect();
        for combo in combos {
            let key: Vec<KeyCell> = combo.iter().map(KeyCell::of).collect();
            let index = match self.groups.get(&key) {
                Some(&i) => i,
                None => {
                    let i = self.keys.len();
                    self.groups.insert(key, i);
                    self.keys.push(combo);
                    self.accs.push(new_accs(plan));
                    i
                }
            };
            for (slot, (acc, (arg, pass))) in plan
                .slots
                .iter()
                .zip(self.accs[index].iter_mut().zip(&args))
            {
                if *pass {
                    acc.add(slot.kind, arg);
                }
            }
        }
    }

    pub(super) fn finish(self, plan: &StatsPlan, ctx: &mut Ctx) -> Vec<Vec<Cell>> {
        let mut out = Vec::with_capacity(self.keys.len());
        for (key, accs) in self.keys.into_iter().zip(self.accs) {
            let mut post: Vec<Cell> = plan
                .slots
                .iter()
                .zip(accs)
                .map(|(s, acc)| acc.finish(s.kind, s.ty, ctx, s.site))
                .collect();
            post.extend(key);
            out.push(plan.outputs.iter().map(|o| o.eval(&post, ctx)).collect());
        }
        out
    }
}

pub(super) fn new_accs(plan: &StatsPlan) -> Vec<Acc> {
    plan.slots
        .iter()
        .map(|s| Acc::new(s.kind, s.input))
        .collect()
}

/// Replaces aggregate calls in `e` by references to slot columns `$agg<i>`, compiling each
/// aggregate's arguments against the input schema.
pub(super) fn extract_aggregates(
    c: &mut Compiler,
    e: &ast::Expr,
    schema: &[Column],
    filter: Option<&CExpr>,
    slots: &mut Vec<AggSlot>,
) -> Result<ast::Expr, Diagnostic> {
    let mut e = e.clone();
    rewrite(c, &mut e, schema, filter, slots)?;
    Ok(e)
}

pub(super) fn rewrite(
    c: &mut Compiler,
    e: &mut ast::Expr,
    schema: &[Column],
    filter: Option<&CExpr>,
    slots: &mut Vec<AggSlot>,
) -> Result<(), Diagnostic> {
    let span = e.span;
    match &mut e.kind {
        ExprKind::Call(call) if is_aggregate(&call.name) => {
            let slot = compile_aggregate(c, call, span, schema, filter)?;
            slots.push(slot);
            e.kind = ExprKind::Column(ast::Name {
                name: format!("$agg{}", slots.len() - 1),
                span,
            });
        }
        ExprKind::Call(call) => {
            for a in &mut call.args {
                rewrite(c, a, schema, filter, slots)?;
            }
        }
        ExprKind::Unary { operand, .. } => rewrite(c, operand, schema, filter, slots)?,
        ExprKind::Binary { left, right, .. }
        | ExprKind::And(left, right)
        | ExprKind::Or(left, right) => {
            rewrite(c, left, schema, filter, slots)?;
            rewrite(c, right, schema, filter, slots)?;
        }
        ExprKind::Not(a) | ExprKind::IsNull { value: a, .. } | ExprKind::Cast { value: a, .. } => {
            rewrite(c, a, schema, filter, slots)?
        }
        ExprKind::Like { value, .. } => rewrite(c, value, schema, filter, slots)?,
        ExprKind::In { value, list, .. } => {
            rewrite(c, value, schema, filter, slots)?;
            for item in list {
                rewrite(c, item, schema, filter, slots)?;
            }
        }
        _ => {}
    }
    Ok(())
}

pub(super) fn constant_arg(c: &mut Compiler, e: &ast::Expr) -> Result<Cell, Diagnostic> {
    let ce = c.expr(e, &[])?;
    let mut w = Warnings::default();
    let mut ctx = Ctx {
        now: 0,
        warnings: &mut w,
    };
    Ok(ce.eval(&[], &mut ctx))
}

pub(super) fn compile_aggregate(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
    schema: &[Column],
    filter: Option<&CExpr>,
) -> Result<AggSlot, Diagnostic> {
    let name = call.name.as_str();
    let site = c.site(span);
    if name == "count" && (call.star || call.args.is_empty()) {
        return Ok(AggSlot {
            kind: AggKind::CountRows,
            arg: None,
            filter: filter.cloned(),
            input: Type::Null,
            ty: Type::Long,
            site,
        });
    }
    let Some(first) = call.args.first() else {
        return Err(error(
            "E302",
            span,
            format!("function [{name}] needs an argument"),
        ));
    };
    for a in &call.args {
        if contains_aggregate(a) {
            return Err(error(
                "E302",
                a.span,
                format!(
                    "The field names in [{}] cannot be aggregations",
                    span.slice(c.text)
                ),
            ));
        }
    }
    let arg = c.expr(first, schema)?;
    let input = arg.ty;
    let kind = match name {
        "count" => AggKind::Count,
        "count_distinct" => AggKind::CountDistinct,
        "values" => AggKind::Values,
        "min" => AggKind::Min,
        "max" => AggKind::Max,
        "sum" => AggKind::Sum,
        "avg" => AggKind::Avg,
        "median" => AggKind::Median,
        "top" => {
            let limit = match call.args.get(1).map(|a| constant_arg(c, a)).transpose()? {
                Some(Cell::One(v)) => v.as_i64().unwrap_or(0).max(0) as usize,
                _ => return Err(error("E302", span, "TOP needs a constant limit")),
            };
            let desc = match call.args.get(2).map(|a| constant_arg(c, a)).transpose()? {
                Some(Cell::One(v)) => v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("desc")),
                _ => false,
            };
            AggKind::Top { limit, desc }
        }
        other => {
            return Err(error(
                "E303",
                span,
                format!("aggregate function [{other}] is not supported"),
            ))
        }
    };
    if matches!(kind, AggKind::Sum | AggKind::Avg | AggKind::Median)
        && !(input.is_numeric() || input == Type::Null)
    {
        return Err(error(
            "E302",
            first.span,
            format!(
                "argument of [{}] must be [numeric except unsigned_long or counter types], found value [{}] type [{}]",
                span.slice(c.text),
                first.span.slice(c.text),
                input.name()
            ),
        ));
    }
    let mut ty = kind.result_type(input);
    if ty == Type::Text && matches!(kind, AggKind::Min | AggKind::Max | AggKind::Top { .. }) {
        ty = Type::Keyword;
    }
    Ok(AggSlot {
        kind,
        arg: Some(arg),
        filter: filter.cloned(),
        input,
        ty,
        site,
    })
}

pub(super) fn contains_aggregate(e: &ast::Expr) -> bool {
    matches!(&e.kind, ExprKind::Call(call) if is_aggregate(&call.name))
        || e.children().into_iter().any(contains_aggregate)
}

pub(super) fn compile_stats(
    c: &mut Compiler,
    stats: &ast::Stats,
    schema: &[Column],
    notes: &mut Vec<String>,
) -> Result<StatsPlan, Diagnostic> {
    // Grouping keys, compiled against the input.
    let mut groups = Vec::new();
    let mut key_columns: Vec<Column> = Vec::new();
    for b in &stats.by {
        if contains_aggregate(&b.expr) {
            return Err(error(
                "E302",
                b.expr.span,
                "grouping key cannot contain an aggregate function",
            ));
        }
        let e = c.expr(&b.expr, schema)?;
        key_columns.push(Column {
            name: b.column_name(c.text),
            ty: e.ty,
        });
        groups.push(e);
    }
    let mut slots = Vec::new();
    let mut rewritten = Vec::new();
    for agg in &stats.aggregates {
        let filter = match &agg.filter {
            Some(f) => Some(c.boolean(f, schema)?),
            None => None,
        };
        if !contains_aggregate(&agg.field.expr) {
            return Err(error(
                "E302",
                agg.field.expr.span,
                format!(
                    "expected an aggregate function but found [{}]",
                    agg.field.expr.span.slice(c.text)
                ),
            ));
        }
        let e = extract_aggregates(c, &agg.field.expr, schema, filter.as_ref(), &mut slots)?;
        rewritten.push((agg.field.column_name(c.text), e, agg.field.span));
    }
    // Output expressions see the slots, then the keys by name.
    let mut post: Vec<Column> = slots
        .iter()
        .enumerate()
        .map(|(i, s)| Column {
            name: format!("$agg{i}"),
            ty: s.ty,
        })
        .collect();
    let slot_count = post.len();
    post.extend(key_columns.iter().cloned());
    // Candidates in output order: aggregates, then keys; the rightmost of equal names wins.
    // They read slots and keys, not the input's columns, so the input's constants are set
    // aside while they compile.
    let constants = std::mem::take(&mut c.constants);
    let compiled: Result<Vec<(String, CExpr, Span)>, Diagnostic> = rewritten
        .into_iter()
        .map(|(name, e, span)| Ok((name, c.expr(&e, &post)?, span)))
        .collect();
    c.constants = constants;
    let mut candidates = compiled?;
    for (i, (b, col)) in stats.by.iter().zip(&key_columns).enumerate() {
        let site = c.site(b.span);
        candidates.push((
            col.name.clone(),
            CExpr {
                kind: Kind::Column(slot_count + i),
                ty: col.ty,
                site,
            },
            b.span,
        ));
    }
    let mut outputs = Vec::new();
    let mut columns = Vec::new();
    for (i, (name, e, span)) in candidates.iter().enumerate() {
        // Every shadowed field names the one that wins: the rightmost of its name.
        if let Some((_, _, later)) = candidates[i + 1..].iter().rev().find(|(n, _, _)| n == name) {
            let here = c.location(*span);
            let there = c.location(*later).replacen("Line", "line", 1);
            notes.push(format!(
                "{here}: Field '{name}' shadowed by field at {there}"
            ));
            continue;
        }
        outputs.push(e.clone());
        columns.push(Column {
            name: name.clone(),
            ty: e.ty,
        });
    }
    Ok(StatsPlan {
        groups,
        slots,
        outputs,
        columns,
    })
}
