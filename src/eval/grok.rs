//! `GROK` and `DISSECT`: pattern compilation and extraction of new keyword (or typed) columns.

use std::collections::BTreeMap;

use crate::document::value::{Type, Value};

/// The standard Grok patterns the rules and spec tests use (legacy Logstash library), written
/// for Rust's regex engine (no look-around or atomic groups; the matches they describe agree).
const PATTERNS: &[(&str, &str)] = &[
    ("USERNAME", r"[a-zA-Z0-9._-]+"),
    ("USER", r"%{USERNAME}"),
    (
        "EMAILLOCALPART",
        r"[a-zA-Z0-9!#$%&'*+\-/=?^_`{|}~]{1,64}(?:\.[a-zA-Z0-9!#$%&'*+\-/=?^_`{|}~]{1,62}){0,63}",
    ),
    ("EMAILADDRESS", r"%{EMAILLOCALPART}@%{HOSTNAME}"),
    ("INT", r"(?:[+-]?(?:[0-9]+))"),
    (
        "BASE10NUM",
        r"(?:[+-]?(?:(?:[0-9]+(?:\.[0-9]+)?)|(?:\.[0-9]+)))",
    ),
    ("NUMBER", r"(?:%{BASE10NUM})"),
    ("BASE16NUM", r"(?:0[xX]?[0-9a-fA-F]+)"),
    ("POSINT", r"\b(?:[1-9][0-9]*)\b"),
    ("NONNEGINT", r"\b(?:[0-9]+)\b"),
    ("WORD", r"\b\w+\b"),
    ("NOTSPACE", r"\S+"),
    ("SPACE", r"\s*"),
    ("DATA", r".*?"),
    ("GREEDYDATA", r".*"),
    (
        "QUOTEDSTRING",
        r#"(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`)"#,
    ),
    (
        "UUID",
        r"[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}",
    ),
    ("MAC", r"(?:%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC})"),
    ("CISCOMAC", r"(?:(?:[A-Fa-f0-9]{4}\.){2}[A-Fa-f0-9]{4})"),
    ("WINDOWSMAC", r"(?:(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2})"),
    ("COMMONMAC", r"(?:(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2})"),
    (
        "IPV6",
        r"(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|:(?:(?::[0-9A-Fa-f]{1,4}){1,7}|:)|::(?:ffff(?::0{1,4})?:)?%{IPV4})(?:%.+)?",
    ),
    (
        "IPV4",
        r"(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)",
    ),
    ("IP", r"(?:%{IPV4}|%{IPV6})"),
    (
        "HOSTNAME",
        r"\b(?:[0-9A-Za-z][0-9A-Za-z-]{0,62})(?:\.(?:[0-9A-Za-z][0-9A-Za-z-]{0,62}))*\.?\b",
    ),
    ("IPORHOST", r"(?:%{IP}|%{HOSTNAME})"),
    ("HOSTPORT", r"%{IPORHOST}:%{POSINT}"),
    ("PATH", r"(?:%{UNIXPATH}|%{WINPATH})"),
    ("UNIXPATH", r"(?:/[\w_%!$@:.,+~-]*)+"),
    ("TTY", r"(?:/dev/(?:pts|tty(?:[pq])?)(?:\w+)?/?(?:[0-9]+))"),
    ("WINPATH", r"(?:[A-Za-z]+:|\\)(?:\\[^\\?*]*)+"),
    ("URIPROTO", r"[A-Za-z](?:[A-Za-z0-9+\-.]+)+"),
    ("URIHOST", r"%{IPORHOST}(?::%{POSINT})?"),
    ("URIPATH", r"(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\-]*)+"),
    ("URIPARAM", r"\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\-\[\]<>]*"),
    ("URIPATHPARAM", r"%{URIPATH}(?:%{URIPARAM})?"),
    (
        "URI",
        r"%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATHPARAM})?",
    ),
    (
        "MONTH",
        r"\b(?:[Jj]an(?:uary|uar)?|[Ff]eb(?:ruary|ruar)?|[Mm](?:a|ä)?r(?:ch|z)?|[Aa]pr(?:il)?|[Mm]a(?:y|i)?|[Jj]un(?:e|i)?|[Jj]ul(?:y|i)?|[Aa]ug(?:ust)?|[Ss]ep(?:tember)?|[Oo](?:c|k)?t(?:ober)?|[Nn]ov(?:ember)?|[Dd]e(?:c|z)(?:ember)?)\b",
    ),
    ("MONTHNUM", r"(?:0?[1-9]|1[0-2])"),
    ("MONTHNUM2", r"(?:0[1-9]|1[0-2])"),
    ("MONTHDAY", r"(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])"),
    (
        "DAY",
        r"(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)",
    ),
    ("YEAR", r"(?:\d\d){1,2}"),
    ("HOUR", r"(?:2[0123]|[01]?[0-9])"),
    ("MINUTE", r"(?:[0-5][0-9])"),
    ("SECOND", r"(?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)"),
    ("TIME", r"%{HOUR}:%{MINUTE}(?::%{SECOND})?"),
    ("DATE_US", r"%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}"),
    ("DATE_EU", r"%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}"),
    ("ISO8601_TIMEZONE", r"(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))"),
    ("ISO8601_SECOND", r"%{SECOND}"),
    (
        "TIMESTAMP_ISO8601",
        r"%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?",
    ),
    ("DATE", r"%{DATE_US}|%{DATE_EU}"),
    ("DATESTAMP", r"%{DATE}[- ]%{TIME}"),
    ("TZ", r"(?:[APMCE][SD]T|UTC)"),
    ("HTTPDATE", r"%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}"),
    ("SYSLOGTIMESTAMP", r"%{MONTH} +%{MONTHDAY} %{TIME}"),
    ("PROG", r"[\x21-\x5a\x5c\x5e-\x7e]+"),
    ("SYSLOGPROG", r"%{PROG:program}(?:\[%{POSINT:pid}\])?"),
    ("SYSLOGHOST", r"%{IPORHOST}"),
    (
        "LOGLEVEL",
        r"(?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo?(?:rmation)?|INFO?(?:RMATION)?|[Ww]arn?(?:ing)?|WARN?(?:ING)?|[Ee]rr?(?:or)?|ERR?(?:OR)?|[Cc]rit?(?:ical)?|CRIT?(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE|EMERG(?:ENCY)?|[Ee]merg(?:ency)?)",
    ),
];

/// A compiled GROK pattern: a regex whose capture groups map to output columns.
#[derive(Clone, Debug)]
pub struct Grok {
    regex: regex::Regex,
    /// Capture group name → column index.
    groups: Vec<(String, usize)>,
    /// Output columns in order: name and type.
    pub columns: Vec<(String, Type)>,
}

fn library(name: &str) -> Option<&'static str> {
    PATTERNS.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
}

impl Grok {
    pub fn new(pattern: &str) -> Result<Grok, String> {
        Grok::new_multi(&[pattern])
    }

    /// Several patterns: Elasticsearch's `Grok.combinePatterns` joins them as `(?:p1)|(?:p2)`,
    /// so the first that matches (at the leftmost position) extracts, and the columns are every
    /// pattern's names.
    pub fn new_multi(patterns: &[&str]) -> Result<Grok, String> {
        let mut columns: Vec<(String, Type)> = Vec::new();
        let mut groups = Vec::new();
        let mut parts = Vec::new();
        for pattern in patterns {
            parts.push(expand(pattern, &mut columns, &mut groups, 0)?);
        }
        let regex_text = match parts.as_slice() {
            [one] => one.clone(),
            _ => (parts.iter().map(|p| format!("(?:{p})")))
                .collect::<Vec<_>>()
                .join("|"),
        };
        let pattern = patterns.join("\", \"");
        let regex = regex::Regex::new(&regex_text)
            .map_err(|e| format!("invalid GROK pattern [{pattern}]: {e}"))?;
        // Elasticsearch lists GROK's new columns sorted by name.
        let mut order: Vec<usize> = (0..columns.len()).collect();
        order.sort_by(|a, b| columns[*a].0.cmp(&columns[*b].0));
        let mut remap = vec![0; columns.len()];
        for (new, old) in order.iter().enumerate() {
            remap[*old] = new;
        }
        let columns = order.iter().map(|i| columns[*i].clone()).collect();
        let groups = groups.into_iter().map(|(g, i)| (g, remap[i])).collect();
        Ok(Grok {
            regex,
            groups,
            columns,
        })
    }

    /// The extracted values per column (multivalues for repeated names), or `None` when the
    /// pattern does not match.
    pub fn extract(&self, text: &str) -> Option<Vec<Vec<Value>>> {
        let caps = self.regex.captures(text)?;
        let mut out = vec![Vec::new(); self.columns.len()];
        for (group, column) in &self.groups {
            if let Some(m) = caps.name(group) {
                let ty = self.columns[*column].1;
                let v = match ty {
                    Type::Integer => m.as_str().parse::<i32>().ok().map(Value::Integer),
                    Type::Long => m.as_str().parse::<i64>().ok().map(Value::Long),
                    Type::Double => m.as_str().parse::<f64>().ok().map(Value::Double),
                    Type::Boolean => Some(Value::Boolean(m.as_str().eq_ignore_ascii_case("true"))),
                    _ => Some(Value::str(m.as_str())),
                };
                out[*column].extend(v);
            }
        }
        Some(out)
    }
}

fn expand(
    pattern: &str,
    columns: &mut Vec<(String, Type)>,
    groups: &mut Vec<(String, usize)>,
    depth: usize,
) -> Result<String, String> {
    if depth > 20 {
        return Err("GROK pattern nests too deeply".into());
    }
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("%{") {
        literal(&rest[..start], depth, columns, groups, &mut out);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed %{{ in GROK pattern [{pattern}]"))?;
        let spec = &after[..end];
        rest = &after[end + 1..];
        let mut parts = spec.splitn(3, ':');
        let syntax = parts.next().unwrap_or("");
        let semantic = parts.next();
        let ty = parts.next();
        let body = library(syntax).ok_or_else(|| {
            format!("Unable to find pattern [{syntax}] in Grok's pattern dictionary")
        })?;
        // Only the outermost names become columns; nested names of library patterns are
        // dropped by expanding them with depth > 0 into unnamed groups.
        let inner = expand(body, &mut Vec::new(), &mut Vec::new(), depth + 1)?;
        match semantic.filter(|_| depth == 0) {
            Some(name) => {
                let ty = match ty {
                    Some("int") => Type::Integer,
                    Some("long") => Type::Long,
                    Some("float") | Some("double") => Type::Double,
                    Some("boolean") => Type::Boolean,
                    _ => Type::Keyword,
                };
                let column = match columns.iter().position(|(n, _)| n == name) {
                    Some(i) => i,
                    None => {
                        columns.push((name.to_string(), ty));
                        columns.len() - 1
                    }
                };
                let group = format!("g{}", groups.len());
                groups.push((group.clone(), column));
                out.push_str(&format!("(?P<{group}>{inner})"));
            }
            None => out.push_str(&format!("(?:{inner})")),
        }
    }
    literal(rest, depth, columns, groups, &mut out);
    Ok(out)
}

/// Copies regex text between `%{…}` references. At the top level, an Oniguruma named group
/// `(?<name>…)` (or `(?P<name>…)`) is a `keyword` column, as Elasticsearch's Grok makes it;
/// its name may hold characters a Rust group name cannot (`Esql.server`), so the group is
/// renamed like the `%{…}` ones. Escapes and character classes are skipped over, and
/// look-behind `(?<=`/`(?<!` is not a name.
fn literal(
    text: &str,
    depth: usize,
    columns: &mut Vec<(String, Type)>,
    groups: &mut Vec<(String, usize)>,
    out: &mut String,
) {
    let mut chars = text.char_indices().peekable();
    let mut in_class = false;
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '(' if !in_class && depth == 0 => {
                let after = &text[i + 1..];
                let open = ["?<", "?P<"]
                    .iter()
                    .find(|p| after.starts_with(**p) && !after[p.len()..].starts_with(['=', '!']));
                let named = open.and_then(|p| {
                    let name_start = p.len();
                    let len = after[name_start..].find('>')?;
                    Some((&after[name_start..name_start + len], name_start + len + 1))
                });
                match named {
                    Some((name, skip)) if !name.is_empty() => {
                        let column = match columns.iter().position(|(n, _)| n == name) {
                            Some(i) => i,
                            None => {
                                columns.push((name.to_string(), Type::Keyword));
                                columns.len() - 1
                            }
                        };
                        let group = format!("g{}", groups.len());
                        groups.push((group.clone(), column));
                        out.push_str(&format!("(?P<{group}>"));
                        for _ in 0..after[..skip].chars().count() {
                            chars.next();
                        }
                    }
                    _ => out.push(c),
                }
            }
            _ => out.push(c),
        }
    }
}

/// A compiled DISSECT pattern: `%{key}` fields separated by literal delimiters.
#[derive(Clone, Debug)]
pub struct Dissect {
    /// Text before the first key.
    prefix: String,
    keys: Vec<DissectKey>,
    pub columns: Vec<String>,
    append_separator: String,
}

#[derive(Clone, Debug)]
struct DissectKey {
    /// Output column, or `None` for skipped keys (`%{}`, `%{?x}`).
    column: Option<usize>,
    /// `%{a->}`: the following delimiter may repeat.
    right_pad: bool,
    /// The literal that follows the key (empty at the end).
    delimiter: String,
    /// `%{+name/2}`: where an appended value goes among the name's values (0 if unspecified).
    append_order: u32,
}

impl Dissect {
    pub fn new(pattern: &str, append_separator: &str) -> Result<Dissect, String> {
        let mut columns: Vec<String> = Vec::new();
        let mut keys = Vec::new();
        let first = pattern.find("%{").unwrap_or(pattern.len());
        let prefix = pattern[..first].to_string();
        let mut rest = &pattern[first..];
        while let Some(r) = rest.strip_prefix("%{") {
            let end = r
                .find('}')
                .ok_or_else(|| format!("Unable to parse pattern [{pattern}]"))?;
            let mut name = &r[..end];
            rest = &r[end + 1..];
            let next = rest.find("%{").unwrap_or(rest.len());
            let delimiter = rest[..next].to_string();
            rest = &rest[next..];
            let right_pad = name.ends_with("->");
            if right_pad {
                name = &name[..name.len() - 2];
            }
            let skip = name.is_empty() || name.starts_with('?');
            let append = name.starts_with('+');
            let mut name = name.trim_start_matches(['+', '&', '*']);
            let mut append_order = 0;
            if append {
                if let Some((n, order)) = name.rsplit_once('/') {
                    if let Ok(o) = order.parse() {
                        name = n;
                        append_order = o;
                    }
                }
            }
            let column = if skip {
                None
            } else {
                Some(match columns.iter().position(|c| c == name) {
                    Some(i) => i,
                    None => {
                        columns.push(name.to_string());
                        columns.len() - 1
                    }
                })
            };
            keys.push(DissectKey {
                column,
                right_pad,
                delimiter,
                append_order,
            });
        }
        Ok(Dissect {
            prefix,
            keys,
            columns,
            append_separator: append_separator.to_string(),
        })
    }

    /// The values per column, or `None` when the text does not fit the pattern.
    pub fn extract(&self, text: &str) -> Option<Vec<Option<String>>> {
        let mut rest = text.strip_prefix(self.prefix.as_str())?;
        let mut values: BTreeMap<usize, Vec<(u32, &str)>> = BTreeMap::new();
        for (i, key) in self.keys.iter().enumerate() {
            let last = i + 1 == self.keys.len();
            let (value, after) = if key.delimiter.is_empty() {
                if last {
                    (rest, "")
                } else {
                    return None;
                }
            } else {
                let at = rest.find(key.delimiter.as_str())?;
                let mut after = &rest[at + key.delimiter.len()..];
                if key.right_pad {
                    while let Some(a) = after.strip_prefix(key.delimiter.as_str()) {
                        after = a;
                    }
                }
                (&rest[..at], after)
            };
            if let Some(c) = key.column {
                values.entry(c).or_default().push((key.append_order, value));
            }
            rest = after;
        }
        Some(
            (0..self.columns.len())
                .map(|c| {
                    values.remove(&c).map(|mut parts| {
                        // Stable: equal orders keep the pattern's order.
                        parts.sort_by_key(|(order, _)| *order);
                        let parts: Vec<&str> = parts.into_iter().map(|(_, v)| v).collect();
                        parts.join(&self.append_separator)
                    })
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grok_basic_and_duplicate_names() {
        let g =
            Grok::new("%{TIMESTAMP_ISO8601:date} %{IP:ip} %{EMAILADDRESS:email} %{NUMBER:num:int}")
                .unwrap();
        let out = g
            .extract("2023-01-23T12:15:00.000Z 127.0.0.1 some.email@foo.com 42")
            .unwrap();
        let names: Vec<&str> = g.columns.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(names, ["date", "email", "ip", "num"]);
        assert_eq!(out[3], vec![Value::Integer(42)]);
        let d = Grok::new("%{WORD:zip_parts} %{WORD:zip_parts}").unwrap();
        assert_eq!(d.extract("CA 94108").unwrap()[0].len(), 2);
        assert!(d.extract("100-7014").is_none());
    }

    #[test]
    fn grok_named_captures_are_keyword_columns() {
        let g = Grok::new(r"(?i:https?)://(?:[^/@\s]+@)?(?<Esql.host>[a-z.]+)(?::(?P<port>\d+))?")
            .unwrap();
        let names: Vec<&str> = g.columns.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Esql.host", "port"]);
        let got = g.extract("HTTPS://u@example.org:8443/x").unwrap();
        assert_eq!(
            got,
            [vec![Value::str("example.org")], vec![Value::str("8443")]]
        );
        // Escaped parentheses and classes are not names; look-behind is not a name (and the
        // regex engine refuses it: a clear error, as for any pattern it cannot compile).
        let g = Grok::new(r"\(?<x>b\)[(?<y>]%{WORD:w}").unwrap();
        let names: Vec<&str> = g.columns.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["w"]);
        let e = Grok::new(r"(?<=a)b").unwrap_err();
        assert!(e.contains("look-around"), "{e}");
    }

    #[test]
    fn dissect_append_order_sorts_values_stably() {
        let d = Dissect::new("%{+a/2} %{+a} %{+a/1} %{b}", "-").unwrap();
        assert_eq!(
            d.extract("x y z w").unwrap(),
            [Some("y-z-x".to_string()), Some("w".to_string())],
            "unordered parts count as order 0"
        );
    }

    #[test]
    fn dissect_with_padding_and_append() {
        let d = Dissect::new("%{a} %{+a} %{b->} %{c}", ",").unwrap();
        let out = d.extract("x y z    w").unwrap();
        assert_eq!(
            out,
            vec![Some("x,y".into()), Some("z".into()), Some("w".into())]
        );
        assert!(d.extract("nope").is_none());
    }
}
