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

/// Named files fed to a command's file slot.
type Inputs = Vec<(String, std::path::PathBuf)>;

/// Hostile files for every slot a command reads, made in `dir`, each with its name: garbage
/// bytes, an empty file, nesting 5,000 deep (TOML, JSON, each query language), numbers past
/// their limits (EQL `maxspan`/`runs`/`tail`, `max_signals`, a rule schedule, KQL date math,
/// scenario requests and start), a directory, and `missing.toml`, which is not created.
fn hostile_files(dir: &std::path::Path) -> Inputs {
    let repo = |p: &str| std::fs::read_to_string(crate::support::repo_path(p)).unwrap();
    // A bundled rule of each language with its query replaced.
    let with_query = |rule: &str, query: &str| {
        let text = repo(rule);
        let start = text.find("\nquery = ").expect("a query") + "\nquery = ".len();
        let quote = &text[start..start + 3];
        let end = text[start + 3..].find(quote).unwrap() + start + 6;
        format!("{}{quote}{query}{quote}{}", &text[..start], &text[end..])
    };
    let esql = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";
    let kql = "rules/credential_access_get_secrets_access.toml";
    let eql = "rules/eql/privilege_escalation_sensitive_rbac_change_followed_by_workload_modification.toml";
    let deep = |open: &str, inner: &str, close: &str| {
        format!("{}{inner}{}", open.repeat(5000), close.repeat(5000))
    };
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("garbage.bin", b"\xff\xfe\x00\x01garbage \x1b[2J\x9b\n".to_vec()),
        ("empty.toml", Vec::new()),
        ("deep.toml", format!("a = {}\n", deep("[", "", "]")).into_bytes()),
        ("deep.ndjson", format!("{}\n", deep("[", "", "]")).into_bytes()),
        ("esql_deep.toml", with_query(esql, &format!("FROM x | WHERE {}", deep("(", "true", ")"))).into_bytes()),
        ("kql_deep.toml", with_query(kql, &deep("(", "a:b", ")")).into_bytes()),
        ("eql_deep.toml", with_query(eql, &format!("any where {}", deep("(", "true", ")"))).into_bytes()),
        (
            "eql_numbers.toml",
            with_query(eql, "sequence by user.name with maxspan=99999999999999999999d [any where true] [any where true]").into_bytes(),
        ),
        (
            "eql_runs.toml",
            with_query(eql, "sequence by user.name [any where true] with runs=999999999999 [any where true]").into_bytes(),
        ),
        ("eql_tail.toml", with_query(eql, "any where true | tail 9999999999999999999999").into_bytes()),
        (
            "eql_size.toml",
            repo(eql).replacen("[rule]\n", "[rule]\nmax_signals = 99999999999999999999\n", 1).into_bytes(),
        ),
        (
            "schedule.toml",
            repo(esql)
                .replacen("from = \"now-6m\"", "from = \"now-99999999999999999999d\"\ninterval = \"99999999999999999999s\"", 1)
                .into_bytes(),
        ),
        ("kql_date.toml", with_query(kql, "@timestamp > now+99999999999999y").into_bytes()),
        (
            "trillion.toml",
            "name = \"x\"\ndescription = \"x\"\nkind = \"edge\"\nstart = \"2026-01-01T00:00:00Z\"\nseed = 1\n\
             [actors.a]\npersona = \"forbidden-spray\"\n[[steps]]\nactor = \"a\"\nrequests = 1000000000000\n"
                .as_bytes()
                .to_vec(),
        ),
        (
            "year9999.toml",
            "name = \"x\"\ndescription = \"x\"\nkind = \"edge\"\nstart = \"9999-12-31T23:59:59Z\"\nseed = 1\n\
             [actors.a]\npersona = \"forbidden-spray\"\n[[steps]]\nactor = \"a\"\nrequests = 1\n"
                .as_bytes()
                .to_vec(),
        ),
    ];
    let mut paths = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        paths.push((name.to_string(), path));
    }
    std::fs::create_dir_all(dir.join("adir")).unwrap();
    paths.push(("adir".into(), dir.join("adir")));
    paths.push(("missing.toml".into(), dir.join("missing.toml")));
    paths
}

/// Every subcommand `rulegate --help` lists, fed hostile files in each slot that reads one:
/// each run exits 2 (not a signal, not a panic's 101) within 10 seconds, with an error that
/// names the input, and leaves no file behind. The README's exit-code contract, held for the
/// inputs that broke it in issue #10 and for the KQL and EQL front ends added since.
#[test]
fn every_subcommand_refuses_hostile_input_with_exit_2_within_ten_seconds() {
    let dir = crate::support::scratch("hostile");
    let files = hostile_files(&dir);
    let pick = |names: &[&str]| -> Inputs {
        files
            .iter()
            .filter(|(name, _)| names.contains(&name.as_str()))
            .cloned()
            .collect()
    };
    let rules = pick(&[
        "garbage.bin",
        "empty.toml",
        "deep.toml",
        "esql_deep.toml",
        "kql_deep.toml",
        "eql_deep.toml",
        "eql_numbers.toml",
        "eql_runs.toml",
        "eql_tail.toml",
        "eql_size.toml",
        "schedule.toml",
        "adir",
        "missing.toml",
    ]);
    let documents = pick(&["garbage.bin", "deep.ndjson", "adir", "missing.toml"]);
    let scenarios = pick(&[
        "garbage.bin",
        "empty.toml",
        "deep.toml",
        "trillion.toml",
        "year9999.toml",
        "adir",
        "missing.toml",
    ]);
    let docs = "tests/data/seed_rule/burst_fires.ndjson";
    let rule = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";
    let pages = dir.join("pages");
    let pages = pages.to_str().unwrap();
    // (arguments with `F` for the hostile file, the inputs, run in a scratch folder).
    let mut cases: Vec<(Vec<String>, Inputs, bool)> = Vec::new();
    let words = |line: &str| line.split(' ').map(String::from).collect::<Vec<_>>();
    for line in [
        "inspect F".to_string(),
        "edges F".into(),
        "diff F F".into(),
        "mutate F".into(),
        format!("query F --input {docs}"),
        format!("replay F --input {docs}"),
        format!("explain --rule F --input {docs}"),
        "coverage --rules F".into(),
        format!("doc --rules F -o {pages}"),
        "check --rules F".into(),
    ] {
        cases.push((words(&line), rules.clone(), false));
    }
    cases.push((words("init F"), rules.clone(), true));
    let evaluated = pick(&["kql_date.toml"]);
    cases.push((
        words(&format!("replay F --input {docs}")),
        evaluated.clone(),
        false,
    ));
    cases.push((
        words(&format!("explain --rule F --input {docs}")),
        evaluated,
        false,
    ));
    for line in [
        "ingest F".to_string(),
        "query --esql FROM_x --input F".into(),
        format!("replay {rule} --input F"),
        format!("replay {rule} --raw --input F"),
        format!("explain --rule {rule} --input F"),
    ] {
        let mut inputs = documents.clone();
        if !line.starts_with("ingest") {
            inputs.extend(pick(&["empty.toml"]));
        }
        let argv = words(&line)
            .into_iter()
            .map(|w| if w == "FROM_x" { "FROM x".into() } else { w })
            .collect();
        cases.push((argv, inputs, false));
    }
    for line in ["gen F", "run F", "explain F", "personas --file F"] {
        let mut inputs = scenarios.clone();
        if line.starts_with("personas") {
            inputs.retain(|(name, _)| {
                name != "empty.toml" && !name.ends_with("9999.toml") && name != "trillion.toml"
            });
        }
        cases.push((words(line), inputs, false));
    }
    cases.push((
        words("check --scenarios F"),
        pick(&["garbage.bin", "adir", "missing.toml"]),
        false,
    ));
    cases.push((
        words("config --config F"),
        pick(&["garbage.bin", "deep.toml", "adir", "missing.toml"]),
        false,
    ));
    cases.push((words("report --git-base F"), pick(&["garbage.bin"]), false));
    let mut runs = 0;
    let mut failures = Vec::new();
    for (args, inputs, in_scratch) in &cases {
        for (name, path) in inputs {
            let argv: Vec<String> = args
                .iter()
                .map(|a| {
                    if a == "F" {
                        path.display().to_string()
                    } else {
                        a.clone()
                    }
                })
                .collect();
            let workdir = dir.join("work");
            std::fs::create_dir_all(&workdir).unwrap();
            let mut command = rulegate();
            command.args(&argv);
            if *in_scratch {
                command.current_dir(&workdir);
            }
            let output =
                crate::support::output_within(&mut command, std::time::Duration::from_secs(10));
            runs += 1;
            let stderr = String::from_utf8_lossy(&output.stderr);
            let left: Vec<String> = std::fs::read_dir(&workdir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            let problem = if output.status.code() != Some(2) {
                Some(format!("exit {:?}", output.status))
            } else if !stderr.contains("error[") {
                Some("no error message".into())
            } else if !stderr.contains(name.as_str()) {
                Some("the message does not name the input".into())
            } else if !left.is_empty() || std::path::Path::new(pages).exists() {
                Some(format!("left files behind: {left:?}"))
            } else {
                None
            };
            if let Some(problem) = problem {
                failures.push(format!("rulegate {}: {problem}\n{stderr}", argv.join(" ")));
            }
        }
    }
    assert_eq!(runs, 202, "the runs docs/robustness.md counts");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The caps' flags work with any command (README, "Exit codes"), before or after its name.
#[test]
fn the_caps_flags_are_taken_by_every_command() {
    let rule = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";
    for args in [
        vec!["inspect", rule, "--max-rows", "5"],
        vec!["--max-requests", "7", "personas"],
        vec!["edges", rule, "--max-executions", "3", "--max-reads", "4"],
        vec!["config", "--max-rows", "9"],
    ] {
        let output = rulegate().args(&args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = rulegate()
        .args(["inspect", rule, "--max-rows", "many"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
