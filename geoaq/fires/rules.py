"""The fire rules (``data/rules/fires.toml``, or a site's own): how detections become events
and events get a category, checked on loading against `SCHEMA` (`geoaq.rules`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geoaq import config
from geoaq._errors import FireRulesError
from geoaq.rules import array, boolean, integer, load_rules, number, table, text, with_defaults

#: event category codes (their names: fires.category.<code>)
CATEGORIES = ("straw_burning", "other_open_burning", "suspected_industrial")


#: ``fires.toml``: every key, its type and its default (the defaults are `FireRules`' too)
SCHEMA = table({
    "events": table({
        "viirs_pixel_m": number(exclusive_minimum=0, default=375.0),
        "modis_pixel_m": number(exclusive_minimum=0, default=1000.0),
        "use_scan_track": boolean(default=True),
        "window_hours": number(minimum=0, default=0.0),
    }),
    "heat_sources": table({
        "buffer_m": number(exclusive_minimum=0, default=1000.0),
        "industries": array(text(nonblank=True), default=[]),
        "mine_minerals": array(text(nonblank=True), default=[]),
        "persistence_min_days": integer(minimum=1, default=3),
        "persistence_window_days": integer(minimum=1, default=30),
    }),
    "categories": table({
        "landcover": text(default=""),
        "without_landcover": text(choices=CATEGORIES, default="straw_burning"),
    }),
})
_DEFAULTS = with_defaults({}, SCHEMA)


@dataclass(frozen=True)
class FireRules:
    """``fires.toml``: how detections become events and events get a category."""

    viirs_pixel_m: float = _DEFAULTS["events"]["viirs_pixel_m"]
    modis_pixel_m: float = _DEFAULTS["events"]["modis_pixel_m"]
    use_scan_track: bool = _DEFAULTS["events"]["use_scan_track"]
    window_hours: float = _DEFAULTS["events"]["window_hours"]
    heat_buffer_m: float = _DEFAULTS["heat_sources"]["buffer_m"]
    heat_industries: tuple[str, ...] = tuple(_DEFAULTS["heat_sources"]["industries"])
    heat_mine_minerals: tuple[str, ...] = tuple(_DEFAULTS["heat_sources"]["mine_minerals"])
    persistence_min_days: int = _DEFAULTS["heat_sources"]["persistence_min_days"]
    persistence_window_days: int = _DEFAULTS["heat_sources"]["persistence_window_days"]
    landcover: Path | None = None
    without_landcover: str = _DEFAULTS["categories"]["without_landcover"]


def fire_rules_path() -> Path:
    """The fire rules in use: the site's ``rules/fires.toml``, else the shipped one."""
    return config.rules_file("fires.toml")


def _cross_checks(raw: dict[str, Any]) -> list[str]:
    """What the schema cannot say: the persistence window is at least the minimum days."""
    heat = raw.get("heat_sources")
    if not isinstance(heat, dict):
        return []
    least, window = heat.get("persistence_min_days"), heat.get("persistence_window_days")
    if isinstance(least, int) and isinstance(window, int) and window < least:
        return [f"heat_sources.persistence_window_days must be >= persistence_min_days "
                f"({least}), got {window}: need 1 <= persistence_min_days <= "
                "persistence_window_days"]
    return []


def load_fire_rules(path: Path | None = None) -> FireRules:
    """Read and check the fire rules (default `fire_rules_path`). A relative land-cover path
    is relative to the rules file's own folder, so it works in a checkout and installed."""
    path = Path(path) if path is not None else fire_rules_path()
    raw = load_rules(path, SCHEMA, FireRulesError, checks=_cross_checks, what="fire rules file")
    events, heat, categories = raw["events"], raw["heat_sources"], raw["categories"]
    landcover = categories["landcover"]
    return FireRules(
        viirs_pixel_m=float(events["viirs_pixel_m"]),
        modis_pixel_m=float(events["modis_pixel_m"]),
        use_scan_track=events["use_scan_track"],
        window_hours=float(events["window_hours"]),
        heat_buffer_m=float(heat["buffer_m"]),
        heat_industries=tuple(heat["industries"]),
        heat_mine_minerals=tuple(heat["mine_minerals"]),
        persistence_min_days=heat["persistence_min_days"],
        persistence_window_days=heat["persistence_window_days"],
        landcover=Path(os.path.normpath(path.parent / landcover)) if landcover else None,
        without_landcover=categories["without_landcover"],
    )


