"""Exports drawn in Chromium: one browser per process, reused by every frame and every export; progress.

These start a real headless Chromium (they fail, never skip, without one).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import plotly.graph_objects as go
import pytest

from conflictmap import progress
from conflictmap.pipeline import load_dataset
from dashboard.exports import BrowserNotFoundError, export
from dashboard.exports import browser as chromium

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events.yaml"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(EVENTS)


def small_figure(k: int) -> go.Figure:
    return go.Figure(go.Scatter(x=[0, 1, 2], y=[k, k + 1, k]), layout={"width": 300, "height": 200})


def browser_pid() -> int:
    session = chromium._current_session()
    session.wait_ready()
    return session._kaleido.subprocess.pid


def test_one_browser_draws_every_figure_of_every_render():
    chromium.stop_browser()
    built = []

    def figures():  # handed over one at a time, as they are built
        for k in range(4):
            built.append(k)
            yield small_figure(k)

    first = chromium.render(figures(), "png", total=4)
    pid = browser_pid()
    second = chromium.render([small_figure(9)], "png")
    assert browser_pid() == pid  # the same Chromium process, still running
    assert built == [0, 1, 2, 3] and len(first) == 4 and len(second) == 1
    assert all(png.startswith(b"\x89PNG") for png in first + second)
    assert len(set(first)) == 4  # each figure drawn, in order
    chromium.stop_browser()
    assert chromium._session is None
    chromium.render([small_figure(1)], "svg")
    assert browser_pid() != pid  # a new one after stop_browser()


def test_missing_browser_is_a_typed_error(monkeypatch, dataset, tmp_path):
    chromium.stop_browser()
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chrome"))
    with pytest.raises(BrowserNotFoundError, match="BROWSER_PATH"):
        export(dataset, "png", tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_export_reports_its_progress_when_a_command_asks(dataset, tmp_path):
    stream = io.StringIO()
    with progress.reporting(True, stream):
        export(dataset, "png", tmp_path / "map.png")
    text = stream.getvalue()
    assert "Rendering png" in text and "1/1" in text
    assert (tmp_path / "map.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("quieted", [True, False])
def test_the_browser_drivers_own_log_stays_off_stderr(quieted):
    """choreographer logs a traceback for a Chromium message it ignores; with logging not set up Python
    printed it to stderr under a successful export. Both sides run, so the check can fail."""
    logged = (
        "import logging\n"
        "from dashboard.exports.browser import quiet_driver_logs\n"
        + ("quiet_driver_logs()\n" if quieted else "")
        + "try:\n    raise ValueError('bad message')\n"
        "except ValueError:\n"
        "    logging.getLogger('choreographer.channels.pipe').exception('JSONError decoding message. Ignoring')\n"
    )
    proc = subprocess.run([sys.executable, "-c", logged], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert ("Traceback" in proc.stderr) is not quieted, proc.stderr


def test_mp4_export_prints_nothing_but_the_result(tmp_path):
    out = tmp_path / "deep" / "er" / "a.mp4"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        # One faction's events: a short animation (the whole file's takes 3 times longer, and the point
        # here is what the command prints, not how long the film is); --faction also goes through the CLI.
        [sys.executable, "-m", "conflictmap_cli", "export", str(EVENTS), "-f", "mp4", "-o", str(out)]
        + ["--faction", "syrian-government"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{out}: written (mp4)\n"
    assert proc.stderr == ""  # no ffmpeg log lines, no progress bar (stderr is not a terminal), no traceback
    assert out.stat().st_size > 10_000
