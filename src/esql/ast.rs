//! The ES|QL syntax tree: every node carries its byte span, and spans never take part in equality.
//!
//! Spans are byte offsets into the query text as the parser saw it (for a rule, the `query`
//! string; `rule::QueryStatus::file_span` maps them into the TOML file). Equality is structural:
//! `parse(print(q)) == q` holds although the printed text lays the query out differently.
//!
//! Names follow the grammar in `docs/esql-semantics.md` and Elasticsearch's `EsqlBaseParser.g4`.

use crate::span::{span_free_eq, Span};

/// A whole query: a source command followed by processing commands.
#[derive(Clone, Debug)]
pub struct Query {
    pub source: SourceCommand,
    pub commands: Vec<Command>,
    pub span: Span,
}
span_free_eq!(Query { source, commands });

#[derive(Clone, Debug, PartialEq)]
pub enum SourceCommand {
    /// `FROM logs-*, other METADATA _id, _index`
    From(From),
    /// `ROW a = 1, b = "x"`
    Row(Row),
}

#[derive(Clone, Debug)]
pub struct From {
    pub indices: Vec<IndexPattern>,
    /// Metadata fields requested with `METADATA`, in written order.
    pub metadata: Vec<Name>,
    pub span: Span,
}
span_free_eq!(From { indices, metadata });

/// An index pattern as written (`logs-kubernetes.audit_logs-*`, `remote:logs-*`, `"quoted"`).
#[derive(Clone, Debug)]
pub struct IndexPattern {
    pub pattern: String,
    pub span: Span,
}
span_free_eq!(IndexPattern { pattern });

#[derive(Clone, Debug)]
pub struct Row {
    pub fields: Vec<Field>,
    pub span: Span,
}
span_free_eq!(Row { fields });

/// One processing command after a `|`; its span covers the command from its keyword on.
#[derive(Clone, Debug)]
pub struct Command {
    pub kind: CommandKind,
    pub span: Span,
}
span_free_eq!(Command { kind });

#[derive(Clone, Debug, PartialEq)]
pub enum CommandKind {
    /// `WHERE cond`
    Where(Expr),
    /// `EVAL a = x + 1, y * 2`
    Eval(Vec<Field>),
    /// `STATS c = count(*) WHERE ok BY k`
    Stats(Stats),
    /// `INLINE STATS c = count(*) BY k` (also spelled `INLINESTATS`)
    InlineStats(Stats),
    /// `KEEP a, b*`
    Keep(Vec<NamePattern>),
    /// `DROP a, b*`
    Drop(Vec<NamePattern>),
    /// `RENAME old AS new` or `RENAME new = old`
    Rename(Vec<Rename>),
    /// `SORT a DESC NULLS LAST, b`
    Sort(Vec<SortKey>),
    /// `LIMIT 10`
    Limit(Limit),
    /// `MV_EXPAND field`
    MvExpand(Name),
    /// `DISSECT input "%{a} %{b}" APPEND_SEPARATOR = ","`
    Dissect(Dissect),
    /// `GROK input "%{IP:ip}"`
    Grok(Grok),
    /// `FILLNULL 0 ON a, b*` or `FILLNULL DEFAULT ON *`
    FillNull(FillNull),
    /// `DEDUP`: drops rows equal to an earlier row in every column
    Dedup,
    /// `DISTINCT`: the same as `DEDUP`, spelled as SQL does
    Distinct,
    /// `SAMPLE 0.25`: keeps each row with that probability
    Sample(Sample),
    /// `FORK (WHERE a) (STATS c = COUNT(*))`: each branch's pipeline over the same input, their
    /// outputs appended with a `_fork` column naming the branch (`fork1`, …)
    Fork(Vec<ForkBranch>),
    /// `LOOKUP JOIN languages_lookup ON language_code`: each row joined (left outer) with the
    /// lookup index's documents whose key fields equal its own
    LookupJoin(LookupJoin),
    /// `CHANGE_POINT value ON key AS type, pvalue BY group`: the change point of the series of
    /// `value` ordered by `key` (per group), marked on its row
    ChangePoint(ChangePoint),
}

/// `CHANGE_POINT value [ON key] [AS type, pvalue] [BY group, …]`, as written (the key defaults
/// to `@timestamp`, the output names to `type` and `pvalue`).
#[derive(Clone, Debug, PartialEq)]
pub struct ChangePoint {
    pub value: Name,
    pub key: Option<Name>,
    /// The names of the change type and p-value columns.
    pub names: Option<(Name, Name)>,
    pub by: Vec<Field>,
}

/// `LOOKUP JOIN index ON field[, field …]` or `LOOKUP JOIN index ON left == right AND …`.
#[derive(Clone, Debug)]
pub struct LookupJoin {
    /// The lookup index, as written (a plain name: no wildcard, no cluster prefix).
    pub index: IndexPattern,
    /// The join fields: each must be a column of the input and a field of the lookup index.
    /// Empty when the join has a `condition`.
    pub on: Vec<Name>,
    /// The expression form: comparisons of an input column with a lookup field, joined by
    /// `AND`.
    pub condition: Option<Expr>,
    pub span: Span,
}
span_free_eq!(LookupJoin {
    index,
    on,
    condition
});

/// One parenthesised pipeline of `FORK`.
#[derive(Clone, Debug, PartialEq)]
pub struct ForkBranch {
    pub commands: Vec<Command>,
    pub span: Span,
}

impl CommandKind {
    /// The command's keyword as the canonical printer writes it.
    pub fn keyword(&self) -> &'static str {
        match self {
            CommandKind::Where(_) => "WHERE",
            CommandKind::Eval(_) => "EVAL",
            CommandKind::Stats(_) => "STATS",
            CommandKind::InlineStats(_) => "INLINE STATS",
            CommandKind::Keep(_) => "KEEP",
            CommandKind::Drop(_) => "DROP",
            CommandKind::Rename(_) => "RENAME",
            CommandKind::Sort(_) => "SORT",
            CommandKind::Limit(_) => "LIMIT",
            CommandKind::MvExpand(_) => "MV_EXPAND",
            CommandKind::Dissect(_) => "DISSECT",
            CommandKind::Grok(_) => "GROK",
            CommandKind::FillNull(_) => "FILLNULL",
            CommandKind::Dedup => "DEDUP",
            CommandKind::Distinct => "DISTINCT",
            CommandKind::Sample(_) => "SAMPLE",
            CommandKind::Fork(_) => "FORK",
            CommandKind::LookupJoin(_) => "LOOKUP JOIN",
            CommandKind::ChangePoint(_) => "CHANGE_POINT",
        }
    }
}

/// `FILLNULL value ON targets`: the value (`None` for `DEFAULT`, each column's type default) and
/// the targeted names or patterns (`*` targets every column leniently).
#[derive(Clone, Debug, PartialEq)]
pub struct FillNull {
    pub value: Option<Expr>,
    pub targets: Vec<NamePattern>,
}

/// `SAMPLE probability`, as written.
#[derive(Clone, Debug)]
pub struct Sample {
    pub probability: f64,
    pub span: Span,
}
span_free_eq!(Sample { probability });

/// `[name =] expr`, as in `EVAL`, `ROW` and `STATS … BY`.
///
/// An unnamed field's column is named by its exact source text (`MIN(salary  * 10)`), which is
/// `expr.span` sliced from the query text: see [`Field::column_name`].
#[derive(Clone, Debug)]
pub struct Field {
    pub name: Option<Name>,
    pub expr: Expr,
    pub span: Span,
}
span_free_eq!(Field { name, expr });

impl Field {
    /// The output column's name: the alias, or the expression's source text.
    pub fn column_name(&self, query_text: &str) -> String {
        match &self.name {
            Some(name) => name.name.clone(),
            None => match &self.expr.kind {
                // A bare column keeps its resolved name (`` `a.b` `` names column `a.b`).
                ExprKind::Column(name) => name.name.clone(),
                _ => self.expr.span.slice(query_text).to_string(),
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stats {
    pub aggregates: Vec<AggregateField>,
    pub by: Vec<Field>,
}

/// One aggregate of `STATS`, with its optional per-aggregate filter: `c = count(*) WHERE ok`.
#[derive(Clone, Debug)]
pub struct AggregateField {
    pub field: Field,
    pub filter: Option<Expr>,
    pub span: Span,
}
span_free_eq!(AggregateField { field, filter });

/// A column name or a wildcard pattern of `KEEP`/`DROP` (`Esql.*`, `*`).
#[derive(Clone, Debug)]
pub struct NamePattern {
    pub pattern: String,
    pub span: Span,
}
span_free_eq!(NamePattern { pattern });

impl NamePattern {
    pub fn has_wildcard(&self) -> bool {
        self.pattern.contains('*')
    }
}

#[derive(Clone, Debug)]
pub struct Rename {
    pub old: Name,
    pub new: Name,
    pub span: Span,
}
span_free_eq!(Rename { old, new });

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortOrder {
    Asc,
    Desc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NullsOrder {
    First,
    Last,
}

/// One key of `SORT`; the optional parts stay `None` when not written, so printing keeps them out.
#[derive(Clone, Debug)]
pub struct SortKey {
    pub expr: Expr,
    pub order: Option<SortOrder>,
    pub nulls: Option<NullsOrder>,
    pub span: Span,
}
span_free_eq!(SortKey { expr, order, nulls });

/// `LIMIT n`, or `LIMIT n BY key, …`: at most `n` rows per distinct key tuple.
#[derive(Clone, Debug)]
pub struct Limit {
    pub count: u64,
    /// The grouping keys of `LIMIT n BY …`; empty for a plain `LIMIT`.
    pub by: Vec<Expr>,
    pub span: Span,
}
span_free_eq!(Limit { count, by });

#[derive(Clone, Debug)]
pub struct Dissect {
    pub input: Expr,
    pub pattern: StringLiteral,
    pub append_separator: Option<StringLiteral>,
    pub span: Span,
}
span_free_eq!(Dissect {
    input,
    pattern,
    append_separator
});

#[derive(Clone, Debug)]
pub struct Grok {
    pub input: Expr,
    pub pattern: StringLiteral,
    /// Further patterns after commas (`GROK s "ABC %{WORD:a}", "XYZ %{WORD:b}"`): the first
    /// that matches extracts.
    pub more: Vec<StringLiteral>,
    pub span: Span,
}
span_free_eq!(Grok {
    input,
    pattern,
    more
});

impl Grok {
    /// Every pattern string, in order.
    pub fn patterns(&self) -> Vec<&str> {
        std::iter::once(&self.pattern)
            .chain(&self.more)
            .map(|p| p.value.as_str())
            .collect()
    }
}

/// A field name, resolved: dotted parts joined with `.`, backtick quoting removed
/// (`` source.`as`.organization.name `` is `source.as.organization.name`).
#[derive(Clone, Debug)]
pub struct Name {
    pub name: String,
    pub span: Span,
}
span_free_eq!(Name { name });

/// A string literal's value after escape processing (triple-quoted strings have none).
#[derive(Clone, Debug)]
pub struct StringLiteral {
    pub value: String,
    pub span: Span,
}
span_free_eq!(StringLiteral { value });

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}
span_free_eq!(Expr { kind });

impl Expr {
    /// The direct sub-expressions, in source order: the one traversal every tree walk builds on.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Literal(_) | ExprKind::Column(_) => Vec::new(),
            ExprKind::Call(call) => call.args.iter().collect(),
            ExprKind::Unary { operand: a, .. }
            | ExprKind::Not(a)
            | ExprKind::IsNull { value: a, .. }
            | ExprKind::Cast { value: a, .. } => vec![a],
            ExprKind::Like {
                value, patterns, ..
            } => match patterns {
                LikePatterns::Literals(_) => vec![value],
                LikePatterns::Expr(pattern) => vec![value, pattern],
            },
            ExprKind::Binary { left, right, .. }
            | ExprKind::And(left, right)
            | ExprKind::Or(left, right)
            | ExprKind::Match {
                field: left,
                query: right,
            } => vec![left, right],
            ExprKind::In { value, list, .. } => std::iter::once(&**value).chain(list).collect(),
            ExprKind::Map(entries) => entries.iter().map(|e| &e.value).collect(),
        }
    }

    /// [`Expr::children`], mutably.
    pub fn children_mut(&mut self) -> Vec<&mut Expr> {
        match &mut self.kind {
            ExprKind::Literal(_) | ExprKind::Column(_) => Vec::new(),
            ExprKind::Call(call) => call.args.iter_mut().collect(),
            ExprKind::Unary { operand: a, .. }
            | ExprKind::Not(a)
            | ExprKind::IsNull { value: a, .. }
            | ExprKind::Cast { value: a, .. } => vec![a],
            ExprKind::Like {
                value, patterns, ..
            } => match patterns {
                LikePatterns::Literals(_) => vec![value],
                LikePatterns::Expr(pattern) => vec![value, pattern],
            },
            ExprKind::Binary { left, right, .. }
            | ExprKind::And(left, right)
            | ExprKind::Or(left, right)
            | ExprKind::Match {
                field: left,
                query: right,
            } => vec![left, right],
            ExprKind::In { value, list, .. } => std::iter::once(&mut **value)
                .chain(list.iter_mut())
                .collect(),
            ExprKind::Map(entries) => entries.iter_mut().map(|e| &mut e.value).collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `null`, `true`, `42`, `1.5`, `"text"`, `5 minutes`, `[1, 2]`
    Literal(Literal),
    /// A column reference: `user.name`, `` `kubernetes.audit.annotations.authorization_k8s_io/decision` ``
    Column(Name),
    /// A function call, scalar or aggregate: `to_string(source.ip)`, `count(*)`
    Call(Call),
    /// `-x`, `+x`
    Unary { op: UnaryOp, operand: Box<Expr> },
    /// Arithmetic and comparison: `a + b`, `a >= 3`
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `a AND b`
    And(Box<Expr>, Box<Expr>),
    /// `a OR b`
    Or(Box<Expr>, Box<Expr>),
    /// `NOT a`
    Not(Box<Expr>),
    /// `x IN (a, b)`, `x NOT IN (a, b)`
    In {
        value: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    /// `x IS NULL`, `x IS NOT NULL`
    IsNull { value: Box<Expr>, negated: bool },
    /// `x LIKE "a*"`, `x NOT RLIKE "a.*"`, `x LIKE ("a*", "b?")`, `x LIKE concat(p, "*")`
    Like {
        value: Box<Expr>,
        patterns: LikePatterns,
        kind: PatternKind,
        negated: bool,
    },
    /// `x::long`
    Cast { value: Box<Expr>, target: Name },
    /// The full-text match operator `field : "query"` (parsed, not evaluable offline).
    Match { field: Box<Expr>, query: Box<Expr> },
    /// A function's options map, allowed only as a call argument:
    /// `match(f, "q", {"fuzziness": 1})`.
    Map(Vec<MapEntry>),
}

/// One `"key": value` entry of an options map; the value is a constant or a nested map.
#[derive(Clone, Debug)]
pub struct MapEntry {
    pub key: StringLiteral,
    pub value: Expr,
    pub span: Span,
}
span_free_eq!(MapEntry { key, value });

/// The right-hand side of `LIKE`/`RLIKE`.
#[derive(Clone, Debug, PartialEq)]
pub enum LikePatterns {
    /// `"a*"` or the list form `("a*", "b?")`: string literals, each with its span (so its exact
    /// written text), checked when parsed. The list form takes only literals, as in Elasticsearch.
    Literals(Vec<StringLiteral>),
    /// One constant expression (Elasticsearch's `like_rlike_constant_expression`): a call over
    /// literals (`concat("Eber", "*")`), a cast, or a column an earlier `EVAL`/`ROW` bound to a
    /// constant. The engine folds it to a string when it compiles the query.
    Expr(Box<Expr>),
}

impl LikePatterns {
    /// The literal patterns, or `None` for an expression pattern, whose text is only known once
    /// the engine folds it: readers that need pattern text treat that case conservatively.
    pub fn literals(&self) -> Option<&[StringLiteral]> {
        match self {
            LikePatterns::Literals(literals) => Some(literals),
            LikePatterns::Expr(_) => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternKind {
    /// Wildcard `LIKE`: `*` and `?`, `\` escapes.
    Like,
    /// Lucene regular expression `RLIKE`.
    Rlike,
}

impl PatternKind {
    /// The operator's keyword as the canonical printer and Elasticsearch's messages write it.
    pub fn keyword(self) -> &'static str {
        match self {
            PatternKind::Like => "LIKE",
            PatternKind::Rlike => "RLIKE",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Plus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    /// `=~`, case-insensitive equality.
    EqIgnoreCase,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Eq => "==",
            BinaryOp::Neq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Lte => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Gte => ">=",
            BinaryOp::EqIgnoreCase => "=~",
        }
    }

    pub fn is_comparison(self) -> bool {
        !matches!(
            self,
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod
        )
    }

    /// The operator of `b op a` written as `a op' b` (`<` becomes `>`; equalities and
    /// arithmetic stay).
    pub fn swapped(self) -> BinaryOp {
        match self {
            BinaryOp::Lt => BinaryOp::Gt,
            BinaryOp::Lte => BinaryOp::Gte,
            BinaryOp::Gt => BinaryOp::Lt,
            BinaryOp::Gte => BinaryOp::Lte,
            other => other,
        }
    }
}

/// A function call. `name` is lower-cased (function names are case-insensitive); the written
/// spelling survives in the span.
#[derive(Clone, Debug)]
pub struct Call {
    pub name: String,
    pub args: Vec<Expr>,
    /// `count(*)`: the only place ES|QL accepts `*` as an argument.
    pub star: bool,
    pub span: Span,
}
span_free_eq!(Call { name, args, star });

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Null,
    Boolean(bool),
    /// A whole number as written (its ES|QL type, `integer`, `long` or `unsigned_long`, follows
    /// from its size; a leading `-` is a `UnaryOp::Neg` around it).
    Integer(u64),
    Decimal(f64),
    String(String),
    /// `5 minutes`, `1 day`, `1y`: the unit as written, lower-cased.
    TimeSpan {
        value: u64,
        unit: String,
    },
    /// `[1, 2, 3]`, `["a", "b"]`: each element is a literal expression with its own span.
    Array(Vec<Expr>),
}
