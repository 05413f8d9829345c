//! The KQL syntax tree. Every node carries a span (byte offsets into the query text); spans do
//! not take part in equality, so two queries that differ only in layout compare equal.
//!
//! The tree keeps what Kibana's grammar distinguishes: a `field:(a or b)` value list stays a
//! list under one field (mutation removes one of its values), a quoted value stays quoted (a
//! phrase), and an unquoted value keeps its wildcards apart from escaped `\*` characters.

use crate::span::Span;

/// A parsed query; `root` is `None` for an empty query, which Kibana reads as "match all".
#[derive(Clone, Debug)]
pub struct Query {
    pub root: Option<Node>,
    pub span: Span,
}

impl PartialEq for Query {
    fn eq(&self, other: &Query) -> bool {
        self.root == other.root
    }
}

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

impl PartialEq for Node {
    fn eq(&self, other: &Node) -> bool {
        self.kind == other.kind
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// Two or more operands.
    Or(Vec<Node>),
    /// Two or more operands.
    And(Vec<Node>),
    Not(Box<Node>),
    /// `field:value` or `field:(value list)`.
    Match {
        field: Literal,
        value: Value,
    },
    /// `field < value` and the other range operators.
    Range {
        field: Literal,
        op: RangeOp,
        value: Literal,
    },
    /// `field:{ query }` over a nested field.
    Nested {
        field: Literal,
        query: Box<Node>,
    },
    /// A value without a field: searched in every field.
    FreeText(Literal),
}

/// The value side of `field:…`: one literal, or an and/or/not list of them.
#[derive(Clone, Debug)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.kind == other.kind
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    Or(Vec<Value>),
    And(Vec<Value>),
    Not(Box<Value>),
    Term(Literal),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeOp {
    Lt,
    Lte,
    Gt,
    Gte,
}

impl RangeOp {
    pub fn symbol(self) -> &'static str {
        match self {
            RangeOp::Lt => "<",
            RangeOp::Lte => "<=",
            RangeOp::Gt => ">",
            RangeOp::Gte => ">=",
        }
    }
}

/// A field name or a value, quoted or not.
#[derive(Clone, Debug)]
pub struct Literal {
    pub kind: LiteralKind,
    pub span: Span,
}

impl PartialEq for Literal {
    fn eq(&self, other: &Literal) -> bool {
        self.kind == other.kind
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiteralKind {
    /// `"…"`: the decoded text; a quoted value is a phrase and never a wildcard.
    Quoted(String),
    /// Unquoted: decoded text pieces and the `*` wildcards between them, trimmed as Kibana
    /// trims (leading and trailing whitespace of the decoded text dropped).
    Unquoted(Vec<Segment>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    Star,
}

impl Literal {
    pub fn quoted(text: &str) -> Literal {
        Literal {
            kind: LiteralKind::Quoted(text.to_string()),
            span: Span::default(),
        }
    }

    pub fn unquoted(segments: Vec<Segment>) -> Literal {
        Literal {
            kind: LiteralKind::Unquoted(segments),
            span: Span::default(),
        }
    }

    pub fn is_quoted(&self) -> bool {
        matches!(self.kind, LiteralKind::Quoted(_))
    }

    /// Whether the literal holds a `*` wildcard (never true of a quoted one).
    pub fn has_wildcard(&self) -> bool {
        matches!(&self.kind, LiteralKind::Unquoted(s) if s.contains(&Segment::Star))
    }

    /// `field:*`: a lone wildcard, Kibana's exists query.
    pub fn is_lone_star(&self) -> bool {
        matches!(&self.kind, LiteralKind::Unquoted(s) if s.as_slice() == [Segment::Star])
    }

    /// The text with each wildcard written as `*` (for names and messages).
    pub fn text(&self) -> String {
        match &self.kind {
            LiteralKind::Quoted(text) => text.clone(),
            LiteralKind::Unquoted(segments) => segments
                .iter()
                .map(|segment| match segment {
                    Segment::Text(text) => text.as_str(),
                    Segment::Star => "*",
                })
                .collect(),
        }
    }

    /// The unquoted keywords Kibana turns into other literal types: `null`, `true`, `false`.
    pub fn special(&self) -> Option<Special> {
        match &self.kind {
            LiteralKind::Unquoted(segments) => match segments.as_slice() {
                [Segment::Text(text)] => match text.as_str() {
                    "null" => Some(Special::Null),
                    "true" => Some(Special::Bool(true)),
                    "false" => Some(Special::Bool(false)),
                    _ => None,
                },
                _ => None,
            },
            LiteralKind::Quoted(_) => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    Null,
    Bool(bool),
}

impl Node {
    /// Visits this node and every node under it, parents first.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a Node)) {
        visit(self);
        match &self.kind {
            NodeKind::Or(children) | NodeKind::And(children) => {
                children.iter().for_each(|child| child.walk(visit))
            }
            NodeKind::Not(child) => child.walk(visit),
            NodeKind::Nested { query, .. } => query.walk(visit),
            _ => {}
        }
    }
}

impl Value {
    /// The literal terms of a value list, left to right.
    pub fn terms(&self) -> Vec<&Literal> {
        let mut out = Vec::new();
        self.collect_terms(&mut out);
        out
    }

    fn collect_terms<'a>(&'a self, out: &mut Vec<&'a Literal>) {
        match &self.kind {
            ValueKind::Or(items) | ValueKind::And(items) => {
                items.iter().for_each(|item| item.collect_terms(out))
            }
            ValueKind::Not(item) => item.collect_terms(out),
            ValueKind::Term(literal) => out.push(literal),
        }
    }
}
