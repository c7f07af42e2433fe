"""Verification of fire events (火点核查): suspected → verified or dismissed, with an audit trail.

Every change is a new row of `fire_event_status_history` (migration 0002); nothing is ever
updated or deleted, so who decided what, and when, stays on record. An event's current status
is its latest row; an event without rows is suspected (疑似). Statuses and dismiss reasons are
codes; their words are the locales' (fires.status.*, fires.dismiss_reason.*), and either
language's word is accepted for a code.

A row carries the whole current state of an event: its status and, if a user corrected the
attribution, the corrected county/township. `set_status` therefore keeps the correction in
force unless told otherwise (pass "" to drop it and fall back to the computed attribution).

`changed_at` is Beijing time (UTC+8) without a zone, like the rest of the platform's user-facing
times: an aware `at` is converted, a naive one is taken as Beijing time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pandas as pd

from geoaq._errors import AccessDeniedError, UnknownFireEventError, VerificationError
from geoaq.accounts.roles import DECIDE, Actor
from geoaq.db.connection import Connection, next_ids, transaction, write_attempts
from geoaq.db.named import run
from geoaq.i18n import DEFAULT_LANGUAGE, LANGUAGES, t

BEIJING = timezone(timedelta(hours=8))

#: status codes (words: fires.status.<code>)
STATUSES = ("suspected", "verified", "dismissed")
#: dismiss reason codes (words: fires.dismiss_reason.<code>)
DISMISS_REASONS = ("industrial_heat_source", "not_a_fire", "duplicate", "outside_jurisdiction")
ADMIN_TABLE = "admin_units"
COUNTY_LEVEL, TOWNSHIP_LEVEL = "县", "乡镇"
_COUNTY_CODE = re.compile(r"^[0-9]{6}$")
_TOWNSHIP_CODE = re.compile(r"^[0-9]{9}([0-9]{3})?$")

CURRENT_COLUMNS = ("event_id", "status", "dismiss_reason", "county_adcode", "township_adcode",
                   "changed_by", "changed_at", "note")
HISTORY_COLUMNS = ("change_id", "event_id", "status", "dismiss_reason", "county_adcode",
                   "township_adcode", "changed_by", "changed_at", "note", "carried_from",
                   "changed_by_account", "changed_by_role", "changed_from")


def label(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The word for a status or dismiss-reason code in `lang` (the code itself if unknown)."""
    if key in STATUSES:
        return t(f"fires.status.{key}", lang)
    if key in DISMISS_REASONS:
        return t(f"fires.dismiss_reason.{key}", lang)
    return key


def _choices(keys: tuple[str, ...]) -> str:
    """The codes with their Chinese words, as the command line accepts either."""
    return ", ".join(f"{key} ({label(key)})" for key in keys)


def _normalise(value: object, keys: tuple[str, ...], what: str) -> str:
    text = str(value).strip() if value is not None else ""
    if text.lower() in keys:
        return text.lower()
    by_label = {label(key, lang).lower(): key for key in keys for lang in LANGUAGES}
    if text.lower() in by_label:
        return by_label[text.lower()]
    raise VerificationError(f"unknown {what} {value!r}; use one of: {_choices(keys)}")


def normalise_status(value: str) -> str:
    """The status code for a code or its word in either language: "核定" -> "verified"."""
    return _normalise(value, STATUSES, "status")


def normalise_reason(value: str) -> str:
    """The dismiss-reason code for a code or its word: "工业热源" -> "industrial_heat_source"."""
    return _normalise(value, DISMISS_REASONS, "dismiss reason")


def _beijing(at: datetime | None) -> datetime:
    """`at` (default now) as naive Beijing time, the way changed_at is stored."""
    if at is None:
        return datetime.now(BEIJING).replace(tzinfo=None)
    if at.tzinfo is not None:
        return at.astimezone(BEIJING).replace(tzinfo=None)
    return at


def _table_has(con: Connection, table: str, columns: set[str]) -> bool:
    found = {name for name, _ in run(con, "table_columns", [table]).fetchall()}
    return columns <= found


def _missing_events(con: Connection, event_ids: list[str]) -> list[str]:
    return [row[0] for row in run(con, "fire_status_missing_events", [event_ids])
            .fetchall()]


def _correction(given: str | None, current: str | None) -> tuple[str | None, bool]:
    """(effective code, given explicitly): None keeps the current correction, "" drops it."""
    if given is None:
        return current, False
    text = str(given).strip()
    return (text or None), bool(text)


def _check_attribution(con: Connection, county: str | None, township: str | None,
                       county_given: bool, township_given: bool) -> None:
    """Codes well-formed; with an admin_units table: they exist at the right level and nest."""
    if county is not None and not _COUNTY_CODE.match(county):
        raise VerificationError(f"county_adcode must be a 6-digit division code, got {county!r}")
    if township is not None and not _TOWNSHIP_CODE.match(township):
        raise VerificationError(
            f"township_adcode must be a 9- or 12-digit division code, got {township!r}")
    kept = {True: "", False: " (the correction in force)"}
    if not _table_has(con, ADMIN_TABLE, {"adcode", "name", "level", "parent_adcode"}):
        if county and township and not township.startswith(county):
            raise VerificationError(
                f"township {township}{kept[township_given]} is not in county "
                f"{county}{kept[county_given]}")
        return
    units = {}
    for code, level, given in ((county, COUNTY_LEVEL, county_given),
                               (township, TOWNSHIP_LEVEL, township_given)):
        if code is None:
            continue
        row = run(con, "fire_status_admin_unit", [code]).fetchone()
        if row is None:
            raise VerificationError(f"adcode {code}{kept[given]} is not in {ADMIN_TABLE}")
        name, unit_level, parent = row
        if unit_level != level:
            raise VerificationError(
                f"adcode {code} ({name}) is level {unit_level}, not {level}")
        units[level] = (name, parent)
    if county and township and units[TOWNSHIP_LEVEL][1] != county:
        name, parent = units[TOWNSHIP_LEVEL]
        raise VerificationError(
            f"township {township} ({name}){kept[township_given]} belongs to county {parent}, "
            f"not to {county} ({units[COUNTY_LEVEL][0]}){kept[county_given]}; give a matching "
            f"county_adcode and township_adcode (\"\" drops a correction)")


def event_county(con: Connection, event_id: str) -> str | None:
    """The county an event counts for: a correction in force, else the county it lies in."""
    current = run(con, "fire_status_latest", [str(event_id)]).fetchone()
    if current is not None and current[2]:
        return current[2]
    if not _table_has(con, ADMIN_TABLE, {"adcode", "level", "geom"}):
        return None
    row = run(con, "fire_event_county", [str(event_id)]).fetchone()
    return row[0] if row else None


def require_event(con: Connection, actor: Actor | None, event_id: str, what: str) -> None:
    """Refuse (AccessDeniedError) when `actor` does not cover the county `event_id` counts for;
    an event that does not exist is refused the same way to an account that is not city-wide
    (it learns nothing of other counties' ids)."""
    if actor is None or actor.city_wide:
        return
    county = event_county(con, event_id) if not _missing_events(con, [str(event_id)]) else None
    actor.require_county(county, f"{what} {event_id}")


def set_status(con: Connection, event_id: str, status: str, *, changed_by: str | None = None,
               actor: Actor | None = None,
               reason: str | None = None, note: str | None = None,
               county_adcode: str | None = None, township_adcode: str | None = None,
               at: datetime | None = None) -> int:
    """Record a review of one event as a new history row; return its change_id.

    `actor` is the signed-in account deciding (the app and the command line always pass one):
    its role must decide verifications (市级用户, 系统管理员) and its jurisdiction cover the
    event and any county it corrects to; the row names it, its role and where it acted from.
    Without an actor (a library call, the system) `changed_by` names who.

    `status` and `reason` take the English key or the Chinese label. Dismissing needs a reason,
    other statuses take none. `county_adcode`/`township_adcode` correct the attribution:
    None keeps the correction in force, "" drops it. Raises VerificationError (or
    UnknownFireEventError) and writes nothing when anything is wrong.
    """
    status_key = normalise_status(status)
    has_reason = reason is not None and str(reason).strip() != ""
    if status_key == "dismissed" and not has_reason:
        raise VerificationError(
            f"dismissing event {event_id!r} needs a reason: {_choices(DISMISS_REASONS)}")
    if status_key != "dismissed" and has_reason:
        raise VerificationError(
            f"a reason is given only when dismissing; event {event_id!r} is being set to "
            f"{status_key} ({label(status_key)}) with reason {reason!r}")
    reason_key = normalise_reason(reason) if has_reason else None
    if actor is not None:
        actor.require(DECIDE, f"set the status of fire event {event_id} (核定/排除/疑似); the city "
                              "decides, a county submits its field-check result")
        who = actor.label
    else:
        who = str(changed_by).strip() if changed_by is not None else ""
    if not who:
        raise VerificationError("changed_by must name who made the change (a user name)")
    note_text = str(note).strip() if note is not None else ""
    event_key = str(event_id).strip()
    when = _beijing(at)
    for attempt in write_attempts(con):  # a concurrent change may take the same number first
        with attempt, transaction(con):
            require_event(con, actor, event_key, "change fire event")
            if _missing_events(con, [event_key]):
                raise UnknownFireEventError(f"no fire event {event_id!r} in fire_events")
            current = run(con, "fire_status_latest", [event_key]).fetchone()
            current_county, current_township = (current[2], current[3]) if current else (None, None)
            county, county_given = _correction(county_adcode, current_county)
            township, township_given = _correction(township_adcode, current_township)
            _check_attribution(con, county, township, county_given, township_given)
            if actor is not None and county_given and not actor.covers(county):
                raise AccessDeniedError(
                    f"account {actor.name!r} may not move event {event_key} to county {county}: "
                    "outside its jurisdiction")
            change_id = next_ids(con, "fire_status_change")
            run(con, "fire_status_insert", [
                change_id, event_key, status_key, reason_key, county, township, who, when,
                note_text or None, None,
                actor.account_id if actor else None, actor.role if actor else None,
                actor.origin if actor else None,
            ])
    return int(change_id)


def current_status(con: Connection, event_ids: list[str] | None = None) -> pd.DataFrame:
    """Current status of every event in fire_events (or of `event_ids` among them).

    Columns: event_id, status ('suspected' for events without history), dismiss_reason,
    county_adcode, township_adcode (a user's correction, else missing), changed_by,
    changed_at, note. Ids not in fire_events are left out. Sorted by event_id.
    """
    ids = None if event_ids is None else [str(e) for e in event_ids]
    frame = run(con, "fire_status_current", [ids, ids]).df()
    return frame[list(CURRENT_COLUMNS)]


def history(con: Connection, event_id: str, *, follow_carried: bool = False,
            actor: Actor | None = None) -> pd.DataFrame:
    """Every status change of one event, oldest first (empty when it was never reviewed).

    Columns: change_id, event_id, status, dismiss_reason, county_adcode, township_adcode,
    changed_by, changed_at, note, carried_from. With `follow_carried`, the rows of the ids the
    status was carried from (on recomputation) come first, so the whole trail shows.
    """
    require_event(con, actor, str(event_id), "read the history of fire event")
    frames = []
    seen: set[str] = set()
    current: str | None = str(event_id)
    while current is not None and current not in seen:
        seen.add(current)
        rows = run(con, "fire_status_history", [current]).df()
        frames.append(rows)
        carried = rows["carried_from"].dropna()
        current = str(carried.iloc[0]) if follow_carried and not carried.empty else None
    result = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return result.sort_values("change_id", kind="stable").reset_index(drop=True)[
        list(HISTORY_COLUMNS)]


def carry_over(con: Connection, renamed: dict[str, str], *, changed_by: str = "system") -> int:
    """Copy statuses to recomputed event ids (old id → new id); return the rows written.

    A new id gets one row copying its old id's current status, reason, attribution correction
    and note, with carried_from = the old id, only when the old id has history and the new id
    has none (so a review made on the new id is never overwritten, and running it twice writes
    nothing more). If several old ids map to one new id, the most recent change is copied. The
    new ids must be in fire_events (insert the recomputed events first). One transaction.
    """
    pairs = [(str(old), str(new)) for old, new in renamed.items() if str(old) != str(new)]
    if not pairs:
        return 0
    who = str(changed_by).strip() if changed_by is not None else ""
    if not who:
        raise VerificationError("changed_by must name who made the change")
    old_ids = [old for old, _ in pairs]
    new_ids = [new for _, new in pairs]
    for attempt in write_attempts(con):
        with attempt, transaction(con):
            missing = _missing_events(con, sorted(set(new_ids)))
            if missing:
                raise UnknownFireEventError(
                    f"carry_over: new event id(s) {missing} are not in fire_events; insert the "
                    f"recomputed events first")
            first = next_ids(con, "fire_status_change", len(pairs))
            written = run(con, "fire_status_carry_over",
                          [first, who, _beijing(None), old_ids, new_ids]).fetchone()[0]
    return int(written)
