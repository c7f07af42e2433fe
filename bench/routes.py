"""Bench: inspection-route quality and search time (geoaq.routes.plan and geoaq.routes.solver, OR-Tools), one run.

1. TSPLIB kroA100 (best known tour 21282, recomputed here from the published optimal tour):
   city 1 is the depot, the other 99 cities the targets; geoaq's tour length, its gap to the
   best known tour and the search time, beside a nearest-neighbour tour.
2. Generated targets around Luoyang (seeded): 50, 100 and 200 targets, one team from the
   bureau, and four teams from four bases (bureau and three county towns); default travel
   model (great-circle × detour), no service time, 120 km/h and a 24-hour day so that every
   target fits and the figures are pure tour lengths. Beside each: a nearest-neighbour tour of the same
   targets (four teams: each target to the nearest base, then nearest neighbour per base).

Run: `.venv/bin/python bench/routes.py` (default search effort of data/rules/routes.toml).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geoaq.routes.plan import plan_routes  # noqa: E402
from geoaq.routes.rules import Team, load_route_rules  # noqa: E402
from geoaq.routes.solver import nearest_neighbour_tour  # noqa: E402
from geoaq.routes.travel import great_circle_matrix  # noqa: E402

DATA = ROOT / "bench" / "data"
BUREAU = (112.4826, 34.6252)
BASES = [BUREAU, (112.7800, 34.7270), (112.1300, 34.7300), (112.4700, 34.1600)]  # 偃师, 新安, 汝阳 (approx.)


def read_tsplib(path: Path) -> np.ndarray:
    body = path.read_text().split("NODE_COORD_SECTION")[1].split("EOF")[0].split()
    return np.array([(float(body[i + 1]), float(body[i + 2])) for i in range(0, len(body), 3)])


def euc_2d(points: np.ndarray) -> np.ndarray:
    """TSPLIB EUC_2D: Euclidean distance rounded to the nearest integer."""
    return np.rint(np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))).astype(np.int64)


def tour_length(matrix: np.ndarray, tour: list[int]) -> int:
    return int(sum(matrix[a, b] for a, b in zip(tour, tour[1:] + tour[:1], strict=True)))


def nearest_neighbour(matrix: np.ndarray, start: int, nodes: list[int]) -> list[int]:
    return [start, *nearest_neighbour_tour(matrix, start, nodes)]


def kroa100() -> dict:
    points = read_tsplib(DATA / "kroA100.tsp")
    distance = euc_2d(points)
    optimal = [int(x) - 1 for x in (DATA / "kroA100.opt.tour").read_text().split("TOUR_SECTION")[1].split()
               if x not in ("-1", "EOF")]
    best = tour_length(distance, optimal)
    assert best == 21282, f"the optimal tour measures {best}, not the published 21282"
    order = [*range(1, 100), 0]  # targets = cities 2..100, then the depot (city 1)
    targets = pd.DataFrame({"target_id": [f"c{k + 1}" for k in order[:-1]], "lon": 112.4, "lat": 34.6,
                            "service_min": 0})
    team = Team("A", start=(112.5, 34.7), hours=24, speed_kmh=3.6)  # 1 unit per second: cost = length
    plan = plan_routes(targets, [team], matrix=distance[np.ix_(order, order)], matrix_unit="m")
    nn = tour_length(distance, nearest_neighbour(distance, 0, list(range(1, 100))))
    return {"case": "kroA100 (TSPLIB), 1 team", "targets": 99, "length": plan.travel_cost_s, "best": best,
            "gap_pct": 100 * (plan.travel_cost_s - best) / best, "nn": nn, "seconds": plan.search_seconds,
            "stopped_by": plan.stopped_by, "dropped": len(plan.dropped)}


def generated(n: int, teams: int, seed: int = 2025) -> dict:
    rng = np.random.default_rng(seed + n)
    targets = pd.DataFrame({"lon": rng.uniform(111.9, 112.95, n), "lat": rng.uniform(34.15, 34.85, n),
                            "service_min": 0.0})
    bases = BASES[:teams] if teams > 1 else [BUREAU]
    crew = [Team(f"T{k + 1}", start=base, hours=24, speed_kmh=120) for k, base in enumerate(bases)]
    plan = plan_routes(targets, crew)
    rules = load_route_rules()
    lon = np.concatenate([targets["lon"], [b[0] for b in bases]])
    lat = np.concatenate([targets["lat"], [b[1] for b in bases]])
    metres = great_circle_matrix(lon, lat) * rules.detour_factor
    nearest_base = metres[:n, n:].argmin(axis=1)
    nn = 0.0
    for k in range(len(bases)):
        mine = [i for i in range(n) if nearest_base[i] == k]
        if mine:
            nn += tour_length(metres, nearest_neighbour(metres, n + k, mine))
    length = float(plan.teams["distance_km"].sum())
    return {"case": f"{n} targets, {teams} team{'s' if teams > 1 else ''}", "targets": n, "length": length,
            "best": np.nan, "gap_pct": np.nan, "nn": nn / 1000, "seconds": plan.search_seconds,
            "stopped_by": plan.stopped_by, "dropped": len(plan.dropped)}


def main() -> None:
    rules = load_route_rules()
    print(f"geoaq routing bench: OR-Tools routing, guided local search, work limit {rules.work_limit:,} "
          f"steps (deterministic), time cap {rules.time_limit_s:g} s\n")
    started = time.perf_counter()
    rows = [kroa100()]
    for n in (50, 100, 200):
        for teams in (1, 4):
            rows.append(generated(n, teams))
    table = pd.DataFrame(rows)
    table["vs_nn_pct"] = 100 * (table["length"] - table["nn"]) / table["nn"]
    lines = ["| case | length | nearest neighbour | vs NN | best known | gap | search s | stopped by | dropped |",
             "|---|---:|---:|---:|---:|---:|---:|---|---:|"]
    for row in table.itertuples():
        unit = "" if row.case.startswith("kroA100") else " km"
        best = "—" if np.isnan(row.best) else f"{row.best:,.0f}"
        gap = "—" if np.isnan(row.gap_pct) else f"{row.gap_pct:.2f} %"
        lines.append(f"| {row.case} | {row.length:,.1f}{unit} | {row.nn:,.1f}{unit} | {row.vs_nn_pct:+.1f} % | "
                     f"{best} | {gap} | {row.seconds:.2f} | {row.stopped_by} | {row.dropped} |")
    print("\n".join(lines))
    print(f"\ntotal {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
