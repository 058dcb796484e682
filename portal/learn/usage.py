"""Usage events (利用記録) for the monthly figures: each login and each title opened."""

from __future__ import annotations

from sqlalchemy import exists, select

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
        )
    )


def record_book_open(row: LearnerSession, organisation_id: int, book_id: int) -> bool:
    """Count a title opened, once per session: turning its pages is still one reading."""
    already = db.session.scalar(
        select(
            exists().where(
                # (contract_id, at) leads the query, so the monthly index serves it.
                UsageEvent.contract_id == row.contract_id,
                UsageEvent.at >= row.created_at,
                UsageEvent.learner_id == row.learner_id,
                UsageEvent.kind == BOOK_OPEN,
                UsageEvent.book_id == book_id,
            )
        )
    )
    if already:
        return False
    db.session.add(
        UsageEvent(
            learner_id=row.learner_id,
            contract_id=row.contract_id,
            organisation_id=organisation_id,
            kind=BOOK_OPEN,
            book_id=book_id,
        )
    )
    return True
