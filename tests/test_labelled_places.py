"""The labels that follow the view: the places with most events, counted by category code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.mapfigure import labelled_places, nth_largest


def expected(keys: pd.DataFrame, limit: int) -> list[str]:
    """The reference: every place or destination counted by name, most first, ties by name."""
    counts = pd.concat([keys["place_key"], keys["dest_key"]]).dropna().astype(str).value_counts()
    return [k for _, k in sorted(zip(-counts.to_numpy(), counts.index))][:limit]


@pytest.mark.parametrize("seed", range(40))
def test_labelled_places_match_a_plain_count(seed):
    rng = np.random.default_rng(seed)
    rows = int(rng.integers(0, 400))
    places = [f"p{k}" for k in range(int(rng.integers(1, 120)))]
    place = rng.choice([*places, None], rows)
    dest = rng.choice([*places[: int(rng.integers(0, len(places) + 1))], None], rows)
    if rng.random() < 0.3:
        dest[:] = None  # most imports: no destinations at all
    categorical = rng.random() < 0.7
    frame = pd.DataFrame(
        {
            "place_key": pd.Categorical(place, categories=places) if categorical else pd.Series(place, dtype=object),
            "dest_key": pd.Categorical(dest, categories=places[::-1]) if categorical else pd.Series(dest, dtype=object),
        },
        index=[f"e{k}" for k in range(rows)],
    )
    limit = int(rng.integers(1, 50))
    assert labelled_places(frame, limit) == expected(frame, limit)


def test_nth_largest_is_the_kth_of_the_sorted_counts():
    rng = np.random.default_rng(7)
    for _ in range(500):
        counts = rng.integers(0, int(rng.integers(1, 60)), int(rng.integers(1, 300)))
        k = int(rng.integers(1, len(counts) + 1))
        assert nth_largest(counts, k) == np.sort(counts)[::-1][k - 1]
