#!/usr/bin/env python3
"""Heap allocations per document for each query shape of bench/shapes.py, counted exactly by
valgrind's DHAT over the whole process (docs/performance.md, "Tenth session").

Usage: bench/alloc_count.py BINARY NDJSON [SHAPE]   e.g. over `head -n 20000` of
target/bench/audit-full-1000000.ndjson; run it over a one-line file too: that count is the
process's fixed cost. Prints blocks, blocks and bytes per document, and a digest of the output.
"""
import hashlib, os, re, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shapes  # noqa: E402

binary, docs_file = sys.argv[1], sys.argv[2]
only = sys.argv[3] if len(sys.argv) > 3 else None
n = sum(1 for _ in open(docs_file, "rb"))
for name, esql, _ in shapes.SHAPES:
    if only and only != name:
        continue
    # DHAT's own profile (call stacks per allocation site) goes to a temporary file.
    with tempfile.NamedTemporaryFile(suffix=".dhat.json") as profile:
        r = subprocess.run(["valgrind", "--tool=dhat", f"--dhat-out-file={profile.name}",
                            binary, "query", "--esql", esql, "--input", docs_file,
                            "--now", shapes.NOW, "--format", "json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    total, blocks = (int(x.replace(",", "")) for x in
                     re.search(r"Total:\s+([\d,]+) bytes in ([\d,]+) blocks", r.stderr).groups())
    digest = hashlib.md5(r.stdout.encode()).hexdigest()[:8]
    print(f"{name:32} {blocks:>10} blocks {blocks / n:8.2f}/doc {total / n:10.0f} bytes/doc"
          f"  output {digest}", flush=True)
