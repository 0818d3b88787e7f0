"""A view in words and in a file name: what a download holds, said by its subtitle and its name.

Why: an image whose subtitle reads ``?faction=sdf&from=2017-10-01`` and a file
called ``conflictmap.png`` tell a reader nothing; a briefing officer with ten
downloads in a folder needs to know which is which. Both come from the view
state alone (the same state the URL carries), so the app's download and
``conflictmap export`` describe a view the same way.

The description is plain text (escaped where it is drawn, once); the file
name is made of lower-case ASCII letters, digits, ``-`` and ``_`` only, so it
is safe on every file system and in every shell.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from conflictmap.table import Dataset
from conflictmap.view import ViewState
from conflictmap.vocabulary import TYPE_LABELS

MAX_TITLE_CHARS = 40  # of the title's part of a file name
MAX_NAME_CHARS = 120  # of a whole file name, before its suffix
# Names Windows refuses for a file whatever its suffix.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{k}" for k in range(1, 10)), *(f"lpt{k}" for k in range(1, 10))}


def window_text(date_from: dt.date | None, date_to: dt.date | None) -> str:
    """A date window in words: "01 Oct – 26 Oct 2017", "from 01 Oct 2017", "26 Oct 2017"."""
    if date_from and date_to:
        if date_from == date_to:
            return f"{date_to:%d %b %Y}"
        left = f"{date_from:%d %b}" if date_from.year == date_to.year else f"{date_from:%d %b %Y}"
        return f"{left} – {date_to:%d %b %Y}"
    if date_from:
        return f"from {date_from:%d %b %Y}"
    if date_to:
        return f"until {date_to:%d %b %Y}"
    return ""


def _names(values, label: str, plural: str, lookup) -> str:
    shown = [str(lookup(v)) for v in values]
    return f"{label if len(shown) == 1 else plural}: {', '.join(shown)}"


def view_description(dataset: Dataset, state: ViewState) -> str:
    """The filters of a view as a reader would say them, e.g.
    "01 Oct – 26 Oct 2017 · Faction: Syrian Democratic Forces · Text: “oil”"; "All events" when unfiltered."""
    parts = []
    window = window_text(state.date_from, state.date_to)
    if window:
        parts.append(window)
    names = dataset.factions["name"]
    if state.factions:
        parts.append(_names(state.factions, "Faction", "Factions", lambda f: names.get(f, f)))
    if state.sides:
        parts.append(_names(state.sides, "Side", "Sides", str))
    if state.types:
        parts.append(_names(state.types, "Type", "Types", lambda t: TYPE_LABELS.get(t, t)))
    if state.query:
        parts.append(f"Text: “{state.query}”")
    if state.event and state.event in dataset.events.index:
        parts.append("Selected: " + str(dataset.events.at[state.event, "title"]))
    return " · ".join(parts) if parts else "All events"


def slug(text: str, limit: int | None = None) -> str:
    """Lower-case ASCII words joined by ``-`` (accents folded, other scripts dropped), cut at a word."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if limit is not None and len(words) > limit:
        cut = words[: limit + 1]
        words = cut.rsplit("-", 1)[0] if "-" in cut else words[:limit]
    return words.strip("-")


def download_name(dataset: Dataset, state: ViewState, suffix: str, title: str | None = None) -> str:
    """A file name that says what the download holds: title, date window and filters.

    e.g. ``deir-ez-zor-and-raqqa-october-2017_2017-10-01_2017-10-26_sdf.png``. Parts are separated by
    ``_``, words by ``-``; a name too long for file systems keeps its title and window and is cut at a
    filter boundary. A title with no Latin letters (Arabic script) falls back to ``conflictmap``.
    """
    head = slug(title or dataset.title, MAX_TITLE_CHARS) or "conflictmap"
    parts = [head]
    if state.date_from or state.date_to:
        parts.append(
            f"{state.date_from.isoformat() if state.date_from else 'start'}"
            f"_{state.date_to.isoformat() if state.date_to else 'end'}"
        )
    filters = [slug(v) for v in (*state.factions, *state.sides, *state.types)]
    if state.query:
        filters.append("q-" + slug(state.query))
    name = "_".join(parts)
    for part in filter(None, filters):
        if len(name) + 1 + len(part) > MAX_NAME_CHARS:
            name += "_more"
            break
        name += "_" + part
    if name in _RESERVED:
        name += "_view"
    suffix = slug(suffix.lstrip(".")) or "bin"
    return f"{name}.{suffix}"
