//! The ECS document of one event, written in its keys' order: the envelope fields, `event`
//! and `kubernetes.audit` (the event itself, renamed and cleaned as the pipeline does).

use std::borrow::Cow;

use super::super::ecs::{DATASET, INDEX, PRESERVE_ORIGINAL};
use super::super::json_tree::{write_plain, write_str, Bail, Id, Kind, Tree};
use super::super::time::{self, Nanos};
use super::sections::{source_ips, user_names, write_orchestrator, write_related, write_user};
use super::{push_time, DirectOptions, Fields};

/// The event a document is written from.
pub(in crate::audit) struct Source<'a> {
    /// The text the tree was parsed from (the line, or an AKS envelope's `properties.log`).
    pub text: &'a str,
    /// The log line (`event.original`).
    pub original: &'a str,
    pub root: Id,
    /// An AKS envelope's fields, written as the member `"aks_metadata":{…}` of
    /// `kubernetes.audit` (empty when the cleanup removed them all).
    pub aks_metadata: Option<&'a [u8]>,
}

/// The document (and its bulk action line) of an event whose `@timestamp` is `timestamp`.
pub(in crate::audit) fn write_mapped(
    tree: &mut Tree,
    source: &Source<'_>,
    f: &Fields,
    timestamp: Nanos,
    options: &DirectOptions,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let line = source.text;
    let ingested = timestamp.checked_add(options.ingest_lag).ok_or(Bail)?;
    if options.bulk {
        out.extend_from_slice(b"{\"create\":{\"_index\":\"");
        out.extend_from_slice(INDEX.as_bytes());
        out.extend_from_slice(b"\"}}\n");
    }
    out.extend_from_slice(b"{\"@timestamp\":\"");
    let stamp = out.len();
    push_time(timestamp, true, out);
    // `event.ingested` in the same second (no lag, the usual case) is the same date and time.
    let second = |t: Nanos| t.div_euclid(time::NANOS_PER_SECOND);
    let ingested_text = (second(ingested) == second(timestamp))
        .then(|| out.get(stamp..stamp + 19)?.first_chunk::<19>().copied())
        .flatten();
    out.push(b'"');
    // 10. sourceIPs, when every element is an IP.
    let ips = source_ips(tree, line, f.source_ips);
    if let Some(ips) = ips {
        write_field(tree, line, b",\"client\":{\"ip\":", ips, b"}", out)?;
    }
    out.extend_from_slice(b",\"data_stream\":{\"dataset\":\"");
    out.extend_from_slice(DATASET.as_bytes());
    out.extend_from_slice(b"\",\"namespace\":\"default\",\"type\":\"logs\"}");
    write_event(tree, source, f, (ingested, ingested_text), options, out)?;
    out.extend_from_slice(b",\"kubernetes\":{\"audit\":");
    if !write_audit(tree, source, f, out)? {
        // An event with a time is never empty; the `Value` path decides anything odder.
        return Err(Bail);
    }
    out.push(b'}');
    write_orchestrator(tree, line, f, out)?;
    let [uid, username] = user_names(tree, line, f.user)?;
    write_related(tree, line, ips, &uid, &username, out)?;
    if let Some(ips) = ips {
        write_field(tree, line, b",\"source\":{\"ip\":", ips, b"}", out)?;
    }
    if options.preserve_original {
        out.extend_from_slice(b",\"tags\":[\"");
        out.extend_from_slice(PRESERVE_ORIGINAL.as_bytes());
        out.extend_from_slice(b"\"]");
    }
    write_user(&uid, &username, out);
    if let Some(agent) = f.user_agent {
        write_field(
            tree,
            line,
            b",\"user_agent\":{\"original\":",
            agent,
            b"}",
            out,
        )?;
    }
    out.extend_from_slice(b"}\n");
    Ok(())
}

/// `prefix value suffix`, or nothing when the cleanup removes the value.
pub(super) fn write_field(
    tree: &mut Tree,
    line: &str,
    prefix: &[u8],
    value: Id,
    suffix: &[u8],
    out: &mut Vec<u8>,
) -> Result<bool, Bail> {
    let start = out.len();
    out.extend_from_slice(prefix);
    if !tree.write_clean(line, value, out)? {
        out.truncate(start);
        return Ok(false);
    }
    out.extend_from_slice(suffix);
    Ok(true)
}

/// 5–6, 8 and Fleet's fields: `event` (`action`, `dataset`, `ingested`, `kind`, `original`,
/// `outcome`).
fn write_event(
    tree: &mut Tree,
    source: &Source<'_>,
    f: &Fields,
    (ingested, same_second): (Nanos, Option<[u8; 19]>),
    options: &DirectOptions,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let line = source.text;
    out.extend_from_slice(b",\"event\":{");
    // 6. `action`: the verb when it is a non-empty string.
    if let Some(verb) = f.verb.and_then(|v| tree.str(line, v)) {
        if !verb.is_empty() {
            out.extend_from_slice(b"\"action\":");
            write_str(&verb, out);
            out.push(b',');
        }
    }
    out.extend_from_slice(b"\"dataset\":\"");
    out.extend_from_slice(DATASET.as_bytes());
    out.extend_from_slice(b"\",\"ingested\":\"");
    match same_second {
        Some(text) => {
            out.extend_from_slice(&text);
            out.push(b'Z');
        }
        None => push_time(ingested, false, out),
    }
    out.extend_from_slice(b"\",\"kind\":\"event\"");
    if options.preserve_original {
        out.extend_from_slice(b",\"original\":");
        write_str(source.original.trim_end_matches(['\n', '\r']), out);
    }
    let decision = f
        .annotations(tree)
        .and_then(|a| tree.get(line, a, "authorization.k8s.io/decision"))
        .and_then(|d| tree.str(line, d));
    match decision.as_deref() {
        Some("allow") => out.extend_from_slice(b",\"outcome\":\"success\""),
        Some("forbid") => out.extend_from_slice(b",\"outcome\":\"failure\""),
        _ => {}
    }
    out.push(b'}');
    Ok(())
}

/// The audit event itself, as `kubernetes.audit`: 4. request and response objects without
/// `metadata`, 8. annotation keys de-dotted.
fn write_audit<'t>(
    tree: &mut Tree,
    source: &Source<'t>,
    f: &Fields,
    out: &mut Vec<u8>,
) -> Result<bool, Bail> {
    let (line, root) = (source.text, source.root);
    // 3. The AKS envelope's fields, in their sorted place.
    let mut aks_metadata = source.aks_metadata.filter(|bytes| !bytes.is_empty());
    let renames = f.renames();
    let rename = |key: &'t str| -> Cow<'t, str> {
        match renames.iter().flatten().find(|(from, _)| *from == key) {
            Some((_, to)) => Cow::Borrowed(to),
            None => Cow::Borrowed(key),
        }
    };
    // 7. GKE's status code, written as the member `responseStatus` in its sorted place.
    let mut moved_code = f.moved_code(tree, line)?;
    let code_moves = moved_code.is_some();
    let start = out.len();
    out.push(b'{');
    let mut first = true;
    let mark = tree.stack_members(root);
    let written = (|| {
        let end = tree.sort_members(line, mark, rename)?;
        for at in mark..end {
            let (key, value) = tree.member(at);
            let name = rename(tree.key(line, key));
            let name = &*name;
            if name > "aks_metadata" {
                if let Some(bytes) = aks_metadata.take() {
                    write_member_bytes(bytes, &mut first, out);
                }
            }
            if name > "responseStatus" {
                if let Some(code) = moved_code.take() {
                    write_response_code(tree, line, code, &mut first, out)?;
                }
            }
            let before = out.len();
            if !first {
                out.push(b',');
            }
            write_plain(name, out);
            out.push(b':');
            let wrote = match name {
                // Not an object: dropped.
                "annotations" if tree.node(value).kind != Kind::Object => false,
                "annotations" => {
                    let inner = tree.stack_members(value);
                    let wrote = tree.write_members(line, inner, &[], dedot, out);
                    tree.release_members(inner);
                    wrote?
                }
                "requestObject" | "responseObject" => {
                    tree.write_clean_except(line, value, &["metadata"], out)?
                }
                "protoPayload" if code_moves => {
                    tree.write_clean_except(line, value, &["status", "code"], out)?
                }
                _ => tree.write_clean(line, value, out)?,
            };
            if wrote {
                first = false;
            } else {
                out.truncate(before);
            }
        }
        if let Some(bytes) = aks_metadata {
            write_member_bytes(bytes, &mut first, out);
        }
        if let Some(code) = moved_code {
            write_response_code(tree, line, code, &mut first, out)?;
        }
        Ok(())
    })();
    tree.release_members(mark);
    written?;
    if first {
        out.truncate(start);
        return Ok(false);
    }
    out.push(b'}');
    Ok(true)
}

/// A member written beforehand (`"name":value`), after a comma unless it is the first.
fn write_member_bytes(bytes: &[u8], first: &mut bool, out: &mut Vec<u8>) {
    if !*first {
        out.push(b',');
    }
    out.extend_from_slice(bytes);
    *first = false;
}

/// `"responseStatus":{"code":…}` as a member of `kubernetes.audit` (nothing when the cleanup
/// removes the code).
fn write_response_code(
    tree: &mut Tree,
    line: &str,
    code: Id,
    first: &mut bool,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let prefix: &[u8] = match first {
        true => b"\"responseStatus\":{\"code\":",
        false => b",\"responseStatus\":{\"code\":",
    };
    if write_field(tree, line, prefix, code, b"}", out)? {
        *first = false;
    }
    Ok(())
}

/// 8. `authorization.k8s.io/decision` → `authorization_k8s_io/decision`.
fn dedot(key: &str) -> Cow<'_, str> {
    if key.contains('.') {
        Cow::Owned(key.replace('.', "_"))
    } else {
        Cow::Borrowed(key)
    }
}
