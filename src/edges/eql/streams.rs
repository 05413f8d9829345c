//! The data the EQL edge generator writes: Kubernetes audit requests and the generic data
//! streams it knows a document shape for, and the one table saying which DSL setting writes
//! each field a request can carry (so a `by` field becomes an actor's user name, token claim
//! or identity field, whichever side of the join it is on).

use serde_json::Value;

/// A data stream the DSL writes with generic event steps, in the shape its integration indexes
/// (the fields of the hand-written Defend for Containers scenarios, `docs/scenarios.md`).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stream {
    /// `data_stream.dataset`, the step's `dataset`.
    pub dataset: &'static str,
    /// `event.category`'s one value, as the EQL query's category names it.
    pub category: &'static str,
    /// The fields that say who the actor is (its `identity`), with their default values.
    pub identity: &'static [(&'static str, &'static str)],
    /// The template: every other field the generator writes, as JSON text. A query may set
    /// any of them; those it leaves keep these values. The integration writes every one of
    /// them on every event; only identity fields can be missing (a process outside a pod).
    pub template: &'static [(&'static str, &'static str)],
    /// Fields with the only values the integration writes (ECS's allowed `event.type` values
    /// for the stream, Defend for Containers' actions, `linux`): others are not written.
    pub allowed: &'static [(&'static str, &'static [&'static str])],
}

/// A container's identity on a Defend for Containers event: the pod name is the join key.
const CONTAINER_IDENTITY: &[(&str, &str)] = &[
    (
        "container.id",
        "3f1d9c0b7a52e8f4c6d1b0a9e7f3c2d18b5a4e6f7c9d0e1f2a3b4c5d6e7f8091",
    ),
    ("orchestrator.resource.name", "edge-pod"),
];

/// What Defend for Containers writes on every event of a pod's container.
macro_rules! container_fields {
    ($($extra:expr),* $(,)?) => {
        &[
            ("host.os.type", "\"linux\""),
            ("host.os.name", "\"Linux\""),
            ("host.name", "\"worker-1\""),
            ("container.image.name", "\"edge/app\""),
            ("orchestrator.namespace", "\"edge\""),
            ("orchestrator.resource.type", "\"pod\""),
            ("process.parent.name", "\"sh\""),
            ("process.interactive", "true"),
            ("process.user.id", "\"0\""),
            $($extra),*
        ]
    };
}

/// The generic data streams, with the category each one's events have.
pub const STREAMS: [Stream; 2] = [
    Stream {
        dataset: "cloud_defend.process",
        category: "process",
        identity: CONTAINER_IDENTITY,
        template: container_fields!(
            ("event.type", "[\"start\"]"),
            ("event.action", "\"exec\""),
            ("process.name", "\"ls\""),
            ("process.executable", "\"/bin/ls\""),
            ("process.args", "[\"ls\"]"),
            ("cloud_defend.matched_selectors", "[\"allProcesses\"]"),
            (
                "cloud_defend.hook_point",
                "[\"tracepoint__sched_process_exec\"]"
            ),
        ),
        allowed: &[
            ("host.os.type", &["linux"]),
            ("orchestrator.resource.type", &["pod"]),
            ("event.type", &["start", "end"]),
            ("event.action", &["fork", "exec", "end"]),
        ],
    },
    Stream {
        dataset: "cloud_defend.file",
        category: "file",
        identity: CONTAINER_IDENTITY,
        template: container_fields!(
            ("event.type", "[\"change\"]"),
            ("event.action", "\"open\""),
            ("file.path", "\"/etc/hostname\""),
            ("file.name", "\"hostname\""),
            ("process.name", "\"cat\""),
            ("process.executable", "\"/bin/cat\""),
            ("process.args", "[\"cat\"]"),
            ("cloud_defend.matched_selectors", "[\"allFiles\"]"),
            ("cloud_defend.trace_point", "\"lsm__file_open\""),
        ),
        allowed: &[
            ("host.os.type", &["linux"]),
            ("orchestrator.resource.type", &["pod"]),
            ("event.type", &["change", "creation", "deletion"]),
            (
                "event.action",
                &[
                    "open",
                    "creation",
                    "modification",
                    "deletion",
                    "rename",
                    "link",
                ],
            ),
        ],
    },
];

impl Stream {
    /// The index its documents land in (`logs-<dataset>-default`).
    pub fn index(&self) -> String {
        format!("logs-{}-default", self.dataset)
    }

    /// The stream's own spelling of `field`, if the generator writes it.
    pub fn field(&self, field: &str) -> Option<&'static str> {
        self.identity
            .iter()
            .chain(self.template)
            .map(|(name, _)| *name)
            .find(|name| *name == field)
    }

    /// The only values the integration writes in `field`, when it writes only some.
    pub fn allowed(&self, field: &str) -> Option<&'static [&'static str]> {
        self.allowed
            .iter()
            .find_map(|(name, values)| (*name == field).then_some(*values))
    }

    /// Whether `field` is written on the actor (`identity`) rather than in the step's fields.
    pub fn is_identity(&self, field: &str) -> bool {
        self.identity.iter().any(|(name, _)| *name == field)
    }

    /// The default value of a field, as JSON.
    pub fn default_value(&self, field: &str) -> Option<Value> {
        self.identity
            .iter()
            .map(|(name, value)| (*name, Value::String((*value).to_string())))
            .chain(self.template.iter().map(|(name, text)| {
                let value = serde_json::from_str(text).expect("the templates are valid JSON");
                (*name, value)
            }))
            .find_map(|(name, value)| (name == field).then_some(value))
    }

    /// Whether the field holds several values (`process.args`, `event.type`).
    pub fn is_array(&self, field: &str) -> bool {
        matches!(self.default_value(field), Some(Value::Array(_)))
    }

    /// A value the query sets, in the JSON shape of the field's default: a boolean stays a
    /// boolean (`process.interactive`), an array field holds the values set (`event.type`).
    pub fn typed(&self, field: &str, value: &str) -> Value {
        match self.default_value(field) {
            Some(Value::Bool(_)) if value == "true" || value == "false" => {
                Value::Bool(value == "true")
            }
            Some(Value::Array(_)) => Value::Array(
                value
                    .split(VALUE_SEPARATOR)
                    .map(|v| Value::String(v.to_string()))
                    .collect(),
            ),
            _ => Value::String(value.to_string()),
        }
    }
}

/// Between the values of an array field held in one slot (no field value holds it).
pub const VALUE_SEPARATOR: char = '\n';

/// The stream whose events have `category`, among the streams the rule's indices read (all of
/// them when the rule names no index).
pub fn for_category(category: &str, indices: &[String]) -> Option<&'static Stream> {
    STREAMS.iter().find(|stream| {
        stream.category == category
            && (indices.is_empty()
                || indices
                    .iter()
                    .any(|i| crate::document::index_matches(i, &stream.index())))
    })
}

/// The bound service-account token's claims the API server writes to `user.extra`, as the
/// Kubernetes docs list them (`authentication.kubernetes.io/…`).
pub const TOKEN_CLAIMS: [&str; 5] = [
    "authentication.kubernetes.io/pod-name",
    "authentication.kubernetes.io/pod-uid",
    "authentication.kubernetes.io/node-name",
    "authentication.kubernetes.io/node-uid",
    "authentication.kubernetes.io/credential-id",
];

/// Where the DSL writes a slot of a request: on the actor (so one actor per distinct value),
/// or on the step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writer {
    /// The actor's `username` (audit).
    Username,
    /// The actor's `groups` (audit).
    Groups,
    /// One key of the actor's `extra` (audit): a token claim.
    Extra(&'static str),
    /// One field of the actor's `identity` (generic events).
    Identity(&'static str),
    /// A setting of the step (`verb`, `resource`, …) or a field of its template.
    Step,
}

/// The one table: which DSL setting writes each slot.
pub fn writer(slot: super::Slot) -> Writer {
    use super::Slot;
    match slot {
        Slot::Username => Writer::Username,
        Slot::Group => Writer::Groups,
        Slot::Extra(claim) => Writer::Extra(claim),
        Slot::Event(stream, field) if stream.is_identity(field) => Writer::Identity(field),
        _ => Writer::Step,
    }
}
