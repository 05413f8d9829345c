//! One category of `CATEGORIZE`: a port of Elasticsearch's `TokenListCategory` (base tokens,
//! common unique tokens, the ordered common subsequence, the unfiltered lengths) and of the key
//! tokens and regex that `SerializableTokenListCategory` renders from it.

use std::cmp::Ordering;

/// A token id (its index in the categorizer's token table) with the token's weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenAndWeight {
    pub id: u32,
    pub weight: i32,
}

/// `KEY_BUDGET`: the key tokens fit in this many UTF-8 bytes, separating spaces included.
const KEY_BUDGET: usize = 10_000;

#[derive(Clone, Debug)]
pub struct Category {
    pub id: usize,
    /// The weighted tokens of the string that created the category, in order; never change.
    pub base: Vec<TokenAndWeight>,
    pub base_weight: i32,
    pub base_unfiltered_length: usize,
    pub max_unfiltered_length: usize,
    /// `[ordered_begin, ordered_end)` of `base`: the tokens every string has in this order.
    pub ordered_begin: usize,
    pub ordered_end: usize,
    /// The unique tokens every string of the category holds, sorted by id.
    pub common_unique: Vec<TokenAndWeight>,
    pub common_unique_weight: i32,
    pub orig_unique_weight: i32,
    pub num_matches: u64,
}

impl Category {
    pub fn new(
        id: usize,
        unfiltered_length: usize,
        base: &[TokenAndWeight],
        unique: &[TokenAndWeight],
        num_matches: u64,
    ) -> Self {
        let unique_weight = unique.iter().map(|t| t.weight).sum();
        Category {
            id,
            base: base.to_vec(),
            base_weight: base.iter().map(|t| t.weight).sum(),
            base_unfiltered_length: unfiltered_length,
            max_unfiltered_length: unfiltered_length,
            ordered_begin: 0,
            ordered_end: base.len(),
            common_unique: unique.to_vec(),
            common_unique_weight: unique_weight,
            orig_unique_weight: unique_weight,
            num_matches,
        }
    }

    /// Adds a string (`addString`): narrows the common tokens and the ordered subsequence.
    pub fn add_string(
        &mut self,
        unfiltered_length: usize,
        tokens: &[TokenAndWeight],
        unique: &[TokenAndWeight],
        num_matches: u64,
    ) {
        self.update_common_unique(unique);
        self.update_ordered_common(tokens, 0, tokens.len());
        self.max_unfiltered_length = self.max_unfiltered_length.max(unfiltered_length);
        self.num_matches = self.num_matches.saturating_add(num_matches);
    }

    /// Keeps the common tokens whose id `unique` (sorted) also holds, whatever its weight there,
    /// and recomputes their weight.
    fn update_common_unique(&mut self, unique: &[TokenAndWeight]) {
        let mut kept = Vec::with_capacity(self.common_unique.len());
        let (mut c, mut n) = (0, 0);
        while c < self.common_unique.len() && n < unique.len() {
            let common = self.common_unique[c];
            match common.id.cmp(&unique[n].id) {
                Ordering::Less => c += 1,
                Ordering::Equal => {
                    kept.push(common);
                    c += 1;
                    n += 1;
                }
                Ordering::Greater => n += 1,
            }
        }
        self.common_unique_weight = kept.iter().map(|t| t.weight).sum();
        self.common_unique = kept;
    }

    /// `updateOrderedCommonTokenIds`: keeps the heaviest run of the ordered common tokens that
    /// `tokens[begin..end]` holds in the same order.
    fn update_ordered_common(&mut self, tokens: &[TokenAndWeight], begin: usize, end: usize) {
        while self.ordered_end > self.ordered_begin
            && !self.is_common(self.base[self.ordered_end - 1])
        {
            self.ordered_end -= 1;
        }
        while self.ordered_begin < self.ordered_end
            && !self.is_common(self.base[self.ordered_begin])
        {
            self.ordered_begin += 1;
        }
        let (mut best_begin, mut best_end) = (self.ordered_end, self.ordered_end);
        let mut best_weight = 0;
        for try_begin in self.ordered_begin..self.ordered_end {
            let mut new_index = begin;
            let mut try_weight = 0;
            for common_index in try_begin..self.ordered_end {
                let base_token = self.base[common_index];
                if !self.is_common(base_token) {
                    continue;
                }
                while new_index < end {
                    if tokens[new_index].id != base_token.id {
                        new_index += 1;
                    } else {
                        try_weight += base_token.weight;
                        break;
                    }
                }
                if new_index >= end {
                    if try_weight > best_weight {
                        best_weight = try_weight;
                        best_begin = try_begin;
                        best_end = common_index;
                    }
                    break;
                }
            }
            if new_index < end {
                if try_weight > best_weight {
                    best_begin = try_begin;
                    best_end = self.ordered_end;
                }
                break;
            }
        }
        self.ordered_begin = best_begin;
        self.ordered_end = best_end;
    }

    pub fn is_common(&self, token: TokenAndWeight) -> bool {
        self.common_unique
            .binary_search_by(|t| t.id.cmp(&token.id))
            .is_ok()
    }

    /// The longest string length this category still accepts by reverse search.
    pub fn max_matching_string_len(&self) -> usize {
        let scaled = self.base_unfiltered_length as f32
            * (self.common_unique.len() as f32 / 1.5f32).max(2.0f32);
        let extended = ((self.max_unfiltered_length * 11) / 10).min(scaled as usize);
        self.max_unfiltered_length.max(extended)
    }

    /// The weight of the common tokens whose id `unique` (sorted) lacks.
    pub fn missing_common_weight(&self, unique: &[TokenAndWeight]) -> i32 {
        let mut present = 0;
        let (mut c, mut t) = (0, 0);
        while c < self.common_unique.len() && t < unique.len() {
            let common = self.common_unique[c];
            match common.id.cmp(&unique[t].id) {
                Ordering::Less => c += 1,
                Ordering::Equal => {
                    present += common.weight;
                    c += 1;
                    t += 1;
                }
                Ordering::Greater => t += 1,
            }
        }
        self.common_unique_weight - present
    }

    /// Whether a string matches this category's reverse search (`matchesSearchForCategory`).
    pub fn matches_search(
        &self,
        other_weight: i32,
        other_unfiltered_length: usize,
        other_unique: &[TokenAndWeight],
        other_tokens: &[TokenAndWeight],
    ) -> bool {
        (self.base_weight == 0) == (other_weight == 0)
            && self.max_matching_string_len() >= other_unfiltered_length
            && self.holds_all_common(other_unique)
            && self.contains_ordered_common(other_tokens)
    }

    /// `isMissingCommonTokenWeightZero`: every common token's id is in `unique`.
    fn holds_all_common(&self, unique: &[TokenAndWeight]) -> bool {
        let mut t = 0;
        for common in &self.common_unique {
            while t < unique.len() && unique[t].id < common.id {
                t += 1;
            }
            match unique.get(t) {
                Some(test) if test.id == common.id => t += 1,
                _ => return false,
            }
        }
        true
    }

    /// `containsCommonInOrderTokensInOrder`.
    fn contains_ordered_common(&self, tokens: &[TokenAndWeight]) -> bool {
        let mut t = 0;
        for &base_token in &self.base[self.ordered_begin..self.ordered_end] {
            if !self.is_common(base_token) {
                continue;
            }
            loop {
                let Some(test) = tokens.get(t) else {
                    return false;
                };
                t += 1;
                if test.id == base_token.id {
                    break;
                }
            }
        }
        true
    }

    /// Indexes into `base` of the key tokens: each common base token, in base order, mapped to
    /// the first base index of its id, while they fit `KEY_BUDGET` bytes.
    pub fn key_token_indexes(&self, texts: &[String]) -> Vec<usize> {
        let mut keys = Vec::new();
        let mut budget = KEY_BUDGET + 1;
        for token in &self.base {
            if !self.is_common(*token) {
                continue;
            }
            let index = self.base.iter().position(|t| t.id == token.id).unwrap_or(0);
            budget = budget.saturating_sub(1);
            let len = texts[self.base[index].id as usize].len();
            if len > budget {
                break;
            }
            budget -= len;
            keys.push(index);
        }
        keys
    }
}

/// The regex form of a category (`getRegex`): `.*?` + the key tokens inside the ordered range,
/// regex-escaped, joined by `.+?` + `.*?`; `.*` when there are none.
pub fn regex(category: &Category, keys: &[usize], texts: &[String]) -> String {
    if keys.is_empty() || category.ordered_begin == category.ordered_end {
        return ".*".to_string();
    }
    let parts: Vec<String> = keys
        .iter()
        .filter(|&&i| i >= category.ordered_begin && i < category.ordered_end)
        .map(|&i| escape_regex(&texts[category.base[i].id as usize]))
        .collect();
    format!(".*?{}.*?", parts.join(".+?"))
}

/// The tokens form: the key tokens joined by a space.
pub fn tokens(category: &Category, keys: &[usize], texts: &[String]) -> String {
    let parts: Vec<String> = keys
        .iter()
        .map(|&i| texts[category.base[i].id as usize].clone())
        .collect();
    parts.join(" ")
}

/// `REGEX_NEEDS_ESCAPE_PATTERN`: a backslash before each of `\ | ( ) [ ] { } ^ $ . + * ?`.
fn escape_regex(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    for c in token.chars() {
        if "\\|()[]{}^$.+*?".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
