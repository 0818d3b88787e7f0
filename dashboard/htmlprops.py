"""Dash's wildcard props (``aria-*``, ``data-*``), passed to a typed component.

Their names are not Python identifiers, so they reach a component as ``**{"aria-label": ...}``.
Dash 4's component signatures are typed, and mypy reads such a mapping as possibly filling any of
the typed props beside it (``hidden: bool``, ``tabIndex: int`` ...), so a ``dict[str, str]`` is
rejected. :func:`wildcard_props` checks that every key really is a wildcard prop (so none can land on
a typed one) and hands the mapping on typed for that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

WILDCARD_PREFIXES = ("aria-", "data-")


def wildcard_props(props: Mapping[str, str]) -> dict[str, Any]:
    """``props`` for ``**`` into a Dash html component; ValueError for a key that is not ``aria-*``/``data-*``."""
    typed = [key for key in props if not key.startswith(WILDCARD_PREFIXES)]
    if typed:
        raise ValueError(f"not wildcard props (aria-*, data-*): {', '.join(typed)}")
    return dict(props)
