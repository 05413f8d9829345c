//! Generation speed: documents per second written to a file by `scenario::write` (the path
//! `rulegate gen -o` takes), for ECS, raw and bulk output, and the canonical `Value` path for
//! comparison. Target (issue 4): at least 500,000 ECS documents per second to a file.
//!
//! Run: `cargo bench --bench generate` (criterion prints throughput in elements/s).

use std::io::Write;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rulegate::output::AtomicFile;
use rulegate::scenario::{self, builtin_personas, Format};

/// A busy cluster: eight personas at 1,000 requests a minute each for five minutes, plus an
/// attack burst — about 40,000 documents.
const BUSY_CLUSTER: &str = r#"
name = "bench"
description = "bench"
kind = "attack"
start = "2026-05-01T10:00:00Z"
seed = 7

[[noise]]
persona = "flux-kustomize-controller"
rate = "1000/m"
for = "5m"

[[noise]]
persona = "kube-scheduler"
rate = "1000/m"
for = "5m"

[[noise]]
persona = "helm"
rate = "1000/m"
for = "5m"

[[noise]]
persona = "kubelet"
rate = "1000/m"
for = "5m"

[[noise]]
persona = "trivy-operator"
rate = "1000/m"
for = "5m"

[[noise]]
persona = "cert-manager"
rate = "1000/m"
for = "5m"

[[noise]]
persona = "external-secrets"
rate = "1000/m"
for = "5m"

[[noise]]
persona = "xff-spoofer"
rate = "1000/m"
for = "5m"

[actors.attacker]
persona = "stolen-token-kubectl"

[[steps]]
actor = "attacker"
at = "+2m"
spacing = "1s"
"#;

fn bench(c: &mut Criterion) {
    let scenario = scenario::load_str(Path::new("bench.toml"), BUSY_CLUSTER, &builtin_personas())
        .expect("bench scenario loads");
    let documents = scenario::events(&scenario, None).count() as u64;
    let target = std::env::temp_dir().join(format!("rulegate-bench-{}.ndjson", std::process::id()));
    let mut group = c.benchmark_group("gen_to_file");
    group.throughput(Throughput::Elements(documents));
    group.sample_size(10);
    for (name, format) in [
        ("ecs", Format::Ecs),
        ("raw", Format::Raw),
        ("bulk", Format::Bulk),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut file = AtomicFile::create(&target).unwrap();
                let written = scenario::write(&scenario, None, format, &mut file).unwrap();
                file.commit().unwrap();
                assert_eq!(written, documents);
            })
        });
    }
    group.bench_function("ecs_via_value", |b| {
        b.iter(|| {
            let mut file = AtomicFile::create(&target).unwrap();
            for doc in scenario::generate(&scenario, None) {
                serde_json::to_writer(&mut file, &doc).unwrap();
                file.write_all(b"\n").unwrap();
            }
            file.commit().unwrap();
        })
    });
    group.finish();
    let _ = std::fs::remove_file(&target);
}

criterion_group!(benches, bench);
criterion_main!(benches);
