//! `rulegate edges`: boundary scenarios derived from a rule's syntax tree — thresholds at N−1, N
//! and N+1, N requests for one value, N values split across each `BY` key, exclusion hits and near
//! misses, and schedule edges (look-back bounds, bursts split across or inside the overlap of two
//! executions, ingest lag) — written as ordinary scenario files with `kind = "edge"`.
//!
//! Every scenario places its requests relative to the rule's own executions: `T0` is the first
//! whole multiple of the interval at or after 2026-05-15T10:00:00Z and `E = T0 + interval` the
//! execution whose window `[E − look-back, E]` the bursts aim at. Read delay and ingest lag are
//! zero unless the edge is about lag, so `event.ingested` equals `@timestamp`.
//!
//! A threshold above 100,000 (`MAX_BURST`) sizes no bursts: each burst lists its names one by one,
//! so such a rule gets the exclusion and schedule edges only.

//! Diagnostic codes:
//!
//! | code | meaning |
//! |---|---|
//! | `E711` | the rule reads data the scenario generator cannot write: an index or event category with no stream the DSL writes (Kubernetes audit steps, generic event steps), or a join key no step of that data writes |

pub mod eql;
pub mod kql;
mod model;
mod variants;
mod write;

pub use model::{EdgeModel, Exclusion, ExclusionKind, Threshold};
use variants::{variants, Variant};
pub use write::{Draft, DraftActor, DraftExpect, DraftStep};

use crate::schedule::{time::SECOND, ScheduleSpec, Timestamp};

/// One generated scenario: its file name (`<slug>.toml`) and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeScenario {
    pub file_name: String,
    /// The scenario's name.
    pub title: String,
    pub text: String,
}

/// What the generator needs besides the syntax tree.
pub struct EdgeInput<'a> {
    /// The rule file as a scenario beside the output names it (`../../rules/x.toml`).
    pub rule_reference: &'a str,
    /// The rule file as the user named it, for the header comment.
    pub rule_display: &'a str,
    pub schedule: &'a ScheduleSpec,
    pub model: &'a EdgeModel,
}

/// Why edge scenarios cannot be derived for a query, if they cannot: the scenario generator writes
/// the documents of Elastic's Kubernetes audit-log data stream only, so a rule whose `FROM` reads
/// no such data stream (a Windows or cloud rule, a `ROW` query) would get scenarios it never sees.
pub fn data_source_gap(query: &crate::esql::ast::Query) -> Option<String> {
    use crate::esql::ast::SourceCommand;
    let stream = crate::audit::ecs::INDEX;
    match &query.source {
        SourceCommand::From(from) if from.indices.iter().any(|i| crate::document::index_matches(&i.pattern, stream)) => None,
        SourceCommand::From(from) => Some(format!(
            "the rule reads {}, and rulegate's scenarios generate Kubernetes audit logs ({stream}) only",
            from.indices.iter().map(|i| format!("`{}`", i.pattern)).collect::<Vec<_>>().join(", ")
        )),
        SourceCommand::Row(_) => Some("the rule's query starts with ROW and reads no documents".into()),
    }
}

const ACTOR_USERNAME: &str = "system:serviceaccount:edge:prober";
const ACTOR_IP: &str = "203.0.113.10";
const ACTOR_AGENT: &str = "kubectl/v1.30.1 (linux/amd64) kubernetes/7c48c2b";
const USER_FIELDS: [&str; 2] = ["user.name", "kubernetes.audit.user.username"];

/// The fields of a request the DSL sets per actor, and how.
fn actor_field(field: &str) -> Option<&'static str> {
    match field {
        "user.name" | "kubernetes.audit.user.username" => Some("username"),
        "source.ip" => Some("source_ips"),
        "user_agent.original" => Some("user_agent"),
        _ => None,
    }
}

/// Generates every edge scenario of a rule, in a stable order.
pub fn generate(input: &EdgeInput) -> Vec<EdgeScenario> {
    let plan = Plan::new(input);
    let mut drafts = Vec::new();
    plan.thresholds(&mut drafts);
    plan.exclusions(&mut drafts);
    plan.schedule_edges(&mut drafts);
    drafts.iter().map(|draft| draft.render(input)).collect()
}

/// The largest threshold edge scenarios are sized by: each burst lists its names one by one.
const MAX_BURST: i64 = 100_000;

struct Plan<'a> {
    input: &'a EdgeInput<'a>,
    /// The threshold the bursts are sized by: the first one over a column the DSL can vary.
    threshold: Option<(&'a Threshold, i64)>,
    verb: String,
    resource: String,
    interval: i64,
    lookback: i64,
    /// `E`, the aimed-at execution.
    execution: Timestamp,
}

impl<'a> Plan<'a> {
    fn new(input: &'a EdgeInput<'a>) -> Plan<'a> {
        let model = input.model;
        // A burst is written out name by name: thresholds above `MAX_BURST` get no bursts.
        let threshold = model.thresholds.iter().find_map(|threshold| {
            let n = threshold.lowest_alerting()?;
            (threshold.counted_field.as_deref() == Some("kubernetes.audit.objectRef.name")
                && (1..=MAX_BURST).contains(&n))
            .then_some((threshold, n))
        });
        let verb = model
            .required("event.action")
            .or_else(|| model.required("kubernetes.audit.verb"))
            .unwrap_or("get")
            .to_string();
        let resource = model
            .required("kubernetes.audit.objectRef.resource")
            .unwrap_or("secrets")
            .to_string();
        let anchor = Timestamp::parse("2026-05-15T10:00:00Z")
            .expect("a valid constant")
            .round_up(input.schedule.interval)
            .expect("a fixed 2026 instant rounds up within range");
        Plan {
            input,
            threshold,
            verb,
            resource,
            interval: input.schedule.interval,
            lookback: input.schedule.to - input.schedule.from,
            execution: anchor.plus(input.schedule.interval),
        }
    }

    /// Distinct secrets that make the group alert (the threshold's N), or 1 without a threshold.
    fn n(&self) -> i64 {
        self.threshold.map_or(1, |(_, n)| n)
    }

    /// The start of a burst that only execution `E` reads: just after the previous execution,
    /// before the next window opens. `None` when the windows overlap so much none exists.
    fn single_window_start(&self) -> Timestamp {
        self.execution.plus(-self.interval + SECOND)
    }

    fn single_window_fits(&self, requests: i64) -> bool {
        // The burst ends before the next window starts and after the previous execution.
        let end = self.single_window_start().plus((requests - 1) * SECOND);
        end < self.execution.plus(self.interval - self.lookback) && self.lookback >= self.interval
    }

    fn actor(&self, key: &str) -> DraftActor {
        DraftActor {
            key: key.to_string(),
            username: ACTOR_USERNAME.to_string(),
            source_ips: vec![vec![ACTOR_IP.to_string()]],
            user_agents: vec![ACTOR_AGENT.to_string()],
        }
    }

    fn step(&self, actor: &str, at: Timestamp, names: Vec<String>, requests: i64) -> DraftStep {
        DraftStep {
            actor: actor.to_string(),
            at,
            verb: self.verb.clone(),
            resource: self.resource.clone(),
            names,
            requests,
            spacing: SECOND,
            ingest_lag: None,
        }
    }

    fn secrets(prefix: &str, count: i64) -> Vec<String> {
        (1..=count).map(|i| format!("{prefix}-{i}")).collect()
    }

    fn draft(&self, slug: &str, title: &str, description: String) -> Draft {
        Draft {
            slug: slug.to_string(),
            title: title.to_string(),
            description,
            actors: Vec::new(),
            steps: Vec::new(),
            expect: DraftExpect::default(),
        }
    }

    fn thresholds(&self, drafts: &mut Vec<Draft>) {
        let Some((threshold, n)) = self.threshold else {
            return;
        };
        self.threshold_counts(drafts, threshold, n);
        if threshold.function == "count_distinct" {
            drafts.push(self.one_value_repeated(threshold, n));
        }
        for key in &self.input.model.group_by {
            let Some(kind) = actor_field(key) else {
                continue;
            };
            if kind == "username"
                && key != USER_FIELDS[0]
                && self
                    .input
                    .model
                    .group_by
                    .iter()
                    .any(|k| k == USER_FIELDS[0])
            {
                // `user.name` and `kubernetes.audit.user.username` are the same identity; one split covers both.
                continue;
            }
            drafts.push(self.split_by_key(threshold, n, key, kind));
        }
    }

    /// One client reads N − 1, N and N + 1 distinct secrets in one window.
    fn threshold_counts(&self, drafts: &mut Vec<Draft>, threshold: &Threshold, n: i64) {
        let exact = self.single_window_fits(n + 1);
        let text = threshold.text();
        for (suffix, count, alerts) in [
            ("below", n - 1, false),
            ("at", n, true),
            ("above", n + 1, true),
        ] {
            if count < 1 {
                continue;
            }
            let mut draft =
                self.draft(
                    &format!("threshold-{suffix}"),
                    &format!("{text}: {count} distinct secrets"),
                    format!(
                    "One client reads {count} distinct secrets within a single execution window. \
                     The threshold `{text}` needs {n}, so this {}.",
                    if alerts { "alerts" } else { "stays silent: one short of the threshold" }
                ),
                );
            draft.actors.push(self.actor("prober"));
            draft.steps.push(self.step(
                "prober",
                self.single_window_start(),
                Self::secrets("edge-secret", count),
                count,
            ));
            if exact {
                draft.expect.alerts = Some(u64::from(alerts));
            }
            if alerts {
                draft.expect.groups.push("prober".into());
            }
            drafts.push(draft);
        }
    }

    /// `COUNT_DISTINCT` counts one secret read N times once.
    fn one_value_repeated(&self, threshold: &Threshold, n: i64) -> Draft {
        let text = threshold.text();
        let mut draft = self.draft(
            "threshold-one-value-repeated",
            &format!("{text}: {n} requests for one secret"),
            format!(
                "One client reads the same secret {n} times. `{}` counts distinct values, so {n} \
                 requests for one name count once and never reach the threshold.",
                threshold.column
            ),
        );
        draft.actors.push(self.actor("prober"));
        draft.steps.push(self.step(
            "prober",
            self.single_window_start(),
            vec!["edge-secret-same".into()],
            n,
        ));
        draft.expect.alerts = Some(0);
        draft
    }

    /// The N secrets read in one window, each request with a different value of the `BY` key
    /// `key` (the actor field `kind`): no group reaches the threshold.
    fn split_by_key(&self, threshold: &Threshold, n: i64, key: &str, kind: &str) -> Draft {
        let text = threshold.text();
        let slug = format!("threshold-split-by-{}", key.replace(['.', '_'], "-"));
        let mut draft = self.draft(
            &slug,
            &format!("{text}: {n} secrets split across `{key}`"),
            format!(
                "The same {n} distinct secrets are read in one window, but every request carries \
                 a different `{key}`. The rule groups by `{key}`, so each group sees one secret \
                 and nothing alerts: rotating this field evades the threshold."
            ),
        );
        let names = Self::secrets("edge-secret", n);
        if kind == "username" {
            for i in 1..=n {
                let mut actor = self.actor(&format!("prober-{i}"));
                actor.username = format!("{ACTOR_USERNAME}-{i}");
                draft.steps.push(self.step(
                    &actor.key,
                    self.single_window_start().plus((i - 1) * SECOND),
                    vec![names[(i - 1) as usize].clone()],
                    1,
                ));
                draft.actors.push(actor);
            }
        } else {
            let mut actor = self.actor("prober");
            if kind == "source_ips" {
                actor.source_ips = (1..=n)
                    .map(|i| vec![format!("203.0.113.{}", 100 + i)])
                    .collect();
            } else {
                actor.user_agents = (1..=n).map(|i| format!("{ACTOR_AGENT} edge/{i}")).collect();
            }
            draft.actors.push(actor);
            draft
                .steps
                .push(self.step("prober", self.single_window_start(), names, n));
        }
        draft.expect.alerts = Some(0);
        draft
    }

    fn exclusions(&self, drafts: &mut Vec<Draft>) {
        let mut seen_slugs = std::collections::BTreeSet::new();
        for exclusion in &self.input.model.exclusions {
            let field = exclusion.field.as_str();
            let slug_field = field.replace(['.', '_', '/'], "-").to_lowercase();
            let mut slug = format!("exclusion-{slug_field}");
            let mut counter = 2;
            while !seen_slugs.insert(slug.clone()) {
                slug = format!("exclusion-{slug_field}-{counter}");
                counter += 1;
            }
            let variants = variants(exclusion);
            if variants.is_empty() {
                continue;
            }
            for (part, wanted) in [("hit", true), ("near-miss", false)] {
                drafts.extend(self.exclusion_draft(exclusion, &variants, &slug, part, wanted));
            }
        }
    }

    /// One exclusion's scenario of its exact hits (`wanted`) or its near misses: one
    /// alert-worthy actor per variant; `None` when there is no such variant to write.
    fn exclusion_draft(
        &self,
        exclusion: &Exclusion,
        variants: &[Variant],
        slug: &str,
        part: &str,
        wanted: bool,
    ) -> Option<Draft> {
        let n = self.n();
        let field = exclusion.field.as_str();
        let chosen: Vec<&Variant> = variants
            .iter()
            .filter(|variant| variant.excluded == wanted)
            .collect();
        if chosen.is_empty() {
            return None;
        }
        let listing: Vec<String> = chosen
            .iter()
            .map(|variant| format!("`{}` ({})", variant.value, variant.why))
            .collect();
        let mut draft = self.draft(
            &format!("{slug}-{part}"),
            &format!("{}: {}", exclusion.text, if wanted { "exact hits" } else { "near misses" }),
            format!(
                "Each actor is an alert-worthy burst ({} distinct secrets in one window) that differs \
                 only in `{field}`: {}. {}",
                n.max(1),
                listing.join(", "),
                if wanted {
                    format!("Every value is caught by the exclusion `{}`, so nothing alerts.", exclusion.text)
                } else {
                    format!("None of them is caught by `{}`, so each one alerts.", exclusion.text)
                }
            ),
        );
        let mut at = self.single_window_start();
        for (index, variant) in chosen.iter().enumerate() {
            let key = format!("variant-{}", index + 1);
            let mut actor = self.actor(&key);
            actor.username = format!("{ACTOR_USERNAME}-{}", index + 1);
            let mut names = Self::secrets(&format!("edge-secret-{}", index + 1), n.max(1));
            match actor_field(field) {
                Some("username") => actor.username = variant.value.clone(),
                Some("source_ips") => actor.source_ips = vec![vec![variant.value.clone()]],
                Some("user_agent") => actor.user_agents = vec![variant.value.clone()],
                _ if field == "kubernetes.audit.objectRef.name" => {
                    // N − 1 ordinary secrets and the variant: the group reaches the threshold
                    // exactly when the variant is not excluded.
                    names.pop();
                    names.push(variant.value.clone());
                }
                _ => continue,
            }
            let requests = names.len() as i64;
            draft.steps.push(self.step(&key, at, names, requests));
            at = at.plus(requests * SECOND);
            if !wanted {
                draft.expect.groups.push(key.clone());
            }
            draft.actors.push(actor);
        }
        if draft.steps.is_empty() {
            return None;
        }
        if self.single_window_fits((at.millis() - self.single_window_start().millis()) / SECOND) {
            draft.expect.alerts = Some(if wanted {
                0
            } else {
                draft.expect.groups.len() as u64
            });
        }
        Some(draft)
    }

    fn schedule_edges(&self, drafts: &mut Vec<Draft>) {
        let n = self.n();
        if n < 2 {
            return;
        }
        let regular = self.lookback >= self.interval && self.lookback < 2 * self.interval;
        self.lookback_bounds(drafts, regular);
        self.overlap_burst(drafts, regular);
        drafts.push(self.burst_split(regular));
        self.ingest_lag(drafts, regular);
    }

    /// N reads spread over the look-back, the first just inside and just outside the window.
    /// `regular` (a look-back of one to two intervals) makes the silent counts exact.
    fn lookback_bounds(&self, drafts: &mut Vec<Draft>, regular: bool) {
        let n = self.n();
        let lookback = self.lookback;
        let e = self.execution;
        let window_start = e.plus(-lookback);
        let lookback_text = crate::schedule::time::format_duration(lookback);
        for (slug, first, alerts, how) in [
            ("schedule-lookback-inside", window_start, true, "the first read falls exactly on the window's start (inclusive), the last on the execution time"),
            ("schedule-lookback-outside", window_start.plus(-SECOND), false, "the first read is one second before the window's start, so no window holds all of them"),
        ] {
            let mut draft = self.draft(
                slug,
                &format!("{n} reads spread over the {lookback_text} look-back, {}", if alerts { "just inside" } else { "just outside" }),
                format!("A client reads {n} distinct secrets spread over the look-back of {lookback_text}: {how}."),
            );
            draft.actors.push(self.actor("prober"));
            let names = Self::secrets("edge-secret", n);
            draft.steps.push(self.step("prober", first, vec![names[0].clone()], 1));
            if n > 2 {
                let middle = first.plus((e.millis() - first.millis()) / 2);
                draft.steps.push(self.step("prober", middle, names[1..(n - 1) as usize].to_vec(), n - 2));
            }
            draft.steps.push(self.step("prober", e, vec![names[(n - 1) as usize].clone()], 1));
            if alerts {
                draft.expect.min_alerts = Some(1);
                draft.expect.groups.push("prober".into());
            } else if regular {
                draft.expect.alerts = Some(0);
            }
            drafts.push(draft);
        }
    }

    /// A burst inside the overlap of two consecutive windows: both executions read it.
    fn overlap_burst(&self, drafts: &mut Vec<Draft>, regular: bool) {
        let n = self.n();
        let e = self.execution;
        let lookback = self.lookback;
        let overlap_start = e.plus(self.interval - lookback);
        if overlap_start <= e && overlap_start.plus(n * SECOND) <= e {
            let mut draft = self.draft(
                "schedule-overlap-burst",
                &format!("{n} reads inside the overlap of two executions"),
                format!(
                    "A client reads {n} distinct secrets between {} and {}, inside both the window of the \
                     execution at {} and that of the next one. An aggregating rule creates an alert in each \
                     execution, so the burst alerts twice; the second alert is marked as a duplicate.",
                    overlap_start, e, e
                ),
            );
            draft.actors.push(self.actor("prober"));
            draft.steps.push(self.step(
                "prober",
                overlap_start.plus(SECOND),
                Self::secrets("edge-secret", n),
                n,
            ));
            if self.input.schedule.suppression.is_none() && regular {
                draft.expect.alerts = Some(2);
            }
            draft.expect.groups.push("prober".into());
            drafts.push(draft);
        }
    }

    /// A burst split across two executions: half only the first window reads, half only the next.
    fn burst_split(&self, regular: bool) -> Draft {
        let n = self.n();
        let e = self.execution;
        let first_half = n / 2;
        let mut draft = self.draft(
            "schedule-burst-split",
            &format!("{n} reads split across two executions"),
            format!(
                "A client reads {n} distinct secrets in two halves, one just after the execution at {} and one \
                 just after the execution at {e}. No single window holds all {n}, so nothing alerts \
                 although the burst lasts only about one interval.",
                e.plus(-self.interval)
            ),
        );
        draft.actors.push(self.actor("prober"));
        let names = Self::secrets("edge-secret", n);
        draft.steps.push(self.step(
            "prober",
            self.single_window_start(),
            names[..first_half as usize].to_vec(),
            first_half,
        ));
        draft.steps.push(self.step(
            "prober",
            e.plus(SECOND),
            names[first_half as usize..].to_vec(),
            n - first_half,
        ));
        if regular {
            draft.expect.alerts = Some(0);
        }
        draft
    }

    /// Ingest lag: all reads happen inside one window by `@timestamp`, but the last one is
    /// ingested an interval later and so falls into the next window.
    fn ingest_lag(&self, drafts: &mut Vec<Draft>, regular: bool) {
        let n = self.n();
        if self.input.schedule.timestamp_override.as_deref() == Some("event.ingested") {
            let mut draft = self.draft(
                "schedule-ingest-lag",
                &format!("{n} reads in one window, the last ingested {} late", crate::schedule::time::format_duration(self.interval)),
                format!(
                    "A client reads {n} distinct secrets within seconds, but the last event reaches the cluster \
                     {} later (`event.ingested`). The rule filters on `event.ingested`, so that read moves to \
                     the next window and neither window holds all {n}.",
                    crate::schedule::time::format_duration(self.interval)
                ),
            );
            draft.actors.push(self.actor("prober"));
            let names = Self::secrets("edge-secret", n);
            draft.steps.push(self.step(
                "prober",
                self.single_window_start(),
                names[..(n - 1) as usize].to_vec(),
                n - 1,
            ));
            let mut late = self.step(
                "prober",
                self.single_window_start().plus((n - 1) * SECOND),
                vec![names[(n - 1) as usize].clone()],
                1,
            );
            late.ingest_lag = Some(self.interval);
            draft.steps.push(late);
            if regular && self.single_window_fits(n) {
                draft.expect.alerts = Some(0);
            }
            drafts.push(draft);
        }
    }
}
