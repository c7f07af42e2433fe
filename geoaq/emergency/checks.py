"""Checks of the emission-reduction list: does it reach the required cut shares at each level,
and where does it break the rules of grading and measures.

**Shares** (seed 004 §19): at Ⅲ/Ⅱ/Ⅰ the list's cuts of SO2, NOx, PM and VOCs must reach the
level's `required_share` (10/20/30 %) of the total emissions — the whole society's, when the
user gives them (t/a), else the list's own. Each line says how much the exempt (A, 引领性),
reduced (B) and fully bound (C, falsifiers, ungraded) rows emit and cut, so a shortfall can
be traced to the grades.

**Consistency** (one problem per row and rule, each naming the rule it breaks; `RULES`):
a steel plant graded exempt or reduced without completed ultra-low emission (seed 000); a C-
grade (or lowered) row with 无需减排; an enterprise of a listed industry in the enterprises
layer but not on the list (seed 000 应纳尽纳); a measure without a cut (停用, 错峰 … with no
figure); a level without a measure (seed 004 措施全覆盖); a higher level cutting less than a
lower one; a cut above the row's emission; a row whose key is not in the enterprises layer;
a grade that differs from the layer's; a falsifier lowered to C. A total given below the
list's own emissions is a problem too. Pure functions on DataFrames, plus `check_list`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from geoaq.db import store
from geoaq.db.connection import Connection
from geoaq.emergency import reduction_list
from geoaq.emergency.measures import MISSING, actions
from geoaq.emergency.rules import GRADE_CLASSES, POLLUTANTS, EmergencyRules, load_emergency_rules
from geoaq.i18n import msg
from geoaq.layers import get_layer

#: rule code → severity: "error" breaks a rule of the plans, "note" asks for a look
RULES = {
    "ule_not_done": "error", "c_without_cut": "error", "missing_from_list": "error",
    "measure_without_cut": "error", "missing_measure": "error", "weaker_at_higher_level": "error",
    "cut_above_emission": "error", "total_below_list": "error", "unmatched": "note",
    "grade_differs": "note", "falsified_lowered": "note",
}
#: rules about an enterprise as a whole: listed once, not once per production line
PER_ENTERPRISE = ("unmatched", "grade_differs", "falsified_lowered")
PROBLEM_COLUMNS = ["rule", "severity", "levels", "row_key", "enterprise_key", "enterprise_name", "county",
                   "line", "message"]
SHARE_COLUMNS = ["level", "pollutant", "basis", "total_t", "required_pct", "required_t", "cut_t", "cut_pct",
                 "shortfall_t", "meets", *(f"emission_{c}_t" for c in GRADE_CLASSES),
                 *(f"cut_{c}_t" for c in GRADE_CLASSES), *(f"rows_{c}" for c in GRADE_CLASSES)]
_TOLERANCE = 1e-9


# --- shares ----------------------------------------------------------------------------------


def share_table(acts: pd.DataFrame, rules: EmergencyRules,
                totals: dict[str, float] | None = None) -> pd.DataFrame:
    """One line per level and pollutant: the total (basis ``given`` or ``list``), the share
    required and the cut that means (t/a), the list's cut and share, the shortfall, whether it
    meets the requirement, and emissions, cuts and rows per grade class."""
    totals = {p: float(v) for p, v in (totals or {}).items() if v is not None and not np.isnan(float(v))}
    first_level = acts[acts["level"] == rules.level_order[0]] if len(acts) else acts
    lines = []
    for level in rules.level_order:
        at = acts[acts["level"] == level]
        for p in POLLUTANTS:
            listed = float(first_level[p].sum()) if len(first_level) else 0.0
            total = totals.get(p, listed)
            required_pct = rules.levels[level].required_share[p]
            required = total * required_pct / 100.0
            cut = float(at[f"cut_{p}"].sum())
            line = {"level": level, "pollutant": p, "basis": "given" if p in totals else "list",
                    "total_t": total, "required_pct": required_pct, "required_t": required, "cut_t": cut,
                    "cut_pct": cut / total * 100.0 if total > 0 else np.nan,
                    "shortfall_t": max(required - cut, 0.0),
                    "meets": bool(cut + _TOLERANCE >= required)}
            for cls in GRADE_CLASSES:
                mine = at[at["grade_class"] == cls]
                line[f"emission_{cls}_t"] = float(mine[p].sum())
                line[f"cut_{cls}_t"] = float(mine[f"cut_{p}"].sum())
                line[f"rows_{cls}"] = int(len(mine))
            lines.append(line)
    return pd.DataFrame(lines, columns=SHARE_COLUMNS)


# --- consistency -----------------------------------------------------------------------------


def match_enterprises(rows: pd.DataFrame, enterprises: pd.DataFrame) -> pd.DataFrame:
    """The list rows with the enterprises layer's view of them by key (enterprise_id, compared
    in `reduction_list.key_form`):
    matched, layer_county, layer_industry, layer_grade, layer_ule, layer_status, lon, lat."""
    layer = enterprises.copy()
    if "geometry" in layer and len(layer):
        points = layer.geometry.representative_point()
        layer["lon"], layer["lat"] = points.x.to_numpy(), points.y.to_numpy()
    else:
        layer["lon"], layer["lat"] = np.nan, np.nan
    wanted = {"enterprise_id": "enterprise_key", "county": "layer_county", "industry": "layer_industry",
              "performance_grade": "layer_grade", "ultra_low_emission": "layer_ule", "status": "layer_status"}
    for column in wanted:
        if column not in layer:
            layer[column] = None
    view = layer[[*wanted, "lon", "lat"]].rename(columns=wanted)
    view["_key"] = reduction_list.key_form(view.pop("enterprise_key").astype(str))
    view = view.drop_duplicates("_key").assign(matched=True)
    out = rows.assign(_key=reduction_list.key_form(rows["enterprise_key"])).merge(view, on="_key", how="left")
    out["matched"] = out["matched"].fillna(False).astype(bool)
    return out.drop(columns="_key")


def _problem(rule: str, row: pd.Series | dict | None, at_levels: tuple[str, ...] = (), **values) -> dict:
    get = (row.get if row is not None else (lambda _k, _d=None: None))
    return {"rule": rule, "severity": RULES[rule], "levels": at_levels, "row_key": get("row_key"),
            "enterprise_key": get("enterprise_key"), "enterprise_name": get("enterprise_name"),
            "county": get("county") or get("layer_county"), "line": get("line"),
            "message": msg(f"emergency.problem.{rule}", **values)}


def _levels_where(acts: pd.DataFrame, mask: pd.Series) -> dict[str, tuple[str, ...]]:
    found = acts[mask]
    return {key: tuple(group["level"]) for key, group in found.groupby("row_key", sort=False)}


def consistency(rows: pd.DataFrame, acts: pd.DataFrame, enterprises: pd.DataFrame,
                rules: EmergencyRules) -> pd.DataFrame:
    """Every consistency problem of the list (see the module notes), in the list's order, then
    the enterprises missing from it."""
    joined = match_enterprises(rows, enterprises).set_index("row_key", drop=False)
    problems: list[dict] = []
    without_cut = _levels_where(acts, acts["grade_class"].eq("full") & acts["kind"].eq("none"))
    needs = _levels_where(acts, acts["needs_cut"])
    missing = _levels_where(acts, acts["kind"].eq(MISSING))
    by_row = {key: group.sort_values("level_rank") for key, group in acts.groupby("row_key", sort=False)}
    for key, row in joined.iterrows():
        grade = row["grade"] if isinstance(row["grade"], str) else None
        cls = rules.grade_class(grade, bool(row["falsified"]))
        industry = row["industry"] if isinstance(row["industry"], str) else row["layer_industry"]
        ule = row["ule"] if isinstance(row["ule"], str) else row["layer_ule"]
        if industry in rules.ule_industries and cls in rules.ule_grades and ule not in rules.ule_done:
            problems.append(_problem("ule_not_done", row, grade=grade or "", industry=industry,
                                     ule=ule if isinstance(ule, str) else "—"))
        if key in without_cut:
            problems.append(_problem("c_without_cut", row, without_cut[key], grade=grade or "",
                                     levels=_level_words(without_cut[key])))
        if key in needs:
            measures = by_row[key].set_index("level")["measure"]
            problems.append(_problem("measure_without_cut", row, needs[key], levels=_level_words(needs[key]),
                                     measures=tuple(str(measures[lv]) for lv in needs[key])))
        if key in missing:
            problems.append(_problem("missing_measure", row, missing[key], levels=_level_words(missing[key])))
        steps = by_row.get(key)
        if steps is not None and len(steps) > 1:
            weaker = [(p, lo, hi) for p in POLLUTANTS
                      for lo, hi in zip(steps.iloc[:-1].itertuples(), steps.iloc[1:].itertuples(), strict=True)
                      if getattr(hi, f"cut_{p}") + _TOLERANCE < getattr(lo, f"cut_{p}")]
            if weaker:
                p, lo, hi = weaker[0]
                problems.append(_problem("weaker_at_higher_level", row, (hi.level,), pollutant=msg(f"emergency.pollutant.{p}"),
                                         higher=msg(f"emergency.level.{hi.level}"), lower=msg(f"emergency.level.{lo.level}"),
                                         high_t=float(getattr(hi, f"cut_{p}")), low_t=float(getattr(lo, f"cut_{p}"))))
            above = [(p, s) for s in steps.itertuples() for p in POLLUTANTS
                     if getattr(s, f"cut_{p}") > getattr(s, p) + _TOLERANCE]
            if above:
                p, s = above[0]
                problems.append(_problem("cut_above_emission", row, (s.level,), pollutant=msg(f"emergency.pollutant.{p}"),
                                         level=msg(f"emergency.level.{s.level}"), cut_t=float(getattr(s, f"cut_{p}")),
                                         emission_t=float(getattr(s, p))))
        if not row["matched"]:
            problems.append(_problem("unmatched", row, key=row["enterprise_key"]))
        elif isinstance(row["layer_grade"], str) and grade and row["layer_grade"] not in ("无", grade):
            problems.append(_problem("grade_differs", row, grade=grade, layer_grade=row["layer_grade"]))
        if bool(row["falsified"]):
            problems.append(_problem("falsified_lowered", row, grade=grade or "—", lowered=rules.falsified_grade))
    found = pd.DataFrame(problems, columns=PROBLEM_COLUMNS)
    # a note about the enterprise (not one of its lines) once per enterprise
    once = found["rule"].isin(PER_ENTERPRISE)
    found = pd.concat([found[~once], found[once].drop_duplicates(["rule", "enterprise_key"])]).sort_index()
    problems = found.to_dict("records")
    listed = set(reduction_list.key_form(rows["enterprise_key"].astype(str)).dropna())
    if len(enterprises) and "industry" in enterprises:
        candidates = enterprises[enterprises["industry"].isin(rules.required_industries)
                                 & ~enterprises["status"].isin(rules.excluded_status)]
        for _, ent in candidates.iterrows():
            if str(reduction_list.key_form(pd.Series([str(ent["enterprise_id"])])).iloc[0]) not in listed:
                problems.append(_problem("missing_from_list", {
                    "enterprise_key": str(ent["enterprise_id"]), "enterprise_name": ent["name"],
                    "county": ent.get("county")}, industry=ent["industry"], status=ent.get("status") or "—"))
    return pd.DataFrame(problems, columns=PROBLEM_COLUMNS)


def _level_words(levels: tuple[str, ...]) -> tuple:
    return tuple(msg(f"emergency.level.{code}") for code in levels)


def total_problems(shares: pd.DataFrame) -> pd.DataFrame:
    """A given total below the list's own emissions (it cannot be the whole society's)."""
    first = shares.drop_duplicates("pollutant")
    found = []
    for line in first.itertuples():
        listed = sum(getattr(line, f"emission_{c}_t") for c in GRADE_CLASSES)
        if line.basis == "given" and line.total_t + _TOLERANCE < listed:
            found.append(_problem("total_below_list", None, pollutant=msg(f"emergency.pollutant.{line.pollutant}"),
                                  total_t=float(line.total_t), listed_t=float(listed)))
    return pd.DataFrame(found, columns=PROBLEM_COLUMNS)


# --- the whole check -----------------------------------------------------------------------


@dataclass(frozen=True)
class ListCheck:
    """A version's check: its shares per level and pollutant, and every problem."""

    version: tuple[str, date]
    shares: pd.DataFrame
    problems: pd.DataFrame
    rows: int
    totals: dict[str, float]

    def meets(self, level: str) -> bool:
        at = self.shares[self.shares["level"] == level]
        return bool(len(at)) and bool(at["meets"].all())

    @property
    def errors(self) -> int:
        return int((self.problems["severity"] == "error").sum())


def check_list(con: Connection, version: str | tuple[str, date] | None = None, *,
               totals: dict[str, float] | None = None, rules: EmergencyRules | None = None) -> ListCheck:
    """Check a stored version (default: the newest) against the rules and the enterprises
    layer; `totals` (t/a per pollutant) are the whole society's emissions, when known."""
    rules = rules or load_emergency_rules()
    chosen = version if isinstance(version, tuple) else reduction_list.resolve_version(con, version)
    rows, measures = reduction_list.read_list(con, chosen)
    acts = actions(rows, measures, rules)
    enterprises = store.read_layer(con, get_layer("enterprises"))
    shares = share_table(acts, rules, totals)
    parts = [p for p in (total_problems(shares), consistency(rows, acts, enterprises, rules)) if len(p)]
    problems = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=PROBLEM_COLUMNS)
    return ListCheck(chosen, shares, problems, len(rows), dict(totals or {}))
