"""One definition of an address (email-validator), in every form and upload: a refused
address is a field or row error naming it, and nothing is stored or queued."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import addresses
from portal.extensions import db
from portal.models import Learner, OutboundEmail

BAD = {
    "non-ASCII local part": ("たなか@school.jp", "@より前に日本語"),
    "comma": ("a,b@school.jp", "カンマ"),
    "quote": ('"tanaka"@school.jp', "引用符"),
    "space": ("tanaka @school.jp", "空白"),
    "full-width @": ("tanaka＠school.jp", "全角"),
    "angle brackets": ("田中 <tanaka@school.jp>", "使えません"),
    "two addresses": ("a@school.jp;b@school.jp", "使えません"),
    "no domain dot": ("tanaka@school", "形式が正しくありません"),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_refused_addresses_are_named_in_japanese(kind):
    value, words = BAD[kind]
    with pytest.raises(addresses.AddressProblem) as refused:
        addresses.check(value)
    assert words in str(refused.value)
    assert value.strip() in str(refused.value)


def test_accepted_addresses_are_stored_in_one_form():
    assert addresses.check("  Tanaka@School.Example.JP ") == "tanaka@school.example.jp"
    assert addresses.check("tanaka@日本語.jp") == "tanaka@日本語.jp"  # kept as typed
    assert addresses.for_smtp("tanaka@日本語.jp") == "tanaka@xn--wgv71a119e.jp"
    assert addresses.for_smtp("a+tag@example.jp") == "a+tag@example.jp"


def outbox_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(OutboundEmail))


@pytest.mark.parametrize("kind", list(BAD))
def test_the_school_application_refuses_them(client, make_app, kind):
    from school.conftest import application

    from portal.models import SchoolOrder

    value, words = BAD[kind]
    response = client.post("/apply", application(contact_email=value))
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SchoolOrder)) == 0
    assert outbox_count() == 0


@pytest.mark.parametrize("kind", list(BAD))
def test_the_title_request_refuses_them(client, publisher, kind):
    from portal.models import TitleRequest

    value, words = BAD[kind]
    response = client.post("/catalog/request", {
        "publisher": publisher, "title": "本", "requester_name": "係", "requester_email": value})
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert db.session.scalar(select(TitleRequest.id)) is None
    assert outbox_count() == 0


@pytest.fixture
def publisher(app):
    from portal.models import Publisher

    row = Publisher(name="テスト書房", contact_email="editor@test-shobo.example.jp")
    db.session.add(row)
    db.session.commit()
    return row.id


def test_the_publisher_form_refuses_them(app, make, publisher):
    from conftest import PortalClient
    from factories import PASSWORD

    make.operator("ops-x")
    db.session.commit()
    client = PortalClient(app)
    client.login("ops-x", PASSWORD)
    response = client.post(f"/ops/catalog/publishers/{publisher}", {
        "name": "テスト書房", "contact_email": "へんしゅう@test-shobo.example.jp"})
    assert response.status_code == 422
    assert "@より前に日本語" in response.get_data(as_text=True)


def test_stored_addresses_that_no_longer_pass_are_reported(app, make, runner):
    """Rows from before this check are listed for the operators, not silently skipped."""
    organisation = make.organisation(code="C0001")
    contract = make.contract(organisation)
    make.learner(contract, login_id="C0001-001", email="たなか@school.jp")
    make.learner(contract, login_id="C0001-002", email="ok@school.jp")
    make.coordinator(organisation, login_id="coord-bad", email="a,b@school.jp")
    db.session.commit()
    result = runner.invoke(args=["check-addresses"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any("受講者\tC0001-001\tたなか@school.jp" in line for line in lines)
    assert any("coord-bad\ta,b@school.jp" in line for line in lines)
    assert not any("ok@school.jp" in line for line in lines)
    assert "2 件" in lines[-1]


def test_no_bad_addresses_is_said_and_exits_zero(app, runner):
    result = runner.invoke(args=["check-addresses"])
    assert result.exit_code == 0 and "ありません" in result.output


def test_create_operator_refuses_a_bad_address(app, runner):
    result = runner.invoke(args=["create-operator", "ops-new", "たなか@example.jp"])
    assert result.exit_code != 0 and "@より前に日本語" in result.output
    assert db.session.scalar(select(func.count()).select_from(Learner)) == 0


def test_an_internationalised_domain_is_accepted_and_sent_in_idna(make_app, smtp_server):
    from conftest import PortalClient
    from school.conftest import application

    from portal.models import SchoolOrder

    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                   PORTAL_TODAY="2026-06-10")
    response = PortalClient(app).post("/apply", application(contact_email="Tosho@日本語.jp"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(SchoolOrder.contact_email)) == "tosho@日本語.jp"
    assert [tos for tos, _ in smtp_server.raw] == [["tosho@xn--wgv71a119e.jp"]]
