"""The month's 通报 on the Luoyang demo (April 2025, the month of its fire points): the county
rankings with their moves, the units named last, the fire events and penalties per county from
the fire check, as one Excel sheet and as printable HTML, every heading with unit, period and
standard."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import openpyxl

from geoaq.db import connection as db
from geoaq.rankings.bulletin import build


def test_the_april_2025_bulletin(demo_db):
    with db.connect(demo_db) as con:
        made = build(con, date(2025, 4, 1))
    assert made.month == date(2025, 4, 1) and made.ytd_ranking.period.start == date(2025, 1, 1)
    assert len(made.named_last) == 3 and made.named_last[0] == made.month_ranking.table["unit_name"].iloc[5]
    assert made.fires is not None and made.fires["events"].sum() > 0
    headings = [h for h, _ in made.blocks()]
    assert headings[0].startswith("区县综合指数排名（2025年4月，按 GB 3095-2012")
    assert headings[1].startswith("区县综合指数排名（2025年1—4月累计（截至2025-04-30）")
    assert any(h.startswith("火点与扣减（2025-04-01 至 2025-04-30") for h in headings)
    sheet = openpyxl.load_workbook(BytesIO(made.xlsx())).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert cells[0] == made.title() and "扣减（元）" in cells and "综合指数" in cells
    page = made.html("en")
    assert page.startswith("<!doctype html><html lang=\"en\">") and "Air quality bulletin 4/2025" in page
