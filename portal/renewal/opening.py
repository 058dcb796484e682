"""開設メール: one opening email to each learner of the new contract who has an address
and has not had one, started by the coordinator, never before continuation is finished.

The POST records an EmailBatch; a job writes the emails into the outbox in chunks (each
with a one-time link to set the password) and the outbox sends them. Progress is read
from the outbox rows of the batch, so it survives restarts and shows in any tab.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, exists, func, literal, select

from portal import clock, jobs
from portal.dbutil import lock_row
from portal.extensions import db
from portal.models import (
    Contract,
    EmailBatch,
    Enrolment,
    Learner,
    OutboundEmail,
    Renewal,
    StaffUser,
)
from portal.outbox import batch_progress, resend
from portal.renewal import gates
from portal.web import Refused

KIND = "opening"
EXPAND_JOB = "workers.opening.expand_opening_batch"


def key(contract_id: int, learner_id: int) -> str:
    """The idempotency key: one opening email per learner and contract, ever."""
    return f"opening:{contract_id}:{learner_id}"


def waiting_learners(contract_id: int):
    """Learners of the contract with an address and no opening email yet (a query)."""
    already = exists().where(
        OutboundEmail.idempotency_key
        == literal(f"opening:{contract_id}:") + cast(Learner.id, String)
    )
    return (
        select(Learner)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(Enrolment.contract_id == contract_id, Learner.email.is_not(None),
               Learner.status == "active", ~already)
        .order_by(Learner.id)
    )


def count_waiting(contract_id: int) -> int:
    query = waiting_learners(contract_id).with_only_columns(func.count(Learner.id))
    return db.session.scalar(query.order_by(None))


def count_without_email(contract_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Learner)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(Enrolment.contract_id == contract_id, Learner.email.is_(None))
    )


@dataclass(frozen=True)
class Progress:
    """The three states of the send: waiting (to start), running, done."""

    batch: EmailBatch | None
    state: str
    total: int = 0
    sent: int = 0
    failed: int = 0
    pending: int = 0

    @property
    def percent(self) -> int:
        return int(100 * (self.sent + self.failed) / self.total) if self.total else 0


def latest_batch(contract_id: int) -> EmailBatch | None:
    return db.session.scalar(
        select(EmailBatch).where(EmailBatch.contract_id == contract_id, EmailBatch.kind == KIND)
        .order_by(EmailBatch.id.desc())
    )


def progress(contract_id: int) -> Progress:
    """Where the latest send stands, read from the database."""
    batch = latest_batch(contract_id)
    if batch is None:
        return Progress(None, "waiting")
    counts = batch_progress(batch)
    running = batch.expanded_at is None or counts["pending"] > 0
    return Progress(batch, "running" if running else "done", **counts)


def start(contract: Contract, user: StaffUser) -> tuple[EmailBatch, bool]:
    """Start sending; (the batch, True) if started now, (the running one, False) if a send
    is already under way. A second start while one runs is refused by returning it."""
    renewal = gates.opening_emails(contract, clock.today())
    lock_row(Renewal, renewal.id)
    current = progress(renewal.successor_id)
    if current.state == "running":
        db.session.rollback()
        return current.batch, False
    if count_waiting(renewal.successor_id) == 0:
        raise Refused("開設メールを送る相手がいません。メールアドレスのある受講者には、すべて送信済みです。",
                      "メールアドレスのない受講者には、アカウントカードを印刷して配布してください。",
                      title="送信する相手がいません")
    batch = EmailBatch(kind=KIND, organisation_id=renewal.organisation_id,
                       contract_id=renewal.successor_id, created_by_id=user.id)
    db.session.add(batch)
    db.session.flush()
    jobs.enqueue(EXPAND_JOB, batch.id, queue="emails")
    db.session.commit()
    return batch, True


def resend_failed(contract_id: int) -> int:
    """Queue again the emails of the latest send that gave up; how many."""
    batch = latest_batch(contract_id)
    if batch is None:
        return 0
    count = resend(db.session.scalars(select(OutboundEmail.id).where(
        OutboundEmail.batch_id == batch.id, OutboundEmail.status == "failed")).all())
    db.session.commit()
    return count
