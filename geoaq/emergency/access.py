"""Who may do what in a heavy-pollution response, and what a county account sees of it.

* Lists (应急减排清单) and warnings are the city's: loading a list, entering, revising,
  cancelling or loading warnings needs a role that decides (市级用户, 系统管理员:
  `require_manage`). Inspections (findings of a response) need the role's routes.findings
  permission, and for an account that is not city-wide every enterprise inspected must be
  listed in its counties. Refused: AccessDeniedError, nothing written.
* A county account's response (`geoaq.emergency.response.response_in_jurisdiction`): the list
  lines, enterprises that must act, per-county counts (so the per-county checklist) and fire
  events of its counties only. The list names counties by name; they are matched to the
  account's adcodes through admin_units (`county_names`). Inspections of enterprises outside
  them are refused (`geoaq.emergency.inspections.require_inspected`).
"""

from __future__ import annotations

import pandas as pd

from geoaq.accounts.roles import DECIDE, Actor


def require_manage(actor: Actor | None, what: str) -> None:
    """Refuse unless `actor` (when given) may manage lists and warnings."""
    if actor is not None:
        actor.require(DECIDE, what)


def recorder(actor: Actor | None, recorded_by: str | None) -> str | None:
    """Who a write names: the signed-in account when there is one, else the name given."""
    return actor.label if actor is not None else recorded_by


def county_names(units: pd.DataFrame, actor: Actor | None) -> frozenset[str] | None:
    """The names of `actor`'s counties in `units` (admin_units rows: adcode, name, level);
    None for a city-wide account."""
    if actor is None or actor.city_wide:
        return None
    counties = units[(units["level"] == "县") & units["adcode"].astype(str).isin(actor.counties)]
    return frozenset(str(n) for n in counties["name"])
