"""geoaq.rules: one validated loader for every rule file.

First every shipped rule file through its own loader (a typo'd key and a wrong type are one
error naming the file, both keys, what was found and what is allowed); then the loader itself
as a table of inputs and the line each gives.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from geoaq import config, rules
from geoaq._errors import (
    ClassMapError,
    ComplianceRulesError,
    EmergencyRulesError,
    FireRulesError,
    GeoaqError,
    PenaltyRulesError,
    RankingRulesError,
    RouteRulesError,
    RulesError,
    StandardError,
    TargetsError,
)
from geoaq.aq.standards import load_standard_file
from geoaq.compliance.summary import ComplianceRules, load_compliance_rules
from geoaq.compliance.targets import load_targets
from geoaq.emergency.rules import load_emergency_rules
from geoaq.fires.penalties import load_rules as load_penalty_rules
from geoaq.fires.rules import FireRules, load_fire_rules
from geoaq.geo.raster import load_class_map
from geoaq.rankings.rules import load_ranking_rules
from geoaq.routes.rules import load_route_rules
from geoaq.rules import (
    array,
    boolean,
    day,
    integer,
    number,
    one_of,
    table,
    tables,
    text,
)

# --- every shipped rule file -------------------------------------------------------------


@dataclass(frozen=True)
class RuleFile:
    """A shipped rule file, its loader, and two edits: a typo'd key and a wrong type."""

    shipped: Callable[[], Path]
    load: Callable[[Path], Any]
    error: type[RulesError]
    typo: tuple[str, str]  # (text in the file, the same with the key misspelt)
    wrong_type: tuple[str, str]  # (text in the file, the same with a value of the wrong type)
    #: what the message must say: the misspelt key, the right one, the retyped key, what it found
    says: tuple[str, ...]


RULE_FILES = {
    "fires": RuleFile(
        lambda: config.rules_file("fires.toml"), load_fire_rules, FireRulesError,
        ("buffer_m = 1000", "bufer_m = 1000"),
        ("viirs_pixel_m = 375", 'viirs_pixel_m = "375"'),
        ("unknown key(s) ['bufer_m'] in [heat_sources] (did you mean 'buffer_m'?); allowed: [",
         "events.viirs_pixel_m must be a number > 0, got '375' (text)")),
    "penalties": RuleFile(
        lambda: config.rules_file("penalties.toml"), load_penalty_rules, PenaltyRulesError,
        ('several_zones = "highest"', 'several_zone = "highest"'),
        ("amount = 500_000", 'amount = "50万"'),
        ("unknown key(s) ['several_zone'] in the top level (did you mean 'several_zones'?)",
         "rules[0].amount must be an integer number of yuan >= 0, got '50万' (text)")),
    "compliance": RuleFile(
        lambda: config.rules_file("compliance.toml"), load_compliance_rules, ComplianceRulesError,
        ("cluster_buffer_m = 500", "cluster_bufer_m = 500"),
        ("sensitive_radius_m = 3000", 'sensitive_radius_m = "3 km"'),
        ("unknown key(s) ['cluster_bufer_m'] in the top level (did you mean 'cluster_buffer_m'?)",
         "sensitive_radius_m must be a number > 0, got '3 km' (text)")),
    "routes": RuleFile(
        lambda: config.rules_file("routes.toml"), load_route_rules, RouteRulesError,
        ("fire_days = 1", "fire_day = 1"),
        ("team_hours = 8.0", 'team_hours = "8h"'),
        ("unknown key(s) ['fire_day'] in [findings] (did you mean 'fire_days'?)",
         "team_hours must be a number > 0, got '8h' (text)")),
    "emergency": RuleFile(
        lambda: config.rules_file("emergency.toml"), load_emergency_rules, EmergencyRulesError,
        ("before_days = 3", "before_day = 3"),
        ("rank = 2\n", 'rank = "2"\n'),
        ("unknown key(s) ['before_day'] in [assessment] (did you mean 'before_days'?)",
         "levels.II.rank must be an integer >= 1, got '2' (text)")),
    "rankings": RuleFile(
        lambda: config.rules_file("rankings.toml"), load_ranking_rules, RankingRulesError,
        ("risk_days = 10", "risk_day = 10"),
        ("named_last = 3", 'named_last = "3"'),
        ("unknown key(s) ['risk_day'] in [progress] (did you mean 'risk_days'?)",
         "bulletin.named_last must be an integer >= 0, got '3' (text)")),
    "landcover": RuleFile(
        lambda: config.rules_file("landcover.toml"), load_class_map, ClassMapError,
        ("nodata = [0]", "no_data = [0]"),
        ('40 = { key = "cropland"', '40 = { key = 40'),
        ("unknown key(s) ['no_data'] in the top level (did you mean 'nodata'?)",
         "classes.40.key must be a lower-case identifier, got 40 (integer)")),
    "targets": RuleFile(
        config.targets_file, load_targets, TargetsError,
        ('source = "seed 000"', 'sorce = "seed 000"'),
        ("value = 67\n", 'value = "67"\n'),
        ("unknown key(s) ['sorce'] in target[0] (did you mean 'source'?)",
         "target[0].value must be a number, got '67' (text)")),
    "standards 2012": RuleFile(
        lambda: config.standards_file("2012"), load_standard_file, StandardError,
        ('effective_until = "2026-02-28"', 'effective_untill = "2026-02-28"'),
        ("daily_min_hours = 20", 'daily_min_hours = "20"'),
        ("unknown key(s) ['effective_untill'] in the top level (did you mean 'effective_until'?)",
         "validity.daily_min_hours must be an integer >= 1, got '20' (text)")),
    "standards 2026": RuleFile(
        lambda: config.standards_file("2026"), load_standard_file, StandardError,
        ('evaluation_method = "HJ 663-2013"', 'evaluation_metod = "HJ 663-2013"'),
        ("publish_above = 100", 'publish_above = "100"'),
        ("unknown key(s) ['evaluation_metod'] in the top level (did you mean 'evaluation_method'?)",
         "aqi_rules.publish_above must be an integer >= 0, got '100' (text)")),
}


def _copy(rule_file: RuleFile, tmp_path: Path) -> Path:
    """The shipped file copied to `tmp_path`, under its own name."""
    shipped = rule_file.shipped()
    return Path(shutil.copy(shipped, tmp_path / shipped.name))


@pytest.mark.parametrize("rule_file", RULE_FILES.values(), ids=list(RULE_FILES))
def test_shipped_rule_file_loads_as_it_is_and_from_a_copy(rule_file: RuleFile, tmp_path) -> None:
    assert rule_file.load(rule_file.shipped()) is not None
    assert rule_file.load(_copy(rule_file, tmp_path)) is not None


@pytest.mark.parametrize("rule_file", RULE_FILES.values(), ids=list(RULE_FILES))
def test_a_typo_and_a_wrong_type_are_one_error_naming_file_key_found_and_allowed(
        rule_file: RuleFile, tmp_path) -> None:
    path = _copy(rule_file, tmp_path)
    text = path.read_text(encoding="utf-8")
    for old, new in (rule_file.typo, rule_file.wrong_type):
        assert text.count(old) >= 1, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(rule_file.error) as caught:
        rule_file.load(path)
    message = str(caught.value)
    assert isinstance(caught.value, GeoaqError) and isinstance(caught.value, RulesError)
    assert message.startswith(f"{path}: 2 problems:\n"), message
    for fragment in rule_file.says:
        assert fragment in message, (fragment, message)
    assert message.count("\n  - ") == 2


def test_a_typo_no_longer_falls_back_to_the_default(tmp_path) -> None:
    """fires.toml's `bufer_m` used to leave buffer_m at its default, silently."""
    path = tmp_path / "fires.toml"
    path.write_text("[heat_sources]\nbufer_m = 50\n", encoding="utf-8")
    with pytest.raises(FireRulesError, match=r"unknown key\(s\) \['bufer_m'\] in \[heat_sources\] "
                                             r"\(did you mean 'buffer_m'\?\); allowed: \['buffer_m', "):
        load_fire_rules(path)


def test_defaults_of_a_file_without_keys_are_todays(tmp_path) -> None:
    """An empty fires.toml / compliance.toml means the defaults the code always had."""
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    assert load_fire_rules(empty) == FireRules() == FireRules(
        viirs_pixel_m=375.0, modis_pixel_m=1000.0, use_scan_track=True, window_hours=0.0,
        heat_buffer_m=1000.0, heat_industries=(), heat_mine_minerals=(), persistence_min_days=3,
        persistence_window_days=30, landcover=None, without_landcover="straw_burning")
    assert load_compliance_rules(empty) == ComplianceRules() == ComplianceRules(
        coal_fuels=("煤",), coal_ban_zone_types=("禁煤区", "高污染燃料禁燃区"),
        burning_ban_zone_types=("秸秆禁烧区",), sensitive_radius_m=3000.0,
        sensitive_station_levels=("国控",), cluster_buffer_m=500.0,
        nearest_station_within_m=20_000.0, mine_attention_statuses=("停产整治",),
        attention_grades=("C",), attention_ule=("未改造", "改造中"))
    assert load_targets(empty) == []


def test_route_rules_fill_every_findings_and_solver_key(tmp_path) -> None:
    path = tmp_path / "routes.toml"
    path.write_text('speed_kmh = 30\ndetour_factor = 1.2\nteam_hours = 6\n'
                    '[depot]\nname = "局"\nlon = 112.4\nlat = 34.6\n'
                    '[types.fire_event]\nlabel_zh = "火点"\npriority = 100\nservice_min = 20\n',
                    encoding="utf-8")
    loaded = load_route_rules(path)
    assert loaded.findings == {"fire_days": 1, "include_suspected_industrial": True,
                               "fire_window_from_detection": True, "fire_in_zone_bonus": 0,
                               "station_days": 7, "emergency_measures": ["stop"], "emergency_full_bonus": 0}
    assert loaded.draw == {"excluded_enterprise_status": [], "excluded_mine_status": []}
    assert (loaded.day_start, loaded.work_limit, loaded.time_limit_s) == ("08:30", 12000, 30.0)
    assert loaded.types["fire_event"].label_en == "火点" and loaded.types["other"].priority == 0
    assert loaded.depot.name_en == "局"


def test_cross_field_checks_are_collected_with_the_schema_problems(tmp_path) -> None:
    path = tmp_path / "fires.toml"
    path.write_text("[events]\nwindow_hours = -1\n[heat_sources]\npersistence_min_days = 5\n"
                    "persistence_window_days = 4\n", encoding="utf-8")
    with pytest.raises(FireRulesError) as caught:
        load_fire_rules(path)
    assert str(caught.value) == (
        f"{path}: 2 problems:\n"
        "  - events.window_hours must be a number >= 0, got -1 (integer)\n"
        "  - heat_sources.persistence_window_days must be >= persistence_min_days (5), got 4: "
        "need 1 <= persistence_min_days <= persistence_window_days")


def test_land_cover_path_is_relative_to_the_rules_file(tmp_path) -> None:
    (tmp_path / "rules").mkdir()
    path = tmp_path / "rules" / "fires.toml"
    path.write_text('[categories]\nlandcover = "../rasters/own.tif"\n', encoding="utf-8")
    assert load_fire_rules(path).landcover == tmp_path / "rasters" / "own.tif"
    path.write_text('[categories]\nlandcover = ""\n', encoding="utf-8")
    assert load_fire_rules(path).landcover is None
    assert load_fire_rules().landcover == config.demo_dir() / "synthetic" / "landcover.tif"


# --- geoaq.rules itself: input -> the line it gives ---------------------------------------

SCHEMA = table({
    "events": table({"pixel_m": number(exclusive_minimum=0, default=375.0),
                     "scan": boolean(default=True)}),
    "days": integer(minimum=1, maximum=30),
    "kind": text(choices=["a", "b"]),
    "name": text(nonblank=True),
    "colour": text(pattern=r"^#[0-9a-f]{6}$", expected="#rrggbb"),
    "since": day(),
    "limit": one_of(number(), text(choices=["unlimited"])),
    "names": array(text()),
    "factors": array(number(exclusive_minimum=0), default=[], expected="a list of numbers > 0"),
    "rules": array(table({"amount": integer(minimum=0)}, required=("amount",))),
    "classes": tables(table({"key": text()})),
    "synonyms": tables(text()),
})

LINES = {
    "unknown top-level key, closest suggested": (
        {"evnts": {}},
        "unknown key(s) ['evnts'] in the top level (did you mean 'events'?); allowed: ['classes', "
        "'colour', 'days', 'events', 'factors', 'kind', 'limit', 'name', 'names', 'rules', 'since', "
        "'synonyms']"),
    "unknown key in a table": (
        {"events": {"pixel": 1, "scn": True}},
        "unknown key(s) ['pixel', 'scn'] in [events] (did you mean 'pixel_m' for 'pixel', 'scan' for "
        "'scn'?); allowed: ['pixel_m', 'scan']"),
    "unknown key without a close one": (
        {"events": {"zzz": 1}}, "unknown key(s) ['zzz'] in [events]; allowed: ['pixel_m', 'scan']"),
    "unknown key in an item of a list of tables": (
        {"rules": [{"amount": 1}, {"amount": 1, "money": 2}]},
        "unknown key(s) ['money'] in rules[1]; allowed: ['amount']"),
    "unknown key in an entry of a free table": (
        {"classes": {"40": {"key": "c", "extra": 1}}},
        "unknown key(s) ['extra'] in [classes.40]; allowed: ['key']"),
    "text for a number": (
        {"events": {"pixel_m": "375"}}, "events.pixel_m must be a number > 0, got '375' (text)"),
    "zero where more than 0 is needed": (
        {"events": {"pixel_m": 0}}, "events.pixel_m must be a number > 0, got 0 (integer)"),
    "not a finite number": (
        {"events": {"pixel_m": float("nan")}}, "events.pixel_m must be a number > 0, got nan (number)"),
    "true/false for a number": (
        {"events": {"pixel_m": True}}, "events.pixel_m must be a number > 0, got True (true/false)"),
    "a decimal where an integer is needed": (
        {"days": 3.0}, "days must be an integer from 1 to 30, got 3.0 (number)"),
    "out of range": ({"days": 31}, "days must be an integer from 1 to 30, got 31 (integer)"),
    "a number for true/false": (
        {"events": {"scan": 1}}, "events.scan must be true or false, got 1 (integer)"),
    "not one of the choices": ({"kind": "c"}, "kind must be one of ['a', 'b'], got 'c' (text)"),
    "not one of the choices nor text": ({"kind": 1}, "kind must be one of ['a', 'b'], got 1 (integer)"),
    "blank text": ({"name": "  "}, "name must be non-empty text, got '  ' (text)"),
    "allowed values in words": ({"colour": "pink"}, "colour must be #rrggbb, got 'pink' (text)"),
    "a quoted date": (
        {"since": "2025-10-01"},
        "since must be a date (YYYY-MM-DD, unquoted), got '2025-10-01' (text)"),
    "a date and time for a date": (
        {"since": dt.datetime(2025, 10, 1, 8)},
        "since must be a date (YYYY-MM-DD, unquoted), got datetime.datetime(2025, 10, 1, 8, 0) "
        "(date and time)"),
    "one of two kinds": (
        {"limit": "none"}, "limit must be a number or one of ['unlimited'], got 'none' (text)"),
    "an item of a list": ({"names": ["a", 2]}, "names[1] must be text, got 2 (integer)"),
    "a table for a list": ({"names": {"a": 1}}, "names must be a list of text each, got {'a': 1} (table)"),
    "an item of a list described in words": (
        {"factors": [1, 0]}, "factors must be a list of numbers > 0, got [1, 0] (list)"),
    "a missing key": ({"rules": [{}]}, "rules[0].amount is missing; expected an integer >= 0"),
    "a value for a table": ({"events": 5}, "events must be a table, got 5 (integer)"),
    "a key that is not a bare TOML key": (
        {"synonyms": {"国家级": 1}}, 'synonyms."国家级" must be text, got 1 (integer)'),
}


@pytest.mark.parametrize(("data", "line"), LINES.values(), ids=list(LINES))
def test_problem_lines(data: dict, line: str) -> None:
    assert rules.problems(data, SCHEMA) == [line]


def test_valid_data_has_no_problems_and_gets_its_defaults() -> None:
    data = {"days": 3, "kind": "a", "since": dt.date(2025, 10, 1), "limit": "unlimited",
            "rules": [{"amount": 0}], "classes": {"40": {"key": "cropland"}}}
    assert rules.problems(data, SCHEMA) == []
    assert rules.with_defaults(data, SCHEMA) == {
        **data, "events": {"pixel_m": 375.0, "scan": True}, "factors": []}
    assert rules.with_defaults({"events": {"scan": False}}, SCHEMA)["events"] == {
        "pixel_m": 375.0, "scan": False}


def test_every_problem_is_listed_once_in_key_order(tmp_path) -> None:
    path = tmp_path / "r.toml"
    path.write_text('kind = "c"\ndays = 0\n[events]\npixel_m = "x"\n', encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        rules.load_rules(path, SCHEMA)
    assert str(caught.value) == (
        f"{path}: 3 problems:\n"
        "  - days must be an integer from 1 to 30, got 0 (integer)\n"
        "  - events.pixel_m must be a number > 0, got 'x' (text)\n"
        "  - kind must be one of ['a', 'b'], got 'c' (text)")


def test_checks_add_their_lines_and_see_the_defaults(tmp_path) -> None:
    path = tmp_path / "r.toml"
    path.write_text("days = 40\n", encoding="utf-8")
    seen = []

    def checks(data: dict) -> list[str]:
        seen.append(data["events"])
        return ["days: too many for the events"]

    with pytest.raises(FireRulesError) as caught:
        rules.load_rules(path, SCHEMA, FireRulesError, checks=checks)
    assert str(caught.value) == (f"{path}: 2 problems:\n"
                                 "  - days must be an integer from 1 to 30, got 40 (integer)\n"
                                 "  - days: too many for the events")
    assert seen == [{"pixel_m": 375.0, "scan": True}]


@pytest.mark.parametrize(("content", "message"), [
    (None, "{path}: widget rules not found"),
    (b"days = [", "{path}: not valid TOML: "),
    ("days = 1\n".encode("gbk") + "# 天\n".encode("gbk"), "{path}: not UTF-8 text (byte 11); save the file as UTF-8"),
], ids=["missing", "not TOML", "not UTF-8"])
def test_a_file_that_cannot_be_read_is_one_error(tmp_path, content: bytes | None, message: str) -> None:
    path = tmp_path / "r.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(RulesError) as caught:
        rules.load_rules(path, SCHEMA, what="widget rules")
    assert str(caught.value).startswith(message.format(path=path))
