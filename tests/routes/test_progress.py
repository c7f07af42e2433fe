"""Progress of a route search and the user's stop: the callback's reports, a stop from outside
(Ctrl-C in the command line), the command line's bar, and the page's stop on a click."""

from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pandas as pd
import pytest
from route_cases import DEPOT, random_targets
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData

from geoaq.cli.route import _plan_with_progress
from geoaq.routes.plan import plan_routes, route_model
from geoaq.routes.progress import BY_USER, COMPLETED, Control, Progress
from geoaq.routes.rules import Team
from geoaq.web.search_progress import SearchProgress


def _day(n: int = 80, seed: int = 4) -> tuple[pd.DataFrame, list[Team]]:
    """Three teams, windows, three levels; more targets than fit."""
    rng = np.random.default_rng(seed)
    windows = [("10:00", "11:30") if rng.random() < 0.3 else (None, None) for _ in range(n)]
    targets = random_targets(n, seed, spread=0.3, priority=rng.choice([10, 50, 90], n),
                             service_min=rng.choice([20, 30, 45], n),
                             tw_start=[w[0] for w in windows], tw_end=[w[1] for w in windows])
    return targets, [Team("A", start=DEPOT, hours=3), Team("B", start=(112.30, 34.70), hours=3),
                     Team("C", start=DEPOT, hours=2.5, day_start="09:30")]


def _valid(plan, targets, teams) -> bool:
    """Every route of the plan keeps its windows and working day (the model's own check)."""
    case = route_model(targets, teams)
    index = {tid: k for k, tid in enumerate(case.frame["target_id"])}
    routes = [[index[t] for t in plan.team_stops(team.name)["target_id"] if t] for team in case.teams]
    return all(case.model.schedule(route, v) is not None for v, route in enumerate(routes))


def test_progress_reports_every_stage_in_order_with_the_share_done(monkeypatch):
    monkeypatch.setattr("geoaq.routes.progress.EVERY_S", 0.0)  # every report, not four a second
    targets, teams = _day()
    seen: list[Progress] = []
    plan = plan_routes(targets, teams, work_limit=3000, progress=lambda p: seen.append(p))
    assert plan.stopped_by != BY_USER and len(seen) > 20
    stages = [p.stage for p in seen]
    assert stages[0] == "level" and "travel" in stages and stages[-1] == "polish"
    assert stages.index("travel") > max(i for i, s in enumerate(stages) if s == "level")
    levels = [p.level for p in seen if p.stage == "level"]
    assert levels[0] == 90 and levels == sorted(levels, reverse=True)  # highest level first
    done = [p.done for p in seen]
    assert all(0 <= d <= 1 for d in done) and done == sorted(done)  # never goes back
    assert any(p.visited for p in seen if p.stage == "travel")


def test_a_stop_from_outside_mid_search_keeps_the_best_plan_so_far():
    """As Ctrl-C does: Control.stop() from another thread while the search runs."""
    targets, teams = _day()
    full = plan_routes(targets, teams, work_limit=40_000)
    control = Control()
    timer = threading.Timer(0.8, control.stop)
    timer.start()
    try:
        plan = plan_routes(targets, teams, work_limit=40_000, control=control)
    finally:
        timer.cancel()
    assert plan.stopped_by == BY_USER and plan.work_done < full.work_done
    assert plan.visited > 0 and _valid(plan, targets, teams)
    kept = plan.stops.loc[~plan.stops["kind"].isin(["start", "end"]), "priority"]
    assert kept.max() == 90  # the highest level is searched first: it is in the plan


def test_the_command_lines_bar_and_ctrl_c_keep_the_best_plan():
    targets, teams = _day()
    timer = threading.Timer(0.8, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        plan = _plan_with_progress(lambda control: plan_routes(targets, teams, work_limit=40_000, control=control), 60)
    finally:
        timer.cancel()
    assert plan.stopped_by == BY_USER and _valid(plan, targets, teams)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the usual Ctrl-C again


def test_the_command_lines_bar_shows_on_stderr(monkeypatch):
    lines: list[str] = []

    class Bar:  # tqdm's part the command line uses, recording what it is told
        def __init__(self, **kwargs):
            self.n = 0
            lines.append(f"total={kwargs['total']}")

        def set_description_str(self, text, refresh=False):
            lines.append(text)

        def update(self, k):
            self.n += k

        def close(self):
            lines.append(f"closed at {self.n}")

    monkeypatch.setattr("tqdm.tqdm", Bar)
    monkeypatch.setattr("geoaq.routes.progress.EVERY_S", 0.0)
    targets, teams = _day(40)
    plan = _plan_with_progress(lambda control: plan_routes(targets, teams, work_limit=1500, control=control), 60)
    assert plan.stopped_by != BY_USER
    assert lines[0] == "total=100" and {"level", "travel", "polish"} <= set(lines)
    assert lines[-1].startswith("closed at ") and int(lines[-1].split()[-1]) >= 70


@pytest.mark.parametrize("click", [RerunException(RerunData()), StopException()])
def test_a_click_on_the_page_ends_the_search_keeping_the_best_plan(click):
    """Streamlit raises its script-control exception in the progress bar's update when the user
    clicks: the search stops with the best plan so far, then the click goes on to Streamlit."""
    targets, teams = _day()
    drawn: list[float] = []

    def bar(progress: Progress) -> None:
        drawn.append(progress.done)
        if len(drawn) == 3:
            raise click

    watch = SearchProgress(bar)
    plan = plan_routes(targets, teams, work_limit=40_000, progress=watch)
    assert watch.interrupted and plan.stopped_by == BY_USER and len(drawn) == 3
    assert plan.visited > 0 and _valid(plan, targets, teams)
    with pytest.raises(type(click)):
        watch.resume()
    watch.resume()  # handed over once


def test_without_a_click_the_page_search_runs_to_its_end():
    targets, teams = _day(30)
    watch = SearchProgress(lambda p: None)
    plan = plan_routes(targets, teams, work_limit=800, progress=watch)
    assert not watch.interrupted and watch.calls > 0 and plan.stopped_by != BY_USER
    assert plan.stopped_by in {COMPLETED, "work limit"}
    watch.resume()  # nothing to hand over
