"""Reissue of a lost account card (seed 003: 新たなアカウントを無償で発行し、該当のアカウントを
無効にします).

The new account takes the old one's place in every contract still running (so it uses no
extra licence: a replaced ID gives its seat to its replacement), the old one is disabled
at once and its sessions end. Audited, and the school's coordinators are told.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal import accounts, audit, clock
from portal.accounts import NewLearner
from portal.dbutil import lock_row
from portal.extensions import db
from portal.learn import services as learner_sessions
from portal.models import Contract, Enrolment, Learner, LearnerSession, StaffUser
from portal.models.contract import NEW
from portal.models.people import DISABLED, EXPIRED
from portal.school import notices
from portal.web import Refused


class NotFound(LookupError):
    """No such ID for this person to reissue; the message says which."""


@dataclass(frozen=True)
class Reissue:
    old: Learner
    new: Learner | None  # None when a rotation had already replaced the old ID
    changed: bool  # False when the ID had been disabled before (a second click)


def find(login_id: str, organisation_id: int | None = None,
         contract_id: int | None = None) -> Learner:
    """A school's learner by the ID as typed: for a coordinator, only of their school (and
    of the contract on the page); for the secretariat (no organisation), any school's."""
    typed = (login_id or "").strip()[:64]
    if not typed:
        raise NotFound("再発行するユーザIDを入力してください。")
    learner = learner_sessions.find_learner(typed)
    if learner is None or (organisation_id is not None
                           and learner.organisation_id != organisation_id):
        raise NotFound(f"ユーザID「{typed}」は見つかりません。アカウントカードのIDをご確認ください。")
    if not learner.organisation.is_school:
        raise NotFound(f"ユーザID「{typed}」は学校のIDではありません。")
    if contract_id is not None and not db.session.scalar(select(Enrolment.id).where(
            Enrolment.contract_id == contract_id, Enrolment.learner_id == learner.id)):
        raise NotFound(f"ユーザID「{typed}」はこのご契約のIDではありません。")
    return learner


def running_contracts(learner_id: int) -> list[Contract]:
    """The learner's contracts whose learners may still log in, the latest first."""
    return db.session.scalars(
        select(Contract).join(Enrolment, Enrolment.contract_id == Contract.id)
        .where(Enrolment.learner_id == learner_id, Contract.access_until >= clock.today())
        .order_by(Contract.starts_on.desc(), Contract.id.desc())
    ).all()


def reissue(learner_id: int, actor: StaffUser) -> Reissue:
    """Disable a lost card's ID and issue its replacement, once."""
    lock_row(Learner, learner_id)
    old = db.session.get(Learner, learner_id)
    db.session.refresh(old)
    if old.status == DISABLED:
        db.session.rollback()
        new = db.session.get(Learner, old.replaced_by_id) if old.replaced_by_id else None
        return Reissue(old, new, changed=False)
    contracts = running_contracts(old.id)
    today = clock.today()
    if old.status == EXPIRED or (old.valid_until and old.valid_until < today) or not contracts:
        raise Refused(f"ユーザID「{old.login_id}」はすでに使えなくなっています。再発行の必要はありません。",
                      "新しいアカウントが必要な場合は、事務局にご相談ください。",
                      title="再発行できません")
    new = None
    if old.replaced_by_id is None:
        new = _replacement(old, contracts)
        old.replaced_by_id = new.id
    old.status = DISABLED
    _end_sessions(old.id)
    audit.record("learner.reissue", old, actor, old.organisation_id, old=old.login_id,
                 new=new.login_id if new else None, contract_id=contracts[0].id)
    notices.reissued(old, new, contracts[0], actor)
    db.session.commit()
    return Reissue(old, new, changed=True)


def outcome(done: Reissue) -> tuple[str, str]:
    """What to tell the person who asked, and how (a flash message and its category)."""
    if not done.changed:
        return f"ユーザID {done.old.login_id} はすでに無効にしてあります。", "info"
    if done.new is None:
        return (f"旧ID {done.old.login_id} を無効にしました。年度更新で発行した新しいIDは"
                "そのまま使えます。", "success")
    return (f"ユーザID {done.old.login_id} を無効にし、新しいID {done.new.login_id} を発行しました"
            "(無償)。新しいアカウントカードを印刷して渡してください。", "success")


def _replacement(old: Learner, contracts: list[Contract]) -> Learner:
    [new_id] = accounts.issue(old.organisation_id, contracts[0].id,
                              [NewLearner(kind=old.kind)], NEW)
    for other in contracts[1:]:  # e.g. the renewed contract it was continued into
        db.session.add(Enrolment(contract_id=other.id, learner_id=new_id, source=NEW))
    return db.session.get(Learner, new_id)


def _end_sessions(learner_id: int) -> None:
    open_sessions = db.session.scalars(select(LearnerSession).where(
        LearnerSession.learner_id == learner_id, LearnerSession.ended_at.is_(None)))
    for row in open_sessions:
        learner_sessions.end(row, learner_sessions.CLOSED)  # shared traces go with it
