"""The reader's rules: pages of a title, where a learner stopped, and bookmarks (しおり)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import joinedload

from portal import clock
from portal.dbutil import insert_ignoring_conflicts
from portal.extensions import db
from portal.learn import usage
from portal.models import (
    Book,
    Bookmark,
    BookPage,
    Learner,
    LearnerSession,
    ReadingPosition,
    library_books,
)
from portal.models.people import SHARED

RECENT = 6  # titles offered under 「続きから読む」


@dataclass(frozen=True)
class Spread:
    """The page a reader shows, and where it sits in its title."""

    book: Book
    page: BookPage | None
    number: int
    count: int


def page_count(book_id: int) -> int:
    """How many pages the title has."""
    return db.session.scalar(select(func.count()).where(BookPage.book_id == book_id)) or 0


def clamp(number: int | None, count: int) -> int:
    """The page to show for a requested number: within 1..count (1 for an empty title)."""
    return min(max(1, number or 1), max(1, count))


def spread(book: Book, number: int) -> Spread:
    """Page ``number`` of ``book`` (already clamped)."""
    page = db.session.scalar(
        select(BookPage).where(BookPage.book_id == book.id, BookPage.number == number)
    )
    return Spread(book, page, number, page_count(book.id))


def note_position(learner_id: int, book_id: int, number: int) -> None:
    """Remember the page the learner is on (「続きから読む」)."""
    db.session.execute(
        insert_ignoring_conflicts(ReadingPosition, ["learner_id", "book_id"]).values(
            learner_id=learner_id, book_id=book_id, page=number, updated_at=clock.now()
        )
    )
    db.session.execute(
        update(ReadingPosition)
        .where(ReadingPosition.learner_id == learner_id, ReadingPosition.book_id == book_id)
        .values(page=number, updated_at=clock.now())
    )


def open_page(
    row: LearnerSession, organisation_id: int, book_id: int, number: int, chosen: bool
) -> int | None:
    """Note a page shown to the session's learner; answer the page they had reached before.

    Opening a title without choosing a page (from the list) shows page 1 but keeps the
    place reached earlier, so that 「続きから読む」 can still offer it.
    """
    before = db.session.scalar(
        select(ReadingPosition.page).where(
            ReadingPosition.learner_id == row.learner_id, ReadingPosition.book_id == book_id
        )
    )
    if chosen or before is None:
        note_position(row.learner_id, book_id, number)
    usage.record_book_open(row, organisation_id, book_id)
    db.session.commit()
    return before


def _in_library(model, library_id: int, today: date):
    return (
        select(model)
        .join(Book, Book.id == model.book_id)
        .join(library_books, library_books.c.book_id == Book.id)
        .options(joinedload(model.book))
        .where(library_books.c.library_id == library_id, Book.listed_until >= today)
    )


def recent_positions(learner_id: int, library_id: int, today: date) -> list[ReadingPosition]:
    """The titles the learner was reading, latest first, still readable today."""
    stmt = _in_library(ReadingPosition, library_id, today).where(
        ReadingPosition.learner_id == learner_id
    )
    return list(db.session.scalars(stmt.order_by(ReadingPosition.updated_at.desc()).limit(RECENT)))


def bookmarks(
    learner_id: int, library_id: int, today: date, book_id: int | None = None
) -> list[Bookmark]:
    """The learner's bookmarks on titles still readable today (of one title if given)."""
    stmt = _in_library(Bookmark, library_id, today).where(Bookmark.learner_id == learner_id)
    if book_id is not None:
        stmt = stmt.where(Bookmark.book_id == book_id)
    return list(db.session.scalars(stmt.order_by(Book.title, Bookmark.page)))


def add_bookmark(learner_id: int, book_id: int, number: int) -> None:
    """Put a bookmark on a page; a second one on the same page changes nothing."""
    db.session.execute(
        insert_ignoring_conflicts(Bookmark, ["learner_id", "book_id", "page"]).values(
            learner_id=learner_id, book_id=book_id, page=number, created_at=clock.now()
        )
    )


def remove_bookmark(learner_id: int, bookmark_id: int) -> Bookmark | None:
    """Take off one of the learner's own bookmarks; None if it is not theirs or gone."""
    mark = db.session.scalar(
        select(Bookmark).where(Bookmark.id == bookmark_id, Bookmark.learner_id == learner_id)
    )
    if mark is not None:
        db.session.delete(mark)
    return mark


def erase_shared_traces_without_session() -> None:
    """Erase the traces of every shared account that has no open session (a sweep)."""
    open_session = exists().where(
        LearnerSession.learner_id == Learner.id, LearnerSession.ended_at.is_(None)
    )
    idle_shared = select(Learner.id).where(Learner.kind == SHARED, ~open_session)
    db.session.execute(delete(Bookmark).where(Bookmark.learner_id.in_(idle_shared)))
    db.session.execute(
        delete(ReadingPosition).where(ReadingPosition.learner_id.in_(idle_shared))
    )


def erase_traces(learner_id: int) -> None:
    """Forget what the ID read and marked (shared accounts, at the end of a session)."""
    db.session.execute(delete(Bookmark).where(Bookmark.learner_id == learner_id))
    db.session.execute(delete(ReadingPosition).where(ReadingPosition.learner_id == learner_id))
