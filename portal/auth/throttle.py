"""Login throttling per account, shared by staff and learner logins.

Keyed by the login ID as typed (normalised), not by address: a whole school comes from
one IP address, and an unknown ID is throttled exactly like a real one.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from portal import clock
from portal.dbutil import insert_ignoring_conflicts
from portal.extensions import db
from portal.models import LoginThrottle


def normalise(login_id: str) -> str:
    """The form of a login ID we compare and store: NFKC, trimmed, lower case."""
    return unicodedata.normalize("NFKC", login_id or "").strip().lower()[:64]


def _row(realm: str, key: str) -> LoginThrottle | None:
    return db.session.scalar(
        select(LoginThrottle).where(LoginThrottle.realm == realm, LoginThrottle.login_key == key)
    )


def locked_until(realm: str, login_id: str):
    """When the lock on this account ends, or None if it may try now."""
    row = _row(realm, normalise(login_id))
    if row and row.locked_until and row.locked_until > clock.now():
        return row.locked_until
    return None


def record_failure(realm: str, login_id: str) -> None:
    """Count a failed attempt; lock the account after too many in the window."""
    key = normalise(login_id)
    now = clock.now()
    window = timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    db.session.execute(
        insert_ignoring_conflicts(LoginThrottle, ["realm", "login_key"]).values(
            realm=realm, login_key=key, failures=0, window_started_at=now
        )
    )
    row = _row(realm, key)
    if row.window_started_at + window < now:  # an old window: start counting again
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= current_app.config["LOGIN_MAX_FAILURES"]:
        row.locked_until = now + window
    db.session.commit()


def reset(realm: str, login_id: str) -> None:
    """Forget the failures after a successful login."""
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.realm == realm, LoginThrottle.login_key == normalise(login_id))
        .values(failures=0, locked_until=None)
    )
