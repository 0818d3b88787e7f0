"""Offline geocoder over the packaged gazetteer, with geopy's interface.

Why geopy's shape: the rest of conflictmap (and anyone used to geopy) can swap
this for an online geocoder, and ``Location.raw`` is the agreed place for
provenance. Why :meth:`OfflineGazetteer.resolve` on top of ``geocode``: on a
conflict map a wrong confident point is worse than none, so callers need to
distinguish "resolved" from "ambiguous" from "unresolved" instead of getting
geopy's best guess or ``None``.

Ranking in one paragraph: every candidate row gets a weight =
match-quality factor x population (supplement entries get a stand-in
population by kind) x a region factor (Syria/Iraq, and much more for the
caller's country hint). The heaviest wins only if no candidate more than
``ambiguity_km`` away weighs at least 1/``dominance`` of it; otherwise the
result is ambiguous. Lower match tiers (skeleton, fuzzy) are only consulted
when the precise tiers find nothing, and fuzzy matching is restricted to the
focus countries (plus the hint) with a strict threshold, because that is
where made-up or unlisted names would otherwise land on a real town.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from geopy.point import Point
from rapidfuzz import fuzz, process

from .errors import InvalidQueryError
from .gazetteer import (
    FOCUS_COUNTRIES,
    MIN_CONSONANTS,
    REGION_COUNTRIES,
    Gazetteer,
    KeyIndex,
    default_gazetteer,
    haversine_km,
)
from .normalize import consonant_key, fold, has_arabic, name_key, skeleton_key, split_generic, tokens

__all__ = ["MATCH_KINDS", "STATUSES", "Candidate", "OfflineGazetteer", "Resolution"]

MATCH_KINDS = ("exact", "alternate", "normalized", "fuzzy")
STATUSES = ("resolved", "ambiguous", "unresolved")

_BASE_SCORE = {"exact": 1.0, "alternate": 0.98, "folded": 0.96, "normalized": 0.93}
_FOCUS_FACTOR = 10.0
_HINT_FACTOR = 30.0
# Tier of cross-script consonant matches: any far-apart second place makes
# the answer ambiguous, whatever the populations.
_CONSONANT_TIER = 4

#: Each found gazetteer position's best match so far: (tier, match kind, score, matched name).
_Found = dict[int, tuple[int, str, float, str]]

#: Outside the region's full extract, a name asked without a country hint is
#: placed only at a city this big (the drafter asks with the article's countries).
WORLD_CITY_POPULATION = 50_000

RECORD_KEYS = (
    "query",
    "status",
    "lat",
    "lon",
    "name",
    "country",
    "source",
    "id",
    "score",
    "match",
    "radius_km",
    "candidates",
)


@dataclass(frozen=True)
class Candidate:
    """One gazetteer row matched by a query, before the final decision."""

    pos: int
    match: str
    score: float
    matched_name: str
    weight: float
    tier: int = 0


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving one name; immutable so it can be cached/shared."""

    query: str
    status: str
    location: Location | None = None
    candidates: tuple[Location, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if (self.status == "resolved") != (self.location is not None):
            raise ValueError("a location is given exactly when status is 'resolved'")

    @property
    def resolved(self) -> bool:
        return self.status == "resolved"

    def as_record(self) -> dict[str, Any]:
        """Flat dict for tables/JSON. lat/lon stay None unless resolved, so an
        ambiguous name can never be plotted by accident."""
        raw = self.location.raw if self.location is not None else {}
        rec: dict[str, Any] = {
            "query": self.query,
            "status": self.status,
            "lat": self.location.latitude if self.location is not None else None,
            "lon": self.location.longitude if self.location is not None else None,
            "name": raw.get("name"),
            "country": raw.get("country"),
            "source": raw.get("source"),
            "id": raw.get("id"),
            "score": raw.get("score"),
            "match": raw.get("match"),
            "radius_km": raw.get("radius_km"),
            # Extras for map drawing and audit; not part of the minimal contract.
            "matched_name": raw.get("matched_name"),
            "precision": raw.get("precision"),
            "path": raw.get("path"),
            "outline": raw.get("outline"),
            "candidates": [
                {k: c.raw.get(k) for k in ("name", "lat", "lon", "country", "id", "source", "score", "match")}
                for c in self.candidates
            ],
        }
        return rec


class OfflineGazetteer(Geocoder):
    """geopy-compatible geocoder that never touches the network.

    :param gazetteer: a :class:`~geodata.gazetteer.Gazetteer`; defaults to the
        packaged one (built lazily, shared across instances).
    :param fuzzy_threshold: minimum rapidfuzz ratio (0-100) between match keys
        for a fuzzy hit. Strict on purpose: see module docstring.
    :param ambiguity_km: candidates closer than this are the same place.
    :param dominance: how many times heavier the winner must be than the
        heaviest far-away rival.
    """

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        *,
        focus_countries: Iterable[str] = FOCUS_COUNTRIES,
        fuzzy_threshold: float = 90.0,
        ambiguity_km: float = 25.0,
        dominance: float = 4.0,
        max_candidates: int = 5,
        min_view_ratio: float = 60.0,
        fuzzy_tie: float = 0.01,
        skeleton_bonus: float = 8.0,
        short_penalty: float = 2.0,
        timeout=DEFAULT_SENTINEL,
        user_agent: str | None = None,
    ):
        super().__init__(timeout=timeout, user_agent=user_agent or "conflictmap-offline")
        self._gazetteer = gazetteer
        self.focus_countries = frozenset(c.upper() for c in focus_countries)
        self.fuzzy_threshold = float(fuzzy_threshold)
        self.ambiguity_km = float(ambiguity_km)
        self.dominance = float(dominance)
        self.max_candidates = int(max_candidates)
        self.min_view_ratio = float(min_view_ratio)
        self.fuzzy_tie = float(fuzzy_tie)
        self.skeleton_bonus = float(skeleton_bonus)
        self.short_penalty = float(short_penalty)

    @property
    def gazetteer(self) -> Gazetteer:
        return self._gazetteer if self._gazetteer is not None else default_gazetteer()

    # -- candidate search -------------------------------------------------

    def candidates(self, query: str, country_codes: Sequence[str] | str | None = None) -> list[Candidate]:
        """All plausible rows for ``query``: best tier first, heaviest first within a tier.

        Tiers: 0 exact/alternate name, 1 same letters after folding (article,
        diacritics, case, punctuation), 2 same normalised key, 3 fuzzy. A lower
        tier is only searched when no higher tier found a place in the focus
        countries (or the hinted one): a precise match in the region is better
        evidence than any amount of population behind a looser one.
        """
        q = _check_query(query)
        hints = _hint_set(country_codes)
        region = self.focus_countries | hints
        found: _Found = {}
        self._add_exact(q, region, found)
        key = name_key(q)
        folded = "".join(tokens(q))
        indexes = self._indexes(hints)
        if not self._in_region(found, region) and len(key) >= 2:
            for idx in indexes:
                _keep_best(
                    found,
                    idx.by_fold.get(folded, ()),
                    1,
                    "normalized",
                    _BASE_SCORE["folded"],
                    idx.key_names.get(key, q),
                )
        if not self._in_region(found, region) and len(key) >= 2:
            for idx in indexes:
                _keep_best(
                    found,
                    idx.by_key.get(key, ()),
                    2,
                    "normalized",
                    _BASE_SCORE["normalized"],
                    idx.key_names.get(key, q),
                )
        if not self._in_region(found, region) and not has_arabic(q) and len(key) >= 4:
            found.update(self._closest_fuzzy(q, key, indexes, found))
        if not self._in_region(found, region) and has_arabic(q):
            self._add_consonants(q, indexes, found)
        cands = [
            Candidate(pos, m, sc, n, self._weight(pos, m, sc, hints), tier) for pos, (tier, m, sc, n) in found.items()
        ]
        # A country hint is the caller's knowledge: places there outrank all
        # others whatever their tier.
        cands.sort(
            key=lambda c: (bool(hints) and self._country(c.pos) not in hints, c.tier, -c.weight, -c.score, c.pos)
        )
        return cands

    def _in_region(self, found: _Found, region: frozenset[str]) -> bool:
        """Whether a place in the focus countries (or the hinted one) is already found: then the
        looser tiers are not searched."""
        return any(self._country(p) in region for p in found)

    def _add_exact(self, q: str, region: frozenset[str], found: _Found) -> None:
        """Tier 0: the exact primary name, a listed alternate, and a primary name that differs
        only in diacritics or ʿ/ʾ marks."""
        gaz = self.gazetteer
        cf = q.casefold()
        _keep_best(found, gaz.exact.get(cf, ()), 0, "exact", _BASE_SCORE["exact"], q)
        _keep_best(found, gaz.alternate.get(cf, ()), 0, "alternate", _BASE_SCORE["alternate"], q)
        # A primary name that differs only in diacritics or ʿ/ʾ marks ("Anah" for
        # "‘Anah") is as strong as a listed alternate: without this an old
        # namesake listing "Anah" verbatim would outrank the place itself.
        # Only in the focus countries (or the hinted one), like the other
        # spelling-tolerant tiers: abroad it would let garbled names land on
        # obscure villages ("Main" -> Jordan's Mā‘īn).
        if not has_arabic(q):
            _keep_best(
                found,
                [p for p in gaz.exact_folded.get(fold(q), ()) if self._country(p) in region],
                0,
                "normalized",
                _BASE_SCORE["alternate"],
                q,
            )

    def _closest_fuzzy(self, q: str, key: str, indexes: list[KeyIndex], found: _Found) -> _Found:
        """Tier 3: the near-miss spellings not already found, only the closest (and those within
        ``fuzzy_tie`` of it): among near-misses spelling decides, population only breaks near-ties
        (Qataniyah is Al Qahtaniyah, not populous Qatana)."""
        fuzzy: _Found = {}

        def add_fuzzy(positions, tier, match, score, matched):
            for pos in positions:
                if pos not in found and (pos not in fuzzy or score > fuzzy[pos][2]):
                    fuzzy[pos] = (tier, match, score, matched)

        for idx in indexes:
            self._fuzzy(q, key, skeleton_key(q), idx, add_fuzzy)
        if not fuzzy:
            return {}
        best = max(v[2] for v in fuzzy.values())
        return {p: v for p, v in fuzzy.items() if v[2] >= best - self.fuzzy_tie}

    def _add_consonants(self, q: str, indexes: list[KeyIndex], found: _Found) -> None:
        """Tier 4: Arabic script for a place GeoNames lists only in Latin letters, compared by
        consonants across scripts. Weak evidence, so resolve() only accepts it when every hit
        is one place."""
        ck = consonant_key(q)
        if len(ck) >= MIN_CONSONANTS:
            for idx in indexes:
                _keep_best(found, idx.by_consonants.get(ck, ()), _CONSONANT_TIER, "fuzzy", 0.8, q)

    def _indexes(self, hints: frozenset[str]) -> list[KeyIndex]:
        """Key indexes to search: the focus countries, plus each hinted one.

        Spelling-tolerant matching outside the focus countries is only done on
        request: a hit on a loosely-spelled name in a neighbouring country is
        more often a collision than the place the article meant.
        """
        gaz = self.gazetteer
        out = [gaz.focus]
        for cc in sorted(hints - gaz.focus_countries):
            out.append(gaz.key_index(cc))
        return out

    def _country(self, pos: int) -> str:
        df = self.gazetteer.df
        return cast(str, df.iat[pos, cast(int, df.columns.get_loc("country"))])

    def _population(self, pos: int) -> int:
        return int(cast(int, self.gazetteer.df["population"].iat[pos]))

    def _is_supplement(self, pos: int) -> bool:
        return bool(self.gazetteer.df["source"].iat[pos] == "supplement")

    def _latlon(self, pos: int) -> tuple[float, float]:
        df = self.gazetteer.df
        lat, lon = cast(int, df.columns.get_loc("lat")), cast(int, df.columns.get_loc("lon"))
        return (float(cast(float, df.iat[pos, lat])), float(cast(float, df.iat[pos, lon])))

    def _fuzzy(self, query: str, key: str, skel: str, idx: KeyIndex, add) -> None:
        """Near-miss spellings: rapidfuzz on name keys plus skeleton collisions,
        verified on two views and on the distinctive part of the name."""
        # A short key (<=5 letters) has less evidence per letter: stricter.
        threshold = self.fuzzy_threshold + (self.short_penalty if len(key) <= 5 else 0.0)
        hits = [
            (k2, r)
            for k2, r, _ in process.extract(
                key, idx.fuzzy_keys, scorer=fuzz.ratio, score_cutoff=threshold - 8.0, limit=20
            )
        ]
        gaz = self.gazetteer
        for pos in idx.by_skeleton.get(skel, ()):
            for sp in gaz.spellings(pos):
                k2 = name_key(sp)
                if k2 in idx.by_key:
                    hits.append((k2, fuzz.ratio(key, k2)))
        q_head, q_rest = split_generic(query)
        seen: set[str] = set()
        for k2, _ in hits:
            if k2 in seen:
                continue
            seen.add(k2)
            positions = idx.by_key.get(k2, ())
            best = 0.0
            for p in positions:
                for sp in gaz.spellings(p):
                    if name_key(sp) != k2:
                        continue
                    s_head, s_rest = split_generic(sp)
                    # Generic heads (Tell, Ayn, Deir, Khirbet...) are shared by
                    # thousands of places; judge the distinctive remainder.
                    if q_head and s_head and q_head != s_head:
                        continue
                    best = max(best, self._evidence(q_rest, s_rest))
            if best < threshold:
                continue
            add(positions, 3, "fuzzy", round(min(best, 100.0) / 100.0 * 0.9, 4), idx.key_names.get(k2, k2))

    def _evidence(self, q: str, candidate: str) -> float:
        """Similarity (0-100+) of two spellings, from two views that must agree:
        the key (tolerant of transliteration conventions) and the folded
        letters (tolerant of dropped or doubled letters, Maydeen/Mayadeen).
        Keys alone can converge for unrelated names (Maydeen/Medine)."""
        kq, kc = name_key(q), name_key(candidate)
        key_ratio = fuzz.ratio(kq, kc)
        surface = fuzz.ratio("".join(tokens(q)), "".join(tokens(candidate)))
        if min(key_ratio, surface) < self.min_view_ratio:
            return 0.0
        skel_ratio = fuzz.ratio(skeleton_key(q), skeleton_key(candidate))
        # Agreeing consonant skeletons are extra evidence; disagreeing ones
        # count against (the names differ in consonants, not just vowels).
        # The bonus is for vowel-only differences inside the name; a dropped
        # syllable (Tallawa/Tallawiya) is a different name even when consonants agree.
        # Likewise a different ending (-a vs -iya -> "i") is morphology, not spelling.
        same_shape = abs(len(kq) - len(kc)) <= 1 and kq[-1:] == kc[-1:]
        return (
            max(key_ratio, surface)
            + (self.skeleton_bonus if skel_ratio == 100 and same_shape else 0.0)
            - (6.0 if skel_ratio < 75 else 0.0)
        )

    def _weight(self, pos: int, match: str, score: float, hints: frozenset[str]) -> float:
        gaz = self.gazetteer
        w = gaz.weight(pos)
        cc = self._country(pos)
        if cc in self.focus_countries:
            w *= _FOCUS_FACTOR
        if cc in hints:
            w *= _HINT_FACTOR
        return w

    # -- decisions ----------------------------------------------------------

    def resolve(self, query: str, country: Sequence[str] | str | None = None) -> Resolution:
        """Resolve a place name, refusing to guess between far-apart places."""
        q = _check_query(query)
        cands = self.candidates(q, country)
        if not country:
            # Without a country hint the rest of the world is a fallback: a name
            # the region's full extract has keeps the answer it had before the
            # world's cities were added (a Syrian village is not made ambiguous
            # by a city of the same name in Brazil). Ask with a country for elsewhere.
            # Abroad, unhinted, only a city of WORLD_CITY_POPULATION or more: a
            # garbled spelling of a Syrian village must not land on a small town
            # on another continent.
            in_region = [c for c in cands if self._country(c.pos) in REGION_COUNTRIES or self._is_supplement(c.pos)]
            cands = in_region or [c for c in cands if self._population(c.pos) >= WORLD_CITY_POPULATION]
        if not cands:
            return Resolution(q, "unresolved")
        top = cands[0]
        distinct = [top]
        for c in cands[1:]:
            lat, lon = self._latlon(c.pos)
            if all(haversine_km(lat, lon, *self._latlon(d.pos)) > self.ambiguity_km for d in distinct):
                distinct.append(c)
        hints = _hint_set(country)
        top_hinted = self._country(top.pos) in hints
        if hints and not top_hinted:
            # The caller said which country; a match elsewhere is a different
            # place (e.g. "Anbar" in Iraq is not the Turkish village Ambar).
            return Resolution(q, "unresolved", None, tuple(self._location(c) for c in distinct[: self.max_candidates]))
        rivals = [
            c
            for c in distinct[1:]
            if c.tier == top.tier
            and c.weight * self.dominance > top.weight
            and (not top_hinted or self._country(c.pos) in hints)
        ]
        if top.tier >= _CONSONANT_TIER:
            rivals = list(distinct[1:])
        # A name that also fits a Syrian/Iraqi (or hinted-country) place is never
        # silently moved abroad: such a namesake makes a foreign winner ambiguous.
        region = self.focus_countries | hints
        if self._country(top.pos) not in region:
            rivals += [c for c in distinct[1:] if self._country(c.pos) in region]
        locs = tuple(self._location(c) for c in distinct[: self.max_candidates])
        if rivals:
            return Resolution(q, "ambiguous", None, locs)
        return Resolution(q, "resolved", locs[0], locs)

    def geocode(self, query, exactly_one=True, country_codes=None, timeout=None):
        """geopy-style lookup.

        With ``exactly_one`` an ambiguous name gives ``None`` rather than a
        guess; with ``exactly_one=False`` the distinct candidates are listed
        heaviest first. ``timeout`` is accepted for interface compatibility.
        """
        res = self.resolve(query, country_codes)
        if exactly_one:
            return res.location
        return list(res.candidates) or None

    def reverse(self, query, *, exactly_one=True, timeout=None):  # pragma: no cover - trivial
        raise NotImplementedError("reverse geocoding is not offered offline")

    def _location(self, c: Candidate) -> Location:
        row = self.gazetteer.df.iloc[c.pos]
        raw = {k: _plain(v) for k, v in row.items()}
        raw.update(
            {
                "match": c.match,
                "score": round(float(c.score), 4),
                "matched_name": c.matched_name,
                "weight": round(float(c.weight), 3),
                "precision": row["kind"],
                "radius_km": float(row["radius_km"]),
            }
        )
        return Location(f"{row['name']}, {row['country']}", Point(float(row["lat"]), float(row["lon"])), raw)


def _keep_best(found: _Found, positions: Iterable[int], tier: int, match: str, score: float, matched: str) -> None:
    """Record each position's match unless it already has a better one (a higher tier, then a
    higher score): a place found by several routes keeps its strongest evidence."""
    for pos in positions:
        prev = found.get(pos)
        if prev is None or (tier, -score) < (prev[0], -prev[2]):
            found[pos] = (tier, match, score, matched)


def _plain(v):
    if hasattr(v, "item") and not isinstance(v, (list, dict, str)):
        try:
            return v.item()
        except (ValueError, AttributeError):
            return v
    return v


def _check_query(query) -> str:
    if not isinstance(query, str):
        raise InvalidQueryError(f"query must be a string, not {type(query).__name__}")
    q = " ".join(query.split())
    if not q:
        raise InvalidQueryError("query is empty")
    return q


def _hint_set(country_codes) -> frozenset[str]:
    if not country_codes:
        return frozenset()
    if isinstance(country_codes, str):
        country_codes = [country_codes]
    return frozenset(c.upper() for c in country_codes)


@lru_cache(maxsize=1)
def default_geocoder() -> OfflineGazetteer:
    """Shared instance over the packaged gazetteer (built on first use)."""
    return OfflineGazetteer()


def resolve(query: str, country: Sequence[str] | str | None = None) -> Resolution:
    """Module-level convenience: :meth:`OfflineGazetteer.resolve` on the default gazetteer."""
    return default_geocoder().resolve(query, country)
