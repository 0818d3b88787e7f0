"""The curated events file: dates derived from the article, sources, vagueness kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from conflictmap.events import load_events
from conflictmap.seeds import load_source_document, normalise_quote
from conflictmap.table import dataset_from_events_file

ROOT = Path(__file__).resolve().parent.parent
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@pytest.fixture(scope="module")
def ef():
    return load_events(ROOT / "events.yaml")


@pytest.fixture(scope="module")
def seed():
    return load_source_document(ROOT / "seeds" / "2017-10-26-memo-deir-ez-zor.txt")


def test_seed_header_gives_provenance(seed):
    assert seed.header["published"] == dt.date(2017, 10, 26)
    assert seed.header["published_weekday"] == WEEKDAYS[seed.header["published"].weekday()]
    assert seed.header["title"] in seed.paragraphs[2]


def test_seed_text_is_the_shared_capture(seed):
    shared = ROOT.parent / "shared" / "seeds" / "000_3646f36c135ca25e.txt"
    if not shared.exists():  # a clone elsewhere: the committed copy is then the reference
        shared = None
    text = (ROOT / "seeds" / "2017-10-26-memo-deir-ez-zor.txt").read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1]
    if shared is not None:
        assert body == shared.read_text(encoding="utf-8")


def test_article_headline_events_are_curated(ef):
    ids = {e["id"] for e in ef.events}
    for needed in (
        "raqqa-falls-to-sdf",
        "mekhan-positions-captured",
        "al-omar-oil-field-captured",
        "natural-gas-field-captured",
        "push-south-towards-boukamal",
        "daesh-pushed-into-euphrates-valley",
        "russia-claims-daesh-holds-under-5-percent",
        "sdf-final-assault-on-raqqa",
    ):
        assert needed in ids


def test_relative_weekdays_resolve_against_publication(ef, seed):
    published = seed.header["published"]
    for event in ef.events:
        quotes = " ".join(s["quote"] for s in event["sources"])
        for weekday in ("Tuesday", "Sunday"):
            if f"on {weekday}" in quotes and event["date"]["precision"] == "day":
                # The most recent such weekday before publication.
                back = (published.weekday() - WEEKDAYS.index(weekday)) % 7 or 7
                assert event["date"]["start"] == published - dt.timedelta(days=back), event["id"]


def test_last_week_is_the_previous_calendar_week(ef, seed):
    published = seed.header["published"]
    monday = published - dt.timedelta(days=published.weekday() + 7)
    raqqa = next(e for e in ef.events if e["id"] == "raqqa-falls-to-sdf")
    assert (raqqa["date"]["start"], raqqa["date"]["end"]) == (monday, monday + dt.timedelta(days=6))
    assert raqqa["date"]["precision"] == "week"


def test_vagueness_is_kept(ef):
    by_id = {e["id"]: e for e in ef.events}
    gas = by_id["natural-gas-field-captured"]
    assert gas["place"]["precision"] == "region" and "gas field" not in (gas["place"]["name"] or "").lower()
    assert by_id["mekhan-positions-captured"]["date"]["precision"] == "reported"
    valley = by_id["daesh-pushed-into-euphrates-valley"]
    assert valley["destination"]["precision"] == "area"


def test_every_event_quotes_the_article_verbatim(ef, seed):
    for event in ef.events:
        assert event["sources"], event["id"]
        for source in event["sources"]:
            assert seed.find_quote(source["quote"]) == source["paragraph"], (event["id"], source["quote"])


def test_related_headlines_are_not_events(ef, seed):
    read_links = [p for p in seed.paragraphs if p.startswith("Read:")]
    assert len(read_links) == 3
    for event in ef.events:
        for source in event["sources"]:
            assert not any(normalise_quote(source["quote"]) in normalise_quote(p) for p in read_links)


def test_table_has_one_row_per_event_and_long_actor_table(ef):
    ds = dataset_from_events_file(ef)
    assert len(ds.events) == len(ef.events)
    assert ds.events.index.is_unique
    assert len(ds.actors) == sum(len(e["actors"]) for e in ef.events)
    assert set(ds.actors["faction"]) <= set(ds.factions.index)
    assert str(ds.events["date_start"].dtype).startswith("datetime64")


def test_deadline_precision_by_is_one_day(tmp_path):
    """'Captured Tal Afar by 31 August': on or before that day, not the date of a report."""
    import shutil

    from conflictmap.errors import EventsFileError

    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    path = tmp_path / "events.yaml"
    text = (ROOT / "events.yaml").read_text(encoding="utf-8")
    old = "      day: 2017-10-24\n      precision: reported\n      basis: >-\n        The article gives no date"
    assert old in text
    path.write_text(text.replace(old, old.replace("precision: reported", "precision: by")), encoding="utf-8")
    mekhan = next(e for e in load_events(path).events if e["id"] == "mekhan-positions-captured")
    assert mekhan["date"] == {**mekhan["date"], "precision": "by", "start": dt.date(2017, 10, 24)}
    assert mekhan["date"]["end"] == dt.date(2017, 10, 24)
    week = "      start: 2017-10-16\n      end: 2017-10-22\n      precision: week"
    path.write_text(text.replace(week, week.replace("week", "by"), 1), encoding="utf-8")
    with pytest.raises(EventsFileError) as err:
        load_events(path)
    assert "date.precision: precision 'by' is for one day" in str(err.value)


def test_story_places_are_cited_and_become_a_table(ef):
    from conflictmap.geocode import geocode_story_places

    assert set(ef.places) == {"al-mayadin", "deir-ez-zor-city"}
    mayadin = ef.places["al-mayadin"]
    assert mayadin["name"] == "Al-Mayadin" and mayadin["gazetteer_id"] == "173480"
    assert "Al-Maydeen" in mayadin["note"]
    assert mayadin["sources"][0]["quote"] == "the town of Mekhan, south of Al-Maydeen"
    ds = dataset_from_events_file(ef)
    assert list(ds.places.index) == ["al-mayadin", "deir-ez-zor-city"]
    assert ds.places.loc["deir-ez-zor-city", "line"] == ef.place_lines["deir-ez-zor-city"]
    geocoded = geocode_story_places(ds.places)
    assert (geocoded["status"] == "resolved").all() and (geocoded["match"] == "id").all()
    assert geocoded.loc["al-mayadin", ["lat", "lon"]].tolist() == [35.01982, 40.45154]  # GeoNames 173480
    assert geocoded.loc["deir-ez-zor-city", "gazetteer_id"] == "170794"
    assert ds.with_events(ds.events).places is ds.places  # carried through geocoding's event step


def test_story_place_with_coordinates_and_an_unknown_name(tmp_path):
    import shutil

    from conflictmap.geocode import geocode_story_places

    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    path = tmp_path / "events.yaml"
    text = (ROOT / "events.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    gazetteer_id: 173480   # GeoNames: Al Mayādīn\n",
        "    coordinates: {lat: 35.02, lon: 40.45, radius_km: 3, source: test survey}\n",
    ).replace("    gazetteer_id: 170794   # GeoNames: Deir ez-Zor, the city\n", "")
    text = text.replace("    name: Deir ez-Zor\n", "    name: Xylophonia\n", 1)
    path.write_text(text, encoding="utf-8")
    places = geocode_story_places(dataset_from_events_file(load_events(path)).places)
    assert places.loc["al-mayadin", "match"] == "explicit" and places.loc["al-mayadin", "radius_km"] == 3.0
    assert places.loc["al-mayadin", "source"] == "events file: test survey"
    assert places.loc["deir-ez-zor-city", "status"] == "unresolved"
    assert pd.isna(places.loc["deir-ez-zor-city", "lat"])


def test_a_file_without_places_has_an_empty_places_table(tmp_path):
    import re
    import shutil

    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    path = tmp_path / "events.yaml"
    text = (ROOT / "events.yaml").read_text(encoding="utf-8")
    path.write_text(re.sub(r"\nplaces:\n.*?\n(?=events:)", "\n", text, flags=re.S), encoding="utf-8")
    ds = dataset_from_events_file(load_events(path))
    assert ds.places.empty and "name" in ds.places.columns
