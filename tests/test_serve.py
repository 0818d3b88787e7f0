"""`conflictmap serve` and the gunicorn recipe, as real processes on loopback."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser_helpers import MAP_JS, count_text, non_loopback_resources, severe_logs, wait_idle

from benchmarks.loopback import free_port

ROOT = Path(__file__).resolve().parent.parent


def wait_http(url: str, timeout: float = 60.0) -> str:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read().decode("utf-8", "replace")
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer")


@pytest.fixture
def served(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "conflictmap_cli", "serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/")
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


@pytest.mark.browser
def test_served_app_draws_offline_in_a_locked_down_browser(served, dash_br):
    port, _ = served
    driver = dash_br.driver
    driver.get(f"http://127.0.0.1:{port}/")
    wait_idle(driver)
    drawn = driver.execute_script(MAP_JS + "return [...new Set(map.queryRenderedFeatures().map(f => f.layer.id))];")
    for layer in ("land", "borders", "rivers"):
        assert layer in drawn, (layer, drawn)
    assert driver.find_elements("css selector", "#timeline .scatterlayer .point")
    assert "Showing 14 of 14 events" in count_text(driver)
    assert non_loopback_resources(driver) == []
    assert severe_logs(driver) == []
    # The browser really is cut off: a request to any other host fails.
    blocked = driver.execute_async_script("""
      const done = arguments[0];
      fetch('https://cdn.plot.ly/plotly-latest.min.js').then(() => done('reached'), () => done('blocked'));
    """)
    assert blocked == "blocked"


def test_serve_listens_on_loopback_only_by_default(served):
    port, _proc = served
    html = wait_http(f"http://127.0.0.1:{port}/")
    assert "conflictmap" in html
    # Bound to 127.0.0.1: the machine's other addresses do not answer.
    other = socket.gethostbyname(socket.gethostname())
    if other.startswith("127."):
        return  # this host has no other address to try
    with pytest.raises(OSError):
        socket.create_connection((other, port), timeout=1).close()


def test_serve_reports_a_bad_events_file_without_traceback(tmp_path):
    bad = tmp_path / "events.yaml"
    bad.write_text("events: [\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "conflictmap_cli", "serve", str(bad), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"{bad}:") and "Traceback" not in proc.stderr


def find_gunicorn() -> str | None:
    """gunicorn installed beside this Python (a venv's bin/), else on PATH."""
    beside = Path(sys.executable).parent / "gunicorn"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("gunicorn")


def test_gunicorn_serves_the_same_app(tmp_path):
    gunicorn = find_gunicorn()
    assert gunicorn, "gunicorn is a test dependency (pip install -e '.[test]')"
    port = free_port()
    env = dict(os.environ, CONFLICTMAP_EVENTS=str(ROOT / "events.yaml"))
    proc = subprocess.Popen(
        [gunicorn, "--preload", "-w", "2", "-b", f"127.0.0.1:{port}", "dashboard.wsgi:server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        html = wait_http(f"http://127.0.0.1:{port}/")
        assert "conflictmap" in html
        layout = wait_http(f"http://127.0.0.1:{port}/_dash-layout")
        assert '"id": "map"' in layout or '"id":"map"' in layout
        style = json.loads(wait_http(f"http://127.0.0.1:{port}/map/style.json"))
        land = style["sources"]["land"]["data"]
        assert land.startswith("/assets/basemap/"), land  # relative: never built from the Host header
        assert '"FeatureCollection"' in wait_http(f"http://127.0.0.1:{port}{land}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_free_port_is_bindable_and_outside_the_range_outgoing_connections_take_theirs_from():
    from benchmarks.loopback import ephemeral_low

    port = free_port()
    assert port < ephemeral_low()
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
