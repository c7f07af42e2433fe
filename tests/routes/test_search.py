"""geoaq.routes.search: TSPLIB optima, the lexicographic rule with teams and windows,
determinism, the user's stop, and a solver library that fails to load."""

from __future__ import annotations

import importlib
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from route_cases import DEPOT, random_targets

from geoaq.i18n import say
from geoaq.routes import engines, solver
from geoaq.routes.plan import plan_routes, route_model
from geoaq.routes.progress import BY_USER, STOP
from geoaq.routes.rules import Team

BENCH = Path(__file__).resolve().parents[2] / "bench" / "data"


def _tsplib(name: str) -> np.ndarray:
    body = (BENCH / f"{name}.tsp").read_text().split("NODE_COORD_SECTION")[1].split("EOF")[0].split()
    points = np.array([(float(body[i + 1]), float(body[i + 2])) for i in range(0, len(body), 3)])
    return np.rint(np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))).astype(int)


@pytest.mark.parametrize(("name", "optimum"), [("eil51", 426), ("berlin52", 7542), ("st70", 675), ("eil76", 538),
                                               ("rat195", 2323), ("kroA200", 29368)])
def test_single_team_reaches_the_tsplib_optimum_quickly(name, optimum):
    """Node 1 the start, the others targets (as `geoaq route --targets --matrix`), default effort."""
    distance = _tsplib(name)
    order = [*range(1, len(distance)), 0]
    targets = pd.DataFrame({"target_id": [f"c{k + 1}" for k in order[:-1]], "lon": 112.4, "lat": 34.6,
                            "service_min": 0})
    started = time.perf_counter()
    plan = plan_routes(targets, [Team("A", start=(112.5, 34.7), hours=24, speed_kmh=3.6)],
                       matrix=distance[np.ix_(order, order)], matrix_unit="m")
    assert time.perf_counter() - started < 5  # ≤ 2 s on an idle machine; CI shares its cores
    assert plan.dropped.empty and plan.method == "hgs"
    assert plan.travel_cost_s == optimum


def _day(n: int, seed: int) -> tuple[pd.DataFrame, list[Team]]:
    """Several teams, windows, three priority levels, not all targets fit."""
    rng = np.random.default_rng(seed)
    windows = [("10:00", "11:30") if rng.random() < 0.3 else (None, None) for _ in range(n)]
    targets = random_targets(n, seed, spread=0.25, priority=rng.choice([10, 50, 90], n),
                             service_min=rng.choice([15, 30, 45], n),
                             tw_start=[w[0] for w in windows], tw_end=[w[1] for w in windows])
    teams = [Team("A", start=DEPOT, hours=3), Team("B", start=(112.30, 34.70), hours=3, speed_kmh=30),
             Team("C", start=DEPOT, end=(112.60, 34.55), hours=2.5, day_start="09:30")]
    return targets, teams


def _routes(plan, case) -> list[list[int]]:
    index = {tid: k for k, tid in enumerate(case.frame["target_id"])}
    return [[index[t] for t in plan.team_stops(team.name)["target_id"] if t] for team in case.teams]


def test_several_teams_with_windows_keep_the_lexicographic_rule():
    """No left-out target fits by removing only lower-priority stops; every route keeps its
    windows and day; something of every kind of constraint binds."""
    targets, teams = _day(60, 4)
    plan = plan_routes(targets, teams, work_limit=1500)
    case = route_model(targets, teams)
    routes = _routes(plan, case)
    assert all(case.model.schedule(route, v) is not None for v, route in enumerate(routes))
    assert len(plan.dropped) > 0 and plan.visited >= 5
    _, changes = solver.promote(case.model, routes, set(case.candidates))
    assert changes == 0
    kept = plan.stops.loc[~plan.stops["kind"].isin(["start", "end"]), "priority"]
    assert kept.max() == 90 and plan.dropped["priority"].min() == 10


def test_same_input_with_windows_gives_the_same_plan():
    targets, teams = _day(45, 9)
    first = plan_routes(targets, teams, work_limit=800)
    second = plan_routes(targets, teams, work_limit=800)
    pd.testing.assert_frame_equal(first.stops, second.stops)
    assert (first.objective, first.work_done) == (second.objective, second.work_done)


def test_a_stop_from_the_progress_callback_keeps_the_best_plan_so_far():
    targets, teams = _day(60, 4)
    seen = []

    def progress(p):
        seen.append(p)
        return STOP if p.stage == "level" and p.visited else None

    plan = plan_routes(targets, teams, work_limit=50_000, progress=progress)
    assert plan.stopped_by == BY_USER and plan.work_done < 50_000
    assert plan.visited > 0 and seen[-1].stage == "level"
    case = route_model(targets, teams)
    assert all(case.model.schedule(r, v) is not None for v, r in enumerate(_routes(plan, case)))
    assert min(p.done for p in seen) >= 0 and max(p.done for p in seen) <= 1


@pytest.fixture
def hidden(monkeypatch):
    """Hide solver libraries: `hidden("pyvrp")` makes its import fail."""
    names: set[str] = set()
    real = importlib.import_module

    def fake(name, *args, **kwargs):
        if name.split(".")[0] in names:
            raise ImportError(f"No module named {name!r} (hidden by the test)")
        return real(name, *args, **kwargs)

    def hide(*libraries: str) -> None:
        names.update(libraries)
        engines.forget()

    monkeypatch.setattr(engines.importlib, "import_module", fake)
    yield hide
    engines.forget()


def test_a_solver_library_that_fails_to_load_leaves_the_others_and_says_so(hidden):
    hidden("pyvrp")
    targets, teams = _day(30, 2)
    plan = plan_routes(targets, teams, work_limit=200)
    assert plan.method == "ortools" and plan.visited > 0
    notes = [say(w, "en") for w in plan.warnings]
    assert any("pyvrp" in n and "could not be loaded" in n for n in notes)
    assert any("pyvrp" in say(w) for w in plan.warnings)  # and in Chinese


def test_without_hgs_one_team_is_planned_by_pyvrp_and_without_any_by_insertion(hidden):
    hidden("hygese")
    targets = random_targets(12, 3)
    plan = plan_routes(targets, [Team("A", start=DEPOT)], work_limit=300)
    assert plan.method == "pyvrp" and plan.dropped.empty
    assert any("hygese" in say(w, "en") for w in plan.warnings)
    hidden("pyvrp", "ortools")
    plan = plan_routes(targets, [Team("A", start=DEPOT)], work_limit=300)
    assert plan.method == "insertion" and plan.visited == 12
    assert {"hygese", "pyvrp", "ortools"} <= {lib for w in plan.warnings for lib in ("hygese", "pyvrp", "ortools")
                                             if lib in say(w, "en")}


def test_the_iteration_budget_grows_with_the_day_and_never_below_the_limit():
    """Iterations per 200 candidates (a count, so the plan does not depend on the machine)."""
    from geoaq.routes import ils

    assert ils.budget(12_000, 50) == 12_000 and ils.budget(12_000, 200) == 12_000
    assert ils.budget(12_000, 500) == 30_000
