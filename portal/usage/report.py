"""The monthly report (利用データ): one xlsx per contract and month, in one fixed format.

The format is documented column by column in docs/USAGE.md; change both together.
Sheets, in this order: 概要 (the month's numbers), ID別 (every ID of the contract),
読まれた本 (every title opened in the month, most opened first). The file is written
through ``portal.sheets``, so no text cell can become a formula.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from portal import clock
from portal.models import Contract
from portal.models.people import KIND_LABELS
from portal.sheets import Sheet, write_xlsx
from portal.usage import figures
from portal.usage.months import Month

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUMMARY_HEADER = ("項目", "内容")
LEARNER_HEADER = ("ユーザID", "アカウント種別", "利用回数", "本を開いた回数", "読んだ本の数")
TITLE_HEADER = ("順位", "書名", "著者", "出版社", "開かれた回数", "読んだID数")


@dataclass(frozen=True)
class MonthlyFigures:
    """What a contract's month report says; the email and the page show the same."""

    contract: Contract
    month: Month
    registered_ids: int
    point: figures.Point
    titles: list[figures.TitleRow]

    def top(self, count: int) -> list[figures.TitleRow]:
        return self.titles[:count]


def gather(contract: Contract, month: Month) -> MonthlyFigures:
    """The month's numbers of ``contract``, straight from the events."""
    return MonthlyFigures(
        contract=contract,
        month=month,
        registered_ids=figures.registered_ids(contract.id),
        point=figures.month_point(month, contract.id),
        titles=figures.top_titles(month, contract.id),
    )


def filename(contract: Contract, month: Month) -> str:
    """ASCII on purpose: it travels as an email attachment name too."""
    return f"usage_{contract.organisation.code}_{contract.id}_{month.key}.xlsx"


def workbook(data: MonthlyFigures, built_at: datetime | None = None) -> bytes:
    """The xlsx bytes of the report."""
    learners = figures.per_learner(data.contract.id, data.month)
    target = io.BytesIO()
    write_xlsx(target, [
        Sheet("概要", SUMMARY_HEADER, summary_rows(data, built_at or clock.now()),
              widths=(22, 48)),
        Sheet("ID別", LEARNER_HEADER, (
            (r.login_id, KIND_LABELS[r.kind], r.logins, r.book_opens, r.titles_read)
            for r in learners
        ), widths=(20, 14, 10, 14, 12)),
        Sheet("読まれた本", TITLE_HEADER, (
            (t.rank, t.title, t.author, t.publisher, t.opens, t.readers) for t in data.titles
        ), text_columns=(), widths=(6, 40, 24, 16, 12, 10)),
    ])
    return target.getvalue()


def summary_rows(data: MonthlyFigures, built_at: datetime) -> list[tuple]:
    """The 概要 sheet: label and value, always these rows in this order."""
    contract, month, point = data.contract, data.month, data.point
    return [
        ("組織コード", contract.organisation.code),
        ("組織名", contract.organisation.name),
        ("ライブラリ", contract.library.name),
        ("契約期間", contract.term_label),
        ("対象月", month.key),
        ("集計期間", f"{month.first_day:%Y/%m/%d} 0:00 ～ {month.last_day:%Y/%m/%d} 24:00(日本時間)"),
        ("登録ID数", data.registered_ids),
        ("利用したID数", point.active_ids),
        ("利用回数", point.logins),
        ("本を開いた回数", point.book_opens),
        ("読まれた本の数", point.titles_read),
        ("作成日時", f"{clock.tokyo(built_at):%Y/%m/%d %H:%M}(日本時間)"),
    ]
