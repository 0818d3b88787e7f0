"""One self-contained HTML page: the linked map and timeline, offline from disk.

plotly.js is inlined; the base map TopoJSON is inlined into
``window.PlotlyGeoAssets.topojson`` (plotly.js's geo subplot uses it instead of
fetching ``topojsonURL``); the figures, events and briefing steps travel as
one JSON block. The page script renders every user string with
``textContent``, never ``innerHTML``.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import plotly.io as pio
from plotly.offline import get_plotlyjs

from conflictmap.briefing import Briefing
from conflictmap.output import atomic_path
from conflictmap.table import Dataset
from conflictmap.view import ViewState
from dashboard.detail import PRECISION_TEXT
from dashboard.exports.common import (
    TOPOJSON_DIR,
    attribution,
    event_record,
    markdown_to_text,
    placed,
    plain,
    visible_events,
)
from dashboard.exports.errors import ExportError
from dashboard.figures import date_text, map_figure, place_text, timeline_figure
from dashboard.towns import town_labels

PAGE = Path(__file__).resolve().parent / "page"  # the page's HTML, CSS and script
FACTION_METAS = ("events", "span", "lead-in", "halo", "movement")


def _script_safe(text: str) -> str:
    """JSON/JS text that cannot close its <script> element."""
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _trace_factions(dataset: Dataset, fig: dict) -> list:
    """The faction each trace draws (by its name or colour), None for base-map layers."""
    by_name = {row["name"]: fid for fid, row in dataset.factions.iterrows()}
    by_rgb = {}
    for fid, row in dataset.factions.iterrows():
        h = str(row["colour"]).lstrip("#")
        by_rgb[tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))] = fid
    out = []
    for tr in fig["data"]:
        if tr.get("meta") not in FACTION_METAS:
            out.append(None)
            continue
        if tr.get("meta") == "events" and tr.get("name") in by_name:
            out.append(by_name[tr["name"]])
            continue
        colour = (tr.get("line") or {}).get("color") or (tr.get("marker") or {}).get("color") or ""
        out.append(_match_colour(colour, by_rgb))
    return out


def _match_colour(colour, by_rgb):
    if not isinstance(colour, str):
        return None
    if colour.startswith("#") and len(colour) == 7:
        rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    else:
        m = re.match(r"rgba?\((\d+),\s*(\d+),\s*(\d+)", colour)
        if not m:
            return None
        rgb = tuple(int(x) for x in m.groups())
    return by_rgb.get(rgb)


def _fig_json(fig) -> dict:
    return _finite(json.loads(pio.to_json(fig, validate=False)))


def _finite(x):
    """NaN/inf -> None throughout (plotly treats null as a gap, as it does NaN); typed arrays -> lists."""
    if (isinstance(x, float) and x != x) or x in (float("inf"), float("-inf")):
        return None
    if isinstance(x, dict):
        if "bdata" in x and "dtype" in x:  # plotly's base64 typed array: plain numbers the page script can index
            import base64

            import numpy as np

            arr = np.frombuffer(base64.b64decode(x["bdata"]), dtype=np.dtype(x["dtype"]))
            if x.get("shape"):
                arr = arr.reshape([int(n) for n in str(x["shape"]).split(",")])
            return _finite(arr.tolist())
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x


def _view(dataset: Dataset, state: ViewState, label: str, text: str, featured=(), towns=None) -> dict:
    visible = visible_events(dataset, state)
    bare = state.replace(event=None)  # the page draws its own selection ring
    mfig = map_figure(dataset, visible, bare, towns, featured=tuple(featured))
    mfig.update_layout(height=560, uirevision=None)
    tfig = timeline_figure(dataset, visible, bare, featured=tuple(featured))
    tfig.update_layout(uirevision=None)
    m, t = _fig_json(mfig), _fig_json(tfig)
    return {
        "label": label,
        "text": text,
        "event": state.event,
        "featured": list(featured),
        "visible": list(visible.index),
        "map": m,
        "timeline": t,
        "mapFactions": _trace_factions(dataset, m),
        "timelineFactions": _trace_factions(dataset, t),
    }


def page_data(dataset: Dataset, state: ViewState, briefing: Briefing | None) -> dict:
    attr = attribution(dataset)
    towns = town_labels(placed(dataset.events) if len(placed(dataset.events)) else dataset.events)
    events = {}
    for eid, row in dataset.events.iterrows():
        rec = event_record(dataset, eid, row)
        rec["date_text"] = date_text(row)
        rec["place_text"] = place_text(row)
        rec["place_precision_text"] = plain(PRECISION_TEXT.get(row["place_precision"], row["place_precision"]))
        events[eid] = rec
    views = [
        _view(
            dataset,
            state,
            "Overview" if briefing else ("Filtered view" if state.is_filtered else "All events"),
            "",
            towns=towns,
        )
    ]
    if briefing:
        for k, step in enumerate(briefing.steps, 1):
            views.append(
                _view(
                    dataset,
                    step.view_state(),
                    f"Step {k} of {len(briefing.steps)}: {step.heading}",
                    markdown_to_text(step.text),
                    featured=step.events,
                    towns=towns,
                )
            )
    return {
        "title": briefing.title if briefing else dataset.title,
        "summary": markdown_to_text(briefing.summary) if briefing and briefing.summary else "",
        "attribution": attr.lines(with_map=True) + ["Charts: plotly.js (MIT licence)."],
        "factions": [
            {"id": fid, "name": r["name"], "colour": r["colour"], "side": r["side"]}
            for fid, r in dataset.factions.iterrows()
        ],
        "events": events,
        "views": views,
        "start": 0,
    }


def _topojson_script() -> str:
    parts = [
        "window.PlotlyGeoAssets = window.PlotlyGeoAssets || {};",
        "window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};",
    ]
    for name in ("world_50m", "world_110m"):
        f = TOPOJSON_DIR / f"{name}.json"
        if not f.exists():
            raise ExportError(f"{f}: base map TopoJSON missing (run python scripts/fetch_basemap.py)")
        parts.append(
            f"window.PlotlyGeoAssets.topojson[{json.dumps(name)}] = {_script_safe(f.read_text(encoding='utf-8'))};"
        )
    return "\n".join(parts)


def build_html(dataset: Dataset, state: ViewState | None = None, briefing: Briefing | None = None) -> str:
    data = page_data(dataset, state or ViewState(), briefing)
    plotlyjs = get_plotlyjs()
    if "</script" in plotlyjs.lower():
        raise ExportError("the bundled plotly.js cannot be inlined safely (contains </script>)")
    payload = _script_safe(json.dumps(_finite(data), ensure_ascii=False, allow_nan=False, default=str))
    template, css, app_js = (
        (PAGE / name).read_text(encoding="utf-8") for name in ("template.html", "page.css", "page.js")
    )
    return (
        template.replace("%%TITLE%%", html.escape(data["title"]))
        .replace("%%CSS%%", css)
        .replace("%%GEO%%", _topojson_script())
        .replace("%%DATA%%", payload)
        .replace("%%APP%%", app_js)
        .replace("%%PLOTLYJS%%", plotlyjs)
    )  # last: the bundle must not be scanned for markers


def write_html(dataset: Dataset, out: Path, state: ViewState, briefing: Briefing | None, protect) -> list[Path]:
    text = build_html(dataset, state, briefing)
    with atomic_path(out, protect) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return [out]
