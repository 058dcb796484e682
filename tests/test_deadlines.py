"""The renewal calendar (DESIGN section 3), table-driven: year ends, February, leap years,
and the first and last day of every window."""

from datetime import date, timedelta

import pytest

from portal import deadlines
from portal.deadlines import renewal_calendar

D = date

# contract's last day → (M, invitation, apply closes, registration opens, due, new term end)
CALENDARS = [
    # the seed's own example: 2022/08 to 2023/07, M = 2023/08
    (D(2023, 7, 31), D(2023, 8, 1), D(2023, 5, 1), D(2023, 8, 10), D(2023, 7, 11),
     D(2023, 8, 31), D(2024, 7, 31)),
    # a January opening month: everything before it lies in the previous year
    (D(2023, 12, 31), D(2024, 1, 1), D(2023, 10, 1), D(2024, 1, 10), D(2023, 12, 11),
     D(2024, 1, 31), D(2024, 12, 31)),
    # February of a leap year: continuation due on the 29th
    (D(2024, 1, 31), D(2024, 2, 1), D(2023, 11, 1), D(2024, 2, 10), D(2024, 1, 11),
     D(2024, 2, 29), D(2025, 1, 31)),
    # February of a common year
    (D(2023, 1, 31), D(2023, 2, 1), D(2022, 11, 1), D(2023, 2, 10), D(2023, 1, 11),
     D(2023, 2, 28), D(2024, 1, 31)),
    # M = March: the new term ends in a February (leap and common)
    (D(2023, 2, 28), D(2023, 3, 1), D(2022, 12, 1), D(2023, 3, 10), D(2023, 2, 11),
     D(2023, 3, 31), D(2024, 2, 29)),
    (D(2024, 2, 29), D(2024, 3, 1), D(2023, 12, 1), D(2024, 3, 10), D(2024, 2, 11),
     D(2024, 3, 31), D(2025, 2, 28)),
    # M = December: the new term ends in November of the next year
    (D(2026, 11, 30), D(2026, 12, 1), D(2026, 9, 1), D(2026, 12, 10), D(2026, 11, 11),
     D(2026, 12, 31), D(2027, 11, 30)),
    # M = April: the invitation goes out on New Year's Day
    (D(2026, 3, 31), D(2026, 4, 1), D(2026, 1, 1), D(2026, 4, 10), D(2026, 3, 11),
     D(2026, 4, 30), D(2027, 3, 31)),
]


@pytest.mark.parametrize("ends_on, m, invitation, closes, registration, due, new_end", CALENDARS)
def test_calendar(ends_on, m, invitation, closes, registration, due, new_end):
    cal = renewal_calendar(ends_on)
    assert cal.opening_month == m
    assert cal.invitation_on == cal.apply_opens == invitation
    assert cal.apply_closes == closes
    assert cal.registration_opens == registration
    assert cal.continuation_due == cal.old_access_until == due
    assert cal.new_starts_on == m
    assert cal.new_ends_on == new_end


@pytest.mark.parametrize("ends_on", [row[0] for row in CALENDARS])
def test_window_edges(ends_on):
    cal = renewal_calendar(ends_on)
    one = timedelta(days=1)
    assert not cal.apply_open(cal.apply_opens - one)
    assert cal.apply_open(cal.apply_opens)
    assert cal.apply_open(cal.apply_closes)
    assert not cal.apply_open(cal.apply_closes + one)
    assert not cal.registration_open(cal.registration_opens - one)
    assert cal.registration_open(cal.registration_opens)
    assert not cal.continuation_open(cal.registration_opens - one)
    assert cal.continuation_open(cal.registration_opens)
    assert cal.continuation_open(cal.continuation_due)
    assert not cal.continuation_open(cal.continuation_due + one)


def test_reminders_fall_before_the_deadline():
    cal = renewal_calendar(D(2023, 12, 31))
    assert cal.reminders == (D(2023, 12, 1), D(2024, 1, 1), D(2024, 1, 7))
    assert all(cal.apply_opens < r < cal.apply_closes for r in cal.reminders)


def test_days_left():
    cal = renewal_calendar(D(2023, 7, 31))
    assert cal.days_left(D(2023, 8, 10), cal.apply_closes) == 0
    assert cal.days_left(D(2023, 8, 1), cal.apply_closes) == 9


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (D(2024, 1, 15), -1, D(2023, 12, 1)),
        (D(2023, 12, 31), 1, D(2024, 1, 1)),
        (D(2024, 3, 31), -13, D(2023, 2, 1)),
        (D(2024, 1, 1), 24, D(2026, 1, 1)),
        (D(2024, 1, 1), 0, D(2024, 1, 1)),
    ],
)
def test_add_months(day, months, expected):
    assert deadlines.add_months(day, months) == expected


@pytest.mark.parametrize(
    "day, expected",
    [(D(2024, 2, 3), D(2024, 2, 29)), (D(2023, 2, 3), D(2023, 2, 28)),
     (D(2100, 2, 1), D(2100, 2, 28)), (D(2000, 2, 1), D(2000, 2, 29)),
     (D(2023, 12, 5), D(2023, 12, 31)), (D(2023, 4, 30), D(2023, 4, 30))],
)
def test_month_end(day, expected):
    assert deadlines.month_end(day) == expected


@pytest.mark.parametrize(
    "ends_on, expected",
    [(D(2023, 7, 31), D(2023, 8, 31)), (D(2024, 1, 31), D(2024, 2, 29)),
     (D(2023, 12, 31), D(2024, 1, 31)), (D(2027, 3, 31), D(2027, 4, 30))],
)
def test_access_until_is_the_end_of_the_next_month(ends_on, expected):
    assert deadlines.access_until(ends_on) == expected


@pytest.mark.parametrize(
    "starts_on, expected",
    [
        (D(2026, 4, 1), D(2027, 3, 31)),  # a full fiscal year
        (D(2026, 10, 1), D(2027, 3, 31)),  # mid-year: a short first term
        (D(2026, 12, 1), D(2027, 3, 31)),
        (D(2027, 1, 1), D(2028, 3, 31)),  # 翌年3月末: never a term of a few weeks
        (D(2027, 3, 1), D(2028, 3, 31)),
    ],
)
def test_fiscal_first_term_end(starts_on, expected):
    assert deadlines.fiscal_first_term_end(starts_on) == expected


@pytest.mark.parametrize(
    "starts_on, expected",
    [(D(2024, 3, 1), D(2025, 2, 28)), (D(2023, 3, 1), D(2024, 2, 29)),
     (D(2024, 1, 1), D(2024, 12, 31)), (D(2024, 12, 1), D(2025, 11, 30))],
)
def test_twelve_month_end(starts_on, expected):
    assert deadlines.twelve_month_end(starts_on) == expected
    assert deadlines.months_between(starts_on, expected) == 12


def test_rotation_dates():
    rotation = deadlines.rotation_for(2027)
    assert rotation.issue_from == D(2027, 3, 1)
    assert rotation.old_valid_until == D(2027, 4, 30)
