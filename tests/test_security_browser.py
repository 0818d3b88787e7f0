"""Under harden()'s Content-Security-Policy, a page with a MapLibre map and a clientside callback still works.

A CSP that is too strict fails quietly: the browser refuses a script or a
worker and logs it to the console. So this drives a real Chromium and
requires the map canvas to draw, both callbacks to run, the policy header to
be the one the page was served with, and no console error at all.
"""

from __future__ import annotations

import urllib.request

import pytest
from browser_helpers import non_loopback_resources, severe_logs, wait_for
from security_app import build_app

pytestmark = pytest.mark.browser


def test_map_and_callbacks_work_under_the_csp(dash_duo):
    app = build_app()
    dash_duo.start_server(app)
    with urllib.request.urlopen(dash_duo.server_url + "/", timeout=10) as response:
        policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in policy and "worker-src 'self' blob:" in policy
    driver = dash_duo.driver
    driver.get(dash_duo.server_url + "/")

    # The MapLibre map: a WebGL canvas, drawn by a worker started from a blob: URL.
    wait_for(lambda: driver.find_elements("css selector", "#map canvas.maplibregl-canvas"), message="map canvas")
    wait_for(
        lambda: driver.execute_script(
            "const gd = document.querySelector('#map .js-plotly-plot');"
            "return gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot"
            " && gd._fullLayout.map._subplot.map.loaded();"
        ),
        message="map loaded",
    )
    # The server callback (through the hardened /_dash-update-component).
    wait_for(lambda: "1 selected (sdf)" in driver.find_element("id", "count").text, message="server callback")
    # The inline clientside callback: allowed by its hash, not by 'unsafe-inline'.
    wait_for(lambda: driver.find_element("id", "client-out").text == "clicked 0", message="clientside callback")
    driver.find_element("id", "button").click()
    wait_for(lambda: driver.find_element("id", "client-out").text == "clicked 1", message="clientside after click")

    assert non_loopback_resources(driver) == []
    assert severe_logs(driver) == []
