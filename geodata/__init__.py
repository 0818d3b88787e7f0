"""Offline geocoding of Syrian and Iraqi place names for conflictmap.

Why its own package: geocoding decides where an event is drawn, so its data
(GeoNames extract + curated supplement), its matching rules and its refusal to
guess are kept together and tested together. See :mod:`geodata.geocoder`.
"""

from .errors import (
    CacheError,
    GazetteerError,
    GeocodingError,
    InvalidQueryError,
    OnlineGeocodingDisabled,
    OnlineGeocodingFailed,
    OnlineGeocodingUnavailable,
)
from .gazetteer import Gazetteer, default_gazetteer, load_gazetteer
from .geocoder import OfflineGazetteer, Resolution, default_geocoder, resolve

__all__ = [
    "CacheError",
    "Gazetteer",
    "GazetteerError",
    "GeocodingError",
    "InvalidQueryError",
    "OfflineGazetteer",
    "OnlineGeocodingDisabled",
    "OnlineGeocodingFailed",
    "OnlineGeocodingUnavailable",
    "Resolution",
    "default_gazetteer",
    "default_geocoder",
    "load_gazetteer",
    "resolve",
]
