//! LIKE and RLIKE matchers that run in time linear in the input: patterns become regular terms
//! (with intersection, complement and numeric intervals, for Lucene `RegExp.ALL`), which are
//! determinised eagerly by Brzozowski derivatives into a DFA over character classes.
//!
//! Compilation is bounded too. Bounded repetition `r{m,n}` is one term whose derivative counts
//! down (`d(r{m,n}) = d(r)·r{m-1,n-1}`), so `.{1,1000}` makes 1,000 states of constant size
//! rather than 1,000 nested alternatives; adjacent `*` (and `.*`, `@`) collapse into one.
//! A pattern whose automaton really is large — more than [`MAX_STATES`] states, the most
//! Lucene's default determinisation effort (`Operations.DEFAULT_DETERMINIZE_WORK_LIMIT` × 10)
//! allows, or more than
//! [`MAX_TRANSITIONS`] transitions or [`MAX_TERMS`] terms on the way — is refused with Lucene's
//! `TooComplexToDeterminizeException` text, as Elasticsearch refuses it.

use std::collections::HashMap;

mod parser;

use parser::LuceneParser;

type Id = u32;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Node {
    /// The empty language `#`.
    Empty,
    /// The empty string.
    Eps,
    /// One code point in any of the sorted, disjoint inclusive ranges.
    Class(Vec<(u32, u32)>),
    Cat(Id, Id),
    Or(Vec<Id>),
    And(Vec<Id>),
    Not(Id),
    Star(Id),
    /// `r{min,max}` with `r` not nullable and `max >= 1` (`None`: unbounded).
    Rep(Id, u32, Option<u32>),
    /// Lucene `<lo-hi>`: decimal numbers in the interval; `width` fixes the digit count. `acc`
    /// and `digits` track what the derivative has consumed.
    Num {
        lo: u64,
        hi: u64,
        width: Option<u32>,
        acc: u64,
        digits: u32,
    },
}

const MAX_CHAR: u32 = 0x10FFFF;
/// Lucene's default determinisation work limit (`Operations.DEFAULT_DETERMINIZE_WORK_LIMIT`),
/// which Elasticsearch's `RLIKE` and `LIKE` use and which its error message names.
pub const LUCENE_WORK_LIMIT: usize = 10_000;
/// DFA states: Lucene's `determinize` spends, per DFA state, the size of its NFA state set (at
/// least 1) against an effort budget of ten times the work limit (LUCENE-9981), so a pattern
/// Lucene accepts has fewer than 100,000 DFA states. Our derivative states are not Lucene's
/// subsets, so this is the bound, not the same measure.
pub const MAX_STATES: usize = 10 * LUCENE_WORK_LIMIT;
/// Transitions of the automaton (states × character classes): its memory (64 MB of `u32`).
pub const MAX_TRANSITIONS: usize = 16_000_000;
/// Distinct terms built while determinising: the compile memory.
pub const MAX_TERMS: usize = 2_000_000;
/// Derivatives computed and alternatives merged while determinising: the compile time.
pub const MAX_WORK: usize = 16_000_000;

/// Lucene's `TooComplexToDeterminizeException` message for a regular expression.
fn too_complex(pattern: &str) -> String {
    format!(
        "org.apache.lucene.util.automaton.TooComplexToDeterminizeException: Determinizing {pattern} would require more than {LUCENE_WORK_LIMIT} effort."
    )
}

/// Builds and determinises regular terms.
#[derive(Default)]
struct Builder {
    nodes: Vec<Node>,
    ids: HashMap<Node, Id>,
    /// Derivatives already taken, by term and class representative.
    derived: HashMap<(Id, u32), Id>,
    /// Derivatives computed (not remembered): the compile effort, capped by [`MAX_WORK`].
    work: usize,
    /// Whether each term matches the empty string, computed once when it is interned (terms
    /// share subterms, so recomputing it would be exponential in their depth).
    nullable_of: Vec<bool>,
}

impl Builder {
    fn intern(&mut self, node: Node) -> Id {
        if let Some(&id) = self.ids.get(&node) {
            return id;
        }
        let id = self.nodes.len() as Id;
        let nullable = self.compute_nullable(&node);
        self.nodes.push(node.clone());
        self.nullable_of.push(nullable);
        self.ids.insert(node, id);
        id
    }

    fn empty(&mut self) -> Id {
        self.intern(Node::Empty)
    }
    fn eps(&mut self) -> Id {
        self.intern(Node::Eps)
    }
    fn class(&mut self, mut ranges: Vec<(u32, u32)>) -> Id {
        ranges.sort();
        let mut merged: Vec<(u32, u32)> = Vec::new();
        for (lo, hi) in ranges {
            match merged.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        if merged.is_empty() {
            return self.empty();
        }
        self.intern(Node::Class(merged))
    }
    fn any_char(&mut self) -> Id {
        self.class(vec![(0, MAX_CHAR)])
    }
    fn literal(&mut self, c: char) -> Id {
        self.class(vec![(c as u32, c as u32)])
    }
    fn any_string(&mut self) -> Id {
        let e = self.empty();
        self.not(e)
    }
    fn cat(&mut self, a: Id, b: Id) -> Id {
        match (&self.nodes[a as usize], &self.nodes[b as usize]) {
            (Node::Empty, _) | (_, Node::Empty) => self.empty(),
            (Node::Eps, _) => b,
            (_, Node::Eps) => a,
            (Node::Cat(x, y), _) => {
                let (x, y) = (*x, *y);
                let rest = self.cat(y, b);
                self.cat(x, rest)
            }
            // `x*x*` is `x*` (and `@@` is `@`): runs of stars collapse.
            (Node::Star(_) | Node::Not(_), _) if self.absorbs(a, b) => b,
            _ => self.intern(Node::Cat(a, b)),
        }
    }
    fn seq(&mut self, parts: Vec<Id>) -> Id {
        let mut acc = self.eps();
        for p in parts.into_iter().rev() {
            acc = self.cat(p, acc);
        }
        acc
    }
    fn or(&mut self, items: Vec<Id>) -> Id {
        self.work += items.len();
        let mut flat = Vec::new();
        for id in items {
            match &self.nodes[id as usize] {
                Node::Or(inner) => flat.extend(inner.iter().copied()),
                Node::Empty => {}
                _ => flat.push(id),
            }
        }
        let any = self.any_string();
        if flat.contains(&any) {
            return any;
        }
        flat.sort_unstable();
        flat.dedup();
        match flat.len() {
            0 => self.empty(),
            1 => flat[0],
            _ => self.intern(Node::Or(flat)),
        }
    }
    fn and(&mut self, items: Vec<Id>) -> Id {
        self.work += items.len();
        let any = self.any_string();
        let mut flat = Vec::new();
        for id in items {
            match &self.nodes[id as usize] {
                Node::And(inner) => flat.extend(inner.iter().copied()),
                Node::Empty => return self.empty(),
                _ if id == any => {}
                _ => flat.push(id),
            }
        }
        flat.sort_unstable();
        flat.dedup();
        match flat.len() {
            0 => any,
            1 => flat[0],
            _ => self.intern(Node::And(flat)),
        }
    }
    fn not(&mut self, a: Id) -> Id {
        if let Node::Not(inner) = self.nodes[a as usize] {
            return inner;
        }
        self.intern(Node::Not(a))
    }
    /// Whether `b` starts with the star `a` (`b` is `a` or `a·rest`), so `a·b` is `b`. A `Not`
    /// counts only as `@` (the complement of the empty language).
    fn absorbs(&self, a: Id, b: Id) -> bool {
        let is_star = match self.nodes[a as usize] {
            Node::Star(_) => true,
            Node::Not(inner) => matches!(self.nodes[inner as usize], Node::Empty),
            _ => false,
        };
        is_star && (a == b || matches!(self.nodes[b as usize], Node::Cat(x, _) if x == a))
    }

    fn star(&mut self, a: Id) -> Id {
        match self.nodes[a as usize] {
            Node::Empty | Node::Eps => self.eps(),
            Node::Star(_) => a,
            _ => self.intern(Node::Star(a)),
        }
    }
    /// `a{min,max}` as one counting term (see the module note); `max: None` is unbounded.
    fn repeat(&mut self, a: Id, min: u32, max: Option<u32>) -> Id {
        // A nullable `a` may match empty in any iteration: `a{m,n}` is then `a{0,n}`.
        let min = if self.nullable(a) { 0 } else { min };
        match (min, max) {
            (_, Some(0)) => self.eps(),
            (0, None) => self.star(a),
            (1, Some(1)) => a,
            _ => match self.nodes[a as usize] {
                Node::Empty if min == 0 => self.eps(),
                Node::Empty => a,
                Node::Eps => a,
                _ => self.intern(Node::Rep(a, min, max)),
            },
        }
    }

    fn nullable(&self, id: Id) -> bool {
        self.nullable_of[id as usize]
    }

    /// Nullability of a term whose subterms are already interned.
    fn compute_nullable(&self, node: &Node) -> bool {
        match node {
            Node::Empty | Node::Class(_) => false,
            Node::Eps | Node::Star(_) => true,
            Node::Rep(a, min, _) => *min == 0 || self.nullable(*a),
            Node::Cat(a, b) => self.nullable(*a) && self.nullable(*b),
            Node::Or(xs) => xs.iter().any(|x| self.nullable(*x)),
            Node::And(xs) => xs.iter().all(|x| self.nullable(*x)),
            Node::Not(a) => !self.nullable(*a),
            Node::Num {
                lo,
                hi,
                width,
                acc,
                digits,
            } => *digits > 0 && acc >= lo && acc <= hi && width.is_none_or(|w| w == *digits),
        }
    }

    fn derive(&mut self, id: Id, c: u32) -> Id {
        if let Some(&known) = self.derived.get(&(id, c)) {
            return known;
        }
        self.work += 1;
        if self.work > MAX_WORK {
            // Out of effort: unwind quickly; `determinise` reports it.
            return self.empty();
        }
        let d = self.derive_new(id, c);
        self.derived.insert((id, c), d);
        d
    }

    fn derive_new(&mut self, id: Id, c: u32) -> Id {
        match self.nodes[id as usize].clone() {
            Node::Empty | Node::Eps => self.empty(),
            Node::Class(ranges) => {
                if ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) {
                    self.eps()
                } else {
                    self.empty()
                }
            }
            Node::Cat(a, b) => {
                let da = self.derive(a, c);
                let left = self.cat(da, b);
                if self.nullable(a) {
                    let db = self.derive(b, c);
                    self.or(vec![left, db])
                } else {
                    left
                }
            }
            Node::Or(xs) => {
                let ds = xs.into_iter().map(|x| self.derive(x, c)).collect();
                self.or(ds)
            }
            Node::And(xs) => {
                let ds = xs.into_iter().map(|x| self.derive(x, c)).collect();
                self.and(ds)
            }
            Node::Not(a) => {
                let da = self.derive(a, c);
                self.not(da)
            }
            Node::Star(a) => {
                let da = self.derive(a, c);
                self.cat(da, id)
            }
            Node::Rep(a, min, max) => {
                let da = self.derive(a, c);
                let rest = self.repeat(a, min.saturating_sub(1), max.map(|m| m - 1));
                self.cat(da, rest)
            }
            Node::Num {
                lo,
                hi,
                width,
                acc,
                digits,
            } => {
                let Some(d) = char::from_u32(c).and_then(|ch| ch.to_digit(10)) else {
                    return self.empty();
                };
                let acc = acc.saturating_mul(10).saturating_add(d as u64);
                let digits = digits + 1;
                if acc > hi || width.is_some_and(|w| digits > w) || digits > 40 {
                    return self.empty();
                }
                self.intern(Node::Num {
                    lo,
                    hi,
                    width,
                    acc,
                    digits,
                })
            }
        }
    }

    /// Points where the character class partition changes.
    fn boundaries(&self) -> Vec<u32> {
        let mut points = vec![0];
        for node in &self.nodes {
            match node {
                Node::Class(ranges) => {
                    for &(lo, hi) in ranges {
                        points.push(lo);
                        points.push(hi + 1);
                    }
                }
                Node::Num { .. } => points.extend('0' as u32..='9' as u32 + 1),
                _ => {}
            }
        }
        points.retain(|&p| p <= MAX_CHAR);
        points.sort_unstable();
        points.dedup();
        points
    }

    /// The DFA of `root`; `Err` with Lucene's message (naming `pattern`) past the limits.
    fn determinise(mut self, root: Id, pattern: &str) -> Result<Dfa, String> {
        let boundaries = self.boundaries();
        let mut state_of: HashMap<Id, u32> = HashMap::new();
        let mut terms = vec![root];
        state_of.insert(root, 0);
        let mut transitions: Vec<u32> = Vec::new();
        let mut accepting = Vec::new();
        let mut next = 0;
        while next < terms.len() {
            let term = terms[next];
            accepting.push(self.nullable(term));
            if (terms.len()).saturating_mul(boundaries.len()) > MAX_TRANSITIONS
                || self.nodes.len() > MAX_TERMS
                || self.work > MAX_WORK
            {
                return Err(too_complex(pattern));
            }
            for &rep in &boundaries {
                let d = self.derive(term, rep);
                let state = match state_of.get(&d) {
                    Some(&s) => s,
                    None => {
                        if terms.len() >= MAX_STATES {
                            return Err(too_complex(pattern));
                        }
                        let s = terms.len() as u32;
                        terms.push(d);
                        state_of.insert(d, s);
                        s
                    }
                };
                transitions.push(state);
            }
            next += 1;
        }
        if self.work > MAX_WORK {
            return Err(too_complex(pattern));
        }
        let dead: Vec<bool> = (0..terms.len())
            .map(|i| matches!(self.nodes[terms[i] as usize], Node::Empty))
            .collect();
        Ok(Dfa {
            boundaries,
            transitions,
            accepting,
            dead,
        })
    }
}

/// A deterministic automaton over code-point classes.
#[derive(Clone, Debug)]
struct Dfa {
    boundaries: Vec<u32>,
    transitions: Vec<u32>,
    accepting: Vec<bool>,
    dead: Vec<bool>,
}

impl Dfa {
    fn matches(&self, text: &str) -> bool {
        let classes = self.boundaries.len();
        let mut state = 0usize;
        for ch in text.chars() {
            let class = match self.boundaries.binary_search(&(ch as u32)) {
                Ok(i) => i,
                Err(i) => i - 1,
            };
            state = self.transitions[state * classes + class] as usize;
            if self.dead[state] {
                return false;
            }
        }
        self.accepting[state]
    }
}

impl Matcher {
    /// Whether no string at all matches, as for an `RLIKE` whose Lucene operators leave an empty
    /// language (`#`, `a&b`). Every state of the automaton is reachable from its start, so the
    /// language is empty exactly when no state accepts.
    pub fn matches_nothing(&self) -> bool {
        match self {
            Matcher::Automaton(dfa) => !dfa.0.accepting.iter().any(|&accepting| accepting),
            _ => false,
        }
    }
}

/// A compiled LIKE or RLIKE pattern; whole-string, case-sensitive matching.
#[derive(Clone, Debug)]
pub enum Matcher {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    Automaton(Box<DfaBox>),
}

#[derive(Clone, Debug)]
pub struct DfaBox(Dfa);

impl Matcher {
    pub fn matches(&self, text: &str) -> bool {
        match self {
            Matcher::Exact(s) => text == s,
            Matcher::Prefix(s) => text.starts_with(s.as_str()),
            Matcher::Suffix(s) => text.ends_with(s.as_str()),
            Matcher::Contains(s) => text.contains(s.as_str()),
            Matcher::Automaton(dfa) => dfa.0.matches(text),
        }
    }

    /// A `LIKE` pattern: `*` any run, `?` one character, `\` escapes only `*`, `?` and `\`.
    pub fn like(pattern: &str) -> Result<Matcher, String> {
        enum Piece {
            Lit(char),
            One,
            Any,
        }
        let mut pieces = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            pieces.push(match c {
                // A run of `*` is one `*`.
                '*' if matches!(pieces.last(), Some(Piece::Any)) => continue,
                '*' => Piece::Any,
                '?' => Piece::One,
                '\\' => match chars.next() {
                    Some(e @ ('*' | '?' | '\\')) => Piece::Lit(e),
                    _ => {
                        return Err(format!(
                            "Invalid pattern [{pattern}]: Invalid sequence - escape character is not followed by special wildcard char"
                        ))
                    }
                },
                other => Piece::Lit(other),
            });
        }
        // Fast paths for the shapes rules use most.
        let lits = |ps: &[Piece]| -> Option<String> {
            ps.iter()
                .map(|p| match p {
                    Piece::Lit(c) => Some(*c),
                    _ => None,
                })
                .collect()
        };
        let n = pieces.len();
        if let Some(s) = lits(&pieces) {
            return Ok(Matcher::Exact(s));
        }
        let is_any = |p: Option<&Piece>| matches!(p, Some(Piece::Any));
        if n >= 1 && is_any(pieces.last()) {
            if let Some(s) = lits(&pieces[..n - 1]) {
                return Ok(Matcher::Prefix(s));
            }
        }
        if n >= 1 && is_any(pieces.first()) {
            if let Some(s) = lits(&pieces[1..]) {
                return Ok(Matcher::Suffix(s));
            }
        }
        if n >= 2 && is_any(pieces.first()) && is_any(pieces.last()) {
            if let Some(s) = lits(&pieces[1..n - 1]) {
                return Ok(Matcher::Contains(s));
            }
        }
        let mut b = Builder::default();
        let parts = pieces
            .iter()
            .map(|p| match p {
                Piece::Lit(c) => b.literal(*c),
                Piece::One => b.any_char(),
                Piece::Any => b.any_string(),
            })
            .collect();
        let root = b.seq(parts);
        Ok(Matcher::Automaton(Box::new(DfaBox(
            b.determinise(root, pattern)?,
        ))))
    }

    /// An `RLIKE` pattern in Lucene `RegExp` syntax with all optional operators.
    pub fn rlike(pattern: &str) -> Result<Matcher, String> {
        let mut b = Builder::default();
        let mut parser = LuceneParser {
            chars: pattern.chars().collect(),
            pos: 0,
            b: &mut b,
        };
        let root = parser.union()?;
        if parser.pos < parser.chars.len() {
            return Err(format!(
                "Invalid regex pattern [{pattern}]: unexpected character '{}' at position {}",
                parser.chars[parser.pos], parser.pos
            ));
        }
        Ok(Matcher::Automaton(Box::new(DfaBox(
            b.determinise(root, pattern)?,
        ))))
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod bounded_tests;
