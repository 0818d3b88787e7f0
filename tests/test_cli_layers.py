"""Layers import downwards only: the core never imports the app or the command line.

    conflictmap_cli           the command line
    dashboard                 the Dash app and its exports
    conflictmap, geodata      the core

Checked twice: at run time (importing each core module in a fresh Python and
looking at ``sys.modules``) and in the source (every ``import`` statement,
including those inside functions, which run later).
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORE = ("conflictmap", "geodata")
ABOVE_CORE = ("dashboard", "conflictmap_cli")


def modules_of(package: str) -> list[str]:
    folder = REPO / package
    names = [package] + [f"{package}.{m.name}" for m in pkgutil.walk_packages([str(folder)])]
    return sorted(names)


def test_importing_each_core_module_imports_nothing_above_it():
    modules = [m for package in CORE for m in modules_of(package)]
    probe = f"""
import importlib, json, sys
above = {ABOVE_CORE!r}
for name in {modules!r}:
    importlib.import_module(name)
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in above)
    if leaked:
        print(json.dumps([name, leaked]))
        sys.exit(0)
print(json.dumps(None))
"""
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) is None, "importing a core module imported the app: " + proc.stdout


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [("conflictmap", ABOVE_CORE), ("geodata", ABOVE_CORE), ("dashboard", ("conflictmap_cli",))],
)
def test_no_import_statement_reaches_up(layer, forbidden):
    offenders = {
        str(path.relative_to(REPO)): sorted(n for n in imported_names(path) if n.split(".")[0] in forbidden)
        for path in sorted((REPO / layer).rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_command_line_sits_on_top():
    names = set().union(*(imported_names(p) for p in (REPO / "conflictmap_cli").rglob("*.py")))
    assert {n.split(".")[0] for n in names} >= {"conflictmap", "geodata", "dashboard"}
