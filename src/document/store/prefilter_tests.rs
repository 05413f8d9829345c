//! The loader's side of the pre-filter: which documents it drops (a failed test, the read
//! fields single-valued, every leaf converting, plain `data_stream.*` strings), how it counts
//! them, and that everything else loads as without it.

use std::sync::Arc;

use super::{Documents, FieldSelection, LeafTest, LoadOptions, PreFilter};
use crate::document::Type;

fn selection() -> FieldSelection {
    FieldSelection::names(["event.action", "n", "user.name"])
}

fn options(prefilter: bool, skip_invalid: bool) -> LoadOptions {
    let mut options = LoadOptions {
        skip_invalid,
        ..LoadOptions::default()
    };
    options.mapping.fields.insert("n".into(), Type::Long);
    if prefilter {
        options.prefilter = Some(Arc::new(PreFilter {
            tests: vec![
                LeafTest::Equals {
                    field: "event.action".into(),
                    value: "get".into(),
                },
                LeafTest::Present {
                    field: "user.name".into(),
                },
            ],
            single: vec!["event.action".into(), "user.name".into()],
        }));
    }
    options
}

const DS: &str = r#""data_stream":{"type":"logs","dataset":"a","namespace":"default"}"#;

/// Lines, and whether the pre-filter drops each.
fn lines() -> Vec<(String, bool)> {
    [
        (
            r#""event":{"action":"get"},"user":{"name":"kept-1"}"#,
            false,
        ),
        (r#""event":{"action":"list"},"user":{"name":"u"}"#, true),
        (r#""user":{"name":"u"}"#, true),
        (r#""event":{"action":null},"user":{"name":"u"}"#, true),
        (r#""event":{"action":[]},"user":{"name":"u"}"#, true),
        (r#""event":{"action":"get"}"#, true),
        // Multivalued: a tested field, then a field the condition reads (it may warn).
        (
            r#""event":{"action":["list","x"]},"user":{"name":"kept-2"}"#,
            false,
        ),
        (
            r#""event":{"action":"list"},"user":{"name":["kept-3","v"]}"#,
            false,
        ),
        // A number where a keyword is expected: the test is undecided.
        (r#""event":{"action":5},"user":{"name":"kept-4"}"#, false),
        // `data_stream` parts that are not plain strings: the row is built.
        (
            r#""event":{"action":"list"},"user":{"name":"kept-5"},"data_stream":{"type":1}"#,
            false,
        ),
        (
            r#""event":{"action":"list"},"user":{"name":"u"},"n":7"#,
            true,
        ),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (fields, dropped))| {
        let ds = if i % 2 == 0 {
            format!(",{DS}")
        } else {
            String::new()
        };
        (format!("{{{fields}{ds}}}"), dropped)
    })
    .collect()
}

fn names(docs: &Documents) -> Vec<String> {
    let at = docs.column("user.name").unwrap();
    (0..docs.len())
        .map(|d| format!("{:?}", docs.row(d)[at]))
        .collect()
}

#[test]
fn documents_are_dropped_only_when_nothing_could_differ() {
    let lines = lines();
    let text: String = lines.iter().map(|(l, _)| format!("{l}\n")).collect();
    let (all, _) =
        Documents::from_ndjson_text(text.as_bytes(), &selection(), options(false, false)).unwrap();
    let (mut kept, _) =
        Documents::from_ndjson_text(text.as_bytes(), &selection(), options(true, false)).unwrap();
    assert_eq!(all.len(), lines.len());
    let expected: Vec<usize> = (0..lines.len()).filter(|&i| !lines[i].1).collect();
    assert_eq!(kept.len(), expected.len());
    let all_names = names(&all);
    let kept_names: Vec<String> = expected.iter().map(|&i| all_names[i].clone()).collect();
    assert_eq!(names(&kept), kept_names);
    assert_eq!(kept.columns, all.columns);
    // Dropped: counted in runs of one `_index`, in input order.
    let dropped = kept.take_dropped();
    let total: usize = dropped.iter().map(|(_, n)| n).sum();
    assert_eq!(total, lines.len() - expected.len());
    let index = |i: usize| (i % 2 == 0).then(|| Arc::from("logs-a-default"));
    let mut runs: Vec<(Option<Arc<str>>, usize)> = Vec::new();
    for i in (0..lines.len()).filter(|&i| lines[i].1) {
        match runs.last_mut() {
            Some((last, n)) if *last == index(i) => *n += 1,
            _ => runs.push((index(i), 1)),
        }
    }
    assert_eq!(dropped, runs);
}

#[test]
fn a_rejected_document_that_fails_to_load_is_not_dropped() {
    let text = "{\"event\":{\"action\":\"get\"},\"user\":{\"name\":\"a\"}}\n\
                {\"event\":{\"action\":\"list\"},\"user\":{\"name\":\"u\"},\"n\":\"x\"}\n\
                {\"event\":{\"action\":\"list\"},\"user\":{\"name\":\"u\"}}\n";
    let strict = Documents::from_ndjson_text(text.as_bytes(), &selection(), options(true, false));
    assert_eq!(strict.unwrap_err().line, 2);
    let (mut skipping, lines) =
        Documents::from_ndjson_text(text.as_bytes(), &selection(), options(true, true)).unwrap();
    assert_eq!((skipping.len(), lines), (1, 3));
    assert_eq!(skipping.skipped.len(), 1);
    assert_eq!(skipping.skipped[0].line, 2);
    assert_eq!(skipping.take_dropped(), [(None, 1)]);
}

#[quickcheck_macros::quickcheck]
fn a_tally_answers_as_walking_the_leaves_does(ids: Vec<u8>, asked: Vec<u8>) -> bool {
    use super::prefilter::{leaves_of, Tally};
    use crate::document::walk::Scalar;
    // Small ids, so that fields repeat and some are asked for that have no leaf.
    let leaves: Vec<(u32, Scalar)> = (ids.iter().enumerate())
        .map(|(i, id)| (u32::from(id % 16), Scalar::U64(i as u64)))
        .collect();
    let mut tally = Tally::default();
    // A previous, longer document must leave nothing behind.
    tally.count(&[(40, Scalar::Bool(true)), (3, Scalar::Bool(false))]);
    tally.count(&leaves);
    (asked.iter().map(|a| u32::from(a % 48))).all(|id| {
        let (n, first) = leaves_of(&leaves, id);
        let (m, found) = tally.of(&leaves, id);
        n == m && format!("{first:?}") == format!("{found:?}")
    })
}
