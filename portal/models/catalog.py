"""The catalog: publishers, categories, titles and their pages, which library holds which
title, the title requests forwarded to publishers, and the operators' catalog imports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Date, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import SenderConfirmed, UTCDateTime, utcnow

# Which titles a library holds: a contract reads exactly the titles of its library.
library_books = Table(
    "library_books",
    db.metadata,
    Column("library_id", ForeignKey("libraries.id"), primary_key=True),
    Column("book_id", ForeignKey("books.id"), primary_key=True, index=True),
)


class Publisher(db.Model):
    """出版社: a partner publisher; title requests go to its contact address."""

    __tablename__ = "publishers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    contact_email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Category(db.Model):
    """分類: one of the categories (nine today) the catalog is sorted into."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    position: Mapped[int] = mapped_column(default=0)


class Book(db.Model):
    """掲載書籍: a title, readable until its listed-until date (掲載期限) inclusive."""

    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The title's own code (ISBN or the publisher's), so that a re-import updates it.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(200))
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    listed_until: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    publisher = relationship("Publisher")
    category = relationship("Category")
    libraries = relationship("Library", secondary=library_books, order_by="Library.id")
    pages = relationship(
        "BookPage", order_by="BookPage.number", cascade="all, delete-orphan", lazy="raise"
    )

    def listed_on(self, day: date) -> bool:
        """Whether the title is still in the catalog on ``day``."""
        return day <= self.listed_until

    def days_left(self, day: date) -> int:
        """Days from ``day`` to the last listed day (0 on that day)."""
        return (self.listed_until - day).days


class BookPage(db.Model):
    """本文ページ: one page of a title, as the reader shows it."""

    __tablename__ = "book_pages"
    __table_args__ = (UniqueConstraint("book_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    number: Mapped[int]
    body: Mapped[str] = mapped_column(Text)


class TitleRequest(SenderConfirmed, db.Model):
    """掲載リクエスト: a wish for a title, forwarded to its publisher by email."""

    __tablename__ = "title_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    author: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str | None] = mapped_column(Text)
    requester_name: Mapped[str] = mapped_column(String(100))
    requester_email: Mapped[str] = mapped_column(String(254), index=True)
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    publisher = relationship("Publisher")


class CatalogImport(db.Model):
    """書籍一括登録: an uploaded catalog sheet, previewed, then applied once."""

    __tablename__ = "catalog_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The checked rows (ready to apply) and the 「N行目: …」 errors of the preview.
    rows: Mapped[list] = mapped_column(JSON, default=list)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("StaffUser")
