"""Writing the opening emails of a batch into the outbox, in chunks.

Safe to run twice or to resume after a crash: a learner who already has an opening email
for the contract is skipped (the idempotency key), so nobody gets two.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from portal import clock, security
from portal.auth.services import revoke_links
from portal.dbutil import bulk_insert, plain_time
from portal.extensions import db
from portal.models import Contract, EmailBatch, OutboundEmail, PasswordToken
from portal.outbox import insert_rows, row_for
from portal.renewal.opening import key, waiting_learners

# A small first chunk gets the first emails to the SMTP server quickly; later chunks are
# larger, written while the first ones are being sent by another worker.
FIRST_CHUNK = 50
CHUNK = 500


def expand_opening_batch(batch_id: int) -> int:
    """Write the batch's emails; how many were written by this run."""
    batch = db.session.get(EmailBatch, batch_id)
    if batch is None or batch.expanded_at is not None:
        return 0
    contract = db.session.get(Contract, batch.contract_id)
    written, size = 0, FIRST_CHUNK
    while learners := db.session.scalars(waiting_learners(contract.id).limit(size)).all():
        tokens, rows = [], []
        for learner in learners:
            token, row = _email(batch, contract, learner)
            tokens.append(token)
            rows.append(row)
        # Only the link of this email works: any earlier one of these learners is revoked.
        revoke_links(PasswordToken.learner_id.in_([learner.id for learner in learners]))
        bulk_insert(PasswordToken.__table__, TOKEN_COLUMNS, tokens)
        written += insert_rows(rows)
        db.session.commit()  # the chunk's links and emails together; sending starts now
        for learner in learners:  # done with them: later commits need not expire them
            db.session.expunge(learner)
        size = CHUNK
    batch.total = db.session.scalar(
        select(func.count()).select_from(OutboundEmail).where(OutboundEmail.batch_id == batch.id)
    )
    batch.expanded_at = clock.now()
    db.session.commit()
    return written


TOKEN_COLUMNS = ["token_hash", "learner_id", "created_at", "expires_at"]


def _email(batch: EmailBatch, contract: Contract, learner) -> tuple[tuple, dict]:
    """The password link's row and the email's row for one learner."""
    token = security.new_token()
    days = current_app.config["OPENING_LINK_DAYS"]
    now = clock.now()
    link_row = (security.token_hash(token), learner.id, plain_time(now),
                plain_time(now + timedelta(days=days)))
    base = current_app.config["PORTAL_BASE_URL"]
    return link_row, row_for(
        "opening_to_learner", learner.email, key(contract.id, learner.id),
        organisation_id=contract.organisation_id, batch_id=batch.id,
        learner=learner, contract=contract, organisation=contract.organisation,
        login_url=f"{base}/learn/login", link=f"{base}/password/{token}", days=days,
    )

