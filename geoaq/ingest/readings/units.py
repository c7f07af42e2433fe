"""Units of readings: declared and header units, conversion to the stored units, plausibility.

Stored units are µg/m³, CO mg/m³ (`CANONICAL_UNITS`). A source unit comes from `units=`
(``{"co": "ug/m3"}``; CLI ``--unit co=ug/m3``, read by `parse_units`), else from the header
(``CO(μg/m³)``), else it is the canonical one; the two declarations must not disagree.
µg/m³ ↔ mg/m³ is ×/÷ 1000. ppm/ppb are converted for the gases (SO2, NO2, O3, CO) at the
reference state of GB 3095-2012 as it stood at each reading's hour: 273.15 K, 101.325 kPa
(molar volume 22.414 L/mol) before 2018-09-01 00:00 Beijing time, and 298.15 K, 1013.25 hPa
(24.465 L/mol) from then on (修改单, 生态环境部公告 2018 年第 29 号); PM in ppm is refused.

A unit is a fact about the whole file, so a file whose values contradict its (declared or
default) unit is refused as a whole, with the reason and the fix (`check_units`):
CO with a median above 20 mg/m³ ("CO looks like µg/m³ (median 900)…", e.g. the UCI files),
CO with a median below 0.02 mg/m³ after converting a declared µg/m³/ppb (≥ 24 values), and
PM2.5/PM10 whose 95th percentile is below 1 µg/m³ (looks like mg/m³; ≥ 24 values).
Unit spellings (µg/m³, 微克/立方米 …) are read by `spellings.normalize_unit`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from geoaq._errors import IngestError, UnitError
from geoaq.ingest.readings.spellings import LABELS, POLLUTANTS, normalize_unit, pollutant_key

CANONICAL_UNITS = {"pm25": "ug/m3", "pm10": "ug/m3", "so2": "ug/m3", "no2": "ug/m3",
                   "o3": "ug/m3", "co": "mg/m3"}
UNIT_DISPLAY = {"ug/m3": "µg/m³", "mg/m3": "mg/m³", "ppm": "ppm", "ppb": "ppb"}

#: CO's plausible median (mg/m³) and PM's smallest plausible 95th percentile (µg/m³)
CO_MEDIAN_MAX = 20.0
CO_MEDIAN_MIN = 0.02
PM_P95_MIN = 1.0
MIN_VALUES_FOR_LOW_CHECKS = 24
UNIT_SAMPLE = 500_000

#: molar masses (g/mol) for ppm/ppb, from IUPAC standard atomic weights (S 32.06, O 15.999,
#: N 14.007, C 12.011)
MOLAR_MASS = {"so2": 64.058, "no2": 46.005, "o3": 47.997, "co": 28.010}
#: molar volume (L/mol) of the GB 3095-2012 state: standard state (273.15 K, 101.325 kPa)
#: until the 2018 amendment, reference state (298.15 K, 1013.25 hPa) from 2018-09-01
_GAS_R, _ATM = 8.314462618, 101.325
MOLAR_VOLUME_BEFORE = _GAS_R * 273.15 / _ATM
MOLAR_VOLUME_FROM = _GAS_R * 298.15 / _ATM
REFERENCE_STATE_CHANGE = np.datetime64("2018-09-01T00:00:00", "s")


def parse_units(units: dict[str, str] | None) -> dict[str, str]:
    """Declared units keyed by pollutant (`{"CO": "µg/m³"}` → `{"co": "ug/m3"}`); errors are clear."""
    parsed: dict[str, str] = {}
    for name, unit in (units or {}).items():
        pollutant = pollutant_key(name)
        if pollutant not in POLLUTANTS:
            raise IngestError(f"--unit {name}={unit}: unknown pollutant {name!r}; "
                              f"use one of {', '.join(LABELS[p] for p in POLLUTANTS)}")
        normalized = normalize_unit(unit)
        if normalized is None:
            raise IngestError(f"--unit {name}={unit}: unknown unit {unit!r}; use ug/m3 (µg/m³), "
                              "mg/m3, ppm or ppb")
        if normalized in {"ppm", "ppb"} and pollutant not in MOLAR_MASS:
            raise IngestError(f"--unit {name}={unit}: {LABELS[pollutant]} is particulate matter, "
                              "a mass concentration; it cannot be in ppm/ppb")
        parsed[pollutant] = normalized
    return parsed


def source_units(present: Iterable[str], header_units: Mapping[str, str],
                 columns: Mapping[str, str], declared: Mapping[str, str],
                 path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(unit of each pollutant column in the file, how it was decided: declared/header/default).

    `present`: the value columns the file has; `header_units`: units its headers state;
    `columns`: value column -> file column (named in errors); `declared`: `parse_units` output.
    """
    units, how = {}, {}
    for kind in POLLUTANTS:
        if kind not in present:
            continue
        in_header = header_units.get(kind)
        given = declared.get(kind)
        if in_header and given and in_header != given:
            raise UnitError(f"{path}: --unit {LABELS[kind]}={UNIT_DISPLAY[given]} contradicts the "
                            f"header {columns[kind]!r} ({UNIT_DISPLAY[in_header]})")
        if in_header in {"ppm", "ppb"} and kind not in MOLAR_MASS:
            raise UnitError(f"{path}: {columns[kind]!r}: {LABELS[kind]} cannot be in ppm/ppb")
        units[kind] = given or in_header or CANONICAL_UNITS[kind]
        how[kind] = "declared" if given else "header" if in_header else "default"
    return units, how


def factor(kind: str, unit: str, times: np.ndarray) -> np.ndarray | float:
    """Multiplier from `unit` to the canonical unit of `kind` (per row for ppm/ppb)."""
    canonical = CANONICAL_UNITS[kind]
    if unit == canonical:
        return 1.0
    if unit in {"ug/m3", "mg/m3"}:
        return 1000.0 if unit == "mg/m3" else 0.001
    volume = np.where(times < REFERENCE_STATE_CHANGE, MOLAR_VOLUME_BEFORE, MOLAR_VOLUME_FROM)
    per_ppb_ug = MOLAR_MASS[kind] / volume  # µg/m³ per ppb == mg/m³ per ppm
    if canonical == "mg/m3":
        return per_ppb_ug if unit == "ppm" else per_ppb_ug / 1000.0
    return per_ppb_ug * 1000.0 if unit == "ppm" else per_ppb_ug


def conversion_note(kind: str, unit: str, how: str) -> str | None:
    """The report line saying how `kind` in `unit` was converted; None when it was not."""
    if unit == CANONICAL_UNITS[kind]:
        return None
    rule = ("÷ 1000" if unit == "ug/m3" else "× 1000" if unit == "mg/m3"
            else "× M/Vm at the GB 3095-2012 state of the hour (273.15 K before "
                 "2018-09-01, 298.15 K from then)")
    return (f"{LABELS[kind]}: {UNIT_DISPLAY[unit]} ({how}) → "
            f"{UNIT_DISPLAY[CANONICAL_UNITS[kind]]} {rule}")


def check_units(kind: str, unit: str, how: str, converted: np.ndarray, raw: np.ndarray,
                path: Path) -> None:
    """Refuse the whole file when its values contradict the unit (see the module notes)."""
    if len(converted) > 2 * UNIT_SAMPLE:  # a unit is judged on an evenly spread sample
        step = len(converted) // UNIT_SAMPLE
        converted, raw = converted[::step], raw[::step]
    usable = np.isfinite(converted) & (converted >= 0)
    if not usable.any():
        return
    finite = converted[usable]
    label, shown = LABELS[kind], UNIT_DISPLAY[unit]
    raw_median = float(np.median(raw[usable]))
    if kind == "co":
        median = float(np.median(finite))
        if median > CO_MEDIAN_MAX:
            if how == "default":
                raise UnitError(
                    f"{path}: CO looks like µg/m³ (median {raw_median:g}), not mg/m³; declare "
                    "--unit co=ug/m3 (units={'co': 'ug/m3'}) to convert it, or --unit co=mg/m3 "
                    "if these really are mg/m³. Nothing was loaded.")
            raise UnitError(f"{path}: CO in {shown} ({how}) gives a median of {median:g} mg/m³, "
                            "which no ambient monitor reports; check the unit. Nothing was loaded.")
        if median < CO_MEDIAN_MIN and unit != "mg/m3" and len(finite) >= MIN_VALUES_FOR_LOW_CHECKS:
            raise UnitError(f"{path}: CO in {shown} ({how}) gives a median of {median:g} mg/m³ "
                            f"(file median {raw_median:g}); these look like mg/m³ already: "
                            "check the unit. Nothing was loaded.")
    if kind in {"pm25", "pm10"} and len(finite) >= MIN_VALUES_FOR_LOW_CHECKS:
        p95 = float(np.percentile(finite, 95))
        if p95 < PM_P95_MIN:
            hint = (f"declare --unit {kind}=mg/m3 if they are mg/m³" if how == "default"
                    else f"check the unit {shown} ({how})")
            raise UnitError(f"{path}: {label} looks like mg/m³: 95% of its values are below "
                            f"{p95:g} µg/m³; {hint}. Nothing was loaded.")
