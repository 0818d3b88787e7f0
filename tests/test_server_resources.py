"""A real `conflictmap serve`, probed as an attacker would: bounded memory, quiet 4xx, no versions.

* 3,000 requests for the map style, each with its own Host header, leave the server's resident memory
  within 50 MB of where it started, and no style names any of those hosts (the style's URLs are
  relative; the page makes them absolute: dashboard/assets/styleurls.js).
* A script path that is no registered resource (``/_dash-component-suites/...``) or a path that is no
  page (only / and /briefing/NAME are) is a 404, and a
  download format the page cannot send (a list, an object, a number, an unknown name) a 400, with no
  traceback in the server's log.
* Neither the page nor its script URLs name the Dash, React, dash_table or plotly versions, and every
  script the page names is served.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import psutil
import pytest
from test_serve import wait_http

from benchmarks.loopback import free_port

ROOT = Path(__file__).resolve().parent.parent
CALLBACK = "/_dash-update-component"
HOSTS = 3_000
MEMORY_BOUND_MB = 50


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "conflictmap_cli", "serve", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/")
            yield port, proc, log
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def request(port: int, path: str, host: str | None = None, method: str = "GET", body: bytes | None = None):
    """(status, body) of one request on its own connection, with any Host header."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Host": host or f"127.0.0.1:{port}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def tracebacks(log: Path) -> list[str]:
    return [line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line]


def test_distinct_hosts_leave_memory_flat_and_no_style_names_them(server):
    port, proc, _ = server
    status, first = request(port, "/map/style.json")
    assert status == 200
    style = json.loads(first)
    assert style["sprite"].startswith("/assets/basemap/"), style["sprite"]
    assert all(
        s["data"].startswith("/assets/basemap/") for s in style["sources"].values() if isinstance(s["data"], str)
    )
    for k in range(50):  # the allocator settles before the baseline
        request(port, "/map/style.json", host=f"warm{k}.example")
    before = psutil.Process(proc.pid).memory_info().rss / 2**20
    named = 0
    for k in range(HOSTS):
        host = f"evil{k}.attacker.example:{1000 + k % 60000}"
        status, body = request(port, "/map/style.json", host=host)
        assert status == 200
        named += b"attacker" in body
        if k % 500 == 0:
            assert body == first  # the same style for every Host
    after = psutil.Process(proc.pid).memory_info().rss / 2**20
    assert named == 0
    assert after - before < MEMORY_BOUND_MB, f"{before:.0f} MB -> {after:.0f} MB after {HOSTS} hosts"


CORPUS = ROOT / "tests" / "corpus"


def corpus_paths() -> list[tuple[int, str]]:
    lines = (CORPUS / "paths.txt").read_text(encoding="utf-8").splitlines()
    return [(int(status), path) for status, _, path in (x.partition(" ") for x in lines if x and x[0] != "#")]


def corpus_formats() -> list:
    lines = (CORPUS / "download_formats.jsonl").read_text(encoding="utf-8").splitlines()
    return [pytest.param(entry["value"], id=entry["name"]) for entry in map(json.loads, filter(None, lines))]


def test_unexpected_paths_are_404_without_a_traceback(server):
    port, _, log = server
    cases = corpus_paths()
    assert len(cases) >= 15
    for expected, path in cases:
        status, body = request(port, path)
        assert status == expected, (path, status)
        assert b"Traceback" not in body, path
        if status >= 400:
            assert len(body) < 300, (path, body[:300])
    assert tracebacks(log) == []


def script_urls(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


def test_no_versions_in_the_page_or_its_urls_and_every_script_is_served(server):
    port, _, _ = server
    status, page_bytes = request(port, "/")
    assert status == 200
    page = page_bytes.decode()
    urls = script_urls(page)
    assert any("_dash-component-suites/dash/deps/react" in u for u in urls), urls
    versions = {version(name) for name in ("dash", "plotly", "flask", "werkzeug")}
    versions.add(".".join(str(x) for x in sys.version_info[:3]))
    for url in urls:
        assert not re.search(r"\.v\d+_\d+_\d+m|@\d+\.\d|[?&]v=\d", url), url
        assert not any(v in url for v in versions), url
        if url.startswith("/_dash-component-suites/"):
            status, body = request(port, url)
            assert status == 200 and len(body) > 500, (url, status)
    for path in ("/", "/_dash-layout", "/_dash-dependencies"):
        text = request(port, path)[1].decode()
        for v in versions:
            assert f'"{v}"' not in text and f"v{v}" not in text, (path, v)


def download_body(fmt) -> bytes:
    return json.dumps(
        {
            "output": "..download.data...download-status.children..",
            "outputs": [{"id": "download", "property": "data"}, {"id": "download-status", "property": "children"}],
            "inputs": [{"id": "download-button", "property": "n_clicks", "value": 1}],
            "state": [
                {"id": "download-format", "property": "value", "value": fmt},
                {"id": "url", "property": "search", "value": "?q=zzzz"},
            ],
            "changedPropIds": ["download-button.n_clicks"],
        }
    ).encode()


@pytest.mark.parametrize("fmt", corpus_formats())
def test_a_forged_download_format_is_400_without_a_traceback(server, fmt):
    port, _, log = server
    status, body = request(port, CALLBACK, method="POST", body=download_body(fmt))
    assert status == 400, (fmt, status, body[:300])
    assert b"download-format.value" in body and b"Traceback" not in body
    assert tracebacks(log) == []


def test_a_real_download_format_still_starts_a_job(server):
    port, _, _ = server
    status, body = request(port, CALLBACK, method="POST", body=download_body("csv"))
    assert status == 200, body[:300]
    assert {"cacheKey", "job"} <= set(json.loads(body))
