"""Which standard scores what: the one in force at a reading's time, or one chosen for a whole
period (口径).

**In force.** Each standards file states the days it is in force (``effective_from`` …
``effective_until``, Beijing dates): GB 3095-2012 / HJ 633-2012 until 2026-02-28, GB 3095-2026 /
HJ 633-2026 from 2026-03-01. A day is scored by the version in force on it (several covering
it: the one that took effect last; a day before every version: the earliest). An hourly value
belongs to the day and the time it was *measured*: the national release labels an hour by its
end (16时 is 15:00–16:00), so the value labelled 2026-03-01 00:00 was measured on 28 February
and is scored by HJ 633-2012, the one labelled 01:00 by HJ 633-2026 — as the platform itself
published them (its 2026-03-01T00 release follows the 2012 breakpoints, T01 the 2026 ones).

**Parts.** A period is split where the standard changes and where the limits of one standard
change (GB 3095-2026: transition limits until 2030-12-31, final ones from 2031-01-01); each part
is evaluated and labelled on its own (`parts`).

**One basis.** ``basis`` is "in_force" (the default) or a version ("2012", "2026"): a chosen
version scores the whole period (按原标准 / 按新标准回溯), with the limits its file gives for
each day (a day before its first limit period: the first). A comparison of two periods (同比,
改善幅度, a relative target) uses one version for both (`comparison_basis`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from geoaq._errors import StandardError
from geoaq.aq.standards import Standard, available_versions, load_standard
from geoaq.i18n import Message, msg

IN_FORCE = "in_force"
#: how a basis was chosen (words: aq.basis_reason.<code>)
CHOSEN, TARGET, IN_FORCE_AT_END = "chosen", "target", "in_force_at_end"


def standards() -> list[Standard]:
    """Every available version, earliest first (by the day it took effect)."""
    loaded = [load_standard(v) for v in available_versions()]
    return sorted(loaded, key=lambda s: (s.start or date.min, s.version))


def check_basis(basis: str | None) -> str:
    """`basis` ("in_force", None for it, or an available version) checked; else a StandardError."""
    if basis is None or basis == IN_FORCE:
        return IN_FORCE
    versions = available_versions()
    if basis not in versions:
        raise StandardError(f"standard {basis!r} is not available; use {IN_FORCE} or one of "
                            f"{', '.join(versions) or 'none'}")
    return basis


def in_force(day: date) -> Standard:
    """The version in force on `day` (Beijing), with that day's limits."""
    ordered = standards()
    if not ordered:
        raise StandardError("no standards file is available")
    covering = [s for s in ordered if (s.start is None or s.start <= day)
                and (s.end is None or day <= s.end)]
    started = [s for s in ordered if s.start is None or s.start <= day]
    chosen = (covering or started or ordered[:1])[-1]
    return chosen.on(day)


def standard_for(basis: str, day: date) -> Standard:
    """The standard a `basis` scores `day` with, carrying the limits of that day."""
    basis = check_basis(basis)
    return in_force(day) if basis == IN_FORCE else load_standard(basis).on(day)


def comparison_basis(basis: str | None, later_end: date) -> tuple[str, str]:
    """(version, how it was chosen) for comparing two periods on one basis (同口径): the chosen
    version, else the one in force at the end of the later period."""
    basis = check_basis(basis)
    if basis != IN_FORCE:
        return basis, CHOSEN
    return in_force(later_end).version, IN_FORCE_AT_END


# --- hours -------------------------------------------------------------------------------------


def hour_days(times, hour_label: str = "end") -> np.ndarray:
    """The natural day (datetime64[D]) each hourly value was measured on: an hour labelled by
    its end (`hour_label` "end") belongs to the day of label − 1 h (00:00 is the day before)."""
    stamps = pd.to_datetime(pd.Series(times)).to_numpy(dtype="datetime64[h]")
    if hour_label == "end":
        stamps = stamps - np.timedelta64(1, "h")
    elif hour_label != "start":
        raise StandardError(f"hour_label must be 'start' or 'end', got {hour_label!r}")
    return stamps.astype("datetime64[D]")


def hourly_versions(times, basis: str = IN_FORCE, hour_label: str = "end") -> np.ndarray:
    """The version that scores each hourly value (object array, one per time)."""
    basis = check_basis(basis)
    days = hour_days(times, hour_label)
    if basis != IN_FORCE:
        return np.full(len(days), basis, dtype=object)
    out = np.empty(len(days), dtype=object)
    unique, inverse = np.unique(days, return_inverse=True)
    versions = np.array([in_force(pd.Timestamp(d).date()).version for d in unique], dtype=object)
    out[:] = versions[inverse] if len(unique) else []
    return out


# --- parts of a period ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """Days `start` … `end` (inclusive) scored by one standard with one set of limits."""

    start: date
    end: date
    standard: Standard
    basis: str

    @property
    def key(self) -> tuple[str, str | None]:
        return self.standard.version, self.standard.limits_period


def _boundaries(start: date, end: date) -> list[date]:
    """Every day in (start, end] on which a standard or a limit period may change."""
    days = set()
    for std in standards():
        for day in (std.start, std.end + timedelta(days=1) if std.end else None,
                    *std.period_changes()):
            if day is not None and start < day <= end:
                days.add(day)
    return sorted(days)


def parts(start: date, end: date, basis: str = IN_FORCE) -> list[Part]:
    """The period start … end split into the parts one standard and one set of limits score
    (one part when nothing changes inside it)."""
    basis = check_basis(basis)
    if end < start:
        raise StandardError(f"the period ends ({end}) before it starts ({start})")
    edges = [start, *_boundaries(start, end)]
    out: list[Part] = []
    for i, first in enumerate(edges):
        last = edges[i + 1] - timedelta(days=1) if i + 1 < len(edges) else end
        part = Part(first, last, standard_for(basis, first), basis)
        if out and out[-1].key == part.key:
            out[-1] = Part(out[-1].start, last, out[-1].standard, basis)
        else:
            out.append(part)
    return out


# --- what an output says about its basis (messages; words from aq.basis.* and friends) -----------


def basis_message(basis: str) -> Message:
    """The basis as a sentence: 按施行标准 / 按原标准（GB 3095-2012 …）/ 按新标准回溯（…）."""
    basis = check_basis(basis)
    if basis == IN_FORCE:
        return msg("aq.basis.in_force")
    newest = standards()[-1].version
    return msg("aq.basis.new" if basis == newest else "aq.basis.old", name=load_standard(basis).name)


def limits_message(std: Standard) -> Message | str:
    """" (transition limits)" for a standard with named limit periods, else ""."""
    if not std.limits_period:
        return ""
    return msg("aq.limits_suffix", limits=msg(f"aq.limits_period.{std.limits_period}"))


def part_message(start: date, end: date, std: Standard) -> Message:
    """"2026-03-01 至 2026-03-31 按 GB 3095-2026 / HJ 633-2026（过渡期限值）"."""
    return msg("aq.part_text", start=f"{start:%Y-%m-%d}", end=f"{end:%Y-%m-%d}", standard=std.name,
               limits=limits_message(std))


def note_messages(versions) -> list[Message]:
    """The statements the standards of `versions` require of every output (each once)."""
    codes = dict.fromkeys(code for v in dict.fromkeys(versions) if isinstance(v, str) and v
                          for code in load_standard(v).notes)
    return [msg(f"aq.standard_note.{code}") for code in codes]
