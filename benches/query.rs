//! Query speed: the seed rule over generated Kubernetes audit documents (the shape of Elastic's
//! `sample_event.json`, ~2 KB each): streaming NDJSON through the plan (what `rulegate query`
//! does, both cores), loading it into the row store (what the scheduler does, both cores), and
//! running the compiled plan over the loaded documents. Target (issue 3): 300,000 documents per second
//! per core. Run: `cargo bench --bench query`; end to end against DuckDB: `bench/compare.sh`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rulegate::eval::stream::{self, Streaming};
use rulegate::eval::{self, Documents, LoadOptions, Plan, Window};

const DOCS: usize = 20_000;

fn generate() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/elastic-k8s-audit/sample_event.json"
    );
    let sample: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("sample event")).unwrap();
    let verbs = ["get", "list", "watch", "create"];
    let resources = ["secrets", "configmaps", "pods"];
    let mut out = String::new();
    for i in 0..DOCS {
        let mut d = sample.clone();
        d["event"]["action"] = verbs[i % 4].into();
        d["event"]["dataset"] = "kubernetes.audit_logs".into();
        d["data_stream"] = serde_json::json!({"type": "logs", "dataset": "kubernetes.audit_logs", "namespace": "default"});
        d["source"] = serde_json::json!({"ip": format!("10.0.{}.{}", i % 7, i % 250)});
        d["user"] = serde_json::json!({"name": format!("user{}", i % 13)});
        d["user_agent"] = serde_json::json!({"original": "curl/8.5.0"});
        d["kubernetes"]["audit"]["objectRef"] = serde_json::json!({
            "resource": resources[i % 3], "namespace": "prod", "name": format!("obj-{}", i % 97)
        });
        out.push_str(&serde_json::to_string(&d).unwrap());
        out.push('\n');
    }
    out
}

fn bench(c: &mut Criterion) {
    let text = generate();
    let rule = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml"
    ))
    .unwrap();
    let loaded = rulegate::rule::load_str("seed.toml", &rule).expect("seed rule loads");
    let (query, query_text) = loaded.query.parsed().expect("seed rule parses");
    let selection = eval::fields_for(query, &["event.ingested"]);
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

criterion_group!(benches, bench);
criterion_main!(benches);
