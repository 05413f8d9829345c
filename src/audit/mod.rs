//! Kubernetes API-server audit events: the raw `audit.k8s.io/v1` model ([`event`]), the mapping
//! to the ECS documents Elastic's Kubernetes integration indexes ([`ecs`]), reading real audit
//! logs ([`import`]), and the timestamp forms they use ([`time`]); GKE's form of the same events,
//! Cloud Audit Log entries ([`gke`]), and the GCP integration's mapping of them ([`gcp`]); which of
//! the two data streams raw events go to ([`dataset`]). `ingest` maps a plain native event
//! straight from its line's bytes ([`ecs_direct`] over [`json_tree`] and [`json_text`]), to the
//! bytes `ecs::raw_to_ecs` gives.
//!
//! ```text
//!  audit log lines / .gz / EventList / AKS envelope ──► import ──► raw JSON ──► ecs::raw_to_ecs ──► ECS NDJSON / _bulk
//!  scenario generator ──► event::Event (raw) ───────────────────────────────┘
//! ```

mod aks_direct;
pub mod dataset;
pub mod ecs;
pub mod ecs_direct;
pub mod event;
pub mod gcp;
pub mod gcp_direct;
pub mod gke;
pub mod import;
pub mod json_text;
pub mod json_tree;
mod known_ips;
pub mod shapes;
pub mod time;

pub use ecs::{raw_to_ecs, EcsOptions, TimestampFrom};
pub use event::{Event, EventList};
