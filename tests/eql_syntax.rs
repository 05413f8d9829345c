//! The EQL front end: every EQL rule of `../shared/reference/detection-rules-k8s/` parses,
//! prints back and re-parses to the same tree, with spans that slice to their own text in the
//! query and in the TOML file; precedence, spelling, limits and one diagnostic per error kind;
//! a quickcheck property over generated trees.

use std::path::{Path, PathBuf};

use quickcheck::{Arbitrary, Gen, QuickCheck};
use rstest::rstest;
use rulegate::eql::ast::*;
use rulegate::eql::parser::parse_expression;
use rulegate::eql::{self, parse, print};
use rulegate::rule;
use rulegate::span::Span;

use crate::support::{shared_path, snapshot};

fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            toml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

/// Every expression node: its span's text parses to the node itself, so spans are exact.
fn expr_span_problems(e: &Expr, text: &str, out: &mut Vec<String>) {
    let slice = e.span.slice(text);
    match parse_expression(slice) {
        Ok(again) if again == *e => {}
        Ok(_) => out.push(format!("span `{slice}` parses to a different node")),
        Err(d) => out.push(format!("span `{slice}` does not parse: {}", d.message)),
    }
    for child in e.children() {
        expr_span_problems(child, text, out);
    }
}

fn query_span_problems(q: &Query, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for filter in q.filters() {
        expr_span_problems(&filter.condition, text, &mut out);
        let f = filter.span.slice(text);
        if !f.ends_with(filter.condition.span.slice(text)) {
            out.push(format!("filter span `{f}` does not end with its condition"));
        }
    }
    out
}

#[test]
fn every_reference_eql_rule_parses_prints_and_maps_into_its_file() {
    let mut files = Vec::new();
    toml_files(
        &shared_path("reference/detection-rules-k8s/rules"),
        &mut files,
    );
    files.sort();
    let (mut parsed, mut errors) = (0, Vec::new());
    let mut inspected = String::new();
    for path in &files {
        let loaded = rule::load(path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        if !eql::is_eql_rule(&loaded) {
            continue;
        }
        let rq = match eql::parse_rule_query(&loaded) {
            Ok(rq) => rq,
            Err(d) => {
                errors.push(format!("{}: {}", path.display(), d.message));
                continue;
            }
        };
        let printed = print(&rq.query);
        assert_eq!(parse(&printed).as_ref().ok(), Some(&rq.query), "{printed}");
        assert_eq!(
            print(&parse(&printed).unwrap()),
            printed,
            "printing is idempotent"
        );
        let problems = query_span_problems(&rq.query, &rq.text);
        assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
        for filter in rq.query.filters() {
            let in_file = rq.file_span(filter.span).slice(&rq.file.text);
            assert_eq!(in_file, filter.span.slice(&rq.text), "{}", path.display());
        }
        let report = rulegate::report::inspect::InspectReport::new(&loaded);
        assert_eq!(report.not_evaluated(), None);
        let name = path.file_name().unwrap().to_string_lossy();
        inspected.push_str(&format!("== {name}\n{}\n", report.to_text()));
        parsed += 1;
    }
    println!("eql corpus: {parsed} parsed, {} errors", errors.len());
    snapshot!("eql", "inspect_reference_rules", inspected);
    assert!(errors.is_empty(), "{errors:#?}");
    // The reference set holds nine EQL rules (notes §4.1): five Kubernetes, four cross-platform.
    assert_eq!(parsed, 9);
}

#[test]
fn a_rule_query_error_points_into_the_toml_file() {
    let text = "[metadata]\ncreation_date = \"2024/01/01\"\nupdated_date = \"2024/01/01\"\nmaturity = \"production\"\n\n[rule]\nauthor = [\"x\"]\ndescription = \"d\"\nlanguage = \"eql\"\nlicense = \"Elastic License v2\"\nname = \"n\"\nrisk_score = 21\nrule_id = \"00000000-0000-0000-0000-000000000000\"\nseverity = \"low\"\ntype = \"eql\"\nquery = '''\nany where a == 'x'\n'''\n";
    let loaded = rule::load_str("r.toml", text).expect("loads");
    let error = eql::parse_rule_query(&loaded).unwrap_err();
    assert_eq!(error.code, eql::E_UNSUPPORTED);
    let span = error.labels[0].span;
    assert_eq!(span.slice(text), "'");
    assert_eq!(&text[span.start as usize - 5..span.start as usize], "a == ");
}

#[rstest]
#[case("any where a or b and c", "any where a or b and c")]
#[case("any where (a or b) and c", "any where (a or b) and c")]
#[case("any where not a and b", "any where not a and b")]
#[case("any where not (a and b)", "any where not (a and b)")]
#[case("any where a - (b - c) == 1", "any where a - (b - c) == 1")]
#[case("any where a + b * c > -d", "any where a + b * c > -d")]
#[case("any where x not in (1, 2)", "any where x not in (1, 2)")]
#[case("any where not x in~ (\"A\")", "any where not x in~ (\"A\")")]
#[case("any where x : (\"a*\")", "any where x : \"a*\"")]
#[case(
    "any where x like~ (\"a*\", \"b?\")",
    "any where x like~ (\"a*\", \"b?\")"
)]
#[case("any where x regex \"[a-z]+\"", "any where x regex \"[a-z]+\"")]
#[case("any where STARTSWITH~(x, \"a\")", "any where startsWith~(x, \"a\")")]
#[case("any where ?a.b == null", "any where ?a.b == null")]
#[case("any where `a-b`.c == `x.y`", "any where `a-b.c` == x.y")]
#[case("\"my-cat\" where true", "\"my-cat\" where true")]
#[case("any where s == \"\"\"C:\\x\"\"\"", "any where s == \"C:\\\\x\"")]
#[case("any where s == \"\\u{41}\\t\"", "any where s == \"A\\t\"")]
#[case(
    "sequence by a with maxspan=5m [any where x] by b [process where y] by c until [any where z] by d | tail 3",
    "sequence by a with maxspan=5m\n  [any where x] by b\n  [process where y] by c\nuntil [any where z] by d\n| tail 3"
)]
#[case(
    "sequence with maxspan=1s ![any where x] [any where y] with runs=2",
    "sequence with maxspan=1s\n  ![any where x]\n  [any where y] with runs=2"
)]
#[case(
    "sample by host [any where a] [any where b]",
    "sample by host\n  [any where a]\n  [any where b]"
)]
fn canonical_form(#[case] input: &str, #[case] expected: &str) {
    let query = parse(input).unwrap_or_else(|d| panic!("{input}: {}", d.message));
    assert_eq!(print(&query), expected);
    assert_eq!(parse(expected).unwrap(), query);
}

#[test]
fn precedence_follows_elasticsearchs_grammar() {
    let e = parse_expression("not a == 1 and b").unwrap();
    let ExprKind::And(left, _) = &e.kind else {
        panic!("{e:?}")
    };
    assert!(
        matches!(left.kind, ExprKind::Not(_)),
        "not binds tighter than and"
    );
    let e = parse_expression("-a * b").unwrap();
    assert!(
        matches!(e.kind, ExprKind::Arith(ArithOp::Mul, ..)),
        "unary minus binds tightest"
    );
    // The predicate attaches to the primary: `a + b in (1)` is `a + (b in (1))`.
    let e = parse_expression("a + b in (1)").unwrap();
    let ExprKind::Arith(ArithOp::Add, _, right) = &e.kind else {
        panic!("{e:?}")
    };
    assert!(matches!(right.kind, ExprKind::In { .. }));
    let seq = parse("sequence by k with maxspan=90s [any where a] [any where b]").unwrap();
    let Body::Sequence(s) = &seq.body else {
        panic!()
    };
    assert_eq!(s.maxspan.as_ref().unwrap().millis(), 90_000);
}

#[test]
fn errors_carry_a_code_and_the_place() {
    let cases: &[(&str, &str, &str)] = &[
        ("any where", "E260", ""),
        ("any where a == \"x", "E261", "\""),
        ("any where a == \"\\q\"", "E262", "\\q"),
        ("any where a == #", "E263", "#"),
        (
            "any where a == 99999999999999999999",
            "E265",
            "99999999999999999999",
        ),
        ("any where nope(a)", "E266", "nope"),
        ("any where length(a, b)", "E267", "length(a, b)"),
        ("join [any where a] [any where b]", "E268", "join"),
        ("any where a == 'x'", "E268", "'"),
        ("any where a | unique a", "E268", "unique"),
        (
            "sequence with maxspan=5 [any where a] [any where b]",
            "E269",
            "5",
        ),
        (
            "sequence with maxspan=5y [any where a] [any where b]",
            "E269",
            "y",
        ),
        ("any where a /* open", "E270", "/*"),
        ("any where a like b", "E271", "b"),
        ("sequence [any where a]", "E272", "sequence [any where a]"),
        (
            "sequence [any where a] by x [any where b]",
            "E272",
            "[any where b]",
        ),
        (
            "sequence [any where a] ![any where b]",
            "E272",
            "![any where b]",
        ),
        (
            "sequence with maxspan=1s by k [any where a] [any where b]",
            "E272",
            "by",
        ),
        (
            "sequence [any where a] [any where b] with runs=101",
            "E273",
            "runs=101",
        ),
        ("any where a | head 0", "E274", "0"),
        ("any where length~(a)", "E275", "length~"),
    ];
    for (input, code, label) in cases {
        let error = parse(input).expect_err(input);
        assert_eq!(error.code, *code, "{input}: {}", error.message);
        if !label.is_empty() {
            assert_eq!(error.labels[0].span.slice(input), *label, "{input}");
        }
    }
    let rendered: Vec<String> = cases
        .iter()
        .map(|(input, _, _)| {
            let d = parse(input).unwrap_err();
            let file = rulegate::diagnostic::SourceFile::new("query.eql", *input);
            rulegate::diagnostic::render_all(&[d.in_file(&file)], false)
        })
        .collect();
    snapshot!("eql", "syntax_errors", rendered.join("\n"));
}

#[test]
fn nesting_is_bounded_without_overflowing_the_stack() {
    use rulegate::eql::parser::MAX_NESTING;
    for depth in [MAX_NESTING + 1, 100_000] {
        let deep = format!("any where {}a{}", "(".repeat(depth), ")".repeat(depth));
        assert_eq!(parse(&deep).unwrap_err().code, "E264");
        let nots = format!("any where {}a", "not ".repeat(depth));
        assert_eq!(parse(&nots).unwrap_err().code, "E264");
        let minus = format!("any where {}a", "-".repeat(depth));
        assert_eq!(parse(&minus).unwrap_err().code, "E264");
    }
    for links in [eql::MAX_DEPTH + 1, 100_000] {
        let chain = format!("any where a{}", " and a".repeat(links));
        assert_eq!(parse(&chain).unwrap_err().code, "E264");
    }
    // Chains inside parentheses count towards the same tree depth.
    let nested = format!("any where {}a{}", "(a and ".repeat(60), ")".repeat(60));
    let long = nested.replace("(a and ", &format!("({}", "a and ".repeat(5)));
    assert_eq!(parse(&long).unwrap_err().code, "E264");
    let deep_ok = format!(
        "any where {}a{}",
        "(".repeat(MAX_NESTING - 1),
        ")".repeat(MAX_NESTING - 1)
    );
    assert!(parse(&deep_ok).is_ok());
    let fine = format!("any where a{}", " or a".repeat(eql::MAX_DEPTH - 2));
    assert!(parse(&fine).is_ok());
}

#[test]
fn hostile_fragments_never_panic() {
    let fragments = [
        "sequence", "[", "]", "![", "any", "where", "by", "with", "maxspan=", "5m", "runs=", "2",
        "\"", "\"\"\"", "`", "?", "(", ")", "not", "in~", ":", "like~", "regex", "|", "head",
        "a.b", "-", "==", "until", "sample", "é", "\\u{", "/*", "//", ",", "1e999",
    ];
    let mut seed = 7u64;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..(seed % 12) {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            text.push_str(fragments[(seed >> 33) as usize % fragments.len()]);
            text.push(' ');
        }
        seed = seed.wrapping_add(1);
        if let Ok(q) = parse(&text) {
            assert_eq!(parse(&print(&q)).unwrap(), q, "{text}");
        }
    }
}

// ---- quickcheck: generated trees survive print → parse ----

const NAMES: &[&str] = &[
    "user.name",
    "@timestamp",
    "kubernetes.audit.annotations.authorization_k8s_io/decision",
    "with space",
    "back`tick",
    "sequence",
    "event.any",
    "x..y",
    "_a1",
];
const STRINGS: &[&str] = &[
    "",
    "get",
    "a\"b",
    "C:\\W\\",
    "line\nbreak",
    "é ✓",
    "\u{1}",
    "*x?",
];

#[derive(Clone, Debug)]
struct Tree(Query);

fn name(g: &mut Gen) -> String {
    g.choose(NAMES).unwrap().to_string()
}

fn leaf(g: &mut Gen) -> Expr {
    let kind = match u8::arbitrary(g) % 7 {
        0 => ExprKind::Literal(Literal::Null),
        1 => ExprKind::Literal(Literal::Bool(bool::arbitrary(g))),
        2 => ExprKind::Literal(Literal::Integer(i64::from(u32::arbitrary(g)))),
        3 => ExprKind::Literal(Literal::Decimal(f64::from(u16::arbitrary(g)) / 8.0)),
        4 => ExprKind::Literal(Literal::String(g.choose(STRINGS).unwrap().to_string())),
        _ => ExprKind::Field(Field {
            name: name(g),
            optional: bool::arbitrary(g),
        }),
    };
    Expr::new(kind, Span::default())
}

fn gen_expr(g: &mut Gen, depth: u32) -> Expr {
    if depth == 0 {
        return leaf(g);
    }
    let b = |g: &mut Gen| Box::new(gen_expr(g, depth - 1));
    let kind = match u8::arbitrary(g) % 11 {
        0 => ExprKind::Not(b(g)),
        1 => ExprKind::And(b(g), b(g)),
        2 => ExprKind::Or(b(g), b(g)),
        3 => {
            let ops = [
                CompareOp::Eq,
                CompareOp::NotEq,
                CompareOp::Lt,
                CompareOp::Ge,
            ];
            ExprKind::Compare(*g.choose(&ops).unwrap(), b(g), b(g))
        }
        4 => {
            let ops = [
                ArithOp::Add,
                ArithOp::Sub,
                ArithOp::Mul,
                ArithOp::Div,
                ArithOp::Mod,
            ];
            ExprKind::Arith(*g.choose(&ops).unwrap(), b(g), b(g))
        }
        5 => ExprKind::Neg(b(g)),
        6 => ExprKind::In {
            value: b(g),
            list: (0..1 + usize::arbitrary(g) % 3)
                .map(|_| gen_expr(g, depth - 1))
                .collect(),
            negated: bool::arbitrary(g),
            insensitive: bool::arbitrary(g),
        },
        7 => {
            let op = *g
                .choose(&[MatchOp::Colon, MatchOp::Like, MatchOp::Regex])
                .unwrap();
            ExprKind::Match {
                value: b(g),
                op,
                // `:` is case-insensitive already and has no `~` form.
                insensitive: op != MatchOp::Colon && bool::arbitrary(g),
                patterns: (0..1 + usize::arbitrary(g) % 2)
                    .map(|_| Pattern {
                        text: g.choose(STRINGS).unwrap().to_string(),
                        span: Span::default(),
                    })
                    .collect(),
            }
        }
        8 => {
            let function = *g.choose(&Function::ALL).unwrap();
            let (least, most) = function.arity();
            let n = least + usize::arbitrary(g) % (most.min(least + 2) - least + 1);
            ExprKind::Call(Call {
                function,
                insensitive: function.has_insensitive_form() && bool::arbitrary(g),
                args: (0..n).map(|_| gen_expr(g, depth - 1)).collect(),
                name_span: Span::default(),
            })
        }
        _ => return leaf(g),
    };
    Expr::new(kind, Span::default())
}

fn filter(g: &mut Gen) -> EventFilter {
    let category = match u8::arbitrary(g) % 3 {
        0 => Category::Any,
        1 => Category::Named("process".into()),
        _ => Category::Named("my-cat.x".into()),
    };
    EventFilter {
        category,
        condition: gen_expr(g, 3),
        span: Span::default(),
    }
}

fn term(g: &mut Gen, keys: usize, missing: bool) -> SequenceTerm {
    SequenceTerm {
        filter: filter(g),
        by: (0..keys).map(|_| gen_expr(g, 1)).collect(),
        runs: (!missing && bool::arbitrary(g)).then(|| 1 + u32::arbitrary(g) % 5),
        missing,
        span: Span::default(),
    }
}

impl Arbitrary for Tree {
    fn arbitrary(g: &mut Gen) -> Tree {
        let keys = usize::arbitrary(g) % 3;
        let shared: Vec<Expr> = (0..usize::arbitrary(g) % 2)
            .map(|_| gen_expr(g, 1))
            .collect();
        let body = match u8::arbitrary(g) % 3 {
            0 => Body::Event(filter(g)),
            1 => {
                let mut terms = vec![term(g, keys, false), term(g, keys, false)];
                let missing = bool::arbitrary(g);
                if missing {
                    terms.insert(1, term(g, keys, true));
                }
                Body::Sequence(Sequence {
                    by: shared,
                    maxspan: (missing || bool::arbitrary(g)).then(|| TimeSpan {
                        amount: 1 + u64::from(u16::arbitrary(g)) % 1000,
                        unit: *g
                            .choose(&[TimeUnit::Millis, TimeUnit::Minutes, TimeUnit::Days])
                            .unwrap(),
                        span: Span::default(),
                    }),
                    terms,
                    until: bool::arbitrary(g).then(|| {
                        let mut t = term(g, keys, false);
                        t.runs = None;
                        t
                    }),
                    span: Span::default(),
                })
            }
            _ => Body::Sample(Sample {
                by: shared,
                terms: (0..2)
                    .map(|_| {
                        let mut t = term(g, keys, false);
                        t.runs = None;
                        t
                    })
                    .collect(),
                span: Span::default(),
            }),
        };
        let pipes = (0..usize::arbitrary(g) % 3)
            .map(|_| Pipe {
                kind: *g.choose(&[PipeKind::Head, PipeKind::Tail]).unwrap(),
                count: 1 + u64::from(u16::arbitrary(g)),
                span: Span::default(),
            })
            .collect();
        Tree(Query {
            body,
            pipes,
            span: Span::default(),
        })
    }
}

#[test]
fn generated_trees_survive_print_then_parse() {
    fn property(tree: Tree) -> bool {
        let printed = print(&tree.0);
        if std::env::var("EQL_TRACE").is_ok() {
            eprintln!("<<{printed}>>");
        }
        match parse(&printed) {
            Ok(again) => again == tree.0 && print(&again) == printed,
            Err(d) => {
                eprintln!("{printed}\n{}", d.message);
                false
            }
        }
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(property as fn(Tree) -> bool);
}
