"""Dates in an article's sentences, resolved against its publication date.

News writing dates events relative to the day it is published: "on Sunday"
is the last Sunday on or before publication (a wire story filed on a
Thursday says "on Thursday" for that day), "last week" is the calendar week
before, "earlier this month" runs from the first of the month to the day
before publication. Each date comes back with the events file's ``precision``
and a ``basis`` in words, so the analyst sees how it was derived. Day-month
phrases ("on November 9", "Friday 20 October", "Oct. 17") are parsed by
``dateparser`` with the publication day as its base and past dates preferred.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_abbr) if name
}
MONTHS["sept"] = 9

_WD = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d))?"
# Most specific first: the first pattern that matches a stretch of text claims it.
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("numeric", re.compile(r"\b(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>(?:19|20)\d\d)\b")),
    (
        "weekday-day-month",
        re.compile(rf"\b(?P<wd>{_WD}),?\s+(?P<text>(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH}){_YEAR})\b"),
    ),
    (
        "weekday-month-day",
        re.compile(rf"\b(?P<wd>{_WD}),?\s+(?P<text>(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?{_YEAR})\b"),
    ),
    ("day-month", re.compile(rf"\b(?P<text>(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH}){_YEAR})\b")),
    ("month-day", re.compile(rf"\b(?P<text>(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b{_YEAR})")),
    (
        "part-of-month",
        re.compile(
            rf"\b(?P<part>early|mid|late|the end of|the beginning of|the start of)[- ](?P<month>{_MONTH}){_YEAR}\b",
            re.I,
        ),
    ),
    (
        "month-year",
        re.compile(rf"\b(?:in|since|from|by|during|until)\s+(?P<month>{_MONTH})\s+(?P<year>(?:19|20)\d\d)\b"),
    ),
    ("last-week", re.compile(r"\blast week\b", re.I)),
    ("this-week", re.compile(r"\b(?:earlier )?this week\b", re.I)),
    ("last-month", re.compile(r"\blast month\b", re.I)),
    ("this-month", re.compile(r"\b(?:earlier|early|previously) this month\b", re.I)),
    ("ago", re.compile(r"\b(?P<n>a|an|one|two|three|four|five|six|\d+)\s+(?P<unit>day|days|week|weeks)\s+ago\b", re.I)),
    ("yesterday", re.compile(r"\byesterday\b", re.I)),
    ("today", re.compile(r"\btoday\b", re.I)),
    ("day-before", re.compile(r"\b(?:the day before|a day earlier|the previous day|a day before)\b", re.I)),
    ("weekday", re.compile(rf"\b(?P<wd>{_WD})\b")),
]
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


@dataclass(frozen=True)
class DateMention:
    """A date phrase and what it resolves to: a day or a span, with precision and basis."""

    text: str
    start: int
    end: int
    kind: str
    first: dt.date
    last: dt.date
    precision: str
    basis: str
    since: bool = False  # "since October 7": a background date, not the event's

    def as_event_date(self) -> dict:
        if self.first == self.last:
            return {"day": self.first, "precision": self.precision, "basis": self.basis}
        return {"start": self.first, "end": self.last, "precision": self.precision, "basis": self.basis}


def _quoted(m: re.Match[str]) -> str:
    """The matched words in quotes, as a date basis cites them."""
    return f'"{m.group(0)}"'


def _mention(
    m: re.Match[str], kind: str, first: dt.date, last: dt.date, precision: str, basis: str, since: bool = False
) -> DateMention:
    """A date mention of the matched words (their text and span) with its dates and the basis for them."""
    return DateMention(m.group(0), m.start(), m.end(), kind, first, last, precision, basis, since)


def _words(published: dt.date) -> str:
    return f"{published.strftime('%A')} {published.day} {published.strftime('%B %Y')}"


def _month_number(text: str) -> int:
    return MONTHS[text.rstrip(".").lower()]


def last_weekday(published: dt.date, weekday: int) -> dt.date:
    """The last such weekday on or before publication."""
    return published - dt.timedelta(days=(published.weekday() - weekday) % 7)


def _day_month(published: dt.date, text: str, year: str | None) -> dt.date | None:
    """Day and month via dateparser, the year from the text or the last such date on or before publication."""
    import dateparser

    settings = {
        "RELATIVE_BASE": dt.datetime.combine(published, dt.time(12)),
        "PREFER_DATES_FROM": "past",
        "REQUIRE_PARTS": ["day", "month"],
        "PREFER_DAY_OF_MONTH": "first",
    }
    parsed = dateparser.parse(text.replace(".", ""), languages=["en"], settings=settings)
    if parsed is None:
        return None
    day = parsed.date()
    if year is None and day > published:  # dateparser keeps the base year for "December 30" read in January
        day = day.replace(year=day.year - 1)
    return day


#: How many years back a "Friday 20 October" without a year may reach for the
#: year in which 20 October was a Friday; the same weekday and date recur
#: every 5, 6 or 11 years, so a wider window would only find a stale match.
WEEKDAY_YEARS_BACK = 6


def _weekday_day_month(m: re.Match[str], kind: str, latest: dt.date, published: dt.date) -> DateMention:
    """ "Friday 20 October" without a year: the most recent year, on or before
    publication, in which 20 October was a Friday. Why: the weekday is the
    writer's own check on the year (an article published in November 2024
    about "Friday 20 October" reports 2023, when it was a Friday; 2024-10-20
    was a Sunday). If no year in the window fits, the text contradicts itself:
    the span between the candidate days is kept, and the basis says so."""
    quoted = _quoted(m)
    pub = _words(published)
    weekday = m["wd"]
    for back in range(WEEKDAY_YEARS_BACK + 1):
        try:
            day = latest.replace(year=latest.year - back)
        except ValueError:  # 29 February in a common year
            continue
        if WEEKDAYS[day.weekday()] == weekday.lower():
            basis = (
                f"Date given in the text ({quoted}), in the most recent year on or before publication "
                f"on {pub} in which {day.day} {day.strftime('%B')} was a {weekday}"
            )
            if back > 1:
                basis += f" ({back} years before publication: check the year)"
            return _mention(m, kind, day, day, "day", basis + ".")
    earliest = latest.replace(year=latest.year - 1, day=min(latest.day, 28) if latest.month == 2 else latest.day)
    basis = (
        f"Date given in the text ({quoted}) without a year; uncertain: {latest.day} {latest.strftime('%B')} "
        f"was not a {weekday} in any of the {WEEKDAY_YEARS_BACK + 1} years up to publication on {pub}, "
        f"so the span covers the date in the year of publication and the one before."
    )
    return _mention(m, kind, earliest, latest, "range", basis)


def _numeric(kind: str, m: re.Match[str], published: dt.date, context: dt.date | None) -> DateMention | None:
    """A numeric date, 2017-10-26."""
    quoted = _quoted(m)
    try:
        day = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None
    return _mention(m, kind, day, day, "day", f"Date given in the text ({quoted}).")


def _calendar_day(kind: str, m: re.Match[str], published: dt.date, context: dt.date | None) -> DateMention | None:
    """A day and month, with or without weekday and year: "Friday 20 October 2017", "October 20"."""
    pub = _words(published)
    quoted = _quoted(m)
    day_or_none = _day_month(published, m["text"], m["year"])
    if day_or_none is None:
        return None
    day = day_or_none
    basis = f"Date given in the text ({quoted})"
    weekday = m.groupdict().get("wd")
    if not m["year"] and weekday:
        return _weekday_day_month(m, kind, day, published)
    if not m["year"]:
        basis += f", in the year of publication on {pub} or the one before"
    if weekday and WEEKDAYS[day.weekday()] != weekday.lower():
        basis += f"; note: {day.isoformat()} is a {day.strftime('%A')}, not a {weekday}"
    return _mention(m, kind, day, day, "day", basis + ".")


def _part_of_month(kind: str, m: re.Match[str], published: dt.date, context: dt.date | None) -> DateMention | None:
    """ "early/mid/late October", "the end of October 2017": a third of the month."""
    pub = _words(published)
    quoted = _quoted(m)
    month = _month_number(m["month"])
    year = int(m["year"]) if m["year"] else published.year
    if not m["year"] and dt.date(year, month, 1) > published:
        year -= 1
    last_day = calendar.monthrange(year, month)[1]
    part = m["part"].lower()
    first_day, last_day_of_part = {
        "early": (1, 10),
        "the beginning of": (1, 10),
        "the start of": (1, 10),
        "mid": (11, 20),
        "late": (21, last_day),
        "the end of": (21, last_day),
    }[part]
    return _mention(
        m,
        kind,
        dt.date(year, month, first_day),
        dt.date(year, month, last_day_of_part),
        "range",
        f"{quoted}: taken as days {first_day} to {last_day_of_part} of the month, relative to publication on {pub}.",
    )


def _month_year(kind: str, m: re.Match[str], published: dt.date, context: dt.date | None) -> DateMention | None:
    """ "October 2017", "since October 2017": some day that month."""
    quoted = _quoted(m)
    month, year = _month_number(m["month"]), int(m["year"])
    month_first = dt.date(year, month, 1)
    month_last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return _mention(
        m,
        kind,
        month_first,
        month_last,
        "month",
        f"{quoted}: some day that month.",
        since=m.group(0).lower().startswith("since"),
    )


def _last_week(kind: str, m: re.Match[str], published: dt.date, context: dt.date | None) -> DateMention | None:
    """ "last week": Monday to Sunday of the week before publication."""
    pub = _words(published)
    quoted = _quoted(m)
    monday = published - dt.timedelta(days=published.weekday() + 7)
    return _mention(
        m,
        kind,
        monday,
        monday + dt.timedelta(days=6),
        "week",
        f"{quoted}, relative to publication on {pub}: Monday to Sunday of the week before. The article gives no day.",
    )


def _this_week(kind: str, m: re.Match[str], published: dt.date, context: dt.date | None) -> DateMention | None:
    """ "this week": the Monday of publication's week to the day of publication."""
    pub = _words(published)
    quoted = _quoted(m)
    monday = published - dt.timedelta(days=published.weekday())
    if monday == published:
        return None
    return _mention(
        m,
        kind,
        monday,
        published,
        "range",
        f"{quoted}, relative to publication on {pub}: from the Monday of that week to the day of publication.",
    )


def _last_month(kind: str, m: re.Match[str], published: dt.date, context: dt.date | None) -> DateMention | None:
    """ "last month": the calendar month before publication."""
    pub = _words(published)
    quoted = _quoted(m)
    previous = published.replace(day=1) - dt.timedelta(days=1)
    return _mention(
        m,
        kind,
        previous.replace(day=1),
        previous,
        "month",
        f"{quoted}, relative to publication on {pub}: the calendar month before.",
    )


def _this_month(kind: str, m: re.Match[str], published: dt.date, context: dt.date | None) -> DateMention | None:
    """ "this month": the first of the month to the day before publication."""
    pub = _words(published)
    quoted = _quoted(m)
    if published.day == 1:
        return None
    return _mention(
        m,
        kind,
        published.replace(day=1),
        published - dt.timedelta(days=1),
        "range",
        f"{quoted}, relative to publication on {pub}: from the first of the month to the day before.",
    )


def _ago(kind: str, m: re.Match[str], published: dt.date, context: dt.date | None) -> DateMention | None:
    """ "three days ago", "two weeks ago": counted back from publication."""
    pub = _words(published)
    quoted = _quoted(m)
    n = _NUMBERS.get(m["n"].lower()) or int(m["n"])
    days = n * (7 if m["unit"].lower().startswith("week") else 1)
    day = published - dt.timedelta(days=days)
    if days >= 7:  # "a week ago" is a way of speaking, not a count of days
        return _mention(
            m,
            kind,
            day - dt.timedelta(days=1),
            day + dt.timedelta(days=1),
            "range",
            f"{quoted}, relative to publication on {pub}: {day.isoformat()}, give or take a day.",
        )
    return _mention(m, kind, day, day, "day", f"{quoted}, relative to publication on {pub}.")


def _yesterday(kind: str, m: re.Match[str], published: dt.date, context: dt.date | None) -> DateMention | None:
    """ "yesterday": the day before publication."""
    pub = _words(published)
    quoted = _quoted(m)
    day = published - dt.timedelta(days=1)
    return _mention(m, kind, day, day, "day", f"{quoted}, the day before publication on {pub}.")


def _today(kind: str, m: re.Match[str], published: dt.date, context: dt.date | None) -> DateMention | None:
    """ "today": the day of publication."""
    pub = _words(published)
    quoted = _quoted(m)
    return _mention(m, kind, published, published, "day", f"{quoted}, the day of publication on {pub}.")


def _day_before(kind: str, m: re.Match[str], published: dt.date, context: dt.date | None) -> DateMention | None:
    """ "the day before": the day before the date the article gave just before."""
    quoted = _quoted(m)
    if context is None:
        return None
    day = context - dt.timedelta(days=1)
    return _mention(
        m,
        kind,
        day,
        day,
        "day",
        f"{quoted}: the day before {context.isoformat()}, the date the article gives just before.",
    )


def _weekday(kind: str, m: re.Match[str], published: dt.date, context: dt.date | None) -> DateMention | None:
    """ "on Tuesday": that weekday on or before publication."""
    pub = _words(published)
    weekday = WEEKDAYS.index(m["wd"].lower())
    day = last_weekday(published, weekday)
    when = "the day of publication" if day == published else f"the {m['wd']} before publication"
    return _mention(
        m,
        kind,
        day,
        day,
        "day",
        f'"{m["wd"]}": {when} on {pub}.',
    )


#: Each kind of date phrase and the function that resolves it.
_RESOLVERS: dict[str, Callable[[str, re.Match[str], dt.date, dt.date | None], DateMention | None]] = {
    "numeric": _numeric,
    "weekday-day-month": _calendar_day,
    "weekday-month-day": _calendar_day,
    "day-month": _calendar_day,
    "month-day": _calendar_day,
    "part-of-month": _part_of_month,
    "month-year": _month_year,
    "last-week": _last_week,
    "this-week": _this_week,
    "last-month": _last_month,
    "this-month": _this_month,
    "ago": _ago,
    "yesterday": _yesterday,
    "today": _today,
    "day-before": _day_before,
    "weekday": _weekday,
}


def resolve(kind: str, m: re.Match[str], published: dt.date, context: dt.date | None) -> DateMention | None:
    """The dates a phrase of ``kind`` stands for, relative to ``published`` (and ``context``, the date the
    article gave just before); None when the phrase names no date here (an impossible day, "this week" on a
    Monday)."""
    resolver = _RESOLVERS.get(kind)
    return resolver(kind, m, published, context) if resolver else None


def find_dates(text: str, published: dt.date, context: dt.date | None = None) -> list[DateMention]:
    """Every date phrase in ``text``, resolved; overlapping phrases go to the most specific pattern.

    ``context`` is the last date the article gave before this text, for
    phrases such as "the day before".
    """
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            mention = resolve(kind, m, published, context)
            if mention is None:
                continue
            since = mention.since or bool(re.search(r"\b(?:since|until|till)\s+(?:the\s+)?$", text[: m.start()]))
            if since != mention.since:
                mention = DateMention(**{**mention.__dict__, "since": since})
            taken.append(m.span())
            found.append(mention)
    return sorted(found, key=lambda d: d.start)


def publication_date(published: dt.date) -> dict:
    """The date of an event the article does not date: on or before its publication."""
    return {
        "day": published,
        "precision": "reported",
        "basis": f"The article gives no date for this; dated by its publication on {_words(published)}, "
        "so it happened on or before.",
    }
