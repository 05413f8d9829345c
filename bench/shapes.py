#!/usr/bin/env python3
"""Query shapes side by side: rulegate's ES|QL engine and DuckDB's read_ndjson SQL on the same
file, in the same run, interleaved (rulegate, DuckDB, rulegate, ...), each run a process of its
own under /usr/bin/time. Reports the median wall time, CPU time (user + sys), peak RSS, documents
per second per core and the ratios, and checks that both return the same rows.

Usage: bench/shapes.py [--docs N] [--runs R] [--only NAME]   (needs `pip install duckdb`)
Documents: bench/gen_audit.py's `full` shape (about 3.1 KB each, with `event.original`), made once
under target/bench/. DuckDB runs in a Python process: its figures include starting Python and
importing duckdb (about 0.1 s), printed separately as `duckdb query` (the query alone).
"""
import argparse, json, os, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "..", "shared", "reference", "elastic-k8s-audit", "sample_event.json")
RULEGATE = os.path.join(ROOT, "target", "release", "rulegate")
NOW = "2026-05-15T22:00:00Z"

SEED_ESQL = open(os.path.join(ROOT, "rules",
                              "credential_access_kubernetes_multiple_secret_retrieval_burst.toml")
                 ).read().split("query = '''", 1)[1].split("'''", 1)[0]

# name, ES|QL, SQL over read_ndjson('{path}'), columns compared (by position).
SHAPES = [
    ("seed rule", SEED_ESQL, """
SELECT "user".name, kubernetes.audit."user".username, source.ip, user_agent.original,
       count(DISTINCT kubernetes.audit.objectRef.name),
       list_sort(list_distinct(list(kubernetes.audit.objectRef.name))),
       list_sort(list_distinct(list(kubernetes.audit.objectRef.namespace))),
       list_sort(list_distinct(list(kubernetes.audit.annotations."authorization_k8s_io/decision")))
FROM read_ndjson('{path}')
WHERE event.dataset = 'kubernetes.audit_logs' AND event.action = 'get'
  AND kubernetes.audit.objectRef.resource = 'secrets'
  AND source.ip IS NOT NULL AND "user".name IS NOT NULL
  AND source.ip NOT IN ('127.0.0.1', '::1')
  AND "user".name NOT IN ('system:kube-controller-manager', 'system:kube-scheduler')
  AND NOT kubernetes.audit.objectRef.name LIKE 'sh.helm.release.%'
  AND kubernetes.audit."user".username NOT IN ('system:serviceaccount:flux-system:kustomize-controller',
      'system:serviceaccount:flux-system:helm-controller', 'system:serviceaccount:flux-system:source-controller',
      'system:serviceaccount:security:trivy-operator')
GROUP BY ALL HAVING count(DISTINCT kubernetes.audit.objectRef.name) >= 3"""),
    ("where + count", """FROM logs-* | WHERE event.action == "get" AND source.ip IS NOT NULL
| STATS n = COUNT(*)""", """
SELECT count(*) FROM read_ndjson('{path}')
WHERE event.action = 'get' AND source.ip IS NOT NULL"""),
    ("stats by ~500 keys", """FROM logs-* | STATS n = COUNT(*) BY kubernetes.audit.objectRef.name""", """
SELECT count(*), kubernetes.audit.objectRef.name FROM read_ndjson('{path}') GROUP BY ALL"""),
    ("stats by unique key, top 10", """FROM logs-*
| STATS n = COUNT(*) BY kubernetes.audit.auditID | SORT kubernetes.audit.auditID DESC | LIMIT 10""", """
SELECT count(*), kubernetes.audit.auditID FROM read_ndjson('{path}')
GROUP BY ALL ORDER BY kubernetes.audit.auditID DESC LIMIT 10"""),
    ("where like, limit 10", """FROM logs-* | WHERE user_agent.original LIKE "curl*"
| KEEP @timestamp, user.name, source.ip | LIMIT 10""", """
SELECT "@timestamp", "user".name, source.ip FROM read_ndjson('{path}')
WHERE user_agent.original LIKE 'curl%' LIMIT 10"""),
    ("where like, limit 10000", """FROM logs-* | WHERE user_agent.original LIKE "curl*"
| KEEP @timestamp, user.name, source.ip | LIMIT 10000""", """
SELECT "@timestamp", "user".name, source.ip FROM read_ndjson('{path}')
WHERE user_agent.original LIKE 'curl%' LIMIT 10000"""),
    ("eval-heavy, stats by minute", """FROM logs-*
| EVAL u = TO_LOWER(user.name), minute = DATE_TRUNC(1 minute, @timestamp),
       sa = ENDS_WITH(u, "sa1"), len = LENGTH(user_agent.original)
| STATS n = COUNT(*), longest = MAX(len) BY minute, sa | SORT minute, sa""", """
SELECT count(*), max(length(user_agent.original)), date_trunc('minute', "@timestamp"::TIMESTAMP) AS minute,
       ends_with(lower("user".name), 'sa1') AS sa
FROM read_ndjson('{path}') GROUP BY minute, sa ORDER BY minute, sa"""),
]

# LIMIT without ORDER BY returns any N rows in both engines: compare the row count only.
ROW_COUNT_ONLY = {"where like, limit 10", "where like, limit 10000"}

DUCK = r"""
import json, sys, time, duckdb
sql = open(sys.argv[1]).read()
con = duckdb.connect()
t = time.perf_counter()
rows = con.execute(sql).fetchall()
query_s = time.perf_counter() - t
json.dump({"rows": [[str(v) if not isinstance(v, (int, float, list, type(None))) else v
                     for v in r] for r in rows], "query_s": query_s}, open(sys.argv[2], "w"))
"""


def timed(cmd, stdout):
    with tempfile.NamedTemporaryFile("r") as t:
        subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", t.name] + cmd,
                       stdout=stdout, check=True)
        wall, user, sys_, rss = t.read().split()[-4:]
    return float(wall), float(user) + float(sys_), int(rss) // 1024


def norm(v):
    # ES|QL shows a one-value multivalue as that value; DuckDB keeps its one-element list.
    if isinstance(v, list) and len(v) == 1:
        return norm(v[0])
    if isinstance(v, list):
        return tuple(sorted(norm(x) for x in v))
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if v is None:
        return "null"
    s = str(v)
    # DuckDB prints timestamps as `2026-05-15 09:00:00`, ES|QL as `2026-05-15T09:00:00.000Z`.
    if len(s) >= 19 and s[4] == "-" and s[10] in " T":
        return s[:10] + "T" + s[11:19]
    return s


def canon(rows, name):
    if name in ROW_COUNT_ONLY:
        return [len(rows)]
    # Columns are compared as a multiset per row: the two queries list them in their own order.
    return sorted(tuple(sorted(map(norm, r), key=str)) for r in rows)


def run_rulegate(esql, path, out):
    cmd = [RULEGATE, "query", "--esql", esql, "--input", path, "--now", NOW, "--format", "json"]
    with open(out, "w") as f:
        figures = timed(cmd, f)
    return figures, json.load(open(out))["values"]


def run_duckdb(sql, path, out):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as q:
        q.write(sql.format(path=path))
    figures = timed([sys.executable, "-c", DUCK, q.name, out], subprocess.DEVNULL)
    doc = json.load(open(out))
    os.unlink(q.name)
    return figures, doc["rows"], doc["query_s"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only")
    a = ap.parse_args()
    os.makedirs(os.path.join(ROOT, "target", "bench"), exist_ok=True)
    path = os.path.join(ROOT, "target", "bench", f"audit-full-{a.docs}.ndjson")
    if not os.path.exists(path):
        with open(path + ".tmp", "w") as f:
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_audit.py"),
                            str(a.docs), SAMPLE, "full"], stdout=f, check=True)
        os.replace(path + ".tmp", path)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    size = os.path.getsize(path)
    print(f"{a.docs} documents, {size / a.docs:.0f} bytes each; medians of {a.runs} interleaved runs")
    print(f"{'shape':30} {'engine':9} {'wall s':>7} {'cpu s':>7} {'MiB':>6} {'docs/s/core':>12} rows")
    out = os.path.join(ROOT, "target", "bench", "shape.out")
    for name, esql, sql in SHAPES:
        if a.only and a.only not in name:
            continue
        rg, dk, dq = [], [], []
        for _ in range(a.runs):
            figures, rg_rows = run_rulegate(esql, path, out)
            rg.append(figures)
            figures, dk_rows, query_s = run_duckdb(sql, path, out)
            dk.append(figures)
            dq.append(query_s)
        same = canon(rg_rows, name) == canon(dk_rows, name)
        for engine, figs, rows in (("rulegate", rg, rg_rows), ("duckdb", dk, dk_rows)):
            wall, cpu, rss = (statistics.median(f[i] for f in figs) for i in range(3))
            print(f"{name:30} {engine:9} {wall:7.2f} {cpu:7.2f} {rss:6.0f} "
                  f"{a.docs / max(cpu, 1e-9):12.0f} {len(rows)}")
        wall_ratio = statistics.median(f[0] for f in rg) / statistics.median(f[0] for f in dk)
        cpu_ratio = statistics.median(f[1] for f in rg) / statistics.median(f[1] for f in dk)
        print(f"{'':30} rulegate/duckdb: wall {wall_ratio:.2f}, cpu {cpu_ratio:.2f}; "
              f"duckdb query {statistics.median(dq):.2f} s; same rows: {'yes' if same else 'NO'}")
        if not same:
            print(f"  rulegate: {canon(rg_rows, name)[:3]}\n  duckdb:   {canon(dk_rows, name)[:3]}")


if __name__ == "__main__":
    main()
