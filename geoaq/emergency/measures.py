"""A measure of the list (一厂一策) read: its kind, its 限产 percentage, and the cut it yields.

The list words each measure freely (停产, 限产50%, 停用2#烧结机, 错峰生产, 无需减排); the rules'
patterns (`EmergencyRules.measures`) decide its kind. The cut of each pollutant is the list's
own figure where it gives one; otherwise 停产 cuts the row's whole annual emission, 限产 N %
cuts N % of it, 无需减排 cuts nothing, and any other kind (停用, 错峰, an unrecognised text)
cuts nothing until the list gives a figure — `needs_cut` marks those rows, a consistency
problem. Cuts are t/a: the annual emission rate removed while the measure holds, as the
list's emissions are. Pure functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geoaq.emergency.rules import MEASURE_STRENGTH, POLLUTANTS, EmergencyRules, normal

#: the kind of an empty measure cell (words: emergency.measure.missing)
MISSING = "missing"
#: kinds whose cut the rules derive from the emission when the list gives none
DERIVED = ("stop", "limit", "none")
#: how a cut came about (words: emergency.cut_source.<code>)
CUT_SOURCES = ("given", "derived", "none", "lacking")


def measure_kind(text: object, rules: EmergencyRules) -> tuple[str, float | None]:
    """(kind, 限产 %) of a measure text; (``missing``, None) for an empty one, (``other``, None)
    for a text no pattern recognises."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
        return MISSING, None
    value = normal(text)
    for measure in rules.measures:
        found = measure.pattern.search(value)
        if found is None:
            continue
        if measure.kind == "limit":
            number = next((g for g in found.groups() if g is not None), None)
            if number is None or not 0 < float(number) <= 100:
                continue
            return "limit", float(number)
        return measure.kind, None
    return "other", None


def classify(texts: pd.Series, rules: EmergencyRules) -> pd.DataFrame:
    """`measure_kind` of every text (each distinct text read once): columns kind, limit_pct."""
    distinct = {v: measure_kind(v, rules) for v in texts.dropna().unique()}
    kinds = texts.map(lambda v: distinct[v][0] if v in distinct else MISSING)
    limits = texts.map(lambda v: distinct[v][1] if v in distinct else None)
    return pd.DataFrame({"kind": kinds.astype(object),
                         "limit_pct": pd.to_numeric(limits, errors="coerce").astype(float)},
                        index=texts.index)


def derive_cuts(actions: pd.DataFrame) -> pd.DataFrame:
    """The cut of each pollutant of each row (t/a) and where it came from.

    `actions` has kind, limit_pct, the annual emissions <pollutant> and the list's own cuts
    cut_given_<pollutant> (NaN: not given). Adds cut_<pollutant>, source_<pollutant> (given /
    derived / none / lacking) and needs_cut (a kind without a derivable cut and no figure at
    all), returning a new frame."""
    out = actions.copy()
    kind = out["kind"].to_numpy(dtype=object)
    share = np.select([kind == "stop", kind == "limit"],
                      [1.0, out["limit_pct"].to_numpy(dtype=float) / 100.0], default=0.0)
    derivable = np.isin(kind, DERIVED)
    any_given = np.zeros(len(out), dtype=bool)
    for p in POLLUTANTS:
        given = out[f"cut_given_{p}"].to_numpy(dtype=float)
        emission = np.nan_to_num(out[p].to_numpy(dtype=float))
        has = ~np.isnan(given)
        any_given |= has & (given > 0)
        out[f"cut_{p}"] = np.where(has, given, np.where(derivable, emission * share, 0.0))
        out[f"source_{p}"] = np.where(has, "given", np.where(
            kind == "none", "none", np.where(derivable, "derived", "lacking")))
    out["needs_cut"] = ~derivable & (kind != MISSING) & ~any_given
    return out


def strongest(kinds: pd.Series) -> str:
    """The strongest of several measure kinds (an enterprise's lines): 停产 over 限产 over …"""
    present = set(kinds)
    return next((k for k in (*MEASURE_STRENGTH, MISSING) if k in present), MISSING)


def actions(rows: pd.DataFrame, measures: pd.DataFrame, rules: EmergencyRules) -> pd.DataFrame:
    """One line per list row and level: the row's values, its grade class (a falsifier's is
    that of `falsified_grade`), the measure, its kind and 限产 %, and the cut of each pollutant
    with where it came from (`derive_cuts`). Rows in the list's order, levels lowest first."""
    given = measures.rename(columns={f"cut_{p}": f"cut_given_{p}" for p in POLLUTANTS})
    table = rows.merge(given, on="row_key", how="inner", validate="one_to_many")
    order = {code: rank for rank, code in enumerate(rules.level_order)}
    table["level_rank"] = table["level"].map(order)
    table = table.sort_values(["source_file", "source_row", "level_rank"], kind="stable").reset_index(drop=True)
    table["grade_class"] = [rules.grade_class(g if isinstance(g, str) else None, bool(f))
                            for g, f in zip(table["grade"], table["falsified"], strict=True)]
    table = pd.concat([table, classify(table["measure"], rules)], axis=1)
    return derive_cuts(table)
