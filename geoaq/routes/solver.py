"""The routing model, its priority penalties and checks, and OR-Tools' search of it.

`geoaq.routes.search` decides which search runs (PyVRP first, OR-Tools when PyVRP cannot be
loaded); this module holds what every search shares: the model, the lexicographic
penalties, targets out of reach and the priority check `promote`.

The model (`Model`, in node indices: targets 0..n-1, depots after), as OR-Tools states it
* one vehicle per team, each with its own start and end (the bureau or a team base), its own
  working-time limit (end − start ≤ hours) and travel times;
* a time dimension whose transit is service time at the stop left + travel time, with slack
  so a team may wait for a target's time window (the inspection must *start* inside it);
* every target is optional (`AddDisjunction`) with a drop penalty; the arc cost is the
  travel time in seconds.

Priority-ordered drops (`penalties`). Targets are grouped by priority score (higher first).
The penalty of a target of level k is B + Σ (penalties of every target of a lower level),
with B larger than any possible total travel cost (Σ of the teams' working seconds + 1).
Dropping one target of level k therefore costs more than dropping *all* lower targets and
driving any route, so the objective is lexicographic: as many top-priority targets as fit,
then as many of the next level, …, then the shortest travel. After the search a check
(`promote`) tries to put each dropped target in by removing lower-priority stops (lowest
first). A target that no team can reach even alone (`unreachable_targets`: time window,
working day, no road path) is left out before the search.

Determinism. OR-Tools' search (first solution + guided local search) is single-threaded
and has no random element; the same model gives the same sequence of moves. The search is
stopped by a *work limit* — a count of the solver's limit checks (an OR-Tools `CustomLimit`)
— not by the clock, so the stopping point and hence the routes are the same on a fast or a
slow, idle or busy machine. The `Control`'s time cap is only a safety cap; a solution stopped
by it (or by the user) says so in `stopped_by`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geoaq._errors import RoutingInputError
from geoaq.routes.progress import BY_WORK, COMPLETED, Control, Progress
from geoaq.routes.travel import UNREACHABLE_S

#: objective values stay below this (OR-Tools objectives are signed 64-bit)
_MAX_OBJECTIVE = 2**62


# --- the model ----------------------------------------------------------------------------


@dataclass
class Model:
    """Everything the solver and the checks need, in node indices."""

    n: int                      # targets are nodes 0..n-1, depots after
    service_s: np.ndarray       # per node
    tw: np.ndarray              # (nodes, 2) seconds after midnight
    priority: np.ndarray        # per target
    penalty: list[int]          # per target
    starts: list[int]
    ends: list[int]
    start_s: list[int]
    limit_s: list[int]          # latest return per team (seconds after midnight)
    seconds: list[np.ndarray]   # per team travel seconds
    horizon: int

    def schedule(self, route: list[int], v: int) -> list[tuple[int, int, int]] | None:
        """(arrival, start, departure) per stop of `route` (targets only) for team v, earliest
        start; None when a window is missed or the team cannot be back in time."""
        out = []
        clock, here = self.start_s[v], self.starts[v]
        matrix = self.seconds[v]
        for node in route:
            arrival = clock + int(matrix[here, node])
            begin = max(arrival, int(self.tw[node, 0]))
            if begin > self.tw[node, 1]:
                return None
            clock = begin + int(self.service_s[node])
            out.append((arrival, begin, clock))
            here = node
        if clock + int(matrix[here, self.ends[v]]) > self.limit_s[v]:
            return None
        return out

    def travel(self, route: list[int], v: int) -> int:
        """Travel seconds of team v from its start along `route` to its end."""
        path = [self.starts[v], *route, self.ends[v]]
        matrix = self.seconds[v]
        return int(sum(matrix[a, b] for a, b in zip(path, path[1:], strict=False)))


def penalties(priority: np.ndarray, base: int) -> list[int]:
    """Per target: base + Σ penalties of all targets of strictly lower priority (Python
    integers: many levels of many targets exceed 64 bits, which only OR-Tools needs)."""
    levels = sorted(set(priority.tolist()))
    level_penalty: dict[float, int] = {}
    below = 0
    for level in levels:
        level_penalty[level] = base + below
        below += level_penalty[level] * int((priority == level).sum())
    return [level_penalty[p] for p in priority.tolist()]


def check_ortools_penalties(model: Model, candidates: list[int]) -> None:
    """Refuse penalties OR-Tools cannot hold (its objective is a signed 64-bit integer)."""
    total = sum(model.penalty[i] for i in candidates)
    if total >= _MAX_OBJECTIVE:
        levels = len({float(model.priority[i]) for i in candidates})
        raise RoutingInputError(
            f"{levels} distinct priority scores among {len(candidates)} targets need drop "
            f"penalties beyond 64 bits for OR-Tools (PyVRP could not be loaded); group the "
            f"targets into fewer priority levels")


# --- targets out of reach -----------------------------------------------------------------


def unreachable_targets(model: Model) -> dict[int, str]:
    """Targets no team can visit even alone → why ('no_path', 'window' or 'too_far')."""
    unreachable: dict[int, str] = {}
    for i in range(model.n):
        reasons = [_alone_reason(model, i, v) for v in range(len(model.starts))]
        if all(r is not None for r in reasons):
            unreachable[i] = _worst_reason(reasons)
    return unreachable


def _alone_reason(model: Model, i: int, v: int) -> str | None:
    """Why team v cannot visit target i on its own (None when it can)."""
    matrix = model.seconds[v]
    go, back = int(matrix[model.starts[v], i]), int(matrix[i, model.ends[v]])
    if go >= UNREACHABLE_S or back >= UNREACHABLE_S:
        return "no_path"
    arrival = model.start_s[v] + go
    if arrival > model.tw[i, 1]:
        return "window"
    begin = max(arrival, int(model.tw[i, 0]))
    if begin + int(model.service_s[i]) + back > model.limit_s[v]:
        return "window" if model.tw[i, 0] > arrival else "too_far"
    return None


def _worst_reason(reasons: list[str | None]) -> str:
    """The reason reported for all teams: no path only if no team has one, then the window."""
    if all(r == "no_path" for r in reasons):
        return "no_path"
    return "window" if "window" in reasons else "too_far"


# --- the search (OR-Tools) ----------------------------------------------------------------


@dataclass
class Solution:
    """Routes (target nodes per team) and how the search went."""

    routes: list[list[int]]
    objective: int
    status: str
    stopped_by: str
    work_done: int


_STATUS = {0: "not solved", 1: "success", 2: "partial success (local optimum not reached)",
           3: "fail", 4: "fail (time out)", 5: "invalid", 6: "infeasible", 7: "optimal"}


def solve_ortools(model: Model, candidates: list[int], work_limit: int, control: Control | None = None,
                  initial: list[list[int]] | None = None) -> Solution:
    """One OR-Tools search over the candidates (from `initial` routes when given), stopped
    after `work_limit` limit checks or when `control` says so."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    check_ortools_penalties(model, candidates)
    control = control or Control()
    # only the candidates enter the model: node k of the model is candidates[k] (depots after)
    teams = len(model.starts)
    depot_nodes = sorted(set(model.starts) | set(model.ends))
    nodes = list(candidates) + depot_nodes
    local = {node: k for k, node in enumerate(nodes)}
    manager = pywrapcp.RoutingIndexManager(len(nodes), teams, [local[s] for s in model.starts],
                                           [local[e] for e in model.ends])
    routing = pywrapcp.RoutingModel(manager)
    index = np.array(nodes)
    service = model.service_s[index]
    time_callbacks, cost_callbacks = {}, {}
    for v in range(teams):
        key = id(model.seconds[v])
        if key not in cost_callbacks:
            travel = model.seconds[v][np.ix_(index, index)]
            cost_callbacks[key] = routing.RegisterTransitMatrix(travel.tolist())
            time_callbacks[key] = routing.RegisterTransitMatrix((travel + service[:, None]).tolist())
        routing.SetArcCostEvaluatorOfVehicle(cost_callbacks[key], v)
    horizon = int(max(model.limit_s)) + 1
    routing.AddDimensionWithVehicleTransits(
        [time_callbacks[id(model.seconds[v])] for v in range(teams)], horizon, horizon, False, "time")
    dimension = routing.GetDimensionOrDie("time")
    for k, node in enumerate(candidates):
        point = manager.NodeToIndex(k)
        dimension.CumulVar(point).SetRange(int(model.tw[node, 0]), int(min(model.tw[node, 1], horizon)))
        routing.AddDisjunction([point], int(model.penalty[node]))
    for v in range(teams):
        dimension.CumulVar(routing.Start(v)).SetRange(model.start_s[v], model.start_s[v])
        dimension.CumulVar(routing.End(v)).SetRange(model.start_s[v], model.limit_s[v])

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromSeconds(24 * 3600)  # the Control's time cap ends it instead
    params.sat_parameters.num_workers = 1
    checks = [0]

    def _limit() -> bool:
        checks[0] += 1
        if checks[0] >= work_limit:
            return True
        return checks[0] % 1000 == 0 and control.tick(Progress(checks[0] / work_limit, "level"))

    routing.AddSearchMonitor(routing.solver().CustomLimit(_limit))
    if initial is not None:
        start_routes = [[manager.NodeToIndex(local[node]) for node in route if node in local]
                        for route in initial]
        assignment = routing.ReadAssignmentFromRoutes(start_routes, True)
        solution = routing.SolveFromAssignmentWithParameters(assignment, params) if assignment else None
        if solution is None and assignment is not None:
            solution = assignment
    else:
        solution = routing.SolveWithParameters(params)
    status = _STATUS.get(routing.status(), str(routing.status()))
    if solution is None:
        return Solution([[] for _ in range(teams)], 0, status, "no solution found", checks[0])
    routes = []
    for v in range(teams):
        point, route = routing.Start(v), []
        point = solution.Value(routing.NextVar(point))
        while not routing.IsEnd(point):
            route.append(nodes[manager.IndexToNode(point)])
            point = solution.Value(routing.NextVar(point))
        routes.append(route)
    stopped = control.stopped_by or (BY_WORK if checks[0] >= work_limit else COMPLETED)
    return Solution(routes, int(solution.ObjectiveValue()), status, stopped, checks[0])


# --- priority check and repair ------------------------------------------------------------


def lexicographic_key(model: Model, routes: list[list[int]], candidates: list[int]) -> tuple[int, int]:
    """(penalties of dropped candidates, travel) — lower is better; penalties dominate."""
    kept = {node for route in routes for node in route}
    dropped = sum(model.penalty[i] for i in candidates if i not in kept)
    return dropped, sum(model.travel(route, v) for v, route in enumerate(routes))


def _best_insertion(model: Model, route: list[int], node: int, v: int) -> tuple[int, list[int]] | None:
    """The cheapest feasible place of `node` in team v's route: (travel, new route)."""
    best = None
    for position in range(len(route) + 1):
        trial = route[:position] + [node] + route[position:]
        if model.schedule(trial, v) is None:
            continue
        cost = model.travel(trial, v)
        if best is None or cost < best[0]:
            best = (cost, trial)
    return best


def _room(model: Model, route: list[int], v: int) -> int:
    """Seconds team v could add to `route` at most: its spare end of day plus its waiting."""
    schedule = model.schedule(route, v)
    if schedule is None:
        return -1
    here = route[-1] if route else model.starts[v]
    end = (schedule[-1][2] if schedule else model.start_s[v]) + int(model.seconds[v][here, model.ends[v]])
    return model.limit_s[v] - end + sum(begin - arrival for arrival, begin, _ in schedule)


def least_detour(model: Model, route: list[int], node: int, v: int) -> int:
    """The least extra time (travel + service) of putting `node` anywhere in team v's route."""
    path = np.array([model.starts[v], *route, model.ends[v]])
    matrix = model.seconds[v]
    extra = matrix[path[:-1], node] + matrix[node, path[1:]] - matrix[path[:-1], path[1:]]
    return int(extra.min()) + int(model.service_s[node])


def promote(model: Model, routes: list[list[int]], candidates: set[int]) -> tuple[list[list[int]], int]:
    """Put dropped targets in where they fit, removing lower-priority stops if needed (the
    lowest first, never a higher one); (routes, changes). A target whose least detour exceeds
    a route's spare time and waiting, with no lower stop to remove, is not tried there."""
    routes = [list(r) for r in routes]
    changes = 0
    for _round in range(model.n):
        kept = {node for route in routes for node in route}
        dropped = sorted((i for i in candidates if i not in kept), key=lambda i: (-model.priority[i], i))
        room = [_room(model, route, v) for v, route in enumerate(routes)]
        lowest = [min((model.priority[s] for s in route), default=np.inf) for route in routes]
        improved = False
        for node in dropped:
            best = None
            for v, route in enumerate(routes):
                if lowest[v] >= model.priority[node] and least_detour(model, route, node, v) > room[v]:
                    continue
                current, removed = list(route), []
                while True:
                    found = _best_insertion(model, current, node, v)
                    if found is not None:
                        key = (sum(model.penalty[r] for r in removed), found[0])
                        if best is None or key < best[0]:
                            best = (key, v, found[1])
                        break
                    lower = [s for s in current if model.priority[s] < model.priority[node]]
                    if not lower:
                        break
                    victim = min(lower, key=lambda s, c=current: (
                        model.priority[s], -(model.travel(c, v) - model.travel([x for x in c if x != s], v)), s))
                    current.remove(victim)
                    removed.append(victim)
            if best is not None and best[0][0] < model.penalty[node]:
                routes[best[1]] = best[2]
                changes += 1
                improved = True
                break
        if not improved:
            break
    return routes, changes


# --- a baseline ---------------------------------------------------------------------------


def nearest_neighbour_tour(seconds: np.ndarray, start: int, nodes: list[int], end: int | None = None) -> list[int]:
    """The nearest-neighbour order of `nodes` from `start` (a baseline for the bench)."""
    left, here, tour = set(nodes), start, []
    while left:
        nxt = min(left, key=lambda k: (seconds[here, k], k))
        tour.append(nxt)
        left.remove(nxt)
        here = nxt
    return tour
