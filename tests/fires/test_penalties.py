"""Penalties (扣减财力): the shipped seed-001 rules, rule choice, escalation, caps, figures, totals.

Every expected amount below is worked out by hand from seed plan 001 (秸秆焚烧 50万元/火点,
露天焚烧其他可燃物 10万元/火点) or from the rules file written by the test.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geoaq.fires import penalties
from geoaq.fires.penalties import PenaltyInputError, PenaltyRulesError, assess, load_rules, totals
from geoaq.i18n import say

XIPING, SHANGCAI = "411721", "411722"  # 西平县, 上蔡县 (驻马店)
T1, T2, T3 = "411721100", "411721101", "411722100"
NAMES = {XIPING: "西平县", SHANGCAI: "上蔡县", T1: "柏城街道", T2: "五沟营镇", T3: "蔡都街道"}
PARENT = {T1: XIPING, T2: XIPING, T3: SHANGCAI}

GENERAL = """
[[rules]]
category = "straw_burning"
amount = 500_000
label = "秸秆焚烧 50万元/火点 (seed 001)"

[[rules]]
category = "other_open_burning"
amount = 100_000

[[rules]]
category = "suspected_industrial"
amount = 0
"""


def event(event_id: str, when: str, township: str | None = T1, *, county: str | None = "auto",
          category: str = "straw_burning", zones: tuple[str, ...] = (),
          status: str | None = "suspected") -> dict:
    """One input row; the county follows the township unless given."""
    county = (PARENT.get(township) if township else XIPING) if county == "auto" else county
    return {
        "event_id": event_id,
        "first_detected_bjt": pd.Timestamp(when),
        "county_adcode": county,
        "county_name": NAMES.get(county),
        "township_adcode": township,
        "township_name": NAMES.get(township),
        "category": category,
        "zone_types": list(zones),
        "status": status,
    }


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(penalties.INPUT_COLUMNS))


def rules_file(tmp_path: Path, text: str, name: str = "penalties.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rules_from(tmp_path: Path, extra: str = "", head: str = "") -> penalties.PenaltyRules:
    return load_rules(rules_file(tmp_path, head + GENERAL + extra))


def by_id(assessed: pd.DataFrame, column: str) -> dict:
    """event id -> the column's value; a rule (a message) in its Chinese words."""
    return dict(zip(assessed["event_id"], assessed[column].map(say), strict=True))


# --------------------------------------------------------------------------- the shipped file


def test_shipped_rules_are_seed_001_with_escalation_and_caps_off():
    rules = load_rules()
    assert rules.path == penalties.DEFAULT_RULES_PATH
    assert (rules.currency, rules.unit) == ("CNY", "元")
    assert "seed 001" in rules.source
    general = {r.category: r.amounts for r in rules.rules if not r.specific}
    assert general == {"straw_burning": (500_000,), "other_open_burning": (100_000,),
                       "suspected_industrial": (0,)}
    assert rules.multipliers == ()
    assert rules.township_cap is None and rules.county_cap is None
    text = penalties.DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    assert "秸秆焚烧扣减地方财力50万元/火点" in text  # the seed-001 sentence is quoted
    for key in ("several_zones", "zone_type", "outside_zones", "amounts", "multipliers",
                "township_yuan", "county_yuan"):
        assert f"#   {key}" in text or f"# {key}" in text or f"{key} =" in text, key


def test_base_amount_per_category_with_shipped_rules():
    assessed = assess(frame(
        event("E1", "2025-10-01 10:00", T1),
        event("E2", "2025-10-01 11:00", T2, category="other_open_burning"),
        event("E3", "2025-10-01 12:00", T3, category="suspected_industrial"),
    ), load_rules())
    assert by_id(assessed, "penalty_yuan") == {"E1": 500_000, "E2": 100_000, "E3": 0}
    assert by_id(assessed, "base_yuan") == {"E1": 500_000, "E2": 100_000, "E3": 0}
    assert by_id(assessed, "penalised") == {"E1": True, "E2": True, "E3": False}
    assert by_id(assessed, "multiplier") == {"E1": 1.0, "E2": 1.0, "E3": 0.0}
    assert by_id(assessed, "ordinal_in_township") == {"E1": 1, "E2": 1, "E3": pd.NA}
    rule = by_id(assessed, "rule")
    assert "50万元/火点" in rule["E1"] and "seed 001" in rule["E1"]
    assert "10万元/火点" in rule["E2"]
    assert "疑似工业热源" in rule["E3"]
    assert not assessed["capped"].any()
    assert assessed["penalty_yuan"].dtype == "int64"


def test_output_keeps_input_columns_order_and_index_and_does_not_mutate():
    events = frame(event("B", "2025-10-02 09:00"), event("A", "2025-10-01 09:00"))
    events.index = [10, 20]
    before = events.copy()
    assessed = assess(events, load_rules())
    pd.testing.assert_frame_equal(events, before)
    assert list(assessed.columns) == [*penalties.INPUT_COLUMNS, *penalties.OUTPUT_COLUMNS]
    assert list(assessed.index) == [10, 20]
    assert list(assessed["event_id"]) == ["B", "A"]
    assert list(assessed["ordinal_in_township"]) == [2, 1]
    repeated = pd.concat([events.iloc[:1], events.iloc[1:].set_axis([10])])
    assert list(assess(repeated, load_rules())["penalty_yuan"]) == [500_000, 500_000]


# --------------------------------------------------------------------------- rule choice


ZONE_RULES = """
[[rules]]
category = "straw_burning"
zone_type = "秸秆禁烧区"
amount = 1_000_000
label = "禁烧区内秸秆焚烧 100万元"

[[rules]]
category = "other_open_burning"
outside_zones = true
amount = 30_000
"""


def test_zone_rule_beats_general_and_outside_rule_applies_only_outside_all_zones(tmp_path):
    rules = rules_from(tmp_path, ZONE_RULES)
    assessed = assess(frame(
        event("S-in", "2025-10-01 10:00", T1, zones=("秸秆禁烧区",)),
        event("S-out", "2025-10-01 10:00", T2),
        event("S-coal", "2025-10-01 10:00", T3, zones=("禁煤区",)),
        event("O-out", "2025-10-01 10:00", T1, county=XIPING, category="other_open_burning"),
        event("O-in", "2025-10-01 10:00", T2, category="other_open_burning", zones=("禁煤区",)),
    ), rules)
    assert by_id(assessed, "penalty_yuan") == {
        "S-in": 1_000_000,  # the 秸秆禁烧区 rule, not the general 50万
        "S-out": 500_000,  # general
        "S-coal": 500_000,  # a zone without a straw rule: general
        "O-out": 30_000,  # outside every zone: the outside_zones rule
        "O-in": 100_000,  # inside a zone: the outside rule does not apply, general
    }
    assert by_id(assessed, "rule")["S-in"] == "禁烧区内秸秆焚烧 100万元"
    assert by_id(assessed, "rule")["O-out"] == "管控区外露天焚烧其他可燃物 3万元/火点"


SEVERAL = """
[[rules]]
category = "straw_burning"
zone_type = "秸秆禁烧区"
amount = 800_000

[[rules]]
category = "straw_burning"
zone_type = "高污染燃料禁燃区"
amount = 1_200_000

[[rules]]
category = "straw_burning"
zone_type = "禁煤区"
amount = 800_000
"""


def test_several_zone_types_highest_amount_wins_ties_to_first_written(tmp_path):
    rules = rules_from(tmp_path, SEVERAL)
    assert rules.several_zones == "highest"
    assessed = assess(frame(
        event("both", "2025-10-01 10:00", T1, zones=("秸秆禁烧区", "高污染燃料禁燃区")),
        event("tie", "2025-10-01 10:00", T2, zones=("禁煤区", "秸秆禁烧区")),
    ), rules)
    assert by_id(assessed, "penalty_yuan") == {"both": 1_200_000, "tie": 800_000}
    rule = by_id(assessed, "rule")
    assert rule["both"].startswith("高污染燃料禁燃区内")
    assert rule["tie"].startswith("秸秆禁烧区内")  # written before the 禁煤区 rule


def test_several_zone_types_first_written_when_configured(tmp_path):
    rules = rules_from(tmp_path, SEVERAL, head='several_zones = "first"\n')
    assessed = assess(frame(
        event("both", "2025-10-01 10:00", T1, zones=("高污染燃料禁燃区", "秸秆禁烧区")),
    ), rules)
    assert by_id(assessed, "penalty_yuan") == {"both": 800_000}


def test_zone_types_accept_arrays_tuples_and_missing(tmp_path):
    import numpy as np

    rules = rules_from(tmp_path, ZONE_RULES)
    events = frame(event("a", "2025-10-01 10:00", T1), event("b", "2025-10-01 10:00", T2),
                   event("c", "2025-10-01 10:00", T3))
    events["zone_types"] = pd.Series([np.array(["秸秆禁烧区"]), None, ("秸秆禁烧区",)],
                                     dtype=object)
    assert by_id(assess(events, rules), "penalty_yuan") == {
        "a": 1_000_000, "b": 500_000, "c": 1_000_000}


# --------------------------------------------------------------------------- escalation


ESCALATION = """
[escalation]
multipliers = [1, 1.5, 2]
"""


def test_escalation_by_time_then_event_id_last_multiplier_repeats(tmp_path):
    rules = rules_from(tmp_path, ESCALATION)
    assessed = assess(frame(
        event("E4", "2025-10-04 08:00", T1),
        event("E2-b", "2025-10-02 08:00", T1),  # same time as E2-a: the id breaks the tie
        event("E2-a", "2025-10-02 08:00", T1, category="other_open_burning"),
        event("E1", "2025-10-01 08:00", T1),
        event("E5", "2025-10-05 08:00", T1),
        event("X1", "2025-10-03 08:00", T1, status="dismissed"),  # not counted
        event("Y1", "2025-10-03 08:00", T2),  # another township starts at 1
        event("Z1", "2025-10-03 09:00", None, county=XIPING),  # no township: no ordinal
    ), rules)
    assert by_id(assessed, "ordinal_in_township") == {
        "E4": 4, "E2-b": 3, "E2-a": 2, "E1": 1, "E5": 5, "X1": pd.NA, "Y1": 1, "Z1": pd.NA}
    assert by_id(assessed, "multiplier") == {
        "E4": 2.0, "E2-b": 2.0, "E2-a": 1.5, "E1": 1.0, "E5": 2.0, "X1": 0.0, "Y1": 1.0,
        "Z1": 1.0}
    assert by_id(assessed, "penalty_yuan") == {
        "E1": 500_000,  # 1st × 1
        "E2-a": 150_000,  # 2nd × 1.5, other open burning 10万
        "E2-b": 1_000_000,  # 3rd × 2
        "E4": 1_000_000,  # 4th: the last multiplier repeats
        "E5": 1_000_000,
        "X1": 0,
        "Y1": 500_000,
        "Z1": 500_000,
    }
    assert "第3起 ×2" in by_id(assessed, "rule")["E2-b"]


def test_escalation_rounds_half_up_to_whole_yuan(tmp_path):
    text = GENERAL.replace("100_000", "100_001") + ESCALATION
    rules = load_rules(rules_file(tmp_path, text))
    assessed = assess(frame(
        event("a", "2025-10-01 08:00", T1, category="other_open_burning"),
        event("b", "2025-10-02 08:00", T1, category="other_open_burning"),
    ), rules)
    assert by_id(assessed, "penalty_yuan") == {"a": 100_001, "b": 150_002}  # 150001.5 -> up


def test_rule_with_its_own_amounts_ignores_multipliers(tmp_path):
    text = GENERAL.replace("amount = 500_000", "amounts = [500_000, 800_000]") + ESCALATION
    rules = load_rules(rules_file(tmp_path, text))
    assessed = assess(frame(
        event("a", "2025-10-01 08:00", T1),
        event("b", "2025-10-02 08:00", T1),
        event("c", "2025-10-03 08:00", T1),
        event("d", "2025-10-04 08:00", T1, category="other_open_burning"),
    ), rules)
    assert by_id(assessed, "penalty_yuan") == {"a": 500_000, "b": 800_000, "c": 800_000,
                                               "d": 200_000}  # 4th: multipliers' last, ×2
    assert by_id(assessed, "base_yuan") == {"a": 500_000, "b": 500_000, "c": 500_000,
                                            "d": 100_000}
    assert by_id(assessed, "multiplier") == {"a": 1.0, "b": 1.6, "c": 1.6, "d": 2.0}


# --------------------------------------------------------------------------- caps


def test_township_cap_the_crossing_event_pays_the_remainder(tmp_path):
    rules = rules_from(tmp_path, "[caps]\ntownship_yuan = 1_200_000\n")
    assessed = assess(frame(
        event("a", "2025-10-01 08:00", T1),
        event("b", "2025-10-02 08:00", T1),
        event("c", "2025-10-03 08:00", T1),
        event("d", "2025-10-04 08:00", T1, category="other_open_burning"),
        event("e", "2025-10-03 08:00", T2),
    ), rules)
    assert by_id(assessed, "penalty_yuan") == {
        "a": 500_000, "b": 500_000, "c": 200_000, "d": 0, "e": 500_000}
    assert by_id(assessed, "capped") == {"a": False, "b": False, "c": True, "d": True,
                                         "e": False}
    assert by_id(assessed, "penalised") == dict.fromkeys("abcde", True)
    assert "乡镇封顶" in by_id(assessed, "rule")["c"]
    assert assessed.loc[assessed["township_adcode"] == T1, "penalty_yuan"].sum() == 1_200_000


def test_county_cap_applies_after_township_cap_in_time_order(tmp_path):
    rules = rules_from(tmp_path, "[caps]\ntownship_yuan = 600_000\ncounty_yuan = 1_000_000\n")
    assessed = assess(frame(
        event("t1-a", "2025-10-01 08:00", T1),  # 50万
        event("t1-b", "2025-10-02 08:00", T1),  # 50万 -> township cap leaves 10万
        event("t2-a", "2025-10-03 08:00", T2),  # county has paid 60万: 40万 left
        event("none", "2025-10-04 08:00", None, county=XIPING),  # county cap reached: 0
        event("sc", "2025-10-04 08:00", T3),  # another county: untouched
    ), rules)
    assert by_id(assessed, "penalty_yuan") == {
        "t1-a": 500_000, "t1-b": 100_000, "t2-a": 400_000, "none": 0, "sc": 500_000}
    assert by_id(assessed, "capped") == {
        "t1-a": False, "t1-b": True, "t2-a": True, "none": True, "sc": False}
    rule = by_id(assessed, "rule")
    assert "乡镇封顶" in rule["t1-b"] and "区县封顶" not in rule["t1-b"]
    assert "区县封顶" in rule["t2-a"]
    assert assessed.loc[assessed["county_adcode"] == XIPING, "penalty_yuan"].sum() == 1_000_000


def test_caps_with_escalation(tmp_path):
    rules = rules_from(tmp_path, ESCALATION + "[caps]\ntownship_yuan = 1_000_000\n")
    assessed = assess(frame(
        event("a", "2025-10-01 08:00", T1),  # 50万 ×1
        event("b", "2025-10-02 08:00", T1),  # 50万 ×1.5 = 75万 -> 50万 left
    ), rules)
    assert by_id(assessed, "penalty_yuan") == {"a": 500_000, "b": 500_000}
    assert by_id(assessed, "capped") == {"a": False, "b": True}
    assert by_id(assessed, "multiplier") == {"a": 1.0, "b": 1.5}


# --------------------------------------------------------------------------- figures, status


def test_suspected_figures_count_every_event_not_dismissed_verified_only_verified():
    events = frame(
        event("s", "2025-10-01 08:00", T1, status="suspected"),
        event("v", "2025-10-02 08:00", T1, status="verified"),
        event("n", "2025-10-03 08:00", T1, status=None),  # nobody reviewed it: suspected
        event("d", "2025-10-04 08:00", T1, status="dismissed"),
    )
    rules = load_rules()
    provisional = assess(events, rules)
    assert by_id(provisional, "penalty_yuan") == {"s": 500_000, "v": 500_000, "n": 500_000,
                                                  "d": 0}
    assert by_id(provisional, "ordinal_in_township") == {"s": 1, "v": 2, "n": 3, "d": pd.NA}
    verified = assess(events, rules, figures="verified")
    assert by_id(verified, "penalty_yuan") == {"s": 0, "v": 500_000, "n": 0, "d": 0}
    assert by_id(verified, "ordinal_in_township") == {"s": pd.NA, "v": 1, "n": pd.NA, "d": pd.NA}
    assert by_id(verified, "rule")["s"] == say(penalties.REASON_UNVERIFIED)
    assert by_id(verified, "rule")["d"] == say(penalties.REASON_DISMISSED)


def test_dismissed_and_suspected_industrial_never_penalised(tmp_path):
    rules = rules_from(tmp_path, ZONE_RULES)
    for figures in penalties.FIGURES:
        assessed = assess(frame(
            event("d1", "2025-10-01 08:00", T1, status="dismissed", zones=("秸秆禁烧区",)),
            event("d2", "2025-10-01 08:00", T1, status="dismissed",
                  category="other_open_burning"),
            event("i1", "2025-10-01 08:00", T1, status="verified",
                  category="suspected_industrial"),
            event("i2", "2025-10-01 08:00", T1, category="suspected_industrial",
                  zones=("秸秆禁烧区",)),
        ), rules, figures=figures)
        assert not assessed["penalised"].any()
        assert (assessed["penalty_yuan"] == 0).all()
        assert by_id(assessed, "rule") == {
            "d1": say(penalties.REASON_DISMISSED), "d2": say(penalties.REASON_DISMISSED),
            "i1": say(penalties.REASON_INDUSTRIAL), "i2": say(penalties.REASON_INDUSTRIAL)}


def test_events_without_county_are_listed_not_penalised():
    assessed = assess(frame(
        event("nc", "2025-10-01 08:00", None, county=None),
        event("blank", "2025-10-01 08:00", None, county="  "),
    ), load_rules())
    assert list(assessed["event_id"]) == ["nc", "blank"]
    assert not assessed["penalised"].any()
    assert set(assessed["rule"]) == {penalties.REASON_NO_COUNTY}


def test_zero_amount_rule_is_listed_not_penalised_and_not_ranked(tmp_path):
    text = GENERAL + '[[rules]]\ncategory = "straw_burning"\noutside_zones = true\namount = 0\n'
    rules = load_rules(rules_file(tmp_path, text))
    assessed = assess(frame(
        event("free", "2025-10-01 08:00", T1),
        event("zone", "2025-10-02 08:00", T1, zones=("禁煤区",)),
    ), rules)
    assert by_id(assessed, "penalised") == {"free": False, "zone": True}
    assert by_id(assessed, "ordinal_in_township") == {"free": pd.NA, "zone": 1}
    assert by_id(assessed, "rule")["free"] == "管控区外秸秆焚烧 不扣减"


def test_empty_input():
    empty = frame()
    assessed = assess(empty, load_rules())
    assert assessed.empty
    assert list(assessed.columns) == [*penalties.INPUT_COLUMNS, *penalties.OUTPUT_COLUMNS]
    summary = totals(assessed, by=("county", "township"))
    assert summary.empty
    assert list(summary.columns) == ["county_adcode", "county_name", "township_adcode",
                                     "township_name", "events", "penalty_yuan",
                                     "capped_events", "event_ids"]


@pytest.mark.parametrize(("change", "match"), [
    (lambda f: f.drop(columns=["zone_types", "status"]), r"lack column\(s\) \['zone_types', 'status'\]"),
    (lambda f: f.assign(category=["straw", "straw_burning"]), r"unknown category value\(s\) \['straw'\]"),
    (lambda f: f.assign(status=["核定", "verified"]), r"unknown status value\(s\) \['核定'\]"),
    (lambda f: f.assign(event_id=["a", "a"]), r"event_id must be unique; repeated: \['a'\]"),
    (lambda f: f.assign(zone_types=[5, []]), r"zone_types must be a list"),
])
def test_bad_events_raise_clear_errors(change, match):
    events = frame(event("a", "2025-10-01 08:00"), event("b", "2025-10-01 09:00"))
    with pytest.raises(PenaltyInputError, match=match):
        assess(change(events), load_rules())


def test_unknown_figures_raise():
    with pytest.raises(PenaltyInputError, match=r"figures must be one of \['suspected', 'verified'\]"):
        assess(frame(), load_rules(), figures="final")


# --------------------------------------------------------------------------- totals


def test_totals_by_county_and_township(tmp_path):
    rules = rules_from(tmp_path, "[caps]\ntownship_yuan = 700_000\n")
    assessed = assess(frame(
        event("a", "2025-10-02 08:00", T1),
        event("b", "2025-10-01 08:00", T1),  # earlier than a: listed first
        event("c", "2025-10-01 08:00", T2, category="other_open_burning"),
        event("d", "2025-10-01 08:00", None, county=XIPING, category="other_open_burning"),
        event("e", "2025-10-01 08:00", T3, status="dismissed"),
        event("f", "2025-10-01 08:00", None, county=None),
    ), rules)
    county = totals(assessed)
    assert county.to_dict("records") == [
        {"county_adcode": XIPING, "county_name": "西平县", "events": 4,
         "penalty_yuan": 500_000 + 200_000 + 100_000 + 100_000, "capped_events": 1,
         "event_ids": ["b", "c", "d", "a"]},
        {"county_adcode": SHANGCAI, "county_name": "上蔡县", "events": 0, "penalty_yuan": 0,
         "capped_events": 0, "event_ids": []},
    ]
    township = totals(assessed, by=("county", "township"))
    records = township.to_dict("records")
    assert [(None if pd.isna(r["township_adcode"]) else r["township_adcode"], r["events"],
             r["penalty_yuan"], r["event_ids"]) for r in records] == [
        (T1, 2, 700_000, ["b", "a"]),
        (T2, 1, 100_000, ["c"]),
        (None, 1, 100_000, ["d"]),  # Xiping's event without a township
        (T3, 0, 0, []),
    ]
    assert records[0]["township_name"] == "柏城街道"
    assert township["penalty_yuan"].sum() == county["penalty_yuan"].sum()


def test_totals_rejects_other_groupings():
    with pytest.raises(PenaltyInputError, match="by must be one of"):
        totals(assess(frame(), load_rules()), by=("township",))


# --------------------------------------------------------------------------- bad rules files


@pytest.mark.parametrize(("text", "match"), [
    ("rules = [", r"not valid TOML"),
    (GENERAL.replace("amount = 500_000", "amount = -1"),
     r"rules\[0\]\.amount must be an integer number of yuan >= 0, got -1"),
    (GENERAL.replace("amount = 500_000", 'amount = "50万"'), r"rules\[0\]\.amount must be"),
    (GENERAL.replace("amount = 500_000", "amount = 500_000\namounts = [1]"),
     r"rules\[0\] \(straw_burning\) needs exactly one of amount or amounts"),
    (GENERAL.replace('category = "straw_burning"', 'category = "straw"'),
     r"rules\[0\]\.category must be one of"),
    (GENERAL + "[[rules]]\ncategory = \"straw_burning\"\nzone_type = \"禁烧区\"\namount = 1\n",
     r"rules\[3\]\.zone_type '禁烧区' is not a zone type of layers/control_zones.toml "
     r"\(write '秸秆禁烧区'\)"),
    (GENERAL + "[[rules]]\ncategory = \"straw_burning\"\nzone_type = \"火星\"\namount = 1\n",
     r"rules\[3\]\.zone_type '火星' is not a zone type.*known: \["),
    (GENERAL + "[[rules]]\ncategory = \"straw_burning\"\namount = 1\n",
     r"rules\[3\] repeats rules\[0\] \(straw_burning, no zone condition\)"),
    (GENERAL.replace("amount = 0", "amount = 10"),
     r"rules\[2\]\.amount: suspected_industrial events are never charged"),
    (GENERAL.split("[[rules]]\ncategory = \"other_open_burning\"")[0],
     r"every category needs a general rule.*\['other_open_burning', 'suspected_industrial'\]"),
    (GENERAL.replace("amount = 100_000", "amount = 100_000\nmoney = 1"),
     r"unknown key\(s\) \['money'\] in rules\[1\]"),
    ("penalty = 1\n" + GENERAL, r"unknown key\(s\) \['penalty'\] in the top level"),
    (GENERAL + "[escalation]\nmultipliers = [1, 0]\n", r"escalation\.multipliers must be"),
    (GENERAL + "[caps]\ntownship_yuan = 0\n", r"caps\.township_yuan must be an integer"),
    (GENERAL + "[caps]\nprovince_yuan = 1\n", r"unknown key\(s\) \['province_yuan'\] in \[caps\]"),
    ('unit = "万元"\n' + GENERAL, r"currency/unit must be"),
    ('several_zones = "lowest"\n' + GENERAL, r"several_zones must be one of"),
    ("source = \"x\"\n", r"at least one \[\[rules\]\] table is required"),
])
def test_bad_rules_file_names_file_and_key(tmp_path, text, match):
    path = rules_file(tmp_path, text, "bad.toml")
    with pytest.raises(PenaltyRulesError, match=match) as info:
        load_rules(path)
    assert str(path) in str(info.value)


def test_missing_rules_file(tmp_path):
    with pytest.raises(PenaltyRulesError, match=r"nope\.toml: penalty rules file not found"):
        load_rules(tmp_path / "nope.toml")


def test_known_zone_types_can_be_given(tmp_path):
    text = GENERAL + "[[rules]]\ncategory = \"straw_burning\"\nzone_type = \"火星\"\namount = 1\n"
    rules = load_rules(rules_file(tmp_path, text), known_zone_types=["火星"])
    assert rules.rules[3].zone_type == "火星"
