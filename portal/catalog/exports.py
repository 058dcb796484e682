"""The catalog as spreadsheets, written through portal.sheets (streamed, formulas defused).

The public list has what a school prints; the operators' list has the columns of the
import, so that a downloaded catalog, edited, uploads as it is.
"""

from __future__ import annotations

from datetime import date

from flask import Response
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from portal import sheets
from portal.catalog import services as catalog
from portal.extensions import db
from portal.models import Book

PUBLIC_HEADER = ["書名", "著者", "出版社", "分類", "掲載期限", "備考"]
# The import's columns, in the same order (portal.catalog.importer reads them by header).
FULL_HEADER = ["書籍コード", "書名", "著者", "出版社", "分類", "掲載期限", "ライブラリ", "内容紹介"]


def _books(stmt: Select):
    """Titles of ``stmt`` a few hundred at a time, so that memory stays flat."""
    return db.session.scalars(stmt.execution_options(yield_per=500))


def public_list(filters: catalog.Filters, today: date) -> Response:
    """The listed titles as the public .xlsx download."""

    def rows():
        for book in _books(catalog.listed(filters, today)):
            note = "まもなく掲載終了" if catalog.leaving_soon(book, today) else ""
            yield [book.title, book.author, book.publisher.name, book.category.name,
                   book.listed_until, note]

    sheet = sheets.Sheet(
        title="掲載書籍", header=PUBLIC_HEADER, rows=rows(), text_columns=(0, 1),
        widths=(36, 24, 16, 14, 12, 16),
    )
    return sheets.xlsx_download(f"掲載書籍一覧_{today:%Y%m%d}.xlsx", [sheet])


def full_list(filters: catalog.Filters, today: date) -> Response:
    """Every title, listed or not, in the columns of the import (for operators)."""
    stmt = catalog.everything(filters).options(selectinload(Book.libraries))

    def rows():
        for book in _books(stmt):
            libraries = " ".join(library.code for library in book.libraries)
            yield [book.code, book.title, book.author, book.publisher.name,
                   book.category.name, book.listed_until, libraries, book.description]

    sheet = sheets.Sheet(
        title="書籍カタログ", header=FULL_HEADER, rows=rows(), text_columns=(0, 1, 2),
        widths=(18, 36, 24, 16, 14, 12, 18, 40),
    )
    return sheets.xlsx_download(f"書籍カタログ_{today:%Y%m%d}.xlsx", [sheet])
