"""The verification workflow between county and city (区县核查 → 市级核定).

1. A county account submits the result of its field check of an event of its county
   (`submit_check`: 属实焚烧 burning_confirmed / 非火点 not_a_fire / 工业热源
   industrial_heat_source / 非本辖区 outside_jurisdiction, with a note), or proposes a
   correction of the event's county or township (`propose_correction`).
2. A city account (or an administrator) approves it or sends it back with a reason (`review`).
   An approval is a status change through `verification.set_status`, named for the city's
   account: a field check's outcome becomes 核定 (burning confirmed) or 排除 with the matching
   reason; a correction is applied with the event's status as it is.
3. Every step is a new row (`fire_event_submissions`, `fire_event_reviews`, migration 0012),
   naming the account, its role, where from and when; nothing is overwritten. An event has at
   most one pending submission of each kind; a returned one may be submitted again.

"Verified" figures (`--figures verified`) count only status 核定, which only a city account or
an administrator sets: so they count only city-approved outcomes. A field check may carry evidence files (photos, documents:
`geoaq.fires.evidence`), checked by content and stored outside the database by checksum: they
are kept with their submission or, when it fails, not at all.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from geoaq._errors import VerificationError
from geoaq.accounts.roles import DECIDE, RECORD_FINDINGS, SUBMIT, Actor
from geoaq.db.connection import Connection, next_ids, transaction, write_attempts
from geoaq.db.named import run
from geoaq.fires import evidence, verification
from geoaq.i18n import choices, code_for

#: field-check outcomes (words: fires.outcome.<code>) -> (status, dismiss reason) on approval
OUTCOMES = {
    "burning_confirmed": ("verified", None),
    "not_a_fire": ("dismissed", "not_a_fire"),
    "industrial_heat_source": ("dismissed", "industrial_heat_source"),
    "outside_jurisdiction": ("dismissed", "outside_jurisdiction"),
}
DECISIONS = ("approved", "returned")
KINDS = ("field_check", "correction")
SUBMISSION_COLUMNS = ("submission_id", "event_id", "kind", "outcome", "county_adcode", "township_adcode",
                      "note", "submitted_by", "submitted_by_role", "submitted_from", "submitted_at", "state",
                      "review_reason", "reviewed_by", "reviewed_at", "change_id")


def normalise_outcome(value: str) -> str:
    """The outcome code for a code or its word in either language: "非火点" -> "not_a_fire"."""
    code = code_for(value, OUTCOMES, "fires.outcome")
    if code is None:
        raise VerificationError(f"unknown field-check result {value!r}; use one of: "
                                f"{choices(OUTCOMES, 'fires.outcome')}")
    return code


def _pending(con: Connection, event_id: str, kind: str) -> int | None:
    rows = run(con, "fire_submissions", [event_id, event_id]).df()
    waiting = rows[(rows["kind"] == kind) & (rows["state"] == "pending")]
    return None if waiting.empty else int(waiting["submission_id"].iloc[-1])


def _submit(con: Connection, actor: Actor, event_id: str, kind: str, outcome: str | None,
            county: str | None, township: str | None, note: str | None, permission: str = SUBMIT,
            files: Iterable[evidence.Upload] = ()) -> int:
    actor.require(permission, f"submit field checks or corrections of fire event {event_id}")
    event_key = str(event_id).strip()
    with evidence.staged(con, files) as stage:  # the files take their names once the rows committed
        for attempt in write_attempts(con):
            with attempt, transaction(con):
                verification.require_event(con, actor, event_key, "submit for fire event")
                if verification._missing_events(con, [event_key]):
                    from geoaq._errors import UnknownFireEventError

                    raise UnknownFireEventError(f"no fire event {event_id!r} in fire_events")
                waiting = _pending(con, event_key, kind)
                if waiting is not None:
                    raise VerificationError(f"event {event_key} already has submission {waiting} "
                                            f"({kind}) waiting for the city's review")
                submission_id = next_ids(con, "fire_submission")
                at = verification._beijing(None)
                run(con, "fire_submission_insert", [
                    submission_id, event_key, kind, outcome, county, township, (note or "").strip() or None,
                    actor.label, actor.account_id, actor.role, actor.origin, at])
                stage.record(con, submission_id, actor, at)
    return int(submission_id)


def submit_check(con: Connection, event_id: str, outcome: str, *, actor: Actor,
                 note: str | None = None, files: Iterable[evidence.Upload] = ()) -> int:
    """A county account's field-check result for an event of its county, with its evidence
    `files` (checked and stored by `geoaq.fires.evidence`, all or none); its submission id."""
    return _submit(con, actor, event_id, "field_check", normalise_outcome(outcome), None, None, note,
                   files=files)


def submit_route_finding(con: Connection, event_id: str, outcome: str, *, actor: Actor,
                         note: str | None = None) -> int:
    """A route stop's finding on a fire event (`geoaq.routes.findings`) as a field-check
    submission for the city to approve, with the recording account (an inspector too) as the
    submitter; inside the caller's transaction when it has one. Its submission id."""
    return _submit(con, actor, event_id, "field_check", normalise_outcome(outcome), None, None, note,
                   permission=RECORD_FINDINGS)


def propose_correction(con: Connection, event_id: str, *, actor: Actor, county_adcode: str | None = None,
                       township_adcode: str | None = None, note: str | None = None) -> int:
    """A county account's proposal to correct an event's county and/or township (checked as a
    correction is: codes that exist and nest); its submission id."""
    county = (county_adcode or "").strip() or None
    township = (township_adcode or "").strip() or None
    if county is None and township is None:
        raise VerificationError("a correction names a county_adcode, a township_adcode or both")
    verification._check_attribution(con, county, township, county is not None, township is not None)
    return _submit(con, actor, event_id, "correction", None, county, township, note)


def review(con: Connection, submission_id: int, decision: str, *, actor: Actor,
           reason: str | None = None) -> int:
    """The city's decision on a pending submission: "approved" (its status change is made) or
    "returned" (with a reason, back to the county); the review's id."""
    actor.require(DECIDE, f"review submission {submission_id}")
    choice = str(decision or "").strip().lower()
    choice = {"approve": "approved", "return": "returned", "核定": "approved", "退回": "returned"}.get(choice, choice)
    if choice not in DECISIONS:
        raise VerificationError(f"unknown decision {decision!r}; use approve or return")
    why = (reason or "").strip() or None
    if choice == "returned" and why is None:
        raise VerificationError("sending a submission back needs a reason")
    for attempt in write_attempts(con):
        with attempt, transaction(con):
            row = run(con, "fire_submission_get", [int(submission_id)]).fetchone()
            if row is None:
                raise VerificationError(f"no submission {submission_id}")
            _, event_id, kind, outcome, county, township, state = row
            if state is not None:
                raise VerificationError(f"submission {submission_id} was {state} already")
            change_id = None
            if choice == "approved":
                note = f"submission {submission_id}" + (f": {why}" if why else "")
                if kind == "field_check":
                    status, dismiss = OUTCOMES[outcome]
                    change_id = verification.set_status(con, event_id, status, actor=actor, reason=dismiss,
                                                        note=note)
                else:
                    current = verification.current_status(con, [event_id]).iloc[0]
                    change_id = verification.set_status(
                        con, event_id, current["status"], actor=actor, note=note,
                        reason=current["dismiss_reason"] if current["status"] == "dismissed" else None,
                        county_adcode=county if county is not None else None,
                        township_adcode=township if township is not None else None)
            review_id = next_ids(con, "fire_review")
            run(con, "fire_review_insert", [review_id, int(submission_id), choice, why, change_id,
                                            actor.label, actor.account_id, actor.role, actor.origin,
                                            verification._beijing(None)])
    return int(review_id)


def submissions(con: Connection, event_id: str | None = None, *, actor: Actor | None = None) -> pd.DataFrame:
    """Every submission (or one event's) with its state, only the jurisdiction's for `actor`."""
    if event_id is not None:
        verification.require_event(con, actor, str(event_id), "read the submissions of fire event")
    frame = run(con, "fire_submissions", [event_id, event_id]).df()[list(SUBMISSION_COLUMNS)]
    if actor is None or actor.city_wide or frame.empty:
        return frame
    keep = [actor.covers(verification.event_county(con, e)) for e in frame["event_id"]]
    return frame[keep].reset_index(drop=True)


def waiting_for(con: Connection, actor: Actor) -> pd.DataFrame:
    """What waits for `actor`: for a deciding role the pending submissions, for a county account
    its returned ones (to submit again)."""
    frame = submissions(con, actor=actor)
    if actor.may(DECIDE):
        return frame[frame["state"] == "pending"].reset_index(drop=True)
    latest = frame.sort_values("submission_id").groupby(["event_id", "kind"]).tail(1)
    return latest[latest["state"] == "returned"].reset_index(drop=True)
