"""Counted cells (the map past MAX_MARKERS events): the integer-code version against the group-by it
replaced, on random views with ties, missing factions and cells in any order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard import markers
from dashboard.markers import MAX_ZOOM, aggregate_cells, first_seen_codes, project, unproject


def reference_cells(placed: pd.DataFrame, zoom: float, cell_px: float) -> pd.DataFrame:
    """The group-by version (before December 2026), kept as the reference."""
    x, y = project(placed["map_lat"].to_numpy(dtype=float), placed["map_lon"].to_numpy(dtype=float), zoom)
    frame = pd.DataFrame(
        {
            "cx": np.floor(x / cell_px).astype(np.int64),
            "cy": np.floor(y / cell_px).astype(np.int64),
            "x": x,
            "y": y,
            "faction": placed["primary_faction"].astype(object).fillna("").to_numpy(),
        }
    )
    cells = frame.groupby(["cx", "cy"], sort=False).agg(
        count=("x", "size"),
        x=("x", "mean"),
        y=("y", "mean"),
        x0=("x", "min"),
        x1=("x", "max"),
        y0=("y", "min"),
        y1=("y", "max"),
    )
    top = frame.groupby(["cx", "cy", "faction"], sort=False).size().reset_index(name="n")
    top = top.sort_values(["n", "faction"], ascending=[False, True], kind="stable").drop_duplicates(["cx", "cy"])
    cells = cells.join(top.set_index(["cx", "cy"])["faction"])
    lat, lon = unproject(cells["x"].to_numpy(), cells["y"].to_numpy(), zoom)
    span = np.maximum((cells["x1"] - cells["x0"]).to_numpy(), (cells["y1"] - cells["y0"]).to_numpy())
    with np.errstate(divide="ignore"):
        expand = np.where(span < 1e-6, MAX_ZOOM, np.minimum(MAX_ZOOM, zoom + np.log2(cell_px * 1.5 / span) + 0.25))
    expand = np.maximum(expand, zoom + 1.0)
    return pd.DataFrame(
        {
            "lat": lat,
            "lon": lon,
            "count": cells["count"].to_numpy(),
            "faction": cells["faction"].replace("", None),
            "expand_zoom": np.minimum(expand, MAX_ZOOM),
            "members": None,
        }
    ).reset_index(drop=True)


def random_view(rng: np.random.Generator) -> pd.DataFrame:
    rows = int(rng.integers(1, 3000))
    factions = ["sdf", "isis", "saa", "turkey", "a-b"][: int(rng.integers(1, 6))]
    faction = rng.choice([*factions, None], rows)
    towns = rng.uniform([32, 35], [37, 42], (int(rng.integers(1, 60)), 2))  # events pile up on towns
    at = towns[rng.integers(0, len(towns), rows)] + rng.normal(0, 0.05, (rows, 2)) * (rng.random((rows, 1)) < 0.5)
    return pd.DataFrame(
        {
            "map_lat": at[:, 0],
            "map_lon": at[:, 1],
            "primary_faction": pd.Categorical(faction, categories=factions[::-1])
            if rng.random() < 0.5
            else pd.Series(faction, dtype=object),
        },
        index=[f"e{k}" for k in range(rows)],
    )


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("seed", range(25))
def test_cells_are_the_group_by_cells(seed, dense, monkeypatch):
    if not dense:
        monkeypatch.setattr(markers, "DENSE_LIMIT", 0)
    rng = np.random.default_rng(seed)
    placed = random_view(rng)
    zoom = float(rng.uniform(3, 12))
    got, want = aggregate_cells(placed, zoom, 56.0), reference_cells(placed, zoom, 56.0)
    assert list(got.columns) == list(want.columns)
    assert got["count"].tolist() == want["count"].tolist()
    # No faction: None here, NaN from the group-by's string column (both drawn grey, "Unattributed").
    assert [f if isinstance(f, str) else None for f in got["faction"]] == [
        f if isinstance(f, str) else None for f in want["faction"]
    ]
    for column in ("lat", "lon", "expand_zoom"):
        np.testing.assert_allclose(got[column].to_numpy(float), want[column].to_numpy(float), rtol=1e-12, atol=1e-9)


def test_first_seen_codes_are_factorize_codes():
    rng = np.random.default_rng(1)
    for size in (1, 10, 1000, 10**7):
        keys = rng.integers(0, size, 500)
        assert first_seen_codes(keys).tolist() == pd.factorize(keys)[0].tolist()
