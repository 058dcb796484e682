"""The catalog's rules: which titles are listed, for whom, found how, and in what order.

A title is listed up to and including its 掲載期限 (``listed_until``), then it is gone from
every list and from the reader. A contract reads the titles of its library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from portal import params
from portal.catalog.forms import CatalogFilterForm
from portal.extensions import db
from portal.models import Book, Category, Library, Publisher, library_books

LEAVING_SOON_DAYS = 30  # 「まもなく掲載終了」 is shown this many days ahead
PER_PAGE = 20


@dataclass(frozen=True)
class Filters:
    """What a catalog list is narrowed to; empty fields narrow nothing."""

    q: str = ""
    publisher_id: int | None = None
    category_id: int | None = None
    library_id: int | None = None


@dataclass(frozen=True)
class Page:
    """One page of a list, and where it sits among the others."""

    items: list
    number: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def search_terms(text: str | None) -> list[str]:
    """The words of a search, full-width letters and digits folded to half-width."""
    return params.search_text(text).split()[:5]


def listed(filters: Filters, today: date) -> Select:
    """The titles listed on ``today`` that match ``filters``, in catalog order."""
    stmt = (
        select(Book)
        .join(Book.publisher)
        .join(Book.category)
        .options(contains_eager(Book.publisher), contains_eager(Book.category))
        .where(Book.listed_until >= today)
    )
    return _narrowed(stmt, filters).order_by(Category.position, Book.title, Book.id)


def everything(filters: Filters) -> Select:
    """Every title matching ``filters``, listed or not (the operators' view)."""
    stmt = (
        select(Book)
        .join(Book.publisher)
        .join(Book.category)
        .options(contains_eager(Book.publisher), contains_eager(Book.category))
    )
    return _narrowed(stmt, filters).order_by(Book.listed_until.desc(), Book.title, Book.id)


def _narrowed(stmt: Select, filters: Filters) -> Select:
    if filters.library_id:
        stmt = stmt.where(
            Book.id.in_(
                select(library_books.c.book_id).where(
                    library_books.c.library_id == filters.library_id
                )
            )
        )
    if filters.publisher_id:
        stmt = stmt.where(Book.publisher_id == filters.publisher_id)
    if filters.category_id:
        stmt = stmt.where(Book.category_id == filters.category_id)
    for term in search_terms(filters.q):
        stmt = stmt.where(
            or_(
                Book.title.icontains(term, autoescape=True),
                Book.author.icontains(term, autoescape=True),
                Publisher.name.icontains(term, autoescape=True),
            )
        )
    return stmt


def filter_args(args) -> dict[str, str]:
    """The non-empty filters of a list's query string, to keep on its page links."""
    return {k: v for k, v in args.items() if k in ("q", "publisher", "category", "library") and v}


def paginate(stmt: Select, number: int, per_page: int = PER_PAGE) -> Page:
    """Page ``number`` of ``stmt``; a number out of range gives the nearest page."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, math.ceil(total / per_page))
    number = min(max(1, number), pages)
    items = db.session.scalars(stmt.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(list(items), number, pages, total)


def readable(book_id: int, library_id: int, today: date) -> Book | None:
    """The title if it is listed today and in the library, else None."""
    return db.session.scalar(
        select(Book)
        .join(library_books, library_books.c.book_id == Book.id)
        .options(joinedload(Book.publisher))
        .where(
            Book.id == book_id,
            library_books.c.library_id == library_id,
            Book.listed_until >= today,
        )
    )


def leaving_soon(book: Book, today: date) -> bool:
    """Whether the title leaves the catalog within LEAVING_SOON_DAYS."""
    return book.days_left(today) <= LEAVING_SOON_DAYS


def until_label(day: date, today: date) -> str:
    """「3月31日まで」, with the year when it is not this year's."""
    text = f"{day.month}月{day.day}日まで"
    return text if day.year == today.year else f"{day.year}年{text}"


def publishers() -> list[Publisher]:
    """Every publisher, by name."""
    return list(db.session.scalars(select(Publisher).order_by(Publisher.name)))


def categories() -> list[Category]:
    """Every category, in catalog order."""
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))


def libraries_with_titles() -> list[Library]:
    """The libraries that hold at least one title."""
    held = select(library_books.c.library_id).distinct()
    return list(db.session.scalars(select(Library).where(Library.id.in_(held)).order_by(Library.id)))


def read_filters(args):
    """The public and the operators' filter form from the query string, with its choices
    filled, and the Filters it asks for."""
    form = CatalogFilterForm(args)
    form.fill_choices(publishers(), categories(), libraries_with_titles())
    filters = Filters(
        q=form.q.data or "",
        publisher_id=form.publisher.data,
        category_id=form.category.data,
        library_id=form.library.data,
    )
    return form, filters
