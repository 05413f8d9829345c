//! Loading speed: NDJSON audit documents (~2.2 KB each, the shape of Elastic's
//! `sample_event.json`) into the row store with the seed rule's field selection, on ONE
//! thread, so the figure is per core. Target: well above 300,000 documents per second.
//! `with_ids` hashes every line for a stable `_id` (as a query reading `_id` needs);
//! `without_ids` is what a query that never reads `_id` pays (`LoadOptions::want_ids`).
//!
//! Run: `cargo bench --bench load` (criterion prints throughput in elements/s).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rulegate::document::{Documents, LoadOptions};

mod support;

const DOCS: usize = 20_000;

fn bench(c: &mut Criterion) {
    let text = support::audit_ndjson(DOCS);
    let selection = support::seed_selection(&support::seed_rule());
    let mut group = c.benchmark_group("load_seed_rule_fields_1_thread");
    group.throughput(Throughput::Elements(DOCS as u64));
    group.sample_size(20);
    for (name, want_ids) in [("with_ids", true), ("without_ids", false)] {
        let options = LoadOptions {
            want_ids,
            ..LoadOptions::default()
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                let docs =
                    Documents::from_ndjson(text.as_bytes(), &selection, options.clone()).unwrap();
                assert_eq!(docs.len(), DOCS);
                docs
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
