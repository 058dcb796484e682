"""The yearly rotation of a school's credentials, one row per contract and year."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class AccountRotation(db.Model):
    """年度末のアカウント更新: the March when one contract's IDs were renewed.

    The row is written in the transaction that issues the new IDs, and a contract is
    rotated at most once a year: ticks run twice, late, or at once renew nothing more.
    """

    __tablename__ = "account_rotations"
    __table_args__ = (UniqueConstraint("contract_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    year: Mapped[int]
    issued: Mapped[int]
    old_valid_until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract = relationship("Contract")
