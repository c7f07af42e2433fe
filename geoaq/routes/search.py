"""The route search as the planner runs it: which solver does what, in which order.

Chosen by measurement (`bench/routes.py`, README "Inspection routes"):

1. **One team**: first the shortest order of every target (`geoaq.routes.tsp`, HGS). If that
   tour keeps every window and the working day, it is the plan: nothing is left out, so no
   other plan is better on priorities, and its travel is that of a TSP solver that reaches
   the TSPLIB optima.
2. **Otherwise** the lexicographic search of `geoaq.routes.ils` (PyVRP), or OR-Tools
   (`geoaq.routes.solver`) when PyVRP cannot be loaded, or, with neither, cheapest insertion.
3. `solver.promote`: a left-out target that fits by removing lower-priority stops goes in
   (the lexicographic check).
4. `tsp.polish`: each team's stops in their shortest order where no window binds; then
   left-out targets that now fit are inserted (`solver.promote` again).

A library that cannot be loaded is skipped with a note (`Outcome.notes`, shown in the plan's
warnings). Every step is deterministic for the same input (counts, fixed seeds); the
`Control` may end the search early (the user, the safety time cap), keeping the best routes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

from geoaq.i18n import Message, msg
from geoaq.routes import engines, ils, solver, tsp
from geoaq.routes.progress import BY_WORK, COMPLETED, Control, Progress
from geoaq.routes.solver import Model

#: OR-Tools limit checks per iteration of the budget when OR-Tools does the main search
ORTOOLS_STEPS_PER_ITERATION = 125


@dataclass
class Outcome:
    """The routes found and how: method, iterations, why the search ended, notes."""

    routes: list[list[int]]
    method: str
    iterations: int
    stopped_by: str
    status: str = "success"
    repaired: int = 0
    notes: list[Message] = field(default_factory=list)


def run(model: Model, candidates: list[int], iterations: int, control: Control,
        repair: bool = True) -> Outcome:
    """Routes through `candidates` (non-empty) for every team of `model`."""
    notes: list[Message] = []
    single = _single_sequence(model, candidates, control, notes)
    if single is not None:
        return Outcome([single], "hgs", tsp.ITERATIONS, control.stopped_by or COMPLETED, notes=notes)
    routes, method, done, stopped = _main(model, candidates, iterations, control, notes)
    repaired = 0
    if repair and not control.stopped:
        routes, repaired = solver.promote(model, routes, set(candidates))
    if not control.stopped and engines.load("hgs") is not None:
        control.tick(Progress(1.0, "polish"))
        routes, shortened = tsp.polish(model, routes)
        if shortened and repair:
            routes, more = solver.promote(model, routes, set(candidates))
            repaired += more
    elif engines.load("hgs") is None:
        notes.append(_missing("hgs"))
    return Outcome(routes, method, done, control.stopped_by or stopped, repaired=repaired, notes=notes)


def _single_sequence(model: Model, candidates: list[int], control: Control,
                     notes: list[Message]) -> list[int] | None:
    """One team's tour of every candidate when it keeps the windows and the day, else None."""
    if len(model.starts) != 1:
        return None
    control.tick(Progress(0.0, "tsp"))
    order = tsp.best_order(model.seconds[0], model.starts[0], model.ends[0], sorted(candidates))
    if order is None:
        notes.append(_missing("hgs"))
        return None
    return order if model.schedule(order, 0) is not None else None


def _main(model: Model, candidates: list[int], iterations: int, control: Control,
          notes: list[Message]) -> tuple[list[list[int]], str, int, str]:
    """The main search: PyVRP, else OR-Tools, else insertion; (routes, method, work, stop)."""
    pyvrp = engines.load("pyvrp")
    if pyvrp is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyVRP warns when its penalties reach their bound
            found = ils.search(pyvrp, model, candidates, iterations, control)
        return found.routes, "pyvrp", found.iterations, BY_WORK if found.budget_spent else COMPLETED
    notes.append(_missing("pyvrp"))
    if engines.load("ortools") is not None:
        steps = iterations * ORTOOLS_STEPS_PER_ITERATION
        found = solver.solve_ortools(model, candidates, steps, control)
        return found.routes, "ortools", found.work_done, found.stopped_by
    notes.append(_missing("ortools"))
    routes, _ = solver.promote(model, [[] for _ in model.starts], set(candidates))
    return routes, "insertion", 0, COMPLETED


def _missing(name: str) -> Message:
    """The note for a solver library that could not be loaded."""
    return msg("routes.warning.engine_missing", library=engines.MODULES[name].split(".")[0],
               reason=engines.missing(name) or "")
