"""Rate limits of the public forms: per client, global and per destination, a Japanese
429, and the limits held under parallel posts to gunicorn with four workers (Redis)."""

from __future__ import annotations

import threading

from services import HttpBrowser
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import OutboundEmail, SchoolOrder

from .conftest import TODAY, application


def orders() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(SchoolOrder))


def test_one_client_is_limited_per_hour_with_a_japanese_429(make_app, world):
    from conftest import PortalClient

    app = make_app(PORTAL_TODAY=TODAY, RATELIMIT_APPLY_PER_CLIENT="3 per hour")
    client = PortalClient(app)
    for n in range(3):
        assert client.post("/apply", application(
            submission_key=f"k{n}", contact_email=f"t{n}@midori.example.jp")).status_code == 302
    refused = client.post("/apply", application(submission_key="k9",
                                                contact_email="t9@midori.example.jp"))
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "送信の回数が上限に達しました" in refused.get_data(as_text=True)
    assert orders() == 3


def test_recalculating_without_javascript_is_not_counted(make_app, world):
    from conftest import PortalClient

    app = make_app(PORTAL_TODAY=TODAY, RATELIMIT_APPLY_PER_CLIENT="2 per hour")
    client = PortalClient(app)
    for _ in range(5):
        assert client.post("/apply", application(action="quote")).status_code == 200
    assert client.post("/apply", application()).status_code == 302


def test_the_global_limit_holds_across_client_addresses(make_app, world):
    app = make_app(PORTAL_TODAY=TODAY, RATELIMIT_APPLY_GLOBAL="2 per hour")
    answers = []
    for n in range(4):
        http = app.test_client()
        http.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        http.get("/apply")
        with http.session_transaction() as session:
            token = session.get("csrf_token")
        from flask_wtf.csrf import generate_csrf

        with app.test_request_context():
            from flask import session as flask_session

            flask_session["csrf_token"] = token
            signed = generate_csrf()
        answers.append(http.post("/apply", data=application(
            submission_key=f"g{n}", contact_email=f"g{n}@midori.example.jp",
            csrf_token=signed)).status_code)
    assert answers == [302, 302, 429, 429]


def test_one_destination_is_limited_per_day_from_any_client(make_app, world):
    from conftest import PortalClient

    app = make_app(PORTAL_TODAY=TODAY, RATELIMIT_APPLY_PER_ADDRESS="2 per day")
    answers = [PortalClient(app).post("/apply", application(submission_key=f"d{n}"))
               for n in range(3)]  # three browsers, one victim's address
    assert [a.status_code for a in answers] == [302, 302, 429]
    assert "このメールアドレス宛てには" in answers[2].get_data(as_text=True)
    assert orders() == 2
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail).where(
        OutboundEmail.recipient == "tosho@midori.example.jp")) == 2


def test_a_typing_mistake_costs_no_send(make_app, world):
    from conftest import PortalClient

    app = make_app(PORTAL_TODAY=TODAY, RATELIMIT_APPLY_PER_ADDRESS="1 per day")
    client = PortalClient(app)
    assert client.post("/apply", application(personal="x")).status_code == 422
    assert client.post("/apply", application()).status_code == 302


# --- in parallel, under gunicorn -----------------------------------------------------


def _post_in_parallel(base: str, forms: list[dict]) -> list[int]:
    browsers = [HttpBrowser(base) for _ in forms]
    for browser in browsers:
        browser.get("/apply")
    start, answers = threading.Barrier(len(forms)), [0] * len(forms)

    def post(n: int) -> None:
        fields = {**forms[n], "submission_key": browsers[n].field("submission_key")}
        start.wait()
        answers[n] = browsers[n].post("/apply", fields)[0]

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(forms))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_parallel_posts_with_one_address_make_five_orders(world, gunicorn, redis_url):
    base = gunicorn(workers=4, REDIS_URL=redis_url, PORTAL_TODAY=TODAY,
                    RATELIMIT_KEY_PREFIX=f"par-{id(world)}",
                    RATELIMIT_APPLY_PER_CLIENT="100 per hour")
    forms = [application(submission_key=None) for _ in range(12)]
    answers = _post_in_parallel(base, forms)
    assert sorted(answers) == [200] * 5 + [429] * 7  # 200: the done page after the redirect
    assert orders() == 5


def test_parallel_posts_from_one_client_stop_at_its_limit(world, gunicorn, redis_url):
    base = gunicorn(workers=4, REDIS_URL=redis_url, PORTAL_TODAY=TODAY,
                    RATELIMIT_KEY_PREFIX=f"cli-{id(world)}")
    forms = [application(submission_key=None, contact_email=f"p{n}@midori.example.jp")
             for n in range(12)]
    answers = _post_in_parallel(base, forms)
    assert sorted(answers) == [200] * 10 + [429] * 2
    assert orders() == 10


def test_with_redis_away_the_form_still_works(make_app, world):
    """The limits' storage unreachable: counted in the process, never a 500."""
    from conftest import PortalClient, free_port

    app = make_app(PORTAL_TODAY=TODAY, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0",
                   RATELIMIT_APPLY_PER_ADDRESS="1 per day")
    client = PortalClient(app)
    assert client.post("/apply", application()).status_code == 302
    assert client.post("/apply", application(submission_key="again")).status_code == 429
    assert orders() == 1
