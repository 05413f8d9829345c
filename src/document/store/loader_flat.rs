//! The loader's side of `flattened` fields: a field the mapping declares `flattened` is read
//! whole from the document (`document::flattened::canonical`), not leaf by leaf.
//!
//! The leaves below such a root are still collected as fields, because KQL and EQL query a
//! flattened field's keys (`gcp.audit.request.kind: Pod` is a keyed term query in
//! Elasticsearch); ES|QL, which sees only the root, leaves them out of `FROM`'s columns
//! (`catalog::from_columns`).

use std::sync::Arc;

use super::{FieldSelection, Loader};
use crate::document::flattened;
use crate::document::value::{Cell, Type, Value};
use crate::document::walk::{Fields, Scalar};
use crate::document::Mapping;

/// Not decided yet / below no flattened root, in [`FlatRoots::root_of`].
const UNKNOWN: u32 = u32::MAX;
const NO_ROOT: u32 = u32::MAX - 1;

/// Per field id: the flattened root it is or lies below, decided once (a plain index, so the
/// per-leaf look-up on every document costs no reference count).
#[derive(Default)]
pub(super) struct FlatRoots {
    /// The selected names the mapping types `flattened`, with their ids.
    pub(super) selected: Vec<(u32, Arc<str>)>,
    /// Per field id: an index into `roots`, [`NO_ROOT`] or [`UNKNOWN`].
    root_of: Vec<u32>,
    roots: Vec<Arc<str>>,
}

impl FlatRoots {
    /// The selected fields `mapping` types `flattened`.
    pub(super) fn new(selection: &FieldSelection, mapping: &Mapping, fields: &Fields) -> FlatRoots {
        let selected = (selection.names.iter())
            .filter(|n| mapping.get(n) == Some(Type::Flattened))
            .filter_map(|n| Some((fields.get(n)?, Arc::from(n.as_str()))))
            .collect();
        FlatRoots {
            selected,
            ..FlatRoots::default()
        }
    }
}

impl Loader {
    /// The index (in `flat.roots`) of the flattened root `id`'s name is or lies below.
    fn flat_root_of(&mut self, id: u32) -> Option<usize> {
        let i = id as usize;
        if self.flat.root_of.len() <= i {
            self.flat.root_of.resize(i + 1, UNKNOWN);
        }
        match self.flat.root_of[i] {
            NO_ROOT => return None,
            UNKNOWN => {}
            known => return Some(known as usize),
        }
        let name = &self.fields.names[i];
        let mut found = NO_ROOT;
        let mut end = 0;
        while end < name.len() {
            end = name[end..].find('.').map_or(name.len(), |dot| end + dot);
            let root = &name[..end];
            if self.options.mapping.get(root) == Some(Type::Flattened) {
                let at = (self.flat.roots.iter()).position(|r| **r == *root);
                found = at.unwrap_or_else(|| {
                    self.flat.roots.push(Arc::from(root));
                    self.flat.roots.len() - 1
                }) as u32;
                break;
            }
            end += 1;
        }
        self.flat.root_of[i] = found;
        (found != NO_ROOT).then_some(found as usize)
    }

    /// Whether a leaf is a flattened root's own (an object where the root is wanted): skipped
    /// leaf by leaf, the root is read whole by [`Loader::fill_flattened`].
    pub(super) fn is_flat_root(&mut self, id: u32) -> bool {
        self.flat_root_of(id)
            .is_some_and(|at| *self.flat.roots[at] == *self.fields.names[id as usize])
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
            if let Some(at) = self.flat_root_of(*id) {
                let root = &self.flat.roots[at];
                // Keys read for KQL or EQL without their root cost no second parse.
                let wanted = self.fields.all || self.fields.get(root).is_some();
                if wanted && !roots.contains(root) {
                    roots.push(Arc::clone(root));
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
