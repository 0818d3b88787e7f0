"""Town labels for the offline base map, from the bundled GeoNames extract."""

from __future__ import annotations

import pandas as pd


def town_labels(
    events: pd.DataFrame, margin_deg: float = 4.0, limit: int = 40, min_population: int = 30_000
) -> pd.DataFrame:
    """The most populous GeoNames towns around the events, for orientation.

    Labels come from the gazetteer shipped with the app (GeoNames, CC BY), so
    the map is readable with no tile server.
    """
    from geodata.gazetteer import default_gazetteer

    df = default_gazetteer().df
    towns = df[(df["source"] == "geonames") & (df["population"] >= min_population)]
    lats, lons = events["map_lat"].dropna(), events["map_lon"].dropna()
    if len(lats):
        towns = towns[
            towns["lat"].between(lats.min() - margin_deg, lats.max() + margin_deg)
            & towns["lon"].between(lons.min() - margin_deg, lons.max() + margin_deg)
        ]
    towns = towns.sort_values("population", ascending=False).head(limit)
    return pd.DataFrame(
        {
            "lat": towns["lat"].astype(float),
            "lon": towns["lon"].astype(float),
            "label": towns["name"],
            "hover": [
                f"{n} (GeoNames {i}, pop. {p:,})" for n, i, p in zip(towns["name"], towns["id"], towns["population"])
            ],
        }
    )
