"""Importing a catalog sheet: upload → preview with 「N行目: …」 errors → confirm once.

A row is a title, found by its 書籍コード: a known code updates the title, a new one adds
it. Publishers and categories are named as registered; 掲載期限 is a date; ライブラリ lists
library codes or names. Nothing changes until the operator confirms a preview that has no
errors; the file itself is read through portal.sheets (bomb and entity checks there).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, select, update
from sqlalchemy.orm import selectinload

from portal import audit, clock, sheets
from portal.extensions import db
from portal.models import Book, CatalogImport, Category, Library, Publisher, StaffUser
from portal.web import Refused

WANTED = {
    "code": ["書籍コード", "コード", "ISBN"],
    "title": ["書名", "タイトル"],
    "author": ["著者", "著者名"],
    "publisher": ["出版社", "出版社名"],
    "category": ["分類"],
    "listed_until": ["掲載期限", "掲載終了日"],
    "libraries": ["ライブラリ", "収録ライブラリ"],
    "description": ["内容紹介"],
}
REQUIRED = ("code", "title", "author", "publisher", "category", "listed_until")
MAX_ROWS = 20_000
MAX_ERRORS = 300  # listed in the preview; the count says how many more there were
LIMITS = {"code": ("書籍コード", 40), "title": ("書名", 200), "author": ("著者", 200),
          "description": ("内容紹介", 2000)}


@dataclass
class Lookup:
    """What the rows' names refer to, loaded once per file."""

    publishers: dict[str, int]
    categories: dict[str, int]
    libraries: dict[str, int]
    known_codes: set[str] = field(default_factory=set)
    seen: dict[str, int] = field(default_factory=dict)  # code → first row it was on

    @classmethod
    def load(cls) -> Lookup:
        """The names of every publisher, category and library, and the known codes."""
        libraries = {}
        for library in db.session.scalars(select(Library)):
            libraries[_key(library.code)] = libraries[_key(library.name)] = library.id
        return cls(
            publishers={_key(p.name): p.id for p in db.session.scalars(select(Publisher))},
            categories={_key(c.name): c.id for c in db.session.scalars(select(Category))},
            libraries=libraries,
            known_codes=set(db.session.scalars(select(Book.code))),
        )


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name or "").strip().lower()


def parse_date(text: str) -> date | None:
    """2027/03/31, 2027-3-31, 2027.03.31 or 2027年3月31日 (any width); None otherwise."""
    parts = re.split(r"[/\-.年月日]", unicodedata.normalize("NFKC", text).strip())
    numbers = [p for p in parts if p]
    if len(numbers) != 3 or not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in numbers):
        return None
    try:
        return date(*(int(p) for p in numbers))
    except ValueError:
        return None


def check_row(number: int, cells: list[str], table: sheets.Table, lookup: Lookup):
    """The row as it would be applied, and its problems (「N行目: …」)."""
    value = lambda name: table.value(cells, name)  # noqa: E731
    problems: list[str] = []
    row = {"row": number, "code": sheets.clean_id(value("code"))}
    for name in ("title", "author", "description"):
        row[name] = value(name)
    for name, (label, limit) in LIMITS.items():
        if name != "description" and not row[name]:
            problems.append(f"{label}が空です。")
        elif len(row[name]) > limit:
            problems.append(f"{label}は{limit}文字以内にしてください。")
    _check_code(row["code"], number, lookup, problems)
    row["action"] = "update" if row["code"] in lookup.known_codes else "new"
    row["publisher_id"] = _named(lookup.publishers, value("publisher"), "出版社", problems)
    row["category_id"] = _named(lookup.categories, value("category"), "分類", problems)
    until = parse_date(value("listed_until"))
    if until is None:
        problems.append(f"掲載期限「{value('listed_until')}」を日付として読めません。2027/03/31 の形で入力してください。")
    row["listed_until"] = until.isoformat() if until else None
    row["library_ids"] = _libraries(value("libraries"), row["action"], lookup, problems)
    return row, [f"{number}行目: {p}" for p in problems]


def _check_code(code: str, number: int, lookup: Lookup, problems: list[str]) -> None:
    if code and code in lookup.seen:
        problems.append(f"書籍コード「{code}」が{lookup.seen[code]}行目と重複しています。")
    elif code:
        lookup.seen[code] = number


def _named(known: dict[str, int], name: str, label: str, problems: list[str]) -> int | None:
    if not name:
        problems.append(f"{label}が空です。")
        return None
    ident = known.get(_key(name))
    if ident is None:
        problems.append(f"{label}「{name}」は登録されていません。先に{label}を登録してください。")
    return ident


def _libraries(text: str, action: str, lookup: Lookup, problems: list[str]) -> list[int] | None:
    """The libraries named in a cell; None (keep as is) for a blank cell on a known title.

    Names are split at commas; a part that is not a library as a whole is split at
    spaces, so that both "school gold" and "School e-Library, 金ライブラリ" read.
    """
    names = []
    for part in re.split(r"[,、，;\n]+", text):
        part = part.strip()
        names.extend([part] if _key(part) in lookup.libraries else part.split())
    if not names:
        if action == "new":
            problems.append("新しい書籍には「ライブラリ」(例: school)を入れてください。")
        return None
    unknown = [n for n in names if _key(n) not in lookup.libraries]
    if unknown:
        problems.append(f"ライブラリ「{'、'.join(unknown)}」はありません。")
    return sorted({lookup.libraries[_key(n)] for n in names if _key(n) in lookup.libraries})


def preview(data: bytes, filename: str, user: StaffUser) -> CatalogImport:
    """Read and check an uploaded catalog, and keep the result to confirm later.

    Raises ``sheets.SheetError`` for a file that cannot be read at all.
    """
    table = sheets.read_table(data, WANTED, REQUIRED, max_rows=MAX_ROWS)
    lookup = Lookup.load()
    rows, errors = [], []
    for number, cells in table.rows:
        row, problems = check_row(number, cells, table, lookup)
        rows.append(row)
        errors.extend(problems)
    if not rows:
        errors.append("書籍の行がありません。見出しの下に1行以上入れてください。")
    upload = CatalogImport(
        filename=filename[:200], created_by_id=user.id, rows=rows,
        errors=errors[:MAX_ERRORS] + _more(len(errors)),
    )
    db.session.add(upload)
    db.session.commit()
    return upload


def _more(count: int) -> list[str]:
    extra = count - MAX_ERRORS
    return [f"ほか {extra} 件のエラーがあります。"] if extra > 0 else []


def confirm(upload: CatalogImport, user: StaffUser) -> dict[str, int]:
    """Apply a checked preview once; how many titles were added and updated."""
    if upload.errors:
        raise Refused("エラーのある行があるため、この読み込みは反映できません。",
                      "ファイルを直して、もう一度読み込んでください。")
    later = exists().where(CatalogImport.applied_at >= upload.created_at,
                           CatalogImport.id != upload.id)
    if db.session.scalar(select(later)):
        raise Refused("この読み込みのあとに、別の一括登録が反映されています。",
                      "最新のカタログをダウンロードし直してから、もう一度読み込んでください。")
    claimed = db.session.execute(
        update(CatalogImport)
        .where(CatalogImport.id == upload.id, CatalogImport.applied_at.is_(None))
        .values(applied_at=clock.now())
    )
    if claimed.rowcount != 1:  # a second click, or a second tab
        db.session.rollback()
        raise Refused("この読み込みはすでに反映しました。", "書籍カタログの一覧で結果を確かめてください。")
    counts = _apply(upload.rows)
    audit.record("catalog.import", upload, user, **counts)
    db.session.commit()
    return counts


def _apply(rows: list[dict]) -> dict[str, int]:
    libraries = {library.id: library for library in db.session.scalars(select(Library))}
    counts = {"added": 0, "updated": 0}
    for start in range(0, len(rows), 500):
        chunk = rows[start:start + 500]
        books = {
            book.code: book
            for book in db.session.scalars(
                select(Book).options(selectinload(Book.libraries))
                .where(Book.code.in_([row["code"] for row in chunk]))
            )
        }
        for row in chunk:
            book = books.get(row["code"])
            counts["updated" if book else "added"] += 1
            _fill(book or _added(row), row, libraries)
        db.session.flush()
    return counts


def _added(row: dict) -> Book:
    book = Book(code=row["code"])
    book.libraries = []
    db.session.add(book)
    return book


def _fill(book: Book, row: dict, libraries: dict[int, Library]) -> None:
    book.title, book.author = row["title"], row["author"]
    book.description = row["description"] or book.description
    book.publisher_id, book.category_id = row["publisher_id"], row["category_id"]
    book.listed_until = date.fromisoformat(row["listed_until"])
    if row["library_ids"] is not None:
        book.libraries = [libraries[i] for i in row["library_ids"] if i in libraries]
