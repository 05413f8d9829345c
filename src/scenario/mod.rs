//! The scenario DSL: TOML files that describe Kubernetes audit traffic (who does what, when), the
//! persona library, and the deterministic generator that turns a scenario into documents.
//!
//! # API for runners (the scheduler, snapshots, `rulegate gen`)
//!
//! ```text
//! scenario::load(path)                 -> Result<Scenario, Vec<Diagnostic>>
//! scenario::load_str(path, text, &lib) -> the same from text (path names it in diagnostics)
//! scenario::generate(&s, seed)         -> impl Iterator<Item = serde_json::Value>   ECS documents
//! scenario::events(&s, seed)           -> Events: Iterator<Item = Generated>         records
//! scenario::to_ecs(&s, &g) / to_raw(&s, &g)                                           one record
//! scenario::write(&s, seed, fmt, out)  -> io::Result<u64>                            fast NDJSON
//! scenario::write_vec(&s, seed, fmt, out) -> the same, chunks handed to an output::WriteVec whole
//! ```
//!
//! * `seed: None` uses the scenario's own `seed`; the same scenario and seed give the same bytes.
//! * Documents come out ordered by `@timestamp` (ties in generation order), in the exact shape
//!   Elastic's Kubernetes integration indexes (`audit::ecs::raw_to_ecs` of the raw event; with
//!   `platform = "gke"` the GCP integration's `gcp.audit` document, see [`Platform`]), plus
//!   two keyword labels `labels.rulegate_actor` (the actor's name) and `labels.rulegate_step`
//!   (the step's `name`, else its 1-based position; noise steps are `noise-<n>`). The
//!   integration's index has `dynamic: false` and maps no `labels.*`, so in Elasticsearch they
//!   stay in `_source` only, invisible to ES|QL. [`Generated`] carries the same facts as indices
//!   (`actor`, `step`, `repetition`, `request`, `stage`, times) for runners that prefer a side
//!   channel; `Scenario::actors[g.actor].name` and `Scenario::steps[g.step].label` map them back.
//! * [`Scenario::expect`] holds the expectations; this module parses and validates them, runners
//!   evaluate them: `alerts` (exact, `0` = no alert) / `min_alerts` / `max_alerts`; `groups` that
//!   must alert (an actor's fingerprint — `user.name`, `kubernetes.audit.user.username`, first
//!   `source.ip`, first user agent — and/or literal field values); `suppressed` (actor + the field
//!   of the filter that must silence it, as `rulegate inspect` names exclusions).
//! * `write` with [`Format::Ecs`] writes exactly the bytes of `generate` serialised one document
//!   a line (tested for every library scenario and random ones), about 1.5 M documents a second.
//!
//! Diagnostics (codes `E6xx`, each pointing at file:line:col where the file has a position):
//!
//! | code | problem |
//! |---|---|
//! | `E600` | a scenario or persona file cannot be read |
//! | `E601` | TOML syntax, an unknown field, or a value of the wrong type (span from the TOML parser) |
//! | `E602` | unknown persona (the nearest name is suggested) |
//! | `E603` | a step or expectation names an actor the scenario does not define |
//! | `E604` | a time that is not RFC 3339 |
//! | `E605` | a duration, range or rate that does not parse |
//! | `E606` | a number out of range (negative count, jitter outside 0..1, …) |
//! | `E607` | a scenario without steps |
//! | `E608` | a value outside its allowed set (kind, decision, stage, IP address, …) |
//! | `E609` | a time outside the nanosecond range (1677-09-21 to 2262-04-11): `start`, or a step's end |
//! | `E610` | a `count` of names above 1,000,000 |
//! | `E630` | a generic event step or identity that is not well formed (`dataset` missing or not a name, Kubernetes request fields on it, an empty `identity`) |
//! | `E631` | a template, draw or identity field that clashes: set by the generator, or both a value and an object |
//! | `E632` | a draw that is not a list or `{ pattern, count }`, has no values, or a value without a JSON form |
//! | `E640`–`E646` | `[[recorded]]` data: a bad `where`, an unreadable file or line, a document without `@timestamp`, a shift out of range, too many documents, `gen --format raw` ([`recorded`]) |
//! | `E010` | more requests than `--max-requests` (default 10,000,000; see [`crate::limits`]) |

mod bounds;
mod check;
mod dsl;
mod duration;
mod event_step;
mod fast;
mod generate;
mod identity;
mod persona;
mod pieces;
mod platform;
pub mod recorded;
mod render;
mod rng;
mod steps;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::audit::time::Nanos;
use crate::diagnostic::Diagnostic;

pub use duration::{parse_duration, parse_range, parse_rate, DurationRange};
pub use event_step::{Draw, EventTemplate};
pub use generate::{events, Events, Generated};
pub use identity::{alert_matches_identity, KUBERNETES_IDENTITY};
pub use persona::{builtin_personas, Persona, PersonaLibrary};
pub use platform::Platform;
pub use render::{
    canonical_line, fast_line, generate, generate_marked, to_ecs, to_raw, write, write_vec, Format,
};
pub use rng::SplitMix64;

/// Loads and validates a scenario file, resolving personas from the built-in library and a
/// `personas.toml` in the scenario's folder and its parents (the nearer one wins).
pub fn load(path: &Path) -> Result<Scenario, Vec<Diagnostic>> {
    dsl::load(path)
}

/// Parses a scenario from text (`path` is used in diagnostics and to resolve `rules`).
pub fn load_str(
    path: &Path,
    text: &str,
    personas: &PersonaLibrary,
) -> Result<Scenario, Vec<Diagnostic>> {
    dsl::parse(path, text, personas)
}

/// Whether a `rules` entry of a scenario is a rule id rather than a path: it has no `/` and
/// does not end in `.toml` (detection-rules ids are UUIDs, but any such word is taken as an id).
pub fn is_rule_id(entry: &str) -> bool {
    !entry.contains(['/', '\\']) && !entry.ends_with(".toml") && !entry.is_empty()
}

/// What a scenario is meant to show about the rule(s) it targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The rule must fire.
    Attack,
    /// Normal traffic the rule must stay quiet on.
    Benign,
    /// Benign traffic the rule does fire on (documents a known false positive).
    FalsePositive,
    /// An attack shaped to slip past the rule (documents a known gap).
    Evasion,
    /// Boundaries: thresholds, windows, ingest lag, odd field values.
    Edge,
}

impl Kind {
    pub const NAMES: [&'static str; 5] = ["attack", "benign", "false-positive", "evasion", "edge"];

    pub fn as_str(self) -> &'static str {
        Kind::NAMES[self as usize]
    }
}

/// A validated scenario. Times are nanoseconds since the Unix epoch.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file it was loaded from, as given.
    pub path: PathBuf,
    pub name: String,
    pub description: String,
    pub kind: Kind,
    /// Rule files, resolved against the scenario file's directory.
    pub rules: Vec<PathBuf>,
    /// Rules named by `rule_id` in `rules` (resolved by the project's rule index).
    pub rule_ids: Vec<String>,
    /// `start`: the instant `at = "+0s"` refers to.
    pub start: Nanos,
    pub seed: u64,
    /// Actors sorted by name; steps refer to them by index.
    pub actors: Vec<Actor>,
    pub steps: Vec<Step>,
    pub expect: Expect,
    /// Documents taken from files (`[[recorded]]`), merged with the generated ones by time.
    pub recorded: recorded::Recorded,
    /// Whose audit pipeline the documents go through (`platform = "gke"`; self-managed by default).
    pub platform: Platform,
}

impl Scenario {
    /// The same scenario rendered for another platform (`rulegate parity`).
    pub fn with_platform(&self, platform: Platform) -> Scenario {
        Scenario {
            platform,
            ..self.clone()
        }
    }

    pub fn actor_index(&self, name: &str) -> Option<usize> {
        self.actors.iter().position(|a| a.name == name)
    }
}

/// An identity and how it reaches the API server.
#[derive(Clone, Debug, PartialEq)]
pub struct Actor {
    pub name: String,
    /// The persona it was built from, if any.
    pub persona: Option<String>,
    pub username: String,
    pub uid: String,
    pub groups: Vec<String>,
    pub extra: BTreeMap<String, Vec<String>>,
    pub impersonate: Option<Impersonation>,
    /// Source IP lists, used in turn per request. Each list is one request's `sourceIPs`:
    /// several entries model an `X-Forwarded-For` chain (forwarded IPs first, peer last).
    pub source_ips: Vec<Vec<String>>,
    /// User agents, used in turn per request; `None` is a request without a user agent.
    pub user_agents: Vec<Option<String>>,
    /// The RBAC reason annotation on allowed requests (`""`: none, as for `system:masters`).
    pub reason: String,
    /// The usual request pattern, for steps that do not say what to request.
    pub activity: Vec<Activity>,
    /// Declared identity fields (`identity = { "user.name" = "alice" }`): written into the
    /// actor's generic event documents and matched by expectations naming the actor. Empty: the
    /// actor is known by `kubernetes.audit.user.username` (see `Actor::identity_fields`).
    pub identity: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Impersonation {
    pub username: String,
    pub groups: Vec<String>,
}

/// One kind of request: what, where, on which objects, with which outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    pub verb: String,
    pub resource: String,
    pub api_group: String,
    pub api_version: String,
    pub subresource: String,
    /// Used in turn (with `names`), or chosen at random with `pick = "random"`.
    pub namespaces: Vec<String>,
    /// Object names; empty for collection requests (`list`, `watch`, `create`).
    pub names: Vec<String>,
    pub decision: Decision,
    pub code: u16,
    pub stages: Vec<Stage>,
    pub weight: u32,
    /// `requestObject` (the request body), logged when the step's level is `Request` or
    /// `RequestResponse`, as the API server does.
    pub request_object: Option<serde_json::Value>,
    /// The request URI when given verbatim (`/healthz`, a query string of the client's own).
    pub request_uri: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Forbid,
    /// No authorisation annotation (authentication failures, `RequestReceived`).
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    RequestReceived,
    ResponseStarted,
    ResponseComplete,
    Panic,
}

impl Stage {
    pub const NAMES: [&'static str; 4] = [
        "RequestReceived",
        "ResponseStarted",
        "ResponseComplete",
        "Panic",
    ];

    pub fn as_str(self) -> &'static str {
        Stage::NAMES[self as usize]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// Request `i` uses name `i mod len` (and namespace `i mod len`).
    Cycle,
    Random,
}

/// What one actor does: a run of requests, possibly repeated.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Index into [`Scenario::actors`].
    pub actor: usize,
    /// Label of the step (`name = …`, else its 1-based position), reported with each document.
    pub label: String,
    /// Offset of the first request from the scenario start.
    pub at: Nanos,
    /// What to request: one activity, or the actor's weighted activity mix.
    pub activities: Vec<Activity>,
    pub pick: Pick,
    /// How many requests; `None` means as many as fit in `duration`.
    pub requests: Option<u64>,
    pub duration: Option<Nanos>,
    /// Mean time between requests.
    pub spacing: Nanos,
    /// Each gap is `spacing × (1 ± jitter)`, `jitter` in `0..1`.
    pub jitter: f64,
    pub repeat: u64,
    pub every: Nanos,
    /// Time from `stageTimestamp` to the Agent reading the line (`@timestamp`).
    pub read_delay: DurationRange,
    /// Time from `@timestamp` to the ingest node (`event.ingested`, whole seconds).
    pub ingest_lag: DurationRange,
    /// Audit level written in the events (`Metadata` by default).
    pub level: String,
    /// A generic event step (`dataset = …`): its template; `None` for Kubernetes requests.
    pub event: Option<std::sync::Arc<EventTemplate>>,
    /// History only (`history = true`): the documents exist before the rule is enabled, so the
    /// replay's first execution comes after them; `new_terms` rules still read them as history.
    pub history: bool,
}

/// What the scenario expects of its rule(s); evaluated by runners, not here.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Expect {
    /// Exact number of alerts (`alerts = 0` is "no alert").
    pub alerts: Option<u64>,
    pub min_alerts: Option<u64>,
    pub max_alerts: Option<u64>,
    /// Alerting groups that must appear.
    pub groups: Vec<ExpectedGroup>,
    /// For benign traffic: which exclusion must suppress each actor.
    pub suppressed: Vec<Suppression>,
    /// Free-text reasoning shown with failures.
    pub note: String,
}

/// An alert group: field → value (e.g. `user.name`, `source.ip`, `user_agent.original`), either
/// written out or taken from an actor (`actor = "attacker"` means that actor's `user.name`,
/// `kubernetes.audit.user.username`, first `source.ip` and first user agent).
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectedGroup {
    pub actor: Option<usize>,
    pub fields: BTreeMap<String, String>,
    /// Alerts for this group, when the count matters.
    pub alerts: Option<u64>,
}

/// `actor` produces no alert because of the exclusion on `field` (the field `rulegate inspect`
/// reports for the exclusion, e.g. `kubernetes.audit.objectRef.name`).
#[derive(Clone, Debug, PartialEq)]
pub struct Suppression {
    pub actor: usize,
    pub field: String,
}
