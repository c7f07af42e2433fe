"""Route settings and teams: the rule file ``routes.toml`` read into `RouteRules`, and `Team`s.

The rules give the default speed and detour factor of the travel model, the working day
(start, hours), the bureau (`Depot`) teams start from, the target kinds (`TargetType`: label,
priority score, inspection time), the solver's search effort and the settings of target
collection (`findings`, `draw`). A `Team` leaves some of them open (None); the planner and
`with_team_defaults` fill them in from the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from geoaq import config
from geoaq._errors import RouteRulesError, RoutingInputError
from geoaq.emergency.rules import MEASURE_KINDS
from geoaq.i18n import pick, t
from geoaq.rules import (
    array,
    boolean,
    integer,
    load_rules,
    number,
    table,
    tables,
    text,
    with_defaults,
)

# --- configuration ------------------------------------------------------------------------

#: measures whose enterprises become 应急检查 targets (geoaq.emergency's kinds but 无需减排)
EMERGENCY_MEASURES = tuple(k for k in MEASURE_KINDS if k != "none")

#: a kind of target (``[types.<kind>]``); label_en defaults to label_zh
_TYPE = table({
    "label_zh": text(nonblank=True),
    "label_en": text(nonblank=True),
    "priority": number(),
    "service_min": number(minimum=0),
}, required=("label_zh", "priority", "service_min"))
#: ``routes.toml``: every key, its type and its default
SCHEMA = table({
    "speed_kmh": number(exclusive_minimum=0),
    "detour_factor": number(exclusive_minimum=0),
    "day_start": text(pattern=r"^([01]?[0-9]|2[0-4]):[0-5][0-9]$", expected="a time HH:MM",
                      default="08:30"),
    "team_hours": number(exclusive_minimum=0),
    "depot": table({
        "name": text(nonblank=True),
        "name_en": text(nonblank=True),
        "lon": number(minimum=-180, maximum=180),
        "lat": number(minimum=-90, maximum=90),
    }, required=("name", "lon", "lat")),
    "types": tables(_TYPE),
    "findings": table({
        "fire_days": integer(minimum=0, default=1),
        "include_suspected_industrial": boolean(default=True),
        "fire_window_from_detection": boolean(default=True),
        "fire_in_zone_bonus": number(default=0),
        "station_days": integer(minimum=1, default=7),
        "emergency_measures": array(text(choices=EMERGENCY_MEASURES), default=["stop"]),
        "emergency_full_bonus": number(default=0),
    }),
    "draw": table({
        "excluded_enterprise_status": array(text(), default=[]),
        "excluded_mine_status": array(text(), default=[]),
    }),
    "solver": table({
        "work_limit": integer(minimum=1, default=12000),
        "time_limit_s": number(exclusive_minimum=0, default=30),
    }),
}, required=("speed_kmh", "detour_factor", "team_hours", "depot", "types"))


@dataclass(frozen=True)
class TargetType:
    """A kind of target: its labels, priority score and inspection (service) time."""

    name: str
    label_zh: str
    label_en: str
    priority: float
    service_min: float

    def label(self, lang: str = "zh") -> str:
        """The kind's label in `lang` (the rules file gives both)."""
        return pick({"zh": self.label_zh, "en": self.label_en}, lang)


#: the kind of a target of no listed kind, when the rules file has no ``[types.other]``
OTHER = TargetType("other", "其他", "Other", 0.0, 20.0)


@dataclass(frozen=True)
class Depot:
    """Where teams start and end by default (the bureau), in WGS-84."""

    name: str
    lon: float
    lat: float
    name_en: str = ""

    def title(self, lang: str = "zh") -> str:
        """The bureau's name in `lang` (the rules file gives both; English defaults to Chinese)."""
        return pick({"zh": self.name, "en": self.name_en}, lang)


def _defaults(name: str) -> dict[str, Any]:
    """The defaults of table `name` of `SCHEMA` (what a file without it means)."""
    return with_defaults({}, SCHEMA["properties"][name])


@dataclass(frozen=True)
class RouteRules:
    """``routes.toml``; `findings` and `draw` hold every key of their tables (defaults filled)."""

    speed_kmh: float
    detour_factor: float
    day_start: str
    team_hours: float
    depot: Depot
    types: dict[str, TargetType]
    work_limit: int
    time_limit_s: float
    findings: dict[str, Any] = field(default_factory=lambda: _defaults("findings"))
    draw: dict[str, Any] = field(default_factory=lambda: _defaults("draw"))

    def type_of(self, kind: str) -> TargetType:
        return self.types.get(kind) or self.types["other"]

    def label(self, kind: str, lang: str = "zh") -> str:
        return self.type_of(kind).label(lang) if kind in self.types else kind


def rules_path() -> Path:
    """The route rules in use: the site's ``rules/routes.toml``, else the shipped one."""
    return config.rules_file("routes.toml")


def load_route_rules(path: Path | None = None) -> RouteRules:
    """Read and check the route rules (default `rules_path`)."""
    path = Path(path) if path is not None else rules_path()
    raw = load_rules(path, SCHEMA, RouteRulesError, what="route rules file")
    types = {name: TargetType(name, v["label_zh"], v.get("label_en", v["label_zh"]),
                              float(v["priority"]), float(v["service_min"]))
             for name, v in raw["types"].items()}
    types.setdefault("other", OTHER)
    depot, solver = raw["depot"], raw["solver"]
    return RouteRules(
        speed_kmh=float(raw["speed_kmh"]), detour_factor=float(raw["detour_factor"]),
        day_start=raw["day_start"], team_hours=float(raw["team_hours"]),
        depot=Depot(depot["name"], float(depot["lon"]), float(depot["lat"]),
                    depot.get("name_en", depot["name"])),
        types=types, work_limit=solver["work_limit"], time_limit_s=float(solver["time_limit_s"]),
        findings=raw["findings"], draw=raw["draw"],
    )


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
    """`count` teams named 第1组… (Team 1…, in `lang`) starting and ending at `start` (default:
    the depot); their names are the plan's own data from then on."""
    rules = rules or load_route_rules()
    if count < 1:
        raise RoutingInputError(f"the number of teams must be at least 1 (got {count})")
    start_name = rules.depot.title(lang) if start is None else t("routes.start_point", lang)
    end_name = start_name if end is None else t("routes.end_point", lang)
    start = start or (rules.depot.lon, rules.depot.lat)
    return [Team(name=t("routes.team_name", lang, n=i), start=start, end=end,
                 hours=hours, speed_kmh=speed_kmh, start_name=start_name, end_name=end_name)
            for i in range(1, count + 1)]


def with_team_defaults(teams: list[Team], rules: RouteRules) -> list[Team]:
    """The teams with hours and speed filled from the rules (for display)."""
    return [replace(t, hours=rules.team_hours if t.hours is None else t.hours,
                    speed_kmh=rules.speed_kmh if t.speed_kmh is None else t.speed_kmh) for t in teams]
