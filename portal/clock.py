"""The portal's clock: today and now in Asia/Tokyo, overridable for demos and tests.

PORTAL_TODAY (YYYY-MM-DD) moves the date and keeps the time of day; PORTAL_NOW (an ISO
datetime, Tokyo time if naive) pins the instant, which the idle-logout tests need.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

TOKYO = ZoneInfo("Asia/Tokyo")


def _override(name: str) -> str | None:
    if not has_app_context():
        return None
    value = current_app.config.get(name)
    return str(value) if value else None


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    pinned = _override("PORTAL_NOW")
    if pinned:
        moment = datetime.fromisoformat(pinned)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=TOKYO)
        return moment.astimezone(UTC)
    real = datetime.now(UTC)
    day = _override("PORTAL_TODAY")
    if day:
        tokyo_time = real.astimezone(TOKYO).timetz()
        return datetime.combine(date.fromisoformat(day), tokyo_time).astimezone(UTC)
    return real


def today() -> date:
    """Today's date in Asia/Tokyo."""
    return now().astimezone(TOKYO).date()


def tokyo(moment: datetime) -> datetime:
    """The same instant shown in Tokyo time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TOKYO)


def start_of_day(day: date) -> datetime:
    """Midnight in Tokyo at the start of ``day``, as a UTC instant."""
    return datetime.combine(day, time.min, tzinfo=TOKYO).astimezone(UTC)
