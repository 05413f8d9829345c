//! The top-level members of an event that the direct path reads, found in one pass (a
//! [`Bail`] for shapes and names the `Value` path must decide), and its time fields.

use super::super::json_tree::{Bail, Id, Kind, Tree};
use super::super::time::{self, Nanos, TimeError};

/// Top-level keys that make a line something other than a plain native event (or a native
/// event the pipeline renames or reads differently): the `Value` path handles those.
const NOT_PLAIN: [&str; 5] = ["messageType", "awslogs", "properties", "category", "time"];

/// 7. Cloud Logging names the pipeline renames, each only when the Kubernetes name is absent.
const RENAMED: [(&str, &str); 3] = [
    ("insertId", "auditID"),
    ("receiveTimestamp", "requestReceivedTimestamp"),
    ("timestamp", "stageTimestamp"),
];

/// The top-level members the mapping reads.
#[derive(Default)]
pub(in crate::audit) struct Fields {
    pub(super) verb: Option<Id>,
    pub(super) annotations: Option<Id>,
    pub(super) labels: Option<Id>,
    pub(super) user: Option<Id>,
    pub(super) user_agent: Option<Id>,
    pub(super) source_ips: Option<Id>,
    pub(super) api_version: Option<Id>,
    pub(super) object_ref: Option<Id>,
    pub(super) stage: Option<Id>,
    pub(super) received: Option<Id>,
    /// GKE: the Cloud Audit Log payload and the monitored resource.
    pub(super) proto_payload: Option<Id>,
    pub(super) resource: Option<Id>,
    pub(super) response_status: Option<Id>,
    /// `timestamp` (the `v1beta1` name of `stageTimestamp`, and Cloud Logging's).
    pub(super) timestamp: Option<Id>,
    pub(super) receive_timestamp: Option<Id>,
    pub(super) audit_id: bool,
    pub(super) insert_id: bool,
    pub(super) is_event: bool,
}

impl Fields {
    /// 7–8. The annotations: `labels` stand in when there are none; the pipeline drops them
    /// when they are not an object.
    pub(super) fn annotations(&self, tree: &Tree) -> Option<Id> {
        self.annotations
            .or(self.labels)
            .filter(|&a| tree.node(a).kind == Kind::Object)
    }

    /// Step 7, GKE: `protoPayload.status.code` that becomes `responseStatus.code` when the event
    /// has none; a [`Bail`] when it would merge into a `responseStatus` the event has without
    /// a code, or replace one that is not an object (rare: left to the `Value` path).
    pub(super) fn moved_code(&self, tree: &Tree, line: &str) -> Result<Option<Id>, Bail> {
        let code = self
            .proto_payload
            .and_then(|p| tree.get(line, p, "status"))
            .filter(|&s| tree.node(s).kind == Kind::Object)
            .and_then(|s| tree.get(line, s, "code"));
        let Some(code) = code else {
            return Ok(None);
        };
        match self.response_status {
            None => Ok(Some(code)),
            Some(r) if tree.get(line, r, "code").is_some() => Ok(None),
            Some(_) => Err(Bail),
        }
    }

    /// Whether `labels` are renamed `annotations` (step 7).
    fn labels_renamed(&self) -> bool {
        self.annotations.is_none() && self.labels.is_some()
    }

    /// The renames of step 7 that apply to this event.
    pub(super) fn renames(&self) -> [Option<(&'static str, &'static str)>; 4] {
        let absent = [
            !self.audit_id,
            self.received.is_none(),
            self.stage.is_none(),
        ];
        let present = [
            self.insert_id,
            self.receive_timestamp.is_some(),
            self.timestamp.is_some(),
        ];
        let labels = self.labels_renamed().then_some(("labels", "annotations"));
        let [a, b, c] = std::array::from_fn(|i| (absent[i] && present[i]).then_some(RENAMED[i]));
        [a, b, c, labels]
    }
}

/// The members the mapping reads of the event at `root`; `aks`: it is the inner event of an
/// AKS envelope (whose own `aks_metadata` the envelope's would replace: left to the `Value`
/// path).
pub(in crate::audit) fn fields(
    tree: &Tree,
    text: &str,
    root: Id,
    aks: bool,
) -> Result<Fields, Bail> {
    let mut f = Fields::default();
    for (key, value) in tree.members(root) {
        let slot = match tree.key(text, key) {
            "kind" if tree.str(text, value).as_deref() == Some("EventList") => return Err(Bail),
            "aks_metadata" if aks => return Err(Bail),
            "auditID" => {
                f.is_event = true;
                f.audit_id = true;
                continue;
            }
            "stage" => {
                f.is_event = true;
                continue;
            }
            "insertId" => {
                f.insert_id = true;
                continue;
            }
            "timestamp" => &mut f.timestamp,
            "receiveTimestamp" => &mut f.receive_timestamp,
            "verb" => {
                f.is_event = true;
                &mut f.verb
            }
            "annotations" => &mut f.annotations,
            "labels" => &mut f.labels,
            "user" => &mut f.user,
            "userAgent" => &mut f.user_agent,
            "sourceIPs" => &mut f.source_ips,
            "apiVersion" => &mut f.api_version,
            "objectRef" => &mut f.object_ref,
            "stageTimestamp" => &mut f.stage,
            "requestReceivedTimestamp" => &mut f.received,
            "protoPayload" => {
                f.is_event = true;
                &mut f.proto_payload
            }
            "resource" => &mut f.resource,
            "responseStatus" => &mut f.response_status,
            name if NOT_PLAIN.contains(&name) => return Err(Bail),
            _ => continue,
        };
        if slot.is_some() {
            return Err(Bail);
        }
        *slot = Some(value);
    }
    if !f.is_event {
        return Err(Bail);
    }
    Ok(f)
}

/// A time field: `Some` when it is an RFC 3339 string in range; a [`Bail`] when it is one out
/// of nanosecond range (the import's `E501`).
pub(in crate::audit) fn time_of(
    tree: &Tree,
    text: &str,
    id: Option<Id>,
) -> Result<Option<Nanos>, Bail> {
    let Some(value) = id.and_then(|id| tree.str(text, id)) else {
        return Ok(None);
    };
    match time::parse_rfc3339_checked(&value) {
        Ok(t) => Ok(Some(t)),
        Err(TimeError::OutOfRange) => Err(Bail),
        Err(TimeError::NotRfc3339) => Ok(None),
    }
}
