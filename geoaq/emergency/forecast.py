"""The warning level a forecast of daily AQI suggests, by the criteria of the rules file.

A criterion (`EmergencyRules.criteria`) holds when each of its terms — AQI above a threshold on
at least N consecutive days — holds inside one episode: a run of consecutive forecast days all
above the criterion's lowest threshold. So 红色's "> 200 for 3 days and > 300 for 1" needs the
day above 300 inside the three days above 200, not a week later. The suggestion is the highest
level with a criterion that holds, with the days and the criterion that decided it. Days are
Beijing calendar days; a gap in the forecast ends an episode. Pure functions, plus the reading
of a forecast file (date and AQI columns; CSV or Excel).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from geoaq._errors import EmergencyInputError, MissingColumnsError
from geoaq.emergency.columns import aliases, find_header, plain_field
from geoaq.emergency.rules import Criterion, EmergencyRules
from geoaq.i18n import Message, msg
from geoaq.ingest.spreadsheet import read_grids
from geoaq.ingest.textparse import parse_numbers

PLAIN = aliases({"day": ("日期", "预报日期", "date", "day"),
                 "aqi": ("aqi", "预报aqi", "日aqi", "空气质量指数", "aqi预报", "预报值")})


@dataclass(frozen=True)
class Suggestion:
    """The level a forecast suggests (None: no warning), the criterion behind it, the days of
    the episode that meets it and the forecast's highest AQI."""

    level: str | None
    criterion: Criterion | None
    days: tuple[date, ...]
    peak: float
    forecast_days: int

    def message(self) -> Message:
        """The suggestion in words (emergency.suggestion.*)."""
        if self.level is None:
            return msg("emergency.suggestion.none", n=self.forecast_days, peak=self.peak)
        terms = tuple(msg("emergency.suggestion.term", above=above, days=days)
                      for above, days in self.criterion.when)
        return msg("emergency.suggestion.level", level=msg(f"emergency.level.{self.level}"), terms=terms,
                   first=f"{self.days[0]:%Y-%m-%d}", last=f"{self.days[-1]:%Y-%m-%d}", peak=self.peak)


def check_forecast(forecast: pd.DataFrame) -> pd.DataFrame:
    """The forecast (columns day, aqi) checked and sorted: every day a date, every AQI a
    number ≥ 0, no day twice; otherwise one EmergencyInputError naming each problem."""
    problems = []
    frame = forecast.copy()
    days = pd.to_datetime(frame["day"], errors="coerce")
    values = pd.to_numeric(frame["aqi"], errors="coerce")
    for i in np.flatnonzero(days.isna().to_numpy()):
        problems.append(f"day {frame['day'].iloc[i]!r} is not a date (expected YYYY-MM-DD)")
    for i in np.flatnonzero((values.isna() | (values < 0)).to_numpy()):
        problems.append(f"{frame['day'].iloc[i]}: AQI {frame['aqi'].iloc[i]!r} is not a number >= 0")
    repeated = days[days.duplicated() & days.notna()]
    problems += [f"day {d:%Y-%m-%d} is given twice" for d in repeated]
    if frame.empty:
        problems.append("the forecast has no days")
    if problems:
        raise EmergencyInputError("forecast: " + "; ".join(problems))
    out = pd.DataFrame({"day": days.dt.date, "aqi": values.astype(float)})
    return out.sort_values("day").reset_index(drop=True)


def _episodes(days: list[date], above: np.ndarray) -> list[list[int]]:
    """Runs of positions whose day follows the previous one and whose value is above."""
    runs: list[list[int]] = []
    for i, day in enumerate(days):
        if not above[i]:
            continue
        if runs and runs[-1][-1] == i - 1 and (day - days[i - 1]).days == 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _longest_run(values: np.ndarray, positions: list[int], threshold: float) -> int:
    longest = current = 0
    for i in positions:
        current = current + 1 if values[i] > threshold else 0
        longest = max(longest, current)
    return longest


def criterion_days(criterion: Criterion, days: list[date], values: np.ndarray) -> list[int] | None:
    """The positions of the first episode meeting `criterion`, or None."""
    floor = min(above for above, _ in criterion.when)
    for run in _episodes(days, values > floor):
        if all(_longest_run(values, run, above) >= need for above, need in criterion.when):
            return run
    return None


def suggest_level(forecast: pd.DataFrame, rules: EmergencyRules) -> Suggestion:
    """The highest level whose criterion a forecast (day, aqi) meets; see the module notes."""
    checked = check_forecast(forecast)
    days, values = list(checked["day"]), checked["aqi"].to_numpy(dtype=float)
    best: tuple[int, Criterion, list[int]] | None = None
    for criterion in rules.criteria:
        found = criterion_days(criterion, days, values)
        rank = rules.levels[criterion.level].rank
        if found is not None and (best is None or rank > best[0]):
            best = (rank, criterion, found)
    peak = float(values.max()) if len(values) else float("nan")
    if best is None:
        return Suggestion(None, None, (), peak, len(days))
    _, criterion, positions = best
    return Suggestion(criterion.level, criterion, tuple(days[i] for i in positions), peak, len(days))


def read_forecast(path: str | Path, *, encoding: str = "auto") -> pd.DataFrame:
    """A forecast file's (day, aqi) rows: a column of dates (日期) and one of AQI (AQI, 预报AQI);
    a title row above the header is fine. The first sheet of a workbook that has both."""
    for grid in read_grids(path, encoding=encoding):
        header = find_header(grid, lambda h: plain_field(h, PLAIN))
        if header is None or {f.name for f in header.fields.values()} != {"day", "aqi"}:
            continue
        at = {f.name: i for i, f in header.fields.items()}
        rows = grid.rows[header.data_start:]
        day = [r[at["day"]] if at["day"] < len(r) else None for r in rows]
        aqi = [r[at["aqi"]] if at["aqi"] < len(r) else None for r in rows]
        numbers = parse_numbers(pd.Series(aqi, dtype="string"))
        return pd.DataFrame({"day": day, "aqi": [a if np.isnan(n) else n for a, n in zip(aqi, numbers, strict=True)]})
    raise MissingColumnsError(f"{path}: a forecast needs a date column (日期, date) and an AQI column "
                              "(AQI, 预报AQI); none of its sheets has both")
