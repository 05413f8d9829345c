//! Unit tests of the categorization port, with the values of Elasticsearch's own Java tests
//! (`MlStandardTokenizerTests`, `TokenListSimilarityTesterTests`, `TokenListCategoryTests`,
//! x-pack/plugin/ml/src/test/java/org/elasticsearch/xpack/ml/…) and of `categorize.csv-spec`.

use super::categorizer::{
    max_matching_weight, min_matching_weight, weighted_edit_distance, WeightCalculator,
};
use super::category::{Category, TokenAndWeight};
use super::dictionary::{PartOfSpeech, PosDictionary};
use super::tokenizer::{analyze, first_line_with_letters, MlStandardTokenizer};
use super::{categorize_text, Categorizer};

fn raw_tokens(text: &str) -> Vec<String> {
    let units: Vec<u16> = text.encode_utf16().collect();
    MlStandardTokenizer::new(&units)
        .map(|t| String::from_utf16_lossy(&t))
        .collect()
}

// MlStandardTokenizerTests.testTokenizeNoPaths
#[test]
fn tokenize_no_paths() {
    let text = "one .-_two **stars**in**their**eyes** three@-_ sand.-_wich 4four @five5 a1b2c3 42 www.elastic.co";
    let expected = [
        "one",
        "two",
        "stars",
        "in",
        "their",
        "eyes",
        "three",
        "sand.-_wich",
        "five5",
        "www.elastic.co",
    ];
    assert_eq!(raw_tokens(text), expected);
}

// MlStandardTokenizerTests.testTokenizeWithUnixPath
#[test]
fn tokenize_unix_path() {
    let text = "Apr 27 21:04:05 Davids-MacBook-Pro com.apple.xpc.launchd[1] (com.apple.xpc.launchd.domain.pid.mdmclient.320): \
                Failed to bootstrap path: path = /usr/libexec/mdmclient, error = 108: Invalid path\n";
    let expected = [
        "Apr",
        "Davids-MacBook-Pro",
        "com.apple.xpc.launchd",
        "com.apple.xpc.launchd.domain.pid.mdmclient.320",
        "Failed",
        "to",
        "bootstrap",
        "path",
        "path",
        "/usr/libexec/mdmclient",
        "error",
        "Invalid",
        "path",
    ];
    assert_eq!(raw_tokens(text), expected);
    // The analyzer's stop filter then drops the date word `Apr`.
    assert_eq!(analyze(text), expected[1..]);
}

// MlStandardTokenizerTests.testTokenizeWithWindowsPaths
#[test]
fn tokenize_windows_paths() {
    let text = "05/05/2021 C:\\Windows\\System something:else \\\\myserver\\share\\folder \\ at_end\\ \\no\\drive\\specified at_end_with_colon:\\";
    let expected = [
        "C:\\Windows\\System",
        "something",
        "else",
        "\\\\myserver\\share\\folder",
        "at_end",
        "\\no\\drive\\specified",
        "at_end_with_colon",
    ];
    assert_eq!(raw_tokens(text), expected);
}

// MlStandardTokenizerTests.testTokenizeWithUrl
#[test]
fn tokenize_url() {
    let text = "10.8.0.12 - - [29/Nov/2020:21:34:55 +0000] \"POST /intake/v2/events HTTP/1.1\" 202 0 \"-\" \
                \"elasticapm-dotnet/1.5.1 System.Net.Http/4.6.28208.02 .NET_Core/2.2.8\" 27821 0.002 [default-apm-apm-server-8200] \
                [] 10.8.1.19:8200 0 0.001 202 f961c776ff732f5c8337530aa22c7216\n";
    let expected = [
        "POST",
        "/intake/v2/events",
        "HTTP/1.1",
        "elasticapm-dotnet/1.5.1",
        "System.Net.Http/4.6.28208.02",
        "NET_Core/2.2.8",
        "default-apm-apm-server-8200",
    ];
    assert_eq!(raw_tokens(text), expected);
}

// Read from `MlStandardTokenizer.incrementToken` (no Java test covers it): a colon not followed
// by a slash is dropped with the character after it, and when what precedes it is a hex number
// the method returns `false`, which ends the stream, words after it included.
#[test]
fn a_colon_after_a_hex_word_ends_the_stream() {
    assert_eq!(
        raw_tokens("something:else here"),
        ["something", "else", "here"]
    );
    assert!(raw_tokens("abc:x more words").is_empty());
    assert_eq!(raw_tokens("start abc:x more"), ["start"]);
}

// MlStandardTokenizerTests.testTokenizeWithPurelyNumericAtToken, …WithEmailAddress, …_emptyString
#[test]
fn tokenize_at_tokens_and_empty() {
    let text = "[1231529792] INFO  proxy <12309105041220090733@192.168.123.123> - +++++++++++++++ CREATING ProxyCore ++++++++++++++++";
    assert_eq!(raw_tokens(text), ["INFO", "proxy", "CREATING", "ProxyCore"]);
    let text = "[1234662464] INFO  session <a.n.other@elastic.co> - -----------------";
    assert_eq!(
        raw_tokens(text),
        ["INFO", "session", "a.n.other@elastic.co"]
    );
    assert!(raw_tokens("").is_empty());
}

// FirstLineWithLettersCharFilterTests: testEmpty, testAllBlankOneLine, testNonBlankNoNewlines,
// testNonBlankMultiline, testNoLinesWithLetters (each random choice taken both ways) and
// testCorrect.
#[test]
fn first_line_with_letters_keeps_one_line() {
    let line = |s: &str| {
        let units: Vec<u16> = s.encode_utf16().collect();
        String::from_utf16_lossy(first_line_with_letters(&units))
    };
    assert_eq!(line(""), "");
    for blank in ["!@#$%^&*()1234567890{}[]\\;':,./<>?`~", "\t", " ", ""] {
        assert_eq!(line(&format!(" {blank} ")), "");
    }
    let fox = "the quick brown fox jumped over the lazy dog";
    for keep in [fox.to_string(), format!(" {fox} ")] {
        assert_eq!(line(&keep), keep);
        for ending in ["\n", "\r\n"] {
            let input =
                format!(" \t{ending}{ending}\t\t{ending}{keep}{ending}more more{ending} more");
            assert_eq!(line(&input), keep);
        }
    }
    assert_eq!(line("!@#$\r\n1234 \r\n{}[]\r\n"), "");
    let input =
        "  --------------------------------------------------------------------------------\n\n\
                 Alias 'foo' already exists and this prevents setting up ILM for logs\n\n\
                 --------------------------------------------------------------------------------";
    assert_eq!(
        line(input),
        "Alias 'foo' already exists and this prevents setting up ILM for logs"
    );
    assert_eq!(
        analyze("2021-01-01 00:00\nConnected to 10.1.0.1\nDisconnected"),
        ["Connected", "to"]
    );
}

struct Ids(Vec<String>);

impl Ids {
    /// `CategorizationTestCase.tw`: the token's id in first-seen order, with a weight.
    fn tw(&mut self, token: &str, weight: i32) -> TokenAndWeight {
        let id = match self.0.iter().position(|t| t == token) {
            Some(i) => i,
            None => {
                self.0.push(token.to_string());
                self.0.len() - 1
            }
        };
        TokenAndWeight {
            id: id as u32,
            weight,
        }
    }

    fn list(&mut self, tokens: &[(&str, i32)]) -> Vec<TokenAndWeight> {
        tokens.iter().map(|&(t, w)| self.tw(t, w)).collect()
    }
}

fn unique(tokens: &[TokenAndWeight]) -> Vec<TokenAndWeight> {
    let mut u = tokens.to_vec();
    u.sort_by_key(|t| t.id);
    u.dedup();
    u
}

// TokenListSimilarityTesterTests.testWeightedEditDistance
#[test]
fn weighted_edit_distance_as_elasticsearch() {
    let mut ids = Ids(Vec::new());
    let shut1 = ids.list(&[
        ("ml13", 1),
        ("4608.1.p2ps", 1),
        ("Info", 3),
        ("Source", 3),
        ("ML_SERVICE2", 1),
        ("on", 3),
        ("has", 3),
        ("shut", 3),
        ("down", 3),
    ]);
    let shut2 = ids.list(&[
        ("ml13", 1),
        ("4606.1.p2ps", 1),
        ("Info", 3),
        ("Source", 3),
        ("MONEYBROKER", 1),
        ("on", 3),
        ("has", 3),
        ("shut", 3),
        ("down", 3),
    ]);
    let start = ids.list(&[
        ("ml13", 1),
        ("4606.1.p2ps", 1),
        ("Info", 3),
        ("Service", 3),
        ("ML_FEED", 1),
        ("id", 3),
        ("of", 3),
        ("has", 3),
        ("started", 3),
    ]);
    let no_image = ids.list(&[
        ("ml13", 1),
        ("4607.1.p2ps", 1),
        ("Debug", 3),
        ("Did", 3),
        ("not", 3),
        ("receive", 3),
        ("an", 3),
        ("image", 3),
        ("data", 3),
        ("for", 3),
        ("ML_FEED", 1),
        ("4205.T", 1),
        ("on", 3),
        ("Recalling", 3),
        ("item", 3),
    ]);
    let pairs: [(&[TokenAndWeight], &[TokenAndWeight], i32); 6] = [
        (&shut1, &shut2, 2),
        (&shut1, &start, 17),
        (&shut2, &start, 16),
        (&no_image, &start, 36),
        (&no_image, &shut1, 36),
        (&start, &[], 21),
    ];
    for (a, b, distance) in pairs {
        assert_eq!(weighted_edit_distance(a, b), distance);
        assert_eq!(weighted_edit_distance(b, a), distance);
    }
}

// TokenListCategoryTests.testCommonTokensSameOrder
#[test]
fn common_tokens_same_order() {
    let mut ids = Ids(Vec::new());
    let base_string = "she sells seashells on the seashore";
    let base = ids.list(&[
        ("she", 2),
        ("sells", 2),
        ("seashells", 2),
        ("on", 2),
        ("the", 2),
        ("seashore", 2),
    ]);
    let mut category = Category::new(1, base_string.len(), &base, &unique(&base), 1);
    let new_string = "she sells ice cream on the seashore";
    let new = ids.list(&[
        ("she", 2),
        ("sells", 2),
        ("ice", 2),
        ("cream", 2),
        ("on", 2),
        ("the", 2),
        ("seashore", 2),
    ]);
    category.add_string(new_string.len(), &new, &unique(&new), 1);
    let expected = ids.list(&[
        ("she", 2),
        ("sells", 2),
        ("on", 2),
        ("the", 2),
        ("seashore", 2),
    ]);
    assert_eq!(category.base, base);
    assert_eq!(category.base_weight, 12);
    assert_eq!(category.common_unique, expected);
    assert_eq!(category.common_unique_weight, 10);
    assert_eq!(category.orig_unique_weight, 12);
    assert_eq!(category.max_unfiltered_length, new_string.len());
    assert_eq!((category.ordered_begin, category.ordered_end), (0, 6));
}

// TokenListCategoryTests.testCommonTokensDifferentOrder
#[test]
fn common_tokens_different_order() {
    let mut ids = Ids(Vec::new());
    let base = ids.list(&[
        ("she", 2),
        ("sells", 2),
        ("seashells", 2),
        ("on", 2),
        ("the", 2),
        ("seashore", 2),
    ]);
    let base_unique = unique(&base);
    let mut category = Category::new(1, 35, &base, &base_unique, 1);
    let new1 = ids.list(&[
        ("sells", 2),
        ("seashells", 2),
        ("on", 2),
        ("the", 2),
        ("seashore", 2),
        ("she", 2),
        ("does", 2),
    ]);
    category.add_string(41, &new1, &unique(&new1), 1);
    assert_eq!(category.common_unique, base_unique);
    assert_eq!((category.ordered_begin, category.ordered_end), (1, 6));
    let new2 = ids.list(&[
        ("nice", 2),
        ("seashells", 2),
        ("can", 2),
        ("be", 2),
        ("found", 2),
        ("near", 2),
        ("the", 2),
        ("seashore", 2),
    ]);
    category.add_string(45, &new2, &unique(&new2), 1);
    let expected = ids.list(&[("seashells", 2), ("the", 2), ("seashore", 2)]);
    assert_eq!(category.common_unique, expected);
    assert_eq!(category.common_unique_weight, 6);
    assert_eq!(category.orig_unique_weight, 12);
    assert_eq!(category.max_unfiltered_length, 45);
    assert_eq!((category.ordered_begin, category.ordered_end), (2, 6));
    let new3 = ids.list(&[("the", 2), ("rock", 2)]);
    category.add_string(8, &new3, &unique(&new3), 1);
    assert_eq!(category.common_unique, ids.list(&[("the", 2)]));
    assert_eq!((category.ordered_begin, category.ordered_end), (4, 5));
    assert_eq!(category.num_matches, 4);
}

// TokenListCategorizerTests.testMinMatchingWeights and testMaxMatchingWeights.
#[test]
fn matching_weight_bounds() {
    let min = [0, 1, 2, 3, 3, 4, 5, 5, 6, 7, 8];
    let max = [0, 1, 2, 4, 5, 7, 8, 9, 11, 12, 14];
    for weight in 0..=10 {
        assert_eq!(
            min_matching_weight(weight, 0.7),
            min[weight as usize],
            "min {weight}"
        );
        assert_eq!(
            max_matching_weight(weight, 0.7),
            max[weight as usize],
            "max {weight}"
        );
    }
}

// TokenListCategorizerTests.testWeightCalculator. The dictionary holds the test's words with the
// kind of word the test establishes (a verb or not); the lines are ours, not ml-en.dict's.
#[test]
fn weight_calculator_as_elasticsearch() {
    let dict =
        PosDictionary::parse("info@N\nweb@N\nservice@N\nstarting@V\ncool@A\ncalled@A\nis@?\n")
            .expect("valid fixture");
    let mut weights = WeightCalculator::new(&dict);
    let expected = [
        ("Info", 3),
        ("my_host", 1),
        ("web", 3),
        ("service", 3),
        ("starting", 31),
        ("user123", 1),
        ("a", 1),
        ("cool", 3),
        ("web", 3),
        ("service", 13),
        ("called", 13),
        ("my_service", 1),
        ("is", 3),
        ("starting", 6),
    ];
    for (term, weight) in expected {
        assert_eq!(weights.weight(term), weight, "{term}");
    }
    let bounds = [(1, 1, 1), (3, 3, 13), (6, 6, 31), (13, 3, 13), (31, 6, 31)];
    for (weight, min, max) in bounds {
        assert_eq!(WeightCalculator::min_matching_weight(weight), min);
        assert_eq!(WeightCalculator::max_matching_weight(weight), max);
    }
}

/// Lines in the format of `ml-en.dict` (these ones copied from it), to test the reader and the
/// categorizer; Elasticsearch's full dictionary is not bundled.
const FIXTURE_DICT: &str =
    "lathe@N\nlather@NVit\nlaunch@VtiN\nlatest@AvN\nleave@VtN\nlo@!\n\nLast@A\nlast@v\n";

#[test]
fn dictionary_reads_the_ml_en_format() {
    let dict = PosDictionary::parse(FIXTURE_DICT).expect("valid fixture");
    assert_eq!(dict.len(), 7);
    assert_eq!(dict.part_of_speech("lathe"), Some(PartOfSpeech::Noun));
    assert_eq!(dict.part_of_speech("LAUNCH"), Some(PartOfSpeech::Verb));
    assert_eq!(dict.part_of_speech("lo"), Some(PartOfSpeech::Interjection));
    // Keys are lower-cased and a later line wins, as Java's map `put`.
    assert_eq!(dict.part_of_speech("Last"), Some(PartOfSpeech::Adverb));
    assert_eq!(dict.part_of_speech("launched"), None);
    assert_eq!(dict.part_of_speech("averyveryverylongword"), None);
    let err = |text: &str| PosDictionary::parse(text).expect_err("malformed");
    assert!(err("a@b@N").contains("expected one [@] separator"));
    assert!(err("word@").contains("expected one [@] separator"));
    assert!(err("@N").contains("nothing preceding"));
    assert!(err("ok@N\nbad@Z").starts_with("line 2: unknown part-of-speech code [Z]"));
}

// categorize.csv-spec "standard aggs" over sample_data: three messages per category key hold
// whatever the weights, since each category's strings share their tokens or differ wholly.
#[test]
fn categorizes_sample_data_messages() {
    let dict = PosDictionary::parse(FIXTURE_DICT).expect("valid fixture");
    let mut categorizer = Categorizer::new(&dict, 0.7).expect("valid threshold");
    let messages = [
        "Connected to 10.1.0.1",
        "Connected to 10.1.0.2",
        "Connected to 10.1.0.3",
        "Connection error",
        "Connection error",
        "Connection error",
        "Disconnected",
    ];
    let ids: Vec<Option<usize>> = messages
        .iter()
        .map(|m| categorize_text(&mut categorizer, m))
        .collect();
    assert_eq!(
        ids,
        [
            Some(0),
            Some(0),
            Some(0),
            Some(1),
            Some(1),
            Some(1),
            Some(2)
        ]
    );
    assert_eq!(
        categorizer.regex(0).as_deref(),
        Some(".*?Connected.+?to.*?")
    );
    assert_eq!(
        categorizer.regex(1).as_deref(),
        Some(".*?Connection.+?error.*?")
    );
    assert_eq!(categorizer.regex(2).as_deref(), Some(".*?Disconnected.*?"));
    assert_eq!(categorizer.regex(3), None);
    assert_eq!(categorizer.tokens(0).as_deref(), Some("Connected to"));
    assert_eq!(categorizer.category(0).map(|c| c.num_matches), Some(3));
}

// Strings the analyzer leaves no token for get no category (the `null` key).
#[test]
fn strings_without_tokens_get_none() {
    let dict = PosDictionary::parse(FIXTURE_DICT).expect("valid fixture");
    let mut categorizer = Categorizer::new(&dict, 0.7).expect("valid threshold");
    for text in ["", "   ", "12345 0xdeadbeef 42", "Monday Jan UTC", "\n\n"] {
        assert_eq!(categorize_text(&mut categorizer, text), None, "{text:?}");
    }
    assert_eq!(categorizer.category_count(), 0);
    assert!(Categorizer::new(&dict, 0.001).is_err());
}

// Regex metacharacters in tokens are escaped (`REGEX_NEEDS_ESCAPE_PATTERN`).
#[test]
fn regex_escapes_metacharacters() {
    let dict = PosDictionary::parse(FIXTURE_DICT).expect("valid fixture");
    let mut categorizer = Categorizer::new(&dict, 0.7).expect("valid threshold");
    let id = categorize_text(&mut categorizer, "GET www.elastic.co/a+query").expect("tokens");
    assert_eq!(
        categorizer.regex(id).as_deref(),
        Some(".*?GET.+?www\\.elastic\\.co/a.+?query.*?")
    );
}
