//! Validation of actors, personas and requests: the diagnostics context and the checks that turn
//! their TOML fields into typed values.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use toml::Spanned;

use super::dsl::{ActivityFields, ActorFields};
use super::duration::{parse_duration, parse_range, DurationRange};
use super::{Activity, Decision, Impersonation, Stage};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::span::Span;

/// Names made by `count` are built when the scenario loads: this bounds their memory.
const MAX_NAMES: u64 = 1_000_000;

/// An actor or persona after validation; `None` fields are inherited.
#[derive(Clone, Debug, Default)]
pub(super) struct ActorSpec {
    pub username: Option<String>,
    pub uid: Option<String>,
    pub groups: Option<Vec<String>>,
    pub extra: Option<BTreeMap<String, Vec<String>>>,
    pub impersonate: Option<Impersonation>,
    pub source_ips: Option<Vec<Vec<String>>>,
    pub user_agents: Option<Vec<Option<String>>>,
    pub reason: Option<String>,
    pub activity: Option<Vec<Activity>>,
    pub identity: Option<BTreeMap<String, String>>,
}

impl ActorSpec {
    pub fn overlay(&mut self, other: ActorSpec) {
        macro_rules! take {
            ($($field:ident),*) => { $( if other.$field.is_some() { self.$field = other.$field; } )* };
        }
        take!(
            username,
            uid,
            groups,
            extra,
            impersonate,
            source_ips,
            user_agents,
            reason,
            activity,
            identity
        );
    }
}

/// Collects diagnostics for one file.
pub(super) struct Ctx {
    pub file: Arc<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
    /// Actors already reported as broken: later references to them stay quiet (no cascades).
    pub broken_actors: Vec<String>,
}

impl Ctx {
    pub fn new(file: &Arc<SourceFile>) -> Ctx {
        Ctx {
            file: Arc::clone(file),
            diagnostics: Vec::new(),
            broken_actors: Vec::new(),
        }
    }

    pub fn error(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Range<usize>,
        label: &str,
    ) -> &mut Diagnostic {
        self.diagnostics.push(
            Diagnostic::error(code, message)
                .in_file(&self.file)
                .with_label(Span::new(span.start, span.end), label),
        );
        self.diagnostics.last_mut().expect("just pushed")
    }

    pub fn finish<T>(self, value: T) -> Result<T, Vec<Diagnostic>> {
        if self.diagnostics.is_empty() {
            Ok(value)
        } else {
            Err(self.diagnostics)
        }
    }

    pub fn duration(&mut self, value: &Spanned<String>) -> Option<i64> {
        let parsed = parse_duration(value.get_ref());
        if parsed.is_none() {
            self.error(
                "E605",
                format!("`{}` is not a duration", value.get_ref()),
                value.span(),
                "expected e.g. `90s`, `4m30s`, `+250ms`",
            )
            .help = Some("units: ns, us, ms, s, m, h, d; a leading `+` is allowed".into());
        }
        parsed
    }

    pub fn range(&mut self, value: &Option<Spanned<String>>) -> Option<DurationRange> {
        let value = value.as_ref()?;
        let parsed = parse_range(value.get_ref());
        if parsed.is_none() {
            self.error(
                "E605",
                format!("`{}` is not a duration or range", value.get_ref()),
                value.span(),
                "expected e.g. `2s` or `1s..30s`",
            );
        }
        parsed
    }

    pub fn count(&mut self, value: &Spanned<i64>, what: &str, min: i64) -> Option<u64> {
        let n = *value.get_ref();
        if n < min {
            self.error(
                "E606",
                format!("{what} must be at least {min}, not {n}"),
                value.span(),
                "out of range",
            );
            return None;
        }
        Some(n as u64)
    }

    pub fn ips(&mut self, list: &[String], span: Range<usize>) -> Vec<String> {
        for ip in list {
            if ip.parse::<std::net::IpAddr>().is_err() {
                self.error(
                    "E608",
                    format!("`{ip}` is not an IP address"),
                    span.clone(),
                    "in this list",
                )
                .help = Some(
                    "IPv4 (`10.0.0.1`), IPv6 (`::1`) or IPv4-mapped (`::ffff:127.0.0.1`)".into(),
                );
            }
        }
        list.to_vec()
    }

    pub fn actor_spec(&mut self, fields: &ActorFields) -> ActorSpec {
        let source_ips = match (&fields.rotate_source_ips, &fields.source_ips) {
            (Some(rotation), _) => {
                if rotation.get_ref().is_empty() || rotation.get_ref().iter().any(Vec::is_empty) {
                    self.error(
                        "E606",
                        "`rotate_source_ips` needs non-empty IP lists",
                        rotation.span(),
                        "",
                    );
                }
                Some(
                    rotation
                        .get_ref()
                        .iter()
                        .map(|list| self.ips(list, rotation.span()))
                        .collect(),
                )
            }
            (None, Some(list)) => {
                if list.get_ref().is_empty() {
                    self.error("E606", "`source_ips` needs at least one IP (the API server always records the peer)", list.span(), "");
                }
                Some(vec![self.ips(list.get_ref(), list.span())])
            }
            (None, None) => None,
        };
        // An empty user agent is a request without one (the API server then omits `userAgent`).
        let agent = |ua: &String| (!ua.is_empty()).then(|| ua.clone());
        let user_agents = match (&fields.user_agents, &fields.user_agent) {
            (Some(list), _) if !list.is_empty() => Some(list.iter().map(agent).collect()),
            (_, Some(ua)) => Some(vec![agent(ua)]),
            _ => None,
        };
        let activity = fields.activity.as_ref().map(|list| {
            list.iter()
                .filter_map(|a| self.activity(a.get_ref(), a.span()))
                .collect()
        });
        ActorSpec {
            username: fields.username.clone(),
            uid: fields.uid.clone(),
            groups: fields.groups.clone(),
            extra: fields.extra.clone(),
            impersonate: fields.impersonate.as_ref().map(|i| Impersonation {
                username: i.username.clone(),
                groups: i.groups.clone(),
            }),
            source_ips,
            user_agents,
            reason: fields.reason.clone(),
            activity,
            identity: fields
                .identity
                .as_ref()
                .and_then(|identity| super::identity::check(self, identity)),
        }
    }

    /// A pool of names: the list as written, or `count` names made from `pattern` (its `{n}`
    /// runs 1..=count; `default_pattern` without one); empty when neither is given. Shared by
    /// Kubernetes requests (`names`/`count`/`name_pattern`) and generic event draws.
    pub fn names(
        &mut self,
        list: Option<&Vec<String>>,
        count: Option<&Spanned<i64>>,
        pattern: Option<&Spanned<String>>,
        default_pattern: &str,
    ) -> Option<Vec<String>> {
        let count = match (list, count) {
            (Some(list), _) => return Some(list.clone()),
            (None, None) => return Some(Vec::new()),
            (None, Some(count)) => count,
        };
        let n = self.count(count, "`count`", 0)?;
        if n > MAX_NAMES {
            self.error(
                "E610",
                format!("`count` is at most {MAX_NAMES}, not {n}"),
                count.span(),
                "too many names",
            )
            .help = Some("the names are built up front; list fewer".into());
            return None;
        }
        let pattern_text = pattern
            .map(|p| p.get_ref().as_str())
            .unwrap_or(default_pattern);
        if !pattern_text.contains("{n}") {
            let at = pattern.map(Spanned::span).unwrap_or(count.span());
            self.error(
                "E608",
                "`name_pattern` must contain `{n}`",
                at,
                "no `{n}` here",
            );
        }
        Some(
            (1..=n)
                .map(|i| pattern_text.replace("{n}", &i.to_string()))
                .collect(),
        )
    }

    pub fn activity(&mut self, a: &ActivityFields, span: Range<usize>) -> Option<Activity> {
        let (Some(verb), Some(resource)) = (&a.verb, &a.resource) else {
            self.error(
                "E606",
                "a request needs both `verb` and `resource`",
                span,
                "here",
            );
            return None;
        };
        let namespaces = match (&a.namespaces, &a.namespace) {
            (Some(list), _) => list.clone(),
            (None, Some(one)) => vec![one.clone()],
            (None, None) => Vec::new(),
        };
        let names = self.names(
            a.names.as_ref(),
            a.count.as_ref(),
            a.name_pattern.as_ref(),
            "secret-{n}",
        )?;
        let decision = self.decision(a);
        let code = self.status_code(a, decision, verb.get_ref());
        let stages = self.stages(a);
        let weight = match &a.weight {
            Some(w) => self.count(w, "`weight`", 1)? as u32,
            None => 1,
        };
        let api_group = a.api_group.clone().unwrap_or_default();
        let request_object = self.request_object(a, span)?;
        let request_uri = self.request_uri(a);
        Some(Activity {
            verb: verb.get_ref().clone(),
            resource: resource.get_ref().clone(),
            api_version: a.api_version.clone().unwrap_or_else(|| "v1".into()),
            api_group,
            subresource: a.subresource.clone().unwrap_or_default(),
            namespaces,
            names,
            decision,
            code,
            stages,
            weight,
            request_object,
            request_uri,
        })
    }

    /// The request's authorization decision (`allow` when not given).
    fn decision(&mut self, a: &ActivityFields) -> Decision {
        match a
            .decision
            .as_ref()
            .map(|d| (d.get_ref().as_str(), d.span()))
        {
            None | Some(("allow", _)) => Decision::Allow,
            Some(("forbid", _)) => Decision::Forbid,
            Some(("none", _)) => Decision::None,
            Some((other, at)) => {
                self.error(
                    "E608",
                    format!("decision must be `allow`, `forbid` or `none`, not `{other}`"),
                    at,
                    "",
                );
                Decision::Allow
            }
        }
    }

    /// The response's HTTP status code; by default 403 for a forbidden request, 201 for a
    /// `create`, else 200.
    fn status_code(&mut self, a: &ActivityFields, decision: Decision, verb: &str) -> u16 {
        match &a.code {
            Some(code) => {
                let c = *code.get_ref();
                if !(100..=599).contains(&c) {
                    self.error(
                        "E606",
                        format!("`{c}` is not an HTTP status code"),
                        code.span(),
                        "expected 100..599",
                    );
                }
                c as u16
            }
            None if decision == Decision::Forbid => 403,
            None if verb == "create" => 201,
            None => 200,
        }
    }

    /// The audit stages logged, in order, once each (`ResponseComplete` when none is given).
    fn stages(&mut self, a: &ActivityFields) -> Vec<Stage> {
        let mut stages = Vec::new();
        let stage_list: Vec<&Spanned<String>> = match (&a.stages, &a.stage) {
            (Some(list), _) => list.iter().collect(),
            (None, Some(one)) => vec![one],
            (None, None) => Vec::new(),
        };
        for stage in stage_list {
            match Stage::NAMES.iter().position(|n| n == stage.get_ref()) {
                Some(i) => stages.push(
                    [
                        Stage::RequestReceived,
                        Stage::ResponseStarted,
                        Stage::ResponseComplete,
                        Stage::Panic,
                    ][i],
                ),
                None => {
                    self.error(
                        "E608",
                        format!("unknown audit stage `{}`", stage.get_ref()),
                        stage.span(),
                        "",
                    )
                    .help = Some(format!("stages: {}", Stage::NAMES.join(", ")));
                }
            }
        }
        if stages.is_empty() {
            stages.push(Stage::ResponseComplete);
        }
        stages.sort();
        stages.dedup();
        stages
    }

    /// The request's object as JSON; `None` (an error) when it nests too deep.
    fn request_object(
        &mut self,
        a: &ActivityFields,
        span: Range<usize>,
    ) -> Option<Option<serde_json::Value>> {
        Some(match &a.request_object {
            Some(table) => match table_to_json(table, 0) {
                Some(value) => Some(value),
                None => {
                    self.error(
                        "E606",
                        format!("`request_object` is nested deeper than {MAX_OBJECT_DEPTH} levels"),
                        span.clone(),
                        "in this request",
                    );
                    return None;
                }
            },
            None => None,
        })
    }

    /// The request's URI, which must be a path.
    fn request_uri(&mut self, a: &ActivityFields) -> Option<String> {
        match &a.request_uri {
            Some(uri) if !uri.get_ref().starts_with('/') => {
                self.error(
                    "E608",
                    format!("`request_uri` must start with `/`, not `{}`", uri.get_ref()),
                    uri.span(),
                    "a path as the client sent it",
                );
                None
            }
            Some(uri) => Some(uri.get_ref().clone()),
            None => None,
        }
    }
}

/// How deep a step's `request_object` may nest (the document depth limit of inputs).
const MAX_OBJECT_DEPTH: usize = 20;

/// A TOML table as the JSON the API server logs (datetimes as their RFC 3339 text); `None`
/// when it nests deeper than [`MAX_OBJECT_DEPTH`].
fn table_to_json(table: &toml::Table, depth: usize) -> Option<serde_json::Value> {
    if depth >= MAX_OBJECT_DEPTH {
        return None;
    }
    let mut object = serde_json::Map::new();
    for (key, value) in table {
        object.insert(key.clone(), toml_to_json(value, depth + 1)?);
    }
    Some(serde_json::Value::Object(object))
}

fn toml_to_json(value: &toml::Value, depth: usize) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    Some(match value {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => {
            if depth >= MAX_OBJECT_DEPTH {
                return None;
            }
            J::Array(
                items
                    .iter()
                    .map(|item| toml_to_json(item, depth + 1))
                    .collect::<Option<_>>()?,
            )
        }
        toml::Value::Table(table) => table_to_json(table, depth)?,
    })
}
