"""Organisations, distributors and the prefectures they serve."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow

COMPANY = "company"
SCHOOL = "school"


class Organisation(db.Model):
    """契約組織: a company or a school."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint("kind IN ('company', 'school')", name="kind"),
        CheckConstraint("prefecture BETWEEN 1 AND 47", name="prefecture"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    prefecture: Mapped[int]
    # The last sequence number used in this organisation's learner IDs (<code>-<n>).
    learner_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contracts = relationship("Contract", back_populates="organisation")

    @property
    def is_school(self) -> bool:
        return self.kind == SCHOOL


class Distributor(db.Model):
    """販売会社: receives the orders of the prefectures it serves."""

    __tablename__ = "distributors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prefectures = relationship(
        "DistributorPrefecture", back_populates="distributor", cascade="all, delete-orphan"
    )


class DistributorPrefecture(db.Model):
    """One prefecture served by a distributor; at most one distributor per prefecture."""

    __tablename__ = "distributor_prefectures"
    __table_args__ = (CheckConstraint("prefecture BETWEEN 1 AND 47", name="prefecture"),)

    prefecture: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    distributor_id: Mapped[int] = mapped_column(ForeignKey("distributors.id"), index=True)

    distributor = relationship("Distributor", back_populates="prefectures")
