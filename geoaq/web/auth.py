"""The app's sign-in: no page draws before a session is open (`require_sign_in`, called by
app.py before the navigation); the signed-in `Actor` is what the pages hand to the service
functions (`actor()`), never a name typed into a form.

The session token lives in this browser session's state and, so that a reload or a link
opened in a new tab needs no new sign-in, in a cookie of the app's origin (``geoaq_session``,
SameSite=Strict, set by a few lines of script after signing in and cleared on signing out).
The database keeps only its sha256 (`geoaq.accounts.sessions`), and the session ends by age,
idleness, sign-out, or a change of the account.

**Single sign-on** (optional): when ``.streamlit/secrets.toml`` has an ``[auth]`` section (an
OIDC provider for Streamlit's ``st.login``) and Authlib is installed, the sign-in page offers
使用单位统一身份认证登录 beside the password form. The identity the provider returns (``st.user``:
its ``sub``, or a verified ``email``) opens a session of the geoaq account an administrator gave
it (`geoaq users set-sso NAME SUBJECT`), with that account's role and counties; an identity no
account holds gets no access. Only a sign-in at the provider within `SSO_FRESH_S` opens a
session, so an old identity cookie does not outlive geoaq's own session limits.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Mapping
from datetime import UTC, datetime

import streamlit as st
import streamlit.components.v1 as components

from geoaq._errors import GeoaqError, SignInError
from geoaq.accounts import sessions, store
from geoaq.accounts.roles import Actor
from geoaq.db import connection as db
from geoaq.i18n import t
from geoaq.web.views.text import markdown_plain

TOKEN_KEY = "geoaq_session_token"
ACTOR_KEY = "geoaq_actor"
CHECKED_KEY = "geoaq_session_checked"
COOKIE = "geoaq_session"
#: seconds a session, once checked, is trusted without asking the database again
RECHECK_S = 30.0
#: seconds after signing in at the identity provider (its ID token's ``iat``) within which that
#: sign-in may open a geoaq session
SSO_FRESH_S = 600
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def origin() -> str | None:
    """Where the browser connects from: the reverse proxy's X-Forwarded-For, else the peer."""
    try:
        forwarded = st.context.headers.get("X-Forwarded-For")
        address = forwarded.split(",")[0].strip() if forwarded else st.context.ip_address
    except (AttributeError, RuntimeError):
        return None
    return f"web:{address}" if address else "web"


def _cookie_token() -> str | None:
    try:
        token = st.context.cookies.get(COOKIE)
    except (AttributeError, RuntimeError):
        return None
    return token if token and set(token) <= _TOKEN_CHARS and len(token) <= 128 else None


def session_actor(address: str) -> Actor | None:
    """The Actor of this browser session's open session (state, else cookie), or None. Checked
    against the database at most every `RECHECK_S` seconds (a page reruns on every click): a
    session ended elsewhere (disabled, password reset) stops working within that time."""
    token = st.session_state.get(TOKEN_KEY) or _cookie_token()
    if not token:
        return None
    cached = st.session_state.get(ACTOR_KEY)
    checked = st.session_state.get(CHECKED_KEY)
    if (isinstance(cached, Actor) and st.session_state.get(TOKEN_KEY) == token and checked is not None
            and time.monotonic() - checked < RECHECK_S):
        return cached
    con = db.connect(address)
    try:
        actor = sessions.resolve(con, token, origin=origin())
    except SignInError as exc:
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state["geoaq_sign_in_note"] = exc.code
        return None
    finally:
        con.close()
    st.session_state[TOKEN_KEY] = token
    st.session_state[CHECKED_KEY] = time.monotonic()
    return actor


def _set_cookie(token: str | None) -> None:
    """Set (or with None clear) the session cookie of the app's origin."""
    try:
        secure = "; Secure" if str(st.context.url or "").startswith("https:") else ""
    except (AttributeError, RuntimeError):
        secure = ""
    if token is None:
        value = f"{COOKIE}=; Max-Age=0; Path=/; SameSite=Strict{secure}"
    else:
        value = f"{COOKIE}={token}; Path=/; SameSite=Strict{secure}"
    components.html(f"<script>window.parent.document.cookie = {value!r};</script>", height=0)


def _accounts_exist(address: str) -> bool:
    con = db.connect(address)
    try:
        return store.counts(con)[0] > 0
    finally:
        con.close()


def sso_configured() -> bool:
    """Whether single sign-on is configured: an ``[auth]`` section in ``.streamlit/secrets.toml``."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all
        return False


def sso_installed() -> bool:
    """Whether Authlib, which ``st.login`` needs, is installed (``requirements-sso.txt``)."""
    return importlib.util.find_spec("authlib") is not None


def sso_fresh(user: Mapping[str, object], now: datetime | None = None) -> bool:
    """Whether the provider's sign-in in `user` (``st.user``) happened within `SSO_FRESH_S`
    (its ID token's ``iat``, seconds since 1970); without an ``iat`` it is not."""
    try:
        issued = float(user.get("iat"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    moment = (now or datetime.now(UTC)).timestamp()
    return -60 <= moment - issued <= SSO_FRESH_S  # a minute of clock skew either way


def _provider_user() -> dict | None:
    """What the identity provider says of this browser's person (``st.user``), or None."""
    try:
        user = st.user.to_dict()
    except (AttributeError, KeyError, RuntimeError):
        return None
    return user if user.get("is_logged_in") else None


def _sso_sign_in(address: str, lang: str) -> None:
    """The single sign-on part of the sign-in page: a fresh identity from the provider opens the
    session of the account it was given; else the button that goes to the provider."""
    user = _provider_user()
    if user is not None and sso_fresh(user):
        subject, email = store.sso_identity(user)
        con = db.connect(address)
        try:
            token, _ = sessions.sign_in_sso(con, subject, email, origin=origin())
        except SignInError as exc:
            if exc.code == "sso_unknown":
                st.error(t("auth.sso.unknown", lang, identity=markdown_plain(email or subject or "—")))
            elif exc.code == "locked":
                st.error(t("auth.error.locked", lang, until=f"{exc.until:%Y-%m-%d %H:%M}"))
            else:
                st.error(t(f"auth.error.{exc.code}", lang))
            if st.button(t("auth.sso.sign_out", lang), key="sso_sign_out"):
                st.logout()
            return
        finally:
            con.close()
        st.session_state[TOKEN_KEY] = token
        st.session_state["geoaq_set_cookie"] = True
        st.session_state.pop("geoaq_sign_in_note", None)
        st.rerun()
    if not sso_installed():
        st.warning(t("auth.sso.not_installed", lang))
        return
    if st.button(t("auth.sso.sign_in", lang), key="sso_sign_in", type="primary"):
        st.login()


def require_sign_in(address: str, lang: str) -> Actor:
    """The signed-in Actor; else draw the sign-in page and stop the script."""
    actor = session_actor(address)
    if actor is not None:
        st.session_state[ACTOR_KEY] = actor
        if st.session_state.pop("geoaq_set_cookie", False):
            _set_cookie(st.session_state[TOKEN_KEY])
        return actor
    st.session_state.pop(ACTOR_KEY, None)
    if st.session_state.pop("geoaq_clear_cookie", False):
        _set_cookie(None)
    st.title(t("app.title", lang))
    st.subheader(t("auth.title", lang))
    if not _accounts_exist(address):
        st.info(t("auth.no_accounts", lang))
        st.stop()
    note = st.session_state.get("geoaq_sign_in_note")  # shown until the next sign-in
    if note in ("expired", "disabled", "password_changed"):
        st.warning(t(f"auth.note.{note}", lang))
    if sso_configured():
        _sso_sign_in(address, lang)
    with st.form("sign_in"):
        name = st.text_input(t("auth.name", lang), key="sign_in_name")
        password = st.text_input(t("auth.password", lang), type="password", key="sign_in_password")
        submitted = st.form_submit_button(t("auth.sign_in", lang))
    if submitted:
        con = db.connect(address)
        try:
            token, _ = sessions.sign_in(con, name, password, origin=origin())
        except SignInError as exc:
            if exc.code == "locked":
                st.error(t("auth.error.locked", lang, until=f"{exc.until:%Y-%m-%d %H:%M}"))
            else:
                st.error(t(f"auth.error.{exc.code}", lang))
        except GeoaqError as exc:
            st.error(str(exc))
        else:
            st.session_state[TOKEN_KEY] = token
            st.session_state["geoaq_set_cookie"] = True
            st.session_state.pop("geoaq_sign_in_note", None)
            st.session_state.pop("sign_in_password", None)
            st.rerun()
        finally:
            con.close()
    st.stop()
    raise AssertionError("unreachable")  # st.stop ends the script


def actor() -> Actor:
    """The signed-in Actor of this run (app.py signed it in before any page ran)."""
    found = st.session_state.get(ACTOR_KEY)
    if not isinstance(found, Actor):
        st.error(t("auth.note.expired", st.session_state.get("lang", "zh")))
        st.stop()
    return found


def account_box(address: str, lang: str) -> None:
    """The sidebar's account line (name, role, counties) and the sign-out button."""
    who = actor()
    role = t(f"accounts.role.{who.role}", lang)
    counties = f" · {', '.join(sorted(who.counties))}" if who.counties else ""
    st.sidebar.text(t("auth.signed_in_as", lang, name=who.label, role=role) + counties)
    with st.sidebar.expander(t("auth.change_password", lang)), st.form("change_password", clear_on_submit=True):
        current = st.text_input(t("auth.current_password", lang), type="password", key="pw_current")
        new = st.text_input(t("auth.new_password", lang), type="password", key="pw_new")
        again = st.text_input(t("auth.new_password_again", lang), type="password", key="pw_again")
        if st.form_submit_button(t("auth.change_password", lang)):
            _change_password(address, lang, who, current, new, again)
    if st.sidebar.button(t("auth.sign_out", lang), key="sign_out"):
        con = db.connect(address)
        try:
            sessions.sign_out(con, st.session_state.get(TOKEN_KEY))
        finally:
            con.close()
        for key in (TOKEN_KEY, ACTOR_KEY, CHECKED_KEY):
            st.session_state.pop(key, None)
        st.session_state["geoaq_clear_cookie"] = True
        if sso_configured() and _provider_user() is not None:
            st.logout()  # the provider's identity cookie too (st.logout reruns the app)
        st.rerun()


def _change_password(address: str, lang: str, who: Actor, current: str, new: str, again: str) -> None:
    """Change the signed-in account's own password; its sessions end, so it signs in again."""
    if new != again:
        st.sidebar.error(t("auth.error.mismatch", lang))
        return
    con = db.connect(address)
    try:
        sessions.change_own_password(con, who, current, new)
    except SignInError as exc:
        st.sidebar.error(t(f"auth.error.{exc.code}", lang, until=exc.until))
        return
    except GeoaqError as exc:  # the policy: too short, the account's name
        st.sidebar.error(str(exc))
        return
    finally:
        con.close()
    for key in (TOKEN_KEY, ACTOR_KEY, CHECKED_KEY):
        st.session_state.pop(key, None)
    st.session_state["geoaq_clear_cookie"] = True
    st.session_state["geoaq_sign_in_note"] = "password_changed"
    st.rerun()
