"""Fixtures of the fault drills: a contract whose learners wait for their opening emails,
and what the drills read back. The private Redis, the worker processes and `wait_for` are
in tests/services.py."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import func, select

from portal import accounts, clock
from portal.extensions import db
from portal.models import EmailBatch, OutboundEmail, Renewal


def _outbox_state() -> dict:
    db.session.expire_all()
    state = dict(db.session.execute(
        select(OutboundEmail.status, func.count()).group_by(OutboundEmail.status)).all())
    state["batches"] = [(b.id, b.expanded_at, b.total) for b in db.session.scalars(
        select(EmailBatch))]
    db.session.rollback()
    return state


@pytest.fixture(autouse=True)
def outbox_on_failure(request):
    """A failed drill prints the outbox as it was left."""
    yield
    if getattr(request.node, "rep_call", None) and request.node.rep_call.failed:
        print("--- outbox", _outbox_state())


@pytest.fixture
def waiting_learners(app, approved):
    """The approved renewal of renewal_helpers with continuation finished and ``n`` more
    learners with an address in the new contract."""

    def make(n: int) -> dict:
        renewal = db.session.get(Renewal, approved["renewal_id"])
        renewal.successor.seats = n + 20
        people = [accounts.NewLearner(email=f"drill{i}@example.jp") for i in range(n)]
        accounts.issue(renewal.organisation_id, renewal.successor_id, people, "new")
        renewal.continuation_finished_at = clock.now()
        db.session.commit()
        return {**approved, "addresses": {p.email for p in people}}

    return make


def sent_rows() -> int:
    db.session.expire_all()
    count = db.session.scalar(select(func.count()).select_from(OutboundEmail).where(
        OutboundEmail.kind == "opening_to_learner", OutboundEmail.status == "sent"))
    db.session.rollback()
    return count


def deliveries(inbox) -> dict[str, set[str]]:
    """Recipient → the distinct Message-IDs the SMTP server accepted for them."""
    seen: dict[str, set[str]] = defaultdict(set)
    for message in inbox.messages:
        if "受講開始" in message["Subject"]:
            seen[message["To"]].add(message["Message-ID"])
    return seen
