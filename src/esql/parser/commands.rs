//! Parsing of the query pipeline and its commands, in the order of `ast::CommandKind`.

use crate::diagnostic::{suggest, Diagnostic};
use crate::esql::ast::*;
use crate::esql::token::TokenKind;
use crate::span::Span;

use super::{
    PResult, Parser, E_EXPECTED, E_LOOKUP_INDEX, E_NUMBER, E_UNKNOWN_COMMAND, E_UNSUPPORTED_COMMAND,
};

/// Commands Elasticsearch knows that this parser does not implement. Two-word commands are
/// matched on their first word (`LOOKUP JOIN`, `LEFT JOIN`).
const UNSUPPORTED_COMMANDS: &[&str] = &[
    "enrich",
    "join",
    "left",
    "right",
    "full",
    "completion",
    "rerank",
    "fuse",
    "rrf",
    "insist",
    "ts",
    "metrics",
    "show",
    "explain",
    "set",
    "uri_parts",
    "registered_domain",
    "mmr",
];

const SUPPORTED_COMMANDS: &[&str] = &[
    "from",
    "row",
    "where",
    "eval",
    "stats",
    "inline stats",
    "inlinestats",
    "keep",
    "drop",
    "rename",
    "sort",
    "limit",
    "mv_expand",
    "dissect",
    "grok",
    "fillnull",
    "dedup",
    "distinct",
    "sample",
    "fork",
    "lookup join",
    "change_point",
];

impl Parser<'_> {
    /// Forgets a peeked token so that a raw scan (index or name pattern) starts right after the
    /// last consumed token.
    fn unpeek(&mut self) {
        if let Some(token) = self.peeked.take() {
            self.lexer.set_pos(token.span.start as usize);
        }
    }

    pub(super) fn query(&mut self) -> PResult<Query> {
        let first = self.peek()?.span;
        let source = self.source_command()?;
        let mut commands = Vec::new();
        loop {
            if self.eat(&TokenKind::Pipe)?.is_some() {
                commands.push(self.processing_command()?);
                continue;
            }
            if self.peek_kind()? == &TokenKind::Eof {
                break;
            }
            return Err(self.unexpected("`|` or the end of the query")?);
        }
        Ok(Query {
            source,
            commands,
            span: self.span_from(first.start),
        })
    }

    /// The command word and its span (`INLINE STATS` and `LOOKUP JOIN` are one command).
    fn command_word(&mut self) -> PResult<(String, Span)> {
        let Some(word) = self.peek_word()? else {
            return Err(self.unexpected("a command")?);
        };
        let word = word.to_ascii_lowercase();
        let span = self.bump()?.span;
        if matches!(
            word.as_str(),
            "inline" | "lookup" | "left" | "right" | "full"
        ) {
            let second = self.peek()?.clone();
            if let TokenKind::Word = second.kind {
                let next = second.span.slice(self.src).to_ascii_lowercase();
                if matches!(
                    (word.as_str(), next.as_str()),
                    ("inline", "stats") | (_, "join")
                ) {
                    self.bump()?;
                    return Ok((format!("{word} {next}"), span.to(second.span)));
                }
            }
        }
        Ok((word, span))
    }

    fn command_error(&self, word: &str, span: Span) -> Diagnostic {
        let shown = word.to_ascii_uppercase();
        let first = word.split(' ').next().unwrap_or(word);
        if matches!(first, "completion" | "rerank") {
            // An inference command: its result comes from a model served by the cluster.
            return Diagnostic::error(
                E_UNSUPPORTED_COMMAND,
                format!("unsupported command `{shown}`: it requires a live inference endpoint"),
            )
            .with_label(span, "calls a model only a live cluster can serve")
            .with_note("rulegate evaluates queries offline; run this rule against Elasticsearch");
        }
        if UNSUPPORTED_COMMANDS.contains(&first) {
            return Diagnostic::error(
                E_UNSUPPORTED_COMMAND,
                format!("unsupported command `{shown}`"),
            )
            .with_label(span, "Elasticsearch has this command; rulegate does not evaluate it")
            .with_note(
                "supported: FROM, ROW, WHERE, EVAL, STATS, INLINE STATS, KEEP, DROP, RENAME, SORT, LIMIT, MV_EXPAND, DISSECT, GROK, FILLNULL, DEDUP, DISTINCT, SAMPLE, FORK, LOOKUP JOIN",
            );
        }
        let mut diagnostic =
            Diagnostic::error(E_UNKNOWN_COMMAND, format!("unknown command `{word}`"))
                .with_label(span, "not an ES|QL command");
        if let Some(near) = suggest(word, SUPPORTED_COMMANDS) {
            diagnostic = diagnostic.with_help(format!("did you mean `{}`?", near.to_uppercase()));
        }
        diagnostic
    }

    fn source_command(&mut self) -> PResult<SourceCommand> {
        let (word, span) = self.command_word()?;
        match word.as_str() {
            "from" => self.from(span).map(SourceCommand::From),
            "row" => {
                let fields = self.fields()?;
                Ok(SourceCommand::Row(Row {
                    fields,
                    span: self.span_from(span.start),
                }))
            }
            _ if SUPPORTED_COMMANDS.contains(&word.as_str()) => Err(Box::new(
                Diagnostic::error(
                    E_EXPECTED,
                    format!(
                        "a query starts with FROM or ROW, not `{}`",
                        word.to_uppercase()
                    ),
                )
                .with_label(span, "expected FROM or ROW"),
            )),
            _ => Err(Box::new(self.command_error(&word, span))),
        }
    }

    fn from(&mut self, keyword: Span) -> PResult<From> {
        let mut indices = Vec::new();
        loop {
            self.unpeek();
            match self.lexer.index_pattern()? {
                Some((pattern, span)) => {
                    self.last_end = span.end as usize;
                    indices.push(IndexPattern { pattern, span });
                }
                None => return Err(self.unexpected("an index pattern")?),
            }
            if self.eat(&TokenKind::Comma)?.is_none() {
                break;
            }
        }
        let mut metadata = Vec::new();
        if self.eat_word("metadata")?.is_some() {
            loop {
                metadata.push(self.expect_name("a metadata field such as `_id`")?);
                if self.eat(&TokenKind::Comma)?.is_none() {
                    break;
                }
            }
        }
        Ok(From {
            indices,
            metadata,
            span: self.span_from(keyword.start),
        })
    }

    /// `LOOKUP JOIN index ON field[, field …]`: the index is one plain name, as Elasticsearch's
    /// grammar (`indexPattern` without a cluster) and verifier (no wildcard) require.
    fn lookup_join(&mut self, keyword: Span) -> PResult<LookupJoin> {
        self.unpeek();
        let Some((pattern, span)) = self.lexer.index_pattern()? else {
            return Err(self.unexpected("a lookup index name")?);
        };
        self.last_end = span.end as usize;
        if pattern.contains('*') || pattern.contains(':') || pattern.contains(',') {
            return Err(Box::new(
                Diagnostic::error(
                    E_LOOKUP_INDEX,
                    format!("invalid lookup index name [{pattern}]: a lookup index is one plain name, without a wildcard or a cluster prefix"),
                )
                .with_label(span, "a plain index name is expected"),
            ));
        }
        let index = IndexPattern { pattern, span };
        if self.eat_word("on")?.is_none() {
            return Err(self.unexpected("`ON` and the join fields")?);
        }
        // A field list unless the first field is followed by more than `,` or the command's end.
        let saved = (self.lexer.clone(), self.peeked.clone(), self.last_end);
        let mut on = Vec::new();
        if let Ok(first) = self.expect_name("a join field") {
            on.push(first);
            while self.eat(&TokenKind::Comma)?.is_some() {
                on.push(self.expect_name("a join field")?);
            }
        }
        let mut condition = None;
        if on.is_empty() || !self.at_command_end()? {
            if on.len() > 1 {
                return Err(self.unexpected("`,`, `|` or the end of the query")?);
            }
            (self.lexer, self.peeked, self.last_end) = saved;
            on.clear();
            condition = Some(self.expr()?);
        }
        Ok(LookupJoin {
            index,
            on,
            condition,
            span: self.span_from(keyword.start),
        })
    }

    /// `FORK` and its parenthesised branches: one to eight, as Elasticsearch's grammar
    /// (`forkSubQuery+`) and `LogicalPlanBuilder.visitForkCommand` (`Fork.MAX_BRANCHES`) allow.
    fn fork(&mut self, keyword: Span) -> PResult<Vec<ForkBranch>> {
        let mut branches = Vec::new();
        while let Some(open) = self.eat(&TokenKind::LParen)? {
            let mut commands = vec![self.processing_command()?];
            while self.eat(&TokenKind::Pipe)?.is_some() {
                commands.push(self.processing_command()?);
            }
            if self.eat(&TokenKind::RParen)?.is_none() {
                return Err(self.unexpected("`|` or `)` closing the FORK branch")?);
            }
            branches.push(ForkBranch {
                commands,
                span: self.span_from(open.start),
            });
        }
        if branches.is_empty() {
            return Err(self.unexpected("`(` opening a FORK branch")?);
        }
        if branches.len() > 8 {
            return Err(Box::new(
                Diagnostic::error(E_EXPECTED, "Fork supports up to 8 branches").with_label(
                    self.span_from(keyword.start),
                    format!("{} branches", branches.len()),
                ),
            ));
        }
        Ok(branches)
    }

    fn processing_command(&mut self) -> PResult<Command> {
        let (word, span) = self.command_word()?;
        let kind = match word.as_str() {
            "where" => CommandKind::Where(self.expr()?),
            "eval" => CommandKind::Eval(self.fields()?),
            "stats" => CommandKind::Stats(self.stats()?),
            "inline stats" | "inlinestats" => CommandKind::InlineStats(self.stats()?),
            "keep" => CommandKind::Keep(self.name_patterns()?),
            "drop" => CommandKind::Drop(self.name_patterns()?),
            "rename" => CommandKind::Rename(self.renames()?),
            "sort" => CommandKind::Sort(self.sort_keys()?),
            "limit" => CommandKind::Limit(self.limit()?),
            "mv_expand" => CommandKind::MvExpand(self.expect_name("a field name")?),
            "dissect" => CommandKind::Dissect(self.dissect()?),
            "grok" => {
                let input = self.primary()?;
                let pattern = self.string_literal("a GROK pattern string")?;
                let mut more = Vec::new();
                while self.eat(&TokenKind::Comma)?.is_some() {
                    more.push(self.string_literal("a GROK pattern string")?);
                }
                let last = more.last().map_or(pattern.span, |p| p.span);
                CommandKind::Grok(Grok {
                    span: input.span.to(last),
                    input,
                    pattern,
                    more,
                })
            }
            "fillnull" => CommandKind::FillNull(self.fill_null()?),
            "dedup" => CommandKind::Dedup,
            "distinct" => CommandKind::Distinct,
            "sample" => CommandKind::Sample(self.sample()?),
            "fork" => CommandKind::Fork(self.fork(span)?),
            "lookup join" => CommandKind::LookupJoin(self.lookup_join(span)?),
            "change_point" => CommandKind::ChangePoint(self.change_point()?),
            "from" | "row" => {
                return Err(Box::new(
                    Diagnostic::error(
                        E_EXPECTED,
                        format!("`{}` can only start a query", word.to_uppercase()),
                    )
                    .with_label(span, "a source command after `|`"),
                ))
            }
            _ => return Err(Box::new(self.command_error(&word, span))),
        };
        Ok(Command {
            kind,
            span: self.span_from(span.start),
        })
    }

    /// `[name =] expr (, [name =] expr)*`
    fn fields(&mut self) -> PResult<Vec<Field>> {
        let mut fields = vec![self.field()?];
        while self.eat(&TokenKind::Comma)?.is_some() {
            fields.push(self.field()?);
        }
        Ok(fields)
    }

    fn field(&mut self) -> PResult<Field> {
        let saved = (self.lexer.clone(), self.peeked.clone(), self.last_end);
        if let Some(name) = self.name()? {
            if self.eat(&TokenKind::Assign)?.is_some() {
                let expr = self.expr()?;
                return Ok(Field {
                    span: name.span.to(expr.span),
                    name: Some(name),
                    expr,
                });
            }
        }
        (self.lexer, self.peeked, self.last_end) = saved;
        let expr = self.expr()?;
        Ok(Field {
            span: expr.span,
            name: None,
            expr,
        })
    }

    fn stats(&mut self) -> PResult<Stats> {
        let mut aggregates = Vec::new();
        if !self.at_word("by")? && !self.at_command_end()? {
            loop {
                let field = self.field()?;
                let filter = match self.eat_word("where")? {
                    Some(_) => Some(self.expr()?),
                    None => None,
                };
                let end = filter.as_ref().map_or(field.span, |f| f.span);
                aggregates.push(AggregateField {
                    span: field.span.to(end),
                    field,
                    filter,
                });
                if self.eat(&TokenKind::Comma)?.is_none() {
                    break;
                }
            }
        }
        let by = match self.eat_word("by")? {
            Some(_) => self.fields()?,
            None => Vec::new(),
        };
        Ok(Stats { aggregates, by })
    }

    /// At `|`, the query's end, or the `)` that closes a `FORK` branch (fork.csv-spec
    /// `forkBranchWithLookupJoin`: `( … | LOOKUP JOIN languages_lookup ON language_code)`).
    fn at_command_end(&mut self) -> PResult<bool> {
        Ok(matches!(
            self.peek_kind()?,
            TokenKind::Pipe | TokenKind::Eof | TokenKind::RParen
        ))
    }

    fn name_patterns(&mut self) -> PResult<Vec<NamePattern>> {
        let mut patterns = Vec::new();
        loop {
            self.unpeek();
            match self.lexer.name_pattern()? {
                Some((pattern, span)) => {
                    self.last_end = span.end as usize;
                    patterns.push(NamePattern { pattern, span });
                }
                None => return Err(self.unexpected("a field name or pattern")?),
            }
            if self.eat(&TokenKind::Comma)?.is_none() {
                return Ok(patterns);
            }
        }
    }

    /// `old AS new` or `new = old`, comma-separated.
    fn renames(&mut self) -> PResult<Vec<Rename>> {
        let mut renames = Vec::new();
        loop {
            let first = self.expect_name("a field name")?;
            let (old, new) = if self.eat(&TokenKind::Assign)?.is_some() {
                let old = self.expect_name("the field to rename")?;
                (old, first)
            } else {
                self.expect_word("as")?;
                let new = self.expect_name("the new field name")?;
                (first, new)
            };
            renames.push(Rename {
                span: old.span.to(new.span),
                old,
                new,
            });
            if self.eat(&TokenKind::Comma)?.is_none() {
                return Ok(renames);
            }
        }
    }

    fn sort_keys(&mut self) -> PResult<Vec<SortKey>> {
        let mut keys = Vec::new();
        loop {
            let expr = self.expr()?;
            let start = expr.span.start;
            let order = if self.eat_word("asc")?.is_some() {
                Some(SortOrder::Asc)
            } else if self.eat_word("desc")?.is_some() {
                Some(SortOrder::Desc)
            } else {
                None
            };
            let nulls = if self.eat_word("nulls")?.is_some() {
                if self.eat_word("first")?.is_some() {
                    Some(NullsOrder::First)
                } else {
                    self.expect_word("last")?;
                    Some(NullsOrder::Last)
                }
            } else {
                None
            };
            keys.push(SortKey {
                expr,
                order,
                nulls,
                span: self.span_from(start),
            });
            if self.eat(&TokenKind::Comma)?.is_none() {
                return Ok(keys);
            }
        }
    }

    fn limit(&mut self) -> PResult<Limit> {
        let token = self.peek()?.clone();
        match token.kind {
            TokenKind::Integer(count) => {
                self.bump()?;
                // `LIMIT n BY key, …` (`limitByGroupKey`): at most `n` rows per group.
                let mut by = Vec::new();
                if self.eat_word("by")?.is_some() {
                    by.push(self.expr()?);
                    while self.eat(&TokenKind::Comma)?.is_some() {
                        by.push(self.expr()?);
                    }
                }
                Ok(Limit {
                    count,
                    by,
                    span: token.span,
                })
            }
            TokenKind::Decimal(_) => Err(Box::new(
                Diagnostic::error(E_NUMBER, "LIMIT takes a whole number that fits in 64 bits")
                    .with_label(token.span, "not a valid row count"),
            )),
            _ => Err(self.unexpected("a row count")?),
        }
    }

    /// `FILLNULL (DEFAULT | value) ON name_or_pattern (, name_or_pattern)*`
    fn fill_null(&mut self) -> PResult<FillNull> {
        let value = if self.eat_word("default")?.is_some() {
            None
        } else {
            Some(self.expr()?)
        };
        self.expect_word("on")?;
        let targets = self.name_patterns()?;
        Ok(FillNull { value, targets })
    }

    /// `SAMPLE probability`: a decimal literal strictly between 0 and 1, as Elasticsearch's
    /// parser requires.
    fn sample(&mut self) -> PResult<Sample> {
        let token = self.peek()?.clone();
        let probability = match token.kind {
            TokenKind::Decimal(p) => p,
            TokenKind::Integer(i) => i as f64,
            _ => return Err(self.unexpected("a sampling probability")?),
        };
        self.bump()?;
        if !(probability > 0.0 && probability < 1.0) {
            return Err(Box::new(
                Diagnostic::error(
                    E_NUMBER,
                    format!(
                        "invalid value for SAMPLE probability [{}], expecting a number between 0 and 1, exclusive",
                        token.span.slice(self.src)
                    ),
                )
                .with_label(token.span, "not strictly between 0 and 1"),
            ));
        }
        Ok(Sample {
            probability,
            span: token.span,
        })
    }

    /// `CHANGE_POINT value [ON key] [AS type, pvalue] [BY group, …]`.
    fn change_point(&mut self) -> PResult<ChangePoint> {
        let value = self.expect_name("the value column")?;
        let key = match self.eat_word("on")? {
            Some(_) => Some(self.expect_name("the key column")?),
            None => None,
        };
        let names = match self.eat_word("as")? {
            Some(_) => {
                let type_name = self.expect_name("the change type column's name")?;
                self.expect(&TokenKind::Comma)?;
                Some((type_name, self.expect_name("the p-value column's name")?))
            }
            None => None,
        };
        let by = match self.eat_word("by")? {
            Some(_) => self.fields()?,
            None => Vec::new(),
        };
        Ok(ChangePoint {
            value,
            key,
            names,
            by,
        })
    }

    fn dissect(&mut self) -> PResult<Dissect> {
        let input = self.primary()?;
        let pattern = self.string_literal("a DISSECT pattern string")?;
        let mut append_separator = None;
        if let Some(option) = self.peek_word()? {
            if option.eq_ignore_ascii_case("append_separator") {
                self.bump()?;
                self.expect(&TokenKind::Assign)?;
                append_separator = Some(self.string_literal("the separator string")?);
            }
        }
        Ok(Dissect {
            span: self.span_from(input.span.start),
            input,
            pattern,
            append_separator,
        })
    }

    pub(super) fn string_literal(&mut self, what: &str) -> PResult<StringLiteral> {
        let token = self.peek()?.clone();
        match token.kind {
            TokenKind::String { value, .. } => {
                self.bump()?;
                Ok(StringLiteral {
                    value,
                    span: token.span,
                })
            }
            _ => Err(self.unexpected(what)?),
        }
    }
}
