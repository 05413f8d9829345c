//! The `*.csv-spec` format: tests (name, query, warnings, expected table) and expected cells
//! in a canonical form comparable with the engine's output.

use rulegate::document::{date_nanos, date_range, datetime, double_range, ip, Cell, Type, Value};

/// One csv-spec test.
#[derive(Debug)]
pub struct SpecTest {
    /// `file name`, unique: a name repeated in one file gets ` #2`, ` #3`, … in file order.
    pub key: String,
    /// 1-based line of the name, for messages only (keys never carry lines).
    pub line: usize,
    pub file: String,
    pub name: String,
    pub query: String,
    pub warnings: Vec<String>,
    pub warning_regexes: Vec<String>,
    pub ignore_order: bool,
    /// `name#[skip:-9.99.99,…]`: Elasticsearch skips the test on every version.
    pub disabled_upstream: bool,
    pub header: Vec<(String, String)>,
    pub rows: Vec<Vec<String>>,
}

/// Upstream warnings are HTTP `Warning` header values, where `"` is escaped as `\"`; a
/// regex matches that with `\\\"`. Our warnings are unescaped (as the exact `warning:`
/// lines are read), so such a regex must match a bare `"`.
fn header_unescaped_regex(r: &str) -> String {
    r.trim().replace(r#"\\\""#, r#"\""#)
}

/// The warning a `warning:` line expects of an engine that evaluates every operator itself, as
/// upstream's `CsvTests` do: `CsvTestCase.expectedWarnings(forEmulated = true)` keeps the text of
/// a trailing `#[Emulated:…]` in place of the Lucene-pushdown text before it (floats.csv-spec
/// `notLessThanMultivalue`), and an empty one expects no warning.
fn emulated_warning(w: &str) -> Option<String> {
    const PREFIX: &str = "#[emulated:";
    // Byte offsets of an ASCII lower-casing are the original's.
    match w.to_ascii_lowercase().find(PREFIX) {
        Some(i) if w.ends_with(']') => {
            let inner = &w[i + PREFIX.len()..w.len() - 1];
            (!inner.is_empty()).then(|| inner.to_string())
        }
        _ => Some(w.to_string()),
    }
}

/// An exact `warning:` line as the header value reads once decoded: Elasticsearch's
/// `HeaderWarning.escapeAndEncode` escapes `"` as `\"` and percent-encodes `%` (and non-ASCII)
/// bytes, so `max % 0` is written `max %25 0` (math.csv-spec: `// ascii(%) == %25`).
fn header_decoded(w: &str) -> String {
    let bytes = w.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).replace("\\\"", "\"")
}

pub fn parse_spec(file: &str, text: &str) -> Vec<SpecTest> {
    let lines: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim().to_string()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with("//") && !l.starts_with('#'))
        .collect();
    let mut tests = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (line_no, name_line) = &lines[i];
        let name = name_line.split('#').next().unwrap_or("").trim().to_string();
        i += 1;
        // `ignoreOrder:` may also come before the query (`categorize.csv-spec`'s `from drop`).
        // `skip_flattened_rewrite:` and `skip_keyword_variant:` exclude a test from a variant
        // upstream's harness derives from it (folding.csv-spec); the test itself runs here.
        let mut ignore_order = false;
        while i < lines.len()
            && (lines[i].1.starts_with("required_capability:")
                || lines[i].1.starts_with("skip_flattened_rewrite:")
                || lines[i].1.starts_with("skip_keyword_variant:")
                || lines[i].1.starts_with("request_stored:")
                || lines[i].1.starts_with("ignoreOrder:"))
        {
            if let Some(v) = lines[i].1.strip_prefix("ignoreOrder:") {
                ignore_order = v.trim() == "true";
            }
            i += 1;
        }
        let mut query_lines = Vec::new();
        while i < lines.len() {
            let l = &lines[i].1;
            i += 1;
            if l.ends_with(';') && !l.ends_with("\\;") {
                query_lines.push(l[..l.len() - 1].to_string());
                break;
            }
            query_lines.push(l.clone());
        }
        let mut t = SpecTest {
            key: format!("{file} {name}"),
            line: *line_no,
            file: file.to_string(),
            name,
            query: query_lines.join("\n"),
            warnings: Vec::new(),
            warning_regexes: Vec::new(),
            ignore_order,
            disabled_upstream: name_line.contains("#[skip:-9.99.99"),
            header: Vec::new(),
            rows: Vec::new(),
        };
        while i < lines.len() {
            let l = &lines[i].1;
            if let Some(w) = l.strip_prefix("warning:") {
                // Upstream's reader trims the text after the prefix (`warning: Line 3:3: …`
                // in change_point.csv-spec).
                let w = w.trim();
                // A few upstream `warning:` lines are written as regular expressions
                // (`Line \\d+:\\d+`); read those as `warningRegex:`.
                if w.contains("\\d+") {
                    t.warning_regexes.push(header_unescaped_regex(w));
                } else if let Some(w) = emulated_warning(w) {
                    t.warnings.push(header_decoded(&w));
                }
            } else if let Some(w) = l.strip_prefix("warningRegex:") {
                t.warning_regexes.push(header_unescaped_regex(w));
            } else if let Some(v) = l.strip_prefix("ignoreOrder:") {
                t.ignore_order = v.trim() == "true";
            } else {
                break;
            }
            i += 1;
        }
        if i < lines.len() {
            t.header = split_row(&lines[i].1)
                .into_iter()
                .map(|h| match h.rfind(':') {
                    Some(at) => (h[..at].trim().to_string(), h[at + 1..].trim().to_string()),
                    None => (h.clone(), String::new()),
                })
                .collect();
            i += 1;
            while i < lines.len() && !lines[i].1.starts_with(';') {
                t.rows.push(split_row(&lines[i].1));
                i += 1;
            }
            i += 1;
        }
        tests.push(t);
    }
    number_repeated_names(&mut tests);
    tests
}

/// Upstream files repeat some names (`length` twice in `string.csv-spec`); the second and later
/// get ` #2`, ` #3` so that keys stay unique without line numbers.
fn number_repeated_names(tests: &mut [SpecTest]) {
    let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
    for t in tests {
        let n = seen.entry(t.key.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            t.key = format!("{} #{n}", t.key);
        }
    }
}

/// Splits a `|`-separated row, honouring double quotes.
fn split_row(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            '|' if !quoted => {
                out.push(cur.trim().to_string());
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

/// A quoted cell's text, its doubled quotes single, as a CSV reader gives it
/// (`"{""a"":""1"""` is `{"a":"1"`).
fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        s[1..s.len() - 1].replace("\"\"", "\"")
    } else {
        s.to_string()
    }
}

/// An expected cell in canonical form: `None` for null, else its values. `null` is read in
/// any case, as `CsvTestUtils.loadCsvSpecValues` does (`value.equalsIgnoreCase(NULL_VALUE)`:
/// stats_percentile.csv-spec `invalidPercentile` writes `NULL`).
pub fn expected_cell(cell: &str, ty: Option<Type>) -> Option<Vec<String>> {
    if cell.eq_ignore_ascii_case("null") {
        return None;
    }
    let values: Vec<String> = if cell.starts_with('[') && cell.ends_with(']') {
        let inner = &cell[1..cell.len() - 1];
        let mut parts = Vec::new();
        let mut cur = String::new();
        let mut chars = inner.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&',') => {
                    cur.push(',');
                    chars.next();
                }
                '"' => {
                    quoted = !quoted;
                    cur.push(c);
                }
                ',' if !quoted => {
                    parts.push(unquote(&cur));
                    cur.clear();
                }
                _ => cur.push(c),
            }
        }
        parts.push(unquote(&cur));
        parts
    } else if ty == Some(Type::Flattened) {
        // A quoted CSV cell (`"{""k"":""v""}"`, `"[{…}, {…}]"` for several values).
        let json = unquote(cell);
        match json.strip_prefix('[').and_then(|j| j.strip_suffix(']')) {
            Some(inner) => split_json_values(inner),
            None => vec![json],
        }
    } else {
        vec![unquote(cell)]
    };
    Some(values.into_iter().map(|v| canonical(&v, ty)).collect())
}

/// `{…}, {…}`: the JSON values separated by commas outside braces, brackets and strings.
fn split_json_values(inner: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut escaped) = (0i32, false, false);
    let mut cur = String::new();
    for c in inner.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '{' | '[' if !quoted => depth += 1,
            '}' | ']' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

fn canonical(v: &str, ty: Option<Type>) -> String {
    match ty {
        Some(Type::Datetime) => datetime::parse_iso(v).map_or(v.to_string(), datetime::format_iso),
        // `CsvTestUtils` reads a `date_nanos` cell as its nanoseconds: `.937193Z` and
        // `.937193000Z` are one value.
        Some(Type::DateNanos) => date_nanos::parse(v).map_or(v.to_string(), date_nanos::format_iso),
        Some(Type::Ip) => ip::parse(v).map_or(v.to_string(), |b| ip::format(&b)),
        Some(Type::DateRange) => date_range::parse(v).map_or(v.to_string(), |r| r.to_text()),
        Some(Type::DoubleRange) => double_range::parse(v).map_or(v.to_string(), |r| r.to_text()),
        // `Long.parseLong`/`Integer.parseInt` read the expected cell: `015787878` is 15787878
        // (date_nanos.csv-spec `Date nanos date extract`).
        Some(Type::Long | Type::Integer) if v.len() > 1 && v.starts_with('0') => {
            v.parse::<i64>().map_or(v.to_string(), |n| n.to_string())
        }
        Some(Type::Double) => v
            .parse::<f64>()
            .map_or(v.to_string(), |d| format!("{:?}", d)),
        _ => v.to_string(),
    }
}

pub fn actual_cell(c: &Cell, ty: Type) -> Option<Vec<String>> {
    if c.is_null() {
        return None;
    }
    Some(
        c.values()
            .iter()
            .map(|v| match v {
                Value::Double(d) if ty == Type::Double => format!("{d:?}"),
                other => canonical(&other.to_text(), Some(ty)),
            })
            .collect(),
    )
}
