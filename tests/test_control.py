"""The control model (conflictmap/control.py): who holds each place on a date.

Unit tests of every state on hand-made claims, properties over random claims
(hypothesis), and the answers on the bundled file and on the invented fixture
of control changes in two countries (tests/fixtures/control/).
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictmap.control import (
    Claim,
    Place,
    build_model,
    control_at,
    control_history,
    model_for,
    place_state_at,
)
from conflictmap.pipeline import load_dataset

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "control" / "events.yaml"
D = dt.date.fromisoformat

TOWN = Place("town:x", "X", "town", 35.0, 40.0, True)
OTHER = Place("town:y", "Y", "town", 36.0, 41.0, True)


def claim(
    cid,
    start,
    end=None,
    precision="day",
    gainer="a",
    loser="b",
    result="held",
    kind="change",
    place=TOWN,
):
    return Claim(cid, kind, place, D(start), D(end or start), precision, result, gainer, loser)


def state(claims, day, stale_after=90):
    return place_state_at(claims, D(day), stale_after)


# ---------------------------------------------------------------------------
# Every state, on hand-made claims.


def test_a_day_dated_change_takes_effect_that_day_and_its_target_held_the_place_before():
    claims = [claim("c1", "2020-03-10")]
    before = state(claims, "2020-03-09")
    assert (before.state, before.holder, before.since, before.inferred) == ("held", "b", None, True)
    assert before.evidence == ("c1",)
    on = state(claims, "2020-03-10")
    assert (on.state, on.holder, on.previous, on.since) == ("held", "a", "b", D("2020-03-10"))


def test_a_change_dated_to_a_span_is_changing_over_the_span_then_the_winner_holds_it():
    claims = [claim("c1", "2020-03-10", "2020-03-16", precision="week")]
    assert state(claims, "2020-03-09").holder == "b"
    inside = state(claims, "2020-03-12")
    assert (inside.state, inside.holder, inside.previous) == ("changing", "a", "b")
    assert (inside.since, inside.until) == (D("2020-03-10"), D("2020-03-16"))
    after = state(claims, "2020-03-17")
    assert (after.state, after.holder, after.since) == ("held", "a", D("2020-03-17"))


def test_a_change_with_no_target_leaves_before_unknown_and_the_place_unlisted():
    claims = [claim("c1", "2020-03-10", loser=None)]
    assert state(claims, "2020-03-01") is None
    assert state(claims, "2020-03-10").holder == "a"


def test_a_reported_change_is_changing_since_the_previous_evidence_and_held_from_the_report():
    claims = [claim("c1", "2020-03-01"), claim("c2", "2020-03-20", precision="reported", gainer="c", loser=None)]
    assert state(claims, "2020-03-01").holder == "a"
    inside = state(claims, "2020-03-02")
    assert (inside.state, inside.holder, inside.previous) == ("changing", "c", "a")
    assert (inside.since, inside.until) == (D("2020-03-02"), D("2020-03-19"))
    assert (state(claims, "2020-03-20").state, state(claims, "2020-03-20").holder) == ("held", "c")


def test_a_first_change_known_only_by_a_deadline_takes_effect_on_it():
    claims = [claim("c1", "2020-03-20", precision="by")]
    assert state(claims, "2020-03-19").holder == "b"
    assert state(claims, "2020-03-20").holder == "a"


def test_contested_and_withdrawn_statements():
    contested = [claim("c1", "2020-03-01"), claim("c2", "2020-03-05", result="contested", gainer=None, loser=None)]
    s = state(contested, "2020-03-06")
    assert (s.state, s.holder, s.previous) == ("contested", None, "a")
    withdrawn = [claim("c1", "2020-03-01"), claim("c2", "2020-03-05", result="withdrawn", gainer=None, loser="a")]
    s = state(withdrawn, "2020-03-06")
    assert (s.state, s.holder, s.previous, s.evidence) == ("unknown", None, "a", ("c2",))


def test_an_assertion_adds_evidence_to_the_holding_it_confirms_and_keeps_it_fresh():
    claims = [
        claim("c1", "2020-01-01"),
        claim("held-later", "2020-05-01", kind="assertion", gainer="a", loser=None),
    ]
    s = state(claims, "2020-06-01", stale_after=60)
    assert (s.holder, s.since, s.evidence, s.stale) == ("a", D("2020-01-01"), ("c1", "held-later"), False)
    # Before the assertion, the same holding is stale: its only evidence is older than 60 days.
    assert state(claims, "2020-04-01", stale_after=60).stale is True


def test_stale_after_the_threshold_and_the_threshold_is_configurable():
    claims = [claim("c1", "2020-01-01")]
    assert state(claims, "2020-03-31").stale is False  # 90 days
    assert state(claims, "2020-04-01").stale is True  # 91 days
    assert state(claims, "2020-01-20", stale_after=10).stale is True


def test_region_level_places_are_listed_one_claim_each_and_never_painted():
    region = Place("gazetteer:cm:r#c1", "in R governorate", "region", 35.0, 40.0, False)
    region2 = Place("gazetteer:cm:r#c2", "in R governorate", "region", 35.0, 40.0, False)
    model = build_model([claim("c1", "2020-01-01", place=region), claim("c2", "2020-01-05", gainer="z", place=region2)])
    rows = control_at(model, D("2020-02-01"))
    assert [(r.holder, r.place.painted) for r in rows] == [("a", False), ("z", False)]


def test_the_output_row_has_exactly_the_documented_columns():
    row = state([claim("c1", "2020-01-01")], "2020-01-02").as_row({"a": "Faction A"})
    assert list(row) == [
        "place",
        "lat",
        "lon",
        "state",
        "holder",
        "holder_name",
        "previous",
        "since",
        "until",
        "stale",
        "events",
    ]
    assert (row["holder_name"], row["since"], row["until"], row["events"]) == ("Faction A", "2020-01-01", "", "c1")


# ---------------------------------------------------------------------------
# Properties over random claims.

FACTIONS = st.sampled_from(["a", "b", "c", None])
START = dt.date(2020, 1, 1)


@st.composite
def claims_strategy(draw):
    out = []
    for i in range(draw(st.integers(1, 6))):
        precision = draw(st.sampled_from(["day", "range", "week", "month", "reported", "by"]))
        kind = draw(st.sampled_from(["change", "change", "statement", "assertion"]))
        start = START + dt.timedelta(days=draw(st.integers(0, 200)))
        length = draw(st.integers(1, 30)) if precision in ("range", "week", "month") else 0
        result = draw(st.sampled_from(["held", "held", "contested", "withdrawn"])) if kind == "statement" else "held"
        gainer = draw(st.sampled_from(["a", "b", "c"])) if result == "held" else None
        loser = None if kind == "assertion" else draw(FACTIONS)
        place = draw(st.sampled_from([TOWN, OTHER]))
        end = start + dt.timedelta(days=length)
        out.append(Claim(f"c{i}", kind, place, start, end, precision, result, gainer, loser))
    return out


DAYS = st.integers(-20, 260).map(lambda n: START + dt.timedelta(days=n))


@settings(max_examples=300, deadline=None)
@given(claims_strategy(), DAYS)
def test_every_answer_is_a_known_state_with_evidence(claims, day):
    for s in control_at(build_model(claims), day):
        assert s.state in ("held", "changing", "contested", "unknown")
        assert (s.holder is not None) == (s.state == "held") or s.state == "changing"
        assert s.evidence and set(s.evidence) <= {c.id for c in claims}


@settings(max_examples=300, deadline=None)
@given(claims_strategy())
def test_intervals_never_overlap_and_leave_no_gap(claims):
    for place in {c.place.key for c in claims}:
        from conflictmap.control import _sweep

        intervals = _sweep([c for c in claims if c.place.key == place])
        assert intervals[0].start is None and intervals[-1].end is None
        for before, after in itertools.pairwise(intervals):
            assert before.end is not None and after.start is not None
            assert before.end < after.start and (after.start - before.end).days == 1


@settings(max_examples=300, deadline=None)
@given(claims_strategy())
def test_an_intervals_latest_evidence_carried_along_the_sweep_is_the_latest_of_its_evidence(claims):
    from conflictmap.control import _sweep

    for place in {c.place.key for c in claims}:
        for interval in _sweep([c for c in claims if c.place.key == place]):
            assert interval.last_evidence == max((c.end for c in interval.evidence), default=None)


def _earliest(c: Claim) -> dt.date:
    return dt.date.min if c.earliest is None else c.earliest


@settings(max_examples=400, deadline=None)
@given(claims_strategy(), DAYS)
def test_the_answer_at_d_never_depends_on_a_claim_that_cannot_have_happened_by_d(claims, day):
    possible = [c for c in claims if _earliest(c) <= day]
    everything = {s.place.key: s for s in control_at(build_model(claims), day)}
    only_possible = {s.place.key: s for s in control_at(build_model(possible), day)}
    for key, s in everything.items():
        if s.inferred:
            # The one inference from later evidence: before a place's first claim, its named target held it.
            assert s.state == "held" and len(s.evidence) == 1
            assert key not in only_possible or only_possible[key].inferred
        else:
            assert only_possible[key] == s
    assert all(s.inferred for key, s in only_possible.items() if key not in everything)


@settings(max_examples=400, deadline=None)
@given(claims_strategy(), DAYS)
def test_no_holder_is_named_that_only_a_later_change_gives(claims, day):
    for s in control_at(build_model(claims), day):
        if s.holder is None or s.inferred:
            continue
        givers = [c for c in claims if c.place.key == s.place.key and c.gainer == s.holder]
        assert any(_earliest(c) <= day for c in givers)


@settings(max_examples=300, deadline=None)
@given(claims_strategy(), DAYS)
def test_a_change_never_shows_before_its_window(claims, day):
    for s in control_at(build_model(claims), day):
        for cid in s.evidence:
            c = next(c for c in claims if c.id == cid)
            if not s.inferred:
                assert _earliest(c) <= day


@settings(max_examples=200, deadline=None)
@given(claims_strategy())
def test_the_history_agrees_with_the_answer_on_every_day_when_nothing_is_uncertain(claims):
    """With day-dated claims only, the whole-file history and the day-by-day answers are the same states."""
    claims = [c for c in claims if c.date_precision == "day"]
    model = build_model(claims)
    history = control_history(model)
    for offset in range(-5, 210, 7):
        day = START + dt.timedelta(days=offset)
        for s in control_at(model, day):
            match = [
                h
                for h in history
                if h.place.key == s.place.key
                and (h.since is None or h.since <= day)
                and (h.until is None or day <= h.until)
            ]
            assert match and (match[0].state, match[0].holder) == (s.state, s.holder)


# ---------------------------------------------------------------------------
# On real files.


@pytest.fixture(scope="module")
def bundled():
    return model_for(load_dataset(ROOT / "events.yaml"))


@pytest.fixture(scope="module")
def fixture_model():
    return model_for(load_dataset(FIXTURE))


def _by_place(model, day):
    return {s.place.name: s for s in control_at(model, D(day))}


def test_bundled_raqqa_is_daesh_then_changing_then_the_sdf(bundled):
    assert _by_place(bundled, "2017-10-10")["Raqqa"].holder == "daesh"
    changing = _by_place(bundled, "2017-10-19")["Raqqa"]
    assert (changing.state, changing.previous, changing.holder) == ("changing", "daesh", "sdf")
    assert (changing.since, changing.until) == (D("2017-10-16"), D("2017-10-22"))
    held = _by_place(bundled, "2017-10-26")["Raqqa"]
    assert (held.state, held.holder, held.evidence) == ("held", "sdf", ("raqqa-falls-to-sdf",))


def test_bundled_al_omar_is_the_coalitions_and_unlisted_before_its_capture(bundled):
    assert "Al-Omar oil field" not in _by_place(bundled, "2017-10-21")  # no target named: before is unknown
    s = _by_place(bundled, "2017-10-26")["Al-Omar oil field"]
    assert (s.state, s.holder, s.since, s.place.painted) == ("held", "us-coalition", D("2017-10-22"), True)


def test_bundled_mekhan_is_contested_and_deir_ez_zor_listed_not_painted(bundled):
    rows = control_at(bundled, D("2017-10-26"))
    mekhan = next(s for s in rows if s.place.name == "Mekhan")
    assert (mekhan.state, mekhan.holder) == ("contested", None)
    regional = [s for s in rows if s.place.precision == "region"]
    assert {s.evidence for s in regional} == {("daesh-holds-deir-ez-zor",), ("natural-gas-field-captured",)}
    assert not any(s.place.painted for s in regional)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2017-05-09", {"Tabqa": ("held", "daesh"), "Hawija": ("held", "daesh"), "Al-Qaim": ("held", "iraqi-forces")}),
        ("2017-05-10", {"Tabqa": ("held", "sdf")}),
        ("2017-06-01", {"Al-Qaim": ("held", "daesh")}),
        ("2017-09-21", {"Hawija": ("changing", "iraqi-forces")}),
        ("2017-10-05", {"Hawija": ("changing", "iraqi-forces")}),
        ("2017-10-06", {"Hawija": ("held", "iraqi-forces")}),
        ("2017-11-01", {"Al-Qaim": ("changing", "iraqi-forces")}),
        ("2017-11-06", {"Al-Qaim": ("held", "iraqi-forces"), "Tabqa": ("held", "sdf")}),
    ],
)
def test_fixture_in_two_countries_before_inside_and_after_each_change(fixture_model, day, expected):
    rows = _by_place(fixture_model, day)
    assert {name: (rows[name].state, rows[name].holder) for name in expected} == expected


def test_fixture_staleness(fixture_model):
    rows = _by_place(fixture_model, "2017-09-01")
    assert rows["Tabqa"].stale and rows["Al-Qaim"].stale  # last evidence in May and June
    assert not _by_place(fixture_model, "2018-01-20")["Hawija"].stale  # the January assertion


@settings(max_examples=400, deadline=None)
@given(claims_strategy(), st.lists(DAYS, min_size=1, max_size=6))
def test_the_prepared_model_answers_as_a_fresh_sweep_does(claims, days):
    """The binary search over a place swept once gives exactly what sweeping the claims known that day gives."""
    model = build_model(claims)
    for day in days:
        for key, place_claims in model.claims.items():
            assert model.state_at(key, day) == place_state_at(place_claims, day)


@settings(max_examples=400, deadline=None)
@given(claims_strategy(), st.lists(DAYS, min_size=1, max_size=6))
def test_the_history_as_known_on_a_day_from_the_prepared_sweep_is_a_fresh_sweeps(claims, days):
    """The control lanes' history as of a date, read from each place's sweep made once, is exactly
    what sweeping the claims known that day gives (places with an "on or before" claim are swept per
    day either way, so the fresh side is forced by leaving the model nothing prepared)."""
    prepared = build_model(claims)
    fresh = build_model(claims)
    fresh._prepared = dict.fromkeys(fresh.claims)  # every place swept per day, as before the prepared sweep
    for day in days:
        for key in prepared.claims:
            assert control_history(prepared, as_of=day, keys=[key]) == control_history(fresh, as_of=day, keys=[key])
        assert control_history(prepared, as_of=day) == control_history(fresh, as_of=day)
