"""Staff login and logout: one message for bad IDs and passwords, throttling per account,
server-side sessions, CSRF."""

import time

from sqlalchemy import select

from portal.extensions import db
from portal.models import StaffSession

BAD = "ログインIDまたはパスワードが正しくありません。"


def logged_in(client) -> bool:
    response = client.get("/")
    return "/login" not in response.headers.get("Location", "")


def test_login_and_home(client, demo):
    response = client.login("coord-a")
    assert response.status_code == 302
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "A社 教育担当 青木" in page
    assert "ログアウト" in page


def test_login_id_is_not_case_or_width_sensitive(client, demo):
    assert client.login("ＣＯＯＲＤ－Ａ ").status_code == 302


def test_unknown_id_and_wrong_password_get_the_same_answer(client, demo):
    wrong = client.login("coord-a", "not-the-password")
    unknown = client.login("nobody-here", "whatever")
    assert wrong.status_code == unknown.status_code == 401
    assert BAD in wrong.get_data(as_text=True)
    assert BAD in unknown.get_data(as_text=True)


def test_unknown_id_takes_as_long_as_a_wrong_password(make_app, make):
    """With production-strength argon2 on both sides: a wrong password costs one verify
    (~0.1 s); without the dummy verify, an unknown ID would answer in about a millisecond."""
    from conftest import PortalClient

    app = make_app(PASSWORD_HASH_PROFILE="default")
    with app.app_context():
        make.operator(login_id="timed")
        db.session.commit()
    client = PortalClient(app)

    def timed(login_id):
        start = time.perf_counter()
        client.login(login_id, "wrong-password")
        return time.perf_counter() - start

    wrong = min(timed("timed") for _ in range(3))
    unknown = min(timed(f"ghost-{i}") for i in range(3))
    assert unknown > wrong * 0.5


def test_throttle_is_per_account_not_per_address(client, make_client, demo, app):
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        assert client.login("coord-a", "wrong").status_code == 401
    locked = client.login("coord-a", "demo-pass")
    assert locked.status_code == 401
    assert "ログインできません" in locked.get_data(as_text=True)
    # Another account from the same address (the test client's) still logs in.
    assert make_client().login("coord-b").status_code == 302


def test_logout_ends_the_session_on_the_server(client, demo):
    client.login("coord-a")
    cookie = client.http.get_cookie("portal_session").value
    assert logged_in(client)
    assert client.post("/logout").status_code == 302
    assert db.session.query(StaffSession).filter(StaffSession.ended_at.isnot(None)).count() == 1
    # The old cookie, replayed, no longer logs anyone in.
    client.http.set_cookie("portal_session", cookie)
    assert not logged_in(client)


def test_a_new_login_replaces_the_session_cookie(client, demo):
    client.login("coord-a")
    first = client.http.get_cookie("portal_session").value
    client.login("coord-a")
    assert client.http.get_cookie("portal_session").value != first


def test_post_without_csrf_token_is_refused(client, demo):
    response = client.post("/login", {"login_id": "ops", "password": "demo-pass"}, csrf=False)
    assert response.status_code == 400
    assert "送信を受け付けられませんでした" in response.get_data(as_text=True)


def test_next_parameter_cannot_leave_the_site(client, demo):
    assert client.login("ops", next="https://evil.example/").headers["Location"] == "/"
    assert client.login("ops", next="//evil.example/").headers["Location"] == "/"
    assert client.login("ops", next="/dev/mailbox").headers["Location"] == "/dev/mailbox"
    # Browsers read /\ as //; a line break cannot go into a Location header (it was a 500
    # after the session row had been written).
    assert client.login("ops", next="/\\evil.example/").headers["Location"] == "/"
    assert client.login("ops", next="/%0d%0aX:%20y").headers["Location"] == "/"


def test_missing_login_redirects_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_staff_are_logged_out_after_an_idle_hour(app, client, demo):

    app.config["PORTAL_NOW"] = "2026-06-10T09:00:00"
    client.login("coord-a")
    app.config["PORTAL_NOW"] = "2026-06-10T09:59:00"  # 59 minutes later: still in
    assert client.get("/renewals/").status_code == 200
    app.config["PORTAL_NOW"] = "2026-06-10T10:58:30"  # 59.5 minutes after that request
    assert client.get("/renewals/").status_code == 200
    app.config["PORTAL_NOW"] = "2026-06-10T11:59:00"  # an hour without a request
    gone = client.get("/renewals/")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/login")
    page = client.get(gone.headers["Location"]).get_data(as_text=True)
    assert "60分間操作がなかったため、ログアウトしました" in page
    ended = db.session.scalar(select(StaffSession).order_by(StaffSession.id.desc()))
    assert ended.end_reason == "idle"
    assert client.get("/renewals/").status_code == 302  # the cookie opens nothing now
