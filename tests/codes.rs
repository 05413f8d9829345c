//! The code registry `src/codes.rs`: every code literal in `src/` is registered with the severity
//! it is used with, the registry is sorted without duplicates or stale entries, and
//! `docs/error-codes.md` is generated from it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rulegate::codes::{self, CODES};
use rulegate::diagnostic::Severity;

use crate::support::repo_path;

/// One code literal (`"E601"`) found in a source file.
#[derive(Debug)]
struct Use {
    code: String,
    place: String,
    /// The severity when the literal is the first argument of `Diagnostic::error`/`warning`.
    severity: Option<Severity>,
}

/// Every `"[EW]ddd"` literal of `text`, with `place:line` and the constructor it is passed to.
fn code_literals(text: &str, place: &str) -> Vec<Use> {
    let bytes = text.as_bytes();
    let mut uses = Vec::new();
    for start in 0..bytes.len().saturating_sub(5) {
        let literal = &bytes[start..start + 6];
        let is_code = literal[0] == b'"'
            && matches!(literal[1], b'E' | b'W')
            && literal[2..5].iter().all(u8::is_ascii_digit)
            && literal[5] == b'"';
        if !is_code {
            continue;
        }
        let before = text[..start].trim_end();
        let severity = if before.ends_with("Diagnostic::error(") {
            Some(Severity::Error)
        } else if before.ends_with("Diagnostic::warning(") {
            Some(Severity::Warning)
        } else {
            None
        };
        let line = text[..start].matches('\n').count() + 1;
        uses.push(Use {
            code: text[start + 1..start + 5].to_string(),
            place: format!("{place}:{line}"),
            severity,
        });
    }
    uses
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

/// Every code literal under `src/`, except the registry itself.
fn source_uses() -> Vec<Use> {
    let root = repo_path("");
    let mut files = Vec::new();
    rust_files(&repo_path("src"), &mut files);
    let mut uses = Vec::new();
    for path in files {
        let place = path.strip_prefix(&root).unwrap().display().to_string();
        if place == "src/codes.rs" {
            continue;
        }
        uses.extend(code_literals(
            &std::fs::read_to_string(&path).unwrap(),
            &place,
        ));
    }
    uses
}

/// The literals whose code is not registered, one `CODE at file:line` per line.
fn unregistered(uses: &[Use]) -> Vec<String> {
    uses.iter()
        .filter(|u| codes::lookup(&u.code).is_none())
        .map(|u| format!("{} at {}", u.code, u.place))
        .collect()
}

#[test]
fn every_code_in_src_is_registered() {
    let uses = source_uses();
    assert!(
        uses.len() > 100,
        "the scan found only {} code literals",
        uses.len()
    );
    let missing = unregistered(&uses);
    assert!(
        missing.is_empty(),
        "codes used in src/ but missing from src/codes.rs:\n{}",
        missing.join("\n")
    );
}

#[test]
fn an_unregistered_code_is_reported_with_its_place() {
    let text = "fn f() {\n    Diagnostic::error(\"E999\", \"new\")\n}\n";
    let uses = code_literals(text, "src/x.rs");
    assert_eq!(unregistered(&uses), ["E999 at src/x.rs:2"]);
    assert_eq!(uses[0].severity, Some(Severity::Error));
}

#[test]
fn the_registry_is_sorted_without_duplicates() {
    for pair in CODES.windows(2) {
        assert!(
            pair[0].code < pair[1].code,
            "src/codes.rs: {} must come before {} (sorted, each code once)",
            pair[0].code,
            pair[1].code
        );
    }
    for entry in CODES {
        assert_eq!(codes::lookup(entry.code), Some(entry));
        assert!(
            !entry.area.is_empty() && !entry.meaning.is_empty(),
            "{}",
            entry.code
        );
    }
}

#[test]
fn every_registered_code_is_used_in_src() {
    let used: BTreeSet<String> = source_uses().into_iter().map(|u| u.code).collect();
    let stale: Vec<&str> = CODES
        .iter()
        .map(|entry| entry.code)
        .filter(|code| !used.contains(*code))
        .collect();
    assert!(
        stale.is_empty(),
        "registered in src/codes.rs but used nowhere in src/: {stale:?}"
    );
}

#[test]
fn severities_match_the_code_letter_and_every_use() {
    for entry in CODES {
        let expected = if entry.code.starts_with('E') {
            Severity::Error
        } else {
            Severity::Warning
        };
        assert_eq!(
            entry.severity, expected,
            "{}: E codes are errors, W codes warnings",
            entry.code
        );
    }
    let wrong: Vec<String> = source_uses()
        .iter()
        .filter_map(|u| Some((u, u.severity?, codes::lookup(&u.code)?)))
        .filter(|(_, used, entry)| *used != entry.severity)
        .map(|(u, used, _)| format!("{} used as {used:?} at {}", u.code, u.place))
        .collect();
    assert!(
        wrong.is_empty(),
        "severity differs from src/codes.rs:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_error_codes_page_is_current() {
    let path = repo_path("docs/error-codes.md");
    let fresh = codes::markdown();
    if std::env::var_os("RULEGATE_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/error-codes.md is out of date with src/codes.rs: run \
         `RULEGATE_UPDATE_DOCS=1 cargo test --test integration codes` to refresh it"
    );
}
