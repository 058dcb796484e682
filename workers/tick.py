"""The daily tick: the day's scheduled work, each step idempotent.

Each step takes the day it runs for and answers how many things it did. Running the tick
twice, or skipping a day and catching up, never repeats an email: every email it writes
carries an idempotency key naming its cause.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from portal import jobs
from portal.extensions import db

Step = Callable[[date], int]
STEPS: list[Step] = []


def step(func: Step) -> Step:
    """Register ``func`` as a step of the daily tick (in definition order)."""
    STEPS.append(func)
    return func


@step
def purge_unconfirmed_public_forms(day: date) -> int:
    """Delete applications and title requests whose sender never confirmed in time:
    nobody but the sender ever saw them (portal/confirmations.py). By the clock's now."""
    from portal import clock, confirmations

    return confirmations.purge_expired(clock.now())


@step
def purge_forgotten_login_failures(day: date) -> int:
    """Delete the login throttles whose failures are forgotten: a row was made for every
    ID anyone typed, unknown ones included (portal/auth/throttle.py). By the clock's now."""
    from portal.auth import throttle

    return throttle.purge_forgotten()


def daily() -> dict[str, int]:
    """The job `rq cron` runs every night: today's work, in Tokyo."""
    from portal import clock

    return run_daily(clock.today())


def run_daily(day: date) -> dict[str, int]:
    """Run every step for ``day``; each commits on its own, so one failure loses no other."""
    _import_steps()
    results = {}
    for func in STEPS:
        results[func.__name__] = func(day)
        db.session.commit()
    # Also a sweep: batches and emails left by a dead worker, or by Redis or SMTP away.
    jobs.enqueue_now("workers.sweep.sweep", queue="emails")
    return results


def _import_steps() -> None:
    """Import the modules that register steps (each area owns its own)."""
    import portal.learn.daily  # noqa: F401
    import portal.renewal.schedule  # noqa: F401
    import portal.school.rotation  # noqa: F401
    import portal.usage.schedule  # noqa: F401
