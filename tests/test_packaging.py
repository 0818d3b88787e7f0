"""The wheel is the product: built from the source, installed into a fresh venv, run from elsewhere.

``pip install .`` once left ``dashboard.exports`` out of the package, so every
command died with ModuleNotFoundError while the tests, run from the source
tree, passed. Here the wheel is built from a copy of the source, installed
(non-editable) into a new virtual environment in a temporary folder, and run
from a folder that holds no source: ``--version``, ``validate`` of the bundled
example and ``serve`` with no argument (which must find that example).

The new venv gets the wheel alone (``--no-deps``); its third-party
dependencies are the ones this test run already has, made visible by a
``.pth`` line that appends this environment's site-packages after the new
venv's own. That keeps the test offline and about a minute long while still
testing what the wheel carries: only the wheel provides conflictmap there
(the editable install's import hook is not loaded through a plain path line).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("conflictmap", "conflictmap_cli", "dashboard", "geodata")
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "out", ".mypy_cache", ".ruff_cache"
)

pytestmark = pytest.mark.packaging


def run(*cmd, cwd, timeout=300, env=None) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the source (so no stale build/ of this checkout leaks in)."""
    work = tmp_path_factory.mktemp("build")
    source = work / "src"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE, symlinks=True)
    dist = work / "dist"
    # No build isolation: the test extra provides the build backend, so this needs no network.
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, source, cwd=work)
    (built,) = dist.glob("conflictmap-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed (non-editable) and this run's dependencies visible."""
    root = tmp_path_factory.mktemp("venv") / "env"
    run(sys.executable, "-m", "venv", "--without-pip", root, cwd=root.parent)
    python = root / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=root).stdout.strip())
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (purelib / "_conflictmap_test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel, cwd=root)
    return root


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """A working folder with no source and no events.yaml."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_the_wheel_carries_every_module_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {
        str(p.relative_to(REPO))
        for package in PACKAGES
        for p in (REPO / package).rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert modules - names == set()
    data = {
        str(p.relative_to(REPO))
        for pattern in ("geodata/data/*", "dashboard/assets/**/*", "dashboard/exports/page/*")
        for p in REPO.glob(pattern)
        if p.is_file()
    }
    assert data and data - names == set()
    assert any(n.startswith("dashboard/assets/basemap/") for n in names)  # a subfolder of the assets
    shared = {n.split(".data/data/", 1)[1] for n in names if ".data/data/" in n}
    assert {"share/conflictmap/events.yaml", "share/conflictmap/briefings/deir-ez-zor-october-2017.yaml"} <= shared
    assert any(n.startswith("share/conflictmap/seeds/") for n in shared)
    assert not any(n.startswith(("tests/", "benchmarks/", "scripts/")) for n in names)


def test_version_from_the_installed_wheel(venv, elsewhere):
    import conflictmap

    out = run(venv / "bin" / "conflictmap", "--version", cwd=elsewhere).stdout
    assert out.strip() == f"conflictmap {conflictmap.__version__}"
    where = run(
        venv / "bin" / "python",
        "-c",
        "import dashboard.exports.browser, conflictmap; print(conflictmap.__file__)",
        cwd=elsewhere,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)  # the wheel's copy, not this source tree


def test_validate_the_bundled_example_from_the_installed_wheel(venv, elsewhere):
    found = run(
        venv / "bin" / "python",
        "-c",
        "from conflictmap.paths import bundled_events_path; print(bundled_events_path())",
        cwd=elsewhere,
    )
    events = Path(found.stdout.strip())
    assert events.is_relative_to(venv) and events.parent.name == "conflictmap"
    out = run(venv / "bin" / "conflictmap", "validate", events, cwd=elsewhere).stdout
    assert out.strip() == f"{events}: valid (14 events, 6 factions)"
    out = run(
        venv / "bin" / "conflictmap",
        "validate",
        events.parent / "briefings" / "deir-ez-zor-october-2017.yaml",
        cwd=elsewhere,
    ).stdout
    assert "valid (briefing" in out


def test_serve_the_bundled_example_from_the_installed_wheel(venv, elsewhere):
    from test_serve import wait_http

    from benchmarks.loopback import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    with subprocess.Popen(
        [str(venv / "bin" / "conflictmap"), "serve", "--port", str(port)],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        try:
            html = wait_http(f"http://127.0.0.1:{port}/", timeout=90)
            assert "conflictmap" in html
            layout = wait_http(f"http://127.0.0.1:{port}/_dash-layout")
            assert "event-count" in layout
            # The base map's files come from the installed package, not the source tree.
            land = urllib.request.urlopen(f"http://127.0.0.1:{port}/assets/basemap/land.geojson", timeout=10).read()
            assert b'"FeatureCollection"' in land
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        output = proc.stdout.read() if proc.stdout else ""
    assert f"{venv}" in output and "share/conflictmap/events.yaml" in output, output
