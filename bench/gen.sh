#!/usr/bin/env bash
# Times `rulegate gen -o FILE` on a busy cluster: eight personas at 1,000 requests a minute each
# for 50 minutes (about 400,000 documents, 700 MB), and prints documents per second to a file.
# Target (issue 4): at least 500,000 documents per second. Usage: bench/gen.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/bench
SCENARIO=target/bench/busy-cluster.toml
{
  printf 'name = "busy cluster"\ndescription = "bench"\nkind = "benign"\n'
  printf 'start = "2026-05-01T10:00:00Z"\nseed = 7\n'
  for persona in flux-kustomize-controller kube-scheduler helm kubelet cert-manager \
    argocd-application-controller velero trivy-operator; do
    printf '\n[[noise]]\npersona = "%s"\nrate = "1000/m"\nfor = "50m"\n' "$persona"
  done
} > "$SCENARIO"
cargo build --release --quiet
OUT=target/bench/busy-cluster.ndjson
for run in 1 2 3; do
  start=$(date +%s.%N)
  ./target/release/rulegate gen "$SCENARIO" -o "$OUT"
  end=$(date +%s.%N)
  docs=$(wc -l < "$OUT")
  echo "run $run: $docs documents in $(echo "$end - $start" | bc) s: $(echo "$docs / ($end - $start)" | bc) documents/s"
done
