"""The units a ranking compares and their evaluation stations: a station on a boundary counts
as inside, a station in two zones counts in both, background stations (对照点) count in none,
units without a station are kept."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from geoaq.rankings.units import expand_hourly, units_of


def _stations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": ["A", "B", "C"], "name": ["甲", "乙", "丙"], "city": ["测试市"] * 3,
                             "reference_station": [False, False, True]},
                            geometry=[shapely.Point(0.5, 0.5), shapely.Point(1.0, 0.5), shapely.Point(0.2, 0.2)],
                            crs=4326)


def test_zones_overlap_boundaries_count_and_background_stations_do_not():
    zones = gpd.GeoDataFrame({"zone_id": ["Z1", "Z2", "Z3"], "name": ["禁煤区", "禁烧区", "园区"],
                              "zone_type": ["coal_ban", "straw_burning_ban", "park"]},
                             geometry=[shapely.box(0, 0, 1, 1), shapely.box(0.4, 0.4, 2, 2), shapely.box(5, 5, 6, 6)],
                             crs=4326)
    units = units_of("zone", _stations(), zones=zones)
    assert units.groups == {"Z1": ["A", "B"], "Z2": ["A", "B"]}  # B on Z1's edge; C is a 对照点
    assert units.areas["unit_id"].tolist() == ["Z1", "Z2", "Z3"]  # Z3 kept, without a station
    hourly = pd.DataFrame({"station_code": ["A", "B", "C"], "time_bjt": pd.Timestamp("2025-01-01 01:00"),
                           "pm25": [10.0, 20.0, 30.0]})
    expanded, groups = expand_hourly(hourly, units)
    assert len(expanded) == 4 and sorted(groups.values()) == ["Z1", "Z1", "Z2", "Z2"]


def test_cities_and_stations():
    city = units_of("city", _stations())
    assert city.groups == {"测试市": ["A", "B"]}
    stations = units_of("station", _stations())
    assert stations.areas["unit_id"].tolist() == ["A", "B", "C"]
