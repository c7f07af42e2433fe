"""The sign-in page in a real browser: nothing but the form before signing in, the session kept
across a reload (the session cookie), and signing out ending it."""

from __future__ import annotations

from pathlib import Path

from geoaq.accounts import store
from geoaq.db import connection as db

APP = Path(__file__).resolve().parents[2] / "app.py"
PASSWORD = "correct horse 42"


def test_sign_in_reload_and_sign_out(streamlit_app, page, demo_db, browser_log):
    con = db.connect(demo_db)
    try:
        store.add_account(con, "root", "admin", PASSWORD, by=None, display_name="管理员")
    finally:
        con.close()
    url = streamlit_app(APP, env={"GEOAQ_DB": str(demo_db)}, signed_in=False)
    page.goto(url)
    page.get_by_label("账号").fill("root")
    page.get_by_label("密码").fill("not the password")
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_text("账号或密码错误").wait_for()
    assert page.locator(".leaflet-container").count() == 0
    assert page.frame_locator("iframe").locator(".leaflet-interactive").count() == 0
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_text("当前账号：root (管理员)（系统管理员）").wait_for(timeout=60_000)
    page.wait_for_function("document.cookie.includes('geoaq_session=')", timeout=30_000)

    page.reload()  # a new Streamlit session: the cookie keeps it signed in
    page.get_by_text("当前账号：root (管理员)（系统管理员）").wait_for(timeout=60_000)

    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="登录", exact=True).wait_for(timeout=30_000)
    page.reload()
    page.get_by_role("button", name="登录", exact=True).wait_for(timeout=30_000)
    assert page.get_by_text("当前账号").count() == 0
    assert not browser_log.page_errors
