"""The command line in English (`geoaq --lang en`, or GEOAQ_LANG=en): no Chinese outside the
data values; Chinese stays the default."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from english import check_english, data_values

from geoaq.cli import main
from geoaq.layers import load_registry

SEASON = ["--start", "2024-10-01", "--end", "2025-03-31"]
FIRES = ["--start", "2025-04-22", "--end", "2025-04-24"]


def run(*args: str, env: dict[str, str] | None = None):
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def db(demo_template):
    return str(demo_template)


@pytest.fixture(scope="module")
def data(demo_template):
    return data_values(demo_template)


@pytest.mark.parametrize("args", [
    ["report", *SEASON],
    ["fires", "check", *FIRES],
    ["fires", "check", *FIRES, "--format", "csv"],
    ["fires", "penalties", *FIRES],
    ["aq", "evaluate", *SEASON, "--by", "city"],
    ["aq", "evaluate", "--start", "2025-04-25", "--end", "2025-05-31", "--format", "csv"],
    ["rejects"],
    ["route", "--from-findings", "2025-04-23", "--teams", "2", "--hours", "3", "--work-limit", "20000"],
], ids=lambda a: " ".join(a[:2]))
def test_commands_print_english(db, data, args):
    from geoaq.fires.penalties import load_rules

    output = run("--lang", "en", *args, "--db", db)
    labels = [str(rule.label) for rule in load_rules().rules]  # the rules file's own (both languages)
    check_english(output.splitlines(), data + labels)


def test_the_layers_listing_names_both_titles_deliberately(db, data):
    titles = [spec.title_zh for spec in load_registry().values()]
    check_english(run("--lang", "en", "layers", "--db", db).splitlines(), data + titles)


def test_the_language_comes_from_the_environment_and_defaults_to_chinese(db):
    english = run("report", *SEASON, "--db", db, env={"GEOAQ_LANG": "en"})
    assert "[not compliant]" in english and "Compliance 2024-10-01 to 2025-03-31" in english
    chinese = run("report", *SEASON, "--db", db, env={"GEOAQ_LANG": ""})
    assert "[未达标]" in chinese and "达标评估 2024-10-01 至 2025-03-31" in chinese
    assert "[未达标]" in run("--lang", "zh", "report", *SEASON, "--db", db, env={"GEOAQ_LANG": "en"})


def test_a_wrong_language_setting_is_one_line(db):
    result = CliRunner().invoke(main, ["report", *SEASON, "--db", db], env={"GEOAQ_LANG": "fr"})
    assert result.exit_code == 1 and "GEOAQ_LANG=fr" in result.output


def test_the_township_notice_follows_the_language(db, tmp_path):
    import pandas as pd

    out = tmp_path / "notice.csv"
    run("--lang", "en", "fires", "notice", *FIRES, "--out", str(out), "--db", db)
    assert list(pd.read_csv(out, encoding="utf-8-sig").columns)[:3] == ["Event", "County", "Township"]
    run("fires", "notice", *FIRES, "--out", str(out), "--db", db)
    assert list(pd.read_csv(out, encoding="utf-8-sig").columns)[:3] == ["事件编号", "区县", "乡镇"]
