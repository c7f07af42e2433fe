"""Accounts in the database (migration 0011): add, list, disable/enable, reset a password, set a
role and its counties/teams; and the `Actor` of a named account for the command line.

Only an administrator (`Actor` with accounts.manage) changes accounts, except the very first
account of a database, which must be an administrator and is made without one (the first
start: `geoaq users add NAME --role admin`, or `geoaq demo`). The last enabled administrator
cannot be disabled or given another role. Every change is a row of `account_events` naming
who made it; a change of password, role or scopes, and disabling, end the account's sessions.
There is no default password anywhere: a password is given, asked for, or generated and shown
once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from geoaq._errors import AccessDeniedError, AccountError, UnknownAccountError
from geoaq.accounts import passwords
from geoaq.accounts.roles import MANAGE_ACCOUNTS, Actor, normalise_role
from geoaq.db.connection import (
    Connection,
    claim,
    ensure_claims,
    next_ids,
    transaction,
    write_attempts,
)
from geoaq.db.named import run

_NAME = re.compile(r"^[\w.@-]{2,64}$")
_COUNTY = re.compile(r"^[0-9]{6}$")
_TEAM = re.compile(r"^[\w .·()（）-]{1,64}$")
COUNTY_LEVEL = "县"
LIST_COLUMNS = ("account_id", "name", "display_name", "role", "counties", "teams", "disabled",
                "failed_count", "locked_until_utc", "created_at_utc", "last_sign_in_utc", "sso_subject")
#: a single sign-on identity: an OIDC subject or an e-mail address, printable, no spaces
_SSO_SUBJECT = re.compile(r"^[^\s]{1,255}$")


@dataclass(frozen=True)
class Account:
    """An account as stored (its password hash stays inside this module's callers)."""

    account_id: int
    name: str
    display_name: str | None
    role: str
    password_hash: str
    disabled: bool
    failed_count: int
    locked_until_utc: datetime | None
    created_at_utc: datetime
    last_sign_in_utc: datetime | None


def utcnow() -> datetime:
    """Now in UTC without a zone, the way the account tables store times."""
    return datetime.now(UTC).replace(tzinfo=None)


def _account(row: tuple | None) -> Account | None:
    if row is None:
        return None
    return Account(account_id=int(row[0]), name=row[1], display_name=row[2], role=row[3],
                   password_hash=row[4], disabled=bool(row[5]), failed_count=int(row[6]),
                   locked_until_utc=row[7], created_at_utc=row[8], last_sign_in_utc=row[9])


def find(con: Connection, name: str) -> Account | None:
    """The account signed in as `name` (without case), or None."""
    return _account(run(con, "account_by_name", [str(name).strip()]).fetchone())


def get(con: Connection, name: str) -> Account:
    found = find(con, name)
    if found is None:
        raise UnknownAccountError(f"no account {name!r}")
    return found


def sso_identity(user: Mapping[str, object]) -> tuple[str | None, str | None]:
    """(subject, e-mail) of what an identity provider says of a signed-in person (Streamlit's
    ``st.user``): its ``sub``, and its ``email`` unless the provider says it is not verified
    (``email_verified`` false). Either may be None."""
    subject = str(user.get("sub") or "").strip() or None
    email = str(user.get("email") or "").strip() or None
    if user.get("email_verified") is False:
        email = None
    return subject, email


def find_by_sso(con: Connection, subject: str | None, email: str | None) -> Account | None:
    """The account a single sign-on identity signs in as (`set_sso`): the one holding the
    subject, else the one holding the e-mail address (without case); None when neither is."""
    if not subject and not email:
        return None
    return _account(run(con, "account_by_sso", [subject, email, email, subject]).fetchone())


def by_id(con: Connection, account_id: int) -> Account | None:
    return _account(run(con, "account_by_id", [int(account_id)]).fetchone())


def counts(con: Connection) -> tuple[int, int]:
    """(accounts, enabled administrators)."""
    total, admins = run(con, "accounts_count").fetchone()
    return int(total), int(admins)


def scopes(con: Connection, account_id: int) -> tuple[frozenset[str], frozenset[str]]:
    """(counties, teams) of an account."""
    rows = run(con, "account_scopes_of", [int(account_id)]).fetchall()
    return (frozenset(v for k, v in rows if k == "county"), frozenset(v for k, v in rows if k == "team"))


def actor_of(con: Connection, account: Account, origin: str | None = None) -> Actor:
    counties, teams = scopes(con, account.account_id)
    return Actor(account_id=account.account_id, name=account.name, role=account.role,
                 counties=counties, teams=teams, display_name=account.display_name, origin=origin)


def actor_for(con: Connection, name: str, origin: str | None = None) -> Actor:
    """The `Actor` of the enabled account `name` (the command line's ``--as``)."""
    account = get(con, name)
    if account.disabled:
        raise AccessDeniedError(f"account {account.name!r} is disabled")
    return actor_of(con, account, origin)


def list_accounts(con: Connection) -> pd.DataFrame:
    """Every account (no password hashes): LIST_COLUMNS, by name."""
    return run(con, "accounts_list").df()[list(LIST_COLUMNS)]


def events(con: Connection, name: str | None = None) -> pd.DataFrame:
    """What was done to or by one account (or all), oldest first."""
    account_id = None if name is None else get(con, name).account_id
    return run(con, "account_events_of", [account_id, account_id]).df()


def record(con: Connection, account_id: int | None, kind: str, detail: str | None = None,
           by: Actor | None = None, origin: str | None = None) -> None:
    """Append a row to `account_events` (inside the caller's transaction, or its own)."""
    with transaction(con):
        event_id = next_ids(con, "account_event")
        run(con, "account_event_insert", [
            event_id, account_id, kind, detail, by.account_id if by else None,
            by.label if by else None, utcnow(), origin or (by.origin if by else None)])


def _check_name(name: str) -> str:
    text = str(name or "").strip()
    if not _NAME.match(text):
        raise AccountError(f"account name {name!r}: 2-64 letters, digits or . _ @ - (no spaces)")
    return text


def _check_counties(con: Connection, counties: Iterable[str]) -> list[str]:
    codes = sorted({str(c).strip() for c in counties if str(c).strip()})
    for code in codes:
        if not _COUNTY.match(code):
            raise AccountError(f"county {code!r} must be a 6-digit division code (adcode)")
    found = {name for name, _ in run(con, "table_columns", ["admin_units"]).fetchall()}
    if {"adcode", "level"} <= found:
        for code in codes:
            unit = run(con, "account_admin_unit", [code]).fetchone()
            if unit is None:
                raise AccountError(f"county {code} is not in admin_units")
            if unit[1] != COUNTY_LEVEL:
                raise AccountError(f"adcode {code} ({unit[0]}) is level {unit[1]}, not {COUNTY_LEVEL}")
    return codes


def _check_teams(teams: Iterable[str]) -> list[str]:
    names = sorted({str(t).strip() for t in teams if str(t).strip()})
    for team in names:
        if not _TEAM.match(team):
            raise AccountError(f"team name {team!r}: 1-64 letters, digits, spaces or · ( ) -")
    return names


def _check_role_scopes(role: str, counties: list[str]) -> None:
    if role == "county" and not counties:
        raise AccountError("a county user (区县用户) needs at least one county (--county ADCODE)")
    if role in ("admin", "city", "viewer") and counties:
        raise AccountError(f"a {role} account sees the whole city: give counties only to county "
                           "users and inspectors")


def _require_admin(con: Connection, by: Actor | None, what: str) -> None:
    if by is None:
        raise AccessDeniedError(f"{what} needs an administrator's account (--as NAME)")
    by.require(MANAGE_ACCOUNTS, what)
    current = by_id(con, by.account_id)
    if current is None or current.disabled or current.role != by.role:
        raise AccessDeniedError(f"account {by.name!r} is no longer an enabled {by.role}")


def _write_scopes(con: Connection, account_id: int, counties: list[str], teams: list[str]) -> None:
    run(con, "account_scopes_delete", [account_id])
    kinds = ["county"] * len(counties) + ["team"] * len(teams)
    if kinds:
        run(con, "account_scopes_insert", [account_id, kinds, counties + teams])


def add_account(con: Connection, name: str, role: str, password: str, *, by: Actor | None,
                display_name: str | None = None, counties: Iterable[str] = (),
                teams: Iterable[str] = ()) -> int:
    """Add an account; return its id. `by` must be an administrator, except for the first
    account of the database, which must itself be an administrator (made with `by=None`)."""
    login = _check_name(name)
    role_code = normalise_role(role)
    passwords.check_policy(password, login)
    shown = str(display_name).strip() if display_name else None
    ensure_claims(con, "accounts")
    hashed = passwords.hash_password(password)
    for attempt in write_attempts(con):
        with attempt, transaction(con):
            claim(con, "accounts")  # two adds of one name at once: one runs again and finds it
            total, _ = counts(con)
            if total == 0:
                if role_code != "admin":
                    raise AccountError("the first account must be an administrator (--role admin)")
            else:
                _require_admin(con, by, "add accounts")
            if find(con, login) is not None:
                raise AccountError(f"account {login!r} exists already")
            county_codes = _check_counties(con, counties)
            _check_role_scopes(role_code, county_codes)
            team_names = _check_teams(teams)
            account_id = next_ids(con, "account")
            now = utcnow()
            run(con, "account_insert", [account_id, login, shown, role_code, hashed, now, now])
            _write_scopes(con, account_id, county_codes, team_names)
            detail = f"role={role_code}" + (f" counties={','.join(county_codes)}" if county_codes else "") \
                + (f" teams={','.join(team_names)}" if team_names else "")
            record(con, account_id, "created", detail, by, origin=None if by else "first administrator")
    return int(account_id)


def _end_sessions(con: Connection, account_id: int) -> None:
    run(con, "sessions_end_of_account", [utcnow(), account_id])


def _guard_last_admin(con: Connection, account: Account, what: str) -> None:
    if account.role == "admin" and not account.disabled and counts(con)[1] <= 1:
        raise AccountError(f"{account.name!r} is the last enabled administrator: {what} would "
                           "leave nobody to manage accounts; make another administrator first")


def set_disabled(con: Connection, name: str, disabled: bool, *, by: Actor | None) -> None:
    """Disable (its sessions end) or enable an account."""
    for attempt in write_attempts(con):
        with attempt, transaction(con):
            _require_admin(con, by, "disable or enable accounts")
            account = get(con, name)
            if disabled:
                _guard_last_admin(con, account, "disabling it")
            run(con, "account_set_disabled", [bool(disabled), utcnow(), account.account_id])
            if disabled:
                _end_sessions(con, account.account_id)
            record(con, account.account_id, "disabled" if disabled else "enabled", None, by)


def reset_password(con: Connection, name: str, password: str, *, by: Actor | None) -> None:
    """A new password for `name` (an administrator's reset, or the account's own change with
    `by` being that account); its sessions end and any lock is lifted."""
    account = get(con, name)
    passwords.check_policy(password, account.name)
    hashed = passwords.hash_password(password)
    for attempt in write_attempts(con):
        with attempt, transaction(con):
            if by is None or by.account_id != account.account_id:
                _require_admin(con, by, "reset other accounts' passwords")
            run(con, "account_set_password", [hashed, utcnow(), account.account_id])
            _end_sessions(con, account.account_id)
            record(con, account.account_id, "password_reset", None, by)


def set_role(con: Connection, name: str, role: str, *, by: Actor | None,
             counties: Iterable[str] | None = None, teams: Iterable[str] | None = None) -> None:
    """Give `name` a role and (when given) its counties and teams; its sessions end."""
    role_code = normalise_role(role)
    for attempt in write_attempts(con):
        with attempt, transaction(con):
            _require_admin(con, by, "set roles")
            account = get(con, name)
            held_counties, held_teams = scopes(con, account.account_id)
            county_codes = _check_counties(con, held_counties if counties is None else counties)
            team_names = _check_teams(held_teams if teams is None else teams)
            if role_code in ("admin", "city", "viewer") and counties is None:
                county_codes = []  # a city-wide role drops the counties it no longer needs
            _check_role_scopes(role_code, county_codes)
            if role_code != "admin":
                _guard_last_admin(con, account, f"making it {role_code}")
            run(con, "account_set_role", [role_code, utcnow(), account.account_id])
            _write_scopes(con, account.account_id, county_codes, team_names)
            _end_sessions(con, account.account_id)
            record(con, account.account_id, "role_set",
                   f"role={role_code} counties={','.join(county_codes)} teams={','.join(team_names)}", by)


def set_sso(con: Connection, name: str, subject: str | None, *, by: Actor | None) -> None:
    """Let the identity provider's `subject` (its OIDC ``sub``, or an e-mail address) sign in as
    `name` (single sign-on, `geoaq.web.auth`); None or "" clears it. One identity signs in as one
    account only. An administrator's change, recorded."""
    value = str(subject or "").strip() or None
    if value is not None and not _SSO_SUBJECT.match(value):
        raise AccountError(f"single sign-on identity {subject!r}: 1-255 characters without spaces "
                           "(the identity provider's subject, or an e-mail address)")
    ensure_claims(con, "accounts")
    for attempt in write_attempts(con):
        with attempt, transaction(con):
            claim(con, "accounts")  # two accounts given one identity at once: one runs again
            _require_admin(con, by, "set single sign-on identities")
            account = get(con, name)
            if value is not None:
                holder = run(con, "account_sso_holder", [value, account.account_id]).fetchone()
                if holder is not None:
                    raise AccountError(f"single sign-on identity {value!r} signs in as account {holder[0]!r} "
                                       "already; clear it there first")
            run(con, "account_set_sso", [value, utcnow(), account.account_id])
            record(con, account.account_id, "sso_set" if value else "sso_cleared", value, by)
