#!/usr/bin/env bash
# Times `rulegate ingest` of a raw audit log (the audit2rbac demo log of the shared reference
# repeated to 200,000 events, 120 MB) to a file at 1 and 2 threads (and every core), and once
# per round through the `serde_json::Value` path (`--value-path`, the path before the direct
# writer, one thread), and prints wall time, CPU time (user + sys), documents per second and
# the load average. Target (issue 15): at least 500,000 documents per second on two cores.
# Usage: bench/ingest.sh [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-200000}
mkdir -p target/bench
LOG=target/bench/raw-audit-$EVENTS.log
if [ ! -s "$LOG" ]; then
  python3 - "$EVENTS" "$LOG" <<'PY'
import sys
events, out = int(sys.argv[1]), sys.argv[2]
lines = [l for l in open("../shared/reference/raw-k8s-audit/audit2rbac/demo.log") if l.strip()]
with open(out, "w") as f:
    for i in range(events):
        f.write(lines[i % len(lines)])
PY
fi
cargo build --release --quiet
OUT=target/bench/ingested.ndjson
for run in 1 2 3; do
  for how in "1" "2" "$(nproc)" "1 --value-path"; do
    read -r threads extra <<< "$how"
    /usr/bin/time -f "%e %U %S %M" -o target/bench/ingest.time \
      ./target/release/rulegate ingest --threads "$threads" $extra -o "$OUT" "$LOG" 2>/dev/null
    read -r wall user sys rss < target/bench/ingest.time
    docs=$(wc -l < "$OUT")
    echo "run $run, $threads thread(s)${extra:+ $extra}: $docs documents in $wall s wall," \
      "$(echo "$user + $sys" | bc) s CPU, $(echo "$docs / $wall" | bc) documents/s," \
      "peak $((rss / 1024)) MiB, load average $(cut -d' ' -f1 /proc/loadavg)"
  done
done
