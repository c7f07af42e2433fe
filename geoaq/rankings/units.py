"""The units a ranking compares and the stations that evaluate each: counties (区县), townships
(乡镇/街道), control zones and parks (管控区, 园区), cities, or stations themselves.

An area is evaluated from the evaluation stations inside it (a station on its boundary counts
as inside; 对照点, the background stations, are left out as HJ 663-2013 §5 leaves them out of
a city's evaluation). A station may lie in several control zones and counts in each. Units
without a station are kept (they are listed, unranked, and drawn grey on the map). Pure: the
layers come in as GeoDataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geoaq._errors import RankingInputError

LEVELS = ("district", "township", "zone", "city", "station")
#: levels drawn as areas on the map
AREA_LEVELS = ("district", "township", "zone")
#: the admin_units level of each administrative ranking level
ADMIN_LEVEL = {"district": "县", "township": "乡镇"}


@dataclass(frozen=True)
class Units:
    """The units of one level: `areas` (unit_id, unit_name, parent, geometry; every unit, with a
    station or not) and `members` (unit_id, station_code: the stations that evaluate each)."""

    level: str
    areas: gpd.GeoDataFrame
    members: pd.DataFrame

    def stations_of(self, unit_id: str) -> list[str]:
        return self.members.loc[self.members["unit_id"] == unit_id, "station_code"].tolist()

    @property
    def groups(self) -> dict[str, list[str]]:
        """unit_id → its stations (units with at least one)."""
        return {u: list(g["station_code"]) for u, g in self.members.groupby("unit_id", sort=True)}


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise RankingInputError(f"--by must be one of {', '.join(LEVELS)}, got {level!r}")
    return level


def _evaluation_stations(stations: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if "reference_station" not in stations.columns:
        return stations
    return stations[~stations["reference_station"].fillna(False).astype(bool)]


def _inside(stations: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """(unit_id, station_code) of every evaluation station within or on an area."""
    if stations.empty or areas.empty:
        return pd.DataFrame({"unit_id": pd.Series(dtype=object), "station_code": pd.Series(dtype=object)})
    points = stations[["code", "geometry"]].copy()
    points["geometry"] = points.geometry.representative_point()
    pairs = gpd.sjoin(points, areas[["unit_id", "geometry"]], predicate="intersects")
    out = pd.DataFrame({"unit_id": pairs["unit_id"].astype(str).to_numpy(),
                        "station_code": pairs["code"].astype(str).to_numpy()})
    return out.drop_duplicates().sort_values(["unit_id", "station_code"]).reset_index(drop=True)


def _empty_areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"unit_id": pd.Series(dtype=object), "unit_name": pd.Series(dtype=object),
                             "parent": pd.Series(dtype=object)}, geometry=[], crs=4326)


def units_of(level: str, stations: gpd.GeoDataFrame, admin_units: gpd.GeoDataFrame | None = None,
             zones: gpd.GeoDataFrame | None = None) -> Units:
    """The units of `level` from the stations, admin_units and control_zones layers."""
    check_level(level)
    evaluation = _evaluation_stations(stations)
    if level == "station":
        areas = gpd.GeoDataFrame({"unit_id": stations["code"].astype(str).to_numpy(),
                                  "unit_name": stations["name"].astype(str).to_numpy(),
                                  "parent": stations.get("city", pd.Series([None] * len(stations))).to_numpy()},
                                 geometry=stations.geometry.to_numpy(), crs=4326)
        members = pd.DataFrame({"unit_id": areas["unit_id"], "station_code": areas["unit_id"]})
        return Units(level, areas.sort_values("unit_id").reset_index(drop=True), members)
    if level == "city":
        cities = evaluation[evaluation["city"].notna()] if "city" in evaluation.columns else evaluation.iloc[0:0]
        names = sorted(set(cities["city"].astype(str)))
        areas = gpd.GeoDataFrame({"unit_id": names, "unit_name": names, "parent": [None] * len(names)},
                                 geometry=[None] * len(names), crs=4326)
        members = pd.DataFrame({"unit_id": cities["city"].astype(str).to_numpy(),
                                "station_code": cities["code"].astype(str).to_numpy()})
        return Units(level, areas, members.sort_values(["unit_id", "station_code"]).reset_index(drop=True))
    if level in ADMIN_LEVEL:
        chosen = (admin_units[admin_units["level"] == ADMIN_LEVEL[level]] if admin_units is not None
                  else None)
        if chosen is None or chosen.empty:
            return Units(level, _empty_areas(), _inside(evaluation, _empty_areas()))
        parents = dict(zip(admin_units["adcode"].astype(str), admin_units["name"].astype(str), strict=True))
        areas = gpd.GeoDataFrame({
            "unit_id": chosen["adcode"].astype(str).to_numpy(),
            "unit_name": chosen["name"].astype(str).to_numpy(),
            "parent": [parents.get(str(p)) if isinstance(p, str) else None for p in chosen["parent_adcode"]],
        }, geometry=chosen.geometry.to_numpy(), crs=4326)
    else:
        if zones is None or zones.empty:
            return Units(level, _empty_areas(), _inside(evaluation, _empty_areas()))
        areas = gpd.GeoDataFrame({"unit_id": zones["zone_id"].astype(str).to_numpy(),
                                  "unit_name": zones["name"].astype(str).to_numpy(),
                                  "parent": zones["zone_type"].astype(str).to_numpy()},
                                 geometry=zones.geometry.to_numpy(), crs=4326)
    areas = areas.sort_values("unit_id").reset_index(drop=True)
    return Units(level, areas, _inside(evaluation, areas))


def expand_hourly(hourly: pd.DataFrame, units: Units) -> tuple[pd.DataFrame, dict[str, str]]:
    """The hourly readings once per (unit, station) pair, each under a code of its own, and the
    groups (that code → unit) the evaluation takes: a station in two zones counts in both."""
    if units.members.empty or hourly.empty:
        return hourly.iloc[0:0].copy(), {}
    pairs = units.members
    joined = hourly.merge(pairs, on="station_code", how="inner")
    codes = (joined["unit_id"].astype(str) + "\x1f" + joined["station_code"].astype(str)).to_numpy()
    joined = joined.drop(columns=["unit_id"]).assign(station_code=codes)
    groups = {code: code.split("\x1f", 1)[0] for code in np.unique(codes)}
    return joined, groups
