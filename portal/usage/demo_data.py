"""Demo usage: logins and titles opened by the demo learners, from the 1st of last month
up to now, so that the charts, the page and last month's report have something to show.

Invented but plausible: each ID has its own habit, weekdays are busier than weekends,
shared accounts are passed around (several logins a day), a few titles are popular.
The same clock day gives the same events.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select

from portal import clock
from portal.extensions import db
from portal.models import (
    Book,
    Contract,
    Enrolment,
    Learner,
    Organisation,
    UsageEvent,
    library_books,
)
from portal.models.people import SHARED
from portal.models.usage import BOOK_OPEN, LOGIN
from portal.usage.months import Month

DEMO_ORGANISATIONS = ("A0001", "B0001")
OPENS_PER_SESSION = (0, 1, 1, 1, 1, 2, 2, 3)


def ensure() -> int:
    """Create the demo usage unless there is usage already; how many events were added."""
    if db.session.scalar(select(UsageEvent.id).limit(1)) is not None:
        return 0
    first = Month.of(clock.today()).prev().first_day
    rows: list[dict] = []
    for code in DEMO_ORGANISATIONS:
        for contract in db.session.scalars(
            select(Contract).join(Organisation).where(Organisation.code == code)
        ):
            rows += _contract_events(contract, first, clock.now())
    if rows:
        db.session.execute(insert(UsageEvent), rows)
    db.session.commit()
    return len(rows)


def _contract_events(contract: Contract, first: date, now: datetime) -> list[dict]:
    rng = random.Random(f"usage-demo:{contract.organisation.code}:{now.date()}")
    books = _books_by_popularity(contract.library_id, rng)
    learners = db.session.scalars(
        select(Learner).join(Enrolment).where(Enrolment.contract_id == contract.id)
        .order_by(Learner.login_id)
    ).all()
    school = contract.organisation.is_school
    day = max(first, contract.starts_on)
    last = min(clock.tokyo(now).date(), contract.access_until)
    rows = []
    habits = {lr.id: rng.choice((0.05, 0.2, 0.35, 0.5, 0.7)) for lr in learners}
    while day <= last:
        listed = [b for b in books if b.listed_until >= day]
        for learner in learners:
            for moment in _sessions(rng, day, habits[learner.id], learner.kind, school):
                events = _session(rng, contract, learner.id, moment, listed)
                rows += [e for e in events if e["at"] <= now]
        day += timedelta(days=1)
    return rows


def _sessions(rng: random.Random, day: date, habit: float, kind: str,
              school: bool) -> list[datetime]:
    """The login times of one ID on one day (Tokyo wall clock, as UTC)."""
    weekend = day.weekday() >= 5
    tries = 4 if kind == SHARED else 1  # a shared card goes round several pupils
    chance = habit * (0.15 if weekend else 1.0) * (1.3 if kind == SHARED else 1.0)
    hours = (8, 16) if school and not weekend else (7, 22)
    moments = []
    for _ in range(tries):
        if rng.random() < chance:
            at = time(rng.randint(*hours), rng.randrange(60))
            moments.append(datetime.combine(day, at, tzinfo=clock.TOKYO).astimezone(UTC))
    return sorted(moments)


def _session(rng: random.Random, contract: Contract, learner_id: int, moment: datetime,
             books: list[Book]) -> list[dict]:
    """A login and the titles opened in that session (each title once, as recorded)."""
    base = {"learner_id": learner_id, "contract_id": contract.id,
            "organisation_id": contract.organisation_id}
    rows = [{**base, "at": moment, "kind": LOGIN, "book_id": None}]
    count = min(rng.choice(OPENS_PER_SESSION), len(books))
    weights = [1 / (rank + 1) for rank in range(len(books))]  # a few titles are popular
    chosen: set[int] = set()
    while len(chosen) < count:
        chosen.add(rng.choices(books, weights)[0].id)
    for minutes, book_id in enumerate(sorted(chosen), start=1):
        rows.append({**base, "at": moment + timedelta(minutes=3 * minutes),
                     "kind": BOOK_OPEN, "book_id": book_id})
    return rows


def _books_by_popularity(library_id: int, rng: random.Random) -> list[Book]:
    books = list(db.session.scalars(
        select(Book).join(library_books, library_books.c.book_id == Book.id)
        .where(library_books.c.library_id == library_id).order_by(Book.id)
    ))
    rng.shuffle(books)
    return books
