//! The document's derived sections: `orchestrator`, `related` and `user` (and the source IPs
//! they and `client` / `source` share).

use std::borrow::Cow;

use super::super::json_tree::{write_plain, write_str, Bail, Id, Kind, Tree};
use super::document::write_field;
use super::Fields;

/// Step 11, `orchestrator`: `api_version`, `cluster` (`id`, `name`: GKE's resource labels),
/// `namespace`, `resource` (`name`, `type`: the object reference's, else GKE's resource name
/// and type), `type`.
pub(super) fn write_orchestrator(
    tree: &mut Tree,
    line: &str,
    f: &Fields,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    out.extend_from_slice(b",\"orchestrator\":{");
    if let Some(v) = f.api_version {
        write_field(tree, line, b"\"api_version\":", v, b",", out)?;
    }
    let labels = f.resource.and_then(|r| tree.get(line, r, "labels"));
    let label = |name| labels.and_then(|l| tree.get(line, l, name));
    let cluster = [("id", label("project_id")), ("name", label("cluster_name"))];
    write_pair(tree, line, "cluster", cluster, out)?;
    let object_ref = f.object_ref.filter(|&o| tree.node(o).kind == Kind::Object);
    let get = |name| object_ref.and_then(|o| tree.get(line, o, name));
    let namespace = get("namespace");
    let name = get("name").or_else(|| {
        f.proto_payload
            .and_then(|p| tree.get(line, p, "resourceName"))
    });
    let kind = get("resource").or_else(|| f.resource.and_then(|r| tree.get(line, r, "type")));
    if let Some(v) = namespace {
        write_field(tree, line, b"\"namespace\":", v, b",", out)?;
    }
    write_pair(
        tree,
        line,
        "resource",
        [("name", name), ("type", kind)],
        out,
    )?;
    out.extend_from_slice(b"\"type\":\"kubernetes\"}");
    Ok(())
}

/// `"object":{"a":…,"b":…},` with the members the cleanup keeps (keys in order), or nothing
/// when it keeps none.
fn write_pair(
    tree: &mut Tree,
    line: &str,
    object: &str,
    members: [(&str, Option<Id>); 2],
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let start = out.len();
    write_plain(object, out);
    out.extend_from_slice(b":{");
    let mut any = false;
    for (key, value) in members {
        let Some(value) = value else { continue };
        let before = out.len();
        if any {
            out.push(b',');
        }
        write_plain(key, out);
        out.push(b':');
        if tree.write_clean(line, value, out)? {
            any = true;
        } else {
            out.truncate(before);
        }
    }
    if any {
        out.extend_from_slice(b"},");
    } else {
        out.truncate(start);
    }
    Ok(())
}

/// 10. `convert` to ip: the value when it is an IP string or an array of IP strings only.
pub(super) fn source_ips(tree: &Tree, line: &str, id: Option<Id>) -> Option<Id> {
    let id = id?;
    let is_ip = |v: Id| {
        tree.str(line, v)
            .is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok())
    };
    match tree.node(id).kind {
        Kind::Array if tree.items(id).iter().all(|&v| is_ip(v)) => Some(id),
        Kind::Plain | Kind::Escaped if is_ip(id) => Some(id),
        _ => None,
    }
}

/// A user name or uid, unescaped.
type Name<'t> = Option<Cow<'t, str>>;

/// 9. `user.uid` and `user.username`, when `user` is an object: strings only here.
pub(super) fn user_names<'t>(
    tree: &Tree,
    line: &'t str,
    user: Option<Id>,
) -> Result<[Name<'t>; 2], Bail> {
    let Some(user) = user.filter(|&u| tree.node(u).kind == Kind::Object) else {
        return Ok([None, None]);
    };
    let text = |name| match tree.get(line, user, name) {
        None => Ok(None),
        Some(v) => tree.str(line, v).map(Some).ok_or(Bail),
    };
    Ok([text("uid")?, text("username")?])
}

/// 13. `related.ip` (every source IP once) and `related.user` (uid, then username, once).
pub(super) fn write_related(
    tree: &Tree,
    line: &str,
    ips: Option<Id>,
    uid: &Option<Cow<'_, str>>,
    username: &Option<Cow<'_, str>>,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let mut unique: Vec<Cow<'_, str>> = Vec::new();
    if let Some(ips) = ips {
        let single = [ips];
        let list = match tree.node(ips).kind {
            Kind::Array => tree.items(ips),
            _ => &single[..],
        };
        for &ip in list {
            let ip = tree.str(line, ip).ok_or(Bail)?;
            if !unique.contains(&ip) {
                unique.push(ip);
            }
        }
    }
    let mut users: Vec<&str> = Vec::new();
    for name in [uid, username].into_iter().flatten() {
        if !users.contains(&name.as_ref()) {
            users.push(name);
        }
    }
    users.retain(|u| !u.is_empty());
    if unique.is_empty() && users.is_empty() {
        return Ok(());
    }
    out.extend_from_slice(b",\"related\":{");
    if !unique.is_empty() {
        write_list(b"\"ip\":", &unique, out);
    }
    if !users.is_empty() {
        if !unique.is_empty() {
            out.push(b',');
        }
        write_list(b"\"user\":", &users, out);
    }
    out.push(b'}');
    Ok(())
}

fn write_list<S: AsRef<str>>(key: &[u8], items: &[S], out: &mut Vec<u8>) {
    out.extend_from_slice(key);
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(item.as_ref(), out);
    }
    out.push(b']');
}

/// 9. `user` (`id`, `name`), empty strings left out.
pub(super) fn write_user(
    uid: &Option<Cow<'_, str>>,
    username: &Option<Cow<'_, str>>,
    out: &mut Vec<u8>,
) {
    let uid = uid.as_deref().filter(|s| !s.is_empty());
    let name = username.as_deref().filter(|s| !s.is_empty());
    if uid.is_none() && name.is_none() {
        return;
    }
    out.extend_from_slice(b",\"user\":{");
    if let Some(uid) = uid {
        out.extend_from_slice(b"\"id\":");
        write_str(uid, out);
    }
    if let Some(name) = name {
        if uid.is_some() {
            out.push(b',');
        }
        out.extend_from_slice(b"\"name\":");
        write_str(name, out);
    }
    out.push(b'}');
}
