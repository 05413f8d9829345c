#!/usr/bin/env python3
"""Writes N realistic Kubernetes audit documents (the shape of Elastic's sample_event.json,
about 2.3 KB each) as NDJSON to stdout. Deterministic: a fixed-seed LCG, no wall clock.

Usage: gen_audit.py N SAMPLE_EVENT [full]. With `full`, each document also carries
`event.original` (the audit event as the API server wrote it, escaped JSON: the ingest pipeline
keeps it when `preserve_original_event` is set), which makes it about 3.5 KB, and each user calls
from one address most of the time, as real clients do, so per-client groups fill up."""
import json, sys, copy

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
sample = json.load(open(sys.argv[2]))
full = len(sys.argv) > 3 and sys.argv[3] == "full"
state = 12345
def rnd(k):
    global state
    state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
    return (state >> 33) % k

users = [f"system:serviceaccount:ns{i}:sa{i}" for i in range(40)] + ["alice", "bob", "system:kube-scheduler", "system:kube-controller-manager"]
verbs = ["get", "list", "watch", "create", "update", "patch", "delete"]
resources = ["secrets", "configmaps", "pods", "deployments", "services", "leases"]
agents = ["kubectl/v1.30.0 (linux/amd64) kubernetes/7c48c2b", "curl/8.5.0", "python-requests/2.31.0", "kube-controller-manager/v1.30.0", "Go-http-client/2.0"]
base = json.dumps(sample)
out = sys.stdout
for i in range(n):
    d = json.loads(base)
    user = users[rnd(len(users))]
    verb = verbs[rnd(len(verbs))]
    res = resources[rnd(len(resources))]
    if full:
        ip = f"10.0.{users.index(user)}.7" if rnd(10) else f"10.{rnd(4)}.{rnd(8)}.{rnd(250)}"
    else:
        ip = f"10.{rnd(4)}.{rnd(8)}.{rnd(250)}" if rnd(10) else "127.0.0.1"
    sec = i // 1000
    ts = f"2026-05-15T{9 + sec // 3600 % 12:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}.{i % 1000:03d}Z"
    d["@timestamp"] = ts
    d.setdefault("event", {})["ingested"] = ts
    d["event"]["action"] = verb
    d["event"]["dataset"] = "kubernetes.audit_logs"
    d["data_stream"] = {"type": "logs", "dataset": "kubernetes.audit_logs", "namespace": "default"}
    d["source"] = {"ip": ip}
    d["user"] = {"name": user}
    d["user_agent"] = {"original": agents[rnd(len(agents))]}
    a = d.setdefault("kubernetes", {}).setdefault("audit", {})
    a["verb"] = verb
    a.setdefault("user", {})["username"] = user
    a["auditID"] = f"{i:08x}-0000-4000-8000-{i:012x}"
    a["objectRef"] = {"resource": res, "namespace": f"ns{rnd(20)}", "name": f"obj-{rnd(500)}", "apiVersion": "v1"}
    a.setdefault("annotations", {})["authorization_k8s_io/decision"] = "allow" if rnd(20) else "forbid"
    if full:
        d["event"]["original"] = json.dumps(a, separators=(",", ":"))
    out.write(json.dumps(d, separators=(",", ":")))
    out.write("\n")
