"""Operators' changes to the catalog: publishers, categories and titles with their pages."""

from __future__ import annotations

import re

from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import Book, BookPage, Category, Library, Publisher
from portal.web import Refused

# A line of three or more hyphens (half- or full-width) between two pages of a body text.
PAGE_BREAK = re.compile(r"^[ \t]*(?:-{3,}|ー{3,}|－{3,})[ \t]*$", re.MULTILINE)


def split_pages(text: str | None) -> list[str]:
    """The pages of a body text: split at page-break lines, blank pages dropped."""
    normalised = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return [page.strip() for page in PAGE_BREAK.split(normalised) if page.strip()]


def joined_pages(book: Book) -> str:
    """A title's pages as one editable text (the inverse of ``split_pages``)."""
    bodies = db.session.scalars(
        select(BookPage.body).where(BookPage.book_id == book.id).order_by(BookPage.number)
    )
    return "\n\n---\n\n".join(bodies)


def set_pages(book: Book, pages: list[str]) -> None:
    """Replace a title's pages (the caller commits)."""
    db.session.execute(delete(BookPage).where(BookPage.book_id == book.id))
    db.session.add_all(
        BookPage(book_id=book.id, number=n, body=body) for n, body in enumerate(pages, 1)
    )


def _taken(model, column, value, own_id: int | None) -> bool:
    row_id = db.session.scalar(select(model.id).where(column == value))
    return row_id is not None and row_id != own_id


def save_book(book: Book, fields: dict, library_ids: list[int], body: str | None) -> Book:
    """Create or update a title from checked form fields; Refused if its code is taken."""
    if _taken(Book, Book.code, fields["code"], book.id):
        raise Refused(f"書籍コード「{fields['code']}」は別の書籍で使われています。")
    for name, value in fields.items():
        setattr(book, name, value)
    book.libraries = list(db.session.scalars(select(Library).where(Library.id.in_(library_ids))))
    db.session.add(book)
    db.session.flush()
    if body is not None:
        set_pages(book, split_pages(body))
    db.session.commit()
    return book


def save_publisher(publisher: Publisher, name: str, contact_email: str) -> Publisher:
    """Create or update a publisher; Refused if another has the name."""
    if _taken(Publisher, Publisher.name, name, publisher.id):
        raise Refused(f"出版社「{name}」はすでに登録されています。")
    publisher.name, publisher.contact_email = name, contact_email
    db.session.add(publisher)
    db.session.commit()
    return publisher


def save_category(category: Category, name: str, position: int) -> Category:
    """Create or update a category; Refused if another has the name."""
    if _taken(Category, Category.name, name, category.id):
        raise Refused(f"分類「{name}」はすでに登録されています。")
    category.name, category.position = name, position
    db.session.add(category)
    db.session.commit()
    return category
