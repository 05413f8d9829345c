//! The shipped `mappings/*.tsv` against the upstream `fields/*.yml` they come from, stored under
//! `tests/data/upstream-fields/<dataset>/`: each data stream's files are flattened here, in Rust,
//! as `mappings/flatten.py` does, and every declared field and type must equal the table's rows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::repo_path;
use rulegate::document::catalog::parse_table;

/// A YAML node of the block subset the stored files use: sequences, mappings, scalars.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn text(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Node::Scalar(s)) => Some(s),
            _ => None,
        }
    }

    fn items(&self, key: &str) -> &[Node] {
        match self.get(key) {
            Some(Node::Seq(items)) => items,
            _ => &[],
        }
    }
}

/// One meaningful line: its indentation and text (comments and blank lines dropped).
struct Line<'a> {
    indent: usize,
    text: &'a str,
    number: usize,
}

fn lines(source: &str) -> Vec<Line<'_>> {
    (source.lines().enumerate())
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| Line {
            indent: l.len() - l.trim_start().len(),
            text: l.trim(),
            number: i + 1,
        })
        .collect()
}

/// Parses the block YAML subset: `- ` sequences, `key: value` mappings (a key with no value opens
/// a nested block), plain and single- or double-quoted scalars without escapes beyond `''`.
fn parse_yaml(source: &str, file: &Path) -> Node {
    let lines = lines(source);
    let mut at = 0;
    let node = parse_block(&lines, &mut at, 0, file);
    assert_eq!(at, lines.len(), "{}: trailing content", file.display());
    node
}

fn parse_block(lines: &[Line], at: &mut usize, indent: usize, file: &Path) -> Node {
    let first = &lines[*at];
    if first.text.starts_with("- ") || first.text == "-" {
        let mut items = Vec::new();
        while *at < lines.len() && lines[*at].indent == indent && lines[*at].text.starts_with('-') {
            items.push(parse_item(lines, at, indent, file));
        }
        Node::Seq(items)
    } else {
        parse_map(lines, at, indent, None, file)
    }
}

/// A sequence item `- key: value` whose mapping continues on lines indented past the dash.
fn parse_item(lines: &[Line], at: &mut usize, indent: usize, file: &Path) -> Node {
    let line = &lines[*at];
    let rest = line.text[1..].trim_start();
    let inner = indent + (line.text.len() - rest.len());
    if !rest.contains(": ") && !rest.ends_with(':') {
        *at += 1;
        return Node::Scalar(scalar(rest, file, line.number));
    }
    parse_map(lines, at, inner, Some(rest), file)
}

/// A mapping at `indent`; `first` is its first entry's text when it sits after a dash.
fn parse_map(
    lines: &[Line],
    at: &mut usize,
    indent: usize,
    first: Option<&str>,
    file: &Path,
) -> Node {
    let mut entries = Vec::new();
    let mut pending = first;
    loop {
        let (text, number) = match pending.take() {
            Some(text) => (text, lines[*at].number),
            None => {
                if *at >= lines.len()
                    || lines[*at].indent != indent
                    || lines[*at].text.starts_with('-')
                {
                    break;
                }
                (lines[*at].text, lines[*at].number)
            }
        };
        *at += 1;
        let (key, value) = match text.split_once(": ") {
            Some((k, v)) => (k, Some(v.trim())),
            None => (
                text.strip_suffix(':').unwrap_or_else(|| {
                    panic!("{}:{number}: expected `key: value`", file.display())
                }),
                None,
            ),
        };
        let key = scalar(key, file, number);
        let node = match value {
            Some(v) if !v.is_empty() => Node::Scalar(scalar(v, file, number)),
            _ => {
                assert!(
                    *at < lines.len(),
                    "{}:{number}: `{key}:` opens nothing",
                    file.display()
                );
                let child = lines[*at].indent;
                let is_seq = lines[*at].text.starts_with('-');
                assert!(
                    child > indent || (is_seq && child == indent),
                    "{}:{number}: `{key}:` opens nothing",
                    file.display()
                );
                parse_block(lines, at, child, file)
            }
        };
        entries.push((key, node));
    }
    Node::Map(entries)
}

fn scalar(text: &str, file: &Path, number: usize) -> String {
    if let Some(inner) = text.strip_prefix('\'') {
        let inner = inner
            .strip_suffix('\'')
            .unwrap_or_else(|| panic!("{}:{number}: unterminated quote", file.display()));
        return inner.replace("''", "'");
    }
    if let Some(inner) = text.strip_prefix('"') {
        let inner = inner
            .strip_suffix('"')
            .unwrap_or_else(|| panic!("{}:{number}: unterminated quote", file.display()));
        assert!(
            !inner.contains('\\'),
            "{}:{number}: escapes are not read",
            file.display()
        );
        return inner.to_string();
    }
    assert!(
        !text.starts_with(['[', '{', '|', '>', '&', '*', '!']),
        "{}:{number}: `{text}` is outside the YAML subset read here",
        file.display()
    );
    text.to_string()
}

/// Flattens as Fleet reads a data stream's fields: groups nest with dots and declare nothing; a
/// name's first declaration wins; `external: ecs` without a `type` is `ecs`; `multi_fields` are
/// `name.sub`; `name.*` object templates are skipped.
fn flatten(fields: &[Node], prefix: &str, out: &mut BTreeMap<String, String>) {
    for field in fields {
        let local = field.text("name").expect("every field has a name");
        let name = match prefix {
            "" => local.to_string(),
            _ => format!("{prefix}.{local}"),
        };
        let kind = field.text("type");
        if kind == Some("group") {
            flatten(field.items("fields"), &name, out);
            continue;
        }
        if name.ends_with(".*") {
            continue;
        }
        let kind = match (kind, field.text("external")) {
            (Some(kind), _) => kind,
            (None, Some("ecs")) => "ecs",
            (None, _) => "keyword",
        };
        out.entry(name.clone()).or_insert_with(|| kind.to_string());
        for multi in field.items("multi_fields") {
            let sub = multi.text("name").expect("a multi-field has a name");
            let ty = multi.text("type").expect("a multi-field has a type");
            out.entry(format!("{name}.{sub}"))
                .or_insert_with(|| ty.to_string());
        }
    }
}

fn upstream_root() -> PathBuf {
    repo_path("tests/data/upstream-fields")
}

fn datasets() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(upstream_root())
        .expect("tests/data/upstream-fields exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The data stream's stored files flattened in name order, as Fleet reads `fields/`.
fn flatten_dataset(dataset: &str) -> BTreeMap<String, String> {
    let dir = upstream_root().join(dataset);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{dataset}: no .yml files");
    let mut out = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        match parse_yaml(&text, &file) {
            Node::Seq(fields) => flatten(&fields, "", &mut out),
            other => panic!(
                "{}: expected a list of fields, got {other:?}",
                file.display()
            ),
        }
    }
    out
}

fn table(dataset: &str, text: &str) -> BTreeMap<String, String> {
    let rows = parse_table(dataset, text).unwrap_or_else(|e| panic!("{e:?}"));
    let count = rows.len();
    let map: BTreeMap<String, String> = rows.into_iter().collect();
    assert_eq!(map.len(), count, "{dataset}: a field is listed twice");
    map
}

/// Every difference between a table and its upstream flattening, one line each.
fn differences(
    upstream: &BTreeMap<String, String>,
    shipped: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, ty) in upstream {
        match shipped.get(name) {
            None => out.push(format!("missing {name} ({ty})")),
            Some(t) if t != ty => out.push(format!("{name}: table says {t}, upstream {ty}")),
            Some(_) => {}
        }
    }
    for name in shipped.keys().filter(|n| !upstream.contains_key(*n)) {
        out.push(format!("extra {name}"));
    }
    out
}

#[test]
fn every_stored_data_stream_equals_its_table() {
    let datasets = datasets();
    assert!(
        datasets.len() == 14,
        "the stored data streams: {datasets:?}"
    );
    for dataset in &datasets {
        let path = repo_path(&format!("mappings/{dataset}.tsv"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{dataset}: no mappings/{dataset}.tsv"));
        let diff = differences(&flatten_dataset(dataset), &table(dataset, &text));
        assert!(diff.is_empty(), "{dataset}:\n{}", diff.join("\n"));
    }
}

#[test]
fn every_table_has_its_upstream() {
    let stored = datasets();
    for entry in std::fs::read_dir(repo_path("mappings")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "tsv") {
            continue;
        }
        let dataset = path.file_stem().unwrap().to_string_lossy().into_owned();
        if dataset == "ecs" {
            continue;
        }
        assert!(
            stored.contains(&dataset),
            "mappings/{dataset}.tsv has no upstream files"
        );
    }
    for dataset in &stored {
        assert!(
            repo_path(&format!("mappings/{dataset}.tsv")).is_file(),
            "tests/data/upstream-fields/{dataset} has no table"
        );
    }
}

#[test]
fn a_table_that_differs_from_upstream_is_reported() {
    let upstream = flatten_dataset("endpoint.events.process");
    let text = std::fs::read_to_string(repo_path("mappings/endpoint.events.process.tsv")).unwrap();
    let retyped = text.replace("process.pid\tlong", "process.pid\tkeyword");
    let dropped = text.replace("process.pid\tlong\n", "");
    let added = format!("{text}process.made_up\tkeyword\n");
    let found = |t: &str| differences(&upstream, &table("x", t));
    assert_eq!(found(&text), Vec::<String>::new());
    assert_eq!(
        found(&retyped),
        ["process.pid: table says keyword, upstream long"]
    );
    assert_eq!(found(&dropped), ["missing process.pid (long)"]);
    assert_eq!(found(&added), ["extra process.made_up"]);
}

#[test]
fn flattening_follows_fleet() {
    let file = Path::new("inline.yml");
    let yaml = "\
- name: a
  type: group
  fields:
  - name: b
    type: long
  - name: c.d
    external: ecs
  - name: e
    type: constant_keyword
    external: ecs
- name: a.b
  type: keyword
- name: 'x'
  multi_fields:
    - name: text
      type: match_only_text
- name: t.*
  type: object
- name: o
  type: object
- name: o
  type: group
  fields:
    - name: p
      type: ip
";
    let Node::Seq(fields) = parse_yaml(yaml, file) else {
        panic!("a list")
    };
    let mut out = BTreeMap::new();
    flatten(&fields, "", &mut out);
    let got: Vec<(&str, &str)> = out.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        got,
        [
            ("a.b", "long"),
            ("a.c.d", "ecs"),
            ("a.e", "constant_keyword"),
            ("o", "object"),
            ("o.p", "ip"),
            ("x", "keyword"),
            ("x.text", "match_only_text"),
        ]
    );
}

/// The datasets shipped before the Endpoint, Windows, system, Azure and Bedrock tables.
const FIRST_TABLES: &[&str] = &[
    "aws.cloudtrail",
    "gcp.audit",
    "kubernetes.audit_logs",
    "okta.system",
    "windows.powershell_operational",
];

/// A rule's `FROM` patterns: from the parsed query, or (for a query the engine refuses) from the
/// text after its first `FROM` up to `METADATA`, a pipe or a line end.
fn from_patterns(path: &Path) -> Option<Vec<String>> {
    use rulegate::esql::ast::SourceCommand;
    use rulegate::rule::{self, QueryStatus};
    let loaded = rule::load(path).ok()?;
    if let QueryStatus::Parsed { query, .. } = &loaded.query {
        return match &query.source {
            SourceCommand::From(from) => {
                Some(from.indices.iter().map(|i| i.pattern.clone()).collect())
            }
            SourceCommand::Row(_) => None,
        };
    }
    let text = std::fs::read_to_string(path).ok()?;
    let value: toml::Value = toml::from_str(&text).ok()?;
    let query = value.get("rule")?.get("query")?.as_str()?;
    let at = query.to_ascii_lowercase().find("from ")?;
    let rest = &query[at + 5..];
    let end = rest.find(['|', '\n']).unwrap_or(rest.len());
    let list = rest[..end].split(" METADATA").next().unwrap_or("");
    Some(
        list.split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
    )
}

/// Rules (of those with a `FROM`) reading at least one pattern no listed dataset's
/// `logs-<dataset>-default` matches.
fn unmapped(rules: &[Vec<String>], datasets: &[String]) -> usize {
    let matched = |p: &String| {
        datasets
            .iter()
            .any(|d| rulegate::document::index_matches(p, &format!("logs-{d}-default")))
    };
    rules
        .iter()
        .filter(|patterns| !patterns.iter().all(matched))
        .count()
}

#[test]
fn fewer_corpus_rules_read_an_unmapped_index() {
    let mut files = Vec::new();
    let mut dirs = vec![
        crate::support::shared_path("reference/detection-rules-esql/rules"),
        crate::support::shared_path("reference/detection-rules-esql/rules_building_block"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    let rules: Vec<Vec<String>> = files.iter().filter_map(|f| from_patterns(f)).collect();
    let first: Vec<String> = FIRST_TABLES.iter().map(|d| d.to_string()).collect();
    let shipped: Vec<String> = (rulegate::document::Catalog::shipped().unwrap().streams)
        .into_iter()
        .map(|s| s.dataset)
        .collect();
    let (before, after) = (unmapped(&rules, &first), unmapped(&rules, &shipped));
    println!(
        "corpus rules reading an unmapped index: {before} of {} with the first five tables, {after} with the {} shipped",
        rules.len(),
        shipped.len()
    );
    assert!(rules.len() >= 200, "{} rules read", rules.len());
    assert!(after < before, "{after} vs {before}");
    assert!(
        after <= AFTER_RATCHET,
        "{after} rules read an unmapped index"
    );
}

/// The count measured when the tables were added; more tables may only lower it.
const AFTER_RATCHET: usize = 104;
