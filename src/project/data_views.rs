//! `[data_views]` in `rulegate.toml`: Kibana data view ids and the index patterns each searches,
//! so a rule naming `data_view_id` reads what Kibana would (the view's patterns, not `index`).
//!
//! Diagnostic codes:
//!
//! | code | meaning |
//! |---|---|
//! | `E347` | a data view with no index patterns, an empty pattern, or an empty id |
//! | `E348` | more data views, or more patterns in one view, than the limits below |

use std::collections::BTreeMap;
use std::sync::RwLock;

use crate::diagnostic::Diagnostic;

pub const E_DATA_VIEW_EMPTY: &str = "E347";
pub const E_DATA_VIEW_LIMIT: &str = "E348";

/// Most data views one configuration declares.
pub const MAX_DATA_VIEWS: usize = 1_000;
/// Most index patterns one data view lists.
pub const MAX_PATTERNS: usize = 100;

/// Id → index patterns.
pub type DataViews = BTreeMap<String, Vec<String>>;

/// The problems of a `[data_views]` table, each with what to write instead.
pub fn validate(views: &DataViews) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    if views.len() > MAX_DATA_VIEWS {
        errors.push(
            Diagnostic::error(
                E_DATA_VIEW_LIMIT,
                format!(
                    "`[data_views]` declares {} data views, more than {MAX_DATA_VIEWS}",
                    views.len()
                ),
            )
            .with_help("declare the data views the rules under test name"),
        );
        return errors;
    }
    for (id, patterns) in views {
        if id.trim().is_empty() {
            errors.push(Diagnostic::error(
                E_DATA_VIEW_EMPTY,
                "`[data_views]` has an empty data view id",
            ));
        }
        if patterns.is_empty() {
            errors.push(
                Diagnostic::error(E_DATA_VIEW_EMPTY, format!("data view `{id}` lists no index patterns"))
                    .with_help("list the data view's index patterns, e.g. `[\"logs-kubernetes.audit_logs-*\"]`"),
            );
        } else if patterns.len() > MAX_PATTERNS {
            errors.push(Diagnostic::error(
                E_DATA_VIEW_LIMIT,
                format!(
                    "data view `{id}` lists {} index patterns, more than {MAX_PATTERNS}",
                    patterns.len()
                ),
            ));
        } else if patterns.iter().any(|p| p.trim().is_empty()) {
            errors.push(Diagnostic::error(
                E_DATA_VIEW_EMPTY,
                format!("data view `{id}` lists an empty index pattern"),
            ));
        }
    }
    errors
}

static VIEWS: RwLock<Option<DataViews>> = RwLock::new(None);

/// Sets the configuration's data views for this process (the CLI, once it has read the config).
pub fn set(views: DataViews) {
    let mut guard = VIEWS
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *guard = Some(views);
}

/// The index patterns of a data view, when the configuration declares it.
pub fn resolve(id: &str) -> Option<Vec<String>> {
    let guard = VIEWS
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    guard.as_ref()?.get(id).cloned()
}
