"""What the browser tests share: waiting on Dash, reading the page like a user."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def wait_for(predicate, timeout=15.0, interval=0.1, message="condition"):
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


def wait_idle(driver, timeout=15.0):
    """Dash marks the page as loading while callbacks run."""
    wait_for(
        lambda: (
            not driver.find_elements("css selector", "[data-dash-is-loading='true']")
            and driver.find_elements("css selector", "#map .geo .layer.countries path")
        ),
        timeout,
        message="Dash idle with map drawn",
    )
    time.sleep(0.3)


def map_event_ids(driver) -> list[str]:
    """Ids of the event markers drawn on the map, read from the figure plotly rendered."""
    return driver.execute_script("""
      const gd = document.querySelector('#map .js-plotly-plot');
      return gd.data.filter(t => t.meta === 'events').flatMap(t => t.customdata);
    """)


def timeline_event_ids(driver) -> list[str]:
    return driver.execute_script("""
      const gd = document.querySelector('#timeline .js-plotly-plot');
      return gd.data.filter(t => t.meta === 'events').flatMap(t => t.customdata);
    """)


def selected_on(driver, graph: str) -> list[str]:
    return driver.execute_script(f"""
      const gd = document.querySelector('#{graph} .js-plotly-plot');
      return gd.data.filter(t => t.meta === 'selected').flatMap(t => t.customdata);
    """)


def non_loopback_resources(driver) -> list[str]:
    urls = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    urls.append(driver.current_url)
    return [
        u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname not in LOOPBACK
    ]


def severe_logs(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def click_point(driver, graph: str, event_id: str) -> None:
    """Click the drawn marker of ``event_id`` with a real mouse event at its screen position."""
    click_at(driver, *point_position(driver, graph, event_id))


def point_position(driver, graph: str, event_id: str) -> tuple[float, float]:
    """Viewport coordinates of the drawn marker of ``event_id`` on ``graph``."""
    xy = driver.execute_script(
        """
      const [graph, id] = arguments;
      const gd = document.querySelector('#' + graph + ' .js-plotly-plot');
      gd.scrollIntoView({block: 'center'});
      const traces = gd.querySelectorAll('.scatterlayer .trace, .scattergeolayer .trace');
      for (let t = 0; t < gd.data.length; t++) {
        const tr = gd.data[t];
        if (tr.meta !== 'events') continue;
        const k = tr.customdata.indexOf(id);
        if (k < 0) continue;
        const pts = gd.calcdata[t][0].trace.uid;
        const node = Array.from(gd.querySelectorAll('.trace')).find(
          n => n.__data__ && n.__data__[0] && n.__data__[0].trace && n.__data__[0].trace.uid === pts);
        const point = node.querySelectorAll('path.point')[k];
        const r = point.getBoundingClientRect();
        return [r.left + r.width / 2, r.top + r.height / 2];
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
    """A real mouse click at viewport coordinates (what plotly's hit-testing needs)."""
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
