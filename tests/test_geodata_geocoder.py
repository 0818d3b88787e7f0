"""Geocoder behaviour: ranking, refusal to guess, provenance, offline fallback, cache."""

from __future__ import annotations

import dataclasses
import gzip
import json
import time

import pandas as pd
import pytest
import yaml
from geopy.location import Location

import geodata
from geodata.errors import (
    GazetteerError,
    InvalidQueryError,
)
from geodata.gazetteer import SUPPLEMENT_YAML, haversine_km, load_gazetteer, read_supplement
from geodata.geocoder import RECORD_KEYS, OfflineGazetteer, Resolution

COLUMNS = [
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
]


def _row(gid, name, cc, pop, lat, lon, alts=()):
    return {
        "geonameid": gid,
        "name": name,
        "asciiname": name,
        "alternatenames": "|".join(alts),
        "country": cc,
        "admin1": "01",
        "population": pop,
        "lat": lat,
        "lon": lon,
        "timezone": "Asia/Damascus",
    }


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A tiny gazetteer whose ranking outcomes are known by construction."""
    rows = [
        # exact vs fuzzy: the fuzzy namesake is far more populous
        _row(1, "Tallawiya", "SY", 500, 35.0, 40.0),
        _row(2, "Tallawiyat", "SY", 900_000, 33.0, 36.0),
        # populated vs obscure, same name, far apart
        _row(3, "Qaryat Nasr", "SY", 80_000, 36.0, 38.0),
        _row(4, "Qaryat Nasr", "IQ", 300, 33.0, 44.0),
        # two comparable namesakes far apart -> ambiguous
        _row(5, "Kafr Sultan", "SY", 12_000, 36.0, 37.0),
        _row(6, "Kafr Sultan", "SY", 11_000, 33.5, 36.5),
        # same name in a neighbour country and in Syria
        _row(7, "Hamdaniya", "TR", 60_000, 38.0, 30.0),
        _row(8, "Hamdaniya", "SY", 2_000, 35.5, 39.5),
        # duplicates of one place a few km apart are one place
        _row(9, "Bir Hasan", "SY", 5_000, 34.0, 38.0, alts=["Bir Hassan"]),
        _row(10, "Bir Hasan", "SY", 0, 34.02, 38.02),
    ]
    d = tmp_path_factory.mktemp("gaz")
    csv_path = d / "g.csv.gz"
    with gzip.open(csv_path, "wt", encoding="utf-8") as fh:
        pd.DataFrame(rows, columns=COLUMNS).to_csv(fh, index=False)
    sup = d / "s.yaml"
    sup.write_text(
        yaml.safe_dump(
            [
                {
                    "id": "cm:test-field",
                    "name": "Test oil field",
                    "alternatenames": ["حقل تست"],
                    "country": "SY",
                    "kind": "field",
                    "lat": 35.1,
                    "lon": 40.5,
                    "radius_km": 5,
                    "source": "approximate: test",
                }
            ],
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return OfflineGazetteer(load_gazetteer(csv_path, sup))


@pytest.fixture(scope="module")
def geo():
    return geodata.default_geocoder()


# -- ranking on the small gazetteer ------------------------------------------


def test_exact_beats_fuzzy_even_against_population(small):
    res = small.resolve("Tallawiya")
    assert res.status == "resolved"
    assert res.location.raw["id"] == "1" and res.location.raw["match"] == "exact"


def test_populated_in_region_beats_obscure(small):
    res = small.resolve("Qaryat Nasr")
    assert res.status == "resolved" and res.location.raw["id"] == "3"


def test_comparable_far_apart_namesakes_are_ambiguous(small):
    res = small.resolve("Kafr Sultan")
    assert res.status == "ambiguous"
    assert res.location is None
    assert {c.raw["id"] for c in res.candidates} == {"5", "6"}
    rec = res.as_record()
    assert rec["lat"] is None and rec["lon"] is None and len(rec["candidates"]) == 2


def test_nearby_duplicates_are_one_place(small):
    res = small.resolve("Bir Hasan")
    assert res.status == "resolved" and res.location.raw["id"] == "9"


def test_foreign_namesake_is_not_chosen_silently_and_hint_decides(small):
    assert small.resolve("Hamdaniya").status == "ambiguous"
    assert small.resolve("Hamdaniya", country="TR").location.raw["id"] == "7"
    assert small.resolve("Hamdaniya", country="SY").location.raw["id"] == "8"


def test_unknown_names_stay_unresolved_in_small_gazetteer(small):
    for q in ["Tallawa", "Qaryat Nasrallah", "Zzyzx"]:
        assert small.resolve(q).status == "unresolved", q


def test_supplement_rows_are_searchable_including_arabic(small):
    res = small.resolve("حقل تست")
    assert res.status == "resolved"
    assert res.location.raw["source"] == "supplement"
    assert res.location.raw["id"] == "cm:test-field"
    assert res.location.raw["radius_km"] == 5


# -- the packaged gazetteer --------------------------------------------------

ARTICLE_PLACES = {
    # query: (lat, lon) from GeoNames cities500 / the supplement
    "Deir Ez-Zor": (35.33588, 40.14084),
    "Al-Maydeen": (35.01982, 40.45154),
    "Boukamal": (34.45226, 40.91854),
    "Raqqa": (35.95283, 39.00788),
    "Mekhan": (34.97, 40.51),
    "Al-Omar oil field": (35.15167, 40.57583),
}


@pytest.mark.parametrize("query", sorted(ARTICLE_PLACES))
def test_article_spellings_resolve_near_ground_truth(geo, query):
    res = geo.resolve(query)
    assert res.status == "resolved", res.as_record()
    lat, lon = ARTICLE_PLACES[query]
    assert haversine_km(res.location.latitude, res.location.longitude, lat, lon) < 10


@pytest.mark.parametrize(
    "query,expected_id",
    [
        ("Dayr az Zawr", "170794"),
        ("دير الزور", "170794"),
        ("Deir Ezzor", "170794"),
        ("Mayadeen", "173480"),
        ("Abu Kamal", "174448"),
        ("الرقة", "172955"),
        ("Hassakeh", None),
        ("Lattaquié", None),
    ],
)
def test_transliteration_variants(geo, query, expected_id):
    res = geo.resolve(query)
    assert res.status == "resolved"
    if expected_id:
        assert res.location.raw["id"] == expected_id


@pytest.mark.parametrize(
    "query",
    [
        "Tell Zahrawiyeh",
        "Khirbet al-Qaddumiyah",
        "Ayn al-Baabidah",
        "Bir Qamaa",
        "Zarqawiyeh",
        "Deir Shamsinah",
        "Kafr Ghadawin",
        "Umm al-Naqarish",
        "Xyzzy",
        "Mazraat Burhun",
    ],
)
def test_made_up_names_stay_unresolved(geo, query):
    res = geo.resolve(query)
    assert res.status == "unresolved", res.as_record()
    assert res.as_record()["lat"] is None


def test_country_hint_is_honoured_on_packaged_data(geo):
    # "Tibni" is both a Jordanian alternate name and a Syrian village.
    assert geo.resolve("Tibni").status == "ambiguous"
    assert geo.resolve("Tibni", country="SY").location.raw["country"] == "SY"
    assert geo.resolve("Tibni", country="JO").location.raw["country"] == "JO"


def test_geocode_returns_geopy_location_with_provenance(geo):
    loc = geo.geocode("Raqqa")
    assert isinstance(loc, Location)
    raw = loc.raw
    for key in ("match", "score", "source", "id", "precision", "radius_km", "name", "country"):
        assert key in raw
    assert raw["source"] == "geonames" and raw["id"] == "172955"
    assert raw["match"] in ("exact", "alternate", "normalized", "fuzzy")
    assert 0 <= raw["score"] <= 1
    json.dumps(raw)  # provenance must be serialisable


def test_geocode_list_and_none(geo):
    assert geo.geocode("Xyzzy Qqq") is None
    many = geo.geocode("Raqqa", exactly_one=False)
    assert isinstance(many, list) and isinstance(many[0], Location)


def test_fuzzy_match_is_labelled_and_scored_lower(geo):
    res = geo.resolve("Al-Maydeen")
    assert res.location.raw["match"] == "fuzzy"
    assert res.location.raw["score"] < geo.resolve("Al Mayadin").location.raw["score"]


def test_as_record_keys(geo):
    for q in ["Raqqa", "Tibni", "Xyzzy"]:
        rec = geo.resolve(q).as_record()
        assert set(RECORD_KEYS) <= set(rec)
        assert rec["query"] == q
        for c in rec["candidates"]:
            assert {"name", "lat", "lon", "country", "id", "source", "score"} <= set(c)


def test_resolution_is_frozen_and_consistent():
    res = Resolution("x", "unresolved")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.status = "resolved"  # type: ignore[misc]
    with pytest.raises(ValueError):
        Resolution("x", "resolved")  # resolved without a location


def test_bad_queries_raise_typed_errors(geo):
    for bad in ["", "   ", None, 42]:
        with pytest.raises(InvalidQueryError):
            geo.resolve(bad)


def test_module_level_resolve_uses_shared_gazetteer():
    assert geodata.resolve("Deir Ez-Zor").status == "resolved"
    assert geodata.default_geocoder() is geodata.default_geocoder()


def test_resolving_twenty_names_is_fast(geo):
    names = list(ARTICLE_PLACES) + [
        "Aleppo",
        "Homs",
        "Hama",
        "Mosul",
        "Tikrit",
        "Kobani",
        "Tabqa",
        "Palmyra",
        "Idleb",
        "Daraa",
        "Erbil",
        "Kirkuk",
        "Sinjar",
        "Haditha",
    ]
    t0 = time.perf_counter()
    for n in names:
        geo.resolve(n)
    assert time.perf_counter() - t0 < 1.0


# -- supplement --------------------------------------------------------------


def test_every_supplement_entry_is_sourced_and_sane():
    entries = read_supplement(SUPPLEMENT_YAML)
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))
    assert {
        "cm:mahkan",
        "cm:al-omar-oil-field",
        "cm:euphrates-valley-sy",
        "cm:deir-ez-zor-governorate",
        "cm:raqqa-governorate",
    } <= set(ids)
    for e in entries:
        src = str(e["source"]).strip()
        assert src, e["id"]
        if src.startswith("approximate"):
            assert len(src) > len("approximate: ") + 10, f"{e['id']}: approximate needs a reason"
        else:
            assert "http" in src, f"{e['id']}: a cited source needs a URL"
        assert e["radius_km"] > 0
        assert 32 <= e["lat"] <= 38 and 35 <= e["lon"] <= 43, e["id"]
    valley = next(e for e in entries if e["id"] == "cm:euphrates-valley-sy")
    assert len(valley["path"]) >= 5


def test_malformed_supplement_is_an_error(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("- {id: cm:x, name: X, country: SY, kind: point, lat: 1, lon: 2}\n")
    with pytest.raises(GazetteerError, match="source"):
        read_supplement(p)


# -- rules added from an independent held-out evaluation ----------------------


@pytest.mark.parametrize(
    "query,expected",
    [
        ("Ḫān Šayḫūn", "Khān Shaykhūn"),
        ("Ǧisr aš-Šuġūr", "Jisr ash Shughūr"),
        ("Salamiyya", "As Salamīyah"),
        ("الدجيل", "Ad Dujayl"),
        ("الحمدانية", "Al-Hamdaniya"),  # no Arabic alternate listed
    ],
)
def test_held_out_spelling_classes_resolve(geo, query, expected):
    res = geo.resolve(query)
    assert res.status == "resolved", (query, res.status)
    assert res.location.raw["name"] == expected


def test_primary_name_up_to_diacritics_beats_namesake_alternate(geo):
    # "Anah" is listed verbatim only on the old town (‘Anat al Qadīmah); the
    # primary name ‘Anah of the present town must count as much.
    res = geo.resolve("Anah", country="IQ")
    assert res.status == "resolved" and res.location.raw["name"] == "‘Anah"


def test_diacritic_folded_primary_is_not_used_abroad(geo):
    # garbled "Main" must not land on Jordan's Mā‘īn via the folded-primary tier
    res = geo.resolve("Main")
    assert not (res.status == "resolved" and res.location.raw["country"] == "JO")


def test_cross_script_consonant_matches_refuse_to_guess(small):
    # Arabic script with no Arabic alternate: two far-apart Latin namesakes
    # with the same consonants -> ambiguous, never a silent pick by population.
    res = small.resolve("كفر سلطان")
    assert res.status == "ambiguous"
    assert res.location is None


def test_arabic_made_up_names_stay_unresolved(geo):
    for q in ["تل زمروق", "دير الخوابي", "عين قرنش", "كفر دليبة", "خربة النويجز"]:
        assert geo.resolve(q).status != "resolved", q
