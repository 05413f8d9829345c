//! `STATS` and `INLINE STATS`: compiling aggregates and grouping keys, and accumulating groups.

use std::hash::{Hash, Hasher};

use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use rustc_hash::FxHasher;

use super::*;
use crate::eval::fold::{Constant, Constants};
use crate::eval::functions::categorize::{grouping, Categories};

mod top;

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

/// The groups of one `STATS`, or a partial of them (one batch's rows, merged in input order).
///
/// A group is found by the hash of its key cells (rustc's Fx hash: fast, not resistant to
/// crafted collisions, which do not matter for a user's own logs) and compared in place, so a
/// row whose group exists allocates nothing for its key. Keys and accumulators of all groups
/// lie end to end in two vectors, so a new group allocates nothing of its own either.
pub(crate) struct StatsState {
    /// Group index by the hash of its key.
    index: HashTable<usize>,
    hashes: Vec<u64>,
    /// Group `i`'s key cells: `keys[i * width..][..width]`.
    keys: Vec<Cell>,
    width: usize,
    /// Group `i`'s accumulators: `accs[i * slots..][..slots]`.
    accs: Vec<Acc>,
    slots: usize,
    /// A partial: order-dependent aggregates keep their inputs ([`Acc::partial`]).
    partial: bool,
    /// Reused per row: the key cells, and each aggregate's (argument, second input, passed).
    key_cells: Vec<Cell>,
    args: Vec<(Cell, Option<Cell>, bool)>,
    /// A `CATEGORIZE` first key: its categorizer, fed in input order (never a partial: see
    /// [`Plan::sink_stats`]). Key 0 then holds category ids until [`StatsState::finish`].
    categories: Option<Box<Categories>>,
}

/// The hash of a group's key cells.
fn hash_cells(cells: &[Cell]) -> u64 {
    let mut h = FxHasher::default();
    for c in cells {
        match c {
            Cell::One(v) => {
                1u8.hash(&mut h);
                crate::eval::aggregate::hash_key(v, &mut h);
            }
            _ => 0u8.hash(&mut h),
        }
    }
    h.finish()
}

/// Whether two keys are one group: as [`KeyCell`] equality.
fn same_key(a: &[Cell], b: &[Cell]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Cell::One(x), Cell::One(y)) => crate::eval::aggregate::key_eq(x, y),
            (Cell::One(_), _) | (_, Cell::One(_)) => false,
            _ => true,
        })
}

impl StatsState {
    pub(crate) fn new(plan: &StatsPlan) -> StatsState {
        StatsState::with(plan, false)
    }

    /// A partial state, to be merged into a whole one with [`StatsState::merge`].
    pub(crate) fn new_partial(plan: &StatsPlan) -> StatsState {
        StatsState::with(plan, true)
    }

    fn with(plan: &StatsPlan, partial: bool) -> StatsState {
        let mut state = StatsState {
            index: HashTable::new(),
            hashes: Vec::new(),
            keys: Vec::new(),
            width: plan.groups.len(),
            accs: Vec::new(),
            slots: plan.slots.len(),
            partial,
            key_cells: Vec::new(),
            args: Vec::new(),
            categories: plan
                .categorize
                .as_ref()
                .map(|spec| Box::new(Categories::new(spec))),
        };
        if plan.groups.is_empty() {
            // Without BY there is exactly one group, even for empty input.
            let hash = hash_cells(&[]);
            state.index.insert_unique(hash, 0, |_| hash);
            state.push_group(plan, &mut Vec::new(), hash);
        }
        state
    }

    /// The index of the group of `key`, made if new (its cells then move into the group,
    /// leaving `key` empty: no copy, no reference counting); `None` (and the query failed)
    /// past `--max-groups`. One probe of the index finds the group or its free slot.
    fn group_of(
        &mut self,
        plan: &StatsPlan,
        key: &mut Vec<Cell>,
        hash: u64,
        ctx: &mut Ctx,
    ) -> Option<usize> {
        let (keys, width, hashes) = (&self.keys, self.width, &self.hashes);
        let entry = self.index.entry(
            hash,
            |&i| same_key(&keys[i * width..][..width], key),
            |&j| hashes[j],
        );
        let vacant = match entry {
            Entry::Occupied(found) => return Some(*found.get()),
            Entry::Vacant(vacant) => vacant,
        };
        let i = self.hashes.len();
        if ctx.failed() || !room_for_groups(ctx, i as u64 + 1) {
            return None;
        }
        vacant.insert(i);
        self.push_group(plan, key, hash);
        Some(i)
    }

    /// Stores a new group (already in the index): its hash, key cells (moved) and accumulators.
    fn push_group(&mut self, plan: &StatsPlan, key: &mut Vec<Cell>, hash: u64) {
        self.hashes.push(hash);
        self.keys.append(key);
        let partial = self.partial;
        self.accs.extend(plan.slots.iter().map(|s| {
            if partial {
                Acc::partial(s.kind, s.input)
            } else {
                Acc::new(s.kind, s.input)
            }
        }));
    }

    pub(crate) fn add(&mut self, plan: &StatsPlan, row: &[Cell], ctx: &mut Ctx) {
        let mut key_cells = std::mem::take(&mut self.key_cells);
        key_cells.clear();
        key_cells.extend(plan.groups.iter().map(|g| g.eval(row, ctx)));
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
        let mut args = std::mem::take(&mut self.args);
        args.clear();
        args.extend(plan.slots.iter().map(|s| {
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
        }));
        match self.categories.as_mut() {
            _ if ctx.failed() => {}
            Some(categories) => {
                // One group per value, duplicates kept as `CategorizeBlockHash` keeps them
                // (`["a x", "a y"]` counts twice in one category); with other keys, the
                // combinations are distinct keys.
                let mut cells = categories.keys_of(&key_cells[0], ctx);
                if plan.groups.len() > 1 {
                    let mut seen = Vec::new();
                    cells.retain(|c| {
                        !seen.contains(c) && {
                            seen.push(c.clone());
                            true
                        }
                    });
                }
                for cell in cells {
                    // A new group takes its key cells (moved), so each value has its own.
                    let mut keys = key_cells.clone();
                    keys[0] = cell;
                    self.add_keys(plan, &mut keys, &args, ctx);
                }
            }
            None => self.add_keys(plan, &mut key_cells, &args, ctx),
        }
        self.key_cells = key_cells;
        self.args = args;
    }

    /// Feeds one row's aggregate inputs to the group of `key_cells`, or to each combination of
    /// their values when some are multivalued.
    fn add_keys(
        &mut self,
        plan: &StatsPlan,
        key_cells: &mut Vec<Cell>,
        args: &[(Cell, Option<Cell>, bool)],
        ctx: &mut Ctx,
    ) {
        if ctx.failed() {
            // Past a cap: the query fails, and holds no more groups meanwhile.
        } else if key_cells.iter().any(|c| matches!(c, Cell::Many(_))) {
            // The combinations are distinct keys: more than the cap of them is past it.
            if room_for_groups(ctx, combination_count(plan, key_cells)) {
                for mut combo in combinations(plan, key_cells) {
                    let hash = hash_cells(&combo);
                    let Some(index) = self.group_of(plan, &mut combo, hash, ctx) else {
                        break;
                    };
                    self.feed(plan, index, args);
                }
            }
        } else {
            let hash = hash_cells(key_cells);
            if let Some(index) = self.group_of(plan, key_cells, hash, ctx) {
                self.feed(plan, index, args);
            }
        }
    }

    /// Feeds one row's aggregate inputs to group `index`.
    fn feed(&mut self, plan: &StatsPlan, index: usize, args: &[(Cell, Option<Cell>, bool)]) {
        for (slot, (acc, (arg, by, pass))) in plan
            .slots
            .iter()
            .zip(self.accs[index * self.slots..].iter_mut().zip(args))
        {
            match (pass, by) {
                (false, _) => {}
                (true, Some(by)) => acc.add_by(slot.kind, arg, by),
                (true, None) => acc.add(slot.kind, arg),
            }
        }
    }

    /// Merges `later`, a partial over rows that all come after the rows `self` has seen:
    /// the result is the one of adding those rows to `self` in order.
    /// A new group takes over `later`'s key cells (moved, not copied).
    pub(crate) fn merge(&mut self, plan: &StatsPlan, later: StatsState, ctx: &mut Ctx) {
        let mut later_accs = later.accs.into_iter();
        let mut later_keys = later.keys.into_iter();
        let mut key = std::mem::take(&mut self.key_cells);
        for &hash in &later.hashes {
            key.clear();
            key.extend(later_keys.by_ref().take(self.width));
            let Some(index) = self.group_of(plan, &mut key, hash, ctx) else {
                break;
            };
            let ours = &mut self.accs[index * self.slots..][..self.slots];
            for ((slot, acc), more) in plan.slots.iter().zip(ours).zip(later_accs.by_ref()) {
                acc.merge(slot.kind, more);
            }
        }
        key.clear();
        self.key_cells = key;
    }

    /// The output rows, one per group in the order groups were made.
    pub(super) fn finish(self, plan: &StatsPlan, ctx: &mut Ctx) -> Vec<Vec<Cell>> {
        let mut out = Vec::with_capacity(self.hashes.len());
        let (mut keys, mut accs) = (self.keys.into_iter(), self.accs.into_iter());
        // Outputs that are each a different column of the aggregates-then-keys row (the usual
        // `STATS a = …, b = … BY k`) take their cells from it; others are evaluated on it.
        let moved = distinct_columns(&plan.outputs);
        let mut post: Vec<Cell> = Vec::with_capacity(plan.slots.len() + self.width);
        for _ in 0..self.hashes.len() {
            post.clear();
            post.extend(
                plan.slots
                    .iter()
                    .zip(accs.by_ref())
                    .map(|(s, acc)| acc.finish(s.kind, s.ty, ctx, s.site)),
            );
            let start = post.len();
            post.extend(keys.by_ref().take(self.width));
            // A `CATEGORIZE` key is a category id until here: its key is written now, from
            // the category as every string has shaped it.
            if let Some(categories) = &self.categories {
                post[start] = categories.render(&post[start]);
            }
            out.push(match &moved {
                Some(columns) => columns
                    .iter()
                    .map(|&i| std::mem::take(&mut post[i]))
                    .collect(),
                None => plan.outputs.iter().map(|o| o.eval(&post, ctx)).collect(),
            });
        }
        out
    }
}

/// The columns `outputs` read when each is a plain column (evaluated as a copy of the cell, with
/// no warning) and no two read the same one: then the cells can be moved out instead.
fn distinct_columns(outputs: &[CExpr]) -> Option<Vec<usize>> {
    let mut columns = Vec::with_capacity(outputs.len());
    for o in outputs {
        match o.kind {
            Kind::Column(i) if !columns.contains(&i) => columns.push(i),
            _ => return None,
        }
    }
    Some(columns)
}

/// Whether a `STATS` may hold `groups` groups; past `--max-groups`, fails the query (`E015`).
/// Groups are counted as they are made, in input order, so the outcome does not depend on
/// threads or batches.
fn room_for_groups(ctx: &mut Ctx, groups: u64) -> bool {
    let max = crate::limits::get().max_groups;
    if groups <= max {
        return true;
    }
    ctx.fail(
        "E015",
        format!("STATS would hold more than {max} groups"),
        Some("raise the limit with --max-groups N".into()),
    );
    false
}

/// How many key combinations [`combinations`] makes of one row (saturating).
fn combination_count(plan: &StatsPlan, key_cells: &[Cell]) -> u64 {
    key_cells
        .iter()
        .enumerate()
        .filter(|(i, _)| plan.follows[*i].is_none())
        .map(|(_, c)| c.values().len().max(1) as u64)
        .fold(1u64, u64::saturating_mul)
}

/// Every combination of the values of multivalued keys: each is a group of its own (a copy of
/// an earlier key takes that key's value in each combination).
pub(super) fn combinations(plan: &StatsPlan, key_cells: &[Cell]) -> Vec<Vec<Cell>> {
    let mut combos: Vec<Vec<Cell>> = vec![Vec::new()];
    for (i, cell) in key_cells.iter().enumerate() {
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
    combos
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
    if matches!(name, "first" | "last" | "all_first" | "all_last") {
        return super::sorted_aggs::compile_first_last(c, call, span, schema, filter);
    }
    if name == "sample" {
        return super::sorted_aggs::compile_sample(c, call, span, schema, filter);
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
            // A constant number is required; one outside 0–100 (or NaN) is accepted and makes
            // the aggregate null, as `QuantileStates.percentileParam` does.
            // A column is no constant (`isFoldable`): the same refusal, not `Unknown column`.
            let p = match call.args.get(1).map(|a| constant_arg(c, a)) {
                Some(Ok(Cell::One(v))) if !matches!(v, Value::UnsignedLong(_)) => v.as_f64(),
                _ => None,
            };
            let p = p.ok_or_else(|| {
                error(
                    "E302",
                    span,
                    "PERCENTILE needs a constant, non-null percentile of a numeric type other than unsigned_long",
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

/// Outside aggregate functions, a grouping function (`BUCKET`, `BIN`, `CATEGORIZE`) written exactly as a
/// grouping key's expression reads that key: Elasticsearch allows "the exact same expression"
/// as the key's alias (`STATS 1 + BUCKET(salary, 1000.) BY b = BUCKET(salary, 1000.)`).
/// Expressions are compared in their canonical printed form.
fn reuse_grouping_functions(
    e: &mut ast::Expr,
    stats: &ast::Stats,
    keys: &[(Column, CExpr, Span, bool)],
) {
    if let ExprKind::Call(call) = &e.kind {
        if matches!(call.name.as_str(), "bucket" | "bin" | "categorize") {
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
    grouping::verify(c, stats)?;
    // Grouping keys, compiled against the input (a key does not see an earlier key's alias).
    let mut keys: Vec<(Column, CExpr, Span, bool)> = Vec::new();
    let mut categorize = None;
    for b in &stats.by {
        if contains_aggregate(&b.expr) {
            return Err(error(
                "E302",
                b.expr.span,
                "grouping key cannot contain an aggregate function",
            ));
        }
        // `CATEGORIZE(field)` (first, as `verify` checked) groups by its field's category: the
        // key is evaluated as the field, categorized as the rows come, a `keyword` when emitted.
        let (e, ty) = match grouping::as_categorize(&b.expr) {
            Some(call) => {
                let (field, spec) =
                    grouping::resolve(c, call, b.expr.span, |c, f| c.expr(f, schema))?;
                categorize = Some((spec, b.span));
                (field, Type::Keyword)
            }
            None => {
                let e = c.expr(&b.expr, schema)?;
                let ty = e.ty;
                (e, ty)
            }
        };
        let name = b.column_name(c.text);
        // A key that is not just an input column is evaluated before aggregating, as if by
        // an EVAL: aggregates and their filters can use its name.
        let aliased = !matches!(&b.expr.kind, ExprKind::Column(n) if n.name == name);
        keys.push((Column { name, ty }, e, b.span, aliased));
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
    // A `CATEGORIZE` key shadowed by a later key of its name groups nothing.
    let categorize = categorize
        .filter(|(_, span)| keys.first().is_some_and(|k| k.2 == *span))
        .map(|(spec, _)| spec);
    Ok(StatsPlan {
        categorize,
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
