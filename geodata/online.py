"""Optional online fallback through Nominatim (OpenStreetMap). Off by default.

Why off: conflictmap must build a map offline, and OSM answers for small
Syrian villages are uneven; a name the offline gazetteer cannot place is better
left unresolved than silently placed by a remote service. When enabled it is
rate-limited (Nominatim's usage policy: at most 1 request per second, a real
User-Agent), time-limited, and every answer - including "not found" - is cached
on disk so reruns are offline and reproducible.

Failures are typed: :class:`~geodata.errors.OnlineGeocodingDisabled` when not
enabled, :class:`~geodata.errors.OnlineGeocodingUnavailable` when the network
is absent or times out, :class:`~geodata.errors.OnlineGeocodingFailed` for
other service errors.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from geopy.exc import GeocoderServiceError, GeocoderTimedOut, GeocoderUnavailable, GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.location import Location
from geopy.point import Point

from .cache import JsonCache
from .errors import InvalidQueryError, OnlineGeocodingDisabled, OnlineGeocodingFailed, OnlineGeocodingUnavailable

__all__ = ["DEFAULT_USER_AGENT", "OnlineFallback", "resolve_online"]

DEFAULT_USER_AGENT = "conflictmap/0.1 (offline conflict map; online fallback)"


class OnlineFallback:
    """Nominatim lookups behind a rate limiter and a persistent cache.

    :param enabled: must be True explicitly; otherwise every lookup raises
        :class:`OnlineGeocodingDisabled` (a clear signal, not a silent None).
    :param geocoder: injectable geopy geocoder (tests pass one with a fake adapter).
    """

    def __init__(
        self,
        *,
        enabled: bool = False,
        cache_path: Path | str | None = None,
        timeout: float = 5.0,
        min_delay_seconds: float = 1.0,
        user_agent: str = DEFAULT_USER_AGENT,
        geocoder: Any | None = None,
        country_codes: tuple[str, ...] = ("sy", "iq"),
    ):
        self.enabled = enabled
        self.timeout = timeout
        self.country_codes = country_codes
        self.cache = JsonCache(cache_path) if cache_path is not None else None
        self._geocoder = geocoder
        self._min_delay = min_delay_seconds
        self._user_agent = user_agent
        self._limited: Callable[..., Any] | None = None

    def _call(self) -> Callable[..., Any]:
        if self._limited is None:
            geocoder = self._geocoder or Nominatim(user_agent=self._user_agent, timeout=self.timeout)
            # No retries and no swallowed exceptions: with no network a retry
            # only delays the typed error the caller needs.
            self._limited = RateLimiter(
                geocoder.geocode, min_delay_seconds=self._min_delay, max_retries=0, swallow_exceptions=False
            )
        return self._limited

    def geocode(self, query: str) -> dict[str, Any] | None:
        """Return ``{'lat', 'lon', 'name', 'source': 'nominatim', 'raw'}`` or None if not found."""
        if not self.enabled:
            raise OnlineGeocodingDisabled("online geocoding is disabled; pass enabled=True to use Nominatim")
        if not isinstance(query, str) or not query.strip():
            raise InvalidQueryError("query is empty")
        key = " ".join(query.split()).casefold()
        if self.cache is not None and key in self.cache:
            return self.cache.get(key)
        try:
            loc = self._call()(
                query, exactly_one=True, timeout=self.timeout, country_codes=list(self.country_codes) or None
            )
        except (GeocoderUnavailable, GeocoderTimedOut) as exc:
            raise OnlineGeocodingUnavailable(
                f"online geocoder unreachable for {query!r} (no network or timeout after {self.timeout}s): {exc}"
            ) from exc
        except (GeocoderServiceError, GeopyError) as exc:
            raise OnlineGeocodingFailed(f"online geocoder failed for {query!r}: {exc}") from exc
        result = (
            None
            if loc is None
            else {
                "lat": float(loc.latitude),
                "lon": float(loc.longitude),
                "name": loc.address,
                "source": "nominatim",
                "raw": loc.raw,
            }
        )
        if self.cache is not None:
            self.cache.set(key, result)
        return result


def _radius_from_bbox(raw: dict) -> float | None:
    """Half the bounding-box diagonal: Nominatim's own statement of extent."""
    bbox = raw.get("boundingbox") if isinstance(raw, dict) else None
    if not bbox or len(bbox) != 4:
        return None
    from .gazetteer import haversine_km

    try:
        s, n, w, e = (float(x) for x in bbox)
    except (TypeError, ValueError):
        return None
    return round(haversine_km(s, w, n, e) / 2.0, 3)


def resolve_online(
    query: str,
    country: str | None = None,
    *,
    cache_path: Path | str | None = None,
    timeout: float = 5.0,
    geocoder: Any | None = None,
):
    """One explicit online lookup, as a :class:`~geodata.geocoder.Resolution`.

    Calling this *is* the opt-in, so the fallback is enabled here. The search
    is restricted to ``country`` if given, else to Syria and Iraq. Raises the
    typed errors of :class:`OnlineFallback` when the network is absent.
    """
    from .geocoder import Resolution

    codes = (country.lower(),) if country else ("sy", "iq")
    fb = OnlineFallback(enabled=True, cache_path=cache_path, timeout=timeout, geocoder=geocoder, country_codes=codes)
    hit = fb.geocode(query)
    q = " ".join(query.split())
    if hit is None:
        return Resolution(q, "unresolved")
    raw = {
        "name": hit["name"],
        "country": country.upper() if country else None,
        "source": "nominatim",
        "id": (hit.get("raw") or {}).get("osm_id"),
        "match": "online",
        "score": None,
        "precision": (hit.get("raw") or {}).get("type"),
        "radius_km": _radius_from_bbox(hit.get("raw") or {}),
        "lat": hit["lat"],
        "lon": hit["lon"],
        "nominatim": hit.get("raw"),
    }
    loc = Location(hit["name"], Point(hit["lat"], hit["lon"]), raw)
    return Resolution(q, "resolved", loc, (loc,))
