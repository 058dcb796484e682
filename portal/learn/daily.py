"""The learner area's step of the daily tick."""

from __future__ import annotations

from datetime import date

from portal import clock
from portal.daily import step
from portal.learn import services


@step
def end_idle_learner_sessions(day: date) -> int:
    """End sessions whose browser went away without logging out.

    A session idle past the limit is already refused on its next request; this sweep
    makes sure a shared account's traces are erased even when no request ever comes.
    It looks at the clock's now, not at ``day``: idleness is about the present.
    """
    return services.end_idle_sessions(clock.now())
