//! One request as the scenario DSL writes it (a Kubernetes audit request, or an event of a
//! generic data stream), seen as the fields an EQL query reads: the slots a step or actor sets,
//! a request that satisfies an event query (found by a small solver and confirmed by the
//! engine), and the document the DSL's request becomes.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::streams::{Stream, TOKEN_CLAIMS, VALUE_SEPARATOR};
use crate::eql::ast::{CompareOp, Expr, ExprKind, Literal, MatchOp};

/// What kind of document a request is: a Kubernetes audit request, or an event of a generic
/// data stream (written by a generic event step).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Source {
    #[default]
    Audit,
    Event(&'static Stream),
}

/// A value of the request the DSL writes, by the ECS field(s) it becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Slot {
    Verb,
    Resource,
    Subresource,
    Namespace,
    Name,
    Stage,
    Level,
    Decision,
    RequestUri,
    Username,
    Group,
    /// A claim of the service-account token in `kubernetes.audit.user.extra`.
    Extra(&'static str),
    /// A field of a generic data stream's event.
    Event(&'static Stream, &'static str),
}

pub const DECISION_FIELD: &str = "kubernetes.audit.annotations.authorization_k8s_io/decision";

impl Slot {
    /// The slot a field of the query reads, if the DSL writes it.
    pub fn of(field: &str) -> Option<Slot> {
        Some(match field {
            "kubernetes.audit.verb" | "event.action" => Slot::Verb,
            "kubernetes.audit.objectRef.resource" => Slot::Resource,
            "kubernetes.audit.objectRef.subresource" => Slot::Subresource,
            "kubernetes.audit.objectRef.namespace" => Slot::Namespace,
            "kubernetes.audit.objectRef.name" => Slot::Name,
            "kubernetes.audit.stage" => Slot::Stage,
            "kubernetes.audit.level" => Slot::Level,
            DECISION_FIELD => Slot::Decision,
            "kubernetes.audit.requestURI" => Slot::RequestUri,
            "user.name" | "kubernetes.audit.user.username" => Slot::Username,
            "kubernetes.audit.user.groups" => Slot::Group,
            _ => {
                let claim = field.strip_prefix("kubernetes.audit.user.extra.")?;
                return TOKEN_CLAIMS
                    .iter()
                    .find(|c| **c == claim)
                    .map(|c| Slot::Extra(c));
            }
        })
    }

    /// The slot a field reads in a document of `source`, if the DSL writes it there.
    pub fn in_source(field: &str, source: Source) -> Option<Slot> {
        match source {
            Source::Audit => Slot::of(field),
            Source::Event(stream) => stream.field(field).map(|f| Slot::Event(stream, f)),
        }
    }

    /// Whether the slot is an array field of a generic event.
    pub fn is_array(self) -> bool {
        matches!(self, Slot::Event(stream, field) if stream.is_array(field))
    }

    /// Whether the slot is a boolean field of a generic event (`process.interactive`).
    pub fn boolean(self) -> bool {
        match self {
            Slot::Event(stream, field) => {
                matches!(stream.default_value(field), Some(Value::Bool(_)))
            }
            _ => false,
        }
    }

    /// The values the DSL accepts, when it accepts only some (the API server writes no others).
    pub fn allowed(self) -> Option<&'static [&'static str]> {
        match self {
            Slot::Stage => Some(&[
                "ResponseComplete",
                "ResponseStarted",
                "RequestReceived",
                "Panic",
            ]),
            Slot::Level => Some(&["Metadata", "Request", "RequestResponse"]),
            Slot::Decision => Some(&["allow", "forbid"]),
            Slot::Event(stream, field) => stream.allowed(field),
            _ => None,
        }
    }

    /// Whether a request can lack the field (a cluster-scoped or collection request, no
    /// subresource, no authorisation annotation).
    pub fn optional(self) -> bool {
        matches!(
            self,
            Slot::Subresource | Slot::Namespace | Slot::Name | Slot::Decision | Slot::Extra(_)
        ) || matches!(self, Slot::Event(stream, field) if stream.is_identity(field))
    }

    /// Whether a value the DSL would refuse (E608) or the API server never writes.
    pub fn writable(self, value: &str) -> bool {
        match (self.allowed(), self) {
            (Some(values), _) => values.contains(&value),
            (None, Slot::RequestUri) => value.starts_with('/'),
            // The verb comes from the HTTP method: always lower-case.
            (None, Slot::Verb) => !value.is_empty() && value == value.to_lowercase(),
            (None, Slot::Resource | Slot::Username | Slot::Extra(_)) => !value.is_empty(),
            // A boolean field holds `true` or `false` only.
            (None, Slot::Event(..)) if self.boolean() => value == "true" || value == "false",
            _ => true,
        }
    }

    fn default_value(self) -> Option<&'static str> {
        Some(match self {
            Slot::Verb => "get",
            Slot::Resource => "configmaps",
            Slot::Subresource => return None,
            Slot::Namespace => "default",
            Slot::Name => "edge-object",
            Slot::Stage => "ResponseComplete",
            Slot::Level => "Metadata",
            Slot::Decision => "allow",
            Slot::RequestUri => return None,
            Slot::Username => "system:serviceaccount:edge:prober",
            Slot::Group => "system:authenticated",
            Slot::Extra(_) | Slot::Event(..) => return None,
        })
    }
}

/// A request: each slot's value (`None`: the field is absent). The request URI, when not set,
/// is the one the API server builds from the object reference.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub values: BTreeMap<Slot, Option<String>>,
    pub source: Source,
}

impl Request {
    pub fn get(&self, slot: Slot) -> Option<&str> {
        self.values.get(&slot).and_then(|v| v.as_deref())
    }

    pub fn set(&mut self, slot: Slot, value: Option<String>) {
        self.values.insert(slot, value);
    }

    /// The API group the request's resource belongs to.
    pub fn api_group(&self) -> &'static str {
        match self.get(Slot::Resource).unwrap_or("") {
            "roles" | "clusterroles" | "rolebindings" | "clusterrolebindings" => {
                "rbac.authorization.k8s.io"
            }
            "deployments" | "daemonsets" | "statefulsets" | "replicasets" => "apps",
            "cronjobs" | "jobs" => "batch",
            _ => "",
        }
    }

    /// The request URI the API server logs: the one set, else built as the DSL builds it.
    pub fn request_uri(&self) -> String {
        if let Some(uri) = self.get(Slot::RequestUri) {
            return uri.to_string();
        }
        let group = self.api_group();
        let mut uri = if group.is_empty() {
            "/api/v1".to_string()
        } else {
            format!("/apis/{group}/v1")
        };
        if let Some(ns) = self.get(Slot::Namespace) {
            uri.push_str(&format!("/namespaces/{ns}"));
        }
        uri.push_str(&format!("/{}", self.get(Slot::Resource).unwrap_or("")));
        if let Some(name) = self.get(Slot::Name) {
            uri.push_str(&format!("/{name}"));
        }
        if let Some(sub) = self.get(Slot::Subresource) {
            uri.push_str(&format!("/{sub}"));
        }
        uri
    }

    /// Whether the request is one the API server could log: a request URI set by hand names
    /// the same namespace as the object reference (the server takes the reference from the
    /// path), and none when the reference has none.
    pub fn consistent(&self) -> bool {
        let Some(uri) = self.get(Slot::RequestUri) else {
            return true;
        };
        let path = uri.split('?').next().unwrap_or("");
        let in_path = path
            .split('/')
            .skip_while(|part| *part != "namespaces")
            .nth(1)
            .filter(|ns| !ns.is_empty());
        in_path == self.get(Slot::Namespace)
    }

    /// The document (the fields EQL queries of Kubernetes rules read) the DSL writes for this
    /// request at `millis`.
    pub fn document(&self, millis: i64) -> Value {
        if let Source::Event(stream) = self.source {
            return self.event_document(stream, millis);
        }
        let mut audit = Map::new();
        let put = |map: &mut Map<String, Value>, path: &[&str], value: Value| {
            let mut at = map;
            for part in &path[..path.len() - 1] {
                at = at
                    .entry(part.to_string())
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .expect("built as objects");
            }
            at.insert(path[path.len() - 1].to_string(), value);
        };
        let text = |slot: Slot| self.get(slot).map(|v| json!(v));
        for (slot, path) in [
            (Slot::Verb, &["verb"][..]),
            (Slot::Stage, &["stage"]),
            (Slot::Level, &["level"]),
            (Slot::Resource, &["objectRef", "resource"]),
            (Slot::Subresource, &["objectRef", "subresource"]),
            (Slot::Namespace, &["objectRef", "namespace"]),
            (Slot::Name, &["objectRef", "name"]),
            (
                Slot::Decision,
                &["annotations", "authorization_k8s_io/decision"],
            ),
            (Slot::Username, &["user", "username"]),
        ] {
            if let Some(value) = text(slot) {
                put(&mut audit, path, value);
            }
        }
        put(&mut audit, &["requestURI"], json!(self.request_uri()));
        if let Some(group) = self.get(Slot::Group) {
            put(&mut audit, &["user", "groups"], json!([group]));
        }
        let extra: Map<String, Value> = self
            .values
            .iter()
            .filter_map(|(slot, value)| match (slot, value) {
                (Slot::Extra(claim), Some(v)) => Some((claim.to_string(), json!([v]))),
                _ => None,
            })
            .collect();
        if !extra.is_empty() {
            put(&mut audit, &["user", "extra"], Value::Object(extra));
        }
        let mut doc = json!({
            "@timestamp": millis,
            "event": { "ingested": millis },
            "data_stream": { "dataset": "kubernetes.audit_logs" },
            "kubernetes": { "audit": Value::Object(audit) },
        });
        if let Some(user) = self.get(Slot::Username) {
            doc["user"] = json!({ "name": user });
        }
        doc
    }

    /// Every slot set, with the defaults filled in (absent optional slots stay absent).
    pub fn completed(mut self) -> Request {
        if self.source != Source::Audit {
            return self;
        }
        for slot in [
            Slot::Verb,
            Slot::Resource,
            Slot::Namespace,
            Slot::Name,
            Slot::Stage,
            Slot::Level,
            Slot::Decision,
            Slot::Username,
            Slot::Group,
        ] {
            self.values
                .entry(slot)
                .or_insert_with(|| slot.default_value().map(str::to_string));
        }
        if matches!(
            self.get(Slot::Resource),
            Some("clusterroles" | "clusterrolebindings" | "nodes" | "namespaces")
        ) && !self.values.contains_key(&Slot::Namespace)
        {
            self.set(Slot::Namespace, None);
        }
        self
    }
}

/// One comparison of a slot with constants, as the query writes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Atom {
    pub slot: Slot,
    pub field: String,
    pub kind: AtomKind,
    /// The constants (values, or patterns with `*`/`?`).
    pub values: Vec<String>,
    pub insensitive: bool,
    /// Source text of the comparison.
    pub text: String,
}

impl Atom {
    /// Whether the atom compares a boolean field (`process.interactive == true`).
    pub fn boolean(&self) -> bool {
        self.slot.boolean()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtomKind {
    /// `==`, `in`, `:` without wildcards.
    Equals,
    /// `like`, or `:` with a `*`.
    Pattern,
    /// `field == null`.
    IsNull,
}

/// The atom an expression is, if it compares one DSL-written field with constants (a negated
/// `!=` / `not in` is returned with `negated = true`).
pub fn atom(e: &Expr, text: &str, source: Source) -> Option<(Atom, bool)> {
    let field_slot = |e: &Expr| match &e.kind {
        ExprKind::Field(f) => Slot::in_source(&f.name, source).map(|slot| (slot, f.name.clone())),
        _ => None,
    };
    let source = e.span.slice(text).to_string();
    let make = |(slot, field): (Slot, String), kind, values, insensitive| Atom {
        slot,
        field,
        kind,
        values,
        insensitive,
        text: source.clone(),
    };
    match &e.kind {
        ExprKind::Compare(op @ (CompareOp::Eq | CompareOp::NotEq), a, b) => {
            let (field, lit) = match (field_slot(a), &b.kind, field_slot(b), &a.kind) {
                (Some(f), ExprKind::Literal(l), _, _) | (_, _, Some(f), ExprKind::Literal(l)) => {
                    (f, l)
                }
                _ => return None,
            };
            let negated = *op == CompareOp::NotEq;
            match lit {
                Literal::Null => Some((make(field, AtomKind::IsNull, vec![], false), negated)),
                Literal::String(s) => Some((
                    make(field, AtomKind::Equals, vec![s.clone()], false),
                    negated,
                )),
                Literal::Bool(b) if field.0.boolean() => Some((
                    make(field, AtomKind::Equals, vec![b.to_string()], false),
                    negated,
                )),
                _ => None,
            }
        }
        ExprKind::In {
            value,
            list,
            negated,
            insensitive,
        } => {
            let field = field_slot(value)?;
            let values = list
                .iter()
                .map(|item| match &item.kind {
                    ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some((
                make(field, AtomKind::Equals, values, *insensitive),
                *negated,
            ))
        }
        ExprKind::Match {
            value,
            op,
            insensitive,
            patterns,
        } => {
            let field = field_slot(value)?;
            let values: Vec<String> = patterns.iter().map(|p| p.text.clone()).collect();
            let kind = match op {
                MatchOp::Regex => return None,
                MatchOp::Like => AtomKind::Pattern,
                MatchOp::Colon if values.iter().any(|v| v.contains('*')) => AtomKind::Pattern,
                MatchOp::Colon => AtomKind::Equals,
            };
            Some((
                make(field, kind, values, *insensitive || *op == MatchOp::Colon),
                false,
            ))
        }
        _ => None,
    }
}

/// A value matching a pattern: each `*` filled with `edge`; a `?` (any one character for
/// `like`, itself for `:`) stays `?`, as in the request URIs the patterns are written after.
pub fn fill(pattern: &str) -> String {
    pattern.replace('*', "edge")
}

/// The values of an atom a request can take to make it true.
fn satisfying(atom: &Atom) -> Vec<Option<String>> {
    match atom.kind {
        AtomKind::IsNull => vec![None],
        AtomKind::Equals => atom.values.iter().cloned().map(Some).collect(),
        AtomKind::Pattern => atom
            .values
            .iter()
            .map(|p| Some(match_all_default(atom.slot, p).unwrap_or_else(|| fill(p))))
            .collect(),
    }
}

/// A pattern of `*` only (`container.id like "*"`: the field exists) takes the template's own
/// value, a real container id, rather than a filled pattern.
fn match_all_default(slot: Slot, pattern: &str) -> Option<String> {
    let Slot::Event(stream, field) = slot else {
        return None;
    };
    if pattern.is_empty() || pattern.chars().any(|c| c != '*') {
        return None;
    }
    match stream.default_value(field)? {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// Solver state: the slots fixed so far.
#[derive(Clone, Debug, Default)]
pub struct Solver {
    pub request: Request,
}

impl Solver {
    fn assign(&mut self, slot: Slot, value: Option<String>) -> bool {
        match self.request.values.get(&slot) {
            // An array field takes one more value (`process.args` holding both a listed
            // utility and an excluded helper).
            Some(Some(current)) if slot.is_array() && value.is_some() => {
                let value = value.expect("checked");
                let held = current.split(VALUE_SEPARATOR).any(|v| v == value);
                if !held && slot.writable(&value) {
                    let joined = format!("{current}{VALUE_SEPARATOR}{value}");
                    self.request.set(slot, Some(joined));
                }
                true
            }
            Some(current) => *current == value,
            None => {
                let ok = match &value {
                    Some(v) => slot.writable(v),
                    None => slot.optional(),
                };
                if ok {
                    self.request.set(slot, value);
                }
                ok
            }
        }
    }

    /// Tries to make `e` evaluate to `want`, fixing slots; best effort (the engine confirms).
    pub fn satisfy(&mut self, e: &Expr, want: bool, text: &str) -> bool {
        match &e.kind {
            ExprKind::Not(inner) => self.satisfy(inner, !want, text),
            ExprKind::And(a, b) if want => {
                self.satisfy(a, true, text) && self.satisfy(b, true, text)
            }
            ExprKind::Or(a, b) if !want => {
                self.satisfy(a, false, text) && self.satisfy(b, false, text)
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                for side in [a, b] {
                    let mut attempt = self.clone();
                    if attempt.satisfy(side, want, text) {
                        *self = attempt;
                        return true;
                    }
                }
                false
            }
            _ => match atom(e, text, self.request.source) {
                Some((atom, negated)) if want != negated => {
                    satisfying(&atom).into_iter().any(|value| {
                        let mut attempt = self.clone();
                        let ok = attempt.assign(atom.slot, value);
                        if ok {
                            *self = attempt;
                        }
                        ok
                    })
                }
                // Made false by any value but its own: left to the defaults, which the
                // engine then checks.
                _ => true,
            },
        }
    }
}
