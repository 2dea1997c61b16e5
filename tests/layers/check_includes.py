#!/usr/bin/env python3
"""Checks the direction of includes between the source folders (run by tests/run.sh).

A folder is include/ (public headers), client/, or one folder under services/ (its internal/
counted with it). Fails, naming the includes at fault, when
  - the folders' include graph has a cycle (for example services/audit -> services/policy ->
    services/audit), or
  - include/ includes anything but include/, or services/ includes client/ or tests/, or
    client/ includes tests/.
"""
import os
import re
import sys
from collections import defaultdict

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SOURCES = (".h", ".cc", ".in")


def folder(path):
    """The folder a repository path belongs to, or None when it is not checked."""
    parts = path.split("/")
    if parts[0] == "include":
        return "include"
    if parts[0] == "client":
        return "client"
    if parts[0] == "services" and len(parts) > 2:
        return "services/" + parts[1]
    if parts[0] == "tests":
        return "tests"
    return None


def includes():
    """(from folder, to folder, file, included path) for every quoted include."""
    for top in ("include", "services", "client"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                if not name.endswith(SOURCES):
                    continue
                path = os.path.relpath(os.path.join(dirpath, name), ROOT)
                with open(os.path.join(ROOT, path), encoding="utf-8") as f:
                    text = f.read()
                for target in INCLUDE.findall(text):
                    if target.startswith("throughcare/"):
                        target = "include/" + target  # the public include path
                    to = folder(target)
                    if to is not None and os.path.exists(os.path.join(ROOT, target)):
                        yield folder(path), to, path, target


def cycles(edges):
    """Strongly connected components with more than one folder (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(list(edges)):
        if v not in index:
            visit(v)
    return out


def main():
    edges = defaultdict(set)
    where = defaultdict(list)
    errors = []
    forbidden = {"include": lambda to: to != "include",
                 "client": lambda to: to == "tests"}
    for src, to, path, target in includes():
        if src == to:
            continue
        edges[src].add(to)
        edges.setdefault(to, set())
        where[(src, to)].append(f"{path} includes {target}")
        if src.startswith("services/") and to in ("client", "tests"):
            errors.append(f"{path}: the broker must not include {target}")
        elif src in forbidden and forbidden[src](to):
            errors.append(f"{path}: {src}/ must not include {target}")
    for component in cycles(edges):
        errors.append("include cycle between " + ", ".join(component) + ":")
        members = set(component)
        for (a, b), lines in sorted(where.items()):
            if a in members and b in members:
                errors.extend("  " + line for line in lines)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    print(f"check_includes: {len(edges)} folders, no cycle, directions kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
