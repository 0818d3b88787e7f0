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
from conflictmap.importers.filemodels import GroupsFileModel
from conflictmap.validation import validate_model
from conflictmap.yamlsource import YamlDocument, dotted, load_yaml

DEFAULT_GROUPS = Path(__file__).resolve().parent.parent / "data" / "acled_groups.yaml"

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
CATCH_ALL_IDS = frozenset(fid for fid, _ in UNGROUPED.values())


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
    """Read and check a groups file; raises EventsFileError with FILE:LINE: field: message.

    The shape is GroupsFileModel's (conflictmap.importers.filemodels, also the published JSON
    Schema); the rules a schema cannot state are checked here, on the validated model.
    """
    path = Path(path) if path is not None else DEFAULT_GROUPS
    doc = load_yaml(path)
    model, problems = validate_model(GroupsFileModel, doc)
    problems = list(doc.problems) + problems
    if model is None or problems:
        raise EventsFileError(problems)
    factions: dict[str, FactionGroup] = {}
    exact: dict[str, str] = {}
    for fid, rules in model.factions.items():
        at = ("factions", fid)
        if fid in CATCH_ALL_IDS:
            problems.append(
                _problem(doc, at, f"'{fid}' is the catch-all faction of unmatched names: choose another id")
            )
        patterns = tuple(re.compile(text, re.IGNORECASE) for text in rules.patterns)  # each compiled once before
        for i, name in enumerate(rules.actors):
            key = " ".join(name.split()).casefold()
            if exact.get(key, fid) != fid:
                problems.append(
                    _problem(doc, at + ("actors", i), f"{name!r} is already listed under faction '{exact[key]}'")
                )
            exact.setdefault(key, fid)
        factions[fid] = FactionGroup(fid, rules.name, rules.side, rules.colour, tuple(rules.actors), patterns)
    if problems:
        raise EventsFileError(problems)
    return ActorGroups(str(path), factions, exact)


def _problem(doc: YamlDocument, at: tuple, message: str) -> Problem:
    return Problem(doc.file, doc.line(at), dotted(at), message)
