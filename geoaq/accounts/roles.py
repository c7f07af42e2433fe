"""Roles, what each may do, and the `Actor`: the signed-in account a service function acts for.

Five roles (words: accounts.role.<code>):

========== ============ ================================================================
code       word         may
========== ============ ================================================================
admin      系统管理员   everything: accounts, data (uploads, loads), rules, and all a city user may
city       市级用户     the whole city: sees everything, decides verifications (核定/排除),
                        approves or sends back what counties submit, plans routes
county     区县用户     its own counties (one or more adcodes): sees their events, enterprises,
                        notices and routes; submits field-check results and corrections
inspector  巡查员       routes, route sheets and findings for its teams; sees what its routes need
viewer     只读         sees the whole city, changes nothing
========== ============ ================================================================

Enforcement is here and in the service functions that take an `Actor` (`Actor.require`,
`Actor.require_county`), never only in the widgets: a refused call raises `AccessDeniedError`
before it writes anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from geoaq._errors import AccessDeniedError, AccountError
from geoaq.i18n import choices, code_for

#: role codes, from most to least power
ROLES = ("admin", "city", "county", "inspector", "viewer")

#: permission codes
MANAGE_ACCOUNTS = "accounts.manage"   # add, disable, reset passwords, set roles
MANAGE_DATA = "data.manage"           # uploads and loads of layers and readings, rules
DECIDE = "fires.decide"               # set an event's status (核定 / 排除 / back to 疑似), approve
SUBMIT = "fires.submit"               # submit a field-check result or a correction for a county
PLAN_ROUTES = "routes.plan"           # plan and export inspection routes
RECORD_FINDINGS = "routes.findings"   # record the findings of route stops
VIEW = "view"                         # see what the jurisdiction covers

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({MANAGE_ACCOUNTS, MANAGE_DATA, DECIDE, SUBMIT, PLAN_ROUTES, RECORD_FINDINGS,
                        VIEW}),
    "city": frozenset({DECIDE, PLAN_ROUTES, RECORD_FINDINGS, VIEW}),
    "county": frozenset({SUBMIT, PLAN_ROUTES, RECORD_FINDINGS, VIEW}),
    "inspector": frozenset({RECORD_FINDINGS, VIEW}),
    "viewer": frozenset({VIEW}),
}

#: roles that see the whole city whatever scopes they hold
CITY_WIDE = frozenset({"admin", "city", "viewer"})


def normalise_role(value: str) -> str:
    """The role code for a code or its word in either language: "区县用户" -> "county"."""
    code = code_for(value, ROLES, "accounts.role")
    if code is None:
        raise AccountError(f"unknown role {value!r}; use one of: {choices(ROLES, 'accounts.role')}")
    return code


@dataclass(frozen=True)
class Actor:
    """The signed-in account a service function acts for: who, in which role, over which
    counties (a county user's adcodes; empty = none) and teams, and from where (the browser's
    address, or ``cli:<user>@<host>``). Made by `geoaq.accounts.sessions` from a session or by
    `geoaq.accounts.store.actor_for` for the command line; never from what a form says."""

    account_id: int
    name: str
    role: str
    counties: frozenset[str] = field(default_factory=frozenset)
    teams: frozenset[str] = field(default_factory=frozenset)
    display_name: str | None = None
    origin: str | None = None

    @property
    def label(self) -> str:
        """How history rows name the account: ``name`` or ``name (display name)``."""
        if self.display_name and self.display_name != self.name:
            return f"{self.name} ({self.display_name})"
        return self.name

    @property
    def city_wide(self) -> bool:
        """Whether the account sees the whole city (admin, city, viewer; an inspector without
        counties)."""
        return self.role in CITY_WIDE or (self.role == "inspector" and not self.counties)

    def may(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    def covers(self, county_adcode: str | None) -> bool:
        """Whether `county_adcode` is in the jurisdiction (an event without a county only for
        city-wide accounts)."""
        if self.city_wide:
            return True
        return county_adcode is not None and str(county_adcode) in self.counties

    def require(self, permission: str, what: str) -> None:
        """Refuse (AccessDeniedError) unless the role has `permission`; `what` names the action."""
        if not self.may(permission):
            raise AccessDeniedError(
                f"account {self.name!r} ({self.role}) may not {what}: its role does not allow it")

    def require_county(self, county_adcode: str | None, what: str) -> None:
        """Refuse unless `county_adcode` is in the jurisdiction."""
        if not self.covers(county_adcode):
            held = ", ".join(sorted(self.counties)) or "none"
            raise AccessDeniedError(
                f"account {self.name!r} ({self.role}, counties {held}) may not {what}: county "
                f"{county_adcode or '(none)'} is outside its jurisdiction")

    def visible_counties(self) -> frozenset[str] | None:
        """The counties to filter lists, maps, counts and downloads to; None = the whole city."""
        return None if self.city_wide else self.counties


def visible(actor: Actor | None, county_adcodes: Iterable[str | None]) -> list[bool]:
    """For each county adcode: whether `actor` sees it (everything when `actor` is None, the
    library's own use without an account)."""
    if actor is None:
        return [True for _ in county_adcodes]
    return [actor.covers(code) for code in county_adcodes]
