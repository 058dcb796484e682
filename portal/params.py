"""Reading what a request says: every number, id, choice and path a visitor can type goes
through one of these, so that odd input means "none" or "not found", never a 500.

``str.isdigit()`` says yes to ², ፩ and ١ (which ``int()`` then refuses or reads), Python's
``int()`` refuses more than 4,300 digits, and PostgreSQL refuses an integer above 2³¹−1:
hence ASCII digits only, and bounds.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable
from urllib.parse import urlsplit

from flask import request
from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**31 - 1  # PostgreSQL's integer: no row has a bigger id


def whole(text: str | None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """``text`` as a whole number from ``low`` to ``high`` in ASCII digits, else None."""
    if not text or len(text) > len(str(high)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None


def ids(values: Iterable[str]) -> list[int]:
    """The values that are ids (1 and above); the others are dropped."""
    return [v for v in (whole(value, low=1) for value in values) if v is not None]


def choice(text: str | None, allowed: Collection[str]) -> str | None:
    """``text`` if it is one of ``allowed``, else None."""
    return text if text in allowed else None


SEARCH_LIMIT = 100  # characters of a search box: SQLite refuses LIKE patterns over 50,000


def search_text(text: str | None) -> str:
    """What was typed in a search box: full-width folded to half-width, trimmed, bounded."""
    return unicodedata.normalize("NFKC", text or "").strip()[:SEARCH_LIMIT]


def local_path(target: str | None) -> str | None:
    """A path on this site to go on to (``next=``), or None: never another site (``//x``,
    ``/\\x``, which browsers read as ``//x``) and never a control character, which cannot
    go into a Location header."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    if target.startswith(("//", "/\\")) or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def has_nul() -> bool:
    """Whether the request's path, query or form holds a NUL character: no text of ours
    ever does, and PostgreSQL refuses it in a text value (a 500 wherever it reached a
    query). Uploaded files are not looked at: they are bytes."""
    if "\x00" in request.path:
        return True
    sent = [*request.args.items(multi=True)]
    if request.method == "POST" and request.mimetype in FORM_TYPES:
        sent += request.form.items(multi=True)
    return any("\x00" in key or "\x00" in value for key, value in sent)


FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


class IdConverter(BaseConverter):
    """``<int:…>`` in our routes: ASCII digits within ``MAX_ID``, else 404.

    Werkzeug's own matches ``\\d+``, so ``/learn/books/²`` reached ``int()`` (a 500) and a
    20-digit id reached PostgreSQL (another)."""

    regex = r"[0-9]{1,10}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = whole(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]
