//! The loader's side of `flattened` fields: a field the mapping declares `flattened` is read
//! whole from the document (`document::flattened::canonical`), not leaf by leaf.
//!
//! The leaves below such a root are still collected as fields, because KQL and EQL query a
//! flattened field's keys (`gcp.audit.request.kind: Pod` is a keyed term query in
//! Elasticsearch); ES|QL, which sees only the root, leaves them out of `FROM`'s columns
//! (`catalog::from_columns`).

use std::sync::Arc;

use super::Loader;
use crate::document::flattened;
use crate::document::value::{Cell, Type, Value};
use crate::document::walk::Scalar;

/// Per field id: the flattened root it is or lies below (`None` if none), decided once.
#[derive(Default)]
pub(super) struct FlatRoots {
    /// The selected names the mapping types `flattened`, with their ids.
    pub(super) selected: Vec<(u32, Arc<str>)>,
    root_of: Vec<Option<Option<Arc<str>>>>,
}

impl Loader {
    /// The flattened root `id`'s name is or lies below, by the load mapping.
    fn flat_root_of(&mut self, id: u32) -> Option<Arc<str>> {
        let i = id as usize;
        if self.flat.root_of.len() <= i {
            self.flat.root_of.resize(i + 1, None);
        }
        if let Some(known) = &self.flat.root_of[i] {
            return known.clone();
        }
        let name = &self.fields.names[i];
        let mut found = None;
        let mut end = 0;
        while end < name.len() {
            end = name[end..].find('.').map_or(name.len(), |dot| end + dot);
            if self.options.mapping.get(&name[..end]) == Some(Type::Flattened) {
                found = Some(Arc::from(&name[..end]));
                break;
            }
            end += 1;
        }
        self.flat.root_of[i] = Some(found.clone());
        found
    }

    /// Whether a leaf is a flattened root's own (an object where the root is wanted): skipped
    /// leaf by leaf, the root is read whole by [`Loader::fill_flattened`].
    pub(super) fn is_flat_root(&mut self, id: u32) -> bool {
        self.flat_root_of(id)
            .is_some_and(|root| *root == *self.fields.names[id as usize])
    }

    /// Sets the cell of every flattened root this document has: the canonical value of the
    /// objects at the root's path, or the reason indexing refuses the document.
    pub(super) fn fill_flattened(
        &mut self,
        text: &[u8],
        leaves: &[(u32, Scalar)],
    ) -> Result<(), String> {
        let mut roots: Vec<Arc<str>> = Vec::new();
        for (id, _) in leaves {
            if let Some(root) = self.flat_root_of(*id) {
                if !roots.contains(&root) {
                    roots.push(root);
                }
            }
        }
        for (_, name) in &self.flat.selected {
            let last = name.rsplit('.').next().unwrap_or(name);
            let mentioned = memchr::memmem::find(text, last.as_bytes()).is_some();
            if mentioned && !roots.contains(name) {
                roots.push(Arc::clone(name));
            }
        }
        if roots.is_empty() {
            return Ok(());
        }
        let doc: serde_json::Value =
            serde_json::from_slice(text).map_err(|e| format!("invalid JSON: {e}"))?;
        for root in roots {
            let Some(id) = self.fields.id(&root) else {
                continue;
            };
            let mut found = Vec::new();
            at_path(&doc, &root, &mut found);
            let refs: Vec<&serde_json::Value> = found.iter().collect();
            let value =
                flattened::canonical(&root, &refs).map_err(|m| format!("field [{root}]: {m}"))?;
            let i = id as usize;
            if self.cells.len() <= i {
                self.cells.resize(i + 1, Cell::Null);
            }
            if self.types.len() <= i {
                self.types.resize(i + 1, None);
            }
            self.types[i] = Some(Type::Flattened);
            self.cells[i] = value.map_or(Cell::Null, |v| Cell::One(Value::str(&v)));
        }
        Ok(())
    }
}

/// The values at a dotted `path` of a document, whether its keys nest (`{"a":{"b":…}}`), are
/// dotted (`{"a.b":…}`) or mix both, through arrays of objects. A key that runs past the root
/// (`"a.b.c"` for the root `a.b`) is a leaf of it: returned as the object `{"c": …}`.
fn at_path(value: &serde_json::Value, path: &str, out: &mut Vec<serde_json::Value>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                if key == path {
                    out.push(v.clone());
                } else if let Some(rest) =
                    (path.strip_prefix(key.as_str())).and_then(|r| r.strip_prefix('.'))
                {
                    at_path(v, rest, out);
                } else if let Some(below) =
                    (key.strip_prefix(path)).and_then(|r| r.strip_prefix('.'))
                {
                    let mut one = serde_json::Map::new();
                    one.insert(below.to_string(), v.clone());
                    out.push(serde_json::Value::Object(one));
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                at_path(item, path, out);
            }
        }
        _ => {}
    }
}
