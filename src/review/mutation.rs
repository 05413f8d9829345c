//! `rulegate mutate`: runs every mutant of a rule over its scenario suite and reports the score
//! and the survivors, each with its place in the rule file and a hint of the missing scenario.
//!
//! A mutant is killed when any scenario's alerts (window, group, fields, duplicate mark) or
//! expectation results differ from the unmutated rule's; every scenario runs, so a killed mutant
//! lists all the scenarios that kill it (`killed_by`). For look-back and interval mutants the
//! windows are left out of the comparison: they move every window by construction, so only a
//! change in which groups alert, how often, or with what fields kills them. A mutant the engine
//! cannot run (dropping a `BY` key that `KEEP` still names is an "Unknown column" in
//! Elasticsearch too) is reported as invalid and left out of the score: no scenario is needed to
//! notice it. So is a mutant the query itself shows to be equivalent (dropping `x IS NOT NULL`
//! when `NOT x IN (…)` already drops null `x`, see [`super::null_proof`]; a KQL clause the rule's
//! indices make true for every document or a `text` wildcard no token can match, see
//! [`super::kql_equivalence`]): it is listed with the reason, because a redundant clause is worth
//! knowing, and the score over all mutants (equivalent ones counted as survivors) is given beside
//! the score, so the total is never hidden. Equivalent mutants are run all the same:
//! a scenario that kills one disproves the proof, and the run fails (`E803`, exit 2) rather than
//! report a score built on it. Mutants run on every core; results are collected by mutant index,
//! so the report does not depend on timing.
//!
//! | code | meaning |
//! |---|---|
//! | `W801` | a surviving mutant (the human report's rendering) |
//! | `E803` | a mutant classed as equivalent is killed by a scenario: the proof is wrong, no score |

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::Serialize;

use super::alert_diff::diff_runs;
use super::eql_mutate::{eql_mutants, eql_schedule_mutants, EqlMutant, EqlScheduleMutant};
use super::kql_mutate::{kql_mutants, KqlMutant};
use super::mutate::{mutants, Mutant, ScheduleChange};
use super::suite::Suite;
use crate::diagnostic::Diagnostic;
use crate::runner::{PreparedRule, RuleLogic, ScenarioRun};
use crate::span::LineIndex;

#[derive(Clone, Debug, Serialize)]
pub struct MutantResult {
    pub operator: String,
    pub mutation: String,
    /// `file:line:col` of the mutated text (the rule file for schedule mutants).
    pub position: String,
    /// Every scenario whose alerts or expectations the mutant changes, in suite order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub killed_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip)]
    pub rendering: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct MutationReport {
    pub rule: String,
    /// Percentage of valid mutants killed, one decimal.
    pub score: f64,
    pub killed: usize,
    /// Valid mutants (invalid ones are not counted), equivalent ones left out.
    pub total: usize,
    /// Percentage of valid mutants killed counting the equivalent ones as survivors.
    pub score_all: f64,
    /// Valid mutants, equivalent ones included (`total` + the equivalent ones).
    pub total_all: usize,
    pub scenarios: usize,
    pub survivors: Vec<MutantResult>,
    /// Mutants no document can tell from the rule (shown from the query), not scored.
    pub equivalent: Vec<MutantResult>,
    pub invalid: Vec<MutantResult>,
    /// The killed mutants, each with the scenarios that kill it.
    pub killed_mutants: Vec<MutantResult>,
}

enum Verdict {
    /// Killed by these scenarios (never empty).
    Killed(Vec<String>),
    Survived,
    Invalid(String),
}

fn apply_schedule(rule: &PreparedRule, change: ScheduleChange) -> PreparedRule {
    let mut changed = rule.clone();
    let schedule = &mut changed.scheduled.schedule;
    match change {
        // `from` is the window start's (negative) offset: a longer look-back is more negative.
        ScheduleChange::Lookback(delta) => schedule.from -= delta,
        ScheduleChange::Interval(delta) => schedule.interval += delta,
        ScheduleChange::MaxSignals(max) => schedule.max_signals = max,
    }
    changed
}

fn verdict(
    mutant_rule: &PreparedRule,
    suite: &Suite,
    baseline: &[ScenarioRun],
    keys: &[String],
    schedule_mutant: bool,
) -> Verdict {
    let mut killed_by = Vec::new();
    for ((name, generated), before) in suite.scenarios.iter().zip(baseline) {
        match crate::runner::run_generated(generated, std::slice::from_ref(mutant_rule)) {
            Ok(after) => {
                if !diff_runs(before, &after, keys, schedule_mutant).is_empty() {
                    killed_by.push(name.clone());
                }
            }
            Err(errors) => {
                let message = errors
                    .first()
                    .map(|e| e.message.clone())
                    .unwrap_or_default();
                return Verdict::Invalid(message);
            }
        }
    }
    if killed_by.is_empty() {
        Verdict::Survived
    } else {
        Verdict::Killed(killed_by)
    }
}

/// Mutation-tests `rule` against `suite`: the ES|QL query's and schedule's mutants, or the KQL
/// or EQL rule logic's.
pub fn mutate(rule: &PreparedRule, suite: &Suite) -> Result<MutationReport, Vec<Diagnostic>> {
    let jobs: Vec<Job> = match &rule.logic {
        RuleLogic::Esql(query) => mutants(query, &rule.text, rule.scheduled.schedule.interval)
            .into_iter()
            .map(Job::Esql)
            .collect(),
        logic if logic.kql().is_some() => kql_mutants(logic)
            .into_iter()
            .map(|m| Job::Kql(Box::new(m)))
            .collect(),
        RuleLogic::Eql(_) => {
            let schedule = &rule.scheduled.schedule;
            eql_mutants(&rule.logic)
                .into_iter()
                .map(|m| Job::Eql(Box::new(m)))
                .chain(
                    eql_schedule_mutants(schedule.interval, schedule.max_signals)
                        .into_iter()
                        .map(Job::Schedule),
                )
                .collect()
        }
        _ => return Err(vec![rule.esql("mutation testing").expect_err("not ES|QL")]),
    };
    run_jobs(rule, suite, &jobs)
}

/// Runs the given ES|QL mutants of `rule` (from [`mutants`]) over `suite`: [`mutate`]'s work,
/// open to tests that need a mutant of their own making (one wrongly classed as equivalent, say).
pub fn mutate_with(
    rule: &PreparedRule,
    suite: &Suite,
    all: &[Mutant],
) -> Result<MutationReport, Vec<Diagnostic>> {
    let jobs: Vec<Job> = all.iter().cloned().map(Job::Esql).collect();
    run_jobs(rule, suite, &jobs)
}

/// One mutant to run: a changed ES|QL query or schedule, or a changed KQL or EQL rule logic.
enum Job {
    Esql(Mutant),
    Kql(Box<KqlMutant>),
    Eql(Box<EqlMutant>),
    /// A schedule change of a rule whose logic is not ES|QL (the ES|QL ones are `Esql`).
    Schedule(EqlScheduleMutant),
}

/// A mutant shown equivalent: what it changes, where in the query, and the proof.
struct Equivalence<'a> {
    description: &'a str,
    span: crate::span::Span,
    reason: &'a String,
}

impl Job {
    /// The reason the mutant was shown equivalent, if it was (ES|QL and KQL mutants have proofs).
    fn equivalent(&self) -> Option<Equivalence<'_>> {
        match self {
            Job::Esql(mutant) => mutant.equivalent.as_ref().map(|reason| Equivalence {
                description: &mutant.description,
                span: mutant.span,
                reason,
            }),
            Job::Kql(mutant) => mutant.equivalent.as_ref().map(|reason| Equivalence {
                description: &mutant.description,
                span: mutant.span,
                reason,
            }),
            Job::Eql(_) | Job::Schedule(_) => None,
        }
    }

    fn run(
        &self,
        rule: &PreparedRule,
        suite: &Suite,
        baseline: &[ScenarioRun],
        keys: &[String],
    ) -> Verdict {
        match self {
            Job::Esql(mutant) => {
                let mutant_rule = match mutant.schedule {
                    Some(change) => apply_schedule(rule, change),
                    None => rule.with_query(mutant.query.clone()),
                };
                verdict(
                    &mutant_rule,
                    suite,
                    baseline,
                    keys,
                    mutant.schedule.is_some(),
                )
            }
            Job::Kql(mutant) => {
                let mutant_rule = rule.with_logic(mutant.logic.clone());
                verdict(&mutant_rule, suite, baseline, keys, false)
            }
            Job::Eql(mutant) => match &mutant.invalid {
                Some(reason) => Verdict::Invalid(reason.clone()),
                None => {
                    let mutant_rule = rule.with_logic(mutant.logic.clone());
                    verdict(&mutant_rule, suite, baseline, keys, false)
                }
            },
            Job::Schedule(mutant) => {
                let mutant_rule = apply_schedule(rule, mutant.change);
                verdict(&mutant_rule, suite, baseline, keys, true)
            }
        }
    }

    fn describe(&self, rule: &PreparedRule) -> MutantResult {
        match self {
            Job::Esql(mutant) => describe(rule, mutant),
            Job::Kql(m) => describe_tree_mutant(rule, m.operator, &m.description, m.span, &m.hint),
            Job::Eql(m) => describe_tree_mutant(rule, m.operator, &m.description, m.span, &m.hint),
            Job::Schedule(m) => describe_parts(rule, "schedule", &m.description, None, &m.hint),
        }
    }
}

/// Runs every job on every core (equivalent ones too, to test their proofs) and scores them.
fn run_jobs(
    rule: &PreparedRule,
    suite: &Suite,
    all: &[Job],
) -> Result<MutationReport, Vec<Diagnostic>> {
    let baseline = suite.run(rule)?;
    let mut keys: Vec<String> = vec!["_id".into(), "_index".into()];
    keys.extend(rule.analysis.group_by.iter().cloned());
    let verdicts: Mutex<Vec<Option<Verdict>>> = Mutex::new((0..all.len()).map(|_| None).collect());
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(all.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = all.get(i) else { break };
                let result = job.run(rule, suite, &baseline, &keys);
                verdicts.lock().expect("no worker panics")[i] = Some(result);
            });
        }
    });
    let verdicts = verdicts.into_inner().expect("no worker panics");
    let mut report = MutationReport {
        rule: rule.path.display().to_string(),
        score: 0.0,
        killed: 0,
        total: 0,
        score_all: 0.0,
        total_all: 0,
        scenarios: suite.scenarios.len(),
        survivors: Vec::new(),
        equivalent: Vec::new(),
        invalid: Vec::new(),
        killed_mutants: Vec::new(),
    };
    let mut disproved = Vec::new();
    for (job, verdict) in all.iter().zip(verdicts) {
        let mut result = job.describe(rule);
        match (verdict.expect("every mutant ran"), job.equivalent()) {
            (Verdict::Killed(by), Some(proof)) => {
                disproved.push(disproved_equivalence(rule, &proof, &by));
            }
            (Verdict::Killed(by), None) => {
                report.killed += 1;
                report.total += 1;
                result.killed_by = by;
                result.hint = None;
                report.killed_mutants.push(result);
            }
            (Verdict::Survived, Some(proof)) => {
                result.hint = Some(proof.reason.clone());
                report.equivalent.push(result);
            }
            (Verdict::Survived, None) => {
                report.total += 1;
                report.survivors.push(result);
            }
            (Verdict::Invalid(reason), _) => {
                result.hint = Some(format!("not run: {reason}"));
                report.invalid.push(result);
            }
        }
    }
    if !disproved.is_empty() {
        return Err(disproved);
    }
    report.total_all = report.total + report.equivalent.len();
    report.score = percent(report.killed, report.total);
    report.score_all = percent(report.killed, report.total_all);
    Ok(report)
}

/// `killed` of `total` in percent, one decimal; 100 when there is nothing to kill.
fn percent(killed: usize, total: usize) -> f64 {
    if total == 0 {
        100.0
    } else {
        (killed as f64 * 1000.0 / total as f64).round() / 10.0
    }
}

/// `E803`: a mutant the query was shown equivalent by is killed; the proof is wrong for this
/// query, so no score built on it is reported.
fn disproved_equivalence(
    rule: &PreparedRule,
    proof: &Equivalence,
    killed_by: &[String],
) -> Diagnostic {
    let span = rule
        .loaded
        .query
        .file_span(proof.span)
        .unwrap_or(proof.span);
    let reason = proof.reason;
    Diagnostic::error(
        "E803",
        format!(
            "mutant \"{}\" was classed as equivalent, but scenario(s) {} kill it",
            proof.description,
            killed_by
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .in_file(&rule.loaded.file)
    .with_label(span, "classed as equivalent")
    .with_help(format!(
        "the equivalence proof is wrong for this query (it said: {reason}); no score is \
         reported: please report this rule as a rulegate bug"
    ))
}

/// A KQL or EQL mutant. Rule-type mutants (threshold fields, values, `maxspan`) have an empty
/// span: they have no place in the query text.
fn describe_tree_mutant(
    rule: &PreparedRule,
    operator: &'static str,
    description: &str,
    span: crate::span::Span,
    hint: &str,
) -> MutantResult {
    let span = (!span.is_empty()).then_some(span);
    describe_parts(rule, operator, description, span, hint)
}

fn describe(rule: &PreparedRule, mutant: &Mutant) -> MutantResult {
    let span = mutant.schedule.is_none().then_some(mutant.span);
    describe_parts(
        rule,
        mutant.operator,
        &mutant.description,
        span,
        &mutant.hint,
    )
}

fn describe_parts(
    rule: &PreparedRule,
    operator: &'static str,
    description: &str,
    span: Option<crate::span::Span>,
    hint: &str,
) -> MutantResult {
    let file = &rule.loaded.file;
    let mut diagnostic = Diagnostic::warning("W801", format!("surviving mutant: {description}"))
        .in_file(file)
        .with_help(hint.to_string());
    let position = match span {
        Some(span) => {
            let span = rule.loaded.query.file_span(span).unwrap_or(span);
            diagnostic = diagnostic.with_label(span, operator);
            let at = LineIndex::new(&file.text).line_col(&file.text, span.start as usize);
            format!("{}:{}:{}", file.path, at.line, at.column)
        }
        None => file.path.clone(),
    };
    MutantResult {
        operator: operator.to_string(),
        mutation: description.to_string(),
        position,
        killed_by: Vec::new(),
        hint: Some(hint.to_string()),
        rendering: diagnostic.render(false),
    }
}

impl MutationReport {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// A section of a pull-request comment: the score, survivors folded in `<details>`.
    pub fn render_markdown(&self) -> String {
        let mut out = format!(
            "### Mutation score of `{}`\n\n**{:.1}%** ({} of {} mutants killed by {} scenarios)\n{}\n",
            self.rule, self.score, self.killed, self.total, self.scenarios, self.over_all_line()
        );
        if !self.survivors.is_empty() {
            out.push_str(&format!(
                "<details><summary>{} surviving mutant(s)</summary>\n\n| mutation | at | what would kill it |\n|---|---|---|\n",
                self.survivors.len()
            ));
            for m in &self.survivors {
                out.push_str(&format!(
                    "| {} | `{}` | {} |\n",
                    m.mutation.replace('|', "\\|"),
                    m.position,
                    m.hint.as_deref().unwrap_or("").replace('|', "\\|")
                ));
            }
            out.push_str("\n</details>\n\n");
        }
        out
    }

    /// The score over every valid mutant, equivalent ones counted as survivors: a line when
    /// some mutant was shown equivalent (otherwise it is the score itself), empty otherwise.
    fn over_all_line(&self) -> String {
        if self.equivalent.is_empty() {
            return String::new();
        }
        format!(
            "{:.1}% ({} of {}) over all mutants, the {} equivalent one(s) counted as survivors\n",
            self.score_all,
            self.killed,
            self.total_all,
            self.equivalent.len()
        )
    }

    pub fn render_human(&self) -> String {
        let mut out = format!(
            "mutation score {:.1}% ({} of {} mutants killed by {} scenarios)\n",
            self.score, self.killed, self.total, self.scenarios
        );
        out.push_str(&self.over_all_line());
        for survivor in &self.survivors {
            out.push('\n');
            out.push_str(&survivor.rendering);
        }
        list_mutants(
            &mut out,
            &self.equivalent,
            "equivalent mutant(s), not scored (no document can tell them from the rule)",
        );
        list_mutants(
            &mut out,
            &self.invalid,
            "mutant(s) not run (the engine rejects them, as Elasticsearch would)",
        );
        out
    }
}

/// A titled list of mutants with their position and reason, when there are any.
fn list_mutants(out: &mut String, mutants: &[MutantResult], title: &str) {
    if mutants.is_empty() {
        return;
    }
    out.push_str(&format!("\n{} {title}:\n", mutants.len()));
    for m in mutants {
        out.push_str(&format!(
            "  {} at {}: {}\n",
            m.mutation,
            m.position,
            m.hint.as_deref().unwrap_or("")
        ));
    }
}
