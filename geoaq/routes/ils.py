"""The main route search: PyVRP's iterated local search, one priority level at a time.

PyVRP (MIT licence) solves vehicle routing with time windows, several depots (each team its
own start and end), shift windows (the working day) and optional clients with prizes; its
search is deterministic for a seed and a count of iterations. `bench/routes.py` measured it
against OR-Tools on Solomon VRPTW instances and generated Luoyang days (README).

Priorities are lexicographic: never a higher priority dropped to make room for a lower one.
Prizes large enough for that in one search (each level worth more than all below together)
overflow PyVRP's penalty arithmetic, so the levels are searched in turn (`search`):

1. for each priority level, highest first: the targets already chosen are required, the
   level's targets are optional with prize B (more than any travel: the teams' working
   seconds + 1), lower levels are left out: as many of the level as fit, then least travel;
   the kept targets of the nearest higher level that left some out are optional too, with
   its left-out ones, each at a prize worth more than the whole level searched
   (`SWAP_LEVELS`): the search may exchange them (as many kept) where another choice there
   leaves room or less travel below — that level was chosen for its own least travel;
2. then a last search with every chosen target required: least travel.

Each level's search is `RESTARTS` short runs (seeds SEED, SEED + 1, …) from the routes of
the stage before, the best kept (most of the level in, then least travel; no more runs once
every target of the level is in); one run on days of more than `RESTART_UP_TO` targets.
Then up to `FORCE_TRIES` of the level's targets still out, least detour first, are each made
required beside every chosen target in one short run (`_force`): a feasible plan found has
one more of the level and drops none, so it is kept; an infeasible one is forgotten. The
level's share of the iterations is its size among the levels still to search, so what a
level that fits at once does not use goes to the levels below. On days of up to
`RESTART_UP_TO` targets PyVRP perturbs 1–8 targets per iteration (`PERTURBATIONS`; its
default of up to 25 made each iteration about 3× slower there for no better plans); on larger
days it perturbs 1–25 (`LARGE_PERTURBATIONS`, PyVRP's default: with 1–8 the 500-target bench
day kept two second-level targets fewer than the best long run, at any effort tried). The
budget is `iterations` per `TARGETS_PER_BUDGET` candidates (`budget`): a 500-target day
searches 2.5× as many iterations as a 200-target one. `bench/routes.py` measured these
settings (README). A run stops after its share of the budget or after half of it without a
better plan — counts, not times, so the routes do not depend on the machine. The `Control` may end a
stage early (the user's stop, the safety time cap); the best routes so far are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import numpy as np

from geoaq.routes.progress import Control, Progress
from geoaq.routes.solver import Model, least_detour

SEED = 1
#: share of the iterations kept for the last stage (travel only)
TRAVEL_SHARE = 0.25
#: a stage ends after this share of its iterations without a better plan (at least MIN_STALL)
STALL_SHARE = 0.5
MIN_STALL = 300
#: every stage gets at least this many iterations
MIN_STAGE = 100
#: neighbours per target in PyVRP's granular local search (its default is 50)
NEIGHBOURS = 30
#: PyVRP's perturbation sizes per iteration (its default is 1 to 25)
PERTURBATIONS = (1, 8)
#: independent runs (seeds SEED, SEED + 1, …) of each level's search, the best kept
RESTARTS = 5
#: …on days of at most this many targets (bench/routes.py: on 500 targets one longer run did better)
RESTART_UP_TO = 300
#: on larger days, PyVRP's own perturbation sizes (bench/routes.py: on 500 targets 1–8 kept
#: two second-level targets fewer than 1–25 at the same effort)
LARGE_PERTURBATIONS = (1, 25)
#: the iteration budget is per this many candidates (at least the budget): a larger day gets
#: proportionally more iterations, as each of its iterations also moves fewer of its targets
TARGETS_PER_BUDGET = 200
#: after a level's runs, this many of its targets still out (least detour first) are each tried
#: as required beside every chosen target, in a run of at most FORCE_CAP iterations
#: (bench/routes.py: the mid day's 36th level-100 target, which the runs' prizes did not reach)
FORCE_TRIES = 3
FORCE_CAP = 150
#: each level's search may exchange the targets kept of the nearest higher level that left some
#: out for others of that level (as many kept, each worth more than the whole level searched):
#: the higher level's choice, made for least travel, may have blocked a lower target
SWAP_LEVELS = True


@dataclass
class Outcome:
    """Routes (model nodes per team), iterations run, and whether the budget ran out."""

    routes: list[list[int]]
    iterations: int
    budget_spent: bool


def search(pyvrp: ModuleType, model: Model, candidates: list[int], iterations: int,
           control: Control, initial: list[list[int]] | None = None) -> Outcome:
    """Lexicographic search over `candidates` (see the module docstring)."""
    levels = sorted({float(model.priority[i]) for i in candidates}, reverse=True)
    by_level = {lv: [i for i in candidates if float(model.priority[i]) == lv] for lv in levels}
    prize = int(sum(e - s for e, s in zip(model.limit_s, model.start_s, strict=True))) + 1
    iterations = budget(iterations, len(candidates))
    level_budget = iterations * (1 - TRAVEL_SHARE)
    routes = [list(r) for r in initial] if initial else [[] for _ in model.starts]
    chosen = [node for route in routes for node in route]
    work = _Work(control, iterations)
    large = len(candidates) > RESTART_UP_TO
    restarts = 1 if large else RESTARTS
    work.perturbations = LARGE_PERTURBATIONS if large else PERTURBATIONS
    for lv in levels:
        fresh = [i for i in by_level[lv] if i not in set(chosen)]
        if not fresh:
            continue
        # this level's share of what is left, by its size among the levels not yet searched
        share = len(by_level[lv]) / sum(len(by_level[x]) for x in levels if x <= lv)
        cap = max(MIN_STAGE, int((level_budget - work.done) * share) // restarts)
        nodes, required, prizes = chosen + fresh, set(chosen), dict.fromkeys(fresh, prize)
        swap = _swappable(model, by_level, levels, lv, set(chosen))
        if swap:  # the level above that left targets out may change which of them it keeps
            kept_above, out_above = swap
            required -= set(kept_above)
            prizes.update(dict.fromkeys(kept_above + out_above, prize * (len(fresh) + 1)))
            nodes = chosen + out_above + fresh
        found = _best_of(pyvrp, model, nodes, required, prizes, routes, work, "level", lv, cap, restarts)
        if not swap or _count(found, swap[0] + swap[1]) >= len(swap[0]):
            routes = found  # (a run that kept fewer of the level above is not taken)
        routes = _force(pyvrp, model, routes, [i for i in fresh if i not in {n for r in routes for n in r}], work, lv)
        chosen = [node for route in routes for node in route]
        if control.stopped:
            return Outcome(routes, work.done, False)
    if chosen:
        cap = max(MIN_STAGE, iterations - work.done)
        stage = _Stage(control, "travel", None, work.done, iterations, cap)
        routes, used = _run(pyvrp, model, chosen, set(chosen), {}, routes, stage, work.perturbations)
        work.add(stage, used)
    return Outcome(routes, work.done, work.spent)


def _count(routes: list[list[int]], nodes: list[int]) -> int:
    """How many of `nodes` the routes visit."""
    wanted = set(nodes)
    return sum(1 for route in routes for node in route if node in wanted)


def _swappable(model: Model, by_level: dict[float, list[int]], levels: list[float], lv: float,
               chosen: set[int]) -> tuple[list[int], list[int]] | None:
    """For the search of level `lv`: the nearest higher level that keeps some of its targets and
    leaves some out, as (kept, left out) — its kept targets need not be the ones chosen for
    least travel at its own stage, only as many (`SWAP_LEVELS`); None when there is none."""
    if not SWAP_LEVELS:
        return None
    for above in sorted(x for x in levels if x > lv):
        kept = [i for i in by_level[above] if i in chosen]
        out = [i for i in by_level[above] if i not in chosen]
        if kept and out:
            return kept, out
    return None


def _force(pyvrp: ModuleType, model: Model, routes: list[list[int]], out: list[int], work: _Work,
           lv: float) -> list[list[int]]:
    """Each of the level's targets still `out` (the FORCE_TRIES of least detour) tried as required
    beside every chosen one; a feasible plan found has one more of the level and is kept."""
    order = sorted(out, key=lambda i: (min(least_detour(model, r, i, v) for v, r in enumerate(routes)), i))
    for node in order[:FORCE_TRIES]:
        chosen = [n for r in routes for n in r]
        stage = _Stage(work.control, "level", lv, work.done, work.total, FORCE_CAP)
        found, used = _run(pyvrp, model, chosen + [node], set(chosen) | {node}, {}, routes, stage,
                           work.perturbations)
        work.add(stage, used)
        if node in {n for r in found for n in r}:
            routes = found
        if work.control.stopped:
            break
    return routes


def budget(iterations: int, candidates: int) -> int:
    """The iterations of a search over `candidates` targets: `iterations` per
    TARGETS_PER_BUDGET of them, at least `iterations`."""
    return max(int(iterations), int(iterations) * int(candidates) // TARGETS_PER_BUDGET)


class _Work:
    """The iterations run so far, and whether every stage ran to its cap."""

    def __init__(self, control: Control, total: int):
        self.control, self.total = control, total
        self.done, self.spent = 0, True
        self.perturbations = PERTURBATIONS

    def add(self, stage: _Stage, used: int) -> None:
        self.done += used
        self.spent &= stage.hit_cap


def _best_of(pyvrp: ModuleType, model: Model, nodes: list[int], required: set[int], prizes: dict[int, int],
             routes: list[list[int]], work: _Work, name: str, level: float | None,
             cap: int, restarts: int) -> list[list[int]]:
    """`restarts` independent searches (seeds SEED, SEED + 1, …) from `routes`, each of at most
    `cap` iterations; the routes of the best: most prize collected, then least travel."""
    best = None
    for restart in range(restarts):
        stage = _Stage(work.control, name, level, work.done, work.total, cap)
        found, used = _run(pyvrp, model, nodes, required, prizes, routes, stage, work.perturbations,
                           SEED + restart)
        work.add(stage, used)
        kept = {node for route in found for node in route}
        key = (-sum(p for node, p in prizes.items() if node in kept),
               sum(model.travel(r, v) for v, r in enumerate(found)))
        if best is None or key < best[0]:
            best = (key, found)
        if work.control.stopped or len(kept & prizes.keys()) == len(prizes):
            break  # stopped, or every optional target in: more restarts cannot add one
    return best[1]


class _Stage:
    """PyVRP's stopping criterion for one stage: its iteration cap, a stall count, the Control."""

    def __init__(self, control: Control, name: str, level: float | None, before: int, total: int, cap: int):
        self.control, self.name, self.level = control, name, level
        self.before, self.total, self.cap = before, max(total, 1), cap
        self.stall = max(MIN_STALL, int(cap * STALL_SHARE))
        self.count = self.since = 0
        self.best = None
        self.hit_cap = False
        self.visited: int | None = None

    def __call__(self, best_cost: float) -> bool:
        if self.best is None or best_cost < self.best:
            self.best, self.since = best_cost, 0
        else:
            self.since += 1
        self.count += 1
        if self.count > self.cap:
            self.hit_cap = True
            return True
        if self.since > self.stall:
            return True
        done = min(1.0, (self.before + self.count) / self.total)
        return self.control.tick(Progress(done, self.name, self.level, self.visited))


def _run(pyvrp: ModuleType, model: Model, nodes: list[int], required: set[int], prizes: dict[int, int],
         routes: list[list[int]], stage: _Stage, perturbations: tuple[int, int] = PERTURBATIONS,
         seed: int = SEED) -> tuple[list[list[int]], int]:
    """One PyVRP search over `nodes` from `routes`; (best routes, iterations)."""
    data, locations = _problem(pyvrp, model, nodes, required, prizes)
    start = _solution(pyvrp, data, locations, routes)
    stage.visited = sum(len(r) for r in routes)
    penalty = pyvrp.PenaltyParams(max_penalty=max(100_000.0, 100.0 * max(prizes.values(), default=0)))
    neighbourhood = pyvrp.search.NeighbourhoodParams(num_neighbours=min(NEIGHBOURS, max(1, len(nodes) - 1)))
    params = pyvrp.SolveParams(penalty=penalty, neighbourhood=neighbourhood,
                               perturbation=pyvrp.search.PerturbationParams(*perturbations))
    result = pyvrp.solve(data, stage, seed=seed, collect_stats=False, params=params, initial_solution=start)
    best = result.best
    if not best.is_feasible():  # nothing feasible found: keep the routes it started from
        return routes, stage.count
    return _routes(data, locations, best, len(model.starts)), stage.count


def _problem(pyvrp: ModuleType, model: Model, nodes: list[int], required: set[int],
             prizes: dict[int, int]) -> tuple[object, list[int]]:
    """PyVRP's ProblemData: the teams' depots first, then `nodes`; one profile per matrix."""
    depots = sorted(set(model.starts) | set(model.ends))
    locations = depots + list(nodes)
    index = np.array(locations)
    profiles: dict[int, int] = {}
    matrices = []
    for seconds in model.seconds:
        if id(seconds) not in profiles:
            profiles[id(seconds)] = len(matrices)
            matrices.append(np.ascontiguousarray(seconds[np.ix_(index, index)], dtype=np.int64))
    clients = [pyvrp.Client(len(depots) + k, service_duration=int(model.service_s[node]),
                            tw_early=int(model.tw[node, 0]), tw_late=int(model.tw[node, 1]),
                            prize=0 if node in required else prizes[node], required=node in required)
               for k, node in enumerate(nodes)]
    teams = [pyvrp.VehicleType(1, start_depot=depots.index(model.starts[v]), end_depot=depots.index(model.ends[v]),
                               tw_early=int(model.start_s[v]), tw_late=int(model.limit_s[v]),
                               start_late=int(model.start_s[v]), profile=profiles[id(model.seconds[v])])
             for v in range(len(model.starts))]
    data = pyvrp.ProblemData([pyvrp.Location(0, 0) for _ in locations], clients,
                             [pyvrp.Depot(k) for k in range(len(depots))], teams, matrices, matrices)
    return data, locations


def _solution(pyvrp: ModuleType, data: object, locations: list[int], routes: list[list[int]]) -> object | None:
    """`routes` (model nodes) as a PyVRP solution to start from; None when there are none."""
    if not any(routes):
        return None
    client = {node: k - data.num_depots for k, node in enumerate(locations) if k >= data.num_depots}
    return pyvrp.Solution(data, [pyvrp.Route(data, [client[n] for n in route], v)
                                 for v, route in enumerate(routes) if route])


def _routes(data: object, locations: list[int], solution: object, teams: int) -> list[list[int]]:
    """A PyVRP solution as model nodes per team (one vehicle per team, in team order)."""
    out: list[list[int]] = [[] for _ in range(teams)]
    for route in solution.routes():
        out[route.vehicle_type()] = [locations[data.client(a.idx).location] for a in route if a.is_client()]
    return out
