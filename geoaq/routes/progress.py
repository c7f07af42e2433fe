"""Progress of a route search and the user's way to stop it, kept out of the search code.

The planner takes an optional callback `progress(Progress) -> str | None`. It is called
while the search runs (at most every `EVERY_S` seconds, and at every stage change); when it
returns ``"stop"`` the search ends at its next step and the plan is built from the best
routes found so far (`stopped_by` is then ``"the user"``). The command line shows a
bar on stderr and stops on Ctrl-C; the app's page shows a progress bar.

The callback only watches: how often it is called depends on the clock, but what the search
does does not, so a search that is not stopped gives the same routes on any machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

#: seconds between two calls of the callback within one stage
EVERY_S = 0.25
STOP = "stop"
#: why a search ended (RoutePlan.stopped_by)
BY_USER, BY_TIME, BY_WORK, COMPLETED = "the user", "time limit", "work limit", "search completed"


@dataclass(frozen=True)
class Progress:
    """Where the search is: `done` (0–1) of its planned work, the `stage` (a code: ``tsp``,
    ``level``, ``travel``, ``polish``), the priority level in work, and the best routes'
    visits and travel seconds so far (None before the first)."""

    done: float
    stage: str
    level: float | None = None
    visited: int | None = None
    travel_s: int | None = None


Callback = Callable[[Progress], "str | None"]


class Control:
    """Calls the callback, and tells the search when to end: the user's stop or the time cap."""

    def __init__(self, callback: Callback | None = None, time_limit_s: float = float("inf")):
        self._callback = callback
        self._deadline = time.perf_counter() + time_limit_s
        self._last = (-1.0, "")
        self.stopped_by: str | None = None

    def tick(self, progress: Progress) -> bool:
        """Report `progress` (throttled); True when the search must end now."""
        if self.stopped_by is not None:
            return True
        now = time.perf_counter()
        if now >= self._deadline:
            self.stopped_by = BY_TIME
            return True
        if self._callback is not None and (now - self._last[0] >= EVERY_S or progress.stage != self._last[1]):
            self._last = (now, progress.stage)
            if self._callback(progress) == STOP:
                self.stopped_by = BY_USER
                return True
        return False

    def stop(self) -> None:
        """End the search at its next step (Ctrl-C in the command line)."""
        if self.stopped_by is None:
            self.stopped_by = BY_USER

    @property
    def stopped(self) -> bool:
        return self.stopped_by is not None
