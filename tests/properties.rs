//! quickcheck properties over generated syntax trees: printing then parsing gives the same tree,
//! printing is idempotent, and the parser never panics on text made of ES|QL fragments.
//!
//! Trees are built directly (not from text) from small pools of names and literals, so that
//! names collide, need quoting, or look like keywords. Depth is passed down explicitly and
//! bounded; every generated tree is one the parser can produce (constants in arrays, valid LIKE
//! patterns, maps only as call arguments). Shrinking drops commands, which is enough to find
//! the command at fault; expressions are not shrunk.

use quickcheck::{Arbitrary, Gen, QuickCheck};
use rulegate::esql::ast::*;
use rulegate::esql::{parse, print};
use rulegate::span::Span;

const NAMES: &[&str] = &[
    "user.name",
    "source.ip",
    "event.action",
    "@timestamp",
    "_id",
    "Esql.count",
    "kubernetes.audit.annotations.authorization_k8s_io/decision",
    "with space",
    "back`tick",
    "as",
    "source.as.organization",
    "not",
    "by",
    "x..y",
    "count",
    "hour",
];
const FUNCTIONS: &[&str] = &[
    "to_string",
    "count_distinct",
    "values",
    "coalesce",
    "date_trunc",
    "now",
    "match",
];
const STRINGS: &[&str] = &[
    "",
    "get",
    "a\"b",
    "C:\\Windows\\",
    "line\nbreak",
    "tab\there",
    "\"\"\"",
    "é ✓",
    "ends\"",
];
const LIKE_PATTERNS: &[&str] = &["sh.helm.*", "a?c", "\\*literal", "C:\\\\Temp\\\\*", "*"];
const UNITS: &[&str] = &[
    "ms", "second", "minutes", "min", "h", "day", "weeks", "mo", "q", "y", "yr",
];
const TYPES: &[&str] = &["long", "keyword", "ip", "datetime", "double", "string"];
const PATTERNS: &[&str] = &[
    "user.name",
    "Esql.*",
    "*",
    "*_id",
    "with space",
    "a..b",
    "x-y.z",
];
const INDICES: &[&str] = &[
    "logs-*",
    "remote:logs-*",
    ".alerts-security.*",
    "with space",
    "a,b",
    "q\"uote",
];

fn pick<'a>(g: &mut Gen, pool: &[&'a str]) -> &'a str {
    g.choose(pool).copied().unwrap_or_default()
}

fn small(g: &mut Gen, max: usize) -> usize {
    usize::arbitrary(g) % (max + 1)
}

fn node(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: Span::default(),
    }
}

fn name(g: &mut Gen) -> Name {
    Name {
        name: pick(g, NAMES).to_string(),
        span: Span::default(),
    }
}

fn string_literal(g: &mut Gen, pool: &[&str]) -> StringLiteral {
    StringLiteral {
        value: pick(g, pool).to_string(),
        span: Span::default(),
    }
}

/// A constant as arrays and maps allow: a scalar literal or a signed number.
fn constant(g: &mut Gen) -> Expr {
    match small(g, 6) {
        0 => node(ExprKind::Literal(Literal::Null)),
        1 => node(ExprKind::Literal(Literal::Boolean(bool::arbitrary(g)))),
        2 => node(ExprKind::Literal(Literal::Integer(u64::arbitrary(g)))),
        3 => {
            // Finite, non-negative decimals; a sign is a unary minus in the tree.
            let value = f64::from(u32::arbitrary(g)) / 64.0;
            node(ExprKind::Literal(Literal::Decimal(value)))
        }
        4 => node(ExprKind::Literal(Literal::String(
            pick(g, STRINGS).to_string(),
        ))),
        5 => node(ExprKind::Literal(Literal::TimeSpan {
            value: u64::from(u16::arbitrary(g)),
            unit: pick(g, UNITS).to_string(),
        })),
        _ => node(ExprKind::Unary {
            op: UnaryOp::Neg,
            operand: Box::new(node(ExprKind::Literal(Literal::Integer(u64::from(
                u8::arbitrary(g),
            ))))),
        }),
    }
}

fn map(g: &mut Gen, depth: usize) -> Expr {
    let entries = (0..small(g, 2))
        .map(|_| MapEntry {
            key: string_literal(g, STRINGS),
            value: if depth > 0 && small(g, 3) == 0 {
                map(g, depth - 1)
            } else {
                constant(g)
            },
            span: Span::default(),
        })
        .collect();
    node(ExprKind::Map(entries))
}

fn expr(g: &mut Gen, depth: usize) -> Expr {
    if depth == 0 {
        return match small(g, 2) {
            0 => constant(g),
            _ => node(ExprKind::Column(name(g))),
        };
    }
    let sub = |g: &mut Gen| Box::new(expr(g, depth - 1));
    match small(g, 14) {
        0 => constant(g),
        1 => node(ExprKind::Column(name(g))),
        2 => {
            let star = small(g, 5) == 0;
            let mut args: Vec<Expr> = if star {
                Vec::new()
            } else {
                (0..small(g, 3)).map(|_| expr(g, depth - 1)).collect()
            };
            if !star && small(g, 4) == 0 {
                args.push(map(g, 1));
            }
            node(ExprKind::Call(Call {
                name: pick(g, FUNCTIONS).to_string(),
                args,
                star,
                span: Span::default(),
            }))
        }
        3 => node(ExprKind::Unary {
            op: if bool::arbitrary(g) {
                UnaryOp::Neg
            } else {
                UnaryOp::Plus
            },
            operand: sub(g),
        }),
        4 | 5 => {
            let ops = [
                BinaryOp::Add,
                BinaryOp::Sub,
                BinaryOp::Mul,
                BinaryOp::Div,
                BinaryOp::Mod,
                BinaryOp::Eq,
                BinaryOp::Neq,
                BinaryOp::Lt,
                BinaryOp::Lte,
                BinaryOp::Gt,
                BinaryOp::Gte,
                BinaryOp::EqIgnoreCase,
            ];
            node(ExprKind::Binary {
                op: *g.choose(&ops).unwrap(),
                left: sub(g),
                right: sub(g),
            })
        }
        6 => node(ExprKind::And(sub(g), sub(g))),
        7 => node(ExprKind::Or(sub(g), sub(g))),
        8 => node(ExprKind::Not(sub(g))),
        9 => node(ExprKind::In {
            value: sub(g),
            list: (0..=small(g, 2)).map(|_| expr(g, depth - 1)).collect(),
            negated: bool::arbitrary(g),
        }),
        10 => node(ExprKind::IsNull {
            value: sub(g),
            negated: bool::arbitrary(g),
        }),
        11 => {
            let rlike = bool::arbitrary(g);
            // Literal patterns (one or a list), or one expression pattern. A bare string
            // literal reads back as a literal pattern, so the expression form casts it.
            let patterns = if small(g, 3) == 0 {
                let pattern = expr(g, depth - 1);
                LikePatterns::Expr(Box::new(match pattern.kind {
                    ExprKind::Literal(Literal::String(_)) => node(ExprKind::Cast {
                        value: Box::new(pattern),
                        target: Name {
                            name: "keyword".to_string(),
                            span: Span::default(),
                        },
                    }),
                    _ => pattern,
                }))
            } else {
                LikePatterns::Literals(
                    (0..=small(g, 2))
                        .map(|_| string_literal(g, LIKE_PATTERNS))
                        .collect(),
                )
            };
            node(ExprKind::Like {
                value: sub(g),
                patterns,
                kind: if rlike {
                    PatternKind::Rlike
                } else {
                    PatternKind::Like
                },
                negated: bool::arbitrary(g),
            })
        }
        12 => node(ExprKind::Cast {
            value: sub(g),
            target: Name {
                name: pick(g, TYPES).to_string(),
                span: Span::default(),
            },
        }),
        13 => node(ExprKind::Match {
            field: Box::new(node(ExprKind::Column(name(g)))),
            query: Box::new(node(ExprKind::Literal(Literal::String(
                pick(g, STRINGS).to_string(),
            )))),
        }),
        _ => node(ExprKind::Literal(Literal::Array(
            (0..=small(g, 2)).map(|_| constant(g)).collect(),
        ))),
    }
}

fn field(g: &mut Gen, depth: usize) -> Field {
    Field {
        name: bool::arbitrary(g).then(|| name(g)),
        expr: expr(g, depth),
        span: Span::default(),
    }
}

fn fields(g: &mut Gen, depth: usize) -> Vec<Field> {
    (0..=small(g, 2)).map(|_| field(g, depth)).collect()
}

fn stats(g: &mut Gen, depth: usize) -> Stats {
    Stats {
        aggregates: (0..small(g, 2))
            .map(|_| AggregateField {
                field: field(g, depth),
                filter: bool::arbitrary(g).then(|| expr(g, depth)),
                span: Span::default(),
            })
            .collect(),
        by: (0..small(g, 2)).map(|_| field(g, depth)).collect(),
    }
}

fn name_patterns(g: &mut Gen) -> Vec<NamePattern> {
    (0..=small(g, 2))
        .map(|_| NamePattern {
            pattern: pick(g, PATTERNS).to_string(),
            span: Span::default(),
        })
        .collect()
}

fn command(g: &mut Gen, depth: usize) -> Command {
    let kind = match small(g, 12) {
        0 => CommandKind::Where(expr(g, depth)),
        1 => CommandKind::Eval(fields(g, depth)),
        2 => CommandKind::Stats(stats(g, depth)),
        3 => CommandKind::InlineStats(stats(g, depth)),
        4 => CommandKind::Keep(name_patterns(g)),
        5 => CommandKind::Drop(name_patterns(g)),
        6 => CommandKind::Rename(
            (0..=small(g, 1))
                .map(|_| Rename {
                    old: name(g),
                    new: name(g),
                    span: Span::default(),
                })
                .collect(),
        ),
        7 => CommandKind::Sort(
            (0..=small(g, 1))
                .map(|_| SortKey {
                    expr: expr(g, depth),
                    order: *g
                        .choose(&[None, Some(SortOrder::Asc), Some(SortOrder::Desc)])
                        .unwrap(),
                    nulls: *g
                        .choose(&[None, Some(NullsOrder::First), Some(NullsOrder::Last)])
                        .unwrap(),
                    span: Span::default(),
                })
                .collect(),
        ),
        8 => CommandKind::Limit(Limit {
            count: u64::arbitrary(g),
            by: (0..small(g, 2)).map(|_| expr(g, depth)).collect(),
            span: Span::default(),
        }),
        9 => CommandKind::MvExpand(name(g)),
        10 => CommandKind::Dissect(Dissect {
            input: expr(g, depth),
            pattern: string_literal(g, STRINGS),
            append_separator: bool::arbitrary(g).then(|| string_literal(g, STRINGS)),
            span: Span::default(),
        }),
        _ => CommandKind::Grok(Grok {
            input: expr(g, depth),
            pattern: string_literal(g, STRINGS),
            more: (0..usize::arbitrary(g) % 3)
                .map(|_| string_literal(g, STRINGS))
                .collect(),
            span: Span::default(),
        }),
    };
    Command {
        kind,
        span: Span::default(),
    }
}

#[derive(Clone, Debug)]
struct GenQuery(Query);

impl Arbitrary for GenQuery {
    fn arbitrary(g: &mut Gen) -> GenQuery {
        let depth = 3;
        let source = if small(g, 3) == 0 {
            SourceCommand::Row(Row {
                fields: fields(g, depth),
                span: Span::default(),
            })
        } else {
            SourceCommand::From(From {
                indices: (0..=small(g, 1))
                    .map(|_| IndexPattern {
                        pattern: pick(g, INDICES).to_string(),
                        span: Span::default(),
                    })
                    .collect(),
                metadata: (0..small(g, 2)).map(|_| name(g)).collect(),
                span: Span::default(),
            })
        };
        let commands = (0..small(g, 4)).map(|_| command(g, depth)).collect();
        GenQuery(Query {
            source,
            commands,
            span: Span::default(),
        })
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = GenQuery>> {
        let query = self.0.clone();
        Box::new((0..query.commands.len()).map(move |i| {
            let mut smaller = query.clone();
            smaller.commands.remove(i);
            GenQuery(smaller)
        }))
    }
}

fn round_trips(query: GenQuery) -> bool {
    let printed = print(&query.0);
    match parse(&printed) {
        Ok(parsed) if parsed == query.0 => print(&parsed) == printed,
        Ok(parsed) => {
            eprintln!(
                "differs after print → parse:\n{printed}\n{:#?}\n{:#?}",
                query.0, parsed
            );
            false
        }
        Err(error) => {
            eprintln!("printed text does not parse:\n{printed}\n{error}");
            false
        }
    }
}

#[test]
fn print_then_parse_gives_the_same_tree() {
    QuickCheck::new()
        .tests(300)
        .rng(Gen::new(20))
        .quickcheck(round_trips as fn(GenQuery) -> bool);
}

/// Fragments of real queries, glued at random: mostly invalid text that must give a
/// diagnostic (with spans inside the input) or a tree, never a panic.
const FRAGMENTS: &[&str] = &[
    "from ",
    "logs-*",
    " metadata ",
    "_id",
    ", ",
    " | ",
    "where ",
    "not ",
    "(",
    ")",
    " and ",
    " or ",
    "a.b",
    "`q``x`",
    " == ",
    "\"s\"",
    "\"\"\"t\"\"\"",
    " in ",
    " like ",
    " rlike ",
    " is ",
    " null",
    "1",
    "5 minutes",
    "5m",
    "[",
    "]",
    "{",
    "}",
    ":",
    "::long",
    "stats ",
    "by ",
    "count(*)",
    "keep ",
    "Esql.*",
    "sort ",
    " desc",
    " nulls last",
    "limit ",
    "eval ",
    "x = ",
    "-",
    "/* ",
    " */",
    "// c\n",
    "inline stats ",
    "dissect ",
    "grok ",
    "rename ",
    " as ",
    "enrich ",
    "\"\\q\"",
    "\n",
    "é",
];

/// Parsing `text` gives a tree that round-trips, or a diagnostic whose spans lie inside `text`.
fn parses_or_explains(text: &str) -> bool {
    match parse(text) {
        Ok(query) => parse(&print(&query)).ok().as_ref() == Some(&query),
        Err(error) => error
            .labels
            .iter()
            .all(|l| l.span.end as usize <= text.len()),
    }
}

fn fragment_soup(pieces: Vec<u8>) -> bool {
    let text: String = pieces
        .iter()
        .map(|i| FRAGMENTS[*i as usize % FRAGMENTS.len()])
        .collect();
    parses_or_explains(&text)
}

#[test]
fn parser_never_panics_on_fragment_soup() {
    QuickCheck::new()
        .tests(2000)
        .quickcheck(fragment_soup as fn(Vec<u8>) -> bool);
}

#[test]
fn parser_never_panics_on_arbitrary_strings() {
    fn check(text: String) -> bool {
        parses_or_explains(&text)
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(check as fn(String) -> bool);
}

/// `*` as any run of characters, by brute force: the pattern's first literal part starts the
/// name and each later part is matched at every place it could go.
fn wildcard_reference(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| wildcard_reference(rest, &name[i..])),
        Some((c, rest)) => name.first() == Some(c) && wildcard_reference(rest, &name[1..]),
    }
}

#[test]
fn index_patterns_match_as_a_brute_force_wildcard_does() {
    // Small alphabets, so that stars, repeats and overlaps are common; short, since the brute
    // force is exponential in the stars.
    fn check(pattern: Vec<u8>, name: Vec<u8>) -> bool {
        let pattern: String = pattern
            .iter()
            .take(10)
            .map(|b| ['a', 'b', '*', '-'][*b as usize % 4])
            .collect();
        let name: String = name
            .iter()
            .take(16)
            .map(|b| ['a', 'b', '-'][*b as usize % 3])
            .collect();
        rulegate::document::name_matches(&pattern, &name)
            == wildcard_reference(pattern.as_bytes(), name.as_bytes())
    }
    for (pattern, name, expected) in [
        ("logs-*", "logs-kubernetes.audit_logs-default", true),
        ("logs-*", "metrics-x", false),
        ("*-a*a", "x-aa", true),
        ("a*a", "a", false),
        ("a*b*a", "aba", true),
        ("a", "a", true),
    ] {
        assert_eq!(
            rulegate::document::name_matches(pattern, name),
            expected,
            "{pattern} {name}"
        );
    }
    QuickCheck::new()
        .tests(5000)
        .quickcheck(check as fn(Vec<u8>, Vec<u8>) -> bool);
}
