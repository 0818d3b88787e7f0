"""One self-contained HTML page: the linked map and timeline, offline from disk.

plotly.js (which bundles MapLibre) is inlined; the map's style travels in
the page with its sources inlined; the icon sprite is inlined as a PNG data
URL and handed to MapLibre image by image as it asks for them (a style's
``sprite`` must be a URL the page could fetch, which a file on disk cannot).
MapLibre parses its sources in a web worker it creates from a blob: URL; the
page's Content-Security-Policy allows exactly that (``worker-src blob:``).
The figures, events and briefing steps travel as one JSON block, and the
page script renders every user string with ``textContent``, never
``innerHTML``.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

from plotly.offline import get_plotlyjs

from conflictmap.briefing import Briefing
from conflictmap.exports.common import (
    attribution,
    event_record,
    markdown_to_text,
    plain,
    visible_events,
)
from conflictmap.exports.errors import ExportError
from conflictmap.output import atomic_path
from conflictmap.places import event_place_keys, keys_of, story_places
from conflictmap.table import Dataset
from conflictmap.view import ViewState, rows_with_text
from conflictmap.wording import date_text, place_text
from dashboard.detail import PRECISION_TEXT
from dashboard.exports.composite import camera_for
from dashboard.mapfigure import frame_bounds, map_traces, placed_events
from dashboard.mapstyle import BASEMAP_DIR, inline_source, map_style
from dashboard.plotconfig import EXPORT_TIMELINE_CONFIG, MAP_CONFIG
from dashboard.timeline import axis_range, timeline_figure

PAGE = Path(__file__).resolve().parent / "page"  # the page's HTML, CSS and script


def _script_safe(text: str) -> str:
    """JSON/JS text that cannot close its <script> element."""
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


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


def _view(dataset: Dataset, state: ViewState, label: str, text: str, featured=()) -> dict:
    visible = visible_events(dataset, state)
    centre, zoom = camera_for(dataset, visible, featured, width=1000, height=560)
    traces, layers = map_traces(dataset, visible, zoom=zoom, featured=tuple(featured))
    lanes = timeline_figure(
        dataset,
        visible,
        state.replace(event=None),
        featured=tuple(featured),
        ticks=True,
        x_range=axis_range(dataset, state),
    )
    lanes["layout"]["uirevision"] = None
    framed = placed_events(visible)
    if featured and framed.index.isin(list(featured)).any():
        framed = framed[framed.index.isin(list(featured))]
    return {
        "label": label,
        "text": text,
        "event": state.event,
        "featured": list(featured),
        "visible": list(visible.index),
        "keys": keys_of(visible),
        "bounds": frame_bounds(framed),
        "map": _finite(
            {
                "data": traces,
                "layout": {"map": {"center": {"lat": centre[0], "lon": centre[1]}, "zoom": zoom, "layers": layers}},
            }
        ),
        "timeline": _finite(lanes),
    }


def page_data(dataset: Dataset, state: ViewState, briefing: Briefing | None) -> dict:
    keys = event_place_keys(dataset)
    attr = attribution(dataset)
    events = {}
    for eid, row in rows_with_text(dataset, dataset.events):
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
                )
            )
    return {
        "title": briefing.title if briefing else dataset.title,
        "summary": markdown_to_text(briefing.summary) if briefing and briefing.summary else "",
        "attribution": attr.lines(with_map=True) + ["Charts: plotly.js (MIT licence)."],
        "plotConfig": {"map": MAP_CONFIG, "timeline": EXPORT_TIMELINE_CONFIG},
        "factions": [
            {"id": fid, "name": r["name"], "colour": r["colour"], "side": r["side"]}
            for fid, r in dataset.factions.iterrows()
        ],
        "events": events,
        "views": views,
        "start": 0,
        "style": map_style(story_places(dataset), _page_source),
        "sprite": _sprite(),
        "placeKeys": {
            eid: [k for k in (p, d) if isinstance(k, str)]
            for eid, p, d in zip(keys.index, keys["place_key"], keys["dest_key"])
        },
    }


def _page_source(name: str):
    """Base-map sources inside the page; the sprite goes separately (see the module docstring)."""
    return None if name == "sprite" else inline_source(name)


def _sprite() -> dict:
    index = json.loads((BASEMAP_DIR / "sprite@2x.json").read_text(encoding="utf-8"))
    png = base64.b64encode((BASEMAP_DIR / "sprite@2x.png").read_bytes()).decode("ascii")
    return {"png": "data:image/png;base64," + png, "index": index}


# plotly.js opens with "/**\n* plotly.js v4.1.1\n* Copyright ...": the line scanners read a version from.
# The copyright and licence lines below it stay (the MIT licence asks for them).
PLOTLYJS_BANNER = re.compile(r"\A(\s*/\*\*?\s*\n\s*\*\s*plotly\.js) v[0-9][\w.+-]*")


def plotlyjs_without_banner_version() -> str:
    """The bundled plotly.js, its opening banner naming no version.

    The code itself still holds version strings (``Plotly.version``, the
    licence URLs of what it bundles): a copy of a library carries them, and
    rewriting code is not robust. README "Production" says what remains."""
    return PLOTLYJS_BANNER.sub(r"\1", get_plotlyjs(), count=1)


def build_html(dataset: Dataset, state: ViewState | None = None, briefing: Briefing | None = None) -> str:
    data = page_data(dataset, state or ViewState(), briefing)
    plotlyjs = plotlyjs_without_banner_version()
    if "</script" in plotlyjs.lower():
        raise ExportError("the bundled plotly.js cannot be inlined safely (contains </script>)")
    payload = _script_safe(json.dumps(_finite(data), ensure_ascii=False, allow_nan=False, default=str))
    template, css, app_js, file_worker = (
        (PAGE / name).read_text(encoding="utf-8") for name in ("template.html", "page.css", "page.js", "file-worker.js")
    )
    return (
        template.replace("%%TITLE%%", html.escape(data["title"]))
        .replace("%%CSS%%", css)
        .replace("%%DATA%%", payload)
        .replace("%%APP%%", app_js)
        .replace("%%FILEWORKER%%", file_worker)
        .replace("%%PLOTLYJS%%", plotlyjs)
    )  # last: the bundle must not be scanned for markers


def write_html(dataset: Dataset, out: Path, state: ViewState, briefing: Briefing | None, protect) -> list[Path]:
    text = build_html(dataset, state, briefing)
    with atomic_path(out, protect) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return [out]
