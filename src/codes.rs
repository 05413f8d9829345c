//! The registry of diagnostic codes: each code's severity, area and meaning, sorted by code.

use crate::diagnostic::Severity;

/// One registered code. `docs/error-codes.md` is generated from [`CODES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub severity: Severity,
    pub area: &'static str,
    pub meaning: &'static str,
}

const IO: &str = "input/output";
const LIMITS: &str = "limits";
const CONFIG: &str = "rule selection and configuration";
const RULE: &str = "rule file";
const ESQL_SYNTAX: &str = "ES|QL syntax";
const KQL_SYNTAX: &str = "KQL syntax";
const EQL_SYNTAX: &str = "EQL syntax";
const ESQL_EVAL: &str = "ES|QL evaluation";
const KQL_EVAL: &str = "KQL evaluation";
const EQL_EVAL: &str = "EQL evaluation";
const DOCUMENTS: &str = "input documents";
const AUDIT: &str = "audit import";
const SCENARIOS: &str = "scenarios";
const RECORDED: &str = "recorded data";
const FIXTURE: &str = "fixture";
const RUNS: &str = "schedules and runs";
const SNAPSHOTS: &str = "snapshots and derived scenarios";
const REVIEW: &str = "review commands";

const fn e(code: &'static str, area: &'static str, meaning: &'static str) -> Code {
    Code {
        code,
        severity: Severity::Error,
        area,
        meaning,
    }
}

const fn w(code: &'static str, area: &'static str, meaning: &'static str) -> Code {
    Code {
        code,
        severity: Severity::Warning,
        area,
        meaning,
    }
}

/// Every code any diagnostic carries, sorted (errors `E…` before warnings `W…`).
pub static CODES: &[Code] = &[
    e(
        "E001",
        IO,
        "a file or folder cannot be read, or does not exist",
    ),
    e(
        "E002",
        IO,
        "a usage error: arguments that do not fit together, or an option value that does not parse",
    ),
    e(
        "E003",
        IO,
        "an output folder or file cannot be created, written or removed",
    ),
    e("E004", IO, "the output cannot be written"),
    e(
        "E005",
        IO,
        "the reader of standard output went away (a closed pipe; quiet exit 0)",
    ),
    e("E006", IO, "a folder holds no rule files (`*.toml`)"),
    e(
        "E007",
        IO,
        "the scenario folder holds no scenarios: nothing to check",
    ),
    e(
        "E010",
        LIMITS,
        "a scenario would generate more requests than `--max-requests`",
    ),
    e(
        "E011",
        LIMITS,
        "a replay takes more executions than `--max-executions`",
    ),
    e(
        "E012",
        LIMITS,
        "a replay's executions would read more documents than their cap",
    ),
    e(
        "E013",
        LIMITS,
        "MV_EXPAND would make more rows from one row than `--max-rows`",
    ),
    e(
        "E014",
        LIMITS,
        "a function result past the multivalue or byte-size cap",
    ),
    e(
        "E015",
        LIMITS,
        "a STATS would hold more groups, or CATEGORIZE make more categories, than `--max-groups`",
    ),
    e(
        "E020",
        CONFIG,
        "more folders under the rule path than the cap (a symlink loop?)",
    ),
    e("E021", CONFIG, "a rule glob matches no rule file"),
    e("E022", CONFIG, "the rule globs select no rule file at all"),
    e("E023", CONFIG, "the configuration file cannot be read"),
    e(
        "E024",
        CONFIG,
        "the configuration file is not valid TOML or has a wrong type",
    ),
    e("E025", CONFIG, "an unknown key in the configuration file"),
    e(
        "E026",
        CONFIG,
        "an invalid configuration value (score not a percentage, exemption without a reason)",
    ),
    e(
        "E027",
        CONFIG,
        "the configuration file named with `--config` does not exist, or is `-` (standard input has no folder for its relative paths)",
    ),
    e("E028", CONFIG, "two rules share one `rule_id`"),
    e("E101", RULE, "the rule file is not valid TOML"),
    e("E102", RULE, "the rule file does not fit the rule schema"),
    e(
        "E103",
        RULE,
        "a rule field has a value Elastic's validation refuses",
    ),
    e("E104", RULE, "an ES|QL rule has no `query`"),
    e(
        "E200",
        ESQL_SYNTAX,
        "unexpected token: something else was expected",
    ),
    e("E201", ESQL_SYNTAX, "an unknown processing command"),
    e("E202", ESQL_SYNTAX, "a command rulegate does not support"),
    e("E203", ESQL_SYNTAX, "an unterminated string"),
    e(
        "E204",
        ESQL_SYNTAX,
        "an invalid escape sequence in a string",
    ),
    e("E205", ESQL_SYNTAX, "an invalid LIKE pattern"),
    e("E206", ESQL_SYNTAX, "an unknown time unit"),
    e("E207", ESQL_SYNTAX, "expressions nested too deeply"),
    e("E208", ESQL_SYNTAX, "an unterminated block comment"),
    e("E209", ESQL_SYNTAX, "a number that is too large"),
    e("E210", ESQL_SYNTAX, "an unexpected character"),
    e(
        "E211",
        ESQL_SYNTAX,
        "a `LOOKUP JOIN` index that is not one plain name (wildcard, cluster prefix)",
    ),
    e(
        "E230",
        KQL_SYNTAX,
        "unexpected token: something else was expected",
    ),
    e("E231", KQL_SYNTAX, "an unterminated quoted string"),
    e(
        "E232",
        KQL_SYNTAX,
        "the query nests more than 100 levels deep",
    ),
    e("E233", KQL_SYNTAX, "the query is longer than its cap"),
    e(
        "E260",
        EQL_SYNTAX,
        "unexpected token: something else was expected",
    ),
    e("E261", EQL_SYNTAX, "an unterminated string"),
    e("E262", EQL_SYNTAX, "an invalid escape sequence in a string"),
    e("E263", EQL_SYNTAX, "an unexpected character"),
    e("E264", EQL_SYNTAX, "expressions nested too deeply"),
    e("E265", EQL_SYNTAX, "a number out of range"),
    e("E266", EQL_SYNTAX, "an unknown function"),
    e(
        "E267",
        EQL_SYNTAX,
        "a function called with the wrong number of arguments",
    ),
    e(
        "E268",
        EQL_SYNTAX,
        "syntax Elasticsearch's EQL does not support (lineage, `descendant of`, …)",
    ),
    e(
        "E269",
        EQL_SYNTAX,
        "an invalid or out-of-range time span (`maxspan`)",
    ),
    e("E270", EQL_SYNTAX, "an unterminated string or comment"),
    e("E271", EQL_SYNTAX, "an invalid wildcard or regex pattern"),
    e(
        "E272",
        EQL_SYNTAX,
        "a sequence or sample clause in the wrong shape or order",
    ),
    e("E273", EQL_SYNTAX, "`runs` outside 1 to its maximum"),
    e(
        "E274",
        EQL_SYNTAX,
        "a pipe (`head`, `tail`) count outside its range",
    ),
    e(
        "E275",
        EQL_SYNTAX,
        "`~` on a function with no case-insensitive form",
    ),
    e(
        "E301",
        ESQL_EVAL,
        "an unknown column or metadata field, or a pattern matching no column",
    ),
    e(
        "E302",
        ESQL_EVAL,
        "a verification error: wrong type, non-constant or misplaced argument",
    ),
    e("E303", ESQL_EVAL, "a function rulegate does not implement"),
    e(
        "E304",
        ESQL_EVAL,
        "a function or operator that needs Elasticsearch (full-text search, per-run folding)",
    ),
    e(
        "E305",
        ESQL_EVAL,
        "an invalid pattern: regex, LIKE, DISSECT or GROK",
    ),
    e("E306", ESQL_EVAL, "a number outside its time unit's range"),
    e(
        "E310",
        ESQL_EVAL,
        "`Unknown index`: `LOOKUP JOIN` names no lookup index given (`--lookup`, `[lookups]`)",
    ),
    e(
        "E311",
        ESQL_EVAL,
        "a `LOOKUP JOIN` key missing from the input or the lookup index",
    ),
    e(
        "E312",
        ESQL_EVAL,
        "`LOOKUP JOIN` keys of incompatible types, or a lookup key type Elasticsearch cannot join on",
    ),
    e(
        "E313",
        ESQL_EVAL,
        "a lookup index file that cannot be read, is not NDJSON, or is over its caps",
    ),
    e(
        "E315",
        ESQL_EVAL,
        "`Unknown index`: no index matches the `FROM` patterns",
    ),
    e(
        "E320",
        ESQL_EVAL,
        "query-string syntax or a `QSTR` option rulegate does not evaluate (regex, `~`, `?`)",
    ),
    e(
        "E340",
        KQL_EVAL,
        "a value that does not fit the field's type",
    ),
    e(
        "E341",
        KQL_EVAL,
        "a wildcard on a field type that takes none",
    ),
    e(
        "E342",
        KQL_EVAL,
        "a nested query on a field not mapped `nested`",
    ),
    e(
        "E343",
        KQL_EVAL,
        "a date that does not parse or falls outside the range of dates",
    ),
    e("E344", KQL_EVAL, "a KQL rule type that is not evaluated"),
    e(
        "E345",
        KQL_EVAL,
        "a rule filter in query DSL rulegate does not translate",
    ),
    e(
        "E346",
        KQL_EVAL,
        "a rule names a data view rulegate cannot resolve",
    ),
    e(
        "E347",
        CONFIG,
        "`[data_views]`: a data view with no index patterns, an empty pattern or an empty id",
    ),
    e(
        "E348",
        CONFIG,
        "`[data_views]`: more data views (1,000) or patterns in one view (100) than the limits",
    ),
    e(
        "E370",
        EQL_EVAL,
        "a pattern that cannot be compiled at run time",
    ),
    e(
        "E371",
        EQL_EVAL,
        "multivalued join keys give too many key combinations for one event",
    ),
    e("E372", EQL_EVAL, "too many sequences in flight at once"),
    e(
        "E373",
        EQL_EVAL,
        "an EQL `sample` rule, which Kibana's executor fails",
    ),
    e(
        "E401",
        DOCUMENTS,
        "an input document that is not valid JSON or not an object",
    ),
    e(
        "E402",
        DOCUMENTS,
        "a mapping file that cannot be read or is invalid",
    ),
    e("E403", DOCUMENTS, "the input has no documents"),
    e(
        "E410",
        DOCUMENTS,
        "an ingested event with a timestamp that cannot be used",
    ),
    e(
        "E411",
        DOCUMENTS,
        "raw Kubernetes audit events where ECS documents are expected",
    ),
    e("E500", AUDIT, "an audit log cannot be read"),
    e("E501", AUDIT, "a line that is not an audit event"),
    e("E502", AUDIT, "`--ingest-lag` over its limit of one day"),
    e(
        "E503",
        AUDIT,
        "an event's time plus `--ingest-lag` runs past the last nanosecond instant",
    ),
    e(
        "E504",
        AUDIT,
        "a recognised log shape that is refused, with the command that converts it",
    ),
    e(
        "E600",
        SCENARIOS,
        "a scenario or persona file cannot be read",
    ),
    e(
        "E601",
        SCENARIOS,
        "scenario TOML syntax, unknown field or wrong type",
    ),
    e("E602", SCENARIOS, "an unknown persona"),
    e(
        "E603",
        SCENARIOS,
        "a step or expectation names an undefined actor",
    ),
    e("E604", SCENARIOS, "a time that is not RFC 3339"),
    e(
        "E605",
        SCENARIOS,
        "a duration, range, rate or offset that does not parse",
    ),
    e(
        "E606",
        SCENARIOS,
        "a number out of range or a missing companion value in a step",
    ),
    e("E607", SCENARIOS, "a scenario with no steps"),
    e(
        "E608",
        SCENARIOS,
        "a value outside its allowed set, or two exclusive keys given together",
    ),
    e(
        "E609",
        SCENARIOS,
        "a time outside the range of nanosecond timestamps",
    ),
    e("E610", SCENARIOS, "a `count` of names over its cap"),
    e(
        "E630",
        SCENARIOS,
        "a generic event step or identity that is not well formed",
    ),
    e(
        "E631",
        SCENARIOS,
        "a template, draw or identity field the generator writes, or both a value and an object",
    ),
    e(
        "E632",
        SCENARIOS,
        "a draw that is not a list or `{ pattern, count }`, is empty, or holds a value without a JSON form",
    ),
    e(
        "E640",
        RECORDED,
        "a `[[recorded]]` `where` value of an unsupported type",
    ),
    e("E641", RECORDED, "a recorded file cannot be read"),
    e(
        "E642",
        RECORDED,
        "a recorded line that is not a JSON object, or a `_bulk` body out of step",
    ),
    e(
        "E643",
        RECORDED,
        "a recorded document without a usable `@timestamp`",
    ),
    e(
        "E644",
        RECORDED,
        "an `at` shift that takes a time out of the nanosecond range",
    ),
    e("E645", RECORDED, "more recorded documents than the cap"),
    e(
        "E646",
        RECORDED,
        "`gen --format raw` of a scenario with recorded ECS documents",
    ),
    e(
        "E650",
        FIXTURE,
        "`fixture`: the file exists and is never overwritten",
    ),
    e("E651", FIXTURE, "`fixture`: the log is too large to copy"),
    e("E700", RUNS, "`fixture`: the rule cannot be read"),
    e("E701", RUNS, "a document's time field is not a date"),
    e(
        "E702",
        RUNS,
        "an invalid schedule (interval, look-back or `max_signals`)",
    ),
    e(
        "E703",
        RUNS,
        "not evaluated: the rule type or query is not supported yet",
    ),
    e("E704", RUNS, "the scenario names no rule"),
    e("E705", RUNS, "executions fall outside the range of dates"),
    e(
        "E710",
        SNAPSHOTS,
        "a snapshot file that cannot be read or is not valid",
    ),
    e(
        "E711",
        SNAPSHOTS,
        "`edges`: edge scenarios cannot be derived from the rule",
    ),
    e(
        "E712",
        SNAPSHOTS,
        "`init`: scenarios cannot be derived from the rule",
    ),
    e(
        "E730",
        SNAPSHOTS,
        "`edges`: no document built from the KQL query's leaves matches the query and its filters",
    ),
    e(
        "E731",
        SNAPSHOTS,
        "`edges`: a KQL rule of a type without edges (only `query`, `threshold`, `new_terms`)",
    ),
    e(
        "E732",
        SNAPSHOTS,
        "`edges`: the KQL rule's query and `index` name no dataset the generator can write events under",
    ),
    e(
        "E801",
        REVIEW,
        "a scenario names a rule that cannot be loaded",
    ),
    e("E802", REVIEW, "git failed, or an unknown git revision"),
    e(
        "E803",
        REVIEW,
        "a mutant classed as equivalent is killed by scenarios",
    ),
    e(
        "E830",
        REVIEW,
        "`parity`: a rule that reads no Kubernetes audit data stream",
    ),
    w(
        "W005",
        AUDIT,
        "`ingest --skip-invalid`: an event with an unusable timestamp skipped",
    ),
    w(
        "W006",
        AUDIT,
        "`ingest`, `replay --raw`: events without a timestamp, which no rule window holds",
    ),
    w(
        "W007",
        DOCUMENTS,
        "`query` over raw Kubernetes audit events, not ECS documents",
    ),
    w("W101", RULE, "an unknown key in the rule file"),
    w(
        "W102",
        RULE,
        "a detection-rules convention the ES|QL query does not follow",
    ),
    w(
        "W501",
        AUDIT,
        "`--skip-invalid`: a line that is not an audit event skipped",
    ),
    w("W801", REVIEW, "a surviving mutant"),
];

/// The registered code, if any.
pub fn lookup(code: &str) -> Option<&'static Code> {
    CODES
        .binary_search_by(|entry| entry.code.cmp(code))
        .ok()
        .map(|index| &CODES[index])
}

/// Whether `code` is registered with `severity`: what `Diagnostic::error`/`warning` assert.
pub fn is_registered(code: &str, severity: Severity) -> bool {
    lookup(code).is_some_and(|entry| entry.severity == severity)
}

/// The text of `docs/error-codes.md`: the registry as a Markdown table.
pub fn markdown() -> String {
    let mut page = String::from(
        "# Error codes\n\n\
         Generated from `src/codes.rs` (the one registry of diagnostic codes); \
         `tests/codes.rs` checks that this page is current.\n\n\
         | code | severity | area | meaning |\n|---|---|---|---|\n",
    );
    for entry in CODES {
        let severity = match entry.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let cells = [entry.area, entry.meaning].map(|cell| cell.replace('|', "\\|"));
        page.push_str(&format!(
            "| `{}` | {severity} | {} | {} |\n",
            entry.code, cells[0], cells[1]
        ));
    }
    page
}
