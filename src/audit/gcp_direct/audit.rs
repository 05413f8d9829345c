//! `gcp.audit` of a Cloud Audit Log entry's document, in its keys' order, and what `event`
//! takes from the same members (the operation's kind, the outcome).

use super::super::json_tree::{write_kept, Bail, Id, Kind, Tree};
use super::clean::{self, write_renamed};
use super::{push_time, Entry, Obj};
use crate::audit::time;

/// `(category session, type start|end)` of `operation`: a long-running operation (not both
/// `first` and `last`; any `operation` value that is not such an object is one).
pub(super) fn operation_kind(tree: &Tree, e: &Entry<'_>) -> (bool, Option<&'static str>) {
    let Some(operation) = e.top(tree, "operation") else {
        return (false, None);
    };
    let flag = |name| {
        e.get(tree, Some(operation), name)
            .map(|f| tree.node(f).kind)
            == Some(Kind::True)
    };
    match (flag("first"), flag("last")) {
        (true, true) => (false, None),
        (true, false) => (true, Some("start")),
        (false, true) => (true, Some("end")),
        (false, false) => (true, None),
    }
}

/// `event.outcome` and, with exactly one `authorizationInfo` entry, its `granted` (a JSON
/// boolean, or `None`).
pub(super) fn outcome(tree: &mut Tree, e: &Entry<'_>) -> (&'static str, Option<Option<bool>>) {
    let single = e
        .of_payload(tree, "authorizationInfo")
        .filter(|&a| tree.node(a).kind == Kind::Array && tree.items(a).len() == 1)
        .map(|a| tree.items(a)[0]);
    let grant = single.map(|item| {
        match e
            .get(tree, Some(item), "granted")
            .map(|g| tree.node(g).kind)
        {
            Some(Kind::True) => Some(true),
            Some(Kind::False) => Some(false),
            _ => None,
        }
    });
    let outcome = match (status_code(tree, e), grant) {
        (Some(0), _) => "success",
        (Some(_), _) => "failure",
        (None, Some(Some(true))) => "success",
        (None, Some(Some(false))) => "failure",
        _ => "unknown",
    };
    (outcome, grant)
}

/// `protoPayload.status.code` as a long.
fn status_code(tree: &mut Tree, e: &Entry<'_>) -> Option<i64> {
    let status = e.of_payload(tree, "status");
    to_long(tree, e.line, e.get(tree, status, "code")?)
}

/// The pipeline's `convert` to long: an integer that fits (not `-0`, a fraction or an
/// exponent, which `serde_json` reads as floats), or a string of one, trimmed.
fn to_long(tree: &mut Tree, line: &str, id: Id) -> Option<i64> {
    match tree.node(id).kind {
        Kind::Number => {
            // The number as `serde_json` writes the one it reads: an integer only if it is one.
            let mut text = Vec::with_capacity(24);
            tree.write_clean(line, id, &mut text).ok()?;
            std::str::from_utf8(&text).ok()?.parse().ok()
        }
        Kind::Plain | Kind::Escaped => tree.str(line, id)?.trim().parse().ok(),
        _ => None,
    }
}

/// `gcp.audit`; `false` when the cleanup leaves it nothing.
pub(super) fn write_audit(tree: &mut Tree, e: &Entry<'_>, out: &mut Vec<u8>) -> Result<bool, Bail> {
    let line = e.line;
    let mut audit = Obj::open(out);
    let authn = e.authn;
    audit.member("authentication_info", out, |out| {
        let mut info = Obj::open(out);
        let selector = e.get(tree, authn, "authoritySelector");
        info.value(tree, line, "authority_selector", selector, out)?;
        let key = e.get(tree, authn, "serviceAccountKeyName");
        info.value(tree, line, "service_account_key_name", key, out)?;
        Ok(info.close(out))
    })?;
    if let Some(info) = e.of_payload(tree, "authorizationInfo") {
        audit.member("authorization_info", out, |out| {
            write_authorization(tree, line, info, out)
        })?;
    }
    audit.value(tree, line, "labels", e.top(tree, "labels"), out)?;
    let operation_id = logentry_operation_id(tree, e)?;
    audit.member("logentry_operation", out, |out| {
        let mut operation = Obj::open(out);
        operation.value(tree, line, "id", operation_id, out)?;
        Ok(operation.close(out))
    })?;
    let items = e.of_payload(tree, "numResponseItems");
    if let Some(items) = items.and_then(|i| to_long(tree, line, i)) {
        audit.member("num_response_items", out, |out| {
            out.extend_from_slice(items.to_string().as_bytes());
            Ok(true)
        })?;
    }
    let received = e
        .top(tree, "receiveTimestamp")
        .and_then(|r| tree.str(line, r))
        .and_then(|r| time::parse_rfc3339(&r));
    if let Some(received) = received {
        audit.member("receive_timestamp", out, |out| {
            out.push(b'"');
            push_time(received, true, out);
            out.push(b'"');
            Ok(true)
        })?;
    }
    let request = e.of_payload(tree, "request");
    write_renaming(tree, line, &mut audit, ("request", request), "policy", out)?;
    write_resource(tree, e, &mut audit, out)?;
    let response = e.of_payload(tree, "response");
    write_renaming(
        tree,
        line,
        &mut audit,
        ("response", response),
        "status",
        out,
    )?;
    let status = e.of_payload(tree, "status");
    let code = status_code(tree, e);
    let message = e.get(tree, status, "message");
    audit.member("status", out, |out| {
        let mut object = Obj::open(out);
        if let Some(code) = code {
            object.member("code", out, |out| {
                out.extend_from_slice(code.to_string().as_bytes());
                Ok(true)
            })?;
        }
        object.value(tree, line, "message", message, out)?;
        Ok(object.close(out))
    })?;
    let kind = e.of_payload(tree, "@type").and_then(|t| tree.str(line, t));
    audit.text("type", kind.as_deref().unwrap_or_default(), out);
    Ok(audit.close(out))
}

/// `resource.type`, `resource_location.current_locations`, `resource_name`.
fn write_resource(
    tree: &mut Tree,
    e: &Entry<'_>,
    audit: &mut Obj,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let line = e.line;
    let kind = e.get(tree, e.top(tree, "resource"), "type");
    let kind = kind.and_then(|k| tree.str(line, k));
    audit.member("resource", out, |out| {
        let mut resource = Obj::open(out);
        resource.text("type", kind.as_deref().unwrap_or_default(), out);
        Ok(resource.close(out))
    })?;
    let location = e.of_payload(tree, "resourceLocation");
    let current = e.get(tree, location, "currentLocations");
    audit.member("resource_location", out, |out| {
        let mut object = Obj::open(out);
        object.value(tree, line, "current_locations", current, out)?;
        Ok(object.close(out))
    })?;
    audit.value(
        tree,
        line,
        "resource_name",
        e.of_payload(tree, "resourceName"),
        out,
    )
}

/// `operation.id` when the entry has an `insertId` that differs from it (compared as the
/// `Value`s they are: two strings by their text, a string and anything else differ; two values
/// that are not strings are left to the `Value` path).
fn logentry_operation_id(tree: &Tree, e: &Entry<'_>) -> Result<Option<Id>, Bail> {
    let id = e.get(tree, e.top(tree, "operation"), "id");
    let (Some(id), Some(event_id)) = (id, e.top(tree, "insertId")) else {
        return Ok(None);
    };
    match (tree.str(e.line, id), tree.str(e.line, event_id)) {
        (Some(a), Some(b)) => Ok((a != b).then_some(id)),
        (None, None) => Err(Bail),
        _ => Ok(Some(id)),
    }
}

/// `request` / `response`: the member `inner` (`policy`, `status`) renamed `inner_value` when
/// it is not an object (two members of one name are a [`Bail`]).
fn write_renaming(
    tree: &mut Tree,
    line: &str,
    audit: &mut Obj,
    (name, id): (&str, Option<Id>),
    inner: &'static str,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let Some(id) = id else { return Ok(()) };
    let moved = tree
        .get(line, id, inner)
        .is_some_and(|v| tree.node(v).kind != Kind::Object);
    if tree.node(id).kind != Kind::Object || !moved {
        return audit.value(tree, line, name, Some(id), out);
    }
    let renamed: &'static str = if inner == "policy" {
        "policy_value"
    } else {
        "status_value"
    };
    audit.member(name, out, |out| {
        write_renamed(tree, line, id, Some((inner, renamed)), out)
    })
}

/// `authorizationInfo`, each object entry's `resourceAttributes` renamed `resource_attributes`.
fn write_authorization(
    tree: &mut Tree,
    line: &str,
    info: Id,
    out: &mut Vec<u8>,
) -> Result<bool, Bail> {
    if tree.node(info).kind != Kind::Array {
        return clean::write_clean(tree, line, info, out);
    }
    let count = tree.items(info).len();
    write_kept(out, b'[', b']', count, |at, out| {
        let item = tree.items(info)[at];
        let renamed = Some(("resourceAttributes", "resource_attributes"));
        write_renamed(tree, line, item, renamed, out)
    })
}
