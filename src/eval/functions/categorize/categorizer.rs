//! The token-list categorizer behind `CATEGORIZE`: a port of Elasticsearch's
//! `TokenListCategorizer` (search of the categories most-matched first, reverse-search matches,
//! the lower and upper similarity thresholds), its `WeightCalculator` (a token outside the
//! dictionary weighs 1, a dictionary word 3, a verb 6; from the third dictionary word in a row
//! 13 and 31) and `TokenListSimilarityTester`.

use std::collections::HashMap;

use super::category::{Category, TokenAndWeight};
use super::dictionary::{PartOfSpeech, PosDictionary};

/// Only the first `MAX_TOKENS` tokens of a string are categorized.
pub const MAX_TOKENS: usize = 100;
const EPSILON: f32 = 0.000_001;

pub struct Categorizer<'d> {
    dictionary: &'d PosDictionary,
    lower_threshold: f32,
    upper_threshold: f32,
    /// Token texts by id, ids given in first-seen order (`CategorizationBytesRefHash`).
    token_texts: Vec<String>,
    token_ids: HashMap<String, u32>,
    categories: Vec<Category>,
    /// Category ids, most matches first (ties keep the older position).
    by_num_matches: Vec<usize>,
}

impl<'d> Categorizer<'d> {
    /// `threshold` is the similarity threshold as a fraction (ES|QL's percent / 100); Java
    /// refuses one outside `[0.01, 1.0]`.
    pub fn new(dictionary: &'d PosDictionary, threshold: f32) -> Result<Self, String> {
        if !(0.01..=1.0).contains(&threshold) {
            return Err(format!(
                "threshold must be between 0.01 and 1.0: got {threshold}"
            ));
        }
        Ok(Categorizer {
            dictionary,
            lower_threshold: threshold,
            upper_threshold: (1.0 + threshold) / 2.0,
            token_texts: Vec::new(),
            token_ids: HashMap::new(),
            categories: Vec::new(),
            by_num_matches: Vec::new(),
        })
    }

    /// The category of one analyzed string (`computeCategory`), `None` when it has no tokens.
    /// `unfiltered_length` is the original string's length in UTF-16 code units.
    pub fn categorize(&mut self, tokens: &[String], unfiltered_length: usize) -> Option<usize> {
        let mut weights = WeightCalculator::new(self.dictionary);
        let mut weighted = Vec::new();
        for term in tokens.iter().filter(|t| !t.is_empty()).take(MAX_TOKENS) {
            let weight = weights.weight(term);
            weighted.push(TokenAndWeight {
                id: self.token_id(term),
                weight,
            });
        }
        if weighted.is_empty() {
            return None;
        }
        Some(self.categorize_weighted(&weighted, unfiltered_length))
    }

    /// Categorizes tokens already weighted (`computeCategory(List<TokenAndWeight>, …)`).
    pub fn categorize_weighted(
        &mut self,
        weighted: &[TokenAndWeight],
        unfiltered_length: usize,
    ) -> usize {
        let mut unique: Vec<TokenAndWeight> = Vec::new();
        let mut work = WorkWeights::default();
        for token in weighted {
            work.total += token.weight;
            work.min_reweighted += WeightCalculator::min_matching_weight(token.weight);
            work.max_reweighted += WeightCalculator::max_matching_weight(token.weight);
            match unique.binary_search_by(|t| t.id.cmp(&token.id)) {
                Ok(i) => unique[i].weight += token.weight,
                Err(i) => unique.insert(i, *token),
            }
        }
        let best = self.best_match(weighted, &unique, work, unfiltered_length);
        match best {
            Some(position) => {
                let id = self.by_num_matches[position];
                self.categories[id].add_string(unfiltered_length, weighted, &unique, 1);
                self.reposition(position);
                id
            }
            None => {
                let id = self.categories.len();
                let category = Category::new(id, unfiltered_length, weighted, &unique, 1);
                self.categories.push(category);
                self.by_num_matches.push(id);
                self.reposition(self.by_num_matches.len() - 1);
                id
            }
        }
    }

    /// The position in `by_num_matches` of the category the string joins, if any.
    fn best_match(
        &self,
        weighted: &[TokenAndWeight],
        unique: &[TokenAndWeight],
        work: WorkWeights,
        unfiltered_length: usize,
    ) -> Option<usize> {
        let mut min_weight = min_matching_weight(work.min_reweighted, self.lower_threshold);
        let mut max_weight = max_matching_weight(work.max_reweighted, self.lower_threshold);
        let mut best: Option<usize> = None;
        let mut best_similarity = self.lower_threshold;
        for (position, &id) in self.by_num_matches.iter().enumerate() {
            let category = &self.categories[id];
            let matches_search =
                category.matches_search(work.total, unfiltered_length, unique, weighted);
            if !matches_search {
                if category.base_weight < min_weight || category.base_weight > max_weight {
                    continue;
                }
                let missing = category.missing_common_weight(unique);
                if missing > 0 {
                    let kept = category.common_unique_weight - missing;
                    let proportion = kept as f32 / category.orig_unique_weight as f32;
                    if proportion < self.lower_threshold {
                        continue;
                    }
                }
            }
            let sim = similarity(weighted, work.total, &category.base, category.base_weight);
            if matches_search || sim > self.upper_threshold {
                return Some(position);
            }
            if sim > best_similarity {
                best = Some(position);
                best_similarity = sim;
                min_weight = min_matching_weight(work.min_reweighted, sim);
                max_weight = max_matching_weight(work.max_reweighted, sim);
            }
        }
        best
    }

    /// Moves the category at `position`, whose count grew by one, ahead of those with fewer
    /// matches, as little as possible (`repositionCategory`).
    fn reposition(&mut self, position: usize) {
        let matches = self.categories[self.by_num_matches[position]].num_matches;
        let mut swap = position;
        while swap > 0 {
            swap -= 1;
            if matches <= self.categories[self.by_num_matches[swap]].num_matches {
                swap += 1;
                break;
            }
        }
        self.by_num_matches.swap(position, swap);
    }

    fn token_id(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.token_ids.get(term) {
            return id;
        }
        let id = u32::try_from(self.token_texts.len()).unwrap_or(u32::MAX);
        self.token_texts.push(term.to_string());
        self.token_ids.insert(term.to_string(), id);
        id
    }

    /// Interns `term` without weighting it (for callers that weight tokens themselves).
    pub fn intern(&mut self, term: &str) -> u32 {
        self.token_id(term)
    }

    pub fn category_count(&self) -> usize {
        self.categories.len()
    }

    pub fn category(&self, id: usize) -> Option<&Category> {
        self.categories.get(id)
    }

    /// Category ids, most matches first.
    pub fn ids_by_num_matches(&self) -> &[usize] {
        &self.by_num_matches
    }

    /// The regex key of category `id` (`.*?Connected.+?to.*?`), `None` for an unknown id.
    pub fn regex(&self, id: usize) -> Option<String> {
        self.render(id, super::category::regex)
    }

    /// The tokens key of category `id` (`Connected to`), `None` for an unknown id.
    pub fn tokens(&self, id: usize) -> Option<String> {
        self.render(id, super::category::tokens)
    }

    fn render(
        &self,
        id: usize,
        form: fn(&Category, &[usize], &[String]) -> String,
    ) -> Option<String> {
        let category = self.categories.get(id)?;
        let keys = category.key_token_indexes(&self.token_texts);
        Some(form(category, &keys, &self.token_texts))
    }
}

/// A string's total token weight, and the totals its tokens could have in another string where
/// their adjacency boost differs (the bounds of the quick weight check).
#[derive(Clone, Copy, Default)]
struct WorkWeights {
    total: i32,
    min_reweighted: i32,
    max_reweighted: i32,
}

/// `WeightCalculator` (C++ `TWeightVerbs5Other2AdjacentBoost6`): `1 + extra * boost`, the extra
/// 5 for a verb and 2 for another dictionary word, the boost 6 from the third dictionary word in a
/// row (else 1); a token shorter than 2 code units or outside the dictionary weighs 1.
pub struct WeightCalculator<'d> {
    dictionary: &'d PosDictionary,
    consecutive_dictionary_words: u32,
}

const EXTRA_VERB_WEIGHT: i32 = 5;
const EXTRA_OTHER_DICTIONARY_WEIGHT: i32 = 2;
const ADJACENCY_BOOST_MULTIPLIER: i32 = 6;

impl<'d> WeightCalculator<'d> {
    pub fn new(dictionary: &'d PosDictionary) -> Self {
        WeightCalculator {
            dictionary,
            consecutive_dictionary_words: 0,
        }
    }

    pub fn weight(&mut self, term: &str) -> i32 {
        // `MIN_DICTIONARY_LENGTH`, in UTF-16 code units as Java's `length()`.
        if term.encode_utf16().count() < 2 {
            self.consecutive_dictionary_words = 0;
            return 1;
        }
        let Some(pos) = self.dictionary.part_of_speech(term) else {
            self.consecutive_dictionary_words = 0;
            return 1;
        };
        let extra = if pos == PartOfSpeech::Verb {
            EXTRA_VERB_WEIGHT
        } else {
            EXTRA_OTHER_DICTIONARY_WEIGHT
        };
        self.consecutive_dictionary_words += 1;
        let boost = if self.consecutive_dictionary_words >= 3 {
            ADJACENCY_BOOST_MULTIPLIER
        } else {
            1
        };
        1 + extra * boost
    }

    /// The least weight the token of weight `weight` can have in another string (unboosted).
    pub fn min_matching_weight(weight: i32) -> i32 {
        if weight <= ADJACENCY_BOOST_MULTIPLIER {
            weight
        } else {
            1 + (weight - 1) / ADJACENCY_BOOST_MULTIPLIER
        }
    }

    /// The greatest weight the token of weight `weight` can have in another string (boosted).
    pub fn max_matching_weight(weight: i32) -> i32 {
        // Between the lowest extra (exclusive) and the highest unboosted dictionary weight.
        let lowest_extra = EXTRA_VERB_WEIGHT.min(EXTRA_OTHER_DICTIONARY_WEIGHT);
        let highest_unboosted = (EXTRA_VERB_WEIGHT + 1).max(EXTRA_OTHER_DICTIONARY_WEIGHT + 1);
        if weight <= lowest_extra || weight > highest_unboosted {
            weight
        } else {
            1 + (weight - 1) * ADJACENCY_BOOST_MULTIPLIER
        }
    }
}

/// The least weight that could match `weight` above `threshold` (exclusive check: floor + 1).
pub fn min_matching_weight(weight: i32, threshold: f32) -> i32 {
    if weight == 0 {
        return 0;
    }
    (weight as f32 * threshold + EPSILON).floor() as i32 + 1
}

/// The greatest weight that could match `weight` above `threshold` (exclusive: ceil - 1).
pub fn max_matching_weight(weight: i32, threshold: f32) -> i32 {
    if weight == 0 {
        return 0;
    }
    (weight as f32 / threshold - EPSILON).ceil() as i32 - 1
}

/// `1 - weighted edit distance / the larger total weight`, in `float` as Java computes it.
pub fn similarity(
    left: &[TokenAndWeight],
    left_weight: i32,
    right: &[TokenAndWeight],
    right_weight: i32,
) -> f32 {
    let max_weight = left_weight.max(right_weight);
    if max_weight <= 0 {
        return 1.0;
    }
    1.0 - weighted_edit_distance(left, right) as f32 / max_weight as f32
}

/// Levenshtein distance where inserting or deleting a token costs its weight and substituting
/// costs the larger of the two weights (`TokenListSimilarityTester.weightedEditDistance`).
pub fn weighted_edit_distance(first: &[TokenAndWeight], second: &[TokenAndWeight]) -> i32 {
    if first.is_empty() {
        return second.iter().map(|t| t.weight).sum();
    }
    if second.is_empty() {
        return first.iter().map(|t| t.weight).sum();
    }
    let mut current = vec![0i32; second.len() + 1];
    let mut previous = vec![0i32; second.len() + 1];
    for (down, token) in second.iter().enumerate() {
        current[down + 1] = current[down] + token.weight;
    }
    for first_token in first {
        std::mem::swap(&mut current, &mut previous);
        current[0] = previous[0] + first_token.weight;
        for (down, second_token) in second.iter().enumerate() {
            let deletion = previous[down + 1] + first_token.weight;
            let insertion = current[down] + second_token.weight;
            let substitution = previous[down]
                + if first_token.id == second_token.id {
                    0
                } else {
                    first_token.weight.max(second_token.weight)
                };
            current[down + 1] = deletion.min(insertion).min(substitution);
        }
    }
    current[second.len()]
}
