"""Country names and codes: ISO 3166-1 alpha-2 from what people write.

A place query may carry its country ("Abu Kamal, Syria", "Mosul, IQ") and the
geocoder's country hint must be a real ISO 3166-1 code: a typo such as "IRQ"
for Iraq or "Iraq" itself is named, never silently ignored (an unknown hint
would make every name "unresolved"). The code list is pycountry's (the ISO
3166 data as Debian's iso-codes keeps it).
"""

from __future__ import annotations

from functools import lru_cache

from anyascii import anyascii

from .errors import InvalidQueryError

# Short English names in everyday use that ISO 3166 no longer lists (or lists
# only in a long form that a lookup by name cannot reach).
_EVERYDAY_NAMES = {
    "turkey": "TR",
    "russia": "RU",
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "south korea": "KR",
    "north korea": "KP",
    "ivory coast": "CI",
    "laos": "LA",
}


class UnknownCountryError(InvalidQueryError):
    """Not an ISO 3166-1 country code or a country name."""


def _key(text: str) -> str:
    return " ".join(anyascii(text).casefold().replace(".", " ").split())


@lru_cache(maxsize=1)
def _index() -> tuple[frozenset[str], dict[str, str]]:
    import pycountry

    codes = frozenset(c.alpha_2 for c in pycountry.countries)
    names: dict[str, str] = {}
    short: dict[str, set[str]] = {}
    for c in pycountry.countries:
        names[_key(c.alpha_3)] = c.alpha_2
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                names[_key(value)] = c.alpha_2
                if ", " in value:  # "Palestine, State of" -> "Palestine"; kept only if one country has it
                    short.setdefault(_key(value.split(", ")[0]), set()).add(c.alpha_2)
    for key, found in short.items():
        if len(found) == 1 and key not in names:
            names[key] = next(iter(found))
    for key, code in _EVERYDAY_NAMES.items():
        names.setdefault(key, code)
    return codes, names


def is_country_code(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code as the events file writes it (upper case: 'SY')."""
    return code in _index()[0]


def country_code(text: str) -> str | None:
    """'SY', 'sy', 'SYR', 'Syria', 'Syrian Arab Republic', 'Türkiye' -> the alpha-2 code; None if unknown."""
    codes, names = _index()
    stripped = text.strip()
    if len(stripped) == 2 and stripped.isalpha():
        upper = stripped.upper()
        return upper if upper in codes else None
    return names.get(_key(stripped))


def require_country_code(code: str) -> str:
    """A ``--country`` value: an ISO 3166-1 alpha-2 code, upper or lower case, else UnknownCountryError."""
    stripped = code.strip()
    if len(stripped) == 2 and stripped.upper() in _index()[0]:
        return stripped.upper()
    hint = country_code(stripped)
    suggestion = f" (did you mean {hint}?)" if hint else ""
    raise UnknownCountryError(f"{code!r} is not an ISO 3166 two-letter country code like 'SY'{suggestion}")


def split_country(query: str) -> tuple[str, str | None]:
    """'Abu Kamal, Syria' -> ('Abu Kamal', 'SY'); a last part that is no country stays in the name.

    Splits on the last comma only, so 'Deir ez-Zor, Syria' keeps its name
    whole; 'Al Karamah, Jordan Valley' is left as it was (no country in it).
    """
    name, comma, last = query.rpartition(",")
    if not comma or not name.strip():
        return query, None
    code = country_code(last)
    if code is None:
        if len(last.strip()) == 2 and last.strip().isalpha() and last.strip().isupper():
            raise UnknownCountryError(f"{last.strip()!r} in {query!r} is not an ISO 3166 two-letter country code")
        return query, None
    return name.strip(), code
