//! Where a scenario's Kubernetes activity is audited, and so which data stream its documents
//! land in: a self-managed cluster, EKS or AKS (Elastic's Kubernetes integration,
//! `logs-kubernetes.audit_logs-*`) or GKE (Cloud Audit Logs through Elastic's GCP integration,
//! `logs-gcp.audit-*`). One scenario renders for any of them (`platform = "gke"` in the file, or
//! [`crate::scenario::with_platform`] as `rulegate parity` does).

use serde_json::Value;

use crate::audit::ecs::{self, EcsOptions, TimestampFrom};
use crate::audit::event::Event;
use crate::audit::gcp::{self, GcpOptions};
use crate::audit::gke::{self, GkeCluster};
use crate::audit::time::{self, Nanos};

/// The platform whose audit pipeline the documents go through.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Platform {
    /// A self-managed API server's audit log file, read by Elastic Agent (the default).
    #[default]
    SelfManaged,
    /// EKS: the same events, shipped through CloudWatch Logs; the integration reads the line
    /// from `message`, so the indexed document is the self-managed one.
    Eks,
    /// AKS: the event inside an Azure diagnostic envelope (`category: kube-audit`), unwrapped
    /// by the integration's pipeline; `@timestamp` is the envelope's `time`.
    Aks,
    /// GKE: a Cloud Audit Log entry, indexed by the GCP integration's `gcp.audit` data stream.
    Gke,
}

impl Platform {
    pub const NAMES: [&'static str; 4] = ["self-managed", "eks", "aks", "gke"];

    pub fn as_str(self) -> &'static str {
        Platform::NAMES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<Platform> {
        let all = [
            Platform::SelfManaged,
            Platform::Eks,
            Platform::Aks,
            Platform::Gke,
        ];
        Platform::NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| all[i])
    }

    /// The data stream its documents are indexed in.
    pub fn dataset(self) -> &'static str {
        match self {
            Platform::Gke => gcp::DATASET,
            _ => ecs::DATASET,
        }
    }

    /// The field that carries the caller's Kubernetes username in its documents (what an
    /// `expect.groups` entry with `actor = …` matches).
    pub fn identity_field(self) -> &'static str {
        match self {
            Platform::Gke => "client.user.email",
            _ => super::KUBERNETES_IDENTITY,
        }
    }

    /// The platform whose data stream an index pattern of a rule reads (`logs-gcp.audit-*` is
    /// GKE; a pattern any Kubernetes audit index matches is self-managed), `None` for neither.
    pub fn for_index_pattern(pattern: &str) -> Option<Platform> {
        if crate::document::index_matches(pattern, gcp::INDEX) {
            Some(Platform::Gke)
        } else if crate::document::index_matches(pattern, ecs::INDEX) {
            Some(Platform::SelfManaged)
        } else {
            None
        }
    }

    /// Whether the platform writes an event of this stage at all (GKE: only the response).
    pub fn logs_stage(self, stage: &str) -> bool {
        self != Platform::Gke || gke::logs_stage(stage)
    }

    /// The indexed document for one raw event read at `read` and ingested at `ingested`.
    pub fn to_document(self, event: &Event, read: Nanos, ingested: Nanos) -> Value {
        match self {
            Platform::Gke => {
                let mut entry = gke::to_log_entry(event, &GkeCluster::default());
                entry["receiveTimestamp"] = Value::String(time::format_micros(read));
                let entry_time = entry["timestamp"]
                    .as_str()
                    .and_then(time::parse_rfc3339)
                    .unwrap_or(read);
                let options = GcpOptions {
                    ingest_lag: ingested.saturating_sub(entry_time),
                    preserve_original: false,
                };
                gcp::log_entry_to_ecs(&entry, &options)
                    .expect("a generated entry is always an AuditLog")
            }
            Platform::SelfManaged | Platform::Eks | Platform::Aks => {
                let raw = serde_json::to_value(event).expect("an audit event always serialises");
                let raw = if self == Platform::Aks {
                    aks_envelope(raw, read)
                } else {
                    raw
                };
                let options = EcsOptions {
                    timestamp: TimestampFrom::At(read),
                    ingest_lag: ingested - read,
                    ..EcsOptions::default()
                };
                ecs::raw_to_ecs(&raw, &options)
            }
        }
    }
}

/// The Azure diagnostic-settings record AKS writes for one audit event.
fn aks_envelope(raw: Value, read: Nanos) -> Value {
    serde_json::json!({
        "category": "kube-audit",
        "operationName": "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
        "resourceId": "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RULEGATE/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/RULEGATE-CLUSTER",
        "time": time::format_micros(read),
        "properties": {
            "log": raw.to_string(),
            "pod": "kube-apiserver-0",
            "stream": "stdout",
        },
    })
}

/// The scenario's `platform` key (`E608` for an unknown name).
pub(super) fn parse(
    ctx: &mut super::check::Ctx,
    field: Option<&toml::Spanned<String>>,
) -> Platform {
    let Some(field) = field else {
        return Platform::default();
    };
    match Platform::from_name(field.get_ref()) {
        Some(platform) => platform,
        None => {
            ctx.error(
                "E608",
                format!("unknown platform `{}`", field.get_ref()),
                field.span(),
                "",
            )
            .help = Some(format!("platforms: {}", Platform::NAMES.join(", ")));
            Platform::default()
        }
    }
}
