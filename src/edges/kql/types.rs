//! The edges of each rule type: value edges over every leaf (all types), threshold counts and
//! cardinality (`threshold`), history bounds (`new_terms`). Expected alerts are counted from
//! the engine's verdict per document, as `crate::runner::logic` counts buckets and terms.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::judge::{combinations, terms};
use super::render::{KqlDraft, KqlStep};
use super::sites::{self, Site};
use super::witness::{self, Doc};
use super::{slug_of, Kind, Plan, MAX_EVENTS};
use crate::diagnostic::Diagnostic;
use crate::edges::DraftExpect;
use crate::runner::{NewTermsSpec, ThresholdSpec};
use crate::schedule::{time::SECOND, Timestamp};

/// The most distinct values a cardinality edge draws (each is written into the scenario).
pub const MAX_DRAW: i64 = 1_000;

/// Events of one shape and how many of them.
type Events = Vec<(Doc, i64)>;

impl Plan<'_> {
    fn draft(&self, slug: String, title: String, description: String) -> KqlDraft {
        KqlDraft {
            slug,
            title,
            description,
            actors: Vec::new(),
            steps: Vec::new(),
            expect: DraftExpect::default(),
        }
    }

    /// The threshold's cardinality field when the query leaves it free (edges draw its values).
    fn free_cardinality<'s>(&self, spec: &'s ThresholdSpec) -> Option<(&'s String, i64)> {
        let (field, needed) = spec.cardinality.as_ref()?;
        (!self.read.contains(field) && *needed < MAX_DRAW).then_some((field, *needed))
    }

    /// `count` events of `doc`, the draw's values taken in turn.
    fn expand(doc: &Doc, count: i64, draw: &Option<(String, Vec<Json>)>) -> Events {
        match draw {
            None => vec![(doc.clone(), count)],
            Some((field, values)) => {
                let k = values.len() as i64;
                values
                    .iter()
                    .enumerate()
                    .map(|(j, value)| {
                        let mut shaped = doc.clone();
                        shaped.insert(field.clone(), value.clone());
                        (shaped, count / k + i64::from((j as i64) < count % k))
                    })
                    .filter(|(_, n)| *n > 0)
                    .collect()
            }
        }
    }

    fn draw_of(&self, field: &str, distinct: i64) -> Option<(String, Vec<Json>)> {
        let ty = (self.context.types)(field);
        (distinct > 0).then(|| {
            (
                field.to_string(),
                (1..=distinct)
                    .map(|i| witness::filler(ty, "edge-value", i as u32))
                    .collect(),
            )
        })
    }

    /// Alerts of one execution of a threshold rule over these events (`logic::threshold`).
    fn threshold_alerts(&self, spec: &ThresholdSpec, events: &Events) -> Result<u64, Diagnostic> {
        let mut buckets: BTreeMap<Vec<String>, (i64, BTreeSet<String>)> = BTreeMap::new();
        for (doc, n) in events {
            if self.judge().matches(&self.full(doc, "count"))? != Some(true) {
                continue;
            }
            for combo in combinations(doc, &spec.fields) {
                let bucket = buckets.entry(combo).or_default();
                bucket.0 += n;
                if let Some((field, _)) = &spec.cardinality {
                    bucket.1.extend(terms(doc, field));
                }
            }
        }
        let needed = spec.cardinality.as_ref().map_or(0, |(_, c)| *c);
        Ok(buckets
            .values()
            .filter(|(count, distinct)| *count >= spec.value && distinct.len() as i64 >= needed)
            .count() as u64)
    }

    pub(super) fn type_edges(&self, drafts: &mut Vec<KqlDraft>) -> Result<(), Diagnostic> {
        match self.kind {
            Kind::Query => Ok(()),
            Kind::Threshold(spec) => self.threshold_edges(spec, drafts),
            Kind::NewTerms(spec) => self.new_terms_edges(spec, drafts),
        }
    }

    fn threshold_edges(
        &self,
        spec: &ThresholdSpec,
        drafts: &mut Vec<KqlDraft>,
    ) -> Result<(), Diagnostic> {
        let n = spec.value;
        let card = self.free_cardinality(spec);
        let grouping = if spec.fields.is_empty() {
            "all matching documents".to_string()
        } else {
            format!("one bucket of `{}`", spec.fields.join("`, `"))
        };
        let base_draw = card.and_then(|(field, c)| self.draw_of(field, c));
        for (suffix, count) in [("below", n - 1), ("at", n), ("above", n + 1)] {
            if !(1..=MAX_EVENTS).contains(&count) {
                continue;
            }
            let events = Self::expand(&self.witness, count, &base_draw);
            let alerts = self.threshold_alerts(spec, &events)?;
            let mut draft = self.draft(
                format!("threshold-{suffix}"),
                format!("threshold {n}: {count} matching events"),
                format!("{count} events the query matches fall in {grouping} within one execution window; the threshold needs {n}, so {}.", outcome(alerts)),
            );
            self.push_burst(&mut draft, count, base_draw.clone(), alerts);
            drafts.push(draft);
        }
        let Some((field, c)) = card else {
            return Ok(());
        };
        let count = n.max(c + 1);
        if count > MAX_EVENTS {
            return Ok(());
        }
        for (suffix, distinct) in [("below", c - 1), ("at", c), ("above", c + 1)] {
            if distinct < 1 {
                continue;
            }
            let draw = self.draw_of(field, distinct);
            let alerts = self.threshold_alerts(spec, &Self::expand(&self.witness, count, &draw))?;
            let mut draft = self.draft(
                format!("cardinality-{suffix}"),
                format!("cardinality of `{field}` {c}: {distinct} distinct values"),
                format!("{count} matching events (the threshold is {n}) carry {distinct} distinct values of `{field}`; the rule needs at least {c}, so {}.", outcome(alerts)),
            );
            self.push_burst(&mut draft, count, draw, alerts);
            drafts.push(draft);
        }
        Ok(())
    }

    /// One actor's burst of witness events in `E`'s window, and the expected alerts.
    fn push_burst(
        &self,
        draft: &mut KqlDraft,
        count: i64,
        draw: Option<(String, Vec<Json>)>,
        alerts: u64,
    ) {
        let spacing = self.spacing(count);
        draft.actors.push(self.actor(&draft.slug, "prober"));
        let mut step = self.step(
            "prober",
            self.first,
            count,
            spacing.unwrap_or(1),
            self.witness.clone(),
        );
        step.draw = draw;
        draft.steps.push(step);
        let mut expect = DraftExpect::default();
        self.expect_alerts(&mut expect, alerts, spacing.is_some());
        draft.expect = expect;
    }

    fn new_terms_edges(
        &self,
        spec: &NewTermsSpec,
        drafts: &mut Vec<KqlDraft>,
    ) -> Result<(), Diagnostic> {
        let now = self.execution.millis();
        let window_from = self.execution.plus(self.input.schedule.from);
        let Some(start) = spec.history.resolve(now).map(Timestamp) else {
            return Ok(());
        };
        let fields = spec.fields.join("`, `");
        let history = spec.history.text.as_str();
        let cases: [(&str, Option<Timestamp>, String); 4] = [
            ("new-terms-first-seen", None, "appears only in the execution window: no history document has it".into()),
            ("new-terms-seen-in-history", Some(window_from.plus(-SECOND)), format!("was seen one second before the execution window opens, inside the history window (`{history}` to the window's start)")),
            ("new-terms-at-history-start", Some(start), format!("was seen exactly at the history window's start (`{history}`, inclusive)")),
            ("new-terms-before-history-start", Some(start.plus(-SECOND)), format!("was seen one second before the history window's start (`{history}`), so the history does not hold it")),
        ];
        let matched = self.judge().matches(&self.full(&self.witness, "term"))? == Some(true);
        let combos: BTreeSet<Vec<String>> = combinations(&self.witness, &spec.fields)
            .into_iter()
            .collect();
        for (slug, seen_at, how) in cases {
            if seen_at.is_some_and(|t| t >= window_from) {
                continue;
            }
            let in_history = seen_at.is_some_and(|t| t >= start && t < window_from);
            let alerts = if matched && !in_history {
                combos.len() as u64
            } else {
                0
            };
            let mut draft = self.draft(
                slug.to_string(),
                format!(
                    "new terms of `{fields}`: the term {}",
                    slug.trim_start_matches("new-terms-").replace('-', " ")
                ),
                format!(
                    "An event the query matches carries a term of `{fields}` that {how}; so {}.",
                    outcome(alerts)
                ),
            );
            draft.actors.push(self.actor(slug, "prober"));
            if let Some(at) = seen_at {
                let mut past = self.step("prober", at, 1, SECOND, self.witness.clone());
                past.history = true;
                draft.steps.push(past);
            }
            draft
                .steps
                .push(self.step("prober", self.first, 1, SECOND, self.witness.clone()));
            let mut expect = DraftExpect::default();
            self.expect_alerts(&mut expect, alerts, self.spacing(1).is_some());
            if alerts > 0 && expect.alerts.is_some() {
                expect.groups.push("prober".into());
            }
            draft.expect = expect;
            drafts.push(draft);
        }
        Ok(())
    }

    pub(super) fn value_edges(&self, drafts: &mut Vec<KqlDraft>) -> Result<(), Diagnostic> {
        let Some(root) = &self.search.query.root else {
            return Ok(());
        };
        let mut slugs = BTreeSet::new();
        for site in sites::sites(root) {
            let base = format!("{}-{}", site.label(), slug_of(&site.field));
            let mut slug = base.clone();
            let mut counter = 2;
            while !slugs.insert(slug.clone()) {
                slug = format!("{base}-{counter}");
                counter += 1;
            }
            if let Some(draft) = self.site_draft(&site, slug)? {
                drafts.push(draft);
            }
        }
        Ok(())
    }

    /// One scenario for a leaf: one actor per near value, each its own bucket or term.
    fn site_draft(&self, site: &Site, slug: String) -> Result<Option<KqlDraft>, Diagnostic> {
        let Some((count, split, draw)) = self.site_grouping(site) else {
            return Ok(None);
        };
        if count > MAX_EVENTS {
            return Ok(None);
        }
        let mut rows = Vec::new();
        let variants = sites::variants(site, &self.witness, &self.context);
        for (i, variant) in variants.iter().enumerate() {
            let key = format!("variant-{}", i + 1);
            let mut doc = sites::apply(&self.witness, &site.field, variant);
            if let Some(field) = &split {
                doc.insert(
                    field.clone(),
                    witness::filler((self.context.types)(field), "edge-group", i as u32 + 1),
                );
            }
            let identity = self.actor(&slug, &key).identity.1;
            if let Some(matched) = self.judge().matches(&self.full(&doc, &identity))? {
                rows.push((key, variant, doc, matched));
            }
        }
        if rows.len() < 2 {
            return Ok(None);
        }
        let (alerts, alerting) = self.site_alerts(&rows, count, &draw)?;
        let spacing = self.spacing(count * rows.len() as i64);
        let listing = variant_listing(&rows);
        let role = if site.negated {
            "the exclusion"
        } else {
            "the clause"
        };
        let shared = match self.kind {
            Kind::NewTerms(spec) if split.is_none() && !spec.fields.contains(&site.field) => format!(
                " The actors share one term of `{}` (the query fixes it), so only the first match is new.",
                spec.fields.join("`, `")
            ),
            _ => String::new(),
        };
        let mut draft = self.draft(
            slug.clone(),
            format!("`{}`: hits and near misses", site.text),
            format!(
                "Each actor writes {} of the witness document the query matches, with only `{}` changed around {role} `{}`: {}.{shared} In all: {}.",
                if count == 1 { "one event".to_string() } else { format!("{count} events (its own bucket)") },
                site.field,
                site.text,
                listing.join("; "),
                outcome(alerts),
            ),
        );
        let mut at = self.first;
        for (key, _, doc, _) in &rows {
            draft.actors.push(self.actor(&slug, key));
            let mut step: KqlStep = self.step(key, at, count, spacing.unwrap_or(1), doc.clone());
            step.draw = draw.clone();
            draft.steps.push(step);
            at = at.plus(count * spacing.unwrap_or(1));
        }
        let exact = spacing.is_some() && (alerts as usize) <= self.input.schedule.max_signals;
        self.expect_alerts(&mut draft.expect, alerts, exact);
        if exact
            && self.input.schedule.suppression.is_none()
            && matches!(self.kind, Kind::Query | Kind::NewTerms(_))
        {
            draft.expect.groups = alerting;
        }
        Ok(Some(draft))
    }

    /// A leaf's events per actor, the field that gives each actor its own bucket or term, and
    /// the values drawn for a threshold's free field; `None` when a threshold has no field free
    /// to split on.
    #[allow(clippy::type_complexity)]
    fn site_grouping(
        &self,
        site: &Site,
    ) -> Option<(i64, Option<String>, Option<(String, Vec<Json>)>)> {
        let free = |fields: &[String]| {
            fields
                .iter()
                .find(|f| **f != site.field && !self.read.contains(*f))
                .cloned()
        };
        Some(match self.kind {
            Kind::Query => (1, None, None),
            Kind::Threshold(spec) => {
                let split = free(&spec.fields)?;
                let card = self.free_cardinality(spec);
                let count = spec.value.max(card.map_or(0, |(_, c)| c));
                (
                    count,
                    Some(split),
                    card.and_then(|(field, c)| self.draw_of(field, c)),
                )
            }
            Kind::NewTerms(spec) => (1, free(&spec.fields), None),
        })
    }

    /// Alerts of the variants' events, and the actors whose events alert.
    fn site_alerts(
        &self,
        rows: &[(String, &sites::Variant, Doc, bool)],
        count: i64,
        draw: &Option<(String, Vec<Json>)>,
    ) -> Result<(u64, Vec<String>), Diagnostic> {
        match self.kind {
            Kind::Query => {
                let alerting: Vec<String> =
                    rows.iter().filter(|r| r.3).map(|r| r.0.clone()).collect();
                Ok((alerting.len() as u64, alerting))
            }
            Kind::Threshold(spec) => {
                let events: Events = rows
                    .iter()
                    .flat_map(|(_, _, doc, _)| Self::expand(doc, count, draw))
                    .collect();
                Ok((self.threshold_alerts(spec, &events)?, Vec::new()))
            }
            Kind::NewTerms(spec) => {
                // Each new combination alerts once, on the first document (in time) that has it.
                let mut seen = BTreeSet::new();
                let mut alerting = Vec::new();
                for (key, _, doc, matched) in rows {
                    let fresh = combinations(doc, &spec.fields)
                        .into_iter()
                        .filter(|c| *matched && seen.insert(c.clone()))
                        .count();
                    if fresh > 0 {
                        alerting.push(key.clone());
                    }
                }
                Ok((seen.len() as u64, alerting))
            }
        }
    }
}

fn outcome(alerts: u64) -> String {
    match alerts {
        0 => "nothing alerts".to_string(),
        1 => "one alert".to_string(),
        n => format!("{n} alerts"),
    }
}

/// Each variant's value, why it was chosen, and whether the query matches it.
fn variant_listing(rows: &[(String, &sites::Variant, Doc, bool)]) -> Vec<String> {
    rows.iter()
        .map(|(_, variant, _, matched)| {
            let value = variant.value.as_ref().map_or("(missing)".to_string(), |v| {
                format!(
                    "`{}`",
                    v.as_str().map_or_else(|| v.to_string(), str::to_string)
                )
            });
            format!(
                "{value} ({}): {}",
                variant.why,
                if *matched {
                    "matches"
                } else {
                    "does not match"
                }
            )
        })
        .collect()
}
