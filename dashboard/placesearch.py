"""Place search: any spelling the offline geocoder understands, as a camera target."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class PlaceResult:
    query: str
    status: str  # resolved | ambiguous | unresolved
    name: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    candidates: tuple[str, ...] = ()

    def target(self) -> dict | None:
        if self.status != "resolved" or self.lat is None or self.lon is None:
            return None
        return {
            "lat": self.lat,
            "lon": self.lon,
            "zoom": zoom_for_radius(self.radius_km or 5.0),
            "label": self.name,
            "query": self.query,
        }

    def message(self) -> str:
        if self.status == "resolved":
            return f"{self.name} ({self.country}): {self.lat:.4f}, {self.lon:.4f}"
        if self.status == "ambiguous":
            return f"'{self.query}' is ambiguous: " + "; ".join(self.candidates) + ". Add a country, e.g. 'Name, SY'."
        return f"'{self.query}' is not in the offline gazetteer."


def zoom_for_radius(radius_km: float) -> float:
    """A zoom that shows a place and its surroundings: closer for a village, wider for a region."""
    return float(max(4.0, min(11.0, 11.5 - math.log2(max(radius_km, 1.0)))))


def find_place(text: str | None) -> PlaceResult | None:
    import geodata

    query = (text or "").strip()
    if not query:
        return None
    name, country = query, None
    if "," in query:
        head, _, tail = query.rpartition(",")
        if len(tail.strip()) == 2 and tail.strip().isalpha():
            name, country = head.strip(), tail.strip().upper()
    try:
        record = geodata.resolve(name, country=country).as_record()
    except Exception:  # an unusable query is answered, never a server error
        return PlaceResult(query, "unresolved")
    candidates = tuple(
        f"{c.get('name')} ({c.get('country')})" for c in (record.get("candidates") or [])[:4] if c.get("name")
    )
    return PlaceResult(
        query,
        record["status"],
        record.get("name"),
        record.get("country"),
        record.get("lat"),
        record.get("lon"),
        record.get("radius_km"),
        candidates,
    )
