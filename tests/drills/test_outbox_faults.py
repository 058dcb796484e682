"""Fault drills of the outbox: a worker killed mid-batch, SMTP down for a while, Redis
restarted during a batch. Each ends with every learner holding exactly one opening email.

A worker killed with SIGKILL may leave the message in flight accepted by the server but
not yet marked sent; it is sent again with the same Message-ID (RFC 1047, docs/
ARCHITECTURE.md). So the drills count distinct Message-IDs per learner, which must be
exactly one, and allow at most one extra raw copy per kill.
"""

import pytest
from conftest import PortalClient
from factories import PASSWORD
from services import kill_group, wait_for

from .conftest import deliveries, sent_rows

FAST = {"OUTBOX_LEASE_SECONDS": 3, "OUTBOX_RETRY_DELAYS": "1,1,1,2,2,3,3,5,5,5"}


@pytest.fixture
def rq_app(make_app, private_redis, smtp_server):
    app = make_app(REDIS_URL=private_redis.url, MAIL_SERVER="127.0.0.1",
                   MAIL_PORT=smtp_server.port, OUTBOX_LEASE_SECONDS=3)
    with app.app_context():
        yield app


def start_sending(app, world) -> None:
    client = PortalClient(app)
    client.login("coord-x", PASSWORD)
    response = client.post(f"/renewals/{world['contract_id']}/opening-emails")
    assert response.status_code == 302


def assert_each_learner_once(world, smtp_server, extra_allowed: int) -> None:
    received = deliveries(smtp_server)
    addresses = world["addresses"]
    assert set(received) == addresses  # nobody missing, nobody unexpected
    assert all(len(ids) == 1 for ids in received.values())  # one email each
    raw = sum(1 for m in smtp_server.messages if "受講開始" in m["Subject"])
    assert len(addresses) <= raw <= len(addresses) + extra_allowed


def test_worker_killed_mid_batch(rq_app, private_redis, smtp_server, workers,
                                 waiting_learners):
    world = waiting_learners(1000)
    first = workers(private_redis.url, smtp_server.port, **FAST)
    start_sending(rq_app, world)
    wait_for(lambda: len(smtp_server.raw) >= 300, "300 emails")
    kill_group(first)  # the worker and its work horse, mid-batch
    assert len(smtp_server.raw) < 1000  # killed mid-batch, not after it
    workers(private_redis.url, smtp_server.port, **FAST)
    wait_for(lambda: sent_rows() == 1000, "every email marked sent", timeout=120)
    assert_each_learner_once(world, smtp_server, extra_allowed=1)


def test_smtp_down_for_a_while(rq_app, private_redis, smtp_server, workers, waiting_learners):
    world = waiting_learners(200)
    smtp_server.stop()  # nothing listens on the port
    workers(private_redis.url, smtp_server.port, **FAST)
    start_sending(rq_app, world)
    wait_for(lambda: _deferred(), "the first failed attempts")
    smtp_server.restart()
    wait_for(lambda: sent_rows() == 200, "every email sent after the outage", timeout=120)
    assert_each_learner_once(world, smtp_server, extra_allowed=0)


def test_redis_restarted_during_a_batch(rq_app, private_redis, smtp_server, workers,
                                        waiting_learners):
    world = waiting_learners(1000)
    workers(private_redis.url, smtp_server.port, **FAST)
    start_sending(rq_app, world)
    wait_for(lambda: len(smtp_server.raw) >= 200, "200 emails")
    private_redis.kill()  # it keeps nothing: every queued job is gone
    private_redis.start()
    wait_for(lambda: sent_rows() == 1000, "every email sent after the restart", timeout=120)
    assert_each_learner_once(world, smtp_server, extra_allowed=0)


def _deferred() -> bool:
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import OutboundEmail

    db.session.expire_all()
    count = db.session.scalar(select(func.count()).select_from(OutboundEmail).where(
        OutboundEmail.last_error.is_not(None)))
    db.session.rollback()
    return count > 0


def test_send_started_twice_while_running(rq_app, private_redis, smtp_server, workers,
                                          waiting_learners):
    world = waiting_learners(300)
    client = PortalClient(rq_app)
    client.login("coord-x", PASSWORD)
    url = f"/renewals/{world['contract_id']}/opening-emails"
    assert client.post(url).status_code == 302  # no worker yet: the batch waits
    second = client.post(url, follow_redirects=True)  # a second click, a second tab
    assert "送信中です" in second.get_data(as_text=True)
    workers(private_redis.url, smtp_server.port, **FAST)
    wait_for(lambda: sent_rows() == 300, "every email sent")
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import EmailBatch

    assert db.session.scalar(select(func.count()).select_from(EmailBatch)) == 1
    assert_each_learner_once(world, smtp_server, extra_allowed=0)


# --- one poisoned row in a batch of 1,000 --------------------------------------------

POISONS = {
    # kind: (recipient, attachment or None, what the reason says)
    "unencodable address": ("たなか@school.jp", None, "宛先の問題"),
    "refused recipient": ("bounce@example.jp", None, "550"),
    "unbuildable message": ("p@example.jp", ("a.csv", "text/csv; 名前", b"x"), "組み立て"),
    "message too large": ("big@example.jp", ("big.bin", "application/octet-stream",
                                             b"\0" * 60_000), "552"),
}


@pytest.mark.parametrize("poison", list(POISONS))
def test_one_poisoned_row_in_a_batch_of_1000(rq_app, private_redis, smtp_server, workers,
                                             poison):
    """Real workers and SMTP: the poisoned row in the middle of the batch ends ``failed``
    with its reason after one attempt; every other row is delivered exactly once."""
    from sqlalchemy import func, insert, select

    from portal import clock
    from portal.extensions import db
    from portal.models import EmailAttachment, OutboundEmail
    from portal.outbox import message_id

    smtp_server.max_bytes = 50_000
    recipient, attachment, reason = POISONS[poison]
    template = {"kind": "drill", "subject": "【e-Library】訓練", "body_text": "本文\n",
                "body_html": "<p>本文</p>", "status": "queued", "attempts": 0,
                "next_attempt_at": clock.now(), "created_at": clock.now()}
    rows = []
    for i in range(1000):
        to = recipient if i == 500 else f"drill{i}@example.jp"
        rows.append({**template, "recipient": to, "idempotency_key": f"drill:{i}",
                     "message_id": message_id(f"drill:{i}")})
    ids = db.session.scalars(insert(OutboundEmail).returning(OutboundEmail.id), rows).all()
    poisoned = sorted(ids)[500]
    if attachment:
        name, kind, data = attachment
        db.session.execute(insert(EmailAttachment), [
            {"email_id": poisoned, "filename": name, "content_type": kind, "data": data}])
    db.session.commit()
    workers(private_redis.url, smtp_server.port, **FAST)
    from portal import jobs
    from portal.outbox import SEND_JOB

    jobs.enqueue_now(SEND_JOB, queue="emails")

    def settled() -> bool:
        db.session.expire_all()
        left = db.session.scalar(select(func.count()).select_from(OutboundEmail).where(
            OutboundEmail.status.in_(["queued", "sending"])))
        db.session.rollback()
        return left == 0

    wait_for(settled, "every row sent or failed", timeout=120)
    db.session.expire_all()
    states = dict(db.session.execute(select(OutboundEmail.status, func.count())
                                      .group_by(OutboundEmail.status)).all())
    assert states == {"sent": 999, "failed": 1}
    row = db.session.get(OutboundEmail, poisoned)
    assert row.status == "failed" and reason in row.last_error and row.attempts == 1
    received = [to for tos, _ in smtp_server.raw for to in tos]
    assert len(received) == len(set(received)) == 999  # each other row once
    assert recipient not in received
