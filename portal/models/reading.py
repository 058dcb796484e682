"""What a learner leaves behind while reading: the page to continue from, and bookmarks.

A shared account's rows are erased when its session ends; a personal account keeps them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class ReadingPosition(db.Model):
    """読書履歴: the last page a learner read of a title (「続きから読む」)."""

    __tablename__ = "reading_positions"
    __table_args__ = (UniqueConstraint("learner_id", "book_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"))
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    page: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    book = relationship("Book")


class Bookmark(db.Model):
    """しおり: a page a learner marked, to come back to."""

    __tablename__ = "bookmarks"
    __table_args__ = (UniqueConstraint("learner_id", "book_id", "page"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"))
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    page: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    book = relationship("Book")
