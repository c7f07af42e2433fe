"""Bench: the route search's candidates on the same instances, in one run (README "Inspection routes").

1. **TSPLIB, one team** (node 1 the start, the others targets, the instance's own EUC_2D
   matrix; each published optimum checked in bench/data/README.md; `HELD_OUT` ones added after
   the search was chosen on the others): geoaq's planner as
   `geoaq route --targets … --matrix …` runs it, OR-Tools as the planner ran it before
   (guided local search, 1.5 M limit checks), PyVRP alone (2000 iterations), and, when
   installed (not dependencies: `pip install elkai fast-tsp`), LKH-3 through elkai (one run)
   and fast-tsp (1 s).
2. **Solomon VRPTW** (C1, R1, RC1: c101, r101, rc101; 25 vehicles of capacity 200, distances
   ×10 truncated as in the exact optima of Kohl et al. 1999): PyVRP (10,000 iterations) and
   OR-Tools (guided local search, 20 s) on the instance itself, against the published optima.
3. **Generated Luoyang days** (seeded; kinds and priorities of data/rules/routes.toml, fire
   events with a window from their detection, a quarter of the others with a 1–2 h window,
   8-hour teams from county bases): geoaq's planner (default effort), OR-Tools as before
   (1.5 M limit checks; it refuses the 500-target day, whose drop penalties need more than
   64 bits), and the reference: the best of long runs computed once by `--reference` and
   stored in bench/data/route_reference.json — PyVRP's level search at 60,000 iterations (5×
   the default), the same search in its earlier form (one run per level, PyVRP's default
   perturbation, no forced tries; 30,000 iterations), OR-Tools with 5 M limit checks, and the
   runs stored before (the level search of commit aece345 at 30,000 iterations), each
   followed by the planner's priority check and TSP polish. The last three days (seeds 21–23)
   were added after the search was tuned on the first four, to check it on days it was not
   tuned on. Plans are compared on the lexicographic key: targets visited per priority
   level (higher first), then travel.

Every row prints the load average and a probe (`probe_ms`: a fixed loop's milliseconds, about
50 on the idle machine) as it was measured, and the ratios geoaq ÷ peer of the same run.

Run: `.venv/bin/python bench/routes.py [--repeat 3] [--only tsp,solomon,days] [--reference [DAY,…]]`
(times are medians of the repeats; the machine is shared, so compare within one run).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geoaq._errors import RoutingInputError  # noqa: E402
from geoaq.routes import engines, ils, search, solver  # noqa: E402
from geoaq.routes.plan import plan_routes, route_model  # noqa: E402
from geoaq.routes.progress import Control  # noqa: E402
from geoaq.routes.rules import Team, load_route_rules  # noqa: E402

DATA = ROOT / "bench" / "data"
REFERENCE = DATA / "route_reference.json"
#: TSPLIB instance → published optimal tour length (TSPLIB95, Reinelt)
TSPLIB = {"eil51": 426, "berlin52": 7542, "st70": 675, "eil76": 538, "kroA100": 21282, "eil101": 629,
          "pr124": 59030, "bier127": 118282, "pr136": 96772, "ch150": 6528, "kroA150": 26524, "kroB150": 26130,
          "pr152": 73682, "rat195": 2323, "d198": 15780, "kroA200": 29368, "a280": 2579}
#: …of which these were added after the one-team search was chosen on the others (bench/data/README.md)
HELD_OUT = {"bier127", "pr136", "kroA150", "rat195", "kroA200"}
#: Solomon instance → optimal distance (one decimal, truncated), vehicles: Kohl et al. (1999)
SOLOMON = {"c101": (827.3, 10), "r101": (1637.7, 20), "rc101": (1619.8, 15)}
BASES = [(112.4826, 34.6252), (112.7800, 34.7270), (112.1300, 34.7300), (112.4700, 34.1600),
         (112.6000, 34.4000), (112.3000, 34.5000), (112.8500, 34.5000), (112.0500, 34.3500)]
KINDS = {"fire_event": 0.25, "coal_user": 0.1, "mine_rectification": 0.1, "near_station": 0.15,
         "grade_c": 0.15, "random_draw": 0.15, "other": 0.1}
#: (name, targets, teams, seed, spread): spread 1 ≈ 100 × 80 km around Luoyang
DAYS = [("day-200x4-wide", 200, 4, 3, 1.0), ("day-200x4-dense", 200, 4, 3, 0.35),
        ("day-200x4-mid", 200, 4, 5, 0.5), ("day-500x8", 500, 8, 7, 1.0),
        # added after the search was tuned on the four above, to check it on days it was not tuned on
        ("day-200x4-s21", 200, 4, 21, 0.5), ("day-200x4-s22", 200, 4, 22, 0.8), ("day-200x4-s23", 200, 4, 23, 0.4)]


# --- instances ----------------------------------------------------------------------------


def read_tsplib(path: Path) -> np.ndarray:
    body = path.read_text().split("NODE_COORD_SECTION")[1].split("EOF")[0].split()
    return np.array([(float(body[i + 1]), float(body[i + 2])) for i in range(0, len(body), 3)])


def euc_2d(points: np.ndarray) -> np.ndarray:
    """TSPLIB EUC_2D: Euclidean distance rounded to the nearest integer."""
    return np.rint(np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))).astype(np.int64)


def tour_length(matrix: np.ndarray, tour: list[int]) -> int:
    return int(sum(matrix[a, b] for a, b in zip(tour, tour[1:] + tour[:1], strict=True)))


def tsp_targets(distance: np.ndarray) -> tuple[pd.DataFrame, Team, np.ndarray]:
    """Node 1 the start, nodes 2… the targets, as `geoaq route --targets --matrix` reads them.
    The team drives 1 unit per second (travel = length) unless a tour could outlast its 24-hour
    day (bier127, pr136: a nearest-neighbour tour ×1.25 longer than 86,400): then k units per
    second, the smallest whole k that fits (the planner then sees lengths ÷ k, rounded)."""
    n = len(distance)
    order = [*range(1, n), 0]  # the targets in order, then the start (an (N+1)-square matrix)
    targets = pd.DataFrame({"target_id": [f"c{k + 1}" for k in order[:-1]], "lon": 112.4, "lat": 34.6,
                            "service_min": 0})
    rough = tour_length(distance, [0, *solver.nearest_neighbour_tour(distance, 0, list(range(1, n)))])
    units = max(1, int(np.ceil(1.25 * rough / 86_400)))
    team = Team("A", start=(112.5, 34.7), hours=24, speed_kmh=3.6 * units)
    return targets, team, distance[np.ix_(order, order)]


def plan_length(plan, distance: np.ndarray) -> int:
    """The length of the plan's tour (target ids c2…cN, node 1 the start) in `distance`."""
    stops = [int(t[1:]) - 1 for t in plan.team_stops(plan.team_names()[0])["target_id"] if t]
    return tour_length(distance, [0, *stops]) if len(stops) == len(distance) - 1 else -1


def luoyang_day(n: int, teams: int, seed: int, spread: float) -> tuple[pd.DataFrame, list[Team]]:
    """A seeded day of `n` targets for `teams` 8-hour teams (see the module docstring)."""
    rng = np.random.default_rng(seed)
    rules = load_route_rules()
    kinds = rng.choice(list(KINDS), n, p=list(KINDS.values()))
    lon = 112.45 + rng.uniform(-0.55, 0.5, n) * spread
    lat = 34.5 + rng.uniform(-0.35, 0.35, n) * spread
    tw_start, tw_end = [None] * n, [None] * n
    for i in range(n):
        if kinds[i] == "fire_event" and rng.random() < 0.6:
            tw_start[i] = f"{rng.integers(9, 14):02d}:{rng.choice([0, 30]):02d}"
        elif rng.random() < 0.25:
            hour = int(rng.integers(9, 15))
            tw_start[i], tw_end[i] = f"{hour:02d}:00", f"{hour + int(rng.integers(1, 3)):02d}:00"
    bonus = np.where((kinds == "fire_event") & (rng.random(n) < 0.3), 5, 0)
    priority = np.array([rules.type_of(k).priority for k in kinds]) + bonus
    targets = pd.DataFrame({"target_id": [f"T{i:03d}" for i in range(n)], "kind": kinds, "lon": lon, "lat": lat,
                            "priority": priority, "tw_start": tw_start, "tw_end": tw_end})
    return targets, [Team(f"T{k + 1}", start=BASES[k % len(BASES)], hours=8) for k in range(teams)]


def read_solomon(path: Path) -> pd.DataFrame:
    rows = [line.split() for line in path.read_text().splitlines()[3:] if line.strip()]
    return pd.DataFrame([[float(v) for v in r] for r in rows],
                        columns=["id", "x", "y", "demand", "ready", "due", "service"])


# --- candidates ---------------------------------------------------------------------------


def probe_ms() -> float:
    """Milliseconds of a fixed pure-Python loop: how busy the machine is for this process (about
    50 ms on the idle 2-core machine; the load average counts waiting tasks of every agent)."""
    started = time.perf_counter()
    sum(i * i for i in range(1_000_000))
    return 1000 * (time.perf_counter() - started)


def timed(repeat: int, fn, *args, **kwargs):
    """(result of the last of `repeat` runs of fn(*args, **kwargs), median seconds)."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)


def level_counts(model: solver.Model, routes: list[list[int]]) -> tuple[int, ...]:
    """Visits per priority level, highest level first (every level of the model)."""
    levels = sorted({float(p) for p in model.priority}, reverse=True)
    kept = [float(model.priority[i]) for route in routes for i in route]
    return tuple(kept.count(level) for level in levels)


def lex(model: solver.Model, routes: list[list[int]]) -> tuple:
    """The lexicographic key: more visits at higher levels first (negated), then travel."""
    travel = sum(model.travel(r, v) for v, r in enumerate(routes))
    return tuple(-c for c in level_counts(model, routes)) + (travel,)


def ortools_before(model: solver.Model, candidates: list[int], steps: int = 1_500_000) -> list[list[int]]:
    """The planner's search before this bench: OR-Tools GLS, then the priority check."""
    found = solver.solve_ortools(model, candidates, steps, Control())
    return solver.promote(model, found.routes, set(candidates))[0]


def pyvrp_alone(model: solver.Model, candidates: list[int], iterations: int) -> list[list[int]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ils.search(engines.load("pyvrp"), model, candidates, iterations, Control()).routes


def tsp_rows(repeat: int) -> list[dict]:
    rows = []
    elkai = _optional("elkai")
    fast_tsp = _optional("fast_tsp")
    for name, best in TSPLIB.items():
        distance = euc_2d(read_tsplib(DATA / f"{name}.tsp"))
        targets, team, matrix = tsp_targets(distance)
        case = route_model(targets, [team], matrix=matrix, matrix_unit="m")
        plan, seconds = timed(repeat, plan_routes, targets, [team], matrix=matrix, matrix_unit="m")
        row = {"instance": name, "n": len(distance), "best": best, "load": (os.getloadavg()[0], probe_ms()),
               "geoaq": (plan_length(plan, distance), seconds, plan.method)}
        routes, seconds = timed(1, ortools_before, case.model, case.candidates)
        row["ortools"] = (_route_length(routes[0], distance), seconds)
        routes, seconds = timed(1, pyvrp_alone, case.model, case.candidates, 2000)
        row["pyvrp"] = (_route_length(routes[0], distance), seconds)
        if elkai is not None:
            tour, seconds = timed(repeat, _elkai, elkai, distance)
            row["elkai"] = (tour_length(distance, tour), seconds)
        if fast_tsp is not None:
            tour, seconds = timed(1, fast_tsp.find_tour, distance, 1.0)
            row["fast-tsp"] = (tour_length(distance, tour), seconds)
        rows.append(row)
        print(_tsp_line(row), flush=True)
    return rows


def _route_length(route: list[int], distance: np.ndarray) -> int:
    """A route of model nodes (target k is TSPLIB node k + 2) as a tour length in `distance`;
    -1 when it leaves a target out."""
    return tour_length(distance, [0, *(k + 1 for k in route)]) if len(route) == len(distance) - 1 else -1


def _elkai(elkai, distance: np.ndarray) -> list[int]:
    return elkai.DistanceMatrix(distance.tolist()).solve_tsp(runs=1)[:-1]


def _optional(module: str):
    try:
        return __import__(module)
    except ImportError:
        return None


def _load(load: tuple[float, float]) -> str:
    """The load average and the probe's milliseconds (`probe_ms`) when the row was measured."""
    return f"{load[0]:.0f} / {load[1]:.0f} ms"


def _gap(value: float, best: float) -> str:
    return f"{100 * (value - best) / best:+.2f} %"


def _tsp_line(row: dict) -> str:
    held = " (held out)" if row["instance"] in HELD_OUT else ""
    cells = [f"{row['instance']}{held}", str(row["n"] - 1), f"{row['best']:,}", _load(row["load"])]
    for name in ("geoaq", "ortools", "pyvrp", "elkai", "fast-tsp"):
        value = row.get(name)
        cells.append("—" if value is None else f"{value[0]:,} ({_gap(value[0], row['best'])}, {value[1]:.2f} s)")
    geoaq = row["geoaq"]
    for peer in ("ortools", "pyvrp"):  # geoaq ÷ peer: length, time
        cells.append(f"{geoaq[0] / row[peer][0]:.4f} / {geoaq[1] / row[peer][1]:.2f}")
    return "| " + " | ".join(cells) + " |"


def solomon_rows(iterations: int = 10_000, ortools_s: float = 20.0) -> list[dict]:
    rows = []
    for name, (best, vehicles) in SOLOMON.items():
        table = read_solomon(DATA / f"{name}.txt")
        xy = table[["x", "y"]].to_numpy()
        dist = np.floor(10 * np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
        (pv, pv_routes), pv_s = timed(1, _solomon_pyvrp, table, dist, iterations)
        (ot, ot_routes), ot_s = timed(1, _solomon_ortools, table, dist, ortools_s)
        rows.append({"instance": name, "best": best, "vehicles": vehicles, "pyvrp": (pv / 10, pv_routes, pv_s),
                     "ortools": (ot / 10, ot_routes, ot_s)})
        ortools = (f"{ot / 10:.1f} ({_gap(ot / 10, best)}, {ot_routes} routes, {ot_s:.1f} s)" if ot >= 0
                   else f"no feasible plan in {ortools_s:g} s")
        print(f"| {name} | {_load((os.getloadavg()[0], probe_ms()))} | {best} ({vehicles}) | {pv / 10:.1f} ({_gap(pv / 10, best)}, {pv_routes} routes, "
              f"{pv_s:.1f} s) | {ortools} |", flush=True)
    return rows


def _solomon_pyvrp(table: pd.DataFrame, dist: np.ndarray, iterations: int) -> tuple[int, int]:
    import pyvrp
    from pyvrp.stop import MaxIterations

    horizon = int(table["due"].iloc[0])
    clients = [pyvrp.Client(k, delivery=[int(r.demand)], service_duration=int(10 * r.service),
                            tw_early=int(10 * r.ready), tw_late=int(10 * r.due))
               for k, r in enumerate(table.itertuples()) if k]
    data = pyvrp.ProblemData([pyvrp.Location(r.x, r.y) for r in table.itertuples()], clients, [pyvrp.Depot(0)],
                             [pyvrp.VehicleType(25, capacity=[200], tw_early=0, tw_late=10 * horizon)], [dist], [dist])
    result = pyvrp.solve(data, MaxIterations(iterations), seed=1, collect_stats=False)
    return int(result.best.distance()), result.best.num_routes()


def _solomon_ortools(table: pd.DataFrame, dist: np.ndarray, seconds: float) -> tuple[int, int]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(table)
    manager = pywrapcp.RoutingIndexManager(n, 25, 0)
    routing = pywrapcp.RoutingModel(manager)
    service = (10 * table["service"].to_numpy()).astype(np.int64)
    cost = routing.RegisterTransitMatrix(dist.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost)
    clock = routing.RegisterTransitMatrix((dist + service[:, None]).tolist())
    horizon = int(10 * table["due"].iloc[0])
    routing.AddDimension(clock, horizon, horizon, False, "time")
    dimension = routing.GetDimensionOrDie("time")
    for k, r in enumerate(table.itertuples()):
        if k:
            dimension.CumulVar(manager.NodeToIndex(k)).SetRange(int(10 * r.ready), int(10 * r.due))
    demand = routing.RegisterUnaryTransitVector([int(d) for d in table["demand"]])
    routing.AddDimensionWithVehicleCapacity(demand, 0, [200] * 25, True, "load")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:  # nothing feasible within the time
        return -10, 0
    used = sum(1 for v in range(25) if not routing.IsEnd(solution.Value(routing.NextVar(routing.Start(v)))))
    return int(solution.ObjectiveValue()), used


def day_rows(repeat: int) -> list[dict]:
    reference = json.loads(REFERENCE.read_text()) if REFERENCE.exists() else {}
    rows = []
    for name, n, teams, seed, spread in DAYS:
        targets, crew = luoyang_day(n, teams, seed, spread)
        case = route_model(targets, crew)
        plan, seconds = timed(repeat, plan_routes, targets, crew)
        routes = _plan_routes_as_nodes(plan, case)
        row = {"instance": name, "n": n, "teams": teams, "geoaq": (lex(case.model, routes), seconds, plan.method),
               "load": (os.getloadavg()[0], probe_ms()),
               "reference": reference.get(name)}
        try:
            before, seconds = timed(1, ortools_before, case.model, case.candidates)
        except RoutingInputError:  # its drop penalties need more than 64 bits (500 targets)
            row["ortools"] = None
        else:
            row["ortools"] = (lex(case.model, before), seconds)
        rows.append(row)
        print(_day_line(row), flush=True)
    return rows


def _plan_routes_as_nodes(plan, case) -> list[list[int]]:
    """The plan's stops as model nodes (targets keep the planner's order in case.frame)."""
    index = {tid: k for k, tid in enumerate(case.frame["target_id"])}
    return [[index[t] for t in plan.team_stops(team.name)["target_id"] if t] for team in case.teams]


def _day_line(row: dict) -> str:
    ref = row["reference"]
    cells = [row["instance"], _load(row["load"]), f"{row['n']} / {row['teams']}"]
    cells.append("—" if ref is None else f"{_visits(ref['key'])}, {ref['key'][-1]:,} s ({ref['method']})")
    for name in ("geoaq", "ortools"):
        if row[name] is None:
            cells.append("refused: drop penalties beyond 64 bits")
            continue
        key, seconds = row[name][0], row[name][1]
        verdict = "" if ref is None else _versus(list(key), ref["key"])
        cells.append(f"{_visits(key)}, {key[-1]:,} s {verdict} ({seconds:.1f} s)")
    ortools = row["ortools"]
    cells.append("—" if ortools is None else f"×{row['geoaq'][1] / ortools[1]:.2f}")
    return "| " + " | ".join(cells) + " |"


def _visits(key) -> str:
    return "/".join(str(-c) for c in key[:-1])


def _versus(key: list, ref: list) -> str:
    """The plan against the reference: a better or worse level count, else the travel ratio."""
    if key[:-1] != ref[:-1]:
        return "better levels" if key[:-1] < ref[:-1] else "FEWER AT A HIGHER LEVEL"
    return f"travel ×{key[-1] / ref[-1]:.4f}"


#: the reference's long runs: PyVRP's level search at 5× the default effort, OR-Tools 5 M checks
REFERENCE_ITERATIONS, REFERENCE_STEPS = 60_000, 5_000_000
#: …and the level search's earlier form (one run per level, large perturbations)
ONE_RUN_ITERATIONS = 30_000


def compute_reference(names: list[str] | None = None) -> None:
    """Long PyVRP and OR-Tools runs per Luoyang day; the best of them and of the runs already
    stored (earlier search versions, named in bench/data/README.md) is the reference."""
    stored = json.loads(REFERENCE.read_text()) if REFERENCE.exists() else {}
    for name, n, teams, seed, spread in DAYS:
        if names and name not in names:
            continue
        targets, crew = luoyang_day(n, teams, seed, spread)
        case = route_model(targets, crew)
        model, candidates = case.model, case.candidates
        entry = stored.get(name, {})
        runs = dict(entry.get("runs", {}))
        started = time.perf_counter()
        routes = search_polish(model, candidates, pyvrp_alone(model, candidates, REFERENCE_ITERATIONS))
        runs["pyvrp"] = _run_entry(model, case, routes, time.perf_counter() - started,
                                   f"geoaq.routes.ils.search, {REFERENCE_ITERATIONS:,} iterations")
        started = time.perf_counter()
        routes = search_polish(model, candidates, one_run_per_level(model, candidates, ONE_RUN_ITERATIONS))
        runs["pyvrp_one_run"] = _run_entry(model, case, routes, time.perf_counter() - started,
                                           f"geoaq.routes.ils.search with one run per level, PyVRP's default "
                                           f"perturbation (1-25), no forced tries, {ONE_RUN_ITERATIONS:,} iterations")
        started = time.perf_counter()
        try:
            routes = search_polish(model, candidates, ortools_before(model, candidates, REFERENCE_STEPS))
        except RoutingInputError as exc:  # a 500-target day's penalties exceed 64 bits
            runs["ortools"] = {"key": None, "settings": f"{REFERENCE_STEPS:,} limit checks", "refused": str(exc)}
        else:
            runs["ortools"] = _run_entry(model, case, routes, time.perf_counter() - started,
                                         f"OR-Tools GLS, {REFERENCE_STEPS:,} limit checks")
        method = min((k for k in runs if runs[k]["key"] is not None), key=lambda k: runs[k]["key"])
        stored[name] = {"key": runs[method]["key"], "method": method, "runs": runs}
        print(name, method, runs[method]["key"], {k: (v["key"], v.get("seconds")) for k, v in runs.items()},
              flush=True)
        REFERENCE.write_text(json.dumps(stored, indent=1, ensure_ascii=False) + "\n")


def one_run_per_level(model: solver.Model, candidates: list[int], iterations: int) -> list[list[int]]:
    """The level search much as it was at commit aece345 (whose runs are the first four days'
    references): one PyVRP run per level with its default perturbation, no forced tries (the
    levels' shares of the iterations are today's)."""
    saved = ils.RESTARTS, ils.PERTURBATIONS, ils.FORCE_TRIES
    ils.RESTARTS, ils.PERTURBATIONS, ils.FORCE_TRIES = 1, (1, 25), 0
    try:
        return pyvrp_alone(model, candidates, iterations)
    finally:
        ils.RESTARTS, ils.PERTURBATIONS, ils.FORCE_TRIES = saved


def _run_entry(model: solver.Model, case, routes: list[list[int]], seconds: float, settings: str) -> dict:
    """One reference run: its key, settings, seconds and routes (target ids per team)."""
    ids = list(case.frame["target_id"])
    return {"key": list(lex(model, routes)), "settings": settings, "seconds": round(seconds, 1),
            "routes": [[ids[i] for i in route] for route in routes]}


def search_polish(model: solver.Model, candidates: list[int], routes: list[list[int]]) -> list[list[int]]:
    """The priority check and the TSP polish the planner applies after its main search."""
    from geoaq.routes import tsp

    routes, _ = solver.promote(model, routes, set(candidates))
    routes, _ = tsp.polish(model, routes)
    return solver.promote(model, routes, set(candidates))[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", default="tsp,solomon,days")
    parser.add_argument("--reference", nargs="?", const="all", default=None,
                        help="recompute bench/data/route_reference.json (all days, or the named ones)")
    args = parser.parse_args()
    if args.reference:
        compute_reference(None if args.reference == "all" else args.reference.split(","))
        return
    rules = load_route_rules()
    print("load average (1, 5, 15 min) at the start: " + ", ".join(f"{x:.1f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} cores; probe {probe_ms():.0f} ms (about 50 ms idle)")
    print(f"geoaq routing bench: default effort {rules.work_limit:,} iterations, time cap {rules.time_limit_s:g} s; "
          f"search steps in geoaq.routes.search ({search.__name__}); repeat {args.repeat} (median times)\n")
    parts = set(args.only.split(","))
    if "tsp" in parts:
        print("| TSPLIB | targets | optimum | load | geoaq (plan_routes) | OR-Tools as before | PyVRP 2000 it. "
              "| elkai (LKH-3) | fast-tsp (1 s) | geoaq ÷ OR-Tools: length / time | geoaq ÷ PyVRP: length / time |")
        print("|---|---:|---:|---:|---|---|---|---|---|---:|---:|")
        tsp_rows(args.repeat)
        print()
    if "solomon" in parts:
        print("| Solomon | load / probe | optimum (vehicles) | PyVRP 10k iterations | OR-Tools 20 s |")
        print("|---|---|---|---|---|")
        solomon_rows()
        print()
    if "days" in parts:
        print("| Luoyang day | load / probe | targets / teams | reference: visits per level, travel | geoaq "
              "| OR-Tools as before | geoaq's time ÷ OR-Tools' |")
        print("|---|---|---|---|---|---|---|")
        day_rows(args.repeat)


if __name__ == "__main__":
    main()
