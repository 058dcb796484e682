"""Learner sessions: the last login wins, 20 idle minutes end a session on the server,
logout ends it for good, and a learner's answers are never cached."""

from datetime import timedelta

from sqlalchemy import func, select

from portal.daily import run_daily
from portal.extensions import db
from portal.models import Learner, LearnerSession

from .helpers import IDLE, NOW, REPLACED, TODAY, move_clock, text


def open_sessions() -> int:
    return db.session.scalar(
        select(func.count()).select_from(LearnerSession).where(LearnerSession.ended_at.is_(None))
    )


def test_a_second_login_ends_the_first(client, make_client, make_learner, learner_login):
    learner = make_learner()
    first, second = client, make_client()
    learner_login(first, learner.login_id)
    assert first.get("/learn/").status_code == 200
    learner_login(second, learner.login_id)

    ended = first.get("/learn/")
    assert ended.status_code == 302 and ended.headers["Location"] == "/learn/login"
    assert REPLACED in text(first.get("/learn/login"))
    assert second.get("/learn/").status_code == 200
    assert open_sessions() == 1
    reasons = db.session.scalars(select(LearnerSession.end_reason)).all()
    assert sorted(r or "" for r in reasons) == ["", "replaced"]


def test_the_ended_device_logs_back_in_and_wins(client, make_client, make_learner, learner_login):
    learner = make_learner()
    learner_login(client, learner.login_id)
    intruder = make_client()
    learner_login(intruder, learner.login_id)
    learner_login(client, learner.login_id)  # seed 003: log in again to push the other out
    assert client.get("/learn/").status_code == 200
    assert intruder.get("/learn/").status_code == 302


def test_idle_time_ends_the_session(app, client, make_learner, learner_login):
    learner_login(client, make_learner().login_id)
    move_clock(app, NOW + timedelta(minutes=19))
    assert client.get("/learn/").status_code == 200  # activity: the clock starts again
    move_clock(app, NOW + timedelta(minutes=38))
    assert client.get("/learn/").status_code == 200
    move_clock(app, NOW + timedelta(minutes=58))
    response = client.get("/learn/")
    assert response.status_code == 302
    page = text(client.get("/learn/login"))
    assert "20" + IDLE in page
    row = db.session.scalar(select(LearnerSession))
    db.session.refresh(row)
    assert row.end_reason == "idle"


def test_the_idle_limit_is_configurable(app, client, make_learner, learner_login):
    app.config["LEARNER_IDLE_MINUTES"] = 5
    learner_login(client, make_learner().login_id)
    move_clock(app, NOW + timedelta(minutes=5))
    assert client.get("/learn/").status_code == 302
    assert "5" + IDLE in text(client.get("/learn/login"))


def test_the_page_carries_the_idle_limit_for_the_warning(client, make_learner, learner_login):
    learner_login(client, make_learner().login_id)
    page = text(client.get("/learn/"))
    assert 'data-idle-seconds="1200"' in page
    assert 'src="/static/learn.js"' in page
    assert "<script>" not in page and "style=" not in page


def test_keepalive_notes_activity(app, client, make_learner, learner_login):
    learner_login(client, make_learner().login_id)
    move_clock(app, NOW + timedelta(minutes=18))
    assert client.post("/learn/keepalive").status_code == 204
    move_clock(app, NOW + timedelta(minutes=37))
    assert client.get("/learn/").status_code == 200
    move_clock(app, NOW + timedelta(minutes=60))
    assert client.post("/learn/keepalive").status_code == 401


def test_an_htmx_request_after_the_end_moves_the_whole_page(
    app, client, make_learner, learner_login
):
    learner_login(client, make_learner().login_id)
    move_clock(app, NOW + timedelta(minutes=21))
    response = client.get("/learn/?q=x", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/learn/login"


def test_logout_ends_the_session_on_the_server(client, make_learner, learner_login):
    learner_login(client, make_learner().login_id)
    cookie = client.http.get_cookie("portal_session").value
    response = client.post("/learn/logout")
    assert response.headers["Location"] == "/learn/login"
    assert "ログアウトしました" in text(client.get("/learn/login"))
    client.http.set_cookie("portal_session", cookie)  # a copied cookie opens nothing
    assert client.get("/learn/").status_code == 302
    assert open_sessions() == 0


def test_logout_needs_csrf(client, make_learner, learner_login):
    learner_login(client, make_learner().login_id)
    assert client.post("/learn/logout", csrf=False).status_code == 400
    assert open_sessions() == 1


def test_a_disabled_account_is_ended_at_its_next_request(client, make_learner, learner_login):
    learner = make_learner()
    learner_login(client, learner.login_id)
    db.session.get(Learner, learner.id).status = "disabled"
    db.session.commit()
    assert client.get("/learn/").status_code == 302
    assert "ご利用期間が終わった" in text(client.get("/learn/login"))


def test_learner_pages_are_not_cached(client, make_learner, make_book, learner_login):
    book = make_book()
    learner_login(client, make_learner().login_id)
    for path in ("/learn/", f"/learn/books/{book.id}", "/learn/login"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_the_daily_tick_ends_abandoned_sessions(app, client, make_learner, learner_login):
    learner_login(client, make_learner().login_id)
    move_clock(app, NOW + timedelta(minutes=10))
    assert run_daily(TODAY)["end_idle_learner_sessions"] == 0
    move_clock(app, NOW + timedelta(hours=3))
    assert run_daily(TODAY)["end_idle_learner_sessions"] == 1
    assert open_sessions() == 0
