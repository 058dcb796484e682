"""Distributors' and the secretariat's orders: region scoping, the state flow, account
issuance once, cancellation; and the whole path from the public page to a learner login."""

from __future__ import annotations

import re
import threading
from io import BytesIO

import pytest
from conftest import PortalClient
from factories import PASSWORD
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import (
    AuditEntry,
    Contract,
    Learner,
    OutboundEmail,
    SchoolOrder,
    StaffUser,
)
from portal.orders import applications

from .conftest import application, confirm_by_email


def place(**fields) -> int:
    """An order as the public form makes it; its id."""
    checked, errors = applications.read(application(**fields), clock.today())
    assert not errors, errors
    placed, _ = applications.submit(checked, fields.get("submission_key", "form-1"))
    placed.confirmed_at = clock.now()  # as if the applicant had followed the receipt's link
    db.session.commit()
    return placed.id


def order(order_id) -> SchoolOrder:
    db.session.expire_all()
    return db.session.get(SchoolOrder, order_id)


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def orders(world):
    return {
        "saitama": place(submission_key="a"),
        "osaka": place(prefecture="27", school_name="大阪テスト小学校", submission_key="b"),
        "okinawa": place(prefecture="47", school_name="沖縄テスト高校", submission_key="c"),
    }


def signed_in(app, login_id) -> PortalClient:
    client = PortalClient(app)
    assert client.login(login_id, PASSWORD).status_code == 302
    return client


def test_a_distributor_sees_only_its_regions_orders(app, world, orders):
    kanto = signed_in(app, "dist-k")
    home = kanto.get("/", follow_redirects=True).get_data(as_text=True)
    assert "学校の注文" in home and "テスト市立みどり中学校" in home
    assert "大阪テスト小学校" not in home and "沖縄テスト高校" not in home
    assert kanto.get(f"/orders/{orders['saitama']}").status_code == 200
    for other in ("osaka", "okinawa"):
        assert kanto.get(f"/orders/{orders[other]}").status_code == 404
        assert kanto.post(f"/orders/{orders[other]}/advance", {"to": "accepted"}).status_code == 404
        assert kanto.get(f"/orders/{orders[other]}/cards").status_code == 404
    assert order(orders["osaka"]).status == "new"


def test_the_secretariat_sees_every_order(app, world, orders):
    ops = signed_in(app, "ops-s")
    html = ops.get("/orders/").get_data(as_text=True)
    for name in ("テスト市立みどり中学校", "大阪テスト小学校", "沖縄テスト高校"):
        assert name in html
    assert "事務局" in html  # Okinawa: no distributor
    assert ops.get(f"/orders/{orders['okinawa']}").status_code == 200


def test_coordinators_and_strangers_cannot_open_orders(app, client, world, orders, make):
    assert client.get("/orders/").status_code == 302  # to the login page
    school = make.organisation(kind="school")
    make.coordinator(school, login_id="coord-z")
    db.session.commit()
    coordinator = signed_in(app, "coord-z")
    assert coordinator.get("/orders/").status_code == 403


def test_the_flow_issues_the_accounts_once(app, world, orders):
    oid = orders["saitama"]
    kanto = signed_in(app, "dist-k")
    refused = kanto.post(f"/orders/{oid}/advance", {"to": "issued"})  # 受付 first
    assert refused.status_code == 409 and "順に進めて" in refused.get_data(as_text=True)
    for step in ("accepted", "issued"):
        assert kanto.post(f"/orders/{oid}/advance", {"to": step}).status_code == 302
    again = kanto.post(f"/orders/{oid}/advance", {"to": "issued"}, follow_redirects=True)
    assert "すでに「アカウント発行」です" in again.get_data(as_text=True)

    done = order(oid)
    assert done.status == "issued"
    org, contract = done.organisation, done.contract
    assert org.code == "S0001" and org.kind == "school" and org.prefecture == 11
    assert (contract.seats, contract.personal_seats, contract.shared_seats) == (56, 42, 10)
    assert (str(contract.starts_on), str(contract.ends_on)) == ("2026-07-01", "2027-06-30")
    assert contract.library.code == "school"
    kinds = dict(db.session.execute(select(Learner.kind, func.count()).where(
        Learner.organisation_id == org.id).group_by(Learner.kind)).all())
    assert kinds == {"personal": 42, "shared": 10}
    assert db.session.scalar(select(Learner.login_id).where(Learner.organisation_id == org.id)
                             .order_by(Learner.id)) == "S0001-001"
    coordinator = done.coordinator
    assert (coordinator.login_id, coordinator.role, coordinator.password_hash) == (
        "s0001-admin", "coordinator", None)
    [mail] = db.session.scalars(select(OutboundEmail).where(
        OutboundEmail.kind == "school_accounts_to_coordinator")).all()
    assert mail.recipient == "tosho@midori.example.jp" and "/password/" in mail.body_text
    assert "s0001-admin" in mail.body_text
    assert count(AuditEntry, AuditEntry.action == "school_order.issued") == 1

    for step in ("shipped", "invoiced"):
        assert kanto.post(f"/orders/{oid}/advance", {"to": step}).status_code == 302
    assert order(oid).status == "invoiced"
    page = kanto.get(f"/orders/{oid}").get_data(as_text=True)
    assert "s0001-admin" in page and "ID・パスワード一覧" in page
    cards = kanto.get(f"/orders/{oid}/cards")
    assert cards.status_code == 200 and "S0001-001" in cards.get_data(as_text=True)
    assert cards.headers["Cache-Control"] == "no-store"  # printed passwords
    assert kanto.get(f"/orders/{oid}").headers["Cache-Control"] == "private"
    assert count(Contract) == 1 and count(StaffUser, StaffUser.role == "coordinator") == 1


@pytest.mark.postgres
def test_two_simultaneous_issuances_make_one_school(app, world):
    """Two clicks really at once (the CI run is on PostgreSQL; SQLite serialises too)."""
    oid = place(submission_key="twice")
    signed_in(app, "dist-k").post(f"/orders/{oid}/advance", {"to": "accepted"})
    clients = [signed_in(app, "dist-k") for _ in range(2)]
    for c in clients:
        c.csrf_token()
    barrier = threading.Barrier(2)
    results = []

    def press(c):
        barrier.wait()
        results.append(c.post(f"/orders/{oid}/advance", {"to": "issued"}).status_code)

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [302, 302]
    assert count(Contract) == 1 and count(Learner) == 52
    assert count(OutboundEmail, OutboundEmail.kind == "school_accounts_to_coordinator") == 1


def test_cancel_before_issuance_only(app, world, orders):
    ops = signed_in(app, "ops-s")
    oid = orders["okinawa"]
    assert ops.post(f"/orders/{oid}/cancel", {"reason": ""}).status_code == 409
    assert ops.post(f"/orders/{oid}/cancel", {"reason": "重複申込"}).status_code == 302
    assert order(oid).status == "cancelled" and order(oid).cancel_reason == "重複申込"
    assert ops.post(f"/orders/{oid}/advance", {"to": "accepted"}).status_code == 409
    issued = orders["saitama"]
    for step in ("accepted", "issued"):
        ops.post(f"/orders/{issued}/advance", {"to": step})
    assert ops.post(f"/orders/{issued}/cancel", {"reason": "x"}).status_code == 409


def test_from_the_public_page_to_a_learner_login(app, client, world):
    """Done when: a school applies, the distributor sees the order, the coordinator
    downloads the ID list, and a learner from it logs in."""
    assert client.post("/apply", application(personal="3", shared="1")).status_code == 302
    assert confirm_by_email(client).status_code == 302
    [oid] = db.session.scalars(select(SchoolOrder.id)).all()
    kanto = signed_in(app, "dist-k")
    assert "テスト市立みどり中学校" in kanto.get("/orders/").get_data(as_text=True)
    for step in ("accepted", "issued"):
        kanto.post(f"/orders/{oid}/advance", {"to": step})

    mail = db.session.scalar(select(OutboundEmail).where(
        OutboundEmail.kind == "school_accounts_to_coordinator"))
    token = re.search(r"/password/(\S+)", mail.body_text).group(1)
    school = PortalClient(app)
    school.get(f"/password/{token}")
    school.post("/password", {"password": "new-school-pass-1",
                                        "confirm": "new-school-pass-1"})
    assert school.login("s0001-admin", "new-school-pass-1").status_code == 302
    contract_id = order(oid).contract_id
    assert "アカウント" in school.get("/school/").get_data(as_text=True)
    download = school.get(f"/school/contracts/{contract_id}/accounts.xlsx")
    assert download.status_code == 200
    sheet = load_workbook(BytesIO(download.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("ユーザID", "パスワード", "アカウント種別")
    assert [r[2] for r in rows[1:]] == ["個人", "個人", "個人", "共用"]
    login_id, password = rows[1][0], rows[1][1]

    learner = PortalClient(app)
    app.config["PORTAL_TODAY"] = "2026-07-01"  # the contract starts in July
    response = learner.post("/learn/login", {"login_id": login_id, "password": password})
    assert response.status_code == 302 and response.location.endswith("/learn/")
