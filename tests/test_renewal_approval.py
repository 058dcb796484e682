"""Operator approval and the emails of the renewal, received by a real SMTP server; the
tick's invitations, reminders and lapses; double approval."""

import re
import threading
from datetime import date

import pytest
from conftest import PortalClient
from factories import PASSWORD
from renewal_helpers import apply, emails, on, renewal_of
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Contract, StaffUser
from workers.emails import send_outbox


@pytest.fixture
def app(make_app, smtp_server):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    with app.app_context():
        yield app


@pytest.fixture
def coord(app, world):
    client = PortalClient(app)
    client.login("coord-x", PASSWORD)
    return client


@pytest.fixture
def ops(app, world):
    client = PortalClient(app)
    client.login("ops-x", PASSWORD)
    return client


def subjects(inbox, address):
    return [m["Subject"] for m in inbox.to(address)]


def test_apply_change_approve_sends_each_email_once(app, coord, ops, world, smtp_server):
    on(app, "2023-11-01")
    cid = world["contract_id"]
    apply(coord, cid, seats="20")
    apply(coord, cid, library="platinum", seats="25")  # an upgrade
    renewal = renewal_of(cid)
    page = ops.get("/ops/renewals?status=applied").get_data(as_text=True)
    assert "platinumライブラリ・25 ID" in page
    assert ops.post(f"/ops/renewals/{renewal.id}/approve",
                    {"revision": renewal.revision}).status_code == 302

    coordinator = subjects(smtp_server, "coord")
    assert sum("継続申込を受け付けました" in s for s in coordinator) == 2
    assert sum("お申込み確定" in s for s in coordinator) == 1
    assert not any("利用開始" in s for s in coordinator)  # an upgrade keeps the login
    [order] = smtp_server.to("orders@dist.example.jp")
    assert "継続契約のご注文" in order["Subject"]
    assert "25" in order.get_body(("plain",)).get_content()

    renewal = renewal_of(cid)
    successor = renewal.successor
    assert renewal.status == "approved"
    assert (successor.starts_on, successor.ends_on) == (date(2024, 1, 1), date(2024, 12, 31))
    assert (successor.library.code, successor.seats) == ("platinum", 25)
    assert successor.predecessor_id == cid
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "renewal.approve"))
    assert entry.actor.login_id == "ops-x" and entry.detail["seats"] == 25


def test_after_approval_nothing_can_change(app, coord, ops, world):
    on(app, "2023-11-01")
    cid = world["contract_id"]
    apply(coord, cid)
    ops.post(f"/ops/renewals/{renewal_of(cid).id}/approve")
    page = coord.get(f"/renewals/{cid}/apply")
    assert page.status_code == 409 and "承認済み" in page.get_data(as_text=True)
    assert apply(coord, cid, seats="99").status_code == 409
    assert coord.post(f"/renewals/{cid}/cancel").status_code == 409
    assert renewal_of(cid).seats == 20 and renewal_of(cid).status == "approved"


def test_double_approve_changes_nothing(app, coord, ops, world, smtp_server):
    on(app, "2023-11-01")
    cid = world["contract_id"]
    apply(coord, cid)
    rid = renewal_of(cid).id
    ops.post(f"/ops/renewals/{rid}/approve")
    second = ops.post(f"/ops/renewals/{rid}/approve", follow_redirects=True)
    assert "すでに承認済み" in second.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 2
    assert sum("お申込み確定" in s for s in subjects(smtp_server, "coord")) == 1
    assert len(smtp_server.to("orders@dist.example.jp")) == 1


def test_approving_a_stale_revision_is_refused(app, coord, ops, world):
    on(app, "2023-11-01")
    cid = world["contract_id"]
    apply(coord, cid)
    seen = renewal_of(cid)
    apply(coord, cid, seats="30")  # the coordinator changes it meanwhile
    response = ops.post(f"/ops/renewals/{seen.id}/approve", {"revision": seen.revision})
    assert response.status_code == 409
    assert renewal_of(cid).status == "applied"


def test_provisional_cannot_be_approved(app, coord, ops, world):
    on(app, "2023-11-01")
    cid = world["contract_id"]
    apply(coord, cid, seats="", seats_undetermined="1")
    response = ops.post(f"/ops/renewals/{renewal_of(cid).id}/approve")
    assert response.status_code == 409 and "ID数未確定" in response.get_data(as_text=True)


def test_library_change_sends_a_usage_start_guide_with_a_link(app, coord, ops, world,
                                                              smtp_server):
    on(app, "2023-11-01")
    cid = world["contract_id"]
    apply(coord, cid, library="english", seats="10")
    ops.post(f"/ops/renewals/{renewal_of(cid).id}/approve")
    [guide] = [m for m in smtp_server.messages if "利用開始" in m["Subject"]]
    body = guide.get_body(("plain",)).get_content()
    login_id = re.search(r"ログインID: (\S+)", body).group(1)
    link = re.search(r"http://portal\.test(/password/\S+)", body).group(1)
    assert "パスワード:" not in body  # never a password in an email

    browser = PortalClient(app)
    assert browser.get(link, follow_redirects=True).status_code == 200
    done = browser.post("/password", {"password": "a-new-password-1",
                                      "confirm": "a-new-password-1"})
    assert done.status_code == 302
    assert browser.login(login_id, "a-new-password-1").status_code == 302
    admin = db.session.scalar(select(StaffUser).where(StaffUser.login_id == login_id))
    assert admin.contract_id == renewal_of(cid).successor_id
    # The link works once.
    again = PortalClient(app).post(link, {"password": "x" * 12, "confirm": "x" * 12})
    assert again.status_code == 410


def test_order_goes_to_the_secretariat_where_no_distributor_serves(app, client, make,
                                                                    smtp_server, world):
    on(app, "2023-11-01")
    far = make.organisation(prefecture=47)  # 沖縄県: no distributor in this world
    make.coordinator(far, login_id="coord-far")
    contract_id = make.contract(far, make.library("gold"), date(2023, 1, 1), date(2023, 12, 31)).id
    db.session.commit()
    client.login("coord-far", PASSWORD)
    apply(client, contract_id)
    ops = PortalClient(app)
    ops.login("ops-x", PASSWORD)
    ops.post(f"/ops/renewals/{renewal_of(contract_id).id}/approve")
    assert len(smtp_server.to(app.config["SECRETARIAT_EMAIL"])) == 1


def test_reject_needs_a_reason_and_tells_the_coordinator(app, coord, ops, world, smtp_server):
    on(app, "2023-11-01")
    cid = world["contract_id"]
    apply(coord, cid)
    rid = renewal_of(cid).id
    empty = ops.post(f"/ops/renewals/{rid}/reject", {"reason": " "}, follow_redirects=True)
    assert "却下の理由を入力" in empty.get_data(as_text=True)
    assert renewal_of(cid).status == "applied"
    ops.post(f"/ops/renewals/{rid}/reject", {"reason": "ID数をご確認ください"})
    assert renewal_of(cid).status == "rejected"
    [notice] = [m for m in smtp_server.messages if "承認できませんでした" in m["Subject"]]
    assert "ID数をご確認ください" in notice.get_body(("plain",)).get_content()
    assert apply(coord, cid, seats="21").status_code == 302  # may apply again in the window


def test_operator_filters_and_counts(app, coord, ops, world):
    on(app, "2023-11-01")
    apply(coord, world["contract_id"])
    page = ops.get("/ops/renewals?opening_month=2024-01").get_data(as_text=True)
    assert "承認待ち <strong>1</strong>" in page and "goldライブラリ・20 ID" in page
    assert "該当する申込はありません" in ops.get(
        "/ops/renewals?opening_month=2024-02").get_data(as_text=True)
    assert "該当する申込はありません" in ops.get(
        "/ops/renewals?organisation=nomatch").get_data(as_text=True)
    fragment = ops.get("/ops/renewals?status=applied", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)


def test_coordinator_cannot_approve(app, coord, world):
    on(app, "2023-11-01")
    apply(coord, world["contract_id"])
    assert coord.post(f"/ops/renewals/{renewal_of(world['contract_id']).id}/approve").status_code == 403


@pytest.mark.postgres
def test_two_approvals_at_once_create_one_contract(make_app, world):
    """Two requests really at once (the CI run is on PostgreSQL; SQLite serialises too)."""
    app = make_app()
    on(app, "2023-11-01")
    coord = PortalClient(app)
    coord.login("coord-x", PASSWORD)
    apply(coord, world["contract_id"])
    rid = renewal_of(world["contract_id"]).id
    operators = [PortalClient(app) for _ in range(2)]
    for client in operators:
        client.login("ops-x", PASSWORD)
        client.csrf_token()
    barrier = threading.Barrier(2)

    def approve(client):
        barrier.wait()
        client.post(f"/ops/renewals/{rid}/approve")

    threads = [threading.Thread(target=approve, args=(c,)) for c in operators]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 2
    assert len(emails("renewal_confirmed_to_coordinator")) == 1


# --- the daily tick ---------------------------------------------------------------------


def tick(runner, day):
    result = runner.invoke(args=["tick", "--date", day])
    assert result.exit_code == 0, result.output
    return result.output


def test_invitation_on_the_first_of_m_minus_3_once(app, runner, world, smtp_server):
    tick(runner, "2023-09-30")
    # (The tick also sends August's usage report on that day: only invitations count here.)
    assert not [m for m in smtp_server.messages if "継続契約のご案内" in m["Subject"]]
    tick(runner, "2023-10-01")
    tick(runner, "2023-10-01")  # twice the same day
    tick(runner, "2023-10-02")
    invitations = [m for m in smtp_server.messages if "継続契約のご案内" in m["Subject"]]
    assert len(invitations) == 1
    body = invitations[0].get_body(("plain",)).get_content()
    assert "2023年10月1日(日) 〜 2024年1月10日(水)" in body


def test_a_skipped_tick_still_invites_once(app, runner, world, smtp_server):
    tick(runner, "2023-10-04")
    tick(runner, "2023-10-05")
    assert sum("継続契約のご案内" in m["Subject"] for m in smtp_server.messages) == 1


def test_reminders_go_to_those_not_applied(app, runner, coord, world, smtp_server):
    tick(runner, "2023-12-01")  # a reminder date (1st of M-1)
    reminders = [m for m in smtp_server.messages if "期限は" in m["Subject"]]
    assert len(reminders) == 1
    tick(runner, "2023-12-02")  # no new reminder date: nothing more
    on(app, "2023-12-20")
    apply(coord, world["contract_id"])
    tick(runner, "2024-01-01")  # applied now: no reminder
    assert len([m for m in smtp_server.messages if "期限は" in m["Subject"]]) == 1


def test_provisional_lapses_after_the_tenth_once(app, runner, coord, world, smtp_server):
    on(app, "2023-12-20")
    cid = world["contract_id"]
    apply(coord, cid, seats="", seats_undetermined="1")
    tick(runner, "2024-01-07")
    assert "ID数を確定" in [m for m in smtp_server.messages if "期限は" in m["Subject"]][0] \
        .get_body(("plain",)).get_content()
    tick(runner, "2024-01-10")
    assert renewal_of(cid).status == "provisional"
    tick(runner, "2024-01-11")
    tick(runner, "2024-01-11")
    assert renewal_of(cid).status == "lapsed"
    assert sum("失効" in m["Subject"] for m in smtp_server.messages) == 1
    on(app, "2024-01-11")
    page = coord.get(f"/renewals/{cid}/apply")
    assert page.status_code == 409 and "新規契約" in page.get_data(as_text=True)


def test_send_outbox_is_idle_after_everything_went(app, coord, world, smtp_server):
    on(app, "2023-11-01")
    apply(coord, world["contract_id"])
    assert send_outbox() == {"sent": 0, "failed": 0, "deferred": 0}
