//! `STATS … | SORT … | LIMIT n` over grouping keys: the top groups picked where they lie,
//! before any group becomes a row.

use super::*;

impl StatsState {
    /// `STATS … | SORT … | LIMIT limit` when the sort keys are grouping keys, every aggregate
    /// is a count (finished without a warning) and every output a plain column: the top groups
    /// are selected on their keys where they lie, and only they are finished. The rows are the
    /// ones [`StatsState::finish`] then [`decided_top`] give, without a row per group; the state
    /// back when that does not apply or ties leave the order to the heap.
    pub(in crate::eval::plan) fn finish_top(
        self,
        plan: &StatsPlan,
        keys: &[SortKey],
        limit: usize,
        ctx: &mut Ctx,
    ) -> Result<Vec<Vec<Cell>>, StatsState> {
        let Some(key_of) = self.sorted_key_columns(plan, keys) else {
            return Err(self);
        };
        let (width, slots) = (self.width, self.slots);
        let top = {
            let group_keys = &self.keys;
            let flat: Vec<&Cell> = (0..self.hashes.len())
                .flat_map(|g| key_of.iter().map(move |&k| &group_keys[g * width + k]))
                .collect();
            let rows: Vec<&[&Cell]> = flat.chunks(keys.len()).collect();
            topn::decided_top(&rows, limit, |a, b| compare_sort_keys(keys, a, b))
        };
        let Some(top) = top else {
            return Err(self);
        };
        let moved = distinct_columns(&plan.outputs).unwrap_or_default();
        let mut out = Vec::with_capacity(top.len());
        for g in top {
            let mut post: Vec<Cell> = plan
                .slots
                .iter()
                .zip(&self.accs[g * slots..][..slots])
                .map(|(s, acc)| acc.clone().finish(s.kind, s.ty, ctx, s.site))
                .collect();
            post.extend_from_slice(&self.keys[g * width..][..width]);
            out.push(
                moved
                    .iter()
                    .map(|&i| std::mem::take(&mut post[i]))
                    .collect(),
            );
        }
        Ok(out)
    }

    /// For [`StatsState::finish_top`]: the grouping key each sort key reads, when it applies.
    fn sorted_key_columns(&self, plan: &StatsPlan, keys: &[SortKey]) -> Option<Vec<usize>> {
        let counts = plan
            .slots
            .iter()
            .all(|s| matches!(s.kind, AggKind::CountRows | AggKind::Count));
        // Grouping keys are single values or null (multivalued keys were split), checked.
        let single = !self.keys.iter().any(|c| matches!(c, Cell::Many(_)));
        // A `CATEGORIZE` key is a category id until `finish` renders it: not a sort key yet.
        if !counts || !single || keys.is_empty() || self.categories.is_some() {
            return None;
        }
        let moved = distinct_columns(&plan.outputs)?;
        keys.iter()
            .map(|k| match k.expr.kind {
                Kind::Column(c) => moved.get(c)?.checked_sub(self.slots),
                _ => None,
            })
            .collect()
    }
}
