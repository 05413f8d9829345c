//! Span invariants, checked by slicing the source: every node's span lies inside its parent's,
//! names and calls slice to what they name, strings slice to quoted text. Used on the parser
//! fixtures here and on the whole corpus in `corpus.rs`.

use rulegate::esql::ast::*;
use rulegate::esql::parse;
use rulegate::span::Span;

/// Every broken invariant, as a readable line (empty when all hold).
pub fn span_problems(query: &Query, text: &str) -> Vec<String> {
    let mut checker = Checker {
        text,
        problems: Vec::new(),
    };
    checker.inside(query.span, Span::new(0, text.len()), "query");
    let source_span = match &query.source {
        SourceCommand::From(from) => {
            for index in &from.indices {
                checker.inside(index.span, from.span, "index pattern");
            }
            for name in &from.metadata {
                checker.name(name, from.span);
            }
            from.span
        }
        SourceCommand::Row(row) => {
            for field in &row.fields {
                checker.field(field, row.span);
            }
            row.span
        }
    };
    checker.inside(source_span, query.span, "source command");
    for command in &query.commands {
        checker.command(command, query.span);
    }
    checker.problems
}

struct Checker<'a> {
    text: &'a str,
    problems: Vec<String>,
}

impl Checker<'_> {
    fn inside(&mut self, child: Span, parent: Span, what: &str) {
        if child.start < parent.start || child.end > parent.end || child.start > child.end {
            self.problems.push(format!(
                "{what} {child:?} `{}` is outside {parent:?}",
                child.slice(self.text)
            ));
        }
    }

    fn command(&mut self, command: &Command, parent: Span) {
        self.inside(command.span, parent, "command");
        let keyword = command.kind.keyword().split(' ').next().unwrap_or_default();
        let slice = command.span.slice(self.text);
        if !slice.to_ascii_uppercase().starts_with(keyword) {
            self.problems.push(format!(
                "command {:?} `{slice}` does not start with {keyword}",
                command.span
            ));
        }
        let span = command.span;
        match &command.kind {
            CommandKind::Where(expr) => self.expr(expr, span),
            CommandKind::Eval(fields) => fields.iter().for_each(|f| self.field(f, span)),
            CommandKind::Stats(stats) | CommandKind::InlineStats(stats) => {
                for aggregate in &stats.aggregates {
                    self.inside(aggregate.span, span, "aggregate");
                    self.field(&aggregate.field, aggregate.span);
                    if let Some(filter) = &aggregate.filter {
                        self.expr(filter, aggregate.span);
                    }
                }
                stats.by.iter().for_each(|f| self.field(f, span));
            }
            CommandKind::Keep(patterns) | CommandKind::Drop(patterns) => {
                for pattern in patterns {
                    self.inside(pattern.span, span, "name pattern");
                }
            }
            CommandKind::Rename(renames) => {
                for rename in renames {
                    self.inside(rename.span, span, "rename");
                    self.name(&rename.old, rename.span);
                    self.name(&rename.new, rename.span);
                }
            }
            CommandKind::Sort(keys) => {
                for key in keys {
                    self.inside(key.span, span, "sort key");
                    self.expr(&key.expr, key.span);
                }
            }
            CommandKind::Limit(limit) => {
                self.inside(limit.span, span, "limit");
                limit.by.iter().for_each(|key| self.expr(key, span));
            }
            CommandKind::MvExpand(name) => self.name(name, span),
            CommandKind::Dissect(dissect) => {
                self.expr(&dissect.input, span);
                self.string(&dissect.pattern, span);
                if let Some(separator) = &dissect.append_separator {
                    self.string(separator, span);
                }
            }
            CommandKind::Grok(grok) => {
                self.expr(&grok.input, span);
                self.string(&grok.pattern, span);
                for more in &grok.more {
                    self.string(more, span);
                }
            }
            CommandKind::FillNull(fill) => {
                if let Some(value) = &fill.value {
                    self.expr(value, span);
                }
                for pattern in &fill.targets {
                    self.inside(pattern.span, span, "name pattern");
                }
            }
            CommandKind::Dedup | CommandKind::Distinct => {}
            CommandKind::Sample(sample) => self.inside(sample.span, span, "sample probability"),
            CommandKind::Fork(branches) => {
                for branch in branches {
                    self.inside(branch.span, span, "fork branch");
                    for inner in &branch.commands {
                        self.command(inner, branch.span);
                    }
                }
            }
            CommandKind::ChangePoint(cp) => {
                self.name(&cp.value, span);
                cp.key.iter().for_each(|k| self.name(k, span));
                if let Some((kind, pvalue)) = &cp.names {
                    self.name(kind, span);
                    self.name(pvalue, span);
                }
                cp.by.iter().for_each(|f| self.field(f, span));
            }
            CommandKind::LookupJoin(join) => {
                self.inside(join.index.span, span, "lookup index");
                join.on.iter().for_each(|n| self.name(n, span));
                if let Some(condition) = &join.condition {
                    self.expr(condition, span);
                }
            }
        }
    }

    fn field(&mut self, field: &Field, parent: Span) {
        self.inside(field.span, parent, "field");
        if let Some(name) = &field.name {
            self.name(name, field.span);
        }
        self.expr(&field.expr, field.span);
    }

    /// A name's span slices to the name once backtick quoting is undone.
    fn name(&mut self, name: &Name, parent: Span) {
        self.inside(name.span, parent, "name");
        let unquoted = name
            .span
            .slice(self.text)
            .replace("``", "\u{0}")
            .replace('`', "")
            .replace('\u{0}', "`");
        if unquoted != name.name {
            self.problems.push(format!(
                "name {:?} slices to `{unquoted}`, not `{}`",
                name.span, name.name
            ));
        }
    }

    fn string(&mut self, literal: &StringLiteral, parent: Span) {
        self.inside(literal.span, parent, "string");
        let slice = literal.span.slice(self.text);
        if !(slice.starts_with('"') && slice.ends_with('"') && slice.len() >= 2) {
            self.problems
                .push(format!("string {:?} slices to `{slice}`", literal.span));
        }
    }

    fn expr(&mut self, expr: &Expr, parent: Span) {
        self.inside(expr.span, parent, "expression");
        let span = expr.span;
        match &expr.kind {
            ExprKind::Literal(Literal::Array(items)) => {
                items.iter().for_each(|i| self.expr(i, span))
            }
            ExprKind::Literal(Literal::String(_)) => {
                let slice = span
                    .slice(self.text)
                    .trim_start_matches(|c: char| c == '(' || c.is_whitespace());
                if !slice.starts_with('"') {
                    self.problems
                        .push(format!("string literal {span:?} slices to `{slice}`"));
                }
            }
            ExprKind::Literal(_) => {}
            ExprKind::Column(name) => self.name(name, span),
            ExprKind::Call(call) => {
                let slice = span
                    .slice(self.text)
                    .trim_start_matches(|c: char| c == '(' || c.is_whitespace())
                    .to_ascii_lowercase();
                if !slice.starts_with(&call.name) {
                    self.problems.push(format!(
                        "call {span:?} `{slice}` does not start with {}",
                        call.name
                    ));
                }
                call.args.iter().for_each(|a| self.expr(a, span));
            }
            ExprKind::Unary { operand, .. } | ExprKind::Not(operand) => self.expr(operand, span),
            ExprKind::Binary { left, right, .. }
            | ExprKind::And(left, right)
            | ExprKind::Or(left, right) => {
                self.expr(left, span);
                self.expr(right, span);
            }
            ExprKind::In { value, list, .. } => {
                self.expr(value, span);
                list.iter().for_each(|i| self.expr(i, span));
            }
            ExprKind::IsNull { value, .. } => self.expr(value, span),
            ExprKind::Like {
                value, patterns, ..
            } => {
                self.expr(value, span);
                match patterns {
                    LikePatterns::Literals(literals) => {
                        literals.iter().for_each(|p| self.string(p, span))
                    }
                    LikePatterns::Expr(pattern) => self.expr(pattern, span),
                }
            }
            ExprKind::Cast { value, target } => {
                self.expr(value, span);
                self.inside(target.span, span, "cast type");
            }
            ExprKind::Match { field, query } => {
                self.expr(field, span);
                self.expr(query, span);
            }
            ExprKind::Map(entries) => {
                for entry in entries {
                    self.inside(entry.span, span, "map entry");
                    self.string(&entry.key, entry.span);
                    self.expr(&entry.value, entry.span);
                }
            }
        }
    }
}

#[test]
fn parser_fixtures_keep_their_span_invariants() {
    let dir = crate::support::repo_path("tests/data/parse");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let query = parse(&text).unwrap_or_else(|d| panic!("{}: {d}", path.display()));
        assert_eq!(
            span_problems(&query, &text),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 5);
}

#[test]
fn seed_conjunct_spans_slice_to_their_source_text() {
    let text =
        std::fs::read_to_string(crate::support::repo_path("tests/data/parse/seed_rule.esql"))
            .unwrap();
    let query = parse(&text).unwrap();
    let CommandKind::Where(condition) = &query.commands[0].kind else {
        panic!("the first command is WHERE")
    };
    let conjuncts: Vec<&str> = rulegate::analysis::conjuncts(condition)
        .iter()
        .map(|c| c.span.slice(&text))
        .collect();
    assert_eq!(conjuncts.len(), 9);
    assert_eq!(conjuncts[0], r#"event.dataset == "kubernetes.audit_logs""#);
    assert_eq!(conjuncts[3], "source.ip is not null");
    assert_eq!(
        conjuncts[5],
        r#"not to_string(source.ip) in ("127.0.0.1", "::1")"#
    );
    assert_eq!(
        conjuncts[7],
        r#"not kubernetes.audit.objectRef.name like "sh.helm.release.*""#
    );
    let keep = query.commands.last().unwrap();
    assert!(keep.span.slice(&text).starts_with("KEEP user.name"));
    assert!(keep.span.slice(&text).ends_with("Esql.*"));
}

#[test]
fn parenthesised_expressions_span_their_parentheses() {
    let text = "row a = 1 | where (a == 1) and not (a > 2)";
    let query = parse(text).unwrap();
    let CommandKind::Where(condition) = &query.commands[0].kind else {
        unreachable!()
    };
    let ExprKind::And(left, right) = &condition.kind else {
        panic!("AND at the top")
    };
    assert_eq!(left.span.slice(text), "(a == 1)");
    assert_eq!(right.span.slice(text), "not (a > 2)");
}
