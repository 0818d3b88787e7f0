"""Optional online fallback through Nominatim (OpenStreetMap). Off by default.

Why off: conflictmap must build a map offline, and OSM answers for small
Syrian villages are uneven; a name the offline gazetteer cannot place is better
left unresolved than silently placed by a remote service.

When enabled it follows Nominatim's usage policy: at most one request a second
for the whole process (:data:`RATE_LIMITER` is shared by every lookup, however
many :class:`OnlineFallback` objects exist), a User-Agent naming conflictmap and
its version, a timeout, and every answer (including "not found") cached on disk
(:mod:`geodata.cache`, on by default) under a key made of everything that
changes the answer: the name, the countries searched and the language.

Failures are typed: :class:`~geodata.errors.OnlineGeocodingDisabled` when not
enabled, :class:`~geodata.errors.OnlineGeocodingUnavailable` when the network
is absent or times out, :class:`~geodata.errors.OnlineGeocodingFailed` for
other service errors.
"""

from __future__ import annotations

import json
import unicodedata
from importlib import metadata
from pathlib import Path
from typing import Any

import geopy
from geopy.exc import GeocoderServiceError, GeocoderTimedOut, GeocoderUnavailable, GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.location import Location
from geopy.point import Point

from .cache import GeocodeCache, default_cache_path
from .errors import InvalidQueryError, OnlineGeocodingDisabled, OnlineGeocodingFailed, OnlineGeocodingUnavailable

__all__ = ["DEFAULT_USER_AGENT", "RATE_LIMITER", "OnlineFallback", "cache_key", "resolve_online"]

# Nominatim's policy: "an absolute maximum of 1 request per second".
MIN_SECONDS_BETWEEN_REQUESTS = 1.0
# Bump when the request changes in a way that changes answers (it invalidates old entries).
CACHE_KEY_VERSION = 1


def _version() -> str:
    try:
        return metadata.version("conflictmap")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "dev"


DEFAULT_USER_AGENT = (
    f"conflictmap/{_version()} (conflict event map; online place-name fallback) geopy/{geopy.__version__}"
)


def _request(geocode, query: str, **kwargs):
    return geocode(query, **kwargs)


# One limiter per process: every lookup, from any OnlineFallback, waits for its
# slot here. No retries and no swallowed exceptions: with no network a retry
# only delays the typed error the caller needs.
RATE_LIMITER = RateLimiter(
    _request, min_delay_seconds=MIN_SECONDS_BETWEEN_REQUESTS, max_retries=0, swallow_exceptions=False
)


def normalise_query(query: str) -> str:
    """What makes two spellings of a query the same request: Unicode form, spacing and case."""
    return " ".join(unicodedata.normalize("NFC", query).split()).casefold()


def cache_key(query: str, country_codes: tuple[str, ...] = (), language: str | None = None) -> str:
    """The cache key: every argument that changes Nominatim's answer, as canonical JSON."""
    return json.dumps(
        {
            "v": CACHE_KEY_VERSION,
            "service": "nominatim",
            "query": normalise_query(query),
            "countries": sorted({c.lower() for c in country_codes}),
            "language": (language or "").lower(),
        },
        ensure_ascii=False,
        sort_keys=True,
    )


class OnlineFallback:
    """Nominatim lookups behind the process-wide rate limiter and a persistent cache.

    :param enabled: must be True explicitly; otherwise every lookup raises
        :class:`OnlineGeocodingDisabled` (a clear signal, not a silent None).
    :param cache_path: the cache folder; None (or True) for the default place
        (:func:`geodata.cache.default_cache_path`), False for no cache.
    :param geocoder: injectable geopy geocoder (tests pass one with a fake adapter).
    :param language: preferred language of the answers (Nominatim's ``accept-language``).
    """

    def __init__(
        self,
        *,
        enabled: bool = False,
        cache_path: Path | str | bool | None = None,
        timeout: float = 5.0,
        user_agent: str = DEFAULT_USER_AGENT,
        geocoder: Any | None = None,
        country_codes: tuple[str, ...] = ("sy", "iq"),
        language: str | None = None,
    ):
        self.enabled = enabled
        self.timeout = timeout
        self.country_codes = tuple(c.lower() for c in country_codes)
        self.language = language
        if cache_path is False:
            self.cache_path: Path | None = None
        elif cache_path is None or cache_path is True:  # True: "yes, cache", at the default place
            self.cache_path = default_cache_path()
        else:
            self.cache_path = Path(cache_path)
        self._cache: GeocodeCache | None = None
        self._geocoder = geocoder
        self._user_agent = user_agent

    @property
    def cache(self) -> GeocodeCache | None:
        """Opened on first use, so a disabled fallback never touches the disk."""
        if self._cache is None and self.cache_path is not None:
            self._cache = GeocodeCache(self.cache_path)
        return self._cache

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def geocode(self, query: str) -> dict[str, Any] | None:
        """Return ``{'lat', 'lon', 'name', 'country', 'source': 'nominatim', 'raw'}`` or None if not found."""
        if not self.enabled:
            raise OnlineGeocodingDisabled("online geocoding is disabled; pass enabled=True to use Nominatim")
        if not isinstance(query, str) or not query.strip():
            raise InvalidQueryError("query is empty")
        key = cache_key(query, self.country_codes, self.language)
        cache = self.cache
        if cache is not None and key in cache:
            return cache.get(key)
        geocoder = self._geocoder or Nominatim(user_agent=self._user_agent, timeout=self.timeout)
        try:
            loc = RATE_LIMITER(
                geocoder.geocode,
                query,
                exactly_one=True,
                timeout=self.timeout,
                country_codes=list(self.country_codes) or None,
                language=self.language or False,
                addressdetails=True,
            )
        except (GeocoderUnavailable, GeocoderTimedOut) as exc:
            raise OnlineGeocodingUnavailable(
                f"online geocoder unreachable for {query!r} (no network or timeout after {self.timeout}s): {exc}"
            ) from exc
        except (GeocoderServiceError, GeopyError) as exc:
            raise OnlineGeocodingFailed(f"online geocoder failed for {query!r}: {exc}") from exc
        result = None
        if loc is not None:
            raw = loc.raw if isinstance(loc.raw, dict) else {}
            found = raw.get("address")
            address = found if isinstance(found, dict) else {}
            code = address.get("country_code")
            result = {
                "lat": float(loc.latitude),
                "lon": float(loc.longitude),
                "name": loc.address,
                # The country of the answer, not of the question: never label an IQ place SY.
                "country": code.upper() if isinstance(code, str) and code else None,
                "source": "nominatim",
                "raw": raw,
            }
        if cache is not None:
            cache.set(key, result)
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
    cache_path: Path | str | bool | None = None,
    timeout: float = 5.0,
    geocoder: Any | None = None,
    language: str | None = None,
):
    """One explicit online lookup, as a :class:`~geodata.geocoder.Resolution`.

    Calling this *is* the opt-in, so the fallback is enabled here. The search
    is restricted to ``country`` if given, else to Syria and Iraq. Raises the
    typed errors of :class:`OnlineFallback` when the network is absent.
    """
    from .geocoder import Resolution

    codes = (country.lower(),) if country else ("sy", "iq")
    fb = OnlineFallback(
        enabled=True, cache_path=cache_path, timeout=timeout, geocoder=geocoder, country_codes=codes, language=language
    )
    try:
        hit = fb.geocode(query)
    finally:
        fb.close()
    q = " ".join(query.split())
    if hit is None:
        return Resolution(q, "unresolved")
    answer = hit.get("raw") or {}
    raw = {
        "name": hit["name"],
        "country": hit.get("country") or (country.upper() if country else None),
        "source": "nominatim",
        "id": answer.get("osm_id"),
        "match": "online",
        "score": None,
        "precision": answer.get("type"),
        "radius_km": _radius_from_bbox(answer),
        "lat": hit["lat"],
        "lon": hit["lon"],
        "nominatim": answer,
    }
    loc = Location(hit["name"], Point(hit["lat"], hit["lon"]), raw)
    return Resolution(q, "resolved", loc, (loc,))
