"""The daily tick: the day's scheduled work, each step idempotent.

Each area registers its own steps here (``@daily.step``), when the app factory imports it
(portal/__init__.py); ``flask tick`` and the worker's nightly job (workers/tick.py) only
run them. Each step takes the day it runs for and
answers how many things it did. Running the tick twice, or skipping a day and catching
up, never repeats an email: every email it writes carries an idempotency key naming its
cause.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from portal import jobs
from portal.extensions import db

Step = Callable[[date], int]
STEPS: list[Step] = []


def step(func: Step) -> Step:
    """Register ``func`` as a step of the daily tick (in registration order)."""
    STEPS.append(func)
    return func


def run_daily(day: date) -> dict[str, int]:
    """Run every step for ``day``; each commits on its own, so one failure loses no other."""
    results = {}
    for func in STEPS:
        results[func.__name__] = func(day)
        db.session.commit()
    # Also a sweep: batches and emails left by a dead worker, or by Redis or SMTP away.
    jobs.enqueue_now("workers.sweep.sweep", queue="emails")
    return results
