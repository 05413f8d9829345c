//! `STATS` and `INLINE STATS`: compiling aggregates and grouping keys, and accumulating groups.

use std::collections::HashMap;

use super::*;
use crate::eval::fold::{Constant, Constants};

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
        let key_cells = plan.key_cells(row, ctx);
        let mut combos: Vec<Vec<Cell>> = vec![Vec::new()];
        for (i, cell) in key_cells.iter().enumerate() {
            // A copy of an earlier key takes that key's value in each combination.
            if let Some(leader) = plan.follows[i] {
                for combo in &mut combos {
                    combo.push(combo[leader].clone());
                }
                continue;
            }
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
        // Aggregates and their filters see the input row followed by the aliased keys.
        let extended;
        let row: &[Cell] = if plan.aliased.is_empty() {
            row
        } else {
            let mut r = row.to_vec();
            r.extend(plan.aliased.iter().map(|&i| key_cells[i].clone()));
            extended = r;
            &extended
        };
        let args: Vec<(Cell, Option<Cell>, bool)> = plan
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
                let by = s.by.as_ref().filter(|_| pass).map(|b| b.eval(row, ctx));
                (arg, by, pass)
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
            for (slot, (acc, (arg, by, pass))) in plan
                .slots
                .iter()
                .zip(self.accs[index].iter_mut().zip(&args))
            {
                match (pass, by) {
                    (false, _) => {}
                    (true, Some(by)) => acc.add_by(slot.kind, arg, by),
                    (true, None) => acc.add(slot.kind, arg),
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
    if let ExprKind::Call(call) = &e.kind {
        if call.name == "weighted_avg" && call.args.len() == 2 {
            *e = weighted_avg_surrogate(c, call, span, schema)?;
        }
    }
    // `EARLIEST(x)` and `LATEST(x)` are `FIRST(x, @timestamp)` and `LAST(x, @timestamp)`.
    if let ExprKind::Call(call) = &mut e.kind {
        if matches!(call.name.as_str(), "earliest" | "latest") && call.args.len() == 1 {
            call.name = if call.name == "earliest" {
                "first"
            } else {
                "last"
            }
            .into();
            call.args.push(ast::Expr {
                kind: ExprKind::Column(ast::Name {
                    name: "@timestamp".into(),
                    span,
                }),
                span,
            });
        }
    }
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

/// `WEIGHTED_AVG(x, w)` as Elasticsearch's surrogate: `MV_AVG(x)` for a literal `x`,
/// `SUM(x) / COUNT(x)` for a literal `w`, otherwise `SUM(x * w) / SUM(w)`, divided as
/// doubles. Every synthesized node carries the call's position and text, so multivalue and
/// `/ by zero` warnings name the call.
fn weighted_avg_surrogate(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
    schema: &[Column],
) -> Result<ast::Expr, Diagnostic> {
    let (field, weight) = (&call.args[0], &call.args[1]);
    let node = |kind: ExprKind| ast::Expr { kind, span };
    let func = |name: &str, args: Vec<ast::Expr>| {
        node(ExprKind::Call(ast::Call {
            name: name.into(),
            args,
            star: false,
            span,
        }))
    };
    // Foldable as the surrogate sees it: literals only, before any EVAL constant is propagated
    // (`EVAL w = 0 | … WEIGHTED_AVG(x, w)` divides by zero in `weightedAvgWeightZero`).
    let mut foldable = |e: &ast::Expr| -> Result<bool, Diagnostic> {
        let compiled = c.expr(e, schema)?;
        Ok(matches!(
            Constants::new().fold(&compiled, schema),
            Some(Constant::Value(_))
        ))
    };
    if foldable(field)? {
        return Ok(func("mv_avg", vec![field.clone()]));
    }
    let constant_weight = foldable(weight)?;
    let (numerator, denominator) = if constant_weight {
        // Unlike `AVG`, a `long` sum here can overflow (`stats/weightedAvgWithOverflow`).
        (
            func("sum", vec![field.clone()]),
            func("count", vec![field.clone()]),
        )
    } else {
        let product = node(ExprKind::Binary {
            op: ast::BinaryOp::Mul,
            left: Box::new(field.clone()),
            right: Box::new(weight.clone()),
        });
        (
            func("sum", vec![product]),
            func("sum", vec![weight.clone()]),
        )
    };
    let numerator = func("to_double", vec![numerator]);
    let denominator = func("to_double", vec![denominator]);
    Ok(node(ExprKind::Binary {
        op: ast::BinaryOp::Div,
        left: Box::new(numerator),
        right: Box::new(denominator),
    }))
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
            by: None,
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
    if name == "first" || name == "last" {
        return super::sorted_aggs::compile_first_last(c, call, span, schema, filter);
    }
    if name == "top" {
        if let Some(slot) = super::sorted_aggs::compile_top_by(c, call, span, schema, filter)? {
            return Ok(slot);
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
        "median_absolute_deviation" => AggKind::MedianAbsoluteDeviation,
        "percentile" => {
            let p = match call.args.get(1).map(|a| constant_arg(c, a)).transpose()? {
                Some(Cell::One(v)) => v.as_f64().filter(|p| (0.0..=100.0).contains(p)),
                _ => None,
            };
            let p = p.ok_or_else(|| {
                error(
                    "E302",
                    span,
                    "PERCENTILE needs a constant percentile from 0 to 100",
                )
            })?;
            AggKind::Percentile(p.to_bits())
        }
        "variance" | "std_var" => AggKind::Variance,
        "std_dev" => AggKind::StdDev,
        "present" => AggKind::Present,
        "absent" => AggKind::Absent,
        "top" => {
            let (limit, desc) = top_limit_order(c, call, span)?;
            AggKind::Top { limit, desc }
        }
        other => return Err(crate::eval::functions::catalog::unsupported(other, span)),
    };
    if matches!(
        kind,
        AggKind::Sum
            | AggKind::Avg
            | AggKind::Median
            | AggKind::Percentile(_)
            | AggKind::MedianAbsoluteDeviation
            | AggKind::Variance
            | AggKind::StdDev
    ) && !(input.is_numeric() || input == Type::Null)
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
        by: None,
        filter: filter.cloned(),
        input,
        ty,
        site,
    })
}

/// `TOP`'s constant limit and order (`desc`; ascending unless it says `desc`).
pub(super) fn top_limit_order(
    c: &mut Compiler,
    call: &ast::Call,
    span: Span,
) -> Result<(usize, bool), Diagnostic> {
    let limit = match call.args.get(1).map(|a| constant_arg(c, a)).transpose()? {
        Some(Cell::One(v)) => v.as_i64().unwrap_or(0).max(0) as usize,
        _ => return Err(error("E302", span, "TOP needs a constant limit")),
    };
    let desc = match call.args.get(2).map(|a| constant_arg(c, a)).transpose()? {
        Some(Cell::One(v)) => v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("desc")),
        _ => false,
    };
    Ok((limit, desc))
}

/// Outside aggregate functions, a grouping function (`BUCKET`, `BIN`) written exactly as a
/// grouping key's expression reads that key: Elasticsearch allows "the exact same expression"
/// as the key's alias (`STATS 1 + BUCKET(salary, 1000.) BY b = BUCKET(salary, 1000.)`).
/// Expressions are compared in their canonical printed form.
fn reuse_grouping_functions(
    e: &mut ast::Expr,
    stats: &ast::Stats,
    keys: &[(Column, CExpr, Span, bool)],
) {
    if let ExprKind::Call(call) = &e.kind {
        if matches!(call.name.as_str(), "bucket" | "bin") {
            let printed = crate::esql::print::expr(e);
            let key = stats.by.iter().find(|b| {
                keys.iter().any(|k| k.2 == b.span) && crate::esql::print::expr(&b.expr) == printed
            });
            if let Some(key) = key {
                let name = keys
                    .iter()
                    .find(|k| k.2 == key.span)
                    .map(|k| k.0.name.clone())
                    .unwrap_or_default();
                e.kind = ExprKind::Column(ast::Name { name, span: e.span });
            }
            return;
        }
    }
    for child in e.children_mut() {
        reuse_grouping_functions(child, stats, keys);
    }
}

pub(super) fn contains_aggregate(e: &ast::Expr) -> bool {
    matches!(&e.kind, ExprKind::Call(call) if is_aggregate(&call.name))
        || e.children().into_iter().any(contains_aggregate)
}

impl StatsPlan {
    /// The grouping key cells of one input row.
    pub(super) fn key_cells(&self, row: &[Cell], ctx: &mut Ctx) -> Vec<Cell> {
        self.groups.iter().map(|g| g.eval(row, ctx)).collect()
    }
}

pub(super) fn compile_stats(
    c: &mut Compiler,
    stats: &ast::Stats,
    schema: &[Column],
    notes: &mut Vec<String>,
) -> Result<StatsPlan, Diagnostic> {
    // Grouping keys, compiled against the input (a key does not see an earlier key's alias).
    let mut keys: Vec<(Column, CExpr, Span, bool)> = Vec::new();
    for b in &stats.by {
        if contains_aggregate(&b.expr) {
            return Err(error(
                "E302",
                b.expr.span,
                "grouping key cannot contain an aggregate function",
            ));
        }
        let e = c.expr(&b.expr, schema)?;
        let name = b.column_name(c.text);
        // A key that is not just an input column is evaluated before aggregating, as if by
        // an EVAL: aggregates and their filters can use its name.
        let aliased = !matches!(&b.expr.kind, ExprKind::Column(n) if n.name == name);
        keys.push((Column { name, ty: e.ty }, e, b.span, aliased));
    }
    // A key shadowed by a later key of the same name does not group at all.
    let mut i = 0;
    while i < keys.len() {
        if let Some(later) = keys[i + 1..]
            .iter()
            .rev()
            .find(|k| k.0.name == keys[i].0.name)
        {
            notes.push(shadow_note(c, &keys[i].0.name, keys[i].2, later.2));
            keys.remove(i);
        } else {
            i += 1;
        }
    }
    // Keys that read the same column (directly or through `EVAL` copies and renames) are
    // one attribute to Elasticsearch: a multivalue unrolls once for all of them.
    let roots: Vec<Option<String>> = stats
        .by
        .iter()
        .filter(|b| keys.iter().any(|k| k.2 == b.span))
        .map(|b| match &b.expr.kind {
            ExprKind::Column(n) => Some(c.constants.1.root(&n.name).to_string()),
            _ => None,
        })
        .collect();
    let follows: Vec<Option<usize>> = roots
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.as_ref()
                .and_then(|r| roots[..i].iter().position(|x| x.as_ref() == Some(r)))
        })
        .collect();
    let mut agg_schema = schema.to_vec();
    let mut aliased = Vec::new();
    for (i, (col, _, _, is_alias)) in keys.iter().enumerate() {
        if *is_alias {
            agg_schema.push(col.clone());
            aliased.push(i);
        }
    }
    let mut slots = Vec::new();
    let mut rewritten = Vec::new();
    for agg in &stats.aggregates {
        let filter = match &agg.filter {
            Some(f) => Some(c.boolean(f, &agg_schema)?),
            None => None,
        };
        let mut e =
            extract_aggregates(c, &agg.field.expr, &agg_schema, filter.as_ref(), &mut slots)?;
        reuse_grouping_functions(&mut e, stats, &keys);
        rewritten.push((agg.field.column_name(c.text), e, agg.field.span));
    }
    // Rows are extended with the computed keys only if some aggregate or filter reads them.
    let reads_keys = |e: &CExpr| reads_column_from(e, schema.len());
    if !slots.iter().any(|s| {
        s.arg.as_ref().is_some_and(reads_keys) || s.filter.as_ref().is_some_and(reads_keys)
    }) {
        aliased.clear();
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
    post.extend(keys.iter().map(|k| k.0.clone()));
    // Candidates in output order: aggregates, then keys; the rightmost of equal names wins.
    // They read slots and keys, not the input's columns, so the input's constants are set
    // aside while they compile.
    let mut candidates: Vec<(String, CExpr, Span)> = Vec::new();
    for ((name, e, span), agg) in rewritten.into_iter().zip(&stats.aggregates) {
        // Outside aggregate functions, an output may only use the grouping keys.
        let constants = std::mem::take(&mut c.constants);
        let compiled = c.expr(&e, &post);
        c.constants = constants;
        let ce = match compiled {
            Ok(ce) => ce,
            Err(err) if contains_aggregate(&agg.field.expr) => return Err(err),
            // Report what is wrong with the expression itself first (an unknown function).
            Err(_) => {
                c.expr(&agg.field.expr, &agg_schema)?;
                return Err(error(
                    "E302",
                    agg.field.expr.span,
                    format!(
                        "[{}] must be an aggregate function or use only grouping keys",
                        agg.field.expr.span.slice(c.text)
                    ),
                ));
            }
        };
        candidates.push((name, ce, span));
    }
    for (i, (col, _, span, _)) in keys.iter().enumerate() {
        let site = c.site(*span);
        candidates.push((
            col.name.clone(),
            CExpr {
                kind: Kind::Column(slot_count + i),
                ty: col.ty,
                site,
            },
            *span,
        ));
    }
    let mut outputs = Vec::new();
    let mut columns = Vec::new();
    for (i, (name, e, span)) in candidates.iter().enumerate() {
        // Every shadowed field names the one that wins: the rightmost of its name.
        if let Some((_, _, later)) = candidates[i + 1..].iter().rev().find(|(n, _, _)| n == name) {
            notes.push(shadow_note(c, name, *span, *later));
            continue;
        }
        outputs.push(e.clone());
        columns.push(Column {
            name: name.clone(),
            ty: e.ty,
        });
    }
    Ok(StatsPlan {
        groups: keys.into_iter().map(|k| k.1).collect(),
        follows,
        aliased,
        slots,
        outputs,
        columns,
    })
}

/// Whether `e` reads a column at index `first` or later.
fn reads_column_from(e: &CExpr, first: usize) -> bool {
    matches!(e.kind, Kind::Column(i) if i >= first)
        || e.children()
            .into_iter()
            .any(|child| reads_column_from(child, first))
}

/// `Line 2:9: Field 'x' shadowed by field at line 2:54`.
fn shadow_note(c: &Compiler, name: &str, here: Span, there: Span) -> String {
    let here = c.location(here);
    let there = c.location(there).replacen("Line", "line", 1);
    format!("{here}: Field '{name}' shadowed by field at {there}")
}
