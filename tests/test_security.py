"""dashboard.security.harden on a small Dash app, through Flask's test client and a real dev server.

Headers on every response, the CSP's script hashes matching the page's inline
scripts, no version in the page config or the Server header, 413 above the
body limit, 400 (never 500, never a traceback) for every malformed callback
body in tests/corpus/callback_bodies.jsonl, and ``serve --debug`` refused on a
public interface.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
import threading
import urllib.request
from pathlib import Path
from typing import ClassVar

import dash
import pytest
from security_app import build_app
from werkzeug.serving import make_server

import conflictmap_cli as cli
from dashboard.security import (
    MAX_BODY_BYTES,
    MalformedCallback,
    QuietRequestHandler,
    check_callback_body,
    content_security_policy,
    harden,
    is_loopback,
)

CORPUS = Path(__file__).resolve().parent / "corpus" / "callback_bodies.jsonl"
CALLBACK = "/_dash-update-component"


@pytest.fixture(scope="module")
def app():
    return build_app()


@pytest.fixture
def client(app):
    return app.server.test_client()


def corpus() -> list[dict]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def post(client, entry: dict):
    if "raw" in entry:
        data = entry["raw"].encode("utf-8", "surrogateescape")
    else:
        data = json.dumps(entry["body"]).encode()
    return client.post(CALLBACK, data=data, content_type="application/json")


def csp_of(response) -> dict[str, list[str]]:
    out = {}
    for directive in response.headers["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        out[name] = values
    return out


# ------------------------------------------------------------------ headers


@pytest.mark.parametrize("path", ["/", "/_dash-layout", "/_dash-dependencies", "/no/such/page", "/_favicon.ico"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    assert response.status_code < 500
    csp = csp_of(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["connect-src"] == ["'self'"]
    assert "blob:" in csp["worker-src"] and {"'self'", "data:", "blob:"} <= set(csp["img-src"])
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_error_responses_carry_the_headers_too(client):
    response = client.post(CALLBACK, data="nope", content_type="application/json")
    assert response.status_code == 400 and "Content-Security-Policy" in response.headers


def _inline_scripts(page: str) -> list[str]:
    """The executable inline scripts of a page (not JSON data blocks, not IE comments)."""
    page = re.sub(r"<!--.*?-->", "", page, flags=re.S)
    scripts = []
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S):
        if "src=" in attrs or "application/json" in attrs:
            continue
        scripts.append(body)
    return scripts


def test_csp_allows_exactly_the_inline_scripts_of_the_page(client):
    response = client.get("/")
    page = response.get_data(as_text=True)
    scripts = _inline_scripts(page)
    assert len(scripts) >= 2  # Dash's renderer bootstrap and the inline clientside callback
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts}
    allowed = set(csp_of(response)["script-src"]) - {"'self'"}
    assert hashes == allowed


def test_no_versions_in_the_page_config(client):
    page = client.get("/").get_data(as_text=True)
    config = json.loads(re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page).group(1))
    for key in ("python_version", "dash_version", "plotly_version", "ddk_version", "dash_version_url"):
        assert key not in config
    assert sys.version.split()[0] not in page
    assert config["end_id"]  # what the renderer needs is kept


def test_dev_server_does_not_name_werkzeug_or_python(app):
    server = make_server("127.0.0.1", 0, app.server, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/", timeout=10) as response:
            headers = response.headers
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert headers["Server"] == "conflictmap"
    assert "Python" not in str(headers) and "Werkzeug" not in str(headers)
    assert "Content-Security-Policy" in headers


# ------------------------------------------------------------------ limits and malformed callbacks


def test_body_over_the_limit_is_413(client):
    entry = corpus()[0]
    big = dict(entry["body"])
    big["state"] = [{"id": "query", "property": "value", "value": "x" * (MAX_BODY_BYTES + 1)}]
    response = client.post(CALLBACK, data=json.dumps(big), content_type="application/json")
    assert response.status_code == 413
    response = client.post("/", data=b"x" * (50 * 1024 * 1024), content_type="application/octet-stream")
    assert response.status_code in (405, 413)


@pytest.mark.parametrize("entry", corpus(), ids=lambda e: e["name"])
def test_callback_bodies_from_the_corpus(client, entry):
    response = post(client, entry)
    assert response.status_code == entry["status"], response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text


def test_the_valid_body_really_runs_the_callback(client):
    response = post(client, corpus()[0])
    assert response.status_code == 200
    assert json.loads(response.data)["response"]["count"]["children"].startswith("1 selected (sdf)")


def test_a_bug_elsewhere_is_still_a_500():
    """The 400 mapping is for the callback route only: a real bug elsewhere must not pass as bad input."""
    app = build_app()

    @app.server.route("/boom")
    def boom():
        raise TypeError("a bug")

    response = app.server.test_client().get("/boom")
    assert response.status_code == 500


def test_check_callback_body_accepts_pattern_matching_dependencies():
    callback_map = {
        "out.children": {
            "callback": object(),
            "inputs": [{"id": '{"index":["ALL"],"type":"x"}', "property": "value"}],
            "state": [],
        }
    }
    body = {
        "output": "out.children",
        "outputs": {"id": "out", "property": "children"},
        "inputs": [[{"id": {"type": "x", "index": 0}, "property": "value", "value": 1}]],
    }
    check_callback_body(body, callback_map)


def test_harden_keeps_prevent_update_a_204():
    app = dash.Dash(__name__)
    app.layout = dash.html.Div([dash.html.Div(id="a"), dash.html.Div(id="b")])

    @app.callback(dash.Output("a", "children"), dash.Input("b", "children"))
    def never(_):
        raise dash.exceptions.PreventUpdate

    harden(app)
    body = {
        "output": "a.children",
        "outputs": {"id": "a", "property": "children"},
        "inputs": [{"id": "b", "property": "children", "value": None}],
        "changedPropIds": [],
    }
    client = app.server.test_client()
    client.get("/")
    assert client.post(CALLBACK, json=body).status_code == 204


def test_policy_text():
    policy = content_security_policy(["'sha256-abc'"])
    assert "script-src 'self' 'sha256-abc'" in policy and "worker-src 'self' blob:" in policy


# ------------------------------------------------------------------ serve --debug


@pytest.mark.parametrize(
    "host,loopback",
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


class FakeApp:
    runs: ClassVar[list] = []

    def run(self, **kwargs):
        type(self).runs.append(kwargs)


@pytest.fixture
def fake_serve(monkeypatch):
    import dashboard.app
    import dashboard.serving

    FakeApp.runs = []
    monkeypatch.setattr(dashboard.app, "create_app", lambda events, **options: FakeApp())
    # The fake app binds nothing: whether port 8050 is free on this machine is not the question here.
    monkeypatch.setattr(dashboard.serving, "check_port_free", lambda host, port: None)
    return FakeApp.runs


def test_debug_on_a_public_interface_is_refused(fake_serve, capsys):
    assert cli.main(["serve", "--debug", "--host", "0.0.0.0"]) == 1
    err = capsys.readouterr().err
    assert "refusing --debug on --host 0.0.0.0" in err and "--debug-on-public-interface" in err
    assert "Traceback" not in err and fake_serve == []


def test_debug_on_a_public_interface_when_insisted(fake_serve):
    assert cli.main(["serve", "--debug", "--host", "0.0.0.0", "--debug-on-public-interface"]) == 0
    assert fake_serve[0]["debug"] is True and fake_serve[0]["host"] == "0.0.0.0"


def test_debug_on_loopback_and_public_without_debug_are_fine(fake_serve):
    assert cli.main(["serve", "--debug"]) == 0
    assert cli.main(["serve", "--host", "0.0.0.0"]) == 0
    assert [r["debug"] for r in fake_serve] == [True, False]
    assert all(r["request_handler"] is QuietRequestHandler for r in fake_serve)


# ---------------------------------------------------------------- versions in script URLs, choices


@pytest.mark.parametrize(
    "url, opaque_name",
    [
        ("/_dash-component-suites/dash/deps/react@18.v4_4_1m1796589928.3.1.min.js", "deps/react.v"),
        ("/prefix/_dash-component-suites/dash/dcc/dash_core_components.v4_4_1m17.js", "dcc/dash_core_components.v"),
        ("/_dash-component-suites/dash/dash_table/bundle.v7_4_1m1796589928.js", "dash_table/bundle.v"),
    ],
)
def test_script_urls_lose_their_versions_and_resolve_back(url, opaque_name):
    from dashboard.security import _resolve_alias, opaque_resource_url

    opaque = opaque_resource_url(url)
    assert opaque.startswith(url.split("_dash-component-suites/")[0] + "_dash-component-suites/")
    assert opaque_name in opaque
    assert not re.search(r"\d+_\d+_\d+|@\d|\.3\.1\.", opaque), opaque
    assert opaque == opaque_resource_url(url)  # the same in every worker
    fingerprinted = opaque.split("_dash-component-suites/", 1)[1].split("/", 1)[1]
    original = url.split("_dash-component-suites/", 1)[1].split("/", 1)[1]
    from dash.fingerprint import check_fingerprint

    registered = {check_fingerprint(original)[0], "deps/other.js"}
    assert check_fingerprint(_resolve_alias(registered, fingerprinted))[0] == check_fingerprint(original)[0]


def test_assets_and_unfingerprinted_urls_are_left_alone():
    from dashboard.security import opaque_resource_url

    for url in ("/assets/conflictmap.js?m=1.5", "/_dash-component-suites/dash/dcc/async-graph.js", "https://x/y.js"):
        assert opaque_resource_url(url) == url


def test_a_value_outside_its_choices_is_refused():
    app = build_app()
    body = {
        "output": "count.children",
        "outputs": {"id": "count", "property": "children"},
        "inputs": [{"id": "factions", "property": "value", "value": ["sdf"]}],
        "state": [{"id": "query", "property": "value", "value": "raqqa"}],
        "changedPropIds": ["factions.value"],
    }
    allowed = {("query", "value"): ("raqqa", "mosul")}
    check_callback_body(body, app.callback_map, allowed)
    for forged in (["raqqa"], {"a": 1}, 1, "Raqqa"):
        body["state"][0]["value"] = forged
        with pytest.raises(MalformedCallback, match=r"query\.value"):
            check_callback_body(body, app.callback_map, allowed)
    body["state"][0]["value"] = None  # not sent (a background job's poll)
    check_callback_body(body, app.callback_map, allowed)
