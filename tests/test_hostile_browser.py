"""Markup and script in every free-text field render as text: the app, presenter mode and the exports.

tests/fixtures/hostile/ holds a valid events file (with its source document
and a briefing) whose every free-text field carries ``<script>``, an
``<img onerror>``, a live ``<a href>``, ``<b>`` and Markdown ``javascript:``
links; each payload would set ``window.__pwned`` if it ran. Chromium opens
the main page, a selected event, presenter mode and a marker's hover label
with the network blocked, and each check reads the whole DOM, plotly's SVG
included: no payload ran, no element was made from data (a link, bold text,
an image, a script), the text is shown literally where it is shown, and the
console is clean. The exports (html opened from disk, csv, kml, geojson) are
read back the same way.
"""

from __future__ import annotations

import csv
import json
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser_helpers import (
    ERROR_RECORDER,
    assert_clean_console,
    click_at,
    move_to,
    non_loopback_resources,
    point_position,
    serve,
    wait_for,
    wait_idle,
)

from conflictmap.briefing import briefing_files, load_briefing
from conflictmap.pipeline import load_dataset
from conflictmap.view import ViewState
from dashboard.app import create_app
from dashboard.controlpanel import ControlView

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
EVENTS = HOSTILE / "events.yaml"
DATASET = load_dataset(EVENTS)
BRIEFINGS = {path.stem: load_briefing(path, DATASET) for path in briefing_files(EVENTS)}
BRIEFING = BRIEFINGS["hostile"]

# The payloads every free-text field of the fixture carries (each sets window.__pwned if it runs).
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
LINK = '<a href="https://evil.example">link</a>'
BOLD = "<b>bold</b>"
MARKDOWN_JS = "[md link](javascript:window.__pwned=3)"
PLACED_EVENT = "alpha-takes-testville"

# Everything in the DOM (HTML and SVG alike) that data markup would have made. A finding is a
# short description of the element; an empty list is a clean page.
PROBE_JS = """
const findings = [];
if (typeof window.__pwned !== 'undefined') findings.push('window.__pwned = ' + window.__pwned);
const XLINK = 'http://www.w3.org/1999/xlink';
const say = (el) => el.outerHTML.slice(0, 160);
for (const a of document.querySelectorAll('a')) {
  const href = (a.getAttribute('href') || a.getAttributeNS(XLINK, 'href') || '').trim().toLowerCase();
  // dcc.Markdown rewrites a javascript: link to the inert javascript:void(0); anything else is live.
  const live = href.startsWith('javascript:') ? href !== 'javascript:void(0)' : href.startsWith('data:');
  if (href.startsWith('https://evil') || live) findings.push('live link: ' + say(a));
}
for (const b of document.querySelectorAll('b')) findings.push('<b> element: ' + say(b));
// plotly draws <b> as a bold <tspan>; the payload's text is exactly "bold".
for (const t of document.querySelectorAll('tspan')) {
  if ((t.getAttribute('style') || '').replace(/\\s/g, '').includes('font-weight:bold') && t.textContent === 'bold')
    findings.push('bold tspan from data: ' + say(t));
}
for (const img of document.querySelectorAll('img, image')) {
  if (img.getAttribute('src') === 'x' || img.hasAttribute('onerror')) findings.push('image from data: ' + say(img));
}
for (const s of document.querySelectorAll('script')) {
  if (s.textContent.includes('__pwned') && s.type !== 'application/json') findings.push('script: ' + say(s));
}
for (const f of document.querySelectorAll('iframe, object, embed')) findings.push('frame: ' + say(f));
for (const el of document.querySelectorAll('*')) {
  for (const attr of el.attributes) {
    if (attr.name.startsWith('on') && attr.value.includes('__pwned')) findings.push('handler: ' + say(el));
  }
}
return findings;
"""


def probe(driver) -> list[str]:
    return driver.execute_script(PROBE_JS)


def assert_inert(driver) -> None:
    findings = probe(driver)
    assert findings == [], "markup from data is live:\n" + "\n".join(findings)


def text_of(driver, selector: str) -> str:
    """Text content (not innerText: SVG and closed <details> included) of every match, joined."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent).join('\\n');", selector
    )


def svg_texts(driver, graph: str) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0] + ' svg text')].map(t => t.textContent);", f"#{graph}"
    )


@pytest.fixture(scope="module")
def served_url(module_dash_server):
    """The app on the hostile events, served once for the module (the tests only read it)."""
    module_dash_server.start(create_app(dataset=DATASET))
    return module_dash_server.url


@pytest.fixture
def app(dash_duo, served_url):
    """Every test opens its own URL first: the server's address, no page loaded yet."""
    serve(dash_duo, url=served_url)
    return dash_duo


def open_page(dash_duo, path=""):
    dash_duo.driver.get(dash_duo.server_url + path)
    wait_idle(dash_duo.driver)
    return dash_duo.driver


# ---------------------------------------------------------------- the fixture itself


def test_the_hostile_events_file_and_briefing_validate():
    proc = subprocess.run(
        [sys.executable, "-m", "conflictmap_cli", "validate", str(EVENTS), str(HOSTILE / "briefings" / "hostile.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # A right-to-left override (it would show "FDS" as "SDF") is a located warning, not an error.
    line = next(n for n, text in enumerate(EVENTS.read_text(encoding="utf-8").splitlines(), 1) if "\u202e" in text)
    assert f"{EVENTS}:{line}: events[" in proc.stderr and "U+202E (RIGHT-TO-LEFT OVERRIDE)" in proc.stderr
    assert "1 warning" in proc.stdout and "Traceback" not in proc.stderr
    # Every kind of free text really carries the payloads (a fixture that lost them would prove nothing).
    ev = DATASET.events
    for column in ("title", "description", "date_basis"):
        assert ev[column].str.contains("<", regex=False).all(), column
    assert ev["place_name"].dropna().str.contains(SCRIPT, regex=False).all()
    for text in [DATASET.title, *DATASET.factions["name"], *DATASET.factions["side"], BRIEFING.title]:
        assert "<" in text and ">" in text, text
    assert any(SCRIPT in q for q in DATASET.sources["quote"])


# ---------------------------------------------------------------- the app


@pytest.mark.browser
def test_main_page_and_its_hover_labels_show_hostile_text_as_text(app):
    driver = open_page(app, "/")
    assert driver.title == f"conflictmap — {DATASET.title}"  # the <title> holds the text, literally
    assert_inert(driver)
    body = text_of(driver, "body")
    assert DATASET.title in body  # the header
    for name in DATASET.factions["name"]:
        assert name in text_of(driver, "#map-key"), name  # the key, as text
    for title in DATASET.events["title"]:
        assert title in text_of(driver, "#event-list"), title
    # The control table, drawn by conflictmap.js from data like the list: each place's name as text.
    _, held = ControlView.of(DATASET).states(ViewState())
    assert held, "the fixture has a place someone holds"
    for state in held:
        assert state.place.name in text_of(driver, "#control"), state.place.name
    # Timeline lanes are plotly SVG text: the names show with their markup as characters.
    lanes = svg_texts(driver, "timeline")
    assert any(t.startswith(BOLD) for t in lanes), lanes
    assert non_loopback_resources(driver) == []
    # The hover labels, on the same page (one load): the map's, then the timeline's.
    row = DATASET.events.loc[PLACED_EVENT]
    driver.execute_script("const k = document.getElementById('map-key'); if (k) k.open = false;")
    move_to(driver, *point_position(driver, "map", PLACED_EVENT))
    wait_for(lambda: row["title"] in text_of(driver, "#map .hoverlayer"), message="map hover label")
    assert_inert(driver)
    move_to(driver, *point_position(driver, "timeline", PLACED_EVENT))
    wait_for(lambda: row["title"] in text_of(driver, "#timeline .hoverlayer"), message="timeline hover label")
    assert_inert(driver)
    assert_clean_console(driver)


@pytest.mark.browser
def test_lanes_by_side_show_hostile_side_names_as_text(app):
    driver = open_page(app, "/?lanes=side")
    lanes = svg_texts(driver, "timeline")
    # Clipped to the lane margin (24 characters): the opening tag, shown as characters.
    assert any(t.startswith('<a href="https://evil">') for t in lanes), lanes
    assert_inert(driver)
    assert_clean_console(driver)


@pytest.mark.browser
def test_hostile_url_parameters_come_back_as_text(app):
    """A shared link is data too: unknown values are named in a notice, as characters."""
    from urllib.parse import quote

    bad_faction = IMG + LINK
    driver = open_page(app, f"/?faction={quote(bad_faction)}&q={quote(SCRIPT + BOLD)}&event={quote(LINK)}")
    wait_for(lambda: "onerror" in text_of(driver, "#notices"), message="notice naming the unknown faction")
    assert_inert(driver)
    assert driver.find_element("id", "search").get_attribute("value") == SCRIPT + BOLD
    assert_clean_console(driver)


@pytest.mark.browser
def test_a_selected_event_shows_hostile_text_as_text(app):
    driver = open_page(app, f"/?event={PLACED_EVENT}")
    row = DATASET.events.loc[PLACED_EVENT]
    wait_for(lambda: driver.find_element("id", "detail-title").text == row["title"], message="details shown")
    detail = text_of(driver, "#event-detail")
    source = DATASET.sources[DATASET.sources["event_id"] == PLACED_EVENT].iloc[0]
    for text in (row["description"], row["date_basis"], row["place_name"], source["quote"], source["publisher"]):
        assert text in detail, text
    # The document's address stays one attribute: its quote marks and brackets do not break out of href.
    links = driver.execute_script(
        "return [...document.querySelectorAll('#event-detail a')].map(a => a.getAttribute('href'));"
    )
    assert links == [source["url"]], links
    assert_inert(driver)
    assert_clean_console(driver)


@pytest.mark.browser
def test_presenter_mode_shows_hostile_briefing_text_as_text(app):
    driver = open_page(app, "/briefing/hostile?step=1")
    step = BRIEFING.steps[0]
    wait_for(lambda: driver.find_element("id", "step-heading").text == step.heading, message="step heading")
    assert BRIEFING.title in driver.find_element("id", "step-counter").text
    assert driver.title == f"conflictmap — {DATASET.title}"
    # Markdown: real paragraphs, but no raw HTML and no javascript:/data: link survives (checked by the probe).
    assert driver.find_elements("css selector", "#step-text p")
    assert_inert(driver)
    driver.find_element("id", "next-step").click()
    second = BRIEFING.steps[1]
    wait_for(lambda: driver.find_element("id", "step-heading").text == second.heading, message="second step")
    wait_idle(driver)
    assert_inert(driver)
    assert_clean_console(driver)


# ---------------------------------------------------------------- the exports


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    from dashboard.exports import export

    folder = tmp_path_factory.mktemp("hostile-exports")
    written = {fmt: export(DATASET, fmt, folder / f"hostile.{fmt}", ViewState())[0] for fmt in ("csv", "kml")}
    written["geojson"] = export(DATASET, "geojson", folder / "hostile.geojson", ViewState())[0]
    written["html"] = export(DATASET, "html", folder / "hostile.html", ViewState())[0]
    written["briefing-html"] = export(DATASET, "html", folder / "briefing.html", ViewState(), BRIEFING)[0]
    return written


def export_point_position(driver, graph: str, event_id: str) -> tuple[float, float]:
    """Viewport position of an event's marker in the exported page (its plots are #map and #timeline)."""
    xy = driver.execute_script(
        """
      const [graph, id] = arguments;
      const gd = document.getElementById(graph);
      for (const tr of gd.data) {
        const k = (tr.customdata || []).indexOf(id);
        if (k < 0 || tr.hoverinfo === 'skip') continue;
        if (tr.type === 'scattermap') {
          const map = gd._fullLayout.map._subplot.map;
          const p = map.project([tr.lon[k], tr.lat[k]]);
          const r = map.getCanvas().getBoundingClientRect();
          return [r.left + p.x, r.top + p.y];
        }
        gd.scrollIntoView({block: 'center'});
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const r = gd.querySelector('.nsewdrag').getBoundingClientRect();
        return [r.left + xa.d2p(tr.x[k]), r.top + ya.d2p(tr.y[k])];
      }
      return null;
    """,
        graph,
        event_id,
    )
    assert xy, f"no marker for {event_id} on #{graph}"
    return xy[0], xy[1]


def open_export(driver, path: Path) -> None:
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ERROR_RECORDER})
    driver.get(path.as_uri())
    # The page marks itself ready once both plots are drawn and the view's selection is applied.
    wait_for(lambda: driver.execute_script("return document.body.dataset.ready === 'true';"), 60, message="drawn")


@pytest.mark.browser
def test_html_export_opened_from_disk_shows_hostile_text_as_text(dash_br, exports):
    driver = dash_br.driver
    open_export(driver, exports["html"])
    assert driver.title == DATASET.title
    assert DATASET.title in text_of(driver, "#page-title")
    assert_inert(driver)
    # Select an event with a real click on its timeline point: the details panel shows its text.
    click_at(driver, *export_point_position(driver, "timeline", PLACED_EVENT))
    row = DATASET.events.loc[PLACED_EVENT]
    wait_for(lambda: row["title"] in text_of(driver, "#details"), message="export details")
    assert row["description"] in text_of(driver, "#details")
    move_to(driver, *export_point_position(driver, "timeline", "gamma-statement"))
    title = DATASET.events.at["gamma-statement", "title"]
    wait_for(lambda: title in text_of(driver, "#timeline .hoverlayer"), message="export hover label")
    assert_inert(driver)
    assert non_loopback_resources(driver) == []
    assert_clean_console(driver)


@pytest.mark.browser
def test_briefing_html_export_shows_hostile_steps_as_text(dash_br, exports):
    driver = dash_br.driver
    open_export(driver, exports["briefing-html"])
    assert driver.title == BRIEFING.title
    assert BRIEFING.summary and "window.__pwned" in text_of(driver, "#page-summary")  # as characters
    for step in BRIEFING.steps:  # the page opens on an overview; each step follows
        driver.find_element("id", "next-step").click()
        wait_for(lambda s=step: s.heading in text_of(driver, "#step-label"), message=f"step {step.heading!r}")
        assert BOLD in text_of(driver, "#step-text")  # the Markdown's text, markup as characters
        assert_inert(driver)
    assert_clean_console(driver)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def starts_a_formula(cell: str) -> bool:
    """OWASP's rule for CSV injection; a plain negative number is data, not a formula."""
    if not cell.startswith(FORMULA_START):
        return False
    if cell.startswith("-"):
        try:
            return math.isnan(float(cell))
        except ValueError:
            return True
    return True


def test_csv_export_cells_never_start_a_formula(exports):
    with exports["csv"].open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert len(body) == len(DATASET.events)
    bad = [(row[0], header[i], cell[:40]) for row in body for i, cell in enumerate(row) if starts_a_formula(cell)]
    assert bad == []
    # The text is still there, whole: only the formula start is defused.
    titles = [row[header.index("title")] for row in body]
    for title in DATASET.events["title"]:
        assert title in titles or ("'" + title) in titles, title


class _Tags(HTMLParser):
    """Start tags and attributes of an HTML fragment, as a KML viewer's balloon would build them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def test_kml_export_parses_and_descriptions_carry_no_live_markup(exports):
    root = ET.parse(exports["kml"]).getroot()  # a parse error fails here
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    placemarks = root.findall(".//k:Placemark", ns)
    assert placemarks
    texts = []
    for placemark in placemarks:
        for field in ("k:name", "k:description"):
            node = placemark.find(field, ns)
            if node is None or not node.text:
                continue
            parser = _Tags()
            parser.feed(node.text)
            live = [(tag, attrs) for tag, attrs in parser.tags if tag not in ("br", "p")]
            assert live == [], (field, live)
            assert not any(a for _, attrs in parser.tags for a in attrs), parser.tags
            texts.append("".join(parser.text))
    # What a balloon shows is the data's text, markup as characters.
    shown = "\n".join(texts)
    assert SCRIPT in shown and IMG in shown and BOLD in shown


def test_geojson_export_carries_the_text_exactly(exports):
    data = json.loads(exports["geojson"].read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    by_id = {f["properties"]["id"]: f["properties"] for f in data["features"]}
    placed = DATASET.events[DATASET.events["map_lat"].notna()]
    assert set(by_id) == set(placed.index)
    for event_id, row in placed.iterrows():
        assert by_id[event_id]["title"] == row["title"]  # data is data: neither escaped nor mangled
        assert by_id[event_id]["description"] == row["description"]


def test_no_raw_payload_in_exported_html_outside_its_json(exports):
    """The page's own markup holds no payload: data sits only inside the JSON data block, escaped for it."""
    page = exports["html"].read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="conflictmap-data">(.*?)</script>', page, re.S)
    assert block, "no data block"
    outside = page[: block.start()] + page[block.end() :]
    for payload in (SCRIPT, IMG, LINK, BOLD):
        assert payload not in outside, payload
    assert "</script" not in block.group(1).lower()  # the JSON cannot close its own <script>
    assert json.loads(block.group(1))["title"] == DATASET.title
