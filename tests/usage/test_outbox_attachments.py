"""queue_email(attachments=...): files stored with a new outbox row only, sent over SMTP."""

import pytest
from conftest import ROOT
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import EmailAttachment
from portal.outbox import queue_email
from workers.emails import send_outbox

TEMPLATE = "test_notice_to_coordinator"
CSV = ("figures.csv", "text/csv", "ID,回数\r\nA-001,3\r\n".encode())


@pytest.fixture
def mail_app(make_app, smtp_server):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(ROOT / "tests/templates")])
    with app.app_context():
        yield app


def test_attachment_is_stored_once_and_sent(mail_app, smtp_server):
    assert queue_email(TEMPLATE, "a@example.jp", "with-file", attachments=[CSV], name="A")
    assert not queue_email(TEMPLATE, "a@example.jp", "with-file", attachments=[CSV], name="A")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(EmailAttachment)) == 1

    send_outbox()
    [message] = smtp_server.messages
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "figures.csv"
    assert part.get_content_type() == "text/csv"
    assert part.get_payload(decode=True) == CSV[2]


def test_without_attachments_nothing_is_attached(mail_app, smtp_server):
    queue_email(TEMPLATE, "b@example.jp", "plain", name="B")
    db.session.commit()
    send_outbox()
    assert list(smtp_server.messages[0].iter_attachments()) == []
