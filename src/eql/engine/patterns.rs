//! The compiled `:`, `like` and `regex` patterns of a query, built once and checked up front.
//!
//! EQL wildcards are `*` (any run) and `?` (one character) with no escape character, so a
//! Windows path's backslashes stay literal. `:` is case-insensitive equality, and a wildcard
//! match when its pattern contains `*`. `regex` is Lucene's regular-expression syntax matched
//! against the whole value. The `~` forms lower-case both sides.

use std::collections::HashMap;

use super::E_PATTERN_INVALID;
use crate::diagnostic::Diagnostic;
use crate::eql::ast::{Expr, ExprKind, MatchOp};
use crate::eval::pattern::Matcher;

type Key = (MatchOp, bool, String);

#[derive(Debug, Default)]
pub struct Patterns {
    compiled: HashMap<Key, Matcher>,
}

impl Patterns {
    /// Compiles every pattern under `e`.
    pub fn collect(&mut self, e: &Expr) -> Result<(), Diagnostic> {
        if let ExprKind::Match {
            op,
            insensitive,
            patterns,
            ..
        } = &e.kind
        {
            for p in patterns {
                let key = (*op, *insensitive, p.text.clone());
                if self.compiled.contains_key(&key) {
                    continue;
                }
                let matcher = compile(*op, *insensitive, &p.text).map_err(|message| {
                    Diagnostic::error(E_PATTERN_INVALID, format!("invalid pattern: {message}"))
                        .with_label(p.span, "this pattern")
                })?;
                self.compiled.insert(key, matcher);
            }
        }
        for child in e.children() {
            self.collect(child)?;
        }
        Ok(())
    }

    pub fn matches(&self, op: MatchOp, insensitive: bool, pattern: &str, text: &str) -> bool {
        let key = (op, insensitive, pattern.to_string());
        let Some(m) = self.compiled.get(&key) else {
            return false;
        };
        let case_folded = insensitive || op == MatchOp::Colon;
        if case_folded {
            m.matches(&text.to_lowercase())
        } else {
            m.matches(text)
        }
    }
}

fn compile(op: MatchOp, insensitive: bool, pattern: &str) -> Result<Matcher, String> {
    let folded = if insensitive || op == MatchOp::Colon {
        pattern.to_lowercase()
    } else {
        pattern.to_string()
    };
    match op {
        MatchOp::Colon if !folded.contains('*') => Ok(Matcher::Exact(folded)),
        // `Matcher::like` treats `\` as an escape; EQL has none, so backslashes are doubled.
        MatchOp::Colon | MatchOp::Like => Matcher::like(&folded.replace('\\', "\\\\")),
        MatchOp::Regex => Matcher::rlike(&folded),
    }
}
