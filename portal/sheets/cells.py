"""Cell values in and out: IDs normalised on the way in, formulas defused on the way out."""

from __future__ import annotations

import datetime as dt
import unicodedata

# A cell starting with one of these is run as a formula by Excel or LibreOffice when the
# file is opened (CSV injection); OWASP's advice is to prefix a single quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str | int | float | None:
    """A value safe to write in a spreadsheet cell: text never starts a formula."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y/%m/%d")
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def as_text(value) -> str:
    """A read cell as text: whole numbers without '.0', dates as YYYY/MM/DD."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y/%m/%d")
    return str(value)


def clean_id(value) -> str:
    """A login ID as typed or pasted: NFKC (full width to half width), trimmed, and
    without the quote our own export may have put in front."""
    text = value if type(value) is str else as_text(value)
    if not text.isascii():  # NFKC leaves ASCII as it is; most IDs are ASCII
        text = unicodedata.normalize("NFKC", text)
    text = text.strip()
    return text[1:].strip() if text.startswith("'") else text


def header_key(value) -> str:
    """A header cell compared loosely: NFKC, no spaces, lower case, ー and - alike."""
    text = unicodedata.normalize("NFKC", as_text(value))
    return "".join(text.split()).lower().replace("ー", "").replace("-", "").replace("_", "")
