//! insta's `.snap` files, read and written byte for byte as insta 1.x does, so `rulegate check`
//! and `cargo test` agree on one set of snapshot files.
//!
//! A file is a YAML header between `---` lines, then the snapshot text and one newline:
//!
//! ```text
//! ---
//! source: tests/runs.rs
//! ---
//! <contents, trailing whitespace trimmed>
//! ```
//!
//! insta compares contents after trimming trailing whitespace and turning CRLF into LF; so do we.

use std::path::Path;

use crate::diagnostic::Diagnostic;

/// A snapshot file's parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapFile {
    /// The header lines between the two `---` markers, e.g. `source: tests/runs.rs`.
    pub header: Vec<String>,
    pub contents: String,
}

impl SnapFile {
    /// A snapshot as `support::snapshot!` writes it from the test file `source`.
    pub fn new(source: &str, contents: &str) -> SnapFile {
        SnapFile {
            header: vec![format!("source: {source}")],
            contents: normalize(contents),
        }
    }

    pub fn parse(text: &str, path: &Path) -> Result<SnapFile, Diagnostic> {
        let invalid = |why: &str| {
            Diagnostic::error("E710", format!("not a valid snapshot file: {why}"))
                .at_path(path)
                .with_help("snapshot files start with `---`, a header such as `source: tests/runs.rs`, and `---`")
        };
        let text = text.replace("\r\n", "\n");
        let Some(rest) = text.strip_prefix("---\n") else {
            return Err(invalid("the first line is not `---`"));
        };
        let mut header = Vec::new();
        let mut lines = rest.split_inclusive('\n');
        let mut consumed = 4;
        loop {
            let Some(line) = lines.next() else {
                return Err(invalid("the header has no closing `---`"));
            };
            consumed += line.len();
            let line = line.trim_end_matches('\n');
            if line.trim_end() == "---" {
                break;
            }
            if !line.starts_with(' ') && !line.contains(':') {
                return Err(invalid(&format!(
                    "header line `{line}` is not `key: value`"
                )));
            }
            header.push(line.to_string());
        }
        Ok(SnapFile {
            header,
            contents: normalize(&text[consumed..]),
        })
    }

    pub fn read(path: &Path) -> Result<SnapFile, Diagnostic> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            Diagnostic::error("E710", format!("cannot read snapshot: {error}")).at_path(path)
        })?;
        SnapFile::parse(&text, path)
    }

    /// The file's bytes, as insta writes them.
    pub fn render(&self) -> String {
        let mut out = String::from("---\n");
        for line in &self.header {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str("---\n");
        out.push_str(&self.contents);
        out.push('\n');
        out
    }
}

/// insta's comparison form: CRLF as LF, trailing whitespace trimmed.
pub fn normalize(contents: &str) -> String {
    contents.replace("\r\n", "\n").trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_insta_layout() {
        let snap = SnapFile::new("tests/runs.rs", "alerts: []\n\n");
        assert_eq!(
            snap.render(),
            "---\nsource: tests/runs.rs\n---\nalerts: []\n"
        );
        assert_eq!(
            SnapFile::parse(&snap.render(), Path::new("x.snap")).unwrap(),
            snap
        );
    }

    #[test]
    fn reads_headers_with_expressions_and_crlf() {
        let text = "---\r\nsource: tests/a.rs\r\nexpression: \"x\"\r\n---\r\nline 1\r\nline 2\r\n";
        let snap = SnapFile::parse(text, Path::new("x.snap")).unwrap();
        assert_eq!(snap.header, ["source: tests/a.rs", "expression: \"x\""]);
        assert_eq!(snap.contents, "line 1\nline 2");
    }

    #[test]
    fn rejects_files_that_are_not_snapshots() {
        for text in ["", "alerts: []\n", "---\nsource: x\n"] {
            let error = SnapFile::parse(text, Path::new("bad.snap")).unwrap_err();
            assert_eq!(error.code, "E710", "{text:?}");
        }
    }
}
