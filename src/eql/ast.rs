//! The EQL syntax tree: every node carries its byte span, and spans never take part in equality.
//!
//! Spans are byte offsets into the query text (for a rule, its `query` string; see
//! [`super::RuleQuery`] for the file mapping). Equality is structural, so `parse(print(q)) == q`
//! holds although the printed text lays the query out differently. Names follow Elasticsearch's
//! `EqlBase.g4`.

use crate::span::{span_free_eq, Span};

/// A whole query: an event query, a sequence or a sample, then `head`/`tail` pipes.
#[derive(Clone, Debug)]
pub struct Query {
    pub body: Body,
    pub pipes: Vec<Pipe>,
    pub span: Span,
}
span_free_eq!(Query { body, pipes });

#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// `process where …`, `any where …`
    Event(EventFilter),
    Sequence(Sequence),
    Sample(Sample),
}

/// `category where condition`.
#[derive(Clone, Debug)]
pub struct EventFilter {
    pub category: Category,
    pub condition: Expr,
    pub span: Span,
}
span_free_eq!(EventFilter {
    category,
    condition
});

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Category {
    /// `any`: every document, with or without an event category.
    Any,
    /// A value of the event category field (`process`, or quoted `"my-category"`).
    Named(String),
}

/// `sequence [by keys] [with maxspan=…] [q1] [q2] … [until [q]]`.
#[derive(Clone, Debug)]
pub struct Sequence {
    /// Keys shared by every query (`sequence by user.name`).
    pub by: Vec<Expr>,
    pub maxspan: Option<TimeSpan>,
    /// The queries as written (a `with runs=N` query is one term here).
    pub terms: Vec<SequenceTerm>,
    pub until: Option<SequenceTerm>,
    pub span: Span,
}
span_free_eq!(Sequence {
    by,
    maxspan,
    terms,
    until
});

/// One bracketed query of a sequence or sample, with its own join keys.
#[derive(Clone, Debug)]
pub struct SequenceTerm {
    pub filter: EventFilter,
    pub by: Vec<Expr>,
    /// `with runs=N`: the query repeats `N` times in a row.
    pub runs: Option<u32>,
    /// `![…]`: a missing event, which must not occur.
    pub missing: bool,
    pub span: Span,
}
span_free_eq!(SequenceTerm {
    filter,
    by,
    runs,
    missing
});

/// `sample [by keys] [q1] [q2] …`: unordered events sharing the keys.
#[derive(Clone, Debug)]
pub struct Sample {
    pub by: Vec<Expr>,
    pub terms: Vec<SequenceTerm>,
    pub span: Span,
}
span_free_eq!(Sample { by, terms });

/// `maxspan=5m`: an amount and its unit as written.
#[derive(Clone, Debug)]
pub struct TimeSpan {
    pub amount: u64,
    pub unit: TimeUnit,
    pub span: Span,
}
span_free_eq!(TimeSpan { amount, unit });

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Millis,
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    pub fn parse(text: &str) -> Option<TimeUnit> {
        Some(match text {
            "ms" => TimeUnit::Millis,
            "s" => TimeUnit::Seconds,
            "m" => TimeUnit::Minutes,
            "h" => TimeUnit::Hours,
            "d" => TimeUnit::Days,
            _ => return None,
        })
    }

    pub fn suffix(self) -> &'static str {
        match self {
            TimeUnit::Millis => "ms",
            TimeUnit::Seconds => "s",
            TimeUnit::Minutes => "m",
            TimeUnit::Hours => "h",
            TimeUnit::Days => "d",
        }
    }

    pub fn millis(self) -> u64 {
        match self {
            TimeUnit::Millis => 1,
            TimeUnit::Seconds => 1_000,
            TimeUnit::Minutes => 60_000,
            TimeUnit::Hours => 3_600_000,
            TimeUnit::Days => 86_400_000,
        }
    }
}

impl TimeSpan {
    /// The span in milliseconds (the parser bounds the amount, so this cannot overflow).
    pub fn millis(&self) -> i64 {
        i64::try_from(self.amount.saturating_mul(self.unit.millis())).unwrap_or(i64::MAX)
    }
}

/// `| head 5`, `| tail 5`.
#[derive(Clone, Debug)]
pub struct Pipe {
    pub kind: PipeKind,
    pub count: u64,
    pub span: Span,
}
span_free_eq!(Pipe { kind, count });

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipeKind {
    Head,
    Tail,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}
span_free_eq!(Expr { kind });

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    Field(Field),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// Unary minus (`-x`). Unary plus is dropped by the parser.
    Neg(Box<Expr>),
    /// `x in (…)`, `x not in (…)`, `x in~ (…)`.
    In {
        value: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
        insensitive: bool,
    },
    /// `x : "a*"`, `x like~ ("a*", "b")`, `x regex "[a-z]+"`: string constants only.
    Match {
        value: Box<Expr>,
        op: MatchOp,
        insensitive: bool,
        patterns: Vec<Pattern>,
    },
    Call(Call),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Integer(i64),
    Decimal(f64),
    String(String),
}

/// A field reference; `name` is the dotted path (quoted parts joined as written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    /// `?field`: a field that may be unmapped everywhere (then it reads as `null`).
    pub optional: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::NotEq => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }

    /// The operator with its operands swapped (`1 < x` is `x > 1`).
    pub fn flipped(self) -> CompareOp {
        match self {
            CompareOp::Lt => CompareOp::Gt,
            CompareOp::Le => CompareOp::Ge,
            CompareOp::Gt => CompareOp::Lt,
            CompareOp::Ge => CompareOp::Le,
            other => other,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl ArithOp {
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "%",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchOp {
    /// `:`: case-insensitive equality; a pattern with `*` is a wildcard pattern.
    Colon,
    Like,
    Regex,
}

/// A string constant of a `:`, `like` or `regex` predicate.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub text: String,
    pub span: Span,
}
span_free_eq!(Pattern { text });

#[derive(Clone, Debug)]
pub struct Call {
    pub function: Function,
    /// The `~` form (`startsWith~`): case-insensitive.
    pub insensitive: bool,
    pub args: Vec<Expr>,
    /// The function name as written, for diagnostics.
    pub name_span: Span,
}

impl PartialEq for Call {
    fn eq(&self, other: &Call) -> bool {
        let Call {
            function,
            insensitive,
            args,
            name_span: _,
        } = self;
        *function == other.function && *insensitive == other.insensitive && *args == other.args
    }
}

/// The functions of Elasticsearch's EQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Function {
    Add,
    Between,
    CidrMatch,
    Concat,
    Divide,
    EndsWith,
    IndexOf,
    Length,
    Modulo,
    Multiply,
    Number,
    StartsWith,
    String,
    StringContains,
    Substring,
    Subtract,
}

impl Function {
    pub const ALL: [Function; 16] = [
        Function::Add,
        Function::Between,
        Function::CidrMatch,
        Function::Concat,
        Function::Divide,
        Function::EndsWith,
        Function::IndexOf,
        Function::Length,
        Function::Modulo,
        Function::Multiply,
        Function::Number,
        Function::StartsWith,
        Function::String,
        Function::StringContains,
        Function::Substring,
        Function::Subtract,
    ];

    /// The canonical spelling (Elasticsearch looks names up case-insensitively).
    pub fn name(self) -> &'static str {
        match self {
            Function::Add => "add",
            Function::Between => "between",
            Function::CidrMatch => "cidrMatch",
            Function::Concat => "concat",
            Function::Divide => "divide",
            Function::EndsWith => "endsWith",
            Function::IndexOf => "indexOf",
            Function::Length => "length",
            Function::Modulo => "modulo",
            Function::Multiply => "multiply",
            Function::Number => "number",
            Function::StartsWith => "startsWith",
            Function::String => "string",
            Function::StringContains => "stringContains",
            Function::Substring => "substring",
            Function::Subtract => "subtract",
        }
    }

    pub fn lookup(name: &str) -> Option<Function> {
        Function::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// Least and most arguments (`usize::MAX`: any number).
    pub fn arity(self) -> (usize, usize) {
        match self {
            Function::Add
            | Function::Divide
            | Function::Modulo
            | Function::Multiply
            | Function::Subtract
            | Function::EndsWith
            | Function::StartsWith
            | Function::StringContains => (2, 2),
            Function::Between => (3, 4),
            Function::CidrMatch => (2, usize::MAX),
            Function::Concat => (1, usize::MAX),
            Function::IndexOf | Function::Substring => (2, 3),
            Function::Length | Function::String => (1, 1),
            Function::Number => (1, 2),
        }
    }

    /// Whether a case-insensitive `~` form exists.
    pub fn has_insensitive_form(self) -> bool {
        matches!(
            self,
            Function::Between
                | Function::EndsWith
                | Function::IndexOf
                | Function::StartsWith
                | Function::StringContains
        )
    }
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// The top-level conjuncts of a condition, in written order (`explain`, `coverage` and
    /// `diff` all read a condition as this list).
    pub fn conjuncts(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::And(a, b) => {
                let mut all = a.conjuncts();
                all.extend(b.conjuncts());
                all
            }
            _ => vec![self],
        }
    }

    /// Every direct sub-expression, in written order.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Literal(_) | ExprKind::Field(_) => Vec::new(),
            ExprKind::Not(e) | ExprKind::Neg(e) => vec![e],
            ExprKind::And(a, b)
            | ExprKind::Or(a, b)
            | ExprKind::Compare(_, a, b)
            | ExprKind::Arith(_, a, b) => vec![a, b],
            ExprKind::In { value, list, .. } => {
                let mut all = vec![value.as_ref()];
                all.extend(list.iter());
                all
            }
            ExprKind::Match { value, .. } => vec![value],
            ExprKind::Call(call) => call.args.iter().collect(),
        }
    }

    /// Every field the expression reads, in written order (repeats included).
    pub fn fields<'e>(&'e self, out: &mut Vec<&'e Field>) {
        if let ExprKind::Field(field) = &self.kind {
            out.push(field);
        }
        for child in self.children() {
            child.fields(out);
        }
    }
}

impl Query {
    /// The event filters of the query in written order (a sequence's `until` last).
    pub fn filters(&self) -> Vec<&EventFilter> {
        match &self.body {
            Body::Event(filter) => vec![filter],
            Body::Sequence(seq) => seq
                .terms
                .iter()
                .chain(seq.until.iter())
                .map(|t| &t.filter)
                .collect(),
            Body::Sample(sample) => sample.terms.iter().map(|t| &t.filter).collect(),
        }
    }

    /// Every field the query reads: conditions and join keys.
    pub fn fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        let (shared, terms): (&[Expr], Vec<&SequenceTerm>) = match &self.body {
            Body::Event(_) => (&[], Vec::new()),
            Body::Sequence(s) => (&s.by, s.terms.iter().chain(s.until.iter()).collect()),
            Body::Sample(s) => (&s.by, s.terms.iter().collect()),
        };
        for e in shared {
            e.fields(&mut out);
        }
        for t in terms {
            for e in &t.by {
                e.fields(&mut out);
            }
        }
        for f in self.filters() {
            f.condition.fields(&mut out);
        }
        let mut names: Vec<String> = out.into_iter().map(|f| f.name.clone()).collect();
        names.sort();
        names.dedup();
        names
    }
}
