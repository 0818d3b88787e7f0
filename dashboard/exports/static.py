"""PNG, SVG and PDF: the map above the timeline, one file per view (or per briefing step)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import plotly.graph_objects as go

from conflictmap.briefing import Briefing
from conflictmap.describe import view_description
from conflictmap.exports.common import markdown_to_text, visible_events
from conflictmap.output import atomic_path
from conflictmap.table import Dataset
from conflictmap.view import ViewState, passive_only
from dashboard.exports.browser import render
from dashboard.exports.composite import composite_figure


def views(dataset: Dataset, state: ViewState, briefing: Briefing | None) -> Iterator[go.Figure]:
    """One figure per image: the one view, or each briefing step; built one at a time, as the browser asks."""
    if briefing is None:
        visible = visible_events(dataset, state)
        passive = passive_only(dataset, state, visible)["event_id"].nunique()
        counts = f"{len(visible):,} events" + (f", {passive:,} only as affected" if passive else "")
        subtitle = f"{view_description(dataset, state)} ({counts})"  # in words, never the query string
        yield composite_figure(dataset, visible, state, subtitle=subtitle)
        return
    for k, step in enumerate(briefing.steps, 1):
        st = step.view_state()
        yield composite_figure(
            dataset,
            visible_events(dataset, st),
            st,
            featured=step.events,
            title=briefing.title,
            subtitle=f"Step {k} of {len(briefing.steps)}: {markdown_to_text(step.heading)}",
        )


def step_paths(out: Path, n: int) -> list[Path]:
    return [out.with_name(f"{out.stem}-step{k:02d}{out.suffix}") for k in range(1, n + 1)]


def write_static(
    dataset: Dataset, fmt: str, out: Path, state: ViewState, briefing: Briefing | None, protect
) -> list[Path]:
    count = 1 if briefing is None else len(briefing.steps)
    label = f"Rendering {fmt}" if briefing is None else f"Rendering {count} briefing steps as {fmt}"
    blobs = render(views(dataset, state, briefing), fmt, scale=1.0, label=label, total=count)
    targets = [out] if briefing is None else step_paths(out, count)
    for target, blob in zip(targets, blobs):
        with atomic_path(target, protect) as tmp:
            tmp.write_bytes(blob)
    return targets
