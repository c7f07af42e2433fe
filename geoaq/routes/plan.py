"""Inspection routes (巡查路线): the day's targets ordered into one route per team.

`plan_routes(targets, teams, ...)` builds an OR-Tools routing model (`pywrapcp.RoutingModel`)
and returns a `RoutePlan`: per team the ordered stops with ETA, leg distance and time and
totals, the targets left out (and why), the solver's objective and how long it searched.

The model
* one vehicle per team, each with its own start and end (the bureau or a team base), its own
  working-time limit (end − start ≤ hours) and speed;
* a time dimension whose transit is service time at the stop left + travel time, with slack
  so a team may wait for a target's time window (the inspection must *start* inside it);
* every target is optional (`AddDisjunction`) with a drop penalty; the arc cost is the
  travel time in seconds.

Priority-ordered drops. Targets are grouped by priority score (higher first). The penalty of
a target of level k is B + Σ (penalties of every target of a lower level), with B larger than
any possible total travel cost (Σ of the teams' working seconds + 1). Dropping one target of
level k therefore costs more than dropping *all* lower targets and driving any route, so the
objective is lexicographic: as many top-priority targets as fit, then as many of the next
level, …, then the shortest travel. After the search a check tries to put each dropped
target in by removing lower-priority stops (lowest first); any success is fed back to the
solver as its starting solution. A target that no team can reach even alone (time window,
working day, no road path) is left out before the search and reported with its reason.

Travel times. By default great-circle distance × detour factor ÷ team speed; or a square
matrix the caller supplies in the order of the targets (metres, km, seconds or minutes;
N × N for the targets, depot legs then by the default model, or (N + K) × (N + K) with the K
distinct depots after the targets in team order); or shortest paths on a local road graph
(`geoaq.routes.roadgraph`).

Determinism. The routing search (first solution + guided local search) is single-threaded
and has no random element; the same model gives the same sequence of moves. The search is
stopped by a *work limit* — a count of the solver's limit checks (an OR-Tools `CustomLimit`)
— not by the clock, so the stopping point and hence the routes are the same on a fast or a
slow, idle or busy machine. Targets are put into the model in a fixed order (priority, then
input order). The wall-clock limit is only a safety cap; a plan stopped by it says so in
`stopped_by`.
"""

from __future__ import annotations

import math
import time
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geoaq import config
from geoaq._errors import RoutingInputError

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
#: objective values stay below this (OR-Tools objectives are signed 64-bit)
_MAX_OBJECTIVE = 2**62
#: travel time standing for "no way there" (road graph without a path)
UNREACHABLE_S = 10**9
TARGET_COLUMNS = ["target_id", "kind", "name", "lon", "lat", "priority", "service_min",
                  "tw_start", "tw_end", "reason", "source"]
MATRIX_UNITS = {"m": ("distance", 1.0), "km": ("distance", 1000.0), "s": ("time", 1.0),
                "min": ("time", 60.0)}


# --- configuration ------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetType:
    """A kind of target: its labels, priority score and inspection (service) time."""

    name: str
    label_zh: str
    label_en: str
    priority: float
    service_min: float

    def label(self, lang: str = "zh") -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class Depot:
    name: str
    lon: float
    lat: float
    name_en: str = ""


@dataclass(frozen=True)
class RouteRules:
    """data/rules/routes.toml."""

    speed_kmh: float
    detour_factor: float
    day_start: str
    team_hours: float
    depot: Depot
    types: dict[str, TargetType]
    work_limit: int
    time_limit_s: float
    findings: dict[str, Any] = field(default_factory=dict)
    draw: dict[str, Any] = field(default_factory=dict)

    def type_of(self, kind: str) -> TargetType:
        return self.types.get(kind) or self.types["other"]

    def label(self, kind: str, lang: str = "zh") -> str:
        return self.type_of(kind).label(lang) if kind in self.types else kind


def load_route_rules(path: Path | None = None) -> RouteRules:
    """Read data/rules/routes.toml (or `path`)."""
    path = path or config.PROJECT_ROOT / "data" / "rules" / "routes.toml"
    raw = tomllib.loads(Path(path).read_text("utf-8"))
    try:
        types = {name: TargetType(name, str(v["label_zh"]), str(v.get("label_en", v["label_zh"])),
                                  float(v["priority"]), float(v["service_min"]))
                 for name, v in raw["types"].items()}
        if "other" not in types:
            types["other"] = TargetType("other", "其他", "Other", 0.0, 20.0)
        depot = raw["depot"]
        solver = raw.get("solver", {})
        return RouteRules(
            speed_kmh=float(raw["speed_kmh"]), detour_factor=float(raw["detour_factor"]),
            day_start=str(raw.get("day_start", "08:30")), team_hours=float(raw["team_hours"]),
            depot=Depot(str(depot["name"]), float(depot["lon"]), float(depot["lat"]),
                        str(depot.get("name_en", depot["name"]))),
            types=types, work_limit=int(solver.get("work_limit", 600_000)),
            time_limit_s=float(solver.get("time_limit_s", 30)),
            findings=dict(raw.get("findings", {})), draw=dict(raw.get("draw", {})),
        )
    except KeyError as exc:
        raise RoutingInputError(f"{path}: missing key {exc.args[0]!r}") from None


# --- teams --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Team:
    """An inspection team: where it starts and ends, how long it works, how fast it drives.

    `end` None means back to `start`; `speed_kmh`/`hours`/`day_start` None take the rules'.
    """

    name: str
    start: tuple[float, float]
    end: tuple[float, float] | None = None
    hours: float | None = None
    speed_kmh: float | None = None
    start_name: str = ""
    end_name: str = ""
    day_start: str | None = None

    @property
    def end_point(self) -> tuple[float, float]:
        return self.end if self.end is not None else self.start


def make_teams(count: int = 1, *, start: tuple[float, float] | None = None,
               end: tuple[float, float] | None = None, hours: float | None = None,
               speed_kmh: float | None = None, rules: RouteRules | None = None,
               lang: str = "zh") -> list[Team]:
    """`count` teams named 第1组… (Team 1…) starting and ending at `start` (default: the depot)."""
    rules = rules or load_route_rules()
    if count < 1:
        raise RoutingInputError(f"the number of teams must be at least 1 (got {count})")
    depot_name = rules.depot.name if lang == "zh" else rules.depot.name_en
    start_name = depot_name if start is None else ("出发点" if lang == "zh" else "Start")
    end_name = start_name if end is None else ("终点" if lang == "zh" else "End")
    start = start or (rules.depot.lon, rules.depot.lat)
    return [Team(name=(f"第{i}组" if lang == "zh" else f"Team {i}"), start=start, end=end,
                 hours=hours, speed_kmh=speed_kmh, start_name=start_name, end_name=end_name)
            for i in range(1, count + 1)]


def parse_lonlat(text: str, what: str = "position") -> tuple[float, float]:
    """'112.45,34.62' → (112.45, 34.62), checked to be a plausible WGS-84 position."""
    parts = [p.strip() for p in str(text).replace("，", ",").split(",")]
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except (ValueError, IndexError):
        raise RoutingInputError(f"{what}: expected LON,LAT (e.g. 112.45,34.62), got {text!r}") from None
    _check_position(lon, lat, what)
    return lon, lat


def _check_position(lon: float, lat: float, what: str) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise RoutingInputError(f"{what}: ({lon}, {lat}) is not a longitude/latitude")
    if abs(lon) <= 90 and abs(lat) > 90:
        raise RoutingInputError(f"{what}: ({lon}, {lat}) looks like LAT,LON; give LON,LAT")


def clock_seconds(value: Any, what: str) -> int | None:
    """'08:30', a time, a datetime or minutes-of-day → seconds after midnight; None when empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.hour * 3600 + value.minute * 60 + value.second
    if hasattr(value, "hour") and hasattr(value, "minute"):
        return value.hour * 3600 + value.minute * 60 + getattr(value, "second", 0)
    text = str(value).strip()
    if not text:
        return None
    if " " in text or "T" in text:  # a date-time: keep the time of day
        try:
            stamp = pd.Timestamp(text)
        except ValueError:
            raise RoutingInputError(f"{what}: cannot read the time {text!r} (use HH:MM)") from None
        return stamp.hour * 3600 + stamp.minute * 60 + stamp.second
    parts = text.replace("：", ":").split(":")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        raise RoutingInputError(f"{what}: cannot read the time {text!r} (use HH:MM)") from None
    if len(numbers) not in (2, 3) or not (0 <= numbers[0] <= 24 and 0 <= numbers[1] < 60):
        raise RoutingInputError(f"{what}: cannot read the time {text!r} (use HH:MM)")
    seconds = numbers[0] * 3600 + numbers[1] * 60 + (numbers[2] if len(numbers) == 3 else 0)
    if seconds > 24 * 3600:
        raise RoutingInputError(f"{what}: {text!r} is after 24:00")
    return seconds


def _hhmm(seconds: float) -> str:
    seconds = int(round(seconds))
    day, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return text + (f" (+{day}d)" if day else "")


# --- targets ------------------------------------------------------------------------------


def normalize_targets(targets: pd.DataFrame, rules: RouteRules) -> pd.DataFrame:
    """The targets with every column of TARGET_COLUMNS, defaults filled in and checked.

    Required: lon and lat. Missing ids become T001…, kind `other`, priority and service time
    come from the kind's entry in the rules.
    """
    if targets is None or len(targets) == 0:
        raise RoutingInputError("no targets to route: nothing was found or selected for the day")
    frame = targets.reset_index(drop=True).copy()
    missing = [c for c in ("lon", "lat") if c not in frame.columns]
    if missing:
        raise RoutingInputError(f"targets need lon and lat columns; missing {missing}; "
                                f"columns found: {list(frame.columns)}")
    if "target_id" not in frame.columns:
        frame["target_id"] = [f"T{i + 1:03d}" for i in range(len(frame))]
    frame["target_id"] = frame["target_id"].astype(str)
    duplicated = frame["target_id"][frame["target_id"].duplicated()].unique().tolist()
    if duplicated:
        raise RoutingInputError(f"target ids must be unique; repeated: {duplicated[:5]}")
    if "kind" not in frame.columns:
        frame["kind"] = "other"
    frame["kind"] = frame["kind"].fillna("other").astype(str)
    if "name" not in frame.columns:
        frame["name"] = frame["target_id"]
    frame["name"] = frame["name"].where(frame["name"].notna(), frame["target_id"]).astype(str)
    for column, attribute in (("priority", "priority"), ("service_min", "service_min")):
        default = frame["kind"].map(lambda k, a=attribute: getattr(rules.type_of(k), a))
        if column in frame.columns:
            values = pd.to_numeric(frame[column], errors="coerce")
            frame[column] = values.where(values.notna(), default).astype(float)
        else:
            frame[column] = default.astype(float)
    for column in ("tw_start", "tw_end", "reason", "source"):
        if column not in frame.columns:
            frame[column] = None
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    for i in range(len(frame)):
        what = f"target {frame.at[i, 'target_id']}"
        if pd.isna(lon[i]) or pd.isna(lat[i]):
            raise RoutingInputError(f"{what}: missing or non-numeric lon/lat "
                                    f"({frame.at[i, 'lon']!r}, {frame.at[i, 'lat']!r})")
        _check_position(float(lon[i]), float(lat[i]), what)
        if frame.at[i, "service_min"] < 0 or not math.isfinite(frame.at[i, "service_min"]):
            raise RoutingInputError(f"{what}: service time must be ≥ 0 minutes")
        if not math.isfinite(frame.at[i, "priority"]):
            raise RoutingInputError(f"{what}: priority must be a number")
    frame["lon"], frame["lat"] = lon.astype(float), lat.astype(float)
    return frame[TARGET_COLUMNS + [c for c in frame.columns if c not in TARGET_COLUMNS]]


# --- travel -------------------------------------------------------------------------------


def great_circle_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Haversine distance in metres on the mean-radius sphere (broadcasting)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def great_circle_matrix(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return great_circle_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :])


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


@dataclass
class _Travel:
    """Integer travel seconds per team and metres (NaN when unknown) between all locations."""

    seconds: list[np.ndarray]  # one (L × L) matrix per team
    metres: np.ndarray          # (L × L), NaN where only times are known
    description: str


def _travel(locations: pd.DataFrame, n_targets: int, teams: list[Team], speeds: list[float],
            rules: RouteRules, matrix: Any, matrix_unit: str, road_graph: Any,
            ids: list[str]) -> _Travel:
    lon, lat = locations["lon"].to_numpy(), locations["lat"].to_numpy()
    size = len(locations)
    default_m = great_circle_matrix(lon, lat) * rules.detour_factor
    metres = default_m.copy()
    fixed_seconds = None
    description = (f"great-circle distance × {rules.detour_factor:g} (detour factor) ÷ team speed")
    if matrix is not None and road_graph is not None:
        raise RoutingInputError("give either a matrix or a road graph, not both")
    if matrix is not None:
        if matrix_unit not in MATRIX_UNITS:
            raise RoutingInputError(f"matrix unit must be one of {sorted(MATRIX_UNITS)}, got {matrix_unit!r}")
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
        kind, factor = MATRIX_UNITS[matrix_unit]
        if kind == "distance":
            metres[block, block] = values * factor
        else:
            fixed_seconds = np.full((size, size), np.nan)
            fixed_seconds[block, block] = values * factor
            metres[block, block] = np.nan
        description = (f"supplied {n} × {n} matrix ({matrix_unit})"
                       + ("; depot legs by great-circle × detour ÷ speed" if n < size else ""))
    elif road_graph is not None:
        from geoaq.routes import roadgraph

        graph = (road_graph if isinstance(road_graph, roadgraph.RoadGraph)
                 else roadgraph.load(road_graph, rules.speed_kmh))
        metres, fixed_seconds, access = graph.matrices(lon, lat)
        description = (f"shortest paths on the road graph {graph.source} "
                       f"({graph.nodes} nodes, {graph.edges} edges); access legs to the nearest "
                       f"node by great-circle ÷ team speed")
        seconds = []
        for speed in speeds:
            access_s = access / (speed / 3.6)
            team_s = fixed_seconds + access_s[:, None] + access_s[None, :]
            team_s[~np.isfinite(team_s)] = UNREACHABLE_S
            np.fill_diagonal(team_s, 0)
            seconds.append(np.rint(team_s).astype(np.int64))
        metres = metres + access[:, None] + access[None, :]
        np.fill_diagonal(metres, 0)
        return _Travel(seconds, metres, description)
    seconds = []
    for speed in speeds:
        team_s = metres / (speed / 3.6)
        if fixed_seconds is not None:
            known = np.isfinite(fixed_seconds)
            team_s = np.where(known, fixed_seconds, default_m / (speed / 3.6))
        np.fill_diagonal(team_s, 0)
        seconds.append(np.rint(team_s).astype(np.int64))
    return _Travel(seconds, metres, description)


# --- the plan -----------------------------------------------------------------------------


@dataclass
class RoutePlan:
    """The routes of a day, ready to show, export or print.

    `stops`: one row per stop of every team, with the team's start (seq 0) and end rows:
    team, seq, kind, target_id, name, lon, lat, priority, arrival/start/departure (Beijing
    time), wait_min, service_min, leg_km, leg_min, cum_km, tw_start, tw_end, reason.
    `teams`: per team totals. `dropped`: targets not visited, with `drop_reason`.
    `objective` is the solver's (travel seconds + penalties of dropped targets).
    """

    day: date
    stops: pd.DataFrame
    teams: pd.DataFrame
    dropped: pd.DataFrame
    targets: pd.DataFrame
    objective: int
    travel_cost_s: int
    penalty_cost: int
    search_seconds: float
    stopped_by: str
    solver_status: str
    travel_model: str
    work_limit: int
    work_done: int
    warnings: list[str] = field(default_factory=list)
    repaired: int = 0

    def team_names(self) -> list[str]:
        return list(self.teams["team"])

    def team_stops(self, team: str) -> pd.DataFrame:
        return self.stops[self.stops["team"] == team].reset_index(drop=True)

    @property
    def visited(self) -> int:
        return int((~self.stops["kind"].isin(["start", "end"])).sum())

    def summary(self) -> str:
        km = self.teams["distance_km"].sum()
        return (f"{self.day}: {self.visited} of {len(self.targets)} targets in {len(self.teams)} "
                f"team route(s), {km:,.1f} km; {len(self.dropped)} left out. Solver objective "
                f"{self.objective:,} (travel {self.travel_cost_s:,} s + drop penalties "
                f"{self.penalty_cost:,}); searched {self.search_seconds:.2f} s, stopped by "
                f"{self.stopped_by} ({self.work_done:,} of {self.work_limit:,} steps). "
                f"Travel: {self.travel_model}.")


@dataclass
class _Model:
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
        path = [self.starts[v], *route, self.ends[v]]
        matrix = self.seconds[v]
        return int(sum(matrix[a, b] for a, b in zip(path, path[1:], strict=False)))


def _penalties(priority: np.ndarray, base: int) -> list[int]:
    """Per target: base + Σ penalties of all targets of strictly lower priority."""
    levels = sorted(set(priority.tolist()))
    level_penalty: dict[float, int] = {}
    below = 0
    for level in levels:
        level_penalty[level] = base + below
        below += level_penalty[level] * int((priority == level).sum())
    if below + base >= _MAX_OBJECTIVE:
        raise RoutingInputError(
            f"{len(levels)} distinct priority scores among {len(priority)} targets need drop "
            f"penalties beyond 64 bits; group the targets into fewer priority levels")
    return [level_penalty[p] for p in priority.tolist()]


def plan_routes(targets: pd.DataFrame, teams: list[Team] | None = None, *,
                rules: RouteRules | None = None, day: date | None = None,
                matrix: Any = None, matrix_unit: str = "m", road_graph: Any = None,
                work_limit: int | None = None, time_limit_s: float | None = None,
                repair: bool = True) -> RoutePlan:
    """Order `targets` into one route per team (see the module docstring).

    `targets`: lon, lat and optionally target_id, kind, name, priority, service_min,
    tw_start/tw_end ('HH:MM', Beijing time), reason. `teams` default to one team from the
    rules' depot. `matrix` (CSV path, DataFrame or array) in `matrix_unit` m|km|s|min;
    `road_graph` a path to a GraphML or GeoJSON/GeoPackage line file (or a loaded
    `geoaq.routes.roadgraph.RoadGraph`).
    """
    rules = rules or load_route_rules()
    day = day or date.today()
    frame = normalize_targets(targets, rules)
    teams = list(teams) if teams else make_teams(1, rules=rules)
    work_limit = int(rules.work_limit if work_limit is None else work_limit)
    time_limit_s = float(rules.time_limit_s if time_limit_s is None else time_limit_s)
    if work_limit < 1 or time_limit_s <= 0:
        raise RoutingInputError("the work limit and the time limit must be positive")
    names = [t.name for t in teams]
    if len(set(names)) != len(names):
        raise RoutingInputError(f"team names must be unique: {names}")

    # stable order: priority (high first), then the order given
    frame = frame.assign(_order=range(len(frame))).sort_values(
        ["priority", "_order"], ascending=[False, True], kind="stable").drop(columns="_order")
    frame = frame.reset_index(drop=True)
    n = len(frame)

    hours, speeds, start_s = [], [], []
    for team in teams:
        h = rules.team_hours if team.hours is None else float(team.hours)
        s = rules.speed_kmh if team.speed_kmh is None else float(team.speed_kmh)
        if not math.isfinite(h) or h <= 0:
            raise RoutingInputError(f"team {team.name}: working hours must be more than 0 (got {h:g})")
        if h > 24:
            raise RoutingInputError(f"team {team.name}: working hours must be at most 24 (got {h:g})")
        if not math.isfinite(s) or s <= 0:
            raise RoutingInputError(f"team {team.name}: speed must be more than 0 km/h (got {s:g})")
        _check_position(*team.start, f"team {team.name} start")
        _check_position(*team.end_point, f"team {team.name} end")
        hours.append(h)
        speeds.append(s)
        start_s.append(clock_seconds(team.day_start or rules.day_start, f"team {team.name} day start") or 0)

    # locations: the targets, then each distinct depot position in team order
    depots: list[tuple[float, float]] = []
    for team in teams:
        for point in (team.start, team.end_point):
            if point not in depots:
                depots.append(point)
    locations = pd.DataFrame({
        "lon": [*frame["lon"], *(p[0] for p in depots)],
        "lat": [*frame["lat"], *(p[1] for p in depots)],
    })
    travel = _travel(locations, n, teams, speeds, rules, matrix, matrix_unit, road_graph,
                     list(frame["target_id"]))

    tw = np.zeros((len(locations), 2), dtype=np.int64)
    horizon = max(s + int(h * 3600) for s, h in zip(start_s, hours, strict=True))
    tw[:, 1] = horizon
    for i, row in frame.iterrows():
        what = f"target {row['target_id']} time window"
        lo, hi = clock_seconds(row["tw_start"], what), clock_seconds(row["tw_end"], what)
        lo = 0 if lo is None else lo
        hi = horizon if hi is None else hi
        if hi < lo:
            raise RoutingInputError(f"{what}: ends ({_hhmm(hi)}) before it starts ({_hhmm(lo)})")
        tw[i] = (lo, min(hi, horizon))
    service = np.zeros(len(locations), dtype=np.int64)
    service[:n] = np.rint(frame["service_min"].to_numpy() * 60).astype(np.int64)
    limit_s = [s + int(round(h * 3600)) for s, h in zip(start_s, hours, strict=True)]
    base = sum(int(round(h * 3600)) for h in hours) + 1
    priority = frame["priority"].to_numpy(dtype=float)
    model = _Model(
        n=n, service_s=service, tw=tw, priority=priority, penalty=_penalties(priority, base),
        starts=[n + depots.index(t.start) for t in teams], ends=[n + depots.index(t.end_point) for t in teams],
        start_s=start_s, limit_s=limit_s, seconds=travel.seconds, horizon=horizon,
    )

    # targets no team can reach even alone are left out before the search
    unreachable: dict[int, str] = {}
    for i in range(n):
        reasons = [_alone_reason(model, i, v) for v in range(len(teams))]
        if all(r is not None for r in reasons):
            unreachable[i] = _worst_reason(reasons, frame.iloc[i], model)
    candidates = [i for i in range(n) if i not in unreachable]

    started = time.perf_counter()
    solution = _solve(model, candidates, work_limit, time_limit_s) if candidates else None
    routes = solution.routes if solution else [[] for _ in teams]
    repaired = 0
    if solution and repair:
        promoted, repaired = _promote(model, routes, set(candidates))
        if repaired:
            again = _solve(model, candidates, max(work_limit // 4, 1000), time_limit_s, promoted)
            if _lexicographic_key(model, again.routes, candidates) <= _lexicographic_key(model, promoted, candidates):
                solution, routes = again, again.routes
            else:  # keep the repaired routes; their objective is computed, not the solver's
                routes = promoted
                solution = replace(solution, routes=promoted, objective=sum(_lexicographic_key(model, promoted, candidates)))
    seconds = time.perf_counter() - started
    return _build_plan(frame, teams, model, travel, routes, unreachable, solution, day, seconds,
                       work_limit, rules, repaired, hours, speeds)


def _alone_reason(model: _Model, i: int, v: int) -> str | None:
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


def _worst_reason(reasons: list[str | None], row: pd.Series, model: _Model) -> str:
    if all(r == "no_path" for r in reasons):
        return "no_path"
    return "window" if "window" in reasons else "too_far"


@dataclass
class _Solution:
    routes: list[list[int]]
    objective: int
    status: str
    stopped_by: str
    work_done: int


_STATUS = {0: "not solved", 1: "success", 2: "partial success (local optimum not reached)",
           3: "fail", 4: "fail (time out)", 5: "invalid", 6: "infeasible", 7: "optimal"}


def _solve(model: _Model, candidates: list[int], work_limit: int, time_limit_s: float,
           initial: list[list[int]] | None = None) -> _Solution:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

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
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    params.sat_parameters.num_workers = 1
    checks = [0]

    def _limit() -> bool:
        checks[0] += 1
        return checks[0] >= work_limit

    routing.AddSearchMonitor(routing.solver().CustomLimit(_limit))
    started = time.perf_counter()
    if initial is not None:
        start_routes = [[manager.NodeToIndex(local[node]) for node in route if node in local]
                        for route in initial]
        assignment = routing.ReadAssignmentFromRoutes(start_routes, True)
        solution = routing.SolveFromAssignmentWithParameters(assignment, params) if assignment else None
        if solution is None and assignment is not None:
            solution = assignment
    else:
        solution = routing.SolveWithParameters(params)
    elapsed = time.perf_counter() - started
    status = _STATUS.get(routing.status(), str(routing.status()))
    if solution is None:
        return _Solution([[] for _ in range(teams)], 0, status, "no solution found", checks[0])
    routes = []
    for v in range(teams):
        point, route = routing.Start(v), []
        point = solution.Value(routing.NextVar(point))
        while not routing.IsEnd(point):
            route.append(nodes[manager.IndexToNode(point)])
            point = solution.Value(routing.NextVar(point))
        routes.append(route)
    if checks[0] >= work_limit:
        stopped = "work limit"
    elif elapsed >= time_limit_s * 0.98:
        stopped = "time limit"
    else:
        stopped = "search completed"
    return _Solution(routes, int(solution.ObjectiveValue()), status, stopped, checks[0])


# --- priority check and repair ------------------------------------------------------------


def _lexicographic_key(model: _Model, routes: list[list[int]], candidates: list[int]) -> tuple[int, int]:
    """(penalties of dropped candidates, travel) — lower is better; penalties dominate."""
    kept = {node for route in routes for node in route}
    dropped = sum(model.penalty[i] for i in candidates if i not in kept)
    return dropped, sum(model.travel(route, v) for v, route in enumerate(routes))


def _best_insertion(model: _Model, route: list[int], node: int, v: int) -> tuple[int, list[int]] | None:
    best = None
    for position in range(len(route) + 1):
        trial = route[:position] + [node] + route[position:]
        if model.schedule(trial, v) is None:
            continue
        cost = model.travel(trial, v)
        if best is None or cost < best[0]:
            best = (cost, trial)
    return best


def _promote(model: _Model, routes: list[list[int]], candidates: set[int]) -> tuple[list[list[int]], int]:
    """Put dropped targets in where lower-priority stops can make room; (routes, changes)."""
    routes = [list(r) for r in routes]
    changes = 0
    for _round in range(model.n):
        kept = {node for route in routes for node in route}
        dropped = sorted((i for i in candidates if i not in kept), key=lambda i: (-model.priority[i], i))
        improved = False
        for node in dropped:
            best = None
            for v, route in enumerate(routes):
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


# --- the result tables --------------------------------------------------------------------

DROP_REASONS = {
    "no_time": ("当日工作时间内无法安排（优先级较低者先舍弃）", "does not fit in the working day (lowest priority left out first)"),
    "window": ("时间窗内无法到达", "its time window cannot be reached"),
    "too_far": ("单独前往也无法在工作时间内往返", "too far to go and come back within the working day"),
    "no_path": ("道路网中没有通往该点的路径", "no path to it on the road graph"),
}


def _build_plan(frame: pd.DataFrame, teams: list[Team], model: _Model, travel: _Travel,
                routes: list[list[int]], unreachable: dict[int, str], solution: _Solution | None,
                day: date, seconds: float, work_limit: int, rules: RouteRules, repaired: int,
                hours: list[float], speeds: list[float]) -> RoutePlan:
    midnight = pd.Timestamp(day)
    rows, totals = [], []

    def stamp(secs: float) -> pd.Timestamp:
        return midnight + pd.Timedelta(seconds=int(secs))

    for v, (team, route) in enumerate(zip(teams, routes, strict=True)):
        schedule = model.schedule(route, v)
        if schedule is None:  # cannot happen for a solver route; keep the plan honest if it does
            raise RoutingInputError(f"internal check failed: the route of {team.name} breaks a constraint")
        matrix = model.seconds[v]
        here, cum_km = model.starts[v], 0.0
        rows.append({"team": team.name, "seq": 0, "kind": "start", "target_id": "", "name": team.start_name or "出发",
                     "lon": team.start[0], "lat": team.start[1], "priority": np.nan,
                     "arrival": pd.NaT, "start": pd.NaT, "departure": stamp(model.start_s[v]),
                     "wait_min": 0.0, "service_min": 0.0, "leg_km": np.nan, "leg_min": np.nan, "cum_km": 0.0,
                     "tw_start": None, "tw_end": None, "reason": ""})
        wait_total = 0.0
        for seq, (node, (arrival, begin, depart)) in enumerate(zip(route, schedule, strict=True), start=1):
            leg_km = travel.metres[here, node] / 1000
            cum_km += 0.0 if np.isnan(leg_km) else leg_km
            target = frame.iloc[node]
            wait_total += (begin - arrival) / 60
            rows.append({"team": team.name, "seq": seq, "kind": target["kind"], "target_id": target["target_id"],
                         "name": target["name"], "lon": target["lon"], "lat": target["lat"],
                         "priority": target["priority"], "arrival": stamp(arrival), "start": stamp(begin),
                         "departure": stamp(depart), "wait_min": (begin - arrival) / 60,
                         "service_min": model.service_s[node] / 60, "leg_km": leg_km,
                         "leg_min": matrix[here, node] / 60, "cum_km": cum_km,
                         "tw_start": target["tw_start"], "tw_end": target["tw_end"],
                         "reason": target["reason"] if isinstance(target["reason"], str) else ""})
            here = node
        end_clock = (schedule[-1][2] if schedule else model.start_s[v]) + int(matrix[here, model.ends[v]])
        leg_km = travel.metres[here, model.ends[v]] / 1000
        cum_km += 0.0 if np.isnan(leg_km) else leg_km
        end = team.end_point
        rows.append({"team": team.name, "seq": len(route) + 1, "kind": "end", "target_id": "",
                     "name": team.end_name or team.start_name or "返回", "lon": end[0], "lat": end[1],
                     "priority": np.nan, "arrival": stamp(end_clock), "start": pd.NaT, "departure": pd.NaT,
                     "wait_min": 0.0, "service_min": 0.0, "leg_km": leg_km,
                     "leg_min": matrix[here, model.ends[v]] / 60, "cum_km": cum_km,
                     "tw_start": None, "tw_end": None, "reason": ""})
        travel_min = model.travel(route, v) / 60
        service_min = float(sum(model.service_s[i] for i in route) / 60)
        known_km = not np.isnan(travel.metres[np.ix_([model.starts[v], *route], [*route, model.ends[v]])]).any()
        totals.append({"team": team.name, "stops": len(route), "distance_km": cum_km if known_km else np.nan,
                       "travel_min": travel_min, "service_min": service_min, "wait_min": wait_total,
                       "duration_min": (end_clock - model.start_s[v]) / 60, "hours_limit": hours[v],
                       "speed_kmh": speeds[v], "depart": stamp(model.start_s[v]), "return": stamp(end_clock),
                       "start_name": team.start_name, "end_name": team.end_name or team.start_name})
    stops = pd.DataFrame(rows)
    team_table = pd.DataFrame(totals)
    kept = {node for route in routes for node in route}
    dropped_rows = []
    for i in range(model.n):
        if i in kept:
            continue
        reason = unreachable.get(i, "no_time")
        dropped_rows.append({**frame.iloc[i].to_dict(), "drop_reason": reason,
                             "drop_reason_text": DROP_REASONS[reason][0]})
    dropped = pd.DataFrame(dropped_rows, columns=[*frame.columns, "drop_reason", "drop_reason_text"])
    travel_cost = sum(model.travel(route, v) for v, route in enumerate(routes))
    penalty_cost = sum(model.penalty[i] for i in range(model.n) if i not in kept and i not in unreachable)
    warnings = []
    for i, reason in sorted(unreachable.items()):
        target = frame.iloc[i]
        window = ""
        if reason == "window":
            window = f"（时间窗 {_hhmm(model.tw[i, 0])}–{_hhmm(model.tw[i, 1])}）"
        warnings.append(f"目标 {target['target_id']}「{target['name']}」{DROP_REASONS[reason][0]}{window}，未排入路线 / "
                        f"target {target['target_id']}: {DROP_REASONS[reason][1]}; left out")
    return RoutePlan(
        day=day, stops=stops, teams=team_table, dropped=dropped, targets=frame,
        objective=travel_cost + penalty_cost if solution is None else int(solution.objective),
        travel_cost_s=int(travel_cost), penalty_cost=int(penalty_cost), search_seconds=seconds,
        stopped_by=solution.stopped_by if solution else "nothing to search",
        solver_status=solution.status if solution else "not solved", travel_model=travel.description,
        work_limit=work_limit, work_done=solution.work_done if solution else 0, warnings=warnings,
        repaired=repaired,
    )


def with_team_defaults(teams: list[Team], rules: RouteRules) -> list[Team]:
    """The teams with hours and speed filled from the rules (for display)."""
    return [replace(t, hours=rules.team_hours if t.hours is None else t.hours,
                    speed_kmh=rules.speed_kmh if t.speed_kmh is None else t.speed_kmh) for t in teams]


def nearest_neighbour_tour(seconds: np.ndarray, start: int, nodes: list[int], end: int | None = None) -> list[int]:
    """The nearest-neighbour order of `nodes` from `start` (a baseline for the bench)."""
    left, here, tour = set(nodes), start, []
    while left:
        nxt = min(left, key=lambda k: (seconds[here, k], k))
        tour.append(nxt)
        left.remove(nxt)
        here = nxt
    return tour

