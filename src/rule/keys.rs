//! Unknown-key warnings: walks the spanned TOML document against the keys detection-rules
//! defines, so a typo (`max_signal`) is reported with its position instead of silently dropped.

use std::sync::Arc;

use toml::de::DeTable;
use toml::Spanned;

use crate::diagnostic::{suggest, Diagnostic, SourceFile};

pub const W_UNKNOWN_KEY: &str = "W101";

/// Known keys per table path (`[]` marks an array of tables). Tables not listed here (free-form
/// ones such as `[transform]`, `[metadata.extended]` or `[rule.meta]`) are not checked.
const SCHEMA: &crate::toml_keys::Schema = &[
    ("", &["metadata", "rule", "transform"]),
    (
        "metadata",
        &[
            "creation_date",
            "updated_date",
            "deprecation_date",
            "maturity",
            "integration",
            "min_stack_version",
            "min_stack_comments",
            "comments",
            "os_type_list",
            "query_schema_validation",
            "bypass_bbr_timing",
            "promotion",
            "related_endpoint_rules",
            "extended",
            "deprecated_reason",
        ],
    ),
    (
        "rule",
        &[
            "actions",
            "alert_suppression",
            "anomaly_threshold",
            "author",
            "building_block_type",
            "concurrent_searches",
            "data_view_id",
            "description",
            "enabled",
            "event_category_override",
            "exceptions_list",
            "false_positives",
            "filters",
            "from",
            "index",
            "interval",
            "investigation_fields",
            "items_per_search",
            "language",
            "license",
            "machine_learning_job_id",
            "max_signals",
            "meta",
            "name",
            "new_terms",
            "note",
            "query",
            "references",
            "related_integrations",
            "required_fields",
            "response_actions",
            "revision",
            "risk_score",
            "risk_score_mapping",
            "rule_id",
            "rule_name_override",
            "saved_id",
            "setup",
            "severity",
            "severity_mapping",
            "tags",
            "threat",
            "threat_filters",
            "threat_index",
            "threat_indicator_path",
            "threat_language",
            "threat_mapping",
            "threat_mappings",
            "threat_query",
            "threshold",
            "throttle",
            "tiebreaker_field",
            "timeline_id",
            "timeline_title",
            "timestamp_field",
            "timestamp_override",
            "to",
            "type",
            "version",
        ],
    ),
    ("rule.threat[]", &["framework", "tactic", "technique"]),
    ("rule.threat[].tactic", &["id", "name", "reference"]),
    (
        "rule.threat[].technique[]",
        &["id", "name", "reference", "subtechnique"],
    ),
    (
        "rule.threat[].technique[].subtechnique[]",
        &["id", "name", "reference"],
    ),
    (
        "rule.alert_suppression",
        &["group_by", "duration", "missing_fields_strategy"],
    ),
    ("rule.alert_suppression.duration", &["value", "unit"]),
    ("rule.threshold", &["field", "value", "cardinality"]),
    ("rule.threshold.cardinality[]", &["field", "value"]),
    (
        "rule.new_terms",
        &["field", "value", "history_window_start"],
    ),
    ("rule.new_terms.history_window_start[]", &["field", "value"]),
    ("rule.investigation_fields", &["field_names"]),
];

/// One warning per unknown key, in file order.
pub fn unknown_keys(document: &Spanned<DeTable<'_>>, file: &Arc<SourceFile>) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    crate::toml_keys::walk(document.get_ref(), SCHEMA, &mut |key| {
        let mut warning = Diagnostic::warning(
            W_UNKNOWN_KEY,
            format!("unknown key `{}` {}", key.name, key.place),
        )
        .in_file(file)
        .with_label(key.span, "detection-rules does not define this key")
        .with_note("the key is ignored");
        if let Some(near) = suggest(key.name, key.known) {
            warning = warning.with_help(format!("did you mean `{near}`?"));
        }
        warnings.push(warning);
    });
    warnings.sort_by_key(|w| w.labels.first().map(|l| l.span));
    warnings
}
