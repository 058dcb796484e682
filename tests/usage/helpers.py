"""Constants and helpers of the usage tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal import clock
from portal.extensions import db
from portal.models import UsageEvent
from portal.models.usage import BOOK_OPEN, LOGIN
from portal.usage.months import Month

NOW = datetime(2026, 6, 1, 9, 0)  # Tokyo: the morning of the 1st, May is over
MAY = Month(2026, 5)


def tokyo(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2026) -> datetime:
    """A Tokyo wall-clock time as the UTC instant events are stored in."""
    return datetime(year, month, day, hour, minute, tzinfo=clock.TOKYO).astimezone(UTC)


@dataclass
class Ids:
    school_org: int
    company_org: int
    school_contract: int
    company_contract: int
    books: list[int]
    personal: int  # S0001-001
    personal2: int  # S0001-002
    shared: int  # S0001-031
    unused: int  # S0001-040
    company_learner: int  # C0001-001, with a name and an email


def add_event(ids: Ids, learner_id: int, at: datetime, book: int | None = None) -> None:
    """One usage event as the learner area records it (book: index into ids.books)."""
    company = learner_id == ids.company_learner
    db.session.add(UsageEvent(
        at=at, learner_id=learner_id,
        contract_id=ids.company_contract if company else ids.school_contract,
        organisation_id=ids.company_org if company else ids.school_org,
        kind=LOGIN if book is None else BOOK_OPEN,
        book_id=None if book is None else ids.books[book],
    ))


def text(response) -> str:
    return response.get_data(as_text=True)
