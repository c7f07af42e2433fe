"""Air-quality standards as data: AQI breakpoints, limits and validity rules per version.

Every number comes from `data/standards/<version>.toml` (transcribed from the official text)
and a report states which version it used. Version "2012" (GB 3095-2012, HJ 633-2012,
HJ 663-2013) is complete. GB 3095-2026 / HJ 633-2026 / HJ 663-2026 took effect on
2026-03-01; their values are added only from the official text — until a `2026.toml` exists,
asking for it is an error that says so.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from geoaq import config
from geoaq._errors import StandardError

STANDARDS_DIR = config.PROJECT_ROOT / "data" / "standards"
POLLUTANTS = ("so2", "no2", "pm10", "pm25", "co", "o3")
AQI_TABLES = ("so2_24h", "so2_1h", "no2_24h", "no2_1h", "pm10_24h", "pm25_24h", "co_24h", "co_1h",
              "o3_1h", "o3_8h")
DEFAULT_VERSION = "2012"


@dataclass(frozen=True)
class AqiLevel:
    """One AQI band of HJ 633 Table 2: AQI up to `max` (inclusive)."""

    max: int
    level: str
    category: str
    category_en: str
    colour: str


@dataclass(frozen=True)
class Standard:
    """One version of the standards, as in its TOML file."""

    version: str
    name: str
    effective_from: str
    effective_until: str | None
    units: dict[str, str]
    iaqi: tuple[int, ...]
    breakpoints: dict[str, tuple[float, ...]]
    levels: tuple[AqiLevel, ...]
    annual_limits: dict[str, float]
    daily_limits: dict[str, float]
    hourly_limits: dict[str, float]
    annual_percentile_limits: dict[str, float]
    validity: dict[str, int]
    composite_index: dict[str, float]
    source: Path

    def level_for(self, aqi: float) -> AqiLevel:
        """The AQI band containing `aqi`."""
        for band in self.levels:
            if aqi <= band.max:
                return band
        return self.levels[-1]


def available_versions() -> list[str]:
    """The versions that have a data file."""
    return sorted(p.stem for p in STANDARDS_DIR.glob("*.toml"))


def _require(raw: dict, key: str, path: Path):
    if key not in raw:
        raise StandardError(f"{path}: missing key {key!r}")
    return raw[key]


@cache
def load_standard(version: str = DEFAULT_VERSION) -> Standard:
    """The standards of `version` ("2012", …); an error names what exists when it is absent."""
    path = STANDARDS_DIR / f"{version}.toml"
    if not path.is_file():
        raise StandardError(
            f"standard {version!r} is not available (no {path}); available: "
            f"{', '.join(available_versions()) or 'none'}. Values are added only from the official text."
        )
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise StandardError(f"{path}: not valid TOML: {exc}") from exc
    aqi = _require(raw, "aqi", path)
    iaqi = tuple(int(v) for v in _require(aqi, "iaqi", path))
    breakpoints = {}
    for table in AQI_TABLES:
        values = tuple(float(v) for v in _require(aqi, table, path))
        if list(values) != sorted(values) or len(values) > len(iaqi) or len(values) < 2:
            raise StandardError(f"{path}: aqi.{table} must be 2..{len(iaqi)} ascending values")
        breakpoints[table] = values
    levels = tuple(AqiLevel(**band) for band in _require(raw, "aqi_levels", path))
    limits = _require(raw, "limits", path)
    return Standard(
        version=str(raw.get("version", version)),
        name=str(_require(raw, "name", path)),
        effective_from=str(raw.get("effective_from", "")),
        effective_until=raw.get("effective_until"),
        units=dict(_require(raw, "units", path)),
        iaqi=iaqi,
        breakpoints=breakpoints,
        levels=levels,
        annual_limits={k: float(v) for k, v in _require(limits, "annual", path).items()},
        daily_limits={k: float(v) for k, v in _require(limits, "daily", path).items()},
        hourly_limits={k: float(v) for k, v in limits.get("hourly", {}).items()},
        annual_percentile_limits={k: float(v) for k, v in limits.get("annual_percentile", {}).items()},
        validity={k: int(v) for k, v in _require(raw, "validity", path).items()},
        composite_index={k: float(v) for k, v in _require(raw, "composite_index", path).items()},
        source=path,
    )
