"""The new contract's learners as the registration pages show them: its courses, its
enrolments for course assignment, and the account cards of learners without an address."""

from __future__ import annotations

from sqlalchemy import select

from portal import security
from portal.extensions import db
from portal.models import Course, Enrolment, Learner, Renewal


def courses(renewal: Renewal) -> list[Course]:
    """The new library's courses, in their order."""
    return db.session.scalars(
        select(Course).where(Course.library_id == renewal.successor.library_id)
        .order_by(Course.position)
    ).all()


def enrolments(renewal: Renewal) -> list[Enrolment]:
    """Everyone registered in the new contract, by login ID (受講コース設定)."""
    return db.session.scalars(
        select(Enrolment).join(Learner).where(Enrolment.contract_id == renewal.successor_id)
        .order_by(Learner.login_id)
    ).all()


def account_cards(renewal: Renewal) -> list[tuple[Learner, str | None]]:
    """Learners of the new contract without an address, with their issued password (None
    once they chose their own)."""
    learners = db.session.scalars(
        select(Learner).join(Enrolment)
        .where(Enrolment.contract_id == renewal.successor_id, Learner.email.is_(None))
        .order_by(Learner.login_id)
    ).all()
    return [(learner, security.unseal(learner.card_password) if learner.card_password else None)
            for learner in learners]
