"""The whole renewal of company A as its coordinator clicks it, in Chromium, on the demo
data: apply, the operator approves (a second browser), download the user-ID list, delete
rows in it, upload it, save the preview, finish continuation, add new IDs by the form and
by the template, send the opening emails and watch them go out.

Jobs go through a private Redis to a real `flask worker` process, and the emails to a
real SMTP server: the progress fragment is seen running, polling itself, then done, and
the server receives one opening email per learner with an address, no more.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

import openpyxl
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Enrolment, Learner, Renewal

from .conftest import expect, learner_login, staff_login

pytestmark = pytest.mark.browser

DROPPED = {"A0001-003", "A0001-006", "A0001-009"}  # do not continue
KEPT = {f"A0001-{n:03d}" for n in range(1, 11)} - DROPPED
NEW_PASSWORD = "umi-no-hi-2026"
BY_FORM = ("新人 一郎", "男性", "shinjin1@a-corp.example.jp", "新入社員基礎")
BY_TEMPLATE = [
    ("新人 二葉", "女性", "shinjin2@a-corp.example.jp", "新入社員基礎"),
    ("中途 三郎", "男性", "chuto3@a-corp.example.jp", "中堅社員"),
    ("中途 四季", "", "chuto4@a-corp.example.jp", ""),
]


@pytest.fixture
def portal(live_portal, private_redis, slow_smtp, workers):
    """The demo portal sending its jobs to Redis, one worker and the SMTP server."""
    served = live_portal(REDIS_URL=private_redis.url, MAIL_SERVER="127.0.0.1",
                         MAIL_PORT=slow_smtp.port)
    # The worker keeps the served app's clock (today) and links to its address.
    workers(private_redis.url, slow_smtp.port, PORTAL_BASE_URL=served.url, PORTAL_TODAY=None)
    return served


def test_the_whole_renewal_as_the_coordinator_clicks_it(
    portal, slow_smtp, new_tab, screens, tmp_path
):
    coordinator, operator = new_tab(), new_tab()
    steps = f"{portal.url}/renewals/{portal.a_contract_id}"

    apply(coordinator, portal.url, steps, screens)
    approve(operator, portal.url, screens)
    continuing = download_and_upload_the_continuing_list(coordinator, steps, screens, tmp_path)
    finish_continuation(coordinator, steps, screens)
    new_ids = add_new_ids(coordinator, steps, screens, tmp_path)
    send_opening_emails(coordinator, steps, screens)

    expected = {f"{login.lower()}@a-corp.example.jp" for login in continuing} | new_ids
    assert addresses_of_the_new_contract(portal) == expected
    openings = [m for m in slow_smtp.messages if "受講開始のご案内" in m["Subject"]]
    received = sorted(parseaddr(m["To"])[1] for m in openings)
    assert received == sorted(expected)  # one each: nobody missing, nobody twice

    learner = new_tab()  # a continuing learner follows the link of the email
    [email] = [m for m in openings if parseaddr(m["To"])[1] == "a0001-001@a-corp.example.jp"]
    set_password_and_log_in(learner, portal.url, email, screens)
    assert [] == coordinator.console_errors == operator.console_errors == learner.console_errors


def apply(tab, base: str, steps: str, screens) -> None:
    """継続申込: 金ライブラリ, 20 IDs, with the live check of what approval locks."""
    staff_login(tab, base, "coord-a")
    tab.goto(f"{base}/renewals/")
    expect(tab.locator("main")).to_contain_text("A株式会社")
    tab.get_by_role("link", name="金ライブラリ").click()
    tab.wait_for_url(steps)
    tab.get_by_role("link", name="継続申込", exact=True).click()
    tab.wait_for_url(f"{steps}/apply")
    tab.check("#library-gold")
    tab.fill("#seats", "")
    expect(tab.locator("#apply-check")).to_contain_text("ユーザID数を入力するか")  # htmx
    tab.fill("#seats", "20")
    check = tab.get_by_role("region", name="申込内容の確認")
    expect(check).to_contain_text("20 ID")
    expect(check).to_contain_text("ライブラリ種別とユーザID数は固定")
    screens.shot(tab, "apply")
    tab.get_by_role("button", name="この内容で申し込む").click()
    tab.wait_for_url(steps)
    expect(tab.locator(".flashes")).to_contain_text("継続申込を受け付けました。")
    expect(step(tab, "事務局による承認")).to_contain_text("承認されるとメールでお知らせします")


def approve(tab, base: str, screens) -> None:
    """The operator, in a browser of their own, approves on /ops/renewals."""
    staff_login(tab, base, "ops")
    tab.goto(f"{base}/ops/renewals")
    row = tab.locator("#renewal-rows tbody tr", has_text="A株式会社")
    expect(row).to_contain_text("金ライブラリ・20 ID")
    screens.shot(tab, "ops-renewals")
    row.get_by_role("button", name="承認").click()
    expect(tab.locator(".flashes")).to_contain_text("A株式会社 の継続申込を承認しました。")
    expect(tab.locator("#renewal-rows tbody tr", has_text="A株式会社")).to_contain_text("承認済")


def download_and_upload_the_continuing_list(tab, steps: str, screens, tmp_path) -> set[str]:
    """Download users.xlsx, delete three rows with openpyxl, upload it, save the preview."""
    tab.goto(steps)
    expect(step(tab, "事務局による承認")).to_contain_text("お申込みが確定しました")
    tab.get_by_role("link", name="継続ユーザIDの読み込み").click()
    tab.wait_for_url(f"{steps}/continuing")
    with tab.expect_download() as download:
        tab.get_by_role("link", name="Excel(.xlsx)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    listed = tmp_path / download.value.suggested_filename
    download.value.save_as(listed)

    book = openpyxl.load_workbook(listed)
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["ユーザID", "氏名", "性別", "メールアドレス"]
    ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(ids) == sorted(KEPT | DROPPED)
    for number in sorted((i for i, login in enumerate(ids, 2) if login in DROPPED), reverse=True):
        sheet.delete_rows(number)
    edited = tmp_path / "継続ユーザID.xlsx"
    book.save(edited)

    tab.set_input_files("#file", edited)
    tab.get_by_role("button", name="読み込んで確認する").click()
    expect(tab.get_by_role("heading", name="読み込み内容の確認")).to_be_visible()
    assert definition(tab, "継続する") == "7 / 新しい契約 20"
    assert (definition(tab, "継続しない"), definition(tab, "エラー")) == ("3", "0")
    tab.get_by_role("link", name="継続しない (3)").click()  # an htmx tab
    dropped = tab.locator("#preview-lines tbody")
    for login in DROPPED:
        expect(dropped).to_contain_text(login)
    screens.shot(tab, "continuing-preview")
    tab.get_by_role("button", name="この 7 件を継続ユーザIDとして保存する").click()
    tab.wait_for_url(f"{steps}/continuing")
    expect(tab.locator(".flashes")).to_contain_text("継続ユーザIDのリストを保存しました(7 件)")
    return KEPT


def finish_continuation(tab, steps: str, screens) -> None:
    """継続処理終了, through its confirmation page."""
    tab.get_by_role("link", name="継続処理終了へ進む").click()
    tab.wait_for_url(f"{steps}/finalize")
    assert definition(tab, "継続するユーザID") == "7"
    expect(tab.locator("main")).to_contain_text("この操作は取り消せません。")
    screens.shot(tab, "finalize")
    tab.get_by_role("button", name="継続処理を終了する").click()
    tab.wait_for_url(steps)
    expect(tab.locator(".flashes")).to_contain_text("継続処理を終了しました。")
    expect(step(tab, "継続処理終了")).to_contain_text("継続ユーザIDは確定しました")


def add_new_ids(tab, steps: str, screens, tmp_path) -> set[str]:
    """One new ID by the form, three by the template; answers their addresses."""
    tab.get_by_role("link", name="新規ユーザID登録", exact=True).click()
    tab.wait_for_url(f"{steps}/new-users")
    expect(tab.locator(".remaining")).to_contain_text("13 / 20")
    name, gender, email, course = BY_FORM
    tab.fill("#name", name)
    tab.select_option("#gender", gender)
    tab.fill("#email", email)
    tab.select_option("#course", label=course)
    tab.get_by_role("button", name="登録する", exact=True).click()
    expect(tab.locator(".flashes")).to_contain_text("ユーザID A0001-011 を登録しました。")
    expect(tab.locator(".remaining")).to_contain_text("12 / 20")

    with tab.expect_download() as download:
        tab.get_by_role("link", name="新規ユーザID登録用フォーマット(Excel)").click()
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    book = openpyxl.load_workbook(template)
    sheet = book["新規ユーザID"]
    assert [cell.value for cell in sheet[1]] == ["氏名", "性別", "メールアドレス", "コース"]
    for row, person in enumerate(BY_TEMPLATE, start=2):  # over the example row, as told
        for column, value in enumerate(person, start=1):
            sheet.cell(row=row, column=column, value=value or None)
    filled = tmp_path / "新規ユーザID登録.xlsx"
    book.save(filled)

    tab.set_input_files("#file", filled)
    tab.get_by_role("button", name="読み込んで確認する").click()
    expect(tab.get_by_role("heading", name="新規ユーザIDの確認")).to_be_visible()
    expect(tab.locator("main table")).to_contain_text("chuto4@a-corp.example.jp")
    screens.shot(tab, "new-users-preview")
    tab.get_by_role("button", name="3 件を登録する").click()
    tab.wait_for_url(f"{steps}/new-users")
    expect(tab.locator(".flashes")).to_contain_text("3 件のユーザIDを登録しました。")
    expect(tab.locator(".remaining")).to_contain_text("9 / 20")
    return {email} | {person[2] for person in BY_TEMPLATE}


def send_opening_emails(tab, steps: str, screens) -> None:
    """Start the send; the fragment runs, polls itself and ends done, on the same page."""
    tab.get_by_role("link", name="開設メール送信").click()
    tab.wait_for_url(f"{steps}/opening-emails")
    polls = []
    tab.on("request", lambda r: r.method == "GET" and r.url.endswith("/opening-emails")
           and r.headers.get("hx-request") == "true" and polls.append(r.url))
    tab.evaluate("window.e2eSamePage = true")  # a reload would forget it
    tab.get_by_role("button", name="11 人に開設メールを送信する").click()
    progress = tab.locator("#opening-progress")
    expect(progress).to_contain_text("送信中です")
    # The SMTP server takes 0.4 s a message and the fragment asks every second: it must
    # be seen part way, whatever the timing.
    expect(progress).to_contain_text(re.compile(r"送信中です…\s*([1-9]|10) / 11 通"))
    screens.shot(tab, "opening-running")
    expect(progress).to_contain_text("送信が終わりました", timeout=60_000)
    expect(progress).to_contain_text("送信 11 通・失敗 0 通(全 11 通)")
    expect(progress).to_contain_text(re.compile(r"まだ開設メールを送っていない受講者:\s*0\s*人"))
    screens.shot(tab, "opening-done")
    assert tab.evaluate("window.e2eSamePage") is True
    assert tab.url == f"{steps}/opening-emails"
    assert polls, "the running fragment never asked for its next state"


def set_password_and_log_in(tab, base: str, email, screens) -> None:
    """The opening email's one-time link sets a password; the learner logs in with it."""
    body = email.get_body(("plain",)).get_content()
    assert "A0001-001" in body and "demo-pass" not in body  # the ID, never a password
    [link] = re.findall(rf"{re.escape(base)}/password/\S+", body)
    tab.goto(link)
    tab.fill("#password", NEW_PASSWORD)
    tab.fill("#confirm", NEW_PASSWORD)
    tab.get_by_role("button", name="設定する").click()
    tab.wait_for_url(f"{base}/learn/login")
    expect(tab.locator(".flashes")).to_contain_text("パスワードを設定しました。")
    learner_login(tab, base, "A0001-001", NEW_PASSWORD)
    expect(tab.get_by_role("heading", name="本をさがす", level=1)).to_be_visible()
    screens.shot(tab, "learner-catalog")


def step(tab, title: str):
    """The step of the renewal's step page whose title is ``title``."""
    return tab.locator("li.step", has=tab.locator(".step__title", has_text=title))


def definition(tab, term: str) -> str:
    """The text of the <dd> that follows the <dt> reading exactly ``term``."""
    return tab.locator(f"xpath=//dt[normalize-space()='{term}']/following-sibling::dd[1]") \
        .first.inner_text().strip()


def addresses_of_the_new_contract(portal) -> set[str]:
    """The addresses of the learners enrolled in the renewal's new contract."""
    with portal.app.app_context():
        renewal = db.session.scalar(select(Renewal).where(
            Renewal.contract_id == portal.a_contract_id))
        return set(db.session.scalars(
            select(Learner.email).join(Enrolment).where(
                Enrolment.contract_id == renewal.successor_id, Learner.email.is_not(None))))
