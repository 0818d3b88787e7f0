"""Measure what MapLibre placed on the map: every label box against every other label, mark and map button.

MapLibre keeps the boxes it placed in its collision index (one box per label's
text, per icon). Read in the browser (``PLACED_BOXES_JS``), each box names its
layer: the plotly trace layers are the event marks (icons, badges, arrowheads),
the style's symbol layers are labels (their small icons, the place and town
dots, are told apart by size). Cluster badges are circle layers, which the
index does not hold: their circles are read from the figure. ``overlaps``
then counts, in page pixels:

* a label over another label,
* a label over a mark (an event icon, a badge, an arrowhead),
* a label under the map's furniture (the Key, the Fit button, the scale bar,
  plotly's toolbar) or cut by the map's edge.

Used by the browser tests and by ``scripts/screenshot.py`` (which prints the
counts beside each picture).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Returns {boxes: [{layer, text, kind, x1, y1, x2, y2}], furniture: [{name, x1, y1, x2, y2}], width, height}
#: in the map canvas's CSS pixels.
PLACED_BOXES_JS = """
  const gd = document.querySelector('#map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const placement = map.style.placement;
  const index = placement.collisionIndex;
  const pad = index.viewportPadding !== undefined ? index.viewportPadding : 100;
  const layerOf = {};
  const managers = map.style.tileManagers || map.style.sourceCaches || {};
  for (const id of Object.keys(managers)) {
    const m = managers[id];
    const ids = m.getIds ? m.getIds() : Object.keys(m._tiles || {});
    for (const tid of ids) {
      const tile = m.getTileByID ? m.getTileByID(tid) : m._tiles[tid];
      const buckets = (tile && tile.buckets) || {};
      for (const name of Object.keys(buckets)) {
        const b = buckets[name];
        if (b && b.bucketInstanceId !== undefined) layerOf[b.bucketInstanceId] = b.layerIds[0];
      }
    }
  }
  const grid = index.grid;
  const boxes = [];
  for (let k = 0; k < grid.boxKeys.length; k++) {
    const key = grid.boxKeys[k];
    const layer = layerOf[key.bucketInstanceId];
    if (!layer) continue;
    const x1 = grid.bboxes[4 * k] - pad, y1 = grid.bboxes[4 * k + 1] - pad;
    const x2 = grid.bboxes[4 * k + 2] - pad, y2 = grid.bboxes[4 * k + 3] - pad;
    const mark = layer.indexOf('plotly-trace-layer') === 0;
    const small = (x2 - x1) <= 22 && Math.abs((x2 - x1) - (y2 - y1)) < 3;  // a place or town dot
    boxes.push({layer: layer, id: key.bucketInstanceId + ':' + key.featureIndex,
                kind: mark ? 'mark' : (small ? 'dot' : 'label'), x1: x1, y1: y1, x2: x2, y2: y2});
  }
  // Badges are circle layers, outside the collision index: their circles, from the figure.
  for (const t of (gd.data || [])) {
    if (t.meta !== 'cluster') continue;
    const sizes = (t.marker || {}).size;
    for (let i = 0; i < (t.lat || []).length; i++) {
      const p = map.project([t.lon[i], t.lat[i]]);
      const r = 0.8 * (Array.isArray(sizes) ? sizes[i] : sizes) / 2;  // the square inside the circle, about
      boxes.push({layer: 'badge', id: 'badge:' + i, kind: 'mark', x1: p.x - r, y1: p.y - r, x2: p.x + r, y2: p.y + r});
    }
  }
  const canvas = map.getCanvas().getBoundingClientRect();
  const furniture = [];
  const named = {'map-key': '#map-key', 'fit': '#fit-map', 'scale-bar': '#scale-bar',
                 'modebar': '#map .modebar-container .modebar'};
  for (const name of Object.keys(named)) {
    const el = document.querySelector(named[name]);
    if (!el || el.offsetParent === null) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    furniture.push({name: name, x1: r.left - canvas.left, y1: r.top - canvas.top,
                    x2: r.right - canvas.left, y2: r.bottom - canvas.top});
  }
  return {boxes: boxes, furniture: furniture, width: canvas.width, height: canvas.height};
"""

#: Labels' text read from the rendered features, by layer and position, to name what overlaps.
LABEL_TEXT_JS = """
  const gd = document.querySelector('#map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  return map.queryRenderedFeatures()
    .filter(f => f.layer.type === 'symbol' && f.layer.id.indexOf('plotly-trace-layer') !== 0)
    .map(f => {
      const c = f.geometry.type === 'Point' ? f.geometry.coordinates : null;
      const p = c ? map.project(c) : null;
      return {layer: f.layer.id, text: f.properties.label || f.properties.name, x: p && p.x, y: p && p.y};
    });
"""

#: Tolerance in pixels: boxes that touch by a pixel (MapLibre rounds) are not an overlap.
TOUCH = 1.5


@dataclass(frozen=True)
class Overlap:
    what: str  # "label/label", "label/mark", "label/furniture", "label/edge"
    first: str
    second: str
    area: float


def _intersection(a: dict, b: dict) -> tuple[float, float]:
    w = min(a["x2"], b["x2"]) - max(a["x1"], b["x1"])
    h = min(a["y2"], b["y2"]) - max(a["y1"], b["y1"])
    return w, h


def _name(box: dict, texts: list[dict]) -> str:
    """The nearest rendered label of the box's layer (for a readable failure message)."""
    cx, cy = (box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2
    best, dist = box["layer"], 1e9
    for t in texts:
        if t["layer"] != box["layer"] or t["x"] is None:
            continue
        d = (t["x"] - cx) ** 2 + (t["y"] - cy) ** 2
        if d < dist:
            best, dist = f"{t['text']} ({box['layer']})", d
    return best


def _place_on_map(box: dict, texts: list[dict], width: float, height: float) -> bool:
    """Whether the place a label belongs to (the nearest rendered feature of its layer) is on the map.
    A place off the map may show part of its name at the edge, as on every web map; a place on it may not."""
    cx, cy = (box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2
    near = [t for t in texts if t["layer"] == box["layer"] and t["x"] is not None]
    if not near:
        return True
    t = min(near, key=lambda t: (t["x"] - cx) ** 2 + (t["y"] - cy) ** 2)
    return 0 <= t["x"] <= width and 0 <= t["y"] <= height


def _hit(a: dict, b: dict) -> float:
    """The area two boxes share, or 0 when they only touch (MapLibre rounds to the pixel)."""
    w, h = _intersection(a, b)
    return w * h if w > TOUCH and h > TOUCH else 0.0


def _same_box(a: dict, b: dict) -> bool:
    """Whether two boxes are one feature's (a label's text and its own icon must not count)."""
    return a["id"] == b["id"] and a["layer"] == b["layer"]


def _label_overlaps(a: dict, later_labels: list[dict], boxes: list[dict], texts: list[dict]) -> list[Overlap]:
    """The label over each later label (each pair counted once) and over each mark or dot
    that is not its own."""
    found: list[Overlap] = []
    for b in later_labels:
        if (area := _hit(a, b)) and not _same_box(a, b):
            found.append(Overlap("label/label", _name(a, texts), _name(b, texts), area))
    for m in boxes:
        if m["kind"] == "label" or _same_box(m, a):
            continue
        if area := _hit(a, m):
            found.append(Overlap("label/mark", _name(a, texts), m["layer"], area))
    return found


def _story_label_hidden(a: dict, placed: dict, texts: list[dict]) -> list[Overlap]:
    """A story label under the map's furniture, or cut by the map's edge while its place is on
    the map: only story labels count (base labels run off the edge as on every web map)."""
    width, height = placed["width"], placed["height"]
    found: list[Overlap] = []
    for f in placed["furniture"]:
        if area := _hit(a, f):
            found.append(Overlap("label/furniture", _name(a, texts), f["name"], area))
    cut = a["x1"] < -TOUCH or a["y1"] < -TOUCH or a["x2"] > width + TOUCH or a["y2"] > height + TOUCH
    if cut and _place_on_map(a, texts, width, height):
        found.append(Overlap("label/edge", _name(a, texts), "edge", 0.0))
    return found


def _marks_under_furniture(boxes: list[dict], furniture: list[dict]) -> list[Overlap]:
    """Every event mark under the map's furniture (a hidden mark is a lost event)."""
    found: list[Overlap] = []
    for m in boxes:
        if m["kind"] != "mark":
            continue
        for f in furniture:
            if area := _hit(m, f):
                found.append(Overlap("mark/furniture", m["layer"], f["name"], area))
    return found


def overlaps_in(placed: dict, texts: list[dict] | None = None) -> list[Overlap]:
    """Every label over another label or a mark; every story label or event mark under the map's
    furniture; every story label of a place on the map cut by the map's edge. (A base-map town under
    the Key is hidden, not misread, and base labels run off the edge as on every web map: neither
    counts.)"""
    texts = texts or []
    width, height = placed["width"], placed["height"]
    boxes = [
        b for b in placed["boxes"] if b["x2"] > 0 and b["y2"] > 0 and b["x1"] < width and b["y1"] < height
    ]  # on screen
    labels = [b for b in boxes if b["kind"] == "label"]
    found: list[Overlap] = []
    for i, a in enumerate(labels):
        found += _label_overlaps(a, labels[i + 1 :], boxes, texts)
        if a["layer"].startswith("story-"):
            found += _story_label_hidden(a, placed, texts)
    found += _marks_under_furniture(boxes, placed["furniture"])
    return found


def summary(found: list[Overlap]) -> dict[str, int]:
    """Counts by kind, for a table."""
    counts: dict[str, int] = {}
    for o in found:
        counts[o.what] = counts.get(o.what, 0) + 1
    return counts


def measure(driver) -> list[Overlap]:
    """The overlaps on the map the driver shows now (the map must be idle)."""
    return overlaps_in(driver.execute_script(PLACED_BOXES_JS), driver.execute_script(LABEL_TEXT_JS))


def key_coverage(driver) -> float:
    """Share of the map's area (0-1) under the Key, as drawn now."""
    return float(
        driver.execute_script(
            """
      const key = document.getElementById('map-key');
      const gd = document.querySelector('#map .js-plotly-plot');
      if (!key || key.offsetParent === null || !gd) return 0;
      const k = key.getBoundingClientRect(), m = gd.getBoundingClientRect();
      const w = Math.max(0, Math.min(k.right, m.right) - Math.max(k.left, m.left));
      const h = Math.max(0, Math.min(k.bottom, m.bottom) - Math.max(k.top, m.top));
      return (w * h) / (m.width * m.height);
    """
        )
    )


def lost_places(driver, points: list[tuple[str, float, float]]) -> list[str]:
    """Names of the ``points`` (name, lat, lon) that are off the map or under its furniture as drawn now."""
    return driver.execute_script(
        """
      const points = arguments[0];
      const gd = document.querySelector('#map .js-plotly-plot');
      const map = gd._fullLayout.map._subplot.map;
      const canvas = map.getCanvas().getBoundingClientRect();
      const covers = ['#map-key', '#fit-map', '#scale-bar', '#map .modebar-container .modebar']
        .map(s => document.querySelector(s)).filter(el => el && el.offsetParent !== null)
        .map(el => el.getBoundingClientRect());
      const lost = [];
      for (const [name, lat, lon] of points) {
        const p = map.project([lon, lat]);
        const x = canvas.left + p.x, y = canvas.top + p.y;
        const inside = p.x >= 4 && p.y >= 4 && p.x <= canvas.width - 4 && p.y <= canvas.height - 4;
        const under = covers.some(r => x >= r.left - 4 && x <= r.right + 4 && y >= r.top - 4 && y <= r.bottom + 4);
        if (!inside || under) lost.push(name);
      }
      return lost;
    """,
        [list(p) for p in points],
    )


def featured_points(events, ids) -> list[tuple[str, float, float]]:
    """(name, lat, lon) of each featured event's place and destination (events: a dataset's events table)."""
    out: list[tuple[str, float, float]] = []
    for eid in ids:
        if eid not in events.index:
            continue
        row = events.loc[eid]
        for prefix in ("map", "dest"):
            lat, lon = row.get(f"{prefix}_lat"), row.get(f"{prefix}_lon")
            if lat == lat and lon == lon and lat is not None and lon is not None:  # not NaN
                name = row["place_name"] if prefix == "map" else row["dest_name"]
                out.append((f"{eid}:{name}", float(lat), float(lon)))
    return out
