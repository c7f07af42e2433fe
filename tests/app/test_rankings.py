"""The 排名通报 page under Streamlit's AppTest on the Luoyang demo: the county ranking with its
moves and the stationless counties last, the map's areas, a peer table uploaded and the city
placed in it, 时序进度 of the demo targets, the month's bulletin; and in English."""

from __future__ import annotations

from datetime import date

from english import check_english, data_values
from helpers import open_page, table_with
from streamlit.testing.v1 import AppTest

PAGE = "app_pages/rankings.py"


def _page(**state) -> AppTest:
    return open_page(PAGE, **state)


_table = table_with


def test_the_demo_ranking_progress_and_bulletin(demo_db):
    at = _page()
    assert at.title[0].value == "排名通报"
    assert [t.label for t in at.tabs] == ["排名", "对标排名", "时序进度", "月度通报"]
    assert at.subheader[0].value.startswith("区县综合指数排名（2025年4月") and "GB 3095-2012" in at.subheader[0].value
    ranking = _table(at, "名次", "单元", "综合指数")
    assert ranking["名次"].tolist()[:6] == [f"第{n}名" for n in range(1, 7)]
    assert set(ranking["名次"].tolist()[6:]) == {"无站点"} and len(ranking) == 14
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["参与排名"] == "6" and metrics["未排名（数据不足/无站点）"] == "8"
    assert any(i.value == "没有考核期包含该日的目标" for i in at.info)  # the season ended on 31 March
    at.date_input(key="progress_as_of").set_value(date(2025, 1, 31)).run()
    progress = _table(at, "目标", "时序进度", "剩余时段允许")
    assert set(progress["目标"]) == {"ly-demo-2024aw-pm25", "ly-demo-2024aw-heavy"}
    assert set(progress["单元"]) == {"洛阳", "老城区", "西工区", "瀍河回族区", "涧西区", "孟津区", "洛龙区"}
    assert progress["时序进度"].iloc[0] == "67.6%（123/182天）"
    at.selectbox(key="rank_unit").set_value(at.selectbox(key="rank_unit").options[1]).run()
    assert not at.exception and any("评价站点：" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "生成通报").click().run()
    assert not at.exception
    assert any(s.value.startswith("2025年4月环境空气质量通报") for s in at.subheader)
    assert {d.label for d in at.get("download_button")} >= {"下载 Excel", "下载通报（可打印 HTML）"}


def test_the_page_in_english(demo_db):
    at = _page(lang="en")
    texts = [at.title[0].value, *(s.value for s in at.subheader), *(c.value for c in at.caption),
             *(m.label for m in at.metric), *(t.label for t in at.tabs)]
    for frame in at.dataframe:
        texts += [str(c) for c in frame.value.columns] + [str(v) for v in frame.value.to_numpy().ravel()]
    check_english(texts, data_values(demo_db))
