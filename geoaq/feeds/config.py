"""The feeds file, ``feeds.toml``: which feeds run, how often, where from, with what limits.

Read through `geoaq.rules.load_rules` against `SCHEMA` (an unknown key or a value of the wrong
type is an error naming the key), from ``GEOAQ_SITE_DIR/rules/feeds.toml`` when the site has
one, else the shipped ``data/rules/feeds.toml``, in which every feed is disabled: nothing
fetches until a site enables one. The FIRMS key is not in the file: it comes from
``GEOAQ_FIRMS_MAP_KEY`` (`geoaq.config.firms_map_key`).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geoaq import config
from geoaq._errors import FeedsRulesError
from geoaq.rules import array, boolean, integer, load_rules, number, table, text

#: the FIRMS near-real-time sources a feed may ask (area API ``SOURCE``)
FIRMS_SOURCES = ("VIIRS_SNPP_NRT", "VIIRS_NOAA20_NRT", "VIIRS_NOAA21_NRT", "MODIS_NRT")
#: the most days one FIRMS area request may cover (``DAY_RANGE``)
FIRMS_MAX_DAY_RANGE = 5
#: the FIRMS rate limit: transactions per key in a window of this many minutes
FIRMS_WINDOW_MINUTES = 10
FIRMS_LIMIT = 5000
#: the placeholders a live-release URL may hold (Beijing time of the hour's end label)
URL_FIELDS = ("date", "hour", "year", "month", "day")
FEEDS = ("firms", "cnemc")


def _schedule(every: int) -> dict[str, Any]:
    """What every feed's table says about its schedule."""
    return {
        "enabled": boolean(default=False),
        "every_minutes": number(exclusive_minimum=0, maximum=1440, default=every),
        "run_at_start": boolean(default=True),
        "misfire_grace_minutes": integer(minimum=1, maximum=1440, default=30),
    }


SCHEMA = table({
    "firms": table({
        **_schedule(60),
        "base_url": text(pattern=r"^https?://\S+$", expected="an http(s):// URL",
                         default="https://firms.modaps.eosdis.nasa.gov"),
        "sources": array(text(choices=FIRMS_SOURCES), min_items=1, uniqueItems=True,
                         default=list(FIRMS_SOURCES)),
        "bbox": array(number(minimum=-180, maximum=180),
                      expected="[] or [west, south, east, north] in degrees", default=[]),
        "margin_km": number(minimum=0, maximum=100, default=5),
        "backfill_days": integer(minimum=1, maximum=60, default=10),
        "settle_hours": integer(minimum=0, maximum=48, default=6),
        "day_range": integer(minimum=1, maximum=FIRMS_MAX_DAY_RANGE, default=FIRMS_MAX_DAY_RANGE),
        "budget": integer(minimum=1, maximum=FIRMS_LIMIT, default=1000),
        "check_key_status": boolean(default=True),
    }),
    "cnemc": table({
        **_schedule(60),
        "url": text(default=""),
        "backfill_hours": integer(minimum=1, maximum=24 * 31, default=48),
        "delay_minutes": integer(minimum=0, maximum=24 * 60, default=40),
        "give_up_hours": integer(minimum=1, maximum=24 * 31, default=24),
    }),
    "http": table({
        "connect_timeout_s": number(exclusive_minimum=0, maximum=600, default=10),
        "read_timeout_s": number(exclusive_minimum=0, maximum=3600, default=60),
        "retries": integer(minimum=0, maximum=10, default=3),
        "backoff_s": number(minimum=0, maximum=600, default=2),
    }),
})


@dataclass(frozen=True)
class Schedule:
    """When a feed runs: every `every_minutes`, at once on start when `run_at_start`; a run
    missed by more than `misfire_grace_minutes` (the service was down) is skipped, the next
    one back-fills what it would have fetched."""

    enabled: bool
    every_minutes: float
    run_at_start: bool
    misfire_grace_minutes: int


@dataclass(frozen=True)
class FirmsSettings:
    """``[firms]``: the NASA FIRMS area API feed."""

    schedule: Schedule
    base_url: str
    sources: tuple[str, ...]
    bbox: tuple[float, float, float, float] | None  # None: the admin_units layer's extent
    margin_km: float
    backfill_days: int
    settle_hours: int
    day_range: int
    budget: int
    check_key_status: bool


@dataclass(frozen=True)
class CnemcSettings:
    """``[cnemc]``: the national live release, one file an hour."""

    schedule: Schedule
    url: str
    backfill_hours: int
    delay_minutes: int
    give_up_hours: int


@dataclass(frozen=True)
class HttpSettings:
    """``[http]``: timeouts and retries of every request."""

    connect_timeout_s: float
    read_timeout_s: float
    retries: int
    backoff_s: float

    @property
    def timeout(self) -> tuple[float, float]:
        return self.connect_timeout_s, self.read_timeout_s


@dataclass(frozen=True)
class FeedsSettings:
    """The whole feeds file, checked."""

    firms: FirmsSettings
    cnemc: CnemcSettings
    http: HttpSettings
    path: Path

    def schedule(self, feed: str) -> Schedule:
        return getattr(self, feed).schedule

    @property
    def enabled(self) -> list[str]:
        """The names of the enabled feeds, in `FEEDS` order."""
        return [name for name in FEEDS if self.schedule(name).enabled]


def url_problems(url: str) -> list[str]:
    """Why `url` is not a usable live-release URL template (empty list: it is)."""
    if not url.startswith(("http://", "https://")):
        return [f"cnemc.url must be an http(s):// URL, got {url!r}"]
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(url) if name is not None}
    except ValueError as exc:
        return [f"cnemc.url is not a URL template ({exc}): {url!r}"]
    unknown = sorted(fields - set(URL_FIELDS))
    if unknown:
        return [f"cnemc.url has unknown placeholder(s) {unknown}; allowed: {list(URL_FIELDS)}"]
    if "hour" not in fields:
        return ["cnemc.url must name the hour: {hour} (and the day: {date}, or {year}, {month}, "
                "{day})"]
    return []


def _checks(data: dict[str, Any]) -> list[str]:
    """What the schema cannot say: a box's order, an enabled live feed's URL."""
    found = []
    firms = data.get("firms")
    if isinstance(firms, dict) and isinstance(firms.get("bbox"), list) and firms["bbox"]:
        box = firms["bbox"]
        if len(box) != 4 or not all(isinstance(v, int | float) for v in box):
            found.append(f"firms.bbox must be [] or [west, south, east, north], got {box!r}")
        elif not (box[0] < box[2] and box[1] < box[3] and box[1] >= -90 and box[3] <= 90):
            found.append(f"firms.bbox must be [west, south, east, north] with west < east and "
                         f"south < north, latitudes from -90 to 90, got {box!r}")
    cnemc = data.get("cnemc")
    if isinstance(cnemc, dict) and isinstance(cnemc.get("url"), str):
        if cnemc["url"]:
            found += url_problems(cnemc["url"])
        elif cnemc.get("enabled") is True:
            found.append("cnemc.url is empty: an enabled live feed needs the URL of its hourly "
                         "files, e.g. https://example.org/Archive/{date}/{date}T{hour}.csv")
    return found


def feeds_file() -> Path:
    """The feeds file: the site's ``rules/feeds.toml``, else the shipped one."""
    return config.rules_file("feeds.toml")


def _schedule_of(raw: dict[str, Any]) -> Schedule:
    return Schedule(enabled=raw["enabled"], every_minutes=float(raw["every_minutes"]),
                    run_at_start=raw["run_at_start"],
                    misfire_grace_minutes=raw["misfire_grace_minutes"])


def parse(raw: dict[str, Any], path: Path) -> FeedsSettings:
    """The checked file's data (defaults filled in) as settings."""
    f, c, h = raw["firms"], raw["cnemc"], raw["http"]
    firms = FirmsSettings(
        schedule=_schedule_of(f), base_url=f["base_url"].rstrip("/"), sources=tuple(f["sources"]),
        bbox=tuple(float(v) for v in f["bbox"]) if f["bbox"] else None,
        margin_km=float(f["margin_km"]), backfill_days=f["backfill_days"],
        settle_hours=f["settle_hours"], day_range=f["day_range"], budget=f["budget"],
        check_key_status=f["check_key_status"])
    cnemc = CnemcSettings(schedule=_schedule_of(c), url=c["url"], backfill_hours=c["backfill_hours"],
                          delay_minutes=c["delay_minutes"], give_up_hours=c["give_up_hours"])
    http = HttpSettings(connect_timeout_s=float(h["connect_timeout_s"]),
                        read_timeout_s=float(h["read_timeout_s"]), retries=h["retries"],
                        backoff_s=float(h["backoff_s"]))
    return FeedsSettings(firms=firms, cnemc=cnemc, http=http, path=Path(path))


def load_feeds(path: Path | None = None) -> FeedsSettings:
    """Read and check the feeds file (`feeds_file` unless `path`); one `FeedsRulesError`
    lists every problem."""
    path = Path(path) if path is not None else feeds_file()
    raw = load_rules(path, SCHEMA, FeedsRulesError, checks=_checks, what="feeds file")
    return parse(raw, path)
