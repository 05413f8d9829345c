//! What an EQL query does, step by step, for `inspect`: its kind, join keys, `maxspan`, and
//! each query with its role, category, condition and keys, in canonical form.

use serde::Serialize;

use super::ast::*;
use super::print::{print_expr, print_filter};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outline {
    /// `event`, `sequence` or `sample`.
    pub kind: &'static str,
    /// Keys shared by every step.
    pub by: Vec<String>,
    pub maxspan: Option<String>,
    pub steps: Vec<Step>,
    pub pipes: Vec<String>,
    /// Every field the query reads, sorted.
    pub fields: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    pub number: usize,
    /// `event`, `missing` (must not occur) or `until` (cancels pending sequences).
    pub role: &'static str,
    pub filter: String,
    pub by: Vec<String>,
    pub runs: Option<u32>,
}

pub fn outline(query: &Query) -> Outline {
    let keys = |by: &[Expr]| by.iter().map(print_expr).collect::<Vec<_>>();
    let step = |number: usize, role: &'static str, term: &SequenceTerm| Step {
        number,
        role,
        filter: print_filter(&term.filter),
        by: keys(&term.by),
        runs: term.runs,
    };
    let (kind, by, maxspan, steps) = match &query.body {
        Body::Event(filter) => (
            "event",
            Vec::new(),
            None,
            vec![Step {
                number: 1,
                role: "event",
                filter: print_filter(filter),
                by: Vec::new(),
                runs: None,
            }],
        ),
        Body::Sequence(seq) => {
            let mut steps: Vec<Step> = seq
                .terms
                .iter()
                .enumerate()
                .map(|(i, t)| step(i + 1, if t.missing { "missing" } else { "event" }, t))
                .collect();
            if let Some(until) = &seq.until {
                steps.push(step(steps.len() + 1, "until", until));
            }
            let span = seq
                .maxspan
                .as_ref()
                .map(|s| format!("{}{}", s.amount, s.unit.suffix()));
            ("sequence", keys(&seq.by), span, steps)
        }
        Body::Sample(sample) => {
            let steps = sample
                .terms
                .iter()
                .enumerate()
                .map(|(i, t)| step(i + 1, "event", t))
                .collect();
            ("sample", keys(&sample.by), None, steps)
        }
    };
    Outline {
        kind,
        by,
        maxspan,
        steps,
        pipes: query
            .pipes
            .iter()
            .map(|p| {
                let name = match p.kind {
                    PipeKind::Head => "head",
                    PipeKind::Tail => "tail",
                };
                format!("{name} {}", p.count)
            })
            .collect(),
        fields: query.fields(),
    }
}

impl Outline {
    /// Text lines (two-space indented) for the text and Markdown renderings.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut head = format!("EQL {}", self.kind);
        if !self.by.is_empty() {
            head.push_str(&format!(" by {}", self.by.join(", ")));
        }
        if let Some(span) = &self.maxspan {
            head.push_str(&format!(" within {span}"));
        }
        out.push(head);
        for step in &self.steps {
            let mut line = format!("{:>2}. [{}] {}", step.number, step.role, step.filter);
            if !step.by.is_empty() {
                line.push_str(&format!(" by {}", step.by.join(", ")));
            }
            if let Some(runs) = step.runs {
                line.push_str(&format!(" (runs {runs})"));
            }
            out.push(line);
        }
        for pipe in &self.pipes {
            out.push(format!("| {pipe}"));
        }
        out.push(format!("fields: {}", self.fields.join(", ")));
        out
    }
}
