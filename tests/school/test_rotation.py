"""The yearly rotation (年度末のアカウント更新) through ``flask tick``: nothing on 28 Feb, new
IDs on 1 March (once, whatever the tick does later), old IDs working on 30 April and
stopped on 1 May with their sessions ended."""

from __future__ import annotations

from io import BytesIO

from conftest import PortalClient
from factories import PASSWORD
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal import accounts, security
from portal.extensions import db
from portal.models import AuditEntry, Contract, Learner, LearnerSession, OutboundEmail

from .conftest import World


def tick(runner, day: str) -> str:
    result = runner.invoke(args=["tick", "--date", day])
    assert result.exit_code == 0, result.output
    return result.output


def learners(org_id: int) -> list[Learner]:
    db.session.expire_all()
    return db.session.scalars(select(Learner).where(Learner.organisation_id == org_id)
                              .order_by(Learner.id)).all()


def rotation_emails() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboundEmail).where(
        OutboundEmail.kind == "school_rotation_to_coordinator"))


def log_in(app, learner: Learner):
    client = PortalClient(app)
    response = client.post("/learn/login", {"login_id": learner.login_id,
                                            "password": security.unseal(learner.card_password)})
    return client, response


def test_the_rotation_calendar(app, runner, school: World):
    org_id = school.id("org")
    tick(runner, "2027-02-28")
    assert len(learners(org_id)) == 5 and rotation_emails() == 0

    assert "rotate_school_accounts: 5" in tick(runner, "2027-03-01")
    rows = learners(org_id)
    old, new = rows[:5], rows[5:]
    assert [n.login_id for n in new] == [f"S0900-{n:03d}" for n in range(6, 11)]
    assert [o.kind for o in old] == [n.kind for n in new] == ["personal"] * 3 + ["shared"] * 2
    assert all(o.replaced_by_id == n.id and str(o.valid_until) == "2027-04-30"
               for o, n in zip(old, new, strict=True))
    assert {o.status for o in old} == {"active"} and all(n.valid_until is None for n in new)
    assert accounts.enrolled_count(school.id("contract")) == 5  # one licence per pair
    [email] = db.session.scalars(select(OutboundEmail).where(
        OutboundEmail.kind == "school_rotation_to_coordinator")).all()
    assert email.recipient == "coord@gakuen.example.jp" and "2027年4月30日まで" in email.body_text
    assert "パスワード:" not in email.body_text

    for day in ("2027-03-01", "2027-03-02", "2027-03-31"):  # again, and on later days
        assert "rotate_school_accounts: 0" in tick(runner, day)
    assert len(learners(org_id)) == 10 and rotation_emails() == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "school.rotation")) == 1

    app.config["PORTAL_NOW"] = "2027-04-30T23:55:00"
    old_client, response = log_in(app, old[0])
    assert response.status_code == 302  # the old ID still works on 30 April
    assert log_in(app, new[0])[1].status_code == 302

    app.config["PORTAL_NOW"] = "2027-05-01T00:05:00"  # ten minutes later: not idle
    assert "stop_expired_accounts: 5" in tick(runner, "2027-05-01")
    db.session.expire_all()
    [ended] = db.session.scalars(select(LearnerSession).where(
        LearnerSession.learner_id == old[0].id)).all()
    assert ended.ended_at is not None and ended.end_reason == "closed"
    assert {o.status for o in learners(org_id)[:5]} == {"expired"}
    assert old_client.get("/learn/").status_code == 302  # back to the login page
    refused = log_in(app, old[0])[1]
    assert refused.status_code == 403 and "有効期限が切れています" in refused.get_data(as_text=True)
    assert log_in(app, new[1])[1].status_code == 302
    assert "stop_expired_accounts: 0" in tick(runner, "2027-05-02")


def test_the_list_after_the_rotation_holds_the_new_ids(app, runner, school: World):
    app.config["PORTAL_TODAY"] = "2027-03-01"
    tick(runner, "2027-03-01")
    coordinator = PortalClient(app)
    coordinator.login("coord-s", PASSWORD)
    contract_id = school.id("contract")
    page = coordinator.get(f"/school/contracts/{contract_id}").get_data(as_text=True)
    assert "旧ID 5 件は2027年4月30日まで" in page
    download = coordinator.get(f"/school/contracts/{contract_id}/accounts.xlsx")
    rows = list(load_workbook(BytesIO(download.data)).active.iter_rows(values_only=True))[1:]
    assert [r[0] for r in rows] == [f"S0900-{n:03d}" for n in range(6, 11)]
    assert rows[0][4] == "S0900-001 の年度更新"
    new = learners(school.id("org"))[5]
    assert rows[0][1] == security.unseal(new.card_password)


def test_a_first_tick_late_in_march_still_rotates(app, runner, school: World):
    assert "rotate_school_accounts: 5" in tick(runner, "2027-03-20")


def test_no_rotation_outside_march(app, runner, school: World):
    for day in ("2027-02-01", "2027-04-01", "2026-12-31"):
        assert "rotate_school_accounts: 0" in tick(runner, day)
    assert len(learners(school.id("org"))) == 5


def test_only_contracts_that_ask_for_it(app, runner, school: World):
    db.session.get(Contract, school.id("contract")).yearly_rotation = False
    db.session.commit()
    assert "rotate_school_accounts: 0" in tick(runner, "2027-03-01")


def test_a_contract_starting_in_march_keeps_its_fresh_ids(app, runner, school: World, world):
    contract = db.session.get(Contract, school.id("contract"))
    contract.starts_on = contract.starts_on.replace(year=2027, month=3)
    db.session.commit()
    assert "rotate_school_accounts: 0" in tick(runner, "2027-03-05")


def test_ids_issued_in_march_are_not_rotated_again(app, runner, school: World):
    tick(runner, "2027-03-01")
    app.config["PORTAL_TODAY"] = "2027-03-10"
    contract = db.session.get(Contract, school.id("contract"))
    accounts.issue(contract.organisation_id, contract.id, [accounts.NewLearner("personal")], "new")
    db.session.commit()
    assert "rotate_school_accounts: 0" in tick(runner, "2027-03-11")
    assert len(learners(school.id("org"))) == 11
