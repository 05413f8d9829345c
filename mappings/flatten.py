#!/usr/bin/env python3
"""Flattens elastic/integrations `fields/*.yml` into `name<TAB>type` lines (see README.md).

Files are read in the order given (Fleet reads a data stream's `fields/` in name order). Groups nest
with dots and declare nothing themselves; a name's first declaration wins (Fleet keeps the first of
two non-group fields with one name); `external: ecs` becomes the type `ecs` unless the entry gives
its own `type` (`constant_keyword` over ECS's keyword); `multi_fields` become `name.sub`;
`object_type` templates (`name.*`) are skipped, as the engine does not model them.
`tests/mappings_upstream.rs` flattens the same way in Rust and compares with the tables.
"""
import sys

import yaml


def walk(fields, prefix, out):
    for field in fields or []:
        name = field["name"] if not prefix else prefix + "." + field["name"]
        kind = field.get("type")
        if kind == "group":
            walk(field.get("fields"), name, out)
            continue
        if name.endswith(".*"):
            continue
        if field.get("external") == "ecs" and kind is None:
            kind = "ecs"
        out.setdefault(name, kind or "keyword")
        for multi in field.get("multi_fields") or []:
            out.setdefault(name + "." + multi["name"], multi["type"])


def main(paths):
    out = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            walk(yaml.safe_load(f), "", out)
    for name in sorted(out):
        print(f"{name}\t{out[name]}")


if __name__ == "__main__":
    main(sys.argv[1:])
