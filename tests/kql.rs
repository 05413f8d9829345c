//! The KQL front end: every KQL rule of the Kubernetes reference set parses, prints back to the
//! same tree and loads with file spans; grammar cases from Kibana's grammar; errors with codes
//! and positions; quickcheck: print∘parse is the identity on trees, and parsing arbitrary text
//! never panics.

use std::path::{Path, PathBuf};

use quickcheck::{Arbitrary, Gen, QuickCheck};
use rulegate::kql::ast::*;
use rulegate::kql::{parse, print};
use rulegate::rule::{self, QueryStatus};

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

/// Parses, prints, parses again: the same tree, and printing the reparsed tree is a fixpoint.
fn round_trip(text: &str) -> Result<String, String> {
    let query = parse(text).map_err(|d| format!("{}: {}", d.code, d.message))?;
    let printed = print(&query);
    let again = parse(&printed).map_err(|d| format!("reparse of `{printed}`: {}", d.message))?;
    if again != query {
        return Err(format!("`{printed}` reads back as another tree"));
    }
    if print(&again) != printed {
        return Err(format!("printing `{printed}` again differs"));
    }
    Ok(printed)
}

#[test]
fn kql_corpus_parses_and_round_trips() {
    let root = crate::support::shared_path("reference/detection-rules-k8s");
    let mut files = Vec::new();
    toml_files(&root, &mut files);
    files.sort();
    let (mut parsed, mut errors) = (0, Vec::new());
    for path in &files {
        let loaded = rule::load(path)
            .unwrap_or_else(|e| panic!("{}", rulegate::diagnostic::render_all(&e, false)));
        if loaded.rule.data.language.as_deref() != Some("kuery") {
            continue;
        }
        let shown = path.strip_prefix(&root).unwrap().display().to_string();
        match &loaded.query {
            QueryStatus::Kql { query, text, .. } => {
                // Every node's file span lies inside the rule file's query string.
                let root = query.root.as_ref().expect("rules are not empty");
                let file_span = loaded.query.file_span(root.span).unwrap();
                let shown_text = file_span.slice(&loaded.file.text);
                assert!(!shown_text.is_empty(), "{shown}: empty file span");
                match round_trip(text) {
                    Ok(_) => parsed += 1,
                    Err(e) => errors.push(format!("{shown}: {e}")),
                }
            }
            QueryStatus::Invalid(e) => errors.push(format!(
                "{shown}: {}",
                rulegate::diagnostic::render_all(e, false)
            )),
            _ => errors.push(format!("{shown}: not loaded as KQL")),
        }
    }
    println!("kql corpus: {parsed} parsed, {} errors", errors.len());
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(parsed, 79, "the reference set holds 79 KQL rules");
}

#[test]
fn precedence_and_keywords_follow_kibanas_grammar() {
    let q = parse("a:1 or b:2 and not c:3").unwrap();
    let Some(Node {
        kind: NodeKind::Or(items),
        ..
    }) = &q.root
    else {
        panic!("{q:?}")
    };
    assert_eq!(items.len(), 2);
    assert!(
        matches!(&items[1].kind, NodeKind::And(and) if matches!(and[1].kind, NodeKind::Not(_)))
    );
    // Keywords are case-insensitive and need whitespace around them.
    assert_eq!(
        print(&parse("a:1 OR b:2 AnD c:3").unwrap()),
        "a:1 or b:2 and c:3"
    );
    // An unquoted value runs over spaces; `cannot x` stops before `not`.
    assert_eq!(
        print(&parse("message:hello world").unwrap()),
        "message:hello world"
    );
    assert!(parse("a:cannot x").is_err());
    // The field name is trimmed; values lists keep their structure.
    let q = parse("kubernetes.audit.requestURI :(/api or /apis*)").unwrap();
    assert_eq!(print(&q), "kubernetes.audit.requestURI:(/api or /apis*)");
    let Some(Node {
        kind: NodeKind::Match { field, value },
        ..
    }) = &q.root
    else {
        panic!()
    };
    assert_eq!(field.text(), "kubernetes.audit.requestURI");
    assert_eq!(value.terms().len(), 2);
    assert!(value.terms()[1].has_wildcard());
}

#[test]
fn literals_escapes_and_special_values() {
    let term = |text: &str| -> Literal {
        let q = parse(text).unwrap();
        match q.root.unwrap().kind {
            NodeKind::Match { value, .. } => match value.kind {
                ValueKind::Term(l) => l,
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(term(r"user.name:system\:node\:*").text(), "system:node:*");
    assert!(term(r"user.name:system\:node\:*").has_wildcard());
    assert!(!term(r"a:b\*c").has_wildcard());
    assert_eq!(term(r"a:b\*c").text(), "b*c");
    assert_eq!(term(r#"a:"say \"hi\" \\ \t""#).text(), "say \"hi\" \\ \t");
    assert_eq!(term(r"a:\u0041b").text(), "Ab");
    assert_eq!(term(r"a:\or").text(), "or");
    assert!(term("a:*").is_lone_star());
    assert_eq!(term("a:true").special(), Some(Special::Bool(true)));
    assert_eq!(term("a:\"true\"").special(), None);
    // `\not` reads as an escaped newline then `ot`, as in Kibana (escaped whitespace comes first).
    assert_eq!(term(r"a:x\not").text(), "x\not");
    // Ranges, nested queries, free text, the empty query.
    assert_eq!(
        print(&parse("bytes>=10 and @timestamp < now-1d").unwrap()),
        "bytes >= 10 and @timestamp < now-1d"
    );
    assert_eq!(
        print(&parse("items:{ name:x and qty > 2 }").unwrap()),
        "items:{ name:x and qty > 2 }"
    );
    assert!(matches!(
        parse("\"free text\"").unwrap().root.unwrap().kind,
        NodeKind::FreeText(_)
    ));
    assert_eq!(parse("   ").unwrap().root, None);
    for text in [
        "(a:1 or b:2) or c:3",
        "not (not a:1)",
        "a:(not (x or y))",
        "a:((x and y) and z)",
        r"a:can\u006eot x",
    ] {
        assert_eq!(round_trip(text).as_deref(), Ok(text), "{text}");
    }
}

#[test]
fn syntax_errors_have_codes_and_positions() {
    let cases = [
        ("a:(b or", "E230", 7),
        ("a:\"open", "E231", 2),
        ("a:", "E230", 2),
        // `and b` is a value (a keyword needs whitespace before it): the `:` after it is the error.
        ("a: and b:c", "E230", 8),
        ("a:b)", "E230", 3),
        (r"a:\q", "E230", 2),
    ];
    for (text, code, at) in cases {
        let error = parse(text).unwrap_err();
        assert_eq!(
            (error.code, error.labels[0].span.start as usize),
            (code, at),
            "{text}: {}",
            error.message
        );
    }
    let deep = format!("{}a:b{}", "(".repeat(200), ")".repeat(200));
    assert_eq!(parse(&deep).unwrap_err().code, "E232");
    let deep_list = format!("a:{}b{}", "(".repeat(200), ")".repeat(200));
    assert_eq!(parse(&deep_list).unwrap_err().code, "E232");
    assert!(parse(&format!("{}a:b{}", "(".repeat(90), ")".repeat(90))).is_ok());
}

/// A generated tree; `Arbitrary` builds it from pools of awkward names and values.
#[derive(Clone, Debug)]
struct Tree(Query);

const WORDS: &[&str] = &[
    "a",
    "user.name",
    "or",
    "and",
    "not",
    "NOT x",
    "x or y",
    "a b",
    "cannot go",
    "*",
    "t\tab",
    "()",
    "\\",
    "\"q\"",
    "é ü",
    "true",
    "null",
    "x:y",
    "10.0.0.0/8",
    "now-1d/d",
    "{}",
    "<=",
    " ",
    "\u{a0}x",
];

fn gen_literal(g: &mut Gen, field: bool) -> Literal {
    if bool::arbitrary(g) && !field {
        return Literal::quoted(g.choose(WORDS).unwrap());
    }
    let mut segments = Vec::new();
    for _ in 0..(usize::arbitrary(g) % 3 + 1) {
        if bool::arbitrary(g) && u8::arbitrary(g) % 3 == 0 {
            segments.push(Segment::Star);
        } else {
            let word = g.choose(WORDS).unwrap().to_string();
            match segments.last_mut() {
                Some(Segment::Text(t)) => t.push_str(&word),
                _ => segments.push(Segment::Text(word)),
            }
        }
    }
    // Unquoted literals are trimmed on parse: generate them trimmed.
    let js = rulegate::kql::lexer::is_js_whitespace;
    if let Some(Segment::Text(t)) = segments.first_mut() {
        *t = t.trim_start_matches(js).to_string();
    }
    if let Some(Segment::Text(t)) = segments.last_mut() {
        *t = t.trim_end_matches(js).to_string();
    }
    segments.retain(|s| !matches!(s, Segment::Text(t) if t.is_empty()));
    if segments.is_empty() {
        segments.push(Segment::Text("v".into()));
    }
    Literal::unquoted(segments)
}

fn gen_value(g: &mut Gen, depth: usize) -> Value {
    let kind = match if depth == 0 { 3 } else { u8::arbitrary(g) % 4 } {
        0 => ValueKind::Or((0..2).map(|_| gen_value(g, depth - 1)).collect()),
        1 => ValueKind::And((0..2).map(|_| gen_value(g, depth - 1)).collect()),
        2 => ValueKind::Not(Box::new(gen_value(g, depth - 1))),
        _ => ValueKind::Term(gen_literal(g, false)),
    };
    Value {
        kind,
        span: Default::default(),
    }
}

fn gen_node(g: &mut Gen, depth: usize) -> Node {
    let kind = match if depth == 0 {
        4 + u8::arbitrary(g) % 3
    } else {
        u8::arbitrary(g) % 8
    } {
        0 => NodeKind::Or((0..2).map(|_| gen_node(g, depth - 1)).collect()),
        1 => NodeKind::And((0..3).map(|_| gen_node(g, depth - 1)).collect()),
        2 => NodeKind::Not(Box::new(gen_node(g, depth - 1))),
        3 => NodeKind::Nested {
            field: gen_literal(g, true),
            query: Box::new(gen_node(g, depth - 1)),
        },
        4 => NodeKind::Range {
            field: gen_literal(g, true),
            op: *g
                .choose(&[RangeOp::Lt, RangeOp::Lte, RangeOp::Gt, RangeOp::Gte])
                .unwrap(),
            value: gen_literal(g, false),
        },
        5 => NodeKind::FreeText(gen_literal(g, false)),
        _ => NodeKind::Match {
            field: gen_literal(g, true),
            value: gen_value(g, depth.min(2)),
        },
    };
    Node {
        kind,
        span: Default::default(),
    }
}

impl Arbitrary for Tree {
    fn arbitrary(g: &mut Gen) -> Tree {
        let depth = usize::arbitrary(g) % 4;
        Tree(Query {
            root: Some(gen_node(g, depth)),
            span: Default::default(),
        })
    }
}

#[test]
fn printed_trees_parse_back_to_themselves() {
    fn property(tree: Tree) -> bool {
        let printed = print(&tree.0);
        match parse(&printed) {
            Ok(parsed) => {
                let same = parsed == tree.0 && print(&parsed) == printed;
                if !same {
                    eprintln!("{printed}\n{:?}\n{:?}", tree.0, parsed);
                }
                same
            }
            Err(e) => {
                eprintln!("{printed}: {}", e.message);
                false
            }
        }
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(property as fn(Tree) -> bool);
}

#[test]
fn any_text_parses_or_fails_cleanly_and_printing_is_idempotent() {
    fn property(pieces: Vec<u8>) -> bool {
        const BITS: &[&str] = &[
            "a", ":", "(", ")", " or ", " and ", "not ", "\"", "\\", "*", "{", "}", "<", ">=", " ",
            "x.y", "\\u00", "é", "\t",
        ];
        let text: String = pieces
            .iter()
            .map(|b| BITS[*b as usize % BITS.len()])
            .collect();
        match parse(&text) {
            Ok(query) => round_trip(&text).is_ok() && parse(&print(&query)).is_ok(),
            Err(d) => d.code.starts_with("E23") && !d.labels.is_empty(),
        }
    }
    QuickCheck::new()
        .tests(3000)
        .quickcheck(property as fn(Vec<u8>) -> bool);
}
