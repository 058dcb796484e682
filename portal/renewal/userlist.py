"""The user-ID list (ユーザID一覧) of a contract, as the coordinator downloads it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import select

from portal.dbutil import plain_stream, tokyo_day
from portal.models import Contract, Enrolment, Learner
from portal.models.people import KIND_LABELS
from portal.sheets import Sheet

# The public contract (DESIGN §5): ユーザID first, then these, in this order.
HEADER = ["ユーザID", "氏名", "性別", "メールアドレス", "アカウント種別", "作成日", "更新日"]
WIDTHS = [18, 16, 6, 32, 12, 12, 12]



def rows(contract: Contract) -> Iterator[tuple]:
    """The contract's learners as list rows, streamed from the database in batches; the
    dates are Tokyo days, formatted by the database (100,000 rows a list)."""
    query = (
        select(Learner.login_id, Learner.name, Learner.gender, Learner.email, Learner.kind,
               tokyo_day(Learner.created_at), tokyo_day(Learner.updated_at))
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        # A replaced ID (lost card, yearly rotation) is not continued: its new ID is.
        .where(Enrolment.contract_id == contract.id, Learner.replaced_by_id.is_(None))
        .order_by(Learner.login_id)
    )
    for login_id, name, gender, email, kind, created, updated in plain_stream(query):
        yield (login_id, name, gender, email, KIND_LABELS[kind], created, updated)


def sheet(contract: Contract) -> Sheet:
    return Sheet("ユーザID一覧", HEADER, rows(contract), text_columns=(0,), widths=WIDTHS)


def filename(contract: Contract, extension: str, today: date) -> str:
    """ユーザID一覧_A0001_20261127.xlsx"""
    return f"ユーザID一覧_{contract.organisation.code}_{today:%Y%m%d}.{extension}"
