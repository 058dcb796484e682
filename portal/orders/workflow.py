"""Moving a school order along 受付 → アカウント発行 → カード発送 → 請求.

The distributor the order was sent to moves it, and the secretariat (operator) may move
any order. Each move is a compare-and-set on the status under a row lock, so a double
click or a second tab moves it once, and the accounts are issued exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from portal import audit, clock
from portal.dbutil import lock_row
from portal.extensions import db
from portal.models import AuditEntry, SchoolOrder, StaffUser
from portal.models.orders import ACCEPTED, CANCELLED, FLOW, ISSUED, NEW, STATUS_LABELS
from portal.models.people import DISTRIBUTOR
from portal.orders import issuance
from portal.web import Refused


@dataclass(frozen=True)
class Move:
    order: SchoolOrder
    changed: bool  # False when the order already was where the move would take it


def _scoped(query, user: StaffUser):
    """Only the orders sent to a distributor's company; every order for the secretariat.
    Never an order whose applicant has not confirmed the address (confirmations.py)."""
    query = query.where(SchoolOrder.confirmed_at.is_not(None))
    if user.role == DISTRIBUTOR:
        return query.where(SchoolOrder.distributor_id == user.distributor_id)
    return query


def orders_for(user: StaffUser, status: str | None = None) -> list[SchoolOrder]:
    """The orders ``user`` handles, newest first, optionally in one state."""
    query = _scoped(select(SchoolOrder), user)
    if status in STATUS_LABELS:
        query = query.where(SchoolOrder.status == status)
    return db.session.scalars(query.order_by(SchoolOrder.id.desc()).limit(500)).all()


def counts_for(user: StaffUser) -> dict[str, int]:
    """How many of ``user``'s orders are in each state."""
    query = _scoped(select(SchoolOrder.status, func.count()), user)
    return dict(db.session.execute(query.group_by(SchoolOrder.status)).all())


def find(user: StaffUser, order_id: int) -> SchoolOrder:
    """One of ``user``'s orders; LookupError (a 404) for another region's or none."""
    order = db.session.scalar(_scoped(select(SchoolOrder), user)
                              .where(SchoolOrder.id == order_id))
    if order is None:
        raise LookupError(order_id)
    return order


def next_status(order: SchoolOrder) -> str | None:
    """Where the order can go next, or None when it is done or cancelled."""
    if order.status not in FLOW or order.status == FLOW[-1]:
        return None
    return FLOW[FLOW.index(order.status) + 1]


def history(order: SchoolOrder) -> list[AuditEntry]:
    """Who moved the order when, oldest first."""
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == "SchoolOrder", AuditEntry.subject_id == order.id)
        .order_by(AuditEntry.at, AuditEntry.id)
    ).all()


def advance(order_id: int, user: StaffUser, to: str) -> Move:
    """Move the order to ``to``, the state after its current one; reaching アカウント発行
    creates the school's organisation, contract, coordinator login and learner IDs."""
    if to not in FLOW[1:]:
        raise LookupError(to)
    order = find(user, order_id)
    lock_row(SchoolOrder, order.id)
    db.session.refresh(order)
    if order.status in FLOW and FLOW.index(order.status) >= FLOW.index(to):
        db.session.rollback()
        return Move(order, changed=False)  # a second click: it is there already
    _ensure_next(order, to)
    before = order.status
    claimed = db.session.execute(
        update(SchoolOrder).where(SchoolOrder.id == order.id, SchoolOrder.status == before)
        .values(status=to, status_changed_at=clock.now())
    ).rowcount
    if not claimed:  # someone else moved it between our read and our write
        db.session.rollback()
        return Move(find(user, order_id), changed=False)
    db.session.refresh(order)
    if to == ISSUED:
        issuance.issue(order, user)
    audit.record(f"school_order.{to}", order, user, order.organisation_id,
                 before=before, after=to)
    db.session.commit()
    return Move(order, changed=True)


def _ensure_next(order: SchoolOrder, to: str) -> None:
    if order.status == CANCELLED or next_status(order) != to:
        raise Refused(
            f"この注文は「{order.status_label}」のため、「{STATUS_LABELS[to]}」にはできません。",
            "注文の状態は 受付 → アカウント発行 → カード発送 → 請求 の順に進めてください。",
            title="この順番では進められません",
        )


def cancel(order_id: int, user: StaffUser, reason: str) -> Move:
    """Cancel an order that has no accounts yet, with a reason kept on the order."""
    order = find(user, order_id)  # first: another region's order is a 404, whatever else
    reason = (reason or "").strip()
    if not reason:
        raise Refused("取消の理由を入力してください。", title="理由を入力してください")
    lock_row(SchoolOrder, order.id)
    db.session.refresh(order)
    if order.status == CANCELLED:
        db.session.rollback()
        return Move(order, changed=False)
    if order.status not in (NEW, ACCEPTED):
        raise Refused(
            "アカウントを発行した注文は取り消せません。",
            "契約の解除は事務局にご相談ください。",
            title="取り消せません",
        )
    before = order.status
    order.status = CANCELLED
    order.cancel_reason = reason[:1000]
    order.status_changed_at = clock.now()
    audit.record("school_order.cancelled", order, user, None, before=before,
                 after=CANCELLED, reason=order.cancel_reason)
    db.session.commit()
    return Move(order, changed=True)
