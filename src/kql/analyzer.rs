//! Elasticsearch's `standard` analyzer as `text` fields use it: Unicode word segmentation
//! (UAX #29, the rules that matter for ASCII and Latin text), tokens longer than 255 characters
//! split, lower-cased, no stop words. Ideographs are one token each, as Lucene emits them.

/// Lucene's `StandardTokenizer` default `maxTokenLength`.
const MAX_TOKEN_CHARS: usize = 255;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Numeric,
    /// `_` and other connector punctuation: joins letters and digits on both sides.
    ExtendNumLet,
    /// `:` and the like: joins two letters.
    MidLetter,
    /// `.`, `’`: joins two letters or two digits.
    MidNumLet,
    /// `,`, `;`: joins two digits.
    MidNum,
    SingleQuote,
    Ideograph,
    /// An emoji (Extended_Pictographic, in the blocks that hold emoji): a token of its own with
    /// its modifiers, variation selectors and zero-width-joined emoji (`<EMOJI>`).
    Emoji,
    /// A skin-tone modifier, variation selector or zero-width joiner: extends an emoji.
    EmojiExtend,
    Other,
}

fn class(c: char) -> Class {
    match c {
        '_'
        | '\u{203f}'
        | '\u{2040}'
        | '\u{2054}'
        | '\u{fe33}'
        | '\u{fe34}'
        | '\u{fe4d}'..='\u{fe4f}'
        | '\u{ff3f}' => Class::ExtendNumLet,
        ':' | '\u{b7}' | '\u{387}' | '\u{5f4}' | '\u{2027}' | '\u{fe13}' | '\u{fe55}'
        | '\u{ff1a}' => Class::MidLetter,
        '.' | '\u{2018}' | '\u{2019}' | '\u{2024}' | '\u{fe52}' | '\u{ff07}' | '\u{ff0e}' => {
            Class::MidNumLet
        }
        ',' | ';' | '\u{37e}' | '\u{589}' | '\u{60c}' | '\u{60d}' | '\u{66c}' | '\u{7f8}'
        | '\u{2044}' | '\u{fe10}' | '\u{fe14}' | '\u{fe50}' | '\u{fe54}' | '\u{ff0c}'
        | '\u{ff1b}' => Class::MidNum,
        '\'' => Class::SingleQuote,
        '\u{3040}'..='\u{30ff}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{f900}'..='\u{faff}'
        | '\u{ac00}'..='\u{d7af}' => Class::Ideograph,
        '\u{1f3fb}'..='\u{1f3ff}' | '\u{fe0f}' | '\u{200d}' => Class::EmojiExtend,
        '\u{1f000}'..='\u{1faff}' | '\u{2600}'..='\u{27bf}' => Class::Emoji,
        c if c.is_numeric() => Class::Numeric,
        c if c.is_alphabetic() => Class::Letter,
        // Combining marks extend the character before them.
        c if is_mark(c) => Class::Letter,
        _ => Class::Other,
    }
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

fn is_word(class: Class) -> bool {
    matches!(class, Class::Letter | Class::Numeric | Class::ExtendNumLet)
}

/// Whether `c` is never part of a token: the tokenizer splits at it whatever surrounds it (`/`,
/// `-`, `@`, `=`, whitespace, …; not `:` or `.`, which join letters). A wildcard pattern holding
/// such a character matches no token of a `text` field.
pub fn never_in_token(c: char) -> bool {
    class(c) == Class::Other
}

/// The tokens of `text`, lower-cased, in order.
pub fn tokens(text: &str) -> Vec<String> {
    words(text).into_iter().map(|w| w.to_lowercase()).collect()
}

/// The tokens of the `standard` tokenizer alone, case kept, in order.
pub fn words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let classes: Vec<Class> = chars.iter().map(|&c| class(c)).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match classes[i] {
            Class::Ideograph => {
                out.push(chars[i].to_string());
                i += 1;
            }
            Class::Emoji => {
                let start = i;
                i += 1;
                while i < chars.len() && classes[i] == Class::EmojiExtend {
                    // A joiner takes the emoji after it into the token.
                    let joined =
                        chars[i] == '\u{200d}' && classes.get(i + 1) == Some(&Class::Emoji);
                    i += if joined { 2 } else { 1 };
                }
                out.push(chars[start..i].iter().collect());
            }
            c if is_word(c) => {
                let start = i;
                i += 1;
                while i < chars.len() {
                    let (prev, here) = (classes[i - 1], classes[i]);
                    if is_word(here) {
                        i += 1;
                        continue;
                    }
                    // A middle character joins when the same kind follows it.
                    let next = classes.get(i + 1).copied();
                    let joins = match here {
                        Class::MidLetter => prev == Class::Letter && next == Some(Class::Letter),
                        Class::MidNumLet | Class::SingleQuote => {
                            (prev == Class::Letter && next == Some(Class::Letter))
                                || (prev == Class::Numeric && next == Some(Class::Numeric))
                        }
                        Class::MidNum => prev == Class::Numeric && next == Some(Class::Numeric),
                        _ => false,
                    };
                    if !joins {
                        break;
                    }
                    i += 2;
                }
                let word: Vec<char> = chars[start..i].to_vec();
                for piece in word.chunks(MAX_TOKEN_CHARS) {
                    out.push(piece.iter().collect::<String>());
                }
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::tokens;

    #[test]
    fn splits_as_the_standard_analyzer_does() {
        assert_eq!(tokens("Hello, World!"), ["hello", "world"]);
        assert_eq!(tokens("kube-system"), ["kube", "system"]);
        assert_eq!(
            tokens("system:serviceaccount:kube-system:default"),
            ["system:serviceaccount:kube", "system:default"]
        );
        assert_eq!(tokens("v1.2.3 at 10.0.0.1"), ["v1.2.3", "at", "10.0.0.1"]);
        assert_eq!(tokens("don't stop_me 1,000"), ["don't", "stop_me", "1,000"]);
        assert_eq!(tokens("a. b: c"), ["a", "b", "c"]);
        // Emoji are tokens, with their modifiers (`<EMOJI>`).
        assert_eq!(tokens("Ok 👍🏽😊!"), ["ok", "👍🏽", "😊"]);
        assert_eq!(super::words("DB servers"), ["DB", "servers"]);
    }
}
