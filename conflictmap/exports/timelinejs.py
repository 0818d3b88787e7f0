"""TimelineJS3 JSON (https://timeline.knightlab.com/docs/json-format.html)."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from conflictmap.exports.common import attribution, citation, sources_for
from conflictmap.output import atomic_path
from conflictmap.table import Dataset
from conflictmap.view import rows_with_text
from conflictmap.wording import date_text, faction_label, place_text


def _date(ts: pd.Timestamp) -> dict:
    return {"year": str(ts.year), "month": str(ts.month), "day": str(ts.day)}


def _p(text: str) -> str:
    return f"<p>{html.escape(str(text))}</p>"


def timeline_document(dataset: Dataset, visible: pd.DataFrame, title: str | None = None) -> dict:
    attr = attribution(dataset)
    events = []
    for eid, row in rows_with_text(dataset, visible):
        parts = [_p(f"{date_text(row)} — {row['date_basis']}"), _p(f"Where: {place_text(row)}"), _p(row["description"])]
        for s in sources_for(dataset, eid):
            parts.append(f"<blockquote>{html.escape(s['quote'])}</blockquote>")
            parts.append(f"<p><cite>{html.escape(citation(s))}</cite></p>")
        event = {
            "start_date": _date(row["date_start"]),
            "text": {"headline": html.escape(str(row["title"])), "text": "".join(parts)},
            "group": html.escape(faction_label(dataset, row["primary_faction"])),
            "unique_id": str(eid),
        }
        if row["date_end"] != row["date_start"]:
            event["end_date"] = _date(row["date_end"])
        events.append(event)
    intro = "".join(_p(line) for line in attr.lines(with_map=False))
    return {"title": {"text": {"headline": html.escape(title or dataset.title), "text": intro}}, "events": events}


def write_timelinejs(
    dataset: Dataset, visible: pd.DataFrame, out: Path, protect, title: str | None = None
) -> list[Path]:
    doc = timeline_document(dataset, visible, title)
    with atomic_path(out, protect) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return [out]
