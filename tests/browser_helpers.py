"""What the browser tests share: waiting on Dash and the map, reading the page like a user."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

MAP_JS = """
  const gd = document.querySelector('#map .js-plotly-plot');
  const full = gd && gd._fullLayout;
  const map = full && full.map && full.map._subplot && full.map._subplot.map;
"""


def wait_for(predicate, timeout=60.0, interval=0.1, message="condition"):
    """``predicate()`` once it is truthy. The timeout only bounds a failure: with the browser tests
    in two processes beside the rest, a page on a busy 2-core machine can take 20 s to settle."""
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = predicate()
            if last:
                return last
        except Exception as exc:  # the DOM is mid-update
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message} (last: {last!r})")


def count_text(driver) -> str:
    return driver.find_element("id", "event-count").text


#: The MapLibre map has drawn, is not moving, and its markers were laid out for its current zoom.
MAP_READY_JS = """
  if (!(map && map.isStyleLoaded() && map.loaded() && !map.isMoving() && map.getCanvas().width > 0)) return false;
  if ((gd.layout.meta || {}).markersZoom !== Math.round(map.getZoom() * 2) / 2) return false;
"""

#: MapLibre's own "idle": no camera move, every tile loaded, every fade (labels fade in) finished.
#: A listener on the map instance records whether ``idle`` came after the last frame drawn; a map
#: plotly has just made gets the listener at the first call (and a frame, so that an idle map says
#: so). This replaces fixed sleeps for the label fade.
MAP_SETTLED_JS = """
  if (!map) return false;
  if (!map.__cmIdle) {
    const state = map.__cmIdle = {idle: false};
    map.on('render', () => { state.idle = false; });
    map.on('idle', () => { state.idle = true; });
    map.triggerRepaint();
    return false;
  }
  if (!map.__cmIdle.idle) return false;
"""


#: No Dash callback running, the map drawn and settled for its zoom, the timeline drawn, the count
#: shown: every condition of :func:`wait_idle`, in one script. (A WebDriver
#: ``find_elements`` that finds nothing waits dash.testing's implicit 2 s first: asking the page
#: for "no callback running" that way cost 2 s a poll, 4 s every :func:`wait_idle`.)
PAGE_IDLE_JS = (
    """
  if (document.querySelector("[data-dash-is-loading='true']")) return false;
"""
    + MAP_JS
    + MAP_READY_JS
    + MAP_SETTLED_JS
    + """
  const timeline = document.querySelector('#timeline .js-plotly-plot');
  if (!(timeline && timeline.layout && timeline.layout.uirevision === 'analyst' && timeline._fullLayout)) return false;
  const count = document.getElementById('event-count');
  return !!(count && count.innerText.trim());
"""
)


#: :data:`PAGE_IDLE_JS` checked by the page itself every 50 ms until it holds twice, 150 ms apart, or
#: ``arguments[0]`` ms pass: one WebDriver round trip per wait instead of one per poll. (Each round trip
#: costs Chromium's browser process, chromedriver and Python about 5 ms of CPU: polling a page that
#: takes seconds to settle, with two browser workers beside the other tests, was a few per cent
#: of the suite's CPU.)
WAIT_IDLE_JS = (
    """
  const done = arguments[arguments.length - 1];
  const until = performance.now() + arguments[0];
  const idle = () => { try { return (() => {"""
    + PAGE_IDLE_JS
    + """})(); } catch (e) { return false; } };
  const poll = () => {
    if (idle()) {
      setTimeout(() => (idle() ? done(true) : performance.now() > until ? done(false) : setTimeout(poll, 50)), 150);
    } else if (performance.now() > until) {
      done(false);
    } else {
      setTimeout(poll, 50);
    }
  };
  poll();
"""
)
#: The longest one in-page wait runs before Python asks again (below WebDriver's 30 s script timeout).
IDLE_WAIT_CHUNK_S = 10.0


def wait_idle(driver, timeout=60.0):
    """Dash has no callback running, the map has drawn and settled, and the timeline has its points.

    Idle twice, 0.15 s apart: a callback the last answer triggers (the markers for the
    map's zoom) starts within that time, and then the wait goes on. The page polls
    itself (:data:`WAIT_IDLE_JS`); a page that navigates away mid-wait is asked again.
    """
    end = time.time() + timeout
    last: object = None
    while time.time() < end:
        chunk = min(IDLE_WAIT_CHUNK_S, max(0.2, end - time.time()))
        try:
            if driver.execute_async_script(WAIT_IDLE_JS, chunk * 1000):
                return
            last = "not idle"
        except Exception as exc:  # the page unloaded mid-wait (a navigation): ask the new one
            last = exc
            time.sleep(0.05)
    raise AssertionError(f"timed out waiting for Dash idle with map drawn (last: {last!r})")


#: How many callback requests the page has made (resource timing; its buffer is enlarged by go_in_page).
UPDATE_REQUESTS_JS = (
    "return performance.getEntriesByType('resource').filter(e => e.name.includes('_dash-update-component')).length"
)


def go_in_page(driver, path: str) -> None:
    """Move the page to ``path`` (``/?faction=sdf``) as the browser's back and forward buttons do: no
    reload; Dash's Location follows and the views render the new state.

    A test that checks what several links show opens the first afresh (each load draws the map in
    software WebGL for seconds) and moves to the others like this. Waits for the page to ask the
    server for the new state, then for it to settle.
    """
    driver.execute_script("performance.setResourceTimingBufferSize(100000);")
    before = driver.execute_script(UPDATE_REQUESTS_JS)
    driver.execute_script(
        "window.history.pushState({}, '', arguments[0]); window.dispatchEvent(new PopStateEvent('popstate'));",
        path,
    )
    wait_for(lambda: driver.execute_script(UPDATE_REQUESTS_JS) > before, message=f"the page rendering {path}")
    wait_idle(driver)


def query_of(driver) -> dict:
    return parse_qs(urlsplit(driver.current_url).query)


def ids_on(driver, graph: str, meta: str = "events") -> list[str]:
    return driver.execute_script(
        """
      const [graph, meta] = arguments;
      const gd = document.querySelector('#' + graph + ' .js-plotly-plot');
      return gd.data.filter(t => t.meta === meta).flatMap(t => t.customdata || []).filter(x => x !== null);
    """,
        graph,
        meta,
    )


def map_event_ids(driver) -> list[str]:
    """Ids of the event markers drawn on the map, read from the figure plotly rendered."""
    return ids_on(driver, "map")


def timeline_event_ids(driver) -> list[str]:
    return ids_on(driver, "timeline")


def selected_on(driver, graph: str) -> list[str]:
    return ids_on(driver, graph, "selected")


def camera(driver) -> dict:
    return driver.execute_script(
        MAP_JS + "const c = map.getCenter(); return {zoom: map.getZoom(), lat: c.lat, lon: c.lng};"
    )


def rendered_labels(driver, layer_prefix: str = "story") -> list[str]:
    """Text of the labels MapLibre actually drew (after collision detection)."""
    return driver.execute_script(
        MAP_JS
        + """
      const prefix = arguments[0];
      return [...new Set(map.queryRenderedFeatures()
        .filter(f => f.layer.type === 'symbol' && f.layer.id.startsWith(prefix))
        .map(f => f.properties.label || f.properties.name))];
    """,
        layer_prefix,
    )


def non_loopback_resources(driver) -> list[str]:
    urls = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    urls.append(driver.current_url)
    return [
        u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname not in LOOPBACK
    ]


def severe_logs(driver) -> list[dict]:
    """SEVERE console entries, each with the JavaScript stack of any uncaught error (to say where)."""
    logs = driver.get_log("browser")
    severe = [entry for entry in logs if entry.get("level") == "SEVERE"]
    if severe:
        severe[0]["context"] = [e["message"][:200] for e in logs if "conflictmap" in e["message"]]
        stacks = driver.execute_script("return window.__cmErrors || []")
        for entry in severe:
            entry["stacks"] = stacks
    return severe


ERROR_RECORDER = (
    "window.__cmErrors = []; window.addEventListener('error', e => "
    "window.__cmErrors.push(String(e.error && e.error.stack || e.message)));"
)


def click_point(driver, graph: str, event_id: str) -> None:
    """Click the drawn marker of ``event_id`` with a real mouse event at its screen position."""
    click_at(driver, *point_position(driver, graph, event_id))


def point_position(driver, graph: str, event_id: str) -> tuple[float, float]:
    """Viewport coordinates of the drawn marker of ``event_id`` on ``graph``."""
    xy = driver.execute_script(
        """
      const [graph, id] = arguments;
      const gd = document.querySelector('#' + graph + ' .js-plotly-plot');
      for (let t = 0; t < gd.data.length; t++) {
        const tr = gd.data[t];
        if (tr.meta !== 'events') continue;
        const k = tr.customdata.indexOf(id);
        if (k < 0) continue;
        if (tr.type === 'scattermap') {
          const map = gd._fullLayout.map._subplot.map;
          const p = map.project([tr.lon[k], tr.lat[k]]);
          const r = map.getCanvas().getBoundingClientRect();
          return [r.left + p.x, r.top + p.y];
        }
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const box = document.getElementById('lanes-scroll');
        if (box && box.contains(gd)) {  // the lanes scroll under the date axis: bring the point into view
          const y = ya.d2p(tr.y[k]) + gd._fullLayout.margin.t;
          const top = box.scrollTop, bottom = box.scrollTop + box.clientHeight;
          if (y < top + 15 || y > bottom - 15) box.scrollTop = y - box.clientHeight / 2;
        } else {
          gd.scrollIntoView({block: 'nearest'});
        }
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


def move_to(driver, x: float, y: float) -> None:
    actions = viewport_actions(driver)
    actions.w3c_actions.pointer_action.move_to_location(int(x) - 30, int(y) - 30)
    actions.w3c_actions.pointer_action.move_to_location(int(x), int(y))
    actions.perform()


def viewport_actions(driver):
    from selenium.webdriver.common.action_chains import ActionChains

    return ActionChains(driver)


def click_at(driver, x: float, y: float) -> None:
    """A real mouse click at viewport coordinates (what plotly's and MapLibre's hit-testing need)."""
    actions = viewport_actions(driver)
    actions.w3c_actions.pointer_action.move_to_location(int(x), int(y))
    actions.w3c_actions.pointer_action.click()
    actions.perform()


def drag(driver, x0: float, y0: float, x1: float, y1: float, steps: int = 8) -> None:
    actions = viewport_actions(driver)
    pointer = actions.w3c_actions.pointer_action
    pointer.move_to_location(int(x0), int(y0))
    pointer.pointer_down()
    for k in range(1, steps + 1):
        pointer.move_to_location(int(x0 + (x1 - x0) * k / steps), int(y0 + (y1 - y0) * k / steps))
    pointer.pointer_up()
    actions.perform()


def rect(driver, selector: str) -> dict:
    return driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return {left: r.left, top: r.top, width: r.width, height: r.height, bottom: r.bottom, right: r.right};",
        selector,
    )


def viewport(driver) -> dict:
    return driver.execute_script("return {width: innerWidth, height: innerHeight};")


def set_viewport(driver, width: int, height: int) -> None:
    """The page's viewport exactly ``width`` x ``height`` CSS pixels, whatever the window's chrome.

    Emulated (CDP), not a window resize: a headless window cannot grow past its screen,
    which is the size Chromium started with.
    """
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    wait_for(lambda: viewport(driver) == {"width": width, "height": height}, message="viewport size")


def settle_first_page(driver) -> None:
    """Let the page dash.testing opened finish loading before a test navigates away.

    Leaving a page while MapLibre is still loading its style makes plotly's
    teardown throw "Style is not done loading" into the console of a page the
    user has left; waiting keeps each test's console about its own page.
    """
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ERROR_RECORDER})
    wait_idle(driver)
    driver.get_log("browser")  # drains the buffer: what follows belongs to the test


def serve(dash_duo, app=None, url: str | None = None) -> str:
    """Serve ``app`` (or use the server already at ``url``) without opening it: the test's first load is its own.

    dash.testing's ``start_server`` loads the page, and ``settle_first_page`` then waits
    for the map to draw: a whole page load (seconds of software WebGL) that a test which
    opens its own URL next throws away. This records uncaught errors on every page
    the tab opens and empties the console buffer, as ``settle_first_page`` does.
    """
    if url is None:
        dash_duo.start_server(app, navigate=False)
    else:
        dash_duo.use_server(url)
    driver = dash_duo.driver
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ERROR_RECORDER})
    driver.get_log("browser")
    return dash_duo.server_url


def assert_clean_console(driver) -> None:
    """No SEVERE console entry; on failure, the message and JavaScript stacks in full."""
    severe = severe_logs(driver)
    if severe:
        lines = [entry["message"] for entry in severe] + ["--- stacks ---", *severe[0].get("stacks", [])]
        lines += ["--- context ---", *severe[0].get("context", [])]
        raise AssertionError("browser console errors:\n" + "\n".join(lines))


def assert_date_axis_and_map_on_screen(driver) -> None:
    """The strip's date labels and the map are both on screen, and nothing is drawn over the labels."""
    view = driver.execute_script("return [innerWidth, innerHeight]")
    ticks = driver.execute_script("""
      return Array.from(document.querySelectorAll('#timeline-strip .xtick text'))
        .map(t => t.getBoundingClientRect()).filter(r => r.width > 0).map(r => [r.top, r.bottom]);
    """)
    assert ticks, "no date axis ticks"
    assert all(top >= 0 and bottom <= view[1] for top, bottom in ticks), (ticks, view)
    m = rect(driver, "#map")
    assert m["top"] >= 0 and m["bottom"] <= view[1] and m["height"] >= 250, m
    # Nothing is drawn over the axis: the element at each tick label is the strip itself.
    over = driver.execute_script("""
      return Array.from(document.querySelectorAll('#timeline-strip .xtick text')).every(text => {
        const t = text.getBoundingClientRect();
        if (t.width === 0) return true;
        const e = document.elementFromPoint(t.left + t.width / 2, t.top + t.height / 2);
        return !!(e && e.closest('#timeline-strip'));
      });
    """)
    assert over, "something is drawn over the date axis"
