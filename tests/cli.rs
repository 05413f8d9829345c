//! The command line itself: help texts, usage errors and their exit codes.

use crate::support::{rulegate, snapshot};

#[test]
fn help_lists_each_subcommand_in_one_line() {
    let output = rulegate().arg("--help").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8(output.stdout).unwrap();
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(!commands.is_empty(), "{help}");
    for line in &commands {
        // `  name  what it does`: one line each, never wrapped onto a second line.
        assert!(
            line.starts_with("  ") && !line.starts_with("   "),
            "{line:?}"
        );
    }
    // Not a snapshot: every helper adds subcommands; `inspect` is this module's to check.
    assert!(
        commands
            .iter()
            .any(|l| l.trim_start().starts_with("inspect ")),
        "{help}"
    );
}

#[test]
fn inspect_help_says_what_it_does() {
    let output = rulegate().args(["inspect", "--help"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.starts_with("Show what a rule does"), "{help}");
    snapshot!("cli", "inspect_help", help);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["frobnicate"][..],
        &["inspect"],
        &["inspect", "x.toml", "--format", "yaml"],
    ] {
        let output = rulegate().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn readme_inspect_tour_shows_real_output() {
    let readme = std::fs::read_to_string(crate::support::repo_path("README.md")).unwrap();
    let start = readme
        .find("<!-- inspect-tour:start -->")
        .expect("tour start marker");
    let end = readme
        .find("<!-- inspect-tour:end -->")
        .expect("tour end marker");
    let block = &readme[start..end];
    let command_line = block
        .lines()
        .find(|l| l.starts_with("$ rulegate "))
        .unwrap();
    let args: Vec<&str> = command_line
        .trim_start_matches("$ rulegate ")
        .split(' ')
        .collect();
    let shown: String = block
        .lines()
        .skip_while(|l| !l.starts_with("$ rulegate "))
        .skip(1)
        .take_while(|l| *l != "```")
        .map(|l| format!("{l}\n"))
        .collect();
    let output = rulegate().args(&args).output().unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        shown,
        "README tour is stale"
    );
}
