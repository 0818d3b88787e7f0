"""Load and validate an events file into a checked model.

Validation collects every problem with its line instead of stopping at the
first, and checks what a careful analyst relies on: ids unique, factions
known, dates real and ordered, coordinates on the globe, and every quoted
source sentence actually present in the cited document and paragraph.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conflictmap.errors import EventsFileError, Problem
from conflictmap.seeds import SourceDocument, load_source_document
from conflictmap.vocabulary import (
    CONFIDENCES,
    DATE_PRECISIONS,
    EVENT_TYPES,
    PLACE_PRECISIONS,
    ROLES,
)
from conflictmap.yamlsource import YamlDocument, dotted, load_yaml

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class EventsFile:
    """A validated events file: plain values, ready to become a table."""

    path: Path
    title: str
    documents: dict[str, dict[str, Any]]
    factions: dict[str, dict[str, Any]]
    events: list[dict[str, Any]]
    lines: dict[str, int] = field(default_factory=dict)  # event id -> line


def load_events(path: Path | str) -> EventsFile:
    """Read and validate ``path``; raise EventsFileError listing every problem."""
    path = Path(path)
    doc = load_yaml(path)
    return validate(doc, path.parent)


class _Checker:
    """Accumulates problems while walking the document."""

    def __init__(self, doc: YamlDocument):
        self.doc = doc
        self.problems: list[Problem] = list(doc.problems)

    def add(self, path: tuple, message: str) -> None:
        self.problems.append(Problem(self.doc.file, self.doc.line(path), dotted(path), message))

    def mapping(self, value, path, required=(), optional=()) -> dict | None:
        if not isinstance(value, dict):
            self.add(path, f"must be a mapping of fields, got {_kind(value)}")
            return None
        for key in required:
            if (key not in value or value[key] is None) and path + (key,) not in self.doc.unreadable:
                self.add(path, f"missing required field '{key}'")
        allowed = set(required) | set(optional)
        for key in value:
            if key not in allowed:
                self.add(path + (key,), f"unknown field (expected one of: {', '.join(sorted(allowed))})")
        return value

    def text(self, value, path, required=True) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            self.add(path, f"must be {'non-empty ' if required else ''}text, got {_kind(value)}")
            return None
        return value.strip()

    def choice(self, value, path, choices) -> str | None:
        if value is None:
            return None
        if value not in choices:
            self.add(path, f"{value!r} is not one of: {', '.join(choices)}")
            return None
        return value

    def date(self, value, path) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.add(path, f"{value!r} is not a date (write YYYY-MM-DD)")
        return None

    def number(self, value, path, lo, hi) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(path, f"must be a number, got {_kind(value)}")
            return None
        if not lo <= value <= hi:
            self.add(path, f"{value} is out of range [{lo}, {hi}]")
            return None
        return float(value)


def validate(doc: YamlDocument, base_dir: Path) -> EventsFile:
    c = _Checker(doc)
    root = c.mapping(doc.data, (), required=("events", "factions", "documents"), optional=("format", "title"))
    if root is None:
        raise EventsFileError(c.problems)
    if root.get("format") not in (None, "conflictmap/events@1"):
        c.add(("format",), f"unsupported format {root.get('format')!r} (this version reads conflictmap/events@1)")
    title = c.text(root.get("title"), ("title",))
    documents = _documents(c, root.get("documents"), base_dir)
    factions = _factions(c, root.get("factions"))
    events, lines = _events(c, root.get("events"), documents, factions)
    if c.problems:
        raise EventsFileError(c.problems)
    meta = {k: {kk: vv for kk, vv in v.items() if kk != "text"} for k, v in documents.items()}
    return EventsFile(
        path=Path(doc.file),
        title=title or Path(doc.file).stem,
        documents=meta,
        factions=factions,
        events=events,
        lines=lines,
    )


def _documents(c: _Checker, value, base_dir: Path) -> dict[str, dict]:
    out: dict[str, dict] = {}
    if value is None:
        return out
    if not isinstance(value, dict) or not value:
        c.add(("documents",), "must map document ids to their file, publisher, title and date")
        return out
    for key, entry in value.items():
        path = ("documents", key)
        if not ID_RE.match(str(key)):
            c.add(path, "document ids use lower-case letters, digits and hyphens")
        m = c.mapping(entry, path, required=("file", "publisher", "title", "published"), optional=("url", "note"))
        if m is None:
            continue
        file = c.text(m.get("file"), path + ("file",))
        published = c.date(m.get("published"), path + ("published",))
        url = m.get("url")
        if url is not None and not (isinstance(url, str) and re.match(r"^https?://\S+$", url)):
            c.add(path + ("url",), "must be an http(s) address or null")
        text = None
        if file:
            try:
                text = load_source_document(base_dir / file)
            except EventsFileError as exc:
                c.add(path + ("file",), f"cannot read source document {file}: {exc.problems[0].message}")
        out[str(key)] = {
            "file": file,
            "publisher": c.text(m.get("publisher"), path + ("publisher",)),
            "title": c.text(m.get("title"), path + ("title",)),
            "published": published,
            "url": url,
            "note": c.text(m.get("note"), path + ("note",), required=False),
            "text": text,
        }
    return out


def _factions(c: _Checker, value) -> dict[str, dict]:
    out: dict[str, dict] = {}
    if value is None:
        return out
    if not isinstance(value, dict) or not value:
        c.add(("factions",), "must map faction ids to name, side and colour")
        return out
    for key, entry in value.items():
        path = ("factions", key)
        if not ID_RE.match(str(key)):
            c.add(path, "faction ids use lower-case letters, digits and hyphens")
        m = c.mapping(entry, path, required=("name", "side", "colour"), optional=("aliases", "description"))
        if m is None:
            continue
        aliases = m.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            c.add(path + ("aliases",), "must be a list of names")
            aliases = []
        colour = m.get("colour")
        if colour is not None and not (isinstance(colour, str) and COLOUR_RE.match(colour)):
            c.add(path + ("colour",), f"{colour!r} is not a colour like '#0072B2'")
        out[str(key)] = {
            "name": c.text(m.get("name"), path + ("name",)),
            "side": c.text(m.get("side"), path + ("side",)),
            "colour": colour,
            "aliases": [a.strip() for a in aliases],
            "description": c.text(m.get("description"), path + ("description",), required=False),
        }
    return out


EVENT_FIELDS_REQUIRED = ("id", "title", "date", "type", "sub_type", "actors", "description", "sources", "confidence")
EVENT_FIELDS_OPTIONAL = ("place", "destination", "notes")


def _events(c: _Checker, value, documents, factions):
    events: list[dict[str, Any]] = []
    lines: dict[str, int] = {}
    seen: dict[str, int] = {}
    if value is None:
        return events, lines
    if not isinstance(value, list) or not value:
        c.add(("events",), "must be a non-empty list of events")
        return events, lines
    for i, entry in enumerate(value):
        path = ("events", i)
        m = c.mapping(entry, path, required=EVENT_FIELDS_REQUIRED, optional=EVENT_FIELDS_OPTIONAL)
        if m is None:
            continue
        event_id = m.get("id")
        if event_id is not None:
            if not isinstance(event_id, str) or not ID_RE.match(event_id):
                c.add(path + ("id",), f"{event_id!r} is not an id (lower-case letters, digits, hyphens)")
            elif event_id in seen:
                c.add(path + ("id",), f"duplicate id {event_id!r} (first used on line {seen[event_id]})")
            else:
                seen[event_id] = c.doc.line(path + ("id",))
        event_type = c.choice(m.get("type"), path + ("type",), tuple(EVENT_TYPES))
        sub_type = m.get("sub_type")
        if event_type and sub_type is not None:
            c.choice(sub_type, path + ("sub_type",), tuple(EVENT_TYPES[event_type]))
        date = _date(c, m.get("date"), path + ("date",))
        place = _place(c, m.get("place"), path + ("place",))
        destination = _place(c, m.get("destination"), path + ("destination",))
        if event_type == "movement" and m.get("destination") is None:
            c.add(path, "a movement needs a 'destination'")
        if m.get("destination") is not None and event_type not in ("movement", "displacement"):
            c.add(path + ("destination",), "only movements and displacements have a destination")
        actors = _actors(c, m.get("actors"), path + ("actors",), factions)
        sources = _sources(c, m.get("sources"), path + ("sources",), documents)
        event = {
            "id": event_id,
            "title": c.text(m.get("title"), path + ("title",)),
            "date": date,
            "type": event_type,
            "sub_type": sub_type,
            "actors": actors,
            "place": place,
            "destination": destination,
            "description": c.text(m.get("description"), path + ("description",)),
            "sources": sources,
            "confidence": c.choice(m.get("confidence"), path + ("confidence",), CONFIDENCES),
            "notes": c.text(m.get("notes"), path + ("notes",), required=False),
        }
        events.append(event)
        if isinstance(event_id, str):
            lines[event_id] = c.doc.line(path)
    return events, lines


def _date(c: _Checker, value, path):
    m = c.mapping(value, path, required=("precision", "basis"), optional=("day", "start", "end"))
    if m is None:
        return None
    precision = c.choice(m.get("precision"), path + ("precision",), DATE_PRECISIONS)
    on = c.date(m.get("day"), path + ("day",))
    start = c.date(m.get("start"), path + ("start",))
    end = c.date(m.get("end"), path + ("end",))
    has_on, has_range = "day" in m, "start" in m or "end" in m
    if has_on and has_range:
        c.add(path, "give either 'day' (one day) or 'start' and 'end' (a range), not both")
    elif not has_on and not has_range:
        c.add(path, "missing 'day' (one day) or 'start' and 'end' (a range)")
    elif has_range and ("start" not in m or "end" not in m):
        c.add(path, "a range needs both 'start' and 'end'")
    if has_on:
        start = end = on
    if start and end and start > end:
        c.add(path + ("end",), f"end {end} is before start {start}")
    if precision in ("day", "reported") and start and end and start != end:
        c.add(path + ("precision",), f"precision '{precision}' is for one day; use 'range', 'week' or 'month'")
    return {"start": start, "end": end, "precision": precision, "basis": c.text(m.get("basis"), path + ("basis",))}


def _place(c: _Checker, value, path):
    if value is None:
        return None
    m = c.mapping(
        value, path, required=("name", "precision"), optional=("country", "gazetteer_id", "coordinates", "note")
    )
    if m is None:
        return None
    coords = None
    if m.get("coordinates") is not None:
        cm = c.mapping(
            m["coordinates"], path + ("coordinates",), required=("lat", "lon", "source"), optional=("radius_km",)
        )
        if cm is not None:
            coords = {
                "lat": c.number(cm.get("lat"), path + ("coordinates", "lat"), -90, 90),
                "lon": c.number(cm.get("lon"), path + ("coordinates", "lon"), -180, 180),
                "radius_km": c.number(cm.get("radius_km"), path + ("coordinates", "radius_km"), 0, 5000),
                "source": c.text(cm.get("source"), path + ("coordinates", "source")),
            }
    country = m.get("country")
    if country is not None and not (isinstance(country, str) and re.match(r"^[A-Z]{2}$", country)):
        c.add(path + ("country",), f"{country!r} is not an ISO 3166 two-letter country code like 'SY'")
    gid = m.get("gazetteer_id")
    if gid is not None and not isinstance(gid, (str, int)):
        c.add(path + ("gazetteer_id",), "must be a GeoNames id or a supplement id")
    elif gid is not None and not _gazetteer_has(str(gid)):
        c.add(
            path + ("gazetteer_id",),
            f"{gid!r} is not in the gazetteer (a GeoNames id like '172955' or a supplement id like 'cm:mahkan')",
        )
    return {
        "name": c.text(m.get("name"), path + ("name",)),
        "precision": c.choice(m.get("precision"), path + ("precision",), PLACE_PRECISIONS),
        "country": country,
        "gazetteer_id": None if gid is None else str(gid),
        "coordinates": coords,
        "note": c.text(m.get("note"), path + ("note",), required=False),
    }


def _gazetteer_has(gazetteer_id: str) -> bool:
    """Whether a pinned id exists; the gazetteer is loaded only when a file pins one."""
    from geodata.gazetteer import default_gazetteer

    return default_gazetteer().by_id(gazetteer_id) is not None


def _actors(c: _Checker, value, path, factions):
    out: list[dict[str, Any]] = []
    if not isinstance(value, list) or not value:
        if value is not None:
            c.add(path, "must be a list of {faction, role}")
        return out
    for i, entry in enumerate(value):
        m = c.mapping(entry, path + (i,), required=("faction", "role"), optional=("note",))
        if m is None:
            continue
        faction = m.get("faction")
        if faction is not None and not isinstance(faction, str):
            c.add(path + (i, "faction"), f"must be a faction id, got {_kind(faction)}")
            faction = None
        elif faction is not None and faction not in factions:
            known = ", ".join(sorted(factions)) or "none defined"
            c.add(path + (i, "faction"), f"unknown faction {faction!r} (known: {known})")
        role = c.choice(m.get("role"), path + (i, "role"), ROLES)
        out.append(
            {"faction": faction, "role": role, "note": c.text(m.get("note"), path + (i, "note"), required=False)}
        )
    return out


def _sources(c: _Checker, value, path, documents):
    out: list[dict[str, Any]] = []
    if not isinstance(value, list) or not value:
        if value is not None:
            c.add(path, "must be a non-empty list of {document, paragraph, quote}")
        return out
    for i, entry in enumerate(value):
        p = path + (i,)
        m = c.mapping(entry, p, required=("document", "paragraph", "quote"), optional=("note",))
        if m is None:
            continue
        document, paragraph, quote = m.get("document"), m.get("paragraph"), c.text(m.get("quote"), p + ("quote",))
        if document is not None and not isinstance(document, str):
            c.add(p + ("document",), f"must be a document id, got {_kind(document)}")
            document = None
        elif document is not None and document not in documents:
            c.add(p + ("document",), f"unknown document {document!r} (known: {', '.join(sorted(documents)) or 'none'})")
        if paragraph is not None and (isinstance(paragraph, bool) or not isinstance(paragraph, int) or paragraph < 1):
            c.add(p + ("paragraph",), f"must be a paragraph number from 1, got {paragraph!r}")
            paragraph = None
        source: SourceDocument | None = documents.get(document, {}).get("text") if isinstance(document, str) else None
        if source is not None and quote:
            found = source.find_quote(quote)
            if found is None:
                c.add(p + ("quote",), f"quote not found verbatim in {source.path.name}")
            elif paragraph is not None and paragraph != found:
                c.add(p + ("paragraph",), f"quote is in paragraph {found}, not {paragraph}")
        out.append(
            {
                "document": document,
                "paragraph": paragraph,
                "quote": quote,
                "note": c.text(m.get("note"), p + ("note",), required=False),
            }
        )
    return out


def _kind(value) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


__all__ = ["EventsFile", "load_events", "validate"]
