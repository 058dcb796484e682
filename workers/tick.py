"""The nightly job `rq cron` enqueues (workers/cron.py): the daily tick of portal/daily.py,
run for today in Tokyo. The steps themselves are registered by the portal's areas."""

from __future__ import annotations


def daily() -> dict[str, int]:
    """Run today's work, in Tokyo."""
    from portal import clock
    from portal.daily import run_daily

    return run_daily(clock.today())
