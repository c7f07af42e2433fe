"""geoaq.routes.travel (and roadgraph): great-circle default, supplied matrices, road graphs, bad matrices."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from route_cases import DEPOT, FAST, random_targets

from geoaq._errors import RoutingInputError
from geoaq.i18n import say
from geoaq.routes.plan import plan_routes
from geoaq.routes.rules import Team
from geoaq.routes.travel import great_circle_m


def test_default_travel_is_great_circle_times_detour_over_speed():
    target = pd.DataFrame({"lon": [DEPOT[0] + 0.1], "lat": [DEPOT[1]], "service_min": [0]})
    plan = plan_routes(target, [Team("A", start=DEPOT, speed_kmh=30)], work_limit=FAST)
    leg = plan.stops.iloc[1]
    metres = great_circle_m(DEPOT[0], DEPOT[1], DEPOT[0] + 0.1, DEPOT[1]) * 1.3
    assert leg["leg_km"] * 1000 == pytest.approx(metres)
    assert leg["leg_min"] == pytest.approx(round(metres / (30 / 3.6)) / 60)


def test_matrix_csv_with_ids_and_depots(tmp_path):
    targets = pd.DataFrame({"target_id": ["a", "b"], "lon": [112.1, 112.2], "lat": [34.1, 34.2], "service_min": 0})
    path = tmp_path / "m.csv"
    path.write_text(",a,b,depot\na,0,10,3\nb,10,0,4\ndepot,3,4,0\n", encoding="utf-8")
    plan = plan_routes(targets, [Team("A", start=(112.0, 34.0))], matrix=path, matrix_unit="min", work_limit=FAST)
    assert plan.travel_cost_s == (3 + 10 + 4) * 60
    assert plan.teams.iloc[0]["distance_km"] != plan.teams.iloc[0]["distance_km"]  # NaN: times only


def test_road_graph_takes_the_fast_road(tmp_path):
    # A (depot) → B directly on a slow 10 km/h track, or via C on a 60 km/h road
    a, b, c = (112.40, 34.60), (112.50, 34.60), (112.45, 34.66)
    lines = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"speed_kmh": 10}, "geometry": {"type": "LineString", "coordinates": [a, b]}},
        {"type": "Feature", "properties": {"speed_kmh": 60}, "geometry": {"type": "LineString", "coordinates": [a, c]}},
        {"type": "Feature", "properties": {"speed_kmh": 60}, "geometry": {"type": "LineString", "coordinates": [c, b]}},
    ]}
    import json

    path = tmp_path / "roads.geojson"
    path.write_text(json.dumps(lines), encoding="utf-8")
    targets = pd.DataFrame({"lon": [b[0]], "lat": [b[1]], "service_min": [0]})
    plan = plan_routes(targets, [Team("A", start=a)], road_graph=path, work_limit=FAST)
    via_c = (great_circle_m(*a, *c) + great_circle_m(*c, *b))
    assert plan.stops.iloc[1]["leg_km"] * 1000 == pytest.approx(via_c, rel=1e-6)
    assert plan.stops.iloc[1]["leg_min"] == pytest.approx(via_c / (60 / 3.6) / 60, abs=1 / 60)

    graph = nx.Graph()
    graph.add_node("a", x=a[0], y=a[1])
    graph.add_node("b", x=b[0], y=b[1])
    graph.add_node("far", x=113.0, y=35.0)  # an island: no edge reaches it
    graph.add_node("far2", x=113.01, y=35.0)
    graph.add_edge("a", "b", length=12_000.0, travel_time=600.0)
    graph.add_edge("far", "far2", length=1000.0, travel_time=60.0)
    graphml = tmp_path / "roads.graphml"
    nx.write_graphml(graph, graphml)
    targets = pd.DataFrame({"target_id": ["B", "X"], "lon": [b[0], 113.0], "lat": [b[1], 35.0], "service_min": 0})
    plan = plan_routes(targets, [Team("A", start=a)], road_graph=graphml, work_limit=FAST)
    assert plan.stops.iloc[1]["leg_min"] == pytest.approx(10.0)
    assert plan.stops.iloc[1]["leg_km"] == pytest.approx(12.0)
    assert plan.dropped.set_index("target_id").loc["X", "drop_reason"] == "no_path"
    assert plan.warnings and "X" in say(plan.warnings[0])


def test_matrix_of_the_wrong_size_or_with_bad_entries(tmp_path):
    targets = random_targets(3, 1)
    team = [Team("A", start=DEPOT)]
    with pytest.raises(RoutingInputError, match="matrix is 2 × 2, but there are 3 targets"):
        plan_routes(targets, team, matrix=np.zeros((2, 2)))
    with pytest.raises(RoutingInputError, match="square"):
        plan_routes(targets, team, matrix=np.zeros((3, 4)))
    bad = np.ones((3, 3))
    bad[1, 2] = -5
    with pytest.raises(RoutingInputError, match="row 2, column 3 is negative"):
        plan_routes(targets, team, matrix=bad)
    bad[1, 2] = np.nan
    with pytest.raises(RoutingInputError, match="row 2, column 3 is missing"):
        plan_routes(targets, team, matrix=bad)
    path = tmp_path / "m.csv"
    path.write_text("0,1,2\n1,0,\n2,3,0\n", encoding="utf-8")
    with pytest.raises(RoutingInputError, match="row 2, column 3 is missing"):
        plan_routes(targets, team, matrix=path)
    path.write_text("0,1,2\n1,0\n2,3,0\n", encoding="utf-8")
    with pytest.raises(RoutingInputError, match="row 2 has 2 values"):
        plan_routes(targets, team, matrix=path)
    with pytest.raises(RoutingInputError, match="does not exist"):
        plan_routes(targets, team, matrix=tmp_path / "none.csv")


def test_a_road_graph_file_without_geometry_is_one_clear_error(tmp_path):
    from geoaq.routes import roadgraph

    path = tmp_path / "roads.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(RoutingInputError, match=r"roads\.csv: no geometry column \(expected GraphML"):
        roadgraph.load(path)
