//! The groups of one `STATS`: rows accumulated into groups by key, partials merged, and the
//! groups finished into rows.

use std::hash::{Hash, Hasher};

use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use rustc_hash::FxHasher;

use super::*;
use crate::eval::functions::categorize::Categories;

/// The groups of one `STATS`, or a partial of them (one batch's rows, merged in input order).
///
/// A group is found by the hash of its key cells (rustc's Fx hash: fast, not resistant to
/// crafted collisions, which do not matter for a user's own logs) and compared in place, so a
/// row whose group exists allocates nothing for its key. Keys and accumulators of all groups
/// lie end to end in two vectors, so a new group allocates nothing of its own either.
pub(crate) struct StatsState {
    /// Group index by the hash of its key.
    index: HashTable<usize>,
    pub(super) hashes: Vec<u64>,
    /// Group `i`'s key cells: `keys[i * width..][..width]`.
    pub(super) keys: Vec<Cell>,
    pub(super) width: usize,
    /// Group `i`'s accumulators: `accs[i * slots..][..slots]`.
    pub(super) accs: Vec<Acc>,
    pub(super) slots: usize,
    /// A partial: order-dependent aggregates keep their inputs ([`Acc::partial`]).
    partial: bool,
    /// Reused per row: the key cells, and each aggregate's (argument, second input, passed).
    key_cells: Vec<Cell>,
    args: Vec<(Cell, Option<Cell>, bool)>,
    /// A `CATEGORIZE` first key: its categorizer, fed in input order (never a partial: see
    /// [`Plan::sink_stats`]). Key 0 then holds category ids until [`StatsState::finish`].
    pub(super) categories: Option<Box<Categories>>,
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
    pub(in crate::eval::plan) fn finish(self, plan: &StatsPlan, ctx: &mut Ctx) -> Vec<Vec<Cell>> {
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
pub(super) fn distinct_columns(outputs: &[CExpr]) -> Option<Vec<usize>> {
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
pub(in crate::eval::plan) fn combinations(plan: &StatsPlan, key_cells: &[Cell]) -> Vec<Vec<Cell>> {
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
