"""Take the README screenshots from the running app, offline, in headless Chromium.

    python -m scripts.screenshot            # docs/screenshot.png, docs/zoomed.png, docs/briefing.png
    python -m scripts.screenshot --query '?event=raqqa-falls-to-sdf' -o shot.png   # one picture

(from the repository root: it imports ``benchmarks.loopback`` for its port).

Starts `conflictmap serve` on a free loopback port, opens the page in a
Chromium that can resolve only loopback (so the pictures prove the offline
base map), at exactly the viewport size asked for, waits until the map has
loaded and drawn its markers for its zoom, and saves a PNG of the viewport.
Beside each picture it prints what tests/label_overlaps.py measures on it:
labels over labels or marks, labels under the map's furniture, and the share
of the map under the Key (all should be 0).
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options

from benchmarks.loopback import free_port

ROOT = Path(__file__).resolve().parent.parent


def label_overlaps():
    """tests/label_overlaps.py, the measure the browser tests use, loaded from its file.

    tests/ is not a package (pytest runs it as a folder of files), so it is loaded by path
    rather than by putting tests/ on ``sys.path``.
    """
    import importlib.util

    name = "label_overlaps"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "label_overlaps.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # before running it: its dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules[name]


def serve_in_background(port: int, events: Path = ROOT / "events.yaml") -> subprocess.Popen:
    """`conflictmap serve` on loopback, returning once it accepts connections."""
    server = subprocess.Popen(
        [sys.executable, "-m", "conflictmap_cli", "serve", str(events), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    return server


def offline_chromium(size: str = "1400,1000", *extra: str) -> webdriver.Chrome:
    """Headless Debian Chromium that can resolve only loopback (proves the page works offline)."""
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--use-angle=swiftshader",  # WebGL (the MapLibre map) without a GPU
        "--enable-unsafe-swiftshader",
        "--disable-dev-shm-usage",
        f"--window-size={size}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        *extra,
    ):
        options.add_argument(arg)
    return webdriver.Chrome(options=options)


MAP_SETTLED = """
  const gd = document.querySelector('#map .js-plotly-plot');
  const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot &&
              gd._fullLayout.map._subplot.map;
  if (!(map && map.loaded() && map.isStyleLoaded() && !map.isMoving())) return false;
  const meta = gd.layout.meta || {};
  return meta.markersZoom === Math.round(map.getZoom() * 2) / 2 &&
         !document.querySelector("[data-dash-is-loading='true']");
"""

FRAMED = "const m = document.getElementById('map'); return !!(m && m.getAttribute('data-framed'));"

#: (file, path and query, camera to set or None, window size)
PICTURES = [
    ("screenshot.png", "/?event=raqqa-falls-to-sdf", None, "1500,900"),
    ("zoomed.png", "/?event=mekhan-positions-captured", {"center": [40.48, 35.0], "zoom": 9.3}, "1500,900"),
    ("briefing.png", "/briefing/deir-ez-zor-october-2017?step=4", None, "1280,720"),
]


def take(driver, url: str, output: Path, camera: dict | None = None) -> None:
    driver.get(url)
    deadline = time.time() + 90
    while time.time() < deadline and not driver.execute_script(MAP_SETTLED):
        time.sleep(0.3)
    # A briefing step is framed once the map says so (conflictmap.js sets data-framed after the move).
    while "/briefing/" in url and time.time() < deadline and not driver.execute_script(FRAMED):
        time.sleep(0.3)
    if camera:
        driver.execute_script(
            "const gd = document.querySelector('#map .js-plotly-plot');"
            "gd._fullLayout.map._subplot.map.jumpTo(arguments[0], {originalEvent: {type: 'screenshot'}});",
            camera,
        )
        time.sleep(1)
        while time.time() < deadline and not driver.execute_script(MAP_SETTLED):
            time.sleep(0.3)
    time.sleep(1.5)  # let label fades settle
    output.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(output))
    measure = label_overlaps()
    print(
        f"wrote {output}: overlaps {measure.summary(measure.measure(driver)) or 'none'},"
        f" Key covers {measure.key_coverage(driver):.0%} of the map"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--query", default=None, help="one picture of this path and query")
    parser.add_argument("-o", "--output", type=Path, default=None)
    parser.add_argument("--size", default="1500,900")
    args = parser.parse_args()
    port = free_port()
    server = serve_in_background(port)
    try:
        pictures = (
            [(args.output or ROOT / "docs" / "screenshot.png", args.query, None, args.size)]
            if args.query
            else [(ROOT / "docs" / name, query, camera, size) for name, query, camera, size in PICTURES]
        )
        for output, query, camera, size in pictures:
            driver = offline_chromium(size, "--hide-scrollbars")
            width, height = (int(v) for v in size.split(","))
            driver.execute_cdp_cmd(  # exactly this viewport, whatever the window's chrome
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
            try:
                take(driver, f"http://127.0.0.1:{port}{query}", Path(output), camera)
            finally:
                driver.quit()
        return 0
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
