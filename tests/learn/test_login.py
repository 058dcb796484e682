"""Learner login: who gets in, one message for bad IDs and passwords, throttling per
account, refusals in Japanese, a session independent of the staff login."""

from datetime import date, timedelta

from sqlalchemy import select

from portal import security
from portal.extensions import db
from portal.models import Contract, Enrolment, LearnerSession
from portal.models.contract import INITIAL

from .helpers import BAD, PASSWORD, TODAY, text


def test_a_learner_logs_in_and_sees_the_catalog(client, make_learner, learner_login):
    learner = make_learner()
    response = learner_login(client, learner.login_id)
    assert response.status_code == 302
    assert response.headers["Location"] == "/learn/"
    page = client.get("/learn/")
    assert page.status_code == 200
    assert learner.login_id in text(page) and "本をさがす" in text(page)


def test_the_login_page_has_the_fields_of_the_contract(client, world):
    page = text(client.get("/learn/login"))
    assert 'name="login_id"' in page and 'name="password"' in page
    assert 'name="csrf_token"' in page


def test_ids_are_forgiven_width_and_case(client, make_learner, learner_login):
    make_learner(login_id="S0001-001")
    assert learner_login(client, " ｓ０００１－００１ ").status_code == 302


def test_wrong_password_and_unknown_id_get_the_same_answer(client, make_learner, learner_login):
    learner = make_learner()
    wrong = learner_login(client, learner.login_id, "not-it")
    unknown = learner_login(client, "NOBODY-999", "whatever")
    assert wrong.status_code == unknown.status_code == 401
    assert BAD in text(wrong) and BAD in text(unknown)


def test_a_chosen_password_is_checked_against_its_hash(client, make_learner, learner_login):
    learner = make_learner(password_hash=security.hash_password("my-own-pass"), card_password=None)
    assert learner_login(client, learner.login_id, PASSWORD).status_code == 401
    assert learner_login(client, learner.login_id, "my-own-pass").status_code == 302


def test_throttle_is_per_account(client, make_client, make_learner, learner_login, app):
    first, second = make_learner(), make_learner()
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        assert learner_login(client, first.login_id, "wrong").status_code == 401
    locked = learner_login(client, first.login_id)
    assert locked.status_code == 401
    assert "ログインできません" in text(locked)
    # The whole school shares one address: another ID from it still gets in.
    assert learner_login(make_client(), second.login_id).status_code == 302


def test_a_disabled_account_is_told_so_only_with_the_right_password(
    client, make_learner, learner_login
):
    learner = make_learner(status="disabled")
    refused = learner_login(client, learner.login_id)
    assert refused.status_code == 403
    assert "利用停止" in text(refused)
    assert BAD in text(learner_login(client, learner.login_id, "wrong"))


def test_an_expired_account_is_refused(client, make_learner, learner_login):
    rotated = make_learner(valid_until=TODAY - timedelta(days=1))
    refused = learner_login(client, rotated.login_id)
    assert refused.status_code == 403
    assert "有効期限が切れています" in text(refused)
    assert "2026年5月31日まで" in text(refused)
    assert learner_login(client, make_learner(status="expired").login_id).status_code == 403


def test_valid_until_today_still_gets_in(client, make_learner, learner_login):
    assert learner_login(client, make_learner(valid_until=TODAY).login_id).status_code == 302


def test_no_contract_in_force_is_refused(client, world, make_learner, learner_login):
    old = Contract.for_term(
        date(2025, 1, 1), date(2025, 12, 31), organisation=world.school,
        library=world.school_library, seats=41,
    )
    future = Contract.for_term(
        date(2026, 9, 1), date(2027, 8, 31), organisation=world.school,
        library=world.school_library, seats=41,
    )
    db.session.add_all([old, future])
    db.session.commit()
    ended = learner_login(client, make_learner(contract=old).login_id)
    assert ended.status_code == 403 and "利用期間が終了" in text(ended)
    early = learner_login(client, make_learner(contract=future).login_id)
    assert early.status_code == 403 and "2026年9月1日から" in text(early)


def test_the_grace_month_after_the_term_still_gets_in(client, world, make_learner, learner_login):
    # Ended 31 May: its learners keep working to the end of June (the renewal's month M).
    just_ended = Contract.for_term(
        date(2025, 6, 1), date(2026, 5, 31), organisation=world.school,
        library=world.school_library, seats=41,
    )
    db.session.add(just_ended)
    db.session.commit()
    assert learner_login(client, make_learner(contract=just_ended).login_id).status_code == 302


def test_the_latest_contract_in_force_is_chosen(client, world, make_learner, learner_login):
    old = Contract.for_term(
        date(2025, 6, 1), date(2026, 5, 31), organisation=world.school,
        library=world.school_library, seats=41,
    )
    db.session.add(old)
    learner = make_learner()  # in world.contract, which started 1 April 2026
    db.session.add(Enrolment(contract=old, learner=learner, source=INITIAL))
    db.session.commit()
    learner_login(client, learner.login_id)
    row = db.session.scalar(select(LearnerSession))
    assert row.contract_id == world.contract.id


def test_learner_and_staff_logins_are_separate(client, make_learner, learner_login, operator):
    learner_login(client, make_learner().login_id)
    assert client.get("/").headers["Location"].startswith("/login")  # no staff login
    staff = type(client)(client.app)
    staff.login("ops")
    assert staff.get("/learn/").headers["Location"] == "/learn/login"


def test_the_session_cookie_ends_with_the_browser(client, make_learner, learner_login):
    response = learner_login(client, make_learner().login_id)
    [cookie] = [c for c in response.headers.getlist("Set-Cookie")
                if c.startswith("portal_session=")]
    assert "Expires" not in cookie and "Max-Age" not in cookie
    assert "HttpOnly" in cookie


def test_pages_need_a_login(client, world):
    for path in ("/learn/", "/learn/books/1", "/learn/books/1?page=2"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"] == "/learn/login"


def test_login_needs_csrf(client, make_learner):
    learner = make_learner()
    response = client.post(
        "/learn/login", {"login_id": learner.login_id, "password": PASSWORD}, csrf=False
    )
    assert response.status_code == 400
