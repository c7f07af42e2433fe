"""One team's sequence as a travelling-salesman problem: the shortest order of its stops.

`best_order` orders the stops of one route, from the team's start to its end, with HGS-CVRP
(Vidal's hybrid genetic search, MIT licence, PyPI ``hygese``; chosen by `bench/routes.py`
over LKH-3 through ``elkai`` — as good here but licensed for academic and non-commercial use
only — and over ``fast-tsp``, fast but seeded from the clock). HGS solves closed tours from a
depot, so an open path start → end is the closed tour through both in which the edge end →
start is forced: every other edge costs M = 2 × the longest edge + 1 more, so any tour without
it is longer (moving `end` next to `start` in such a tour adds at most two edges). Times may
differ by direction (one-way roads): the search sees the mean of both directions and the
result is read in the true matrix, in whichever direction is shorter.

`polish` applies it to every team "where no window binds": the shorter order replaces a
route only if it keeps every time window and the working day (`Model.schedule`).

Determinism: HGS runs with a fixed seed and stops after `iterations` generations without
improvement, a count, never after a time: the same stops give the same order on any machine.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from geoaq.routes import engines
from geoaq.routes.solver import Model

#: below this many stops every order is tried
EXACT_UP_TO = 7
#: the largest entry HGS is given (it rejects distances above 100,000 or below 0.1)
SCALE = 100_000.0
#: HGS iterations without improvement before it stops, and its population (minimum size and
#: generation size; HGS's defaults are 25 and 40). bench/routes.py: with 1000 and a population of
#: 12 + 20, the TSPLIB optimum (or +0.01 %) on all 17 instances of 51 to 280 cities, each in
#: at most 1.5 s; with HGS's population and 500, rat195 +0.39 %, a280 +0.16 %, bier127
#: +0.06 % in about the same time (the smaller population breeds sooner from good tours)
ITERATIONS = 1000
POPULATION = (12, 20)


def path_cost(matrix: np.ndarray, path: Sequence[int]) -> int:
    """Sum of `matrix` along consecutive nodes of `path`."""
    nodes = np.asarray(path, dtype=np.int64)
    return int(matrix[nodes[:-1], nodes[1:]].sum()) if len(nodes) > 1 else 0


def best_order(matrix: np.ndarray, start: int, end: int, stops: Sequence[int], *,
               iterations: int = ITERATIONS, seed: int = 1) -> list[int] | None:
    """The shortest order of `stops` from `start` to `end` found; None without a solver."""
    stops = list(stops)
    if len(stops) <= 1:
        return stops
    if len(stops) <= EXACT_UP_TO:
        return _exhaustive(matrix, start, end, stops)
    hgs = engines.load("hgs")
    if hgs is None:
        return None
    nodes = [start, *stops] if start == end else [start, *stops, end]
    sub = matrix[np.ix_(nodes, nodes)].astype(float)
    sym = sub + sub.T  # twice the mean of both directions: integers stay integers
    if start != end:  # force the edge end → start: every other edge costs M more
        sym = sym + 2 * float(sym.max()) + 1.0
        sym[0, -1] = sym[-1, 0] = 0.0
    np.fill_diagonal(sym, 0.0)
    sym *= _scale(sym)
    # no time limit: with one, HGS restarts until the time is up instead of stopping
    params = hgs.AlgorithmParameters(nbIter=int(iterations), seed=int(seed), timeLimit=0.0,
                                     mu=POPULATION[0], lambda_=POPULATION[1])
    result = hgs.Solver(params, verbose=False).solve_tsp({"distance_matrix": sym})
    tour = [int(k) for k in result.routes[0]]  # positions in `nodes`, the depot (0) left out
    if start != end:  # the forced edge puts `end` first or last: read the path from start to it
        last = len(nodes) - 1
        tour = tour if tour[-1] == last else tour[::-1]
        tour = tour[:-1]
    order = [nodes[k] for k in tour]
    return min(order, order[::-1], key=lambda o: (path_cost(matrix, [start, *o, end]), o))


def _scale(sym: np.ndarray) -> float:
    """The factor that brings `sym` to HGS's range (largest entry at most SCALE): a whole
    number when the entries are whole and fit, so HGS compares exactly the true lengths (a
    fractional factor rounds them, and tours a few units apart look equal)."""
    top = max(float(sym.max()), 1e-9)
    if top <= SCALE and np.array_equal(sym, np.rint(sym)):
        return float(SCALE // top)
    return SCALE / top


def _exhaustive(matrix: np.ndarray, start: int, end: int, stops: list[int]) -> list[int]:
    """The best of every order of a few stops (ties: the first in lexicographic order)."""
    best = min(itertools.permutations(sorted(stops)),
               key=lambda o: path_cost(matrix, [start, *o, end]))
    return list(best)


def polish(model: Model, routes: list[list[int]], *,
           iterations: int = ITERATIONS) -> tuple[list[list[int]], int]:
    """Each route in its shortest order where that order keeps the windows and the day;
    (routes, how many were shortened)."""
    out, changed = [], 0
    for v, route in enumerate(routes):
        order = best_order(model.seconds[v], model.starts[v], model.ends[v], route, iterations=iterations)
        if (order is not None and model.travel(order, v) < model.travel(route, v)
                and model.schedule(order, v) is not None):
            out.append(order)
            changed += 1
        else:
            out.append(list(route))
    return out, changed
