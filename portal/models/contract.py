"""Contracts, their renewals and the learners enrolled in them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from portal import deadlines
from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class Contract(db.Model):
    """契約: a library and a number of user IDs for a run of whole months."""

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("seats > 0", name="seats_positive"),
        CheckConstraint("starts_on <= ends_on", name="term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    library_id: Mapped[int] = mapped_column(ForeignKey("libraries.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Last day its learners may log in; stored so that login checks stay one indexed query.
    access_until: Mapped[date] = mapped_column(Date)
    seats: Mapped[int]
    personal_seats: Mapped[int | None]
    shared_seats: Mapped[int | None]
    # School contracts may ask for new credentials every March (年度末のアカウント更新).
    yearly_rotation: Mapped[bool] = mapped_column(default=False)
    predecessor_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts.id"), unique=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation = relationship("Organisation", back_populates="contracts")
    library = relationship("Library")
    predecessor = relationship("Contract", remote_side=[id], foreign_keys=[predecessor_id])
    renewal = relationship(
        "Renewal", back_populates="contract", uselist=False, foreign_keys="Renewal.contract_id"
    )

    @classmethod
    def for_term(cls, starts_on: date, ends_on: date, **fields) -> Contract:
        """A contract for whole months, with its login grace derived from the end."""
        starts_on = deadlines.month_start(starts_on)
        ends_on = deadlines.month_end(ends_on)
        return cls(
            starts_on=starts_on,
            ends_on=ends_on,
            access_until=deadlines.access_until(ends_on),
            **fields,
        )

    @classmethod
    def page_load(cls) -> tuple:
        """What every contract page reads, loaded with the contract in one query."""
        return (
            joinedload(cls.library),
            joinedload(cls.organisation),
            joinedload(cls.renewal).joinedload(Renewal.library),
            joinedload(cls.renewal).joinedload(Renewal.successor),
        )

    @property
    def calendar(self) -> deadlines.RenewalCalendar:
        return deadlines.renewal_calendar(self.ends_on)

    @property
    def term_label(self) -> str:
        return f"{self.starts_on:%Y/%m} ～ {self.ends_on:%Y/%m}"


# Renewal states. A contract has at most one renewal row, moved through these.
PROVISIONAL = "provisional"  # ID数未確定: must get its count by the 10th of M
APPLIED = "applied"
APPROVED = "approved"
REJECTED = "rejected"
CANCELLED = "cancelled"
LAPSED = "lapsed"
OPEN_STATES = (PROVISIONAL, APPLIED)


class Renewal(db.Model):
    """継続申込: the application to renew one contract, and its registration progress."""

    __tablename__ = "renewals"
    __table_args__ = (
        CheckConstraint(
            "status IN ('provisional', 'applied', 'approved', 'rejected', 'cancelled', 'lapsed')",
            name="status",
        ),
        CheckConstraint("seats IS NULL OR seats > 0", name="seats_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    library_id: Mapped[int] = mapped_column(ForeignKey("libraries.id"))
    seats: Mapped[int | None]
    # Bumped by every apply or change: emails are keyed by it, and an operator approves
    # the revision they looked at, not one changed behind their back.
    revision: Mapped[int] = mapped_column(default=1)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), unique=True)
    continuation_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    continuation_finished_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    contract = relationship("Contract", back_populates="renewal", foreign_keys=[contract_id])
    successor = relationship("Contract", foreign_keys=[successor_id])
    library = relationship("Library")

    @property
    def seats_undetermined(self) -> bool:
        return self.seats is None


# How an enrolment came about.
INITIAL = "initial"  # issued with the contract
CONTINUED = "continued"  # carried over from the previous contract by the continuing list
NEW = "new"  # registered as a new ID


class Enrolment(db.Model):
    """受講者登録: one learner ID counted against one contract's user IDs."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("contract_id", "learner_id"),
        CheckConstraint("source IN ('initial', 'continued', 'new')", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract = relationship("Contract")
    learner = relationship("Learner", back_populates="enrolments")
    course = relationship("Course")

