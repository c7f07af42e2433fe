"""geoaq.routes.rules: data/rules/routes.toml is complete."""

from __future__ import annotations

from pathlib import Path

from geoaq.routes.rules import load_route_rules

ROOT = Path(__file__).resolve().parents[2]


def test_rules_file_is_complete():
    rules = load_route_rules(ROOT / "data" / "rules" / "routes.toml")
    assert rules.types["fire_event"].priority > rules.types["grade_c"].priority
    assert 112 < rules.depot.lon < 113 and 34 < rules.depot.lat < 35
    assert rules.work_limit > 0 and rules.time_limit_s > 0
