//! A batch of lines read from memory, where the scanner finds line ends itself, against the
//! line-by-line reader: the same documents, skipped lines and first error, for lines of every
//! kind (CRLF, spaces around, blank, invalid UTF-8, bad JSON, two documents on a line,
//! overlong) in any order and with or without a last newline.

use quickcheck::{Gen, QuickCheck};

use super::{Documents, FieldSelection, LoadOptions};

/// Lines the batches are made of (without their newline).
const LINES: &[&[u8]] = &[
    br#"{"user":{"name":"alice"},"event":{"action":"get"},"n":1}"#,
    br#"{"user":{"name":"bob"},"event":{"action":"list","original":"{\"a\":\"\\u00e9\"}"}}"#,
    "{\"user\":{\"name\":\"zoë\"},\"event\":{\"action\":\"get\"},\"note\":\"naïve ☃\"}".as_bytes(),
    br#"{"user":{"name":"carol"},"data_stream":{"type":"logs","dataset":"d","namespace":"n"}}"#,
    br#"{"_id":"given","user":{"name":"dave"}}"#,
    br#"  {"user":{"name":"eve"}}  "#,
    b"{\"user\":{\"name\":\"tab\"}}\t\r",
    b"{\"user\":{\"name\":\"crlf\"}}\r",
    b"",
    b"   ",
    b"\r",
    br#"{"user":{"name":"x"}} {"user":{"name":"y"}}"#,
    br#"{"user":{"name":"x"}}{"user":{"name":"y"}}"#,
    br#"{"user":{"name":"x"}} trailing"#,
    br#"{"user":{"name":"x""#,
    br#"{"user":{"name":1e400}}"#,
    br#"{"n":"not a number"}"#,
    br#"[1,2]"#,
    b"{\"user\":{\"name\":\"bad \xff byte\"}}",
    b"{\"note\":\"bad \xc3 byte\",\"user\":{\"name\":\"ok\"}}",
    b"{\"bad\xffkey\":1}",
    br#"{"user":{"name":"a very long name that makes this line longer than the limit of the small reader"}}"#,
];

fn selection() -> FieldSelection {
    FieldSelection::names(["_id", "event.action", "event.original", "n", "user.name"])
}

fn options(skip_invalid: bool, max_line_bytes: usize) -> LoadOptions {
    let mut options = LoadOptions {
        skip_invalid,
        max_line_bytes,
        ..LoadOptions::default()
    };
    options
        .mapping
        .fields
        .insert("n".into(), crate::document::Type::Long);
    options
}

/// Both readers' outcome as text (documents and skipped lines, or the error).
fn both(text: &[u8], skip_invalid: bool, max: usize) -> (String, String) {
    let batch = Documents::from_ndjson_text(text, &selection(), options(skip_invalid, max))
        .map(|(docs, _)| docs);
    let lines = Documents::from_ndjson(text, &selection(), options(skip_invalid, max));
    (format!("{batch:?}"), format!("{lines:?}"))
}

fn batch_of(picks: &[usize], last_newline: bool) -> Vec<u8> {
    let mut text = Vec::new();
    for (i, &pick) in picks.iter().enumerate() {
        text.extend_from_slice(LINES[pick % LINES.len()]);
        if i + 1 < picks.len() || last_newline {
            text.push(b'\n');
        }
    }
    text
}

#[test]
fn batches_read_as_line_by_line() {
    fn property(picks: Vec<usize>, last_newline: bool, skip_invalid: bool, small: bool) -> bool {
        let text = batch_of(&picks, last_newline);
        let max = if small { 80 } else { 64 << 20 };
        let (batch, lines) = both(&text, skip_invalid, max);
        batch == lines
    }
    QuickCheck::new()
        .tests(400)
        .rng(Gen::new(12))
        .quickcheck(property as fn(Vec<usize>, bool, bool, bool) -> bool);
}

#[test]
fn every_line_kind_alone_and_after_a_document() {
    for pick in 0..LINES.len() {
        for picks in [vec![pick], vec![0, pick, 1], vec![pick, pick]] {
            for (last_newline, skip_invalid, max) in [
                (true, true, 64 << 20),
                (false, false, 64 << 20),
                (true, false, 80),
            ] {
                let text = batch_of(&picks, last_newline);
                let (batch, lines) = both(&text, skip_invalid, max);
                assert_eq!(batch, lines, "{:?}", String::from_utf8_lossy(&text));
            }
        }
    }
}

#[test]
fn bad_lines_are_reported_with_their_line_and_message() {
    // Invalid UTF-8 in an unwanted string, after a valid document: the second line.
    let text = batch_of(&[0, 19, 1], true);
    let error = Documents::from_ndjson_text(&text, &selection(), options(false, 64 << 20))
        .expect_err("invalid UTF-8");
    assert_eq!(
        (error.line, error.message.as_str()),
        (2, "line is not valid UTF-8")
    );
    // Garbage after the document on the third line.
    let text = batch_of(&[0, 8, 13], false);
    let error = Documents::from_ndjson_text(&text, &selection(), options(false, 64 << 20))
        .expect_err("trailing characters");
    assert_eq!(error.line, 3);
    assert!(
        error.message.contains("trailing characters"),
        "{}",
        error.message
    );
}

#[test]
fn ordinary_batches_count_their_lines() {
    let text = batch_of(&[0, 1, 2, 8, 3], true);
    let (docs, lines) =
        Documents::from_ndjson_text(&text, &selection(), options(false, 64 << 20)).expect("valid");
    assert_eq!((docs.len(), lines), (4, 5));
    assert_eq!(docs.lines, vec![1, 2, 3, 5]);
}
