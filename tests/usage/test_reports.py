"""The month-start report: built by `flask tick`, emailed once with the xlsx attached,
the same file downloadable later, and the same numbers in the email, page and xlsx."""

import io
import re

import openpyxl
import pytest
from factories import PASSWORD
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import OutboundEmail, UsageReport
from portal.usage.months import Month
from portal.usage.report import LEARNER_HEADER, TITLE_HEADER

from .helpers import NOW

SCHOOL = "librarian@school.example.jp"


def tick(runner, day="2026-06-01"):
    result = runner.invoke(args=["tick", "--date", day])
    assert result.exit_code == 0, result.output
    return result.output


def workbook(data: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book}


def attachment(message):
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return part.get_filename(), part.get_payload(decode=True)


def reports_to(smtp_server, address: str) -> list:
    """The usage reports an address received (the company also gets renewal emails)."""
    return [m for m in smtp_server.to(address) if "利用データ" in m["Subject"]]


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_the_tick_emails_each_coordinator_once_with_a_parseable_report(may, runner,
                                                                      smtp_server):
    assert "send_monthly_usage_reports: 2" in tick(runner)
    assert "send_monthly_usage_reports: 0" in tick(runner)  # twice the same day
    assert "send_monthly_usage_reports: 0" in tick(runner, "2026-06-02")
    [message] = smtp_server.to(SCHOOL)
    assert len(smtp_server.to("vice@school.example.jp")) == 1
    assert len(reports_to(smtp_server, "hr@company.example.jp")) == 1
    assert message["Subject"] == "【e-Library】2026年5月の利用データ(テスト学園/schoolライブラリ)"
    name, data = attachment(message)
    assert name == f"usage_S0001_{may.school_contract}_2026-05.xlsx"
    sheets = workbook(data)
    assert list(sheets) == ["概要", "ID別", "読まれた本"]
    summary = dict(sheets["概要"][1:])
    assert summary["対象月"] == "2026-05" and summary["組織名"] == "テスト学園"
    assert (summary["登録ID数"], summary["利用したID数"], summary["利用回数"],
            summary["本を開いた回数"], summary["読まれた本の数"]) == (4, 3, 7, 8, 3)
    assert sheets["ID別"] == [LEARNER_HEADER,
                             ("S0001-001", "個人", 3, 3, 2), ("S0001-002", "個人", 1, 1, 1),
                             ("S0001-031", "共用", 3, 4, 2), ("S0001-040", "個人", 0, 0, 0)]
    assert sheets["読まれた本"] == [TITLE_HEADER, (1, "二の本", "著者2", "テスト書房", 4, 2),
                                  (2, "一の本", "著者1", "テスト書房", 3, 2),
                                  (3, "三の本", "著者3", "テスト書房", 1, 1)]
    assert db.session.scalar(select(func.count()).select_from(UsageReport)) == 2


def test_email_page_and_xlsx_agree(may, runner, smtp_server, client):
    tick(runner)
    [message] = smtp_server.to(SCHOOL)
    text = body(message)
    emailed = {
        "利用したID数": re.search(r"利用したID数: (\d+) / 登録ID数 (\d+)", text)[1],
        "利用回数(ログイン)": re.search(r"利用回数\(ログイン\): (\d+) 回", text)[1],
        "本を開いた回数": re.search(r"本を開いた回数: (\d+) 回", text)[1],
        "読まれた本の数": re.search(r"読まれた本の数: (\d+) 冊", text)[1],
    }
    assert emailed == {"利用したID数": "3", "利用回数(ログイン)": "7", "本を開いた回数": "8",
                       "読まれた本の数": "3"}
    assert "1. 二の本(テスト書房) 4 回・2 ID" in text
    assert f"/usage/{may.school_contract}?month=2026-05" in text

    client.login("coord-s", PASSWORD)
    page = client.get(f"/usage/{may.school_contract}?month=2026-05").get_data(as_text=True)
    shown = dict(re.findall(r'stat__label">([^<]+)</span><span class="stat__value">([\d,]+)',
                            page))
    assert shown == emailed
    download = client.get(f"/usage/{may.school_contract}/2026-05.xlsx")
    assert download.status_code == 200
    assert download.data == attachment(message)[1]  # the very file that was emailed


def test_a_download_before_the_tick_is_the_report_then_emailed(may, runner, smtp_server,
                                                               client):
    client.login("coord-s", PASSWORD)
    first = client.get(f"/usage/{may.school_contract}/2026-05.xlsx")
    assert first.status_code == 200
    assert "filename*=UTF-8''usage_S0001_" in first.headers["Content-Disposition"]
    assert "send_monthly_usage_reports: 2" in tick(runner)
    [message] = smtp_server.to(SCHOOL)
    assert attachment(message)[1] == first.data
    assert db.session.scalar(select(func.count()).select_from(UsageReport)) == 2


def test_a_skipped_first_of_the_month_catches_up(may, runner, smtp_server, app):
    tick(runner, "2026-05-31")  # April's reports
    april = smtp_server.to(SCHOOL)
    assert [m["Subject"][:22] for m in april] == ["【e-Library】2026年4月の利用デ"]
    assert "send_monthly_usage_reports: 2" in tick(runner, "2026-06-03")
    assert len(smtp_server.to(SCHOOL)) == 2
    keys = db.session.scalars(select(OutboundEmail.idempotency_key)
                              .where(OutboundEmail.recipient == SCHOOL)
                              .order_by(OutboundEmail.id)).all()
    assert keys == [f"usage-report:{may.school_contract}:2026-04:{_coordinator_id('coord-s')}",
                    f"usage-report:{may.school_contract}:2026-05:{_coordinator_id('coord-s')}"]


def _coordinator_id(login_id: str) -> int:
    from portal.models import StaffUser

    return db.session.scalar(select(StaffUser.id).where(StaffUser.login_id == login_id))


def test_no_personal_data_in_any_report(may, runner, smtp_server):
    tick(runner)
    for address in (SCHOOL, "hr@company.example.jp"):
        [message] = reports_to(smtp_server, address)
        cells = [c for rows in workbook(attachment(message)[1]).values() for r in rows
                 for c in r if isinstance(c, str)]
        assert not any("@" in c or "山田" in c for c in cells)
        assert "山田" not in body(message)


@pytest.mark.parametrize("month, status", [
    ("2026-06", 409),  # this month: still growing
    ("2027-03", 409),  # the term's last month, to come
    ("2027-04", 404),  # after the term, and no usage in the grace month
    ("2026-03", 404),  # before the contract
    ("2026-13", 404),
    ("soon", 404),
])
def test_downloads_that_do_not_exist(may, client, month, status):
    client.login("coord-s", PASSWORD)
    response = client.get(f"/usage/{may.school_contract}/{month}.xlsx")
    assert response.status_code == status
    if status == 409:
        comes = Month.parse(month).next()
        assert f"{comes.label}1日に作成し" in response.get_data(as_text=True)


def test_the_report_is_built_on_the_tick_day_not_before(may, runner, app):
    """The tick reports last month: on 31 May that is April, and May's report waits."""
    assert "send_monthly_usage_reports: 2" in tick(runner, "2026-05-31")
    months = db.session.scalars(select(UsageReport.month).distinct()).all()
    assert months == [NOW.date().replace(month=4, day=1)]
