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
from dashboard.exports.common import (TOPOJSON_DIR, attribution, event_record, markdown_to_text, placed, plain,
                                      visible_events)
from dashboard.exports.errors import ExportError
from dashboard.figures import date_text, map_figure, place_text, timeline_figure
from dashboard.towns import town_labels

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
        by_rgb[tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))] = fid
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
        rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
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
    if isinstance(x, float) and x != x or x in (float("inf"), float("-inf")):
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
    return {"label": label, "text": text, "event": state.event, "featured": list(featured),
            "visible": list(visible.index), "map": m, "timeline": t,
            "mapFactions": _trace_factions(dataset, m), "timelineFactions": _trace_factions(dataset, t)}


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
    views = [_view(dataset, state, "Overview" if briefing else ("Filtered view" if state.is_filtered else "All events"),
                   "", towns=towns)]
    if briefing:
        for k, step in enumerate(briefing.steps, 1):
            views.append(_view(dataset, step.view_state(), f"Step {k} of {len(briefing.steps)}: {step.heading}",
                               markdown_to_text(step.text), featured=step.events, towns=towns))
    return {
        "title": briefing.title if briefing else dataset.title,
        "summary": markdown_to_text(briefing.summary) if briefing and briefing.summary else "",
        "attribution": attr.lines(with_map=True) + ["Charts: plotly.js (MIT licence)."],
        "factions": [{"id": fid, "name": r["name"], "colour": r["colour"], "side": r["side"]}
                     for fid, r in dataset.factions.iterrows()],
        "events": events, "views": views, "start": 0,
    }


def _topojson_script() -> str:
    parts = ["window.PlotlyGeoAssets = window.PlotlyGeoAssets || {};",
             "window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};"]
    for name in ("world_50m", "world_110m"):
        f = TOPOJSON_DIR / f"{name}.json"
        if not f.exists():
            raise ExportError(f"{f}: base map TopoJSON missing (run python scripts/fetch_basemap.py)")
        parts.append(f"window.PlotlyGeoAssets.topojson[{json.dumps(name)}] = "
                     f"{_script_safe(f.read_text(encoding='utf-8'))};")
    return "\n".join(parts)


def build_html(dataset: Dataset, state: ViewState = ViewState(), briefing: Briefing | None = None) -> str:
    data = page_data(dataset, state, briefing)
    plotlyjs = get_plotlyjs()
    if "</script" in plotlyjs.lower():
        raise ExportError("the bundled plotly.js cannot be inlined safely (contains </script>)")
    payload = _script_safe(json.dumps(_finite(data), ensure_ascii=False, allow_nan=False, default=str))
    return (TEMPLATE
            .replace("%%TITLE%%", html.escape(data["title"]))
            .replace("%%CSS%%", CSS)
            .replace("%%GEO%%", _topojson_script())
            .replace("%%DATA%%", payload)
            .replace("%%APP%%", APP_JS)
            .replace("%%PLOTLYJS%%", plotlyjs))  # last: the bundle must not be scanned for markers


def write_html(dataset: Dataset, out: Path, state: ViewState, briefing: Briefing | None, protect) -> list[Path]:
    text = build_html(dataset, state, briefing)
    with atomic_path(out, protect) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return [out]


TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:">
<title>%%TITLE%%</title>
<style>%%CSS%%</style>
<script>%%GEO%%</script>
<script>%%PLOTLYJS%%</script>
</head>
<body>
<header>
  <h1 id="page-title"></h1>
  <p id="page-summary"></p>
  <nav id="steps" aria-label="Briefing steps" hidden>
    <button type="button" id="prev-step">&#9664; Previous</button>
    <span id="step-label" aria-live="polite"></span>
    <button type="button" id="next-step">Next &#9654;</button>
  </nav>
  <div id="step-text"></div>
  <fieldset id="faction-filter"><legend>Factions shown</legend></fieldset>
</header>
<main>
  <section id="views">
    <div id="map" class="plot" role="img" aria-label="Map of the events"></div>
    <div id="timeline" class="plot" role="img" aria-label="Timeline of the events"></div>
  </section>
  <aside id="details" aria-live="polite"><p class="detail-empty">Click an event on the map or the timeline to see its details and sources.</p></aside>
</main>
<footer id="attribution"></footer>
<script type="application/json" id="conflictmap-data">%%DATA%%</script>
<script>%%APP%%</script>
</body>
</html>
"""

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 0; color: #1b1b1b; background: #fff; }
header { padding: 12px 20px 4px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
#page-summary { margin: 0 0 8px; color: #444; }
#steps { display: flex; gap: 12px; align-items: center; margin: 6px 0; }
#steps button { font-size: 1rem; padding: 4px 12px; }
#step-label { font-weight: 600; }
#step-text p { margin: 4px 0; max-width: 70em; }
#faction-filter { border: 1px solid #ccc; display: flex; flex-wrap: wrap; gap: 14px; padding: 4px 10px; margin: 8px 0; }
#faction-filter label { display: inline-flex; align-items: center; gap: 4px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
main { display: grid; grid-template-columns: minmax(0, 1fr) 26rem; gap: 12px; padding: 0 20px; }
#details { border-left: 1px solid #ddd; padding: 0 12px; max-height: 1200px; overflow-y: auto; }
#details blockquote { margin: 8px 0; padding: 6px 10px; border-left: 4px solid #999; background: #f6f6f6; }
#details .cite, #details .basis, #details .event-id { color: #444; font-size: .9rem; }
#details dt { font-weight: 600; margin-top: 6px; }
#details dd { margin-left: 0; }
footer { padding: 10px 20px 20px; color: #444; font-size: .85rem; border-top: 1px solid #ddd; margin-top: 12px; }
footer p { margin: 2px 0; }
@media (max-width: 1000px) { main { grid-template-columns: 1fr; } #details { border-left: 0; } }
"""

APP_JS = r"""
(function () {
  'use strict';
  const DATA = JSON.parse(document.getElementById('conflictmap-data').textContent);
  const CONFIG = {responsive: true, displaylogo: false, scrollZoom: true, topojsonURL: './'};
  const mapEl = document.getElementById('map');
  const tlEl = document.getElementById('timeline');
  const hidden = new Set();
  let current = DATA.start || 0;
  let selected = null;

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function clone(x) { return JSON.parse(JSON.stringify(x)); }

  document.getElementById('page-title').textContent = DATA.title;
  document.getElementById('page-summary').textContent = DATA.summary || '';
  const footer = document.getElementById('attribution');
  for (const line of DATA.attribution) footer.appendChild(el('p', line));

  const filter = document.getElementById('faction-filter');
  for (const f of DATA.factions) {
    const label = el('label');
    const box = document.createElement('input');
    box.type = 'checkbox'; box.checked = true; box.id = 'faction-' + f.id; box.value = f.id;
    box.addEventListener('change', () => { if (box.checked) hidden.delete(f.id); else hidden.add(f.id); applyFilter(); });
    const sw = el('span', null, 'swatch'); sw.style.background = f.colour;
    label.appendChild(box); label.appendChild(sw); label.appendChild(document.createTextNode(f.name));
    filter.appendChild(label);
  }

  function ringTrace(kind) {
    const base = {mode: 'markers', hoverinfo: 'skip', showlegend: false, meta: 'cm-ring',
                  marker: {size: 32, symbol: 'circle-open', color: '#1b1b1b', line: {width: 3, color: '#1b1b1b'}}};
    if (kind === 'geo') return Object.assign(base, {type: 'scattergeo', lat: [null], lon: [null]});
    return Object.assign(base, {type: 'scatter', x: [null], y: [null]});
  }

  function idOf(point) {
    const c = point.customdata;
    const id = Array.isArray(c) ? c[0] : c;
    return (typeof id === 'string' && Object.prototype.hasOwnProperty.call(DATA.events, id)) ? id : null;
  }

  function traceFactions(gd) { return gd === mapEl ? DATA.views[current].mapFactions : DATA.views[current].timelineFactions; }

  function applyFilter() {
    for (const gd of [mapEl, tlEl]) {
      const factions = traceFactions(gd);
      const idx = [], vis = [];
      factions.forEach((f, i) => { if (f) { idx.push(i); vis.push(!hidden.has(f)); } });
      if (idx.length) Plotly.restyle(gd, {visible: vis}, idx);
    }
    if (selected && hidden.has(DATA.events[selected].primary_faction)) select(null);
  }

  function highlight(gd, id) {
    const idx = [], sp = [];
    let where = null;
    gd.data.forEach((tr, i) => {
      if (tr.meta !== 'events') return;
      const k = id ? (tr.customdata || []).indexOf(id) : -1;
      idx.push(i); sp.push(id ? (k >= 0 ? [k] : []) : null);
      if (k >= 0) where = tr.type === 'scattergeo' ? {lat: [tr.lat[k]], lon: [tr.lon[k]]} : {x: [tr.x[k]], y: [tr.y[k]]};
    });
    if (idx.length) Plotly.restyle(gd, {selectedpoints: sp}, idx);
    const ring = gd.data.findIndex(tr => tr.meta === 'cm-ring');
    if (ring >= 0) {
      const geo = gd.data[ring].type === 'scattergeo';
      const pos = where || (geo ? {lat: [null], lon: [null]} : {x: [null], y: [null]});
      const update = {};
      for (const k of Object.keys(pos)) update[k] = [pos[k]];
      Plotly.restyle(gd, update, [ring]);
    }
    return where !== null;
  }

  function select(id) {
    selected = id;
    document.body.dataset.selected = id || '';
    const onMap = highlight(mapEl, id);
    const onTl = highlight(tlEl, id);
    document.body.dataset.selectedOnMap = String(onMap);
    document.body.dataset.selectedOnTimeline = String(onTl);
    renderDetails(id);
  }

  function renderDetails(id) {
    const box = document.getElementById('details');
    box.replaceChildren();
    if (!id) { box.appendChild(el('p', 'Click an event on the map or the timeline to see its details and sources.', 'detail-empty')); return; }
    const ev = DATA.events[id];
    box.appendChild(el('h2', ev.title)).id = 'detail-title';
    const dl = el('dl', null, 'facts');
    function item(label, ...values) {
      dl.appendChild(el('dt', label));
      const dd = el('dd');
      values.forEach((v, i) => { if (v === null || v === undefined || v === '') return; if (i) dd.appendChild(document.createElement('br')); dd.appendChild(i ? el('small', v, 'basis') : document.createTextNode(v)); });
      dl.appendChild(dd);
    }
    item('When', ev.date_text, 'Date basis: ' + ev.date_basis);
    item('Type', ev.type_label + (ev.sub_type ? ' — ' + ev.sub_type : ''));
    item('Where', ev.place_text + (ev.place_name && ev.place_precision_text ? ' — ' + ev.place_precision_text : ''),
         ev.map_lat !== null && ev.map_lat !== undefined ? ev.map_lat.toFixed(4) + ', ' + ev.map_lon.toFixed(4) + (ev.map_radius_km ? ' ± ' + Math.round(ev.map_radius_km) + ' km' : '') : 'not on the map',
         ev.place_note);
    dl.appendChild(el('dt', 'Who'));
    const ul = el('ul', null, 'actors');
    for (const a of ev.actors) ul.appendChild(el('li', a.name + ' (' + a.role + ')'));
    const dd = el('dd'); dd.appendChild(ul); dl.appendChild(dd);
    item('Confidence', ev.confidence);
    box.appendChild(dl);
    box.appendChild(el('p', ev.description, 'description'));
    box.appendChild(el('h3', 'Sources'));
    for (const s of ev.sources) {
      const div = el('div', null, 'source');
      div.appendChild(el('blockquote', s.quote, 'quote'));
      div.appendChild(el('p', s.publisher + ', “' + s.doc_title + '”, ' + s.published + ', paragraph ' + s.paragraph, 'cite'));
      if (s.note) div.appendChild(el('p', s.note, 'basis'));
      box.appendChild(div);
    }
    box.appendChild(el('p', 'Event id: ' + id, 'event-id'));
  }

  function onClick(ev) {
    for (const p of (ev && ev.points) || []) { const id = idOf(p); if (id) { select(id); return; } }
  }

  function show(k) {
    current = Math.max(0, Math.min(DATA.views.length - 1, k));
    const v = DATA.views[current];
    const m = clone(v.map), t = clone(v.timeline);
    m.data.push(ringTrace('geo')); t.data.push(ringTrace('xy'));
    v.mapFactions.length = m.data.length - 1; v.timelineFactions.length = t.data.length - 1;
    Promise.all([Plotly.react(mapEl, m.data, m.layout, CONFIG), Plotly.react(tlEl, t.data, t.layout, CONFIG)]).then(() => {
      document.getElementById('step-label').textContent = v.label;
      const text = document.getElementById('step-text');
      text.replaceChildren();
      for (const para of (v.text || '').split(/\n\n+/)) if (para) text.appendChild(el('p', para));
      document.getElementById('prev-step').disabled = current === 0;
      document.getElementById('next-step').disabled = current === DATA.views.length - 1;
      applyFilter();
      select(v.event && DATA.events[v.event] ? v.event : null);
      document.body.dataset.view = String(current);
      document.body.dataset.ready = 'true';
    });
  }

  if (DATA.views.length > 1) {
    document.getElementById('steps').hidden = false;
    document.getElementById('prev-step').addEventListener('click', () => show(current - 1));
    document.getElementById('next-step').addEventListener('click', () => show(current + 1));
  }
  show(current);
  mapEl.on('plotly_click', onClick);
  tlEl.on('plotly_click', onClick);
})();
"""
