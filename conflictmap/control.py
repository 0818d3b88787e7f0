"""Control over time: who holds each place on a date, derived from the sourced control changes.

The first question in a briefing is "who holds what, as of when?". This
module answers it from the dataset alone, with no Dash, so the CLI, the app
and the tests share one answer.

What counts as a claim about control (:func:`control_claims`):

- every ``control-change`` event: the faction in the ``actor`` role gains the
  place, the one in the ``target`` role loses it (none named: "before" is
  unknown, never guessed);
- any event with a ``control:`` block (``held`` by a holder, ``contested``,
  ``withdrawn`` by a holder), which overrides what its roles say;
- each top-level ``control:`` assertion "FACTION held PLACE on DATE".

How a date becomes a state (:func:`control_at`, :func:`control_history`):

- a change dated to a day takes effect that day;
- a change dated to a range, week or month makes the place **changing**
  (from the previous holder to the winner) over that span; the winner holds
  it from the day after;
- a change known only "on or before" a day (``reported``, ``by``) is changing
  from the day after the place's previous evidence up to the day before; with
  no earlier evidence there the file gives no lower bound, and the change
  takes effect on that day;
- before a place's first claim, the holder is that claim's target where it
  names one, and the place is not listed otherwise;
- a state whose latest evidence is older than ``stale_after`` days is
  **stale** ("last known"), drawn faded;
- places known only at region or country level are listed, one row per claim
  (two claims somewhere in a governorate need not be about the same spot),
  and never painted: ``painted`` is False.

The answer for a date D uses only claims that could have happened by D: a
dated claim whose first possible day is after D is left out before anything
is computed, so no state ever names a holder that only a later change gives.
The one inference from later evidence is the issue's own rule: before the
first change at a place, its named target held it. Every state carries its
evidence (the ids of the events and assertions it rests on).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import numpy as np
import pandas as pd

from conflictmap.kept import KeptForTables
from conflictmap.vocabulary import DEFAULT_STALE_AFTER_DAYS

if TYPE_CHECKING:
    from conflictmap.table import Dataset

STATES = ("held", "changing", "contested", "unknown")
RANGE_PRECISIONS = ("range", "week", "month")
UPPER_BOUND_PRECISIONS = ("reported", "by")  # on or before the day: no lower bound of its own
UNPAINTED_PRECISIONS = ("region", "country")
OUTPUT_COLUMNS = [
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
ONE_DAY = dt.timedelta(days=1)
_NOT_KEPT = object()  # ControlModel.remember: no answer kept (None may be one)
T = TypeVar("T")

#: Answers kept on a model: control_at's dates and the app's lanes and bars per date (the callbacks of
#: one view ask for the same date; 16 dates of each).
MEMO_KEPT = 48
PLACE_COLUMNS = ("place_name", "place_precision", "place_lat", "place_lon", "place_gazetteer_id", "place_country")


@dataclass(frozen=True)
class Place:
    """Where a claim is about. ``key`` identifies it across claims; ``painted`` is False for regions."""

    key: str
    name: str
    precision: str | None
    lat: float | None
    lon: float | None
    painted: bool


@dataclass(frozen=True)
class Claim:
    """One statement about who holds a place: a change, an event's control block, or an assertion."""

    id: str
    kind: str  # "change" (an event's roles), "statement" (an event's control: block), "assertion"
    place: Place
    start: dt.date  # the date as the file gives it: first and last possible day
    end: dt.date
    date_precision: str
    result: str  # held | contested | withdrawn
    gainer: str | None  # the faction holding the place afterwards (held only)
    loser: str | None  # the faction that held it before (a change's target; the one that withdrew)

    @property
    def effective(self) -> dt.date:
        """The first day the outcome holds."""
        if self.kind != "assertion" and self.date_precision in RANGE_PRECISIONS:
            return self.end + ONE_DAY
        if self.kind == "assertion":
            return self.end
        return self.start if self.date_precision == "day" else self.end

    @property
    def upper_bound_only(self) -> bool:
        return self.kind != "assertion" and self.date_precision in UPPER_BOUND_PRECISIONS

    @property
    def earliest(self) -> dt.date | None:
        """The first day the claim can have happened on; None where the file gives no lower bound."""
        return None if self.upper_bound_only else self.start


_claim_end = operator.attrgetter("end")


@dataclass(frozen=True)
class Interval:
    """A stretch of days over which a place's state is one thing. ``start``/``end`` None: open."""

    start: dt.date | None
    end: dt.date | None
    state: str
    holder: str | None
    previous: str | None
    evidence: tuple[Claim, ...]
    inferred: bool = False  # before the first claim: the holder is that claim's named target

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    @cached_property
    def evidence_ids(self) -> tuple[str, ...]:
        """The ids of its evidence, made once: a busy town's holding rests on thousands of reports, and the
        same interval is read for every as-of date after it."""
        return tuple(c.id for c in self.evidence)

    @cached_property
    def last_evidence(self) -> dt.date | None:
        """The last day of its latest evidence (its claims' last possible day)."""
        return max(map(_claim_end, self.evidence), default=None)  # C-level: evidence runs to thousands


@dataclass(frozen=True)
class PlaceControl:
    """The state of one place on a date (or over one interval, in a history)."""

    place: Place
    state: str
    holder: str | None
    previous: str | None
    since: dt.date | None
    until: dt.date | None
    stale: bool
    evidence: tuple[str, ...]
    inferred: bool = False
    latest_evidence: dt.date | None = None

    def as_row(self, faction_names: dict[str, str] | None = None) -> dict:
        """The row the CLI writes: exactly :data:`OUTPUT_COLUMNS`."""
        names = faction_names or {}
        return {
            "place": self.place.name,
            "lat": self.place.lat,
            "lon": self.place.lon,
            "state": self.state,
            "holder": self.holder or "",
            "holder_name": names.get(self.holder, self.holder) if self.holder else "",
            "previous": self.previous or "",
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "stale": self.stale,
            "events": ";".join(self.evidence),
        }


class _Step(NamedTuple):
    """A place's intervals just after one claim of its sweep: ``intervals[:settled]`` of the whole
    sweep's list (never changed by a later claim) followed by ``tail``."""

    first: dt.date  # the claim's first day
    place: Place
    settled: int
    tail: tuple[Interval, ...]


@dataclass
class _Prepared:
    """One place swept once: each claim's first day in time order, the intervals after it, and the
    whole sweep's intervals (the settled ones are shared by every step)."""

    firsts: list[dt.date]
    steps: list[_Step]
    intervals: list[Interval]
    before_first: PlaceControl | None  # the state before its first claim, whatever the day

    def known_on(self, day: dt.date) -> _Step | None:
        """The step of the last claim whose first day is on or before ``day``; None: no claim yet."""
        known = bisect.bisect_right(self.firsts, day)
        return self.steps[known - 1] if known else None

    def intervals_after(self, step: _Step) -> list[Interval]:
        """The intervals as a sweep of the claims up to ``step`` gives them."""
        return self.intervals[: step.settled] + list(step.tail)


@dataclass
class ControlModel:
    """Every claim of a dataset, grouped by place; built once, asked for any date.

    A place whose claims all have a lower bound of their own (no ``reported``
    or ``by`` change) is swept once, on first use: the claims known on a day
    are then a prefix of its claims in time order, so the answer for any day is
    a binary search (what keeps a control layer over a large store cheap). A
    place with an "on or before" change is swept for each day asked, because
    which claims bound its window depends on the day.
    """

    claims: dict[str, list[Claim]] = field(default_factory=dict)  # place key -> its claims
    _prepared: dict[str, _Prepared | None] = field(default_factory=dict, repr=False)
    _order: list[str] | None = field(default=None, repr=False)
    # Answers already given (control_at per date, the app's control lanes per as-of date: the same for
    # every filter, since a type or faction filter keeps the lanes of the last day); see ``remember``.
    _memo: dict[tuple, Any] = field(default_factory=dict, repr=False)

    def remember(self, key: tuple, compute: Callable[[], T]) -> T:
        """The answer kept for ``key``, or ``compute()`` kept for next time: the same object for the same
        question (a view's callbacks ask for the same date). Bounded: the oldest go past MEMO_KEPT."""
        # Request threads and the app's warm-up share the model: each step is one dict operation (atomic
        # under the GIL), so no lock, which a forked download job could inherit held. Two threads asking
        # at once compute the same answer.
        kept = self._memo.get(key, _NOT_KEPT)
        if kept is not _NOT_KEPT:
            return kept
        answer = compute()
        self._memo[key] = answer
        while len(self._memo) > MEMO_KEPT:
            try:
                self._memo.pop(next(iter(self._memo)), None)
            except RuntimeError:  # another thread changed the dict between iter() and next(): look again
                continue
        return answer

    @property
    def order(self) -> list[str]:
        """Place keys by place name: the order answers are listed in, sorted once."""
        if self._order is None or len(self._order) != len(self.claims):
            self._order = sorted(self.claims, key=lambda k: (self.claims[k][0].place.name.casefold(), k))
        return self._order

    @property
    def empty(self) -> bool:
        return not self.claims

    def prepared(self, key: str) -> _Prepared | None:
        """The place's sweep, made on first use; None where an "on or before" claim makes it per day."""
        if key not in self._prepared:
            self._prepared[key] = _prepare(self.claims[key])
        return self._prepared[key]

    def state_at(self, key: str, day: dt.date, stale_after: int = DEFAULT_STALE_AFTER_DAYS) -> PlaceControl | None:
        prepared = self.prepared(key)
        if prepared is None:  # swept per day
            return place_state_at(self.claims[key], day, stale_after)
        step = prepared.known_on(day)
        if step is None:
            return prepared.before_first
        interval = next(i for i in reversed(step.tail) if i.contains(day))
        return _state(interval, step.place, day, stale_after)


def _prepare(claims: list[Claim]) -> _Prepared | None:
    if any(c.upper_bound_only for c in claims):
        return None
    steps: list[_Step] = []
    intervals = _sweep(claims, steps)
    return _Prepared([step.first for step in steps], steps, intervals, _inferred_before(claims))


# ---------------------------------------------------------------------------
# Claims from the dataset.


def control_claims(dataset: Dataset) -> list[Claim]:
    """Every claim about control in a (geocoded) dataset, in the file's order."""
    events = dataset.events
    statements = dataset.control
    by_event = {}
    assertions = statements.iloc[0:0]
    if not statements.empty:
        is_event = statements["kind"] == "event"
        by_event = {row["id"]: row for row in statements[is_event].to_dict(orient="records")}
        assertions = statements[~is_event]
    mask = events["type"] == "control-change"
    if by_event:
        mask = mask | events["id"].isin(list(by_event))
    needed = ["id", "date_start", "date_end", "date_precision"] + [c for c in PLACE_COLUMNS if c in events.columns]
    chosen = events[needed][mask.to_numpy(dtype=bool)]
    if chosen.empty and assertions.empty:
        return []
    roles = _first_roles(dataset.actors, np.flatnonzero(mask.to_numpy(dtype=bool)))
    claims = []
    places: dict[tuple, Place | None] = {}  # a store's 21,000 changes are at 4,700 places: each made once
    for row in _records(chosen):
        spot = tuple(row.get(c) for c in PLACE_COLUMNS)
        place = places.get(spot) if spot in places else _place(row, f"{row['id']}")
        if place is not None and not place.key.endswith(f"#{row['id']}"):
            places[spot] = place
        if place is None:
            continue
        actor, target = roles.get(row["id"], (None, None))
        statement = by_event.get(row["id"])
        if statement is None:
            kind, result, gainer, loser = "change", "held", actor, target
        else:
            kind, result = "statement", statement["result"]
            holder = _text(statement["holder"])
            if result == "held":
                gainer, loser = holder or actor, target
            elif result == "withdrawn":
                gainer, loser = None, holder
            else:
                gainer, loser = None, target
        claims.append(
            Claim(
                id=row["id"],
                kind=kind,
                place=place,
                start=_day(row["date_start"]),
                end=_day(row["date_end"]),
                date_precision=row["date_precision"],
                result=result,
                gainer=gainer,
                loser=loser,
            )
        )
    for row in assertions.to_dict(orient="records"):
        place = _place(row, row["id"])
        if place is None:
            continue
        claims.append(
            Claim(
                id=row["id"],
                kind="assertion",
                place=place,
                start=_day(row["date_start"]),
                end=_day(row["date_end"]),
                date_precision=row["date_precision"],
                result="held",
                gainer=_text(row["holder"]),
                loser=None,
            )
        )
    return claims


def _records(frame: pd.DataFrame) -> list[dict]:
    """The rows as dicts, as ``to_dict(orient="records")`` gives them, built column by column (a fifth of its time)."""
    columns = [frame[c].tolist() for c in frame.columns]
    names = list(frame.columns)
    return [dict(zip(names, values)) for values in zip(*columns)]


def build_model(claims: Iterable[Claim]) -> ControlModel:
    model = ControlModel()
    for claim in claims:
        model.claims.setdefault(claim.place.key, []).append(claim)
    return model


def model_for(dataset: Dataset) -> ControlModel:
    """The dataset's model, from the claims its store kept (:func:`remember_claims`) or computed."""
    claims = _remembered_claims(dataset)
    return build_model(control_claims(dataset) if claims is None else claims)


#: Claims handed over by loaded stores: (events, actors, control tables) -> their claims.
_STORED_CLAIMS: KeptForTables[list[Claim]] = KeptForTables()


def remember_claims(dataset: Dataset, claims: list[Claim]) -> None:
    """Hand over the claims of these very tables computed elsewhere (a store's, when it was written).

    Used only for a dataset with the same events, actors and control tables (the same objects): a
    dataset with other tables computes its own.
    """
    _STORED_CLAIMS.keep(_claim_tables(dataset), claims)


def _remembered_claims(dataset: Dataset) -> list[Claim] | None:
    return _STORED_CLAIMS.get(_claim_tables(dataset))


def _claim_tables(dataset: Dataset) -> tuple[pd.DataFrame, ...]:
    """The tables :func:`control_claims` reads."""
    return (dataset.events, dataset.actors, dataset.control)


def _first_roles(actors: pd.DataFrame, rows: np.ndarray) -> dict[str, tuple[str | None, str | None]]:
    """Each chosen event's first faction in the ``actor`` role and first in the ``target`` role.

    ``rows`` are the events' positions; actors carry theirs (``event_row``), so a
    million-event store is matched by integers, not by string ids.
    """
    if not len(rows):
        return {}
    if "event_row" in actors.columns:
        keep = np.isin(actors["event_row"].to_numpy(), rows)
    else:  # a hand-built table without positions
        keep = actors["event_id"].isin(list(actors["event_id"])).to_numpy()
    picked = actors[["event_id", "faction", "role"]].iloc[np.flatnonzero(keep)]
    picked = picked[picked["role"].isin(["actor", "target"]).to_numpy(dtype=bool)]
    out: dict[str, list[str | None]] = {}
    for event_id, faction, role in picked.itertuples(index=False, name=None):
        pair = out.setdefault(str(event_id), [None, None])
        slot = 0 if role == "actor" else 1
        if pair[slot] is None:
            pair[slot] = str(faction)
    return {k: (v[0], v[1]) for k, v in out.items()}


def _place(row: dict, claim_id: str) -> Place | None:
    name = _text(row.get("place_name"))
    if name is None:
        return None
    precision = _text(row.get("place_precision"))
    lat, lon = _number(row.get("place_lat")), _number(row.get("place_lon"))
    located = lat is not None and lon is not None
    painted = located and precision not in UNPAINTED_PRECISIONS
    gazetteer_id = _text(row.get("place_gazetteer_id"))
    if gazetteer_id:
        key = f"gazetteer:{gazetteer_id}"
    elif located:
        key = f"point:{lat:.4f},{lon:.4f}"
    else:
        key = f"name:{name.casefold()}|{_text(row.get('place_country')) or ''}"
    if precision in UNPAINTED_PRECISIONS:
        # A claim somewhere in a region is not about the whole region, nor about another claim's spot there.
        key += f"#{claim_id}"
        name = f"in {name}"
    return Place(key=key, name=name, precision=precision, lat=lat, lon=lon, painted=painted)


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value)
    return text if text.strip() else None


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _day(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


# ---------------------------------------------------------------------------
# The sweep: one place's claims become intervals.


def _windows(claims: list[Claim]) -> list[tuple[Claim, dt.date, dt.date | None]]:
    """Each claim with its first day and the last day of its changing window (None: no window).

    A ``reported``/``by`` claim is changing from the day after the latest
    evidence that ends before its day (among ``claims``) to the day before.
    """
    out: list[tuple[Claim, dt.date, dt.date | None]] = []
    for claim in claims:
        if claim.kind == "assertion":
            out.append((claim, claim.effective, None))
        elif claim.date_precision in RANGE_PRECISIONS:
            out.append((claim, claim.start, claim.end))
        elif claim.upper_bound_only:
            earlier = [c.end for c in claims if c is not claim and c.end < claim.end]
            first = max(earlier) + ONE_DAY if earlier else claim.end
            out.append((claim, first, claim.end - ONE_DAY) if first < claim.end else (claim, claim.end, None))
        else:
            out.append((claim, claim.effective, None))
    out.sort(key=lambda item: (item[1], item[0].effective, item[0].id))
    return out


def _outcome(claim: Claim, previous: str | None) -> tuple[str, str | None, str | None]:
    """(state, holder, previous) after a claim takes effect."""
    if claim.result == "held":
        return ("held" if claim.gainer else "unknown"), claim.gainer, previous
    if claim.result == "contested":
        return "contested", None, previous
    return "unknown", None, claim.loser or previous  # withdrawn: who holds it next is unknown


def _sweep(claims: list[Claim], steps: list[_Step] | None = None) -> list[Interval]:
    """The intervals of one place: contiguous, never overlapping, in time order.

    With ``steps``, appends a :class:`_Step` after each claim (in time order):
    the intervals a sweep of the claims so far gives, without copying them.
    Claims come in order of their first day, and a later claim only cuts,
    drops or extends intervals that reach the day before its first day, so an
    interval ending earlier than the day before this claim's first day is
    settled: it is the same object in every later list. A step keeps how many
    lead the list settled, and the rest (a few: the one cut short, a window,
    its outcome), so the history as known on any day costs no sweep.
    """
    timed = _windows(claims)
    if not timed:
        return []
    first = timed[0][0]
    intervals: list[Interval] = []
    before_first = timed[0][1] - ONE_DAY
    if first.kind != "assertion" and first.loser:
        intervals.append(Interval(None, before_first, "held", first.loser, None, (first,), inferred=True))
    else:
        intervals.append(Interval(None, before_first, "unknown", None, None, ()))
    holder: str | None = intervals[0].holder
    settled = 0
    for claim, first_day, window_end in timed:
        intervals = _clip(intervals, first_day)
        previous = claim.loser if claim.kind != "assertion" and claim.loser else holder
        if window_end is not None:
            intervals.append(Interval(first_day, window_end, "changing", claim.gainer, previous, (claim,)))
        state, new_holder, new_previous = _outcome(claim, previous)
        start = window_end + ONE_DAY if window_end is not None else first_day
        last = intervals[-1]
        if window_end is None and last.state == state == "held" and last.holder == new_holder and not last.inferred:
            intervals[-1] = _changed(last, None, last.evidence + (claim,))  # the same holding, more evidence
            # Its latest evidence from the last one's, not a walk over evidence that grows with every claim.
            intervals[-1].__dict__["last_evidence"] = max(last.last_evidence or claim.end, claim.end)
        else:
            intervals.append(Interval(start, None, state, new_holder, new_previous, (claim,)))
        holder = new_holder
        if steps is not None:
            cut = first_day - ONE_DAY
            while settled < len(intervals) - 1 and (end := intervals[settled].end) is not None and end < cut:
                settled += 1
            steps.append(_Step(first_day, claim.place, settled, tuple(intervals[settled:])))
    return intervals


def _clip(intervals: list[Interval], day: dt.date) -> list[Interval]:
    """Intervals ending before ``day`` (the one spanning it cut short; an open one closed).

    The intervals are contiguous and in time order, so only the last few can
    reach ``day``: they are found from the end. Checking every interval at
    each claim made a place's sweep quadratic (a town with thousands of
    events took seconds at a million events).
    """
    out = list(intervals)
    while out and out[-1].start is not None and out[-1].start >= day:
        out.pop()
    if out and (out[-1].end is None or out[-1].end >= day):
        out[-1] = _changed(out[-1], day - ONE_DAY, out[-1].evidence)
    return out


def _changed(interval: Interval, end: dt.date | None, evidence: tuple[Claim, ...]) -> Interval:
    """``dataclasses.replace(interval, end=end, evidence=evidence)`` without its generic field walk (a sweep
    of a million-event store makes 17,000 of them)."""
    changed = Interval(
        interval.start, end, interval.state, interval.holder, interval.previous, evidence, interval.inferred
    )
    if evidence is interval.evidence and "last_evidence" in interval.__dict__:  # the same evidence: known
        changed.__dict__["last_evidence"] = interval.__dict__["last_evidence"]
    return changed


def _known_by(claims: list[Claim], day: dt.date) -> list[Claim]:
    """The claims that can have happened by ``day``, and whose first day (window or effect) is not after it."""
    possible = [c for c in claims if c.earliest is None or c.earliest <= day]
    return [claim for claim, first_day, _ in _windows(possible) if first_day <= day]


# ---------------------------------------------------------------------------
# Answers.


def place_state_at(
    claims: list[Claim], day: dt.date, stale_after: int = DEFAULT_STALE_AFTER_DAYS
) -> PlaceControl | None:
    """One place's state on ``day``, from the claims that can have happened by then; None: not listed."""
    known = _known_by(claims, day)
    if not known:
        return _inferred_before(claims)
    interval = next(i for i in reversed(_sweep(known)) if i.contains(day))
    return _state(interval, known[-1].place, day, stale_after)


def _inferred_before(claims: list[Claim]) -> PlaceControl | None:
    """A place's state before any of its claims is known: held by its first change's named target;
    None (not listed) where that claim names none or is an assertion."""
    timed = _windows(claims)
    first = timed[0][0] if timed else None
    if first is None or first.kind == "assertion" or not first.loser:
        return None  # nothing known yet, and no named target to have held it
    return PlaceControl(first.place, "held", first.loser, None, None, None, False, (first.id,), inferred=True)


def _state(interval: Interval, place: Place, day: dt.date, stale_after: int) -> PlaceControl:
    last = interval.last_evidence
    latest = None if last is None else min(last, day)  # evidence still open on the day counts as of the day
    stale = latest is not None and (day - latest).days > stale_after
    return _place_control(place, interval, stale, latest)


def control_at(model: ControlModel, day: dt.date, stale_after: int = DEFAULT_STALE_AFTER_DAYS) -> list[PlaceControl]:
    """Every listed place's state on ``day``, sorted by place name (the same list object for the same question)."""

    def answer() -> list[PlaceControl]:
        states = [model.state_at(key, day, stale_after) for key in model.order]
        return [s for s in states if s is not None]

    return model.remember(("control_at", day, stale_after), answer)


def control_history(
    model: ControlModel,
    stale_after: int = DEFAULT_STALE_AFTER_DAYS,
    as_of: dt.date | None = None,
    keys: Iterable[str] | None = None,
) -> list[PlaceControl]:
    """Every interval of every place, one row each: as the whole file tells it, or as known on ``as_of``.

    With ``as_of``, only the claims that can have happened by then are used
    (as :func:`control_at` does), so the last interval is the state on that
    day and nothing after it shows. ``stale`` is True where the interval
    outlasts its latest evidence by more than ``stale_after`` days (an open
    interval is judged on ``as_of``, else on the last day the file knows of);
    the unknown stretch before a place's first claim is left out. ``keys``
    limits it to those places.
    """
    rows = []
    last_day = as_of or max((max(map(_claim_end, claims)) for claims in model.claims.values() if claims), default=None)
    for key in model.claims if keys is None else keys:
        known = _intervals_known(model, key, as_of)
        if known is None:  # no claim known on as_of: the state before the first, if it names a holder
            inferred = _inferred_before(model.claims[key]) if as_of else None
            rows += [inferred] if inferred else []
            continue
        place, intervals = known
        for interval in intervals:
            if interval.state == "unknown" and not interval.evidence:
                continue
            if as_of is not None and interval.start is not None and interval.start > as_of:
                continue  # the outcome of a window still open on as_of
            end = interval.end or last_day
            latest = interval.last_evidence
            stale = bool(end and latest and not interval.inferred and (end - latest).days > stale_after)
            rows.append(_place_control(place, interval, stale, latest))
    return sorted(rows, key=lambda s: (s.place.name.casefold(), s.place.key, s.since or dt.date.min))


def _intervals_known(model: ControlModel, key: str, as_of: dt.date | None) -> tuple[Place, list[Interval]] | None:
    """A place's intervals from the claims that can have happened by ``as_of`` (all, for None), and the
    place they are listed under; None when no claim is known yet.

    From the place's prepared sweep where it has one (a new as-of date costs no sweep: the lanes of a
    million-event store are swept once, not once per date), else by sweeping the known claims.
    """
    all_claims = model.claims[key]
    if as_of is None:
        return all_claims[0].place, _sweep(all_claims)
    prepared = model.prepared(key)
    if prepared is not None:
        step = prepared.known_on(as_of)
        return None if step is None else (prepared.steps[0].place, prepared.intervals_after(step))
    claims = _known_by(all_claims, as_of)
    return (claims[0].place, _sweep(claims)) if claims else None


def faction_names(dataset: Dataset) -> dict[str, str]:
    factions = dataset.factions
    if factions is None or factions.empty or "name" not in factions.columns:
        return {}
    return {str(k): str(v) for k, v in factions["name"].items()}


def control_rows(states: Iterable[PlaceControl], names: dict[str, str] | None = None) -> list[dict]:
    """The CLI's rows: exactly :data:`OUTPUT_COLUMNS`, ``stale`` a bool."""
    return [s.as_row(names) for s in states]


def control_geojson(states: Iterable[PlaceControl], names: dict[str, str] | None = None) -> dict:
    """RFC 7946 FeatureCollection, one feature per row, properties exactly :data:`OUTPUT_COLUMNS`.

    A place known only at region or country level (or not located) has a null
    geometry: it is listed, but a GIS must not paint it as if the whole region
    changed hands.
    """
    features = []
    for s in states:
        row = s.as_row(names)
        geometry = None
        if s.place.painted and s.place.lat is not None and s.place.lon is not None:
            geometry = {"type": "Point", "coordinates": [round(s.place.lon, 6), round(s.place.lat, 6)]}
        features.append({"type": "Feature", "geometry": geometry, "properties": row})
    return {"type": "FeatureCollection", "features": features}


def last_day(dataset: Dataset) -> dt.date | None:
    """The day the app shows control for when no date is given: the last event's last day."""
    # max() skips missing dates itself; dropna() first copied the column with its index of a million
    # string ids (0.3-0.5 s of a store's start).
    last = dataset.events["date_end"].max()
    return None if pd.isna(last) else _day(last)


__all__ = [
    "DEFAULT_STALE_AFTER_DAYS",
    "OUTPUT_COLUMNS",
    "STATES",
    "Claim",
    "ControlModel",
    "Interval",
    "Place",
    "PlaceControl",
    "build_model",
    "control_at",
    "control_claims",
    "control_geojson",
    "control_history",
    "control_rows",
    "faction_names",
    "last_day",
    "model_for",
    "place_state_at",
    "remember_claims",
]


def _place_control(place, interval, stale: bool, latest) -> PlaceControl:
    """One place's state from one of its intervals: the as-of answer and each --history row alike."""
    return PlaceControl(
        place=place,
        state=interval.state,
        holder=interval.holder,
        previous=interval.previous,
        since=interval.start,
        until=interval.end,
        stale=stale,
        evidence=interval.evidence_ids,
        inferred=interval.inferred,
        latest_evidence=latest,
    )
