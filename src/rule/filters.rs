//! A rule's `filters` (Kibana's filter array) translated to KQL queries the KQL engine runs.
//!
//! Kibana's `getQueryFilter` builds the request as `buildEsQuery(query, filters)`: each enabled
//! filter's query DSL body is a `filter` clause ANDed with the rule's query, a `meta.negate`
//! filter becomes a `must_not` clause, and a `meta.disabled` one is dropped
//! (`kbn-es-query/src/es_query/from_filters.ts`). The body is what Elasticsearch runs; `meta`
//! (type, key, params) is only what Kibana's filter bar shows. The DSL forms Kibana's filter
//! builders write are translated to the KQL Kibana would compile to the same query:
//! `match_phrase` → `field:"value"` (KQL's quoted value is a `match_phrase`), `exists` →
//! `field:*`, `range` → `field >= a and field < b`, `bool` (`must`/`filter`/`should`/
//! `must_not`) → `and`/`or`/`not`, `match_all` → `*:*`. Anything else (`query_string`,
//! `term`, scripts, `minimum_should_match` other than 1) is an `E345` error naming the filter:
//! a filter rulegate ignored would change what the rule alerts on.

use crate::diagnostic::Diagnostic;
use crate::kql::{self, ast::Query};

/// Code of a filter rulegate cannot translate.
pub const E_FILTER: &str = "E345";
/// Code of a rule naming a data view (`data_view_id`) rulegate cannot resolve.
pub const E_DATA_VIEW: &str = "E346";
/// Filters nested deeper than this are refused (Kibana's builders nest two levels).
const MAX_FILTER_DEPTH: usize = 32;

/// One enabled filter: its position in `filters`, the KQL it reads as, and the parsed query.
#[derive(Clone, Debug)]
pub struct RuleFilter {
    pub position: usize,
    pub kql: String,
    pub query: Query,
}

/// The enabled filters of a rule's `filters` array, each as a KQL query (negated ones wrapped
/// in `not`). Disabled filters are skipped, as Kibana skips them.
pub fn translate(filters: &[toml::Value]) -> Result<Vec<RuleFilter>, Diagnostic> {
    let mut out = Vec::new();
    for (position, filter) in filters.iter().enumerate() {
        let fail = |why: String| {
            Diagnostic::error(E_FILTER, format!("`filters[{position}]`: {why}"))
                .with_help("rulegate runs the query DSL Kibana's filter builders write: match_phrase, exists, range, bool, match_all")
        };
        let table = filter
            .as_table()
            .ok_or_else(|| fail("a filter is a table".into()))?;
        let meta = table.get("meta").and_then(toml::Value::as_table);
        let flag = |key: &str| {
            meta.and_then(|m| m.get(key))
                .and_then(toml::Value::as_bool)
                .unwrap_or(false)
        };
        if flag("disabled") {
            continue;
        }
        let text = body_kql(table).map_err(fail)?;
        let text = if flag("negate") {
            format!("not ({text})")
        } else {
            text
        };
        let query = kql::parse(&text).map_err(|error| {
            fail(format!(
                "translated to `{text}`, which does not parse: {}",
                error.message
            ))
        })?;
        out.push(RuleFilter {
            position,
            kql: text,
            query,
        });
    }
    Ok(out)
}

/// The filter's query DSL body: `query` (today's filters), else the legacy top-level
/// `exists`/`range`/`match_phrase`/`bool` keys.
fn body_kql(table: &toml::Table) -> Result<String, String> {
    if let Some(query) = table.get("query") {
        return dsl(query, 0);
    }
    let legacy: toml::Table = table
        .iter()
        .filter(|(key, _)| !matches!(key.as_str(), "meta" | "$state"))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    if legacy.is_empty() {
        return Err("the filter has no `query` body".into());
    }
    dsl(&toml::Value::Table(legacy), 0)
}

/// One query DSL clause as KQL text.
fn dsl(clause: &toml::Value, depth: usize) -> Result<String, String> {
    if depth > MAX_FILTER_DEPTH {
        return Err(format!("nested more than {MAX_FILTER_DEPTH} levels deep"));
    }
    let table = clause
        .as_table()
        .ok_or_else(|| "a query clause is a table".to_string())?;
    let mut entries = table.iter();
    let (Some((kind, body)), None) = (entries.next(), entries.next()) else {
        return Err("a query clause has exactly one key (`match_phrase`, `bool`, …)".into());
    };
    match kind.as_str() {
        "match_phrase" => match_phrase(body),
        "exists" => {
            let field = body
                .get("field")
                .and_then(toml::Value::as_str)
                .ok_or("`exists` needs `field`")?;
            Ok(format!("{}:*", field_name(field)?))
        }
        "range" => range(body),
        "bool" => boolean(body, depth),
        "match_all" => Ok("*:*".into()),
        other => Err(format!(
            "`{other}` queries are not run by rulegate (only match_phrase, exists, range, bool, match_all)"
        )),
    }
}

fn single_field(body: &toml::Value, what: &str) -> Result<(String, toml::Value), String> {
    let table = body
        .as_table()
        .ok_or_else(|| format!("`{what}` is a table"))?;
    let mut entries = table.iter();
    match (entries.next(), entries.next()) {
        (Some((field, value)), None) => Ok((field.clone(), value.clone())),
        _ => Err(format!("`{what}` names exactly one field")),
    }
}

fn match_phrase(body: &toml::Value) -> Result<String, String> {
    let (field, value) = single_field(body, "match_phrase")?;
    let value = match &value {
        toml::Value::Table(t) => t
            .get("query")
            .cloned()
            .ok_or("`match_phrase` with options needs `query`")?,
        other => other.clone(),
    };
    Ok(format!("{}:{}", field_name(&field)?, quoted(&value)?))
}

fn range(body: &toml::Value) -> Result<String, String> {
    let (field, bounds) = single_field(body, "range")?;
    let bounds = bounds.as_table().ok_or("`range` bounds are a table")?;
    let field = field_name(&field)?;
    let mut parts = Vec::new();
    for (key, value) in bounds {
        let op = match key.as_str() {
            "gte" => ">=",
            "gt" => ">",
            "lte" => "<=",
            "lt" => "<",
            "format" | "time_zone" => {
                return Err(format!(
                "`range` with `{key}` is not run by rulegate (dates are read as ISO 8601 in UTC)"
            ))
            }
            other => {
                return Err(format!(
                    "`range` bound `{other}` is not one of gte, gt, lte, lt"
                ))
            }
        };
        parts.push(format!("{field} {op} {}", quoted(value)?));
    }
    if parts.is_empty() {
        return Err("`range` has no bound".into());
    }
    Ok(parts.join(" and "))
}

/// `bool`: `must` and `filter` clauses all hold, `must_not` ones none, and `should` at least
/// one when there is no `must`/`filter` or `minimum_should_match` is 1 (Elasticsearch's rule;
/// otherwise `should` only scores and does not filter).
fn boolean(body: &toml::Value, depth: usize) -> Result<String, String> {
    let table = body.as_table().ok_or("`bool` is a table")?;
    let list = |key: &str| -> Result<Vec<String>, String> {
        match table.get(key) {
            None => Ok(Vec::new()),
            Some(toml::Value::Array(items)) => items.iter().map(|c| dsl(c, depth + 1)).collect(),
            Some(one) => Ok(vec![dsl(one, depth + 1)?]),
        }
    };
    for key in table.keys() {
        if !matches!(
            key.as_str(),
            "must" | "filter" | "should" | "must_not" | "minimum_should_match"
        ) {
            return Err(format!("`bool.{key}` is not run by rulegate"));
        }
    }
    let mut required: Vec<String> = list("must")?;
    required.extend(list("filter")?);
    let should = list("should")?;
    let minimum = match table.get("minimum_should_match") {
        None => None,
        Some(toml::Value::Integer(n)) => Some(*n),
        Some(toml::Value::String(s)) if s.parse::<i64>().is_ok() => s.parse::<i64>().ok(),
        Some(other) => {
            return Err(format!(
                "`minimum_should_match = {other}` is not run by rulegate"
            ))
        }
    };
    match minimum {
        None | Some(0) | Some(1) => {}
        Some(n) => {
            return Err(format!(
                "`minimum_should_match = {n}` is not run by rulegate"
            ))
        }
    }
    let should_filters = minimum == Some(1) || (minimum.is_none() && required.is_empty());
    if should_filters {
        if should.is_empty() && minimum == Some(1) {
            // No clause can satisfy a minimum of one: nothing matches.
            return Ok("not *:*".into());
        }
        if !should.is_empty() {
            let any: Vec<String> = should.iter().map(|c| format!("({c})")).collect();
            required.push(any.join(" or "));
        }
    }
    required.extend(list("must_not")?.iter().map(|c| format!("not ({c})")));
    if required.is_empty() {
        return Ok("*:*".into());
    }
    Ok(required
        .iter()
        .map(|c| format!("({c})"))
        .collect::<Vec<_>>()
        .join(" and "))
}

/// A field name KQL reads literally (no wildcard, nothing to escape).
fn field_name(field: &str) -> Result<String, String> {
    let plain = !field.is_empty()
        && field
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'));
    if plain {
        Ok(field.to_string())
    } else {
        Err(format!(
            "field name `{field}` is not one rulegate reads literally"
        ))
    }
}

/// A DSL value as a quoted KQL value (quoted: no wildcard, the value as written).
fn quoted(value: &toml::Value) -> Result<String, String> {
    let text = match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => {
            return Err(format!(
                "value `{other}` is not a string, number or boolean"
            ))
        }
    };
    Ok(format!(
        "\"{}\"",
        text.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}
