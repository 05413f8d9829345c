//! KQL evaluation speed over the same generated Kubernetes audit documents as the ES|QL query
//! benchmark (`benches/query.rs`): the bundled KQL rules' queries compiled once and matched
//! against every loaded document, and the ES|QL seed rule's compiled plan over the same store
//! for comparison. Run: `cargo bench --bench kql`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rulegate::document::{Documents, FieldSelection, LoadOptions};
use rulegate::eval::{Plan, Window};
use rulegate::kql::eval::{Compiled, Schema};

// Shared with the other benches; this one does not use every helper.
#[allow(dead_code)]
mod support;

const DOCS: usize = 20_000;

/// The bundled KQL rules' queries (rules/, copied from elastic/detection-rules).
const RULES: [&str; 3] = [
    "credential_access_kubernetes_secret_access_scripting_http_clients",
    "credential_access_kubernetes_secret_read_by_node_or_pod_service_account",
    "credential_access_get_secrets_access",
];

fn bench(c: &mut Criterion) {
    let text = support::audit_ndjson(DOCS);
    let selection = FieldSelection {
        all: true,
        names: Default::default(),
    };
    let docs = Documents::from_ndjson(text.as_bytes(), &selection, LoadOptions::default()).unwrap();
    let mut group = c.benchmark_group("kql");
    group.throughput(Throughput::Elements(DOCS as u64));
    group.sample_size(10);
    for name in RULES {
        let path = format!("{}/rules/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let loaded = rulegate::rule::load(std::path::Path::new(&path)).unwrap();
        let (query, _) = loaded.query.kql().expect("a KQL rule");
        let schema = Schema {
            columns: &docs.columns,
            now: 0,
        };
        let compiled = Compiled::compile(query, &schema).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                (0..docs.len())
                    .filter(|&d| compiled.matches(docs.row(d)))
                    .count()
            })
        });
    }
    let loaded = support::seed_rule();
    let (query, query_text) = loaded.query.parsed().expect("seed rule parses");
    let plan = Plan::compile(query, query_text, &docs.columns).unwrap();
    group.bench_function("esql_seed_rule_run_plan", |b| {
        b.iter(|| plan.run(&docs, Window::All, 0))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
