"""emergency.toml: levels, criteria, grades, measures and consistency rules as data, checked on
loading; a site's own file changes what the code decides."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geoaq import config
from geoaq._errors import EmergencyRulesError
from geoaq.emergency.rules import LEVELS, POLLUTANTS, load_emergency_rules, rules_path


def test_the_shipped_rules_are_seed_004s_shares_and_the_2024_criteria(rules):
    assert rules.level_order == list(LEVELS) == ["III", "II", "I"]
    assert [rules.levels[c].required_share for c in LEVELS] == [
        dict.fromkeys(POLLUTANTS, 10.0), dict.fromkeys(POLLUTANTS, 20.0), dict.fromkeys(POLLUTANTS, 30.0)]
    assert [(c.level, c.when) for c in rules.criteria] == [
        ("III", ((200.0, 1),)), ("III", ((150.0, 2),)), ("II", ((200.0, 2),)), ("II", ((150.0, 3),)),
        ("I", ((200.0, 3), (300.0, 1)))]
    assert rules.falsified_grade == "C" and rules.ule_industries == ("钢铁",)
    assert rules_path() == config.shipped("rules") / "emergency.toml"


@pytest.mark.parametrize(("text", "code"), [
    ("黄色", "III"), ("Ⅲ级", "III"), ("III", "III"), ("iii", "III"), ("黄色预警（Ⅲ级）", "III"),
    ("橙色预警", "II"), ("Ⅱ级", "II"), ("level II", "II"), ("红色", "I"), ("Ⅰ级", "I"), ("red", "I"),
    ("紫色", None), ("", None), ("III/II", None), (None, None),
])
def test_a_level_is_read_from_how_files_write_it(rules, text, code):
    assert rules.level_of(text) == code


@pytest.mark.parametrize(("grade", "falsified", "kept", "cls"), [
    ("A级", False, "A", "exempt"), ("a", False, "A", "exempt"), ("引领型", False, "引领性", "exempt"),
    ("B", False, "B", "reduced"), ("B-级", False, "B-", "reduced"), ("C级", False, "C", "full"),
    ("非引领性", False, "非引领性", "full"), ("未分级", False, "未分级", "ungraded"),
    ("B", True, "B", "full"),  # seed 004: a falsifier is lowered to C
    ("A", True, "A", "full"),
])
def test_grades_as_data_and_a_falsifier_lowered_to_c(rules, grade, falsified, kept, cls):
    assert rules.grade(grade) == kept
    assert rules.grade_class(rules.grade(grade), falsified) == cls


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    path = Path(shutil.copy(config.rules_file("emergency.toml"), tmp_path / "emergency.toml"))
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "says"), [
    ('required_share = { so2 = 20, nox = 20, pm = 20, vocs = 20 }',
     'required_share = { so2 = 5, nox = 20, pm = 20, vocs = 20 }', "levels.II.required_share.so2 (5) is below level III's"),
    ("rank = 3", "rank = 1", "ranks must rise"),
    ('spellings = ["橙色"', 'spellings = ["黄色", "橙色"', "'黄色' already spells level III"),
    ('reduced = ["B", "B-"]', 'reduced = ["B", "B-", "A"]', "'A' is in both exempt and reduced"),
    ('falsified_grade = "C"', 'falsified_grade = "Z"', "falsified_grade 'Z' is in none"),
    ('pattern = "错峰"', 'pattern = "错峰("', "measures[2].pattern is not a valid regular expression"),
    ('kind = "stagger"', 'kind = "stager"', "measures[2].kind must be one of"),
    ('level = "II"\nwhen = [{ above = 200, days = 2 }]', 'level = "IV"\nwhen = [{ above = 200, days = 2 }]',
     "criteria[2].level must be one of"),
])
def test_a_broken_rules_file_is_one_error_naming_the_key(tmp_path, old, new, says):
    with pytest.raises(EmergencyRulesError) as caught:
        load_emergency_rules(_edited(tmp_path, old, new))
    assert says in str(caught.value) and str(tmp_path) in str(caught.value)


def test_a_sites_own_rules_replace_the_shipped_ones(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "rules").mkdir(parents=True)
    own = _edited(tmp_path, 'required_share = { so2 = 10, nox = 10, pm = 10, vocs = 10 }',
                  'required_share = { so2 = 15, nox = 10, pm = 10, vocs = 10 }')
    shutil.copy(own, site / "rules" / "emergency.toml")
    monkeypatch.setenv("GEOAQ_SITE_DIR", str(site))
    rules = load_emergency_rules()
    assert rules.path == site / "rules" / "emergency.toml"
    assert rules.levels["III"].required_share["so2"] == 15.0
