"""Layers import downwards only: the core never imports the app or the command line.

    conflictmap_cli           the command line
    dashboard                 the Dash app and its exports
    conflictmap, geodata      the core

Checked twice: at run time here (importing each core module in a fresh Python
and looking at ``sys.modules``), and in the source by import-linter's layer
contract in pyproject.toml (every ``import`` statement, including those inside
functions, which run later), which ``scripts/dev.py test`` runs as
``lint-imports``; the test below checks that the contract does refuse an
import reaching up.
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

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


def _lint_imports(folder: Path, config: Path) -> subprocess.CompletedProcess:
    lint = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(folder)}  # grimp finds the packages on the path
    return subprocess.run(
        [str(lint), "--config", str(config), "--no-cache"], capture_output=True, text=True, cwd=folder, env=env
    )


def _our_contracts_over_empty_packages(tmp_path: Path) -> Path:
    """pyproject.toml's import-linter settings in ``tmp_path``, beside four empty packages of our names."""
    settings = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    config = tmp_path / "pyproject.toml"
    # Each setting is a string, a boolean or a list of strings, written as JSON (TOML reads them alike).
    top = {k: v for k, v in settings.items() if k != "contracts"}
    config.write_text(
        "[tool.importlinter]\n"
        + "".join(f"{k} = {json.dumps(v)}\n" for k, v in top.items())
        + "".join(
            "[[tool.importlinter.contracts]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in c.items())
            for c in settings["contracts"]
        ),
        encoding="utf-8",
    )
    for package in ("conflictmap_cli", "dashboard", "conflictmap", "geodata"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    return config


def test_the_layer_contract_refuses_an_import_reaching_up(tmp_path):
    """The contract in pyproject.toml, run over four small packages of our names: a core module
    importing the app inside a function, as ours do for their lazy imports, breaks it."""
    config = _our_contracts_over_empty_packages(tmp_path)
    (tmp_path / "conflictmap_cli" / "main.py").write_text("import dashboard\nimport conflictmap\n")
    (tmp_path / "conflictmap" / "table.py").write_text("import geodata\n")
    assert _lint_imports(tmp_path, config).returncode == 0
    (tmp_path / "geodata" / "online.py").write_text("def later():\n    from conflictmap import table\n")
    broken = _lint_imports(tmp_path, config)
    assert broken.returncode == 1 and "geodata.online -> conflictmap.table" in broken.stdout, broken.stdout


def test_the_contracts_refuse_argparse_outside_the_command_line(tmp_path):
    """The second contract: a core module parsing arguments (even inside a function) breaks it."""
    config = _our_contracts_over_empty_packages(tmp_path)
    (tmp_path / "conflictmap_cli" / "main.py").write_text("import argparse\nimport dashboard\n")
    assert _lint_imports(tmp_path, config).returncode == 0
    (tmp_path / "dashboard" / "commands.py").write_text("def register():\n    import argparse\n")
    broken = _lint_imports(tmp_path, config)
    assert broken.returncode == 1 and "dashboard.commands -> argparse" in broken.stdout, broken.stdout
