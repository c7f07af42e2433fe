"""geoaq.routes.plan: brute-force optimum, constraints, priority-ordered drops, determinism, bad input."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from geoaq.routes import plan as routing
from geoaq.routes.plan import RoutingInputError, Team, plan_routes

ROOT = Path(__file__).resolve().parents[2]
DEPOT = (112.4826, 34.6252)
FAST = 60_000  # search steps: plenty for the small cases here, and quick


def _targets(n: int, seed: int, spread: float = 0.15, **columns) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"target_id": [f"T{i:02d}" for i in range(n)],
                          "lon": DEPOT[0] + rng.uniform(-spread, spread, n),
                          "lat": DEPOT[1] + rng.uniform(-spread * 0.8, spread * 0.8, n),
                          "kind": "other", "service_min": 10.0})
    for name, values in columns.items():
        frame[name] = values
    return frame


def _check_constraints(plan: routing.RoutePlan, teams: list[Team]) -> None:
    """Every route starts and ends at its team's depots, on time, with windows kept."""
    rules = routing.load_route_rules()
    for team in teams:
        stops = plan.team_stops(team.name)
        assert (stops.iloc[0]["lon"], stops.iloc[0]["lat"]) == team.start
        assert (stops.iloc[-1]["lon"], stops.iloc[-1]["lat"]) == team.end_point
        assert stops.iloc[0]["kind"] == "start" and stops.iloc[-1]["kind"] == "end"
        hours = team.hours if team.hours is not None else rules.team_hours
        depart, back = stops.iloc[0]["departure"], stops.iloc[-1]["arrival"]
        assert (back - depart) <= pd.Timedelta(hours=hours)
        for row in stops.iloc[1:-1].itertuples():
            assert row.start >= row.arrival
            if isinstance(row.tw_start, str):
                assert row.start.strftime("%H:%M") >= row.tw_start
            if isinstance(row.tw_end, str):
                assert row.start.strftime("%H:%M") <= row.tw_end
        assert stops["seq"].tolist() == list(range(len(stops)))
    visited = plan.stops.loc[~plan.stops["kind"].isin(["start", "end"]), "target_id"]
    assert visited.is_unique
    assert set(visited) | set(plan.dropped["target_id"]) == set(plan.targets["target_id"])
    assert not set(visited) & set(plan.dropped["target_id"])


# --- the brute-force check -----------------------------------------------------------------


def _tsp_optimum(matrix: np.ndarray, depot: int, nodes: list[int]) -> int:
    """Exhaustive search (depth first, pruned by the best found) of the shortest closed tour."""
    best = [math.inf]

    def extend(here: int, left: frozenset, cost: int) -> None:
        if cost >= best[0]:
            return
        if not left:
            best[0] = min(best[0], cost + matrix[here, depot])
            return
        for node in sorted(left, key=lambda k: matrix[here, k]):
            extend(node, left - {node}, cost + matrix[here, node])

    extend(depot, frozenset(nodes), 0)
    return int(best[0])


@pytest.mark.parametrize(("n", "seed"), [(6, 1), (8, 2), (10, 3), (10, 4)])
def test_single_team_route_equals_the_brute_force_optimum(n, seed):
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 7_000, (n + 1, 2))  # metres; the depot is the last point
    matrix = np.rint(np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))).astype(int)
    targets = pd.DataFrame({"target_id": [f"T{i}" for i in range(n)], "lon": 112.4, "lat": 34.6,
                            "service_min": 0})
    team = Team("A", start=(112.5, 34.7), hours=24, speed_kmh=3.6)  # 1 m per second: cost = metres
    plan = plan_routes(targets, [team], matrix=matrix, matrix_unit="m", work_limit=FAST)
    assert plan.dropped.empty
    assert plan.travel_cost_s == _tsp_optimum(matrix, n, list(range(n)))
    assert plan.objective == plan.travel_cost_s
    assert plan.teams.iloc[0]["distance_km"] * 1000 == pytest.approx(plan.travel_cost_s)


def test_two_teams_with_windows_and_hours_equal_the_brute_force_optimum():
    """Two teams with their own depots and days, windows, priorities and drops: the plan's
    objective is the minimum over every assignment and order of the 6 targets."""
    targets = _targets(6, 11, spread=0.2, priority=[90, 90, 50, 50, 10, 10],
                       service_min=[30, 20, 40, 30, 20, 30],
                       tw_start=[None, "10:00", None, None, "09:00", None],
                       tw_end=[None, "11:00", "10:30", None, None, None])
    teams = [Team("A", start=DEPOT, hours=2.5), Team("B", start=(112.30, 34.70), end=DEPOT, hours=2.0,
                                                    speed_kmh=25, day_start="09:00")]
    plan = plan_routes(targets, teams, work_limit=FAST)
    _check_constraints(plan, teams)
    model = _rebuild(targets, teams)
    best = math.inf
    for assignment in itertools.product((0, 1, None), repeat=6):
        total = sum(model.penalty[i] for i, a in enumerate(assignment) if a is None)
        for v in (0, 1):
            mine = [i for i, a in enumerate(assignment) if a == v]
            costs = [model.travel(list(order), v) for order in itertools.permutations(mine)
                     if model.schedule(list(order), v) is not None]
            total = total + min(costs) if costs else math.inf
        best = min(best, total)
    assert plan.objective == best
    assert len(plan.dropped) >= 1  # the case does bind


def _rebuild(targets: pd.DataFrame, teams: list[Team]) -> routing._Model:
    """The planner's own model of the case (to evaluate orders exactly as it does)."""
    captured = {}
    original = routing._solve

    def spy(model, *args, **kwargs):
        captured["model"] = model
        return original(model, *args, **kwargs)

    routing._solve = spy
    try:
        plan_routes(targets, teams, work_limit=1000)
    finally:
        routing._solve = original
    return captured["model"]


# --- constraints, priority, determinism ----------------------------------------------------


def test_constraints_hold_for_several_teams_with_windows():
    n = 40
    rng = np.random.default_rng(5)
    windows = [("13:00", "15:00") if rng.random() < 0.25 else (None, None) for _ in range(n)]
    targets = _targets(n, 5, tw_start=[w[0] for w in windows], tw_end=[w[1] for w in windows],
                       priority=rng.choice([10, 50, 90], n), service_min=rng.choice([10, 20, 40], n))
    teams = [Team("A", start=DEPOT, hours=4), Team("B", start=(112.35, 34.68), hours=3, speed_kmh=25),
             Team("C", start=DEPOT, end=(112.60, 34.55), hours=5, day_start="10:00")]
    plan = plan_routes(targets, teams, work_limit=FAST)
    _check_constraints(plan, teams)
    assert plan.visited > 10 and len(plan.dropped) > 0
    assert plan.objective == plan.travel_cost_s + plan.penalty_cost


def test_drops_follow_priority_even_when_the_important_targets_are_far():
    """Near the depot: many low-priority targets; 12-20 km out: a few high-priority ones. The
    day holds about half; every high one is kept before any low one."""
    rng = np.random.default_rng(8)
    near = pd.DataFrame({"lon": DEPOT[0] + rng.uniform(-0.01, 0.01, 12), "lat": DEPOT[1] + rng.uniform(-0.01, 0.01, 12),
                         "priority": rng.choice([10, 20], 12)})
    angles = rng.uniform(0, 2 * np.pi, 4)
    far = pd.DataFrame({"lon": DEPOT[0] + 0.18 * np.cos(angles), "lat": DEPOT[1] + 0.14 * np.sin(angles),
                        "priority": [90, 90, 60, 60]})
    targets = pd.concat([near, far], ignore_index=True).assign(service_min=25, kind="other")
    team = Team("A", start=DEPOT, hours=5)
    plan = plan_routes(targets, [team], work_limit=FAST)
    kept = plan.stops.loc[~plan.stops["kind"].isin(["start", "end"]), "priority"]
    assert len(plan.dropped) > 0
    assert plan.dropped["priority"].max() <= kept.min()
    assert set(kept) >= {90, 60}


def test_one_higher_target_outweighs_any_number_of_lower_ones():
    # one priority-90 target far out, whose round trip uses most of the day, and 8 priority-10
    # targets next to the depot that would all fit without it
    targets = pd.DataFrame({"lon": [112.95, *(DEPOT[0] + 0.002 * k for k in range(1, 9))],
                            "lat": [34.62, *([DEPOT[1]] * 8)], "priority": [90, *[10] * 8], "service_min": 20})
    plan = plan_routes(targets, [Team("A", start=DEPOT, hours=4)], work_limit=FAST)
    visited = plan.stops.loc[~plan.stops["kind"].isin(["start", "end"]), "target_id"]
    assert "T001" in set(visited)
    assert (plan.dropped["priority"] == 10).all() and len(plan.dropped) >= 1


def test_penalties_dominate_every_lower_level():
    priority = np.array([10.0, 10.0, 50.0, 90.0, 90.0, 50.0])
    base = 3600 * 8 + 1
    penalty = dict(zip(range(6), routing._penalties(priority, base), strict=True))
    for level in (50.0, 90.0):
        one = min(penalty[i] for i in range(6) if priority[i] == level)
        below = sum(penalty[i] for i in range(6) if priority[i] < level)
        assert one > below + base - 1
    with pytest.raises(RoutingInputError, match="priority"):
        routing._penalties(np.arange(80, dtype=float), base)


def test_same_input_gives_the_same_routes():
    targets = _targets(35, 21, priority=np.random.default_rng(21).choice([10, 50, 90], 35))
    teams = [Team("A", start=DEPOT, hours=3), Team("B", start=(112.35, 34.68), hours=3)]
    first = plan_routes(targets, teams, work_limit=FAST)
    second = plan_routes(targets, teams, work_limit=FAST)
    pd.testing.assert_frame_equal(first.stops, second.stops)
    assert first.objective == second.objective
    assert first.stopped_by == "work limit"


def test_search_figures_are_reported():
    plan = plan_routes(_targets(5, 2), [Team("A", start=DEPOT)], work_limit=FAST)
    assert plan.search_seconds > 0 and plan.work_done > 0 and plan.solver_status
    text = plan.summary()
    assert "objective" in text and "searched" in text


# --- travel models -------------------------------------------------------------------------


def test_default_travel_is_great_circle_times_detour_over_speed():
    target = pd.DataFrame({"lon": [DEPOT[0] + 0.1], "lat": [DEPOT[1]], "service_min": [0]})
    plan = plan_routes(target, [Team("A", start=DEPOT, speed_kmh=30)], work_limit=FAST)
    leg = plan.stops.iloc[1]
    metres = routing.great_circle_m(DEPOT[0], DEPOT[1], DEPOT[0] + 0.1, DEPOT[1]) * 1.3
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
    via_c = (routing.great_circle_m(*a, *c) + routing.great_circle_m(*c, *b))
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
    assert plan.warnings and "X" in plan.warnings[0]


def _tsplib(path: Path) -> np.ndarray:
    body = path.read_text().split("NODE_COORD_SECTION")[1].split("EOF")[0].split()
    return np.array([(float(body[i + 1]), float(body[i + 2])) for i in range(0, len(body), 3)])


def test_kroa100_within_one_percent_of_the_best_known_tour():
    """TSPLIB kroA100 (best known 21282, recomputed from the optimal tour): city 1 is the
    depot, the other 99 the targets; default search effort (bench/routes.py shows the time)."""
    points = _tsplib(ROOT / "bench" / "data" / "kroA100.tsp")
    distance = np.rint(np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))).astype(int)
    tour = [int(x) - 1 for x in (ROOT / "bench" / "data" / "kroA100.opt.tour").read_text()
            .split("TOUR_SECTION")[1].split() if x not in ("-1", "EOF")]
    best = sum(distance[a, b] for a, b in zip(tour, tour[1:] + tour[:1], strict=True))
    assert best == 21282
    order = [*range(1, 100), 0]  # the targets in order, then the depot
    targets = pd.DataFrame({"target_id": [f"c{k + 1}" for k in order[:-1]], "lon": 112.4, "lat": 34.6,
                            "service_min": 0})
    plan = plan_routes(targets, [Team("A", start=(112.5, 34.7), hours=24, speed_kmh=3.6)],
                       matrix=distance[np.ix_(order, order)], matrix_unit="m")
    assert plan.dropped.empty
    assert plan.travel_cost_s <= best * 1.01


# --- bad input -----------------------------------------------------------------------------


def test_no_targets():
    with pytest.raises(RoutingInputError, match="no targets"):
        plan_routes(pd.DataFrame(columns=["lon", "lat"]), [Team("A", start=DEPOT)])


def test_unreachable_time_window_is_reported_not_planned():
    targets = _targets(3, 1, tw_start=[None, "06:00", None], tw_end=[None, "07:00", None])
    plan = plan_routes(targets, [Team("A", start=DEPOT)], work_limit=FAST)
    dropped = plan.dropped.set_index("target_id")
    assert list(dropped.index) == ["T01"] and dropped.loc["T01", "drop_reason"] == "window"
    assert any("T01" in w and "时间窗" in w for w in plan.warnings)
    with pytest.raises(RoutingInputError, match="ends .* before it starts"):
        plan_routes(_targets(2, 1, tw_start=["15:00", None], tw_end=["14:00", None]), [Team("A", start=DEPOT)])
    with pytest.raises(RoutingInputError, match="HH:MM"):
        plan_routes(_targets(2, 1, tw_start=["noon", None]), [Team("A", start=DEPOT)])


def test_matrix_of_the_wrong_size_or_with_bad_entries(tmp_path):
    targets = _targets(3, 1)
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


def test_team_with_zero_hours_or_speed():
    with pytest.raises(RoutingInputError, match="team A: working hours must be more than 0"):
        plan_routes(_targets(2, 1), [Team("A", start=DEPOT, hours=0)])
    with pytest.raises(RoutingInputError, match="speed"):
        plan_routes(_targets(2, 1), [Team("A", start=DEPOT, speed_kmh=0)])
    with pytest.raises(RoutingInputError, match="at least 1"):
        routing.make_teams(0)


def test_bad_positions_and_lonlat_parsing():
    assert routing.parse_lonlat("112.45，34.62") == (112.45, 34.62)
    with pytest.raises(RoutingInputError, match="LON,LAT"):
        routing.parse_lonlat("112.45")
    with pytest.raises(RoutingInputError, match="missing or non-numeric"):
        plan_routes(pd.DataFrame({"lon": [112.4, None], "lat": [34.6, 34.7]}), [Team("A", start=DEPOT)])
    with pytest.raises(RoutingInputError, match="lon and lat"):
        plan_routes(pd.DataFrame({"x": [1]}), [Team("A", start=DEPOT)])


def test_rules_file_is_complete():
    rules = routing.load_route_rules(ROOT / "data" / "rules" / "routes.toml")
    assert rules.types["fire_event"].priority > rules.types["grade_c"].priority
    assert 112 < rules.depot.lon < 113 and 34 < rules.depot.lat < 35
    assert rules.work_limit > 0 and rules.time_limit_s > 0
