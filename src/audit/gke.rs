//! A Kubernetes audit event as GKE writes it to Cloud Logging: the `LogEntry` with an `AuditLog`
//! `protoPayload` that Elastic's GCP integration reads ([`super::gcp`]), so a scenario's
//! activity can be rendered for GKE as well as for a self-managed cluster.
//!
//! GKE's documented shape (cloud.google.com/kubernetes-engine/docs/how-to/audit-logging, "Kubernetes
//! audit logs schema"): `methodName` `io.k8s.<group>.<version>.<resource>[.<subresource>].<verb>`
//! with the group's DNS name reversed and `k8s.io` folded into the `io.k8s` prefix (`core` for
//! the legacy group); `resourceName` `<group|core>/<version>[/namespaces/<ns>]/<resource>[/<name>]`;
//! `serviceName` `k8s.io`; the caller in `authenticationInfo.principalEmail` (an impersonated
//! username in `authenticationInfo.authoritySelector`, see [`authentication_info`]); the first source
//! IP in `requestMetadata.callerIp`; the HTTP outcome as a `google.rpc.Code` in `status`;
//! `logName` `cloudaudit.googleapis.com%2Fdata_access` for reads, `%2Factivity` for writes;
//! resource `k8s_cluster`. Only the `ResponseComplete` (and `Panic`) stage reaches Cloud Logging.

use serde_json::{json, Map, Value};

use super::event::Event;

/// Where the generated entries say they come from.
#[derive(Clone, Debug)]
pub struct GkeCluster {
    pub project: String,
    pub location: String,
    pub cluster: String,
}

impl Default for GkeCluster {
    fn default() -> GkeCluster {
        GkeCluster {
            project: "rulegate-project".into(),
            location: "us-central1-a".into(),
            cluster: "rulegate-cluster".into(),
        }
    }
}

/// Whether GKE writes an event of this stage to Cloud Logging.
pub fn logs_stage(stage: &str) -> bool {
    matches!(stage, "ResponseComplete" | "Panic")
}

/// The Cloud Logging entry GKE writes for `event`.
pub fn to_log_entry(event: &Event, cluster: &GkeCluster) -> Value {
    let (method, resource_name) = method_and_resource(event);
    let code = event.response_status.as_ref().and_then(|s| s.code);
    let decision = event.annotations.get("authorization.k8s.io/decision");
    let read_only = matches!(event.verb.as_str(), "get" | "list" | "watch");
    let log = if read_only { "data_access" } else { "activity" };
    let mut payload = Map::new();
    payload.insert(
        "@type".into(),
        json!("type.googleapis.com/google.cloud.audit.AuditLog"),
    );
    payload.insert("authenticationInfo".into(), authentication_info(event));
    if let Some(decision) = decision {
        payload.insert(
            "authorizationInfo".into(),
            json!([{ "granted": decision == "allow", "permission": method, "resource": resource_name }]),
        );
    }
    payload.insert("methodName".into(), json!(method));
    let mut metadata = Map::new();
    if let Some(ip) = event.source_ips.first() {
        metadata.insert("callerIp".into(), json!(ip));
    }
    if !event.user_agent.is_empty() {
        metadata.insert("callerSuppliedUserAgent".into(), json!(event.user_agent));
    }
    payload.insert("requestMetadata".into(), Value::Object(metadata));
    payload.insert("resourceName".into(), json!(resource_name));
    payload.insert("serviceName".into(), json!("k8s.io"));
    if let Some(code) = code {
        let mut status = Map::new();
        status.insert("code".into(), json!(rpc_code(code)));
        if let Some(message) = event
            .response_status
            .as_ref()
            .map(|s| &s.message)
            .filter(|m| !m.is_empty())
        {
            status.insert("message".into(), json!(message));
        }
        payload.insert("status".into(), Value::Object(status));
    }
    json!({
        "insertId": event.audit_id,
        "logName": format!("projects/{}/logs/cloudaudit.googleapis.com%2F{log}", cluster.project),
        "operation": { "first": true, "id": event.audit_id, "last": true, "producer": "k8s.io" },
        "protoPayload": payload,
        "receiveTimestamp": event.stage_timestamp,
        "resource": {
            "labels": {
                "cluster_name": cluster.cluster,
                "location": cluster.location,
                "project_id": cluster.project,
            },
            "type": "k8s_cluster",
        },
        "timestamp": event.stage_timestamp,
    })
}

/// `authenticationInfo`: the authenticated user in `principalEmail` and, for a request made
/// with impersonation (`kubectl --as`), the impersonated username in `authoritySelector`, which
/// Elastic's GKE impersonation rule reads as `gcp.audit.authentication_info.authority_selector`
/// (its setup: "Kubernetes impersonation (`kubectl --as`) maps to
/// `gcp.audit.authentication_info.authority_selector`"). The impersonated groups and extra have
/// no field in the entry and are not written.
fn authentication_info(event: &Event) -> Value {
    let mut info = Map::new();
    info.insert("principalEmail".into(), json!(event.user.username));
    if let Some(impersonated) = event
        .impersonated_user
        .as_ref()
        .filter(|u| !u.username.is_empty())
    {
        info.insert("authoritySelector".into(), json!(impersonated.username));
    }
    Value::Object(info)
}

/// `methodName` and `resourceName` of an event (a non-resource request, without `objectRef`,
/// is `io.k8s.<verb>` on its path without the leading `/`).
pub fn method_and_resource(event: &Event) -> (String, String) {
    let Some(object) = event.object_ref.as_ref().filter(|o| !o.resource.is_empty()) else {
        let path = event.request_uri.split('?').next().unwrap_or_default();
        return (
            format!("io.k8s.{}", event.verb),
            path.trim_start_matches('/').to_string(),
        );
    };
    let version = if object.api_version.is_empty() {
        "v1"
    } else {
        object.api_version.as_str()
    };
    let group_in_method = match object.api_group.as_str() {
        "" => "core".to_string(),
        group => {
            let trimmed = group.strip_suffix(".k8s.io").unwrap_or(group);
            trimmed.split('.').rev().collect::<Vec<_>>().join(".")
        }
    };
    let mut method = format!("io.k8s.{group_in_method}.{version}.{}", object.resource);
    if !object.subresource.is_empty() {
        method.push('.');
        method.push_str(&object.subresource);
    }
    method.push('.');
    method.push_str(&event.verb);
    let group_in_name = if object.api_group.is_empty() {
        "core"
    } else {
        object.api_group.as_str()
    };
    let mut name = format!("{group_in_name}/{version}");
    if !object.namespace.is_empty() {
        name.push_str("/namespaces/");
        name.push_str(&object.namespace);
    }
    name.push('/');
    name.push_str(&object.resource);
    if !object.name.is_empty() {
        name.push('/');
        name.push_str(&object.name);
    }
    if !object.subresource.is_empty() {
        name.push('/');
        name.push_str(&object.subresource);
    }
    (method, name)
}

/// The `google.rpc.Code` for an HTTP status, as Google's HTTP mapping gives it
/// (googleapis `google/rpc/code.proto`).
pub fn rpc_code(http: i64) -> i64 {
    match http {
        200..=299 | 101 => 0,
        400 => 3,
        401 => 16,
        403 => 7,
        404 => 5,
        409 => 6,
        412 => 9,
        429 => 8,
        499 => 1,
        501 => 12,
        503 => 14,
        504 => 4,
        _ => 13,
    }
}
