"""Libraries (ライブラリ種別) and their courses."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db


class Library(db.Model):
    """ライブラリ: what a contract buys. A higher rank is an upgrade of a lower one."""

    __tablename__ = "libraries"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # Libraries of one family (company e-learning, school e-books) rank against each other;
    # moving to another family is always a change, never an upgrade.
    family: Mapped[str] = mapped_column(String(20), default="company")
    rank: Mapped[int] = mapped_column(default=0)
    offered: Mapped[bool] = mapped_column(default=True)
    min_seats: Mapped[int] = mapped_column(default=1)
    max_seats: Mapped[int] = mapped_column(default=100_000)

    courses = relationship("Course", back_populates="library", order_by="Course.position")

    def relation_to(self, new: Library) -> str:
        """'same', 'upgrade' or 'change': what moving from this library to ``new`` is."""
        if new.id == self.id:
            return "same"
        if new.family == self.family and new.rank > self.rank:
            return "upgrade"
        return "change"


class Course(db.Model):
    """受講コース: a course of a library that a learner can be assigned to."""

    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("library_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    library_id: Mapped[int] = mapped_column(ForeignKey("libraries.id"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)

    library = relationship("Library", back_populates="courses")
