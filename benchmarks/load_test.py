"""Many analysts at once against the README's gunicorn recipe, through the app's real HTTP API.

    python -m benchmarks.load_test [--users 50] [--seconds 60] [--workers 2] [--events events.yaml] [--no-preload]
                                   [--think 1:5] [--ramp 10] [--formats csv,geojson] [--json report.json]

Starts ``CONFLICTMAP_EVENTS=... gunicorn --preload -w WORKERS -b 127.0.0.1:PORT dashboard.wsgi:server``
on a free loopback port (or, with ``--url``, uses a server already running) and
runs USERS simulated analysts for SECONDS, each an asyncio task with its own
connection pool (httpx, six connections like a browser), arriving evenly over
the first RAMP seconds (``--ramp 0``: all in the same instant). After a
warm-up that is not timed (each worker's first requests build its caches), a
user does what the page does in a browser:

* loads the page: ``GET /``, ``/_dash-layout``, ``/_dash-dependencies`` and the
  map style, then the callbacks the page fires on load, the same way the
  renderer does (the URL's sync and play callbacks, then the views, the event
  list and the details, then the markers once the map reports its camera);
* then, after a think time, one action at a time: **filter** (a faction, side,
  type, dates, words, lanes or "clear all": the control's callback, then the
  callbacks the new URL fires), **select** an event from the list (the URL's
  callbacks and the details), **zoom** (the ``map-view`` store -> markers);
* and once, at a random moment, **downloads** the view (a fast format by
  default; pptx, gif and mp4 take 20-30 s each inside the request).

With ``--burst N`` (after the timed run, or alone with ``--users 0``), N more
analysts press *Download* in the same instant (``--burst-format``, html by
default: png starts Chromium): the server's whole process tree is sampled
every 0.2 s for its peak number of processes (Chromium's apart) and memory
(the sum of resident and of unique memory), and each page's "queued, N ahead"
messages are kept. Downloads run in a pool of at most the core count
(dashboard/jobs.py); without it, 20 HTML downloads took 2.6 GB and 3 PNGs
started 27 Chromium processes.

Request bodies are built from ``/_dash-dependencies`` and the component values
the page holds (from ``/_dash-layout`` and every answer), exactly as Dash's
renderer sends them; callbacks are found by the component ids they read and
write (README "Stable component ids"), so a renamed id stops the run with a
message rather than measuring nothing. The browser-side derivation of the
view key (``deriveKeys`` in dashboard/assets/conflictmap.js) is mirrored.

Prints, per request kind: count, errors, p50/p95/p99/max latency (the page's
first render, which sends the whole map figure, apart from later renders,
which patch it); per action
(a filter = every request it causes, in the browser's order); throughput;
errors (any non-2xx, a dropped connection, or a body that is not the
callback's JSON: a download must carry its file, a render its count); and the
gunicorn workers' resident memory at start, after warm-up, at its peak (sampled
each second) and at the end, with any worker restarted meanwhile; the whole server's proportional
set size (master and workers; what they share counted once) after warm-up and at the end; and the
lines of gunicorn's log that say a worker timed out or a callback failed.
The client runs on the same machine and its CPU share is printed with the
figures. Numbers are printed, never asserted (tests/test_load.py asserts only
that a small run has no errors and exercises every kind).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import html
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from benchmarks.loopback import free_port

ROOT = Path(__file__).resolve().parent.parent

#: Request kinds, in the order they are reported; every one is exercised by a run.
PAGE_KINDS = ("page", "layout", "dependencies", "style")
CALLBACK_KINDS = ("sync", "play", "first-render", "render", "list", "detail", "markers", "download", "download-poll")
KINDS = PAGE_KINDS + CALLBACK_KINDS
ACTIONS = ("load", "filter", "select", "zoom", "download")
#: Formats that export in well under a second (README "Exports"); the long ones are opt-in.
FAST_FORMATS = ("csv", "geojson", "kml", "timelinejs")
LONG_FORMATS = ("pptx", "gif", "mp4")
SUFFIX = {"timelinejs": "json"}
REQUEST_TIMEOUT = 120.0  # seconds; longer than gunicorn's 30 s worker timeout, so a killed worker shows as an error
JOB_TIMEOUT = 300.0  # seconds a background download may take, polls included


class LoadTestError(Exception):
    """The app cannot be driven as this script expects (a callback or component is missing)."""


# ---------------------------------------------------------------- what the page knows


def _parse_output(spec: str) -> list[tuple[str, str]]:
    """Dash's output key ("..a.b...c.d.." or "a.b@hash") as (id, property) pairs, property as sent."""
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    return [tuple(part.rsplit(".", 1)) for part in parts]  # type: ignore[misc]


def _base(prop: str) -> str:
    return prop.split("@", 1)[0]


@dataclass
class Callback:
    """One server callback from /_dash-dependencies."""

    output: str
    outputs: list[tuple[str, str]]
    inputs: list[tuple[str, str]]
    state: list[tuple[str, str]]
    background: dict | None

    @classmethod
    def from_dependency(cls, dep: dict) -> Callback:
        return cls(
            output=dep["output"],
            outputs=_parse_output(dep["output"]),
            inputs=[(d["id"], d["property"]) for d in dep["inputs"]],
            state=[(d["id"], d["property"]) for d in dep["state"]],
            background=dep.get("background") or None,
        )

    def writes(self, cid: str, prop: str) -> bool:
        return any(i == cid and _base(p) == prop for i, p in self.outputs)

    def reads(self, cid: str, prop: str) -> bool:
        return (cid, prop) in self.inputs


# How each kind is recognised: by what it reads or writes (README's stable ids).
KIND_RULES = {
    "sync": lambda cb: cb.reads("faction-filter", "value") and cb.writes("url", "search"),
    "play": lambda cb: cb.writes("play-timer", "disabled"),
    "render": lambda cb: cb.writes("event-count", "children") and cb.reads("view-key", "data"),
    "list": lambda cb: cb.writes("event-list-rows", "data"),
    "detail": lambda cb: cb.writes("event-detail", "children") and cb.reads("selected-event", "data"),
    "markers": lambda cb: cb.reads("map-view", "data") and cb.writes("map", "figure"),
    "download": lambda cb: cb.writes("download", "data"),
}


def find_callbacks(dependencies: list[dict]) -> dict[str, Callback]:
    server = [Callback.from_dependency(d) for d in dependencies if not d.get("clientside_function")]
    found: dict[str, Callback] = {}
    for kind, rule in KIND_RULES.items():
        matches = [cb for cb in server if rule(cb)]
        if len(matches) != 1:
            raise LoadTestError(f"expected one '{kind}' callback in /_dash-dependencies, found {len(matches)}")
        found[kind] = matches[0]
    return found


def layout_props(layout: dict) -> dict[str, dict]:
    """Every component with an id in /_dash-layout: its props as the page starts with them."""
    found: dict[str, dict] = {}

    def walk(node):
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict):
                cid = props.get("id")
                if isinstance(cid, str):
                    found[cid] = props
                for value in props.values():
                    walk(value)

    walk(layout)
    return found


def dash_config(page: str) -> dict:
    match = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page, re.S)
    if not match:
        raise LoadTestError("the page has no _dash-config")
    return json.loads(html.unescape(match.group(1)))


def event_ids_in(rows) -> list[str]:
    """The event id of each row of the event list (the list callback's answer: rows as data)."""
    return [str(row["id"]) for row in rows or [] if isinstance(row, dict) and "id" in row]


def text_in(children) -> str:
    if isinstance(children, str):
        return children
    if isinstance(children, list):
        return "".join(text_in(c) for c in children)
    if isinstance(children, dict):
        return text_in(children.get("props", {}).get("children"))
    return ""


def view_key(search: str, pathname: str) -> tuple[str, str | None]:
    """The browser's deriveKeys: (filters key, selected event) from the URL (URLSearchParams semantics)."""
    params = parse_qsl(search.lstrip("?"), keep_blank_values=True)
    selected = next((v for k, v in params if k == "event"), None)
    rest = sorted(((k, v) for k, v in params if k != "event"), key=lambda kv: kv[0])  # stable, like sort()
    return f"{pathname or '/'}?{urlencode(rest)}", selected


# ---------------------------------------------------------------- measuring


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    actions: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    bytes_in: int = 0
    recording: bool = True
    refused: int = 0  # downloads the page refused as past its limit (dashboard/callbacks/downloads.py)

    def error(self, kind: str, message: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(f"{kind}: {message}")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


# ---------------------------------------------------------------- one simulated analyst


class Analyst:
    """One browser tab: the component values it holds, and the requests its page would send."""

    def __init__(self, client, base: str, stats: Stats, rng: random.Random, think: tuple[float, float], fmt: str):
        self.client = client
        self.base = base.rstrip("/")
        self.stats = stats
        self.rng = rng
        self.think = think
        self.format = fmt
        self.values: dict[tuple[str, str], object] = {}
        self.callbacks: dict[str, Callback] = {}
        self.components: dict[str, dict] = {}
        self.end_id: str | None = None
        self.event_ids: list[str] = []
        self.markers_meta: dict = {}  # the first map's layout.meta: the zoom (and area) its markers were laid out for
        self.words: list[str] = []
        self.downloaded = False
        self.progress_seen: list[str] = []  # a background job's progress texts, in order (queue places too)

    # -- requests

    async def get(self, kind: str, path: str) -> bytes | None:
        start = time.perf_counter()
        try:
            response = await self.client.get(self.base + path)
        except Exception as exc:  # a reset, a refused connection, a timeout
            self.stats.error(kind, f"GET {path}: {type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            self.stats.error(kind, f"GET {path}: HTTP {response.status_code}")
            return None
        self._record(kind, elapsed, len(response.content))
        return response.content

    def _record(self, kind: str, elapsed: float, size: int) -> None:
        if self.stats.recording:
            self.stats.latencies[kind].append(elapsed)
            self.stats.bytes_in += size

    def body(self, kind: str, changed: list[tuple[str, str]]) -> dict:
        """The JSON Dash's renderer posts for callback ``kind`` after ``changed`` props changed."""
        cb = self.callbacks[kind]

        def dep(cid, prop):
            item: dict = {"id": cid, "property": prop}
            if (cid, prop) in self.values:  # an undefined prop is sent without "value"
                item["value"] = self.values[(cid, prop)]
            return item

        outputs = [{"id": cid, "property": prop} for cid, prop in cb.outputs]
        ids = [f"{cid}.{prop}" for cid, prop in changed]
        body: dict = {
            "output": cb.output,
            "outputs": outputs if cb.output.startswith("..") else outputs[0],
            "inputs": [dep(*d) for d in cb.inputs],
            "changedPropIds": ids,
            "parsedChangedPropsIds": ids,
        }
        if cb.state:
            body["state"] = [dep(*d) for d in cb.state]
        return body

    async def fire(self, kind: str, changed: list[tuple[str, str]]) -> dict | None:
        """POST one callback (polling a background one to its end), check the answer, keep its values.

        None on error. A background callback (Dash's renderer protocol): the first POST starts a job
        and returns its signed handles; the page then re-posts with ``cacheKey`` and ``job`` in the
        query string (and the values nulled) every ``interval`` ms until the answer holds ``response``.
        """
        cb = self.callbacks[kind]
        url = f"{self.base}/_dash-update-component"
        params = {"endId": self.end_id} if self.end_id else {}
        body = self.body(kind, changed)
        start = time.perf_counter()
        size = 0
        polling = False
        try:
            while True:
                sent = time.perf_counter()
                response = await self.client.post(url, params=params, json=body)
                size += len(response.content)
                if cb.background:  # each request of a job is timed: the start, then every poll
                    self._record(f"{kind}-poll" if polling else kind, time.perf_counter() - sent, len(response.content))
                if response.status_code == 204:  # PreventUpdate / nothing to update
                    data: dict = {"response": {}}
                    break
                if response.status_code != 200:
                    self.stats.error(kind, f"HTTP {response.status_code} for {self.where(kind)}: {response.text[:200]}")
                    return None
                data = response.json()
                if cb.background and isinstance(data, dict) and isinstance(data.get("progress"), dict):
                    self.progress_seen += [text_in(v) for v in data["progress"].values()]
                if not (cb.background and "response" not in data):
                    break
                if not polling:
                    if not (isinstance(data, dict) and "cacheKey" in data and "job" in data):
                        self.stats.error(kind, f"background job not started: {str(data)[:200]}")
                        return None
                    params = {**params, "cacheKey": data["cacheKey"], "job": data["job"]}
                    body = {
                        **body,
                        "inputs": [{**i, "value": None} for i in body["inputs"]],
                        "state": [{**s, "value": None} for s in body.get("state", [])],
                    }
                    polling = True
                if time.perf_counter() - start > JOB_TIMEOUT:
                    self.stats.error(kind, f"background job unfinished after {JOB_TIMEOUT:.0f} s ({self.where(kind)})")
                    return None
                await asyncio.sleep(cb.background.get("interval", 500) / 1000)
        except Exception as exc:
            self.stats.error(kind, f"{type(exc).__name__} for {self.where(kind)}: {exc}")
            return None
        problem = self.check(kind, data)
        if problem:
            self.stats.error(kind, f"{problem} (for {self.where(kind)})")
            return None
        if not cb.background:
            # One request: its latency is the callback's. The page's first render sends the whole map
            # figure; later ones patch its data.
            first = kind == "render" and not self.values.get(("map-drawn", "data"))
            self._record("first-render" if first else kind, time.perf_counter() - start, size)
        response_props = data["response"]
        for cid, props in response_props.items():
            for prop, value in props.items():
                self.values[(cid, prop)] = value
        return response_props

    def where(self, kind: str) -> str:
        """The page a failed request came from, to reproduce it."""
        page = f"{self.values.get(('url', 'pathname')) or '/'}{self.values.get(('url', 'search')) or ''}"
        return f"{page} as {self.format}" if kind == "download" else page

    def check(self, kind: str, data) -> str | None:
        """Why an answer is not the callback's JSON, or None."""
        if not isinstance(data, dict) or not isinstance(data.get("response"), dict):
            return f"not a callback answer: {str(data)[:200]}"
        declared = {(cid, _base(prop)) for cid, prop in self.callbacks[kind].outputs}
        for cid, props in data["response"].items():
            if not isinstance(props, dict) or any((cid, prop) not in declared for prop in props):
                return f"answer sets undeclared outputs: {cid} {list(props)[:5] if isinstance(props, dict) else props}"
        if kind == "download":
            said = " ".join(text_in(props.get("children")) for props in data["response"].values())
            if "failed" in said.lower():
                return f"download of {self.format} failed: {said[:200]}"
            if said.startswith("Download refused: this view has"):  # past the page's limit: the app's answer
                self.stats.refused += 1
                return None
            sent = data["response"].get("download", {}).get("data")
            if not isinstance(sent, dict) or not sent.get("content"):
                return f"no file in the download answer: {str(data)[:200]}"
            if not sent.get("filename", "").endswith("." + SUFFIX.get(self.format, self.format)):
                return f"download is not a {self.format} file: {sent.get('filename')!r}"
            content = base64.b64decode(sent["content"]) if sent.get("base64") else str(sent["content"]).encode()
            if not content:
                return "empty download"
        if kind == "render" and "Showing" not in text_in(data["response"].get("event-count", {}).get("children")):
            return "render answer without its event count"
        return None

    # -- what the page does

    async def load_page(self, search: str, pathname: str = "/") -> None:
        start = time.perf_counter()
        page = await self.get("page", pathname + search)
        layout = await self.get("layout", "/_dash-layout")
        deps = await self.get("dependencies", "/_dash-dependencies")
        if page is None or layout is None or deps is None:
            return
        try:
            self.end_id = dash_config(page.decode("utf-8")).get("end_id")
            self.callbacks = find_callbacks(json.loads(deps))
            self.components = layout_props(json.loads(layout))
        except (ValueError, LoadTestError) as exc:
            self.stats.error("page", f"{type(exc).__name__}: {exc}")
            return
        style_url = self.components.get("map-panel", {}).get("data-style-url") or next(
            (p["data-style-url"] for p in self.components.values() if "data-style-url" in p), "/map/style.json"
        )
        await self.get("style", style_url)
        self.values = {(cid, prop): value for cid, props in self.components.items() for prop, value in props.items()}
        self.values[("url", "search")] = search
        self.values[("url", "pathname")] = pathname
        self.values.pop(("view-key", "data"), None)
        self.values.pop(("selected-event", "data"), None)
        # What the renderer fires on load: the URL's callbacks, then what the derived keys feed.
        await asyncio.gather(self.fire("sync", [("url", "search")]), self.fire("play", [("url", "search")]))
        await self.after_url_change(first=True)
        # The map has loaded and framed the events: it reports its camera, and the markers follow. As the
        # page does (conflictmap.js markersCover), the camera says when the first map's markers, laid out
        # for its zoom over every event, already serve it: the server then answers with nothing.
        self.values[("map-drawn", "data")] = True
        first_zoom = self.markers_meta.get("markersZoom")
        self.set_camera(first_zoom)
        if first_zoom is not None and "markersBounds" not in self.markers_meta:
            self.values[("map-view", "data")]["covered"] = True
        await self.fire("markers", [("map-view", "data")])
        self.action("load", start)

    async def after_url_change(self, first: bool = False) -> None:
        """deriveKeys in the browser, then the server callbacks its two keys feed."""
        key, selected = view_key(str(self.values.get(("url", "search")) or ""), str(self.values[("url", "pathname")]))
        calls = []
        if first or key != self.values.get(("view-key", "data")):
            self.values[("view-key", "data")] = key
            calls += [self.fire("render", [("view-key", "data")])]
            calls += [
                self.fire("list", [("view-key", "data"), ("list-page", "data")] if first else [("view-key", "data")])
            ]
        if first or selected != self.values.get(("selected-event", "data")):
            self.values[("selected-event", "data")] = selected
            calls.append(self.fire("detail", [("selected-event", "data")]))
        results = await asyncio.gather(*calls)
        for result in results:
            if result and "event-list-rows" in result:
                self.event_ids = event_ids_in(result["event-list-rows"].get("data"))
            if result and isinstance((result.get("map") or {}).get("figure"), dict):
                self.markers_meta = (result["map"]["figure"].get("layout") or {}).get("meta") or {}

    def set_camera(self, zoom: float | None = None) -> None:
        """A new camera for the map-view store: a zoom bucket and the bounds around the events."""
        old = self.values.get(("map-view", "data")) or {}
        if zoom is None:
            zoom = float(old.get("zoom") or 6.5)
        lat, lon = 35.0 + self.rng.uniform(-0.8, 0.8), 40.0 + self.rng.uniform(-1.0, 1.0)
        half_lon = 360 / 2**zoom * 1.4
        half_lat = half_lon * 0.7
        bounds = [round(v, 4) for v in (lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat)]
        self.values[("map-view", "data")] = {"zoom": zoom, "bounds": bounds}

    def action(self, name: str, start: float) -> None:
        if self.stats.recording:
            self.stats.actions[name].append(time.perf_counter() - start)

    async def filter(self) -> None:
        start = time.perf_counter()
        control = self.rng.choice(["faction", "side", "type", "dates", "search", "lanes", "clear"])
        options = {
            cid: [o["value"] for o in self.components.get(cid, {}).get("options", [])]
            for cid in ("faction-filter", "side-filter", "type-filter", "lane-mode")
        }
        changed: list[tuple[str, str]]
        if control in ("faction", "side", "type") and options[f"{control}-filter"]:
            values = options[f"{control}-filter"]
            pick = self.rng.sample(values, k=self.rng.randint(0, min(2, len(values))))
            changed = [(f"{control}-filter", "value")]
            self.values[changed[0]] = pick
        elif control == "dates":
            first = self.components["date-range"].get("min_date_allowed")
            last = self.components["date-range"].get("max_date_allowed")
            days = _date_range(first, last)
            if len(days) >= 2:
                a, b = sorted(self.rng.sample(days, 2))
            else:
                a = b = first
            self.values[("date-range", "start_date")] = a
            self.values[("date-range", "end_date")] = b
            changed = [("date-range", "end_date")]
        elif control == "search":
            self.values[("search", "value")] = self.rng.choice(self.words or ["oil"])
            changed = [("search", "value")]
        elif control == "lanes" and options["lane-mode"]:
            self.values[("lane-mode", "value")] = self.rng.choice(options["lane-mode"])
            changed = [("lane-mode", "value")]
        else:
            clicks = self.values.get(("clear-all", "n_clicks")) or 0
            self.values[("clear-all", "n_clicks")] = int(clicks) + 1  # type: ignore[call-overload]
            changed = [("clear-all", "n_clicks")]
        before = self.values.get(("url", "search"))
        answer = await self.fire("sync", changed)
        if answer is not None and self.values.get(("url", "search")) != before:
            # The new URL: the play button's callback, and (in the browser) the derived keys.
            await asyncio.gather(self.fire("play", [("url", "search")]), self.after_url_change())
        self.action("filter", start)

    async def select(self) -> None:
        if not self.event_ids:
            await self.filter()
            return
        start = time.perf_counter()
        event_id = self.rng.choice(self.event_ids)
        params = [
            (k, v) for k, v in parse_qsl(str(self.values.get(("url", "search")) or "").lstrip("?")) if k != "event"
        ]
        self.values[("url", "search")] = "?" + urlencode([*params, ("event", event_id)])
        await asyncio.gather(
            self.fire("sync", [("url", "search")]),
            self.fire("play", [("url", "search")]),
            self.after_url_change(),
        )
        self.action("select", start)

    async def zoom(self) -> None:
        start = time.perf_counter()
        self.set_camera(self.rng.choice([z / 2 for z in range(10, 23)]))  # zoom 5 to 11 in half steps
        await self.fire("markers", [("map-view", "data")])
        self.action("zoom", start)

    async def download(self) -> None:
        start = time.perf_counter()
        self.values[("download-format", "value")] = self.format
        clicks = self.values.get(("download-button", "n_clicks")) or 0
        self.values[("download-button", "n_clicks")] = int(clicks) + 1  # type: ignore[call-overload]
        await self.fire("download", [("download-button", "n_clicks")])
        self.values.pop(("download", "data"), None)  # the file is not kept
        self.downloaded = True
        self.action("download", start)

    async def pause(self) -> None:
        await asyncio.sleep(self.rng.uniform(*self.think))

    async def session(self, arrive: float, deadline: float, download_at: float | None, entry: str) -> None:
        await asyncio.sleep(max(0.0, arrive - time.monotonic()))
        await self.load_page(entry)
        self.words = _words(self.values)
        # Each kind of action once, in a random order, then at random (filters most, zooms least).
        first = [self.filter, self.select, self.zoom]
        self.rng.shuffle(first)
        while time.monotonic() < deadline:
            await self.pause()
            if time.monotonic() >= deadline:
                break
            if download_at is not None and not self.downloaded and time.monotonic() >= download_at:
                await self.download()
                continue
            if first:
                await first.pop()()
                continue
            roll = self.rng.random()
            if roll < 0.45:
                await self.filter()
            elif roll < 0.75:
                await self.select()
            else:
                await self.zoom()
        if download_at is not None and not self.downloaded:
            await self.download()  # every user downloads once, even in a short run

    async def warm_up(self, entry: str) -> None:
        """One of everything: the first call of each kind in a worker imports and builds what it caches."""
        await self.load_page(entry)
        await self.filter()
        await self.select()
        await self.zoom()
        await self.download()


def _date_range(first: str | None, last: str | None) -> list[str]:
    import datetime as dt

    if not first or not last:
        return []
    a, b = dt.date.fromisoformat(str(first)[:10]), dt.date.fromisoformat(str(last)[:10])
    return [(a + dt.timedelta(days=k)).isoformat() for k in range((b - a).days + 1)]


def _words(values: dict) -> list[str]:
    """Search words an analyst might type: the longer words of the dataset's type labels and factions."""
    words: set[str] = set()
    for cid in ("faction-filter", "type-filter"):
        for option in values.get((cid, "options")) or []:  # type: ignore[union-attr]
            words.update(w.lower() for w in re.findall(r"[A-Za-z]{4,}", str(option.get("label", ""))))
    return sorted(words) or ["oil"]


# ---------------------------------------------------------------- the server and its memory


def find_gunicorn() -> str:
    beside = Path(sys.executable).parent / "gunicorn"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("gunicorn")
    if not found:
        raise LoadTestError("gunicorn is not installed: pip install -e '.[serve]'")
    return found


def start_gunicorn(events: Path, workers: int, port: int, log, preload: bool = True) -> subprocess.Popen:
    """The README's production recipe, exactly, on loopback; its log goes to ``log`` (a file).

    ``preload=False`` (``--no-preload``) is the recipe before the workers shared the data: each worker
    loads the events itself.
    """
    env = dict(os.environ, CONFLICTMAP_EVENTS=str(events))
    return subprocess.Popen(
        [find_gunicorn(), *(["--preload"] if preload else []), "-w", str(workers), "-b", f"127.0.0.1:{port}"]
        + ["dashboard.wsgi:server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def log_tail(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-2000:]


def serious_log_lines(text: str) -> list[str]:
    """gunicorn's and the app's complaints: worker timeouts and kills, errors, tracebacks (by their
    exception line), and any callback answered 400 (this client sends only what the page sends, so a
    400 is a bug in the app)."""
    marks = ("[CRITICAL]", "[ERROR]", "WORKER TIMEOUT", "was sent SIGKILL", "400 for a callback")
    found = []
    lines = text.splitlines()
    for k, line in enumerate(lines):
        if line.startswith("Traceback"):
            last = next((x for x in lines[k + 1 :] if x and not x[0].isspace()), "")
            found.append(f"traceback: {last}")
        elif any(m in line for m in marks):
            found.append(line)
    return found


async def wait_until_up(client, url: str, proc: subprocess.Popen | None, log, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise LoadTestError(f"gunicorn exited with {proc.returncode}:\n{log_tail(log)}")
        try:
            if (await client.get(url + "/_dash-layout")).status_code == 200:
                return
        except Exception:
            pass
        await asyncio.sleep(0.3)
    raise LoadTestError(f"{url} did not answer within {timeout:.0f} s")


GRACE = 3.0  # seconds


def download_folders() -> list[str]:
    """The app's download folders in the temporary directory (each job removes its own)."""
    return [str(p) for p in Path(tempfile.gettempdir()).glob("conflictmap-download-*")]


def worker_memory(master_pid: int) -> dict[int, float]:
    """Resident memory (MB) of each gunicorn worker (the master's children)."""
    import psutil

    try:
        children = psutil.Process(master_pid).children()
    except psutil.Error:
        return {}
    out = {}
    for child in children:
        try:
            out[child.pid] = child.memory_info().rss / 2**20
        except psutil.Error:
            continue
    return out


def server_pss(master_pid: int) -> float:
    """The proportional set size (MB) of the gunicorn master and its workers, summed: the memory the
    server takes, each page shared by k of them counted 1/k in each (download jobs and their browsers
    left out; they come and go). With ``--preload`` the data is loaded once in the master and shared
    by the workers it forks; without, each worker holds its own copy."""
    import psutil

    try:
        master = psutil.Process(master_pid)
        processes = [master, *master.children()]
    except psutil.Error:
        return 0.0
    total = 0.0
    for p in processes:
        try:
            total += p.memory_full_info().pss / 2**20
        except (psutil.Error, AttributeError):  # AttributeError: no PSS where /proc has no smaps
            continue
    return total


async def sample_memory(server, samples: list[dict[int, float]], stop: asyncio.Event) -> None:
    """Once a second, the workers' memory: a leak shows as a climb, a killed worker as a new pid."""
    while not stop.is_set():
        samples.append(server.memory())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1.0)


# ---------------------------------------------------------------- the run


@dataclass
class Report:
    users: int
    seconds: float
    ramp: float
    workers: int | None
    think: tuple[float, float]
    formats: list[str]
    requests: int
    throughput: float
    kinds: dict[str, dict]
    actions: dict[str, dict]
    errors: dict[str, int]
    error_samples: list[str]
    memory: dict[str, dict]
    worker_restarts: int
    server_complaints: list[str]
    job_processes_left: int
    temp_folders_left: list[str]
    client_cpu_share: float
    megabytes_in: float
    burst: dict = field(default_factory=dict)
    preload: bool | None = None
    pss_mb: dict = field(default_factory=dict)  # the master's and workers' PSS summed, per stage
    downloads_refused: int = 0

    def as_json(self) -> dict:
        return self.__dict__


def summarise(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    ms = [v * 1000 for v in values]
    return {
        "count": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
    }


class Server:
    """gunicorn as the README runs it (or a server already running at ``url``), its log and its workers."""

    def __init__(self, args, log):
        self.args = args
        self.proc: subprocess.Popen | None = None
        self.log = log  # a file: a pipe nobody reads would fill and stop gunicorn
        self.base = args.url.rstrip("/") if args.url else None

    async def __aenter__(self) -> Server:
        import httpx

        if self.base is None:
            port = free_port()
            self.base = f"http://127.0.0.1:{port}"
            self.proc = start_gunicorn(
                Path(self.args.events).resolve(), self.args.workers, port, self.log, self.args.preload
            )
        async with httpx.AsyncClient(timeout=10) as probe:
            await wait_until_up(probe, self.base, self.proc, self.log)
        if self.proc is not None:
            await self.wait_for_workers(self.args.workers)
        return self

    async def wait_for_workers(self, count: int, timeout: float = 60.0) -> None:
        """Until the master has forked all ``count`` workers: one answering says nothing of the others.

        The first answer can come from the first worker forked while the master is still forking the
        next; memory read then ("start") named one worker of two.
        """
        assert self.proc is not None
        end = time.monotonic() + timeout
        while len(self.memory()) < count:
            if self.proc.poll() is not None:
                raise LoadTestError(f"gunicorn exited with {self.proc.returncode}:\n{log_tail(self.log)}")
            if time.monotonic() > end:
                raise LoadTestError(f"gunicorn forked {len(self.memory())} of {count} workers within {timeout:.0f} s")
            await asyncio.sleep(0.1)

    async def __aexit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def memory(self) -> dict[int, float]:
        return worker_memory(self.proc.pid) if self.proc is not None else {}

    def pss(self) -> float:
        return server_pss(self.proc.pid) if self.proc is not None else 0.0

    def job_processes(self) -> int:
        """Processes the workers started (background jobs) that are still running."""
        import psutil

        if self.proc is None:
            return 0
        try:
            workers = psutil.Process(self.proc.pid).children()
            jobs = [p for w in workers for p in w.children(recursive=True)]
            return sum(1 for p in jobs if p.status() != psutil.STATUS_ZOMBIE)
        except psutil.Error:
            return 0

    def tree_usage(self) -> dict:
        """The server's processes (workers, jobs, browsers) now: how many, how many Chromium, their memory (MB)."""
        import psutil

        if self.proc is None:
            return {}
        try:
            tree = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.Error:
            return {}
        usage = {"processes": 0, "chromium": 0, "rss_mb": 0.0, "uss_mb": 0.0}
        for p in tree:
            try:
                if p.status() == psutil.STATUS_ZOMBIE:
                    continue
                name = p.name().lower()
                full = p.memory_full_info()
            except psutil.Error:
                continue
            usage["processes"] += 1
            usage["chromium"] += int("chrom" in name)
            usage["rss_mb"] += full.rss / 2**20
            usage["uss_mb"] += full.uss / 2**20
        return usage

    def complaints(self) -> list[str]:
        if self.proc is None:
            return []
        self.log.flush()
        self.log.seek(0)
        return serious_log_lines(self.log.read())


async def run(args) -> Report:
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        try:
            async with Server(args, log) as server:
                return await drive(server, args)
        finally:
            if args.server_log:
                log.flush()
                log.seek(0)
                Path(args.server_log).write_text(log.read(), encoding="utf-8")


async def drive(server: Server, args) -> Report:
    import httpx

    rng = random.Random(args.seed)
    stats = Stats()
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    memory = {"start": server.memory()}
    temp_before = set(download_folders())
    samples: list[dict[int, float]] = []
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=6, max_keepalive_connections=6)  # a browser's per-host limit
    clients = [
        httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(REQUEST_TIMEOUT)) for _ in range(max(1, args.users))
    ]

    def analyst(k: int) -> Analyst:
        think = args.think
        return Analyst(
            clients[k % len(clients)], server.base, stats, random.Random(rng.random()), think, formats[k % len(formats)]
        )

    try:
        # Warm-up (errors count, timings do not): each worker builds its caches on its first requests.
        stats.recording = False
        warm = max(2, 2 * (args.workers or 1))
        await asyncio.gather(*(analyst(k).warm_up(ENTRIES[k % len(ENTRIES)]) for k in range(warm)))
        memory["after_warm_up"] = server.memory()
        pss = {"after_warm_up": server.pss()}
        sampler = asyncio.create_task(sample_memory(server, samples, stop))
        stats.recording = True
        started = time.monotonic()
        cpu0 = time.process_time()
        deadline = started + args.seconds
        ramp = min(args.ramp, args.seconds / 2)  # users arrive evenly over the ramp, then all stay to the end
        sessions = [
            analyst(k).session(
                started + ramp * k / args.users,
                deadline,
                started + ramp + rng.uniform(0.0, 0.8) * (args.seconds - ramp),
                ENTRIES[k % len(ENTRIES)],
            )
            for k in range(args.users)
        ]
        await asyncio.gather(*sessions)
        elapsed = time.monotonic() - started
        cpu = time.process_time() - cpu0
        stop.set()
        await sampler
        burst = await burst_downloads(server, args, stats, rng) if args.burst else {}
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    memory["end"] = server.memory()
    pss["end"] = server.pss()
    await asyncio.sleep(GRACE)  # a job that just answered may take a moment to exit and clean up
    jobs_left = server.job_processes()
    temp_left = sorted(set(download_folders()) - temp_before)
    peak: dict[int, float] = {}
    for sample in samples:
        for pid, mb in sample.items():
            peak[pid] = max(peak.get(pid, 0.0), mb)
    memory["peak"] = peak
    seen = {pid for sample in samples for pid in sample} | set(memory["end"])
    total = sum(len(v) for v in stats.latencies.values())
    elapsed = max(elapsed, 1e-9)
    return Report(
        users=args.users,
        seconds=round(elapsed, 1),
        ramp=ramp,
        workers=args.workers if args.url is None else None,
        think=args.think,
        formats=formats,
        requests=total,
        throughput=round(total / elapsed, 1),
        kinds={k: {**summarise(stats.latencies.get(k, [])), "errors": stats.errors.get(k, 0)} for k in KINDS},
        actions={a: summarise(stats.actions.get(a, [])) for a in ACTIONS},
        errors={k: v for k, v in stats.errors.items() if v},
        error_samples=stats.error_samples,
        memory={stage: {str(pid): round(mb, 1) for pid, mb in sorted(m.items())} for stage, m in memory.items() if m},
        worker_restarts=len(seen - set(memory["after_warm_up"])) if memory["after_warm_up"] else 0,
        server_complaints=server.complaints(),
        job_processes_left=jobs_left,
        temp_folders_left=temp_left,
        client_cpu_share=round(cpu / elapsed, 2),
        megabytes_in=round(stats.bytes_in / 2**20, 1),
        burst=burst,
        preload=args.preload if args.url is None else None,
        pss_mb={stage: round(mb, 1) for stage, mb in pss.items() if mb},
        downloads_refused=stats.refused,
    )


async def burst_downloads(server: Server, args, stats: Stats, rng: random.Random) -> dict:
    """``args.burst`` analysts press Download at once; the server's process tree sampled throughout."""
    import httpx

    limits = httpx.Limits(max_connections=6, max_keepalive_connections=6)
    clients = [httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(REQUEST_TIMEOUT)) for _ in range(args.burst)]
    pages = [
        Analyst(c, server.base, stats, random.Random(rng.random()), args.think, args.burst_format) for c in clients
    ]
    samples: list[dict] = []
    stop = asyncio.Event()

    async def sample() -> None:
        while not stop.is_set():
            samples.append(await asyncio.to_thread(server.tree_usage))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.2)

    async def one(page: Analyst) -> float:
        start = time.perf_counter()
        await page.download()
        return time.perf_counter() - start

    try:
        await asyncio.gather(*(page.load_page("") for page in pages))  # untimed: the pages are open
        before = server.tree_usage()
        sampler = asyncio.create_task(sample())
        errors_before = sum(stats.errors.values())
        times = await asyncio.gather(*(one(page) for page in pages))
        stop.set()
        await sampler
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    queued = [t for page in pages for t in page.progress_seen if t.lower().startswith("queued")]
    aheads = [int(m.group(1)) for t in queued if (m := re.search(r"(\d+) ahead", t))]
    return {
        "downloads": args.burst,
        "format": args.burst_format,
        "errors": sum(stats.errors.values()) - errors_before,
        "seconds_p50": round(percentile(list(times), 50), 2),
        "seconds_max": round(max(times), 2),
        "before": {k: round(v, 1) for k, v in before.items()},
        "peak": {k: round(max((s.get(k, 0) for s in samples), default=0), 1) for k in before},
        "pages_told_queued": sum(
            1 for page in pages if any(t.lower().startswith("queued") for t in page.progress_seen)
        ),
        "most_ahead": max(aheads, default=0),
        "queue_messages": sorted(set(queued))[:5],
    }


#: The URLs users arrive with: the plain page, or a shared link (any events file has both lane modes).
ENTRIES = ["", "", "?lanes=side"]


# ---------------------------------------------------------------- printing


def print_memory(report: Report) -> None:
    """The workers' resident memory per stage and the server's PSS."""
    if report.memory:
        print("\ngunicorn workers' resident memory (MB):")
        for stage in ("start", "after_warm_up", "peak", "end"):
            if stage in report.memory:
                values = report.memory[stage]
                print(f"  {stage:<14}" + "  ".join(f"pid {pid}: {mb:.0f}" for pid, mb in values.items()))
        print(f"  worker restarts during the run: {report.worker_restarts}")
    if report.pss_mb:
        print(
            "the server's proportional set size (master and workers, summed; "
            + ("data preloaded in the master and shared" if report.preload else "each worker loads its own data")
            + "): "
            + ", ".join(f"{stage.replace('_', ' ')} {mb:,.0f} MB" for stage, mb in report.pss_mb.items())
        )


def print_report(report: Report) -> None:
    print(
        f"load test: {report.users} users for {report.seconds} s against "
        + (f"gunicorn -w {report.workers}" if report.workers else "the given server")
        + f"; arriving over {report.ramp:g} s; think {report.think[0]:g}-{report.think[1]:g} s"
        + f"; downloads: {', '.join(report.formats)}"
    )
    print(
        f"requests: {report.requests:,}  throughput: {report.throughput} req/s  received: {report.megabytes_in} MB  "
        f"client CPU: {report.client_cpu_share:.0%} of a core"
    )
    print(f"\n{'kind':<13}{'count':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind, s in report.kinds.items():
        if s["count"]:
            print(
                f"{kind:<13}{s['count']:>7}{s['errors']:>8}{s['p50_ms']:>9.0f}{s['p95_ms']:>9.0f}"
                f"{s['p99_ms']:>9.0f}{s['max_ms']:>9.0f}"
            )
        else:
            print(f"{kind:<13}{0:>7}{s['errors']:>8}")
    print(f"\n{'action':<13}{'count':>7}{'p50 ms':>17}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for action, s in report.actions.items():
        if s["count"]:
            print(
                f"{action:<13}{s['count']:>7}{s['p50_ms']:>17.0f}{s['p95_ms']:>9.0f}{s['p99_ms']:>9.0f}"
                f"{s['max_ms']:>9.0f}"
            )
    if report.downloads_refused:
        print(
            f"\ndownloads refused as past the page's limit (the app's answer, not an error): {report.downloads_refused}"
        )
    total_errors = sum(report.errors.values())
    print(f"\nerrors: {total_errors}" + (f" {dict(report.errors)}" if total_errors else ""))
    for sample in report.error_samples[:10]:
        print("  " + sample)
    print_memory(report)
    if report.burst:
        b = report.burst
        print(
            f"\nburst: {b['downloads']} {b['format']} downloads at once: {b['errors']} errors, "
            f"p50 {b['seconds_p50']} s, slowest {b['seconds_max']} s"
        )
        for stage in ("before", "peak"):
            u = b[stage]
            print(
                f"  {stage:<7} processes {u.get('processes', 0):.0f} (Chromium {u.get('chromium', 0):.0f})  "
                f"resident {u.get('rss_mb', 0):,.0f} MB  unique {u.get('uss_mb', 0):,.0f} MB"
            )
        print(f"  pages told they were queued: {b['pages_told_queued']}, the most ahead: {b['most_ahead']}")
        for text in b["queue_messages"]:
            print(f"    {text}")
    print(f"background job processes still running at the end: {report.job_processes_left}")
    print(f"download folders left in {tempfile.gettempdir()}: {len(report.temp_folders_left)}")
    if report.server_complaints:
        print(f"\ngunicorn's log: {len(report.server_complaints)} complaint(s), the first:")
        for line in report.server_complaints[:10]:
            print("  " + line[:300])


def parse_think(text: str) -> tuple[float, float]:
    low, _, high = text.partition(":")
    a, b = float(low), float(high or low)
    if a < 0 or b < a:
        raise argparse.ArgumentTypeError("think time is MIN:MAX seconds, 0 <= MIN <= MAX")
    return a, b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (-w)")
    parser.add_argument("--events", default=str(ROOT / "events.yaml"), help="CONFLICTMAP_EVENTS for gunicorn")
    parser.add_argument(
        "--preload",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="gunicorn --preload, as the README runs it: the data loaded once and shared by the workers "
        "(--no-preload: each worker loads its own)",
    )
    parser.add_argument("--url", help="a server already running (no gunicorn started; memory not measured)")
    parser.add_argument(
        "--think",
        type=parse_think,
        default=(1.0, 5.0),
        help="seconds between an analyst's actions, MIN:MAX (uniform; default 1:5, as in locust's examples)",
    )
    parser.add_argument(
        "--ramp", type=float, default=10.0, help="users arrive evenly over this many seconds (0: all at once)"
    )
    parser.add_argument(
        "--formats",
        default="csv,geojson",
        help=f"download formats, one per user in turn (fast: {', '.join(FAST_FORMATS)}; html about 1.5 s; "
        f"{', '.join(LONG_FORMATS)} 20-30 s each)",
    )
    parser.add_argument(
        "--burst", type=int, default=0, help="after the run, this many analysts press Download at the same instant"
    )
    parser.add_argument("--burst-format", default="html", help="the burst's download format (default html)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server-log", help="keep gunicorn's log (and the app's) in this file")
    parser.add_argument("--json", help="also write the report as JSON to this file")
    args = parser.parse_args(argv)
    if args.users < 0 or args.seconds <= 0 or args.burst < 0 or (args.users == 0 and not args.burst):
        parser.error("--seconds must be positive, and --users (or --users 0 with --burst) not negative")
    try:
        report = asyncio.run(run(args))
    except LoadTestError as exc:
        print(f"load_test: {exc}", file=sys.stderr)
        return 1
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report.as_json(), indent=2), encoding="utf-8")
    return 1 if report.errors or report.server_complaints else 0


if __name__ == "__main__":
    sys.exit(main())
