"""Sending the outbox.

Rows are claimed atomically (a lease, so that a dead worker's rows come back), sent over
one SMTP connection per run, and marked sent one by one right after the server accepted
each. A row is never claimed by two live workers, so it is never sent twice; the one
exception is the message in flight when a worker is killed after the server's "250" and
before our commit (RFC 1047): it is sent again with the same Message-ID.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import socket
import uuid
from datetime import timedelta
from email.utils import parseaddr
from time import monotonic

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from portal import addresses, clock, jobs, mime
from portal.extensions import db, mail
from portal.models import OutboundEmail
from portal.models.outbox import FAILED, QUEUED, SENDING, SENT
from portal.outbox import SEND_JOB

log = logging.getLogger(__name__)



def send_outbox() -> dict[str, int]:
    """Send every due email; safe to run in several workers at once and to run again."""
    reclaim_expired()
    totals = {"sent": 0, "failed": 0, "deferred": 0}
    worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    size = current_app.config["OUTBOX_BATCH_SIZE"]
    connection = None
    try:
        while ids := claim_due(size, worker):
            if current_app.config.get("MAIL_SERVER") is None:
                totals["sent"] += mark_sent(ids, worker)  # the dev mailbox shows them
                continue
            connection = connection or _connect(ids, worker, totals)
            if connection is None or not deliver(connection, ids, worker, totals):
                connection = None
                break
    finally:
        if connection is not None:
            _quit(connection)
    schedule_retry()
    return totals


def claim_due(limit: int, worker: str) -> list[int]:
    """Lease up to ``limit`` due rows to ``worker``; the ids it now owns."""
    now = clock.now()
    due = (
        select(OutboundEmail.id)
        .where(OutboundEmail.status == QUEUED, OutboundEmail.next_attempt_at <= now)
        .order_by(OutboundEmail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = db.session.scalars(due).all()
    if not ids:
        db.session.rollback()
        return []
    lease = now + timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    claimed = db.session.scalars(
        update(OutboundEmail)
        .where(OutboundEmail.id.in_(ids), OutboundEmail.status == QUEUED)
        .values(
            status=SENDING,
            lease_until=lease,
            claimed_by=worker,
            attempts=OutboundEmail.attempts + 1,
        )
        .returning(OutboundEmail.id)
    ).all()
    db.session.commit()
    return sorted(claimed)


def reclaim_expired() -> int:
    """Give the rows of workers that died mid-batch back to the queue, or fail them once
    their attempts are used up: no row stays ``sending`` past its last attempt, even one
    whose every attempt killed its worker."""
    expired = (OutboundEmail.status == SENDING, OutboundEmail.lease_until < clock.now())
    last = len(current_app.config["OUTBOX_RETRY_DELAYS"]) + 1
    db.session.execute(
        update(OutboundEmail)
        .where(*expired, OutboundEmail.attempts >= last)
        .values(status=FAILED, lease_until=None, claimed_by=None,
                last_error="送信中に処理が止まったまま試行回数の上限に達しました(作業プロセスの停止)。")
    )
    result = db.session.execute(
        update(OutboundEmail)
        .where(*expired)
        .values(status=QUEUED, lease_until=None, claimed_by=None)
    )
    db.session.commit()
    if result.rowcount:
        log.warning("reclaimed %d emails from expired leases", result.rowcount)
    return result.rowcount


def mark_sent(ids: list[int], worker: str) -> int:
    """Record that the server accepted these rows (only if we still own them).

    Runs once per message, so it goes straight to the connection: no ORM machinery.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # A worker dying does not lose an asynchronous commit (the server has it); only a
        # database crash could, and then a message is sent twice, never lost. In exchange
        # the mark costs no disk flush: the window in which a killed worker leaves an
        # accepted message unmarked shrinks to a round trip.
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
    result = connection.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.id.in_(ids),
            OutboundEmail.claimed_by == worker,
            OutboundEmail.status == SENDING,
        )
        .values(status=SENT, sent_at=clock.now(), lease_until=None, last_error=None)
    )
    db.session.commit()
    return result.rowcount


def deliver(connection, ids: list[int], worker: str, totals: dict[str, int]) -> bool:
    """Send the claimed rows over ``connection``; False if the connection broke.

    Every row fails alone: a row that cannot be addressed or built, or that the server
    refuses for good, is marked failed with its reason and the others go on.
    """
    rows = db.session.scalars(
        select(OutboundEmail)
        .where(OutboundEmail.id.in_(ids))
        .options(selectinload(OutboundEmail.attachments))
        .order_by(OutboundEmail.id)
    ).all()
    messages, broken = [], []
    for row in rows:
        try:
            recipient = addresses.for_smtp(row.recipient)
            messages.append((row.id, recipient, build_message(row, recipient)))
        except Exception as exc:  # any fault of this one row: it must not stop the batch
            broken.append((row.id, reason(exc)))
    # Hold no ORM objects while sending: each per-message commit would expire them all.
    db.session.rollback()
    db.session.expunge_all()
    for row_id, why in broken:
        log.error("email %d cannot be sent: %s", row_id, why)
        give_up([row_id], worker, why)
        totals["failed"] += 1
    envelope_from = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]
    lease = Lease(worker)
    for position, (row_id, recipient, message) in enumerate(messages):
        lease.keep()
        try:
            connection.sendmail(envelope_from, [recipient], message)
        except smtplib.SMTPServerDisconnected as exc:
            totals["deferred"] += defer([m[0] for m in messages[position:]], worker, exc)
            return False
        except smtplib.SMTPException as exc:  # this message only; the connection is fine
            if is_permanent(exc):
                give_up([row_id], worker, reason(exc))
                totals["failed"] += 1
            else:
                totals["deferred"] += defer([row_id], worker, exc)
            continue
        except OSError as exc:  # the connection itself broke
            totals["deferred"] += defer([m[0] for m in messages[position:]], worker, exc)
            return False
        except Exception as exc:  # a fault of this message in smtplib: fail it, go on
            give_up([row_id], worker, reason(exc))
            totals["failed"] += 1
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.rset()  # the transaction may be half open
            continue
        totals["sent"] += mark_sent([row_id], worker)
    return True


def reason(exc: BaseException) -> str:
    """Why a row failed for good, in the words the operators' resend page shows."""
    if isinstance(exc, addresses.AddressProblem):
        return f"宛先の問題: {exc}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = "; ".join(f"{code} {_text(msg)}" for code, msg in exc.recipients.values())
        return f"受信サーバが宛先を拒否しました: {replies}"[:1000]
    if isinstance(exc, smtplib.SMTPResponseException):
        what = "メールが大きすぎるため" if exc.smtp_code == 552 else ""
        return f"{what}受信サーバが拒否しました: {exc.smtp_code} {_text(exc.smtp_error)}"[:1000]
    return f"メールを組み立てられませんでした: {type(exc).__name__}: {exc}"[:1000]


def _text(message: bytes | str) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


class Lease:
    """Keeps a worker's claim alive while it sends: a slow SMTP server must not let the
    lease run out, or a sweep would hand rows still being sent to another worker."""

    def __init__(self, worker: str):
        self.worker = worker
        self.seconds = current_app.config["OUTBOX_LEASE_SECONDS"]
        self.renewed = monotonic()

    def keep(self) -> None:
        """Extend the lease of the worker's unsent rows once half of it has passed."""
        if monotonic() - self.renewed < self.seconds / 2:
            return
        db.session.connection().execute(
            update(OutboundEmail)
            .where(OutboundEmail.claimed_by == self.worker, OutboundEmail.status == SENDING)
            .values(lease_until=clock.now() + timedelta(seconds=self.seconds))
        )
        db.session.commit()
        self.renewed = monotonic()


def is_permanent(exc: smtplib.SMTPException) -> bool:
    """A 5xx reply: the server will never take this message (e.g. unknown address)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return getattr(exc, "smtp_code", 0) >= 500


def build_message(row: OutboundEmail, recipient: str | None = None) -> bytes:
    """The MIME bytes of an outbox row (to ``recipient``, its address in SMTP form)."""
    return mime.build(
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        to=recipient or row.recipient,
        subject=row.subject,
        message_id=row.message_id,
        text=row.body_text,
        html=row.body_html,
        attachments=[(a.filename, a.content_type, a.data) for a in row.attachments],
    )


def defer(ids: list[int], worker: str, exc: BaseException) -> int:
    """Put rows back with back-off after a temporary failure, or fail them for good once
    the retry delays are used up."""
    delays = current_app.config["OUTBOX_RETRY_DELAYS"]
    now = clock.now()
    rows = db.session.scalars(
        select(OutboundEmail).where(
            OutboundEmail.id.in_(ids), OutboundEmail.claimed_by == worker
        )
    ).all()
    for row in rows:
        row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        row.lease_until = None
        row.claimed_by = None
        if row.attempts > len(delays):
            row.status = FAILED
        else:
            row.status = QUEUED
            row.next_attempt_at = now + timedelta(seconds=delays[row.attempts - 1])
    db.session.commit()
    log.warning("deferred %d emails: %s", len(rows), exc)
    return len(rows)


def schedule_retry() -> None:
    """Run again when the soonest deferred email is due or the soonest lease ends, if any
    (RQ's scheduler; in embedded mode the next `flask tick` or send picks them up).

    Called after every run: whatever is still queued now is due later, and a lease held
    by another worker may belong to a dead one, whose rows come back when it ends.
    """
    due = db.session.scalar(
        select(func.min(OutboundEmail.next_attempt_at)).where(OutboundEmail.status == QUEUED))
    lease = db.session.scalar(
        select(func.min(OutboundEmail.lease_until)).where(OutboundEmail.status == SENDING))
    db.session.rollback()
    soonest = min((t for t in (due, lease) if t is not None), default=None)
    if soonest is not None:
        delay = max(1, int((soonest - clock.now()).total_seconds()) + 1)
        jobs.enqueue_now(SEND_JOB, queue="emails", delay=delay)


def give_up(ids: list[int], worker: str, why: str) -> None:
    """Mark rows failed for good (refused address, unbuildable message), with why."""
    db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id.in_(ids), OutboundEmail.claimed_by == worker)
        .values(status=FAILED, lease_until=None, claimed_by=None, last_error=why[:1000])
    )
    db.session.commit()


def _connect(ids: list[int], worker: str, totals: dict[str, int]):
    """An SMTP connection through Flask-Mail, or None (rows deferred) if it fails."""
    try:
        return mail.connect().configure_host()
    except (smtplib.SMTPException, OSError) as exc:
        totals["deferred"] += defer(ids, worker, exc)
        return None


def _quit(host) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        host.quit()
