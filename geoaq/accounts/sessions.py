"""Signing in and sessions: a name and password give a session token; the token gives the
`Actor` until the session ends.

* A token is 32 random bytes (URL-safe text) held by the browser only; the database keeps its
  sha256, so a copy of the database opens no session.
* A session lasts `AccountSettings.session_hours` at most and ends after `idle_minutes`
  without use, when signed out, and when its account is disabled or its password or role is
  changed. Its account's role and scopes are read afresh each time it is used.
* `lockout_failures` failed sign-ins in a row lock the account for `lockout_minutes`; a
  locked account is refused without its password being checked. A wrong password and a name
  without an account get the same answer (and the same work: a dummy hash is verified).
* Every sign-in, failure, lock and sign-out is a row of `account_events`, with where it came
  from.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from geoaq import config
from geoaq._errors import SignInError
from geoaq.accounts import passwords, store
from geoaq.accounts.roles import Actor
from geoaq.db.connection import Connection, transaction, write_attempts
from geoaq.db.named import run

#: a session's last use is written at most this often (a page reruns on every click)
TOUCH_EVERY = timedelta(seconds=60)
WRONG = "wrong name or password"


def token_hash(token: str) -> str:
    return hashlib.sha256(str(token).encode("utf-8")).hexdigest()


def sign_in(con: Connection, name: str, password: str, *, origin: str | None = None,
            settings: config.AccountSettings | None = None) -> tuple[str, Actor]:
    """Check `name` and `password`; return (a new session token, its Actor). Raises
    SignInError (code wrong / locked / disabled) and records the attempt either way."""
    rules = settings or config.account_settings()
    account = store.find(con, str(name or "").strip()) if str(name or "").strip() else None
    if account is None:
        passwords.verify(None, str(password or ""))
        store.record(con, None, "sign_in_failed", f"unknown name {str(name)[:64]!r}", origin=origin)
        raise SignInError(WRONG)
    _refuse_locked(con, account, origin)
    if not passwords.verify(account.password_hash, str(password or "")):
        _failed(con, account, rules, origin)
        raise SignInError(WRONG)
    _refuse_disabled(con, account, origin)
    rehash = passwords.hash_password(password) if passwords.needs_rehash(account.password_hash) else None
    return _open_session(con, account, rules, origin, rehash=rehash)


def _refuse_locked(con: Connection, account: store.Account, origin: str | None, how: str = "") -> None:
    if account.locked_until_utc is not None and account.locked_until_utc > store.utcnow():
        store.record(con, account.account_id, "sign_in_refused", f"locked{how}", origin=origin)
        raise SignInError(f"account {account.name!r} is locked after repeated failed sign-ins "
                          f"until {account.locked_until_utc:%Y-%m-%d %H:%M} UTC", code="locked",
                          until=account.locked_until_utc)


def _refuse_disabled(con: Connection, account: store.Account, origin: str | None, how: str = "") -> None:
    if account.disabled:
        store.record(con, account.account_id, "sign_in_refused", f"disabled{how}", origin=origin)
        raise SignInError(f"account {account.name!r} is disabled", code="disabled")


def _open_session(con: Connection, account: store.Account, rules: config.AccountSettings,
                  origin: str | None, *, rehash: str | None = None,
                  detail: str | None = None) -> tuple[str, Actor]:
    """A new session of `account` (signed in), recorded; (its token, its Actor)."""
    now = store.utcnow()
    token = secrets.token_urlsafe(32)
    for attempt in write_attempts(con):
        with attempt, transaction(con):
            run(con, "account_signed_in", [now, account.account_id])
            if rehash is not None:
                run(con, "account_set_password", [rehash, now, account.account_id])
            run(con, "session_insert", [token_hash(token), account.account_id, now,
                                        now + timedelta(hours=rules.session_hours), now, origin])
            store.record(con, account.account_id, "signed_in", detail, origin=origin)
    return token, store.actor_of(con, account, origin)


def sign_in_sso(con: Connection, subject: str | None, email: str | None, *, origin: str | None = None,
                settings: config.AccountSettings | None = None) -> tuple[str, Actor]:
    """Single sign-on: the identity provider vouched for `subject` / `email`; the geoaq account
    an administrator gave that identity (`store.set_sso`) gets a session, like `sign_in`. An
    identity no account holds gets none (SignInError code sso_unknown); a locked or disabled
    account is refused as by `sign_in`. Every attempt is recorded."""
    rules = settings or config.account_settings()
    account = store.find_by_sso(con, subject, email)
    shown = (email or subject or "(none)")[:128]
    if account is None:
        store.record(con, None, "sign_in_failed", f"single sign-on identity {shown!r} is no account's",
                     origin=origin)
        raise SignInError(f"the single sign-on identity {shown!r} is not given to any geoaq account",
                          code="sso_unknown")
    _refuse_locked(con, account, origin, " (single sign-on)")
    _refuse_disabled(con, account, origin, " (single sign-on)")
    return _open_session(con, account, rules, origin, detail=f"single sign-on {shown}")


def _failed(con: Connection, account: store.Account, rules: config.AccountSettings,
            origin: str | None) -> None:
    for attempt in write_attempts(con):
        with attempt, transaction(con):
            current = store.by_id(con, account.account_id)
            failures = (current.failed_count if current else account.failed_count) + 1
            locked = failures >= rules.lockout_failures
            until = store.utcnow() + timedelta(minutes=rules.lockout_minutes) if locked else None
            run(con, "account_sign_in_failed", [0 if locked else failures, until, account.account_id])
            store.record(con, account.account_id, "sign_in_failed", f"failure {failures}", origin=origin)
            if locked:
                store.record(con, account.account_id, "locked",
                             f"{failures} failed sign-ins; until {until:%Y-%m-%d %H:%M} UTC", origin=origin)


def resolve(con: Connection, token: str | None, *, origin: str | None = None,
            settings: config.AccountSettings | None = None) -> Actor:
    """The Actor of an open session; SignInError (code ended / expired / disabled) otherwise."""
    if not token:
        raise SignInError("not signed in", code="ended")
    rules = settings or config.account_settings()
    key = token_hash(token)
    row = run(con, "session_lookup", [key]).fetchone()
    if row is None or row[4] is not None:
        raise SignInError("the session has ended; sign in again", code="ended")
    account_id, _created, expires, last_seen, _ended, opened_from, name, _shown, _role, disabled = row
    now = store.utcnow()
    if disabled:
        _end(con, key, now)
        raise SignInError(f"account {name!r} is disabled", code="disabled")
    if expires <= now or last_seen + timedelta(minutes=rules.idle_minutes) <= now:
        _end(con, key, now)
        raise SignInError("the session has expired; sign in again", code="expired")
    if now - last_seen >= TOUCH_EVERY:
        for attempt in write_attempts(con):
            with attempt:
                run(con, "session_touch", [now, key])
    account = store.by_id(con, int(account_id))
    return store.actor_of(con, account, origin or opened_from)


def _end(con: Connection, key: str, now) -> None:
    for attempt in write_attempts(con):
        with attempt:
            run(con, "session_end", [now, key])


def sign_out(con: Connection, token: str | None) -> None:
    """End the session of `token` (nothing when it has ended already)."""
    if not token:
        return
    key = token_hash(token)
    row = run(con, "session_lookup", [key]).fetchone()
    if row is None or row[4] is not None:
        return
    for attempt in write_attempts(con):
        with attempt, transaction(con):
            run(con, "session_end", [store.utcnow(), key])
            store.record(con, int(row[0]), "signed_out", None, origin=row[5])


def change_own_password(con: Connection, actor: Actor, current: str, new: str, *,
                        settings: config.AccountSettings | None = None) -> None:
    """The signed-in account changes its own password, giving the current one (a wrong one
    counts towards the lock-out); every session of the account ends, this one too."""
    rules = settings or config.account_settings()
    account = store.by_id(con, actor.account_id)
    if account is None or account.disabled:
        raise SignInError("the account is no longer enabled", code="disabled")
    if account.locked_until_utc is not None and account.locked_until_utc > store.utcnow():
        raise SignInError(f"account {account.name!r} is locked", code="locked", until=account.locked_until_utc)
    if not passwords.verify(account.password_hash, str(current or "")):
        _failed(con, account, rules, actor.origin)
        raise SignInError(WRONG)
    store.reset_password(con, account.name, new, by=actor)
