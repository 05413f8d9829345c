//! Compiling processing commands into steps over the schema they leave: `EVAL`, `KEEP`/`DROP`
//! patterns, filters, and the `SORT … | LIMIT` top-n binding.

use super::*;

/// Compiles one processing command onto the pipeline's schema and steps.
#[allow(clippy::too_many_arguments)]
pub(super) fn compile_command(
    c: &mut Compiler,
    command: &ast::Command,
    text: &str,
    schema: &mut Vec<Column>,
    steps: &mut Vec<Step>,
    notes: &mut Vec<String>,
    has_limit: &mut bool,
) -> Result<(), Diagnostic> {
    match &command.kind {
        CommandKind::Where(e) => compile_where(c, e, schema, steps)?,
        CommandKind::Eval(fields) => {
            steps.push(compile_eval(c, fields, schema, text)?);
        }
        CommandKind::Keep(patterns) => {
            let order = keep_order(schema, patterns)?;
            project(c, schema, steps, order);
        }
        CommandKind::Drop(patterns) => {
            let keep = drop_order(schema, patterns)?;
            project(c, schema, steps, keep);
        }
        CommandKind::Rename(renames) => compile_rename(c, renames, schema, steps)?,
        CommandKind::Sort(keys) => {
            steps.push(Step::Sort(compile_sort_keys(c, keys, schema)?, None));
        }
        CommandKind::Limit(l) => compile_limit(c, l, schema, steps, has_limit)?,
        CommandKind::MvExpand(name) => {
            let i = find(schema, &name.name).ok_or_else(|| {
                error("E301", name.span, format!("Unknown column [{}]", name.name))
            })?;
            // Each expanded row holds one value of the list: no longer one constant.
            c.constants.forget(&name.name);
            steps.push(Step::MvExpand(i));
        }
        CommandKind::Dissect(d) => steps.push(compile_dissect(c, d, schema)?),
        CommandKind::Grok(g) => steps.push(compile_grok(c, g, schema)?),
        CommandKind::Stats(stats) => {
            let plan = compile_stats(c, stats, schema, notes)?;
            *schema = plan.columns.clone();
            c.computed.extend(schema.iter().map(|col| col.name.clone()));
            c.constants = Constants::new();
            steps.push(Step::Stats(Box::new(plan)));
            // Group order is unspecified until a SORT.
            steps.push(Step::SortAll);
        }
        CommandKind::FillNull(f) => {
            let fill = fill::compile_fill(c, f, schema, command.span)?;
            fill.retype(schema);
            notes.extend(fill.notes);
            steps.push(Step::Fill(fill.fills));
        }
        CommandKind::Dedup | CommandKind::Distinct => steps.push(Step::Dedup),
        CommandKind::Sample(s) => steps.push(Step::Sample(s.probability)),
        CommandKind::InlineStats(stats) => {
            steps.push(compile_inline_stats(
                c, stats, command, text, schema, notes,
            )?);
        }
        CommandKind::Fork(branches) => {
            let (columns, fork) = fork::compile_fork(c, branches, text, schema, notes)?;
            *schema = columns;
            steps.push(Step::Fork(fork));
        }
        CommandKind::ChangePoint(cp) => {
            let plan = change_point::compile_change_point(c, cp, command.span, schema)?;
            steps.push(Step::ChangePoint(Box::new(plan)));
        }
        CommandKind::LookupJoin(join) => {
            let plan = lookup::compile_lookup_join(c, join, command.span, schema)?;
            steps.push(Step::LookupJoin(Box::new(plan)));
        }
    }
    Ok(())
}

/// `WHERE`: right after a `LOOKUP JOIN`, the conjuncts that name only the join's input are
/// filtered below the join, the rest above it.
fn compile_where(
    c: &mut Compiler,
    e: &ast::Expr,
    schema: &[Column],
    steps: &mut Vec<Step>,
) -> Result<(), Diagnostic> {
    if let Some(Step::LookupJoin(join)) = steps.last() {
        let (pushed, rest) = lookup::split_pushable(e, join);
        if !pushed.is_empty() {
            let input = join.input.clone();
            let join_step = steps.pop();
            for conjunct in pushed {
                let cond = c.boolean(conjunct, &input)?;
                push_where(steps, cond);
            }
            steps.extend(join_step);
            for conjunct in rest {
                let cond = c.boolean(conjunct, schema)?;
                push_where(steps, cond);
            }
            return Ok(());
        }
    }
    let cond = c.boolean(e, schema)?;
    push_where(steps, cond);
    Ok(())
}

/// Keeps the columns at `order` (in that order), with their constants, as a `Project` step.
fn project(c: &mut Compiler, schema: &mut Vec<Column>, steps: &mut Vec<Step>, order: Vec<usize>) {
    let kept: Vec<Column> = order.iter().map(|&i| schema[i].clone()).collect();
    c.constants.project(schema, &order, &kept);
    *schema = kept;
    steps.push(Step::Project(order));
}

/// DROP's kept columns: those no pattern matches, in schema order.
fn drop_order(schema: &[Column], patterns: &[ast::NamePattern]) -> Result<Vec<usize>, Diagnostic> {
    let mut keep = Vec::new();
    for p in patterns {
        resolve_pattern(schema, p)?;
    }
    for (i, col) in schema.iter().enumerate() {
        if !patterns.iter().any(|p| name_matches(&p.pattern, &col.name)) {
            keep.push(i);
        }
    }
    Ok(keep)
}

/// `RENAME`: applied left to right; a rename onto an existing name replaces it.
fn compile_rename(
    c: &mut Compiler,
    renames: &[ast::Rename],
    schema: &mut Vec<Column>,
    steps: &mut Vec<Step>,
) -> Result<(), Diagnostic> {
    let mut names: Vec<(usize, String)> = schema
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.name.clone()))
        .collect();
    for r in renames {
        let Some(pos) = names.iter().rposition(|(_, n)| *n == r.old.name) else {
            return Err(error(
                "E301",
                r.old.span,
                format!("Unknown column [{}]", r.old.name),
            ));
        };
        if r.old.name == r.new.name {
            continue;
        }
        names[pos].1 = r.new.name.clone();
        // The renamed column keeps its place; one it overwrites goes away.
        if let Some(other) = names
            .iter()
            .enumerate()
            .position(|(o, (_, n))| o != pos && *n == r.new.name)
        {
            names.remove(other);
        }
    }
    let order: Vec<usize> = names.iter().map(|(i, _)| *i).collect();
    let renamed: Vec<Column> = names
        .iter()
        .map(|(i, n)| Column {
            name: n.clone(),
            ty: schema[*i].ty,
        })
        .collect();
    c.constants.project(schema, &order, &renamed);
    *schema = renamed;
    steps.push(Step::Project(order));
    Ok(())
}

/// `SORT`'s keys, with the default null order (first when descending).
fn compile_sort_keys(
    c: &mut Compiler,
    keys: &[ast::SortKey],
    schema: &[Column],
) -> Result<Vec<SortKey>, Diagnostic> {
    let mut compiled = Vec::new();
    for k in keys {
        let e = c.expr(&k.expr, schema)?;
        // The Verifier's `DataType.isSortable` leaves ranges out.
        if matches!(e.ty, Type::DateRange | Type::DoubleRange) {
            return Err(error(
                "E302",
                k.expr.span,
                format!("cannot sort on {}", e.ty.name()),
            ));
        }
        let desc = k.order == Some(SortOrder::Desc);
        let nulls_first = match k.nulls {
            Some(NullsOrder::First) => true,
            Some(NullsOrder::Last) => false,
            None => desc,
        };
        compiled.push(SortKey {
            expr: e,
            desc,
            nulls_first,
        });
    }
    Ok(compiled)
}

/// `LIMIT n` (bound into the nearest top-n) and `LIMIT n BY …`.
fn compile_limit(
    c: &mut Compiler,
    l: &ast::Limit,
    schema: &[Column],
    steps: &mut Vec<Step>,
    has_limit: &mut bool,
) -> Result<(), Diagnostic> {
    let n = l.count.min(usize::MAX as u64) as usize;
    if l.by.is_empty() {
        *has_limit = true;
        bind_top_n(steps, n);
        steps.push(Step::Limit(n));
        return Ok(());
    }
    // `LIMIT n BY …`: constant keys group nothing and are pruned
    // (`PruneLiteralsInLimitBy`); with none left it is a plain `LIMIT n` under the
    // implicit one, which Elasticsearch added above the `LimitBy` when parsing.
    let mut keys = Vec::new();
    for e in &l.by {
        let key = c.expr(e, schema)?;
        if !matches!(key.kind, Kind::Literal(_)) {
            keys.push(key);
        }
    }
    if keys.is_empty() {
        bind_top_n(steps, n);
        steps.push(Step::Limit(n));
    } else {
        steps.push(Step::LimitBy(n, keys));
    }
    Ok(())
}

/// `DISSECT`: its pattern's keys become keyword columns.
fn compile_dissect(
    c: &mut Compiler,
    d: &ast::Dissect,
    schema: &mut Vec<Column>,
) -> Result<Step, Diagnostic> {
    let input = string_input(c, &d.input, schema)?;
    let sep = d.append_separator.as_ref().map_or("", |s| s.value.as_str());
    let dissect =
        Dissect::new(&d.pattern.value, sep).map_err(|m| error("E305", d.pattern.span, m))?;
    let new: Vec<Column> = dissect
        .columns
        .iter()
        .map(|n| Column {
            name: n.clone(),
            ty: Type::Keyword,
        })
        .collect();
    let removed = add_columns(schema, c, new);
    Ok(Step::Dissect {
        input,
        dissect,
        removed,
    })
}

/// `GROK`: its patterns' captures become columns of their declared types.
fn compile_grok(
    c: &mut Compiler,
    g: &ast::Grok,
    schema: &mut Vec<Column>,
) -> Result<Step, Diagnostic> {
    let input = string_input(c, &g.input, schema)?;
    let grok = Grok::new_multi(&g.patterns()).map_err(|m| error("E305", g.pattern.span, m))?;
    let new: Vec<Column> = grok
        .columns
        .iter()
        .map(|(n, t)| Column {
            name: n.clone(),
            ty: *t,
        })
        .collect();
    let removed = add_columns(schema, c, new);
    Ok(Step::Grok {
        input,
        grok,
        removed,
    })
}

/// `INLINE STATS` (or the deprecated `INLINESTATS`): the aggregation joined back onto each row.
fn compile_inline_stats(
    c: &mut Compiler,
    stats: &ast::Stats,
    command: &ast::Command,
    text: &str,
    schema: &mut Vec<Column>,
    notes: &mut Vec<String>,
) -> Result<Step, Diagnostic> {
    crate::eval::functions::categorize::grouping::refuse_inline(c, stats, command.span)?;
    // Elasticsearch's parser still takes the old one-word spelling, with a warning
    // (`LogicalPlanBuilder.visitInlineStatsCommand`).
    if command
        .span
        .slice(text)
        .get(..11)
        .is_some_and(|w| w.eq_ignore_ascii_case("inlinestats"))
    {
        let at = c.location(command.span);
        notes.push(format!(
            "{at}: INLINESTATS is deprecated, use INLINE STATS instead"
        ));
    }
    let plan = compile_stats(c, stats, schema, notes)?;
    // Elasticsearch plans INLINE STATS as a join of the input with the aggregation on
    // the grouping keys (`InlineJoin`): the output is the input columns the
    // aggregates and keys do not name, then the aggregates, then the keys (moved to
    // the end, with each row's own key value).
    let new_names: Vec<&str> = plan.columns.iter().map(|c| c.name.as_str()).collect();
    let kept: Vec<usize> = (0..schema.len())
        .filter(|&i| !new_names.contains(&schema[i].name.as_str()))
        .collect();
    let plain_key = |name: &str| {
        stats.by.iter().any(|b| {
            b.name.is_none() && matches!(&b.expr.kind, ExprKind::Column(n) if n.name == name)
        })
    };
    let mut next: Vec<Column> = kept.iter().map(|&i| schema[i].clone()).collect();
    for col in &plan.columns {
        if !plain_key(&col.name) {
            c.constants.forget(&col.name);
            c.computed.insert(col.name.clone());
        }
        next.push(col.clone());
    }
    let aggregates: Vec<usize> = (0..plan.columns.len() - plan.groups.len()).collect();
    *schema = next;
    Ok(Step::InlineStats(Box::new(plan), kept, aggregates))
}

/// Appends a filter. Elasticsearch merges consecutive filters into one conjunction and
/// evaluates every operand, so each reports its warnings.
fn push_where(steps: &mut Vec<Step>, cond: CExpr) {
    match steps.last_mut() {
        Some(Step::Where(prev)) => {
            let site = prev.site;
            let placeholder = CExpr {
                kind: Kind::Literal(Cell::Null),
                ty: Type::Boolean,
                site,
            };
            let left = std::mem::replace(prev, placeholder);
            *prev = CExpr {
                kind: Kind::And(Box::new(left), Box::new(cond)),
                ty: Type::Boolean,
                site,
            };
        }
        _ => steps.push(Step::Where(cond)),
    }
}

/// `EVAL` (and `ROW`, which is an `EVAL` over one empty row): each field is compiled against the
/// schema as left by the fields before it; a name that exists already moves to the end.
pub(super) fn compile_eval(
    c: &mut Compiler,
    fields: &[ast::Field],
    schema: &mut Vec<Column>,
    text: &str,
) -> Result<Step, Diagnostic> {
    let mut assignments = Vec::new();
    for field in fields {
        let e = c.expr(&field.expr, schema)?;
        let name = field.column_name(text);
        c.constants.assign(&name, &e, schema);
        let replaced = find(schema, &name);
        if let Some(i) = replaced {
            schema.remove(i);
        }
        c.computed.insert(name.clone());
        schema.push(Column { name, ty: e.ty });
        assignments.push((e, replaced));
    }
    Ok(Step::Eval(assignments))
}

fn string_input(c: &mut Compiler, e: &ast::Expr, schema: &[Column]) -> Result<CExpr, Diagnostic> {
    let input = c.expr(e, schema)?;
    if !matches!(input.ty, Type::Keyword | Type::Text | Type::Null) {
        return Err(error(
            "E302",
            e.span,
            format!(
                "input for DISSECT/GROK must be a string, found [{}]",
                input.ty.name()
            ),
        ));
    }
    Ok(input)
}

/// Appends new columns, removing existing ones of the same names; returns removed indices.
fn add_columns(schema: &mut Vec<Column>, c: &mut Compiler, new: Vec<Column>) -> Vec<usize> {
    for column in &new {
        c.constants.forget(&column.name);
        c.computed.insert(column.name.clone());
    }
    let removed: Vec<usize> = (0..schema.len())
        .filter(|&i| new.iter().any(|n| n.name == schema[i].name))
        .collect();
    for &i in removed.iter().rev() {
        schema.remove(i);
    }
    schema.extend(new);
    removed
}

/// A `KEEP`/`DROP` name must be a column and a pattern must match one, as Elasticsearch's
/// analyzer requires (`UnresolvedNamePattern.errorMessage`: a pattern that matches nothing is a
/// verification error, not an empty selection).
pub(super) fn resolve_pattern(schema: &[Column], p: &ast::NamePattern) -> Result<(), Diagnostic> {
    if !p.has_wildcard() && find(schema, &p.pattern).is_none() {
        return Err(error(
            "E301",
            p.span,
            format!("Unknown column [{}]", p.pattern),
        ));
    }
    if p.has_wildcard() && !schema.iter().any(|col| name_matches(&p.pattern, &col.name)) {
        return Err(error(
            "E301",
            p.span,
            format!("No matches found for pattern [{}]", p.pattern),
        ));
    }
    Ok(())
}

/// KEEP's column order: each column is placed by its highest-precedence pattern (exact name >
/// partial wildcard > `*`), the rightmost among equals.
fn keep_order(schema: &[Column], patterns: &[ast::NamePattern]) -> Result<Vec<usize>, Diagnostic> {
    let precedence = |p: &str| {
        if !p.contains('*') {
            2
        } else if p == "*" {
            0
        } else {
            1
        }
    };
    for p in patterns {
        resolve_pattern(schema, p)?;
    }
    // For each column: (pattern position, column index).
    let mut placed: Vec<(usize, usize)> = Vec::new();
    for (i, col) in schema.iter().enumerate() {
        let mut best: Option<(u8, usize)> = None;
        for (pi, p) in patterns.iter().enumerate() {
            if name_matches(&p.pattern, &col.name) {
                let prec = precedence(&p.pattern);
                if best.is_none_or(|(bp, _)| prec >= bp) {
                    best = Some((prec, pi));
                }
            }
        }
        if let Some((_, pi)) = best {
            placed.push((pi, i));
        }
    }
    placed.sort();
    Ok(placed.into_iter().map(|(_, i)| i).collect())
}

/// `SORT … | LIMIT n` is one top-n in Elasticsearch, and which of equal rows survive depends
/// on it: the `LIMIT` is pushed down past commands that keep every row as it is (`EVAL`,
/// `KEEP`/`DROP`/`RENAME`, `DISSECT`, `GROK`, other `LIMIT`s, combined to the smallest) into
/// the nearest `SORT`.
pub(super) fn bind_top_n(steps: &mut [Step], n: usize) {
    for step in steps.iter_mut().rev() {
        match step {
            Step::Sort(_, top) => {
                *top = Some(top.map_or(n, |m| m.min(n)));
                return;
            }
            Step::Eval(_)
            | Step::Project(_)
            | Step::Dissect { .. }
            | Step::Grok { .. }
            | Step::Fill(_)
            | Step::Limit(_) => {}
            // A left join keeps every row at least once, so the first `n` rows after it come
            // from the first `n` before it: Elasticsearch copies the limit below the join
            // (`join_lookup_fix_limit_pushdown`), and keeps it above.
            Step::LookupJoin(_) => {}
            _ => return,
        }
    }
}

pub(super) fn is_row_local(step: &Step) -> bool {
    matches!(
        step,
        Step::Where(_)
            | Step::Eval(_)
            | Step::Project(_)
            | Step::MvExpand(_)
            | Step::Dissect { .. }
            | Step::Grok { .. }
            | Step::Fill(_)
            | Step::LookupJoin(_)
            | Step::LuceneGate(_)
    )
}
