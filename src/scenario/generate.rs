//! The generator: a scenario and a seed → generated requests, one record per audit stage,
//! streamed in `@timestamp` order.
//!
//! Each repetition of each step is a cursor with its own SplitMix64 (seeded from the scenario
//! seed, the step and the repetition), producing requests in time order. A heap merges cursors by
//! request time; a second heap reorders stage records by `@timestamp`, releasing a record once no
//! future request can produce an earlier one (its `@timestamp` is below the earliest pending
//! request time plus the smallest read delay). Memory is bounded by the records inside that
//! reorder window, not by the length of the stream.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::rng::SplitMix64;
use super::{Pick, Scenario, Stage};
use crate::audit::time::Nanos;

/// One audit event (one stage of one request) before rendering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// Index into `Scenario::actors`.
    pub actor: usize,
    /// Index into `Scenario::steps`.
    pub step: usize,
    pub repetition: u64,
    /// Request number within the repetition.
    pub request: u64,
    /// Index into the step's `activities`.
    pub activity: usize,
    /// Indices into the activity's `names` / `namespaces` (`None` when the list is empty).
    pub name: Option<usize>,
    pub namespace: Option<usize>,
    /// Indices into the actor's `source_ips` / `user_agents` rotations.
    pub source_ips: usize,
    pub user_agent: usize,
    pub stage: Stage,
    pub audit_id: u128,
    pub request_received: Nanos,
    pub stage_timestamp: Nanos,
    /// `@timestamp`: when the Agent read the line.
    pub timestamp: Nanos,
    /// The ingest node's clock before truncation (`event.ingested` is this, whole seconds).
    pub ingested: Nanos,
}

/// The order of records: `@timestamp`, then generation order.
type OrderKey = (Nanos, usize, u64, u64, Stage);

impl Generated {
    fn order_key(&self) -> OrderKey {
        (
            self.timestamp,
            self.step,
            self.repetition,
            self.request,
            self.stage,
        )
    }
}

impl Ord for Generated {
    fn cmp(&self, other: &Self) -> Ordering {
        self.order_key().cmp(&other.order_key())
    }
}

impl PartialOrd for Generated {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A record in the reorder window: its order, and where the record itself is kept. The heap
/// moves these (48 bytes) instead of the records (160), and compares them as it compared the
/// records (by key alone), so records of equal keys still come out as they did.
struct Waiting {
    key: OrderKey,
    slot: usize,
}

impl PartialEq for Waiting {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Waiting {}
impl Ord for Waiting {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}
impl PartialOrd for Waiting {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The records of the reorder window, by slot; freed slots are taken again first.
#[derive(Default)]
struct Slots {
    records: Vec<Generated>,
    free: Vec<usize>,
}

impl Slots {
    fn keep(&mut self, record: Generated) -> usize {
        match self.free.pop() {
            Some(slot) => {
                self.records[slot] = record;
                slot
            }
            None => {
                self.records.push(record);
                self.records.len() - 1
            }
        }
    }

    /// The record of `slot`, whose slot is free from now on.
    fn take(&mut self, slot: usize) -> Generated {
        self.free.push(slot);
        self.records[slot].clone()
    }
}

struct Cursor {
    next_time: Nanos,
    step: usize,
    repetition: u64,
    request: u64,
    end_time: Option<Nanos>,
    rng: SplitMix64,
}

impl Cursor {
    fn key(&self) -> (Nanos, usize, u64) {
        (self.next_time, self.step, self.repetition)
    }
}

impl PartialEq for Cursor {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Cursor {}
impl Ord for Cursor {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}
impl PartialOrd for Cursor {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The stream of a scenario: see [`events`].
pub struct Events<'s> {
    scenario: &'s Scenario,
    cursors: BinaryHeap<Reverse<Cursor>>,
    ready: BinaryHeap<Reverse<Waiting>>,
    slots: Slots,
    min_read_delay: Nanos,
}

/// Generates the scenario's audit events in `@timestamp` order. `seed` overrides the scenario's.
pub fn events(scenario: &Scenario, seed: Option<u64>) -> Events<'_> {
    let seed = seed.unwrap_or(scenario.seed);
    let mut cursors = BinaryHeap::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        for repetition in 0..step.repeat {
            let start = scenario.start + step.at + repetition as i64 * step.every;
            let cursor = Cursor {
                next_time: start,
                step: index,
                repetition,
                request: 0,
                end_time: step.duration.map(|d| start + d),
                rng: SplitMix64::for_part(seed, &[index as u64, repetition]),
            };
            if has_request(scenario, &cursor) {
                cursors.push(Reverse(cursor));
            }
        }
    }
    let min_read_delay = scenario
        .steps
        .iter()
        .map(|s| s.read_delay.low)
        .min()
        .unwrap_or(0);
    Events {
        scenario,
        cursors,
        ready: BinaryHeap::new(),
        slots: Slots::default(),
        min_read_delay,
    }
}

fn has_request(scenario: &Scenario, cursor: &Cursor) -> bool {
    let step = &scenario.steps[cursor.step];
    if step.activities.is_empty() {
        return false;
    }
    match (step.requests, cursor.end_time) {
        (Some(n), _) => cursor.request < n,
        (None, Some(end)) => cursor.next_time < end,
        (None, None) => false,
    }
}

fn sample(rng: &mut SplitMix64, low: Nanos, high: Nanos) -> Nanos {
    rng.between(low, high)
}

impl Events<'_> {
    /// Produces the stage records of the earliest pending request.
    fn advance(&mut self) {
        let Some(Reverse(mut cursor)) = self.cursors.pop() else {
            return;
        };
        let scenario = self.scenario;
        let step = &scenario.steps[cursor.step];
        let actor = &scenario.actors[step.actor];
        let rng = &mut cursor.rng;
        let i = cursor.request;
        let activity = if step.activities.len() == 1 {
            0
        } else {
            let total: u64 = step.activities.iter().map(|a| u64::from(a.weight)).sum();
            let mut roll = rng.below(total);
            step.activities
                .iter()
                .position(|a| {
                    let hit = roll < u64::from(a.weight);
                    roll = roll.saturating_sub(u64::from(a.weight));
                    hit
                })
                .unwrap_or(0)
        };
        let chosen = &step.activities[activity];
        let mut choose = |len: usize| -> Option<usize> {
            match (len, step.pick) {
                (0, _) => None,
                (_, Pick::Cycle) => Some((i % len as u64) as usize),
                (_, Pick::Random) => Some(rng.below(len as u64) as usize),
            }
        };
        let name = choose(chosen.names.len());
        let namespace = choose(chosen.namespaces.len());
        let source_ips = (i % actor.source_ips.len().max(1) as u64) as usize;
        let user_agent = (i % actor.user_agents.len().max(1) as u64) as usize;
        let audit_id = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
        // The API server writes microseconds; latency from receipt to completion is 1–40 ms.
        let received = cursor.next_time.div_euclid(1000) * 1000;
        let latency = sample(rng, 1_000_000, 40_000_000).div_euclid(1000) * 1000;
        for &stage in &chosen.stages {
            let stage_timestamp = match stage {
                Stage::RequestReceived => received,
                Stage::ResponseStarted => received + latency / 2000 * 1000,
                Stage::ResponseComplete | Stage::Panic => received + latency,
            };
            let timestamp =
                stage_timestamp + sample(rng, step.read_delay.low, step.read_delay.high);
            let ingested = timestamp + sample(rng, step.ingest_lag.low, step.ingest_lag.high);
            let record = Generated {
                actor: step.actor,
                step: cursor.step,
                repetition: cursor.repetition,
                request: i,
                activity,
                name,
                namespace,
                source_ips,
                user_agent,
                stage,
                audit_id,
                request_received: received,
                stage_timestamp,
                timestamp,
                ingested,
            };
            let key = record.order_key();
            let slot = self.slots.keep(record);
            self.ready.push(Reverse(Waiting { key, slot }));
        }
        // Next request: spacing × (1 ± jitter); never backwards, so the cursor stays ordered.
        let factor = 1.0 + step.jitter * (2.0 * rng.unit() - 1.0);
        cursor.next_time += ((step.spacing as f64) * factor).max(0.0) as Nanos;
        cursor.request += 1;
        if has_request(scenario, &cursor) {
            self.cursors.push(Reverse(cursor));
        }
    }
}

impl Events<'_> {
    /// The earliest record of the window.
    fn pop(&mut self) -> Option<Generated> {
        let Reverse(waiting) = self.ready.pop()?;
        Some(self.slots.take(waiting.slot))
    }
}

impl Iterator for Events<'_> {
    type Item = Generated;

    fn next(&mut self) -> Option<Generated> {
        loop {
            let watermark = self
                .cursors
                .peek()
                // Receipt times are truncated to microseconds, so that is the earliest a
                // pending request can be stamped.
                .map(|Reverse(c)| c.next_time.div_euclid(1000) * 1000 + self.min_read_delay);
            match (self.ready.peek(), watermark) {
                (Some(Reverse(first)), Some(watermark)) if first.key.0 < watermark => {
                    return self.pop()
                }
                (_, Some(_)) => self.advance(),
                (_, None) => return self.pop(),
            }
        }
    }
}
