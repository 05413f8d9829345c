//! The raw `audit.k8s.io/v1` `Event` and `EventList`, as the API server writes them.
//!
//! Field names and order follow `k8s.io/apiserver/pkg/apis/audit/v1/types.go`, so serialising an
//! [`Event`] gives the line an API server would write (`--audit-log-format=json`). Every field is
//! optional on input because real logs are not uniform (2018 `v1beta1` files lack `apiVersion`,
//! impersonation events lack `userAgent`, …), and fields this model does not name are kept in
//! `unknown` and written back, so nothing from a real log is lost on the way through.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

fn is_empty_str(s: &str) -> bool {
    s.is_empty()
}

/// One audit event (one stage of one request).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub api_version: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub level: String,
    #[serde(rename = "auditID", default, skip_serializing_if = "is_empty_str")]
    pub audit_id: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub stage: String,
    #[serde(rename = "requestURI", default, skip_serializing_if = "is_empty_str")]
    pub request_uri: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub verb: String,
    #[serde(default)]
    pub user: UserInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impersonated_user: Option<UserInfo>,
    #[serde(rename = "sourceIPs", default, skip_serializing_if = "Vec::is_empty")]
    pub source_ips: Vec<String>,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub user_agent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_ref: Option<ObjectReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<ResponseStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_object: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_object: Option<Value>,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub request_received_timestamp: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub stage_timestamp: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Fields this model does not name (legacy `timestamp`, `metadata`, future additions).
    #[serde(flatten)]
    pub unknown: Map<String, Value>,
}

/// `authentication/v1.UserInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub username: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub uid: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
    #[serde(flatten)]
    pub unknown: Map<String, Value>,
}

/// `audit/v1.ObjectReference`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub resource: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub namespace: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub name: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub uid: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub api_group: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub api_version: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub resource_version: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub subresource: String,
    #[serde(flatten)]
    pub unknown: Map<String, Value>,
}

/// `meta/v1.Status` as the audit log records it in `responseStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseStatus {
    /// The API server always writes `"metadata": {}`; Elastic's pipeline removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub status: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub message: String,
    #[serde(default, skip_serializing_if = "is_empty_str")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    #[serde(flatten)]
    pub unknown: Map<String, Value>,
}

/// `audit.k8s.io/v1` `EventList` (what `kubectl get --raw` or a webhook batch carries).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventList {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub items: Vec<Event>,
    #[serde(flatten)]
    pub unknown: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let line = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","metadata":{"creationTimestamp":"2018-10-25T14:09:12Z"},"level":"Metadata","timestamp":"2018-10-25T14:09:12Z","auditID":"a","stage":"ResponseComplete","requestURI":"/api","verb":"get","user":{"username":"u","futureField":1},"sourceIPs":["::1"],"objectRef":{"resource":"pods","apiGroup":"","x":true},"responseStatus":{"metadata":{},"code":200}}"#;
        let event: Event = serde_json::from_str(line).unwrap();
        assert_eq!(event.unknown["timestamp"], "2018-10-25T14:09:12Z");
        assert_eq!(event.user.unknown["futureField"], 1);
        let back: Value = serde_json::to_value(&event).unwrap();
        let original: Value = serde_json::from_str(line).unwrap();
        // Only the empty `apiGroup` goes, because the API server itself never writes empty strings.
        let mut expected = original.clone();
        expected["objectRef"]
            .as_object_mut()
            .unwrap()
            .remove("apiGroup");
        assert_eq!(back, expected);
    }
}
