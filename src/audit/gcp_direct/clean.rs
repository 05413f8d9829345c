//! Values copied into a `gcp.audit` document, written as the GCP pipeline's last script leaves
//! them: keys sorted, every `null`, `""`, `{}` and `[]` removed at any depth, and keys made only
//! of dots removed too (which the Kubernetes pipeline's cleanup, `Tree::write_clean`, keeps).

use std::borrow::Cow;

use super::super::json_tree::{write_kept, write_plain, Bail, Id, Kind, Tree};

/// A key renamed (`from`, `to`) in the object written, not inside it.
pub(super) type Rename = Option<(&'static str, &'static str)>;

/// Writes the value `id` after the cleanup; `Ok(false)` (and nothing written) when the cleanup
/// removes it.
pub(super) fn write_clean(
    tree: &mut Tree,
    line: &str,
    id: Id,
    out: &mut Vec<u8>,
) -> Result<bool, Bail> {
    write_renamed(tree, line, id, None, out)
}

/// As [`write_clean`], with one key of the object `id` renamed (two members of one name, once
/// renamed, are a [`Bail`]: the pipeline keeps the moved one, which this path does not model).
pub(super) fn write_renamed(
    tree: &mut Tree,
    line: &str,
    id: Id,
    rename: Rename,
    out: &mut Vec<u8>,
) -> Result<bool, Bail> {
    match tree.node(id).kind {
        Kind::Array => write_array(tree, line, id, out),
        Kind::Object => {
            let mark = tree.stack_members(id);
            let written = write_members(tree, line, mark, rename, out);
            tree.release_members(mark);
            written
        }
        _ => tree.write_clean(line, id, out),
    }
}

fn write_array(tree: &mut Tree, line: &str, id: Id, out: &mut Vec<u8>) -> Result<bool, Bail> {
    let count = tree.items(id).len();
    write_kept(out, b'[', b']', count, |at, out| {
        let item = tree.items(id)[at];
        write_clean(tree, line, item, out)
    })
}

fn write_members(
    tree: &mut Tree,
    line: &str,
    mark: usize,
    rename: Rename,
    out: &mut Vec<u8>,
) -> Result<bool, Bail> {
    let end = tree.sort_members(line, mark, |key| Cow::Borrowed(renamed(rename, key)))?;
    write_kept(out, b'{', b'}', end - mark, |i, out| {
        let (key, value) = tree.member(mark + i);
        let name = renamed(rename, tree.key(line, key));
        if !name.is_empty() && name.bytes().all(|b| b == b'.') {
            return Ok(false);
        }
        write_plain(name, out);
        out.push(b':');
        write_clean(tree, line, value, out)
    })
}

fn renamed(rename: Rename, key: &str) -> &str {
    match rename {
        Some((from, to)) if key == from => to,
        _ => key,
    }
}
