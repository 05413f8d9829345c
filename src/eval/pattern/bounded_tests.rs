//! Bounded compilation: counted repetition, collapsed stars, and Lucene's determinisation limits.

use super::*;

#[test]
fn bounded_repetition_is_a_counter() {
    let m = Matcher::rlike(".{1,1000}").unwrap();
    assert!(m.matches(&"x".repeat(1000)));
    assert!(!m.matches(&"x".repeat(1001)));
    assert!(!m.matches(""));
    assert!(Matcher::rlike("(ab){2,3}c").unwrap().matches("ababc"));
    assert!(!Matcher::rlike("(ab){2,3}c").unwrap().matches("abc"));
    assert!(Matcher::rlike("(a?){3,}").unwrap().matches(""));
    assert!(Matcher::rlike("a{0}").unwrap().matches(""));
    assert!(Matcher::rlike("(a|b){2,}").unwrap().matches("abba"));
    assert!(!Matcher::rlike("(a|b){2,}").unwrap().matches("a"));
}

#[test]
fn star_runs_collapse() {
    let like = format!("a{}b", "*".repeat(300));
    let m = Matcher::like(&like).unwrap();
    assert!(m.matches("ab") && m.matches("axxb") && !m.matches("ba"));
    let m = Matcher::rlike(&format!("a{}b", ".*".repeat(300))).unwrap();
    assert!(m.matches("ab") && m.matches("axxb") && !m.matches("ba"));
    assert!(Matcher::rlike(&"@".repeat(300))
        .unwrap()
        .matches("anything"));
}

#[test]
fn nested_repetitions_count_correctly() {
    assert!(Matcher::rlike("((a|b){1,3}){1,3}")
        .unwrap()
        .matches("ababababa"));
    assert!(!Matcher::rlike("((a|b){1,3}){1,3}")
        .unwrap()
        .matches("ababababab"));
}

/// The RLIKE of `credential_access_multi_cloud_cli_token_harvesting.toml`
/// (elastic/detection-rules), which Elasticsearch runs: 17 alternatives, several with `.*`.
const CLI_TOKEN_HARVESTING: &str = r".*(config-helper\s.*--format|auth\s+print-access-token|auth\s+print-identity-token|auth\s+application-default\s+print|get-access-token\s.*--output|Get-AzAccessToken|azd\s+auth\s+token|az\s+account\s+get-access-token|gh\s+auth\s+(token|status)|aws\s+sts\s+(get-session-token|get-caller-identity|assume-role)|aws\s+configure\s+(export-credentials|list)|kubectl\s+config\s+view\s.*--raw|kubectl\s+get\s+secret|doctl\s+auth\s+(list|init)|oci\s+session\s+authenticate|oci\s+iam\s.*token).*";

#[test]
fn large_contains_any_patterns_compile_within_lucenes_effort() {
    let m = Matcher::rlike(CLI_TOKEN_HARVESTING).unwrap();
    assert!(m.matches("gcloud config-helper  --verbose --format=json"));
    assert!(m.matches("/usr/bin/gh auth  status"));
    assert!(m.matches("kubectl config view --minify --raw"));
    assert!(m.matches("oci iam  region list --token x"));
    assert!(!m.matches("kubectl get pods"));
    assert!(!m.matches("gh auth login"));
    assert!(!m.matches("kubectl config view --minify"));
}

#[test]
fn exponential_automata_are_refused_with_lucenes_text() {
    let error = Matcher::rlike("(a|b)*a(a|b){20}").unwrap_err();
    assert_eq!(
        error,
        "org.apache.lucene.util.automaton.TooComplexToDeterminizeException: Determinizing (a|b)*a(a|b){20} would require more than 10000 effort."
    );
}
