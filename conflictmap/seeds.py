"""Source documents: the articles that events quote.

A document is a text file with a YAML provenance header between ``---``
lines, then the text exactly as captured. Paragraphs are blocks separated by
blank lines, numbered from 1, so a citation "paragraph 9" can be checked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from conflictmap.errors import EventsFileError, Problem
from conflictmap.inputs import InputFileError, os_error_message, read_text
from conflictmap.yamlerrors import explain as explain_yaml_error
from conflictmap.yamlsource import check_structure

# Quote glyphs an author may type differently from the document: every
# single-quote-like mark reads as ', every double one as ".
_QUOTES = str.maketrans(
    dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u2039\u203a\u02bc\u0060\u00b4", "'")
    | dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb", '"')
)
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"\S+")
_EDGE_MARKS = "'\" "

# A quote must be a passage, not a fragment: a one-letter quote, or quote
# marks alone (which normalise to nothing), would "match" any paragraph.
MIN_QUOTE_WORDS = 3
# How much of a suggested passage a message shows.
SUGGESTION_CHARS = 160


def normalise_quote(text: str) -> str:
    """Compare quotes by their words: same letters and case, any whitespace or quote glyph.

    Quote glyphs are mapped before NFKC (which would turn an acute accent
    used as an apostrophe into a space and a combining mark) and after it
    (NFKC makes some, such as full-width quote marks); whitespace runs become
    one space. Quote and document go through this same function.
    """
    text = text.translate(_QUOTES)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACE.sub(" ", text).strip()


def _normalise(text: str) -> tuple[str, list[int]]:
    """Normalised like ``normalise_quote``, character by character, with the index each came from in NFC(text).

    Slower, and used only to show a suggested passage as the document wrote
    it: the map leads from a window of normalised text back to the original.
    """
    composed = unicodedata.normalize("NFC", text)
    out: list[str] = []
    origin: list[int] = []
    space = True  # drop leading whitespace; collapse runs to one space
    for index, char in enumerate(composed):
        mapped = char.translate(_QUOTES)  # quote glyphs first: NFKC would turn an acute accent into a space
        if not mapped.isascii():
            mapped = unicodedata.normalize("NFKC", mapped).translate(_QUOTES)
        for piece in mapped:
            if piece.isspace():
                if space:
                    continue
                piece, space = " ", True
            else:
                space = False
            out.append(piece)
            origin.append(index)
    if out and out[-1] == " ":
        out.pop()
        origin.pop()
    return "".join(out), origin


@dataclass(frozen=True)
class QuoteCheck:
    """Where a quote stands in a document, or why it cannot be placed.

    ``paragraphs`` lists every paragraph holding the quote (from 1); when it
    is empty, ``problem`` says why and ``suggestion`` offers the nearest
    passage of the document, if any is close.
    """

    paragraphs: tuple[int, ...] = ()
    problem: str | None = None
    too_short: bool = False
    suggestion: str | None = None
    suggestion_paragraph: int | None = None


@dataclass(frozen=True)
class SourceDocument:
    path: Path
    header: dict
    paragraphs: tuple[str, ...]
    # Normalised once when the document is read, not once per quote.
    normalised: tuple[str, ...] = field(init=False, repr=False, compare=False)
    # For suggestions only, made on the first quote not found: each paragraph
    # composed (NFC) and normalised with its map back to that text.
    _with_offsets: list = field(init=False, repr=False, compare=False, default_factory=list)

    def __post_init__(self):
        object.__setattr__(self, "normalised", tuple(normalise_quote(p) for p in self.paragraphs))

    def _offsets(self) -> list[tuple[str, tuple[str, list[int]]]]:
        if not self._with_offsets:
            for paragraph in self.paragraphs:
                composed = unicodedata.normalize("NFC", paragraph)
                self._with_offsets.append((composed, _normalise(composed)))
        return self._with_offsets

    def find_quote(self, quote: str) -> int | None:
        """The first paragraph number holding ``quote`` verbatim, or None (also for a fragment)."""
        found = self.check_quote(quote).paragraphs
        return found[0] if found else None

    def check_quote(self, quote: str, cited: int | None = None) -> QuoteCheck:
        """Check ``quote`` against the document: meaningful, whole words, verbatim.

        Whitespace and the glyph of quote marks aside, the quote must stand in
        a paragraph as written, starting and ending on word boundaries (a
        quote ending in "Raqq" does not cite "Raqqa"). When it stands nowhere,
        the nearest passage is suggested (windows of about as many words, by edit distance).
        ``cited`` (the paragraph a source names) is searched first: when the
        quote stands there, ``paragraphs`` is just that one; otherwise every
        paragraph holding it is listed, and suggestions prefer the cited one.
        """
        needle = normalise_quote(quote).strip(_EDGE_MARKS)
        words = _WORD.findall(needle)
        if len(words) < MIN_QUOTE_WORDS:
            shown = f" (got {quote.strip()!r})" if quote.strip() else ""
            return QuoteCheck(
                too_short=True,
                problem=f"quote is too short to check against {self.path.name}: cite at least {MIN_QUOTE_WORDS} "
                f"whole words of it{shown}",
            )
        if (
            cited is not None
            and 0 < cited <= len(self.normalised)
            and _whole_word_find(self.normalised[cited - 1], needle)
        ):
            return QuoteCheck(paragraphs=(cited,))  # the usual case: one paragraph searched, not the document
        found = tuple(n for n, text in enumerate(self.normalised, 1) if _whole_word_find(text, needle))
        if found:
            return QuoteCheck(paragraphs=found)
        suggestion, number = self._nearest(needle, cited)
        return QuoteCheck(
            problem=f"quote not found verbatim in {self.path.name}", suggestion=suggestion, suggestion_paragraph=number
        )

    def _nearest(self, needle: str, cited: int | None) -> tuple[str | None, int | None]:
        """The passage most like ``needle``: windows of about as many words, by edit distance."""
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        width = len(needle.split())
        best: tuple[float, int, int, int] | None = None
        paragraphs = self._offsets()
        for number, (_, (text, _)) in enumerate(paragraphs, 1):
            spans = [m.span() for m in _TOKEN.finditer(text)]
            windows: list[tuple[int, int]] = []
            for size in {max(1, width - 1), width, width + 1}:
                windows += [(spans[i][0], spans[i + size - 1][1]) for i in range(max(0, len(spans) - size + 1))]
            if not windows and spans:
                windows = [(0, len(text))]
            hit = process.extractOne(
                needle, [text[a:b] for a, b in windows], scorer=Levenshtein.normalized_similarity, score_cutoff=0.6
            )
            if hit is None:
                continue
            score = hit[1] + (0.005 if number == cited else 0.0)  # a near tie goes to the cited paragraph
            if best is None or score > best[0]:
                best = (score, number, *windows[hit[2]])
        if best is None:
            return None, None
        _, number, start, end = best
        composed, (_, origin) = paragraphs[number - 1]
        passage = " ".join(composed[origin[start] : origin[end - 1] + 1].split())
        if len(passage) > SUGGESTION_CHARS:
            passage = passage[: SUGGESTION_CHARS - 1].rstrip() + "…"
        return passage, number


def _whole_word_find(text: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``text`` neither starting nor ending inside a word."""
    start = text.find(needle)
    while start >= 0:
        end = start + len(needle)
        starts_clean = start == 0 or not (text[start - 1].isalnum() and needle[0].isalnum())
        ends_clean = end == len(text) or not (text[end].isalnum() and needle[-1].isalnum())
        if starts_clean and ends_clean:
            return True
        start = text.find(needle, start + 1)
    return False


def load_source_document(path: Path | str) -> SourceDocument:
    try:
        path = Path(path).resolve()
        mtime = path.stat().st_mtime_ns if path.exists() else 0
    except (OSError, ValueError) as exc:
        raise InputFileError(path, os_error_message(exc)) from None
    return _load(path, mtime)


@lru_cache(maxsize=32)
def _load(path: Path, _mtime: int) -> SourceDocument:
    text = read_text(path).lstrip("\ufeff").replace("\r\n", "\n")
    header: dict = {}
    body = text
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end < 0:
            raise EventsFileError([Problem(str(path), 1, "", "provenance header opened with '---' is never closed")])
        try:
            # Deep nesting and alias bombs are refused with their line before anything is built
            # (the leading newline keeps the lines the file's own: the header starts on line 2).
            check_structure("\n" + text[4:end], str(path))
            header = yaml.safe_load(text[4:end]) or {}
        except yaml.YAMLError as exc:
            line, message = explain_yaml_error("\n" + text[4:end], exc)
            raise EventsFileError(
                [Problem(str(path), line, "", f"provenance header is not valid YAML (line {line}): {message}")]
            ) from None
        except EventsFileError as exc:  # from check_structure: nested too deep, or an alias bomb
            first = exc.problems[0]
            raise EventsFileError(
                [Problem(str(path), first.line, "", f"provenance header (line {first.line}): {first.message}")]
            ) from None
        except RecursionError:
            raise EventsFileError([Problem(str(path), 1, "", "provenance header is nested too deep to read")]) from None
        body = text[end + 5 :]
    paragraphs = tuple(p.strip() for p in re.split(r"\n\s*\n", body) if p.strip())
    return SourceDocument(path=path, header=header, paragraphs=paragraphs)
