"""The renewal's part of the daily tick: invitations, reminders and lapses."""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select

from portal import audit, clock, deadlines
from portal.daily import step
from portal.extensions import db
from portal.learn import services as learner_sessions
from portal.models import Contract, Enrolment, Learner, Renewal
from portal.models.contract import APPLIED, APPROVED, LAPSED, PROVISIONAL
from portal.models.people import ACTIVE
from portal.renewal import notices


def contracts_in_window(day: date) -> list[Contract]:
    """Contracts whose renewal application window contains ``day``."""
    # The window runs from the 1st of M-3 to the 10th of M, so the contracts concerned
    # end between one month before and three months after ``day``.
    earliest = deadlines.month_end(deadlines.add_months(day, -1))
    latest = deadlines.month_end(deadlines.add_months(day, 3))
    candidates = db.session.scalars(
        select(Contract).where(Contract.ends_on.between(earliest, latest)).order_by(Contract.id)
    ).all()
    return [c for c in candidates if c.calendar.apply_open(day)]


@step
def send_renewal_invitations(day: date) -> int:
    """継続契約ご案内: once per contract, from the 1st of M-3 (a skipped day catches up)."""
    sent = 0
    for contract in contracts_in_window(day):
        renewal = contract.renewal
        if renewal is None or renewal.status not in (APPLIED, APPROVED):
            sent += notices.invitation(contract)
    return sent


@step
def send_renewal_reminders(day: date) -> int:
    """Remind those who have not applied, or are still provisional, before the 10th of M.

    Only the latest reminder date that has come is sent, so a skipped tick catches up
    with one reminder, not several.
    """
    sent = 0
    for contract in contracts_in_window(day):
        renewal = contract.renewal
        if renewal is not None and renewal.status in (APPLIED, APPROVED):
            continue
        due = [r for r in contract.calendar.reminders if r <= day]
        if due:
            sent += notices.reminder(contract, due[-1])
    return sent


@step
def lapse_provisional_renewals(day: date) -> int:
    """A provisional application without a count by the 10th of M lapses."""
    candidates = db.session.scalars(
        select(Renewal).where(Renewal.status == PROVISIONAL).order_by(Renewal.id)
    ).all()
    lapsed = 0
    for renewal in candidates:
        if day > renewal.contract.calendar.apply_closes:
            renewal.status = LAPSED
            audit.record("renewal.lapse", renewal, None, renewal.organisation_id)
            notices.lapsed(renewal)
            lapsed += 1
    return lapsed


@step
def close_continuation_at_deadline(day: date) -> int:
    """After the last day of M the continuing list stands as saved: continuation is
    closed for the coordinator who did not press 継続処理終了, so new IDs can follow."""
    candidates = db.session.scalars(
        select(Renewal).where(Renewal.status == APPROVED,
                              Renewal.continuation_finished_at.is_(None))
    ).all()
    closed = 0
    for renewal in candidates:
        if day > renewal.contract.calendar.continuation_due:
            renewal.continuation_finished_at = clock.now()
            audit.record("renewal.continuation_closed", renewal, None, renewal.organisation_id)
            closed += 1
    return closed


@step
def expire_learners_without_contract(day: date) -> int:
    """IDs that no contract covers any more stop working (the old IDs after the end of M
    that were not continued), and their open sessions end."""
    covered = exists().where(
        Enrolment.learner_id == Learner.id,
        Enrolment.contract_id == Contract.id,
        Contract.access_until >= day,
    )
    ids = db.session.scalars(
        select(Learner.id).where(Learner.status == ACTIVE, ~covered)
    ).all()
    return learner_sessions.expire_learners(ids, learner_sessions.EXPIRED)
