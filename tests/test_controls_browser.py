"""The controls as a user meets them, at exact desktop viewports (CDP device metrics), offline.

At 1366x768, 1500x900 and 1920x1080, with a date window and three factions set (the longest
control texts the bundled file gives): no sideways overflow of the sidebar or the page, no control
sticking out of the sidebar, no control text clipped, no squashed input, the Briefings entry on
screen without scrolling, and no modebar button that sends anything elsewhere. In presenter mode at
1280x720 and 1366x768 no button's text wraps.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import serve, wait_for, wait_idle

from conflictmap.pipeline import load_dataset
from dashboard.app import create_app

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
DATASET = load_dataset(ROOT / "events.yaml")
WINDOW = ("2017-10-01", "2017-10-26")
FACTIONS = "sdf,syrian-government,daesh"
# What a modebar may offer: the map's pan, box and lasso; the strip's zoom, pan, brush and reset.
ALLOWED_TITLES = {"Pan", "Box Select", "Lasso Select", "Zoom", "Reset axes"}

LAYOUT_JS = """
const side = document.querySelector('.filters');
const sr = side.getBoundingClientRect();
const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
  && getComputedStyle(e).visibility !== 'hidden'; };
const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
  (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
const all = [...side.querySelectorAll('*')].filter(visible);
const out = {
  sidebar: side.scrollWidth - side.clientWidth,
  page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  body: document.body.scrollWidth - document.body.clientWidth,
  // Controls sticking out of the sidebar (the date field's clear button spilled onto the map).
  outside: all.filter(e => { const r = e.getBoundingClientRect();
                             return r.right > sr.right + 0.5 || r.left < sr.left - 0.5; })
              .map(e => name(e) + ' by ' + Math.round(Math.max(e.getBoundingClientRect().right - sr.right,
                                                              sr.left - e.getBoundingClientRect().left)) + ' px'),
  // Text cut off: an element whose content is wider than its box ("Offline p...", "Syrian Democra...").
  clipped: all.filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
              .map(e => name(e) + ' "' + (e.value || e.textContent).trim().slice(0, 40) + '" '
                        + e.scrollWidth + '>' + e.clientWidth),
  // Text boxes squashed below a line of text (the search box was 8 px tall). Dash draws an input's
  // box around it (.dash-input-container): that box must hold a line of the input's text.
  squashed: [...side.querySelectorAll('input[type=text], input[type=search]')].filter(visible)
              .map(e => [e, e.closest('.dash-input-container') || e])
              .filter(([e, box]) => box.getBoundingClientRect().height < parseFloat(getComputedStyle(e).fontSize) * 1.6)
              .map(([e, box]) => name(e) + ' ' + Math.round(box.getBoundingClientRect().height) + ' px tall'),
  // A control taller than what it holds: a tall window's spare height grew Dash's date picker (flex: 1)
  // into an empty band above the search box.
  swollen: [...side.children].filter(visible).filter(e => e.children.length)
              .filter(e => { const r = e.getBoundingClientRect();
                             const held = Math.max(...[...e.children].map(c => c.getBoundingClientRect().bottom));
                             return r.height > held - r.top + 12; })
              .map(e => name(e) + ' ' + Math.round(e.getBoundingClientRect().height) + ' px tall'),
};
const entry = document.getElementById('briefings-menu');
const er = entry.getBoundingClientRect();
const hit = document.elementFromPoint(er.left + er.width / 2, er.top + er.height / 2);
out.briefings = {top: er.top, bottom: er.bottom, left: er.left, right: er.right,
                 onTop: !!hit && (hit === entry || entry.contains(hit))};
out.viewport = [innerWidth, innerHeight];
// Every modebar button of every chart, and each chart's config as plotly holds it.
out.buttons = [...document.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title'));
out.links = [...document.querySelectorAll('.modebar a[href]')].map(a => a.href);
out.configs = [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
  id: gd.closest('[id]').id, cloud: gd._context.showSendToCloud, studio: gd._context.showEditInChartStudio,
  server: gd._context.plotlyServerURL, logo: gd._context.displaylogo}));
// The strip's modebar beside its plot, never over the bars.
const strip = document.querySelector('#timeline-strip');
const bar = strip.querySelector('.modebar'), plot = strip.querySelector('.nsewdrag');
if (bar && plot) {
  const b = bar.getBoundingClientRect(), p = plot.getBoundingClientRect();
  out.stripBarOverPlot = !(b.left >= p.right || b.right <= p.left || b.top >= p.bottom || b.bottom <= p.top);
}
const xa = document.querySelector('#timeline-strip .js-plotly-plot')._fullLayout.xaxis;
out.stripRange = xa.range;
return out;
"""

WRAP_JS = """
return [...document.querySelectorAll('.presenter .button')].map(b => {
  const tops = [];
  const walk = document.createTreeWalker(b, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    if (!walk.currentNode.textContent.trim()) continue;
    const r = document.createRange(); r.selectNodeContents(walk.currentNode);
    for (const q of r.getClientRects()) tops.push(q.top);
  }
  const lines = tops.length ? Math.round((Math.max(...tops) - Math.min(...tops)) / 8) : 0;
  return [b.textContent.trim(), lines, b.scrollWidth > b.clientWidth + 1];
});
"""


def emulate(driver, width: int, height: int) -> None:
    """An exact viewport, as a screen of that size gives it (not the window's outer size)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


@pytest.fixture(scope="module")
def served_url(module_dash_server):
    """The app on the bundled events, served once for the module (the tests only read it)."""
    module_dash_server.start(create_app(dataset=DATASET))
    return module_dash_server.url


@pytest.fixture
def driver(dash_duo, served_url):
    """Each test emulates a screen and opens its own URL first: the server's address, no page loaded yet."""
    serve(dash_duo, url=served_url)
    return dash_duo.driver


def open_at(driver, url: str, width: int, height: int) -> None:
    emulate(driver, width, height)
    driver.get(url)
    wait_idle(driver)


def test_sidebar_fits_and_nothing_leaves_the_machine_at_desktop_sizes(dash_duo, driver):
    url = f"{dash_duo.server_url}/?from={WINDOW[0]}&to={WINDOW[1]}&faction={FACTIONS}"
    problems = {}
    for width, height in [(1366, 768), (1500, 900), (1920, 1080)]:
        open_at(driver, url, width, height)
        # The date window is set in the field itself (what spilled before), as are the three factions.
        assert driver.find_element("id", "date-range").get_attribute("value") == WINDOW[0]
        m = driver.execute_script(LAYOUT_JS)
        assert m["viewport"] == [width, height]
        found = {
            "sidebar overflows sideways by px": m["sidebar"],
            "page overflows sideways by px": max(m["page"], m["body"]),
            "outside the sidebar": m["outside"],
            "clipped text": m["clipped"],
            "squashed inputs": m["squashed"],
            "controls taller than their content": m["swollen"],
        }
        b = m["briefings"]
        on_screen = b["top"] >= 0 and b["left"] >= 0 and b["bottom"] <= height and b["right"] <= width
        if not (on_screen and b["onTop"]):
            found["Briefings entry not on screen"] = b
        bad_buttons = [t for t in m["buttons"] if t not in ALLOWED_TITLES]
        if bad_buttons or m["links"]:
            found["outbound or unexpected modebar buttons"] = bad_buttons + m["links"]
        for config in m["configs"]:
            if config["cloud"] or config["studio"] or config["server"] or config["logo"]:
                found[f"config of #{config['id']}"] = config
        if m.get("stripBarOverPlot"):
            found["the strip's modebar covers its bars"] = True
        if {"Pan", "Box Select", "Lasso Select"} - set(m["buttons"]):
            found["the map lost its pan/select buttons"] = m["buttons"]
        # The date window fills the axis (plus a little): not the dataset's whole period.
        import pandas as pd

        lo, hi = (pd.Timestamp(v) for v in m["stripRange"])
        if not (lo < pd.Timestamp(WINDOW[0]) and hi > pd.Timestamp(WINDOW[1]) and (hi - lo).days <= 26 * 1.4):
            found["strip axis does not follow the window"] = m["stripRange"]
        if width == 1366:  # opened, the menu lists the briefing on screen, over the map, clickable
            driver.find_element("id", "briefings-menu").click()
            link = driver.execute_script("""
              const a = document.querySelector('.briefing-menu a'); const r = a.getBoundingClientRect();
              const hit = document.elementFromPoint(r.left + 10, r.top + r.height / 2);
              return {href: a.getAttribute('href'), bottom: r.bottom, right: r.right,
                      onTop: hit === a || a.contains(hit)};
            """)
            if not (
                link["href"] == "/briefing/deir-ez-zor-october-2017" and link["onTop"] and link["bottom"] <= height
            ):
                found["the opened Briefings menu"] = link
            driver.find_element("id", "briefings-menu").click()
        found = {k: v for k, v in found.items() if v}
        if found:
            problems[f"{width}x{height}"] = found
    # A window taller than the sidebar's content (a portrait screen): the spare height stays below the
    # controls, none of them grows into it. The same page, the viewport changed in place.
    emulate(driver, 1920, 1600)
    swollen = wait_for(lambda: driver.execute_script(LAYOUT_JS), message="the layout at 1920x1600")["swollen"]
    if swollen:
        problems["1920x1600"] = {"controls taller than their content": swollen}
    assert not problems, problems


def test_presenter_buttons_do_not_wrap(dash_duo, driver):
    url = f"{dash_duo.server_url}/briefing/deir-ez-zor-october-2017?step=4"
    problems = {}
    for width, height in [(1280, 720), (1366, 768)]:
        open_at(driver, url, width, height)
        wrapped = [(text, lines, cut) for text, lines, cut in driver.execute_script(WRAP_JS) if lines or cut]
        overflow = driver.execute_script(
            "const p = document.querySelector('.presenter'); return p.scrollWidth - p.clientWidth;"
        )
        if wrapped or overflow:
            problems[f"{width}x{height}"] = {"wrapped or cut": wrapped, "presenter overflow px": overflow}
    assert not problems, problems
