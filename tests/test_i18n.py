"""geoaq.i18n: texts in both languages and sums of money short enough for a metric."""

from __future__ import annotations

import pytest

from geoaq.i18n import t, yuan_text


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


def test_texts_fill_their_placeholders_and_fall_back_to_chinese():
    assert t("fires_period_note", "en", start="2025-06-01", end="2025-06-07") == \
        "Period: 2025-06-01 to 2025-06-07 (Beijing time)"
    assert t("fires_many_events", "zh", n=100_016).startswith("共 100,016 个事件")
    assert t("no-such-key", "en") == "no-such-key"
