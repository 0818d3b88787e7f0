"""GIF and MP4: play over time, the events appearing day by day on the map and the timeline.

One frame per day of the view's period (at most MAX_FRAMES: longer periods
step several days per frame), each showing every event that started on or
before that day, with the window shaded on the timeline. Axes, map frame and
image size are fixed from the whole period so the frames line up. The base
map is drawn once and each frame draws its events over that picture
(``flatmap.py``); frames are rendered by the static renderer (kaleido) and
assembled by imageio (GIF via Pillow, MP4 by the ffmpeg binary that
imageio-ffmpeg ships).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from conflictmap.exports.common import visible_events
from conflictmap.exports.errors import ExportError, MissingDependencyError
from conflictmap.output import atomic_path
from conflictmap.table import Dataset
from conflictmap.view import ViewState
from dashboard.exports.browser import render
from dashboard.exports.composite import (
    MAP_HEIGHT,
    MAX_TIMELINE,
    Frame,
    base_map_png_figure,
    camera_for,
    composite_figure,
)
from dashboard.exports.composite import WIDTH as FULL_WIDTH
from dashboard.timeline import period, timeline_figure

MAX_FRAMES = 40
WIDTH = 1000
FRAME_MS = 500
HOLD_MS = 2500  # the last frame stays up a little
FPS = 2
CRF = 15  # H.264 constant rate factor: lower is better; 15 keeps thin lines and small text sharp


def frame_days(visible: pd.DataFrame, max_frames: int = MAX_FRAMES) -> list[pd.Timestamp]:
    first, last = visible["date_start"].min(), visible["date_end"].max()
    days = pd.date_range(first, last, freq="D")
    step = max(1, math.ceil(len(days) / max_frames))
    picked = list(days[::step])
    if picked[-1] != days[-1]:
        picked.append(days[-1])
    return picked


def frame_figures(
    dataset: Dataset, state: ViewState, width: int = WIDTH, max_frames: int = MAX_FRAMES
) -> tuple[int, Iterator[go.Figure]]:
    """How many frames, and the frames themselves, built one at a time as the browser asks for them."""
    visible = visible_events(dataset, state)
    if visible.empty:
        raise ExportError("no events match the filters: nothing to animate")
    # One camera, date range and timeline height for every frame, from the whole view.
    centre, zoom = camera_for(dataset, visible, width=width, height=int(MAP_HEIGHT * width / FULL_WIDTH))
    x_range = period(dataset)
    lanes = timeline_figure(dataset, visible, state, x_range=x_range)
    fixed = Frame(
        x_range=x_range, centre=centre, zoom=zoom, timeline_height=min(MAX_TIMELINE, int(lanes["layout"]["height"]))
    )
    days = frame_days(visible, max_frames)
    # The base map is drawn once; every frame draws its events over that picture (see flatmap.py).
    base_map = render([base_map_png_figure(dataset, visible, fixed, width)], "png", label="Drawing the base map")[0]

    def frames() -> Iterator[go.Figure]:
        for day in days:
            now = visible[visible["date_start"] <= day]
            st = state.replace(
                date_from=state.date_from or visible["date_start"].min().date(), date_to=day.date(), event=None
            )
            yield composite_figure(
                dataset,
                now,
                st,
                width=width,
                frame=fixed,
                base_map=base_map,
                subtitle=f"Events up to {day:%a %d %b %Y} ({len(now)} of {len(visible)})",
            )

    return len(days), frames()


def _frames_as_arrays(pngs: list[bytes], multiple: int = 1):
    import numpy as np
    from PIL import Image

    images = [Image.open(io.BytesIO(p)).convert("RGB") for p in pngs]
    w = max(i.width for i in images)
    h = max(i.height for i in images)
    w, h = math.ceil(w / multiple) * multiple, math.ceil(h / multiple) * multiple
    out = []
    for im in images:
        canvas = Image.new("RGB", (w, h), "white")
        canvas.paste(im, (0, 0))
        out.append(np.asarray(canvas))
    return out


def write_animation(dataset: Dataset, fmt: str, out: Path, state: ViewState, protect) -> list[Path]:
    try:
        import imageio.v3 as iio
    except ImportError:
        raise MissingDependencyError("gif/mp4 export needs imageio: pip install imageio") from None
    count, figs = frame_figures(dataset, state)
    pngs = render(figs, "png", label=f"Rendering {count} {fmt} frames", total=count)
    if fmt == "gif":
        frames = _frames_as_arrays(pngs)
        durations = [FRAME_MS] * (len(frames) - 1) + [HOLD_MS]
        with atomic_path(out, protect) as tmp:
            iio.imwrite(tmp, frames, extension=".gif", duration=durations, loop=0)
        return [out]
    try:
        import imageio_ffmpeg  # ships its own ffmpeg binary
    except ImportError:
        raise MissingDependencyError("mp4 export needs imageio-ffmpeg: pip install imageio-ffmpeg") from None
    frames = _frames_as_arrays(pngs, multiple=16)
    hold = max(1, round(HOLD_MS / 1000 * FPS))
    with atomic_path(out, protect) as tmp:
        _encode_mp4(imageio_ffmpeg.get_ffmpeg_exe(), frames + [frames[-1]] * (hold - 1), tmp)
    return [out]


def _encode_mp4(ffmpeg: str, frames: list, target: Path) -> None:
    """H.264 in an MP4 that starts playing before it has fully loaded; ffmpeg's own output is kept off
    the terminal and shown only if it fails."""
    import subprocess
    import tempfile

    height, width = frames[0].shape[:2]
    staging = target.with_suffix(".mp4")  # ffmpeg picks the container by the file extension
    command = [
        ffmpeg,
        "-y",
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{width}x{height}",
        "-r",
        str(FPS),
        "-i",
        "-",
        "-vcodec",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-crf",
        str(CRF),
        "-movflags",
        "+faststart",
        str(staging),
    ]
    with tempfile.TemporaryFile() as log:
        try:
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log)
            assert proc.stdin is not None
            try:
                for frame in frames:
                    proc.stdin.write(frame.tobytes())
            except BrokenPipeError:
                pass  # ffmpeg stopped early; its log says why
            finally:
                proc.stdin.close()
            code = proc.wait()
            if code != 0:
                log.seek(0)
                detail = log.read().decode("utf-8", "replace").strip()[-2000:]
                raise ExportError(f"ffmpeg could not encode the mp4 (exit {code}): {detail}")
            os.replace(staging, target)
        finally:
            staging.unlink(missing_ok=True)
