"""Inspection routes (巡查路线): the day's targets ordered into one route per team.

`plan_routes(targets, teams, ...)` is the entry point. It reads and checks the targets
(`geoaq.routes.inputs`), puts them in a fixed order (priority, then input order), builds the
travel times (`geoaq.routes.travel`: great-circle × detour ÷ speed, a supplied matrix, or a
road graph from `geoaq.routes.roadgraph`), the routing model and its search
(`geoaq.routes.search`: priority-ordered drops, deterministic iteration counts, progress
and a user's stop through `geoaq.routes.progress`), and returns a
`RoutePlan`: per team the ordered stops with ETA, leg distance and time and totals, the
targets left out (and why), the solver's objective and how long it searched. A target that
no team can reach even alone (time window, working day, no road path) is left out before
the search and reported with its reason in `warnings`. Drop reasons are codes (words:
routes.drop.<code>), warnings `geoaq.i18n.Message`s; a target's reason stays what it was given
(a message from `geoaq.routes.targets`, or text from a file).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from geoaq._errors import RoutingInputError
from geoaq.i18n import DEFAULT_LANGUAGE, Joined, Message, msg, t
from geoaq.routes import search, solver, travel
from geoaq.routes.inputs import check_position, clock_seconds, hhmm, normalize_targets
from geoaq.routes.progress import Callback, Control
from geoaq.routes.rules import RouteRules, Team, load_route_rules, make_teams
from geoaq.routes.search import Outcome
from geoaq.routes.solver import Model
from geoaq.routes.travel import Travel

#: why a target is left out (words: routes.drop.<code>)
DROP_REASONS = ("no_time", "window", "too_far", "no_path")


def _reason(value: Any) -> Any:
    """A target's reason as the plan keeps it: a message or text, else ""."""
    return value if isinstance(value, str | Message | Joined) else ""


@dataclass
class RoutePlan:
    """The routes of a day, ready to show, export or print.

    `stops`: one row per stop of every team, with the team's start (seq 0) and end rows:
    team, seq, kind, target_id, name, lon, lat, priority, arrival/start/departure (Beijing
    time), wait_min, service_min, leg_km, leg_min, cum_km, tw_start, tw_end, reason.
    `teams`: per team totals. `dropped`: targets not visited, with `drop_reason`.
    `objective` is travel seconds + penalties of dropped targets; `method` the search that
    found the routes (hgs, pyvrp, ortools, insertion: `geoaq.routes.search`), `work_done`
    its iterations; `warnings` include a solver library that could not be loaded;
    `plan_id` the id it was saved under (for the findings to come back to), if saved.
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
    warnings: list[Message] = field(default_factory=list)
    repaired: int = 0
    method: str = ""
    plan_id: int | None = None  # once saved (`geoaq.routes.findings.save_plan`)

    def team_names(self) -> list[str]:
        return list(self.teams["team"])

    def team_stops(self, team: str) -> pd.DataFrame:
        return self.stops[self.stops["team"] == team].reset_index(drop=True)

    @property
    def visited(self) -> int:
        return int((~self.stops["kind"].isin(["start", "end"])).sum())

    def summary(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """One line on the plan and its search, in `lang` (routes.summary)."""
        return t("routes.summary", lang, day=self.day, visited=self.visited, targets=len(self.targets),
                 teams=len(self.teams), km=self.teams["distance_km"].sum(), dropped=len(self.dropped),
                 objective=self.objective, travel=self.travel_cost_s, penalty=self.penalty_cost,
                 seconds=self.search_seconds, stopped=self.stopped_by, done=self.work_done,
                 limit=self.work_limit, model=self.travel_model)


def plan_routes(targets: pd.DataFrame, teams: list[Team] | None = None, *,
                rules: RouteRules | None = None, day: date | None = None,
                matrix: Any = None, matrix_unit: str = "m", road_graph: Any = None,
                work_limit: int | None = None, time_limit_s: float | None = None,
                repair: bool = True, progress: Callback | None = None,
                control: Control | None = None) -> RoutePlan:
    """Order `targets` into one route per team (see the module docstring).

    `targets`: lon, lat and optionally target_id, kind, name, priority, service_min,
    tw_start/tw_end ('HH:MM', Beijing time), reason. `teams` default to one team from the
    rules' depot. `matrix` (CSV path, DataFrame or array) in `matrix_unit` m|km|s|min;
    `road_graph` a path to a GraphML or GeoJSON/GeoPackage line file (or a loaded
    `geoaq.routes.roadgraph.RoadGraph`). `work_limit`: search iterations (a count, so the
    same input gives the same plan); `time_limit_s` a safety cap. `progress` is called while
    the search runs (`geoaq.routes.progress.Progress`); returning "stop" ends it with the
    best plan so far. A `control` made by the caller may be stopped from outside (Ctrl-C).
    """
    rules = rules or load_route_rules()
    day = day or date.today()
    work_limit = int(rules.work_limit if work_limit is None else work_limit)
    time_limit_s = float(rules.time_limit_s if time_limit_s is None else time_limit_s)
    if work_limit < 1 or time_limit_s <= 0:
        raise RoutingInputError("the work limit and the time limit must be positive")
    case = route_model(targets, teams, rules=rules, matrix=matrix, matrix_unit=matrix_unit,
                       road_graph=road_graph)
    started = time.perf_counter()
    control = control or Control(progress, time_limit_s)
    outcome = search.run(case.model, case.candidates, work_limit, control, repair) if case.candidates else None
    seconds = time.perf_counter() - started
    return _build_plan(case, outcome, day, seconds, work_limit)


@dataclass
class RouteCase:
    """What the search is given: the checked targets (in the planner's order), the teams,
    the model, its travel, and the targets out of reach (left out before the search)."""

    frame: pd.DataFrame
    teams: list[Team]
    model: Model
    travel: Travel
    hours: list[float]
    speeds: list[float]
    unreachable: dict[int, str]

    @property
    def candidates(self) -> list[int]:
        return [i for i in range(self.model.n) if i not in self.unreachable]


def route_model(targets: pd.DataFrame, teams: list[Team] | None = None, *, rules: RouteRules | None = None,
                matrix: Any = None, matrix_unit: str = "m", road_graph: Any = None) -> RouteCase:
    """The targets and teams read, checked and turned into the search's model (the bench
    runs other solvers on exactly what the planner searches)."""
    rules = rules or load_route_rules()
    frame = normalize_targets(targets, rules)
    teams = list(teams) if teams else make_teams(1, rules=rules)
    names = [t.name for t in teams]
    if len(set(names)) != len(names):
        raise RoutingInputError(f"team names must be unique: {names}")

    # stable order: priority (high first), then the order given
    frame = frame.assign(_order=range(len(frame))).sort_values(
        ["priority", "_order"], ascending=[False, True], kind="stable").drop(columns="_order")
    frame = frame.reset_index(drop=True)
    hours, speeds, start_s = _team_settings(teams, rules)

    # locations: the targets, then each distinct depot position in team order
    depots = _depots(teams)
    locations = pd.DataFrame({
        "lon": [*frame["lon"], *(p[0] for p in depots)],
        "lat": [*frame["lat"], *(p[1] for p in depots)],
    })
    model_travel = _travel(locations, len(frame), speeds, rules, matrix, matrix_unit, road_graph,
                           list(frame["target_id"]))
    model = _model(frame, teams, depots, model_travel, hours, start_s)
    # targets no team can reach even alone are left out before the search
    return RouteCase(frame, teams, model, model_travel, hours, speeds, solver.unreachable_targets(model))


# --- the model's inputs -------------------------------------------------------------------


def _team_settings(teams: list[Team], rules: RouteRules) -> tuple[list[float], list[float], list[int]]:
    """Per team: working hours, speed (km/h) and day start (seconds), checked."""
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
        check_position(*team.start, f"team {team.name} start")
        check_position(*team.end_point, f"team {team.name} end")
        hours.append(h)
        speeds.append(s)
        start_s.append(clock_seconds(team.day_start or rules.day_start, f"team {team.name} day start") or 0)
    return hours, speeds, start_s


def _depots(teams: list[Team]) -> list[tuple[float, float]]:
    """The distinct start and end positions of the teams, in team order."""
    depots: list[tuple[float, float]] = []
    for team in teams:
        for point in (team.start, team.end_point):
            if point not in depots:
                depots.append(point)
    return depots


def _travel(locations: pd.DataFrame, n_targets: int, speeds: list[float], rules: RouteRules,
            matrix: Any, matrix_unit: str, road_graph: Any, ids: list[str]) -> Travel:
    """The travel model asked for: a supplied matrix, a road graph, or the default."""
    lon, lat = locations["lon"].to_numpy(), locations["lat"].to_numpy()
    if matrix is not None and road_graph is not None:
        raise RoutingInputError("give either a matrix or a road graph, not both")
    if matrix is not None:
        return travel.matrix_travel(lon, lat, n_targets, speeds, rules.detour_factor, matrix, matrix_unit, ids)
    if road_graph is not None:
        # imported here: networkx takes ~0.5 s to import, needed only with a road graph
        from geoaq.routes import roadgraph

        graph = (road_graph if isinstance(road_graph, roadgraph.RoadGraph)
                 else roadgraph.load(road_graph, rules.speed_kmh))
        return travel.road_travel(graph, lon, lat, speeds)
    return travel.default_travel(lon, lat, speeds, rules.detour_factor)


def _model(frame: pd.DataFrame, teams: list[Team], depots: list[tuple[float, float]], model_travel: Travel,
           hours: list[float], start_s: list[int]) -> Model:
    """The solver's model: time windows and service in seconds, working days, drop penalties."""
    n = len(frame)
    size = n + len(depots)
    tw = np.zeros((size, 2), dtype=np.int64)
    horizon = max(s + int(h * 3600) for s, h in zip(start_s, hours, strict=True))
    tw[:, 1] = horizon
    for i, row in frame.iterrows():
        what = f"target {row['target_id']} time window"
        lo, hi = clock_seconds(row["tw_start"], what), clock_seconds(row["tw_end"], what)
        lo = 0 if lo is None else lo
        hi = horizon if hi is None else hi
        if hi < lo:
            raise RoutingInputError(f"{what}: ends ({hhmm(hi)}) before it starts ({hhmm(lo)})")
        tw[i] = (lo, min(hi, horizon))
    service = np.zeros(size, dtype=np.int64)
    service[:n] = np.rint(frame["service_min"].to_numpy() * 60).astype(np.int64)
    limit_s = [s + int(round(h * 3600)) for s, h in zip(start_s, hours, strict=True)]
    base = sum(int(round(h * 3600)) for h in hours) + 1
    priority = frame["priority"].to_numpy(dtype=float)
    return Model(
        n=n, service_s=service, tw=tw, priority=priority, penalty=solver.penalties(priority, base),
        starts=[n + depots.index(t.start) for t in teams], ends=[n + depots.index(t.end_point) for t in teams],
        start_s=start_s, limit_s=limit_s, seconds=model_travel.seconds, horizon=horizon,
    )


# --- the result tables --------------------------------------------------------------------


def _build_plan(case: RouteCase, outcome: Outcome | None, day: date, seconds: float,
                work_limit: int) -> RoutePlan:
    """The stop, team and left-out tables of the routes, with the search figures."""
    frame, teams, model, model_travel = case.frame, case.teams, case.model, case.travel
    unreachable, hours, speeds = case.unreachable, case.hours, case.speeds
    routes = outcome.routes if outcome else [[] for _ in teams]
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
        rows.append({"team": team.name, "seq": 0, "kind": "start", "target_id": "", "name": team.start_name or team.name,
                     "lon": team.start[0], "lat": team.start[1], "priority": np.nan,
                     "arrival": pd.NaT, "start": pd.NaT, "departure": stamp(model.start_s[v]),
                     "wait_min": 0.0, "service_min": 0.0, "leg_km": np.nan, "leg_min": np.nan, "cum_km": 0.0,
                     "tw_start": None, "tw_end": None, "reason": ""})
        wait_total = 0.0
        for seq, (node, (arrival, begin, depart)) in enumerate(zip(route, schedule, strict=True), start=1):
            leg_km = model_travel.metres[here, node] / 1000
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
                         "reason": _reason(target["reason"])})
            here = node
        end_clock = (schedule[-1][2] if schedule else model.start_s[v]) + int(matrix[here, model.ends[v]])
        leg_km = model_travel.metres[here, model.ends[v]] / 1000
        cum_km += 0.0 if np.isnan(leg_km) else leg_km
        end = team.end_point
        rows.append({"team": team.name, "seq": len(route) + 1, "kind": "end", "target_id": "",
                     "name": team.end_name or team.start_name or team.name, "lon": end[0], "lat": end[1],
                     "priority": np.nan, "arrival": stamp(end_clock), "start": pd.NaT, "departure": pd.NaT,
                     "wait_min": 0.0, "service_min": 0.0, "leg_km": leg_km,
                     "leg_min": matrix[here, model.ends[v]] / 60, "cum_km": cum_km,
                     "tw_start": None, "tw_end": None, "reason": ""})
        travel_min = model.travel(route, v) / 60
        service_min = float(sum(model.service_s[i] for i in route) / 60)
        known_km = not np.isnan(model_travel.metres[np.ix_([model.starts[v], *route], [*route, model.ends[v]])]).any()
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
        dropped_rows.append({**frame.iloc[i].to_dict(), "drop_reason": reason})
    dropped = pd.DataFrame(dropped_rows, columns=[*frame.columns, "drop_reason"])
    travel_cost = sum(model.travel(route, v) for v, route in enumerate(routes))
    penalty_cost = sum(model.penalty[i] for i in range(model.n) if i not in kept and i not in unreachable)
    warnings = list(outcome.notes) if outcome else []
    for i, reason in sorted(unreachable.items()):
        target = frame.iloc[i]
        window = (msg("routes.warning.window", start=hhmm(model.tw[i, 0]), end=hhmm(model.tw[i, 1]))
                  if reason == "window" else "")
        warnings.append(msg("routes.warning.left_out", id=target["target_id"], name=target["name"],
                            reason=msg(f"routes.drop.{reason}"), window=window))
    return RoutePlan(
        day=day, stops=stops, teams=team_table, dropped=dropped, targets=frame,
        objective=int(travel_cost + penalty_cost),
        travel_cost_s=int(travel_cost), penalty_cost=int(penalty_cost), search_seconds=seconds,
        stopped_by=outcome.stopped_by if outcome else "nothing to search",
        solver_status=outcome.status if outcome else "not solved", travel_model=model_travel.description,
        work_limit=work_limit, work_done=outcome.iterations if outcome else 0, warnings=warnings,
        repaired=outcome.repaired if outcome else 0, method=outcome.method if outcome else "",
    )
