//! The persona library: named identities with their usual request patterns, built in
//! (`personas.toml` next to this file) and extensible from a `personas.toml` beside a scenario.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use toml::Spanned;

use super::dsl::{self, ActorFields, ActorSpec, Ctx};
use crate::diagnostic::{Diagnostic, SourceFile};

const BUILTIN: &str = include_str!("personas.toml");
const BUILTIN_PATH: &str = "<built-in personas.toml>";

/// One persona: an identity plus its activity; `persona` names a parent it refines.
#[derive(Clone, Debug)]
pub struct Persona {
    pub name: String,
    pub description: String,
    /// `benign` or `attacker`.
    pub role: String,
    pub parent: Option<String>,
    pub(super) spec: ActorSpec,
}

/// Personas by name (sorted, so listings are stable).
#[derive(Clone, Debug, Default)]
pub struct PersonaLibrary {
    pub personas: BTreeMap<String, Persona>,
}

/// The built-in library. It is part of the binary, so a parse failure is a bug (tested).
pub fn builtin_personas() -> PersonaLibrary {
    let mut library = PersonaLibrary::default();
    if let Err(diagnostics) = library.extend_from_str(BUILTIN_PATH, BUILTIN) {
        panic!(
            "built-in personas do not load:\n{}",
            crate::diagnostic::render_all(&diagnostics, false)
        );
    }
    library
}

impl PersonaLibrary {
    /// Adds (or replaces by name) the personas of a `personas.toml` text.
    pub fn extend_from_str(&mut self, path: &str, text: &str) -> Result<(), Vec<Diagnostic>> {
        let file = SourceFile::new(path, text);
        let mut ctx = Ctx::new(&file);
        let parsed: BTreeMap<String, Spanned<ActorFields>> = match toml::from_str(text) {
            Ok(parsed) => parsed,
            Err(error) => return Err(vec![dsl::toml_error(&file, &error)]),
        };
        for (name, fields) in parsed {
            let span = fields.span();
            let fields = fields.into_inner();
            let description = fields
                .description
                .clone()
                .map(Spanned::into_inner)
                .unwrap_or_default();
            let role = fields
                .role
                .clone()
                .map(Spanned::into_inner)
                .unwrap_or_else(|| "benign".into());
            if !matches!(role.as_str(), "benign" | "attacker") {
                let at = fields
                    .role
                    .as_ref()
                    .map(Spanned::span)
                    .unwrap_or(span.clone());
                ctx.error(
                    "E608",
                    format!("persona role must be `benign` or `attacker`, not `{role}`"),
                    at,
                    "",
                );
            }
            let parent = fields.persona.as_ref().map(|p| p.get_ref().clone());
            let spec = ctx.actor_spec(&fields);
            self.personas.insert(
                name.clone(),
                Persona {
                    name,
                    description,
                    role,
                    parent,
                    spec,
                },
            );
        }
        // Parents must exist; checked after the whole file so order does not matter.
        for persona in self.personas.values() {
            if let Some(parent) = &persona.parent {
                if !self.personas.contains_key(parent) {
                    ctx.diagnostics.push(
                        Diagnostic::error(
                            "E602",
                            format!(
                                "persona `{}` refines unknown persona `{parent}`",
                                persona.name
                            ),
                        )
                        .in_file(&file),
                    );
                }
            }
        }
        ctx.finish(())
    }

    /// Adds the personas of a file.
    pub fn extend_from_file(&mut self, path: &Path) -> Result<(), Vec<Diagnostic>> {
        let text = crate::input::read_to_string(path).map_err(|error| {
            vec![
                Diagnostic::error("E600", format!("cannot read persona file: {error}"))
                    .at_path(path),
            ]
        })?;
        self.extend_from_str(&path.display().to_string(), &text)
    }

    pub fn get(&self, name: &str) -> Option<&Persona> {
        self.personas.get(name)
    }

    /// The known name closest to `name` (edit distance), for "did you mean" help.
    pub fn nearest(&self, name: &str) -> Option<&str> {
        nearest(name, self.personas.keys().map(String::as_str))
    }

    /// The persona's spec with its parents' values filled in (parent first, child overrides).
    pub(super) fn resolved(&self, name: &str) -> Option<ActorSpec> {
        let mut chain = Vec::new();
        let mut current = self.personas.get(name)?;
        loop {
            chain.push(&current.spec);
            match current.parent.as_deref().and_then(|p| self.personas.get(p)) {
                // A depth bound stops a cycle (`a` refines `b` refines `a`).
                Some(parent) if chain.len() < 8 => current = parent,
                _ => break,
            }
        }
        let mut spec = ActorSpec::default();
        for layer in chain.into_iter().rev() {
            spec.overlay(layer.clone());
        }
        Some(spec)
    }

    /// `name<TAB>description` lines, sorted by name.
    pub fn listing(&self) -> String {
        self.personas
            .values()
            .map(|p| format!("{}\t{}\n", p.name, p.description))
            .collect()
    }
}

/// The candidate with the smallest edit distance to `name`, if it is close enough to be a typo.
pub fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let best = candidates.map(|c| (levenshtein(name, c), c)).min()?;
    (best.0 <= name.chars().count().max(3) / 2 + 1).then_some(best.1)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[allow(dead_code)] // kept for diagnostics that want the built-in file itself
pub(super) fn builtin_source() -> Arc<SourceFile> {
    SourceFile::new(BUILTIN_PATH, BUILTIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_library_has_every_persona_the_issue_names() {
        let library = builtin_personas();
        for name in [
            "helm",
            "flux-kustomize-controller",
            "flux-helm-controller",
            "flux-source-controller",
            "kube-controller-manager",
            "kube-scheduler",
            "trivy-operator",
            "localhost-admin",
            "kubelet",
            "argocd-application-controller",
            "cert-manager",
            "external-secrets",
            "velero",
            "ci-deployer",
            "stolen-token-kubectl",
            "stolen-token-curl",
            "python-client",
            "forbidden-spray",
            "slow-harvester",
            "ua-rotator",
            "ip-rotator",
            "xff-spoofer",
        ] {
            let persona = library
                .get(name)
                .unwrap_or_else(|| panic!("missing persona {name}"));
            assert!(!persona.description.is_empty(), "{name} has no description");
            let spec = library.resolved(name).unwrap();
            assert!(
                spec.activity.as_ref().is_some_and(|a| !a.is_empty()),
                "{name} has no activity"
            );
        }
    }

    #[test]
    fn nearest_name_suggests_typos_only() {
        let names = ["helm", "kubelet", "velero"];
        assert_eq!(nearest("hlem", names.into_iter()), Some("helm"));
        assert_eq!(nearest("kubelt", names.into_iter()), Some("kubelet"));
        assert_eq!(nearest("completely-different", names.into_iter()), None);
    }
}
