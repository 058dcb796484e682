"""After a month of demo usage: the tick emails each demo coordinator last month's report,
and the email, the page and the xlsx say the same."""

import io
import re

import openpyxl
from sqlalchemy import func, select

from portal import demo as demo_data
from portal.extensions import db
from portal.models import Contract, Organisation, UsageEvent

from .helpers import text


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(UsageEvent))


def test_the_demo_has_a_month_of_usage_once(app, demo):
    added = events()
    assert added > 500
    assert "learner shared: B0001-031 / demo-pass" in demo_data.describe(demo_data.load())
    assert events() == added  # loading again adds nothing


def test_the_demo_coordinator_gets_the_report_and_the_numbers_agree(app, demo, runner,
                                                                     smtp_server, client):
    result = runner.invoke(args=["tick"])  # 1 June 2026, 09:00
    assert "send_monthly_usage_reports: 2" in result.output
    [message] = [m for m in smtp_server.to("kimura@b-gakuen.example.jp")
                 if "2026年5月の利用データ" in m["Subject"]]
    assert len([m for m in smtp_server.to("aoki@a-corp.example.jp")
                if "利用データ" in m["Subject"]]) == 1
    mail = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    emailed = [int(n) for n in re.search(
        r"利用したID数: (\d+) / 登録ID数 \d+\n利用回数\(ログイン\): ([\d,]+) 回\n"
        r"本を開いた回数: ([\d,]+) 回\n読まれた本の数: (\d+) 冊", mail.replace(",", "")).groups()]
    assert emailed[1] > 100

    [part] = list(message.iter_attachments())
    summary = dict(list(openpyxl.load_workbook(io.BytesIO(part.get_payload(decode=True)))
                        ["概要"].iter_rows(values_only=True))[1:])
    assert [summary[k] for k in ("利用したID数", "利用回数", "本を開いた回数",
                                 "読まれた本の数")] == emailed

    contract_id = db.session.scalar(select(Contract.id).join(Organisation)
                                    .where(Organisation.code == "B0001"))
    client.login("coord-b")
    page = text(client.get(f"/usage/{contract_id}?month=2026-05"))
    shown = [int(n.replace(",", "")) for n in re.findall(r'stat__value">([\d,]+)', page)]
    assert shown == emailed
