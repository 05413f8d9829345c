//! `event.original` of `--dataset gcp.audit`: the entry as `serde_json` writes the `Value` it
//! reads (keys sorted at every level, nothing removed), not the line as it came.

use super::super::json_tree::{write_plain, write_str, Bail, Id, Kind, Tree};

/// Writes the value `id` as `serde_json::to_string` writes its `Value` (two members of one name
/// are a [`Bail`]: `serde_json` keeps the last).
pub(super) fn write_raw(
    tree: &mut Tree,
    line: &str,
    id: Id,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    match tree.node(id).kind {
        Kind::Null => out.extend_from_slice(b"null"),
        // Numbers and non-empty strings are written as the cleanup writes them.
        Kind::True | Kind::False | Kind::Number => {
            tree.write_clean(line, id, out)?;
        }
        Kind::Plain | Kind::Escaped => {
            let text = tree.str(line, id).ok_or(Bail)?;
            write_str(&text, out);
        }
        Kind::Array => {
            out.push(b'[');
            for at in 0..tree.items(id).len() {
                if at > 0 {
                    out.push(b',');
                }
                write_raw(tree, line, tree.items(id)[at], out)?;
            }
            out.push(b']');
        }
        Kind::Object => {
            let mark = tree.stack_members(id);
            let written = write_members(tree, line, mark, out);
            tree.release_members(mark);
            written?;
        }
    }
    Ok(())
}

fn write_members(tree: &mut Tree, line: &str, mark: usize, out: &mut Vec<u8>) -> Result<(), Bail> {
    let end = tree.sort_members(line, mark, std::borrow::Cow::Borrowed)?;
    out.push(b'{');
    for at in mark..end {
        if at > mark {
            out.push(b',');
        }
        let (key, value) = tree.member(at);
        write_plain(tree.key(line, key), out);
        out.push(b':');
        write_raw(tree, line, value, out)?;
    }
    out.push(b'}');
    Ok(())
}
