"""One-time password links: only the latest works, none after the password is set, and
the token leaves the URL on first use (no Referer, no cache, redacted in access logs)."""

from __future__ import annotations

import re

from conftest import PortalClient
from sqlalchemy import select

from portal.auth.services import issue_password_link
from portal.extensions import db
from portal.models import StaffUser

NEW = {"password": "a-long-password-1", "confirm": "a-long-password-1"}


def user(make) -> StaffUser:
    return make.operator("ops-link")


def test_a_newer_link_revokes_the_earlier_one(app, make):
    staff = user(make)
    first = issue_password_link(staff)
    second = issue_password_link(staff)
    db.session.commit()
    client = PortalClient(app)
    assert client.get(f"/password/{first}").status_code == 410
    assert client.get(f"/password/{second}").status_code == 303
    assert client.post("/password", NEW).status_code == 302
    assert client.login("ops-link", NEW["password"]).status_code == 302


def test_setting_a_password_revokes_every_open_link(app, make):
    staff = user(make)
    used, other = issue_password_link(staff), None
    db.session.commit()
    # Two links open at once (one issued before this rule, say): setting from one ends both.
    from datetime import timedelta

    from portal import clock, security
    from portal.models import PasswordToken

    other = security.new_token()
    db.session.add(PasswordToken(token_hash=security.token_hash(other), staff_user_id=staff.id,
                                 expires_at=clock.now() + timedelta(hours=1)))
    db.session.commit()
    client = PortalClient(app)
    client.get(f"/password/{used}")
    assert client.post("/password", NEW).status_code == 302
    assert PortalClient(app).get(f"/password/{other}").status_code == 410
    assert PortalClient(app).get(f"/password/{used}").status_code == 410


def test_the_token_leaves_the_url_on_first_use(app, make):
    staff = user(make)
    token = issue_password_link(staff)
    db.session.commit()
    client = PortalClient(app)
    opened = client.get(f"/password/{token}")
    assert opened.status_code == 303 and opened.headers["Location"] == "/password"
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    form = client.get("/password")
    assert form.status_code == 200 and token not in form.get_data(as_text=True)
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert form.headers["Cache-Control"] == "no-store"
    assert 'action="/password/' not in form.get_data(as_text=True)


def test_without_a_link_in_the_session_the_form_is_refused(app):
    response = PortalClient(app).get("/password")
    assert response.status_code == 410 and "このリンクは使えません" in response.get_data(as_text=True)


def test_a_learner_opening_email_revokes_an_earlier_link(app, make):
    """The opening batch: the learner's older link (e.g. from a lost earlier email) stops
    working once the new email's link exists, and the new one works."""
    from datetime import timedelta

    from portal import clock, security
    from portal.models import EmailBatch, OutboundEmail, PasswordToken
    from workers.opening import expand_opening_batch

    organisation = make.organisation(code="C0100")
    contract = make.contract(organisation)
    learner = make.learner(contract, login_id="C0100-001", email="l@example.jp")
    old = security.new_token()
    db.session.add(PasswordToken(token_hash=security.token_hash(old), learner_id=learner.id,
                                 expires_at=clock.now() + timedelta(days=3)))
    batch = EmailBatch(kind="opening", contract_id=contract.id,
                       organisation_id=organisation.id)
    db.session.add(batch)
    db.session.commit()
    assert expand_opening_batch(batch.id) == 1
    body = db.session.scalar(select(OutboundEmail.body_text))
    new = re.search(r"/password/(\S+)", body)[1]
    assert PortalClient(app).get(f"/password/{old}").status_code == 410
    assert PortalClient(app).get(f"/password/{new}").status_code == 303


def test_the_access_log_redacts_the_token():
    from portal.secret_urls import redact

    line = '127.0.0.1 - - "GET /password/AbC-123_xyzXYZ0987654321 HTTP/1.1" 303'
    assert "AbC-123" not in redact(line) and "/password/…" in redact(line)
    assert re.search("/password HTTP", redact('"GET /password HTTP/1.1"'))


def test_no_token_in_gunicorns_access_log_after_a_set_password_visit(app, make, gunicorn,
                                                                     tmp_path):
    """gunicorn as docs/DEPLOY.md runs it (gunicorn.conf.py is read from the checkout)."""
    import contextlib
    import time
    import urllib.error
    import urllib.request

    from services import access_log

    staff = user(make)
    token = issue_password_link(staff)
    db.session.commit()
    base = gunicorn()
    # On to /password; an answer there without the cookie is logged all the same.
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(f"{base}/password/{token}").close()
    text = ""
    for _ in range(50):
        text = access_log(tmp_path, base)
        if "GET /password HTTP" in text:
            break
        time.sleep(0.1)
    assert "GET /password/… HTTP" in text and "GET /password HTTP" in text
    assert token not in text
