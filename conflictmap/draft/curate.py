"""From a draft to a curated events file: the analyst's decisions applied, checked, saved under a new name.

Pure at its heart (:func:`curated`: draft values + decisions -> events-file
values); :func:`save_curated` checks the result with the same validator as
``conflictmap validate`` before anything is written, and refuses any name that
exists already, so neither the draft, nor its article, nor an earlier curated
file is ever overwritten.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conflictmap.errors import ConflictmapError, EventsFileError

DECISIONS = ("proposed", "accept", "drop")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,120}\.ya?ml$")


class CurationError(ConflictmapError):
    """The curated file cannot be saved: a bad name, an existing file, or events that do not validate."""


@dataclass
class Decision:
    """What the analyst decided for one proposed event; empty fields keep the proposal."""

    status: str = "proposed"
    type: str = ""  # "type/sub_type"
    actors: str = ""  # "faction:role, faction:role"
    start: str = ""
    end: str = ""
    precision: str = ""
    place: str = ""
    place_precision: str = ""
    problems: list[str] = field(default_factory=list)


def read_draft(path: Path | str) -> dict[str, Any] | None:
    """The draft's values when ``path`` is a draft (it has a ``draft:`` section), else None."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("draft"), dict) else None


def _actors(text: str) -> list[dict[str, str]]:
    out = []
    for part in text.split(","):
        if not part.strip():
            continue
        faction, _, role = part.strip().partition(":")
        out.append({"faction": faction.strip(), "role": (role.strip() or "actor")})
    return out


def _date(value: str) -> dt.date | str:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return value.strip()  # left as written: the validator names the field and the problem


def apply_decision(event: dict[str, Any], decision: Decision) -> dict[str, Any]:
    """One accepted event with the analyst's edits; the draft's marker note is removed."""
    out = copy.deepcopy(event)
    if decision.type.strip():
        kind, _, sub = decision.type.partition("/")
        out["type"], out["sub_type"] = kind.strip(), sub.strip()
    if decision.actors.strip():
        out["actors"] = _actors(decision.actors)
    if decision.start.strip() or decision.end.strip() or decision.precision.strip():
        date = dict(out["date"])
        start = decision.start.strip() or str(date.get("day") or date.get("start"))
        end = decision.end.strip() or start
        precision = decision.precision.strip() or date["precision"]
        if start == end:
            out["date"] = {"day": _date(start), "precision": precision, "basis": date["basis"]}
        else:
            out["date"] = {"start": _date(start), "end": _date(end), "precision": precision, "basis": date["basis"]}
        out["date"]["basis"] = f"{date['basis']} Edited by the analyst."
    place = out.get("place") or {}
    if decision.place.strip() and decision.place.strip() != place.get("name"):
        # A new name is geocoded by name: the proposal's pinned id or coordinates belong to the old one.
        out["place"] = {"name": decision.place.strip(), "precision": decision.place_precision or "town"}
        if place.get("country"):
            out["place"]["country"] = place["country"]
    elif decision.place_precision.strip() and place:
        out["place"] = {**place, "precision": decision.place_precision.strip()}
    notes = re.sub(r"^DRAFT: [^.]*\.\s*", "", out.get("notes", "")).strip()
    out["notes"] = f"Curated from a conflictmap draft. {notes}".strip()
    return out


def curated(draft: dict[str, Any], decisions: dict[str, Decision]) -> dict[str, Any]:
    """The curated file's values: the accepted events (edited), the factions they use, no draft marker."""
    events = [
        apply_decision(e, decisions[e["id"]])
        for e in draft["events"]
        if decisions.get(e["id"], Decision()).status == "accept"
    ]
    if not events:
        raise CurationError("accept at least one event before saving a curated file")
    used = {a["faction"] for e in events for a in e["actors"]}
    # A faction typed in an edit that the draft does not define is left for the validator to name.
    factions = {k: v for k, v in draft["factions"].items() if k in used}
    title = re.sub(r"^DRAFT from ", "Curated from ", draft.get("title") or "Curated events")
    return {
        "format": draft.get("format", "conflictmap/events@1"),
        "title": title,
        "documents": draft["documents"],
        "factions": factions,
        "events": events,
    }


def target_for(draft_path: Path, name: str) -> Path:
    """Where a curated file of this name goes (beside the draft, so the article's relative path still holds)."""
    name = name.strip()
    if not _SAFE_NAME.match(name) or "/" in name or "\\" in name or ".." in name:
        raise CurationError(
            f"{name!r} is not a file name for the curated copy (letters, digits, '-', '_', '.', ending in .yaml)"
        )
    target = draft_path.parent / name
    if target.exists() or target.is_symlink():
        raise CurationError(f"{target.name} exists already: choose a new name (nothing is ever overwritten)")
    return target


def save_curated(draft_path: Path | str, values: dict[str, Any], name: str) -> Path:
    """Validate ``values`` as an events file, then write them under a new name beside the draft."""
    from conflictmap.draft.write import dump_yaml
    from conflictmap.events import load_events

    draft_path = Path(draft_path)
    target = target_for(draft_path, name)
    text = "# Curated with conflictmap from a draft: the accepted events, as edited.\n" + dump_yaml(values)
    fd, tmp_name = tempfile.mkstemp(prefix=".curated-", suffix=".yaml", dir=draft_path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            load_events(tmp)
        except EventsFileError as exc:
            problems = "; ".join(f"line {p.line}: {p.field}: {p.message}" for p in exc.problems[:5])
            raise CurationError(f"not saved: the curated events do not validate: {problems}") from None
        try:
            os.link(tmp, target)  # fails if the name appeared meanwhile: never replaces a file
        except FileExistsError:
            raise CurationError(f"{target.name} exists already: choose a new name") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target
