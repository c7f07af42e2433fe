"""The solver libraries the route search can use, loaded on first use and never required.

Three libraries, each optional, chosen by the routing bench (`bench/routes.py`, README
"Inspection routes"):

* ``pyvrp`` (PyVRP, MIT): iterated local search for vehicle routing with time windows,
  several depots, working days and optional targets — the main search (`geoaq.routes.ils`);
* ``hygese`` (HGS-CVRP by Vidal, MIT): hybrid genetic search, used on one team's stops as a
  travelling-salesman problem (`geoaq.routes.tsp`);
* ``ortools`` (OR-Tools, Apache-2.0): the routing library the planner used before; the main
  search when PyVRP cannot be loaded (`geoaq.routes.solver`).

A library that fails to import (missing, a broken wheel, a missing system library) is not
an error: `load` returns None and `missing` tells why, so the planner plans with the others
and says so in the plan's warnings.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: library → the module imported for it
MODULES = {"pyvrp": "pyvrp", "hgs": "hygese", "ortools": "ortools.constraint_solver.pywrapcp"}

_loaded: dict[str, ModuleType | None] = {}
_why: dict[str, str] = {}


def load(name: str) -> ModuleType | None:
    """The library `name` (a key of MODULES), or None when it cannot be imported."""
    if name not in _loaded:
        try:
            _loaded[name] = importlib.import_module(MODULES[name])
        except Exception as exc:  # any import failure only disables this library
            _loaded[name] = None
            _why[name] = f"{type(exc).__name__}: {exc}"
    return _loaded[name]


def missing(name: str) -> str | None:
    """Why library `name` could not be loaded (None when it loaded or was not tried)."""
    load(name)
    return _why.get(name)


def forget() -> None:
    """Forget what was loaded (tests that hide a library, then show it again)."""
    _loaded.clear()
    _why.clear()
