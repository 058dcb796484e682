"""The monthly usage report (利用データ) of a contract, kept as it was built and sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class UsageReport(db.Model):
    """月次利用データ: one contract's xlsx for one Tokyo month, built once.

    A snapshot, not a counter: figures are always computed from ``usage_events``; this row
    keeps the file as it was emailed, so that a later download is the same report byte for
    byte, and ``notified_at`` records that the month-start email was written.
    """

    __tablename__ = "usage_reports"
    __table_args__ = (UniqueConstraint("contract_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    month: Mapped[date] = mapped_column(Date)  # the first day of the Tokyo month
    filename: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contract = relationship("Contract")
