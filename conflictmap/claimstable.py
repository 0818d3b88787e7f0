"""The control claims as a table: what a store keeps so that no server's start computes them again.

Finding the claims (:func:`conflictmap.control.control_claims`) reads every
event's type, dates and place, and joins the actors for each change's winner
and loser: 0.35-0.45 s of a 1,000,000-event store's start, every start,
per worker, for an answer that changes only when the store is written. The
store computes it once, when it is written (a derived table, like the place
keys), and a load hands the claims over (:func:`conflictmap.control.remember_claims`).

The table is plain columns, readable by any Parquet reader (no pickle: a
store is shared, and unpickling runs code). It carries the version of the
rules that made it (:data:`CLAIM_RULES`): a store written under other rules
is not handed over, and the app computes the claims as before.
"""

from __future__ import annotations

import pyarrow as pa

from conflictmap.control import Claim, Place

#: The rules that turn tables into claims (conflictmap.control's docstring). Raise it when they change:
#: a store's table made under other rules is then ignored, and the claims computed at start.
CLAIM_RULES = 1
RULES_KEY = b"conflictmap.claim_rules"

CLAIMS_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),  # the evidence: an event's id or an assertion's
        pa.field("kind", pa.string(), nullable=False),  # change | statement | assertion
        pa.field("place_key", pa.string(), nullable=False),  # what identifies the place across claims
        pa.field("place_name", pa.string()),
        pa.field("place_precision", pa.string()),
        pa.field("place_lat", pa.float64()),
        pa.field("place_lon", pa.float64()),
        pa.field("place_painted", pa.bool_()),  # False: a region, or not located
        pa.field("start", pa.date32()),  # the first and last possible day
        pa.field("end", pa.date32()),
        pa.field("date_precision", pa.string()),
        pa.field("result", pa.string()),  # held | contested | withdrawn
        pa.field("gainer", pa.string()),  # the faction holding the place afterwards
        pa.field("loser", pa.string()),  # the faction that held it before
    ],
    metadata={RULES_KEY: str(CLAIM_RULES).encode()},
)


def claims_to_arrow(claims: list[Claim]) -> pa.Table:
    """The claims as a table of :data:`CLAIMS_SCHEMA`, in their order."""
    columns = {
        "id": [c.id for c in claims],
        "kind": [c.kind for c in claims],
        "place_key": [c.place.key for c in claims],
        "place_name": [c.place.name for c in claims],
        "place_precision": [c.place.precision for c in claims],
        "place_lat": [c.place.lat for c in claims],
        "place_lon": [c.place.lon for c in claims],
        "place_painted": [c.place.painted for c in claims],
        "start": [c.start for c in claims],
        "end": [c.end for c in claims],
        "date_precision": [c.date_precision for c in claims],
        "result": [c.result for c in claims],
        "gainer": [c.gainer for c in claims],
        "loser": [c.loser for c in claims],
    }
    return pa.table(columns, schema=CLAIMS_SCHEMA)


def claims_from_arrow(table: pa.Table) -> list[Claim] | None:
    """The claims a table of :data:`CLAIMS_SCHEMA` holds; None where other rules made it.

    One :class:`Place` per distinct place (equal values), shared by its claims: a place is compared by
    value, so the claims equal those :func:`conflictmap.control.control_claims` makes.
    """
    rules = (table.schema.metadata or {}).get(RULES_KEY)
    if rules != str(CLAIM_RULES).encode() or set(table.column_names) != set(CLAIMS_SCHEMA.names):
        return None
    columns = [table.column(name).to_pylist() for name in CLAIMS_SCHEMA.names]
    places: dict[tuple, Place] = {}
    claims = []
    for cid, kind, key, name, precision, lat, lon, painted, start, end, date_precision, result, gainer, loser in zip(
        *columns, strict=True
    ):
        spot = (key, name, precision, lat, lon, painted)
        place = places.get(spot)
        if place is None:
            place = places[spot] = Place(key, name, precision, lat, lon, painted)
        claims.append(Claim(cid, kind, place, start, end, date_precision, result, gainer, loser))
    return claims


__all__ = ["CLAIMS_SCHEMA", "CLAIM_RULES", "claims_from_arrow", "claims_to_arrow"]
