#!/usr/bin/env python3
"""Checks every `#include "x/..."` under src/ against the layer table in src/README.md.

The table ("## Layers") lists, per module, the modules its code may include and the ones its
tests (src/<module>/tests/) may include besides. On top of the table:
  - a module's private folders (internal/, and log's file/) are included only from inside it;
  - base/testing/ and another module's tests/ are included only from tests;
  - the table itself never lets code include a module listed after it (no include runs upward
    against the data-flow order), and every folder of src/ has a row.
Prints one line per forbidden edge (file:line: module -> included) and exits 1 if any.
Usage: scripts/check_layers.py [REPO_ROOT]
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/([^"]*)"')
ROW = re.compile(r"^\|\s*`([a-z_]+)`\s*\|([^|]*)\|([^|]*)\|")
PRIVATE = {"log": ("file/",)}  # besides every module's internal/


def modules_in(cell):
    return [m for m in re.findall(r"`([a-z_]+)`", cell)]


def read_table(readme):
    order, allowed, tests_allowed = [], {}, {}
    in_section = False
    with open(readme, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                in_section = line.strip().lower().startswith("## layers")
                continue
            m = ROW.match(line) if in_section else None
            if m:
                module = m.group(1)
                order.append(module)
                allowed[module] = set(modules_in(m.group(2)))
                tests_allowed[module] = set(modules_in(m.group(3)))
    return order, allowed, tests_allowed


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    src = os.path.join(root, "src")
    order, allowed, tests_allowed = read_table(os.path.join(src, "README.md"))
    errors = []
    if not order:
        errors.append("src/README.md: no '## Layers' table")
    rank = {m: i for i, m in enumerate(order)}
    for module in order:
        for dep in allowed[module]:
            if dep not in rank:
                errors.append(f"src/README.md: {module} may include unknown module {dep}")
            elif rank[dep] >= rank[module]:
                errors.append(f"src/README.md: {module} may include {dep}, which comes after it")
    for entry in sorted(os.listdir(src)):
        if os.path.isdir(os.path.join(src, entry)) and entry not in rank:
            errors.append(f"src/{entry}/: module missing from the layer table in src/README.md")

    for dirpath, _, files in os.walk(src):
        rel_dir = os.path.relpath(dirpath, src)
        if rel_dir == ".":
            continue
        module = rel_dir.split(os.sep)[0]
        in_tests = "tests" in rel_dir.split(os.sep)
        for name in sorted(files):
            if not name.endswith((".h", ".cc", ".inc")):
                continue
            path = os.path.join(dirpath, name)
            shown = os.path.relpath(path, root)
            with open(path, encoding="utf-8", errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    dep, rest = m.group(1), m.group(2)
                    if not os.path.isdir(os.path.join(src, dep)):
                        continue  # a path relative to the file's own folder or a system header
                    edge = f"{shown}:{lineno}: {module} -> {dep}/{rest}"
                    if dep != module:
                        ok = dep in allowed.get(module, set()) or (
                            in_tests and dep in tests_allowed.get(module, set()))
                        if not ok:
                            errors.append(f"{edge}: {module} may not include {dep}")
                            continue
                        private = ("internal/",) + PRIVATE.get(dep, ())
                        if rest.startswith(private) or "/internal/" in rest:
                            errors.append(f"{edge}: private to {dep}")
                            continue
                    if rest.startswith(("testing/", "tests/")) and not in_tests:
                        errors.append(f"{edge}: test code included outside tests")
    for e in errors:
        print(e)
    if errors:
        print(f"check_layers: {len(errors)} forbidden include(s); the table is in src/README.md")
        return 1
    print(f"check_layers: every include in src/ follows the table ({len(order)} modules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
