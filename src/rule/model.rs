//! Typed rule file contents, as `elastic/detection-rules` defines them (`rule.py`, notes §1).
//!
//! Only fields the project reads are typed precisely; the rest are kept as raw TOML values so a
//! rule loads whatever its type. Unknown keys are not rejected here: `keys.rs` reports them as
//! warnings with their position.

use serde::Deserialize;

/// A whole rule file: `[metadata]`, `[rule]` (as `data`, like detection-rules'
/// `TOMLRuleContents`) and the optional `[transform]`.
#[derive(Clone, Debug, Deserialize)]
pub struct Rule {
    pub metadata: Metadata,
    #[serde(rename = "rule")]
    pub data: RuleData,
    pub transform: Option<toml::Table>,
}

/// `[metadata]` (`RuleMeta`).
#[derive(Clone, Debug, Deserialize)]
pub struct Metadata {
    pub creation_date: String,
    pub updated_date: String,
    pub deprecation_date: Option<String>,
    pub maturity: Option<String>,
    pub integration: Option<OneOrMany>,
    pub min_stack_version: Option<String>,
    pub min_stack_comments: Option<String>,
    pub comments: Option<String>,
    pub os_type_list: Option<Vec<String>>,
    pub query_schema_validation: Option<bool>,
    pub bypass_bbr_timing: Option<bool>,
    pub promotion: Option<bool>,
    pub related_endpoint_rules: Option<Vec<String>>,
    pub extended: Option<toml::Table>,
    pub deprecated_reason: Option<String>,
}

/// A string or a list of strings (`integration = "aws"` or `integration = ["aws"]`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// `[rule]`: the fields common to all rule types (`BaseRuleData`) and the per-type ones.
#[derive(Clone, Debug, Deserialize)]
pub struct RuleData {
    pub author: Vec<String>,
    pub description: String,
    pub name: String,
    pub risk_score: i64,
    pub rule_id: String,
    pub severity: String,
    #[serde(rename = "type")]
    pub rule_type: String,
    pub language: Option<String>,
    pub query: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub interval: Option<String>,
    pub max_signals: Option<i64>,
    pub timestamp_override: Option<String>,
    pub building_block_type: Option<String>,
    #[serde(default)]
    pub threat: Vec<Threat>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub false_positives: Vec<String>,
    pub note: Option<String>,
    pub setup: Option<String>,
    pub license: Option<String>,
    pub index: Option<Vec<String>>,
    pub data_view_id: Option<String>,
    /// Kibana's filter array (`crate::rule::filters` translates it).
    pub filters: Option<Vec<toml::Value>>,
    pub alert_suppression: Option<AlertSuppression>,
    pub threshold: Option<Threshold>,
    pub new_terms: Option<NewTerms>,
    pub investigation_fields: Option<InvestigationFields>,
    pub version: Option<i64>,
    pub revision: Option<i64>,
}

/// One `[[rule.threat]]` block.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Threat {
    pub framework: String,
    pub tactic: ThreatEntry,
    #[serde(default)]
    pub technique: Vec<Technique>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Technique {
    pub id: String,
    pub name: String,
    pub reference: String,
    #[serde(default)]
    pub subtechnique: Vec<ThreatEntry>,
}

/// A tactic or sub-technique: `{id, name, reference}`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ThreatEntry {
    pub id: String,
    pub name: String,
    pub reference: String,
}

/// `[rule.alert_suppression]` (`AlertSuppressionMapping`; threshold rules set only `duration`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct AlertSuppression {
    #[serde(default)]
    pub group_by: Vec<String>,
    pub duration: Option<SuppressionDuration>,
    pub missing_fields_strategy: Option<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct SuppressionDuration {
    pub value: i64,
    pub unit: String,
}

/// `[rule.threshold]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Threshold {
    pub field: OneOrMany,
    pub value: i64,
    #[serde(default)]
    pub cardinality: Vec<Cardinality>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Cardinality {
    pub field: String,
    pub value: i64,
}

/// `[rule.new_terms]`: `field = "new_terms_fields"`, `value` the fields, and the history window.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct NewTerms {
    pub field: String,
    pub value: Vec<String>,
    #[serde(default)]
    pub history_window_start: Vec<HistoryWindowStart>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct HistoryWindowStart {
    pub field: String,
    pub value: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct InvestigationFields {
    pub field_names: Vec<String>,
}
