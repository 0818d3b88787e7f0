"""HTTP hardening for the Dash app: headers, limits, clean 400s, no version disclosure.

``harden(app)`` is called once the app's callbacks are registered. It adds, on
the app's Flask server:

* security headers on every response: a Content-Security-Policy that allows
  only the app's own scripts plus the hashes of Dash's inline scripts (its
  renderer bootstrap and any inline clientside callbacks), blob: workers for
  plotly's MapLibre map, no framing, no plugins, no <base>; and
  X-Content-Type-Options, Referrer-Policy, X-Frame-Options and
  Cross-Origin-Opener-Policy;
* a request body limit (MAX_CONTENT_LENGTH, answered with 413);
* 400, not 500, for a malformed callback request: the body's shape is checked
  against the callback it names before Dash runs it, and a type error raised
  while running it with data the client sent is answered 400 (and logged);
* no version disclosure: the Python, Dash and plotly versions are removed from
  the page's ``_dash-config`` (Dash's dev tools, the only reader, are off in
  production), and :class:`QuietRequestHandler` makes the development server
  say ``Server: conflictmap`` (the Server header belongs to the WSGI server:
  gunicorn sends ``gunicorn`` without a version); the script URLs carry no
  versions either (:func:`opaque_resource_url`: Dash names them
  ``react@18.v4_4_1m….3.1.min.js``, which is what scanners look for), nor does
  the favicon's (``?v=4.4.1``);
* 404, not 500 with a traceback in the log, for a script path that is no
  registered resource (``/_dash-component-suites/...``): anyone could flood
  the log with them.

Why styles keep 'unsafe-inline': plotly.js and MapLibre create <style> elements
and style attributes at run time; scripts, the real risk, get no such allowance.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import re
import traceback
from collections.abc import Collection, Mapping
from pathlib import Path

import dash
import flask
from dash.exceptions import DependencyException
from dash.fingerprint import check_fingerprint
from werkzeug.serving import WSGIRequestHandler

MAX_BODY_BYTES = 1024 * 1024  # a real callback body is a few kB; the app has no uploads
CALLBACK_PATH = "_dash-update-component"
SERVER_NAME = "conflictmap"
# Keys of Dash's page config that only disclose versions (read by the dev tools alone).
VERSION_KEYS = ("dash_version", "python_version", "plotly_version", "ddk_version", "dash_version_url")
SUITES = "_dash-component-suites/"
# A version in a file name: react@18.3.1.min.js, polyfill@7.12.1.min.js.
NAMED_VERSION = re.compile(r"@\d+(?:\.\d+)*")
# Part of the fingerprint's hash, so it cannot be looked up from a table of Dash versions.
_INSTALL_SALT = str(Path(dash.__file__).resolve().parent)

log = logging.getLogger(__name__)


class MalformedCallback(Exception):
    """A callback request whose body does not fit the callback it names."""


def content_security_policy(script_hashes: list[str] | tuple[str, ...] = ()) -> str:
    """The CSP for a Dash page with plotly figures (scattergeo and the MapLibre scattermap)."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "child-src": ["'self'", "blob:"],
        "frame-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    host = host.strip().strip("[]")
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class QuietRequestHandler(WSGIRequestHandler):
    """The development server's handler without its ``Werkzeug/x Python/y`` Server header."""

    def version_string(self) -> str:
        return SERVER_NAME


# ---------------------------------------------------------------- callback body shape


def _is_prop(item) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("id"), (str, dict))
        and isinstance(item.get("property"), str)
        and bool(item.get("property"))
    )


def _check_dependency(item, declared: dict, where: str) -> None:
    declared_id = declared.get("id")
    if isinstance(declared_id, str) and not declared_id.startswith("{"):
        if not _is_prop(item) or item["id"] != declared_id or item["property"] != declared.get("property"):
            raise MalformedCallback(f"{where} must be {{'id': {declared_id!r}, 'property': {declared['property']!r}}}")
        return
    # A pattern-matching dependency: one match (MATCH) or a list of them (ALL, ALLSMALLER).
    if _is_prop(item) or (isinstance(item, list) and all(_is_prop(x) for x in item)):
        return
    raise MalformedCallback(f"{where} must be an {{'id', 'property'}} object or a list of them")


def check_callback_body(
    body, callback_map: dict, allowed_values: Mapping[tuple[str, str], Collection] | None = None
) -> None:
    """Raise MalformedCallback unless ``body`` is a request Dash can run for the callback it names.

    ``allowed_values`` maps (component id, property) to the only values the page can send for it (a
    choice such as the download format); any other value, of any type, is refused (None is "not
    sent", as in a background job's polls).
    """
    if not isinstance(body, dict):
        raise MalformedCallback("the body must be a JSON object")
    output = body.get("output")
    if not isinstance(output, str) or not output:
        raise MalformedCallback("'output' must be the callback's output id")
    callback = callback_map.get(output)
    if not isinstance(callback, dict) or "callback" not in callback:
        raise MalformedCallback("no server callback has this output")
    outputs = body.get("outputs", [])
    if not (_is_prop(outputs) or (isinstance(outputs, list) and all(_is_prop(o) or _is_prop_list(o) for o in outputs))):
        raise MalformedCallback("'outputs' must be {'id', 'property'} objects")
    for key, declared_key in (("inputs", "inputs"), ("state", "state")):
        items = body.get(key, [])
        declared = callback.get(declared_key) or []
        if not isinstance(items, list) or len(items) != len(declared):
            raise MalformedCallback(f"'{key}' must be a list of {len(declared)} dependencies")
        for i, (item, dep) in enumerate(zip(items, declared)):
            _check_dependency(item, dep, f"'{key}'[{i}]")
    for item in [*body.get("inputs", []), *body.get("state", [])]:
        if isinstance(item, dict) and allowed_values and "value" in item and item["value"] is not None:
            allowed = allowed_values.get((item.get("id"), item.get("property")))  # type: ignore[arg-type]
            if allowed is not None and not (isinstance(item["value"], str) and item["value"] in allowed):
                raise MalformedCallback(f"'{item['id']}.{item['property']}' must be one of: {', '.join(allowed)}")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        raise MalformedCallback("'changedPropIds' must be a list of text")


def _is_prop_list(value) -> bool:
    return isinstance(value, list) and all(_is_prop(x) for x in value)


def _bad_request(message: str):
    response = flask.jsonify({"error": "malformed callback request", "detail": message})
    response.status_code = 400
    return response


# ---------------------------------------------------------------- script URLs without versions


def _without_version(path_in_package: str) -> str:
    """``deps/react@18.3.1.min.js`` -> ``deps/react.min.js`` (the folder stays: chunks load beside it)."""
    folder, _, name = path_in_package.rpartition("/")
    name = NAMED_VERSION.sub("", name)
    return f"{folder}/{name}" if folder else name


def opaque_resource_url(url: str) -> str:
    """A component-suite URL as Dash makes it, without the versions it names.

    Dash fingerprints ``NAME.EXT`` as ``NAME.v<version>m<mtime>.EXT`` for cache
    busting. The fingerprint becomes a hash of the same parts (so it still
    changes with the file, and browsers may keep caching it for a year), and a
    version in the file name itself is dropped; :func:`_resolve_alias` maps the
    result back. Anything else (assets, external URLs) is returned unchanged.
    """
    prefix, found, rest = url.partition(SUITES)
    if not found or "/" not in rest:
        return url
    package, _, fingerprinted = rest.partition("/")
    path_in_package, has_fingerprint = check_fingerprint(fingerprinted)
    if not has_fingerprint:
        return url
    stamp = fingerprinted.rsplit("/", 1)[-1].split(".")[1]
    digest = hashlib.sha256(f"{_INSTALL_SALT}|{package}|{path_in_package}|{stamp}".encode()).hexdigest()
    folder_name, _, extension = _without_version(path_in_package).partition(".")
    return f"{prefix}{SUITES}{package}/{folder_name}.v{digest[:10]}m{digest[10:18]}.{extension}"


def _resolve_alias(registered: set, fingerprinted: str) -> str:
    """The registered path an opaque URL stands for (or the path as asked, for Dash to judge)."""
    path_in_package, _ = check_fingerprint(fingerprinted)
    if path_in_package in registered:
        return fingerprinted
    matches = sorted(p for p in registered if _without_version(p) == path_in_package)
    return matches[0] if matches else fingerprinted


def _hide_versions_in_urls(app) -> None:
    """Script and style URLs name no library version. Dash has no public hook for the URLs it writes,
    so its private resource collector is wrapped, here only."""
    collect = app._collect_and_register_resources  # noqa: SLF001 - no public hook (see docstring)

    @functools.wraps(collect)
    def collect_without_versions(resources, *args, **kwargs):
        url_attr = kwargs.get("url_attr", args[1] if len(args) > 1 else "src")
        out = []
        for item in collect(resources, *args, **kwargs):
            if isinstance(item, str):
                item = opaque_resource_url(item)
            elif isinstance(item, dict) and isinstance(item.get(url_attr), str):
                item = {**item, url_attr: opaque_resource_url(item[url_attr])}
            out.append(item)
        return out

    app._collect_and_register_resources = collect_without_versions  # noqa: SLF001
    interpolate = app.interpolate_index

    @functools.wraps(interpolate)
    def index_without_favicon_version(**kwargs):
        if isinstance(kwargs.get("favicon"), str):
            kwargs["favicon"] = re.sub(r"_favicon\.ico\?v=[^\"'&>\s]*", "_favicon.ico", kwargs["favicon"])
        return interpolate(**kwargs)

    app.interpolate_index = index_without_favicon_version


def _serve_suites_quietly(app) -> None:
    """Opaque script URLs resolved, and a path that is no registered resource a quiet 404."""
    server = app.server
    for rule in server.url_map.iter_rules():
        if SUITES + "<" in rule.rule:
            serve = server.view_functions[rule.endpoint]

            def serve_or_404(package_name, fingerprinted_path, _serve=serve):
                registered = app.registered_paths.get(package_name)
                if registered:
                    fingerprinted_path = _resolve_alias(registered, fingerprinted_path)
                try:
                    return _serve(package_name=package_name, fingerprinted_path=fingerprinted_path)
                except (DependencyException, OSError):
                    return _not_found()

            server.view_functions[rule.endpoint] = serve_or_404


def _only_pages(app, page_paths: re.Pattern) -> None:
    """Dash answers every unknown path with the page (for apps with client-side routing); only the
    app's own pages get it here, anything else a 404 (a scanner's probes are not pages)."""
    server = app.server
    catch_all = app.config.routes_pathname_prefix + "<path:path>"
    for rule in server.url_map.iter_rules():
        if rule.rule == catch_all:
            page = server.view_functions[rule.endpoint]

            def page_or_404(*args, _page=page, **kwargs):
                if not page_paths.fullmatch(str(kwargs.get("path", ""))):
                    return _not_found()
                return _page(*args, **kwargs)

            server.view_functions[rule.endpoint] = page_or_404


def _not_found():
    response = flask.make_response("Not found\n", 404)
    response.mimetype = "text/plain"
    return response


# ---------------------------------------------------------------- harden


def harden(
    app,
    max_body_bytes: int = MAX_BODY_BYTES,
    allowed_values: Mapping[tuple[str, str], Collection] | None = None,
    page_paths: re.Pattern | None = None,
):
    """Add headers, limits, clean 400s and version hiding to ``app`` (a Dash app); returns it.

    Call after every callback is registered: the CSP carries the hashes of the
    inline clientside callbacks, computed on the first request. ``allowed_values``:
    see :func:`check_callback_body`. ``page_paths``: the paths (after the app's
    prefix, without the leading slash) that are pages; any other is a 404.
    """
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = max_body_bytes
    callback_path = app.config.routes_pathname_prefix + CALLBACK_PATH
    _check_callback_requests(app, callback_path, allowed_values)
    _clean_400s_for_callbacks(server, callback_path)
    _add_security_headers(app)
    _hide_versions_in_config(app)
    _hide_versions_in_urls(app)
    _serve_suites_quietly(app)
    if page_paths is not None:
        _only_pages(app, page_paths)
    return app


def _check_callback_requests(app, callback_path: str, allowed_values) -> None:
    """Every callback request's body checked against the app's callback map before Dash sees it."""

    @app.server.before_request
    def _check_callback_request():
        if flask.request.path != callback_path or flask.request.method != "POST":
            return None
        try:
            body = flask.request.get_json(silent=True)  # 413 above the limit, before parsing
        except RecursionError:
            return _bad_request("the body is nested too deeply")
        if body is None:
            return _bad_request("the body must be JSON")
        try:
            check_callback_body(body, app.callback_map, allowed_values)
        except MalformedCallback as exc:
            return _bad_request(str(exc))
        return None


def _clean_400s_for_callbacks(server, callback_path: str) -> None:
    """A callback that fails on a value of the wrong type or shape answers 400 with one log line."""

    def _callback_failed(error: Exception):
        if flask.request.path != callback_path or flask.current_app.debug:
            raise error  # elsewhere, or while debugging: the usual 500 and traceback
        # One line per bad request (an attacker must not flood the log with tracebacks); the
        # traceback at DEBUG, and the place it failed, for telling a bug from bad input.
        frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        where = f" at {frame.filename}:{frame.lineno}" if frame else ""
        log.warning("400 for a callback request: %s: %s%s", type(error).__name__, error, where)
        log.debug("traceback of the 400 above", exc_info=error)
        return _bad_request("a value in the request has the wrong type or shape")

    for kind in (TypeError, ValueError, KeyError, IndexError, AttributeError):
        server.register_error_handler(kind, _callback_failed)


def _add_security_headers(app) -> None:
    """The CSP (with the inline clientside callbacks' hashes, computed on the first request) and the
    other security headers on every response."""
    csp: list[str] = []

    def policy() -> str:
        if not csp:
            csp.append(content_security_policy(app.csp_hashes()))
        return csp[0]

    @app.server.after_request
    def _add_headers(response):
        response.headers["Content-Security-Policy"] = policy()
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _hide_versions_in_config(app) -> None:
    """The page's config names no library versions (unless Dash's dev tools are on). Dash has no public
    hook for its page config, so its private ``_config`` is wrapped, here only."""
    original_config = app._config  # noqa: SLF001 - Dash offers no public hook for the page config

    def config_without_versions():
        config = original_config()
        if not app._dev_tools.ui:  # noqa: SLF001 - the same: whether Dash's dev tools are on
            for key in VERSION_KEYS:
                config.pop(key, None)
        return config

    app._config = config_without_versions  # noqa: SLF001
