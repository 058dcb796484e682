"""Uploaded lists of learner registration, kept as versions with their rows."""

from __future__ import annotations

import sys
from array import array
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow

CONTINUING = "continuing"  # 継続ユーザIDのリスト
NEW_USERS = "new_users"  # 新規ユーザIDのリスト

PREVIEW = "preview"  # read and checked, waiting for the coordinator's confirmation
CONFIRMED = "confirmed"  # the current list
SUPERSEDED = "superseded"  # was the current list until a later one was confirmed


class ListUpload(db.Model):
    """名簿の読み込み: one uploaded file, its checks, and whether it became the list."""

    __tablename__ = "list_uploads"
    __table_args__ = (
        CheckConstraint("purpose IN ('continuing', 'new_users')", name="purpose"),
        CheckConstraint("status IN ('preview', 'confirmed', 'superseded')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    renewal_id: Mapped[int] = mapped_column(ForeignKey("renewals.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default=PREVIEW)
    filename: Mapped[str] = mapped_column(String(255))
    file_kind: Mapped[str] = mapped_column(String(12))
    row_count: Mapped[int] = mapped_column(default=0)
    ok_count: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    # Continuing lists: learners of the contract not in the file, and the difference from
    # the list saved when the file was read (that list's upload is named, so a preview
    # shown after another save knows its difference is out of date).
    dropped_count: Mapped[int] = mapped_column(default=0)
    added_count: Mapped[int] = mapped_column(default=0)
    removed_count: Mapped[int] = mapped_column(default=0)
    compared_to_id: Mapped[int | None] = mapped_column(ForeignKey("list_uploads.id"))
    # Continuing lists: the rows kept, as (row number, learner id) pairs in file order,
    # packed as little-endian 32-bit integers. One value instead of 100,000 rows: writing
    # them as rows cost a third of an upload's time (docs/PERFORMANCE.md). The rows with
    # a problem are UploadRows, to be paged and shown with their messages.
    kept_rows: Mapped[bytes | None] = mapped_column(LargeBinary)

    def keep(self, pairs: array) -> None:
        """Store the kept (row number, learner id) pairs, flattened."""
        if sys.byteorder == "big":
            pairs = array("i", pairs)
            pairs.byteswap()
        self.kept_rows = pairs.tobytes()

    def kept_pairs(self) -> list[tuple[int, int]]:
        """The kept (row number, learner id) pairs, in file order."""
        flat = array("i")
        flat.frombytes(self.kept_rows or b"")
        if sys.byteorder == "big":
            flat.byteswap()
        return list(zip(flat[0::2], flat[1::2], strict=True))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    uploaded_by = relationship("StaffUser")


class UploadRow(db.Model):
    """One row of an uploaded list: what it said, and the learner or the problem found.

    A staging table written 100,000 rows at a time by the preview alone, with ids it has
    just read: its ids carry no foreign keys, whose per-row checks cost PostgreSQL more
    than the insert itself (docs/PERFORMANCE.md). Integrity is kept where rows become
    enrolments, which have their foreign keys.
    """

    __tablename__ = "upload_rows"
    __table_args__ = (
        Index("ix_upload_rows_upload_row", "upload_id", "row_number"),
        Index("ix_upload_rows_upload_learner", "upload_id", "learner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int]
    row_number: Mapped[int]
    login_id: Mapped[str | None] = mapped_column(String(64))
    learner_id: Mapped[int | None]
    problem: Mapped[str | None] = mapped_column(Text)
    # New IDs only: what the row asks to register.
    name: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(254))
    kind: Mapped[str | None] = mapped_column(String(10))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
