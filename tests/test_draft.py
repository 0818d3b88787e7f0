"""The drafter's pure steps: article header and dateline, dates, place mentions, actors, events."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conflictmap.draft import ArticleError, draft_from_article, find_dates, find_places, read_article
from conflictmap.draft.article import split_sentences
from conflictmap.events import load_events
from conflictmap.paths import bundled_events_path
from geodata.gazetteer import haversine_km

ARTICLES = Path(__file__).parent / "fixtures" / "articles"
THURSDAY = dt.date(2017, 10, 26)


def write_article(tmp_path: Path, body: str, header: str = "published: 2017-10-26\nsource: Test Wire") -> Path:
    path = tmp_path / "article.txt"
    path.write_text(f"{header}\n\n{body}\n", encoding="utf-8")
    return path


def day_of(text: str, published: dt.date = THURSDAY) -> tuple[dt.date, dt.date, str]:
    (found,) = [d for d in find_dates(text, published) if not d.since]
    return found.first, found.last, found.precision


# ---------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    ("text", "published", "first", "last", "precision"),
    [
        ("Fighters attacked the town on Sunday.", THURSDAY, "2017-10-22", "2017-10-22", "day"),
        ("It fell on Thursday.", THURSDAY, "2017-10-26", "2017-10-26", "day"),  # a wire story's own day
        ("They left on November 9.", dt.date(2017, 11, 12), "2017-11-09", "2017-11-09", "day"),
        ("They left on Friday 20 October.", THURSDAY, "2017-10-20", "2017-10-20", "day"),
        ("The offensive began on Oct. 17.", THURSDAY, "2017-10-17", "2017-10-17", "day"),
        ("The talks began on December 30.", dt.date(2018, 1, 3), "2017-12-30", "2017-12-30", "day"),
        ("The town fell a week ago.", THURSDAY, "2017-10-18", "2017-10-20", "range"),
        ("Clashes broke out earlier this month.", THURSDAY, "2017-10-01", "2017-10-25", "range"),
        ("The siege began in early September.", THURSDAY, "2017-09-01", "2017-09-10", "range"),
        ("Last week Raqqa fell.", THURSDAY, "2017-10-16", "2017-10-22", "week"),
        ("He spoke last month.", THURSDAY, "2017-09-01", "2017-09-30", "month"),
        ("It happened in June 2014.", THURSDAY, "2014-06-01", "2014-06-30", "month"),
    ],
)
def test_relative_dates_resolve_against_publication(text, published, first, last, precision):
    assert day_of(text, published) == (dt.date.fromisoformat(first), dt.date.fromisoformat(last), precision)


def test_the_day_before_needs_the_date_given_before():
    (found,) = find_dates("They attacked the day before.", THURSDAY, context=dt.date(2017, 10, 24))
    assert found.first == dt.date(2017, 10, 23)
    assert find_dates("They attacked the day before.", THURSDAY) == []


def test_since_marks_a_background_date_and_the_basis_says_how():
    (since,) = find_dates("since October 7 the war has killed many", THURSDAY)
    assert since.since
    (sunday,) = find_dates("on Sunday", THURSDAY)
    assert "Sunday before publication on Thursday 26 October 2017" in sunday.basis


# ---------------------------------------------------------------------------
# The article


def test_header_block_is_read_and_published_may_be_overridden(tmp_path):
    path = write_article(tmp_path, "Body text here.", header="published: 2019-05-09\nsource: Wire\ntitle: A title")
    article = read_article(path)
    assert (article.published, article.source, article.title, article.body) == (
        dt.date(2019, 5, 9),
        "Wire",
        "A title",
        (2,),
    )
    assert read_article(path, dt.date(2019, 5, 10)).published == dt.date(2019, 5, 10)


def test_missing_publication_date_is_a_located_error(tmp_path):
    path = write_article(tmp_path, "Body text here.", header="source: Wire")
    with pytest.raises(ArticleError) as caught:
        read_article(path)
    assert str(caught.value).startswith(f"{path}:1: published: no publication date")
    path.write_text("source: Wire\npublished: 26 October\n\nBody.\n", encoding="utf-8")
    with pytest.raises(ArticleError, match=r":2: published: '26 October' is not a date"):
        read_article(path)


@pytest.mark.parametrize(
    ("first_paragraph", "dateline"),
    [
        ("BEIRUT: Israeli jets struck the town of Khiam on Sunday.", "BEIRUT"),
        ("BEIRUT (Reuters) - Israeli jets struck the town of Khiam on Sunday.", "BEIRUT"),
        ("BEIRUT, Lebanon — Israeli jets struck the town of Khiam on Sunday.", "BEIRUT"),
        ("Beirut, Feb 15: Israeli jets struck the town of Khiam on Sunday.", "Beirut"),
        ("ISIS fighters attacked the town of Khiam on Sunday.", None),
        ("Israeli jets struck the town of Khiam on Sunday.", None),
    ],
)
def test_dateline_is_found_and_never_an_event_place(tmp_path, first_paragraph, dateline):
    article = read_article(write_article(tmp_path, first_paragraph))
    assert (article.dateline.text if article.dateline else None) == dateline
    places = find_places(article)
    beirut = [m for m in places if m.mention.lower() == "beirut"]
    if dateline:
        assert [(m.kind, m.lat) for m in beirut] == [("dateline", None)]
        assert not article.sentences()[0].text.lower().startswith("beirut")


def test_sentences_do_not_end_at_abbreviations():
    text = "Lt. Gen. Abdul-Amir Yarallah said it fell on Oct. 17. The U.S. backed them. Next one."
    assert [s.text for s in split_sentences(text, 1)] == [
        "Lt. Gen. Abdul-Amir Yarallah said it fell on Oct. 17.",
        "The U.S. backed them.",
        "Next one.",
    ]


# ---------------------------------------------------------------------------
# Places


def kinds(article) -> dict[str, list]:
    out: dict[str, list] = {}
    for m in find_places(article):
        out.setdefault(m.mention, []).append((m.kind, None if m.lat is None else (round(m.lat, 1), round(m.lon, 1))))
    return out


def test_filters_agencies_adjectives_people_and_organisations(tmp_path):
    article = read_article(
        write_article(
            tmp_path,
            "The Syrian Arab News Agency (SANA) said troops reached the Iraqi border near Albu Kamal. "
            "Hassan Wazni, director of Nasser Hospital, told Petra News Agency that Ali Kucukgocmen left. "
            "Shells hit the market of Mosul.",
        )
    )
    found = kinds(article)
    assert "SANA" not in found and "Petra" not in found and "Ali" not in found and "Hit" not in found
    assert not any(m.startswith("Iraqi") and k != "area" for m, v in found.items() for k, _ in v)
    assert found["Albu Kamal"][0][0] == "town"
    assert found["Mosul"] == [("town", (36.3, 43.1))]


def test_a_province_named_like_its_capital_is_a_region_not_the_point(tmp_path):
    article = read_article(
        write_article(
            tmp_path,
            "Rebels shelled the city of Hama. Jets struck villages in Idlib province and the eastern province "
            "of Deir ez-Zor, and the province of Latakia. Later the army entered Idlib.",
        )
    )
    found = kinds(article)
    assert found["Hama"] == [("town", (35.1, 36.8))]
    assert found["Latakia"] == [("region", None)]
    assert [k for k, _ in found["Idlib"]] == ["region", "region"]  # bare "Idlib" after "Idlib province"
    deir = find_places(article)
    assert any(m.mention == "Deir ez-Zor" and m.kind == "region" and m.place_id.startswith("cm:") for m in deir)


def test_rivers_and_deserts_are_areas(tmp_path):
    article = read_article(
        write_article(tmp_path, "Fighters crossed the Euphrates river and fled into the Syrian desert near Raqqa.")
    )
    found = kinds(article)
    assert found["Euphrates"] == [("area", None)]
    assert found["Raqqa"][0][0] == "town"
    assert all(k == "area" for m, v in found.items() if m.startswith("Syrian") for k, _ in v)


def test_real_article_towns_are_placed_within_10_km():
    article = read_article(ARTICLES / "telkief-2017-01-19.txt")
    telkief = [m for m in find_places(article) if m.mention == "Telkief"]
    assert len(telkief) == 3  # found after its cue ("Telkief, a town"), then wherever the article repeats it
    assert all(haversine_km(m.lat, m.lon, 36.49, 43.12) < 10 for m in telkief)


# ---------------------------------------------------------------------------
# Events


def test_capture_becomes_control_change_with_actor_and_target(tmp_path):
    article = read_article(
        write_article(
            tmp_path,
            "Syrian government forces captured the town of Mayadin from Daesh on Sunday. The weather was mild.",
        )
    )
    draft = draft_from_article(article, load_events(bundled_events_path()).factions)
    (event,) = draft.events
    assert event["type"] == "control-change"
    assert event["sub_type"] == "government-regains-territory"
    assert event["actors"] == [
        {"faction": "syrian-government", "role": "actor"},
        {"faction": "daesh", "role": "target"},
    ]
    assert event["date"]["day"] == dt.date(2017, 10, 22)
    assert event["place"]["precision"] == "town"
    assert event["confidence"] == "low" and event["id"].startswith("draft-") and event["notes"].startswith("DRAFT")
    assert event["sources"][0]["quote"] in article.text(event["sources"][0]["paragraph"])


def test_unknown_actors_are_listed_for_the_analyst(tmp_path):
    article = read_article(write_article(tmp_path, "Kurdish peshmerga fighters recaptured Bashiqa on Tuesday."))
    draft = draft_from_article(article, load_events(bundled_events_path()).factions)
    assert draft.unknown_actors == {"Kurdish peshmerga fighters": "unmapped-kurdish-peshmerga-fighters"}
    assert draft.events_file()["draft"]["unknown_actors"] == [
        "Kurdish peshmerga fighters -> unmapped-kurdish-peshmerga-fighters"
    ]
    (event,) = draft.events
    assert "place" not in event  # Bashiqa is not in the gazetteer: no other place stands in for it
    assert "Bashiqa" in event["notes"]


def test_future_and_purpose_are_not_events(tmp_path):
    article = read_article(write_article(tmp_path, "The army will capture Raqqa. The offensive aims to retake Mosul."))
    assert draft_from_article(article, load_events(bundled_events_path()).factions).events == []


def test_villages_the_gazetteer_lacks_are_named_in_the_notes_never_guessed(tmp_path):
    article = read_article(
        write_article(tmp_path, "A woman was killed in an Israeli strike on the village of al-Sawana on Wednesday.")
    )
    (event,) = draft_from_article(article, load_events(bundled_events_path()).factions).events
    assert "place" not in event
    assert event["notes"].endswith("Places named but not placed: al-Sawana.")
    assert event["type"] == "explosion-remote-violence" and event["sub_type"] == "air-drone-strike"


# ---------------------------------------------------------------------------
# Issue 19: world coverage, weekday-checked years, agency datelines, names that are no places


def test_a_weekday_with_day_and_month_picks_the_year_in_which_that_day_is_that_weekday():
    # Published Saturday 15 March 2025; 2 March 2025 was a Sunday, 2 March 2024 a Saturday.
    first, last, precision = day_of("Militias shelled the port on Saturday 2 March.", dt.date(2025, 3, 15))
    assert (first, last, precision) == (dt.date(2024, 3, 2), dt.date(2024, 3, 2), "day")
    # When the publication year fits, it is kept: 7 March 2025 was a Friday.
    assert day_of("Militias shelled the port on Friday, March 7.", dt.date(2025, 3, 15))[0] == dt.date(2025, 3, 7)


def test_a_weekday_that_fits_no_recent_year_is_recorded_as_uncertain():
    # 29 February fell on a Monday in 2016, outside the six years before publication in 2026.
    (found,) = find_dates("The convoy was hit on Monday 29 February.", dt.date(2026, 3, 10))
    assert found.precision == "range" and "uncertain" in found.basis
    assert found.first <= found.last <= dt.date(2026, 3, 10)


@pytest.mark.parametrize(
    ("first_paragraph", "dateline"),
    [
        ("Aden, March 3 (IANS) Gunmen attacked a checkpoint in the city of Taiz on Sunday.", "Aden"),
        ("Aden, March 3 (IANS) - Gunmen attacked a checkpoint in the city of Taiz on Sunday.", "Aden"),
    ],
)
def test_city_date_agency_dateline_gives_neither_a_date_nor_an_actor(tmp_path, first_paragraph, dateline):
    article = read_article(write_article(tmp_path, first_paragraph, header="published: 2025-03-04\nsource: Wire"))
    assert article.dateline is not None and article.dateline.text == dateline
    draft = draft_from_article(article, load_events(bundled_events_path()).factions)
    (event,) = draft.events
    assert event["date"]["day"] == dt.date(2025, 3, 2)  # "on Sunday", not the dateline's March 3
    assert not any("ians" in a["faction"] for a in event["actors"])
    assert "IANS" not in draft.unknown_actors
    taiz = [m for m in find_places(article) if m.mention == "Taiz"]
    assert taiz and taiz[0].country == "YE"


def test_a_dateline_alone_on_its_line_with_turkish_capitals_is_a_dateline(tmp_path):
    article = read_article(
        write_article(tmp_path, "ŞIRNAK\n\nTwo soldiers were killed in an attack in Şırnak province on Monday.")
    )
    assert article.dateline is not None and article.dateline.text == "ŞIRNAK"
    first = [m for m in find_places(article) if m.paragraph == article.dateline.paragraph]
    assert [m.kind for m in first] == ["dateline"]


def test_the_country_an_article_names_decides_between_namesakes(tmp_path):
    # Tripoli is in Libya and in Lebanon; the article's "Libyan" and "Libya" decide.
    article = read_article(
        write_article(
            tmp_path,
            "Libyan militias clashed near the airport of Tripoli on Sunday, "
            "a week after fighting in Misrata, officials in Libya said.",
        )
    )
    places = {m.mention: m for m in find_places(article) if m.kind == "town"}
    assert places["Tripoli"].country == "LY"
    assert haversine_km(places["Tripoli"].lat, places["Tripoli"].lon, 32.89, 13.19) < 10


def test_capital_datelines_and_towns_outside_the_middle_east_are_found(tmp_path):
    article = read_article(
        write_article(
            tmp_path,
            "KABUL, Afghanistan (AP) - Gunmen attacked a police post in Herat on Sunday, an Afghan official said.",
        )
    )
    places = find_places(article)
    (dateline,) = [m for m in places if m.kind == "dateline"]
    assert dateline.country == "AF"
    (herat,) = [m for m in places if m.mention == "Herat"]
    assert herat.country == "AF" and herat.kind == "town"


def test_actor_names_are_never_places(tmp_path):
    # "Taliban" is also a village in Turkey; "Gen." is a title, "Gen" a Turkish town.
    article = read_article(
        write_article(
            tmp_path,
            "KABUL, Afghanistan (AP) - The Taliban attacked a checkpoint in Kandahar province on Sunday. "
            "Gen. Abdul Wahid said the Taliban lost five fighters. One policeman was wounded.",
        )
    )
    found = kinds(article)
    assert "Taliban" not in found and "Gen" not in found and "One" not in found  # "One": a Turkish village too
    # A faction of the events file is no place either, even where a town shares its name.
    factions = {"hill": {"name": "Tell Brak Brigade", "aliases": ["Brak"], "side": "x", "colour": "#000000"}}
    from conflictmap.draft.build import actor_names

    assert "brak" in actor_names(factions, article)


def test_a_place_name_qualifying_a_non_place_noun_is_no_place(tmp_path):
    article = read_article(
        write_article(
            tmp_path,
            "The strikes came after the collapse of the Gaza ceasefire deal, a year after the Mosul offensive ended.",
        )
    )
    found = kinds(article)
    assert "Gaza" not in found and "Mosul" not in found


def test_a_possessive_before_province_of_is_no_region(tmp_path):
    article = read_article(
        write_article(
            tmp_path,
            "A drone struck a house in Yemen's Red Sea province of Hodeidah on Thursday, officials said.",
            header="published: 2025-04-11\nsource: Wire",
        )
    )
    found = kinds(article)
    assert not any("Red Sea" in name for name in found)
    assert found["Hodeidah"][0][0] == "region"


def test_a_countrys_possessive_is_not_part_of_the_region_name(tmp_path):
    article = read_article(write_article(tmp_path, "Drones struck a depot in Syria's Idlib province on Monday."))
    regions = [m.mention for m in find_places(article) if m.kind == "region"]
    assert regions == ["Idlib"]
