"""The operator's decisions on renewal applications: approve or reject.

Approval is a compare-and-set on the renewal's status (and the revision the operator
looked at), so a double click or a second tab changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update

from portal import audit, clock, deadlines, params
from portal.auth.services import issue_password_link
from portal.dbutil import lock_row
from portal.extensions import db
from portal.models import Contract, Organisation, Renewal, StaffUser
from portal.models.contract import APPLIED, APPROVED, PROVISIONAL, REJECTED
from portal.models.people import COORDINATOR
from portal.renewal import notices
from portal.renewal.progress import relation
from portal.web import Refused

STATUS_LABELS = {
    "provisional": "仮申込(ID数未確定)",
    "applied": "承認待ち",
    "approved": "承認済み",
    "rejected": "却下",
    "cancelled": "取消",
    "lapsed": "失効",
}


@dataclass(frozen=True)
class Decision:
    renewal: Renewal
    changed: bool  # False when the same decision had already been taken


def approve(renewal_id: int, operator: StaffUser, revision: int | None = None) -> Decision:
    """Approve a complete application: lock it, create the new contract, send the emails."""
    lock_row(Renewal, renewal_id)
    renewal = db.session.get(Renewal, renewal_id)
    if renewal is None:
        raise LookupError(renewal_id)
    if renewal.status == APPROVED:
        db.session.rollback()
        return Decision(renewal, changed=False)
    _ensure_decidable(renewal, revision)
    if renewal.status == PROVISIONAL:
        raise Refused(
            "ID数未確定の仮申込は承認できません。",
            "教育担当者がユーザID数を確定すると承認できるようになります。",
            title="承認できません",
        )
    claimed = db.session.execute(
        update(Renewal)
        .where(Renewal.id == renewal.id, Renewal.status == APPLIED,
               Renewal.revision == renewal.revision)
        .values(status=APPROVED, decided_at=clock.now(), decided_by_id=operator.id)
    ).rowcount
    if not claimed:  # someone else decided between our read and our write
        db.session.rollback()
        return Decision(db.session.get(Renewal, renewal_id), changed=False)
    db.session.refresh(renewal)
    successor = _create_successor(renewal)
    kind = relation(renewal.contract, renewal)
    audit.record("renewal.approve", renewal, operator, renewal.organisation_id,
                 revision=renewal.revision, successor_id=successor.id, relation=kind,
                 library=renewal.library.code, seats=renewal.seats)
    notices.confirmed(renewal, kind)
    if kind == "change":
        admin = _new_admin_login(renewal, successor)
        notices.usage_start(renewal, admin, issue_password_link(admin))
    notices.order(renewal)
    db.session.commit()
    return Decision(renewal, changed=True)


def reject(renewal_id: int, operator: StaffUser, reason: str,
           revision: int | None = None) -> Decision:
    """Reject an application with a reason the coordinator will read."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("却下の理由を入力してください。")
    lock_row(Renewal, renewal_id)
    renewal = db.session.get(Renewal, renewal_id)
    if renewal is None:
        raise LookupError(renewal_id)
    if renewal.status == REJECTED and renewal.reject_reason == reason:
        db.session.rollback()
        return Decision(renewal, changed=False)
    _ensure_decidable(renewal, revision)
    renewal.status = REJECTED
    renewal.reject_reason = reason[:1000]
    renewal.decided_at = clock.now()
    renewal.decided_by_id = operator.id
    audit.record("renewal.reject", renewal, operator, renewal.organisation_id,
                 revision=renewal.revision, reason=renewal.reject_reason)
    notices.rejected(renewal)
    db.session.commit()
    return Decision(renewal, changed=True)


def _ensure_decidable(renewal: Renewal, revision: int | None) -> None:
    if renewal.status not in (APPLIED, PROVISIONAL):
        raise Refused(
            f"この申込は「{STATUS_LABELS[renewal.status]}」のため、承認・却下できません。",
            title="承認・却下できません",
        )
    if revision is not None and revision != renewal.revision:
        raise Refused(
            "表示した後に教育担当者が申込内容を変更しました。",
            "一覧を開き直し、最新の内容を確認してから承認・却下してください。",
            title="申込内容が変更されました",
        )


def _create_successor(renewal: Renewal) -> Contract:
    """The new contract: the opening month to 12 months later, as applied for."""
    old = renewal.contract
    cal = old.calendar
    same_seats = renewal.seats == old.seats
    successor = Contract.for_term(
        cal.new_starts_on,
        cal.new_ends_on,
        organisation_id=old.organisation_id,
        library=renewal.library,
        seats=renewal.seats,
        # A school keeps its personal/shared split when the total is unchanged.
        personal_seats=old.personal_seats if same_seats else None,
        shared_seats=old.shared_seats if same_seats else None,
        yearly_rotation=old.yearly_rotation,
        predecessor_id=old.id,
    )
    db.session.add(successor)
    db.session.flush()
    renewal.successor_id = successor.id
    return successor


def _new_admin_login(renewal: Renewal, successor: Contract) -> StaffUser:
    """The library changed: the new contract gets its own coordinator login (no password
    until the one-time link is used)."""
    organisation = db.session.get(Organisation, renewal.organisation_id)
    applicant = db.session.get(StaffUser, renewal.applied_by_id) if renewal.applied_by_id else None
    admin = StaffUser(
        login_id=f"{organisation.code}-{renewal.library.code}-{successor.id}".lower(),
        name=f"{organisation.name} 教育担当者({renewal.library.name})",
        email=applicant.email if applicant else notices.coordinators(organisation.id)[0].email,
        role=COORDINATOR,
        organisation_id=organisation.id,
        contract_id=successor.id,
    )
    db.session.add(admin)
    db.session.flush()
    return admin


def applications(status: str | None = None, opening_month: str | None = None,
                 organisation: str | None = None) -> list[Renewal]:
    """Renewal applications for the operator, filtered; oldest application first."""
    query = select(Renewal).join(Contract, Renewal.contract_id == Contract.id).join(
        Organisation, Contract.organisation_id == Organisation.id
    )
    if status:
        query = query.where(Renewal.status == status)
    if opening_month:
        month_end = _month_before(opening_month)
        if month_end:
            query = query.where(Contract.ends_on == month_end)
    if typed := params.search_text(organisation):
        query = query.where(Organisation.name.icontains(typed, autoescape=True)
                            | Organisation.code.icontains(typed, autoescape=True))
    return db.session.scalars(query.order_by(Renewal.applied_at, Renewal.id)).all()


def counts_by_status() -> dict[str, int]:
    """How many applications are in each state."""
    return dict(db.session.execute(
        select(Renewal.status, func.count()).group_by(Renewal.status)
    ).all())


def _month_before(opening_month: str):
    """The last day of the month before ``YYYY-MM``: the end of the contracts it renews."""
    try:
        year, month = (int(part) for part in opening_month.split("-"))
        first = deadlines.add_months(date(year, month, 1), -1)
    except ValueError:
        return None
    return deadlines.month_end(first)
