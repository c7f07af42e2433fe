"""Route settings and teams: `data/rules/routes.toml` read into `RouteRules`, and `Team`s.

The rules give the default speed and detour factor of the travel model, the working day
(start, hours), the bureau (`Depot`) teams start from, the target kinds (`TargetType`: label,
priority score, inspection time), the solver's search effort and the settings of target
collection (`findings`, `draw`). A `Team` leaves some of them open (None); the planner and
`with_team_defaults` fill them in from the rules.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from geoaq import config
from geoaq._errors import RoutingInputError

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
    """Where teams start and end by default (the bureau), in WGS-84."""

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


def with_team_defaults(teams: list[Team], rules: RouteRules) -> list[Team]:
    """The teams with hours and speed filled from the rules (for display)."""
    return [replace(t, hours=rules.team_hours if t.hours is None else t.hours,
                    speed_kmh=rules.speed_kmh if t.speed_kmh is None else t.speed_kmh) for t in teams]
