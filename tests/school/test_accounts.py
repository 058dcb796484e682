"""The school coordinator's accounts: scoping, the list and cards, licences left over, and
the reissue of a lost card (old ID disabled at once with its sessions, new one free)."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from conftest import PortalClient
from factories import PASSWORD
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal import accounts, security
from portal.extensions import db
from portal.models import AuditEntry, Contract, Learner, LearnerSession, OutboundEmail

from .conftest import World


def signed_in(app, login_id) -> PortalClient:
    client = PortalClient(app)
    assert client.login(login_id, PASSWORD).status_code == 302
    return client


def learner(login_id: str) -> Learner:
    db.session.expire_all()
    return db.session.scalar(select(Learner).where(Learner.login_id == login_id))


def learner_count(org_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Learner).where(
        Learner.organisation_id == org_id))


@pytest.fixture
def coord(app, school):
    return signed_in(app, "coord-s")


def test_the_school_page_lists_the_accounts(coord, school: World):
    cid = school.id("contract")
    assert "アカウント</a>" in coord.get("/renewals/").get_data(as_text=True)  # the menu
    home = coord.get("/school/").get_data(as_text=True)
    assert f"/school/contracts/{cid}" in home and "毎年3月" in home
    page = coord.get(f"/school/contracts/{cid}").get_data(as_text=True)
    assert "使用中 <strong>5</strong> / 46 ライセンス" in page
    assert "S0900-001" in page and "S0900-005" in page
    assert "未発行のライセンスが <strong>41</strong>" in page
    found = coord.get(f"/school/contracts/{cid}?q=s0900-00", headers={"HX-Request": "true"})
    assert "<html" not in found.get_data(as_text=True) and "5 件" in found.get_data(as_text=True)


def test_the_list_and_cards_carry_the_issued_passwords(coord, school: World):
    cid = school.id("contract")
    download = coord.get(f"/school/contracts/{cid}/accounts.xlsx")
    assert download.status_code == 200 and "S0900" in download.headers["Content-Disposition"]
    rows = list(load_workbook(BytesIO(download.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("ユーザID", "パスワード", "アカウント種別", "発行日", "備考")
    first = learner("S0900-001")
    assert rows[1][:4] == ("S0900-001", security.unseal(first.card_password), "個人", "2026/09/01")
    assert [r[2] for r in rows[1:]] == ["個人"] * 3 + ["共用"] * 2
    cards = coord.get(f"/school/contracts/{cid}/cards?kind=shared").get_data(as_text=True)
    assert "2 枚" in cards and "S0900-004" in cards and "S0900-001" not in cards
    assert security.unseal(learner("S0900-004").card_password) in cards


def test_another_school_or_a_company_gets_404(app, school: World, make):
    other = make.organisation(kind="school", code="S0999")
    make.coordinator(other, login_id="coord-other")
    company = make.organisation(kind="company")
    make.coordinator(company, login_id="coord-company")
    db.session.commit()
    cid = school.id("contract")
    stranger = signed_in(app, "coord-other")
    for path in ("", "/accounts.xlsx", "/cards", "/reissue?login_id=S0900-001"):
        assert stranger.get(f"/school/contracts/{cid}{path}").status_code == 404
    assert stranger.post(f"/school/contracts/{cid}/reissue",
                         {"login_id": "S0900-001"}).status_code == 404
    assert stranger.post(f"/school/contracts/{cid}/accounts",
                         {"kind": "personal", "count": "1"}).status_code == 404
    assert learner("S0900-001").status == "active"
    firm = signed_in(app, "coord-company")
    assert firm.get("/school/").status_code == 404
    assert "アカウント</a>" not in firm.get("/renewals/").get_data(as_text=True)


def test_licences_left_over_can_be_issued_up_to_the_contract(coord, school: World):
    cid = school.id("contract")
    response = coord.post(f"/school/contracts/{cid}/accounts", {"kind": "shared", "count": "40"})
    assert response.status_code == 302 and "/cards?learner=" in response.location
    assert accounts.enrolled_count(cid) == 45
    refused = coord.post(f"/school/contracts/{cid}/accounts", {"kind": "personal", "count": "2"})
    assert refused.status_code == 409 and "残りのライセンスは 1 です" in refused.get_data(as_text=True)
    bad = coord.post(f"/school/contracts/{cid}/accounts", {"kind": "personal", "count": "1.5"},
                     follow_redirects=True)
    assert "1以上の整数" in bad.get_data(as_text=True)
    assert accounts.enrolled_count(cid) == 45


def learner_client(app, login_id):
    client = PortalClient(app)
    row = learner(login_id)
    response = client.post("/learn/login", {"login_id": login_id,
                                            "password": security.unseal(row.card_password)})
    return client, response


def test_a_lost_card_is_reissued_and_the_old_sessions_end(app, coord, school: World):
    app.config["PORTAL_NOW"] = "2026-10-01T10:00:00"
    coord = signed_in(app, "coord-s")
    cid, org_id = school.id("contract"), school.id("org")
    pupil, response = learner_client(app, "S0900-004")  # a shared account, in use
    assert response.status_code == 302
    confirm = coord.get(f"/school/contracts/{cid}/reissue?login_id=ｓ0900-004")
    assert confirm.status_code == 200 and "無効にして再発行する" in confirm.get_data(as_text=True)
    done = coord.post(f"/school/contracts/{cid}/reissue", {"login_id": "S0900-004"},
                      follow_redirects=True)
    assert "新しいID S0900-006 を発行しました" in done.get_data(as_text=True)

    old, new = learner("S0900-004"), learner("S0900-006")
    assert old.status == "disabled" and old.replaced_by_id == new.id
    assert new.kind == "shared" and new.status == "active"
    [ended] = db.session.scalars(select(LearnerSession).where(
        LearnerSession.learner_id == old.id)).all()
    assert ended.end_reason == "closed"
    assert pupil.get("/learn/").status_code == 302  # the finder of the card is out
    refused = learner_client(app, "S0900-004")[1]
    assert refused.status_code == 403 and "利用停止" in refused.get_data(as_text=True)
    assert learner_client(app, "S0900-006")[1].status_code == 302
    assert accounts.enrolled_count(cid) == 5  # no extra licence: no charge

    [entry] = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "learner.reissue")).all()
    assert entry.detail["old"] == "S0900-004" and entry.detail["new"] == "S0900-006"
    assert entry.actor.login_id == "coord-s"
    [mail] = db.session.scalars(select(OutboundEmail).where(
        OutboundEmail.kind == "school_reissue_to_coordinator")).all()
    assert "S0900-004" in mail.body_text and "S0900-006" in mail.body_text
    assert security.unseal(new.card_password) not in mail.body_text

    again = coord.post(f"/school/contracts/{cid}/reissue", {"login_id": "S0900-004"},
                       follow_redirects=True)
    assert "すでに無効にしてあります" in again.get_data(as_text=True)
    assert learner_count(org_id) == 6


def test_an_unknown_or_foreign_id_changes_nothing(app, coord, school: World, make):
    other = make.organisation(kind="school", code="S0998")
    make.learner(make.contract(other, make.library("school", family="school"),
                                         date(2026, 4, 1), date(2027, 3, 31), seats=41),
                           login_id="S0998-001")
    db.session.commit()
    cid = school.id("contract")
    for typed, message in [("S0900-999", "見つかりません"), ("S0998-001", "見つかりません"),
                           ("", "入力してください")]:
        page = coord.post(f"/school/contracts/{cid}/reissue", {"login_id": typed},
                          follow_redirects=True).get_data(as_text=True)
        assert message in page
    assert learner("S0998-001").status == "active"
    assert learner_count(school.id("org")) == 5


def test_the_secretariat_reissues_any_schools_card(app, school: World, world):
    ops = signed_in(app, "ops-s")
    assert "ユーザID" in ops.get("/ops/school/reissue").get_data(as_text=True)
    missing = ops.get("/ops/school/reissue?login_id=S0900-777")
    assert missing.status_code == 404 and "見つかりません" in missing.get_data(as_text=True)
    assert ops.get("/ops/school/reissue?login_id=S0900-002").status_code == 200
    done = ops.post("/ops/school/reissue", {"login_id": "S0900-002"}, follow_redirects=True)
    assert "新しいID S0900-006" in done.get_data(as_text=True)
    assert learner("S0900-002").status == "disabled"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "learner.reissue"))
    assert entry.actor.login_id == "ops-s"
    coordinator = signed_in(app, "coord-s")
    assert coordinator.get("/ops/school/reissue").status_code == 403


def test_a_rotated_old_id_reported_lost_is_only_disabled(app, runner, school: World):
    runner.invoke(args=["tick", "--date", "2027-03-01"])
    app.config["PORTAL_TODAY"] = "2027-03-02"
    coord = signed_in(app, "coord-s")
    cid = school.id("contract")
    done = coord.post(f"/school/contracts/{cid}/reissue", {"login_id": "S0900-001"},
                      follow_redirects=True)
    assert "旧ID S0900-001 を無効にしました" in done.get_data(as_text=True)
    assert learner("S0900-001").status == "disabled"
    assert learner("S0900-006").status == "active"
    assert learner_count(school.id("org")) == 10


def test_prices_are_for_the_operator(app, school: World, world):
    ops = signed_in(app, "ops-s")
    app.config["PORTAL_TODAY"] = "2026-09-01"
    bad = ops.post("/ops/school/prices", {"effective_from": "2026-08-31", "basic_price": "1",
                                          "pack_a_price": "1", "pack_b_price": "1"})
    assert bad.status_code == 422 and "今日以降" in bad.get_data(as_text=True)
    bad = ops.post("/ops/school/prices", {"effective_from": "2026-09-01", "basic_price": "abc",
                                          "pack_a_price": "1", "pack_b_price": "1"})
    assert bad.status_code == 422 and "基本41ライセンスの料金は0以上" in bad.get_data(as_text=True)
    ok = ops.post("/ops/school/prices", {"effective_from": "2026-09-01", "basic_price": "¥123,000",
                                         "pack_a_price": "15000", "pack_b_price": "30,000"})
    assert ok.status_code == 302
    page = ops.get("/ops/school/prices").get_data(as_text=True)
    assert "123,000円" in page and "適用中" in page
    assert signed_in(app, "dist-k").get("/ops/school/prices").status_code == 403
    assert signed_in(app, "coord-s").get("/ops/school/prices").status_code == 403
    assert db.session.get(Contract, school.id("contract")).seats == 46
