"""The outbox: rows first, sent by a job over a real SMTP server, never twice."""

import smtplib
from datetime import timedelta

import pytest
from conftest import ROOT
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import OutboundEmail
from portal.outbox import queue_email
from workers.emails import claim_due, send_outbox

TEMPLATE = "test_notice_to_coordinator"


@pytest.fixture
def mail_app(make_app, smtp_server):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(ROOT / "tests/templates")])
    with app.app_context():
        yield app


def queue(key="k1", to="tanaka@example.jp", name="田中"):
    created = queue_email(TEMPLATE, to, key, name=name)
    db.session.commit()
    return created


def rows():
    db.session.expire_all()
    return db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all()


def test_japanese_email_arrives_intact(mail_app, smtp_server):
    queue()
    assert send_outbox()["sent"] == 1
    [message] = smtp_server.messages
    assert message["Subject"] == "【e-Library】テスト通知:田中 様"
    assert message["To"] == "tanaka@example.jp"
    text = message.get_body(("plain",)).get_content()
    assert "継続契約のお手続きをお願いいたします。" in text
    assert "長い行" * 400 in text  # a 3,600-byte line survives, base64-wrapped on the wire
    assert "テスト用の通知" in message.get_body(("html",)).get_content()
    raw = smtp_server.raw[0][1]
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert message["Message-ID"] == rows()[0].message_id


def test_same_key_is_queued_once(mail_app, smtp_server):
    assert queue("same") is True
    assert queue("same") is False
    send_outbox()
    send_outbox()
    assert len(smtp_server.messages) == 1
    assert [r.status for r in rows()] == ["sent"]


def test_rolled_back_change_sends_nothing(mail_app, smtp_server):
    queue_email(TEMPLATE, "a@example.jp", "rolled-back", name="A")
    db.session.rollback()
    send_outbox()
    assert smtp_server.messages == []
    assert rows() == []


def test_smtp_down_then_up_delivers_once(mail_app, smtp_server):
    smtp_server.refuse = True  # 451 on every recipient: a temporary failure
    queue("k1")
    queue("k2", to="b@example.jp")
    result = send_outbox()
    assert result["deferred"] == 2 and smtp_server.messages == []
    first, second = rows()
    assert first.status == "queued" and first.attempts == 1 and "451" in first.last_error
    assert first.next_attempt_at > clock.now()
    send_outbox()  # not due yet: nothing is tried
    assert rows()[0].attempts == 1

    smtp_server.refuse = False
    for row in rows():
        row.next_attempt_at = clock.now() - timedelta(seconds=1)
    db.session.commit()
    assert send_outbox()["sent"] == 2
    assert len(smtp_server.messages) == 2
    assert {r.status for r in rows()} == {"sent"}


def test_server_unreachable_is_retried_then_failed(make_app):
    from conftest import free_port

    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), OUTBOX_RETRY_DELAYS=[0, 0])
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(ROOT / "tests/templates")])
    with app.app_context():
        queue()
        for _ in range(3):
            send_outbox()
        [row] = rows()
        assert row.status == "failed" and row.attempts == 3
        assert "Connection" in row.last_error or "refused" in row.last_error.lower()


def test_refused_address_fails_without_blocking_others(mail_app, smtp_server):
    queue("bad", to="bounce@example.jp")
    queue("good", to="ok@example.jp")
    result = send_outbox()
    assert result == {"sent": 1, "failed": 1, "deferred": 0}
    bad, good = rows()
    assert bad.status == "failed" and "550" in bad.last_error
    assert good.status == "sent"


def test_a_claimed_row_is_not_claimed_again(mail_app):
    queue("k1")
    assert claim_due(10, "worker-1") != []
    assert claim_due(10, "worker-2") == []


def test_rows_of_a_dead_worker_come_back_after_the_lease(mail_app, smtp_server):
    queue("k1")
    [row_id] = claim_due(10, "dead-worker")
    send_outbox()  # the lease has not expired: the row stays with its (dead) owner
    assert smtp_server.messages == []
    row = db.session.get(OutboundEmail, row_id)
    row.lease_until = clock.now() - timedelta(seconds=1)
    db.session.commit()
    assert send_outbox()["sent"] == 1
    assert len(smtp_server.messages) == 1
    assert rows()[0].attempts == 2


def test_without_mail_server_emails_land_in_the_dev_mailbox(make_app):
    app = make_app()
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(ROOT / "tests/templates")])
    with app.app_context():
        queue()
        send_outbox()
        assert rows()[0].status == "sent"
    page = app.test_client().get("/dev/mailbox").get_data(as_text=True)
    assert "テスト通知" in page


def test_email_committed_in_a_request_is_sent_after_it(mail_app, smtp_server):
    """Embedded mode: the job runs in-process once the committing context ends."""
    from conftest import PortalClient

    @mail_app.get("/_test/notify")
    def notify():  # a stand-in for any route that changes data and queues an email
        queue_email(TEMPLATE, "c@example.jp", "from-request", name="C")
        db.session.commit()
        assert smtp_server.messages == []  # not during the request
        return "ok"

    PortalClient(mail_app).get("/_test/notify")
    assert len(smtp_server.messages) == 1


def test_a_slow_send_keeps_its_lease(make_app, smtp_server, monkeypatch):
    """A worker that sends slowly renews its lease, so no sweep takes its rows meanwhile."""
    import workers.emails as emails

    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, OUTBOX_LEASE_SECONDS=2)
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(ROOT / "tests/templates")])
    with app.app_context():
        queue("k1")
        queue("k2", to="b@example.jp")
        ticks = iter([0, 0, 5, 5, 5, 5])  # the second message comes after 5 s
        monkeypatch.setattr(emails, "monotonic", lambda: next(ticks, 5))
        leases = []
        real_sendmail = smtplib.SMTP.sendmail

        def record(self, *args):
            db.session.expire_all()
            leases.append(db.session.scalar(select(func.max(OutboundEmail.lease_until))))
            db.session.rollback()
            return real_sendmail(self, *args)

        monkeypatch.setattr(smtplib.SMTP, "sendmail", record)
        assert send_outbox()["sent"] == 2
        assert leases[1] > leases[0]  # renewed before the second message


# --- every row fails alone ------------------------------------------------------------


def poison_attachment(key: str) -> None:
    """A row whose MIME cannot be built: a non-ASCII content type, as a bug might store."""
    queue_email(TEMPLATE, "p@example.jp", key, name="P",
                attachments=[("a.csv", "text/csv; 名前", b"x")])
    db.session.commit()


def test_a_row_that_cannot_be_built_fails_alone(mail_app, smtp_server):
    queue("before")
    poison_attachment("poison")
    queue("after", to="after@example.jp")
    assert send_outbox() == {"sent": 2, "failed": 1, "deferred": 0}
    before, poison, after = rows()
    assert (before.status, after.status) == ("sent", "sent")
    assert poison.status == "failed" and "組み立てられませんでした" in poison.last_error
    assert poison.lease_until is None and poison.claimed_by is None


def test_an_unencodable_stored_address_fails_alone(mail_app, smtp_server):
    """An old row with a non-ASCII local part (forms refuse it now) fails with its reason."""
    queue("before")
    queue("poison", to="たなか@school.jp")
    queue("after", to="after@example.jp")
    assert send_outbox() == {"sent": 2, "failed": 1, "deferred": 0}
    poison = rows()[1]
    assert poison.status == "failed"
    assert "宛先の問題" in poison.last_error and "たなか@school.jp" in poison.last_error
    assert len(smtp_server.messages) == 2


def test_an_internationalised_domain_goes_out_in_idna(mail_app, smtp_server):
    queue("idn", to="tanaka@日本語.jp")
    assert send_outbox()["sent"] == 1
    [(envelope, _)] = smtp_server.raw
    assert envelope == ["tanaka@xn--wgv71a119e.jp"]
    assert smtp_server.messages[0]["To"] == "tanaka@xn--wgv71a119e.jp"


def test_a_message_too_large_fails_alone(mail_app, smtp_server):
    smtp_server.max_bytes = 50_000
    queue("before")
    queue_email(TEMPLATE, "big@example.jp", "big", name="B",
                attachments=[("big.bin", "application/octet-stream", b"\0" * 60_000)])
    db.session.commit()
    queue("after", to="after@example.jp")
    assert send_outbox() == {"sent": 2, "failed": 1, "deferred": 0}
    big = rows()[1]
    assert big.status == "failed" and "大きすぎる" in big.last_error and "552" in big.last_error


def test_a_row_whose_every_attempt_killed_its_worker_ends_failed(make_app, smtp_server):
    """A row that kills each worker that holds it is reclaimed until its attempts are used
    up, then failed with the reason: never ``sending`` for good, never retried forever."""
    from workers.emails import reclaim_expired

    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                   OUTBOX_RETRY_DELAYS=[0, 0])
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(ROOT / "tests/templates")])
    with app.app_context():
        queue("k1")
        for attempt in range(3):  # three workers die holding it
            reclaim_expired()
            assert claim_due(10, f"dead-{attempt}") != []
            row = rows()[0]
            row.lease_until = clock.now() - timedelta(seconds=1)
            db.session.commit()
        send_outbox()
        [row] = rows()
        assert row.status == "failed" and row.attempts == 3
        assert "試行回数の上限" in row.last_error
        assert smtp_server.messages == []


def test_the_operators_outbox_shows_a_failed_row_with_its_reason(mail_app, smtp_server):
    from conftest import PortalClient
    from factories import PASSWORD

    from portal import security
    from portal.models import StaffUser

    queue("poison", to="たなか@school.jp")
    send_outbox()
    db.session.add(StaffUser(login_id="ops-mail", name="事務局", email="ops@example.jp",
                             role="operator", password_hash=security.hash_password(PASSWORD)))
    db.session.commit()
    operator = PortalClient(mail_app)
    operator.login("ops-mail", PASSWORD)
    page = operator.get("/ops/outbox").get_data(as_text=True)
    assert "宛先の問題" in page and "たなか@school.jp" in page
    assert 'name="email_id"' in page  # offered for 再送 once the address is corrected
