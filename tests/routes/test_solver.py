"""geoaq.routes.solver: brute-force optimum, constraints, priority-ordered drops, determinism, kroA100."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from route_cases import DEPOT, FAST, random_targets

from geoaq.routes import search, solver
from geoaq.routes.plan import RoutePlan, plan_routes
from geoaq.routes.rules import Team, load_route_rules

ROOT = Path(__file__).resolve().parents[2]


def _check_constraints(plan: RoutePlan, teams: list[Team]) -> None:
    """Every route starts and ends at its team's depots, on time, with windows kept."""
    rules = load_route_rules()
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
    targets = random_targets(6, 11, spread=0.2, priority=[90, 90, 50, 50, 10, 10],
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


def _rebuild(targets: pd.DataFrame, teams: list[Team]) -> solver.Model:
    """The planner's own model of the case (to evaluate orders exactly as it does)."""
    captured = {}
    original = search.run

    def spy(model, *args, **kwargs):
        captured["model"] = model
        return original(model, *args, **kwargs)

    search.run = spy
    try:
        plan_routes(targets, teams, work_limit=100)
    finally:
        search.run = original
    return captured["model"]


# --- constraints, priority, determinism ----------------------------------------------------
def test_constraints_hold_for_several_teams_with_windows():
    n = 40
    rng = np.random.default_rng(5)
    windows = [("13:00", "15:00") if rng.random() < 0.25 else (None, None) for _ in range(n)]
    targets = random_targets(n, 5, tw_start=[w[0] for w in windows], tw_end=[w[1] for w in windows],
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
    penalty = dict(zip(range(6), solver.penalties(priority, base), strict=True))
    for level in (50.0, 90.0):
        one = min(penalty[i] for i in range(6) if priority[i] == level)
        below = sum(penalty[i] for i in range(6) if priority[i] < level)
        assert one > below + base - 1
    many = solver.penalties(np.arange(80, dtype=float), base)  # beyond 64 bits: Python integers
    assert many[-1] > 2**64 and many == sorted(many)


def test_same_input_gives_the_same_routes():
    targets = random_targets(35, 21, priority=np.random.default_rng(21).choice([10, 50, 90], 35))
    teams = [Team("A", start=DEPOT, hours=3), Team("B", start=(112.35, 34.68), hours=3)]
    first = plan_routes(targets, teams, work_limit=FAST)
    second = plan_routes(targets, teams, work_limit=FAST)
    pd.testing.assert_frame_equal(first.stops, second.stops)
    assert first.objective == second.objective
    assert first.method == "pyvrp" and first.work_done > 0


def test_search_figures_are_reported():
    plan = plan_routes(random_targets(5, 2), [Team("A", start=DEPOT)], work_limit=FAST)
    assert plan.search_seconds > 0 and plan.work_done > 0 and plan.solver_status
    text = plan.summary()
    assert "objective" in text and "searched" in text


# --- search quality: TSPLIB ----------------------------------------------------------------


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
