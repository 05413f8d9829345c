//! Lucene's `query_string` syntax (the classic query parser Elasticsearch extends)
//! read into a KQL tree, so the KQL engine (`crate::kql::eval`) matches it: terms, phrases,
//! `field:value`, `field:(group)`, `AND`/`OR`/`NOT`/`+`/`-`, `*` wildcards, ranges. What the
//! engine cannot match the way Elasticsearch would (regexes, fuzzy and proximity `~`, `?`) is
//! refused with `E320`.

use crate::kql::ast::{Literal, Node, NodeKind, Query, RangeOp, Segment, Value, ValueKind};
use crate::span::Span;

use super::lex::{phrase, raw_term, segments, segments_raw, special, unescaped};

/// How a clause takes part in its boolean query (`BooleanClause.Occur`).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Occur {
    Must,
    Should,
    MustNot,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Conj {
    None,
    And,
    Or,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Modifier {
    None,
    Not,
    Required,
}

/// A parse failure: the message only (the caller points at the `QSTR` argument).
pub type Error = String;

struct Parser<'a> {
    text: &'a str,
    at: usize,
    and_default: bool,
    depth: usize,
    /// The `keyword` and `text` columns: the fields `*` expands to for a run of terms under
    /// `AND` (each field must hold every term).
    strings: &'a [String],
}

/// Parses `text` as `query_string` with the default field `*` (every field) and the default
/// operator (`OR`, or `AND` when `and_default`); `strings` are the string columns `*` covers.
pub fn parse(text: &str, and_default: bool, strings: &[String]) -> Result<Query, Error> {
    if text.len() > crate::kql::MAX_QUERY_BYTES {
        return Err(format!(
            "the query is longer than {} bytes",
            crate::kql::MAX_QUERY_BYTES
        ));
    }
    let mut p = Parser {
        text,
        at: 0,
        and_default,
        depth: 0,
        strings,
    };
    p.space();
    if p.at == text.len() {
        // An empty query string matches nothing in Lucene (`MatchNoDocsQuery`).
        return Ok(Query {
            root: Some(node(NodeKind::Not(Box::new(node(NodeKind::Match {
                field: Literal::unquoted(vec![Segment::Star]),
                value: term_value(Literal::unquoted(vec![Segment::Star])),
            }))))),
            span: Span::default(),
        });
    }
    let root = p.query(None)?;
    p.space();
    if p.at < text.len() {
        return Err(format!(
            "Cannot parse '{text}': unexpected [{}] at position {}",
            p.rest().chars().next().unwrap_or(' '),
            p.at
        ));
    }
    Ok(Query {
        root: Some(root),
        span: Span::default(),
    })
}

fn node(kind: NodeKind) -> Node {
    Node {
        kind,
        span: Span::default(),
    }
}

fn term_value(literal: Literal) -> Value {
    Value {
        kind: ValueKind::Term(literal),
        span: Span::default(),
    }
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn space(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.at += s.len();
            true
        } else {
            false
        }
    }

    /// `AND`/`OR`/`NOT` as whole words (upper case only, as Lucene), or `&&`, `||`, `!`.
    fn word(&mut self, word: &str) -> bool {
        let rest = self.rest();
        let whole = rest.starts_with(word)
            && rest[word.len()..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || c == '(' || c == '"');
        if whole {
            self.at += word.len();
        }
        whole
    }

    fn conjunction(&mut self) -> Conj {
        self.space();
        if self.word("AND") || self.eat("&&") {
            Conj::And
        } else if self.word("OR") || self.eat("||") {
            Conj::Or
        } else {
            Conj::None
        }
    }

    fn modifier(&mut self) -> Modifier {
        self.space();
        if self.eat("+") {
            Modifier::Required
        } else if self.word("NOT") || self.eat("-") || self.eat("!") {
            Modifier::Not
        } else {
            Modifier::None
        }
    }

    /// `Query := Modifiers Clause (Conjunction Modifiers Clause)*`, with Lucene's `addClause`.
    fn query(&mut self, field: Option<&Literal>) -> Result<Node, Error> {
        self.depth += 1;
        if self.depth > crate::kql::MAX_DEPTH {
            return Err(format!(
                "the query nests more than {} levels deep",
                crate::kql::MAX_DEPTH
            ));
        }
        let mut clauses: Vec<(Occur, Node)> = Vec::new();
        let mut conj = Conj::None;
        loop {
            let modifier = self.modifier();
            let clause = self.clause(field)?;
            self.add_clause(&mut clauses, conj, modifier, clause);
            let before = self.at;
            conj = self.conjunction();
            self.space();
            let rest = self.rest();
            if rest.is_empty() || rest.starts_with(')') {
                if conj != Conj::None {
                    self.at = before;
                    return Err(format!(
                        "Cannot parse '{}': a query ends with an operator",
                        self.text
                    ));
                }
                break;
            }
        }
        self.depth -= 1;
        Ok(combine(clauses))
    }

    /// `QueryParserBase.addClause`: a conjunction changes the previous clause's occur too.
    fn add_clause(
        &self,
        clauses: &mut Vec<(Occur, Node)>,
        conj: Conj,
        modifier: Modifier,
        clause: Node,
    ) {
        if let Some(last) = clauses.last_mut() {
            if last.0 != Occur::MustNot {
                if conj == Conj::And {
                    last.0 = Occur::Must;
                } else if self.and_default && conj == Conj::Or {
                    last.0 = Occur::Should;
                }
            }
        }
        let prohibited = modifier == Modifier::Not;
        let required = if self.and_default {
            !prohibited && conj != Conj::Or
        } else {
            modifier == Modifier::Required || (conj == Conj::And && !prohibited)
        };
        let occur = match (required, prohibited) {
            (_, true) => Occur::MustNot,
            (true, false) => Occur::Must,
            (false, false) => Occur::Should,
        };
        clauses.push((occur, clause));
    }

    /// `Clause := [field ':'] (Term | '(' Query ')') ['^' boost]`.
    fn clause(&mut self, field: Option<&Literal>) -> Result<Node, Error> {
        self.space();
        let start = self.at;
        if let Some(name) = self.field_name() {
            self.space();
            if name == "_exists_" {
                let target = self.bare_term()?;
                return Ok(node(NodeKind::Match {
                    field: target,
                    value: term_value(Literal::unquoted(vec![Segment::Star])),
                }));
            }
            let name = Literal::unquoted(segments(&name));
            return self.clause_body(Some(&name), false);
        }
        self.at = start;
        self.clause_body(field, true)
    }

    /// A field name followed by `:` (the name may hold `*` and escapes).
    fn field_name(&mut self) -> Option<String> {
        let rest = self.rest();
        let c = rest.chars().next()?;
        if special(c) {
            return None;
        }
        let (text, len) = raw_term(rest);
        if len == 0 || !rest[len..].starts_with(':') {
            return None;
        }
        self.at += len + 1;
        Some(text)
    }

    fn clause_body(&mut self, field: Option<&Literal>, multi: bool) -> Result<Node, Error> {
        self.space();
        let n = if self.eat("(") {
            let inner = self.query(field)?;
            self.space();
            if !self.eat(")") {
                return Err(format!("Cannot parse '{}': missing ')'", self.text));
            }
            inner
        } else {
            self.term(field, multi)?
        };
        self.boost()?;
        Ok(n)
    }

    /// `^2`: a boost changes scores only, which rulegate does not compute.
    fn boost(&mut self) -> Result<(), Error> {
        if self.eat("^") {
            let digits = self.rest().len()
                - self
                    .rest()
                    .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
                    .len();
            if digits == 0 {
                return Err(format!(
                    "Cannot parse '{}': a boost needs a number",
                    self.text
                ));
            }
            self.at += digits;
        }
        if self.rest().starts_with('~') {
            return Err(unsupported("fuzzy and proximity searches (`~`)"));
        }
        Ok(())
    }

    fn term(&mut self, field: Option<&Literal>, multi: bool) -> Result<Node, Error> {
        let rest = self.rest();
        if rest.starts_with('/') {
            return Err(unsupported("regular expressions (`/…/`)"));
        }
        if rest.starts_with('[') || rest.starts_with('{') {
            return self.range(field);
        }
        for (op, sym) in [
            (RangeOp::Gte, ">="),
            (RangeOp::Lte, "<="),
            (RangeOp::Gt, ">"),
            (RangeOp::Lt, "<"),
        ] {
            if field.is_some() && self.eat(sym) {
                let value = self.bare_term()?;
                return Ok(range_node(field, op, value));
            }
        }
        let literal = if self.eat("\"") {
            let (text, len) = phrase(self.rest())
                .ok_or_else(|| format!("Cannot parse '{}': unterminated phrase", self.text))?;
            self.at += len;
            Literal::quoted(&text)
        } else {
            let first = self.bare_term()?;
            let mut words = vec![first.text()];
            if multi && !first.has_wildcard() {
                while let Some(word) = self.following_term() {
                    words.push(word);
                }
            }
            if words.len() > 1 {
                return Ok(self.multi_term(field, &words));
            }
            first
        };
        Ok(match field {
            Some(f) => node(NodeKind::Match {
                field: f.clone(),
                value: term_value(literal),
            }),
            None => node(NodeKind::FreeText(literal)),
        })
    }

    /// The next plain term when it continues a run of terms (Lucene's `MultiTerm`, as
    /// Elasticsearch parses with `split_on_whitespace` off): not an operator, a field name, a
    /// wildcard, or a term with a boost or `~`.
    fn following_term(&mut self) -> Option<String> {
        let before = self.at;
        self.space();
        let rest = self.rest();
        let c = rest.chars().next()?;
        let is_operator = ["AND", "OR", "NOT", "TO"].iter().any(|w| {
            rest.starts_with(w)
                && rest[w.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| c.is_whitespace() || c == '(' || c == '"')
        });
        let (text, len) = raw_term(rest);
        let after = rest[len..].trim_start();
        let plain = !special(c)
            && !is_operator
            && len > 0
            && !unescaped(&rest[..len], '*')
            && !unescaped(&rest[..len], '?')
            && !after.starts_with(':')
            && !rest[len..].starts_with(['^', '~']);
        if plain {
            self.at += len;
            Some(text)
        } else {
            self.at = before;
            None
        }
    }

    /// A run of terms analyzed together on one field (`*`: every string column): the run
    /// matches a `keyword` value whole, and a `text` value holding one of its terms (`OR`) or
    /// all of them (`AND`, per field).
    fn multi_term(&self, field: Option<&Literal>, words: &[String]) -> Node {
        let whole = Literal::unquoted(vec![Segment::Text(words.join(" "))]);
        let on = |f: &Literal| -> Node {
            let m = |l: Literal| {
                node(NodeKind::Match {
                    field: f.clone(),
                    value: term_value(l),
                })
            };
            if !self.and_default {
                return m(whole.clone());
            }
            let every = words
                .iter()
                .map(|w| m(Literal::unquoted(vec![Segment::Text(w.clone())])))
                .collect();
            // On `text` the quoted run is a phrase (implied by every term); on `keyword` it is
            // the whole value.
            node(NodeKind::Or(vec![
                node(NodeKind::And(every)),
                m(Literal::quoted(&words.join(" "))),
            ]))
        };
        match field {
            Some(f) => on(f),
            None if !self.and_default => node(NodeKind::FreeText(whole)),
            None => {
                let fields: Vec<Node> = (self.strings.iter())
                    .map(|name| on(&Literal::unquoted(vec![Segment::Text(name.clone())])))
                    .collect();
                match fields.len() {
                    // No string column: nothing can hold the terms.
                    0 => node(NodeKind::Not(Box::new(node(NodeKind::Match {
                        field: Literal::unquoted(vec![Segment::Star]),
                        value: term_value(Literal::unquoted(vec![Segment::Star])),
                    })))),
                    1 => fields.into_iter().next().expect("one"),
                    _ => node(NodeKind::Or(fields)),
                }
            }
        }
    }

    /// An unquoted term, `*` wildcards kept apart from escaped characters.
    fn bare_term(&mut self) -> Result<Literal, Error> {
        self.space();
        let rest = self.rest();
        let (_, len) = raw_term(rest);
        if len == 0 {
            return Err(format!(
                "Cannot parse '{}': expected a term at position {}",
                self.text, self.at
            ));
        }
        let raw = &rest[..len];
        self.at += len;
        if unescaped(raw, '?') {
            return Err(unsupported("the `?` single-character wildcard"));
        }
        Ok(Literal::unquoted(segments_raw(raw)))
    }

    /// `[a TO b]`, `{a TO b}`, mixed, `*` for an open end.
    fn range(&mut self, field: Option<&Literal>) -> Result<Node, Error> {
        let lower_inclusive = self.eat("[");
        if !lower_inclusive {
            self.eat("{");
        }
        let bound = |p: &mut Parser| -> Result<Option<Literal>, Error> {
            p.space();
            let literal = if p.eat("\"") {
                let (text, len) = phrase(p.rest())
                    .ok_or_else(|| format!("Cannot parse '{}': unterminated phrase", p.text))?;
                p.at += len;
                Literal::quoted(&text)
            } else {
                let rest = p.rest();
                let len = rest
                    .find(|c: char| c.is_whitespace() || c == ']' || c == '}')
                    .unwrap_or(rest.len());
                p.at += len;
                Literal::unquoted(vec![Segment::Text(rest[..len].to_string())])
            };
            Ok((literal.text() != "*" || literal.is_quoted()).then_some(literal))
        };
        let lower = bound(self)?;
        self.space();
        if !self.word("TO") {
            return Err(format!("Cannot parse '{}': a range needs `TO`", self.text));
        }
        let upper = bound(self)?;
        self.space();
        let upper_inclusive = if self.eat("]") {
            true
        } else if self.eat("}") {
            false
        } else {
            return Err(format!("Cannot parse '{}': unterminated range", self.text));
        };
        let Some(field) = field else {
            return Err(unsupported("a range without a field"));
        };
        let mut parts = Vec::new();
        if let Some(l) = lower {
            let op = if lower_inclusive {
                RangeOp::Gte
            } else {
                RangeOp::Gt
            };
            parts.push(range_node(Some(field), op, l));
        }
        if let Some(u) = upper {
            let op = if upper_inclusive {
                RangeOp::Lte
            } else {
                RangeOp::Lt
            };
            parts.push(range_node(Some(field), op, u));
        }
        Ok(match parts.len() {
            // `[* TO *]`: the field exists.
            0 => node(NodeKind::Match {
                field: field.clone(),
                value: term_value(Literal::unquoted(vec![Segment::Star])),
            }),
            1 => parts.pop().expect("one"),
            _ => node(NodeKind::And(parts)),
        })
    }
}

fn unsupported(what: &str) -> Error {
    format!("{what} in a query string are not supported by rulegate")
}

fn range_node(field: Option<&Literal>, op: RangeOp, value: Literal) -> Node {
    let field = field
        .cloned()
        .unwrap_or_else(|| Literal::unquoted(vec![Segment::Star]));
    node(NodeKind::Range { field, op, value })
}

/// The boolean query of `clauses` as a KQL node: every `MUST`, none of `MUST_NOT`, and (without
/// a `MUST`) at least one `SHOULD`; a purely negative query matches everything else, as
/// Elasticsearch's `Queries.fixNegativeQueryIfNeeded` makes it.
fn combine(mut clauses: Vec<(Occur, Node)>) -> Node {
    if clauses.len() == 1 && clauses[0].0 != Occur::MustNot {
        return clauses.pop().expect("one").1;
    }
    let mut must = Vec::new();
    let mut should = Vec::new();
    let mut must_not = Vec::new();
    for (occur, n) in clauses {
        match occur {
            Occur::Must => must.push(n),
            Occur::Should => should.push(n),
            Occur::MustNot => must_not.push(node(NodeKind::Not(Box::new(n)))),
        }
    }
    if must.is_empty() && !should.is_empty() {
        must.push(if should.len() == 1 {
            should.pop().expect("one")
        } else {
            node(NodeKind::Or(should))
        });
    }
    must.extend(must_not);
    if must.len() == 1 {
        must.pop().expect("one")
    } else {
        node(NodeKind::And(must))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hostile and truncated inputs give a tree or an error, never a panic.
    #[test]
    fn every_prefix_of_odd_queries_parses_or_errs() {
        let queries = [
            r#"+a -b:"c \"d" AND (e:[1 TO *} OR f:>=2) NOT _exists_:g^3 h\:i é:ü*"#,
            r"a\ b:\* || c && !d",
            "((((a))))",
            "a:(b c) d e AND f",
            "x:{* TO \"q\"]",
        ];
        for q in queries {
            for end in (0..=q.len()).filter(|&i| q.is_char_boundary(i)) {
                let _ = parse(&q[..end], false, &["s".into()]);
                let _ = parse(&q[..end], true, &["s".into()]);
            }
        }
        assert!(parse("a AND", false, &[]).is_err());
        assert!(
            parse("", false, &[]).is_ok(),
            "an empty query matches nothing"
        );
    }
}
