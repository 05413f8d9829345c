//! Declared actor identities: the ECS fields that say who an actor is in its documents and its
//! alerts (`identity = { "user.name" = "alice", "source.ip" = "203.0.113.7" }`), and the
//! Kubernetes default (`kubernetes.audit.user.username`) for actors that declare none.

use std::collections::BTreeMap;

use serde_json::Value;
use toml::Spanned;

use super::check::Ctx;
use super::event_step::{generated_field, is_generated};
use super::Actor;

/// The field an actor without a declared identity is known by: the audit username.
pub const KUBERNETES_IDENTITY: &str = "kubernetes.audit.user.username";

impl Actor {
    /// The fields (and values) that identify the actor: its declared `identity`, else its
    /// Kubernetes username in the field the platform's data stream keeps it in
    /// (`kubernetes.audit.user.username`, GKE's `client.user.email`). Expectations naming the
    /// actor (`[[expect.groups]] actor = …`, `[[expect.suppressed]]`) match alerts on these.
    pub fn identity_fields(&self, platform: super::Platform) -> Vec<(String, String)> {
        if self.identity.is_empty() {
            vec![(platform.identity_field().to_string(), self.username.clone())]
        } else {
            self.identity
                .iter()
                .map(|(field, value)| (field.clone(), value.clone()))
                .collect()
        }
    }
}

/// Validates a declared identity: field names that are not empty and not written by the
/// generator.
pub(super) fn check(
    ctx: &mut Ctx,
    identity: &Spanned<BTreeMap<String, String>>,
) -> Option<BTreeMap<String, String>> {
    let before = ctx.diagnostics.len();
    if identity.get_ref().is_empty() {
        ctx.error(
            "E630",
            "`identity` declares no field",
            identity.span(),
            "empty",
        )
        .help = Some("e.g. `identity = { \"user.name\" = \"alice\" }`".into());
    }
    for field in identity.get_ref().keys() {
        if is_generated(field) {
            generated_field(ctx, field, identity.span());
        } else if field.is_empty() || field.split('.').any(str::is_empty) {
            ctx.error(
                "E631",
                format!("`{field}` is not a field name"),
                identity.span(),
                "",
            );
        }
    }
    (ctx.diagnostics.len() == before).then(|| identity.get_ref().clone())
}

/// Whether an alert belongs to an actor whose identity is `wanted`: every identity field the
/// alert carries has the actor's value, and it carries at least one (an alert keeps only the
/// fields of the rule's `KEEP`/`BY`, so an identity may name more fields than the alert has).
pub fn alert_matches_identity<'a>(
    field: impl Fn(&str) -> Option<&'a Value>,
    wanted: &[(String, String)],
    matches: impl Fn(&Value, &str) -> bool,
) -> bool {
    let mut carried = 0;
    for (name, expected) in wanted {
        if let Some(value) = field(name) {
            if value.is_null() {
                continue;
            }
            if !matches(value, expected) {
                return false;
            }
            carried += 1;
        }
    }
    carried > 0
}
