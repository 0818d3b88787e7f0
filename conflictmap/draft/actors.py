"""Actors: the factions of an events file found in a sentence, and the forces it names that none matches.

A faction is found by its name, its id and each alias, as whole words;
acronyms (all capitals) match only as written, other names in any case. The
longest alias wins where two overlap ("US-backed Kurdish-led forces" over
"US"). Forces the vocabulary does not know ("Iraqi forces", "Kurdish
peshmerga fighters", "(YPG)") are collected so the draft can list them for the
analyst to map to a faction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FORCE_NOUNS = (
    r"(?:forces|troops|army|military|militants|fighters|rebels|militias?|soldiers|jets|warplanes|"
    r"aircraft|police|group|government|regime|coalition|peshmerga|units|division)"
)
_FORCE = re.compile(
    rf"\b(?P<phrase>(?:[A-Z][\w'’-]*|US-led|US-backed|Turkish-backed|Iran-backed|Kurdish-led)"
    rf"(?:\s+(?:[A-Z][\w'’-]*|US-led|US-backed|Kurdish-led|peshmerga|government|security|special|elite|armed)){{0,3}}"
    rf"\s+{FORCE_NOUNS})\b"
)
_PAREN_ACRONYM = re.compile(r"\(([A-Z]{2,6})\)")
NOT_ACTORS = frozenset({"AFP", "AP", "SANA", "NNA", "UN", "US", "UK", "EU", "IS", "CTS"}) - {"IS", "CTS"}


@dataclass(frozen=True)
class ActorMatch:
    faction: str
    start: int
    end: int
    text: str


def _alias_pattern(alias: str) -> re.Pattern[str]:
    flags = 0 if alias.isupper() else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", flags)


class ActorVocabulary:
    """The factions of an events file as patterns, longest alias first."""

    def __init__(self, factions: dict[str, dict]):
        self.factions = factions
        entries: list[tuple[str, str]] = []
        for fid, faction in factions.items():
            names = [faction["name"], *faction.get("aliases", [])]
            for name in list(names):  # "Daesh (Islamic State)" is also written "Daesh" and "Islamic State"
                m = re.fullmatch(r"\s*(.+?)\s*\((.+)\)\s*", name)
                if m:
                    names += [m.group(1), m.group(2)]
            for alias in names:
                if alias and len(alias) >= 2:
                    entries.append((alias, fid))
        entries.sort(key=lambda e: -len(e[0]))
        self._patterns = [(_alias_pattern(alias), fid) for alias, fid in entries]

    def find(self, sentence: str) -> list[ActorMatch]:
        taken: list[tuple[int, int]] = []
        found: list[ActorMatch] = []
        for pattern, fid in self._patterns:
            for m in pattern.finditer(sentence):
                if any(m.start() < b and a < m.end() for a, b in taken):
                    continue
                taken.append(m.span())
                found.append(ActorMatch(fid, m.start(), m.end(), m.group(0)))
        return sorted(found, key=lambda a: a.start)


def unknown_forces(sentence: str, known: list[ActorMatch]) -> list[tuple[int, int, str]]:
    """Forces the sentence names that no faction of the vocabulary covers."""
    spans = [(a.start, a.end) for a in known]
    out: list[tuple[int, int, str]] = []
    for m in _FORCE.finditer(sentence):
        a, b = m.span("phrase")
        if any(a < y and x < b for x, y in spans):
            continue
        phrase = m.group("phrase")
        lead = re.match(r"(?:(?:The|A|An|Its|Their|His|Her|This|That|Local|Some|Many|Three|Two)\s+)+", phrase)
        if lead:  # "The Iraqi military" is the Iraqi military
            a, phrase = a + lead.end(), phrase[lead.end() :]
        if len(phrase.split()) < 2 or not phrase[:1].isupper():
            continue
        out.append((a, b, phrase))
    for m in _PAREN_ACRONYM.finditer(sentence):
        if m.group(1) in NOT_ACTORS or any(m.start() < y and x < m.end() for x, y in spans):
            continue
        out.append((m.start(1), m.end(1), m.group(1)))
    return out
