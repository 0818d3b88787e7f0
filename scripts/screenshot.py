"""Take the README screenshot from the running app, offline, in headless Chromium.

    python scripts/screenshot.py [--query '?event=raqqa-falls-to-sdf'] [-o docs/screenshot.png]

Starts `conflictmap serve` on a free loopback port, opens the page in a
Chromium that can resolve only loopback (so the picture proves the offline
base map), waits for the map to draw, and saves a PNG.
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

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
        "--disable-dev-shm-usage",
        f"--window-size={size}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        *extra,
    ):
        options.add_argument(arg)
    return webdriver.Chrome(options=options)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--query", default="?event=raqqa-falls-to-sdf")
    parser.add_argument("--path", default="/")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--size", default="1500,1000")
    args = parser.parse_args()
    port = free_port()
    server = serve_in_background(port)
    driver = None
    try:
        deadline = time.time() + 60
        driver = offline_chromium(args.size, "--hide-scrollbars")
        driver.get(f"http://127.0.0.1:{port}{args.path}{args.query}")
        while time.time() < deadline and not driver.find_elements("css selector", "#map .geo .layer.countries path"):
            time.sleep(0.3)
        time.sleep(1.5)  # let transitions settle
        args.output.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(args.output))
        print(f"wrote {args.output}")
        return 0
    finally:
        if driver:
            driver.quit()
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
