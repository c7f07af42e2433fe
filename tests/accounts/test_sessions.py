"""geoaq.accounts.sessions: sign-in, lock-out, sessions that expire, sign-out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from geoaq import config
from geoaq._errors import ConfigError, SignInError
from geoaq.accounts import sessions, store
from geoaq.db import connection as db

PASSWORD = "correct horse 42"
RULES = config.AccountSettings(session_hours=1, idle_minutes=10, lockout_failures=3, lockout_minutes=15)


@pytest.fixture
def con(migrated_db):
    connection = db.connect(migrated_db)
    store.add_account(connection, "admin", "admin", PASSWORD, by=None)
    store.add_account(connection, "ann", "county", PASSWORD, by=store.actor_for(connection, "admin"),
                      counties=["410311"])
    yield connection
    connection.close()


def _shift(con, **delta) -> None:
    """Move every stored time back by `delta` (as if that much time had passed)."""
    back = timedelta(**delta)
    con.execute("UPDATE account_sessions SET created_utc = created_utc - ?, expires_utc = expires_utc - ?, "
                "last_seen_utc = last_seen_utc - ?", [back, back, back])
    con.execute("UPDATE accounts SET locked_until_utc = locked_until_utc - ?", [back])


def test_sign_in_gives_a_token_whose_hash_is_stored(con) -> None:
    token, actor = sessions.sign_in(con, "ann", PASSWORD, origin="127.0.0.1", settings=RULES)
    assert actor.name == "ann" and actor.counties == {"410311"} and actor.origin == "127.0.0.1"
    stored = [r[0] for r in con.execute("SELECT token_sha256 FROM account_sessions").fetchall()]
    assert token not in stored and stored == [sessions.token_hash(token)]
    assert sessions.resolve(con, token, settings=RULES).name == "ann"
    sessions.sign_out(con, token)
    with pytest.raises(SignInError) as ended:
        sessions.resolve(con, token, settings=RULES)
    assert ended.value.code == "ended"
    kinds = list(store.events(con, "ann")["kind"])
    assert kinds[-2:] == ["signed_in", "signed_out"]


def test_wrong_password_and_unknown_name_get_the_same_answer(con) -> None:
    with pytest.raises(SignInError) as wrong:
        sessions.sign_in(con, "ann", "not it at all", settings=RULES)
    with pytest.raises(SignInError) as unknown:
        sessions.sign_in(con, "nobody", "not it at all", settings=RULES)
    assert str(wrong.value) == str(unknown.value) == sessions.WRONG
    assert wrong.value.code == unknown.value.code == "wrong"
    with pytest.raises(SignInError):
        sessions.resolve(con, "forged-token", settings=RULES)
    with pytest.raises(SignInError):
        sessions.resolve(con, None, settings=RULES)


def test_repeated_failures_lock_the_account_until_the_lock_ends(con) -> None:
    for _ in range(RULES.lockout_failures):
        with pytest.raises(SignInError, match=sessions.WRONG):
            sessions.sign_in(con, "ann", "guess guess guess", settings=RULES)
    with pytest.raises(SignInError) as locked:  # now even the right password is refused
        sessions.sign_in(con, "ann", PASSWORD, settings=RULES)
    assert locked.value.code == "locked" and locked.value.until is not None
    assert con.execute("SELECT count(*) FROM account_sessions").fetchone()[0] == 0
    _shift(con, minutes=16)
    token, _ = sessions.sign_in(con, "ann", PASSWORD, settings=RULES)
    assert token
    kinds = list(store.events(con, "ann")["kind"])
    assert kinds.count("sign_in_failed") == 3 and "locked" in kinds and "sign_in_refused" in kinds


def test_a_success_resets_the_count_of_failures(con) -> None:
    for _ in range(RULES.lockout_failures - 1):
        with pytest.raises(SignInError):
            sessions.sign_in(con, "ann", "guess guess guess", settings=RULES)
    sessions.sign_in(con, "ann", PASSWORD, settings=RULES)
    with pytest.raises(SignInError, match=sessions.WRONG):
        sessions.sign_in(con, "ann", "guess guess guess", settings=RULES)
    sessions.sign_in(con, "ann", PASSWORD, settings=RULES)  # not locked


def test_sessions_expire_by_age_and_by_idleness(con) -> None:
    token, _ = sessions.sign_in(con, "ann", PASSWORD, settings=RULES)
    _shift(con, minutes=11)  # idle for longer than idle_minutes
    with pytest.raises(SignInError) as idle:
        sessions.resolve(con, token, settings=RULES)
    assert idle.value.code == "expired"
    with pytest.raises(SignInError) as again:  # and it stays ended
        sessions.resolve(con, token, settings=RULES)
    assert again.value.code == "ended"

    token, _ = sessions.sign_in(con, "ann", PASSWORD, settings=RULES)
    for _ in range(7):  # used every 9 minutes: never idle, but older than session_hours at last
        _shift(con, minutes=9)
        try:
            sessions.resolve(con, token, settings=RULES)
        except SignInError as exc:
            assert exc.code == "expired"
            break
        con.execute("UPDATE account_sessions SET last_seen_utc = ?", [store.utcnow()])
    else:
        pytest.fail("a session outlived session_hours")


def test_a_disabled_account_cannot_sign_in(con) -> None:
    admin = store.actor_for(con, "admin")
    store.set_disabled(con, "ann", True, by=admin)
    with pytest.raises(SignInError) as disabled:
        sessions.sign_in(con, "ann", PASSWORD, settings=RULES)
    assert disabled.value.code == "disabled"
    with pytest.raises(SignInError) as wrong:  # a wrong password does not tell it is disabled
        sessions.sign_in(con, "ann", "guess guess guess", settings=RULES)
    assert wrong.value.code == "wrong"


def test_settings_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("GEOAQ_LOCKOUT_FAILURES", "7")
    monkeypatch.setenv("GEOAQ_SESSION_IDLE_MINUTES", "30")
    got = config.account_settings()
    assert (got.lockout_failures, got.idle_minutes, got.session_hours) == (7, 30, 12)
    monkeypatch.setenv("GEOAQ_LOCKOUT_FAILURES", "none")
    with pytest.raises(ConfigError, match="GEOAQ_LOCKOUT_FAILURES"):
        config.account_settings()
