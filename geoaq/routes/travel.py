"""Travel models of the route planner: whole seconds per team and metres between locations.

The locations are the targets (in the planner's order) followed by the distinct depots. A
`Travel` holds one (L × L) matrix of travel seconds per team (teams drive at their own
speed) and one of metres (NaN where only times are known). Three models:

* `default_travel`: great-circle distance × detour factor ÷ team speed;
* `matrix_travel`: a square matrix the caller supplies in the order of the targets (metres,
  km, seconds or minutes; N × N for the targets, depot legs then by the default model, or
  (N + K) × (N + K) with the K distinct depots after the targets in team order), read and
  checked by `read_matrix`;
* `road_travel`: shortest paths on a local road graph (`geoaq.routes.roadgraph.RoadGraph`)
  plus straight access legs from each location to its nearest graph node.

Times are rounded to whole seconds (the solver's arc costs); a pair without a road path
costs `UNREACHABLE_S`. This module imports nothing of the planner, so `roadgraph` can use
its great-circle distance without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from geoaq._errors import RoutingInputError

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
#: travel time standing for "no way there" (road graph without a path)
UNREACHABLE_S = 10**9
MATRIX_UNITS = {"m": ("distance", 1.0), "km": ("distance", 1000.0), "s": ("time", 1.0),
                "min": ("time", 60.0)}


# --- great-circle distance ----------------------------------------------------------------


def great_circle_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Haversine distance in metres on the mean-radius sphere (broadcasting)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def great_circle_matrix(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Great-circle metres between every pair of the given positions (square, symmetric)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return great_circle_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :])


# --- user matrices ------------------------------------------------------------------------


def read_matrix(source: Any, ids: list[str] | None = None) -> np.ndarray:
    """A square matrix from a CSV path, a DataFrame or an array; entries checked.

    A CSV may have a header row (and a first column) of target ids; then they must match
    `ids` in order. Missing, non-numeric, negative or infinite entries are refused with
    their row and column.
    """
    labels = None
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise RoutingInputError(f"matrix file {path} does not exist")
        from geoaq.ingest.encoding import decode_bytes

        text, _codec = decode_bytes(path.read_bytes(), "auto", path)
        rows = [line for line in text.splitlines() if line.strip()]
        cells = [[c.strip() for c in line.split(",")] for line in rows]
        if not cells:
            raise RoutingInputError(f"matrix file {path} is empty")
        if not _numeric(cells[0][-1]):  # header row of ids
            labels = [c for c in cells[0] if c]
            cells = cells[1:]
        if cells and not _numeric(cells[0][0]) and labels is not None:
            cells = [row[1:] for row in cells]
        if labels is not None and len(labels) == len(cells) + 1:
            labels = labels[1:]  # a corner cell above the id column
        width = {len(row) for row in cells}
        if len(width) > 1:
            bad = next(i for i, row in enumerate(cells) if len(row) != len(cells[0]))
            raise RoutingInputError(f"matrix file {path}: row {bad + 1 + (labels is not None)} has "
                                    f"{len(cells[bad])} values, the first row {len(cells[0])}")
        values = np.full((len(cells), len(cells[0]) if cells else 0), np.nan)
        for i, row in enumerate(cells):
            for j, cell in enumerate(row):
                if cell == "" or not _numeric(cell):
                    where = f"row {i + 1}, column {j + 1}"
                    raise RoutingInputError(f"matrix file {path}: {where} is "
                                            f"{'missing' if cell == '' else repr(cell)}, not a number")
                values[i, j] = float(cell)
        name = str(path)
    elif isinstance(source, pd.DataFrame):
        values = source.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        if not all(isinstance(c, int | np.integer) for c in source.columns):
            labels = [str(c) for c in source.columns]
        name = "matrix"
    else:
        values = np.asarray(source, dtype=float)
        name = "matrix"
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise RoutingInputError(f"{name} must be square; it is {' × '.join(map(str, values.shape))}")
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        i, j = bad[0]
        raise RoutingInputError(f"{name}: row {i + 1}, column {j + 1} is missing or not finite "
                                f"({len(bad)} such entries)")
    negative = np.argwhere(values < 0)
    if len(negative):
        i, j = negative[0]
        raise RoutingInputError(f"{name}: row {i + 1}, column {j + 1} is negative ({values[i, j]:g}); "
                                f"distances and times must be ≥ 0 ({len(negative)} negative entries)")
    if labels is not None and ids is not None and labels[: len(ids)] != list(ids)[: len(labels)]:
        first = next((k for k, (a, b) in enumerate(zip(labels, ids, strict=False)) if a != b), 0)
        raise RoutingInputError(f"{name}: the ids in its header are not the targets in order "
                                f"(position {first + 1}: {labels[first]!r} vs target {ids[first]!r})")
    return values


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- the travel models --------------------------------------------------------------------


@dataclass
class Travel:
    """Integer travel seconds per team and metres (NaN when unknown) between all locations."""

    seconds: list[np.ndarray]  # one (L × L) matrix per team
    metres: np.ndarray          # (L × L), NaN where only times are known
    description: str


class RoadNetwork(Protocol):
    """What `road_travel` needs of a road graph (`geoaq.routes.roadgraph.RoadGraph`)."""

    source: str

    @property
    def nodes(self) -> int: ...

    @property
    def edges(self) -> int: ...

    def matrices(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


def _whole_seconds(seconds: np.ndarray) -> np.ndarray:
    """`seconds` (a fresh array, changed in place) with a zero diagonal, rounded to int64."""
    np.fill_diagonal(seconds, 0)
    return np.rint(seconds).astype(np.int64)


def _at_speeds(metres: np.ndarray, speeds: list[float]) -> list[np.ndarray]:
    """Whole seconds per team: `metres` driven at each team's speed (km/h)."""
    return [_whole_seconds(metres / (speed / 3.6)) for speed in speeds]


def default_travel(lon: np.ndarray, lat: np.ndarray, speeds: list[float], detour_factor: float) -> Travel:
    """Great-circle distance × detour factor, driven at each team's speed."""
    metres = great_circle_matrix(lon, lat) * detour_factor
    return Travel(_at_speeds(metres, speeds), metres,
                  f"great-circle distance × {detour_factor:g} (detour factor) ÷ team speed")


def matrix_travel(lon: np.ndarray, lat: np.ndarray, n_targets: int, speeds: list[float],
                  detour_factor: float, matrix: Any, unit: str, ids: list[str]) -> Travel:
    """A supplied matrix (`read_matrix`) in `unit` for the targets, or for targets and depots;
    legs it does not cover (the depots' of an N × N matrix) by the default model."""
    size = len(lon)
    if unit not in MATRIX_UNITS:
        raise RoutingInputError(f"matrix unit must be one of {sorted(MATRIX_UNITS)}, got {unit!r}")
    values = read_matrix(matrix, ids)
    n = values.shape[0]
    if n == n_targets:
        block = slice(0, n_targets)
    elif n == size:
        block = slice(0, size)
    else:
        raise RoutingInputError(
            f"the matrix is {n} × {n}, but there are {n_targets} targets (and {size - n_targets} "
            f"distinct depots): give {n_targets} × {n_targets} in the order of the targets, or "
            f"{size} × {size} with the depots after the targets")
    default_m = great_circle_matrix(lon, lat) * detour_factor
    metres = default_m.copy()
    kind, factor = MATRIX_UNITS[unit]
    if kind == "distance":
        metres[block, block] = values * factor
        seconds = _at_speeds(metres, speeds)
    else:
        fixed_seconds = np.full((size, size), np.nan)
        fixed_seconds[block, block] = values * factor
        metres[block, block] = np.nan
        known = np.isfinite(fixed_seconds)
        seconds = [_whole_seconds(np.where(known, fixed_seconds, default_m / (speed / 3.6))) for speed in speeds]
    description = (f"supplied {n} × {n} matrix ({unit})"
                   + ("; depot legs by great-circle × detour ÷ speed" if n < size else ""))
    return Travel(seconds, metres, description)


def road_travel(graph: RoadNetwork, lon: np.ndarray, lat: np.ndarray, speeds: list[float]) -> Travel:
    """Fastest paths on `graph`, plus the access legs to the nearest node at each team's
    speed; pairs without a path cost `UNREACHABLE_S`."""
    metres, fixed_seconds, access = graph.matrices(lon, lat)
    seconds = []
    for speed in speeds:
        access_s = access / (speed / 3.6)
        team_s = fixed_seconds + access_s[:, None] + access_s[None, :]
        team_s[~np.isfinite(team_s)] = UNREACHABLE_S
        seconds.append(_whole_seconds(team_s))
    metres = metres + access[:, None] + access[None, :]
    np.fill_diagonal(metres, 0)
    description = (f"shortest paths on the road graph {graph.source} "
                   f"({graph.nodes} nodes, {graph.edges} edges); access legs to the nearest "
                   f"node by great-circle ÷ team speed")
    return Travel(seconds, metres, description)
