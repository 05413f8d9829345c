//! The bundled `ml-en.dict`: Elasticsearch's file, whole and unchanged, read by the dictionary
//! reader without a refused line.

use super::dictionary::{bundled, bundled_text, PartOfSpeech};

#[test]
fn the_bundled_dictionary_is_elasticsearchs() {
    let text = bundled_text();
    // The upstream file's size in characters (`wc -m`) at the commit data/NOTICE.md names.
    assert_eq!(text.chars().count(), 888_330);
    let dictionary = bundled();
    assert_eq!(
        dictionary.len(),
        76_782,
        "entries: one per line, no word twice"
    );
    // The stored commit's rename that reached the file (data/NOTICE.md), kept as read.
    assert_eq!(dictionary.part_of_speech("instruments"), None);
    assert_eq!(
        dictionary.part_of_speech("meterRegistrar"),
        Some(PartOfSpeech::Plural)
    );
    // Words and codes read from the file itself.
    assert_eq!(
        dictionary.part_of_speech("a"),
        Some(PartOfSpeech::IndefiniteArticle)
    );
    assert_eq!(
        dictionary.part_of_speech("aardvarks"),
        Some(PartOfSpeech::Plural)
    );
    assert_eq!(
        dictionary.part_of_speech("abandon"),
        Some(PartOfSpeech::Verb)
    );
    assert_eq!(
        dictionary.part_of_speech("Abandoned"),
        Some(PartOfSpeech::Adjective)
    );
    assert_eq!(
        dictionary.part_of_speech("aback"),
        Some(PartOfSpeech::Adverb)
    );
    assert_eq!(
        dictionary.part_of_speech("aah"),
        Some(PartOfSpeech::Unknown)
    );
    assert_eq!(dictionary.part_of_speech("qqqzzz"), None);
}

/// The dictionary's codes weigh the tokens: a verb 6, another word 3, anything else 1.
#[test]
fn the_bundled_dictionary_weighs_tokens() {
    use super::categorizer::WeightCalculator;
    let mut weights = WeightCalculator::new(bundled());
    let weight = |w: &mut WeightCalculator<'_>, t: &str| w.weight(t);
    assert_eq!(weight(&mut weights, "abandon"), 6, "t: a transitive verb");
    assert_eq!(weight(&mut weights, "Connection"), 3, "N: a noun");
    assert_eq!(weight(&mut weights, "Kubernetes"), 1, "not in the file");
}

/// ES|QL's default analyzer keeps numbers, hex words and emoji, and drops date words.
#[test]
fn the_esql_analyzer_uses_the_standard_tokenizer() {
    use super::tokenizer::analyze_esql;
    assert_eq!(analyze_esql("DB servers"), ["DB", "servers"]);
    assert_eq!(
        analyze_esql("Connected to 10.1.0.1 👍🏽😊"),
        ["Connected", "to", "10.1.0.1", "👍🏽", "😊"]
    );
    assert_eq!(
        analyze_esql("\n  \nMon Jul 3 UTC connected to a\nsecond line"),
        ["3", "connected", "to", "a"]
    );
    assert!(analyze_esql("").is_empty());
}
