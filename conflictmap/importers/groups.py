"""Actor names -> factions and sides, through a small editable groups file.

ACLED names thousands of actors ("Military Forces of Syria (2000-2024)
Republican Guard", "NDF: National Defence Forces", ...); an analyst filters by a
dozen factions and a handful of sides. The mapping is data, not code
(``conflictmap/data/acled_groups.yaml`` is the default; ``--groups`` swaps it),
and it is applied to the few thousand *distinct* names of an import, never row
by row. A name no rule matches is never dropped: it goes to an "Ungrouped ..."
faction for its ACLED actor type, so the analyst sees it and can add a rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from conflictmap.errors import EventsFileError, Problem
from conflictmap.schema import COLOUR_PATTERN, ID_PATTERN
from conflictmap.yamlsource import dotted, load_yaml

ID_RE = re.compile(ID_PATTERN)
COLOUR_RE = re.compile(COLOUR_PATTERN)
DEFAULT_GROUPS = Path(__file__).resolve().parent.parent / "data" / "acled_groups.yaml"
GROUPS_FORMAT = "conflictmap/actor-groups@1"

# ACLED's eight actor types, by the code older exports write in inter1/inter2 and by
# the text newer ones write (ACLED codebook, "Actor names, types, and Inter codes").
INTER_TYPES = {
    1: "State forces",
    2: "Rebel group",
    3: "Political militia",
    4: "Identity militia",
    5: "Rioters",
    6: "Protesters",
    7: "Civilians",
    8: "External/Other forces",
}
INTER_BY_TEXT = {text.casefold(): code for code, text in INTER_TYPES.items()}

UNGROUPED_SIDE = "Ungrouped"
UNGROUPED_COLOUR = "#999999"
# Catch-all factions, one per ACLED actor type; 0 is for imports that give no type.
UNGROUPED = {
    1: ("ungrouped-state-forces", "Ungrouped state forces"),
    2: ("ungrouped-rebel-groups", "Ungrouped rebel groups"),
    3: ("ungrouped-political-militias", "Ungrouped political militias"),
    4: ("ungrouped-identity-militias", "Ungrouped identity militias"),
    5: ("ungrouped-rioters", "Ungrouped rioters"),
    6: ("ungrouped-protesters", "Ungrouped protesters"),
    7: ("ungrouped-civilians", "Ungrouped civilians"),
    8: ("ungrouped-external-forces", "Ungrouped external/other forces"),
    0: ("ungrouped-actors", "Ungrouped actors (no actor type given)"),
}


@dataclass
class FactionGroup:
    id: str
    name: str
    side: str
    colour: str
    actors: tuple[str, ...] = ()
    patterns: tuple[re.Pattern, ...] = ()


@dataclass
class ActorGroups:
    """The rules of one groups file, with a cache of decided names."""

    file: str
    factions: dict[str, FactionGroup]
    exact: dict[str, str] = field(default_factory=dict)  # casefolded name -> faction id
    _decided: dict[str, str | None] = field(default_factory=dict)

    def group_of(self, name: str) -> str | None:
        """The faction id for an actor name, or None when no rule matches."""
        if name in self._decided:
            return self._decided[name]
        key = " ".join(name.split()).casefold()
        found = self.exact.get(key) or (key if key in self.factions else None)  # a faction id names itself
        if found is None:
            for group in self.factions.values():
                if any(p.search(name) for p in group.patterns):
                    found = group.id
                    break
        self._decided[name] = found
        return found

    def faction_of(self, name: str, inter: int) -> str:
        """The faction for ``name``; unmatched names go to the catch-all of their actor type."""
        found = self.group_of(name)
        return found if found is not None else UNGROUPED[inter if inter in UNGROUPED else 0][0]

    def faction_rows(self, ids) -> dict[str, dict]:
        """name, side, colour for each of ``ids`` (groups and catch-alls)."""
        catch = {fid: name for fid, name in UNGROUPED.values()}
        out = {}
        for fid in ids:
            if fid in self.factions:
                g = self.factions[fid]
                out[fid] = {"name": g.name, "side": g.side, "colour": g.colour}
            elif fid in catch:
                out[fid] = {"name": catch[fid], "side": UNGROUPED_SIDE, "colour": UNGROUPED_COLOUR}
            else:
                raise KeyError(fid)
        return out


def parse_inter(value: str) -> int | None:
    """An ACLED actor type, from its code ('1', '1.0') or its text ('State forces'); None if neither."""
    text = value.strip()
    code = INTER_BY_TEXT.get(text.casefold())
    if code is not None:
        return code
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and int(number) in INTER_TYPES else None


def load_groups(path: Path | str | None = None) -> ActorGroups:
    """Read and check a groups file; raises EventsFileError with FILE:LINE: field: message."""
    path = Path(path) if path is not None else DEFAULT_GROUPS
    doc = load_yaml(path)
    problems = list(doc.problems)

    def add(p, message):
        problems.append(Problem(doc.file, doc.line(p), dotted(p), message))

    data = doc.data
    factions: dict[str, FactionGroup] = {}
    exact: dict[str, str] = {}
    if not isinstance(data, dict):
        add((), "must be a mapping with 'format' and 'factions'")
        raise EventsFileError(problems)
    for key in data:
        if key not in ("format", "factions"):
            add((key,), "unknown field (expected one of: factions, format)")
    if data.get("format") not in (None, GROUPS_FORMAT):
        add(("format",), f"{data.get('format')!r} is not {GROUPS_FORMAT!r}")
    entries = data.get("factions")
    if not isinstance(entries, dict) or not entries:
        add(("factions",), "must map faction ids to name, side, colour, actors and patterns")
        raise EventsFileError(problems)
    catch_ids = {fid for fid, _ in UNGROUPED.values()}
    for fid, entry in entries.items():
        p = ("factions", fid)
        if not isinstance(fid, str) or not ID_RE.match(fid) or fid in catch_ids:
            add(p, "faction ids are lower-case letters, digits and '-' (and not an 'ungrouped-...' id)")
            continue
        if not isinstance(entry, dict):
            add(p, "must be a mapping with name, side, colour, actors, patterns")
            continue
        allowed = {"name", "side", "colour", "actors", "patterns"}
        for key in entry:
            if key not in allowed:
                add(p + (key,), f"unknown field (expected one of: {', '.join(sorted(allowed))})")
        values = {}
        for key in ("name", "side", "colour"):
            v = entry.get(key)
            if not isinstance(v, str) or not v.strip():
                add(p + (key,), f"missing required field '{key}'" if v is None else "must be non-empty text")
            values[key] = v.strip() if isinstance(v, str) else ""
        if values["colour"] and not COLOUR_RE.match(values["colour"]):
            add(p + ("colour",), f"{values['colour']!r} is not a colour like '#0072B2'")
        names = _text_list(entry.get("actors"), p + ("actors",), add)
        patterns = []
        for i, text in enumerate(_text_list(entry.get("patterns"), p + ("patterns",), add)):
            try:
                patterns.append(re.compile(text, re.IGNORECASE))
            except re.error as exc:
                add(p + ("patterns", i), f"not a regular expression: {exc}")
        for i, name in enumerate(names):
            key = " ".join(name.split()).casefold()
            if key in exact and exact[key] != fid:
                add(p + ("actors", i), f"{name!r} is already listed under faction '{exact[key]}'")
            exact.setdefault(key, fid)
        factions[fid] = FactionGroup(fid, values["name"], values["side"], values["colour"], names, tuple(patterns))
    if problems:
        raise EventsFileError(problems)
    return ActorGroups(str(path), factions, exact)


def _text_list(value, path, add) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        add(path, "must be a list of non-empty text")
        return ()
    return tuple(v.strip() for v in value)
