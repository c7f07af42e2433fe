"""geoaq.routes.plan: targets out of reach reported with their reason, teams checked."""

from __future__ import annotations

import pytest
from route_cases import DEPOT, FAST, random_targets

from geoaq._errors import RoutingInputError
from geoaq.i18n import say
from geoaq.routes.plan import plan_routes
from geoaq.routes.rules import Team, make_teams


def test_unreachable_time_window_is_reported_not_planned():
    targets = random_targets(3, 1, tw_start=[None, "06:00", None], tw_end=[None, "07:00", None])
    plan = plan_routes(targets, [Team("A", start=DEPOT)], work_limit=FAST)
    dropped = plan.dropped.set_index("target_id")
    assert list(dropped.index) == ["T01"] and dropped.loc["T01", "drop_reason"] == "window"
    assert any("T01" in say(w) and "时间窗" in say(w) for w in plan.warnings)
    with pytest.raises(RoutingInputError, match="ends .* before it starts"):
        plan_routes(random_targets(2, 1, tw_start=["15:00", None], tw_end=["14:00", None]), [Team("A", start=DEPOT)])
    with pytest.raises(RoutingInputError, match="HH:MM"):
        plan_routes(random_targets(2, 1, tw_start=["noon", None]), [Team("A", start=DEPOT)])


def test_team_with_zero_hours_or_speed():
    with pytest.raises(RoutingInputError, match="team A: working hours must be more than 0"):
        plan_routes(random_targets(2, 1), [Team("A", start=DEPOT, hours=0)])
    with pytest.raises(RoutingInputError, match="speed"):
        plan_routes(random_targets(2, 1), [Team("A", start=DEPOT, speed_kmh=0)])
    with pytest.raises(RoutingInputError, match="at least 1"):
        make_teams(0)
