"""The sign-in page before any page (AppTest): no account yet, wrong and right passwords, the
lock-out, English, signing out; a county account on the fires page sees only its county."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geoaq.accounts import store
from geoaq.db import connection as db
from geoaq.ingest.layer import ingest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PASSWORD = "correct horse 42"


@pytest.fixture
def small_db(tmp_path, monkeypatch):
    stations = tmp_path / "stations.csv"
    stations.write_text("code,name,lon,lat,synthetic\n1811A,中信二小,112.3628,34.6692,false\n", encoding="utf-8")
    path = tmp_path / "app.duckdb"
    ingest("stations", stations, db=path)
    monkeypatch.setenv("GEOAQ_DB", str(path))
    return path


def _with_accounts(path):
    con = db.connect(path)
    try:
        store.add_account(con, "root", "admin", PASSWORD, by=None, display_name="管理员")
    finally:
        con.close()


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password)
    next(b for b in at.button if b.label in ("登录", "Sign in")).click().run()
    return at


def test_without_accounts_the_page_says_how_to_make_the_first(small_db, real_sign_in):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("geoaq users add" in i.value for i in at.info)
    assert not at.text_input  # no form, no page
    assert not [c for c in at.sidebar.checkbox]


def test_sign_in_then_the_pages_then_sign_out(small_db, real_sign_in):
    _with_accounts(small_db)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["登录"]
    assert not [c for c in at.sidebar.checkbox]  # the map page did not draw
    _sign_in(at, "root", "not the password")
    assert any("账号或密码错误" in e.value for e in at.error)
    assert not [c for c in at.sidebar.checkbox]
    _sign_in(at, "root", PASSWORD)
    assert not at.exception, at.exception
    assert at.title[0].value == "大气污染防治一张图"
    assert any(c.key == "show_stations" for c in at.sidebar.checkbox)  # the map page drew
    assert any("当前账号：root (管理员)（系统管理员）" in t.value for t in at.sidebar.text)
    at.sidebar.button(key="sign_out").click().run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["登录"]
    con = db.connect(small_db)
    try:
        kinds = list(store.events(con, "root")["kind"])
    finally:
        con.close()
    assert kinds == ["created", "sign_in_failed", "signed_in", "signed_out"]


def test_the_sign_in_page_in_english_and_the_lock_out(small_db, real_sign_in, monkeypatch):
    monkeypatch.setenv("GEOAQ_LOCKOUT_FAILURES", "2")
    _with_accounts(small_db)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.radio(key="lang").set_value("en").run()
    assert [s.value for s in at.subheader] == ["Sign in"]
    for _ in range(2):
        _sign_in(at, "root", "guess guess guess")
    _sign_in(at, "root", PASSWORD)
    assert any("locked until" in e.value for e in at.error)
    assert not [c for c in at.sidebar.checkbox]


def test_a_forged_session_token_opens_nothing(small_db, real_sign_in):
    _with_accounts(small_db)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["geoaq_session_token"] = "forged-token-that-no-session-has"
    at.run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["登录"]


def test_a_county_account_sees_only_its_county_on_the_fires_page(demo_db, signed_in_as):
    con = db.connect(demo_db)
    try:
        store.add_account(con, "root", "admin", PASSWORD, by=None)
        store.add_account(con, "luolong", "county", PASSWORD, by=store.actor_for(con, "root"),
                          counties=["410311"])
        county = signed_in_as(store.actor_for(con, "luolong", origin="test"))
    finally:
        con.close()
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("app_pages/fires.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert set(table["区县"]) == {"洛龙区"} and len(table) < 16
    assert int({m.label: m.value for m in at.metric}["火点事件（个）"]) == len(table)
    at.selectbox(key="fire_event").set_value(table.iloc[0]["事件编号"]).run()
    assert not at.exception
    assert not any(b.label == "保存核查结果" for b in at.button)  # no status form for a county user
    assert any("市级用户" in c.value for c in at.caption)
    assert county.role == "county"


def test_only_administrators_get_the_upload_form(small_db, signed_in_as):
    from geoaq.accounts.roles import Actor

    signed_in_as(Actor(account_id=9, name="view1", role="viewer"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("app_pages/data.py").run()
    assert not at.exception, at.exception
    assert any("系统管理员" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "data_load"]


def test_a_session_ended_elsewhere_signs_the_page_out(small_db, real_sign_in, monkeypatch):
    from geoaq.web import auth

    monkeypatch.setattr(auth, "RECHECK_S", 0.0)  # check the session on every run
    _with_accounts(small_db)
    con = db.connect(small_db)
    try:
        store.add_account(con, "ann", "viewer", PASSWORD, by=store.actor_for(con, "root"))
    finally:
        con.close()
    at = AppTest.from_file(APP, default_timeout=60).run()
    _sign_in(at, "ann", PASSWORD)
    assert any("当前账号：ann（只读）" in t.value for t in at.sidebar.text)
    con = db.connect(small_db)
    try:
        store.set_disabled(con, "ann", True, by=store.actor_for(con, "root"))
    finally:
        con.close()
    at.run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["登录"]
    assert not at.sidebar.text


def test_an_account_changes_its_own_password(small_db, real_sign_in):
    _with_accounts(small_db)
    at = AppTest.from_file(APP, default_timeout=60).run()
    _sign_in(at, "root", PASSWORD)

    def change(current: str, new: str, again: str) -> None:
        at.sidebar.text_input(key="pw_current").input(current)
        at.sidebar.text_input(key="pw_new").input(new)
        at.sidebar.text_input(key="pw_again").input(again)
        next(b for b in at.sidebar.button if b.label == "修改密码").click().run()
        assert not at.exception, at.exception

    change(PASSWORD, "brand new secret 1", "brand new secret 2")
    assert any("不一致" in e.value for e in at.sidebar.error)
    change("not the password", "brand new secret 1", "brand new secret 1")
    assert any("账号或密码错误" in e.value for e in at.sidebar.error)
    change(PASSWORD, "short", "short")
    assert any("at least 10" in e.value for e in at.sidebar.error)
    change(PASSWORD, "brand new secret 1", "brand new secret 1")
    assert [s.value for s in at.subheader] == ["登录"]
    # (the page then says 密码已修改; under AppTest a rerun started by st.rerun may see the
    # session state as it was before the run, so here only the outcome is checked)
    con = db.connect(small_db)
    try:
        assert list(store.events(con, "root")["kind"])[-1] == "password_reset"
    finally:
        con.close()
    _sign_in(at, "root", PASSWORD)
    assert any("账号或密码错误" in e.value for e in at.error)
    _sign_in(at, "root", "brand new secret 1")
    assert any("当前账号" in t.value for t in at.sidebar.text)


AUTH = {"redirect_uri": "https://geoaq.bureau.local/oauth2callback", "cookie_secret": "x" * 32,
        "client_id": "geoaq", "client_secret": "s", "server_metadata_url":
        "https://idp.bureau.local/.well-known/openid-configuration"}


def _sso_page(user: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    if user is not None:
        at.user = {"is_logged_in": True, **user}
    return at.run()


def _sso_buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button if b.key == "sso_sign_in"]


def test_the_sso_button_only_when_configured_and_installed(small_db, real_sign_in, monkeypatch):
    from geoaq.web import auth

    _with_accounts(small_db)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and _sso_buttons(at) == []  # no [auth]: the password form only
    monkeypatch.setattr(auth, "sso_installed", lambda: False)
    at = _sso_page()
    assert _sso_buttons(at) == [] and any("Authlib" in w.value for w in at.warning)
    assert at.text_input(key="sign_in_name")  # the built-in accounts keep working
    monkeypatch.setattr(auth, "sso_installed", lambda: True)
    asked = []
    monkeypatch.setattr(auth.st, "login", lambda provider=None: asked.append(provider))
    at = _sso_page()
    assert not at.exception, at.exception
    assert _sso_buttons(at) == ["使用单位统一身份认证登录"]
    at.button(key="sso_sign_in").click().run()
    assert asked == [None]  # to the provider of [auth]
    assert not [c for c in at.sidebar.checkbox]


def test_an_identity_signs_in_as_its_account_and_an_unknown_one_gets_nothing(small_db, real_sign_in, monkeypatch):
    import time

    from geoaq.web import auth

    monkeypatch.setattr(auth, "sso_installed", lambda: True)
    _with_accounts(small_db)
    con = db.connect(small_db)
    try:
        root = store.actor_for(con, "root")
        store.add_account(con, "ann", "viewer", PASSWORD, by=root)
        store.set_sso(con, "ann", "00u-ann", by=root)
    finally:
        con.close()
    stranger = _sso_page({"sub": "00u-nobody", "email": "nobody@epb.gov.cn", "iat": time.time()})
    assert not stranger.exception, stranger.exception
    assert any(r"nobody@epb\.gov\.cn 尚未关联 geoaq 账号" in e.value for e in stranger.error)  # as text
    assert not [c for c in stranger.sidebar.checkbox] and not stranger.sidebar.text  # no page at all
    stale = _sso_page({"sub": "00u-ann", "iat": time.time() - 3600})  # an hour-old provider sign-in
    assert _sso_buttons(stale) == ["使用单位统一身份认证登录"] and not stale.sidebar.text
    fresh = _sso_page({"sub": "00u-ann", "email": "ann@epb.gov.cn", "iat": time.time()})
    assert not fresh.exception, fresh.exception
    assert any("当前账号：ann（只读）" in t.value for t in fresh.sidebar.text)
    fresh.sidebar.button(key="sign_out").click().run()  # ends the session and the provider's identity
    assert not fresh.exception, fresh.exception
    assert [s.value for s in fresh.subheader] == ["登录"] and not fresh.sidebar.text
    assert fresh.user.get("is_logged_in") is False
