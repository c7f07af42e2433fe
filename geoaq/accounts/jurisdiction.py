"""Where features lie, for keeping an account's lists to its counties: the county (admin_units,
level 县) of points (`county_of_points`), and the rows of a frame of points an `Actor` sees
(`points_in_jurisdiction`). A feature with a county text column is placed by its position,
not by that text (names are spelt many ways; the polygons are the jurisdiction)."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

from geoaq.accounts.roles import Actor
from geoaq.db import store
from geoaq.db.connection import Connection

COUNTY_LEVEL = "县"


def county_polygons(con: Connection) -> gpd.GeoDataFrame:
    """The counties' polygons (adcode, geometry; EPSG:4326); empty without admin_units."""
    from geoaq.layers import get_layer

    units = store.read_layer(con, get_layer("admin_units"))
    return units[units["level"] == COUNTY_LEVEL][["adcode", "geometry"]].reset_index(drop=True)


def counties_at(points: gpd.GeoSeries, counties: gpd.GeoDataFrame) -> list[str | None]:
    """The county adcode each point lies in (`counties`: adcode, geometry); None outside all.
    On a shared edge the lowest code."""
    if points.empty:
        return []
    if counties.empty:
        return [None] * len(points)
    frame = gpd.GeoDataFrame(geometry=points.reset_index(drop=True), crs=4326)
    hits = gpd.sjoin(frame, counties[["adcode", "geometry"]], how="left", predicate="intersects").reset_index()
    first = hits.sort_values(["index", "adcode"]).drop_duplicates("index").set_index("index")["adcode"]
    return [None if pd.isna(first.get(i)) else str(first.get(i)) for i in range(len(frame))]


def county_of_points(con: Connection, lon: Iterable[float], lat: Iterable[float]) -> list[str | None]:
    """The county adcode each (lon, lat) lies in; None outside every county (or without an
    admin_units layer)."""
    points = gpd.GeoSeries(gpd.points_from_xy(list(lon), list(lat)), crs=4326)
    return counties_at(points, county_polygons(con)) if len(points) else []


def features_in_jurisdiction(features: gpd.GeoDataFrame, counties: gpd.GeoDataFrame,
                             actor: Actor | None) -> gpd.GeoDataFrame:
    """The features (a layer's GeoDataFrame) a point of which lies in `actor`'s counties
    (`counties`: adcode, geometry, e.g. admin_units' county rows); all for a city-wide account."""
    if actor is None or actor.city_wide or features.empty:
        return features
    found = counties_at(features.geometry.representative_point(), counties)
    return features[[actor.covers(c) for c in found]].reset_index(drop=True)


def points_in_jurisdiction(con: Connection, frame: pd.DataFrame, actor: Actor | None, *,
                           lon: str = "lon", lat: str = "lat") -> pd.DataFrame:
    """The rows of `frame` whose point (`lon`, `lat` columns, or the geometry of a
    GeoDataFrame) lies in `actor`'s counties; all for a city-wide account (or none given)."""
    if actor is None or actor.city_wide or frame.empty:
        return frame
    if isinstance(frame, gpd.GeoDataFrame) and lon not in frame.columns:
        points = frame.geometry.representative_point()
        counties = counties_at(points.to_crs(4326) if frame.crs else points, county_polygons(con))
    else:
        counties = county_of_points(con, frame[lon].astype(float), frame[lat].astype(float))
    return frame[[actor.covers(c) for c in counties]].reset_index(drop=True)
