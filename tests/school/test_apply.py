"""The public application: the page without login, the calculator (htmx and without
JavaScript), bad input refused with nothing stored, and the routing of the order email
to the distributor of the prefecture or to the secretariat, over real SMTP."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import OutboundEmail, SchoolOrder
from portal.prefectures import PREFECTURES
from workers.emails import send_outbox

from .conftest import application, confirm_by_email


def stored() -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(SchoolOrder)),
            db.session.scalar(select(func.count()).select_from(OutboundEmail)))


def page(response) -> str:
    return response.get_data(as_text=True)


def test_the_page_needs_no_login_and_offers_every_prefecture(client, world):
    response = client.get("/apply")
    assert response.status_code == 200
    html = page(response)
    for name in PREFECTURES.values():
        assert f">{name}</option>" in html
    assert 'name="csrf_token"' in html and 'name="submission_key"' in html
    assert 'hx-get="/apply/quote"' in html  # htmx enhances the calculator


@pytest.mark.parametrize(
    ("personal", "shared", "expected"),
    [
        ("30", "", ["41", "基本41</td>"]),
        ("42", "0", ["41", "46", "基本41 + A契約×1"]),
        ("35", "20", ["51", "56", "基本41 + A契約×1 + B契約×1"]),
        ("１,０００", "", ["996", "1001", "基本41 + B契約×96"]),
    ],
)
def test_the_calculator_fragment(client, world, personal, shared, expected):
    response = client.get("/apply/quote", query_string={
        "personal": personal, "shared": shared, "start_month": "2026-07", "first_term": "fiscal",
    }, headers={"HX-Request": "true"})
    html = page(response)
    assert response.status_code == 200 and "<html" not in html
    for text in expected:
        assert text in html
    assert "2026年7月 ～ 2027年3月" in html and "(9か月)" in html


def test_the_calculator_without_javascript_posts_back_and_stores_nothing(client, world):
    response = client.post("/apply", application(personal="57", shared="", action="quote"))
    html = page(response)
    assert response.status_code == 200
    assert "56" in html and "61" in html and "基本41 + B契約×2" in html
    assert 'value="テスト市立みどり中学校"' in html  # what was typed stays
    assert stored() == (0, 0)


def test_prices_come_from_the_operators_settings(client, world):
    assert "料金は販売会社または事務局からご案内します" in page(
        client.get("/apply/quote?personal=42&start_month=2026-07&first_term=twelve"))
    ops = client
    ops.login("ops-s", "test-pass-123")
    ops.post("/ops/school/prices", {"effective_from": "2026-06-10", "basic_price": "123,000",
                                    "pack_a_price": "15000", "pack_b_price": "30000"})
    html = page(client.get("/apply/quote?personal=42&start_month=2026-07&first_term=twelve"))
    assert "138,000円" in html and "123,000円" in html  # 46 = 41 + A; 41 below


def test_an_order_to_a_distributor_region(app, client, world):
    response = client.post("/apply", application())
    assert response.status_code == 302 and response.location.endswith("/apply/done")
    done = page(client.get("/apply/done"))
    assert "S-00001" in done and "関東テスト供給" in done
    order = db.session.scalar(select(SchoolOrder))
    assert (order.personal_count, order.shared_count, order.licences) == (42, 10, 56)
    assert order.distributor_id == world.id("kanto") and order.status == "new"
    assert (str(order.starts_on), str(order.ends_on)) == ("2026-07-01", "2027-06-30")
    kinds = {(e.kind, e.recipient) for e in db.session.scalars(select(OutboundEmail))}
    assert kinds == {("school_order_received_to_applicant", "tosho@midori.example.jp")}
    assert confirm_by_email(client).status_code == 302  # only now is the order sent on
    db.session.expire_all()
    kinds = {(e.kind, e.recipient) for e in db.session.scalars(select(OutboundEmail))}
    assert kinds == {("school_order_received_to_applicant", "tosho@midori.example.jp"),
                     ("school_order_to_distributor", "kanto@dist.example.jp")}


def test_the_same_form_sent_twice_is_one_order(client, world):
    client.post("/apply", application())
    again = client.post("/apply", application())
    assert again.status_code == 302
    assert stored() == (1, 1)  # one order, one receipt


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"personal": "12.5"}, "個人アカウント数は0以上の整数"),
        ({"shared": "-3"}, "共用アカウント数は0以上の整数"),
        ({"personal": "たくさん"}, "個人アカウント数は0以上の整数"),
        ({"personal": "1e9"}, "個人アカウント数は0以上の整数"),
        ({"personal": "99999999"}, "多すぎます"),
        ({"personal": "6000", "shared": "6000"}, "合計が多すぎます"),
        ({"personal": "", "shared": "0"}, "少なくとも一方に1以上"),
        ({"prefecture": "48"}, "都道府県を一覧から選んでください"),
        ({"prefecture": "トウキョウ"}, "都道府県を一覧から選んでください"),
        ({"prefecture": "0"}, "都道府県を一覧から選んでください"),
        ({"prefecture": ""}, "都道府県を一覧から選んでください"),
        ({"contact_email": ""}, "メールアドレスを入力してください"),
        ({"contact_email": "tosho.example.jp"}, "メールアドレス「tosho.example.jp」の形式が正しくありません"),
        ({"school_name": "  "}, "学校名を入力してください"),
        ({"contact_name": ""}, "ご担当者名を入力してください"),
        ({"start_month": "2020-04"}, "利用開始月を一覧から選んでください"),
        ({"first_term": "forever"}, "初年度の契約期間"),
    ],
)
def test_bad_input_is_refused_in_japanese_and_nothing_is_stored(client, world, fields, message):
    response = client.post("/apply", application(**fields))
    assert response.status_code == 422
    assert message in page(response)
    assert stored() == (0, 0)


def test_a_post_without_csrf_is_refused(client, world):
    assert client.post("/apply", application(), csrf=False).status_code == 400
    assert stored() == (0, 0)


def test_the_daily_limit_per_address(client, world):
    for n in range(5):
        client.post("/apply", application(submission_key=f"k{n}"))
    response = client.post("/apply", application(submission_key="k6"))
    assert response.status_code == 429 and "1日5件まで" in page(response)
    assert stored()[0] == 5


@pytest.fixture
def app(make_app, smtp_server):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    with app.app_context():
        yield app


@pytest.mark.parametrize(
    ("prefecture", "to", "not_to"),
    [
        ("11", "kanto@dist.example.jp", ["kansai@dist.example.jp", "office@elibrary.example.jp"]),
        ("27", "kansai@dist.example.jp", ["kanto@dist.example.jp", "office@elibrary.example.jp"]),
        ("47", "office@elibrary.example.jp", ["kanto@dist.example.jp", "kansai@dist.example.jp"]),
    ],
)
def test_the_order_email_goes_to_the_distributor_or_the_secretariat(
        app, client, world, smtp_server, prefecture, to, not_to):
    client.post("/apply", application(prefecture=prefecture))
    confirm_by_email(client)
    send_outbox()
    [order_mail] = smtp_server.to(to)
    assert "新規のご注文 S-00001" in order_mail["Subject"]
    body = order_mail.get_body(("plain",)).get_content()
    assert "テスト市立みどり中学校" in body and "56" in body and "/orders/1" in body
    for address in not_to:
        assert smtp_server.to(address) == []
    [receipt] = smtp_server.to("tosho@midori.example.jp")
    assert "お申込みの確定をお願いします" in receipt["Subject"]
    receipt_body = receipt.get_body(("plain",)).get_content()
    assert ("事務局からご連絡します" in receipt_body) == (prefecture == "47")


@pytest.mark.parametrize(("typed", "code"), [("14", 14), ("神奈川県", 14), ("東京", 13),
                                             ("北海道", 1), ("大阪府", 27)])
def test_a_prefecture_by_code_or_name(client, world, typed, code):
    assert client.post("/apply", application(prefecture=typed)).status_code == 302
    assert db.session.scalar(select(SchoolOrder.prefecture)) == code


def test_left_out_start_and_term_mean_this_month_for_12_months(client, world):
    client.post("/apply", application(start_month=None, first_term=None))
    placed = db.session.scalar(select(SchoolOrder))
    assert (str(placed.starts_on), str(placed.ends_on)) == ("2026-06-01", "2027-05-31")
