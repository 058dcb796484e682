"""The calendar rules of a renewal (DESIGN section 3), as pure functions of dates.

A contract runs from the first day of a month to the last day of a month. For a contract
ending in month M-1, M is the opening month (開講月) of its renewal. Every window here is
inclusive of both ends.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

APPLY_LAST_DAY = 10  # 開講月10日まで
REGISTRATION_FIRST_DAY = 11  # 開講月前月11日から
# Reminder days before the application deadline: a month ahead, then twice in M.
REMINDER_DAYS_OF_M = (1, 7)


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month (negative goes back)."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """How many months a term from ``first``'s month to ``last``'s month covers."""
    return (last.year - first.year) * 12 + (last.month - first.month) + 1


def twelve_month_end(starts_on: date) -> date:
    """The last day of a 12-month term starting in ``starts_on``'s month."""
    return month_end(add_months(starts_on, 11))


def fiscal_first_term_end(starts_on: date) -> date:
    """The end of a school's optional short or long first term: 31 March of the next year.

    Seed 003: 「初年度だけは、翌年 3 月末(年度末)までの契約を認めています」. A term starting
    in April to December thus ends at the coming fiscal-year end; one starting in January
    to March runs to the end of the following fiscal year, never for only a few weeks.
    """
    return date(starts_on.year + 1, 3, 31)


def access_until(ends_on: date) -> date:
    """The last day a contract's learners may log in: the end of the month after its end.

    The old IDs keep working through the opening month of the renewal, so that continuing
    learners never lose a day while the coordinator finishes the registration.
    """
    return month_end(add_months(ends_on, 1))


@dataclass(frozen=True)
class RenewalCalendar:
    """継続手続きの日程: every date of one contract's renewal."""

    opening_month: date  # M, as its first day
    invitation_on: date  # 継続契約ご案内メール: 1st of M-3
    apply_opens: date  # 1st of M-3
    apply_closes: date  # 10th of M
    registration_opens: date  # 11th of M-1
    continuation_due: date  # last day of M
    old_access_until: date  # last day of M
    new_starts_on: date  # 1st of M
    new_ends_on: date  # last day of M+11
    reminders: tuple[date, ...]

    def apply_open(self, day: date) -> bool:
        """Whether a renewal can be applied for, changed or cancelled on ``day``."""
        return self.apply_opens <= day <= self.apply_closes

    def registration_open(self, day: date) -> bool:
        """Whether the learner-registration steps have opened by ``day``."""
        return day >= self.registration_opens

    def continuation_open(self, day: date) -> bool:
        """Whether the continuing list can still be uploaded and finished on ``day``."""
        return self.registration_opens <= day <= self.continuation_due

    def days_left(self, day: date, deadline: date) -> int:
        """Whole days from ``day`` to ``deadline`` (0 on the deadline itself)."""
        return (deadline - day).days


def renewal_calendar(contract_ends_on: date) -> RenewalCalendar:
    """The renewal dates of a contract whose last day is ``contract_ends_on``."""
    opening = add_months(contract_ends_on, 1)
    before = add_months(opening, -1)
    return RenewalCalendar(
        opening_month=opening,
        invitation_on=add_months(opening, -3),
        apply_opens=add_months(opening, -3),
        apply_closes=opening.replace(day=APPLY_LAST_DAY),
        registration_opens=before.replace(day=REGISTRATION_FIRST_DAY),
        continuation_due=month_end(opening),
        old_access_until=month_end(opening),
        new_starts_on=opening,
        new_ends_on=twelve_month_end(opening),
        reminders=(before,) + tuple(opening.replace(day=d) for d in REMINDER_DAYS_OF_M),
    )


@dataclass(frozen=True)
class Rotation:
    """年度末のアカウント更新: new credentials in March, old ones until 30 April."""

    issue_from: date  # 1 March
    old_valid_until: date  # 30 April


def rotation_for(year: int) -> Rotation:
    """The yearly credential rotation whose new accounts are issued in March of ``year``."""
    return Rotation(issue_from=date(year, 3, 1), old_valid_until=date(year, 4, 30))
