"""geoaq.i18n: one locale file per language, the same keys and placeholders in both, every key
the code writes present, no inline language branch, and the run-time fallbacks."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from geoaq import config, i18n
from geoaq._errors import ConfigError
from geoaq.i18n import (
    Yuan,
    catalog,
    clauses,
    localized,
    msg,
    placeholders,
    say,
    t,
    yuan_exact,
    yuan_text,
)

ROOT = Path(__file__).resolve().parents[1]
#: the code whose words must come from the locales
SOURCES = sorted([*(ROOT / "geoaq").rglob("*.py"), *(ROOT / "app_pages").glob("*.py"), ROOT / "app.py"])
#: t("key" …), t('key' …), msg("key" …) with a literal key
LITERAL_KEY = re.compile(r"""\b(?:t|msg)\(\s*(["'])([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)\1""")
#: t(f"prefix.{…}" …), msg(f"prefix.{…}" …): the literal part must begin some key
PREFIX_KEY = re.compile(r"""\b(?:t|msg)\(\s*f(["'])([a-z][a-z0-9_.]*)\{""")
#: a language chosen by comparing, or a dict of words keyed by language
BRANCH = re.compile(r"""[=!]=\s*["'](?:zh|en)["']|["'](?:zh|en)["']\s*[=!]=|\bif\s+zh\b|\bzh\s+else\b|_zh\(|"""
                    r"""\{\s*["']zh["']\s*:\s*["']""")


def _code(path: Path) -> str:
    return path.read_text("utf-8")


@pytest.mark.parametrize(("amount", "zh", "en"), [
    (0, "¥0", "¥0"),
    (9_999, "¥9,999", "¥9,999"),
    (500_000, "¥50.0万", "¥0.50 M"),
    (30_438_000, "¥3,043.8万", "¥30.44 M"),
    (3_043_800_000, "¥30.44亿", "¥3.04 bn"),
])
def test_money_is_written_in_the_readers_units(amount, zh, en):
    assert yuan_text(amount, "zh") == zh
    assert yuan_text(amount, "en") == en


def test_exact_sums_in_the_plans_words():
    assert (yuan_exact(500_000), yuan_exact(12_345), yuan_exact(500_000, "en")) == ("50万元", "12345元", "CNY 500,000")


def test_texts_fill_their_placeholders_and_fall_back_to_chinese():
    assert t("fires.period_note", "en", start="2025-06-01", end="2025-06-07") == \
        "Period: 2025-06-01 to 2025-06-07 (Beijing time)"
    assert t("fires.many_events", "zh", n=100_016).startswith("共 100,016 个事件")
    assert t("no.such_key", "en") == "no.such_key"


def test_both_locales_hold_the_same_keys_with_the_same_placeholders():
    zh, en = catalog("zh"), catalog("en")
    assert sorted(set(zh) - set(en)) == [] and sorted(set(en) - set(zh)) == []
    differ = {k: (placeholders(zh[k]), placeholders(en[k])) for k in zh if placeholders(zh[k]) != placeholders(en[k])}
    assert differ == {}
    assert len(zh) > 400


def test_the_locale_files_are_utf8_toml_with_grouped_keys():
    for lang in config.LANGUAGE_CODES:
        path = i18n.LOCALES_DIR / f"{lang}.toml"
        path.read_text("utf-8")
        assert all("." in key for key in catalog(lang)), "every key belongs to a table"
    assert i18n.LANGUAGES == {"zh": "中文", "en": "English"}


def test_every_key_written_in_the_code_is_in_the_locales():
    keys = set(catalog("zh"))
    missing, prefixes = [], []
    for path in SOURCES:
        text = _code(path)
        missing += [f"{path.relative_to(ROOT)}: {m.group(2)}" for m in LITERAL_KEY.finditer(text)
                    if m.group(2) not in keys]
        prefixes += [f"{path.relative_to(ROOT)}: {m.group(2)}" for m in PREFIX_KEY.finditer(text)
                     if not any(k.startswith(m.group(2)) for k in keys)]
    assert missing == [] and prefixes == []


def test_the_pages_titles_are_in_the_locales():
    from geoaq.web.pages import PAGES

    assert all(page.title_key in catalog("zh") for page in PAGES)


def _vocabularies():
    """Every code domain code returns, with the table its words live in."""
    from geoaq.aq import evaluation
    from geoaq.compliance import summary, targets
    from geoaq.emergency import alerts, assessment, checks, measures, response
    from geoaq.emergency import rules as emergency_rules
    from geoaq.fires import penalties, rules, verification
    from geoaq.routes import plan
    from geoaq.web.views import air_quality, fires

    return {
        "fires.category": rules.CATEGORIES, "fires.penalty.category": penalties.CATEGORIES,
        "fires.status": verification.STATUSES, "fires.dismiss_reason": verification.DISMISS_REASONS,
        "fires.column": fires.TABLE_COLUMNS,
        "compliance.status": targets.STATUSES, "compliance.status_count": targets.STATUSES,
        "compliance.scope": summary.SCOPE_TYPES, "compliance.metric": tuple(targets.METRICS),
        "units": tuple(set(targets.METRICS.values())),
        "aq.data_status": (evaluation.VALID, evaluation.INSUFFICIENT),
        "aq.attainment": (evaluation.ATTAINED, evaluation.NOT_ATTAINED, evaluation.INSUFFICIENT),
        "aq.colour": tuple(air_quality.COLOUR_NAMES.values()), "aq.column": air_quality.KEY_COLUMNS,
        "routes.drop": plan.DROP_REASONS,
        "emergency.level": emergency_rules.LEVELS, "emergency.pollutant": emergency_rules.POLLUTANTS,
        "emergency.grade_class": emergency_rules.GRADE_CLASSES,
        "emergency.measure": (*emergency_rules.MEASURE_KINDS, measures.MISSING),
        "emergency.result": emergency_rules.RESULTS, "emergency.cut_source": measures.CUT_SOURCES,
        "emergency.rule": tuple(checks.RULES), "emergency.problem": tuple(checks.RULES),
        "emergency.severity": tuple(set(checks.RULES.values())), "emergency.status": alerts.STATUSES,
        "emergency.scope": (alerts.CITY, alerts.COUNTY), "emergency.air": (*assessment.AIR_METRICS, assessment.CITY),
        "emergency.checklist": tuple(c for c in response.CHECKLIST_COLUMNS if not c.startswith("cut_")),
        "routes.export": ("start", "end"),
    }


def test_every_code_the_domain_returns_has_words():
    keys = set(catalog("zh"))
    missing = [f"{table}.{code}" for table, codes in _vocabularies().items() for code in codes
               if f"{table}.{code}" not in keys]
    assert missing == []


def test_no_inline_language_branch_outside_i18n():
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in SOURCES if path.name != "i18n.py"
             for number, line in enumerate(_code(path).splitlines(), 1) if BRANCH.search(line)]
    assert found == []


def test_messages_are_worded_in_either_language():
    reason = msg("compliance.reason.coal_user", name="燃煤锅炉厂", fuel="煤")
    assert say(reason) == "燃煤企业「燃煤锅炉厂」位于禁煤区/高污染燃料禁燃区内（主要燃料：煤）"
    assert say(reason, "en").startswith("Coal user “燃煤锅炉厂”")
    assert str(reason) == say(reason, "zh") and hash(reason) == hash(msg("compliance.reason.coal_user",
                                                                         name="燃煤锅炉厂", fuel="煤"))
    cover = msg("fires.reason.landcover", name=localized(zh="耕地", en="Cropland"))
    assert (say(cover), say(cover, "en")) == ("土地覆盖：耕地", "land cover: Cropland")
    parts = clauses([msg("fires.penalty.township_cap", amount=Yuan(1_000_000)), "seed 001"])
    assert (say(parts), say(parts, "en")) == ("乡镇封顶 100万元；seed 001", "township cap CNY 1,000,000; seed 001")
    assert say("text from a file", "en") == "text from a file" and say(3, "en") == 3


def test_a_missing_key_or_placeholder_falls_back_logged_once(caplog, monkeypatch):
    monkeypatch.setattr(i18n, "catalog", lambda lang: {"a.b": "甲 {n}", "a.c": "乙"} if lang == "zh" else {"a.b": "A {m}"})
    i18n._warn_once.cache_clear()
    with caplog.at_level(logging.WARNING, logger="geoaq.i18n"):
        assert t("a.c", "en") == "乙" and t("a.c", "en") == "乙"
        assert t("a.b", "en", n=1) == "A {m}"
        assert t("a.x", "en") == "a.x"
        assert t("a.c", "fr") == "乙"
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 4 and sum("'a.c' in 'en'" in w for w in warnings) == 1
    i18n._warn_once.cache_clear()


def test_the_language_setting(monkeypatch):
    monkeypatch.delenv("GEOAQ_LANG", raising=False)
    assert config.language() == "zh"
    monkeypatch.setenv("GEOAQ_LANG", "EN")
    assert config.language() == "en"
    monkeypatch.setenv("GEOAQ_LANG", "fr")
    with pytest.raises(ConfigError, match="GEOAQ_LANG=fr"):
        config.language()
    assert "GEOAQ_LANG" in config.ENVIRONMENT
