//! Mutation testing speed: `rulegate mutate` on the seed rule over the bundled scenario suite
//! (generation of the suite excluded, as it happens once). Target (issue 6): the whole command in
//! under 30 seconds on two cores.
//!
//! Run: `cargo bench --bench mutate`.

use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rulegate::review::mutation::mutate;
use rulegate::review::suite::Suite;
use rulegate::runner::PreparedRule;

fn seed_rule_suite(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rule = PreparedRule::load(
        &root.join("rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml"),
    )
    .expect("the seed rule loads");
    let suite = Suite::for_rule(&root.join("scenarios"), &rule.scheduled.info.rule_id)
        .expect("the bundled scenarios load");
    let mut group = c.benchmark_group("mutate");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("seed_rule_all_mutants", |b| {
        b.iter(|| mutate(&rule, &suite).expect("mutation testing runs"))
    });
    group.bench_function("seed_rule_load_and_generate_suite", |b| {
        b.iter(|| {
            Suite::for_rule(&root.join("scenarios"), &rule.scheduled.info.rule_id)
                .expect("the bundled scenarios load")
        })
    });
    group.finish();
}

criterion_group!(benches, seed_rule_suite);
criterion_main!(benches);
