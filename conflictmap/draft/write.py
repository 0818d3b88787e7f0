"""Writing a draft events file and the mentions table: atomically, never over an input."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import yaml

from conflictmap.draft.build import Draft
from conflictmap.draft.places import PlaceMention
from conflictmap.output import atomic_path, to_csv

MENTION_COLUMNS = ["mention", "kind", "lat", "lon", "place_id", "paragraph", "start", "end", "context"]


class _Dumper(yaml.SafeDumper):
    """Block style, long quotes kept on one line where they fit, dates as YAML dates."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def dump_yaml(values: dict) -> str:
    return yaml.dump(values, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def draft_yaml(draft: Draft) -> str:
    header = (
        f"# DRAFT written by `conflictmap draft` from {draft.article.path.name}: every event below is a PROPOSAL\n"
        "# (confidence: low, id draft-..., notes 'DRAFT: ...'). Check each type, actor, date and place against\n"
        "# the article, map the factions whose side is 'Unmapped (draft)', then save a curated copy.\n"
    )
    return header + dump_yaml(draft.events_file())


def write_draft(draft: Draft, target: Path | str, protect: Iterable[Path | str | None] = ()) -> Path:
    with atomic_path(target, protect) as tmp:
        tmp.write_text(draft_yaml(draft), encoding="utf-8")
    return Path(target)


def mentions_table(mentions: list[PlaceMention]) -> pd.DataFrame:
    return pd.DataFrame([m.row() for m in mentions], columns=MENTION_COLUMNS)


def write_mentions(mentions: list[PlaceMention], target: Path | str, protect: Iterable[Path | str | None] = ()) -> Path:
    with atomic_path(target, protect) as tmp:
        to_csv(mentions_table(mentions), tmp)
    return Path(target)
