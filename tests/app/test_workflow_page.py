"""The fires page's workflow (AppTest): a county account submits its field check, the city sees
what waits for it and approves; the history names both accounts."""

from __future__ import annotations

from pathlib import Path

from helpers import make_accounts
from streamlit.testing.v1 import AppTest

from geoaq.db import connection as db
from geoaq.fires import verification, workflow

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _fires(event_id: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("app_pages/fires.py").run()
    assert not at.exception, at.exception
    if event_id:
        at.selectbox(key="fire_event").set_value(event_id).run()
        assert not at.exception, at.exception
    return at


def _county_and_city(path):
    con = db.connect(path)
    try:
        made = make_accounts(con, luolong=("county", ["410311"]), city1=("city", []))
    finally:
        con.close()
    return made["luolong"], made["city1"]


def test_county_submits_city_approves(demo_db, signed_in_as):
    county, city = _county_and_city(demo_db)

    signed_in_as(county)
    at = _fires()
    event = at.dataframe[0].value.iloc[0]["事件编号"]
    at.selectbox(key="fire_event").set_value(event).run()
    at.radio(key="check_outcome").set_value("not_a_fire")
    at.text_input(key="check_note").input("现场为烧烤")
    next(b for b in at.button if b.label == "提交核查结果").click().run()
    assert not at.exception, at.exception

    signed_in_as(city)
    at = _fires(event)
    assert any("待你核定：1 条" in i.value for i in at.info)
    next(b for b in at.button if b.label == "核定").click().run()
    assert not at.exception, at.exception

    con = db.connect(demo_db, read_only=True)
    try:
        status = verification.current_status(con, [event]).iloc[0]
        rows = workflow.submissions(con, event)
    finally:
        con.close()
    assert (status["status"], status["dismiss_reason"], status["changed_by"]) == ("dismissed", "not_a_fire", "city1")
    assert rows.iloc[0][["submitted_by", "state", "reviewed_by", "note"]].tolist() == [
        "luolong", "approved", "city1", "现场为烧烤"]


def _image_bytes(kind: str) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, format=kind)
    return buffer.getvalue()


def test_evidence_uploaded_on_the_page_is_checked_stored_and_shown_to_the_city(demo_db, signed_in_as):
    from geoaq.fires import evidence

    county, city = _county_and_city(demo_db)
    photo, pdf = _image_bytes("JPEG"), b"%PDF-1.4\n%%EOF\n"

    signed_in_as(county)
    at = _fires()
    event = at.dataframe[0].value.iloc[0]["事件编号"]
    at.selectbox(key="fire_event").set_value(event).run()
    at.radio(key="check_outcome").set_value("not_a_fire")
    # a page that calls itself a photo (name and browser type) is refused for what it is
    at.file_uploader(key="check_files").set_value([("![](x).jpg", b"<html><script>alert(1)</script>", "image/jpeg")])
    next(b for b in at.button if b.label == "提交核查结果").click().run()
    assert not at.exception, at.exception
    # the message names the file as text (its name escaped: no Markdown image), and its real type
    assert any(r"\'\!\[\]\(x\)\.jpg\'\: its content is html" in e.value for e in at.error)
    con = db.connect(demo_db, read_only=True)
    try:
        assert workflow.submissions(con, event).empty
    finally:
        con.close()

    at.file_uploader(key="check_files").set_value([("[现场](javascript:alert(1)).jpg", photo, "image/jpeg"),
                                                   ("说明.pdf", pdf, "text/html")])
    next(b for b in at.button if b.label == "提交核查结果").click().run()
    assert not at.exception, at.exception

    signed_in_as(city)
    at = _fires(event)
    assert not at.exception, at.exception
    assert any("[现场](javascript:alert(1)).jpg" in str(frame.value.values.tolist()) for frame in at.dataframe)
    # the uploader's names are shown as text in the table only: a label (Markdown) never holds them
    labels = [e.proto.label for e in at.get("download_button") if e.proto.label.startswith("下载材料")]
    assert labels == ["下载材料 1（JPEG）", "下载材料 2（PDF）"]
    assert len(at.get("image")) == 1  # the photo shown from its bytes
    con = db.connect(demo_db, read_only=True)
    try:
        rows = evidence.evidence_of(con, actor=city, event_id=event)
    finally:
        con.close()
    assert rows[["kind", "original_name", "uploaded_by"]].values.tolist() == [
        ["jpeg", "[现场](javascript:alert(1)).jpg", "luolong"], ["pdf", "说明.pdf", "luolong"]]
