"""Login throttling slows attackers, not users: growing delays, not a lock; a trusted
browser is not delayed by failures from elsewhere; a refused attempt costs no hash;
parallel attempts cannot slip past the count; rows expire."""

from __future__ import annotations

import concurrent.futures
from datetime import date

import pytest
from conftest import PortalClient
from services import HttpBrowser
from sqlalchemy import func, select

from portal import security
from portal.auth import throttle
from portal.extensions import db
from portal.models import LoginThrottle

NOW = "2026-06-10T09:00:00"


def at(app, moment: str) -> None:
    app.config["PORTAL_NOW"] = moment


@pytest.fixture
def hashes(monkeypatch):
    """How many password checks ran."""
    count = {"n": 0}
    real = security.verify_password

    def counted(*args, **kwargs):
        count["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(security, "verify_password", counted)
    return count


def test_delays_grow_and_then_let_the_right_password_in(app, client, demo, hashes):
    at(app, NOW)
    for _ in range(5):
        assert "正しくありません" in client.login("coord-a", "wrong").get_data(as_text=True)
    assert hashes["n"] == 5
    early = client.login("coord-a", "demo-pass")
    assert early.status_code == 401 and "あと10秒ログインできません" in early.get_data(as_text=True)
    assert "09:00:10 から" in early.get_data(as_text=True)
    assert hashes["n"] == 5  # refused before the hash: an attacker's flood costs nothing
    at(app, "2026-06-10T09:00:10")
    assert client.login("coord-a", "wrong").status_code == 401  # checked: the 6th failure
    refused = client.login("coord-a", "demo-pass")
    assert "あと20秒" in refused.get_data(as_text=True)  # twice as long
    at(app, "2026-06-10T09:00:30")
    assert client.login("coord-a", "demo-pass").status_code == 302  # never locked out
    assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 0


def test_the_delay_stops_growing_at_its_ceiling(app):
    with app.test_request_context():
        delays = [throttle.delay(n).total_seconds() for n in range(4, 14)]
    assert delays == [0, 10, 20, 40, 80, 160, 320, 640, 900, 900]


def test_a_trusted_browser_is_not_delayed_by_failures_from_elsewhere(app, demo, make_client):
    at(app, NOW)
    own = make_client()
    assert own.login("coord-a").status_code == 302  # this browser is now trusted
    own.post("/logout")
    attacker = make_client()
    for _ in range(12):
        attacker.login("coord-a", "guess")
    assert "ログインできません" in attacker.login("coord-a", "demo-pass").get_data(as_text=True)
    # Same minute, same account: the coordinator's own browser gets in at once.
    assert own.login("coord-a").status_code == 302


def test_a_trusted_browser_has_a_counter_of_its_own(app, demo, make_client):
    """A copied device cookie is no licence to guess: its failures are delayed too."""
    at(app, NOW)
    own = make_client()
    own.login("coord-a")
    own.post("/logout")
    for _ in range(5):
        own.login("coord-a", "wrong")
    assert "ログインできません" in own.login("coord-a").get_data(as_text=True)


def test_a_forged_device_cookie_is_ignored(app, demo, make_client):
    at(app, NOW)
    attacker = make_client()
    attacker.http.set_cookie(throttle.DEVICE_COOKIE, "eyJpZCI6IngiLCJsb2dpbnMiOlsic3RhZmY6Y29vcmQtYSJdfQ.forged")
    for _ in range(5):
        attacker.login("coord-a", "guess")
    assert "ログインできません" in attacker.login("coord-a", "demo-pass").get_data(as_text=True)


def test_unknown_ids_are_throttled_alike_and_their_rows_expire(app, client, demo, runner):
    at(app, NOW)
    for _ in range(5):
        client.login("nobody-at-all", "x")
    assert "あと10秒" in client.login("nobody-at-all", "x").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 1
    at(app, "2026-06-11T08:59:00")  # within a day of the last failure: kept
    with app.app_context():
        assert throttle.purge_forgotten_login_failures(date(2026, 6, 11)) == 0
    at(app, "2026-06-11T09:01:00")
    result = runner.invoke(args=["tick", "--date", "2026-06-11"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 0


def test_learners_are_throttled_the_same_way(app, client, demo, hashes):
    at(app, NOW)
    for _ in range(5):
        client.post("/learn/login", {"login_id": demo.personal, "password": "wrong"})
    refused = client.post("/learn/login", {"login_id": demo.personal, "password": "demo-pass"})
    assert "あと10秒" in refused.get_data(as_text=True) and hashes["n"] == 5


def test_one_address_failing_across_many_ids_is_stopped(make_app, make_client, hashes):
    app = make_app(RATELIMIT_LOGIN_FAILURES_PER_CLIENT="3 per 10 minutes")
    client = PortalClient(app)
    for n in range(3):
        assert client.login(f"school-{n:03d}", "guess").status_code == 401
    stopped = client.login("school-004", "guess")
    assert stopped.status_code == 429 and hashes["n"] == 3
    assert "ログインの失敗が多すぎます" in stopped.get_data(as_text=True)


# --- in parallel, under gunicorn with several workers --------------------------------


def _attempt(base: str, login_id: str, password: str) -> str:
    """One browser: the login page (for its CSRF token), then the POST; what it was told."""
    browser = HttpBrowser(base)
    browser.get("/login")
    status, body = browser.post("/login", {"login_id": login_id, "password": password})
    if status == 200 and "ログアウト" in body:
        return "in"
    if "正しくありません" in body:
        return "checked"
    return "throttled" if "ログインできません" in body else str(status)


def test_parallel_guesses_are_counted_before_they_are_checked(gunicorn, demo):
    """The finding: 12 parallel attempts under gunicorn -w 4 evaluated 10 guesses and let
    the right one in. Now at most LOGIN_FREE_FAILURES (5) are checked, whatever the
    order they arrive in."""
    base = gunicorn(workers=4)
    passwords = ["wrong"] * 11 + ["demo-pass"]
    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        told = list(pool.map(lambda p: _attempt(base, "coord-a", p), passwords))
    checked = told.count("checked") + told.count("in")
    assert checked <= 5, told
    assert told.count("throttled") >= 7, told
    assert set(told) <= {"checked", "in", "throttled"}, told
