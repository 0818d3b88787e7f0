"""Wording an event's date for people.

An event's date is a span (start, end) and a precision saying how the span
was derived. The words must keep the difference a reader relies on: a day
the text gives ("Sun 22 Oct 2017"), a span where the day is unknown
("16 Oct – 22 Oct 2017 (week, day unknown)"), the date of a report, which
bounds the event only from above ("on or before ... (date of report)"), and a
deadline the text itself states ("by ... (no later than)"). One plain function
serves the app, the exports and the legend so they never disagree.
"""

from __future__ import annotations

import calendar
import datetime as dt

from conflictmap.vocabulary import DATE_PRECISION_LABELS

# Short legend labels, keyed by precision (the vocabulary holds the wording).
PRECISION_LEGEND = DATE_PRECISION_LABELS


def _as_date(value) -> dt.date | None:
    """A date from a date, datetime or pandas Timestamp; None for missing values (None, NaT)."""
    if value is None:
        return None
    try:
        if value != value:  # NaN and NaT are not equal to themselves
            return None
    except (TypeError, ValueError):  # pragma: no cover - exotic types that refuse comparison
        pass
    if isinstance(value, dt.datetime):  # pandas Timestamp is a datetime
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _day(d: dt.date) -> str:
    return f"{d:%a %d %b %Y}"


def _whole_month(start: dt.date, end: dt.date) -> bool:
    return (
        start.day == 1
        and (start.year, start.month) == (end.year, end.month)
        and end.day == calendar.monthrange(end.year, end.month)[1]
    )


def describe_date(start, end=None, precision: str | None = None) -> str:
    """The date of an event in words, keeping how precisely it is known.

    ``start`` and ``end`` are dates, datetimes or pandas Timestamps (``end``
    defaults to ``start``); ``precision`` is one of the vocabulary's
    DATE_PRECISIONS.
    """
    first, last = _as_date(start), _as_date(end)
    first, last = first or last, last or first  # one end missing: the span is the other day
    if first is None or last is None:
        return "date unknown"
    if precision == "reported":
        return f"on or before {_day(last)} (date of report)"
    if precision == "by":
        return f"by {_day(last)} (no later than)"
    if first == last:
        return _day(first)
    if precision == "month" and _whole_month(first, last):
        return f"{first:%b %Y} (month, day unknown)"
    left = f"{first:%d %b}" if first.year == last.year else f"{first:%d %b %Y}"
    kind = precision or "range"
    return f"{left} – {last:%d %b %Y} ({kind}, day unknown)"


def precision_label(precision: str) -> str:
    """The legend's few words for a precision (the precision itself if unknown)."""
    return PRECISION_LEGEND.get(precision, precision)


__all__ = ["PRECISION_LEGEND", "describe_date", "precision_label"]
