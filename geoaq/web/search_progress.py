"""A route search's progress on a page, and the user's stop that keeps the best plan so far.

While the page's script runs the search, a click anywhere on the page (the page's 停止搜索
button, any widget, Streamlit's own Stop) makes Streamlit raise its script-control exception
at the script's next Streamlit call — here, the progress bar's update inside the search's
progress callback. `SearchProgress` catches it there and answers "stop"
(`geoaq.routes.progress.STOP`): the search ends at its next step with the best routes so far,
the page stores that plan (`keep`: Streamlit refuses even a session-state write in the
interrupted run), and `resume()` then raises the exception again so Streamlit reruns
(or stops) as the user asked; the rerun shows the stored plan, which says it was stopped by
the user.
"""

from __future__ import annotations

from collections.abc import Callable

from geoaq.routes.progress import STOP, Progress
from geoaq.web.streamlit_internals import keep_in_session, script_control_exception


class SearchProgress:
    """The search's progress callback: `show(progress)` draws it; a click ends the search."""

    def __init__(self, show: Callable[[Progress], object]):
        self._show = show
        self._control = script_control_exception()
        self.pending: BaseException | None = None
        self.calls = 0

    def __call__(self, progress: Progress) -> str | None:
        if self.pending is not None:
            return STOP
        self.calls += 1
        try:
            self._show(progress)
        except self._control as exc:  # the user clicked: end the search, keep the best plan
            self.pending = exc
            return STOP
        return None

    @property
    def interrupted(self) -> bool:
        return self.pending is not None

    @staticmethod
    def keep(key: str, value: object) -> None:
        """Store the search's result in the session's state: after a click, Streamlit refuses
        every call of the interrupted run, `st.session_state[key] = value` included
        (`geoaq.web.streamlit_internals.keep_in_session`)."""
        keep_in_session(key, value)

    def resume(self) -> None:
        """Hand Streamlit back the rerun or stop the user asked for (after storing the plan)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            raise pending
