//! Single-valued string functions: case, trimming, measuring, searching, slicing and building.

use super::*;

/// The string function `func` names on its arguments, or `None` when it is not one.
pub(super) fn eval(func: &Func, a: &[&Value]) -> Option<Result<Cell, String>> {
    Some(match func {
        Func::ToLower
        | Func::ToUpper
        | Func::Concat
        | Func::Length
        | Func::StartsWith
        | Func::EndsWith
        | Func::Trim
        | Func::Ltrim
        | Func::Rtrim
        | Func::Reverse
        | Func::BitLength
        | Func::ByteLength
        | Func::Contains
        | Func::Ascii => case_trim_and_measure(func, a),
        Func::Replace(_) | Func::Split | Func::Locate => search_and_split(func, a),
        Func::Substring | Func::Left | Func::Right | Func::Repeat | Func::Space => {
            slice_and_repeat(func, a)
        }
        _ => return None,
    })
}

/// Case, trimming, concatenation, lengths and containment tests.
fn case_trim_and_measure(func: &Func, a: &[&Value]) -> Result<Cell, String> {
    Ok(match func {
        Func::ToLower => ascii_case(a[0], false).unwrap_or_else(|| kw(s(a[0]).to_lowercase())),
        Func::ToUpper => ascii_case(a[0], true).unwrap_or_else(|| kw(s(a[0]).to_uppercase())),
        Func::Concat => {
            let mut out = String::new();
            for v in a {
                out.push_str(s(v));
            }
            kw(out)
        }
        Func::Length => int(s(a[0]).chars().count() as i64),
        Func::StartsWith => Cell::boolean(Some(s(a[0]).starts_with(s(a[1])))),
        Func::EndsWith => Cell::boolean(Some(s(a[0]).ends_with(s(a[1])))),
        Func::Trim => kw(s(a[0]).trim()),
        Func::Ltrim => kw(s(a[0]).trim_start()),
        Func::Rtrim => kw(s(a[0]).trim_end()),
        Func::Reverse => kw(reverse_graphemes(s(a[0]))),
        Func::BitLength => int(s(a[0]).len() as i64 * 8),
        Func::ByteLength => int(s(a[0]).len() as i64),
        Func::Contains => Cell::boolean(Some(s(a[1]).is_empty() || s(a[0]).contains(s(a[1])))),
        Func::Ascii => kw(date_parts::escape_ascii(s(a[0]))),
        _ => Cell::Null,
    })
}

/// `REPLACE`, `SPLIT` and `LOCATE`: the functions that look for a pattern in the text.
fn search_and_split(func: &Func, a: &[&Value]) -> Result<Cell, String> {
    let arg_i64 = |i: usize| a.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
    Ok(match func {
        Func::Replace(compiled) => {
            let re = match compiled {
                Some(re) => (**re).clone(),
                None => java_regex(s(a[1]))
                    .map_err(|e| format!("java.util.regex.PatternSyntaxException: {e}"))?,
            };
            // Java's `$1` group references read as Rust's `${1}`.
            let replacement = java_replacement(s(a[2]));
            kw(replace_bounded(&re, s(a[0]), &replacement)?)
        }
        Func::Split => {
            let delim = s(a[1]);
            if delim.is_empty() {
                return Ok(Cell::from_values(
                    s(a[0])
                        .chars()
                        .map(|c| Value::str(&c.to_string()))
                        .collect(),
                ));
            }
            Cell::from_values(s(a[0]).split(delim).map(Value::str).collect())
        }
        Func::Locate => {
            // Linear in the haystack for any needle: `str::find` is a two-way search, and the
            // character positions are counted once, not by comparing at every start.
            let (hay, needle) = (s(a[0]), s(a[1]));
            let start = if a.len() > 2 {
                arg_i64(2).saturating_sub(1).max(0) as usize
            } else {
                0
            };
            if needle.is_empty() {
                return Ok(int(start as i64 + 1));
            }
            let Some((from, _)) = hay.char_indices().nth(start) else {
                return Ok(int(0));
            };
            let found = hay[from..].find(needle).map_or(0, |at| {
                (start + hay[from..from + at].chars().count()) as i64 + 1
            });
            int(found)
        }
        _ => Cell::Null,
    })
}

/// Parts of the text by position (`SUBSTRING`, `LEFT`, `RIGHT`) and built text (`REPEAT`, `SPACE`).
fn slice_and_repeat(func: &Func, a: &[&Value]) -> Result<Cell, String> {
    let arg_i64 = |i: usize| a.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
    Ok(match func {
        Func::Substring => {
            let chars: Vec<char> = s(a[0]).chars().collect();
            let len = chars.len() as i64;
            let start = arg_i64(1);
            // 1-based; negative counts from the end; 0 behaves like 1.
            let from = if start < 0 {
                (len + start).max(0)
            } else {
                (start - 1).max(0)
            };
            let count = if a.len() > 2 { arg_i64(2).max(0) } else { len };
            let from = from.min(len) as usize;
            let to = (from as i64 + count).min(len) as usize;
            kw(chars[from..to].iter().collect::<String>())
        }
        Func::Left | Func::Right => {
            let chars: Vec<char> = s(a[0]).chars().collect();
            let n = (arg_i64(1).max(0) as usize).min(chars.len());
            let part: String = if matches!(func, Func::Left) {
                chars[..n].iter().collect()
            } else {
                chars[chars.len() - n..].iter().collect()
            };
            kw(part)
        }
        Func::Repeat => {
            let count = arg_i64(1).max(0) as u64;
            if (s(a[0]).len() as u64).saturating_mul(count) > MAX_BYTES_REF_RESULT_SIZE as u64 {
                return Err(format!(
                    "java.lang.IllegalArgumentException: Creating repeated strings with more than [{MAX_BYTES_REF_RESULT_SIZE}] bytes is not supported"
                ));
            }
            kw(s(a[0]).repeat(count as usize))
        }
        Func::Space => {
            let n = arg_i64(0);
            if n < 0 {
                return Err(format!(
                    "java.lang.IllegalArgumentException: Number parameter cannot be negative, found [{n}]"
                ));
            }
            if n > MAX_BYTES_REF_RESULT_SIZE as i64 {
                return Err(format!(
                    "java.lang.IllegalArgumentException: Creating strings longer than [{MAX_BYTES_REF_RESULT_SIZE}] bytes is not supported"
                ));
            }
            kw(" ".repeat(n as usize))
        }
        _ => Cell::Null,
    })
}

/// `TO_LOWER`/`TO_UPPER` of an ASCII string, as the Unicode mapping gives it (ASCII letters map
/// to ASCII letters, nothing else changes): the value itself (a reference count, no copy) when
/// it is already in that case, which is most keywords; `None` for non-ASCII text.
fn ascii_case(v: &Value, upper: bool) -> Option<Cell> {
    let Value::String(text) = v else {
        return None;
    };
    if !text.is_ascii() {
        return None;
    }
    let changes = |b: &u8| {
        if upper {
            b.is_ascii_lowercase()
        } else {
            b.is_ascii_uppercase()
        }
    };
    if !text.as_bytes().iter().any(changes) {
        return Some(Cell::One(v.clone()));
    }
    Some(kw(if upper {
        text.to_ascii_uppercase()
    } else {
        text.to_ascii_lowercase()
    }))
}

/// `REVERSE` by grapheme clusters, as Elasticsearch's `BreakIterator.getCharacterInstance`
/// (`fn_reverse_grapheme_clusters`): a combining mark, variation selector, emoji skin-tone
/// modifier or zero-width-joined character stays after the character it extends, and a
/// `\r\n` and a pair of regional indicators stay whole.
fn reverse_graphemes(text: &str) -> String {
    let extends = |c: char| {
        matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}'
            | '\u{20d0}'..='\u{20ff}' | '\u{fe00}'..='\u{fe0f}' | '\u{fe20}'..='\u{fe2f}'
            | '\u{1f3fb}'..='\u{1f3ff}' | '\u{200d}' | '\u{e0020}'..='\u{e007f}')
    };
    let regional = |c: char| ('\u{1f1e6}'..='\u{1f1ff}').contains(&c);
    let chars: Vec<char> = text.chars().collect();
    let mut clusters: Vec<&[char]> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        let pair = (c == '\r' && chars.get(i) == Some(&'\n'))
            || (regional(c) && chars.get(i).is_some_and(|&n| regional(n)));
        if pair {
            i += 1;
        }
        while i < chars.len() && extends(chars[i]) {
            // A joiner takes the character after it into the cluster.
            i += if chars[i] == '\u{200d}' && i + 1 < chars.len() {
                2
            } else {
                1
            };
        }
        clusters.push(&chars[start..i]);
        start = i;
    }
    clusters.iter().rev().flat_map(|c| c.iter()).collect()
}

#[cfg(test)]
mod reverse_tests {
    #[test]
    fn reverse_keeps_grapheme_clusters_whole() {
        use super::reverse_graphemes as r;
        assert_eq!(r("Disconnected 👍🏽😊"), "😊👍🏽 detcennocsiD");
        assert_eq!(r("ae\u{301}b"), "be\u{301}a");
        assert_eq!(r("a👨\u{200d}👩b"), "b👨\u{200d}👩a");
        assert_eq!(r("🇫🇷x"), "x🇫🇷");
        assert_eq!(r(""), "");
    }
}
