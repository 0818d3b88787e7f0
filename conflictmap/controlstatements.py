"""The events file's explicit control statements, as one table.

Two kinds of statement say who holds a place beyond what an event's roles
say: an event's own ``control:`` block (``held``, ``contested`` or
``withdrawn``, at the event's place and date) and a top-level ``control:``
assertion ("Daesh held Deir Ez-Zor on 24 October"), which has its own place
and date. Both become rows of one table carried on the Dataset, so the
control model (:mod:`conflictmap.control`) reads tables only, like every
step after validation. Assertion places are geocoded with the events' places.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from conflictmap.events import EventsFile
    from conflictmap.geocode import Resolver

PLACE_FIELDS = ("name", "precision", "country", "gazetteer_id", "lat", "lon", "radius_km", "coord_source")

STATEMENT_COLUMNS = [
    "id",  # the evidence id: the event's id, or the assertion's
    "kind",  # "event" (an event's control: block) or "assertion" (top-level control:)
    "result",  # held | contested | withdrawn
    "holder",  # faction id, or None (held: the event's actor)
    "date_start",
    "date_end",
    "date_precision",
    *(f"place_{k}" for k in PLACE_FIELDS),  # assertions only; an event's block uses the event's place
    "note",
    "document",
    "paragraph",
    "quote",
    "source_line",
]


def empty_statements() -> pd.DataFrame:
    return pd.DataFrame(columns=STATEMENT_COLUMNS)


def statements_table(ef: EventsFile) -> pd.DataFrame:
    """One row per explicit control statement in ``ef``; the first source is the quote shown."""
    rows = []
    for event in ef.events:
        control = event.get("control")
        if not control:
            continue
        rows.append(
            _row(
                event["id"],
                "event",
                control["result"],
                control["holder"],
                event["date"],
                None,
                control,
                ef.lines.get(event["id"]),
            )
        )
    for assertion in ef.control:
        rows.append(
            _row(
                assertion["id"],
                "assertion",
                "held",
                assertion["faction"],
                assertion["date"],
                assertion["place"],
                assertion,
                ef.control_lines.get(assertion["id"]),
            )
        )
    if not rows:
        return empty_statements()
    table = pd.DataFrame(rows, columns=STATEMENT_COLUMNS)
    for col in ("date_start", "date_end"):
        table[col] = pd.to_datetime(table[col])
    return table


def _row(sid, kind, result, holder, date, place, sourced, line) -> dict:
    place = place or {}
    coords = place.get("coordinates") or {}
    first = sourced["sources"][0]
    return {
        "id": sid,
        "kind": kind,
        "result": result,
        "holder": holder,
        "date_start": date["start"],
        "date_end": date["end"],
        "date_precision": date["precision"],
        "place_name": place.get("name"),
        "place_precision": place.get("precision"),
        "place_country": place.get("country"),
        "place_gazetteer_id": place.get("gazetteer_id"),
        "place_lat": coords.get("lat"),
        "place_lon": coords.get("lon"),
        "place_radius_km": coords.get("radius_km"),
        "place_coord_source": coords.get("source"),
        "note": sourced.get("note"),
        "document": first["document"],
        "paragraph": first["paragraph"],
        "quote": first["quote"],
        "source_line": line,
    }


def geocode_statements(statements: pd.DataFrame, resolver: Resolver) -> pd.DataFrame:
    """Assertion places geocoded like event places: ``place_lat``/``place_lon`` become where they are drawn."""
    from conflictmap.geocode import GEO_FIELDS, geocode_places

    if statements.empty or statements["place_name"].isna().all():
        return statements
    geo, _report = geocode_places(statements, "place", resolver)
    out = statements.copy()
    for col in GEO_FIELDS:
        out[f"place_{col}"] = geo[col].to_numpy()
    return out


__all__ = ["STATEMENT_COLUMNS", "empty_statements", "geocode_statements", "statements_table"]
