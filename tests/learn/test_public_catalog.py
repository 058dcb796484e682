"""The public catalog: no login, the printable list, and title requests that go to the
publisher by email with an acknowledgement to the requester."""

import re
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboundEmail, TitleRequest

from .helpers import TODAY, text


def listed_titles(response) -> list[str]:
    import re

    return re.findall(r"<tr>\s*<td>([^<]+)</td>", text(response))


def test_the_list_needs_no_login(client, world, make_book):
    make_book("学校の本")
    make_book("会社の本", libraries=[world.gold])
    make_book("終わった本", listed_until=TODAY - timedelta(days=1))
    make_book("まもなく終わる本", listed_until=TODAY + timedelta(days=3))
    response = client.get("/catalog/")
    assert response.status_code == 200
    assert sorted(listed_titles(response)) == ["まもなく終わる本", "会社の本", "学校の本"]
    page = text(response)
    assert "6月4日まで" in page and "まもなく掲載終了" in page
    assert "2026年6月1日 現在" in page


def test_the_list_filters_by_library(client, world, make_book):
    make_book("学校の本")
    make_book("会社の本", libraries=[world.gold])
    school = client.get(f"/catalog/?library={world.school_library.id}")
    assert listed_titles(school) == ["学校の本"]


def test_the_list_prints(client, world, make_book):
    make_book("学校の本")
    page = text(client.get("/catalog/"))
    assert 'href="/static/learn.css"' in page
    assert "data-print" in page and "no-print" in page
    css = client.get("/static/learn.css").get_data(as_text=True)
    assert "@media print" in css and ".no-print" in css


def test_a_request_goes_to_the_publisher_and_is_acknowledged(client, world):
    page = client.get("/catalog/request")
    assert page.status_code == 200 and 'name="requester_email"' in text(page)
    response = client.post("/catalog/request", {
        "publisher": world.publisher.id, "title": "読みたい本", "author": "作家 花子",
        "message": "図書委員会からのお願いです。", "requester_name": "図書 係",
        "requester_email": "Librarian@School.example.jp", "organisation_name": "テスト学園",
    })
    assert response.status_code == 302
    assert "確認のメールをお送りしました" in text(client.get("/catalog/"))
    mails = {m.kind: m for m in db.session.scalars(select(OutboundEmail))}
    assert set(mails) == {"title_request_to_requester"}  # the publisher hears nothing yet
    ack = mails["title_request_to_requester"]
    assert ack.recipient == "librarian@school.example.jp"
    assert "確認をお願いします" in ack.subject and "お応えできるとは限りません" in ack.body_text
    link = re.search(r"http://portal\.test(/catalog/request/confirm/\S+)", ack.body_text)[1]
    opened = client.get(link)
    assert opened.status_code == 303 and opened.headers["Location"] == "/catalog/request/confirm"
    page = client.get("/catalog/request/confirm")
    assert "読みたい本" in text(page) and page.headers["Referrer-Policy"] == "no-referrer"
    assert client.post("/catalog/request/confirm").status_code == 302
    assert "テスト書房にお伝えしました" in text(client.get("/catalog/"))
    db.session.expire_all()
    mails = {m.kind: m for m in db.session.scalars(select(OutboundEmail))}
    to_publisher = mails["title_request_to_publisher"]
    assert to_publisher.recipient == "editor@test-shobo.example.jp"
    assert "読みたい本" in to_publisher.subject and "作家 花子" in to_publisher.body_text
    assert "librarian@school.example.jp" not in to_publisher.body_text.lower()
    assert all(m.status == "sent" for m in mails.values())  # the outbox ran after the commit
    client.get(link)  # the link again, later: it says so, and nothing more is sent
    assert client.get("/catalog/request/confirm").status_code == 302
    assert "お伝え済みです" in text(client.get("/catalog/"))
    db.session.expire_all()
    assert len(db.session.scalars(select(OutboundEmail)).all()) == 2


def test_a_request_with_errors_is_explained_in_japanese(client, world):
    response = client.post("/catalog/request", {
        "publisher": "", "title": "", "requester_name": "", "requester_email": "not-an-address",
    })
    assert response.status_code == 422
    page = text(response)
    for message in ("出版社を選んでください", "書名を入力してください", "お名前を入力してください",
                    "メールアドレス「not-an-address」の形式が正しくありません"):
        assert message in page
    assert db.session.scalar(select(TitleRequest.id)) is None


def test_requests_are_limited_per_address(client, world):
    form = {"publisher": world.publisher.id, "title": "本", "requester_name": "係",
            "requester_email": "a@example.jp"}
    for _ in range(5):
        assert client.post("/catalog/request", form).status_code == 302
    refused = client.post("/catalog/request", form)
    assert refused.status_code == 429 and "1日5件まで" in text(refused)


def test_a_request_needs_csrf(client, world):
    response = client.post("/catalog/request", {"publisher": world.publisher.id}, csrf=False)
    assert response.status_code == 400


def test_an_unconfirmed_request_reaches_no_publisher_and_is_deleted_after_3_days(
        make_app, world):
    from datetime import date

    from conftest import PortalClient

    from portal.daily import run_daily

    app = make_app(PORTAL_NOW="2026-06-01T09:00:00")
    client = PortalClient(app)
    client.post("/catalog/request", {"publisher": world.publisher.id, "title": "本",
                                     "requester_name": "係", "requester_email": "a@example.jp"})
    assert db.session.scalar(select(TitleRequest.id)) is not None
    with app.app_context():
        assert run_daily(date(2026, 6, 3))["purge_unconfirmed_public_forms"] == 0
        app.config["PORTAL_NOW"] = "2026-06-04T09:00:01"
        assert run_daily(date(2026, 6, 4))["purge_unconfirmed_public_forms"] == 1
    db.session.expire_all()
    assert db.session.scalar(select(TitleRequest.id)) is None
    kinds = set(db.session.scalars(select(OutboundEmail.kind)))
    assert kinds == {"title_request_to_requester"}
