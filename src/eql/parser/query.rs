//! Statement level: event queries, `sequence`, `sample`, per-query keys, `runs`, `![…]`, pipes.

use super::{PResult, Parser, MAX_RUNS, MAX_STAGES};
use crate::diagnostic::Diagnostic;
use crate::eql::ast::*;
use crate::eql::token::{is_keyword, TokenKind};
use crate::eql::{E_PIPE, E_RUNS, E_SHAPE, E_TIMESPAN, E_UNSUPPORTED};
use crate::span::Span;

/// Longest `maxspan`: 100 years, far beyond any rule and well inside `i64` milliseconds.
const MAX_SPAN_MILLIS: u64 = 100 * 365 * 86_400_000;
/// Largest `head`/`tail` count (Elasticsearch takes an `int`).
const MAX_PIPE_COUNT: u64 = i32::MAX as u64;

fn err(code: &'static str, message: String, span: Span, label: &str) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(code, message).with_label(span, label))
}

impl Parser<'_> {
    pub(super) fn query(&mut self) -> PResult<Query> {
        let start = self.peek().span;
        let body = if self.at_word("sequence") {
            Body::Sequence(self.sequence()?)
        } else if self.at_word("sample") {
            Body::Sample(self.sample()?)
        } else if self.at_word("join") {
            return Err(err(
                E_UNSUPPORTED,
                "`join` is not supported by Elasticsearch's EQL".into(),
                self.peek().span,
                "use `sequence` or `sample`",
            ));
        } else {
            Body::Event(self.event_filter()?)
        };
        let mut pipes = Vec::new();
        while self.peek().kind == TokenKind::Pipe {
            pipes.push(self.pipe()?);
        }
        self.expect_eof()?;
        Ok(Query {
            body,
            pipes,
            span: self.since(start),
        })
    }

    fn event_filter(&mut self) -> PResult<EventFilter> {
        let token = self.peek().clone();
        let category = match &token.kind {
            TokenKind::Word { tilde: false } if self.word_text(&token) == "any" => Category::Any,
            TokenKind::Word { tilde: false } if !is_keyword(self.word_text(&token)) => {
                Category::Named(self.word_text(&token).to_string())
            }
            TokenKind::String(value) => Category::Named(value.clone()),
            _ => return Err(self.expected("an event category or `any`")),
        };
        self.bump();
        self.expect_word("where")?;
        let condition = self.expr()?;
        Ok(EventFilter {
            category,
            span: token.span.to(condition.span),
            condition,
        })
    }

    fn join_keys(&mut self) -> PResult<Vec<Expr>> {
        let mut keys = vec![self.expr()?];
        while self.eat(&TokenKind::Comma).is_some() {
            keys.push(self.expr()?);
        }
        Ok(keys)
    }

    fn sequence(&mut self) -> PResult<Sequence> {
        let start = self.bump().span;
        let mut by = Vec::new();
        let mut maxspan = None;
        if self.eat_word("by").is_some() {
            by = self.join_keys()?;
        }
        if self.eat_word("with").is_some() {
            maxspan = Some(self.maxspan()?);
            if let Some(span) = self.eat_word("by") {
                return Err(err(
                    E_SHAPE,
                    "the sequence's `by` must come before `with maxspan`, not after".into(),
                    span,
                    "move this `by` before `with`",
                ));
            }
        }
        let mut terms = Vec::new();
        while matches!(
            self.peek().kind,
            TokenKind::LBracket | TokenKind::BangBracket
        ) {
            terms.push(self.sequence_term(true)?);
        }
        let until = match self.eat_word("until") {
            Some(_) => Some(self.sequence_term(false)?),
            None => None,
        };
        let sequence = Sequence {
            by,
            maxspan,
            terms,
            until,
            span: self.since(start),
        };
        check_sequence(&sequence)?;
        Ok(sequence)
    }

    fn maxspan(&mut self) -> PResult<TimeSpan> {
        let start = self.expect_word("maxspan")?;
        self.expect(&TokenKind::Assign)?;
        let number = self.bump();
        let amount = match number.kind {
            TokenKind::Integer(n) => n,
            TokenKind::Decimal(_) => {
                return Err(err(
                    E_TIMESPAN,
                    "a decimal maxspan is not supported".into(),
                    number.span,
                    "use a whole number with a smaller unit",
                ))
            }
            _ => {
                self.pos -= 1;
                return Err(self.expected("a time span such as `5m`"));
            }
        };
        let unit_token = self.peek().clone();
        let unit_text = match unit_token.kind {
            TokenKind::Word { tilde: false } if unit_token.span.start == number.span.end => {
                self.word_text(&unit_token).to_string()
            }
            _ => {
                return Err(err(
                    E_TIMESPAN,
                    format!("maxspan `{amount}` has no time unit"),
                    number.span,
                    "add a unit: ms, s, m, h or d",
                ))
            }
        };
        let span = number.span.to(unit_token.span);
        self.bump();
        let unit = TimeUnit::parse(&unit_text).ok_or_else(|| {
            err(
                E_TIMESPAN,
                format!("unknown time unit `{unit_text}`"),
                unit_token.span,
                "units are ms, s, m, h and d",
            )
        })?;
        if amount == 0 || amount.saturating_mul(unit.millis()) > MAX_SPAN_MILLIS {
            return Err(err(
                E_TIMESPAN,
                format!(
                    "maxspan must be positive and at most 100 years, found `{amount}{unit_text}`"
                ),
                span,
                "out of range",
            ));
        }
        Ok(TimeSpan {
            amount,
            unit,
            span: start.to(span),
        })
    }

    /// `[filter] [by keys] [with runs=N]` or `![filter] [by keys]`.
    fn sequence_term(&mut self, allow_missing: bool) -> PResult<SequenceTerm> {
        let open = self.bump();
        let missing = open.kind == TokenKind::BangBracket;
        if missing && !allow_missing {
            return Err(err(
                E_SHAPE,
                "`until` cannot be a missing event".into(),
                open.span,
                "use `[` here",
            ));
        }
        if !matches!(open.kind, TokenKind::LBracket | TokenKind::BangBracket) {
            self.pos -= 1;
            return Err(self.expected("`[`"));
        }
        let filter = self.event_filter()?;
        self.expect(&TokenKind::RBracket)?;
        let mut by = Vec::new();
        if self.eat_word("by").is_some() {
            by = self.join_keys()?;
        }
        let mut runs = None;
        if self.at_word("with") && self.at_word_ahead(1, "runs") {
            self.bump();
            let key = self.bump().span;
            self.expect(&TokenKind::Assign)?;
            let n = self.bump();
            let value = match n.kind {
                TokenKind::Integer(v) if (1..=MAX_RUNS).contains(&v) => v as u32,
                _ => {
                    return Err(err(
                        E_RUNS,
                        format!("`runs` must be a whole number from 1 to {MAX_RUNS}"),
                        key.to(n.span),
                        "out of range",
                    ))
                }
            };
            if missing {
                return Err(err(
                    E_RUNS,
                    "a missing event cannot repeat with `runs`".into(),
                    key.to(n.span),
                    "remove `with runs`",
                ));
            }
            runs = Some(value);
        }
        Ok(SequenceTerm {
            filter,
            by,
            runs,
            missing,
            span: self.since(open.span),
        })
    }

    fn sample(&mut self) -> PResult<Sample> {
        let start = self.bump().span;
        let mut by = Vec::new();
        if self.eat_word("by").is_some() {
            by = self.join_keys()?;
        }
        let mut terms = Vec::new();
        while self.peek().kind == TokenKind::LBracket {
            let term = self.sequence_term(false)?;
            if let Some(runs) = term.runs {
                return Err(err(
                    E_RUNS,
                    format!("`with runs={runs}` is only allowed in sequences"),
                    term.span,
                    "remove `with runs`",
                ));
            }
            terms.push(term);
        }
        let sample = Sample {
            by,
            terms,
            span: self.since(start),
        };
        if sample.terms.len() < 2 || sample.terms.len() > MAX_STAGES {
            return Err(err(
                E_SHAPE,
                format!(
                    "a sample needs from 2 to {MAX_STAGES} queries, found {}",
                    sample.terms.len()
                ),
                sample.span,
                "here",
            ));
        }
        check_key_counts(&sample.terms, None)?;
        Ok(sample)
    }

    fn pipe(&mut self) -> PResult<Pipe> {
        let bar = self.bump().span;
        let name = self.peek().clone();
        let kind = match &name.kind {
            TokenKind::Word { tilde: false } if self.word_text(&name) == "head" => PipeKind::Head,
            TokenKind::Word { tilde: false } if self.word_text(&name) == "tail" => PipeKind::Tail,
            TokenKind::Word { .. } => {
                return Err(err(
                    E_UNSUPPORTED,
                    format!(
                        "pipe `{}` is not supported by Elasticsearch's EQL",
                        name.span.slice(self.src)
                    ),
                    name.span,
                    "only `head` and `tail` are supported",
                ))
            }
            _ => return Err(self.expected("`head` or `tail`")),
        };
        self.bump();
        let n = self.bump();
        let count = match n.kind {
            TokenKind::Integer(v) if (1..=MAX_PIPE_COUNT).contains(&v) => v,
            _ => {
                return Err(err(
                    E_PIPE,
                    format!(
                        "`{}` needs a whole number from 1 to {MAX_PIPE_COUNT}",
                        name.span.slice(self.src)
                    ),
                    n.span,
                    "here",
                ))
            }
        };
        Ok(Pipe {
            kind,
            count,
            span: bar.to(n.span),
        })
    }
}

/// Elasticsearch's verifier checks on a sequence's shape.
fn check_sequence(seq: &Sequence) -> PResult<()> {
    let stages: usize = seq.terms.iter().map(|t| t.runs.unwrap_or(1) as usize).sum();
    if !(2..=MAX_STAGES).contains(&stages) {
        return Err(err(
            E_SHAPE,
            format!(
                "a sequence needs from 2 to {MAX_STAGES} queries (counting runs), found {stages}"
            ),
            seq.span,
            "here",
        ));
    }
    if seq.terms.iter().all(|t| t.missing) {
        return Err(err(
            E_SHAPE,
            "a sequence needs at least one query that is not a missing event".into(),
            seq.span,
            "only missing events",
        ));
    }
    if let Some(missing) = seq.terms.iter().find(|t| t.missing) {
        if seq.maxspan.is_none() {
            return Err(err(
                E_SHAPE,
                "a sequence with missing events needs `with maxspan`".into(),
                missing.span,
                "missing event",
            ));
        }
    }
    check_key_counts(&seq.terms, seq.until.as_ref())
}

/// Every query of a sequence or sample must name the same number of join keys.
fn check_key_counts(terms: &[SequenceTerm], until: Option<&SequenceTerm>) -> PResult<()> {
    let expected = terms.first().map_or(0, |t| t.by.len());
    for term in terms.iter().chain(until) {
        if term.by.len() != expected {
            return Err(err(
                E_SHAPE,
                format!(
                    "inconsistent number of join keys: expected {expected}, found {}",
                    term.by.len()
                ),
                term.span,
                "this query",
            ));
        }
    }
    Ok(())
}
