"""Column types and helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, String, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """Column default: the portal clock's now."""
    return clock.now()


class SenderConfirmed:
    """Columns of a public form's row whose sender must confirm the address first
    (portal/confirmations.py): nothing is forwarded until ``confirmed_at`` is set, and an
    unconfirmed row is deleted once ``confirm_expires_at`` has passed."""

    # Only the hash of the emailed link's token (kept once confirmed: a second click on
    # the button, or the link opened again, finds the confirmed row).
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirm_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
