"""Usage events, the raw material of the monthly usage figures (利用データ)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow

LOGIN = "login"
BOOK_OPEN = "book_open"


class UsageEvent(db.Model):
    """利用記録: one login, or one title opened, by one learner ID under one contract.

    Append-only and flat on purpose: the monthly figures are a GROUP BY over a range of
    (contract_id, at), which the composite index serves. Shared accounts' events are kept
    when their reading traces are erased: they name no reader, only the ID.
    """

    __tablename__ = "usage_events"
    __table_args__ = (
        CheckConstraint("kind IN ('login', 'book_open')", name="kind"),
        CheckConstraint("(kind = 'book_open') = (book_id IS NOT NULL)", name="book"),
        Index("ix_usage_events_contract_at", "contract_id", "at"),
        # The operators' overview reads one month of every contract: without this index
        # it scans the whole history (docs/PERFORMANCE.md, issue 7).
        Index("ix_usage_events_at", "at"),
        # A title counts once per session, however many requests open it at once (a double
        # click, a second tab): the database decides, not a check before the insert. A
        # login (no book) is not constrained: NULLs are distinct.
        UniqueConstraint("session_id", "book_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(10))
    book_id: Mapped[int | None] = mapped_column(ForeignKey("books.id"))
    # The learner session it happened in (None for events from before it was recorded).
    session_id: Mapped[int | None] = mapped_column(ForeignKey("learner_sessions.id"))
