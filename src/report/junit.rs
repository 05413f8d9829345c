//! JUnit XML, the report format CI systems display: one `<testcase>` per scenario.

use std::fmt::Write as _;

/// One test case: a scenario and, when it failed, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestCase {
    pub name: String,
    pub class: String,
    /// `Some(message, details)` when the case failed.
    pub failure: Option<(String, String)>,
}

/// Renders a `<testsuites>` document with one suite.
pub fn render(suite: &str, cases: &[TestCase]) -> String {
    let failures = cases.iter().filter(|case| case.failure.is_some()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{0}\" tests=\"{1}\" failures=\"{2}\">\n  <testsuite name=\"{0}\" tests=\"{1}\" failures=\"{2}\" errors=\"0\" skipped=\"0\">",
        escape(suite),
        cases.len(),
        failures
    );
    for case in cases {
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"{}\"",
            escape(&case.name),
            escape(&case.class)
        );
        match &case.failure {
            None => out.push_str("/>\n"),
            Some((message, details)) => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                    escape(message),
                    escape(details)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// XML-escapes text for attributes and element content; drops characters XML 1.0 forbids.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_passes_and_escaped_failures() {
        let cases = [
            TestCase {
                name: "ok".into(),
                class: "scenarios".into(),
                failure: None,
            },
            TestCase {
                name: "bad<1>".into(),
                class: "scenarios".into(),
                failure: Some(("alerts changed".into(), "- a & b\n+ c\u{1}".into())),
            },
        ];
        let xml = render("rulegate check", &cases);
        assert!(xml.contains("tests=\"2\" failures=\"1\""));
        assert!(xml.contains("<testcase name=\"ok\" classname=\"scenarios\"/>"));
        assert!(xml.contains("<testcase name=\"bad&lt;1&gt;\""));
        assert!(xml.contains("<failure message=\"alerts changed\">- a &amp; b\n+ c</failure>"));
    }
}
