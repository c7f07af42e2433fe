"""A compliance summary kept to an account's counties (applied to `summary.summarize`'s result
and `scope_geometries`, leaving the summary's computation as it is): a county account sees its
counties' rows and the control zones and enterprise clusters lying in them (placed by a point
inside each area), not the whole city's row nor other counties'. City-wide accounts see all."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geoaq.accounts.jurisdiction import counties_at
from geoaq.accounts.roles import Actor


def scope_counties(geometries: gpd.GeoDataFrame) -> dict[tuple[str, str], str | None]:
    """(scope_type, scope_id) -> the county adcode each area scope lies in (a county its own)."""
    if geometries.empty:
        return {}
    counties = geometries[geometries["scope_type"] == "county"].rename(columns={"scope_id": "adcode"})
    found = counties_at(geometries.geometry.representative_point(), counties[["adcode", "geometry"]])
    return {(kind, str(key)): (str(key) if kind == "county" else county)
            for kind, key, county in zip(geometries["scope_type"], geometries["scope_id"], found, strict=True)}


def keep(actor: Actor | None, kinds: pd.Series, keys: pd.Series, geometries: gpd.GeoDataFrame) -> list[bool]:
    """For each scope: whether `actor` sees it (a city row only for city-wide accounts)."""
    if actor is None or actor.city_wide:
        return [True] * len(kinds)
    where = scope_counties(geometries)
    return [kind != "city" and actor.covers(where.get((kind, str(key)))) for kind, key in zip(kinds, keys, strict=True)]


def summary_in_jurisdiction(summary: pd.DataFrame, geometries: gpd.GeoDataFrame,
                            actor: Actor | None) -> pd.DataFrame:
    """The rows of a compliance summary `actor` sees."""
    if summary.empty:
        return summary
    return summary[keep(actor, summary["scope_type"], summary["scope_id"], geometries)].reset_index(drop=True)


def geometries_in_jurisdiction(geometries: gpd.GeoDataFrame, actor: Actor | None) -> gpd.GeoDataFrame:
    """The area scopes `actor` sees (for its map and click look-ups)."""
    if geometries.empty:
        return geometries
    return geometries[keep(actor, geometries["scope_type"], geometries["scope_id"], geometries)].reset_index(drop=True)
