//! LIKE and RLIKE matching: anchoring, case, Lucene `RegExp` operators and linear-time runs.

use super::*;

fn rl(p: &str, s: &str) -> bool {
    Matcher::rlike(p).unwrap().matches(s)
}

#[test]
fn like_is_anchored_and_case_sensitive() {
    let m = Matcher::like("Eberhar*").unwrap();
    assert!(m.matches("Eberhardt"));
    assert!(!m.matches("eberhardt"));
    assert!(Matcher::like("a?c").unwrap().matches("abc"));
    assert!(
        Matcher::like("a?c").unwrap().matches("aéc"),
        "? is one code point"
    );
    assert!(!Matcher::like("a?c").unwrap().matches("abbc"));
    assert!(Matcher::like("*b*d").unwrap().matches("abcd"));
    assert!(Matcher::like("\\*").unwrap().matches("*"));
    assert!(Matcher::like("a\\b").is_err(), "escape of a non-wildcard");
    assert!(Matcher::like("a\\").is_err(), "trailing escape");
}

#[test]
fn rlike_lucene_operators() {
    assert!(!rl("#", "abc"));
    assert!(rl("a@", "abc"));
    assert!(rl("@", ""));
    assert!(rl("~(abc)", "abd"));
    assert!(!rl("~(abc)", "abc"));
    assert!(rl("a.*&.*c", "abc"));
    assert!(!rl("a.*&.*c", "abd"));
    assert!(rl("<1-100>", "42"));
    assert!(rl("<1-100>", "007"));
    assert!(!rl("<1-100>", "101"));
    assert!(rl("<01-10>", "07"));
    assert!(!rl("<01-10>", "7"));
    assert!(rl("\"a.b\"", "a.b"));
    assert!(!rl("\"a.b\"", "axb"));
    assert!(rl("[^a-c]x", "dx"));
    assert!(!rl("[^a-c]x", "bx"));
    assert!(rl("a{2,3}", "aaa"));
    assert!(!rl("a{2,3}", "aaaa"));
    assert!(rl("\\d+\\s\\w", "12 x"));
    assert!(rl("()", ""));
    assert!(!rl("abc", "abcd"), "anchored");
    // A repetition with nothing to repeat is the character itself (Lucene's
    // `parseCharExp`): `persistence_web_server_potential_command_injection` relies on it.
    assert!(rl("*sh.{1,2}-c*", "*sh -c"));
    assert!(!rl("*sh.{1,2}-c*", "bash -c"));
    assert!(rl("a|+b", "+b"));
}

#[test]
fn rlike_intersection_binds_tighter_than_union() {
    // `x|a&b` is `x|(a&b)`; the Kubernetes reverse-shell alternatives rely on this.
    assert!(rl("x|a.*&.*b", "x"));
    assert!(rl("x|a.*&.*b", "ab"));
    assert!(
        !rl(".*>&.*", "bash -i >& /dev/tcp"),
        "& intersects `.*>` with `.*`"
    );
}

#[test]
fn pathological_patterns_run_linearly() {
    let text = "a".repeat(100_000);
    assert!(!rl("(a*)*b", &text));
    assert!(!rl("(a|aa)*c", &text));
    assert!(!Matcher::like("*a*a*a*a*a*b").unwrap().matches(&text));
}
