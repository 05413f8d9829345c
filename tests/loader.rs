//! The NDJSON loader through the public API: documents the fast scanner reads and the same
//! documents it leaves to serde load identically; ids with and without `want_ids`; a failed
//! document leaves nothing behind; every-field and unseen-field selections.

use rulegate::document::{Documents, FieldSelection, LoadOptions};

fn load(text: &str, selection: &FieldSelection, options: LoadOptions) -> Documents {
    Documents::from_ndjson(text.as_bytes(), selection, options).expect("documents load")
}

/// Rows as display text, with each document's `_index`.
fn table(docs: &Documents) -> Vec<String> {
    (0..docs.len())
        .map(|d| {
            let cells: Vec<String> = docs.row(d).iter().map(|c| c.to_display()).collect();
            format!("{:?} {}", docs.index_of(d), cells.join(" | "))
        })
        .collect()
}

const DOCS: [&str; 6] = [
    r#"{"user":{"name":"alice"},"source":{"ip":"10.0.0.1"},"n":[3,1,2],"data_stream":{"type":"logs","dataset":"k8s","namespace":"default"}}"#,
    r#"{"user.name":["bob","al\"ice","bob"],"event":{"action":"get","skip":{"deep":[1,{"x":null}]}},"n":-4.5}"#,
    r#"{"user":{"name":null},"source.ip":"::1","n":12345678901234,"data_stream.type":"logs","data_stream.dataset":"a","data_stream.namespace":"b"}"#,
    r#"{"user":[{"name":"carol"},{"name":"dave"}],"event.action":"list","flag":true}"#,
    r#"{"user":{"name":"é日本😀"},"n":0,"event":{"action":"\u0067et"}}"#,
    r#"{"other":{"a":[[],{}],"b":"x"},"n":1e2}"#,
];

fn selection() -> FieldSelection {
    FieldSelection::names(["user.name", "source.ip", "n", "event.action", "flag", "_id"])
}

/// The same document in a form the scanner leaves to serde: a key written with an escape
/// (`user` as `\u0075ser`) or a tab between tokens.
fn serde_only(doc: &str) -> String {
    if doc.contains("\"user") {
        doc.replacen("\"user", "\"\\u0075ser", 1)
    } else {
        doc.replacen(':', ":\t", 1)
    }
}

#[test]
fn scanned_and_serde_read_documents_load_the_same() {
    let fast: String = DOCS.iter().map(|d| format!("{d}\n")).collect();
    let slow: String = DOCS
        .iter()
        .map(|d| format!("{}\n", serde_only(d)))
        .collect();
    assert_ne!(fast, slow);
    let a = load(&fast, &selection(), LoadOptions::default());
    let b = load(&slow, &selection(), LoadOptions::default());
    assert_eq!(a.columns, b.columns);
    assert_eq!(table(&a), table(&b));
    assert_eq!(a.len(), DOCS.len());
    // Multivalues sorted and de-duplicated as doc values; escapes decoded.
    let user = a.column("user.name").unwrap();
    assert_eq!(a.row(1)[user].to_display(), "[al\"ice, bob]");
    assert_eq!(a.row(3)[user].to_display(), "[carol, dave]");
    assert_eq!(
        a.row(4)[a.column("event.action").unwrap()].to_display(),
        "get"
    );
    assert_eq!(a.index_of(0), Some("logs-k8s-default"));
    assert_eq!(a.index_of(2), Some("logs-a-b"));
    assert_eq!(a.index_of(1), None);
}

#[test]
fn ids_are_line_hashes_unless_not_wanted() {
    let text = "{\"_id\":\"given\",\"n\":1}\n{\"n\":2}\n";
    let hashed = load(text, &selection(), LoadOptions::default());
    assert_eq!(hashed.id_of(0), "given");
    let id = hashed.id_of(1);
    assert!(
        id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    // FNV-1a 64 of the line, as documented.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in b"{\"n\":2}" {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    assert_eq!(id, format!("{h:016x}"));
    let options = LoadOptions {
        want_ids: false,
        ..LoadOptions::default()
    };
    let unhashed = load(text, &selection(), options);
    assert_eq!(unhashed.id_of(0), "given");
    assert_eq!(unhashed.id_of(1), "");
}

#[test]
fn hashed_ids_are_each_line_s_own_in_any_batch() {
    // Lines are hashed four at a time; ids must still be each line's own, in order, with
    // given ids and a refused line in between.
    let lines: Vec<String> = (0..11)
        .map(|i| match i {
            3 => "{\"_id\":\"given\"}".to_string(),
            6 => "{\"source\":{\"ip\":\"bad\"}}".to_string(),
            _ => format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(i * 7)),
        })
        .collect();
    let options = LoadOptions {
        skip_invalid: true,
        ..LoadOptions::default()
    };
    let docs = load(&lines.join("\n"), &selection(), options);
    assert_eq!(docs.len(), 10);
    for d in 0..docs.len() {
        let line = &lines[docs.line_of(d) - 1];
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in line.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        let expected = if line.contains("_id") {
            "given".to_string()
        } else {
            format!("{h:016x}")
        };
        assert_eq!(docs.id_of(d), expected, "{line}");
    }
}

#[test]
fn a_refused_document_leaves_nothing_in_the_next() {
    let text = concat!(
        "{\"user\":{\"name\":\"x\"},\"n\":1}\n",
        // `n` is read before `source.ip` fails.
        "{\"n\":2,\"source\":{\"ip\":\"not an ip\"}}\n",
        "{\"user\":{\"name\":\"z\"}}\n",
    );
    let options = LoadOptions {
        skip_invalid: true,
        ..LoadOptions::default()
    };
    let docs = load(text, &selection(), options);
    assert_eq!(docs.len(), 2);
    assert_eq!(docs.skipped.len(), 1);
    assert_eq!(docs.skipped[0].line, 2);
    assert!(
        docs.skipped[0].message.contains("source.ip"),
        "{:?}",
        docs.skipped
    );
    let n = docs.column("n").unwrap();
    assert_eq!(docs.row(1)[n].to_display(), "null");
    assert_eq!(
        docs.row(1)[docs.column("user.name").unwrap()].to_display(),
        "z"
    );
    assert_eq!(docs.line_of(1), 3);
}

#[test]
fn every_field_and_unseen_field_selections() {
    let text: String = DOCS.iter().map(|d| format!("{d}\n")).collect();
    let all = FieldSelection {
        all: true,
        ..FieldSelection::default()
    };
    let docs = load(&text, &all, LoadOptions::default());
    let names: Vec<&str> = docs.columns.iter().map(|c| c.name.as_str()).collect();
    assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
    assert!(
        names.contains(&"other.b") && names.contains(&"flag"),
        "{names:?}"
    );
    let b = docs.column("other.b").unwrap();
    assert_eq!(docs.row(5)[b].to_display(), "x");
    assert_eq!(docs.row(0)[b].to_display(), "null");
    // An unmapped field no document has is no column; the others keep their values.
    let some = FieldSelection::names(["n", "nowhere", "user.name"]);
    let docs = load(&text, &some, LoadOptions::default());
    let names: Vec<&str> = docs.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["n", "user.name"]);
    assert_eq!(docs.row(0)[0].to_display(), "[1, 2, 3]");
    assert_eq!(docs.row(0)[1].to_display(), "alice");
}

#[test]
fn lines_are_split_across_read_buffers_and_bounded() {
    let long = format!("{{\"n\":2,\"pad\":\"{}\"}}", "x".repeat(80));
    let text =
        format!("{{\"n\":1}}\n{long}\n\n{{\"n\":3,\"pad\":\"yyyyyyyyyyyy\"}}\r\n{{\"n\":4}}");
    // A tiny read buffer: every line crosses several fills.
    let input = std::io::BufReader::with_capacity(7, text.as_bytes());
    let options = LoadOptions {
        skip_invalid: true,
        max_line_bytes: 50,
        ..LoadOptions::default()
    };
    let docs = Documents::from_ndjson(input, &selection(), options).expect("documents load");
    let n = docs.column("n").unwrap();
    let loaded: Vec<(usize, String)> = (0..docs.len())
        .map(|d| (docs.line_of(d), docs.row(d)[n].to_display()))
        .collect();
    assert_eq!(loaded, [(1, "1".into()), (4, "3".into()), (5, "4".into())]);
    assert_eq!(docs.skipped.len(), 1);
    assert_eq!(docs.skipped[0].line, 2);
    assert!(docs.skipped[0].message.starts_with("line is longer than"));
}
