"""The offline gazetteer: GeoNames extract + curated supplement, and its name index.

Why a separate module: loading and indexing is the slow part (~10^5 names), it
has to happen once per process, and the geocoder's ranking logic is easier to
test against a small hand-made gazetteer. :func:`load_gazetteer` therefore
takes explicit paths, and :func:`default_gazetteer` caches the packaged one.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from .errors import GazetteerError
from .normalize import consonant_key, fold, has_arabic, name_key, skeleton_key, tokens

DATA_DIR = Path(__file__).resolve().parent / "data"
GAZETTEER_CSV = DATA_DIR / "gazetteer.csv.gz"
SUPPLEMENT_YAML = DATA_DIR / "supplement.yaml"

#: Countries the conflict reporting is about; preferred when names collide.
FOCUS_COUNTRIES = frozenset({"SY", "IQ"})
#: Countries the gazetteer covers in full (GeoNames cities500); the rest of the
#: world has only towns of 15,000 people or more (scripts/build_gazetteer.py).
REGION_COUNTRIES = frozenset({"SY", "IQ", "TR", "JO", "LB", "IL", "PS", "SA", "IR"})

COLUMNS = [
    "id",
    "source",
    "name",
    "asciiname",
    "alternatenames",
    "country",
    "admin1",
    "population",
    "lat",
    "lon",
    "timezone",
    "kind",
    "radius_km",
    "path",
    "outline",
    "boundary",
    "citation",
]

#: Shortest consonant key worth indexing: two consonants (Hawl, Hillah: "hl")
#: are shared by too many places to say anything.
MIN_CONSONANTS = 3

SUPPLEMENT_KINDS = frozenset({"point", "town", "field", "area", "region"})
# Weight given to supplement entries in ranking, standing in for population:
# they were added on purpose, so they should beat an obscure namesake.
_SUPPLEMENT_WEIGHT = {"point": 5_000, "town": 10_000, "field": 20_000, "area": 100_000, "region": 500_000}

_LOWER_ASCII = re.compile(r"^[a-z0-9 '`.\-]+$")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")


def radius_for_population(pop: int) -> float:
    """Uncertainty radius for a GeoNames point: the point is the town centre,
    an event 'in' a town can be anywhere in its built-up area."""
    if pop >= 1_000_000:
        return 15.0
    if pop >= 100_000:
        return 8.0
    if pop >= 10_000:
        return 4.0
    return 2.0


def usable_name(name: str) -> bool:
    """Whether an alternate name is worth indexing.

    Only Latin- and Arabic-script names: romanising Cyrillic, Hebrew or CJK
    forms produces keys that collide with unrelated Arabic names. All-lowercase
    ASCII alternates in GeoNames are machine romanisations of unvocalised
    Arabic ("mnbj", "alrqt") that match nothing real but collide a lot.
    """
    if not name or len(name) < 2:
        return False
    if has_arabic(name):
        return True
    if not _LATIN.search(name):
        return False
    return not _LOWER_ASCII.match(name)


@dataclass(frozen=True, eq=False)
class KeyIndex:
    """Normalised-key lookup tables for a subset of rows (one or more countries).

    Built eagerly for the focus countries and lazily for any other country the
    caller hints at: the neighbours' 8,000 rows would otherwise triple load time
    for names that only matter when a hint asks for them.
    """

    by_fold: dict[str, tuple[int, ...]]  # letters only, no article/diacritics -> rows
    by_key: dict[str, tuple[int, ...]]  # name_key -> row positions
    by_skeleton: dict[str, tuple[int, ...]]  # skeleton_key -> row positions
    fuzzy_keys: tuple[str, ...]  # latin name_keys, for rapidfuzz
    key_names: dict[str, str]  # name_key -> one original spelling
    #: consonant_key of Latin spellings -> rows; bridges Arabic-script queries
    #: to places GeoNames lists without an Arabic name.
    by_consonants: dict[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Gazetteer:
    """Rows plus lookup tables; identity-hashed so per-country indexes can be cached.

    The tables are plain dicts built once; treat them as read-only.
    """

    df: pd.DataFrame
    exact: dict[str, tuple[int, ...]]  # casefolded primary name, all rows
    alternate: dict[str, tuple[int, ...]]  # casefolded alternate names, all rows
    focus: KeyIndex  # keys for FOCUS_COUNTRIES + supplement
    focus_countries: frozenset[str] = FOCUS_COUNTRIES
    #: primary names folded (no diacritics, ʿ/ʾ, case or punctuation; articles
    #: kept): "Anah" is the primary name "‘Anah" as much as an alternate is.
    exact_folded: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def key_index(self, country: str) -> KeyIndex:
        """Key tables for one country (the focus index for focus countries)."""
        country = country.upper()
        if country in self.focus_countries:
            return self.focus
        return _country_index(self, country)

    def by_id(self, gazetteer_id: str) -> pd.Series | None:
        """The row for a GeoNames id ('172955' or 'geonames:172955') or a supplement id ('cm:...')."""
        hits = self.df[self.df["id"].astype(str) == str(gazetteer_id).removeprefix("geonames:")]
        return None if hits.empty else hits.iloc[0]

    def weight(self, pos: int) -> float:
        row = self.df.iloc[pos]
        if row["source"] == "supplement":
            return float(max(_SUPPLEMENT_WEIGHT.get(row["kind"], 5_000), int(row["population"])))
        return float(max(int(row["population"]), 100))

    def spellings(self, pos: int) -> list[str]:
        row = self.df.iloc[pos]
        alts = row["alternatenames"]
        return [row["name"]] + [a for a in (alts.split("|") if alts else []) if usable_name(a)]


@lru_cache(maxsize=64)
def _country_index(gaz: Gazetteer, country: str) -> KeyIndex:
    positions = [i for i, cc in enumerate(gaz.df["country"].tolist()) if cc == country]
    return build_key_index(gaz.df, positions)


def _read_geonames(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(
            path,
            dtype={
                "geonameid": str,
                "admin1": str,
                "alternatenames": str,
                "timezone": str,
                "name": str,
                "asciiname": str,
            },
            keep_default_na=False,
            na_values=[],
        )
    except (OSError, ValueError) as exc:
        raise GazetteerError(f"cannot read gazetteer {path}: {exc}") from exc
    df = df.rename(columns={"geonameid": "id"})
    df["source"] = "geonames"
    df["kind"] = "town"
    df["radius_km"] = df["population"].map(radius_for_population)
    df["path"] = None
    df["outline"] = None
    df["boundary"] = None
    # scripts/build_gazetteer.py takes cities500 for Syria, Iraq and neighbours, cities15000 elsewhere
    core = df["country"].isin(sorted(REGION_COUNTRIES))
    df["citation"] = core.map({True: "GeoNames cities500 (CC BY 4.0)", False: "GeoNames cities15000 (CC BY 4.0)"})
    return df


def read_supplement(path: Path) -> list[dict]:
    """Validated supplement entries; raises GazetteerError on a malformed entry
    because a silently skipped entry would make a place quietly unresolvable."""
    try:
        with open(path, encoding="utf-8") as fh:
            entries = yaml.safe_load(fh) or []
    except (OSError, yaml.YAMLError) as exc:
        raise GazetteerError(f"cannot read supplement {path}: {exc}") from exc
    required = ("id", "name", "country", "kind", "lat", "lon", "radius_km", "source")
    out = []
    for i, e in enumerate(entries):
        missing = [k for k in required if e.get(k) in (None, "")]
        if missing:
            raise GazetteerError(f"supplement entry #{i} ({e.get('id')}) lacks {missing}")
        if e.get("boundary") not in (None, "admin1"):
            raise GazetteerError(f"supplement entry {e['id']}: boundary must be 'admin1' or absent")
        if e["kind"] not in SUPPLEMENT_KINDS:
            raise GazetteerError(f"supplement entry {e['id']}: unknown kind {e['kind']!r}")
        if not (-90 <= float(e["lat"]) <= 90 and -180 <= float(e["lon"]) <= 180):
            raise GazetteerError(f"supplement entry {e['id']}: coordinate out of range")
        out.append(e)
    return out


def _supplement_frame(entries: list[dict]) -> pd.DataFrame:
    rows = []
    for e in entries:
        rows.append(
            {
                "id": str(e["id"]),
                "source": "supplement",
                "name": e["name"],
                "asciiname": fold(e["name"]),
                "alternatenames": "|".join(e.get("alternatenames") or []),
                "country": e["country"],
                "admin1": str(e.get("admin1") or ""),
                "population": int(e.get("population") or 0),
                "lat": float(e["lat"]),
                "lon": float(e["lon"]),
                "timezone": "",
                "kind": e["kind"],
                "radius_km": float(e["radius_km"]),
                "path": e.get("path"),
                "outline": e.get("outline"),
                "boundary": e.get("boundary"),
                "citation": " ".join(str(e["source"]).split()),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _freeze(d: dict[str, list[int]]) -> dict[str, tuple[int, ...]]:
    return {k: tuple(dict.fromkeys(v)) for k, v in d.items()}


def build_key_index(df: pd.DataFrame, positions: Iterable[int]) -> KeyIndex:
    by_fold: dict[str, list[int]] = defaultdict(list)
    by_key: dict[str, list[int]] = defaultdict(list)
    by_skel: dict[str, list[int]] = defaultdict(list)
    by_cons: dict[str, list[int]] = defaultdict(list)
    fuzzy: set[str] = set()
    key_names: dict[str, str] = {}
    names = df["name"].tolist()
    alts = df["alternatenames"].tolist()
    for pos in positions:
        alt = alts[pos]
        spellings = [names[pos]] + [a for a in (alt.split("|") if alt else []) if usable_name(a)]
        for sp in spellings:
            k = name_key(sp)
            if len(k) < 2:
                continue
            by_key[k].append(pos)
            key_names.setdefault(k, sp)
            if not k.startswith("ar:"):
                by_fold["".join(tokens(sp))].append(pos)
            if not k.startswith("ar:"):
                fuzzy.add(k)
                sk = skeleton_key(sp)
                if len(sk) >= 2:
                    by_skel[sk].append(pos)
                ck = consonant_key(sp)
                if len(ck) >= MIN_CONSONANTS:
                    by_cons[ck].append(pos)
    return KeyIndex(
        by_fold=_freeze(by_fold),
        by_key=_freeze(by_key),
        by_skeleton=_freeze(by_skel),
        fuzzy_keys=tuple(sorted(fuzzy)),
        key_names=key_names,
        by_consonants=_freeze(by_cons),
    )


def build_index(df: pd.DataFrame, focus_countries: frozenset[str] = FOCUS_COUNTRIES) -> Gazetteer:
    exact: dict[str, list[int]] = defaultdict(list)
    exact_folded: dict[str, list[int]] = defaultdict(list)
    alternate: dict[str, list[int]] = defaultdict(list)
    for pos, (name, alt) in enumerate(zip(df["name"].tolist(), df["alternatenames"].tolist())):
        exact[name.casefold()].append(pos)
        if not has_arabic(name):
            fname = fold(name)
            if fname:
                exact_folded[fname].append(pos)
        if alt:
            for a in alt.split("|"):
                if usable_name(a):
                    alternate[a.casefold()].append(pos)
    focus_pos = [
        i
        for i, (cc, src) in enumerate(zip(df["country"].tolist(), df["source"].tolist()))
        if cc in focus_countries or src == "supplement"
    ]
    return Gazetteer(
        df=df,
        exact=_freeze(exact),
        alternate=_freeze(alternate),
        focus=build_key_index(df, focus_pos),
        focus_countries=focus_countries,
        exact_folded=_freeze(exact_folded),
    )


def load_gazetteer(
    csv_path: Path | str = GAZETTEER_CSV, supplement_path: Path | str | None = SUPPLEMENT_YAML
) -> Gazetteer:
    """Load and index a gazetteer. Pure: same files in, equal gazetteer out."""
    frames = [_read_geonames(Path(csv_path))[COLUMNS]]
    if supplement_path is not None:
        frames.append(_supplement_frame(read_supplement(Path(supplement_path))))
    df = pd.concat(frames, ignore_index=True)
    df["lat"] = df["lat"].astype(float)
    df["lon"] = df["lon"].astype(float)
    df["population"] = df["population"].astype(int)
    return build_index(df)


def packaged_index_inputs() -> list[Path]:
    """What the packaged gazetteer's indexes are built from: its files and the code that indexes them."""
    from . import normalize

    return [GAZETTEER_CSV, SUPPLEMENT_YAML, Path(__file__), Path(normalize.__file__)]


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The packaged gazetteer, built on first use and shared thereafter.

    Built once per machine, not once per process: the built indexes are kept under the
    cache folder and read back (0.1 s instead of 1 s) until the packaged files or the
    code that indexes them change (:mod:`geodata.prebuilt`).
    """
    from .prebuilt import cached_build

    return cached_build("gazetteer", packaged_index_inputs(), load_gazetteer)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))
