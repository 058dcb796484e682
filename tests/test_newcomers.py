"""New IDs (form and template upload), courses, opening emails over real SMTP, account
cards, and the end of the opening month."""

import io
import re

import openpyxl
import pytest
from conftest import PortalClient
from factories import PASSWORD
from renewal_helpers import on
from sheet_files import xlsx
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Course, Enrolment, Learner, Library, OutboundEmail
from workers.emails import send_outbox


@pytest.fixture
def app(make_app, smtp_server):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    with app.app_context():
        yield app


@pytest.fixture
def finished(app, approved):
    """Continuing: learners 1-6 of 10 (so 6 IDs left of 12), continuation finished."""
    client = PortalClient(app)
    client.login("coord-x", PASSWORD)
    base = f"/renewals/{approved['contract_id']}"
    keep = [[f"{approved['org_code']}-{n:03d}"] for n in range(1, 7)]
    preview = client.post(base + "/continuing", {"file": (io.BytesIO(xlsx(keep)), "c.xlsx")},
                          content_type="multipart/form-data")
    upload_id = re.search(r'name="upload_id" value="(\d+)"', preview.get_data(as_text=True))[1]
    client.post(base + "/continuing/confirm", {"upload_id": upload_id})
    client.post(base + "/finalize")
    return {**approved, "client": client, "base": base}


def registered(finished):
    db.session.expire_all()
    return db.session.scalars(
        select(Learner).join(Enrolment).where(Enrolment.contract_id == finished["successor_id"])
        .order_by(Learner.login_id)).all()


def test_one_learner_by_the_form(finished):
    client, base = finished["client"], finished["base"]
    page = client.get(base + "/new-users").get_data(as_text=True)
    assert "<strong>6</strong> / 12" in page
    response = client.post(base + "/new-users", {"name": "新人 一郎", "gender": "男性",
                                                 "email": "shinjin@example.jp", "course": "c1"})
    assert response.status_code == 302
    new = registered(finished)[-1]
    assert new.login_id == f"{finished['org_code']}-011"  # the organisation's next number
    assert new.card_password and new.password_hash is None
    assert "<strong>5</strong> / 12" in client.get(base + "/new-users").get_data(as_text=True)


def test_form_errors_change_nothing(finished):
    client, base = finished["client"], finished["base"]
    response = client.post(base + "/new-users", {"name": "x", "email": "not-an-email"})
    assert response.status_code == 422
    assert "メールアドレス「not-an-email」の形式が正しくありません" in response.get_data(as_text=True)
    assert len(registered(finished)) == 6


@pytest.mark.parametrize(("value", "words"), [
    ("たなか@example.jp", "@より前に日本語"), ("a,b@example.jp", "カンマ"),
    ('"a"@example.jp', "引用符"), ("a b@example.jp", "空白"), ("a＠example.jp", "全角"),
])
def test_bad_addresses_are_refused_by_the_form_and_named_by_row(finished, value, words):
    client, base = finished["client"], finished["base"]
    response = client.post(base + "/new-users", {"name": "新人", "email": value})
    assert response.status_code == 422 and words in response.get_data(as_text=True)
    rows = [["佐藤 一", "", "sato@example.jp", ""], ["鈴木 二", "", value, ""]]
    data = xlsx(rows, header=["氏名", "性別", "メールアドレス", "コース"])
    preview = client.post(base + "/new-users", {"file": (io.BytesIO(data), "new.xlsx")},
                          content_type="multipart/form-data")
    text = preview.get_data(as_text=True)
    assert f"3行目: メールアドレス「{value}」" in text.replace("&#34;", '"') and words in text
    assert len(registered(finished)) == 6


def test_an_internationalised_domain_is_registered_as_typed(finished):
    client, base = finished["client"], finished["base"]
    response = client.post(base + "/new-users", {"name": "新人", "email": "Shin@日本語.jp"})
    assert response.status_code == 302
    assert registered(finished)[-1].email == "shin@日本語.jp"


def test_template_has_instructions_and_uploads_with_preview(finished):
    client, base = finished["client"], finished["base"]
    template = openpyxl.load_workbook(io.BytesIO(client.get(base + "/new-users/template.xlsx").data))
    assert template.sheetnames == ["新規ユーザID", "記入方法"]
    rows = [["佐藤 一", "男", "sato@example.jp", ""], ["鈴木 二", "", "", ""],
            ["高橋 三", "女性", "takahashi@example.jp", ""]]
    data = xlsx(rows, header=["氏名", "性別", "メールアドレス", "コース"])
    preview = client.post(base + "/new-users", {"file": (io.BytesIO(data), "new.xlsx")},
                          content_type="multipart/form-data")
    assert preview.status_code == 200 and "3 件を登録する" in preview.get_data(as_text=True)
    assert len(registered(finished)) == 6
    upload_id = re.search(r'name="upload_id" value="(\d+)"', preview.get_data(as_text=True))[1]
    client.post(base + "/new-users/confirm", {"upload_id": upload_id})
    client.post(base + "/new-users/confirm", {"upload_id": upload_id})  # a double click
    learners = registered(finished)
    assert len(learners) == 9
    assert [learner.gender for learner in learners[-3:]] == ["男性", None, "女性"]


def test_upload_over_the_count_is_named_by_row(finished):
    client, base = finished["client"], finished["base"]
    rows = [[f"人{n}", "", f"p{n}@example.jp", ""] for n in range(1, 9)]
    rows[2][2] = rows[0][2]  # a duplicate address too
    data = xlsx(rows, header=["氏名", "性別", "メールアドレス", "コース"])
    preview = client.post(base + "/new-users", {"file": (io.BytesIO(data), "new.xlsx")},
                          content_type="multipart/form-data")
    text = preview.get_data(as_text=True)
    assert "4行目: メールアドレス「p1@example.jp」が重複しています(2行目と同じ)。" in text
    assert "9行目: 登録できるユーザIDの残り(6)を超えています。" in text
    upload_id = re.search(r'name="upload_id" value="(\d+)"', text)[1]
    assert client.post(base + "/new-users/confirm", {"upload_id": upload_id}).status_code == 409
    assert len(registered(finished)) == 6


def test_count_is_checked_again_at_confirmation(finished):
    client, base = finished["client"], finished["base"]
    rows = [[f"人{n}", "", "", ""] for n in range(1, 7)]
    data = xlsx(rows, header=["氏名", "性別", "メールアドレス", "コース"])
    preview = client.post(base + "/new-users", {"file": (io.BytesIO(data), "new.xlsx")},
                          content_type="multipart/form-data")
    upload_id = re.search(r'name="upload_id" value="(\d+)"', preview.get_data(as_text=True))[1]
    client.post(base + "/new-users", {"name": "割り込み"})  # one more by the form meanwhile
    response = client.post(base + "/new-users/confirm", {"upload_id": upload_id})
    assert response.status_code == 409 and "超える" in response.get_data(as_text=True)
    assert len(registered(finished)) == 7


def test_courses_one_by_one_and_carried_by_the_upload(finished):
    client, base = finished["client"], finished["base"]
    learner = registered(finished)[0]
    assert "応用" in client.get(base + "/courses").get_data(as_text=True)
    course = db.session.scalar(select(Course).join(Library).where(
        Course.name == "応用", Library.code == "gold"))
    saved = client.post(base + "/courses", {"learner_id": learner.id, "course_id": course.id},
                        headers={"HX-Request": "true"})
    assert "保存しました" in saved.get_data(as_text=True)
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.learner_id == learner.id, Enrolment.contract_id == finished["successor_id"]))
    assert enrolment.course_id == course.id
    data = xlsx([["新人", "", "", "応用"]], header=["氏名", "性別", "メールアドレス", "コース"])
    preview = client.post(base + "/new-users", {"file": (io.BytesIO(data), "n.xlsx")},
                          content_type="multipart/form-data")
    upload_id = re.search(r'name="upload_id" value="(\d+)"', preview.get_data(as_text=True))[1]
    client.post(base + "/new-users/confirm", {"upload_id": upload_id})
    newcomer = registered(finished)[-1]
    assert db.session.scalar(select(Enrolment.course_id).where(
        Enrolment.learner_id == newcomer.id)) == course.id


def test_opening_emails_once_each_even_when_started_twice(finished, smtp_server, app):
    client, base = finished["client"], finished["base"]
    client.post(base + "/new-users", {"name": "新人", "email": "newbie@example.jp"})
    page = client.get(base + "/opening-emails").get_data(as_text=True)
    assert "4 人に開設メールを送信する" in page  # learners 2, 4, 6 and the newcomer
    assert client.post(base + "/opening-emails").status_code == 302
    assert client.post(base + "/opening-emails").status_code == 409  # nobody left to send to
    send_outbox()
    recipients = sorted(m["To"] for m in smtp_server.messages if "受講開始" in m["Subject"])
    assert recipients == ["learner2@example.jp", "learner4@example.jp", "learner6@example.jp",
                          "newbie@example.jp"]
    body = smtp_server.to("newbie@example.jp")[0].get_body(("plain",)).get_content()
    assert "ログインID  : " in body and "/password/" in body
    assert "パスワード:" not in body
    done = client.get(base + "/opening-emails", headers={"HX-Request": "true"})
    text = done.get_data(as_text=True)
    assert "送信が終わりました" in text and "送信 4 通" in text and "hx-trigger" not in text


def test_opening_email_link_sets_the_learners_password(finished, smtp_server):
    client, base = finished["client"], finished["base"]
    client.post(base + "/opening-emails")
    send_outbox()
    body = smtp_server.to("learner2@example.jp")[0].get_body(("plain",)).get_content()
    link = re.search(r"http://portal\.test(/password/\S+)", body)[1]
    browser = PortalClient(client.app)
    browser.get(link)
    response = browser.post("/password", {"password": "my-own-password",
                                          "confirm": "my-own-password"})
    assert response.status_code == 302 and response.headers["Location"] == "/learn/login"
    learner = db.session.scalar(select(Learner).where(Learner.email == "learner2@example.jp"))
    db.session.refresh(learner)
    assert learner.password_hash and learner.card_password is None


def test_progress_fragment_polls_while_running(finished):
    client, base = finished["client"], finished["base"]
    from portal.models import EmailBatch

    db.session.add(EmailBatch(kind="opening", contract_id=finished["successor_id"],
                              organisation_id=finished["org_id"]))
    db.session.commit()
    fragment = client.get(base + "/opening-emails", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "送信中です" in text and 'hx-trigger="load delay:1s"' in text
    assert "<html" not in text


def test_account_cards_show_issued_passwords_of_learners_without_email(finished):
    client, base = finished["client"], finished["base"]
    client.post(base + "/new-users", {"name": "カード 太郎"})
    response = client.get(base + "/account-cards")
    assert response.headers["Cache-Control"] == "no-store"  # a shared PC keeps no copy
    page = response.get_data(as_text=True)
    newcomer = registered(finished)[-1]
    assert newcomer.login_id in page
    assert re.search(rf"{newcomer.login_id}</dd>\s*<dt>パスワード</dt><dd class=\"mono\">\w{{10}}<", page)
    assert "learner2@example.jp" not in page


def test_end_of_the_opening_month(finished, runner, app):
    result = runner.invoke(args=["tick", "--date", "2024-02-01"])
    assert "expire_learners_without_contract: 4" in result.output
    db.session.expire_all()
    statuses = dict(db.session.execute(select(Learner.login_id, Learner.status)).all())
    code = finished["org_code"]
    assert statuses[f"{code}-001"] == "active" and statuses[f"{code}-007"] == "expired"
    again = runner.invoke(args=["tick", "--date", "2024-02-01"])
    assert "expire_learners_without_contract: 0" in again.output


def test_continuation_closes_by_itself_after_the_deadline(approved, runner, app):
    result = runner.invoke(args=["tick", "--date", "2024-02-01"])
    assert "close_continuation_at_deadline: 1" in result.output
    on(app, "2024-02-01")
    client = PortalClient(app)
    client.login("coord-x", PASSWORD)
    assert client.get(f"/renewals/{approved['contract_id']}/new-users").status_code == 200


def test_school_new_ids_carry_no_personal_data(app, make, client):
    from portal.models import Contract, StaffUser
    from portal.ops.services import approve
    from portal.renewal.services import apply as apply_for

    on(app, "2023-12-15")
    school = make.organisation(kind="school", code="SCH1")
    coordinator = make.coordinator(school, login_id="coord-school")
    library = make.library("school", family="school", min_seats=41)
    contract_id = make.contract(school, library, seats=41).id
    operator = make.operator()
    school_id = school.id
    db.session.commit()
    renewal = apply_for(db.session.get(Contract, contract_id),
                        db.session.get(StaffUser, coordinator.id), "school", "46", False)
    approve(renewal.id, operator)
    on(app, "2024-02-01")
    client.login("coord-school", PASSWORD)
    base = f"/renewals/{contract_id}"
    refused = client.post(base + "/new-users", {"kind": "個人", "name": "生徒の名前"})
    assert refused.status_code == 422 and "個人情報" in refused.get_data(as_text=True)
    assert client.post(base + "/new-users", {"kind": "共用"}).status_code == 302
    learner = db.session.scalar(select(Learner).where(Learner.organisation_id == school_id))
    assert (learner.login_id, learner.kind, learner.name, learner.email) == (
        "SCH1-001", "shared", None, None)
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)
                             .where(OutboundEmail.kind == "opening_to_learner")) == 0
