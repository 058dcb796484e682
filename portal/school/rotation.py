"""年度末のアカウント更新: the yearly rotation of a school's credentials, as tick steps.

Seed 003: schools that ask for it get new IDs and passwords during March, so that
graduates cannot go on using theirs; the old ones work until 30 April.

- Which contracts: ``yearly_rotation``, started before 1 March of the year (a contract
  that only starts in March has fresh IDs), and still open for logins.
- Once a year per contract: an ``AccountRotation`` row is written with the new IDs, so a
  second run in March, a run after skipped days or two ticks at once renew nothing more.
- Which IDs: the contract's active accounts not yet replaced and issued before 1 March
  (an ID issued in March, before a late first tick, is fresh already).
- The new IDs are enrolled in the same contract (and in any running contract the old ID
  was continued into), linked from the old ones by ``replaced_by_id``. A replaced ID
  gives its licence to its replacement: both work until 30 April, one seat.
- From 1 May the old IDs stop: the second step expires every ID past its ``valid_until``
  and ends its sessions (the login refuses them from that day anyway).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select, update

from portal import accounts, audit, clock, deadlines
from portal.accounts import NewLearner
from portal.daily import step
from portal.dbutil import lock_row
from portal.extensions import db
from portal.learn import services as learner_sessions
from portal.models import AccountRotation, Contract, Enrolment, Learner
from portal.models.contract import NEW
from portal.models.people import ACTIVE
from portal.school import notices

ROTATION_MONTH = 3


def contracts_to_rotate(day: date) -> list[int]:
    """The ids of the contracts whose accounts the rotation of ``day``'s year renews."""
    if day.month != ROTATION_MONTH:
        return []
    rotation = deadlines.rotation_for(day.year)
    return db.session.scalars(
        select(Contract.id).where(
            Contract.yearly_rotation.is_(True),
            Contract.starts_on < rotation.issue_from,
            Contract.access_until >= day,
            ~_rotated(rotation.issue_from.year),
        ).order_by(Contract.id)
    ).all()


def _rotated(year: int):
    return exists().where(AccountRotation.contract_id == Contract.id,
                          AccountRotation.year == year)


def due_accounts(contract_id: int, rotation: deadlines.Rotation) -> list[Learner]:
    """The contract's accounts this rotation has not renewed yet, by ID."""
    return db.session.scalars(
        select(Learner)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(
            Enrolment.contract_id == contract_id,
            Learner.status == ACTIVE,
            Learner.replaced_by_id.is_(None),
            Learner.created_at < clock.start_of_day(rotation.issue_from),
        )
        .order_by(Learner.login_id)
    ).all()


def rotate(contract_id: int, day: date) -> int:
    """Renew the due accounts of one contract; how many (0 when already done)."""
    rotation = deadlines.rotation_for(day.year)
    lock_row(Contract, contract_id)  # two ticks at once: the second finds the row below
    done = db.session.scalar(select(AccountRotation.id).where(
        AccountRotation.contract_id == contract_id, AccountRotation.year == day.year))
    if done:
        return 0
    contract = db.session.get(Contract, contract_id)
    olds = due_accounts(contract_id, rotation)
    db.session.add(AccountRotation(contract_id=contract_id, year=day.year, issued=len(olds),
                                   old_valid_until=rotation.old_valid_until))
    if not olds:
        return 0
    new_ids = accounts.issue(contract.organisation_id, contract.id,
                             [NewLearner(kind=old.kind) for old in olds], NEW)
    _enrol_in_running_contracts(olds, new_ids, contract.id, day)
    db.session.execute(update(Learner), [
        {"id": old.id, "replaced_by_id": new_id, "valid_until": rotation.old_valid_until}
        for old, new_id in zip(olds, new_ids, strict=True)
    ])
    audit.record("school.rotation", contract, None, contract.organisation_id,
                 year=day.year, issued=len(olds),
                 old_valid_until=rotation.old_valid_until.isoformat())
    notices.rotated(contract, rotation, len(olds))
    return len(olds)


def _enrol_in_running_contracts(olds: list[Learner], new_ids: list[int], contract_id: int,
                                day: date) -> None:
    new_of = {old.id: new_id for old, new_id in zip(olds, new_ids, strict=True)}
    others = db.session.execute(
        select(Enrolment.learner_id, Enrolment.contract_id)
        .join(Contract, Contract.id == Enrolment.contract_id)
        .where(Enrolment.learner_id.in_(list(new_of)), Enrolment.contract_id != contract_id,
               Contract.access_until >= day)
    ).all()
    for learner_id, other_id in others:
        db.session.add(Enrolment(contract_id=other_id, learner_id=new_of[learner_id],
                                 source=NEW))


@step
def rotate_school_accounts(day: date) -> int:
    """In March: new IDs and passwords for the schools that asked for them."""
    issued = 0
    for contract_id in contracts_to_rotate(day):
        issued += rotate(contract_id, day)
        db.session.commit()  # one contract at a time: a failure loses no other school's
    return issued


@step
def stop_expired_accounts(day: date) -> int:
    """IDs past their last valid day (old IDs from 1 May) stop, their sessions ended."""
    ids = db.session.scalars(
        select(Learner.id).where(Learner.status == ACTIVE, Learner.valid_until < day)
    ).all()
    return learner_sessions.expire_learners(ids, learner_sessions.CLOSED)
