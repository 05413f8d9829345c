//! The parser of Lucene's `RegExp` syntax (RLIKE): the pattern read into the builder's regular
//! terms.

use super::{Builder, Id, Node, MAX_CHAR};

/// Recursive-descent parser of Lucene's `RegExp` grammar (precedence, loosest first: `|`, `&`,
/// concatenation, repetition, `~`, atoms).
pub(super) struct LuceneParser<'a> {
    pub(super) chars: Vec<char>,
    pub(super) pos: usize,
    pub(super) b: &'a mut Builder,
}

impl LuceneParser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn error(&self, what: &str) -> String {
        let pattern: String = self.chars.iter().collect();
        format!(
            "Invalid regex pattern [{pattern}]: {what} at position {}",
            self.pos
        )
    }

    pub(super) fn union(&mut self) -> Result<Id, String> {
        let items = self.separated('|', Self::inter)?;
        Ok(if items.len() == 1 {
            items[0]
        } else {
            self.b.or(items)
        })
    }

    fn inter(&mut self) -> Result<Id, String> {
        let items = self.separated('&', Self::concat)?;
        Ok(if items.len() == 1 {
            items[0]
        } else {
            self.b.and(items)
        })
    }

    /// One or more `item`s separated by `op`.
    fn separated(
        &mut self,
        op: char,
        item: fn(&mut Self) -> Result<Id, String>,
    ) -> Result<Vec<Id>, String> {
        let mut items = vec![item(self)?];
        while self.eat(op) {
            items.push(item(self)?);
        }
        Ok(items)
    }

    fn concat(&mut self) -> Result<Id, String> {
        let mut parts = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == '&' || c == ')' {
                break;
            }
            parts.push(self.repeat()?);
        }
        Ok(self.b.seq(parts))
    }

    fn repeat(&mut self) -> Result<Id, String> {
        let mut e = self.complement()?;
        loop {
            match self.peek() {
                Some('?') => {
                    self.pos += 1;
                    e = self.b.repeat(e, 0, Some(1));
                }
                Some('*') => {
                    self.pos += 1;
                    e = self.b.star(e);
                }
                Some('+') => {
                    self.pos += 1;
                    e = self.b.repeat(e, 1, None);
                }
                Some('{') => {
                    self.pos += 1;
                    let min = self
                        .number()
                        .ok_or_else(|| self.error("expected integer"))?;
                    let max = if self.eat(',') {
                        if self.peek() == Some('}') {
                            None
                        } else {
                            Some(
                                self.number()
                                    .ok_or_else(|| self.error("expected integer"))?,
                            )
                        }
                    } else {
                        Some(min)
                    };
                    if !self.eat('}') {
                        return Err(self.error("expected '}'"));
                    }
                    if max.is_some_and(|m| m < min) || min > 1000 || max.is_some_and(|m| m > 1000) {
                        return Err(self.error("invalid repetition"));
                    }
                    e = self.b.repeat(e, min as u32, max.map(|m| m as u32));
                }
                _ => return Ok(e),
            }
        }
    }

    fn number(&mut self) -> Option<u64> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.chars[start..self.pos]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    fn complement(&mut self) -> Result<Id, String> {
        if self.eat('~') {
            let inner = self.complement()?;
            return Ok(self.b.not(inner));
        }
        self.atom()
    }

    fn escaped_class(&self, c: char) -> Option<Vec<(u32, u32)>> {
        let digits = vec![('0' as u32, '9' as u32)];
        let space = vec![(9, 10), (13, 13), (32, 32)];
        let word = vec![
            ('0' as u32, '9' as u32),
            ('A' as u32, 'Z' as u32),
            ('_' as u32, '_' as u32),
            ('a' as u32, 'z' as u32),
        ];
        let negate = |ranges: Vec<(u32, u32)>| {
            let mut out = Vec::new();
            let mut next = 0;
            for (lo, hi) in ranges {
                if lo > next {
                    out.push((next, lo - 1));
                }
                next = hi + 1;
            }
            out.push((next, MAX_CHAR));
            out
        };
        Some(match c {
            'd' => digits,
            'D' => negate(digits),
            's' => space,
            'S' => negate(space),
            'w' => word,
            'W' => negate(word),
            _ => return None,
        })
    }

    fn atom(&mut self) -> Result<Id, String> {
        let Some(c) = self.peek() else {
            return Err(self.error("unexpected end of pattern"));
        };
        self.pos += 1;
        match c {
            '.' => Ok(self.b.any_char()),
            '#' => Ok(self.b.empty()),
            '@' => Ok(self.b.any_string()),
            '(' => {
                if self.eat(')') {
                    return Ok(self.b.eps());
                }
                let inner = self.union()?;
                if !self.eat(')') {
                    return Err(self.error("expected ')'"));
                }
                Ok(inner)
            }
            '"' => {
                let mut parts = Vec::new();
                loop {
                    match self.peek() {
                        None => return Err(self.error("expected '\"'")),
                        Some('"') => {
                            self.pos += 1;
                            break;
                        }
                        Some(ch) => {
                            self.pos += 1;
                            parts.push(self.b.literal(ch));
                        }
                    }
                }
                Ok(self.b.seq(parts))
            }
            '<' => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c != '>') {
                    self.pos += 1;
                }
                let body: String = self.chars[start..self.pos].iter().collect();
                if !self.eat('>') {
                    return Err(self.error("expected '>'"));
                }
                let Some((lo, hi)) = body.split_once('-') else {
                    return Err(self.error(&format!("unknown named automaton <{body}>")));
                };
                let (Ok(a), Ok(z)) = (lo.parse::<u64>(), hi.parse::<u64>()) else {
                    return Err(self.error("invalid numeric interval"));
                };
                let width = (lo.len() == hi.len()).then_some(lo.len() as u32);
                Ok(self.b.intern(Node::Num {
                    lo: a.min(z),
                    hi: a.max(z),
                    width,
                    acc: 0,
                    digits: 0,
                }))
            }
            '[' => self.class(),
            '\\' => {
                let Some(e) = self.peek() else {
                    return Err(self.error("expected character after '\\'"));
                };
                self.pos += 1;
                match self.escaped_class(e) {
                    Some(ranges) => Ok(self.b.class(ranges)),
                    None => Ok(self.b.literal(e)),
                }
            }
            // Lucene's `parseSimpleExp` reads any other character as itself: a repetition
            // operator with nothing before it (`*sh`) is a literal `*`.
            '*' | '+' | '?' | '{' => Ok(self.b.literal(c)),
            '&' | '|' | ')' | '~' => {
                self.pos -= 1;
                Err(self.error(&format!("unexpected '{c}'")))
            }
            other => Ok(self.b.literal(other)),
        }
    }

    fn class_char(&mut self) -> Result<char, String> {
        match self.peek() {
            None => Err(self.error("expected ']'")),
            Some('\\') => {
                self.pos += 1;
                let c = self.peek().ok_or_else(|| self.error("expected ']'"))?;
                self.pos += 1;
                Ok(c)
            }
            Some(c) => {
                self.pos += 1;
                Ok(c)
            }
        }
    }

    fn class(&mut self) -> Result<Id, String> {
        let negated = self.eat('^');
        let mut ranges = Vec::new();
        loop {
            if self.eat(']') {
                break;
            }
            if self.peek() == Some('\\') {
                let next = self.chars.get(self.pos + 1).copied();
                if let Some(r) = next.and_then(|e| self.escaped_class(e)) {
                    self.pos += 2;
                    ranges.extend(r);
                    continue;
                }
            }
            let lo = self.class_char()?;
            if self.peek() == Some('-') && self.chars.get(self.pos + 1) != Some(&']') {
                self.pos += 1;
                let hi = self.class_char()?;
                if hi < lo {
                    return Err(self.error("invalid character class range"));
                }
                ranges.push((lo as u32, hi as u32));
            } else {
                ranges.push((lo as u32, lo as u32));
            }
        }
        if negated {
            let any = self.b.any_char();
            let set = self.b.class(ranges);
            let not_set = self.b.not(set);
            // [^x] is one character that is not x.
            return Ok(self.b.and(vec![any, not_set]));
        }
        Ok(self.b.class(ranges))
    }
}
