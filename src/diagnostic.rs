//! Errors and warnings as data, and the one place that renders them as caret text.
//!
//! Every stage returns [`Diagnostic`] values; nothing below the CLI prints. Codes are grouped by
//! the stage that emits them, so a code tells a reader where to look:
//!
//! | range | stage |
//! |---|---|
//! | `E0xx` | command line, files and I/O |
//! | `E1xx` | rule files (TOML, schema, Elastic validation) |
//! | `E2xx` | ES\|QL syntax |
//! | `E3xx` | ES\|QL evaluation |
//! | `E4xx` | input documents and mappings |
//! | `E5xx` | Kubernetes audit import |
//! | `E6xx` | scenarios |
//! | `E7xx` | schedules, snapshots and the check gate |
//! | `E8xx` | diff, mutation and coverage |
//! | `Wxxx` | warnings, same ranges |
//!
//! Every code is registered in [`crate::codes`], which `docs/error-codes.md` is generated from.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use crate::span::{LineIndex, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// A file a diagnostic points into: its path as the user named it, and its whole text.
#[derive(Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            path: path.into(),
            text: text.into(),
        })
    }
}

/// One labelled place in the source; the first label of a diagnostic is the primary one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// The file the labels point into; `None` for errors that have no file (usage errors).
    pub file: Option<Arc<SourceFile>>,
    /// A path named by the error when there is no text to show (a missing file, say).
    pub path: Option<String>,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error; `code` must be registered as an error in `src/codes.rs` (checked in debug builds).
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, message.into())
    }

    /// A warning; `code` must be registered as a warning in `src/codes.rs`.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, code, message.into())
    }

    fn new(severity: Severity, code: &'static str, message: String) -> Diagnostic {
        debug_assert!(
            crate::codes::is_registered(code, severity),
            "diagnostic code {code} is not registered as {severity:?} in src/codes.rs"
        );
        Diagnostic {
            severity,
            code,
            message,
            file: None,
            path: None,
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Attaches the file the labels point into (its path is shown in the header).
    pub fn in_file(mut self, file: &Arc<SourceFile>) -> Diagnostic {
        self.file = Some(Arc::clone(file));
        self
    }

    /// Names a path when there is no text to point into.
    pub fn at_path(mut self, path: impl AsRef<Path>) -> Diagnostic {
        self.path = Some(path.as_ref().display().to_string());
        self
    }

    /// Moves every label `offset` bytes further: query spans become rule-file spans.
    pub fn shifted(mut self, offset: usize) -> Diagnostic {
        for label in &mut self.labels {
            label.span = label.span.shifted(offset);
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `path:line:col` of the primary label, or the path alone.
    pub fn location(&self) -> Option<String> {
        match (&self.file, self.labels.first()) {
            (Some(file), Some(label)) => {
                let index = LineIndex::new(&file.text);
                let at = index.line_col(&file.text, label.span.start as usize);
                Some(format!("{}:{}:{}", file.path, at.line, at.column))
            }
            (Some(file), None) => Some(file.path.clone()),
            (None, _) => self.path.clone(),
        }
    }

    /// Renders the diagnostic as caret text. `color` adds ANSI colours (callers pass `true`
    /// only when the stream is a terminal and `NO_COLOR` is unset).
    pub fn render(&self, color: bool) -> String {
        let paint = |code: &str, text: &str| {
            if color {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_string()
            }
        };
        let (word, tint) = match self.severity {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}{}",
            paint(tint, &format!("{word}[{}]", self.code)),
            paint("1", &format!(": {}", escape(&self.message, true)))
        );
        let Some(location) = self.location().map(|l| escape(&l, false)) else {
            self.render_footer(&mut out, "", &paint);
            return out;
        };
        let Some(file) = self.file.as_ref().filter(|_| !self.labels.is_empty()) else {
            let _ = writeln!(out, " --> {location}");
            self.render_footer(&mut out, "", &paint);
            return out;
        };
        let index = LineIndex::new(&file.text);
        let last_line = self
            .labels
            .iter()
            .map(|l| index.line_of(l.span.end as usize))
            .max()
            .unwrap_or(0);
        let gutter = " ".repeat((last_line + 1).to_string().len());
        let _ = writeln!(out, "{gutter}{} {location}", paint("1;34", "-->"));
        let _ = writeln!(out, "{gutter} {}", paint("1;34", "|"));
        // Labels are drawn in file order; the primary one (the first) keeps its `^` carets.
        let mut ordered: Vec<(usize, &Label)> = self.labels.iter().enumerate().collect();
        ordered.sort_by_key(|(_, label)| label.span.start);
        for (i, label) in ordered {
            let start = label.span.start as usize;
            let line = index.line_of(start);
            let text = index.line_text(&file.text, line);
            let line_start = index.line_start(line);
            // A span that runs past its first line is underlined to the end of that line.
            let end = (label.span.end as usize).min(line_start + text.len());
            let shown = ShownLine::new(
                text,
                start.saturating_sub(line_start),
                end.saturating_sub(line_start),
            );
            let number = format!("{:>w$}", line + 1, w = gutter.len());
            let _ = writeln!(
                out,
                "{} {} {}",
                paint("1;34", &number),
                paint("1;34", "|"),
                shown.text
            );
            let (col, width) = (shown.column, shown.width);
            let marker = if i == 0 { "^" } else { "-" };
            let carets = marker.repeat(width);
            let tail = if label.message.is_empty() {
                String::new()
            } else {
                format!(" {}", escape(&label.message, false))
            };
            let _ = writeln!(
                out,
                "{gutter} {} {}{}",
                paint("1;34", "|"),
                " ".repeat(col),
                paint(
                    if i == 0 { tint } else { "1;34" },
                    &format!("{carets}{tail}")
                )
            );
        }
        self.render_footer(&mut out, &gutter, &paint);
        out
    }

    fn render_footer(&self, out: &mut String, gutter: &str, paint: &dyn Fn(&str, &str) -> String) {
        for note in &self.notes {
            let note = escape(note, true);
            let _ = writeln!(out, "{gutter} {} note: {note}", paint("1;34", "="));
        }
        if let Some(help) = &self.help {
            let help = escape(help, true);
            let _ = writeln!(out, "{gutter} {} help: {help}", paint("1;34", "="));
        }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// How a character of input is shown: control characters (C0, DEL, C1, so terminal escape
/// sequences too) and the bidirectional overrides that can make text read other than it is
/// (Trojan Source) as `\u{…}`; a tab as one space, so that carets stay aligned. Anything else
/// as itself.
fn shown_char(c: char, out: &mut String) {
    let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    match c {
        '\t' => out.push(' '),
        c if c.is_control() || bidi => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// Text from input made safe for a terminal (see [`shown_char`]); `keep_newlines` for messages
/// that are several lines of our own.
fn escape(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if keep_newlines && c == '\n' {
            out.push(c);
        } else {
            shown_char(c, &mut out);
        }
    }
    out
}

/// Source lines longer than this many characters are cut around the label.
const MAX_SHOWN_LINE: usize = 160;
/// How much of a cut line is kept before the label.
const CONTEXT_BEFORE: usize = 60;

/// A source line as shown under the header: escaped, and cut around the label when long, with
/// the label's column and width in shown characters.
struct ShownLine {
    text: String,
    column: usize,
    width: usize,
}

impl ShownLine {
    /// `start..end`: the label's byte range within `line`.
    fn new(line: &str, start: usize, end: usize) -> ShownLine {
        // Each character's shown form, and whether it lies in the label.
        let mut units: Vec<(String, bool)> = Vec::new();
        let mut first = None;
        for (at, c) in line.char_indices() {
            let mut unit = String::new();
            shown_char(c, &mut unit);
            if at >= start && first.is_none() {
                first = Some(units.len());
            }
            units.push((unit, at >= start && at < end));
        }
        let first = first.unwrap_or(units.len());
        let len = |range: &[(String, bool)]| range.iter().map(|(u, _)| u.chars().count()).sum();
        let total: usize = len(&units);
        let (from, to) = if total <= MAX_SHOWN_LINE {
            (0, units.len())
        } else {
            let mut from = first;
            while from > 0 && len(&units[from..first]) < CONTEXT_BEFORE {
                from -= 1;
            }
            let mut to = first;
            while to < units.len() && len(&units[from..to]) < MAX_SHOWN_LINE {
                to += 1;
            }
            (from, to)
        };
        let mut text = String::new();
        let lead = if from > 0 { "…" } else { "" };
        text.push_str(lead);
        for (unit, _) in &units[from..to] {
            text.push_str(unit);
        }
        if to < units.len() {
            text.push('…');
        }
        let column = lead.chars().count() + len(&units[from..first.min(to)]);
        let width: usize = units[from..to]
            .iter()
            .filter(|(_, inside)| *inside)
            .map(|(u, _)| u.chars().count())
            .sum();
        ShownLine {
            text,
            column,
            width: width.max(1),
        }
    }
}

/// Renders many diagnostics, errors and warnings alike, separated by blank lines.
pub fn render_all(diagnostics: &[Diagnostic], color: bool) -> String {
    diagnostics
        .iter()
        .map(|d| d.render(color))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The candidate closest to `word` within two edits, for "did you mean" help.
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(c, word), *c))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(row[j + 1])
            };
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_caret_under_the_primary_label() {
        let file = SourceFile::new("rules/x.toml", "a = 1\nquery = \"from x | whre\"\n");
        let text = &file.text;
        let at = text.find("whre").unwrap();
        let d = Diagnostic::error("E201", "unknown command `whre`")
            .in_file(&file)
            .with_label(Span::new(at, at + 4), "not a command")
            .with_help("did you mean `where`?");
        assert_eq!(
            d.render(false),
            "error[E201]: unknown command `whre`\n --> rules/x.toml:2:19\n  |\n2 | query = \"from x | whre\"\n  |                   ^^^^ not a command\n  = help: did you mean `where`?\n"
        );
    }

    #[test]
    fn control_characters_and_escape_sequences_are_shown_escaped() {
        let file = SourceFile::new("x\u{1b}[2J.toml", "a = \"\u{1b}]0;pwned\u{7}\u{202e}x\"\n");
        let at = file.text.find('x').unwrap();
        let d = Diagnostic::error("E201", "bad \u{1b}[31mred\u{9b}")
            .in_file(&file)
            .with_label(Span::new(at, at + 1), "here \u{0}");
        let shown = d.render(false);
        assert!(
            !shown.chars().any(|c| c.is_control() && c != '\n'),
            "{shown:?}"
        );
        assert_eq!(
            shown,
            "error[E201]: bad \\u{1b}[31mred\\u{9b}\n --> x\\u{1b}[2J.toml:1:17\n  |\n1 | a = \"\\u{1b}]0;pwned\\u{7}\\u{202e}x\"\n  |                                 ^ here \\u{0}\n"
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_caret() {
        let line = format!("{}needle{}", "a".repeat(5000), "b".repeat(5000));
        let file = SourceFile::new("long.ndjson", format!("{line}\n"));
        let at = file.text.find("needle").unwrap();
        let d = Diagnostic::error("E401", "bad")
            .in_file(&file)
            .with_label(Span::new(at, at + 6), "");
        let shown = d.render(false);
        let lines: Vec<&str> = shown.lines().collect();
        let source = lines[3].strip_prefix("1 | ").unwrap();
        let carets = lines[4].strip_prefix("  | ").unwrap();
        assert!(source.chars().count() <= MAX_SHOWN_LINE + 2, "{source}");
        assert!(source.starts_with('…') && source.ends_with('…'), "{source}");
        let column = carets.find('^').unwrap();
        let under: String = source.chars().skip(column).take(6).collect();
        assert_eq!(under, "needle");
        assert_eq!(carets.trim(), "^^^^^^");
    }

    #[test]
    fn path_only_diagnostics_name_the_path() {
        let d = Diagnostic::error("E001", "cannot read file: not found").at_path("missing.toml");
        assert_eq!(
            d.render(false),
            "error[E001]: cannot read file: not found\n --> missing.toml\n"
        );
    }
}
