//! The wanted field paths the scanner looks for: a trie of dotted key segments, or every
//! field as the serde walk names them.

use super::super::walk::Fields;

/// The wanted field paths as a trie over dotted key segments, so that `{"a.b":1}`,
/// `{"a":{"b":1}}` and mixtures reach the same node `a.b`, as the serde walk's joined path
/// does. Every node is a wanted name or a dotted prefix of one (what the walk descends into).
#[derive(Debug)]
pub(in crate::document) struct Paths {
    nodes: Vec<Node>,
}

#[derive(Debug, Default)]
struct Node {
    /// Field id when this path is a wanted name.
    id: Option<u32>,
    /// (key segment, node); a handful per node, so a scan beats hashing.
    children: Vec<(Box<[u8]>, u32)>,
}

pub(super) const ROOT: u32 = 0;

impl Paths {
    /// The trie over `(id, name)`; `None` when a name has an empty segment (`""`, `.a`, `a.`,
    /// `a..b`): how empty keys join into paths is left to the serde walk. Without such names,
    /// a key with an empty segment simply leads nowhere, as in the walk.
    pub(in crate::document) fn new<'n>(
        names: impl IntoIterator<Item = (u32, &'n str)>,
    ) -> Option<Paths> {
        let mut paths = Paths {
            nodes: vec![Node::default()],
        };
        for (id, name) in names {
            let mut at = ROOT;
            for segment in name.split('.') {
                if segment.is_empty() {
                    return None;
                }
                at = match paths.step(at, segment.as_bytes()) {
                    Some(next) => next,
                    None => {
                        let next = paths.nodes.len() as u32;
                        paths.nodes.push(Node::default());
                        paths.nodes[at as usize]
                            .children
                            .push((segment.as_bytes().into(), next));
                        next
                    }
                };
            }
            // Names repeat only with the id they first had.
            paths.nodes[at as usize].id.get_or_insert(id);
        }
        Some(paths)
    }

    #[inline(always)]
    fn step(&self, node: u32, segment: &[u8]) -> Option<u32> {
        let children = &self.nodes[node as usize].children;
        // The first byte tells most keys of the same length apart without a compare call.
        let first = segment.first();
        children
            .iter()
            .find(|(s, _)| s.len() == segment.len() && s.first() == first && same(s, segment))
            .map(|(_, n)| *n)
    }

    /// The node of `node`'s path joined with `key`, which may itself hold dots (`dotted`).
    /// Inline: the scanner calls it for every key of a walked object, from another module.
    #[inline]
    fn child(&self, node: u32, key: &[u8], dotted: bool) -> Option<u32> {
        if !dotted {
            return self.step(node, key);
        }
        let (mut at, mut rest) = (node, key);
        while let Some(dot) = rest.iter().position(|&b| b == b'.') {
            at = self.step(at, &rest[..dot])?;
            rest = &rest[dot + 1..];
        }
        self.step(at, rest)
    }

    #[inline]
    fn id(&self, node: u32) -> Option<u32> {
        self.nodes[node as usize].id
    }
}

/// Whether `a` and `b`, of the same length, hold the same bytes: up to 16 bytes (most keys
/// and values) by two overlapping word compares, inline, rather than a `memcmp` call.
#[inline(always)]
pub(in crate::document) fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    debug_assert_eq!(n, b.len());
    fn word(t: &[u8], at: usize) -> Option<u64> {
        Some(u64::from_le_bytes(*t.get(at..)?.first_chunk::<8>()?))
    }
    fn half(t: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_le_bytes(*t.get(at..)?.first_chunk::<4>()?))
    }
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..8 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

/// What the scanner collects. A node is a trie node, or for every field the length of the
/// path so far (0, the root, in both).
pub(in crate::document) enum Wanted<'w> {
    Paths(&'w Paths),
    /// Every leaf, with ids made as the serde walk makes them (in document order, so a
    /// partial scan before a fall back only makes ids the walk then finds).
    All {
        fields: &'w mut Fields,
        path: &'w mut String,
    },
}

impl Wanted<'_> {
    /// The node of `node`'s path joined with `key` (`dotted` if it holds a `.`). The key is
    /// bytes between two quotes of text, so text too; the trie reads it as bytes, without
    /// the character-boundary checks of slicing text.
    #[inline(always)]
    pub(super) fn child(&mut self, node: u32, key: &[u8], dotted: bool) -> Option<u32> {
        match self {
            Wanted::Paths(paths) => paths.child(node, key, dotted),
            Wanted::All { path, .. } => {
                let key = std::str::from_utf8(key).ok()?;
                path.truncate(node as usize);
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                u32::try_from(path.len()).ok()
            }
        }
    }

    /// The field id of a leaf at `node`.
    #[inline(always)]
    pub(super) fn leaf(&mut self, node: u32) -> Option<u32> {
        match self {
            Wanted::Paths(paths) => paths.id(node),
            Wanted::All { fields, path } => {
                path.truncate(node as usize);
                fields.id(path)
            }
        }
    }

    /// The field id to report an object at `node` under (the walk does not for every field).
    #[inline(always)]
    pub(super) fn object(&self, node: u32) -> Option<u32> {
        match self {
            Wanted::Paths(paths) => paths.id(node),
            Wanted::All { .. } => None,
        }
    }
}
