"""Usage events (利用記録) for the monthly figures: each login and each title opened."""

from __future__ import annotations

from portal import clock
from portal.dbutil import insert_ignoring_conflicts
from portal.extensions import db
from portal.models import LearnerSession, UsageEvent
from portal.models.usage import BOOK_OPEN, LOGIN


def record_login(row: LearnerSession, organisation_id: int) -> None:
    """Count a login of the session's ID under its contract."""
    db.session.add(
        UsageEvent(
            learner_id=row.learner_id,
            contract_id=row.contract_id,
            organisation_id=organisation_id,
            kind=LOGIN,
            session_id=row.id,
        )
    )


def record_book_open(row: LearnerSession, organisation_id: int, book_id: int) -> bool:
    """Count a title opened, once per session: turning its pages is still one reading.
    Simultaneous opens (a double click, a second tab) insert one row: the unique
    (session, book) decides, so a check-then-insert race cannot count it twice."""
    inserted = db.session.execute(
        insert_ignoring_conflicts(UsageEvent, ["session_id", "book_id"]).values(
            at=clock.now(),
            learner_id=row.learner_id,
            contract_id=row.contract_id,
            organisation_id=organisation_id,
            kind=BOOK_OPEN,
            book_id=book_id,
            session_id=row.id,
        )
    )
    return bool(inserted.rowcount)
