//! Value edges of an event query: every constant an atom of its condition compares a field
//! with, hit exactly, and its near misses (the case changed where the comparison is
//! case-sensitive, a value just outside a `like` pattern, the field missing), each applied to a
//! request that satisfies the atom's companions (the other conjuncts of its `and`).

use super::request::{atom, fill, Atom, AtomKind, Request, Slot, Solver, Source};
use crate::eql::ast::{Expr, ExprKind};

/// One variant of a request, with what it tries.
#[derive(Clone, Debug)]
pub struct Variant {
    /// Whether the atom sits under a `not` (an exclusion).
    pub negated: bool,
    pub field: String,
    /// The slot the field is.
    pub slot: Slot,
    pub value: Option<String>,
    pub why: String,
    pub request: Request,
}

/// Every atom of a condition with its companions and whether it sits under a `not`.
fn walk<'e>(
    e: &'e Expr,
    companions: &[&'e Expr],
    negated: bool,
    text: &str,
    source: Source,
    out: &mut Vec<(Atom, Vec<&'e Expr>, bool)>,
) {
    match &e.kind {
        ExprKind::And(..) => {
            let members = e.conjuncts();
            for (i, member) in members.iter().enumerate() {
                let others: Vec<&Expr> = members
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, m)| *m)
                    .collect();
                walk(member, &others, negated, text, source, out);
            }
        }
        ExprKind::Or(a, b) => {
            walk(a, &[], negated, text, source, out);
            walk(b, &[], negated, text, source, out);
        }
        // The atom under a `not` keeps the companions of the `not` itself: they must hold for
        // the excluded value alone to decide.
        ExprKind::Not(inner) => walk(inner, companions, !negated, text, source, out),
        _ => {
            if let Some((atom, flipped)) = atom(e, text, source) {
                out.push((atom, companions.to_vec(), negated != flipped));
            }
        }
    }
}

/// The value with the case of its first letter changed.
fn case_changed(value: &str) -> Option<String> {
    let position = value.find(|c: char| c.is_ascii_alphabetic())?;
    let mut chars: Vec<char> = value.chars().collect();
    let index = value[..position].chars().count();
    let c = chars[index];
    chars[index] = if c.is_ascii_uppercase() {
        c.to_ascii_lowercase()
    } else {
        c.to_ascii_uppercase()
    };
    Some(chars.into_iter().collect())
}

/// A value just outside a pattern: the pattern's last literal character removed, then filled.
fn just_outside(pattern: &str) -> Option<String> {
    let (index, _) = pattern
        .char_indices()
        .rfind(|(_, c)| *c != '*' && *c != '?')?;
    let mut narrowed = pattern.to_string();
    narrowed.remove(index);
    Some(fill(&narrowed))
}

/// The values an atom is tried with, and why.
fn tried(atom: &Atom) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    for value in &atom.values {
        match atom.kind {
            AtomKind::Equals if atom.boolean() => {
                out.push((Some(value.clone()), format!("`{value}` as written")));
                let flipped = if value == "true" { "false" } else { "true" };
                out.push((Some(flipped.into()), "the other boolean".into()));
            }
            AtomKind::Equals => {
                out.push((Some(value.clone()), format!("`{value}` as listed")));
                if let Some(changed) = case_changed(value) {
                    let why = if atom.insensitive {
                        "the case changed (this comparison ignores case)"
                    } else {
                        "the case changed (`==`/`in` compare case-sensitively)"
                    };
                    out.push((Some(changed), why.to_string()));
                }
            }
            // A pattern of `*` only (`container.id like "*"`) holds for any value: only the
            // field missing makes it false.
            AtomKind::Pattern if value.chars().all(|c| c == '*') => {}
            AtomKind::Pattern => {
                out.push((
                    Some(fill(value)),
                    format!("`{value}` with its wildcards filled"),
                ));
                if let Some(outside) = just_outside(value) {
                    out.push((
                        Some(outside),
                        format!("just outside `{value}` (its last literal character dropped)"),
                    ));
                }
                if let Some(changed) = case_changed(&fill(value)) {
                    out.push((
                        Some(changed),
                        "the filled pattern with the case changed".into(),
                    ));
                }
            }
            AtomKind::IsNull => {}
        }
    }
    if atom.slot.optional() || atom.kind == AtomKind::IsNull {
        out.push((None, "the field missing".into()));
    }
    out
}

/// The variants of every atom of `condition`, built on `base` (a request satisfying it).
/// Values the DSL cannot write are left out (the reason is in the returned list of skips).
pub fn variants(condition: &Expr, text: &str, base: &Request) -> (Vec<Variant>, Vec<String>) {
    let mut atoms = Vec::new();
    walk(condition, &[], false, text, base.source, &mut atoms);
    let mut out: Vec<Variant> = Vec::new();
    let mut skipped = Vec::new();
    for (atom, companions, negated) in atoms {
        for (value, why) in tried(&atom) {
            let writable = match &value {
                Some(v) => atom.slot.writable(v),
                None => atom.slot.optional(),
            };
            if !writable {
                skipped.push(format!(
                    "`{}` {}",
                    atom.field,
                    value
                        .as_deref()
                        .map_or("missing".into(), |v| format!("= `{v}`"))
                ));
                continue;
            }
            let mut solver = Solver::default();
            solver.request.source = base.source;
            solver.request.set(atom.slot, value.clone());
            let companions_hold = companions.iter().all(|c| solver.satisfy(c, true, text));
            if !companions_hold {
                continue;
            }
            let mut request = solver.request;
            for (slot, v) in &base.values {
                request.values.entry(*slot).or_insert_with(|| v.clone());
            }
            if !request.consistent() {
                skipped.push(format!(
                    "`{}` {} with a request URI in another namespace",
                    atom.field,
                    value
                        .as_deref()
                        .map_or("missing".into(), |v| format!("= `{v}`"))
                ));
                continue;
            }
            if out.iter().any(|v| v.request == request) || request == *base {
                continue;
            }
            out.push(Variant {
                negated,
                field: atom.field.clone(),
                slot: atom.slot,
                value,
                why,
                request,
            });
        }
    }
    (out, skipped)
}
