#!/usr/bin/env python3
"""Flattens elastic/integrations `fields/*.yml` into `name<TAB>type` lines (see README.md).

Groups nest with dots; `external: ecs` becomes the type `ecs`; `multi_fields` become `name.sub`;
`object_type` templates (`name.*`) are skipped, as the engine does not model them.
"""
import sys

import yaml


def walk(fields, prefix, out):
    for field in fields or []:
        name = field["name"] if not prefix else prefix + "." + field["name"]
        if field.get("external") == "ecs":
            out[name] = "ecs"
            continue
        kind = field.get("type", "keyword")
        if kind == "group":
            walk(field.get("fields"), name, out)
            continue
        if name.endswith(".*"):
            continue
        out[name] = kind
        for multi in field.get("multi_fields") or []:
            out[name + "." + multi["name"]] = multi["type"]


def main(paths):
    out = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            walk(yaml.safe_load(f), "", out)
    for name in sorted(out):
        print(f"{name}\t{out[name]}")


if __name__ == "__main__":
    main(sys.argv[1:])
