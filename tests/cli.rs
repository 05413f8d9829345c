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
    snapshot!("cli", "help", help);
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
