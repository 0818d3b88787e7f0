"""conflictmap.kept: an answer is given only for the very tables it was kept for."""

from __future__ import annotations

import pandas as pd

from conflictmap.kept import KeptForTables


def test_an_answer_is_given_for_the_same_tables_only_and_the_oldest_go():
    kept: KeptForTables[str] = KeptForTables(size=2)
    a, b = pd.DataFrame({"x": [1]}), pd.DataFrame({"x": [1]})  # equal, not the same
    kept.keep((a, b), "ab")
    assert kept.get((a, b)) == "ab"
    assert kept.get((a, a)) is None and kept.get((b, b)) is None and kept.get((a,)) is None
    c, d = pd.DataFrame(), pd.DataFrame()
    kept.keep((c,), "c")
    kept.keep((d,), "d")
    assert kept.get((a, b)) is None  # past the size: the oldest went
    assert (kept.get((c,)), kept.get((d,))) == ("c", "d")
