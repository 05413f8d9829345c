//! Where rows go after a plan's row-local prefix: the first blocking step's input, a `STATS`
//! folding rows into groups or a bounded row buffer.

use super::*;

impl Plan {
    /// Where rows go after the prefix: the first blocking step's input.
    pub(crate) fn sink(&self) -> Sink<'_> {
        let at = self.prefix().len();
        let state = match self.steps.get(at) {
            Some(Step::Stats(stats)) => SinkState::Stats(StatsState::new(stats)),
            other => SinkState::Rows {
                rows: Vec::new(),
                cap: match other {
                    Some(Step::Limit(n)) => Some(*n),
                    None => Some(self.final_limit),
                    _ => None,
                },
            },
        };
        Sink {
            plan: self,
            at,
            state,
        }
    }
}

/// The first blocking step's input, fed in input order: a `STATS` folds rows into its groups as
/// they come (memory grows with the groups), anything else keeps them (up to a `LIMIT` that
/// directly follows the prefix, or the default limit when nothing follows).
pub(crate) struct Sink<'p> {
    plan: &'p Plan,
    /// The position of the first blocking step.
    at: usize,
    state: SinkState,
}

enum SinkState {
    Stats(StatsState),
    Rows {
        rows: Vec<Vec<Cell>>,
        cap: Option<usize>,
    },
}

impl Sink<'_> {
    /// How many more rows it takes (`usize::MAX`: unbounded).
    pub(crate) fn room(&self) -> usize {
        match &self.state {
            SinkState::Stats(_) => usize::MAX,
            SinkState::Rows { rows, cap } => {
                cap.map_or(usize::MAX, |n| n.saturating_sub(rows.len()))
            }
        }
    }

    /// Runs source rows through the plan's row-local prefix into the sink, one at a time in
    /// order, stopping (before evaluating another row) once the sink is full.
    pub(crate) fn feed(&mut self, rows: impl Iterator<Item = Vec<Cell>>, ctx: &mut Ctx) {
        let mut buf = Vec::new();
        for row in rows {
            let room = self.room();
            if room == 0 || ctx.failed() {
                break;
            }
            self.plan.push_prefix(row, ctx, &mut buf, room);
            self.extend(buf.drain(..), ctx);
        }
    }

    /// Merges a partial of the sink's `STATS` over rows that come after every row it has taken.
    pub(crate) fn merge(&mut self, partial: StatsState, ctx: &mut Ctx) {
        if let (SinkState::Stats(state), Some(Step::Stats(stats))) =
            (&mut self.state, self.plan.steps.get(self.at))
        {
            state.merge(stats, partial, ctx);
        }
    }

    /// Takes rows that have passed the prefix; rows beyond [`Sink::room`] are ignored.
    pub(crate) fn extend(&mut self, rows: impl Iterator<Item = Vec<Cell>>, ctx: &mut Ctx) {
        match &mut self.state {
            SinkState::Stats(state) => {
                let Some(Step::Stats(stats)) = self.plan.steps.get(self.at) else {
                    unreachable!("a stats sink sits on a STATS step")
                };
                for row in rows {
                    state.add(stats, &row, ctx);
                }
            }
            SinkState::Rows { rows: kept, cap } => {
                let room = cap.map_or(usize::MAX, |n| n.saturating_sub(kept.len()));
                kept.extend(rows.take(room));
            }
        }
    }

    /// Runs the blocking step and every step after it; returns the output rows.
    pub(crate) fn finish(self, ctx: &mut Ctx) -> Vec<Vec<Cell>> {
        let steps = &self.plan.steps;
        let (mut table, next) = match self.state {
            SinkState::Stats(state) => {
                let Some(Step::Stats(stats)) = steps.get(self.at) else {
                    unreachable!("a stats sink sits on a STATS step")
                };
                // `STATS … | SORT … | LIMIT n`: the top groups, when they can be picked
                // before the groups become rows.
                let top = match (steps.get(self.at + 1), steps.get(self.at + 2)) {
                    (Some(Step::SortAll), Some(Step::Sort(keys, Some(limit)))) => {
                        state.finish_top(stats, keys, *limit, ctx)
                    }
                    _ => Err(state),
                };
                match top {
                    Ok(rows) => (rows, self.at + 3),
                    Err(state) => (state.finish(stats, ctx), self.at + 1),
                }
            }
            SinkState::Rows { rows, .. } => (rows, self.at),
        };
        let mut at = next;
        while let Some(step) = steps.get(at) {
            // `STATS … | SORT … | LIMIT n`: when the top rows are decided whatever the order
            // the groups come in, select them instead of sorting every group twice.
            if let (Step::SortAll, Some(Step::Sort(keys, Some(limit)))) = (step, steps.get(at + 1))
            {
                match decided_top(table, keys, *limit) {
                    Ok(top) => {
                        table = top;
                        at += 2;
                        continue;
                    }
                    Err(all) => table = all,
                }
            }
            table = run_step(step, table, ctx);
            at += 1;
        }
        table.truncate(self.plan.final_limit);
        table
    }
}
