"""Tokyo calendar months and the UTC instants that bound them.

Usage events are stored in UTC; a month of the report is a month in Asia/Tokyo. The range
is computed here, in Python, and the SQL filters ``at >= start AND at < end``: the same
on SQLite and PostgreSQL, and served by the ``(contract_id, at)`` index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from portal import clock, deadlines

KEY = re.compile(r"^([0-9]{4})-([0-9]{2})$")
YEARS = range(2000, 2101)  # a month key outside these is no month of ours


@dataclass(frozen=True, order=True)
class Month:
    """One calendar month in Asia/Tokyo."""

    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        """The month ``day`` falls in."""
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str | None) -> Month | None:
        """``2026-05`` as a Month, or None for anything else."""
        match = KEY.match(text or "")
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) not in YEARS:
            return None
        return cls(int(match[1]), int(match[2]))

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return deadlines.month_end(self.first_day)

    @property
    def start(self) -> datetime:
        """The UTC instant of Tokyo midnight on the 1st."""
        return clock.start_of_day(self.first_day)

    @property
    def end(self) -> datetime:
        """The UTC instant the next month starts (excluded from this one)."""
        return self.next().start

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def short_label(self) -> str:
        """``5月``, or ``2027/1`` in January, so that a year change shows on an axis."""
        return f"{self.year}/{self.month}" if self.month == 1 else f"{self.month}月"

    def next(self) -> Month:
        return self.shift(1)

    def prev(self) -> Month:
        return self.shift(-1)

    def shift(self, months: int) -> Month:
        """The month ``months`` later (earlier when negative)."""
        return Month.of(deadlines.add_months(self.first_day, months))


def span(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last``, both included."""
    months = []
    current = first
    while current <= last:
        months.append(current)
        current = current.next()
    return months


def current() -> Month:
    """This month on the portal's clock."""
    return Month.of(clock.today())
