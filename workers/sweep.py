"""The sweep: pick up whatever a dead worker or a lost Redis left behind.

Run when a worker starts and by the daily tick. Safe to run at any time, in any number
of workers: expansions skip learners who already have their email (idempotency keys), and
the outbox claims rows atomically.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import EmailBatch
from workers.emails import send_outbox
from workers.opening import expand_opening_batch


def sweep() -> dict[str, int]:
    """Finish unfinished batches, then send what is due."""
    unfinished = db.session.scalars(
        select(EmailBatch.id).where(EmailBatch.expanded_at.is_(None)).order_by(EmailBatch.id)
    ).all()
    db.session.rollback()
    for batch_id in unfinished:
        expand_opening_batch(batch_id)
    return {"batches": len(unfinished), **send_outbox()}
