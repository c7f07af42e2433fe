"""Deductions from local fiscal resources (扣减地方财力) for satellite fire events.

Pure functions on DataFrames: `load_rules` reads the rule file ``penalties.toml`` (the only I/O),
`assess` prices every event, `totals` sums per county or township. The default amounts are
seed plan 001's: 秸秆焚烧 50万元/火点, 露天焚烧其他可燃物 10万元/火点; suspected industrial heat
sources are listed but never charged.

Semantics (also documented in the rules file):

* counted events: not dismissed (with ``figures="verified"``: verified only), not
  ``suspected_industrial``, with a county; an event is *penalised* when it is counted and the
  rule it matches has an amount above 0;
* rule choice: a zone-type or ``outside_zones`` rule of the event's category beats the general
  rule; when several zone-type rules match, ``several_zones`` decides (``highest`` amount, ties
  to the rule written first; or ``first`` in the file);
* order: penalised events are ranked by ``first_detected_bjt``, then ``event_id``; the ordinal
  within a township (county + township adcode) drives escalation; events without a township
  get no ordinal and no escalation;
* caps are applied in that same order: the event that crosses a cap pays the remainder and
  later events 0 (they stay penalised, with ``capped`` true); the township cap first, then
  the county cap on what is left.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from geoaq import config
from geoaq._errors import PenaltyInputError, PenaltyRulesError
from geoaq.i18n import Joined, Message, Yuan, clauses, msg
from geoaq.rules import array, boolean, integer, number, table, text
from geoaq.rules import load_rules as load_rule_file  # `load_rules` here reads penalties.toml

#: The shipped rules; a site's own ``rules/penalties.toml`` is used instead (`rules_path`)
DEFAULT_RULES_PATH = config.shipped("rules") / "penalties.toml"

#: event category codes (the plans' names for them: fires.penalty.category.<code>)
CATEGORIES = ("straw_burning", "other_open_burning", "suspected_industrial")
NEVER_PENALISED_CATEGORY = "suspected_industrial"
STATUSES = ("suspected", "verified", "dismissed")
FIGURES = ("suspected", "verified")
SEVERAL_ZONES = ("highest", "first")

INPUT_COLUMNS = (
    "event_id", "first_detected_bjt", "county_adcode", "county_name", "township_adcode",
    "township_name", "category", "zone_types", "status",
)
OUTPUT_COLUMNS = (
    "penalised", "ordinal_in_township", "base_yuan", "multiplier", "penalty_yuan", "rule",
    "capped",
)
GROUPINGS = {
    ("county",): ("county_adcode", "county_name"),
    ("county", "township"): ("county_adcode", "county_name", "township_adcode", "township_name"),
}

_CAP = "an integer number of yuan > 0 (leave it out for no cap)"
#: one ``[[rules]]`` table
_RULE = table({
    "category": text(choices=CATEGORIES),
    "amount": integer(minimum=0, expected="an integer number of yuan >= 0"),
    "amounts": array(integer(minimum=1), min_items=1,
                     expected="a non-empty list of integer yuan > 0"),
    "zone_type": text(nonblank=True, expected="a zone type name"),
    "outside_zones": boolean(default=False),
    "label": text(nonblank=True),
}, required=("category",))
#: ``penalties.toml``: every key, its type and its default
SCHEMA = table({
    "currency": text(default="CNY"),
    "unit": text(default="元"),
    "source": text(default=""),
    "several_zones": text(choices=SEVERAL_ZONES, default="highest"),
    "rules": array(_RULE),
    "escalation": table({
        "multipliers": array(number(exclusive_minimum=0), default=[],
                             expected="a list of numbers > 0 (empty for no escalation)"),
    }),
    "caps": table({"township_yuan": integer(minimum=1, expected=_CAP),
                   "county_yuan": integer(minimum=1, expected=_CAP)}),
})

#: why an event is not charged (the `rule` of an unpriced event; words: fires.penalty.*)
REASON_DISMISSED = msg("fires.penalty.dismissed")
REASON_INDUSTRIAL = msg("fires.penalty.industrial")
REASON_UNVERIFIED = msg("fires.penalty.unverified")
REASON_NO_COUNTY = msg("fires.penalty.no_county")


@dataclass(frozen=True)
class PenaltyRule:
    """One `[[rules]]` entry: an amount (or escalating amounts) for a category and place."""

    category: str
    amounts: tuple[int, ...]
    own_schedule: bool = False  # given as `amounts`: replaces the [escalation] multipliers
    zone_type: str | None = None
    outside_zones: bool = False
    #: the file's label (its own words), else a message saying what the rule charges
    label: str | Message = ""
    position: int = 0  # index in the file, for "first written wins"

    @property
    def base(self) -> int:
        """The amount of a township's first event (the only one without escalation)."""
        return self.amounts[0]

    @property
    def specific(self) -> bool:
        """A zone-type or outside-zones rule, which beats the general rule."""
        return self.zone_type is not None or self.outside_zones

    def matches(self, category: str, zone_types: frozenset[str]) -> bool:
        if category != self.category:
            return False
        if self.zone_type is not None:
            return self.zone_type in zone_types
        if self.outside_zones:
            return not zone_types
        return True


@dataclass(frozen=True)
class PenaltyRules:
    """The parsed rules file."""

    rules: tuple[PenaltyRule, ...]
    multipliers: tuple[float, ...] = ()
    township_cap: int | None = None
    county_cap: int | None = None
    several_zones: str = "highest"
    currency: str = "CNY"
    unit: str = "元"
    source: str = ""
    path: Path | None = None

    def rule_for(self, category: str, zone_types: frozenset[str]) -> PenaltyRule:
        """The rule that prices an event of `category` inside zones of `zone_types`."""
        candidates = [r for r in self.rules if r.matches(category, zone_types)]
        specific = [r for r in candidates if r.specific]
        pool = specific or candidates
        if not pool:  # load_rules guarantees a general rule per category
            raise PenaltyInputError(f"no penalty rule for category {category!r}")
        if self.several_zones == "highest":
            return min(pool, key=lambda r: (-r.base, r.position))
        return min(pool, key=lambda r: r.position)


# --------------------------------------------------------------------------- rules file


def rules_path() -> Path:
    """The penalty rules in use: the site's ``rules/penalties.toml``, else the shipped one."""
    return config.rules_file("penalties.toml")


ZoneCheck = tuple[tuple[str, ...], dict[str, str]]


def _known_zone_types() -> ZoneCheck | None:
    """Allowed zone types (and synonyms) from the control_zones layer file, if there is one."""
    from geoaq import layers  # the registry parser; imported here to keep module import light

    path = next((p for p in config.layer_files() if p.name == "control_zones.toml"), None)
    if path is None:
        return None
    spec = layers.parse_layer_file(path)
    column = next((c for c in spec.columns if c.name == "zone_type"), None)
    if column is None or column.allowed is None:
        return None
    return column.allowed, column.synonyms


def _default_label(category: str, amounts: tuple[int, ...], zone_type: str | None,
                   outside_zones: bool) -> Message:
    """What a rule without a label charges: 管控区外秸秆焚烧 50万元/火点 (fires.penalty.label*)."""
    place = (msg("fires.penalty.place_zone", zone_type=zone_type) if zone_type
             else msg("fires.penalty.place_outside") if outside_zones else "")
    name = msg(f"fires.penalty.category.{category}")
    if amounts == (0,):
        return msg("fires.penalty.label_free", place=place, category=name)
    return msg("fires.penalty.label", place=place, category=name,
               amounts=Joined(tuple(Yuan(a) for a in amounts), "format.slash"))


def _rule_problems(raw: dict[str, Any], index: int, zone_check: ZoneCheck | None) -> list[str]:
    """What the schema cannot say about one ``[[rules]]`` table (values it refused are skipped)."""
    where, category = f"rules[{index}]", raw.get("category")
    problems = []
    if ("amount" in raw) == ("amounts" in raw):
        problems.append(f"{where} ({category}) needs exactly one of amount or amounts")
    amounts = raw.get("amounts", [raw.get("amount")])
    if (category == NEVER_PENALISED_CATEGORY and isinstance(amounts, list)
            and any(isinstance(a, int) and a for a in amounts)):
        problems.append(f"{where}.amount: {NEVER_PENALISED_CATEGORY} events are never charged, "
                        f"so the amount must be 0, got {amounts}")
    zone_type = raw.get("zone_type")
    if isinstance(zone_type, str) and zone_type.strip():
        zone_type = zone_type.strip()
        if raw.get("outside_zones") is True:
            problems.append(f"{where}: zone_type and outside_zones = true exclude each other")
        if zone_check is not None and zone_type not in zone_check[0]:
            allowed, synonyms = zone_check
            hint = (f" (write {synonyms[zone_type]!r})" if zone_type in synonyms
                    else f"; known: {list(allowed)}")
            problems.append(f"{where}.zone_type {zone_type!r} is not a zone type of "
                            f"layers/control_zones.toml{hint}")
    return problems


def _file_problems(raw: dict[str, Any], zone_check: ZoneCheck | None) -> list[str]:
    """What the schema cannot say about the file: the money is in yuan, every category has
    one general rule, no rule repeats another; then each rule's own checks."""
    problems = []
    currency, unit = raw.get("currency"), raw.get("unit")
    if isinstance(currency, str) and isinstance(unit, str) and (currency, unit) != ("CNY", "元"):
        problems.append(f'currency/unit must be "CNY"/"元" (amounts are integer yuan), '
                        f"got {currency!r}/{unit!r}")
    listed = raw.get("rules", [])
    if not isinstance(listed, list):
        return problems
    if not listed:
        return [*problems, "rules: at least one [[rules]] table is required"]
    entries = [(i, r) for i, r in enumerate(listed) if isinstance(r, dict)]
    for index, entry in entries:
        problems += _rule_problems(entry, index, zone_check)
    if len(entries) < len(listed) or any(r.get("category") not in CATEGORIES for _, r in entries):
        return problems  # the schema names the rule that is not a table or has no category
    seen: dict[tuple[str, str | None, bool], int] = {}
    for index, entry in entries:
        zone_type = entry.get("zone_type")
        zone_type = zone_type.strip() if isinstance(zone_type, str) else None
        key = (entry["category"], zone_type, entry.get("outside_zones") is True)
        if key in seen:
            place = (f"zone_type {zone_type!r}" if zone_type
                     else "outside_zones" if key[2] else "no zone condition")
            problems.append(f"rules[{index}] repeats rules[{seen[key]}] ({key[0]}, {place}); "
                            "keep one")
        seen.setdefault(key, index)
    missing = [c for c in CATEGORIES if (c, None, False) not in seen]
    if missing:
        problems.append(f"rules: every category needs a general rule (without zone_type or "
                        f"outside_zones); missing for {missing}")
    return problems


def _rule(raw: dict[str, Any], index: int) -> PenaltyRule:
    """One checked ``[[rules]]`` table as a PenaltyRule."""
    category, outside = raw["category"], raw["outside_zones"]
    own_schedule = "amounts" in raw
    amounts = tuple(raw["amounts"]) if own_schedule else (raw["amount"],)
    zone_type = raw["zone_type"].strip() if "zone_type" in raw else None
    label = raw.get("label", "").strip() or _default_label(category, amounts, zone_type, outside)
    return PenaltyRule(category=category, amounts=amounts, own_schedule=own_schedule,
                       zone_type=zone_type, outside_zones=outside, label=label, position=index)


def load_rules(path: str | Path | None = None, *,
               known_zone_types: Iterable[str] | None = None) -> PenaltyRules:
    """Read and check the penalty rules (default `rules_path`).

    Zone types named by rules are checked against `known_zone_types`, by default the allowed
    `zone_type` values of the control_zones layer file, so a typo cannot silently never match.
    Raises one PenaltyRulesError naming the file and, per problem, the key.
    """
    path = Path(path) if path is not None else rules_path()
    zone_check = ((tuple(known_zone_types), {}) if known_zone_types is not None
                  else _known_zone_types())
    raw = load_rule_file(path, SCHEMA, PenaltyRulesError, what="penalty rules file",
                         checks=lambda data: _file_problems(data, zone_check))
    caps = raw["caps"]
    return PenaltyRules(
        rules=tuple(_rule(r, i) for i, r in enumerate(raw["rules"])),
        multipliers=tuple(float(m) for m in raw["escalation"]["multipliers"]),
        township_cap=caps.get("township_yuan"),
        county_cap=caps.get("county_yuan"),
        several_zones=raw["several_zones"],
        currency=raw["currency"],
        unit=raw["unit"],
        source=raw["source"],
        path=path,
    )


# --------------------------------------------------------------------------- assessment


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and not value.strip()


def _zone_set(value: Any) -> frozenset[str]:
    """zone_types of one event as a set: lists, tuples, arrays; None/NaN mean no zone."""
    if isinstance(value, str):
        return frozenset([value.strip()]) if value.strip() else frozenset()
    if not pd.api.types.is_list_like(value):
        if _blank(value):
            return frozenset()
        raise PenaltyInputError(f"zone_types must be a list of zone types, got {value!r}")
    return frozenset(str(v).strip() for v in value if not _blank(v))


def _round_yuan(amount: int, multiplier: float) -> int:
    """amount × multiplier in whole yuan, half up (no binary-float surprises)."""
    exact = Decimal(amount) * Decimal(repr(multiplier))
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _empty_result(events: pd.DataFrame) -> pd.DataFrame:
    out = events.copy()
    out["penalised"] = pd.Series(dtype=bool)
    out["ordinal_in_township"] = pd.Series(dtype="Int64")
    out["base_yuan"] = pd.Series(dtype="int64")
    out["multiplier"] = pd.Series(dtype="float64")
    out["penalty_yuan"] = pd.Series(dtype="int64")
    out["rule"] = pd.Series(dtype=object)
    out["capped"] = pd.Series(dtype=bool)
    return out


def _check_events(events: pd.DataFrame, figures: str) -> None:
    if figures not in FIGURES:
        raise PenaltyInputError(f"figures must be one of {list(FIGURES)}, got {figures!r}")
    missing = [c for c in INPUT_COLUMNS if c not in events.columns]
    if missing:
        raise PenaltyInputError(f"events lack column(s) {missing}; required: "
                                f"{list(INPUT_COLUMNS)}")
    clash = [c for c in OUTPUT_COLUMNS if c in events.columns]
    if clash:
        raise PenaltyInputError(f"events already have output column(s) {clash}; "
                                f"assess a frame that was not assessed before")
    if events["event_id"].map(_blank).any():
        raise PenaltyInputError("event_id is missing in some rows; every event needs an id")
    repeated = sorted(set(map(str, events.loc[events["event_id"].duplicated(), "event_id"])))
    if repeated:
        raise PenaltyInputError(f"event_id must be unique; repeated: {repeated}")


def _sort_keys(events: pd.DataFrame) -> pd.DataFrame:
    try:
        when = pd.to_datetime(events["first_detected_bjt"])
    except (ValueError, TypeError) as exc:
        raise PenaltyInputError(f"first_detected_bjt must hold timestamps: {exc}") from exc
    return pd.DataFrame({"when": when, "event_id": events["event_id"].astype(str)},
                        index=events.index)


def assess(events: pd.DataFrame, rules: PenaltyRules,
           figures: str = "suspected") -> pd.DataFrame:
    """Price every event: the input columns plus penalised, ordinal_in_township, base_yuan,
    multiplier, penalty_yuan (integer yuan, after escalation and caps), rule and capped.

    `figures="suspected"` counts every event that is not dismissed (the provisional figure);
    `"verified"` only verified ones. Dismissed and suspected_industrial events and events
    without a county are listed with penalty 0 and the reason in `rule`. A missing status
    means suspected (an event nobody has reviewed). Row order and index are kept.
    """
    _check_events(events, figures)
    if events.empty:
        return _empty_result(events)
    original_index = events.index
    events = events.reset_index(drop=True)  # positional labels: the input index may repeat
    statuses = events["status"].map(lambda s: "suspected" if _blank(s) else str(s).strip())
    bad_status = sorted(set(statuses) - set(STATUSES))
    if bad_status:
        raise PenaltyInputError(f"unknown status value(s) {bad_status}; expected {list(STATUSES)}")
    categories = events["category"].map(lambda c: None if _blank(c) else str(c).strip())
    bad_category = sorted(map(str, set(categories) - set(CATEGORIES)))
    if bad_category:
        raise PenaltyInputError(f"unknown category value(s) {bad_category}; expected "
                                f"{list(CATEGORIES)}")
    zones = events["zone_types"].map(_zone_set).tolist()
    keys = _sort_keys(events)
    # plain lists indexed by position (the index is 0..n-1 here): a pandas lookup or `.at`
    # write per event took seconds for 100,000 events
    category_of, status_of = categories.tolist(), statuses.tolist()
    county_of, township_of = events["county_adcode"].tolist(), events["township_adcode"].tolist()

    rule_of: dict[Any, PenaltyRule] = {}
    reason: dict[Any, str] = {}
    for idx in events.index:
        category, status = category_of[idx], status_of[idx]
        if status == "dismissed":
            reason[idx] = REASON_DISMISSED
        elif category == NEVER_PENALISED_CATEGORY:
            reason[idx] = REASON_INDUSTRIAL
        elif figures == "verified" and status != "verified":
            reason[idx] = REASON_UNVERIFIED
        elif _blank(county_of[idx]):
            reason[idx] = REASON_NO_COUNTY
        else:
            rule = rules.rule_for(category, zones[idx])
            reason[idx] = rule.label
            if any(rule.amounts):
                rule_of[idx] = rule

    count = len(events)
    ordinal_col: list[Any] = [pd.NA] * count
    base_col: list[int] = [0] * count
    multiplier_col: list[float] = [0.0] * count
    paid_col: list[int] = [0] * count
    rule_col = [reason[idx] for idx in events.index]
    capped_col = [False] * count

    ordered = keys.loc[list(rule_of)].sort_values(["when", "event_id"], na_position="last")
    township_count: dict[tuple[str, str], int] = {}
    township_paid: dict[tuple[str, str], int] = {}
    county_paid: dict[str, int] = {}
    for idx in ordered.index:
        rule = rule_of[idx]
        county = str(county_of[idx]).strip()
        township_value = township_of[idx]
        township = None if _blank(township_value) else (county, str(township_value).strip())
        ordinal = None
        if township is not None:
            ordinal = township_count.get(township, 0) + 1
            township_count[township] = ordinal
        step = (ordinal or 1) - 1
        if rule.own_schedule:
            amount = rule.amounts[min(step, len(rule.amounts) - 1)]
            multiplier = amount / rule.base
        else:
            multiplier = (rules.multipliers[min(step, len(rules.multipliers) - 1)]
                          if rules.multipliers else 1.0)
            amount = _round_yuan(rule.base, multiplier)
        steps: list[Any] = [rule.label]
        if rule.own_schedule and ordinal and ordinal > 1:
            steps.append(msg("fires.penalty.nth_amount", n=ordinal, amount=Yuan(amount)))
        elif multiplier != 1.0:
            steps.append(msg("fires.penalty.nth_multiplier", n=ordinal or 1, multiplier=multiplier))
        paid = amount
        if township is not None and rules.township_cap is not None:
            room = max(rules.township_cap - township_paid.get(township, 0), 0)
            if paid > room:
                paid = room
                steps.append(msg("fires.penalty.township_cap", amount=Yuan(rules.township_cap)))
            township_paid[township] = township_paid.get(township, 0) + paid
        if rules.county_cap is not None:
            room = max(rules.county_cap - county_paid.get(county, 0), 0)
            if paid > room:
                paid = room
                steps.append(msg("fires.penalty.county_cap", amount=Yuan(rules.county_cap)))
            county_paid[county] = county_paid.get(county, 0) + paid
        ordinal_col[idx] = ordinal if ordinal is not None else pd.NA
        base_col[idx] = rule.base
        multiplier_col[idx] = multiplier
        paid_col[idx] = paid
        rule_col[idx] = steps[0] if len(steps) == 1 else clauses(steps)
        capped_col[idx] = paid < amount

    out = events.copy()
    out["penalised"] = [idx in rule_of for idx in events.index]
    out["ordinal_in_township"] = pd.array(ordinal_col, dtype="Int64")
    out["base_yuan"] = pd.Series(base_col, index=out.index).astype("int64")
    out["multiplier"] = pd.Series(multiplier_col, index=out.index, dtype="float64")
    out["penalty_yuan"] = pd.Series(paid_col, index=out.index).astype("int64")
    out["rule"] = rule_col
    out["capped"] = pd.Series(capped_col, index=out.index).astype(bool)
    out["penalised"] = out["penalised"].astype(bool)
    out.index = original_index
    return out


# --------------------------------------------------------------------------- totals


def totals(assessed: pd.DataFrame, by: tuple[str, ...] | str = ("county",)) -> pd.DataFrame:
    """Per county (or county + township): events counted, penalty total, the ids behind it.

    Columns: the group's adcode(s) and name(s), then `events` (penalised events), `penalty_yuan`
    (their sum), `capped_events` and `event_ids` (the penalised events, in time order, then by
    id). Every county of `assessed` appears, also with 0; events without a county are left out
    (they are never charged); with townships, a county's events without a township form one
    group with township_adcode missing. Sorted by penalty_yuan descending, then by adcode.
    """
    by = (by,) if isinstance(by, str) else tuple(by)
    if by not in GROUPINGS:
        raise PenaltyInputError(f"by must be one of {[list(k) for k in GROUPINGS]}, got {list(by)}")
    columns = GROUPINGS[by]
    needed = [*columns, "event_id", "first_detected_bjt", "penalised", "penalty_yuan", "capped"]
    missing = [c for c in needed if c not in assessed.columns]
    if missing:
        raise PenaltyInputError(f"assessed frame lacks column(s) {missing}; pass the result "
                                f"of assess()")
    code_columns = [c for c in columns if c.endswith("_adcode")]
    name_columns = [c for c in columns if c.endswith("_name")]
    frame = assessed.loc[~assessed["county_adcode"].map(_blank)].copy()
    for column in code_columns:
        frame[column] = frame[column].map(lambda v: None if _blank(v) else str(v).strip())
    if not frame.empty:
        frame = frame.loc[_sort_keys(frame).sort_values(["when", "event_id"],
                                                        na_position="last").index]
    rows = []
    for group_key, group in frame.groupby(code_columns, dropna=False, sort=True):
        codes = group_key if isinstance(group_key, tuple) else (group_key,)
        penalised = group.loc[group["penalised"].astype(bool)]
        row: dict[str, Any] = {}
        for code_column, name_column, code in zip(code_columns, name_columns, codes, strict=True):
            names = group[name_column].dropna()
            row[code_column] = None if _blank(code) else code
            row[name_column] = names.iloc[0] if not names.empty else None
        row["events"] = len(penalised)
        row["penalty_yuan"] = int(penalised["penalty_yuan"].sum())
        row["capped_events"] = int(penalised["capped"].astype(bool).sum())
        row["event_ids"] = [str(e) for e in penalised["event_id"]]
        rows.append(row)
    result = pd.DataFrame(
        rows, columns=[*columns, "events", "penalty_yuan", "capped_events", "event_ids"]
    )
    result["events"] = result["events"].astype("int64")
    result["penalty_yuan"] = result["penalty_yuan"].astype("int64")
    result["capped_events"] = result["capped_events"].astype("int64")
    result = result.sort_values(
        ["penalty_yuan", *code_columns], ascending=[False, *[True] * len(code_columns)],
        na_position="last", kind="stable",
    )
    return result.reset_index(drop=True)
