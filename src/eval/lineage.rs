//! Which columns are copies of another: `EVAL z = y` (and renames of either) make `z` the same
//! attribute as `y` in Elasticsearch, whose optimizer then treats `BY y, z` as one key. The
//! plan tracks copies beside constants ([`super::fold::Constants`]), command by command.

use std::collections::BTreeMap;

use super::expr::{CExpr, Kind};
use crate::document::Column;

/// Copy column name → the name of the column it copies (its root, never itself a copy).
#[derive(Clone, Debug, Default)]
pub struct Copies(BTreeMap<String, String>);

impl Copies {
    /// The column `name` copies, or `name` itself.
    pub fn root<'a>(&'a self, name: &'a str) -> &'a str {
        self.0.get(name).map_or(name, String::as_str)
    }

    /// Column `name` was just written by `value`, compiled against `schema`.
    pub fn assign(&mut self, name: &str, value: &CExpr, schema: &[Column]) {
        let root = match value.kind {
            Kind::Column(i) => Some(self.root(&schema[i].name).to_string()),
            _ => None,
        };
        self.forget(name);
        if let Some(root) = root.filter(|r| r != name) {
            self.0.insert(name.to_string(), root);
        }
    }

    /// Column `name` now holds other values: it copies nothing, and nothing copies it.
    pub fn forget(&mut self, name: &str) {
        self.0.remove(name);
        self.0.retain(|_, root| root != name);
    }

    /// After a projection: new column `k` is old column `order[k]`, named `new[k].name`.
    /// Copies follow their renames; a copy whose root was dropped is rooted at the first
    /// remaining copy.
    pub fn project(&mut self, old: &[Column], order: &[usize], new: &[Column]) {
        let mut groups: BTreeMap<&str, Vec<(usize, bool)>> = BTreeMap::new();
        for (k, &i) in order.iter().enumerate() {
            let root = self.root(&old[i].name);
            groups
                .entry(root)
                .or_default()
                .push((k, old[i].name == root));
        }
        let mut next = BTreeMap::new();
        for members in groups.values() {
            let Some(&(leader, _)) = members.iter().find(|m| m.1).or(members.first()) else {
                continue;
            };
            for &(k, _) in members {
                if k != leader {
                    next.insert(new[k].name.clone(), new[leader].name.clone());
                }
            }
        }
        self.0 = next;
    }
}
