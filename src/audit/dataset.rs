//! The data stream raw audit is indexed into (`--dataset` of `ingest` and `replay --raw`): one
//! raw event mapped to its document, and the diagnostics whose wording depends on the stream.

use serde_json::Value;

use super::ecs::{self, has_no_time_field, raw_to_ecs, EcsOptions};
use super::gcp::{self, log_entry_to_ecs, GcpOptions};
use super::import::Imported;
use super::TimestampFrom;
use crate::diagnostic::Diagnostic;

/// Where raw events go: the Kubernetes integration's audit data stream, or (GKE exports, Cloud
/// Audit Log entries) the GCP integration's, which Elastic's GKE rules read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RawDataset {
    #[default]
    KubernetesAuditLogs,
    GcpAudit,
}

/// The `--dataset` values, as the command line spells them.
pub const DATASET_NAMES: [&str; 2] = [ecs::DATASET, gcp::DATASET];

/// One raw event as its data stream's pipeline leaves it.
#[derive(Debug, PartialEq)]
pub enum RawMapped {
    Document(Value),
    /// Not a Cloud Audit Log entry (no `protoPayload`), under `gcp.audit`: `E501`.
    NotLogEntry,
    /// Dropped as the `gcp.audit` pipeline drops it (a payload that is not an `AuditLog`).
    Dropped,
}

impl RawDataset {
    /// The dataset a `--dataset` value names (`None` for any other name).
    pub fn parse(name: &str) -> Option<RawDataset> {
        match name {
            ecs::DATASET => Some(RawDataset::KubernetesAuditLogs),
            gcp::DATASET => Some(RawDataset::GcpAudit),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RawDataset::KubernetesAuditLogs => ecs::DATASET,
            RawDataset::GcpAudit => gcp::DATASET,
        }
    }

    /// Maps one event with the defaults of `replay --raw` (no ingest lag, no `event.original`);
    /// `timestamp` is where a native event's `@timestamp` comes from.
    pub fn map(self, event: &Imported, timestamp: TimestampFrom) -> RawMapped {
        match self {
            RawDataset::KubernetesAuditLogs => {
                let options = EcsOptions {
                    timestamp: event.timestamp_from(timestamp),
                    ..EcsOptions::default()
                };
                RawMapped::Document(raw_to_ecs(&event.raw, &options))
            }
            RawDataset::GcpAudit if event.raw.get("protoPayload").is_none() => {
                RawMapped::NotLogEntry
            }
            RawDataset::GcpAudit => match log_entry_to_ecs(&event.raw, &GcpOptions::default()) {
                Some(doc) => RawMapped::Document(doc),
                None => RawMapped::Dropped,
            },
        }
    }

    /// Whether a mapped document has no `@timestamp` because its event has no time field at all
    /// (native events: neither stage time; Cloud Audit Log entries: no parsable `timestamp`).
    pub fn untimed(self, doc: &Value, raw: &Value) -> bool {
        match self {
            RawDataset::KubernetesAuditLogs => has_no_time_field(doc, raw),
            RawDataset::GcpAudit => doc.get("@timestamp").is_none(),
        }
    }

    /// `W006`: `count` events (the first at `place`) whose documents have no `@timestamp`, naming
    /// the field this data stream's pipeline takes the time from.
    pub fn untimed_warning(self, count: usize, place: String) -> Diagnostic {
        let what = match self {
            RawDataset::KubernetesAuditLogs => {
                "event(s) have no `stageTimestamp` or `requestReceivedTimestamp`"
            }
            RawDataset::GcpAudit => {
                "entrie(s) have no `timestamp` the gcp.audit pipeline can parse"
            }
        };
        Diagnostic::warning(
            "W006",
            format!(
                "{count} {what}: their documents have no @timestamp, so no rule window holds them"
            ),
        )
        .at_path(place)
    }
}

/// `E501` for a line that is not a Cloud Audit Log entry under `--dataset gcp.audit`.
pub fn not_log_entry(name: &str, line: usize) -> Diagnostic {
    Diagnostic::error(
        "E501",
        format!(
            "line {line} is not a Cloud Audit Log entry (no `protoPayload`): \
             --dataset gcp.audit reads GKE exports only"
        ),
    )
    .at_path(format!("{name}:{line}"))
    .with_help("read native audit events with the default --dataset kubernetes.audit_logs")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn imported(raw: Value) -> Imported {
        Imported {
            line: 1,
            raw,
            original: None,
            timestamp: None,
        }
    }

    #[test]
    fn names_round_trip() {
        for name in DATASET_NAMES {
            assert_eq!(RawDataset::parse(name).map(RawDataset::name), Some(name));
        }
        assert_eq!(RawDataset::parse("gcp"), None);
    }

    #[test]
    fn gcp_refuses_native_events_and_drops_other_payloads() {
        let native = imported(json!({"kind": "Event", "stageTimestamp": "2026-01-01T00:00:00Z"}));
        assert_eq!(
            RawDataset::GcpAudit.map(&native, TimestampFrom::Stage),
            RawMapped::NotLogEntry
        );
        let other = imported(json!({"protoPayload": {"@type": "type.googleapis.com/x"}}));
        assert_eq!(
            RawDataset::GcpAudit.map(&other, TimestampFrom::Stage),
            RawMapped::Dropped
        );
    }

    #[test]
    fn the_warning_names_each_streams_time_field() {
        let k8s = RawDataset::KubernetesAuditLogs.untimed_warning(2, "a:1".into());
        let gcp = RawDataset::GcpAudit.untimed_warning(1, "a:3".into());
        assert!(k8s.message.contains("`stageTimestamp`"), "{}", k8s.message);
        assert!(gcp.message.contains("no `timestamp`"), "{}", gcp.message);
        assert!(!gcp.message.contains("stageTimestamp"), "{}", gcp.message);
    }
}
