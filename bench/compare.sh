#!/usr/bin/env bash
# Times `rulegate query` with the seed rule against the equivalent SQL in DuckDB (read_ndjson)
# on the same file: N realistic Kubernetes audit documents (~2.2 KB each, the shape of Elastic's
# sample_event.json). Usage: bench/compare.sh [N]   (default 1,000,000; needs `pip install duckdb`)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
FILE=${BENCH_FILE:-target/bench/audit-$N.ndjson}
RULE=rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml
mkdir -p target/bench
if [ ! -s "$FILE" ]; then
  python3 bench/gen_audit.py "$N" ../shared/reference/elastic-k8s-audit/sample_event.json > "$FILE"
fi
cargo build --release --quiet
BYTES=$(stat -L -c %s "$FILE")

# Wall time, and CPU time (user + system, all threads) for the per-core rate.
start=$(date +%s.%N)
/usr/bin/time -f "%U %S %M" -o target/bench/rulegate.time \
  ./target/release/rulegate query "$RULE" --input "$FILE" --now 2026-05-15T10:00:00Z --format csv > target/bench/rulegate.csv
end=$(date +%s.%N)
RG=$(echo "$end - $start" | bc)
read -r USER_S SYS_S MAX_KB < target/bench/rulegate.time
CPU=$(echo "$USER_S + $SYS_S" | bc)

DUCK=$(python3 - "$FILE" <<'PY'
import sys, time, duckdb
path = sys.argv[1]
sql = f"""
SELECT "user".name AS user_name, kubernetes.audit."user".username AS username,
       source.ip AS source_ip, user_agent.original AS user_agent,
       count(DISTINCT kubernetes.audit.objectRef.name) AS unique_credentials,
       list_sort(list_distinct(list(kubernetes.audit.objectRef.name))) AS secrets_names,
       list_sort(list_distinct(list(kubernetes.audit.objectRef.namespace))) AS namespaces,
       list_sort(list_distinct(list(kubernetes.audit.annotations."authorization_k8s_io/decision"))) AS outcome
FROM read_ndjson('{path}')
WHERE data_stream.dataset = 'kubernetes.audit_logs' AND event.dataset = 'kubernetes.audit_logs'
  AND event.action = 'get' AND kubernetes.audit.objectRef.resource = 'secrets'
  AND source.ip IS NOT NULL AND "user".name IS NOT NULL
  AND source.ip NOT IN ('127.0.0.1', '::1')
  AND "user".name NOT IN ('system:kube-controller-manager', 'system:kube-scheduler')
  AND NOT kubernetes.audit.objectRef.name LIKE 'sh.helm.release.%'
  AND kubernetes.audit."user".username NOT IN ('system:serviceaccount:flux-system:kustomize-controller',
      'system:serviceaccount:flux-system:helm-controller', 'system:serviceaccount:flux-system:source-controller',
      'system:serviceaccount:security:trivy-operator')
GROUP BY ALL HAVING count(DISTINCT kubernetes.audit.objectRef.name) >= 3
"""
con = duckdb.connect()
t = time.perf_counter()
rows = con.execute(sql).fetchall()
print(f"{time.perf_counter() - t:.3f} {len(rows)}")
PY
)
DK=${DUCK% *}
ROWS=${DUCK#* }
echo "documents:        $N ($BYTES bytes)"
echo "rulegate query:   ${RG} s, $(echo "$N / $RG" | bc) docs/s, $(( $(wc -l < target/bench/rulegate.csv) - 1 )) alert rows"
echo "                  ${CPU} s of CPU: $(echo "$N / $CPU" | bc) docs/s per core; peak memory $((MAX_KB / 1024)) MiB"
echo "duckdb:           ${DK} s, $(echo "$N / $DK" | bc) docs/s, $ROWS rows"
echo "ratio (duckdb / rulegate): $(echo "scale=2; $DK / $RG" | bc)"
