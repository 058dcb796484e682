"""The one error type of spreadsheet handling, with the row it concerns."""

from __future__ import annotations


class SheetError(Exception):
    """A file we will not read, or a row we cannot use. ``str()`` is the Japanese message."""

    def __init__(self, message: str, row: int | None = None):
        self.message = message
        self.row = row
        super().__init__(f"{row}行目: {message}" if row else message)
