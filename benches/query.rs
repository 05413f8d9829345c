//! Query speed: the seed rule over generated Kubernetes audit documents (the shape of Elastic's
//! `sample_event.json`, ~2 KB each): streaming NDJSON through the plan (what `rulegate query`
//! does, both cores), loading it into the row store (what the scheduler does, both cores), and
//! running the compiled plan over the loaded documents; then the speed issue's other shapes. Target (issue 3): 300,000 documents per second
//! per core. Run: `cargo bench --bench query`; end to end against DuckDB: `bench/compare.sh`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rulegate::document::{Documents, LoadOptions};
use rulegate::eval::stream::{self, Streaming};
use rulegate::eval::{Plan, Window};

mod support;

const DOCS: usize = 20_000;

fn bench(c: &mut Criterion) {
    let text = support::audit_ndjson(DOCS);
    let loaded = support::seed_rule();
    let (query, query_text) = loaded.query.parsed().expect("seed rule parses");
    let selection = support::seed_selection(&loaded);
    let mut group = c.benchmark_group("seed_rule");
    group.throughput(Throughput::Elements(DOCS as u64));
    group.sample_size(10);
    group.bench_function("load_ndjson_2_threads", |b| {
        b.iter(|| {
            Documents::from_ndjson_parallel(text.as_bytes(), &selection, LoadOptions::default(), 2)
                .unwrap()
        })
    });
    // What `rulegate query` does: stream the input through the plan on both cores.
    let options = LoadOptions::default();
    assert!(stream::streams(query, &selection));
    group.bench_function("stream_2_threads", |b| {
        b.iter(|| {
            let streaming = Streaming {
                threads: 2,
                ..Streaming::default()
            };
            let input = text.as_bytes();
            stream::run_query(query, query_text, &selection, input, &options, streaming, 0).unwrap()
        })
    });
    let docs = Documents::from_ndjson(text.as_bytes(), &selection, LoadOptions::default()).unwrap();
    let plan = Plan::compile(query, query_text, &docs.columns).unwrap();
    group.bench_function("run_plan", |b| b.iter(|| plan.run(&docs, Window::All, 0)));
    group.finish();
}

/// The speed issue's other shapes over the same documents, streamed on one and two threads:
/// `STATS` by a key unique per document then `SORT … LIMIT` (partial aggregates per batch,
/// merged in order; top-n selection), `STATS` by ~100 keys, and `WHERE … | LIMIT 10` (which
/// stops reading once filled).
fn shapes(c: &mut Criterion) {
    let text = support::audit_ndjson(DOCS);
    let queries = [
        ("stats_unique_key_top_10", "FROM logs-* | STATS n = COUNT(*) BY kubernetes.audit.auditID | SORT kubernetes.audit.auditID DESC | LIMIT 10"),
        ("stats_by_100_keys", "FROM logs-* | STATS n = COUNT(*), u = COUNT_DISTINCT(user.name) BY kubernetes.audit.objectRef.name"),
        ("where_limit_10", "FROM logs-* | WHERE user_agent.original LIKE \"curl*\" | KEEP @timestamp, user.name, source.ip | LIMIT 10"),
    ];
    let mut group = c.benchmark_group("shapes");
    group.throughput(Throughput::Elements(DOCS as u64));
    group.sample_size(10);
    let options = LoadOptions::default();
    for (name, query_text) in queries {
        let query = rulegate::esql::parse(query_text).expect("parses");
        let selection = rulegate::eval::fields_for(&query, &[]);
        assert!(stream::streams(&query, &selection));
        for threads in [1, 2] {
            group.bench_function(format!("{name}_{threads}_threads"), |b| {
                b.iter(|| {
                    let streaming = Streaming {
                        threads,
                        ..Streaming::default()
                    };
                    let input = text.as_bytes();
                    stream::run_query(
                        &query, query_text, &selection, input, &options, streaming, 0,
                    )
                    .unwrap()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench, shapes);
criterion_main!(benches);
