"""Source documents: the articles that events quote.

A document is a text file with a YAML provenance header between ``---``
lines, then the text exactly as captured. Paragraphs are blocks separated by
blank lines, numbered from 1, so a citation "paragraph 9" can be checked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from conflictmap.errors import EventsFileError, Problem
from conflictmap.inputs import InputFileError, os_error_message, read_text

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def normalise_quote(text: str) -> str:
    """Compare quotes by their words: same letters and case, any whitespace or quote glyph."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class SourceDocument:
    path: Path
    header: dict
    paragraphs: tuple[str, ...]

    def find_quote(self, quote: str) -> int | None:
        """The paragraph number holding ``quote`` verbatim, or None."""
        needle = normalise_quote(quote).strip('"')
        for number, paragraph in enumerate(self.paragraphs, 1):
            if needle in normalise_quote(paragraph):
                return number
        return None


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
            header = yaml.safe_load(text[4:end]) or {}
        except yaml.YAMLError as exc:
            raise EventsFileError([Problem(str(path), 1, "", f"provenance header is not valid YAML: {exc}")]) from None
        body = text[end + 5 :]
    paragraphs = tuple(p.strip() for p in re.split(r"\n\s*\n", body) if p.strip())
    return SourceDocument(path=path, header=header, paragraphs=paragraphs)
