"""A public application reaches a distributor only after its sender confirmed the
address: the receipt's link shows the order and a button; a GET confirms nothing; an
unconfirmed order is invisible to distributors and the secretariat and is deleted after
its link expires; receipts link only the portal's own URLs."""

from __future__ import annotations

import re
from datetime import date

from conftest import PortalClient
from factories import PASSWORD
from sqlalchemy import func, select

from portal.daily import run_daily
from portal.extensions import db
from portal.models import OutboundEmail, SchoolOrder

from .conftest import TODAY, application, confirm_by_email


def signed_in(app, login_id) -> PortalClient:
    client = PortalClient(app)
    client.login(login_id, PASSWORD)
    return client


def link_of_receipt() -> str:
    db.session.expire_all()
    body = db.session.scalar(select(OutboundEmail.body_text).where(
        OutboundEmail.kind == "school_order_received_to_applicant"))
    return re.search(r"http://portal\.test(/apply/confirm/\S+)", body)[1]


def order_mails() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(OutboundEmail).where(
        OutboundEmail.kind == "school_order_to_distributor"))


def test_an_unconfirmed_order_is_seen_by_nobody_but_its_sender(app, client, world):
    client.post("/apply", application())
    done = client.get("/apply/done").get_data(as_text=True)
    assert "まだ確定していません" in done and "2026年6月13日" in done  # 3 days to confirm
    oid = db.session.scalar(select(SchoolOrder.id))
    for login in ("dist-k", "ops-s"):
        staff = signed_in(app, login)
        assert "テスト市立みどり中学校" not in staff.get("/orders/").get_data(as_text=True)
        assert staff.get(f"/orders/{oid}").status_code == 404
    assert order_mails() == 0


def test_opening_the_link_confirms_nothing_until_the_button(app, client, world):
    client.post("/apply", application())
    scanner = PortalClient(app)  # a mail scanner opens every link, and follows redirects
    assert scanner.get(link_of_receipt(), follow_redirects=True).status_code == 200
    assert order_mails() == 0
    page = client.get(link_of_receipt(), follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "お申込みを確定する" in html and "テスト市立みどり中学校" in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert client.post("/apply/confirm").status_code == 302
    assert "お申込みを確定しました" in client.get("/apply/confirmed").get_data(as_text=True)
    assert order_mails() == 1
    assert "テスト市立みどり中学校" in signed_in(app, "dist-k").get("/orders/").get_data(
        as_text=True)


def test_confirming_twice_sends_the_order_once(app, client, world):
    """A double click or a second tab lands on 「確定しました」 too, and sends nothing again;
    the link opened later says it is confirmed."""
    client.post("/apply", application())
    other_tab = PortalClient(app)
    link = link_of_receipt()
    client.get(link)
    other_tab.get(link)
    assert client.post("/apply/confirm").headers["Location"] == "/apply/confirmed"
    assert other_tab.post("/apply/confirm").headers["Location"] == "/apply/confirmed"
    assert "お申込みを確定しました" in other_tab.get("/apply/confirmed").get_data(as_text=True)
    later = PortalClient(app)
    later.get(link)
    assert later.get("/apply/confirm").headers["Location"] == "/apply/confirmed"
    assert order_mails() == 1


def test_an_expired_link_confirms_nothing_and_the_tick_deletes_the_order(make_app, world):
    app = make_app(PORTAL_NOW=f"{TODAY}T10:00:00")
    client = PortalClient(app)
    client.post("/apply", application())
    client.post("/apply", application(submission_key="kept",
                                      contact_email="kept@midori.example.jp"))
    kept = db.session.scalar(select(SchoolOrder).where(SchoolOrder.submission_key == "kept"))
    confirm_by_email(client)  # the newest receipt: the second order is confirmed
    db.session.expire_all()
    assert db.session.get(SchoolOrder, kept.id).confirmed_at is not None
    app.config["PORTAL_NOW"] = "2026-06-13T10:00:01"  # three days and a second later
    first = db.session.scalar(select(OutboundEmail.body_text).where(
        OutboundEmail.kind == "school_order_received_to_applicant").order_by(OutboundEmail.id))
    late = re.search(r"http://portal\.test(/apply/confirm/\S+)", first)[1]
    client.get(late)
    assert client.get("/apply/confirm").status_code == 410
    assert client.post("/apply/confirm").status_code == 410
    with app.app_context():
        done = run_daily(date(2026, 6, 13))
    assert done["purge_unconfirmed_public_forms"] == 1
    db.session.expire_all()
    assert [o.submission_key for o in db.session.scalars(select(SchoolOrder))] == ["kept"]


def test_the_receipt_links_only_the_portal(make_app, world, smtp_server):
    """Text a stranger typed is shown, never as a link, in either part."""
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, PORTAL_TODAY=TODAY)
    client = PortalClient(app)
    client.post("/apply", application(
        school_name="当選しました http://evil.example.com/win 中学校",
        contact_name="www.evil.example.com", message="詳しくは evil.example.net/x へ"))
    from workers.emails import send_outbox

    send_outbox()
    [receipt] = smtp_server.to("tosho@midori.example.jp")
    html = receipt.get_body(("html",)).get_content()
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(url.startswith("http://portal.test/") for url in links)
    text = receipt.get_body(("plain",)).get_content()
    assert "evil.example" not in text and "http://evil" not in text
    assert "evil．example．com" in text  # shown, readable, not clickable


def test_a_forged_or_huge_token_is_refused_without_a_huge_cookie(client, world):
    import secrets

    opened = client.get("/apply/confirm/" + secrets.token_urlsafe(3000))  # incompressible
    assert opened.status_code == 303
    assert len(opened.headers.get("Set-Cookie", "")) < 1000
    assert client.get("/apply/confirm").status_code == 410
    client.get("/apply/confirm/not-a-real-token")
    assert client.get("/apply/confirm").status_code == 410
    assert client.post("/apply/confirm").status_code == 410
