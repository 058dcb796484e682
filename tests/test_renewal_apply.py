"""Renewal application (ライブラリアシスト): windows enforced by the clock, bad input
refused without change, change and cancel before approval, organisation isolation."""

from datetime import date

import pytest
from factories import PASSWORD
from renewal_helpers import ENDS, apply, emails, on, renewal_of
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry

# --- the window, through the clock ---------------------------------------------------


def test_day_before_the_window_is_refused(app, coord, world):
    on(app, "2023-09-30")
    cid = world["contract_id"]
    page = coord.get(f"/renewals/{cid}/apply")
    assert page.status_code == 409
    assert "2023年10月1日" in page.get_data(as_text=True)
    assert apply(coord, cid).status_code == 409
    assert renewal_of(cid) is None


@pytest.mark.parametrize("day", ["2023-10-01", "2024-01-10"])
def test_first_and_last_day_of_the_window_accept(app, coord, world, day):
    on(app, day)
    cid = world["contract_id"]
    assert coord.get(f"/renewals/{cid}/apply").status_code == 200
    response = apply(coord, cid, library="platinum", seats="25")
    assert response.status_code == 302
    renewal = renewal_of(cid)
    assert (renewal.status, renewal.library.code, renewal.seats) == ("applied", "platinum", 25)


def test_day_after_the_deadline_points_to_a_new_contract(app, coord, world):
    on(app, "2024-01-11")
    cid = world["contract_id"]
    page = coord.get(f"/renewals/{cid}/apply")
    assert page.status_code == 409
    text = page.get_data(as_text=True)
    assert "継続でのお申込みはできません" in text and "新規契約" in text
    assert apply(coord, cid).status_code == 409
    assert renewal_of(cid) is None


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"seats": "abc"}, "1以上の整数"),
        ({"seats": "0"}, "1以上の整数"),
        ({"seats": "-5"}, "1以上の整数"),
        ({"seats": "1.5"}, "1以上の整数"),
        ({"seats": ""}, "ID数未確定"),
        ({"library": "nope"}, "ライブラリを一覧から選んで"),
        ({"library": "retired"}, "ライブラリを一覧から選んで"),  # exists, not offered
        ({"library": "school", "seats": "41"}, "ライブラリを一覧から選んで"),  # not for a company
    ],
)
def test_bad_input_is_explained_and_changes_nothing(app, coord, world, fields, message):
    on(app, "2023-11-01")
    cid = world["contract_id"]
    response = apply(coord, cid, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert renewal_of(cid) is None
    assert emails() == []


def test_full_width_digits_are_accepted(app, coord, world):
    on(app, "2023-11-01")
    assert apply(coord, world["contract_id"], seats="２５").status_code == 302
    assert renewal_of(world["contract_id"]).seats == 25


def test_school_licences_follow_the_packs(app, client, make):
    on(app, "2023-11-01")
    school = make.organisation(kind="school")
    make.coordinator(school, login_id="coord-school")
    contract_id = make.contract(school, make.library("school", family="school", min_seats=41),
                                date(2023, 1, 1), ENDS, seats=41).id
    db.session.commit()
    client.login("coord-school", PASSWORD)
    for seats, message in [("30", "41以上"), ("43", "41 または 46")]:
        response = apply(client, contract_id, library="school", seats=seats)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert apply(client, contract_id, library="school", seats="56").status_code == 302


# --- change and cancel before approval ----------------------------------------------------


def test_change_before_approval_bumps_the_revision_and_sends_a_receipt_each(app, coord, world):
    on(app, "2023-11-01")
    cid = world["contract_id"]
    apply(coord, cid, seats="20")
    apply(coord, cid, library="platinum", seats="30")
    renewal = renewal_of(cid)
    assert (renewal.library.code, renewal.seats, renewal.revision) == ("platinum", 30, 2)
    receipts = emails("renewal_received_to_coordinator")
    assert len(receipts) == 2
    assert "変更" in receipts[1].body_text
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 2


def test_provisional_then_count(app, coord, world):
    on(app, "2023-11-01")
    cid = world["contract_id"]
    apply(coord, cid, seats="", seats_undetermined="1")
    assert renewal_of(cid).status == "provisional" and renewal_of(cid).seats is None
    page = coord.get("/renewals/").get_data(as_text=True)
    assert "仮申込(ID数未確定)" in page
    apply(coord, cid, seats="22")
    assert renewal_of(cid).status == "applied" and renewal_of(cid).seats == 22


def test_cancel_then_apply_again(app, coord, world):
    on(app, "2023-11-01")
    cid = world["contract_id"]
    apply(coord, cid)
    assert coord.post(f"/renewals/{cid}/cancel").status_code == 302
    assert renewal_of(cid).status == "cancelled"
    assert len(emails("renewal_cancelled_to_coordinator")) == 1
    apply(coord, cid, seats="21")
    assert renewal_of(cid).status == "applied" and renewal_of(cid).revision == 3


def test_cancel_outside_the_window_is_refused(app, coord, world):
    on(app, "2023-11-01")
    cid = world["contract_id"]
    apply(coord, cid)
    on(app, "2024-01-11")
    assert coord.post(f"/renewals/{cid}/cancel").status_code == 409
    assert renewal_of(cid).status == "applied"


# --- pages -------------------------------------------------------------------------------


def test_list_shows_next_action_and_days_left(app, coord, world):
    on(app, "2024-01-03")
    page = coord.get("/renewals/").get_data(as_text=True)
    assert "未申込" in page and "継続申込をしてください" in page
    assert "2024年1月10日" in page and "あと 7 日" in page


def test_step_page_shows_every_step_with_dates(app, coord, world):
    on(app, "2023-12-01")
    page = coord.get(f"/renewals/{world['contract_id']}").get_data(as_text=True)
    for title in ("継続申込", "事務局による承認", "ユーザID一覧のダウンロード", "継続ユーザIDの読み込み",
                  "継続処理終了", "新規ユーザID登録", "開設メール送信"):
        assert title in page
    assert "2023年12月11日(月)から" in page  # registration opens on the 11th of M-1
    assert "2024年1月31日(水)まで" in page  # continuation due on the last day of M


def test_live_check_fragment(app, coord, world):
    on(app, "2023-11-01")
    cid = world["contract_id"]
    ok = coord.get(f"/renewals/{cid}/apply/check?library=english&seats=10",
                   headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "申込内容の確認" in ok and "ライブラリ変更" in ok and "<html" not in ok
    bad = coord.get(f"/renewals/{cid}/apply/check?library=gold&seats=x",
                    headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "1以上の整数" in bad


# --- isolation ----------------------------------------------------------------------------


def test_another_organisations_contract_is_404_everywhere(app, client, world, make):
    on(app, "2023-11-01")
    other = make.organisation()
    make.coordinator(other, login_id="coord-other")
    db.session.commit()
    client.login("coord-other", PASSWORD)
    cid = world["contract_id"]
    assert client.get(f"/renewals/{cid}").status_code == 404
    assert client.get(f"/renewals/{cid}/apply").status_code == 404
    assert client.get(f"/renewals/{cid}/apply/check?library=gold&seats=1").status_code == 404
    assert apply(client, cid).status_code == 404
    assert client.post(f"/renewals/{cid}/cancel").status_code == 404
    assert "gold" not in client.get("/renewals/").get_data(as_text=True)
    assert renewal_of(cid) is None


def test_other_roles_cannot_use_coordinator_pages(app, client, world):
    client.login("ops-x", PASSWORD)
    assert client.get(f"/renewals/{world['contract_id']}").status_code == 403


def test_missing_login_redirects(client, world):
    response = client.get(f"/renewals/{world['contract_id']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
