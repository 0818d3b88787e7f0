"""How the code is laid out, checked from the source (issue 20).

- Only the command line (``conflictmap_cli/``) parses arguments: no module of the
  core or the app imports argparse.
- No function of the product packages is longer than MAX_FUNCTION_LINES lines.
- No test, benchmark or script edits ``sys.path``: they import the packages as
  packages (``scripts/dev.py`` excepted: it runs before anything is installed).

Each check has a twin that gives it a file that breaks the rule, so a check that
cannot fail fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRODUCT_PACKAGES = ("conflictmap", "geodata", "conflictmap_cli", "dashboard")
NO_ARGPARSE_PACKAGES = ("conflictmap", "geodata", "dashboard")
MAX_FUNCTION_LINES = 150

SYS_PATH_FREE_FOLDERS = ("tests", "benchmarks", "scripts")
SYS_PATH_EDITS_ALLOWED = {"scripts/dev.py"}  # runs on the system Python before conflictmap is installed


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (REPO / folder).rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def imports_argparse(source: str) -> list[int]:
    """Lines of ``source`` that import argparse (``import argparse``, ``from argparse import ...``)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        else:
            continue
        if any(m.split(".")[0] == "argparse" for m in modules):
            lines.append(node.lineno)
    return sorted(lines)


def long_functions(source: str, limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, int, int]]:
    """(name, first line, length) of each function or method longer than ``limit`` lines, decorators included."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            length = (node.end_lineno or node.lineno) - first + 1
            if length > limit:
                found.append((node.name, first, length))
    return found


def sys_path_edits(source: str) -> list[int]:
    """Lines that call ``sys.path.insert``/``append``/``extend`` or assign to ``sys.path``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        target = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("insert", "append", "extend"):
                target = node.func.value
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            target = next((t for t in targets if isinstance(t, ast.Attribute)), None)
        if (
            isinstance(target, ast.Attribute)
            and target.attr == "path"
            and isinstance(target.value, ast.Name)
            and target.value.id == "sys"
        ):
            lines.append(node.lineno)
    return sorted(lines)


def test_only_the_command_line_imports_argparse():
    offenders = [
        f"{relative(path)}:{line}"
        for path in python_files(*NO_ARGPARSE_PACKAGES)
        for line in imports_argparse(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "argument parsing belongs in conflictmap_cli/: " + ", ".join(offenders)


def test_the_command_line_does_parse_arguments():
    """The twin of the test above: the check sees argparse where it is."""
    assert imports_argparse((REPO / "conflictmap_cli" / "__init__.py").read_text(encoding="utf-8"))
    assert imports_argparse("def f():\n    from argparse import Namespace\n") == [2]
    assert imports_argparse("import argparse as ap\n") == [1]
    assert imports_argparse("import argparsey\n# import argparse\n") == []


def test_no_product_function_is_longer_than_the_limit():
    offenders = [
        f"{relative(path)}:{line}: {name} is {length} lines"
        for path in python_files(*PRODUCT_PACKAGES)
        for name, line, length in long_functions(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], f"functions longer than {MAX_FUNCTION_LINES} lines: " + "; ".join(offenders)


def test_the_length_check_counts_lines():
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    source = (
        f"class A:\n    @staticmethod\n    def long():\n{body.replace('    ', '        ')}\ndef short():\n    pass\n"
    )
    assert long_functions(source) == [("long", 2, MAX_FUNCTION_LINES + 2)]
    fits = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES - 1))  # with its def: the limit
    assert long_functions(f"def fits():\n{fits}") == []


def test_no_test_benchmark_or_script_edits_sys_path():
    offenders = [
        f"{relative(path)}:{line}"
        for path in python_files(*SYS_PATH_FREE_FOLDERS)
        if relative(path) not in SYS_PATH_EDITS_ALLOWED
        for line in sys_path_edits(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "import the packages instead of editing sys.path: " + ", ".join(offenders)


def test_the_sys_path_check_sees_each_way_of_editing_it():
    source = (
        "import sys\n"
        "sys.path.insert(0, 'x')\n"
        "sys.path.append('y')\n"
        "sys.path += ['z']\n"
        "sys.path = ['w']\n"
        "paths = []\n"
        "paths.append(sys.path)\n"
    )
    assert sys_path_edits(source) == [2, 3, 4, 5]
