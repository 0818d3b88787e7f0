"""Typed errors, so callers can tell 'no data' from 'no network' from 'bad input'.

They subclass geopy's hierarchy where a geopy caller would already catch it
(e.g. ``GeocoderServiceError``), so code written for geopy keeps working.
"""

from __future__ import annotations

from geopy.exc import GeocoderServiceError, GeocoderUnavailable, GeopyError


class GeocodingError(GeopyError):
    """Base class of every error raised by :mod:`geodata`."""


class GazetteerError(GeocodingError):
    """The packaged gazetteer or supplement is missing or malformed."""


class InvalidQueryError(GeocodingError, ValueError):
    """The query is empty or not a string."""


class OnlineGeocodingDisabled(GeocodingError):
    """The online fallback was called but is switched off (the default)."""


class OnlineGeocodingUnavailable(GeocodingError, GeocoderUnavailable):
    """The online service could not be reached (no network, timeout, refused)."""


class OnlineGeocodingFailed(GeocodingError, GeocoderServiceError):
    """The online service answered with an error."""


class CacheError(GeocodingError, OSError):
    """The persistent geocoding cache could not be read or written."""
