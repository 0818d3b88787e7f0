"""A plain-text article as the drafter reads it: header, paragraphs, sentences, dateline.

Paragraphs are numbered exactly as ``conflictmap validate`` numbers a source
document's paragraphs (blank-line separated blocks after an optional ``---``
YAML header, from 1), because the draft's quotes are checked against the same
file with the same loader. A plain header block of ``key: value`` lines before
the first blank line is therefore paragraph 1 to the validator; the drafter
reads its keys and skips it as text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from conflictmap.errors import EventsFileError, Problem
from conflictmap.seeds import load_source_document

HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z_-]*)\s*:\s*(.*?)\s*$")
# Keys that make a first block a header rather than text that happens to hold a colon.
HEADER_KEYS = frozenset({"published", "source", "publisher", "title", "url", "author", "note", "captured"})

# Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "sgt",
        "brig",
        "adm",
        "st",
        "mt",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "no",
        "vs",
        "etc",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
        "jr",
        "sr",
        "prof",
        "rev",
        "gov",
        "sen",
        "rep",
    ]
)
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")

# A dateline: where the report was filed, at the very start of a paragraph.
# "BEIRUT:", "BEIRUT (Reuters) -", "QAYYARAH, Iraq, (APP ...) -", "BARTELLA, Iraq" alone,
# "DUSHANBE, 16.06.2017.", "Baghdad:", "Beirut, Feb 15:", "Sanaa, April 11 (IANS) -", "HAKKARİ" alone.
# Capitals beyond ASCII too: "HAKKARİ", "ŞANLIURFA", "ÇUKURCA".
_UPPER = "A-Z" + "".join(ch for ch in map(chr, range(0xC0, 0x250)) if ch.isupper())
_CAPS_NAME = rf"[{_UPPER}][{_UPPER}'’\-]+(?:[ .][{_UPPER}][{_UPPER}'’\-]+){{0,3}}"
_CAPS_DATELINE = re.compile(
    rf"^(?P<place>{_CAPS_NAME})(?P<tail>(?:,\s*[^,:\n–—()]{{1,40}}?)?,?\s*(?:\([^)\n]{{1,80}}\))?\s*"
    r"(?:[-–—:]|,?\s*\d{1,2}[./]\d{1,2}[./]\d{2,4}\.?|$|(?=\n)))"
)
_MIXED_DATELINE = re.compile(
    r"^(?P<place>[A-Z][a-z]+(?:[ -][A-Z][a-z]+)?)(?P<tail>(?:,\s*[A-Z][a-z]{2,8}\.? \d{1,2})?\s*(?::|\s[-–—])"
    # "Sanaa, April 11 (IANS) -" and "Sanaa, April 11 (IANS) The ...": place, date, agency; the dash optional
    r"|,\s*[A-Z][a-z]{2,8}\.? \d{1,2}\s*\([^)\n]{1,40}\)\s*[:\-–—]?)\s"
)


class ArticleError(EventsFileError):
    """An article the drafter cannot use, located like every other input problem."""


@dataclass(frozen=True)
class Sentence:
    paragraph: int  # as the validator counts them
    start: int  # offsets in the paragraph's text
    end: int
    text: str


@dataclass(frozen=True)
class Dateline:
    paragraph: int
    start: int
    end: int  # end of the place name
    text: str  # the place name as written
    full_end: int  # end of the whole dateline (agency, date, dash)


@dataclass(frozen=True)
class Article:
    path: Path
    header: dict[str, str]
    published: dt.date
    paragraphs: tuple[str, ...]  # every paragraph, numbered from 1 as the validator does
    body: tuple[int, ...]  # the paragraph numbers that are the article's text (not its header)
    dateline: Dateline | None

    @property
    def source(self) -> str | None:
        return self.header.get("source") or self.header.get("publisher")

    @property
    def title(self) -> str | None:
        return self.header.get("title")

    def text(self, paragraph: int) -> str:
        return self.paragraphs[paragraph - 1]

    def sentences(self) -> list[Sentence]:
        out: list[Sentence] = []
        for number in self.body:
            text = self.text(number)
            skip = self.dateline.full_end if self.dateline and self.dateline.paragraph == number else 0
            out += split_sentences(text, number, skip)
        return out


def parse_header_block(block: str) -> dict[str, str] | None:
    """``key: value`` lines of a first paragraph, or None when it is text."""
    values: dict[str, str] = {}
    for line in block.splitlines():
        m = HEADER_LINE.match(line.strip())
        if not m:
            return None
        values[m.group(1).lower()] = m.group(2)
    return values if values.keys() & HEADER_KEYS else None


def read_article(path: Path | str, published: dt.date | None = None) -> Article:
    """Read an article; ``published`` (from --published) overrides its header.

    A missing or malformed publication date is an error naming the file and
    line: every relative date in a draft hangs on it.
    """
    path = Path(path)
    document = load_source_document(path)
    header = {str(k).lower(): str(v) for k, v in (document.header or {}).items() if v is not None}
    paragraphs = document.paragraphs
    body = list(range(1, len(paragraphs) + 1))
    header_line = 1
    if not document.header and paragraphs:
        block = parse_header_block(paragraphs[0])
        if block is not None:
            header = block
            body = body[1:]
    if published is None:
        raw = header.get("published", "").strip().strip("'\"")
        if not raw:
            raise ArticleError(
                [
                    Problem(
                        str(path),
                        header_line,
                        "published",
                        "no publication date: add a 'published: YYYY-MM-DD' line to the header block "
                        "(before the first blank line) or pass --published YYYY-MM-DD",
                    )
                ]
            )
        try:
            published = dt.date.fromisoformat(raw[:10])
        except ValueError:
            line = _header_line(path, "published")
            raise ArticleError(
                [Problem(str(path), line, "published", f"{raw!r} is not a date (write YYYY-MM-DD)")]
            ) from None
    dateline = find_dateline(paragraphs, body)
    return Article(
        path=document.path,
        header=header,
        published=published,
        paragraphs=paragraphs,
        body=tuple(body),
        dateline=dateline,
    )


def _header_line(path: Path, key: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().lower().startswith(f"{key}:"):
            return number
    return 1


def find_dateline(paragraphs: tuple[str, ...], body: list[int]) -> Dateline | None:
    """The dateline in the first few paragraphs of the text (after a headline and a byline)."""
    for number in body[:6]:
        text = paragraphs[number - 1]
        m = _CAPS_DATELINE.match(text)
        if m and len(re.sub(r"[^A-Z]", "", m.group("place"))) >= 3:
            name = m.group("place")
            if len(name.split()) == 1 or text[m.end("place") :].strip() == "" or m.group("tail").strip():
                return Dateline(number, 0, m.end("place"), name, m.end())
        m = _MIXED_DATELINE.match(text)
        if m:
            return Dateline(number, 0, m.end("place"), m.group("place"), m.end())
    return None


def split_sentences(text: str, paragraph: int, skip: int = 0) -> list[Sentence]:
    """Sentences of one paragraph, with offsets; full stops after abbreviations and initials do not end one."""
    out: list[Sentence] = []
    start = skip
    while start < len(text) and text[start] in " \t\n-–—:":
        start += 1
    for m in _BOUNDARY.finditer(text, start):
        before = text[start : m.start() + 1]
        last = before.rsplit(None, 1)[-1].rstrip(".").lower() if before.strip() else ""
        if last in ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue
        end = m.start() + 1
        while end < m.end() and text[end] in "\"'”’)]":
            end += 1
        out.append(Sentence(paragraph, start, end, text[start:end]))
        start = m.end()
    if start < len(text) and text[start:].strip():
        out.append(Sentence(paragraph, start, len(text.rstrip()), text[start:].rstrip()))
    return out
